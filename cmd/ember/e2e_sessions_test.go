package main

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
)

type sessionJSON struct {
	ID                   string `json:"id"`
	SessionID            string `json:"session_id"`
	ProjectID            string `json:"project_id"`
	StartTime            string `json:"start_time"`
	EndTime              string `json:"end_time"`
	TokenCountPrompt     int64  `json:"token_count_prompt"`
	TokenCountCompletion int64  `json:"token_count_completion"`
	TokenCountTotal      int64  `json:"token_count_total"`
	Traces               []struct {
		ID        string `json:"id"`
		TraceID   string `json:"trace_id"`
		StartTime string `json:"start_time"`
	} `json:"traces"`
}

// TestSessionsAPI pins the session routes on a running server.
func TestSessionsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("openinference.project.name", "sessions api")
		ss := rs.ScopeSpans().AppendEmpty()
		for n, session := range []string{"chat", "chat", "solo", "other"} {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(pcommon.TraceID{0xee, byte(n + 1)})
			s.SetSpanID(pcommon.SpanID{0xef, byte(n + 1)})
			s.SetName("turn")
			s.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(3-n) * time.Minute)))
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(3-n)*time.Minute + time.Second)))
			s.Attributes().PutStr("openinference.span.kind", "LLM")
			s.Attributes().PutStr("session.id", session)
			s.Attributes().PutInt("llm.token_count.prompt", 5)
			s.Attributes().PutInt("llm.token_count.completion", 1)
		}
		mustExport(t, p, td)
		var one struct{ Data sessionJSON }
		status, body, _ := call(t, "GET", p.httpURL+"/v1/sessions/chat", "")
		if status != 200 {
			t.Fatalf("get chat: %d %s", status, body)
		}
		json.Unmarshal([]byte(body), &one)
		chat := one.Data
		if chat.SessionID != "chat" || len(chat.Traces) != 2 || chat.TokenCountPrompt != 10 || chat.TokenCountCompletion != 2 || chat.TokenCountTotal != 12 ||
			chat.Traces[0].StartTime != "2026-06-01T09:02:00+00:00" || chat.StartTime != "2026-06-01T09:02:00+00:00" || chat.EndTime != "2026-06-01T09:03:01+00:00" {
			t.Fatalf("chat: %s", body)
		}
		if status, body, _ := call(t, "GET", p.httpURL+"/v1/sessions/"+url.PathEscape(chat.ID), ""); status != 200 || !json.Valid([]byte(body)) {
			t.Fatalf("get by GlobalID: %d %s", status, body)
		}
		for path, want := range map[string]string{
			"/v1/sessions/nope": "Session with session_id nope not found",
			"/v1/sessions/" + url.PathEscape(ember.GlobalID("ProjectSession", 999)): "Session with ID " + ember.GlobalID("ProjectSession", 999) + " not found",
		} {
			if status, body, _ := call(t, "GET", p.httpURL+path, ""); status != 404 || body != want {
				t.Errorf("%s: %d %q", path, status, body)
			}
		}

		list := func(query string) ([]string, *string) {
			t.Helper()
			status, body, _ := call(t, "GET", p.httpURL+"/v1/projects/"+url.PathEscape("sessions api")+"/sessions"+query, "")
			if status != 200 {
				t.Fatalf("list %s: %d %s", query, status, body)
			}
			var pg struct {
				Data       []sessionJSON `json:"data"`
				NextCursor *string       `json:"next_cursor"`
			}
			json.Unmarshal([]byte(body), &pg)
			var ids []string
			for _, s := range pg.Data {
				ids = append(ids, s.SessionID)
			}
			return ids, pg.NextCursor
		}
		if ids, next := list(""); len(ids) != 3 || ids[0] != "chat" || next != nil {
			t.Errorf("ascending: %v %v", ids, next)
		}
		if ids, _ := list("?order=desc"); len(ids) != 3 || ids[2] != "chat" {
			t.Errorf("descending: %v", ids)
		}
		ids, next := list("?limit=2")
		if len(ids) != 2 || next == nil {
			t.Fatalf("page 1: %v %v", ids, next)
		}
		if ids, next := list("?limit=2&cursor=" + url.QueryEscape(*next)); len(ids) != 1 || next != nil {
			t.Errorf("page 2: %v %v", ids, next)
		}
		if status, _, _ := call(t, "GET", p.httpURL+"/v1/projects/fake-id-x/sessions", ""); status != 404 {
			t.Errorf("unknown project: %d", status)
		}
		if status, _, _ := call(t, "GET", p.httpURL+"/v1/projects/"+url.PathEscape("sessions api")+"/sessions?cursor=bad-cursor", ""); status != 422 {
			t.Errorf("bad cursor: %d", status)
		}

		for _, c := range []struct {
			method, path, body string
			status             int
			text               string
		}{
			{"DELETE", "/v1/sessions/chat", "", 204, ""},
			{"DELETE", "/v1/sessions/chat", "", 404, "Session with session_id chat not found"},
			{"POST", "/v1/sessions/delete", `{"session_identifiers":[]}`, 422, "Session identifier list must not be empty."},
			{"POST", "/v1/sessions/delete", `{"session_identifiers":["solo","` + ember.GlobalID("ProjectSession", 1) + `"]}`, 422, "Session identifiers must be all GlobalIDs or all session_id strings, not a mix."},
			{"POST", "/v1/sessions/delete", `{"session_identifiers":["solo","unknown"]}`, 204, ""},
		} {
			if status, body, _ := call(t, c.method, p.httpURL+c.path, c.body); status != c.status || body != c.text {
				t.Errorf("%s %s %s: %d %q, want %d %q", c.method, c.path, c.body, status, body, c.status, c.text)
			}
		}
		if ids, _ := list(""); len(ids) != 1 || ids[0] != "other" {
			t.Errorf("after deletes: %v", ids)
		}
		// The deleted sessions' traces and spans went with them.
		var spans spansPage
		getJSON(t, p.httpURL+"/v1/projects/"+url.PathEscape("sessions api")+"/spans", &spans)
		if len(spans.Data) != 1 {
			t.Errorf("spans left: %d", len(spans.Data))
		}
	})
}
