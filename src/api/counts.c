/*
 * counts.c - how many tickets each inbox view holds, in one answer.
 *
 * The store gives the whole desk's counts (shared, up to a second old); what
 * depends on the caller (their own tickets, their saved views) is worked out
 * here from those, so it costs no query of its own. A tag outside the shared
 * ones (asked for with ?tag=, or in a saved view) and a view that filters a tag
 * together with an assignee or channel cost one walk of that tag's tickets.
 */
#include "api/api.h"
#include "core/text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_UNSOLVED 4 /* the first four of ticket_statuses */
#define MAX_ASKED_TAGS 50 /* in ?tag= */
#define MAX_TAG_WALKS 100 /* tags counted apart in one answer, views' included */

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
	f->channel = f->channel && *f->channel ? arena_strdup(a, f->channel) : NULL;
	if (tag && *tag) {
		/* folded as tags are stored (and as the ticket list folds ?tag=) */
		char *t = text_lower(tag);

		if (!t)
			return -1;
		f->tag = arena_strdup(a, t);
		free(t);
	}
	return 0;
}

static int status_wanted(const struct view_filter *f, const char *status)
{
	int i = status_index(status, strlen(status));

	return i >= 0 && (f->any_status || f->statuses[i]);
}

/* 1 when an unsolved count cell x is one of the tickets f lists */
static int cell_wanted(const struct view_filter *f, const struct ticket_count *x)
{
	return status_wanted(f, x->status) && (!f->channel || !strcmp(f->channel, x->channel)) &&
	       (!f->unassigned || !x->assignee_id) &&
	       (!f->assignee_id || f->assignee_id == x->assignee_id) &&
	       (!f->tag || !strcmp(f->tag, x->tag));
}

static int has_tag(const count_list *l, const char *tag)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].tag, tag))
			return 1;
	return 0;
}

/* The tags counted apart: `tag_walked` holds what store_tag_counts found for them. */
struct tag_walks {
	const char **tags;
	int n;
	count_list found;
};

static int listed(const char *const *tags, int n, const char *tag)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(tags[i], tag))
			return 1;
	return 0;
}

static void walk_add(struct tag_walks *w, const char *tag)
{
	if (w->n < MAX_TAG_WALKS && !listed(w->tags, w->n, tag))
		w->tags[w->n++] = tag;
}

/* Whether a view's tag needs a walk of its own: the shared counts cannot tell. */
static int view_needs_walk(const struct ticket_counts *c, const struct view_filter *f)
{
	return f->tag && f->unsolved_only &&
	       (f->assignee_id || f->unassigned || f->channel || !has_tag(&c->by_tag, f->tag));
}

/*
 * A saved view's count from the desk's counts and the walked tags, or null
 * when they cannot tell (a filter on solved tickets by assignee, channel or
 * tag, or more tags than one answer walks).
 */
static json_t *view_count(const struct ticket_counts *c, const struct tag_walks *w,
			  const struct view_filter *f)
{
	const count_list *cells = f->tag ? &c->by_tag : &c->unsolved;
	int64_t n = 0;

	if (!f->assignee_id && !f->unassigned && !f->channel && !f->tag) {
		for (int i = 0; i < c->by_status.n; i++)
			if (status_wanted(f, c->by_status.items[i].status))
				n += c->by_status.items[i].n;
		return json_integer(n);
	}
	if (!f->unsolved_only)
		return json_null();
	if (f->tag && listed(w->tags, w->n, f->tag))
		cells = &w->found;
	else if (f->tag && view_needs_walk(c, f))
		return json_null();
	for (int i = 0; i < cells->n; i++)
		if (cell_wanted(f, &cells->items[i]))
			n += cells->items[i].n;
	return json_integer(n);
}

/* The caller's saved views with the filters they hold (NULL: not readable). */
struct views_read {
	view_list list;
	struct view_filter *filters;
	int *readable;
};

static enum err_code views_read(struct req *r, struct views_read *v)
{
	enum err_code rc = store_view_list(r->app->store, r->user.id, &v->list, &r->arena, &r->err);

	if (rc)
		return rc;
	v->filters = arena_alloc(&r->arena, sizeof(*v->filters) * (size_t)(v->list.n + 1));
	v->readable = arena_alloc(&r->arena, sizeof(*v->readable) * (size_t)(v->list.n + 1));
	for (int i = 0; i < v->list.n; i++) {
		json_t *filters = json_loads(v->list.items[i].filters, 0, NULL);

		v->readable[i] = json_is_object(filters) &&
				 !view_filter_read(filters, r->user.id, &v->filters[i], &r->arena);
		json_decref(filters);
	}
	return E_OK;
}

static void add_views(const struct ticket_counts *c, const struct tag_walks *w,
		      const struct views_read *v, json_t *out)
{
	for (int i = 0; i < v->list.n; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%" PRId64, v->list.items[i].id);
		json_object_set_new(out, id,
				    v->readable[i] ? view_count(c, w, &v->filters[i]) : json_null());
	}
}

/* What a ticket's tag may be (api/fields.c): 1 to 64 bytes, no spaces or controls */
static int tag_ok(const char *s)
{
	size_t n = strlen(s);

	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return 0;
	return n && n <= 64;
}

/*
 * ?tag=a,b: tags to count whether or not they are among the shared ones,
 * lower-cased as tickets store them. 400 for what no ticket could carry.
 */
static enum err_code asked_tags(struct req *r, const char ***asked, int *n)
{
	const char *q = http_query(r, "tag");
	char *copy, *save = NULL;

	*n = 0;
	*asked = arena_alloc(&r->arena, sizeof(**asked) * MAX_ASKED_TAGS);
	if (!q)
		return E_OK;
	if (!text_utf8_valid(q, strlen(q), NULL))
		return error_set(&r->err, E_BAD_REQUEST, "tag must be UTF-8");
	copy = arena_strdup(&r->arena, q);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *lower;

		if (!tag_ok(p))
			return error_set(&r->err, E_BAD_REQUEST,
					 "each tag must be 1 to 64 bytes without spaces");
		if (*n == MAX_ASKED_TAGS)
			return error_set(&r->err, E_BAD_REQUEST, "at most %d tags", MAX_ASKED_TAGS);
		if (!(lower = text_lower(p)))
			return error_set(&r->err, E_INTERNAL, "out of memory");
		(*asked)[(*n)++] = arena_strdup(&r->arena, lower);
		free(lower);
	}
	if (!*n)
		return error_set(&r->err, E_BAD_REQUEST, "tag must name at least one tag");
	return E_OK;
}

/* Walks the asked tags the shared counts lack, and the tags of views that need it. */
static enum err_code walk_tags(struct req *r, const struct ticket_counts *c, const char **asked,
			       int n_asked, const struct views_read *v, struct tag_walks *w)
{
	w->tags = arena_alloc(&r->arena, sizeof(*w->tags) * MAX_TAG_WALKS);
	for (int i = 0; i < n_asked; i++)
		if (!has_tag(&c->by_tag, asked[i]))
			walk_add(w, asked[i]);
	for (int i = 0; i < v->list.n; i++)
		if (v->readable[i] && view_needs_walk(c, &v->filters[i]))
			walk_add(w, v->filters[i].tag);
	return store_tag_counts(r->app->store, w->tags, w->n, &w->found, &r->arena, &r->err);
}

API_HANDLER(api_tickets_counts)
{
	struct ticket_counts c;
	struct views_read v = { 0 };
	struct tag_walks w = { 0 };
	const char **asked;
	int n_asked;
	json_t *by_status = per_status(6), *mine = per_status(N_UNSOLVED);
	json_t *unassigned = per_status(N_UNSOLVED), *by_channel = json_object();
	json_t *by_tag = json_object(), *views = json_object();
	json_t *doc = json_pack("{s{so so so so so so}}", "counts", "by_status", by_status, "mine",
				mine, "unassigned", unassigned, "by_channel", by_channel, "by_tag",
				by_tag, "views", views);
	enum err_code rc;

	for (int i = 0; ticket_channels[i]; i++)
		json_object_set_new(by_channel, ticket_channels[i], per_status(N_UNSOLVED));
	if ((rc = asked_tags(r, &asked, &n_asked)) ||
	    (rc = store_ticket_counts(r->app->store, &c, &r->arena, &r->err)) ||
	    (rc = views_read(r, &v)) || (rc = walk_tags(r, &c, asked, n_asked, &v, &w))) {
		json_decref(doc);
		return rc;
	}
	add_views(&c, &w, &v, views);
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
	/* an asked tag is there even when no unsolved ticket carries it */
	for (int i = 0; i < n_asked; i++)
		unsolved_member(by_tag, asked[i]);
	for (int i = 0; i < w.found.n; i++)
		if (!has_tag(&c.by_tag, w.found.items[i].tag) &&
		    listed(asked, n_asked, w.found.items[i].tag))
			add(unsolved_member(by_tag, w.found.items[i].tag), w.found.items[i].status,
			    w.found.items[i].n);
	return http_reply_json(r, 200, doc);
}
