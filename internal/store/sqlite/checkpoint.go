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
// Variables, so that tests can shrink them.
var (
	checkpointInterval = 250 * time.Millisecond
	// walRestartFrames is how long the log may grow (in pages). A passive
	// checkpoint lets the log restart from its beginning only when it has
	// copied every frame before the writer's next transaction, which a
	// steady stream of commits rarely allows; past this length a restarting
	// checkpoint runs on the writer's own connection, between two
	// transactions, and the log starts over from its beginning. It keeps
	// its file, whose space the next commits overwrite: truncating it too
	// made every such checkpoint take about three times as long (the file's
	// blocks given back and allocated again), stalling ingestion for
	// 110-150 ms every two seconds under load instead of 30-55 ms. When the
	// writes pause and every frame is copied, the file is truncated.
	walRestartFrames = 64 << 10
	// writerCheckpointWait caps how long a checkpoint on the writer's
	// connection waits for readers.
	writerCheckpointWait = 200 * time.Millisecond
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
	lastFrames := -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var busy, frames, copied int
		if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
			if ctx.Err() == nil {
				c.log.Warn("sqlite checkpoint", "err", err)
			}
			continue
		}
		switch {
		case busy == 0 && frames > 0 && frames == copied && frames == lastFrames:
			// Everything is copied and nothing came in since the last
			// tick: give the log file's space back. (A restart would not
			// do here: the log only starts over at the next write.)
			c.onWriter(ctx, "TRUNCATE")
		case frames > walRestartFrames:
			c.onWriter(ctx, "RESTART")
		}
		lastFrames = frames
	}
}

// onWriter runs a checkpoint of the given mode on the writer's connection,
// between two of its transactions. Both modes wait for readers still on
// old pages; the wait is capped at writerCheckpointWait, so a long query
// cannot stall ingestion: the checkpoint then reports busy and runs again
// on a later tick.
func (c *checkpointer) onWriter(ctx context.Context, mode string) {
	conn, err := c.writer.Conn(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
		}
		return
	}
	defer conn.Close()
	var timeout int
	if err := conn.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		c.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
		return
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, writerCheckpointWait.Milliseconds())); err != nil {
		c.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
		return
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, timeout)); err != nil {
			c.log.Error("sqlite checkpoint: restore busy_timeout", "err", err)
		}
	}()
	var busy, frames, copied int
	start := time.Now()
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &frames, &copied); err != nil {
		if ctx.Err() == nil {
			c.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
		}
		return
	}
	c.log.Debug("sqlite checkpoint", "mode", mode, "busy", busy, "duration", time.Since(start))
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
