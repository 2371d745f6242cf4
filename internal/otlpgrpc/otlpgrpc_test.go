package otlpgrpc

import (
	"context"
	"net"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/mock"
)

func serve(t *testing.T, ing ingest.Ingester, maxBytes int64) ptraceotlp.GRPCClient {
	srv := NewServer(Options{Ingester: ing, Converter: &ingest.Converter{}, MaxRequestBytes: maxBytes})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return ptraceotlp.NewGRPCClient(conn)
}

func request(spans int, nameSize int) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for i := range spans {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID([16]byte{1})
		s.SetSpanID([8]byte{byte(i + 1)})
		s.SetName(string(make([]byte, nameSize)))
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

func TestExport(t *testing.T) {
	var got []*ember.Span
	c := serve(t, &mock.Ingester{WriteFn: func(_ context.Context, s []*ember.Span) error { got = s; return nil }}, 1<<20)
	resp, err := c.Export(context.Background(), request(3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || resp.PartialSuccess().RejectedSpans() != 0 {
		t.Fatalf("got %d spans, rejected %d", len(got), resp.PartialSuccess().RejectedSpans())
	}
}

func TestExportRefusedWhenFull(t *testing.T) {
	c := serve(t, &mock.Ingester{AdmitFn: func() error { return ingest.ErrFull }}, 1<<20)
	_, err := c.Export(context.Background(), request(1, 1))
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted || st.Message() != "Server is at capacity and cannot process more requests" {
		t.Fatalf("got %v", err)
	}
}

func TestExportTooLarge(t *testing.T) {
	c := serve(t, &mock.Ingester{}, 1000)
	_, err := c.Export(context.Background(), request(1, 5000))
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted {
		t.Fatalf("got %v", err)
	}
}

func TestExportShuttingDown(t *testing.T) {
	c := serve(t, &mock.Ingester{WriteFn: func(context.Context, []*ember.Span) error { return ingest.ErrClosed }}, 1<<20)
	_, err := c.Export(context.Background(), request(1, 1))
	if st := status.Convert(err); st.Code() != codes.Unavailable {
		t.Fatalf("got %v", err)
	}
}

func TestExportInvalidSpans(t *testing.T) {
	req := request(2, 1)
	req.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).SetSpanID([8]byte{})
	c := serve(t, &mock.Ingester{}, 1<<20)
	resp, err := c.Export(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.PartialSuccess().RejectedSpans() != 1 {
		t.Fatalf("rejected %d", resp.PartialSuccess().RejectedSpans())
	}
}
