-- deskd schema 4 (SQLite): a deleted mark for mailboxes (the address alone
-- misled), and the IMAP message polling keeps failing on, so that one bad
-- message cannot hold its mailbox up for ever.
ALTER TABLE mailboxes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted = 1 WHERE active = 0 AND address LIKE 'deleted-%';
ALTER TABLE mailboxes ADD COLUMN imap_failed_uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN imap_failures INTEGER NOT NULL DEFAULT 0;
-- expiring an upload asks whether anything else holds its bytes
CREATE INDEX attachments_sha256 ON attachments(sha256);
CREATE INDEX messages_raw_sha256 ON messages(raw_sha256) WHERE raw_sha256 IS NOT NULL;
