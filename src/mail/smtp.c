/*
 * smtp.c - outgoing messages built with GMime 3, sent with libcurl.
 *
 * GMime picks the transfer encodings and writes encoded words and RFC 2231
 * parameters; this file only decides the shape of the message (text and
 * HTML as alternatives, attachments beside them) and cleans what goes into
 * header fields. libcurl speaks SMTP; what is added here is telling a
 * refusal (5xx: give up) from a failure that may pass (anything else).
 */
#include "mail/smtp.h"
#include "mail/parse.h"
#include "util/buf.h"
#include "util/libcurl.h"
#include "util/log.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

/* ---- composing ---- */

/* A copy of s for a header field: control characters (CR and LF above all) become spaces. */
static char *header_text(const char *s, struct arena *a)
{
	char *t = arena_strdup(a, s ? s : "");

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return t;
}

/* A message id (without <>) as it may appear between <>: no spaces, controls or brackets. */
static char *clean_id(const char *id, struct arena *a)
{
	char *s = header_text(id, a);

	for (char *p = s; *p; p++)
		if (*p == ' ' || *p == '<' || *p == '>')
			*p = '_';
	return s;
}

/* "<a> <b> ..." from ids without <>. */
static char *id_list(const char *const *ids, int n, struct arena *a)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (int i = 0; i < n; i++)
		if (ids[i] && *ids[i])
			buf_addf(&b, "%s<%s>", b.len ? " " : "", clean_id(ids[i], a));
	s = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_release(&b);
	return s;
}

/* The text as a minimal HTML document: escaped, a <br> for each line break. */
static char *html_from_text(const char *text, struct arena *a)
{
	struct buf b;
	const char *line = text, *nl;
	char *s;

	buf_init(&b, 0);
	buf_adds(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n");
	while (*line) {
		nl = strchr(line, '\n');
		buf_add_html(&b, line, nl ? (size_t)(nl - line) : strlen(line));
		if (!nl)
			break;
		buf_adds(&b, "<br>\n");
		line = nl + 1;
	}
	buf_adds(&b, "\n</body></html>\n");
	s = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return s;
}

static GMimeObject *text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_text_part_set_text(part, text);
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 g_mime_part_get_best_content_encoding(
						 GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
	return GMIME_OBJECT(part);
}

static GMimeObject *attachment_part(const struct mail_out_attachment *at, struct arena *a)
{
	const char *type = at->content_type ? at->content_type : "";
	const char *slash = strchr(type, '/');
	GMimePart *part;
	GMimeStream *stream;
	GMimeDataWrapper *content;

	if (!slash || slash == type || !slash[1] || strpbrk(type, " \t\r\n;\"")) {
		type = "application/octet-stream";
		slash = type + strlen("application");
	}
	part = g_mime_part_new_with_type(arena_strndup(a, type, (size_t)(slash - type)), slash + 1);
	stream = g_mime_stream_mem_new_with_buffer((const char *)at->data, at->size);
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	if (at->filename && *at->filename)
		g_mime_part_set_filename(part, header_text(at->filename, a));
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(part);
}

/* multipart/alternative of text and HTML, in multipart/mixed with the attachments. */
static GMimeObject *body(const struct mail_out *m, struct arena *a)
{
	const char *text = m->text ? m->text : "";
	GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
	GMimeMultipart *mixed;
	GMimeObject *part;

	part = text_part("plain", text);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	part = text_part("html", m->html ? m->html : html_from_text(text, a));
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	if (m->n_attachments <= 0)
		return GMIME_OBJECT(alt);

	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_object_unref(alt);
	for (int i = 0; i < m->n_attachments; i++) {
		part = attachment_part(&m->attachments[i], a);
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return GMIME_OBJECT(mixed);
}

static void add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
			const char *email, struct arena *a)
{
	g_mime_message_add_mailbox(msg, type, name && *name ? header_text(name, a) : NULL,
				   header_text(email, a));
}

static void set_headers(GMimeMessage *msg, const struct mail_out *m, struct arena *a)
{
	GMimeObject *obj = GMIME_OBJECT(msg);
	GDateTime *date = g_date_time_new_from_unix_utc(m->date_us / 1000000);

	add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from_email, a);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to_email, a);
	for (int i = 0; i < m->n_cc; i++)
		add_mailbox(msg, GMIME_ADDRESS_TYPE_CC, NULL, m->cc[i], a);
	g_mime_message_set_subject(msg, header_text(m->subject, a), "utf-8");
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, clean_id(m->message_id, a));
	if (m->in_reply_to && *m->in_reply_to)
		g_mime_object_set_header(obj, "In-Reply-To", id_list(&m->in_reply_to, 1, a), NULL);
	if (m->n_references > 0)
		g_mime_object_set_header(obj, "References",
					 id_list(m->references, m->n_references, a), NULL);
	if (m->auto_reply)
		g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);
	if (m->attempt > 0)
		g_mime_object_set_header(obj, "X-Deskd-Attempt",
					 arena_printf(a, "%lld", (long long)m->attempt), NULL);
}

/* s with every line ending made CRLF, into the arena. */
static char *crlf(const char *s, size_t n, size_t *len, struct arena *a)
{
	size_t lf = 0, k = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		lf += s[i] == '\n' && (i == 0 || s[i - 1] != '\r');
	out = arena_alloc(a, n + lf + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = s[i];
	}
	*len = k;
	return out;
}

char *mail_compose(const struct mail_out *m, size_t *len, struct arena *a)
{
	GMimeMessage *msg;
	GMimeObject *part;
	GMimeFormatOptions *opts;
	char *raw, *out;

	if (!m->message_id || !*m->message_id)
		BUG("mail_compose without a message id");
	mail_init();
	msg = g_mime_message_new(TRUE);
	set_headers(msg, m, a);
	part = body(m, a);
	g_mime_message_set_mime_part(msg, part);
	g_object_unref(part);

	opts = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
	raw = g_mime_object_to_string(GMIME_OBJECT(msg), opts);
	if (!raw)
		die("out of memory composing a message");
	/* GMime writes CRLF where it breaks lines itself; make sure of the rest */
	out = crlf(raw, strlen(raw), len, a);
	g_free(raw);
	g_mime_format_options_free(opts);
	g_object_unref(msg);
	return out;
}

/* ---- sending ---- */

static atomic_int aborting;

void mail_transfers_abort(void)
{
	atomic_store(&aborting, 1);
}

/* libcurl asks this while a transfer runs (or waits): non-zero ends it. */
static int check_abort(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&aborting);
}

enum err_code mail_server_curl_setup(void *curl, const struct mail_server *s, const char *protocol,
				     const char *path, struct libcurl_guard *guard,
				     struct error *err)
{
	const char *sec = s->security ? s->security : "starttls";
	int tls = strcmp(sec, "tls") == 0;
	char url[512];

	if (!tls && strcmp(sec, "starttls") != 0 && strcmp(sec, "none") != 0)
		return error_set(err, E_INVALID, "unknown mail security '%s'", sec);
	if (!s->host || !*s->host || s->port <= 0 || s->port > 65535)
		return error_set(err, E_INVALID, "no mail server host and port");
	/* an IPv6 address needs brackets in a URL */
	snprintf(url, sizeof(url), strchr(s->host, ':') ? "%s%s://[%s]:%d/%s" : "%s%s://%s:%d/%s",
		 protocol, tls ? "s" : "", s->host, s->port, path ? path : "");
	libcurl.easy_setopt(curl, CURLOPT_URL, url);
	libcurl.easy_setopt(curl, CURLOPT_USE_SSL,
			    strcmp(sec, "starttls") == 0 ? (long)CURLUSESSL_ALL
							 : (long)CURLUSESSL_NONE);
	libcurl.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, s->tls_verify ? 1L : 0L);
	libcurl.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, s->tls_verify ? 2L : 0L);
	if (s->user) {
		libcurl.easy_setopt(curl, CURLOPT_USERNAME, s->user);
		libcurl.easy_setopt(curl, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	libcurl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	libcurl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	libcurl.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	libcurl.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_abort);
	libcurl_guard(curl, guard);
	return E_OK;
}

struct upload {
	const char *data;
	size_t len, off;
	char reply[256]; /* the last 4xx or 5xx reply line the server sent */
};

static size_t read_data(char *p, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n;

	if (k > u->len - u->off)
		k = u->len - u->off;
	memcpy(p, u->data + u->off, k);
	u->off += k;
	return k;
}

void mail_reply_copy(char *dst, size_t size, const char *p, size_t n)
{
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* libcurl hands each SMTP reply line to the header callback. */
static size_t keep_reply(char *p, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;

	if (size * n >= 3 && (p[0] == '4' || p[0] == '5'))
		mail_reply_copy(u->reply, sizeof(u->reply), p, size * n);
	return size * n;
}

static enum err_code send_failed(CURLcode rc, const char *errbuf, const struct upload *u,
				 const struct libcurl_guard *guard, int *permanent,
				 struct error *err)
{
	/* the address stays refused until the settings (or the server's options) change */
	if (guard->refused[0]) {
		*permanent = 1;
		return error_set(err, E_UNAVAILABLE, "smtp: %s", guard->refused);
	}
	*permanent = u->reply[0] == '5' && rc != CURLE_LOGIN_DENIED;
	return error_set(err, E_UNAVAILABLE, "smtp: %s%s%s",
			 *errbuf ? errbuf : libcurl.easy_strerror(rc), u->reply[0] ? ": " : "",
			 u->reply);
}

enum err_code mail_smtp_send(const struct mail_server *s, const char *from,
			     const char *const *rcpts, int n_rcpts, const char *data, size_t len,
			     int *permanent, struct error *err)
{
	struct upload u = {.data = data, .len = len};
	struct libcurl_guard guard;
	struct curl_slist *to = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", addr[512];
	const char *missing;
	enum err_code rc;
	CURLcode crc;
	CURL *curl;

	*permanent = 0;
	if (n_rcpts <= 0)
		return error_set(err, E_INVALID, "smtp: no recipients");
	if ((missing = libcurl_load()))
		return error_set(err, E_UNAVAILABLE, "smtp: %s", missing);
	if (!(curl = libcurl.easy_init()))
		die("out of memory starting libcurl");
	if ((rc = mail_server_curl_setup(curl, s, "smtp", "", &guard, err)) != E_OK)
		goto out;
	snprintf(addr, sizeof(addr), "<%s>", from ? from : "");
	libcurl.easy_setopt(curl, CURLOPT_MAIL_FROM, addr);
	for (int i = 0; i < n_rcpts; i++) {
		struct curl_slist *next;

		snprintf(addr, sizeof(addr), "<%s>", rcpts[i]);
		if (!(next = libcurl.slist_append(to, addr)))
			die("out of memory");
		to = next;
	}
	libcurl.easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
	/* one refused Cc must not keep the reply from the others (the customer first) */
	libcurl.easy_setopt(curl, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L); /* sic, libcurl 7.88 */
	libcurl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	libcurl.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	libcurl.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	libcurl.easy_setopt(curl, CURLOPT_READFUNCTION, read_data);
	libcurl.easy_setopt(curl, CURLOPT_READDATA, &u);
	libcurl.easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_reply);
	libcurl.easy_setopt(curl, CURLOPT_HEADERDATA, &u);
	libcurl.easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	libcurl.easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	crc = libcurl.easy_perform(curl);
	rc = crc == CURLE_OK ? E_OK : send_failed(crc, errbuf, &u, &guard, permanent, err);
out:
	libcurl.slist_free_all(to);
	libcurl.easy_cleanup(curl);
	return rc;
}
