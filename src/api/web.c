/*
 * web.c - the agent web app: index.html at "/" and the files of web/ under
 * /static/<hash>/, both built into the binary (scripts/embed-web.sh).
 */
#include "api/api.h"
#include "util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct web_file {
	const char *path, *type;
	const unsigned char *data, *gz;
	size_t len, gz_len;
};
extern const struct web_file web_files[];
extern const char web_hash[];

/*
 * The page may load only what deskd serves. Email HTML is shown in sandboxed
 * frames with a policy of their own; remote images there are the agent's choice.
 */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
			  " img-src 'self' data: https:; connect-src 'self'; frame-src 'self' about:;"
			  " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static char *index_html;
static size_t index_len;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static const struct web_file *find(const char *path)
{
	for (const struct web_file *f = web_files; f->path; f++)
		if (!strcmp(f->path, path))
			return f;
	return NULL;
}

/* index.html names its assets {{STATIC}}/...: that becomes /static/<hash>. */
static void build_index(void)
{
	const struct web_file *f = find("index.html");
	struct buf b;
	char base[64];
	const char *p, *end, *hit;

	buf_init(&b, 0);
	snprintf(base, sizeof(base), "/static/%s", web_hash);
	if (!f) {
		buf_adds(&b, "<!doctype html><title>deskd</title><p>The web app is not built in.");
	} else {
		p = (const char *)f->data;
		end = p + f->len;
		while ((hit = memmem(p, (size_t)(end - p), "{{STATIC}}", 10))) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_adds(&b, base);
			p = hit + 10;
		}
		buf_add(&b, p, (size_t)(end - p));
	}
	index_html = buf_detach(&b, &index_len);
}

API_HANDLER(api_web_index)
{
	pthread_once(&index_once, build_index);
	http_header(r, "Content-Security-Policy", csp);
	http_header(r, "Cache-Control", "no-cache");
	http_header(r, "X-Frame-Options", "DENY");
	http_header(r, "Referrer-Policy", "same-origin");
	return http_reply_static(r, 200, "text/html; charset=utf-8", index_html, index_len);
}

static int accepts_gzip(struct req *r)
{
	const char *ae = http_request_header(r, "Accept-Encoding");

	return ae && strstr(ae, "gzip");
}

API_HANDLER(api_web_static)
{
	size_t n = strlen(web_hash);
	const struct web_file *f;

	if (strncmp(r->rest, web_hash, n) || r->rest[n] != '/' ||
	    !(f = find(r->rest + n + 1)) || !strcmp(f->path, "index.html"))
		return error_set(&r->err, E_NOT_FOUND, "no such file");
	/* the hash changes whenever any file does, so a URL's content never changes */
	http_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	http_header(r, "Vary", "Accept-Encoding");
	if (accepts_gzip(r) && f->gz_len < f->len) {
		http_header(r, "Content-Encoding", "gzip");
		return http_reply_static(r, 200, f->type, f->gz, f->gz_len);
	}
	return http_reply_static(r, 200, f->type, f->data, f->len);
}
