/*
 * notify.h - what a shopper is told when their order changes, and when.
 *
 * For each state a shopper hears about (order_state_notifies: shipped, out for
 * delivery, delivered, delayed, exception, refunded, cancelled) there is a
 * default email subject, email body and SMS text in each language of the
 * tracking pages (en, ko, ja, tr), written with core/template.h placeholders:
 * {{customer.first_name}}, {{order.number}}, {{order.status}},
 * {{order.tracking_url}}, {{order.eta}}, {{order.total}}, {{shipment.carrier}},
 * {{shipment.tracking_number}}, {{store.name}}, {{unsubscribe_url}}. A store
 * may override any of the three texts.
 *
 * Pure: plain structs in, no SQL, no clock (the send time is passed in). Who
 * sends, and the UNIQUE column that makes each key go out once, are the
 * store's (docs/ARCHITECTURE.md, "Orders and WISMO").
 */
#ifndef ORDERS_NOTIFY_H
#define ORDERS_NOTIFY_H

#include "core/template.h"
#include "orders/order.h"
#include "orders/track.h"
#include "util/arena.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

enum notify_channel { NOTIFY_EMAIL, NOTIFY_SMS };

/** The channel's name as keys and the API spell it ("email", "sms"). */
const char *notify_channel_name(enum notify_channel c);

/* The three texts of one notification; any may be NULL in a store's override. */
struct notify_template {
	const char *subject, *body; /* the email */
	const char *sms;
};

/**
 * The texts to send for reaching state `s`: each of `store`'s texts that is
 * set and not empty (store may be NULL), else the default in language `lang`
 * ("ko", "ja-JP"; NULL or unsupported: English). *used (may be NULL) gets the
 * language of the defaults, in which the values are to be filled. Returns 0,
 * or -1 and leaves *out alone when a shopper does not hear about `s`.
 */
int notify_template_pick(enum order_state s, const char *lang, const struct notify_template *store,
			 struct notify_template *out, enum track_lang *used);

/* What a notification is about. */
struct notify_facts {
	const struct order *order;
	const struct shipment *shipment; /* the one that changed; NULL: the order's own change */
	enum order_state state;		 /* the state reached */
	const char *store_name;
	const char *tracking_url;    /* the order's tracking page; NULL: the carrier's link */
	const char *unsubscribe_url; /* may be NULL */
	int utc_offset_min;	     /* the shopper's, for the ETA's local time; beyond 14 h: UTC */
};

/* How many values notify_values fills. */
#define NOTIFY_VARS 10

/**
 * Fills `vars` with the value of each placeholder for `f` in language `l`:
 * the state's label (track_state_label), the ETA as the language writes a
 * date (track_date, in the shopper's time), the total as it writes money
 * (track_money). Carrier, tracking number, link and ETA come from f->shipment,
 * else from the order's first shipment that has a tracking number, else its
 * first; unknown ones are empty. Strings that need storage live in `a`.
 * Returns NOTIFY_VARS.
 */
size_t notify_values(const struct notify_facts *f, enum track_lang l,
		     struct template_var vars[NOTIFY_VARS], struct arena *a);

/* A store's quiet hours: no message starts from `start` until `end`, minutes of
 * the shopper's local day (0-1439). start > end wraps midnight (22:00-08:00);
 * start == end, or a minute out of range, is no quiet window. */
struct notify_quiet {
	int start, end;
};

/* An offset nobody has: the shopper's offset is not known. */
#define NOTIFY_OFFSET_UNKNOWN INT_MIN

/**
 * When to send a message due at `now` (microseconds since the epoch): `now`
 * outside the quiet window `q` (NULL: none), else the window's end, in the
 * shopper's local time: UTC plus `customer_offset_min`, or plus
 * `store_offset_min` when that is NOTIFY_OFFSET_UNKNOWN (an offset beyond
 * 14 hours either way, such as both unknown, counts as UTC). The start minute
 * is quiet, the end minute is not.
 */
int64_t notify_send_at(int64_t now, const struct notify_quiet *q, int customer_offset_min,
		       int store_offset_min);

/* The longest dedup key, with its NUL. */
#define NOTIFY_KEY_MAX 64

/**
 * The key that says "this shipment (or, when shipment_id is 0, this order)
 * reached state `s` and was told on channel `c`": "shipment:7:delivered:sms",
 * "order:42:refunded:email". A UNIQUE column of these sends each once.
 * Returns `out`.
 */
char *notify_dedup_key(char out[NOTIFY_KEY_MAX], int64_t order_id, int64_t shipment_id,
		       enum order_state s, enum notify_channel c);

#endif
