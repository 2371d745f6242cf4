package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/emberhq/ember"
)

// Ensure DB implements the project service.
var _ ember.ProjectService = (*DB)(nil)

const projectColumns = `id, name, COALESCE(description, ''), gradient_start_color, gradient_end_color, created_at, updated_at`

func scanProject(row interface{ Scan(...any) error }) (*ember.Project, error) {
	var p ember.Project
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &p.GradientStartColor, &p.GradientEndColor, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &p, nil
}

// FindProjectByName returns ENOTFOUND if no project has that name.
func (db *DB) FindProjectByName(ctx context.Context, name string) (*ember.Project, error) {
	p, err := scanProject(db.read.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Project with name %s not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find project: %w", err)
	}
	return p, nil
}

// FindProjects returns every project, newest first.
func (db *DB) FindProjects(ctx context.Context) ([]*ember.Project, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	defer rows.Close()
	var projects []*ember.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("scan project: %w", err)
		}
		projects = append(projects, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	return projects, nil
}

// resolveProjects returns the row id of every named project, creating the
// missing ones in tx. Names it had to look up are returned in learned, to be
// cached once tx commits.
func (db *DB) resolveProjects(ctx context.Context, tx *sql.Tx, names []string) (ids map[string]int64, learned map[string]int64, err error) {
	ids = make(map[string]int64, len(names))
	var missing []string
	db.projectMu.Lock()
	for _, name := range names {
		if id, ok := db.projectIDs[name]; ok {
			ids[name] = id
		} else {
			missing = append(missing, name)
		}
	}
	db.projectMu.Unlock()
	if len(missing) == 0 {
		return ids, nil, nil
	}
	// Sorted, so concurrent writers on PostgreSQL lock rows in one order.
	slices.Sort(missing)
	learned = make(map[string]int64, len(missing))
	now := nanos(db.Now())
	for _, name := range missing {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO projects (name, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO NOTHING`,
			name, now); err != nil {
			return nil, nil, fmt.Errorf("create project %q: %w", name, err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE name = $1`, name).Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("find project %q: %w", name, err)
		}
		ids[name], learned[name] = id, id
	}
	return ids, learned, nil
}

func (db *DB) cacheProjects(learned map[string]int64) {
	if len(learned) == 0 {
		return
	}
	db.projectMu.Lock()
	defer db.projectMu.Unlock()
	for name, id := range learned {
		db.projectIDs[name] = id
	}
}

// forgetProjects empties the project cache: after a failed write (the
// cache may name a project another replica deleted) and after deletions.
func (db *DB) forgetProjects() {
	db.projectMu.Lock()
	defer db.projectMu.Unlock()
	clear(db.projectIDs)
}
