package prompt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emberhq/ember/api"
)

func TestRenderMustache(t *testing.T) {
	vars := Variables{
		"name":  "Ann",
		"n":     3,
		"pi":    3.25,
		"yes":   true,
		"no":    false,
		"empty": "",
		"none":  nil,
		"html":  "<b>&</b>",
		"user":  map[string]any{"first": "Zoe", "address": map[string]any{"city": "Oslo"}},
		"items": []any{"a", "b", "c"},
		"rows":  []map[string]any{{"k": "x", "v": 1}, {"k": "y", "v": 2}},
		"list0": []any{},
		"obj":   map[string]any{"b": 1},
	}
	tests := []struct{ name, tmpl, want string }{
		{"plain text", "no tags at all", "no tags at all"},
		{"variable", "Hi {{name}}!", "Hi Ann!"},
		{"spaces in tag", "Hi {{  name  }}!", "Hi Ann!"},
		{"number and bool", "{{n}} {{pi}} {{yes}} {{no}}", "3 3.25 true false"},
		{"null renders nothing", "[{{none}}]", "[]"},
		{"no HTML escaping", "{{html}} {{{html}}} {{&html}}", "<b>&</b> <b>&</b> <b>&</b>"},
		{"dotted name", "{{user.first}} in {{user.address.city}}", "Zoe in Oslo"},
		{"list index", "{{items.1}}", "b"},
		{"object as JSON", "{{obj}}", `{"b":1}`},
		{"section over a list", "{{#items}}<{{.}}>{{/items}}", "<a><b><c>"},
		{"section over objects", "{{#rows}}{{k}}={{v}};{{/rows}}", "x=1;y=2;"},
		{"outer names inside a section", "{{#rows}}{{name}}{{/rows}}", "AnnAnn"},
		{"section on an object", "{{#user}}{{first}}{{/user}}", "Zoe"},
		{"section on true", "{{#yes}}shown{{/yes}}", "shown"},
		{"section on false", "{{#no}}hidden{{/no}}", ""},
		{"section on empty string", "{{#empty}}hidden{{/empty}}", ""},
		{"section on empty list", "{{#list0}}hidden{{/list0}}", ""},
		{"missing section is false", "{{#absent}}hidden {{absent}}{{/absent}}done", "done"},
		{"inverted", "{{^list0}}none{{/list0}}{{^items}}never{{/items}}", "none"},
		{"inverted on missing", "{{^absent}}fallback{{/absent}}", "fallback"},
		{"dotted section", "{{#user.address}}{{city}}{{/user.address}}", "Oslo"},
		{"comment", "a{{! ignore me }}b", "ab"},
		{"standalone section lines", "start\n{{#items}}\n- {{.}}\n{{/items}}\nend", "start\n- a\n- b\n- c\nend"},
		{"standalone with indent and CRLF", "x\r\n  {{#yes}}\r\ny\r\n  {{/yes}}\r\nz", "x\r\ny\r\nz"},
		{"standalone comment", "a\n{{! note }}\nb", "a\nb"},
		{"inline section keeps its line", "a {{#yes}}b{{/yes}} c\n", "a b c\n"},
		{"delimiter change", "{{=<% %>=}}<% name %> {{name}}", "Ann {{name}}"},
		{"delimiters back", "{{=| |=}}|name||={{ }}=|{{name}}", "AnnAnn"},
		{"single braces are text", "{name} and { } and }}", "{name} and { } and }}"},
		{"unicode", "héllo {{name}} ✓", "héllo Ann ✓"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderMustache(tt.tmpl, vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderMustacheErrors(t *testing.T) {
	vars := Variables{"user": map[string]any{"first": "Zoe"}, "items": []any{map[string]any{"a": 1}}}
	missing := []struct {
		tmpl string
		want []string
	}{
		{"{{name}}", []string{"name"}},
		{"{{name}} {{other}} {{name}}", []string{"name", "other"}},
		{"{{user.last}}", []string{"user.last"}},
		{"{{#items}}{{b}}{{/items}}", []string{"b"}},
		{"{{items.5}}", []string{"items.5"}},
	}
	for _, tt := range missing {
		_, err := RenderMustache(tt.tmpl, vars)
		var me *MissingVariablesError
		if !errors.As(err, &me) || strings.Join(me.Names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%q: got %v, want missing %v", tt.tmpl, err, tt.want)
		}
	}
	syntax := []struct{ tmpl, want string }{
		{"Hi {{name", "unclosed tag"},
		{"{{#a}}x", `section "a" is not closed`},
		{"{{/a}}", "{{/a}} closes no section"},
		{"{{#a}}{{/b}}", `{{/b}} does not close section "a"`},
		{"{{}}", "empty tag"},
		{"{{> partial}}", "partials ({{> partial}}) are not supported"},
		{"{{=<% %>}}", "a delimiter change must end with '='"},
		{"{{=<%=}}", "a delimiter change needs two delimiters"},
		{"{{{name}}", "unclosed tag"},
		{"{{", "unclosed tag"},
	}
	for _, tt := range syntax {
		_, err := RenderMustache(tt.tmpl, vars)
		var te *TemplateError
		if !errors.As(err, &te) || !strings.Contains(te.Msg, tt.want) {
			t.Errorf("%q: got %v, want a template error with %q", tt.tmpl, err, tt.want)
		}
	}
}

func TestRenderFString(t *testing.T) {
	vars := Variables{
		"name": "Ann", "n": 2, "user": map[string]any{"first": "Zoe", "tags": []any{"x", "y"}},
		"items": []any{"a", "b"}, "ok": true,
	}
	tests := []struct{ name, tmpl, want string }{
		{"plain", "no fields", "no fields"},
		{"field", "Hi {name}!", "Hi Ann!"},
		{"number and bool", "{n} {ok}", "2 true"},
		{"escaped braces", "{{literal}} {{{name}}}", "{literal} {Ann}"},
		{"json example", `Answer as {{"name": "{name}"}}`, `Answer as {"name": "Ann"}`},
		{"attribute", "{user.first}", "Zoe"},
		{"index", "{items[1]} {user[first]} {user.tags[0]}", "b Zoe x"},
		{"spaces kept out", "{ name }", "Ann"},
		{"mustache is text", "{{name}}", "{name}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderFString(tt.tmpl, vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	missing := []struct {
		tmpl string
		want []string
	}{
		{"{a} {b} {a}", []string{"a", "b"}},
		{"{user.last}", []string{"user.last"}},
		{"{items[9]}", []string{"items[9]"}},
	}
	for _, tt := range missing {
		_, err := RenderFString(tt.tmpl, vars)
		var me *MissingVariablesError
		if !errors.As(err, &me) || strings.Join(me.Names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%q: got %v, want missing %v", tt.tmpl, err, tt.want)
		}
	}
	syntax := []struct{ tmpl, want string }{
		{"a } b", "single '}' encountered in format string"},
		{"a { b", "single '{' encountered in format string"},
		{"{}", "{} needs a variable name"},
		{"{name!r}", "conversions and format specifications are not supported"},
		{"{name:>10}", "conversions and format specifications are not supported"},
		{"{a{b}", "unexpected '{' in field name"},
		{"{items[0}", "missing ']'"},
		{"{items[0]x}", "only '.' or '[' may follow ']'"},
		{"{user.}", "empty attribute or index"},
		{"{.x}", "needs a variable name"},
	}
	for _, tt := range syntax {
		_, err := RenderFString(tt.tmpl, vars)
		var te *TemplateError
		if !errors.As(err, &te) || !strings.Contains(te.Msg, tt.want) {
			t.Errorf("%q: got %v, want a template error with %q", tt.tmpl, err, tt.want)
		}
	}
}

func TestRenderNone(t *testing.T) {
	got, err := Render(api.TemplateFormatNone, "{{x}} {y}", nil)
	if err != nil || got != "{{x}} {y}" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := Render("JINJA", "x", nil); err == nil {
		t.Error("an unknown format renders")
	}
	if _, err := Render(api.TemplateFormatMustache, "x", Variables{"f": func() {}}); err == nil {
		t.Error("a variable JSON cannot encode is accepted")
	}
}

func TestRenderOutputCap(t *testing.T) {
	list := make([]any, 64)
	tmpl := strings.Repeat("{{#l}}", 6) + "xxxxxxxxxx" + strings.Repeat("{{/l}}", 6)
	if _, err := RenderMustache(tmpl, Variables{"l": list}); !errors.Is(err, ErrOutputTooLarge) {
		t.Errorf("got %v, want ErrOutputTooLarge", err)
	}
	// Nested sections that render nothing still stop.
	empty := strings.Repeat("{{#l}}", 8) + strings.Repeat("{{/l}}", 8)
	if _, err := RenderMustache(empty, Variables{"l": list}); !errors.Is(err, ErrOutputTooLarge) {
		t.Errorf("empty nesting: got %v, want ErrOutputTooLarge", err)
	}
}

func TestFormatVersion(t *testing.T) {
	v := &api.PromptVersion{PromptVersionData: api.PromptVersionData{
		TemplateFormat: api.TemplateFormatMustache,
		Template: api.ChatTemplate(
			api.TextMessage(api.RoleSystem, "You answer in {{lang}}."),
			api.PromptMessage{Role: api.RoleUser, Content: api.MessageContent{Parts: []api.ContentPart{
				api.TextPart("Q: {{question}}"),
				{Type: api.PartToolResult, ToolCallID: "c", ToolResult: json.RawMessage(`"{{kept}}"`)},
			}}},
		),
	}}
	got, err := Format(v, Variables{"lang": "French", "question": "Why?"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Template.Messages[0].Content.Text != "You answer in French." ||
		got.Template.Messages[1].Content.Parts[0].Text != "Q: Why?" ||
		string(got.Template.Messages[1].Content.Parts[1].ToolResult) != `"{{kept}}"` {
		t.Errorf("%+v", got.Template.Messages)
	}
	if v.Template.Messages[0].Content.Text != "You answer in {{lang}}." {
		t.Error("Format changed its input")
	}
	_, err = Format(v, nil)
	var me *MissingVariablesError
	if !errors.As(err, &me) || strings.Join(me.Names, ",") != "lang,question" {
		t.Errorf("got %v, want both variables reported", err)
	}
	if err.Error() != "missing template variables: lang, question" {
		t.Errorf("message %q", err)
	}
}

// FuzzMustache renders arbitrary templates: never a panic, and a result
// that is either text or an error of the documented kinds.
func FuzzMustache(f *testing.F) {
	for _, s := range []string{
		"Hi {{name}}", "{{#items}}{{.}}{{/items}}", "{{^x}}y{{/x}}", "{{=<% %>=}}<%name%>",
		"{{{html}}}", "{{! c }}", "{{#a}}\n{{/a}}\n", "{{user.first}}", "{{", "}}{{#", "{{=a a=}}",
		"{{#items}}{{#items}}{{.}}{{/items}}{{/items}}",
	} {
		f.Add(s)
	}
	vars := Variables{"name": "Ann", "html": "<i>", "items": []any{"a", map[string]any{"x": 1}}, "user": map[string]any{"first": "Zoe"}, "a": true}
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := RenderMustache(tmpl, vars)
		if err != nil {
			var me *MissingVariablesError
			var te *TemplateError
			if !errors.As(err, &me) && !errors.As(err, &te) && !errors.Is(err, ErrOutputTooLarge) {
				t.Fatalf("%q: unexpected error %v", tmpl, err)
			}
			return
		}
		if !strings.Contains(tmpl, "{{") && out != tmpl {
			t.Fatalf("%q has no tag but rendered as %q", tmpl, out)
		}
		if utf8.ValidString(tmpl) && !utf8.ValidString(out) {
			t.Fatalf("%q: valid UTF-8 rendered invalid: %q", tmpl, out)
		}
	})
}

// FuzzFString renders arbitrary templates; text escaped as {{ and }}
// always renders back to itself.
func FuzzFString(f *testing.F) {
	for _, s := range []string{"Hi {name}", "{{x}}", "{a.b}", "{items[0]}", "}", "{", "{x!r}", "{{{name}}}"} {
		f.Add(s)
	}
	vars := Variables{"name": "Ann", "a": map[string]any{"b": 2}, "items": []any{"z"}}
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := RenderFString(tmpl, vars)
		if err != nil {
			var me *MissingVariablesError
			var te *TemplateError
			if !errors.As(err, &me) && !errors.As(err, &te) {
				t.Fatalf("%q: unexpected error %v", tmpl, err)
			}
		} else if !strings.ContainsAny(tmpl, "{}") && out != tmpl {
			t.Fatalf("%q has no braces but rendered as %q", tmpl, out)
		}
		escaped := strings.NewReplacer("{", "{{", "}", "}}").Replace(tmpl)
		back, err := RenderFString(escaped, nil)
		if err != nil || back != tmpl {
			t.Fatalf("escaped %q rendered as %q, %v", escaped, back, err)
		}
	})
}

// FuzzParseVersionData validates arbitrary documents: never a panic, and
// what passes is stored as JSON that reads back into the API's types.
func FuzzParseVersionData(f *testing.F) {
	f.Add(version(nil))
	f.Add(version(map[string]string{"tools": `{"type":"tools","tools":[{"type":"raw","raw":{}}]}`}))
	f.Add(`{"template":{"type":"chat","messages":[{"role":"user","content":[{"type":"text"}]}]}}`)
	f.Add(`[1,{"a":`)
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := ParseVersionData([]byte(doc))
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Issues) == 0 {
				t.Fatalf("%q: %v", doc, err)
			}
			return
		}
		b, err := v.MarshalJSONWithID("x")
		if err != nil {
			t.Fatal(err)
		}
		var typed api.PromptVersion
		if err := json.Unmarshal(b, &typed); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	})
}
