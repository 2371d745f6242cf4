package ingest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/emberhq/ember"
)

// flat builds attributes from key, value pairs. Values: string, int, float64,
// bool, nil (null), val, or func(pcommon.Value) filling an OTLP value.
func flat(kvs ...any) []attr {
	var out []attr
	for i := 0; i < len(kvs); i += 2 {
		out = append(out, attr{key: kvs[i].(string), v: toVal(kvs[i+1])})
	}
	return out
}

func toVal(x any) val {
	switch x := x.(type) {
	case nil:
		return val{}
	case string:
		return strVal(x)
	case int:
		return intVal(int64(x))
	case float64:
		return floatVal(x)
	case bool:
		return boolVal(x)
	case val:
		return x
	case func(pcommon.Value):
		v := pcommon.NewValueEmpty()
		x(v)
		return fromPData(v)
	}
	panic("unsupported test value")
}

func encode(v val) string {
	var tmp []pdKV
	return string(appendJSON(nil, v, &tmp))
}

func unflattenJSON(attrs []attr) string {
	var u unflattener
	return encode(u.unflatten(attrs))
}

func TestUnflatten(t *testing.T) {
	for _, tt := range []struct {
		name  string
		attrs []attr
		want  string
	}{
		{"Empty", nil, `{}`},
		{"Nesting", flat("llm.model_name", "gpt-4o", "llm.token_count.prompt", 12, "input.value", "hi"),
			`{"input":{"value":"hi"},"llm":{"model_name":"gpt-4o","token_count":{"prompt":12}}}`},
		{"ArrayOfObjects", flat(
			"llm.input_messages.0.message.role", "user",
			"llm.input_messages.0.message.content", "hi",
			"llm.input_messages.1.message.role", "assistant"),
			`{"llm":{"input_messages":[{"message":{"content":"hi","role":"user"}},{"message":{"role":"assistant"}}]}}`},
		{"ArraysAreCompactAndNumericallyOrdered", flat("a.10.x", 10, "a.2.x", 2, "a.5.x", 5),
			`{"a":[{"x":2},{"x":5},{"x":10}]}`},
		{"LeadingZerosNameTheSameIndex", flat("a.01.x", 1, "a.1.y", 2),
			`{"a":[{"x":1,"y":2}]}`},
		{"TrailingNumberIsAKey", flat("a.0", "x", "a.1", "y"), `{"a":{"0":"x","1":"y"}}`},
		{"IndexThenTrailingIndex", flat("a.0.x", 1, "a.0", 2), `{"a":{"0":2,"0.x":1}}`},
		{"TrailingIndexThenIndex", flat("a.0", 2, "a.0.x", 1), `{"a":{"0":2,"0.x":1}}`},
		{"ScalarAndChild", flat("a", 1, "a.b", 2), `{"a":1,"a.b":2}`},
		{"ChildAndScalar", flat("a.b", 2, "a", 1), `{"a":1,"a.b":2}`},
		{"ScalarAndDeepChildren", flat("a", 1, "a.b.c", 2, "a.b.d", 3), `{"a":1,"a.b":{"c":2,"d":3}}`},
		{"ScalarAndIndexedChild", flat("a", 1, "a.0.x", 2), `{"a":1,"a.0":{"x":2}}`},
		{"IndexedChildThenScalar", flat("a.0.x", 2, "a", 1), `{"a":1,"a.0":{"x":2}}`},
		{"ArrayAndBranch", flat("a.0.x", 1, "a.b", 2), `{"a":[{"x":1}],"a.b":2}`},
		{"RootIndex", flat("0.x", 1, "1", 2), `{"0":{"x":1},"1":2}`},
		{"IndexAtTopOfElement", flat("a.0.1.x", 1), `{"a":[{"1":{"x":1}}]}`},
		{"NestedArrays", flat("a.0.b.1.x", 1, "a.0.b.0.x", 0), `{"a":[{"b":[{"x":0},{"x":1}]}]}`},
		{"EmptySegments", flat(".x", 1, "a..b", 2, "c.", 3), `{"a":{"b":2},"c":{"":3},"x":1}`},
		{"EmptyKey", flat("", 1), `{"":1}`},
		{"SegmentsAreTrimmed", flat(" a . b ", 1, "a.c\t", 2, "d. 0 .x", 3), `{"a":{"b":1,"c":2},"d":[{"x":3}]}`},
		{"NullsAreSkipped", flat("a", nil, "b.c", nil, "d", 1), `{"d":1}`},
		{"LastDuplicateWins", flat("a", 1, "a", 2, "b", 3, "b", nil), `{"a":2,"b":3}`},
		{"CollidingKeysLastEmittedWins", flat(".x", 1, "x", 2), `{"x":2}`},
		{"CollidingKeysLastEmittedWinsReversed", flat("x", 2, ".x", 1), `{"x":1}`},
		{"Scalars", flat("s", "t", "i", -3, "f", 2.5, "whole", 3.0, "t", true, "n", false),
			`{"f":2.5,"i":-3,"n":false,"s":"t","t":true,"whole":3.0}`},
		{"NonFiniteFloats", flat("a", math.NaN(), "b", math.Inf(1), "c", math.Inf(-1)),
			`{"a":"NaN","b":"Infinity","c":"-Infinity"}`},
		{"PrimitiveArrayStaysArray", flat("tag.tags", func(v pcommon.Value) {
			s := v.SetEmptySlice()
			s.AppendEmpty().SetStr("a")
			s.AppendEmpty().SetInt(1)
			s.AppendEmpty().SetDouble(math.NaN())
			s.AppendEmpty()
		}), `{"tag":{"tags":["a",1,"NaN",null]}}`},
		{"KVListIsAnObjectWithSortedUniqueKeys", flat("input.value", func(v pcommon.Value) {
			m := v.SetEmptyMap()
			m.PutStr("b", "x")
			m.PutInt("a", 1)
			m.PutEmptyMap("a.b").PutBool("c", true)
		}), `{"input":{"value":{"a":1,"a.b":{"c":true},"b":"x"}}}`},
		{"Bytes", flat("b", func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte{0, 1, 2, 0xff}) }),
			`{"b":"AAEC/w=="}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflattenJSON(tt.attrs); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLoadJSONStrings(t *testing.T) {
	for _, tt := range []struct {
		name  string
		attrs []attr
		want  string
	}{
		{"Metadata", flat("metadata", `{"tier": "gold", "n": [1, 2.0, -0, 1e2]}`),
			`{"metadata":{"n":[1,2.0,0,100.0],"tier":"gold"}}`},
		{"SuffixMatch", flat("xmetadata", `{"a": 1}`, "tool.parameters", `{"b": {"c": 2}}`,
			"llm.prompt_template.variables", `{"city": "Paris"}`),
			`{"llm":{"prompt_template":{"variables":{"city":"Paris"}}},"tool":{"parameters":{"b":{"c":2}}},"xmetadata":{"a":1}}`},
		{"DocumentMetadata", flat("retrieval.documents.0.document.metadata", `{"source": "a.txt"}`,
			"retrieval.documents.0.document.content", "text"),
			`{"retrieval":{"documents":[{"document":{"content":"text","metadata":{"source":"a.txt"}}}]}}`},
		{"InvalidJSONStaysAString", flat("metadata", `{"a": `), `{"metadata":"{\"a\": "}`},
		{"NullDropsTheKey", flat("metadata", `{"a": 1}`, "metadata", " null "), `{"metadata":{"a":1}}`},
		{"ScalarJSON", flat("metadata", "5", "tool.parameters", `"s"`, "a.metadata", "[]"),
			`{"a":{"metadata":[]},"metadata":5,"tool":{"parameters":"s"}}`},
		{"NonStringValuesAreKept", flat("metadata", 5), `{"metadata":5}`},
		{"PythonExtensions", flat("metadata", `{"x": NaN, "y": -Infinity, "d": 1, "d": 2}`),
			`{"metadata":{"d":2,"x":"NaN","y":"-Infinity"}}`},
		{"OtherKeysAreNotParsed", flat("input.value", `{"a": 1}`), `{"input":{"value":"{\"a\": 1}"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflattenJSON(loadJSONStrings(tt.attrs)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCoerceTokenCounts(t *testing.T) {
	attrs := flat(
		"llm.token_count.prompt", "12",
		"llm.token_count.completion", 7.9,
		"llm.token_count.total", " 1_000 ",
		"llm.token_count.prompt_details.cache_read", "3",
	)
	coerceTokenCounts(attrs)
	want := `{"llm":{"token_count":{"completion":7,"prompt":12,"prompt_details":{"cache_read":"3"},"total":1000}}}`
	if got := unflattenJSON(attrs); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, v := range []any{"abc", true, math.NaN(), 1e300} {
		attrs := flat("llm.token_count.prompt", v)
		coerceTokenCounts(attrs)
		if got, want := encode(attrs[0].v), encode(toVal(v)); got != want {
			t.Errorf("%v was coerced to %+v", v, attrs[0].v)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\r\t\x01\x1f\x7f", `"\n\r\t\u0001\u001f` + "\x7f\""},
		{"nul\x00", "\"nul\uFFFD\""},
		{"bad\xffutf8\xc3", "\"bad\uFFFDutf8\uFFFD\""},
		{"é€😀\u2028", "\"é€😀\u2028\""},
		{"</script>&", `"</script>&"`},
	} {
		got := string(appendJSONString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("appendJSONString(%q) = %s is not valid JSON", tt.in, got)
		}
	}
}

// TestAppendJSONStringPositions puts each kind of special byte at every
// position of strings longer than a machine word and checks that the JSON
// decodes to the cleaned string.
func TestAppendJSONStringPositions(t *testing.T) {
	for _, special := range []string{"\x00", "\x01", "\x1f", " ", "\"", "\\", "\x7f", "é", "😀", "\xff", "\xe2\x82"} {
		for n := 0; n < 40; n++ {
			for pos := 0; pos <= n; pos++ {
				s := strings.Repeat("a", pos) + special + strings.Repeat("b", n-pos)
				got := appendJSONString(nil, s)
				var back string
				if err := json.Unmarshal(got, &back); err != nil {
					t.Fatalf("%q: %s: %v", s, got, err)
				}
				if want := ember.CleanText(s); back != want {
					t.Fatalf("%q: decoded %q, want %q", s, back, want)
				}
			}
		}
	}
}

func TestFloatFormats(t *testing.T) {
	for _, tt := range []struct {
		f          float64
		json, repr string
	}{
		{3.14, "3.14", "3.14"},
		{1, "1.0", "1.0"},
		{-0.0 * -1, "0.0", "0.0"},
		{math.Copysign(0, -1), "-0.0", "-0.0"},
		{0.1, "0.1", "0.1"},
		{1e20, "1e+20", "1e+20"},
		{1e16, "1e+16", "1e+16"},
		{1e15, "1000000000000000.0", "1000000000000000.0"},
		{9007199254740993, "9007199254740992.0", "9007199254740992.0"},
		{1e-7, "1e-07", "1e-07"},
		{0.0001, "0.0001", "0.0001"},
		{0.00001, "1e-05", "1e-05"},
		{1.5e-300, "1.5e-300", "1.5e-300"},
		{-2.5e100, "-2.5e+100", "-2.5e+100"},
		{math.NaN(), `"NaN"`, "nan"},
		{math.Inf(1), `"Infinity"`, "inf"},
		{math.Inf(-1), `"-Infinity"`, "-inf"},
	} {
		if got := string(appendJSONFloat(nil, tt.f)); got != tt.json {
			t.Errorf("JSON of %v = %s, want %s", tt.f, got, tt.json)
		}
		if got := pyStr(floatVal(tt.f)); got != tt.repr {
			t.Errorf("str(%v) = %s, want %s", tt.f, got, tt.repr)
		}
	}
}

func TestPyStr(t *testing.T) {
	list := func(items ...func(pcommon.Value)) func(pcommon.Value) {
		return func(v pcommon.Value) {
			s := v.SetEmptySlice()
			for _, f := range items {
				f(s.AppendEmpty())
			}
		}
	}
	str := func(x string) func(pcommon.Value) { return func(v pcommon.Value) { v.SetStr(x) } }
	for _, tt := range []struct {
		in   any
		want string
	}{
		{"  abc ", "  abc "},
		{0, "0"},
		{-12, "-12"},
		{true, "True"},
		{false, "False"},
		{3.14, "3.14"},
		{1.0, "1.0"},
		{1e20, "1e+20"},
		{1e-7, "1e-07"},
		{list(str("a"), str("b")), "['a', 'b']"},
		{list(), "[]"},
		{list(func(v pcommon.Value) { v.SetInt(1) }, func(v pcommon.Value) { v.SetInt(2) }), "[1, 2]"},
		{list(str("it's"), str(`say "hi"`), str(`both ' "`), str("tab\t\x01é\u200b")),
			`["it's", 'say "hi"', 'both \' "', 'tab\t\x01é\u200b']`},
		{list(func(v pcommon.Value) { v.SetBool(true) }, func(v pcommon.Value) {}, func(v pcommon.Value) { v.SetDouble(2) }),
			"[True, None, 2.0]"},
		{list(func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte("a'\x00\xff")) }), `[b"a'\x00\xff"]`},
		{func(v pcommon.Value) {
			m := v.SetEmptyMap()
			m.PutStr("b", "x")
			m.PutInt("a", 1)
		}, "{'b': 'x', 'a': 1}"},
		{objVal([]member{{"k", intVal(1)}}), "{'k': 1}"},
	} {
		if got := pyStr(toVal(tt.in)); got != tt.want {
			t.Errorf("str(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAppendPyJSON(t *testing.T) {
	v := toVal(func(v pcommon.Value) {
		m := v.SetEmptyMap()
		m.PutStr("q", "é\"\n\x7f😀")
		m.PutDouble("f", 1)
		m.PutDouble("nan", math.NaN())
		s := m.PutEmptySlice("l")
		s.AppendEmpty().SetInt(1)
		s.AppendEmpty().SetBool(false)
		s.AppendEmpty()
		m.PutEmptyBytes("b").FromRaw([]byte("hi"))
	})
	if got, want := string(appendPyJSON(nil, v, true)),
		`{"q": "\u00e9\"\n\u007f\ud83d\ude00", "f": 1.0, "nan": NaN, "l": [1, false, null], "b": "aGk="}`; got != want {
		t.Errorf("ensure_ascii=True:\ngot  %s\nwant %s", got, want)
	}
	if got, want := string(appendPyJSON(nil, v, false)),
		"{\"q\": \"é\\\"\\n\x7f😀\", \"f\": 1.0, \"nan\": NaN, \"l\": [1, false, null], \"b\": \"aGk=\"}"; got != want {
		t.Errorf("ensure_ascii=False:\ngot  %s\nwant %s", got, want)
	}
}

func TestParseJSON(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want "" means a parse error
	}{
		{`1`, `1`},
		{` -0 `, `0`},
		{`-0.0`, `-0.0`},
		{`1.5e3`, `1500.0`},
		{`1E+2`, `100.0`},
		{`123456789012345678901234`, `1.2345678901234569e+23`},
		{`1e400`, `"Infinity"`},
		{`"a\u00e9\ud83d\ude00\n\/"`, `"aé😀\n/"`},
		{`"\ud800x\u0000"`, "\"\uFFFDx\uFFFD\""},
		{`[1, [], {}, null, true, false]`, `[1,[],{},null,true,false]`},
		{`{"b": 1, "a": {"c": [NaN, Infinity, -Infinity]}}`, `{"a":{"c":["NaN","Infinity","-Infinity"]},"b":1}`},
		{`{"a": 1, "a": 2}`, `{"a":2}`},
		{``, ``},
		{`01`, ``},
		{`1.`, ``},
		{`.5`, ``},
		{`1e`, ``},
		{`-`, ``},
		{`[1,]`, ``},
		{`{"a" 1}`, ``},
		{`{a: 1}`, ``},
		{`"raw` + "\n" + `newline"`, ``},
		{`"\x"`, ``},
		{`"\u12"`, ``},
		{`nul`, ``},
		{`[1] 2`, ``},
		{"\ufeff1", ``},
		{strings.Repeat("[", 1000) + strings.Repeat("]", 1000), ``},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), strings.Repeat("[", 100) + strings.Repeat("]", 100)},
	} {
		v, ok := parseJSON(tt.in)
		got := ""
		if ok {
			got = encode(v)
		}
		if got != tt.want {
			t.Errorf("parseJSON(%.40q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	var u unflattener
	root := u.unflatten(flat("session", "s", "session.id", "x", "user.id", 5, "a.b", func(v pcommon.Value) {
		v.SetEmptyMap().PutStr("c", "kv")
	}, "e", func(v pcommon.Value) { v.SetEmptyMap() }, "e.f", 1))
	for _, tt := range []struct {
		path []string
		want string // "" means not found
	}{
		{[]string{"session", "id"}, ""}, // "session" is a string: its child is the literal key "session.id"
		{[]string{"session.id"}, `"x"`},
		{[]string{"user", "id"}, `5`},
		{[]string{"a", "b", "c"}, `"kv"`}, // into an OTLP key-value list
		{[]string{"e", "f"}, ``},          // an empty object is not a dict to Phoenix
		{[]string{"missing"}, ``},
	} {
		v, ok := lookup(root, tt.path...)
		got := ""
		if ok {
			got = encode(v)
		}
		if got != tt.want {
			t.Errorf("lookup(%v) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ok", "ok"},
		{"a\x00b", "a\uFFFDb"},
		{"a\xff\xfeb", "a\uFFFDb"},
		{"\xed\xa0\x80", "\uFFFD"}, // an encoded surrogate
	} {
		if got := ember.CleanText(tt.in); got != tt.want {
			t.Errorf("ember.CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ---------------------------------------------------------------------------
// A reference port of Phoenix's _Trie, _build_trie and _walk, kept close to
// the Python to check the unflattener against.

type refKey struct {
	s   string
	num bool
}

type refTrie struct {
	children map[refKey]*refTrie
	order    []refKey // creation order, standing in for Python's set order
	value    any
	indices  map[string]bool
	branches map[refKey]bool
}

func newRefTrie() *refTrie {
	return &refTrie{children: map[refKey]*refTrie{}, indices: map[string]bool{}, branches: map[refKey]bool{}}
}

func (t *refTrie) get(k refKey) *refTrie {
	c, ok := t.children[k]
	if !ok {
		c = newRefTrie()
		t.children[k] = c
		t.order = append(t.order, k)
	}
	return c
}

func (t *refTrie) setValue(v any) {
	t.value = v
	for i := range t.indices {
		t.branches[refKey{i, true}] = true
	}
	t.indices = map[string]bool{}
}

func (t *refTrie) addIndex(i string) *refTrie {
	k := refKey{i, true}
	if t.value != nil {
		t.branches[k] = true
	} else if !t.branches[k] {
		t.indices[i] = true
	}
	return t.get(k)
}

func (t *refTrie) addBranch(k refKey) *refTrie {
	if k.num {
		delete(t.indices, k.s)
	}
	t.branches[k] = true
	return t.get(k)
}

func refBuild(attrs []attr) *refTrie {
	trie := newRefTrie()
	for _, a := range attrs {
		if a.v.kind == kindNull {
			continue
		}
		t := trie
		key := a.key
		for {
			prefix, suffix, more := strings.Cut(key, ".")
			prefix, num := segment(prefix)
			if num && more {
				t = t.addIndex(prefix)
			} else {
				t = t.addBranch(refKey{prefix, num})
			}
			if !more {
				break
			}
			key = suffix
		}
		t.setValue(a.v.s)
	}
	return trie
}

type refPair struct {
	k string
	v any
}

func refDict(pairs []refPair) map[string]any {
	m := map[string]any{}
	for _, p := range pairs {
		m[p.k] = p.v
	}
	return m
}

func refWalk(t *refTrie, prefix string) []refPair {
	var out []refPair
	sortedIndices := func() []string {
		var s []string
		for i := range t.indices {
			s = append(s, i)
		}
		slices.SortFunc(s, func(a, b string) int {
			if len(a) != len(b) {
				return len(a) - len(b)
			}
			return strings.Compare(a, b)
		})
		return s
	}
	switch {
	case t.value != nil:
		out = append(out, refPair{prefix, t.value})
	case prefix != "" && len(t.indices) > 0:
		var list []any
		for _, i := range sortedIndices() {
			list = append(list, refDict(refWalk(t.children[refKey{i, true}], "")))
		}
		out = append(out, refPair{prefix, list})
	case len(t.indices) > 0:
		for _, i := range sortedIndices() {
			out = append(out, refWalk(t.children[refKey{i, true}], i)...)
		}
	case prefix != "":
		return append(out, refPair{prefix, refDict(refWalk(t, ""))})
	}
	for _, k := range t.order {
		if !t.branches[k] {
			continue
		}
		p := k.s
		if prefix != "" {
			p = prefix + "." + k.s
		}
		out = append(out, refWalk(t.children[k], p)...)
	}
	return out
}

func TestUnflattenMatchesReference(t *testing.T) {
	keys := []string{
		"a", "a.b", "a.0.x", "a.1.y", "a.0", "0.x", "0", ".x", "x", "a..b", "a.b.0.c", "a.b.01.d",
		" a .b", "llm.input_messages.0.message.role", "llm.input_messages.1.message.tool_calls.0.tool_call.id",
		"a.0.1.x", "a.0.1", "a.00.1.2.x", "", ".", "..", "1.2.3", "1.2", "b.c.", "b..0.x",
	}
	// Every ordered pair and triple of keys.
	for _, k1 := range keys {
		for _, k2 := range keys {
			checkUnflatten(t, []string{k1, k2})
			for _, k3 := range keys[:10] {
				checkUnflatten(t, []string{k1, k2, k3})
			}
		}
	}
}

// TestUnflattenLargeMatchesReference covers the map-indexed trie used for
// spans with many attributes.
func TestUnflattenLargeMatchesReference(t *testing.T) {
	segs := []string{"a", "b", "0", "1", "01", "", " c ", "10"}
	for seed := range 50 {
		var keys []string
		x := uint32(seed*7919 + 1)
		for range mapChildrenAbove + 1 + seed {
			var parts []string
			x = x*1664525 + 1013904223
			for n := int(x>>28)%4 + 1; n > 0; n-- {
				x = x*1664525 + 1013904223
				parts = append(parts, segs[int(x>>24)%len(segs)])
			}
			keys = append(keys, strings.Join(parts, "."))
		}
		checkUnflatten(t, keys)
	}
}

func checkUnflatten(t *testing.T, keys []string) {
	t.Helper()
	var attrs []attr
	for i, k := range keys {
		attrs = append(attrs, attr{key: k, v: strVal("v" + strconv.Itoa(i))})
	}
	got := unflattenJSON(attrs)
	var gotAny any
	if err := json.Unmarshal([]byte(got), &gotAny); err != nil {
		t.Fatalf("keys %q: invalid JSON %s: %v", keys, got, err)
	}
	want := refDict(refWalk(refBuild(attrs), ""))
	wantJSON, _ := json.Marshal(want)
	var wantAny any
	_ = json.Unmarshal(wantJSON, &wantAny)
	if diff := cmp.Diff(wantAny, gotAny); diff != "" {
		t.Fatalf("keys %q: got %s, want %s", keys, got, wantJSON)
	}
}

func FuzzUnflatten(f *testing.F) {
	f.Add("a\na.b\na.0.x\n.x", "v\x00\n\n")
	f.Add("llm.input_messages.0.message.role\nllm.input_messages.1.message.content\n0.1.2", "")
	f.Add(" a . 01 .b\na.1\n\n..", "null")
	f.Fuzz(func(t *testing.T, keyList, values string) {
		keys := strings.Split(keyList, "\n")
		if len(keys) > 256 { // beyond mapChildrenAbove, to cover both child indexes
			keys = keys[:256]
		}
		vals := strings.Split(values, "\n")
		var attrs []attr
		for i, k := range keys {
			v := strVal(ember.CleanText(vals[i%len(vals)]))
			if v.s == "null" {
				v = val{}
			}
			attrs = append(attrs, attr{key: ember.CleanText(k), v: v})
		}
		got := unflattenJSON(attrs)
		if !json.Valid([]byte(got)) || !utf8.ValidString(got) {
			t.Fatalf("invalid JSON %q", got)
		}
		var gotAny any
		if err := json.Unmarshal([]byte(got), &gotAny); err != nil {
			t.Fatal(err)
		}
		wantJSON, _ := json.Marshal(refDict(refWalk(refBuild(attrs), "")))
		var wantAny any
		_ = json.Unmarshal(wantJSON, &wantAny)
		if diff := cmp.Diff(wantAny, gotAny); diff != "" {
			t.Fatalf("keys %q:\ngot  %s\nwant %s", keys, got, wantJSON)
		}
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	for name, s := range map[string]string{
		"ascii":   strings.Repeat("The quick brown fox jumps over the lazy dog. ", 45),
		"escapes": strings.Repeat(`{"role": "user", "content": "hi\n"} `, 55),
		"utf8":    strings.Repeat("Съешь же ещё этих мягких французских булок. ", 25),
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			buf := make([]byte, 0, 2*len(s))
			for b.Loop() {
				buf = appendJSONString(buf[:0], s)
			}
		})
	}
}
