package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// annotationRoute is what differs between the annotation routes of spans,
// traces, sessions and documents.
type annotationRoute struct {
	target ember.AnnotationTarget
	// globalIDType names the annotations' GlobalIDs.
	globalIDType string
	// idsParam is the listing's parameter of target ids; keyField the
	// target's field in bodies and replies.
	idsParam, keyField string
	// reservedMessage refuses the name "note", pointing at the target's
	// notes route ("" for documents, which have none).
	reservedMessage string
	// noteNotFound words a note's missing target.
	noteNotFound string
	// notePrefix begins the identifiers of notes that name none.
	notePrefix string
}

var (
	spanAnnotations = &annotationRoute{
		target: ember.AnnotationTargetSpan, globalIDType: "SpanAnnotation", idsParam: "span_ids", keyField: "span_id",
		reservedMessage: "The name 'note' is reserved for trace and span notes. Use POST /v1/span_notes instead.",
		noteNotFound:    "Span with ID %s not found", notePrefix: "px-span-note",
	}
	traceAnnotations = &annotationRoute{
		target: ember.AnnotationTargetTrace, globalIDType: "TraceAnnotation", idsParam: "trace_ids", keyField: "trace_id",
		reservedMessage: "The name 'note' is reserved for trace and span notes. Use POST /v1/trace_notes instead.",
		noteNotFound:    "Trace with ID %s not found", notePrefix: "px-trace-note",
	}
	sessionAnnotations = &annotationRoute{
		target: ember.AnnotationTargetSession, globalIDType: "ProjectSessionAnnotation", idsParam: "session_ids", keyField: "session_id",
		reservedMessage: "The name 'note' is reserved for session notes. Use POST /v1/session_notes instead.",
		noteNotFound:    "Session with session_id %s not found", notePrefix: "px-session-note",
	}
	documentAnnotations = &annotationRoute{
		target: ember.AnnotationTargetDocument, globalIDType: "DocumentAnnotation", keyField: "span_id",
	}
)

func (h *Handler) registerAnnotationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/span_annotations", h.handleAnnotate(spanAnnotations))
	mux.HandleFunc("POST /v1/trace_annotations", h.handleAnnotate(traceAnnotations))
	mux.HandleFunc("POST /v1/session_annotations", h.handleAnnotate(sessionAnnotations))
	mux.HandleFunc("POST /v1/document_annotations", h.handleAnnotate(documentAnnotations))
	mux.HandleFunc("POST /v1/span_notes", h.handleNote(spanAnnotations))
	mux.HandleFunc("POST /v1/trace_notes", h.handleNote(traceAnnotations))
	mux.HandleFunc("POST /v1/session_notes", h.handleNote(sessionAnnotations))
	mux.HandleFunc("GET /v1/projects/{project_identifier}/span_annotations", h.handleAnnotationList(spanAnnotations))
	mux.HandleFunc("GET /v1/projects/{project_identifier}/trace_annotations", h.handleAnnotationList(traceAnnotations))
	mux.HandleFunc("GET /v1/projects/{project_identifier}/session_annotations", h.handleAnnotationList(sessionAnnotations))
	mux.HandleFunc("DELETE /v1/projects/{project_identifier}/span_annotations", h.handleAnnotationDelete(spanAnnotations))
	mux.HandleFunc("DELETE /v1/projects/{project_identifier}/trace_annotations", h.handleAnnotationDelete(traceAnnotations))
	mux.HandleFunc("DELETE /v1/projects/{project_identifier}/session_annotations", h.handleAnnotationDelete(sessionAnnotations))
}

// insertedJSON names a stored annotation in a write's reply.
type insertedJSON struct {
	ID string `json:"id"`
}

// readJSON reads a request body whole, answering a missing or oversized
// one as decodeBody does.
func readJSON(w http.ResponseWriter, r *http.Request) (json.RawMessage, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		WriteText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", maxJSONBody))
		return nil, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		writeValidation(w, validationIssue{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil})
		return nil, false
	}
	if !json.Valid(body) {
		writeValidation(w, validationIssue{Type: "json_invalid", Loc: []any{"body", 0}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": "Expecting value"}})
		return nil, false
	}
	return body, true
}

// handleAnnotate stores posted annotations: in the request with sync=true,
// replying with their GlobalIDs (404 when a target is missing); else after
// the reply, through the queue, which waits for targets that have not
// arrived yet.
func (h *Handler) handleAnnotate(route *annotationRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sync, ok := queryBool(w, r, "sync", false)
		if !ok {
			return
		}
		body, ok := readJSON(w, r)
		if !ok {
			return
		}
		anns, issues := parseAnnotations(body, route.target)
		if len(issues) > 0 {
			writeValidation(w, issues...)
			return
		}
		if len(anns) == 0 {
			writeJSON(w, http.StatusOK, dataEnvelope{Data: []insertedJSON{}})
			return
		}
		if route.reservedMessage != "" && slices.ContainsFunc(anns, func(a *ember.Annotation) bool { return a.Name == ember.NoteAnnotationName }) {
			WriteText(w, http.StatusBadRequest, route.reservedMessage)
			return
		}
		if route.target == ember.AnnotationTargetDocument {
			for _, a := range anns {
				if strings.TrimSpace(a.Identifier) != "" {
					WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Non-empty identifier '%s' is not supported", a.Identifier))
					return
				}
			}
		}
		if err := h.checkAnnotationConfigs(r.Context(), anns); err != nil {
			h.Error(w, r, err)
			return
		}
		if !sync {
			if err := h.AnnotationQueue.Enqueue(anns); err != nil {
				h.Error(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, dataEnvelope{Data: []insertedJSON{}})
			return
		}
		if err := h.Annotations.UpsertAnnotations(r.Context(), anns); err != nil {
			h.Error(w, r, err)
			return
		}
		data := make([]insertedJSON, len(anns))
		for i, a := range anns {
			data[i] = insertedJSON{ID: ember.GlobalID(route.globalIDType, a.ID)}
		}
		writeJSON(w, http.StatusOK, dataEnvelope{Data: data})
	}
}

// configLookupChunk bounds the names of one config lookup.
const configLookupChunk = 500

// checkAnnotationConfigs checks each annotation against the config of its
// name, if there is one.
func (h *Handler) checkAnnotationConfigs(ctx context.Context, anns []*ember.Annotation) error {
	if h.AnnotationConfigs == nil {
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for _, a := range anns {
		if !seen[a.Name] {
			seen[a.Name] = true
			names = append(names, a.Name)
		}
	}
	configs := map[string]*ember.AnnotationConfig{}
	for start := 0; start < len(names); start += configLookupChunk {
		found, err := h.AnnotationConfigs.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{Names: names[start:min(start+configLookupChunk, len(names))]})
		if err != nil {
			return err
		}
		for _, c := range found {
			configs[c.Name] = c
		}
	}
	if len(configs) == 0 {
		return nil
	}
	for _, a := range anns {
		if c := configs[a.Name]; c != nil {
			if err := c.Check(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// handleNote stores a note: a free-text annotation named "note" by a
// person. Without an identifier each note is a new one; with one, a note of
// that identifier is replaced.
func (h *Handler) handleNote(route *annotationRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readJSON(w, r)
		if !ok {
			return
		}
		key, note, identifier, issues := parseNote(body, route.keyField)
		if len(issues) > 0 {
			writeValidation(w, issues...)
			return
		}
		if identifier == "" {
			identifier = route.notePrefix + ":" + newUUIDv7()
		}
		a := &ember.Annotation{
			Target: route.target, Name: ember.NoteAnnotationName, Explanation: &note,
			AnnotatorKind: ember.AnnotatorHuman, Identifier: identifier, Source: ember.AnnotationSourceAPI,
		}
		switch route.target {
		case ember.AnnotationTargetTrace:
			a.TraceID = key
		case ember.AnnotationTargetSession:
			a.SessionID = key
		default:
			a.SpanID = key
		}
		if err := h.Annotations.UpsertAnnotations(r.Context(), []*ember.Annotation{a}); ember.ErrorCode(err) == ember.ENOTFOUND {
			// The store cleaned the key as it stores text.
			h.Error(w, r, ember.Errorf(ember.ENOTFOUND, route.noteNotFound, a.TargetKey()))
			return
		} else if err != nil {
			h.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, dataEnvelope{Data: insertedJSON{ID: ember.GlobalID(route.globalIDType, a.ID)}})
	}
}

// newUUIDv7 returns a random, time-ordered UUID (RFC 9562 version 7).
func newUUIDv7() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	ms := uint64(time.Now().UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// annotationJSON is an annotation as the listings show it.
type annotationJSON struct {
	ID            string               `json:"id"`
	CreatedAt     string               `json:"created_at"`
	UpdatedAt     string               `json:"updated_at"`
	Source        string               `json:"source"`
	UserID        *string              `json:"user_id"`
	Name          string               `json:"name"`
	AnnotatorKind string               `json:"annotator_kind"`
	Result        annotationResultJSON `json:"result"`
	Metadata      json.RawMessage      `json:"metadata"`
	Identifier    string               `json:"identifier"`
	SpanID        *string              `json:"span_id,omitempty"`
	TraceID       *string              `json:"trace_id,omitempty"`
	SessionID     *string              `json:"session_id,omitempty"`
}

type annotationResultJSON struct {
	Label       *string  `json:"label"`
	Score       *float64 `json:"score"`
	Explanation *string  `json:"explanation"`
}

func toAnnotationJSON(route *annotationRoute, a *ember.Annotation) annotationJSON {
	out := annotationJSON{
		ID:            ember.GlobalID(route.globalIDType, a.ID),
		CreatedAt:     isoTime(a.CreatedAt),
		UpdatedAt:     isoTime(a.UpdatedAt),
		Source:        string(a.Source),
		Name:          a.Name,
		AnnotatorKind: string(a.AnnotatorKind),
		Result:        annotationResultJSON{Label: a.Label, Score: a.Score, Explanation: a.Explanation},
		Metadata:      a.Metadata,
		Identifier:    a.Identifier,
	}
	if len(out.Metadata) == 0 {
		out.Metadata = json.RawMessage("{}")
	}
	if a.UserID != 0 {
		user := ember.GlobalID("User", a.UserID)
		out.UserID = &user
	}
	switch route.target {
	case ember.AnnotationTargetTrace:
		out.TraceID = &a.TraceID
	case ember.AnnotationTargetSession:
		out.SessionID = &a.SessionID
	default:
		out.SpanID = &a.SpanID
	}
	return out
}

// maxAnnotationFilterValues caps the ids and the identifiers of a listing,
// as Phoenix does, and (Ember's own cap, which keeps a query within the
// engines' bounds on parameters) the names to include or exclude.
const maxAnnotationFilterValues = 1000

// dedup returns values without repeats, in first-seen order.
func dedup(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// handleAnnotationList lists a project's annotations of the targets named
// by id, by identifier, or both, newest first.
func (h *Handler) handleAnnotationList(route *annotationRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, ok := queryLimit(w, r, 10, 10000)
		if !ok {
			return
		}
		q := r.URL.Query()
		for i, v := range q["identifier"] {
			if v == "" {
				writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"query", "identifier", i}, Msg: "String should have at least 1 character", Input: "", Ctx: map[string]any{"min_length": 1}})
				return
			}
		}
		ids, identifiers := dedup(q[route.idsParam]), dedup(q["identifier"])
		include, exclude := dedup(q["include_annotation_names"]), dedup(q["exclude_annotation_names"])
		switch {
		case len(include) > maxAnnotationFilterValues:
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many include_annotation_names supplied: %d (max %d)", len(include), maxAnnotationFilterValues))
			return
		case len(exclude) > maxAnnotationFilterValues:
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many exclude_annotation_names supplied: %d (max %d)", len(exclude), maxAnnotationFilterValues))
			return
		case len(ids) > maxAnnotationFilterValues:
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many %s supplied: %d (max %d)", route.idsParam, len(ids), maxAnnotationFilterValues))
			return
		case len(identifiers) > maxAnnotationFilterValues:
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("Too many identifiers supplied: %d (max %d)", len(identifiers), maxAnnotationFilterValues))
			return
		case len(ids) == 0 && len(identifiers) == 0:
			WriteText(w, http.StatusUnprocessableEntity, fmt.Sprintf("At least one of %s or identifier must be supplied", route.idsParam))
			return
		}
		project, err := h.resolveProject(r, r.PathValue("project_identifier"))
		if err != nil {
			h.Error(w, r, err)
			return
		}
		var cursor int64
		if v := q.Get("cursor"); v != "" {
			if _, cursor, err = ember.ParseGlobalID(v); err != nil {
				WriteText(w, http.StatusUnprocessableEntity, "Invalid cursor value")
				return
			}
		}
		anns, err := h.Annotations.FindAnnotations(r.Context(), ember.AnnotationFilter{
			Target:       route.target,
			ProjectID:    project.ID,
			TargetIDs:    ids,
			Identifiers:  identifiers,
			IncludeNames: include,
			ExcludeNames: exclude,
			Cursor:       cursor,
			Limit:        limit + 1,
		})
		if err != nil {
			h.Error(w, r, err)
			return
		}
		anns, next := page(anns, limit, func(a *ember.Annotation) string { return ember.GlobalID(route.globalIDType, a.ID) })
		if len(anns) == 0 && len(ids) > 0 && len(identifiers) == 0 {
			exist, err := h.Annotations.AnnotationTargetsExist(r.Context(), route.target, project.ID, ids)
			if err != nil {
				h.Error(w, r, err)
				return
			}
			if !exist {
				WriteText(w, http.StatusNotFound, fmt.Sprintf("None of the supplied %s exist in this project", route.idsParam))
				return
			}
		}
		data := make([]annotationJSON, len(anns))
		for i, a := range anns {
			data[i] = toAnnotationJSON(route, a)
		}
		writeJSON(w, http.StatusOK, listEnvelope{Data: data, NextCursor: next})
	}
}

// handleAnnotationDelete deletes a project's annotations that match the
// filters. It insists on a bounded time window of creation or on
// delete_all=true, so that a forgotten parameter cannot wipe a project.
func (h *Handler) handleAnnotationDelete(route *annotationRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		d := ember.AnnotationDeletion{Target: route.target}
		for _, name := range []string{"name", "identifier"} {
			if q.Has(name) && q.Get(name) == "" {
				writeValidation(w, validationIssue{Type: "string_too_short", Loc: []any{"query", name}, Msg: "String should have at least 1 character", Input: "", Ctx: map[string]any{"min_length": 1}})
				return
			}
		}
		d.Name, d.Identifier = q.Get("name"), q.Get("identifier")
		if q.Has("annotator_kind") {
			kind := q.Get("annotator_kind")
			if !slices.Contains(annotatorKinds, kind) {
				expected := quotedChoice(annotatorKinds)
				writeValidation(w, validationIssue{Type: "literal_error", Loc: []any{"query", "annotator_kind"}, Msg: "Input should be " + expected, Input: kind, Ctx: map[string]any{"expected": expected}})
				return
			}
			d.AnnotatorKind = ember.AnnotatorKind(kind)
		}
		var ok bool
		if d.StartTime, d.EndTime, ok = queryTimeRange(w, r); !ok {
			return
		}
		all, ok := queryBool(w, r, "delete_all", false)
		if !ok {
			return
		}
		if !all && (d.StartTime == nil || d.EndTime == nil) {
			WriteText(w, http.StatusUnprocessableEntity, "Delete is unbounded. Set delete_all=true to acknowledge, or supply both start_time and end_time to bound the time range.")
			return
		}
		if d.StartTime != nil && d.EndTime != nil && !d.StartTime.Before(*d.EndTime) {
			WriteText(w, http.StatusUnprocessableEntity, "`start_time` must be strictly earlier than `end_time`.")
			return
		}
		project, err := h.resolveProject(r, r.PathValue("project_identifier"))
		if err != nil {
			h.Error(w, r, err)
			return
		}
		d.ProjectID = project.ID
		if _, err := h.Annotations.DeleteAnnotations(r.Context(), d); err != nil {
			h.Error(w, r, err)
			return
		}
		writeNoContent(w)
	}
}
