-- One row per upload. Only 'pending' has a way out; see images.MetadataStore.
CREATE TABLE images (
    id            uuid        PRIMARY KEY,
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    original_key  text        NOT NULL,
    content_type  text        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    thumbnail_key text,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'done' OR thumbnail_key IS NOT NULL),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);

-- Finds images stuck in pending (for operators and alarms).
CREATE INDEX images_pending_created_at ON images (created_at) WHERE status = 'pending';
