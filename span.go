package ember

import (
	"context"
	"encoding/json"
	"time"
)

// SpanKind is the OpenInference kind of a span, upper-case.
type SpanKind string

// The OpenInference span kinds. A span whose kind is missing or unknown is
// SpanKindUnknown.
const (
	SpanKindTool      SpanKind = "TOOL"
	SpanKindChain     SpanKind = "CHAIN"
	SpanKindLLM       SpanKind = "LLM"
	SpanKindPrompt    SpanKind = "PROMPT"
	SpanKindRetriever SpanKind = "RETRIEVER"
	SpanKindEmbedding SpanKind = "EMBEDDING"
	SpanKindAgent     SpanKind = "AGENT"
	SpanKindReranker  SpanKind = "RERANKER"
	SpanKindEvaluator SpanKind = "EVALUATOR"
	SpanKindGuardrail SpanKind = "GUARDRAIL"
	SpanKindUnknown   SpanKind = "UNKNOWN"
)

// SpanKinds lists every valid span kind.
var SpanKinds = []SpanKind{
	SpanKindTool, SpanKindChain, SpanKindLLM, SpanKindPrompt, SpanKindRetriever,
	SpanKindEmbedding, SpanKindAgent, SpanKindReranker, SpanKindEvaluator,
	SpanKindGuardrail, SpanKindUnknown,
}

// ParseSpanKind returns the kind named by s (case-insensitive) and whether s
// named one.
func ParseSpanKind(s string) (SpanKind, bool) {
	for _, k := range SpanKinds {
		if equalFoldASCII(string(k), s) {
			return k, true
		}
	}
	return SpanKindUnknown, false
}

// StatusCode is a span's status.
type StatusCode string

// The span status codes, in OTLP's order (0, 1, 2).
const (
	StatusUnset StatusCode = "UNSET"
	StatusOK    StatusCode = "OK"
	StatusError StatusCode = "ERROR"
)

// Span is one operation of a trace as Ember stores it.
//
// Attributes is a nested JSON object: OpenTelemetry's dotted keys are
// unflattened (llm.model_name is stored as {"llm":{"model_name":...}}).
// Events is a JSON array of {"name","timestamp","attributes"}.
type Span struct {
	ID         int64 // row id, 0 until stored
	TraceRowID int64 // row id of the trace, 0 until stored
	ProjectID  int64 // row id of the project, 0 until stored

	// ProjectName is the project that the span asks for. The project of a
	// trace is fixed by its first stored span; later spans join it whatever
	// they ask for.
	ProjectName string

	TraceID       string // lower-case hex
	SpanID        string // lower-case hex
	ParentID      string // lower-case hex; "" for a root span
	Name          string
	Kind          SpanKind
	StartTime     time.Time
	EndTime       time.Time
	StatusCode    StatusCode
	StatusMessage string
	Attributes    json.RawMessage
	Events        json.RawMessage

	// SessionID is the session.id attribute as text ("" for none); the
	// trace joins that session unless it already belongs to one.
	SessionID string
	// UserID is the user.id attribute as text ("" for none).
	UserID string

	// LLM token counts of this span alone. They are set for LLM spans only
	// (HasTokenCounts); other spans contribute none.
	HasTokenCounts          bool
	LLMTokenCountPrompt     int64
	LLMTokenCountCompletion int64

	// Cumulative counts cover the span and all its stored descendants. The
	// store maintains them; values on input are ignored.
	CumulativeErrorCount              int64
	CumulativeLLMTokenCountPrompt     int64
	CumulativeLLMTokenCountCompletion int64

	// Cost is the span's price, computed at ingestion from the model price
	// table; nil when the span is not a priced LLM call.
	Cost *SpanCost
}

// LatencyMS is the span's duration in milliseconds.
func (s *Span) LatencyMS() float64 {
	return float64(s.EndTime.Sub(s.StartTime)) / float64(time.Millisecond)
}

// SpanCost is the price of one LLM span.
type SpanCost struct {
	ModelName        string
	Provider         string
	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	PromptCost       float64 // in US dollars
	CompletionCost   float64
	TotalCost        float64
	Details          []SpanCostDetail
}

// SpanCostDetail is the price of one type of token (input, output,
// cache_read, cache_write, audio, reasoning, ...) of an LLM span.
type SpanCostDetail struct {
	TokenType    string  `json:"token_type"`
	IsPrompt     bool    `json:"is_prompt"`
	Tokens       int64   `json:"tokens"`
	Cost         float64 `json:"cost"`
	CostPerToken float64 `json:"cost_per_token"`
}

// InsertSpansResult reports what a write of spans did.
type InsertSpansResult struct {
	Inserted   int // spans newly stored
	Duplicates int // spans ignored because their trace already holds their span id
}

// SpanWriter stores spans.
type SpanWriter interface {
	// InsertSpans stores spans in one transaction: every span or none. A
	// span is named by its trace id and span id, as in OpenTelemetry; one
	// whose trace already holds its span id (stored, or earlier in spans)
	// is ignored, so a retried export is harmless. Projects, traces and sessions are
	// created as needed, and the cumulative counts of the new spans and of
	// their stored ancestors are brought up to date, in whatever order
	// parents and children arrive. When InsertSpans returns nil the spans
	// are durable.
	InsertSpans(ctx context.Context, spans []*Span) (InsertSpansResult, error)
}

// SpanFilter selects spans. Zero fields select everything.
type SpanFilter struct {
	ID          int64 // row id; 0 for any
	ProjectID   *int64
	TraceIDs    []string
	SpanIDs     []string
	ParentIDs   []string
	RootsOnly   bool // only spans without a parent
	Names       []string
	Kinds       []SpanKind
	StatusCodes []StatusCode
	// StartTime and EndTime bound the span's start: StartTime <= start < EndTime.
	StartTime, EndTime *time.Time
	// Attributes keeps spans having every one of these attribute values.
	Attributes []AttributeMatch
	// Condition, when non-nil, keeps spans for which it holds.
	Condition Expr
	// Cursor, when non-zero, keeps spans whose row id is at most Cursor.
	Cursor int64
	// OrderBy, when set, sorts by a measure instead of by row id: largest
	// first, or smallest first when Ascending. Ties go by row id in the
	// same direction. After, when non-nil, continues such a listing after
	// the span with that key (keyset paging).
	OrderBy   SpanOrder
	Ascending bool
	After     *SpanKey
	// Limit caps the number of spans returned; 0 means no cap.
	Limit int
}

// SpanOrder is a measure spans can be sorted by.
type SpanOrder string

// The span orders. SpanOrderTokens is the cumulative total token count of
// the span's subtree. SpanOrderCost is the price of the whole trace for a
// root span and the span's own price for any other.
const (
	SpanOrderLatency SpanOrder = "latency"
	SpanOrderTokens  SpanOrder = "tokens"
	SpanOrderCost    SpanOrder = "cost"
)

// SpanKey is the position of a span in a sorted listing: its measure and
// row id.
type SpanKey struct {
	Value float64
	ID    int64
}

// SortValue is the span's measure for order: latency in nanoseconds,
// cumulative tokens, or cost (which the caller supplies, as spans carry
// no trace cost).
func (s *Span) SortValue(order SpanOrder, cost float64) float64 {
	switch order {
	case SpanOrderLatency:
		return float64(s.EndTime.Sub(s.StartTime))
	case SpanOrderTokens:
		return float64(s.CumulativeLLMTokenCountPrompt + s.CumulativeLLMTokenCountCompletion)
	case SpanOrderCost:
		return cost
	}
	return float64(s.ID)
}

// AttributeMatch selects spans whose attribute at Path (the segments of a
// dotted key) equals Value, which is a string, bool, int64 or float64. A
// string matches only a string and a bool only a bool; an int64 matches an
// integer or a whole-number float; a float64 matches that number. List
// values never match.
type AttributeMatch struct {
	Path  []string
	Value any
}

// SpanService reads and deletes stored spans.
type SpanService interface {
	SpanWriter

	// FindSpans returns the spans that match filter, newest row first.
	FindSpans(ctx context.Context, filter SpanFilter) ([]*Span, error)

	// DeleteSpan deletes one span by its OTel span id. Its children stay,
	// orphaned; its cumulative counts are subtracted from its ancestors;
	// the trace goes when its last span does. Returns ENOTFOUND if no span
	// has that id.
	DeleteSpan(ctx context.Context, spanID string) error

	// CountSpans returns the number of stored spans.
	CountSpans(ctx context.Context) (int64, error)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
