-- +goose Up
-- 人员证书: principals' and safety managers' 安全生产知识和管理能力考核合格证
-- and special operators' 特种作业操作证. Calendar dates are TEXT
-- 'YYYY-MM-DD' of the Asia/Shanghai calendar ('' for none): they compare
-- and sort as text on both engines and carry no zone.
CREATE TABLE certificate (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    person_name   TEXT NOT NULL,
    id_number     TEXT NOT NULL,               -- 居民身份证号 (GB 11643), shown masked unless the reader may see it
    person_role   TEXT NOT NULL,               -- principal | safety_manager | special_operator
    kind          TEXT NOT NULL,               -- safety_competence | special_operation
    category      TEXT NOT NULL,               -- 行业类别 or 作业类别 code
    number        TEXT NOT NULL,
    authority     TEXT NOT NULL DEFAULT '',
    issued_on     TEXT NOT NULL,
    expires_on    TEXT NOT NULL,
    review_due_on TEXT NOT NULL DEFAULT '',    -- next 复审 of a special-operation certificate
    valid_until   TEXT NOT NULL,               -- the earlier of expires_on and review_due_on (kept by the program)
    revoked       BOOLEAN NOT NULL DEFAULT FALSE,
    revoked_on    TEXT NOT NULL DEFAULT '',
    revoke_reason TEXT NOT NULL DEFAULT '',
    verified      BOOLEAN NOT NULL DEFAULT TRUE, -- FALSE: entered by the enterprise, not yet checked by the section
    note          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (county_code, kind, category, number)
);
CREATE INDEX certificate_enterprise ON certificate (enterprise_id, kind, person_role);
CREATE INDEX certificate_valid_until ON certificate (county_code, valid_until);
CREATE INDEX certificate_person ON certificate (county_code, person_name);

-- 续证/换证 and 复审: the dates before and after, so the periods a
-- certificate covered stay known.
CREATE TABLE certificate_renewal (
    id                TEXT PRIMARY KEY,
    certificate_id    TEXT NOT NULL REFERENCES certificate (id),
    county_code       TEXT NOT NULL,
    kind              TEXT NOT NULL,           -- renew | review
    done_on           TEXT NOT NULL,
    old_number        TEXT NOT NULL,
    old_issued_on     TEXT NOT NULL,
    old_expires_on    TEXT NOT NULL,
    old_review_due_on TEXT NOT NULL DEFAULT '',
    new_number        TEXT NOT NULL,
    new_issued_on     TEXT NOT NULL,
    new_expires_on    TEXT NOT NULL,
    new_review_due_on TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    recorded_by       TEXT NOT NULL,
    recorded_by_name  TEXT NOT NULL DEFAULT '',
    recorded_at       TIMESTAMP NOT NULL
);
CREATE INDEX certificate_renewal_cert ON certificate_renewal (certificate_id, done_on);

-- 警告: an enterprise whose principal or safety manager holds no valid
-- competence certificate must obtain one within three months.
CREATE TABLE certificate_warning (
    id             TEXT PRIMARY KEY,
    county_code    TEXT NOT NULL,
    enterprise_id  TEXT NOT NULL REFERENCES enterprise (id),
    warned_on      TEXT NOT NULL,
    deadline       TEXT NOT NULL,
    missing        TEXT NOT NULL,              -- comma-separated roles: principal,safety_manager
    note           TEXT NOT NULL DEFAULT '',
    issued_by      TEXT NOT NULL,
    issued_by_name TEXT NOT NULL DEFAULT '',
    issued_at      TIMESTAMP NOT NULL,
    open_key       TEXT UNIQUE,                -- the enterprise id while open, NULL once cleared: one open warning per enterprise
    cleared_on     TEXT NOT NULL DEFAULT '',
    cleared_by     TEXT NOT NULL DEFAULT ''    -- the certificate whose recording cleared it
);
CREATE INDEX certificate_warning_date ON certificate_warning (county_code, warned_on);
CREATE INDEX certificate_warning_ent ON certificate_warning (enterprise_id, warned_on);

-- 持证情况摸底: an enterprise checked in the survey on a day, and what was
-- found.
CREATE TABLE certificate_check (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    checked_on    TEXT NOT NULL,
    principal_ok  BOOLEAN NOT NULL,
    safety_ok     BOOLEAN NOT NULL,
    checked_by    TEXT NOT NULL,
    checked_at    TIMESTAMP NOT NULL,
    UNIQUE (county_code, enterprise_id, checked_on)
);
CREATE INDEX certificate_check_date ON certificate_check (county_code, checked_on);

-- +goose Down
DROP TABLE certificate_check;
DROP TABLE certificate_warning;
DROP TABLE certificate_renewal;
DROP TABLE certificate;
