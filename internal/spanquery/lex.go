package spanquery

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind classifies a token of the Python expression subset.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokName
	tokNumber
	tokString
	tokOp // operators and punctuation
)

type token struct {
	kind tokenKind
	text string // the source text (operators, names, numbers)
	str  string // a string literal's value
	pos  int    // byte offset in the condition
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return strconv.Quote(t.str)
	}
	return "'" + t.text + "'"
}

// maxConditionLength bounds what the parser reads: conditions are typed by
// people or kept in URLs.
const maxConditionLength = 64 << 10

// operators, longest first so that "<=" wins over "<".
var operators = []string{"**", "//", "==", "!=", "<=", ">=", "<>", "<<", ">>", "<", ">", "&", "|", "^", "@", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", ":", "~"}

// lex splits a condition into tokens.
func lex(src string) ([]token, error) {
	if len(src) > maxConditionLength {
		return nil, &Error{Pos: maxConditionLength, Msg: fmt.Sprintf("the condition is longer than %d bytes", maxConditionLength)}
	}
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i += 2 // line continuation
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokNumber, text: src[i:n], pos: i})
			i = n
		case c == '"' || c == '\'':
			s, n, err := lexString(src, i, i, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, str: s, text: src[i:n], pos: i})
			i = n
		case isNameStart(src[i:]):
			start := i
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					break
				}
				i += size
			}
			name := src[start:i]
			// String prefixes: r'...', u'...', and their upper-case forms.
			if i < len(src) && (src[i] == '\'' || src[i] == '"') {
				switch strings.ToLower(name) {
				case "r", "u":
					s, n, err := lexString(src, start, i, strings.ToLower(name) == "r")
					if err != nil {
						return nil, err
					}
					toks = append(toks, token{kind: tokString, str: s, text: src[start:n], pos: start})
					i = n
					continue
				case "b", "br", "rb", "f", "fr", "rf":
					return nil, &Error{Pos: start, Msg: fmt.Sprintf("%s-strings are not supported", name)}
				}
			}
			toks = append(toks, token{kind: tokName, text: name, pos: start})
		default:
			matched := false
			for _, op := range operators {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, token{kind: tokOp, text: op, pos: i})
					i += len(op)
					matched = true
					break
				}
			}
			if !matched {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, &Error{Pos: i, Msg: fmt.Sprintf("unexpected character %q", r)}
			}
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(src)}), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isNameStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// lexNumber reads a Python int or float literal starting at i.
func lexNumber(src string, i int) (int, error) {
	start := i
	if strings.HasPrefix(src[i:], "0x") || strings.HasPrefix(src[i:], "0X") || strings.HasPrefix(src[i:], "0o") || strings.HasPrefix(src[i:], "0O") || strings.HasPrefix(src[i:], "0b") || strings.HasPrefix(src[i:], "0B") {
		i += 2
		for i < len(src) && (isHex(src[i]) || src[i] == '_') {
			i++
		}
		return i, nil
	}
	digits := func() {
		for i < len(src) && (isDigit(src[i]) || src[i] == '_') {
			i++
		}
	}
	digits()
	if i < len(src) && src[i] == '.' {
		i++
		digits()
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			i = j
			digits()
		}
	}
	if i < len(src) && (src[i] == 'j' || src[i] == 'J') {
		return 0, &Error{Pos: start, Msg: "complex numbers are not supported"}
	}
	if i < len(src) && isNameStart(src[i:]) {
		return 0, &Error{Pos: i, Msg: "invalid number literal"}
	}
	return i, nil
}

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// lexString reads a quoted string whose prefix starts at start and quote
// at q; raw strings keep their backslashes.
func lexString(src string, start, q int, raw bool) (string, int, error) {
	quote := src[q]
	triple := strings.HasPrefix(src[q:], strings.Repeat(string(quote), 3))
	i := q + 1
	if triple {
		i = q + 3
	}
	var b strings.Builder
	for {
		if i >= len(src) {
			return "", 0, &Error{Pos: start, Msg: "unterminated string literal"}
		}
		c := src[i]
		switch {
		case triple && strings.HasPrefix(src[i:], strings.Repeat(string(quote), 3)):
			return b.String(), i + 3, nil
		case !triple && c == quote:
			return b.String(), i + 1, nil
		case !triple && c == '\n':
			return "", 0, &Error{Pos: start, Msg: "unterminated string literal"}
		case c == '\\' && i+1 < len(src):
			if raw {
				b.WriteByte(c)
				b.WriteByte(src[i+1])
				i += 2
				continue
			}
			n, err := unescape(&b, src, i)
			if err != nil {
				return "", 0, err
			}
			i = n
		default:
			b.WriteByte(c)
			i++
		}
	}
}

// unescape writes the escape sequence at src[i] (a backslash) and returns
// the offset after it.
func unescape(b *strings.Builder, src string, i int) (int, error) {
	c := src[i+1]
	simple := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '\'': '\'', '"': '"', 'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v', '0': 0}
	if v, ok := simple[c]; ok && !(c == '0' && i+2 < len(src) && isDigit(src[i+2])) {
		b.WriteByte(v)
		return i + 2, nil
	}
	hexRune := func(n int) (int, error) {
		if i+2+n > len(src) {
			return 0, &Error{Pos: i, Msg: "truncated escape sequence"}
		}
		v, err := strconv.ParseUint(src[i+2:i+2+n], 16, 32)
		if err != nil || v > unicode.MaxRune {
			return 0, &Error{Pos: i, Msg: "invalid escape sequence"}
		}
		b.WriteRune(rune(v))
		return i + 2 + n, nil
	}
	switch c {
	case 'x':
		return hexRune(2)
	case 'u':
		return hexRune(4)
	case 'U':
		return hexRune(8)
	case '\n':
		return i + 2, nil
	}
	if '0' <= c && c <= '7' {
		j := i + 1
		for j < len(src) && j < i+4 && '0' <= src[j] && src[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(src[i+1:j], 8, 32)
		b.WriteRune(rune(v))
		return j, nil
	}
	// Python keeps unknown escapes as they are.
	b.WriteByte('\\')
	b.WriteByte(c)
	return i + 2, nil
}
