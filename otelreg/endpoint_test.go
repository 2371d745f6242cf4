package otelreg

import (
	"strings"
	"testing"
)

func TestResolveTarget(t *testing.T) {
	for _, tt := range []struct {
		name     string
		endpoint string
		base     bool // the server address from the environment or default
		protocol Protocol
		grpcPort int
		want     target
	}{
		// The server address, as PHOENIX_COLLECTOR_ENDPOINT gives it.
		{"default address", "http://localhost:6006", true, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"address with gRPC", "http://localhost:6006", true, GRPC, 4317, target{GRPC, "http://localhost:4317"}},
		{"TLS address with gRPC", "https://ember.example.com", true, GRPC, 4317, target{GRPC, "https://ember.example.com:4317"}},
		{"address with custom gRPC port", "http://ember:6006", true, GRPC, 14317, target{GRPC, "http://ember:14317"}},
		{"address on the gRPC port", "http://localhost:4317", true, "", 4317, target{GRPC, "http://localhost:4317"}},
		{"address on a custom gRPC port", "http://ember:14317", true, "", 14317, target{GRPC, "http://ember:14317"}},
		{"4317 is not the gRPC port", "http://localhost:4317", true, "", 14317, target{HTTPProtobuf, "http://localhost:4317/v1/traces"}},
		{"address with HTTP", "http://localhost:6006", true, HTTPProtobuf, 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"path prefix", "https://app.phoenix.arize.com/s/my-space", true, "", 4317, target{HTTPProtobuf, "https://app.phoenix.arize.com/s/my-space/v1/traces"}},
		{"path prefix with trailing slash", "https://ember.example.com/ember/", true, "", 4317, target{HTTPProtobuf, "https://ember.example.com/ember/v1/traces"}},

		// Endpoints given in code.
		{"full HTTP URL", "http://localhost:6006/v1/traces", false, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"full HTTP URL, trailing slash", "http://localhost:6006/v1/traces/", false, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"full HTTPS URL", "https://ember.example.com/v1/traces", false, "", 4317, target{HTTPProtobuf, "https://ember.example.com/v1/traces"}},
		{"bare HTTP address", "http://localhost:6006", false, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"gRPC address", "http://localhost:4317", false, "", 4317, target{GRPC, "http://localhost:4317"}},
		{"gRPC address, trailing slash", "http://localhost:4317/", false, "", 4317, target{GRPC, "http://localhost:4317"}},
		{"gRPC address with path is HTTP", "http://localhost:4317/v1/traces", false, "", 4317, target{HTTPProtobuf, "http://localhost:4317/v1/traces"}},
		{"explicit gRPC keeps its port", "http://collector:14317", false, GRPC, 4317, target{GRPC, "http://collector:14317"}},
		{"explicit gRPC without port", "https://ember.example.com", false, GRPC, 4317, target{GRPC, "https://ember.example.com:4317"}},
		{"explicit gRPC ignores the path", "http://localhost:4317/v1/traces", false, GRPC, 4317, target{GRPC, "http://localhost:4317"}},
		{"explicit HTTP on the gRPC port", "http://localhost:4317", false, HTTPProtobuf, 4317, target{HTTPProtobuf, "http://localhost:4317/v1/traces"}},
		{"no scheme, gRPC", "localhost:4317", false, "", 4317, target{GRPC, "http://localhost:4317"}},
		{"no scheme, HTTP", "ember:6006", false, "", 4317, target{HTTPProtobuf, "http://ember:6006/v1/traces"}},
		{"IPv6 gRPC", "http://[::1]:4317", false, "", 4317, target{GRPC, "http://[::1]:4317"}},
		{"IPv6 HTTP", "http://[::1]:6006", false, "", 4317, target{HTTPProtobuf, "http://[::1]:6006/v1/traces"}},
		{"upper-case scheme", "HTTPS://ember.example.com", false, "", 4317, target{HTTPProtobuf, "https://ember.example.com/v1/traces"}},
		{"query dropped", "http://localhost:6006?x=1", false, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
		{"spaces trimmed", "  http://localhost:6006 ", false, "", 4317, target{HTTPProtobuf, "http://localhost:6006/v1/traces"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveTarget(tt.endpoint, tt.base, tt.protocol, tt.grpcPort)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResolveTargetErrors(t *testing.T) {
	for _, tt := range []struct {
		endpoint string
		protocol Protocol
		want     string
	}{
		{"ftp://ember", "", "scheme must be http or https"},
		{"grpc://ember:4317", "", "scheme must be http or https"},
		{"http://", "", "has no host"},
		{"http://:6006", "", "has no host"},
		{"http://user:hunter2@ember:6006", "", "credentials in the URL are not supported"},
		{"http://ember:port", "", "parse endpoint"},
		{"http://ember:6006", "thrift", "unknown protocol"},
	} {
		_, err := resolveTarget(tt.endpoint, false, tt.protocol, 4317)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got error %v, want one containing %q", tt.endpoint, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error leaks the password: %v", tt.endpoint, err)
		}
	}
}

func FuzzResolveTarget(f *testing.F) {
	for _, s := range []string{"http://localhost:6006", "localhost:4317", "https://h/s/x/v1/traces", "http://[::1]:4317/", "::", "http://%zz"} {
		f.Add(s, false, "")
		f.Add(s, true, "grpc")
	}
	f.Fuzz(func(t *testing.T, endpoint string, base bool, protocol string) {
		got, err := resolveTarget(endpoint, base, Protocol(protocol), 4317)
		if err != nil {
			return
		}
		switch got.protocol {
		case HTTPProtobuf:
			if !strings.HasSuffix(got.url, tracesPath) {
				t.Errorf("HTTP URL %q does not end in %s", got.url, tracesPath)
			}
		case GRPC:
		default:
			t.Errorf("protocol %q", got.protocol)
		}
		if !strings.HasPrefix(got.url, "http://") && !strings.HasPrefix(got.url, "https://") {
			t.Errorf("URL %q has no http(s) scheme", got.url)
		}
	})
}

func TestParseGRPCPort(t *testing.T) {
	if p, err := parseGRPCPort(" 14317 "); err != nil || p != 14317 {
		t.Errorf("got %d, %v", p, err)
	}
	for _, s := range []string{"abc", "0", "65536", "-1", "43 17"} {
		if _, err := parseGRPCPort(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}
