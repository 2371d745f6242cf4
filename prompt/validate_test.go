package prompt

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emberhq/ember/api"
)

// version is a valid prompt version with fields replaced or added by
// extra ("key": value JSON pairs).
func version(extra map[string]string) string {
	fields := []struct{ k, v string }{
		{"model_provider", `"OPENAI"`},
		{"model_name", `"gpt-4o-mini"`},
		{"template", `{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]}`},
		{"template_type", `"CHAT"`},
		{"template_format", `"MUSTACHE"`},
		{"invocation_parameters", `{"type":"openai","openai":{"temperature":0.5}}`},
	}
	var parts []string
	seen := map[string]bool{}
	for _, f := range fields {
		v := f.v
		if r, ok := extra[f.k]; ok {
			v = r
			seen[f.k] = true
		}
		if v == "" {
			continue // removed
		}
		parts = append(parts, fmt.Sprintf("%q:%s", f.k, v))
	}
	for k, v := range extra {
		if !seen[k] && v != "" {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

type wantIssue struct {
	typ string
	loc string // dotted
	msg string
}

func issuesOf(t *testing.T, err error) []wantIssue {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	var out []wantIssue
	for _, is := range ve.Issues {
		loc := make([]string, len(is.Loc))
		for i, l := range is.Loc {
			loc[i] = fmt.Sprint(l)
		}
		out = append(out, wantIssue{is.Type, strings.Join(loc, "."), is.Msg})
	}
	return out
}

// TestParseVersionDataErrors pins the issues Phoenix reports for bad
// prompt versions: type, location and message.
func TestParseVersionDataErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string
		want  []wantIssue
	}{
		{"missing model name", map[string]string{"model_name": ""},
			[]wantIssue{{"missing", "model_name", "Field required"}}},
		{"unknown provider", map[string]string{"model_provider": `"openai"`},
			[]wantIssue{{"enum", "model_provider", "Input should be 'OPENAI', 'AZURE_OPENAI', 'ANTHROPIC', 'GOOGLE', 'DEEPSEEK', 'XAI', 'OLLAMA', 'AWS', 'CEREBRAS', 'FIREWORKS', 'GROQ', 'MOONSHOT', 'PERPLEXITY' or 'TOGETHER'"}}},
		{"model name not a string", map[string]string{"model_name": `5`},
			[]wantIssue{{"string_type", "model_name", "Input should be a valid string"}}},
		{"template type", map[string]string{"template_type": `"chat"`},
			[]wantIssue{{"enum", "template_type", "Input should be 'STR' or 'CHAT'"}}},
		{"template format", map[string]string{"template_format": `"JINJA"`},
			[]wantIssue{{"enum", "template_format", "Input should be 'MUSTACHE', 'F_STRING' or 'NONE'"}}},
		{"template type mismatch", map[string]string{"template_type": `"STR"`},
			[]wantIssue{{"value_error", "", "Value error, Template type does not match template"}}},
		{"string template with CHAT", map[string]string{"template": `{"type":"string","template":"x"}`},
			[]wantIssue{{"value_error", "", "Value error, Template type does not match template"}}},
		{"template without type", map[string]string{"template": `{"messages":[]}`},
			[]wantIssue{{"union_tag_not_found", "template", "Unable to extract tag using discriminator 'type'"}}},
		{"template of unknown type", map[string]string{"template": `{"type":"jinja"}`},
			[]wantIssue{{"union_tag_invalid", "template", "Input tag 'jinja' found using 'type' does not match any of the expected tags: 'chat', 'string'"}}},
		{"template not an object", map[string]string{"template": `"Hi"`},
			[]wantIssue{{"model_attributes_type", "template", "Input should be a valid dictionary or object to extract fields from"}}},
		{"unknown field in template", map[string]string{"template": `{"type":"chat","messages":[],"format":"x"}`},
			[]wantIssue{{"extra_forbidden", "template.chat.format", "Extra inputs are not permitted"}}},
		{"unknown field in a message", map[string]string{"template": `{"type":"chat","messages":[{"role":"user","content":"x","name":"bob"}]}`},
			[]wantIssue{{"extra_forbidden", "template.chat.messages.0.name", "Extra inputs are not permitted"}}},
		{"bad role", map[string]string{"template": `{"type":"chat","messages":[{"role":"human","content":"x"}]}`},
			[]wantIssue{{"literal_error", "template.chat.messages.0.role", "Input should be 'user', 'assistant', 'model', 'ai', 'tool', 'system' or 'developer'"}}},
		{"empty part list", map[string]string{"template": `{"type":"chat","messages":[{"role":"user","content":[]}]}`},
			[]wantIssue{
				{"string_type", "template.chat.messages.0.content.str", "Input should be a valid string"},
				{"too_short", "template.chat.messages.0.content." + contentListLabel, "List should have at least 1 item after validation, not 0"},
			}},
		{"unknown part field", map[string]string{"template": `{"type":"chat","messages":[{"role":"user","content":[{"type":"text","text":"x","cache":true}]}]}`},
			[]wantIssue{
				{"string_type", "template.chat.messages.0.content.str", "Input should be a valid string"},
				{"extra_forbidden", "template.chat.messages.0.content." + contentListLabel + ".0.text.cache", "Extra inputs are not permitted"},
			}},
		{"tool call without arguments", map[string]string{"template": `{"type":"chat","messages":[{"role":"ai","content":[{"type":"tool_call","tool_call_id":"c1","tool_call":{"type":"function","name":"f"}}]}]}`},
			[]wantIssue{
				{"string_type", "template.chat.messages.0.content.str", "Input should be a valid string"},
				{"missing", "template.chat.messages.0.content." + contentListLabel + ".0.tool_call.tool_call.function.arguments", "Field required"},
			}},
		{"tool result missing", map[string]string{"template": `{"type":"chat","messages":[{"role":"tool","content":[{"type":"tool_result","tool_call_id":"c1"}]}]}`},
			[]wantIssue{
				{"string_type", "template.chat.messages.0.content.str", "Input should be a valid string"},
				{"missing", "template.chat.messages.0.content." + contentListLabel + ".0.tool_result.tool_result", "Field required"},
			}},
		{"unknown invocation parameter", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"temprature":1}}`},
			[]wantIssue{{"extra_forbidden", "invocation_parameters.openai.openai.temprature", "Extra inputs are not permitted"}}},
		{"parameters under the wrong key", map[string]string{"invocation_parameters": `{"type":"openai","anthropic":{}}`},
			[]wantIssue{
				{"missing", "invocation_parameters.openai.openai", "Field required"},
				{"extra_forbidden", "invocation_parameters.openai.anthropic", "Extra inputs are not permitted"},
			}},
		{"unknown provider type", map[string]string{"invocation_parameters": `{"type":"mistral","mistral":{}}`},
			[]wantIssue{{"union_tag_invalid", "invocation_parameters", "Input tag 'mistral' found using 'type' does not match any of the expected tags: 'openai', 'azure_openai', 'anthropic', 'google', 'deepseek', 'xai', 'ollama', 'aws', 'cerebras', 'fireworks', 'groq', 'moonshot', 'perplexity', 'together'"}}},
		{"temperature not a number", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"temperature":"hot"}}`},
			[]wantIssue{{"float_parsing", "invocation_parameters.openai.openai.temperature", "Input should be a valid number, unable to parse string as a number"}}},
		{"max_tokens fractional", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"max_tokens":1.5}}`},
			[]wantIssue{{"int_from_float", "invocation_parameters.openai.openai.max_tokens", "Input should be a valid integer, got a number with a fractional part"}}},
		{"max_tokens a list", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"max_tokens":[1]}}`},
			[]wantIssue{{"int_type", "invocation_parameters.openai.openai.max_tokens", "Input should be a valid integer"}}},
		{"reasoning effort", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"reasoning_effort":"max"}}`},
			[]wantIssue{{"literal_error", "invocation_parameters.openai.openai.reasoning_effort", "Input should be 'none', 'minimal', 'low', 'medium', 'high' or 'xhigh'"}}},
		{"stop not strings", map[string]string{"invocation_parameters": `{"type":"openai","openai":{"stop":["a",1]}}`},
			[]wantIssue{{"string_type", "invocation_parameters.openai.openai.stop.1", "Input should be a valid string"}}},
		{"anthropic without max_tokens", map[string]string{"invocation_parameters": `{"type":"anthropic","anthropic":{"temperature":1}}`},
			[]wantIssue{{"missing", "invocation_parameters.anthropic.anthropic.max_tokens", "Field required"}}},
		{"anthropic thinking budget too small", map[string]string{"invocation_parameters": `{"type":"anthropic","anthropic":{"max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":100}}}`},
			[]wantIssue{{"greater_than_equal", "invocation_parameters.anthropic.anthropic.thinking.enabled.budget_tokens", "Input should be greater than or equal to 1024"}}},
		{"anthropic thinking budget above max tokens", map[string]string{"invocation_parameters": `{"type":"anthropic","anthropic":{"max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":2000}}}`},
			[]wantIssue{{"value_error", "invocation_parameters.anthropic.anthropic", "Value error, The thinking budget must be less than max tokens."}}},
		{"anthropic effort", map[string]string{"invocation_parameters": `{"type":"anthropic","anthropic":{"max_tokens":10,"output_config":{"effort":"extreme"}}}`},
			[]wantIssue{{"literal_error", "invocation_parameters.anthropic.anthropic.output_config.effort", "Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"}}},
		{"google unknown field", map[string]string{"invocation_parameters": `{"type":"google","google":{"max_tokens":10}}`},
			[]wantIssue{{"extra_forbidden", "invocation_parameters.google.google.max_tokens", "Extra inputs are not permitted"}}},
		{"google thinking level", map[string]string{"invocation_parameters": `{"type":"google","google":{"thinking_config":{"thinking_level":"huge"}}}`},
			[]wantIssue{{"literal_error", "invocation_parameters.google.google.thinking_config.thinking_level", "Input should be 'minimal', 'low', 'medium' or 'high'"}}},
		{"aws unknown field", map[string]string{"invocation_parameters": `{"type":"aws","aws":{"top_k":3}}`},
			[]wantIssue{{"extra_forbidden", "invocation_parameters.aws.aws.top_k", "Extra inputs are not permitted"}}},
		{"empty tool list", map[string]string{"tools": `{"type":"tools","tools":[]}`},
			[]wantIssue{{"too_short", "tools.tools", "List should have at least 1 item after validation, not 0"}}},
		{"tools without type", map[string]string{"tools": `{"tools":[{"type":"raw","raw":{}}]}`},
			[]wantIssue{{"missing", "tools.type", "Field required"}}},
		{"unknown tool field", map[string]string{"tools": `{"type":"tools","tools":[{"type":"function","function":{"name":"f","params":{}}}]}`},
			[]wantIssue{{"extra_forbidden", "tools.tools.0.function.function.params", "Extra inputs are not permitted"}}},
		{"tool parameters not an object", map[string]string{"tools": `{"type":"tools","tools":[{"type":"function","function":{"name":"f","parameters":[]}}]}`},
			[]wantIssue{{"dict_type", "tools.tools.0.function.function.parameters", "Input should be a valid dictionary"}}},
		{"tool choice without a function name", map[string]string{"tools": `{"type":"tools","tools":[{"type":"raw","raw":{"type":"web_search"}}],"tool_choice":{"type":"specific_function"}}`},
			[]wantIssue{{"missing", "tools.tool_choice.specific_function.function_name", "Field required"}}},
		{"tool choice of unknown type", map[string]string{"tools": `{"type":"tools","tools":[{"type":"raw","raw":{}}],"tool_choice":{"type":"auto"}}`},
			[]wantIssue{{"union_tag_invalid", "tools.tool_choice", "Input tag 'auto' found using 'type' does not match any of the expected tags: 'none', 'zero_or_more', 'one_or_more', 'specific_function'"}}},
		{"parallel calls flag", map[string]string{"tools": `{"type":"tools","tools":[{"type":"raw","raw":{}}],"disable_parallel_tool_calls":"maybe"}`},
			[]wantIssue{{"bool_parsing", "tools.disable_parallel_tool_calls", "Input should be a valid boolean, unable to interpret input"}}},
		{"response format without name", map[string]string{"response_format": `{"type":"json_schema","json_schema":{"schema":{}}}`},
			[]wantIssue{{"missing", "response_format.json_schema.json_schema.name", "Field required"}}},
		{"response format of unknown type", map[string]string{"response_format": `{"type":"json_object"}`},
			[]wantIssue{{"union_tag_invalid", "response_format", "Input tag 'json_object' found using 'type' does not match any of the expected tags: 'json_schema'"}}},
		{"NUL in model name", map[string]string{"model_name": `"gpt\u0000"`},
			[]wantIssue{{"string_nul", "model_name", "String should not contain a NUL character"}}},
		{"several at once", map[string]string{"model_name": "", "model_provider": `1`, "template_format": `null`},
			[]wantIssue{
				{"enum", "model_provider", "Input should be 'OPENAI', 'AZURE_OPENAI', 'ANTHROPIC', 'GOOGLE', 'DEEPSEEK', 'XAI', 'OLLAMA', 'AWS', 'CEREBRAS', 'FIREWORKS', 'GROQ', 'MOONSHOT', 'PERPLEXITY' or 'TOGETHER'"},
				{"missing", "model_name", "Field required"},
				{"enum", "template_format", "Input should be 'MUSTACHE', 'F_STRING' or 'NONE'"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVersionData([]byte(version(tt.extra)))
			got := issuesOf(t, err)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("issues\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestParseVersionDataCanonical checks what a valid version is stored as:
// model fields in declared order, coerced values, free-form objects in
// their own order, the OpenAI family under "openai", unknown top-level
// fields dropped.
func TestParseVersionDataCanonical(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string
		field func(*VersionData) string
		want  string
	}{
		{"fields in declared order",
			map[string]string{"template": `{"messages":[{"content":[{"text":"x","type":"text"}],"role":"user"}],"type":"chat"}`},
			func(v *VersionData) string { return string(v.Template) },
			`{"type":"chat","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}`},
		{"lax numbers",
			map[string]string{"invocation_parameters": `{"type":"openai","openai":{"max_tokens":"256","temperature":1,"top_p":"0.5","seed":2.0}}`},
			func(v *VersionData) string { return string(v.InvocationParameters) },
			`{"type":"openai","openai":{"temperature":1.0,"max_tokens":256,"top_p":0.5,"seed":2}}`},
		{"python float repr",
			map[string]string{"invocation_parameters": `{"type":"openai","openai":{"temperature":1e-5,"top_p":1e16,"frequency_penalty":0.0001}}`},
			func(v *VersionData) string { return string(v.InvocationParameters) },
			`{"type":"openai","openai":{"temperature":1e-05,"frequency_penalty":0.0001,"top_p":1e+16}}`},
		{"azure stored as openai",
			map[string]string{"model_provider": `"AZURE_OPENAI"`, "invocation_parameters": `{"type":"azure_openai","azure_openai":{"seed":1}}`},
			func(v *VersionData) string { return v.ModelProvider + " " + string(v.InvocationParameters) },
			`AZURE_OPENAI {"type":"openai","openai":{"seed":1}}`},
		{"deepseek stored as openai",
			map[string]string{"invocation_parameters": `{"type":"deepseek","deepseek":{}}`},
			func(v *VersionData) string { return string(v.InvocationParameters) },
			`{"type":"openai","openai":{}}`},
		{"schema keeps its order",
			map[string]string{"tools": `{"type":"tools","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"number"}}},"strict":"true"}}],"tool_choice":{"type":"zero_or_more"}}`},
			func(v *VersionData) string { return string(v.Tools) },
			`{"type":"tools","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"number"}}},"strict":true}}],"tool_choice":{"type":"zero_or_more"}}`},
		{"null tools are unset",
			map[string]string{"tools": `null`, "response_format": `null`},
			func(v *VersionData) string { return fmt.Sprint(v.Tools == nil, v.ResponseFormat == nil) },
			`true true`},
		{"unknown top-level fields are dropped",
			map[string]string{"color": `"blue"`, "description": `"first"`},
			func(v *VersionData) string { return *v.Description },
			`first`},
		{"tool result of any JSON",
			map[string]string{"template": `{"type":"chat","messages":[{"role":"tool","content":[{"type":"tool_result","tool_call_id":"c","tool_result":[1,{"b":null,"a":2}]}]}]}`},
			func(v *VersionData) string { return string(v.Template) },
			`{"type":"chat","messages":[{"role":"tool","content":[{"type":"tool_result","tool_call_id":"c","tool_result":[1,{"b":null,"a":2}]}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseVersionData([]byte(version(tt.extra)))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.field(v); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseCreateRequest(t *testing.T) {
	body := `{"prompt":{"name":"my-prompt","description":"d","metadata":{"b":1,"a":2},"extra":1},"version":` + version(nil) + `,"other":true}`
	req, err := ParseCreateRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if req.Name != "my-prompt" || *req.Description != "d" || string(req.Metadata) != `{"b":1,"a":2}` || req.Version.ModelName != "gpt-4o-mini" {
		t.Errorf("%+v", req)
	}
	for _, tt := range []struct {
		body string
		want []wantIssue
	}{
		{`{"version":` + version(nil) + `}`, []wantIssue{{"missing", "prompt", "Field required"}}},
		{`{"prompt":{"name":"x"}}`, []wantIssue{{"missing", "version", "Field required"}}},
		{`[]`, []wantIssue{{"model_attributes_type", "", "Input should be a valid dictionary or object to extract fields from"}}},
		{`{"prompt":{"name":"My Prompt"},"version":` + version(nil) + `}`, []wantIssue{{"string_pattern_mismatch", "prompt.name", "String should match pattern '^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$'"}}},
		{`{"prompt":{"name":"ok","metadata":[]},"version":` + version(nil) + `}`, []wantIssue{{"dict_type", "prompt.metadata", "Input should be a valid dictionary"}}},
		{`{"prompt":{"name":"ok","description":3},"version":` + version(nil) + `}`, []wantIssue{{"string_type", "prompt.description", "Input should be a valid string"}}},
		{`{"prompt":{"name":"x-"},"version":{}}`, []wantIssue{
			{"string_pattern_mismatch", "prompt.name", "String should match pattern '^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$'"},
			{"missing", "version.model_provider", "Field required"},
			{"missing", "version.model_name", "Field required"},
			{"missing", "version.template", "Field required"},
			{"missing", "version.template_type", "Field required"},
			{"missing", "version.template_format", "Field required"},
			{"missing", "version.invocation_parameters", "Field required"},
		}},
		{`{"prompt":`, []wantIssue{{"json_invalid", "", "JSON decode error"}}},
	} {
		_, err := ParseCreateRequest([]byte(tt.body))
		if got := issuesOf(t, err); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s\n got %v\nwant %v", tt.body, got, tt.want)
		}
	}
}

func TestValidIdentifier(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "abc": true, "a-b_c": true, "0": true, "prod-2": true,
		"": false, "A": false, "a b": false, "-a": false, "a-": false, "_a": false, "a_": false,
		"a.b": false, "αβγ": false, "a/b": false, "abc\n": false,
	} {
		if got := ValidIdentifier(s); got != want {
			t.Errorf("ValidIdentifier(%q) = %v", s, got)
		}
	}
}

// TestVersionRoundTrip checks that the stored form reads back into the
// API's types and is written by them unchanged.
func TestVersionRoundTrip(t *testing.T) {
	body := version(map[string]string{
		"description":     `"v1"`,
		"template":        `{"type":"chat","messages":[{"role":"system","content":"Be brief."},{"role":"ai","content":[{"type":"text","text":"ok"},{"type":"tool_call","tool_call_id":"c1","tool_call":{"type":"function","name":"f","arguments":"{\"x\":1}"}}]},{"role":"tool","content":[{"type":"tool_result","tool_call_id":"c1","tool_result":{"ok":true}}]}]}`,
		"tools":           `{"type":"tools","tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"},"strict":false}},{"type":"raw","raw":{"type":"web_search"}}],"tool_choice":{"type":"specific_function","function_name":"f"},"disable_parallel_tool_calls":true}`,
		"response_format": `{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}}`,
	})
	v, err := ParseVersionData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := v.MarshalJSONWithID("UHJvbXB0VmVyc2lvbjox")
	if err != nil {
		t.Fatal(err)
	}
	var typed api.PromptVersion
	if err := json.Unmarshal(stored, &typed); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(stored) {
		t.Errorf("round trip\n got %s\nwant %s", again, stored)
	}
}

func TestParsePatchRequest(t *testing.T) {
	p, err := ParsePatchRequest([]byte(`{"description":"  new  ","metadata":{"b":1,"a":2}}`))
	if err != nil || !p.SetDescription || *p.Description != "new" || string(p.Metadata) != `{"b":1,"a":2}` {
		t.Fatalf("%+v %v", p, err)
	}
	if p, err := ParsePatchRequest([]byte(`{"description":null}`)); err != nil || !p.SetDescription || p.Description != nil || p.Metadata != nil {
		t.Errorf("null clears: %+v %v", p, err)
	}
	if p, err := ParsePatchRequest([]byte(`{"description":"   "}`)); err != nil || p.Description != nil {
		t.Errorf("blank clears: %+v %v", p, err)
	}
	for body, want := range map[string]wantIssue{
		`{}`:                   {"value_error", "", "Value error, give a description or metadata to change"},
		`{"other":1}`:          {"value_error", "", "Value error, give a description or metadata to change"},
		`{"metadata":null}`:    {"dict_type", "metadata", "Input should be a valid dictionary"},
		`{"metadata":[1]}`:     {"dict_type", "metadata", "Input should be a valid dictionary"},
		`{"description":true}`: {"string_type", "description", "Input should be a valid string"},
		`"x"`:                  {"model_attributes_type", "", "Input should be a valid dictionary or object to extract fields from"},
	} {
		_, err := ParsePatchRequest([]byte(body))
		if got := issuesOf(t, err); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %v, want %v", body, got, want)
		}
	}
}

func TestParseTagData(t *testing.T) {
	tag, err := ParseTagData([]byte(`{"name":"production","description":"live","x":1}`))
	if err != nil || tag.Name != "production" || *tag.Description != "live" {
		t.Fatalf("%+v %v", tag, err)
	}
	for body, want := range map[string]wantIssue{
		`{}`:                            {"missing", "name", "Field required"},
		`{"name":"Prod"}`:               {"string_pattern_mismatch", "name", "String should match pattern '^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$'"},
		`{"name":"ok","description":1}`: {"string_type", "description", "Input should be a valid string"},
	} {
		_, err := ParseTagData([]byte(body))
		if got := issuesOf(t, err); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %v, want %v", body, got, want)
		}
	}
}
