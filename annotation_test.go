package ember

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"nul\x00here":  "nul\uFFFDhere",
		"bad\xffutf8":  "bad\uFFFDutf8",
		"ünïcödé ✓":    "ünïcödé ✓",
		"\x00\xfe\xff": "\uFFFD\uFFFD",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanMetadata(t *testing.T) {
	for in, want := range map[string]string{
		``:     `{}`,
		`null`: `{}`,
		` {} `: `{}`,
		`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`:      `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
		`{"x":-12.5,"big":123456789012345678901234567890}`: `{"big":1.2345678901234568e+29,"x":-12.5}`,
		`{"e":1e3,"tiny":1E-999}`:                          `{"e":1000,"tiny":0}`,
		`{"nul":"a\u0000b","\u0000k":1}`:                   `{"nul":"a\uFFFDb","\uFFFDk":1}`,
		`{"lone":"\ud800","pair":"\ud83d\ude00"}`:          `{"lone":"\uFFFD","pair":"😀"}`,
		`{"int":9007199254740993}`:                         `{"int":9007199254740993}`,
	} {
		got, err := CleanMetadata(json.RawMessage(in))
		if err != nil {
			t.Errorf("CleanMetadata(%s): %v", in, err)
			continue
		}
		var g, w any
		if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(want), &w) != nil || !jsonSame(g, w) {
			t.Errorf("CleanMetadata(%s) = %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{`[]`, `"x"`, `1`, `{`, `{"a":1e999}`, `{"a":-1e400}`, `{} {}`, `{"a":1}x`} {
		if _, err := CleanMetadata(json.RawMessage(in)); ErrorCode(err) != EINVALID {
			t.Errorf("CleanMetadata(%s) = %v, want EINVALID", in, err)
		}
	}
}

// jsonSame compares decoded JSON, numbers by their text.
func jsonSame(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestPlainJSONObject(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":1,"b":"x","c":[true,false,null],"d":-2.5}`: true,
		`{"a":"e1 and E2 inside a string"}`:              true,
		`{"a":1e5}`:                                      false,
		`{"a":12345678901234567890}`:                     false,
		`{"a":"\u0041"}`:                                 false,
		`{"a":"\\u0041"}`:                                true, // an escaped backslash, then text
		`{"a":"\"quoted\""}`:                             true,
		`{"a":1}` + "\x00":                               false,
		`[1]`:                                            false,
		`{"a":`:                                          false,
	} {
		if got := plainJSONObject([]byte(in)); got != want {
			t.Errorf("plainJSONObject(%s) = %v, want %v", in, got, want)
		}
	}
}

// FuzzCleanMetadata checks that whatever CleanMetadata accepts is an
// object of clean text that both engines store: no NUL, valid UTF-8, no
// \u escapes of NUL or surrogates, finite numbers; and that it is stable.
func FuzzCleanMetadata(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, `{"a":"\u0000","b":[1e308,-1e-400,{"c":"\ud800"}]}`, `{"k":12345678901234567890123}`, `{"x":"é\\"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := CleanMetadata(raw)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error %v", err)
			}
			return
		}
		var obj map[string]any
		if json.Unmarshal(out, &obj) != nil || obj == nil {
			t.Fatalf("%q cleaned to %q, not an object", raw, out)
		}
		if !utf8.Valid(out) || strings.ContainsRune(string(out), 0) || hasBadEscape(out) {
			t.Fatalf("%q cleaned to %q", raw, out)
		}
		again, err := CleanMetadata(out)
		if err != nil {
			t.Fatalf("cleaned metadata %q is refused: %v", out, err)
		}
		var a, b any
		json.Unmarshal(out, &a)
		json.Unmarshal(again, &b)
		if !jsonSame(a, b) {
			t.Fatalf("not stable: %q then %q", out, again)
		}
	})
}

// hasBadEscape reports a \u escape that PostgreSQL's jsonb refuses: NUL, or
// half of a surrogate pair.
func hasBadEscape(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) {
			code, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
			if err == nil && (code == 0 || code >= 0xD800 && code <= 0xDFFF) {
				return true
			}
		}
		i++ // skip the escaped character
	}
	return false
}
