-- +goose Up
-- Red and yellow cards (红黄牌), supervision letters (督办函), listed
-- supervision of major hazards (挂牌督办) and extension requests (延期申请)
-- of the hazard loop (package internal/bureau/hazard/supervise). Calendar dates
-- are TEXT 'YYYY-MM-DD' (Asia/Shanghai) as in the hazard table; '' when
-- not yet. created_at/updated_at/at are TIMESTAMP in UTC.

-- The deadline sweep (package supervise, sweep.go). A card changes only
-- when the day changes or the hazard does, so the sweep looks at every
-- open hazard once a day and at the hazards updated since its last run
-- in between. remind_for is the deadline the enterprise was last reminded
-- of (one reminder per deadline).
ALTER TABLE hazard ADD COLUMN remind_for TEXT NOT NULL DEFAULT '';
-- Open hazards by deadline, covering what the card rule reads (the daily
-- pass reads the index only; the reminders are a range of deadlines).
CREATE INDEX hazard_open_deadline ON hazard (county_code, deadline, found_on, card, card_since, id, state) WHERE state <> 'closed';
-- Hazards changed since the last sweep (new or moved deadlines, closures).
CREATE INDEX hazard_updated ON hazard (county_code, updated_at);

-- Cards issued and cleared: the history behind the monthly counts
-- (月通报). A hazard's card has hazard_id set; a missing periodic
-- self-report (应报未报) has hazard_id '' and its period. event_key makes
-- the sweep's inserts idempotent (two instances, two runs).
CREATE TABLE hazard_card_event (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    event_key     TEXT NOT NULL UNIQUE,
    hazard_id     TEXT NOT NULL DEFAULT '',
    enterprise_id TEXT NOT NULL DEFAULT '',
    place_name    TEXT NOT NULL DEFAULT '',
    town_code     TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    unit_id       TEXT NOT NULL DEFAULT '',
    card          TEXT NOT NULL,              -- yellow | red
    reason        TEXT NOT NULL,              -- time_share | overdue | self_report
    period        TEXT NOT NULL DEFAULT '',   -- self-report period: 2022Q1, 2021
    issued_on     TEXT NOT NULL,
    cleared_on    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX hazard_card_event_open ON hazard_card_event (county_code, cleared_on);
CREATE INDEX hazard_card_event_hazard ON hazard_card_event (hazard_id, cleared_on);
CREATE INDEX hazard_card_event_issued ON hazard_card_event (county_code, issued_on);

-- 督办函: a letter of the county safety committee's office on an overdue
-- hazard. Numbers 示安委办督〔2022〕1号 run per county and year.
CREATE TABLE supervision_letter (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    hazard_id     TEXT NOT NULL REFERENCES hazard (id),
    enterprise_id TEXT NOT NULL DEFAULT '',
    place_name    TEXT NOT NULL DEFAULT '',
    town_code     TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    unit_id       TEXT NOT NULL DEFAULT '',
    number        TEXT NOT NULL,
    number_year   BIGINT NOT NULL,
    number_serial BIGINT NOT NULL,
    issuer        TEXT NOT NULL,
    issued_on     TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    measures      TEXT NOT NULL,
    state         TEXT NOT NULL,              -- issued | overdue | rectified
    rectified_on  TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (county_code, number),
    UNIQUE (county_code, number_year, number_serial)
);
CREATE INDEX supervision_letter_hazard ON supervision_letter (hazard_id);
CREATE INDEX supervision_letter_issued ON supervision_letter (county_code, issued_on);

-- 挂牌督办: a major hazard under listed supervision, from listing to
-- acceptance (验收) and delisting (摘牌销号). One listing per hazard.
CREATE TABLE listing (
    id                      TEXT PRIMARY KEY,
    county_code             TEXT NOT NULL,
    hazard_id               TEXT NOT NULL UNIQUE REFERENCES hazard (id),
    enterprise_id           TEXT NOT NULL DEFAULT '',
    place_name              TEXT NOT NULL DEFAULT '',
    town_code               TEXT NOT NULL,
    sector                  TEXT NOT NULL DEFAULT '',
    unit_id                 TEXT NOT NULL DEFAULT '',
    level                   TEXT NOT NULL,              -- county | city | province
    issuer                  TEXT NOT NULL,              -- 督办单位
    responsible             TEXT NOT NULL,              -- 责任单位
    number                  TEXT NOT NULL,              -- 挂牌督办通知书
    number_year             BIGINT NOT NULL DEFAULT 0,  -- of a number given here (0: typed)
    number_serial           BIGINT NOT NULL DEFAULT 0,
    listed_on               TEXT NOT NULL,
    deadline                TEXT NOT NULL,
    requirements            TEXT NOT NULL DEFAULT '',   -- 督办要求
    published_on            TEXT NOT NULL DEFAULT '',   -- 公开 (within 5 working days)
    acceptance_requested_on TEXT NOT NULL DEFAULT '',
    accepted_on             TEXT NOT NULL DEFAULT '',
    accepted_by             TEXT NOT NULL DEFAULT '',
    acceptance_note         TEXT NOT NULL DEFAULT '',
    delisted_on             TEXT NOT NULL DEFAULT '',
    state                   TEXT NOT NULL,              -- listed | accepted | delisted
    created_by              TEXT NOT NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    UNIQUE (county_code, number)
);
CREATE INDEX listing_listed ON listing (county_code, listed_on);

-- 延期申请: a request to move a hazard's deadline, and its decision.
-- At most one pending request per hazard.
CREATE TABLE extension_request (
    id                 TEXT PRIMARY KEY,
    county_code        TEXT NOT NULL,
    hazard_id          TEXT NOT NULL REFERENCES hazard (id),
    enterprise_id      TEXT NOT NULL DEFAULT '',
    place_name         TEXT NOT NULL DEFAULT '',
    town_code          TEXT NOT NULL,
    sector             TEXT NOT NULL DEFAULT '',
    unit_id            TEXT NOT NULL DEFAULT '',
    requested_on       TEXT NOT NULL,
    current_deadline   TEXT NOT NULL,
    requested_deadline TEXT NOT NULL,
    reason             TEXT NOT NULL,
    state              TEXT NOT NULL,                  -- pending | approved | refused
    requested_by       TEXT NOT NULL,
    requested_by_name  TEXT NOT NULL,
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_by_name    TEXT NOT NULL DEFAULT '',
    decided_on         TEXT NOT NULL DEFAULT '',
    decision_reason    TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX extension_request_hazard ON extension_request (hazard_id, requested_on);
CREATE INDEX extension_request_county ON extension_request (county_code, state, requested_on);
CREATE UNIQUE INDEX extension_request_one_pending ON extension_request (hazard_id) WHERE state = 'pending';

-- The steps of letters, listings and extension requests (their timelines).
CREATE TABLE supervision_event (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    entity      TEXT NOT NULL,               -- letter | listing | extension
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    on_day      TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    by_user     TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervision_event_entity ON supervision_event (entity, entity_id, at);

-- +goose Down
DROP TABLE supervision_event;
DROP TABLE extension_request;
DROP TABLE listing;
DROP TABLE supervision_letter;
DROP TABLE hazard_card_event;
DROP INDEX hazard_updated;
DROP INDEX hazard_open_deadline;
ALTER TABLE hazard DROP COLUMN remind_for;
