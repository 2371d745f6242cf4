package upload

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

// gatedUploader records uploads; while gate is open-ended it blocks each
// upload until a value arrives on it.
type gatedUploader struct {
	gate chan struct{}
	mu   sync.Mutex
	got  []string
}

func (g *gatedUploader) UploadDataset(ctx context.Context, up *ember.DatasetUpload) (*ember.UploadResult, error) {
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, up.Name)
	if up.Name == "bad" {
		return nil, ember.Errorf(ember.ECONFLICT, "taken")
	}
	return &ember.UploadResult{DatasetID: 1, VersionID: 1}, nil
}

func (g *gatedUploader) names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.got...)
}

func named(name string, examples int) *ember.DatasetUpload {
	up := &ember.DatasetUpload{Action: ember.UploadCreate, Name: name}
	for range examples {
		up.Examples = append(up.Examples, ember.NewExample{Input: json.RawMessage(`{"q":"a question of some length"}`)})
	}
	return up
}

// TestQueueBoundsAndDrains pins the queue: uploads are applied in order,
// a full queue (by count or by bytes) refuses with 429's error, a failed
// upload does not stop the ones after it, and Close applies what is
// queued before it returns.
func TestQueueBoundsAndDrains(t *testing.T) {
	store := &gatedUploader{gate: make(chan struct{})}
	q := NewQueue(store, QueueOptions{MaxQueued: 3, MaxQueuedBytes: Size(named("x", 10)) * 3})
	for _, name := range []string{"a", "bad", "c"} {
		if err := q.Enqueue(named(name, 1)); err != nil {
			t.Fatalf("enqueue %s: %v", name, err)
		}
	}
	err := q.Enqueue(named("d", 1))
	if !errors.Is(err, ErrQueueFull) || ember.ErrorCode(err) != ember.ETOOMANY {
		t.Fatalf("fourth upload: %v, want the queue to be full", err)
	}
	// Let one through; its slot frees once it is applied.
	store.gate <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for len(store.names()) < 1 || q.Stats().Queued != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("first upload not applied: %v %+v", store.names(), q.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	// Bytes count too: a large upload does not fit behind the others.
	if err := q.Enqueue(named("huge", 100)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("huge upload: %v, want the queue to be full", err)
	}
	if err := q.Enqueue(named("d", 1)); err != nil {
		t.Fatal(err)
	}
	close(store.gate) // every later upload goes straight through
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.names(); len(got) != 4 || got[0] != "a" || got[1] != "bad" || got[2] != "c" || got[3] != "d" {
		t.Errorf("applied %v", got)
	}
	if s := q.Stats(); s != (QueueStats{Applied: 3, Failed: 1, Rejected: 2}) {
		t.Errorf("stats %+v", s)
	}
	if err := q.Enqueue(named("late", 1)); !errors.Is(err, ErrQueueClosed) {
		t.Errorf("enqueue after close: %v", err)
	}
}

// TestQueueCloseGivesUp pins a shutdown that runs out of time: Close
// returns, says how many uploads were lost, and the loop exits.
func TestQueueCloseGivesUp(t *testing.T) {
	store := &gatedUploader{gate: make(chan struct{})}
	q := NewQueue(store, QueueOptions{})
	for _, name := range []string{"a", "b"} {
		if err := q.Enqueue(named(name, 1)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := q.Close(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || err.Error() != "dataset upload queue: 2 uploads not stored before shutdown: context deadline exceeded" {
		t.Fatalf("close: %v", err)
	}
	if len(store.names()) != 0 {
		t.Errorf("applied %v", store.names())
	}
}
