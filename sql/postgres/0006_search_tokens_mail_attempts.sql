-- deskd schema 6 (PostgreSQL). Each document keeps its search tokens as text
-- beside the tsvector, so that search ranks the newest matches in C with
-- text_rank, as on SQLite (where FTS5 keeps the tokens), and both backends
-- give the same order. Rows indexed before this get their token sequence back
-- from the tsvector's positions (to_tsvector of the token text, one position
-- per token).
ALTER TABLE tickets ADD COLUMN search_tokens TEXT;
ALTER TABLE messages ADD COLUMN search_tokens TEXT;
ALTER TABLE customers ADD COLUMN search_tokens TEXT;
UPDATE tickets SET search_tokens = COALESCE((SELECT string_agg(u.lexeme, ' ' ORDER BY p)
  FROM unnest(search) u, unnest(u.positions) p), '') WHERE search IS NOT NULL;
UPDATE messages SET search_tokens = COALESCE((SELECT string_agg(u.lexeme, ' ' ORDER BY p)
  FROM unnest(search) u, unnest(u.positions) p), '') WHERE search IS NOT NULL;
UPDATE customers SET search_tokens = COALESCE((SELECT string_agg(u.lexeme, ' ' ORDER BY p)
  FROM unnest(search) u, unnest(u.positions) p), '') WHERE search IS NOT NULL;
-- A resend keeps the Message-ID, so the email carries its attempt number
-- (X-Deskd-Attempt) and a bounce of an earlier attempt does not mark the
-- message bounced.
ALTER TABLE messages ADD COLUMN mail_attempt BIGINT NOT NULL DEFAULT 1;
