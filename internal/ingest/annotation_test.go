package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

// fakeAnnotations stores annotations whose span ids it knows, keeping the
// newest version of each (name, span) as the real store does.
type fakeAnnotations struct {
	mu      sync.Mutex
	targets map[string]bool
	stored  map[string]*ember.Annotation // by name and span id
	calls   int
	labels  []string // every label stored, in order
	block   chan struct{}
	fail    func([]*ember.Annotation) error
}

func newFakeAnnotations(targets ...string) *fakeAnnotations {
	f := &fakeAnnotations{targets: map[string]bool{}, stored: map[string]*ember.Annotation{}}
	for _, t := range targets {
		f.targets[t] = true
	}
	return f
}

func (f *fakeAnnotations) UpsertAnnotations(ctx context.Context, anns []*ember.Annotation) error {
	return errors.New("not used by the queue")
}

func (f *fakeAnnotations) ApplyAnnotations(ctx context.Context, anns []*ember.Annotation) ([]ember.AnnotationOutcome, error) {
	if f.block != nil {
		<-f.block
	}
	if f.fail != nil {
		if err := f.fail(anns); err != nil {
			f.mu.Lock()
			f.calls++
			f.mu.Unlock()
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	out := make([]ember.AnnotationOutcome, len(anns))
	newest := map[string]*ember.Annotation{}
	var keys []string
	for i, a := range anns {
		switch {
		case a.DocumentPosition < 0:
			out[i] = ember.AnnotationTargetInvalid
		case !f.targets[a.SpanID]:
			out[i] = ember.AnnotationTargetMissing
		default:
			key := a.Name + "/" + a.SpanID
			if n := newest[key]; n == nil {
				keys = append(keys, key)
				newest[key] = a
			} else if !n.UpdatedAt.After(a.UpdatedAt) {
				newest[key] = a
			}
		}
	}
	for _, key := range keys {
		a := newest[key]
		if old := f.stored[key]; old == nil || !old.UpdatedAt.After(a.UpdatedAt) {
			f.stored[key] = a
			f.labels = append(f.labels, *a.Label)
		}
	}
	return out, nil
}

func (f *fakeAnnotations) addTarget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets[id] = true
}

func (f *fakeAnnotations) label(name, spanID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.stored[name+"/"+spanID]
	if a == nil {
		return ""
	}
	return *a.Label
}

// history lists the labels stored, in order; a batch stores only the
// newest version of each annotation, as the real store does.
func (f *fakeAnnotations) history() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.labels, ",")
}

func (f *fakeAnnotations) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.stored)
}

func spanAnnotation(spanID, name, label string) *ember.Annotation {
	return &ember.Annotation{Target: ember.AnnotationTargetSpan, SpanID: spanID, Name: name, AnnotatorKind: ember.AnnotatorHuman, Label: &label}
}

// fastRetries makes retries quick for tests.
var fastRetries = AnnotationQueueOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}

func closeQueue(t *testing.T, q *AnnotationQueue) {
	t.Helper()
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-q.done:
	default:
		t.Fatal("the queue's goroutine is still running after Close")
	}
}

func TestAnnotationQueueStoresInBackground(t *testing.T) {
	store := newFakeAnnotations("s1", "s2")
	clock := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	q := NewAnnotationQueue(store, AnnotationQueueOptions{Now: func() time.Time { return clock }})
	a := spanAnnotation("s1", "quality", "good")
	given := clock.Add(-time.Hour)
	b := spanAnnotation("s2", "quality", "bad")
	b.UpdatedAt = given
	if err := q.Enqueue([]*ember.Annotation{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return store.count() == 2 })
	if !a.UpdatedAt.Equal(clock) || !b.UpdatedAt.Equal(given) {
		t.Errorf("stamps: %v, %v", a.UpdatedAt, b.UpdatedAt)
	}
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if s := q.Stats(); s.Applied != 2 || s.Retries != 0 {
		t.Errorf("stats %+v", s)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueWaitsForTargets(t *testing.T) {
	store := newFakeAnnotations()
	q := NewAnnotationQueue(store, fastRetries)
	if err := q.Enqueue([]*ember.Annotation{spanAnnotation("late", "quality", "good")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return q.Stats().Retries >= 3 })
	if store.count() != 0 {
		t.Fatal("stored without a target")
	}
	store.addTarget("late")
	waitFor(t, func() bool { return store.label("quality", "late") == "good" })
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if s := q.Stats(); s.Applied != 1 || s.Expired != 0 {
		t.Errorf("stats %+v", s)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueRetryDelaysGrow(t *testing.T) {
	// With a 10 ms first delay doubling to 40 ms, an annotation waits
	// 10+20+40+40+... ms: in 200 ms it is tried about six times, not twenty.
	store := newFakeAnnotations()
	q := NewAnnotationQueue(store, AnnotationQueueOptions{RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 40 * time.Millisecond})
	q.Enqueue([]*ember.Annotation{spanAnnotation("never", "q", "x")})
	time.Sleep(200 * time.Millisecond)
	if n := q.Stats().Retries; n < 3 || n > 8 {
		t.Errorf("%d retries in 200 ms", n)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueGivesUp(t *testing.T) {
	store := newFakeAnnotations()
	opts := fastRetries
	opts.RetryFor = 30 * time.Millisecond
	q := NewAnnotationQueue(store, opts)
	q.Enqueue([]*ember.Annotation{spanAnnotation("never", "quality", "good")})
	waitFor(t, func() bool { return q.Stats().Expired == 1 })
	if s := q.Stats(); s.Queued != 0 || s.Applied != 0 {
		t.Errorf("stats %+v", s)
	}
	// The target arriving afterwards changes nothing.
	store.addTarget("never")
	time.Sleep(20 * time.Millisecond)
	if store.count() != 0 {
		t.Error("stored after giving up")
	}
	closeQueue(t, q)
}

func TestAnnotationQueueDropsInvalid(t *testing.T) {
	store := newFakeAnnotations("s1")
	q := NewAnnotationQueue(store, fastRetries)
	bad := spanAnnotation("s1", "relevance", "x")
	bad.DocumentPosition = -1
	q.Enqueue([]*ember.Annotation{bad, spanAnnotation("s1", "quality", "ok")})
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if s := q.Stats(); s.Invalid != 1 || s.Applied != 1 || s.Retries != 0 {
		t.Errorf("stats %+v", s)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueNewestWins(t *testing.T) {
	// Two versions of one annotation wait for the span; when it comes, the
	// one that arrived last is kept whatever order they are applied in.
	store := newFakeAnnotations()
	tick := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	opts := fastRetries
	opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Millisecond)
		return tick
	}
	q := NewAnnotationQueue(store, opts)
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "quality", "first")})
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "quality", "second")})
	waitFor(t, func() bool { return q.Stats().Retries >= 2 })
	store.addTarget("s")
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if got := store.label("quality", "s"); got != "second" {
		t.Errorf("kept %q", got)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueRetriesATargetTogether(t *testing.T) {
	// Two versions of one annotation wait with different retry times; when
	// the earlier falls due, the later goes with it, so the older version
	// is never stored on its own.
	store := newFakeAnnotations()
	tick := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return tick
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(d)
	}
	q := NewAnnotationQueue(store, AnnotationQueueOptions{Now: now, RetryDelay: time.Second, MaxRetryDelay: time.Second})
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "quality", "first")})
	waitFor(t, func() bool { return q.Stats().Retries == 1 })
	advance(time.Millisecond) // the second is newer and due a moment later
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "quality", "second")})
	waitFor(t, func() bool { return q.Stats().Retries == 2 })
	store.addTarget("s")
	advance(time.Second - time.Millisecond) // only the first is due
	q.wake <- struct{}{}
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if got := store.history(); got != "second" {
		t.Errorf("stored %s; the older version must never be stored alone", got)
	}
	closeQueue(t, q)
}

func TestAnnotationQueueBounded(t *testing.T) {
	store := newFakeAnnotations("s")
	store.block = make(chan struct{})
	q := NewAnnotationQueue(store, AnnotationQueueOptions{MaxQueued: 5, MaxQueuedBytes: 10_000})
	three := func() []*ember.Annotation {
		return []*ember.Annotation{spanAnnotation("s", "a", "x"), spanAnnotation("s", "b", "x"), spanAnnotation("s", "c", "x")}
	}
	if err := q.Enqueue(three()); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(three()); !errors.Is(err, ErrAnnotationQueueFull) || ember.ErrorCode(err) != ember.EUNAVAILABLE {
		t.Fatalf("over the count: %v", err)
	}
	big := spanAnnotation("s", "big", "x")
	big.Metadata = []byte(fmt.Sprintf(`{"blob":"%0*d"}`, 20_000, 0))
	if err := q.Enqueue([]*ember.Annotation{big}); !errors.Is(err, ErrAnnotationQueueFull) {
		t.Fatalf("over the bytes: %v", err)
	}
	if s := q.Stats(); s.Rejected != 2 || s.Queued != 3 {
		t.Errorf("stats %+v", s)
	}
	close(store.block)
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	// An empty queue takes a request of any size.
	if err := q.Enqueue([]*ember.Annotation{big}); err != nil {
		t.Fatalf("oversized request into an empty queue: %v", err)
	}
	closeQueue(t, q)
	if store.count() != 4 {
		t.Errorf("stored %d", store.count())
	}
}

func TestAnnotationQueueCloseDrains(t *testing.T) {
	store := newFakeAnnotations("s1")
	store.block = make(chan struct{})
	// Retries are an hour apart: only Close's last try can store the one
	// that waits.
	q := NewAnnotationQueue(store, AnnotationQueueOptions{RetryDelay: time.Hour, MaxBatch: 2})
	q.Enqueue([]*ember.Annotation{spanAnnotation("s2", "waits", "x")})
	for i := range 5 {
		q.Enqueue([]*ember.Annotation{spanAnnotation("s1", fmt.Sprint("n", i), "x")})
	}
	store.block <- struct{}{} // the first batch
	waitFor(t, func() bool { return q.Stats().Retries == 1 })
	store.addTarget("s2")
	q.Enqueue([]*ember.Annotation{spanAnnotation("gone", "never", "x")})
	closed := make(chan error, 1)
	go func() { closed <- q.Close(context.Background()) }()
	waitFor(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.closed
	})
	if err := q.Enqueue([]*ember.Annotation{spanAnnotation("s1", "late", "x")}); !errors.Is(err, ErrClosed) {
		t.Errorf("enqueue after Close: %v", err)
	}
	close(store.block)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if store.label("waits", "s2") != "x" || store.count() != 6 {
		t.Errorf("stored %d; the waiting one: %q", store.count(), store.label("waits", "s2"))
	}
	if s := q.Stats(); s.Queued != 0 || s.Expired != 1 || s.Applied != 6 {
		t.Errorf("stats %+v", s)
	}
}

func TestAnnotationQueueCloseTimesOut(t *testing.T) {
	store := newFakeAnnotations("s")
	store.block = make(chan struct{})
	q := NewAnnotationQueue(store, AnnotationQueueOptions{})
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "q", "x")})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a stuck store: %v", err)
	}
	close(store.block)
	<-q.done
	if store.count() != 1 {
		t.Error("the write in flight was lost")
	}
}

func TestAnnotationQueueRetriesFailures(t *testing.T) {
	store := newFakeAnnotations("s")
	var once sync.Once
	store.fail = func(anns []*ember.Annotation) error {
		var err error
		once.Do(func() { err = errors.New("database is down") })
		if err == nil && len(anns) > 1 {
			for _, a := range anns {
				if a.Name == "poison" {
					return ember.Errorf(ember.EINVALID, "Annotation metadata must be a JSON object")
				}
			}
		}
		if err == nil && len(anns) == 1 && anns[0].Name == "poison" {
			return ember.Errorf(ember.EINVALID, "Annotation metadata must be a JSON object")
		}
		return err
	}
	q := NewAnnotationQueue(store, fastRetries)
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "first", "x")})
	waitFor(t, func() bool { return store.label("first", "s") == "x" })
	// A batch spoiled by one annotation is stored one by one; the bad one
	// is dropped.
	store.block = make(chan struct{})
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "a", "x")})
	q.mu.Lock()
	for len(q.fresh) != 0 {
		q.mu.Unlock()
		time.Sleep(time.Millisecond)
		q.mu.Lock()
	}
	q.mu.Unlock()
	q.Enqueue([]*ember.Annotation{spanAnnotation("s", "b", "x"), spanAnnotation("s", "poison", "x")})
	close(store.block)
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	if s := q.Stats(); s.Failed < 2 || s.Invalid != 1 || store.count() != 3 {
		t.Errorf("stats %+v, stored %d", s, store.count())
	}
	closeQueue(t, q)
}
