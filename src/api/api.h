/*
 * api.h - what the resource handlers share: the application and field readers.
 */
#ifndef API_API_H
#define API_API_H

#include "http/http.h"
#include "store/store.h"

struct app {
	struct store *store;
	struct jobs *jobs;
};

/** The route table, ended by a NULL method. */
extern const struct route api_routes[];

/**
 * Admits a caller to a route that is not public (given to http_start): a
 * bearer token or a session cookie, with the CSRF check for cookie writes;
 * fills r->user. E_OK, or E_UNAUTHORIZED / E_FORBIDDEN with r->err filled.
 */
enum err_code api_authenticate(struct req *r);

/*
 * Field readers for a JSON body. Each returns E_OK (leaving *out alone when the
 * field is absent and not required) or E_INVALID naming the field.
 */
enum err_code field_str(struct req *r, json_t *o, const char *name, int required, size_t min,
			size_t max, const char **out);
/** A string that must be one of `allowed` (NULL-terminated). */
enum err_code field_enum(struct req *r, json_t *o, const char *name, const char *const *allowed,
			 const char **out);
/** An id (positive integer); JSON null sets *is_null when is_null is not NULL. */
enum err_code field_id(struct req *r, json_t *o, const char *name, int64_t *out, int *is_null);
/** A list of tags, lower-cased and de-duplicated; *present says whether the field was given. */
enum err_code field_tags(struct req *r, json_t *o, const char *name, const char ***tags, int *n,
			 int *present);
/** An email address, lower-cased. */
enum err_code field_email(struct req *r, json_t *o, const char *name, int required,
			  const char **out);
/** A list of at most max email addresses, lower-cased and de-duplicated in order. */
enum err_code field_emails(struct req *r, json_t *o, const char *name, size_t max,
			   const char ***out, int *n, int *present);
/** Checks that the body has only these members. */
enum err_code fields_known(struct req *r, json_t *o, const char *const *names);

/** A positive integer in decimal, as a query argument gives it; -1 when it is not one. */
int parse_id(const char *s, int64_t *out);

/** Parses a positive integer query argument within [1, max], default `def`. */
enum err_code query_limit(struct req *r, int def, int max, int *out);

/** Reads and checks the body of a ticket create (shared with the fuzz target). */
enum err_code ticket_new_read(struct req *r, struct ticket_new *tn);

extern const char *const ticket_statuses[], *const ticket_priorities[], *const ticket_channels[];



/* Handlers, one group per file of api/. */
#define API_HANDLER(name) enum err_code name(struct req *r)
API_HANDLER(api_login);
API_HANDLER(api_attachments_create);
API_HANDLER(api_attachments_get);
API_HANDLER(api_message_raw);
API_HANDLER(api_message_resend);
API_HANDLER(api_mail_inbound);
API_HANDLER(api_mailboxes_list);
API_HANDLER(api_mailboxes_create);
API_HANDLER(api_mailboxes_get);
API_HANDLER(api_mailboxes_update);
API_HANDLER(api_mailboxes_delete);
API_HANDLER(api_stores_list);
API_HANDLER(api_stores_create);
API_HANDLER(api_stores_get);
API_HANDLER(api_stores_update);
API_HANDLER(api_stores_delete);
API_HANDLER(api_orders_put);
API_HANDLER(api_orders_list);
API_HANDLER(api_orders_get);
API_HANDLER(api_orders_events);
API_HANDLER(api_shipment_events_create);
API_HANDLER(api_hooks_shopify);
API_HANDLER(api_hooks_woocommerce);
/** The store webhooks' counters, in Prometheus text, for /metrics. */
void api_hooks_metrics(struct buf *b);
/** WISMO's counts for /metrics (api/wismo.c). */
enum err_code api_wismo_metrics(struct store *st, struct buf *b, struct error *err);
API_HANDLER(api_tickets_wismo);
/** The store a ?store=SLUG names into *store_id (400 when there is none); untouched without it. */
enum err_code api_query_store(struct req *r, int64_t *store_id);
/** The key of the tracking links' tokens (derived from mail.key); NULL without one. */
const char *api_track_key(void);
API_HANDLER(api_reports_wismo);
API_HANDLER(api_track_form);
API_HANDLER(api_track_lookup);
API_HANDLER(api_track_order);
/** Answers r->err of a tracking route as an HTML page (the routes' error_page). */
void api_track_error_page(struct req *r);
API_HANDLER(api_logout);
API_HANDLER(api_me);
API_HANDLER(api_users_list);
API_HANDLER(api_agents_list);
API_HANDLER(api_users_create);
API_HANDLER(api_users_update);
API_HANDLER(api_tokens_list);
API_HANDLER(api_tokens_create);
API_HANDLER(api_tokens_delete);
API_HANDLER(api_tickets_create);
API_HANDLER(api_tickets_list);
API_HANDLER(api_tickets_get);
API_HANDLER(api_tickets_counts);
API_HANDLER(api_tickets_update);
API_HANDLER(api_messages_list);
API_HANDLER(api_messages_create);
API_HANDLER(api_events_list);
API_HANDLER(api_customers_list);
API_HANDLER(api_customers_create);
API_HANDLER(api_customers_get);
API_HANDLER(api_customers_update);
API_HANDLER(api_search);
API_HANDLER(api_webhooks_list);
API_HANDLER(api_webhooks_create);
API_HANDLER(api_webhooks_get);
API_HANDLER(api_webhooks_delete);
API_HANDLER(api_deliveries_list);
API_HANDLER(api_stream);
API_HANDLER(api_presence_set);
API_HANDLER(api_presence_get);
API_HANDLER(api_macros_list);
API_HANDLER(api_macros_create);
API_HANDLER(api_macros_update);
API_HANDLER(api_macros_delete);
API_HANDLER(api_views_list);
API_HANDLER(api_views_create);
API_HANDLER(api_views_delete);
API_HANDLER(api_web_index);
API_HANDLER(api_web_static);
API_HANDLER(api_healthz);
API_HANDLER(api_metrics);
API_HANDLER(api_openapi);
#endif
