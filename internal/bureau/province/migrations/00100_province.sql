-- The province database (逐级上报): what counties publish and the province
-- sums. Its own migration set, recorded in province_db_version, so a
-- province database may be a separate database or share one with a county.

-- +goose Up
-- One row a number (or a word) of a figure, as a county computed it for a
-- period. Record IDs stay in the county: the province links back by county
-- and figure id. Republishing a period replaces the county's rows.
CREATE TABLE province_number (
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    county_code TEXT NOT NULL,
    figure_id TEXT NOT NULL,
    number_key TEXT NOT NULL,
    county_name TEXT NOT NULL,
    ord BIGINT NOT NULL,
    value BIGINT NOT NULL,
    last_year BIGINT,
    unit TEXT NOT NULL,
    word TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (period_from, period_to, county_code, figure_id, number_key)
);
CREATE INDEX province_number_county ON province_number (county_code, period_from, period_to);

-- How the figures read: section, order, label and sentence (zh, en) and the
-- numbers that cannot be summed, as the last county to publish declared them.
CREATE TABLE province_figure (
    figure_id TEXT PRIMARY KEY,
    section TEXT NOT NULL,
    ord BIGINT NOT NULL,
    compare BOOLEAN NOT NULL,
    per_county TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    version TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL
);

-- The counties that have published at least once: the roll-up lists those
-- that did not publish the period asked for.
CREATE TABLE province_county (
    county_code TEXT PRIMARY KEY,
    county_name TEXT NOT NULL,
    first_published TIMESTAMP NOT NULL,
    last_published TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE province_county;
DROP TABLE province_figure;
DROP TABLE province_number;
