// Package sqlite opens Ember's store in an embedded SQLite database file.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's store.Dialect.
type Dialect struct{}

// Name implements store.Dialect.
func (Dialect) Name() string { return "sqlite" }

// Least implements store.Dialect.
func (Dialect) Least() string { return "min" }

// Greatest implements store.Dialect.
func (Dialect) Greatest() string { return "max" }

// Options tune how the database is opened.
type Options struct {
	// ReadConnections is the size of the read pool; 0 means 4.
	ReadConnections int
	Logger          *slog.Logger
}

// Open opens (creating if needed) the database at path, or a private
// in-memory database for ":memory:", and migrates it.
//
// The file runs in WAL mode. Commits do not wait for the disk
// (synchronous=NORMAL); instead Sync flushes the log with fsync, and
// InsertSpans calls it before returning, so a span is durable against a
// crash of the process or of the machine once InsertSpans returns. Ember's
// span writer calls InsertSpansNoSync and Sync itself, so that the flush of
// one batch overlaps the work on the next. Writes go through one connection that
// takes the write lock when a transaction begins (IMMEDIATE), so there are
// never lock upgrades to fail; reads use a separate pool that WAL lets run
// beside the writer.
func Open(ctx context.Context, path string, opts Options) (*store.DB, error) {
	var base string
	if path == ":memory:" {
		// A named shared-cache memory database, so both pools see it.
		base = "file:ember-" + rand.Text() + "?mode=memory&cache=shared"
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		base = "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	}
	pragmas := "&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)"
	// The writer never checkpoints: a background checkpointer does, so
	// commits do not stall on copying the WAL into the database file.
	write, err := sql.Open("sqlite", base+pragmas+"&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		write.Close()
		return nil, err
	}
	if err := store.Migrate(ctx, write, goose.DialectSQLite3, sub, nil, opts.Logger); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", base+pragmas+"&_pragma=synchronous(FULL)&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := opts.ReadConnections
	if n <= 0 {
		n = 4
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := store.New(write, read, Dialect{})
	db.DetachIngestWrites()
	if path != ":memory:" {
		// The checkpointer syncs the log before copying it and the database
		// file after (synchronous=FULL on its own connection).
		cp, err := startCheckpointer(base+pragmas+"&_pragma=synchronous(FULL)", write, opts.Logger)
		if err != nil {
			db.Close()
			return nil, err
		}
		db.OnClose(cp.close)
		w := &walSyncer{path: path}
		db.SetSyncer(w.sync)
		db.OnClose(w.close)
	}
	return db, nil
}

// PositionalParameters implements store.Dialect.
func (Dialect) PositionalParameters() bool { return true }

// ConsecutiveRowIDs implements store.Dialect: one connection writes.
func (Dialect) ConsecutiveRowIDs() bool { return true }

// IndexedBy implements store.Dialect. SQLite plans without statistics of
// value ranges, so it cannot tell a narrow time window from a wide one.
func (Dialect) IndexedBy(index string) string { return " INDEXED BY " + index }

// spanIDBlockShift sizes the blocks of consecutive span row ids (65,536
// rows) that the span id index is grouped by. The expression it makes must
// match the index's (migration 00010) for SQLite to use the index;
// TestSpanIDLookupUsesBlockIndex checks that it does.
const spanIDBlockShift = "16"

// SpanIDLookup implements store.Dialect. SQLite's index on span ids is
// keyed by (row id block, span id), so that the random span ids of new
// spans land in the small newest part of the index rather than on a
// random page of all of it; a lookup probes every block, newest included.
func (Dialect) SpanIDLookup(alias string) string {
	const first = `(SELECT min(id) FROM spans) >> ` + spanIDBlockShift
	const last = `(SELECT max(id) FROM spans) >> ` + spanIDBlockShift
	return `(` + alias + `.id >> ` + spanIDBlockShift + `) IN (WITH RECURSIVE block(n) AS (SELECT ` + first +
		` UNION ALL SELECT n + 1 FROM block WHERE n < ` + last + `) SELECT n FROM block)`
}

// AttributeMatch implements store.Dialect with SQLite's JSON functions,
// whose json_type tells integers, reals, text and booleans apart.
func (Dialect) AttributeMatch(column string, path []string, value any, arg func(any) string) string {
	jsonPath := "$"
	for i, seg := range path {
		if strings.ContainsAny(seg, `"\`) {
			return "1 = 0" // not expressible as a JSON path: nothing can match
		}
		// Ingestion stores a numeric segment followed by more segments as
		// an array index, and a trailing one as an object key.
		if i < len(path)-1 && isIndex(seg) {
			jsonPath += "[" + seg + "]"
		} else {
			jsonPath += `."` + seg + `"`
		}
	}
	p := arg(jsonPath)
	typ := "json_type(" + column + ", " + p + ")"
	val := "json_extract(" + column + ", " + p + ")"
	switch v := value.(type) {
	case bool:
		if v {
			return typ + " = 'true'"
		}
		return typ + " = 'false'"
	case int64:
		return typ + " IN ('integer', 'real') AND " + val + " = " + arg(v)
	case float64:
		return typ + " IN ('integer', 'real') AND " + val + " = " + arg(v)
	case string:
		return typ + " = 'text' AND " + val + " = " + arg(v)
	}
	return "1 = 0"
}

func isIndex(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// jsonPath renders a path as a SQLite JSON path, or "" when a key cannot
// be written in one.
func jsonPath(path []ember.PathSegment) string {
	p := "$"
	for _, seg := range path {
		if seg.IsIndex {
			p += "[" + strconv.Itoa(seg.Index) + "]"
			continue
		}
		if strings.ContainsAny(seg.Key, `"\`) {
			return ""
		}
		p += `."` + seg.Key + `"`
	}
	return p
}

// JSONValue implements store.Dialect. json_type tells integers, reals,
// text and booleans apart.
func (Dialect) JSONValue(column string, path []ember.PathSegment, as ember.ExprType, arg func(any) string) string {
	jp := jsonPath(path)
	if jp == "" {
		return "NULL"
	}
	p := arg(jp)
	typ := "json_type(" + column + ", " + p + ")"
	val := "json_extract(" + column + ", " + p + ")"
	switch as {
	case ember.TypeNumber:
		// Numbers, and text that spells a plain decimal number ("12",
		// "-0.5"): a sign, digits and at most one point.
		digits := "(CASE WHEN substr(" + val + ", 1, 1) IN ('+', '-') THEN substr(" + val + ", 2) ELSE " + val + " END)"
		numeric := digits + " GLOB '*[0-9]*' AND " + digits + " NOT GLOB '*[^0-9.]*' AND " + digits + " NOT GLOB '*.*.*'"
		return "(CASE WHEN " + typ + " IN ('integer', 'real') THEN " + val + " WHEN " + typ + " = 'text' AND " + numeric + " THEN CAST(" + val + " AS REAL) END)"
	case ember.TypeBool:
		// Booleans, "true"/"false" in any case, and the numbers 1 and 0.
		return "(CASE WHEN " + typ + " = 'true' THEN 1 WHEN " + typ + " = 'false' THEN 0" +
			" WHEN " + typ + " = 'text' AND lower(" + val + ") = 'true' THEN 1 WHEN " + typ + " = 'text' AND lower(" + val + ") = 'false' THEN 0" +
			" WHEN " + typ + " = 'integer' AND " + val + " IN (0, 1) THEN " + val + " END)"
	}
	return "(CASE " + typ + " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN NULL ELSE CAST(" + val + " AS TEXT) END)"
}

// ContainsFold implements store.Dialect. SQLite's lower() folds ASCII
// letters only.
func (Dialect) ContainsFold(haystack, needle string) string {
	return "instr(lower(" + haystack + "), lower(" + needle + ")) > 0"
}

// Floor implements store.Dialect without the optional math functions.
func (Dialect) Floor(x string) string {
	return "(CASE WHEN " + x + " < CAST(" + x + " AS INTEGER) THEN CAST(" + x + " AS INTEGER) - 1 ELSE CAST(" + x + " AS INTEGER) END)"
}

// Trunc implements store.Dialect.
func (Dialect) Trunc(x string) string { return "CAST(" + x + " AS INTEGER)" }

// Mod implements store.Dialect.
func (Dialect) Mod(a, b string) string {
	return "((" + a + ") - (" + b + ") * CAST((" + a + ") * 1.0 / (" + b + ") AS INTEGER))"
}

// NumberText implements store.Dialect.
func (Dialect) NumberText(x string) string { return "CAST(" + x + " AS TEXT)" }
