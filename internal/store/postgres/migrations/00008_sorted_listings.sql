-- +goose Up
-- Sorted listings (docs/schema.md, "Sorting by a measure").
--
-- The project time indexes carry each span's end time, so sorting a time
-- window's spans by latency reads the index alone instead of one table row
-- per span. Widening the two existing indexes, rather than adding one in
-- latency order, keeps the insert path at the same number of index writes:
-- spans never change their times, and the indexes are appended in time
-- order. (Token counts stay out: they change when late children arrive.)
DROP INDEX ix_spans_project_start;
CREATE INDEX ix_spans_project_start ON spans (project_id, start_time DESC, end_time);
DROP INDEX ix_spans_project_root_start;
CREATE INDEX ix_spans_project_root_start ON spans (project_id, start_time DESC, end_time) WHERE parent_id IS NULL;

-- A trace keeps the LLM token counts of its spans summed, as it keeps
-- their start and end, so listing or sorting traces by tokens reads one
-- row per trace rather than every span. Ingestion adds to them in the
-- trace upsert it makes anyway; existing traces are summed once here.
ALTER TABLE traces ADD COLUMN llm_token_count_prompt BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traces ADD COLUMN llm_token_count_completion BIGINT NOT NULL DEFAULT 0;
UPDATE traces SET
    llm_token_count_prompt = (SELECT COALESCE(SUM(s.llm_token_count_prompt), 0) FROM spans s WHERE s.trace_rowid = traces.id),
    llm_token_count_completion = (SELECT COALESCE(SUM(s.llm_token_count_completion), 0) FROM spans s WHERE s.trace_rowid = traces.id)
WHERE EXISTS (SELECT 1 FROM spans s WHERE s.trace_rowid = traces.id AND (s.llm_token_count_prompt IS NOT NULL OR s.llm_token_count_completion IS NOT NULL));

-- +goose Down
ALTER TABLE traces DROP COLUMN llm_token_count_completion;
ALTER TABLE traces DROP COLUMN llm_token_count_prompt;
DROP INDEX ix_spans_project_root_start;
CREATE INDEX ix_spans_project_root_start ON spans (project_id, start_time DESC) WHERE parent_id IS NULL;
DROP INDEX ix_spans_project_start;
CREATE INDEX ix_spans_project_start ON spans (project_id, start_time DESC);
