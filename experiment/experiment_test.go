package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
)

func TestPoolRunsEveryIndexOnce(t *testing.T) {
	var seen [100]atomic.Int32
	var running, peak atomic.Int32
	pool(context.Background(), 7, len(seen), func(i int) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		seen[i].Add(1)
		running.Add(-1)
	})
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("index %d ran %d times", i, seen[i].Load())
		}
	}
	if peak.Load() > 7 {
		t.Errorf("%d ran at once, want at most 7", peak.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var ran atomic.Int32
	pool(ctx, 2, 10, func(int) { ran.Add(1) })
	if ran.Load() != 0 {
		t.Errorf("a cancelled pool ran %d jobs", ran.Load())
	}
}

func TestTaskOutputAndFailures(t *testing.T) {
	f := func(out any, want string) {
		t.Helper()
		got, err := encodeOutput(out)
		if err != nil || string(got) != want {
			t.Errorf("encodeOutput(%v) = %s, %v; want %s", out, got, err, want)
		}
	}
	f(map[string]int{"a": 1}, `{"a":1}`)
	f("text", `"text"`)
	f(nil, `null`)
	f(json.RawMessage(`[1,2]`), `[1,2]`)
	if _, err := encodeOutput(func() {}); err == nil {
		t.Error("a function encoded")
	}
	if _, err := safeTask(context.Background(), func(context.Context, *Example) (any, error) { panic("boom") }, &Example{}); err == nil || err.Error() != "task panicked: boom" {
		t.Errorf("panic: %v", err)
	}
	e := Code("c", func(context.Context, Input) (Result, error) { return Result{}, errors.New("no") })
	if e.Name() != "c" || e.Kind() != "CODE" {
		t.Errorf("code evaluator %s %s", e.Name(), e.Kind())
	}
	if _, err := safeEvaluate(context.Background(), e, Input{}); err == nil {
		t.Error("evaluator error lost")
	}
}
