package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// BenchmarkInsertSpans measures InsertSpans with batches of batchSize
// spans, in traces of 10, either small spans (about 10 short attributes) or
// LLM-shaped ones (messages and 2 KB of input and output).
func BenchmarkInsertSpans(b *testing.B, open func(b *testing.B) *store.DB) {
	for _, profile := range []string{"small", "llm"} {
		for _, batchSize := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", profile, batchSize), func(b *testing.B) {
				db := open(b)
				attrs := benchAttributes(profile)
				b.ReportAllocs()
				b.SetBytes(int64(len(attrs) * batchSize))
				ctx := context.Background()
				next := 0
				batch := make([]*ember.Span, batchSize)
				start := time.Now()
				for b.Loop() {
					for i := range batch {
						n := next + i
						batch[i] = benchSpan(n, profile, attrs)
					}
					next += batchSize
					if _, err := db.InsertSpans(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(next)/time.Since(start).Seconds(), "spans/s")
			})
		}
	}
}

func benchAttributes(profile string) json.RawMessage {
	if profile == "small" {
		return json.RawMessage(`{"http":{"method":"GET","route":"/api/v1/items/{id}","status_code":200},"service":{"name":"checkout","version":"1.4.2"},"net":{"peer":{"name":"db.internal","port":5432}},"rand":8123,"openinference":{"span":{"kind":"CHAIN"}}}`)
	}
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 45)
	m := map[string]any{
		"openinference": map[string]any{"span": map[string]any{"kind": "LLM"}},
		"llm": map[string]any{
			"model_name": "gpt-4o-mini", "provider": "openai",
			"input_messages":        []any{map[string]any{"message": map[string]any{"role": "system", "content": "You are helpful."}}, map[string]any{"message": map[string]any{"role": "user", "content": text}}},
			"output_messages":       []any{map[string]any{"message": map[string]any{"role": "assistant", "content": text}}},
			"token_count":           map[string]any{"prompt": 420, "completion": 380, "total": 800},
			"invocation_parameters": `{"temperature":0.2,"max_tokens":1024}`,
		},
		"input":   map[string]any{"value": text, "mime_type": "text/plain"},
		"output":  map[string]any{"value": text, "mime_type": "text/plain"},
		"session": map[string]any{"id": "session-1"},
		"user":    map[string]any{"id": "user-1"},
	}
	b, _ := json.Marshal(m)
	return b
}

func benchSpan(n int, profile string, attrs json.RawMessage) *ember.Span {
	t := time.Unix(1_700_000_000, int64(n)*1000).UTC()
	s := &ember.Span{
		ProjectName: "bench",
		TraceID:     fmt.Sprintf("%016x%016x", scramble(uint64(n/10+1)), n/10+1),
		SpanID:      fmt.Sprintf("%016x", scramble(uint64(n+1))),
		Name:        "operation",
		Kind:        ember.SpanKindChain,
		StartTime:   t,
		EndTime:     t.Add(time.Millisecond),
		StatusCode:  ember.StatusOK,
		Attributes:  attrs,
		Events:      json.RawMessage(`[]`),
	}
	if n%10 != 0 {
		s.ParentID = fmt.Sprintf("%016x", scramble(uint64(n-n%10+1)))
	}
	if profile == "llm" {
		s.SessionID = fmt.Sprintf("session-%d", n/50)
		if n%10 != 0 {
			s.Kind, s.HasTokenCounts, s.LLMTokenCountPrompt, s.LLMTokenCountCompletion = ember.SpanKindLLM, true, 420, 380
		}
	}
	return s
}

// scramble maps n to a random-looking, unique 64-bit id, as real span and
// trace ids are: sequential ids would turn the unique-index inserts into
// appends and flatter the store.
func scramble(n uint64) uint64 {
	n ^= n >> 33
	n *= 0xff51afd7ed558ccd
	n ^= n >> 33
	n *= 0xc4ceb9fe1a85ec53
	n ^= n >> 33
	return n
}
