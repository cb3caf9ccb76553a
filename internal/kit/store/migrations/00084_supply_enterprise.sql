-- +goose Up
-- Enterprise stores (企业储备): a warehouse of kind 'enterprise' may name
-- the enterprise that keeps it; that enterprise's accounts keep its stock
-- current, and the preparedness assessment counts its supplies (asked of
-- the supplies service, never by SQL from another module).
ALTER TABLE supply_warehouse ADD COLUMN enterprise_id TEXT NOT NULL DEFAULT '';
CREATE INDEX supply_warehouse_enterprise ON supply_warehouse (county_code, enterprise_id);

-- +goose Down
DROP INDEX supply_warehouse_enterprise;
ALTER TABLE supply_warehouse DROP COLUMN enterprise_id;
