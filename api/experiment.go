package api

import "encoding/json"

// Experiment runs a task over the examples of one dataset version,
// Repetitions times each. ProjectName is the project that receives the
// task's traces.
type Experiment struct {
	ID                 string          `json:"id"`
	DatasetID          string          `json:"dataset_id"`
	DatasetVersionID   string          `json:"dataset_version_id"`
	Name               string          `json:"name"`
	Description        *string         `json:"description"`
	Repetitions        int             `json:"repetitions"`
	Metadata           json.RawMessage `json:"metadata"`
	ProjectName        *string         `json:"project_name"`
	CreatedAt          Time            `json:"created_at"`
	UpdatedAt          Time            `json:"updated_at"`
	ExampleCount       int64           `json:"example_count"`
	SuccessfulRunCount int64           `json:"successful_run_count"`
	FailedRunCount     int64           `json:"failed_run_count"`
	MissingRunCount    int64           `json:"missing_run_count"`
}

// CreateExperimentRequest is the body of POST
// /v1/datasets/{id}/experiments. Repetitions 0 is left out (the server
// takes 1).
type CreateExperimentRequest struct {
	Name        string          `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	VersionID   string          `json:"version_id,omitempty"`
	Splits      []string        `json:"splits,omitempty"`
	Repetitions int             `json:"repetitions,omitempty"`
}

// UpdateExperimentRequest is the body of PATCH /v1/experiments/{id}: nil
// fields are left out and stay as they are.
type UpdateExperimentRequest struct {
	Name        *string         `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// ExperimentRun is one run of the task on one example.
// DatasetExampleID is the example's node id.
type ExperimentRun struct {
	ID               string          `json:"id"`
	ExperimentID     string          `json:"experiment_id"`
	DatasetExampleID string          `json:"dataset_example_id"`
	Output           json.RawMessage `json:"output"`
	RepetitionNumber int             `json:"repetition_number"`
	StartTime        Time            `json:"start_time"`
	EndTime          Time            `json:"end_time"`
	TraceID          *string         `json:"trace_id"`
	Error            *string         `json:"error"`
}

// CreateExperimentRunRequest is the body of POST
// /v1/experiments/{id}/runs. Output is any JSON value (nil sends null).
type CreateExperimentRunRequest struct {
	DatasetExampleID string          `json:"dataset_example_id"`
	Output           json.RawMessage `json:"output"`
	RepetitionNumber int             `json:"repetition_number"`
	StartTime        Time            `json:"start_time"`
	EndTime          Time            `json:"end_time"`
	TraceID          *string         `json:"trace_id,omitempty"`
	Error            *string         `json:"error,omitempty"`
}

// EvaluationResult is what an evaluator concluded; any field may be nil.
type EvaluationResult struct {
	Label       *string  `json:"label,omitempty"`
	Score       *float64 `json:"score,omitempty"`
	Explanation *string  `json:"explanation,omitempty"`
}

// UpsertExperimentEvaluationRequest is the body of POST
// /v1/experiment_evaluations; Result, Error or both must be set.
type UpsertExperimentEvaluationRequest struct {
	ExperimentRunID string            `json:"experiment_run_id"`
	Name            string            `json:"name"`
	AnnotatorKind   string            `json:"annotator_kind"`
	StartTime       Time              `json:"start_time"`
	EndTime         Time              `json:"end_time"`
	Result          *EvaluationResult `json:"result,omitempty"`
	Error           *string           `json:"error,omitempty"`
	Metadata        json.RawMessage   `json:"metadata,omitempty"`
	TraceID         *string           `json:"trace_id,omitempty"`
}

// ID is the body of a write that returns the GlobalID it wrote, inside an
// Envelope.
type ID struct {
	ID string `json:"id"`
}

// IncompleteExperimentRun is an example that still needs runs for
// RepetitionNumbers.
type IncompleteExperimentRun struct {
	DatasetExample    DatasetExample `json:"dataset_example"`
	RepetitionNumbers []int          `json:"repetition_numbers"`
}

// IncompleteExperimentEvaluation is a successful run that still needs
// evaluations under EvaluationNames.
type IncompleteExperimentEvaluation struct {
	ExperimentRun   ExperimentRun  `json:"experiment_run"`
	DatasetExample  DatasetExample `json:"dataset_example"`
	EvaluationNames []string       `json:"evaluation_names"`
}

// ExperimentTag names one experiment of a dataset.
type ExperimentTag struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// SetExperimentTagRequest is the body of POST /v1/experiments/{id}/tags.
type SetExperimentTagRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}
