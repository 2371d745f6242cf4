package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/pricing"
)

var (
	testTraceID = pcommon.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	testSpanID  = pcommon.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
	testParent  = pcommon.SpanID{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}
)

// spanView is the part of an ember.Span a test compares, with JSON as text.
type spanView struct {
	ProjectName, TraceID, SpanID, ParentID, Name string
	Kind                                         ember.SpanKind
	StartTime, EndTime                           time.Time
	StatusCode                                   ember.StatusCode
	StatusMessage                                string
	Attributes, Events                           string
	SessionID, UserID                            string
	HasTokenCounts                               bool
	Prompt, Completion                           int64
}

func view(s *ember.Span) spanView {
	return spanView{
		ProjectName: s.ProjectName, TraceID: s.TraceID, SpanID: s.SpanID, ParentID: s.ParentID, Name: s.Name,
		Kind: s.Kind, StartTime: s.StartTime, EndTime: s.EndTime, StatusCode: s.StatusCode,
		StatusMessage: s.StatusMessage, Attributes: string(s.Attributes), Events: string(s.Events),
		SessionID: s.SessionID, UserID: s.UserID, HasTokenCounts: s.HasTokenCounts,
		Prompt: s.LLMTokenCountPrompt, Completion: s.LLMTokenCountCompletion,
	}
}

// baseView is what a span with only ids and name converts to.
func baseView() spanView {
	return spanView{
		ProjectName: "default", TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331",
		Name: "span", Kind: ember.SpanKindUnknown, StatusCode: ember.StatusUnset,
		StartTime: time.Unix(0, 0).UTC(), EndTime: time.Unix(0, 0).UTC(),
		Attributes: "{}", Events: "[]",
	}
}

// newSpan returns traces holding one span with the test ids and name "span".
func newSpan(fill func(sp ptrace.Span)) ptrace.Traces {
	td := ptrace.NewTraces()
	sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetTraceID(testTraceID)
	sp.SetSpanID(testSpanID)
	sp.SetName("span")
	if fill != nil {
		fill(sp)
	}
	return td
}

func convertOne(t *testing.T, c *Converter, td ptrace.Traces) *ember.Span {
	t.Helper()
	spans, invalid := c.Convert(td, "")
	if len(invalid) != 0 || len(spans) != 1 {
		t.Fatalf("got %d spans, invalid %v", len(spans), invalid)
	}
	checkSpanStrings(t, spans[0])
	return spans[0]
}

// checkSpanStrings fails unless every text of s is valid UTF-8 without NUL
// and its JSON is valid.
func checkSpanStrings(t testing.TB, s *ember.Span) {
	t.Helper()
	for _, str := range []string{s.ProjectName, s.TraceID, s.SpanID, s.ParentID, s.Name, s.StatusMessage,
		string(s.Kind), string(s.StatusCode), s.SessionID, s.UserID, string(s.Attributes), string(s.Events)} {
		if !utf8.ValidString(str) || strings.IndexByte(str, 0) >= 0 {
			t.Fatalf("invalid text %q", str)
		}
	}
	if !json.Valid(s.Attributes) {
		t.Fatalf("invalid attributes JSON %s", s.Attributes)
	}
	if !json.Valid(s.Events) {
		t.Fatalf("invalid events JSON %s", s.Events)
	}
}

func slice(fill ...func(pcommon.Value)) func(pcommon.Value) {
	return func(v pcommon.Value) {
		s := v.SetEmptySlice()
		for _, f := range fill {
			f(s.AppendEmpty())
		}
	}
}

func strV(s string) func(pcommon.Value) { return func(v pcommon.Value) { v.SetStr(s) } }
func intV(n int64) func(pcommon.Value)  { return func(v pcommon.Value) { v.SetInt(n) } }

func TestConvertSpan(t *testing.T) {
	for _, tt := range []struct {
		name string
		fill func(sp ptrace.Span)
		want func(v *spanView)
	}{
		{"Minimal", nil, func(v *spanView) {}},
		{"IdsTimesStatus", func(sp ptrace.Span) {
			sp.SetParentSpanID(testParent)
			sp.SetStartTimestamp(pcommon.Timestamp(1704110400123456789))
			sp.SetEndTimestamp(pcommon.Timestamp(1704110401000000001))
			sp.Status().SetCode(ptrace.StatusCodeOk)
			sp.Status().SetMessage("fine")
			sp.SetKind(ptrace.SpanKindClient)
			sp.TraceState().FromRaw("k=v")
			sp.Links().AppendEmpty().SetTraceID(testTraceID)
		}, func(v *spanView) {
			v.ParentID = "0000000000000001"
			v.StartTime = time.Date(2024, 1, 1, 12, 0, 0, 123456789, time.UTC)
			v.EndTime = time.Date(2024, 1, 1, 12, 0, 1, 1, time.UTC)
			v.StatusCode = ember.StatusOK
			v.StatusMessage = "fine"
		}},
		{"StatusError", func(sp ptrace.Span) {
			sp.Status().SetCode(ptrace.StatusCodeError)
			sp.Status().SetMessage("boom")
		}, func(v *spanView) { v.StatusCode, v.StatusMessage = ember.StatusError, "boom" }},
		{"StatusUnknownCode", func(sp ptrace.Span) { sp.Status().SetCode(7) }, func(v *spanView) {}},
		{"HugeTimestamp", func(sp ptrace.Span) { sp.SetEndTimestamp(pcommon.Timestamp(math.MaxUint64)) }, func(v *spanView) {
			v.EndTime = time.Date(2554, 7, 21, 23, 34, 33, 709551615, time.UTC)
		}},
		{"KindLowerCase", func(sp ptrace.Span) { sp.Attributes().PutStr("openinference.span.kind", "llm") }, func(v *spanView) {
			v.Kind = ember.SpanKindLLM
			v.HasTokenCounts = true
			v.Attributes = `{"openinference":{"span":{"kind":"llm"}}}`
		}},
		{"KindMixedCase", func(sp ptrace.Span) { sp.Attributes().PutStr("openinference.span.kind", "Retriever") }, func(v *spanView) {
			v.Kind = ember.SpanKindRetriever
			v.Attributes = `{"openinference":{"span":{"kind":"Retriever"}}}`
		}},
		{"KindUnknownValue", func(sp ptrace.Span) { sp.Attributes().PutStr("openinference.span.kind", "WORKFLOW") }, func(v *spanView) {
			v.Attributes = `{"openinference":{"span":{"kind":"WORKFLOW"}}}`
		}},
		{"KindNotAString", func(sp ptrace.Span) { sp.Attributes().PutInt("openinference.span.kind", 1) }, func(v *spanView) {
			v.Attributes = `{"openinference":{"span":{"kind":1}}}`
		}},
		{"InputValueKVList", func(sp ptrace.Span) {
			m := sp.Attributes().PutEmptyMap("input.value")
			m.PutStr("b", "é")
			m.PutInt("a", 1)
			sp.Attributes().PutStr("input.mime_type", "text/plain")
			sp.Attributes().PutEmptyMap("output.value").PutInt("x", 1)
		}, func(v *spanView) {
			v.Attributes = `{"input":{"mime_type":"application/json","value":"{\"b\": \"\\u00e9\", \"a\": 1}"},"output":{"value":{"x":1}}}`
		}},
		{"InputValueNested", func(sp ptrace.Span) {
			sp.Attributes().PutInt("input.value.a", 1)
			sp.Attributes().PutDouble("input.value.b", 2)
		}, func(v *spanView) {
			v.Attributes = `{"input":{"mime_type":"application/json","value":"{\"a\": 1, \"b\": 2.0}"}}`
		}},
		{"InputValueScalars", func(sp ptrace.Span) {
			sp.Attributes().PutInt("input.value", 0)
		}, func(v *spanView) {
			v.Attributes = `{"input":{"mime_type":"application/json","value":"0"}}`
		}},
		{"InputValueList", func(sp ptrace.Span) {
			slice(strV("a"), intV(1))(sp.Attributes().PutEmpty("input.value"))
		}, func(v *spanView) {
			v.Attributes = `{"input":{"mime_type":"application/json","value":"[\"a\", 1]"}}`
		}},
		{"InputValueString", func(sp ptrace.Span) {
			sp.Attributes().PutStr("input.value", `{"a": 1}`)
		}, func(v *spanView) {
			v.Attributes = `{"input":{"value":"{\"a\": 1}"}}`
		}},
		{"SessionAndUserStrings", func(sp ptrace.Span) {
			sp.Attributes().PutStr("session.id", "  s-1\n")
			sp.Attributes().PutStr("user.id", "u")
		}, func(v *spanView) {
			v.SessionID, v.UserID = "s-1", "u"
			v.Attributes = `{"session":{"id":"  s-1\n"},"user":{"id":"u"}}`
		}},
		{"SessionBlank", func(sp ptrace.Span) { sp.Attributes().PutStr("session.id", " \t") }, func(v *spanView) {
			v.Attributes = `{"session":{"id":" \t"}}`
		}},
		{"SessionInt", func(sp ptrace.Span) { sp.Attributes().PutInt("session.id", 0) }, func(v *spanView) {
			v.SessionID, v.Attributes = "0", `{"session":{"id":0}}`
		}},
		{"SessionFloat", func(sp ptrace.Span) { sp.Attributes().PutDouble("session.id", 3.14) }, func(v *spanView) {
			v.SessionID, v.Attributes = "3.14", `{"session":{"id":3.14}}`
		}},
		{"SessionWholeFloat", func(sp ptrace.Span) { sp.Attributes().PutDouble("session.id", 1) }, func(v *spanView) {
			v.SessionID, v.Attributes = "1.0", `{"session":{"id":1.0}}`
		}},
		{"SessionBool", func(sp ptrace.Span) { sp.Attributes().PutBool("session.id", true) }, func(v *spanView) {
			v.SessionID, v.Attributes = "True", `{"session":{"id":true}}`
		}},
		{"SessionList", func(sp ptrace.Span) {
			slice(strV("a"), strV("b"))(sp.Attributes().PutEmpty("session.id"))
			slice()(sp.Attributes().PutEmpty("user.id"))
		}, func(v *spanView) {
			v.SessionID, v.UserID = "['a', 'b']", "[]"
			v.Attributes = `{"session":{"id":["a","b"]},"user":{"id":[]}}`
		}},
		{"SessionInKVList", func(sp ptrace.Span) {
			sp.Attributes().PutEmptyMap("session").PutStr("id", "kv")
		}, func(v *spanView) {
			v.SessionID, v.Attributes = "kv", `{"session":{"id":"kv"}}`
		}},
		{"SessionShadowedByScalar", func(sp ptrace.Span) {
			sp.Attributes().PutStr("session", "x")
			sp.Attributes().PutStr("session.id", "y")
		}, func(v *spanView) {
			v.Attributes = `{"session":"x","session.id":"y"}`
		}},
		{"TokenCountsOfLLM", func(sp ptrace.Span) {
			sp.Attributes().PutStr("openinference.span.kind", "LLM")
			sp.Attributes().PutStr("llm.token_count.prompt", "12")
			sp.Attributes().PutDouble("llm.token_count.completion", 7.9)
			sp.Attributes().PutStr("llm.token_count.total", "many")
		}, func(v *spanView) {
			v.Kind, v.HasTokenCounts, v.Prompt, v.Completion = ember.SpanKindLLM, true, 12, 7
			v.Attributes = `{"llm":{"token_count":{"completion":7,"prompt":12,"total":"many"}},"openinference":{"span":{"kind":"LLM"}}}`
		}},
		{"TokenCountsUnparsable", func(sp ptrace.Span) {
			sp.Attributes().PutStr("openinference.span.kind", "LLM")
			sp.Attributes().PutStr("llm.token_count.prompt", "x")
		}, func(v *spanView) {
			v.Kind, v.HasTokenCounts = ember.SpanKindLLM, true
			v.Attributes = `{"llm":{"token_count":{"prompt":"x"}},"openinference":{"span":{"kind":"LLM"}}}`
		}},
		{"TokenCountsOfChainIgnored", func(sp ptrace.Span) {
			sp.Attributes().PutStr("openinference.span.kind", "CHAIN")
			sp.Attributes().PutInt("llm.token_count.prompt", 12)
		}, func(v *spanView) {
			v.Kind = ember.SpanKindChain
			v.Attributes = `{"llm":{"token_count":{"prompt":12}},"openinference":{"span":{"kind":"CHAIN"}}}`
		}},
		{"Events", func(sp ptrace.Span) {
			ev := sp.Events().AppendEmpty()
			ev.SetName("retry")
			ev.SetTimestamp(pcommon.Timestamp(1704110400123456789))
			ev.Attributes().PutInt("attempt.count", 2)
			ev.Attributes().PutStr("attempt.reason", "429")
			ev2 := sp.Events().AppendEmpty()
			ev2.SetName("plain")
			ev2.SetTimestamp(pcommon.Timestamp(1704110400000000000))
		}, func(v *spanView) {
			v.Events = `[{"name":"retry","timestamp":"2024-01-01T12:00:00.123456789Z","attributes":{"attempt":{"count":2,"reason":"429"}}},` +
				`{"name":"plain","timestamp":"2024-01-01T12:00:00.000000000Z","attributes":{}}]`
		}},
		{"ExceptionEvent", func(sp ptrace.Span) {
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			a := ev.Attributes()
			a.PutStr("exception.type", "ValueError")
			a.PutStr("exception.message", "bad")
			a.PutBool("exception.escaped", false)
			a.PutStr("exception.stacktrace", "Traceback")
			a.PutStr("exception.extra", "dropped")
			a.PutStr("thread.id", "dropped")
		}, func(v *spanView) {
			v.Events = `[{"name":"exception","timestamp":"1970-01-01T00:00:00.000000000Z","attributes":` +
				`{"exception":{"escaped":false,"message":"bad","stacktrace":"Traceback","type":"ValueError"}}}]`
		}},
		{"ExceptionEventDefaults", func(sp ptrace.Span) {
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutInt("exception.message", 0)
		}, func(v *spanView) {
			v.Events = `[{"name":"exception","timestamp":"1970-01-01T00:00:00.000000000Z","attributes":{"exception":{"message":""}}}]`
		}},
		{"Sanitized", func(sp ptrace.Span) {
			sp.SetName("na\x00me\xff")
			sp.Status().SetMessage("m\xc3")
			sp.Attributes().PutStr("k\x00ey", "v\x00al\xfe")
			slice(strV("x\x00"))(sp.Attributes().PutEmpty("list"))
			sp.Attributes().PutEmptyMap("map").PutStr("k\xff", "v\x00")
			sp.Events().AppendEmpty().SetName("e\x00\xff")
		}, func(v *spanView) {
			v.Name = "na\uFFFDme\uFFFD"
			v.StatusMessage = "m\uFFFD"
			v.Attributes = "{\"k\uFFFDey\":\"v\uFFFDal\uFFFD\",\"list\":[\"x\uFFFD\"],\"map\":{\"k\uFFFD\":\"v\uFFFD\"}}"
			v.Events = "[{\"name\":\"e\uFFFD\uFFFD\",\"timestamp\":\"1970-01-01T00:00:00.000000000Z\",\"attributes\":{}}]"
		}},
		{"Bytes", func(sp ptrace.Span) {
			sp.Attributes().PutEmptyBytes("raw").FromRaw([]byte("\x00hi"))
		}, func(v *spanView) { v.Attributes = `{"raw":"AGhp"}` }},
		{"Metadata", func(sp ptrace.Span) {
			sp.Attributes().PutStr("metadata", `{"tier": "gold", "n": null}`)
			sp.Attributes().PutStr("tag.tags", `["a"]`)
		}, func(v *spanView) { v.Attributes = `{"metadata":{"n":null,"tier":"gold"},"tag":{"tags":"[\"a\"]"}}` }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := view(convertOne(t, &Converter{}, newSpan(tt.fill)))
			want := baseView()
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

func TestConvertProject(t *testing.T) {
	td := ptrace.NewTraces()
	add := func(fill func(pcommon.Map)) {
		rs := td.ResourceSpans().AppendEmpty()
		fill(rs.Resource().Attributes())
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID(testTraceID)
		sp.SetSpanID(testSpanID)
	}
	add(func(m pcommon.Map) { m.PutStr("openinference.project.name", "proj") })
	add(func(m pcommon.Map) {})
	add(func(m pcommon.Map) { m.PutStr("openinference.project.name", "") })
	add(func(m pcommon.Map) { m.PutInt("openinference.project.name", 1) })
	add(func(m pcommon.Map) { m.PutStr("openinference.project.name", "p\x00") })

	var c Converter
	spans, _ := c.Convert(td, "")
	var got []string
	for _, s := range spans {
		got = append(got, s.ProjectName)
	}
	if want := []string{"proj", "default", "default", "default", "p\uFFFD"}; !cmp.Equal(got, want) {
		t.Errorf("projects %q, want %q", got, want)
	}

	spans, _ = c.Convert(td, "override")
	for _, s := range spans {
		if s.ProjectName != "override" {
			t.Errorf("project %q, want override", s.ProjectName)
		}
	}
}

func TestConvertInvalid(t *testing.T) {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	noTrace := ss.AppendEmpty()
	noTrace.SetSpanID(testSpanID)
	good := ss.AppendEmpty()
	good.SetTraceID(testTraceID)
	good.SetSpanID(testSpanID)
	noSpan := ss.AppendEmpty()
	noSpan.SetTraceID(testTraceID)

	var c Converter
	spans, invalid := c.Convert(td, "")
	if len(spans) != 1 || spans[0].SpanID != "b7ad6b7169203331" || spans[0].TraceID != "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("spans %+v", spans)
	}
	want := []InvalidSpan{
		{SpanID: "b7ad6b7169203331", Reason: "trace id is empty (all zero)"},
		{TraceID: "0af7651916cd43dd8448eb211c80319c", Reason: "span id is empty (all zero)"},
	}
	if diff := cmp.Diff(want, invalid); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}

	if spans, invalid := c.Convert(ptrace.NewTraces(), ""); spans != nil || invalid != nil {
		t.Errorf("empty traces gave %v, %v", spans, invalid)
	}
}

func TestConvertSharesTraceIDs(t *testing.T) {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := range 3 {
		sp := ss.AppendEmpty()
		tid := testTraceID
		if i == 2 {
			tid[0] = 0xff
		}
		sp.SetTraceID(tid)
		sp.SetSpanID(pcommon.SpanID{byte(i + 1)})
		sp.Attributes().PutInt("i", int64(i))
	}
	spans, _ := (&Converter{}).Convert(td, "")
	var got []string
	for _, s := range spans {
		got = append(got, s.TraceID+"/"+s.SpanID+"/"+string(s.Attributes))
	}
	want := []string{
		"0af7651916cd43dd8448eb211c80319c/0100000000000000/{\"i\":0}",
		"0af7651916cd43dd8448eb211c80319c/0200000000000000/{\"i\":1}",
		"fff7651916cd43dd8448eb211c80319c/0300000000000000/{\"i\":2}",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// The protobuf wire format allows what pdata's API does not: duplicate keys
// and invalid UTF-8 strings.

func pbBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func pbKV(key string, anyValue []byte) []byte {
	return pbBytes(pbBytes(nil, 1, []byte(key)), 2, anyValue)
}

func pbStr(s string) []byte { return pbBytes(nil, 1, []byte(s)) }

// pbRequest encodes an ExportTraceServiceRequest with one span of the test
// ids whose attributes are kvs (encoded KeyValues).
func pbRequest(kvs ...[]byte) []byte {
	var span []byte
	span = pbBytes(span, 1, testTraceID[:])
	span = pbBytes(span, 2, testSpanID[:])
	span = pbBytes(span, 5, []byte("span"))
	for _, kv := range kvs {
		span = pbBytes(span, 9, kv)
	}
	scope := pbBytes(nil, 2, span)
	rs := pbBytes(nil, 2, scope)
	return pbBytes(nil, 1, rs)
}

func TestConvertWireOddities(t *testing.T) {
	kvlist := pbBytes(nil, 6, append(pbBytes(nil, 1, pbKV("k", pbStr("first"))), pbBytes(nil, 1, pbKV("k", pbStr("last")))...))
	body := pbRequest(
		pbKV("dup", pbStr("first")),
		pbKV("dup", pbStr("last")),
		pbKV("dup2", pbStr("kept")),
		pbKV("dup2", nil), // an empty AnyValue is None: skipped
		pbKV("m", kvlist),
		pbKV("bad\xff", pbStr("v\xc3\x00")),
	)
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		t.Fatal(err)
	}
	s := convertOne(t, &Converter{}, req.Traces())
	want := "{\"bad\uFFFD\":\"v\uFFFD\uFFFD\",\"dup\":\"last\",\"dup2\":\"kept\",\"m\":{\"k\":\"last\"}}"
	if got := string(s.Attributes); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestConvertConcurrent(t *testing.T) {
	td := benchRequest(llmSpan, 20)
	var c Converter
	want, _ := c.Convert(td, "")
	done := make(chan []*ember.Span)
	for range 8 {
		go func() {
			got, _ := c.Convert(td, "")
			done <- got
		}()
	}
	for range 8 {
		got := <-done
		for i := range want {
			if string(got[i].Attributes) != string(want[i].Attributes) || string(got[i].Events) != string(want[i].Events) {
				t.Fatalf("span %d differs", i)
			}
		}
	}
}

// largeSpan encodes a span with n plain attributes, n message attributes,
// GenAI output messages of n messages, and session.id and input.value
// key-value lists of n entries each.
func largeSpan(n int) []byte {
	kvs := make([][]byte, 0, 2*n+4)
	var list []byte
	for i := range n {
		kvs = append(kvs, pbKV("k"+strconv.Itoa(i), pbStr("v")))
		kvs = append(kvs, pbKV("llm.input_messages."+strconv.Itoa(i)+".message.role", pbStr("user")))
		list = pbBytes(list, 1, pbKV("s"+strconv.Itoa(i), pbStr("x")))
	}
	var msgs strings.Builder
	msgs.WriteString("[")
	for i := range n {
		if i > 0 {
			msgs.WriteString(",")
		}
		msgs.WriteString(`{"role":"user","parts":[{"type":"text","content":"x"}]}`)
	}
	msgs.WriteString("]")
	kvs = append(kvs,
		pbKV("gen_ai.operation.name", pbStr("chat")),
		pbKV("gen_ai.output.messages", pbStr(msgs.String())),
		pbKV("session.id", pbBytes(nil, 6, list)),
		pbKV("input.value", pbBytes(nil, 6, list)),
	)
	return pbRequest(kvs...)
}

// TestConvertLargeSpan converts a span of 20,000 attributes, values whose
// stringified forms are long.
func TestConvertLargeSpan(t *testing.T) {
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(largeSpan(20000)); err != nil {
		t.Fatal(err)
	}
	s := convertOne(t, &Converter{}, req.Traces())
	if !strings.HasPrefix(s.SessionID, "{'s0': 'x', 's1': 'x',") {
		t.Errorf("session id %.40s", s.SessionID)
	}
}

// BenchmarkConvertLargeSpan shows whether conversion grows linearly with
// a span's attributes: the time per attribute should not grow with n.
//
//	go test ./internal/ingest -run '^$' -bench ConvertLargeSpan
func BenchmarkConvertLargeSpan(b *testing.B) {
	for _, n := range []int{5000, 20000} {
		b.Run(fmt.Sprintf("attributes=%d", n), func(b *testing.B) {
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalProto(largeSpan(n)); err != nil {
				b.Fatal(err)
			}
			c := &Converter{}
			for b.Loop() {
				spans, _ := c.Convert(req.Traces(), "")
				if len(spans) != 1 {
					b.Fatal("no span")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/attribute")
		})
	}
}

// FuzzConvertProtobuf feeds arbitrary bytes through the OTLP decoder and the
// converter: no panic, and every span's text is clean and its JSON valid.
func FuzzConvertProtobuf(f *testing.F) {
	for _, td := range []ptrace.Traces{
		benchRequest(smallSpan, 2),
		benchRequest(llmSpan, 1),
		newSpan(func(sp ptrace.Span) {
			a := sp.Attributes()
			a.PutStr("metadata", `{"a": [1, {"b": NaN}]}`)
			a.PutStr("a.0.b", "x")
			a.PutStr("a", "y")
			a.PutEmptyMap("input.value").PutEmptySlice("l").AppendEmpty().SetDouble(math.Inf(1))
			a.PutStr("gen_ai.operation.name", "chat")
			a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"},{"type":"uri","uri":"u"}]}]`)
			a.PutStr("gen_ai.prompt.0.content", "old")
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutStr("exception.message", "m")
		}),
	} {
		b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(pbRequest(pbKV("k\xff", pbStr("\x00"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(data); err != nil {
			return
		}
		spans, invalid := (&Converter{}).Convert(req.Traces(), "")
		if len(spans)+len(invalid) != req.Traces().SpanCount() {
			t.Fatalf("%d spans + %d invalid of %d", len(spans), len(invalid), req.Traces().SpanCount())
		}
		for _, s := range spans {
			checkSpanStrings(t, s)
		}
	})
}

// smallSpan fills a span with ten short attributes.
func smallSpan(sp ptrace.Span, i int) {
	a := sp.Attributes()
	a.PutStr("openinference.span.kind", "CHAIN")
	a.PutStr("http.method", "GET")
	a.PutStr("http.route", "/api/v1/items/{id}")
	a.PutInt("http.status_code", 200)
	a.PutStr("db.system", "postgresql")
	a.PutStr("db.operation", "SELECT")
	a.PutStr("component", "worker")
	a.PutBool("cache.hit", i%2 == 0)
	a.PutDouble("duration.ms", 12.5)
	a.PutStr("session.id", "session-42")
}

// llmSpan fills a span the way OpenInference instrumentations describe a
// chat completion, with 2 KB input and output values.
func llmSpan(sp ptrace.Span, i int) {
	a := sp.Attributes()
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 45) // ~2 KB
	a.PutStr("openinference.span.kind", "LLM")
	a.PutStr("llm.model_name", "gpt-4o-2024-08-06")
	a.PutStr("llm.provider", "openai")
	a.PutStr("llm.system", "openai")
	a.PutStr("llm.invocation_parameters", `{"temperature": 0.2, "max_tokens": 512}`)
	a.PutStr("input.value", `{"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "`+text+`"}]}`)
	a.PutStr("input.mime_type", "application/json")
	a.PutStr("output.value", text)
	a.PutStr("output.mime_type", "text/plain")
	a.PutStr("llm.input_messages.0.message.role", "system")
	a.PutStr("llm.input_messages.0.message.content", "You are helpful.")
	a.PutStr("llm.input_messages.1.message.role", "user")
	a.PutStr("llm.input_messages.1.message.content", text[:200])
	a.PutStr("llm.output_messages.0.message.role", "assistant")
	a.PutStr("llm.output_messages.0.message.content", text[:200])
	a.PutInt("llm.token_count.prompt", 512)
	a.PutInt("llm.token_count.completion", 480)
	a.PutInt("llm.token_count.total", 992)
	a.PutInt("llm.token_count.prompt_details.cache_read", 128)
	a.PutStr("session.id", "session-42")
	a.PutStr("metadata", `{"user_tier": "pro", "experiment": 7}`)
}

// benchRequest builds traces of n spans filled by fill.
func benchRequest(fill func(ptrace.Span, int), n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("openinference.project.name", "bench")
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range n {
		sp := ss.AppendEmpty()
		tid := testTraceID
		tid[15] = byte(i / 10)
		sp.SetTraceID(tid)
		sp.SetSpanID(pcommon.SpanID{byte(i >> 8), byte(i), 1})
		if i%10 != 0 {
			sp.SetParentSpanID(pcommon.SpanID{byte(i >> 8), byte(i - 1), 1})
		}
		sp.SetName("operation")
		sp.SetStartTimestamp(pcommon.Timestamp(1704110400000000000 + i*1000))
		sp.SetEndTimestamp(pcommon.Timestamp(1704110400000000000 + i*1000 + 500))
		sp.Status().SetCode(ptrace.StatusCodeOk)
		fill(sp, i)
	}
	return td
}

func BenchmarkConvert(b *testing.B) {
	const spansPerRequest = 100
	for _, bc := range []struct {
		name string
		fill func(ptrace.Span, int)
	}{
		{"small", smallSpan},
		{"llm", llmSpan},
	} {
		td := benchRequest(bc.fill, spansPerRequest)
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			b.Fatal(err)
		}
		c := &Converter{Prices: benchPrices()}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				spans, _ := c.Convert(td, "")
				if len(spans) != spansPerRequest {
					b.Fatal(len(spans))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerRequest), "ns/span")
		})
		b.Run(bc.name+"/decode+convert", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req := ptraceotlp.NewExportRequest()
				if err := req.UnmarshalProto(body); err != nil {
					b.Fatal(err)
				}
				spans, _ := c.Convert(req.Traces(), "")
				if len(spans) != spansPerRequest {
					b.Fatal(len(spans))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerRequest), "ns/span")
		})
	}
}

func benchPrices() *pricing.Table { return pricing.Builtin() }

func TestConvertCost(t *testing.T) {
	prices := pricing.Builtin()
	llm := func(model any) func(sp ptrace.Span) {
		return func(sp ptrace.Span) {
			sp.SetStartTimestamp(pcommon.Timestamp(1735689600000000000)) // 2025-01-01
			a := sp.Attributes()
			a.PutStr("openinference.span.kind", "LLM")
			switch m := model.(type) {
			case string:
				a.PutStr("llm.model_name", m)
			case int:
				a.PutInt("llm.model_name", int64(m))
			}
			a.PutStr("llm.provider", "openai")
			a.PutInt("llm.token_count.prompt", 1000)
			a.PutStr("llm.token_count.completion", "100")
			a.PutInt("llm.token_count.prompt_details.cache_read", 200)
			a.PutStr("llm.token_count.prompt_details.audio", "x") // not a count
			a.PutDouble("llm.token_count.completion_details.reasoning", 40)
		}
	}
	s := convertOne(t, &Converter{Prices: prices}, newSpan(llm("gpt-4o")))
	want := prices.Cost("gpt-4o", "openai", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), pricing.Usage{
		Prompt: 1000, Completion: 100,
		PromptDetails:     map[string]int64{"cache_read": 200},
		CompletionDetails: map[string]int64{"reasoning": 40},
	})
	if want == nil {
		t.Fatal("the price table does not know gpt-4o")
	}
	if diff := cmp.Diff(want, s.Cost); diff != "" {
		t.Errorf("cost -want +got:\n%s", diff)
	}

	for name, tt := range map[string]struct {
		c    *Converter
		fill func(sp ptrace.Span)
	}{
		"NoPrices":    {&Converter{}, llm("gpt-4o")},
		"BlankModel":  {&Converter{Prices: prices}, llm(" ")},
		"NoModel":     {&Converter{Prices: prices}, llm(nil)},
		"ModelNotStr": {&Converter{Prices: prices}, llm(4)},
		"NotLLM": {&Converter{Prices: prices}, func(sp ptrace.Span) {
			llm("gpt-4o")(sp)
			sp.Attributes().PutStr("openinference.span.kind", "CHAIN")
		}},
	} {
		if s := convertOne(t, tt.c, newSpan(tt.fill)); s.Cost != nil {
			t.Errorf("%s: cost %+v", name, s.Cost)
		}
	}
}
