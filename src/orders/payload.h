/*
 * payload.h - what a store platform's webhook says, read into orders/order.h's
 * plain structs: Shopify's order, fulfillment, refund and customer payloads,
 * WooCommerce's order payload, and deskd's own order document (the generic API,
 * PUT /api/v1/stores/{slug}/orders/{external_id}). Pure: JSON text in, structs in
 * the caller's arena out; no SQL, no HTTP. Every field is checked for its type,
 * strings for UTF-8, sizes against limits; money becomes exact minor units.
 */
#ifndef ORDERS_PAYLOAD_H
#define ORDERS_PAYLOAD_H

#include "core/error.h"
#include "orders/order.h"
#include "util/arena.h"

#include <jansson.h>

#include <stddef.h>

/* Limits of one payload; beyond them it is refused (E_TOO_LARGE). */
#define PAYLOAD_MAX_ITEMS     500
#define PAYLOAD_MAX_SHIPMENTS 50
#define PAYLOAD_MAX_SCANS     200

enum payload_kind {
	PAYLOAD_IGNORED,     /* a topic deskd does not use: answer 200, store nothing */
	PAYLOAD_ORDER,	     /* a whole order: create it or bring it up to date */
	PAYLOAD_ORDER_GONE,  /* the platform deleted the order (WooCommerce order.deleted) */
	PAYLOAD_FULFILLMENT, /* one shipment of order `order_external_id` */
	PAYLOAD_REFUND,	     /* a refund of `refund_minor` on order `order_external_id` */
	PAYLOAD_CUSTOMER,    /* a customer's details */
};

struct payload_customer {
	const char *external_id, *email, *phone, *name; /* may be NULL */
};

struct payload {
	enum payload_kind kind;
	struct order order;		  /* PAYLOAD_ORDER, PAYLOAD_ORDER_GONE (external_id only) */
	struct shipment shipment;	  /* PAYLOAD_FULFILLMENT */
	const char *order_external_id;	  /* PAYLOAD_FULFILLMENT, PAYLOAD_REFUND */
	int64_t refund_minor; /* PAYLOAD_REFUND, in order.currency (NULL: not said) */
	int64_t updated_at;		  /* the platform's time of this fact; 0: none given */
	struct payload_customer customer; /* PAYLOAD_CUSTOMER; for orders, the buyer */
	/* carrier scans that came with it (deskd's own document only) */
	struct shipment_scan *scans;
	int n_scans;
	int *scan_shipments; /* for scans[i], the index in order.shipments of its shipment */
};

/**
 * Reads a Shopify webhook body of topic `topic` (X-Shopify-Topic): orders/create,
 * orders/updated, orders/paid, orders/cancelled, orders/fulfilled,
 * fulfillments/create, fulfillments/update, refunds/create, customers/create,
 * customers/update. Any other topic is PAYLOAD_IGNORED without reading the body.
 * E_INVALID_JSON (with the byte position) or E_INVALID (naming the field) for a
 * body that is not what the topic says.
 */
enum err_code payload_shopify(const char *topic, const char *body, size_t len, struct payload *out,
			      struct arena *a, struct error *err);

/**
 * Reads a WooCommerce webhook body of topic `topic` (X-WC-Webhook-Topic):
 * order.created, order.updated (PAYLOAD_ORDER), order.deleted
 * (PAYLOAD_ORDER_GONE); others are PAYLOAD_IGNORED.
 */
enum err_code payload_woocommerce(const char *topic, const char *body, size_t len,
				  struct payload *out, struct arena *a, struct error *err);

/**
 * Reads deskd's own order document (docs/API.md, "Orders"): number, email,
 * phone, customer, currency, total, items, status words, shipments with their
 * scans. `external_id` comes from the URL. Always PAYLOAD_ORDER.
 */
enum err_code payload_order_document(const char *external_id, const char *body, size_t len,
				     struct payload *out, struct arena *a, struct error *err);

/**
 * The same, from a document already parsed (`deskd import orders` builds one
 * per CSV order), so both paths check an order by the same rules.
 */
enum err_code payload_order_object(const char *external_id, json_t *doc, struct payload *out,
				   struct arena *a, struct error *err);

/**
 * Reads one carrier scan as POST /api/v1/shipments/{id}/events takes it:
 * status (a word order_shipment_state knows, or any other, which moves
 * nothing), at, location, description and the carrier's new eta (0: none).
 * E_INVALID_JSON or E_INVALID naming the field, as the order document's scans.
 */
enum err_code payload_scan(const char *body, size_t len, struct shipment_scan *scan, int64_t *eta,
			   struct arena *a, struct error *err);

/**
 * Converts a decimal amount as platforms write it ("12.50", "1200", "0.5") into
 * minor units of `currency` (2 decimals; 0 for JPY, KRW and the other
 * zero-decimal currencies; 3 for BHD, KWD, ...). Returns 0 on a malformed,
 * negative or too large amount, or more decimals than the currency has.
 */
int payload_money(const char *amount, const char *currency, int64_t *minor);

/** The ISO 4217 decimals of `currency` (2, 0 for JPY, 3 for KWD), or -1 when it is not a code. */
int payload_currency_exponent(const char *currency);

#endif
