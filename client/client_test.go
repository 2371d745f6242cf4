package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// request is what the fake server saw.
type request struct {
	Method string
	Path   string // escaped, as sent
	Query  url.Values
	Header http.Header
	Body   string
}

// fakeServer is a real HTTP server whose replies a test scripts; it
// records every request.
type fakeServer struct {
	mu       sync.Mutex
	requests []request
	reply    http.HandlerFunc
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)})
	reply := s.reply
	s.mu.Unlock()
	reply(w, r)
}

// seen returns the requests so far.
func (s *fakeServer) seen() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.requests...)
}

// only returns the single request the server saw.
func (s *fakeServer) only(t *testing.T) request {
	t.Helper()
	seen := s.seen()
	if len(seen) != 1 {
		t.Fatalf("server saw %d requests, want 1: %+v", len(seen), seen)
	}
	return seen[0]
}

// newFake starts a server answering with reply and a client for it that
// ignores the process environment.
func newFake(t *testing.T, reply http.HandlerFunc, opts ...Option) (*Client, *fakeServer) {
	t.Helper()
	fake := &fakeServer{reply: reply}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithBaseURL(srv.URL), WithEnviron(func(string) string { return "" })}, opts...)
	c, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

// jsonReply answers as the server's writeJSON does.
func jsonReply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// textReply answers as the server's WriteText does.
func textReply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func noContent(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

// checkRequest compares the method, escaped path and query of a request.
func checkRequest(t *testing.T, got request, method, path string, query url.Values) {
	t.Helper()
	if got.Method != method || got.Path != path {
		t.Errorf("request = %s %s, want %s %s", got.Method, got.Path, method, path)
	}
	if query == nil {
		query = url.Values{}
	}
	if !reflect.DeepEqual(got.Query, query) {
		t.Errorf("query = %v, want %v", got.Query, query)
	}
}

// checkJSONBody compares a request body with want, ignoring layout.
func checkJSONBody(t *testing.T, got request, want string) {
	t.Helper()
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !jsonEqual(t, got.Body, want) {
		t.Errorf("body = %s\nwant %s", got.Body, want)
	}
}

func TestEveryRequestCarriesConfiguredHeaders(t *testing.T) {
	env := map[string]string{
		"PHOENIX_API_KEY":        "env-key",
		"PHOENIX_CLIENT_HEADERS": "x-team=observability,x-note=hello%20world",
	}
	c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`),
		WithEnviron(func(k string) string { return env[k] }))
	if _, _, err := c.Projects.List(context.Background(), ProjectFilter{}); err != nil {
		t.Fatal(err)
	}
	h := fake.only(t).Header
	for k, want := range map[string]string{
		"Authorization": "Bearer env-key",
		"X-Team":        "observability",
		"X-Note":        "hello world",
		"Accept":        "application/json",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "ember-go") {
		t.Errorf("User-Agent = %q, want it to name ember-go", ua)
	}
}

func TestBaseURLPathIsKept(t *testing.T) {
	fake := &fakeServer{reply: jsonReply(200, `{"data":{"id":"UHJvamVjdDox","name":"default","description":null}}`)}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(WithBaseURL(srv.URL+"/phoenix/"), WithEnviron(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Projects.Get(context.Background(), "default"); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/phoenix/v1/projects/default", nil)
}

func TestWithHTTPClientIsUsed(t *testing.T) {
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, _ := newFake(t, noContent, WithHTTPClient(hc))
	if err := c.Spans.Delete(context.Background(), "b7ad6b7169203331"); err != nil {
		t.Fatal(err)
	}
	if !used {
		t.Fatal("the client did not use the HTTP client it was given")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestErrors(t *testing.T) {
	tests := []struct {
		name        string
		reply       http.HandlerFunc
		status      int
		message     string
		is          func(error) bool
		issues      int
		errorString string
	}{
		{
			name:        "404 in plain text",
			reply:       textReply(404, "Project with name nope not found"),
			status:      404,
			message:     "Project with name nope not found",
			is:          IsNotFound,
			errorString: "GET /v1/projects/nope: 404 Project with name nope not found",
		},
		{
			name:    "422 in FastAPI's JSON",
			reply:   jsonReply(422, `{"detail":[{"type":"greater_than","loc":["query","limit"],"msg":"Input should be greater than 0","input":"0","ctx":{"gt":0}},{"type":"missing","loc":["body","data",0,"name"],"msg":"Field required","input":{}}]}`),
			status:  422,
			message: "query.limit: Input should be greater than 0; body.data.0.name: Field required",
			is:      IsUnprocessable,
			issues:  2,
		},
		{
			name:    "422 in plain text",
			reply:   textReply(422, "Invalid cursor format: zzz"),
			status:  422,
			message: "Invalid cursor format: zzz",
			is:      IsUnprocessable,
		},
		{
			name:    "409 in plain text",
			reply:   textReply(409, "Project with name default already exists"),
			status:  409,
			message: "Project with name default already exists",
			is:      IsConflict,
		},
		{
			name:    "JSON detail as a string",
			reply:   jsonReply(403, `{"detail":"Viewers cannot perform this action."}`),
			status:  403,
			message: "Viewers cannot perform this action.",
			is:      IsForbidden,
		},
		{
			name:    "401 without a body",
			reply:   textReply(401, ""),
			status:  401,
			message: "",
			is:      IsUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFake(t, tt.reply)
			_, err := c.Projects.Get(context.Background(), "nope")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v (%T), want a *Error", err, err)
			}
			if e.StatusCode != tt.status || e.Message != tt.message || len(e.Issues) != tt.issues {
				t.Errorf("error = %d %q with %d issues, want %d %q with %d", e.StatusCode, e.Message, len(e.Issues), tt.status, tt.message, tt.issues)
			}
			if !tt.is(fmt.Errorf("wrapped: %w", err)) {
				t.Errorf("the status helper does not see %v through wrapping", err)
			}
			if StatusCode(err) != tt.status {
				t.Errorf("StatusCode(err) = %d, want %d", StatusCode(err), tt.status)
			}
			if tt.errorString != "" && err.Error() != tt.errorString {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.errorString)
			}
		})
	}
	if IsNotFound(errors.New("plain")) || StatusCode(nil) != 0 {
		t.Error("helpers claim a status for an error without one")
	}
}

func TestIssueDetailsAreDecoded(t *testing.T) {
	c, _ := newFake(t, jsonReply(422, `{"detail":[{"type":"greater_than","loc":["query","limit"],"msg":"Input should be greater than 0","input":"0","ctx":{"gt":0}}]}`))
	_, _, err := c.Spans.List(context.Background(), "default", SpanFilter{Limit: -1})
	var e *Error
	if !errors.As(err, &e) || len(e.Issues) != 1 {
		t.Fatalf("error = %v, want one issue", err)
	}
	is := e.Issues[0]
	if is.Type != "greater_than" || !reflect.DeepEqual(is.Loc, []any{"query", "limit"}) || is.Input != "0" || is.Ctx["gt"] != float64(0) {
		t.Errorf("issue = %+v", is)
	}
}

func TestHTMLInsteadOfJSONIsExplained(t *testing.T) {
	c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><html></html>")
	})
	_, err := c.Sessions.Get(context.Background(), "s1")
	if err == nil || !strings.Contains(err.Error(), "HTML") {
		t.Fatalf("error = %v, want one that says the reply was HTML", err)
	}
}

func TestMalformedReplyIsAnError(t *testing.T) {
	c, _ := newFake(t, jsonReply(200, `{"data":{"id":1}}`))
	if _, err := c.Projects.Get(context.Background(), "default"); err == nil || !strings.Contains(err.Error(), "decode GET /v1/projects/default reply") {
		t.Fatalf("error = %v, want a decode error naming the request", err)
	}
}

func TestEmptyIdentifierIsRefusedWithoutARequest(t *testing.T) {
	c, fake := newFake(t, noContent)
	ctx := context.Background()
	errs := []error{
		c.Projects.Delete(ctx, ""),
		c.Spans.Delete(ctx, ""),
		c.Traces.Delete(ctx, ""),
		c.Sessions.Delete(ctx, ""),
	}
	_, err := c.Sessions.Get(ctx, "")
	errs = append(errs, err)
	_, _, err = c.Spans.List(ctx, "", SpanFilter{})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d accepted an empty identifier", i)
		}
	}
	if n := len(fake.seen()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestContextCancels(t *testing.T) {
	c, _ := newFake(t, noContent)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Traces.Delete(ctx, "0af7651916cd43dd8448eb211c80319c")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if StatusCode(err) != 0 {
		t.Errorf("a canceled request has status %d", StatusCode(err))
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("bad JSON %s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}
