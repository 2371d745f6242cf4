package client

import (
	"net/http"
	"reflect"
	"testing"
)

func environ(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

func TestParseClientHeaders(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    http.Header
		wantErr bool
	}{
		{name: "empty", in: "", want: http.Header{}},
		{name: "one", in: "api_key=secret", want: http.Header{"Api_key": {"secret"}}},
		{name: "several with spaces", in: "a=1 , b = 2,c=3", want: http.Header{"A": {"1"}, "B": {"2"}, "C": {"3"}}},
		{name: "trailing comma as in Phoenix's docs", in: "api-key=your-api-key,", want: http.Header{"Api-Key": {"your-api-key"}}},
		{name: "url-encoded value", in: "Authorization=Bearer%20abc%3D%3D", want: http.Header{"Authorization": {"Bearer abc=="}}},
		{name: "plus stays a plus", in: "x-sig=a+b", want: http.Header{"X-Sig": {"a+b"}}},
		{name: "value may hold '='", in: "x-token=abc==", want: http.Header{"X-Token": {"abc=="}}},
		{name: "empty value", in: "x-empty=", want: http.Header{"X-Empty": {""}}},
		{name: "later entry wins", in: "a=1,A=2", want: http.Header{"A": {"2"}}},
		{name: "JSON object as the TypeScript clients read it", in: `{"X-Custom-Header": "123", "api-key": "k"}`, want: http.Header{"X-Custom-Header": {"123"}, "Api-Key": {"k"}}},
		{name: "missing =", in: "a=1,oops", wantErr: true},
		{name: "empty key", in: "=v", wantErr: true},
		{name: "key with a space", in: "a b=1", wantErr: true},
		{name: "bad escape", in: "a=%zz", wantErr: true},
		{name: "JSON with a non-string value", in: `{"a": 1}`, wantErr: true},
		{name: "broken JSON", in: `{"a": "1"`, wantErr: true},
		{name: "JSON with a bad header name", in: `{"a b": "1"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseClientHeaders(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseClientHeaders(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseClientHeaders(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseClientHeaders(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBaseURLFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{name: "nothing set", env: nil, want: "http://localhost:6006"},
		{name: "PHOENIX_HOST as a URL (TypeScript clients)", env: map[string]string{"PHOENIX_HOST": "https://phoenix.example.com/"}, want: "https://phoenix.example.com"},
		{name: "URL host beats the collector endpoint", env: map[string]string{"PHOENIX_HOST": "http://a:1", "PHOENIX_COLLECTOR_ENDPOINT": "http://b:2"}, want: "http://a:1"},
		{name: "PHOENIX_ENDPOINT beats the collector endpoint", env: map[string]string{"PHOENIX_ENDPOINT": "http://ember:6006", "PHOENIX_COLLECTOR_ENDPOINT": "http://b:2"}, want: "http://ember:6006"},
		{name: "collector endpoint (Python client)", env: map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "http://collector:6006"}, want: "http://collector:6006"},
		{name: "collector endpoint naming the OTLP route", env: map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "http://collector:6006/v1/traces"}, want: "http://collector:6006"},
		{name: "collector endpoint with a path", env: map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "https://app.example.com/s/space/"}, want: "https://app.example.com/s/space"},
		{name: "bare host and port (Python client)", env: map[string]string{"PHOENIX_HOST": "phoenix", "PHOENIX_PORT": "7000"}, want: "http://phoenix:7000"},
		{name: "bare host, default port", env: map[string]string{"PHOENIX_HOST": "phoenix"}, want: "http://phoenix:6006"},
		{name: "bind-all host means this machine", env: map[string]string{"PHOENIX_HOST": "0.0.0.0"}, want: "http://127.0.0.1:6006"},
		{name: "port only", env: map[string]string{"PHOENIX_PORT": "7000"}, want: "http://localhost:7000"},
		{name: "IPv6 host", env: map[string]string{"PHOENIX_HOST": "::1"}, want: "http://[::1]:6006"},
		{name: "values are trimmed", env: map[string]string{"PHOENIX_HOST": "  http://a:1  "}, want: "http://a:1"},
		{name: "bad port", env: map[string]string{"PHOENIX_PORT": "tcp://10.0.0.1:6006"}, wantErr: true},
		{name: "not http", env: map[string]string{"PHOENIX_HOST": "ftp://a"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(WithEnviron(environ(tt.env)))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New() with %v = %q, want an error", tt.env, c.BaseURL())
				}
				return
			}
			if err != nil {
				t.Fatalf("New() with %v: %v", tt.env, err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Fatalf("BaseURL() with %v = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

func TestWithBaseURLBeatsEnvironment(t *testing.T) {
	c, err := New(WithBaseURL("http://explicit:1/"), WithEnviron(environ(map[string]string{"PHOENIX_HOST": "http://env:2"})))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.BaseURL(), "http://explicit:1"; got != want {
		t.Fatalf("BaseURL() = %q, want %q", got, want)
	}
	for _, bad := range []string{"localhost:6006", "/v1", "http://", "http://a/?x=1"} {
		if _, err := New(WithBaseURL(bad), WithEnviron(environ(nil))); err == nil {
			t.Errorf("New(WithBaseURL(%q)) succeeded, want an error", bad)
		}
	}
}

func TestHeadersFromOptionsAndEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		want http.Header // checked entries only
	}{
		{
			name: "API key from the environment",
			env:  map[string]string{"PHOENIX_API_KEY": "env-key"},
			want: http.Header{"Authorization": {"Bearer env-key"}},
		},
		{
			name: "explicit API key wins",
			env:  map[string]string{"PHOENIX_API_KEY": "env-key", "PHOENIX_CLIENT_HEADERS": "authorization=Basic%20x"},
			opts: []Option{WithAPIKey("opt-key")},
			want: http.Header{"Authorization": {"Bearer opt-key"}},
		},
		{
			name: "a configured Authorization header beats the environment's key",
			env:  map[string]string{"PHOENIX_API_KEY": "env-key", "PHOENIX_CLIENT_HEADERS": "authorization=Basic%20x"},
			want: http.Header{"Authorization": {"Basic x"}},
		},
		{
			name: "WithHeaders replaces client headers of the same name",
			env:  map[string]string{"PHOENIX_CLIENT_HEADERS": "x-a=env,x-b=env"},
			opts: []Option{WithHeaders(http.Header{"x-a": {"opt"}}), WithHeaders(http.Header{"X-C": {"1", "2"}})},
			want: http.Header{"X-A": {"opt"}, "X-B": {"env"}, "X-C": {"1", "2"}},
		},
		{
			name: "no credentials, no Authorization",
			want: http.Header{"Authorization": nil},
		},
		{
			name: "User-Agent can be replaced",
			opts: []Option{WithHeaders(http.Header{"User-Agent": {"my-app"}})},
			want: http.Header{"User-Agent": {"my-app"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(append([]Option{WithEnviron(environ(tt.env))}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if got := c.header.Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
	if _, err := New(WithEnviron(environ(map[string]string{"PHOENIX_CLIENT_HEADERS": "nope"}))); err == nil {
		t.Error("New accepted a malformed PHOENIX_CLIENT_HEADERS")
	}
}
