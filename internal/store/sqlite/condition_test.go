package sqlite_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/spanquery"
	"github.com/emberhq/ember/internal/store/sqlite"
)

// sqlWords are every word compiled conditions may contain: SQL keywords,
// the span columns and the engines' functions. A word of the condition
// itself appearing in the SQL would fail the fuzz target.
var sqlWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`AND OR NOT IN IS NULL CASE WHEN THEN ELSE END CAST AS TEXT INTEGER BIGINT DOUBLE PRECISION NULLIF EXISTS SELECT FROM WHERE
		s t p spans span_id parent_id trace_id name span_kind status_code status_message start_time end_time attributes
		cumulative_llm_token_count_prompt cumulative_llm_token_count_completion json_type json_extract instr lower
		COUNT SUM MAX MIN COALESCE ORDER BY LIMIT JOIN ON x y r ps id traces span_costs trace_rowid project_session_id
		total_cost llm_token_count_prompt llm_token_count_completion user_id session_id
		substr GLOB REAL
		a span_annotations trace_annotations session_annotations label score explanation updated_at span_rowid session_rowid DESC`) {
		sqlWords[w] = true
	}
}

var (
	sqlString         = regexp.MustCompile(`'[^']*'`)
	sqlWord           = regexp.MustCompile(`[A-Za-z_][A-Za-z_0-9]*`)
	sqlOther          = regexp.MustCompile(`^[\s().,=<>!+\-*/|$0-9]*$`)
	allowedSQLStrings = map[string]bool{"'true'": true, "'false'": true, "'null'": true, "'integer'": true, "'real'": true, "'ERROR'": true, "'TOOL'": true, "'LLM'": true, "'text'": true, "'+'": true, "'-'": true, "'*[0-9]*'": true, "'*[^0-9.]*'": true, "'*.*.*'": true}
)

// FuzzCondition parses arbitrary conditions and runs those that parse: no
// input may panic or fail other than as a bad condition, and the SQL must
// be made of fixed words and numbered parameters only.
func FuzzCondition(f *testing.F) {
	for _, seed := range []string{
		`span_kind == 'LLM' and latency_ms > 1000`, `'refund' in input.value`, `metadata['k'] == "v"`,
		`llm.model_name in ('a', 'b')`, `not (x.y is None)`, `1 < latency_ms < 2`, `str(a.b) + 'x' == 'y'`,
		`attributes[['a', 'b']][0] == 1.5`, `evals['x'].label == 'y'`, `a.b // 2 % 3 == -1`, `parent_span is None`,
		`float(m['n']) >= 1e3`, `x`, `'); DROP TABLE spans; --' in name`,
	} {
		f.Add(seed)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	project := int64(1)
	for _, seed := range []string{
		"\x01any(span.latency_ms > 1 for span in spans)", "\x01max(span.x for span in spans if span.y) > num_spans",
		"\x02'a' in any_input and all(trace.error_count == 0 for trace in traces)", "\x02sum(1 for span in spans) > 2",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, condition string) {
		// A leading \x01 or \x02 picks the trace or session language.
		level := ember.LevelSpan
		parse, find := spanquery.Parse, func(cond ember.Expr) error {
			_, err := db.FindSpans(context.Background(), ember.SpanFilter{ProjectID: &project, Condition: cond, Limit: 10})
			return err
		}
		if strings.HasPrefix(condition, "\x01") {
			condition, parse, level = condition[1:], spanquery.ParseTrace, ember.LevelTrace
			find = func(cond ember.Expr) error {
				_, err := db.FindTraces(context.Background(), ember.TraceFilter{ProjectID: project, Condition: cond, Limit: 10})
				return err
			}
		} else if strings.HasPrefix(condition, "\x02") {
			condition, parse, level = condition[1:], spanquery.ParseSession, ember.LevelSession
			find = func(cond ember.Expr) error {
				_, err := db.FindSessions(context.Background(), ember.SessionFilter{ProjectID: project, Condition: cond, Limit: 10})
				return err
			}
		}
		cond, err := parse(condition)
		if err != nil {
			var perr *spanquery.Error
			if !errorAs(err, &perr) {
				t.Fatalf("%q: error of type %T", condition, err)
			}
			return
		}
		sql, _, err := db.ConditionSQL(level, cond)
		if err != nil {
			if ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatalf("%q: compile: %v", condition, err)
			}
			return
		}
		rest := sqlString.ReplaceAllStringFunc(sql, func(s string) string {
			if !allowedSQLStrings[s] {
				t.Fatalf("%q: SQL holds the string %s: %s", condition, s, sql)
			}
			return " "
		})
		rest = sqlWord.ReplaceAllStringFunc(rest, func(w string) string {
			if !sqlWords[w] {
				t.Fatalf("%q: SQL holds the word %s: %s", condition, w, sql)
			}
			return " "
		})
		if !sqlOther.MatchString(rest) {
			t.Fatalf("%q: SQL holds unexpected characters: %s", condition, sql)
		}
		if err := find(cond); err != nil && ember.ErrorCode(err) != ember.EUNPROCESSABLE {
			t.Fatalf("%q: %v\n%s", condition, err, sql)
		}
	})
}

func errorAs(err error, target **spanquery.Error) bool {
	e, ok := err.(*spanquery.Error)
	if ok {
		*target = e
	}
	return ok
}
