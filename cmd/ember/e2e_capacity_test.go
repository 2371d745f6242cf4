package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// TestFullQueueRefuses runs a server whose queue holds a single span, so
// that concurrent exports find it full: HTTP gets 503 with Retry-After and
// gRPC RESOURCE_EXHAUSTED, with Phoenix's message, and every export that was
// acknowledged is stored.
func TestFullQueueRefuses(t *testing.T) {
	env := []string{"PHOENIX_WORKING_DIR=" + t.TempDir(), "PHOENIX_MAX_SPANS_QUEUE_SIZE=1"}
	p := startEmber(t, env)
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	grpcClient := ptraceotlp.NewGRPCClient(conn)

	var httpRefused, grpcRefused atomic.Int64
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				prefix := byte(0x40 + w)
				td := traces(prefix, i*50, 50, 10)
				if w%2 == 0 {
					resp, body := post(t, p.httpURL+"/v1/traces", "application/x-protobuf", protobufBody(t, td))
					switch resp.StatusCode {
					case http.StatusOK:
					case http.StatusServiceUnavailable:
						if string(body) != "Server is at capacity and cannot process more requests" || resp.Header.Get("Retry-After") == "" {
							t.Errorf("503: %q Retry-After=%q", body, resp.Header.Get("Retry-After"))
						}
						httpRefused.Add(1)
						continue
					default:
						t.Errorf("status %d: %q", resp.StatusCode, body)
						return
					}
				} else {
					_, err := grpcClient.Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(td))
					if st := status.Convert(err); err != nil {
						if st.Code() != codes.ResourceExhausted || st.Message() != "Server is at capacity and cannot process more requests" {
							t.Errorf("grpc: %v", err)
							return
						}
						grpcRefused.Add(1)
						continue
					}
				}
				mu.Lock()
				for j := i * 50; j < i*50+50; j++ {
					id := spanID(prefix, j)
					acked = append(acked, id.String())
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if httpRefused.Load() == 0 || grpcRefused.Load() == 0 {
		t.Fatalf("refused: http %d, grpc %d; the queue never filled", httpRefused.Load(), grpcRefused.Load())
	}
	p.stop(t)
	assertStored(t, engines(t)[0].open(t, env), acked)
	t.Logf("acknowledged %d spans; refused %d HTTP and %d gRPC requests", len(acked), httpRefused.Load(), grpcRefused.Load())
}
