package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the dataset service.
var _ ember.DatasetService = (*DB)(nil)

// Bulk sizes of the dataset writes, under both engines' parameter limits.
const (
	exampleInsertChunk  = 500 // x 4 columns
	revisionInsertChunk = 500 // x 9 columns
)

const datasetColumns = `d.id, d.name, d.description, d.metadata, d.created_at, d.updated_at,
	COALESCE((SELECT v.example_count FROM dataset_versions v WHERE v.dataset_id = d.id ORDER BY v.id DESC LIMIT 1), 0)`

func scanDataset(row rowScanner) (*ember.Dataset, error) {
	var d ember.Dataset
	var description sql.NullString
	var metadata string
	var created, updated int64
	if err := row.Scan(&d.ID, &d.Name, &description, &metadata, &created, &updated, &d.ExampleCount); err != nil {
		return nil, err
	}
	if description.Valid {
		d.Description = &description.String
	}
	d.Metadata = json.RawMessage(metadata)
	d.CreatedAt, d.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &d, nil
}

// FindDatasetByID returns ENOTFOUND if no dataset has that row id.
func (db *DB) FindDatasetByID(ctx context.Context, id int64) (*ember.Dataset, error) {
	d, err := scanDataset(db.read.QueryRowContext(ctx, `SELECT `+datasetColumns+` FROM datasets d WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Dataset does not exist")
	} else if err != nil {
		return nil, fmt.Errorf("find dataset: %w", err)
	}
	return d, nil
}

// FindDatasetByName returns ENOTFOUND if no dataset has that name.
func (db *DB) FindDatasetByName(ctx context.Context, name string) (*ember.Dataset, error) {
	d, err := scanDataset(db.read.QueryRowContext(ctx, `SELECT `+datasetColumns+` FROM datasets d WHERE d.name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Dataset with name %s not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find dataset: %w", err)
	}
	return d, nil
}

// FindDatasets returns the datasets that match filter, newest first.
func (db *DB) FindDatasets(ctx context.Context, filter ember.DatasetFilter) ([]*ember.Dataset, error) {
	q := `SELECT ` + datasetColumns + ` FROM datasets d WHERE 1 = 1`
	var args []any
	if filter.Name != "" {
		args = append(args, filter.Name)
		q += fmt.Sprintf(` AND d.name = $%d`, len(args))
	}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += fmt.Sprintf(` AND d.id <= $%d`, len(args))
	}
	q += ` ORDER BY d.id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find datasets", q, args, scanDataset)
}

// DeleteDataset deletes a dataset; versions, examples, revisions, split
// and label links and experiments go with it by cascade, and the projects
// of its experiments after it.
func (db *DB) DeleteDataset(ctx context.Context, id int64) error {
	projects, err := db.experimentProjects(ctx, id)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `DELETE FROM datasets WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete dataset: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Dataset does not exist")
	}
	return db.deleteProjectsNamed(ctx, projects)
}

const versionColumns = `id, dataset_id, description, metadata, created_at, example_count`

func scanVersion(row rowScanner) (*ember.DatasetVersion, error) {
	var v ember.DatasetVersion
	var description sql.NullString
	var metadata string
	var created int64
	if err := row.Scan(&v.ID, &v.DatasetID, &description, &metadata, &created, &v.ExampleCount); err != nil {
		return nil, err
	}
	if description.Valid {
		v.Description = &description.String
	}
	v.Metadata = json.RawMessage(metadata)
	v.CreatedAt = fromNanos(created)
	return &v, nil
}

// FindDatasetVersions returns a dataset's versions, newest first.
func (db *DB) FindDatasetVersions(ctx context.Context, datasetID, cursor int64, limit int) ([]*ember.DatasetVersion, error) {
	q := `SELECT ` + versionColumns + ` FROM dataset_versions WHERE dataset_id = $1`
	args := []any{datasetID}
	if cursor > 0 {
		args = append(args, cursor)
		q += fmt.Sprintf(` AND id <= $%d`, len(args))
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find dataset versions", q, args, scanVersion)
}

// FindDatasetVersion returns a version of a dataset, or its latest for 0.
func (db *DB) FindDatasetVersion(ctx context.Context, datasetID, versionID int64) (*ember.DatasetVersion, error) {
	var row *sql.Row
	if versionID == 0 {
		row = db.read.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM dataset_versions WHERE dataset_id = $1 ORDER BY id DESC LIMIT 1`, datasetID)
	} else {
		row = db.read.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM dataset_versions WHERE dataset_id = $1 AND id = $2`, datasetID, versionID)
	}
	v, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		if versionID == 0 {
			return nil, ember.Errorf(ember.ENOTFOUND, "Dataset has no versions")
		}
		return nil, ember.Errorf(ember.ENOTFOUND, "No dataset version with id %s", ember.GlobalID("DatasetVersion", versionID))
	} else if err != nil {
		return nil, fmt.Errorf("find dataset version: %w", err)
	}
	return v, nil
}

// asOfRevision is the row id of an example's revision as of version $2: the
// unique (example, version) index answers it with one probe per example.
const asOfRevision = `(SELECT r2.id FROM dataset_example_revisions r2 WHERE r2.dataset_example_id = e.id AND r2.dataset_version_id <= $2 ORDER BY r2.dataset_version_id DESC LIMIT 1)`

// EachExample streams the examples of a version in row id order.
func (db *DB) EachExample(ctx context.Context, filter ember.ExampleFilter, fn func(*ember.DatasetExample) error) error {
	version, err := db.FindDatasetVersion(ctx, filter.DatasetID, filter.VersionID)
	if err != nil {
		return err
	}
	q := `SELECT e.id, e.external_id, e.span_rowid, s.span_id, r.id, r.dataset_version_id, r.input, r.output, r.metadata, r.created_at
FROM dataset_examples e
JOIN dataset_example_revisions r ON r.id = ` + asOfRevision + `
LEFT JOIN spans s ON s.id = e.span_rowid
WHERE e.dataset_id = $1 AND r.revision_kind <> 'DELETE'`
	args := []any{filter.DatasetID, version.ID}
	if len(filter.SplitIDs) > 0 {
		q += ` AND EXISTS (SELECT 1 FROM dataset_splits_dataset_examples x WHERE x.dataset_example_id = e.id AND x.dataset_split_id IN (`
		for i, id := range filter.SplitIDs {
			if i > 0 {
				q += ","
			}
			args = append(args, id)
			q += fmt.Sprintf("$%d", len(args))
		}
		q += `))`
	}
	q += ` ORDER BY e.id`
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read examples: %w", err)
	}
	defer rows.Close()

	// Split names come from a second cursor in the same order, merged
	// as both advance, so memory stays constant.
	var splits *sql.Rows
	var splitExample int64
	var splitName string
	splitsLeft := false
	if filter.WithSplits {
		splits, err = db.read.QueryContext(ctx, `SELECT x.dataset_example_id, sp.name FROM dataset_examples e
JOIN dataset_splits_dataset_examples x ON x.dataset_example_id = e.id
JOIN dataset_splits sp ON sp.id = x.dataset_split_id
WHERE e.dataset_id = $1 ORDER BY x.dataset_example_id, sp.name`, filter.DatasetID)
		if err != nil {
			return fmt.Errorf("read example splits: %w", err)
		}
		defer splits.Close()
		advance := func() error {
			splitsLeft = splits.Next()
			if splitsLeft {
				return splits.Scan(&splitExample, &splitName)
			}
			return splits.Err()
		}
		if err := advance(); err != nil {
			return fmt.Errorf("read example splits: %w", err)
		}
		defer func() { _ = splits.Close() }()
		fnInner := fn
		fn = func(ex *ember.DatasetExample) error {
			ex.Splits = ex.Splits[:0]
			for splitsLeft && splitExample <= ex.ID {
				if splitExample == ex.ID {
					ex.Splits = append(ex.Splits, splitName)
				}
				if err := advance(); err != nil {
					return fmt.Errorf("read example splits: %w", err)
				}
			}
			return fnInner(ex)
		}
	}

	var ex ember.DatasetExample
	ex.DatasetID = filter.DatasetID
	for rows.Next() {
		var external, spanID sql.NullString
		var spanRow sql.NullInt64
		var input, output, metadata []byte
		var created int64
		if err := rows.Scan(&ex.ID, &external, &spanRow, &spanID, &ex.RevisionID, &ex.VersionID, &input, &output, &metadata, &created); err != nil {
			return fmt.Errorf("read examples: scan: %w", err)
		}
		ex.ExternalID = external.String
		ex.SpanRowID = spanRow.Int64
		ex.SpanID = spanID.String
		ex.Input, ex.Output, ex.Metadata = input, output, metadata
		ex.UpdatedAt = fromNanos(created)
		if err := fn(&ex); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read examples: %w", err)
	}
	return nil
}

// FindExampleDatasets maps example row ids to their datasets.
func (db *DB) FindExampleDatasets(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	err := chunks(ids, lookupChunk, func(ids []int64) error {
		q := `SELECT id, dataset_id FROM dataset_examples WHERE id IN (` + string(db.inList(nil, len(ids))) + `)`
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := queryAll(ctx, db.read, "find examples", q, args, func(r rowScanner) ([2]int64, error) {
			var p [2]int64
			return p, r.Scan(&p[0], &p[1])
		})
		for _, p := range rows {
			out[p[0]] = p[1]
		}
		return err
	})
	return out, err
}

// ContentHash is the digest by which uploads recognise an unchanged example:
// SHA-256 over the canonical JSON (sorted keys) of input, output and
// metadata.
func ContentHash(input, output, metadata json.RawMessage) string {
	h := sha256.New()
	for _, part := range []json.RawMessage{input, output, metadata} {
		h.Write(canonicalJSON(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes JSON with object keys sorted, keeping numbers as
// written.
func canonicalJSON(raw json.RawMessage) []byte {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

// currentExample is an example's state in the latest version, for diffing.
type currentExample struct {
	id       int64
	external string
	hash     string
	live     bool // its latest revision is not a DELETE
	matched  bool
}

// UploadDataset applies an upload in one transaction. See
// ember.DatasetService.
func (db *DB) UploadDataset(ctx context.Context, up *ember.DatasetUpload) (*ember.UploadResult, error) {
	if up.Name == "" {
		return nil, ember.Errorf(ember.EUNPROCESSABLE, "Dataset name must not be empty")
	}
	now := nanos(db.Now())
	result := &ember.UploadResult{}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var datasetID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM datasets WHERE name = $1`, up.Name).Scan(&datasetID)
		isNew := errors.Is(err, sql.ErrNoRows)
		switch {
		case err != nil && !isNew:
			return fmt.Errorf("find dataset: %w", err)
		case !isNew && up.Action == ember.UploadCreate:
			return ember.Errorf(ember.ECONFLICT, "A dataset named %q already exists.", up.Name)
		case isNew:
			metadata := up.Metadata
			if len(metadata) == 0 {
				metadata = json.RawMessage("{}")
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO datasets (name, description, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
				up.Name, up.Description, string(metadata), now).Scan(&datasetID); err != nil {
				return fmt.Errorf("insert dataset: %w", err)
			}
		}
		result.DatasetID = datasetID
		if !isNew && len(up.Metadata) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE datasets SET metadata = $1, updated_at = $2 WHERE id = $3`, string(up.Metadata), now, datasetID); err != nil {
				return fmt.Errorf("update dataset metadata: %w", err)
			}
		}

		// The latest version's state, every example with its latest
		// revision (deleted ones too, so that an external id can return).
		var latestVersion, latestCount int64
		current := map[int64]*currentExample{}
		byExternal := map[string]*currentExample{}
		byHash := map[string][]*currentExample{}
		if !isNew {
			err := tx.QueryRowContext(ctx, `SELECT id, example_count FROM dataset_versions WHERE dataset_id = $1 ORDER BY id DESC LIMIT 1`, datasetID).Scan(&latestVersion, &latestCount)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("find latest version: %w", err)
			}
			rows, err := tx.QueryContext(ctx, `SELECT e.id, e.external_id, r.content_hash, r.revision_kind FROM dataset_examples e
JOIN dataset_example_revisions r ON r.id = `+asOfRevision+`
WHERE e.dataset_id = $1 ORDER BY e.id`, datasetID, latestVersion)
			if err != nil {
				return fmt.Errorf("read current examples: %w", err)
			}
			for rows.Next() {
				var c currentExample
				var external sql.NullString
				var kind string
				if err := rows.Scan(&c.id, &external, &c.hash, &kind); err != nil {
					rows.Close()
					return fmt.Errorf("read current examples: %w", err)
				}
				c.external, c.live = external.String, kind != "DELETE"
				current[c.id] = &c
				if c.external != "" {
					byExternal[c.external] = &c
				}
				if c.live {
					byHash[c.hash] = append(byHash[c.hash], &c)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("read current examples: %w", err)
			}
		}

		// Match every uploaded example.
		type revision struct {
			example *currentExample // nil for a new example
			kind    string
			ex      *ember.NewExample
			index   int // of ex in the upload
			hash    string
			isNew   bool // the example row is new
		}
		var revisions []revision
		var created []*revision
		var foreignIDs []int64
		for i := range up.Examples {
			ex := &up.Examples[i]
			hash := ContentHash(ex.Input, ex.Output, ex.Metadata)
			var match *currentExample
			if ex.ExampleID != "" {
				match = byExternal[ex.ExampleID]
				if match == nil {
					if typ, id, err := ember.ParseGlobalID(ex.ExampleID); err == nil && typ == "DatasetExample" {
						if match = current[id]; match == nil || (!match.live && match.external == "") {
							foreignIDs = append(foreignIDs, id)
							continue
						}
					}
				}
				if match != nil && match.matched {
					return ember.Errorf(ember.EUNPROCESSABLE, "Example id %q names an example that another row of the upload names too", ex.ExampleID)
				}
			} else {
				for _, c := range byHash[hash] {
					if !c.matched {
						match = c
						break
					}
				}
			}
			switch {
			case match == nil:
				revisions = append(revisions, revision{kind: "CREATE", ex: ex, index: i, hash: hash, isNew: true})
			case !match.live:
				match.matched = true
				revisions = append(revisions, revision{example: match, kind: "CREATE", ex: ex, index: i, hash: hash})
			case match.hash != hash:
				match.matched = true
				revisions = append(revisions, revision{example: match, kind: "PATCH", ex: ex, index: i, hash: hash})
			default:
				match.matched = true
			}
		}
		if len(foreignIDs) > 0 {
			return ember.Errorf(ember.EUNPROCESSABLE, "Example ids do not name examples of dataset %q: %s", up.Name, ember.GlobalID("DatasetExample", foreignIDs[0]))
		}
		if up.Action != ember.UploadAppend {
			ids := make([]int64, 0, len(current))
			for id, c := range current {
				if c.live && !c.matched {
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			for _, id := range ids {
				revisions = append(revisions, revision{example: current[id], kind: "DELETE", hash: current[id].hash})
			}
		}
		for i := range revisions {
			switch r := &revisions[i]; r.kind {
			case "CREATE":
				result.Created++
				if r.isNew {
					created = append(created, r)
				}
			case "PATCH":
				result.Updated++
			case "DELETE":
				result.Deleted++
			}
		}

		// Splits are links, not versioned content: they are added even
		// when nothing else changed.
		if len(revisions) == 0 && !isNew && latestVersion != 0 {
			result.VersionID = latestVersion
			return db.linkUploadSplits(ctx, tx, up, nil, datasetID, now)
		}

		description := up.Description
		if err := tx.QueryRowContext(ctx, `INSERT INTO dataset_versions (dataset_id, description, metadata, example_count, created_at) VALUES ($1, $2, '{}', $3, $4) RETURNING id`,
			datasetID, description, latestCount+int64(result.Created-result.Deleted), now).Scan(&result.VersionID); err != nil {
			return fmt.Errorf("insert dataset version: %w", err)
		}
		if !isNew {
			if _, err := tx.ExecContext(ctx, `UPDATE datasets SET updated_at = $1 WHERE id = $2`, now, datasetID); err != nil {
				return fmt.Errorf("touch dataset: %w", err)
			}
		}

		// New example rows, then one revision per change.
		spanRows, err := db.spanRowIDs(ctx, tx, up.Examples)
		if err != nil {
			return err
		}
		newIDs := make([]int64, 0, len(created))
		err = chunks(created, exampleInsertChunk, func(part []*revision) error {
			q := db.placeholders([]byte(`INSERT INTO dataset_examples (dataset_id, span_rowid, external_id, created_at) VALUES `), len(part), 4)
			args := make([]any, 0, 4*len(part))
			for _, r := range part {
				var span, external any
				if id, ok := spanRows[r.ex.SpanID]; ok {
					span = id
				}
				if r.ex.ExampleID != "" {
					external = r.ex.ExampleID
				}
				args = append(args, datasetID, span, external, now)
			}
			ids, err := db.insertRowIDs(ctx, tx, string(q), args, len(part))
			newIDs = append(newIDs, ids...)
			return err
		})
		if err != nil {
			return fmt.Errorf("insert examples: %w", err)
		}
		for i, r := range created {
			r.example = &currentExample{id: newIDs[i]}
		}
		err = chunks(revisions, revisionInsertChunk, func(part []revision) error {
			q := db.placeholders([]byte(`INSERT INTO dataset_example_revisions (dataset_example_id, dataset_version_id, input, output, metadata, revision_kind, content_hash, created_at) VALUES `), len(part), 8)
			args := make([]any, 0, 8*len(part))
			for _, r := range part {
				input, output, metadata := "{}", "{}", "{}"
				if r.ex != nil {
					input, output, metadata = jsonOr(r.ex.Input), jsonOr(r.ex.Output), jsonOr(r.ex.Metadata)
				}
				args = append(args, r.example.id, result.VersionID, input, output, metadata, r.kind, r.hash, now)
			}
			_, err := tx.ExecContext(ctx, string(q), args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("insert revisions: %w", err)
		}
		// Span links of changed examples follow the upload.
		for _, r := range revisions {
			if r.ex != nil && !r.isNew {
				if id, ok := spanRows[r.ex.SpanID]; ok {
					if _, err := tx.ExecContext(ctx, `UPDATE dataset_examples SET span_rowid = $1 WHERE id = $2`, id, r.example.id); err != nil {
						return fmt.Errorf("link span: %w", err)
					}
				}
			}
		}
		exampleIDs := make([]int64, len(up.Examples))
		for _, r := range revisions {
			if r.ex != nil {
				exampleIDs[r.index] = r.example.id
			}
		}
		return db.linkUploadSplits(ctx, tx, up, exampleIDs, datasetID, now)
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

func jsonOr(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

// insertRowIDs runs a multi-row INSERT and returns the new row ids in
// VALUES order. Identity and AUTOINCREMENT values are drawn in the order
// rows are inserted, so the ids, sorted, follow VALUES order whatever order
// RETURNING lists them in.
func (db *DB) insertRowIDs(ctx context.Context, tx *sql.Tx, q string, args []any, rows int) ([]int64, error) {
	if db.dialect.ConsecutiveRowIDs() {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		last, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		ids := make([]int64, rows)
		for i := range ids {
			ids[i] = last - int64(rows-1-i)
		}
		return ids, nil
	}
	r, err := tx.QueryContext(ctx, q+` RETURNING id`, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ids := make([]int64, 0, rows)
	for r.Next() {
		var id int64
		if err := r.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(ids) != rows {
		return nil, fmt.Errorf("inserted %d rows, want %d", len(ids), rows)
	}
	slices.Sort(ids)
	return ids, nil
}

// spanRowIDs resolves the OTel span ids of an upload to span row ids;
// unknown ids are absent.
func (db *DB) spanRowIDs(ctx context.Context, tx *sql.Tx, examples []ember.NewExample) (map[string]int64, error) {
	var ids []string
	seen := map[string]bool{}
	for _, ex := range examples {
		if ex.SpanID != "" && !seen[ex.SpanID] {
			seen[ex.SpanID] = true
			ids = append(ids, ex.SpanID)
		}
	}
	out := map[string]int64{}
	err := chunks(ids, lookupChunk, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, span_id FROM spans WHERE `+db.spanIDMatch("spans", string(db.inList(nil, len(part))))+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var spanID string
			if err := rows.Scan(&id, &spanID); err != nil {
				return err
			}
			out[spanID] = id
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("find spans of examples: %w", err)
	}
	return out, nil
}

// linkUploadSplits puts uploaded examples in the splits they name, creating
// missing splits. exampleIDs gives each uploaded example's row id, 0 for an
// unchanged one, which is then found by content.
func (db *DB) linkUploadSplits(ctx context.Context, tx *sql.Tx, up *ember.DatasetUpload, exampleIDs []int64, datasetID int64, now int64) error {
	any := false
	for _, ex := range up.Examples {
		if len(ex.Splits) > 0 {
			any = true
			break
		}
	}
	if !any {
		return nil
	}
	if exampleIDs == nil {
		exampleIDs = make([]int64, len(up.Examples))
	}
	// Unchanged examples: find them by external id or content hash.
	var unresolved bool
	for i := range up.Examples {
		if exampleIDs[i] == 0 && len(up.Examples[i].Splits) > 0 {
			unresolved = true
		}
	}
	if unresolved {
		byExternal := map[string]int64{}
		byHash := map[string][]int64{}
		rows, err := tx.QueryContext(ctx, `SELECT e.id, e.external_id, r.content_hash FROM dataset_examples e
JOIN dataset_example_revisions r ON r.id = (SELECT r2.id FROM dataset_example_revisions r2 WHERE r2.dataset_example_id = e.id ORDER BY r2.dataset_version_id DESC LIMIT 1)
WHERE e.dataset_id = $1 AND r.revision_kind <> 'DELETE'`, datasetID)
		if err != nil {
			return fmt.Errorf("read examples for splits: %w", err)
		}
		for rows.Next() {
			var id int64
			var external sql.NullString
			var hash string
			if err := rows.Scan(&id, &external, &hash); err != nil {
				rows.Close()
				return err
			}
			if external.Valid {
				byExternal[external.String] = id
			}
			byHash[hash] = append(byHash[hash], id)
		}
		rows.Close()
		for i, ex := range up.Examples {
			if exampleIDs[i] != 0 || len(ex.Splits) == 0 {
				continue
			}
			if id, ok := byExternal[ex.ExampleID]; ok && ex.ExampleID != "" {
				exampleIDs[i] = id
			} else if _, id, err := ember.ParseGlobalID(ex.ExampleID); err == nil && ex.ExampleID != "" {
				exampleIDs[i] = id
			} else if ids := byHash[ContentHash(ex.Input, ex.Output, ex.Metadata)]; len(ids) > 0 {
				exampleIDs[i] = ids[0]
				byHash[ContentHash(ex.Input, ex.Output, ex.Metadata)] = ids[1:]
			}
		}
	}
	splitIDs := map[string]int64{}
	for i, ex := range up.Examples {
		for _, name := range ex.Splits {
			id, ok := splitIDs[name]
			if !ok {
				var err error
				if id, err = db.ensureSplit(ctx, tx, name, now); err != nil {
					return err
				}
				splitIDs[name] = id
			}
			if exampleIDs[i] == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dataset_splits_dataset_examples (dataset_split_id, dataset_example_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, exampleIDs[i]); err != nil {
				return fmt.Errorf("link split: %w", err)
			}
		}
	}
	return nil
}

// ensureSplit returns the row id of the split named name, creating it.
func (db *DB) ensureSplit(ctx context.Context, tx *sql.Tx, name string, now int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM dataset_splits WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO dataset_splits (name, color, metadata, created_at, updated_at) VALUES ($1, $2, '{}', $3, $3) RETURNING id`, name, defaultSplitColor, now).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("ensure split %q: %w", name, err)
	}
	return id, nil
}

// defaultSplitColor is the colour of a split created without one.
const defaultSplitColor = "#808080"
