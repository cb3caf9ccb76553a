-- +goose Up
-- Nothing on PostgreSQL: 00092 stores the hazard tallies in key order on
-- SQLite (WITHOUT ROWID); a PostgreSQL table is a heap with its key index,
-- and the trend reads its months through an index scan.

-- +goose Down
