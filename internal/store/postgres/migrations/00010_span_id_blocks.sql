-- +goose Up
-- Span ids are unique within their trace, as OpenTelemetry defines them;
-- a plain index still finds a span by its id alone. docs/schema.md.
ALTER TABLE spans DROP CONSTRAINT spans_span_id_key;
CREATE UNIQUE INDEX ix_spans_trace_span ON spans (trace_rowid, span_id);
-- It also serves a trace's spans, which the trace tree sorts itself.
DROP INDEX ix_spans_trace_start;
CREATE INDEX ix_spans_span_id ON spans (span_id);
-- Ingestion asks for the stored, counted children of a batch's traces.
DROP INDEX ix_spans_parent_counted;
CREATE INDEX ix_spans_trace_parent_counted ON spans (trace_rowid, parent_id)
WHERE cumulative_error_count <> 0 OR cumulative_llm_token_count_prompt <> 0 OR cumulative_llm_token_count_completion <> 0;

-- +goose Down
DROP INDEX ix_spans_trace_parent_counted;
CREATE INDEX ix_spans_parent_counted ON spans (parent_id)
WHERE cumulative_error_count <> 0 OR cumulative_llm_token_count_prompt <> 0 OR cumulative_llm_token_count_completion <> 0;
DROP INDEX ix_spans_span_id;
CREATE INDEX ix_spans_trace_start ON spans (trace_rowid, start_time);
DROP INDEX ix_spans_trace_span;
ALTER TABLE spans ADD CONSTRAINT spans_span_id_key UNIQUE (span_id);
