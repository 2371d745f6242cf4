package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// walSyncer makes committed transactions durable by flushing the
// write-ahead log with fsync. fsync flushes the file, whichever descriptor
// wrote it, so a flush that starts after a commit covers that commit.
type walSyncer struct {
	path string

	mu     sync.Mutex
	wal    *os.File
	closed bool
}

func (w *walSyncer) sync(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("sync after close")
	}
	if w.wal != nil && !w.current() {
		// The log was deleted and made anew: flush the new one.
		w.wal.Close()
		w.wal = nil
	}
	if w.wal == nil {
		f, err := os.OpenFile(w.path+"-wal", os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			// No log yet: nothing was written through it. Flush the
			// database file itself.
			return syncFile(w.path)
		} else if err != nil {
			return fmt.Errorf("open write-ahead log: %w", err)
		}
		// The log's directory entry must be durable too, once.
		if err := syncFile(filepath.Dir(w.path)); err != nil {
			f.Close()
			return err
		}
		w.wal = f
	}
	if err := w.wal.Sync(); err != nil {
		return fmt.Errorf("flush write-ahead log: %w", err)
	}
	return nil
}

// current reports whether the open descriptor is still the log's file.
func (w *walSyncer) current() bool {
	onDisk, err := os.Stat(w.path + "-wal")
	if err != nil {
		return false
	}
	open, err := w.wal.Stat()
	return err == nil && os.SameFile(onDisk, open)
}

func (w *walSyncer) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.wal == nil {
		return nil
	}
	err := w.wal.Close()
	w.wal = nil
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("flush %s: %w", path, err)
	}
	return nil
}
