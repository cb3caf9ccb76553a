-- +goose Up
-- interrupts counts how often a running job was cut off by its process
-- ending without a shutdown (crash, kill -9, power loss). A start-up puts
-- such jobs back in the queue without counting the attempt, up to a limit,
-- then fails them with the reason.
ALTER TABLE job ADD COLUMN interrupts BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE job DROP COLUMN interrupts;
