-- +goose Up
-- Annotations of spans, traces, sessions and retrieved documents, and the
-- annotation configs that say what an annotation of a name may hold.
-- Times are Unix nanoseconds (INTEGER); JSON columns hold text JSON.
-- docs/schema.md says which query each index serves.
--
-- project_id repeats the project of the annotated span, trace or session
-- (moved along by trace transfers), so that a project's annotations are
-- one index range. user_id names a user once users exist; no foreign key
-- yet.
CREATE TABLE span_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    span_rowid INTEGER NOT NULL REFERENCES spans (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    label TEXT,
    score REAL,
    explanation TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    annotator_kind TEXT NOT NULL CHECK (annotator_kind IN ('LLM', 'CODE', 'HUMAN')),
    identifier TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('API', 'APP')),
    user_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (span_rowid, name, identifier)
);
CREATE INDEX ix_span_annotations_project_created ON span_annotations (project_id, created_at);
CREATE INDEX ix_span_annotations_identifier ON span_annotations (identifier) WHERE identifier <> '';

CREATE TABLE document_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    span_rowid INTEGER NOT NULL REFERENCES spans (id) ON DELETE CASCADE,
    document_position INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    label TEXT,
    score REAL,
    explanation TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    annotator_kind TEXT NOT NULL CHECK (annotator_kind IN ('LLM', 'CODE', 'HUMAN')),
    identifier TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('API', 'APP')),
    user_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (span_rowid, document_position, name, identifier)
);
CREATE INDEX ix_document_annotations_project_created ON document_annotations (project_id, created_at);

CREATE TABLE trace_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_rowid INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    label TEXT,
    score REAL,
    explanation TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    annotator_kind TEXT NOT NULL CHECK (annotator_kind IN ('LLM', 'CODE', 'HUMAN')),
    identifier TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('API', 'APP')),
    user_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (trace_rowid, name, identifier)
);
CREATE INDEX ix_trace_annotations_project_created ON trace_annotations (project_id, created_at);
CREATE INDEX ix_trace_annotations_identifier ON trace_annotations (identifier) WHERE identifier <> '';

CREATE TABLE session_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_rowid INTEGER NOT NULL REFERENCES project_sessions (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    label TEXT,
    score REAL,
    explanation TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    annotator_kind TEXT NOT NULL CHECK (annotator_kind IN ('LLM', 'CODE', 'HUMAN')),
    identifier TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('API', 'APP')),
    user_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (session_rowid, name, identifier)
);
CREATE INDEX ix_session_annotations_project_created ON session_annotations (project_id, created_at);
CREATE INDEX ix_session_annotations_identifier ON session_annotations (identifier) WHERE identifier <> '';

-- config holds the type's settings as JSON: description,
-- optimization_direction, values, lower_bound, upper_bound, threshold.
CREATE TABLE annotation_configs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    config_type TEXT NOT NULL CHECK (config_type IN ('CATEGORICAL', 'CONTINUOUS', 'FREEFORM')),
    config TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE project_annotation_configs (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    annotation_config_id INTEGER NOT NULL REFERENCES annotation_configs (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, annotation_config_id)
);
CREATE INDEX ix_project_annotation_configs_config ON project_annotation_configs (annotation_config_id);

-- +goose Down
DROP TABLE project_annotation_configs;
DROP TABLE annotation_configs;
DROP TABLE session_annotations;
DROP TABLE trace_annotations;
DROP TABLE document_annotations;
DROP TABLE span_annotations;
