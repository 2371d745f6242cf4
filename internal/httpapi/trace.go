package httpapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/emberhq/ember"
)

// traceJSON is a trace as Phoenix's REST API lists it.
type traceJSON struct {
	ID                   string          `json:"id"`
	TraceID              string          `json:"trace_id"`
	ProjectID            string          `json:"project_id"`
	StartTime            string          `json:"start_time"`
	EndTime              string          `json:"end_time"`
	TokenCountPrompt     int64           `json:"token_count_prompt"`
	TokenCountCompletion int64           `json:"token_count_completion"`
	TokenCountTotal      int64           `json:"token_count_total"`
	Spans                []traceSpanJSON `json:"spans,omitempty"`
}

// traceSpanJSON is a span inside a listed trace.
type traceSpanJSON struct {
	ID         string  `json:"id"`
	SpanID     string  `json:"span_id"`
	ParentID   *string `json:"parent_id"`
	Name       string  `json:"name"`
	SpanKind   string  `json:"span_kind"`
	StatusCode string  `json:"status_code"`
	StartTime  string  `json:"start_time"`
	EndTime    string  `json:"end_time"`
}

func (h *Handler) registerTraceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/projects/{project_identifier}/traces", h.handleProjectTraces)
	mux.HandleFunc("DELETE /v1/traces/{trace_identifier}", h.handleTraceDelete)
	mux.HandleFunc("POST /v1/traces/transfer", h.handleTraceTransfer)
}

// handleProjectTraces lists a project's traces by start time or latency.
// As in Phoenix, the cursor bounds the row id, whatever the sort.
func (h *Handler) handleProjectTraces(w http.ResponseWriter, r *http.Request) {
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 100, 1000)
	if !ok {
		return
	}
	includeSpans, ok := queryBool(w, r, "include_spans", false)
	if !ok {
		return
	}
	q := r.URL.Query()
	filter := ember.TraceFilter{ProjectID: project.ID, Cursor: cursor, Limit: limit + 1}
	sort, ok := queryEnum(w, r, "sort", "start_time", "start_time", "latency_ms")
	if !ok {
		return
	}
	order, ok := queryEnum(w, r, "order", "desc", "asc", "desc")
	if !ok {
		return
	}
	filter.ByLatency, filter.Ascending = sort == "latency_ms", order == "asc"
	if filter.StartTime, filter.EndTime, ok = queryTimeRange(w, r); !ok {
		return
	}
	if ids, given := q["session_identifier"]; given {
		set := sessionSet(ids)
		filter.Sessions = &set
	}
	traces, err := h.Traces.FindTraces(r.Context(), filter)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	traces, next := page(traces, limit, func(t *ember.Trace) string { return ember.GlobalID("Trace", t.ID) })
	data := make([]traceJSON, len(traces))
	for i, t := range traces {
		data[i] = traceJSON{
			ID:                   ember.GlobalID("Trace", t.ID),
			TraceID:              t.TraceID,
			ProjectID:            ember.GlobalID("Project", t.ProjectID),
			StartTime:            isoTime(t.StartTime),
			EndTime:              isoTime(t.EndTime),
			TokenCountPrompt:     t.TokenCountPrompt,
			TokenCountCompletion: t.TokenCountCompletion,
			TokenCountTotal:      t.TokenCountPrompt + t.TokenCountCompletion,
		}
	}
	if includeSpans && len(traces) > 0 {
		if err := h.attachSpans(r, data); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

// attachSpans adds each trace's spans, in start order, with one query.
func (h *Handler) attachSpans(r *http.Request, traces []traceJSON) error {
	index := make(map[string]int, len(traces))
	ids := make([]string, len(traces))
	for i, t := range traces {
		index[t.TraceID], ids[i] = i, t.TraceID
		traces[i].Spans = []traceSpanJSON{}
	}
	spans, err := h.Spans.FindSpans(r.Context(), ember.SpanFilter{TraceIDs: ids})
	if err != nil {
		return err
	}
	slices.SortStableFunc(spans, func(a, b *ember.Span) int { return a.StartTime.Compare(b.StartTime) })
	for _, s := range spans {
		js := traceSpanJSON{
			ID:         ember.GlobalID("Span", s.ID),
			SpanID:     s.SpanID,
			Name:       s.Name,
			SpanKind:   string(s.Kind),
			StatusCode: string(s.StatusCode),
			StartTime:  isoTime(s.StartTime),
			EndTime:    isoTime(s.EndTime),
		}
		if s.ParentID != "" {
			js.ParentID = &s.ParentID
		}
		i := index[s.TraceID]
		traces[i].Spans = append(traces[i].Spans, js)
	}
	return nil
}

// handleTraceDelete deletes a trace and its spans, by GlobalID or OTel id.
func (h *Handler) handleTraceDelete(w http.ResponseWriter, r *http.Request) {
	identifier := r.PathValue("trace_identifier")
	var rowID int64
	if id, ok := rowIDOf(identifier, "Trace"); ok {
		rowID = id
	} else {
		t, err := h.Traces.FindTraceByTraceID(r.Context(), identifier)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		rowID = t.ID
	}
	if err := h.Traces.DeleteTrace(r.Context(), rowID); err != nil {
		if ember.ErrorCode(err) == ember.ENOTFOUND {
			err = ember.Errorf(ember.ENOTFOUND, "Trace with relay ID '%s' not found", identifier)
		}
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// maxTransferTraces bounds one transfer, which runs in one transaction.
const maxTransferTraces = 10000

// handleTraceTransfer moves traces, by GlobalID or OTel trace id, into
// another project.
func (h *Handler) handleTraceTransfer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		TraceIdentifiers *[]string `json:"trace_identifiers"`
		Destination      *string   `json:"destination_project_identifier"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	var issues []validationIssue
	if body.TraceIdentifiers == nil {
		issues = append(issues, validationIssue{Type: "missing", Loc: []any{"body", "trace_identifiers"}, Msg: "Field required", Input: map[string]any{}})
	} else if n := len(*body.TraceIdentifiers); n == 0 {
		issues = append(issues, validationIssue{Type: "too_short", Loc: []any{"body", "trace_identifiers"}, Msg: "List should have at least 1 item after validation, not 0", Input: []string{}, Ctx: map[string]any{"field_type": "List", "min_length": 1, "actual_length": 0}})
	} else if n > maxTransferTraces {
		issues = append(issues, validationIssue{Type: "too_long", Loc: []any{"body", "trace_identifiers"}, Msg: fmt.Sprintf("List should have at most %d items after validation, not %d", maxTransferTraces, n), Input: nil, Ctx: map[string]any{"field_type": "List", "max_length": maxTransferTraces, "actual_length": n}})
	}
	if body.Destination == nil {
		issues = append(issues, validationIssue{Type: "missing", Loc: []any{"body", "destination_project_identifier"}, Msg: "Field required", Input: map[string]any{}})
	}
	if len(issues) > 0 {
		writeValidation(w, issues...)
		return
	}
	project, err := h.resolveProject(r, *body.Destination)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	ids := make([]int64, 0, len(*body.TraceIdentifiers))
	for _, identifier := range *body.TraceIdentifiers {
		if id, ok := rowIDOf(identifier, "Trace"); ok {
			ids = append(ids, id)
			continue
		}
		t, err := h.Traces.FindTraceByTraceID(r.Context(), identifier)
		if ember.ErrorCode(err) == ember.ENOTFOUND {
			h.Error(w, r, ember.Errorf(ember.ENOTFOUND, "One or more traces not found"))
			return
		} else if err != nil {
			h.Error(w, r, err)
			return
		}
		ids = append(ids, t.ID)
	}
	moved, err := h.Traces.TransferTraces(r.Context(), ids, project.ID)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: map[string]any{
		"transferred_trace_count": moved,
		"destination_project_id":  ember.GlobalID("Project", project.ID),
	}})
}
