/*
 * order.c - the state machine of orders and shipments (order.h).
 */
#include "orders/order.h"

#include <string.h>

static const char *const state_names[ORDER_STATE_COUNT] = {
	[ORDER_ORDERED] = "ordered",	   [ORDER_CONFIRMED] = "confirmed",
	[ORDER_PACKED] = "packed",	   [ORDER_SHIPPED] = "shipped",
	[ORDER_IN_TRANSIT] = "in_transit", [ORDER_OUT_FOR_DELIVERY] = "out_for_delivery",
	[ORDER_DELIVERED] = "delivered",   [ORDER_DELAYED] = "delayed",
	[ORDER_EXCEPTION] = "exception",   [ORDER_CANCELLED] = "cancelled",
	[ORDER_REFUNDED] = "refunded",	   [ORDER_RETURN_REQUESTED] = "return_requested",
	[ORDER_RETURNED] = "returned",
};

const char *order_state_name(enum order_state s)
{
	return (unsigned)s < ORDER_STATE_COUNT ? state_names[s] : "ordered";
}

int order_state_parse(const char *name, enum order_state *out)
{
	for (int i = 0; name && i < ORDER_STATE_COUNT; i++)
		if (!strcmp(name, state_names[i])) {
			*out = (enum order_state)i;
			return 1;
		}
	return 0;
}

/* Where a state sits on the way to the shopper; 0 for those off that road. */
static int progress(enum order_state s)
{
	switch (s) {
	case ORDER_ORDERED:
		return 1;
	case ORDER_CONFIRMED:
		return 2;
	case ORDER_PACKED:
		return 3;
	case ORDER_SHIPPED:
		return 4;
	case ORDER_IN_TRANSIT:
		return 5;
	case ORDER_OUT_FOR_DELIVERY:
		return 6;
	case ORDER_DELIVERED:
		return 7;
	default:
		return 0;
	}
}

/* On its way: what a carrier can still delay or lose. */
static int shipping(enum order_state s)
{
	return s == ORDER_SHIPPED || s == ORDER_IN_TRANSIT || s == ORDER_OUT_FOR_DELIVERY ||
	       s == ORDER_DELAYED || s == ORDER_EXCEPTION;
}

int order_move_allowed(enum order_state from, enum order_state to)
{
	if (from == to)
		return 1;
	switch (to) {
	case ORDER_REFUNDED:
		return 1;
	case ORDER_CANCELLED:
		return from != ORDER_REFUNDED && from != ORDER_RETURNED &&
		       from != ORDER_RETURN_REQUESTED && from != ORDER_DELIVERED;
	case ORDER_DELAYED:
	case ORDER_EXCEPTION:
		/* a delivered parcel can still come back: returned to sender */
		return shipping(from) || (to == ORDER_EXCEPTION && from == ORDER_DELIVERED);
	case ORDER_RETURN_REQUESTED:
		return from == ORDER_DELIVERED;
	case ORDER_RETURNED:
		return from == ORDER_RETURN_REQUESTED || from == ORDER_DELIVERED;
	default:
		break;
	}
	/* back on the road after a delay or a failed attempt, but never backwards */
	if (from == ORDER_DELAYED || from == ORDER_EXCEPTION)
		return progress(to) >= progress(ORDER_SHIPPED);
	return progress(from) && progress(to) > progress(from);
}

/* A platform's or carrier's word, folded: "Out For Delivery", "out-for-delivery". */
static int word_is(const char *word, const char *want)
{
	for (; *want; word++, want++) {
		char c = *word;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == '-' || c == ' ')
			c = '_';
		if (c != *want)
			return 0;
	}
	return !*word;
}

enum order_state order_shipment_state(enum order_state current, const char *status)
{
	static const struct {
		const char *word;
		enum order_state state;
	} words[] = {
		/* Shopify's shipment_status */
		{"label_printed", ORDER_PACKED},
		{"label_purchased", ORDER_PACKED},
		{"confirmed", ORDER_SHIPPED},
		{"in_transit", ORDER_IN_TRANSIT},
		{"out_for_delivery", ORDER_OUT_FOR_DELIVERY},
		{"attempted_delivery", ORDER_EXCEPTION},
		{"ready_for_pickup", ORDER_OUT_FOR_DELIVERY},
		{"delivered", ORDER_DELIVERED},
		{"failure", ORDER_EXCEPTION},
		/* Shopify's fulfillment status */
		{"open", ORDER_PACKED},
		{"success", ORDER_SHIPPED},
		/* carrier APIs */
		{"pending", ORDER_PACKED},
		{"info_received", ORDER_PACKED},
		{"picked_up", ORDER_SHIPPED},
		{"shipped", ORDER_SHIPPED},
		{"transit", ORDER_IN_TRANSIT},
		{"available_for_pickup", ORDER_OUT_FOR_DELIVERY},
		{"delayed", ORDER_DELAYED},
		{"exception", ORDER_EXCEPTION},
		{"failed_attempt", ORDER_EXCEPTION},
		{"lost", ORDER_EXCEPTION},
		{"damaged", ORDER_EXCEPTION},
		{"returned_to_sender", ORDER_EXCEPTION},
		{"return_to_sender", ORDER_EXCEPTION},
		{"returned", ORDER_RETURNED},
	};
	enum order_state to = current;

	if (!status)
		return current;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_is(status, words[i].word)) {
			to = words[i].state;
			break;
		}
	if (to == current && !order_state_parse(status, &to))
		return current;
	return order_move_allowed(current, to) ? to : current;
}

/*
 * The order's place from its shipments: a problem with any parcel is the
 * order's problem; delivered only when every parcel is; otherwise it is as far
 * as its slowest parcel. 0 when no shipment says anything yet.
 */
static int from_shipments(const struct order *o, enum order_state *out)
{
	int exception = 0, delayed = 0, all_delivered = 1, n = 0;
	enum order_state slowest = ORDER_DELIVERED;

	for (int i = 0; i < o->n_shipments; i++) {
		enum order_state s = o->shipments[i].state;

		if (s == ORDER_CANCELLED || s == ORDER_REFUNDED)
			continue; /* a cancelled fulfillment ships nothing */
		n++;
		exception |= s == ORDER_EXCEPTION;
		delayed |= s == ORDER_DELAYED;
		all_delivered &= s == ORDER_DELIVERED || s == ORDER_RETURNED;
		if (progress(s) && progress(s) < progress(slowest))
			slowest = s;
	}
	if (!n)
		return 0;
	*out = exception				     ? ORDER_EXCEPTION
	       : delayed				     ? ORDER_DELAYED
	       : all_delivered				     ? ORDER_DELIVERED
	       : progress(slowest) >= progress(ORDER_PACKED) ? slowest
							     : ORDER_PACKED;
	return 1;
}

static int any_word(const char *word, const char *const *list)
{
	for (; word && *list; list++)
		if (word_is(word, *list))
			return 1;
	return 0;
}

enum order_state order_decide_state(const struct order *o)
{
	static const char *const paid[] = {
		"paid",	      "partially_paid", "authorized", "partially_refunded",
		"processing", "completed",	NULL};
	static const char *const packed[] = {"partial", "packed",    "in_progress",
					     "open",	"scheduled", NULL};
	static const char *const sent[] = {"fulfilled", "shipped", "completed", NULL};
	enum order_state cur = o->state, to = cur;

	if (o->refunded_minor > 0)
		to = ORDER_REFUNDED;
	else if (o->cancelled_at)
		to = ORDER_CANCELLED;
	else if (cur == ORDER_RETURN_REQUESTED || cur == ORDER_RETURNED)
		return cur; /* deskd's own, until a refund closes it */
	else if (!from_shipments(o, &to)) {
		if (any_word(o->fulfillment_status, sent))
			to = ORDER_SHIPPED;
		else if (any_word(o->fulfillment_status, packed))
			to = ORDER_PACKED;
		else if (any_word(o->financial_status, paid))
			to = ORDER_CONFIRMED;
		else
			to = ORDER_ORDERED;
	}
	/* a fact that would move it back (a stale status) leaves it where it is */
	return order_move_allowed(cur, to) ? to : cur;
}

int order_shipment_late(const struct shipment *s, int64_t now)
{
	return s->eta && now > s->eta &&
	       (s->state == ORDER_SHIPPED || s->state == ORDER_IN_TRANSIT ||
		s->state == ORDER_OUT_FOR_DELIVERY);
}

int order_state_notifies(enum order_state s)
{
	return s == ORDER_SHIPPED || s == ORDER_OUT_FOR_DELIVERY || s == ORDER_DELIVERED ||
	       s == ORDER_DELAYED || s == ORDER_EXCEPTION || s == ORDER_REFUNDED ||
	       s == ORDER_CANCELLED;
}

static int closed(enum order_state s)
{
	return s == ORDER_CANCELLED || s == ORDER_REFUNDED || s == ORDER_RETURN_REQUESTED ||
	       s == ORDER_RETURNED;
}

#define HOUR_US ((int64_t)3600 * 1000000)

enum order_refusal order_may_cancel(const struct order *o, const struct order_policy *p,
				    int64_t now)
{
	if (p->cancel_window_hours <= 0)
		return ORDER_REFUSED_DISABLED;
	if (closed(o->state))
		return ORDER_REFUSED_CLOSED;
	if (progress(o->state) >= progress(ORDER_PACKED) || shipping(o->state))
		return ORDER_REFUSED_SHIPPED;
	for (int i = 0; i < o->n_shipments; i++)
		if (progress(o->shipments[i].state) >= progress(ORDER_PACKED) ||
		    shipping(o->shipments[i].state))
			return ORDER_REFUSED_SHIPPED;
	if (now - o->placed_at > (int64_t)p->cancel_window_hours * HOUR_US)
		return ORDER_REFUSED_CANCEL_WINDOW;
	return ORDER_ALLOWED;
}

enum order_refusal order_may_return(const struct order *o, const struct order_policy *p,
				    int64_t now)
{
	int64_t delivered = 0;

	if (p->return_window_days <= 0)
		return ORDER_REFUSED_DISABLED;
	if (closed(o->state))
		return ORDER_REFUSED_CLOSED;
	if (o->state != ORDER_DELIVERED)
		return ORDER_REFUSED_NOT_DELIVERED;
	for (int i = 0; i < o->n_shipments; i++)
		if (o->shipments[i].delivered_at > delivered)
			delivered = o->shipments[i].delivered_at;
	/* delivered without a time from the carrier: the order's last change is the best we know */
	if (!delivered)
		delivered = o->updated_at;
	if (now - delivered > (int64_t)p->return_window_days * 24 * HOUR_US)
		return ORDER_REFUSED_RETURN_WINDOW;
	return ORDER_ALLOWED;
}

const char *order_refusal_name(enum order_refusal r)
{
	switch (r) {
	case ORDER_ALLOWED:
		return "allowed";
	case ORDER_REFUSED_SHIPPED:
		return "already_shipped";
	case ORDER_REFUSED_CANCEL_WINDOW:
		return "cancel_window_passed";
	case ORDER_REFUSED_NOT_DELIVERED:
		return "not_delivered";
	case ORDER_REFUSED_RETURN_WINDOW:
		return "return_window_passed";
	case ORDER_REFUSED_CLOSED:
		return "closed";
	case ORDER_REFUSED_DISABLED:
		return "not_offered";
	}
	return "refused";
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b)) || (!a && !*b) || (!b && !*a);
}

static int same_item(const struct order_item *a, const struct order_item *b)
{
	return same_str(a->external_id, b->external_id) && same_str(a->sku, b->sku) &&
	       same_str(a->name, b->name) && same_str(a->variant, b->variant) &&
	       a->quantity == b->quantity && a->price_minor == b->price_minor;
}

static int same_shipment(const struct shipment *a, const struct shipment *b)
{
	return same_str(a->external_id, b->external_id) && same_str(a->carrier, b->carrier) &&
	       same_str(a->tracking_number, b->tracking_number) &&
	       same_str(a->tracking_url, b->tracking_url) &&
	       same_str(a->platform_status, b->platform_status) && a->state == b->state &&
	       a->eta == b->eta && a->shipped_at == b->shipped_at &&
	       a->delivered_at == b->delivered_at;
}

int order_same(const struct order *a, const struct order *b)
{
	if (!same_str(a->external_id, b->external_id) || !same_str(a->number, b->number) ||
	    !same_str(a->email, b->email) || !same_str(a->phone, b->phone) ||
	    !same_str(a->customer_external_id, b->customer_external_id) ||
	    !same_str(a->customer_name, b->customer_name) || !same_str(a->currency, b->currency) ||
	    !same_str(a->financial_status, b->financial_status) ||
	    !same_str(a->fulfillment_status, b->fulfillment_status) ||
	    a->customer_id != b->customer_id || a->total_minor != b->total_minor ||
	    a->refunded_minor != b->refunded_minor || a->placed_at != b->placed_at ||
	    a->updated_at != b->updated_at || a->cancelled_at != b->cancelled_at ||
	    a->state != b->state || a->n_items != b->n_items || a->n_shipments != b->n_shipments)
		return 0;
	for (int i = 0; i < a->n_items; i++)
		if (!same_item(&a->items[i], &b->items[i]))
			return 0;
	for (int i = 0; i < a->n_shipments; i++)
		if (!same_shipment(&a->shipments[i], &b->shipments[i]))
			return 0;
	return 1;
}
