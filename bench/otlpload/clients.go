package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

type verdict int

const (
	acked    verdict = iota // 2xx / OK
	rejected                // 429, 503, RESOURCE_EXHAUSTED, UNAVAILABLE: retry
	failed                  // anything else
)

// attempt is the outcome of sending one request once.
type attempt struct {
	verdict       verdict
	retryAfter    time.Duration // server-requested delay, 0 if none
	rejectedSpans int64         // partial_success.rejected_spans of an acked reply
	err           error         // why it was rejected or failed
}

// A client sends encoded request bodies. Sends are concurrent.
type client interface {
	send(ctx context.Context, p *payload) attempt
	// wireBytes reports the bytes this client has put on the wire so far,
	// or -1 if the caller counts them itself.
	wireBytes() int64
	close() error
}

// httpClient posts OTLP/HTTP protobuf bodies, already gzipped by the worker
// when -gzip is on.
type httpClient struct {
	hc     *http.Client
	url    string
	header http.Header
}

func newHTTPClient(cfg *config) *httpClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * cfg.workers,
		MaxIdleConnsPerHost: 2 * cfg.workers,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     64 << 10,
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("User-Agent", "ember-otlpload")
	if cfg.gzip {
		h.Set("Content-Encoding", "gzip")
	}
	if cfg.apiKey != "" {
		h.Set("Authorization", "Bearer "+cfg.apiKey)
	}
	return &httpClient{hc: &http.Client{Transport: tr}, url: cfg.httpURL, header: h}
}

func (c *httpClient) send(ctx context.Context, p *payload) attempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, newBodyReader(p))
	if err != nil {
		return attempt{verdict: failed, err: err}
	}
	req.ContentLength = int64(len(p.buf))
	req.GetBody = func() (io.ReadCloser, error) { return newBodyReader(p), nil }
	req.Header = c.header.Clone()
	resp, err := c.hc.Do(req)
	if err != nil {
		return attempt{verdict: failed, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode/100 == 2:
		if err != nil {
			return attempt{verdict: failed, err: fmt.Errorf("read reply: %w", err)}
		}
		return partialSuccess(body, resp.Header.Get("Content-Type"))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return attempt{verdict: rejected, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
			err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	default:
		return attempt{verdict: failed, err: fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(body))}
	}
}

func (c *httpClient) wireBytes() int64 { return -1 }

func (c *httpClient) close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// partialSuccess reads an ExportTraceServiceResponse; an empty reply is a
// full success.
func partialSuccess(body []byte, contentType string) attempt {
	if len(body) == 0 {
		return attempt{verdict: acked}
	}
	resp := ptraceotlp.NewExportResponse()
	var err error
	if strings.Contains(contentType, "json") {
		err = resp.UnmarshalJSON(body)
	} else {
		err = resp.UnmarshalProto(body)
	}
	if err != nil {
		return attempt{verdict: failed, err: fmt.Errorf("bad export reply: %w", err)}
	}
	ps := resp.PartialSuccess()
	a := attempt{verdict: acked, rejectedSpans: ps.RejectedSpans()}
	if a.rejectedSpans > 0 {
		a.err = fmt.Errorf("partial success: %d spans rejected: %s", a.rejectedSpans, ps.ErrorMessage())
	}
	return a
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 if absent or bad.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// grpcClient calls TraceService/Export over one connection with a
// pass-through codec, so the pre-marshalled bytes go out as they are; gRPC
// gzips them itself when -gzip is on.
type grpcClient struct {
	cc   *grpc.ClientConn
	opts []grpc.CallOption
	md   metadata.MD
	wire atomic.Int64
}

func newGRPCClient(cfg *config) (*grpcClient, error) {
	c := &grpcClient{opts: []grpc.CallOption{grpc.ForceCodecV2(rawCodec{})}}
	if cfg.gzip {
		c.opts = append(c.opts, grpc.UseCompressor(gzip.Name))
	}
	if cfg.apiKey != "" {
		c.md = metadata.Pairs("authorization", "Bearer "+cfg.apiKey)
	}
	cc, err := grpc.NewClient(cfg.grpcAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(wireCounter{&c.wire}),
		grpc.WithWriteBufferSize(64<<10),
	)
	if err != nil {
		return nil, fmt.Errorf("grpc client: %w", err)
	}
	c.cc = cc
	return c, nil
}

// waitReady connects and waits until the connection is usable, so that a
// server that is not there fails the run at once instead of being retried
// as UNAVAILABLE.
func (c *grpcClient) waitReady(ctx context.Context) error {
	c.cc.Connect()
	for {
		s := c.cc.GetState()
		if s == connectivity.Ready {
			return nil
		}
		if !c.cc.WaitForStateChange(ctx, s) {
			return fmt.Errorf("grpc: %s not ready (last state %s)", c.cc.Target(), s)
		}
	}
}

func (c *grpcClient) send(ctx context.Context, p *payload) attempt {
	if c.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, c.md)
	}
	var reply []byte
	err := c.cc.Invoke(ctx, exportMethod, p, &reply, c.opts...)
	if err == nil {
		return partialSuccess(reply, "")
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.ResourceExhausted, codes.Unavailable:
		a := attempt{verdict: rejected, err: err}
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
				a.retryAfter = ri.GetRetryDelay().AsDuration()
			}
		}
		return a
	}
	return attempt{verdict: failed, err: err}
}

func (c *grpcClient) wireBytes() int64 { return c.wire.Load() }

func (c *grpcClient) close() error { return c.cc.Close() }

// wireCounter counts compressed message bytes plus gRPC framing, per
// attempt, as gRPC reports them.
type wireCounter struct{ n *atomic.Int64 }

func (wireCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (wireCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (wireCounter) HandleConn(context.Context, stats.ConnStats) {}
func (w wireCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	if p, ok := s.(*stats.OutPayload); ok {
		w.n.Add(int64(p.WireLength))
	}
}
