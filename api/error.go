package api

// ValidationErrorBody is the body of a 422 reply to a request the server
// could not read (a missing field, a limit out of range), in FastAPI's
// shape. Other failures, including most 422s, come as plain text.
type ValidationErrorBody struct {
	Detail []ValidationIssue `json:"detail"`
}

// ValidationIssue is one problem a ValidationErrorBody reports. Loc is the
// path to the offending input, such as ["query", "limit"] or
// ["body", "data", 0, "start_time"]: strings and numbers (float64 once
// decoded).
type ValidationIssue struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}
