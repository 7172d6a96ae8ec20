/*
 * store.h - the typed data interface; the only door to the database.
 *
 * Every function takes the store, fills caller-provided structs whose strings
 * live in the caller's arena, and returns E_OK or an err_code with `err` filled.
 * Writes are durable when they return E_OK (see docs/ARCHITECTURE.md).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include "core/error.h"
#include "core/model.h"
#include "orders/payload.h"
#include "util/arena.h"

#include <jansson.h>
#include <stdint.h>

struct store;

/* --- lifecycle --- */

/**
 * Opens the database at `url` ("sqlite:PATH" or a libpq URI), applies pending
 * migrations and, for SQLite, starts the writer thread. Returns NULL with a
 * malloc'd message in *err.
 */
struct store *store_open(const char *url, char **err);
/**
 * Like store_open, for one short task in its own process (`deskd mailgate`):
 * no checkpointer thread, and closing does not move the SQLite WAL into the
 * database (the server does that) unless the WAL grew past 4 MiB.
 */
struct store *store_open_brief(const char *url, char **err);
void store_free(struct store *st);

/** Called (from the writing thread) after each commit; used to wake the job worker. */
void store_on_commit(struct store *st, void (*fn)(void *arg), void *arg);

/** E_OK when the database answers a trivial query. */
enum err_code store_ping(struct store *st, struct error *err);

/* --- users, tokens, sessions (store_users.c) --- */

enum err_code store_user_create(struct store *st, const char *email, const char *name,
				const char *role, const char *password_hash, struct user *out,
				struct arena *a, struct error *err);
enum err_code store_user_get(struct store *st, int64_t id, struct user *out, struct arena *a,
			     struct error *err);
/** Finds a user by (lower-case) email and also returns its password hash. */
enum err_code store_user_by_email(struct store *st, const char *email, struct user *out,
				  const char **password_hash, struct arena *a, struct error *err);
enum err_code store_user_list(struct store *st, user_list *out, struct arena *a,
			      struct error *err);
/** Changes the fields that are not NULL (active: -1 to keep). */
enum err_code store_user_update(struct store *st, int64_t id, const char *name, const char *role,
				int active, const char *password_hash, struct user *out,
				struct arena *a, struct error *err);

enum err_code store_token_create(struct store *st, int64_t user_id, const char *name,
				 const char *token_hash, struct token_info *out, struct arena *a,
				 struct error *err);
enum err_code store_token_list(struct store *st, token_list *out, struct arena *a,
			       struct error *err);
enum err_code store_token_revoke(struct store *st, int64_t id, struct error *err);
/** The active user owning the token with this hash; E_UNAUTHORIZED if none. */
enum err_code store_token_user(struct store *st, const char *token_hash, struct user *out,
			       struct arena *a, struct error *err);

enum err_code store_session_create(struct store *st, int64_t user_id, const char *session_hash,
				   const char *csrf, int64_t expires_at, struct error *err);
/** The active user of an unexpired session and its CSRF token. */
enum err_code store_session_user(struct store *st, const char *session_hash, struct user *out,
				 const char **csrf, struct arena *a, struct error *err);
enum err_code store_session_delete(struct store *st, const char *session_hash,
				   struct error *err);

/* --- customers (store_customers.c) --- */

enum err_code store_customer_create(struct store *st, int64_t actor_id, const char *name,
				    const struct identity *ids, int n_ids, struct customer *out,
				    struct arena *a, struct error *err);
enum err_code store_customer_get(struct store *st, int64_t id, struct customer *out,
				 struct arena *a, struct error *err);
/** Changes the name when not NULL and replaces the identities when ids is not NULL. */
enum err_code store_customer_update(struct store *st, int64_t actor_id, int64_t id,
				    const char *name, const struct identity *ids, int n_ids,
				    struct customer *out, struct arena *a, struct error *err);
/** Customers by id descending, after `before_id` (0: from the newest), optionally matching q. */
enum err_code store_customer_list(struct store *st, const char *q, int64_t before_id, int limit,
				  customer_list *out, struct arena *a, struct error *err);

/* --- tickets, messages, events (store_tickets.c) --- */

/**
 * Creates the ticket, its first message and the customer when new. With an
 * idempotency key, the response body ({"ticket": ...}) is remembered in the same
 * transaction; when the key was already used by the same actor, nothing is
 * created and *replay gets the stored body and *replay_status its status.
 */
enum err_code store_ticket_create(struct store *st, const struct ticket_new *tn, struct ticket *out,
				  const char **replay, int *replay_status, struct arena *a,
				  struct error *err);

enum err_code store_ticket_get(struct store *st, int64_t id, struct ticket *out, struct arena *a,
			       struct error *err);

enum err_code store_ticket_update(struct store *st, int64_t id, const struct ticket_change *c,
				  struct ticket *out, struct arena *a, struct error *err);

enum ticket_sort { SORT_UPDATED_DESC, SORT_UPDATED_ASC, SORT_CREATED_DESC, SORT_CREATED_ASC,
		   SORT_ID_DESC, SORT_ID_ASC };

struct ticket_filter {
	const char **statuses;
	int n_statuses;
	int64_t assignee_id; /* 0: any */
	int unassigned;
	const char *tag, *channel;
	int64_t customer_id, updated_since;
	enum ticket_sort sort;
	int limit;
	/* the cursor: the sort key and id of the last row of the previous page */
	int has_cursor;
	int64_t cursor_key, cursor_id;
};

enum err_code store_ticket_list(struct store *st, const struct ticket_filter *f, ticket_list *out,
				struct arena *a, struct error *err);

enum err_code store_message_create(struct store *st, const struct message_new *mn,
				   struct message *out, struct arena *a, struct error *err);
enum err_code store_message_list(struct store *st, int64_t ticket_id, message_list *out,
				 struct arena *a, struct error *err);
enum err_code store_event_list(struct store *st, int64_t ticket_id, event_list *out,
			       struct arena *a, struct error *err);

/* --- inbox counts (store_counts.c) --- */

/** One cell of a count: the fields a query did not group by are NULL or 0. */
struct ticket_count {
	const char *status, *channel, *tag;
	int64_t assignee_id; /* 0: unassigned */
	int64_t n;
};
typedef MODEL_LIST(struct ticket_count) count_list;

struct ticket_counts {
	count_list by_status; /* every status: status, n */
	count_list unsolved;  /* new, open, pending, on-hold: status, assignee_id, channel, n */
	count_list by_tag;    /* the tags on the most unsolved tickets: tag, status, n */
};

/**
 * The whole desk's ticket counts, copied into `a`. They are computed with a
 * few GROUP BY queries and shared by every caller for up to a second, so they
 * may lag a write by that much. by_tag holds at most STORE_COUNT_TAGS tags.
 */
enum err_code store_ticket_counts(struct store *st, struct ticket_counts *out, struct arena *a,
				  struct error *err);
#define STORE_COUNT_TAGS 32

/**
 * The unsolved tickets carrying each of the n `tags` (as stored: lower-case),
 * by tag, status, assignee and channel, read in one snapshot and copied into
 * `a`: for a tag outside the shared by_tag, or a view that filters a tag
 * together with an assignee or channel. Not shared: each tag costs one walk of
 * its own tickets. A tag no unsolved ticket carries gives no rows.
 */
enum err_code store_tag_counts(struct store *st, const char *const *tags, int n, count_list *out,
			       struct arena *a, struct error *err);

/* --- login attempts (store_login.c) --- */

/** A key's attempts in its current window, this one included, and when the window began. */
struct login_count {
	int64_t attempts, window_start;
};

/**
 * Counts one login attempt for each of the n `keys` (hex digests naming an
 * account or an address) in one write, atomically however many nodes share
 * the database: a key whose window (window_us long) has passed starts over at
 * 1. Fills out[i] with the count of keys[i]. Rows of windows long over are
 * deleted now and then.
 */
enum err_code store_login_count(struct store *st, const char *const *keys, int n, int64_t now,
				int64_t window_us, struct login_count *out, struct error *err);

/**
 * Takes one attempt back from each of the n_back keys in `back`, and deletes
 * the count of `clear` (NULL: none), in one write.
 */
enum err_code store_login_forget(struct store *st, const char *const *back, int n_back,
				 const char *clear, struct error *err);

/* --- the shopper's tracking page (store_track.c) --- */

/**
 * Up to `max` orders of store `store_id` whose number is `number` or
 * "#number", newest first: their ids and emails (NULL: none) into ids[] and
 * emails[], *n how many. The same one query whether or not any matches.
 */
enum err_code store_track_candidates(struct store *st, int64_t store_id, const char *number,
				     int max, int64_t *ids, const char **emails, int *n,
				     struct arena *a, struct error *err);

/**
 * Counts one order lookup for `key` ("track:" and a digest of the address) in
 * the login_attempts counters, like store_login_count: a window of window_us
 * that has passed starts over at 1; *out is the count and its window.
 */
enum err_code store_track_count(struct store *st, const char *key, int64_t now, int64_t window_us,
				struct login_count *out, struct error *err);

/* --- search (store_search.c) --- */

struct search_hit {
	const char *type; /* ticket, message, customer */
	int64_t id, ticket_id;
	const char *title, *text; /* text: what the snippet is cut from */
	double score;             /* lower is better */
};
typedef MODEL_LIST(struct search_hit) search_list;

/** Runs the query over tickets, messages and customers; `tokens` come from text_tokens. */
enum err_code store_search(struct store *st, const char *tokens, int limit, search_list *out,
			   struct arena *a, struct error *err);

/* --- webhooks and jobs (store_webhooks.c) --- */

enum err_code store_webhook_create(struct store *st, const char *url, const char *events,
				   const char *secret, struct webhook *out, struct arena *a,
				   struct error *err);
enum err_code store_webhook_get(struct store *st, int64_t id, struct webhook *out,
				struct arena *a, struct error *err);
enum err_code store_webhook_list(struct store *st, webhook_list *out, struct arena *a,
				 struct error *err);
enum err_code store_webhook_delete(struct store *st, int64_t id, struct error *err);
enum err_code store_delivery_list(struct store *st, int64_t webhook_id, delivery_list *out,
				  struct arena *a, struct error *err);

struct job {
	int64_t id, ref_id;
	const char *kind;
	int attempts;
};

/** Claims up to `max` due jobs of one kind (marks them running until `lease_until`). */
enum err_code store_jobs_claim(struct store *st, const char *kind, int64_t now, int64_t lease_until,
			       struct job *out, int max, int *n, struct arena *a, struct error *err);
/** Loads a delivery with its webhook (url and secret) for sending. */
enum err_code store_delivery_load(struct store *st, int64_t id, struct delivery *d,
				  struct webhook *w, struct arena *a, struct error *err);
/**
 * Records the outcome of one attempt: on success the job is done; on failure it
 * runs again at retry_at, or fails for good when retry_at is 0.
 */
enum err_code store_delivery_result(struct store *st, int64_t job_id, int64_t delivery_id,
				    int ok, int response_status, const char *error,
				    int64_t retry_at, struct error *err);
/**
 * Counts jobs of `kind` (NULL: any) waiting or running whose time is at or
 * before due_before (INT64_MAX: all).
 */
enum err_code store_jobs_pending(struct store *st, const char *kind, int64_t due_before,
				 int64_t *count, struct error *err);

/* --- online stores (store_shops.c) --- */

/** The stores not deleted, by name. */
enum err_code store_shop_list(struct store *st, shop_list *out, struct arena *a,
			      struct error *err);
/** One store not deleted; E_NOT_FOUND naming the id otherwise. */
enum err_code store_shop_get(struct store *st, int64_t id, struct shop *out, struct arena *a,
			     struct error *err);
/**
 * Adds a store from `in` (id and times are ignored); E_CONFLICT when its slug is
 * or was taken: a deleted store's slug is never given again, so an old
 * tracking link cannot lead to another store. E_INVALID for an unknown mailbox.
 */
enum err_code store_shop_create(struct store *st, const struct shop *in, struct shop *out,
				struct arena *a, struct error *err);
/** Replaces name, platform, secret, mailbox and settings of store `in->id`. */
enum err_code store_shop_update(struct store *st, const struct shop *in, struct shop *out,
				struct arena *a, struct error *err);
enum err_code store_shop_delete(struct store *st, int64_t id, struct error *err);

/** The store (not deleted) with this slug; E_NOT_FOUND naming it otherwise. */
enum err_code store_shop_by_slug(struct store *st, const char *slug, struct shop *out,
				 struct arena *a, struct error *err);

/* --- orders (store_orders.c) --- */

typedef MODEL_LIST(struct order) order_list;

struct order_filter {
	int64_t customer_id, store_id; /* 0: any */
	const char *number;	       /* "1042" also finds "#1042"; NULL: any */
	int limit;
};

/* What a write of an order did (store_order_put). */
enum order_outcome {
	ORDER_CREATED,
	ORDER_UPDATED,
	ORDER_UNCHANGED, /* the same facts again (or a customer's details) */
	ORDER_STALE,	 /* older than the stored order: dropped */
	ORDER_DUPLICATE, /* this delivery id was taken before: nothing done */
	ORDER_UNKNOWN,	 /* a fulfillment or refund of an order deskd does not have */
	ORDER_IGNORED,	 /* nothing deskd keeps */
};

/**
 * Applies what a platform said (orders/payload.h) to store `store_id`, in one
 * transaction. With a `delivery_id`, first takes it in webhook_receipts: a
 * delivery taken before is ORDER_DUPLICATE and changes nothing. A whole order
 * (PAYLOAD_ORDER) is created or brought up to date unless the stored one is
 * newer (its updated_at): the customer matched by email (created when new) or
 * phone, items replaced, each shipment it names moved on by its platform word
 * and its scans, shipments it leaves out removed. A fulfillment changes that
 * one shipment, a refund adds to what was refunded, a deleted order is
 * cancelled, a customer's details find or create the customer. The order's
 * state is decided by orders/order.h, and an order.created or order.updated
 * event names what changed. *out is the order after (id 0 when none).
 */
enum err_code store_order_put(struct store *st, int64_t store_id, int64_t actor_id,
			      const char *delivery_id, const struct payload *p, struct order *out,
			      enum order_outcome *outcome, struct arena *a, struct error *err);
/* One order of an import (store_order_import): what to write, and what writing it did. */
struct order_import {
	const struct payload *p; /* a PAYLOAD_ORDER */
	enum order_outcome outcome;
	enum err_code rc;
	struct error err;
};

/**
 * Writes n whole orders of store `store_id` as store_order_put does each (the
 * same customer matching, staleness check, state and events), in one
 * transaction and each in its own savepoint: an order that fails is left out
 * with its rc and err, the others are kept. Returns an error only when the
 * transaction itself failed (then none was kept).
 */
enum err_code store_order_import(struct store *st, int64_t store_id, int64_t actor_id,
				 struct order_import *orders, int n, struct arena *a,
				 struct error *err);

/* --- WISMO answers (store_wismo.c) --- */

/**
 * Where the automatic answers' tracking links point: deskd's public address
 * ("https://desk.example") and the key of orders/track.h's tokens. Set once
 * at start-up; without them answers carry only the carriers' own links.
 */
void store_wismo_links(const char *public_url, const char *track_key);

/* The answer an agent can send to a WISMO ticket, with the order's live status. */
struct wismo_suggestion {
	const char *mode;      /* the ticket's store's: "off", "suggest", "auto" */
	const char *lang;      /* the customer's language, else the store's */
	const char *automatic; /* what deskd did by itself: "asked", "answered", NULL */
	int64_t order_id;      /* 0: no order linked */
	const char *order_number, *order_state;
	const char *reply; /* NULL when the mode is off */
};

enum err_code store_wismo_suggest(struct store *st, int64_t ticket_id, struct wismo_suggestion *out,
				  struct arena *a, struct error *err);

/* WISMO's figures over days (days since the epoch, UTC). */
struct wismo_figures {
	int64_t inbound;  /* customer messages in */
	int64_t wismo;	  /* of them, "where is my order?" */
	int64_t answered; /* status answers deskd sent */
	int64_t asked;	  /* questions for the order number deskd sent */
	int64_t reopened; /* status answers the customer wrote back to within 72 hours */
	/* answers sent over 72 hours ago, and of them those written back to */
	int64_t settled, settled_reopened;
};

/** Sums the days from_day..to_day of one store (store_id) or all (store_id < 0). */
enum err_code store_wismo_figures(struct store *st, int64_t from_day, int64_t to_day,
				  int64_t store_id, struct wismo_figures *out, struct error *err);

/**
 * Records a carrier scan of shipment `shipment_id`, in one transaction: the
 * scan is stored (the same status at the same time again: *duplicate, and
 * nothing else changes); unless it is older than a scan stored before, it moves
 * the shipment as order_shipment_state decides (an impossible move changes
 * nothing), sets its eta (when given) and delivered_at, decides the order's
 * state and writes an order.updated event of what changed, as store_order_put
 * does. *out is the order after. E_NOT_FOUND for an unknown shipment.
 */
enum err_code store_shipment_scan(struct store *st, int64_t shipment_id, int64_t actor_id,
				  const struct shipment_scan *scan, int64_t eta, struct order *out,
				  int *duplicate, struct arena *a, struct error *err);
enum err_code store_order_get(struct store *st, int64_t id, struct order *out, struct arena *a,
			      struct error *err);
/** Orders newest first, with their items and shipments. */
enum err_code store_order_list(struct store *st, const struct order_filter *f, order_list *out,
			       struct arena *a, struct error *err);
/** An order's events, oldest first: its timeline. */
enum err_code store_order_event_list(struct store *st, int64_t order_id, event_list *out,
				     struct arena *a, struct error *err);

/* --- canned replies, saved views, the live feed (store_macros.c) --- */

enum err_code store_macro_list(struct store *st, macro_list *out, struct arena *a,
			       struct error *err);
enum err_code store_macro_create(struct store *st, int64_t actor_id, const char *title,
				 const char *body, struct macro *out, struct arena *a,
				 struct error *err);
/** Changes the fields that are not NULL. */
enum err_code store_macro_update(struct store *st, int64_t id, const char *title, const char *body,
				 struct macro *out, struct arena *a, struct error *err);
enum err_code store_macro_delete(struct store *st, int64_t id, struct error *err);

/** The saved views of one agent. */
enum err_code store_view_list(struct store *st, int64_t user_id, view_list *out, struct arena *a,
			      struct error *err);
enum err_code store_view_create(struct store *st, int64_t user_id, const char *name,
				const char *filters, struct saved_view *out, struct arena *a,
				struct error *err);
/** Deletes a view of this agent; another agent's view is E_NOT_FOUND. */
enum err_code store_view_delete(struct store *st, int64_t user_id, int64_t id, struct error *err);

/**
 * Events with an id above after_id, oldest first, at most `limit`. With
 * after_id < 0, one event whose id is the newest id (where a new feed starts).
 */
enum err_code store_events_since(struct store *st, int64_t after_id, int limit, event_list *out,
				 struct arena *a, struct error *err);

/* --- attachments, mailboxes and email (store_mail.c) --- */

/** Stores an agent's upload (not yet on a message). */
enum err_code store_attachment_create(struct store *st, int64_t user_id, const char *filename,
				      const char *content_type, const void *data, size_t size,
				      struct attachment *out, struct arena *a, struct error *err);
/** Deletes uploads created before `before` that no message took, and their unshared bytes. */
enum err_code store_uploads_expire(struct store *st, int64_t before, struct error *err);
/**
 * One attachment and, when data is not NULL, its bytes in *data: malloc'd, the
 * caller's to free (a download hands them to the reply instead of copying 25 MiB).
 */
enum err_code store_attachment_get(struct store *st, int64_t id, struct attachment *out,
				   unsigned char **data, struct arena *a, struct error *err);
/**
 * Sends a reply's failed or bounced email again, with the same Message-ID:
 * E_NOT_FOUND for no such message, E_CONFLICT when its email is not failed or
 * bounced, E_INVALID on a closed ticket. Records a mail.resent event.
 */
enum err_code store_message_resend(struct store *st, int64_t message_id, int64_t actor_id,
				   struct message *out, struct arena *a, struct error *err);
/**
 * The raw email of a message in *data, malloc'd and the caller's to free;
 * E_NOT_FOUND when none is kept.
 */
enum err_code store_message_raw(struct store *st, int64_t message_id, int64_t *ticket_id,
				unsigned char **data, size_t *size, struct error *err);


enum err_code store_mailbox_list(struct store *st, mailbox_list *out, struct arena *a,
				 struct error *err);
enum err_code store_mailbox_get(struct store *st, int64_t id, struct mailbox *out, struct arena *a,
				struct error *err);
/** The active mailbox with this address (lower-case); E_NOT_FOUND if none. */
enum err_code store_mailbox_by_address(struct store *st, const char *address,
				       struct mailbox *out, struct arena *a, struct error *err);
enum err_code store_mailbox_create(struct store *st, const char *address, const char *name,
				   const char *settings, struct mailbox *out, struct arena *a,
				   struct error *err);
/** Changes the fields that are not NULL (active: -1 to keep). */
enum err_code store_mailbox_update(struct store *st, int64_t id, const char *name,
				   const char *settings, int active, struct mailbox *out,
				   struct arena *a, struct error *err);
enum err_code store_mailbox_delete(struct store *st, int64_t id, struct error *err);
/**
 * Records where IMAP polling got to (error NULL: it went well), and the UID
 * it failed on with the count of rounds in a row that failed on it.
 */
enum err_code store_mailbox_polled(struct store *st, int64_t id, int64_t uidvalidity,
				   int64_t last_uid, int64_t failed_uid, int failures,
				   const char *error, struct error *err);

struct mail_message;

/** One inbound email, parsed, with what its mailbox says about it. */
struct mail_in {
	const char *raw;
	size_t raw_len;
	const char *raw_sha256; /* lower-case hex; hashed by the caller, off the writer */
	const struct mail_message *m;
	int64_t mailbox_id;	  /* 0: no mailbox */
	int64_t reopen_window_us; /* a reply to a ticket solved longer ago starts a new one */
	/* the auto-acknowledgement of new tickets, with {{...}} placeholders; NULL: none */
	const char *ack_body;
};

struct mail_result {
	int64_t ticket_id, message_id;
	int duplicate;	    /* it was stored before: nothing changed */
	int new_ticket;	    /* it started a ticket */
	int bounce;	    /* a bounce, recorded as an event on ticket_id (0: none found) */
	int acknowledged;   /* an auto-acknowledgement was queued */
};

/** Stores one inbound email: threading, dedupe, customer, attachments, loops. */
enum err_code store_mail_ingest(struct store *st, const struct mail_in *in,
				struct mail_result *out, struct error *err);

/** Everything the email job needs to send one outbound message. */
struct mail_job {
	struct message msg;
	struct ticket ticket;
	const char *to_email, *to_name;
	const char **cc;
	int n_cc;
	struct mailbox mailbox; /* id 0: none */
	const char *in_reply_to;
	const char **references;
	int n_references;
	const unsigned char **attachment_data; /* per msg.attachments */
	int64_t attempt; /* 1, and one more for each resend: a bounce names the attempt */
};

enum err_code store_mail_job_load(struct store *st, int64_t message_id, struct mail_job *out,
				  struct arena *a, struct error *err);
/**
 * Records an attempt: sent, or failed for now (retry_at), or for good
 * (retry_at 0: the ticket gets a mail.failed event).
 */
enum err_code store_mail_job_result(struct store *st, int64_t job_id, int64_t message_id, int ok,
				    const char *error, int64_t retry_at, struct error *err);

#endif
