-- +goose Up
-- Times are Unix nanoseconds (INTEGER); JSON columns hold text JSON.
-- docs/schema.md says which query each index serves.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    gradient_start_color TEXT NOT NULL DEFAULT '#5bdbff',
    gradient_end_color TEXT NOT NULL DEFAULT '#1c76fc',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO projects (name, description, created_at, updated_at)
VALUES ('default', 'Default project', CAST(unixepoch('subsec') * 1000000000 AS INTEGER), CAST(unixepoch('subsec') * 1000000000 AS INTEGER));

CREATE TABLE project_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL
);
CREATE INDEX ix_project_sessions_project_start ON project_sessions (project_id, start_time DESC);
CREATE INDEX ix_project_sessions_project_end ON project_sessions (project_id, end_time DESC);
CREATE INDEX ix_project_sessions_user ON project_sessions (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE traces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    trace_id TEXT NOT NULL UNIQUE,
    project_session_id INTEGER REFERENCES project_sessions (id) ON DELETE CASCADE,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL
);
CREATE INDEX ix_traces_project_start ON traces (project_id, start_time DESC);
CREATE INDEX ix_traces_session ON traces (project_session_id);

CREATE TABLE spans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_rowid INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    span_id TEXT NOT NULL UNIQUE,
    parent_id TEXT,
    name TEXT NOT NULL,
    span_kind TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    status_code TEXT NOT NULL DEFAULT 'UNSET' CHECK (status_code IN ('OK', 'ERROR', 'UNSET')),
    status_message TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}',
    events TEXT NOT NULL DEFAULT '[]',
    llm_token_count_prompt INTEGER,
    llm_token_count_completion INTEGER,
    cumulative_error_count INTEGER NOT NULL DEFAULT 0,
    cumulative_llm_token_count_prompt INTEGER NOT NULL DEFAULT 0,
    cumulative_llm_token_count_completion INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_spans_trace_start ON spans (trace_rowid, start_time);
CREATE INDEX ix_spans_project_start ON spans (project_id, start_time DESC);
CREATE INDEX ix_spans_project_root_start ON spans (project_id, start_time DESC) WHERE parent_id IS NULL;
-- Only spans with errors or tokens in their subtree: ingestion asks for the
-- stored children of arriving parents, and only those children add anything.
CREATE INDEX ix_spans_parent_counted ON spans (parent_id)
WHERE cumulative_error_count <> 0 OR cumulative_llm_token_count_prompt <> 0 OR cumulative_llm_token_count_completion <> 0;

CREATE TABLE span_costs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    span_rowid INTEGER NOT NULL UNIQUE REFERENCES spans (id) ON DELETE CASCADE,
    trace_rowid INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    span_start_time INTEGER NOT NULL,
    model_name TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT '',
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    prompt_cost REAL NOT NULL DEFAULT 0,
    completion_cost REAL NOT NULL DEFAULT 0,
    total_cost REAL NOT NULL DEFAULT 0,
    details TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_span_costs_project_start ON span_costs (project_id, span_start_time);
CREATE INDEX ix_span_costs_trace ON span_costs (trace_rowid);

-- +goose Down
DROP TABLE span_costs;
DROP TABLE spans;
DROP TABLE traces;
DROP TABLE project_sessions;
DROP TABLE projects;
