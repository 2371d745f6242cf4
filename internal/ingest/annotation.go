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

// Annotations posted without sync=true are validated, answered at once and
// stored by an AnnotationQueue in the background. An annotation whose span,
// trace or session is not stored yet waits and is tried again, for ten
// minutes as Phoenix does, since exporters often send spans seconds after
// the program annotated them.

// ErrAnnotationQueueFull is returned when the queue of annotations waiting
// to be stored is full. Clients retry it (HTTP 503).
var ErrAnnotationQueueFull = &ember.Error{Code: ember.EUNAVAILABLE, Message: "Server is at capacity and cannot process more annotations"}

// AnnotationEnqueuer is what the REST front end needs of the annotation
// queue. *AnnotationQueue implements it.
type AnnotationEnqueuer interface {
	// Enqueue takes annotations to store in the background, or refuses
	// them all with an EUNAVAILABLE error.
	Enqueue(annotations []*ember.Annotation) error
}

var _ AnnotationEnqueuer = (*AnnotationQueue)(nil)

// AnnotationQueueOptions tune an AnnotationQueue.
type AnnotationQueueOptions struct {
	// MaxQueued caps the annotations waiting to be stored, those waiting
	// for their targets included; 0 means 100,000.
	MaxQueued int
	// MaxQueuedBytes caps the memory they hold; 0 means 32 MiB. A request
	// that finds the queue empty is taken whatever its size.
	MaxQueuedBytes int64
	// MaxBatch caps the annotations stored in one transaction; 0 means
	// 5,000.
	MaxBatch int
	// RetryDelay is the wait before an annotation whose target is missing
	// is first tried again; it doubles with each try up to MaxRetryDelay.
	// 0 means 250 ms and 10 s: an annotation that raced its span by a
	// moment lands a moment after it, and later tries come every 10 s, as
	// Phoenix's do.
	RetryDelay, MaxRetryDelay time.Duration
	// RetryFor is how long an annotation waits for its target before it
	// is dropped; 0 means 10 minutes, Phoenix's 60 tries 10 s apart.
	RetryFor time.Duration
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// AnnotationQueueStats are counters since the queue started.
type AnnotationQueueStats struct {
	Queued   int64 // annotations accepted, not yet stored or dropped
	Applied  int64 // stored (or superseded by a newer stored version)
	Retries  int64 // times an annotation was put back to wait for its target
	Expired  int64 // dropped after waiting RetryFor for their target
	Invalid  int64 // dropped because their target cannot take them
	Rejected int64 // requests refused because the queue was full
	Failed   int64 // transactions that failed
}

// AnnotationQueue stores annotations in the background, in batches, and
// retries those whose targets have not arrived. It is bounded: beyond its
// caps Enqueue refuses. Close stops it after storing what it holds.
type AnnotationQueue struct {
	store ember.AnnotationWriter
	opts  AnnotationQueueOptions
	log   *slog.Logger

	mu      sync.Mutex
	fresh   []*pendingAnnotation // not tried yet, in arrival order
	waiting []*pendingAnnotation // waiting for their targets
	count   int
	bytes   int64
	closed  bool

	wake chan struct{} // a buffered signal: fresh annotations arrived
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the loop has drained and exited

	applied, retries, expired, invalid, rejected, failed atomic.Int64
}

type pendingAnnotation struct {
	a        *ember.Annotation
	size     int64
	tries    int
	due      time.Time // when to try again
	deadline time.Time // when to give up
}

// annotationOverhead is the memory of an annotation beyond its strings.
const annotationOverhead = 300

func annotationSize(a *ember.Annotation) int64 {
	n := annotationOverhead + len(a.SpanID) + len(a.TraceID) + len(a.SessionID) + len(a.Name) + len(a.Identifier) + len(a.Metadata)
	for _, s := range []*string{a.Label, a.Explanation} {
		if s != nil {
			n += len(*s)
		}
	}
	return int64(n)
}

// NewAnnotationQueue returns a started queue that stores into store.
// Close stops it.
func NewAnnotationQueue(store ember.AnnotationWriter, opts AnnotationQueueOptions) *AnnotationQueue {
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 100_000
	}
	if opts.MaxQueuedBytes <= 0 {
		opts.MaxQueuedBytes = 32 << 20
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 5000
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = 250 * time.Millisecond
	}
	if opts.MaxRetryDelay <= 0 {
		opts.MaxRetryDelay = 10 * time.Second
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = 10 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &AnnotationQueue{
		store: store,
		opts:  opts,
		log:   opts.Logger,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go q.loop()
	return q
}

// Enqueue takes annotations to store in the background. An annotation
// without an UpdatedAt is stamped with the time it arrived, which decides
// which of two versions of it wins. The queue owns the annotations from
// here on.
func (q *AnnotationQueue) Enqueue(annotations []*ember.Annotation) error {
	if len(annotations) == 0 {
		return nil
	}
	var size int64
	for _, a := range annotations {
		size += annotationSize(a)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if q.count > 0 && (q.count+len(annotations) > q.opts.MaxQueued || q.bytes+size > q.opts.MaxQueuedBytes) {
		q.mu.Unlock()
		q.rejected.Add(1)
		return ErrAnnotationQueueFull
	}
	now := q.opts.Now()
	for _, a := range annotations {
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = now
		}
		q.fresh = append(q.fresh, &pendingAnnotation{a: a, size: annotationSize(a), deadline: now.Add(q.opts.RetryFor)})
	}
	q.count += len(annotations)
	q.bytes += size
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close stops taking annotations, stores those queued, tries those waiting
// for their targets once more, and returns when done or when ctx ends.
// Annotations whose targets are still missing then are dropped (and
// logged): like Phoenix, Ember keeps them in memory only.
func (q *AnnotationQueue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("annotation queue did not drain"), ctx.Err())
	}
}

// Stats returns the queue's counters.
func (q *AnnotationQueue) Stats() AnnotationQueueStats {
	q.mu.Lock()
	queued := int64(q.count)
	q.mu.Unlock()
	return AnnotationQueueStats{
		Queued: queued, Applied: q.applied.Load(), Retries: q.retries.Load(), Expired: q.expired.Load(),
		Invalid: q.invalid.Load(), Rejected: q.rejected.Load(), Failed: q.failed.Load(),
	}
}

// loop stores batches until Close, then drains.
func (q *AnnotationQueue) loop() {
	defer close(q.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		stopping := false
		select {
		case <-q.stop:
			stopping = true
		default:
		}
		batch, next := q.take(stopping)
		if len(batch) > 0 {
			q.apply(batch, stopping)
			continue
		}
		if stopping {
			return
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(q.opts.Now()), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-q.wake:
		case <-timer.C:
		case <-q.stop:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// take removes the next batch: fresh annotations first, then those whose
// retry is due (all of them when draining). It also returns when the next
// waiting annotation falls due.
func (q *AnnotationQueue) take(draining bool) (batch []*pendingAnnotation, next time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.fresh), q.opts.MaxBatch)
	batch = append(batch, q.fresh[:n]...)
	clear(q.fresh[:n])
	q.fresh = q.fresh[n:]
	if len(q.fresh) == 0 {
		q.fresh = nil // let the backing array go
	}
	now := q.opts.Now()
	// Annotations of a target that is due go together, whenever each
	// falls due: its target arrives for all of them at once, and two
	// versions of one annotation applied apart would show the older one
	// for a while.
	due := map[string]bool{}
	for _, p := range q.waiting {
		if draining || !p.due.After(now) {
			due[targetOf(p.a)] = true
		}
	}
	kept := q.waiting[:0]
	for _, p := range q.waiting {
		if len(batch) < q.opts.MaxBatch && due[targetOf(p.a)] {
			batch = append(batch, p)
			continue
		}
		kept = append(kept, p)
		if next.IsZero() || p.due.Before(next) {
			next = p.due
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	return batch, next
}

// apply stores a batch and deals with each annotation's outcome. When
// draining, annotations still missing their targets are dropped.
func (q *AnnotationQueue) apply(batch []*pendingAnnotation, draining bool) {
	anns := make([]*ember.Annotation, len(batch))
	for i, p := range batch {
		anns[i] = p.a
	}
	outcomes, err := q.write(anns)
	if err != nil && len(batch) > 1 {
		// One annotation may spoil the batch: store each alone, so that
		// only it is held back.
		q.log.Warn("store annotation batch; retrying one by one", "annotations", len(batch), "err", err)
		outcomes = make([]ember.AnnotationOutcome, len(batch))
		for i, a := range anns {
			o, err := q.write([]*ember.Annotation{a})
			if err != nil {
				q.log.Error("store annotation", "name", a.Name, "target", a.TargetKey(), "err", err)
				if ember.ErrorCode(err) == ember.EINVALID {
					outcomes[i] = ember.AnnotationTargetInvalid
				} else {
					outcomes[i] = ember.AnnotationTargetMissing // try again later
				}
				continue
			}
			outcomes[i] = o[0]
		}
	} else if err != nil {
		q.log.Error("store annotation", "name", anns[0].Name, "target", anns[0].TargetKey(), "err", err)
		outcomes = []ember.AnnotationOutcome{ember.AnnotationTargetMissing}
		if ember.ErrorCode(err) == ember.EINVALID {
			outcomes[0] = ember.AnnotationTargetInvalid
		}
	}
	now := q.opts.Now()
	var done []*pendingAnnotation
	var expired int
	q.mu.Lock()
	for i, p := range batch {
		switch outcomes[i] {
		case ember.AnnotationApplied:
			q.applied.Add(1)
			done = append(done, p)
		case ember.AnnotationTargetInvalid:
			q.invalid.Add(1)
			done = append(done, p)
		default:
			if draining || !now.Before(p.deadline) {
				q.expired.Add(1)
				expired++
				done = append(done, p)
				continue
			}
			p.tries++
			delay := q.opts.RetryDelay << min(p.tries-1, 30)
			if delay <= 0 || delay > q.opts.MaxRetryDelay {
				delay = q.opts.MaxRetryDelay
			}
			p.due = now.Add(delay)
			if p.due.After(p.deadline) {
				p.due = p.deadline // one last try at the deadline
			}
			q.retries.Add(1)
			q.waiting = append(q.waiting, p)
		}
	}
	for _, p := range done {
		q.count--
		q.bytes -= p.size
	}
	q.mu.Unlock()
	if expired > 0 {
		q.log.Warn("dropped annotations whose targets never arrived", "annotations", expired, "draining", draining)
	}
}

// write applies annotations in one transaction.
func (q *AnnotationQueue) write(anns []*ember.Annotation) ([]ember.AnnotationOutcome, error) {
	// The write outlives any request; it is bounded so that a stuck
	// database does not hold the queue forever.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outcomes, err := q.store.ApplyAnnotations(ctx, anns)
	if err != nil {
		q.failed.Add(1)
		return nil, err
	}
	return outcomes, nil
}

// targetOf names an annotation's target: its type and natural key.
func targetOf(a *ember.Annotation) string {
	target := a.Target
	if target == ember.AnnotationTargetDocument {
		target = ember.AnnotationTargetSpan // a document is its span's
	}
	return string(target) + "\x00" + a.TargetKey()
}
