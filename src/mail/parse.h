/*
 * parse.h - one RFC 5322 message in, one normalized message out.
 *
 * mail_parse reads the raw bytes of an email (what an MTA pipes to
 * `deskd mailgate`, or what IMAP fetches) with GMime and gives back what the
 * rest of deskd needs: who wrote, to whom, in reply to what, the readable text
 * and the attachments. Nothing here touches the store or the network.
 *
 * Every string it returns is valid UTF-8, whatever the message claims or
 * fails to claim about its charsets: labelled text is decoded from its label,
 * text whose label lies (UTF-8 labelled ISO-8859-1 is the common lie) or that
 * has none is decoded by trying UTF-8, then the caller's fallback charsets,
 * then windows-1252. Bytes that still do not decode become U+FFFD.
 *
 * All output lives in the arena passed in: release the arena and everything
 * mail_parse returned is gone.
 */
#ifndef MAIL_PARSE_H
#define MAIL_PARSE_H

#include "core/error.h"
#include "core/mail.h"
#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

/** The raw size above which mail_parse refuses a message when given 0. */
#define MAIL_MAX_SIZE_DEFAULT ((size_t)25 << 20)

/**
 * Parses the `len` bytes at `data` as one RFC 5322 message into `out`, all
 * of whose memory comes from `a`. A leading mbox "From " line is skipped. A
 * header block without the empty line after it ends at the first line that
 * is neither a field nor a continuation, which starts the body.
 *
 * `max_size` is the largest raw message accepted (0 means
 * MAIL_MAX_SIZE_DEFAULT); a larger one gives E_TOO_LARGE before any parsing.
 * Note that base64 makes an attachment a third larger on the wire.
 *
 * `fallback_charsets` (NULL-terminated, may be NULL) are the charsets tried,
 * in order, for unlabelled or mislabelled 8-bit text that is not UTF-8, and
 * for raw 8-bit header fields, before windows-1252. Raw 8-bit header fields
 * try the charset of the body text before them.
 *
 * Returns E_OK; E_TOO_LARGE; or E_INVALID when the input does not start with
 * a header block naming at least one message header field (From, To,
 * Subject, Date, Message-ID, Received, MIME-Version, ...), that is, when it is
 * not a message at all (err->position is then the offset where the header
 * fields stopped). `err` (may be NULL) says why, and `out` is zeroed on any
 * error. Broken structure, encodings and charsets inside a message are
 * repaired, never refused.
 *
 * Nothing in `out` points into `data`. Thread-safe.
 */
enum err_code mail_parse(const char *data, size_t len, size_t max_size,
			 const char *const *fallback_charsets, struct mail_message *out,
			 struct arena *a, struct error *err);

/** Initializes GMime and libsodium once per process; mail_parse calls it itself. Thread-safe. */
void mail_init(void);

/**
 * Converts the UTF-8 HTML `html` (`len` bytes) to readable text in `a`:
 * script, style and head dropped, <br>, <p>, <div>, <li>, <tr> and other
 * blocks as line breaks (<li> starts with "- "), <blockquote> lines prefixed
 * with "> ", entities decoded, white space collapsed outside <pre>, at most
 * one blank line in a row, no trailing white space.
 */
char *mail_html_to_text(const char *html, size_t len, struct arena *a);

/** Returns `text` with quoted history and signature trimmed, as for mail_message.visible_text. */
char *mail_visible_text(const char *text, struct arena *a);

#endif
