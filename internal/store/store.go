// Package store implements Ember's services over database/sql with one set
// of hand-written SQL shared by SQLite and PostgreSQL. What differs between
// the two engines sits behind Dialect; the engine packages (store/sqlite,
// store/postgres) open connections, run migrations and supply the Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emberhq/ember"
)

// Dialect is what the shared SQL needs to know about an engine.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Least and Greatest name the two-argument minimum and maximum
	// functions (min/max in SQLite, LEAST/GREATEST in PostgreSQL).
	Least() string
	Greatest() string
	// PositionalParameters reports whether bulk statements should use "?"
	// rather than "$n". SQLite resolves "$n" names by a linear search per
	// parameter, which makes a statement of thousands of parameters
	// quadratic to prepare; "?" costs nothing.
	PositionalParameters() bool
	// ConsecutiveRowIDs reports whether a multi-row INSERT into a table
	// with AUTOINCREMENT ids, inserting every row and run by the only
	// writer, numbers the rows consecutively in VALUES order, so the last
	// insert id gives every id without RETURNING.
	ConsecutiveRowIDs() bool
	// AttributeMatch returns a condition on the column attributes (nested
	// JSON) that holds when the value at path equals value, as
	// ember.AttributeMatch describes; arg binds a parameter and returns
	// its placeholder.
	AttributeMatch(column string, path []string, value any, arg func(any) string) string
	// IndexedBy returns the clause, to follow a table reference, that
	// makes the planner read the table through the named index, or "" for
	// an engine whose statistics let it choose well by itself.
	IndexedBy(index string) string
	// SpanIDLookup returns a condition to AND with an equality or IN test
	// on span_id of the spans row alias, so that the engine finds spans by
	// span id through its index; "" when an index on span_id alone serves.
	// See docs/schema.md, "Finding a span by its span id".
	SpanIDLookup(alias string) string

	// The span filter language's needs (see condition.go):
	// JSONValue reads the value at path in a JSON column as text (any
	// scalar), as a number (a number, or a string spelling a plain decimal
	// number) or as a boolean (a boolean, "true"/"false" in any case, or
	// the integers 1 and 0); anything else reads as NULL. The path is bound
	// through arg.
	JSONValue(column string, path []ember.PathSegment, as ember.ExprType, arg func(any) string) string
	// ContainsFold is a condition: needle occurs in haystack, ignoring
	// case.
	ContainsFold(haystack, needle string) string
	// Floor, Trunc and Mod are floor(x), x truncated toward zero (as an
	// integer) and the remainder of a / b, for any numbers.
	Floor(x string) string
	Trunc(x string) string
	Mod(a, b string) string
	// NumberText renders a number as text.
	NumberText(x string) string
}

// DB is an open database holding Ember's data. It implements the service
// interfaces of package ember.
type DB struct {
	// write runs every write. For SQLite it holds a single connection, so
	// writes are serialised in the process instead of waiting on file locks.
	write *sql.DB
	// read runs queries; for PostgreSQL it is the same pool as write.
	read    *sql.DB
	dialect Dialect

	// detachIngest: see DetachIngestWrites.
	detachIngest bool

	// Now is the clock; tests replace it.
	Now func() time.Time

	// projectIDs caches project name -> row id for the ingest path, which
	// resolves a project for every request.
	projectMu  sync.Mutex
	projectIDs map[string]int64

	// syncer makes committed writes durable, for engines whose commits
	// do not wait for the disk; nil when they do.
	syncer func(ctx context.Context) error

	// onClose runs before the pools close, in reverse order of adding.
	onClose []func() error

	// bulkStmts caches prepared bulk statements by name and row count:
	// parsing a statement of thousands of parameters costs as much as
	// running it.
	bulkMu    sync.Mutex
	bulkStmts map[bulkKey]*sql.Stmt
}

type bulkKey struct {
	name string
	rows int
}

// SetSyncer installs the function that makes committed writes durable, for
// an engine whose commits do not wait for the disk.
func (db *DB) SetSyncer(fn func(ctx context.Context) error) { db.syncer = fn }

// Sync makes every write committed so far durable.
func (db *DB) Sync(ctx context.Context) error {
	if db.syncer == nil {
		return nil
	}
	if err := db.syncer(ctx); err != nil {
		return fmt.Errorf("sync database: %w", err)
	}
	return nil
}

// DetachIngestWrites makes span ingestion ignore its context's cancellation
// and deadline. SQLite's driver watches a cancellable context with a
// goroutine and a progress callback for every statement, which costs the
// single writer measurable time on every batch, while a SQLite write cannot
// hang on a network and waits for locks at most busy_timeout.
func (db *DB) DetachIngestWrites() { db.detachIngest = true }

// OnClose registers fn to run when the database closes, before the pools
// do: engines stop their background work with it.
func (db *DB) OnClose(fn func() error) { db.onClose = append(db.onClose, fn) }

// New wraps open connection pools. write and read may be the same pool.
func New(write, read *sql.DB, dialect Dialect) *DB {
	return &DB{
		write:      write,
		read:       read,
		dialect:    dialect,
		Now:        time.Now,
		projectIDs: make(map[string]int64),
		bulkStmts:  make(map[bulkKey]*sql.Stmt),
	}
}

// Dialect returns the engine's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the connection pools.
func (db *DB) Close() error {
	var err error
	for i := len(db.onClose) - 1; i >= 0; i-- {
		err = errors.Join(err, db.onClose[i]())
	}
	db.onClose = nil
	db.bulkMu.Lock()
	for _, stmt := range db.bulkStmts {
		err = errors.Join(err, stmt.Close())
	}
	clear(db.bulkStmts)
	db.bulkMu.Unlock()
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction and commits it when fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// placeholders appends "($1,$2,...),(...)" for rows rows of cols columns,
// or "(?,?,...)" where the dialect prefers positional parameters. The
// statement must have no other parameters.
func (db *DB) placeholders(buf []byte, rows, cols int) []byte {
	first := 1
	n := first
	for r := 0; r < rows; r++ {
		if r > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = db.param(buf, n)
			n++
		}
		buf = append(buf, ')')
	}
	return buf
}

// inList appends "$1,$2,..." (or "?,?,...") for count parameters. The
// statement must have no other parameters.
func (db *DB) inList(buf []byte, count int) []byte {
	for i := 0; i < count; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = db.param(buf, i+1)
	}
	return buf
}

func (db *DB) param(buf []byte, n int) []byte {
	if db.dialect.PositionalParameters() {
		return append(buf, '?')
	}
	buf = append(buf, '$')
	return appendInt(buf, n)
}

func appendInt(buf []byte, n int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(buf, tmp[i:]...)
}

// nanos stores a time as Unix nanoseconds, the form of every time column.
func nanos(t time.Time) int64 { return t.UnixNano() }

// fromNanos reads a time column.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// chunkSizes are the sizes chunks cuts a slice into, for a largest size.
func chunkSizes(size int) []int {
	sizes := []int{size}
	for _, sz := range []int{size / 4, size / 16, 5, 1} {
		if sz >= 1 && sz < sizes[len(sizes)-1] {
			sizes = append(sizes, sz)
		}
	}
	return sizes
}

// chunks calls fn for consecutive sub-slices of s, each of a size from
// chunkSizes(size), so that a few prepared statements serve every batch.
func chunks[T any](s []T, size int, fn func([]T) error) error {
	sizes := chunkSizes(size)
	for len(s) > 0 {
		n := 1
		for _, sz := range sizes {
			if sz <= len(s) {
				n = sz
				break
			}
		}
		if err := fn(s[:n]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// The bulk statements: multi-row statements in a few fixed sizes, prepared
// once, because parsing a statement of thousands of parameters costs as much
// as running it.
const (
	bulkUpsertTraces   = "upsert traces"
	bulkStoredChildren = "find stored children"
	bulkInsertSpans    = "insert spans"
	bulkInsertCosts    = "insert span costs"
)

// bulkStatements gives each bulk statement's text builder and largest size.
func (db *DB) bulkStatements() map[string]struct {
	build   func(rows int) string
	maxRows int
} {
	statements := map[string]struct {
		build   func(rows int) string
		maxRows int
	}{
		bulkUpsertTraces:   {db.upsertTracesSQL, lookupChunk},
		bulkStoredChildren: {db.storedChildrenSQL, lookupChunk},
		bulkInsertSpans:    {db.insertSpansSQL, spanInsertChunk},
		bulkInsertCosts:    {db.insertCostsSQL, spanInsertChunk},
	}
	db.annotationBulkStatements(statements)
	return statements
}

// prepareBulk prepares every bulk statement in every chunk size. It runs
// outside any transaction: SQLite's write pool has a single connection,
// which a transaction holds.
func (db *DB) prepareBulk(ctx context.Context) error {
	db.bulkMu.Lock()
	defer db.bulkMu.Unlock()
	if len(db.bulkStmts) > 0 {
		return nil
	}
	for name, b := range db.bulkStatements() {
		for _, rows := range chunkSizes(b.maxRows) {
			stmt, err := db.write.PrepareContext(ctx, b.build(rows))
			if err != nil {
				for _, s := range db.bulkStmts {
					s.Close()
				}
				clear(db.bulkStmts)
				return fmt.Errorf("prepare %s: %w", name, err)
			}
			db.bulkStmts[bulkKey{name, rows}] = stmt
		}
	}
	return nil
}

// bulk returns the prepared statement name for rows rows, bound to tx.
func (db *DB) bulk(ctx context.Context, tx *sql.Tx, name string, rows int) (*sql.Stmt, error) {
	db.bulkMu.Lock()
	stmt, ok := db.bulkStmts[bulkKey{name, rows}]
	db.bulkMu.Unlock()
	if !ok {
		// Not prepared (prepareBulk failed or was skipped): prepare for
		// this transaction alone.
		return tx.PrepareContext(ctx, db.bulkStatements()[name].build(rows))
	}
	return tx.StmtContext(ctx, stmt), nil
}

// ReadDB exposes the read pool to tests and tools that inspect the schema.
func (db *DB) ReadDB() *sql.DB { return db.read }

// WriteDB exposes the write pool to tests of an engine's own upkeep.
func (db *DB) WriteDB() *sql.DB { return db.write }

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs q on pool and scans every row with scan; what names the
// query in errors.
func queryAll[T any](ctx context.Context, pool *sql.DB, what, q string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := pool.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
