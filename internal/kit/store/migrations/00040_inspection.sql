-- +goose Up
-- 监管执法 (first half): inspectors, annual plans, 双随机 draws and
-- inspections. Calendar dates are TEXT 'YYYY-MM-DD'; lists that travel
-- together (officers, checklist, snapshots) are JSON TEXT.

-- 执法人员库: users who may inspect, their 执法证号 and the enterprises
-- they must avoid (回避, comma-separated enterprise IDs).
CREATE TABLE inspector (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    cert_no     TEXT NOT NULL,
    unit_id     TEXT NOT NULL DEFAULT '',
    related     TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, user_id)
);

-- 年度监督检查计划, one per section and year.
CREATE TABLE insp_plan (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    year         INTEGER NOT NULL,
    section_id   TEXT NOT NULL,
    section_name TEXT NOT NULL,
    title        TEXT NOT NULL,
    random_share INTEGER NOT NULL,
    staff        INTEGER NOT NULL,
    statutory    INTEGER NOT NULL,
    other_days   INTEGER NOT NULL,
    non_enf_days INTEGER NOT NULL,
    workdays     INTEGER NOT NULL,
    monthly      TEXT NOT NULL,
    approved_on  TEXT NOT NULL DEFAULT '',
    approval_ref TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (county_code, year, section_id)
);

-- The plan's enterprises: key (重点) or general (一般).
CREATE TABLE insp_plan_item (
    plan_id       TEXT NOT NULL REFERENCES insp_plan (id),
    enterprise_id TEXT NOT NULL,
    kind          TEXT NOT NULL,
    PRIMARY KEY (plan_id, enterprise_id)
);
CREATE INDEX insp_plan_item_ent ON insp_plan_item (enterprise_id);

-- 双随机 draws: the seed and both pools as they were, so that the draw
-- replays identically; tasks (JSON) are the published list.
CREATE TABLE insp_draw (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    plan_id      TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL,
    drawn_on     TEXT NOT NULL,
    seed         TEXT NOT NULL,
    input        TEXT NOT NULL,
    tasks        TEXT NOT NULL,
    published_on TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX insp_draw_county ON insp_draw (county_code, drawn_on);

-- 现场检查, counted in 家次. client_id makes an offline resend harmless.
CREATE TABLE inspection (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    on_day        TEXT NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    place_name    TEXT NOT NULL,
    town_code     TEXT NOT NULL DEFAULT '',
    sector        TEXT NOT NULL DEFAULT '',
    unit_id       TEXT NOT NULL DEFAULT '',
    plan_id       TEXT NOT NULL DEFAULT '',
    draw_id       TEXT NOT NULL DEFAULT '',
    template      TEXT NOT NULL DEFAULT '',
    officers      TEXT NOT NULL,
    items         TEXT NOT NULL,
    failed        INTEGER NOT NULL DEFAULT 0,
    hazards       INTEGER NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT '',
    signer        TEXT NOT NULL DEFAULT '',
    signature_id  TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (county_code, client_id)
);
CREATE INDEX inspection_day ON inspection (county_code, on_day);
CREATE INDEX inspection_ent ON inspection (enterprise_id, on_day);

-- Free findings (问题); a 上级督查's fall on enterprises or on
-- 政府和监管部门.
CREATE TABLE inspection_finding (
    id            TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspection (id),
    county_code   TEXT NOT NULL,
    party         TEXT NOT NULL,
    party_name    TEXT NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL,
    hazard_id     TEXT NOT NULL DEFAULT '',
    seq           INTEGER NOT NULL
);
CREATE INDEX inspection_finding_insp ON inspection_finding (inspection_id, seq);

-- +goose Down
DROP TABLE inspection_finding;
DROP TABLE inspection;
DROP TABLE insp_draw;
DROP TABLE insp_plan_item;
DROP TABLE insp_plan;
DROP TABLE inspector;
