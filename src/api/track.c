/*
 * track.c - the shopper's tracking pages (/track/{slug}): the lookup form, the
 * lookup, the order page behind a signed link. Public and HTML only, even for
 * errors (the routes' error_page); the pages are written by orders/track.c.
 *
 * A lookup does the same work whatever is wrong with it: the same query, the
 * same HMACs and constant-time comparisons, the same page, so neither the
 * answer nor its timing tells a wrong email from an unknown number.
 */
#include "orders/track.h"
#include "api/api.h"
#include "core/auth.h"
#include "http/form.h"
#include "mail/ingest.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOKUPS_PER_WINDOW 10
#define LOOKUP_WINDOW_US   ((int64_t)60 * 1000000)
/* orders sharing one number in one store that a lookup compares against */
#define CANDIDATES 4

static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:;"
			  " form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/* the token key (hex, for auth_hmac_hex) and lifetime, set once */
static char token_key[65];
static int have_token_key;
static int64_t token_ttl = TRACK_TOKEN_TTL;
static int64_t lookups_per_window = LOOKUPS_PER_WINDOW;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/*
 * DESKD_TRACK_TTL_SECONDS shortens (or lengthens) a token's life, and
 * DESKD_TRACK_LOOKUPS_PER_MINUTE changes the limit: knobs for the tests of
 * expiry and of everything else, read once. The key is derived from mail.key, so links stay
 * good across restarts and on every node.
 */
static void setup(void)
{
	unsigned char k[32];
	const char *ttl = getenv("DESKD_TRACK_TTL_SECONDS");
	const char *limit = getenv("DESKD_TRACK_LOOKUPS_PER_MINUTE");

	if (!mail_secret_derive("deskd track tokens 1", k)) {
		sodium_bin2hex(token_key, sizeof(token_key), k, sizeof(k));
		have_token_key = 1;
	}
	sodium_memzero(k, sizeof(k));

	if (ttl && atoll(ttl) > 0)
		token_ttl = atoll(ttl);
	if (limit && atoll(limit) > 0)
		lookups_per_window = atoll(limit);
}

const char *api_track_key(void)
{
	pthread_once(&once, setup);
	return have_token_key ? token_key : NULL;
}

static enum err_code reply_page(struct req *r, int status, char *html, size_t len)
{
	http_header(r, "Content-Security-Policy", csp);
	http_header(r, "Referrer-Policy", "no-referrer");
	http_header(r, "Cache-Control", "no-store");
	return http_reply_owned(r, status, "text/html; charset=utf-8", html, len);
}

/* The shopper's language: the form's or ?lang=, else their browser's, else the store's. */
static enum track_lang language(struct req *r, const char *store_default)
{
	const char *asked = r->n_form ? form_get(r->form, r->n_form, "lang") : NULL;

	return track_lang_pick(asked ? asked : http_query(r, "lang"),
			       http_request_header(r, "Accept-Language"), store_default);
}

/* What the pages show of a store, from its settings, in the arena; *lang its default. */
static void page_store(struct req *r, const struct shop *shop, struct track_store *out,
		       const char **lang)
{
	json_t *s = json_loads(shop->settings ? shop->settings : "{}", 0, NULL);
	const char *v;

	*out = (struct track_store){.slug = shop->slug, .name = shop->name};
	*lang = NULL;
	if ((v = json_string_value(json_object_get(s, "logo_url"))))
		out->logo_url = arena_strdup(&r->arena, v);
	if ((v = json_string_value(json_object_get(s, "accent_color"))))
		out->accent_color = arena_strdup(&r->arena, v);
	if ((v = json_string_value(json_object_get(s, "default_language"))))
		*lang = arena_strdup(&r->arena, v);
	json_decref(s);
}

/* The route's error_page: every error of these routes is a page in the shopper's language. */
void api_track_error_page(struct req *r)
{
	enum track_lang l = language(r, NULL);
	int status = error_http_status(r->err.code);
	size_t len;
	char *html =
		status == 404 ? track_not_found_page(NULL, l, &len) : track_trouble_page(l, &len);

	reply_page(r, status, html, len);
}

static enum err_code find_store(struct req *r, struct shop *shop, struct track_store *ts,
				enum track_lang *l)
{
	const char *def;
	enum err_code rc = store_shop_by_slug(r->app->store, r->keys[0], shop, &r->arena, &r->err);

	if (rc)
		return rc;
	page_store(r, shop, ts, &def);
	*l = language(r, def);
	return E_OK;
}

API_HANDLER(api_track_form)
{
	struct shop shop;
	struct track_store ts;
	enum track_lang l;
	enum err_code rc;
	size_t len;
	char *html;

	if ((rc = find_store(r, &shop, &ts, &l)))
		return rc;
	html = track_form_page(&ts, l, TRACK_NOTICE_NONE, &len);
	return reply_page(r, 200, html, len);
}

/*
 * Counts the lookup for the caller's address (the connection's: deskd trusts
 * no forwarding header for addresses, like the login throttle). *wait is the
 * seconds to wait when over the limit, else 0.
 */
static enum err_code take_lookup(struct req *r, int64_t now, int64_t *wait)
{
	char *digest = auth_digest(http_client_address(r));
	const char *key = arena_printf(&r->arena, "track:%s", digest);
	struct login_count c;
	enum err_code rc;

	free(digest);
	*wait = 0;
	if ((rc = store_track_count(r->app->store, key, now, LOOKUP_WINDOW_US, &c, &r->err)))
		return rc;
	if (c.attempts > lookups_per_window) {
		int64_t left = c.window_start + LOOKUP_WINDOW_US - now;

		*wait = left > 0 ? left / 1000000 + 1 : 1;
	}
	return E_OK;
}

/*
 * The id of the candidate whose email is `email`, or 0. Every slot is
 * compared, filled or not, through an HMAC of both sides (equal lengths for
 * sodium_memcmp), and the choice is made without a branch on the data.
 */
static int64_t match(const char *email, const int64_t *ids, const char **emails, int n)
{
	char *mine = auth_hmac_hex(token_key, email, strlen(email));
	int64_t found = 0;

	for (int i = 0; i < CANDIDATES; i++) {
		char norm[256];
		const char *theirs = i < n && emails[i] ? emails[i] : "";
		char *mac;
		int64_t same;

		track_normalize(norm, sizeof(norm), theirs, 0);
		mac = auth_hmac_hex(token_key, norm, strlen(norm));
		same = auth_equal(mine, mac) & (i < n) & (*email != '\0') & (*theirs != '\0');
		found |= (ids[i] & -same) & -(int64_t)(found == 0);
		free(mac);
	}
	free(mine);
	return found;
}

static enum err_code too_many(struct req *r, const struct track_store *ts, enum track_lang l,
			      int64_t wait)
{
	char *s = arena_printf(&r->arena, "%lld", (long long)wait);
	size_t len;
	char *html = track_form_page(ts, l, TRACK_NOTICE_TOO_MANY, &len);

	http_header(r, "Retry-After", s);
	return reply_page(r, 429, html, len);
}

API_HANDLER(api_track_lookup)
{
	struct shop shop;
	struct track_store ts;
	enum track_lang l;
	int64_t now = time_now_us(), wait, ids[CANDIDATES] = {0}, id;
	const char *emails[CANDIDATES] = {0}, *in;
	char number[128], email[256];
	int n;
	enum err_code rc;
	size_t len;
	char *html, *token;

	pthread_once(&once, setup);
	if (!have_token_key)
		return error_set(&r->err, E_UNAVAILABLE, "no key to sign links");
	if ((rc = take_lookup(r, now, &wait)) || (rc = find_store(r, &shop, &ts, &l)))
		return rc;
	if (wait)
		return too_many(r, &ts, l, wait);
	in = form_get(r->form, r->n_form, "number");
	track_normalize(number, sizeof(number), in ? in : "", 1);
	in = form_get(r->form, r->n_form, "email");
	/* a longer one is no address, and cut short it must not match a shorter one */
	track_normalize(email, sizeof(email), in && strlen(in) < sizeof(email) ? in : "", 0);
	if ((rc = store_track_candidates(r->app->store, shop.id, number, CANDIDATES, ids, emails,
					 &n, &r->arena, &r->err)))
		return rc;
	id = match(email, ids, emails, n);
	if (!id) {
		html = track_form_page(&ts, l, TRACK_NOTICE_NO_MATCH, &len);
		return reply_page(r, 200, html, len);
	}
	token = track_token_make(token_key, shop.id, id, now / 1000000 + token_ttl);
	if (!token)
		die("out of memory");
	http_header(r, "Location",
		    arena_printf(&r->arena, "/track/%s/%s?lang=%s", shop.slug, token,
				 track_lang_code(l)));
	free(token);
	http_header(r, "Referrer-Policy", "no-referrer");
	return http_reply_empty(r, 303);
}

API_HANDLER(api_track_order)
{
	struct shop shop;
	struct track_store ts;
	struct order o;
	enum track_lang l;
	int64_t store_id = 0, order_id = 0;
	enum err_code rc;
	size_t len;
	char *html;

	pthread_once(&once, setup);
	if ((rc = find_store(r, &shop, &ts, &l)))
		return rc;
	/* a bad, expired or other store's link, or an order gone: one page for all */
	if (!have_token_key ||
	    !track_token_check(token_key, r->keys[1], time_now_us() / 1000000, &store_id,
			       &order_id) ||
	    store_id != shop.id ||
	    (rc = store_order_get(r->app->store, order_id, &o, &r->arena, &r->err)) ==
		    E_NOT_FOUND ||
	    (rc == E_OK && o.store_id != shop.id)) {
		html = track_not_found_page(&ts, l, &len);
		return reply_page(r, 404, html, len);
	}
	if (rc)
		return rc;
	html = track_order_page(&ts, l, &o, r->keys[1], &len);
	return reply_page(r, 200, html, len);
}
