-- +goose Up
-- 执法文书 numbering: one counter row per county, document kind and year,
-- raised in the transaction that issues the document, so numbers are
-- gap-free (a rolled-back issue rolls its number back) and unique (the
-- row is the point of contention; UNIQUE below is the guard).
CREATE TABLE enf_doc_counter (
    county_code TEXT NOT NULL,
    kind        TEXT NOT NULL,
    year        BIGINT NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (county_code, kind, year)
);

-- 执法文书: enterprise fields are copied when issued (scope, statistics).
CREATE TABLE enf_document (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    year            BIGINT NOT NULL,
    serial          BIGINT NOT NULL,
    number          TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    town_code       TEXT NOT NULL DEFAULT '',
    village_code    TEXT NOT NULL DEFAULT '',
    sector          TEXT NOT NULL DEFAULT '',
    section_id      TEXT NOT NULL DEFAULT '',
    inspection_id   TEXT NOT NULL DEFAULT '',   -- opaque reference to an inspection (package inspection)
    case_id         TEXT NOT NULL DEFAULT '',
    hazard_ids      TEXT NOT NULL DEFAULT '',   -- comma-separated hazard ids
    issued_on       TEXT NOT NULL,              -- YYYY-MM-DD
    deadline        TEXT NOT NULL DEFAULT '',   -- 整改期限 of an order
    officers        TEXT NOT NULL DEFAULT '',   -- 执法人员 and 执法证号
    body            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_name    TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (county_code, kind, year, serial),
    UNIQUE (county_code, number)
);
CREATE INDEX enf_document_list ON enf_document (county_code, issued_on);
CREATE INDEX enf_document_ent ON enf_document (enterprise_id, kind);
CREATE INDEX enf_document_case ON enf_document (case_id);

-- 行政处罚案件.
CREATE TABLE enf_case (
    id               TEXT PRIMARY KEY,
    county_code      TEXT NOT NULL,
    enterprise_id    TEXT NOT NULL,
    enterprise_name  TEXT NOT NULL,
    town_code        TEXT NOT NULL DEFAULT '',
    village_code     TEXT NOT NULL DEFAULT '',
    sector           TEXT NOT NULL DEFAULT '',
    section_id       TEXT NOT NULL DEFAULT '',
    inspection_id    TEXT NOT NULL DEFAULT '',
    cause            TEXT NOT NULL,              -- 案由
    cause_kind       TEXT NOT NULL DEFAULT '',   -- e.g. duty_keeping (违规值班值守)
    legal_basis      TEXT NOT NULL DEFAULT '',   -- code of the configured legal basis
    state            TEXT NOT NULL,
    found_on         TEXT NOT NULL,
    filed_on         TEXT NOT NULL DEFAULT '',
    drafted_by       TEXT NOT NULL,
    drafted_name     TEXT NOT NULL DEFAULT '',
    approved_by      TEXT NOT NULL DEFAULT '',
    approved_name    TEXT NOT NULL DEFAULT '',
    notified_on      TEXT NOT NULL DEFAULT '',
    hearing          BOOLEAN NOT NULL DEFAULT FALSE,
    decided_on       TEXT NOT NULL DEFAULT '',
    fine_fen         BIGINT NOT NULL DEFAULT 0,
    payment          TEXT NOT NULL DEFAULT '',   -- once | installment | deferred
    pay_due          TEXT NOT NULL DEFAULT '',
    paid_fen         BIGINT NOT NULL DEFAULT 0,
    close_by         TEXT NOT NULL DEFAULT '',
    close_name       TEXT NOT NULL DEFAULT '',
    closed_on        TEXT NOT NULL DEFAULT '',
    closed_by        TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX enf_case_list ON enf_case (county_code, found_on);

-- 罚款 ledger: every payment of a case's fine.
CREATE TABLE enf_fine_payment (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    case_id     TEXT NOT NULL REFERENCES enf_case (id),
    paid_on     TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX enf_fine_payment_case ON enf_fine_payment (case_id);

-- Measures counted in 家次: 责令停产整顿 (suspend) and 约谈 (interview).
CREATE TABLE enf_measure (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    town_code       TEXT NOT NULL DEFAULT '',
    village_code    TEXT NOT NULL DEFAULT '',
    sector          TEXT NOT NULL DEFAULT '',
    section_id      TEXT NOT NULL DEFAULT '',
    on_day          TEXT NOT NULL,
    case_id         TEXT NOT NULL DEFAULT '',
    document_id     TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX enf_measure_list ON enf_measure (county_code, on_day);

-- +goose Down
DROP TABLE enf_measure;
DROP TABLE enf_fine_payment;
DROP TABLE enf_case;
DROP TABLE enf_document;
DROP TABLE enf_doc_counter;
