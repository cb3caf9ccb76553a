-- +goose Up
-- 预警信息 warnings: drafted by one person, approved by another, published
-- to the units of the area through the notification outbox. An update or
-- cancel is a warning of its own (msg_type Update/Cancel) referring to the
-- original (ref_id, and the CAP references triple). Lists (towns, sectors)
-- are comma-separated codes. Moments are TIMESTAMP in UTC; NULL for none.
CREATE TABLE warning (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    identifier     TEXT,                        -- CAP identifier (GB/T 35965.1 form), set when published
    msg_type       TEXT NOT NULL,               -- Alert | Update | Cancel
    ref_id         TEXT NOT NULL DEFAULT '',    -- the warning an Update/Cancel refers to
    refs           TEXT NOT NULL DEFAULT '',    -- CAP references (sender,identifier,sent …)
    source         TEXT NOT NULL,               -- 发布单位 (县气象局 …)
    wtype          TEXT NOT NULL,               -- 台风, 暴雨 … (code)
    level          TEXT NOT NULL,               -- blue | yellow | orange | red
    towns          TEXT NOT NULL DEFAULT '',
    area_desc      TEXT NOT NULL DEFAULT '',
    departments    BOOLEAN NOT NULL DEFAULT FALSE,
    sectors        TEXT NOT NULL DEFAULT '',
    effective_at   TIMESTAMP,
    expires_at     TIMESTAMP,
    headline       TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    instruction    TEXT NOT NULL DEFAULT '',
    headline_en    TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    instruction_en TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,               -- draft | approved | published | superseded | cancelled
    author_id      TEXT NOT NULL,
    author_name    TEXT NOT NULL DEFAULT '',
    approver_id    TEXT NOT NULL DEFAULT '',
    approver_name  TEXT NOT NULL DEFAULT '',
    approved_at    TIMESTAMP,
    published_at   TIMESTAMP,
    closed_at      TIMESTAMP,
    imported_from  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (county_code, identifier)
);
CREATE INDEX warning_state ON warning (county_code, state, published_at);
CREATE INDEX warning_published ON warning (county_code, published_at);
CREATE INDEX warning_ref ON warning (ref_id);

-- The units a published warning went to and their 签收. token_hash is the
-- SHA-256 of the recipient's signed-link token (the token itself is only
-- in the notifications sent).
CREATE TABLE warning_recipient (
    id           TEXT PRIMARY KEY,
    warning_id   TEXT NOT NULL REFERENCES warning (id),
    county_code  TEXT NOT NULL,
    kind         TEXT NOT NULL,                 -- town | department | enterprise
    ref          TEXT NOT NULL,                 -- region code, unit id or enterprise id
    name         TEXT NOT NULL,
    users        BIGINT NOT NULL DEFAULT 0,
    token_hash   TEXT NOT NULL,
    notified_at  TIMESTAMP NOT NULL,
    reminders    BIGINT NOT NULL DEFAULT 0,
    reminded_at  TIMESTAMP,
    escalated_at TIMESTAMP,
    acked_at     TIMESTAMP,
    acked_by     TEXT NOT NULL DEFAULT '',
    acked_via    TEXT NOT NULL DEFAULT '',
    UNIQUE (warning_id, kind, ref),
    UNIQUE (token_hash)
);
CREATE INDEX warning_recipient_open ON warning_recipient (county_code, acked_at, warning_id);
CREATE INDEX warning_recipient_ref ON warning_recipient (kind, ref, warning_id);

-- +goose Down
DROP TABLE warning_recipient;
DROP TABLE warning;
