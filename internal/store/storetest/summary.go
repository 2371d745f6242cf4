package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/spanquery"
)

// testSummaries covers the aggregates of the web UI: project and session
// summaries, span and trace costs, clearing a project, and spans sorted by
// a measure with keyset paging.
func testSummaries(t *testing.T, open Opener) {
	t.Run("Projects", func(t *testing.T) { testProjectSummaries(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessionSummaries(t, open) })
	t.Run("Costs", func(t *testing.T) { testSummaryCosts(t, open) })
	t.Run("ClearProject", func(t *testing.T) { testClearProject(t, open) })
	t.Run("SpanOrders", func(t *testing.T) { testSpanOrders(t, open) })
	t.Run("TraceTokens", func(t *testing.T) { testTraceTokens(t, open) })
}

func lasting(d time.Duration, offset time.Duration) func(*ember.Span) {
	return func(s *ember.Span) {
		s.StartTime = base.Add(offset)
		s.EndTime = s.StartTime.Add(d)
	}
}

func priced(total float64) func(*ember.Span) {
	return func(s *ember.Span) {
		s.Cost = &ember.SpanCost{ModelName: "gpt-4o", PromptTokens: 1, TotalTokens: 1, PromptCost: total, TotalCost: total}
	}
}

func inSession(id string) func(*ember.Span) { return func(s *ember.Span) { s.SessionID = id } }

func testProjectSummaries(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := inProject("summed")
	insert(t, db,
		span("a", "a1", "", p, lasting(100*time.Millisecond, 0), inSession("s1")),
		span("a", "a2", "a1", p, lasting(50*time.Millisecond, 0), llm(10, 5), priced(0.5)),
		span("b", "b1", "", p, lasting(300*time.Millisecond, time.Hour), inSession("s1")),
		span("c", "c1", "", p, lasting(200*time.Millisecond, 2*time.Hour), llm(1, 1), priced(0.25), inSession("s2")),
		span("d", "d1", "", lasting(time.Second, 0)), // the default project
	)
	proj, err := db.FindProjectByName(ctx, "summed")
	if err != nil {
		t.Fatal(err)
	}
	def, _ := db.FindProjectByName(ctx, ember.DefaultProjectName)
	empty := &ember.Project{Name: "empty"}
	if err := db.CreateProject(ctx, empty); err != nil {
		t.Fatal(err)
	}
	got, err := db.SummarizeProjects(ctx, []int64{proj.ID, def.ID, empty.ID}, ember.SummaryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := ember.ProjectSummary{ProjectID: proj.ID, TraceCount: 3, SessionCount: 2, LatencyP50MS: 200,
		TokenCountPrompt: 11, TokenCountCompletion: 6, TotalCost: 0.75, LastActivity: base.Add(2 * time.Hour)}
	if s := got[proj.ID]; s == nil || !s.LastActivity.Equal(want.LastActivity) {
		t.Fatalf("summary %+v, want %+v", s, want)
	} else if s.LastActivity = want.LastActivity; *s != want {
		t.Fatalf("summary %+v, want %+v", *s, want)
	}
	if s := got[def.ID]; s == nil || s.TraceCount != 1 || s.LatencyP50MS != 1000 {
		t.Fatalf("default summary %+v", s)
	}
	if s := got[empty.ID]; s == nil || *s != (ember.ProjectSummary{ProjectID: empty.ID}) {
		t.Fatalf("empty summary %+v", s)
	}
	// A range that holds only the second trace.
	from, to := base.Add(30*time.Minute), base.Add(90*time.Minute)
	got, err = db.SummarizeProjects(ctx, []int64{proj.ID}, ember.SummaryFilter{StartTime: &from, EndTime: &to})
	if err != nil {
		t.Fatal(err)
	}
	if s := got[proj.ID]; s.TraceCount != 1 || s.LatencyP50MS != 300 || s.SessionCount != 0 || s.TotalCost != 0 || s.TokenCountPrompt != 0 {
		t.Fatalf("ranged summary %+v", s)
	}
}

func testSessionSummaries(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	insert(t, db,
		span("a", "a1", "", lasting(time.Second, 0), inSession("s1")),
		span("a", "a2", "a1", llm(10, 5), priced(0.5), failed),
		span("b", "b1", "", lasting(time.Second, time.Hour), inSession("s1"), llm(1, 2), priced(0.25)),
		span("c", "c1", "", inSession("s2")),
	)
	s1, err := db.FindSessionBySessionID(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := db.FindSessionBySessionID(ctx, "s2")
	got, err := db.SummarizeSessions(ctx, []int64{s1.ID, s2.ID, 9999})
	if err != nil {
		t.Fatal(err)
	}
	want := ember.SessionSummary{SessionRowID: s1.ID, TraceCount: 2, ErrorTraceCount: 1, TokenCountPrompt: 11, TokenCountCompletion: 7,
		TotalCost: 0.75, FirstTraceID: fmt.Sprintf("%032s", "a"), LastTraceID: fmt.Sprintf("%032s", "b")}
	if s := got[s1.ID]; s == nil || *s != want {
		t.Fatalf("session summary %+v, want %+v", s, want)
	}
	if s := got[s2.ID]; s == nil || s.TraceCount != 1 || s.TotalCost != 0 {
		t.Fatalf("s2 summary %+v", s)
	}
	if len(got) != 2 {
		t.Fatalf("%d summaries", len(got))
	}
	if got, err := db.SummarizeSessions(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no sessions: %v %v", got, err)
	}

	// A time window keeps the sessions active in it: s1 runs from base to
	// an hour and a second later, s2 for the first second.
	at := func(d time.Duration) *time.Time { x := base.Add(d); return &x }
	for _, c := range []struct {
		from, to *time.Time
		want     string
	}{
		{at(30 * time.Minute), at(2 * time.Hour), "[s1]"},
		{at(0), at(time.Second), "[s2 s1]"},
		{at(-time.Hour), at(0), "[]"},
		{at(2 * time.Hour), nil, "[]"},
		{nil, at(time.Millisecond), "[s2 s1]"},
	} {
		found, err := db.FindSessions(ctx, ember.SessionFilter{ProjectID: s1.ProjectID, StartTime: c.from, EndTime: c.to})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range found {
			ids = append(ids, s.SessionID)
		}
		if fmt.Sprintf("%v", ids) != c.want {
			t.Errorf("sessions in [%v, %v): %v, want %s", c.from, c.to, ids, c.want)
		}
	}
}

func testSummaryCosts(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	insert(t, db,
		span("a", "a1", ""),
		span("a", "a2", "a1", llm(10, 5), priced(0.5)),
		span("a", "a3", "a1", llm(10, 5), priced(0.25)),
		span("b", "b1", ""),
	)
	a2, a3, b1 := mustSpan(t, db, "a2"), mustSpan(t, db, "a3"), mustSpan(t, db, "b1")
	costs, err := db.FindSpanCosts(ctx, []int64{a2.ID, a3.ID, b1.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(costs) != 2 || costs[a2.ID].TotalCost != 0.5 || costs[a3.ID].ModelName != "gpt-4o" {
		t.Fatalf("span costs %+v", costs)
	}
	traces, err := db.TraceCosts(ctx, []int64{a2.TraceRowID, b1.TraceRowID})
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) != 1 || traces[a2.TraceRowID] != 0.75 {
		t.Fatalf("trace costs %+v", traces)
	}
}

func testClearProject(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := inProject("cleared")
	insert(t, db,
		span("a", "a1", "", p, inSession("s1"), llm(1, 1), priced(0.1)),
		span("b", "b1", ""),
	)
	proj, _ := db.FindProjectByName(ctx, "cleared")
	if err := db.ClearProject(ctx, proj.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindProjectByID(ctx, proj.ID); err != nil {
		t.Fatalf("the project went: %v", err)
	}
	spans, _ := db.FindSpans(ctx, ember.SpanFilter{ProjectID: &proj.ID})
	if len(spans) != 0 {
		t.Fatalf("%d spans left", len(spans))
	}
	if _, err := db.FindSessionBySessionID(ctx, "s1"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("session left: %v", err)
	}
	if n, _ := db.CountSpans(ctx); n != 1 {
		t.Fatalf("%d spans in all, want the other project's 1", n)
	}
	if err := db.ClearProject(ctx, 9999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("unknown project: %v", err)
	}
}

func testSpanOrders(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	// Latencies 1..9 ms with ties at 5, tokens and costs varied.
	var spans []*ember.Span
	for i := 1; i <= 9; i++ {
		ms := i
		if i == 6 {
			ms = 5
		}
		mods := []func(*ember.Span){lasting(time.Duration(ms)*time.Millisecond, time.Duration(i)*time.Second)}
		if i%2 == 0 {
			mods = append(mods, llm(int64(i), 1), priced(float64(i)/100))
		}
		spans = append(spans, span(fmt.Sprintf("t%d", i), fmt.Sprintf("s%d", i), "", mods...))
	}
	insert(t, db, spans...)
	names := func(spans []*ember.Span) []string {
		var out []string
		for _, s := range spans {
			out = append(out, s.Name)
		}
		return out
	}
	// page walks a whole listing in pages of 2, by keyset.
	var scope ember.SpanFilter // the filter pages are read with
	page := func(order ember.SpanOrder, asc bool, costOf func(*ember.Span) float64) []string {
		var all []*ember.Span
		var after *ember.SpanKey
		for range 10 {
			f := scope
			f.OrderBy, f.Ascending, f.After, f.Limit = order, asc, after, 2
			got, err := db.FindSpans(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			all = append(all, got...)
			last := got[len(got)-1]
			after = &ember.SpanKey{Value: last.SortValue(order, costOf(last)), ID: last.ID}
		}
		return names(all)
	}
	noCost := func(*ember.Span) float64 { return 0 }
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	op := func(ids ...int) []string {
		var out []string
		for _, i := range ids {
			out = append(out, fmt.Sprintf("op-s%d", i))
		}
		return out
	}
	check("latency desc", page(ember.SpanOrderLatency, false, noCost), op(9, 8, 7, 6, 5, 4, 3, 2, 1)...)
	check("latency asc", page(ember.SpanOrderLatency, true, noCost), op(1, 2, 3, 4, 5, 6, 7, 8, 9)...)
	check("tokens desc", page(ember.SpanOrderTokens, false, noCost), op(8, 6, 4, 2, 9, 7, 5, 3, 1)...)
	costs := map[string]float64{}
	for i := 2; i <= 8; i += 2 {
		costs[fmt.Sprintf("op-s%d", i)] = float64(i) / 100
	}
	costOf := func(s *ember.Span) float64 { return costs[s.Name] }
	check("cost desc", page(ember.SpanOrderCost, false, costOf), op(8, 6, 4, 2, 9, 7, 5, 3, 1)...)
	check("cost asc", page(ember.SpanOrderCost, true, costOf), op(1, 3, 5, 7, 9, 2, 4, 6, 8)...)
	if _, err := db.FindSpans(ctx, ember.SpanFilter{OrderBy: "bogus"}); ember.ErrorCode(err) != ember.EINVALID {
		t.Fatalf("unknown order: %v", err)
	}

	// A project's time window, as the UI asks: read through the project's
	// time indexes, roots only or all spans, with a condition too.
	p, err := db.FindProjectByName(ctx, ember.DefaultProjectName)
	if err != nil {
		t.Fatal(err)
	}
	from, to := base.Add(2*time.Second), base.Add(8*time.Second) // spans 2..7
	for _, roots := range []bool{true, false} {
		scope = ember.SpanFilter{ProjectID: &p.ID, RootsOnly: roots, StartTime: &from, EndTime: &to}
		check(fmt.Sprint("window latency desc, roots ", roots), page(ember.SpanOrderLatency, false, noCost), op(7, 6, 5, 4, 3, 2)...)
		check(fmt.Sprint("window tokens asc, roots ", roots), page(ember.SpanOrderTokens, true, noCost), op(3, 5, 7, 2, 4, 6)...)
		check(fmt.Sprint("window cost desc, roots ", roots), page(ember.SpanOrderCost, false, costOf), op(6, 4, 2, 7, 5, 3)...)
	}
	cond, err := spanquery.Parse("latency_ms >= 4")
	if err != nil {
		t.Fatal(err)
	}
	scope.Condition = cond
	check("window and condition, latency asc", page(ember.SpanOrderLatency, true, noCost), op(4, 5, 6, 7)...)

	// Traces, one per span here, sorted by the same measures: whole
	// listings and a project's window, in pages of 2.
	tr := func(ids ...int) []string {
		var out []string
		for _, i := range ids {
			out = append(out, fmt.Sprintf("%032s", fmt.Sprintf("t%d", i)))
		}
		return out
	}
	tracePage := func(f ember.TraceFilter, order ember.TraceOrder, asc bool) []string {
		var out []string
		f.OrderBy, f.Ascending, f.Limit = order, asc, 2
		for range 10 {
			got, err := db.FindTraces(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			rowIDs := make([]int64, len(got))
			for i, x := range got {
				out, rowIDs[i] = append(out, x.TraceID), x.ID
			}
			costs, err := db.TraceCosts(ctx, rowIDs)
			if err != nil {
				t.Fatal(err)
			}
			last := got[len(got)-1]
			f.After = &ember.TraceKey{Value: last.SortValue(order, costs[last.ID]), ID: last.ID}
		}
		return out
	}
	all := ember.TraceFilter{}
	window := ember.TraceFilter{ProjectID: p.ID, StartTime: &from, EndTime: &to}
	check("traces latency desc", tracePage(all, ember.TraceOrderLatency, false), tr(9, 8, 7, 6, 5, 4, 3, 2, 1)...)
	check("traces latency asc", tracePage(all, ember.TraceOrderLatency, true), tr(1, 2, 3, 4, 5, 6, 7, 8, 9)...)
	check("traces tokens desc", tracePage(all, ember.TraceOrderTokens, false), tr(8, 6, 4, 2, 9, 7, 5, 3, 1)...)
	check("traces cost asc", tracePage(all, ember.TraceOrderCost, true), tr(1, 3, 5, 7, 9, 2, 4, 6, 8)...)
	check("window traces latency desc", tracePage(window, ember.TraceOrderLatency, false), tr(7, 6, 5, 4, 3, 2)...)
	check("window traces tokens asc", tracePage(window, ember.TraceOrderTokens, true), tr(3, 5, 7, 2, 4, 6)...)
	check("window traces cost desc", tracePage(window, ember.TraceOrderCost, false), tr(6, 4, 2, 7, 5, 3)...)
	if _, err := db.FindTraces(ctx, ember.TraceFilter{OrderBy: "bogus"}); ember.ErrorCode(err) != ember.EINVALID {
		t.Fatalf("unknown trace order: %v", err)
	}
}

// testTraceTokens checks the token totals a trace keeps: added by each
// batch, not again for a span sent twice, and less a deleted span's.
func testTraceTokens(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	tokens := func(what string, prompt, completion int64) {
		t.Helper()
		got, err := db.FindTraces(ctx, ember.TraceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].TokenCountPrompt != prompt || got[0].TokenCountCompletion != completion {
			for _, x := range got {
				t.Errorf("%s: trace %s has %d + %d tokens", what, x.TraceID, x.TokenCountPrompt, x.TokenCountCompletion)
			}
			t.Fatalf("%s: want one trace with %d + %d tokens", what, prompt, completion)
		}
	}
	insert(t, db, span("a", "a1", ""), span("a", "a2", "a1", llm(10, 5)))
	tokens("first batch", 10, 5)
	res := insert(t, db, span("a", "a3", "a1", llm(1, 2)), span("a", "a2", "a1", llm(10, 5)), span("a", "a3", "a1", llm(1, 2)))
	if res.Inserted != 1 || res.Duplicates != 2 {
		t.Fatalf("second batch: %+v", res)
	}
	tokens("second batch, with a span sent again", 11, 7)
	insert(t, db, span("a", "a2", "a1", llm(10, 5)))
	tokens("a batch of a duplicate only", 11, 7)
	if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", "a3")); err != nil {
		t.Fatal(err)
	}
	tokens("a span deleted", 10, 5)
	if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", "a1")); err != nil {
		t.Fatal(err)
	}
	tokens("the root deleted", 10, 5)
	cond, err := spanquery.ParseTrace("token_count_total == 15")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindTraces(ctx, ember.TraceFilter{Condition: cond}); err != nil || len(got) != 1 {
		t.Fatalf("trace condition on tokens: %d traces, %v", len(got), err)
	}
}
