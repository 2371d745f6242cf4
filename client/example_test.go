package client

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/emberhq/ember/api"
)

// New reads PHOENIX_HOST (or PHOENIX_COLLECTOR_ENDPOINT), PHOENIX_API_KEY and
// PHOENIX_CLIENT_HEADERS, so a program usually needs no options at all.
func ExampleNew() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("talking to", c.BaseURL())
}

// Options win over the environment: here a fixed server, key and timeout.
func ExampleNew_options() {
	c, err := New(
		WithBaseURL("https://phoenix.example.com"),
		WithAPIKey("px-key"),
		WithHeaders(http.Header{"X-Team": {"search"}}),
		WithHTTPClient(&http.Client{Timeout: 30 * time.Second}),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// All fetches pages as the loop needs them; breaking out stops fetching.
func ExampleSpanService_All() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	filter := SpanFilter{
		RootsOnly:  true,
		SpanKinds:  []string{"AGENT"},
		Attributes: map[string]any{"user.id": "12345", "metadata.tier": "pro"},
		StartTime:  time.Now().Add(-24 * time.Hour),
	}
	for span, err := range c.Spans.All(ctx, "default", filter) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(span.Context.TraceID, span.Name, span.Attributes["input.value"])
	}
}

// List returns one page and the cursor of the next, for callers that page
// on their own terms, such as a web UI.
func ExampleTraceService_List() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	traces, next, err := c.Traces.List(ctx, "default", TraceFilter{Sort: SortByLatency, Limit: 10, IncludeSpans: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range traces {
		fmt.Println(t.TraceID, t.EndTime.Sub(t.StartTime.Time), len(t.Spans), "spans")
	}
	if next != "" {
		fmt.Println("more after", next)
	}
}

// A rejected batch says which spans were already stored or invalid.
func ExampleSpanService_Create() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	spans := []api.Span{{
		Name:       "llm call",
		Context:    api.SpanContext{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331"},
		SpanKind:   "LLM",
		StartTime:  api.Time{Time: start},
		EndTime:    api.Time{Time: time.Now()},
		StatusCode: api.StatusCodeOK,
		Attributes: map[string]any{"llm.model_name": "gpt-4o", "input.value": "Hello"},
	}}
	res, err := c.Spans.Create(context.Background(), "my-app", spans)
	var e *Error
	if errors.As(err, &e) && e.RejectedSpans != nil {
		for _, d := range e.RejectedSpans.DuplicateSpans {
			fmt.Println("already stored:", d.SpanID)
		}
		return
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.TotalQueued, "spans queued")
}

// Status helpers see through wrapping, so "get or create" reads plainly.
func ExampleIsNotFound() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.Projects.Get(ctx, "my-app")
	if IsNotFound(err) {
		p, err = c.Projects.Create(ctx, api.CreateProjectRequest{Name: "my-app"})
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID)
}

// Deleting a conversation removes its traces and spans too.
func ExampleSessionService_DeleteMany() {
	c, err := New()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var stale []string
	for s, err := range c.Sessions.All(ctx, "default", SessionFilter{}) {
		if err != nil {
			log.Fatal(err)
		}
		if time.Since(s.EndTime.Time) > 30*24*time.Hour {
			stale = append(stale, s.SessionID)
		}
	}
	if len(stale) > 0 {
		if err := c.Sessions.DeleteMany(ctx, stale); err != nil {
			log.Fatal(err)
		}
	}
}
