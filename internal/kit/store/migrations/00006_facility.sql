-- +goose Up
-- 设施台账: mines (地下/露天矿山), tailings ponds (尾矿库) and major hazard
-- sources (重大危险源) of the supervised enterprises. The current status is
-- kept on the row; facility_status holds the dated history.
CREATE TABLE facility (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL REFERENCES enterprise (id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- mine_underground | mine_openpit | tailings_pond | major_hazard
    lat             DOUBLE PRECISION,            -- NULL: the enterprise's point is used on the map
    lng             DOUBLE PRECISION,
    mineral         TEXT NOT NULL DEFAULT '',    -- mines: 开采矿种
    capacity        DOUBLE PRECISION,            -- mines: 生产规模, 万吨/年
    pond_grade      BIGINT NOT NULL DEFAULT 0,   -- tailings ponds: 等别 1–5 (0: not set)
    design_capacity DOUBLE PRECISION,            -- tailings ponds: 设计库容, 万立方米
    dam_height      DOUBLE PRECISION,            -- tailings ponds: 坝高, 米
    hazard_level    BIGINT NOT NULL DEFAULT 0,   -- major hazard sources: 级别 1–4
    substances      TEXT NOT NULL DEFAULT '',    -- major hazard sources: 主要危险物质
    status          TEXT NOT NULL,               -- current status (the last row of facility_status)
    status_date     TEXT NOT NULL,               -- its effective date, YYYY-MM-DD
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, enterprise_id, name)
);
CREATE INDEX facility_kind ON facility (county_code, kind, status);
CREATE INDEX facility_enterprise ON facility (enterprise_id);

-- Status history: one row per status a facility took, in recording order
-- (seq 1 is the status it was registered with). Effective dates are
-- calendar dates written YYYY-MM-DD, so they compare as text on both
-- engines; a change's date is never before the previous one's.
CREATE TABLE facility_status (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    facility_id    TEXT NOT NULL REFERENCES facility (id),
    seq            BIGINT NOT NULL,
    status         TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,                -- user id
    recorded_name  TEXT NOT NULL DEFAULT '',     -- the user's name at the time
    recorded_at    TIMESTAMP NOT NULL,
    UNIQUE (facility_id, seq)
);
CREATE INDEX facility_status_date ON facility_status (county_code, effective_date);

-- +goose Down
DROP TABLE facility_status;
DROP TABLE facility;
