package httpapi

import (
	"bufio"
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/upload"
)

// The seed-era evaluation routes serve Phoenix's older Python clients
// (px.Client().log_evaluations and get_evaluations). Evaluations are stored
// as annotations made by an LLM; newer clients use the annotation routes.

// maxEvaluationBody caps an evaluation body, before and after gzip.
const maxEvaluationBody = 64 << 20

// evaluationTargets are the targets GET /v1/evaluations exports, in the
// order the tables are written.
var evaluationTargets = []ember.AnnotationTarget{ember.AnnotationTargetTrace, ember.AnnotationTargetSpan, ember.AnnotationTargetDocument}

func (h *Handler) registerEvaluationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/evaluations", h.handleEvaluationsPost)
	mux.HandleFunc("GET /v1/evaluations", h.handleEvaluationsGet)
}

// handleEvaluationsPost takes one evaluation as a protobuf message, or a
// table of them as an Arrow stream, and queues them for storing: their
// spans and traces may not have arrived yet.
func (h *Handler) handleEvaluationsPost(w http.ResponseWriter, r *http.Request) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var anns []*ember.Annotation
	switch mediaType {
	case "application/x-protobuf":
		var body io.Reader = http.MaxBytesReader(w, r.Body, maxEvaluationBody)
		switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
		case "", "identity":
		case "gzip":
			zr, err := gzip.NewReader(body)
			if err != nil {
				WriteText(w, http.StatusUnprocessableEntity, "Request body is invalid")
				return
			}
			body = zr
		default:
			WriteText(w, http.StatusUnsupportedMediaType, "Unsupported content encoding")
			return
		}
		b, err := io.ReadAll(io.LimitReader(body, maxEvaluationBody+1))
		if err != nil || len(b) > maxEvaluationBody {
			if len(b) > maxEvaluationBody || isTooLarge(err) {
				WriteText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", maxEvaluationBody))
				return
			}
			WriteText(w, http.StatusUnprocessableEntity, "Request body is invalid")
			return
		}
		a, err := upload.ParseEvaluationProto(b)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		anns = []*ember.Annotation{a}
	case "application/x-pandas-arrow":
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEvaluationBody))
		if err != nil {
			WriteText(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", maxEvaluationBody))
			return
		}
		if anns, err = upload.ReadEvaluationsArrow(b, r.Header.Get("evaluation-name"), 4*maxEvaluationBody); err != nil {
			h.Error(w, r, err)
			return
		}
	default:
		WriteText(w, http.StatusUnsupportedMediaType, "Unsupported content type")
		return
	}
	if len(anns) > 0 {
		if err := h.AnnotationQueue.Enqueue(anns); err != nil {
			h.Error(w, r, err)
			return
		}
	}
	writeNoContent(w)
}

func isTooLarge(err error) bool {
	_, ok := err.(*http.MaxBytesError)
	return ok
}

// handleEvaluationsGet exports a project's LLM annotations as evaluations:
// one Arrow stream per target kind and name, back to back. A project with
// none, or no such project, is a 404, which clients read as "none".
func (h *Handler) handleEvaluationsGet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("project_name")
	if name == "" {
		name = r.URL.Query().Get("project-name")
	}
	if name == "" {
		name = r.Header.Get("project-name")
	}
	if name == "" {
		name = "default"
	}
	project, err := h.Projects.FindProjectByName(r.Context(), name)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		w.WriteHeader(http.StatusNotFound)
		return
	} else if err != nil {
		h.Error(w, r, err)
		return
	}
	type table struct {
		target ember.AnnotationTarget
		name   string
		anns   []*ember.Annotation
	}
	var tables []table
	for _, target := range evaluationTargets {
		anns, err := h.Annotations.FindAnnotations(r.Context(), ember.AnnotationFilter{
			Target: target, ProjectID: project.ID, AnnotatorKinds: []ember.AnnotatorKind{ember.AnnotatorLLM},
		})
		if err != nil {
			h.Error(w, r, err)
			return
		}
		byName := map[string][]*ember.Annotation{}
		var names []string
		for i := len(anns) - 1; i >= 0; i-- { // oldest first
			a := anns[i]
			if _, ok := byName[a.Name]; !ok {
				names = append(names, a.Name)
			}
			byName[a.Name] = append(byName[a.Name], a)
		}
		slices.Sort(names)
		for _, n := range names {
			tables = append(tables, table{target, n, byName[n]})
		}
	}
	if len(tables) == 0 {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/x-pandas-arrow")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, t := range tables {
		if err := upload.WriteEvaluationsArrow(bw, t.target, t.name, newUUID(), t.anns); err != nil {
			h.logger().Error("export evaluations", "project", project.ID, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
	_ = bw.Flush()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
