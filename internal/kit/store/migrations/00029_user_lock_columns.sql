-- +goose Up
-- The per-account lock (failed_logins, locked_until) let anyone lock a
-- real user out; login_throttle replaces it.
ALTER TABLE app_user DROP COLUMN failed_logins;
ALTER TABLE app_user DROP COLUMN locked_until;

-- +goose Down
ALTER TABLE app_user ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN locked_until TIMESTAMP;
