package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the experiment service.
var _ ember.ExperimentService = (*DB)(nil)

// experimentColumns reads an experiment with its counts. The counts are
// computed per read: the snapshot's primary key and the runs' unique index
// both lead with the experiment id, so each is one index range.
const experimentColumns = `x.id, x.dataset_id, x.dataset_version_id, x.name, x.description, x.repetitions, x.metadata, x.project_name, x.created_at, x.updated_at,
	(SELECT COUNT(*) FROM experiments_dataset_examples s WHERE s.experiment_id = x.id),
	(SELECT COUNT(*) FROM experiment_runs r WHERE r.experiment_id = x.id AND r.error IS NULL),
	(SELECT COUNT(*) FROM experiment_runs r WHERE r.experiment_id = x.id AND r.error IS NOT NULL)`

func scanExperiment(row rowScanner) (*ember.Experiment, error) {
	var e ember.Experiment
	var description sql.NullString
	var metadata string
	var created, updated int64
	if err := row.Scan(&e.ID, &e.DatasetID, &e.VersionID, &e.Name, &description, &e.Repetitions, &metadata, &e.ProjectName, &created, &updated,
		&e.ExampleCount, &e.SuccessfulRunCount, &e.FailedRunCount); err != nil {
		return nil, err
	}
	if description.Valid {
		e.Description = &description.String
	}
	e.Metadata = json.RawMessage(metadata)
	e.CreatedAt, e.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &e, nil
}

func experimentNotFound(id int64) error {
	return ember.Errorf(ember.ENOTFOUND, "Experiment with ID %s does not exist", ember.GlobalID("Experiment", id))
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// experimentName makes a name from a dataset's: its first eight characters
// with spaces as dashes, then eight random hex digits.
func experimentName(dataset string) string {
	short := []rune(dataset)
	if len(short) > 8 {
		short = short[:8]
	}
	return strings.ReplaceAll(string(short), " ", "-") + "-" + randomHex(4)
}

// CreateExperiment creates an experiment, fixes the examples it covers and
// creates its project. See ember.ExperimentService.
func (db *DB) CreateExperiment(ctx context.Context, ne *ember.NewExperiment) (*ember.Experiment, error) {
	d, err := db.FindDatasetByID(ctx, ne.DatasetID)
	if err != nil {
		return nil, err
	}
	version, err := db.FindDatasetVersion(ctx, ne.DatasetID, ne.VersionID)
	if err != nil {
		return nil, err
	}
	if ne.Repetitions < 1 {
		return nil, ember.Errorf(ember.EUNPROCESSABLE, "repetitions must be at least 1")
	}
	name := ne.Name
	if name == "" {
		name = experimentName(d.Name)
	}
	metadata := ne.Metadata
	if len(metadata) == 0 {
		metadata = json.RawMessage("{}")
	}
	project := "Experiment-" + randomHex(12)
	projectDescription := fmt.Sprintf("dataset_id: %s\ndataset_version_id: %s", ember.GlobalID("Dataset", d.ID), ember.GlobalID("DatasetVersion", version.ID))
	now := nanos(db.Now())
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO experiments (dataset_id, dataset_version_id, name, description, repetitions, metadata, project_name, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			d.ID, version.ID, name, ne.Description, ne.Repetitions, string(metadata), project, now).Scan(&id); err != nil {
			return fmt.Errorf("insert experiment: %w", err)
		}
		q := `INSERT INTO experiments_dataset_examples (experiment_id, dataset_example_id, dataset_example_revision_id)
SELECT $3, e.id, r.id FROM dataset_examples e
JOIN dataset_example_revisions r ON r.id = ` + asOfRevision + `
WHERE e.dataset_id = $1 AND r.revision_kind <> 'DELETE'`
		args := []any{d.ID, version.ID, id}
		if len(ne.SplitIDs) > 0 {
			q += ` AND EXISTS (SELECT 1 FROM dataset_splits_dataset_examples sx WHERE sx.dataset_example_id = e.id AND sx.dataset_split_id IN (`
			for i, sid := range ne.SplitIDs {
				if i > 0 {
					q += ","
				}
				args = append(args, sid)
				q += fmt.Sprintf("$%d", len(args))
			}
			q += `))`
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("fix experiment examples: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO projects (name, description, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING`,
			project, projectDescription, now); err != nil {
			return fmt.Errorf("create experiment project: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.FindExperimentByID(ctx, id)
}

// FindExperimentByID returns ENOTFOUND if there is no such experiment.
func (db *DB) FindExperimentByID(ctx context.Context, id int64) (*ember.Experiment, error) {
	e, err := scanExperiment(db.read.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments x WHERE x.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, experimentNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find experiment: %w", err)
	}
	return e, nil
}

// FindExperiments lists a dataset's experiments, newest first.
func (db *DB) FindExperiments(ctx context.Context, datasetID, cursor int64, limit int) ([]*ember.Experiment, error) {
	q := `SELECT ` + experimentColumns + ` FROM experiments x WHERE x.dataset_id = $1`
	args := []any{datasetID}
	if cursor > 0 {
		args = append(args, cursor)
		q += fmt.Sprintf(` AND x.id <= $%d`, len(args))
	}
	q += ` ORDER BY x.id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find experiments", q, args, scanExperiment)
}

// UpdateExperiment applies upd. See ember.ExperimentService.
func (db *DB) UpdateExperiment(ctx context.Context, id int64, upd ember.ExperimentUpdate) (*ember.Experiment, error) {
	sets := []string{}
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if upd.Name != nil {
		set("name", *upd.Name)
	}
	if upd.ClearDescription {
		set("description", nil)
	} else if upd.Description != nil {
		set("description", *upd.Description)
	}
	if upd.Metadata != nil {
		set("metadata", string(upd.Metadata))
	}
	set("updated_at", nanos(db.Now()))
	args = append(args, id)
	res, err := db.write.ExecContext(ctx, `UPDATE experiments SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("update experiment: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil, experimentNotFound(id)
	}
	return db.FindExperimentByID(ctx, id)
}

// DeleteExperiment deletes an experiment and, when asked, its project.
func (db *DB) DeleteExperiment(ctx context.Context, id int64, deleteProject bool) error {
	var project string
	err := db.write.QueryRowContext(ctx, `DELETE FROM experiments WHERE id = $1 RETURNING project_name`, id).Scan(&project)
	if errors.Is(err, sql.ErrNoRows) {
		return experimentNotFound(id)
	} else if err != nil {
		return fmt.Errorf("delete experiment: %w", err)
	}
	if deleteProject {
		return db.deleteProjectsNamed(ctx, []string{project})
	}
	return nil
}

// deleteProjectsNamed deletes the named projects that exist and no other
// experiment still sends traces to.
func (db *DB) deleteProjectsNamed(ctx context.Context, names []string) error {
	for _, name := range names {
		var id int64
		err := db.read.QueryRowContext(ctx, `SELECT p.id FROM projects p WHERE p.name = $1 AND NOT EXISTS (SELECT 1 FROM experiments x WHERE x.project_name = p.name)`, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("find experiment project: %w", err)
		}
		if err := db.DeleteProject(ctx, id); err != nil && ember.ErrorCode(err) != ember.ENOTFOUND && ember.ErrorCode(err) != ember.EFORBIDDEN {
			return err
		}
	}
	return nil
}

// experimentProjects returns the project names of a dataset's experiments.
func (db *DB) experimentProjects(ctx context.Context, datasetID int64) ([]string, error) {
	return queryAll(ctx, db.read, "find experiment projects", `SELECT project_name FROM experiments WHERE dataset_id = $1`, []any{datasetID}, func(r rowScanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
}

const runColumns = `r.id, r.experiment_id, r.dataset_example_id, r.repetition_number, r.trace_id, r.output, r.start_time, r.end_time, r.error`

func scanRun(row rowScanner, run *ember.ExperimentRun, extra ...any) error {
	var trace, errText sql.NullString
	var output []byte
	var start, end int64
	dest := append([]any{&run.ID, &run.ExperimentID, &run.ExampleID, &run.RepetitionNumber, &trace, &output, &start, &end, &errText}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	run.TraceID, run.Error = nullString(trace), nullString(errText)
	run.Output = taskOutput(output)
	run.StartTime, run.EndTime = fromNanos(start), fromNanos(end)
	return nil
}

func nullInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// taskOutput unwraps the stored {"task_output": ...} object.
func taskOutput(stored []byte) json.RawMessage {
	var wrapper struct {
		TaskOutput json.RawMessage `json:"task_output"`
	}
	if err := json.Unmarshal(stored, &wrapper); err != nil || len(wrapper.TaskOutput) == 0 {
		return json.RawMessage("null")
	}
	return wrapper.TaskOutput
}

// RecordExperimentRun stores a run. See ember.ExperimentService.
func (db *DB) RecordExperimentRun(ctx context.Context, run *ember.ExperimentRun) error {
	output := run.Output
	if len(output) == 0 {
		output = json.RawMessage("null")
	}
	wrapped, err := json.Marshal(map[string]json.RawMessage{"task_output": output})
	if err != nil {
		return ember.Errorf(ember.EUNPROCESSABLE, "output is not valid JSON")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM experiments_dataset_examples WHERE experiment_id = $1 AND dataset_example_id = $2`, run.ExperimentID, run.ExampleID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ember.Errorf(ember.ENOTFOUND, "DatasetExample with ID %s does not exist in experiment %s", ember.GlobalID("DatasetExample", run.ExampleID), ember.GlobalID("Experiment", run.ExperimentID))
		} else if err != nil {
			return fmt.Errorf("find experiment example: %w", err)
		}
		// An errored run is replaced; a successful one stays. The
		// evaluations of a replaced run scored an output that is gone.
		if _, err := tx.ExecContext(ctx, `DELETE FROM experiment_run_annotations WHERE experiment_run_id IN
(SELECT id FROM experiment_runs WHERE experiment_id = $1 AND dataset_example_id = $2 AND repetition_number = $3 AND error IS NOT NULL)`,
			run.ExperimentID, run.ExampleID, run.RepetitionNumber); err != nil {
			return fmt.Errorf("drop evaluations of replaced run: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO experiment_runs (experiment_id, dataset_example_id, repetition_number, trace_id, output, start_time, end_time, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (experiment_id, dataset_example_id, repetition_number) DO UPDATE SET
trace_id = excluded.trace_id, output = excluded.output, start_time = excluded.start_time, end_time = excluded.end_time, error = excluded.error
WHERE experiment_runs.error IS NOT NULL
RETURNING id`, run.ExperimentID, run.ExampleID, run.RepetitionNumber, run.TraceID, string(wrapped), nanos(run.StartTime), nanos(run.EndTime), run.Error).Scan(&run.ID)
		if errors.Is(err, sql.ErrNoRows) {
			var existing int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM experiment_runs WHERE experiment_id = $1 AND dataset_example_id = $2 AND repetition_number = $3`,
				run.ExperimentID, run.ExampleID, run.RepetitionNumber).Scan(&existing); err != nil {
				return fmt.Errorf("find experiment run: %w", err)
			}
			return ember.Errorf(ember.ECONFLICT, "Experiment run %s already exists with a successful result and cannot be updated", ember.GlobalID("ExperimentRun", existing))
		} else if err != nil {
			return fmt.Errorf("record experiment run: %w", err)
		}
		return nil
	})
}

// FindExperimentRuns lists runs newest first.
func (db *DB) FindExperimentRuns(ctx context.Context, experimentID, cursor int64, limit int) ([]*ember.ExperimentRun, error) {
	q := `SELECT ` + runColumns + ` FROM experiment_runs r WHERE r.experiment_id = $1`
	args := []any{experimentID}
	if cursor > 0 {
		args = append(args, cursor)
		q += fmt.Sprintf(` AND r.id <= $%d`, len(args))
	}
	q += ` ORDER BY r.id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find experiment runs", q, args, func(r rowScanner) (*ember.ExperimentRun, error) {
		var run ember.ExperimentRun
		return &run, scanRun(r, &run)
	})
}

// snapshotExample reads the example columns of a snapshot row joined as
// e (dataset_examples) and v (its revision).
const snapshotExampleColumns = `e.id, e.dataset_id, e.external_id, v.id, v.dataset_version_id, v.input, v.output, v.metadata, v.created_at`

func exampleDest(ex *ember.DatasetExample, external *sql.NullString, created *int64) []any {
	return []any{&ex.ID, &ex.DatasetID, external, &ex.RevisionID, &ex.VersionID, (*[]byte)(&ex.Input), (*[]byte)(&ex.Output), (*[]byte)(&ex.Metadata), created}
}

func finishExample(ex *ember.DatasetExample, external sql.NullString, created int64) {
	ex.ExternalID = external.String
	ex.UpdatedAt = fromNanos(created)
}

// FindIncompleteRuns lists examples lacking successful runs.
func (db *DB) FindIncompleteRuns(ctx context.Context, experimentID, cursor int64, limit int) ([]*ember.IncompleteRun, error) {
	x, err := db.FindExperimentByID(ctx, experimentID)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + snapshotExampleColumns + ` FROM experiments_dataset_examples s
JOIN dataset_examples e ON e.id = s.dataset_example_id
JOIN dataset_example_revisions v ON v.id = s.dataset_example_revision_id
WHERE s.experiment_id = $1 AND s.dataset_example_id >= $2
AND (SELECT COUNT(*) FROM experiment_runs r WHERE r.experiment_id = s.experiment_id AND r.dataset_example_id = s.dataset_example_id AND r.error IS NULL AND r.repetition_number <= $3) < $3
ORDER BY s.dataset_example_id`
	args := []any{experimentID, cursor, x.Repetitions}
	if limit > 0 {
		args = append(args, limit)
		q += ` LIMIT $4`
	}
	out, err := queryAll(ctx, db.read, "find incomplete runs", q, args, func(r rowScanner) (*ember.IncompleteRun, error) {
		var ir ember.IncompleteRun
		var external sql.NullString
		var created int64
		if err := r.Scan(exampleDest(&ir.Example, &external, &created)...); err != nil {
			return nil, err
		}
		finishExample(&ir.Example, external, created)
		return &ir, nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	// The repetitions that succeeded, for the examples of the page.
	done := map[int64]map[int]bool{}
	ids := make([]any, len(out))
	for i, ir := range out {
		ids[i] = ir.Example.ID
	}
	pairs, err := queryAll(ctx, db.read, "find successful runs",
		`SELECT dataset_example_id, repetition_number FROM experiment_runs WHERE error IS NULL AND experiment_id = `+strconv.FormatInt(experimentID, 10)+` AND dataset_example_id IN (`+string(db.inList(nil, len(ids)))+`)`, ids,
		func(r rowScanner) ([2]int64, error) {
			var p [2]int64
			return p, r.Scan(&p[0], &p[1])
		})
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if done[p[0]] == nil {
			done[p[0]] = map[int]bool{}
		}
		done[p[0]][int(p[1])] = true
	}
	for _, ir := range out {
		for rep := 1; rep <= x.Repetitions; rep++ {
			if !done[ir.Example.ID][rep] {
				ir.Repetitions = append(ir.Repetitions, rep)
			}
		}
	}
	return out, nil
}

// FindIncompleteEvaluations lists successful runs lacking evaluations.
func (db *DB) FindIncompleteEvaluations(ctx context.Context, experimentID int64, names []string, cursor int64, limit int) ([]*ember.IncompleteEvaluation, error) {
	if _, err := db.FindExperimentByID(ctx, experimentID); err != nil {
		return nil, err
	}
	args := []any{experimentID, cursor, len(names)}
	in := make([]string, len(names))
	for i, n := range names {
		args = append(args, n)
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	q := `SELECT ` + runColumns + `, ` + snapshotExampleColumns + ` FROM experiment_runs r
JOIN experiments_dataset_examples s ON s.experiment_id = r.experiment_id AND s.dataset_example_id = r.dataset_example_id
JOIN dataset_examples e ON e.id = s.dataset_example_id
JOIN dataset_example_revisions v ON v.id = s.dataset_example_revision_id
WHERE r.experiment_id = $1 AND r.id >= $2 AND r.error IS NULL
AND (SELECT COUNT(*) FROM experiment_run_annotations a WHERE a.experiment_run_id = r.id AND a.error IS NULL AND a.name IN (` + strings.Join(in, ",") + `)) < $3
ORDER BY r.id`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	out, err := queryAll(ctx, db.read, "find incomplete evaluations", q, args, func(r rowScanner) (*ember.IncompleteEvaluation, error) {
		var ie ember.IncompleteEvaluation
		var external sql.NullString
		var created int64
		if err := scanRun(r, &ie.Run, exampleDest(&ie.Example, &external, &created)...); err != nil {
			return nil, err
		}
		finishExample(&ie.Example, external, created)
		return &ie, nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	evals, err := db.evaluationsOf(ctx, runIDs(out, func(ie *ember.IncompleteEvaluation) int64 { return ie.Run.ID }))
	if err != nil {
		return nil, err
	}
	for _, ie := range out {
		good := map[string]bool{}
		for _, ev := range evals[ie.Run.ID] {
			if ev.Error == nil {
				good[ev.Name] = true
			}
		}
		for _, n := range names {
			if !good[n] {
				ie.Names = append(ie.Names, n)
			}
		}
		slices.Sort(ie.Names)
	}
	return out, nil
}

func runIDs[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

const evaluationColumns = `id, experiment_run_id, name, annotator_kind, label, score, explanation, trace_id, error, metadata, start_time, end_time`

func scanEvaluation(row rowScanner) (ember.ExperimentEvaluation, error) {
	var ev ember.ExperimentEvaluation
	var label, explanation, trace, errText sql.NullString
	var score sql.NullFloat64
	var metadata string
	var start, end int64
	if err := row.Scan(&ev.ID, &ev.RunID, &ev.Name, &ev.AnnotatorKind, &label, &score, &explanation, &trace, &errText, &metadata, &start, &end); err != nil {
		return ev, err
	}
	ev.Label, ev.Explanation, ev.TraceID, ev.Error = nullString(label), nullString(explanation), nullString(trace), nullString(errText)
	if score.Valid {
		ev.Score = &score.Float64
	}
	ev.Metadata = json.RawMessage(metadata)
	ev.StartTime, ev.EndTime = fromNanos(start), fromNanos(end)
	return ev, nil
}

// evaluationsOf returns the evaluations of runs by run id, by name.
func (db *DB) evaluationsOf(ctx context.Context, runs []int64) (map[int64][]ember.ExperimentEvaluation, error) {
	out := map[int64][]ember.ExperimentEvaluation{}
	err := chunks(runs, lookupChunk, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		evs, err := queryAll(ctx, db.read, "find evaluations", `SELECT `+evaluationColumns+` FROM experiment_run_annotations WHERE experiment_run_id IN (`+string(db.inList(nil, len(part)))+`) ORDER BY experiment_run_id, name`, args, scanEvaluation)
		for _, ev := range evs {
			out[ev.RunID] = append(out[ev.RunID], ev)
		}
		return err
	})
	return out, err
}

// UpsertExperimentEvaluation stores an evaluation. See
// ember.ExperimentService.
func (db *DB) UpsertExperimentEvaluation(ctx context.Context, ev *ember.ExperimentEvaluation) error {
	metadata := ev.Metadata
	if len(metadata) == 0 {
		metadata = json.RawMessage("{}")
	}
	if err := db.experimentRunExists(ctx, ev.RunID); err != nil {
		return err
	}
	err := db.write.QueryRowContext(ctx, `INSERT INTO experiment_run_annotations (experiment_run_id, name, annotator_kind, label, score, explanation, trace_id, error, metadata, start_time, end_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (experiment_run_id, name) DO UPDATE SET annotator_kind = excluded.annotator_kind, label = excluded.label, score = excluded.score,
explanation = excluded.explanation, trace_id = excluded.trace_id, error = excluded.error, metadata = excluded.metadata,
start_time = excluded.start_time, end_time = excluded.end_time
RETURNING id`, ev.RunID, ev.Name, ev.AnnotatorKind, ev.Label, ev.Score, ev.Explanation, ev.TraceID, ev.Error, string(metadata), nanos(ev.StartTime), nanos(ev.EndTime)).Scan(&ev.ID)
	if err != nil {
		// The run may have been deleted between the check and the write.
		if ferr := db.experimentRunExists(ctx, ev.RunID); ferr != nil {
			return ferr
		}
		return fmt.Errorf("upsert experiment evaluation: %w", err)
	}
	return nil
}

// experimentRunExists returns ENOTFOUND unless the run exists.
func (db *DB) experimentRunExists(ctx context.Context, id int64) error {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM experiment_runs WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ember.Errorf(ember.ENOTFOUND, "ExperimentRun with ID %s does not exist", ember.GlobalID("ExperimentRun", id))
	} else if err != nil {
		return fmt.Errorf("find experiment run: %w", err)
	}
	return nil
}

// FindExperimentRecords returns the runs with examples and evaluations.
func (db *DB) FindExperimentRecords(ctx context.Context, experimentID int64) ([]*ember.ExperimentRecord, error) {
	if _, err := db.FindExperimentByID(ctx, experimentID); err != nil {
		return nil, err
	}
	// The token counts are the totals ingestion keeps on the run's trace;
	// a trace not stored leaves them NULL.
	out, err := queryAll(ctx, db.read, "find experiment records", `SELECT `+runColumns+`, `+snapshotExampleColumns+`,
t.llm_token_count_prompt, t.llm_token_count_completion
FROM experiment_runs r
LEFT JOIN traces t ON t.trace_id = r.trace_id
JOIN experiments_dataset_examples s ON s.experiment_id = r.experiment_id AND s.dataset_example_id = r.dataset_example_id
JOIN dataset_examples e ON e.id = s.dataset_example_id
JOIN dataset_example_revisions v ON v.id = s.dataset_example_revision_id
WHERE r.experiment_id = $1 ORDER BY r.dataset_example_id, r.repetition_number`, []any{experimentID}, func(r rowScanner) (*ember.ExperimentRecord, error) {
		var rec ember.ExperimentRecord
		var external sql.NullString
		var created int64
		var prompt, completion sql.NullInt64
		if err := scanRun(r, &rec.Run, append(exampleDest(&rec.Example, &external, &created), &prompt, &completion)...); err != nil {
			return nil, err
		}
		finishExample(&rec.Example, external, created)
		rec.PromptTokens, rec.CompletionTokens = nullInt64(prompt), nullInt64(completion)
		return &rec, nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	evals, err := db.evaluationsOf(ctx, runIDs(out, func(r *ember.ExperimentRecord) int64 { return r.Run.ID }))
	if err != nil {
		return nil, err
	}
	for _, rec := range out {
		rec.Evaluations = evals[rec.Run.ID]
	}
	return out, nil
}

func scanTag(row rowScanner) (*ember.ExperimentTag, error) {
	var t ember.ExperimentTag
	var description sql.NullString
	if err := row.Scan(&t.ID, &t.ExperimentID, &t.Name, &description); err != nil {
		return nil, err
	}
	t.Description = nullString(description)
	return &t, nil
}

// FindExperimentTags returns an experiment's tags by name.
func (db *DB) FindExperimentTags(ctx context.Context, experimentID int64) ([]*ember.ExperimentTag, error) {
	if _, err := db.FindExperimentByID(ctx, experimentID); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.read, "find experiment tags", `SELECT id, experiment_id, name, description FROM experiment_tags WHERE experiment_id = $1 ORDER BY name`, []any{experimentID}, scanTag)
}

// SetExperimentTag puts a tag on an experiment, moving it within the
// dataset.
func (db *DB) SetExperimentTag(ctx context.Context, experimentID int64, name string, description *string) (*ember.ExperimentTag, error) {
	x, err := db.FindExperimentByID(ctx, experimentID)
	if err != nil {
		return nil, err
	}
	t := &ember.ExperimentTag{ExperimentID: experimentID, Name: name, Description: description}
	err = db.write.QueryRowContext(ctx, `INSERT INTO experiment_tags (experiment_id, dataset_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (dataset_id, name) DO UPDATE SET experiment_id = excluded.experiment_id, description = excluded.description
RETURNING id`, experimentID, x.DatasetID, name, description, nanos(db.Now())).Scan(&t.ID)
	if err != nil {
		return nil, fmt.Errorf("set experiment tag: %w", err)
	}
	return t, nil
}

// DeleteExperimentTag removes a tag by id or name.
func (db *DB) DeleteExperimentTag(ctx context.Context, experimentID int64, name string, id int64, byID bool) error {
	q, arg := `DELETE FROM experiment_tags WHERE experiment_id = $1 AND name = $2`, any(name)
	if byID {
		q, arg = `DELETE FROM experiment_tags WHERE experiment_id = $1 AND id = $2`, id
	}
	res, err := db.write.ExecContext(ctx, q, experimentID, arg)
	if err != nil {
		return fmt.Errorf("delete experiment tag: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		what := name
		if byID {
			what = ember.GlobalID("ExperimentTag", id)
		}
		return ember.Errorf(ember.ENOTFOUND, "Experiment tag %s not found", what)
	}
	return nil
}
