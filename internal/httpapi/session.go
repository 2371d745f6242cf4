package httpapi

import (
	"net/http"

	"github.com/emberhq/ember"
)

// sessionJSON is a session as Phoenix's REST API shows it.
type sessionJSON struct {
	ID                   string             `json:"id"`
	SessionID            string             `json:"session_id"`
	ProjectID            string             `json:"project_id"`
	StartTime            string             `json:"start_time"`
	EndTime              string             `json:"end_time"`
	Traces               []sessionTraceJSON `json:"traces"`
	TokenCountPrompt     int64              `json:"token_count_prompt"`
	TokenCountCompletion int64              `json:"token_count_completion"`
	TokenCountTotal      int64              `json:"token_count_total"`
}

type sessionTraceJSON struct {
	ID        string `json:"id"`
	TraceID   string `json:"trace_id"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

func (h *Handler) registerSessionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/sessions/{session_identifier}", h.handleSessionView)
	mux.HandleFunc("DELETE /v1/sessions/{session_identifier}", h.handleSessionDelete)
	mux.HandleFunc("POST /v1/sessions/delete", h.handleSessionBulkDelete)
	mux.HandleFunc("GET /v1/projects/{project_identifier}/sessions", h.handleProjectSessions)
}

// resolveSession finds a session by ProjectSession GlobalID or session_id.
func (h *Handler) resolveSession(r *http.Request, identifier string) (*ember.Session, error) {
	if id, ok := rowIDOf(identifier, "ProjectSession"); ok {
		s, err := h.Traces.FindSessionByID(r.Context(), id)
		if ember.ErrorCode(err) == ember.ENOTFOUND {
			return nil, ember.Errorf(ember.ENOTFOUND, "Session with ID %s not found", identifier)
		}
		return s, err
	}
	return h.Traces.FindSessionBySessionID(r.Context(), identifier)
}

// sessionsJSON renders sessions with their traces, in start order, and
// token totals, with one trace query.
func (h *Handler) sessionsJSON(r *http.Request, sessions []*ember.Session) ([]sessionJSON, error) {
	out := make([]sessionJSON, len(sessions))
	index := make(map[int64]int, len(sessions))
	set := &ember.SessionSet{}
	for i, s := range sessions {
		index[s.ID] = i
		set.RowIDs = append(set.RowIDs, s.ID)
		out[i] = sessionJSON{
			ID:        ember.GlobalID("ProjectSession", s.ID),
			SessionID: s.SessionID,
			ProjectID: ember.GlobalID("Project", s.ProjectID),
			StartTime: isoTime(s.StartTime),
			EndTime:   isoTime(s.EndTime),
			Traces:    []sessionTraceJSON{},
		}
	}
	if len(sessions) == 0 {
		return out, nil
	}
	traces, err := h.Traces.FindTraces(r.Context(), ember.TraceFilter{Sessions: set, Ascending: true})
	if err != nil {
		return nil, err
	}
	for _, t := range traces {
		s := &out[index[t.SessionRowID]]
		s.Traces = append(s.Traces, sessionTraceJSON{
			ID: ember.GlobalID("Trace", t.ID), TraceID: t.TraceID,
			StartTime: isoTime(t.StartTime), EndTime: isoTime(t.EndTime),
		})
		s.TokenCountPrompt += t.TokenCountPrompt
		s.TokenCountCompletion += t.TokenCountCompletion
		s.TokenCountTotal += t.TokenCountPrompt + t.TokenCountCompletion
	}
	return out, nil
}

func (h *Handler) handleSessionView(w http.ResponseWriter, r *http.Request) {
	s, err := h.resolveSession(r, r.PathValue("session_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	data, err := h.sessionsJSON(r, []*ember.Session{s})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{Data: data[0]})
}

// handleProjectSessions lists a project's sessions by row id, ascending
// unless order=desc.
func (h *Handler) handleProjectSessions(w http.ResponseWriter, r *http.Request) {
	project, err := h.resolveProject(r, r.PathValue("project_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	limit, cursor, ok := h.queryPage(w, r, 100, 0)
	if !ok {
		return
	}
	filter := ember.SessionFilter{ProjectID: project.ID, Ascending: true, Cursor: cursor, Limit: limit + 1}
	order, ok := queryEnum(w, r, "order", "asc", "asc", "desc")
	if !ok {
		return
	}
	filter.Ascending = order == "asc"
	sessions, err := h.Traces.FindSessions(r.Context(), filter)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	sessions, next := page(sessions, limit, func(s *ember.Session) string { return ember.GlobalID("ProjectSession", s.ID) })
	data, err := h.sessionsJSON(r, sessions)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
}

func (h *Handler) handleSessionDelete(w http.ResponseWriter, r *http.Request) {
	s, err := h.resolveSession(r, r.PathValue("session_identifier"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := h.Traces.DeleteSessions(r.Context(), ember.SessionSet{RowIDs: []int64{s.ID}}); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// handleSessionBulkDelete deletes sessions named all by GlobalID or all by
// session_id; unknown ones are skipped.
func (h *Handler) handleSessionBulkDelete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SessionIdentifiers []string `json:"session_identifiers"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if len(body.SessionIdentifiers) == 0 {
		WriteText(w, http.StatusUnprocessableEntity, "Session identifier list must not be empty.")
		return
	}
	set := sessionSet(body.SessionIdentifiers)
	if len(set.RowIDs) > 0 && len(set.SessionIDs) > 0 {
		WriteText(w, http.StatusUnprocessableEntity, "Session identifiers must be all GlobalIDs or all session_id strings, not a mix.")
		return
	}
	if err := h.Traces.DeleteSessions(r.Context(), set); err != nil {
		h.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// sessionSet sorts session identifiers into GlobalIDs and session ids.
func sessionSet(identifiers []string) ember.SessionSet {
	var set ember.SessionSet
	for _, id := range identifiers {
		if rowID, ok := rowIDOf(id, "ProjectSession"); ok {
			set.RowIDs = append(set.RowIDs, rowID)
		} else {
			set.SessionIDs = append(set.SessionIDs, id)
		}
	}
	return set
}
