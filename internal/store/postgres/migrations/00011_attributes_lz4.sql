-- +goose Up
-- Span attributes past about 2 KB (LLM inputs and outputs) are compressed
-- by PostgreSQL's TOAST. Its default, pglz, costs the database server
-- noticeable CPU on every such insert; lz4 compresses several times faster
-- and reads back faster (about 10 % more LLM spans/s stored in
-- BENCHMARKS.md's runs). Servers built without lz4, or older than 14, keep
-- the default.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE 'ALTER TABLE spans ALTER COLUMN attributes SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'spans.attributes keeps the default compression: %', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE 'ALTER TABLE spans ALTER COLUMN attributes SET COMPRESSION default';
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$;
-- +goose StatementEnd
