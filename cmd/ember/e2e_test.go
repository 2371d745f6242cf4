package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/postgres"
	"github.com/emberhq/ember/internal/store/sqlite"
)

// emberBinary is the ember command built once for the end-to-end tests,
// which run it as a user would: a separate process.
var emberBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ember-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emberBinary = filepath.Join(dir, "ember")
	build := exec.Command("go", "build", "-o", emberBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ember:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// engine is a database the end-to-end tests run against.
type engine struct {
	name string
	// env configures the server's database; open reads it back.
	env  func(t *testing.T) []string
	open func(t *testing.T, env []string) *store.DB
}

func engines(t *testing.T) []engine {
	es := []engine{{
		name: "sqlite",
		env: func(t *testing.T) []string {
			return []string{"PHOENIX_WORKING_DIR=" + t.TempDir()}
		},
		open: func(t *testing.T, env []string) *store.DB {
			dir := strings.TrimPrefix(env[0], "PHOENIX_WORKING_DIR=")
			db, err := sqlite.Open(context.Background(), filepath.Join(dir, "ember.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}}
	if url := os.Getenv("EMBER_TEST_POSTGRES_URL"); url != "" {
		es = append(es, engine{
			name: "postgres",
			env: func(t *testing.T) []string {
				schema := "e2e_" + strings.ToLower(rand.Text())
				return []string{"PHOENIX_SQL_DATABASE_URL=" + url, "PHOENIX_SQL_DATABASE_SCHEMA=" + schema, "PHOENIX_WORKING_DIR=" + t.TempDir()}
			},
			open: func(t *testing.T, env []string) *store.DB {
				schema := strings.TrimPrefix(env[1], "PHOENIX_SQL_DATABASE_SCHEMA=")
				db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					db.Close()
					dropSchema(url, schema)
				})
				return db
			},
		})
	}
	return es
}

// forEngine runs test once per engine.
func forEngine(t *testing.T, test func(t *testing.T, e engine)) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// process is a running ember serve.
type process struct {
	cmd      *exec.Cmd
	httpURL  string
	grpcAddr string
	output   *syncBuffer
	exited   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePorts returns n distinct ports free at the time of the call: the
// listeners stay open until all are chosen, so the kernel cannot hand out
// the same port twice.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// startEmber starts ember serve with env on free ports and waits until it
// answers /healthz.
func startEmber(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	ports := freePorts(t, 2)
	httpPort, grpcPort := ports[0], ports[1]
	cmd := exec.Command(emberBinary, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "PHOENIX_HOST=127.0.0.1", fmt.Sprintf("PHOENIX_PORT=%d", httpPort), fmt.Sprintf("PHOENIX_GRPC_PORT=%d", grpcPort))
	p := &process{
		cmd:      cmd,
		httpURL:  fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		grpcAddr: fmt.Sprintf("127.0.0.1:%d", grpcPort),
		output:   &syncBuffer{},
		exited:   make(chan error, 1),
	}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
			}
		}
		if t.Failed() {
			t.Logf("ember output:\n%s", p.output.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.httpURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.exited:
			t.Fatalf("ember exited before it was ready: %v\n%s", err, p.output.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ember did not become ready:\n%s", p.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("ember exited with %v:\n%s", err, p.output.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("ember did not stop on SIGTERM:\n%s", p.output.String())
	}
}

// traces builds an export of n spans in traces of perTrace spans, with ids
// unique to prefix.
func traces(prefix byte, first, n, perTrace int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("openinference.project.name", "e2e")
	ss := rs.ScopeSpans().AppendEmpty()
	start := time.Now()
	for i := first; i < first+n; i++ {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(traceID(prefix, i/perTrace))
		s.SetSpanID(spanID(prefix, i))
		if i%perTrace != 0 {
			s.SetParentSpanID(spanID(prefix, i-i%perTrace))
		}
		s.SetName(fmt.Sprintf("span-%d", i))
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Millisecond)))
		s.Attributes().PutStr("openinference.span.kind", "CHAIN")
		s.Attributes().PutStr("input.value", "hello")
	}
	return td
}

func traceID(prefix byte, i int) pcommon.TraceID {
	var id pcommon.TraceID
	id[0] = prefix
	for b := 0; b < 8; b++ {
		id[15-b] = byte(i >> (8 * b))
	}
	return id
}

func spanID(prefix byte, i int) pcommon.SpanID {
	var id pcommon.SpanID
	id[0] = prefix
	for b := 0; b < 6; b++ {
		id[7-b] = byte(i >> (8 * b))
	}
	return id
}

func protobufBody(t testing.TB, td ptrace.Traces) []byte {
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t testing.TB, url, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
