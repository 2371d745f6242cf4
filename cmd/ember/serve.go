package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/emberhq/ember/internal/config"
	"github.com/emberhq/ember/internal/httpapi"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/otlpgrpc"
	"github.com/emberhq/ember/internal/pricing"
	"github.com/emberhq/ember/internal/server"
	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/postgres"
	"github.com/emberhq/ember/internal/store/sqlite"
	"github.com/emberhq/ember/internal/upload"
	"github.com/emberhq/ember/internal/web"
)

// runServe is `ember serve`: it wires every part together and serves until
// ctx ends (SIGINT, SIGTERM), then drains in-flight work and exits.
func runServe(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	started := time.Now()
	home, _ := os.UserHomeDir()
	cfg, err := config.Load(environ, args, home)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(stdout)
		return nil
	} else if err != nil {
		fmt.Fprintf(stderr, "ember serve: %v\nRun 'ember serve --help' to see every setting.\n", err)
		return errUsage
	}
	logger := newLogger(cfg, stderr)

	db, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()

	concurrency := 1 // SQLite has one writer
	if cfg.Database.Driver == "postgres" {
		concurrency = 4
	}
	writer := ingest.NewWriter(db, ingest.WriterOptions{
		MaxQueuedSpans: int64(cfg.MaxSpansQueueSize),
		MaxQueuedBytes: cfg.MaxQueueBytes,
		Concurrency:    concurrency,
		Logger:         logger,
	})
	converter := &ingest.Converter{Prices: pricing.Builtin()}
	authService, err := newAuthService(ctx, cfg, db, logger)
	if err != nil {
		writer.Close(context.Background())
		return err
	}
	defer authService.Close()
	annotations := ingest.NewAnnotationQueue(db, ingest.AnnotationQueueOptions{Logger: logger})
	uploads := upload.NewQueue(db, upload.QueueOptions{Logger: logger})

	api := &httpapi.Handler{
		Ingester:        writer,
		Converter:       converter,
		Database:        db,
		Projects:        db,
		Spans:           db,
		Traces:          db,
		Datasets:        db,
		Prompts:         db,
		Users:           db,
		Auth:            authService,
		Experiments:     db,
		MaxRequestBytes: cfg.MaxRequestBytes,
		Logger:          logger,
	}
	api.Annotations, api.AnnotationQueue, api.AnnotationConfigs = db, annotations, db
	api.UploadQueue = uploads
	mux := http.NewServeMux()
	api.Register(mux)
	ui, err := web.New(web.Handler{Projects: db, Spans: db, Traces: db, Summaries: db, Annotations: db, AnnotationConfigs: db, Users: db, RootPath: cfg.HostRootPath, Logger: logger, AuthEnabled: cfg.Auth.Enabled})
	if err != nil {
		return err
	}
	ui.Register(mux)
	mux.HandleFunc("/", server.NotFound)

	srv := &server.Server{
		HTTPAddr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		GRPCAddr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.GRPCPort)),
		RootPath: cfg.HostRootPath,
		Handler:  authService.Middleware(mux),
		GRPC: otlpgrpc.NewServer(otlpgrpc.Options{
			Ingester:        writer,
			Converter:       converter,
			MaxRequestBytes: cfg.MaxRequestBytes,
			Logger:          logger,
			Authorize:       authService.AuthorizeBearer,
		}),
		Logger: logger,
	}
	if err := srv.Listen(); err != nil {
		writer.Close(context.Background())
		annotations.Close(context.Background())
		uploads.Close(context.Background())
		return err
	}
	logger.Info("ember is serving",
		"version", emberVersion(),
		"http", srv.HTTPListenAddr().String(),
		"grpc", srv.GRPCListenAddr().String(),
		"database", cfg.Database.Driver,
		"startup", time.Since(started).Round(time.Microsecond).String())

	serveErr := srv.Serve(ctx, cfg.ShutdownTimeout)
	logger.Info("shutting down: storing queued spans, annotations and dataset uploads")
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := writer.Close(drainCtx); err != nil {
		serveErr = errors.Join(serveErr, err)
	}
	// After the spans: annotations waiting for them get their last try,
	// and uploads linking examples to spans find them.
	if err := annotations.Close(drainCtx); err != nil {
		serveErr = errors.Join(serveErr, err)
	}
	if err := uploads.Close(drainCtx); err != nil {
		serveErr = errors.Join(serveErr, err)
	}
	stats, astats, ustats := writer.Stats(), annotations.Stats(), uploads.Stats()
	logger.Info("stopped", "spans_stored", stats.Stored, "duplicates", stats.Duplicates, "rejected_requests", stats.Rejected, "failed_requests", stats.Failed,
		"annotations_stored", astats.Applied, "annotations_dropped", astats.Expired+astats.Invalid,
		"dataset_uploads_stored", ustats.Applied, "dataset_uploads_failed", ustats.Failed)
	return serveErr
}

func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*store.DB, error) {
	switch cfg.Database.Driver {
	case "postgres":
		db, err := postgres.Open(ctx, cfg.Database.PostgresURL, postgres.Options{Schema: cfg.Database.Schema, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w", err)
		}
		return db, nil
	default:
		db, err := sqlite.Open(ctx, cfg.Database.SQLitePath, sqlite.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open SQLite database %s: %w", cfg.Database.SQLitePath, err)
		}
		return db, nil
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
