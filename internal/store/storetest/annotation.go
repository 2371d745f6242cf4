package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// testAnnotations runs the annotation and annotation config tests.
func testAnnotations(t *testing.T, open Opener) {
	t.Run("Upsert", func(t *testing.T) { testAnnotationUpsert(t, open) })
	t.Run("UpsertKey", func(t *testing.T) { testAnnotationUpsertKey(t, open) })
	t.Run("MissingTargets", func(t *testing.T) { testAnnotationMissingTargets(t, open) })
	t.Run("Documents", func(t *testing.T) { testAnnotationDocuments(t, open) })
	t.Run("Apply", func(t *testing.T) { testAnnotationApply(t, open) })
	t.Run("Invalid", func(t *testing.T) { testAnnotationInvalid(t, open) })
	t.Run("CleanText", func(t *testing.T) { testAnnotationCleanText(t, open) })
	t.Run("Find", func(t *testing.T) { testAnnotationFind(t, open) })
	t.Run("Delete", func(t *testing.T) { testAnnotationDelete(t, open) })
	t.Run("Cascade", func(t *testing.T) { testAnnotationCascade(t, open) })
	t.Run("Transfer", func(t *testing.T) { testAnnotationTransfer(t, open) })
	t.Run("Summaries", func(t *testing.T) { testAnnotationSummaries(t, open) })
	t.Run("LargeBatch", func(t *testing.T) { testAnnotationLargeBatch(t, open) })
	t.Run("ConcurrentUpserts", func(t *testing.T) { testAnnotationConcurrent(t, open) })
	t.Run("Configs", func(t *testing.T) { testAnnotationConfigs(t, open) })
	t.Run("ConfigValidation", func(t *testing.T) { testAnnotationConfigValidation(t, open) })
	t.Run("ConfigAssignment", func(t *testing.T) { testAnnotationConfigAssignment(t, open) })
}

func strp(s string) *string        { return &s }
func f64p(f float64) *float64      { return &f }
func timep(t time.Time) *time.Time { return &t }

// annotation builds an annotation of a span, trace or session (by the
// test's short ids) or of a span's document.
func annotation(target ember.AnnotationTarget, id, name string, mods ...func(*ember.Annotation)) *ember.Annotation {
	a := &ember.Annotation{Target: target, Name: name, AnnotatorKind: ember.AnnotatorHuman}
	switch target {
	case ember.AnnotationTargetTrace:
		a.TraceID = fmt.Sprintf("%032s", id)
	case ember.AnnotationTargetSession:
		a.SessionID = id
	default:
		a.SpanID = fmt.Sprintf("%016s", id)
	}
	for _, m := range mods {
		m(a)
	}
	return a
}

func labeled(label string) func(*ember.Annotation) {
	return func(a *ember.Annotation) { a.Label = &label }
}

func scored(score float64) func(*ember.Annotation) {
	return func(a *ember.Annotation) { a.Score = &score }
}

func identified(id string) func(*ember.Annotation) {
	return func(a *ember.Annotation) { a.Identifier = id }
}

func at(t time.Time) func(*ember.Annotation) {
	return func(a *ember.Annotation) { a.UpdatedAt = t }
}

func upsert(t testing.TB, db *store.DB, anns ...*ember.Annotation) {
	t.Helper()
	if err := db.UpsertAnnotations(context.Background(), anns); err != nil {
		t.Fatalf("UpsertAnnotations: %v", err)
	}
}

func findAnnotations(t testing.TB, db *store.DB, f ember.AnnotationFilter) []*ember.Annotation {
	t.Helper()
	anns, err := db.FindAnnotations(context.Background(), f)
	if err != nil {
		t.Fatalf("FindAnnotations: %v", err)
	}
	return anns
}

// labels lists the annotations' labels ("-" for none), in listing order.
func labels(anns []*ember.Annotation) string {
	out := make([]string, len(anns))
	for i, a := range anns {
		out[i] = "-"
		if a.Label != nil {
			out[i] = *a.Label
		}
	}
	return strings.Join(out, ",")
}

// annotatedProject stores, in project "p", trace t1 with spans 1 (root,
// session s1) and 2 (a retriever of two documents), and returns p.
func annotatedProject(t testing.TB, db *store.DB) *ember.Project {
	t.Helper()
	insert(t, db,
		span("t1", "1", "", inProject("p"), func(s *ember.Span) { s.SessionID = "s1" }),
		span("t1", "2", "1", inProject("p"), func(s *ember.Span) {
			s.Kind = ember.SpanKindRetriever
			s.Attributes = json.RawMessage(`{"openinference":{"span":{"kind":"RETRIEVER"}},"retrieval":{"documents":[{"document":{"content":"a"}},{"document":{"content":"b"}}]}}`)
		}))
	p, err := db.FindProjectByName(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testAnnotationUpsert(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	clock := base.Add(time.Hour)
	db.Now = func() time.Time { return clock }
	in := []*ember.Annotation{
		annotation(ember.AnnotationTargetSpan, "1", "correctness", labeled("correct"), scored(0), func(a *ember.Annotation) {
			a.AnnotatorKind = ember.AnnotatorLLM
			a.Explanation = strp("it adds up")
			a.Metadata = json.RawMessage(`{"model":"judge-1","tokens":[1,2]}`)
			a.Identifier = "run-1"
			a.UserID = 7
		}),
		annotation(ember.AnnotationTargetTrace, "t1", "helpful", scored(0.5)),
		annotation(ember.AnnotationTargetSession, "s1", "resolved", labeled("yes"), func(a *ember.Annotation) { a.Source = ember.AnnotationSourceApp }),
		annotation(ember.AnnotationTargetDocument, "2", "relevance", scored(1), func(a *ember.Annotation) { a.DocumentPosition = 1 }),
	}
	upsert(t, db, in...)
	for _, a := range in {
		if a.ID == 0 || a.ProjectID != p.ID || a.TargetRowID == 0 || !a.CreatedAt.Equal(clock) || !a.UpdatedAt.Equal(clock) {
			t.Errorf("%s %s after upsert: %+v", a.Target, a.Name, a)
		}
	}
	got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{in[0].SpanID}})
	if len(got) != 1 {
		t.Fatalf("span annotations: %d", len(got))
	}
	a := got[0]
	if a.ID != in[0].ID || a.SpanID != in[0].SpanID || a.Name != "correctness" || *a.Label != "correct" || a.Score == nil || *a.Score != 0 ||
		*a.Explanation != "it adds up" || !jsonEqual(a.Metadata, in[0].Metadata) || a.AnnotatorKind != ember.AnnotatorLLM ||
		a.Identifier != "run-1" || a.Source != ember.AnnotationSourceAPI || a.UserID != 7 || !a.CreatedAt.Equal(clock) || a.TargetRowID != mustSpan(t, db, "1").ID {
		t.Errorf("span annotation read back: %+v", a)
	}
	tr := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetTrace, ProjectID: p.ID, TargetIDs: []string{in[1].TraceID}})
	if len(tr) != 1 || tr[0].TraceID != in[1].TraceID || tr[0].Label != nil || *tr[0].Score != 0.5 || tr[0].Explanation != nil || string(tr[0].Metadata) != "{}" || tr[0].UserID != 0 {
		t.Errorf("trace annotation: %+v", tr)
	}
	se := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSession, ProjectID: p.ID, TargetIDs: []string{"s1"}})
	if len(se) != 1 || se[0].SessionID != "s1" || se[0].Source != ember.AnnotationSourceApp {
		t.Errorf("session annotation: %+v", se)
	}
	doc := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetDocument, TargetRowIDs: []int64{mustSpan(t, db, "2").ID}})
	if len(doc) != 1 || doc[0].DocumentPosition != 1 || doc[0].SpanID != in[3].SpanID || *doc[0].Score != 1 {
		t.Errorf("document annotation: %+v", doc)
	}
	if err := db.UpsertAnnotations(ctx, nil); err != nil {
		t.Errorf("nothing to upsert: %v", err)
	}
}

func testAnnotationUpsertKey(t *testing.T, open Opener) {
	db := open(t)
	p := annotatedProject(t, db)
	first := annotation(ember.AnnotationTargetSpan, "1", "quality", labeled("bad"))
	upsert(t, db, first)
	createdAt := first.CreatedAt
	// Same name and identifier: replaced in place.
	again := annotation(ember.AnnotationTargetSpan, "1", "quality", labeled("good"), scored(1), at(first.UpdatedAt.Add(time.Second)))
	upsert(t, db, again)
	if again.ID != first.ID || !again.CreatedAt.Equal(createdAt) {
		t.Errorf("replaced: id %d, want %d; created %v, want %v", again.ID, first.ID, again.CreatedAt, createdAt)
	}
	// Another identifier: a second annotation beside it.
	other := annotation(ember.AnnotationTargetSpan, "1", "quality", labeled("meh"), identified("second opinion"))
	// Repeats within one call: stored once, as the last; both get its id.
	dupA := annotation(ember.AnnotationTargetSpan, "2", "quality", labeled("first"))
	dupB := annotation(ember.AnnotationTargetSpan, "2", "quality", labeled("last"))
	upsert(t, db, other, dupA, dupB)
	if other.ID == first.ID || dupA.ID != dupB.ID || dupA.ID == 0 {
		t.Errorf("ids: first %d other %d dups %d %d", first.ID, other.ID, dupA.ID, dupB.ID)
	}
	got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{first.SpanID, dupA.SpanID}})
	if labels(got) != "last,meh,good" {
		t.Errorf("labels: %s", labels(got))
	}
	// An older version does not replace a newer stored one, but the
	// caller still learns the row's id.
	stale := annotation(ember.AnnotationTargetSpan, "1", "quality", labeled("stale"), at(first.UpdatedAt.Add(-time.Hour)))
	upsert(t, db, stale)
	if stale.ID != first.ID {
		t.Errorf("stale id %d, want %d", stale.ID, first.ID)
	}
	got = findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{first.SpanID}, Identifiers: []string{""}})
	if labels(got) != "good" {
		t.Errorf("after stale write: %s", labels(got))
	}
}

func testAnnotationMissingTargets(t *testing.T, open Opener) {
	db := open(t)
	p := annotatedProject(t, db)
	ctx := context.Background()
	for _, c := range []struct {
		anns []*ember.Annotation
		want string
	}{
		{[]*ember.Annotation{
			annotation(ember.AnnotationTargetSpan, "1", "ok"),
			annotation(ember.AnnotationTargetSpan, "a", "x"),
			annotation(ember.AnnotationTargetSpan, "b", "x"),
			annotation(ember.AnnotationTargetSpan, "a", "y"),
		}, fmt.Sprintf("Spans with IDs %016s, %016s do not exist.", "a", "b")},
		{[]*ember.Annotation{annotation(ember.AnnotationTargetTrace, "nope", "x")}, fmt.Sprintf("Traces with IDs %032s do not exist.", "nope")},
		{[]*ember.Annotation{annotation(ember.AnnotationTargetSession, "nope", "x")}, "Sessions with IDs nope do not exist."},
		{[]*ember.Annotation{annotation(ember.AnnotationTargetDocument, "c", "x")}, fmt.Sprintf("Spans with IDs %016s do not exist.", "c")},
	} {
		err := db.UpsertAnnotations(ctx, c.anns)
		if ember.ErrorCode(err) != ember.ENOTFOUND || ember.ErrorMessage(err) != c.want {
			t.Errorf("got %v, want ENOTFOUND %q", err, c.want)
		}
	}
	// All or nothing: the valid annotation of the first call was not stored.
	if got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID}); len(got) != 0 {
		t.Errorf("stored despite the error: %d", len(got))
	}
}

func testAnnotationDocuments(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	insert(t, db, span("t1", "3", "1", inProject("p"), func(s *ember.Span) {
		s.Kind = ember.SpanKindReranker
		s.Attributes = json.RawMessage(`{"reranker":{"input_documents":[{},{},{}],"output_documents":[{"document":{"id":"x"}}]},"retrieval":{"documents":[{},{},{},{}]}}`)
	}))
	doc := func(id string, pos int64) *ember.Annotation {
		return annotation(ember.AnnotationTargetDocument, id, "relevance", scored(1), func(a *ember.Annotation) { a.DocumentPosition = pos })
	}
	upsert(t, db, doc("2", 0), doc("2", 1), doc("3", 0))
	for _, c := range []struct {
		a    *ember.Annotation
		want string
	}{
		{doc("2", 2), fmt.Sprintf("Document position 2 is out of bounds for span %016s (max: 1)", "2")},
		{doc("2", -1), fmt.Sprintf("Document position -1 is out of bounds for span %016s (max: 1)", "2")},
		// A reranker's documents are its output documents.
		{doc("3", 1), fmt.Sprintf("Document position 1 is out of bounds for span %016s (max: 0)", "3")},
		// A span without documents takes none.
		{doc("1", 0), fmt.Sprintf("Document position 0 is out of bounds for span %016s (max: -1)", "1")},
	} {
		err := db.UpsertAnnotations(ctx, []*ember.Annotation{c.a})
		if ember.ErrorCode(err) != ember.EUNPROCESSABLE || ember.ErrorMessage(err) != c.want {
			t.Errorf("got %v, want EUNPROCESSABLE %q", err, c.want)
		}
	}
	// The same name at two positions makes two annotations; again at one
	// position replaces it.
	again := doc("2", 1)
	again.Score = f64p(0)
	upsert(t, db, again)
	got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetDocument, ProjectID: p.ID})
	if len(got) != 3 {
		t.Fatalf("document annotations: %d", len(got))
	}
	outcomes, err := db.ApplyAnnotations(ctx, []*ember.Annotation{doc("2", 5), doc("2", 0), doc("zz", 0)})
	if err != nil {
		t.Fatal(err)
	}
	want := []ember.AnnotationOutcome{ember.AnnotationTargetInvalid, ember.AnnotationApplied, ember.AnnotationTargetMissing}
	if !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

func testAnnotationApply(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	t0 := base.Add(time.Hour)
	outcomes, err := db.ApplyAnnotations(ctx, []*ember.Annotation{
		annotation(ember.AnnotationTargetSpan, "1", "q", labeled("v2"), at(t0.Add(2*time.Second))),
		annotation(ember.AnnotationTargetSpan, "1", "q", labeled("v1"), at(t0.Add(time.Second))), // older, in the same batch
		annotation(ember.AnnotationTargetSpan, "late", "q", labeled("x"), at(t0)),
		annotation(ember.AnnotationTargetTrace, "t1", "q", labeled("t"), at(t0)),
		annotation(ember.AnnotationTargetSession, "nope", "q", labeled("s"), at(t0)),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ember.AnnotationOutcome{ember.AnnotationApplied, ember.AnnotationApplied, ember.AnnotationTargetMissing, ember.AnnotationApplied, ember.AnnotationTargetMissing}
	if !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
	spanLabels := func() string {
		return labels(findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{fmt.Sprintf("%016s", "1"), fmt.Sprintf("%016s", "late")}}))
	}
	if got := spanLabels(); got != "v2" {
		t.Errorf("newest of a batch: %s", got)
	}
	// An older version later: kept out. A newer one: applied.
	db.ApplyAnnotations(ctx, []*ember.Annotation{annotation(ember.AnnotationTargetSpan, "1", "q", labeled("v0"), at(t0))})
	if got := spanLabels(); got != "v2" {
		t.Errorf("after an older version: %s", got)
	}
	db.ApplyAnnotations(ctx, []*ember.Annotation{annotation(ember.AnnotationTargetSpan, "1", "q", labeled("v3"), at(t0.Add(3*time.Second)))})
	if got := spanLabels(); got != "v3" {
		t.Errorf("after a newer version: %s", got)
	}
	// The span arrives; the annotation that waited for it applies, and
	// was created when it was made.
	insert(t, db, span("t2", "late", "", inProject("p")))
	outcomes, err = db.ApplyAnnotations(ctx, []*ember.Annotation{annotation(ember.AnnotationTargetSpan, "late", "q", labeled("x"), at(t0))})
	if err != nil || outcomes[0] != ember.AnnotationApplied {
		t.Fatalf("late span: %v %v", outcomes, err)
	}
	got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{fmt.Sprintf("%016s", "late")}})
	if len(got) != 1 || !got[0].CreatedAt.Equal(t0) || !got[0].UpdatedAt.Equal(t0) {
		t.Errorf("late annotation: %+v", got)
	}
	if outcomes, err := db.ApplyAnnotations(ctx, nil); err != nil || len(outcomes) != 0 {
		t.Errorf("nothing to apply: %v %v", outcomes, err)
	}
}

func testAnnotationInvalid(t *testing.T, open Opener) {
	db := open(t)
	annotatedProject(t, db)
	ctx := context.Background()
	for _, mod := range []func(*ember.Annotation){
		func(a *ember.Annotation) { a.Target = "spans" },
		func(a *ember.Annotation) { a.AnnotatorKind = "ROBOT" },
		func(a *ember.Annotation) { a.Source = "CLI" },
		func(a *ember.Annotation) { a.Metadata = json.RawMessage(`[1]`) },
		func(a *ember.Annotation) { a.Metadata = json.RawMessage(`{"a":`) },
	} {
		a := annotation(ember.AnnotationTargetSpan, "1", "x")
		mod(a)
		if err := db.UpsertAnnotations(ctx, []*ember.Annotation{a}); ember.ErrorCode(err) != ember.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", a, err)
		}
		if _, err := db.ApplyAnnotations(ctx, []*ember.Annotation{a}); ember.ErrorCode(err) != ember.EINVALID {
			t.Errorf("apply %+v: %v, want EINVALID", a, err)
		}
	}
	if _, err := db.FindAnnotations(ctx, ember.AnnotationFilter{Target: "nope"}); ember.ErrorCode(err) != ember.EINVALID {
		t.Errorf("find with an unknown target: %v", err)
	}
}

func testAnnotationCleanText(t *testing.T, open Opener) {
	// NUL bytes, invalid UTF-8, lone surrogates and numbers beyond what
	// PostgreSQL's jsonb holds are stored cleaned on both engines.
	db := open(t)
	p := annotatedProject(t, db)
	a := annotation(ember.AnnotationTargetSpan, "1", "n\x00ame", labeled("l\xffabel"), identified("id\x00"), func(a *ember.Annotation) {
		a.Explanation = strp("nul \x00 here")
		a.Metadata = json.RawMessage(`{"k\u0000":"v\u0000","s":"\ud800","tiny":1e-999999,"big":123456789012345678901234567890,"int":9007199254740993,"list":[1.50,"\u0000"]}`)
	})
	upsert(t, db, a)
	got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID})
	if len(got) != 1 {
		t.Fatalf("annotations: %d", len(got))
	}
	g := got[0]
	if g.Name != "n\uFFFDame" || *g.Label != "l\uFFFDabel" || g.Identifier != "id\uFFFD" || *g.Explanation != "nul \uFFFD here" {
		t.Errorf("text: %q %q %q %q", g.Name, *g.Label, g.Identifier, *g.Explanation)
	}
	want := `{"k\uFFFD":"v\uFFFD","s":"\uFFFD","tiny":0,"big":1.2345678901234568e+29,"int":9007199254740993,"list":[1.5,"\uFFFD"]}`
	if !jsonEqual(g.Metadata, json.RawMessage(want)) {
		t.Errorf("metadata %s, want %s", g.Metadata, want)
	}
	for _, bad := range []string{`{"a":1e999}`, `[1]`, `"x"`, `{"a":1} {}`} {
		b := annotation(ember.AnnotationTargetSpan, "1", "x", func(a *ember.Annotation) { a.Metadata = json.RawMessage(bad) })
		if err := db.UpsertAnnotations(context.Background(), []*ember.Annotation{b}); ember.ErrorCode(err) != ember.EINVALID {
			t.Errorf("metadata %s: %v", bad, err)
		}
	}
	c := categorical("c\x00", "a\x00")
	c.Description = strp("d\x00")
	if err := db.CreateAnnotationConfig(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "c\uFFFD" || *c.Description != "d\uFFFD" || c.Values[0].Label != "a\uFFFD" {
		t.Errorf("config text: %+v", c)
	}
}

func testAnnotationFind(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	insert(t, db, span("t9", "9", "", inProject("elsewhere")))
	other, _ := db.FindProjectByName(ctx, "elsewhere")
	upsert(t, db,
		annotation(ember.AnnotationTargetSpan, "1", "a", labeled("1a")),
		annotation(ember.AnnotationTargetSpan, "1", "b", labeled("1b"), identified("id-1")),
		annotation(ember.AnnotationTargetSpan, "1", ember.NoteAnnotationName, labeled("1note"), identified("px-span-note:1")),
		annotation(ember.AnnotationTargetSpan, "2", "a", labeled("2a"), func(a *ember.Annotation) { a.AnnotatorKind = ember.AnnotatorLLM }),
		annotation(ember.AnnotationTargetSpan, "2", "b", labeled("2b"), identified("id-2")),
		annotation(ember.AnnotationTargetSpan, "9", "b", labeled("9b"), identified("id-1")),
	)
	s1, s2, s9 := fmt.Sprintf("%016s", "1"), fmt.Sprintf("%016s", "2"), fmt.Sprintf("%016s", "9")
	f := func(mod func(*ember.AnnotationFilter)) string {
		filter := ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{s1, s2, s9}}
		mod(&filter)
		return labels(findAnnotations(t, db, filter))
	}
	for _, c := range []struct {
		name string
		mod  func(*ember.AnnotationFilter)
		want string
	}{
		{"by span ids, newest first, in the project", func(*ember.AnnotationFilter) {}, "2b,2a,1note,1b,1a"},
		{"one span", func(f *ember.AnnotationFilter) { f.TargetIDs = []string{s2} }, "2b,2a"},
		{"another project's span", func(f *ember.AnnotationFilter) { f.TargetIDs = []string{s9} }, ""},
		{"identifier alone, scoped to the project", func(f *ember.AnnotationFilter) { f.TargetIDs, f.Identifiers = nil, []string{"id-1"} }, "1b"},
		{"identifier and span ids", func(f *ember.AnnotationFilter) { f.Identifiers = []string{"id-1", "id-2"}; f.TargetIDs = []string{s2} }, "2b"},
		{"empty identifier", func(f *ember.AnnotationFilter) { f.Identifiers = []string{""} }, "2a,1a"},
		{"include names", func(f *ember.AnnotationFilter) { f.IncludeNames = []string{"a"} }, "2a,1a"},
		{"exclude names", func(f *ember.AnnotationFilter) { f.ExcludeNames = []string{ember.NoteAnnotationName, "b"} }, "2a,1a"},
		{"annotator kinds", func(f *ember.AnnotationFilter) { f.AnnotatorKinds = []ember.AnnotatorKind{ember.AnnotatorLLM} }, "2a"},
		{"any project", func(f *ember.AnnotationFilter) { f.ProjectID = 0; f.IncludeNames = []string{"b"} }, "9b,2b,1b"},
		{"whole project, no ids", func(f *ember.AnnotationFilter) { f.TargetIDs = nil; f.ExcludeNames = []string{"b"} }, "2a,1note,1a"},
		{"row ids", func(f *ember.AnnotationFilter) { f.TargetIDs = nil; f.TargetRowIDs = []int64{mustSpan(t, db, "1").ID} }, "1note,1b,1a"},
		{"limit", func(f *ember.AnnotationFilter) { f.Limit = 2 }, "2b,2a"},
	} {
		if got := f(c.mod); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// Cursor pages: a page opens with the cursor's row.
	all := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{s1, s2}})
	page := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID, TargetIDs: []string{s1, s2}, Cursor: all[2].ID, Limit: 2})
	if labels(page) != "1note,1b" {
		t.Errorf("cursor page: %s", labels(page))
	}
	for _, c := range []struct {
		target  ember.AnnotationTarget
		project int64
		ids     []string
		want    bool
	}{
		{ember.AnnotationTargetSpan, p.ID, []string{"x", s2}, true},
		{ember.AnnotationTargetSpan, p.ID, []string{s9}, false},
		{ember.AnnotationTargetSpan, other.ID, []string{s9}, true},
		{ember.AnnotationTargetSpan, p.ID, nil, false},
		{ember.AnnotationTargetTrace, p.ID, []string{fmt.Sprintf("%032s", "t1")}, true},
		{ember.AnnotationTargetTrace, other.ID, []string{fmt.Sprintf("%032s", "t1")}, false},
		{ember.AnnotationTargetSession, p.ID, []string{"s1"}, true},
		{ember.AnnotationTargetSession, p.ID, []string{"s2"}, false},
	} {
		got, err := db.AnnotationTargetsExist(ctx, c.target, c.project, c.ids)
		if err != nil || got != c.want {
			t.Errorf("AnnotationTargetsExist(%s, %d, %v) = %v, %v", c.target, c.project, c.ids, got, err)
		}
	}
}

func testAnnotationDelete(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	insert(t, db, span("t9", "9", "", inProject("elsewhere")))
	clock := base
	db.Now = func() time.Time { return clock }
	write := func(target ember.AnnotationTarget, id, name string, mods ...func(*ember.Annotation)) {
		clock = clock.Add(time.Minute)
		upsert(t, db, annotation(target, id, name, mods...))
	}
	write(ember.AnnotationTargetSpan, "1", "a")                                                                      // base+1m
	write(ember.AnnotationTargetSpan, "1", "b", identified("x"))                                                     // base+2m
	write(ember.AnnotationTargetSpan, "2", "a", func(a *ember.Annotation) { a.AnnotatorKind = ember.AnnotatorCode }) // base+3m
	write(ember.AnnotationTargetSpan, "2", "b")                                                                      // base+4m
	write(ember.AnnotationTargetSpan, "9", "a")                                                                      // another project
	write(ember.AnnotationTargetTrace, "t1", "a")
	write(ember.AnnotationTargetSession, "s1", "a")
	count := func(target ember.AnnotationTarget) int {
		return len(findAnnotations(t, db, ember.AnnotationFilter{Target: target}))
	}
	del := func(d ember.AnnotationDeletion) int64 {
		t.Helper()
		d.ProjectID = p.ID
		if d.Target == "" {
			d.Target = ember.AnnotationTargetSpan
		}
		n, err := db.DeleteAnnotations(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := del(ember.AnnotationDeletion{Name: "a", StartTime: timep(base.Add(2 * time.Minute)), EndTime: timep(base.Add(10 * time.Minute))}); n != 1 {
		t.Errorf("name in a window: %d", n)
	}
	if n := del(ember.AnnotationDeletion{Identifier: "x"}); n != 1 {
		t.Errorf("identifier: %d", n)
	}
	if n := del(ember.AnnotationDeletion{AnnotatorKind: ember.AnnotatorCode}); n != 0 {
		t.Errorf("kind already gone: %d", n)
	}
	if n := del(ember.AnnotationDeletion{StartTime: timep(base), EndTime: timep(base.Add(4 * time.Minute))}); n != 1 {
		t.Errorf("window, end exclusive: %d", n)
	}
	if n := del(ember.AnnotationDeletion{UserID: 3}); n != 0 {
		t.Errorf("another user's: %d", n)
	}
	if n := del(ember.AnnotationDeletion{IDs: []int64{-1, 1 << 40}}); n != 0 {
		t.Errorf("ids that name nothing: %d", n)
	}
	if count(ember.AnnotationTargetSpan) != 2 { // 2/b and the other project's
		t.Errorf("span annotations left: %d", count(ember.AnnotationTargetSpan))
	}
	if left := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID}); len(left) != 1 {
		t.Errorf("span annotations of the project: %d", len(left))
	} else if n := del(ember.AnnotationDeletion{Name: "b", IDs: []int64{left[0].ID}}); n != 1 {
		t.Errorf("by id: %d", n)
	}
	if n := del(ember.AnnotationDeletion{}); n != 0 {
		t.Errorf("all of the project's: %d", n)
	}
	if n := del(ember.AnnotationDeletion{Target: ember.AnnotationTargetTrace}); n != 1 || count(ember.AnnotationTargetTrace) != 0 {
		t.Errorf("trace annotations: %d", n)
	}
	if n := del(ember.AnnotationDeletion{Target: ember.AnnotationTargetSession}); n != 1 || count(ember.AnnotationTargetSession) != 0 {
		t.Errorf("session annotations: %d", n)
	}
	if count(ember.AnnotationTargetSpan) != 1 {
		t.Errorf("the other project's annotation went too")
	}
}

func testAnnotationCascade(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	annotatedProject(t, db)
	insert(t, db, span("t2", "5", "", inProject("p"), func(s *ember.Span) { s.SessionID = "s2" }))
	all := func() map[ember.AnnotationTarget]int {
		out := map[ember.AnnotationTarget]int{}
		for _, target := range ember.AnnotationTargets {
			out[target] = len(findAnnotations(t, db, ember.AnnotationFilter{Target: target}))
		}
		return out
	}
	upsert(t, db,
		annotation(ember.AnnotationTargetSpan, "1", "x"), annotation(ember.AnnotationTargetSpan, "2", "x"),
		annotation(ember.AnnotationTargetDocument, "2", "x"), annotation(ember.AnnotationTargetSpan, "5", "x"),
		annotation(ember.AnnotationTargetTrace, "t1", "x"), annotation(ember.AnnotationTargetTrace, "t2", "x"),
		annotation(ember.AnnotationTargetSession, "s1", "x"), annotation(ember.AnnotationTargetSession, "s2", "x"),
	)
	check := func(step string, span, doc, trace, session int) {
		t.Helper()
		want := map[ember.AnnotationTarget]int{ember.AnnotationTargetSpan: span, ember.AnnotationTargetDocument: doc, ember.AnnotationTargetTrace: trace, ember.AnnotationTargetSession: session}
		if got := all(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("after %s: %v, want %v", step, got, want)
		}
	}
	check("writing", 3, 1, 2, 2)
	if err := db.DeleteSpan(ctx, fmt.Sprintf("%016s", "2")); err != nil {
		t.Fatal(err)
	}
	check("deleting span 2", 2, 0, 2, 2)
	t2, _ := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", "t2"))
	if err := db.DeleteTrace(ctx, t2.ID); err != nil {
		t.Fatal(err)
	}
	check("deleting trace t2", 1, 0, 1, 2)
	if err := db.DeleteSessions(ctx, ember.SessionSet{SessionIDs: []string{"s2"}}); err != nil {
		t.Fatal(err)
	}
	check("deleting session s2", 1, 0, 1, 1)
	p, _ := db.FindProjectByName(ctx, "p")
	if err := db.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	check("deleting the project", 0, 0, 0, 0)
}

func testAnnotationTransfer(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	insert(t, db, span("t9", "9", "", inProject("dest")))
	dest, _ := db.FindProjectByName(ctx, "dest")
	upsert(t, db,
		annotation(ember.AnnotationTargetSpan, "1", "x"), annotation(ember.AnnotationTargetDocument, "2", "x"),
		annotation(ember.AnnotationTargetTrace, "t1", "x"), annotation(ember.AnnotationTargetSession, "s1", "x"),
	)
	tr, _ := db.FindTraceByTraceID(ctx, fmt.Sprintf("%032s", "t1"))
	if _, err := db.TransferTraces(ctx, []int64{tr.ID}, dest.ID); err != nil {
		t.Fatal(err)
	}
	for _, target := range ember.AnnotationTargets {
		if got := findAnnotations(t, db, ember.AnnotationFilter{Target: target, ProjectID: dest.ID}); len(got) != 1 {
			t.Errorf("%s annotations in the destination: %d", target, len(got))
		}
		if got := findAnnotations(t, db, ember.AnnotationFilter{Target: target, ProjectID: p.ID}); len(got) != 0 {
			t.Errorf("%s annotations left behind: %d", target, len(got))
		}
	}
}

func testAnnotationSummaries(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	insert(t, db, span("t2", "3", "", inProject("p"), func(s *ember.Span) { s.StartTime = base.Add(time.Hour) }))
	upsert(t, db,
		annotation(ember.AnnotationTargetSpan, "1", "correct", labeled("yes"), scored(1)),
		annotation(ember.AnnotationTargetSpan, "2", "correct", labeled("no"), scored(0)),
		annotation(ember.AnnotationTargetSpan, "3", "correct", labeled("yes"), scored(1)),
		annotation(ember.AnnotationTargetSpan, "1", "correct", labeled("yes"), identified("again")),
		annotation(ember.AnnotationTargetSpan, "1", "latency", scored(0.25)),
		annotation(ember.AnnotationTargetSpan, "2", "latency", scored(0.75)),
		annotation(ember.AnnotationTargetSpan, "1", ember.NoteAnnotationName, func(a *ember.Annotation) { a.Explanation = strp("hm") }),
		annotation(ember.AnnotationTargetTrace, "t1", "thumbs", labeled("up")),
	)
	format := func(sums []ember.AnnotationSummary) string {
		var parts []string
		for _, s := range sums {
			mean := "none"
			if s.MeanScore != nil {
				mean = fmt.Sprintf("%.3f", *s.MeanScore)
			}
			part := fmt.Sprintf("%s n=%d scored=%d mean=%s", s.Name, s.Count, s.ScoreCount, mean)
			for _, l := range s.Labels {
				part += fmt.Sprintf(" %s:%d", l.Label, l.Count)
			}
			parts = append(parts, part)
		}
		return strings.Join(parts, "; ")
	}
	summarize := func(f ember.AnnotationSummaryFilter) string {
		t.Helper()
		f.ProjectID = p.ID
		sums, err := db.SummarizeAnnotations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return format(sums)
	}
	for _, c := range []struct {
		filter ember.AnnotationSummaryFilter
		want   string
	}{
		{ember.AnnotationSummaryFilter{Target: ember.AnnotationTargetSpan}, "correct n=4 scored=3 mean=0.667 yes:3 no:1; latency n=2 scored=2 mean=0.500"},
		{ember.AnnotationSummaryFilter{Target: ember.AnnotationTargetSpan, StartTime: timep(base.Add(time.Minute))}, "correct n=1 scored=1 mean=1.000 yes:1"},
		{ember.AnnotationSummaryFilter{Target: ember.AnnotationTargetSpan, EndTime: timep(base.Add(time.Minute))}, "correct n=3 scored=2 mean=0.500 yes:2 no:1; latency n=2 scored=2 mean=0.500"},
		{ember.AnnotationSummaryFilter{Target: ember.AnnotationTargetTrace}, "thumbs n=1 scored=0 mean=none up:1"},
		{ember.AnnotationSummaryFilter{Target: ember.AnnotationTargetSession}, ""},
	} {
		if got := summarize(c.filter); got != c.want {
			t.Errorf("%+v:\n got %s\nwant %s", c.filter, got, c.want)
		}
	}
}

func testAnnotationLargeBatch(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	var spans []*ember.Span
	for i := range 600 {
		spans = append(spans, span(fmt.Sprintf("t%d", i/10), fmt.Sprintf("s%d", i), "", inProject("big")))
	}
	insert(t, db, spans...)
	var anns []*ember.Annotation
	for i := range 600 {
		for _, name := range []string{"a", "b", "c", "d"} {
			anns = append(anns, annotation(ember.AnnotationTargetSpan, fmt.Sprintf("s%d", i), name, scored(float64(i))))
		}
	}
	anns = append(anns, annotation(ember.AnnotationTargetSpan, "missing", "a"))
	outcomes, err := db.ApplyAnnotations(ctx, anns)
	if err != nil {
		t.Fatal(err)
	}
	if outcomes[len(outcomes)-1] != ember.AnnotationTargetMissing || slices.Contains(outcomes[:len(outcomes)-1], ember.AnnotationTargetMissing) {
		t.Errorf("outcomes of a large batch are off")
	}
	anns = anns[:len(anns)-1]
	if err := db.UpsertAnnotations(ctx, anns); err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, a := range anns {
		ids[a.ID] = true
	}
	p, _ := db.FindProjectByName(ctx, "big")
	if got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID}); len(got) != 2400 || len(ids) != 2400 {
		t.Errorf("stored %d, distinct ids %d; want 2400", len(got), len(ids))
	}
}

func testAnnotationConcurrent(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	var spans []*ember.Span
	for i := range 50 {
		spans = append(spans, span("t", fmt.Sprintf("s%d", i), "", inProject("busy")))
	}
	insert(t, db, spans...)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for round := range 5 {
				var anns []*ember.Annotation
				for i := range 50 {
					// Every writer writes the same keys, in its own order.
					n := (i + w*7) % 50
					anns = append(anns, annotation(ember.AnnotationTargetSpan, fmt.Sprintf("s%d", n), "shared", labeled(fmt.Sprintf("w%d-r%d", w, round))))
				}
				if err := db.UpsertAnnotations(ctx, anns); err != nil {
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
	p, _ := db.FindProjectByName(ctx, "busy")
	if got := findAnnotations(t, db, ember.AnnotationFilter{Target: ember.AnnotationTargetSpan, ProjectID: p.ID}); len(got) != 50 {
		t.Errorf("annotations: %d, want 50", len(got))
	}
}

func categorical(name string, labels ...string) *ember.AnnotationConfig {
	c := &ember.AnnotationConfig{Name: name, Type: ember.AnnotationConfigCategorical, OptimizationDirection: ember.OptimizeMaximize}
	for i, l := range labels {
		c.Values = append(c.Values, ember.CategoricalValue{Label: l, Score: f64p(float64(len(labels) - 1 - i))})
	}
	return c
}

func testAnnotationConfigs(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	cat := categorical("correctness", "correct", "incorrect")
	cat.Description = strp("Is the answer right?")
	cont := &ember.AnnotationConfig{Name: "confidence", Type: ember.AnnotationConfigContinuous, OptimizationDirection: ember.OptimizeNone, LowerBound: f64p(0), UpperBound: f64p(1)}
	free := &ember.AnnotationConfig{Name: "remarks", Type: ember.AnnotationConfigFreeform, Threshold: f64p(0.5)}
	for _, c := range []*ember.AnnotationConfig{cat, cont, free} {
		if err := db.CreateAnnotationConfig(ctx, c); err != nil {
			t.Fatalf("create %s: %v", c.Name, err)
		}
		if c.ID == 0 || c.CreatedAt.IsZero() {
			t.Errorf("created %+v", c)
		}
	}
	got, err := db.FindAnnotationConfigByName(ctx, "correctness")
	if err != nil || got.ID != cat.ID || *got.Description != "Is the answer right?" || len(got.Values) != 2 || got.Values[1].Label != "incorrect" || *got.Values[0].Score != 1 {
		t.Fatalf("by name: %+v %v", got, err)
	}
	if got, err := db.FindAnnotationConfigByID(ctx, free.ID); err != nil || got.Type != ember.AnnotationConfigFreeform || got.OptimizationDirection != "" || *got.Threshold != 0.5 || got.Values != nil {
		t.Errorf("freeform by id: %+v %v", got, err)
	}
	if got, err := db.FindAnnotationConfigByID(ctx, cont.ID); err != nil || *got.LowerBound != 0 || *got.UpperBound != 1 || got.OptimizationDirection != ember.OptimizeNone {
		t.Errorf("continuous by id: %+v %v", got, err)
	}
	for _, err := range []error{
		func() error { _, err := db.FindAnnotationConfigByID(ctx, 999); return err }(),
		func() error { _, err := db.FindAnnotationConfigByName(ctx, "nope"); return err }(),
	} {
		if ember.ErrorCode(err) != ember.ENOTFOUND || ember.ErrorMessage(err) != "Annotation configuration not found" {
			t.Errorf("missing config: %v", err)
		}
	}
	names := func(cs []*ember.AnnotationConfig) string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Name
		}
		return strings.Join(out, ",")
	}
	all, _ := db.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{})
	if names(all) != "remarks,confidence,correctness" {
		t.Errorf("all: %s", names(all))
	}
	page, _ := db.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{Cursor: cont.ID, Limit: 1})
	if names(page) != "confidence" {
		t.Errorf("page: %s", names(page))
	}
	byName, _ := db.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{Names: []string{"correctness", "nope", "remarks"}})
	if names(byName) != "remarks,correctness" {
		t.Errorf("by names: %s", names(byName))
	}
	// Conflicts: a taken name, the reserved name.
	for _, c := range []*ember.AnnotationConfig{categorical("correctness", "x"), categorical("note", "x")} {
		err := db.CreateAnnotationConfig(ctx, c)
		if ember.ErrorCode(err) != ember.ECONFLICT {
			t.Errorf("create %s: %v", c.Name, err)
		}
	}
	// Update replaces everything, type included, under the same id.
	upd := &ember.AnnotationConfig{ID: cat.ID, Name: "correct?", Type: ember.AnnotationConfigContinuous, OptimizationDirection: ember.OptimizeMinimize, UpperBound: f64p(10)}
	if err := db.UpdateAnnotationConfig(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindAnnotationConfigByID(ctx, cat.ID); got.Name != "correct?" || got.Type != ember.AnnotationConfigContinuous || got.Values != nil || got.Description != nil || *got.UpperBound != 10 {
		t.Errorf("updated: %+v", got)
	}
	for _, c := range []struct {
		cfg  *ember.AnnotationConfig
		code string
	}{
		{&ember.AnnotationConfig{ID: cat.ID, Name: "remarks", Type: ember.AnnotationConfigFreeform}, ember.ECONFLICT},
		{&ember.AnnotationConfig{ID: cat.ID, Name: "note", Type: ember.AnnotationConfigFreeform}, ember.ECONFLICT},
		{&ember.AnnotationConfig{ID: 999, Name: "x", Type: ember.AnnotationConfigFreeform}, ember.ENOTFOUND},
		{&ember.AnnotationConfig{ID: cat.ID, Name: "x", Type: ember.AnnotationConfigCategorical, OptimizationDirection: ember.OptimizeNone}, ember.EINVALID},
	} {
		if err := db.UpdateAnnotationConfig(ctx, c.cfg); ember.ErrorCode(err) != c.code {
			t.Errorf("update %+v: %v, want %s", c.cfg, err, c.code)
		}
	}
	// Renaming to its own name is fine.
	same := &ember.AnnotationConfig{ID: free.ID, Name: "remarks", Type: ember.AnnotationConfigFreeform}
	if err := db.UpdateAnnotationConfig(ctx, same); err != nil {
		t.Errorf("same name: %v", err)
	}
	deleted, err := db.DeleteAnnotationConfig(ctx, free.ID)
	if err != nil || deleted.Name != "remarks" {
		t.Fatalf("delete: %+v %v", deleted, err)
	}
	if _, err := db.DeleteAnnotationConfig(ctx, free.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("delete again: %v", err)
	}
}

func testAnnotationConfigValidation(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	for _, c := range []struct {
		cfg  *ember.AnnotationConfig
		want string
	}{
		{categorical("empty"), "1 validation error for CategoricalAnnotationConfig\nvalues\n  Value error, Values must be non-empty [type=value_error]"},
		{categorical("dup", "a", "b", "a"), "1 validation error for CategoricalAnnotationConfig\nvalues\n  Value error, Values for categorical annotation config has duplicate label: \"a\" [type=value_error]"},
		{categorical("blank", "a", "", ""), "2 validation errors for CategoricalAnnotationConfig\nvalues.1.label\n  Value error, Label must be non-empty [type=value_error]\nvalues.2.label\n  Value error, Label must be non-empty [type=value_error]"},
		{&ember.AnnotationConfig{Name: "bounds", Type: ember.AnnotationConfigContinuous, OptimizationDirection: ember.OptimizeMaximize, LowerBound: f64p(1), UpperBound: f64p(1)},
			"1 validation error for ContinuousAnnotationConfig\n  Value error, Lower bound must be strictly less than upper bound [type=value_error]"},
		{&ember.AnnotationConfig{Name: "free bounds", Type: ember.AnnotationConfigFreeform, LowerBound: f64p(2), UpperBound: f64p(1)},
			"1 validation error for FreeformAnnotationConfig\n  Value error, Lower bound must be strictly less than upper bound [type=value_error]"},
		{&ember.AnnotationConfig{Name: "no direction", Type: ember.AnnotationConfigContinuous}, "An annotation config of type CONTINUOUS needs an optimization direction"},
		{&ember.AnnotationConfig{Name: "odd", Type: "ODD"}, `Unknown annotation config type "ODD"`},
	} {
		err := db.CreateAnnotationConfig(ctx, c.cfg)
		if ember.ErrorCode(err) != ember.EINVALID || ember.ErrorMessage(err) != c.want {
			t.Errorf("%s: got %v\nwant %q", c.cfg.Name, err, c.want)
		}
	}
	if err := db.CreateAnnotationConfig(ctx, categorical("note")); ember.ErrorMessage(err) != "The name 'note' is reserved for trace and span notes and cannot be used for annotation configs." {
		t.Errorf("note: %v", err)
	}
	// Check: annotations against their config.
	cat := categorical("c", "good", "bad")
	cont := &ember.AnnotationConfig{Name: "s", Type: ember.AnnotationConfigContinuous, OptimizationDirection: ember.OptimizeMaximize, LowerBound: f64p(0), UpperBound: f64p(1)}
	half := &ember.AnnotationConfig{Name: "h", Type: ember.AnnotationConfigFreeform, LowerBound: f64p(0)}
	for _, c := range []struct {
		cfg  *ember.AnnotationConfig
		a    *ember.Annotation
		want string
	}{
		{cat, annotation(ember.AnnotationTargetSpan, "1", "c", labeled("good"), scored(42)), ""},
		{cat, annotation(ember.AnnotationTargetSpan, "1", "c", scored(3)), ""},
		{cat, annotation(ember.AnnotationTargetSpan, "1", "c", labeled("meh")), `Annotation "c" has label "meh", which its annotation config does not allow; the labels are "good", "bad"`},
		{cont, annotation(ember.AnnotationTargetSpan, "1", "s", scored(1), labeled("any")), ""},
		{cont, annotation(ember.AnnotationTargetSpan, "1", "s", scored(1.5)), `Annotation "s" has score 1.5, outside the bounds of its annotation config: 0 to 1`},
		{cont, annotation(ember.AnnotationTargetSpan, "1", "s", scored(-0.1)), `Annotation "s" has score -0.1, outside the bounds of its annotation config: 0 to 1`},
		{half, annotation(ember.AnnotationTargetSpan, "1", "h", scored(1e9)), ""},
		{half, annotation(ember.AnnotationTargetSpan, "1", "h", scored(-1)), `Annotation "h" has score -1, outside the bounds of its annotation config: 0 to inf`},
	} {
		err := c.cfg.Check(c.a)
		if c.want == "" && err != nil || c.want != "" && (ember.ErrorCode(err) != ember.EUNPROCESSABLE || ember.ErrorMessage(err) != c.want) {
			t.Errorf("Check(%s): got %v, want %q", c.a.Name, err, c.want)
		}
	}
}

func testAnnotationConfigAssignment(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	p := annotatedProject(t, db)
	q := &ember.Project{Name: "q"}
	if err := db.CreateProject(ctx, q); err != nil {
		t.Fatal(err)
	}
	a, b, c := categorical("a", "x"), categorical("b", "x"), categorical("c", "x")
	for _, cfg := range []*ember.AnnotationConfig{a, b, c} {
		if err := db.CreateAnnotationConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	assigned := func(project int64) string {
		t.Helper()
		cs, err := db.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{ProjectID: project})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	for range 2 { // assigning twice is harmless
		if err := db.AssignAnnotationConfig(ctx, p.ID, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	db.AssignAnnotationConfig(ctx, p.ID, b.ID)
	db.AssignAnnotationConfig(ctx, q.ID, a.ID)
	if got := assigned(p.ID); got != "b,a" {
		t.Errorf("assigned to p: %s", got)
	}
	if err := db.AssignAnnotationConfig(ctx, p.ID, 999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("assign a missing config: %v", err)
	}
	if err := db.AssignAnnotationConfig(ctx, 999, a.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("assign to a missing project: %v", err)
	}
	for range 2 { // unassigning twice too
		if err := db.UnassignAnnotationConfig(ctx, p.ID, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := assigned(p.ID); got != "b" {
		t.Errorf("after unassign: %s", got)
	}
	set, err := db.SetProjectAnnotationConfigs(ctx, p.ID, []int64{c.ID, a.ID, c.ID})
	if err != nil || len(set) != 2 || set[0].Name != "c" || set[1].Name != "a" {
		t.Fatalf("set: %v %v", set, err)
	}
	if _, err := db.SetProjectAnnotationConfigs(ctx, p.ID, []int64{b.ID, 999}); ember.ErrorCode(err) != ember.EUNPROCESSABLE || ember.ErrorMessage(err) != "One or more annotation configurations were not found" {
		t.Errorf("set with a missing config: %v", err)
	}
	if got := assigned(p.ID); got != "c,a" {
		t.Errorf("a failed set changed the set: %s", got)
	}
	if _, err := db.DeleteAnnotationConfig(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := assigned(p.ID) + "|" + assigned(q.ID); got != "c|" {
		t.Errorf("after deleting config a: %s", got)
	}
	if set, err := db.SetProjectAnnotationConfigs(ctx, p.ID, nil); err != nil || len(set) != 0 || assigned(p.ID) != "" {
		t.Errorf("cleared: %v %v", set, err)
	}
	db.AssignAnnotationConfig(ctx, q.ID, b.ID)
	if err := db.DeleteProject(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindAnnotationConfigByID(ctx, b.ID); err != nil {
		t.Errorf("deleting a project deleted its config: %v", err)
	}
}
