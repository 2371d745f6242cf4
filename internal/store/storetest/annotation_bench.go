package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// annotationBenchSpans is how many spans the annotation benchmark
// annotates: ten annotations of each make 100,000.
const annotationBenchSpans = 10_000

// BenchmarkUpsertAnnotations measures writing 100,000 span annotations in
// batches of 1,000, each batch one call as one REST request makes it: with
// UpsertAnnotations (sync=true; new rows, then the same keys again) and
// with ApplyAnnotations (the background queue's path). It reports
// annotations/s.
func BenchmarkUpsertAnnotations(b *testing.B, open func(b *testing.B) *store.DB) {
	const total, batchSize = 100_000, 1_000
	db := open(b)
	ctx := context.Background()
	spans := make([]*ember.Span, 0, annotationBenchSpans)
	for i := range annotationBenchSpans {
		s := benchSpan(i, "small", benchAttributes("small"))
		spans = append(spans, s)
		if len(spans) == 1000 {
			if _, err := db.InsertSpans(ctx, spans); err != nil {
				b.Fatal(err)
			}
			spans = spans[:0]
		}
	}
	metadata := json.RawMessage(`{"judge":"gpt-4o-mini","prompt_version":3}`)
	batch := func(round, first int) []*ember.Annotation {
		anns := make([]*ember.Annotation, batchSize)
		for j := range anns {
			n := first + j
			label, score, explanation := "correct", float64(n%100)/100, "The answer matches the retrieved documents."
			anns[j] = &ember.Annotation{
				Target: ember.AnnotationTargetSpan, SpanID: spans0(n % annotationBenchSpans),
				Name: fmt.Sprintf("eval-%d-%d", round, n/annotationBenchSpans), AnnotatorKind: ember.AnnotatorLLM,
				Label: &label, Score: &score, Explanation: &explanation, Metadata: metadata,
			}
		}
		return anns
	}
	run := func(b *testing.B, write func([]*ember.Annotation) error, sameKeys bool) {
		round := 0
		written := 0
		start := time.Now()
		for b.Loop() {
			round++
			r := round
			if sameKeys {
				r = 0
			}
			for first := 0; first < total; first += batchSize {
				if err := write(batch(r, first)); err != nil {
					b.Fatal(err)
				}
			}
			written += total
		}
		b.ReportMetric(float64(written)/time.Since(start).Seconds(), "annotations/s")
	}
	b.Run("upsert/new", func(b *testing.B) {
		run(b, func(anns []*ember.Annotation) error { return db.UpsertAnnotations(ctx, anns) }, false)
	})
	b.Run("upsert/same-keys", func(b *testing.B) {
		run(b, func(anns []*ember.Annotation) error { return db.UpsertAnnotations(ctx, anns) }, true)
	})
	b.Run("apply/new", func(b *testing.B) {
		run(b, func(anns []*ember.Annotation) error {
			for _, a := range anns {
				a.Name = "applied-" + a.Name
			}
			_, err := db.ApplyAnnotations(ctx, anns)
			return err
		}, false)
	})
}

// spans0 is the span id of benchSpan(n).
func spans0(n int) string { return fmt.Sprintf("%016x", scramble(uint64(n+1))) }
