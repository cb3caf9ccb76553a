-- +goose Up
-- Households are editable before the 公示 (户报, 村评) and after being sent
-- back (退回). edited_by is the last user who changed a household's
-- entries: like the entrant, that user may not take its 村评, 乡审 or 县定
-- (four eyes).
ALTER TABLE relief_household ADD COLUMN edited_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE relief_household DROP COLUMN edited_by;
