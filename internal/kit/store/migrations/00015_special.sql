-- +goose Up
-- 专项整治: a named campaign with a period and a scope (enterprises chosen
-- by sector/town, fixed when the campaign is created, or a list of
-- places), and the checks made of it, round by round.
CREATE TABLE special_campaign (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    name            TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    scope_kind      TEXT NOT NULL,               -- enterprises | places
    scope_sector    TEXT NOT NULL DEFAULT '',
    scope_town      TEXT NOT NULL DEFAULT '',
    rounds          BIGINT NOT NULL,
    hazard_campaign TEXT NOT NULL DEFAULT '',    -- the hazards' campaign field (/hazards?campaign=…)
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

CREATE TABLE special_target (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES special_campaign (id),
    enterprise_id TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    town_code     TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    UNIQUE (campaign_id, enterprise_id, name)
);
CREATE INDEX special_target_town ON special_target (campaign_id, town_code, name);

-- A campaign check: the minimal inspection attached to a campaign until
-- the enforcement module records inspections.
CREATE TABLE special_check (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES special_campaign (id),
    target_id     TEXT NOT NULL REFERENCES special_target (id),
    town_code     TEXT NOT NULL,
    checked_on    TEXT NOT NULL,
    round         BIGINT NOT NULL,
    checked_by    TEXT NOT NULL,
    findings      BIGINT NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_name TEXT NOT NULL DEFAULT '',
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX special_check_campaign ON special_check (campaign_id, round, target_id);
CREATE INDEX special_check_target ON special_check (target_id, checked_on);

-- +goose Down
DROP TABLE special_check;
DROP TABLE special_target;
DROP TABLE special_campaign;
