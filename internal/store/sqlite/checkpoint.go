package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Checkpointing copies committed pages from the write-ahead log into the
// database file. It runs here, on its own connection and goroutine, instead
// of inside whichever commit crosses SQLite's threshold, so that ingestion
// does not stall on it and the copying overlaps the next batches' work.
const (
	checkpointInterval = 250 * time.Millisecond
	// walTruncateFrames is how long the log may grow (in pages). A passive
	// checkpoint lets the log restart from its beginning only when it has
	// copied every frame before the writer's next transaction, which a
	// steady stream of commits rarely allows; past this length a truncating
	// checkpoint runs on the writer's own connection, between two
	// transactions, and empties the log.
	walTruncateFrames = 64 << 10
)

type checkpointer struct {
	db     *sql.DB
	writer *sql.DB // the single write connection
	log    *slog.Logger
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startCheckpointer(dsn string, writer *sql.DB, logger *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, writer: writer, log: logger, cancel: cancel}
	c.done.Go(func() { c.run(ctx) })
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mode := "PASSIVE"
		var busy, frames, copied int
		if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
			if ctx.Err() == nil {
				c.log.Warn("sqlite checkpoint", "err", err)
			}
			continue
		}
		if frames > walTruncateFrames {
			mode = "TRUNCATE"
			start := time.Now()
			if err := c.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil && ctx.Err() == nil {
				c.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
			} else {
				c.log.Debug("sqlite checkpoint", "mode", mode, "busy", busy, "duration", time.Since(start))
			}
		}
	}
}

// close stops the checkpointer after a last full checkpoint, which leaves
// an empty log behind.
func (c *checkpointer) close() error {
	c.cancel()
	c.done.Wait()
	var busy, frames, copied int
	err := c.db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied)
	return errors.Join(err, c.db.Close())
}
