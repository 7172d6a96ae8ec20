-- deskd schema 5 (SQLite): every inbox view walks an index in its order.
--
-- A tag's tickets were looked up by id and sorted (some 100 ms for a tag on
-- 2% of 1M tickets). Each tag row now carries the fields of its ticket that
-- views filter and sort on (status, updated_at, assignee, channel), kept by
-- triggers, so (tag, status, sort key) is one ordered range, and the other
-- filters are read from the index itself rather than from each ticket.
ALTER TABLE ticket_tags ADD COLUMN status TEXT;
ALTER TABLE ticket_tags ADD COLUMN updated_at INTEGER;
ALTER TABLE ticket_tags ADD COLUMN assignee_id INTEGER;
ALTER TABLE ticket_tags ADD COLUMN channel TEXT;
UPDATE ticket_tags SET (status, updated_at, assignee_id, channel) =
	(SELECT t.status, t.updated_at, t.assignee_id, t.channel FROM tickets t
	 WHERE t.id = ticket_tags.ticket_id);
-- deskd inserts tag rows with these fields; this fills those of any other writer
CREATE TRIGGER ticket_tags_fill AFTER INSERT ON ticket_tags WHEN NEW.status IS NULL BEGIN
	UPDATE ticket_tags SET (status, updated_at, assignee_id, channel) =
		(SELECT t.status, t.updated_at, t.assignee_id, t.channel FROM tickets t
		 WHERE t.id = NEW.ticket_id)
	WHERE ticket_id = NEW.ticket_id AND tag = NEW.tag;
END;
CREATE TRIGGER tickets_tags_sync AFTER UPDATE OF status, updated_at, assignee_id, channel
ON tickets WHEN OLD.status IS NOT NEW.status OR OLD.updated_at IS NOT NEW.updated_at
	OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.channel IS NOT NEW.channel BEGIN
	UPDATE ticket_tags SET status = NEW.status, updated_at = NEW.updated_at,
		assignee_id = NEW.assignee_id, channel = NEW.channel
	WHERE ticket_id = NEW.id;
END;
CREATE INDEX ticket_tags_updated
	ON ticket_tags(tag, status, updated_at, ticket_id, assignee_id, channel);
CREATE INDEX ticket_tags_created ON ticket_tags(tag, status, ticket_id, assignee_id, channel);
-- the two above begin with the tag: this one only cost writes
DROP INDEX ticket_tags_tag;

-- A status with an assignee or a channel walked the status's range and looked
-- up every ticket (200 ms for an empty combination at 1M); these ranges are
-- ordered, and the last column answers the third filter from the index.
CREATE INDEX tickets_status_assignee ON tickets(status, assignee_id, updated_at, id, channel);
CREATE INDEX tickets_status_channel ON tickets(status, channel, updated_at, id, assignee_id);
CREATE INDEX tickets_assignee_channel ON tickets(assignee_id, channel, updated_at, id);

-- Failed-login counts, shared by every node and kept across restarts: per
-- key (the hex SHA-256 of 'account:EMAIL' or 'address:IP'), the start of its
-- 15-minute window and the attempts in it.
CREATE TABLE login_attempts (
	key TEXT PRIMARY KEY,
	window_start INTEGER NOT NULL,
	attempts INTEGER NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts(window_start);
