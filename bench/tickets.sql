-- A desk of :N tickets made with SQL alone, in the SQL both backends take
-- (bench/views.sh puts the number in for :N): faster than the API for list
-- figures. 20 agents; a fifth of the tickets unassigned; channels 60/15/10/10/5 %;
-- 70% solved or closed; one to three tags a ticket, skewed over 200 (t1 on
-- about a quarter of the tickets, t200 on about 0.3%), and 'rare' on 20;
-- updated_at spread over a year, later for later ids. Integer arithmetic
-- only, in BIGINT, so both backends make the same desk.
INSERT INTO customers (id, name, created_at, updated_at)
WITH RECURSIVE c(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
SELECT i, 'Customer ' || i, 1700000000000000, 1700000000000000 FROM c;

INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
WITH RECURSIVE a(i) AS (SELECT CAST(1001 AS BIGINT) UNION ALL SELECT i + 1 FROM a WHERE i < 1020)
SELECT i, 'agent' || i || '@bench.example', 'Agent ' || i, 'agent', 'x', 0, 0 FROM a;

INSERT INTO tickets (id, subject, status, priority, channel, customer_id, assignee_id,
		     created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < :N),
r AS (SELECT i, (i * 2654435761) % 1000 AS a, (i * 40503) % 100 AS b,
	     (i * 97) % 20 AS g, (i * 7919) % 86400000000 AS jitter FROM n)
SELECT i, 'Ticket ' || i,
       CASE WHEN a < 50 THEN 'new' WHEN a < 200 THEN 'open' WHEN a < 260 THEN 'pending'
	    WHEN a < 300 THEN 'on-hold' WHEN a < 870 THEN 'solved' ELSE 'closed' END,
       'normal',
       CASE WHEN b < 60 THEN 'email' WHEN b < 75 THEN 'chat' WHEN b < 85 THEN 'web'
	    WHEN b < 95 THEN 'api' ELSE 'phone' END,
       1 + i % 100000,
       CASE WHEN g < 4 THEN NULL ELSE 1001 + (i * 31) % 20 END,
       1700000000000000 + i * 31536000,
       1700000000000000 + i * 31536000 + jitter
FROM r;

-- tag t(1 + 200 x^3), x = h / 1000003 from the ticket's id: skewed to t1
INSERT INTO ticket_tags (ticket_id, tag)
WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < :N),
k(j) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT j + 1 FROM k WHERE j < 2),
h(i, j, h) AS (SELECT i, j, (i * 2246822519 + j * 3266489917) % 1000003 FROM n, k
	       WHERE j = 0 OR (i * 13 + j) % 3 = 0)
SELECT i, 't' || (1 + (h * h / 1000003) * h / 1000003 * 200 / 1000003) FROM h WHERE true
ON CONFLICT DO NOTHING;

-- a rare tag: 20 tickets spread over the desk
INSERT INTO ticket_tags (ticket_id, tag)
WITH RECURSIVE n(i) AS (SELECT CAST(7 AS BIGINT) UNION ALL SELECT i + :N / 20 FROM n
			WHERE i + :N / 20 <= :N)
SELECT i, 'rare' FROM n WHERE true ON CONFLICT DO NOTHING;
