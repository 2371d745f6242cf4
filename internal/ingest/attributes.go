package ingest

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/emberhq/ember"
)

// This file turns OTLP attribute lists into the nested JSON object that
// Phoenix stores (src/phoenix/trace/attributes.py): AnyValue decoding, the
// JSON-string attributes, the unflattening trie and a small JSON encoder.
//
// Values live in val, a tagged union. Arrays, key-value lists and bytes that
// come straight from OTLP stay pcommon.Values (kindPData) and are encoded
// directly from pdata, so a 1536-float embedding vector costs no allocation.

// valKind is the type of a val.
type valKind uint8

const (
	kindNull  valKind = iota // JSON null; an absent attribute
	kindStr                  // s
	kindBool                 // n (0 or 1)
	kindInt                  // n
	kindFloat                // n holds the bits of the float64
	kindPData                // pv: an OTLP bytes, array or key-value list value
	kindObj                  // obj: members sorted by key, keys unique
	kindArr                  // obj: the elements, with empty keys
)

// val is a decoded attribute value. It is kept small (and arrays share the
// object representation) because values are copied around a lot.
type val struct {
	kind valKind
	n    int64
	s    string
	pv   pcommon.Value
	obj  []member
}

func (v val) float() float64 { return math.Float64frombits(uint64(v.n)) }

// member is one key of an object.
type member struct {
	key string
	v   val
}

func strVal(s string) val    { return val{kind: kindStr, s: s} }
func intVal(n int64) val     { return val{kind: kindInt, n: n} }
func floatVal(f float64) val { return val{kind: kindFloat, n: int64(math.Float64bits(f))} }
func objVal(ms []member) val { return val{kind: kindObj, obj: ms} }
func arrVal(ms []member) val { return val{kind: kindArr, obj: ms} }
func boolVal(b bool) val {
	if b {
		return val{kind: kindBool, n: 1}
	}
	return val{kind: kindBool}
}

// attr is one flat (dotted-key) attribute.
type attr struct {
	key string
	v   val
}

// fromPData decodes an OTLP AnyValue. Strings are made safe for PostgreSQL;
// bytes, arrays and key-value lists are kept as pdata and sanitised when
// encoded. An empty AnyValue is null (Python None).
func fromPData(v pcommon.Value) val {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return strVal(ember.CleanText(v.Str()))
	case pcommon.ValueTypeBool:
		return boolVal(v.Bool())
	case pcommon.ValueTypeInt:
		return intVal(v.Int())
	case pcommon.ValueTypeDouble:
		return floatVal(v.Double())
	case pcommon.ValueTypeBytes, pcommon.ValueTypeSlice, pcommon.ValueTypeMap:
		return val{kind: kindPData, pv: v}
	}
	return val{}
}

// jsonStringSuffixes are the keys whose string values are JSON documents to
// be parsed (Phoenix's JSON_STRING_ATTRIBUTES, matched with str.endswith).
var jsonStringSuffixes = [...]string{
	"document.metadata", "llm.prompt_template.variables", "metadata", "tool.parameters",
}

func isJSONStringKey(key string) bool {
	for _, s := range jsonStringSuffixes {
		if strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// loadJSONStrings parses the JSON-string attributes in place, as Phoenix's
// load_json_strings does: a value that does not parse stays a string, a
// parsed JSON null drops the attribute, anything else replaces the string.
func loadJSONStrings(attrs []attr) []attr {
	n := 0 // attributes kept
	for i := range attrs {
		if src, ok := jsonSource(attrs[i]); ok {
			if v, ok := parseJSON(src); ok {
				if v.kind == kindNull {
					continue
				}
				attrs[i].v = v
			}
		}
		if n != i {
			attrs[n] = attrs[i]
		}
		n++
	}
	return attrs[:n]
}

// jsonSource returns the JSON text of a JSON-string attribute. Python's
// json.loads accepts bytes too.
func jsonSource(a attr) (string, bool) {
	if !isJSONStringKey(a.key) {
		return "", false
	}
	switch {
	case a.v.kind == kindStr:
		return a.v.s, true
	case a.v.kind == kindPData && a.v.pv.Type() == pcommon.ValueTypeBytes:
		return ember.CleanText(string(a.v.pv.Bytes().AsRaw())), true
	}
	return "", false
}

// Token-count keys whose values are coerced to integers.
const (
	keyTokenPrompt     = "llm.token_count.prompt"
	keyTokenCompletion = "llm.token_count.completion"
	keyTokenTotal      = "llm.token_count.total"
)

// coerceTokenCounts turns llm.token_count.{prompt,completion,total} into
// integers when possible: finite floats are truncated, numeric strings
// parsed. Anything else is left alone.
func coerceTokenCounts(attrs []attr) {
	for i := range attrs {
		switch attrs[i].key {
		case keyTokenPrompt, keyTokenCompletion, keyTokenTotal:
			if n, ok := toInt(attrs[i].v, false); ok {
				attrs[i].v = intVal(n)
			}
		}
	}
}

// toInt converts v to an integer like Python's int(): floats are truncated
// and strings parsed (an integer, else a float that is then truncated).
// Booleans count as 0 and 1 when allowBool.
func toInt(v val, allowBool bool) (int64, bool) {
	switch v.kind {
	case kindInt:
		return v.n, true
	case kindBool:
		return v.n, allowBool
	case kindFloat:
		return truncFloat(v.float())
	case kindStr:
		s := strings.TrimFunc(v.s, pyIsSpace)
		s = strings.ReplaceAll(s, "_", "")
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return truncFloat(f)
		}
	}
	return 0, false
}

func truncFloat(f float64) (int64, bool) {
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// pyIsSpace reports whether Python's str.strip() removes r.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// ---------------------------------------------------------------------------
// Unflattening.
//
// unflattener reproduces Phoenix's _Trie/_build_trie/_walk exactly:
//   - keys are split on "."; segments are whitespace-trimmed;
//   - an all-digit segment followed by more segments is an array index, a
//     trailing all-digit segment is an object key;
//   - a node that has a value keeps it, and its children are emitted next to
//     it as literal dotted keys ({"a":1,"a.b":2});
//   - index children of a node with a value become ordinary keys;
//   - arrays hold only objects and are compact: indices 0 and 5 give two
//     elements;
//   - an empty prefix behaves like Python's falsy "" (so ".x" lands at "x").
// Where two emitted keys coincide, the one emitted last wins.

// trieNode is a node of the unflattening trie. Children form a linked list in
// creation order.
type trieNode struct {
	key     string // segment; digits have leading zeros removed
	numeric bool   // key is a non-negative integer
	index   bool   // the parent holds this child as an array index
	val     int32  // index of the value in the attributes, -1 if none
	child   int32  // first child, -1 if none
	last    int32  // last child, -1 if none
	next    int32  // next sibling, -1 if none
}

// unflattener builds nested objects from flat attributes. Its slices are
// reused between spans; the objects it returns share its member slab, so
// they are valid until reset is called.
type unflattener struct {
	attrs []attr
	nodes []trieNode
	byKey map[childKey]int32 // children by parent and key, for large inputs
	stack []member           // members of objects under construction
	slab  []member           // members of finished objects
	idx   []int32            // scratch for sorting index children
	perm  []int32            // scratch for sorting members
	elems []member           // elements of arrays under construction
}

// childKey names a child in unflattener.byKey.
type childKey struct {
	parent int32
	key    string
}

// Inputs with more attributes than this index trie children in a map, so
// that a span with very many attributes does not cost quadratic time.
const mapChildrenAbove = 64

func (u *unflattener) reset() {
	u.nodes = u.nodes[:0]
	clear(u.byKey)
	u.stack = u.stack[:0]
	u.slab = u.slab[:0]
	u.idx = u.idx[:0]
	u.perm = u.perm[:0]
	u.elems = u.elems[:0]
}

func (u *unflattener) newNode(key string, numeric bool) int32 {
	u.nodes = append(u.nodes, trieNode{key: key, numeric: numeric, val: -1, child: -1, last: -1, next: -1})
	return int32(len(u.nodes) - 1)
}

// childOf returns the child of n named key, creating it if needed.
func (u *unflattener) childOf(n int32, key string, numeric bool) (c int32, created bool) {
	if len(u.attrs) > mapChildrenAbove {
		if u.byKey == nil {
			u.byKey = make(map[childKey]int32)
		}
		if c, ok := u.byKey[childKey{n, key}]; ok {
			return c, false
		}
		c = u.newNode(key, numeric)
		u.byKey[childKey{n, key}] = c
	} else {
		for c = u.nodes[n].child; c >= 0; c = u.nodes[c].next {
			if u.nodes[c].key == key {
				return c, false
			}
		}
		c = u.newNode(key, numeric)
	}
	if u.nodes[n].last < 0 {
		u.nodes[n].child = c
	} else {
		u.nodes[u.nodes[n].last].next = c
	}
	u.nodes[n].last = c
	return c, true
}

// segment trims seg and reports whether it is an integer, normalised.
func segment(seg string) (string, bool) {
	if seg == "" {
		return seg, false
	}
	if first, last := seg[0], seg[len(seg)-1]; first <= ' ' || first >= utf8.RuneSelf || last <= ' ' || last >= utf8.RuneSelf {
		seg = strings.TrimFunc(seg, pyIsSpace)
		if seg == "" {
			return seg, false
		}
	}
	if c := seg[0]; c < '0' || c > '9' {
		return seg, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return seg, false
		}
	}
	for len(seg) > 1 && seg[0] == '0' {
		seg = seg[1:]
	}
	return seg, true
}

// unflatten builds the nested object of attrs. Null values are skipped.
func (u *unflattener) unflatten(attrs []attr) val {
	u.reset()
	u.attrs = attrs
	root := u.newNode("", false)
	for i := range attrs {
		if attrs[i].v.kind == kindNull {
			continue
		}
		u.insert(root, attrs[i].key, int32(i))
	}
	v := u.object(root)
	u.attrs = nil
	return v
}

func (u *unflattener) insert(root int32, key string, v int32) {
	t := root
	for {
		seg, rest, more := strings.Cut(key, ".")
		seg, numeric := segment(seg)
		c, created := u.childOf(t, seg, numeric)
		if numeric && more {
			// add_index: an index unless t has a value or seg is already a
			// branch of t.
			if created {
				u.nodes[c].index = u.nodes[t].val < 0
			}
		} else {
			// add_branch
			u.nodes[c].index = false
		}
		t = c
		if !more {
			break
		}
		key = rest
	}
	// set_value: a value and indices never coexist.
	n := &u.nodes[t]
	n.val = v
	for c := n.child; c >= 0; c = u.nodes[c].next {
		u.nodes[c].index = false
	}
}

func (u *unflattener) hasIndexChildren(n int32) bool {
	for c := u.nodes[n].child; c >= 0; c = u.nodes[c].next {
		if u.nodes[c].index {
			return true
		}
	}
	return false
}

// indexChildren returns n's index children in numeric order, in a slice
// that stays valid until the next call.
func (u *unflattener) indexChildren(n int32) []int32 {
	mark := len(u.idx)
	for c := u.nodes[n].child; c >= 0; c = u.nodes[c].next {
		if u.nodes[c].index {
			u.idx = append(u.idx, c)
		}
	}
	s := u.idx[mark:]
	slices.SortFunc(s, func(a, b int32) int {
		x, y := u.nodes[a].key, u.nodes[b].key
		if len(x) != len(y) {
			return len(x) - len(y)
		}
		return strings.Compare(x, y)
	})
	return s
}

func (u *unflattener) emit(key string, v val) {
	u.stack = append(u.stack, member{key: key, v: v})
}

// object is dict(_walk(trie)) for node n: its members sorted by key, the
// last of equal keys kept.
func (u *unflattener) object(n int32) val {
	mark := len(u.stack)
	u.walk(n, "")
	ms := u.stack[mark:]
	start := len(u.slab)
	if isSortedUnique(ms) {
		u.slab = append(u.slab, ms...)
	} else {
		// Sort a permutation rather than the (large) members themselves.
		pmark := len(u.perm)
		for i := range ms {
			u.perm = append(u.perm, int32(i))
		}
		perm := u.perm[pmark:]
		slices.SortStableFunc(perm, func(a, b int32) int { return strings.Compare(ms[a].key, ms[b].key) })
		for i, p := range perm {
			if i+1 < len(perm) && ms[perm[i+1]].key == ms[p].key {
				continue
			}
			u.slab = append(u.slab, ms[p])
		}
		u.perm = u.perm[:pmark]
	}
	u.stack = u.stack[:mark]
	return objVal(u.slab[start:len(u.slab):len(u.slab)])
}

func isSortedUnique(ms []member) bool {
	for i := 1; i < len(ms); i++ {
		if ms[i-1].key >= ms[i].key {
			return false
		}
	}
	return true
}

// sortMembers sorts ms by key, keeping only the last of equal keys.
func sortMembers(ms []member) []member {
	if isSortedUnique(ms) {
		return ms
	}
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out := ms[:0]
	for i := range ms {
		if i+1 < len(ms) && ms[i+1].key == ms[i].key {
			continue
		}
		out = append(out, ms[i])
	}
	return out
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// walk is Phoenix's _walk: it emits the (key, value) pairs that node n
// contributes to the enclosing object.
func (u *unflattener) walk(n int32, prefix string) {
	node := &u.nodes[n]
	switch {
	case node.val >= 0:
		u.emit(prefix, u.attrs[node.val].v)
	case prefix != "" && u.hasIndexChildren(n):
		mark := len(u.idx)
		idx := u.indexChildren(n)
		emark := len(u.elems)
		for _, c := range idx {
			o := u.object(c)
			u.elems = append(u.elems, member{v: o})
		}
		u.idx = u.idx[:mark]
		start := len(u.slab)
		u.slab = append(u.slab, u.elems[emark:]...)
		u.elems = u.elems[:emark]
		u.emit(prefix, arrVal(u.slab[start:len(u.slab):len(u.slab)]))
	case u.hasIndexChildren(n):
		mark := len(u.idx)
		idx := u.indexChildren(n)
		for i := 0; i < len(idx); i++ {
			c := u.idx[mark+i] // u.idx may grow (and move) during the walk
			u.walk(c, u.nodes[c].key)
		}
		u.idx = u.idx[:mark]
	case prefix != "":
		u.emit(prefix, u.object(n))
		return
	}
	for c := u.nodes[n].child; c >= 0; c = u.nodes[c].next {
		if !u.nodes[c].index {
			u.walk(c, joinKey(prefix, u.nodes[c].key))
		}
	}
}

// ---------------------------------------------------------------------------
// Reading nested values.

// lookup returns the value at key in v, or false. Like Phoenix's
// get_attribute_value, every step but the last must be a non-empty object.
func lookup(v val, path ...string) (val, bool) {
	for i, key := range path {
		if i > 0 && !isNonEmptyObject(v) {
			return val{}, false
		}
		var ok bool
		if v, ok = field(v, key); !ok {
			return val{}, false
		}
	}
	return v, true
}

// field returns the member key of object v.
func field(v val, key string) (val, bool) {
	switch v.kind {
	case kindObj:
		i, ok := slices.BinarySearchFunc(v.obj, key, func(m member, k string) int { return strings.Compare(m.key, k) })
		if ok {
			return v.obj[i].v, true
		}
	case kindPData:
		if v.pv.Type() == pcommon.ValueTypeMap {
			var out val
			found := false
			v.pv.Map().Range(func(k string, x pcommon.Value) bool {
				if ember.CleanText(k) == key {
					out, found = fromPData(x), true
				}
				return true
			})
			if found && out.kind != kindNull {
				return out, true
			}
		}
	}
	return val{}, false
}

func isNonEmptyObject(v val) bool {
	switch v.kind {
	case kindObj:
		return len(v.obj) > 0
	case kindPData:
		return v.pv.Type() == pcommon.ValueTypeMap && v.pv.Map().Len() > 0
	}
	return false
}

// asObject returns v as a kindObj (converting an OTLP key-value list).
func asObject(v val) (val, bool) {
	switch v.kind {
	case kindObj:
		return v, true
	case kindPData:
		if v.pv.Type() != pcommon.ValueTypeMap {
			return val{}, false
		}
		ms := make([]member, 0, v.pv.Map().Len())
		v.pv.Map().Range(func(k string, x pcommon.Value) bool {
			ms = append(ms, member{key: ember.CleanText(k), v: fromPData(x)})
			return true
		})
		return objVal(sortMembers(ms)), true
	}
	return val{}, false
}

// setField returns object v with key set to x (v's members are modified in
// place when key exists).
func setField(v val, key string, x val) val {
	i, ok := slices.BinarySearchFunc(v.obj, key, func(m member, k string) int { return strings.Compare(m.key, k) })
	if ok {
		v.obj[i].v = x
		return v
	}
	ms := make([]member, 0, len(v.obj)+1)
	ms = append(ms, v.obj[:i]...)
	ms = append(ms, member{key: key, v: x})
	ms = append(ms, v.obj[i:]...)
	return objVal(ms)
}

// ---------------------------------------------------------------------------
// JSON encoding.

// appendJSON appends v as compact JSON. Object keys come out sorted; NaN and
// infinities are written as the strings "NaN", "Infinity" and "-Infinity";
// bytes as standard base64 strings.
func appendJSON(dst []byte, v val, tmp *[]pdKV) []byte {
	switch v.kind {
	case kindNull:
		return append(dst, "null"...)
	case kindStr:
		return appendJSONString(dst, v.s)
	case kindBool:
		if v.n != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kindInt:
		return strconv.AppendInt(dst, v.n, 10)
	case kindFloat:
		return appendJSONFloat(dst, v.float())
	case kindPData:
		return appendPDataJSON(dst, v.pv, tmp)
	case kindObj:
		dst = append(dst, '{')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v.obj[i].key)
			dst = append(dst, ':')
			dst = appendJSON(dst, v.obj[i].v, tmp)
		}
		return append(dst, '}')
	case kindArr:
		dst = append(dst, '[')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, v.obj[i].v, tmp)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// pdKV is a key-value pair of an OTLP key-value list being encoded.
type pdKV struct {
	key string
	v   pcommon.Value
}

// appendPDataJSON appends an OTLP value as JSON. Key-value lists become
// objects with sorted keys; of duplicate keys the last wins, like Python's
// dict().
func appendPDataJSON(dst []byte, v pcommon.Value, tmp *[]pdKV) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendJSONString(dst, v.Str())
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendJSONFloat(dst, v.Double())
	case pcommon.ValueTypeBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPDataJSON(dst, s.At(i), tmp)
		}
		return append(dst, ']')
	case pcommon.ValueTypeMap:
		mark := len(*tmp)
		v.Map().Range(func(k string, x pcommon.Value) bool {
			*tmp = append(*tmp, pdKV{key: ember.CleanText(k), v: x})
			return true
		})
		kvs := (*tmp)[mark:]
		slices.SortStableFunc(kvs, func(a, b pdKV) int { return strings.Compare(a.key, b.key) })
		dst = append(dst, '{')
		first := true
		for i := 0; i < len(kvs); i++ {
			kv := (*tmp)[mark+i] // *tmp may move while encoding children
			if i+1 < len(kvs) && (*tmp)[mark+i+1].key == kv.key {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONString(dst, kv.key)
			dst = append(dst, ':')
			dst = appendPDataJSON(dst, kv.v, tmp)
		}
		*tmp = (*tmp)[:mark]
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 and NUL become
// U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	dst = append(dst, '"')
	start := 0
	i := 0
	for {
		// Skip eight bytes at a time while none is below 0x20, '"' or '\\'
		// (bytes of multi-byte characters are all above 0x7f).
		for len(s)-i >= 8 {
			b := s[i : i+8]
			w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
			quote := w ^ ('"' * lsb)
			backslash := w ^ ('\\' * lsb)
			if ((w-0x20*lsb)&^w|(quote-lsb)&^quote|(backslash-lsb)&^backslash)&msb != 0 {
				break
			}
			i += 8
		}
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' {
			i++
		}
		if i >= len(s) {
			break
		}
		b := s[i]
		dst = append(dst, s[start:i]...)
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case 0:
			dst = append(dst, "\uFFFD"...)
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// appendJSONFloat appends f like Python's repr (1.0, 0.1, 1e+20, 1e-07);
// non-finite values become strings.
func appendJSONFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return appendPyFloat(dst, f)
}

// appendPyFloat appends a finite f as Python's repr() writes it: the
// shortest round-tripping digits, in positional notation with a ".0" when
// integral if the decimal exponent is in [-4, 16), else in exponent notation
// with a sign and at least two exponent digits.
func appendPyFloat(dst []byte, f float64) []byte {
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	// e looks like -1.2345e+06.
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp := 0
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(dst, e...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// ---------------------------------------------------------------------------
// JSON decoding, with Python's json.loads semantics: NaN, Infinity and
// -Infinity are accepted, integers without fraction or exponent are ints,
// duplicate keys keep the last value, raw control characters in strings are
// errors. Unlike Python, integers beyond 64 bits become floats and lone
// surrogate escapes become U+FFFD.

const maxJSONDepth = 900 // Python's json module hits its recursion limit near 1000

type jsonParser struct {
	s     string
	i     int
	depth int
}

// parseJSON parses s as one JSON document.
func parseJSON(s string) (val, bool) {
	p := jsonParser{s: s}
	p.ws()
	v, ok := p.value()
	if !ok {
		return val{}, false
	}
	p.ws()
	if p.i != len(p.s) {
		return val{}, false
	}
	return v, true
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) lit(word string) bool {
	if strings.HasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) value() (val, bool) {
	if p.i >= len(p.s) {
		return val{}, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		return strVal(s), ok
	case c == 't':
		return boolVal(true), p.lit("true")
	case c == 'f':
		return boolVal(false), p.lit("false")
	case c == 'n':
		return val{}, p.lit("null")
	case c == 'N':
		return floatVal(math.NaN()), p.lit("NaN")
	case c == 'I':
		return floatVal(math.Inf(1)), p.lit("Infinity")
	case c == '-' && strings.HasPrefix(p.s[p.i:], "-Infinity"):
		p.i += len("-Infinity")
		return floatVal(math.Inf(-1)), true
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return val{}, false
}

func (p *jsonParser) digits() int {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

func (p *jsonParser) number() (val, bool) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if p.digits() == 0 {
		return val{}, false
	}
	isFloat := false
	if p.i+1 < len(p.s) && p.s[p.i] == '.' && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9' {
		p.i++
		p.digits()
		isFloat = true
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		save := p.i
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			p.i = save // Python's regex stops before a bare "e"
		} else {
			isFloat = true
		}
	}
	lit := p.s[start:p.i]
	if !isFloat {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return intVal(n), true
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return val{}, false
	}
	return floatVal(f), true
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		h := hexVal(p.s[p.i+k])
		if h < 0 {
			return 0, false
		}
		r = r<<4 | h
	}
	p.i += 4
	return r, true
}

// str parses a string; the result is clean (no NUL, valid UTF-8).
func (p *jsonParser) str() (string, bool) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			return s, true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", false
		}
		p.i++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return ember.CleanText(b.String()), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			return "", false
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if r >= 0xd800 && r < 0xdc00 && strings.HasPrefix(p.s[p.i:], `\u`) {
				save := p.i
				p.i += 2
				if r2, ok := p.hex4(); ok && r2 >= 0xdc00 && r2 < 0xe000 {
					r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
				} else {
					p.i = save
				}
			}
			if r == 0 || (r >= 0xd800 && r < 0xe000) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *jsonParser) object() (val, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return val{}, false
	}
	defer func() { p.depth-- }()
	p.i++ // {
	p.ws()
	var ms []member
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return objVal(ms), true
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return val{}, false
		}
		k, ok := p.str()
		if !ok {
			return val{}, false
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return val{}, false
		}
		p.i++
		p.ws()
		v, ok := p.value()
		if !ok {
			return val{}, false
		}
		ms = append(ms, member{key: ember.CleanText(k), v: v})
		p.ws()
		if p.i >= len(p.s) {
			return val{}, false
		}
		if p.s[p.i] == '}' {
			p.i++
			return objVal(sortMembers(ms)), true
		}
		if p.s[p.i] != ',' {
			return val{}, false
		}
		p.i++
		p.ws()
	}
}

func (p *jsonParser) array() (val, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return val{}, false
	}
	defer func() { p.depth-- }()
	p.i++ // [
	p.ws()
	var vs []member
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return arrVal(vs), true
	}
	for {
		v, ok := p.value()
		if !ok {
			return val{}, false
		}
		vs = append(vs, member{v: v})
		p.ws()
		if p.i >= len(p.s) {
			return val{}, false
		}
		if p.s[p.i] == ']' {
			p.i++
			return arrVal(vs), true
		}
		if p.s[p.i] != ',' {
			return val{}, false
		}
		p.i++
		p.ws()
	}
}

// ---------------------------------------------------------------------------
// Python renderings.

// pyStr renders v as Python's str() does.
func pyStr(v val) string {
	if v.kind == kindStr {
		return v.s
	}
	return string(appendPyRepr(nil, v))
}

// appendPyRepr appends v as Python's repr(): True/False, None, 1.5, 'text',
// b'bytes', [1, 'a'], {'k': 1}.
func appendPyRepr(dst []byte, v val) []byte {
	switch v.kind {
	case kindNull:
		return append(dst, "None"...)
	case kindStr:
		return appendPyReprStr(dst, v.s)
	case kindBool:
		if v.n != 0 {
			return append(dst, "True"...)
		}
		return append(dst, "False"...)
	case kindInt:
		return strconv.AppendInt(dst, v.n, 10)
	case kindFloat:
		switch {
		case math.IsNaN(v.float()):
			return append(dst, "nan"...)
		case math.IsInf(v.float(), 1):
			return append(dst, "inf"...)
		case math.IsInf(v.float(), -1):
			return append(dst, "-inf"...)
		}
		return appendPyFloat(dst, v.float())
	case kindPData:
		switch v.pv.Type() {
		case pcommon.ValueTypeBytes:
			return appendPyReprBytes(dst, v.pv.Bytes().AsRaw())
		case pcommon.ValueTypeSlice:
			s := v.pv.Slice()
			dst = append(dst, '[')
			for i := 0; i < s.Len(); i++ {
				if i > 0 {
					dst = append(dst, ", "...)
				}
				dst = appendPyRepr(dst, fromPData(s.At(i)))
			}
			return append(dst, ']')
		case pcommon.ValueTypeMap:
			dst = append(dst, '{')
			for i, kv := range dictItems(v.pv.Map()) {
				if i > 0 {
					dst = append(dst, ", "...)
				}
				dst = appendPyReprStr(dst, kv.key)
				dst = append(dst, ": "...)
				dst = appendPyRepr(dst, fromPData(kv.v))
			}
			return append(dst, '}')
		}
	case kindObj:
		dst = append(dst, '{')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyReprStr(dst, v.obj[i].key)
			dst = append(dst, ": "...)
			dst = appendPyRepr(dst, v.obj[i].v)
		}
		return append(dst, '}')
	case kindArr:
		dst = append(dst, '[')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyRepr(dst, v.obj[i].v)
		}
		return append(dst, ']')
	}
	return append(dst, "None"...)
}

// dictItems returns the items of m as Python's dict() would hold them:
// each key at its first position with its last value.
func dictItems(m pcommon.Map) []pdKV {
	kvs := make([]pdKV, 0, m.Len())
	var pos map[string]int
	if m.Len() > mapChildrenAbove {
		pos = make(map[string]int, m.Len())
	}
	m.Range(func(k string, x pcommon.Value) bool {
		k = ember.CleanText(k)
		if pos != nil {
			if i, ok := pos[k]; ok {
				kvs[i].v = x
				return true
			}
			pos[k] = len(kvs)
		} else {
			for i := range kvs {
				if kvs[i].key == k {
					kvs[i].v = x
					return true
				}
			}
		}
		kvs = append(kvs, pdKV{key: k, v: x})
		return true
	})
	return kvs
}

func pyQuote(hasSingle, hasDouble bool) byte {
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

func appendPyReprStr(dst []byte, s string) []byte {
	q := pyQuote(strings.IndexByte(s, '\'') >= 0, strings.IndexByte(s, '"') >= 0)
	dst = append(dst, q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r < 0x20 || r == 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r < 0x7f || unicode.IsPrint(r):
			dst = utf8.AppendRune(dst, r)
		case r <= 0xff:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHex(dst, uint32(r), 8)
		}
	}
	return append(dst, q)
}

func appendHex(dst []byte, x uint32, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		dst = append(dst, hexDigits[(x>>(4*uint(i)))&0xf])
	}
	return dst
}

func appendPyReprBytes(dst []byte, b []byte) []byte {
	var hasSingle, hasDouble bool
	for _, c := range b {
		hasSingle = hasSingle || c == '\''
		hasDouble = hasDouble || c == '"'
	}
	q := pyQuote(hasSingle, hasDouble)
	dst = append(dst, 'b', q)
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, q)
}

// appendPyJSON appends v as Python's json.dumps(v, ensure_ascii=ascii)
// writes it: ", " and ": " separators, NaN/Infinity bare, floats as repr.
// Bytes, which Python cannot dump, become base64 strings. Key-value lists
// keep their order (first position, last value); other objects are sorted.
func appendPyJSON(dst []byte, v val, ascii bool) []byte {
	switch v.kind {
	case kindNull:
		return append(dst, "null"...)
	case kindStr:
		return appendPyJSONString(dst, v.s, ascii)
	case kindBool:
		if v.n != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kindInt:
		return strconv.AppendInt(dst, v.n, 10)
	case kindFloat:
		switch {
		case math.IsNaN(v.float()):
			return append(dst, "NaN"...)
		case math.IsInf(v.float(), 1):
			return append(dst, "Infinity"...)
		case math.IsInf(v.float(), -1):
			return append(dst, "-Infinity"...)
		}
		return appendPyFloat(dst, v.float())
	case kindPData:
		switch v.pv.Type() {
		case pcommon.ValueTypeBytes:
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, v.pv.Bytes().AsRaw())
			return append(dst, '"')
		case pcommon.ValueTypeSlice:
			s := v.pv.Slice()
			dst = append(dst, '[')
			for i := 0; i < s.Len(); i++ {
				if i > 0 {
					dst = append(dst, ", "...)
				}
				dst = appendPyJSON(dst, fromPData(s.At(i)), ascii)
			}
			return append(dst, ']')
		case pcommon.ValueTypeMap:
			dst = append(dst, '{')
			for i, kv := range dictItems(v.pv.Map()) {
				if i > 0 {
					dst = append(dst, ", "...)
				}
				dst = appendPyJSONString(dst, kv.key, ascii)
				dst = append(dst, ": "...)
				dst = appendPyJSON(dst, fromPData(kv.v), ascii)
			}
			return append(dst, '}')
		}
	case kindObj:
		dst = append(dst, '{')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyJSONString(dst, v.obj[i].key, ascii)
			dst = append(dst, ": "...)
			dst = appendPyJSON(dst, v.obj[i].v, ascii)
		}
		return append(dst, '}')
	case kindArr:
		dst = append(dst, '[')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyJSON(dst, v.obj[i].v, ascii)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

func appendPyJSONString(dst []byte, s string, ascii bool) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\b':
			dst = append(dst, '\\', 'b')
		case r == '\f':
			dst = append(dst, '\\', 'f')
		case r < 0x20:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		case r < 0x7f || !ascii:
			dst = utf8.AppendRune(dst, r)
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			r -= 0x10000
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(0xd800+(r>>10)), 4)
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(0xdc00+(r&0x3ff)), 4)
		}
	}
	return append(dst, '"')
}
