package client

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// The environment variables Phoenix's clients read.
const (
	envHost              = "PHOENIX_HOST"
	envPort              = "PHOENIX_PORT"
	envCollectorEndpoint = "PHOENIX_COLLECTOR_ENDPOINT"
	envEndpoint          = "PHOENIX_ENDPOINT" // Ember's name for the server's base URL
	envAPIKey            = "PHOENIX_API_KEY"
	envClientHeaders     = "PHOENIX_CLIENT_HEADERS"
)

// defaultBaseURL is where Phoenix's clients look when nothing is set.
const defaultBaseURL = "http://localhost:6006"

// defaultPort is Phoenix's HTTP port, for a PHOENIX_HOST given without one.
const defaultPort = "6006"

type config struct {
	baseURL string
	header  http.Header
}

// resolveConfig merges options over the environment.
func resolveConfig(o options) (config, error) {
	getenv := o.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(key string) string { return strings.TrimSpace(getenv(key)) }

	raw := o.baseURL
	if raw == "" {
		var err error
		if raw, err = baseURLFromEnv(env); err != nil {
			return config{}, err
		}
	}
	baseURL, err := normalizeBaseURL(raw)
	if err != nil {
		return config{}, err
	}

	header, err := parseClientHeaders(env(envClientHeaders))
	if err != nil {
		return config{}, fmt.Errorf("%s: %w", envClientHeaders, err)
	}
	for k, vs := range o.header {
		header[k] = append([]string(nil), vs...)
	}
	// An explicit key wins; a key from the environment yields to an
	// Authorization header the user configured, as in Phoenix's Python
	// client, so PHOENIX_CLIENT_HEADERS can carry another scheme.
	if o.apiKey != "" {
		header.Set("Authorization", "Bearer "+o.apiKey)
	} else if key := env(envAPIKey); key != "" && header.Get("Authorization") == "" {
		header.Set("Authorization", "Bearer "+key)
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", userAgent())
	}
	return config{baseURL: baseURL, header: header}, nil
}

// baseURLFromEnv reads the server's URL as Phoenix's clients do. The
// TypeScript clients take PHOENIX_HOST as a whole URL; the Python client
// takes PHOENIX_COLLECTOR_ENDPOINT, else builds http://PHOENIX_HOST:PHOENIX_PORT
// from the server's own bind settings. A PHOENIX_HOST with a scheme can
// only mean the former, so it is read first.
func baseURLFromEnv(env func(string) string) (string, error) {
	host, port := env(envHost), env(envPort)
	if strings.Contains(host, "://") {
		return host, nil
	}
	if endpoint := env(envEndpoint); endpoint != "" {
		return endpoint, nil
	}
	if endpoint := env(envCollectorEndpoint); endpoint != "" {
		// The collector endpoint sometimes names the OTLP route itself.
		return strings.TrimSuffix(strings.TrimRight(endpoint, "/"), "/v1/traces"), nil
	}
	if host == "" && port == "" {
		return defaultBaseURL, nil
	}
	switch host {
	case "":
		host = "localhost"
	case "0.0.0.0":
		host = "127.0.0.1" // the server's bind-all address; connect locally
	}
	if port == "" {
		port = defaultPort
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%s: %q is not a port number", envPort, port)
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// normalizeBaseURL checks that raw is an absolute http(s) URL and drops a
// trailing slash, so that paths can be appended.
func normalizeBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want an absolute http or https URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q: must not have a query or fragment", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// parseClientHeaders reads PHOENIX_CLIENT_HEADERS. Phoenix's Python client
// reads it as W3C baggage, "k1=v1,k2=v2" with URL-encoded values, while its
// TypeScript clients read a JSON object; a value starting with "{" can only
// be the latter, so both are accepted. Empty entries are skipped, since
// Phoenix's own documentation shows a trailing comma.
func parseClientHeaders(s string) (http.Header, error) {
	header := http.Header{}
	if s == "" {
		return header, nil
	}
	if strings.HasPrefix(s, "{") {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("not a JSON object of strings: %w", err)
		}
		for k, v := range m {
			if !validHeaderName(k) {
				return nil, fmt.Errorf("%q is not a valid header name", k)
			}
			header.Set(k, v)
		}
		return header, nil
	}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		rawKey, rawValue, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, fmt.Errorf("entry %q: want key=value", entry)
		}
		key, err := url.PathUnescape(strings.TrimSpace(rawKey))
		if err != nil || !validHeaderName(key) {
			return nil, fmt.Errorf("entry %q: %q is not a valid header name", entry, rawKey)
		}
		// PathUnescape, not QueryUnescape: a "+" is a plus here, as in
		// Python's urllib.parse.unquote.
		value, err := url.PathUnescape(strings.TrimSpace(rawValue))
		if err != nil {
			return nil, fmt.Errorf("entry %q: value is not URL-encoded: %w", entry, err)
		}
		header.Set(key, value)
	}
	return header, nil
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x80 || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) || r == 0x7f {
			return false
		}
	}
	return true
}
