-- +goose Up
-- 事故隐患: one row per hazard. Dates are TEXT 'YYYY-MM-DD' (Asia/Shanghai
-- calendar days), which sort and compare as dates on both engines.
-- town_code and sector are copied from the enterprise at reporting time
-- so that scope and statistics need no join at a million rows.
CREATE TABLE hazard (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    enterprise_id  TEXT NOT NULL DEFAULT '',
    place_name     TEXT NOT NULL DEFAULT '',   -- when no enterprise (e.g. a quarantine site)
    town_code      TEXT NOT NULL,
    sector         TEXT NOT NULL DEFAULT '',
    unit_id        TEXT NOT NULL DEFAULT '',   -- recording unit (section, department, town)
    source         TEXT NOT NULL,
    source_ref     TEXT NOT NULL DEFAULT '',   -- inspection or report it came from
    campaign       TEXT NOT NULL DEFAULT '',   -- e.g. 2022大检查
    grade          TEXT NOT NULL DEFAULT '',
    clause         TEXT NOT NULL DEFAULT '',   -- 判定标准 clause (major)
    category       TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    responsible    TEXT NOT NULL DEFAULT '',
    measures       TEXT NOT NULL DEFAULT '',
    found_on       TEXT NOT NULL,
    deadline       TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,
    order_number   TEXT NOT NULL DEFAULT '',   -- 责令限期整改指令书
    on_site        BOOLEAN NOT NULL DEFAULT FALSE,
    rectified_by   TEXT NOT NULL DEFAULT '',
    rectified_on   TEXT NOT NULL DEFAULT '',
    verified_on    TEXT NOT NULL DEFAULT '',
    review_number  TEXT NOT NULL DEFAULT '',   -- 整改复查意见书
    closed_on      TEXT NOT NULL DEFAULT '',
    plan_measures  TEXT NOT NULL DEFAULT '',   -- 治理方案 五到位
    plan_funds     TEXT NOT NULL DEFAULT '',
    plan_deadline  TEXT NOT NULL DEFAULT '',
    plan_person    TEXT NOT NULL DEFAULT '',
    plan_emergency TEXT NOT NULL DEFAULT '',
    listed         BOOLEAN NOT NULL DEFAULT FALSE,  -- 挂牌督办
    extensions     BIGINT NOT NULL DEFAULT 0,
    card           TEXT NOT NULL DEFAULT '',   -- current card: '' | yellow | red
    card_since     TEXT NOT NULL DEFAULT '',
    reported_by    TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX hazard_found ON hazard (county_code, found_on);
CREATE INDEX hazard_state ON hazard (county_code, state, deadline);
CREATE INDEX hazard_town ON hazard (county_code, town_code, found_on);
CREATE INDEX hazard_sector ON hazard (county_code, sector, found_on);
CREATE INDEX hazard_enterprise ON hazard (enterprise_id, found_on);
CREATE INDEX hazard_card ON hazard (county_code, card);

-- Every step of a hazard's loop, with its evidence (attachments are
-- owned by the event).
CREATE TABLE hazard_event (
    id          TEXT PRIMARY KEY,
    hazard_id   TEXT NOT NULL REFERENCES hazard (id),
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    on_day      TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    by_user     TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    doc_number  TEXT NOT NULL DEFAULT '',
    deadline    TEXT NOT NULL DEFAULT '',
    evidence    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hazard_event_hazard ON hazard_event (hazard_id, at);

-- +goose Down
DROP TABLE hazard_event;
DROP TABLE hazard;
