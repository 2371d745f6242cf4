package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
)

type tracesPage struct {
	Data []struct {
		ID                   string `json:"id"`
		TraceID              string `json:"trace_id"`
		ProjectID            string `json:"project_id"`
		StartTime            string `json:"start_time"`
		TokenCountPrompt     int64  `json:"token_count_prompt"`
		TokenCountCompletion int64  `json:"token_count_completion"`
		TokenCountTotal      int64  `json:"token_count_total"`
		Spans                []struct {
			ID       string  `json:"id"`
			SpanID   string  `json:"span_id"`
			ParentID *string `json:"parent_id"`
			Name     string  `json:"name"`
			SpanKind string  `json:"span_kind"`
		} `json:"spans"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// TestProjectTracesAPI pins GET /v1/projects/{p}/traces on a running
// server: sorting, time bounds, sessions, token totals, spans, paging.
func TestProjectTracesAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		start := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("openinference.project.name", "traces api")
		ss := rs.ScopeSpans().AppendEmpty()
		// Trace n starts n minutes in and lasts 10-n seconds; traces 1 and 2
		// share session "chat".
		for n := byte(1); n <= 3; n++ {
			root := ss.Spans().AppendEmpty()
			root.SetTraceID(pcommon.TraceID{0xcc, n})
			root.SetSpanID(pcommon.SpanID{0xdd, n, 1})
			root.SetName("root")
			root.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(n) * time.Minute)))
			root.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(n)*time.Minute + time.Duration(10-n)*time.Second)))
			root.Attributes().PutStr("openinference.span.kind", "CHAIN")
			if n < 3 {
				root.Attributes().PutStr("session.id", "chat")
			}
			llm := ss.Spans().AppendEmpty()
			llm.SetTraceID(pcommon.TraceID{0xcc, n})
			llm.SetSpanID(pcommon.SpanID{0xdd, n, 2})
			llm.SetParentSpanID(pcommon.SpanID{0xdd, n, 1})
			llm.SetName("llm")
			llm.SetStartTimestamp(root.StartTimestamp())
			llm.SetEndTimestamp(root.EndTimestamp())
			llm.Attributes().PutStr("openinference.span.kind", "LLM")
			llm.Attributes().PutInt("llm.token_count.prompt", int64(n)*10)
			llm.Attributes().PutInt("llm.token_count.completion", int64(n))
		}
		mustExport(t, p, td)
		base := p.httpURL + "/v1/projects/" + url.PathEscape("traces api") + "/traces"
		get := func(query string) tracesPage {
			t.Helper()
			var pg tracesPage
			getJSON(t, base+query, &pg)
			return pg
		}
		order := func(pg tracesPage) string {
			var ids []string
			for _, tr := range pg.Data {
				ids = append(ids, tr.TraceID[2:4])
			}
			return strings.Join(ids, ",")
		}
		for query, want := range map[string]string{
			"":                                 "03,02,01",
			"?order=asc":                       "01,02,03",
			"?sort=latency_ms":                 "01,02,03",
			"?sort=latency_ms&order=asc":       "03,02,01",
			"?start_time=2026-05-06T07:02:00Z": "03,02",
			"?end_time=2026-05-06T07:02:00Z":   "01",
			"?session_identifier=chat":         "02,01",
			"?session_identifier=nope":         "",
			"?session_identifier=" + url.QueryEscape(ember.GlobalID("ProjectSession", 999)): "",
		} {
			if got := order(get(query)); got != want {
				t.Errorf("%q: %s, want %s", query, got, want)
			}
		}
		all := get("?include_spans=true")
		tr := all.Data[0] // trace 3
		if tr.TokenCountPrompt != 30 || tr.TokenCountCompletion != 3 || tr.TokenCountTotal != 33 || tr.StartTime != "2026-05-06T07:03:00+00:00" {
			t.Errorf("trace 3: %+v", tr)
		}
		if typ, _, err := ember.ParseGlobalID(tr.ProjectID); err != nil || typ != "Project" {
			t.Errorf("project id %q", tr.ProjectID)
		}
		if len(tr.Spans) != 2 || tr.Spans[0].Name != "root" && tr.Spans[1].Name != "root" || tr.Spans[1].SpanKind == "" {
			t.Errorf("spans: %+v", tr.Spans)
		}
		if without := get(""); len(without.Data[0].Spans) != 0 {
			t.Errorf("spans without include_spans")
		}
		first := get("?limit=2")
		if len(first.Data) != 2 || first.NextCursor == nil {
			t.Fatalf("page 1: %+v", first)
		}
		if second := get("?limit=2&cursor=" + url.QueryEscape(*first.NextCursor)); order(second) != "01" || second.NextCursor != nil {
			t.Fatalf("page 2: %+v", second)
		}
		for query, want := range map[string]string{
			"?sort=name":           "'start_time' or 'latency_ms'",
			"?order=up":            "'asc' or 'desc'",
			"?limit=1001":          "less_than_equal",
			"?include_spans=maybe": "bool_parsing",
		} {
			if status, body, _ := call(t, "GET", base+query, ""); status != 422 || !strings.Contains(body, want) {
				t.Errorf("%s: %d %q", query, status, body)
			}
		}
		if status, _, _ := call(t, "GET", p.httpURL+"/v1/projects/fake-id-x/traces", ""); status != 404 {
			t.Errorf("unknown project: %d", status)
		}

		// DELETE /v1/traces/{id} by OTel id and by GlobalID, spans included.
		trace2 := get("?order=asc").Data[1]
		for _, c := range []struct {
			path   string
			status int
			body   string
		}{
			{"/v1/traces/cc010000000000000000000000000000", 204, ""},
			{"/v1/traces/cc010000000000000000000000000000", 404, "Trace with trace_id 'cc010000000000000000000000000000' not found"},
			{"/v1/traces/" + url.PathEscape(trace2.ID), 204, ""},
			{"/v1/traces/" + url.PathEscape(trace2.ID), 404, "Trace with relay ID '" + trace2.ID + "' not found"},
		} {
			if status, body, _ := call(t, "DELETE", p.httpURL+c.path, ""); status != c.status || body != c.body {
				t.Errorf("DELETE %s: %d %q, want %d %q", c.path, status, body, c.status, c.body)
			}
		}
		if got := order(get("")); got != "03" {
			t.Errorf("after deletes: %s", got)
		}
		var spans spansPage
		getJSON(t, p.httpURL+"/v1/projects/"+url.PathEscape("traces api")+"/spans", &spans)
		if len(spans.Data) != 2 {
			t.Errorf("spans left: %d", len(spans.Data))
		}
	})
}
