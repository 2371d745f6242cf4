package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/emberhq/ember"
)

// TestSpanIDBlocksMigration upgrades a database holding spans, a deleted
// span, an annotation and a cost through migration 00010, which rebuilds
// the spans table, and checks that nothing referencing it was lost.
func TestSpanIDBlocksMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ember.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sub, goose.WithDisableGlobalRegistry(true), goose.WithTableName("ember_schema_migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO traces (id, project_id, trace_id, start_time, end_time) VALUES (1, 1, 'aaaa', 1, 2)`,
		`INSERT INTO spans (id, trace_rowid, project_id, span_id, parent_id, name, span_kind, start_time, end_time, cumulative_llm_token_count_prompt) VALUES
			(1, 1, 1, '0000000000000001', NULL, 'root', 'CHAIN', 1, 2, 5),
			(2, 1, 1, '0000000000000002', '0000000000000001', 'llm', 'LLM', 1, 2, 5),
			(3, 1, 1, '0000000000000003', '0000000000000001', 'gone', 'TOOL', 1, 2, 0)`,
		`DELETE FROM spans WHERE id = 3`,
		`INSERT INTO span_annotations (span_rowid, project_id, name, annotator_kind, source, created_at, updated_at) VALUES (2, 1, 'quality', 'HUMAN', 'APP', 1, 1)`,
		`INSERT INTO span_costs (span_rowid, trace_rowid, project_id, span_start_time, model_name) VALUES (2, 1, 1, 1, 'gpt-4o')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	spans, err := db.FindSpans(ctx, ember.SpanFilter{SpanIDs: []string{"0000000000000002"}})
	if err != nil || len(spans) != 1 || spans[0].ID != 2 || spans[0].CumulativeLLMTokenCountPrompt != 5 {
		t.Fatalf("span 2 after the migration: %+v, %v", spans, err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.ReadDB().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM span_annotations`); n != 1 {
		t.Fatalf("annotations = %d", n)
	}
	if n := count(`SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("foreign key violations = %d", n)
	}
	// The deleted span's row id is not handed out again.
	now := time.Now()
	res, err := db.InsertSpans(ctx, []*ember.Span{{ProjectName: "default", TraceID: "aaaa", SpanID: "0000000000000004", ParentID: "0000000000000001",
		Name: "new", Kind: ember.SpanKindTool, StartTime: now, EndTime: now, StatusCode: ember.StatusOK}})
	if err != nil || res.Inserted != 1 {
		t.Fatalf("insert after the migration: %+v, %v", res, err)
	}
	if n := count(`SELECT id FROM spans WHERE span_id = '0000000000000004'`); n != 4 {
		t.Fatalf("new span row id = %d, want 4", n)
	}
	// Foreign keys are back on: deleting a span takes its annotation and cost.
	if err := db.DeleteSpan(ctx, "0000000000000002"); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT (SELECT count(*) FROM span_annotations) + (SELECT count(*) FROM span_costs)`); n != 0 {
		t.Fatalf("rows left referencing a deleted span = %d", n)
	}
}

// TestSpanIDLookupUsesBlockIndex pins that the condition the dialect adds
// to span-id lookups matches the expression of the index migration 00010
// creates: a mismatch would silently turn every lookup into a table scan.
func TestSpanIDLookupUsesBlockIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "ember.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, alias := range []string{"s", "spans"} {
		q := `EXPLAIN QUERY PLAN SELECT ` + alias + `.id FROM spans ` + alias + ` WHERE ` + alias + `.span_id IN (?, ?) AND ` + Dialect{}.SpanIDLookup(alias)
		if alias == "spans" {
			q = strings.Replace(q, "FROM spans spans", "FROM spans", 1)
		}
		rows, err := db.ReadDB().QueryContext(ctx, q, "0000000000000001", "0000000000000002")
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), "SEARCH "+alias+" USING COVERING INDEX ix_spans_block_span_id") {
			t.Errorf("alias %s: plan does not search the block index:\n%s", alias, strings.Join(plan, "\n"))
		}
	}
}
