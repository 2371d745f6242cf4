package api

// Evaluation is a judgement sent the way Phoenix's older Python clients
// send evaluations (POST /v1/evaluations): of a span, a trace or one
// retrieved document of a span. Ember stores it as an annotation made by
// an LLM. Set exactly one of SpanID, TraceID and Document.
type Evaluation struct {
	Name     string
	SpanID   string
	TraceID  string
	Document *DocumentRef

	Score       *float64
	Label       *string
	Explanation *string
}

// DocumentRef names a retrieved document: its span and its 0-based
// position in the span's retrieval.documents.
type DocumentRef struct {
	SpanID   string
	Position int32
}
