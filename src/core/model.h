/*
 * model.h - what deskd's records are: users, customers, tickets, messages,
 * events, webhooks, mailboxes, and the shapes of a new ticket, a change and a
 * new message. Plain structs whose strings live in the caller's arena; no SQL,
 * no HTTP. The store fills them (src/store/), the rules decide on them
 * (src/core/ticket.h), the API renders them (src/core/render.h).
 */
#ifndef CORE_MODEL_H
#define CORE_MODEL_H

#include <stdint.h>

struct user {
	int64_t id;
	const char *email, *name, *role;
	int active;
	int64_t created_at, updated_at;
};

struct identity {
	const char *type, *value;
};

struct customer {
	int64_t id;
	const char *name;
	const char *language; /* what they write in (en, ko, ja, tr); NULL: not known yet */
	struct identity *identities;
	int n_identities;
	int64_t created_at, updated_at;
};

/* A ticket's number, what people see ("#1042"), is its id plus this. */
#define TICKET_NUMBER_OFFSET 1000

struct ticket {
	int64_t id;
	const char *subject, *status, *priority, *channel;
	int64_t customer_id, assignee_id; /* 0: none */
	const char **tags;
	int n_tags;
	int64_t created_at, updated_at, first_response_at, solved_at; /* 0: not yet */
	int64_t mailbox_id, linked_ticket_id; /* 0: none */
	int64_t order_id; /* the order it is about; 0: none known */
	const char *cc; /* email: a JSON array of addresses copied; NULL: none */
};

struct attachment {
	int64_t id, message_id; /* message_id 0: uploaded, not sent yet */
	const char *filename, *content_type, *content_id, *sha256; /* content_id may be NULL */
	int64_t size;
	int is_inline;
	int64_t uploaded_by, created_at;
};

struct message {
	int64_t id, ticket_id;
	const char *kind, *direction, *author_type;
	int64_t author_id;
	const char *body, *html; /* html may be NULL */
	int64_t created_at;
	/* email: the Message-ID (without <>), the outbound state (queued, sent, failed,
	   bounced), its error, and whether the raw message is kept; NULL / 0 otherwise */
	const char *mail_id, *mail_status, *mail_error;
	int has_raw;
	struct attachment *attachments;
	int n_attachments;
	int wismo; /* set by message_insert: an inbound "where is my order?" question */
};

struct event {
	int64_t id, ticket_id, customer_id, actor_id; /* 0: none */
	const char *type, *changes; /* changes: a JSON object text */
	int64_t created_at;
};

struct token_info {
	int64_t id, user_id;
	const char *name;
	int64_t created_at, last_used_at;
};

struct webhook {
	int64_t id;
	const char *url, *events, *secret; /* events: comma-separated */
	int active;
	int64_t created_at;
};

struct delivery {
	int64_t id, webhook_id, event_id;
	const char *event_type, *status, *last_error, *payload;
	int attempts, response_status;
	int64_t created_at, delivered_at;
};

struct macro {
	int64_t id;
	const char *title, *body;
	int64_t created_at, updated_at;
};

/*
 * An online store (a brand) deskd serves: `shop` in C, so that it is not taken
 * for the database store; "store" in the API and the schema.
 */
struct shop {
	int64_t id;
	const char *slug, *name, *platform; /* platform: shopify, woocommerce or custom */
	const char *secret_sealed;	    /* the webhook secret, sealed; NULL: none set */
	int64_t mailbox_id;		    /* 0: none */
	const char *settings;		    /* a JSON object text (docs/API.md, "Stores") */
	int64_t created_at, updated_at;
};

struct saved_view {
	int64_t id;
	const char *name, *filters; /* filters: a JSON object text */
	int64_t created_at;
};

/** A growable array of T in an arena: items, n. */
#define MODEL_LIST(T)        \
	struct {             \
		T *items;    \
		int n, cap;  \
	}

typedef MODEL_LIST(struct ticket) ticket_list;
typedef MODEL_LIST(struct message) message_list;
typedef MODEL_LIST(struct event) event_list;
typedef MODEL_LIST(struct customer) customer_list;
typedef MODEL_LIST(struct user) user_list;
typedef MODEL_LIST(struct token_info) token_list;
typedef MODEL_LIST(struct webhook) webhook_list;
typedef MODEL_LIST(struct delivery) delivery_list;
typedef MODEL_LIST(struct macro) macro_list;
typedef MODEL_LIST(struct shop) shop_list;
typedef MODEL_LIST(struct saved_view) view_list;

struct ticket_new {
	const char *subject, *body, *channel, *priority, *status;
	const char *customer_email, *customer_name;
	int64_t assignee_id;
	const char **tags;
	int n_tags;
	int64_t actor_id; /* the user making the request */
	const char *idempotency_key; /* may be NULL */
	const char *html; /* of the first message; may be NULL */
};

/* Addresses a ticket copies at most: its email replies go to each of them. */
#define TICKET_CC_MAX 20

struct ticket_change {
	const char *subject, *status, *priority; /* NULL: keep */
	int set_assignee;
	int64_t assignee_id; /* 0: unassign */
	const char **tags;
	int n_tags, set_tags;
	const char **cc; /* lower-case addresses */
	int n_cc, set_cc;
	int set_order;
	int64_t order_id; /* 0: unlink; the store checks it is the customer's */
	int64_t actor_id;
};

struct message_new {
	int64_t ticket_id, actor_id;
	int64_t author_id; /* 0: actor_id (a customer's message names the customer) */
	const char *kind, *direction, *author_type;
	const char *body, *html;
	const int64_t *attachment_ids; /* uploads of actor_id not yet on a message */
	int n_attachment_ids;
	int bounce; /* a delivery report in the thread: the mail system, not the customer, speaks */
	int automated; /* sent by a machine (Auto-Submitted, a list): never answered automatically */
};

struct mailbox {
	int64_t id;
	const char *address, *name;
	const char *settings; /* a JSON object text; passwords sealed */
	int active;
	int64_t imap_uidvalidity, imap_last_uid, polled_at; /* 0: never */
	const char *poll_error;				      /* NULL: none */
	int64_t created_at, updated_at;
	int deleted;
	/* the UID polling failed on, and in how many rounds in a row */
	int64_t imap_failed_uid;
	int imap_failures;
};
typedef MODEL_LIST(struct mailbox) mailbox_list;

#endif
