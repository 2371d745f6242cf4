// Package httpapi serves Ember's HTTP API: OTLP/HTTP ingestion, health
// checks and Phoenix's REST routes under /v1.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/auth"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/upload"
)

// Pinger checks that the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Handler holds the dependencies of the HTTP API.
type Handler struct {
	Ingester  ingest.Ingester
	Converter *ingest.Converter
	Database  Pinger
	Projects  ember.ProjectService
	Spans     ember.SpanService
	Traces    ember.TraceService
	Datasets  ember.DatasetService
	Prompts   ember.PromptService
	// Experiments serves the experiment routes, which need Datasets too.
	Experiments ember.ExperimentService
	// MaxUploadBytes caps a dataset upload; 0 means 512 MiB.
	MaxUploadBytes int64
	// UploadQueue applies dataset uploads posted without sync=true in the
	// background; nil applies them before the reply.
	UploadQueue upload.Enqueuer
	// Users and Auth serve users, API keys and the login flow; both or
	// neither.
	Users ember.UserService
	Auth  *auth.Service
	// Annotations stores annotations written with sync=true and serves
	// listings; AnnotationQueue stores the others in the background.
	Annotations       ember.AnnotationService
	AnnotationQueue   ingest.AnnotationEnqueuer
	AnnotationConfigs ember.AnnotationConfigService
	// MaxRequestBytes caps an OTLP body, before and after decompression.
	MaxRequestBytes int64
	Logger          *slog.Logger

	decodeOnce sync.Once
	decodeSem  chan struct{}
}

// Register adds the API's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/traces", h.handleOTLPTraces)
	mux.HandleFunc("GET /healthz", h.handleHealthz)
	mux.HandleFunc("GET /readyz", h.handleReadyz)
	mux.HandleFunc("GET /arize_phoenix_version", h.handleVersion)
	h.registerAPIDocRoutes(mux)
	if h.Datasets != nil {
		h.registerDatasetRoutes(mux)
	}
	if h.Datasets != nil && h.Experiments != nil {
		h.registerExperimentRoutes(mux)
	}
	if h.Prompts != nil {
		h.registerPromptRoutes(mux)
	}
	if h.Users != nil && h.Auth != nil {
		h.registerUserRoutes(mux)
	}
	if h.Projects != nil {
		h.registerProjectRoutes(mux)
		if h.Spans != nil {
			h.registerSpanRoutes(mux)
			if h.Traces != nil {
				h.registerTraceRoutes(mux)
				h.registerSessionRoutes(mux)
			}
		}
		if h.Annotations != nil && h.AnnotationQueue != nil {
			h.registerAnnotationRoutes(mux)
			h.registerEvaluationRoutes(mux)
		}
		if h.AnnotationConfigs != nil {
			h.registerAnnotationConfigRoutes(mux)
		}
	}
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// statusOf maps an application error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case ember.EINVALID:
		return http.StatusBadRequest
	case ember.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ember.EFORBIDDEN:
		return http.StatusForbidden
	case ember.ENOTFOUND:
		return http.StatusNotFound
	case ember.ECONFLICT:
		return http.StatusConflict
	case ember.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ember.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case ember.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case ember.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case ember.ETOOMANY:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// retryAfterSeconds is what a client that was refused for capacity is told
// to wait.
const retryAfterSeconds = 1

// Error writes err as a plain-text reply, as Phoenix does. Internal errors
// are logged and their details withheld.
func (h *Handler) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := ember.ErrorCode(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if r.Context().Err() != nil {
			return // the client is gone; nobody reads the reply
		}
	}
	status := statusOf(code)
	if code == ember.EINTERNAL {
		h.logger().Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	WriteText(w, status, ember.ErrorMessage(err))
}

// WriteText writes a plain-text reply.
func WriteText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

func (h *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	WriteText(w, http.StatusOK, "OK")
}

func (h *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := h.Database.Ping(r.Context()); err != nil {
		h.logger().Warn("readiness check failed", "err", err)
		WriteText(w, http.StatusServiceUnavailable, "database unreachable")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("{}"))
}

func (h *Handler) handleVersion(w http.ResponseWriter, r *http.Request) {
	WriteText(w, http.StatusOK, ember.PhoenixVersion)
}
