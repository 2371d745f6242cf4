package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/mock"
)

type fakePinger struct{ err error }

func (f fakePinger) Ping(context.Context) error { return f.err }

func newHandler(ing ingest.Ingester, db Pinger) http.Handler {
	h := &Handler{Ingester: ing, Converter: &ingest.Converter{}, Database: db, MaxRequestBytes: 1 << 20}
	mux := http.NewServeMux()
	h.Register(mux)
	return mux
}

func exportBody(t *testing.T) []byte {
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID([16]byte{1})
	s.SetSpanID([8]byte{1})
	s.SetName("x")
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func do(h http.Handler, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestTracesRefusedWhenFull(t *testing.T) {
	read := false
	h := newHandler(&mock.Ingester{AdmitFn: func() error { return ingest.ErrFull }, WriteFn: func(context.Context, []*ember.Span) error {
		read = true
		return nil
	}}, fakePinger{})
	rec := do(h, "POST", "/v1/traces", "application/x-protobuf", exportBody(t))
	if rec.Code != 503 || rec.Body.String() != "Server is at capacity and cannot process more requests" || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("%d %q Retry-After=%q", rec.Code, rec.Body.String(), rec.Header().Get("Retry-After"))
	}
	if read {
		t.Fatal("a refused request reached the writer")
	}
}

func TestTracesShuttingDown(t *testing.T) {
	h := newHandler(&mock.Ingester{WriteFn: func(context.Context, []*ember.Span) error { return ingest.ErrClosed }}, fakePinger{})
	rec := do(h, "POST", "/v1/traces", "application/x-protobuf", exportBody(t))
	if rec.Code != 503 || rec.Body.String() != "Server is shutting down" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestTracesStoreFailureIsInternal(t *testing.T) {
	h := newHandler(&mock.Ingester{WriteFn: func(context.Context, []*ember.Span) error { return errors.New("disk I/O error: secret detail") }}, fakePinger{})
	rec := do(h, "POST", "/v1/traces", "application/x-protobuf", exportBody(t))
	if rec.Code != 500 || rec.Body.String() != "Internal Server Error" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestTracesAcknowledgeAfterWrite(t *testing.T) {
	var got []*ember.Span
	h := newHandler(&mock.Ingester{WriteFn: func(_ context.Context, spans []*ember.Span) error {
		got = spans
		return nil
	}}, fakePinger{})
	rec := do(h, "POST", "/v1/traces", "application/x-protobuf; charset=binary", exportBody(t))
	if rec.Code != 200 || len(got) != 1 || got[0].ProjectName != ember.DefaultProjectName {
		t.Fatalf("%d %q %d", rec.Code, rec.Body.String(), len(got))
	}
}

func TestReadyz(t *testing.T) {
	h := newHandler(&mock.Ingester{}, fakePinger{err: errors.New("connection refused")})
	rec := do(h, "GET", "/readyz", "", nil)
	if rec.Code != 503 || rec.Body.String() != "database unreachable" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
	h = newHandler(&mock.Ingester{}, fakePinger{})
	rec = do(h, "GET", "/readyz", "", nil)
	if rec.Code != 200 || rec.Body.String() != "{}" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

// FuzzOTLPHTTP feeds arbitrary bodies, content types and encodings to
// POST /v1/traces: every reply must be a 2xx or 4xx, never a panic or 5xx.
func FuzzOTLPHTTP(f *testing.F) {
	f.Add([]byte{}, "application/x-protobuf", "")
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"01","spanId":"02"}]}]}]}`), "application/json", "")
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00}, "application/x-protobuf", "gzip")
	f.Fuzz(func(t *testing.T, body []byte, contentType, encoding string) {
		h := newHandler(&mock.Ingester{}, fakePinger{})
		req := httptest.NewRequest("POST", "/v1/traces", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Encoding", encoding)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q %q: %s", rec.Code, contentType, encoding, rec.Body.String())
		}
	})
}
