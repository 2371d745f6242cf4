package semconv

// SpanKind is the OpenInference kind of a span, the value of SpanKindKey.
// Ember matches it case-insensitively and treats anything else as UNKNOWN.
type SpanKind string

// The span kinds.
const (
	SpanKindLLM       SpanKind = "LLM"       // a call to a language model
	SpanKindChain     SpanKind = "CHAIN"     // glue code linking steps, often the root
	SpanKindTool      SpanKind = "TOOL"      // a tool or function the model asked for
	SpanKindRetriever SpanKind = "RETRIEVER" // a lookup returning documents
	SpanKindEmbedding SpanKind = "EMBEDDING" // a call to an embedding model
	SpanKindAgent     SpanKind = "AGENT"     // an agent's run, parent of its steps
	SpanKindReranker  SpanKind = "RERANKER"  // reordering of retrieved documents
	SpanKindGuardrail SpanKind = "GUARDRAIL" // a check that may block input or output
	SpanKindEvaluator SpanKind = "EVALUATOR" // an evaluation of another step
	SpanKindPrompt    SpanKind = "PROMPT"    // rendering of a prompt template
	SpanKindUnknown   SpanKind = "UNKNOWN"
)

// SpanKinds lists every span kind.
var SpanKinds = []SpanKind{
	SpanKindLLM, SpanKindChain, SpanKindTool, SpanKindRetriever, SpanKindEmbedding,
	SpanKindAgent, SpanKindReranker, SpanKindGuardrail, SpanKindEvaluator,
	SpanKindPrompt, SpanKindUnknown,
}

// Attr returns the openinference.span.kind attribute for k.
func (k SpanKind) Attr() Attr { return Attr{SpanKindKey, string(k)} }

// MIME types of input.value and output.value. Text is assumed when the
// MIME type is missing; JSON values are shown formatted.
const (
	MIMEText = "text/plain"
	MIMEJSON = "application/json"
)
