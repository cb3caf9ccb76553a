-- +goose Up
-- Attachments: photos and scans attached to any record. The bytes live in
-- the blob store (DATA/attachments/ or S3) under blob_key; this row holds
-- what was sniffed and who uploaded it. Soft-deleted rows keep their blob.
CREATE TABLE attachment (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    owner_entity TEXT NOT NULL,            -- e.g. inspection, hazard, licence
    owner_id     TEXT NOT NULL,
    filename     TEXT NOT NULL,            -- original name, sanitised
    content_type TEXT NOT NULL,            -- sniffed from the content, never from the name
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,            -- hex
    blob_key     TEXT NOT NULL UNIQUE,
    uploaded_by  TEXT NOT NULL,            -- app_user id
    uploaded_at  TIMESTAMP NOT NULL,
    deleted_at   TIMESTAMP,
    deleted_by   TEXT
);
CREATE INDEX attachment_owner ON attachment (owner_entity, owner_id);

-- +goose Down
DROP TABLE attachment;
