package store

import (
	"fmt"
	"strings"

	"github.com/emberhq/ember"
)

// compileCondition turns a span condition into SQL over the spans row s
// joined with its trace t. Only fixed SQL text is written: names map to
// columns, and every literal and attribute path is bound through arg.
func (db *DB) compileCondition(e ember.Expr, arg func(any) string) (string, error) {
	c := conditionCompiler{d: db.dialect, arg: arg, level: ember.LevelSpan}
	return c.expr(e)
}

// compileTraceCondition turns a trace condition into SQL over the traces
// row t.
func (db *DB) compileTraceCondition(e ember.Expr, arg func(any) string) (string, error) {
	c := conditionCompiler{d: db.dialect, arg: arg, level: ember.LevelTrace}
	return c.expr(e)
}

// compileSessionCondition turns a session condition into SQL over the
// project_sessions row ps.
func (db *DB) compileSessionCondition(e ember.Expr, arg func(any) string) (string, error) {
	c := conditionCompiler{d: db.dialect, arg: arg, level: ember.LevelSession}
	return c.expr(e)
}

type conditionCompiler struct {
	d     Dialect
	arg   func(any) string
	level ember.ConditionLevel // what the row in scope is: s, t or ps
}

// traceColumnSQL maps trace fields to SQL over the trace t.
var traceColumnSQL = map[ember.TraceField]string{
	ember.TraceFieldTraceID:              "t.trace_id",
	ember.TraceFieldStartTime:            "t.start_time",
	ember.TraceFieldEndTime:              "t.end_time",
	ember.TraceFieldLatencyMS:            "((t.end_time - t.start_time) / 1000000.0)",
	ember.TraceFieldNumSpans:             "(SELECT COUNT(*) FROM spans x WHERE x.trace_rowid = t.id)",
	ember.TraceFieldErrorCount:           "(SELECT COUNT(*) FROM spans x WHERE x.trace_rowid = t.id AND x.status_code = 'ERROR')",
	ember.TraceFieldTokenCountPrompt:     "t.llm_token_count_prompt",
	ember.TraceFieldTokenCountCompletion: "t.llm_token_count_completion",
	ember.TraceFieldTokenCountTotal:      "(t.llm_token_count_prompt + t.llm_token_count_completion)",
	ember.TraceFieldTotalCost:            "(SELECT COALESCE(SUM(x.total_cost), 0) FROM span_costs x WHERE x.trace_rowid = t.id)",
	ember.TraceFieldToolSpanCount:        "(SELECT COUNT(*) FROM spans x WHERE x.trace_rowid = t.id AND x.span_kind = 'TOOL')",
	ember.TraceFieldLLMSpanCount:         "(SELECT COUNT(*) FROM spans x WHERE x.trace_rowid = t.id AND x.span_kind = 'LLM')",
}

// traceRoot reads expr over the trace's root span r (its first, should a
// trace have several).
const traceRoot = "(SELECT %s FROM spans r WHERE r.trace_rowid = t.id AND r.parent_id IS NULL ORDER BY r.start_time, r.id LIMIT 1)"

// sessionRoot reads expr over the root span r of the session's first trace.
const sessionRoot = "(SELECT %s FROM spans r JOIN traces x ON x.id = r.trace_rowid WHERE x.project_session_id = ps.id AND r.parent_id IS NULL ORDER BY r.start_time, r.id LIMIT 1)"

var sessionColumnSQL = map[ember.SessionField]string{
	ember.SessionFieldSessionID:          "ps.session_id",
	ember.SessionFieldUserID:             "ps.user_id",
	ember.SessionFieldStartTime:          "ps.start_time",
	ember.SessionFieldEndTime:            "ps.end_time",
	ember.SessionFieldDurationMS:         "((ps.end_time - ps.start_time) / 1000000.0)",
	ember.SessionFieldNumTraces:          "(SELECT COUNT(*) FROM traces x WHERE x.project_session_id = ps.id)",
	ember.SessionFieldNumTracesWithError: "(SELECT COUNT(*) FROM traces x WHERE x.project_session_id = ps.id AND EXISTS (SELECT 1 FROM spans y WHERE y.trace_rowid = x.id AND y.status_code = 'ERROR'))",
	ember.SessionFieldTokenCountTotal:    "(SELECT COALESCE(SUM(COALESCE(y.llm_token_count_prompt, 0) + COALESCE(y.llm_token_count_completion, 0)), 0) FROM spans y JOIN traces x ON x.id = y.trace_rowid WHERE x.project_session_id = ps.id)",
	ember.SessionFieldTotalCost:          "(SELECT COALESCE(SUM(y.total_cost), 0) FROM span_costs y JOIN traces x ON x.id = y.trace_rowid WHERE x.project_session_id = ps.id)",
}

// rootValue reads a root span's input.value or output.value.
func (c *conditionCompiler) rootValue(template, key string) string {
	path := []ember.PathSegment{{Key: key}, {Key: "value"}}
	return fmt.Sprintf(template, c.d.JSONValue("r.attributes", path, ember.TypeString, c.arg))
}

// spanColumns maps the filter language's span fields to SQL.
var conditionColumns = map[ember.SpanColumn]string{
	ember.ColumnSpanID:               spanIDColumn,
	ember.ColumnTraceID:              "t.trace_id",
	ember.ColumnParentID:             "s.parent_id",
	ember.ColumnName:                 "s.name",
	ember.ColumnSpanKind:             "s.span_kind",
	ember.ColumnStatusCode:           "s.status_code",
	ember.ColumnStatusMessage:        "s.status_message",
	ember.ColumnLatencyMS:            "((s.end_time - s.start_time) / 1000000.0)",
	ember.ColumnStartTime:            "s.start_time",
	ember.ColumnEndTime:              "s.end_time",
	ember.ColumnCumulativePrompt:     "s.cumulative_llm_token_count_prompt",
	ember.ColumnCumulativeCompletion: "s.cumulative_llm_token_count_completion",
	ember.ColumnCumulativeTotal:      "(s.cumulative_llm_token_count_prompt + s.cumulative_llm_token_count_completion)",
}

var comparisonOps = map[string]string{"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (c *conditionCompiler) expr(e ember.Expr) (string, error) {
	switch e := e.(type) {
	case ember.Literal:
		switch e.Value.(type) {
		case nil:
			return "NULL", nil
		case int64:
			// Typed, so that an engine can place a number where nothing
			// else tells its type, as in SUM(1).
			return "CAST(" + c.arg(e.Value) + " AS BIGINT)", nil
		case float64:
			return "CAST(" + c.arg(e.Value) + " AS DOUBLE PRECISION)", nil
		}
		if s, ok := e.Value.(string); ok {
			return c.arg(ember.CleanText(s)), nil
		}
		return c.arg(e.Value), nil
	case ember.Column:
		col, ok := conditionColumns[e.Name]
		if !ok {
			return "", ember.Errorf(ember.EUNPROCESSABLE, "%s can only be tested with 'is None'", e.Name)
		}
		return col, nil
	case ember.Attribute:
		if e.Whole {
			return "", ember.Errorf(ember.EUNPROCESSABLE, "the whole attributes object cannot be compared")
		}
		e.Path = cleanPath(e.Path)
		switch c.level {
		case ember.LevelTrace:
			return fmt.Sprintf(traceRoot, c.d.JSONValue("r.attributes", e.Path, e.As, c.arg)), nil
		case ember.LevelSession:
			return fmt.Sprintf(sessionRoot, c.d.JSONValue("r.attributes", e.Path, e.As, c.arg)), nil
		}
		return c.d.JSONValue("s.attributes", e.Path, e.As, c.arg), nil
	case ember.TraceColumn:
		switch e.Name {
		case ember.TraceFieldName:
			return fmt.Sprintf(traceRoot, "r.name"), nil
		case ember.TraceFieldInput:
			return c.rootValue(traceRoot, "input"), nil
		case ember.TraceFieldOutput:
			return c.rootValue(traceRoot, "output"), nil
		}
		col, ok := traceColumnSQL[e.Name]
		if !ok {
			return "", fmt.Errorf("compile condition: unknown trace field %q", e.Name)
		}
		return col, nil
	case ember.SessionColumn:
		col, ok := sessionColumnSQL[e.Name]
		if !ok {
			return "", ember.Errorf(ember.EUNPROCESSABLE, "%s can only be searched: 'text' in %s", e.Name, e.Name)
		}
		return col, nil
	case ember.Quantifier:
		return c.quantifier(e)
	case ember.Compare:
		op, ok := comparisonOps[e.Op]
		if !ok {
			return "", fmt.Errorf("compile condition: unknown operator %q", e.Op)
		}
		if l, ok := e.Left.(ember.Literal); ok {
			if r, ok := e.Right.(ember.Literal); ok {
				// Two constants: decide here, since an engine cannot type
				// a comparison of two bare parameters.
				if compareLiterals(e.Op, l.Value, r.Value) {
					return "(1 = 1)", nil
				}
				return "(1 = 0)", nil
			}
		}
		l, err := c.expr(e.Left)
		if err != nil {
			return "", err
		}
		r, err := c.expr(e.Right)
		if err != nil {
			return "", err
		}
		cond := "(" + l + " " + op + " " + r + ")"
		if e.Op == "==" && (l == spanIDColumn || r == spanIDColumn) {
			cond = withSpanIDLookup(c.d, "s", cond)
		}
		return cond, nil
	case ember.Logical:
		if len(e.Args) == 0 {
			return "", fmt.Errorf("compile condition: empty %s", e.Op)
		}
		joiner := " AND "
		if e.Op == "or" {
			joiner = " OR "
		}
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			p, err := c.expr(a)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, joiner) + ")", nil
	case ember.Not:
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	case ember.Contains:
		n, err := c.expr(e.Needle)
		if err != nil {
			return "", err
		}
		if col, ok := e.Haystack.(ember.SessionColumn); ok && (col.Name == ember.SessionFieldAnyInput || col.Name == ember.SessionFieldAnyOutput) {
			key := "input"
			if col.Name == ember.SessionFieldAnyOutput {
				key = "output"
			}
			value := c.d.JSONValue("r.attributes", []ember.PathSegment{{Key: key}, {Key: "value"}}, ember.TypeString, c.arg)
			return "(EXISTS (SELECT 1 FROM spans r JOIN traces x ON x.id = r.trace_rowid WHERE x.project_session_id = ps.id AND r.parent_id IS NULL AND " + c.d.ContainsFold(value, n) + "))", nil
		}
		h, err := c.expr(e.Haystack)
		if err != nil {
			return "", err
		}
		return "(" + c.d.ContainsFold(h, n) + ")", nil
	case ember.In:
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		items := make([]string, len(e.List))
		for i, v := range e.List {
			if items[i], err = c.expr(v); err != nil {
				return "", err
			}
		}
		cond := "(" + x + " IN (" + strings.Join(items, ", ") + "))"
		if x == spanIDColumn {
			cond = withSpanIDLookup(c.d, "s", cond)
		}
		return cond, nil
	case ember.IsNull:
		if col, ok := e.X.(ember.Column); ok && col.Name == ember.ColumnParentSpan {
			// A root, or an orphan whose parent is not stored.
			exists := "EXISTS (SELECT 1 FROM spans p WHERE p.trace_rowid = s.trace_rowid AND p.span_id = s.parent_id)"
			if e.Negate {
				return "(" + exists + ")", nil
			}
			return "(NOT " + exists + ")", nil
		}
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		if e.Negate {
			return "(" + x + " IS NOT NULL)", nil
		}
		return "(" + x + " IS NULL)", nil
	case ember.Arith:
		l, err := c.expr(e.Left)
		if err != nil {
			return "", err
		}
		r, err := c.expr(e.Right)
		if err != nil {
			return "", err
		}
		if e.As == ember.TypeString {
			return "(" + l + " || " + r + ")", nil
		}
		switch e.Op {
		case "+", "-", "*":
			return "(" + l + " " + e.Op + " " + r + ")", nil
		case "/":
			return "((" + l + ") * 1.0 / NULLIF(" + r + ", 0))", nil
		case "//":
			return c.d.Floor("((" + l + ") * 1.0 / NULLIF(" + r + ", 0))"), nil
		case "%":
			return c.d.Mod(l, "NULLIF("+r+", 0)"), nil
		}
		return "", fmt.Errorf("compile condition: unknown operator %q", e.Op)
	case ember.Negate:
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		return "(-" + x + ")", nil
	case ember.Cast:
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		switch {
		case e.To == ember.TypeString:
			if e.X.Type() == ember.TypeString {
				return x, nil
			}
			return c.d.NumberText(x), nil
		case e.Integer:
			return c.d.Trunc(x), nil
		}
		return x, nil
	case ember.Truthy:
		x, err := c.expr(e.X)
		if err != nil {
			return "", err
		}
		return "(" + x + " = " + c.arg(true) + ")", nil
	case ember.AnnotationTerm:
		return c.annotation(e)
	}
	return "", fmt.Errorf("compile condition: unexpected %T", e)
}

// compareLiterals compares two constants as SQL would: a comparison with
// NULL is never true.
func compareLiterals(op string, a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	var cmp int
	if x, ok := num(a); ok {
		y, ok := num(b)
		if !ok {
			return false
		}
		cmp = compareOrdered(x, y)
	} else if x, ok := a.(string); ok {
		y, ok := b.(string)
		if !ok {
			return false
		}
		cmp = strings.Compare(x, y)
	} else if x, ok := a.(bool); ok {
		y, ok := b.(bool)
		if !ok {
			return false
		}
		cmp = compareOrdered(boolInt(x), boolInt(y))
	}
	switch op {
	case "==":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

func compareOrdered[T int | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ConditionSQL returns the SQL and parameters a condition of the given
// level compiles to, for tests and for explaining a slow query.
func (db *DB) ConditionSQL(level ember.ConditionLevel, e ember.Expr) (string, []any, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	c := conditionCompiler{d: db.dialect, arg: arg, level: level}
	sql, err := c.expr(e)
	return sql, args, err
}

// quantifier compiles any/all/max/min/sum over the spans of the trace (or
// session) in scope, or the traces of the session in scope, as a
// correlated subquery.
func (c *conditionCompiler) quantifier(q ember.Quantifier) (string, error) {
	var from string
	switch {
	case c.level == ember.LevelTrace && q.Over == ember.LevelSpan:
		from = "FROM spans s WHERE s.trace_rowid = t.id"
	case c.level == ember.LevelSession && q.Over == ember.LevelSpan:
		from = "FROM spans s JOIN traces t ON t.id = s.trace_rowid WHERE t.project_session_id = ps.id"
	case c.level == ember.LevelSession && q.Over == ember.LevelTrace:
		from = "FROM traces t WHERE t.project_session_id = ps.id"
	default:
		return "", ember.Errorf(ember.EUNPROCESSABLE, "this quantifier does not apply here")
	}
	inner := conditionCompiler{d: c.d, arg: c.arg, level: q.Over}
	body, err := inner.expr(q.Body)
	if err != nil {
		return "", err
	}
	if q.Where != nil {
		where, err := inner.expr(q.Where)
		if err != nil {
			return "", err
		}
		from += " AND " + where
	}
	switch q.Op {
	case "any":
		return "(EXISTS (SELECT 1 " + from + " AND " + body + "))", nil
	case "all":
		return "(NOT EXISTS (SELECT 1 " + from + " AND (CASE WHEN " + body + " THEN 0 ELSE 1 END) = 1))", nil
	case "max":
		return "(SELECT MAX(" + body + ") " + from + ")", nil
	case "min":
		return "(SELECT MIN(" + body + ") " + from + ")", nil
	case "sum":
		return "(SELECT COALESCE(SUM(" + body + "), 0) " + from + ")", nil
	}
	return "", fmt.Errorf("compile condition: unknown quantifier %q", q.Op)
}

// annotationLinks say, per level and target, which annotations belong to
// the row in scope: a span's own, its trace's or its session's; a trace's
// own, its root span's or its session's; a session's own, or those of its
// traces or their root spans.
var annotationLinks = map[ember.ConditionLevel]map[ember.AnnotationTarget]string{
	ember.LevelSpan: {
		ember.AnnotationTargetSpan:    "span_annotations a WHERE a.span_rowid = s.id",
		ember.AnnotationTargetTrace:   "trace_annotations a WHERE a.trace_rowid = s.trace_rowid",
		ember.AnnotationTargetSession: "session_annotations a WHERE a.session_rowid = t.project_session_id",
	},
	ember.LevelTrace: {
		ember.AnnotationTargetSpan:    "span_annotations a WHERE a.span_rowid = (SELECT r.id FROM spans r WHERE r.trace_rowid = t.id AND r.parent_id IS NULL ORDER BY r.start_time, r.id LIMIT 1)",
		ember.AnnotationTargetTrace:   "trace_annotations a WHERE a.trace_rowid = t.id",
		ember.AnnotationTargetSession: "session_annotations a WHERE a.session_rowid = t.project_session_id",
	},
	ember.LevelSession: {
		ember.AnnotationTargetSpan:    "span_annotations a WHERE a.span_rowid IN (SELECT r.id FROM spans r JOIN traces x ON x.id = r.trace_rowid WHERE x.project_session_id = ps.id AND r.parent_id IS NULL)",
		ember.AnnotationTargetTrace:   "trace_annotations a WHERE a.trace_rowid IN (SELECT x.id FROM traces x WHERE x.project_session_id = ps.id)",
		ember.AnnotationTargetSession: "session_annotations a WHERE a.session_rowid = ps.id",
	},
}

// annotation compiles an annotation term: whether one of that name exists,
// or a field of the latest one (an annotation is upserted per name and
// identifier, so several can share a name).
func (c *conditionCompiler) annotation(e ember.AnnotationTerm) (string, error) {
	from, ok := annotationLinks[c.level][e.Target]
	if !ok {
		return "", ember.Errorf(ember.EUNPROCESSABLE, "these annotations cannot be read here")
	}
	from += " AND a.name = " + c.arg(ember.CleanText(e.Name))
	switch e.Field {
	case ember.FieldExists:
		return "(EXISTS (SELECT 1 FROM " + from + "))", nil
	case ember.FieldLabel, ember.FieldScore, ember.FieldExplanation:
		return "(SELECT a." + string(e.Field) + " FROM " + from + " ORDER BY a.updated_at DESC, a.id DESC LIMIT 1)", nil
	}
	return "", fmt.Errorf("compile condition: unknown annotation field %q", e.Field)
}

// cleanPath cleans an attribute path's keys as stored keys are cleaned.
func cleanPath(path []ember.PathSegment) []ember.PathSegment {
	out := make([]ember.PathSegment, len(path))
	for i, seg := range path {
		out[i] = seg
		out[i].Key = ember.CleanText(seg.Key)
	}
	return out
}

// spanIDColumn is the span id of the row being filtered.
const spanIDColumn = "s.span_id"
