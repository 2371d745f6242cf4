// Package server runs Ember's HTTP and gRPC listeners: the middleware every
// HTTP response passes through, and start-up and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/emberhq/ember"
)

// Server is Ember's network front: HTTP (UI, REST, OTLP/HTTP) and gRPC
// (OTLP/gRPC).
type Server struct {
	HTTPAddr string
	GRPCAddr string
	// RootPath is the path prefix under which a reverse proxy serves Ember
	// ("" for none).
	RootPath string
	Handler  http.Handler
	GRPC     *grpc.Server
	Logger   *slog.Logger

	httpServer   *http.Server
	httpListener net.Listener
	grpcListener net.Listener
}

// Listen binds both ports, so that a port in use is reported at start.
func (s *Server) Listen() error {
	var err error
	if s.httpListener, err = net.Listen("tcp", s.HTTPAddr); err != nil {
		return fmt.Errorf("listen for HTTP on %s: %w", s.HTTPAddr, err)
	}
	if s.GRPC != nil {
		if s.grpcListener, err = net.Listen("tcp", s.GRPCAddr); err != nil {
			s.httpListener.Close()
			return fmt.Errorf("listen for gRPC on %s: %w", s.GRPCAddr, err)
		}
	}
	return nil
}

// HTTPListenAddr is the bound HTTP address (useful with port 0).
func (s *Server) HTTPListenAddr() net.Addr { return s.httpListener.Addr() }

// GRPCListenAddr is the bound gRPC address (useful with port 0).
func (s *Server) GRPCListenAddr() net.Addr { return s.grpcListener.Addr() }

// Serve serves until ctx ends, then stops taking requests and waits up to
// shutdownTimeout for the ones in flight, whose spans are thus stored and
// acknowledged.
func (s *Server) Serve(ctx context.Context, shutdownTimeout time.Duration) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s.httpServer = &http.Server{
		Handler:           Middleware(Gzip(s.Handler), s.RootPath, logger),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errs := make(chan error, 2)
	go func() {
		if err := s.httpServer.Serve(s.httpListener); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("serve HTTP: %w", err)
		}
	}()
	if s.GRPC != nil {
		go func() {
			if err := s.GRPC.Serve(s.grpcListener); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				errs <- fmt.Errorf("serve gRPC: %w", err)
			}
		}()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errs:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if s.GRPC != nil {
		stopped := make(chan struct{})
		go func() {
			s.GRPC.GracefulStop()
			close(stopped)
		}()
		defer func() {
			select {
			case <-stopped:
			case <-shutdownCtx.Done():
				s.GRPC.Stop()
			}
		}()
	}
	if err := s.httpServer.Shutdown(shutdownCtx); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("shut down HTTP: %w", err))
	}
	return serveErr
}

// Middleware wraps every HTTP response: Phoenix's version headers, the root
// path of a reverse proxy, and recovery from panics.
func Middleware(next http.Handler, rootPath string, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("x-phoenix-server-version", ember.PhoenixVersion)
		h.Set("x-ember-version", ember.Version)
		h.Set("x-colab-notebook-cache-control", "no-cache")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			}
		}()
		if rootPath != "" {
			// A proxy may forward the prefix or strip it: serve both.
			if p, ok := strings.CutPrefix(r.URL.Path, rootPath); ok && (p == "" || p[0] == '/') {
				r2 := r.Clone(r.Context())
				r2.URL.Path = p
				if r2.URL.Path == "" {
					r2.URL.Path = "/"
				}
				r2.URL.RawPath = ""
				r = r2
			}
		}
		next.ServeHTTP(w, r)
	})
}

// NotFound answers routes that do not exist as Phoenix does: plain text.
func NotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("Not Found"))
}
