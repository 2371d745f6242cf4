package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the annotation config service.
var _ ember.AnnotationConfigService = (*DB)(nil)

// configSettings is the config column: what a config holds beyond its name
// and type.
type configSettings struct {
	Description           *string                  `json:"description,omitempty"`
	OptimizationDirection string                   `json:"optimization_direction,omitempty"`
	Values                []ember.CategoricalValue `json:"values,omitempty"`
	LowerBound            *float64                 `json:"lower_bound,omitempty"`
	UpperBound            *float64                 `json:"upper_bound,omitempty"`
	Threshold             *float64                 `json:"threshold,omitempty"`
}

func settingsOf(c *ember.AnnotationConfig) string {
	s := configSettings{
		Description:           c.Description,
		OptimizationDirection: string(c.OptimizationDirection),
		LowerBound:            c.LowerBound,
		UpperBound:            c.UpperBound,
		Threshold:             c.Threshold,
	}
	if c.Type == ember.AnnotationConfigCategorical {
		s.Values = c.Values
	}
	b, _ := json.Marshal(s) // a struct of plain fields always encodes
	return string(b)
}

const annotationConfigColumns = `c.id, c.name, c.config_type, c.config, c.created_at, c.updated_at`

func scanAnnotationConfig(row rowScanner) (*ember.AnnotationConfig, error) {
	var c ember.AnnotationConfig
	var typ, settings string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &typ, &settings, &created, &updated); err != nil {
		return nil, err
	}
	var s configSettings
	if err := json.Unmarshal([]byte(settings), &s); err != nil {
		return nil, fmt.Errorf("decode annotation config %d: %w", c.ID, err)
	}
	c.Type = ember.AnnotationConfigType(typ)
	c.Description = s.Description
	c.OptimizationDirection = ember.OptimizationDirection(s.OptimizationDirection)
	c.LowerBound, c.UpperBound, c.Threshold = s.LowerBound, s.UpperBound, s.Threshold
	if c.Type == ember.AnnotationConfigCategorical {
		c.Values = s.Values
		if c.Values == nil {
			c.Values = []ember.CategoricalValue{}
		}
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &c, nil
}

var errConfigNotFound = &ember.Error{Code: ember.ENOTFOUND, Message: "Annotation configuration not found"}

// FindAnnotationConfigs returns the configs that match filter, newest
// first. See ember.AnnotationConfigService.
func (db *DB) FindAnnotationConfigs(ctx context.Context, filter ember.AnnotationConfigFilter) ([]*ember.AnnotationConfig, error) {
	q := `SELECT ` + annotationConfigColumns + ` FROM annotation_configs c`
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if filter.ProjectID != 0 {
		q += ` JOIN project_annotation_configs pc ON pc.annotation_config_id = c.id`
		where = append(where, "pc.project_id = "+arg(filter.ProjectID))
	}
	if len(filter.Names) > 0 {
		params := make([]string, len(filter.Names))
		for i, n := range filter.Names {
			params[i] = arg(ember.CleanText(n))
		}
		where = append(where, "c.name IN ("+strings.Join(params, ",")+")")
	}
	if filter.Cursor > 0 {
		where = append(where, "c.id <= "+arg(filter.Cursor))
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY c.id DESC`
	if filter.Limit > 0 {
		q += ` LIMIT ` + arg(filter.Limit)
	}
	return queryAll(ctx, db.read, "find annotation configs", q, args, scanAnnotationConfig)
}

func (db *DB) findAnnotationConfig(ctx context.Context, q queryer, column string, value any) (*ember.AnnotationConfig, error) {
	c, err := scanAnnotationConfig(q.QueryRowContext(ctx, `SELECT `+annotationConfigColumns+` FROM annotation_configs c WHERE c.`+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errConfigNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find annotation config: %w", err)
	}
	return c, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// FindAnnotationConfigByID returns ENOTFOUND if no config has that row id.
func (db *DB) FindAnnotationConfigByID(ctx context.Context, id int64) (*ember.AnnotationConfig, error) {
	return db.findAnnotationConfig(ctx, db.read, "id", id)
}

// FindAnnotationConfigByName returns ENOTFOUND if no config has that name.
func (db *DB) FindAnnotationConfigByName(ctx context.Context, name string) (*ember.AnnotationConfig, error) {
	return db.findAnnotationConfig(ctx, db.read, "name", ember.CleanText(name))
}

// checkConfig refuses the reserved name and an inconsistent config, in
// the order Phoenix does.
func checkConfig(c *ember.AnnotationConfig) error {
	c.Name = ember.CleanText(c.Name)
	if c.Description != nil {
		d := ember.CleanText(*c.Description)
		c.Description = &d
	}
	for i := range c.Values {
		c.Values[i].Label = ember.CleanText(c.Values[i].Label)
	}
	if c.Name == ember.NoteAnnotationName {
		return ember.Errorf(ember.ECONFLICT, "The name 'note' is reserved for trace and span notes and cannot be used for annotation configs.")
	}
	return c.Validate()
}

var errConfigNameTaken = &ember.Error{Code: ember.ECONFLICT, Message: "The name of the annotation configuration is already taken"}

// CreateAnnotationConfig stores c. See ember.AnnotationConfigService.
func (db *DB) CreateAnnotationConfig(ctx context.Context, c *ember.AnnotationConfig) error {
	if err := checkConfig(c); err != nil {
		return err
	}
	now := nanos(db.Now())
	var created *ember.AnnotationConfig
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO annotation_configs (name, config_type, config, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING RETURNING id`,
			c.Name, string(c.Type), settingsOf(c), now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errConfigNameTaken
		} else if err != nil {
			return fmt.Errorf("create annotation config: %w", err)
		}
		created, err = db.findAnnotationConfig(ctx, tx, "id", id)
		return err
	})
	if err != nil {
		return err
	}
	*c = *created
	return nil
}

// UpdateAnnotationConfig replaces the config c.ID. See
// ember.AnnotationConfigService.
func (db *DB) UpdateAnnotationConfig(ctx context.Context, c *ember.AnnotationConfig) error {
	if err := checkConfig(c); err != nil {
		return err
	}
	var updated *ember.AnnotationConfig
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.findAnnotationConfig(ctx, tx, "id", c.ID); err != nil {
			return err
		}
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM annotation_configs WHERE name = $1 AND id <> $2`, c.Name, c.ID).Scan(&other)
		if err == nil {
			return errConfigNameTaken
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find annotation config: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE annotation_configs SET name = $1, config_type = $2, config = $3, updated_at = $4 WHERE id = $5`,
			c.Name, string(c.Type), settingsOf(c), nanos(db.Now()), c.ID); err != nil {
			return fmt.Errorf("update annotation config: %w", err)
		}
		updated, err = db.findAnnotationConfig(ctx, tx, "id", c.ID)
		return err
	})
	if err != nil {
		return err
	}
	*c = *updated
	return nil
}

// DeleteAnnotationConfig deletes a config and its assignments. See
// ember.AnnotationConfigService.
func (db *DB) DeleteAnnotationConfig(ctx context.Context, id int64) (*ember.AnnotationConfig, error) {
	var deleted *ember.AnnotationConfig
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if deleted, err = db.findAnnotationConfig(ctx, tx, "id", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM annotation_configs WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete annotation config: %w", err)
		}
		return nil
	})
	return deleted, err
}

// projectExists returns ENOTFOUND unless the project is stored.
func projectExists(ctx context.Context, tx *sql.Tx, projectID int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE id = $1`, projectID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return ember.Errorf(ember.ENOTFOUND, "Project with ID %d not found", projectID)
	} else if err != nil {
		return fmt.Errorf("find project: %w", err)
	}
	return nil
}

// configsExist counts which of the distinct ids name stored configs.
func configsExist(ctx context.Context, tx *sql.Tx, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	params := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		params[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM annotation_configs WHERE id IN (`+strings.Join(params, ",")+`)`, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("find annotation configs: %w", err)
	}
	return n == len(ids), nil
}

// AssignAnnotationConfig assigns a config to a project. See
// ember.AnnotationConfigService.
func (db *DB) AssignAnnotationConfig(ctx context.Context, projectID, configID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := projectExists(ctx, tx, projectID); err != nil {
			return err
		}
		if ok, err := configsExist(ctx, tx, []int64{configID}); err != nil {
			return err
		} else if !ok {
			return errConfigNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO project_annotation_configs (project_id, annotation_config_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, projectID, configID); err != nil {
			return fmt.Errorf("assign annotation config: %w", err)
		}
		return nil
	})
}

// UnassignAnnotationConfig removes a config from a project. See
// ember.AnnotationConfigService.
func (db *DB) UnassignAnnotationConfig(ctx context.Context, projectID, configID int64) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM project_annotation_configs WHERE project_id = $1 AND annotation_config_id = $2`, projectID, configID); err != nil {
		return fmt.Errorf("unassign annotation config: %w", err)
	}
	return nil
}

// SetProjectAnnotationConfigs replaces a project's set of configs. See
// ember.AnnotationConfigService.
func (db *DB) SetProjectAnnotationConfigs(ctx context.Context, projectID int64, configIDs []int64) ([]*ember.AnnotationConfig, error) {
	ids := uniqueIDs(configIDs)
	slices.Sort(ids)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := projectExists(ctx, tx, projectID); err != nil {
			return err
		}
		if ok, err := configsExist(ctx, tx, ids); err != nil {
			return err
		} else if !ok {
			return ember.Errorf(ember.EUNPROCESSABLE, "One or more annotation configurations were not found")
		}
		keep := "1 = 1"
		args := []any{projectID}
		if len(ids) > 0 {
			params := make([]string, len(ids))
			for i, id := range ids {
				args = append(args, id)
				params[i] = "$" + strconv.Itoa(i+2)
			}
			keep = "annotation_config_id NOT IN (" + strings.Join(params, ",") + ")"
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM project_annotation_configs WHERE project_id = $1 AND `+keep, args...); err != nil {
			return fmt.Errorf("unassign annotation configs: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO project_annotation_configs (project_id, annotation_config_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, projectID, id); err != nil {
				return fmt.Errorf("assign annotation config: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{ProjectID: projectID})
}
