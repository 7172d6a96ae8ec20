-- deskd schema 6 (SQLite): a resend keeps the Message-ID, so the email carries
-- its attempt number (X-Deskd-Attempt) and a bounce of an earlier attempt does
-- not mark the message bounced.
ALTER TABLE messages ADD COLUMN mail_attempt INTEGER NOT NULL DEFAULT 1;
