/*
 * tickets.c - tickets, their messages and their timeline.
 */
#include "api/api.h"
#include "core/text.h"
#include "core/render.h"
#include "core/sanitize.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX_CHARS (256 * 1024)

static enum err_code reply_ticket(struct req *r, int status, const struct ticket *t)
{
	if (status == 201) {
		char *loc = arena_alloc(&r->arena, 64);

		snprintf(loc, 64, "/api/v1/tickets/%" PRId64, t->id);
		http_header(r, "Location", loc);
	}
	return http_reply_json(r, status, json_pack("{so}", "ticket", render_ticket(t)));
}

static enum err_code read_customer_ref(struct req *r, struct ticket_new *tn)
{
	json_t *c = json_object_get(r->json, "customer");
	static const char *const known[] = { "email", "name", NULL };
	enum err_code rc;

	if (!c)
		return error_set(&r->err, E_INVALID, "customer is required");
	if (!json_is_object(c))
		return error_set(&r->err, E_INVALID, "customer must be an object");
	if ((rc = fields_known(r, c, known)) ||
	    (rc = field_email(r, c, "email", 1, &tn->customer_email)) ||
	    (rc = field_str(r, c, "name", 0, 1, 200, &tn->customer_name)))
		return rc;
	return E_OK;
}

enum err_code ticket_new_read(struct req *r, struct ticket_new *tn)
{
	static const char *const known[] = { "subject",	 "body", "customer",    "channel",
					     "priority", "tags", "assignee_id", NULL };
	int tags_given;
	enum err_code rc;

	*tn = (struct ticket_new){ .channel = "api", .priority = "normal", .status = "new",
				   .actor_id = r->user.id };
	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "subject", 1, 1, 500, &tn->subject)) ||
	    (rc = field_str(r, r->json, "body", 1, 1, BODY_MAX_CHARS, &tn->body)) ||
	    (rc = read_customer_ref(r, tn)) ||
	    (rc = field_enum(r, r->json, "channel", ticket_channels, &tn->channel)) ||
	    (rc = field_enum(r, r->json, "priority", ticket_priorities, &tn->priority)) ||
	    (rc = field_tags(r, r->json, "tags", &tn->tags, &tn->n_tags, &tags_given)) ||
	    (rc = field_id(r, r->json, "assignee_id", &tn->assignee_id, NULL)))
		return rc;
	if (tn->assignee_id)
		tn->status = "open";
	return E_OK;
}

API_HANDLER(api_tickets_create)
{
	const char *key = http_request_header(r, "Idempotency-Key"), *replay = NULL;
	int replay_status = 0;
	struct ticket_new tn;
	struct ticket t;
	enum err_code rc;

	if ((rc = ticket_new_read(r, &tn)))
		return rc;
	if (key && (!*key || strlen(key) > 200))
		return error_set(&r->err, E_BAD_REQUEST, "Idempotency-Key must be 1 to 200 characters");
	tn.idempotency_key = key;
	rc = store_ticket_create(r->app->store, &tn, &t, &replay, &replay_status, &r->arena,
				 &r->err);
	if (rc)
		return rc;
	if (replay) {
		http_header(r, "Idempotent-Replayed", "true");
		return http_reply_text(r, replay_status, "application/json; charset=utf-8", replay,
				       strlen(replay));
	}
	return reply_ticket(r, 201, &t);
}

API_HANDLER(api_tickets_get)
{
	struct ticket t;
	enum err_code rc = store_ticket_get(r->app->store, r->ids[0], &t, &r->arena, &r->err);

	return rc ? rc : reply_ticket(r, 200, &t);
}

API_HANDLER(api_tickets_update)
{
	static const char *const known[] = { "subject", "status", "priority", "assignee_id", "tags",
					     "cc", "order_id", NULL };
	struct ticket_change c = { .actor_id = r->user.id };
	int unassign = 0, unlink = 0;
	struct ticket t;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "subject", 0, 1, 500, &c.subject)) ||
	    (rc = field_enum(r, r->json, "status", ticket_statuses, &c.status)) ||
	    (rc = field_enum(r, r->json, "priority", ticket_priorities, &c.priority)) ||
	    (rc = field_id(r, r->json, "assignee_id", &c.assignee_id, &unassign)) ||
	    (rc = field_tags(r, r->json, "tags", &c.tags, &c.n_tags, &c.set_tags)) ||
	    (rc = field_emails(r, r->json, "cc", TICKET_CC_MAX, &c.cc, &c.n_cc, &c.set_cc)) ||
	    (rc = field_id(r, r->json, "order_id", &c.order_id, &unlink)))
		return rc;
	if (!strcmp(c.status ? c.status : "", "new"))
		return error_set(&r->err, E_INVALID, "a ticket cannot go back to new");
	c.set_assignee = json_object_get(r->json, "assignee_id") != NULL;
	c.set_order = json_object_get(r->json, "order_id") != NULL;
	rc = store_ticket_update(r->app->store, r->ids[0], &c, &t, &r->arena, &r->err);
	return rc ? rc : reply_ticket(r, 200, &t);
}

/* --- listing --- */

static const struct {
	const char *name;
	enum ticket_sort sort;
} sorts[] = {
	{ "updated_at", SORT_UPDATED_ASC }, { "-updated_at", SORT_UPDATED_DESC },
	{ "created_at", SORT_CREATED_ASC }, { "-created_at", SORT_CREATED_DESC },
	{ "id", SORT_ID_ASC },		    { "-id", SORT_ID_DESC },
};

static int64_t sort_key(const struct ticket *t, enum ticket_sort s)
{
	if (s == SORT_UPDATED_ASC || s == SORT_UPDATED_DESC)
		return t->updated_at;
	return t->id; /* creation order is id order: see store_ticket_list */
}

static enum err_code parse_statuses(struct req *r, const char *s, struct ticket_filter *f)
{
	char *copy = arena_strdup(&r->arena, s), *save = NULL;

	f->statuses = arena_alloc(&r->arena, sizeof(*f->statuses) * 6);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int i, k;

		for (i = 0; ticket_statuses[i] && strcmp(ticket_statuses[i], p); i++)
			;
		if (!ticket_statuses[i])
			return error_set(&r->err, E_BAD_REQUEST, "unknown status '%s'", p);
		for (k = 0; k < f->n_statuses && f->statuses[k] != ticket_statuses[i]; k++)
			;
		if (k == f->n_statuses && f->n_statuses < 6)
			f->statuses[f->n_statuses++] = ticket_statuses[i];
	}
	if (!f->n_statuses)
		return error_set(&r->err, E_BAD_REQUEST, "status must name at least one status");
	return E_OK;
}

static enum err_code parse_filter(struct req *r, struct ticket_filter *f)
{
	const char *status = http_query(r, "status"), *assignee = http_query(r, "assignee");
	const char *customer = http_query(r, "customer"), *since = http_query(r, "updated_since");
	const char *sort = http_query(r, "sort"), *cursor = http_query(r, "cursor");
	const char *channel = http_query(r, "channel");
	enum err_code rc;

	f->sort = SORT_UPDATED_DESC;
	if ((rc = query_limit(r, 25, 100, &f->limit)))
		return rc;
	if (status && (rc = parse_statuses(r, status, f)))
		return rc;
	if (assignee) {
		if (!strcmp(assignee, "none"))
			f->unassigned = 1;
		else if (!strcmp(assignee, "me"))
			f->assignee_id = r->user.id;
		else if (parse_id(assignee, &f->assignee_id))
			return error_set(&r->err, E_BAD_REQUEST, "assignee must be an id, 'me' or 'none'");
	}
	if (channel) {
		int i;

		for (i = 0; ticket_channels[i] && strcmp(ticket_channels[i], channel); i++)
			;
		if (!ticket_channels[i])
			return error_set(&r->err, E_BAD_REQUEST, "unknown channel '%s'", channel);
		f->channel = channel;
	}
	if (customer && parse_id(customer, &f->customer_id))
		return error_set(&r->err, E_BAD_REQUEST, "customer must be an id");
	if (since && time_parse(since, &f->updated_since))
		return error_set(&r->err, E_BAD_REQUEST,
				 "updated_since must be a time like 2026-01-31T12:00:00Z");
	if (http_query(r, "tag")) {
		const char *q = http_query(r, "tag");
		char *lower;

		/* tags are stored lower-cased as field_tags does it, Ü and İ included */
		if (!text_utf8_valid(q, strlen(q), NULL))
			return error_set(&r->err, E_BAD_REQUEST, "tag must be UTF-8");
		if (!(lower = text_lower(q)))
			return error_set(&r->err, E_INTERNAL, "out of memory");
		f->tag = arena_strdup(&r->arena, lower);
		free(lower);
	}
	if (sort) {
		size_t i;

		for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]) && strcmp(sorts[i].name, sort); i++)
			;
		if (i == sizeof(sorts) / sizeof(sorts[0]))
			return error_set(&r->err, E_BAD_REQUEST, "unknown sort '%s'", sort);
		f->sort = sorts[i].sort;
	}
	if (cursor) {
		long long key, id;
		int n = 0;

		if (sscanf(cursor, "%lld.%lld%n", &key, &id, &n) != 2 || cursor[n] || id <= 0 ||
		    key < 0)
			return error_set(&r->err, E_BAD_REQUEST, "cursor is not one deskd gave out");
		f->has_cursor = 1;
		f->cursor_key = key;
		f->cursor_id = id;
	}
	return E_OK;
}

API_HANDLER(api_tickets_list)
{
	struct ticket_filter f = { 0 };
	ticket_list list = { 0 };
	json_t *a, *next = json_null();
	enum err_code rc;

	if ((rc = parse_filter(r, &f)))
		return rc;
	f.limit++; /* one more row tells whether there is a next page */
	if ((rc = store_ticket_list(r->app->store, &f, &list, &r->arena, &r->err)))
		return rc;
	f.limit--;
	if (list.n > f.limit) {
		const struct ticket *last = &list.items[f.limit - 1];
		char cursor[48];

		snprintf(cursor, sizeof(cursor), "%" PRId64 ".%" PRId64, sort_key(last, f.sort),
			 last->id);
		next = json_string(cursor);
		list.n = f.limit;
	}
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_ticket(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so so}", "tickets", a, "next_cursor", next));
}

/* --- messages and events --- */

API_HANDLER(api_messages_list)
{
	message_list list = { 0 };
	enum err_code rc = store_message_list(r->app->store, r->ids[0], &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_message(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "messages", a));
}

API_HANDLER(api_messages_create)
{
	static const char *const known[] = { "body", "kind", "html", "attachment_ids", NULL };
	static const char *const kinds[] = { "reply", "note", NULL };
	struct message_new mn = { .ticket_id = r->ids[0], .actor_id = r->user.id, .kind = "reply",
				  .direction = "outbound", .author_type = "agent" };
	json_t *ids = json_object_get(r->json, "attachment_ids"), *v;
	struct message m;
	enum err_code rc;
	size_t i;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "body", 1, 1, BODY_MAX_CHARS, &mn.body)) ||
	    (rc = field_enum(r, r->json, "kind", kinds, &mn.kind)) ||
	    (rc = field_str(r, r->json, "html", 0, 1, HTTP_BODY_MAX, &mn.html)))
		return rc;
	if (ids && (!json_is_array(ids) || json_array_size(ids) > 20))
		return error_set(&r->err, E_INVALID, "attachment_ids must be a list of up to 20 ids");
	/* stored and emailed as sanitised: an agent's HTML is held to an email's rules */
	if (mn.html && !*(mn.html = mail_html_sanitize(mn.html, strlen(mn.html), &r->arena)))
		mn.html = NULL;
	mn.attachment_ids = arena_alloc(&r->arena, (json_array_size(ids) + 1) * sizeof(int64_t));
	json_array_foreach(ids, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return error_set(&r->err, E_INVALID, "attachment_ids must hold ids");
		for (int k = 0; k < mn.n_attachment_ids; k++)
			if (mn.attachment_ids[k] == json_integer_value(v))
				return error_set(&r->err, E_INVALID, "attachment %lld is listed twice",
						 (long long)json_integer_value(v));
		((int64_t *)mn.attachment_ids)[mn.n_attachment_ids++] = json_integer_value(v);
	}
	rc = store_message_create(r->app->store, &mn, &m, &r->arena, &r->err);
	if (rc)
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "message", render_message(&m)));
}

API_HANDLER(api_events_list)
{
	event_list list = { 0 };
	enum err_code rc = store_event_list(r->app->store, r->ids[0], &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_event(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "events", a));
}
