-- +goose Up
-- +goose NO TRANSACTION
-- Span ids are unique within their trace (as OpenTelemetry defines them),
-- and the index that finds a span by its id alone is grouped by blocks of
-- 65,536 consecutive row ids: random span ids then land in the small newest
-- part of that index instead of on a random page of all of it, which cost
-- one written page per span. docs/schema.md explains the trade.
--
-- The unique index by trace also serves a trace's spans (the trace tree
-- sorts its few rows by start time itself), so the index by trace and start
-- time goes: one index less to write per span.
--
-- SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt.
-- Foreign keys are off while it is, or dropping the old table would cascade
-- into the annotations and costs that reference it.
-- +goose StatementBegin
PRAGMA foreign_keys = OFF;
-- +goose StatementEnd
-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd
CREATE TABLE spans_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_rowid INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    span_id TEXT NOT NULL,
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
INSERT INTO spans_rebuilt SELECT id, trace_rowid, project_id, span_id, parent_id, name, span_kind, start_time, end_time,
    status_code, status_message, attributes, events, llm_token_count_prompt, llm_token_count_completion,
    cumulative_error_count, cumulative_llm_token_count_prompt, cumulative_llm_token_count_completion
FROM spans ORDER BY id;
-- Row ids of deleted spans are not handed out again.
INSERT INTO sqlite_sequence (name, seq) SELECT 'spans_rebuilt', seq FROM sqlite_sequence WHERE name = 'spans' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'spans_rebuilt');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'spans')) WHERE name = 'spans_rebuilt';
DROP TABLE spans;
ALTER TABLE spans_rebuilt RENAME TO spans;
CREATE UNIQUE INDEX ix_spans_trace_span ON spans (trace_rowid, span_id);
CREATE INDEX ix_spans_block_span_id ON spans ((id >> 16), span_id);
-- The other indexes as they stand after migration 00008.
CREATE INDEX ix_spans_project_start ON spans (project_id, start_time DESC, end_time);
CREATE INDEX ix_spans_project_root_start ON spans (project_id, start_time DESC, end_time) WHERE parent_id IS NULL;
CREATE INDEX ix_spans_project_id ON spans (project_id, id DESC);
-- Only spans with errors or tokens in their subtree: ingestion asks for the
-- stored children of arriving parents, by trace, and only those children
-- add anything.
CREATE INDEX ix_spans_trace_parent_counted ON spans (trace_rowid, parent_id)
WHERE cumulative_error_count <> 0 OR cumulative_llm_token_count_prompt <> 0 OR cumulative_llm_token_count_completion <> 0;
-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
-- +goose StatementBegin
PRAGMA foreign_keys = ON;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
SELECT raise(ABORT, 'migration 00010 cannot be undone: span ids may repeat across traces');
-- +goose StatementEnd
