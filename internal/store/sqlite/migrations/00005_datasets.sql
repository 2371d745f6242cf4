-- +goose Up
-- Datasets: versioned examples, splits and labels. An example's content as
-- of a version is its revision with the greatest version at or before it;
-- docs/schema.md says which query each index serves.
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE dataset_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    example_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_dataset_versions_dataset_id ON dataset_versions (dataset_id, id DESC);

CREATE TABLE dataset_examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    span_rowid INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    external_id TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (dataset_id, external_id)
);
CREATE INDEX ix_dataset_examples_dataset_id ON dataset_examples (dataset_id, id);
CREATE INDEX ix_dataset_examples_span ON dataset_examples (span_rowid) WHERE span_rowid IS NOT NULL;

CREATE TABLE dataset_example_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_example_id INTEGER NOT NULL REFERENCES dataset_examples (id) ON DELETE CASCADE,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    metadata TEXT NOT NULL,
    revision_kind TEXT NOT NULL CHECK (revision_kind IN ('CREATE', 'PATCH', 'DELETE')),
    content_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (dataset_example_id, dataset_version_id)
);
CREATE INDEX ix_dataset_example_revisions_version ON dataset_example_revisions (dataset_version_id);

CREATE TABLE dataset_splits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    color TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE dataset_splits_dataset_examples (
    dataset_split_id INTEGER NOT NULL REFERENCES dataset_splits (id) ON DELETE CASCADE,
    dataset_example_id INTEGER NOT NULL REFERENCES dataset_examples (id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_split_id, dataset_example_id)
);
CREATE INDEX ix_dataset_splits_examples_example ON dataset_splits_dataset_examples (dataset_example_id);

CREATE TABLE dataset_labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    color TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE datasets_dataset_labels (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    dataset_label_id INTEGER NOT NULL REFERENCES dataset_labels (id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_id, dataset_label_id)
);
CREATE INDEX ix_datasets_dataset_labels_label ON datasets_dataset_labels (dataset_label_id);

-- +goose Down
DROP TABLE datasets_dataset_labels;
DROP TABLE dataset_labels;
DROP TABLE dataset_splits_dataset_examples;
DROP TABLE dataset_splits;
DROP TABLE dataset_example_revisions;
DROP TABLE dataset_examples;
DROP TABLE dataset_versions;
DROP TABLE datasets;
