package ingest

import (
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/pricing"
)

// Converter turns OTLP trace data into Ember spans the way Phoenix decodes
// them (src/phoenix/trace/otel.py). Safe for concurrent use.
//
// Per span:
//   - trace, span and parent ids become lower-case hex; an all-zero trace or
//     span id makes the span invalid;
//   - times keep their nanoseconds, in UTC;
//   - attributes are decoded (bytes as base64 strings), OpenInference keys
//     are synthesised from OTel GenAI ones (gen_ai.*), JSON-string
//     attributes (…metadata, …tool.parameters, …llm.prompt_template.variables)
//     are parsed, llm.token_count.{prompt,completion,total} become integers,
//     and the dotted keys are unflattened into one nested JSON object;
//   - a non-string input.value is replaced by its Python json.dumps text and
//     input.mime_type set to application/json;
//   - the kind is openinference.span.kind upper-cased (UNKNOWN when missing
//     or unknown), the session and user ids are session.id and user.id as
//     Python's str() renders them, stripped;
//   - LLM spans get their own token counts and, with Prices, a cost;
//   - events become [{"name","timestamp","attributes"}] with timestamps like
//     2024-01-01T12:00:00.123456789Z (UTC, always nine fractional digits) and
//     attributes nested like the span's; an "exception" event keeps only
//     exception.type, .message (default ""), .escaped and .stacktrace.
//
// Every string is valid UTF-8 without NUL (U+FFFD replaces both). Resource
// and scope attributes, the OTel span kind, links, trace state, flags and
// dropped counts are discarded.
type Converter struct {
	Prices *pricing.Table // may be nil: no costs
}

// InvalidSpan is a span that could not be converted, with the reason.
type InvalidSpan struct {
	TraceID, SpanID, Reason string
}

// Resource attribute naming the project of its spans.
const projectNameKey = "openinference.project.name"

// Convert converts every span of td. projectOverride, when non-empty (the
// x-project-name HTTP header), names the project of every span; else each
// ResourceSpans' resource attribute openinference.project.name (a non-empty
// string value) or ember.DefaultProjectName.
//
// The returned spans share backing arrays (one block of ember.Span values,
// and chunks holding their Attributes and Events); they are independent of
// td.
func (c *Converter) Convert(td ptrace.Traces, projectOverride string) (spans []*ember.Span, invalid []InvalidSpan) {
	total := td.SpanCount()
	if total == 0 {
		return nil, nil
	}
	sc := scratchPool.Get().(*scratch)
	defer sc.release()

	block := make([]ember.Span, total)
	spans = make([]*ember.Span, 0, total)
	ar := arena{spans: total}
	override := ember.CleanText(projectOverride)
	var lastTraceID pcommon.TraceID
	var lastTraceHex string

	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		project := override
		if project == "" {
			project = resourceProject(rs.Resource().Attributes())
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j).Spans()
			for k := 0; k < ss.Len(); k++ {
				sp := ss.At(k)
				out := &block[len(spans)+len(invalid)]
				tid := sp.TraceID()
				if tid != lastTraceID || lastTraceHex == "" {
					lastTraceID, lastTraceHex = tid, hex.EncodeToString(tid[:])
				}
				out.TraceID = lastTraceHex
				if reason := c.convertSpan(sc, &ar, sp, out); reason != "" {
					iv := InvalidSpan{Reason: reason}
					if !tid.IsEmpty() {
						iv.TraceID = lastTraceHex
					}
					if sid := sp.SpanID(); !sid.IsEmpty() {
						iv.SpanID = hex.EncodeToString(sid[:])
					}
					*out = ember.Span{}
					invalid = append(invalid, iv)
					continue
				}
				out.ProjectName = project
				spans = append(spans, out)
			}
		}
	}
	return spans, invalid
}

// resourceProject is the project named by a resource: the first non-empty
// string openinference.project.name, else the default project.
func resourceProject(attrs pcommon.Map) string {
	project := ember.DefaultProjectName
	attrs.Range(func(k string, v pcommon.Value) bool {
		if k == projectNameKey && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
			project = ember.CleanText(v.Str())
			return false
		}
		return true
	})
	return project
}

// convertSpan fills out (whose TraceID is set) from sp, or returns why sp is
// invalid.
func (c *Converter) convertSpan(sc *scratch, ar *arena, sp ptrace.Span, out *ember.Span) string {
	if sp.TraceID().IsEmpty() {
		return "trace id is empty (all zero)"
	}
	sid := sp.SpanID()
	if sid.IsEmpty() {
		return "span id is empty (all zero)"
	}
	out.SpanID = hex.EncodeToString(sid[:])
	if pid := sp.ParentSpanID(); !pid.IsEmpty() {
		out.ParentID = hex.EncodeToString(pid[:])
	}
	out.Name = ember.CleanText(sp.Name())
	out.StartTime = nanosToTime(uint64(sp.StartTimestamp()))
	out.EndTime = nanosToTime(uint64(sp.EndTimestamp()))
	switch sp.Status().Code() {
	case ptrace.StatusCodeOk:
		out.StatusCode = ember.StatusOK
	case ptrace.StatusCodeError:
		out.StatusCode = ember.StatusError
	default:
		out.StatusCode = ember.StatusUnset
	}
	out.StatusMessage = ember.CleanText(sp.Status().Message())

	// Attributes.
	attrs := sc.attrs[:0]
	sp.Attributes().Range(func(k string, v pcommon.Value) bool {
		attrs = append(attrs, attr{key: ember.CleanText(k), v: fromPData(v)})
		return true
	})
	if hasGenAI(attrs) {
		attrs = synthesizeGenAI(attrs)
	}
	attrs = loadJSONStrings(attrs)
	coerceTokenCounts(attrs)
	sc.attrs = attrs
	root := sc.u.unflatten(attrs)
	root = normalizeInputValue(root)

	out.Kind = ember.SpanKindUnknown
	if v, ok := lookup(root, "openinference", "span", "kind"); ok && v.kind == kindStr {
		if k, ok := ember.ParseSpanKind(v.s); ok {
			out.Kind = k
		}
	}
	out.SessionID = textID(root, "session")
	out.UserID = textID(root, "user")
	if out.Kind == ember.SpanKindLLM {
		out.HasTokenCounts = true
		out.LLMTokenCountPrompt = tokenCount(root, "prompt")
		out.LLMTokenCountCompletion = tokenCount(root, "completion")
		if c.Prices != nil {
			out.Cost = c.cost(root, out)
		}
	}
	sc.buf = appendJSON(sc.buf[:0], root, &sc.tmp)
	// The span's attribute tree is no longer needed: events reuse sc.
	n := len(sc.buf)
	sc.buf = sc.appendEvents(sc.buf, sp.Events())
	b := ar.save(sc.buf)
	out.Attributes, out.Events = b[:n:n], b[n:]
	return ""
}

// nanosToTime converts Unix nanoseconds to a UTC time, without overflow.
func nanosToTime(ns uint64) time.Time {
	return time.Unix(int64(ns/1e9), int64(ns%1e9)).UTC()
}

// normalizeInputValue replaces a non-string input.value by its Python
// json.dumps text and sets input.mime_type to application/json, as Phoenix
// does for structured inputs.
func normalizeInputValue(root val) val {
	in, ok := field(root, "input")
	if !ok || !isNonEmptyObject(in) {
		return root
	}
	v, ok := field(in, "value")
	if !ok || v.kind == kindStr || v.kind == kindNull {
		return root
	}
	in, _ = asObject(in)
	in = setField(in, "value", strVal(string(appendPyJSON(nil, v, true))))
	in = setField(in, "mime_type", strVal(mimeJSON))
	return setField(root, "input", in)
}

// textID is attribute <ns>.id as Phoenix stores session and user ids:
// str(value).strip(); "" when absent.
func textID(root val, ns string) string {
	v, ok := lookup(root, ns, "id")
	if !ok {
		return ""
	}
	return strings.TrimFunc(pyStr(v), pyIsSpace)
}

// tokenCount is llm.token_count.<which> as an integer, 0 when absent or
// unparsable.
func tokenCount(root val, which string) int64 {
	v, _ := lookup(root, "llm", "token_count", which)
	n, _ := toInt(v, true)
	return n
}

// tokenDetails returns llm.token_count.<which> (prompt_details or
// completion_details) as token counts by type, or nil.
func tokenDetails(root val, which string) map[string]int64 {
	v, ok := lookup(root, "llm", "token_count", which)
	if !ok {
		return nil
	}
	obj, ok := asObject(v)
	if !ok || len(obj.obj) == 0 {
		return nil
	}
	var m map[string]int64
	for _, f := range obj.obj {
		if n, ok := toInt(f.v, false); ok {
			if m == nil {
				m = make(map[string]int64, len(obj.obj))
			}
			m[f.key] = n
		}
	}
	return m
}

// cost prices an LLM span that names its model.
func (c *Converter) cost(root val, s *ember.Span) *ember.SpanCost {
	model, ok := lookup(root, "llm", "model_name")
	if !ok || model.kind != kindStr || strings.TrimFunc(model.s, pyIsSpace) == "" {
		return nil
	}
	var provider string
	if p, ok := lookup(root, "llm", "provider"); ok && p.kind == kindStr {
		provider = p.s
	}
	return c.Prices.Cost(model.s, provider, s.StartTime, pricing.Usage{
		Prompt:            s.LLMTokenCountPrompt,
		Completion:        s.LLMTokenCountCompletion,
		PromptDetails:     tokenDetails(root, "prompt_details"),
		CompletionDetails: tokenDetails(root, "completion_details"),
	})
}

// Timestamp layout of events: RFC 3339, UTC, nine fractional digits.
const eventTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// exceptionKeys are the attributes an exception event keeps.
var exceptionKeys = [...]string{"exception.type", "exception.message", "exception.escaped", "exception.stacktrace"}

// appendEvents appends the JSON array of events.
func (sc *scratch) appendEvents(dst []byte, evs ptrace.SpanEventSlice) []byte {
	dst = append(dst, '[')
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if i > 0 {
			dst = append(dst, ',')
		}
		attrs := sc.attrs[:0]
		ev.Attributes().Range(func(k string, v pcommon.Value) bool {
			attrs = append(attrs, attr{key: ember.CleanText(k), v: fromPData(v)})
			return true
		})
		if ev.Name() == "exception" {
			attrs = exceptionAttrs(attrs)
		}
		sc.attrs = attrs
		dst = append(dst, `{"name":`...)
		dst = appendJSONString(dst, ev.Name())
		dst = append(dst, `,"timestamp":"`...)
		dst = nanosToTime(uint64(ev.Timestamp())).AppendFormat(dst, eventTimeLayout)
		dst = append(dst, `","attributes":`...)
		dst = appendJSON(dst, sc.u.unflatten(attrs), &sc.tmp)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// exceptionAttrs keeps the exception attributes Phoenix keeps, in place:
// the last value of each key, and exception.message "" when missing or
// falsy.
func exceptionAttrs(attrs []attr) []attr {
	var kept [len(exceptionKeys)]val
	for _, a := range attrs {
		for j, k := range exceptionKeys {
			if a.key == k {
				kept[j] = a.v
			}
		}
	}
	out := attrs[:0]
	for j, k := range exceptionKeys {
		v := kept[j]
		if k == "exception.message" && !pyTruthy(v) {
			v = strVal("")
		}
		if v.kind != kindNull {
			out = append(out, attr{key: k, v: v})
		}
	}
	return out
}

// scratch holds the buffers reused by conversions.
type scratch struct {
	attrs []attr
	u     unflattener
	buf   []byte
	tmp   []pdKV
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Largest buffers worth keeping in the pool.
const (
	maxPooledElems = 1 << 14
	maxPooledBytes = 1 << 20
)

// release clears references into the converted request (so the pool does
// not keep it alive), drops oversized buffers and returns sc to the pool.
func (sc *scratch) release() {
	sc.attrs = trimPooled(sc.attrs)
	sc.tmp = trimPooled(sc.tmp)
	sc.u.nodes = trimPooled(sc.u.nodes)
	sc.u.stack = trimPooled(sc.u.stack)
	sc.u.slab = trimPooled(sc.u.slab)
	sc.u.elems = trimPooled(sc.u.elems)
	if len(sc.u.byKey) > maxPooledElems {
		sc.u.byKey = nil
	} else {
		clear(sc.u.byKey)
	}
	sc.u.idx = sc.u.idx[:0]
	sc.u.perm = sc.u.perm[:0]
	if cap(sc.buf) > maxPooledBytes {
		sc.buf = nil
	}
	scratchPool.Put(sc)
}

func trimPooled[T any](s []T) []T {
	if cap(s) > maxPooledElems {
		return nil
	}
	clear(s[:cap(s)])
	return s[:0]
}

// arena hands out byte slices carved from large chunks, so the JSON of many
// spans costs few allocations. A chunk is sized for the spans still to come
// at the average size so far, so little is wasted.
type arena struct {
	chunk []byte
	spans int // spans not yet saved
	saved int // spans saved
	bytes int // bytes saved
}

// Bounds of an arena chunk.
const (
	minChunk = 4 << 10
	maxChunk = 4 << 20
)

// save copies b (the JSON of one span) into the arena.
func (a *arena) save(b []byte) []byte {
	if cap(a.chunk)-len(a.chunk) < len(b) {
		avg := len(b)
		if a.saved > 0 {
			avg = max(avg, a.bytes/a.saved)
		}
		size := min(max(avg*a.spans+avg/8, minChunk), maxChunk)
		a.chunk = make([]byte, 0, max(size, len(b)))
	}
	a.spans--
	a.saved++
	a.bytes += len(b)
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}
