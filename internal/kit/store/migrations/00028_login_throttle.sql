-- +goose Up
-- Login throttle buckets (登录限流): one row per (typed account name,
-- client address) and one per client address across names (account '').
-- The account is a hash of the lower-cased name, so unknown names are
-- counted like real ones. See internal/kit/auth/throttle.go.
CREATE TABLE login_throttle (
    account       TEXT NOT NULL,
    addr          TEXT NOT NULL,
    tries         BIGINT NOT NULL DEFAULT 0,
    last_at       TIMESTAMP,
    blocked_until TIMESTAMP,
    PRIMARY KEY (account, addr)
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);

-- +goose Down
DROP INDEX login_throttle_last;
DROP TABLE login_throttle;
