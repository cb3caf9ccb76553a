-- +goose Up
-- Open hazards by scope column, newest finding first (partial: open
-- hazards only, a small share of the table), with the deadline: the
-- ledger's page of a section, town or department's open hazards reads
-- them in order, and their overdue count reads only them. Queries say
-- "state <> 'closed'" to match them.
CREATE INDEX hazard_open_sector ON hazard (county_code, sector, found_on, deadline, state) WHERE state <> 'closed';
CREATE INDEX hazard_open_town ON hazard (county_code, town_code, found_on, deadline, state) WHERE state <> 'closed';
CREATE INDEX hazard_open_unit ON hazard (county_code, unit_id, found_on, deadline, state) WHERE state <> 'closed';

-- +goose Down
DROP INDEX hazard_open_unit;
DROP INDEX hazard_open_town;
DROP INDEX hazard_open_sector;
