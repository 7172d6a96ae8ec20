/*
 * smtp.h - outgoing mail: one reply built as an RFC 5322 message, and sent.
 *
 * mail_compose turns what an agent wrote into the bytes a mail client
 * expects (GMime does the MIME), and mail_smtp_send hands those bytes to an
 * SMTP server with libcurl. Neither touches the store: the caller decides
 * what to send and what to do when sending fails.
 */
#ifndef MAIL_SMTP_H
#define MAIL_SMTP_H

#include "core/error.h"
#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

/* How to reach an SMTP or IMAP server. */
struct mail_server {
	const char *host;
	int port;
	const char *security;	     /* "tls" (implicit TLS), "starttls", or "none" */
	const char *user, *password; /* user NULL: no AUTH (SMTP); an error for IMAP */
	int tls_verify;		     /* 1: verify the certificate; 0: accept any (test servers) */
};

struct mail_out_attachment {
	const char *filename, *content_type; /* content_type NULL: application/octet-stream */
	const unsigned char *data;
	size_t size;
};

struct mail_out {
	const char *from_name, *from_email; /* from_name may be NULL */
	const char *to_name, *to_email;	    /* to_name may be NULL */
	const char *const *cc;		    /* addresses */
	int n_cc;
	const char *subject;	       /* UTF-8 */
	const char *message_id;	       /* without <>, required */
	const char *in_reply_to;       /* without <>, may be NULL */
	const char *const *references; /* without <>, oldest first */
	int n_references;
	const char *text; /* UTF-8 plain text body, lines ending in "\n" */
	const char *html; /* NULL: built from text (escaped, <br>, a minimal document) */
	const struct mail_out_attachment *attachments;
	int n_attachments;
	int64_t date_us; /* microseconds since the epoch */
	int auto_reply;	 /* 1: "Auto-Submitted: auto-replied" (acknowledgements) */
	int64_t attempt; /* > 0: "X-Deskd-Attempt: N", which a bounce returns with the headers */
};

/**
 * Builds the message `m` describes: multipart/alternative of the text and
 * the HTML (UTF-8, quoted-printable or base64 as GMime finds best), inside a
 * multipart/mixed when there are attachments (base64, non-ASCII file names
 * as RFC 2231 parameters); non-ASCII names and subject as RFC 2047 encoded
 * words; Date, Message-ID, In-Reply-To, References, MIME-Version and
 * X-Deskd-Attempt (the send attempt, so a late bounce of an earlier one is
 * told apart from a bounce of this one: the Message-ID stays the same). Line
 * breaks in the subject and names become spaces, so no header can be
 * injected. Lines end in CRLF.
 *
 * Returns the NUL-terminated bytes, `*len` long, in `a`; dies on out-of-memory.
 * Thread-safe.
 */
char *mail_compose(const struct mail_out *m, size_t *len, struct arena *a);

/**
 * Sends the `len` bytes at `data` (a whole message, CRLF line ends) to
 * `rcpts` with `from` as the envelope sender, by SMTP over `s`: smtps:// for
 * "tls", STARTTLS required for "starttls", AUTH when s->user is set.
 * Connecting may take 10 s, the whole transfer 120 s.
 *
 * Returns E_OK only when the server accepted the message for every
 * recipient. Otherwise returns E_UNAVAILABLE with `err` saying why (the
 * server's reply when there was one) and `*permanent` set to 1 when the server
 * refused the message or a recipient with a 5xx reply (sending it again
 * cannot help), 0 for anything that may pass later: no connection, a
 * timeout, a 4xx reply, a TLS or login failure (those are fixed in the
 * settings, not in the message). A server at a private address (see
 * core/netguard.h) is refused before connecting: E_UNAVAILABLE, permanent.
 * Thread-safe: each call has its own connection.
 */
enum err_code mail_smtp_send(const struct mail_server *s, const char *from,
			     const char *const *rcpts, int n_rcpts, const char *data, size_t len,
			     int *permanent, struct error *err);

struct libcurl_guard;

/**
 * Sets on `curl` (a CURL *) what any connection to `s` needs: the URL
 * "<protocol>://host:port/<path>" (the protocol with an "s" for "tls"),
 * STARTTLS required for "starttls", the certificate check, the credentials,
 * a 10 s connect timeout, no signals, and the address guard (libcurl_guard:
 * a private address is refused, the reason kept in `guard`). For
 * mail/smtp.c and mail/imap.c.
 * Returns E_INVALID for a security other than "tls", "starttls" or "none".
 */
enum err_code mail_server_curl_setup(void *curl, const struct mail_server *s, const char *protocol,
				     const char *path, struct libcurl_guard *guard,
				     struct error *err);

/**
 * Copies the server reply line `p` (`n` bytes, as libcurl's header callback
 * gives it) into `dst` of `size` bytes, without its line break, cut to fit.
 */
void mail_reply_copy(char *dst, size_t size, const char *p, size_t n);

/**
 * Ends every SMTP and IMAP transfer in progress, and any started later, with
 * an error (the process is stopping: nothing waits for a slow server).
 */
void mail_transfers_abort(void);

#endif
