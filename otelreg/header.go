package otelreg

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// parseHeaders parses PHOENIX_CLIENT_HEADERS. Phoenix's Python client reads
// it in the W3C baggage style of OTEL_EXPORTER_OTLP_HEADERS
// (name=value,name2=value2, values URL-encoded) and its JavaScript client as
// a JSON object; both are accepted, told apart by a leading "{". Names are
// lower-cased, as gRPC metadata requires. Error messages never quote
// values, which are often secrets.
func parseHeaders(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	h := make(map[string]string)
	if strings.HasPrefix(s, "{") {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, errors.New("not a JSON object of strings")
		}
		for k, v := range m {
			if err := addHeader(h, k, v); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("item %d is not name=value", i+1)
		}
		if err := addHeader(h, unescape(k), unescape(v)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func addHeader(h map[string]string, name, value string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return errors.New("empty header name")
	}
	h[name] = strings.TrimSpace(value)
	return nil
}

// unescape URL-decodes s, keeping it as it is when it is not valid
// percent-encoding (Phoenix accepts unencoded values too).
func unescape(s string) string {
	s = strings.TrimSpace(s)
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
