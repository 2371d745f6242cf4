package httpapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", name, got, want)
	}
}

// fixtureSpans are two spans of one trace with the attribute shapes the
// default table regroups.
func fixtureSpans() []*ember.Span {
	start := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	return []*ember.Span{
		{
			TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331", Name: "retrieve",
			Kind: ember.SpanKindRetriever, StartTime: start, EndTime: start.Add(250 * time.Millisecond),
			StatusCode: ember.StatusOK, ParentID: "00f067aa0ba902b7",
			Attributes: json.RawMessage(`{"openinference":{"span":{"kind":"RETRIEVER"}},"input":{"value":"a/b?"},"retrieval":{"documents":[{"document":{"content":"one","id":"d1","score":0.25,"metadata":"{\"src\":\"wiki\"}"}},{"document":{"content":"two","id":"d2"}}]},"j":{"k":"custom","n":7},"metadata":"{}","tag":{"tags":["x","y"]}}`),
			Events:     json.RawMessage(`[]`),
		},
		{
			TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "00f067aa0ba902b7", Name: "llm",
			Kind: ember.SpanKindLLM, StartTime: start.Add(-time.Second), EndTime: start.Add(time.Second),
			StatusCode: ember.StatusError, StatusMessage: "boom\nline",
			Attributes: json.RawMessage(`{"llm":{"model_name":"gpt-4o","token_count":{"total":30,"prompt":10.5},"input_messages":[{"message":{"role":"user","content":"héllo"}}]},"metadata":"{\"tier\":\"gold\"}"}`),
			Events:     json.RawMessage(`[{"name":"exception","timestamp":"2026-01-02T03:04:05.000006+00:00","attributes":{"exception.message":"boom"}}]`),
		},
	}
}

func runQuery(t *testing.T, body string) []byte {
	t.Helper()
	var q spanQueryJSON
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		t.Fatal(err)
	}
	plan, err := compileSpanQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	f, err := plan.run(fixtureSpans())
	if err != nil {
		t.Fatal(err)
	}
	return append(encodeTable(f), '\n')
}

// TestSpanQueryTables pins the table-format JSON of each kind of query.
func TestSpanQueryTables(t *testing.T) {
	for name, body := range map[string]string{
		"default":            `{}`,
		"select":             `{"select":{"span_id":{"key":"span_id"},"kind":{"key":"span_kind"},"tokens":{"key":"llm.token_count.total"},"start":{"key":"start_time"},"tier":{"key":"metadata['tier']"}},"rename":{"kind":"span_kind"}}`,
		"explode":            `{"select":{"input":{"key":"input.value"}},"explode":{"key":"retrieval.documents","kwargs":{"reference":"document.content","score":"document.score"}}}`,
		"explode_flat":       `{"explode":{"key":"retrieval.documents"}}`,
		"concat":             `{"concat":{"key":"retrieval.documents","kwargs":{"reference":"document.content"}}}`,
		"concat_plain":       `{"select":{"name":{"key":"name"}},"concat":{"key":"tag.tags","separator":"+"}}`,
		"index_trace":        `{"select":{"name":{"key":"name"}},"index":{"key":"trace_id"}}`,
		"explode_and_concat": `{"explode":{"key":"retrieval.documents","kwargs":{"id":"document.id"}},"concat":{"key":"tag.tags"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, "spanquery_"+name+".json", runQuery(t, body))
		})
	}
	var empty frame
	empty.index = []string{"context.span_id"}
	empty.columns = defaultColumns
	golden(t, "spanquery_empty.json", append(encodeTable(&empty), '\n'))
}

func TestTableColumnTypes(t *testing.T) {
	f := func(want string, cells ...any) {
		t.Helper()
		rows := make([][]any, len(cells))
		for i, c := range cells {
			rows[i] = []any{c}
		}
		if got := columnType(rows, 0); got != want {
			t.Errorf("%v: %s, want %s", cells, got, want)
		}
	}
	f("integer", int64(1), json.Number("2"))
	f("number", int64(1), nil) // a missing integer makes a float column
	f("number", json.Number("1.5"), int64(2))
	f("boolean", true, false)
	f("string", true, nil) // a missing boolean makes an object column
	f("datetime", time.Now(), nil)
	f("string", "a", int64(1))
	f("string", nil, nil)
	f("string", map[string]any{})
}

func TestTableFloats(t *testing.T) {
	for v, want := range map[float64]string{1: "1.0", 0.25: "0.25", 1.0 / 3: "0.3333333333", -2.5: "-2.5", 1e20: "1e+20", 0: "0.0"} {
		var b bytes.Buffer
		writeTableFloat(&b, v)
		if b.String() != want {
			t.Errorf("%v: %s, want %s", v, b.String(), want)
		}
	}
}

func TestCompileSpanQueryErrors(t *testing.T) {
	for _, body := range []string{
		`{"filter":{"condition":"span_kind =="}}`,
		`{"select":{"x":{"key":""}}}`,
		`{"select":{"x":"name"}}`,
		`{"select":{"x":{"key":"evals['a'].label"}}}`,
		`{"explode":{"key":"1 + 2"}}`,
		`{"concat":{"key":"name","kwargs":{"a":1}}}`,
		`{"index":{"key":"parent_span"}}`,
		`{"rename":["a"]}`,
	} {
		var q spanQueryJSON
		if err := json.Unmarshal([]byte(body), &q); err != nil {
			t.Fatal(err)
		}
		if _, err := compileSpanQuery(q); err == nil {
			t.Errorf("%s: no error", body)
		} else if _, ok := err.(*invalidQuery); !ok {
			t.Errorf("%s: %T", body, err)
		}
	}
	// Explode and concat without a key, and an empty condition, are ignored.
	var q spanQueryJSON
	_ = json.Unmarshal([]byte(`{"explode":{"key":""},"concat":{},"filter":{"condition":""}}`), &q)
	plan, err := compileSpanQuery(q)
	if err != nil || plan.explode != nil || plan.concat != nil || plan.condition != nil {
		t.Errorf("ignored parts: %+v %v", plan, err)
	}
}

// FuzzSpanQueryBody feeds request bodies through decoding, compiling,
// running over the fixture and encoding: nothing may panic, and every
// table must be valid JSON.
func FuzzSpanQueryBody(f *testing.F) {
	for _, seed := range []string{
		`{"queries":[{}]}`,
		`{"queries":[{"select":{"a":{"key":"llm.token_count.total"}},"filter":{"condition":"latency_ms > 1"}}]}`,
		`{"queries":[{"explode":{"key":"retrieval.documents","kwargs":{"c":"document.content"}}}]}`,
		`{"queries":[{"concat":{"key":"retrieval.documents","separator":"|"}}],"limit":3}`,
		`{"queries":[{"index":{"key":"trace_id"},"rename":{"a":"b"}}],"start_time":"2026-01-01"}`,
	} {
		f.Add(seed)
	}
	spans := fixtureSpans()
	f.Fuzz(func(t *testing.T, body string) {
		var req querySpansRequest
		if json.Unmarshal([]byte(body), &req) != nil || req.Queries == nil {
			return
		}
		for _, q := range *req.Queries {
			plan, err := compileSpanQuery(q)
			if err != nil {
				if _, ok := err.(*invalidQuery); !ok {
					t.Fatalf("%T: %v", err, err)
				}
				continue
			}
			_ = plan.filter(1, nil, nil, 10, true, true)
			fr, err := plan.run(spans)
			if err != nil {
				t.Fatal(err)
			}
			if out := encodeTable(fr); !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
		}
	})
}
