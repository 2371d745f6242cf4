// Package storetest is the conformance suite every store engine passes.
// The engine packages run it from their tests: SQLite always, PostgreSQL
// when EMBER_TEST_POSTGRES_URL names a server.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// Opener opens a fresh, empty, migrated database for one test.
type Opener func(t testing.TB) *store.DB

// RunAll runs every conformance test against databases from open.
func RunAll(t *testing.T, open Opener) {
	t.Run("Placeholders", func(t *testing.T) { testPlaceholders(t, open) })
	t.Run("DefaultProject", func(t *testing.T) { testDefaultProject(t, open) })
	t.Run("Projects", func(t *testing.T) { testProjects(t, open) })
	t.Run("DeleteProject", func(t *testing.T) { testDeleteProject(t, open) })
	t.Run("InsertAndRead", func(t *testing.T) { testInsertAndRead(t, open) })
	t.Run("Duplicates", func(t *testing.T) { testDuplicates(t, open) })
	t.Run("TraceKeepsFirstProject", func(t *testing.T) { testTraceKeepsFirstProject(t, open) })
	t.Run("TraceTimesWiden", func(t *testing.T) { testTraceTimesWiden(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("CumulativeCounts", func(t *testing.T) { testCumulativeCounts(t, open) })
	t.Run("CumulativeCountsWithDuplicates", func(t *testing.T) { testCumulativeWithDuplicates(t, open) })
	t.Run("RowIDsOfInsertedSpans", func(t *testing.T) { testRowIDs(t, open) })
	t.Run("AttributeMatch", func(t *testing.T) { testAttributeMatch(t, open) })
	t.Run("ParentCycle", func(t *testing.T) { testParentCycle(t, open) })
	t.Run("DeleteSpan", func(t *testing.T) { testDeleteSpan(t, open) })
	t.Run("Costs", func(t *testing.T) { testCosts(t, open) })
	t.Run("LargeBatch", func(t *testing.T) { testLargeBatch(t, open) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrentWriters(t, open) })
	t.Run("UnicodeAndLargeValues", func(t *testing.T) { testUnicode(t, open) })
	t.Run("TransferTraces", func(t *testing.T) { testTransferTraces(t, open) })
	t.Run("SpanPagesByTime", func(t *testing.T) { testSpanPagesByTime(t, open) })
	t.Run("Conditions", func(t *testing.T) { testConditions(t, open) })
	t.Run("TraceAndSessionConditions", func(t *testing.T) { testTraceAndSessionConditions(t, open) })
	t.Run("Datasets", func(t *testing.T) { testDatasets(t, open); testLargeDatasetUpload(t, open) })
	t.Run("Prompts", func(t *testing.T) { testPrompts(t, open) })
	t.Run("Experiments", func(t *testing.T) { testExperiments(t, open) })
	t.Run("Summaries", func(t *testing.T) { testSummaries(t, open) })
	t.Run("Annotations", func(t *testing.T) { testAnnotations(t, open) })
}

var base = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

// span builds a test span; ids are short names padded to hex widths.
func span(trace, id, parent string, mods ...func(*ember.Span)) *ember.Span {
	s := &ember.Span{
		ProjectName:   ember.DefaultProjectName,
		TraceID:       fmt.Sprintf("%032s", trace),
		SpanID:        fmt.Sprintf("%016s", id),
		Name:          "op-" + id,
		Kind:          ember.SpanKindChain,
		StartTime:     base,
		EndTime:       base.Add(time.Second),
		StatusCode:    ember.StatusOK,
		StatusMessage: "",
		Attributes:    json.RawMessage(`{"openinference":{"span":{"kind":"CHAIN"}}}`),
		Events:        json.RawMessage(`[]`),
	}
	if parent != "" {
		s.ParentID = fmt.Sprintf("%016s", parent)
	}
	for _, m := range mods {
		m(s)
	}
	return s
}

func llm(prompt, completion int64) func(*ember.Span) {
	return func(s *ember.Span) {
		s.Kind = ember.SpanKindLLM
		s.HasTokenCounts = true
		s.LLMTokenCountPrompt, s.LLMTokenCountCompletion = prompt, completion
	}
}

func failed(s *ember.Span) { s.StatusCode, s.StatusMessage = ember.StatusError, "boom" }

func inProject(name string) func(*ember.Span) { return func(s *ember.Span) { s.ProjectName = name } }

func insert(t testing.TB, db *store.DB, spans ...*ember.Span) ember.InsertSpansResult {
	t.Helper()
	res, err := db.InsertSpans(context.Background(), spans)
	if err != nil {
		t.Fatalf("InsertSpans: %v", err)
	}
	return res
}

func mustSpan(t testing.TB, db *store.DB, id string) *ember.Span {
	t.Helper()
	spans, err := db.FindSpans(context.Background(), ember.SpanFilter{SpanIDs: []string{fmt.Sprintf("%016s", id)}})
	if err != nil {
		t.Fatalf("FindSpans: %v", err)
	} else if len(spans) != 1 {
		t.Fatalf("span %s: found %d spans", id, len(spans))
	}
	return spans[0]
}

type cum struct{ Errors, Prompt, Completion int64 }

func cumOf(t testing.TB, db *store.DB, id string) cum {
	t.Helper()
	s := mustSpan(t, db, id)
	return cum{s.CumulativeErrorCount, s.CumulativeLLMTokenCountPrompt, s.CumulativeLLMTokenCountCompletion}
}

func testPlaceholders(t *testing.T, open Opener) {
	// The shared SQL numbers its parameters ($1, $2); both engines must
	// bind them by number, not by position.
	db := open(t)
	var a, b string
	if err := db.ReadDB().QueryRowContext(context.Background(), `SELECT $2, $1`, "first", "second").Scan(&a, &b); err != nil {
		t.Fatal(err)
	} else if a != "second" || b != "first" {
		t.Fatalf("got %q, %q", a, b)
	}
}

func testDefaultProject(t *testing.T, open Opener) {
	db := open(t)
	p, err := db.FindProjectByName(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	if p.Description == nil || *p.Description != "Default project" || p.GradientStartColor != "#5bdbff" || p.GradientEndColor != "#1c76fc" {
		t.Fatalf("default project: %+v", p)
	}
	if _, err := db.FindProjectByName(context.Background(), "nope"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("missing project: %v", err)
	}
}

func testInsertAndRead(t *testing.T, open Opener) {
	db := open(t)
	in := span("a1", "b1", "", inProject("my project"), llm(10, 20), func(s *ember.Span) {
		s.Name = "ChatCompletion"
		s.StatusCode, s.StatusMessage = ember.StatusError, "rate limited"
		s.Attributes = json.RawMessage(`{"llm":{"model_name":"gpt-4o","input_messages":[{"message":{"role":"user","content":"hi"}}]},"session":{"id":"s-1"}}`)
		s.Events = json.RawMessage(`[{"name":"exception","timestamp":"2026-01-02T03:04:05.5Z","attributes":{"exception":{"message":"x"}}}]`)
		s.SessionID = "s-1"
		s.UserID = "u-9"
	})
	res := insert(t, db, in)
	if res.Inserted != 1 || res.Duplicates != 0 {
		t.Fatalf("result: %+v", res)
	}
	got := mustSpan(t, db, "b1")
	p, err := db.FindProjectByName(context.Background(), "my project")
	if err != nil {
		t.Fatal(err)
	}
	want := *in
	want.ID, want.TraceRowID, want.ProjectID = got.ID, got.TraceRowID, p.ID
	want.ProjectName = ""
	want.UserID = ""
	want.Cost = nil
	want.CumulativeErrorCount, want.CumulativeLLMTokenCountPrompt, want.CumulativeLLMTokenCountCompletion = 1, 10, 20
	if diff := cmp.Diff(&want, got, cmp.Comparer(jsonEqual)); diff != "" {
		t.Fatalf("span (-want +got):\n%s", diff)
	}
	tr, err := db.FindTraceByTraceID(context.Background(), in.TraceID)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ProjectID != p.ID || !tr.StartTime.Equal(in.StartTime) || !tr.EndTime.Equal(in.EndTime) || tr.SessionRowID == 0 {
		t.Fatalf("trace: %+v", tr)
	}
	if _, err := db.FindTraceByTraceID(context.Background(), "ffff"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("missing trace: %v", err)
	}
	n, err := db.CountSpans(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("CountSpans = %d, %v", n, err)
	}
}

// jsonEqual compares JSON documents by value: PostgreSQL's jsonb does not
// keep key order or spacing.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func testDuplicates(t *testing.T, open Opener) {
	db := open(t)
	batch := []*ember.Span{span("a", "1", ""), span("a", "2", "1"), span("a", "2", "1")}
	if res := insert(t, db, batch...); res.Inserted != 2 || res.Duplicates != 1 {
		t.Fatalf("first: %+v", res)
	}
	// A retried export changes nothing.
	changed := span("a", "1", "", func(s *ember.Span) { s.Name = "changed" })
	if res := insert(t, db, changed, span("a", "2", "1")); res.Inserted != 0 || res.Duplicates != 2 {
		t.Fatalf("retry: %+v", res)
	}
	if got := mustSpan(t, db, "1").Name; got != "op-1" {
		t.Fatalf("name = %q: a duplicate must not overwrite", got)
	}
	// A span is named by its trace and span ids, as in OpenTelemetry: the
	// same span id in another trace is another span. Looking a span id up
	// alone finds both, and deleting by span id takes the newest.
	other := span("b", "1", "", func(s *ember.Span) { s.Name = "other" })
	if res := insert(t, db, other); res.Inserted != 1 || res.Duplicates != 0 {
		t.Fatalf("other trace: %+v", res)
	}
	both, err := db.FindSpans(context.Background(), ember.SpanFilter{SpanIDs: []string{other.SpanID}})
	if err != nil || len(both) != 2 {
		t.Fatalf("FindSpans by span id = %d spans, %v", len(both), err)
	}
	if err := db.DeleteSpan(context.Background(), other.SpanID); err != nil {
		t.Fatal(err)
	}
	if got := mustSpan(t, db, "1").Name; got != "op-1" {
		t.Fatalf("after deleting the newest, name = %q", got)
	}
	// So within one batch: the same span ids in two traces are two spans
	// each, and each child counts toward its own trace's parent.
	withTokens := func(s *ember.Span) { s.HasTokenCounts, s.LLMTokenCountPrompt = true, 7 }
	batch = []*ember.Span{span("c", "5", ""), span("c", "6", "5", withTokens), span("d", "5", ""), span("d", "6", "5", withTokens), span("d", "6", "5", withTokens)}
	if res := insert(t, db, batch...); res.Inserted != 4 || res.Duplicates != 1 {
		t.Fatalf("one batch, two traces: %+v", res)
	}
	roots, err := db.FindSpans(context.Background(), ember.SpanFilter{SpanIDs: []string{batch[0].SpanID}})
	if err != nil || len(roots) != 2 || roots[0].CumulativeLLMTokenCountPrompt != 7 || roots[1].CumulativeLLMTokenCountPrompt != 7 {
		t.Fatalf("roots %+v, %v", roots, err)
	}
}

func testTraceKeepsFirstProject(t *testing.T, open Opener) {
	db := open(t)
	insert(t, db, span("t", "1", "", inProject("first")))
	insert(t, db, span("t", "2", "1", inProject("second")))
	first, err := db.FindProjectByName(context.Background(), "first")
	if err != nil {
		t.Fatal(err)
	}
	s := mustSpan(t, db, "2")
	if s.ProjectID != first.ID {
		t.Fatalf("span project = %d, want %d", s.ProjectID, first.ID)
	}
	// The second project exists all the same: projects are created on use.
	if _, err := db.FindProjectByName(context.Background(), "second"); err != nil {
		t.Fatal(err)
	}
}

func testTraceTimesWiden(t *testing.T, open Opener) {
	db := open(t)
	insert(t, db, span("t", "1", "", func(s *ember.Span) { s.StartTime, s.EndTime = base.Add(time.Second), base.Add(2*time.Second) }))
	insert(t, db, span("t", "2", "1", func(s *ember.Span) { s.StartTime, s.EndTime = base, base.Add(time.Second) }),
		span("t", "3", "1", func(s *ember.Span) { s.StartTime, s.EndTime = base.Add(time.Second), base.Add(5*time.Second) }))
	tr, err := db.FindTraceByTraceID(context.Background(), fmt.Sprintf("%032s", "t"))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.StartTime.Equal(base) || !tr.EndTime.Equal(base.Add(5*time.Second)) {
		t.Fatalf("trace times %v..%v", tr.StartTime, tr.EndTime)
	}
}

func testSessions(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	withSession := func(id, user string) func(*ember.Span) {
		return func(s *ember.Span) { s.SessionID, s.UserID = id, user }
	}
	insert(t, db, span("t1", "1", "", inProject("p1"), withSession("conv", "")))
	insert(t, db, span("t2", "2", "", inProject("p2"), withSession("conv", "alice"), func(s *ember.Span) {
		s.StartTime, s.EndTime = base.Add(time.Hour), base.Add(2*time.Hour)
	}))
	// A trace keeps its first session; later spans cannot move it.
	insert(t, db, span("t1", "3", "1", withSession("other", ""), func(s *ember.Span) {
		s.EndTime = base.Add(3 * time.Hour)
	}))
	sess, err := db.FindSessionBySessionID(ctx, "conv")
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := db.FindProjectByName(ctx, "p1")
	if sess.ProjectID != p1.ID || sess.UserID != "alice" || !sess.StartTime.Equal(base) || !sess.EndTime.Equal(base.Add(3*time.Hour)) {
		t.Fatalf("session: %+v", sess)
	}
	for _, id := range []string{"t1", "t2"} {
		tr, err := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", id))
		if err != nil {
			t.Fatal(err)
		} else if tr.SessionRowID != sess.ID {
			t.Fatalf("trace %s session = %d, want %d", id, tr.SessionRowID, sess.ID)
		}
	}
	if _, err := db.FindSessionBySessionID(ctx, "other"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("session other: %v", err)
	}
	if got := mustSpan(t, db, "3").SessionID; got != "conv" {
		t.Fatalf("span session = %q", got)
	}

	// One batch of several traces: two of a new session, one more of
	// "conv", and a later span of t2, whose trace is linked already and
	// widens "conv".
	at := func(from, to time.Duration) func(*ember.Span) {
		return func(s *ember.Span) { s.StartTime, s.EndTime = base.Add(from), base.Add(to) }
	}
	insert(t, db,
		span("t3", "30", "", withSession("batch", "bob"), at(5*time.Hour, 6*time.Hour)),
		span("t4", "40", "", withSession("batch", ""), at(4*time.Hour, 5*time.Hour)),
		span("t5", "50", "", withSession("conv", ""), at(7*time.Hour, 8*time.Hour)),
		span("t2", "21", "2", withSession("conv", ""), at(8*time.Hour, 9*time.Hour)),
	)
	batch, err := db.FindSessionBySessionID(ctx, "batch")
	if err != nil || batch.UserID != "bob" || !batch.StartTime.Equal(base.Add(4*time.Hour)) || !batch.EndTime.Equal(base.Add(6*time.Hour)) {
		t.Fatalf("session batch: %+v, %v", batch, err)
	}
	if sess, err = db.FindSessionBySessionID(ctx, "conv"); err != nil || !sess.StartTime.Equal(base) || !sess.EndTime.Equal(base.Add(9*time.Hour)) {
		t.Fatalf("session conv after the batch: %+v, %v", sess, err)
	}
	for id, want := range map[string]int64{"t2": sess.ID, "t3": batch.ID, "t4": batch.ID, "t5": sess.ID} {
		tr, err := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", id))
		if err != nil || tr.SessionRowID != want {
			t.Fatalf("trace %s: %+v, %v; want session row %d", id, tr, err, want)
		}
	}
}

func testCumulativeCounts(t *testing.T, open Opener) {
	// root(1) -> a(2) -> llm(3); root -> b(4, error) -> llm(5)
	build := func() map[string]*ember.Span {
		return map[string]*ember.Span{
			"1": span("t", "1", ""),
			"2": span("t", "2", "1"),
			"3": span("t", "3", "2", llm(10, 1)),
			"4": span("t", "4", "1", failed),
			"5": span("t", "5", "4", llm(100, 7)),
		}
	}
	want := map[string]cum{"1": {1, 110, 8}, "2": {0, 10, 1}, "3": {0, 10, 1}, "4": {1, 100, 7}, "5": {0, 100, 7}}
	orders := map[string][][]string{
		"OneBatch":             {{"1", "2", "3", "4", "5"}},
		"ParentsFirst":         {{"1"}, {"2", "4"}, {"3", "5"}},
		"ChildrenFirst":        {{"5"}, {"3"}, {"4"}, {"2"}, {"1"}},
		"LeavesThenRootFirst":  {{"3", "5"}, {"1"}, {"2", "4"}},
		"MiddleLast":           {{"1", "3", "5"}, {"2"}, {"4"}},
		"ReverseInOneBatch":    {{"5", "4", "3", "2", "1"}},
		"EachAloneShuffled":    {{"2"}, {"5"}, {"1"}, {"3"}, {"4"}},
		"GrandchildWithParent": {{"3"}, {"1", "4"}, {"5", "2"}},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			spans := build()
			for _, batch := range order {
				var b []*ember.Span
				for _, id := range batch {
					b = append(b, spans[id])
				}
				insert(t, db, b...)
			}
			for id, w := range want {
				if got := cumOf(t, db, id); got != w {
					t.Errorf("span %s: cumulative %+v, want %+v", id, got, w)
				}
			}
		})
	}
}

func testCumulativeWithDuplicates(t *testing.T, open Opener) {
	db := open(t)
	insert(t, db, span("t", "3", "2", llm(10, 1)))
	// The batch repeats span 3, already stored: it must count once.
	insert(t, db, span("t", "1", ""), span("t", "2", "1"), span("t", "3", "2", llm(10, 1)))
	for id, w := range map[string]cum{"1": {0, 10, 1}, "2": {0, 10, 1}, "3": {0, 10, 1}} {
		if got := cumOf(t, db, id); got != w {
			t.Errorf("span %s: %+v, want %+v", id, got, w)
		}
	}
}

func testParentCycle(t *testing.T, open Opener) {
	// Broken instrumentation can name a cycle of parents; it must neither
	// hang nor fail.
	db := open(t)
	insert(t, db, span("t", "1", "2", failed), span("t", "2", "1", failed))
	insert(t, db, span("t", "3", "3", failed))
	insert(t, db, span("t", "4", "1", failed))
	for _, id := range []string{"1", "2", "3", "4"} {
		_ = cumOf(t, db, id)
	}
}

func testDeleteSpan(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	insert(t, db, span("t", "1", ""), span("t", "2", "1", failed), span("t", "3", "2", llm(5, 6)))
	if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", "2")); err != nil {
		t.Fatal(err)
	}
	// The deleted span's subtree no longer counts for the root; the
	// orphaned child keeps its own counts.
	if got := cumOf(t, db, "1"); got != (cum{}) {
		t.Fatalf("root after delete: %+v", got)
	}
	if got := cumOf(t, db, "3"); got != (cum{0, 5, 6}) {
		t.Fatalf("orphan: %+v", got)
	}
	if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", "2")); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	// The trace goes with its last span.
	for _, id := range []string{"1", "3"} {
		if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", "t")); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("trace after last delete: %v", err)
	}
}

func testCosts(t *testing.T, open Opener) {
	db := open(t)
	cost := &ember.SpanCost{
		ModelName: "gpt-4o", Provider: "openai", PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110,
		PromptCost: 0.00025, CompletionCost: 0.0001, TotalCost: 0.00035,
		Details: []ember.SpanCostDetail{
			{TokenType: "input", IsPrompt: true, Tokens: 100, Cost: 0.00025, CostPerToken: 0.0000025},
			{TokenType: "output", IsPrompt: false, Tokens: 10, Cost: 0.0001, CostPerToken: 0.00001},
		},
	}
	insert(t, db, span("t", "1", "", llm(100, 10), func(s *ember.Span) { s.Cost = cost }), span("t", "2", "1"))
	got, err := db.FindSpanCost(context.Background(), mustSpan(t, db, "1").ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cost, got); diff != "" {
		t.Fatalf("cost (-want +got):\n%s", diff)
	}
	if _, err := db.FindSpanCost(context.Background(), mustSpan(t, db, "2").ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("unpriced span: %v", err)
	}
}

func testLargeBatch(t *testing.T, open Opener) {
	// Larger than one statement chunk, with parents after children.
	db := open(t)
	var spans []*ember.Span
	for i := 2000; i >= 1; i-- {
		parent := ""
		if i > 1 {
			parent = fmt.Sprintf("%x", i/2)
		}
		spans = append(spans, span(fmt.Sprintf("%x", i%7), fmt.Sprintf("%x", i), parent, llm(1, 0)))
	}
	if res := insert(t, db, spans...); res.Inserted != 2000 {
		t.Fatalf("inserted %d", res.Inserted)
	}
	n, err := db.CountSpans(context.Background())
	if err != nil || n != 2000 {
		t.Fatalf("count %d %v", n, err)
	}
}

func testConcurrentWriters(t *testing.T, open Opener) {
	// Writers share traces, sessions and projects; all must succeed.
	db := open(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				s := span(fmt.Sprintf("%x", i%3), fmt.Sprintf("%x%02x", w+1, i), "", llm(1, 1), inProject(fmt.Sprintf("p%d", i%2)),
					func(s *ember.Span) { s.SessionID = fmt.Sprintf("s%d", i%4) })
				if _, err := db.InsertSpans(context.Background(), []*ember.Span{s}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := db.CountSpans(context.Background())
	if err != nil || n != 160 {
		t.Fatalf("count %d %v", n, err)
	}
}

func testUnicode(t *testing.T, open Opener) {
	db := open(t)
	big := make([]byte, 0, 1<<20)
	for len(big) < 1<<20 {
		big = append(big, "héllo 世界 🔥 "...)
	}
	attrs, _ := json.Marshal(map[string]any{"input": map[string]any{"value": string(big)}, "q": "\"quoted\"\\"})
	insert(t, db, span("t", "1", "", func(s *ember.Span) {
		s.Name = "名前 🔥"
		s.Attributes = attrs
	}))
	got := mustSpan(t, db, "1")
	if got.Name != "名前 🔥" || !jsonEqual(got.Attributes, attrs) {
		t.Fatalf("round trip changed the span")
	}
}

func testRowIDs(t *testing.T, open Opener) {
	// InsertSpans reports each new span's row id, also when stored
	// duplicates sit among the new spans of one statement.
	db := open(t)
	insert(t, db, span("t", "2", ""), span("t", "5", ""))
	batch := []*ember.Span{span("t", "1", ""), span("t", "2", ""), span("t", "3", ""), span("t", "4", ""), span("t", "5", ""), span("t", "6", "")}
	if res := insert(t, db, batch...); res.Inserted != 4 || res.Duplicates != 2 {
		t.Fatalf("result %+v", res)
	}
	for _, s := range batch {
		if s.SpanID == fmt.Sprintf("%016s", "2") || s.SpanID == fmt.Sprintf("%016s", "5") {
			continue
		}
		if got := mustSpan(t, db, strings.TrimLeft(s.SpanID, "0")); got.ID != s.ID || s.ID == 0 {
			t.Errorf("span %s: reported id %d, stored id %d", s.SpanID, s.ID, got.ID)
		}
	}
}

func testProjects(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	desc := "first"
	a := &ember.Project{Name: "Alpha_1", Description: &desc}
	if err := db.CreateProject(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Description == nil || *a.Description != "first" || a.CreatedAt.IsZero() {
		t.Fatalf("created %+v", a)
	}
	if err := db.CreateProject(ctx, &ember.Project{Name: "Alpha_1"}); ember.ErrorCode(err) != ember.ECONFLICT {
		t.Fatalf("duplicate: %v", err)
	}
	if err := db.CreateProject(ctx, &ember.Project{Name: ""}); ember.ErrorCode(err) != ember.EINVALID {
		t.Fatalf("empty name: %v", err)
	}
	b := &ember.Project{Name: "alphaX1"}
	if err := db.CreateProject(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Description != nil {
		t.Fatalf("description %v, want none", *b.Description)
	}
	names := func(f ember.ProjectFilter) []string {
		t.Helper()
		ps, err := db.FindProjects(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(ember.ProjectFilter{}); !cmp.Equal(got, []string{"alphaX1", "Alpha_1", "default"}) {
		t.Fatalf("all: %v", got)
	}
	// Case is ignored; "_" matches itself only.
	if got := names(ember.ProjectFilter{NameContains: "ALPHA_"}); !cmp.Equal(got, []string{"Alpha_1"}) {
		t.Fatalf("name contains: %v", got)
	}
	if got := names(ember.ProjectFilter{Cursor: a.ID, Limit: 1}); !cmp.Equal(got, []string{"Alpha_1"}) {
		t.Fatalf("cursor: %v", got)
	}
	newDesc := "second"
	u, err := db.UpdateProject(ctx, a.ID, ember.ProjectUpdate{Description: &newDesc})
	if err != nil || *u.Description != "second" || u.Name != "Alpha_1" {
		t.Fatalf("update: %+v %v", u, err)
	}
	if _, err := db.UpdateProject(ctx, 9999, ember.ProjectUpdate{Description: &newDesc}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("update missing: %v", err)
	}
	if _, err := db.FindProjectByID(ctx, 9999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("find missing: %v", err)
	}
}

func testDeleteProject(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	insert(t, db, span("t1", "1", "", inProject("doomed"), func(s *ember.Span) { s.SessionID = "s" }), span("t1", "2", "1", inProject("doomed")),
		span("t2", "3", "", inProject("kept")))
	doomed, err := db.FindProjectByName(ctx, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteProject(ctx, doomed.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountSpans(ctx); err != nil || n != 1 {
		t.Fatalf("spans left: %d %v", n, err)
	}
	if _, err := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", "t1")); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("trace of deleted project: %v", err)
	}
	if _, err := db.FindSessionBySessionID(ctx, "s"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("session of deleted project: %v", err)
	}
	// Spans sent to the deleted project's name make it anew.
	insert(t, db, span("t3", "4", "", inProject("doomed")))
	if _, err := db.FindProjectByName(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	def, _ := db.FindProjectByName(ctx, "default")
	if err := db.DeleteProject(ctx, def.ID); ember.ErrorCode(err) != ember.EFORBIDDEN {
		t.Fatalf("delete default: %v", err)
	}
	if err := db.DeleteProject(ctx, 9999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("delete missing: %v", err)
	}
}

func testAttributeMatch(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	withAttrs := func(js string) func(*ember.Span) {
		return func(s *ember.Span) { s.Attributes = json.RawMessage(js) }
	}
	insert(t, db,
		span("t", "1", "", withAttrs(`{"user":{"id":"12345"},"flag":true}`)),
		span("t", "2", "", withAttrs(`{"user":{"id":12345},"n":12.0,"flag":false}`)),
		span("t", "3", "", withAttrs(`{"n":12.5,"tag":{"tags":["a"]},"llm":{"input_messages":[{"message":{"role":"user"}}]},"odd":{"7":"x"}}`)),
	)
	f := func(want string, matches ...ember.AttributeMatch) {
		t.Helper()
		spans, err := db.FindSpans(ctx, ember.SpanFilter{Attributes: matches})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range spans {
			got = append(got, strings.TrimLeft(s.SpanID, "0"))
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%+v: got %v, want %s", matches, got, want)
		}
	}
	path := func(key string) []string { return strings.Split(key, ".") }
	f("1", ember.AttributeMatch{Path: path("user.id"), Value: "12345"})
	f("2", ember.AttributeMatch{Path: path("user.id"), Value: int64(12345)})
	f("2", ember.AttributeMatch{Path: path("n"), Value: int64(12)})
	f("3", ember.AttributeMatch{Path: path("n"), Value: 12.5})
	f("1", ember.AttributeMatch{Path: path("flag"), Value: true})
	f("2", ember.AttributeMatch{Path: path("flag"), Value: false})
	f("", ember.AttributeMatch{Path: path("tag.tags"), Value: "a"})
	f("3", ember.AttributeMatch{Path: path("llm.input_messages.0.message.role"), Value: "user"})
	f("3", ember.AttributeMatch{Path: path("odd.7"), Value: "x"})
	f("", ember.AttributeMatch{Path: path("user.id"), Value: "12345"}, ember.AttributeMatch{Path: path("flag"), Value: false})
	f("", ember.AttributeMatch{Path: []string{`we"ird`}, Value: "x"})
}

func testTransferTraces(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	withSession := func(id string) func(*ember.Span) { return func(s *ember.Span) { s.SessionID = id } }
	later := func(s *ember.Span) { s.StartTime, s.EndTime = base.Add(time.Hour), base.Add(2*time.Hour) }
	insert(t, db,
		span("t1", "1", "", inProject("src"), withSession("conv")),
		span("t1", "2", "1", llm(10, 5)),
		span("t2", "3", "", inProject("src"), withSession("conv"), later),
		span("t3", "4", "", inProject("other")),
	)
	src, _ := db.FindProjectByName(ctx, "src")
	other, _ := db.FindProjectByName(ctx, "other")
	dst := &ember.Project{Name: "dst"}
	if err := db.CreateProject(ctx, dst); err != nil {
		t.Fatal(err)
	}
	trace := func(id string) *ember.Trace {
		t.Helper()
		tr, err := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", id))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	t1, t2, t3 := trace("t1"), trace("t2"), trace("t3")

	if _, err := db.TransferTraces(ctx, []int64{t1.ID, t3.ID}, dst.ID); ember.ErrorCode(err) != ember.EUNPROCESSABLE {
		t.Fatalf("two source projects: %v", err)
	}
	if _, err := db.TransferTraces(ctx, []int64{t1.ID, 999999}, dst.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("missing trace: %v", err)
	}
	if _, err := db.TransferTraces(ctx, []int64{t1.ID}, 999999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("missing project: %v", err)
	}
	if trace("t1").ProjectID != src.ID {
		t.Fatal("a refused transfer moved a trace")
	}

	// The session's first trace moves, so the session follows it.
	n, err := db.TransferTraces(ctx, []int64{t1.ID, t1.ID}, dst.ID)
	if err != nil || n != 1 {
		t.Fatalf("transfer: %d, %v", n, err)
	}
	if trace("t1").ProjectID != dst.ID || trace("t2").ProjectID != src.ID {
		t.Fatal("wrong traces moved")
	}
	spans, err := db.FindSpans(ctx, ember.SpanFilter{ProjectID: &dst.ID})
	if err != nil || len(spans) != 2 {
		t.Fatalf("spans in destination: %d, %v", len(spans), err)
	}
	if got := mustSpan(t, db, "2"); got.ProjectID != dst.ID || got.CumulativeLLMTokenCountPrompt != 10 {
		t.Fatalf("moved span: %+v", got)
	}
	sess, err := db.FindSessionBySessionID(ctx, "conv")
	if err != nil || sess.ProjectID != dst.ID {
		t.Fatalf("session: %+v, %v", sess, err)
	}
	traces, err := db.FindTraces(ctx, ember.TraceFilter{ProjectID: dst.ID})
	if err != nil || len(traces) != 1 || traces[0].TokenCountPrompt != 10 {
		t.Fatalf("destination traces: %+v, %v", traces, err)
	}
	// Moving the last trace of a project back leaves the session with its
	// first trace.
	if _, err := db.TransferTraces(ctx, []int64{t2.ID}, other.ID); err != nil {
		t.Fatal(err)
	}
	if sess, _ := db.FindSessionBySessionID(ctx, "conv"); sess.ProjectID != dst.ID {
		t.Fatalf("session moved with a later trace: %+v", sess)
	}
}

// testSpanPagesByTime pages through time windows of every width and place,
// which the store reads by different plans, and checks each page against
// the spans the window holds.
func testSpanPagesByTime(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	const n = 300
	var all []*ember.Span
	for i := 0; i < n; i++ {
		s := span(fmt.Sprintf("t%d", i/3), fmt.Sprintf("s%d", i), "", inProject("timed"), func(s *ember.Span) {
			s.StartTime = base.Add(time.Duration(i) * time.Minute)
			s.EndTime = s.StartTime.Add(time.Second)
		})
		if i%5 == 0 {
			failed(s)
		}
		all = append(all, s)
	}
	insert(t, db, all...)
	insert(t, db, span("other", "o1", "", inProject("neighbour")))
	project, err := db.FindProjectByName(ctx, "timed")
	if err != nil {
		t.Fatal(err)
	}
	at := func(minute int) *time.Time { v := base.Add(time.Duration(minute) * time.Minute); return &v }
	for _, w := range []struct {
		name       string
		start, end *time.Time
		errorsOnly bool
	}{
		{"all", at(-10), at(n + 10), false},
		{"newest half", at(n / 2), nil, false},
		{"oldest fifth", nil, at(n / 5), false},
		{"narrow middle", at(140), at(143), false},
		{"wide middle", at(50), at(250), true},
		{"empty", at(n + 100), at(n + 200), false},
	} {
		want := 0
		for i := 0; i < n; i++ {
			st := base.Add(time.Duration(i) * time.Minute)
			if (w.start == nil || !st.Before(*w.start)) && (w.end == nil || st.Before(*w.end)) && (!w.errorsOnly || i%5 == 0) {
				want++
			}
		}
		var got []*ember.Span
		var cursor int64
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatalf("%s: pagination does not end", w.name)
			}
			f := ember.SpanFilter{ProjectID: &project.ID, StartTime: w.start, EndTime: w.end, Cursor: cursor, Limit: 8}
			if w.errorsOnly {
				f.StatusCodes = []ember.StatusCode{ember.StatusError}
			}
			page, err := db.FindSpans(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range page {
				if i > 0 && s.ID >= page[i-1].ID {
					t.Fatalf("%s: page out of order", w.name)
				}
				if (w.start != nil && s.StartTime.Before(*w.start)) || (w.end != nil && !s.StartTime.Before(*w.end)) {
					t.Fatalf("%s: span at %s is outside the window", w.name, s.StartTime)
				}
			}
			if len(page) < 8 {
				got = append(got, page...)
				break
			}
			got = append(got, page[:7]...)
			cursor = page[7].ID
		}
		if len(got) != want {
			t.Errorf("%s: %d spans, want %d", w.name, len(got), want)
		}
	}
}
