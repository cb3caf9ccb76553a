-- +goose Up
-- 救助 relief programmes, the households on their lists (需救助人口台账)
-- with their members, the approval chain 户报 → 村评 → 公示 → 乡审 → 县定,
-- objections raised during the 公示, and the payments (money in 分, or
-- goods). Calendar dates are TEXT 'YYYY-MM-DD' of the Asia/Shanghai
-- calendar ('' for none). ID numbers and bank account numbers are sealed
-- (internal/kit/crypt); id_index is their keyed blind index for lookups.
CREATE TABLE relief_programme (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- winter_spring | emergency | transition | housing | drought | bereavement
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    budget      BIGINT NOT NULL DEFAULT 0,     -- 分
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);
CREATE INDEX relief_programme_kind ON relief_programme (county_code, kind, period_from);

-- Standards: the most one person may receive in a category (分 per person).
CREATE TABLE relief_standard (
    programme_id TEXT NOT NULL REFERENCES relief_programme (id),
    category     TEXT NOT NULL,                -- food | clothing | heating | medical | living | housing | consolation | other
    amount       BIGINT NOT NULL,
    PRIMARY KEY (programme_id, category)
);

CREATE TABLE relief_household (
    id              TEXT PRIMARY KEY,
    county_code     TEXT NOT NULL,
    programme_id    TEXT NOT NULL REFERENCES relief_programme (id),
    town_code       TEXT NOT NULL,
    village_code    TEXT NOT NULL,
    head_name       TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    extreme_poor    BOOLEAN NOT NULL DEFAULT FALSE, -- 特困供养
    min_living      BOOLEAN NOT NULL DEFAULT FALSE, -- 低保
    out_of_poverty  BOOLEAN NOT NULL DEFAULT FALSE, -- 脱贫户
    disaster_hit    BOOLEAN NOT NULL DEFAULT FALSE, -- 受灾户
    account_holder  TEXT NOT NULL DEFAULT '',
    account_no      TEXT NOT NULL DEFAULT '',       -- sealed
    step            TEXT NOT NULL,                  -- reported | village | publicity | town | county | rejected
    publicity_from  TEXT NOT NULL DEFAULT '',
    publicity_to    TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    entered_by      TEXT NOT NULL,
    entered_by_name TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX relief_household_list ON relief_household (county_code, programme_id, town_code, step);
CREATE INDEX relief_household_town ON relief_household (county_code, town_code);

CREATE TABLE relief_member (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES relief_household (id),
    programme_id TEXT NOT NULL,
    county_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    id_number    TEXT NOT NULL,                -- sealed
    id_index     TEXT NOT NULL,                -- blind index of the ID number
    relation     TEXT NOT NULL DEFAULT '',     -- 与户主关系
    sort         BIGINT NOT NULL DEFAULT 0,
    UNIQUE (programme_id, id_index)            -- one person in one household of a programme
);
CREATE INDEX relief_member_household ON relief_member (household_id, sort);
CREATE INDEX relief_member_index ON relief_member (county_code, id_index);

-- The approval chain's steps as taken (history, four eyes).
CREATE TABLE relief_step (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES relief_household (id),
    step         TEXT NOT NULL,                -- village | publicity | town | county
    approved     BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    done_by      TEXT NOT NULL,
    done_by_name TEXT NOT NULL DEFAULT '',
    done_at      TIMESTAMP NOT NULL
);
CREATE INDEX relief_step_household ON relief_step (household_id, done_at);

-- Objections (异议) raised during the 公示.
CREATE TABLE relief_objection (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES relief_household (id),
    raised_on    TEXT NOT NULL,
    content      TEXT NOT NULL,
    resolution   TEXT NOT NULL DEFAULT '',     -- '' while open
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
CREATE INDEX relief_objection_household ON relief_objection (household_id);

CREATE TABLE relief_payment (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    programme_id TEXT NOT NULL REFERENCES relief_programme (id),
    household_id TEXT NOT NULL REFERENCES relief_household (id),
    member_id    TEXT NOT NULL REFERENCES relief_member (id),
    id_index     TEXT NOT NULL,
    town_code    TEXT NOT NULL,
    category     TEXT NOT NULL,
    mode         TEXT NOT NULL,                -- money | goods
    amount       BIGINT NOT NULL DEFAULT 0,    -- 分 (money)
    item         TEXT NOT NULL DEFAULT '',     -- goods: 棉被, 棉大衣 …
    quantity     BIGINT NOT NULL DEFAULT 0,
    dispatch_ref TEXT NOT NULL DEFAULT '',     -- the warehouse dispatch the goods left with
    paid_on      TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    UNIQUE (programme_id, id_index, category)  -- paid once per person, category and programme
);
CREATE INDEX relief_payment_list ON relief_payment (county_code, paid_on);
CREATE INDEX relief_payment_programme ON relief_payment (programme_id, town_code, category);
CREATE INDEX relief_payment_member ON relief_payment (member_id);

-- +goose Down
DROP TABLE relief_payment;
DROP TABLE relief_objection;
DROP TABLE relief_step;
DROP TABLE relief_member;
DROP TABLE relief_household;
DROP TABLE relief_standard;
DROP TABLE relief_programme;
