package ember

// A span condition is a typed boolean expression over a span: the filter
// language of Phoenix's span tables and span queries (span_kind == 'LLM',
// 'refund' in input.value, latency_ms > 1000), parsed and checked by
// internal/spanquery and turned into parameterised SQL by the store. No
// text of the condition is ever part of the SQL: names map to fixed
// columns, and paths and literals are bound as parameters.

// Expr is a node of a span condition.
type Expr interface {
	// Type is the SQL type the node yields.
	Type() ExprType
}

// ExprType is the type of an expression's value.
type ExprType int

// The types of expression values. TypeJSON is an attribute whose type is
// known only per row: comparisons read it as text, a number or a boolean,
// to match the other side.
const (
	TypeBool ExprType = iota
	TypeString
	TypeNumber
	TypeJSON
	TypeNull
)

// Column names one of the span's fixed fields.
type Column struct {
	Name SpanColumn
}

// SpanColumn is a field of a span that a condition may name.
type SpanColumn string

// The span fields of the filter language.
const (
	ColumnSpanID        SpanColumn = "span_id"
	ColumnTraceID       SpanColumn = "trace_id"
	ColumnParentID      SpanColumn = "parent_id"
	ColumnName          SpanColumn = "name"
	ColumnSpanKind      SpanColumn = "span_kind"
	ColumnStatusCode    SpanColumn = "status_code"
	ColumnStatusMessage SpanColumn = "status_message"
	ColumnLatencyMS     SpanColumn = "latency_ms"
	ColumnStartTime     SpanColumn = "start_time" // Unix nanoseconds
	ColumnEndTime       SpanColumn = "end_time"   // Unix nanoseconds
	// Cumulative LLM token counts of the span's subtree.
	ColumnCumulativePrompt     SpanColumn = "cumulative_llm_token_count_prompt"
	ColumnCumulativeCompletion SpanColumn = "cumulative_llm_token_count_completion"
	ColumnCumulativeTotal      SpanColumn = "cumulative_llm_token_count_total"
	// ColumnParentSpan is the span's stored parent; only its absence can
	// be tested, which holds for roots and for orphans whose parent is not
	// stored.
	ColumnParentSpan SpanColumn = "parent_span"
)

// Type implements Expr.
func (c Column) Type() ExprType {
	switch c.Name {
	case ColumnLatencyMS, ColumnStartTime, ColumnEndTime, ColumnCumulativePrompt, ColumnCumulativeCompletion, ColumnCumulativeTotal:
		return TypeNumber
	}
	return TypeString
}

// Attribute is the value at Path in the span's attributes. Segments are
// object keys, or array indexes when Index marks them.
type Attribute struct {
	Path  []PathSegment
	As    ExprType // TypeJSON until a comparison fixes how it is read
	Whole bool     // the whole attributes object (the name "attributes")
}

// PathSegment is a key of a JSON object, or an index of an array.
type PathSegment struct {
	Key     string
	Index   int
	IsIndex bool
}

// Type implements Expr.
func (a Attribute) Type() ExprType { return a.As }

// Literal is a constant: a string, float64, int64, bool or nil.
type Literal struct {
	Value any
}

// Type implements Expr.
func (l Literal) Type() ExprType {
	switch l.Value.(type) {
	case string:
		return TypeString
	case int64, float64:
		return TypeNumber
	case bool:
		return TypeBool
	}
	return TypeNull
}

// Compare compares two values with one of == != < <= > >=.
type Compare struct {
	Op          string
	Left, Right Expr
}

// Type implements Expr.
func (Compare) Type() ExprType { return TypeBool }

// Logical joins conditions with "and" or "or".
type Logical struct {
	Op   string // "and" or "or"
	Args []Expr
}

// Type implements Expr.
func (Logical) Type() ExprType { return TypeBool }

// Not negates a condition.
type Not struct {
	X Expr
}

// Type implements Expr.
func (Not) Type() ExprType { return TypeBool }

// Contains holds when Needle occurs in Haystack, ignoring case.
type Contains struct {
	Needle, Haystack Expr
}

// Type implements Expr.
func (Contains) Type() ExprType { return TypeBool }

// In holds when X equals one of List.
type In struct {
	X    Expr
	List []Expr
}

// Type implements Expr.
func (In) Type() ExprType { return TypeBool }

// IsNull holds when X has no value (or has one, when Negate).
type IsNull struct {
	X      Expr
	Negate bool
}

// Type implements Expr.
func (IsNull) Type() ExprType { return TypeBool }

// Arith is arithmetic on numbers (+ - * / %), or "+" joining strings when
// the type is TypeString.
type Arith struct {
	Op          string
	Left, Right Expr
	As          ExprType
}

// Type implements Expr.
func (a Arith) Type() ExprType { return a.As }

// Negate is unary minus.
type Negate struct {
	X Expr
}

// Type implements Expr.
func (Negate) Type() ExprType { return TypeNumber }

// Cast converts a value: str(x), int(x), float(x).
type Cast struct {
	To ExprType // TypeString or TypeNumber
	// Integer truncates toward zero, as int() does.
	Integer bool
	X       Expr
}

// Type implements Expr.
func (c Cast) Type() ExprType { return c.To }

// Truthy holds when a value is true: a boolean attribute tested bare.
type Truthy struct {
	X Expr
}

// Type implements Expr.
func (Truthy) Type() ExprType { return TypeBool }

// AnnotationField is the part of an annotation a term reads; FieldExists
// tests that the annotation is there.
type AnnotationField string

// Annotation fields.
const (
	FieldLabel       AnnotationField = "label"
	FieldScore       AnnotationField = "score"
	FieldExplanation AnnotationField = "explanation"
	FieldExists      AnnotationField = ""
)

// AnnotationTerm reads an annotation of the span (or of its trace) by
// name: evals['correctness'].label, annotations['x'].score,
// trace_annotations['y'], or a bare evals['x'] that holds when it exists.
type AnnotationTerm struct {
	Target AnnotationTarget
	Name   string
	Field  AnnotationField
}

// Type implements Expr.
func (a AnnotationTerm) Type() ExprType {
	switch a.Field {
	case FieldScore:
		return TypeNumber
	case FieldExists:
		return TypeBool
	}
	return TypeString
}

// TraceColumn names a field of a trace in the trace-level language of the
// Traces table: trace_id, latency_ms, num_spans, error_count,
// token_count_total, total_cost, ... Attribute paths in that language read
// the trace's root span.
type TraceColumn struct {
	Name TraceField
}

// TraceField is a field of a trace that a trace condition may name.
type TraceField string

// The trace fields of the filter language.
const (
	TraceFieldTraceID              TraceField = "trace_id"
	TraceFieldStartTime            TraceField = "start_time"
	TraceFieldEndTime              TraceField = "end_time"
	TraceFieldLatencyMS            TraceField = "latency_ms"
	TraceFieldNumSpans             TraceField = "num_spans"
	TraceFieldErrorCount           TraceField = "error_count"
	TraceFieldTokenCountPrompt     TraceField = "token_count_prompt"
	TraceFieldTokenCountCompletion TraceField = "token_count_completion"
	TraceFieldTokenCountTotal      TraceField = "token_count_total"
	TraceFieldTotalCost            TraceField = "total_cost"
	TraceFieldToolSpanCount        TraceField = "tool_span_count"
	TraceFieldLLMSpanCount         TraceField = "llm_span_count"
	TraceFieldName                 TraceField = "name"   // the root span's name
	TraceFieldInput                TraceField = "input"  // the root span's input.value
	TraceFieldOutput               TraceField = "output" // the root span's output.value
)

// Type implements Expr.
func (c TraceColumn) Type() ExprType {
	switch c.Name {
	case TraceFieldTraceID, TraceFieldName, TraceFieldInput, TraceFieldOutput:
		return TypeString
	}
	return TypeNumber
}

// SessionColumn names a field of a session in the session-level language
// of the Sessions table. Attribute paths in that language read the root
// span of the session's first trace.
type SessionColumn struct {
	Name SessionField
}

// SessionField is a field of a session that a session condition may name.
type SessionField string

// The session fields of the filter language. AnyInput and AnyOutput are
// the inputs and outputs of all the session's root spans: "'x' in
// any_input" holds when one of them contains x.
const (
	SessionFieldSessionID          SessionField = "session_id"
	SessionFieldUserID             SessionField = "user.id"
	SessionFieldStartTime          SessionField = "start_time"
	SessionFieldEndTime            SessionField = "end_time"
	SessionFieldDurationMS         SessionField = "duration_ms"
	SessionFieldNumTraces          SessionField = "num_traces"
	SessionFieldNumTracesWithError SessionField = "num_traces_with_error"
	SessionFieldTokenCountTotal    SessionField = "token_count_total"
	SessionFieldTotalCost          SessionField = "total_cost"
	SessionFieldAnyInput           SessionField = "any_input"
	SessionFieldAnyOutput          SessionField = "any_output"
)

// Type implements Expr.
func (c SessionColumn) Type() ExprType {
	switch c.Name {
	case SessionFieldSessionID, SessionFieldUserID, SessionFieldAnyInput, SessionFieldAnyOutput:
		return TypeString
	}
	return TypeNumber
}

// ConditionLevel is what a condition filters: spans, traces or sessions.
type ConditionLevel int

// Condition levels.
const (
	LevelSpan ConditionLevel = iota
	LevelTrace
	LevelSession
)

// Quantifier applies a condition or a value to every span of a trace or
// session, or every trace of a session: any(...), all(...), max(...),
// min(...), sum(...) over "for span in spans" or "for trace in traces",
// keeping only the items for which Where holds when it is set.
type Quantifier struct {
	Op    string         // any, all, max, min, sum
	Over  ConditionLevel // LevelSpan or LevelTrace
	Body  Expr
	Where Expr // optional
}

// Type implements Expr.
func (q Quantifier) Type() ExprType {
	if q.Op == "any" || q.Op == "all" {
		return TypeBool
	}
	return TypeNumber
}
