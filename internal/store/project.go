package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the project service.
var _ ember.ProjectService = (*DB)(nil)

const projectColumns = `id, name, description, gradient_start_color, gradient_end_color, created_at, updated_at`

func scanProject(row rowScanner) (*ember.Project, error) {
	var p ember.Project
	var created, updated int64
	var description sql.NullString
	if err := row.Scan(&p.ID, &p.Name, &description, &p.GradientStartColor, &p.GradientEndColor, &created, &updated); err != nil {
		return nil, err
	}
	if description.Valid {
		p.Description = &description.String
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &p, nil
}

// FindProjectByName returns ENOTFOUND if no project has that name.
func (db *DB) FindProjectByName(ctx context.Context, name string) (*ember.Project, error) {
	// Names are stored cleaned (no NUL, valid UTF-8), so a name that is not
	// clean can only match its cleaned form; PostgreSQL refuses a NUL.
	p, err := scanProject(db.read.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE name = $1`, ember.CleanText(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Project with name %s not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find project: %w", err)
	}
	return p, nil
}

// FindProjectByID returns ENOTFOUND if no project has that row id.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*ember.Project, error) {
	p, err := scanProject(db.read.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Project with ID %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find project: %w", err)
	}
	return p, nil
}

// FindProjects returns the projects that match filter, newest first.
func (db *DB) FindProjects(ctx context.Context, filter ember.ProjectFilter) ([]*ember.Project, error) {
	q := `SELECT ` + projectColumns + ` FROM projects WHERE 1 = 1`
	var args []any
	if filter.NameContains != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(filter.NameContains))+"%")
		q += fmt.Sprintf(` AND lower(name) LIKE $%d ESCAPE '\'`, len(args))
	}
	if filter.ExcludeExperimentProjects {
		q += ` AND NOT EXISTS (SELECT 1 FROM experiments x WHERE x.project_name = projects.name)`
	}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += fmt.Sprintf(` AND id <= $%d`, len(args))
	}
	q += ` ORDER BY id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find projects", q, args, scanProject)
}

// escapeLike escapes LIKE's wildcards so s matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateProject stores p. See ember.ProjectService.
func (db *DB) CreateProject(ctx context.Context, p *ember.Project) error {
	if p.Name == "" {
		return ember.Errorf(ember.EINVALID, "Project name must not be empty")
	}
	p.Name = ember.CleanText(p.Name)
	if p.Description != nil {
		d := ember.CleanText(*p.Description)
		p.Description = &d
	}
	now := db.Now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO projects (name, description, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING RETURNING id`,
			p.Name, p.Description, nanos(now)).Scan(&p.ID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return ember.Errorf(ember.ECONFLICT, "Project with name %s already exists", p.Name)
	} else if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	created, err := db.FindProjectByID(ctx, p.ID)
	if err != nil {
		return err
	}
	*p = *created
	return nil
}

// UpdateProject applies upd. See ember.ProjectService.
func (db *DB) UpdateProject(ctx context.Context, id int64, upd ember.ProjectUpdate) (*ember.Project, error) {
	if upd.Description != nil {
		res, err := db.write.ExecContext(ctx, `UPDATE projects SET description = $1, updated_at = $2 WHERE id = $3`, *upd.Description, nanos(db.Now()), id)
		if err != nil {
			return nil, fmt.Errorf("update project: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return nil, ember.Errorf(ember.ENOTFOUND, "Project with ID %d not found", id)
		}
	}
	return db.FindProjectByID(ctx, id)
}

// DeleteProject deletes a project and everything in it. See
// ember.ProjectService.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	p, err := db.FindProjectByID(ctx, id)
	if err != nil {
		return err
	}
	if p.Name == ember.DefaultProjectName {
		return ember.Errorf(ember.EFORBIDDEN, "The default project cannot be deleted")
	}
	// Spans carry the project id without a foreign key (ingestion writes
	// them by the thousand); deleting them first keeps the cascade from
	// projects through traces from visiting each span's trace.
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM spans WHERE project_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = $1`, id)
		return err
	})
	db.forgetProjects()
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	return nil
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
