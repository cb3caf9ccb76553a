-- +goose Up
-- hazard_tally and hazard_month are kept in Go from now on, in the
-- transaction of every write to hazards (internal/bureau/hazard,
-- store_tally.go), the one way the project keeps derived counts: the
-- triggers of 00016 and 00090 and their functions go; the tables and
-- their counts stay.
DROP TRIGGER hazard_tally_update ON hazard;
DROP TRIGGER hazard_tally_insert_delete ON hazard;
DROP FUNCTION hazard_tally_count();
DROP TRIGGER hazard_month_update ON hazard;
DROP TRIGGER hazard_month_insert_delete ON hazard;
DROP FUNCTION hazard_month_count();

-- +goose Down
CREATE FUNCTION hazard_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE hazard_tally SET n = n - 1 WHERE county_code = OLD.county_code AND town_code = OLD.town_code
            AND sector = OLD.sector AND unit_id = OLD.unit_id AND state = OLD.state AND grade = OLD.grade;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)
        VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, NEW.state, NEW.grade, 1)
        ON CONFLICT (county_code, town_code, sector, unit_id, state, grade) DO UPDATE SET n = hazard_tally.n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER hazard_tally_insert_delete AFTER INSERT OR DELETE ON hazard
    FOR EACH ROW EXECUTE FUNCTION hazard_tally_count();
CREATE TRIGGER hazard_tally_update AFTER UPDATE OF county_code, town_code, sector, unit_id, state, grade ON hazard
    FOR EACH ROW WHEN (OLD.county_code <> NEW.county_code OR OLD.town_code <> NEW.town_code OR OLD.sector <> NEW.sector
        OR OLD.unit_id <> NEW.unit_id OR OLD.state <> NEW.state OR OLD.grade <> NEW.grade)
    EXECUTE FUNCTION hazard_tally_count();
CREATE FUNCTION hazard_month_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE hazard_month SET found = hazard_month.found - 1, major = hazard_month.major - (CASE WHEN OLD.grade = 'major' THEN 1 ELSE 0 END)
        WHERE county_code = OLD.county_code AND month = substr(OLD.found_on, 1, 7) AND town_code = OLD.town_code
            AND sector = OLD.sector AND unit_id = OLD.unit_id;
        IF OLD.state = 'closed' AND OLD.closed_on <> '' THEN
            UPDATE hazard_month SET closed = hazard_month.closed - 1
            WHERE county_code = OLD.county_code AND month = substr(OLD.closed_on, 1, 7) AND town_code = OLD.town_code
                AND sector = OLD.sector AND unit_id = OLD.unit_id;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major)
        VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.found_on, 1, 7), 1, CASE WHEN NEW.grade = 'major' THEN 1 ELSE 0 END)
        ON CONFLICT (county_code, month, town_code, sector, unit_id)
        DO UPDATE SET found = hazard_month.found + 1, major = hazard_month.major + excluded.major;
        IF NEW.state = 'closed' AND NEW.closed_on <> '' THEN
            INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, closed)
            VALUES (NEW.county_code, NEW.town_code, NEW.sector, NEW.unit_id, substr(NEW.closed_on, 1, 7), 1)
            ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET closed = hazard_month.closed + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER hazard_month_insert_delete AFTER INSERT OR DELETE ON hazard
    FOR EACH ROW EXECUTE FUNCTION hazard_month_count();
CREATE TRIGGER hazard_month_update AFTER UPDATE OF county_code, town_code, sector, unit_id, found_on, grade, state, closed_on ON hazard
    FOR EACH ROW WHEN (OLD.county_code <> NEW.county_code OR OLD.town_code <> NEW.town_code OR OLD.sector <> NEW.sector
        OR OLD.unit_id <> NEW.unit_id OR OLD.found_on <> NEW.found_on OR OLD.grade <> NEW.grade OR OLD.state <> NEW.state
        OR OLD.closed_on <> NEW.closed_on)
    EXECUTE FUNCTION hazard_month_count();
