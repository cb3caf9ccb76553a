-- +goose Up
-- Hazards found (major apart) and closed per month, kept by triggers (see
-- the SQLite version for why): the same table, one trigger function.
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

-- +goose Down
DROP INDEX hazard_closed_on;
DROP TRIGGER hazard_month_update ON hazard;
DROP TRIGGER hazard_month_insert_delete ON hazard;
DROP FUNCTION hazard_month_count();
DROP TABLE hazard_month;
