-- +goose Up
-- 应急物资: the item catalogue, warehouses (储备库), stock lines, the
-- movement ledger (入库/出库/调拨/盘点) and dispatch orders (调拨单).
-- A stock line's quantity is always the sum of its movements' deltas
-- (the service writes both in one transaction; tests check it), and never
-- negative (CHECK, and the guarded UPDATE of the service).
CREATE TABLE supply_item (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,                 -- 计量单位: 床, 件, 顶 …
    category    TEXT NOT NULL,                 -- clothing | tent | lifesaving | rescue | lighting | living | other
    spec        TEXT NOT NULL DEFAULT '',      -- 规格型号
    min_qty     BIGINT NOT NULL DEFAULT 0,     -- 最低库存 per warehouse (0: no alert)
    stat_key    TEXT NOT NULL DEFAULT '',      -- 统计口径 in report figures (quilts, coats …)
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

CREATE TABLE supply_warehouse (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- county | town | enterprise | social (社会号料)
    owner_unit  TEXT NOT NULL DEFAULT '',      -- 管理单位
    town_code   TEXT NOT NULL DEFAULT '',      -- the town it lies in ('' for none)
    address     TEXT NOT NULL DEFAULT '',
    lat         DOUBLE PRECISION,
    lng         DOUBLE PRECISION,
    keeper      TEXT NOT NULL DEFAULT '',      -- 仓库管理员
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);
CREATE INDEX supply_warehouse_town ON supply_warehouse (county_code, town_code);

CREATE TABLE supply_stock (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES supply_warehouse (id),
    item_id      TEXT NOT NULL REFERENCES supply_item (id),
    batch        TEXT NOT NULL DEFAULT '',     -- 批次
    expires_on   TEXT NOT NULL DEFAULT '',     -- 有效期至 YYYY-MM-DD ('' none)
    owner        TEXT NOT NULL DEFAULT '',     -- 产权单位
    quantity     BIGINT NOT NULL CHECK (quantity >= 0),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (warehouse_id, item_id, batch)
);
CREATE INDEX supply_stock_item ON supply_stock (county_code, item_id);
CREATE INDEX supply_stock_expiry ON supply_stock (county_code, expires_on);

CREATE TABLE supply_movement (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    stock_id     TEXT NOT NULL REFERENCES supply_stock (id),
    warehouse_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,                -- in | out | transfer_out | transfer_in | count
    delta        BIGINT NOT NULL,              -- signed change of the stock line
    moved_on     TEXT NOT NULL,                -- YYYY-MM-DD
    dispatch_id  TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    by_user      TEXT NOT NULL,
    by_name      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX supply_movement_stock ON supply_movement (stock_id);
CREATE INDEX supply_movement_date ON supply_movement (county_code, moved_on);
CREATE INDEX supply_movement_dispatch ON supply_movement (dispatch_id);

CREATE TABLE supply_dispatch (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    number          TEXT NOT NULL,             -- 调拨单号
    year            BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    from_warehouse  TEXT NOT NULL REFERENCES supply_warehouse (id),
    to_kind         TEXT NOT NULL,             -- town | unit
    to_town         TEXT NOT NULL DEFAULT '',  -- receiving town code
    to_unit         TEXT NOT NULL DEFAULT '',  -- receiving unit name (to_kind unit)
    to_warehouse    TEXT NOT NULL DEFAULT '',  -- the town's warehouse that receives ('' none)
    purpose         TEXT NOT NULL,             -- relief | flood | fire | other
    partner         TEXT NOT NULL DEFAULT '',  -- 会同单位 (e.g. 县发改委)
    reason          TEXT NOT NULL DEFAULT '',
    dispatch_on     TEXT NOT NULL,             -- 调拨日期 YYYY-MM-DD
    state           TEXT NOT NULL,             -- requested | dispatched | received | rejected
    source          TEXT NOT NULL DEFAULT '',  -- another module's record that issued it ('' a form)
    requested_by    TEXT NOT NULL,
    requested_name  TEXT NOT NULL DEFAULT '',
    approved_by     TEXT NOT NULL DEFAULT '',
    approved_name   TEXT NOT NULL DEFAULT '',
    approved_at     TIMESTAMP,
    reject_reason   TEXT NOT NULL DEFAULT '',
    received_by     TEXT NOT NULL DEFAULT '',
    received_name   TEXT NOT NULL DEFAULT '',
    received_on     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, number),
    UNIQUE (county_code, year, seq)
);
CREATE INDEX supply_dispatch_date ON supply_dispatch (county_code, dispatch_on);
CREATE INDEX supply_dispatch_town ON supply_dispatch (county_code, to_town);

CREATE TABLE supply_dispatch_line (
    id           TEXT PRIMARY KEY,
    dispatch_id  TEXT NOT NULL REFERENCES supply_dispatch (id),
    seq          BIGINT NOT NULL,
    item_id      TEXT NOT NULL REFERENCES supply_item (id),
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    received_qty BIGINT NOT NULL DEFAULT 0 CHECK (received_qty >= 0),
    UNIQUE (dispatch_id, seq)
);

-- +goose Down
DROP TABLE supply_dispatch_line;
DROP TABLE supply_dispatch;
DROP TABLE supply_movement;
DROP TABLE supply_stock;
DROP TABLE supply_warehouse;
DROP TABLE supply_item;
