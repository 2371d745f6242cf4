package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
	_ "modernc.org/sqlite"             // "sqlite" driver
)

// spanCounter counts rows of the server's spans table.
type spanCounter struct{ db *sql.DB }

// openSpanCounter opens sqlite:///path/to/ember.db (read-only) or a
// postgres:// / postgresql:// URL.
func openSpanCounter(dsn string) (*spanCounter, error) {
	var db *sql.DB
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("-db %q: no file path", dsn)
		}
		db, err = sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = sql.Open("pgx", dsn)
	default:
		return nil, fmt.Errorf("-db %q: want sqlite:///path or postgres://…", dsn)
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &spanCounter{db: db}, nil
}

func (c *spanCounter) count(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var n int64
	if err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM spans").Scan(&n); err != nil {
		return 0, fmt.Errorf("count spans: %w", err)
	}
	return n, nil
}

func (c *spanCounter) close() error { return c.db.Close() }

// waitStored polls the count every 100ms, up to limit, until at least want
// spans were added since before. It returns the last count and when it was
// taken.
func (c *spanCounter) waitStored(ctx context.Context, before, want int64, limit time.Duration) (int64, time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		n, err := c.count(ctx)
		at := time.Now()
		if err != nil || n-before >= want || at.After(deadline) {
			return n, at, err
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return n, at, ctx.Err()
		}
	}
}

// rssSampler samples the server's VmRSS while the run lasts.
type rssSampler struct {
	pid     int
	maxKB   atomic.Int64
	stopped chan struct{}
	done    sync.WaitGroup
}

func startRSSSampler(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stopped: make(chan struct{})}
	s.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if kb, err := procStatusKB(pid, "VmRSS"); err == nil && kb > s.maxKB.Load() {
				s.maxKB.Store(kb)
			}
			select {
			case <-t.C:
			case <-s.stopped:
				return
			}
		}
	})
	return s
}

// stop ends sampling and returns the largest sampled VmRSS and the
// process's VmHWM (its peak RSS since it started), in KiB.
func (s *rssSampler) stop() (maxRSS, hwm int64, err error) {
	close(s.stopped)
	s.done.Wait()
	hwm, err = procStatusKB(s.pid, "VmHWM")
	return s.maxKB.Load(), hwm, err
}

func procStatusKB(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), key+":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
		return strconv.ParseInt(v, 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, key)
}
