/*
 * wismo.h - what deskd does with a "where is my order?" (WISMO) message, and
 * the answer it gives. Per store: `off`, `suggest` (the agent sees a ready
 * answer with the order's live status) or `auto` (deskd sends that answer and
 * the ticket waits on the customer; a reply from them reopens it for a person).
 * Pure: plain structs in, a decision or a plain-text answer out.
 */
#ifndef ORDERS_WISMO_H
#define ORDERS_WISMO_H

#include "orders/order.h"
#include "orders/track.h"

#include <stdint.h>

enum wismo_mode { WISMO_OFF, WISMO_SUGGEST, WISMO_AUTO };

/** The mode named "off", "suggest" or "auto"; 0 and *out untouched for anything else. */
int wismo_mode_parse(const char *name, enum wismo_mode *out);
const char *wismo_mode_name(enum wismo_mode m);

enum wismo_action {
	WISMO_NONE,	  /* nothing automatic: a person answers */
	WISMO_ANSWER,	  /* send the order's status */
	WISMO_ASK_NUMBER, /* no order is known: ask which one */
};

/* What a ticket's new customer message and its past say, for wismo_decide. */
struct wismo_ticket {
	int wismo;		   /* the message asks where an order is */
	int has_order;		   /* the ticket is linked to one of the customer's orders */
	enum order_state state;	   /* that order's state */
	int answered;		   /* deskd sent the ticket a status answer before */
	int asked;		   /* deskd asked the ticket for its order number before */
	int automated;		   /* the message came from a machine (Auto-Submitted, a list) */
};

/**
 * What `auto` does with a customer's message: answer once per ticket, never a
 * machine, never twice (a customer who writes again after the answer wants a
 * person). A WISMO question with no order known gets one question for the
 * number; the reply that names an order then gets the status, WISMO words or
 * not. An order in trouble (exception) or cancelled, refunded or being
 * returned is a person's to explain: no automatic answer. `off` and `suggest`
 * never act.
 */
enum wismo_action wismo_decide(enum wismo_mode mode, const struct wismo_ticket *t);

/* What the answer says. */
struct wismo_answer {
	enum track_lang lang;
	const char *customer_name; /* may be NULL or empty: a greeting without a name */
	const char *store_name;	   /* signs the answer; may be NULL */
	const struct order *order; /* NULL: the answer asks for the order number */
	const char *track_url;	   /* the order's tracking page; may be NULL */
};

/**
 * The answer in the customer's language, plain text (malloc'd): a greeting
 * (the given name in English and Turkish; the whole name with 님 or 様 in
 * Korean and Japanese), the order's number and state in a sentence, when it
 * is expected or was delivered, each shipment's carrier, tracking number and
 * link (http(s) only), the tracking page, and how to reach a person. Without
 * an order, a request for its number.
 */
char *wismo_answer_text(const struct wismo_answer *a);

#endif
