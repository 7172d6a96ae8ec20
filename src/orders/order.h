/*
 * order.h - an online store's orders and shipments, and the rules of their life:
 * which of the thirteen states the platform's facts put an order or a shipment
 * in, which moves are allowed, when a shipment is late, which states a shopper
 * hears about, and when self-service may cancel or return. Pure functions over
 * plain structs whose strings live in the caller's arena; no SQL, no HTTP, no
 * clock (`now` is passed in, in microseconds since the epoch like every time in
 * deskd). The store calls them in the transaction that writes what they decided
 * and the event (docs/ARCHITECTURE.md, "Orders and WISMO").
 */
#ifndef ORDERS_ORDER_H
#define ORDERS_ORDER_H

#include <stdint.h>

/* The states of an order and of a shipment, and no others (issue 9, section 3). */
enum order_state {
	ORDER_ORDERED,
	ORDER_CONFIRMED, /* paid */
	ORDER_PACKED,
	ORDER_SHIPPED,
	ORDER_IN_TRANSIT,
	ORDER_OUT_FOR_DELIVERY,
	ORDER_DELIVERED,
	ORDER_DELAYED,	 /* the ETA passed, or the carrier says so */
	ORDER_EXCEPTION, /* a failed attempt, lost, returned to sender */
	ORDER_CANCELLED,
	ORDER_REFUNDED, /* in full or in part */
	ORDER_RETURN_REQUESTED,
	ORDER_RETURNED,
	ORDER_STATE_COUNT
};

/** The state's name as the API and the events spell it ("in_transit"). */
const char *order_state_name(enum order_state s);

/** The state named `name`; returns 0 and leaves *out alone for an unknown name. */
int order_state_parse(const char *name, enum order_state *out);

struct order_item {
	const char *external_id, *sku, *name, *variant; /* may be NULL */
	int64_t quantity;
	int64_t price_minor; /* unit price in the currency's minor unit (cents; yen) */
};

/* A carrier scan: where a shipment was seen, and what the carrier said. */
struct shipment_scan {
	const char *status; /* the carrier's or platform's word ("in_transit", "failure") */
	const char *location, *description; /* may be NULL */
	int64_t at;
};

struct shipment {
	int64_t id, order_id;						    /* 0 until stored */
	const char *external_id, *carrier, *tracking_number, *tracking_url; /* may be NULL */
	const char *platform_status; /* the platform's own word, kept for display; may be NULL */
	enum order_state state;
	int64_t eta, shipped_at, delivered_at; /* 0: unknown */
	int64_t created_at, updated_at;
	struct shipment_scan *scans; /* oldest first, as the store reads them; may be none */
	int n_scans;
};

/*
 * An order as the store's platform describes it, and as deskd keeps it.
 * The platform's own words (financial_status, fulfillment_status) are kept for
 * display; `state` is deskd's, decided by order_decide_state.
 */
struct order {
	int64_t id, store_id, customer_id; /* 0 until stored */
	const char *external_id;	   /* the platform's id: Shopify's numeric id, Woo's */
	const char *number;		   /* what the shopper sees: "#1042", "1042" */
	const char *email, *phone, *customer_external_id, *customer_name; /* may be NULL */
	const char *currency;						  /* ISO 4217 */
	int64_t total_minor, refunded_minor;
	const char *financial_status, *fulfillment_status; /* may be NULL */
	int64_t placed_at, updated_at;			   /* the platform's times */
	int64_t recorded_at, changed_at; /* deskd's: first stored, last changed */
	int64_t cancelled_at;				   /* 0: not cancelled */
	enum order_state state;
	struct order_item *items;
	int n_items;
	struct shipment *shipments;
	int n_shipments;
};

/**
 * The state the facts of `o` (its platform statuses, cancellation, refunds and
 * its shipments' states) put it in, starting from `o->state`, where it is now.
 * Cancelled and refunded win; then the shipments (any exception, else any
 * delay, else all delivered, else the least advanced of out for delivery, in
 * transit, shipped); then fulfillment (packed) and payment (confirmed). A state
 * deskd itself set that the platform does not know (return_requested,
 * returned) stays until a later fact (a refund) moves it on.
 */
enum order_state order_decide_state(const struct order *o);

/**
 * The state a carrier or platform word puts a shipment in, given where it is
 * now: Shopify's shipment_status values (label_printed, label_purchased,
 * confirmed, in_transit, out_for_delivery, attempted_delivery,
 * ready_for_pickup, delivered, failure), deskd's own state names, and the
 * common words of carrier APIs ("picked_up", "returned_to_sender", "lost").
 * An unknown word leaves the state where it is.
 */
enum order_state order_shipment_state(enum order_state current, const char *status);

/**
 * Whether an order or a shipment may move from `from` to `to`. Forward along
 * ordered, confirmed, packed, shipped, in transit, out for delivery, delivered;
 * delayed and exception from and back to any shipping state; cancelled before
 * delivery; refunded from anywhere but itself; return_requested after delivery,
 * then returned. Staying is allowed (and is no change).
 */
int order_move_allowed(enum order_state from, enum order_state to);

/**
 * Whether two orders say the same facts: every field the platform gives, the
 * state, the customer, each item and each shipment (in order). deskd's own
 * ids and times are not compared. A write of the same order again (a re-run
 * import, a redelivered webhook) then changes nothing.
 */
int order_same(const struct order *a, const struct order *b);

/** Whether a shipment in transit with an ETA of s->eta is late at `now`. */
int order_shipment_late(const struct shipment *s, int64_t now);

/**
 * Whether reaching state `s` is news for the shopper: shipped, out for
 * delivery, delivered, delayed, exception, refunded, cancelled.
 */
int order_state_notifies(enum order_state s);

/* What a store allows shoppers to do themselves. */
struct order_policy {
	int cancel_window_hours; /* after placed_at; 0: never */
	int return_window_days;	 /* after delivery; 0: never */
};

enum order_refusal {
	ORDER_ALLOWED,
	ORDER_REFUSED_SHIPPED,	     /* cancel: already packed or on its way */
	ORDER_REFUSED_CANCEL_WINDOW, /* cancel: placed too long ago */
	ORDER_REFUSED_NOT_DELIVERED, /* return: not delivered yet */
	ORDER_REFUSED_RETURN_WINDOW, /* return: delivered too long ago */
	ORDER_REFUSED_CLOSED,	     /* cancelled, refunded, or a return already asked */
	ORDER_REFUSED_DISABLED,	     /* the store does not offer it */
};

/** Whether the shopper may cancel `o` at `now` under `p`. */
enum order_refusal order_may_cancel(const struct order *o, const struct order_policy *p,
				    int64_t now);

/**
 * Whether the shopper may return or exchange `o` at `now` under `p`; the return
 * window runs from the latest delivery among its shipments.
 */
enum order_refusal order_may_return(const struct order *o, const struct order_policy *p,
				    int64_t now);

/** A stable machine-readable name for a refusal ("cancel_window_passed"). */
const char *order_refusal_name(enum order_refusal r);

#endif
