-- +goose Up
-- Hazard counts kept by triggers, so that the ledger's figures (found,
-- open, major) for a whole county, section, town or department are a sum
-- over at most a few thousand rows instead of a count over a million
-- hazards. One row per combination of the columns the scopes and the
-- simple ledger filters use; n may fall to 0 and the row stays.
CREATE TABLE hazard_tally (
    county_code TEXT NOT NULL,
    town_code   TEXT NOT NULL,
    sector      TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    grade       TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (county_code, town_code, sector, unit_id, state, grade)
);
INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)
    SELECT county_code, town_code, sector, unit_id, state, grade, count(*) FROM hazard
    GROUP BY county_code, town_code, sector, unit_id, state, grade;
CREATE TRIGGER hazard_tally_insert AFTER INSERT ON hazard BEGIN
    INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)
    VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, NEW.state, NEW.grade, 1)
    ON CONFLICT (county_code, town_code, sector, unit_id, state, grade) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER hazard_tally_delete AFTER DELETE ON hazard BEGIN
    UPDATE hazard_tally SET n = n - 1 WHERE county_code = OLD.county_code AND town_code = OLD.town_code AND sector = OLD.sector
        AND unit_id = OLD.unit_id AND state = OLD.state AND grade = OLD.grade;
END;
CREATE TRIGGER hazard_tally_update AFTER UPDATE OF county_code, town_code, sector, unit_id, state, grade ON hazard
WHEN OLD.county_code <> NEW.county_code OR OLD.town_code <> NEW.town_code OR OLD.sector <> NEW.sector
    OR OLD.unit_id <> NEW.unit_id OR OLD.state <> NEW.state OR OLD.grade <> NEW.grade
BEGIN
    UPDATE hazard_tally SET n = n - 1 WHERE county_code = OLD.county_code AND town_code = OLD.town_code AND sector = OLD.sector
        AND unit_id = OLD.unit_id AND state = OLD.state AND grade = OLD.grade;
    INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)
    VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, NEW.state, NEW.grade, 1)
    ON CONFLICT (county_code, town_code, sector, unit_id, state, grade) DO UPDATE SET n = n + 1;
END;

-- +goose Down
DROP TRIGGER hazard_tally_update;
DROP TRIGGER hazard_tally_delete;
DROP TRIGGER hazard_tally_insert;
DROP TABLE hazard_tally;
