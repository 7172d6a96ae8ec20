-- deskd schema 10 (PostgreSQL): WISMO answers (orders/wismo.h). What deskd told a
-- ticket by itself (`asked` for the order number, or `answered` with its
-- status), when the status answer went out (cleared when the customer writes
-- again), and one row of counts per day and store that the figures read:
-- inbound customer messages, the WISMO ones, answers, questions for the
-- number, and status answers the customer wrote back to within 72 hours.
ALTER TABLE tickets ADD COLUMN wismo_auto TEXT CHECK (wismo_auto IN ('asked', 'answered'));
ALTER TABLE tickets ADD COLUMN wismo_answered_at BIGINT;
CREATE TABLE wismo_daily (
	day BIGINT NOT NULL,
	store_id BIGINT NOT NULL,
	inbound BIGINT NOT NULL DEFAULT 0,
	wismo BIGINT NOT NULL DEFAULT 0,
	answered BIGINT NOT NULL DEFAULT 0,
	asked BIGINT NOT NULL DEFAULT 0,
	reopened BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (day, store_id)
);
