package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember/internal/ingest"
)

func TestParseAwareTime(t *testing.T) {
	for _, tc := range []struct {
		in        string
		aware, ok bool
		want      time.Time
	}{
		{"2026-05-01T10:00:00Z", true, true, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2026-05-01T12:00:00.5+02:00", true, true, time.Date(2026, 5, 1, 10, 0, 0, 5e8, time.UTC)},
		{"2026-05-01 10:00:00+00:00", true, true, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2026-05-01T10:00:00", false, true, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2026-05-01", false, true, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"yesterday", false, false, time.Time{}},
	} {
		got, aware, ok := parseAwareTime(tc.in)
		if aware != tc.aware || ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%q: %v %v %v", tc.in, got, aware, ok)
		}
	}
}

func TestParsePostedSpansReportsEveryProblem(t *testing.T) {
	data := []json.RawMessage{
		json.RawMessage(`{"name":"ok","context":{"trace_id":"a","span_id":"b"},"span_kind":"LLM","start_time":"2026-05-01T10:00:00Z","end_time":"2026-05-01T10:00:01Z","status_code":"OK"}`),
		json.RawMessage(`{"context":{},"start_time":"2026-05-01T10:00:00","end_time":"x","attributes":[1]}`),
		json.RawMessage(`[]`),
	}
	spans, issues := parsePostedSpans(data)
	if len(spans) != 1 {
		t.Errorf("valid spans: %d", len(spans))
	}
	got := map[string]bool{}
	for _, is := range issues {
		b, _ := json.Marshal(is.Loc)
		got[is.Type+" "+string(b)] = true
	}
	for _, want := range []string{
		`missing ["body","data",1,"name"]`,
		`missing ["body","data",1,"context","trace_id"]`,
		`missing ["body","data",1,"context","span_id"]`,
		`missing ["body","data",1,"span_kind"]`,
		`missing ["body","data",1,"status_code"]`,
		`datetime_from_date_parsing ["body","data",1,"end_time"]`,
		`dict_type ["body","data",1,"attributes"]`,
		`value_error ["body","data",1]`,
		`model_type ["body","data",2]`,
	} {
		if !got[want] {
			t.Errorf("missing issue %s; got %v", want, got)
		}
	}
}

// FuzzPostedSpans feeds arbitrary bodies through the span posting path up
// to the spans it would store: no input may panic, and every accepted span
// converts.
func FuzzPostedSpans(f *testing.F) {
	f.Add([]byte(`[{"name":"n","context":{"trace_id":"t","span_id":"s"},"span_kind":"LLM","start_time":"2026-05-01T10:00:00Z","end_time":"2026-05-01T10:00:01Z","status_code":"OK","attributes":{"a":{"b":[1,"x",{"c":null}]},"llm.token_count.prompt":3},"events":[{"name":"e","timestamp":"2026-05-01T10:00:00Z","attributes":{"k":[true,false]}}]}]`))
	f.Add([]byte(`[{"name":"","context":{"trace_id":"","span_id":""},"span_kind":"","start_time":"0001-01-01T00:00:00Z","end_time":"9999-12-31T23:59:59.999999999Z","status_code":"","attributes":{"x":1e400,"y":-0,"metadata":"{\"a\":1}"}}]`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`[null, 1, "x"]`))
	conv := &ingest.Converter{}
	f.Fuzz(func(t *testing.T, body []byte) {
		var data []json.RawMessage
		if json.Unmarshal(body, &data) != nil {
			return
		}
		spans, issues := parsePostedSpans(data)
		if len(issues) > 0 {
			return
		}
		out := conv.ConvertREST(spans, "fuzz")
		if len(out) != len(spans) {
			t.Fatalf("%d spans converted to %d", len(spans), len(out))
		}
		for i, s := range out {
			keptID := s.SpanID == spans[i].SpanID || strings.ContainsRune(spans[i].SpanID, 0)
			if !keptID || !json.Valid(s.Attributes) || !json.Valid(s.Events) {
				t.Fatalf("span %d: %+v", i, s)
			}
		}
	})
}
