package spanquery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		condition string
		pos       int
		msg       string
		suggest   string
	}{
		{``, 0, "the condition is empty", ""},
		{`span_kind ==`, 12, "unexpected end of the condition", ""},
		{`span_kind == 'LLM' and`, 22, "unexpected end", ""},
		{`latency_ms > 1000 )`, 18, "unexpected ')'", ""},
		{`lantency_ms > 1000`, 0, "unknown name 'lantency_ms'", "latency_ms"},
		{`spankind == 'LLM'`, 0, "unknown name 'spankind'", "span_kind"},
		{`evals['x'].lable == 'y'`, 0, "an annotation has no field 'lable'", "label"},
		{`__import__('os').system('ls')`, 0, "only str(), int() and float() can be called", ""},
		{`__import__('os') == 1`, 0, "__import__() cannot be called", ""},
		{`len(name) > 3`, 0, "len() cannot be called", ""},
		{`lambda: 1`, 0, "lambda is not allowed", ""},
		{`[x for x in y]`, 3, "comprehensions are not allowed", ""},
		{`name == 'a' if True else 'b'`, 12, "conditional expressions are not allowed", ""},
		{`name[1:2] == 'a'`, 6, "slices are not allowed", ""},
		{`latency_ms ** 2 > 4`, 0, "the operator ** is not supported", ""},
		{`span_kind == 3`, 13, "cannot compare text with a number", ""},
		{`name`, 0, "must be a comparison", ""},
		{`True`, 0, "a constant is not a condition", ""},
		{`start_time > '2026-01-01'`, 13, "start_time compares with a time with its offset", ""},
		{`'a' == 'b`, 7, "unterminated string literal", ""},
		{`name == b'x'`, 8, "b-strings are not supported", ""},
		{`name == 1j`, 8, "complex numbers are not supported", ""},
		{`name ^ 2 == 1`, 0, "the operator ^ is not supported", ""},
		{`evals[3] == 'x'`, 6, "evals takes an annotation name in quotes", ""},
		{`events == 'x'`, 0, "events cannot be filtered on", ""},
		{`parent_span == 'x'`, 0, "parent_span can only be tested with 'is None'", ""},
		{`attributes == 'x'`, 0, "the whole attributes object cannot be compared", ""},
		{`name in ()`, 8, "the list after 'in' is empty", ""},
		{`name @ 1`, 0, "the operator @ is not supported", ""},
		{`float(name) > 1`, 0, "float() takes a number or an attribute", ""},
		{strings.Repeat("(", 200) + "x == 1" + strings.Repeat(")", 200), 50, "nested too deeply", ""},
	} {
		_, err := Parse(tc.condition)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%q: error %v", tc.condition, err)
			continue
		}
		if e.Pos != tc.pos || !strings.Contains(e.Msg, tc.msg) || e.Suggestion != tc.suggest {
			t.Errorf("%q: %+v, want position %d, %q, suggestion %q", tc.condition, e, tc.pos, tc.msg, tc.suggest)
		}
	}
}

func TestParseShapes(t *testing.T) {
	e, err := Parse(`1000 < latency_ms < 2000`)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := e.(ember.Logical); !ok || l.Op != "and" || len(l.Args) != 2 {
		t.Errorf("chained comparison: %#v", e)
	}
	e, err = Parse(`span_kind in ('llm', 'Tool')`)
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := e.(ember.In); !ok || in.List[0].(ember.Literal).Value != "LLM" || in.List[1].(ember.Literal).Value != "TOOL" {
		t.Errorf("enum literals are not upper-cased: %#v", e)
	}
	e, err = Parse(`attributes['a']['b.c'] == 1`)
	if err != nil {
		t.Fatal(err)
	}
	attr := e.(ember.Compare).Left.(ember.Attribute)
	if len(attr.Path) != 2 || attr.Path[1].Key != "b.c" || attr.As != ember.TypeNumber {
		t.Errorf("subscripted path: %#v", attr)
	}
	e, err = Parse(`evals['correctness']`)
	if err != nil {
		t.Fatal(err)
	}
	if term, ok := e.(ember.AnnotationTerm); !ok || term.Name != "correctness" || term.Field != ember.FieldExists {
		t.Errorf("bare annotation: %#v", e)
	}
	if _, err := Parse(`"a" "b" in name`); err != nil {
		t.Errorf("adjacent strings: %v", err)
	}
	if _, err := Parse("name == 'it''s'  # a comment"); err != nil {
		t.Errorf("comment: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`span_kind == 'LLM'`, `a.b[0]['c'] > -1.5e3`, `'x' not in y`, `not (a is not None or b)`, `r'\d' in name`, `"\u00e9\x41\101" == name`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err == nil && e.Type() != ember.TypeBool {
			t.Fatalf("%q parsed to a non-condition %#v", s, e)
		}
		if err != nil {
			if pe, ok := err.(*Error); !ok || pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("%q: bad error %#v", s, err)
			}
		}
	})
}

func TestParseKey(t *testing.T) {
	f := func(key string, want ember.Expr) {
		t.Helper()
		got, err := ParseKey(key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %+v, want %+v", key, got, want)
		}
	}
	path := func(keys ...string) ember.Attribute {
		a := ember.Attribute{As: ember.TypeJSON}
		for _, k := range keys {
			a.Path = append(a.Path, ember.PathSegment{Key: k})
		}
		return a
	}
	f("span_id", ember.Column{Name: ember.ColumnSpanID})
	f("context.trace_id", ember.Column{Name: ember.ColumnTraceID})
	f("latency_ms", ember.Column{Name: ember.ColumnLatencyMS})
	f("llm.token_count.total", path("llm", "token_count", "total"))
	f("metadata['tier']", path("metadata", "tier"))
	f("attributes[['retrieval', 'documents']]", path("retrieval", "documents"))
	f("attributes", ember.Attribute{Whole: true, As: ember.TypeJSON})
	for _, bad := range []string{"", "span_kind == 'LLM'", "1", "parent_span", "evals['x'].label", "str(name)", "spn_id", "events"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
