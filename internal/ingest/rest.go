package ingest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/emberhq/ember"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// RESTSpan is a span as a client posts it to the REST API
// (POST /v1/projects/{p}/spans): ids as text, attributes as a JSON object
// whose keys may be dotted, nested, or both.
type RESTSpan struct {
	TraceID, SpanID, ParentID string
	Name                      string
	Kind                      string // stored as given; read case-insensitively
	StatusCode                string // OK, ERROR or UNSET in any case; anything else is UNSET
	StatusMessage             string
	StartTime, EndTime        time.Time
	Attributes                map[string]any // JSON values; numbers as json.Number
	Events                    []RESTEvent
}

// RESTEvent is an event of a RESTSpan.
type RESTEvent struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}

// ConvertREST converts posted spans into spans of project, deriving kinds,
// sessions, token counts and costs exactly as OTLP ingestion does. The ids
// are kept as the client wrote them, so spans posted back from a listing
// keep their identity.
func (c *Converter) ConvertREST(spans []RESTSpan, project string) []*ember.Span {
	if len(spans) == 0 {
		return nil
	}
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	ss.EnsureCapacity(len(spans))
	for i, in := range spans {
		sp := ss.AppendEmpty()
		// Placeholder ids, unique and non-zero, so that the OTLP conversion
		// accepts every span; the real ones are set afterwards.
		var tid [16]byte
		var sid [8]byte
		binary.BigEndian.PutUint64(tid[8:], uint64(i)+1)
		binary.BigEndian.PutUint64(sid[:], uint64(i)+1)
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetName(in.Name)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(in.StartTime))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(in.EndTime))
		switch strings.ToUpper(in.StatusCode) {
		case "OK":
			sp.Status().SetCode(ptrace.StatusCodeOk)
		case "ERROR":
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
		sp.Status().SetMessage(in.StatusMessage)
		putFlattened(sp.Attributes(), "", in.Attributes)
		sp.Attributes().PutStr("openinference.span.kind", in.Kind)
		for _, e := range in.Events {
			ev := sp.Events().AppendEmpty()
			ev.SetName(e.Name)
			ev.SetTimestamp(pcommon.NewTimestampFromTime(e.Time))
			putFlattened(ev.Attributes(), "", e.Attributes)
		}
	}
	out, _ := c.Convert(td, project) // placeholder ids are never invalid
	for i, s := range out {
		s.TraceID = ember.CleanText(spans[i].TraceID)
		s.SpanID = ember.CleanText(spans[i].SpanID)
		s.ParentID = ember.CleanText(spans[i].ParentID)
	}
	return out
}

// putFlattened adds a JSON object's values to m under dotted keys: nested
// objects are walked, lists of objects get index segments, and lists of
// scalars become OTLP arrays (of strings when their types are mixed). Nulls
// carry nothing and are left out.
func putFlattened(m pcommon.Map, prefix string, obj map[string]any) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic order for repeated keys
	for _, k := range keys {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		putValue(m, key, obj[k])
	}
}

func putValue(m pcommon.Map, key string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		putFlattened(m, key, x)
	case []any:
		if len(x) > 0 && allMaps(x) {
			for i, child := range x {
				putFlattened(m, fmt.Sprintf("%s.%d", key, i), child.(map[string]any))
			}
			return
		}
		s := m.PutEmptySlice(key)
		mixed := mixedTypes(x)
		for _, e := range x {
			if mixed {
				s.AppendEmpty().SetStr(jsonText(e))
			} else {
				setScalar(s.AppendEmpty(), e)
			}
		}
	default:
		setScalar(m.PutEmpty(key), x)
	}
}

func setScalar(dst pcommon.Value, v any) {
	switch x := v.(type) {
	case string:
		dst.SetStr(x)
	case bool:
		dst.SetBool(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			dst.SetInt(n)
		} else if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) {
			dst.SetDouble(f)
		} else {
			dst.SetStr(string(x))
		}
	case float64:
		dst.SetDouble(x)
	default:
		dst.SetStr(jsonText(x))
	}
}

func allMaps(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// mixedTypes tells whether a list holds more than one scalar type, or
// anything that is not a scalar: OTLP arrays hold one type.
func mixedTypes(xs []any) bool {
	kind := func(v any) string {
		switch x := v.(type) {
		case string:
			return "string"
		case bool:
			return "bool"
		case json.Number:
			if _, err := x.Int64(); err == nil {
				return "int"
			}
			return "double"
		}
		return "other"
	}
	for _, x := range xs {
		if k := kind(x); k == "other" || k != kind(xs[0]) {
			return true
		}
	}
	return false
}

// jsonText renders a value as its JSON text; strings stay unquoted.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
