package ingest

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// This file synthesises OpenInference attributes from OpenTelemetry GenAI
// semantic-convention attributes (gen_ai.*), the way Phoenix's
// src/phoenix/trace/gen_ai/conversion.py does, so that spans from plain OTel
// GenAI instrumentations show up as LLM, TOOL, AGENT... spans with model
// names, token counts and messages. Synthesised keys never replace keys the
// span already has.
//
// Beyond Phoenix's mapping it also reads the older flattened form
// (gen_ai.prompt.N.role / gen_ai.completion.N.content, as OpenLLMetry emits),
// the deprecated usage keys (gen_ai.usage.prompt_tokens, ...), and fills
// input.value / output.value from the raw message JSON (as the openinference
// JS genai converter does) rather than Phoenix's {"id","model"} payload.

// OpenInference span kinds and mime types written here.
const (
	mimeJSON = "application/json"
	mimeText = "text/plain"
)

// hasGenAI reports whether any attribute key starts with "gen_ai.".
func hasGenAI(attrs []attr) bool {
	for i := range attrs {
		if strings.HasPrefix(attrs[i].key, "gen_ai.") {
			return true
		}
	}
	return false
}

// synthesizeGenAI appends to attrs the OpenInference attributes derived from
// its gen_ai.* attributes that attrs does not already have. A synthesised
// message, tool or document list is added only when the span has no key of
// that list at all, and input/output mime types only with their values.
func synthesizeGenAI(attrs []attr) []attr {
	g := genAI{attrs: attrs}
	taken := keyTaker{orig: attrs[:len(attrs):len(attrs)]}
	if len(attrs) > mapChildrenAbove {
		g.byKey = make(map[string]int, len(attrs))
		taken.keys = make(map[string]bool, len(attrs))
		for i, a := range attrs {
			if a.v.kind != kindNull {
				g.byKey[a.key] = i
			}
			taken.keys[a.key] = true
		}
	}
	for _, a := range g.convert() {
		if a.v.kind == kindNull || taken.taken(a.key) {
			continue
		}
		attrs = append(attrs, a)
	}
	return attrs
}

// genAIFamilies are OpenInference lists that are synthesised whole or not at
// all.
var genAIFamilies = [...]string{"llm.input_messages", "llm.output_messages", "llm.tools", "retrieval.documents"}

// keyTaker tells which synthesised keys the span already has.
type keyTaker struct {
	orig     []attr
	keys     map[string]bool // the keys of orig; nil for small spans
	families [len(genAIFamilies)]int8
}

func inFamily(key, fam string) bool {
	return key == fam || (strings.HasPrefix(key, fam) && key[len(fam)] == '.')
}

func (t *keyTaker) taken(key string) bool {
	switch key {
	case "input.mime_type":
		return t.has("input.value") || t.has(key)
	case "output.mime_type":
		return t.has("output.value") || t.has(key)
	}
	for i, fam := range genAIFamilies {
		if !inFamily(key, fam) {
			continue
		}
		if t.families[i] == 0 { // not yet known
			t.families[i] = -1
			for j := range t.orig {
				if inFamily(t.orig[j].key, fam) {
					t.families[i] = 1
					break
				}
			}
		}
		return t.families[i] > 0
	}
	return t.has(key)
}

func (t *keyTaker) has(key string) bool {
	if t.keys != nil {
		return t.keys[key]
	}
	for i := range t.orig {
		if t.orig[i].key == key {
			return true
		}
	}
	return false
}

// genAI reads the gen_ai.* attributes of one span.
type genAI struct {
	attrs []attr
	byKey map[string]int // index of the last non-null value of each key; nil for small spans
	out   []attr
}

// get returns the last non-null value of key, like a Python dict lookup.
func (g *genAI) get(key string) (val, bool) {
	if g.byKey != nil {
		if i, ok := g.byKey[key]; ok {
			return g.attrs[i].v, true
		}
		return val{}, false
	}
	for i := len(g.attrs) - 1; i >= 0; i-- {
		if g.attrs[i].key == key && g.attrs[i].v.kind != kindNull {
			return g.attrs[i].v, true
		}
	}
	return val{}, false
}

// str returns str(value) of key, or "" when absent.
func (g *genAI) str(key string) string {
	v, ok := g.get(key)
	if !ok {
		return ""
	}
	return pyStr(v)
}

// truthy reports whether key is present with a truthy value.
func (g *genAI) truthy(key string) bool {
	v, ok := g.get(key)
	return ok && pyTruthy(v)
}

func (g *genAI) add(key string, v val) { g.out = append(g.out, attr{key: key, v: v}) }

func (g *genAI) convert() []attr {
	kind := g.spanKind()
	if kind != "" {
		g.add("openinference.span.kind", strVal(kind))
	}
	g.base()
	g.request(kind)
	g.usage()
	g.messages()
	g.toolDefinitions()
	switch kind {
	case "TOOL":
		g.toolExecution()
	case "RETRIEVER":
		g.retrieval()
	default:
		g.io()
	}
	return g.out
}

// spanKind infers the OpenInference span kind from gen_ai.operation.name, or
// from the attributes present when there is none.
func (g *genAI) spanKind() string {
	op, ok := g.get("gen_ai.operation.name")
	if !ok {
		switch {
		case g.truthy("gen_ai.tool.call.id") || g.truthy("gen_ai.tool.name"):
			return "TOOL"
		case g.truthy("gen_ai.retrieval.documents") || g.truthy("gen_ai.retrieval.query.text"):
			return "RETRIEVER"
		case hasKeyNonNull(g.attrs, "gen_ai.embeddings.dimension.count"):
			return "EMBEDDING"
		case g.truthy("gen_ai.input.messages") || g.truthy("gen_ai.output.messages") ||
			g.truthy("gen_ai.request.model") || g.hasPrefix("gen_ai.prompt.") || g.hasPrefix("gen_ai.completion."):
			return "LLM"
		}
		return ""
	}
	switch pyStr(op) {
	case "chat", "text_completion", "generate_content":
		return "LLM"
	case "embeddings":
		return "EMBEDDING"
	case "execute_tool":
		return "TOOL"
	case "retrieval":
		return "RETRIEVER"
	case "invoke_agent", "create_agent":
		return "AGENT"
	case "invoke_workflow":
		return "CHAIN"
	}
	return ""
}

func hasKeyNonNull(attrs []attr, key string) bool {
	for i := range attrs {
		if attrs[i].key == key && attrs[i].v.kind != kindNull {
			return true
		}
	}
	return false
}

func (g *genAI) hasPrefix(prefix string) bool {
	for i := range g.attrs {
		if strings.HasPrefix(g.attrs[i].key, prefix) {
			return true
		}
	}
	return false
}

// providers maps gen_ai.provider.name (or a lower-cased gen_ai.system) to
// OpenInference's llm.provider and llm.system; "" means unset. Names not in
// the table become llm.system only.
var providers = map[string][2]string{
	"openai":             {"openai", "openai"},
	"anthropic":          {"anthropic", "anthropic"},
	"cohere":             {"cohere", "cohere"},
	"mistral_ai":         {"mistralai", "mistralai"},
	"deepseek":           {"deepseek", ""},
	"groq":               {"groq", ""},
	"perplexity":         {"perplexity", ""},
	"x_ai":               {"xai", ""},
	"azure.ai.openai":    {"azure", "openai"},
	"azure.ai.inference": {"azure", ""},
	"aws.bedrock":        {"aws", ""},
	"gcp.vertex_ai":      {"google", "vertexai"},
	"gcp.gen_ai":         {"google", ""},
	"gcp.gemini":         {"google", ""},
	// Values of the deprecated gen_ai.system.
	"az.ai.openai":    {"azure", "openai"},
	"az.ai.inference": {"azure", ""},
	"vertex_ai":       {"google", "vertexai"},
	"gemini":          {"google", ""},
}

func (g *genAI) base() {
	var provider string
	if v, ok := g.get("gen_ai.provider.name"); ok {
		provider = pyStr(v)
	} else if v, ok := g.get("gen_ai.system"); ok {
		// Some instrumentations set only the deprecated gen_ai.system.
		provider = strings.ToLower(pyStr(v))
	}
	if provider != "" {
		if m, known := providers[provider]; known {
			if m[0] != "" {
				g.add("llm.provider", strVal(m[0]))
			}
			if m[1] != "" {
				g.add("llm.system", strVal(m[1]))
			}
		} else {
			g.add("llm.system", strVal(provider))
		}
	}
	if id := g.str("gen_ai.conversation.id"); id != "" {
		g.add("session.id", strVal(id))
	}
	if name := g.str("gen_ai.agent.name"); name != "" {
		g.add("agent.name", strVal(name))
	}
}

// requestParameters maps gen_ai.request.* keys to invocation parameter
// names, in the order they are written.
var requestParameters = [...][2]string{
	{"gen_ai.request.temperature", "temperature"},
	{"gen_ai.request.top_p", "top_p"},
	{"gen_ai.request.top_k", "top_k"},
	{"gen_ai.request.max_tokens", "max_tokens"},
	{"gen_ai.request.frequency_penalty", "frequency_penalty"},
	{"gen_ai.request.presence_penalty", "presence_penalty"},
	{"gen_ai.request.seed", "seed"},
	{"gen_ai.request.stream", "stream"},
	{"gen_ai.request.choice.count", "n"},
}

// pyObject writes a Python json.dumps(..., ensure_ascii=False) object.
type pyObject struct {
	b []byte
	n int
}

func (o *pyObject) field(key string) {
	if o.n == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ", "...)
	}
	o.n++
	o.b = appendPyJSONString(o.b, key, false)
	o.b = append(o.b, ": "...)
}

func (o *pyObject) set(key string, v val) {
	o.field(key)
	o.b = appendPyJSON(o.b, v, false)
}

func (o *pyObject) setStrings(key string, ss []string) {
	o.field(key)
	o.b = append(o.b, '[')
	for i, s := range ss {
		if i > 0 {
			o.b = append(o.b, ", "...)
		}
		o.b = appendPyJSONString(o.b, s, false)
	}
	o.b = append(o.b, ']')
}

func (o *pyObject) raw(key, json string) {
	o.field(key)
	o.b = append(o.b, json...)
}

func (o *pyObject) String() string {
	if o.n == 0 {
		return "{}"
	}
	return string(append(o.b, '}'))
}

func (g *genAI) request(kind string) {
	model := g.str("gen_ai.request.model")
	if model == "" {
		model = g.str("gen_ai.response.model")
	}
	if model != "" {
		if kind == "EMBEDDING" {
			g.add("embedding.model_name", strVal(model))
		} else {
			g.add("llm.model_name", strVal(model))
		}
	}

	var o pyObject
	for _, p := range requestParameters {
		if v, ok := g.get(p[0]); ok {
			o.set(p[1], v)
		}
	}
	if stop := g.strings("gen_ai.request.stop_sequences"); len(stop) > 0 {
		o.setStrings("stop", stop)
	}
	if formats := g.strings("gen_ai.request.encoding_formats"); len(formats) == 1 {
		o.set("encoding_format", strVal(formats[0]))
	} else if len(formats) > 1 {
		o.setStrings("encoding_formats", formats)
	}
	switch g.str("gen_ai.output.type") {
	case "json":
		o.raw("response_format", `{"type": "json_object"}`)
	case "text":
		o.raw("response_format", `{"type": "text"}`)
	}
	if o.n > 0 {
		key := "llm.invocation_parameters"
		if kind == "EMBEDDING" {
			key = "embedding.invocation_parameters"
		}
		g.add(key, strVal(o.String()))
	}
}

// strings returns key as a list of strings: a string is a list of one, an
// array is stringified item by item.
func (g *genAI) strings(key string) []string {
	v, ok := g.get(key)
	if !ok {
		return nil
	}
	if v.kind == kindStr {
		return []string{v.s}
	}
	if v.kind == kindPData && v.pv.Type() == pcommon.ValueTypeSlice {
		s := v.pv.Slice()
		out := make([]string, s.Len())
		for i := range out {
			out[i] = pyStr(fromPData(s.At(i)))
		}
		return out
	}
	return nil
}

// usageInt is Phoenix's _coerce_int: ints, integral floats and integer
// strings; never booleans.
func usageInt(v val, ok bool) (int64, bool) {
	if !ok {
		return 0, false
	}
	switch v.kind {
	case kindInt:
		return v.n, true
	case kindFloat:
		if f := v.float(); f == float64(int64(f)) {
			return int64(f), true
		}
	case kindStr:
		if n, err := strconv.ParseInt(strings.TrimFunc(v.s, pyIsSpace), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// getFirst returns the first of keys that is present.
func (g *genAI) getFirst(keys ...string) (val, bool) {
	for _, k := range keys {
		if v, ok := g.get(k); ok {
			return v, true
		}
	}
	return val{}, false
}

func (g *genAI) usage() {
	in, inOK := usageInt(g.getFirst("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"))
	out, outOK := usageInt(g.getFirst("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"))
	if inOK {
		g.add(keyTokenPrompt, intVal(in))
	}
	if outOK {
		g.add(keyTokenCompletion, intVal(out))
	}
	if inOK && outOK {
		g.add(keyTokenTotal, intVal(in+out))
	}
	if n, ok := usageInt(g.getFirst("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")); ok {
		g.add("llm.token_count.prompt_details.cache_read", intVal(n))
	}
	if n, ok := usageInt(g.getFirst("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens")); ok {
		g.add("llm.token_count.prompt_details.cache_write", intVal(n))
	}
}

// jsonList parses key, a JSON string holding an array, and returns its
// elements.
func (g *genAI) jsonList(key string) ([]member, bool) {
	v, ok := g.get(key)
	if !ok || v.kind != kindStr {
		return nil, false
	}
	p, ok := parseJSON(v.s)
	if !ok || p.kind != kindArr {
		return nil, false
	}
	return p.obj, true
}

// asString is Phoenix's _as_string: strings as they are, anything else as
// json.dumps(..., ensure_ascii=False).
func asString(v val) string {
	if v.kind == kindStr {
		return v.s
	}
	return string(appendPyJSON(nil, v, false))
}

func (g *genAI) messages() {
	next := 0
	if sys, ok := g.get("gen_ai.system_instructions"); ok && sys.kind == kindStr {
		var parts []member
		if p, ok := parseJSON(sys.s); ok && p.kind == kindArr {
			parts = p.obj
		} else {
			parts = []member{{v: objVal([]member{{"content", strVal(sys.s)}, {"type", strVal("text")}})}}
		}
		msg := objVal([]member{{"parts", arrVal(parts)}, {"role", strVal("system")}})
		next += g.message("llm.input_messages", next, msg, false)
	}
	newStyle := next > 0
	if msgs, ok := g.jsonList("gen_ai.input.messages"); ok {
		newStyle = true
		for _, m := range msgs {
			next += g.message("llm.input_messages", next, m.v, false)
		}
	}
	if !newStyle {
		g.flatMessages("gen_ai.prompt.", "llm.input_messages.")
	}
	if msgs, ok := g.jsonList("gen_ai.output.messages"); ok {
		i := 0
		for _, m := range msgs {
			i += g.message("llm.output_messages", i, m.v, true)
		}
	} else {
		g.flatMessages("gen_ai.completion.", "llm.output_messages.")
	}
}

func strField(v val, key string) string {
	if f, ok := field(v, key); ok && f.kind == kindStr {
		return f.s
	}
	return ""
}

// message writes GenAI message msg ({role, parts, name?, finish_reason?}) as
// OpenInference message(s) prefix.idx..., returning how many it wrote: a
// message carrying tool call responses becomes one message per response.
func (g *genAI) message(prefix string, idx int, msg val, output bool) int {
	if msg.kind != kindObj {
		return 0
	}
	role, ok := field(msg, "role")
	if !ok || role.kind != kindStr {
		return 0
	}
	partsVal, ok := field(msg, "parts")
	if !ok || partsVal.kind != kindArr {
		return 0
	}
	name := strField(msg, "name")

	var responses, calls, content []val
	var texts []string
	multimodal := false
	for _, pm := range partsVal.obj {
		p := pm.v
		switch strField(p, "type") {
		case "text":
			c, ok := field(p, "content")
			if !ok {
				continue
			}
			texts = append(texts, asString(c))
			content = append(content, p)
		case "uri", "blob":
			multimodal = true
			content = append(content, p)
		case "tool_call":
			calls = append(calls, p)
		case "tool_call_response":
			responses = append(responses, p)
		}
	}

	if len(responses) > 0 {
		for i, r := range responses {
			base := msgBase(prefix, idx+i)
			g.add(base+"message.role", role)
			if name != "" {
				g.add(base+"message.name", strVal(name))
			}
			if id := strField(r, "id"); id != "" {
				g.add(base+"message.tool_call_id", strVal(id))
			}
			if resp, ok := field(r, "response"); ok {
				g.add(base+"message.content", strVal(asString(resp)))
			}
		}
		return len(responses)
	}

	base := msgBase(prefix, idx)
	g.add(base+"message.role", role)
	if name != "" {
		g.add(base+"message.name", strVal(name))
	}
	if output {
		if fr := strField(msg, "finish_reason"); fr != "" {
			g.add(base+"message.finish_reason", strVal(fr))
		}
	}
	if multimodal || len(texts) > 1 {
		t := 0
		for i, p := range content {
			cp := base + "message.contents." + strconv.Itoa(i) + ".message_content."
			if strField(p, "type") == "text" {
				g.add(cp+"type", strVal("text"))
				g.add(cp+"text", strVal(texts[t]))
				t++
				continue
			}
			g.add(cp+"type", strVal("image"))
			if url := imageURL(p); url != "" {
				g.add(cp+"image.image.url", strVal(url))
			}
		}
	} else if len(texts) == 1 {
		g.add(base+"message.content", strVal(texts[0]))
	}
	for i, c := range calls {
		cp := base + "message.tool_calls." + strconv.Itoa(i) + ".tool_call."
		if id := strField(c, "id"); id != "" {
			g.add(cp+"id", strVal(id))
		}
		if name := strField(c, "name"); name != "" {
			g.add(cp+"function.name", strVal(name))
		}
		if args, ok := field(c, "arguments"); ok && args.kind != kindNull {
			g.add(cp+"function.arguments", strVal(asString(args)))
		}
	}
	return 1
}

func msgBase(prefix string, idx int) string {
	return prefix + "." + strconv.Itoa(idx) + "."
}

// imageURL returns the URL of a uri part, or a data URL for a blob part.
func imageURL(p val) string {
	if strField(p, "type") == "uri" {
		return strField(p, "uri")
	}
	content := strField(p, "content")
	if content == "" {
		return ""
	}
	mime := strField(p, "mime_type")
	if mime == "" {
		mime = "application/octet-stream"
	}
	return "data:" + mime + ";base64," + content
}

// flatMessages maps the older flattened form, from (e.g.) gen_ai.prompt.0.role
// to llm.input_messages.0.message.role.
func (g *genAI) flatMessages(from, to string) {
	for _, a := range g.attrs {
		if a.v.kind == kindNull || !strings.HasPrefix(a.key, from) {
			continue
		}
		n, rest, ok := strings.Cut(a.key[len(from):], ".")
		n, numeric := segment(n)
		if !ok || !numeric {
			continue
		}
		base := to + n + ".message."
		switch rest {
		case "role", "tool_call_id", "name", "finish_reason":
			g.add(base+rest, strVal(pyStr(a.v)))
		case "content":
			g.add(base+rest, strVal(asString(a.v)))
		default:
			tc, ok := strings.CutPrefix(rest, "tool_calls.")
			if !ok {
				continue
			}
			m, f, ok := strings.Cut(tc, ".")
			m, numeric := segment(m)
			if !ok || !numeric {
				continue
			}
			cp := base + "tool_calls." + m + ".tool_call."
			switch f {
			case "id":
				g.add(cp+"id", strVal(pyStr(a.v)))
			case "name":
				g.add(cp+"function.name", strVal(pyStr(a.v)))
			case "arguments":
				g.add(cp+"function.arguments", strVal(asString(a.v)))
			}
		}
	}
}

// toolDefinitions maps gen_ai.tool.definitions to llm.tools.N.tool.json_schema
// in the OpenAI function-tool shape.
func (g *genAI) toolDefinitions() {
	defs, ok := g.jsonList("gen_ai.tool.definitions")
	if !ok {
		return
	}
	i := 0
	for _, dm := range defs {
		d := dm.v
		if d.kind != kindObj {
			continue
		}
		var schema string
		if f, ok := field(d, "function"); ok && f.kind == kindObj {
			schema = string(appendPyJSON(nil, d, false))
		} else {
			name, ok := field(d, "name")
			if !ok || name.kind != kindStr {
				continue
			}
			typ := strField(d, "type")
			if typ == "" {
				typ = "function"
			}
			var fn pyObject
			fn.set("name", name)
			if desc := strField(d, "description"); desc != "" {
				fn.set("description", strVal(desc))
			}
			for _, k := range [...]string{"parameters", "input_schema", "inputSchema"} {
				if p, ok := field(d, k); ok && p.kind != kindNull {
					fn.set("parameters", p)
					break
				}
			}
			var o pyObject
			o.set("type", strVal(typ))
			o.raw("function", fn.String())
			schema = o.String()
		}
		g.add("llm.tools."+strconv.Itoa(i)+".tool.json_schema", strVal(schema))
		i++
	}
}

// mimeOf is application/json for a JSON object or array, else text/plain.
func mimeOf(s string) string {
	if v, ok := parseJSON(s); ok && (v.kind == kindObj || v.kind == kindArr) {
		return mimeJSON
	}
	return mimeText
}

func (g *genAI) toolExecution() {
	if name := g.str("gen_ai.tool.name"); name != "" {
		g.add("tool.name", strVal(name))
	}
	if desc := g.str("gen_ai.tool.description"); desc != "" {
		g.add("tool.description", strVal(desc))
	}
	if id := g.str("gen_ai.tool.call.id"); id != "" {
		g.add("tool.id", strVal(id))
	}
	if args, ok := g.get("gen_ai.tool.call.arguments"); ok {
		s := asString(args)
		if args.kind == kindStr {
			if p, ok := parseJSON(args.s); ok && p.kind == kindObj {
				s = string(appendPyJSON(nil, p, false))
			}
		}
		g.add("tool.parameters", strVal(s))
		in := asString(args)
		g.add("input.value", strVal(in))
		g.add("input.mime_type", strVal(mimeOf(in)))
	}
	if res, ok := g.get("gen_ai.tool.call.result"); ok {
		out := asString(res)
		g.add("output.value", strVal(out))
		g.add("output.mime_type", strVal(mimeOf(out)))
	}
}

func (g *genAI) retrieval() {
	if q := g.str("gen_ai.retrieval.query.text"); q != "" {
		g.add("input.value", strVal(q))
		g.add("input.mime_type", strVal(mimeText))
	}
	docs, ok := g.jsonList("gen_ai.retrieval.documents")
	if !ok {
		return
	}
	i := 0
	for _, dm := range docs {
		d := dm.v
		if d.kind != kindObj {
			continue
		}
		base := "retrieval.documents." + strconv.Itoa(i) + ".document."
		if id, ok := field(d, "id"); ok && id.kind != kindNull {
			g.add(base+"id", strVal(pyStr(id)))
		}
		if s, ok := field(d, "score"); ok && (s.kind == kindFloat || s.kind == kindInt) {
			if s.kind == kindInt {
				s = floatVal(float64(s.n))
			}
			g.add(base+"score", s)
		}
		if c, ok := field(d, "content"); ok && c.kind != kindNull {
			g.add(base+"content", strVal(asString(c)))
		}
		if m, ok := field(d, "metadata"); ok && m.kind != kindNull {
			g.add(base+"metadata", strVal(asString(m)))
		}
		i++
	}
}

// io fills input.value and output.value of model calls from the raw message
// JSON, or the deprecated gen_ai.prompt / gen_ai.completion strings.
func (g *genAI) io() {
	if v, ok := g.get("gen_ai.input.messages"); ok && v.kind == kindStr && v.s != "" {
		g.add("input.value", v)
		g.add("input.mime_type", strVal(mimeOf(v.s)))
	} else if v, ok := g.get("gen_ai.prompt"); ok && v.kind == kindStr && v.s != "" {
		g.add("input.value", v)
		g.add("input.mime_type", strVal(mimeOf(v.s)))
	}
	if v, ok := g.get("gen_ai.output.messages"); ok && v.kind == kindStr && v.s != "" {
		g.add("output.value", v)
		g.add("output.mime_type", strVal(mimeOf(v.s)))
	} else if v, ok := g.get("gen_ai.completion"); ok && v.kind == kindStr && v.s != "" {
		g.add("output.value", v)
		g.add("output.mime_type", strVal(mimeOf(v.s)))
	}
}

// pyTruthy is Python's bool(v).
func pyTruthy(v val) bool {
	switch v.kind {
	case kindStr:
		return v.s != ""
	case kindBool, kindInt:
		return v.n != 0
	case kindFloat:
		return v.float() != 0
	case kindPData:
		switch v.pv.Type() {
		case pcommon.ValueTypeBytes:
			return v.pv.Bytes().Len() > 0
		case pcommon.ValueTypeSlice:
			return v.pv.Slice().Len() > 0
		case pcommon.ValueTypeMap:
			return v.pv.Map().Len() > 0
		}
	case kindObj:
		return len(v.obj) > 0
	case kindArr:
		return len(v.obj) > 0
	}
	return false
}
