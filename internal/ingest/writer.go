// Package ingest turns OTLP trace data into Ember spans and writes them to
// the store with group commit: requests that arrive while a transaction is
// committing share the next one, and each request is answered only once its
// spans are durable.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberhq/ember"
)

// ErrFull is returned when the queue of spans waiting to be stored is full.
// Exporters retry it (HTTP 503, gRPC RESOURCE_EXHAUSTED).
var ErrFull = &ember.Error{Code: ember.EUNAVAILABLE, Message: "Server is at capacity and cannot process more requests"}

// ErrClosed is returned once the writer is shutting down.
var ErrClosed = &ember.Error{Code: ember.EUNAVAILABLE, Message: "Server is shutting down"}

// Ingester is what the protocol front ends (OTLP over HTTP and gRPC) need
// of the span writer. *Writer implements it.
type Ingester interface {
	// Admit returns an EUNAVAILABLE error when no request can be taken now.
	Admit() error
	// Write returns once spans are durably stored.
	Write(ctx context.Context, spans []*ember.Span) error
}

var _ Ingester = (*Writer)(nil)

// WriterOptions tune a Writer.
type WriterOptions struct {
	// MaxQueuedSpans caps the spans accepted but not yet stored; 0 means
	// 20,000.
	MaxQueuedSpans int64
	// MaxQueuedBytes caps the memory those spans take (their attributes,
	// events and names); 0 means 16 MiB. Whichever cap is reached first
	// refuses new requests, so memory stays flat under any load.
	MaxQueuedBytes int64
	// MaxBatchSpans caps the spans written in one transaction; 0 means
	// 4,096. A single larger request is written whole.
	MaxBatchSpans int
	// Concurrency is the number of transactions in flight at once: 1 for
	// SQLite, which has a single writer; more for PostgreSQL. 0 means 1.
	Concurrency int
	Logger      *slog.Logger
}

// Stats are counters since the writer started.
type Stats struct {
	Queued      int64 // spans accepted, not yet stored
	QueuedBytes int64 // their estimated size
	Stored      int64 // spans newly stored
	Duplicates  int64 // spans ignored as already stored
	Batches     int64 // transactions committed
	Rejected    int64 // requests refused because the queue was full
	Failed      int64 // requests whose write failed
}

// Writer queues spans and stores them in batches.
type Writer struct {
	store     ember.SpanWriter
	pipelined PipelinedSpanWriter // nil unless store is one
	// synced carries committed requests to syncLoop, which answers them
	// once durable.
	synced chan []outcome
	opts   WriterOptions
	log    *slog.Logger

	requests chan *request
	mu       sync.RWMutex // held for reading while sending on requests
	closed   bool
	done     sync.WaitGroup

	queued, queuedBytes, stored, duplicates, batches, rejected, failed atomic.Int64
}

type request struct {
	spans []*ember.Span
	bytes int64
	done  chan error
}

// spanOverhead is the memory of a span beyond its variable-length fields.
const spanOverhead = 400

// spansSize estimates the memory that spans hold.
func spansSize(spans []*ember.Span) int64 {
	var n int64
	for _, s := range spans {
		n += spanOverhead + int64(len(s.Attributes)+len(s.Events)+len(s.Name)+len(s.StatusMessage)+len(s.SessionID)+len(s.UserID)+len(s.ProjectName))
	}
	return n
}

// NewWriter returns a started Writer that stores into store. Close stops it.
func NewWriter(store ember.SpanWriter, opts WriterOptions) *Writer {
	if opts.MaxQueuedSpans <= 0 {
		opts.MaxQueuedSpans = 20000
	}
	if opts.MaxQueuedBytes <= 0 {
		opts.MaxQueuedBytes = 16 << 20
	}
	if opts.MaxBatchSpans <= 0 {
		opts.MaxBatchSpans = 4096
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{
		store:    store,
		opts:     opts,
		log:      opts.Logger,
		requests: make(chan *request, 1024),
	}
	if p, ok := store.(PipelinedSpanWriter); ok {
		w.pipelined = p
		w.synced = make(chan []outcome, 16)
	}
	var loops sync.WaitGroup
	for range opts.Concurrency {
		loops.Go(w.loop)
	}
	if w.pipelined != nil {
		w.done.Go(w.syncLoop)
		go func() {
			loops.Wait()
			close(w.synced)
		}()
	} else {
		w.done.Go(loops.Wait)
	}
	return w
}

// PipelinedSpanWriter is a store whose commits can be made durable
// separately from the transaction: the writer then starts the next
// transaction while the disk flushes the last, and answers the requests of
// a transaction only after a Sync that began after its commit.
type PipelinedSpanWriter interface {
	InsertSpansNoSync(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error)
	Sync(ctx context.Context) error
}

// outcome is a request whose transaction ended, with its error.
type outcome struct {
	r   *request
	err error
}

// Admit reports whether there is room for another request. It is checked
// before a request body is read and decoded, so a full server costs little;
// one admitted request may overshoot the cap.
func (w *Writer) Admit() error {
	if w.queued.Load() >= w.opts.MaxQueuedSpans || w.queuedBytes.Load() >= w.opts.MaxQueuedBytes {
		w.rejected.Add(1)
		return ErrFull
	}
	return nil
}

// Write queues spans and waits until they are durably stored. If ctx ends
// first, Write returns ctx's error; the spans may still be stored.
func (w *Writer) Write(ctx context.Context, spans []*ember.Span) error {
	if len(spans) == 0 {
		return nil
	}
	r := &request{spans: spans, bytes: spansSize(spans), done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	w.queued.Add(int64(len(spans)))
	w.queuedBytes.Add(r.bytes)
	select {
	case w.requests <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		w.queued.Add(-int64(len(spans)))
		w.queuedBytes.Add(-r.bytes)
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting spans, stores everything already queued and
// returns when done or when ctx ends.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.requests)
	}
	w.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		w.done.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("span writer did not drain"), ctx.Err())
	}
}

// Stats returns the writer's counters.
func (w *Writer) Stats() Stats {
	return Stats{
		Queued: w.queued.Load(), QueuedBytes: w.queuedBytes.Load(), Stored: w.stored.Load(), Duplicates: w.duplicates.Load(),
		Batches: w.batches.Load(), Rejected: w.rejected.Load(), Failed: w.failed.Load(),
	}
}

// loop takes whatever requests are waiting, up to MaxBatchSpans, and writes
// them in one transaction.
func (w *Writer) loop() {
	var spans []*ember.Span
	for first := range w.requests {
		batch := []*request{first}
		n := len(first.spans)
	gather:
		for n < w.opts.MaxBatchSpans {
			select {
			case r, ok := <-w.requests:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				n += len(r.spans)
			default:
				break gather
			}
		}
		spans = spans[:0]
		for _, r := range batch {
			spans = append(spans, r.spans...)
		}
		outcomes := w.write(batch, spans)
		clear(spans) // let the spans be collected while the loop waits
		if w.pipelined != nil {
			w.synced <- outcomes
		} else {
			for _, o := range outcomes {
				w.finish(o.r, o.err)
			}
		}
	}
}

// syncLoop makes committed batches durable and answers their requests. One
// flush covers every batch committed before it began.
func (w *Writer) syncLoop() {
	for first := range w.synced {
		pending := [][]outcome{first}
	more:
		for {
			select {
			case o, ok := <-w.synced:
				if !ok {
					break more
				}
				pending = append(pending, o)
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := w.pipelined.Sync(ctx)
		cancel()
		if err != nil {
			w.log.Error("flush spans to disk", "err", err)
		}
		for _, outcomes := range pending {
			for _, o := range outcomes {
				if o.err == nil && err != nil {
					w.failed.Add(1)
					o.err = err
				}
				w.finish(o.r, o.err)
			}
		}
	}
}

// insert writes spans, without waiting for durability when the store lets
// the writer flush separately.
func (w *Writer) insert(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error) {
	if w.pipelined != nil {
		return w.pipelined.InsertSpansNoSync(ctx, spans)
	}
	return w.store.InsertSpans(ctx, spans)
}

// write stores a batch and reports each request's outcome.
func (w *Writer) write(batch []*request, spans []*ember.Span) []outcome {
	// The write outlives any one request: a client that hangs up does not
	// cancel other clients' spans.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outcomes := make([]outcome, len(batch))
	for i, r := range batch {
		outcomes[i].r = r
	}
	start := time.Now()
	res, err := w.insert(ctx, spans)
	if err == nil {
		w.batches.Add(1)
		w.stored.Add(int64(res.Inserted))
		w.duplicates.Add(int64(res.Duplicates))
		w.log.Debug("stored spans", "requests", len(batch), "spans", len(spans), "inserted", res.Inserted, "duration", time.Since(start))
		return outcomes
	}
	if len(batch) == 1 {
		w.log.Error("store spans", "spans", len(spans), "err", err)
		w.failed.Add(1)
		outcomes[0].err = err
		return outcomes
	}
	// One request may have spoiled the batch: write each alone, so only
	// that one fails.
	w.log.Warn("store span batch; retrying request by request", "requests", len(batch), "err", err)
	for i, r := range batch {
		res, err := w.insert(ctx, r.spans)
		if err != nil {
			w.log.Error("store spans", "spans", len(r.spans), "err", err)
			w.failed.Add(1)
		} else {
			w.batches.Add(1)
			w.stored.Add(int64(res.Inserted))
			w.duplicates.Add(int64(res.Duplicates))
		}
		outcomes[i].err = err
	}
	return outcomes
}

func (w *Writer) finish(r *request, err error) {
	w.queued.Add(-int64(len(r.spans)))
	w.queuedBytes.Add(-r.bytes)
	r.done <- err
}
