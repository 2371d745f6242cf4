package api

// Trace is a trace as GET /v1/projects/{project_identifier}/traces lists
// it. ID and ProjectID are GlobalIDs; TraceID is the OpenTelemetry id. The
// token counts sum the trace's LLM spans. Spans is present only when the
// listing asked for include_spans, and then ordered by start time.
type Trace struct {
	ID                   string      `json:"id"`
	TraceID              string      `json:"trace_id"`
	ProjectID            string      `json:"project_id"`
	StartTime            Time        `json:"start_time"`
	EndTime              Time        `json:"end_time"`
	TokenCountPrompt     int64       `json:"token_count_prompt"`
	TokenCountCompletion int64       `json:"token_count_completion"`
	TokenCountTotal      int64       `json:"token_count_total"`
	Spans                []TraceSpan `json:"spans,omitempty"`
}

// TraceSpan is the summary of a span inside a listed Trace: no attributes
// or events, which would make trace pages very large. ID is the span's
// GlobalID; SpanID and ParentID are OpenTelemetry ids.
type TraceSpan struct {
	ID         string  `json:"id"`
	SpanID     string  `json:"span_id"`
	ParentID   *string `json:"parent_id"`
	Name       string  `json:"name"`
	SpanKind   string  `json:"span_kind"`
	StatusCode string  `json:"status_code"`
	StartTime  Time    `json:"start_time"`
	EndTime    Time    `json:"end_time"`
}

// TransferTracesRequest is the body of POST /v1/traces/transfer, which
// moves traces (GlobalIDs or OpenTelemetry ids, all from one project) to
// another project, named by GlobalID or name. The reply is an
// Envelope[TransferTracesResult].
type TransferTracesRequest struct {
	TraceIdentifiers             []string `json:"trace_identifiers"`
	DestinationProjectIdentifier string   `json:"destination_project_identifier"`
}

// TransferTracesResult reports a transfer; DestinationProjectID is a
// GlobalID.
type TransferTracesResult struct {
	TransferredTraceCount int    `json:"transferred_trace_count"`
	DestinationProjectID  string `json:"destination_project_id"`
}
