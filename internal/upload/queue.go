package upload

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/emberhq/ember"
)

// Uploads posted without sync=true are parsed and checked in the request,
// answered at once and applied by a Queue in the background, one at a time:
// every upload is one write transaction, and SQLite has a single writer
// anyway. The queue is bounded so that a burst of large uploads cannot hold
// unbounded memory; past its caps the client is told to retry.

// ErrQueueFull is returned when too many uploads wait to be applied.
// Clients retry it (HTTP 429, as Phoenix answers).
var ErrQueueFull = &ember.Error{Code: ember.ETOOMANY, Message: "Too many requests: the server is still storing earlier dataset uploads; retry later or upload with sync=true"}

// ErrQueueClosed is returned by Enqueue once Close has begun.
var ErrQueueClosed = &ember.Error{Code: ember.EUNAVAILABLE, Message: "The server is shutting down"}

// Uploader applies an upload; ember.DatasetService implements it.
type Uploader interface {
	UploadDataset(ctx context.Context, upload *ember.DatasetUpload) (*ember.UploadResult, error)
}

// Enqueuer is what the REST front end needs of the queue. *Queue
// implements it.
type Enqueuer interface {
	// Enqueue takes an upload to apply in the background, or refuses it
	// with ErrQueueFull or ErrQueueClosed. The queue owns the upload from
	// here on.
	Enqueue(upload *ember.DatasetUpload) error
}

var _ Enqueuer = (*Queue)(nil)

// QueueOptions tune a Queue.
type QueueOptions struct {
	// MaxQueued caps the uploads waiting to be applied, the one being
	// applied included; 0 means 64.
	MaxQueued int
	// MaxQueuedBytes caps the memory their examples hold; 0 means 256 MiB.
	// An upload that finds the queue empty is taken whatever its size:
	// the request's own cap bounds it.
	MaxQueuedBytes int64
	Logger         *slog.Logger
}

// QueueStats are counters since the queue started.
type QueueStats struct {
	Queued   int64 // uploads accepted and not yet applied or failed
	Applied  int64
	Failed   int64 // uploads the store refused or could not apply
	Rejected int64 // uploads refused because the queue was full
}

// Queue applies dataset uploads in the background, in arrival order.
// Close stops it after applying what it holds.
type Queue struct {
	store Uploader
	opts  QueueOptions
	log   *slog.Logger

	mu     sync.Mutex
	items  []queued
	bytes  int64
	closed bool

	wake   chan struct{} // a buffered signal: an upload arrived
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the loop has drained and exited
	ctx    context.Context
	cancel context.CancelFunc // aborts the upload being applied

	applied, failed, rejected atomic.Int64
}

type queued struct {
	up   *ember.DatasetUpload
	size int64
}

// uploadOverhead is the memory of an example beyond its JSON.
const uploadOverhead = 200

// Size estimates the memory an upload holds.
func Size(up *ember.DatasetUpload) int64 {
	n := int64(uploadOverhead + len(up.Name) + len(up.Metadata))
	for i := range up.Examples {
		ex := &up.Examples[i]
		n += int64(uploadOverhead + len(ex.Input) + len(ex.Output) + len(ex.Metadata) + len(ex.SpanID) + len(ex.ExampleID))
		for _, s := range ex.Splits {
			n += int64(len(s) + 16)
		}
	}
	return n
}

// NewQueue returns a started queue that applies uploads to store. Close
// stops it.
func NewQueue(store Uploader, opts QueueOptions) *Queue {
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 64
	}
	if opts.MaxQueuedBytes <= 0 {
		opts.MaxQueuedBytes = 256 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{
		store:  store,
		opts:   opts,
		log:    opts.Logger,
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		ctx:    ctx,
		cancel: cancel,
	}
	go q.loop()
	return q
}

// Enqueue takes an upload to apply in the background.
func (q *Queue) Enqueue(up *ember.DatasetUpload) error {
	size := Size(up)
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrQueueClosed
	}
	if len(q.items) > 0 && (len(q.items)+1 > q.opts.MaxQueued || q.bytes+size > q.opts.MaxQueuedBytes) {
		q.mu.Unlock()
		q.rejected.Add(1)
		return ErrQueueFull
	}
	q.items = append(q.items, queued{up, size})
	q.bytes += size
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// loop applies uploads until Close, then applies what is left and exits.
func (q *Queue) loop() {
	defer close(q.done)
	for {
		if q.ctx.Err() != nil {
			// Close gave up waiting: what is left is dropped, and Close
			// has counted it.
			q.mu.Lock()
			q.items, q.bytes = nil, 0
			q.mu.Unlock()
			return
		}
		q.mu.Lock()
		var next *ember.DatasetUpload
		if len(q.items) > 0 {
			next = q.items[0].up
		}
		q.mu.Unlock()
		if next == nil {
			select {
			case <-q.wake:
				continue
			case <-q.stop:
				// Close was called after the last check: anything that
				// arrived before it is still applied.
				q.mu.Lock()
				empty := len(q.items) == 0
				q.mu.Unlock()
				if empty {
					return
				}
				continue
			}
		}
		q.apply(next)
		// The upload stays counted while it is applied, so that the
		// caps bound what is in memory, not only what waits.
		q.mu.Lock()
		q.bytes -= q.items[0].size
		q.items[0] = queued{}
		q.items = q.items[1:]
		q.mu.Unlock()
	}
}

func (q *Queue) apply(up *ember.DatasetUpload) {
	res, err := q.store.UploadDataset(q.ctx, up)
	if err != nil {
		q.failed.Add(1)
		// Nobody waits for the reply: the log is the only place a
		// failed background upload shows.
		level := slog.LevelWarn
		if ember.ErrorCode(err) == ember.EINTERNAL {
			level = slog.LevelError
		}
		q.log.Log(q.ctx, level, "background dataset upload failed", "dataset", up.Name, "action", string(up.Action), "examples", len(up.Examples), "err", err)
		return
	}
	q.applied.Add(1)
	q.log.Debug("background dataset upload applied", "dataset", up.Name, "dataset_id", res.DatasetID, "version_id", res.VersionID,
		"created", res.Created, "updated", res.Updated, "deleted", res.Deleted)
}

// Close stops taking uploads, applies those queued and returns when done.
// If ctx ends first, the upload being applied is abandoned (its
// transaction rolls back), the rest are dropped and an error says how
// many were lost.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		q.cancel()
		return nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	lost := len(q.items)
	q.mu.Unlock()
	q.cancel()
	<-q.done
	if lost == 0 {
		return nil
	}
	return fmt.Errorf("dataset upload queue: %d uploads not stored before shutdown: %w", lost, ctx.Err())
}

// Stats returns the queue's counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	queued := int64(len(q.items))
	q.mu.Unlock()
	return QueueStats{Queued: queued, Applied: q.applied.Load(), Failed: q.failed.Load(), Rejected: q.rejected.Load()}
}
