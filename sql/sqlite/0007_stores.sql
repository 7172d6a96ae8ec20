-- deskd schema 7 (SQLite): the online stores (brands) deskd serves. What the
-- platform's webhooks are checked with is sealed like mailbox passwords; what
-- shoppers see and what the store allows lives in settings (JSON), checked by
-- the API (docs/API.md, "Stores").
CREATE TABLE stores (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	platform TEXT NOT NULL CHECK (platform IN ('shopify', 'woocommerce', 'custom')),
	secret_sealed TEXT,
	mailbox_id INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL,
	settings TEXT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
