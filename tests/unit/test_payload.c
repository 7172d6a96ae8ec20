/*
 * test_payload.c - orders/payload.c: the sample webhooks and documents in
 * tests/data/payload/ read into exactly the structs a store would write, every
 * topic, money in every kind of currency, and hostile bodies (wrong types,
 * missing ids, invalid JSON and UTF-8, duplicate keys, too many entries, deep
 * nesting) refused with the field or byte named.
 */
#include "core/text.h"
#include "orders/payload.h"
#include "unit.h"
#include "util/timeutil.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>

#define DATA "tests/data/payload/"
#define SEC  ((int64_t)1000000)
/* times below are `date -u -d <time> +%s` of the sample's text, computed apart from deskd */

enum reader { SHOPIFY, WOO, DOC };

static struct arena arena;
static struct payload p;
static struct error err;
static char covered[32][64];
static int n_covered;

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *data;
	long n;
	int i;

	for (i = 0; i < n_covered && strcmp(covered[i], name); i++)
		;
	if (i == n_covered && n_covered < 32)
		snprintf(covered[n_covered++], sizeof(covered[0]), "%s", name);
	snprintf(path, sizeof(path), DATA "%s", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

/* Reads body with `reader`; `topic` is the document's external_id for DOC. */
static enum err_code read_with(enum reader reader, const char *topic, const char *body, size_t len)
{
	arena_release(&arena);
	arena_init(&arena);
	memset(&err, 0, sizeof(err));
	err.position = -1;
	memset(&p, 0xA5, sizeof(p)); /* what was there before must not show through */
	if (reader == SHOPIFY)
		return payload_shopify(topic, body, len, &p, &arena, &err);
	if (reader == WOO)
		return payload_woocommerce(topic, body, len, &p, &arena, &err);
	return payload_order_document(topic, body, len, &p, &arena, &err);
}

static enum err_code read_str(enum reader reader, const char *topic, const char *body)
{
	return read_with(reader, topic, body, strlen(body));
}

static enum err_code read_file(enum reader reader, const char *topic, const char *name)
{
	size_t len;
	char *body = slurp(name, &len);
	enum err_code rc = read_with(reader, topic, body, len);

	free(body);
	return rc;
}

/*
 * The sample `name` with the value at `path` ("line_items.0.price") set to the
 * JSON text `json`, or removed when `json` is NULL; the caller frees it.
 */
static char *mutated(const char *name, const char *path, const char *json)
{
	size_t len;
	char *body = slurp(name, &len), *copy = strdup(path), *key, *next, *text;
	json_t *root = json_loadb(body, len, 0, NULL), *cur = root, *v;

	for (key = copy; (next = strchr(key, '.')); key = next + 1) {
		*next = '\0';
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(key, NULL, 10))
					 : json_object_get(cur, key);
	}
	v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	if (json && !v) {
		fprintf(stderr, "bad test JSON %s\n", json);
		exit(1);
	}
	if (json_is_array(cur))
		json_array_set_new(cur, strtoul(key, NULL, 10), v);
	else if (v)
		json_object_set_new(cur, key, v);
	else
		json_object_del(cur, key);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	free(copy);
	free(body);
	return text;
}

static enum err_code read_mutated(enum reader reader, const char *topic, const char *name,
				  const char *path, const char *json)
{
	char *body = mutated(name, path, json);
	enum err_code rc = read_str(reader, topic, body);

	free(body);
	return rc;
}

static int is_empty(const struct payload *x)
{
	static const struct payload zero;

	return !memcmp(x, &zero, sizeof(zero));
}

/*
 * The sample `file` with `path` set to `json` (NULL: removed) is refused with
 * `code` and `message`, and leaves the payload empty.
 */
static void check_refused(enum reader reader, const char *topic, const char *file, const char *path,
			  const char *json, enum err_code code, const char *message)
{
	enum err_code rc = read_mutated(reader, topic, file, path, json);

	if (rc != code || strcmp(err.message, message))
		fprintf(stderr, "%s with %s = %s: %d '%s', want %d '%s'\n", file, path,
			json ? json : "(removed)", rc, err.message, code, message);
	CHECK(rc == code);
	CHECK_STR(err.message, message);
	CHECK(is_empty(&p));
}

#define CHECK_NULL(s) CHECK((s) == NULL)

/* A read that must succeed; on failure the message says why. */
#define CHECK_OK(call)                                                                             \
	do {                                                                                       \
		if ((call) != E_OK) {                                                              \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,              \
				err.message);                                                      \
			unit_failures_in_test++;                                                   \
		}                                                                                  \
	} while (0)

/* --- times and money --- */

static void test_time_rfc3339(void)
{
	static const struct {
		const char *text;
		int64_t want; /* -1: refused */
	} cases[] = {
		{"2026-11-20T10:15:00-05:00", 1795187700 * SEC},
		{"2026-11-20T15:15:00Z", 1795187700 * SEC},
		{"2026-11-21T00:15:00+09:00", 1795187700 * SEC},
		{"2026-11-20t15:15:00z", 1795187700 * SEC},
		{"2026-11-20T15:15:00.25Z", 1795187700 * SEC + 250000},
		{"2026-11-20T15:15:00.123456789Z", 1795187700 * SEC + 123456},
		{"2026-11-20T20:45:00+05:30", 1795187700 * SEC},
		{"2024-02-29T00:00:00Z", 1709164800 * SEC},
		{"1970-01-01T00:00:00Z", 0},
		{"2026-11-20T15:15:00", -1}, /* no offset: which zone? */
		{"2026-11-20T15:15:00+0900", -1},
		{"2026-11-20 15:15:00Z", -1},
		{"2026-02-29T00:00:00Z", -1},
		{"2026-04-31T00:00:00Z", -1},
		{"2026-13-01T00:00:00Z", -1},
		{"2026-11-20T24:00:00Z", -1},
		{"2026-1-20T15:15:00Z", -1},
		{"2026-11-20T15:15: 0Z", -1},
		{"2026-11-20T15:15:00.Z", -1},
		{"2026-11-20T15:15:00Z ", -1},
		{"2026-11-20T15:15:00+24:00", -1},
		{"２０２６-11-20T15:15:00Z", -1}, /* full-width digits */
		{"2026-11-20", -1},
		{"", -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t us = 42;
		int rc = time_parse_rfc3339(cases[i].text, &us);

		if (cases[i].want < 0 ? rc != -1 : rc != 0 || us != cases[i].want)
			fprintf(stderr, "case %zu: '%s' gave %d, %lld\n", i, cases[i].text, rc,
				(long long)us);
		CHECK(cases[i].want < 0 ? rc == -1 && us == 42 : rc == 0 && us == cases[i].want);
	}
}

static void test_money(void)
{
	static const struct {
		const char *amount, *currency;
		int64_t want; /* -1: refused */
	} cases[] = {
		{"12.50", "EUR", 1250},
		{"12.5", "EUR", 1250},
		{"12", "EUR", 1200},
		{"0.5", "USD", 50},
		{"0", "USD", 0},
		{"0.00", "USD", 0},
		{"12.500", "EUR", 1250}, /* trailing zeros past the cents are fine */
		{"12.5000000000000000000000000", "EUR", 1250},
		{"007.10", "GBP", 710},
		{"1200", "JPY", 1200},
		{"1200.0", "JPY", 1200},
		{"1200.00", "JPY", 1200},
		{"1200.5", "JPY", -1},
		{"89000", "KRW", 89000},
		{"15000", "VND", 15000},
		{"2500", "CLP", 2500},
		{"990", "ISK", 990},
		{"3000", "UGX", 3000},
		{"655", "XAF", 655},
		{"655", "XOF", 655},
		{"1.234", "BHD", 1234},
		{"1.234", "KWD", 1234},
		{"0.5", "KWD", 500},
		{"7", "OMR", 7000},
		{"2.125", "JOD", 2125},
		{"3.1", "TND", 3100},
		{"10.000", "IQD", 10000},
		{"1.5", "LYD", 1500},
		{"1.2345", "KWD", -1},
		{"1.2340", "KWD", 1234},
		{"1.0001", "CLF", 10001},
		{"12.345", "EUR", -1}, /* more decimals than the currency has */
		{"12.001", "USD", -1},
		{"749.90", "TRY", 74990},
		{"-1.00", "USD", -1},
		{"-0", "USD", -1},
		{"+1.00", "USD", -1},
		{"1e3", "USD", -1},
		{"1E3", "JPY", -1},
		{"1.5e1", "USD", -1},
		{".5", "USD", -1},
		{"5.", "USD", -1},
		{"", "USD", -1},
		{" 5", "USD", -1},
		{"5 ", "USD", -1},
		{"1,000.00", "USD", -1},
		{"1.000,00", "EUR", -1},
		{"0x10", "USD", -1},
		{"١٢", "USD", -1},	  /* Arabic-Indic digits */
		{"１２.５０", "JPY", -1}, /* full-width digits */
		{"NaN", "USD", -1},
		{"inf", "USD", -1},
		{"92233720368547758.07", "USD", INT64_MAX},
		{"92233720368547758.08", "USD", -1},
		{"9223372036854775807", "JPY", INT64_MAX},
		{"9223372036854775808", "JPY", -1},
		{"99999999999999999999999", "USD", -1},
		{"9223372036854775.807", "KWD", INT64_MAX},
		{"9223372036854775.808", "KWD", -1},
		{"1.00", "usd", -1}, /* currency codes are capital letters */
		{"1.00", "US", -1},
		{"1.00", "USDT", -1},
		{"1.00", "", -1},
		{"1.00", "ZZZ", 100}, /* unknown but well-formed: two decimals */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t minor = -42;
		int ok = payload_money(cases[i].amount, cases[i].currency, &minor);

		if (cases[i].want < 0 ? ok : !ok || minor != cases[i].want)
			fprintf(stderr, "case %zu: '%s' %s gave %d, %lld\n", i, cases[i].amount,
				cases[i].currency, ok, (long long)minor);
		CHECK(cases[i].want < 0 ? !ok && minor == -42 : ok && minor == cases[i].want);
	}
	CHECK(!payload_money(NULL, "USD", &(int64_t){0}));
	CHECK(!payload_money("1.00", NULL, &(int64_t){0}));
}

/* --- Shopify --- */

static void test_shopify_order_create(void)
{
	const struct order *o = &p.order;

	CHECK_OK(read_file(SHOPIFY, "orders/create", "shopify-orders-create.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "5830471928134");
	CHECK_STR(o->number, "#1042");
	CHECK_STR(o->email, "hanako.yamada@example.jp");
	CHECK_STR(o->phone, "+819012345678"); /* the order has none; the customer's */
	CHECK_STR(o->customer_external_id, "7412208664646");
	CHECK_STR(o->customer_name, "山田 花子");
	CHECK_STR(o->currency, "JPY");
	CHECK(o->total_minor == 12800);
	CHECK(o->refunded_minor == 0);
	CHECK_STR(o->financial_status, "paid");
	CHECK_NULL(o->fulfillment_status);
	CHECK(o->placed_at == 1795137300 * SEC);
	CHECK(o->updated_at == 1795137303 * SEC);
	CHECK(o->cancelled_at == 0);
	CHECK(o->state == ORDER_ORDERED);
	CHECK(o->id == 0 && o->store_id == 0 && o->customer_id == 0);
	CHECK(o->n_items == 2);
	CHECK_STR(o->items[0].external_id, "14362917240902");
	CHECK_STR(o->items[0].sku, "MATCHA-SET-01");
	CHECK_STR(o->items[0].name, "抹茶ティーセット");
	CHECK_STR(o->items[0].variant, "桐箱入り");
	CHECK(o->items[0].quantity == 1);
	CHECK(o->items[0].price_minor == 9800);
	CHECK_STR(o->items[1].external_id, "14362917273670");
	CHECK_NULL(o->items[1].sku); /* "" */
	CHECK_STR(o->items[1].name, "和紙のしおり");
	CHECK_NULL(o->items[1].variant);
	CHECK(o->items[1].quantity == 3);
	CHECK(o->items[1].price_minor == 1000);
	CHECK(o->n_shipments == 0 && o->shipments == NULL);
	CHECK_STR(p.customer.external_id, "7412208664646");
	CHECK_STR(p.customer.email, "hanako.yamada@example.jp");
	CHECK_STR(p.customer.phone, "+819012345678");
	CHECK_STR(p.customer.name, "山田 花子");
	CHECK(p.updated_at == 1795137303 * SEC);
	CHECK_NULL(p.order_external_id);
	CHECK(p.n_scans == 0 && p.scans == NULL);
}

/* A shop selling in KRW from a USD store: the shopper's won are kept, refunds in won too. */
static void test_shopify_order_presentment(void)
{
	const struct order *o = &p.order;
	const struct shipment *s;

	CHECK_OK(read_file(SHOPIFY, "orders/updated", "shopify-orders-updated.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "5830552106310");
	CHECK_STR(o->number, "#1043");
	CHECK_STR(o->email, "minjun.kim@example.kr");
	CHECK_STR(o->phone, "+821012345678");
	CHECK_STR(o->customer_name, "김민준");
	CHECK_STR(o->customer_external_id, "7412311457862");
	CHECK_NULL(p.customer.phone);
	CHECK_STR(o->currency, "KRW");
	CHECK(o->total_minor == 89000);
	CHECK(o->refunded_minor == 29000); /* the failed retry is not money back */
	CHECK_STR(o->financial_status, "partially_refunded");
	CHECK_STR(o->fulfillment_status, "fulfilled");
	CHECK(o->placed_at == 1795176221 * SEC);
	CHECK(o->updated_at == 1795396815 * SEC);
	CHECK(o->n_items == 2);
	CHECK_STR(o->items[0].name, "한지 노트");
	CHECK_STR(o->items[0].variant, "A5 / 쪽빛");
	CHECK_STR(o->items[0].sku, "HANJI-A5-IND");
	CHECK(o->items[0].price_minor == 60000);
	CHECK(o->items[1].price_minor == 29000);
	CHECK_NULL(o->items[1].variant);
	CHECK(o->n_shipments == 1);
	s = &o->shipments[0];
	CHECK_STR(s->external_id, "5417283395654");
	CHECK_STR(s->carrier, "CJ대한통운");
	CHECK_STR(s->tracking_number, "640123456789");
	CHECK_STR(s->tracking_url,
		  "https://trace.cjlogistics.com/next/tracking.html?wblNo=640123456789");
	CHECK_STR(s->platform_status, "in_transit");
	CHECK(s->state == ORDER_ORDERED); /* order_shipment_state decides, in the store */
	CHECK(s->created_at == 1795221000 * SEC);
	CHECK(s->shipped_at == 1795221000 * SEC);
	CHECK(s->updated_at == 1795323900 * SEC);
	CHECK(s->delivered_at == 0 && s->eta == 0);
	CHECK(s->id == 0 && s->order_id == 0);

	/* without the presentment amounts, the shop's dollars cannot stand for won */
	CHECK(read_mutated(SHOPIFY, "orders/updated", "shopify-orders-updated.json",
			   "line_items.1.price_set", NULL) == E_INVALID);
	CHECK_STR(err.message, "line_items[1].price_set.presentment_money is required");
	CHECK(read_mutated(SHOPIFY, "orders/updated", "shopify-orders-updated.json",
			   "total_price_set.presentment_money.currency_code",
			   "\"USD\"") == E_INVALID);
	CHECK_STR(err.message, "total_price_set.presentment_money.currency_code is not the "
			       "order's KRW");
	CHECK(read_mutated(SHOPIFY, "orders/updated", "shopify-orders-updated.json",
			   "refunds.0.transactions.0.currency", "\"USD\"") == E_INVALID);
	CHECK_STR(err.message, "refunds[0].transactions[0].currency is not KRW like the rest of "
			       "the order");
	/* the same order read in the shop's currency when it has no presentment currency */
	CHECK(read_mutated(SHOPIFY, "orders/updated", "shopify-orders-updated.json",
			   "presentment_currency", NULL) == E_INVALID);
	CHECK_STR(err.message, "refunds[0].transactions[0].currency is not USD like the rest of "
			       "the order");
}

static void test_shopify_order_cancelled(void)
{
	const struct order *o = &p.order;

	CHECK_OK(read_file(SHOPIFY, "orders/cancelled", "shopify-orders-cancelled.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "5830219677766");
	CHECK_STR(o->number, "#1039");
	CHECK_STR(o->email, "cagri.yilmaz@example.com.tr"); /* email is "", contact_email */
	CHECK_NULL(o->phone);
	CHECK_NULL(o->customer_external_id); /* customer: null */
	CHECK_NULL(o->customer_name);
	CHECK(p.customer.external_id == NULL && p.customer.name == NULL &&
	      p.customer.email == NULL);
	CHECK_STR(o->currency, "TRY");
	CHECK(o->total_minor == 74990);
	CHECK_STR(o->financial_status, "voided");
	CHECK(o->cancelled_at == 1795095912 * SEC);
	CHECK(o->placed_at == 1795086175 * SEC);
	CHECK(o->updated_at == 1795095913 * SEC);
	CHECK(o->n_items == 1);
	CHECK_STR(o->items[0].name, "Kışlık Yün Atkı");
	CHECK_STR(o->items[0].variant, "Lacivert");
	CHECK(o->items[0].price_minor == 74990);
}

static void test_shopify_order_topics(void)
{
	static const char *const topics[] = {"orders/create", "orders/updated", "orders/paid",
					     "orders/cancelled", "orders/fulfilled"};

	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		CHECK_OK(read_file(SHOPIFY, topics[i], "shopify-orders-create.json"));
		CHECK(p.kind == PAYLOAD_ORDER);
		CHECK_STR(p.order.external_id, "5830471928134");
		CHECK(p.order.total_minor == 12800);
	}
}

static void test_shopify_fulfillment(void)
{
	const struct shipment *s = &p.shipment;

	/* no tracking_number, only the lists; no shipment_status yet */
	CHECK(read_file(SHOPIFY, "fulfillments/create", "shopify-fulfillments-create.json") ==
	      E_OK);
	CHECK(p.kind == PAYLOAD_FULFILLMENT);
	CHECK_STR(p.order_external_id, "5830471928134");
	CHECK_STR(s->external_id, "5417201901638");
	CHECK_STR(s->carrier, "Yamato (JA)");
	CHECK_STR(s->tracking_number, "4012-3456-7890");
	CHECK_STR(s->tracking_url,
		  "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=401234567890");
	CHECK_STR(s->platform_status, "shipped");
	CHECK(s->state == ORDER_ORDERED);
	CHECK(s->created_at == 1795236027 * SEC && s->shipped_at == 1795236027 * SEC);
	CHECK(s->updated_at == 1795236027 * SEC && s->delivered_at == 0);
	CHECK(p.updated_at == 1795236027 * SEC);
	CHECK(p.order.external_id == NULL && p.order.n_items == 0);

	/* order_id as a string of digits; delivered */
	CHECK(read_file(SHOPIFY, "fulfillments/update", "shopify-fulfillments-update.json") ==
	      E_OK);
	CHECK(p.kind == PAYLOAD_FULFILLMENT);
	CHECK_STR(p.order_external_id, "5830552106310");
	CHECK_STR(s->external_id, "5417283395654");
	CHECK_STR(s->carrier, "CJ대한통운");
	CHECK_STR(s->tracking_number, "640123456789");
	CHECK_STR(s->platform_status, "delivered");
	CHECK(s->delivered_at == 1795414368 * SEC);
	CHECK(s->shipped_at == 1795221000 * SEC);
	CHECK(p.updated_at == 1795414368 * SEC);
}

/* The word a fulfillment's two statuses give order_shipment_state. */
static void test_shopify_fulfillment_words(void)
{
	static const struct {
		const char *status, *shipment_status, *want;
	} cases[] = {
		{"\"success\"", "null", "shipped"},
		{"\"success\"", "\"in_transit\"", "in_transit"},
		{"\"success\"", "\"out_for_delivery\"", "out_for_delivery"},
		{"\"success\"", "\"attempted_delivery\"", "attempted_delivery"},
		{"\"success\"", "\"failure\"", "failure"},
		{"\"pending\"", "null", "packed"},
		{"\"open\"", "null", "packed"},
		{"\"open\"", "\"label_printed\"", "label_printed"},
		{"\"cancelled\"", "\"in_transit\"", "cancelled"}, /* cancelled wins */
		{"\"error\"", "null", "exception"},
		{"\"failure\"", "\"confirmed\"", "exception"},
		{"null", "\"delivered\"", "delivered"},
		{"\"something_new\"", "null", "something_new"},
		{"null", "null", NULL},
	};
	char body[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"id\":1,\"order_id\":2,\"status\":%s,\"shipment_status\":%s}",
			 cases[i].status, cases[i].shipment_status);
		CHECK_OK(read_str(SHOPIFY, "fulfillments/update", body));
		if (cases[i].want)
			CHECK_STR(p.shipment.platform_status, cases[i].want);
		else
			CHECK_NULL(p.shipment.platform_status);
		CHECK(!p.shipment.shipped_at); /* no created_at given */
	}
}

static void test_shopify_refund(void)
{
	/* transactions: the successful refund only, not the pending one or the sale */
	CHECK_OK(read_file(SHOPIFY, "refunds/create", "shopify-refunds-create.json"));
	CHECK(p.kind == PAYLOAD_REFUND);
	CHECK_STR(p.order_external_id, "450789469");
	CHECK(p.refund_minor == 20900);
	CHECK(p.updated_at == 1795534502 * SEC); /* processed_at */
	CHECK(p.order.external_id == NULL);

	/* no transactions: the line items' subtotals, "12.5" and "45.00" EUR */
	CHECK_OK(read_file(SHOPIFY, "refunds/create", "shopify-refunds-create-restock.json"));
	CHECK(p.kind == PAYLOAD_REFUND);
	CHECK_STR(p.order_external_id, "450912786");
	CHECK(p.refund_minor == 5750);
	CHECK(p.updated_at == 1795676539 * SEC); /* processed_at is null: created_at */

	CHECK(read_mutated(SHOPIFY, "refunds/create", "shopify-refunds-create-restock.json",
			   "refund_line_items.1.subtotal_set.presentment_money.currency_code",
			   "\"CHF\"") == E_INVALID);
	CHECK_STR(err.message, "refund_line_items[1].subtotal_set.presentment_money.currency is "
			       "not EUR like the rest of the order");
	CHECK(read_mutated(SHOPIFY, "refunds/create", "shopify-refunds-create-restock.json",
			   "refund_line_items.0.subtotal_set", NULL) == E_INVALID);
	CHECK_STR(err.message, "refund_line_items[0].subtotal_set.presentment_money is required");
	CHECK(read_mutated(SHOPIFY, "refunds/create", "shopify-refunds-create.json",
			   "transactions.0.currency", NULL) == E_INVALID);
	CHECK_STR(err.message, "transactions[0].currency is required");
	CHECK(read_mutated(SHOPIFY, "refunds/create", "shopify-refunds-create.json",
			   "transactions.0.amount", "\"209.005\"") == E_INVALID);
	CHECK_STR(err.message, "transactions[0].amount must be a decimal string in USD, not "
			       "negative, with at most 2 decimals");
	CHECK(read_mutated(SHOPIFY, "refunds/create", "shopify-refunds-create.json",
			   "transactions.0.amount", "209.0") == E_INVALID);
	/* a refund that moved no money and returned nothing */
	CHECK_OK(read_str(SHOPIFY, "refunds/create",
			  "{\"id\":9,\"order_id\":8,\"transactions\":[]}"));
	CHECK(p.kind == PAYLOAD_REFUND && p.refund_minor == 0);
	/* two refunds on one order add up, and do not overflow silently */
	CHECK(read_str(
		      SHOPIFY, "orders/updated",
		      "{\"id\":1,\"name\":\"#1\",\"currency\":\"JPY\",\"total_price\":\"9\","
		      "\"refunds\":[{\"transactions\":[{\"kind\":\"refund\",\"status\":\"success\","
		      "\"amount\":\"9223372036854775807\"}]},{\"transactions\":[{\"kind\":"
		      "\"refund\",\"status\":\"success\",\"amount\":\"1\"}]}]}") == E_INVALID);
	CHECK_STR(err.message, "refunds[1].transactions adds up to more than deskd can count");
	CHECK_OK(read_str(
		SHOPIFY, "orders/updated",
		"{\"id\":1,\"name\":\"#1\",\"currency\":\"JPY\",\"total_price\":\"9\","
		"\"refunds\":[{\"transactions\":[{\"kind\":\"refund\",\"status\":\"success\","
		"\"amount\":\"4\"}]},{\"transactions\":[{\"kind\":"
		"\"refund\",\"status\":\"success\",\"amount\":\"5\",\"currency\":\"JPY\"}]}]"
		"}"));
	CHECK(p.order.refunded_minor == 9);
}

static void test_shopify_customer(void)
{
	static const char *const topics[] = {"customers/create", "customers/update"};

	for (size_t i = 0; i < 2; i++) {
		CHECK_OK(read_file(SHOPIFY, topics[i], "shopify-customers-update.json"));
		CHECK(p.kind == PAYLOAD_CUSTOMER);
		CHECK_STR(p.customer.external_id, "7412198309958");
		CHECK_STR(p.customer.name, "İlkay Öztürk");
		CHECK_STR(p.customer.email, "ilkay.ozturk@example.com.tr");
		CHECK_STR(p.customer.phone, "+905321234567");
		CHECK(p.updated_at == 1795359931 * SEC);
		CHECK(p.order.external_id == NULL && p.order_external_id == NULL);
	}
}

/* first_name and last_name in the order each language writes them */
static void test_names(void)
{
	static const struct {
		const char *first, *last, *want;
	} cases[] = {
		{"민준", "김", "김민준"},
		{"서연", "남궁", "남궁서연"},
		{"花子", "山田", "山田 花子"},
		{"あおい", "佐藤", "佐藤 あおい"},
		{"İlkay", "Öztürk", "İlkay Öztürk"},
		{"Minjun", "Kim", "Minjun Kim"},
		{"Minjun", "김", "Minjun 김"}, /* mixed: as given */
		{"Çağrı", NULL, "Çağrı"},
		{NULL, "山田", "山田"},
		{NULL, NULL, NULL},
	};
	char body[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"id\":5,\"first_name\":%s%s%s,\"last_name\":%s%s%s}",
			 cases[i].first ? "\"" : "", cases[i].first ? cases[i].first : "null",
			 cases[i].first ? "\"" : "", cases[i].last ? "\"" : "",
			 cases[i].last ? cases[i].last : "null", cases[i].last ? "\"" : "");
		CHECK_OK(read_str(SHOPIFY, "customers/create", body));
		if (cases[i].want)
			CHECK_STR(p.customer.name, cases[i].want);
		else
			CHECK_NULL(p.customer.name);
	}
}

/* --- WooCommerce --- */

static void test_woo_order_updated(void)
{
	const struct order *o = &p.order;

	CHECK_OK(read_file(WOO, "order.updated", "woocommerce-order-updated.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "4711");
	CHECK_STR(o->number, "4711");
	CHECK_STR(o->email, "sukru.celik@example.com.tr");
	CHECK_STR(o->phone, "+90 312 555 01 23");
	CHECK_STR(o->customer_external_id, "58");
	CHECK_STR(o->customer_name, "Şükrü Çelik");
	CHECK_STR(p.customer.name, "Şükrü Çelik");
	CHECK_STR(o->currency, "TRY");
	CHECK(o->total_minor == 134980);
	CHECK(o->refunded_minor == 15000);
	CHECK_STR(o->financial_status, "partially_refunded"); /* completed, with a refund */
	CHECK_STR(o->fulfillment_status, "fulfilled");
	CHECK(o->placed_at == 1794985964 * SEC); /* date_created_gmt, not the shop's local time */
	CHECK(o->updated_at == 1795604589 * SEC);
	CHECK(o->cancelled_at == 0);
	CHECK(o->n_items == 2);
	CHECK_STR(o->items[0].external_id, "391");
	CHECK_STR(o->items[0].name, "Bakır Cezve - Orta Boy");
	CHECK_STR(o->items[0].sku, "CEZVE-BKR-M");
	CHECK_NULL(o->items[0].variant);
	CHECK(o->items[0].quantity == 2);
	CHECK(o->items[0].price_minor == 29990);
	CHECK_STR(o->items[1].name, "Türk Kahvesi 250 g");
	CHECK_NULL(o->items[1].sku);
	CHECK(o->items[1].quantity == 5);
	CHECK(o->items[1].price_minor == 15000);
	CHECK(o->n_shipments == 0);
	CHECK(p.updated_at == 1795604589 * SEC);
}

static void test_woo_order_created(void)
{
	const struct order *o = &p.order;

	CHECK_OK(read_file(WOO, "order.created", "woocommerce-order-created.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "4720");
	CHECK_STR(o->customer_name, "Siobhán O'Connor");
	CHECK_NULL(o->customer_external_id); /* customer_id 0: a guest */
	CHECK_NULL(o->phone);
	CHECK_STR(o->currency, "EUR");
	CHECK(o->total_minor == 1490);
	CHECK_STR(o->financial_status, "paid");
	CHECK_NULL(o->fulfillment_status);
	CHECK(o->refunded_minor == 0);
	CHECK(o->placed_at == 1795773482 * SEC);
	CHECK(o->n_items == 1);
	CHECK(o->items[0].quantity == 3);
	CHECK(o->items[0].price_minor == 333); /* "10.00" for 3, not the float 3.3333 */

	CHECK_OK(read_file(WOO, "order.deleted", "woocommerce-order-deleted.json"));
	CHECK(p.kind == PAYLOAD_ORDER_GONE);
	CHECK_STR(p.order.external_id, "4699");
	CHECK(read_str(WOO, "order.deleted", "{}") == E_INVALID);
	CHECK_STR(err.message, "id is required");
}

/* Woo's one status word as Shopify's two, which order_decide_state reads. */
static void test_woo_status(void)
{
	static const struct {
		const char *status, *refunds, *financial, *fulfillment;
		int64_t refunded;
		int cancelled;
	} cases[] = {
		{"pending", "[]", "pending", NULL, 0, 0},
		{"on-hold", "[]", "pending", NULL, 0, 0},
		{"processing", "[]", "paid", NULL, 0, 0},
		{"processing", "[{\"total\":\"-5.00\"}]", "partially_refunded", NULL, 500, 0},
		{"completed", "[]", "paid", "fulfilled", 0, 0},
		{"cancelled", "[]", "voided", NULL, 0, 1},
		{"refunded", "[{\"total\":\"-20.00\"}]", "refunded", NULL, 2000, 0},
		{"refunded", "[]", "refunded", NULL, 2000, 0}, /* refunded means in full */
		{"failed", "[]", "voided", NULL, 0, 0},
		{"checkout-draft", "[]", NULL, NULL, 0, 0}, /* a plugin's word: no guess */
	};
	char body[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"id\":7,\"status\":\"%s\",\"currency\":\"USD\",\"total\":\"20.00\","
			 "\"date_created_gmt\":\"2026-11-18T07:12:44\",\"date_modified_gmt\":"
			 "\"2026-11-25T11:03:09\",\"refunds\":%s}",
			 cases[i].status, cases[i].refunds);
		CHECK_OK(read_str(WOO, "order.updated", body));
		if (cases[i].financial)
			CHECK_STR(p.order.financial_status, cases[i].financial);
		else
			CHECK_NULL(p.order.financial_status);
		if (cases[i].fulfillment)
			CHECK_STR(p.order.fulfillment_status, cases[i].fulfillment);
		else
			CHECK_NULL(p.order.fulfillment_status);
		CHECK(p.order.refunded_minor == cases[i].refunded);
		CHECK(p.order.cancelled_at == (cases[i].cancelled ? 1795604589 * SEC : 0));
	}
	CHECK(read_str(
		      WOO, "order.updated",
		      "{\"id\":7,\"status\":\"cancelled\",\"currency\":\"USD\",\"total\":\"1\"}") ==
	      E_INVALID);
	CHECK_STR(err.message, "date_modified_gmt is required for a cancelled order");
	CHECK(read_str(WOO, "order.updated",
		       "{\"id\":7,\"currency\":\"USD\",\"total\":\"1\",\"refunds\":[{\"total\":-5}]"
		       "}") == E_INVALID);
	CHECK_STR(err.message, "refunds[0].total must be a decimal string in USD");
	CHECK_OK(read_str(WOO, "order.updated",
			  "{\"id\":7,\"currency\":\"USD\",\"total\":\"1\",\"date_created_gmt\":"
			  "\"2026-11-18T07:12:44+03:00\"}"));
	CHECK(p.order.placed_at == (1794985964 - 3 * 3600) * SEC); /* an offset, if given, counts */
}

/* --- deskd's order document --- */

static void test_document(void)
{
	const struct order *o = &p.order;
	const struct shipment *s;

	CHECK_OK(read_file(DOC, "A-20931", "document-order.json"));
	CHECK(p.kind == PAYLOAD_ORDER);
	CHECK_STR(o->external_id, "A-20931");
	CHECK_STR(o->number, "A-20931");
	CHECK_STR(o->email, "aoi.sato@example.jp");
	CHECK_STR(o->phone, "+81 80-9876-5432");
	CHECK_STR(o->customer_external_id, "cust-88412");
	CHECK_STR(o->customer_name, "佐藤 葵");
	CHECK_STR(p.customer.external_id, "cust-88412");
	CHECK_STR(p.customer.email, "aoi.sato@example.jp");
	CHECK_STR(o->currency, "JPY");
	CHECK(o->total_minor == 15400);
	CHECK(o->refunded_minor == 0);
	CHECK(o->placed_at == 1795563000 * SEC);
	CHECK(o->updated_at == 1795770131 * SEC && p.updated_at == o->updated_at);
	CHECK(o->cancelled_at == 0);
	CHECK_STR(o->financial_status, "paid");
	CHECK_STR(o->fulfillment_status, "fulfilled");
	CHECK(o->n_items == 2);
	CHECK_STR(o->items[0].sku, "KUTANI-CUP-2");
	CHECK_STR(o->items[0].name, "九谷焼 湯呑み");
	CHECK_STR(o->items[0].variant, "ペア");
	CHECK(o->items[0].quantity == 1 && o->items[0].price_minor == 8800);
	CHECK_STR(o->items[1].variant, "藍");
	CHECK(o->items[1].quantity == 2 && o->items[1].price_minor == 3300);
	CHECK_NULL(o->items[1].external_id);
	CHECK(o->n_shipments == 2);
	s = &o->shipments[0];
	CHECK_STR(s->external_id, "shp-5521");
	CHECK_STR(s->carrier, "ヤマト運輸");
	CHECK_STR(s->tracking_number, "4567-8901-2345");
	CHECK_STR(s->platform_status, "out_for_delivery");
	CHECK(s->state == ORDER_ORDERED);
	CHECK(s->eta == 1795834800 * SEC);
	CHECK(s->shipped_at == 1795681200 * SEC && s->delivered_at == 0);
	s = &o->shipments[1];
	CHECK_STR(s->external_id, "shp-5522");
	CHECK_STR(s->carrier, "Japan Post");
	CHECK_NULL(s->tracking_url);
	CHECK_STR(s->platform_status, "label_printed");
	CHECK(s->eta == 0);
	CHECK(p.n_scans == 3);
	CHECK(p.scan_shipments[0] == 0 && p.scan_shipments[1] == 0 && p.scan_shipments[2] == 0);
	CHECK_STR(p.scans[0].status, "picked_up");
	CHECK(p.scans[0].at == 1795681200 * SEC);
	CHECK_STR(p.scans[0].location, "石川県 金沢センター");
	CHECK_STR(p.scans[0].description, "荷物を受け付けました");
	CHECK_STR(p.scans[1].status, "in_transit");
	CHECK(p.scans[1].at == 1795729500 * SEC);
	CHECK_STR(p.scans[2].location, "東京都 世田谷若林センター");
	CHECK(p.scans[2].at == 1795821000 * SEC);

	/* the smallest document, in dinars with three decimals */
	CHECK_OK(read_str(DOC, "w-1",
			  "{\"number\":\"1001\",\"currency\":\"KWD\",\"total\":\"12.345\","
			  "\"placed_at\":\"2026-11-20T10:15:00+03:00\",\"fulfillment_status\":"
			  "\"unfulfilled\"}"));
	CHECK(p.order.total_minor == 12345);
	CHECK(p.order.n_items == 0 && p.order.n_shipments == 0 && p.n_scans == 0);
	CHECK_NULL(p.order.fulfillment_status); /* "unfulfilled" is Shopify's null */
	CHECK_NULL(p.order.email);
	CHECK(p.updated_at == 0);

	/* scans of two shipments say whose they are */
	CHECK_OK(read_str(
		DOC, "w-2",
		"{\"number\":\"1\",\"currency\":\"EUR\",\"total\":\"1\",\"placed_at\":"
		"\"2026-11-20T10:15:00Z\",\"shipments\":[{\"external_id\":\"a\",\"scans\":[{"
		"\"status\":\"in_transit\",\"at\":\"2026-11-21T10:15:00Z\"}]},{\"external_"
		"id\":"
		"\"b\",\"scans\":[{\"status\":\"delivered\",\"at\":\"2026-11-22T10:15:00Z\"}"
		",{"
		"\"status\":\"exception\",\"at\":\"2026-11-23T10:15:00Z\"}]}]}"));
	CHECK(p.n_scans == 3);
	CHECK(p.scan_shipments[0] == 0 && p.scan_shipments[1] == 1 && p.scan_shipments[2] == 1);
	CHECK_STR(p.scans[2].status, "exception");
}

/* Each wrong document is refused with the message a developer can act on. */
static void test_document_refused(void)
{
	static const struct {
		const char *path, *json;
		enum err_code code;
		const char *message;
	} cases[] = {
		{"itmes", "[]", E_INVALID, "unknown field 'itmes'"},
		{"customer.emial", "\"a@b.c\"", E_INVALID, "unknown field 'customer.emial'"},
		{"items.1.prise", "\"1\"", E_INVALID, "unknown field 'items[1].prise'"},
		{"shipments.0.tracking", "\"1\"", E_INVALID,
		 "unknown field 'shipments[0].tracking'"},
		{"shipments.0.scans.2.time", "\"x\"", E_INVALID,
		 "unknown field 'shipments[0].scans[2].time'"},
		{"number", NULL, E_INVALID, "number is required"},
		{"number", "\"\"", E_INVALID, "number must not be empty"},
		{"number", "1042", E_INVALID, "number must be a string"},
		{"currency", NULL, E_INVALID, "currency is required"},
		{"currency", "\"yen\"", E_INVALID,
		 "currency must be a three-letter ISO 4217 code such "
		 "as USD"},
		{"total", NULL, E_INVALID, "total is required"},
		{"total", "15400", E_INVALID,
		 "total must be a decimal string in JPY, not negative, "
		 "with at most 0 decimals"},
		{"total", "154.5", E_INVALID,
		 "total must be a decimal string in JPY, not negative, "
		 "with at most 0 decimals"},
		{"total", "\"15400.50\"", E_INVALID,
		 "total must be a decimal string in JPY, not "
		 "negative, with at most 0 decimals"},
		{"total", "\"-1\"", E_INVALID,
		 "total must be a decimal string in JPY, not negative, "
		 "with at most 0 decimals"},
		{"placed_at", NULL, E_INVALID, "placed_at is required"},
		{"placed_at", "\"2026-11-25 08:30\"", E_INVALID,
		 "placed_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{"placed_at", "\"2026-11-25T08:30:00\"", E_INVALID,
		 "placed_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{"placed_at", "1795563000", E_INVALID,
		 "placed_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{"financial_status", "\"payed\"", E_INVALID,
		 "financial_status must be one of pending, authorized, partially_paid, paid, "
		 "partially_refunded, refunded, voided"},
		{"fulfillment_status", "\"shipped\"", E_INVALID,
		 "fulfillment_status must be one of unfulfilled, partial, fulfilled"},
		{"customer", "\"cust-88412\"", E_INVALID, "customer must be an object"},
		{"customer.name", "[\"佐藤\"]", E_INVALID, "customer.name must be a string"},
		{"items", "{}", E_INVALID, "items must be an array"},
		{"items.0", "\"KUTANI-CUP-2\"", E_INVALID, "items[0] must be an object"},
		{"items.0.quantity", NULL, E_INVALID, "items[0].quantity is required"},
		{"items.0.quantity", "\"1\"", E_INVALID, "items[0].quantity must be an integer"},
		{"items.0.quantity", "1.0", E_INVALID, "items[0].quantity must be an integer"},
		{"items.0.quantity", "-1", E_INVALID,
		 "items[0].quantity must be between 0 and "
		 "1000000"},
		{"items.1.price", NULL, E_INVALID, "items[1].price is required"},
		{"shipments.1.external_id", NULL, E_INVALID,
		 "shipments[1].external_id is required"},
		{"shipments.0.status", "\"In Transit\"", E_INVALID,
		 "shipments[0].status must be a lower-case word such as in_transit"},
		{"shipments.0.eta", "\"tomorrow\"", E_INVALID,
		 "shipments[0].eta must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{"shipments.0.scans", "{}", E_INVALID, "shipments[0].scans must be an array"},
		{"shipments.0.scans.1.at", NULL, E_INVALID, "shipments[0].scans[1].at is required"},
		{"shipments.0.scans.1.status", NULL, E_INVALID,
		 "shipments[0].scans[1].status is required"},
		{"shipments.0.scans.0.location", "true", E_INVALID,
		 "shipments[0].scans[0].location must be a string"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_refused(DOC, "A-20931", "document-order.json", cases[i].path, cases[i].json,
			      cases[i].code, cases[i].message);
	/* the id from the URL */
	CHECK(read_file(DOC, "", "document-order.json") == E_INVALID);
	CHECK_STR(err.message, "external_id is required");
	CHECK(read_file(DOC, NULL, "document-order.json") == E_INVALID);
	CHECK(read_file(DOC, "A-\xC3\x28", "document-order.json") == E_INVALID);
	CHECK_STR(err.message, "external_id is not valid UTF-8");
	CHECK_OK(read_file(DOC, "주문-20931", "document-order.json"));
	CHECK_STR(p.order.external_id, "주문-20931");
	/* an unknown field with a long name is cut whole characters at a time */
	{
		char body[200] = "{\"", want[200] = "unknown field '", *q = body + 2;

		for (int k = 0; k < 30; k++)
			q += sprintf(q, "가");
		strcpy(q, "\":1}");
		for (int k = 0; k < 21; k++) /* 63 of the first 64 bytes */
			strcat(want, "가");
		strcat(want, "...'");
		CHECK(read_str(DOC, "x", body) == E_INVALID);
		CHECK_STR(err.message, want);
	}
}

/* --- hostile input --- */

/* A wrong type in each field a store relies on is refused, naming the field. */
static void test_wrong_types(void)
{
	static const struct {
		enum reader reader;
		const char *topic, *file, *path, *json, *message;
	} cases[] = {
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "\"58304x\"",
		 "id must be a positive integer or a string of its digits"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "-5",
		 "id must be a positive integer or a string of its digits"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "5.830471928134e12",
		 "id must be a positive integer or a string of its digits"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "\"05830471928134\"",
		 "id must be a positive integer or a string of its digits"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "name", "1042",
		 "name must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "email", "[]",
		 "email must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "currency", "392",
		 "currency must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "total_price", "12800",
		 "total_price must be a decimal string in JPY, not negative, with at most 0 "
		 "decimals"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "financial_status", "true",
		 "financial_status must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "created_at",
		 "\"2026/11/20\"",
		 "created_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "cancelled_at", "0",
		 "cancelled_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "customer",
		 "7412208664646", "customer must be an object"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "customer.id", "{}",
		 "customer.id must be a positive integer or a string of its digits"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "customer.first_name", "1",
		 "customer.first_name must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items", "{}",
		 "line_items must be an array"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.1", "[]",
		 "line_items[1] must be an object"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.1.quantity",
		 "\"3\"", "line_items[1].quantity must be an integer"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.0.price",
		 "9800",
		 "line_items[0].price must be a decimal string in JPY, not negative, with at most "
		 "0 "
		 "decimals"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.0.sku", "42",
		 "line_items[0].sku must be a string"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "fulfillments", "\"none\"",
		 "fulfillments must be an array"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "refunds", "0",
		 "refunds must be an array"},
		{SHOPIFY, "orders/updated", "shopify-orders-updated.json",
		 "fulfillments.0.tracking_numbers", "\"640123456789\"",
		 "fulfillments[0].tracking_numbers must be an array"},
		{SHOPIFY, "orders/updated", "shopify-orders-updated.json",
		 "fulfillments.0.tracking_urls.0", "7",
		 "fulfillments[0].tracking_urls[0] must be a "
		 "string"},
		{SHOPIFY, "orders/updated", "shopify-orders-updated.json",
		 "fulfillments.0.shipment_status", "1",
		 "fulfillments[0].shipment_status must be a "
		 "string"},
		{SHOPIFY, "orders/updated", "shopify-orders-updated.json",
		 "refunds.0.transactions.0.kind", "[]",
		 "refunds[0].transactions[0].kind must be a string"},
		{SHOPIFY, "fulfillments/update", "shopify-fulfillments-update.json", "order_id",
		 "true", "order_id must be a positive integer or a string of its digits"},
		{SHOPIFY, "fulfillments/update", "shopify-fulfillments-update.json",
		 "tracking_company", "{}", "tracking_company must be a string"},
		{SHOPIFY, "fulfillments/update", "shopify-fulfillments-update.json", "updated_at",
		 "\"yesterday\"",
		 "updated_at must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{SHOPIFY, "refunds/create", "shopify-refunds-create.json", "transactions", "{}",
		 "transactions must be an array"},
		{SHOPIFY, "refunds/create", "shopify-refunds-create.json",
		 "transactions.0.currency", "\"dollars\"",
		 "transactions[0].currency must be a three-letter ISO 4217 code such "
		 "as USD"},
		{SHOPIFY, "customers/update", "shopify-customers-update.json", "email", "false",
		 "email must be a string"},
		{SHOPIFY, "customers/update", "shopify-customers-update.json", "phone",
		 "905321234567", "phone must be a string"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "id", "\"#4711\"",
		 "id must be a positive integer or a string of its digits"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "total", "1349.8",
		 "total must be a decimal string in TRY, not negative, with at most 2 decimals"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "status", "3",
		 "status must be a string"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "customer_id", "\"58\"",
		 "customer_id must be an integer"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "billing", "\"Şükrü\"",
		 "billing must be an object"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "billing.email", "1",
		 "billing.email must be a string"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "date_created_gmt",
		 "\"18.11.2026\"",
		 "date_created_gmt must be an RFC 3339 time such as 2026-11-20T10:15:00-05:00"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "line_items.0.subtotal",
		 "599.8",
		 "line_items[0].subtotal must be a decimal string in TRY, not negative, "
		 "with at most 2 decimals"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "refunds.0", "\"-150.00\"",
		 "refunds[0] must be an object"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_refused(cases[i].reader, cases[i].topic, cases[i].file, cases[i].path,
			      cases[i].json, E_INVALID, cases[i].message);
}

static void test_missing_required(void)
{
	static const struct {
		enum reader reader;
		const char *topic, *file, *path, *message;
	} cases[] = {
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "id is required"},
		{SHOPIFY, "orders/paid", "shopify-orders-create.json", "name", "name is required"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "currency",
		 "currency is required"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "total_price",
		 "total_price is required"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.0.quantity",
		 "line_items[0].quantity is required"},
		{SHOPIFY, "orders/create", "shopify-orders-create.json", "line_items.1.price",
		 "line_items[1].price is required"},
		{SHOPIFY, "orders/updated", "shopify-orders-updated.json", "fulfillments.0.id",
		 "fulfillments[0].id is required"},
		{SHOPIFY, "fulfillments/create", "shopify-fulfillments-create.json", "id",
		 "id is required"},
		{SHOPIFY, "fulfillments/create", "shopify-fulfillments-create.json", "order_id",
		 "order_id is required"},
		{SHOPIFY, "refunds/create", "shopify-refunds-create.json", "id", "id is required"},
		{SHOPIFY, "refunds/create", "shopify-refunds-create.json", "order_id",
		 "order_id is required"},
		{SHOPIFY, "refunds/create", "shopify-refunds-create.json", "transactions.0.amount",
		 "transactions[0].amount is required"},
		{SHOPIFY, "customers/update", "shopify-customers-update.json", "id",
		 "id is required"},
		{WOO, "order.created", "woocommerce-order-created.json", "id", "id is required"},
		{WOO, "order.created", "woocommerce-order-created.json", "currency",
		 "currency is required"},
		{WOO, "order.created", "woocommerce-order-created.json", "total",
		 "total is required"},
		{WOO, "order.updated", "woocommerce-order-updated.json", "refunds.0.total",
		 "refunds[0].total is required"},
		{WOO, "order.deleted", "woocommerce-order-deleted.json", "id", "id is required"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_refused(cases[i].reader, cases[i].topic, cases[i].file, cases[i].path, NULL,
			      E_INVALID, cases[i].message);
	/* a null id is a missing one */
	CHECK(read_mutated(SHOPIFY, "orders/create", "shopify-orders-create.json", "id", "null") ==
	      E_INVALID);
	CHECK_STR(err.message, "id is required");
	/* a Woo order without a number is known by its id */
	CHECK_OK(read_mutated(WOO, "order.created", "woocommerce-order-created.json", "number",
			      NULL));
	CHECK_STR(p.order.number, "4720");
}

static void test_invalid_json(void)
{
	static const struct {
		const char *body;
		long position;
	} cases[] = {
		{"", 0},
		{"{", 1},
		{"{\"id\": 1,}", 10},
		{"{\"id\": tru}", 10},
		{"{\"id\": 1} {}", 11},
		{"{'id': 1}", 2},
		{"{\"id\": 01}", 8},
		{"{\"id\": 99999999999999999999}", 27},
		{"\"orders\"", 8}, /* a bare string is not a body */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(read_str(SHOPIFY, "orders/create", cases[i].body) == E_INVALID_JSON);
		if (err.position != cases[i].position)
			fprintf(stderr, "case %zu: position %ld: %s\n", i, err.position,
				err.message);
		CHECK(err.position == cases[i].position);
		CHECK(!strncmp(err.message, "invalid JSON at byte ", 21));
		CHECK(is_empty(&p));
	}
	/* a NUL byte in the body, and one spelled \u0000 in a string */
	CHECK(read_with(WOO, "order.updated", "{\"id\":1}\0", 9) == E_INVALID_JSON);
	CHECK(read_str(WOO, "order.updated", "{\"id\":1,\"number\":\"47\\u000011\"}") ==
	      E_INVALID_JSON);
	CHECK(err.position > 0);
	/* a bad escape before a Turkish letter: jansson quotes half of it, deskd does not */
	CHECK(read_str(SHOPIFY, "customers/update", "{\"first_name\":\"\\ş\"}") == E_INVALID_JSON);
	CHECK(text_utf8_valid(err.message, strlen(err.message), NULL));
	CHECK_STR(err.message, "invalid JSON at byte 17: invalid escape near '\"\\");
	/* valid JSON that is not an object */
	CHECK(read_str(SHOPIFY, "orders/create", "[{\"id\":1}]") == E_INVALID);
	CHECK_STR(err.message, "the body must be a JSON object");
	CHECK(read_str(DOC, "x", "[]") == E_INVALID);
}

static void test_invalid_utf8(void)
{
	static const struct {
		const char *body;
		long position;
	} cases[] = {
		{"{\"name\":\"\xff\"}", 9},
		{"{\"name\":\"#10\xC3\x28\"}", 12},	/* a lead byte without its continuation */
		{"{\"name\":\"\xC0\xAF\"}", 9},		/* an overlong '/' */
		{"{\"name\":\"\xED\xA0\x80\"}", 9},	/* a UTF-16 surrogate */
		{"{\"name\":\"\xF4\x90\x80\x80\"}", 9}, /* past U+10FFFF */
		{"{\"na\xE2\x82me\":1}", 4},		/* in a key */
		{"{\"name\":\"김민\xEC\x9A\"}", 15},	/* cut mid-character */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(read_str(SHOPIFY, "customers/update", cases[i].body) == E_INVALID_JSON);
		if (err.position != cases[i].position)
			fprintf(stderr, "case %zu: position %ld: %s\n", i, err.position,
				err.message);
		CHECK(err.position == cases[i].position);
		CHECK(!strncmp(err.message, "invalid UTF-8 at byte ", 22));
	}
	/* escapes that would make a lone surrogate are refused too */
	CHECK(read_str(SHOPIFY, "customers/update", "{\"id\":1,\"first_name\":\"\\ud800\"}") ==
	      E_INVALID_JSON);
	/* and valid escapes become UTF-8 */
	CHECK_OK(read_str(SHOPIFY, "customers/update",
			  "{\"id\":1,\"first_name\":\"\\u0130lkay\",\"last_name\":"
			  "\"\\ud83d\\ude00\"}"));
	CHECK_STR(p.customer.name, "İlkay 😀");
}

static void test_duplicate_keys(void)
{
	CHECK(read_str(SHOPIFY, "orders/create",
		       "{\"id\":1,\"name\":\"#1\",\"currency\":\"USD\",\"total_price\":\"1\","
		       "\"id\":2}") == E_INVALID_JSON);
	CHECK(err.position == 59); /* just after the second "id" */
	CHECK(strstr(err.message, "duplicate") != NULL);
	/* in a nested object too, where a second price could hide the first */
	CHECK(read_str(DOC, "x",
		       "{\"number\":\"1\",\"currency\":\"EUR\",\"total\":\"1\",\"placed_at\":"
		       "\"2026-11-20T10:15:00Z\",\"items\":[{\"quantity\":1,\"price\":\"1\","
		       "\"price\":\"0\"}]}") == E_INVALID_JSON);
	CHECK(strstr(err.message, "duplicate") != NULL);
}

/* A JSON array of n copies of `entry` as the value of `key` in `head`...}. */
static char *with_array(const char *head, const char *key, const char *entry, int n)
{
	size_t cap = strlen(head) + strlen(key) + (strlen(entry) + 1) * (size_t)n + 16;
	char *s = malloc(cap), *q = s;

	q += sprintf(q, "%s\"%s\":[", head, key);
	for (int i = 0; i < n; i++)
		q += sprintf(q, "%s%s", i ? "," : "", entry);
	strcpy(q, "]}");
	return s;
}

static void test_too_many(void)
{
	static const char order[] =
		"{\"id\":1,\"name\":\"#1\",\"currency\":\"USD\",\"total_price\":"
		"\"1\",";
	static const char doc[] = "{\"number\":\"1\",\"currency\":\"EUR\",\"total\":\"1\","
				  "\"placed_at\":\"2026-11-20T10:15:00Z\",";
	char *body;

	body = with_array(order, "line_items", "{\"quantity\":1,\"price\":\"1\"}",
			  PAYLOAD_MAX_ITEMS);
	CHECK_OK(read_str(SHOPIFY, "orders/create", body));
	CHECK(p.order.n_items == PAYLOAD_MAX_ITEMS);
	free(body);
	body = with_array(order, "line_items", "{\"quantity\":1,\"price\":\"1\"}",
			  PAYLOAD_MAX_ITEMS + 1);
	CHECK(read_str(SHOPIFY, "orders/create", body) == E_TOO_LARGE);
	CHECK_STR(err.message, "line_items has more than 500 entries");
	CHECK(is_empty(&p));
	free(body);
	body = with_array(order, "fulfillments", "{\"id\":3}", PAYLOAD_MAX_SHIPMENTS + 1);
	CHECK(read_str(SHOPIFY, "orders/create", body) == E_TOO_LARGE);
	CHECK_STR(err.message, "fulfillments has more than 50 entries");
	free(body);
	body = with_array("{\"id\":1,\"order_id\":2,", "tracking_numbers", "\"1Z\"", 51);
	CHECK(read_str(SHOPIFY, "fulfillments/create", body) == E_TOO_LARGE);
	CHECK_STR(err.message, "tracking_numbers has more than 50 entries");
	free(body);
	body = with_array("{\"id\":7,\"currency\":\"USD\",\"total\":\"1\",", "line_items",
			  "{\"quantity\":1,\"subtotal\":\"1\"}", PAYLOAD_MAX_ITEMS + 1);
	CHECK(read_str(WOO, "order.updated", body) == E_TOO_LARGE);
	free(body);
	body = with_array(doc, "items", "{\"quantity\":1,\"price\":\"1\"}", PAYLOAD_MAX_ITEMS + 1);
	CHECK(read_str(DOC, "x", body) == E_TOO_LARGE);
	CHECK_STR(err.message, "items has more than 500 entries");
	free(body);
	body = with_array(doc, "shipments", "{\"external_id\":\"s\"}", PAYLOAD_MAX_SHIPMENTS + 1);
	CHECK(read_str(DOC, "x", body) == E_TOO_LARGE);
	free(body);

	/* scans: 200 in all, however they are shared out among the shipments */
	{
		static const char scan[] =
			"{\"status\":\"in_transit\",\"at\":\"2026-11-21T10:15:00Z\"}";
		char *a = with_array("{\"external_id\":\"a\",", "scans", scan, 100);
		char *b = with_array("{\"external_id\":\"b\",", "scans", scan, 100);
		char *c = with_array("{\"external_id\":\"c\",", "scans", scan, 1);
		char *two = malloc(strlen(doc) + strlen(a) + strlen(b) + strlen(c) + 32);

		sprintf(two, "%s\"shipments\":[%s,%s]}", doc, a, b);
		CHECK_OK(read_str(DOC, "x", two));
		CHECK(p.n_scans == 200 && p.scan_shipments[199] == 1);
		sprintf(two, "%s\"shipments\":[%s,%s,%s]}", doc, a, b, c);
		CHECK(read_str(DOC, "x", two) == E_TOO_LARGE);
		CHECK_STR(err.message, "shipments have more than 200 scans");
		free(a), free(b), free(c), free(two);
		body = with_array("{\"external_id\":\"a\",", "scans", scan, PAYLOAD_MAX_SCANS + 1);
		two = malloc(strlen(doc) + strlen(body) + 32);
		sprintf(two, "%s\"shipments\":[%s]}", doc, body);
		CHECK(read_str(DOC, "x", two) == E_TOO_LARGE);
		CHECK_STR(err.message, "shipments[0].scans has more than 200 entries");
		free(two);
		free(body);
	}
}

static void test_long_strings(void)
{
	char body[3000], name[700];
	char *q = name;

	for (int i = 0; i < 200; i++) /* 200 characters, 600 bytes: a Korean name may be long */
		q += sprintf(q, "김");
	snprintf(body, sizeof(body), "{\"id\":1,\"first_name\":\"%s\"}", name);
	CHECK_OK(read_str(SHOPIFY, "customers/create", body));
	CHECK(strlen(p.customer.name) == 600);
	sprintf(q, "김");
	snprintf(body, sizeof(body), "{\"id\":1,\"first_name\":\"%s\"}", name);
	CHECK(read_str(SHOPIFY, "customers/create", body) == E_INVALID);
	CHECK_STR(err.message, "first_name is longer than 200 characters");
	/* first and last name together */
	snprintf(body, sizeof(body),
		 "{\"id\":1,\"first_name\":\"%.303s\",\"last_name\":\"%.303s\"}", name, name);
	CHECK(read_str(SHOPIFY, "customers/create", body) == E_INVALID);
	CHECK_STR(err.message, "first_name and last_name are longer than 200 characters");
	memset(name, 'a', 255);
	name[255] = '\0';
	snprintf(body, sizeof(body), "{\"id\":1,\"email\":\"%s@example.com\"}", name);
	CHECK(read_str(SHOPIFY, "customers/create", body) == E_INVALID);
	CHECK_STR(err.message, "email is longer than 254 characters");
	memset(name, '7', 65);
	name[65] = '\0';
	snprintf(body, sizeof(body),
		 "{\"id\":1,\"name\":\"#%s\",\"currency\":\"USD\",\"total_price\":\"1\"}", name);
	CHECK(read_str(SHOPIFY, "orders/create", body) == E_INVALID);
	CHECK_STR(err.message, "name is longer than 64 characters");
	CHECK(read_str(SHOPIFY, "customers/create", "{\"id\":\"123456789012345678901\"}") ==
	      E_INVALID);
	CHECK_OK(read_str(SHOPIFY, "customers/create", "{\"id\":\"12345678901234567890\"}"));
	CHECK_STR(p.customer.external_id, "12345678901234567890");
}

static void test_deep_nesting(void)
{
	static const char head[] = "{\"id\":1,\"name\":\"#1\",\"currency\":\"USD\",\"total_price\":"
				   "\"1\",\"note_attributes\":";
	size_t depth = 100000, n = strlen(head);
	char *body = malloc(n + 2 * depth + 2);

	/* deeper than jansson goes: invalid JSON, not a stack overflow */
	memcpy(body, head, n);
	memset(body + n, '[', depth);
	memset(body + n + depth, ']', depth);
	strcpy(body + n + 2 * depth, "}");
	CHECK(read_str(SHOPIFY, "orders/create", body) == E_INVALID_JSON);
	CHECK(strstr(err.message, "depth") != NULL);
	/* deep but allowed, in a field deskd does not read: it does not matter */
	memset(body + n, '[', 500);
	memset(body + n + 500, ']', 500);
	strcpy(body + n + 1000, "}");
	CHECK_OK(read_str(SHOPIFY, "orders/create", body));
	/* and where deskd expects an object, it is the wrong type */
	memcpy(body + n - strlen("\"note_attributes\":"), "\"customer\":       ", 18);
	CHECK(read_str(SHOPIFY, "orders/create", body) == E_INVALID);
	CHECK_STR(err.message, "customer must be an object");
	free(body);
	CHECK(read_str(DOC, "x",
		       "{\"number\":\"1\",\"currency\":\"EUR\",\"total\":\"1\",\"placed_at\":"
		       "\"2026-11-20T10:15:00Z\",\"customer\":{\"name\":{\"name\":{\"name\":\"x\"}}"
		       "}}") == E_INVALID);
	CHECK_STR(err.message, "customer.name must be a string");
}

static void test_ignored_topics(void)
{
	static const struct {
		enum reader reader;
		const char *topic;
	} cases[] = {
		{SHOPIFY, "products/update"},
		{SHOPIFY, "orders/delete"},
		{SHOPIFY, "app/uninstalled"},
		{SHOPIFY, "Orders/Create"},
		{SHOPIFY, "orders/create "},
		{SHOPIFY, ""},
		{SHOPIFY, NULL},
		{WOO, "product.created"},
		{WOO, "order.restored"},
		{WOO, "coupon.updated"},
		{WOO, "orders/create"},
		{WOO, NULL},
		{SHOPIFY, "order.created"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the body is not even looked at */
		CHECK(read_with(cases[i].reader, cases[i].topic, "\xff{[", 3) == E_OK);
		CHECK(p.kind == PAYLOAD_IGNORED);
		CHECK(is_empty(&p));
		CHECK(read_with(cases[i].reader, cases[i].topic, NULL, 0) == E_OK);
		CHECK(p.kind == PAYLOAD_IGNORED);
	}
}

/* Every sample is read by some test above, so none is left untested. */
static void test_every_sample_read(void)
{
	DIR *d = opendir(DATA);
	struct dirent *e;
	int files = 0;

	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		int i;

		if (e->d_name[0] == '.')
			continue;
		files++;
		for (i = 0; i < n_covered && strcmp(covered[i], e->d_name); i++)
			;
		if (i == n_covered)
			fprintf(stderr, "%s is read by no test\n", e->d_name);
		CHECK(i < n_covered);
	}
	if (d)
		closedir(d);
	CHECK(files >= 12);
	arena_release(&arena);
}

UNIT_MAIN(UNIT_TEST(test_time_rfc3339), UNIT_TEST(test_money), UNIT_TEST(test_shopify_order_create),
	  UNIT_TEST(test_shopify_order_presentment), UNIT_TEST(test_shopify_order_cancelled),
	  UNIT_TEST(test_shopify_order_topics), UNIT_TEST(test_shopify_fulfillment),
	  UNIT_TEST(test_shopify_fulfillment_words), UNIT_TEST(test_shopify_refund),
	  UNIT_TEST(test_shopify_customer), UNIT_TEST(test_names),
	  UNIT_TEST(test_woo_order_updated), UNIT_TEST(test_woo_order_created),
	  UNIT_TEST(test_woo_status), UNIT_TEST(test_document), UNIT_TEST(test_document_refused),
	  UNIT_TEST(test_wrong_types), UNIT_TEST(test_missing_required),
	  UNIT_TEST(test_invalid_json), UNIT_TEST(test_invalid_utf8),
	  UNIT_TEST(test_duplicate_keys), UNIT_TEST(test_too_many), UNIT_TEST(test_long_strings),
	  UNIT_TEST(test_deep_nesting), UNIT_TEST(test_ignored_topics),
	  UNIT_TEST(test_every_sample_read))
