package prompt

import (
	"strings"

	"github.com/emberhq/ember/api"
)

type mustacheKind int

const (
	mText mustacheKind = iota
	mVar
	mSection
	mInverted
)

// mustacheNode is a piece of a parsed template: text, a variable, or a
// (possibly inverted) section with its children.
type mustacheNode struct {
	kind     mustacheKind
	text     string // the text, or the name
	children []mustacheNode
}

func mustacheError(offset int, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = sprintf(format, args...)
	}
	return &TemplateError{Format: api.TemplateFormatMustache, Offset: offset, Msg: msg}
}

// parseMustache reads a template into nodes. Tags that stand alone on a
// line (sections, comments, delimiter changes) take the line with them,
// as the mustache specification says.
func parseMustache(src string) ([]mustacheNode, error) {
	type frame struct {
		name   string
		kind   mustacheKind
		offset int
		nodes  []mustacheNode
	}
	stack := []*frame{{}}
	top := func() *frame { return stack[len(stack)-1] }
	addText := func(s string) {
		if s != "" {
			top().nodes = append(top().nodes, mustacheNode{kind: mText, text: s})
		}
	}
	otag, ctag := "{{", "}}"
	pos := 0
	for pos < len(src) {
		i := strings.Index(src[pos:], otag)
		if i < 0 {
			addText(src[pos:])
			break
		}
		start := pos + i
		inner := start + len(otag)
		if inner >= len(src) {
			return nil, mustacheError(start, "unclosed tag")
		}
		sigil := src[inner]
		closing := ctag
		switch sigil {
		case '{':
			closing = "}" + ctag
			inner++
		case '&', '#', '^', '/', '!', '=', '>':
			inner++
		default:
			sigil = 0
		}
		j := strings.Index(src[inner:], closing)
		if j < 0 {
			return nil, mustacheError(start, "unclosed tag")
		}
		content := src[inner : inner+j]
		end := inner + j + len(closing)

		// A section, comment or delimiter tag alone on its line takes
		// the whole line, its newline included.
		textEnd, next := start, end
		switch sigil {
		case '#', '^', '/', '!', '=', '>':
			lineStart := strings.LastIndexByte(src[:start], '\n') + 1
			lineEnd := strings.IndexByte(src[end:], '\n')
			after := len(src)
			rest := src[end:]
			if lineEnd >= 0 {
				after = end + lineEnd + 1
				rest = src[end : end+lineEnd]
			}
			rest = strings.TrimSuffix(rest, "\r")
			if lineStart >= pos && blank(src[lineStart:start]) && blank(rest) {
				textEnd, next = lineStart, after
			}
		}
		addText(src[pos:textEnd])
		pos = next

		name := strings.TrimSpace(content)
		switch sigil {
		case '!':
			continue
		case '=':
			if !strings.HasSuffix(content, "=") {
				return nil, mustacheError(start, "a delimiter change must end with '='")
			}
			parts := strings.Fields(strings.TrimSuffix(content, "="))
			if len(parts) != 2 || strings.Contains(parts[0], "=") || strings.Contains(parts[1], "=") {
				return nil, mustacheError(start, "a delimiter change needs two delimiters, as in {{=<%% %%>=}}")
			}
			otag, ctag = parts[0], parts[1]
			continue
		case '>':
			return nil, mustacheError(start, "partials ({{> %s}}) are not supported", name)
		}
		if name == "" {
			return nil, mustacheError(start, "empty tag")
		}
		switch sigil {
		case '#', '^':
			kind := mSection
			if sigil == '^' {
				kind = mInverted
			}
			stack = append(stack, &frame{name: name, kind: kind, offset: start})
		case '/':
			if len(stack) == 1 {
				return nil, mustacheError(start, "{{/%s}} closes no section", name)
			}
			f := top()
			if f.name != name {
				return nil, mustacheError(start, "{{/%s}} does not close section %q", name, f.name)
			}
			stack = stack[:len(stack)-1]
			top().nodes = append(top().nodes, mustacheNode{kind: f.kind, text: f.name, children: f.nodes})
		default:
			top().nodes = append(top().nodes, mustacheNode{kind: mVar, text: name})
		}
	}
	if len(stack) > 1 {
		f := top()
		return nil, mustacheError(f.offset, "section %q is not closed", f.name)
	}
	return stack[0].nodes, nil
}

func blank(s string) bool { return strings.Trim(s, " \t") == "" }

// mustacheRenderer renders parsed nodes against a stack of contexts, the
// innermost last.
type mustacheRenderer struct {
	stack   []any
	missing *[]string
	out     strings.Builder
	steps   int
}

// lookup finds a name as mustache does: "." is the innermost context; the
// first part of a dotted name is searched from the innermost context out,
// the rest only within what it found.
func (r *mustacheRenderer) lookup(name string) (any, bool) {
	if name == "." {
		return r.stack[len(r.stack)-1], true
	}
	parts := strings.Split(name, ".")
	for i := len(r.stack) - 1; i >= 0; i-- {
		v, ok := child(r.stack[i], parts[0])
		if !ok {
			continue
		}
		for _, p := range parts[1:] {
			if v, ok = child(v, p); !ok {
				return nil, false
			}
		}
		return v, true
	}
	return nil, false
}

// truthy says whether a section renders: not for false, null, "" and
// empty lists.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

func (r *mustacheRenderer) render(nodes []mustacheNode) error {
	for _, n := range nodes {
		r.steps++
		if r.out.Len() > MaxOutput || r.steps > MaxSteps {
			return ErrOutputTooLarge
		}
		switch n.kind {
		case mText:
			r.out.WriteString(n.text)
		case mVar:
			v, ok := r.lookup(n.text)
			if !ok {
				addMissing(r.missing, n.text)
				continue
			}
			r.out.WriteString(text(v))
		case mInverted:
			if v, ok := r.lookup(n.text); !ok || !truthy(v) {
				if err := r.render(n.children); err != nil {
					return err
				}
			}
		case mSection:
			v, ok := r.lookup(n.text)
			if !ok || !truthy(v) {
				continue
			}
			items := []any{v}
			if list, isList := v.([]any); isList {
				items = list
			}
			for _, item := range items {
				r.stack = append(r.stack, item)
				err := r.render(n.children)
				r.stack = r.stack[:len(r.stack)-1]
				if err != nil {
					return err
				}
			}
		}
	}
	if r.out.Len() > MaxOutput {
		return ErrOutputTooLarge
	}
	return nil
}
