-- +goose Up
-- Notifications (通知): the outbox. A row is written inside the business
-- transaction. It is the in-app inbox entry of its recipient user (read_at)
-- and the parent of one delivery row per external channel.
CREATE TABLE notification (
    id                TEXT PRIMARY KEY,
    county_code       TEXT NOT NULL DEFAULT '',
    recipient_user_id TEXT NOT NULL DEFAULT '',  -- '' for an address-only message (group robot)
    recipient_address TEXT NOT NULL DEFAULT '',  -- phone, email or webhook name, '' for in-app
    channel           TEXT NOT NULL,             -- inapp | smtp | sms | webhook
    topic             TEXT NOT NULL,             -- e.g. hazard.deadline
    title             TEXT NOT NULL,
    body              TEXT NOT NULL DEFAULT '',
    link              TEXT NOT NULL DEFAULT '',  -- in-app URL
    entity            TEXT NOT NULL DEFAULT '',
    entity_id         TEXT NOT NULL DEFAULT '',
    dedupe_key        TEXT UNIQUE,               -- a sweep run twice notifies once
    created_at        TIMESTAMP NOT NULL,
    read_at           TIMESTAMP
);
CREATE INDEX notification_inbox ON notification (recipient_user_id, created_at);
CREATE INDEX notification_unread ON notification (recipient_user_id, read_at);
CREATE INDEX notification_entity ON notification (entity, entity_id);

-- Delivery log (发送记录): one row per recipient per external channel. A
-- sender claims a due row by compare-and-swap, pushing next_attempt_at past
-- its lease, sends after commit and records the outcome.
CREATE TABLE delivery (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notification (id),
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    state           TEXT NOT NULL,               -- pending | sent | failed | gave_up
    attempts        BIGINT NOT NULL DEFAULT 0,   -- claims so far, also the claim fence
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by      TEXT,                        -- instance id of the last claim
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX delivery_due ON delivery (state, next_attempt_at);
CREATE INDEX delivery_notification ON delivery (notification_id);
CREATE INDEX delivery_created ON delivery (created_at);

-- +goose Down
DROP TABLE delivery;
DROP TABLE notification;
