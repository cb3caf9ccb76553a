-- +goose Up
-- 应急预案 emergency plans: the register row holds the current version's
-- lifecycle dates; prep_plan_step keeps every step taken (the history and
-- the record behind the report's figures). Calendar dates are TEXT
-- 'YYYY-MM-DD' so they compare as text on both engines.
CREATE TABLE prep_plan (
    id                TEXT PRIMARY KEY,
    county_code       TEXT NOT NULL,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL,               -- overall | special | department | town | village | enterprise
    owner_unit        TEXT NOT NULL DEFAULT '',    -- 编制单位
    region_code       TEXT NOT NULL DEFAULT '',    -- town / village plans: the region
    enterprise_id     TEXT NOT NULL DEFAULT '',    -- enterprise plans: the enterprise
    flood             BOOLEAN NOT NULL DEFAULT FALSE, -- 防汛抗旱 plan
    review_kind       TEXT NOT NULL DEFAULT '',    -- enterprise plans: 评审 (review) | 论证 (demonstration)
    state             TEXT NOT NULL,               -- draft | consultation | review | deliberation | published | filed | revising
    version           BIGINT NOT NULL DEFAULT 1,
    drafted_on        TEXT NOT NULL DEFAULT '',
    revised           BOOLEAN NOT NULL DEFAULT FALSE, -- this version is a revision (修订)
    revision_trigger  TEXT NOT NULL DEFAULT '',
    reviewed_on       TEXT NOT NULL DEFAULT '',
    review_experts    TEXT NOT NULL DEFAULT '',
    review_minutes    TEXT NOT NULL DEFAULT '',
    review_opinions   TEXT NOT NULL DEFAULT '',
    review_online     BOOLEAN NOT NULL DEFAULT FALSE,
    deliberated_on    TEXT NOT NULL DEFAULT '',
    deliberation_body TEXT NOT NULL DEFAULT '',
    published_on      TEXT NOT NULL DEFAULT '',
    filing_due        TEXT NOT NULL DEFAULT '',    -- published_on + 20 working days
    filed_on          TEXT NOT NULL DEFAULT '',
    filed_to          TEXT NOT NULL DEFAULT '',
    assessed_on       TEXT NOT NULL DEFAULT '',
    next_assessment   TEXT NOT NULL DEFAULT '',    -- every 3 years
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (county_code, name, enterprise_id)
);
CREATE INDEX prep_plan_state ON prep_plan (county_code, category, state);
CREATE INDEX prep_plan_enterprise ON prep_plan (enterprise_id);

CREATE TABLE prep_plan_step (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    plan_id       TEXT NOT NULL REFERENCES prep_plan (id),
    seq           BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    step          TEXT NOT NULL,                  -- the state entered, or assess
    on_date       TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    attachment_id TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_name TEXT NOT NULL DEFAULT '',
    recorded_at   TIMESTAMP NOT NULL,
    UNIQUE (plan_id, seq)
);
CREATE INDEX prep_plan_step_date ON prep_plan_step (county_code, step, on_date);

-- 演练 drills and the follow-up tasks of the problems they found.
CREATE TABLE prep_drill (
    id           TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    plan_id      TEXT NOT NULL DEFAULT '',
    drill_on     TEXT NOT NULL,
    form         TEXT NOT NULL,                   -- tabletop | field | county_town | functional
    region_code  TEXT NOT NULL DEFAULT '',
    enterprise_id TEXT NOT NULL DEFAULT '',
    units        TEXT NOT NULL DEFAULT '',
    participants BIGINT NOT NULL DEFAULT 0,
    evaluation   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX prep_drill_date ON prep_drill (county_code, drill_on);

CREATE TABLE prep_drill_task (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    drill_id    TEXT NOT NULL REFERENCES prep_drill (id),
    problem     TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    done_on     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX prep_drill_task_drill ON prep_drill_task (drill_id);

-- 救援队伍 rescue teams, 巡堤查险 patrol teams among them.
CREATE TABLE prep_team (
    id                  TEXT PRIMARY KEY,
    county_code         TEXT NOT NULL,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL,            -- comprehensive | professional | social | enterprise | dyke_patrol | flood_rescue
    level               TEXT NOT NULL,            -- county | town | village
    region_code         TEXT NOT NULL DEFAULT '',
    enterprise_id       TEXT NOT NULL DEFAULT '',
    headcount           BIGINT NOT NULL,
    leader              TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    equipment           TEXT NOT NULL DEFAULT '',
    readiness           TEXT NOT NULL DEFAULT 'ready', -- ready | partial | not_ready
    dyke_section        TEXT NOT NULL DEFAULT '',
    patrol_line         BIGINT NOT NULL DEFAULT 0, -- 1–3 for patrol teams
    lat                 DOUBLE PRECISION,
    lng                 DOUBLE PRECISION,
    established_on      TEXT NOT NULL,
    supplies_updated_on TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (county_code, name)
);
CREATE INDEX prep_team_kind ON prep_team (county_code, kind, level);

CREATE TABLE prep_rollcall (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    team_id     TEXT NOT NULL REFERENCES prep_team (id),
    on_date     TEXT NOT NULL,
    present     BIGINT NOT NULL,
    result      TEXT NOT NULL,                    -- pass | fail
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX prep_rollcall_team ON prep_rollcall (team_id, on_date);

CREATE TABLE prep_expert (
    id          TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    field       TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, name, unit)
);

-- 督促 reminders sent to enterprises about their emergency resources
-- (counted in 家次) and deadline reminders of plans.
CREATE TABLE prep_reminder (
    id            TEXT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    kind          TEXT NOT NULL,                  -- resources | filing | assessment | task
    enterprise_id TEXT NOT NULL DEFAULT '',
    plan_id       TEXT NOT NULL DEFAULT '',    -- the plan (filing, assessment) or the drill (task)
    sent_on       TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    dedupe_key    TEXT NOT NULL,
    sent_by       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (dedupe_key)
);
CREATE INDEX prep_reminder_date ON prep_reminder (county_code, kind, sent_on);

-- +goose Down
DROP TABLE prep_reminder;
DROP TABLE prep_expert;
DROP TABLE prep_rollcall;
DROP TABLE prep_team;
DROP TABLE prep_drill_task;
DROP TABLE prep_drill;
DROP TABLE prep_plan_step;
DROP TABLE prep_plan;
