package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

// undocumentedRoutes are registered patterns that openapi.json leaves out
// on purpose.
var undocumentedRoutes = map[string]bool{
	"GET /docs/{$}":     true, // redirects to /docs
	"GET /docs/{asset}": true, // the docs page's scripts, styles and licenses
}

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	served := servedRoutes(t)
	documented := documentedRoutes(t)
	var problems []string
	for route, pattern := range served {
		if !documented[route] && !undocumentedRoutes[pattern] {
			problems = append(problems, fmt.Sprintf("%s is served but not documented in openapi.json", pattern))
		}
	}
	for route := range documented {
		if _, ok := served[route]; !ok {
			problems = append(problems, fmt.Sprintf("%s is documented in openapi.json but not served", route))
		}
	}
	patterns := make(map[string]bool, len(served))
	for _, p := range served {
		patterns[p] = true
	}
	for p := range undocumentedRoutes {
		if !patterns[p] {
			problems = append(problems, fmt.Sprintf("%s is allowed to be undocumented but is not served; drop it from undocumentedRoutes", p))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// servedRoutes reads the route patterns registered by the package's
// non-test files: the string-literal first argument of every
// mux.HandleFunc and mux.Handle call. It maps "METHOD /path" as the
// document spells it to the pattern as registered.
func servedRoutes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			if recv, ok := sel.X.(*ast.Ident); !ok || recv.Name != "mux" {
				return true
			}
			pos := fset.Position(call.Pos())
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: the route pattern is not a string literal, so this test cannot check it", pos)
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Errorf("%s: %v", pos, err)
				return true
			}
			route, err := documentedForm(pattern)
			if err != nil {
				t.Errorf("%s: %v", pos, err)
				return true
			}
			if prev, dup := routes[route]; dup {
				t.Errorf("%s: %q is registered twice (also as %q)", pos, pattern, prev)
			}
			routes[route] = pattern
			return true
		})
	}
	if len(routes) == 0 {
		t.Fatal("found no registered routes")
	}
	return routes
}

var (
	restWildcard = regexp.MustCompile(`\{([^{}]+)\.\.\.\}`)
	endWildcard  = regexp.MustCompile(`\{\$\}$`)
)

// documentedForm turns a ServeMux pattern into "METHOD /path" as an
// OpenAPI document names it: {name...} becomes {name} and {$} goes.
func documentedForm(pattern string) (string, error) {
	method, path, ok := strings.Cut(pattern, " ")
	path = strings.TrimSpace(path)
	if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("route %q: want \"METHOD /path\", so that the route can be documented", pattern)
	}
	path = restWildcard.ReplaceAllString(path, "{$1}")
	path = endWildcard.ReplaceAllString(path, "")
	return method + " " + path, nil
}

func documentedRoutes(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	for path, item := range doc.Paths {
		for _, m := range openAPIMethods {
			if _, ok := item[m]; ok {
				routes[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	return routes
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	if err := checkDuplicateKeys(json.NewDecoder(bytes.NewReader(openAPIDocument)), "#"); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc["openapi"]; got != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", got)
	}
	if n := bytes.Count(openAPIDocument, []byte(versionPlaceholder)); n != 1 {
		t.Errorf("%s occurs %d times, want once (as info.version)", versionPlaceholder, n)
	}
	if v := doc["info"].(map[string]any)["version"]; `"`+fmt.Sprint(v)+`"` != versionPlaceholder {
		t.Errorf("info.version = %v, want %s", v, versionPlaceholder)
	}

	// Every $ref resolves, and every component is used.
	used := map[string]bool{}
	walkJSON(doc, "#", func(at string, obj map[string]any) {
		ref, ok := obj["$ref"].(string)
		if !ok {
			return
		}
		if _, err := resolvePointer(doc, ref); err != nil {
			t.Errorf("%s: $ref %s: %v", at, ref, err)
		}
		used[ref] = true
	})
	components, _ := doc["components"].(map[string]any)
	for kind, group := range components {
		if kind == "securitySchemes" {
			continue // used by name in security requirements, not by $ref
		}
		for name := range group.(map[string]any) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never referenced", ref)
			}
		}
	}
	schemes, _ := components["securitySchemes"].(map[string]any)
	checkSecurity := func(at string, v any) {
		reqs, _ := v.([]any)
		for _, r := range reqs {
			for name := range r.(map[string]any) {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not declared", at, name)
				}
			}
		}
	}
	checkSecurity("security", doc["security"])

	tags := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		tags[tag.(map[string]any)["name"].(string)] = true
	}
	operationIDs := map[string]string{}
	templateParam := regexp.MustCompile(`\{([^{}]+)\}`)
	for path, v := range doc["paths"].(map[string]any) {
		item := v.(map[string]any)
		inPath := map[string]bool{}
		for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
		}
		for _, method := range openAPIMethods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(method) + " " + path

			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := operationIDs[id]; dup {
				t.Errorf("%s: operationId %q is also %s's", where, id, prev)
			}
			operationIDs[id] = where

			// Path parameters: the template's names, declared on the
			// path or the operation, required, each once.
			declared := map[string]bool{}
			seen := map[string]bool{}
			params := append(asList(item["parameters"]), asList(op["parameters"])...)
			for _, p := range params {
				param, err := resolveObject(doc, p)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				name, _ := param["name"].(string)
				in, _ := param["in"].(string)
				if key := in + " " + name; seen[key] {
					t.Errorf("%s: parameter %s is declared twice", where, key)
				} else {
					seen[key] = true
				}
				if in != "path" {
					continue
				}
				declared[name] = true
				if !inPath[name] {
					t.Errorf("%s: path parameter %q is not in the path", where, name)
				}
				if param["required"] != true {
					t.Errorf("%s: path parameter %q must be required", where, name)
				}
			}
			for name := range inPath {
				if !declared[name] {
					t.Errorf("%s: path parameter %q is not declared", where, name)
				}
			}

			for _, tag := range asList(op["tags"]) {
				if !tags[tag.(string)] {
					t.Errorf("%s: tag %q is not declared", where, tag)
				}
			}
			if sec, ok := op["security"]; ok {
				checkSecurity(where, sec)
			}
			responses, _ := op["responses"].(map[string]any)
			success := false
			for code, r := range responses {
				if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "3") { // a redirect succeeds too
					success = true
				}
				resp, err := resolveObject(doc, r)
				if err != nil {
					t.Errorf("%s %s: %v", where, code, err)
				} else if d, _ := resp["description"].(string); d == "" {
					t.Errorf("%s %s: a response needs a description", where, code)
				}
			}
			if !success {
				t.Errorf("%s: no 2xx or 3xx response", where)
			}
		}
	}
}

// checkDuplicateKeys fails on an object that names a key twice, which
// encoding/json would silently read as the last one.
func checkDuplicateKeys(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		keys := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if keys[key] {
				return fmt.Errorf("%s: key %q appears twice", at, key)
			}
			keys[key] = true
			if err := checkDuplicateKeys(dec, at+"/"+key); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := checkDuplicateKeys(dec, at+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

// walkJSON calls f on every object in v, with its JSON pointer.
func walkJSON(v any, at string, f func(at string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(at, x)
		for k, e := range x {
			walkJSON(e, at+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), f)
		}
	case []any:
		for i, e := range x {
			walkJSON(e, at+"/"+strconv.Itoa(i), f)
		}
	}
}

// resolvePointer finds the value a local reference ("#/a/b") names.
func resolvePointer(doc any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, errors.New("only references within the document are allowed")
	}
	v := doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if v, ok = obj[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return v, nil
}

// resolveObject follows v's $ref, if it has one, to an object.
func resolveObject(doc, v any) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%v is not an object", v)
	}
	ref, ok := obj["$ref"].(string)
	if !ok {
		return obj, nil
	}
	target, err := resolvePointer(doc, ref)
	if err != nil {
		return nil, fmt.Errorf("$ref %s: %w", ref, err)
	}
	return resolveObject(doc, target)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// docsHandler serves the routes of a Handler without services, which is
// enough for the document and the docs page.
func docsHandler() http.Handler {
	mux := http.NewServeMux()
	(&Handler{}).Register(mux)
	return mux
}

func docsGet(h http.Handler, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestOpenAPIServed(t *testing.T) {
	h := docsHandler()
	rec := docsGet(h, "/openapi.json", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q", got)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Version != ember.Version {
		t.Errorf("openapi %q, info.version %q; want 3.1.0 and %q", doc.OpenAPI, doc.Info.Version, ember.Version)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	t.Run("NotModified", func(t *testing.T) {
		rec := docsGet(h, "/openapi.json", map[string]string{"If-None-Match": `"other", ` + etag})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("status %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		gz := docsGet(h, "/openapi.json", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
		if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("headers %v, want gzip varying by Accept-Encoding", gz.Header())
		}
		if gz.Header().Get("ETag") == etag {
			t.Error("the gzip encoding has the identity encoding's ETag")
		}
		if got := gunzip(t, gz.Body.Bytes()); !bytes.Equal(got, rec.Body.Bytes()) {
			t.Error("the gzip body does not decompress to the document")
		}
		if gz.Body.Len() >= rec.Body.Len()/3 {
			t.Errorf("gzip body is %d bytes for %d", gz.Body.Len(), rec.Body.Len())
		}
	})
	t.Run("GzipRefused", func(t *testing.T) {
		rec := docsGet(h, "/openapi.json", map[string]string{"Accept-Encoding": "gzip;q=0, *"})
		if rec.Header().Get("Content-Encoding") != "" {
			t.Error("compressed although gzip;q=0")
		}
	})
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAPIDocsPage(t *testing.T) {
	h := docsHandler()
	rec := docsGet(h, "/docs", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	page := rec.Body.String()
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page loads something from another site")
	}

	// Every URL in the page is relative, so that it resolves under a
	// path prefix, and names an asset that loads.
	links := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	loaded := map[string]bool{}
	for _, m := range links {
		link := m[1]
		u, err := url.Parse(link)
		if err != nil {
			t.Errorf("%q: %v", link, err)
			continue
		}
		if u.Scheme == "data" {
			continue
		}
		if u.IsAbs() || strings.HasPrefix(link, "/") {
			t.Errorf("%q is not relative to the page", link)
			continue
		}
		prefixed := mustParseURL(t, "http://ember.test/phoenix/docs").ResolveReference(u)
		if !strings.HasPrefix(prefixed.Path, "/phoenix/") {
			t.Errorf("%q leaves the /phoenix prefix: %s", link, prefixed.Path)
		}
		if link == "openapi.json" {
			continue // the noscript pointer to the document
		}
		target := mustParseURL(t, "http://ember.test/docs").ResolveReference(u)
		name := strings.TrimPrefix(target.Path, "/docs/")
		loaded[name] = true
		asset := docsGet(h, target.RequestURI(), nil)
		if asset.Code != http.StatusOK {
			t.Errorf("%s: status %d", target.RequestURI(), asset.Code)
			continue
		}
		if got := asset.Header().Get("Cache-Control"); got != immutable {
			t.Errorf("%s: Cache-Control %q, want %q", name, got, immutable)
		}
		if got, want := asset.Header().Get("Content-Type"), contentTypeOf(name); got != want {
			t.Errorf("%s: Content-Type %q, want %q", name, got, want)
		}
		want, err := apiDocsFiles.ReadFile("apidocs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(asset.Body.Bytes(), want) {
			t.Errorf("%s: the body is not the embedded file", name)
		}
	}
	for _, name := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "docs.js"} {
		if !loaded[name] {
			t.Errorf("the page does not load %s", name)
		}
	}

	script, _ := apiDocsFiles.ReadFile("apidocs/docs.js")
	if !bytes.Contains(script, []byte(`"openapi.json"`)) || bytes.Contains(script, []byte("://")) {
		t.Error("docs.js should load openapi.json by a relative URL and nothing from another site")
	}

	t.Run("Slash", func(t *testing.T) {
		rec := docsGet(h, "/docs/", nil)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusMovedPermanently || loc != "../docs" {
			t.Fatalf("status %d, Location %q", rec.Code, loc)
		}
		if got := mustParseURL(t, "http://ember.test/phoenix/docs/").ResolveReference(mustParseURL(t, loc)).Path; got != "/phoenix/docs" {
			t.Errorf("under /phoenix the redirect goes to %s", got)
		}
	})
	t.Run("UnversionedAsset", func(t *testing.T) {
		rec := docsGet(h, "/docs/swagger-ui.css?v=stale", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") == "" {
			t.Errorf("status %d, headers %v: want 200, revalidated by ETag", rec.Code, rec.Header())
		}
	})
	t.Run("License", func(t *testing.T) {
		rec := docsGet(h, "/docs/LICENSE", nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Apache License") {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("UnknownAsset", func(t *testing.T) {
		for _, target := range []string{"/docs/index.html", "/docs/swagger-ui-bundle.js.map", "/docs/nope"} {
			if rec := docsGet(h, target, nil); rec.Code != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", target, rec.Code)
			}
		}
	})
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSwaggerUINotice checks that apidocs/NOTICE names the version of the
// vendored bundle.
func TestSwaggerUINotice(t *testing.T) {
	notice, _ := apiDocsFiles.ReadFile("apidocs/NOTICE")
	bundle, _ := apiDocsFiles.ReadFile("apidocs/swagger-ui-bundle.js")
	m := regexp.MustCompile(`PACKAGE_VERSION:"([0-9.]+)"`).FindSubmatch(bundle)
	if m == nil {
		t.Fatal("no PACKAGE_VERSION in swagger-ui-bundle.js")
	}
	if want := "swagger-ui-dist " + string(m[1]); !bytes.Contains(notice, []byte(want)) {
		t.Errorf("apidocs/NOTICE does not name %q, the bundle's version", want)
	}
}

func TestAcceptsGzip(t *testing.T) {
	f := func(header string, want bool) {
		t.Helper()
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v", header, got)
		}
	}
	f("", false)
	f("gzip", true)
	f("GZIP", true)
	f("deflate, gzip;q=1.0, *;q=0.5", true)
	f("gzip;q=0", false)
	f("gzip; q=0.0, *", false) // an explicit refusal beats the wildcard
	f("*", true)
	f("*;q=0", false)
	f("br, deflate", false)
	f("x-gzip", true)
}

func TestETagListed(t *testing.T) {
	f := func(header, etag string, want bool) {
		t.Helper()
		if got := etagListed(header, etag); got != want {
			t.Errorf("etagListed(%q, %q) = %v", header, etag, got)
		}
	}
	f("", `"a"`, false)
	f(`"a"`, `"a"`, true)
	f(`W/"a"`, `"a"`, true)
	f(`"b", "a"`, `"a"`, true)
	f(`"b"`, `"a"`, false)
	f("*", `"a"`, true)
}

// TestDocumentedForm checks documentedForm on the pattern shapes ServeMux
// takes.
func TestDocumentedForm(t *testing.T) {
	f := func(pattern, want string) {
		t.Helper()
		got, err := documentedForm(pattern)
		if want == "" {
			if err == nil {
				t.Errorf("documentedForm(%q) = %q, want an error", pattern, got)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("documentedForm(%q) = %q, %v; want %q", pattern, got, err, want)
		}
	}
	f("GET /v1/projects/{project_identifier}", "GET /v1/projects/{project_identifier}")
	f("GET /files/{path...}", "GET /files/{path}")
	f("GET /docs/{$}", "GET /docs/")
	f("/v1/projects", "")
	f("get /v1/projects", "")
	f("GET example.com/x", "")
}
