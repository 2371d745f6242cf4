package otelreg

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// envOf returns a lookup function over env.
func envOf(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func resolveWith(env map[string]string, opts ...Option) (config, error) {
	s := settings{batch: true, lookupEnv: envOf(env)}
	for _, o := range opts {
		o(&s)
	}
	return s.resolve()
}

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []Option
		want config
	}{
		{
			name: "defaults",
			want: config{target: target{HTTPProtobuf, "http://localhost:6006/v1/traces"}, project: "default", liftAttributeLimit: true},
		},
		{
			name: "environment",
			env: map[string]string{
				"PHOENIX_COLLECTOR_ENDPOINT": "https://ember.example.com",
				"PHOENIX_PROJECT_NAME":       "chatbot",
				"PHOENIX_API_KEY":            "key1",
				"PHOENIX_CLIENT_HEADERS":     "X-Tenant=acme,authorization=Basic%20xyz",
			},
			want: config{
				target:  target{HTTPProtobuf, "https://ember.example.com/v1/traces"},
				project: "chatbot",
				// The API key beats an authorization header from
				// PHOENIX_CLIENT_HEADERS, as in Phoenix's Python client.
				headers:            map[string]string{"authorization": "Bearer key1", "x-tenant": "acme"},
				liftAttributeLimit: true,
			},
		},
		{
			name: "PHOENIX_PROJECT beats PHOENIX_PROJECT_NAME",
			env:  map[string]string{"PHOENIX_PROJECT": "canonical", "PHOENIX_PROJECT_NAME": "alias"},
			want: config{target: target{HTTPProtobuf, "http://localhost:6006/v1/traces"}, project: "canonical", liftAttributeLimit: true},
		},
		{
			name: "empty variables are unset",
			env: map[string]string{
				"PHOENIX_COLLECTOR_ENDPOINT": " ", "PHOENIX_PROJECT": "", "PHOENIX_API_KEY": "",
				"PHOENIX_CLIENT_HEADERS": "", "PHOENIX_GRPC_PORT": "",
			},
			want: config{target: target{HTTPProtobuf, "http://localhost:6006/v1/traces"}, project: "default", liftAttributeLimit: true},
		},
		{
			name: "OTEL_EXPORTER_OTLP_ENDPOINT fallback",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			want: config{target: target{HTTPProtobuf, "http://collector:4318/v1/traces"}, project: "default", liftAttributeLimit: true},
		},
		{
			name: "PHOENIX_COLLECTOR_ENDPOINT beats OTEL_EXPORTER_OTLP_ENDPOINT",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "PHOENIX_COLLECTOR_ENDPOINT": "http://ember:6006"},
			want: config{target: target{HTTPProtobuf, "http://ember:6006/v1/traces"}, project: "default", liftAttributeLimit: true},
		},
		{
			name: "gRPC to the server's gRPC port",
			env:  map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "http://ember:6006", "PHOENIX_GRPC_PORT": "14317"},
			opts: []Option{WithProtocol(GRPC)},
			want: config{target: target{GRPC, "http://ember:14317"}, project: "default", liftAttributeLimit: true},
		},
		{
			name: "options beat the environment",
			env: map[string]string{
				"PHOENIX_COLLECTOR_ENDPOINT": "http://ember:6006",
				"PHOENIX_PROJECT":            "env-project",
				"PHOENIX_API_KEY":            "env-key",
				"PHOENIX_CLIENT_HEADERS":     "x-tenant=env,x-keep=1",
			},
			opts: []Option{
				WithEndpoint("http://localhost:4317"),
				WithProjectName("opt-project"),
				WithAPIKey("opt-key"),
				WithHeaders(map[string]string{"X-Tenant": "opt"}),
			},
			want: config{
				target:             target{GRPC, "http://localhost:4317"},
				project:            "opt-project",
				headers:            map[string]string{"authorization": "Bearer opt-key", "x-tenant": "opt", "x-keep": "1"},
				liftAttributeLimit: true,
			},
		},
		{
			name: "an explicit authorization header beats the API key",
			env:  map[string]string{"PHOENIX_API_KEY": "env-key"},
			opts: []Option{WithAPIKey("opt-key"), WithHeaders(map[string]string{"Authorization": "Bearer custom"})},
			want: config{
				target:             target{HTTPProtobuf, "http://localhost:6006/v1/traces"},
				project:            "default",
				headers:            map[string]string{"authorization": "Bearer custom"},
				liftAttributeLimit: true,
			},
		},
		{
			name: "attribute limit set in the environment",
			env:  map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "64"},
			want: config{target: target{HTTPProtobuf, "http://localhost:6006/v1/traces"}, project: "default"},
		},
		{
			name: "general attribute limit set in the environment",
			env:  map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "64"},
			want: config{target: target{HTTPProtobuf, "http://localhost:6006/v1/traces"}, project: "default"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveWith(tt.env, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRegisterErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []Option
		want string
	}{
		{"bad gRPC port", map[string]string{"PHOENIX_GRPC_PORT": "grpc"}, nil, "PHOENIX_GRPC_PORT"},
		{"bad headers", map[string]string{"PHOENIX_CLIENT_HEADERS": "token"}, nil, "parse PHOENIX_CLIENT_HEADERS"},
		{"bad protocol", nil, []Option{WithProtocol("http/json")}, `unknown protocol "http/json"`},
		{"bad endpoint", nil, []Option{WithEndpoint("udp://ember:6006")}, "scheme must be http or https"},
		{"bad endpoint in environment", map[string]string{"PHOENIX_COLLECTOR_ENDPOINT": "http://"}, nil, "has no host"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := Register(context.Background(), append(tt.opts, WithLookupEnv(envOf(tt.env)))...)
			if err == nil {
				tp.Shutdown(context.Background())
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "otelreg: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want an otelreg error containing %q", err, tt.want)
			}
		})
	}
}
