package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

// fakeStore records the batches it is given; block, when set, holds each
// write until it is closed.
type fakeStore struct {
	mu      sync.Mutex
	batches [][]*ember.Span
	block   chan struct{}
	fail    func([]*ember.Span) error
}

func (f *fakeStore) InsertSpans(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error) {
	if f.block != nil {
		<-f.block
	}
	if f.fail != nil {
		if err := f.fail(spans); err != nil {
			return ember.InsertSpansResult{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, append([]*ember.Span(nil), spans...))
	return ember.InsertSpansResult{Inserted: len(spans)}, nil
}

func spans(prefix string, n int) []*ember.Span {
	out := make([]*ember.Span, n)
	for i := range out {
		out[i] = &ember.Span{SpanID: fmt.Sprintf("%s-%d", prefix, i)}
	}
	return out
}

func TestWriterGroupsConcurrentRequests(t *testing.T) {
	store := &fakeStore{block: make(chan struct{})}
	w := NewWriter(store, WriterOptions{})
	var wg sync.WaitGroup
	// The first request holds the writer; the next ten queue behind it and
	// must share one transaction.
	wg.Go(func() {
		if err := w.Write(context.Background(), spans("first", 1)); err != nil {
			t.Error(err)
		}
	})
	waitFor(t, func() bool { return w.Stats().Queued == 1 })
	for i := range 10 {
		wg.Go(func() {
			if err := w.Write(context.Background(), spans(fmt.Sprint(i), 3)); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool { return w.Stats().Queued == 31 })
	close(store.block)
	wg.Wait()
	if len(store.batches) != 2 || len(store.batches[1]) != 30 {
		t.Fatalf("batches: %d, second has %d spans", len(store.batches), len(store.batches[len(store.batches)-1]))
	}
	if s := w.Stats(); s.Stored != 31 || s.Batches != 2 || s.Queued != 0 {
		t.Fatalf("stats %+v", s)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestWriterAdmitRefusesWhenFull(t *testing.T) {
	store := &fakeStore{block: make(chan struct{})}
	w := NewWriter(store, WriterOptions{MaxQueuedSpans: 5})
	if err := w.Admit(); err != nil {
		t.Fatal(err)
	}
	go w.Write(context.Background(), spans("a", 5))
	waitFor(t, func() bool { return w.Stats().Queued == 5 })
	if err := w.Admit(); !errors.Is(err, ErrFull) || ember.ErrorCode(err) != ember.EUNAVAILABLE {
		t.Fatalf("Admit = %v, want ErrFull", err)
	}
	close(store.block)
	waitFor(t, func() bool { return w.Stats().Queued == 0 })
	if err := w.Admit(); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Rejected != 1 {
		t.Fatalf("rejected = %d", s.Rejected)
	}
	w.Close(context.Background())
}

func TestWriterAdmitRefusesWhenBytesFull(t *testing.T) {
	store := &fakeStore{block: make(chan struct{})}
	w := NewWriter(store, WriterOptions{MaxQueuedSpans: 1000, MaxQueuedBytes: 10_000})
	big := spans("big", 1)
	big[0].Attributes = make([]byte, 20_000)
	go w.Write(context.Background(), big)
	waitFor(t, func() bool { return w.Stats().Queued == 1 })
	if err := w.Admit(); !errors.Is(err, ErrFull) {
		t.Fatalf("Admit = %v, want ErrFull", err)
	}
	close(store.block)
	waitFor(t, func() bool { return w.Stats().QueuedBytes == 0 })
	if err := w.Admit(); err != nil {
		t.Fatal(err)
	}
	w.Close(context.Background())
}

func TestWriterIsolatesFailingRequest(t *testing.T) {
	bad := errors.New("constraint")
	store := &fakeStore{block: make(chan struct{}), fail: func(s []*ember.Span) error {
		for _, sp := range s {
			if sp.SpanID == "bad-0" {
				return bad
			}
		}
		return nil
	}}
	w := NewWriter(store, WriterOptions{})
	var wg sync.WaitGroup
	errs := make(map[string]error)
	var mu sync.Mutex
	for _, name := range []string{"first", "ok1", "bad", "ok2"} {
		wg.Go(func() {
			err := w.Write(context.Background(), spans(name, 2))
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
		if name == "first" {
			waitFor(t, func() bool { return w.Stats().Queued == 2 })
		}
	}
	waitFor(t, func() bool { return w.Stats().Queued == 8 })
	close(store.block)
	wg.Wait()
	for name, err := range errs {
		if (name == "bad") != (err != nil) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if s := w.Stats(); s.Stored != 6 || s.Failed != 1 {
		t.Fatalf("stats %+v", s)
	}
	w.Close(context.Background())
}

func TestWriterCloseDrains(t *testing.T) {
	store := &fakeStore{block: make(chan struct{})}
	w := NewWriter(store, WriterOptions{})
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if err := w.Write(context.Background(), spans(fmt.Sprint(i), 2)); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool { return w.Stats().Queued == 10 })
	closed := make(chan error)
	go func() { closed <- w.Close(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	close(store.block)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if s := w.Stats(); s.Stored != 10 {
		t.Fatalf("stored %d", s.Stored)
	}
	if err := w.Write(context.Background(), spans("late", 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestWriterCloseTimesOut(t *testing.T) {
	store := &fakeStore{block: make(chan struct{})}
	w := NewWriter(store, WriterOptions{})
	go w.Write(context.Background(), spans("a", 1))
	waitFor(t, func() bool { return w.Stats().Queued == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); err == nil {
		t.Fatal("Close returned nil while a write was stuck")
	}
	close(store.block)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// pipelinedStore records commits and flushes; a request must not be
// answered before a flush that began after its commit.
type pipelinedStore struct {
	fakeStore
	mu        sync.Mutex
	committed int // spans committed
	durable   int // spans covered by a finished flush
	syncErr   error
	syncGate  chan struct{}
}

func (p *pipelinedStore) InsertSpansNoSync(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error) {
	res, err := p.fakeStore.InsertSpans(ctx, spans)
	p.mu.Lock()
	p.committed += len(spans)
	p.mu.Unlock()
	return res, err
}

func (p *pipelinedStore) Sync(ctx context.Context) error {
	p.mu.Lock()
	covered := p.committed
	p.mu.Unlock()
	if p.syncGate != nil {
		<-p.syncGate
	}
	p.mu.Lock()
	p.durable = max(p.durable, covered)
	p.mu.Unlock()
	return p.syncErr
}

func TestWriterPipelinedAnswersAfterSync(t *testing.T) {
	store := &pipelinedStore{syncGate: make(chan struct{})}
	w := NewWriter(store, WriterOptions{})
	answered := make(chan error, 1)
	go func() { answered <- w.Write(context.Background(), spans("a", 3)) }()
	waitFor(t, func() bool {
		store.mu.Lock()
		defer store.mu.Unlock()
		return store.committed == 3
	})
	select {
	case <-answered:
		t.Fatal("answered before the flush")
	case <-time.After(20 * time.Millisecond):
	}
	// While the flush waits, the next batch still commits.
	go w.Write(context.Background(), spans("b", 2))
	waitFor(t, func() bool {
		store.mu.Lock()
		defer store.mu.Unlock()
		return store.committed == 5
	})
	close(store.syncGate)
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	durable := store.durable
	store.mu.Unlock()
	if durable < 3 {
		t.Fatalf("answered with %d spans durable", durable)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Queued != 0 || s.Stored != 5 {
		t.Fatalf("stats %+v", s)
	}
}

func TestWriterPipelinedSyncFailure(t *testing.T) {
	store := &pipelinedStore{syncErr: errors.New("fsync: input/output error")}
	w := NewWriter(store, WriterOptions{})
	if err := w.Write(context.Background(), spans("a", 1)); err == nil {
		t.Fatal("a request whose flush failed was acknowledged")
	}
	if s := w.Stats(); s.Failed != 1 {
		t.Fatalf("stats %+v", s)
	}
	w.Close(context.Background())
}
