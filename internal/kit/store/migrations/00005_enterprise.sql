-- +goose Up
-- 生产经营单位: the enterprises the bureau supervises.
CREATE TABLE enterprise (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    name            TEXT NOT NULL,
    credit_code     TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    town_code       TEXT NOT NULL,
    village_code    TEXT NOT NULL DEFAULT '',
    lat             DOUBLE PRECISION,
    lng             DOUBLE PRECISION,
    sector          TEXT NOT NULL,
    scale           TEXT NOT NULL,
    specials        TEXT NOT NULL DEFAULT '',   -- comma-separated, with leading and trailing commas: ,dust,confined,
    section_id      TEXT NOT NULL DEFAULT '',
    principal_name  TEXT NOT NULL DEFAULT '',
    principal_phone TEXT NOT NULL DEFAULT '',
    safety_name     TEXT NOT NULL DEFAULT '',
    safety_phone    TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    risk            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, credit_code)
);
CREATE INDEX enterprise_name ON enterprise (county_code, name);
CREATE INDEX enterprise_town ON enterprise (county_code, town_code, name);
CREATE INDEX enterprise_sector ON enterprise (county_code, sector, name);
CREATE INDEX enterprise_status ON enterprise (county_code, status, risk);

-- Key-field changes asked for by enterprise accounts, decided by the
-- supervising section (企业信息变更审核).
CREATE TABLE enterprise_change (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    fields        TEXT NOT NULL,               -- JSON {"name": {"from": …, "to": …}, …}
    state         TEXT NOT NULL,               -- pending | approved | rejected
    requested_by  TEXT NOT NULL,
    requested_at  TIMESTAMP NOT NULL,
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMP,
    reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX enterprise_change_state ON enterprise_change (county_code, state, requested_at);
CREATE INDEX enterprise_change_ent ON enterprise_change (enterprise_id);

-- +goose Down
DROP TABLE enterprise_change;
DROP TABLE enterprise;
