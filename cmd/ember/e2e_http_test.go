package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/emberhq/ember"
)

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func deflated(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestOTLPHTTP pins the replies of POST /v1/traces, good and bad, on a
// running server.
func TestOTLPHTTP(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PHOENIX_WORKING_DIR=" + dir, "EMBER_MAX_REQUEST_BYTES=100000"}
	p := startEmber(t, env)
	url := p.httpURL + "/v1/traces"
	good := protobufBody(t, traces(0x01, 0, 20, 5))

	t.Run("Protobuf", func(t *testing.T) {
		resp, body := post(t, url, "application/x-protobuf", good)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		r := ptraceotlp.NewExportResponse()
		if err := r.UnmarshalProto(body); err != nil || r.PartialSuccess().RejectedSpans() != 0 {
			t.Fatalf("response %v %v", err, r)
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		resp, body := post(t, url, "application/x-protobuf", gzipped(t, protobufBody(t, traces(0x02, 0, 5, 5))), "Content-Encoding", "gzip")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	})
	t.Run("Deflate", func(t *testing.T) {
		resp, body := post(t, url, "application/x-protobuf", deflated(t, protobufBody(t, traces(0x03, 0, 5, 5))), "Content-Encoding", "deflate")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		js, err := ptraceotlp.NewExportRequestFromTraces(traces(0x04, 0, 5, 5)).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		resp, body := post(t, url, "application/json", js, "x-project-name", "from-header")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		r := ptraceotlp.NewExportResponse()
		if err := r.UnmarshalJSON(body); err != nil {
			t.Fatalf("response is not OTLP/JSON: %v %q", err, body)
		}
	})
	t.Run("InvalidSpansArePartialSuccess", func(t *testing.T) {
		td := traces(0x05, 0, 3, 3)
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		spans.At(2).SetSpanID([8]byte{}) // an empty span id
		resp, body := post(t, url, "application/x-protobuf", protobufBody(t, td))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		r := ptraceotlp.NewExportResponse()
		if err := r.UnmarshalProto(body); err != nil {
			t.Fatal(err)
		}
		if r.PartialSuccess().RejectedSpans() != 1 || r.PartialSuccess().ErrorMessage() == "" {
			t.Fatalf("partial success: %d %q", r.PartialSuccess().RejectedSpans(), r.PartialSuccess().ErrorMessage())
		}
	})

	errorCases := []struct {
		name        string
		contentType string
		body        []byte
		headers     []string
		status      int
		message     string
	}{
		{"UnsupportedContentType", "text/plain", good, nil, 415, "Unsupported content type: text/plain"},
		{"MissingContentType", "", good, nil, 415, "Unsupported content type: "},
		{"UnsupportedEncoding", "application/x-protobuf", good, []string{"Content-Encoding", "br"}, 415, "Unsupported content encoding: br"},
		{"MalformedProtobuf", "application/x-protobuf", []byte("\x0a\xff\xff\xff\xff\x0fgarbage"), nil, 400, "Request body is invalid ExportTraceServiceRequest"},
		{"MalformedJSON", "application/json", []byte(`{"resourceSpans": [`), nil, 400, "Request body is invalid ExportTraceServiceRequest"},
		{"BadGzip", "application/x-protobuf", []byte("not gzip at all"), []string{"Content-Encoding", "gzip"}, 400, "Request body is not valid gzip"},
		{"TruncatedGzip", "application/x-protobuf", gzipped(t, good)[:30], []string{"Content-Encoding", "gzip"}, 400, "Request body is not valid gzip"},
		{"BadDeflate", "application/x-protobuf", []byte("not zlib"), []string{"Content-Encoding", "deflate"}, 400, "Request body is not valid deflate"},
		{"TooLarge", "application/x-protobuf", make([]byte, 100001), nil, 413, "Request body too large: the limit is 100000 bytes"},
		{"DecompressesTooLarge", "application/x-protobuf", gzipped(t, make([]byte, 5_000_000)), []string{"Content-Encoding", "gzip"}, 413, "Request body too large: it decompresses to more than 100000 bytes"},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := post(t, url, c.contentType, c.body, c.headers...)
			if resp.StatusCode != c.status || !strings.HasPrefix(string(body), c.message) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, c.status, c.message)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
			}
		})
	}

	t.Run("NothingBadWasStored", func(t *testing.T) {
		p.stop(t)
		db := engines(t)[0].open(t, env)
		n, err := db.CountSpans(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 20+5+5+5+2 {
			t.Fatalf("stored %d spans", n)
		}
		// x-project-name beat the resource attribute.
		proj, err := db.FindProjectByName(context.Background(), "from-header")
		if err != nil {
			t.Fatal(err)
		}
		tid := traces(0x04, 0, 5, 5).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID()
		tr, err := db.FindTraceByTraceID(context.Background(), tid.String())
		if err != nil || tr.ProjectID != proj.ID {
			t.Fatalf("trace %v in project %v, want %d", err, tr, proj.ID)
		}
	})
}

// TestHealthAndHeaders pins the health routes, the version route and the
// headers every response carries.
func TestHealthAndHeaders(t *testing.T) {
	p := startEmber(t, []string{"PHOENIX_WORKING_DIR=" + t.TempDir()})
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "OK"},
		{"/readyz", 200, "{}"},
		{"/arize_phoenix_version", 200, ember.PhoenixVersion},
		{"/no/such/route", 404, "Not Found"},
	}
	for _, c := range cases {
		resp, err := http.Get(p.httpURL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(body) != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.path, resp.StatusCode, body, c.status, c.body)
		}
		if got := resp.Header.Get("x-phoenix-server-version"); got != ember.PhoenixVersion {
			t.Errorf("%s: x-phoenix-server-version %q", c.path, got)
		}
		if got := resp.Header.Get("x-ember-version"); got != ember.Version {
			t.Errorf("%s: x-ember-version %q", c.path, got)
		}
	}
}

// TestRootPath serves under PHOENIX_HOST_ROOT_PATH, with or without the
// prefix forwarded by the proxy.
func TestRootPath(t *testing.T) {
	p := startEmber(t, []string{"PHOENIX_WORKING_DIR=" + t.TempDir(), "PHOENIX_HOST_ROOT_PATH=/phoenix"})
	for _, path := range []string{"/phoenix/healthz", "/healthz"} {
		resp, err := http.Get(p.httpURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

// TestCommandLine pins ember version, ember serve --help and a bad setting.
func TestCommandLine(t *testing.T) {
	out, err := exec.Command(emberBinary, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), ember.Version) || !strings.Contains(string(out), ember.PhoenixVersion) {
		t.Fatalf("version: %v %q", err, out)
	}
	out, err = exec.Command(emberBinary, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("serve --help: %v %q", err, out)
	}
	for _, name := range []string{"PHOENIX_PORT", "PHOENIX_HOST", "PHOENIX_GRPC_PORT", "PHOENIX_HOST_ROOT_PATH", "PHOENIX_WORKING_DIR",
		"PHOENIX_SQL_DATABASE_URL", "PHOENIX_POSTGRES_HOST", "PHOENIX_SQL_DATABASE_SCHEMA", "PHOENIX_MAX_SPANS_QUEUE_SIZE"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("serve --help does not mention %s", name)
		}
	}
	cmd := exec.Command(emberBinary, "serve")
	cmd.Env = []string{"PHOENIX_PORT=tcp://10.0.0.1:6006", "HOME=" + t.TempDir()}
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "PHOENIX_PORT") {
		t.Fatalf("bad port: %v %q", err, out)
	}
	out, err = exec.Command(emberBinary, "frobnicate").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("unknown command: %v %q", err, out)
	}
}
