package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember/api"
)

// Variables are the values of a template's variables. Values may be any
// Go value that encoding/json can encode; they are read as their JSON
// form, so a struct's fields are found by their JSON names. Maps and lists
// serve mustache sections and dotted names ("user.name", "items.0").
type Variables map[string]any

// MissingVariablesError reports variables a template uses that were not
// given. Formatting never replaces a missing variable with "".
type MissingVariablesError struct {
	Names []string // in order of first use
}

func (e *MissingVariablesError) Error() string {
	return "missing template variables: " + strings.Join(e.Names, ", ")
}

// TemplateError is a template that cannot be read, such as an unclosed
// tag or section.
type TemplateError struct {
	Format string // api.TemplateFormatMustache or api.TemplateFormatFString
	Offset int    // byte offset of the problem in the template
	Msg    string
}

func (e *TemplateError) Error() string {
	name := "mustache"
	if e.Format == api.TemplateFormatFString {
		name = "f-string"
	}
	return fmt.Sprintf("%s template: %s (at byte %d)", name, e.Msg, e.Offset)
}

// ErrOutputTooLarge is returned when a template would render past
// MaxOutput bytes or take more than MaxSteps steps, which nested sections
// over lists can do.
var ErrOutputTooLarge = errors.New("rendering the template passes the limits: 16 MiB of output or a million steps")

// MaxOutput caps what rendering one template may produce, and MaxSteps
// the tags and texts it may visit.
const (
	MaxOutput = 16 << 20
	MaxSteps  = 1_000_000
)

// Render renders template in format (api.TemplateFormatMustache,
// api.TemplateFormatFString or api.TemplateFormatNone, which returns the
// template unchanged). A missing variable is a *MissingVariablesError, a
// malformed template a *TemplateError.
func Render(format, template string, vars Variables) (string, error) {
	scope, err := normalize(vars)
	if err != nil {
		return "", err
	}
	var missing []string
	out, err := render(format, template, scope, &missing)
	if err != nil {
		return "", err
	}
	if len(missing) > 0 {
		return "", &MissingVariablesError{Names: missing}
	}
	return out, nil
}

// RenderMustache renders a mustache template: {{name}} (also {{{name}}}
// and {{&name}}; nothing is HTML-escaped, a prompt is not HTML), dotted
// names, sections {{#name}}...{{/name}} over lists, objects and true
// values, inverted sections {{^name}}...{{/name}}, comments {{! ...}} and
// delimiter changes {{=<% %>=}}. A section whose name is missing is
// skipped, as if false; an interpolated name that is missing is an error.
// Partials are not supported.
func RenderMustache(template string, vars Variables) (string, error) {
	return Render(api.TemplateFormatMustache, template, vars)
}

// RenderFString renders a template the way Python's str.format reads it:
// {name} is replaced, {{ and }} stand for { and }. Fields may reach into
// objects and lists ({user.name}, {items[0]}); conversions (!r) and
// format specifications (:>10) are not supported.
func RenderFString(template string, vars Variables) (string, error) {
	return Render(api.TemplateFormatFString, template, vars)
}

func render(format, template string, scope map[string]any, missing *[]string) (string, error) {
	switch format {
	case api.TemplateFormatMustache, "":
		nodes, err := parseMustache(template)
		if err != nil {
			return "", err
		}
		r := &mustacheRenderer{stack: []any{scope}, missing: missing}
		if err := r.render(nodes); err != nil {
			return "", err
		}
		return r.out.String(), nil
	case api.TemplateFormatFString:
		return renderFString(template, scope, missing)
	case api.TemplateFormatNone:
		return template, nil
	}
	return "", fmt.Errorf("unknown template format %q", format)
}

// normalize turns variables into their JSON form: maps, lists, strings,
// json.Number, booleans and nil.
func normalize(vars Variables) (map[string]any, error) {
	if len(vars) == 0 {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(map[string]any(vars))
	if err != nil {
		return nil, fmt.Errorf("template variables: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("template variables: %w", err)
	}
	return out, nil
}

func addMissing(missing *[]string, name string) {
	if !slices.Contains(*missing, name) {
		*missing = append(*missing, name)
	}
}

// text is how a variable's value reads inside text: strings as they are,
// numbers and booleans as JSON writes them, null as nothing, objects and
// lists as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// child returns the member key of v: an object's key or a list's index.
func child(v any, key string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[key]
		return c, ok
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != key {
			return nil, false
		}
		return x[i], true
	}
	return nil, false
}

// Format returns a copy of a chat prompt version whose message texts (string
// contents and text parts) are rendered with vars in the version's
// template format; tool calls and tool results are left as they are. All
// missing variables are reported together.
func Format(v *api.PromptVersion, vars Variables) (*api.PromptVersion, error) {
	if v == nil {
		return nil, errors.New("format prompt: no prompt version")
	}
	scope, err := normalize(vars)
	if err != nil {
		return nil, err
	}
	out := *v
	var missing []string
	if v.Template.Type == "string" {
		s, err := render(v.TemplateFormat, v.Template.Template, scope, &missing)
		if err != nil {
			return nil, err
		}
		out.Template.Template = s
	} else {
		out.Template.Messages = make([]api.PromptMessage, len(v.Template.Messages))
		for i, m := range v.Template.Messages {
			rm := api.PromptMessage{Role: m.Role}
			if m.Content.Parts == nil {
				s, err := render(v.TemplateFormat, m.Content.Text, scope, &missing)
				if err != nil {
					return nil, fmt.Errorf("message %d: %w", i, err)
				}
				rm.Content.Text = s
			} else {
				rm.Content.Parts = make([]api.ContentPart, len(m.Content.Parts))
				for j, p := range m.Content.Parts {
					if p.Type == api.PartText {
						s, err := render(v.TemplateFormat, p.Text, scope, &missing)
						if err != nil {
							return nil, fmt.Errorf("message %d, part %d: %w", i, j, err)
						}
						p.Text = s
					}
					rm.Content.Parts[j] = p
				}
			}
			out.Template.Messages[i] = rm
		}
	}
	if len(missing) > 0 {
		return nil, &MissingVariablesError{Names: missing}
	}
	return &out, nil
}
