-- deskd schema 10 (SQLite): WISMO answers (orders/wismo.h). What deskd told a
-- ticket by itself (`asked` for the order number, or `answered` with its
-- status), when the status answer went out (cleared when the customer writes
-- again), and one row of counts per day and store that the figures read:
-- inbound customer messages, the WISMO ones, answers, questions for the
-- number, and status answers the customer wrote back to within 72 hours.
ALTER TABLE tickets ADD COLUMN wismo_auto TEXT CHECK (wismo_auto IN ('asked', 'answered'));
ALTER TABLE tickets ADD COLUMN wismo_answered_at INTEGER;
CREATE TABLE wismo_daily (
	day INTEGER NOT NULL,
	store_id INTEGER NOT NULL,
	inbound INTEGER NOT NULL DEFAULT 0,
	wismo INTEGER NOT NULL DEFAULT 0,
	answered INTEGER NOT NULL DEFAULT 0,
	asked INTEGER NOT NULL DEFAULT 0,
	reopened INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, store_id)
);
