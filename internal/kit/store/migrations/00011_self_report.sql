-- +goose Up
-- 企业隐患排查治理统计分析自报 (16号令 第十四条): each enterprise reports
-- its hazard figures for every quarter (period '2022Q1', due by the 15th
-- of the following month) and every year (period '2022', due by 31
-- January), signed by its principal (主要负责人). Dates are TEXT
-- 'YYYY-MM-DD' like the hazard table.
CREATE TABLE hazard_self_report (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL,
    period          TEXT NOT NULL,
    found           BIGINT NOT NULL DEFAULT 0,
    rectified       BIGINT NOT NULL DEFAULT 0,
    major           BIGINT NOT NULL DEFAULT 0,
    major_rectified BIGINT NOT NULL DEFAULT 0,
    note            TEXT NOT NULL DEFAULT '',
    submitted_on    TEXT NOT NULL,
    signed_by       TEXT NOT NULL,             -- 主要负责人
    submitted_by    TEXT NOT NULL,             -- app_user id
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (enterprise_id, period)
);
CREATE INDEX hazard_self_report_period ON hazard_self_report (county_code, period);

-- The hazard ledger at a million rows (internal/bureau/hazard BenchmarkLedger1M):
-- the page's counts read state, grade and deadline of every matching row,
-- and its page is ordered by found_on. Each common filter gets an index
-- that starts with it, continues with found_on and carries those columns,
-- so that both queries run on the index alone. The period index also
-- carries what StatsBy groups and counts by (statistics of any period).
-- They replace the narrower indexes of 00009.
CREATE INDEX hazard_ledger_found ON hazard (county_code, found_on, state, grade, deadline, closed_on, source, sector, town_code);
CREATE INDEX hazard_ledger_town ON hazard (county_code, town_code, found_on, state, grade, deadline);
CREATE INDEX hazard_ledger_sector ON hazard (county_code, sector, found_on, state, grade, deadline);
CREATE INDEX hazard_ledger_unit ON hazard (county_code, unit_id, found_on, state, grade, deadline);
CREATE INDEX hazard_ledger_source ON hazard (county_code, source, found_on, state, grade, deadline);
CREATE INDEX hazard_ledger_campaign ON hazard (county_code, campaign, grade, found_on, state, deadline);
CREATE INDEX hazard_ledger_state ON hazard (county_code, state, deadline, grade, found_on, town_code, sector, unit_id);
DROP INDEX hazard_found;
DROP INDEX hazard_town;
DROP INDEX hazard_sector;
DROP INDEX hazard_state;

-- +goose Down
CREATE INDEX hazard_found ON hazard (county_code, found_on);
CREATE INDEX hazard_state ON hazard (county_code, state, deadline);
CREATE INDEX hazard_town ON hazard (county_code, town_code, found_on);
CREATE INDEX hazard_sector ON hazard (county_code, sector, found_on);
DROP INDEX hazard_ledger_found;
DROP INDEX hazard_ledger_town;
DROP INDEX hazard_ledger_sector;
DROP INDEX hazard_ledger_unit;
DROP INDEX hazard_ledger_source;
DROP INDEX hazard_ledger_campaign;
DROP INDEX hazard_ledger_state;
DROP TABLE hazard_self_report;
