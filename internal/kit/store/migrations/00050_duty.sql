-- +goose Up
-- 值班值守 duty desk: settings, roster (shifts and the people on them),
-- swaps, the duty log, incident reports with their chain of reports and
-- 领导批示. Calendar days are TEXT 'YYYY-MM-DD'; moments TIMESTAMP in UTC.

-- A county's duty settings (shift length, rotation lists, deadlines) as JSON.
CREATE TABLE duty_setting (
    county_code TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,
    leader_at   BIGINT NOT NULL DEFAULT 0, -- next position in the leaders' rotation
    officer_at  BIGINT NOT NULL DEFAULT 0, -- next position in the officers' rotation
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE duty_shift (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    day            TEXT NOT NULL,
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    holiday        BOOLEAN NOT NULL DEFAULT FALSE,
    handed_over_at TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (county_code, starts_at)
);
CREATE INDEX duty_shift_day ON duty_shift (county_code, day);
CREATE INDEX duty_shift_ends ON duty_shift (county_code, ends_at);

-- One person on one shift: one person-shift (人次).
CREATE TABLE duty_assignment (
    id          TEXT PRIMARY KEY,
    shift_id    TEXT NOT NULL REFERENCES duty_shift (id),
    county_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    position    TEXT NOT NULL, -- leader | officer
    slot        BIGINT NOT NULL,
    person_name TEXT NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    UNIQUE (shift_id, slot)
);
CREATE INDEX duty_assignment_day ON duty_assignment (county_code, day);
CREATE INDEX duty_assignment_user ON duty_assignment (user_id, day);

-- 换班: requested by one person, decided by another.
CREATE TABLE duty_swap (
    id                 TEXT PRIMARY KEY,
    county_code        TEXT NOT NULL,
    assignment_id      TEXT NOT NULL REFERENCES duty_assignment (id),
    with_assignment_id TEXT NOT NULL DEFAULT '',
    substitute_name    TEXT NOT NULL DEFAULT '',
    substitute_user_id TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL,
    requested_by       TEXT NOT NULL,
    requested_by_name  TEXT NOT NULL DEFAULT '',
    requested_at       TIMESTAMP NOT NULL,
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_by_name    TEXT NOT NULL DEFAULT '',
    decided_at         TIMESTAMP
);
CREATE INDEX duty_swap_state ON duty_swap (county_code, state, requested_at);

-- 值班日志. An entry freezes when its shift is handed over; a correction
-- is a new entry naming the old one.
CREATE TABLE duty_log (
    id               TEXT PRIMARY KEY,
    county_code      TEXT NOT NULL,
    shift_id         TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    at               TIMESTAMP NOT NULL,
    caller           TEXT NOT NULL DEFAULT '',
    unit             TEXT NOT NULL DEFAULT '',
    place            TEXT NOT NULL DEFAULT '',
    nature           TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL DEFAULT '',
    content          TEXT NOT NULL DEFAULT '',
    corrects         TEXT NOT NULL DEFAULT '',
    frozen           BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_by      TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX duty_log_at ON duty_log (county_code, at);
CREATE INDEX duty_log_shift ON duty_log (shift_id);

-- 突发事件信息报告.
CREATE TABLE duty_incident (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    title           TEXT NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    occurred_at     TIMESTAMP,
    source          TEXT NOT NULL,
    category        TEXT NOT NULL,
    subtype         TEXT NOT NULL DEFAULT '',
    level           TEXT NOT NULL,
    town_code       TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL DEFAULT '',
    lat             DOUBLE PRECISION NOT NULL DEFAULT 0,
    lng             DOUBLE PRECISION NOT NULL DEFAULT 0,
    deaths          BIGINT NOT NULL DEFAULT 0,
    injuries        BIGINT NOT NULL DEFAULT 0,
    missing         BIGINT NOT NULL DEFAULT 0,
    summary         TEXT NOT NULL DEFAULT '',
    accident_id     TEXT NOT NULL DEFAULT '',
    closed          BOOLEAN NOT NULL DEFAULT FALSE,
    next_due        TIMESTAMP,              -- kept by the program while open
    on_time         BOOLEAN NOT NULL DEFAULT TRUE, -- computed from the reports' times
    reports         BIGINT NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX duty_incident_received ON duty_incident (county_code, received_at);
CREATE INDEX duty_incident_due ON duty_incident (closed, next_due);

-- 首报 / 续报 / 终报: the reports made upward.
CREATE TABLE duty_report (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES duty_incident (id),
    county_code TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    on_time     BOOLEAN NOT NULL,
    to_whom     TEXT NOT NULL,
    via         TEXT NOT NULL,
    content     TEXT NOT NULL,
    deaths      BIGINT NOT NULL DEFAULT 0,
    injuries    BIGINT NOT NULL DEFAULT 0,
    missing     BIGINT NOT NULL DEFAULT 0,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, seq)
);

-- 领导批示, tracked to done.
CREATE TABLE duty_instruction (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES duty_incident (id),
    county_code TEXT NOT NULL,
    given_by    TEXT NOT NULL,
    given_at    TIMESTAMP NOT NULL,
    content     TEXT NOT NULL,
    assignee    TEXT NOT NULL DEFAULT '',
    done_at     TIMESTAMP,
    done_note   TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX duty_instruction_incident ON duty_instruction (incident_id);

-- +goose Down
DROP TABLE duty_instruction;
DROP TABLE duty_report;
DROP TABLE duty_incident;
DROP TABLE duty_log;
DROP TABLE duty_swap;
DROP TABLE duty_assignment;
DROP TABLE duty_shift;
DROP TABLE duty_setting;
