/*
 * payload.c - store platforms' webhooks and deskd's own order document, read
 * into orders/order.h's structs (see payload.h; the formats are in docs/API.md,
 * "Orders: the order document").
 *
 * Every reader walks the JSON with the getters below. They share a sticky
 * error, like a bounded buffer's: the first failure is kept, the getters after
 * it do nothing and return empty values, and the reader is checked once at the
 * end. So a reader reads as the list of the fields it takes.
 */
#include "orders/payload.h"

#include "core/text.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Longest strings, in characters (code points, so that a Korean name is not
 * held to a third of an English one). Longer ones are refused, not cut: a cut
 * tracking number or address would be wrong without saying so.
 */
enum {
	MAX_ID = 255,
	MAX_NUMBER = 64,
	MAX_EMAIL = 254,
	MAX_PHONE = 64,
	MAX_PERSON = 200, /* as for POST /api/v1/customers */
	MAX_TITLE = 500,  /* a product's or a variant's title */
	MAX_SKU = 255,
	MAX_WORD = 64, /* a status word */
	MAX_CARRIER = 255,
	MAX_TRACKING = 255,
	MAX_URL = 2048,
	MAX_TEXT = 1000, /* a scan's location or description */
};

#define MAX_QUANTITY	  1000000
#define MAX_REFUNDS	  100 /* refunds of one order, transactions of one refund */
#define MAX_TRACKING_LIST 50  /* tracking_numbers or tracking_urls of one fulfillment */
#define AT_MAX		  96  /* a field's path in messages: "refunds[2].transactions[10]" */

struct rd {
	struct arena *a;
	struct error *err;
	enum err_code rc;
};

/* Keeps the first failure, naming the field: "line_items[2].price must be a string". */
__attribute__((format(printf, 5, 6))) static void
fail(struct rd *r, enum err_code code, const char *at, const char *key, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	if (r->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->rc = error_set(r->err, code, "%s%s%s%s%s", at, *at && *key ? "." : "", key,
			  *at || *key ? " " : "", what);
}

/* The value of `key`, or NULL when it is missing or null (which mean the same). */
static json_t *value(struct rd *r, json_t *obj, const char *key)
{
	json_t *v;

	if (r->rc || !obj)
		return NULL;
	v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static void required(struct rd *r, json_t *obj, const char *at, const char *key)
{
	fail(r, E_INVALID, at, key, value(r, obj, key) ? "must not be empty" : "is required");
}

/* s, which must be there: a getter's result for a field that is required. */
static const char *needed(struct rd *r, const char *s, json_t *obj, const char *at, const char *key)
{
	if (!s)
		required(r, obj, at, key);
	return s;
}

static const char *either(const char *a, const char *b)
{
	return a ? a : b;
}

static size_t chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/*
 * A copy of n bytes of s in the arena; "" is NULL, as platforms send "" and
 * null for the same nothing. jansson has already refused invalid UTF-8 in the
 * body; the check is for what comes from elsewhere (the URL's external_id).
 */
static const char *text(struct rd *r, const char *at, const char *key, const char *s, size_t n,
			size_t max)
{
	if (r->rc || n == 0)
		return NULL;
	if (!text_utf8_valid(s, n, NULL))
		fail(r, E_INVALID, at, key, "is not valid UTF-8");
	else if (chars(s, n) > max)
		fail(r, E_INVALID, at, key, "is longer than %zu characters", max);
	return r->rc ? NULL : arena_strndup(r->a, s, n);
}

static const char *str(struct rd *r, json_t *obj, const char *at, const char *key, size_t max)
{
	json_t *v = value(r, obj, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		fail(r, E_INVALID, at, key, "must be a string");
		return NULL;
	}
	return text(r, at, key, json_string_value(v), json_string_length(v), max);
}

static const char *need_str(struct rd *r, json_t *obj, const char *at, const char *key, size_t max)
{
	return needed(r, str(r, obj, at, key, max), obj, at, key);
}

/* A status word of deskd's document: lower-case letters, digits and '_' ("in_transit"). */
static const char *word(struct rd *r, json_t *obj, const char *at, const char *key)
{
	const char *s = str(r, obj, at, key, MAX_WORD);

	if (s && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")]) {
		fail(r, E_INVALID, at, key, "must be a lower-case word such as in_transit");
		return NULL;
	}
	return s;
}

/* One of `words`, for deskd's document, where a typo must not pass for a new word. */
static const char *one_of(struct rd *r, json_t *obj, const char *at, const char *key,
			  const char *const *words)
{
	const char *s = str(r, obj, at, key, MAX_WORD);
	char list[200] = "";

	if (!s)
		return NULL;
	for (size_t i = 0; words[i]; i++) {
		if (!strcmp(s, words[i]))
			return s;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 words[i]);
	}
	fail(r, E_INVALID, at, key, "must be one of %s", list);
	return NULL;
}

/*
 * A platform's id as decimal text: Shopify's ids are integers up to 2^63 that
 * some clients send as strings, so both are taken, in one spelling (no sign,
 * no leading zero).
 */
static const char *id(struct rd *r, json_t *obj, const char *at, const char *key)
{
	json_t *v = value(r, obj, key);
	const char *s;
	size_t n;

	if (!v)
		return NULL;
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return arena_printf(r->a, "%lld", (long long)json_integer_value(v));
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
		if (n >= 1 && n <= 20 && s[0] != '0' && strspn(s, "0123456789") == n)
			return arena_strndup(r->a, s, n);
	}
	fail(r, E_INVALID, at, key, "must be a positive integer or a string of its digits");
	return NULL;
}

static const char *need_id(struct rd *r, json_t *obj, const char *at, const char *key)
{
	return needed(r, id(r, obj, at, key), obj, at, key);
}

/*
 * An RFC 3339 time in microseconds, 0 when there is none. `gmt`: a time
 * without an offset is UTC, as in WooCommerce's date_*_gmt fields.
 */
static int64_t time_at(struct rd *r, json_t *obj, const char *at, const char *key, int gmt)
{
	json_t *v = value(r, obj, key);
	char utc[48];
	int64_t us;

	if (!v)
		return 0;
	if (json_is_string(v) && json_string_length(v) < 40) {
		if (!time_parse_rfc3339(json_string_value(v), &us))
			return us;
		snprintf(utc, sizeof(utc), "%sZ", json_string_value(v));
		if (gmt && !time_parse_rfc3339(utc, &us))
			return us;
	}
	fail(r, E_INVALID, at, key, "must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00");
	return 0;
}

static int64_t when(struct rd *r, json_t *obj, const char *at, const char *key)
{
	return time_at(r, obj, at, key, 0);
}

static int64_t need_when(struct rd *r, json_t *obj, const char *at, const char *key)
{
	int64_t us = when(r, obj, at, key);

	if (!value(r, obj, key))
		required(r, obj, at, key);
	return us;
}

static int64_t integer(struct rd *r, json_t *obj, const char *at, const char *key, int64_t min,
		       int64_t max)
{
	json_t *v = value(r, obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		fail(r, E_INVALID, at, key, "must be an integer");
	else if (json_integer_value(v) < min || json_integer_value(v) > max)
		fail(r, E_INVALID, at, key, "must be between %lld and %lld", (long long)min,
		     (long long)max);
	return r->rc ? 0 : json_integer_value(v);
}

static int64_t need_integer(struct rd *r, json_t *obj, const char *at, const char *key, int64_t min,
			    int64_t max)
{
	if (!value(r, obj, key))
		required(r, obj, at, key);
	return integer(r, obj, at, key, min, max);
}

/* The ISO 4217 exponent of `currency`, or -1 when it is not three capital letters. */
static int exponent(const char *currency)
{
	/* Each code is three letters between spaces, so strstr finds only whole codes. */
	static const char zero[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF "
				   "XOF XPF";
	static const char three[] = "BHD IQD JOD KWD LYD OMR TND";
	static const char four[] = "CLF UYW";

	if (!currency || strlen(currency) != 3 ||
	    strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return -1;
	if (strstr(zero, currency))
		return 0;
	if (strstr(three, currency))
		return 3;
	if (strstr(four, currency))
		return 4;
	return 2;
}

int payload_currency_exponent(const char *currency)
{
	return exponent(currency);
}

static const char *code(struct rd *r, json_t *obj, const char *at, const char *key)
{
	const char *c = str(r, obj, at, key, MAX_WORD);

	if (c && exponent(c) < 0) {
		fail(r, E_INVALID, at, key, "must be a three-letter ISO 4217 code such as USD");
		return NULL;
	}
	return c;
}

static const char *need_code(struct rd *r, json_t *obj, const char *at, const char *key)
{
	return needed(r, code(r, obj, at, key), obj, at, key);
}

int payload_money(const char *amount, const char *currency, int64_t *minor)
{
	int e = exponent(currency), decimals = 0;
	const char *p = amount;
	int64_t v = 0;

	if (e < 0 || !p || *p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return 0;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (decimals == e) { /* "12.500" EUR is fine, "12.505" is not */
				if (*p != '0')
					return 0;
				continue;
			}
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, *p - '0', &v))
				return 0;
			decimals++;
		}
	}
	if (*p)
		return 0;
	for (; decimals < e; decimals++)
		if (__builtin_mul_overflow(v, 10, &v))
			return 0;
	*minor = v;
	return 1;
}

/*
 * An amount as a decimal string in minor units of `currency`. Strings only:
 * a JSON number is a binary fraction by the time a parser holds it, and an
 * integer would leave open whether it counts units or cents.
 */
static int64_t money(struct rd *r, json_t *obj, const char *at, const char *key,
		     const char *currency)
{
	json_t *v = value(r, obj, key);
	int64_t minor = 0;

	if (!v || !currency)
		return 0;
	if (!json_is_string(v) || !payload_money(json_string_value(v), currency, &minor))
		fail(r, E_INVALID, at, key,
		     "must be a decimal string in %s, not negative, with at most %d decimals",
		     currency, exponent(currency));
	return minor;
}

static int64_t need_money(struct rd *r, json_t *obj, const char *at, const char *key,
			  const char *currency)
{
	if (!value(r, obj, key))
		required(r, obj, at, key);
	return money(r, obj, at, key, currency);
}

static void add(struct rd *r, int64_t *sum, int64_t v, const char *at, const char *key)
{
	if (__builtin_add_overflow(*sum, v, sum))
		fail(r, E_INVALID, at, key, "adds up to more than deskd can count");
}

static json_t *object(struct rd *r, json_t *obj, const char *at, const char *key)
{
	json_t *v = value(r, obj, key);

	if (v && !json_is_object(v)) {
		fail(r, E_INVALID, at, key, "must be an object");
		return NULL;
	}
	return v;
}

/* An array of at most `max` entries, or NULL for none. */
static json_t *array(struct rd *r, json_t *obj, const char *at, const char *key, size_t max)
{
	json_t *v = value(r, obj, key);

	if (!v)
		return NULL;
	if (!json_is_array(v))
		fail(r, E_INVALID, at, key, "must be an array");
	else if (json_array_size(v) > max)
		fail(r, E_TOO_LARGE, at, key, "has more than %zu entries", max);
	return r->rc ? NULL : v;
}

/* Entry i of the array `key` of `parent`, which must be an object; `at` gets its path. */
static json_t *entry(struct rd *r, json_t *arr, size_t i, const char *parent, const char *key,
		     char at[AT_MAX])
{
	json_t *v = json_array_get(arr, i);

	snprintf(at, AT_MAX, "%s%s%s[%zu]", parent, *parent ? "." : "", key, i);
	if (r->rc)
		return NULL;
	if (!json_is_object(v)) {
		fail(r, E_INVALID, at, "", "must be an object");
		return NULL;
	}
	return v;
}

/* Room for n records in the arena; NULL for none. */
static void *records(struct rd *r, size_t n, size_t size)
{
	return n ? arena_alloc(r->a, n * size) : NULL;
}

/* The first code point of the valid UTF-8 string s. */
static uint32_t first_char(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (p[0] < 0x80)
		return p[0];
	if (p[0] < 0xE0)
		return (p[0] & 0x1Fu) << 6 | (p[1] & 0x3F);
	if (p[0] < 0xF0)
		return (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3F);
	return (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3F);
}

static int hangul(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
	       (c >= 0xAC00 && c <= 0xD7AF);
}

static int han_or_kana(uint32_t c)
{
	return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || c >= 0x20000;
}

/*
 * A person's name from a platform's first_name and last_name. Korean, Japanese
 * and Chinese names are written family name first, Korean ones without a
 * space: "김민준", "山田 花子"; others "İlkay Öztürk".
 */
static const char *person(struct rd *r, json_t *obj, const char *at)
{
	const char *first = str(r, obj, at, "first_name", MAX_PERSON);
	const char *last = str(r, obj, at, "last_name", MAX_PERSON), *name;
	uint32_t f, l;

	if (!first || !last)
		return either(first, last);
	f = first_char(first), l = first_char(last);
	if ((hangul(f) || han_or_kana(f)) && (hangul(l) || han_or_kana(l)))
		name = arena_printf(r->a, "%s%s%s", last, hangul(l) ? "" : " ", first);
	else
		name = arena_printf(r->a, "%s %s", first, last);
	if (chars(name, strlen(name)) > MAX_PERSON)
		fail(r, E_INVALID, at, "first_name", "and last_name are longer than %d characters",
		     MAX_PERSON);
	return name;
}

/*
 * The body as a JSON object. Invalid UTF-8 is found before jansson, which
 * would refuse it too but a few bytes later, so that `position` is the byte
 * at fault.
 */
static json_t *load(struct rd *r, const char *body, size_t len)
{
	json_error_t jerr;
	size_t bad;
	json_t *j;

	if (!body)
		body = "", len = 0;
	if (!text_utf8_valid(body, len, &bad)) {
		r->rc = error_set(r->err, E_INVALID_JSON, "invalid UTF-8 at byte %zu", bad);
		if (r->err)
			r->err->position = (long)bad;
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		/* jansson quotes the input "near" the fault, cut at a byte count */
		if (!text_utf8_valid(jerr.text, strlen(jerr.text), &bad))
			jerr.text[bad] = '\0';
		r->rc = error_set(r->err, E_INVALID_JSON, "invalid JSON at byte %d: %s",
				  jerr.position, jerr.text);
		if (r->err)
			r->err->position = jerr.position;
		return NULL;
	}
	if (!json_is_object(j))
		fail(r, E_INVALID, "", "", "the body must be a JSON object");
	return j;
}

typedef void reader_fn(struct rd *r, json_t *j, struct payload *out);

/* Runs `read` on the body; on an error *out is left empty. */
static enum err_code read_body(reader_fn *read, const char *body, size_t len, struct payload *out,
			       struct arena *a, struct error *err)
{
	struct rd r = {a, err, E_OK};
	json_t *j = load(&r, body, len);

	if (!r.rc)
		read(&r, j, out);
	json_decref(j);
	if (r.rc)
		memset(out, 0, sizeof(*out));
	return r.rc;
}

struct topic {
	const char *name;
	reader_fn *read;
};

static enum err_code read_topic(const struct topic *topics, size_t n, const char *topic,
				const char *body, size_t len, struct payload *out, struct arena *a,
				struct error *err)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; topic && i < n; i++)
		if (!strcmp(topic, topics[i].name))
			return read_body(topics[i].read, body, len, out, a, err);
	out->kind = PAYLOAD_IGNORED;
	return E_OK;
}

/*
 * The currency an order's amounts are read in. A Shopify shop that sells in
 * several currencies writes each amount twice: `key` in the shop's currency
 * and `key`_set.presentment_money in the one the shopper paid with. deskd
 * keeps what the shopper paid, which is what they see and what refunds give
 * back (`presentment`).
 */
struct amounts {
	const char *currency;
	int presentment;
};

typedef void item_fn(struct rd *r, json_t *j, const char *at, const struct amounts *m,
		     struct order_item *it);

/* The order's items from the array `key`, each read by `read`. */
static void read_items(struct rd *r, json_t *j, const char *key, const struct amounts *m,
		       item_fn *read, struct order *o)
{
	json_t *items = array(r, j, "", key, PAYLOAD_MAX_ITEMS);
	char at[AT_MAX];

	o->items = records(r, json_array_size(items), sizeof(*o->items));
	for (size_t i = 0; i < json_array_size(items) && !r->rc; i++) {
		json_t *li = entry(r, items, i, "", key, at);

		read(r, li, at, m, &o->items[o->n_items++]);
	}
}

/* --- Shopify --- */

static struct amounts shopify_amounts(struct rd *r, json_t *j)
{
	struct amounts s = {need_code(r, j, "", "currency"), 0};
	const char *p = code(r, j, "", "presentment_currency");

	if (p && s.currency && strcmp(p, s.currency))
		s.currency = p, s.presentment = 1;
	return s;
}

static int64_t shopify_amount(struct rd *r, json_t *obj, const char *at, const char *key,
			      const struct amounts *s)
{
	char set[AT_MAX], pm_at[2 * AT_MAX + 32];
	json_t *pm;
	const char *c;
	int64_t minor;

	if (!s->presentment)
		return need_money(r, obj, at, key, s->currency);
	snprintf(set, sizeof(set), "%s_set", key);
	snprintf(pm_at, sizeof(pm_at), "%s%s%s", at, *at ? "." : "", set);
	pm = object(r, object(r, obj, at, set), pm_at, "presentment_money");
	if (!pm)
		required(r, object(r, obj, at, set), pm_at, "presentment_money");
	snprintf(pm_at + strlen(pm_at), sizeof(pm_at) - strlen(pm_at), ".presentment_money");
	minor = need_money(r, pm, pm_at, "amount", s->currency);
	c = need_code(r, pm, pm_at, "currency_code");
	if (c && strcmp(c, s->currency))
		fail(r, E_INVALID, pm_at, "currency_code", "is not the order's %s", s->currency);
	return minor;
}

static void shopify_person(struct rd *r, json_t *j, const char *at, struct payload_customer *c)
{
	c->external_id = id(r, j, at, "id");
	c->email = str(r, j, at, "email", MAX_EMAIL);
	c->phone = str(r, j, at, "phone", MAX_PHONE);
	c->name = person(r, j, at);
}

/* The first string of the array `key`, each of whose entries must be a string. */
static const char *first_of(struct rd *r, json_t *j, const char *at, const char *key, size_t max)
{
	json_t *list = array(r, j, at, key, MAX_TRACKING_LIST), *v;
	const char *first = NULL, *s;
	char e_at[AT_MAX];
	size_t i;

	json_array_foreach(list, i, v)
	{
		snprintf(e_at, sizeof(e_at), "%s%s%s[%zu]", at, *at ? "." : "", key, i);
		if (!json_is_string(v)) {
			fail(r, E_INVALID, e_at, "", "must be a string");
			return NULL;
		}
		s = text(r, e_at, "", json_string_value(v), json_string_length(v), max);
		first = either(first, s);
	}
	return first;
}

/*
 * The word order_shipment_state reads for a Shopify fulfillment. The carrier's
 * shipment_status says most; without one, the fulfillment's own status says
 * whether the parcel left ("success" is shipped). A cancelled or failed
 * fulfillment says so, whatever the carrier said last.
 */
static const char *shopify_shipment_word(const char *status, const char *shipment_status)
{
	static const struct {
		const char *status, *word;
		int final;
	} words[] = {
		{"success", "shipped", 0}, {"pending", "packed", 0},
		{"open", "packed", 0},	   {"cancelled", "cancelled", 1},
		{"error", "exception", 1}, {"failure", "exception", 1},
	};

	for (size_t i = 0; status && i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(status, words[i].status))
			return words[i].final || !shipment_status ? words[i].word : shipment_status;
	return either(shipment_status, status);
}

static void shopify_shipment(struct rd *r, json_t *j, const char *at, struct shipment *s)
{
	const char *status = str(r, j, at, "status", MAX_WORD);
	const char *shipment_status = str(r, j, at, "shipment_status", MAX_WORD);

	s->external_id = need_id(r, j, at, "id");
	s->carrier = str(r, j, at, "tracking_company", MAX_CARRIER);
	s->tracking_number = either(str(r, j, at, "tracking_number", MAX_TRACKING),
				    first_of(r, j, at, "tracking_numbers", MAX_TRACKING));
	s->tracking_url = either(str(r, j, at, "tracking_url", MAX_URL),
				 first_of(r, j, at, "tracking_urls", MAX_URL));
	s->platform_status = shopify_shipment_word(status, shipment_status);
	s->created_at = when(r, j, at, "created_at");
	s->updated_at = when(r, j, at, "updated_at");
	/* a fulfillment is made when the parcel is handed over; Shopify gives no other time */
	if (status && !strcmp(status, "success"))
		s->shipped_at = s->created_at;
	if (shipment_status && !strcmp(shipment_status, "delivered"))
		s->delivered_at = s->updated_at;
}

/*
 * An amount of a refund in currency `c` (NULL: the refund's), which must be the
 * refund's or order's *currency; the first amount read sets it when it is NULL.
 */
static int64_t refund_amount(struct rd *r, json_t *obj, const char *at, const char *key,
			     const char *c, const char **currency)
{
	if (!c)
		c = *currency;
	if (!c)
		fail(r, E_INVALID, at, "currency", "is required");
	else if (!*currency)
		*currency = c;
	else if (strcmp(c, *currency))
		fail(r, E_INVALID, at, "currency", "is not %s like the rest of the order",
		     *currency);
	return need_money(r, obj, at, key, c);
}

/*
 * What one Shopify refund gave back. The money is what its transactions of
 * kind "refund" and status "success" moved (shipping and adjustments
 * included); a refund without transactions counts the subtotals of its
 * refund_line_items instead (taxes not included), in the shopper's currency.
 */
static int64_t shopify_refund(struct rd *r, json_t *j, const char *at, const char **currency)
{
	json_t *txs = array(r, j, at, "transactions", MAX_REFUNDS), *lines, *t, *pm;
	const char *kind, *status, *c;
	char e_at[AT_MAX], pm_at[AT_MAX + 32];
	int64_t sum = 0;

	for (size_t i = 0; i < json_array_size(txs) && !r->rc; i++) {
		t = entry(r, txs, i, at, "transactions", e_at);
		kind = str(r, t, e_at, "kind", MAX_WORD);
		status = str(r, t, e_at, "status", MAX_WORD);
		c = code(r, t, e_at, "currency");
		if (kind && status && !strcmp(kind, "refund") && !strcmp(status, "success"))
			add(r, &sum, refund_amount(r, t, e_at, "amount", c, currency), e_at,
			    "amount");
	}
	if (json_array_size(txs))
		return sum;
	lines = array(r, j, at, "refund_line_items", PAYLOAD_MAX_ITEMS);
	for (size_t i = 0; i < json_array_size(lines) && !r->rc; i++) {
		t = entry(r, lines, i, at, "refund_line_items", e_at);
		snprintf(pm_at, sizeof(pm_at), "%s.subtotal_set", e_at);
		pm = object(r, object(r, t, e_at, "subtotal_set"), pm_at, "presentment_money");
		if (!pm)
			required(r, object(r, t, e_at, "subtotal_set"), pm_at, "presentment_money");
		snprintf(pm_at + strlen(pm_at), sizeof(pm_at) - strlen(pm_at),
			 ".presentment_money");
		c = need_code(r, pm, pm_at, "currency_code");
		add(r, &sum, refund_amount(r, pm, pm_at, "amount", c, currency), pm_at, "amount");
	}
	return sum;
}

static void shopify_item(struct rd *r, json_t *li, const char *at, const struct amounts *m,
			 struct order_item *it)
{
	it->external_id = id(r, li, at, "id");
	it->sku = str(r, li, at, "sku", MAX_SKU);
	it->name = either(str(r, li, at, "title", MAX_TITLE), str(r, li, at, "name", MAX_TITLE));
	it->variant = str(r, li, at, "variant_title", MAX_TITLE);
	it->quantity = need_integer(r, li, at, "quantity", 0, MAX_QUANTITY);
	it->price_minor = shopify_amount(r, li, at, "price", m);
}

static void shopify_fulfillments(struct rd *r, json_t *j, struct order *o)
{
	json_t *list = array(r, j, "", "fulfillments", PAYLOAD_MAX_SHIPMENTS), *f;
	char at[AT_MAX];

	o->shipments = records(r, json_array_size(list), sizeof(*o->shipments));
	for (size_t i = 0; i < json_array_size(list) && !r->rc; i++) {
		f = entry(r, list, i, "", "fulfillments", at);
		shopify_shipment(r, f, at, &o->shipments[o->n_shipments++]);
	}
}

static int64_t shopify_refunds(struct rd *r, json_t *j, const char *currency)
{
	json_t *list = array(r, j, "", "refunds", MAX_REFUNDS), *f;
	char at[AT_MAX];
	int64_t sum = 0;

	for (size_t i = 0; i < json_array_size(list) && !r->rc; i++) {
		f = entry(r, list, i, "", "refunds", at);
		add(r, &sum, shopify_refund(r, f, at, &currency), at, "transactions");
	}
	return sum;
}

static void shopify_order(struct rd *r, json_t *j, struct payload *out)
{
	struct order *o = &out->order;
	struct amounts s = shopify_amounts(r, j);

	out->kind = PAYLOAD_ORDER;
	o->external_id = need_id(r, j, "", "id");
	o->number = need_str(r, j, "", "name", MAX_NUMBER);
	o->currency = s.currency;
	o->total_minor = shopify_amount(r, j, "", "total_price", &s);
	o->financial_status = str(r, j, "", "financial_status", MAX_WORD);
	o->fulfillment_status = str(r, j, "", "fulfillment_status", MAX_WORD);
	o->placed_at = when(r, j, "", "created_at");
	o->updated_at = when(r, j, "", "updated_at");
	o->cancelled_at = when(r, j, "", "cancelled_at");
	shopify_person(r, object(r, j, "", "customer"), "customer", &out->customer);
	o->email = either(either(str(r, j, "", "email", MAX_EMAIL),
				 str(r, j, "", "contact_email", MAX_EMAIL)),
			  out->customer.email);
	o->phone = either(str(r, j, "", "phone", MAX_PHONE), out->customer.phone);
	o->customer_external_id = out->customer.external_id;
	o->customer_name = out->customer.name;
	read_items(r, j, "line_items", &s, shopify_item, o);
	shopify_fulfillments(r, j, o);
	o->refunded_minor = shopify_refunds(r, j, s.currency);
	out->updated_at = o->updated_at;
}

static void shopify_fulfillment(struct rd *r, json_t *j, struct payload *out)
{
	out->kind = PAYLOAD_FULFILLMENT;
	out->order_external_id = need_id(r, j, "", "order_id");
	shopify_shipment(r, j, "", &out->shipment);
	out->updated_at = out->shipment.updated_at;
}

static void shopify_refund_topic(struct rd *r, json_t *j, struct payload *out)
{
	const char *currency = NULL;

	out->kind = PAYLOAD_REFUND;
	need_id(r, j, "", "id");
	out->order_external_id = need_id(r, j, "", "order_id");
	out->refund_minor = shopify_refund(r, j, "", &currency);
	out->order.currency = currency; /* what the refund's amounts were in; NULL: none */
	out->updated_at = when(r, j, "", "processed_at");
	if (!out->updated_at)
		out->updated_at = when(r, j, "", "created_at");
}

static void shopify_customer(struct rd *r, json_t *j, struct payload *out)
{
	out->kind = PAYLOAD_CUSTOMER;
	need_id(r, j, "", "id");
	shopify_person(r, j, "", &out->customer);
	out->updated_at = when(r, j, "", "updated_at");
}

enum err_code payload_shopify(const char *topic, const char *body, size_t len, struct payload *out,
			      struct arena *a, struct error *err)
{
	static const struct topic topics[] = {
		{"orders/create", shopify_order},
		{"orders/updated", shopify_order},
		{"orders/paid", shopify_order},
		{"orders/cancelled", shopify_order},
		{"orders/fulfilled", shopify_order},
		{"fulfillments/create", shopify_fulfillment},
		{"fulfillments/update", shopify_fulfillment},
		{"refunds/create", shopify_refund_topic},
		{"customers/create", shopify_customer},
		{"customers/update", shopify_customer},
	};

	return read_topic(topics, sizeof(topics) / sizeof(topics[0]), topic, body, len, out, a,
			  err);
}

/* --- WooCommerce --- */

static void woo_item(struct rd *r, json_t *li, const char *at, const struct amounts *m,
		     struct order_item *it)
{
	int64_t subtotal;

	it->external_id = id(r, li, at, "id");
	it->sku = str(r, li, at, "sku", MAX_SKU);
	it->name = str(r, li, at, "name", MAX_TITLE);
	it->quantity = need_integer(r, li, at, "quantity", 0, MAX_QUANTITY);
	/*
	 * Woo's own "price" is a JSON float; the line's subtotal (before
	 * discounts) is an exact string, so the unit price is that over the
	 * quantity, rounded half up.
	 */
	subtotal = need_money(r, li, at, "subtotal", m->currency);
	if (it->quantity > 0)
		it->price_minor = (subtotal + it->quantity / 2) / it->quantity;
}

/* The refunds' totals, which Woo writes as negative strings ("-10.00"). */
static int64_t woo_refunds(struct rd *r, json_t *j, const char *currency)
{
	json_t *list = array(r, j, "", "refunds", MAX_REFUNDS), *f, *v;
	char at[AT_MAX];
	int64_t sum = 0, minor;
	const char *s;

	for (size_t i = 0; i < json_array_size(list) && !r->rc; i++) {
		f = entry(r, list, i, "", "refunds", at);
		v = value(r, f, "total");
		if (!v) {
			required(r, f, at, "total");
			break;
		}
		s = json_is_string(v) ? json_string_value(v) : NULL;
		if (s && *s == '-')
			s++;
		if (!s || !payload_money(s, currency, &minor))
			fail(r, E_INVALID, at, "total", "must be a decimal string in %s", currency);
		else
			add(r, &sum, minor, at, "total");
	}
	return sum;
}

/*
 * Woo has one status where Shopify has two; it becomes Shopify's words, which
 * order_decide_state reads whichever platform the order came from.
 */
static void woo_status(struct rd *r, const char *status, struct order *o)
{
	static const struct {
		const char *status, *financial, *fulfillment;
	} words[] = {
		{"pending", "pending", NULL}, /* no payment yet */
		{"on-hold", "pending", NULL}, /* awaiting a bank transfer, a cheque */
		{"processing", "paid", NULL}, /* paid, to be sent */
		{"completed", "paid", "fulfilled"},
		{"cancelled", "voided", NULL},
		{"refunded", "refunded", NULL},
		{"failed", "voided", NULL}, /* the payment was declined */
	};

	for (size_t i = 0; status && i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(status, words[i].status))
			continue;
		o->financial_status = words[i].financial;
		o->fulfillment_status = words[i].fulfillment;
	}
	if (status && !strcmp(status, "cancelled")) {
		/* Woo keeps no time of cancelling; the last change is the nearest */
		o->cancelled_at = o->updated_at ? o->updated_at : o->placed_at;
		if (!o->cancelled_at)
			fail(r, E_INVALID, "", "date_modified_gmt",
			     "is required for a cancelled order");
	}
	if (status && !strcmp(status, "refunded") && !o->refunded_minor)
		o->refunded_minor = o->total_minor; /* refunded means in full */
	if (o->financial_status && !strcmp(o->financial_status, "paid") && o->refunded_minor > 0)
		o->financial_status = "partially_refunded";
}

static void woo_order(struct rd *r, json_t *j, struct payload *out)
{
	struct order *o = &out->order;
	json_t *billing = object(r, j, "", "billing");
	int64_t customer;

	out->kind = PAYLOAD_ORDER;
	o->external_id = need_id(r, j, "", "id");
	o->number = either(str(r, j, "", "number", MAX_NUMBER), o->external_id);
	o->currency = need_code(r, j, "", "currency");
	o->total_minor = need_money(r, j, "", "total", o->currency);
	o->placed_at = time_at(r, j, "", "date_created_gmt", 1);
	o->updated_at = time_at(r, j, "", "date_modified_gmt", 1);
	customer = integer(r, j, "", "customer_id", 0, INT64_MAX); /* 0: a guest */
	if (customer > 0)
		out->customer.external_id = arena_printf(r->a, "%lld", (long long)customer);
	out->customer.email = str(r, billing, "billing", "email", MAX_EMAIL);
	out->customer.phone = str(r, billing, "billing", "phone", MAX_PHONE);
	out->customer.name = person(r, billing, "billing");
	o->email = out->customer.email;
	o->phone = out->customer.phone;
	o->customer_external_id = out->customer.external_id;
	o->customer_name = out->customer.name;
	read_items(r, j, "line_items", &(struct amounts){o->currency, 0}, woo_item, o);
	o->refunded_minor = woo_refunds(r, j, o->currency);
	woo_status(r, str(r, j, "", "status", MAX_WORD), o);
	out->updated_at = o->updated_at;
}

static void woo_gone(struct rd *r, json_t *j, struct payload *out)
{
	out->kind = PAYLOAD_ORDER_GONE;
	out->order.external_id = need_id(r, j, "", "id");
}

enum err_code payload_woocommerce(const char *topic, const char *body, size_t len,
				  struct payload *out, struct arena *a, struct error *err)
{
	static const struct topic topics[] = {
		{"order.created", woo_order},
		{"order.updated", woo_order},
		{"order.deleted", woo_gone},
	};

	return read_topic(topics, sizeof(topics) / sizeof(topics[0]), topic, body, len, out, a,
			  err);
}

/* --- deskd's order document --- */

/* Refuses a field the document does not have, so that a typo is not silently dropped. */
static void only(struct rd *r, json_t *obj, const char *at, const char *const *known)
{
	const char *key;
	json_t *v;
	size_t i, n;

	if (!obj)
		return;
	json_object_foreach(obj, key, v)
	{
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (known[i] || r->rc)
			continue;
		n = strlen(key);
		if (n > 64) /* cut on a character boundary, so the message stays UTF-8 */
			for (n = 64; ((unsigned char)key[n] & 0xC0) == 0x80; n--)
				;
		r->rc = error_set(r->err, E_INVALID, "unknown field '%s%s%.*s%s'", at,
				  *at ? "." : "", (int)n, key, key[n] ? "..." : "");
	}
}

static void document_item(struct rd *r, json_t *li, const char *at, const struct amounts *m,
			  struct order_item *it)
{
	static const char *const fields[] = {"sku", "name", "variant", "quantity", "price", NULL};

	only(r, li, at, fields);
	it->sku = str(r, li, at, "sku", MAX_SKU);
	it->name = str(r, li, at, "name", MAX_TITLE);
	it->variant = str(r, li, at, "variant", MAX_TITLE);
	it->quantity = need_integer(r, li, at, "quantity", 0, MAX_QUANTITY);
	it->price_minor = need_money(r, li, at, "price", m->currency);
}

static void document_shipment(struct rd *r, json_t *j, const char *at, struct shipment *s)
{
	static const char *const fields[] = {
		"external_id", "carrier",    "tracking_number", "tracking_url", "status",
		"eta",	       "shipped_at", "delivered_at",	"scans",	NULL};

	only(r, j, at, fields);
	s->external_id = need_str(r, j, at, "external_id", MAX_ID);
	s->carrier = str(r, j, at, "carrier", MAX_CARRIER);
	s->tracking_number = str(r, j, at, "tracking_number", MAX_TRACKING);
	s->tracking_url = str(r, j, at, "tracking_url", MAX_URL);
	s->platform_status = word(r, j, at, "status");
	s->eta = when(r, j, at, "eta");
	s->shipped_at = when(r, j, at, "shipped_at");
	s->delivered_at = when(r, j, at, "delivered_at");
}

/* A scan's fields, also those of POST /api/v1/shipments/{id}/events. */
static void scan_fields(struct rd *r, json_t *j, const char *at, struct shipment_scan *sc)
{
	sc->status = needed(r, word(r, j, at, "status"), j, at, "status");
	sc->at = need_when(r, j, at, "at");
	sc->location = str(r, j, at, "location", MAX_TEXT);
	sc->description = str(r, j, at, "description", MAX_TEXT);
}

static void document_scan(struct rd *r, json_t *j, const char *at, struct shipment_scan *sc)
{
	static const char *const fields[] = {"status", "at", "location", "description", NULL};

	only(r, j, at, fields);
	scan_fields(r, j, at, sc);
}

/* Shipments, and their scans in one list (PAYLOAD_MAX_SCANS in all) that says whose each is. */
static void document_shipments(struct rd *r, json_t *j, struct payload *out)
{
	struct order *o = &out->order;
	json_t *list = array(r, j, "", "shipments", PAYLOAD_MAX_SHIPMENTS), *sh, *sc, **scans;
	char at[AT_MAX], s_at[AT_MAX];
	size_t n = json_array_size(list), total = 0;

	o->shipments = records(r, n, sizeof(*o->shipments));
	scans = records(r, n, sizeof(*scans));
	for (size_t i = 0; i < n && !r->rc; i++) {
		sh = entry(r, list, i, "", "shipments", at);
		document_shipment(r, sh, at, &o->shipments[o->n_shipments++]);
		scans[i] = array(r, sh, at, "scans", PAYLOAD_MAX_SCANS);
		total += json_array_size(scans[i]);
	}
	if (total > PAYLOAD_MAX_SCANS)
		fail(r, E_TOO_LARGE, "", "shipments", "have more than %d scans", PAYLOAD_MAX_SCANS);
	if (r->rc)
		return;
	out->scans = records(r, total, sizeof(*out->scans));
	out->scan_shipments = records(r, total, sizeof(*out->scan_shipments));
	for (size_t i = 0; i < n && !r->rc; i++) {
		snprintf(at, sizeof(at), "shipments[%zu]", i);
		for (size_t k = 0; k < json_array_size(scans[i]) && !r->rc; k++) {
			sc = entry(r, scans[i], k, at, "scans", s_at);
			out->scan_shipments[out->n_scans] = (int)i;
			document_scan(r, sc, s_at, &out->scans[out->n_scans++]);
		}
	}
}

static void document(struct rd *r, json_t *j, struct payload *out)
{
	static const char *const fields[] = {"number",
					     "email",
					     "phone",
					     "customer",
					     "currency",
					     "total",
					     "refunded",
					     "placed_at",
					     "updated_at",
					     "financial_status",
					     "fulfillment_status",
					     "cancelled_at",
					     "items",
					     "shipments",
					     NULL};
	static const char *const customer_fields[] = {"external_id", "name", NULL};
	static const char *const financial[] = {
		"pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded",
		"voided",  NULL};
	static const char *const fulfillment[] = {"unfulfilled", "partial", "fulfilled", NULL};
	struct order *o = &out->order;
	json_t *customer;

	out->kind = PAYLOAD_ORDER;
	only(r, j, "", fields);
	o->number = need_str(r, j, "", "number", MAX_NUMBER);
	o->email = str(r, j, "", "email", MAX_EMAIL);
	o->phone = str(r, j, "", "phone", MAX_PHONE);
	customer = object(r, j, "", "customer");
	only(r, customer, "customer", customer_fields);
	out->customer.external_id = str(r, customer, "customer", "external_id", MAX_ID);
	out->customer.name = str(r, customer, "customer", "name", MAX_PERSON);
	out->customer.email = o->email;
	out->customer.phone = o->phone;
	o->customer_external_id = out->customer.external_id;
	o->customer_name = out->customer.name;
	o->currency = need_code(r, j, "", "currency");
	o->total_minor = need_money(r, j, "", "total", o->currency);
	o->refunded_minor = money(r, j, "", "refunded", o->currency);
	o->placed_at = need_when(r, j, "", "placed_at");
	o->updated_at = when(r, j, "", "updated_at");
	o->cancelled_at = when(r, j, "", "cancelled_at");
	o->financial_status = one_of(r, j, "", "financial_status", financial);
	o->fulfillment_status = one_of(r, j, "", "fulfillment_status", fulfillment);
	if (o->fulfillment_status && !strcmp(o->fulfillment_status, "unfulfilled"))
		o->fulfillment_status = NULL; /* as Shopify says it: null */
	read_items(r, j, "items", &(struct amounts){o->currency, 0}, document_item, o);
	document_shipments(r, j, out);
	out->updated_at = o->updated_at;
}

/* The order's external id (from the URL or a CSV column), checked like any string field. */
static const char *document_id(struct rd *r, const char *external_id)
{
	const char *id = text(r, "", "external_id", external_id ? external_id : "",
			      external_id ? strlen(external_id) : 0, MAX_ID);

	if (!id)
		fail(r, E_INVALID, "", "external_id", "is required");
	return id;
}

enum err_code payload_order_object(const char *external_id, json_t *doc, struct payload *out,
				   struct arena *a, struct error *err)
{
	struct rd r = {a, err, E_OK};
	const char *id;

	memset(out, 0, sizeof(*out));
	id = document_id(&r, external_id);
	if (!r.rc && !json_is_object(doc))
		fail(&r, E_INVALID, "", "", "the body must be a JSON object");
	if (!r.rc)
		document(&r, doc, out);
	if (r.rc)
		memset(out, 0, sizeof(*out));
	else
		out->order.external_id = id;
	return r.rc;
}

enum err_code payload_order_document(const char *external_id, const char *body, size_t len,
				     struct payload *out, struct arena *a, struct error *err)
{
	struct rd r = {a, err, E_OK};
	enum err_code rc;
	json_t *j;

	memset(out, 0, sizeof(*out));
	if (!document_id(&r, external_id))
		return r.rc;
	j = load(&r, body, len);
	rc = r.rc ? r.rc : payload_order_object(external_id, j, out, a, err);
	json_decref(j);
	return rc;
}

/* One carrier scan (POST /api/v1/shipments/{id}/events): in out->scans[0], its ETA in out->shipment. */
static void scan_document(struct rd *r, json_t *j, struct payload *out)
{
	static const char *const fields[] = {"status", "at", "location", "description", "eta", NULL};

	only(r, j, "", fields);
	out->scans = records(r, 1, sizeof(*out->scans));
	scan_fields(r, j, "", out->scans);
	out->n_scans = 1;
	out->shipment.eta = when(r, j, "", "eta");
}

enum err_code payload_scan(const char *body, size_t len, struct shipment_scan *scan, int64_t *eta,
			   struct arena *a, struct error *err)
{
	struct payload p;
	enum err_code rc;

	memset(&p, 0, sizeof(p));
	rc = read_body(scan_document, body, len, &p, a, err);
	memset(scan, 0, sizeof(*scan));
	*eta = 0;
	if (rc == E_OK) {
		*scan = p.scans[0];
		*eta = p.shipment.eta;
	}
	return rc;
}
