-- +goose Up
-- 行政许可: licences issued or recorded (the register) and the
-- applications that lead to them. Calendar dates (申请日期, 受理日期,
-- 有效期 …) are TEXT 'YYYY-MM-DD' in Asia/Shanghai ('' when not yet);
-- created_at/updated_at/at are TIMESTAMP in UTC.

-- 许可证台账: one licence.
CREATE TABLE licence (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    enterprise_id  TEXT NOT NULL REFERENCES enterprise (id),
    type           TEXT NOT NULL,            -- fireworks_retail | hazchem_no_storage | petrol_station
    number         TEXT NOT NULL,            -- （示）LS〔2022〕3号, or the city's number
    number_year    BIGINT,                   -- year and serial of a county number (NULL for other numbers)
    number_serial  BIGINT,
    issuer         TEXT NOT NULL,            -- county | city
    issuer_name    TEXT NOT NULL DEFAULT '',
    scope          TEXT NOT NULL DEFAULT '', -- 许可范围
    issued_on      TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    status         TEXT NOT NULL,            -- active | cancelled | replaced
    ended_on       TEXT NOT NULL DEFAULT '',
    end_reason     TEXT NOT NULL DEFAULT '',
    application_id TEXT NOT NULL DEFAULT '',
    replaces_id    TEXT NOT NULL DEFAULT '', -- the licence an extension or change superseded
    source         TEXT NOT NULL,            -- issued | city | import
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (county_code, type, number_year, number_serial),
    UNIQUE (county_code, type, number)
);
CREATE INDEX licence_valid_to ON licence (county_code, status, valid_to);
CREATE INDEX licence_issued ON licence (county_code, issued_on);
CREATE INDEX licence_enterprise ON licence (enterprise_id);
CREATE INDEX licence_replaces ON licence (replaces_id);

-- 许可申请: an application and the dates of its steps.
CREATE TABLE licence_application (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL REFERENCES enterprise (id),
    type            TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- new | extension | change
    state           TEXT NOT NULL,
    prev_licence_id TEXT NOT NULL DEFAULT '',
    scope           TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    submitted_on    TEXT NOT NULL,
    accepted_on     TEXT NOT NULL DEFAULT '',
    limit_days      BIGINT NOT NULL DEFAULT 0, -- statutory limit (working days) fixed at acceptance
    review_on       TEXT NOT NULL DEFAULT '',
    closed_on       TEXT NOT NULL DEFAULT '', -- 不予受理
    close_reason    TEXT NOT NULL DEFAULT '',
    decided_on      TEXT NOT NULL DEFAULT '',
    decision        TEXT NOT NULL DEFAULT '', -- granted | refused
    decision_reason TEXT NOT NULL DEFAULT '',
    decision_number TEXT NOT NULL DEFAULT '',
    decision_year   BIGINT,
    decision_serial BIGINT,
    overdue_reason  TEXT NOT NULL DEFAULT '', -- 超期说明
    issued_on       TEXT NOT NULL DEFAULT '',
    prelim_on       TEXT NOT NULL DEFAULT '', -- petrol stations: 初审
    prelim_opinion  TEXT NOT NULL DEFAULT '',
    forwarded_on    TEXT NOT NULL DEFAULT '', -- 转报市局
    forward_note    TEXT NOT NULL DEFAULT '',
    city_on         TEXT NOT NULL DEFAULT '', -- 市局决定
    city_decision   TEXT NOT NULL DEFAULT '',
    city_reason     TEXT NOT NULL DEFAULT '',
    licence_id      TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, decision_year, decision_serial)
);
CREATE INDEX licence_application_state ON licence_application (county_code, state, submitted_on);
CREATE INDEX licence_application_decided ON licence_application (county_code, decided_on);
CREATE INDEX licence_application_prelim ON licence_application (county_code, prelim_on);
CREATE INDEX licence_application_enterprise ON licence_application (enterprise_id);

-- The timeline of an application: each step, its date and who took it.
CREATE TABLE licence_event (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES licence_application (id),
    seq            BIGINT NOT NULL,          -- 1, 2, 3 … in the order the steps were taken
    action         TEXT NOT NULL,
    state_from     TEXT NOT NULL,
    state_to       TEXT NOT NULL,
    on_date        TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    by_user        TEXT NOT NULL,
    by_name        TEXT NOT NULL,
    at             TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX licence_event_app ON licence_event (application_id, seq);

-- +goose Down
DROP TABLE licence_event;
DROP TABLE licence_application;
DROP TABLE licence;
