-- deskd schema 4 (SQLite): a deleted mark for mailboxes (the address alone
-- misled), and the IMAP message polling keeps failing on, so that one bad
-- message cannot hold its mailbox up for ever.
ALTER TABLE mailboxes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted = 1 WHERE active = 0 AND address LIKE 'deleted-%';
ALTER TABLE mailboxes ADD COLUMN imap_failed_uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN imap_failures INTEGER NOT NULL DEFAULT 0;
