package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// serverSpan is a span as Ember's span listing writes it.
const serverSpan = `{"id":"U3BhbjoxMg==","name":"ChatCompletion","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"},"span_kind":"LLM","parent_id":null,"start_time":"2024-05-01T12:00:00.123456+00:00","end_time":"2024-05-01T12:00:01+00:00","status_code":"OK","status_message":"","attributes":{"llm.model_name":"gpt-4o","llm.token_count.prompt":12},"events":[{"name":"exception","timestamp":"2024-05-01T12:00:00.500000+00:00","attributes":{}}]}`

func TestSpanRoundTrip(t *testing.T) {
	var s Span
	if err := json.Unmarshal([]byte(serverSpan), &s); err != nil {
		t.Fatal(err)
	}
	if s.ParentID != nil || s.Attributes["llm.token_count.prompt"] != float64(12) || len(s.Events) != 1 ||
		!s.StartTime.Equal(time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)) {
		t.Fatalf("decoded %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var again Span
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, again) {
		t.Fatalf("round trip changed the span:\n%+v\n%+v", s, again)
	}
	// Every field the server writes is written back, with the same names.
	var want, got map[string]any
	json.Unmarshal([]byte(serverSpan), &want)
	json.Unmarshal(b, &got)
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("field %q is lost on encoding", k)
		}
	}
}

func TestSpanEncodesEmptyAttributesAndEvents(t *testing.T) {
	b, err := json.Marshal(Span{Name: "x", Events: []SpanEvent{{Name: "e"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	if attrs, ok := got["attributes"].(map[string]any); !ok || len(attrs) != 0 {
		t.Errorf("attributes = %#v, want {}", got["attributes"])
	}
	events := got["events"].([]any)
	if attrs, ok := events[0].(map[string]any)["attributes"].(map[string]any); !ok || len(attrs) != 0 {
		t.Errorf("event attributes = %#v, want {}", events[0])
	}
	// A pointer encodes the same way.
	b2, _ := json.Marshal(&Span{Name: "x", Events: []SpanEvent{{Name: "e"}}})
	if string(b) != string(b2) {
		t.Errorf("pointer encoding differs:\n%s\n%s", b, b2)
	}
	b, _ = json.Marshal(Span{})
	json.Unmarshal(b, &got)
	if events, ok := got["events"].([]any); !ok || len(events) != 0 {
		t.Errorf("events = %#v, want []", got["events"])
	}
}

func TestTraceWritesSpansOnlyWhenItHasSome(t *testing.T) {
	// As the server does: its spans field is omitempty too.
	for _, tt := range []struct {
		trace Trace
		want  bool
	}{
		{Trace{}, false},
		{Trace{Spans: []TraceSpan{}}, false},
		{Trace{Spans: []TraceSpan{{Name: "s"}}}, true},
	} {
		b, _ := json.Marshal(tt.trace)
		var got map[string]any
		json.Unmarshal(b, &got)
		if _, ok := got["spans"]; ok != tt.want {
			t.Errorf("%+v encoded as %s", tt.trace, b)
		}
	}
}

func TestPageDecodesANullCursor(t *testing.T) {
	var p Page[Project]
	if err := json.Unmarshal([]byte(`{"data":[{"id":"UHJvamVjdDox","name":"default","description":null}],"next_cursor":null}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.NextCursor != nil || len(p.Data) != 1 || p.Data[0].Description != nil {
		t.Fatalf("decoded %+v", p)
	}
	b, _ := json.Marshal(p)
	if want := `{"data":[{"id":"UHJvamVjdDox","name":"default","description":null}],"next_cursor":null}`; string(b) != want {
		t.Fatalf("encoded %s, want %s", b, want)
	}
}
