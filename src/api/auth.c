/*
 * auth.c - who is calling: bearer tokens, session cookies with CSRF tokens,
 * login with throttling, logout.
 */
#include "api/api.h"
#include "core/auth.h"
#include "core/render.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE "deskd_session"
#define SESSION_LIFETIME_US ((int64_t)14 * 86400 * 1000000)

/*
 * --- failed-login throttling ---
 *
 * Counted in the database (store_login.c), so every node on one PostgreSQL
 * and a restarted node see the same counts. Keys are digests of the account
 * or address: the table holds no email address or IP in the clear, and every
 * node derives the same key without sharing a secret.
 */

#define THROTTLE_WINDOW_US ((int64_t)15 * 60 * 1000000)
#define MAX_FAILS_ACCOUNT 5
#define MAX_FAILS_ADDRESS 20

static char *dummy_hash;

static void make_dummy(void)
{
	dummy_hash = auth_password_hash("not a real password, only equal work");
	if (!dummy_hash)
		die("cannot hash");
}

static const char *key_of(struct req *r, const char *kind, const char *value)
{
	char *text = arena_printf(&r->arena, "%s:%s", kind, value), *hex = auth_digest(text);
	const char *key = arena_strdup(&r->arena, hex);

	free(hex);
	return key;
}

/* Seconds until the window of `c` ends: what a refused caller waits. */
static int64_t wait_of(const struct login_count *c, int64_t now)
{
	int64_t left = c->window_start + THROTTLE_WINDOW_US - now;

	return left > 0 ? left / 1000000 + 1 : 1;
}

/*
 * Counts the attempt for the address and the account before the password is
 * checked, so parallel guesses are counted too. *wait is the seconds to wait
 * when either is over its limit (the attempt is then taken back from both),
 * else 0. A successful login clears its account and takes its address's
 * attempt back.
 */
static enum err_code take_attempt(struct req *r, const char *keys[2], int64_t now, int64_t *wait)
{
	struct login_count c[2];
	enum err_code rc = store_login_count(r->app->store, keys, 2, now, THROTTLE_WINDOW_US, c,
					     &r->err);

	*wait = 0;
	if (rc)
		return rc;
	if (c[0].attempts > MAX_FAILS_ADDRESS)
		*wait = wait_of(&c[0], now);
	else if (c[1].attempts > MAX_FAILS_ACCOUNT)
		*wait = wait_of(&c[1], now);
	else
		return E_OK;
	/* a refused attempt is not counted: the count is of passwords checked */
	return store_login_forget(r->app->store, keys, 2, NULL, &r->err);
}

/*
 * argon2id takes 64 MiB and tens of milliseconds: only a few at a time, and
 * the same work whether or not the account exists, so timing tells nothing.
 */
#define MAX_HASHING 4
static atomic_int hashing;

static int check_password(const char *hash, const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int ok;

	pthread_once(&once, make_dummy);
	ok = auth_password_check(hash ? hash : dummy_hash, password);
	return ok && hash;
}

/* --- authentication of every non-public request --- */

static enum err_code by_token(struct req *r, const char *token)
{
	char *hash = auth_digest(token);
	enum err_code rc = store_token_user(r->app->store, hash, &r->user, &r->arena, &r->err);

	r->token_hash = arena_strdup(&r->arena, hash);
	free(hash);
	if (rc == E_UNAUTHORIZED) {
		r->invalid_token = 1;
		return error_set(&r->err, E_UNAUTHORIZED, "invalid or revoked token");
	}
	return rc;
}

static enum err_code by_cookie(struct req *r, const char *cookie)
{
	char *hash = auth_digest(cookie);
	enum err_code rc;
	const char *sent;

	r->session_hash = arena_strdup(&r->arena, hash);
	free(hash);
	rc = store_session_user(r->app->store, r->session_hash, &r->user, &r->csrf_token,
				&r->arena, &r->err);
	if (rc)
		return rc;
	r->via_cookie = 1;
	if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
		return E_OK;
	sent = http_request_header(r, "X-CSRF-Token");
	if (!sent || !auth_equal(sent, r->csrf_token))
		return error_set(&r->err, E_FORBIDDEN, "missing or wrong X-CSRF-Token header");
	return E_OK;
}

enum err_code api_authenticate(struct req *r)
{
	const char *authz = http_request_header(r, "Authorization");
	const char *cookie = http_cookie(r, SESSION_COOKIE);
	enum err_code rc;

	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) || !authz[7])
			return error_set(&r->err, E_UNAUTHORIZED,
					 "the Authorization header must be 'Bearer <token>'");
		rc = by_token(r, authz + 7);
	} else if (cookie) {
		rc = by_cookie(r, cookie);
	} else {
		return error_set(&r->err, E_UNAUTHORIZED, "authentication required");
	}
	if (rc == E_OK)
		r->authenticated = 1;
	return rc;
}

/* --- login, logout, me --- */

static enum err_code too_many(struct req *r, int64_t wait)
{
	char *s = arena_alloc(&r->arena, 24);

	snprintf(s, 24, "%lld", (long long)wait);
	http_header(r, "Retry-After", s);
	return error_set(&r->err, E_TOO_MANY, "too many failed logins; try again in %lld seconds",
			 (long long)wait);
}

enum err_code api_login(struct req *r)
{
	static const char *const known[] = { "email", "password", NULL };
	const char *email = NULL, *password = NULL, *hash = NULL;
	const char *keys[2]; /* the address's, the account's */
	int64_t now = time_now_us(), wait;
	int ok;
	char *token, *csrf, *session_hash, *cookie;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "email", 1, 1, 254, &email)) ||
	    (rc = field_str(r, r->json, "password", 1, 1, 1024, &password)))
		return rc;
	if ((rc = field_email(r, r->json, "email", 1, &email)))
		return error_set(&r->err, E_UNAUTHORIZED, "wrong email or password");
	keys[0] = key_of(r, "address", http_client_address(r));
	keys[1] = key_of(r, "account", email);
	if ((rc = take_attempt(r, keys, now, &wait)))
		return rc;
	if (wait)
		return too_many(r, wait);
	if (atomic_fetch_add(&hashing, 1) >= MAX_HASHING) {
		atomic_fetch_sub(&hashing, 1);
		if ((rc = store_login_forget(r->app->store, keys, 2, NULL, &r->err)))
			return rc;
		return too_many(r, 1);
	}
	rc = store_user_by_email(r->app->store, email, &r->user, &hash, &r->arena, &r->err);
	ok = check_password(rc == E_OK && r->user.active ? hash : NULL, password);
	atomic_fetch_sub(&hashing, 1);
	if (rc != E_OK && rc != E_NOT_FOUND)
		return rc;
	if (!ok)
		return error_set(&r->err, E_UNAUTHORIZED, "wrong email or password");
	if ((rc = store_login_forget(r->app->store, keys, 1, keys[1], &r->err)))
		return rc;

	token = auth_random_token("");
	csrf = auth_random_token("");
	session_hash = auth_digest(token);
	rc = store_session_create(r->app->store, r->user.id, session_hash, csrf,
				  now + SESSION_LIFETIME_US, &r->err);
	if (rc == E_OK) {
		const char *proto = http_request_header(r, "X-Forwarded-Proto");

		if (asprintf(&cookie, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
			     token, (long long)(SESSION_LIFETIME_US / 1000000),
			     proto && !strcmp(proto, "https") ? "; Secure" : "") < 0)
			die("out of memory");
		http_header(r, "Set-Cookie", arena_strdup(&r->arena, cookie));
		free(cookie);
		rc = http_reply_json(r, 200, json_pack("{so ss}", "user", render_user(&r->user),
						       "csrf_token", csrf));
	}
	free(token);
	free(csrf);
	free(session_hash);
	return rc;
}

enum err_code api_logout(struct req *r)
{
	enum err_code rc;

	if (r->via_cookie && (rc = store_session_delete(r->app->store, r->session_hash, &r->err)))
		return rc;
	http_header(r, "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
	return http_reply_empty(r, 204);
}

enum err_code api_me(struct req *r)
{
	json_t *o = json_pack("{so}", "user", render_user(&r->user));

	if (r->via_cookie)
		json_object_set_new(o, "csrf_token", json_string(r->csrf_token));
	return http_reply_json(r, 200, o);
}

