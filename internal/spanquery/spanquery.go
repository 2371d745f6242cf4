// Package spanquery reads Phoenix's span filter language: restricted
// Python expressions such as
//
//	span_kind == 'LLM' and latency_ms > 1000
//	'refund' in input.value
//	evals['correctness'].label == 'incorrect'
//	llm.model_name in ('gpt-4o', 'gpt-4') or metadata['tier'] == 'gold'
//
// Parse checks a condition and returns it as a typed ember.Expr, which the
// store turns into parameterised SQL. Only comparisons, and/or/not,
// membership, arithmetic, str()/int()/float() and the filter language's
// names are accepted; anything else is an error naming its position.
package spanquery

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// Error is a condition that cannot be read: what is wrong, where (a byte
// offset), the token at fault and, for a misspelled name, a suggestion.
type Error struct {
	Pos        int
	Msg        string
	Token      string
	Suggestion string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s (at position %d)", e.Msg, e.Pos)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(". Did you mean '%s'?", e.Suggestion)
	}
	return msg
}

// Parse reads a span condition.
func Parse(condition string) (ember.Expr, error) {
	return parseAt(condition, ember.LevelSpan)
}

// ParseTrace reads a trace condition, the language of the Traces table:
// trace fields (latency_ms, num_spans, error_count, token_count_total,
// total_cost, ...), the root span's attributes (metadata['k'], user.id),
// 'x' in input, trace_annotations[...], and quantifiers over the trace's
// spans: any(span.span_kind == 'LLM' for span in spans),
// max(span.latency_ms for span in spans) > 5000.
func ParseTrace(condition string) (ember.Expr, error) {
	return parseAt(condition, ember.LevelTrace)
}

// ParseSession reads a session condition, the language of the Sessions
// table: session fields (num_traces, duration_ms, token_count_total, ...),
// 'x' in any_input, user.id, session_annotations[...], and quantifiers
// over the session's traces and spans.
func ParseSession(condition string) (ember.Expr, error) {
	return parseAt(condition, ember.LevelSession)
}

func parseAt(condition string, level ember.ConditionLevel) (ember.Expr, error) {
	n, err := parse(condition)
	if err != nil {
		return nil, err
	}
	r := resolver{level: level}
	e, err := r.expr(n)
	if err != nil {
		return nil, err
	}
	return r.condition(e, n)
}

// resolver turns syntax into a typed condition at one level; inside a
// quantifier, names that start with its variable are read at the level it
// ranges over.
type resolver struct {
	level   ember.ConditionLevel
	loopVar string
	loopAt  ember.ConditionLevel
}

// The trace and session fields, by name.
var traceColumns = map[string]ember.TraceField{
	"trace_id": ember.TraceFieldTraceID, "start_time": ember.TraceFieldStartTime, "end_time": ember.TraceFieldEndTime,
	"latency_ms": ember.TraceFieldLatencyMS, "num_spans": ember.TraceFieldNumSpans, "error_count": ember.TraceFieldErrorCount,
	"token_count_prompt": ember.TraceFieldTokenCountPrompt, "token_count_completion": ember.TraceFieldTokenCountCompletion,
	"token_count_total": ember.TraceFieldTokenCountTotal, "total_cost": ember.TraceFieldTotalCost,
	"tool_span_count": ember.TraceFieldToolSpanCount, "llm_span_count": ember.TraceFieldLLMSpanCount,
	"name": ember.TraceFieldName, "input": ember.TraceFieldInput, "output": ember.TraceFieldOutput,
}

var sessionColumns = map[string]ember.SessionField{
	"session_id": ember.SessionFieldSessionID, "user.id": ember.SessionFieldUserID,
	"start_time": ember.SessionFieldStartTime, "end_time": ember.SessionFieldEndTime, "duration_ms": ember.SessionFieldDurationMS,
	"num_traces": ember.SessionFieldNumTraces, "num_traces_with_error": ember.SessionFieldNumTracesWithError,
	"token_count_total": ember.SessionFieldTokenCountTotal, "total_cost": ember.SessionFieldTotalCost,
	"any_input": ember.SessionFieldAnyInput, "any_output": ember.SessionFieldAnyOutput,
}

// levelNames are the names of a level, for suggestions.
func levelNames(level ember.ConditionLevel) []string {
	var names []string
	switch level {
	case ember.LevelTrace:
		names = []string{"trace_annotations", "metadata", "attributes", "spans"}
		for n := range traceColumns {
			names = append(names, n)
		}
	case ember.LevelSession:
		names = []string{"session_annotations", "metadata", "attributes", "spans", "traces"}
		for n := range sessionColumns {
			names = append(names, n)
		}
	default:
		names = knownNames
	}
	return names
}

// condition makes e the whole condition: it must be true or false.
func (r *resolver) condition(e ember.Expr, n node) (ember.Expr, error) {
	switch e.Type() {
	case ember.TypeBool:
		if _, ok := e.(ember.Literal); ok {
			return nil, &Error{Pos: n.at(), Msg: "a constant is not a condition, e.g. span_kind == 'LLM'"}
		}
		if a, ok := e.(ember.Attribute); ok {
			return ember.Truthy{X: a}, nil
		}
		return e, nil
	case ember.TypeJSON:
		if a, ok := e.(ember.Attribute); ok && !a.Whole {
			a.As = ember.TypeBool
			return ember.Truthy{X: a}, nil
		}
	}
	return nil, &Error{Pos: n.at(), Msg: "the condition must be a comparison, a membership test or an annotation, e.g. span_kind == 'LLM'"}
}

// The names that are span fields rather than attribute paths.
var reservedColumns = map[string]ember.SpanColumn{
	"span_id":                               ember.ColumnSpanID,
	"trace_id":                              ember.ColumnTraceID,
	"parent_id":                             ember.ColumnParentID,
	"name":                                  ember.ColumnName,
	"span_kind":                             ember.ColumnSpanKind,
	"status_code":                           ember.ColumnStatusCode,
	"status_message":                        ember.ColumnStatusMessage,
	"latency_ms":                            ember.ColumnLatencyMS,
	"start_time":                            ember.ColumnStartTime,
	"end_time":                              ember.ColumnEndTime,
	"cumulative_llm_token_count_prompt":     ember.ColumnCumulativePrompt,
	"cumulative_llm_token_count_completion": ember.ColumnCumulativeCompletion,
	"cumulative_llm_token_count_total":      ember.ColumnCumulativeTotal,
	"parent_span":                           ember.ColumnParentSpan,
	"context.span_id":                       ember.ColumnSpanID,
	"context.trace_id":                      ember.ColumnTraceID,
	"cumulative_token_count.prompt":         ember.ColumnCumulativePrompt,
	"cumulative_token_count.completion":     ember.ColumnCumulativeCompletion,
	"cumulative_token_count.total":          ember.ColumnCumulativeTotal,
}

// knownNames are the names offered as suggestions for a misspelling.
var knownNames = func() []string {
	names := []string{"evals", "annotations", "trace_annotations", "metadata", "attributes"}
	for n := range reservedColumns {
		names = append(names, n)
	}
	return names
}()

var annotationBases = map[string]ember.AnnotationTarget{
	"evals":               ember.AnnotationTargetSpan,
	"annotations":         ember.AnnotationTargetSpan,
	"trace_annotations":   ember.AnnotationTargetTrace,
	"session_annotations": ember.AnnotationTargetSession,
}

func (r *resolver) expr(n node) (ember.Expr, error) {
	switch n := n.(type) {
	case constNode:
		return ember.Literal{Value: n.value}, nil
	case strNode:
		return ember.Literal{Value: n.s}, nil
	case numNode:
		return parseNumber(n)
	case nameNode, attrNode, indexNode:
		return r.reference(n)
	case callNode:
		return r.call(n)
	case unaryNode:
		return r.unary(n)
	case binNode:
		return r.binary(n)
	case boolNode:
		out := ember.Logical{Op: n.op}
		for _, a := range n.args {
			e, err := r.expr(a)
			if err != nil {
				return nil, err
			}
			c, err := r.condition(e, a)
			if err != nil {
				return nil, err
			}
			out.Args = append(out.Args, c)
		}
		return out, nil
	case cmpNode:
		return r.comparison(n)
	case seqNode:
		return nil, &Error{Pos: n.pos, Msg: "a list or tuple can only follow 'in'"}
	}
	return nil, &Error{Pos: n.at(), Msg: "unsupported expression"}
}

func parseNumber(n numNode) (ember.Expr, error) {
	text := strings.ReplaceAll(n.text, "_", "")
	if v, err := strconv.ParseInt(text, 0, 64); err == nil {
		return ember.Literal{Value: v}, nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("invalid number %s", n.text), Token: n.text}
	}
	return ember.Literal{Value: v}, nil
}

// reference resolves a name, a dotted name or a subscript: a span field,
// an annotation term or an attribute path.
func (r *resolver) reference(n node) (ember.Expr, error) {
	if r.loopVar != "" {
		if inner, ok := stripLoopVar(n, r.loopVar); ok {
			if inner == nil {
				return nil, &Error{Pos: n.at(), Msg: fmt.Sprintf("'%s' alone is not a value; name a field, e.g. %s.latency_ms", r.loopVar, r.loopVar), Token: r.loopVar}
			}
			sub := resolver{level: r.loopAt}
			return sub.reference(inner)
		}
	}
	if dotted, ok := dottedName(n); ok {
		switch r.level {
		case ember.LevelTrace:
			if f, ok := traceColumns[dotted]; ok {
				return ember.TraceColumn{Name: f}, nil
			}
		case ember.LevelSession:
			if f, ok := sessionColumns[dotted]; ok {
				return ember.SessionColumn{Name: f}, nil
			}
		}
		if r.level != ember.LevelSpan {
			switch dotted {
			case "spans", "traces", "span", "trace":
				return nil, &Error{Pos: n.at(), Msg: fmt.Sprintf("'%s' can only be used in a quantifier, e.g. any(span.span_kind == 'LLM' for span in spans)", dotted), Token: dotted}
			}
		}
	}
	// Annotation terms: evals['x'], evals['x'].label.
	if a, ok := n.(attrNode); ok {
		if term, ok, err := annotationTerm(a.x); ok || err != nil {
			if err != nil {
				return nil, err
			}
			switch field := ember.AnnotationField(a.name); field {
			case ember.FieldLabel, ember.FieldScore, ember.FieldExplanation:
				term.Field = field
				return term, nil
			}
			return nil, &Error{Pos: a.pos, Msg: fmt.Sprintf("an annotation has no field '%s': use label, score or explanation", a.name), Token: a.name, Suggestion: suggest(a.name, []string{"label", "score", "explanation"})}
		}
	}
	if term, ok, err := annotationTerm(n); ok || err != nil {
		return term, err
	}
	// A dotted name made only of names is looked up whole first.
	if dotted, ok := dottedName(n); ok {
		if col, ok := reservedColumns[dotted]; ok && r.level == ember.LevelSpan {
			return ember.Column{Name: col}, nil
		}
		first, _, _ := strings.Cut(dotted, ".")
		switch first {
		case "attributes":
			if dotted == "attributes" {
				return ember.Attribute{Whole: true, As: ember.TypeJSON}, nil
			}
		case "events":
			return nil, &Error{Pos: n.at(), Msg: "events cannot be filtered on", Token: "events"}
		}
		if _, ok := annotationBases[dotted]; ok {
			return nil, &Error{Pos: n.at(), Msg: fmt.Sprintf("%s needs an annotation name, e.g. %s['correctness'].label", dotted, dotted), Token: dotted}
		}
		if !strings.Contains(dotted, ".") && dotted != "metadata" {
			if s := suggest(dotted, levelNames(r.level)); s != "" {
				return nil, &Error{Pos: n.at(), Msg: fmt.Sprintf("unknown name '%s'", dotted), Token: dotted, Suggestion: s}
			}
		}
		path := make([]ember.PathSegment, 0, 4)
		for _, seg := range strings.Split(dotted, ".") {
			path = append(path, ember.PathSegment{Key: seg})
		}
		return ember.Attribute{Path: path, As: ember.TypeJSON}, nil
	}
	if a, ok := n.(attrNode); ok {
		// A key after a subscript: llm.input_messages[0].message.
		base, err := r.reference(a.x)
		if err != nil {
			return nil, err
		}
		attr, ok := base.(ember.Attribute)
		if !ok {
			return nil, &Error{Pos: a.pos, Msg: "only attributes have keys", Token: a.name}
		}
		return ember.Attribute{As: ember.TypeJSON, Path: append(append([]ember.PathSegment{}, attr.Path...), ember.PathSegment{Key: a.name})}, nil
	}
	idx, ok := n.(indexNode)
	if !ok {
		return nil, &Error{Pos: n.at(), Msg: "attributes can only be read by name"}
	}
	base, err := r.reference(idx.x)
	if err != nil {
		return nil, err
	}
	attr, ok := base.(ember.Attribute)
	if !ok {
		return nil, &Error{Pos: idx.pos, Msg: "only attributes can be subscripted"}
	}
	segs, err := keySegments(idx.key)
	if err != nil {
		return nil, err
	}
	out := ember.Attribute{As: ember.TypeJSON, Path: append(append([]ember.PathSegment{}, attr.Path...), segs...)}
	return out, nil
}

// dottedName renders a chain of names joined by dots.
func dottedName(n node) (string, bool) {
	switch n := n.(type) {
	case nameNode:
		return n.name, true
	case attrNode:
		base, ok := dottedName(n.x)
		return base + "." + n.name, ok
	}
	return "", false
}

// keySegments reads a subscript: a string key, an int index, or a list or
// tuple of them naming a path.
func keySegments(n node) ([]ember.PathSegment, error) {
	switch k := n.(type) {
	case strNode:
		return []ember.PathSegment{{Key: k.s}}, nil
	case numNode:
		i, err := strconv.Atoi(strings.ReplaceAll(k.text, "_", ""))
		if err != nil || i < 0 {
			return nil, &Error{Pos: k.pos, Msg: "an index must be a non-negative integer", Token: k.text}
		}
		return []ember.PathSegment{{Index: i, IsIndex: true}}, nil
	case seqNode:
		if len(k.elts) == 0 {
			return nil, &Error{Pos: k.pos, Msg: "an empty path names nothing"}
		}
		var out []ember.PathSegment
		for _, e := range k.elts {
			if _, nested := e.(seqNode); nested {
				return nil, &Error{Pos: e.at(), Msg: "a path is a flat list of keys"}
			}
			segs, err := keySegments(e)
			if err != nil {
				return nil, err
			}
			out = append(out, segs...)
		}
		return out, nil
	}
	return nil, &Error{Pos: n.at(), Msg: "a key must be a string or an integer literal"}
}

// annotationTerm reads evals['name'] (or annotations[...],
// trace_annotations[...]); ok is false when n is something else.
func annotationTerm(n node) (ember.AnnotationTerm, bool, error) {
	idx, ok := n.(indexNode)
	if !ok {
		return ember.AnnotationTerm{}, false, nil
	}
	base, ok := idx.x.(nameNode)
	if !ok {
		return ember.AnnotationTerm{}, false, nil
	}
	target, ok := annotationBases[base.name]
	if !ok {
		return ember.AnnotationTerm{}, false, nil
	}
	name, ok := idx.key.(strNode)
	if !ok {
		return ember.AnnotationTerm{}, true, &Error{Pos: idx.key.at(), Msg: fmt.Sprintf("%s takes an annotation name in quotes, e.g. %s['correctness']", base.name, base.name)}
	}
	return ember.AnnotationTerm{Target: target, Name: name.s, Field: ember.FieldExists}, true, nil
}

func (r *resolver) call(n callNode) (ember.Expr, error) {
	fn, ok := n.fn.(nameNode)
	if !ok {
		return nil, &Error{Pos: n.pos, Msg: "only str(), int() and float() can be called"}
	}
	if len(n.args) == 1 {
		if g, ok := n.args[0].(genNode); ok {
			return r.quantifier(fn, g)
		}
	}
	var to ember.ExprType
	switch fn.name {
	case "str":
		to = ember.TypeString
	case "int", "float":
		to = ember.TypeNumber
	default:
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("%s() cannot be called: only str(), int() and float() can", fn.name), Token: fn.name, Suggestion: suggest(fn.name, []string{"str", "int", "float"})}
	}
	if len(n.args) != 1 {
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("%s() takes exactly one argument", fn.name), Token: fn.name}
	}
	x, err := r.expr(n.args[0])
	if err != nil {
		return nil, err
	}
	if a, ok := x.(ember.Attribute); ok {
		if to == ember.TypeNumber {
			a.As = ember.TypeNumber
		} else {
			a.As = ember.TypeString
		}
		x = a
	}
	if x.Type() == ember.TypeBool {
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("%s() of a condition is not supported", fn.name)}
	}
	if to == ember.TypeNumber && x.Type() != ember.TypeNumber {
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("%s() takes a number or an attribute", fn.name), Token: fn.name}
	}
	return ember.Cast{To: to, Integer: fn.name == "int", X: x}, nil
}

func (r *resolver) unary(n unaryNode) (ember.Expr, error) {
	x, err := r.expr(n.x)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "not":
		c, err := r.condition(x, n.x)
		if err != nil {
			return nil, err
		}
		return ember.Not{X: c}, nil
	case "-", "+":
		x, err := r.asNumber(x, n.x)
		if err != nil {
			return nil, err
		}
		if l, ok := x.(ember.Literal); ok {
			switch v := l.Value.(type) {
			case int64:
				if n.op == "-" {
					return ember.Literal{Value: -v}, nil
				}
				return l, nil
			case float64:
				if n.op == "-" {
					return ember.Literal{Value: -v}, nil
				}
				return l, nil
			}
		}
		if n.op == "+" {
			return x, nil
		}
		return ember.Negate{X: x}, nil
	}
	return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("the operator %s is not supported", n.op), Token: n.op}
}

// asNumber reads x as a number: attributes are read numerically.
func (r *resolver) asNumber(x ember.Expr, n node) (ember.Expr, error) {
	switch x.Type() {
	case ember.TypeNumber:
		return x, nil
	case ember.TypeJSON:
		if a, ok := x.(ember.Attribute); ok && !a.Whole {
			a.As = ember.TypeNumber
			return a, nil
		}
	}
	return nil, &Error{Pos: n.at(), Msg: "a number is needed here"}
}

func (r *resolver) binary(n binNode) (ember.Expr, error) {
	switch n.op {
	case "+", "-", "*", "/", "%", "//":
	default:
		return nil, &Error{Pos: n.pos, Msg: fmt.Sprintf("the operator %s is not supported", n.op), Token: n.op}
	}
	l, err := r.expr(n.l)
	if err != nil {
		return nil, err
	}
	rt, err := r.expr(n.r)
	if err != nil {
		return nil, err
	}
	// "+" joins strings when one side is certainly text.
	if n.op == "+" && (l.Type() == ember.TypeString || rt.Type() == ember.TypeString) {
		l, err = asString(l, n.l)
		if err != nil {
			return nil, err
		}
		rt, err = asString(rt, n.r)
		if err != nil {
			return nil, err
		}
		return ember.Arith{Op: "+", Left: l, Right: rt, As: ember.TypeString}, nil
	}
	if l, err = r.asNumber(l, n.l); err != nil {
		return nil, err
	}
	if rt, err = r.asNumber(rt, n.r); err != nil {
		return nil, err
	}
	return ember.Arith{Op: n.op, Left: l, Right: rt, As: ember.TypeNumber}, nil
}

func asString(x ember.Expr, n node) (ember.Expr, error) {
	switch x.Type() {
	case ember.TypeString:
		return x, nil
	case ember.TypeJSON:
		if a, ok := x.(ember.Attribute); ok && !a.Whole {
			a.As = ember.TypeString
			return a, nil
		}
	}
	return nil, &Error{Pos: n.at(), Msg: "text is needed here"}
}

// comparison resolves a (possibly chained) comparison; a < b < c is
// a < b and b < c.
func (r *resolver) comparison(n cmpNode) (ember.Expr, error) {
	left, err := r.expr(n.first)
	if err != nil {
		return nil, err
	}
	leftNode := n.first
	var parts []ember.Expr
	for i, op := range n.ops {
		rightNode := n.rest[i]
		var part ember.Expr
		var right ember.Expr
		switch op {
		case "in", "not in":
			part, right, err = r.membership(left, leftNode, rightNode)
			if err == nil && op == "not in" {
				part = ember.Not{X: part}
			}
		default:
			right, err = r.expr(rightNode)
			if err == nil {
				part, err = r.compare(op, left, right, leftNode, rightNode)
			}
		}
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		left, leftNode = right, rightNode
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return ember.Logical{Op: "and", Args: parts}, nil
}

// membership resolves "x in y": list membership when y is a list or
// tuple, else a case-insensitive substring test.
func (r *resolver) membership(left ember.Expr, leftNode, rightNode node) (ember.Expr, ember.Expr, error) {
	if seq, ok := rightNode.(seqNode); ok {
		if len(seq.elts) == 0 {
			return nil, nil, &Error{Pos: seq.pos, Msg: "the list after 'in' is empty"}
		}
		var list []ember.Expr
		for _, e := range seq.elts {
			v, err := r.expr(e)
			if err != nil {
				return nil, nil, err
			}
			l, ok := v.(ember.Literal)
			if !ok || l.Value == nil {
				return nil, nil, &Error{Pos: e.at(), Msg: "the list after 'in' must hold strings, numbers or booleans"}
			}
			list = append(list, v)
		}
		x, err := r.typed(left, list[0].Type(), leftNode)
		if err != nil {
			return nil, nil, err
		}
		for i, v := range list {
			if v.Type() != list[0].Type() && !(v.Type() == ember.TypeNumber && list[0].Type() == ember.TypeNumber) {
				return nil, nil, &Error{Pos: seq.elts[i].at(), Msg: "the list after 'in' must hold values of one type"}
			}
			list[i] = upperForEnumColumn(x, v)
		}
		return ember.In{X: x, List: list}, nil, nil
	}
	right, err := r.expr(rightNode)
	if err != nil {
		return nil, nil, err
	}
	needle, err := asString(left, leftNode)
	if err != nil {
		return nil, nil, &Error{Pos: leftNode.at(), Msg: "'in' looks for text in text, or a value in a list"}
	}
	haystack, err := asString(right, rightNode)
	if err != nil {
		return nil, nil, &Error{Pos: rightNode.at(), Msg: "'in' looks for text in text, or a value in a list"}
	}
	return ember.Contains{Needle: needle, Haystack: haystack}, right, nil
}

// typed reads x as type t when x is an attribute of unknown type, and
// checks that fixed types agree.
func (r *resolver) typed(x ember.Expr, t ember.ExprType, n node) (ember.Expr, error) {
	if a, ok := x.(ember.Attribute); ok && a.As == ember.TypeJSON {
		if a.Whole {
			return nil, &Error{Pos: n.at(), Msg: "the whole attributes object cannot be compared; name a key, e.g. attributes['llm']['model_name']"}
		}
		a.As = t
		return a, nil
	}
	if x.Type() != t && x.Type() != ember.TypeJSON && t != ember.TypeJSON {
		return nil, &Error{Pos: n.at(), Msg: fmt.Sprintf("cannot compare %s with %s", typeName(x.Type()), typeName(t))}
	}
	return x, nil
}

func typeName(t ember.ExprType) string {
	switch t {
	case ember.TypeBool:
		return "a boolean"
	case ember.TypeString:
		return "text"
	case ember.TypeNumber:
		return "a number"
	case ember.TypeNull:
		return "None"
	}
	return "an attribute"
}

// compare resolves one binary comparison.
func (r *resolver) compare(op string, l, rt ember.Expr, ln, rn node) (ember.Expr, error) {
	if op == "is" || op == "is not" {
		if lit, ok := rt.(ember.Literal); ok && lit.Value == nil {
			return r.isNull(l, ln, op == "is not")
		}
		if lit, ok := l.(ember.Literal); ok && lit.Value == nil {
			return r.isNull(rt, rn, op == "is not")
		}
		if _, ok := rt.(ember.Literal); !ok {
			return nil, &Error{Pos: rn.at(), Msg: "'is' compares with None, True or False"}
		}
		if op == "is" {
			op = "=="
		} else {
			op = "!="
		}
	}
	// == None is read as is None.
	if lit, ok := rt.(ember.Literal); ok && lit.Value == nil && (op == "==" || op == "!=") {
		return r.isNull(l, ln, op == "!=")
	}
	if lit, ok := l.(ember.Literal); ok && lit.Value == nil && (op == "==" || op == "!=") {
		return r.isNull(rt, rn, op == "!=")
	}
	if c, ok := l.(ember.Column); ok && c.Name == ember.ColumnParentSpan {
		return nil, &Error{Pos: ln.at(), Msg: "parent_span can only be tested with 'is None' or 'is not None'", Token: "parent_span"}
	}
	if c, ok := rt.(ember.Column); ok && c.Name == ember.ColumnParentSpan {
		return nil, &Error{Pos: rn.at(), Msg: "parent_span can only be tested with 'is None' or 'is not None'", Token: "parent_span"}
	}
	var err error
	if l, rt, err = timeLiterals(l, rt, rn); err != nil {
		return nil, err
	}
	if rt, l, err = timeLiterals(rt, l, ln); err != nil {
		return nil, err
	}
	lt, rtt := l.Type(), rt.Type()
	switch {
	case lt == ember.TypeJSON && rtt == ember.TypeJSON:
		if l, err = r.typed(l, ember.TypeString, ln); err != nil {
			return nil, err
		}
		if rt, err = r.typed(rt, ember.TypeString, rn); err != nil {
			return nil, err
		}
	case lt == ember.TypeJSON:
		if l, err = r.typed(l, rtt, ln); err != nil {
			return nil, err
		}
	case rtt == ember.TypeJSON:
		if rt, err = r.typed(rt, lt, rn); err != nil {
			return nil, err
		}
	case lt != rtt:
		return nil, &Error{Pos: rn.at(), Msg: fmt.Sprintf("cannot compare %s with %s", typeName(lt), typeName(rtt))}
	}
	if l.Type() == ember.TypeBool && op != "==" && op != "!=" {
		return nil, &Error{Pos: ln.at(), Msg: "booleans can only be compared with == or !="}
	}
	rt = upperForEnumColumn(l, rt)
	l = upperForEnumColumn(rt, l)
	return ember.Compare{Op: op, Left: l, Right: rt}, nil
}

func (r *resolver) isNull(x ember.Expr, n node, negate bool) (ember.Expr, error) {
	switch x := x.(type) {
	case ember.Attribute:
		if x.Whole {
			return nil, &Error{Pos: n.at(), Msg: "the whole attributes object is never None"}
		}
		return ember.IsNull{X: x, Negate: negate}, nil
	case ember.Column, ember.TraceColumn, ember.SessionColumn, ember.Quantifier, ember.AnnotationTerm, ember.Cast, ember.Arith:
		return ember.IsNull{X: x, Negate: negate}, nil
	case ember.Literal:
		if (x.Value == nil) != negate {
			return ember.Compare{Op: "==", Left: ember.Literal{Value: int64(1)}, Right: ember.Literal{Value: int64(1)}}, nil
		}
		return ember.Compare{Op: "==", Left: ember.Literal{Value: int64(1)}, Right: ember.Literal{Value: int64(0)}}, nil
	}
	return nil, &Error{Pos: n.at(), Msg: "only a value can be compared with None"}
}

// upperForEnumColumn upper-cases a string literal compared with span_kind
// or status_code, which are stored upper-case: span_kind == 'llm' works.
func upperForEnumColumn(other, x ember.Expr) ember.Expr {
	c, ok := other.(ember.Column)
	if !ok || (c.Name != ember.ColumnSpanKind && c.Name != ember.ColumnStatusCode) {
		return x
	}
	if l, ok := x.(ember.Literal); ok {
		if s, ok := l.Value.(string); ok {
			return ember.Literal{Value: strings.ToUpper(s)}
		}
	}
	return x
}

// suggest returns the candidate closest to name, when one is close enough
// to be a misspelling: one edit for short names, two for longer ones.
func suggest(name string, candidates []string) string {
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == name {
			return ""
		}
		d := editDistance(strings.ToLower(name), c)
		if d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if bestDist > limit {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 100
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// timeLayouts are the ISO 8601 forms a time literal may take; each must
// carry its offset, so that a condition means the same everywhere.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04Z07:00"}

// timeLiterals reads a string compared with start_time or end_time as a
// time, in the Unix nanoseconds those columns hold.
func timeLiterals(col, other ember.Expr, otherNode node) (ember.Expr, ember.Expr, error) {
	var name string
	switch c := col.(type) {
	case ember.Column:
		if c.Name == ember.ColumnStartTime || c.Name == ember.ColumnEndTime {
			name = string(c.Name)
		}
	case ember.TraceColumn:
		if c.Name == ember.TraceFieldStartTime || c.Name == ember.TraceFieldEndTime {
			name = string(c.Name)
		}
	case ember.SessionColumn:
		if c.Name == ember.SessionFieldStartTime || c.Name == ember.SessionFieldEndTime {
			name = string(c.Name)
		}
	}
	if name == "" {
		return col, other, nil
	}
	lit, ok := other.(ember.Literal)
	if !ok {
		return col, other, nil
	}
	s, ok := lit.Value.(string)
	if !ok {
		return col, other, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return col, ember.Literal{Value: t.UnixNano()}, nil
		}
	}
	return nil, nil, &Error{Pos: otherNode.at(), Msg: fmt.Sprintf("%s compares with a time with its offset, e.g. '2026-01-02T15:04:05+00:00'", name), Token: s}
}

// quantifier resolves any/all/max/min/sum over a trace's or session's
// spans, or a session's traces.
func (r *resolver) quantifier(fn nameNode, g genNode) (ember.Expr, error) {
	switch fn.name {
	case "any", "all", "max", "min", "sum":
	default:
		return nil, &Error{Pos: fn.pos, Msg: fmt.Sprintf("%s() cannot take a generator: use any, all, max, min or sum", fn.name), Token: fn.name, Suggestion: suggest(fn.name, []string{"any", "all", "max", "min", "sum"})}
	}
	if r.level == ember.LevelSpan {
		return nil, &Error{Pos: fn.pos, Msg: "quantifiers belong to trace and session conditions", Token: fn.name}
	}
	if r.loopVar != "" {
		return nil, &Error{Pos: fn.pos, Msg: "quantifiers cannot be nested", Token: fn.name}
	}
	iter, ok := g.iter.(nameNode)
	var over ember.ConditionLevel
	switch {
	case ok && iter.name == "spans":
		over = ember.LevelSpan
	case ok && iter.name == "traces" && r.level == ember.LevelSession:
		over = ember.LevelTrace
	default:
		want := "spans"
		if r.level == ember.LevelSession {
			want = "spans or traces"
		}
		return nil, &Error{Pos: g.iter.at(), Msg: "a quantifier ranges over " + want}
	}
	inner := resolver{level: r.level, loopVar: g.name, loopAt: over}
	body, err := inner.expr(g.elt)
	if err != nil {
		return nil, err
	}
	q := ember.Quantifier{Op: fn.name, Over: over}
	if fn.name == "any" || fn.name == "all" {
		if q.Body, err = inner.condition(body, g.elt); err != nil {
			return nil, err
		}
	} else if q.Body, err = inner.asNumber(body, g.elt); err != nil {
		return nil, err
	}
	if g.cond != nil {
		where, err := inner.expr(g.cond)
		if err != nil {
			return nil, err
		}
		if q.Where, err = inner.condition(where, g.cond); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// stripLoopVar rewrites span.x.y (for the loop variable span) as x.y; ok
// is false when n does not start with the variable, and the node is nil
// when n is the bare variable.
func stripLoopVar(n node, v string) (node, bool) {
	switch x := n.(type) {
	case nameNode:
		return nil, x.name == v
	case attrNode:
		if base, ok := x.x.(nameNode); ok && base.name == v {
			return nameNode{name: x.name, pos: x.pos}, true
		}
		inner, ok := stripLoopVar(x.x, v)
		if !ok || inner == nil {
			return nil, ok
		}
		return attrNode{x: inner, name: x.name, pos: x.pos}, true
	case indexNode:
		inner, ok := stripLoopVar(x.x, v)
		if !ok || inner == nil {
			return nil, ok
		}
		return indexNode{x: inner, key: x.key, pos: x.pos}, true
	}
	return nil, false
}
