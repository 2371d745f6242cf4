package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// receiver is a fake OTLP server that checks every request it accepts:
// span ids unique across the run, trace ids never shared between requests,
// parents present in the same trace and enclosing their children in time.
type receiver struct {
	t           *testing.T
	rejectEvery int64  // reject every n-th request (0 = never)
	apiKey      string // required bearer token, if set
	db          *sql.DB

	calls atomic.Int64

	mu       sync.Mutex
	requests int
	spans    int
	rejected int
	spanIDs  map[pcommon.SpanID]bool
	traceReq map[pcommon.TraceID]int // trace id -> request that carried it
	sessions map[string]bool
	problems []string
}

func newReceiver(t *testing.T) *receiver {
	return &receiver{t: t, spanIDs: map[pcommon.SpanID]bool{}, traceReq: map[pcommon.TraceID]int{}, sessions: map[string]bool{}}
}

// reject reports whether this call should be turned away, and counts it.
func (r *receiver) reject() bool {
	n := r.calls.Add(1)
	if r.rejectEvery > 0 && n%r.rejectEvery == 0 {
		r.mu.Lock()
		r.rejected++
		r.mu.Unlock()
		return true
	}
	return false
}

func (r *receiver) problem(format string, args ...any) {
	if len(r.problems) < 20 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

var sessionRE = regexp.MustCompile(`^sess-[0-9a-f]{16}$`)

func (r *receiver) accept(td ptrace.Traces) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	req := r.requests
	now := time.Now()
	inReq := map[pcommon.SpanID]ptrace.Span{}
	var all []ptrace.Span
	for _, rs := range td.ResourceSpans().All() {
		if v, _ := rs.Resource().Attributes().Get("openinference.project.name"); v.Str() != "loadtest" {
			r.problem("project = %q", v.Str())
		}
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				all = append(all, sp)
				inReq[sp.SpanID()] = sp
			}
		}
	}
	var stored []string
	for _, sp := range all {
		id, tid := sp.SpanID(), sp.TraceID()
		switch {
		case id.IsEmpty() || tid.IsEmpty():
			r.problem("empty id: span %s trace %s", id, tid)
		case r.spanIDs[id]:
			r.problem("duplicate span id %s", id)
		}
		r.spanIDs[id] = true
		if q, ok := r.traceReq[tid]; ok && q != req {
			r.problem("trace %s in requests %d and %d", tid, q, req)
		}
		r.traceReq[tid] = req
		start, end := sp.StartTimestamp().AsTime(), sp.EndTimestamp().AsTime()
		if end.Before(start) || end.After(now.Add(time.Second)) || start.Before(now.Add(-time.Minute)) {
			r.problem("span %s: bad times %s .. %s", id, start, end)
		}
		if p := sp.ParentSpanID(); !p.IsEmpty() {
			parent, ok := inReq[p]
			switch {
			case !ok:
				r.problem("span %s: parent %s not in request", id, p)
			case parent.TraceID() != tid:
				r.problem("span %s: parent in another trace", id)
			case sp.StartTimestamp() < parent.StartTimestamp() || sp.EndTimestamp() > parent.EndTimestamp():
				r.problem("span %s: not inside its parent's time", id)
			}
		}
		if v, ok := sp.Attributes().Get("session.id"); ok {
			if !sessionRE.MatchString(v.Str()) {
				r.problem("session id %q", v.Str())
			}
			r.sessions[v.Str()] = true
		}
		stored = append(stored, id.String())
	}
	r.spans += len(all)
	if r.db != nil {
		// Committed before the reply, like the real server.
		tx, err := r.db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, id := range stored {
			if _, err := tx.Exec("INSERT INTO spans (span_id) VALUES (?)", id); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	return nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.apiKey != "" && req.Header.Get("Authorization") != "Bearer "+r.apiKey {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.reject() {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	er := ptraceotlp.NewExportRequest()
	if err := er.UnmarshalProto(data); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := r.accept(er.Traces()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

type grpcReceiver struct {
	ptraceotlp.UnimplementedGRPCServer
	r *receiver
}

func (g grpcReceiver) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	if g.r.apiKey != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		if a := md.Get("authorization"); len(a) != 1 || a[0] != "Bearer "+g.r.apiKey {
			return ptraceotlp.NewExportResponse(), status.Error(codes.Unauthenticated, "no key")
		}
	}
	if n := g.r.calls.Load(); g.r.reject() {
		code := codes.ResourceExhausted
		if n%2 == 0 {
			code = codes.Unavailable
		}
		return ptraceotlp.NewExportResponse(), status.Error(code, "busy")
	}
	if err := g.r.accept(req.Traces()); err != nil {
		return ptraceotlp.NewExportResponse(), status.Error(codes.Internal, err.Error())
	}
	return ptraceotlp.NewExportResponse(), nil
}

// start serves r over HTTP and gRPC and returns the flags that point at it.
func (r *receiver) start(t *testing.T) []string {
	hs := httptest.NewServer(r)
	t.Cleanup(hs.Close)
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(gs, &grpcReceiver{r: r})
	go gs.Serve(gl)
	t.Cleanup(gs.Stop)
	return []string{"-http-url", hs.URL + "/v1/traces", "-grpc-addr", gl.Addr().String(), "-project", "loadtest", "-progress", "0"}
}

// runLoad runs otlpload with args and returns its JSON report.
func runLoad(t *testing.T, args ...string) (*report, bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cfg, err := parseFlags(append(args, "-json"), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := run(cfg, context.Background(), context.Background(), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	t.Logf("\n%s", stderr.String())
	return &rep, ok
}

func (r *receiver) check(t *testing.T, rep *report, ok bool) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Error(p)
	}
	switch {
	case !ok || !rep.OK || rep.Errors != 0:
		t.Errorf("run not ok: %+v", rep)
	case rep.SpansAcked == 0:
		t.Errorf("nothing acked")
	case int64(r.spans) != rep.SpansAcked || len(r.spanIDs) != r.spans:
		t.Errorf("receiver got %d spans (%d distinct ids), report acked %d", r.spans, len(r.spanIDs), rep.SpansAcked)
	case int64(r.requests) != rep.RequestsAcked:
		t.Errorf("receiver accepted %d requests, report acked %d", r.requests, rep.RequestsAcked)
	case int64(r.rejected) != rep.Rejections:
		t.Errorf("receiver rejected %d, report says %d", r.rejected, rep.Rejections)
	case rep.Retries != rep.Rejections-rep.AbandonedRequests:
		t.Errorf("retries %d, rejections %d, abandoned %d", rep.Retries, rep.Rejections, rep.AbandonedRequests)
	case rep.WireMB <= 0 || rep.LatencyP50Ms <= 0 || rep.LatencyP99Ms < rep.LatencyP50Ms:
		t.Errorf("implausible bytes or latencies: %+v", rep)
	}
}

func TestLoad(t *testing.T) {
	f := func(name string, rejectEvery int64, args ...string) {
		t.Run(name, func(t *testing.T) {
			r := newReceiver(t)
			r.rejectEvery = rejectEvery
			r.apiKey = "k3y"
			rep, ok := runLoad(t, append(r.start(t), append(args, "-api-key", "k3y")...)...)
			r.check(t, rep, ok)
			if rejectEvery > 0 && rep.Rejections == 0 {
				t.Errorf("expected rejections")
			}
			if strings.Contains(name, "llm") && len(r.sessions) < 2 {
				t.Errorf("only %d sessions", len(r.sessions))
			}
		})
	}
	f("http/small", 0, "-protocol", "http", "-duration", "1s", "-workers", "4")
	f("http/llm/gzip/reject", 7, "-protocol", "http", "-duration", "1s", "-profile", "llm", "-gzip", "-workers", "4", "-spans-per-request", "30", "-spans-per-trace", "7")
	f("grpc/small/reject", 5, "-protocol", "grpc", "-duration", "1s", "-workers", "4")
	f("grpc/llm/gzip", 0, "-protocol", "grpc", "-duration", "1s", "-profile", "llm", "-gzip", "-gzip-level", "9", "-spans-per-request", "50")
	f("http/small/gzip-per-request", 0, "-protocol", "http", "-duration", "1s", "-gzip", "-gzip-per-request", "-gzip-level", "1")
	f("grpc/small/gzip-per-request/reject", 3, "-protocol", "grpc", "-duration", "1s", "-gzip", "-gzip-per-request", "-workers", "3")
}

func TestTotalSpans(t *testing.T) {
	for _, proto := range []string{"http", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			r := newReceiver(t)
			rep, ok := runLoad(t, append(r.start(t), "-protocol", proto, "-total-spans", "2345", "-spans-per-request", "100", "-spans-per-trace", "9")...)
			r.check(t, rep, ok)
			if rep.SpansAcked != 2345 || rep.RequestsAcked != 24 {
				t.Errorf("acked %d spans in %d requests, want 2345 in 24", rep.SpansAcked, rep.RequestsAcked)
			}
		})
	}
}

// TestVerifySQLite has the receiver commit span ids to an SQLite spans
// table before replying, and checks that otlpload counts them.
func TestVerifySQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ember.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(wal)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE spans (id INTEGER PRIMARY KEY, span_id TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO spans (span_id) VALUES ('earlier')"); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t)
	r.db = db
	rep, ok := runLoad(t, append(r.start(t), "-duration", "1s", "-workers", "2", "-db", "sqlite://"+path)...)
	r.check(t, rep, ok)
	if d := rep.DB; d == nil || d.Before != 1 || d.Stored != rep.SpansAcked || rep.Verification != "OK" || d.StoredSpansPerSec <= 0 {
		t.Errorf("db report %+v, verification %s, acked %d", rep.DB, rep.Verification, rep.SpansAcked)
	}

	// Spans acked but never stored must fail verification.
	r2 := newReceiver(t)
	cfgArgs := append(r2.start(t), "-total-spans", "100", "-db", "sqlite://"+path, "-store-timeout", "300ms")
	rep, ok = runLoad(t, cfgArgs...)
	if ok || rep.OK || rep.Verification != "FAILED" {
		t.Errorf("unstored spans verified: %+v", rep.DB)
	}
}

func TestTemplate(t *testing.T) {
	f := func(prof string, n, per int) {
		t.Helper()
		tpl, err := buildTemplate(profiles[prof], rand.New(rand.NewPCG(1, 2)), "p", n, per)
		if err != nil {
			t.Fatalf("%s/%d/%d: %v", prof, n, per, err)
		}
		if tpl.spans != n || tpl.traces != (n+per-1)/per {
			t.Errorf("%s/%d/%d: %d spans, %d traces", prof, n, per, tpl.spans, tpl.traces)
		}
		id := newIDs(rand.New(rand.NewPCG(3, 4)))
		seen := map[pcommon.SpanID]bool{}
		for range 3 {
			er := ptraceotlp.NewExportRequest()
			if err := er.UnmarshalProto(tpl.stamp(make([]byte, len(tpl.body)), id, time.Now().UnixNano())); err != nil {
				t.Fatal(err)
			}
			for _, rs := range er.Traces().ResourceSpans().All() {
				for _, ss := range rs.ScopeSpans().All() {
					for _, sp := range ss.Spans().All() {
						if seen[sp.SpanID()] {
							t.Errorf("%s/%d/%d: duplicate span id", prof, n, per)
						}
						seen[sp.SpanID()] = true
					}
				}
			}
		}
		if len(seen) != 3*n {
			t.Errorf("%s/%d/%d: %d ids, want %d", prof, n, per, len(seen), 3*n)
		}
	}
	for _, prof := range []string{"small", "llm"} {
		f(prof, 1, 1)
		f(prof, 7, 3)
		f(prof, 100, 10)
		f(prof, 50, 50)
	}
}

// TestGzTemplate checks that stamped pre-compressed templates decompress to
// the stamped raw body and compress about as well as gzipping it whole.
func TestGzTemplate(t *testing.T) {
	f := func(prof string, n, per, level int) {
		t.Helper()
		tpl, err := buildTemplate(profiles[prof], rand.New(rand.NewPCG(5, 6)), "p", n, per)
		if err != nil {
			t.Fatal(err)
		}
		gz, err := newGzTemplate(tpl, level)
		if err != nil {
			t.Fatalf("%s/%d/%d/%d: %v", prof, n, per, level, err)
		}
		id := newIDs(rand.New(rand.NewPCG(7, 8)))
		var raw []byte
		for range 3 {
			raw = tpl.stamp(make([]byte, len(tpl.body)), id, time.Now().UnixNano())
			zr, err := gzip.NewReader(bytes.NewReader(gz.stamp(make([]byte, len(gz.body)), raw)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("%s/%d/%d/%d: decompressed %d bytes (%v), want the %d stamped bytes", prof, n, per, level, len(got), err, len(raw))
			}
		}
		var whole bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&whole, level)
		zw.Write(raw) // a stamped body: random ids do not compress like sentinels
		zw.Close()
		t.Logf("%s n=%d level %d: raw %d, gzipped whole %d, template %d (%d stored regions)",
			prof, n, level, len(tpl.body), whole.Len(), len(gz.body), len(gz.regions))
		// Ids are stored uncompressed: that costs about 10% on LLM spans and
		// doubles the (already tiny) compressed size of small spans.
		limit := map[string]float64{"small": 2.5, "llm": 1.3}[prof]
		if n >= 50 && float64(len(gz.body)) > limit*float64(whole.Len()) {
			t.Errorf("%s/%d: template %d bytes vs %d gzipped whole", prof, n, len(gz.body), whole.Len())
		}
	}
	for _, prof := range []string{"small", "llm"} {
		f(prof, 1, 1, 6)
		f(prof, 7, 3, 6)
		f(prof, 100, 10, 1)
		f(prof, 100, 10, 6)
		f(prof, 100, 10, 9)
		f(prof, 500, 20, 6)
	}
}

// BenchmarkStamp measures producing one 100-span request body from a
// template: plain, from a pre-compressed template, and gzipped from scratch
// at level 1.
func BenchmarkStamp(b *testing.B) {
	for _, prof := range []string{"small", "llm"} {
		tpl, err := buildTemplate(profiles[prof], rand.New(rand.NewPCG(1, 2)), "p", 100, 10)
		if err != nil {
			b.Fatal(err)
		}
		id := newIDs(rand.New(rand.NewPCG(3, 4)))
		b.Run(prof, func(b *testing.B) {
			b.SetBytes(int64(len(tpl.body)))
			for b.Loop() {
				p := getPayload(len(tpl.body))
				tpl.stamp(p.buf, id, time.Now().UnixNano())
				p.release()
			}
		})
		gz, err := newGzTemplate(tpl, 6)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(prof+"/gzip-template", func(b *testing.B) {
			b.SetBytes(int64(len(tpl.body)))
			raw := make([]byte, len(tpl.body))
			for b.Loop() {
				tpl.stamp(raw, id, time.Now().UnixNano())
				p := getPayload(len(gz.body))
				gz.stamp(p.buf, raw)
				p.release()
			}
		})
		b.Run(prof+"/gzip-per-request", func(b *testing.B) {
			b.SetBytes(int64(len(tpl.body)))
			zw, _ := gzip.NewWriterLevel(nil, 1)
			raw := make([]byte, len(tpl.body))
			for b.Loop() {
				tpl.stamp(raw, id, time.Now().UnixNano())
				p := getPayload(0)
				aw := appendWriter{p.buf[:0]}
				zw.Reset(&aw)
				zw.Write(raw)
				zw.Close()
				p.buf = aw.b
				p.release()
			}
		})
	}
}

// TestPayloadReuse checks that request buffers return to the pool once the
// transports are done with them (gRPC frees them through payloadReleaser,
// net/http through bodyReader.Close).
func TestPayloadReuse(t *testing.T) {
	for _, proto := range []string{"http", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			r := newReceiver(t)
			before := payloadAllocs.Load()
			rep, ok := runLoad(t, append(r.start(t), "-protocol", proto, "-duration", "1s", "-workers", "4", "-profile", "llm", "-spans-per-request", "20")...)
			r.check(t, rep, ok)
			// Garbage collection empties the pool now and then, and under the
			// race detector sync.Pool drops a quarter of what is put back. A
			// buffer that never came back would cost one per request.
			if n := payloadAllocs.Load() - before; n > 4*4+rep.RequestsAcked/3 {
				t.Errorf("%d buffers allocated for %d requests", n, rep.RequestsAcked)
			}
		})
	}
}
