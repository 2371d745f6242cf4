package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
)

// runSink serves no-op OTLP receivers on the -http-url host and -grpc-addr
// until ctx ends: every request is read and discarded, never decoded, and
// answered with an empty success. It exists to measure what the generator
// itself can produce.
func runSink(ctx context.Context, cfg *config, w io.Writer) error {
	var requests, bytes atomic.Int64
	u, _ := url.Parse(cfg.httpURL) // validated in parseFlags

	hs := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		requests.Add(1)
		bytes.Add(n)
		rw.Header().Set("Content-Type", "application/x-protobuf")
		rw.WriteHeader(http.StatusOK)
	})}
	hl, err := net.Listen("tcp", u.Host)
	if err != nil {
		return err
	}
	gs := grpc.NewServer(grpc.ForceServerCodecV2(rawCodec{}), grpc.UnknownServiceHandler(
		func(_ any, stream grpc.ServerStream) error {
			var m discarded
			if err := stream.RecvMsg(&m); err != nil {
				return err
			}
			requests.Add(1)
			bytes.Add(int64(m.n))
			return stream.SendMsg(&[]byte{})
		}))
	gl, err := net.Listen("tcp", cfg.grpcAddr)
	if err != nil {
		hl.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(hl) }()
	go func() { errc <- gs.Serve(gl) }()
	fmt.Fprintf(w, "otlpload sink: http on %s, grpc on %s\n", hl.Addr(), gl.Addr())

	every := cfg.progress
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var lastReq, lastBytes int64
	for {
		select {
		case <-t.C:
			r, b := requests.Load(), bytes.Load()
			fmt.Fprintf(w, "otlpload sink: %.0f requests/s, %.1f MB/s\n",
				float64(r-lastReq)/every.Seconds(), float64(b-lastBytes)/1e6/every.Seconds())
			lastReq, lastBytes = r, b
		case err := <-errc:
			hs.Close()
			gs.Stop()
			return err
		case <-ctx.Done():
			gs.Stop()
			if err := hs.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}
