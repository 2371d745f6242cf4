// Package postgres opens Ember's store in a PostgreSQL database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's store.Dialect.
type Dialect struct{}

// Name implements store.Dialect.
func (Dialect) Name() string { return "postgres" }

// Least implements store.Dialect.
func (Dialect) Least() string { return "LEAST" }

// Greatest implements store.Dialect.
func (Dialect) Greatest() string { return "GREATEST" }

// Options tune how the database is opened.
type Options struct {
	// Schema, when set, holds Ember's tables; it is created if missing.
	Schema string
	// MaxConnections caps the pool; 0 means 16.
	MaxConnections int
	Logger         *slog.Logger
}

// schemaLockID is the advisory lock held while creating the schema, so that
// servers starting at once do not race on CREATE SCHEMA.
const schemaLockID = 0x656d626572 // "ember"

// Open connects to the database at dsn (a postgres:// URL) and migrates it.
// Migrations run under an advisory lock, so several servers can start
// against one database at once.
func Open(ctx context.Context, dsn string, opts Options) (*store.DB, error) {
	if opts.Schema != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("parse database url: %w", err)
		}
		q := u.Query()
		q.Set("search_path", opts.Schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := opts.MaxConnections
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if opts.Schema != "" {
		if err := createSchema(ctx, db, opts.Schema); err != nil {
			db.Close()
			return nil, err
		}
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := store.Migrate(ctx, db, goose.DialectPostgres, sub, locker, opts.Logger); err != nil {
		db.Close()
		return nil, err
	}
	return store.New(db, db, Dialect{}), nil
}

func createSchema(ctx context.Context, db *sql.DB, schema string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, schemaLockID); err != nil {
		return fmt.Errorf("lock schema creation: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, schemaLockID)
	// The name was checked to be a plain identifier when the configuration
	// was read; quoting keeps it one.
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "`+schema+`"`); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}

// PositionalParameters implements store.Dialect.
func (Dialect) PositionalParameters() bool { return false }

// ConsecutiveRowIDs implements store.Dialect: concurrent writers draw ids
// from one sequence, so a statement's ids may interleave with another's.
func (Dialect) ConsecutiveRowIDs() bool { return false }

// IndexedBy implements store.Dialect: PostgreSQL's planner has histograms
// of every column and needs no hint.
func (Dialect) IndexedBy(string) string { return "" }

// SpanIDLookup implements store.Dialect: PostgreSQL keeps a plain index on
// span_id.
func (Dialect) SpanIDLookup(string) string { return "" }

// AttributeMatch implements store.Dialect with jsonb path operators.
func (Dialect) AttributeMatch(column string, path []string, value any, arg func(any) string) string {
	elems := make([]string, len(path))
	for i, seg := range path {
		elems[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(seg) + `"`
	}
	p := arg("{" + strings.Join(elems, ",") + "}")
	node := "(" + column + " #> " + p + "::text[])"
	switch v := value.(type) {
	case bool:
		if v {
			return node + " = 'true'::jsonb"
		}
		return node + " = 'false'::jsonb"
	case int64, float64:
		return "jsonb_typeof(" + node + ") = 'number' AND (" + column + " #>> " + p + "::text[])::numeric = " + arg(v) + "::numeric"
	case string:
		return "jsonb_typeof(" + node + ") = 'string' AND " + column + " #>> " + p + "::text[] = " + arg(v)
	}
	return "1 = 0"
}

// JSONValue implements store.Dialect with jsonb path operators; the path
// is bound as a text array.
func (Dialect) JSONValue(column string, path []ember.PathSegment, as ember.ExprType, arg func(any) string) string {
	elems := make([]string, len(path))
	for i, seg := range path {
		if seg.IsIndex {
			elems[i] = strconv.Itoa(seg.Index)
			continue
		}
		elems[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(seg.Key) + `"`
	}
	p := arg("{" + strings.Join(elems, ",") + "}")
	node := "(" + column + " #> " + p + "::text[])"
	text := "(" + column + " #>> " + p + "::text[])"
	switch as {
	case ember.TypeNumber:
		// Numbers, and strings that spell a plain decimal number: a sign,
		// digits and at most one point (the same test as SQLite's).
		return "(CASE WHEN jsonb_typeof(" + node + ") = 'number' THEN " + text + "::float8" +
			" WHEN jsonb_typeof(" + node + ") = 'string' AND " + text + " ~ '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)$' THEN " + text + "::float8 END)"
	case ember.TypeBool:
		// Booleans, "true"/"false" in any case, and the numbers 1 and 0.
		return "(CASE WHEN jsonb_typeof(" + node + ") = 'boolean' THEN " + text + "::boolean" +
			" WHEN jsonb_typeof(" + node + ") = 'string' AND lower(" + text + ") IN ('true', 'false') THEN lower(" + text + ") = 'true'" +
			" WHEN jsonb_typeof(" + node + ") = 'number' AND " + text + " IN ('0', '1') THEN " + text + " = '1' END)"
	}
	return text
}

// ContainsFold implements store.Dialect.
func (Dialect) ContainsFold(haystack, needle string) string {
	return "strpos(lower(" + haystack + "), lower(" + needle + ")) > 0"
}

// Floor implements store.Dialect.
func (Dialect) Floor(x string) string { return "floor(" + x + ")" }

// Trunc implements store.Dialect.
func (Dialect) Trunc(x string) string { return "trunc(" + x + ")::bigint" }

// Mod implements store.Dialect on floating-point numbers.
func (Dialect) Mod(a, b string) string {
	return "((" + a + ") - (" + b + ") * trunc((" + a + ")::float8 / (" + b + ")))"
}

// NumberText implements store.Dialect.
func (Dialect) NumberText(x string) string { return "(" + x + ")::text" }
