-- canned replies shared by all agents, and each agent's saved inbox views
CREATE TABLE macros (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	created_by INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE saved_views (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	filters TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX saved_views_user ON saved_views(user_id, id);
