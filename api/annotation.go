package api

import "encoding/json"

// The annotator kinds: an LLM judge, a program, or a person.
const (
	AnnotatorLLM   = "LLM"
	AnnotatorCode  = "CODE"
	AnnotatorHuman = "HUMAN"
)

// AnnotationResult is an annotation's judgement; any part may be nil. A
// score of 0 is a score.
type AnnotationResult struct {
	Label       *string  `json:"label"`
	Score       *float64 `json:"score"`
	Explanation *string  `json:"explanation"`
}

// SpanAnnotationData is one annotation of a span, as POST
// /v1/span_annotations takes it. An annotation replaces the one of the
// same span, name and identifier. The name "note" is reserved for notes.
// Metadata nil is stored as {}.
type SpanAnnotationData struct {
	SpanID        string            `json:"span_id"`
	Name          string            `json:"name"`
	AnnotatorKind string            `json:"annotator_kind"`
	Result        *AnnotationResult `json:"result"`
	Metadata      map[string]any    `json:"metadata"`
	Identifier    string            `json:"identifier"`
}

// TraceAnnotationData is one annotation of a trace, as POST
// /v1/trace_annotations takes it.
type TraceAnnotationData struct {
	TraceID       string            `json:"trace_id"`
	Name          string            `json:"name"`
	AnnotatorKind string            `json:"annotator_kind"`
	Result        *AnnotationResult `json:"result"`
	Metadata      map[string]any    `json:"metadata"`
	Identifier    string            `json:"identifier"`
}

// SessionAnnotationData is one annotation of a session, named by its
// session id, as POST /v1/session_annotations takes it.
type SessionAnnotationData struct {
	SessionID     string            `json:"session_id"`
	Name          string            `json:"name"`
	AnnotatorKind string            `json:"annotator_kind"`
	Result        *AnnotationResult `json:"result"`
	Metadata      map[string]any    `json:"metadata"`
	Identifier    string            `json:"identifier"`
}

// DocumentAnnotationData is one annotation of a document a retriever span
// returned, at DocumentPosition (from 0) among the span's documents, as
// POST /v1/document_annotations takes it. Identifiers are not supported:
// the server refuses a non-empty one.
type DocumentAnnotationData struct {
	SpanID           string            `json:"span_id"`
	DocumentPosition int               `json:"document_position"`
	Name             string            `json:"name"`
	AnnotatorKind    string            `json:"annotator_kind"`
	Result           *AnnotationResult `json:"result"`
	Metadata         map[string]any    `json:"metadata"`
	Identifier       string            `json:"identifier"`
}

// AnnotationsRequest is the body of the annotation writes: {"data": [...]}
// of SpanAnnotationData, TraceAnnotationData, SessionAnnotationData or
// DocumentAnnotationData.
type AnnotationsRequest[T any] struct {
	Data []T `json:"data"`
}

// InsertedAnnotation names an annotation written: its GlobalID, of type
// SpanAnnotation, TraceAnnotation, ProjectSessionAnnotation or
// DocumentAnnotation.
type InsertedAnnotation struct {
	ID string `json:"id"`
}

// Annotation is the part of a listed annotation common to every target.
// UserID is the GlobalID of its author, nil without authentication;
// Source is "API" or "APP".
type Annotation struct {
	ID            string           `json:"id"`
	CreatedAt     Time             `json:"created_at"`
	UpdatedAt     Time             `json:"updated_at"`
	Source        string           `json:"source"`
	UserID        *string          `json:"user_id"`
	Name          string           `json:"name"`
	AnnotatorKind string           `json:"annotator_kind"`
	Result        AnnotationResult `json:"result"`
	Metadata      map[string]any   `json:"metadata"`
	Identifier    string           `json:"identifier"`
}

// SpanAnnotation is an annotation as GET
// /v1/projects/{project_identifier}/span_annotations lists it.
type SpanAnnotation struct {
	Annotation
	SpanID string `json:"span_id"`
}

// TraceAnnotation is an annotation as GET
// /v1/projects/{project_identifier}/trace_annotations lists it.
type TraceAnnotation struct {
	Annotation
	TraceID string `json:"trace_id"`
}

// SessionAnnotation is an annotation as GET
// /v1/projects/{project_identifier}/session_annotations lists it.
type SessionAnnotation struct {
	Annotation
	SessionID string `json:"session_id"`
}

// SpanNoteData is the note of POST /v1/span_notes. Without an Identifier
// each note is a new one; with one, the note of that identifier on the
// span is replaced.
type SpanNoteData struct {
	SpanID     string `json:"span_id"`
	Note       string `json:"note"`
	Identifier string `json:"identifier,omitempty"`
}

// TraceNoteData is the note of POST /v1/trace_notes.
type TraceNoteData struct {
	TraceID    string `json:"trace_id"`
	Note       string `json:"note"`
	Identifier string `json:"identifier,omitempty"`
}

// SessionNoteData is the note of POST /v1/session_notes.
type SessionNoteData struct {
	SessionID  string `json:"session_id"`
	Note       string `json:"note"`
	Identifier string `json:"identifier,omitempty"`
}

// NoteRequest is the body of the note routes: {"data": note}.
type NoteRequest[T any] struct {
	Data T `json:"data"`
}

// The annotation config types.
const (
	AnnotationConfigCategorical = "CATEGORICAL"
	AnnotationConfigContinuous  = "CONTINUOUS"
	AnnotationConfigFreeform    = "FREEFORM"
)

// The optimization directions of an annotation config.
const (
	OptimizeMinimize = "MINIMIZE"
	OptimizeMaximize = "MAXIMIZE"
	OptimizeNone     = "NONE"
)

// AnnotationConfig is a rubric for the annotations of its name. Type says
// which fields apply: a CATEGORICAL config has Values (and a direction), a
// CONTINUOUS one bounds (and a direction), a FREEFORM one an optional
// direction, Threshold and bounds. ID is its GlobalID, set by the server
// and ignored on input.
type AnnotationConfig struct {
	ID                    string                       `json:"id,omitempty"`
	Name                  string                       `json:"name"`
	Type                  string                       `json:"type"`
	Description           *string                      `json:"description"`
	OptimizationDirection *string                      `json:"optimization_direction"`
	Values                []CategoricalAnnotationValue `json:"values,omitempty"`
	LowerBound            *float64                     `json:"lower_bound,omitempty"`
	UpperBound            *float64                     `json:"upper_bound,omitempty"`
	Threshold             *float64                     `json:"threshold,omitempty"`
}

// CategoricalAnnotationValue is a label a categorical config allows, with
// the score it stands for.
type CategoricalAnnotationValue struct {
	Label string   `json:"label"`
	Score *float64 `json:"score"`
}

// MarshalJSON writes the fields of the config's type only, as the server's
// request model for that type has them.
func (c AnnotationConfig) MarshalJSON() ([]byte, error) {
	m := map[string]any{"name": c.Name, "type": c.Type, "description": c.Description, "optimization_direction": c.OptimizationDirection}
	if c.ID != "" {
		m["id"] = c.ID
	}
	switch c.Type {
	case AnnotationConfigCategorical:
		values := c.Values
		if values == nil {
			values = []CategoricalAnnotationValue{} // let the server say it is empty
		}
		m["values"] = values
	case AnnotationConfigContinuous:
		m["lower_bound"], m["upper_bound"] = c.LowerBound, c.UpperBound
	default:
		m["lower_bound"], m["upper_bound"], m["threshold"] = c.LowerBound, c.UpperBound, c.Threshold
	}
	return json.Marshal(m)
}

// SetProjectAnnotationConfigsRequest is the body of PUT
// /v1/projects/{project_identifier}/annotation_configs: the GlobalIDs of
// every config the project should have.
type SetProjectAnnotationConfigsRequest struct {
	AnnotationConfigIDs []string `json:"annotation_config_ids"`
}
