package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBogusIdentifierMatrix pins the status of every tracing route for an
// identifier that names nothing and no body, as Phoenix answers them.
func TestBogusIdentifierMatrix(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	for _, tc := range []struct {
		method, path string
		status       int
		body         string // a part of the reply, when it matters
	}{
		{"GET", "/v1/projects/fake-id-x", 404, "Project with name fake-id-x not found"},
		{"GET", "/v1/projects/UHJvamVjdDo5OTk=", 404, "Project with ID UHJvamVjdDo5OTk= not found"},
		{"GET", "/v1/projects/fake-id-x/spans", 404, ""},
		{"GET", "/v1/projects/fake-id-x/spans/otlpv1", 404, ""},
		{"GET", "/v1/projects/fake-id-x/sessions", 404, ""},
		{"GET", "/v1/projects/fake-id-x/traces", 404, ""},
		{"GET", "/v1/sessions/fake-id-x", 404, "Session with session_id fake-id-x not found"},
		{"POST", "/v1/traces", 415, ""},
		{"DELETE", "/v1/sessions/fake-id-x", 404, ""},
		{"DELETE", "/v1/spans/fake-id-x", 404, ""},
		{"DELETE", "/v1/traces/fake-id-x", 404, ""},
		{"DELETE", "/v1/projects/fake-id-x", 404, ""},
		{"PUT", "/v1/projects/fake-id-x", 422, `"type":"missing"`},
		{"POST", "/v1/projects", 422, `"type":"missing"`},
		{"POST", "/v1/projects/fake-id-x/spans", 422, `"type":"missing"`},
		{"POST", "/v1/sessions/delete", 422, `"type":"missing"`},
		{"POST", "/v1/traces/transfer", 422, `"type":"missing"`},
		{"DELETE", "/v1/projects/default", 403, "The default project cannot be deleted"},
		// Bad cursors and limits.
		{"GET", "/v1/projects?cursor=not-a-cursor", 422, ""},
		{"GET", "/v1/projects/default/spans?cursor=not-a-cursor", 422, "Invalid cursor"},
		{"GET", "/v1/projects/default/traces?cursor=not-a-cursor", 422, ""},
		{"GET", "/v1/projects/default/sessions?cursor=not-a-cursor", 422, ""},
		{"GET", "/v1/projects/default/spans?limit=1001", 422, `"type":"less_than_equal"`},
		{"GET", "/v1/projects/default/spans?limit=abc", 422, `"type":"int_parsing"`},
		{"GET", "/v1/projects/default/traces?sort=name", 422, `"type":"enum"`},
		{"GET", "/v1/projects/default/spans?start_time=yesterday", 422, `"loc":["query","start_time"]`},
		// Unknown routes and methods are plain text.
		{"GET", "/v1/nothing-here", 404, "Not Found"},
	} {
		status, body, header := call(t, tc.method, p.httpURL+tc.path, "")
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, status, body, tc.status, tc.body)
		}
		if status >= 400 && status != 422 && !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s %s: error content type %q", tc.method, tc.path, header.Get("Content-Type"))
		}
	}
}

// TestBadBytesInIdentifiers: a NUL or an invalid UTF-8 byte in a path or
// query value names nothing stored (stored text is cleaned), on both
// engines; PostgreSQL must never see the raw NUL.
func TestBadBytesInIdentifiers(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		for _, tc := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/v1/projects/a%00b", 404},
			{"GET", "/v1/projects/a%00b/spans", 404},
			{"GET", "/v1/projects/a%ffb/traces", 404},
			{"GET", "/v1/projects/default/spans?trace_id=a%00b&span_id=%ff&parent_id=x%00&name=%00", 200},
			{"GET", "/v1/projects/default/spans?attribute=a%00b:c%00d", 200},
			{"GET", "/v1/projects/default/traces?session_identifier=s%00", 200},
			{"GET", "/v1/sessions/a%00b", 404},
			{"DELETE", "/v1/spans/a%00b", 404},
			{"DELETE", "/v1/traces/a%00b", 404},
			{"DELETE", "/v1/sessions/a%00b", 404},
		} {
			if status, body, _ := call(t, tc.method, p.httpURL+tc.path, ""); status != tc.status {
				t.Errorf("%s %s: %d %q, want %d", tc.method, tc.path, status, body, tc.status)
			}
		}
		status, body, _ := call(t, "POST", p.httpURL+"/v1/projects", `{"name":"nul\u0000name"}`)
		if status != 200 || !strings.Contains(body, "\"name\":\"nul\uFFFDname\"") {
			t.Errorf("create with a NUL: %d %s", status, body)
		}
	})
}

// TestGzipReplies: a client that accepts gzip gets big replies compressed
// and small ones as they are; one that does not gets plain bodies.
func TestGzipReplies(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	mustExport(t, p, traces('g', 0, 10, 5))
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", p.httpURL+path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("/v1/projects/e2e/spans", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("spans listing: encoding %q, vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var pg spansPage
	if err := json.NewDecoder(zr).Decode(&pg); err != nil || len(pg.Data) != 10 {
		t.Fatalf("decompressed listing: %d spans, %v", len(pg.Data), err)
	}
	if resp, body := get("/v1/projects/e2e/spans", ""); resp.Header.Get("Content-Encoding") != "" || !json.Valid(body) {
		t.Errorf("without Accept-Encoding: encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if resp, body := get("/healthz", "gzip"); resp.Header.Get("Content-Encoding") != "" || string(body) != "OK" {
		t.Errorf("a small reply was compressed: %q %q", resp.Header.Get("Content-Encoding"), body)
	}
}
