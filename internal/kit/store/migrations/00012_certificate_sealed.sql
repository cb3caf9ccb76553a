-- +goose Up
-- ID numbers are sealed at rest (internal/kit/crypt); id_index is their keyed
-- blind index for lookups by ID number.
ALTER TABLE certificate ADD COLUMN id_index TEXT NOT NULL DEFAULT '';
CREATE INDEX certificate_id_index ON certificate (county_code, id_index);

-- +goose Down
DROP INDEX certificate_id_index;
ALTER TABLE certificate DROP COLUMN id_index;
