package client

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
)

func TestTracesListSendsEveryFilter(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	_, _, err := c.Traces.List(context.Background(), "default", TraceFilter{
		StartTime:          start,
		EndTime:            start.Add(24 * time.Hour),
		Sort:               SortByLatency,
		Order:              Ascending,
		IncludeSpans:       true,
		SessionIdentifiers: []string{"UHJvamVjdFNlc3Npb246MQ==", "chat-42"},
		Limit:              10,
		Cursor:             "VHJhY2U6Mw==",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/default/traces", url.Values{
		"start_time":         {"2024-05-01T00:00:00Z"},
		"end_time":           {"2024-05-02T00:00:00Z"},
		"sort":               {"latency_ms"},
		"order":              {"asc"},
		"include_spans":      {"true"},
		"session_identifier": {"UHJvamVjdFNlc3Npb246MQ==", "chat-42"},
		"limit":              {"10"},
		"cursor":             {"VHJhY2U6Mw=="},
	})
}

func TestTracesListDecodesTraces(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[`+
		`{"id":"VHJhY2U6NA==","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","project_id":"UHJvamVjdDox","start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:00:03.250000+00:00","token_count_prompt":120,"token_count_completion":30,"token_count_total":150,"spans":[`+
		`{"id":"U3BhbjoxMQ==","span_id":"00f067aa0ba902b7","parent_id":null,"name":"agent","span_kind":"AGENT","status_code":"OK","start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:00:03.250000+00:00"},`+
		`{"id":"U3BhbjoxMg==","span_id":"b7ad6b7169203331","parent_id":"00f067aa0ba902b7","name":"llm","span_kind":"LLM","status_code":"OK","start_time":"2024-05-01T12:00:01+00:00","end_time":"2024-05-01T12:00:02+00:00"}]},`+
		`{"id":"VHJhY2U6Mw==","trace_id":"0af7651916cd43dd8448eb211c80319c","project_id":"UHJvamVjdDox","start_time":"2024-05-01T11:00:00+00:00","end_time":"2024-05-01T11:00:01+00:00","token_count_prompt":0,"token_count_completion":0,"token_count_total":0,"spans":[]}`+
		`],"next_cursor":null}`))
	traces, next, err := c.Traces.List(context.Background(), "UHJvamVjdDox", TraceFilter{IncludeSpans: true})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/UHJvamVjdDox/traces", url.Values{"include_spans": {"true"}})
	want := []api.Trace{
		{
			ID: "VHJhY2U6NA==", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", ProjectID: "UHJvamVjdDox",
			StartTime: utc("2024-05-01T12:00:00Z"), EndTime: utc("2024-05-01T12:00:03.25Z"),
			TokenCountPrompt: 120, TokenCountCompletion: 30, TokenCountTotal: 150,
			Spans: []api.TraceSpan{
				{ID: "U3BhbjoxMQ==", SpanID: "00f067aa0ba902b7", Name: "agent", SpanKind: "AGENT", StatusCode: "OK", StartTime: utc("2024-05-01T12:00:00Z"), EndTime: utc("2024-05-01T12:00:03.25Z")},
				{ID: "U3BhbjoxMg==", SpanID: "b7ad6b7169203331", ParentID: ptr("00f067aa0ba902b7"), Name: "llm", SpanKind: "LLM", StatusCode: "OK", StartTime: utc("2024-05-01T12:00:01Z"), EndTime: utc("2024-05-01T12:00:02Z")},
			},
		},
		{
			ID: "VHJhY2U6Mw==", TraceID: "0af7651916cd43dd8448eb211c80319c", ProjectID: "UHJvamVjdDox",
			StartTime: utc("2024-05-01T11:00:00Z"), EndTime: utc("2024-05-01T11:00:01Z"),
			Spans: []api.TraceSpan{},
		},
	}
	if !reflect.DeepEqual(traces, want) || next != "" {
		t.Errorf("List =\n%+v, %q\nwant\n%+v", traces, next, want)
	}
}

func TestTracesListWithoutSpans(t *testing.T) {
	// Without include_spans the server leaves the field out.
	c, _ := newFake(t, jsonReply(200, `{"data":[{"id":"VHJhY2U6Mw==","trace_id":"0af7651916cd43dd8448eb211c80319c","project_id":"UHJvamVjdDox","start_time":"2024-05-01T11:00:00+00:00","end_time":"2024-05-01T11:00:01+00:00","token_count_prompt":5,"token_count_completion":6,"token_count_total":11}],"next_cursor":"VHJhY2U6Mg=="}`))
	traces, next, err := c.Traces.List(context.Background(), "default", TraceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) != 1 || traces[0].Spans != nil || traces[0].TokenCountTotal != 11 || next != "VHJhY2U6Mg==" {
		t.Errorf("List = %+v, %q", traces, next)
	}
}

func TestTracesAll(t *testing.T) {
	c, fake := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			jsonReply(200, `{"data":[{"id":"VHJhY2U6NA==","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","project_id":"UHJvamVjdDox","start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:00:01+00:00","token_count_prompt":0,"token_count_completion":0,"token_count_total":0}],"next_cursor":"VHJhY2U6Mw=="}`)(w, r)
		default:
			jsonReply(200, `{"data":[{"id":"VHJhY2U6Mw==","trace_id":"0af7651916cd43dd8448eb211c80319c","project_id":"UHJvamVjdDox","start_time":"2024-05-01T11:00:00+00:00","end_time":"2024-05-01T11:00:01+00:00","token_count_prompt":0,"token_count_completion":0,"token_count_total":0}],"next_cursor":null}`)(w, r)
		}
	})
	var ids []string
	for trace, err := range c.Traces.All(context.Background(), "default", TraceFilter{Order: Descending, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, trace.TraceID)
	}
	if want := []string{"4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("All = %v, want %v", ids, want)
	}
	if seen := fake.seen(); len(seen) != 2 || seen[1].Query.Get("order") != "desc" || seen[1].Query.Get("cursor") != "VHJhY2U6Mw==" {
		t.Errorf("requests = %+v", seen)
	}
}

func TestTracesDelete(t *testing.T) {
	c, fake := newFake(t, noContent)
	if err := c.Traces.Delete(context.Background(), "0af7651916cd43dd8448eb211c80319c"); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/traces/0af7651916cd43dd8448eb211c80319c", nil)

	c, _ = newFake(t, textReply(404, "Trace with trace_id 'nope' not found"))
	if err := c.Traces.Delete(context.Background(), "nope"); !IsNotFound(err) {
		t.Errorf("Delete(nope) = %v, want a 404", err)
	}
}

func TestTracesTransfer(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":{"transferred_trace_count":2,"destination_project_id":"UHJvamVjdDoy"}}`))
	res, err := c.Traces.Transfer(context.Background(), "archive", []string{"VHJhY2U6Mw==", "4bf92f3577b34da6a3ce929d0e0e4736"})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "POST", "/v1/traces/transfer", nil)
	checkJSONBody(t, got, `{"trace_identifiers":["VHJhY2U6Mw==","4bf92f3577b34da6a3ce929d0e0e4736"],"destination_project_identifier":"archive"}`)
	if *res != (api.TransferTracesResult{TransferredTraceCount: 2, DestinationProjectID: "UHJvamVjdDoy"}) {
		t.Errorf("Transfer = %+v", *res)
	}

	c, fake = newFake(t, jsonReply(422, `{"detail":[{"type":"too_short","loc":["body","trace_identifiers"],"msg":"List should have at least 1 item after validation, not 0","input":[],"ctx":{"field_type":"List","min_length":1,"actual_length":0}}]}`))
	if _, err := c.Traces.Transfer(context.Background(), "archive", nil); !IsUnprocessable(err) {
		t.Errorf("Transfer of nothing = %v, want a 422", err)
	}
	checkJSONBody(t, fake.only(t), `{"trace_identifiers":[],"destination_project_identifier":"archive"}`)
}
