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

	// Now is the clock; tests replace it.
	Now func() time.Time

	// projectIDs caches project name -> row id for the ingest path, which
	// resolves a project for every request.
	projectMu  sync.Mutex
	projectIDs map[string]int64

	// onClose runs before the pools close, in reverse order of adding.
	onClose []func() error
}

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

// chunks calls fn for consecutive sub-slices of at most size elements.
func chunks[T any](s []T, size int, fn func([]T) error) error {
	for len(s) > 0 {
		n := min(size, len(s))
		if err := fn(s[:n]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// ReadDB exposes the read pool to tests and tools that inspect the schema.
func (db *DB) ReadDB() *sql.DB { return db.read }
