-- +goose Up
-- The period report's drafts: the narrative paragraphs staff write around
-- the computed figures, one row per saved version (a save never changes
-- an earlier version). The report package owns the table.
CREATE TABLE report_draft (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    narrative   TEXT NOT NULL, -- JSON: section key → paragraph
    created_by  TEXT NOT NULL,
    creator     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, period_from, period_to, region, version)
);

-- +goose Down
DROP TABLE report_draft;
