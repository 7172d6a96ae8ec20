/*
 * server.c - libmicrohttpd glue: body collection, routing, errors, the request log.
 */
#include "core/text.h"
#include "http/form.h"
#include "http/http.h"
#include "http/libmhd.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_server {
	struct MHD_Daemon *daemon;
	const struct route *routes;
	http_auth_fn authenticate;
	struct app *app;
};

/* --- metrics --- */

/* the route table's size at most: each route has its row of request counters */
#define MAX_ROUTES 256
static const int statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503 };
#define N_STATUSES (int)(sizeof(statuses) / sizeof(statuses[0]))
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define N_BUCKETS (int)(sizeof(buckets) / sizeof(buckets[0]))

static atomic_uint_fast64_t hits[MAX_ROUTES + 1][N_STATUSES + 1];
static atomic_uint_fast64_t latency[N_BUCKETS + 1], latency_sum_us, latency_count;
static const struct route *metric_routes;

static void count_request(int route, int status, int64_t us)
{
	int s = N_STATUSES, b = 0;

	for (int i = 0; i < N_STATUSES; i++)
		if (statuses[i] == status)
			s = i;
	atomic_fetch_add(&hits[route][s], 1);
	while (b < N_BUCKETS && us > buckets[b] * 1e6)
		b++;
	atomic_fetch_add(&latency[b], 1);
	atomic_fetch_add(&latency_sum_us, (uint64_t)us);
	atomic_fetch_add(&latency_count, 1);
}

void http_metrics(struct buf *b)
{
	uint64_t cum = 0;

	buf_adds(b, "# HELP deskd_http_requests_total HTTP requests by route and status.\n"
		    "# TYPE deskd_http_requests_total counter\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		const char *name = "unmatched";

		if (r < MAX_ROUTES) {
			if (!metric_routes || !metric_routes[r].method)
				continue;
			name = metric_routes[r].pattern;
		}
		for (int s = 0; s <= N_STATUSES; s++) {
			uint64_t n = atomic_load(&hits[r][s]);

			if (!n)
				continue;
			char status[8];

			snprintf(status, sizeof(status), "%d", s < N_STATUSES ? statuses[s] : 0);
			buf_addf(b, "deskd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
				 r < MAX_ROUTES ? metric_routes[r].method : "any", name,
				 s < N_STATUSES ? status : "other", (unsigned long long)n);
		}
		if (r < MAX_ROUTES && !metric_routes[r + 1].method)
			r = MAX_ROUTES - 1;
	}
	buf_adds(b, "# HELP deskd_http_request_duration_seconds Time to answer a request.\n"
		    "# TYPE deskd_http_request_duration_seconds histogram\n");
	for (int i = 0; i <= N_BUCKETS; i++) {
		cum += atomic_load(&latency[i]);
		if (i < N_BUCKETS)
			buf_addf(b, "deskd_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				 buckets[i], (unsigned long long)cum);
		else
			buf_addf(b, "deskd_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
				 (unsigned long long)cum);
	}
	buf_addf(b, "deskd_http_request_duration_seconds_sum %.6f\n",
		 (double)atomic_load(&latency_sum_us) / 1e6);
	buf_addf(b, "deskd_http_request_duration_seconds_count %llu\n",
		 (unsigned long long)atomic_load(&latency_count));
}

/* --- replies --- */

enum err_code http_reply_text(struct req *r, int status, const char *content_type,
			      const char *text, size_t len)
{
	if (!r->reply_static)
		free(r->reply);
	r->reply_static = 0;
	r->reply = xmalloc(len + 1);
	memcpy(r->reply, text, len);
	r->reply[len] = '\0';
	r->reply_len = len;
	r->status = status;
	r->content_type = content_type;
	return E_OK;
}

enum err_code http_reply_owned(struct req *r, int status, const char *content_type, void *data,
			       size_t len)
{
	if (!r->reply_static)
		free(r->reply);
	r->reply_static = 0;
	r->reply = data;
	r->reply_len = len;
	r->status = status;
	r->content_type = content_type;
	return E_OK;
}

enum err_code http_reply_json(struct req *r, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (!text)
		die("out of memory");
	if (!r->reply_static)
		free(r->reply);
	r->reply_static = 0;
	r->reply = text;
	r->reply_len = strlen(text);
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	return E_OK;
}

enum err_code http_reply_stream(struct req *r, const char *content_type,
				long (*fn)(void *cls, uint64_t pos, char *buf, size_t max),
				void *cls, void (*free_fn)(void *cls))
{
	r->stream = fn;
	r->stream_cls = cls;
	r->stream_free = free_fn;
	r->status = 200;
	r->content_type = content_type;
	return E_OK;
}

enum err_code http_reply_static(struct req *r, int status, const char *content_type,
				const void *data, size_t len)
{
	if (!r->reply_static)
		free(r->reply);
	r->reply = (char *)data;
	r->reply_len = len;
	r->reply_static = 1;
	r->status = status;
	r->content_type = content_type;
	return E_OK;
}

enum err_code http_reply_empty(struct req *r, int status)
{
	return http_reply_text(r, status, NULL, "", 0);
}

void http_header(struct req *r, const char *name, const char *value)
{
	if (r->n_headers == (int)(sizeof(r->headers) / sizeof(r->headers[0])))
		BUG("too many response headers");
	r->headers[r->n_headers].name = name;
	r->headers[r->n_headers++].value = value;
}

const char *http_query(struct req *r, const char *name)
{
	return libmhd.lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_header(struct req *r, const char *name)
{
	return libmhd.lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct req *r, const char *name)
{
	return libmhd.lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *http_client_address(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		libmhd.get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char *out = arena_alloc(&r->arena, INET6_ADDRSTRLEN);

	if (!ci || !ci->client_addr)
		return "unknown";
	if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
			  INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, out,
			  INET6_ADDRSTRLEN);
	return out;
}

/* Messages may quote what a client sent: keep them valid UTF-8 for JSON. */
static void sanitize(char *s)
{
	size_t len = strlen(s), bad;

	while (!text_utf8_valid(s, len, &bad)) {
		s[bad] = '?';
		s += bad + 1;
		len -= bad + 1;
	}
}

/* The one place where an error becomes a response. */
static void reply_error(struct req *r)
{
	json_t *e;

	sanitize(r->err.message);
	if (r->route && r->route->error_page) {
		r->n_headers = 0; /* what the handler meant for a success is not for this page */
		r->route->error_page(r);
		return;
	}
	e = json_pack("{ss ss}", "code", error_name(r->err.code), "message", r->err.message);

	if (r->err.position >= 0)
		json_object_set_new(e, "position", json_integer(r->err.position));
	/* RFC 6750: a token that was sent and refused is named; no credentials are not */
	if (r->err.code == E_UNAUTHORIZED)
		http_header(r, "WWW-Authenticate",
			    r->invalid_token ? "Bearer realm=\"deskd\", error=\"invalid_token\""
					     : "Bearer realm=\"deskd\"");
	if (r->err.code == E_METHOD && r->allow)
		http_header(r, "Allow", r->allow);
	http_reply_json(r, error_http_status(r->err.code), json_pack("{so}", "error", e));
}

/* --- routing --- */

/* The text parts of a path, where a {name} matched, before they are copied out. */
struct key_spans {
	const char *p[2];
	size_t n[2];
	int count;
};

/*
 * A {name} other than {id} is one path segment (as MHD decoded it): up to 255
 * bytes of UTF-8 but "/" and control characters, and not "." or "..".
 */
static size_t key_length(const char *path)
{
	size_t n = strcspn(path, "/");

	if (!n || n > 255 || (path[0] == '.' && (n == 1 || (n == 2 && path[1] == '.'))))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return 0;
	/* the database takes only UTF-8: other bytes match no route rather than fail there */
	return text_utf8_valid(path, n, NULL) ? n : 0;
}

static int match(const char *pattern, const char *path, int64_t ids[2], struct key_spans *keys,
		 const char **rest)
{
	int n = 0;

	keys->count = 0;

	while (*pattern && *path) {
		if (pattern[0] == '*' && !pattern[1]) {
			*rest = path;
			return 1;
		}
		if (pattern[0] == '{' && strncmp(pattern, "{id}", 4)) {
			size_t len = key_length(path);

			if (!len || keys->count == 2)
				return 0;
			keys->p[keys->count] = path;
			keys->n[keys->count++] = len;
			path += len;
			pattern = strchr(pattern, '}') + 1;
			continue;
		}
		if (!strncmp(pattern, "{id}", 4)) {
			int64_t v = 0;
			int digits = 0;

			while (*path >= '0' && *path <= '9') {
				int d = *path++ - '0';

				if (v > (INT64_MAX - d) / 10)
					return 0;
				v = v * 10 + d;
				digits++;
			}
			if (!digits || v <= 0 || n == 2)
				return 0;
			ids[n++] = v;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return !*pattern && !*path;
}

/* 1 when `method` is one of the ", "-separated names in `list` */
static int listed(const char *list, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 2 : NULL)
		if (!strncmp(p, method, n) && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

/* Allow names each method once, and HEAD wherever GET is (deskd answers it). */
static void allow_add(struct req *r, const char *method)
{
	const char *add[2] = { method, strcmp(method, "GET") ? NULL : "HEAD" };

	for (int i = 0; i < 2 && add[i]; i++)
		if (!listed(r->allow, add[i]))
			r->allow = r->allow ? arena_printf(&r->arena, "%s, %s", r->allow, add[i])
					    : add[i];
}

static enum err_code route(struct http_server *s, struct req *r)
{
	int path_matched = 0;
	struct key_spans keys;

	for (int i = 0; s->routes[i].method; i++) {
		if (!match(s->routes[i].pattern, r->path, r->ids, &keys, &r->rest))
			continue;
		path_matched = 1;
		allow_add(r, s->routes[i].method);
		if (!strcmp(s->routes[i].method, r->method) ||
		    (!strcmp(r->method, "HEAD") && !strcmp(s->routes[i].method, "GET"))) {
			r->route = &s->routes[i];
			r->route_index = i;
			for (int k = 0; k < keys.count; k++)
				r->keys[k] = arena_strndup(&r->arena, keys.p[k], keys.n[k]);
			return E_OK;
		}
	}
	if (path_matched)
		return error_set(&r->err, E_METHOD, "%s is not allowed on %s", r->method, r->path);
	return error_set(&r->err, E_NOT_FOUND, "no such route '%s'", r->path);
}

enum err_code http_parse_body(const char *p, size_t len, json_t **out, struct error *err)
{
	json_error_t jerr;
	size_t bad;

	*out = NULL;
	if (!text_utf8_valid(p, len, &bad)) {
		error_set(err, E_INVALID_JSON, "invalid UTF-8 at byte %zu", bad);
		err->position = (long)bad;
		return E_INVALID_JSON;
	}
	*out = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!*out) {
		error_set(err, E_INVALID_JSON, "invalid JSON at byte %d: %s", jerr.position,
			  jerr.text);
		err->position = jerr.position;
		return E_INVALID_JSON;
	}
	if (!json_is_object(*out))
		return error_set(err, E_BAD_REQUEST, "the body must be a JSON object");
	return E_OK;
}

static enum err_code parse_body(struct req *r)
{
	const char *ctype = http_request_header(r, "Content-Type");

	if (r->route->body == BODY_FORM) {
		if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) ||
		    (ctype[33] && ctype[33] != ';' && ctype[33] != ' '))
			return error_set(&r->err, E_MEDIA_TYPE,
					 "the body must be application/x-www-form-urlencoded");
		return form_parse(r->body.p ? r->body.p : "", r->body.len, &r->form, &r->n_form,
				  &r->arena, &r->err);
	}
	if (r->route->body != BODY_JSON)
		return E_OK;
	if (!ctype || strncasecmp(ctype, "application/json", 16) ||
	    (ctype[16] && ctype[16] != ';' && ctype[16] != ' '))
		return error_set(&r->err, E_MEDIA_TYPE, "the body must be application/json");
	return http_parse_body(r->body.p ? r->body.p : "", r->body.len, &r->json, &r->err);
}

/*
 * What the headers decide: the route, the caller and their role. It runs
 * before any of the body is read, so a caller who may not use a route cannot
 * make deskd hold its body (up to HTTP_RAW_MAX) in memory.
 */
static enum err_code admit(struct http_server *s, struct req *r)
{
	enum err_code rc;

	if ((rc = route(s, r)))
		return rc;
	if (r->route->access != ACCESS_PUBLIC) {
		if ((rc = s->authenticate(r)))
			return rc;
		if (r->route->access == ACCESS_ADMIN && strcmp(r->user.role, "admin"))
			return error_set(&r->err, E_FORBIDDEN, "this needs the admin role");
	}
	return E_OK;
}

/* Larger bodies are refused (413), on their Content-Length before any is read. */
static size_t body_max(const struct route *rt)
{
	if (rt && rt->body == BODY_FILE)
		return HTTP_FILE_MAX;
	if (rt && rt->body == BODY_HOOK)
		return HTTP_HOOK_MAX;
	if (rt && rt->body == BODY_FORM)
		return HTTP_FORM_MAX;
	return rt && rt->body == BODY_RAW ? HTTP_RAW_MAX : HTTP_BODY_MAX;
}

static enum err_code handle(struct req *r)
{
	enum err_code rc;

	if ((rc = r->admit_rc))
		return rc;
	if (r->body_too_large)
		return error_set(&r->err, E_TOO_LARGE, "the body is larger than %zu bytes",
				 body_max(r->route));
	if ((rc = parse_body(r)))
		return rc;
	return r->route->fn(r);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct req *r = cls;
	long n = r->stream(r->stream_cls, pos, buf, max);

	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->stream)
		resp = libmhd.create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, r,
							 NULL);
	else
		resp = libmhd.create_response_from_buffer(r->reply_len, r->reply,
						       r->reply_static ? MHD_RESPMEM_PERSISTENT
								       : MHD_RESPMEM_MUST_FREE);
	r->reply = NULL;
	if (r->content_type)
		libmhd.add_response_header(resp, "Content-Type", r->content_type);
	libmhd.add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (int i = 0; i < r->n_headers; i++)
		libmhd.add_response_header(resp, r->headers[i].name, r->headers[i].value);
	if (!libmhd.get_response_header(resp, "Cache-Control"))
		libmhd.add_response_header(resp, "Cache-Control", "no-store");
	ret = libmhd.queue_response(conn, (unsigned)r->status, resp);
	libmhd.destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	struct http_server *s = cls;
	struct req *r = *state;

	(void)version;
	if (!r) {
		const char *len = libmhd.lookup_connection_value(conn, MHD_HEADER_KIND,
							      "Content-Length");
		size_t max;

		r = xcalloc(1, sizeof(*r));
		arena_init(&r->arena);
		r->app = s->app;
		r->conn = conn;
		r->method = method;
		r->path = arena_strdup(&r->arena, url);
		r->started_us = time_mono_us();
		r->route_index = MAX_ROUTES;
		r->err.position = -1;
		r->admit_rc = admit(s, r);
		max = body_max(r->admit_rc ? NULL : r->route);
		buf_init(&r->body, max);
		*state = r;
		if (len && strtoull(len, NULL, 10) > max)
			r->body_too_large = 1;
		else if (!r->admit_rc)
			return MHD_YES;
		/* refused on its headers: answer now, without reading the body */
	}
	if (*size) {
		buf_add(&r->body, data, *size);
		if (r->body.err)
			r->body_too_large = 1;
		*size = 0;
		return MHD_YES;
	}
	if (handle(r) != E_OK)
		reply_error(r);
	else if (!r->status)
		BUG("handler for %s %s answered nothing", method, url);
	return send_reply(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *state;
	int64_t us;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	us = time_mono_us() - r->started_us;
	count_request(r->route_index, r->status, us);
	/* the path is client text: no byte of it may break the one-line format */
	for (char *p = (char *)r->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "method=%s path=%s status=%d us=%lld\n", r->method, r->path, r->status,
		(long long)us);
	if (r->stream_free)
		r->stream_free(r->stream_cls);
	json_decref(r->json);
	buf_release(&r->body);
	free(r->reply);
	arena_release(&r->arena);
	free(r);
	*state = NULL;
}

/*
 * Percent-decoding that keeps "%00" as it is: a NUL inside a path or argument
 * would otherwise cut it short, and "/tickets/1%00" must not mean "/tickets/1".
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s;

	(void)cls;
	(void)conn;
	for (char *in = s; *in; in++) {
		int hi, lo;

		if (*in == '%' && (hi = form_hex(in[1])) >= 0 && (lo = form_hex(in[2])) >= 0 &&
		    (hi || lo)) {
			*out++ = (char)(hi * 16 + lo);
			in += 2;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

struct http_server *http_start(const char *listen, const struct route *routes,
			       http_auth_fn authenticate, struct app *app, char **err)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const char *colon = strrchr(listen, ':');
	char host[64];
	long port;
	const char *missing = libmhd_load();

	if (missing) {
		*err = xstrdup(missing);
		free(s);
		return NULL;
	}

	if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
	    (port = strtol(colon + 1, NULL, 10)) <= 0 || port > 65535) {
		if (asprintf(err, "--listen must be HOST:PORT, not '%s'", listen) < 0)
			die("out of memory");
		free(s);
		return NULL;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &addr.sin_addr) != 1) {
		if (asprintf(err, "cannot listen on '%s': give an IPv4 address", host) < 0)
			die("out of memory");
		free(s);
		return NULL;
	}
	addr.sin_port = htons((uint16_t)port);
	for (int i = 0; routes[i].method; i++)
		if (i >= MAX_ROUTES)
			BUG("more than %d routes: raise MAX_ROUTES", MAX_ROUTES);
	s->routes = routes;
	s->authenticate = authenticate;
	s->app = app;
	metric_routes = routes;
	s->daemon = libmhd.start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			MHD_USE_ITC,
		0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_UNESCAPE_CALLBACK,
		unescape, NULL, MHD_OPTION_END);
	if (!s->daemon) {
		if (asprintf(err, "cannot listen on %s (in use?)", listen) < 0)
			die("out of memory");
		free(s);
		return NULL;
	}
	return s;
}

void http_stop(struct http_server *s)
{
	libmhd.quiesce_daemon(s->daemon);
	libmhd.stop_daemon(s->daemon);
	free(s);
}
