package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// The OTLP-shaped span listing (GET /v1/projects/{p}/spans/otlpv1) shows
// spans as OTLP's JSON mapping does, with snake_case field names, hex ids and
// attributes as key/value lists. Every field is present, null when unknown,
// because clients read the document as a fixed schema.

type otlpSpanJSON struct {
	Attributes             []otlpKeyValue  `json:"attributes"`
	DroppedAttributesCount *uint32         `json:"dropped_attributes_count"`
	DroppedEventsCount     *uint32         `json:"dropped_events_count"`
	DroppedLinksCount      *uint32         `json:"dropped_links_count"`
	EndTimeUnixNano        int64           `json:"end_time_unix_nano"`
	Events                 []otlpEventJSON `json:"events"`
	Flags                  *uint32         `json:"flags"`
	Kind                   string          `json:"kind"`
	Links                  *struct{}       `json:"links"`
	Name                   string          `json:"name"`
	ParentSpanID           *string         `json:"parent_span_id"`
	SpanID                 string          `json:"span_id"`
	StartTimeUnixNano      int64           `json:"start_time_unix_nano"`
	Status                 otlpStatusJSON  `json:"status"`
	TraceID                string          `json:"trace_id"`
	TraceState             *string         `json:"trace_state"`
}

type otlpStatusJSON struct {
	Code    int     `json:"code"`
	Message *string `json:"message"`
}

type otlpEventJSON struct {
	Attributes             []otlpKeyValue `json:"attributes"`
	DroppedAttributesCount *uint32        `json:"dropped_attributes_count"`
	Name                   string         `json:"name"`
	TimeUnixNano           *int64         `json:"time_unix_nano"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

// otlpAnyValue holds one of its fields; an empty one stands for a value the
// mapping cannot express (null, or an object).
type otlpAnyValue struct {
	ArrayValue  *otlpArrayValue `json:"array_value"`
	BoolValue   *bool           `json:"bool_value"`
	BytesValue  *string         `json:"bytes_value"`
	DoubleValue any             `json:"double_value"`
	IntValue    *json.Number    `json:"int_value"`
	KvlistValue *struct{}       `json:"kvlist_value"`
	StringValue *string         `json:"string_value"`
}

type otlpArrayValue struct {
	Values []otlpAnyValue `json:"values"`
}

// otlpStatusCodes numbers the status codes as OTLP does.
var otlpStatusCodes = map[ember.StatusCode]int{ember.StatusUnset: 0, ember.StatusOK: 1, ember.StatusError: 2}

// handleProjectSpansOTLP lists a project's spans like handleProjectSpans,
// in OTLP's JSON shape; it takes every filter but span_kind.
func (h *Handler) handleProjectSpansOTLP(w http.ResponseWriter, r *http.Request) {
	listSpans(h, w, r, false, toOTLPSpanJSON)
}

func toOTLPSpanJSON(s *ember.Span) (otlpSpanJSON, error) {
	attrs, err := flattenAttributes(s.Attributes)
	if err != nil {
		return otlpSpanJSON{}, fmt.Errorf("span %s attributes: %w", s.SpanID, err)
	}
	out := otlpSpanJSON{
		Attributes:        otlpKeyValues(attrs),
		EndTimeUnixNano:   s.EndTime.UnixNano(),
		Kind:              "SPAN_KIND_INTERNAL",
		Name:              s.Name,
		SpanID:            s.SpanID,
		StartTimeUnixNano: s.StartTime.UnixNano(),
		Status:            otlpStatusJSON{Code: otlpStatusCodes[s.StatusCode]},
		TraceID:           s.TraceID,
	}
	if s.ParentID != "" {
		out.ParentSpanID = &s.ParentID
	}
	if s.StatusMessage != "" {
		out.Status.Message = &s.StatusMessage
	}
	events, err := spanEvents(s)
	if err != nil {
		return otlpSpanJSON{}, err
	}
	for _, e := range events {
		ev := otlpEventJSON{Name: e.Name, Attributes: otlpKeyValues(e.Attributes)}
		if e.HasTime {
			ns := e.Time.UnixNano()
			ev.TimeUnixNano = &ns
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

// otlpKeyValues lists flattened attributes as key/value pairs, sorted by
// key so that the reply is stable.
func otlpKeyValues(attrs map[string]any) []otlpKeyValue {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]otlpKeyValue, len(keys))
	for i, k := range keys {
		out[i] = otlpKeyValue{Key: k, Value: otlpValue(attrs[k])}
	}
	return out
}

// otlpValue maps a JSON value (numbers as json.Number) to an AnyValue.
func otlpValue(v any) otlpAnyValue {
	switch x := v.(type) {
	case nil, map[string]any:
		return otlpAnyValue{}
	case bool:
		return otlpAnyValue{BoolValue: &x}
	case string:
		return otlpAnyValue{StringValue: &x}
	case json.Number:
		if isIntegerText(string(x)) {
			return otlpAnyValue{IntValue: &x}
		}
		return otlpAnyValue{DoubleValue: x}
	case []any:
		return otlpAnyValue{ArrayValue: otlpArray(x)}
	default:
		s := fmt.Sprint(x)
		return otlpAnyValue{StringValue: &s}
	}
}

// otlpArray maps a list. OTLP arrays hold one type, so a list of mixed
// types (or of lists) becomes a list of strings.
func otlpArray(xs []any) *otlpArrayValue {
	out := &otlpArrayValue{Values: make([]otlpAnyValue, len(xs))}
	same := true
	for _, x := range xs {
		if _, nested := x.([]any); nested || jsonKind(x) != jsonKind(xs[0]) {
			same = false
			break
		}
	}
	for i, x := range xs {
		if same {
			out.Values[i] = otlpValue(x)
		} else {
			s := pyStr(x)
			out.Values[i] = otlpAnyValue{StringValue: &s}
		}
	}
	return out
}

// jsonKind names the type of a decoded JSON value; integers and fractions
// are different types, as they are to OTLP.
func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number:
		if isIntegerText(string(x)) {
			return "int"
		}
		return "double"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isIntegerText(s string) bool {
	if strings.ContainsAny(s, ".eE") {
		return false
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// pyStr renders a value as text the way the stringified elements of a mixed
// list read elsewhere in Phoenix-compatible tools: True/False/None and
// Python-style lists and dicts.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case json.Number:
		return string(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyRepr is pyStr with strings quoted, for elements inside a container.
func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
	}
	return pyStr(v)
}
