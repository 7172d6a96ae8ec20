-- deskd schema 4 (PostgreSQL): a deleted mark for mailboxes (the address alone
-- misled), and the IMAP message polling keeps failing on, so that one bad
-- message cannot hold its mailbox up for ever.
ALTER TABLE mailboxes ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted = 1 WHERE active = 0 AND address LIKE 'deleted-%';
ALTER TABLE mailboxes ADD COLUMN imap_failed_uid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN imap_failures BIGINT NOT NULL DEFAULT 0;
