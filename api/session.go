package api

// Session is a conversation: the traces that share a session id. ID and
// ProjectID are GlobalIDs; SessionID is the id the application recorded.
// Traces are ordered by start time, and the token counts sum them.
type Session struct {
	ID                   string         `json:"id"`
	SessionID            string         `json:"session_id"`
	ProjectID            string         `json:"project_id"`
	StartTime            Time           `json:"start_time"`
	EndTime              Time           `json:"end_time"`
	Traces               []SessionTrace `json:"traces"`
	TokenCountPrompt     int64          `json:"token_count_prompt"`
	TokenCountCompletion int64          `json:"token_count_completion"`
	TokenCountTotal      int64          `json:"token_count_total"`
}

// SessionTrace is the summary of a trace inside a Session. ID is the
// trace's GlobalID, TraceID its OpenTelemetry id.
type SessionTrace struct {
	ID        string `json:"id"`
	TraceID   string `json:"trace_id"`
	StartTime Time   `json:"start_time"`
	EndTime   Time   `json:"end_time"`
}

// DeleteSessionsRequest is the body of POST /v1/sessions/delete. The
// identifiers must be all GlobalIDs or all session ids, and at least one;
// unknown ones are skipped.
type DeleteSessionsRequest struct {
	SessionIdentifiers []string `json:"session_identifiers"`
}
