package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/emberhq/ember/api"
)

// AnnotationService calls the annotation and note routes: judgements of
// spans, traces, sessions and retrieved documents by people, programs and
// LLM judges.
type AnnotationService struct {
	client *Client
}

// AnnotateOptions tune an annotation write.
type AnnotateOptions struct {
	// Sync stores the annotations before the call returns, which then
	// gives their GlobalIDs; a target that does not exist is then
	// IsNotFound. Without it (the default of Phoenix's clients) the
	// server checks and queues them, and stores each once its target
	// exists, for up to ten minutes; the call returns no ids.
	Sync bool
}

func (o AnnotateOptions) query() url.Values {
	return url.Values{"sync": {strconv.FormatBool(o.Sync)}}
}

// annotate posts annotations and returns the GlobalIDs the server gives.
func annotate[T any](ctx context.Context, c *Client, path string, data []T, opts AnnotateOptions) ([]string, error) {
	if data == nil {
		data = []T{}
	}
	var reply api.Envelope[[]api.InsertedAnnotation]
	if err := c.do(ctx, "POST", path, opts.query(), api.AnnotationsRequest[T]{Data: data}, &reply); err != nil {
		return nil, err
	}
	ids := make([]string, len(reply.Data))
	for i, d := range reply.Data {
		ids[i] = d.ID
	}
	return ids, nil
}

// AnnotateSpans writes annotations of spans and, with opts.Sync, returns
// their GlobalIDs in order. The name "note" is refused (IsBadRequest);
// an annotation that does not fit the annotation config of its name is
// IsUnprocessable.
func (s *AnnotationService) AnnotateSpans(ctx context.Context, annotations []api.SpanAnnotationData, opts AnnotateOptions) ([]string, error) {
	return annotate(ctx, s.client, "/v1/span_annotations", annotations, opts)
}

// AnnotateTraces writes annotations of traces; see AnnotateSpans.
func (s *AnnotationService) AnnotateTraces(ctx context.Context, annotations []api.TraceAnnotationData, opts AnnotateOptions) ([]string, error) {
	return annotate(ctx, s.client, "/v1/trace_annotations", annotations, opts)
}

// AnnotateSessions writes annotations of sessions; see AnnotateSpans.
func (s *AnnotationService) AnnotateSessions(ctx context.Context, annotations []api.SessionAnnotationData, opts AnnotateOptions) ([]string, error) {
	return annotate(ctx, s.client, "/v1/session_annotations", annotations, opts)
}

// AnnotateDocuments writes annotations of retrieved documents. With
// opts.Sync a position beyond the span's documents is IsUnprocessable.
func (s *AnnotationService) AnnotateDocuments(ctx context.Context, annotations []api.DocumentAnnotationData, opts AnnotateOptions) ([]string, error) {
	return annotate(ctx, s.client, "/v1/document_annotations", annotations, opts)
}

// addNote posts a note and returns its GlobalID.
func addNote[T any](ctx context.Context, c *Client, path string, note T) (string, error) {
	var reply api.Envelope[api.InsertedAnnotation]
	if err := c.do(ctx, "POST", path, nil, api.NoteRequest[T]{Data: note}, &reply); err != nil {
		return "", err
	}
	return reply.Data.ID, nil
}

// AddSpanNote leaves a note on a span and returns its GlobalID; an unknown
// span is IsNotFound.
func (s *AnnotationService) AddSpanNote(ctx context.Context, note api.SpanNoteData) (string, error) {
	return addNote(ctx, s.client, "/v1/span_notes", note)
}

// AddTraceNote leaves a note on a trace; see AddSpanNote.
func (s *AnnotationService) AddTraceNote(ctx context.Context, note api.TraceNoteData) (string, error) {
	return addNote(ctx, s.client, "/v1/trace_notes", note)
}

// AddSessionNote leaves a note on a session; see AddSpanNote.
func (s *AnnotationService) AddSessionNote(ctx context.Context, note api.SessionNoteData) (string, error) {
	return addNote(ctx, s.client, "/v1/session_notes", note)
}

// AnnotationFilter selects a project's annotations of one target type.
// IDs or Identifiers (or both) must be given.
type AnnotationFilter struct {
	// IDs are OpenTelemetry span or trace ids, or session ids: at most
	// 1,000.
	IDs []string
	// Identifiers keeps annotations with these identifiers.
	Identifiers []string
	// IncludeNames keeps only these names; ExcludeNames drops these
	// (Phoenix's Python client drops "note").
	IncludeNames, ExcludeNames []string
	// Limit is the page size; 0 leaves the server's default (10; at most
	// 10,000).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f AnnotationFilter) query(idsParam string) url.Values {
	q := url.Values{}
	setAll(q, idsParam, f.IDs)
	setAll(q, "identifier", f.Identifiers)
	setAll(q, "include_annotation_names", f.IncludeNames)
	setAll(q, "exclude_annotation_names", f.ExcludeNames)
	setPage(q, f.Limit, f.Cursor)
	return q
}

func listAnnotations[T any](ctx context.Context, c *Client, format, project, idsParam string, filter AnnotationFilter) ([]T, string, error) {
	path, err := endpoint(format, project)
	if err != nil {
		return nil, "", err
	}
	return listPage[T](ctx, c, path, filter.query(idsParam))
}

// ListSpanAnnotations returns one page of a project's span annotations,
// newest first, and the cursor of the next page ("" on the last). When
// only IDs are given and none is a span of the project, it is IsNotFound.
func (s *AnnotationService) ListSpanAnnotations(ctx context.Context, project string, filter AnnotationFilter) ([]api.SpanAnnotation, string, error) {
	return listAnnotations[api.SpanAnnotation](ctx, s.client, "/v1/projects/%s/span_annotations", project, "span_ids", filter)
}

// AllSpanAnnotations yields every span annotation filter selects.
func (s *AnnotationService) AllSpanAnnotations(ctx context.Context, project string, filter AnnotationFilter) iter.Seq2[api.SpanAnnotation, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.SpanAnnotation, string, error) {
		filter.Cursor = cursor
		return s.ListSpanAnnotations(ctx, project, filter)
	})
}

// ListTraceAnnotations returns one page of a project's trace annotations;
// see ListSpanAnnotations.
func (s *AnnotationService) ListTraceAnnotations(ctx context.Context, project string, filter AnnotationFilter) ([]api.TraceAnnotation, string, error) {
	return listAnnotations[api.TraceAnnotation](ctx, s.client, "/v1/projects/%s/trace_annotations", project, "trace_ids", filter)
}

// AllTraceAnnotations yields every trace annotation filter selects.
func (s *AnnotationService) AllTraceAnnotations(ctx context.Context, project string, filter AnnotationFilter) iter.Seq2[api.TraceAnnotation, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.TraceAnnotation, string, error) {
		filter.Cursor = cursor
		return s.ListTraceAnnotations(ctx, project, filter)
	})
}

// ListSessionAnnotations returns one page of a project's session
// annotations; see ListSpanAnnotations.
func (s *AnnotationService) ListSessionAnnotations(ctx context.Context, project string, filter AnnotationFilter) ([]api.SessionAnnotation, string, error) {
	return listAnnotations[api.SessionAnnotation](ctx, s.client, "/v1/projects/%s/session_annotations", project, "session_ids", filter)
}

// AllSessionAnnotations yields every session annotation filter selects.
func (s *AnnotationService) AllSessionAnnotations(ctx context.Context, project string, filter AnnotationFilter) iter.Seq2[api.SessionAnnotation, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.SessionAnnotation, string, error) {
		filter.Cursor = cursor
		return s.ListSessionAnnotations(ctx, project, filter)
	})
}

// AnnotationDeletion selects a project's annotations to delete; every
// field given narrows it. The server refuses (IsUnprocessable) a deletion
// without both Start and End unless All is set.
type AnnotationDeletion struct {
	Name, Identifier string
	// AnnotatorKind is api.AnnotatorLLM, api.AnnotatorCode or
	// api.AnnotatorHuman.
	AnnotatorKind string
	// Start (inclusive) and End (exclusive) bound the creation time.
	Start, End time.Time
	// All allows a deletion without a time window.
	All bool
}

func (d AnnotationDeletion) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"name": d.Name, "identifier": d.Identifier, "annotator_kind": d.AnnotatorKind} {
		if v != "" {
			q.Set(k, v)
		}
	}
	setTimeRange(q, d.Start, d.End)
	if d.All {
		q.Set("delete_all", "true")
	}
	return q
}

func (s *AnnotationService) deleteAnnotations(ctx context.Context, format, project string, d AnnotationDeletion) error {
	path, err := endpoint(format, project)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, d.query(), nil, nil)
}

// DeleteSpanAnnotations deletes a project's span annotations that d
// selects. Deleting nothing is not an error.
func (s *AnnotationService) DeleteSpanAnnotations(ctx context.Context, project string, d AnnotationDeletion) error {
	return s.deleteAnnotations(ctx, "/v1/projects/%s/span_annotations", project, d)
}

// DeleteTraceAnnotations deletes a project's trace annotations that d
// selects.
func (s *AnnotationService) DeleteTraceAnnotations(ctx context.Context, project string, d AnnotationDeletion) error {
	return s.deleteAnnotations(ctx, "/v1/projects/%s/trace_annotations", project, d)
}

// DeleteSessionAnnotations deletes a project's session annotations that d
// selects.
func (s *AnnotationService) DeleteSessionAnnotations(ctx context.Context, project string, d AnnotationDeletion) error {
	return s.deleteAnnotations(ctx, "/v1/projects/%s/session_annotations", project, d)
}
