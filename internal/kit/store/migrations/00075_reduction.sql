-- +goose Up
-- 防灾减灾 disaster reduction: disaster events and the towns' reports
-- (灾情报送), disaster information officers (灾害信息员), demonstration
-- communities (综合减灾示范社区), 防火码 checkpoints with scan counts, the
-- fire hazards found there (the hazards themselves live in the hazard
-- ledger), trainings and publicity. Days are TEXT 'YYYY-MM-DD'.
CREATE TABLE reduction_event (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    hazard_kind TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    stable_on   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX reduction_event_county ON reduction_event (county_code, started_at);

-- One row per report; figures are the town's cumulative totals. Crop area
-- in tenths of a hectare, losses in 分.
CREATE TABLE reduction_report (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    event_id    TEXT NOT NULL REFERENCES reduction_event (id),
    town_code   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    affected    BIGINT NOT NULL DEFAULT 0,
    evacuated   BIGINT NOT NULL DEFAULT 0,
    need_aid    BIGINT NOT NULL DEFAULT 0,
    dead        BIGINT NOT NULL DEFAULT 0,
    missing     BIGINT NOT NULL DEFAULT 0,
    collapsed   BIGINT NOT NULL DEFAULT 0,
    severe      BIGINT NOT NULL DEFAULT 0,
    damaged     BIGINT NOT NULL DEFAULT 0,
    crop_tenths BIGINT NOT NULL DEFAULT 0,
    loss_fen    BIGINT NOT NULL DEFAULT 0,
    zero        BOOLEAN NOT NULL DEFAULT FALSE,
    explanation TEXT NOT NULL DEFAULT '',
    reporter    TEXT NOT NULL DEFAULT '',
    reported_at TIMESTAMP NOT NULL,
    late        BOOLEAN NOT NULL DEFAULT FALSE,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (event_id, town_code, seq)
);

CREATE TABLE reduction_officer (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    town_code     TEXT NOT NULL,
    village_code  TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    role          TEXT NOT NULL,
    position      TEXT NOT NULL DEFAULT '',
    registered_on TEXT NOT NULL,
    trained_on    TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (village_code, name, phone)
);
CREATE INDEX reduction_officer_village ON reduction_officer (county_code, village_code);

CREATE TABLE reduction_community (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    town_code    TEXT NOT NULL,
    village_code TEXT NOT NULL,
    name         TEXT NOT NULL,
    applied_on   TEXT NOT NULL,
    scores       TEXT NOT NULL DEFAULT '{}',  -- JSON: checklist item → points
    score        BIGINT NOT NULL DEFAULT 0,
    stage        TEXT NOT NULL,
    failed       BOOLEAN NOT NULL DEFAULT FALSE,
    result       TEXT NOT NULL DEFAULT '',
    decisions    TEXT NOT NULL DEFAULT '[]',  -- JSON: the stage decisions
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (village_code, applied_on)
);

CREATE TABLE reduction_checkpoint (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    town_code   TEXT NOT NULL,
    name        TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    lng         DOUBLE PRECISION NOT NULL DEFAULT 0,
    lat         DOUBLE PRECISION NOT NULL DEFAULT 0,
    active_from TEXT NOT NULL,
    active_to   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

CREATE TABLE reduction_scan (
    id            TEXT PRIMARY KEY,
    checkpoint_id TEXT NOT NULL REFERENCES reduction_checkpoint (id),
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    scans         BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX reduction_scan_checkpoint ON reduction_scan (checkpoint_id, period_from);

-- A fire hazard found at a checkpoint: the hazard is the hazard ledger's
-- record (written through its service); this row links the two.
CREATE TABLE reduction_fire_hazard (
    checkpoint_id TEXT NOT NULL REFERENCES reduction_checkpoint (id),
    hazard_id     TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (checkpoint_id, hazard_id)
);

CREATE TABLE reduction_training (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    town_code   TEXT NOT NULL DEFAULT '',
    topic       TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    ends_on     TEXT NOT NULL DEFAULT '',
    organiser   TEXT NOT NULL,
    audience    TEXT NOT NULL,
    attendees   BIGINT NOT NULL,
    list        TEXT NOT NULL DEFAULT '',   -- attendee names, one a line
    hours_tenths BIGINT NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX reduction_training_day ON reduction_training (county_code, held_on);

CREATE TABLE reduction_publicity (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    town_code   TEXT NOT NULL DEFAULT '',
    campaign    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    title       TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    winners     BIGINT NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX reduction_publicity_day ON reduction_publicity (county_code, campaign, held_on);

-- +goose Down
DROP TABLE reduction_publicity;
DROP TABLE reduction_training;
DROP TABLE reduction_fire_hazard;
DROP TABLE reduction_scan;
DROP TABLE reduction_checkpoint;
DROP TABLE reduction_community;
DROP TABLE reduction_officer;
DROP TABLE reduction_report;
DROP TABLE reduction_event;
