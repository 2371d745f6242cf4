package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// spanJSON is a span as Phoenix's REST API shows it.
type spanJSON struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Context       spanContext    `json:"context"`
	SpanKind      string         `json:"span_kind"`
	ParentID      *string        `json:"parent_id"`
	StartTime     string         `json:"start_time"`
	EndTime       string         `json:"end_time"`
	StatusCode    string         `json:"status_code"`
	StatusMessage string         `json:"status_message"`
	Attributes    map[string]any `json:"attributes"`
	Events        []eventJSON    `json:"events"`
}

type spanContext struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

type eventJSON struct {
	Name       string         `json:"name"`
	Timestamp  string         `json:"timestamp"`
	Attributes map[string]any `json:"attributes"`
}

// spanKindKey is the attribute that Phoenix moves out of a span's
// attributes into its span_kind.
const spanKindKey = "openinference.span.kind"

func toSpanJSON(s *ember.Span) (spanJSON, error) {
	attrs, err := flattenAttributes(s.Attributes)
	if err != nil {
		return spanJSON{}, fmt.Errorf("span %s attributes: %w", s.SpanID, err)
	}
	kind := "UNKNOWN"
	if k, ok := attrs[spanKindKey].(string); ok && k != "" {
		kind = k
	}
	delete(attrs, spanKindKey)
	out := spanJSON{
		ID:            ember.GlobalID("Span", s.ID),
		Name:          s.Name,
		Context:       spanContext{TraceID: s.TraceID, SpanID: s.SpanID},
		SpanKind:      kind,
		StartTime:     isoTime(s.StartTime),
		EndTime:       isoTime(s.EndTime),
		StatusCode:    string(s.StatusCode),
		StatusMessage: s.StatusMessage,
		Attributes:    attrs,
		Events:        []eventJSON{},
	}
	if s.ParentID != "" {
		out.ParentID = &s.ParentID
	}
	events, err := spanEvents(s)
	if err != nil {
		return spanJSON{}, err
	}
	for _, e := range events {
		ts := e.Timestamp
		if e.HasTime {
			ts = isoTime(e.Time)
		}
		out.Events = append(out.Events, eventJSON{Name: e.Name, Timestamp: ts, Attributes: e.Attributes})
	}
	return out, nil
}

// storedEvent is a span event as stored, its attributes flattened and its
// timestamp read when it parses.
type storedEvent struct {
	Name       string
	Timestamp  string
	Time       time.Time
	HasTime    bool
	Attributes map[string]any
}

// spanEvents reads a span's stored events for the listings.
func spanEvents(s *ember.Span) ([]storedEvent, error) {
	if len(s.Events) == 0 {
		return nil, nil
	}
	var raw []struct {
		Name       string          `json:"name"`
		Timestamp  string          `json:"timestamp"`
		Attributes json.RawMessage `json:"attributes"`
	}
	if err := json.Unmarshal(s.Events, &raw); err != nil {
		return nil, fmt.Errorf("span %s events: %w", s.SpanID, err)
	}
	out := make([]storedEvent, len(raw))
	for i, e := range raw {
		attrs, err := flattenAttributes(e.Attributes)
		if err != nil {
			return nil, fmt.Errorf("span %s event attributes: %w", s.SpanID, err)
		}
		out[i] = storedEvent{Name: e.Name, Timestamp: e.Timestamp, Attributes: attrs}
		out[i].Time, out[i].HasTime = parseISOTime(e.Timestamp)
	}
	return out, nil
}

func (h *Handler) registerSpanRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/projects/{project_identifier}/spans", h.handleProjectSpans)
	mux.HandleFunc("GET /v1/projects/{project_identifier}/spans/otlpv1", h.handleProjectSpansOTLP)
	mux.HandleFunc("POST /v1/projects/{project_identifier}/spans", h.handleSpanCreate)
	mux.HandleFunc("DELETE /v1/spans/{span_identifier}", h.handleSpanDelete)
	mux.HandleFunc("POST /v1/spans", h.handleQuerySpans)
	mux.HandleFunc("GET /v1/spans", h.handleQuerySpans)
}

// handleProjectSpans lists a project's spans, newest stored first, with
// Phoenix's filters.
func (h *Handler) handleProjectSpans(w http.ResponseWriter, r *http.Request) {
	listSpans(h, w, r, true, toSpanJSON)
}

// listSpans answers a span listing: the filters of the request, one page,
// and each span in the listing's shape.
func listSpans[T any](h *Handler, w http.ResponseWriter, r *http.Request, withKind bool, shape func(*ember.Span) (T, error)) {
	filter, limit, ok := h.spanFilter(w, r, withKind)
	if !ok {
		return
	}
	spans, err := h.Spans.FindSpans(r.Context(), filter)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	spans, next := page(spans, limit, func(s *ember.Span) string { return ember.GlobalID("Span", s.ID) })
	data := make([]T, 0, len(spans))
	for _, s := range spans {
		js, err := shape(s)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		data = append(data, js)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// spanFilter reads the project and the filters shared by the span listings;
// withKind admits span_kind, which the OTLP-shaped listing does not take.
// The filter fetches one span more than limit, to learn the next cursor.
// On a bad request it answers and returns false.
func (h *Handler) spanFilter(w http.ResponseWriter, r *http.Request, withKind bool) (ember.SpanFilter, int, bool) {
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return ember.SpanFilter{}, 0, false
	}
	limit, cursor, ok := h.queryPage(w, r, 100, 1000)
	if !ok {
		return ember.SpanFilter{}, 0, false
	}
	q := r.URL.Query()
	filter := ember.SpanFilter{
		ProjectID: &project.ID,
		TraceIDs:  q["trace_id"],
		SpanIDs:   q["span_id"],
		Names:     q["name"],
		Cursor:    cursor,
		Limit:     limit + 1,
	}
	for _, p := range q["parent_id"] {
		if p == "null" {
			filter.RootsOnly = true
		} else {
			filter.ParentIDs = append(filter.ParentIDs, p)
		}
	}
	var bad []string
	if withKind {
		for _, k := range q["span_kind"] {
			kind, ok := ember.ParseSpanKind(strings.ToUpper(k))
			if !ok {
				bad = append(bad, k)
			}
			filter.Kinds = append(filter.Kinds, kind)
		}
	}
	if len(bad) > 0 {
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid span_kind values: %s", pyList(bad)))
		return ember.SpanFilter{}, 0, false
	}
	for _, c := range q["status_code"] {
		switch code := ember.StatusCode(strings.ToUpper(c)); code {
		case ember.StatusOK, ember.StatusError, ember.StatusUnset:
			filter.StatusCodes = append(filter.StatusCodes, code)
		default:
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid status_code values: %s", pyList(bad)))
		return ember.SpanFilter{}, 0, false
	}
	for _, raw := range q["attribute"] {
		m, err := parseAttributeFilter(raw)
		if err != nil {
			h.Error(w, r, err)
			return ember.SpanFilter{}, 0, false
		}
		filter.Attributes = append(filter.Attributes, m)
	}
	if filter.StartTime, filter.EndTime, ok = queryTimeRange(w, r); !ok {
		return ember.SpanFilter{}, 0, false
	}
	return filter, limit, true
}

// pyList renders values as a Python list of strings, as Phoenix's messages
// show them.
func pyList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + strings.ReplaceAll(v, "'", `\'`) + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// parseAttributeFilter reads one attribute=key:value filter. The key is a
// dotted path; the value is read as JSON (a quoted string, a number or a
// boolean), and as a plain string when it is not JSON.
func parseAttributeFilter(raw string) (ember.AttributeMatch, error) {
	key, value, ok := strings.Cut(raw, ":")
	switch {
	case !ok:
		return ember.AttributeMatch{}, ember.Errorf(ember.EUNPROCESSABLE, "Invalid attribute '%s': expected format 'key:value'", raw)
	case strings.TrimSpace(key) == "":
		return ember.AttributeMatch{}, ember.Errorf(ember.EUNPROCESSABLE, "Invalid attribute: key must not be empty")
	case value == "":
		return ember.AttributeMatch{}, ember.Errorf(ember.EUNPROCESSABLE, "Invalid attribute: value must not be empty")
	}
	m := ember.AttributeMatch{Path: strings.Split(key, ".")}
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		m.Value = value
		return m, nil
	}
	switch x := v.(type) {
	case string, bool:
		m.Value = x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			m.Value = n
		} else if f, err := x.Float64(); err == nil {
			m.Value = f
		} else {
			m.Value = value
		}
	default:
		return ember.AttributeMatch{}, ember.Errorf(ember.EUNPROCESSABLE, "Invalid attribute value for '%s': must be a string, number or boolean", key)
	}
	return m, nil
}

// handleSpanDelete deletes one span by GlobalID or OTel span id. Its
// children stay; its counts leave its ancestors'; an emptied trace goes.
func (h *Handler) handleSpanDelete(w http.ResponseWriter, r *http.Request) {
	identifier := r.PathValue("span_identifier")
	spanID := identifier
	if id, ok := rowIDOf(identifier, "Span"); ok {
		spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{ID: id, Limit: 1})
		if err != nil {
			h.Error(w, r, err)
			return
		} else if len(spans) == 0 {
			h.Error(w, r, ember.Errorf(ember.ENOTFOUND, "Span with relay ID '%s' not found", identifier))
			return
		}
		spanID = spans[0].SpanID
	}
	if err := h.Spans.DeleteSpan(r.Context(), spanID); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
