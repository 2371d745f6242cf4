package otelreg

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseHeaders(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want map[string]string
	}{
		{"", nil},
		{"   ", nil},
		{"api_key=abc", map[string]string{"api_key": "abc"}},
		{"Authorization=Bearer%20k1, X-Tenant = acme ,", map[string]string{"authorization": "Bearer k1", "x-tenant": "acme"}},
		{"x-raw=not encoded value", map[string]string{"x-raw": "not encoded value"}},
		{"x-bad-escape=100%", map[string]string{"x-bad-escape": "100%"}},
		{"x-eq=a=b", map[string]string{"x-eq": "a=b"}},
		{"x-empty=", map[string]string{"x-empty": ""}},
		{"a=1,A=2", map[string]string{"a": "2"}},
		{`{"Authorization": "Bearer k2", "x-team": "ml ops"}`, map[string]string{"authorization": "Bearer k2", "x-team": "ml ops"}},
		{`{}`, map[string]string{}},
	} {
		got, err := parseHeaders(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseHeadersErrors(t *testing.T) {
	for _, in := range []string{
		"novalue",
		"a=1,secret-token",
		"=value",
		`{"authorization": 42}`,
		`{"authorization": "secret-token"`,
		`{" ": "secret-token"}`,
	} {
		_, err := parseHeaders(in)
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		if strings.Contains(err.Error(), "secret-token") {
			t.Errorf("%q: error leaks a value: %v", in, err)
		}
	}
}

func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{"a=b", "A=b%20c,d=e", `{"k":"v"}`, "=", ",,", "%zz=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeaders(s)
		if err != nil {
			return
		}
		for k := range h {
			if k == "" || k != strings.ToLower(k) {
				t.Errorf("header name %q is empty or not lower-case", k)
			}
		}
	})
}
