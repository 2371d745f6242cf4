package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/ingest"
)

// postedSpan is a span in the body of POST /v1/projects/{p}/spans: the
// shape the span listing returns. Pointers tell a missing field from an
// empty one.
type postedSpan struct {
	ID      *string `json:"id"` // ignored: the server assigns ids
	Name    *string `json:"name"`
	Context *struct {
		TraceID *string `json:"trace_id"`
		SpanID  *string `json:"span_id"`
	} `json:"context"`
	SpanKind      *string         `json:"span_kind"`
	ParentID      *string         `json:"parent_id"`
	StartTime     *string         `json:"start_time"`
	EndTime       *string         `json:"end_time"`
	StatusCode    *string         `json:"status_code"`
	StatusMessage *string         `json:"status_message"`
	Attributes    json.RawMessage `json:"attributes"`
	Events        []postedEvent   `json:"events"`
}

type postedEvent struct {
	Name       *string         `json:"name"`
	Timestamp  *string         `json:"timestamp"`
	Attributes json.RawMessage `json:"attributes"`
}

// spanRef names a span in the 400 reply of a rejected post.
type spanRef struct {
	SpanID  string `json:"span_id"`
	TraceID string `json:"trace_id"`
	Error   string `json:"error,omitempty"`
}

// spanLookupChunk bounds the ids of one duplicate lookup, well under the
// engines' limits on query parameters.
const spanLookupChunk = 500

// handleSpanCreate stores spans posted as JSON. The request is all or
// nothing: when any span is invalid or already stored, none is written and
// the reply lists them. Spans repeated within the request are stored once.
// The reply comes once the spans are durable.
func (h *Handler) handleSpanCreate(w http.ResponseWriter, r *http.Request) {
	identifier := r.PathValue("project_identifier")
	projectName := identifier
	if _, ok := rowIDOf(identifier, "Project"); ok {
		project, err := h.resolveProject(r, identifier)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		projectName = project.Name
	}
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Data == nil {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body", "data"}, Msg: "Field required", Input: map[string]any{}})
		return
	}
	spans, issues := parsePostedSpans(body.Data)
	if len(issues) > 0 {
		writeValidation(w, issues...)
		return
	}
	duplicates, err := h.storedSpans(r, spans)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if len(duplicates) > 0 {
		reply, _ := json.Marshal(map[string]any{
			"error":            "Request contains invalid or duplicate spans",
			"total_received":   len(spans),
			"total_queued":     0,
			"total_duplicates": len(duplicates),
			"total_invalid":    0,
			"duplicate_spans":  duplicates,
			"invalid_spans":    []spanRef{},
		})
		WriteText(w, http.StatusBadRequest, string(reply))
		return
	}
	if len(spans) > 0 {
		if err := h.Ingester.Admit(); err != nil {
			h.Error(w, r, err)
			return
		}
		if err := h.Ingester.Write(r.Context(), h.Converter.ConvertREST(spans, projectName)); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"total_received": len(spans), "total_queued": len(spans)})
}

// storedSpans returns the posted spans whose span id is already stored.
func (h *Handler) storedSpans(r *http.Request, spans []ingest.RESTSpan) ([]spanRef, error) {
	stored := map[string]bool{}
	for start := 0; start < len(spans); start += spanLookupChunk {
		chunk := spans[start:min(start+spanLookupChunk, len(spans))]
		ids := make([]string, len(chunk))
		for i, s := range chunk {
			ids[i] = s.SpanID
		}
		found, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{SpanIDs: ids})
		if err != nil {
			return nil, err
		}
		for _, s := range found {
			stored[s.SpanID] = true
		}
	}
	var out []spanRef
	for _, s := range spans {
		if stored[s.SpanID] {
			out = append(out, spanRef{SpanID: s.SpanID, TraceID: s.TraceID})
		}
	}
	return out, nil
}

// parsePostedSpans validates posted spans as Phoenix's request model does,
// reporting every problem of every span.
func parsePostedSpans(data []json.RawMessage) ([]ingest.RESTSpan, []validationIssue) {
	var issues []validationIssue
	spans := make([]ingest.RESTSpan, 0, len(data))
	for i, raw := range data {
		loc := func(field ...any) []any { return append([]any{"body", "data", i}, field...) }
		input := rawInput(raw)
		var p postedSpan
		if err := json.Unmarshal(raw, &p); err != nil {
			issues = append(issues, validationIssue{Type: "model_type", Loc: loc(), Msg: "Input should be a valid dictionary or object to extract fields from", Input: input})
			continue
		}
		missing := func(name string, present bool) {
			if !present {
				issues = append(issues, validationIssue{Type: "missing", Loc: loc(name), Msg: "Field required", Input: input})
			}
		}
		missing("name", p.Name != nil)
		missing("context", p.Context != nil)
		if p.Context != nil {
			if p.Context.TraceID == nil {
				issues = append(issues, validationIssue{Type: "missing", Loc: loc("context", "trace_id"), Msg: "Field required", Input: input})
			}
			if p.Context.SpanID == nil {
				issues = append(issues, validationIssue{Type: "missing", Loc: loc("context", "span_id"), Msg: "Field required", Input: input})
			}
		}
		missing("span_kind", p.SpanKind != nil)
		missing("start_time", p.StartTime != nil)
		missing("end_time", p.EndTime != nil)
		missing("status_code", p.StatusCode != nil)
		s := ingest.RESTSpan{}
		var naive []string
		readTime := func(field string, v *string, dst *time.Time, loc []any) {
			if v == nil {
				return
			}
			t, aware, ok := parseAwareTime(*v)
			switch {
			case !ok:
				issues = append(issues, validationIssue{Type: "datetime_from_date_parsing", Loc: loc, Msg: "Input should be a valid datetime or date, invalid character in year", Input: *v})
			case !aware:
				naive = append(naive, field)
			default:
				*dst = t
			}
		}
		readTime("start_time", p.StartTime, &s.StartTime, loc("start_time"))
		readTime("end_time", p.EndTime, &s.EndTime, loc("end_time"))
		attrs, err := decodeObject(p.Attributes)
		if err != nil {
			issues = append(issues, validationIssue{Type: "dict_type", Loc: loc("attributes"), Msg: "Input should be a valid dictionary", Input: rawInput(p.Attributes)})
		}
		s.Attributes = attrs
		for j, e := range p.Events {
			eloc := func(field ...any) []any { return append(loc("events", j), field...) }
			if e.Name == nil {
				issues = append(issues, validationIssue{Type: "missing", Loc: eloc("name"), Msg: "Field required", Input: input})
			}
			if e.Timestamp == nil {
				issues = append(issues, validationIssue{Type: "missing", Loc: eloc("timestamp"), Msg: "Field required", Input: input})
				continue
			}
			ev := ingest.RESTEvent{}
			if e.Name != nil {
				ev.Name = *e.Name
			}
			t, aware, ok := parseAwareTime(*e.Timestamp)
			switch {
			case !ok:
				issues = append(issues, validationIssue{Type: "datetime_from_date_parsing", Loc: eloc("timestamp"), Msg: "Input should be a valid datetime or date, invalid character in year", Input: *e.Timestamp})
			case !aware:
				issues = append(issues, validationIssue{Type: "value_error", Loc: eloc(), Msg: "Value error, timestamp: timezone-naive timestamp is not allowed; all timestamps must be timezone-aware (e.g., use UTC).", Input: rawInput(mustJSON(e)), Ctx: map[string]any{"error": map[string]any{}}})
			}
			ev.Time = t
			if ev.Attributes, err = decodeObject(e.Attributes); err != nil {
				issues = append(issues, validationIssue{Type: "dict_type", Loc: eloc("attributes"), Msg: "Input should be a valid dictionary", Input: rawInput(e.Attributes)})
			}
			s.Events = append(s.Events, ev)
		}
		for _, field := range naive {
			issues = append(issues, validationIssue{Type: "value_error", Loc: loc(), Msg: fmt.Sprintf("Value error, %s: timezone-naive timestamp is not allowed; all timestamps must be timezone-aware (e.g., use UTC).", field), Input: input, Ctx: map[string]any{"error": map[string]any{}}})
		}
		if len(issues) > 0 {
			continue
		}
		s.Name = *p.Name
		s.TraceID, s.SpanID = *p.Context.TraceID, *p.Context.SpanID
		if p.ParentID != nil {
			s.ParentID = *p.ParentID
		}
		s.Kind, s.StatusCode = *p.SpanKind, *p.StatusCode
		if p.StatusMessage != nil {
			s.StatusMessage = *p.StatusMessage
		}
		spans = append(spans, s)
	}
	return spans, issues
}

// parseAwareTime reads an ISO 8601 time and tells whether it carries an
// offset.
func parseAwareTime(s string) (t time.Time, aware, ok bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, true
		}
	}
	if t, ok := parseISOTime(s); ok {
		return t, false, true
	}
	return time.Time{}, false, false
}

// decodeObject decodes a JSON object keeping numbers as written; absent or
// null is an empty object.
func decodeObject(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	return obj, nil
}

// rawInput is a request fragment as a 422 reply echoes it.
func rawInput(raw json.RawMessage) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return v
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
