package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCSRF(t *testing.T) {
	s := New(Options{CSRFTrustedOrigins: []string{"https://ember.example.com", "http://localhost:6006"}})
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	for _, tt := range []struct {
		header, value string
		status        int
		body          string
	}{
		{"", "", http.StatusTeapot, ""},
		{"Origin", "https://ember.example.com", http.StatusTeapot, ""},
		{"Origin", "http://LOCALHOST:9999", http.StatusTeapot, ""},
		{"Origin", "https://evil.example.com", http.StatusUnauthorized, "untrusted origin"},
		{"Origin", "null", http.StatusUnauthorized, "untrusted origin"},
		{"Referer", "https://ember.example.com/projects", http.StatusTeapot, ""},
		{"Referer", "https://evil.example.com/ember.example.com", http.StatusUnauthorized, "untrusted referer"},
	} {
		for _, path := range []string{"/healthz", "/v1/projects"} {
			r := httptest.NewRequest("POST", path, nil)
			if tt.header != "" {
				r.Header.Set(tt.header, tt.value)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status || (tt.body != "" && w.Body.String() != tt.body) {
				t.Errorf("%s %s: %s: %d %q, want %d %q", path, tt.header, tt.value, w.Code, w.Body, tt.status, tt.body)
			}
		}
	}
	// Without trusted origins nothing is checked.
	open := New(Options{}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	r := httptest.NewRequest("POST", "/v1/projects", nil)
	r.Header.Set("Origin", "https://evil.example.com")
	w := httptest.NewRecorder()
	open.ServeHTTP(w, r)
	if w.Code != http.StatusTeapot {
		t.Errorf("auth off, no trusted origins: %d", w.Code)
	}
}
