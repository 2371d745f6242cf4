package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

// TestPostSpansAPI pins POST /v1/projects/{p}/spans: spans posted in the
// listing's shape are stored as OTLP spans would be, and a request with a
// stored span or a bad one stores nothing.
func TestPostSpansAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		spans := `{"data": [
			{"name": "chain", "context": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"},
			 "span_kind": "chain", "parent_id": null,
			 "start_time": "2026-05-01T10:00:00Z", "end_time": "2026-05-01T10:00:02.5+00:00",
			 "status_code": "ok", "status_message": "",
			 "attributes": {"input": {"value": "hello", "mime_type": "text/plain"}, "session.id": "chat-1", "metadata": {"tier": "gold"}},
			 "events": []},
			{"id": "ignored", "name": "llm", "context": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "00f067aa0ba902b7"},
			 "span_kind": "LLM", "parent_id": "b7ad6b7169203331",
			 "start_time": "2026-05-01T10:00:01+02:00", "end_time": "2026-05-01T10:00:01.5+02:00",
			 "status_code": "BOGUS",
			 "attributes": {"llm.model_name": "gpt-4o", "llm.token_count.prompt": 30, "llm.token_count.completion": 12,
			                "llm.input_messages": [{"message": {"role": "user", "content": "hi"}}], "tag.tags": ["a", "b"]},
			 "events": [{"name": "exception", "timestamp": "2026-05-01T08:00:01.2Z", "attributes": {"exception.message": "slow"}}]}
		]}`
		status, body, _ := call(t, "POST", p.httpURL+"/v1/projects/posted/spans", spans)
		if status != 202 || body != `{"total_queued":2,"total_received":2}` {
			t.Fatalf("post: %d %s", status, body)
		}
		var pg spansPage
		getJSON(t, p.httpURL+"/v1/projects/posted/spans", &pg)
		if len(pg.Data) != 2 {
			t.Fatalf("listed %d spans", len(pg.Data))
		}
		byName := map[string]int{}
		for i, s := range pg.Data {
			byName[s.Name] = i
		}
		chain, llm := pg.Data[byName["chain"]], pg.Data[byName["llm"]]
		if chain.SpanKind != "chain" || chain.StatusCode != "OK" || chain.Attributes["input.value"] != "hello" || chain.Attributes["metadata.tier"] != "gold" || chain.StartTime != "2026-05-01T10:00:00+00:00" {
			t.Errorf("chain: %+v", chain)
		}
		if llm.StatusCode != "UNSET" || llm.StartTime != "2026-05-01T08:00:01+00:00" || llm.Attributes["llm.input_messages.0.message.role"] != "user" || *llm.ParentID != "b7ad6b7169203331" {
			t.Errorf("llm: %+v", llm)
		}
		if tags, _ := llm.Attributes["tag.tags"].([]any); len(tags) != 2 {
			t.Errorf("tag.tags: %v", llm.Attributes["tag.tags"])
		}
		if len(llm.Events) != 1 || llm.Events[0].Timestamp != "2026-05-01T08:00:01.200000+00:00" {
			t.Errorf("events: %+v", llm.Events)
		}
		// Token counts and the session come out of the attributes, as for OTLP.
		var traces struct {
			Data []struct {
				TokenCountTotal int64 `json:"token_count_total"`
			} `json:"data"`
		}
		getJSON(t, p.httpURL+"/v1/projects/posted/traces", &traces)
		if len(traces.Data) != 1 || traces.Data[0].TokenCountTotal != 42 {
			t.Errorf("traces: %+v", traces)
		}
		var session struct {
			Data struct {
				SessionID string `json:"session_id"`
			} `json:"data"`
		}
		getJSON(t, p.httpURL+"/v1/sessions/chat-1", &session)

		// A stored span refuses the whole request, with a JSON text body.
		again := strings.Replace(spans, `"name": "llm"`, `"name": "llm2"`, 1)
		again = strings.Replace(again, "b7ad6b7169203331\"},", "1111111111111111\"},", 1)
		status, body, header := call(t, "POST", p.httpURL+"/v1/projects/posted/spans", again)
		if status != 400 || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
			t.Fatalf("duplicate: %d %s", status, body)
		}
		var rejected struct {
			Error           string `json:"error"`
			TotalReceived   int    `json:"total_received"`
			TotalQueued     int    `json:"total_queued"`
			TotalDuplicates int    `json:"total_duplicates"`
			TotalInvalid    int    `json:"total_invalid"`
			DuplicateSpans  []struct {
				SpanID  string `json:"span_id"`
				TraceID string `json:"trace_id"`
			} `json:"duplicate_spans"`
			InvalidSpans []any `json:"invalid_spans"`
		}
		if err := json.Unmarshal([]byte(body), &rejected); err != nil {
			t.Fatal(err)
		}
		if rejected.Error != "Request contains invalid or duplicate spans" || rejected.TotalReceived != 2 || rejected.TotalQueued != 0 || rejected.TotalDuplicates != 1 ||
			len(rejected.DuplicateSpans) != 1 || rejected.DuplicateSpans[0].SpanID != "00f067aa0ba902b7" || rejected.InvalidSpans == nil {
			t.Errorf("duplicate reply: %s", body)
		}
		getJSON(t, p.httpURL+"/v1/projects/posted/spans", &pg)
		if len(pg.Data) != 2 {
			t.Errorf("a refused request stored spans: %d", len(pg.Data))
		}

		for name, tc := range map[string]struct {
			path, body string
			status     int
			want       string
		}{
			"naive time": {"/v1/projects/posted/spans", `{"data":[{"name":"x","context":{"trace_id":"1","span_id":"2"},"span_kind":"LLM","start_time":"2026-05-01T10:00:00","end_time":"2026-05-01T10:00:00Z","status_code":"OK"}]}`,
				422, `"loc":["body","data",0],"msg":"Value error, start_time: timezone-naive timestamp is not allowed`},
			"missing fields": {"/v1/projects/posted/spans", `{"data":[{"context":{"trace_id":"1"}}]}`, 422, `"loc":["body","data",0,"name"],"msg":"Field required"`},
			"no body":        {"/v1/projects/posted/spans", ``, 422, `"loc":["body"]`},
			"unknown project id": {"/v1/projects/" + ember.GlobalID("Project", 999) + "/spans", `{"data":[]}`, 404,
				"Project with ID UHJvamVjdDo5OTk= not found"},
			"empty": {"/v1/projects/brand-new/spans", `{"data":[]}`, 202, `{"total_queued":0,"total_received":0}`},
		} {
			status, body, _ := call(t, "POST", p.httpURL+tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s: %d %s", name, status, body)
			}
		}
	})
}

// TestSpansOTLPAPI pins GET /v1/projects/{p}/spans/otlpv1: spans in OTLP's
// JSON shape with snake_case names and every field present.
func TestSpansOTLPAPI(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	spans := `{"data": [
		{"name": "root", "context": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"},
		 "span_kind": "AGENT", "start_time": "2026-05-01T10:00:00Z", "end_time": "2026-05-01T10:00:01Z", "status_code": "ERROR", "status_message": "boom",
		 "attributes": {"s": "x", "i": 7, "f": 1.5, "b": true, "list": [1, 2], "mixed": [1, "a"], "docs": [{"id": "d1"}]},
		 "events": [{"name": "e", "timestamp": "2026-05-01T10:00:00.5Z", "attributes": {"k": "v"}}]},
		{"name": "child", "context": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "00f067aa0ba902b7"}, "parent_id": "b7ad6b7169203331",
		 "span_kind": "LLM", "start_time": "2026-05-01T10:00:00Z", "end_time": "2026-05-01T10:00:01Z", "status_code": "OK"}
	]}`
	if status, body, _ := call(t, "POST", p.httpURL+"/v1/projects/otlp/spans", spans); status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
	status, body, _ := call(t, "GET", p.httpURL+"/v1/projects/otlp/spans/otlpv1?parent_id=null", "")
	if status != 200 {
		t.Fatalf("otlpv1: %d %s", status, body)
	}
	want := `{"data":[{"attributes":[` +
		`{"key":"b","value":{"array_value":null,"bool_value":true,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":null}},` +
		`{"key":"docs.0.id","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"d1"}},` +
		`{"key":"f","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":1.5,"int_value":null,"kvlist_value":null,"string_value":null}},` +
		`{"key":"i","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":7,"kvlist_value":null,"string_value":null}},` +
		`{"key":"list","value":{"array_value":{"values":[` +
		`{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":1,"kvlist_value":null,"string_value":null},` +
		`{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":2,"kvlist_value":null,"string_value":null}]},` +
		`"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":null}},` +
		`{"key":"mixed","value":{"array_value":{"values":[` +
		`{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"1"},` +
		`{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"a"}]},` +
		`"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":null}},` +
		`{"key":"openinference.span.kind","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"AGENT"}},` +
		`{"key":"s","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"x"}}],` +
		`"dropped_attributes_count":null,"dropped_events_count":null,"dropped_links_count":null,"end_time_unix_nano":1777629601000000000,` +
		`"events":[{"attributes":[{"key":"k","value":{"array_value":null,"bool_value":null,"bytes_value":null,"double_value":null,"int_value":null,"kvlist_value":null,"string_value":"v"}}],` +
		`"dropped_attributes_count":null,"name":"e","time_unix_nano":1777629600500000000}],` +
		`"flags":null,"kind":"SPAN_KIND_INTERNAL","links":null,"name":"root","parent_span_id":null,"span_id":"b7ad6b7169203331",` +
		`"start_time_unix_nano":1777629600000000000,"status":{"code":2,"message":"boom"},"trace_id":"0af7651916cd43dd8448eb211c80319c","trace_state":null}],"next_cursor":null}`
	if body != want {
		t.Errorf("otlpv1 reply:\n got %s\nwant %s", body, want)
	}
	var pg struct {
		Data []struct {
			Name         string  `json:"name"`
			ParentSpanID *string `json:"parent_span_id"`
			Events       []any   `json:"events"`
			Status       struct {
				Code    int     `json:"code"`
				Message *string `json:"message"`
			} `json:"status"`
		} `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	getJSON(t, p.httpURL+"/v1/projects/otlp/spans/otlpv1?limit=1&span_kind=not-a-filter-here", &pg)
	if len(pg.Data) != 1 || pg.NextCursor == nil {
		t.Fatalf("page 1: %+v", pg)
	}
	getJSON(t, p.httpURL+"/v1/projects/otlp/spans/otlpv1?limit=1&cursor="+url.QueryEscape(*pg.NextCursor), &pg)
	if len(pg.Data) != 1 || pg.NextCursor != nil || pg.Data[0].Name != "root" {
		t.Fatalf("page 2: %+v", pg)
	}
	getJSON(t, p.httpURL+"/v1/projects/otlp/spans/otlpv1?name=child", &pg)
	if c := pg.Data[0]; c.ParentSpanID == nil || *c.ParentSpanID != "b7ad6b7169203331" || c.Events != nil || c.Status.Code != 1 || c.Status.Message != nil {
		t.Errorf("child: %+v", c)
	}
	for path, want := range map[string]int{
		"/v1/projects/fake-id-x/spans/otlpv1":            404,
		"/v1/projects/otlp/spans/otlpv1?cursor=bogus":    422,
		"/v1/projects/otlp/spans/otlpv1?limit=0":         422,
		"/v1/projects/otlp/spans/otlpv1?status_code=bad": 422,
	} {
		if status, body, _ := call(t, "GET", p.httpURL+path, ""); status != want {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

// TestTransferTracesAPI pins POST /v1/traces/transfer.
func TestTransferTracesAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		post := func(project, traceID, spanID string) {
			t.Helper()
			body := `{"data":[{"name":"s","context":{"trace_id":"` + traceID + `","span_id":"` + spanID + `"},"span_kind":"CHAIN",` +
				`"start_time":"2026-05-01T10:00:00Z","end_time":"2026-05-01T10:00:01Z","status_code":"OK"}]}`
			if status, body, _ := call(t, "POST", p.httpURL+"/v1/projects/"+project+"/spans", body); status != 202 {
				t.Fatalf("post: %d %s", status, body)
			}
		}
		post("from", "aaaa0000000000000000000000000001", "bbbb000000000001")
		post("from", "aaaa0000000000000000000000000002", "bbbb000000000002")
		post("elsewhere", "aaaa0000000000000000000000000003", "bbbb000000000003")
		var tr struct {
			Data []struct {
				ID      string `json:"id"`
				TraceID string `json:"trace_id"`
			} `json:"data"`
		}
		getJSON(t, p.httpURL+"/v1/projects/from/traces", &tr)
		globalID := map[string]string{}
		for _, x := range tr.Data {
			globalID[x.TraceID] = x.ID
		}
		var dest struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		status, body, _ := call(t, "POST", p.httpURL+"/v1/projects", `{"name":"to"}`)
		if status != 200 || json.Unmarshal([]byte(body), &dest) != nil {
			t.Fatalf("create project: %d %s", status, body)
		}
		for name, tc := range map[string]struct {
			body   string
			status int
			want   string
		}{
			"empty list":      {`{"trace_identifiers":[],"destination_project_identifier":"to"}`, 422, `"type":"too_short"`},
			"missing fields":  {`{}`, 422, `"loc":["body","trace_identifiers"]`},
			"unknown trace":   {`{"trace_identifiers":["ffff"],"destination_project_identifier":"to"}`, 404, "One or more traces not found"},
			"unknown project": {`{"trace_identifiers":["aaaa0000000000000000000000000001"],"destination_project_identifier":"nope"}`, 404, "Project with name nope not found"},
			"two projects":    {`{"trace_identifiers":["aaaa0000000000000000000000000001","aaaa0000000000000000000000000003"],"destination_project_identifier":"to"}`, 422, "Cannot transfer traces from multiple projects"},
		} {
			status, body, _ := call(t, "POST", p.httpURL+"/v1/traces/transfer", tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s: %d %s", name, status, body)
			}
		}
		status, body, _ = call(t, "POST", p.httpURL+"/v1/traces/transfer",
			`{"trace_identifiers":["aaaa0000000000000000000000000001","`+globalID["aaaa0000000000000000000000000002"]+`"],"destination_project_identifier":"`+dest.Data.ID+`"}`)
		if status != 200 || body != `{"data":{"destination_project_id":"`+dest.Data.ID+`","transferred_trace_count":2}}` {
			t.Fatalf("transfer: %d %s", status, body)
		}
		var spans spansPage
		getJSON(t, p.httpURL+"/v1/projects/to/spans", &spans)
		if len(spans.Data) != 2 {
			t.Errorf("destination spans: %d", len(spans.Data))
		}
		getJSON(t, p.httpURL+"/v1/projects/from/spans", &spans)
		if len(spans.Data) != 0 {
			t.Errorf("source spans left: %d", len(spans.Data))
		}
	})
}
