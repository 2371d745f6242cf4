package ember

import (
	"context"
	"encoding/json"
	"time"
)

// Experiment runs a task over the examples of one dataset version, Repetitions
// times each, and scores the runs with evaluations. The examples are fixed
// when the experiment is created; the task's traces go to the project named
// ProjectName, created with the experiment.
type Experiment struct {
	ID          int64
	DatasetID   int64
	VersionID   int64
	Name        string
	Description *string
	Repetitions int
	Metadata    json.RawMessage // a JSON object
	ProjectName string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// ExampleCount is the number of examples the experiment covers;
	// SuccessfulRunCount and FailedRunCount count its runs without and
	// with an error.
	ExampleCount       int64
	SuccessfulRunCount int64
	FailedRunCount     int64
}

// MissingRunCount is the number of runs still to be recorded.
func (e *Experiment) MissingRunCount() int64 {
	return e.ExampleCount*int64(e.Repetitions) - e.SuccessfulRunCount - e.FailedRunCount
}

// NewExperiment describes an experiment to create.
type NewExperiment struct {
	DatasetID int64
	// VersionID is the dataset version to run over; 0 means the latest.
	VersionID   int64
	Name        string // "" generates one from the dataset's name
	Description *string
	Metadata    json.RawMessage // nil means {}
	Repetitions int             // at least 1
	// SplitIDs keeps the examples in any of these splits; empty keeps all.
	SplitIDs []int64
}

// ExperimentUpdate holds the changes to an experiment; nil fields stay.
type ExperimentUpdate struct {
	Name             *string
	Description      *string
	ClearDescription bool
	Metadata         json.RawMessage
}

// ExperimentRun is one execution of the task on one example.
type ExperimentRun struct {
	ID               int64
	ExperimentID     int64
	ExampleID        int64
	RepetitionNumber int
	// Output is the task's output, any JSON value.
	Output    json.RawMessage
	StartTime time.Time
	EndTime   time.Time
	TraceID   *string
	Error     *string // nil for a successful run
}

// ExperimentEvaluation scores one run under one name.
type ExperimentEvaluation struct {
	ID            int64
	RunID         int64
	Name          string
	AnnotatorKind string // LLM, CODE or HUMAN
	Label         *string
	Score         *float64
	Explanation   *string
	Error         *string
	TraceID       *string
	Metadata      json.RawMessage // a JSON object
	StartTime     time.Time
	EndTime       time.Time
}

// ExperimentTag names one experiment of a dataset, such as "baseline".
// A name is unique within a dataset.
type ExperimentTag struct {
	ID           int64
	ExperimentID int64
	Name         string
	Description  *string
}

// IncompleteRun is an example that lacks a successful run for some
// repetitions.
type IncompleteRun struct {
	Example     DatasetExample
	Repetitions []int
}

// IncompleteEvaluation is a successful run that lacks a successful
// evaluation under some names.
type IncompleteEvaluation struct {
	Run     ExperimentRun
	Example DatasetExample
	Names   []string
}

// ExperimentRecord is a run with its example and evaluations, as downloads
// show it.
type ExperimentRecord struct {
	Run         ExperimentRun
	Example     DatasetExample
	Evaluations []ExperimentEvaluation // by name
	// PromptTokens and CompletionTokens sum the LLM token counts of the
	// run's trace; nil when the run has no trace or it is not stored.
	PromptTokens, CompletionTokens *int64
}

// ExperimentService manages experiments, their runs, evaluations and tags.
type ExperimentService interface {
	// CreateExperiment creates an experiment and its project. Returns
	// ENOTFOUND if the dataset or version does not exist.
	CreateExperiment(ctx context.Context, e *NewExperiment) (*Experiment, error)
	// FindExperimentByID returns ENOTFOUND if there is no such experiment.
	FindExperimentByID(ctx context.Context, id int64) (*Experiment, error)
	// FindExperiments lists a dataset's experiments newest first, from
	// cursor (a row id, 0 for the start); limit 0 is no cap.
	FindExperiments(ctx context.Context, datasetID, cursor int64, limit int) ([]*Experiment, error)
	// UpdateExperiment applies upd; ENOTFOUND if there is no experiment.
	UpdateExperiment(ctx context.Context, id int64, upd ExperimentUpdate) (*Experiment, error)
	// DeleteExperiment deletes an experiment with its runs, evaluations and
	// tags, and its project too when deleteProject is set. Returns
	// ENOTFOUND if there is no such experiment.
	DeleteExperiment(ctx context.Context, id int64, deleteProject bool) error

	// RecordExperimentRun stores a run, replacing an errored run of the
	// same example and repetition, and sets its ID. Returns ECONFLICT when
	// that run already succeeded, ENOTFOUND when the example is not one of
	// the experiment's.
	RecordExperimentRun(ctx context.Context, run *ExperimentRun) error
	// FindExperimentRuns lists runs newest first from cursor (0 for the
	// start); limit 0 is no cap.
	FindExperimentRuns(ctx context.Context, experimentID, cursor int64, limit int) ([]*ExperimentRun, error)
	// FindIncompleteRuns lists, by example row id from cursor, the examples
	// lacking a successful run for some repetition.
	FindIncompleteRuns(ctx context.Context, experimentID, cursor int64, limit int) ([]*IncompleteRun, error)
	// FindIncompleteEvaluations lists, by run row id from cursor, the
	// successful runs lacking a successful evaluation under some of names.
	FindIncompleteEvaluations(ctx context.Context, experimentID int64, names []string, cursor int64, limit int) ([]*IncompleteEvaluation, error)
	// UpsertExperimentEvaluation stores ev, replacing the run's evaluation
	// of the same name, and sets its ID. Returns ENOTFOUND if the run does
	// not exist.
	UpsertExperimentEvaluation(ctx context.Context, ev *ExperimentEvaluation) error
	// FindExperimentRecords returns every run with its example and
	// evaluations, by example row id and repetition.
	FindExperimentRecords(ctx context.Context, experimentID int64) ([]*ExperimentRecord, error)

	// FindExperimentTags returns an experiment's tags by name.
	FindExperimentTags(ctx context.Context, experimentID int64) ([]*ExperimentTag, error)
	// SetExperimentTag puts the tag name on the experiment, moving it from
	// another experiment of the dataset if one has it.
	SetExperimentTag(ctx context.Context, experimentID int64, name string, description *string) (*ExperimentTag, error)
	// DeleteExperimentTag removes a tag given by row id (when byID) or by
	// name; ENOTFOUND if the experiment has no such tag.
	DeleteExperimentTag(ctx context.Context, experimentID int64, name string, id int64, byID bool) error
}
