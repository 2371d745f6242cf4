package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
)

// spanPage is a page as the server's span listing writes it: flattened
// attributes, microsecond times with an offset, a null parent for roots.
const spanPage = `{"data":[` +
	`{"id":"U3BhbjoxMg==","name":"ChatCompletion","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"},"span_kind":"LLM","parent_id":"00f067aa0ba902b7","start_time":"2024-05-01T12:00:00.123456+00:00","end_time":"2024-05-01T12:00:01+00:00","status_code":"ERROR","status_message":"rate limited","attributes":{"llm.model_name":"gpt-4o","llm.token_count.prompt":12,"llm.input_messages.0.message.role":"user","tag.tags":["a","b"],"metadata":{}},"events":[{"name":"exception","timestamp":"2024-05-01T12:00:00.500000+00:00","attributes":{"exception.message":"429"}}]},` +
	`{"id":"U3BhbjoxMQ==","name":"agent","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"00f067aa0ba902b7"},"span_kind":"UNKNOWN","parent_id":null,"start_time":"2024-05-01T11:59:59+00:00","end_time":"2024-05-01T12:00:02+00:00","status_code":"UNSET","status_message":"","attributes":{},"events":[]}` +
	`],"next_cursor":"U3BhbjoxMA=="}`

func utc(s string) api.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return api.Time{Time: t.UTC()}
}

func TestSpansListDecodesSpans(t *testing.T) {
	c, _ := newFake(t, jsonReply(200, spanPage))
	spans, next, err := c.Spans.List(context.Background(), "default", SpanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Span{
		{
			ID:            "U3BhbjoxMg==",
			Name:          "ChatCompletion",
			Context:       api.SpanContext{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331"},
			SpanKind:      "LLM",
			ParentID:      ptr("00f067aa0ba902b7"),
			StartTime:     utc("2024-05-01T12:00:00.123456Z"),
			EndTime:       utc("2024-05-01T12:00:01Z"),
			StatusCode:    api.StatusCodeError,
			StatusMessage: "rate limited",
			Attributes: map[string]any{
				"llm.model_name":                    "gpt-4o",
				"llm.token_count.prompt":            float64(12),
				"llm.input_messages.0.message.role": "user",
				"tag.tags":                          []any{"a", "b"},
				"metadata":                          map[string]any{},
			},
			Events: []api.SpanEvent{{Name: "exception", Timestamp: utc("2024-05-01T12:00:00.5Z"), Attributes: map[string]any{"exception.message": "429"}}},
		},
		{
			ID:         "U3BhbjoxMQ==",
			Name:       "agent",
			Context:    api.SpanContext{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "00f067aa0ba902b7"},
			SpanKind:   "UNKNOWN",
			StartTime:  utc("2024-05-01T11:59:59Z"),
			EndTime:    utc("2024-05-01T12:00:02Z"),
			StatusCode: api.StatusCodeUnset,
			Attributes: map[string]any{},
			Events:     []api.SpanEvent{},
		},
	}
	if !reflect.DeepEqual(spans, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", spans, want)
	}
	if next != "U3BhbjoxMA==" {
		t.Errorf("next = %q", next)
	}
}

func TestSpansListSendsEveryFilter(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	start := time.Date(2024, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	_, _, err := c.Spans.List(context.Background(), "UHJvamVjdDox", SpanFilter{
		TraceIDs:    []string{"0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"},
		SpanIDs:     []string{"b7ad6b7169203331"},
		ParentID:    "00f067aa0ba902b7",
		Names:       []string{"ChatCompletion", "retrieve docs"},
		SpanKinds:   []string{"LLM", "RETRIEVER"},
		StatusCodes: []string{api.StatusCodeError},
		Attributes: map[string]any{
			"user.id":                "12345",
			"llm.token_count.prompt": 12,
			"metadata.flagged":       true,
			"session.id":             "sess:abc:1",
			"score":                  0.5,
		},
		StartTime: start,
		EndTime:   start.Add(90 * time.Minute),
		Limit:     50,
		Cursor:    "U3BhbjoxMA==",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/UHJvamVjdDox/spans", url.Values{
		"trace_id":    {"0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"},
		"span_id":     {"b7ad6b7169203331"},
		"parent_id":   {"00f067aa0ba902b7"},
		"name":        {"ChatCompletion", "retrieve docs"},
		"span_kind":   {"LLM", "RETRIEVER"},
		"status_code": {"ERROR"},
		"attribute": {
			"llm.token_count.prompt:12",
			"metadata.flagged:true",
			"score:0.5",
			`session.id:"sess:abc:1"`,
			`user.id:"12345"`,
		},
		"start_time": {"2024-05-01T12:00:00Z"},
		"end_time":   {"2024-05-01T13:30:00Z"},
		"limit":      {"50"},
		"cursor":     {"U3BhbjoxMA=="},
	})
}

func TestSpansListRootsOnly(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	if _, _, err := c.Spans.List(context.Background(), "default", SpanFilter{RootsOnly: true, ParentID: "ignored"}); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/default/spans", url.Values{"parent_id": {"null"}})
}

func TestSpanAttributeFilterEncoding(t *testing.T) {
	tests := []struct {
		value any
		want  string // the attribute parameter; "" for an error
	}{
		{"plain", `k:"plain"`},
		{"42", `k:"42"`},
		{"true", `k:"true"`},
		{"", `k:""`},
		{`say "hi" <b>`, `k:"say \"hi\" <b>"`},
		{42, "k:42"},
		{int64(-7), "k:-7"},
		{uint8(7), "k:7"},
		{1.5, "k:1.5"},
		{float32(0.25), "k:0.25"},
		{1e21, "k:1e+21"},
		{false, "k:false"},
		{nil, ""},
		{[]string{"a"}, ""},
		{map[string]any{}, ""},
	}
	for _, tt := range tests {
		c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
		_, _, err := c.Spans.List(context.Background(), "default", SpanFilter{Attributes: map[string]any{"k": tt.value}})
		if tt.want == "" {
			if err == nil {
				t.Errorf("attribute %#v was accepted", tt.value)
			}
			if n := len(fake.seen()); n != 0 {
				t.Errorf("attribute %#v: server saw %d requests, want none", tt.value, n)
			}
			continue
		}
		if err != nil {
			t.Errorf("attribute %#v: %v", tt.value, err)
			continue
		}
		if got := fake.only(t).Query["attribute"]; !reflect.DeepEqual(got, []string{tt.want}) {
			t.Errorf("attribute %#v sent as %q, want %q", tt.value, got, tt.want)
		}
	}
	for _, key := range []string{"", " ", "a:b"} {
		c, _ := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
		if _, _, err := c.Spans.List(context.Background(), "default", SpanFilter{Attributes: map[string]any{key: "v"}}); err == nil {
			t.Errorf("attribute key %q was accepted", key)
		}
	}
}

// pagedSpans answers a span listing from pages keyed by cursor.
func pagedSpans(pages map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("cursor")]
		if !ok {
			textReply(422, "Invalid cursor")(w, r)
			return
		}
		jsonReply(200, body)(w, r)
	}
}

func spanJSON(id, name string) string {
	return `{"id":"` + id + `","name":"` + name + `","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"},"span_kind":"CHAIN","parent_id":null,"start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:00:01+00:00","status_code":"OK","status_message":"","attributes":{},"events":[]}`
}

func TestSpansAllFollowsCursors(t *testing.T) {
	c, fake := newFake(t, pagedSpans(map[string]string{
		"":             `{"data":[` + spanJSON("U3BhbjoxMg==", "s12") + `,` + spanJSON("U3BhbjoxMQ==", "s11") + `],"next_cursor":"U3BhbjoxMA=="}`,
		"U3BhbjoxMA==": `{"data":[` + spanJSON("U3BhbjoxMA==", "s10") + `],"next_cursor":"U3Bhbjo5"}`,
		"U3Bhbjo5":     `{"data":[` + spanJSON("U3Bhbjo5", "s9") + `],"next_cursor":null}`,
	}))
	var names []string
	for span, err := range c.Spans.All(context.Background(), "default", SpanFilter{Limit: 2, SpanKinds: []string{"CHAIN"}}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, span.Name)
	}
	if want := []string{"s12", "s11", "s10", "s9"}; !reflect.DeepEqual(names, want) {
		t.Errorf("All = %v, want %v", names, want)
	}
	seen := fake.seen()
	var cursors []string
	for _, r := range seen {
		cursors = append(cursors, r.Query.Get("cursor"))
		if r.Query.Get("limit") != "2" || r.Query.Get("span_kind") != "CHAIN" {
			t.Errorf("page request lost the filter: %v", r.Query)
		}
	}
	if want := []string{"", "U3BhbjoxMA==", "U3Bhbjo5"}; !reflect.DeepEqual(cursors, want) {
		t.Errorf("cursors sent = %q, want %q", cursors, want)
	}
}

func TestSpansAllStopsWhenTheLoopDoes(t *testing.T) {
	c, fake := newFake(t, pagedSpans(map[string]string{
		"":             `{"data":[` + spanJSON("U3BhbjoxMg==", "s12") + `,` + spanJSON("U3BhbjoxMQ==", "s11") + `],"next_cursor":"U3BhbjoxMA=="}`,
		"U3BhbjoxMA==": `{"data":[` + spanJSON("U3BhbjoxMA==", "s10") + `],"next_cursor":null}`,
	}))
	for span, err := range c.Spans.All(context.Background(), "default", SpanFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if span.Name == "s11" {
			break
		}
	}
	if n := len(fake.seen()); n != 1 {
		t.Errorf("server saw %d requests after the loop broke on the first page, want 1", n)
	}
}

func TestSpansAllStartsAtTheFilterCursor(t *testing.T) {
	c, fake := newFake(t, pagedSpans(map[string]string{
		"U3BhbjoxMA==": `{"data":[` + spanJSON("U3BhbjoxMA==", "s10") + `],"next_cursor":null}`,
	}))
	for _, err := range c.Spans.All(context.Background(), "default", SpanFilter{Cursor: "U3BhbjoxMA=="}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fake.only(t).Query.Get("cursor"); got != "U3BhbjoxMA==" {
		t.Errorf("first cursor = %q", got)
	}
}

func TestSpansAllYieldsErrorsOnce(t *testing.T) {
	c, _ := newFake(t, pagedSpans(map[string]string{
		"": `{"data":[` + spanJSON("U3BhbjoxMg==", "s12") + `],"next_cursor":"bad"}`,
	}))
	var names []string
	var errs []error
	for span, err := range c.Spans.All(context.Background(), "default", SpanFilter{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, span.Name)
	}
	if !reflect.DeepEqual(names, []string{"s12"}) || len(errs) != 1 || !IsUnprocessable(errs[0]) {
		t.Errorf("All gave %v and errors %v; want s12 then one 422", names, errs)
	}
}

func TestSpansAllRefusesACursorThatDoesNotAdvance(t *testing.T) {
	c, fake := newFake(t, pagedSpans(map[string]string{
		"":             `{"data":[` + spanJSON("U3BhbjoxMg==", "s12") + `],"next_cursor":"U3BhbjoxMA=="}`,
		"U3BhbjoxMA==": `{"data":[` + spanJSON("U3BhbjoxMA==", "s10") + `],"next_cursor":"U3BhbjoxMA=="}`,
	}))
	var err error
	for _, err = range c.Spans.All(context.Background(), "default", SpanFilter{}) {
		if err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "did not advance") {
		t.Fatalf("error = %v, want one about a cursor that does not advance", err)
	}
	if n := len(fake.seen()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestSpansCreate(t *testing.T) {
	c, fake := newFake(t, jsonReply(202, `{"total_received":2,"total_queued":2}`))
	start := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	spans := []api.Span{
		{
			Name:       "llm",
			Context:    api.SpanContext{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331"},
			SpanKind:   "LLM",
			ParentID:   ptr("00f067aa0ba902b7"),
			StartTime:  api.Time{Time: start},
			EndTime:    api.Time{Time: start.Add(time.Second)},
			StatusCode: api.StatusCodeOK,
			Attributes: map[string]any{"llm": map[string]any{"model_name": "gpt-4o"}, "input.value": "hi"},
			Events:     []api.SpanEvent{{Name: "first token", Timestamp: api.Time{Time: start.Add(time.Millisecond)}}},
		},
		{
			Name:       "agent",
			Context:    api.SpanContext{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "00f067aa0ba902b7"},
			SpanKind:   "AGENT",
			StartTime:  api.Time{Time: start.In(time.FixedZone("", -5*3600))},
			EndTime:    api.Time{Time: start.Add(2 * time.Second)},
			StatusCode: api.StatusCodeUnset,
		},
	}
	res, err := c.Spans.Create(context.Background(), "my project", spans)
	if err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "POST", "/v1/projects/my%20project/spans", nil)
	checkJSONBody(t, got, `{"data":[
		{"id":"","name":"llm","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"},"span_kind":"LLM","parent_id":"00f067aa0ba902b7",
		 "start_time":"2024-05-01T12:00:00.123456Z","end_time":"2024-05-01T12:00:01.123456Z","status_code":"OK","status_message":"",
		 "attributes":{"llm":{"model_name":"gpt-4o"},"input.value":"hi"},
		 "events":[{"name":"first token","timestamp":"2024-05-01T12:00:00.124456Z","attributes":{}}]},
		{"id":"","name":"agent","context":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"00f067aa0ba902b7"},"span_kind":"AGENT","parent_id":null,
		 "start_time":"2024-05-01T07:00:00.123456-05:00","end_time":"2024-05-01T12:00:02.123456Z","status_code":"UNSET","status_message":"",
		 "attributes":{},"events":[]}
	]}`)
	if *res != (api.CreateSpansResponse{TotalReceived: 2, TotalQueued: 2}) {
		t.Errorf("Create = %+v", *res)
	}
}

func TestSpansCreateSendsAnEmptyListNotNull(t *testing.T) {
	c, fake := newFake(t, jsonReply(202, `{"total_received":0,"total_queued":0}`))
	if _, err := c.Spans.Create(context.Background(), "default", nil); err != nil {
		t.Fatal(err)
	}
	checkJSONBody(t, fake.only(t), `{"data":[]}`)
}

func TestSpansCreateRejected(t *testing.T) {
	// Phoenix and Ember send the details as JSON inside a plain-text 400.
	c, _ := newFake(t, textReply(400, `{"error": "Request contains invalid or duplicate spans", "total_received": 3, "total_queued": 0, "total_duplicates": 1, "total_invalid": 1, "duplicate_spans": [{"span_id": "b7ad6b7169203331", "trace_id": "0af7651916cd43dd8448eb211c80319c"}], "invalid_spans": [{"span_id": "00f067aa0ba902b7", "trace_id": "0af7651916cd43dd8448eb211c80319c", "error": "bad attributes"}]}`))
	_, err := c.Spans.Create(context.Background(), "default", []api.Span{{Name: "x"}})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.RejectedSpans == nil {
		t.Fatalf("error = %#v, want a 400 with the rejected spans", err)
	}
	want := api.CreateSpansErrorBody{
		Error:           "Request contains invalid or duplicate spans",
		TotalReceived:   3,
		TotalDuplicates: 1,
		TotalInvalid:    1,
		DuplicateSpans:  []api.SpanRef{{SpanID: "b7ad6b7169203331", TraceID: "0af7651916cd43dd8448eb211c80319c"}},
		InvalidSpans:    []api.InvalidSpan{{SpanID: "00f067aa0ba902b7", TraceID: "0af7651916cd43dd8448eb211c80319c", Error: "bad attributes"}},
	}
	if !reflect.DeepEqual(*e.RejectedSpans, want) {
		t.Errorf("RejectedSpans = %+v, want %+v", *e.RejectedSpans, want)
	}
	if e.Message != "Request contains invalid or duplicate spans: 1 duplicate, 1 invalid" {
		t.Errorf("Message = %q", e.Message)
	}
}

func TestSpansCreateOther400StaysPlain(t *testing.T) {
	c, _ := newFake(t, textReply(400, "Bad things"))
	_, err := c.Spans.Create(context.Background(), "default", nil)
	var e *Error
	if !errors.As(err, &e) || e.RejectedSpans != nil || e.Message != "Bad things" {
		t.Fatalf("error = %#v", err)
	}
}

func TestSpansDelete(t *testing.T) {
	c, fake := newFake(t, noContent)
	if err := c.Spans.Delete(context.Background(), "U3BhbjoxMg=="); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/spans/U3BhbjoxMg==", nil)

	c, _ = newFake(t, textReply(404, "Span with span_id 'nope' not found"))
	if err := c.Spans.Delete(context.Background(), "nope"); !IsNotFound(err) {
		t.Errorf("Delete(nope) = %v, want a 404", err)
	}
}

func TestSpanQueryBody(t *testing.T) {
	q := NewSpanQuery().Where("span_kind == 'LLM'").Select("name").SelectAs("q", "input.value").
		Explode("retrieval.documents", map[string]string{"content": "document.content"}).Rename(map[string]string{"name": "n"}).Index("trace_id")
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"explode":{"key":"retrieval.documents","kwargs":{"content":"document.content"}},"filter":{"condition":"span_kind == 'LLM'"},"index":{"key":"trace_id"},"rename":{"name":"n"},"select":{"name":{"key":"name"},"q":{"key":"input.value"}}}`
	if string(b) != want {
		t.Errorf("body\n got %s\nwant %s", b, want)
	}
}

func TestDecodeTable(t *testing.T) {
	doc := `{"schema":{"fields":[{"name":"0_context.span_id","type":"string"},{"name":"1_n","type":"integer"}],"primaryKey":["0_context.span_id"],"pandas_version":"1.4.0"},"data":[{"0_context.span_id":"ab","1_n":3}]}`
	tab, err := decodeTable(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 || tab.Rows[0]["context.span_id"] != "ab" || fmt.Sprint(tab.Rows[0]["n"]) != "3" || tab.Index[0] != "context.span_id" || tab.Columns[1] != "n" {
		t.Errorf("table %+v", tab)
	}
}
