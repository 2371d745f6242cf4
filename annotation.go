package ember

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AnnotationTarget is what an annotation describes.
type AnnotationTarget string

// The annotation targets. A document annotation describes one retrieved
// document of a span: the span's retrieval.documents (reranker.output_documents
// for a reranker) at DocumentPosition.
const (
	AnnotationTargetSpan     AnnotationTarget = "span"
	AnnotationTargetTrace    AnnotationTarget = "trace"
	AnnotationTargetSession  AnnotationTarget = "session"
	AnnotationTargetDocument AnnotationTarget = "document"
)

// AnnotationTargets lists every target.
var AnnotationTargets = []AnnotationTarget{AnnotationTargetSpan, AnnotationTargetTrace, AnnotationTargetSession, AnnotationTargetDocument}

// AnnotatorKind tells who made an annotation.
type AnnotatorKind string

// The annotator kinds: a model (an LLM judge, and every evaluation), a
// program, or a person.
const (
	AnnotatorLLM   AnnotatorKind = "LLM"
	AnnotatorCode  AnnotatorKind = "CODE"
	AnnotatorHuman AnnotatorKind = "HUMAN"
)

// AnnotatorKinds lists every annotator kind, in the order Phoenix's
// messages name them.
var AnnotatorKinds = []AnnotatorKind{AnnotatorLLM, AnnotatorCode, AnnotatorHuman}

// AnnotationSource tells through which door an annotation came in.
type AnnotationSource string

// The annotation sources: the REST API, or the web application.
const (
	AnnotationSourceAPI AnnotationSource = "API"
	AnnotationSourceApp AnnotationSource = "APP"
)

// NoteAnnotationName is the name of notes: free-text annotations a person
// leaves on a span, trace or session. It is reserved: ordinary annotations
// and annotation configs cannot take it.
const NoteAnnotationName = "note"

// Annotation is a judgement of a span, trace, session or retrieved
// document: a label, a score and an explanation, any of which may be
// missing, with free-form metadata.
//
// An annotation is upserted on its key: the target, the name and the
// identifier (and the document position for a document). Two annotations
// with one name but different identifiers live side by side; one with the
// same key replaces the stored one unless the stored one is newer (by
// UpdatedAt).
//
// Evaluations, which older Phoenix clients post in bulk, are annotations
// with AnnotatorKind LLM and an empty identifier.
type Annotation struct {
	ID     int64 // row id, 0 until stored
	Target AnnotationTarget

	// The target by its natural key: the OpenTelemetry span id (spans and
	// documents), trace id, or session id.
	SpanID           string
	TraceID          string
	SessionID        string
	DocumentPosition int64 // 0-based; documents only

	// TargetRowID is the row id of the span, trace or session, and
	// ProjectID its project's; the store sets both.
	TargetRowID int64
	ProjectID   int64

	Name          string
	AnnotatorKind AnnotatorKind
	Label         *string
	Score         *float64
	Explanation   *string
	// Metadata is a JSON object; nil stands for {}.
	Metadata   json.RawMessage
	Identifier string
	Source     AnnotationSource // "" is read as API
	UserID     int64            // the user who made it; 0 for none

	// CreatedAt is when the annotation was first stored. UpdatedAt is when
	// this version was made: a write that leaves it zero is stamped with
	// the time it is stored.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TargetKey returns the natural key of the annotation's target: its span,
// trace or session id.
func (a *Annotation) TargetKey() string {
	switch a.Target {
	case AnnotationTargetTrace:
		return a.TraceID
	case AnnotationTargetSession:
		return a.SessionID
	default:
		return a.SpanID
	}
}

// AnnotationOutcome is what became of one annotation handed to
// ApplyAnnotations.
type AnnotationOutcome uint8

// The outcomes of ApplyAnnotations.
const (
	// AnnotationApplied: stored, or left out because the stored version
	// is newer.
	AnnotationApplied AnnotationOutcome = iota
	// AnnotationTargetMissing: the span, trace or session is not stored
	// (yet); the annotation may be tried again later.
	AnnotationTargetMissing
	// AnnotationTargetInvalid: the target exists but cannot take the
	// annotation (a document position beyond the span's documents); trying
	// again will not help.
	AnnotationTargetInvalid
)

// AnnotationWriter stores annotations.
type AnnotationWriter interface {
	// UpsertAnnotations stores annotations in one transaction, all or
	// none, and sets their ID, TargetRowID, ProjectID and times. Every
	// target must be stored: ENOTFOUND names the missing ones ("Spans with
	// IDs a, b do not exist."). A document position outside the span's
	// documents is EUNPROCESSABLE; malformed input (an unknown target or
	// annotator kind, metadata that is not a JSON object) EINVALID.
	// Annotations repeating one key are stored once, as the last of them;
	// each gets that row's ID. When UpsertAnnotations returns nil the
	// annotations are durable.
	UpsertAnnotations(ctx context.Context, annotations []*Annotation) error

	// ApplyAnnotations stores the annotations whose targets are stored and
	// reports, for each annotation, what became of it. A stored version
	// newer than an annotation's UpdatedAt is kept, and of several
	// annotations with one key the newest wins, so annotations may be
	// applied in any order and more than once. IDs are not set. When it
	// returns nil, what was stored is durable.
	ApplyAnnotations(ctx context.Context, annotations []*Annotation) ([]AnnotationOutcome, error)
}

// AnnotationFilter selects the annotations of one target type.
type AnnotationFilter struct {
	Target    AnnotationTarget
	ProjectID int64 // 0 for any project
	// TargetIDs keeps annotations of these spans, traces or sessions,
	// named by natural key (OpenTelemetry span or trace id, session id).
	TargetIDs []string
	// TargetRowIDs keeps annotations of these spans, traces or sessions,
	// named by row id.
	TargetRowIDs []int64
	// Identifiers keeps annotations with one of these identifiers.
	Identifiers []string
	// IncludeNames keeps only these names; ExcludeNames drops these.
	IncludeNames []string
	ExcludeNames []string
	// AnnotatorKinds keeps annotations of these kinds.
	AnnotatorKinds []AnnotatorKind
	// Cursor, when non-zero, keeps annotations whose row id is at most
	// Cursor.
	Cursor int64
	// Limit caps the number returned; 0 means no cap.
	Limit int
}

// AnnotationDeletion selects the annotations of one target type in a
// project for a bulk delete. Zero fields select everything.
type AnnotationDeletion struct {
	Target        AnnotationTarget
	ProjectID     int64
	Name          string
	Identifier    string
	AnnotatorKind AnnotatorKind
	// StartTime and EndTime bound CreatedAt: StartTime <= created < EndTime.
	StartTime, EndTime *time.Time
	// UserID, when non-zero, keeps annotations made by that user.
	UserID int64
	// IDs, when set, keeps the annotations of these row ids.
	IDs []int64
}

// AnnotationSummaryFilter selects what SummarizeAnnotations counts: the
// annotations of one target type in a project, notes left out.
type AnnotationSummaryFilter struct {
	Target    AnnotationTarget
	ProjectID int64
	// StartTime and EndTime, when set, keep annotations whose target
	// starts in [StartTime, EndTime): the span's, trace's or session's
	// start time.
	StartTime, EndTime *time.Time
}

// AnnotationSummary sums up the annotations of one name.
type AnnotationSummary struct {
	Name  string
	Count int64 // annotations of this name
	// Labels counts each label, most frequent first; annotations without a
	// label are not counted here.
	Labels []LabelCount
	// ScoreCount is the number of annotations with a score, and MeanScore
	// their mean; nil when none has one.
	ScoreCount int64
	MeanScore  *float64
}

// LabelCount is how many annotations carry one label.
type LabelCount struct {
	Label string
	Count int64
}

// AnnotationService stores, lists and deletes annotations.
type AnnotationService interface {
	AnnotationWriter

	// FindAnnotations returns the annotations that match filter, newest
	// row first, with their target's natural key (SpanID, TraceID or
	// SessionID) set.
	FindAnnotations(ctx context.Context, filter AnnotationFilter) ([]*Annotation, error)

	// AnnotationTargetsExist reports whether any of the spans, traces or
	// sessions named by natural key is stored in the project.
	AnnotationTargetsExist(ctx context.Context, target AnnotationTarget, projectID int64, ids []string) (bool, error)

	// DeleteAnnotations deletes the annotations that d selects and returns
	// how many went.
	DeleteAnnotations(ctx context.Context, d AnnotationDeletion) (int64, error)

	// SummarizeAnnotations returns, per annotation name in name order, the
	// counts of labels and the mean score, for the UI's summaries.
	SummarizeAnnotations(ctx context.Context, filter AnnotationSummaryFilter) ([]AnnotationSummary, error)
}

// CleanText returns s as Ember stores text: valid UTF-8 without NUL bytes,
// which PostgreSQL refuses in text and JSON; both become U+FFFD.
func CleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// CleanMetadata returns annotation metadata as Ember stores it: a JSON
// object whose strings (keys included) are cleaned as CleanText cleans
// them and whose numbers both engines can hold: integers as written, any
// other number as the nearest float64. Empty or null metadata is {}. It is
// EINVALID when raw is not a JSON object or holds a number beyond float64.
func CleanMetadata(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return json.RawMessage("{}"), nil
	}
	if plainJSONObject(raw) {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return nil, Errorf(EINVALID, "Annotation metadata must be a JSON object")
	}
	cleaned, err := cleanJSON(obj)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(cleaned)
	if err != nil {
		return nil, Errorf(EINVALID, "Annotation metadata must be a JSON object")
	}
	return out, nil
}

func cleanJSON(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return CleanText(x), nil
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return x, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, Errorf(EINVALID, "Annotation metadata holds a number out of range: %.40s", string(x))
		}
		return f, nil
	case []any:
		for i, e := range x {
			c, err := cleanJSON(e)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := cleanJSON(e)
			if err != nil {
				return nil, err
			}
			out[CleanText(k)] = c
		}
		return out, nil
	}
	return v, nil
}

// plainJSONObject reports whether raw is a valid JSON object that needs no
// cleaning: valid UTF-8 without NUL, no \u escapes (which could hide a NUL
// or a lone surrogate), and numbers that are plain integers or decimals
// of modest length. Most metadata is; the rest is decoded and re-encoded.
func plainJSONObject(raw []byte) bool {
	if raw[0] != '{' || !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 || !json.Valid(raw) {
		return false
	}
	inString, escaped, number := false, false, 0
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				if c == 'u' {
					return false
				}
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, number = true, 0
		case c >= '0' && c <= '9' || c == '-' || c == '.':
			if number++; number > 18 {
				return false
			}
		case (c == 'e' || c == 'E') && number > 0:
			return false // an exponent: maybe beyond what the engines hold
		default:
			number = 0
		}
	}
	return true
}
