-- +goose Up
-- Hazards found (and of them major) and closed per month, kept by
-- triggers, for the dashboard's 12-month trend: a sum over a few thousand
-- rows instead of a count over a million hazards. One row per county,
-- town, sector, recording unit and month (the columns the scopes use);
-- a hazard counts as found in the month of found_on and as closed in the
-- month of closed_on while its state is closed. Counts may fall to 0.
CREATE TABLE hazard_month (
    county_code TEXT NOT NULL,
    town_code   TEXT NOT NULL,
    sector      TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    month       TEXT NOT NULL,
    found       BIGINT NOT NULL DEFAULT 0,
    major       BIGINT NOT NULL DEFAULT 0,
    closed      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (county_code, month, town_code, sector, unit_id)
);
-- The current month is counted from the hazards: those closed in it by
-- this index (found ones by the ledger's index on found_on).
CREATE INDEX hazard_closed_on ON hazard (county_code, closed_on, state, town_code, sector, unit_id) WHERE state = 'closed';
INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major)
    SELECT county_code, town_code, sector, unit_id, substr(found_on, 1, 7), count(*), count(*) FILTER (WHERE grade = 'major')
    FROM hazard GROUP BY 1, 2, 3, 4, 5;
INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, closed)
    SELECT county_code, town_code, sector, unit_id, substr(closed_on, 1, 7), count(*)
    FROM hazard WHERE state = 'closed' AND closed_on <> '' GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET closed = excluded.closed;
CREATE TRIGGER hazard_month_insert AFTER INSERT ON hazard BEGIN
    INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major)
    VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.found_on, 1, 7), 1, NEW.grade = 'major')
    ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET found = found + 1, major = major + (NEW.grade = 'major');
    INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, closed)
    SELECT NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.closed_on, 1, 7), 1
    WHERE NEW.state = 'closed' AND NEW.closed_on <> ''
    ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET closed = closed + 1;
END;
CREATE TRIGGER hazard_month_delete AFTER DELETE ON hazard BEGIN
    UPDATE hazard_month SET found = found - 1, major = major - (OLD.grade = 'major')
    WHERE county_code = OLD.county_code AND month = substr(OLD.found_on, 1, 7) AND town_code = OLD.town_code AND sector = OLD.sector AND unit_id = OLD.unit_id;
    UPDATE hazard_month SET closed = closed - 1
    WHERE OLD.state = 'closed' AND OLD.closed_on <> '' AND county_code = OLD.county_code AND month = substr(OLD.closed_on, 1, 7)
        AND town_code = OLD.town_code AND sector = OLD.sector AND unit_id = OLD.unit_id;
END;
CREATE TRIGGER hazard_month_update AFTER UPDATE OF county_code, town_code, sector, unit_id, found_on, grade, state, closed_on ON hazard
WHEN OLD.county_code <> NEW.county_code OR OLD.town_code <> NEW.town_code OR OLD.sector <> NEW.sector OR OLD.unit_id <> NEW.unit_id
    OR OLD.found_on <> NEW.found_on OR OLD.grade <> NEW.grade OR OLD.state <> NEW.state OR OLD.closed_on <> NEW.closed_on
BEGIN
    UPDATE hazard_month SET found = found - 1, major = major - (OLD.grade = 'major')
    WHERE county_code = OLD.county_code AND month = substr(OLD.found_on, 1, 7) AND town_code = OLD.town_code AND sector = OLD.sector AND unit_id = OLD.unit_id;
    UPDATE hazard_month SET closed = closed - 1
    WHERE OLD.state = 'closed' AND OLD.closed_on <> '' AND county_code = OLD.county_code AND month = substr(OLD.closed_on, 1, 7)
        AND town_code = OLD.town_code AND sector = OLD.sector AND unit_id = OLD.unit_id;
    INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major)
    VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.found_on, 1, 7), 1, NEW.grade = 'major')
    ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET found = found + 1, major = major + (NEW.grade = 'major');
    INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, closed)
    SELECT NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.closed_on, 1, 7), 1
    WHERE NEW.state = 'closed' AND NEW.closed_on <> ''
    ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET closed = closed + 1;
END;

-- +goose Down
DROP INDEX hazard_closed_on;
DROP TRIGGER hazard_month_update;
DROP TRIGGER hazard_month_delete;
DROP TRIGGER hazard_month_insert;
DROP TABLE hazard_month;
