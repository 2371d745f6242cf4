package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/emberhq/ember"
)

const splitColumns = `s.id, s.name, s.description, s.color, s.metadata, s.created_at, s.updated_at,
	(SELECT COUNT(*) FROM dataset_splits_dataset_examples x WHERE x.dataset_split_id = s.id)`

func scanSplit(row rowScanner) (*ember.DatasetSplit, error) {
	var s ember.DatasetSplit
	var description sql.NullString
	var metadata string
	var created, updated int64
	if err := row.Scan(&s.ID, &s.Name, &description, &s.Color, &metadata, &created, &updated, &s.ExampleCount); err != nil {
		return nil, err
	}
	if description.Valid {
		s.Description = &description.String
	}
	s.Metadata = json.RawMessage(metadata)
	s.CreatedAt, s.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &s, nil
}

func (db *DB) findSplit(ctx context.Context, q queryer, where string, arg any) (*ember.DatasetSplit, error) {
	s, err := scanSplit(q.QueryRowContext(ctx, `SELECT `+splitColumns+` FROM dataset_splits s WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Dataset split not found: %v", arg)
	} else if err != nil {
		return nil, fmt.Errorf("find dataset split: %w", err)
	}
	return s, nil
}

// FindDatasetSplitByID returns ENOTFOUND if there is no such split.
func (db *DB) FindDatasetSplitByID(ctx context.Context, id int64) (*ember.DatasetSplit, error) {
	return db.findSplit(ctx, db.read, `s.id = $1`, id)
}

// FindDatasetSplitByName returns ENOTFOUND if there is no such split.
func (db *DB) FindDatasetSplitByName(ctx context.Context, name string) (*ember.DatasetSplit, error) {
	return db.findSplit(ctx, db.read, `s.name = $1`, name)
}

// linkSplitExamples adds (or, with remove, drops) examples of a dataset to a
// split; ENOTFOUND for an example outside the dataset.
func (db *DB) linkSplitExamples(ctx context.Context, tx *sql.Tx, datasetID, splitID int64, examples []int64, remove bool) error {
	for _, ex := range examples {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT dataset_id FROM dataset_examples WHERE id = $1`, ex).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != datasetID) {
			return ember.Errorf(ember.ENOTFOUND, "Dataset example %s not found in the dataset", ember.GlobalID("DatasetExample", ex))
		} else if err != nil {
			return fmt.Errorf("find example: %w", err)
		}
		q := `INSERT INTO dataset_splits_dataset_examples (dataset_split_id, dataset_example_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
		if remove {
			q = `DELETE FROM dataset_splits_dataset_examples WHERE dataset_split_id = $1 AND dataset_example_id = $2`
		}
		if _, err := tx.ExecContext(ctx, q, splitID, ex); err != nil {
			return fmt.Errorf("link split: %w", err)
		}
	}
	return nil
}

// CreateDatasetSplit stores s and puts examples of the dataset in it.
func (db *DB) CreateDatasetSplit(ctx context.Context, datasetID int64, s *ember.DatasetSplit, examples []int64) error {
	if s.Color == "" {
		s.Color = defaultSplitColor
	}
	if len(s.Metadata) == 0 {
		s.Metadata = json.RawMessage("{}")
	}
	now := nanos(db.Now())
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO dataset_splits (name, description, color, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING RETURNING id`,
			s.Name, s.Description, s.Color, string(s.Metadata), now).Scan(&s.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return ember.Errorf(ember.ECONFLICT, "A dataset split named %q already exists.", s.Name)
		} else if err != nil {
			return fmt.Errorf("insert split: %w", err)
		}
		if err := db.linkSplitExamples(ctx, tx, datasetID, s.ID, examples, false); err != nil {
			return err
		}
		created, err := db.findSplit(ctx, tx, `s.id = $1`, s.ID)
		if err != nil {
			return err
		}
		*s = *created
		return nil
	})
	return err
}

// UpdateDatasetSplit applies upd to a split.
func (db *DB) UpdateDatasetSplit(ctx context.Context, datasetID, id int64, upd ember.DatasetSplitUpdate) (*ember.DatasetSplit, error) {
	var out *ember.DatasetSplit
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := db.findSplit(ctx, tx, `s.id = $1`, id)
		if err != nil {
			return err
		}
		if upd.Name != nil && *upd.Name != cur.Name {
			var other int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM dataset_splits WHERE name = $1`, *upd.Name).Scan(&other)
			if err == nil {
				return ember.Errorf(ember.ECONFLICT, "A dataset split named %q already exists.", *upd.Name)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("find split: %w", err)
			}
			cur.Name = *upd.Name
		}
		if upd.ClearDescription {
			cur.Description = nil
		} else if upd.Description != nil {
			cur.Description = upd.Description
		}
		if upd.Color != nil {
			cur.Color = *upd.Color
		}
		if upd.Metadata != nil {
			cur.Metadata = upd.Metadata
		}
		if _, err := tx.ExecContext(ctx, `UPDATE dataset_splits SET name = $1, description = $2, color = $3, metadata = $4, updated_at = $5 WHERE id = $6`,
			cur.Name, cur.Description, cur.Color, string(cur.Metadata), nanos(db.Now()), id); err != nil {
			return fmt.Errorf("update split: %w", err)
		}
		if err := db.linkSplitExamples(ctx, tx, datasetID, id, upd.AddExamples, false); err != nil {
			return err
		}
		if err := db.linkSplitExamples(ctx, tx, datasetID, id, upd.RemoveExamples, true); err != nil {
			return err
		}
		out, err = db.findSplit(ctx, tx, `s.id = $1`, id)
		return err
	})
	return out, err
}

// DeleteDatasetSplit deletes a split; its example links go by cascade.
func (db *DB) DeleteDatasetSplit(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM dataset_splits WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete split: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Dataset split not found: %d", id)
	}
	return nil
}

const labelColumns = `id, name, description, color`

func scanLabel(row rowScanner) (*ember.DatasetLabel, error) {
	var l ember.DatasetLabel
	var description sql.NullString
	if err := row.Scan(&l.ID, &l.Name, &description, &l.Color); err != nil {
		return nil, err
	}
	if description.Valid {
		l.Description = &description.String
	}
	return &l, nil
}

// FindDatasetLabels lists labels newest first.
func (db *DB) FindDatasetLabels(ctx context.Context, cursor int64, limit int) ([]*ember.DatasetLabel, error) {
	q := `SELECT ` + labelColumns + ` FROM dataset_labels WHERE 1 = 1`
	var args []any
	if cursor > 0 {
		args = append(args, cursor)
		q += fmt.Sprintf(` AND id <= $%d`, len(args))
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find dataset labels", q, args, scanLabel)
}

// FindDatasetLabelByID returns ENOTFOUND if there is no such label.
func (db *DB) FindDatasetLabelByID(ctx context.Context, id int64) (*ember.DatasetLabel, error) {
	l, err := scanLabel(db.read.QueryRowContext(ctx, `SELECT `+labelColumns+` FROM dataset_labels WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Dataset label with ID %s not found", ember.GlobalID("DatasetLabel", id))
	} else if err != nil {
		return nil, fmt.Errorf("find dataset label: %w", err)
	}
	return l, nil
}

// CreateDatasetLabel stores l; ECONFLICT for a taken name.
func (db *DB) CreateDatasetLabel(ctx context.Context, l *ember.DatasetLabel) error {
	err := db.write.QueryRowContext(ctx, `INSERT INTO dataset_labels (name, description, color, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id`,
		l.Name, l.Description, l.Color, nanos(db.Now())).Scan(&l.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return ember.Errorf(ember.ECONFLICT, "A dataset label named %q already exists.", l.Name)
	} else if err != nil {
		return fmt.Errorf("insert dataset label: %w", err)
	}
	return nil
}

// UpdateDatasetLabel applies upd to a label.
func (db *DB) UpdateDatasetLabel(ctx context.Context, id int64, upd ember.DatasetLabelUpdate) (*ember.DatasetLabel, error) {
	cur, err := db.FindDatasetLabelByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		cur.Name = *upd.Name
	}
	if upd.Description != nil {
		cur.Description = upd.Description
	}
	if upd.Color != nil {
		cur.Color = *upd.Color
	}
	_, err = db.write.ExecContext(ctx, `UPDATE dataset_labels SET name = $1, description = $2, color = $3 WHERE id = $4`, cur.Name, cur.Description, cur.Color, id)
	if err != nil {
		if db.nameTaken(ctx, "dataset_labels", cur.Name, id) {
			return nil, ember.Errorf(ember.ECONFLICT, "A dataset label named %q already exists.", cur.Name)
		}
		return nil, fmt.Errorf("update dataset label: %w", err)
	}
	return cur, nil
}

// nameTaken reports whether another row of table has the name.
func (db *DB) nameTaken(ctx context.Context, table, name string, id int64) bool {
	var other int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE name = $1 AND id <> $2`, name, id).Scan(&other)
	return err == nil
}

// DeleteDatasetLabel deletes a label and its links.
func (db *DB) DeleteDatasetLabel(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM dataset_labels WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete dataset label: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Dataset label with ID %s not found", ember.GlobalID("DatasetLabel", id))
	}
	return nil
}

// FindLabelsOfDataset returns a dataset's labels by name.
func (db *DB) FindLabelsOfDataset(ctx context.Context, datasetID int64) ([]*ember.DatasetLabel, error) {
	return queryAll(ctx, db.read, "find labels of dataset", `SELECT l.id, l.name, l.description, l.color FROM dataset_labels l
JOIN datasets_dataset_labels x ON x.dataset_label_id = l.id WHERE x.dataset_id = $1 ORDER BY l.name`, []any{datasetID}, scanLabel)
}

func (db *DB) labelExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM dataset_labels WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ember.Errorf(ember.ENOTFOUND, "Dataset label with ID %s not found", ember.GlobalID("DatasetLabel", id))
	}
	return err
}

// SetLabelsOfDataset replaces a dataset's labels.
func (db *DB) SetLabelsOfDataset(ctx context.Context, datasetID int64, labelIDs []int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM datasets_dataset_labels WHERE dataset_id = $1`, datasetID); err != nil {
			return fmt.Errorf("clear labels: %w", err)
		}
		for _, id := range labelIDs {
			if err := db.labelExists(ctx, tx, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO datasets_dataset_labels (dataset_id, dataset_label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, datasetID, id); err != nil {
				return fmt.Errorf("link label: %w", err)
			}
		}
		return nil
	})
}

// AddLabelToDataset links a label to a dataset.
func (db *DB) AddLabelToDataset(ctx context.Context, datasetID, labelID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.labelExists(ctx, tx, labelID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO datasets_dataset_labels (dataset_id, dataset_label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, datasetID, labelID)
		return err
	})
}

// RemoveLabelFromDataset unlinks a label; ENOTFOUND when it was not linked.
func (db *DB) RemoveLabelFromDataset(ctx context.Context, datasetID, labelID int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM datasets_dataset_labels WHERE dataset_id = $1 AND dataset_label_id = $2`, datasetID, labelID)
	if err != nil {
		return fmt.Errorf("unlink label: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Dataset label with ID %s is not on the dataset", ember.GlobalID("DatasetLabel", labelID))
	}
	return nil
}
