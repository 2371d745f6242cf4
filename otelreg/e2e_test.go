package otelreg_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

// The tests in this file run Register against in-process OTLP receivers
// standing in for Ember's two ingestion edges: POST /v1/traces (protobuf)
// and the gRPC TraceService.

// export is one request a receiver accepted.
type export struct {
	headers map[string]string // lower-cased names, first value
	path    string            // HTTP only
	req     *coltracepb.ExportTraceServiceRequest
}

// receiver records exports.
type receiver struct {
	mu      sync.Mutex
	exports []export
}

func (r *receiver) add(e export) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exports = append(r.exports, e)
}

func (r *receiver) all() []export {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]export(nil), r.exports...)
}

func firstValues(h map[string][]string) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			m[strings.ToLower(k)] = v[0]
		}
	}
	return m
}

// startHTTPReceiver serves OTLP/HTTP as Ember does and returns the server's
// base address (http://127.0.0.1:port).
func startHTTPReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	rec := new(receiver)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
			http.Error(w, "Unsupported content type: "+ct, http.StatusUnsupportedMediaType)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
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
		req := new(coltracepb.ExportTraceServiceRequest)
		if err := proto.Unmarshal(data, req); err != nil {
			http.Error(w, "Request body is invalid ExportTraceServiceRequest", http.StatusUnprocessableEntity)
			return
		}
		rec.add(export{headers: firstValues(r.Header), path: r.URL.Path, req: req})
		resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	rec *receiver
}

func (s *traceService) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.rec.add(export{headers: firstValues(md), req: req})
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// startGRPCReceiver serves the OTLP TraceService in plaintext, as Ember
// does without TLS, and returns its port.
func startGRPCReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := new(receiver)
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, &traceService{rec: rec})
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	return rec, port
}

// gotSpan is a received span with its project and attributes.
type gotSpan struct {
	name    string
	project string
	attrs   map[string]*commonpb.AnyValue
}

func receivedSpans(exports []export) []gotSpan {
	var spans []gotSpan
	for _, e := range exports {
		for _, rs := range e.req.GetResourceSpans() {
			var project string
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == semconv.ProjectNameKey {
					project = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					attrs := make(map[string]*commonpb.AnyValue)
					for _, kv := range sp.GetAttributes() {
						attrs[kv.GetKey()] = kv.GetValue()
					}
					spans = append(spans, gotSpan{sp.GetName(), project, attrs})
				}
			}
		}
	}
	return spans
}

// conversation is long enough to exceed the SDK's default limit of 128
// attributes per span, which Register lifts.
func conversation(n int) []semconv.Message {
	msgs := make([]semconv.Message, n)
	for i := range msgs {
		msgs[i] = semconv.Message{Role: "user", Content: fmt.Sprintf("message %d", i)}
		if i%2 == 1 {
			msgs[i].Role = "assistant"
		}
	}
	return msgs
}

func TestRegisterExports(t *testing.T) {
	const messages = 100 // 200 message attributes
	for _, tt := range []struct {
		name string
		grpc bool
		// setup returns the environment and options, given the receiver's
		// HTTP address or gRPC port.
		setup   func(addr string) (map[string]string, []otelreg.Option)
		project string
		auth    string
		extra   map[string]string // further headers expected
		simple  bool              // synchronous export: spans arrive on End
	}{
		{
			name: "HTTP, server address in options",
			setup: func(addr string) (map[string]string, []otelreg.Option) {
				return nil, []otelreg.Option{
					otelreg.WithEndpoint(addr),
					otelreg.WithProjectName("opts-project"),
					otelreg.WithAPIKey("opt-key"),
					otelreg.WithHeaders(map[string]string{"X-Tenant": "acme"}),
				}
			},
			project: "opts-project",
			auth:    "Bearer opt-key",
			extra:   map[string]string{"x-tenant": "acme"},
		},
		{
			name: "HTTP, environment, simple processor",
			setup: func(addr string) (map[string]string, []otelreg.Option) {
				return map[string]string{
					"PHOENIX_COLLECTOR_ENDPOINT": addr,
					"PHOENIX_PROJECT_NAME":       "env-project",
					"PHOENIX_API_KEY":            "env-key",
					"PHOENIX_CLIENT_HEADERS":     "x-team=ml%20ops",
				}, []otelreg.Option{otelreg.WithBatch(false)}
			},
			project: "env-project",
			auth:    "Bearer env-key",
			extra:   map[string]string{"x-team": "ml ops"},
			simple:  true,
		},
		{
			name: "HTTP, full /v1/traces URL",
			setup: func(addr string) (map[string]string, []otelreg.Option) {
				return nil, []otelreg.Option{otelreg.WithEndpoint(addr + "/v1/traces")}
			},
			project: "default",
		},
		{
			name: "gRPC inferred from the port",
			grpc: true,
			setup: func(port string) (map[string]string, []otelreg.Option) {
				return map[string]string{"PHOENIX_GRPC_PORT": port}, []otelreg.Option{
					otelreg.WithEndpoint("http://127.0.0.1:" + port),
					otelreg.WithAPIKey("grpc-key"),
					otelreg.WithHeaders(map[string]string{"X-Tenant": "acme"}),
				}
			},
			project: "default",
			auth:    "Bearer grpc-key",
			extra:   map[string]string{"x-tenant": "acme"},
		},
		{
			name: "gRPC, server address in environment, explicit protocol",
			grpc: true,
			setup: func(port string) (map[string]string, []otelreg.Option) {
				return map[string]string{
					// The HTTP address; gRPC goes to PHOENIX_GRPC_PORT.
					"PHOENIX_COLLECTOR_ENDPOINT": "http://127.0.0.1:6006",
					"PHOENIX_GRPC_PORT":          port,
					"PHOENIX_PROJECT":            "grpc-project",
					"PHOENIX_API_KEY":            "env-key",
					"PHOENIX_CLIENT_HEADERS":     `{"X-Team": "ml ops"}`,
				}, []otelreg.Option{otelreg.WithProtocol(otelreg.GRPC), otelreg.WithBatch(false)}
			},
			project: "grpc-project",
			auth:    "Bearer env-key",
			extra:   map[string]string{"x-team": "ml ops"},
			simple:  true,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rec *receiver
			var addr string
			if tt.grpc {
				rec, addr = startGRPCReceiver(t)
			} else {
				rec, addr = startHTTPReceiver(t)
			}
			env, opts := tt.setup(addr)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			tp, err := otelreg.Register(ctx, append(opts, otelreg.WithLookupEnv(func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			}))...)
			if err != nil {
				t.Fatal(err)
			}
			_, span := tp.Tracer("otelreg_test").Start(ctx, "ChatCompletion")
			otelreg.SetLLM(span, semconv.LLM{
				Model:          "gpt-4o-mini",
				Provider:       "openai",
				InputMessages:  conversation(messages),
				OutputMessages: []semconv.Message{{Role: "assistant", Content: "Done."}},
				TokenCounts:    semconv.TokenCounts{Prompt: 1200, Completion: 3},
			})
			span.End()
			if tt.simple && len(rec.all()) == 0 {
				t.Error("simple processor: span not exported when it ended")
			}
			if err := tp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}

			exports := rec.all()
			if len(exports) == 0 {
				t.Fatal("nothing received")
			}
			for _, e := range exports {
				if !tt.grpc && e.path != "/v1/traces" {
					t.Errorf("posted to %q", e.path)
				}
				if got := e.headers["authorization"]; got != tt.auth {
					t.Errorf("authorization = %q, want %q", got, tt.auth)
				}
				for k, want := range tt.extra {
					if got := e.headers[k]; got != want {
						t.Errorf("header %s = %q, want %q", k, got, want)
					}
				}
			}
			spans := receivedSpans(exports)
			if len(spans) != 1 {
				t.Fatalf("received %d spans, want 1", len(spans))
			}
			sp := spans[0]
			if sp.name != "ChatCompletion" {
				t.Errorf("span name %q", sp.name)
			}
			if sp.project != tt.project {
				t.Errorf("project %q, want %q", sp.project, tt.project)
			}
			for key, want := range map[string]string{
				semconv.SpanKindKey:                                            "LLM",
				semconv.LLMModelNameKey:                                        "gpt-4o-mini",
				semconv.InputMessageKey(0, semconv.MessageRoleKey):             "user",
				semconv.InputMessageKey(messages-1, semconv.MessageContentKey): fmt.Sprintf("message %d", messages-1),
				semconv.OutputMessageKey(0, semconv.MessageContentKey):         "Done.",
			} {
				if got := sp.attrs[key].GetStringValue(); got != want {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}
			if got := sp.attrs[semconv.LLMTokenCountTotalKey].GetIntValue(); got != 1203 {
				t.Errorf("total tokens = %d, want 1203", got)
			}
			if n := len(sp.attrs); n < 2*messages {
				t.Errorf("only %d attributes arrived; the attribute limit was not lifted", n)
			}
		})
	}
}
