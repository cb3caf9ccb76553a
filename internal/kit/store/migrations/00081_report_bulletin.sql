-- +goose Up
-- Monthly bulletins (月通报): the ranked tables as they were issued for a
-- month (a snapshot: later changes of the records do not rewrite a
-- bulletin that was sent). The report package owns the table.
CREATE TABLE report_bulletin (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    month       TEXT NOT NULL, -- YYYY-MM
    title       TEXT NOT NULL,
    tables      TEXT NOT NULL, -- JSON
    recipients  INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, month)
);

-- +goose Down
DROP TABLE report_bulletin;
