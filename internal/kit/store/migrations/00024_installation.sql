-- +goose Up
-- What a database remembers about itself, whatever the flags of a later
-- start say: the county it was created for ("county", "county_name") and
-- the business date it runs on ("business_date", YYYY-MM-DD; absent: the
-- real date). One row per key; the app package owns the table.
CREATE TABLE installation (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE installation;
