-- +goose Up
-- field_key_check holds one value sealed with the installation's field key
-- (DATA/field.key or YINGJI_FIELD_KEY), written on the first start with the
-- key. A start or a restore whose key cannot open it is refused, instead of
-- answering 500 on every page with a sealed field.
CREATE TABLE field_key_check (
    id         BIGINT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The audit chain's head is signed with a key kept outside the database
-- (derived from the field key): HMAC over (seq, hash). Deleting the tail
-- and rewriting the head then needs the key. Empty until the first audit
-- write; 'legacy' marks a chain written before signing existed, which the
-- next start signs once (with an "audit sign_start" entry).
ALTER TABLE audit_head ADD COLUMN mac TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET mac = 'legacy' WHERE seq > 0;

-- +goose Down
ALTER TABLE audit_head DROP COLUMN mac;
DROP TABLE field_key_check;
