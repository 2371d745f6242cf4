// Package client is a Go SDK for Ember's REST API, which is wire-compatible
// with Arize Phoenix's, so it also talks to a Phoenix server.
//
// New configures a Client the way Phoenix's own clients configure
// themselves: the base URL from PHOENIX_HOST when it is a URL, else
// PHOENIX_ENDPOINT, else PHOENIX_COLLECTOR_ENDPOINT, else PHOENIX_HOST and
// PHOENIX_PORT as the Python client reads them,
// defaulting to http://localhost:6006; an API key from PHOENIX_API_KEY,
// sent as a bearer token; and extra headers from PHOENIX_CLIENT_HEADERS.
// Options override the environment.
//
// Every list has two forms: List returns one page and the cursor of the
// next ("" on the last page), and All walks every page as an iterator:
//
//	c, err := client.New(client.WithBaseURL("http://localhost:6006"))
//	if err != nil {
//		return err
//	}
//	for span, err := range c.Spans.All(ctx, "default", client.SpanFilter{RootsOnly: true}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(span.Name, span.Attributes["input.value"])
//	}
//
// A reply other than 2xx is returned as an *Error; IsNotFound and its
// siblings test for the common statuses through any wrapping.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
)

// Client calls the REST API of one server. It is safe for concurrent use.
type Client struct {
	Projects *ProjectService
	Spans    *SpanService
	Traces   *TraceService
	Sessions *SessionService
	Datasets *DatasetService
	Prompts  *PromptService
	Users    *UserService
	APIKeys  *APIKeyService
	// Experiments calls the experiment routes.
	Experiments *ExperimentService
	// Annotations and AnnotationConfigs call the annotation, note and
	// annotation config routes.
	Annotations *AnnotationService
	// Evaluations sends evaluations the way older clients do.
	Evaluations       *EvaluationService
	AnnotationConfigs *AnnotationConfigService

	baseURL    string // no trailing slash; paths start with one
	httpClient *http.Client
	header     http.Header // sent with every request
}

// Option configures New.
type Option func(*options)

type options struct {
	baseURL    string
	apiKey     string
	header     http.Header
	httpClient *http.Client
	getenv     func(string) string
}

// WithBaseURL sets the server's URL, such as "http://localhost:6006" or
// "https://example.com/phoenix" behind a proxy; it wins over the
// environment.
func WithBaseURL(u string) Option {
	return func(o *options) { o.baseURL = u }
}

// WithAPIKey sets the key sent as "Authorization: Bearer <key>"; it wins
// over PHOENIX_API_KEY and over an Authorization header from
// PHOENIX_CLIENT_HEADERS.
func WithAPIKey(key string) Option {
	return func(o *options) { o.apiKey = key }
}

// WithHeaders adds headers to every request, replacing any of the same name
// from PHOENIX_CLIENT_HEADERS. Calls accumulate.
func WithHeaders(h http.Header) Option {
	return func(o *options) {
		if o.header == nil {
			o.header = http.Header{}
		}
		for k, vs := range h {
			o.header.Del(k)
			for _, v := range vs {
				o.header.Add(k, v)
			}
		}
	}
}

// WithHTTPClient sets the HTTP client, for timeouts, proxies, TLS or
// tests. The default shares http.DefaultTransport, which also asks for and
// decodes gzip replies.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) { o.httpClient = hc }
}

// WithEnviron replaces os.Getenv as the source of PHOENIX_* variables, so
// that tests and programs with their own configuration do not depend on the
// process environment. Pass a function returning "" to ignore it entirely.
func WithEnviron(getenv func(key string) string) Option {
	return func(o *options) { o.getenv = getenv }
}

// New returns a Client configured by opts and, for what they leave unset,
// by the PHOENIX_* environment variables. It fails on a base URL that is
// not an absolute http or https URL and on a malformed
// PHOENIX_CLIENT_HEADERS or PHOENIX_PORT.
func New(opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := resolveConfig(o)
	if err != nil {
		return nil, err
	}
	c := &Client{baseURL: cfg.baseURL, header: cfg.header, httpClient: o.httpClient}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	c.Projects = &ProjectService{client: c}
	c.Spans = &SpanService{client: c}
	c.Traces = &TraceService{client: c}
	c.Sessions = &SessionService{client: c}
	c.Datasets = &DatasetService{client: c}
	c.Experiments = &ExperimentService{client: c}
	c.Prompts = &PromptService{client: c}
	c.Users = &UserService{client: c}
	c.APIKeys = &APIKeyService{client: c}
	c.Annotations = &AnnotationService{client: c}
	c.Evaluations = &EvaluationService{client: c}
	c.AnnotationConfigs = &AnnotationConfigService{client: c}
	return c, nil
}

// BaseURL returns the URL the client sends requests under, as resolved by
// New, without a trailing slash.
func (c *Client) BaseURL() string {
	return c.baseURL
}

// Header returns a copy of the headers sent with every request (the API
// key's Authorization among them), for programs that call the same server
// another way, such as an OTLP exporter.
func (c *Client) Header() http.Header {
	return c.header.Clone()
}

// maxErrorBody caps how much of a failed reply is read into an *Error.
const maxErrorBody = 1 << 20

// do sends one request, with in (if non-nil) as its JSON body, and decodes
// a successful reply into out (if non-nil). path is already escaped.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	resp, err := c.send(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Drain what is left so the connection can be reused.
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	// Phoenix serves its web UI for any GET it has no route for, with a
	// 200; a wrong base URL or an older server then answers with HTML.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		return fmt.Errorf("%s %s: the server answered with an HTML page, not JSON: is %s the REST API of an Ember or Phoenix server that has this route?", method, path, c.baseURL)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s reply: %w", method, path, err)
	}
	return nil
}

// send sends one request, with in (if non-nil) as its JSON body, and
// returns a successful reply for the caller to read and close; any other
// status is returned as an *Error.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in any) (*http.Response, error) {
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body io.Reader
	contentType := "application/json"
	if raw, ok := in.(rawBody); ok {
		body, contentType = bytes.NewReader(raw.data), raw.contentType
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s request: %w", method, path, err)
	}
	req.Header = c.header.Clone()
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, err // a *url.Error, which already names the method and URL
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, newError(method, path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return resp, nil
}

// endpoint builds an escaped path from format and identifiers, each
// escaped as one path segment: project names and session ids may hold
// spaces, slashes or colons. An empty identifier is refused, since the
// path would then name another route.
func endpoint(format string, identifiers ...string) (string, error) {
	escaped := make([]any, len(identifiers))
	for i, id := range identifiers {
		if id == "" {
			return "", fmt.Errorf("%s: empty identifier", strings.ReplaceAll(format, "%s", "{}"))
		}
		escaped[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, escaped...), nil
}

// userAgent names this SDK and, when the program was built with it as a
// module dependency, its version.
var userAgent = sync.OnceValue(func() string {
	const name = "ember-go"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return name
	}
	version := ""
	if info.Main.Path == modulePath {
		version = info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == modulePath {
			version = dep.Version
		}
	}
	if version == "" || version == "(devel)" {
		return name
	}
	return name + "/" + version
})

const modulePath = "github.com/emberhq/ember"

// rawBody is a request body sent as it is, with its content type.
type rawBody struct {
	contentType string
	data        []byte
}
