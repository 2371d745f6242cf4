package otelreg_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

func TestKeyValue(t *testing.T) {
	type point struct{ X, Y int }
	for _, tt := range []struct {
		in   any
		want attribute.KeyValue
	}{
		{"s", attribute.String("k", "s")},
		{true, attribute.Bool("k", true)},
		{int64(7), attribute.Int64("k", 7)},
		{7, attribute.Int("k", 7)},
		{1.5, attribute.Float64("k", 1.5)},
		{float32(0.5), attribute.Float64("k", 0.5)},
		{[]string{"a"}, attribute.StringSlice("k", []string{"a"})},
		{[]bool{true}, attribute.BoolSlice("k", []bool{true})},
		{[]int64{1}, attribute.Int64Slice("k", []int64{1})},
		{[]int{1}, attribute.IntSlice("k", []int{1})},
		{[]float64{0.25}, attribute.Float64Slice("k", []float64{0.25})},
		{[]float32{0.25}, attribute.Float64Slice("k", []float64{0.25})},
		{point{1, 2}, attribute.String("k", `{"X":1,"Y":2}`)},
	} {
		got := otelreg.KeyValue(semconv.Attr{Key: "k", Value: tt.in})
		if got != tt.want {
			t.Errorf("%T %v: got %v, want %v", tt.in, tt.in, got, tt.want)
		}
	}
	if kv := otelreg.KeyValue(semconv.Attr{Key: "k"}); kv.Value.Type() != attribute.EMPTY {
		t.Errorf("nil value gives %v, want an empty value", kv)
	}
	kvs := otelreg.KeyValues([]semconv.Attr{{Key: "a"}, {Key: "b", Value: "x"}})
	if want := []attribute.KeyValue{attribute.String("b", "x")}; !reflect.DeepEqual(kvs, want) {
		t.Errorf("KeyValues kept a nil value: %v", kvs)
	}
}

// record runs set on a recorded span and returns the span's attributes.
func record(t *testing.T, set func(trace.Span)) map[attribute.Key]attribute.Value {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	_, span := tp.Tracer("test").Start(context.Background(), "span")
	set(span)
	span.End()
	ended := sr.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended", len(ended))
	}
	attrs := make(map[attribute.Key]attribute.Value)
	for _, kv := range ended[0].Attributes() {
		attrs[kv.Key] = kv.Value
	}
	return attrs
}

func checkSpan(t *testing.T, got map[attribute.Key]attribute.Value, want ...attribute.KeyValue) {
	t.Helper()
	w := make(map[attribute.Key]attribute.Value, len(want))
	for _, kv := range want {
		w[kv.Key] = kv.Value
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("attributes differ\n got: %v\nwant: %v", got, w)
	}
}

func TestSetLLM(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetLLM(s, semconv.LLM{
			Model:    "claude-sonnet-4",
			Provider: "anthropic",
			System:   "anthropic",
			InputMessages: []semconv.Message{
				{Role: "user", Content: "Weather in Paris?"},
			},
			OutputMessages: []semconv.Message{{Role: "assistant", ToolCalls: []semconv.ToolCall{
				{ID: "toolu_1", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			}}},
			InvocationParameters: map[string]any{"max_tokens": 1024},
			TokenCounts:          semconv.TokenCounts{Prompt: 300, Completion: 20, PromptCacheRead: 200},
			Tools:                []semconv.Tool{{Name: "get_weather", Parameters: `{"type":"object"}`}},
		})
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "LLM"),
		attribute.String("llm.model_name", "claude-sonnet-4"),
		attribute.String("llm.provider", "anthropic"),
		attribute.String("llm.system", "anthropic"),
		attribute.String("llm.invocation_parameters", `{"max_tokens":1024}`),
		attribute.String("llm.input_messages.0.message.role", "user"),
		attribute.String("llm.input_messages.0.message.content", "Weather in Paris?"),
		attribute.String("llm.output_messages.0.message.role", "assistant"),
		attribute.String("llm.output_messages.0.message.tool_calls.0.tool_call.id", "toolu_1"),
		attribute.String("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "get_weather"),
		attribute.String("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", `{"city":"Paris"}`),
		attribute.String("llm.tools.0.tool.json_schema", `{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}`),
		attribute.Int64("llm.token_count.prompt", 300),
		attribute.Int64("llm.token_count.completion", 20),
		attribute.Int64("llm.token_count.total", 320),
		attribute.Int64("llm.token_count.prompt_details.cache_read", 200),
	)
}

func TestSetRetriever(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetRetriever(s, "capital of France", []semconv.Document{
			{ID: "d1", Content: "Paris", Score: new(0.9), Metadata: map[string]any{"lang": "en"}},
		})
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "RETRIEVER"),
		attribute.String("input.value", "capital of France"),
		attribute.String("input.mime_type", "text/plain"),
		attribute.String("retrieval.documents.0.document.id", "d1"),
		attribute.String("retrieval.documents.0.document.content", "Paris"),
		attribute.Float64("retrieval.documents.0.document.score", 0.9),
		attribute.String("retrieval.documents.0.document.metadata", `{"lang":"en"}`),
	)
}

func TestSetReranker(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetReranker(s, semconv.Reranker{Query: "q", TopK: 1, OutputDocuments: []semconv.Document{{ID: "d2"}}})
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "RERANKER"),
		attribute.String("reranker.query", "q"),
		attribute.Int64("reranker.top_k", 1),
		attribute.String("reranker.output_documents.0.document.id", "d2"),
	)
}

func TestSetTool(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetTool(s, "get_weather", map[string]any{"city": "Paris"}, map[string]any{"temp_c": 18})
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "TOOL"),
		attribute.String("tool.name", "get_weather"),
		attribute.String("tool.parameters", `{"city":"Paris"}`),
		attribute.String("input.value", `{"city":"Paris"}`),
		attribute.String("input.mime_type", "application/json"),
		attribute.String("output.value", `{"temp_c":18}`),
		attribute.String("output.mime_type", "application/json"),
	)
}

func TestSetEmbedding(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetEmbedding(s, "text-embedding-3-small", []semconv.Embedding{{Text: "hi", Vector: []float64{0.5, -1}}})
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "EMBEDDING"),
		attribute.String("embedding.model_name", "text-embedding-3-small"),
		attribute.String("embedding.embeddings.0.embedding.text", "hi"),
		attribute.Float64Slice("embedding.embeddings.0.embedding.vector", []float64{0.5, -1}),
	)
}

func TestSetAgentKindInputOutput(t *testing.T) {
	got := record(t, func(s trace.Span) {
		otelreg.SetAgent(s, "planner")
		otelreg.SetInput(s, "plan a trip", semconv.MIMEText)
		otelreg.SetOutput(s, `{"days":3}`, semconv.MIMEJSON)
		otelreg.SetAttrs(s, semconv.SessionID("sess-1"), semconv.UserID("ada"), semconv.Tags("beta"))
		otelreg.SetAttrs(s, semconv.GraphNode("planner", "Planner", "")...)
		otelreg.SetAttrs(s) // nothing
	})
	checkSpan(t, got,
		attribute.String("openinference.span.kind", "AGENT"),
		attribute.String("agent.name", "planner"),
		attribute.String("input.value", "plan a trip"),
		attribute.String("input.mime_type", "text/plain"),
		attribute.String("output.value", `{"days":3}`),
		attribute.String("output.mime_type", "application/json"),
		attribute.String("session.id", "sess-1"),
		attribute.String("user.id", "ada"),
		attribute.StringSlice("tag.tags", []string{"beta"}),
		attribute.String("graph.node.id", "planner"),
		attribute.String("graph.node.name", "Planner"),
	)
	got = record(t, func(s trace.Span) { otelreg.SetKind(s, semconv.SpanKindChain) })
	checkSpan(t, got, attribute.String("openinference.span.kind", "CHAIN"))
}

func TestSetOnNonRecordingSpan(t *testing.T) {
	span := trace.SpanFromContext(context.Background()) // a no-op span
	otelreg.SetLLM(span, semconv.LLM{Model: "m"})
	otelreg.SetRetriever(span, "q", nil)
	otelreg.SetReranker(span, semconv.Reranker{})
	otelreg.SetTool(span, "t", nil, nil)
	otelreg.SetEmbedding(span, "e", nil)
	otelreg.SetAgent(span, "a")
	otelreg.SetKind(span, semconv.SpanKindChain)
	otelreg.SetInput(span, "in", "")
	otelreg.SetOutput(span, "out", "")
}

func TestRegisterSetGlobal(t *testing.T) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
	noEnv := otelreg.WithLookupEnv(func(string) (string, bool) { return "", false })
	ctx := context.Background()

	tp, err := otelreg.Register(ctx, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	if otel.GetTracerProvider() == trace.TracerProvider(tp) {
		t.Error("installed globally without WithSetGlobal")
	}

	tp2, err := otelreg.Register(ctx, noEnv, otelreg.WithSetGlobal(true))
	if err != nil {
		t.Fatal(err)
	}
	defer tp2.Shutdown(ctx)
	if otel.GetTracerProvider() != trace.TracerProvider(tp2) {
		t.Error("WithSetGlobal(true) did not install the provider")
	}
	// A composite propagator lists its fields in map order: compare sets.
	fields := otel.GetTextMapPropagator().Fields()
	want := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}).Fields()
	slices.Sort(fields)
	slices.Sort(want)
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("propagator fields %v, want %v", fields, want)
	}
}
