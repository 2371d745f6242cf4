package api

import "encoding/json"

// Dataset is a versioned collection of examples. ID is a Dataset GlobalID;
// ExampleCount counts the examples of the latest version.
type Dataset struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Description  *string         `json:"description"`
	Metadata     json.RawMessage `json:"metadata"`
	CreatedAt    Time            `json:"created_at"`
	UpdatedAt    Time            `json:"updated_at"`
	ExampleCount int64           `json:"example_count"`
}

// DatasetVersion is one state of a dataset; VersionID is a DatasetVersion
// GlobalID.
type DatasetVersion struct {
	VersionID   string          `json:"version_id"`
	Description *string         `json:"description"`
	Metadata    json.RawMessage `json:"metadata"`
	CreatedAt   Time            `json:"created_at"`
}

// DatasetExample is an example as of a version. ID is the example id given
// at upload, or else the GlobalID; NodeID is always the DatasetExample
// GlobalID, which experiment runs name the example by.
type DatasetExample struct {
	ID        string                `json:"id"`
	NodeID    string                `json:"node_id"`
	Input     json.RawMessage       `json:"input"`
	Output    json.RawMessage       `json:"output"`
	Metadata  json.RawMessage       `json:"metadata"`
	UpdatedAt Time                  `json:"updated_at"`
	Source    *DatasetExampleSource `json:"source,omitempty"`
}

// DatasetExampleSource names the span an example was made from.
type DatasetExampleSource struct {
	SpanID     string `json:"span_id"`
	SpanNodeID string `json:"span_node_id"`
}

// DatasetExamples is the reply of GET /v1/datasets/{id}/examples, inside an
// Envelope.
type DatasetExamples struct {
	DatasetID      string           `json:"dataset_id"`
	VersionID      string           `json:"version_id"`
	FilteredSplits []string         `json:"filtered_splits"`
	Examples       []DatasetExample `json:"examples"`
}

// Upload actions.
const (
	UploadCreate = "create" // a new dataset; 409 if the name is taken
	UploadAppend = "append" // add and change examples, never delete
	UploadUpdate = "update" // make the dataset hold exactly these examples
)

// UploadDatasetRequest is the JSON body of POST /v1/datasets/upload. The
// lists run in parallel with Inputs; nil lists are left out.
type UploadDatasetRequest struct {
	Action      string            `json:"action,omitempty"`
	Name        string            `json:"name"`
	Description *string           `json:"description,omitempty"`
	Inputs      []json.RawMessage `json:"inputs"`
	Outputs     []json.RawMessage `json:"outputs,omitempty"`
	Metadata    []json.RawMessage `json:"metadata,omitempty"`
	// Splits holds, per example, a list of split names (nil for none).
	Splits [][]string `json:"splits,omitempty"`
	// SpanIDs holds, per example, the OTel span id it came from ("" for
	// none, sent as null).
	SpanIDs []*string `json:"span_ids,omitempty"`
	// ExampleIDs holds, per example, a stable id (nil for none).
	ExampleIDs []*string `json:"example_ids,omitempty"`
}

// UploadDatasetResult is the reply of a sync upload, inside an Envelope.
// VersionID is the latest version when nothing changed.
type UploadDatasetResult struct {
	DatasetID          string `json:"dataset_id"`
	VersionID          string `json:"version_id"`
	NumCreatedExamples int    `json:"num_created_examples"`
	NumUpdatedExamples int    `json:"num_updated_examples"`
	NumDeletedExamples int    `json:"num_deleted_examples"`
}
