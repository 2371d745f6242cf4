-- +goose Up
-- PostgreSQL's migration 00011 picks lz4 for compressing large span
-- attributes; SQLite stores them as they are. Kept so that both engines
-- carry the same migration versions.
SELECT 1;

-- +goose Down
SELECT 1;
