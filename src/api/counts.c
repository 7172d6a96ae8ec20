/*
 * counts.c - how many tickets each inbox view holds, in one answer.
 *
 * The store gives the whole desk's counts (shared, up to a second old); what
 * depends on the caller (their own tickets, their saved views) is worked out
 * here from those, so it costs no query of its own.
 */
#include "api/api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_UNSOLVED 4 /* the first four of ticket_statuses */

/* {"new": 0, "open": 0, ...} for the first n statuses */
static json_t *per_status(int n)
{
	json_t *o = json_object();

	for (int i = 0; i < n && ticket_statuses[i]; i++)
		json_object_set_new(o, ticket_statuses[i], json_integer(0));
	return o;
}

static void add(json_t *o, const char *key, int64_t n)
{
	json_t *v = json_object_get(o, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + n);
	else
		json_object_set_new(o, key, json_integer(n));
}

/* The member `key` of o, added as unsolved statuses at 0 when missing. */
static json_t *unsolved_member(json_t *o, const char *key)
{
	json_t *m = json_object_get(o, key);

	if (!m)
		json_object_set_new(o, key, m = per_status(N_UNSOLVED));
	return m;
}

/* A saved view's filters, as GET /api/v1/tickets reads them. */
struct view_filter {
	int statuses[6]; /* 1: listed */
	int any_status, unsolved_only;
	int64_t assignee_id; /* 0: any */
	int unassigned;
	const char *channel, *tag;
};

static int status_index(const char *s, size_t len)
{
	for (int i = 0; ticket_statuses[i]; i++)
		if (strlen(ticket_statuses[i]) == len && !strncmp(ticket_statuses[i], s, len))
			return i;
	return -1;
}

/* 0 when the filters read, -1 when the list endpoint would refuse them. */
static int view_filter_read(json_t *o, int64_t me, struct view_filter *f, struct arena *a)
{
	const char *status = json_string_value(json_object_get(o, "status"));
	const char *assignee = json_string_value(json_object_get(o, "assignee"));
	const char *tag = json_string_value(json_object_get(o, "tag"));

	*f = (struct view_filter){ .any_status = !status || !*status, .unsolved_only = 1 };
	for (const char *s = status; s && *s;) {
		size_t len = strcspn(s, ",");
		int i = status_index(s, len);

		if (i < 0)
			return -1;
		f->statuses[i] = 1;
		f->unsolved_only &= i < N_UNSOLVED;
		s += len + (s[len] == ',');
	}
	if (f->any_status)
		f->unsolved_only = 0;
	if (assignee && !strcmp(assignee, "me"))
		f->assignee_id = me;
	else if (assignee && !strcmp(assignee, "none"))
		f->unassigned = 1;
	else if (assignee && *assignee) {
		char *end;

		f->assignee_id = strtoll(assignee, &end, 10);
		if (*end || f->assignee_id <= 0)
			return -1;
	}
	f->channel = json_string_value(json_object_get(o, "channel"));
	if (f->channel && !*f->channel)
		f->channel = NULL;
	if (tag && *tag) {
		char *t = arena_strdup(a, tag);

		for (char *p = t; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		f->tag = t;
	}
	return 0;
}

static int status_wanted(const struct view_filter *f, const char *status)
{
	int i = status_index(status, strlen(status));

	return i >= 0 && (f->any_status || f->statuses[i]);
}

/*
 * A saved view's count from the desk's counts, or null when they cannot tell
 * (a filter on solved tickets by assignee, channel or tag, or a tag that is
 * not among the counted ones).
 */
static json_t *view_count(const struct ticket_counts *c, const struct view_filter *f)
{
	int64_t n = 0;
	int found = 0;

	if (!f->assignee_id && !f->unassigned && !f->channel && !f->tag) {
		for (int i = 0; i < c->by_status.n; i++)
			if (status_wanted(f, c->by_status.items[i].status))
				n += c->by_status.items[i].n;
		return json_integer(n);
	}
	if (!f->unsolved_only)
		return json_null();
	if (!f->tag) {
		for (int i = 0; i < c->unsolved.n; i++) {
			const struct ticket_count *x = &c->unsolved.items[i];

			if (status_wanted(f, x->status) &&
			    (!f->channel || !strcmp(f->channel, x->channel)) &&
			    (!f->unassigned || !x->assignee_id) &&
			    (!f->assignee_id || f->assignee_id == x->assignee_id))
				n += x->n;
		}
		return json_integer(n);
	}
	if (f->assignee_id || f->unassigned || f->channel)
		return json_null();
	for (int i = 0; i < c->by_tag.n; i++) {
		const struct ticket_count *x = &c->by_tag.items[i];

		if (!strcmp(x->tag, f->tag)) {
			found = 1;
			if (status_wanted(f, x->status))
				n += x->n;
		}
	}
	return found ? json_integer(n) : json_null();
}

static enum err_code add_views(struct req *r, const struct ticket_counts *c, json_t *out)
{
	view_list views = { 0 };
	enum err_code rc = store_view_list(r->app->store, r->user.id, &views, &r->arena, &r->err);

	for (int i = 0; rc == E_OK && i < views.n; i++) {
		json_t *filters = json_loads(views.items[i].filters, 0, NULL);
		struct view_filter f;
		char id[24];

		snprintf(id, sizeof(id), "%" PRId64, views.items[i].id);
		if (json_is_object(filters) &&
		    !view_filter_read(filters, r->user.id, &f, &r->arena))
			json_object_set_new(out, id, view_count(c, &f));
		else
			json_object_set_new(out, id, json_null());
		json_decref(filters);
	}
	return rc;
}

API_HANDLER(api_tickets_counts)
{
	struct ticket_counts c;
	json_t *by_status = per_status(6), *mine = per_status(N_UNSOLVED);
	json_t *unassigned = per_status(N_UNSOLVED), *by_channel = json_object();
	json_t *by_tag = json_object(), *views = json_object();
	json_t *doc = json_pack("{s{so so so so so so}}", "counts", "by_status", by_status, "mine",
				mine, "unassigned", unassigned, "by_channel", by_channel, "by_tag",
				by_tag, "views", views);
	enum err_code rc;

	for (int i = 0; ticket_channels[i]; i++)
		json_object_set_new(by_channel, ticket_channels[i], per_status(N_UNSOLVED));
	if ((rc = store_ticket_counts(r->app->store, &c, &r->arena, &r->err)) ||
	    (rc = add_views(r, &c, views))) {
		json_decref(doc);
		return rc;
	}
	for (int i = 0; i < c.by_status.n; i++)
		add(by_status, c.by_status.items[i].status, c.by_status.items[i].n);
	for (int i = 0; i < c.unsolved.n; i++) {
		const struct ticket_count *x = &c.unsolved.items[i];

		add(unsolved_member(by_channel, x->channel), x->status, x->n);
		if (x->assignee_id == r->user.id)
			add(mine, x->status, x->n);
		if (!x->assignee_id)
			add(unassigned, x->status, x->n);
	}
	for (int i = 0; i < c.by_tag.n; i++)
		add(unsolved_member(by_tag, c.by_tag.items[i].tag), c.by_tag.items[i].status,
		    c.by_tag.items[i].n);
	return http_reply_json(r, 200, doc);
}
