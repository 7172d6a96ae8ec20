-- deskd schema 1 (SQLite). Times are microseconds since the epoch, UTC.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
	password_hash TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	session_hash TEXT NOT NULL UNIQUE,
	csrf_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE customers (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE identities (
	id INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	type TEXT NOT NULL,
	value TEXT NOT NULL,
	UNIQUE (type, value)
);
CREATE INDEX identities_customer ON identities(customer_id);
CREATE TABLE tickets (
	id INTEGER PRIMARY KEY,
	subject TEXT NOT NULL,
	status TEXT NOT NULL,
	priority TEXT NOT NULL,
	channel TEXT NOT NULL,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	assignee_id INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	first_response_at INTEGER,
	solved_at INTEGER
);
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_status ON tickets(status, updated_at, id);
-- creation order within a status (sort=created_at: ids are creation order)
CREATE INDEX tickets_status_created ON tickets(status, id);
CREATE INDEX tickets_assignee ON tickets(assignee_id, updated_at, id);
CREATE INDEX tickets_customer ON tickets(customer_id, updated_at, id);
CREATE INDEX tickets_channel ON tickets(channel, updated_at, id);
CREATE TABLE ticket_tags (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	tag TEXT NOT NULL,
	PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags(tag, ticket_id);
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	kind TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
	direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
	author_type TEXT NOT NULL CHECK (author_type IN ('customer', 'agent', 'system')),
	author_id INTEGER,
	body TEXT NOT NULL,
	html TEXT,
	created_at INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER,
	customer_id INTEGER,
	actor_id INTEGER,
	type TEXT NOT NULL,
	changes TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX events_ticket ON events(ticket_id, id);
CREATE TABLE webhooks (
	id INTEGER PRIMARY KEY,
	url TEXT NOT NULL,
	events TEXT NOT NULL,
	secret TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
	id INTEGER PRIMARY KEY,
	webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
	event_id INTEGER NOT NULL,
	event_type TEXT NOT NULL,
	payload TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	response_status INTEGER,
	last_error TEXT,
	created_at INTEGER NOT NULL,
	delivered_at INTEGER
);
CREATE INDEX deliveries_webhook ON webhook_deliveries(webhook_id, id);
CREATE TABLE jobs (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	ref_id INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	run_at INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	created_at INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE TABLE idempotency_keys (
	user_id INTEGER NOT NULL,
	key TEXT NOT NULL,
	status INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE VIRTUAL TABLE search_tickets USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0', detail = none);
CREATE VIRTUAL TABLE search_messages USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0', detail = none);
CREATE VIRTUAL TABLE search_customers USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0', detail = none);
-- documents on their way into the FTS5 tables (moved in bulk by the writer)
CREATE TABLE search_pending (
	id INTEGER PRIMARY KEY,
	kind INTEGER NOT NULL,
	doc_id INTEGER NOT NULL,
	tokens TEXT NOT NULL
);
