package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/web"
)

// webBenchTraceSpans is the size of the big trace the web benchmark opens.
const webBenchTraceSpans = 500

var webBenchTraceID = fmt.Sprintf("%032x", "bigtrace500")

// BenchmarkWebPages1M renders UI pages through the real web handler on a
// copy of the listing benchmark's million-span SQLite database, to which
// it adds a trace of 500 spans, an annotation config and 20,000
// annotations: the project's spans and traces tabs (last 7 days, with
// annotation columns) and the 500-span trace view. It reports the p50 and
// p95 server time of each. The copy is kept in the temp dir, or at
// $EMBER_BENCH_WEB_DB.
//
//	go test ./cmd/ember -run '^$' -bench WebPages1M -benchtime 100x
func BenchmarkWebPages1M(b *testing.B) {
	path := os.Getenv("EMBER_BENCH_WEB_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "ember-web-1m-"+listingDBVersion+".db")
	}
	if _, err := os.Stat(path); err != nil {
		listing := os.Getenv("EMBER_BENCH_LISTING_DB")
		if listing == "" {
			listing = filepath.Join(os.TempDir(), "ember-listing-1m-"+listingDBVersion+".db")
		}
		if err := copyFile(listing, path); err != nil {
			b.Logf("no listing database to copy (%v); building one", err)
		}
	}
	db := openListingDB(b, path)
	ctx := context.Background()
	project, err := db.FindProjectByName(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.FindTraceByTraceID(ctx, webBenchTraceID); ember.ErrorCode(err) == ember.ENOTFOUND {
		addWebBenchData(b, db, project)
	} else if err != nil {
		b.Fatal(err)
	}
	end := listingBase.Add(listingSpans / 5 * 10 * time.Second)
	h, err := web.New(web.Handler{Projects: db, Spans: db, Traces: db, Summaries: db, Annotations: db, AnnotationConfigs: db, Users: db,
		Now: func() time.Time { return end.Add(time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	base := "/projects/" + strconv.FormatInt(project.ID, 10)
	for _, c := range []struct{ name, target string }{
		{"project-spans", base},
		{"project-spans-all-kinds", base + "?roots=0"},
		{"project-spans-by-latency", base + "?sort=latency&dir=desc"},
		{"project-spans-all-kinds-by-latency", base + "?sort=latency&dir=desc&roots=0"},
		{"project-spans-by-tokens", base + "?sort=tokens&dir=desc"},
		{"project-spans-by-cost", base + "?sort=cost&dir=desc"},
		{"project-traces", base + "?tab=traces"},
		{"project-traces-by-latency", base + "?tab=traces&sort=latency&dir=desc"},
		{"project-traces-by-tokens", base + "?tab=traces&sort=tokens&dir=desc"},
		{"project-traces-by-cost", base + "?tab=traces&sort=cost&dir=desc"},
		{"project-sessions", base + "?tab=sessions"},
		{"trace-500", base + "/traces/" + webBenchTraceID},
		{"trace-500-llm-span", base + "/traces/" + webBenchTraceID + "?span=" + webBenchSpanID(499)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var latencies []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", c.target, nil)
				rec := httptest.NewRecorder()
				start := time.Now()
				mux.ServeHTTP(rec, req)
				latencies = append(latencies, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", c.target, rec.Code, rec.Body.String())
				}
			}
			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(float64(len(latencies)-1)*p)]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
		})
	}
}

func webBenchSpanID(j int) string { return fmt.Sprintf("%016x", uint64(j+1)*0x9e3779b97f4a7c15) }

// addWebBenchData adds the 500-span trace (an agent whose steps each call
// a retriever, an LLM and a tool), a categorical config assigned to the
// project, and annotations: one on each of 20,000 recent root spans, one
// on each span of the big trace, and one on the big trace.
func addWebBenchData(b *testing.B, db *store.DB, project *ember.Project) {
	ctx := context.Background()
	start := listingBase.Add(listingSpans/5*10*time.Second - 30*time.Minute)
	attrs := func(v map[string]any) json.RawMessage { j, _ := json.Marshal(v); return j }
	var spans []*ember.Span
	for j := range webBenchTraceSpans {
		s := &ember.Span{ProjectName: "bench", TraceID: webBenchTraceID, SpanID: webBenchSpanID(j), StatusCode: ember.StatusOK, Events: json.RawMessage(`[]`)}
		s.StartTime = start.Add(time.Duration(j) * 50 * time.Millisecond)
		s.EndTime = s.StartTime.Add(40 * time.Millisecond)
		switch {
		case j == 0:
			s.Name, s.Kind, s.EndTime = "agent", ember.SpanKindAgent, start.Add(time.Duration(webBenchTraceSpans)*50*time.Millisecond)
			s.Attributes = attrs(map[string]any{"openinference": map[string]any{"span": map[string]any{"kind": "AGENT"}}, "input": map[string]any{"value": "Plan the whole migration"}, "output": map[string]any{"value": "Done in 166 steps."}})
		case j%3 == 1:
			s.Name, s.Kind, s.ParentID = fmt.Sprintf("step-%d", j/3), ember.SpanKindChain, webBenchSpanID(0)
			s.EndTime = s.StartTime.Add(140 * time.Millisecond)
			s.Attributes = attrs(map[string]any{"openinference": map[string]any{"span": map[string]any{"kind": "CHAIN"}}, "input": map[string]any{"value": fmt.Sprintf("step %d", j/3)}})
		case j%3 == 2:
			s.Name, s.Kind, s.ParentID = "retrieve", ember.SpanKindRetriever, webBenchSpanID(j-1)
			s.Attributes = attrs(map[string]any{"openinference": map[string]any{"span": map[string]any{"kind": "RETRIEVER"}}, "retrieval": map[string]any{"documents": []any{
				map[string]any{"document": map[string]any{"id": "doc-1", "score": 0.9, "content": "Step notes: **migrate** the table, then verify counts."}}}}})
		default:
			s.Name, s.Kind, s.ParentID = "llm", ember.SpanKindLLM, webBenchSpanID(j-2)
			s.HasTokenCounts, s.LLMTokenCountPrompt, s.LLMTokenCountCompletion = true, 320, 48
			s.Attributes = attrs(map[string]any{"openinference": map[string]any{"span": map[string]any{"kind": "LLM"}}, "llm": map[string]any{"model_name": "gpt-4o", "provider": "openai",
				"input_messages":  []any{map[string]any{"message": map[string]any{"role": "user", "content": "What next?"}}},
				"output_messages": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": "Migrate the next table."}}},
				"token_count":     map[string]any{"prompt": 320, "completion": 48, "total": 368}}})
		}
		spans = append(spans, s)
	}
	if _, err := db.InsertSpans(ctx, spans); err != nil {
		b.Fatal(err)
	}
	cfg := &ember.AnnotationConfig{Name: "correctness", Type: ember.AnnotationConfigCategorical, OptimizationDirection: ember.OptimizeMaximize,
		Values: []ember.CategoricalValue{{Label: "correct", Score: ptr(1.0)}, {Label: "incorrect", Score: ptr(0.0)}}}
	if err := db.CreateAnnotationConfig(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	if err := db.AssignAnnotationConfig(ctx, project.ID, cfg.ID); err != nil {
		b.Fatal(err)
	}
	label := func(i int) *string {
		l := "correct"
		if i%4 == 0 {
			l = "incorrect"
		}
		return &l
	}
	var anns []*ember.Annotation
	flush := func() {
		if err := db.UpsertAnnotations(ctx, anns); err != nil {
			b.Fatal(err)
		}
		anns = anns[:0]
	}
	for n := range 20_000 {
		i := listingSpans/5 - 1 - 3*n // every third of the latest traces
		root := fmt.Sprintf("%016x", (uint64(i)*5+1)*0xbf58476d1ce4e5b9)
		anns = append(anns, &ember.Annotation{Target: ember.AnnotationTargetSpan, SpanID: root, Name: "correctness", AnnotatorKind: ember.AnnotatorHuman, Label: label(n), Source: ember.AnnotationSourceApp})
		if len(anns) == 1000 {
			flush()
		}
	}
	for j := range webBenchTraceSpans {
		anns = append(anns, &ember.Annotation{Target: ember.AnnotationTargetSpan, SpanID: webBenchSpanID(j), Name: "correctness", AnnotatorKind: ember.AnnotatorLLM, Label: label(j), Explanation: ptr("judged by the bench")})
	}
	flush()
	anns = append(anns, &ember.Annotation{Target: ember.AnnotationTargetTrace, TraceID: webBenchTraceID, Name: "correctness", AnnotatorKind: ember.AnnotatorHuman, Label: label(1)})
	flush()
}

func ptr[T any](v T) *T { return &v }

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to + ".part")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(to+".part", to)
}
