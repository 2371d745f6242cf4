package prompt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/emberhq/ember/api"
)

// identifierPattern is what prompt and tag names must match.
const identifierPattern = `^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$`

var identifierRE = regexp.MustCompile(identifierPattern)

// ValidIdentifier reports whether s may name a prompt or a tag: lowercase
// letters and digits, with '-' and '_' allowed inside.
func ValidIdentifier(s string) bool { return identifierRE.MatchString(s) }

// ValidationError lists what is wrong with a prompt document. Each issue
// is located by its path (Loc) from the document's root, in the shape
// FastAPI reports request validation failures, so a server can answer
// with it after prefixing "body".
type ValidationError struct {
	Issues []api.ValidationIssue
}

// Error sums up the issues as "version.model_name: Field required; ...".
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		loc := make([]string, len(is.Loc))
		for j, l := range is.Loc {
			loc[j] = fmt.Sprint(l)
		}
		parts[i] = strings.Join(loc, ".") + ": " + is.Msg
		if len(loc) == 0 {
			parts[i] = is.Msg
		}
	}
	return "invalid prompt: " + strings.Join(parts, "; ")
}

// CreateRequest is a validated body of POST /v1/prompts.
type CreateRequest struct {
	Name        string
	Description *string
	// SourcePromptID is accepted and reported as given; servers ignore it.
	SourcePromptID *string
	// Metadata is a JSON object, "{}" when none was given.
	Metadata json.RawMessage
	Version  VersionData
}

// VersionData is a validated prompt version in canonical form: unknown
// fields refused, values coerced to their types, model fields in their
// declared order, free-form objects (schemas, metadata) in the order they
// were written, and the OpenAI-compatible invocation parameter types
// ("azure_openai", "deepseek", ...) stored as "openai".
type VersionData struct {
	Description          *string
	ModelProvider        string
	ModelName            string
	TemplateType         string
	TemplateFormat       string
	Template             json.RawMessage
	InvocationParameters json.RawMessage
	Tools                json.RawMessage // nil when unset
	ResponseFormat       json.RawMessage // nil when unset
}

// ParseCreateRequest validates the JSON body of POST /v1/prompts as
// Phoenix does: unknown fields are ignored at the top level and in
// "prompt" and "version" but refused anywhere inside the template, the
// invocation parameters, the tools and the response format. Failures are a
// *ValidationError. It does not check that the template is a chat
// template, which servers require of new versions.
func ParseCreateRequest(b []byte) (*CreateRequest, error) {
	root, err := parseJSON(b)
	if err != nil {
		return nil, &ValidationError{Issues: []api.ValidationIssue{{Type: "json_invalid", Loc: []any{}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}}}}
	}
	c := &checker{}
	out := &CreateRequest{}
	c.model(root, nil, false, []field{
		{"prompt", true, func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, false, []field{
				{"name", true, func(c *checker, v *node, loc []any) *node {
					if n := c.identifier(v, loc); n != nil {
						out.Name = n.str
						return n
					}
					return nil
				}},
				{"description", false, func(c *checker, v *node, loc []any) *node {
					out.Description = c.optionalString(v, loc)
					return v
				}},
				{"source_prompt_id", false, func(c *checker, v *node, loc []any) *node {
					out.SourcePromptID = c.optionalString(v, loc)
					return v
				}},
				{"metadata", false, func(c *checker, v *node, loc []any) *node {
					if v.kind == kindNull {
						return v
					}
					if n := c.dict(v, loc); n != nil {
						out.Metadata = n.raw()
						return n
					}
					return nil
				}},
			})
		}},
		{"version", true, func(c *checker, v *node, loc []any) *node {
			if vd := c.versionData(v, loc); vd != nil {
				out.Version = *vd
			}
			return v
		}},
	})
	if len(c.issues) > 0 {
		return nil, &ValidationError{Issues: c.issues}
	}
	if out.Metadata == nil {
		out.Metadata = json.RawMessage("{}")
	}
	return out, nil
}

// ParseVersionData validates a prompt version (the "version" member of a
// create request) on its own; see ParseCreateRequest.
func ParseVersionData(b []byte) (*VersionData, error) {
	root, err := parseJSON(b)
	if err != nil {
		return nil, &ValidationError{Issues: []api.ValidationIssue{{Type: "json_invalid", Loc: []any{}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}}}}
	}
	c := &checker{}
	vd := c.versionData(root, nil)
	if len(c.issues) > 0 {
		return nil, &ValidationError{Issues: c.issues}
	}
	return vd, nil
}

// Version returns the version as the API's wire type, with id as its
// GlobalID.
func (v *VersionData) Version(id string) (*api.PromptVersion, error) {
	b, err := v.MarshalJSONWithID(id)
	if err != nil {
		return nil, err
	}
	var out api.PromptVersion
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode prompt version: %w", err)
	}
	return &out, nil
}

// MarshalJSONWithID writes the version as the REST API shows it: the
// description always (as "" when there is none), tools and response format
// only when set, then the id.
func (v *VersionData) MarshalJSONWithID(id string) ([]byte, error) {
	desc := ""
	if v.Description != nil {
		desc = *v.Description
	}
	var buf bytes.Buffer
	write := func(key string, raw []byte) {
		if buf.Len() == 0 {
			buf.WriteByte('{')
		} else {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	str := func(s string) []byte { b, _ := json.Marshal(s); return b }
	write("description", str(desc))
	write("model_provider", str(v.ModelProvider))
	write("model_name", str(v.ModelName))
	write("template", v.Template)
	write("template_type", str(v.TemplateType))
	write("template_format", str(v.TemplateFormat))
	write("invocation_parameters", v.InvocationParameters)
	if len(v.Tools) > 0 {
		write("tools", v.Tools)
	}
	if len(v.ResponseFormat) > 0 {
		write("response_format", v.ResponseFormat)
	}
	write("id", str(id))
	buf.WriteByte('}')
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("prompt version %s: stored JSON is not valid", id)
	}
	return buf.Bytes(), nil
}

// checker collects issues while it walks a document.
type checker struct {
	issues []api.ValidationIssue
}

func (c *checker) add(typ string, loc []any, msg string, input any, ctx map[string]any) {
	c.issues = append(c.issues, api.ValidationIssue{Type: typ, Loc: append([]any{}, loc...), Msg: msg, Input: input, Ctx: ctx})
}

func at(loc []any, more ...any) []any {
	return append(append(make([]any, 0, len(loc)+len(more)), loc...), more...)
}

// field is one field of a model: check validates the value at loc and
// returns what to store, or nil after reporting an issue.
type field struct {
	name     string
	required bool
	check    func(c *checker, v *node, loc []any) *node
}

// model validates an object against fields and returns it with the fields
// in declared order. Unknown keys are refused when forbid is set and
// dropped otherwise. It returns nil when the object itself is not one.
func (c *checker) model(v *node, loc []any, forbid bool, fields []field) *node {
	if v.kind != kindObject {
		c.add("model_attributes_type", loc, "Input should be a valid dictionary or object to extract fields from", v.value(), nil)
		return nil
	}
	before := len(c.issues)
	out := &node{kind: kindObject, obj: []member{}}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.name] = true
		val := v.get(f.name)
		if val == nil {
			if f.required {
				c.add("missing", at(loc, f.name), "Field required", v.value(), nil)
			}
			continue
		}
		if checked := f.check(c, val, at(loc, f.name)); checked != nil {
			out.obj = append(out.obj, member{f.name, checked})
		}
	}
	if forbid {
		for _, m := range v.obj {
			if !known[m.key] {
				c.add("extra_forbidden", at(loc, m.key), "Extra inputs are not permitted", m.val.value(), nil)
			}
		}
	}
	if len(c.issues) > before {
		return nil
	}
	return out
}

// tagged validates a union of models told apart by their "type" member.
// Issues inside a member are located under its tag, as pydantic does.
func (c *checker) tagged(v *node, loc []any, tags []string, members map[string]func(c *checker, v *node, loc []any) *node) *node {
	if v.kind != kindObject {
		c.add("model_attributes_type", loc, "Input should be a valid dictionary or object to extract fields from", v.value(), nil)
		return nil
	}
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = "'" + t + "'"
	}
	expected := strings.Join(quoted, ", ")
	t := v.get("type")
	if t == nil {
		c.add("union_tag_not_found", loc, "Unable to extract tag using discriminator 'type'", v.value(), map[string]any{"discriminator": "'type'"})
		return nil
	}
	tag := tagText(t)
	fn, ok := members[tag]
	if !ok || t.kind != kindString {
		c.add("union_tag_invalid", loc, fmt.Sprintf("Input tag '%s' found using 'type' does not match any of the expected tags: %s", tag, expected), v.value(),
			map[string]any{"discriminator": "'type'", "tag": tag, "expected_tags": expected})
		return nil
	}
	return fn(c, v, at(loc, tag))
}

func tagText(t *node) string {
	switch t.kind {
	case kindString:
		return t.str
	case kindNumber:
		return t.num.String()
	case kindBool:
		if t.b {
			return "True"
		}
		return "False"
	case kindNull:
		return "None"
	}
	return string(t.raw())
}

// literal checks that v is one of the allowed strings.
func (c *checker) literal(v *node, loc []any, allowed ...string) *node {
	if v.kind == kindString {
		for _, a := range allowed {
			if v.str == a {
				return v
			}
		}
	}
	expected := expectedList(allowed)
	c.add("literal_error", loc, "Input should be "+expected, v.value(), map[string]any{"expected": expected})
	return nil
}

// enum is literal for enumerations, which FastAPI reports as "enum".
func (c *checker) enum(v *node, loc []any, allowed ...string) *node {
	if v.kind == kindString {
		for _, a := range allowed {
			if v.str == a {
				return v
			}
		}
	}
	expected := expectedList(allowed)
	c.add("enum", loc, "Input should be "+expected, v.value(), map[string]any{"expected": expected})
	return nil
}

func expectedList(allowed []string) string {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// str checks for a string. A NUL character is refused: PostgreSQL cannot
// store one in text.
func (c *checker) str(v *node, loc []any) *node {
	if v.kind != kindString {
		c.add("string_type", loc, "Input should be a valid string", v.value(), nil)
		return nil
	}
	if strings.ContainsRune(v.str, 0) {
		c.add("string_nul", loc, "String should not contain a NUL character", v.str, nil)
		return nil
	}
	return v
}

func (c *checker) optionalString(v *node, loc []any) *string {
	if v.kind == kindNull {
		return nil
	}
	if n := c.str(v, loc); n != nil {
		s := n.str
		return &s
	}
	return nil
}

func (c *checker) identifier(v *node, loc []any) *node {
	n := c.str(v, loc)
	if n == nil {
		return nil
	}
	if !ValidIdentifier(n.str) {
		c.add("string_pattern_mismatch", loc, "String should match pattern '"+identifierPattern+"'", n.str, map[string]any{"pattern": identifierPattern})
		return nil
	}
	return n
}

// dict checks for an object of any content.
func (c *checker) dict(v *node, loc []any) *node {
	if v.kind != kindObject {
		c.add("dict_type", loc, "Input should be a valid dictionary", v.value(), nil)
		return nil
	}
	return v
}

// integer coerces as pydantic does in lax mode: integers, floats without
// a fraction, numeric strings and booleans.
func (c *checker) integer(v *node, loc []any) *node {
	parse := func(s string) (*node, bool) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &node{kind: kindNumber, num: json.Number(strconv.FormatInt(i, 10))}, true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, false
		}
		if f != math.Trunc(f) {
			c.add("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part", v.value(), nil)
			return nil, true
		}
		if math.Abs(f) > 1<<63-1024 {
			return nil, false
		}
		return &node{kind: kindNumber, num: json.Number(strconv.FormatInt(int64(f), 10))}, true
	}
	switch v.kind {
	case kindNumber, kindString:
		text := v.num.String()
		if v.kind == kindString {
			text = strings.TrimSpace(v.str)
		}
		n, ok := parse(text)
		if !ok {
			c.add("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer", v.value(), nil)
		}
		return n
	case kindBool:
		if v.b {
			return &node{kind: kindNumber, num: "1"}
		}
		return &node{kind: kindNumber, num: "0"}
	}
	c.add("int_type", loc, "Input should be a valid integer", v.value(), nil)
	return nil
}

// minInt is integer with a lower bound.
func (c *checker) minInt(v *node, loc []any, min int64) *node {
	n := c.integer(v, loc)
	if n == nil {
		return nil
	}
	if i, _ := n.num.Int64(); i < min {
		c.add("greater_than_equal", loc, fmt.Sprintf("Input should be greater than or equal to %d", min), v.value(), map[string]any{"ge": min})
		return nil
	}
	return n
}

// number coerces to a float as pydantic does in lax mode and writes it as
// Python prints a float.
func (c *checker) number(v *node, loc []any) *node {
	var f float64
	switch v.kind {
	case kindNumber:
		var err error
		if f, err = strconv.ParseFloat(v.num.String(), 64); err != nil {
			c.add("float_parsing", loc, "Input should be a valid number, unable to parse string as a number", v.value(), nil)
			return nil
		}
	case kindString:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v.str), 64); err != nil {
			c.add("float_parsing", loc, "Input should be a valid number, unable to parse string as a number", v.value(), nil)
			return nil
		}
	case kindBool:
		if v.b {
			f = 1
		}
	default:
		c.add("float_type", loc, "Input should be a valid number", v.value(), nil)
		return nil
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		c.add("finite_number", loc, "Input should be a finite number", v.value(), nil)
		return nil
	}
	return &node{kind: kindNumber, num: json.Number(pythonFloat(f))}
}

// pythonFloat formats f as Python's repr does: the shortest digits that
// read back exactly, fixed notation with ".0" for whole numbers unless the
// exponent is below -4 or above 15.
func pythonFloat(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// boolean coerces as pydantic does in lax mode.
func (c *checker) boolean(v *node, loc []any) *node {
	switch v.kind {
	case kindBool:
		return v
	case kindNumber:
		switch v.num.String() {
		case "0", "0.0":
			return &node{kind: kindBool, b: false}
		case "1", "1.0":
			return &node{kind: kindBool, b: true}
		}
		c.add("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", v.value(), nil)
		return nil
	case kindString:
		switch strings.ToLower(strings.TrimSpace(v.str)) {
		case "0", "off", "f", "false", "n", "no":
			return &node{kind: kindBool, b: false}
		case "1", "on", "t", "true", "y", "yes":
			return &node{kind: kindBool, b: true}
		}
		c.add("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", v.value(), nil)
		return nil
	}
	c.add("bool_type", loc, "Input should be a valid boolean", v.value(), nil)
	return nil
}

// list validates every item of an array with item; minItems > 0 refuses
// shorter lists.
func (c *checker) list(v *node, loc []any, minItems int, item func(c *checker, v *node, loc []any) *node) *node {
	if v.kind != kindArray {
		c.add("list_type", loc, "Input should be a valid list", v.value(), nil)
		return nil
	}
	before := len(c.issues)
	out := &node{kind: kindArray, arr: make([]*node, 0, len(v.arr))}
	for i, it := range v.arr {
		if n := item(c, it, at(loc, i)); n != nil {
			out.arr = append(out.arr, n)
		}
	}
	if len(c.issues) > before {
		return nil
	}
	if len(v.arr) < minItems {
		c.add("too_short", loc, fmt.Sprintf("List should have at least %d item after validation, not %d", minItems, len(v.arr)), v.value(),
			map[string]any{"field_type": "List", "min_length": minItems, "actual_length": len(v.arr)})
		return nil
	}
	return out
}

func (c *checker) stringList(v *node, loc []any) *node {
	return c.list(v, loc, 0, (*checker).str)
}

// any accepts every JSON value as it is.
func anyValue(c *checker, v *node, loc []any) *node { return v }

// The values the enumerations and literals of a prompt version take.
var (
	modelProviders = []string{
		api.ProviderOpenAI, api.ProviderAzureOpenAI, api.ProviderAnthropic, api.ProviderGoogle,
		api.ProviderDeepSeek, api.ProviderXAI, api.ProviderOllama, api.ProviderAWS,
		api.ProviderCerebras, api.ProviderFireworks, api.ProviderGroq, api.ProviderMoonshot,
		api.ProviderPerplexity, api.ProviderTogether,
	}
	roles = []string{api.RoleUser, api.RoleAssistant, api.RoleModel, api.RoleAI, api.RoleTool, api.RoleSystem, api.RoleDeveloper}

	// openAIFamily are the invocation parameter types that share OpenAI's
	// fields; all are stored as "openai".
	openAIFamily = []string{"openai", "azure_openai", "deepseek", "xai", "ollama", "cerebras", "fireworks", "groq", "moonshot", "perplexity", "together"}
	// invocationTags lists every invocation parameter type in the order
	// the union declares them.
	invocationTags = []string{"openai", "azure_openai", "anthropic", "google", "deepseek", "xai", "ollama", "aws", "cerebras", "fireworks", "groq", "moonshot", "perplexity", "together"}
)

// versionData validates a prompt version; it returns nil after reporting
// issues.
func (c *checker) versionData(v *node, loc []any) *VersionData {
	before := len(c.issues)
	out := &VersionData{}
	var templateType string
	c.model(v, loc, false, []field{
		{"description", false, func(c *checker, v *node, loc []any) *node {
			out.Description = c.optionalString(v, loc)
			return v
		}},
		{"model_provider", true, func(c *checker, v *node, loc []any) *node {
			if n := c.enum(v, loc, modelProviders...); n != nil {
				out.ModelProvider = n.str
			}
			return v
		}},
		{"model_name", true, func(c *checker, v *node, loc []any) *node {
			if n := c.str(v, loc); n != nil {
				out.ModelName = n.str
			}
			return v
		}},
		{"template", true, func(c *checker, v *node, loc []any) *node {
			if n := c.template(v, loc); n != nil {
				out.Template = n.raw()
				templateType = n.get("type").str
			}
			return v
		}},
		{"template_type", true, func(c *checker, v *node, loc []any) *node {
			if n := c.enum(v, loc, api.TemplateTypeString, api.TemplateTypeChat); n != nil {
				out.TemplateType = n.str
			}
			return v
		}},
		{"template_format", true, func(c *checker, v *node, loc []any) *node {
			if n := c.enum(v, loc, api.TemplateFormatMustache, api.TemplateFormatFString, api.TemplateFormatNone); n != nil {
				out.TemplateFormat = n.str
			}
			return v
		}},
		{"invocation_parameters", true, func(c *checker, v *node, loc []any) *node {
			if n := c.invocationParameters(v, loc); n != nil {
				out.InvocationParameters = n.raw()
			}
			return v
		}},
		{"tools", false, func(c *checker, v *node, loc []any) *node {
			if v.kind == kindNull {
				return v
			}
			if n := c.tools(v, loc); n != nil {
				out.Tools = n.raw()
			}
			return v
		}},
		{"response_format", false, func(c *checker, v *node, loc []any) *node {
			if v.kind == kindNull {
				return v
			}
			if n := c.responseFormat(v, loc); n != nil {
				out.ResponseFormat = n.raw()
			}
			return v
		}},
	})
	if len(c.issues) > before {
		return nil
	}
	if (out.TemplateType == api.TemplateTypeChat) != (templateType == "chat") {
		c.add("value_error", loc, "Value error, Template type does not match template", v.value(), map[string]any{"error": "Template type does not match template"})
		return nil
	}
	return out
}

func (c *checker) template(v *node, loc []any) *node {
	return c.tagged(v, loc, []string{"chat", "string"}, map[string]func(*checker, *node, []any) *node{
		"chat": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "chat") }},
				{"messages", true, func(c *checker, v *node, loc []any) *node { return c.list(v, loc, 0, (*checker).message) }},
			})
		},
		"string": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "string") }},
				{"template", true, (*checker).str},
			})
		},
	})
}

// contentListLabel is how pydantic names the list branch of a message's
// content in an issue's location.
const contentListLabel = "list[tagged-union[TextContentPart,ToolCallContentPart,ToolResultContentPart]]"

func (c *checker) message(v *node, loc []any) *node {
	return c.model(v, loc, true, []field{
		{"role", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, roles...) }},
		{"content", true, func(c *checker, v *node, loc []any) *node {
			if v.kind == kindString {
				return c.str(v, loc)
			}
			// Neither branch of the union matched: pydantic reports both.
			sub := &checker{}
			n := sub.list(v, at(loc, contentListLabel), 1, (*checker).contentPart)
			if n != nil {
				return n
			}
			c.add("string_type", at(loc, "str"), "Input should be a valid string", v.value(), nil)
			c.issues = append(c.issues, sub.issues...)
			return nil
		}},
	})
}

func (c *checker) contentPart(v *node, loc []any) *node {
	return c.tagged(v, loc, []string{"text", "tool_call", "tool_result"}, map[string]func(*checker, *node, []any) *node{
		"text": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "text") }},
				{"text", true, (*checker).str},
			})
		},
		"tool_call": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "tool_call") }},
				{"tool_call_id", true, (*checker).str},
				{"tool_call", true, func(c *checker, v *node, loc []any) *node {
					return c.tagged(v, loc, []string{"function"}, map[string]func(*checker, *node, []any) *node{
						"function": func(c *checker, v *node, loc []any) *node {
							return c.model(v, loc, true, []field{
								{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "function") }},
								{"name", true, (*checker).str},
								{"arguments", true, (*checker).str},
							})
						},
					})
				}},
			})
		},
		"tool_result": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "tool_result") }},
				{"tool_call_id", true, (*checker).str},
				{"tool_result", true, anyValue},
			})
		},
	})
}

func (c *checker) invocationParameters(v *node, loc []any) *node {
	members := map[string]func(*checker, *node, []any) *node{}
	for _, tag := range openAIFamily {
		members[tag] = func(c *checker, v *node, loc []any) *node {
			n := c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, tag) }},
				{tag, true, (*checker).openAIContent},
			})
			if n == nil {
				return nil
			}
			// Stored under the one type of the family.
			return object(member{"type", stringNode("openai")}, member{"openai", n.get(tag)})
		}
	}
	members["anthropic"] = func(c *checker, v *node, loc []any) *node {
		return c.model(v, loc, true, []field{
			{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "anthropic") }},
			{"anthropic", true, (*checker).anthropicContent},
		})
	}
	members["google"] = func(c *checker, v *node, loc []any) *node {
		return c.model(v, loc, true, []field{
			{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "google") }},
			{"google", true, (*checker).googleContent},
		})
	}
	members["aws"] = func(c *checker, v *node, loc []any) *node {
		return c.model(v, loc, true, []field{
			{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "aws") }},
			{"aws", true, (*checker).awsContent},
		})
	}
	return c.tagged(v, loc, invocationTags, members)
}

func (c *checker) openAIContent(v *node, loc []any) *node {
	return c.model(v, loc, true, []field{
		{"temperature", false, (*checker).number},
		{"max_tokens", false, (*checker).integer},
		{"max_completion_tokens", false, (*checker).integer},
		{"frequency_penalty", false, (*checker).number},
		{"presence_penalty", false, (*checker).number},
		{"top_p", false, (*checker).number},
		{"seed", false, (*checker).integer},
		{"stop", false, (*checker).stringList},
		{"reasoning_effort", false, func(c *checker, v *node, loc []any) *node {
			return c.literal(v, loc, "none", "minimal", "low", "medium", "high", "xhigh")
		}},
		{"extra_body", false, (*checker).dict},
	})
}

func (c *checker) anthropicContent(v *node, loc []any) *node {
	n := c.model(v, loc, true, []field{
		{"max_tokens", true, (*checker).integer},
		{"temperature", false, (*checker).number},
		{"top_p", false, (*checker).number},
		{"stop_sequences", false, (*checker).stringList},
		{"output_config", false, func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"effort", false, func(c *checker, v *node, loc []any) *node {
					return c.literal(v, loc, "low", "medium", "high", "xhigh", "max")
				}},
			})
		}},
		{"thinking", false, func(c *checker, v *node, loc []any) *node {
			display := field{"display", false, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "summarized", "omitted") }}
			return c.tagged(v, loc, []string{"disabled", "enabled", "adaptive"}, map[string]func(*checker, *node, []any) *node{
				"disabled": func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "disabled") }},
					})
				},
				"enabled": func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "enabled") }},
						{"budget_tokens", true, func(c *checker, v *node, loc []any) *node { return c.minInt(v, loc, 1024) }},
						display,
					})
				},
				"adaptive": func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "adaptive") }},
						display,
					})
				},
			})
		}},
		{"extra_body", false, (*checker).dict},
	})
	if n == nil {
		return nil
	}
	if thinking := n.get("thinking"); thinking != nil && thinking.get("type").str == "enabled" {
		budget, _ := thinking.get("budget_tokens").num.Int64()
		max, _ := n.get("max_tokens").num.Int64()
		if budget >= max {
			c.add("value_error", loc, "Value error, The thinking budget must be less than max tokens.", v.value(), map[string]any{"error": "The thinking budget must be less than max tokens."})
			return nil
		}
	}
	return n
}

func (c *checker) googleContent(v *node, loc []any) *node {
	return c.model(v, loc, true, []field{
		{"temperature", false, (*checker).number},
		{"max_output_tokens", false, (*checker).integer},
		{"stop_sequences", false, (*checker).stringList},
		{"presence_penalty", false, (*checker).number},
		{"frequency_penalty", false, (*checker).number},
		{"top_p", false, (*checker).number},
		{"top_k", false, (*checker).integer},
		{"thinking_config", false, func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"thinking_budget", false, (*checker).integer},
				{"thinking_level", false, func(c *checker, v *node, loc []any) *node {
					return c.literal(v, loc, "minimal", "low", "medium", "high")
				}},
				{"include_thoughts", false, (*checker).boolean},
			})
		}},
	})
}

func (c *checker) awsContent(v *node, loc []any) *node {
	return c.model(v, loc, true, []field{
		{"max_tokens", false, (*checker).integer},
		{"temperature", false, (*checker).number},
		{"top_p", false, (*checker).number},
		{"stop_sequences", false, (*checker).stringList},
	})
}

func (c *checker) tools(v *node, loc []any) *node {
	return c.model(v, loc, true, []field{
		{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "tools") }},
		{"tools", true, func(c *checker, v *node, loc []any) *node {
			return c.list(v, loc, 1, func(c *checker, v *node, loc []any) *node {
				return c.tagged(v, loc, []string{"function", "raw"}, map[string]func(*checker, *node, []any) *node{
					"function": func(c *checker, v *node, loc []any) *node {
						return c.model(v, loc, true, []field{
							{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "function") }},
							{"function", true, func(c *checker, v *node, loc []any) *node {
								return c.model(v, loc, true, []field{
									{"name", true, (*checker).str},
									{"description", false, (*checker).str},
									{"parameters", false, (*checker).dict},
									{"strict", false, (*checker).boolean},
								})
							}},
						})
					},
					"raw": func(c *checker, v *node, loc []any) *node {
						return c.model(v, loc, true, []field{
							{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "raw") }},
							{"raw", true, (*checker).dict},
						})
					},
				})
			})
		}},
		{"tool_choice", false, func(c *checker, v *node, loc []any) *node {
			plain := func(tag string) func(*checker, *node, []any) *node {
				return func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, tag) }},
					})
				}
			}
			return c.tagged(v, loc, []string{"none", "zero_or_more", "one_or_more", "specific_function"}, map[string]func(*checker, *node, []any) *node{
				"none":         plain("none"),
				"zero_or_more": plain("zero_or_more"),
				"one_or_more":  plain("one_or_more"),
				"specific_function": func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "specific_function") }},
						{"function_name", true, (*checker).str},
					})
				},
			})
		}},
		{"disable_parallel_tool_calls", false, (*checker).boolean},
	})
}

func (c *checker) responseFormat(v *node, loc []any) *node {
	return c.tagged(v, loc, []string{"json_schema"}, map[string]func(*checker, *node, []any) *node{
		"json_schema": func(c *checker, v *node, loc []any) *node {
			return c.model(v, loc, true, []field{
				{"type", true, func(c *checker, v *node, loc []any) *node { return c.literal(v, loc, "json_schema") }},
				{"json_schema", true, func(c *checker, v *node, loc []any) *node {
					return c.model(v, loc, true, []field{
						{"name", true, (*checker).str},
						{"description", false, (*checker).str},
						{"schema", false, (*checker).dict},
						{"strict", false, (*checker).boolean},
					})
				}},
			})
		},
	})
}

// PatchRequest is a validated body of PATCH /v1/prompts/{prompt_identifier}.
type PatchRequest struct {
	// SetDescription is true when the body names a description; a nil
	// Description (JSON null, or only spaces) removes it. It is trimmed.
	SetDescription bool
	Description    *string
	// Metadata is the new metadata object, nil to keep it.
	Metadata json.RawMessage
}

// ParsePatchRequest validates the body of a prompt update: at least one of
// description (a string or null) and metadata (an object) must be given.
func ParsePatchRequest(b []byte) (*PatchRequest, error) {
	root, err := parseJSON(b)
	if err != nil {
		return nil, &ValidationError{Issues: []api.ValidationIssue{{Type: "json_invalid", Loc: []any{}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}}}}
	}
	c := &checker{}
	out := &PatchRequest{}
	c.model(root, nil, false, []field{
		{"description", false, func(c *checker, v *node, loc []any) *node {
			out.SetDescription = true
			if d := c.optionalString(v, loc); d != nil {
				if trimmed := strings.TrimSpace(*d); trimmed != "" {
					out.Description = &trimmed
				}
			}
			return v
		}},
		{"metadata", false, func(c *checker, v *node, loc []any) *node {
			if n := c.dict(v, loc); n != nil {
				out.Metadata = n.raw()
			}
			return v
		}},
	})
	if len(c.issues) == 0 && !out.SetDescription && out.Metadata == nil {
		c.add("value_error", nil, "Value error, give a description or metadata to change", root.value(), map[string]any{"error": "give a description or metadata to change"})
	}
	if len(c.issues) > 0 {
		return nil, &ValidationError{Issues: c.issues}
	}
	return out, nil
}

// TagData is a validated body of POST
// /v1/prompt_versions/{prompt_version_id}/tags.
type TagData struct {
	Name        string
	Description *string
}

// ParseTagData validates a tag: a name that is an identifier and an
// optional description.
func ParseTagData(b []byte) (*TagData, error) {
	root, err := parseJSON(b)
	if err != nil {
		return nil, &ValidationError{Issues: []api.ValidationIssue{{Type: "json_invalid", Loc: []any{}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}}}}
	}
	c := &checker{}
	out := &TagData{}
	c.model(root, nil, false, []field{
		{"name", true, func(c *checker, v *node, loc []any) *node {
			if n := c.identifier(v, loc); n != nil {
				out.Name = n.str
			}
			return v
		}},
		{"description", false, func(c *checker, v *node, loc []any) *node {
			out.Description = c.optionalString(v, loc)
			return v
		}},
	})
	if len(c.issues) > 0 {
		return nil, &ValidationError{Issues: c.issues}
	}
	return out, nil
}
