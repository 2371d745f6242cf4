package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the prompt service.
var _ ember.PromptService = (*DB)(nil)

const promptColumns = `id, name, description, source_prompt_id, metadata, created_at, updated_at`

func scanPrompt(row rowScanner) (*ember.Prompt, error) {
	var p ember.Prompt
	var description, metadata sql.NullString
	var source sql.NullInt64
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &description, &source, &metadata, &created, &updated); err != nil {
		return nil, err
	}
	if description.Valid {
		p.Description = &description.String
	}
	p.SourcePromptID = source.Int64
	p.Metadata = json.RawMessage(jsonText([]byte(metadata.String), "{}"))
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &p, nil
}

func (db *DB) findPrompt(ctx context.Context, q *sql.DB, column string, value any) (*ember.Prompt, error) {
	return scanPrompt(q.QueryRowContext(ctx, `SELECT `+promptColumns+` FROM prompts WHERE `+column+` = $1`, value))
}

// FindPromptByID returns ENOTFOUND if no prompt has that row id.
func (db *DB) FindPromptByID(ctx context.Context, id int64) (*ember.Prompt, error) {
	p, err := db.findPrompt(ctx, db.read, "id", id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Prompt with ID %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find prompt: %w", err)
	}
	return p, nil
}

// FindPromptByName returns ENOTFOUND if no prompt has that name.
func (db *DB) FindPromptByName(ctx context.Context, name string) (*ember.Prompt, error) {
	p, err := db.findPrompt(ctx, db.read, "name", name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Prompt with name %s not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find prompt: %w", err)
	}
	return p, nil
}

// FindPrompts returns prompts, newest first.
func (db *DB) FindPrompts(ctx context.Context, filter ember.PromptFilter) ([]*ember.Prompt, error) {
	q := `SELECT ` + promptColumns + ` FROM prompts`
	var args []any
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += ` WHERE id <= $1`
	}
	q += ` ORDER BY id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find prompts", q, args, scanPrompt)
}

// CreatePromptVersion stores a version, creating its prompt when needed.
// See ember.PromptService.
func (db *DB) CreatePromptVersion(ctx context.Context, p *ember.Prompt, v *ember.PromptVersion) error {
	if p.Name == "" {
		return ember.Errorf(ember.EINVALID, "Prompt name must not be empty")
	}
	now := nanos(db.Now())
	metadata := jsonText(p.Metadata, "{}")
	var stored *ember.Prompt
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// A concurrent create of the same name waits on the unique index
		// and then finds the row the other transaction committed.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO prompts (name, description, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING`,
			p.Name, p.Description, metadata, now); err != nil {
			return err
		}
		var err error
		if stored, err = scanPrompt(tx.QueryRowContext(ctx, `SELECT `+promptColumns+` FROM prompts WHERE name = $1`, p.Name)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO prompt_versions (prompt_id, description, template_type, template_format, template, invocation_parameters, tools, response_format, model_provider, model_name, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			stored.ID, v.Description, v.TemplateType, v.TemplateFormat, string(v.Template), string(v.InvocationParameters),
			nullJSON(v.Tools), nullJSON(v.ResponseFormat), v.ModelProvider, v.ModelName, now).Scan(&v.ID)
	})
	if err != nil {
		return fmt.Errorf("create prompt version: %w", err)
	}
	*p = *stored
	v.PromptID, v.CreatedAt = stored.ID, fromNanos(now)
	return nil
}

// nullJSON stores unset JSON as NULL.
func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// UpdatePrompt applies upd. See ember.PromptService.
func (db *DB) UpdatePrompt(ctx context.Context, id int64, upd ember.PromptUpdate) (*ember.Prompt, error) {
	sets := []string{}
	var args []any
	if upd.SetDescription {
		args = append(args, upd.Description)
		sets = append(sets, fmt.Sprintf("description = $%d", len(args)))
	}
	if upd.Metadata != nil {
		args = append(args, string(upd.Metadata))
		sets = append(sets, fmt.Sprintf("metadata = $%d", len(args)))
	}
	if len(sets) > 0 {
		args = append(args, nanos(db.Now()))
		sets = append(sets, fmt.Sprintf("updated_at = $%d", len(args)))
		args = append(args, id)
		res, err := db.write.ExecContext(ctx, fmt.Sprintf(`UPDATE prompts SET %s WHERE id = $%d`, strings.Join(sets, ", "), len(args)), args...)
		if err != nil {
			return nil, fmt.Errorf("update prompt: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return nil, ember.Errorf(ember.ENOTFOUND, "Prompt with ID %d not found", id)
		}
	}
	return db.FindPromptByID(ctx, id)
}

// DeletePrompt deletes a prompt with its versions and tags.
func (db *DB) DeletePrompt(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM prompts WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete prompt: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Prompt with ID %d not found", id)
	}
	return nil
}

const promptVersionColumns = `id, prompt_id, description, model_provider, model_name, template_type, template_format, template, invocation_parameters, tools, response_format, created_at`

func scanPromptVersion(row rowScanner) (*ember.PromptVersion, error) {
	var v ember.PromptVersion
	var description, tools, responseFormat sql.NullString
	var template, params string
	var created int64
	if err := row.Scan(&v.ID, &v.PromptID, &description, &v.ModelProvider, &v.ModelName, &v.TemplateType, &v.TemplateFormat,
		&template, &params, &tools, &responseFormat, &created); err != nil {
		return nil, err
	}
	if description.Valid {
		v.Description = &description.String
	}
	v.Template, v.InvocationParameters = json.RawMessage(template), json.RawMessage(params)
	if tools.Valid {
		v.Tools = json.RawMessage(tools.String)
	}
	if responseFormat.Valid {
		v.ResponseFormat = json.RawMessage(responseFormat.String)
	}
	v.CreatedAt = fromNanos(created)
	return &v, nil
}

// FindPromptVersions returns a prompt's versions, newest first.
func (db *DB) FindPromptVersions(ctx context.Context, filter ember.PromptVersionFilter) ([]*ember.PromptVersion, error) {
	q := `SELECT ` + promptVersionColumns + ` FROM prompt_versions WHERE prompt_id = $1`
	args := []any{filter.PromptID}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += ` AND id <= $2`
	}
	q += ` ORDER BY id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find prompt versions", q, args, scanPromptVersion)
}

// FindPromptVersionByID returns ENOTFOUND if no version has that row id.
func (db *DB) FindPromptVersionByID(ctx context.Context, id int64) (*ember.PromptVersion, error) {
	v, err := scanPromptVersion(db.read.QueryRowContext(ctx, `SELECT `+promptVersionColumns+` FROM prompt_versions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Prompt version with ID %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find prompt version: %w", err)
	}
	return v, nil
}

// FindLatestPromptVersion returns a prompt's newest version.
func (db *DB) FindLatestPromptVersion(ctx context.Context, promptID int64) (*ember.PromptVersion, error) {
	v, err := scanPromptVersion(db.read.QueryRowContext(ctx,
		`SELECT `+promptVersionColumns+` FROM prompt_versions WHERE prompt_id = $1 ORDER BY id DESC LIMIT 1`, promptID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Prompt with ID %d has no versions", promptID)
	} else if err != nil {
		return nil, fmt.Errorf("find latest prompt version: %w", err)
	}
	return v, nil
}

// FindPromptVersionByTag returns the version a prompt's tag names.
func (db *DB) FindPromptVersionByTag(ctx context.Context, promptID int64, tag string) (*ember.PromptVersion, error) {
	v, err := scanPromptVersion(db.read.QueryRowContext(ctx,
		`SELECT `+promptVersionColumns+` FROM prompt_versions WHERE id = (SELECT prompt_version_id FROM prompt_version_tags WHERE prompt_id = $1 AND name = $2)`,
		promptID, tag))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Prompt with ID %d has no version tagged %s", promptID, tag)
	} else if err != nil {
		return nil, fmt.Errorf("find prompt version by tag: %w", err)
	}
	return v, nil
}

// versionPrompt returns the prompt a version belongs to; ENOTFOUND when
// the version does not exist.
func versionPrompt(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, versionID int64) (int64, error) {
	var promptID int64
	err := q.QueryRowContext(ctx, `SELECT prompt_id FROM prompt_versions WHERE id = $1`, versionID).Scan(&promptID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ember.Errorf(ember.ENOTFOUND, "Prompt version with ID %d not found", versionID)
	}
	return promptID, err
}

func scanPromptVersionTag(row rowScanner) (*ember.PromptVersionTag, error) {
	var t ember.PromptVersionTag
	var description sql.NullString
	if err := row.Scan(&t.ID, &t.PromptID, &t.PromptVersionID, &t.Name, &description); err != nil {
		return nil, err
	}
	if description.Valid {
		t.Description = &description.String
	}
	return &t, nil
}

// FindPromptVersionTags returns a version's tags, newest first.
func (db *DB) FindPromptVersionTags(ctx context.Context, filter ember.PromptVersionTagFilter) ([]*ember.PromptVersionTag, error) {
	if _, err := versionPrompt(ctx, db.read, filter.PromptVersionID); err != nil {
		if ember.ErrorCode(err) == ember.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("find prompt version tags: %w", err)
	}
	q := `SELECT id, prompt_id, prompt_version_id, name, description FROM prompt_version_tags WHERE prompt_version_id = $1`
	args := []any{filter.PromptVersionID}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += ` AND id <= $2`
	}
	q += ` ORDER BY id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find prompt version tags", q, args, scanPromptVersionTag)
}

// SetPromptVersionTag puts a tag on a version, moving it within the
// prompt. See ember.PromptService.
func (db *DB) SetPromptVersionTag(ctx context.Context, tag *ember.PromptVersionTag) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		promptID, err := versionPrompt(ctx, tx, tag.PromptVersionID)
		if err != nil {
			return err
		}
		tag.PromptID = promptID
		return tx.QueryRowContext(ctx, `INSERT INTO prompt_version_tags (prompt_id, prompt_version_id, name, description) VALUES ($1, $2, $3, $4)
ON CONFLICT (prompt_id, name) DO UPDATE SET prompt_version_id = excluded.prompt_version_id, description = excluded.description
RETURNING id`, promptID, tag.PromptVersionID, tag.Name, tag.Description).Scan(&tag.ID)
	})
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return err
	} else if err != nil {
		return fmt.Errorf("set prompt version tag: %w", err)
	}
	return nil
}

// DeletePromptVersionTag removes a tag from the version's prompt.
func (db *DB) DeletePromptVersionTag(ctx context.Context, versionID int64, name string) error {
	var deleted int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		promptID, err := versionPrompt(ctx, tx, versionID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM prompt_version_tags WHERE prompt_id = $1 AND name = $2`, promptID, name)
		if err != nil {
			return err
		}
		deleted, err = res.RowsAffected()
		return err
	})
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return err
	} else if err != nil {
		return fmt.Errorf("delete prompt version tag: %w", err)
	}
	if deleted == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Prompt version with ID %d has no tag %s", versionID, name)
	}
	return nil
}
