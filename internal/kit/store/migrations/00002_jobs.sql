-- +goose Up
-- Background jobs (后台任务): a portable queue shared by every instance on the
-- database. Instances claim a row by compare-and-swap on state and hold it by
-- a lease (lease_until) that they renew while the handler runs. A job whose
-- lease expires is re-queued until max_attempts is reached.
CREATE TABLE job (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,                -- handler name, e.g. hazard.sweep
    payload        TEXT NOT NULL DEFAULT '{}',   -- JSON
    state          TEXT NOT NULL,                -- queued | running | done | failed | cancelled
    run_at         TIMESTAMP NOT NULL,           -- not before (retries are pushed back)
    attempts       BIGINT NOT NULL DEFAULT 0,    -- claims so far, also the claim fence
    max_attempts   BIGINT NOT NULL,
    claimed_by     TEXT,                         -- instance id
    claimed_at     TIMESTAMP,
    lease_until    TIMESTAMP,
    progress_done  BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',     -- last status or error (Chinese allowed)
    result         TEXT,                         -- JSON
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    dedupe_key     TEXT UNIQUE                   -- kind@slot for periodic jobs, NULL otherwise
);
CREATE INDEX job_claim ON job (state, run_at);
CREATE INDEX job_lease ON job (state, lease_until);
CREATE INDEX job_county ON job (county_code, created_at);
CREATE INDEX job_kind ON job (kind, created_at);

-- +goose Down
DROP TABLE job;
