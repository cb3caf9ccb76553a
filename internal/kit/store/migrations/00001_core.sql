-- +goose Up
-- Regions: county → town/zone → village/community, GB/T 2260-style codes.
CREATE TABLE region (
    code        TEXT PRIMARY KEY,          -- 6 digits county, 9 town, 12 village
    county_code TEXT NOT NULL,
    parent_code TEXT,
    level       TEXT NOT NULL,             -- county | town | village
    kind        TEXT NOT NULL,             -- 县, 镇, 乡, 街道, 开发区, 村, 社区
    name        TEXT NOT NULL,
    sort        BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX region_parent ON region (parent_code);
CREATE INDEX region_county ON region (county_code, level);

-- Units: bureau sections, member departments, town governments, enterprises.
CREATE TABLE unit (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- section | department | town | village | enterprise | bureau
    name        TEXT NOT NULL,
    region_code TEXT,                      -- a town unit's town
    sectors     TEXT NOT NULL DEFAULT '',  -- comma-separated sector codes a section supervises
    phone       TEXT NOT NULL DEFAULT '',
    sort        BIGINT NOT NULL DEFAULT 0,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

CREATE TABLE app_user (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    unit_id        TEXT REFERENCES unit (id),
    region_code    TEXT,                   -- town users: their town
    enterprise_id  TEXT,                   -- enterprise accounts
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   TIMESTAMP,
    last_login_at  TIMESTAMP,
    session_epoch  BIGINT NOT NULL DEFAULT 0,  -- bumped by "log out everywhere"
    lang           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX app_user_unit ON app_user (unit_id);

CREATE TABLE user_session (
    id_hash      TEXT PRIMARY KEY,         -- sha256 of the cookie value
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    epoch        BIGINT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_session_user ON user_session (user_id);

CREATE TABLE api_token (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

-- Audit: append-only, hash-chained. audit_head holds the chain's last link;
-- updating it serialises audit writers on both engines.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    county_code TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL,             -- JSON {"before":…, "after":…}
    ip          TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_user ON audit_log (user_id, at);

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Settings: per-county key/value configuration (card thresholds, channels…).
CREATE TABLE setting (
    county_code TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (county_code, key)
);

-- +goose Down
DROP TABLE setting;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_token;
DROP TABLE user_session;
DROP TABLE app_user;
DROP TABLE unit;
DROP TABLE region;
