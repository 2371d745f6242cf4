-- +goose Up
-- The span listing pages a project's spans newest row first.
CREATE INDEX ix_spans_project_id ON spans (project_id, id DESC);

-- +goose Down
DROP INDEX ix_spans_project_id;
