-- +goose Up
-- 自建房安全专项排查整治: a campaign and its buildings. Dates are TEXT
-- 'YYYY-MM-DD' (Asia/Shanghai calendar days).
CREATE TABLE housing_campaign (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    reported    TEXT NOT NULL DEFAULT '',   -- JSON: figures reported upward, checked against the records
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

-- One row per building with the day of each stage it reached; the owner's
-- name, phone and ID number are sealed (crypt), owner_mask is their
-- masked form for lists and exports.
CREATE TABLE housing_building (
    id              TEXT PRIMARY KEY,
    campaign_id     TEXT NOT NULL REFERENCES housing_campaign (id),
    county_code     TEXT NOT NULL,
    code            TEXT NOT NULL,
    town_code       TEXT NOT NULL,
    village_code    TEXT NOT NULL DEFAULT '',
    urban           BOOLEAN NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    lat             DOUBLE PRECISION,
    lng             DOUBLE PRECISION,
    structure       TEXT NOT NULL DEFAULT '',
    storeys         BIGINT NOT NULL DEFAULT 0,
    year_built      BIGINT NOT NULL DEFAULT 0,
    floor_area      DOUBLE PRECISION NOT NULL DEFAULT 0,
    business        BOOLEAN NOT NULL DEFAULT FALSE,
    business_type   TEXT NOT NULL DEFAULT '',
    owner_name      TEXT NOT NULL DEFAULT '',
    owner_phone     TEXT NOT NULL DEFAULT '',
    owner_id_number TEXT NOT NULL DEFAULT '',
    owner_mask      TEXT NOT NULL DEFAULT '',
    stage           TEXT NOT NULL,
    surveyed_on     TEXT NOT NULL,
    judged_on       TEXT NOT NULL DEFAULT '',
    hazard          BOOLEAN NOT NULL DEFAULT FALSE,
    assessed_on     TEXT NOT NULL DEFAULT '',
    need_appraisal  BOOLEAN NOT NULL DEFAULT FALSE,
    assessed_by     TEXT NOT NULL DEFAULT '',
    appraised_on    TEXT NOT NULL DEFAULT '',
    grade           TEXT NOT NULL DEFAULT '',
    agency          TEXT NOT NULL DEFAULT '',
    measure         TEXT NOT NULL DEFAULT '',
    remediated_on   TEXT NOT NULL DEFAULT '',
    closed_on       TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, code)
);
CREATE INDEX housing_building_town ON housing_building (campaign_id, town_code, code);
CREATE INDEX housing_building_village ON housing_building (campaign_id, village_code, code);
CREATE INDEX housing_building_stage ON housing_building (campaign_id, stage, code);
CREATE INDEX housing_building_grade ON housing_building (campaign_id, grade, code);
CREATE INDEX housing_building_business ON housing_building (campaign_id, business, code);

-- Steps taken in Yingji (who, when, note); the step's outcome is on the
-- building row. Appraisal report files are attachments of the event.
CREATE TABLE housing_event (
    id          TEXT PRIMARY KEY,
    building_id TEXT NOT NULL REFERENCES housing_building (id),
    action      TEXT NOT NULL,
    from_stage  TEXT NOT NULL,
    to_stage    TEXT NOT NULL,
    on_day      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    by_user     TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX housing_event_building ON housing_event (building_id, at);

-- Daily counts of stage events by town and urban/rural, kept in the same
-- transaction as every write: the progress at a cut-off date is the sum
-- of the days up to it (a few thousand rows, whatever the buildings).
CREATE TABLE housing_daily (
    campaign_id TEXT NOT NULL,
    town_code   TEXT NOT NULL,
    urban       BOOLEAN NOT NULL,
    metric      TEXT NOT NULL,
    on_day      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, town_code, urban, metric, on_day)
);

-- Current counts by the list's facets (the list's totals without a
-- search text are sums of these rows).
CREATE TABLE housing_facet (
    campaign_id  TEXT NOT NULL,
    town_code    TEXT NOT NULL,
    village_code TEXT NOT NULL,
    urban        BOOLEAN NOT NULL,
    business     BOOLEAN NOT NULL,
    stage        TEXT NOT NULL,
    grade        TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, town_code, village_code, urban, business, stage, grade)
);

-- +goose Down
DROP TABLE housing_facet;
DROP TABLE housing_daily;
DROP TABLE housing_event;
DROP TABLE housing_building;
DROP TABLE housing_campaign;
