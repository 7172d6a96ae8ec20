-- deskd schema 3 (SQLite): the email channel and attachments.
-- File contents, stored once by their SHA-256 (attachments, raw emails).
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,
	size INTEGER NOT NULL,
	data BLOB NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
-- A file on a message; message_id is NULL while an agent's upload waits for its reply.
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	message_id INTEGER REFERENCES messages(id),
	sha256 TEXT NOT NULL REFERENCES blobs(sha256),
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	content_id TEXT,
	inline INTEGER NOT NULL DEFAULT 0,
	uploaded_by INTEGER,
	created_at INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id, id);
-- Support addresses: settings is a JSON object (IMAP, SMTP, auto-acknowledgement);
-- passwords in it are sealed with the key in the data folder.
CREATE TABLE mailboxes (
	id INTEGER PRIMARY KEY,
	address TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	settings TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	imap_uidvalidity INTEGER,
	imap_last_uid INTEGER NOT NULL DEFAULT 0,
	polled_at INTEGER,
	poll_error TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
-- Every Message-ID deskd stored or sent (or "sha256:<raw hash>" for mail without
-- one): threading looks replies up here, and a second delivery finds itself here.
CREATE TABLE mail_ids (
	mail_id TEXT PRIMARY KEY,
	ticket_id INTEGER NOT NULL,
	message_id INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE messages ADD COLUMN mail_id TEXT;
ALTER TABLE messages ADD COLUMN raw_sha256 TEXT;
ALTER TABLE messages ADD COLUMN mail_status TEXT;
ALTER TABLE messages ADD COLUMN mail_error TEXT;
ALTER TABLE messages ADD COLUMN cc TEXT;
ALTER TABLE tickets ADD COLUMN mailbox_id INTEGER;
ALTER TABLE tickets ADD COLUMN cc TEXT;
ALTER TABLE tickets ADD COLUMN linked_ticket_id INTEGER;
