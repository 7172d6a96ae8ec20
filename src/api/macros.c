/*
 * macros.c - canned replies (shared; admins edit them) and each agent's saved views.
 */
#include "api/api.h"
#include "core/render.h"

#include <stdlib.h>
#include <string.h>

static json_t *render_macro(const struct macro *m)
{
	return json_pack("{sI ss ss so so}", "id", (json_int_t)m->id, "title", m->title, "body",
			 m->body, "created_at", render_time(m->created_at), "updated_at",
			 render_time(m->updated_at));
}

API_HANDLER(api_macros_list)
{
	macro_list list = { 0 };
	enum err_code rc = store_macro_list(r->app->store, &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_macro(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "macros", a));
}

static enum err_code read_macro(struct req *r, int required, const char **title,
				const char **body)
{
	static const char *const known[] = { "title", "body", NULL };
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "title", required, 1, 200, title)) ||
	    (rc = field_str(r, r->json, "body", required, 1, 20000, body)))
		return rc;
	return E_OK;
}

API_HANDLER(api_macros_create)
{
	const char *title = NULL, *body = NULL;
	struct macro m;
	enum err_code rc;

	if ((rc = read_macro(r, 1, &title, &body)) ||
	    (rc = store_macro_create(r->app->store, r->user.id, title, body, &m, &r->arena,
				     &r->err)))
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "macro", render_macro(&m)));
}

API_HANDLER(api_macros_update)
{
	const char *title = NULL, *body = NULL;
	struct macro m;
	enum err_code rc;

	if ((rc = read_macro(r, 0, &title, &body)) ||
	    (rc = store_macro_update(r->app->store, r->ids[0], title, body, &m, &r->arena,
				     &r->err)))
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "macro", render_macro(&m)));
}

API_HANDLER(api_macros_delete)
{
	enum err_code rc = store_macro_delete(r->app->store, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}

/* --- saved views --- */

static json_t *render_view(const struct saved_view *v)
{
	json_t *filters = json_loads(v->filters, 0, NULL);

	return json_pack("{sI ss so so}", "id", (json_int_t)v->id, "name", v->name, "filters",
			 filters ? filters : json_object(), "created_at", render_time(v->created_at));
}

API_HANDLER(api_views_list)
{
	view_list list = { 0 };
	enum err_code rc = store_view_list(r->app->store, r->user.id, &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_view(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "views", a));
}

/* Filters are the ticket list's query arguments: only those, only as short strings. */
static enum err_code check_filters(struct req *r, json_t *f)
{
	static const char *const known[] = { "status", "assignee", "tag", "channel", "sort", NULL };
	const char *key;
	json_t *v;
	enum err_code rc;

	if (!json_is_object(f))
		return error_set(&r->err, E_INVALID, "filters must be an object");
	if ((rc = fields_known(r, f, known)))
		return rc;
	json_object_foreach(f, key, v) {
		if (!json_is_string(v) || json_string_length(v) > 200)
			return error_set(&r->err, E_INVALID, "filters.%s must be a short string", key);
	}
	return E_OK;
}

API_HANDLER(api_views_create)
{
	static const char *const known[] = { "name", "filters", NULL };
	json_t *filters = json_object_get(r->json, "filters");
	const char *name = NULL;
	struct saved_view v;
	char *text;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "name", 1, 1, 100, &name)))
		return rc;
	if (!filters)
		return error_set(&r->err, E_INVALID, "filters is required");
	if ((rc = check_filters(r, filters)))
		return rc;
	text = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
	rc = store_view_create(r->app->store, r->user.id, name, text, &v, &r->arena, &r->err);
	free(text);
	return rc ? rc : http_reply_json(r, 201, json_pack("{so}", "view", render_view(&v)));
}

API_HANDLER(api_views_delete)
{
	enum err_code rc = store_view_delete(r->app->store, r->user.id, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}
