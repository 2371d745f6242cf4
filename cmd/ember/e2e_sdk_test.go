package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

// TestGoSDK traces an LLM call with otelreg, over HTTP and over gRPC, into
// a running server, and reads it back with the client.
func TestGoSDK(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	ctx := context.Background()
	c, err := client.New(client.WithBaseURL(p.httpURL), client.WithEnviron(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		project  string
		endpoint string
		protocol otelreg.Protocol
	}{
		{"sdk-http", p.httpURL, otelreg.HTTPProtobuf},
		{"sdk-grpc", "http://" + p.grpcAddr, otelreg.GRPC},
	} {
		tp, err := otelreg.Register(ctx,
			otelreg.WithEndpoint(tc.endpoint), otelreg.WithProtocol(tc.protocol),
			otelreg.WithProjectName(tc.project), otelreg.WithLookupEnv(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		tracer := tp.Tracer("ember-e2e")
		runCtx, agent := tracer.Start(ctx, "answer")
		otelreg.SetAgent(agent, "support-agent")
		otelreg.SetAttrs(agent, semconv.SessionID("conversation-"+tc.project))
		otelreg.SetInput(agent, "Where is my order?", semconv.MIMEText)
		_, llm := tracer.Start(runCtx, "chat gpt-4o-mini")
		otelreg.SetLLM(llm, semconv.LLM{
			Model: "gpt-4o-mini", Provider: "openai",
			InputMessages:  []semconv.Message{{Role: "user", Content: "Where is my order?"}},
			OutputMessages: []semconv.Message{{Role: "assistant", Content: "It ships today."}},
			TokenCounts:    semconv.TokenCounts{Prompt: 12, Completion: 5},
		})
		llm.End()
		agent.End()
		if err := tp.Shutdown(ctx); err != nil {
			t.Fatalf("%s: shutdown: %v", tc.project, err)
		}

		spans, next, err := c.Spans.List(ctx, tc.project, client.SpanFilter{SpanKinds: []string{"LLM"}})
		if err != nil || next != "" || len(spans) != 1 {
			t.Fatalf("%s: LLM spans: %d %q %v", tc.project, len(spans), next, err)
		}
		s := spans[0]
		if s.Attributes["llm.model_name"] != "gpt-4o-mini" || s.Attributes["llm.output_messages.0.message.content"] != "It ships today." || s.ParentID == nil {
			t.Errorf("%s: LLM span %+v", tc.project, s)
		}
		tables, err := c.Spans.Query(ctx, tc.project, client.SpanQueryOptions{},
			client.NewSpanQuery().Where("span_kind == 'LLM' and llm.token_count.total > 10").Select("llm.model_name").SelectAs("tokens", "llm.token_count.total"),
			client.NewSpanQuery().Where("parent_id is None"))
		if err != nil || len(tables) != 2 {
			t.Fatalf("%s: span query: %+v %v", tc.project, tables, err)
		}
		if rows := tables[0].Rows; len(rows) != 1 || rows[0]["llm.model_name"] != "gpt-4o-mini" || fmt.Sprint(rows[0]["tokens"]) != "17" || tables[0].Index[0] != "context.span_id" {
			t.Errorf("%s: LLM table %+v", tc.project, tables[0])
		}
		if rows := tables[1].Rows; len(rows) != 1 || rows[0]["name"] != "answer" {
			t.Errorf("%s: roots table %+v", tc.project, tables[1])
		}
		if _, err := c.Spans.Query(ctx, tc.project, client.SpanQueryOptions{}, client.NewSpanQuery().Where("lantency_ms > 3")); !client.IsUnprocessable(err) || !strings.Contains(err.Error(), "latency_ms") {
			t.Errorf("%s: bad condition: %v", tc.project, err)
		}
		traces, _, err := c.Traces.List(ctx, tc.project, client.TraceFilter{IncludeSpans: true})
		if err != nil || len(traces) != 1 || traces[0].TokenCountTotal != 17 || len(traces[0].Spans) != 2 {
			t.Fatalf("%s: traces %+v %v", tc.project, traces, err)
		}
		session, err := c.Sessions.Get(ctx, "conversation-"+tc.project)
		if err != nil || len(session.Traces) != 1 {
			t.Fatalf("%s: session %+v %v", tc.project, session, err)
		}
		if err := c.Traces.Delete(ctx, traces[0].TraceID); err != nil {
			t.Fatal(err)
		}
		if err := c.Traces.Delete(ctx, traces[0].TraceID); !client.IsNotFound(err) {
			t.Errorf("%s: second delete: %v", tc.project, err)
		}
	}
	if _, err := c.Projects.Get(ctx, "no-such-project"); !client.IsNotFound(err) {
		t.Errorf("unknown project: %v", err)
	}
}

// TestGoSDKEvaluations sends evaluations with the client, one before its
// span arrives, and reads them back as LLM annotations.
func TestGoSDKEvaluations(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	ctx := context.Background()
	c, err := client.New(client.WithBaseURL(p.httpURL), client.WithEnviron(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	td := traces('e', 0, 1, 2)
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	spanID, traceID := span.SpanID().String(), span.TraceID().String()
	score, label, why := 0.25, "wrong", "it guessed"
	// Sent before the span exists: queued until it arrives.
	if err := c.Evaluations.Log(ctx, api.Evaluation{Name: "correctness", SpanID: spanID, Score: &score, Label: &label, Explanation: &why}); err != nil {
		t.Fatal(err)
	}
	mustExport(t, p, td)
	if err := c.Evaluations.Log(ctx,
		api.Evaluation{Name: "helpfulness", TraceID: traceID, Label: &label},
		api.Evaluation{Name: "relevance", Document: &api.DocumentRef{SpanID: spanID, Position: 0}, Score: &score},
	); err != nil {
		t.Fatal(err)
	}
	if err := c.Evaluations.Log(ctx, api.Evaluation{Name: "x"}); err == nil {
		t.Error("an evaluation without a subject was sent")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		spans, _, err := c.Annotations.ListSpanAnnotations(ctx, "e2e", client.AnnotationFilter{IDs: []string{spanID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(spans) == 1 {
			a := spans[0]
			if a.Name != "correctness" || a.AnnotatorKind != "LLM" || *a.Result.Score != 0.25 || *a.Result.Label != "wrong" || *a.Result.Explanation != "it guessed" {
				t.Errorf("span evaluation: %+v", a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queued evaluation was not stored: %+v", spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		tr, _, err := c.Annotations.ListTraceAnnotations(ctx, "e2e", client.AnnotationFilter{IDs: []string{traceID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) == 1 && tr[0].Name == "helpfulness" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace evaluation: %+v", tr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
