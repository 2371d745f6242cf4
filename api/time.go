package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Time is a timestamp as the REST API writes it: ISO 8601 as Python's
// isoformat() prints it. Ember always adds an offset, but Phoenix prints
// whatever datetime it holds, and a naive one would make time.Time's strict
// RFC 3339 decoding fail a whole page; so Time also accepts a missing
// offset (read as UTC) and a space instead of the "T". It always encodes as
// RFC 3339, because Phoenix rejects naive times on input.
//
// Decoded times are in UTC. The zero Time encodes as 0001-01-01T00:00:00Z.
type Time struct {
	time.Time
}

// isoLayouts are the shapes Time accepts, tried in order. The fractional
// part is optional in each.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads an ISO 8601 timestamp as the REST API writes it; a
// timestamp without an offset is UTC.
func ParseTime(s string) (Time, error) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, fmt.Errorf("parse time %q: not an ISO 8601 date and time", s)
}

// MarshalJSON encodes t as an RFC 3339 string.
func (t Time) MarshalJSON() ([]byte, error) {
	b, err := t.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes an ISO 8601 string; null leaves t unchanged, as
// encoding/json does for other types.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parse time: %w", err)
	}
	return t.UnmarshalText([]byte(s))
}

// MarshalText encodes t as RFC 3339. It overrides time.Time's method so
// that text encoders agree with MarshalJSON.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(t.Format(time.RFC3339Nano)), nil
}

// UnmarshalText decodes an ISO 8601 timestamp with or without an offset.
func (t *Time) UnmarshalText(b []byte) error {
	parsed, err := ParseTime(string(b))
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}
