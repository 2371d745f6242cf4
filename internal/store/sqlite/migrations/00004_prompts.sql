-- +goose Up
-- Prompts, their immutable versions and the tags that name versions.
-- docs/schema.md says which query each index serves. The JSON columns hold
-- validated JSON text, written and read back byte for byte.
CREATE TABLE prompts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_prompt_id INTEGER REFERENCES prompts (id) ON DELETE SET NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_prompts_source ON prompts (source_prompt_id) WHERE source_prompt_id IS NOT NULL;

CREATE TABLE prompt_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt_id INTEGER NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    description TEXT,
    template_type TEXT NOT NULL CHECK (template_type IN ('CHAT', 'STR')),
    template_format TEXT NOT NULL CHECK (template_format IN ('MUSTACHE', 'F_STRING', 'NONE')),
    template TEXT NOT NULL,
    invocation_parameters TEXT NOT NULL,
    tools TEXT,
    response_format TEXT,
    model_provider TEXT NOT NULL,
    model_name TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_prompt_versions_prompt ON prompt_versions (prompt_id, id DESC);

CREATE TABLE prompt_version_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt_id INTEGER NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    prompt_version_id INTEGER NOT NULL REFERENCES prompt_versions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    UNIQUE (prompt_id, name)
);
CREATE INDEX ix_prompt_version_tags_version ON prompt_version_tags (prompt_version_id, id DESC);

-- +goose Down
DROP TABLE prompt_version_tags;
DROP TABLE prompt_versions;
DROP TABLE prompts;
