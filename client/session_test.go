package client

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/emberhq/ember/api"
)

// sessionJSON is a session as the server writes it.
const sessionJSON = `{"id":"UHJvamVjdFNlc3Npb246MQ==","session_id":"chat 42","project_id":"UHJvamVjdDox","start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:05:00.000001+00:00",` +
	`"traces":[{"id":"VHJhY2U6Mw==","trace_id":"0af7651916cd43dd8448eb211c80319c","start_time":"2024-05-01T12:00:00+00:00","end_time":"2024-05-01T12:00:04+00:00"},` +
	`{"id":"VHJhY2U6NA==","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","start_time":"2024-05-01T12:04:00+00:00","end_time":"2024-05-01T12:05:00.000001+00:00"}],` +
	`"token_count_prompt":100,"token_count_completion":20,"token_count_total":120}`

var wantSession = api.Session{
	ID: "UHJvamVjdFNlc3Npb246MQ==", SessionID: "chat 42", ProjectID: "UHJvamVjdDox",
	StartTime: utc("2024-05-01T12:00:00Z"), EndTime: utc("2024-05-01T12:05:00.000001Z"),
	Traces: []api.SessionTrace{
		{ID: "VHJhY2U6Mw==", TraceID: "0af7651916cd43dd8448eb211c80319c", StartTime: utc("2024-05-01T12:00:00Z"), EndTime: utc("2024-05-01T12:00:04Z")},
		{ID: "VHJhY2U6NA==", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", StartTime: utc("2024-05-01T12:04:00Z"), EndTime: utc("2024-05-01T12:05:00.000001Z")},
	},
	TokenCountPrompt: 100, TokenCountCompletion: 20, TokenCountTotal: 120,
}

func TestSessionsGet(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":`+sessionJSON+`}`))
	s, err := c.Sessions.Get(context.Background(), "chat 42")
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/sessions/chat%2042", nil)
	if !reflect.DeepEqual(*s, wantSession) {
		t.Errorf("Get =\n%+v\nwant\n%+v", *s, wantSession)
	}

	c, _ = newFake(t, textReply(404, "Session with session_id nope not found"))
	if _, err := c.Sessions.Get(context.Background(), "nope"); !IsNotFound(err) {
		t.Errorf("Get(nope) = %v, want a 404", err)
	}
}

func TestSessionsList(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[`+sessionJSON+`],"next_cursor":"UHJvamVjdFNlc3Npb246Mg=="}`))
	sessions, next, err := c.Sessions.List(context.Background(), "default", SessionFilter{Order: Descending, Limit: 1, Cursor: "UHJvamVjdFNlc3Npb246Mw=="})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/default/sessions", url.Values{
		"order": {"desc"}, "limit": {"1"}, "cursor": {"UHJvamVjdFNlc3Npb246Mw=="},
	})
	if !reflect.DeepEqual(sessions, []api.Session{wantSession}) || next != "UHJvamVjdFNlc3Npb246Mg==" {
		t.Errorf("List = %+v, %q", sessions, next)
	}
}

func TestSessionsAll(t *testing.T) {
	c, fake := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			jsonReply(200, `{"data":[`+sessionJSON+`],"next_cursor":"UHJvamVjdFNlc3Npb246Mg=="}`)(w, r)
			return
		}
		jsonReply(200, `{"data":[{"id":"UHJvamVjdFNlc3Npb246Mg==","session_id":"chat 43","project_id":"UHJvamVjdDox","start_time":"2024-05-02T12:00:00+00:00","end_time":"2024-05-02T12:00:00+00:00","traces":[],"token_count_prompt":0,"token_count_completion":0,"token_count_total":0}],"next_cursor":null}`)(w, r)
	})
	var ids []string
	for s, err := range c.Sessions.All(context.Background(), "default", SessionFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.SessionID)
	}
	if want := []string{"chat 42", "chat 43"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("All = %v, want %v", ids, want)
	}
	if n := len(fake.seen()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestSessionsDelete(t *testing.T) {
	c, fake := newFake(t, noContent)
	if err := c.Sessions.Delete(context.Background(), "UHJvamVjdFNlc3Npb246MQ=="); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/sessions/UHJvamVjdFNlc3Npb246MQ==", nil)
}

func TestSessionsDeleteMany(t *testing.T) {
	c, fake := newFake(t, noContent)
	if err := c.Sessions.DeleteMany(context.Background(), []string{"chat 42", "chat 43"}); err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "POST", "/v1/sessions/delete", nil)
	checkJSONBody(t, got, `{"session_identifiers":["chat 42","chat 43"]}`)

	c, fake = newFake(t, textReply(422, "Session identifier list must not be empty."))
	err := c.Sessions.DeleteMany(context.Background(), nil)
	if !IsUnprocessable(err) {
		t.Errorf("DeleteMany(nil) = %v, want a 422", err)
	}
	checkJSONBody(t, fake.only(t), `{"session_identifiers":[]}`)
}
