/*
 * mailgate.c - `deskd mailgate`: one email on stdin into deskd, for an MTA's
 * pipe transport. The exit status is the MTA's instruction (sysexits.h):
 * 0 only once the email is committed, 75 to try again later, 65 for input
 * that is not an email at all, 69 for an email over the size limit.
 */
#include "cli/cli.h"
#include "mail/ingest.h"
#include "util/buf.h"
#include "util/libcurl.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* Reads all of stdin, at most `max` + 1 bytes (one more says "too large"). */
static int read_stdin(struct buf *b, size_t max)
{
	char chunk[65536];
	ssize_t n;

	buf_init(b, max + 1);
	while ((n = read(0, chunk, sizeof(chunk))) > 0) {
		buf_add(b, chunk, (size_t)n);
		if (b->err)
			return 0;
	}
	return n == 0;
}

static size_t keep_reply(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, p, size * n);
	return size * n;
}

static int via_url(const char *url, const char *token, const char *mailbox, const struct buf *in)
{
	const char *missing = libcurl_load();
	char *full, *esc, auth[600], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	struct buf reply;
	long status = 0;
	CURLcode rc;
	CURL *c;
	int ret;

	if (missing) {
		fprintf(stderr, "deskd mailgate: %s\n", missing);
		return EX_TEMPFAIL; /* the mail server keeps the email until deskd can take it */
	}
	c = libcurl.easy_init();
	esc = mailbox ? libcurl.easy_escape(c, mailbox, 0) : NULL;
	if (asprintf(&full, "%s/api/v1/mail/inbound%s%s", url, esc ? "?mailbox=" : "",
		     esc ? esc : "") < 0)
		die("out of memory");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	h = libcurl.slist_append(h, auth);
	h = libcurl.slist_append(h, "Content-Type: message/rfc822");
	h = libcurl.slist_append(h, "Expect:");
	buf_init(&reply, 65536);
	libcurl.easy_setopt(c, CURLOPT_URL, full);
	libcurl.easy_setopt(c, CURLOPT_POSTFIELDS, in->p ? in->p : "");
	libcurl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)in->len);
	libcurl.easy_setopt(c, CURLOPT_HTTPHEADER, h);
	libcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	libcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	libcurl.easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	libcurl.easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
	libcurl.easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	libcurl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = libcurl.easy_perform(c);
	if (rc == CURLE_OK)
		libcurl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200 || status == 201)
		ret = EX_OK;
	else if (status == 422 || status == 400)
		ret = EX_DATAERR;
	else if (status == 413)
		ret = EX_UNAVAILABLE;
	else
		ret = EX_TEMPFAIL; /* unreachable, refused, or misconfigured: keep the email */
	if (ret != EX_OK)
		fprintf(stderr, "deskd mailgate: %s%.*s\n",
			rc != CURLE_OK ? (errbuf[0] ? errbuf : libcurl.easy_strerror(rc)) : "",
			(int)reply.len, reply.p ? reply.p : "");
	buf_release(&reply);
	libcurl.slist_free_all(h);
	libcurl.free(esc);
	free(full);
	libcurl.easy_cleanup(c);
	return ret;
}

int cli_mailgate(int argc, char **argv, const struct cli_options *o)
{
	const char *url = cli_option(argc, argv, "--url"), *mailbox = cli_option(argc, argv, "--mailbox");
	const char *token = cli_option(argc, argv, "--token");
	struct mail_result res;
	struct store *st;
	struct error err;
	struct buf in;
	char *msg = NULL;
	enum err_code rc;

	if (!token)
		token = getenv("DESKD_TOKEN");
	if (url && !token) {
		fprintf(stderr, "deskd mailgate: --url needs --token or DESKD_TOKEN\n");
		return EX_USAGE;
	}
	if (!read_stdin(&in, MAIL_RAW_MAX)) {
		fprintf(stderr, "deskd mailgate: %s\n",
			in.err ? "the email is larger than the limit" : "cannot read stdin");
		buf_release(&in);
		return in.err ? EX_UNAVAILABLE : EX_TEMPFAIL;
	}
	if (url) {
		int ret = via_url(url, token, mailbox, &in);

		buf_release(&in);
		return ret;
	}
	st = store_open_brief(o->db, &msg);
	if (!st) {
		fprintf(stderr, "deskd mailgate: %s\n", msg);
		free(msg);
		buf_release(&in);
		return EX_TEMPFAIL;
	}
	rc = mail_ingest(st, in.p ? in.p : "", in.len, mailbox, &res, &err);
	store_free(st);
	buf_release(&in);
	if (rc) {
		fprintf(stderr, "deskd mailgate: %s\n", err.message);
		return rc == E_INVALID ? EX_DATAERR : rc == E_TOO_LARGE ? EX_UNAVAILABLE : EX_TEMPFAIL;
	}
	return EX_OK;
}
