package main

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
)

type spansPage struct {
	Data []struct {
		ID       string  `json:"id"`
		Name     string  `json:"name"`
		SpanKind string  `json:"span_kind"`
		ParentID *string `json:"parent_id"`
		Context  struct {
			TraceID string `json:"trace_id"`
			SpanID  string `json:"span_id"`
		} `json:"context"`
		StartTime  string         `json:"start_time"`
		StatusCode string         `json:"status_code"`
		Attributes map[string]any `json:"attributes"`
		Events     []struct {
			Name       string         `json:"name"`
			Timestamp  string         `json:"timestamp"`
			Attributes map[string]any `json:"attributes"`
		} `json:"events"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// TestProjectSpansAPI pins GET /v1/projects/{p}/spans: the span shape and
// every filter but attribute, on a running server.
func TestProjectSpansAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		start := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("openinference.project.name", "spans api")
		ss := rs.ScopeSpans().AppendEmpty()
		add := func(id byte, parent byte, name, kind string, status ptrace.StatusCode, offset time.Duration) ptrace.Span {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(pcommon.TraceID{0xaa, 1})
			s.SetSpanID(pcommon.SpanID{0xbb, id})
			if parent != 0 {
				s.SetParentSpanID(pcommon.SpanID{0xbb, parent})
			}
			s.SetName(name)
			s.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(offset)))
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(offset + time.Second)))
			s.Status().SetCode(status)
			if kind != "" {
				s.Attributes().PutStr("openinference.span.kind", kind)
			}
			return s
		}
		root := add(1, 0, "agent", "AGENT", ptrace.StatusCodeOk, 0)
		root.Attributes().PutStr("input.value", "hi")
		llm := add(2, 1, "llm", "LLM", ptrace.StatusCodeUnset, time.Minute)
		llm.Attributes().PutStr("llm.input_messages.0.message.role", "user")
		llm.Attributes().PutInt("llm.token_count.prompt", 12)
		llm.Attributes().PutEmptySlice("tag.tags").AppendEmpty().SetStr("a")
		llm.Attributes().PutStr("user.id", "12345")
		root.Attributes().PutInt("user.id", 12345)
		tool := add(3, 1, "tool", "", ptrace.StatusCodeError, 2*time.Minute)
		ev := tool.Events().AppendEmpty()
		ev.SetName("exception")
		ev.SetTimestamp(pcommon.NewTimestampFromTime(start))
		ev.Attributes().PutStr("exception.message", "boom")
		mustExport(t, p, td)

		base := p.httpURL + "/v1/projects/" + url.PathEscape("spans api") + "/spans"
		get := func(query string) spansPage {
			t.Helper()
			var pg spansPage
			getJSON(t, base+query, &pg)
			return pg
		}
		names := func(pg spansPage) string {
			var n []string
			for _, s := range pg.Data {
				n = append(n, s.Name)
			}
			sort.Strings(n)
			return strings.Join(n, ",")
		}
		all := get("")
		if names(all) != "agent,llm,tool" || all.NextCursor != nil {
			t.Fatalf("all: %s", names(all))
		}
		for _, s := range all.Data {
			switch s.Name {
			case "agent":
				if s.SpanKind != "AGENT" || s.ParentID != nil || s.StartTime != "2026-03-04T05:06:07.123456+00:00" || s.StatusCode != "OK" || s.Attributes["input.value"] != "hi" {
					t.Errorf("agent: %+v", s)
				}
				if _, kept := s.Attributes["openinference.span.kind"]; kept {
					t.Errorf("openinference.span.kind left in attributes")
				}
			case "llm":
				if s.Attributes["llm.input_messages.0.message.role"] != "user" || s.Attributes["llm.token_count.prompt"] != 12.0 || s.Context.SpanID != "bb02000000000000" || s.Context.TraceID != "aa010000000000000000000000000000" {
					t.Errorf("llm: %+v", s)
				}
			case "tool":
				if s.SpanKind != "UNKNOWN" || len(s.Events) != 1 || s.Events[0].Attributes["exception.message"] != "boom" || s.Events[0].Timestamp != "2026-03-04T05:06:07.123456+00:00" {
					t.Errorf("tool: %+v", s)
				}
			}
			if typ, _, err := ember.ParseGlobalID(s.ID); err != nil || typ != "Span" {
				t.Errorf("id %q", s.ID)
			}
		}
		for query, want := range map[string]string{
			"?parent_id=null":                                    "agent",
			"?parent_id=bb01000000000000":                        "llm,tool",
			"?span_id=bb02000000000000&span_id=bb03000000000000": "llm,tool",
			"?trace_id=aa010000000000000000000000000000":         "agent,llm,tool",
			"?trace_id=ffff":                                     "",
			"?name=tool&name=agent":                              "agent,tool",
			"?span_kind=llm&span_kind=unknown":                   "llm,tool",
			"?status_code=error":                                 "tool",
			"?start_time=2026-03-04T05:07:00Z":                   "llm,tool",
			"?end_time=2026-03-04T05:07:00":                      "agent",
		} {
			if got := names(get(query)); got != want {
				t.Errorf("%s: %q, want %q", query, got, want)
			}
		}
		first := get("?limit=2")
		if len(first.Data) != 2 || first.NextCursor == nil {
			t.Fatalf("page 1: %d %v", len(first.Data), first.NextCursor)
		}
		second := get("?limit=2&cursor=" + url.QueryEscape(*first.NextCursor))
		if len(second.Data) != 1 || second.NextCursor != nil || second.Data[0].ID != *first.NextCursor {
			t.Fatalf("page 2: %+v", second)
		}
		for query, want := range map[string]string{
			"?span_kind=bogus":      "Invalid span_kind values: ['bogus']",
			"?status_code=fine":     "Invalid status_code values: ['fine']",
			"?limit=1001":           "less_than_equal",
			"?cursor=zzz":           "Invalid cursor format",
			"?start_time=yesterday": "datetime",
			"?attribute=nocolon":    "expected format 'key:value'",
			"?attribute=:v":         "key must not be empty",
			"?attribute=k:":         "value must not be empty",
			"?attribute=k:null":     "must be a string, number or boolean",
			"?attribute=k:[1]":      "must be a string, number or boolean",
			`?attribute=k:{"a":1}`:  "must be a string, number or boolean",
		} {
			if status, body, _ := call(t, "GET", base+query, ""); status != 422 || !strings.Contains(body, want) {
				t.Errorf("%s: %d %q, want 422 %q", query, status, body, want)
			}
		}
		if status, body, _ := call(t, "GET", p.httpURL+"/v1/projects/fake-id-x/spans", ""); status != 404 || body != "Project with name fake-id-x not found" {
			t.Errorf("unknown project: %d %q", status, body)
		}

		// DELETE /v1/spans/{id}, by OTel id and by GlobalID.
		var toolID string
		for _, s := range all.Data {
			if s.Name == "tool" {
				toolID = s.ID
			}
		}
		for _, c := range []struct {
			path   string
			status int
			body   string
		}{
			{"/v1/spans/bb02000000000000", 204, ""},
			{"/v1/spans/bb02000000000000", 404, "Span with span_id 'bb02000000000000' not found"},
			{"/v1/spans/" + url.PathEscape(toolID), 204, ""},
			{"/v1/spans/" + url.PathEscape(toolID), 404, "Span with relay ID '" + toolID + "' not found"},
		} {
			if status, body, _ := call(t, "DELETE", p.httpURL+c.path, ""); status != c.status || body != c.body {
				t.Errorf("DELETE %s: %d %q, want %d %q", c.path, status, body, c.status, c.body)
			}
		}
		if got := names(get("")); got != "agent" {
			t.Errorf("after deletes: %q", got)
		}
	})
}
