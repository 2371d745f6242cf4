package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrate brings the schema up to date with the embedded migrations of an
// engine. Both engines carry the same migration versions. When locker is
// non-nil it is held for the duration, so several servers sharing one
// PostgreSQL database can start at once.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, migrations fs.FS, locker lock.SessionLocker, logger *slog.Logger) error {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithTableName("ember_schema_migrations")}
	if locker != nil {
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, migrations, opts...)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if logger != nil {
		// Some migrations rebuild a table, which takes a while on a large
		// database; when upgrading one, say so before going quiet.
		if pending, err := p.HasPending(ctx); err == nil && pending {
			if version, err := p.GetDBVersion(ctx); err == nil && version > 0 {
				logger.Info("upgrading the database schema; on a large database this can take minutes", "from_version", version)
			}
		}
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}
