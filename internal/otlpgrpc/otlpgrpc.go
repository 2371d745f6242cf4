// Package otlpgrpc serves OTLP's gRPC TraceService/Export.
package otlpgrpc

import (
	"context"
	"errors"
	"log/slog"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed exports
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/ingest"
)

// Options configure the gRPC server.
type Options struct {
	Ingester  ingest.Ingester
	Converter *ingest.Converter
	// MaxRequestBytes caps a message, after decompression.
	MaxRequestBytes int64
	Logger          *slog.Logger
	// Authorize, when set, checks every call's "authorization" metadata
	// ("Bearer <token>", "" when absent) and returns an EUNAUTHORIZED or
	// EFORBIDDEN error to refuse it (UNAUTHENTICATED, PERMISSION_DENIED).
	Authorize func(ctx context.Context, authorization string) error
}

// NewServer returns a gRPC server with the OTLP trace service registered.
func NewServer(opts Options) *grpc.Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &traceService{opts: opts}
	srvOpts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(int(opts.MaxRequestBytes)),
		// Refuse before the message is read and decoded when full.
		grpc.InTapHandle(s.admit),
	}
	if opts.Authorize != nil {
		srvOpts = append(srvOpts, grpc.UnaryInterceptor(s.authorize))
	}
	srv := grpc.NewServer(srvOpts...)
	ptraceotlp.RegisterGRPCServer(srv, s)
	return srv
}

type traceService struct {
	ptraceotlp.UnimplementedGRPCServer
	opts Options
}

func (s *traceService) admit(ctx context.Context, _ *tap.Info) (context.Context, error) {
	if err := s.opts.Ingester.Admit(); err != nil {
		return nil, toStatus(err)
	}
	return ctx, nil
}

// authorize is the unary interceptor that applies Options.Authorize. The
// bearer comes from the "authorization" metadata (gRPC lower-cases keys),
// else from "api_key" as phoenix-mcp sends it over HTTP.
func (s *traceService) authorize(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	authorization := ""
	if v := md.Get("authorization"); len(v) > 0 {
		authorization = v[0]
	} else if v := md.Get("api_key"); len(v) > 0 {
		authorization = "Bearer " + v[0]
	}
	if err := s.opts.Authorize(ctx, authorization); err != nil {
		if c := ember.ErrorCode(err); c != ember.EUNAUTHORIZED && c != ember.EFORBIDDEN {
			s.opts.Logger.Error("grpc authorization failed", "err", err)
		}
		return nil, toStatus(err)
	}
	return handler(ctx, req)
}

// Export stores the request's spans and answers once they are durable.
func (s *traceService) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	spans, invalid := s.opts.Converter.Convert(req.Traces(), "")
	if err := s.opts.Ingester.Write(ctx, spans); err != nil {
		if ember.ErrorCode(err) == ember.EINTERNAL && !errors.Is(err, context.Canceled) {
			s.opts.Logger.Error("grpc export failed", "err", err)
		}
		return ptraceotlp.NewExportResponse(), toStatus(err)
	}
	resp := ptraceotlp.NewExportResponse()
	ingest.SetPartialSuccess(resp, invalid)
	return resp, nil
}

// toStatus maps an error to its gRPC status: a full queue is
// RESOURCE_EXHAUSTED, which OTLP exporters retry.
func toStatus(err error) error {
	switch {
	case errors.Is(err, ingest.ErrFull):
		return status.Error(codes.ResourceExhausted, ember.ErrorMessage(err))
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	switch ember.ErrorCode(err) {
	case ember.EUNAVAILABLE:
		return status.Error(codes.Unavailable, ember.ErrorMessage(err))
	case ember.EINVALID, ember.EUNPROCESSABLE:
		return status.Error(codes.InvalidArgument, ember.ErrorMessage(err))
	case ember.EUNAUTHORIZED:
		return status.Error(codes.Unauthenticated, ember.ErrorMessage(err))
	case ember.EFORBIDDEN:
		return status.Error(codes.PermissionDenied, ember.ErrorMessage(err))
	default:
		return status.Error(codes.Internal, ember.ErrorMessage(err))
	}
}
