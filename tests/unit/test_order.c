/*
 * test_order.c - orders/order.c: the thirteen states and their names, which
 * moves are allowed, what platform and carrier facts make of an order and a
 * shipment, when a shipment is late, what a shopper hears about, and the
 * self-service rules.
 */
#include "orders/order.h"
#include "unit.h"

#define NOW  ((int64_t)1700000000 * 1000000)
#define HOUR ((int64_t)3600 * 1000000)
#define DAY  (24 * HOUR)

static void test_names(void)
{
	static const char *const want[] = {
		"ordered",	    "confirmed",	"packed",  "shipped",	"in_transit",
		"out_for_delivery", "delivered",	"delayed", "exception", "cancelled",
		"refunded",	    "return_requested", "returned"};
	enum order_state s;

	CHECK(ORDER_STATE_COUNT == sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < ORDER_STATE_COUNT; i++) {
		CHECK_STR(order_state_name((enum order_state)i), want[i]);
		CHECK(order_state_parse(want[i], &s) && s == (enum order_state)i);
	}
	s = ORDER_PACKED;
	CHECK(!order_state_parse("Shipped", &s) && s == ORDER_PACKED);
	CHECK(!order_state_parse("", &s) && !order_state_parse(NULL, &s));
	CHECK(!order_state_parse("in transit", &s));
}

/* Every pair of states, against the rules written out once more as a table. */
static void test_moves(void)
{
	enum { O, C, P, S, T, F, D, L, X, K, R, Q, B };
	/* rows: from; columns: to, in enum order */
	static const char *const allowed[] = {
		/*        OCPSTFDLXKRQB */
		/* O */ "1111111001100",
		/* C */ "0111111001100",
		/* P */ "0011111001100",
		/* S */ "0001111111100",
		/* T */ "0000111111100",
		/* F */ "0000011111100",
		/* D */ "0000001010111",
		/* L */ "0001111111100",
		/* X */ "0001111111100",
		/* K */ "0000000001100",
		/* R */ "0000000000100",
		/* Q */ "0000000000111",
		/* B */ "0000000000101",
	};

	for (int from = 0; from < ORDER_STATE_COUNT; from++)
		for (int to = 0; to < ORDER_STATE_COUNT; to++) {
			int got = order_move_allowed((enum order_state)from, (enum order_state)to);

			if (got != (allowed[from][to] == '1')) {
				fprintf(stderr, "move %s -> %s: got %d\n",
					order_state_name((enum order_state)from),
					order_state_name((enum order_state)to), got);
				CHECK(0);
			}
		}
}

static void test_shipment_words(void)
{
	static const struct {
		enum order_state from;
		const char *word;
		enum order_state want;
	} cases[] = {
		{ORDER_ORDERED, "label_printed", ORDER_PACKED},
		{ORDER_PACKED, "confirmed", ORDER_SHIPPED},
		{ORDER_SHIPPED, "in_transit", ORDER_IN_TRANSIT},
		{ORDER_SHIPPED, "In Transit", ORDER_IN_TRANSIT},
		{ORDER_SHIPPED, "IN-TRANSIT", ORDER_IN_TRANSIT},
		{ORDER_IN_TRANSIT, "out_for_delivery", ORDER_OUT_FOR_DELIVERY},
		{ORDER_IN_TRANSIT, "ready_for_pickup", ORDER_OUT_FOR_DELIVERY},
		{ORDER_OUT_FOR_DELIVERY, "attempted_delivery", ORDER_EXCEPTION},
		{ORDER_EXCEPTION, "out_for_delivery", ORDER_OUT_FOR_DELIVERY},
		{ORDER_OUT_FOR_DELIVERY, "delivered", ORDER_DELIVERED},
		{ORDER_IN_TRANSIT, "failure", ORDER_EXCEPTION},
		{ORDER_IN_TRANSIT, "lost", ORDER_EXCEPTION},
		{ORDER_IN_TRANSIT, "delayed", ORDER_DELAYED},
		{ORDER_DELAYED, "in_transit", ORDER_IN_TRANSIT},
		{ORDER_DELIVERED, "returned_to_sender", ORDER_EXCEPTION},
		{ORDER_PACKED, "success", ORDER_SHIPPED},
		{ORDER_ORDERED, "picked_up", ORDER_SHIPPED},
		/* a stale scan never moves it back */
		{ORDER_DELIVERED, "in_transit", ORDER_DELIVERED},
		{ORDER_OUT_FOR_DELIVERY, "label_printed", ORDER_OUT_FOR_DELIVERY},
		{ORDER_OUT_FOR_DELIVERY, "confirmed", ORDER_OUT_FOR_DELIVERY},
		/* unknown words and nothing leave it */
		{ORDER_IN_TRANSIT, "teleported", ORDER_IN_TRANSIT},
		{ORDER_IN_TRANSIT, "", ORDER_IN_TRANSIT},
		{ORDER_IN_TRANSIT, NULL, ORDER_IN_TRANSIT},
		{ORDER_IN_TRANSIT, "in_transit_", ORDER_IN_TRANSIT},
		/* deskd's own names are words too */
		{ORDER_SHIPPED, "out_for_delivery", ORDER_OUT_FOR_DELIVERY},
		{ORDER_SHIPPED, "cancelled", ORDER_CANCELLED},
		{ORDER_CANCELLED, "delivered", ORDER_CANCELLED},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum order_state got = order_shipment_state(cases[i].from, cases[i].word);

		if (got != cases[i].want) {
			fprintf(stderr, "%s + '%s': got %s, want %s\n",
				order_state_name(cases[i].from),
				cases[i].word ? cases[i].word : "(null)", order_state_name(got),
				order_state_name(cases[i].want));
			CHECK(0);
		}
	}
}

static struct order order_with(enum order_state state, const char *financial,
			       const char *fulfillment)
{
	return (struct order){.id = 1,
			      .external_id = "820982911946154508",
			      .number = "#1042",
			      .currency = "EUR",
			      .total_minor = 4990,
			      .state = state,
			      .financial_status = financial,
			      .fulfillment_status = fulfillment,
			      .placed_at = NOW - 2 * HOUR,
			      .updated_at = NOW - HOUR};
}

static void test_decide_from_platform_words(void)
{
	struct order o = order_with(ORDER_ORDERED, "pending", NULL);

	CHECK(order_decide_state(&o) == ORDER_ORDERED);
	o.financial_status = "paid";
	CHECK(order_decide_state(&o) == ORDER_CONFIRMED);
	o.financial_status = "authorized";
	CHECK(order_decide_state(&o) == ORDER_CONFIRMED);
	/* WooCommerce says it in one word */
	o = order_with(ORDER_ORDERED, "processing", NULL);
	CHECK(order_decide_state(&o) == ORDER_CONFIRMED);
	o = order_with(ORDER_CONFIRMED, "paid", "partial");
	CHECK(order_decide_state(&o) == ORDER_PACKED);
	o = order_with(ORDER_CONFIRMED, "paid", "fulfilled");
	CHECK(order_decide_state(&o) == ORDER_SHIPPED);
	/* a stale orders/updated (still unpaid) after shipping moves nothing back */
	o = order_with(ORDER_SHIPPED, "pending", NULL);
	CHECK(order_decide_state(&o) == ORDER_SHIPPED);
}

static void test_decide_cancel_and_refund(void)
{
	struct order o = order_with(ORDER_CONFIRMED, "paid", NULL);

	o.cancelled_at = NOW;
	CHECK(order_decide_state(&o) == ORDER_CANCELLED);
	o.refunded_minor = 4990;
	CHECK(order_decide_state(&o) == ORDER_REFUNDED);
	/* a partial refund is a refund too (issue 9: full or partial) */
	o = order_with(ORDER_DELIVERED, "partially_refunded", "fulfilled");
	o.refunded_minor = 1000;
	CHECK(order_decide_state(&o) == ORDER_REFUNDED);
	/* a delivered order is not cancelled after the fact */
	o = order_with(ORDER_DELIVERED, "paid", "fulfilled");
	o.cancelled_at = NOW;
	CHECK(order_decide_state(&o) == ORDER_DELIVERED);
	/* deskd's own return states stay until the refund */
	o = order_with(ORDER_RETURN_REQUESTED, "paid", "fulfilled");
	CHECK(order_decide_state(&o) == ORDER_RETURN_REQUESTED);
	o.state = ORDER_RETURNED;
	CHECK(order_decide_state(&o) == ORDER_RETURNED);
	o.refunded_minor = 4990;
	CHECK(order_decide_state(&o) == ORDER_REFUNDED);
}

static void test_decide_from_shipments(void)
{
	struct shipment sh[3] = {{.state = ORDER_DELIVERED},
				 {.state = ORDER_IN_TRANSIT},
				 {.state = ORDER_CANCELLED}};
	struct order o = order_with(ORDER_SHIPPED, "paid", "partial");

	o.shipments = sh;
	o.n_shipments = 3;
	/* as far as the slowest parcel; a cancelled fulfillment ships nothing */
	CHECK(order_decide_state(&o) == ORDER_IN_TRANSIT);
	sh[1].state = ORDER_OUT_FOR_DELIVERY;
	o.state = ORDER_IN_TRANSIT;
	CHECK(order_decide_state(&o) == ORDER_OUT_FOR_DELIVERY);
	sh[1].state = ORDER_DELIVERED;
	o.state = ORDER_OUT_FOR_DELIVERY;
	CHECK(order_decide_state(&o) == ORDER_DELIVERED);
	/* one parcel in trouble is the order's trouble, whatever the others do */
	sh[0].state = ORDER_DELAYED;
	o.state = ORDER_IN_TRANSIT;
	CHECK(order_decide_state(&o) == ORDER_DELAYED);
	sh[1].state = ORDER_EXCEPTION;
	CHECK(order_decide_state(&o) == ORDER_EXCEPTION);
	/* a fulfillment that said nothing yet means packed */
	sh[0].state = ORDER_ORDERED;
	sh[1].state = ORDER_ORDERED;
	o.state = ORDER_CONFIRMED;
	CHECK(order_decide_state(&o) == ORDER_PACKED);
	/* only cancelled fulfillments: the platform's words decide */
	sh[0].state = sh[1].state = ORDER_CANCELLED;
	o.fulfillment_status = NULL;
	CHECK(order_decide_state(&o) == ORDER_CONFIRMED);
}

static void test_late(void)
{
	struct shipment s = {.state = ORDER_IN_TRANSIT, .eta = NOW};

	CHECK(!order_shipment_late(&s, NOW));
	CHECK(order_shipment_late(&s, NOW + 1));
	s.state = ORDER_OUT_FOR_DELIVERY;
	CHECK(order_shipment_late(&s, NOW + DAY));
	s.state = ORDER_SHIPPED;
	CHECK(order_shipment_late(&s, NOW + DAY));
	s.state = ORDER_DELIVERED;
	CHECK(!order_shipment_late(&s, NOW + DAY));
	s.state = ORDER_DELAYED; /* already said */
	CHECK(!order_shipment_late(&s, NOW + DAY));
	s.state = ORDER_IN_TRANSIT;
	s.eta = 0; /* no ETA, never late */
	CHECK(!order_shipment_late(&s, NOW + 100 * DAY));
}

static void test_notifies(void)
{
	static const char news[] = "0001011111100";

	for (int i = 0; i < ORDER_STATE_COUNT; i++)
		if (order_state_notifies((enum order_state)i) != (news[i] == '1')) {
			fprintf(stderr, "notifies %s\n", order_state_name((enum order_state)i));
			CHECK(0);
		}
}

static void test_may_cancel(void)
{
	struct order_policy p = {.cancel_window_hours = 24, .return_window_days = 30};
	struct order o = order_with(ORDER_CONFIRMED, "paid", NULL);
	struct shipment sh = {.state = ORDER_PACKED};

	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_ALLOWED);
	CHECK(order_may_cancel(&o, &p, o.placed_at + 24 * HOUR) == ORDER_ALLOWED);
	CHECK(order_may_cancel(&o, &p, o.placed_at + 24 * HOUR + 1) == ORDER_REFUSED_CANCEL_WINDOW);
	o.state = ORDER_ORDERED;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_ALLOWED);
	o.state = ORDER_PACKED;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_REFUSED_SHIPPED);
	o.state = ORDER_DELAYED;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_REFUSED_SHIPPED);
	/* a packed parcel of a still-confirmed order is on its way out */
	o.state = ORDER_CONFIRMED;
	o.shipments = &sh;
	o.n_shipments = 1;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_REFUSED_SHIPPED);
	o.n_shipments = 0;
	o.state = ORDER_CANCELLED;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_REFUSED_CLOSED);
	o.state = ORDER_CONFIRMED;
	p.cancel_window_hours = 0;
	CHECK(order_may_cancel(&o, &p, NOW) == ORDER_REFUSED_DISABLED);
	CHECK_STR(order_refusal_name(ORDER_REFUSED_CANCEL_WINDOW), "cancel_window_passed");
}

static void test_may_return(void)
{
	struct order_policy p = {.cancel_window_hours = 24, .return_window_days = 30};
	struct shipment sh[2] = {{.state = ORDER_DELIVERED, .delivered_at = NOW - 40 * DAY},
				 {.state = ORDER_DELIVERED, .delivered_at = NOW - 10 * DAY}};
	struct order o = order_with(ORDER_DELIVERED, "paid", "fulfilled");

	o.shipments = sh;
	o.n_shipments = 2;
	/* the window runs from the last parcel's delivery */
	CHECK(order_may_return(&o, &p, NOW) == ORDER_ALLOWED);
	CHECK(order_may_return(&o, &p, NOW + 20 * DAY) == ORDER_ALLOWED);
	CHECK(order_may_return(&o, &p, NOW + 20 * DAY + 1) == ORDER_REFUSED_RETURN_WINDOW);
	o.state = ORDER_IN_TRANSIT;
	CHECK(order_may_return(&o, &p, NOW) == ORDER_REFUSED_NOT_DELIVERED);
	o.state = ORDER_RETURN_REQUESTED;
	CHECK(order_may_return(&o, &p, NOW) == ORDER_REFUSED_CLOSED);
	o.state = ORDER_REFUNDED;
	CHECK(order_may_return(&o, &p, NOW) == ORDER_REFUSED_CLOSED);
	/* delivered with no time from the carrier: from the order's last change */
	o.state = ORDER_DELIVERED;
	o.n_shipments = 0;
	o.updated_at = NOW - 31 * DAY;
	CHECK(order_may_return(&o, &p, NOW) == ORDER_REFUSED_RETURN_WINDOW);
	p.return_window_days = 0;
	CHECK(order_may_return(&o, &p, NOW) == ORDER_REFUSED_DISABLED);
}

UNIT_MAIN(UNIT_TEST(test_names), UNIT_TEST(test_moves), UNIT_TEST(test_shipment_words),
	  UNIT_TEST(test_decide_from_platform_words), UNIT_TEST(test_decide_cancel_and_refund),
	  UNIT_TEST(test_decide_from_shipments), UNIT_TEST(test_late), UNIT_TEST(test_notifies),
	  UNIT_TEST(test_may_cancel), UNIT_TEST(test_may_return))
