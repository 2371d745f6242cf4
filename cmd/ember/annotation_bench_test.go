package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/httpapi"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/postgres"
	"github.com/emberhq/ember/internal/store/sqlite"
)

// BenchmarkAnnotations100K posts 100,000 span annotations in requests of
// 1,000 to POST /v1/span_annotations, through the real handler (JSON
// decoding, validation, the annotation config lookup, the store; no
// network), on 10,000 stored spans: with sync=true, as new annotations and
// as the same ones again; and without sync, timed until the background
// queue has stored them all. It reports annotations/s. SQLite always;
// PostgreSQL too when EMBER_TEST_POSTGRES_URL names a server.
//
//	go test ./cmd/ember -run '^$' -bench Annotations100K -benchtime 3x
func BenchmarkAnnotations100K(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "ember.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		benchmarkAnnotations(b, db)
	})
	if url := os.Getenv("EMBER_TEST_POSTGRES_URL"); url != "" {
		b.Run("postgres", func(b *testing.B) {
			schema := "bench_" + strings.ToLower(rand.Text())
			db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				db.Close()
				dropSchema(url, schema)
			})
			benchmarkAnnotations(b, db)
		})
	}
}

func benchmarkAnnotations(b *testing.B, db *store.DB) {
	const spans, total, perRequest = 10_000, 100_000, 1_000
	ctx := context.Background()
	var spanIDs []string
	batch := make([]*ember.Span, 0, 1000)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range spans {
		s := &ember.Span{
			ProjectName: "bench", TraceID: fmt.Sprintf("%032x", i/10+1), SpanID: fmt.Sprintf("%016x", i+1), Name: "llm",
			Kind: ember.SpanKindLLM, StartTime: start, EndTime: start.Add(time.Second), StatusCode: ember.StatusOK,
		}
		spanIDs = append(spanIDs, s.SpanID)
		if batch = append(batch, s); len(batch) == cap(batch) {
			if _, err := db.InsertSpans(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	queue := ingest.NewAnnotationQueue(db, ingest.AnnotationQueueOptions{MaxQueued: 2 * total, MaxQueuedBytes: 1 << 30})
	b.Cleanup(func() { queue.Close(context.Background()) })
	api := &httpapi.Handler{Database: db, Projects: db, Spans: db, Traces: db, Annotations: db, AnnotationQueue: queue, AnnotationConfigs: db}
	mux := http.NewServeMux()
	api.Register(mux)

	// body is the request of annotations first..first+perRequest-1 of a
	// round: each span gets ten, of names eval-<round>-0..9.
	body := func(round string, first int) []byte {
		var buf bytes.Buffer
		buf.WriteString(`{"data":[`)
		for n := first; n < first+perRequest; n++ {
			if n > first {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"span_id":%q,"name":"eval-%s-%d","annotator_kind":"LLM","result":{"label":"correct","score":0.%02d,"explanation":"The answer matches the retrieved documents."},"metadata":{"judge":"gpt-4o-mini","prompt_version":3},"identifier":""}`,
				spanIDs[n%spans], round, n/spans, n%100)
		}
		buf.WriteString(`]}`)
		return buf.Bytes()
	}
	post := func(query string, b *testing.B, payload []byte) {
		req := httptest.NewRequest("POST", "/v1/span_annotations"+query, bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
	run := func(b *testing.B, query string, sameKeys bool, wait func(want int64)) {
		written, round := 0, 0
		var elapsed time.Duration
		for b.Loop() {
			round++
			name := fmt.Sprint(round)
			if sameKeys {
				name = "same"
			}
			// Build the bodies outside the timing: they are the client's work.
			bodies := make([][]byte, 0, total/perRequest)
			for first := 0; first < total; first += perRequest {
				bodies = append(bodies, body(query+name, first))
			}
			startRound := time.Now()
			for _, payload := range bodies {
				post(query, b, payload)
			}
			written += total
			if wait != nil {
				wait(int64(written))
			}
			elapsed += time.Since(startRound)
		}
		b.ReportMetric(float64(written)/elapsed.Seconds(), "annotations/s")
	}
	b.Run("sync/new", func(b *testing.B) { run(b, "?sync=true", false, nil) })
	b.Run("sync/same-keys", func(b *testing.B) { run(b, "?sync=true", true, nil) })
	b.Run("queued/new", func(b *testing.B) {
		base := queue.Stats().Applied
		run(b, "?sync=false", false, func(want int64) {
			for queue.Stats().Applied-base < want {
				time.Sleep(time.Millisecond)
			}
		})
	})
}
