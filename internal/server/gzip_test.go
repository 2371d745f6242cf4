package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestGzip(t *testing.T) {
	big := strings.Repeat(`{"name":"span","kind":"LLM"},`, 100)
	handler := http.NewServeMux()
	handler.HandleFunc("/sized", func(w http.ResponseWriter, r *http.Request) {
		body := big
		if r.URL.Query().Get("small") != "" {
			body = "OK"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body)
	})
	handler.HandleFunc("/streamed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		n, _ := strconv.Atoi(r.URL.Query().Get("rows"))
		for i := 0; i < n; i++ {
			_, _ = io.WriteString(w, "a,b,c\n")
			if i == 0 {
				http.NewResponseController(w).Flush()
			}
		}
	})
	handler.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	handler.HandleFunc("/encoded", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "br")
		_, _ = io.WriteString(w, big)
	})
	srv := httptest.NewServer(Gzip(handler))
	defer srv.Close()

	get := func(path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		// A transport that leaves decompression to the test.
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp, string(b)
	}
	for _, tc := range []struct {
		path       string
		header     []string
		compressed bool
		body       string
	}{
		{"/sized", []string{"Accept-Encoding", "gzip, deflate"}, true, big},
		{"/sized", nil, false, big},
		{"/sized", []string{"Accept-Encoding", "gzip;q=0"}, false, big},
		{"/sized", []string{"Accept-Encoding", "br, *"}, true, big},
		{"/sized", []string{"Accept-Encoding", "gzip", "Accept", "multipart/mixed"}, false, big},
		{"/sized?small=1", []string{"Accept-Encoding", "gzip"}, false, "OK"},
		{"/streamed?rows=1", []string{"Accept-Encoding", "gzip"}, true, "a,b,c\n"},
		{"/streamed?rows=2000", []string{"Accept-Encoding", "gzip"}, true, strings.Repeat("a,b,c\n", 2000)},
		{"/empty", []string{"Accept-Encoding", "gzip"}, false, ""},
		{"/encoded", []string{"Accept-Encoding", "gzip"}, false, big},
	} {
		resp, body := get(tc.path, tc.header...)
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.compressed {
			t.Errorf("%s %v: compressed = %v", tc.path, tc.header, got)
		}
		if body != tc.body {
			t.Errorf("%s %v: body %q", tc.path, tc.header, body)
		}
		if cl := resp.Header.Get("Content-Length"); tc.compressed && cl == strconv.Itoa(len(tc.body)) {
			t.Errorf("%s: compressed reply keeps the plain Content-Length", tc.path)
		}
	}
	if resp, _ := get("/sized", "Accept-Encoding", "gzip"); resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
}
