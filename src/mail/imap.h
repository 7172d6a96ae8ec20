/*
 * imap.h - reading one IMAP folder: what is new, the raw messages, \Seen.
 *
 * One struct imap is one logged-in connection to one folder, kept open
 * between calls (libcurl speaks IMAP underneath). The folder is open
 * read-only (EXAMINE) except for the moment imap_mark_seen writes a flag, so
 * reading a message never marks it read.
 *
 * A connection that breaks (the server closes it, a timeout, the network)
 * makes every later call fail with E_UNAVAILABLE and never reconnects on
 * its own: the caller closes it and opens another, and checks UIDVALIDITY
 * again. No call waits more than a minute for a silent server.
 *
 * One struct imap is for one thread at a time; different ones are independent.
 */
#ifndef MAIL_IMAP_H
#define MAIL_IMAP_H

#include "core/error.h"
#include "mail/smtp.h"
#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

struct imap;

/**
 * Connects to `s` (s->user is required), logs in and opens `folder` (an
 * ASCII name such as "INBOX"). Returns NULL with `err` filled on failure:
 * E_UNAUTHORIZED when the login is refused, E_INVALID for bad settings,
 * E_UNAVAILABLE otherwise. Close with imap_close.
 */
struct imap *imap_open(const struct mail_server *s, const char *folder, struct error *err);

/** Logs out and frees c; NULL is fine. */
void imap_close(struct imap *c);

/** The folder's UIDVALIDITY and UIDNEXT, looked at afresh (it is opened again). */
enum err_code imap_status(struct imap *c, int64_t *uidvalidity, int64_t *uidnext,
			  struct error *err);

/**
 * The UIDs >= from_uid in the folder, ascending, at most `max` of them, as
 * `*n` values at `*uids` in `a`. Messages that arrived since the last
 * imap_status or imap_uids_from are seen.
 */
enum err_code imap_uids_from(struct imap *c, int64_t from_uid, int max, int64_t **uids, int *n,
			     struct arena *a, struct error *err);

/** Like imap_uids_from, only the messages without \Seen. */
enum err_code imap_uids_unseen(struct imap *c, int64_t from_uid, int max, int64_t **uids, int *n,
			       struct arena *a, struct error *err);

/**
 * The raw bytes of the message with UID `uid`, exactly as stored, `*len`
 * long and NUL-terminated, in `a`. Does not set \Seen. E_NOT_FOUND when
 * there is no such message (any more).
 */
enum err_code imap_fetch(struct imap *c, int64_t uid, char **data, size_t *len, struct arena *a,
			 struct error *err);

/** Sets \Seen on the message with UID `uid` (nothing happens when there is none). */
enum err_code imap_mark_seen(struct imap *c, int64_t uid, struct error *err);

#endif
