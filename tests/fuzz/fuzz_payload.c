/*
 * fuzz_payload.c - libFuzzer target for orders/payload.c.
 *
 * The first byte picks the reader and the topic (modulo the table below), the
 * rest is the body. The last mode is payload_scan (a status is there on
 * E_OK, nothing on an error, the same twice); the one before it is
 * payload_money: three bytes of currency, then the amount. Properties: only the four codes a body can cause; on E_OK
 * every string is valid, NUL-terminated UTF-8 of a sensible length, counts
 * are within the limits and money is not negative; on an error the payload
 * is empty; reading the same body twice gives the same payload.
 */
#include "core/text.h"
#include "fuzz.h"
#include "orders/payload.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

enum reader { SHOPIFY, WOO, DOC, SCAN, MONEY };

static const struct {
	enum reader reader;
	const char *topic; /* the external_id for DOC */
	enum payload_kind kind;
} modes[] = {
	{SHOPIFY, "orders/create", PAYLOAD_ORDER},
	{SHOPIFY, "orders/updated", PAYLOAD_ORDER},
	{SHOPIFY, "orders/paid", PAYLOAD_ORDER},
	{SHOPIFY, "orders/cancelled", PAYLOAD_ORDER},
	{SHOPIFY, "orders/fulfilled", PAYLOAD_ORDER},
	{SHOPIFY, "fulfillments/create", PAYLOAD_FULFILLMENT},
	{SHOPIFY, "fulfillments/update", PAYLOAD_FULFILLMENT},
	{SHOPIFY, "refunds/create", PAYLOAD_REFUND},
	{SHOPIFY, "customers/create", PAYLOAD_CUSTOMER},
	{SHOPIFY, "customers/update", PAYLOAD_CUSTOMER},
	{SHOPIFY, "products/update", PAYLOAD_IGNORED},
	{WOO, "order.created", PAYLOAD_ORDER},
	{WOO, "order.updated", PAYLOAD_ORDER},
	{WOO, "order.deleted", PAYLOAD_ORDER_GONE},
	{WOO, "product.created", PAYLOAD_IGNORED},
	{DOC, "A-20931", PAYLOAD_ORDER},
	{MONEY, NULL, PAYLOAD_IGNORED},
	{SCAN, NULL, PAYLOAD_IGNORED},
};

#define N_MODES (sizeof(modes) / sizeof(modes[0]))
#define LONGEST 8192 /* bytes: a URL of 2048 characters of up to 4 bytes is the longest */

static enum err_code run(int mode, const uint8_t *body, size_t len, struct payload *p,
			 struct arena *a, struct error *err)
{
	const char *b = (const char *)body;

	if (modes[mode].reader == SHOPIFY)
		return payload_shopify(modes[mode].topic, b, len, p, a, err);
	if (modes[mode].reader == WOO)
		return payload_woocommerce(modes[mode].topic, b, len, p, a, err);
	return payload_order_document(modes[mode].topic, b, len, p, a, err);
}

static void check_str(const char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);	/* under ASan, a string without its NUL is a read past the arena block */
	REQUIRE(n > 0); /* "" is given as NULL */
	REQUIRE(n <= LONGEST);
	REQUIRE(text_utf8_valid(s, n, NULL));
}

static void check_shipment(const struct shipment *s)
{
	check_str(s->external_id);
	check_str(s->carrier);
	check_str(s->tracking_number);
	check_str(s->tracking_url);
	check_str(s->platform_status);
	REQUIRE(s->id == 0 && s->order_id == 0);
	REQUIRE(s->state == ORDER_ORDERED); /* the store decides it */
}

static void check_order(const struct order *o)
{
	check_str(o->external_id);
	check_str(o->number);
	check_str(o->email);
	check_str(o->phone);
	check_str(o->customer_external_id);
	check_str(o->customer_name);
	check_str(o->currency);
	check_str(o->financial_status);
	check_str(o->fulfillment_status);
	REQUIRE(o->total_minor >= 0 && o->refunded_minor >= 0);
	REQUIRE(o->n_items >= 0 && o->n_items <= PAYLOAD_MAX_ITEMS);
	REQUIRE((o->items != NULL) == (o->n_items > 0));
	for (int i = 0; i < o->n_items; i++) {
		check_str(o->items[i].external_id);
		check_str(o->items[i].sku);
		check_str(o->items[i].name);
		check_str(o->items[i].variant);
		REQUIRE(o->items[i].quantity >= 0 && o->items[i].price_minor >= 0);
	}
	REQUIRE(o->n_shipments >= 0 && o->n_shipments <= PAYLOAD_MAX_SHIPMENTS);
	REQUIRE((o->shipments != NULL) == (o->n_shipments > 0));
	for (int i = 0; i < o->n_shipments; i++)
		check_shipment(&o->shipments[i]);
}

static void check_payload(int mode, const struct payload *p)
{
	REQUIRE(p->kind == modes[mode].kind);
	check_order(&p->order);
	check_shipment(&p->shipment);
	check_str(p->order_external_id);
	check_str(p->customer.external_id);
	check_str(p->customer.email);
	check_str(p->customer.phone);
	check_str(p->customer.name);
	REQUIRE(p->refund_minor >= 0);
	REQUIRE(p->n_scans >= 0 && p->n_scans <= PAYLOAD_MAX_SCANS);
	REQUIRE((p->scans != NULL) == (p->n_scans > 0));
	for (int i = 0; i < p->n_scans; i++) {
		REQUIRE(p->scans[i].status != NULL);
		check_str(p->scans[i].status);
		check_str(p->scans[i].location);
		check_str(p->scans[i].description);
		REQUIRE(p->scan_shipments[i] >= 0 && p->scan_shipments[i] < p->order.n_shipments);
		REQUIRE(i == 0 || p->scan_shipments[i] >= p->scan_shipments[i - 1]);
	}
	switch (p->kind) {
	case PAYLOAD_ORDER:
		REQUIRE(p->order.external_id && p->order.number && p->order.currency);
		REQUIRE(p->updated_at == p->order.updated_at);
		break;
	case PAYLOAD_ORDER_GONE:
		REQUIRE(p->order.external_id);
		break;
	case PAYLOAD_FULFILLMENT:
		REQUIRE(p->order_external_id && p->shipment.external_id);
		break;
	case PAYLOAD_REFUND:
		REQUIRE(p->order_external_id);
		break;
	case PAYLOAD_CUSTOMER:
		REQUIRE(p->customer.external_id);
		break;
	case PAYLOAD_IGNORED:
		break;
	}
	if (modes[mode].reader == DOC)
		REQUIRE(!strcmp(p->order.external_id, modes[mode].topic));
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_shipment(const struct shipment *a, const struct shipment *b)
{
	return same_str(a->external_id, b->external_id) && same_str(a->carrier, b->carrier) &&
	       same_str(a->tracking_number, b->tracking_number) &&
	       same_str(a->tracking_url, b->tracking_url) &&
	       same_str(a->platform_status, b->platform_status) && a->state == b->state &&
	       a->eta == b->eta && a->shipped_at == b->shipped_at &&
	       a->delivered_at == b->delivered_at && a->created_at == b->created_at &&
	       a->updated_at == b->updated_at;
}

static int same_item(const struct order_item *a, const struct order_item *b)
{
	return same_str(a->external_id, b->external_id) && same_str(a->sku, b->sku) &&
	       same_str(a->name, b->name) && same_str(a->variant, b->variant) &&
	       a->quantity == b->quantity && a->price_minor == b->price_minor;
}

static int same_order(const struct order *a, const struct order *b)
{
	if (!same_str(a->external_id, b->external_id) || !same_str(a->number, b->number) ||
	    !same_str(a->email, b->email) || !same_str(a->phone, b->phone) ||
	    !same_str(a->customer_external_id, b->customer_external_id) ||
	    !same_str(a->customer_name, b->customer_name) || !same_str(a->currency, b->currency) ||
	    a->total_minor != b->total_minor || a->refunded_minor != b->refunded_minor ||
	    !same_str(a->financial_status, b->financial_status) ||
	    !same_str(a->fulfillment_status, b->fulfillment_status) ||
	    a->placed_at != b->placed_at || a->updated_at != b->updated_at ||
	    a->cancelled_at != b->cancelled_at || a->state != b->state ||
	    a->n_items != b->n_items || a->n_shipments != b->n_shipments)
		return 0;
	for (int i = 0; i < a->n_items; i++)
		if (!same_item(&a->items[i], &b->items[i]))
			return 0;
	for (int i = 0; i < a->n_shipments; i++)
		if (!same_shipment(&a->shipments[i], &b->shipments[i]))
			return 0;
	return 1;
}

static int same_payload(const struct payload *a, const struct payload *b)
{
	if (a->kind != b->kind || !same_order(&a->order, &b->order) ||
	    !same_shipment(&a->shipment, &b->shipment) ||
	    !same_str(a->order_external_id, b->order_external_id) ||
	    a->refund_minor != b->refund_minor || a->updated_at != b->updated_at ||
	    !same_str(a->customer.external_id, b->customer.external_id) ||
	    !same_str(a->customer.email, b->customer.email) ||
	    !same_str(a->customer.phone, b->customer.phone) ||
	    !same_str(a->customer.name, b->customer.name) || a->n_scans != b->n_scans)
		return 0;
	for (int i = 0; i < a->n_scans; i++)
		if (a->scan_shipments[i] != b->scan_shipments[i] ||
		    !same_str(a->scans[i].status, b->scans[i].status) ||
		    !same_str(a->scans[i].location, b->scans[i].location) ||
		    !same_str(a->scans[i].description, b->scans[i].description) ||
		    a->scans[i].at != b->scans[i].at)
			return 0;
	return 1;
}

static int is_empty(const struct payload *p)
{
	static const struct payload zero;

	return !memcmp(p, &zero, sizeof(zero));
}

/* payload_money: what it accepts, written back with the currency's decimals, reads the same. */
static void fuzz_money(const uint8_t *data, size_t size)
{
	char currency[4] = "", amount[64], back[64];
	size_t n = size < 3 ? size : 3, alen = size - n;
	int64_t minor = -1, again = -1, unit = 0;
	int decimals = 0;

	memcpy(currency, data, n);
	currency[n] = '\0';
	if (memchr(currency, 0, n) || alen >= sizeof(amount) || memchr(data + n, 0, alen))
		return;
	memcpy(amount, data + n, alen);
	amount[alen] = '\0';
	if (!payload_money(amount, currency, &minor)) {
		REQUIRE(minor == -1);
		return;
	}
	REQUIRE(minor >= 0);
	REQUIRE(strspn(amount, "0123456789.") == alen && amount[0] != '.');
	REQUIRE(payload_money("1", currency, &unit)); /* 10 to the currency's decimals */
	for (again = unit; again > 1; again /= 10)
		decimals++;
	if (decimals)
		snprintf(back, sizeof(back), "%" PRId64 ".%0*" PRId64, minor / unit, decimals,
			 minor % unit);
	else
		snprintf(back, sizeof(back), "%" PRId64, minor);
	REQUIRE(payload_money(back, currency, &again));
	REQUIRE(again == minor);
}

/* payload_scan: one scan with its status, or nothing; the same body twice reads the same. */
static void fuzz_scan(const uint8_t *data, size_t size)
{
	static const struct shipment_scan zero;
	struct shipment_scan s1, s2;
	int64_t eta1 = -1, eta2 = -1;
	struct arena a;
	struct error e1, e2;
	enum err_code rc1, rc2;

	arena_init(&a);
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	rc1 = payload_scan((const char *)data, size, &s1, &eta1, &a, &e1);
	REQUIRE(rc1 == E_OK || rc1 == E_INVALID_JSON || rc1 == E_INVALID || rc1 == E_TOO_LARGE);
	if (rc1 == E_OK) {
		REQUIRE(s1.status != NULL);
		check_str(s1.status);
		check_str(s1.location);
		check_str(s1.description);
	} else {
		REQUIRE(!memcmp(&s1, &zero, sizeof(zero)) && eta1 == 0);
		REQUIRE(e1.code == rc1 && e1.message[0]);
		REQUIRE(text_utf8_valid(e1.message, strlen(e1.message), NULL));
	}
	rc2 = payload_scan((const char *)data, size, &s2, &eta2, &a, &e2);
	REQUIRE(rc2 == rc1 && eta2 == eta1 && s2.at == s1.at);
	REQUIRE(!strcmp(e1.message, e2.message));
	REQUIRE(same_str(s1.status, s2.status) && same_str(s1.location, s2.location) &&
		same_str(s1.description, s2.description));
	arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload p1, p2;
	struct arena a1, a2;
	struct error e1, e2;
	enum err_code rc1, rc2;
	int mode;

	if (size == 0)
		return 0;
	mode = data[0] % N_MODES;
	data++, size--;
	if (modes[mode].reader == MONEY) {
		fuzz_money(data, size);
		return 0;
	}
	if (modes[mode].reader == SCAN) {
		fuzz_scan(data, size);
		return 0;
	}
	arena_init(&a1);
	arena_init(&a2);
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	rc1 = run(mode, data, size, &p1, &a1, &e1);
	REQUIRE(rc1 == E_OK || rc1 == E_INVALID_JSON || rc1 == E_INVALID || rc1 == E_TOO_LARGE);
	if (rc1 == E_OK) {
		check_payload(mode, &p1);
	} else {
		REQUIRE(is_empty(&p1));
		REQUIRE(e1.code == rc1 && e1.message[0]);
		REQUIRE(text_utf8_valid(e1.message, strlen(e1.message), NULL));
		if (rc1 == E_INVALID_JSON)
			REQUIRE(e1.position >= 0 && (size_t)e1.position <= size);
	}
	if (modes[mode].kind == PAYLOAD_IGNORED)
		REQUIRE(rc1 == E_OK && p1.kind == PAYLOAD_IGNORED);

	rc2 = run(mode, data, size, &p2, &a2, &e2);
	REQUIRE(rc2 == rc1);
	REQUIRE(!strcmp(e1.message, e2.message) && e1.position == e2.position);
	REQUIRE(same_payload(&p1, &p2));
	arena_release(&a1);
	arena_release(&a2);
	return 0;
}
