package main

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// TestOTelSDKExporters sends traces with the Go OTel SDK's own OTLP
// exporters, over HTTP (protobuf, gzip) and gRPC (gzip), to a real ember
// serve, then reads the stored spans back and compares them field by field
// with what the SDK recorded.
func TestOTelSDKExporters(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		ctx := context.Background()
		exporters := map[string]func() (sdktrace.SpanExporter, error){
			"http": func() (sdktrace.SpanExporter, error) {
				return otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(p.httpURL+"/v1/traces"), otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
			},
			"grpc": func() (sdktrace.SpanExporter, error) {
				return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(p.grpcAddr), otlptracegrpc.WithInsecure(), otlptracegrpc.WithCompressor("gzip"))
			},
		}
		db := e.open(t, env)
		for name, newExporter := range exporters {
			t.Run(name, func(t *testing.T) {
				exp, err := newExporter()
				if err != nil {
					t.Fatal(err)
				}
				recorded := tracetest.NewInMemoryExporter()
				tp := sdktrace.NewTracerProvider(
					sdktrace.WithBatcher(exp),
					sdktrace.WithSyncer(recorded),
					sdktrace.WithResource(resource.NewSchemaless(attribute.String("openinference.project.name", "otel-"+name))),
				)
				traceID := emitAgentTrace(tp, name)
				if err := tp.ForceFlush(ctx); err != nil {
					t.Fatal(err)
				}
				// Shutdown empties the recorder: take its spans first.
				spans := recorded.GetSpans()
				if err := tp.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				compareStored(t, db, spans, traceID, "otel-"+name, "session-"+name)
			})
		}
	})
}

// emitAgentTrace records an agent that calls an LLM and a failing tool.
func emitAgentTrace(tp trace.TracerProvider, tag string) trace.TraceID {
	tracer := tp.Tracer("e2e")
	ctx, root := tracer.Start(context.Background(), "agent", trace.WithAttributes(
		attribute.String("openinference.span.kind", "AGENT"),
		attribute.String("input.value", "What is the weather in Paris?"),
		attribute.String("session.id", "session-"+tag),
		attribute.String("user.id", "user-"+tag),
		attribute.String("metadata", `{"tier":"gold","n":3}`),
		attribute.StringSlice("tag.tags", []string{"a", "b"}),
	))
	_, llm := tracer.Start(ctx, "ChatCompletion", trace.WithAttributes(
		attribute.String("openinference.span.kind", "LLM"),
		attribute.String("llm.model_name", "gpt-4o-mini"),
		attribute.String("llm.provider", "openai"),
		attribute.Int("llm.token_count.prompt", 120),
		attribute.Int("llm.token_count.completion", 30),
		attribute.Int("llm.token_count.total", 150),
		attribute.String("llm.input_messages.0.message.role", "user"),
		attribute.String("llm.input_messages.0.message.content", "What is the weather in Paris?"),
		attribute.String("llm.output_messages.0.message.role", "assistant"),
		attribute.Float64("llm.invocation_parameters.temperature", 0.2),
	))
	time.Sleep(time.Millisecond)
	llm.End()
	_, tool := tracer.Start(ctx, "get_weather", trace.WithAttributes(
		attribute.String("openinference.span.kind", "tool"),
		attribute.String("tool.name", "get_weather"),
		attribute.Bool("retry", true),
	))
	tool.RecordError(errors.New("weather service down"), trace.WithStackTrace(true))
	tool.SetStatus(codes.Error, "weather service down")
	tool.End()
	root.SetAttributes(attribute.String("output.value", "I could not find out."))
	root.End()
	return root.SpanContext().TraceID()
}

func compareStored(t *testing.T, db *store.DB, recorded tracetest.SpanStubs, traceID trace.TraceID, project, session string) {
	t.Helper()
	ctx := context.Background()
	id := traceID.String()
	stored, err := db.FindSpans(ctx, ember.SpanFilter{TraceIDs: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(recorded) {
		t.Fatalf("stored %d spans, recorded %d", len(stored), len(recorded))
	}
	proj, err := db.FindProjectByName(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*ember.Span{}
	for _, s := range stored {
		byID[s.SpanID] = s
	}
	for _, r := range recorded {
		s := byID[r.SpanContext.SpanID().String()]
		if s == nil {
			t.Fatalf("span %s (%s) not stored", r.SpanContext.SpanID(), r.Name)
		}
		wantParent := ""
		if r.Parent.IsValid() {
			wantParent = r.Parent.SpanID().String()
		}
		if s.TraceID != id || s.ParentID != wantParent || s.Name != r.Name || s.ProjectID != proj.ID {
			t.Errorf("%s: ids/name/project = %s %s %s %d", r.Name, s.TraceID, s.ParentID, s.Name, s.ProjectID)
		}
		if !s.StartTime.Equal(r.StartTime) || !s.EndTime.Equal(r.EndTime) {
			t.Errorf("%s: times %v..%v, want %v..%v", r.Name, s.StartTime, s.EndTime, r.StartTime, r.EndTime)
		}
		wantStatus := map[codes.Code]ember.StatusCode{codes.Unset: ember.StatusUnset, codes.Ok: ember.StatusOK, codes.Error: ember.StatusError}[r.Status.Code]
		if s.StatusCode != wantStatus || s.StatusMessage != r.Status.Description {
			t.Errorf("%s: status %s %q, want %s %q", r.Name, s.StatusCode, s.StatusMessage, wantStatus, r.Status.Description)
		}
		if s.SessionID != session {
			t.Errorf("%s: session %q, want %q", r.Name, s.SessionID, session)
		}
		var attrs map[string]any
		if err := json.Unmarshal(s.Attributes, &attrs); err != nil {
			t.Fatalf("%s: attributes: %v", r.Name, err)
		}
		for _, kv := range r.Attributes {
			got := lookup(attrs, string(kv.Key))
			if got == nil {
				t.Errorf("%s: attribute %s missing from %s", r.Name, kv.Key, s.Attributes)
			}
		}
		var events []map[string]any
		if err := json.Unmarshal(s.Events, &events); err != nil {
			t.Fatalf("%s: events: %v", r.Name, err)
		}
		if len(events) != len(r.Events) {
			t.Errorf("%s: %d events, want %d", r.Name, len(events), len(r.Events))
		}
	}
	root := byID[findByName(recorded, "agent")]
	llm := byID[findByName(recorded, "ChatCompletion")]
	tool := byID[findByName(recorded, "get_weather")]
	if root.Kind != ember.SpanKindAgent || llm.Kind != ember.SpanKindLLM || tool.Kind != ember.SpanKindTool {
		t.Errorf("kinds %s %s %s", root.Kind, llm.Kind, tool.Kind)
	}
	if !llm.HasTokenCounts || llm.LLMTokenCountPrompt != 120 || llm.LLMTokenCountCompletion != 30 {
		t.Errorf("llm token counts: %+v", llm)
	}
	if root.CumulativeErrorCount != 1 || root.CumulativeLLMTokenCountPrompt != 120 || root.CumulativeLLMTokenCountCompletion != 30 {
		t.Errorf("root cumulative counts: %d %d %d", root.CumulativeErrorCount, root.CumulativeLLMTokenCountPrompt, root.CumulativeLLMTokenCountCompletion)
	}
	var rootAttrs map[string]any
	json.Unmarshal(root.Attributes, &rootAttrs)
	if tier := lookup(rootAttrs, "metadata.tier"); tier != "gold" {
		t.Errorf("metadata was not parsed from its JSON string: %s", root.Attributes)
	}
	var toolEvents []map[string]any
	json.Unmarshal(tool.Events, &toolEvents)
	if len(toolEvents) != 1 || toolEvents[0]["name"] != "exception" || lookup(toolEvents[0], "attributes.exception.message") != "weather service down" {
		t.Errorf("exception event: %s", tool.Events)
	}
	cost, err := db.FindSpanCost(ctx, llm.ID)
	if err != nil {
		t.Fatalf("llm span cost: %v", err)
	}
	if cost.TotalCost <= 0 || cost.PromptTokens != 120 || cost.CompletionTokens != 30 {
		t.Errorf("cost: %+v", cost)
	}
	sess, err := db.FindSessionBySessionID(ctx, session)
	if err != nil {
		t.Fatal(err)
	}
	if sess.ProjectID != proj.ID {
		t.Errorf("session project %d, want %d", sess.ProjectID, proj.ID)
	}
}

func findByName(spans tracetest.SpanStubs, name string) string {
	for _, s := range spans {
		if s.Name == name {
			return s.SpanContext.SpanID().String()
		}
	}
	return ""
}

// lookup follows a dotted path through nested JSON objects and arrays.
func lookup(v any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
