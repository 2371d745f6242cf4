package api

import "encoding/json"

// Status codes of a span, as status_code carries them.
const (
	StatusCodeOK    = "OK"
	StatusCodeError = "ERROR"
	StatusCodeUnset = "UNSET"
)

// Span is a span as GET /v1/projects/{project_identifier}/spans returns it
// and as POST to the same path accepts it.
//
// Attributes are flattened to dotted keys on output
// ("llm.input_messages.0.message.role"); lists of scalars stay lists and
// numbers stay numbers (float64 once decoded). On input they may be flat,
// nested or both. The OpenInference kind is not among them: it is SpanKind
// ("UNKNOWN" when the span has none).
//
// ID is the span's GlobalID, distinct from the OpenTelemetry span id in
// Context; the server assigns it and ignores it on input. ParentID is the
// parent's OpenTelemetry span id, null for a root span.
type Span struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Context       SpanContext    `json:"context"`
	SpanKind      string         `json:"span_kind"`
	ParentID      *string        `json:"parent_id"`
	StartTime     Time           `json:"start_time"`
	EndTime       Time           `json:"end_time"`
	StatusCode    string         `json:"status_code"`
	StatusMessage string         `json:"status_message"`
	Attributes    map[string]any `json:"attributes"`
	Events        []SpanEvent    `json:"events"`
}

// SpanContext holds a span's OpenTelemetry ids as lowercase hex: 32
// characters for the trace, 16 for the span.
type SpanContext struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

// SpanEvent is an event recorded on a span, such as an exception.
type SpanEvent struct {
	Name       string         `json:"name"`
	Timestamp  Time           `json:"timestamp"`
	Attributes map[string]any `json:"attributes"`
}

// MarshalJSON writes nil Attributes as {} and nil Events as [], as the
// server does: Phoenix's request model rejects null for both, so a span
// built in Go without them would otherwise be refused.
func (s Span) MarshalJSON() ([]byte, error) {
	type plain Span // drops this method, so Marshal does not recurse
	p := plain(s)
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	if p.Events == nil {
		p.Events = []SpanEvent{}
	}
	return json.Marshal(p)
}

// MarshalJSON writes nil Attributes as {}, for the reason given on
// Span.MarshalJSON.
func (e SpanEvent) MarshalJSON() ([]byte, error) {
	type plain SpanEvent
	p := plain(e)
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	return json.Marshal(p)
}

// CreateSpansRequest is the body of POST
// /v1/projects/{project_identifier}/spans. A project named by a name that
// does not exist yet is created.
type CreateSpansRequest struct {
	Data []Span `json:"data"`
}

// CreateSpansResponse is the 202 reply to a CreateSpansRequest.
type CreateSpansResponse struct {
	TotalReceived int `json:"total_received"`
	TotalQueued   int `json:"total_queued"`
}

// CreateSpansErrorBody is the 400 reply to a CreateSpansRequest that holds
// spans already stored or spans that cannot be converted; none of the
// request's spans is stored then. The server sends it, as Phoenix does,
// as a plain-text body that contains this JSON object.
type CreateSpansErrorBody struct {
	Error           string        `json:"error"`
	TotalReceived   int           `json:"total_received"`
	TotalQueued     int           `json:"total_queued"`
	TotalDuplicates int           `json:"total_duplicates"`
	TotalInvalid    int           `json:"total_invalid"`
	DuplicateSpans  []SpanRef     `json:"duplicate_spans"`
	InvalidSpans    []InvalidSpan `json:"invalid_spans"`
}

// SpanRef names a span by its OpenTelemetry ids.
type SpanRef struct {
	SpanID  string `json:"span_id"`
	TraceID string `json:"trace_id"`
}

// InvalidSpan names a span that could not be converted, and why.
type InvalidSpan struct {
	SpanID  string `json:"span_id"`
	TraceID string `json:"trace_id"`
	Error   string `json:"error"`
}
