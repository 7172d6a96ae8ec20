-- deskd schema 5 (PostgreSQL): every inbox view walks an index in its order.
--
-- A tag's tickets were looked up by id and sorted. Each tag row now carries
-- the fields of its ticket that views filter and sort on (status, updated_at,
-- assignee, channel), kept by triggers, so (tag, status, sort key) is one
-- ordered range, and the other filters are read from the index itself.
ALTER TABLE ticket_tags ADD COLUMN status TEXT, ADD COLUMN updated_at BIGINT,
	ADD COLUMN assignee_id BIGINT, ADD COLUMN channel TEXT;
UPDATE ticket_tags g SET status = t.status, updated_at = t.updated_at,
	assignee_id = t.assignee_id, channel = t.channel
	FROM tickets t WHERE t.id = g.ticket_id;
CREATE FUNCTION ticket_tags_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	SELECT t.status, t.updated_at, t.assignee_id, t.channel
		INTO NEW.status, NEW.updated_at, NEW.assignee_id, NEW.channel
		FROM tickets t WHERE t.id = NEW.ticket_id;
	RETURN NEW;
END $$;
-- deskd inserts tag rows with these fields; this fills those of any other writer
CREATE TRIGGER ticket_tags_fill BEFORE INSERT ON ticket_tags
	FOR EACH ROW WHEN (NEW.status IS NULL) EXECUTE FUNCTION ticket_tags_fill();
CREATE FUNCTION tickets_tags_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE ticket_tags SET status = NEW.status, updated_at = NEW.updated_at,
		assignee_id = NEW.assignee_id, channel = NEW.channel
		WHERE ticket_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER tickets_tags_sync AFTER UPDATE OF status, updated_at, assignee_id, channel
	ON tickets FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.updated_at IS DISTINCT FROM NEW.updated_at
	      OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
	      OR OLD.channel IS DISTINCT FROM NEW.channel)
	EXECUTE FUNCTION tickets_tags_sync();
CREATE INDEX ticket_tags_updated
	ON ticket_tags(tag, status, updated_at, ticket_id, assignee_id, channel);
CREATE INDEX ticket_tags_created ON ticket_tags(tag, status, ticket_id, assignee_id, channel);
-- the two above begin with the tag: this one only cost writes
DROP INDEX ticket_tags_tag;

-- A status with an assignee or a channel walked the status's range and looked
-- up every ticket; these ranges are ordered, and the last column answers the
-- third filter from the index.
CREATE INDEX tickets_status_assignee ON tickets(status, assignee_id, updated_at, id, channel);
CREATE INDEX tickets_status_channel ON tickets(status, channel, updated_at, id, assignee_id);
CREATE INDEX tickets_assignee_channel ON tickets(assignee_id, channel, updated_at, id);

-- Failed-login counts, shared by every node and kept across restarts: per
-- key (the hex SHA-256 of 'account:EMAIL' or 'address:IP'), the start of its
-- 15-minute window and the attempts in it.
CREATE TABLE login_attempts (
	key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	attempts BIGINT NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts(window_start);
