package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/emberhq/ember"
)

func TestMiddleware(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.URL.Path)) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/", NotFound)
	h := Middleware(mux, "/phoenix", slog.New(slog.DiscardHandler))
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/ok", 200, "/ok"},
		{"/phoenix/ok", 200, "/ok"},
		{"/phoenixok", 404, "Not Found"},
		{"/panic", 500, "Internal Server Error\n"},
		{"/nope", 404, "Not Found"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.status || rec.Body.String() != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.path, rec.Code, rec.Body.String(), c.status, c.body)
		}
		if rec.Header().Get("x-phoenix-server-version") != ember.PhoenixVersion || rec.Header().Get("x-ember-version") != ember.Version {
			t.Errorf("%s: version headers missing", c.path)
		}
	}
}
