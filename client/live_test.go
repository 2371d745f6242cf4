package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
)

// TestLiveServer runs the SDK against a real server when
// EMBER_CLIENT_TEST_URL names one (PHOENIX_API_KEY is honored), so that the
// shapes the fakes assume can be checked against Ember or Phoenix itself.
// It works in a project of its own and deletes it afterwards.
func TestLiveServer(t *testing.T) {
	baseURL := os.Getenv("EMBER_CLIENT_TEST_URL")
	if baseURL == "" {
		t.Skip("EMBER_CLIENT_TEST_URL is not set")
	}
	c, err := New(WithBaseURL(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	suffix := time.Now().UnixNano()
	name := fmt.Sprintf("client test %d", suffix)
	archive := fmt.Sprintf("client test archive %d", suffix)

	project, err := c.Projects.Create(ctx, api.CreateProjectRequest{Name: name, Description: ptr("made by TestLiveServer")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range []string{name, archive} {
			if err := c.Projects.Delete(context.Background(), p); err != nil && !IsNotFound(err) {
				t.Errorf("delete project %q: %v", p, err)
			}
		}
	})
	if got, err := c.Projects.Get(ctx, project.ID); err != nil || got.Name != name {
		t.Fatalf("Get(%s) = %+v, %v", project.ID, got, err)
	}
	if got, err := c.Projects.Update(ctx, name, api.UpdateProjectRequest{Description: ptr("updated")}); err != nil || got.Description == nil || *got.Description != "updated" {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	found := false
	for p, err := range c.Projects.All(ctx, ProjectFilter{NameContains: fmt.Sprint(suffix), Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || p.ID == project.ID
	}
	if !found {
		t.Errorf("Projects.All did not list %q", name)
	}

	traceID := fmt.Sprintf("%032x", suffix)
	rootID, childID := fmt.Sprintf("%016x", suffix), fmt.Sprintf("%016x", suffix+1)
	start := time.Now().UTC().Add(-time.Minute).Truncate(time.Microsecond)
	spans := []api.Span{
		{
			Name: "agent", Context: api.SpanContext{TraceID: traceID, SpanID: rootID}, SpanKind: "AGENT",
			StartTime: api.Time{Time: start}, EndTime: api.Time{Time: start.Add(3 * time.Second)}, StatusCode: api.StatusCodeOK,
			Attributes: map[string]any{"input.value": "hi", "session.id": fmt.Sprintf("session %d", suffix), "user.id": "12345"},
		},
		{
			Name: "llm", Context: api.SpanContext{TraceID: traceID, SpanID: childID}, SpanKind: "LLM", ParentID: &rootID,
			StartTime: api.Time{Time: start.Add(time.Second)}, EndTime: api.Time{Time: start.Add(2 * time.Second)}, StatusCode: api.StatusCodeError,
			StatusMessage: "rate limited",
			Attributes:    map[string]any{"llm": map[string]any{"model_name": "gpt-4o", "token_count": map[string]any{"prompt": 12, "completion": 3}}},
			Events:        []api.SpanEvent{{Name: "exception", Timestamp: api.Time{Time: start.Add(1500 * time.Millisecond)}, Attributes: map[string]any{"exception.message": "429"}}},
		},
	}
	res, err := c.Spans.Create(ctx, name, spans)
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalReceived != 2 {
		t.Errorf("Create = %+v", res)
	}
	// Phoenix queues posted spans; wait until they are listed.
	var listed []api.Span
	for deadline := time.Now().Add(10 * time.Second); len(listed) < 2 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if listed, _, err = c.Spans.List(ctx, name, SpanFilter{TraceIDs: []string{traceID}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(listed) != 2 {
		t.Fatalf("listed %d spans, want 2", len(listed))
	}
	_, err = c.Spans.Create(ctx, name, spans[:1])
	if e := (*Error)(nil); !errors.As(err, &e) || e.RejectedSpans == nil || len(e.RejectedSpans.DuplicateSpans) != 1 {
		t.Errorf("posting a stored span again = %v, want a rejection naming it", err)
	}

	roots, _, err := c.Spans.List(ctx, name, SpanFilter{RootsOnly: true, Attributes: map[string]any{"user.id": "12345"}})
	if err != nil || len(roots) != 1 || roots[0].Name != "agent" || roots[0].Attributes["input.value"] != "hi" {
		t.Errorf("root spans by attribute = %+v, %v", roots, err)
	}
	llms, _, err := c.Spans.List(ctx, name, SpanFilter{SpanKinds: []string{"LLM"}, StatusCodes: []string{api.StatusCodeError}, StartTime: start, EndTime: start.Add(time.Minute)})
	if err != nil || len(llms) != 1 || llms[0].Attributes["llm.model_name"] != "gpt-4o" || len(llms[0].Events) != 1 || !llms[0].StartTime.Equal(start.Add(time.Second)) {
		t.Errorf("LLM error spans = %+v, %v", llms, err)
	}

	traces, _, err := c.Traces.List(ctx, name, TraceFilter{IncludeSpans: true, Sort: SortByLatency, Order: Ascending})
	if err != nil || len(traces) != 1 || traces[0].TraceID != traceID || len(traces[0].Spans) != 2 {
		t.Fatalf("traces = %+v, %v", traces, err)
	}

	sessions, _, err := c.Sessions.List(ctx, name, SessionFilter{})
	if err != nil || len(sessions) != 1 || len(sessions[0].Traces) != 1 {
		t.Fatalf("sessions = %+v, %v", sessions, err)
	}
	if s, err := c.Sessions.Get(ctx, sessions[0].SessionID); err != nil || s.ID != sessions[0].ID {
		t.Errorf("Get(%q) = %+v, %v", sessions[0].SessionID, s, err)
	}

	if _, err := c.Projects.Create(ctx, api.CreateProjectRequest{Name: archive}); err != nil {
		t.Fatal(err)
	}
	moved, err := c.Traces.Transfer(ctx, archive, []string{traceID})
	if err != nil || moved.TransferredTraceCount != 1 {
		t.Fatalf("Transfer = %+v, %v", moved, err)
	}
	if err := c.Spans.Delete(ctx, childID); err != nil {
		t.Errorf("delete span: %v", err)
	}
	if err := c.Traces.Delete(ctx, traceID); err != nil {
		t.Errorf("delete trace: %v", err)
	}
	if err := c.Traces.Delete(ctx, traceID); !IsNotFound(err) {
		t.Errorf("deleting a deleted trace = %v, want a 404", err)
	}
	if err := c.Sessions.DeleteMany(ctx, []string{"no such session"}); err != nil {
		t.Errorf("DeleteMany of an unknown session = %v, want it skipped", err)
	}
	if _, err := c.Sessions.Get(ctx, "no such session"); !IsNotFound(err) {
		t.Errorf("Get of an unknown session = %v, want a 404", err)
	}
}
