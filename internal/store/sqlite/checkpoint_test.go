package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

// modes records the modes of the checkpoints logged on the writer.
type modes struct {
	mu   sync.Mutex
	seen []string
}

func (m *modes) Enabled(context.Context, slog.Level) bool { return true }
func (m *modes) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m *modes) WithGroup(string) slog.Handler            { return m }
func (m *modes) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "sqlite checkpoint" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "mode" {
			m.mu.Lock()
			m.seen = append(m.seen, a.Value.String())
			m.mu.Unlock()
		}
		return true
	})
	return nil
}

func (m *modes) has(mode string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Contains(strings.Join(m.seen, " "), mode)
}

// TestCheckpointRestartsThenTruncatesWhenIdle: a log longer than
// walRestartFrames restarts from its beginning, keeping its file; once the
// writes stop, the file is truncated. The writer's busy_timeout is the same
// afterwards.
func TestCheckpointRestartsThenTruncatesWhenIdle(t *testing.T) {
	defer func(interval time.Duration, frames int) {
		checkpointInterval, walRestartFrames = interval, frames
	}(checkpointInterval, walRestartFrames)
	checkpointInterval, walRestartFrames = 20*time.Millisecond, 50

	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ember.db")
	seen := &modes{}
	db, err := Open(ctx, path, Options{Logger: slog.New(seen)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	walSize := func() int64 {
		info, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return info.Size()
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s; log %d bytes, checkpoints %v", what, walSize(), seen.seen)
			}
		}
	}
	now := time.Now()
	value := strings.Repeat("x", 2000)
	insert := func(first, n int) {
		t.Helper()
		batch := make([]*ember.Span, n)
		for j := range batch {
			id := first + j + 1
			batch[j] = &ember.Span{ProjectName: "p", TraceID: fmt.Sprintf("%032x", id), SpanID: fmt.Sprintf("%016x", id),
				Name: "s", Kind: ember.SpanKindChain, StartTime: now, EndTime: now, StatusCode: ember.StatusOK,
				Attributes: []byte(`{"input":{"value":"` + value + `"}}`)}
		}
		if _, err := db.InsertSpans(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// One commit of far more than 50 pages.
	insert(0, 200)
	waitFor("a restart", func() bool { return seen.has("RESTART") })
	insert(200, 10) // the log starts over and grows again
	waitFor("the idle log to be truncated", func() bool { return seen.has("TRUNCATE") && walSize() == 0 })
	var timeout int
	if err := db.WriteDB().QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil || timeout != 10000 {
		t.Fatalf("writer busy_timeout = %d, %v", timeout, err)
	}
	if n, err := db.CountSpans(ctx); err != nil || n != 210 {
		t.Fatalf("CountSpans = %d, %v", n, err)
	}
}
