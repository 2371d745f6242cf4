package otelreg

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/emberhq/ember/semconv"
)

// KeyValue converts a semconv attribute to an OpenTelemetry one. Values of
// the OTLP types (and int, float32 and their slices) map directly; a nil
// value gives an empty value, which Ember treats as absent; anything else
// is recorded as JSON text.
func KeyValue(a semconv.Attr) attribute.KeyValue {
	switch v := a.Value.(type) {
	case string:
		return attribute.String(a.Key, v)
	case bool:
		return attribute.Bool(a.Key, v)
	case int64:
		return attribute.Int64(a.Key, v)
	case int:
		return attribute.Int(a.Key, v)
	case float64:
		return attribute.Float64(a.Key, v)
	case float32:
		return attribute.Float64(a.Key, float64(v))
	case []string:
		return attribute.StringSlice(a.Key, v)
	case []bool:
		return attribute.BoolSlice(a.Key, v)
	case []int64:
		return attribute.Int64Slice(a.Key, v)
	case []int:
		return attribute.IntSlice(a.Key, v)
	case []float64:
		return attribute.Float64Slice(a.Key, v)
	case []float32:
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		return attribute.Float64Slice(a.Key, f)
	case nil:
		return attribute.KeyValue{Key: attribute.Key(a.Key)}
	}
	return attribute.String(a.Key, semconv.JSONText(a.Value))
}

// KeyValues converts semconv attributes to OpenTelemetry ones, leaving out
// those with a nil value, e.g. to pass them to trace.WithAttributes when a
// span starts (where samplers can see them).
func KeyValues(attrs []semconv.Attr) []attribute.KeyValue {
	kvs := make([]attribute.KeyValue, 0, len(attrs))
	for _, a := range attrs {
		if a.Value != nil {
			kvs = append(kvs, KeyValue(a))
		}
	}
	return kvs
}

// SetAttrs records semconv attributes on span, leaving out nil values:
//
//	otelreg.SetAttrs(span, semconv.SessionID(id), semconv.UserID(user))
//	otelreg.SetAttrs(span, semconv.InputMessages(msgs)...)
//
// Nothing is converted when the span is not recording (not sampled).
func SetAttrs(span trace.Span, attrs ...semconv.Attr) {
	if len(attrs) == 0 || !span.IsRecording() {
		return
	}
	span.SetAttributes(KeyValues(attrs)...)
}

// The Set helpers below build attributes only for recording spans, since
// an LLM span's messages can be large.

// SetLLM marks span as an LLM span and records the call's model, messages,
// parameters, tools and token counts (see semconv.LLM).
func SetLLM(span trace.Span, llm semconv.LLM) {
	if span.IsRecording() {
		SetAttrs(span, llm.Attrs()...)
	}
}

// SetRetriever marks span as a RETRIEVER span and records the query as its
// input and the documents found.
func SetRetriever(span trace.Span, query string, docs []semconv.Document) {
	if span.IsRecording() {
		SetAttrs(span, semconv.RetrieverAttrs(query, docs)...)
	}
}

// SetReranker marks span as a RERANKER span and records its query, model and
// documents.
func SetReranker(span trace.Span, r semconv.Reranker) {
	if span.IsRecording() {
		SetAttrs(span, r.Attrs()...)
	}
}

// SetTool marks span as a TOOL span executing the tool name, and records the
// arguments (as tool.parameters and input) and output; see
// semconv.ToolAttrs. A nil arguments or output is left out, so the output
// can be recorded later with SetOutput.
func SetTool(span trace.Span, name string, arguments, output any) {
	if span.IsRecording() {
		SetAttrs(span, semconv.ToolAttrs(name, arguments, output)...)
	}
}

// SetEmbedding marks span as an EMBEDDING span and records the model and
// the embeddings.
func SetEmbedding(span trace.Span, model string, embeddings []semconv.Embedding) {
	if span.IsRecording() {
		SetAttrs(span, semconv.EmbeddingAttrs(model, embeddings)...)
	}
}

// SetAgent marks span as an AGENT span run by the agent name.
func SetAgent(span trace.Span, name string) {
	SetAttrs(span, semconv.AgentAttrs(name)...)
}

// SetKind sets span's OpenInference kind, e.g. semconv.SpanKindChain for
// the root of a pipeline.
func SetKind(span trace.Span, kind semconv.SpanKind) {
	SetAttrs(span, kind.Attr())
}

// SetInput records the span's input, shown in the UI and used for session
// turns. mimeType is semconv.MIMEText or semconv.MIMEJSON; "" leaves it out
// (text). For a value that is not text, use semconv.EncodeValue:
//
//	v, mime := semconv.EncodeValue(request)
//	otelreg.SetInput(span, v, mime)
func SetInput(span trace.Span, value, mimeType string) {
	SetAttrs(span, semconv.Input(value, mimeType)...)
}

// SetOutput records the span's output; see SetInput.
func SetOutput(span trace.Span, value, mimeType string) {
	SetAttrs(span, semconv.Output(value, mimeType)...)
}
