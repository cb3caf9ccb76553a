-- +goose Up
-- Hazard counts kept by triggers (see the SQLite version for why): the
-- same table, with one trigger function for insert, update and delete.
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

-- +goose Down
DROP TRIGGER hazard_tally_update ON hazard;
DROP TRIGGER hazard_tally_insert_delete ON hazard;
DROP FUNCTION hazard_tally_count();
DROP TABLE hazard_tally;
