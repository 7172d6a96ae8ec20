/*
 * track.h - the shopper's tracking pages (/track/{slug}): the languages they
 * speak, their HTML, how money and times read in each language, and the
 * signed token that names an order in a link. Pure: plain structs in, an
 * allocated HTML string out; no SQL, no HTTP, no clock (times are passed in).
 * Every value that reaches the HTML is escaped (buf_add_html); the pages carry
 * no script and stay under TRACK_PAGE_MAX bytes however big the order.
 */
#ifndef ORDERS_TRACK_H
#define ORDERS_TRACK_H

#include "orders/order.h"

#include <stddef.h>
#include <stdint.h>

/* no page is larger: long lists end in "and N more" instead */
#define TRACK_PAGE_MAX (50 * 1000)

/* a token lives this long unless the server is told otherwise (seconds) */
#define TRACK_TOKEN_TTL ((int64_t)30 * 86400)

enum track_lang { TRACK_EN, TRACK_KO, TRACK_JA, TRACK_TR, TRACK_LANG_COUNT };

/** The language's code ("ko"). */
const char *track_lang_code(enum track_lang l);

/** The language of a code ("ko", "ko-KR", "TR"); 0 and *out untouched when unsupported. */
int track_lang_parse(const char *code, enum track_lang *out);

/**
 * The shopper's language: `asked` (a ?lang= or form value) when supported, else
 * the supported tag of an Accept-Language header with the highest q (the first
 * of equals; q=0 is a refusal), else the store's `fallback`, else English.
 * Any of them may be NULL.
 */
enum track_lang track_lang_pick(const char *asked, const char *accept_language,
				const char *fallback);

/* What a page shows of the store. */
struct track_store {
	const char *slug, *name;
	const char *logo_url;	  /* NULL: no logo; only http(s) URLs are shown */
	const char *accent_color; /* used only when it is "#rrggbb" */
};

/* What the lookup form says above itself. */
enum track_notice {
	TRACK_NOTICE_NONE,
	TRACK_NOTICE_NO_MATCH, /* one text for a wrong number and a wrong email */
	TRACK_NOTICE_TOO_MANY, /* the address is over its lookups for now */
};

/** The lookup form of store `s` (malloc'd, *len its length). */
char *track_form_page(const struct track_store *s, enum track_lang l, enum track_notice notice,
		      size_t *len);

/**
 * The order page: its number, placed date, state (a label and the progress
 * along the way to delivered, other states shown apart), ETA, shipments with
 * their carrier, tracking number and link (http(s) only) and their scans
 * newest first, the items and the total. `token` is the page's own path
 * segment (for the language links). Malloc'd, *len its length.
 */
char *track_order_page(const struct track_store *s, enum track_lang l, const struct order *o,
		       const char *token, size_t *len);

/**
 * The page for a store, link or order that is not there: one text for them
 * all. `s` may be NULL (no such store): the page then names no store.
 */
char *track_not_found_page(const struct track_store *s, enum track_lang l, size_t *len);

/** The page for a request the server could not take (a bad or too large form). */
char *track_trouble_page(enum track_lang l, size_t *len);

/** The localised label of a state ("배송 중"). */
const char *track_state_label(enum order_state s, enum track_lang l);

/**
 * Writes `minor` units of `currency` as the shopper's language writes money:
 * en, ko, ja "¥15,400", "₩64,000", "$64.12"; tr "1.349,80 ₺"; a currency
 * without a sign of its own by its code ("CHF 12.50", tr "12,50 CHF").
 * Decimals as ISO 4217 has them (payload_currency_exponent). Returns `out`.
 */
char *track_money(char *out, size_t size, int64_t minor, const char *currency, enum track_lang l);

/**
 * Writes the UTC date and time `us` (microseconds since the epoch) as the
 * language writes it: en "Nov 28, 2026 14:02", ko "2026년 11월 28일 14:02",
 * ja "2026年11月28日 14:02", tr "28 Kasım 2026 14:02". Returns `out`.
 */
char *track_date(char out[64], int64_t us, enum track_lang l);

/**
 * What a shopper typed as an order number or email, made comparable: spaces
 * around it dropped, full-width ASCII ("＃１０４２") made ASCII, and for a
 * number one leading "#" dropped, for an email ASCII letters lower-cased. Returns `out` (at most
 * size - 1 bytes).
 */
char *track_normalize(char *out, size_t size, const char *in, int is_number);

/**
 * A token naming order `order_id` of store `store_id` until `expires` (seconds
 * since the epoch), signed with HMAC-SHA256 under `key`: "S-O-E-SIG", safe in
 * a path segment. Malloc'd.
 */
char *track_token_make(const char *key, int64_t store_id, int64_t order_id, int64_t expires);

/**
 * Whether `token` was made under `key` and has not expired at `now` (seconds);
 * fills *store_id and *order_id when it is good. The signature is compared in
 * constant time.
 */
int track_token_check(const char *key, const char *token, int64_t now, int64_t *store_id,
		      int64_t *order_id);

#endif
