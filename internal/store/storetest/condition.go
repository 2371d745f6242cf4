package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/spanquery"
	"github.com/emberhq/ember/internal/store"
)

// conditionFixture is a small project whose spans every condition of
// conditionCases is run against: an agent trace with a refund question, a
// chat trace, an orphan, and a failed LLM call.
func conditionFixture(t *testing.T, db *store.DB) {
	t.Helper()
	type def struct {
		trace, id, parent, name string
		kind                    ember.SpanKind
		status                  ember.StatusCode
		latency                 time.Duration
		prompt, completion      int64
		attrs                   string
	}
	defs := []def{
		{"ta", "a1", "", "agent", ember.SpanKindChain, ember.StatusOK, 1500 * time.Millisecond, 0, 0,
			`{"input":{"value":"Where is my REFUND?","mime_type":"text/plain"},"output":{"value":"Refund issued"},"metadata":{"tier":"gold","n":5,"nested":{"deep":"yes"}},"user":{"id":"u1"},"session":{"id":"s1"}}`},
		{"ta", "a2", "a1", "llm", ember.SpanKindLLM, ember.StatusOK, 1200 * time.Millisecond, 100, 50,
			`{"llm":{"model_name":"gpt-4o","provider":"openai","token_count":{"prompt":100,"completion":50,"total":150},"input_messages":[{"message":{"role":"user","content":"refund?"}}]},"output":{"value":"REFUND approved"}}`},
		{"ta", "a3", "a1", "retrieve", ember.SpanKindRetriever, ember.StatusOK, 200 * time.Millisecond, 0, 0,
			`{"retrieval":{"documents":[{"document":{"id":"d1","score":0.9}},{"document":{"id":"d2","score":0.4}}]},"input":{"value":"refund policy"}}`},
		{"ta", "a4", "a1", "lookup", ember.SpanKindTool, ember.StatusError, 3000 * time.Millisecond, 0, 0,
			`{"tool":{"name":"lookup_order"},"metadata":{"tier":"gold","retries":2.5,"truthy":"yes","n":"1e3"}}`},
		{"tb", "b1", "", "chat", ember.SpanKindAgent, ember.StatusOK, 500 * time.Millisecond, 0, 0,
			`{"input":{"value":"hello"},"metadata":{"tier":"silver","flag":true,"n":"5","truthy":"TRUE"}}`},
		{"tb", "b2", "b1", "llm", ember.SpanKindLLM, ember.StatusUnset, 800 * time.Millisecond, 1000, 1200,
			`{"llm":{"model_name":"claude-sonnet-4","token_count":{"prompt":1000,"completion":1200,"total":2200}},"tag":{"tags":["x","y"]},"flag":false}`},
		{"tb", "b3", "ffff", "orphan", ember.SpanKindChain, ember.StatusOK, 50 * time.Millisecond, 0, 0,
			`{"metadata":{"tier":"bronze"}}`},
		{"tc", "c1", "", "llm", ember.SpanKindLLM, ember.StatusError, 2500 * time.Millisecond, 10, 5,
			`{"llm":{"model_name":"gpt-4","token_count":{"total":15}},"metadata":{"tier":"gold","score":0.8,"truthy":0},"output":{"value":"It's a café"}}`},
	}
	var spans []*ember.Span
	for i, d := range defs {
		d := d
		kind := string(d.kind)
		var attrs map[string]any
		if err := json.Unmarshal([]byte(d.attrs), &attrs); err != nil {
			t.Fatalf("fixture %s: %v", d.id, err)
		}
		attrs["openinference"] = map[string]any{"span": map[string]any{"kind": kind}}
		raw, _ := json.Marshal(attrs)
		spans = append(spans, span(d.trace, d.id, d.parent, inProject("conditions"), func(s *ember.Span) {
			s.Name, s.Kind, s.StatusCode = d.name, d.kind, d.status
			if d.status == ember.StatusError {
				s.StatusMessage = "boom"
			}
			s.StartTime = base.Add(time.Duration(i) * time.Minute)
			s.EndTime = s.StartTime.Add(d.latency)
			s.Attributes = raw
			switch d.id {
			case "a1":
				s.SessionID, s.UserID = "s1", "u1"
			case "c1":
				s.SessionID = "s1"
			case "b1":
				s.SessionID = "s2"
			}
			if d.kind == ember.SpanKindLLM {
				s.HasTokenCounts, s.LLMTokenCountPrompt, s.LLMTokenCountCompletion = true, d.prompt, d.completion
			}
		}))
	}
	if _, err := db.InsertSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	// Annotations: correctness on two LLM spans, hallucination scores, a
	// trace's quality and a session's satisfaction.
	str := func(v string) *string { return &v }
	num := func(v float64) *float64 { return &v }
	spanNote := func(id, name string, label *string, score *float64, explanation *string) *ember.Annotation {
		return &ember.Annotation{Target: ember.AnnotationTargetSpan, SpanID: fmt.Sprintf("%016s", id), Name: name, AnnotatorKind: ember.AnnotatorLLM, Label: label, Score: score, Explanation: explanation}
	}
	err := db.UpsertAnnotations(context.Background(), []*ember.Annotation{
		spanNote("a2", "correctness", str("correct"), num(1), nil),
		spanNote("c1", "correctness", str("incorrect"), num(0), str("wrong model")),
		spanNote("b2", "hallucination", nil, num(0.3), nil),
		spanNote("a1", "hallucination", nil, num(0.9), nil),
		{Target: ember.AnnotationTargetTrace, TraceID: fmt.Sprintf("%032s", "ta"), Name: "quality", AnnotatorKind: ember.AnnotatorHuman, Label: str("good")},
		{Target: ember.AnnotationTargetSession, SessionID: "s2", Name: "satisfaction", AnnotatorKind: ember.AnnotatorHuman, Score: num(4)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// conditionCases are conditions of the filter language with the spans of
// conditionFixture they select ("" for none).
var conditionCases = []struct{ condition, want string }{
	// Span fields.
	{`span_kind == 'LLM'`, "a2 b2 c1"},
	{`span_kind == 'llm'`, "a2 b2 c1"},
	{`span_kind != 'LLM'`, "a1 a3 a4 b1 b3"},
	{`span_kind in ('TOOL', 'retriever')`, "a3 a4"},
	{`span_kind not in ['LLM', 'CHAIN']`, "a3 a4 b1"},
	{`status_code == 'ERROR'`, "a4 c1"},
	{`status_code == 'error' and span_kind == 'LLM'`, "c1"},
	{`status_code != 'OK'`, "a4 b2 c1"},
	{`status_message == 'boom'`, "a4 c1"},
	{`name == 'llm'`, "a2 b2 c1"},
	{`name in ('agent', 'chat')`, "a1 b1"},
	{`'ook' in name`, "a4"},
	{`'LL' in name`, "a2 b2 c1"},
	{`'x' not in name`, "a1 a2 a3 a4 b1 b2 b3 c1"},
	{`span_id == '00000000000000a2'`, "a2"},
	{`context.span_id == '00000000000000b1'`, "b1"},
	{`trace_id == '000000000000000000000000000000tb'`, "b1 b2 b3"},
	{`context.trace_id in ('000000000000000000000000000000tc',)`, "c1"},
	{`parent_id == '00000000000000a1'`, "a2 a3 a4"},
	{`parent_id is None`, "a1 b1 c1"},
	{`parent_id is not None`, "a2 a3 a4 b2 b3"},
	{`parent_id == None`, "a1 b1 c1"},
	{`parent_span is None`, "a1 b1 b3 c1"},
	{`parent_span is not None`, "a2 a3 a4 b2"},
	{`start_time >= '2026-01-02T03:10:05.123456789+00:00'`, "b3 c1"},
	{`end_time < '2026-01-02T03:05:06Z' and start_time > '2026-01-02T02:00:00+00:00'`, "a1"},
	// Latency and token counts.
	{`latency_ms > 1000`, "a1 a2 a4 c1"},
	{`latency_ms >= 1500`, "a1 a4 c1"},
	{`1000 < latency_ms < 2000`, "a1 a2"},
	{`latency_ms <= 200`, "a3 b3"},
	{`latency_ms / 1000 > 2`, "a4 c1"},
	{`latency_ms - 500 == 0`, "b1"},
	{`-latency_ms < -2000`, "a4 c1"},
	{`latency_ms // 1000 == 1`, "a1 a2"},
	{`latency_ms % 1000 == 500`, "a1 b1 c1"},
	{`int(latency_ms / 1000) == 2`, "c1"},
	{`cumulative_llm_token_count_total >= 2000`, "b1 b2"},
	{`cumulative_llm_token_count_total >= 2000 or status_code == 'ERROR'`, "a4 b1 b2 c1"},
	{`cumulative_llm_token_count_prompt == 100`, "a1 a2"},
	{`cumulative_token_count.completion > 1000`, "b1 b2"},
	{`cumulative_llm_token_count_completion == 0`, "a3 a4 b3"},
	// Attributes.
	{`llm.model_name == 'gpt-4o'`, "a2"},
	{`llm.model_name in ('gpt-4o', 'gpt-4')`, "a2 c1"},
	{`llm.model_name != 'gpt-4o'`, "b2 c1"},
	{`llm.model_name is None`, "a1 a3 a4 b1 b3"},
	{`llm.model_name is not None`, "a2 b2 c1"},
	{`llm.token_count.total > 100`, "a2 b2"},
	{`llm.token_count.total < 100`, "c1"},
	{`llm.token_count.prompt + llm.token_count.completion > 200`, "b2"},
	{`llm.token_count.total * 2 == 300`, "a2"},
	{`llm.provider == 'openai'`, "a2"},
	{`attributes['llm']['provider'] == 'openai'`, "a2"},
	{`latency_ms >= 2_500`, "a4 c1"},
	{`'error' in output.value`, ""},
	{`'refund' in output.value`, "a1 a2"},
	{`'refund' in input.value`, "a1 a3"},
	{`'REFUND' in input.value or 'hello' in input.value`, "a1 a3 b1"},
	{`'refund' not in input.value`, "b1"},
	{`'café' in output.value`, "c1"},
	{`"It's" in output.value`, "c1"},
	{`input.mime_type == 'text/plain'`, "a1"},
	{`metadata['tier'] == 'gold'`, "a1 a4 c1"},
	{`metadata["tier"] in ('silver', 'bronze')`, "b1 b3"},
	{`metadata['n'] == 5`, "a1 b1"},
	{`metadata['n'] == '5'`, "a1 b1"},
	{`metadata['n'] > 4`, "a1 b1"},
	{`float(metadata['n']) + 1 == 6`, "a1 b1"},
	{`metadata['score'] >= 0.5`, "c1"},
	{`metadata['retries'] == 2.5`, "a4"},
	{`metadata['flag'] == True`, "b1"},
	{`metadata['flag']`, "b1"},
	{`not metadata['flag']`, ""},
	{`flag == False`, "b2"},
	{`metadata['truthy'] == True`, "b1"},
	{`metadata['truthy'] == False`, "c1"},
	{`metadata['nested']['deep'] == 'yes'`, "a1"},
	{`metadata[['nested', 'deep']] == 'yes'`, "a1"},
	{`metadata.nested.deep == 'yes'`, "a1"},
	{`attributes['metadata']['tier'] == 'silver'`, "b1"},
	{`attributes[['llm', 'model_name']] == 'gpt-4'`, "c1"},
	{`attributes['llm', 'model_name'] == 'gpt-4'`, "c1"},
	{`user.id == 'u1'`, "a1"},
	{`session.id == 's1'`, "a1"},
	{`tool.name == 'lookup_order'`, "a4"},
	{`llm.input_messages[0].message.role == 'user'`, "a2"},
	{`retrieval.documents[1].document.score < 0.5`, "a3"},
	{`retrieval.documents[0].document.id == 'd1'`, "a3"},
	{`str(metadata['n']) == '5'`, "a1 b1"},
	{`float(metadata['score']) > 0.5`, "c1"},
	{`metadata['tier'] + '-tier' == 'gold-tier'`, "a1 a4 c1"},
	{`metadata['missing'] == 'x'`, ""},
	{`metadata['tier'] == metadata['tier']`, "a1 a4 b1 b3 c1"},
	// Annotations.
	{`evals['correctness'].label == 'correct'`, "a2"},
	{`annotations['correctness'].label == 'incorrect'`, "c1"},
	{`annotations['hallucination'].score < 0.5`, "b2"},
	{`evals['correctness']`, "a2 c1"},
	{`not annotations['correctness']`, "a1 a3 a4 b1 b2 b3"},
	{`annotations['correctness'].explanation == 'wrong model'`, "c1"},
	{`annotations['correctness'].score >= 0.5 and span_kind == 'LLM'`, "a2"},
	{`trace_annotations['quality'].label == 'good'`, "a1 a2 a3 a4"},
	{`evals['hallucination'].score > 0.5 or evals['correctness'].label == 'incorrect'`, "a1 c1"},
	{`annotations['missing'].score is None`, "a1 a2 a3 a4 b1 b2 b3 c1"},
	// Logic.
	{`span_kind == 'LLM' and latency_ms > 1000`, "a2 c1"},
	{`span_kind == 'LLM' and not latency_ms > 1000`, "b2"},
	{`not (span_kind == 'LLM' or span_kind == 'CHAIN')`, "a3 a4 b1"},
	{`(status_code == 'ERROR' or latency_ms < 100) and metadata['tier'] == 'gold'`, "a4 c1"},
	{`span_kind == 'LLM' and llm.model_name == 'gpt-4o' or name == 'chat'`, "a2 b1"},
	{`True == True and span_kind == 'TOOL'`, "a4"},
}

// testConditions runs every condition of conditionCases on a fixture and
// checks the spans it selects.
func testConditions(t *testing.T, open Opener) {
	db := open(t)
	conditionFixture(t, db)
	ctx := context.Background()
	project, err := db.FindProjectByName(ctx, "conditions")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range conditionCases {
		cond, err := spanquery.Parse(tc.condition)
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		spans, err := db.FindSpans(ctx, ember.SpanFilter{ProjectID: &project.ID, Condition: cond, Limit: 100})
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		var got []string
		for _, s := range spans {
			got = append(got, strings.TrimLeft(s.SpanID, "0"))
		}
		slices.Sort(got)
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: got %q, want %q", tc.condition, g, tc.want)
		}
	}
	if len(conditionCases) < 80 {
		t.Errorf("only %d conditions", len(conditionCases))
	}
}

// traceConditionCases are trace conditions with the traces of
// conditionFixture they select.
var traceConditionCases = []struct{ condition, want string }{
	{`num_spans == 4`, "ta"},
	{`error_count > 0`, "ta tc"},
	{`token_count_total > 1000`, "tb"},
	{`token_count_prompt == 100 and token_count_completion == 50`, "ta"},
	{`latency_ms < 5000`, "tc"},
	{`tool_span_count >= 1`, "ta"},
	{`llm_span_count == 1`, "ta tb tc"},
	{`any(span.span_kind == 'LLM' for span in spans)`, "ta tb tc"},
	{`any(span.status_code == 'ERROR' and span.span_kind == 'TOOL' for span in spans)`, "ta"},
	{`all(span.status_code != 'ERROR' for span in spans)`, "tb"},
	{`not any(span.status_code == 'ERROR' for span in spans)`, "tb"},
	{`max(span.latency_ms for span in spans) > 2000`, "ta tc"},
	{`min(span.latency_ms for span in spans) < 100`, "tb"},
	{`sum(span.llm.token_count.prompt for span in spans if span.span_kind == 'LLM') >= 1000`, "tb"},
	{`sum(1 for span in spans if span.span_kind == 'LLM') == 1 and num_spans > 1`, "ta tb"},
	{`any(span.llm.model_name in ('gpt-4o', 'gpt-4') for span in spans)`, "ta tc"},
	{`any('refund' in span.input.value for span in spans)`, "ta"},
	{`any(span.metadata['tier'] == 'bronze' for span in spans)`, "tb"},
	{`'refund' in input`, "ta"},
	{`'café' in output`, "tc"},
	{`metadata['tier'] == 'gold'`, "ta tc"},
	{`user.id == 'u1'`, "ta"},
	{`name == 'chat'`, "tb"},
	{`trace_id == '000000000000000000000000000000tb'`, "tb"},
	{`total_cost == 0`, "ta tb tc"},
	{`start_time >= '2026-01-02T03:08:00Z'`, "tb tc"},
	{`trace_annotations['quality'].label == 'good'`, "ta"},
	{`any(span.annotations['correctness'].label == 'incorrect' for span in spans)`, "tc"},
	{`annotations['hallucination'].score > 0.5`, "ta"},
	{`not trace_annotations['quality']`, "tb tc"},
}

// sessionConditionCases are session conditions with the sessions of
// conditionFixture they select: s1 holds traces ta and tc, s2 holds tb.
var sessionConditionCases = []struct{ condition, want string }{
	{`num_traces == 2`, "s1"},
	{`num_traces_with_error == 2`, "s1"},
	{`token_count_total > 1000`, "s2"},
	{`'hello' in any_input`, "s2"},
	{`'REFUND' in any_input`, "s1"},
	{`'approved' in any_output`, ""},
	{`any(trace.num_spans == 3 for trace in traces)`, "s2"},
	{`any(span.llm.model_name == 'gpt-4' for span in spans)`, "s1"},
	{`all(trace.error_count > 0 for trace in traces)`, "s1"},
	{`max(trace.latency_ms for trace in traces) > 150000`, "s1"},
	{`session_id == 's2'`, "s2"},
	{`user.id == 'u1'`, "s1"},
	{`user.id is None`, "s2"},
	{`metadata['tier'] == 'silver'`, "s2"},
	{`duration_ms > 0 and num_traces >= 1`, "s1 s2"},
	{`session_annotations['satisfaction'].score >= 4`, "s2"},
	{`any(trace.trace_annotations['quality'] for trace in traces)`, "s1"},
	{`any(span.evals['correctness'].label == 'incorrect' for span in spans)`, "s1"},
}

// testTraceAndSessionConditions runs the trace and session languages on
// the fixture.
func testTraceAndSessionConditions(t *testing.T, open Opener) {
	db := open(t)
	conditionFixture(t, db)
	ctx := context.Background()
	project, err := db.FindProjectByName(ctx, "conditions")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range traceConditionCases {
		cond, err := spanquery.ParseTrace(tc.condition)
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		traces, err := db.FindTraces(ctx, ember.TraceFilter{ProjectID: project.ID, Condition: cond})
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		var got []string
		for _, tr := range traces {
			got = append(got, strings.TrimLeft(tr.TraceID, "0"))
		}
		slices.Sort(got)
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("trace condition %s: got %q, want %q", tc.condition, g, tc.want)
		}
	}
	for _, tc := range sessionConditionCases {
		cond, err := spanquery.ParseSession(tc.condition)
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		sessions, err := db.FindSessions(ctx, ember.SessionFilter{ProjectID: project.ID, Condition: cond})
		if err != nil {
			t.Errorf("%s: %v", tc.condition, err)
			continue
		}
		var got []string
		for _, s := range sessions {
			got = append(got, s.SessionID)
		}
		slices.Sort(got)
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("session condition %s: got %q, want %q", tc.condition, g, tc.want)
		}
	}
}
