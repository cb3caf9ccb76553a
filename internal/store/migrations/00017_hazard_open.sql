-- +goose Up
-- Open hazards by scope column and deadline (partial: open hazards only,
-- a small share of the table), so that the overdue count of a section,
-- town or department, and the overdue board, read only the open
-- hazards of that scope. Queries say "state <> 'closed'" to match them.
CREATE INDEX hazard_open_sector ON hazard (county_code, sector, deadline) WHERE state <> 'closed';
CREATE INDEX hazard_open_town ON hazard (county_code, town_code, deadline) WHERE state <> 'closed';
CREATE INDEX hazard_open_unit ON hazard (county_code, unit_id, deadline) WHERE state <> 'closed';

-- +goose Down
DROP INDEX hazard_open_unit;
DROP INDEX hazard_open_town;
DROP INDEX hazard_open_sector;
