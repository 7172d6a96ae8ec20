/*
 * imap.c - an IMAP folder read through libcurl, one connection kept open.
 *
 * libcurl runs each command as a "transfer" on a connection it keeps in the
 * easy handle's cache. Three things it does on its own shape this file:
 *
 * - Fetching by URL ("INBOX;UID=7") sends UID FETCH 7 BODY[] and hands over
 *   the literal's exact bytes, but BODY[] sets \Seen in a folder opened
 *   read-write, and libcurl opens folders with SELECT. So right after its
 *   SELECT the folder is opened again with EXAMINE (read-only); libcurl
 *   still counts it as selected and fetches without selecting again.
 *   imap_mark_seen SELECTs for its STORE and EXAMINEs again after.
 * - When the cached connection has died, libcurl silently opens a new one
 *   and SELECTs there, which would undo the above. The pre-request callback
 *   sees every transfer's local port before any command is sent: another
 *   port is another connection, and the transfer is refused.
 * - Custom commands (CURLOPT_CUSTOMREQUEST) pass their untagged replies
 *   to the write callback and every reply line to the header callback, one
 *   line at a time; lines longer than half the receive buffer are clipped,
 *   so UID SEARCH asks for bounded ranges of UIDs.
 */
#include "mail/imap.h"
#include "util/buf.h"
#include "util/libcurl.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* UIDs per UID SEARCH: the reply line stays well under libcurl's 8 KB clip. */
#define SEARCH_WINDOW 500

/* A connection that moves no byte for this long is given up. */
#define STALL_SECONDS 60L

struct imap {
	CURL *curl;
	struct mail_server server; /* strings owned */
	char *path;		   /* the folder, escaped for URLs */
	char *quoted;		   /* the folder as an IMAP quoted string */
	int local_port;		   /* of the one connection; 0 before it exists */
	int lost;		   /* libcurl wanted another connection */
	struct buf out;		   /* what the write callback was given */
	char reply[256];	   /* the last tagged reply line */
	char errbuf[CURL_ERROR_SIZE];
	struct libcurl_guard guard; /* why a connection was refused */
};

static size_t keep_output(char *p, size_t size, size_t n, void *arg)
{
	struct imap *c = arg;

	buf_add(&c->out, p, size * n);
	return c->out.err ? 0 : size * n;
}

static size_t keep_reply(char *p, size_t size, size_t n, void *arg)
{
	struct imap *c = arg;

	/* the tagged line that ends each command says why it failed */
	if (size * n >= 2 && p[0] != '*' && p[0] != '+')
		mail_reply_copy(c->reply, sizeof(c->reply), p, size * n);
	return size * n;
}

static int same_connection(void *arg, char *primary_ip, char *local_ip, int primary_port,
			   int local_port)
{
	struct imap *c = arg;

	(void)primary_ip, (void)local_ip, (void)primary_port;
	if (!c->local_port)
		c->local_port = local_port;
	if (c->local_port == local_port)
		return CURL_PREREQFUNC_OK;
	c->lost = 1;
	return CURL_PREREQFUNC_ABORT;
}

static enum err_code failed(struct imap *c, CURLcode rc, const char *what, struct error *err)
{
	const char *why = *c->errbuf ? c->errbuf : libcurl.easy_strerror(rc);

	if (c->guard.refused[0])
		return error_set(err, E_UNAVAILABLE, "imap: %s", c->guard.refused);
	if (c->lost || rc == CURLE_ABORTED_BY_CALLBACK)
		return error_set(err, E_UNAVAILABLE, "imap: the connection to %s was lost",
				 c->server.host);
	/* libcurl reports a refused SELECT as a refused login too; only a login comes before the
	 * pre-request callback */
	if (rc == CURLE_LOGIN_DENIED && !c->local_port)
		return error_set(err, E_UNAUTHORIZED, "imap: %s refused the login for '%s'",
				 c->server.host, c->server.user);
	if (rc == CURLE_LOGIN_DENIED)
		return error_set(err, E_NOT_FOUND, "imap: cannot open the folder: %s", c->reply);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return error_set(err, E_NOT_FOUND, "imap: %s: no such message", what);
	return error_set(err, E_UNAVAILABLE, "imap: %s: %s%s%s", what, why, *c->reply ? ": " : "",
			 c->reply);
}

/*
 * Runs one transfer: `request` as a custom command, or NULL to fetch what
 * `path_suffix` names. Its untagged replies (or the fetched bytes) end up in c->out.
 */
static enum err_code run(struct imap *c, const char *request, const char *path_suffix,
			 const char *what, struct error *err)
{
	char path[512];
	CURLcode rc;
	enum err_code ec;

	if (c->lost)
		return error_set(err, E_UNAVAILABLE, "imap: the connection to %s was lost",
				 c->server.host);
	snprintf(path, sizeof(path), "%s%s", c->path, path_suffix ? path_suffix : "");
	ec = mail_server_curl_setup(c->curl, &c->server, "imap", path, &c->guard, err);
	if (ec != E_OK)
		return ec;
	libcurl.easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, request);
	buf_release(&c->out);
	buf_init(&c->out, 0);
	*c->errbuf = *c->reply = '\0';
	rc = libcurl.easy_perform(c->curl);
	if (rc == CURLE_OK && c->out.err)
		return error_set(err, E_TOO_LARGE, "imap: %s: the reply is too large", what);
	return rc == CURLE_OK ? E_OK : failed(c, rc, what, err);
}

/* The folder as an IMAP quoted string. */
static char *quote(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_adds(&b, "\\");
		buf_add(&b, s, 1);
	}
	buf_adds(&b, "\"");
	return buf_detach(&b, NULL);
}

static char *copy(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static enum err_code examine(struct imap *c, struct error *err)
{
	char request[300];

	snprintf(request, sizeof(request), "EXAMINE %s", c->quoted);
	return run(c, request, NULL, "examine", err);
}

struct imap *imap_open(const struct mail_server *s, const char *folder, struct error *err)
{
	const char *missing;
	struct imap *c;
	char *escaped;

	if (!s->user)
		return error_set(err, E_INVALID, "imap: no user to log in as"), NULL;
	if (!folder || !*folder || strlen(folder) > 200 || strpbrk(folder, "\r\n"))
		return error_set(err, E_INVALID, "imap: bad folder name"), NULL;
	if ((missing = libcurl_load()))
		return error_set(err, E_UNAVAILABLE, "imap: %s", missing), NULL;
	c = xcalloc(1, sizeof(*c));
	if (!(c->curl = libcurl.easy_init()))
		die("out of memory starting libcurl");
	c->server = (struct mail_server){.host = copy(s->host),
					 .port = s->port,
					 .security = copy(s->security),
					 .user = copy(s->user),
					 .password = copy(s->password),
					 .tls_verify = s->tls_verify};
	escaped = libcurl.easy_escape(c->curl, folder, 0);
	c->path = copy(escaped);
	libcurl.free(escaped);
	c->quoted = quote(folder);
	buf_init(&c->out, 0);

	libcurl.easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	libcurl.easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, keep_output);
	libcurl.easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	libcurl.easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, keep_reply);
	libcurl.easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	libcurl.easy_setopt(c->curl, CURLOPT_PREREQFUNCTION, same_connection);
	libcurl.easy_setopt(c->curl, CURLOPT_PREREQDATA, c);
	libcurl.easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	libcurl.easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	libcurl.easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	libcurl.easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	/* an idle connection stays ours: libcurl would otherwise replace it after 118 s */
	libcurl.easy_setopt(c->curl, CURLOPT_MAXAGE_CONN, 24L * 3600);
	/* libcurl SELECTs the folder first (see the top of the file) */
	if (examine(c, err) != E_OK) {
		imap_close(c);
		return NULL;
	}
	return c;
}

void imap_close(struct imap *c)
{
	if (!c)
		return;
	libcurl.easy_cleanup(c->curl); /* logs out */
	free((char *)c->server.host);
	free((char *)c->server.security);
	free((char *)c->server.user);
	free((char *)c->server.password);
	free(c->path);
	free(c->quoted);
	buf_release(&c->out);
	free(c);
}

/* The number after `key` and a space in c->out ("UIDNEXT 42"), or -1. */
static int64_t number_after(const struct imap *c, const char *key)
{
	const char *p = c->out.p ? c->out.p : "";
	size_t k = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		p += k;
		if (p[0] == ' ' && p[1] >= '0' && p[1] <= '9')
			return strtoll(p + 1, NULL, 10);
	}
	return -1;
}

enum err_code imap_status(struct imap *c, int64_t *uidvalidity, int64_t *uidnext, struct error *err)
{
	enum err_code rc;

	if ((rc = examine(c, err)) != E_OK)
		return rc;
	*uidvalidity = number_after(c, "[UIDVALIDITY");
	*uidnext = number_after(c, "[UIDNEXT");
	if (*uidvalidity < 0 || *uidnext < 0)
		return error_set(err, E_UNAVAILABLE,
				 "imap: %s gave no UIDVALIDITY or UIDNEXT for the folder",
				 c->server.host);
	return E_OK;
}

static int by_value(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Adds the UIDs of the "* SEARCH ..." lines in c->out that are in [lo, hi] to uids. */
static void add_found(const struct imap *c, int64_t lo, int64_t hi, int64_t *uids, int *n, int max)
{
	const char *line = c->out.p ? c->out.p : "";
	int first = *n;

	for (; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
		const char *p = line + strlen("* SEARCH");
		char *end;

		if (strncmp(line, "* SEARCH", strlen("* SEARCH")) != 0)
			continue;
		while (*p == ' ') {
			int64_t uid = strtoll(p + 1, &end, 10);

			if (end == p + 1)
				break;
			if (uid >= lo && uid <= hi && *n < max)
				uids[(*n)++] = uid;
			p = end;
		}
	}
	qsort(uids + first, (size_t)(*n - first), sizeof(*uids), by_value);
}

static enum err_code search(struct imap *c, int64_t from_uid, int unseen, int max, int64_t **uids,
			    int *n, struct arena *a, struct error *err)
{
	int64_t uidvalidity, uidnext, lo;
	char request[100];
	enum err_code rc;

	*uids = NULL;
	*n = 0;
	if (from_uid < 1)
		from_uid = 1;
	if (max <= 0)
		return E_OK;
	if ((rc = imap_status(c, &uidvalidity, &uidnext, err)) != E_OK)
		return rc;
	*uids = arena_alloc(a, (size_t)max * sizeof(**uids));
	for (lo = from_uid; lo < uidnext && *n < max; lo += SEARCH_WINDOW) {
		int64_t hi = lo + SEARCH_WINDOW - 1;

		snprintf(request, sizeof(request), "UID SEARCH %sUID %" PRId64 ":%" PRId64,
			 unseen ? "UNSEEN " : "", lo, hi);
		if ((rc = run(c, request, NULL, "search", err)) != E_OK)
			return rc;
		add_found(c, lo, hi, *uids, n, max);
	}
	return E_OK;
}

enum err_code imap_uids_from(struct imap *c, int64_t from_uid, int max, int64_t **uids, int *n,
			     struct arena *a, struct error *err)
{
	return search(c, from_uid, 0, max, uids, n, a, err);
}

enum err_code imap_uids_unseen(struct imap *c, int64_t from_uid, int max, int64_t **uids, int *n,
			       struct arena *a, struct error *err)
{
	return search(c, from_uid, 1, max, uids, n, a, err);
}

enum err_code imap_fetch(struct imap *c, int64_t uid, char **data, size_t *len, struct arena *a,
			 struct error *err)
{
	char suffix[40], what[40];
	enum err_code rc;

	*data = NULL;
	*len = 0;
	snprintf(suffix, sizeof(suffix), ";UID=%" PRId64, uid);
	snprintf(what, sizeof(what), "fetch uid %" PRId64, uid);
	if ((rc = run(c, NULL, suffix, what, err)) != E_OK)
		return rc;
	*len = c->out.len;
	*data = arena_strndup(a, c->out.p ? c->out.p : "", c->out.len);
	return E_OK;
}

enum err_code imap_mark_seen(struct imap *c, int64_t uid, struct error *err)
{
	char request[300];
	enum err_code rc, back;

	snprintf(request, sizeof(request), "SELECT %s", c->quoted);
	if ((rc = run(c, request, NULL, "select", err)) != E_OK)
		return rc;
	snprintf(request, sizeof(request), "UID STORE %" PRId64 " +FLAGS.SILENT (\\Seen)", uid);
	rc = run(c, request, NULL, "store", err);
	/* back to read-only whatever happened, or the next fetch would set \Seen */
	if ((back = examine(c, rc == E_OK ? err : NULL)) != E_OK)
		c->lost = 1;
	return rc != E_OK ? rc : back;
}
