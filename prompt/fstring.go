package prompt

import (
	"fmt"
	"strings"

	"github.com/emberhq/ember/api"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func fstringError(offset int, format string, args ...any) error {
	return &TemplateError{Format: api.TemplateFormatFString, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// renderFString renders Python str.format syntax: {name}, {{ and }}.
func renderFString(src string, scope map[string]any, missing *[]string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(src); {
		c := src[i]
		switch c {
		case '{':
			if i+1 < len(src) && src[i+1] == '{' {
				out.WriteByte('{')
				i += 2
				continue
			}
			j := strings.IndexByte(src[i+1:], '}')
			if j < 0 {
				return "", fstringError(i, "single '{' encountered in format string")
			}
			field := src[i+1 : i+1+j]
			if strings.IndexByte(field, '{') >= 0 {
				return "", fstringError(i, "unexpected '{' in field name")
			}
			v, name, err := fstringField(field, scope, i)
			if err != nil {
				return "", err
			}
			if name != "" {
				addMissing(missing, name)
			} else {
				out.WriteString(text(v))
			}
			i += j + 2
		case '}':
			if i+1 < len(src) && src[i+1] == '}' {
				out.WriteByte('}')
				i += 2
				continue
			}
			return "", fstringError(i, "single '}' encountered in format string")
		default:
			k := strings.IndexAny(src[i:], "{}")
			if k < 0 {
				k = len(src) - i
			}
			out.WriteString(src[i : i+k])
			i += k
		}
		if out.Len() > MaxOutput {
			return "", ErrOutputTooLarge
		}
	}
	return out.String(), nil
}

// fstringField resolves a field such as user.name or items[0]; when the
// variable is missing it returns the field as the missing name.
func fstringField(field string, scope map[string]any, offset int) (any, string, error) {
	if k := strings.IndexAny(field, "!:"); k >= 0 {
		return nil, "", fstringError(offset, "{%s}: conversions and format specifications are not supported", field)
	}
	name := strings.TrimSpace(field)
	if name == "" {
		return nil, "", fstringError(offset, "{} needs a variable name")
	}
	// Split into the variable and its accessors: .attr and [key].
	end := strings.IndexAny(name, ".[")
	if end < 0 {
		end = len(name)
	}
	root := name[:end]
	if root == "" {
		return nil, "", fstringError(offset, "{%s} needs a variable name", field)
	}
	v, ok := scope[root]
	if !ok {
		return nil, name, nil
	}
	rest := name[end:]
	for rest != "" {
		var key string
		switch rest[0] {
		case '.':
			rest = rest[1:]
			k := strings.IndexAny(rest, ".[")
			if k < 0 {
				k = len(rest)
			}
			key, rest = rest[:k], rest[k:]
		case '[':
			k := strings.IndexByte(rest, ']')
			if k < 0 {
				return nil, "", fstringError(offset, "{%s}: missing ']'", field)
			}
			key, rest = rest[1:k], rest[k+1:]
			if rest != "" && rest[0] != '.' && rest[0] != '[' {
				return nil, "", fstringError(offset, "{%s}: only '.' or '[' may follow ']'", field)
			}
		default:
			return nil, "", fstringError(offset, "{%s}: only '.' or '[' may follow ']'", field)
		}
		if key == "" {
			return nil, "", fstringError(offset, "{%s}: empty attribute or index", field)
		}
		if v, ok = child(v, key); !ok {
			return nil, name, nil
		}
	}
	return v, "", nil
}
