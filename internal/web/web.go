// Package web serves Ember's user interface: server-rendered HTML pages
// over the same service interfaces as the REST API, with a little
// JavaScript (vendored htmx and ember.js) and no build step.
//
// Templates are embedded and parsed once, at New. Static files are served
// under paths that carry a checksum of their content, so browsers may cache
// them for good. Everything a span carries (inputs, outputs, attributes,
// events) is untrusted: html/template escapes it, and markdown is rendered
// from already-escaped text.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the UI's pages.
type Handler struct {
	Projects  ember.ProjectService
	Spans     ember.SpanService
	Traces    ember.TraceService
	Summaries ember.SummaryService
	// Annotations and AnnotationConfigs show and take human feedback in
	// the trace view and annotation summaries in the tables; Users names
	// the people who gave it. Each may be nil.
	Annotations       ember.AnnotationService
	AnnotationConfigs ember.AnnotationConfigService
	Users             ember.UserService
	// RootPath is the prefix a reverse proxy serves Ember under
	// (PHOENIX_HOST_ROOT_PATH); every link carries it.
	RootPath string
	Logger   *slog.Logger
	// Now is the clock that time ranges end at; time.Now when nil.
	Now func() time.Time
	// AuthEnabled shows the login page and a sign-out link; the auth
	// middleware keeps signed-out visitors off the other pages.
	AuthEnabled bool

	pages  map[string]*template.Template
	static map[string]staticFile // by checksummed path
	asset  map[string]string     // file name -> checksummed path
}

type staticFile struct {
	body        []byte
	contentType string
}

// pageNames are the page templates; each is parsed with layout.html and
// partials.html.
var pageNames = []string{"projects", "project", "trace", "session", "configs", "notfound"}

// New returns a Handler for the given services, with its templates parsed
// and its static files checksummed.
func New(h Handler) (*Handler, error) {
	out := &Handler{
		Projects: h.Projects, Spans: h.Spans, Traces: h.Traces, Summaries: h.Summaries,
		Annotations: h.Annotations, AnnotationConfigs: h.AnnotationConfigs, Users: h.Users,
		RootPath: strings.TrimSuffix(h.RootPath, "/"), Logger: h.Logger, Now: h.Now, AuthEnabled: h.AuthEnabled,
		pages: map[string]*template.Template{}, static: map[string]staticFile{}, asset: map[string]string{},
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := path.Base(p)
		served := "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		ct := "application/octet-stream"
		switch path.Ext(name) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		default:
			ct = "text/plain; charset=utf-8"
		}
		out.static[served] = staticFile{body: body, contentType: ct}
		out.asset[name] = served
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	funcs := out.funcs()
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		out.pages[name] = t
	}
	login, err := template.New("login").Funcs(funcs).ParseFS(templateFS, "templates/login.html")
	if err != nil {
		return nil, fmt.Errorf("parse template login: %w", err)
	}
	out.pages["login"] = login
	return out, nil
}

// Register adds the UI's routes to mux. The REST and OTLP routes, being
// more specific, keep priority; paths the UI does not know fall through to
// whatever mux answers "/" with.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, h.RootPath+"/projects", http.StatusFound)
	})
	mux.HandleFunc("GET /static/{sum}/{file}", h.serveStatic)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("GET /projects", h.projectsPage)
	protect := http.NewCrossOriginProtection()
	post := func(pattern string, fn http.HandlerFunc) { mux.Handle("POST "+pattern, protect.Handler(fn)) }
	post("/projects", h.createProject)
	post("/projects/{id}/delete", h.deleteProject)
	post("/projects/{id}/clear", h.clearProject)
	post("/projects/{id}/delete-rows", h.deleteRows)
	if h.Annotations != nil {
		post("/projects/{id}/traces/{traceID}/annotations", h.annotate)
		post("/projects/{id}/traces/{traceID}/annotations/{annID}/delete", h.deleteAnnotation)
		post("/projects/{id}/traces/{traceID}/notes", h.addNote)
		post("/projects/{id}/sessions/{sessionID}/annotations", h.annotate)
		post("/projects/{id}/sessions/{sessionID}/annotations/{annID}/delete", h.deleteAnnotation)
		post("/projects/{id}/sessions/{sessionID}/notes", h.addNote)
	}
	if h.AnnotationConfigs != nil {
		mux.HandleFunc("GET /projects/{id}/annotation-configs", h.annotationConfigsPage)
		post("/projects/{id}/annotation-configs", h.createAnnotationConfig)
		post("/projects/{id}/annotation-configs/{configID}", h.updateAnnotationConfig)
		post("/projects/{id}/annotation-configs/{configID}/delete", h.deleteAnnotationConfig)
		post("/projects/{id}/annotation-configs/{configID}/assign", h.assignAnnotationConfig)
	}
	mux.HandleFunc("GET /projects/{id}", h.projectPage)
	mux.HandleFunc("GET /projects/{id}/traces/{traceID}", h.tracePage)
	mux.HandleFunc("GET /projects/{id}/traces/{traceID}/children", h.traceChildren)
	mux.HandleFunc("GET /projects/{id}/traces/{traceID}/download", h.downloadTrace)
	mux.HandleFunc("GET /projects/{id}/sessions/{sessionID}", h.sessionPage)
	mux.HandleFunc("GET /redirects/projects/{name}", h.redirectProject)
	mux.HandleFunc("GET /redirects/traces/{traceID}", h.redirectTrace)
	mux.HandleFunc("GET /redirects/spans/{spanID}", h.redirectSpan)
	mux.HandleFunc("GET /redirects/sessions/{sessionID}", h.redirectSession)
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.body)
}

// page is what every page template gets: the shell's data and the page's.
type page struct {
	Title   string
	Nav     string // the navigation entry to highlight
	Root    string
	Range   timeRange
	Project *ember.Project // the current project, if any
	Data    any
	Flash   string
	Auth    bool // authentication is on: offer to sign out
}

// render writes a page. Rendering goes to a buffer first, so a template
// error becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Root, p.Auth = h.RootPath, h.AuthEnabled
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.Logger.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// renderFragment writes one named template of a page, for htmx.
func (h *Handler) renderFragment(w http.ResponseWriter, r *http.Request, name, fragment string, p page) {
	h.renderFragmentStatus(w, r, http.StatusOK, name, fragment, p)
}

func (h *Handler) renderFragmentStatus(w http.ResponseWriter, r *http.Request, status int, name, fragment string, p page) {
	p.Root = h.RootPath
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, fragment, p); err != nil {
		h.Logger.Error("render fragment", "fragment", fragment, "path", r.URL.Path, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	// Inline scripts are refused: a span's content that slipped past
	// escaping still could not run.
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail answers an error with a page: 404 for what does not exist, 400 for
// bad input, 500 (logged, details withheld) for the rest.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "Something went wrong; the server log has the details."
	switch ember.ErrorCode(err) {
	case ember.ENOTFOUND:
		status, msg = http.StatusNotFound, ember.ErrorMessage(err)
	case ember.EINVALID, ember.EUNPROCESSABLE:
		status, msg = http.StatusBadRequest, ember.ErrorMessage(err)
	case ember.EFORBIDDEN:
		status, msg = http.StatusForbidden, ember.ErrorMessage(err)
	case ember.ECONFLICT:
		status, msg = http.StatusConflict, ember.ErrorMessage(err)
	default:
		if r.Context().Err() != nil {
			return
		}
		h.Logger.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.render(w, r, status, "notfound", page{Title: http.StatusText(status), Range: h.timeRange(r), Data: msg})
}

// loginPage asks for an email and a password, which its script posts to
// /auth/login; the session cookies that come back open the other pages.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	// Only a path of this server: anything else could send a user who
	// just signed in to another site.
	if !strings.HasPrefix(next, h.RootPath+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = h.RootPath + "/projects"
	}
	if !h.AuthEnabled {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	var buf bytes.Buffer
	if err := h.pages["login"].ExecuteTemplate(&buf, "login", map[string]string{"Root": h.RootPath, "Next": next}); err != nil {
		h.Logger.Error("render page", "page", "login", "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, http.StatusOK, buf.Bytes())
}
