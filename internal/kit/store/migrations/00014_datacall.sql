-- +goose Up
-- 数据填报: forms defined by the county safety office, calls of a form for
-- a period sent to units with a deadline, and each unit's response.
CREATE TABLE datacall_form (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL,               -- JSON [{key, label, type, parent, unit, source}]
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);

CREATE TABLE datacall_call (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    form_id      TEXT NOT NULL REFERENCES datacall_form (id),
    period       TEXT NOT NULL,               -- label, e.g. 2022年1-5月
    period_from  TEXT NOT NULL DEFAULT '',    -- days the figures cover (pre-fill)
    period_to    TEXT NOT NULL DEFAULT '',
    deadline     TEXT NOT NULL,
    campaign     TEXT NOT NULL DEFAULT '',    -- hazard campaign the pre-fill counts
    note         TEXT NOT NULL DEFAULT '',
    issued_by    TEXT NOT NULL,
    issued_name  TEXT NOT NULL DEFAULT '',
    issued_at    TIMESTAMP NOT NULL,
    UNIQUE (form_id, period)
);
CREATE INDEX datacall_call_county ON datacall_call (county_code, deadline);

CREATE TABLE datacall_response (
    call_id        TEXT NOT NULL REFERENCES datacall_call (id),
    unit_id        TEXT NOT NULL,
    county_code    TEXT NOT NULL,
    state          TEXT NOT NULL,             -- pending | draft | submitted | returned
    answers        TEXT NOT NULL DEFAULT '',  -- JSON {field key: canonical value}
    prefilled      TEXT NOT NULL DEFAULT '',  -- JSON of the values pre-filled from records
    submitted_on   TEXT NOT NULL DEFAULT '',
    submitted_by   TEXT NOT NULL DEFAULT '',
    submitted_name TEXT NOT NULL DEFAULT '',
    return_reason  TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, unit_id)
);
CREATE INDEX datacall_response_unit ON datacall_response (unit_id, state);

-- +goose Down
DROP TABLE datacall_response;
DROP TABLE datacall_call;
DROP TABLE datacall_form;
