package httpapi

import (
	"bytes"
	"encoding/json"
	"time"
)

// flattenAttributes turns stored (nested) attributes back into the dotted
// keys Phoenix's REST API returns: objects are walked, lists of objects get
// index segments ("llm.input_messages.0.message.role"), lists of anything
// else stay lists. Numbers keep their JSON text, so 12 stays 12 and 1.0
// stays 1.0.
func flattenAttributes(raw []byte) (map[string]any, error) {
	out := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return out, nil
	}
	for k, child := range obj {
		flattenInto(out, k, child)
	}
	return out, nil
}

func flattenInto(out map[string]any, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			out[prefix] = x
			return
		}
		for k, child := range x {
			flattenInto(out, prefix+"."+k, child)
		}
	case []any:
		if len(x) > 0 && allObjects(x) {
			for i, child := range x {
				flattenInto(out, prefix+"."+itoa(i), child)
			}
			return
		}
		out[prefix] = x
	default:
		out[prefix] = x
	}
}

func allObjects(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func itoa(i int) string {
	return string(appendInt(nil, i))
}

func appendInt(b []byte, i int) []byte {
	if i == 0 {
		return append(b, '0')
	}
	var tmp [20]byte
	n := len(tmp)
	for i > 0 {
		n--
		tmp[n] = byte('0' + i%10)
		i /= 10
	}
	return append(b, tmp[n:]...)
}

// isoTime formats t as Python's datetime.isoformat() does for a UTC time:
// microseconds only when there are some, and a "+00:00" offset.
func isoTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

// parseISOTime reads an ISO 8601 time from a query parameter; a time
// without an offset is UTC.
func parseISOTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
