package ember

import (
	"context"
	"encoding/json"
	"time"
)

// Dataset is a named, versioned collection of examples. Its name is unique.
type Dataset struct {
	ID          int64
	Name        string
	Description *string         // nil when none was given
	Metadata    json.RawMessage // a JSON object
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// ExampleCount is the number of examples in the latest version.
	ExampleCount int64
}

// DatasetVersion is one state of a dataset. Every upload that changes
// something writes a new version; older versions stay readable.
type DatasetVersion struct {
	ID          int64
	DatasetID   int64
	Description *string
	Metadata    json.RawMessage
	CreatedAt   time.Time
	// ExampleCount is the number of examples as of this version.
	ExampleCount int64
}

// DatasetExample is an example as of one version: the content of its latest
// revision at or before that version.
type DatasetExample struct {
	ID         int64 // row id of the example
	DatasetID  int64
	ExternalID string // the caller's stable id; "" when none was given
	RevisionID int64  // row id of the revision shown
	VersionID  int64  // version that wrote the revision shown
	Input      json.RawMessage
	Output     json.RawMessage
	Metadata   json.RawMessage
	UpdatedAt  time.Time // when the revision shown was written
	// SpanRowID and SpanID name the span the example was made from; 0 and
	// "" when it has none or the span was deleted.
	SpanRowID int64
	SpanID    string
	// Splits names the splits the example belongs to, by name, when the
	// reader asked for them.
	Splits []string
}

// UploadAction says how an upload relates to an existing dataset.
type UploadAction string

// The upload actions.
const (
	// UploadCreate makes a new dataset; an existing name is ECONFLICT.
	UploadCreate UploadAction = "create"
	// UploadAppend adds examples (and changes those it matches by id) to a
	// dataset, creating it when missing. It never deletes examples.
	UploadAppend UploadAction = "append"
	// UploadUpdate makes the dataset hold exactly the uploaded examples,
	// creating it when missing: matched examples are kept or changed,
	// unmatched ones are deleted.
	UploadUpdate UploadAction = "update"
)

// NewExample is one uploaded example.
type NewExample struct {
	Input    json.RawMessage // a JSON object
	Output   json.RawMessage // a JSON object
	Metadata json.RawMessage // a JSON object
	// Splits names the splits the example is put in (created when missing).
	Splits []string
	// SpanID is the OTel id of the span the example comes from; unknown
	// spans are ignored.
	SpanID string
	// ExampleID identifies the example across uploads: an external id, or
	// the GlobalID of an example of the dataset. "" matches by content.
	ExampleID string
}

// DatasetUpload is a parsed upload.
type DatasetUpload struct {
	Action      UploadAction
	Name        string
	Description *string
	// Metadata is the dataset's own metadata, a JSON object: it replaces
	// the stored one when set; nil keeps it ({} for a new dataset).
	Metadata json.RawMessage
	Examples []NewExample
}

// UploadResult reports what an upload changed. VersionID is the new version,
// or the latest one when nothing changed.
type UploadResult struct {
	DatasetID int64
	VersionID int64
	Created   int
	Updated   int
	Deleted   int
}

// DatasetFilter selects datasets, newest first.
type DatasetFilter struct {
	Name   string // exact name; "" for any
	Cursor int64  // when non-zero, keeps row ids at most Cursor
	Limit  int    // 0 means no cap
}

// ExampleFilter selects the examples of a dataset as of a version.
type ExampleFilter struct {
	DatasetID int64
	// VersionID is the version to read; 0 means the latest.
	VersionID int64
	// SplitIDs keeps examples in any of these splits; empty keeps all.
	SplitIDs []int64
	// WithSplits fills DatasetExample.Splits.
	WithSplits bool
}

// DatasetSplit is a named subset of examples (train, test...). Split names
// are unique across datasets.
type DatasetSplit struct {
	ID           int64
	Name         string
	Description  *string
	Color        string
	Metadata     json.RawMessage
	ExampleCount int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DatasetSplitUpdate holds the changes to a split; nil fields stay.
type DatasetSplitUpdate struct {
	Name             *string
	Description      *string
	ClearDescription bool
	Color            *string
	Metadata         json.RawMessage
	AddExamples      []int64
	RemoveExamples   []int64
}

// DatasetLabel tags datasets. Names are unique.
type DatasetLabel struct {
	ID          int64
	Name        string
	Description *string
	Color       string // lower-case #rrggbb
}

// DatasetLabelUpdate holds the changes to a label; nil fields stay.
type DatasetLabelUpdate struct {
	Name        *string
	Description *string
	Color       *string
}

// DatasetService manages datasets, their versions, examples, splits and
// labels.
type DatasetService interface {
	// FindDatasetByID returns ENOTFOUND if no dataset has that row id.
	FindDatasetByID(ctx context.Context, id int64) (*Dataset, error)
	// FindDatasetByName returns ENOTFOUND if no dataset has that name.
	FindDatasetByName(ctx context.Context, name string) (*Dataset, error)
	// FindDatasets returns the datasets that match filter, newest first.
	FindDatasets(ctx context.Context, filter DatasetFilter) ([]*Dataset, error)
	// DeleteDataset deletes a dataset with its versions and examples.
	// Returns ENOTFOUND if it does not exist.
	DeleteDataset(ctx context.Context, id int64) error

	// FindDatasetVersions returns the versions of a dataset, newest first,
	// whose row id is at most cursor (when non-zero); limit 0 is no cap.
	FindDatasetVersions(ctx context.Context, datasetID, cursor int64, limit int) ([]*DatasetVersion, error)
	// FindDatasetVersion returns ENOTFOUND unless the version exists and
	// belongs to the dataset; versionID 0 asks for the latest version.
	FindDatasetVersion(ctx context.Context, datasetID, versionID int64) (*DatasetVersion, error)

	// EachExample calls fn for each example that filter selects, in row id
	// order, reading them one at a time so that any number fits in
	// constant memory. fn must not keep the example. Returns ENOTFOUND if
	// the version does not exist.
	EachExample(ctx context.Context, filter ExampleFilter, fn func(*DatasetExample) error) error
	// FindExampleDatasets returns, for row ids of examples, the dataset each
	// belongs to; missing ids are absent.
	FindExampleDatasets(ctx context.Context, ids []int64) (map[int64]int64, error)

	// UploadDataset applies an upload. Returns ECONFLICT for UploadCreate
	// on a taken name and EUNPROCESSABLE for an example id that names an
	// example of another dataset.
	UploadDataset(ctx context.Context, upload *DatasetUpload) (*UploadResult, error)

	// FindDatasetSplitByID and FindDatasetSplitByName return ENOTFOUND
	// when there is no such split.
	FindDatasetSplitByID(ctx context.Context, id int64) (*DatasetSplit, error)
	FindDatasetSplitByName(ctx context.Context, name string) (*DatasetSplit, error)
	// CreateDatasetSplit stores s and puts the examples in it. Returns
	// ECONFLICT for a taken name and ENOTFOUND for an example outside the
	// dataset.
	CreateDatasetSplit(ctx context.Context, datasetID int64, s *DatasetSplit, examples []int64) error
	// UpdateDatasetSplit applies upd; ENOTFOUND, ECONFLICT as above.
	UpdateDatasetSplit(ctx context.Context, datasetID, id int64, upd DatasetSplitUpdate) (*DatasetSplit, error)
	// DeleteDatasetSplit returns ENOTFOUND if there is no such split.
	DeleteDatasetSplit(ctx context.Context, id int64) error

	// FindDatasetLabels lists labels newest first from cursor (0 for the
	// start); limit 0 is no cap.
	FindDatasetLabels(ctx context.Context, cursor int64, limit int) ([]*DatasetLabel, error)
	// FindDatasetLabelByID returns ENOTFOUND if there is no such label.
	FindDatasetLabelByID(ctx context.Context, id int64) (*DatasetLabel, error)
	// CreateDatasetLabel returns ECONFLICT for a taken name.
	CreateDatasetLabel(ctx context.Context, l *DatasetLabel) error
	// UpdateDatasetLabel returns ENOTFOUND or ECONFLICT.
	UpdateDatasetLabel(ctx context.Context, id int64, upd DatasetLabelUpdate) (*DatasetLabel, error)
	// DeleteDatasetLabel returns ENOTFOUND if there is no such label.
	DeleteDatasetLabel(ctx context.Context, id int64) error
	// FindLabelsOfDataset returns a dataset's labels by name.
	FindLabelsOfDataset(ctx context.Context, datasetID int64) ([]*DatasetLabel, error)
	// SetLabelsOfDataset replaces a dataset's labels; ENOTFOUND for an
	// unknown label.
	SetLabelsOfDataset(ctx context.Context, datasetID int64, labelIDs []int64) error
	// AddLabelToDataset and RemoveLabelFromDataset change one link;
	// ENOTFOUND for an unknown label (or, on removal, a missing link).
	AddLabelToDataset(ctx context.Context, datasetID, labelID int64) error
	RemoveLabelFromDataset(ctx context.Context, datasetID, labelID int64) error
}
