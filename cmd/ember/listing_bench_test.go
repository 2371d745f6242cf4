package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/httpapi"
	"github.com/emberhq/ember/internal/spanquery"
	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/sqlite"
)

// listingSpans is the size of the project the listing benchmark reads.
const listingSpans = 1_000_000

// listingDBVersion names the generated database; change it when the data
// or the schema it depends on changes.
const listingDBVersion = "v1"

var listingBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkSpanListing1M measures GET /v1/projects/{p}/spans, through the
// real handler and a real SQLite file, on a project of a million spans
// (200,000 five-span agent traces over 23 days): the first page and
// pages filtered by each kind of filter. It reports the p50 and p95
// latency of each. The database is built once (about a minute) and kept in
// the temp dir, or at $EMBER_BENCH_LISTING_DB.
//
//	go test ./cmd/ember -run '^$' -bench SpanListing1M -benchtime 200x
func BenchmarkSpanListing1M(b *testing.B) {
	path := os.Getenv("EMBER_BENCH_LISTING_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "ember-listing-1m-"+listingDBVersion+".db")
	}
	db := openListingDB(b, path)
	api := &httpapi.Handler{Database: db, Projects: db, Spans: db, Traces: db}
	mux := http.NewServeMux()
	api.Register(mux)

	mid := listingBase.Add(listingSpans / 10 * 10 * time.Second)
	end := listingBase.Add(listingSpans / 5 * 10 * time.Second)
	cases := []struct{ name, query string }{
		{"first-page", ""},
		{"roots", "parent_id=null"},
		{"span_kind=LLM", "span_kind=LLM"},
		{"status_code=ERROR", "status_code=ERROR"},
		{"trace_id", "trace_id=" + listingTraceID(123_457)},
		{"span_id", "span_id=" + listingSpanID(123_457, 2)},
		{"name=tool", "name=tool"},
		{"attribute=model", "attribute=" + url.QueryEscape(`llm.model_name:"claude-sonnet-4"`)},
		{"time-window-1h", "start_time=" + mid.Format(time.RFC3339) + "&end_time=" + mid.Add(time.Hour).Format(time.RFC3339)},
		{"time-window-all", "start_time=" + listingBase.Add(-time.Hour).Format(time.RFC3339) + "&end_time=" + end.Format(time.RFC3339)},
		{"time-window-oldest-fifth", "start_time=" + listingBase.Format(time.RFC3339) + "&end_time=" + listingBase.Add(end.Sub(listingBase)/5).Format(time.RFC3339)},
		{"time-window-7d-ERROR", "status_code=ERROR&start_time=" + end.Add(-7*24*time.Hour).Format(time.RFC3339) + "&end_time=" + end.Format(time.RFC3339)},
		{"middle-page", "cursor=" + ember.GlobalID("Span", listingSpans/2)},
		{"limit=1000", "limit=1000"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			target := "/v1/projects/bench/spans?" + c.query
			var latencies []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", target, nil)
				rec := httptest.NewRecorder()
				start := time.Now()
				mux.ServeHTTP(rec, req)
				latencies = append(latencies, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", target, rec.Code, rec.Body.String())
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

// listingSpanID is the span id of the j-th span of trace i.
func listingSpanID(i, j int) string {
	return fmt.Sprintf("%016x", (uint64(i)*5+uint64(j)+1)*0xbf58476d1ce4e5b9)
}

func listingTraceID(i int) string { return fmt.Sprintf("%032x", uint64(i)*0x9e3779b97f4a7c15) }

// openListingDB opens the benchmark database, building it when missing.
func openListingDB(b *testing.B, path string) *store.DB {
	ctx := context.Background()
	_, statErr := os.Stat(path)
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if statErr == nil {
		// A benchmark may add its own spans to its copy of the database.
		if n, err := db.CountSpans(ctx); err == nil && n >= listingSpans {
			return db
		}
		b.Fatalf("%s holds an incomplete benchmark database; delete it", path)
	}
	b.Logf("building %s with %d spans", path, listingSpans)
	start := time.Now()
	batch := make([]*ember.Span, 0, 5000)
	for trace := 0; trace < listingSpans/5; trace++ {
		batch = append(batch, listingTrace(trace)...)
		if len(batch) == cap(batch) {
			if _, err := db.InsertSpans(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if _, err := db.InsertSpans(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built in %s", time.Since(start).Round(time.Second))
	return db
}

// listingTrace is one agent run: an agent root, a retriever, two LLM calls
// and a tool, which fails in one trace of fifty.
func listingTrace(i int) []*ember.Span {
	traceID := listingTraceID(i)
	start := listingBase.Add(time.Duration(i) * 10 * time.Second)
	spanID := func(j int) string { return listingSpanID(i, j) }
	model := "gpt-4o"
	if i%2 == 1 {
		model = "claude-sonnet-4"
	}
	question := fmt.Sprintf("What does order %d contain, and when will it arrive?", i)
	answer := fmt.Sprintf("Order %d holds three items; it ships tomorrow and arrives within two days.", i)
	attrs := func(v map[string]any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	kind := func(k string) map[string]any { return map[string]any{"span": map[string]any{"kind": k}} }
	llm := map[string]any{
		"openinference": kind("LLM"),
		"llm": map[string]any{
			"model_name": model, "provider": "openai",
			"input_messages": []any{
				map[string]any{"message": map[string]any{"role": "system", "content": "You answer questions about orders."}},
				map[string]any{"message": map[string]any{"role": "user", "content": question}},
			},
			"output_messages": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": answer}}},
			"token_count":     map[string]any{"prompt": 320, "completion": 48, "total": 368},
		},
		"input":  map[string]any{"value": question},
		"output": map[string]any{"value": answer},
	}
	spans := []*ember.Span{
		{Name: "agent", Kind: ember.SpanKindAgent, Attributes: attrs(map[string]any{"openinference": kind("AGENT"), "input": map[string]any{"value": question}, "output": map[string]any{"value": answer}, "session": map[string]any{"id": fmt.Sprintf("session-%d", i/4)}, "user": map[string]any{"id": fmt.Sprintf("user-%d", i%1000)}})},
		{Name: "retrieve", Kind: ember.SpanKindRetriever, Attributes: attrs(map[string]any{"openinference": kind("RETRIEVER"), "input": map[string]any{"value": question}, "retrieval": map[string]any{"documents": []any{
			map[string]any{"document": map[string]any{"id": "doc-1", "score": 0.91, "content": "Orders ship within one business day."}},
			map[string]any{"document": map[string]any{"id": "doc-2", "score": 0.72, "content": "Delivery takes two to four days."}},
		}}})},
		{Name: "llm", Kind: ember.SpanKindLLM, HasTokenCounts: true, LLMTokenCountPrompt: 320, LLMTokenCountCompletion: 48, Attributes: attrs(llm)},
		{Name: "tool", Kind: ember.SpanKindTool, Attributes: attrs(map[string]any{"openinference": kind("TOOL"), "tool": map[string]any{"name": "lookup_order", "parameters": map[string]any{"order_id": i}}})},
		{Name: "llm", Kind: ember.SpanKindLLM, HasTokenCounts: true, LLMTokenCountPrompt: 320, LLMTokenCountCompletion: 48, Attributes: attrs(llm)},
	}
	for j, s := range spans {
		s.ProjectName = "bench"
		s.TraceID, s.SpanID = traceID, spanID(j)
		if j > 0 {
			s.ParentID = spanID(0)
		}
		s.StartTime = start.Add(time.Duration(j) * 100 * time.Millisecond)
		s.EndTime = s.StartTime.Add(time.Duration(300+j*50) * time.Millisecond)
		s.StatusCode = ember.StatusOK
		s.Events = json.RawMessage(`[]`)
		if s.Name == "agent" {
			s.EndTime = start.Add(2 * time.Second)
			s.SessionID = fmt.Sprintf("session-%d", i/4)
		}
		if s.Name == "tool" && i%50 == 0 {
			s.StatusCode, s.StatusMessage = ember.StatusError, "order service timed out"
		}
	}
	return spans
}

// BenchmarkSpanConditions1M measures the first page of spans matching a
// filter-language condition, through the store, on the same million-span
// project as BenchmarkSpanListing1M. A condition that few spans match
// walks much of the project before it fills a page.
//
//	go test ./cmd/ember -run '^$' -bench SpanConditions1M -benchtime 20x
func BenchmarkSpanConditions1M(b *testing.B) {
	path := os.Getenv("EMBER_BENCH_LISTING_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "ember-listing-1m-"+listingDBVersion+".db")
	}
	db := openListingDB(b, path)
	ctx := context.Background()
	project, err := db.FindProjectByName(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, condition string }{
		{"kind-and-latency", `span_kind == 'AGENT' and latency_ms > 1000`},
		{"model", `llm.model_name == 'claude-sonnet-4'`},
		{"errors", `status_code == 'ERROR'`},
		{"tokens", `cumulative_llm_token_count_total > 500`},
		{"substring-common", `'order' in input.value`},
		{"substring-one-trace", `'order 123457,' in input.value`},
		{"no-match", `span_kind == 'LLM' and latency_ms > 1000`},
	} {
		b.Run(c.name, func(b *testing.B) {
			cond, err := spanquery.Parse(c.condition)
			if err != nil {
				b.Fatal(err)
			}
			var latencies []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := db.FindSpans(ctx, ember.SpanFilter{ProjectID: &project.ID, Condition: cond, Limit: 101}); err != nil {
					b.Fatal(err)
				}
				latencies = append(latencies, time.Since(start))
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
