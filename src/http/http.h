/*
 * http.h - the request a handler sees and the ways it answers.
 *
 * A handler returns E_OK after calling one http_reply_* function, or an
 * err_code with r->err filled; http/server.c turns that error into the JSON
 * error body and status in one place.
 */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H

#include "core/error.h"
#include "core/model.h"
#include "util/arena.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdint.h>

#define HTTP_BODY_MAX (1024 * 1024)
/* the largest body of a route that takes raw bytes (an email, encoded) */
#define HTTP_RAW_MAX ((size_t)36 << 20)
/* the largest file a client uploads (decoded, as an email's files may be) */
#define HTTP_FILE_MAX ((size_t)25 << 20)

/* the largest webhook a store platform sends (read before its signature can be checked) */
#define HTTP_HOOK_MAX ((size_t)4 << 20)

/* the largest HTML form a shopper posts (application/x-www-form-urlencoded) */
#define HTTP_FORM_MAX ((size_t)16 << 10)

/*
 * BODY_RAW, BODY_FILE and BODY_HOOK take any bytes, up to HTTP_RAW_MAX, HTTP_FILE_MAX,
 * HTTP_HOOK_MAX; BODY_FORM a form (http/form.h) of up to HTTP_FORM_MAX, decoded into r->form
 */
enum route_body { BODY_NONE, BODY_JSON, BODY_RAW, BODY_FILE, BODY_HOOK, BODY_FORM };

struct app;
struct req;
struct form_field;

enum route_access { ACCESS_PUBLIC, ACCESS_AGENT, ACCESS_ADMIN };

typedef enum err_code (*route_fn)(struct req *r);
/*
 * Authenticates r (the application's credentials: a bearer token, a session
 * cookie with its CSRF check) and fills r->user; E_OK, or E_UNAUTHORIZED /
 * E_FORBIDDEN with r->err filled. The server calls it for every route that is
 * not public, before the body is read.
 */
typedef enum err_code (*http_auth_fn)(struct req *r);

struct route {
	/* "{id}" matches a positive integer, any other "{name}" one segment of text
	   ("{slug}"), and a final "*" the rest of the path */
	const char *method, *pattern;
	enum route_access access;
	route_fn fn;
	int body; /* enum route_body: BODY_JSON expects a JSON object */
	/* answers r->err as the route's own page (the shopper's HTML) instead of the
	   JSON error body; NULL: JSON */
	void (*error_page)(struct req *r);
};

struct req {
	struct app *app;
	struct arena arena;
	const char *method, *path;
	const struct route *route;
	int64_t ids[2]; /* the {id} parts of the path, in order */
	const char *keys[2]; /* the other {name} parts (a segment of text each), in order */
	const char *rest; /* what a final "*" matched */

	struct buf body;
	int body_too_large;
	enum err_code admit_rc; /* routing and authentication, done when the headers arrive */
	const char *allow; /* the methods the path's routes take, for a 405 */
	json_t *json; /* the parsed body, when the route takes one */
	struct form_field *form; /* the decoded form, when the route takes BODY_FORM */
	int n_form;

	struct user user; /* the caller, once authenticated */
	int authenticated, via_cookie;
	int invalid_token; /* a bearer token was sent and refused (RFC 6750 invalid_token) */
	const char *session_hash, *token_hash, *csrf_token;
	int secure; /* reached over TLS (or says so through a trusted proxy header) */

	struct error err;
	int status;
	char *reply;
	size_t reply_len;
	int reply_static; /* reply is not ours to free */
	const char *content_type;
	struct {
		const char *name, *value;
	} headers[8];
	int n_headers;

	/* a streamed reply (http_reply_stream) */
	long (*stream)(void *cls, uint64_t pos, char *buf, size_t max);
	void *stream_cls;
	void (*stream_free)(void *cls);

	void *conn;
	int64_t started_us;
	int route_index;
};

/** Answers with `o` (stolen) as JSON. */
enum err_code http_reply_json(struct req *r, int status, json_t *o);
/** Answers with a body given as text (copied). */
enum err_code http_reply_text(struct req *r, int status, const char *content_type,
			      const char *text, size_t len);
enum err_code http_reply_empty(struct req *r, int status);
/** Answers with malloc'd bytes, taken: freed once sent (a 25 MiB file is not copied). */
enum err_code http_reply_owned(struct req *r, int status, const char *content_type, void *data,
			       size_t len);
/** Answers with bytes that live as long as the process (not copied). */
enum err_code http_reply_static(struct req *r, int status, const char *content_type,
				const void *data, size_t len);
/**
 * Answers with a body produced by `fn` as the client reads it: fn fills at most
 * `max` bytes of buf and returns how many, or -1 to end the stream; it may
 * block (each connection has its own thread). free_fn(cls) runs at the end.
 */
enum err_code http_reply_stream(struct req *r, const char *content_type,
				long (*fn)(void *cls, uint64_t pos, char *buf, size_t max),
				void *cls, void (*free_fn)(void *cls));

/** Adds a response header; name and value must outlive the request (use the arena). */
void http_header(struct req *r, const char *name, const char *value);

/** A query-string argument, or NULL. */
const char *http_query(struct req *r, const char *name);
/** A request header, or NULL. */
const char *http_request_header(struct req *r, const char *name);
/** A cookie, or NULL. */
const char *http_cookie(struct req *r, const char *name);
/** The client's address as text. */
const char *http_client_address(struct req *r);

/**
 * Decodes a request body: valid UTF-8, valid JSON without duplicate keys, an
 * object. On failure *out may hold a non-object value the caller must free.
 */
enum err_code http_parse_body(const char *p, size_t len, json_t **out, struct error *err);

struct http_server;

/**
 * Starts serving `routes` (terminated by a NULL method) on host:port, with
 * `authenticate` admitting callers to the routes that are not public. Returns
 * NULL with a message in *err.
 */
struct http_server *http_start(const char *listen, const struct route *routes,
			       http_auth_fn authenticate, struct app *app, char **err);
/** Stops accepting, lets in-flight requests finish, and frees the server. */
void http_stop(struct http_server *s);

/** Writes the Prometheus text of the request metrics to `b`. */
void http_metrics(struct buf *b);

#endif
