// Package otelreg sets up OpenTelemetry tracing to Ember: the Go counterpart
// of Phoenix's phoenix.otel.register (Python) and register() from
// @arizeai/phoenix-otel (JavaScript). It also has helpers that record
// OpenInference attributes (package semconv) on OpenTelemetry spans.
//
// Register builds a TracerProvider that exports spans over OTLP to an Ember
// (or Phoenix) server and tags them with the project they belong to. It
// reads the same environment variables as Phoenix's clients; options
// override them:
//
//	PHOENIX_COLLECTOR_ENDPOINT  server address (else OTEL_EXPORTER_OTLP_ENDPOINT,
//	                            else http://localhost:6006)
//	PHOENIX_PROJECT             project name (else PHOENIX_PROJECT_NAME, else "default")
//	PHOENIX_API_KEY             sent as "authorization: Bearer <key>"
//	PHOENIX_CLIENT_HEADERS      extra headers: name=value,name2=value2 (URL-encoded)
//	                            or a JSON object
//	PHOENIX_GRPC_PORT           the server's OTLP/gRPC port (default 4317)
//
// The transport is inferred from the endpoint unless WithProtocol names it:
// a URL whose path ends in /v1/traces, or any other URL, is OTLP/HTTP
// (/v1/traces is appended when missing, so http://localhost:6006 works);
// a URL with no path on the gRPC port (http://localhost:4317) is OTLP/gRPC.
// http:// endpoints are plaintext and https:// use TLS with the system's
// roots, for both transports.
//
// Differences from Phoenix's Python register, all deliberate:
//   - without a protocol, the server address goes over HTTP (Python infers
//     gRPC to port 4317 from PHOENIX_COLLECTOR_ENDPOINT; the JavaScript
//     register always uses HTTP);
//   - spans are batched by default (Python defaults to one export per span;
//     JavaScript batches), see WithBatch;
//   - the provider is not installed globally unless WithSetGlobal(true) is
//     given (both Phoenix clients install it by default), because a library
//     call should not change process-wide state behind the caller's back;
//   - PHOENIX_CLIENT_HEADERS is merged with WithHeaders rather than
//     replaced by it, and .env.phoenix files are not read.
//
// As in Phoenix, when no header comes from PHOENIX_CLIENT_HEADERS, an API key
// or WithHeaders, the exporter's own OTEL_EXPORTER_OTLP_HEADERS still apply.
package otelreg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/emberhq/ember/semconv"
)

// Environment variables read by Register.
const (
	envCollectorEndpoint = "PHOENIX_COLLECTOR_ENDPOINT"
	envOTLPEndpoint      = "OTEL_EXPORTER_OTLP_ENDPOINT" // fallback, as in Phoenix's Python client
	envProject           = "PHOENIX_PROJECT"
	envProjectName       = "PHOENIX_PROJECT_NAME"
	envAPIKey            = "PHOENIX_API_KEY"
	envClientHeaders     = "PHOENIX_CLIENT_HEADERS"
	envGRPCPort          = "PHOENIX_GRPC_PORT"
	// The SDK's own attribute-count limits; see Register.
	envSpanAttributeCountLimit = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"
	envAttributeCountLimit     = "OTEL_ATTRIBUTE_COUNT_LIMIT"
)

// DefaultProjectName is the project spans go to when none is configured.
const DefaultProjectName = "default"

// Option configures Register.
type Option func(*settings)

// settings are the options given to Register.
type settings struct {
	endpoint  string
	project   string
	protocol  Protocol
	headers   map[string]string
	apiKey    string
	batch     bool
	setGlobal bool
	resource  []attribute.KeyValue
	tpOptions []sdktrace.TracerProviderOption
	lookupEnv func(string) (string, bool)
}

// WithEndpoint sets where spans are sent, overriding
// PHOENIX_COLLECTOR_ENDPOINT: a server address such as
// http://localhost:6006, a full OTLP/HTTP URL such as
// https://ember.example.com/v1/traces, or a gRPC address such as
// http://localhost:4317. See the package documentation for how the
// transport is chosen.
func WithEndpoint(endpoint string) Option {
	return func(s *settings) { s.endpoint = endpoint }
}

// WithProjectName sets the project the spans belong to, overriding
// PHOENIX_PROJECT and PHOENIX_PROJECT_NAME. Ember creates the project when it
// receives its first span.
func WithProjectName(name string) Option {
	return func(s *settings) { s.project = name }
}

// WithProtocol sets the transport instead of inferring it from the endpoint.
func WithProtocol(p Protocol) Option {
	return func(s *settings) { s.protocol = p }
}

// WithHeaders adds headers (gRPC metadata) to every export. They are merged
// with PHOENIX_CLIENT_HEADERS, names compared case-insensitively, and win
// over it and over the API key's authorization header.
func WithHeaders(headers map[string]string) Option {
	return func(s *settings) {
		if s.headers == nil {
			s.headers = make(map[string]string, len(headers))
		}
		for k, v := range headers {
			s.headers[strings.ToLower(k)] = v
		}
	}
}

// WithAPIKey sets the API key sent as "authorization: Bearer <key>",
// overriding PHOENIX_API_KEY.
func WithAPIKey(key string) Option {
	return func(s *settings) { s.apiKey = key }
}

// WithBatch chooses how ended spans are exported: in batches from a
// background goroutine (true, the default; the SDK's batch processor
// honours OTEL_BSP_*), or synchronously, one export per span, inside
// span.End (false; Phoenix's Python default, handy in short scripts and
// tests but slow in production).
func WithBatch(batch bool) Option {
	return func(s *settings) { s.batch = batch }
}

// WithSetGlobal, when true, also installs the provider as OpenTelemetry's
// global TracerProvider and sets the global propagator to W3C trace context
// and baggage, as Phoenix's register does by default. Off by default.
func WithSetGlobal(global bool) Option {
	return func(s *settings) { s.setGlobal = global }
}

// WithResourceAttributes adds resource attributes, e.g. service.name.
// openinference.project.name is always set from the project name and cannot
// be overridden here.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return func(s *settings) { s.resource = append(s.resource, attrs...) }
}

// WithTracerProviderOptions passes options to sdktrace.NewTracerProvider
// after Register's own, so they can add span processors, set a sampler or
// replace the span limits.
func WithTracerProviderOptions(opts ...sdktrace.TracerProviderOption) Option {
	return func(s *settings) { s.tpOptions = append(s.tpOptions, opts...) }
}

// WithLookupEnv replaces os.LookupEnv as the source of the PHOENIX_*
// variables (tests, or configuration kept elsewhere). The OpenTelemetry SDK
// still reads its own OTEL_* variables from the process environment.
func WithLookupEnv(lookup func(key string) (string, bool)) Option {
	return func(s *settings) { s.lookupEnv = lookup }
}

// config is the resolved configuration.
type config struct {
	target
	project string
	headers map[string]string
	// liftAttributeLimit reports that the attribute count limit is
	// not configured through the environment; see Register.
	liftAttributeLimit bool
}

// env returns the trimmed value of an environment variable, "" when unset.
// Like Phoenix, an empty variable counts as unset.
func (s *settings) env(key string) string {
	v, _ := s.lookupEnv(key)
	return strings.TrimSpace(v)
}

// resolve combines options, environment and defaults.
func (s *settings) resolve() (config, error) {
	var c config

	c.project = firstNonEmpty(strings.TrimSpace(s.project), s.env(envProject), s.env(envProjectName), DefaultProjectName)

	grpcPort := defaultGRPCPort
	if p := s.env(envGRPCPort); p != "" {
		var err error
		if grpcPort, err = parseGRPCPort(p); err != nil {
			return config{}, err
		}
	}
	endpoint, base := strings.TrimSpace(s.endpoint), false
	if endpoint == "" {
		endpoint, base = firstNonEmpty(s.env(envCollectorEndpoint), s.env(envOTLPEndpoint), defaultEndpoint), true
	}
	switch s.protocol {
	case "", HTTPProtobuf, GRPC:
	default:
		return config{}, fmt.Errorf("unknown protocol %q: want %q or %q", s.protocol, HTTPProtobuf, GRPC)
	}
	t, err := resolveTarget(endpoint, base, s.protocol, grpcPort)
	if err != nil {
		return config{}, err
	}
	c.target = t

	headers, err := parseHeaders(s.env(envClientHeaders))
	if err != nil {
		return config{}, fmt.Errorf("parse %s: %w", envClientHeaders, err)
	}
	if key := firstNonEmpty(strings.TrimSpace(s.apiKey), s.env(envAPIKey)); key != "" {
		if headers == nil {
			headers = make(map[string]string)
		}
		// Lower-case: Phoenix's gRPC server reads the "authorization"
		// metadata key as is.
		headers["authorization"] = "Bearer " + key
	}
	for k, v := range s.headers {
		if headers == nil {
			headers = make(map[string]string)
		}
		headers[k] = v
	}
	c.headers = headers

	_, spanLimit := s.lookupEnv(envSpanAttributeCountLimit)
	_, limit := s.lookupEnv(envAttributeCountLimit)
	c.liftAttributeLimit = !spanLimit && !limit
	return c, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Register returns a TracerProvider that exports spans to Ember over OTLP,
// configured from the options, the PHOENIX_* environment variables and
// Phoenix's defaults (see the package documentation). Its resource carries
// openinference.project.name, which routes the spans to their project, on
// top of the SDK's default resource (service.name, telemetry.sdk.*,
// OTEL_RESOURCE_ATTRIBUTES).
//
// OpenInference flattens lists into one attribute per field, so a single
// chat completion can easily carry more than the SDK's default of 128
// attributes per span, and the SDK drops the rest silently. Register lifts
// the attribute count limit unless OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT or
// OTEL_ATTRIBUTE_COUNT_LIMIT is set.
//
// ctx is used only while the exporter is built. Nothing is sent until spans
// end; export errors go to OpenTelemetry's global error handler, as with
// any exporter.
//
// The caller owns the provider and must call its Shutdown before exiting:
// it flushes spans still queued (all of them, with the default batching)
// and closes the connection. Use ForceFlush to export without shutting
// down.
func Register(ctx context.Context, opts ...Option) (*sdktrace.TracerProvider, error) {
	s := settings{batch: true, lookupEnv: os.LookupEnv}
	for _, o := range opts {
		o(&s)
	}
	if s.lookupEnv == nil {
		s.lookupEnv = os.LookupEnv
	}
	c, err := s.resolve()
	if err != nil {
		return nil, fmt.Errorf("otelreg: %w", err)
	}

	// The SDK default resource has a schema URL and this one none, so the
	// merge cannot conflict; project name last, so it wins.
	attrs := append(append([]attribute.KeyValue{}, s.resource...), attribute.String(semconv.ProjectNameKey, c.project))
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attrs...))
	if err != nil {
		return nil, fmt.Errorf("otelreg: build resource: %w", err)
	}

	exp, err := newExporter(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("otelreg: create %s exporter: %w", c.protocol, err)
	}

	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if c.liftAttributeLimit {
		limits := sdktrace.NewSpanLimits()
		limits.AttributeCountLimit = -1 // unlimited
		tpOpts = append(tpOpts, sdktrace.WithRawSpanLimits(limits))
	}
	if s.batch {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	} else {
		tpOpts = append(tpOpts, sdktrace.WithSyncer(exp))
	}
	tp := sdktrace.NewTracerProvider(append(tpOpts, s.tpOptions...)...)

	if s.setGlobal {
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	}
	return tp, nil
}

// newExporter creates the OTLP exporter for c. The endpoint is passed as a
// URL so that its scheme, not OTEL_EXPORTER_OTLP_INSECURE, decides between
// plaintext and TLS.
func newExporter(ctx context.Context, c config) (sdktrace.SpanExporter, error) {
	switch c.protocol {
	case HTTPProtobuf:
		opts := []otlptracehttp.Option{
			otlptracehttp.WithEndpointURL(c.url),
			// Ember, like Phoenix, accepts protobuf only; pin it against
			// OTEL_EXPORTER_OTLP_PROTOCOL=http/json.
			otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf),
		}
		if len(c.headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(c.headers))
		}
		return otlptracehttp.New(ctx, opts...)
	case GRPC:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(c.url)}
		if len(c.headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(c.headers))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	return nil, errors.New("no protocol") // resolve always sets one
}
