/*
 * ingest.h - one raw inbound email into the store, the way every door does it.
 *
 * `deskd mailgate`, POST /api/v1/mail/inbound and IMAP polling all hand the
 * raw bytes to mail_ingest, which finds the mailbox, reads its settings,
 * parses and stores (see store_mail_ingest for threading, dedupe and loops).
 */
#ifndef MAIL_INGEST_H
#define MAIL_INGEST_H

#include "store/store.h"

#include <stddef.h>

/** The decoded size (text and files) above which an email is refused: 25 MiB. */
#define MAIL_CONTENT_MAX ((size_t)25 << 20)
/** The raw size above which an email is refused unread: base64 makes 25 MiB about 34. */
#define MAIL_RAW_MAX ((size_t)36 << 20)

/**
 * Stores one email. `mailbox` (may be NULL) is the address it was sent to;
 * without it the mailbox is the first active one named in To or Cc, else
 * the first active one, else none.
 * Returns E_OK (see out->duplicate), E_INVALID when the input is not an email,
 * E_TOO_LARGE, or a store error (E_UNAVAILABLE: try again later).
 */
enum err_code mail_ingest(struct store *st, const char *raw, size_t len, const char *mailbox,
			  struct mail_result *out, struct error *err);

/**
 * Loads the key that seals mailbox passwords from DIR/mail.key, creating it
 * (0600) on first use. Returns 0, or -1 with a malloc'd message in *err.
 */
int mail_secret_init(const char *dir, char **err);
/** Seals a password: base64 text, malloc'd; NULL when no key is loaded. */
char *mail_seal(const char *plain);
/** Opens a sealed password: malloc'd, or NULL when it does not open. */
char *mail_unseal(const char *sealed);
/**
 * A 32-byte key for `label` ("deskd track tokens 1"), derived from the sealing
 * key (HMAC-SHA256 of the label under it), so it survives restarts and is the
 * same on every node that shares the data folder's key; never the sealing key
 * itself. -1 before mail_secret_init.
 */
int mail_secret_derive(const char *label, unsigned char out[32]);

/** "ko", "ja", "tr" or "en": a guess at the language of a text from its letters. */
const char *mail_guess_language(const char *text);

#endif
