-- +goose Up
-- Experiments: a task run over a fixed set of dataset examples, its runs,
-- their evaluations and tags; docs/schema.md says which query each index
-- serves.
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    repetitions INTEGER NOT NULL CHECK (repetitions > 0),
    metadata TEXT NOT NULL DEFAULT '{}',
    project_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_experiments_dataset_id ON experiments (dataset_id, id DESC);
CREATE INDEX ix_experiments_project_name ON experiments (project_name);

-- The examples (and their revisions) an experiment covers, fixed at creation.
CREATE TABLE experiments_dataset_examples (
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    dataset_example_id INTEGER NOT NULL REFERENCES dataset_examples (id) ON DELETE CASCADE,
    dataset_example_revision_id INTEGER NOT NULL REFERENCES dataset_example_revisions (id) ON DELETE CASCADE,
    PRIMARY KEY (experiment_id, dataset_example_id)
);
CREATE INDEX ix_experiments_dataset_examples_example ON experiments_dataset_examples (dataset_example_id);
CREATE INDEX ix_experiments_dataset_examples_revision ON experiments_dataset_examples (dataset_example_revision_id);

CREATE TABLE experiment_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    dataset_example_id INTEGER NOT NULL REFERENCES dataset_examples (id) ON DELETE CASCADE,
    repetition_number INTEGER NOT NULL CHECK (repetition_number > 0),
    trace_id TEXT,
    output TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    error TEXT,
    UNIQUE (experiment_id, dataset_example_id, repetition_number)
);
CREATE INDEX ix_experiment_runs_example ON experiment_runs (dataset_example_id);

CREATE TABLE experiment_run_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_run_id INTEGER NOT NULL REFERENCES experiment_runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    annotator_kind TEXT NOT NULL CHECK (annotator_kind IN ('LLM', 'CODE', 'HUMAN')),
    label TEXT,
    score DOUBLE PRECISION,
    explanation TEXT,
    trace_id TEXT,
    error TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    UNIQUE (experiment_run_id, name)
);

CREATE TABLE experiment_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (dataset_id, name)
);
CREATE INDEX ix_experiment_tags_experiment ON experiment_tags (experiment_id);

-- +goose Down
DROP TABLE experiment_tags;
DROP TABLE experiment_run_annotations;
DROP TABLE experiment_runs;
DROP TABLE experiments_dataset_examples;
DROP TABLE experiments;
