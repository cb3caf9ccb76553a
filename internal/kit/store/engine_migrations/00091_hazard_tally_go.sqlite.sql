-- +goose Up
-- hazard_tally and hazard_month are kept in Go from now on, in the
-- transaction of every write to hazards (internal/bureau/hazard,
-- store_tally.go), the one way the project keeps derived counts: the
-- triggers of 00016 and 00090 go; the tables and their counts stay.
DROP TRIGGER hazard_tally_insert;
DROP TRIGGER hazard_tally_delete;
DROP TRIGGER hazard_tally_update;
DROP TRIGGER hazard_month_insert;
DROP TRIGGER hazard_month_delete;
DROP TRIGGER hazard_month_update;

-- +goose Down
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
