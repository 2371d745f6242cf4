package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/emberhq/ember"
)

// Ember describes its own HTTP API: GET /openapi.json is a hand-written
// OpenAPI 3.1 document, and GET /docs renders it with a vendored Swagger UI.
// openapi_test.go checks that the document names exactly the routes that
// are registered.

// openAPIDocument is the API description; versionPlaceholder in it is
// replaced by Ember's version when it is served.
//
//go:embed openapi.json
var openAPIDocument []byte

// versionPlaceholder is info.version in openapi.json, quotes included.
const versionPlaceholder = `"EMBER_VERSION"`

// apiDocsFiles holds the docs page, its script, and Swagger UI (vendored
// from swagger-ui-dist; see apidocs/NOTICE).
//
//go:embed apidocs/index.html apidocs/docs.js apidocs/swagger-ui-bundle.js apidocs/swagger-ui.css
//go:embed apidocs/LICENSE apidocs/NOTICE apidocs/swagger-ui-bundle.js.LICENSE.txt
var apiDocsFiles embed.FS

// apiDocsAssets are the files served under /docs/, besides the page.
var apiDocsAssets = []string{
	"docs.js",
	"swagger-ui-bundle.js",
	"swagger-ui.css",
	"LICENSE",
	"NOTICE",
	"swagger-ui-bundle.js.LICENSE.txt",
}

// immutable is the Cache-Control of an asset requested under its current
// content hash: that URL never serves other bytes.
const immutable = "public, max-age=31536000, immutable"

func (h *Handler) registerAPIDocRoutes(mux *http.ServeMux) {
	d := &apiDocs{}
	mux.HandleFunc("GET /openapi.json", d.handleDocument)
	mux.HandleFunc("GET /docs", d.handlePage)
	mux.HandleFunc("GET /docs/{$}", d.handlePageSlash)
	mux.HandleFunc("GET /docs/{asset}", d.handleAsset)
}

// apiDocs serves the API description and its docs page. Both are built on
// first use, from embedded files, and kept.
type apiDocs struct {
	once     sync.Once
	err      error
	document *asset
	page     *asset
	assets   map[string]*asset
}

func (d *apiDocs) load() error {
	d.once.Do(func() { d.err = d.build() })
	return d.err
}

func (d *apiDocs) build() error {
	version, err := json.Marshal(ember.Version)
	if err != nil {
		return fmt.Errorf("encode version: %w", err)
	}
	if n := bytes.Count(openAPIDocument, []byte(versionPlaceholder)); n != 1 {
		return fmt.Errorf("openapi.json: want one %s, found %d", versionPlaceholder, n)
	}
	d.document = newAsset("application/json", bytes.Replace(openAPIDocument, []byte(versionPlaceholder), version, 1))

	d.assets = make(map[string]*asset, len(apiDocsAssets))
	for _, name := range apiDocsAssets {
		b, err := apiDocsFiles.ReadFile("apidocs/" + name)
		if err != nil {
			return fmt.Errorf("read docs asset: %w", err)
		}
		d.assets[name] = newAsset(contentTypeOf(name), b)
	}

	// The page names its assets relative to itself (/docs, so docs/...),
	// which keeps it working under a path prefix, and with their content
	// hash, which lets browsers keep them until they change.
	tmpl, err := template.ParseFS(apiDocsFiles, "apidocs/index.html")
	if err != nil {
		return fmt.Errorf("parse docs page: %w", err)
	}
	href := func(name string) string { return "docs/" + name + "?v=" + d.assets[name].hash }
	var page bytes.Buffer
	if err := tmpl.Execute(&page, map[string]string{
		"Stylesheet": href("swagger-ui.css"),
		"Bundle":     href("swagger-ui-bundle.js"),
		"Init":       href("docs.js"),
	}); err != nil {
		return fmt.Errorf("render docs page: %w", err)
	}
	d.page = newAsset("text/html; charset=utf-8", page.Bytes())
	return nil
}

func (d *apiDocs) handleDocument(w http.ResponseWriter, r *http.Request) {
	if err := d.load(); err != nil {
		WriteText(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	d.document.serve(w, r, "no-cache")
}

func (d *apiDocs) handlePage(w http.ResponseWriter, r *http.Request) {
	if err := d.load(); err != nil {
		WriteText(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	d.page.serve(w, r, "no-cache")
}

// handlePageSlash sends /docs/ to /docs, where the page's relative URLs
// resolve. The Location is relative too, so that the redirect keeps a path
// prefix that a proxy or the server stripped from the request.
func (d *apiDocs) handlePageSlash(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", "../docs")
	w.WriteHeader(http.StatusMovedPermanently)
}

func (d *apiDocs) handleAsset(w http.ResponseWriter, r *http.Request) {
	if err := d.load(); err != nil {
		WriteText(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	a, ok := d.assets[r.PathValue("asset")]
	if !ok {
		WriteText(w, http.StatusNotFound, "Not Found")
		return
	}
	cache := "no-cache"
	if r.URL.Query().Get("v") == a.hash {
		cache = immutable
	}
	a.serve(w, r, cache)
}

// asset is a file served from memory, gzip-compressed for clients that
// take it.
type asset struct {
	contentType string
	body        []byte
	hash        string // hex prefix of the SHA-256 of body
	gzipped     func() []byte
}

func newAsset(contentType string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{contentType: contentType, body: body, hash: hex.EncodeToString(sum[:8])}
	a.gzipped = sync.OnceValue(func() []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil || buf.Len() >= len(body) {
			return nil
		}
		return buf.Bytes()
	})
	return a
}

// serve writes the asset, or 304 when the client holds it already. The
// gzip and identity encodings are told apart by their ETags.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	header := w.Header()
	header.Set("Content-Type", a.contentType)
	header.Set("Cache-Control", cacheControl)
	header.Set("X-Content-Type-Options", "nosniff")
	if !slices.Contains(header.Values("Vary"), "Accept-Encoding") {
		header.Add("Vary", "Accept-Encoding")
	}
	body, etag := a.body, `"`+a.hash+`"`
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			body, etag = gz, `"`+a.hash+`-gzip"`
			header.Set("Content-Encoding", "gzip")
		}
	}
	header.Set("ETag", etag)
	if etagListed(r.Header.Get("If-None-Match"), etag) {
		header.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip.
func acceptsGzip(acceptEncoding string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for part := range strings.SplitSeq(acceptEncoding, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			anyQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// etagListed reports whether an If-None-Match header names etag, compared
// weakly as RFC 9110 asks for GET.
func etagListed(ifNoneMatch, etag string) bool {
	for tag := range strings.SplitSeq(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// contentTypeOf names the media type of a docs asset.
func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}
