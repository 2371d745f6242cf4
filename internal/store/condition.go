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
	c := conditionCompiler{d: db.dialect, arg: arg}
	return c.expr(e)
}

type conditionCompiler struct {
	d   Dialect
	arg func(any) string
}

// spanColumns maps the filter language's span fields to SQL.
var conditionColumns = map[ember.SpanColumn]string{
	ember.ColumnSpanID:               "s.span_id",
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
		if e.Value == nil {
			return "NULL", nil
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
		return c.d.JSONValue("s.attributes", e.Path, e.As, c.arg), nil
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
		return "(" + l + " " + op + " " + r + ")", nil
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
		return "(" + x + " IN (" + strings.Join(items, ", ") + "))", nil
	case ember.IsNull:
		if col, ok := e.X.(ember.Column); ok && col.Name == ember.ColumnParentSpan {
			// A root, or an orphan whose parent is not stored.
			exists := "EXISTS (SELECT 1 FROM spans p WHERE p.span_id = s.parent_id)"
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
		return "", ember.Errorf(ember.EUNPROCESSABLE, "annotation terms are not supported yet")
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

// ConditionSQL returns the SQL and parameters a span condition compiles
// to, for tests and for explaining a slow query.
func (db *DB) ConditionSQL(e ember.Expr) (string, []any, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	sql, err := db.compileCondition(e, arg)
	return sql, args, err
}
