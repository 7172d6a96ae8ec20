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
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE "deskd_session"
#define SESSION_LIFETIME_US ((int64_t)14 * 86400 * 1000000)

/* --- failed-login throttling (in memory, per node) --- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_WINDOW_US ((int64_t)15 * 60 * 1000000)
#define MAX_FAILS_ACCOUNT 5
#define MAX_FAILS_ADDRESS 20

static struct {
	uint64_t key;
	int fails;
	int64_t window_start;
} throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned char shorthash_key[crypto_shorthash_KEYBYTES];
static char *dummy_hash;

static void make_key(void)
{
	crypto_shorthash_keygen(shorthash_key);
}

static void make_dummy(void)
{
	dummy_hash = auth_password_hash("not a real password, only equal work");
	if (!dummy_hash)
		die("cannot hash");
}

/* Keyed, so nobody can pick an address that lands in someone else's slot. */
static uint64_t key_of(const char *kind, const char *value)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned char out[crypto_shorthash_BYTES];
	char *text;
	uint64_t h;

	pthread_once(&once, make_key);
	if (asprintf(&text, "%s:%s", kind, value) < 0)
		die("out of memory");
	crypto_shorthash(out, (const unsigned char *)text, strlen(text), shorthash_key);
	free(text);
	memcpy(&h, out, sizeof(h));
	return h ? h : 1;
}

/*
 * The slot of `key`: its own, else a free or expired one among the next
 * PROBES, so one key never evicts another that is still counting. Call with
 * throttle_lock held; -1 when all are busy (then the caller waits too).
 */
#define PROBES 8

static int slot_of(uint64_t key, int64_t now, int create)
{
	int free_slot = -1;

	for (int k = 0; k < PROBES; k++) {
		int i = (int)((key + (uint64_t)k) % THROTTLE_SLOTS);

		if (throttle[i].key == key)
			return i;
		if (free_slot < 0 && (!throttle[i].key ||
				      now - throttle[i].window_start >= THROTTLE_WINDOW_US))
			free_slot = i;
	}
	if (free_slot >= 0 && create) {
		throttle[free_slot].key = key;
		throttle[free_slot].fails = 0;
		throttle[free_slot].window_start = now;
	}
	return create ? free_slot : -1;
}

/*
 * Counts an attempt before the password is checked, so parallel guesses are
 * counted too: returns the seconds to wait when `key` is over `max`, else 0.
 * A successful login takes its attempt back (forget_attempt).
 */
static int64_t take_attempt(uint64_t key, int max, int64_t now)
{
	int64_t wait = 0;
	int i;

	pthread_mutex_lock(&throttle_lock);
	i = slot_of(key, now, 1);
	if (i < 0) {
		wait = 60;
	} else {
		if (now - throttle[i].window_start >= THROTTLE_WINDOW_US) {
			throttle[i].fails = 0;
			throttle[i].window_start = now;
		}
		if (throttle[i].fails >= max)
			wait = (throttle[i].window_start + THROTTLE_WINDOW_US - now) / 1000000 + 1;
		else
			throttle[i].fails++;
	}
	pthread_mutex_unlock(&throttle_lock);
	return wait;
}

static void forget_attempt(uint64_t key, int all)
{
	int i;

	pthread_mutex_lock(&throttle_lock);
	i = slot_of(key, 0, 0);
	if (i >= 0 && throttle[i].fails > 0)
		throttle[i].fails = all ? 0 : throttle[i].fails - 1;
	pthread_mutex_unlock(&throttle_lock);
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

enum err_code http_authenticate(struct req *r)
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
	const char *email = NULL, *password = NULL, *hash = NULL, *addr = http_client_address(r);
	uint64_t account_key, address_key = key_of("addr", addr);
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
	account_key = key_of("user", email);
	if ((wait = take_attempt(address_key, MAX_FAILS_ADDRESS, now)))
		return too_many(r, wait);
	if ((wait = take_attempt(account_key, MAX_FAILS_ACCOUNT, now))) {
		forget_attempt(address_key, 0);
		return too_many(r, wait);
	}
	if (atomic_fetch_add(&hashing, 1) >= MAX_HASHING) {
		atomic_fetch_sub(&hashing, 1);
		forget_attempt(address_key, 0);
		forget_attempt(account_key, 0);
		return too_many(r, 1);
	}
	rc = store_user_by_email(r->app->store, email, &r->user, &hash, &r->arena, &r->err);
	ok = check_password(rc == E_OK && r->user.active ? hash : NULL, password);
	atomic_fetch_sub(&hashing, 1);
	if (rc != E_OK && rc != E_NOT_FOUND)
		return rc;
	if (!ok)
		return error_set(&r->err, E_UNAUTHORIZED, "wrong email or password");
	forget_attempt(account_key, 1);
	forget_attempt(address_key, 0);

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

