package otelreg

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Protocol is an OTLP transport. The zero value infers the transport from
// the endpoint.
type Protocol string

// The transports Ember (like Phoenix) accepts.
const (
	// HTTPProtobuf is OTLP/HTTP with protobuf bodies: POST <base>/v1/traces
	// on the server's HTTP port (6006 by default).
	HTTPProtobuf Protocol = "http/protobuf"
	// GRPC is OTLP/gRPC: TraceService/Export on the gRPC port (4317 by
	// default, PHOENIX_GRPC_PORT).
	GRPC Protocol = "grpc"
)

const (
	// defaultEndpoint is where `ember serve` (and `phoenix serve`) listens.
	defaultEndpoint = "http://localhost:6006"
	// defaultGRPCPort is the standard OTLP/gRPC port.
	defaultGRPCPort = 4317
	tracesPath      = "/v1/traces"
)

// target is where spans are exported and how.
type target struct {
	protocol Protocol
	// url is the full POST URL for HTTPProtobuf, scheme://host:port for
	// GRPC. The scheme decides plaintext (http) or TLS (https).
	url string
}

// resolveTarget decides where and how to export, the way Phoenix's register
// does:
//
//   - an endpoint without a scheme is taken as http://;
//   - without an explicit protocol, a path ending in /v1/traces means HTTP,
//     no path and the gRPC port means gRPC, anything else means HTTP;
//   - HTTP appends /v1/traces to the path unless it already ends with it, so
//     the bare server address http://host:6006 works, as does a path prefix
//     behind a proxy (https://host/s/space → https://host/s/space/v1/traces);
//   - gRPC uses host:port and ignores the path. base marks an endpoint that
//     is the server's address (PHOENIX_COLLECTOR_ENDPOINT or the default)
//     rather than a collector address given in code: like Phoenix, gRPC then
//     always goes to grpcPort on that host, so http://host:6006 with
//     protocol gRPC reaches host:4317. An explicit endpoint keeps its port.
func resolveTarget(endpoint string, base bool, protocol Protocol, grpcPort int) (target, error) {
	raw := strings.TrimSpace(endpoint)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("parse endpoint %q: %w", endpoint, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return target{}, fmt.Errorf("endpoint %q: scheme must be http or https", endpoint)
	case u.Hostname() == "":
		return target{}, fmt.Errorf("endpoint %q has no host", endpoint)
	case u.User != nil:
		// Refuse rather than silently drop credentials.
		return target{}, fmt.Errorf("endpoint %q: credentials in the URL are not supported; use WithAPIKey or WithHeaders", u.Redacted())
	}
	path := strings.TrimRight(u.Path, "/")
	if protocol == "" {
		switch {
		case strings.HasSuffix(path, tracesPath):
			protocol = HTTPProtobuf
		case path == "" && u.Port() == strconv.Itoa(grpcPort):
			protocol = GRPC
		default:
			protocol = HTTPProtobuf
		}
	}
	switch protocol {
	case HTTPProtobuf:
		if !strings.HasSuffix(path, tracesPath) {
			path += tracesPath
		}
		v := url.URL{Scheme: scheme, Host: u.Host, Path: path}
		return target{HTTPProtobuf, v.String()}, nil
	case GRPC:
		port := u.Port()
		if base || port == "" {
			port = strconv.Itoa(grpcPort)
		}
		v := url.URL{Scheme: scheme, Host: net.JoinHostPort(u.Hostname(), port)}
		return target{GRPC, v.String()}, nil
	}
	return target{}, fmt.Errorf("unknown protocol %q: want %q or %q", protocol, HTTPProtobuf, GRPC)
}

// parseGRPCPort parses PHOENIX_GRPC_PORT.
func parseGRPCPort(s string) (int, error) {
	port, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("PHOENIX_GRPC_PORT %q is not a port number", s)
	}
	return port, nil
}
