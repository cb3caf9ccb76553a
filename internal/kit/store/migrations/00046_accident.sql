-- +goose Up
-- 生产安全事故 (国务院令493号). Money in 分.
CREATE TABLE accident (
    id               TEXT PRIMARY KEY,
    county_code      TEXT NOT NULL,
    occurred_on      TEXT NOT NULL,              -- YYYY-MM-DD (Asia/Shanghai)
    occurred_at      TIMESTAMP NOT NULL,
    reported_at      TIMESTAMP,                  -- when the county bureau received the report
    place            TEXT NOT NULL,
    enterprise_id    TEXT NOT NULL DEFAULT '',
    enterprise_name  TEXT NOT NULL DEFAULT '',
    town_code        TEXT NOT NULL DEFAULT '',
    sector           TEXT NOT NULL DEFAULT '',
    industry         TEXT NOT NULL,
    kind             TEXT NOT NULL,              -- 事故类别 (GB 6441)
    deaths           BIGINT NOT NULL,
    serious_injuries BIGINT NOT NULL,
    loss_fen         BIGINT NOT NULL,
    level            TEXT NOT NULL,              -- general | large | major | especially_major
    investigation    TEXT NOT NULL DEFAULT '',   -- link or reference to the investigation
    summary          TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX accident_day ON accident (county_code, occurred_on);

-- +goose Down
DROP TABLE accident;
