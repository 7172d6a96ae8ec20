/*
 * customers.c - customers, their identities and their ticket history.
 */
#include "api/api.h"
#include "core/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const identity_types[] = { "email", "phone", "external", NULL };

/* Reads `identities` (and a shorthand `email`) into one list; emails lower-cased. */
static enum err_code read_identities(struct req *r, struct identity **ids, int *n, int *given)
{
	json_t *list = json_object_get(r->json, "identities"), *item;
	const char *email = NULL;
	size_t i;
	enum err_code rc;

	*n = 0;
	*given = list != NULL || json_object_get(r->json, "email") != NULL;
	if ((rc = field_email(r, r->json, "email", 0, &email)))
		return rc;
	if (list && !json_is_array(list))
		return error_set(&r->err, E_INVALID, "identities must be an array");
	if (json_array_size(list) > 50)
		return error_set(&r->err, E_INVALID, "at most 50 identities");
	*ids = arena_alloc(&r->arena, sizeof(**ids) * (json_array_size(list) + 1));
	if (email)
		(*ids)[(*n)++] = (struct identity){ "email", email };
	json_array_foreach(list, i, item) {
		static const char *const known[] = { "type", "value", NULL };
		struct identity id = { 0 };

		if (!json_is_object(item))
			return error_set(&r->err, E_INVALID, "each identity must be an object");
		if ((rc = fields_known(r, item, known)) ||
		    (rc = field_str(r, item, "type", 1, 1, 16, &id.type)) ||
		    (rc = field_enum(r, item, "type", identity_types, &id.type)))
			return rc;
		if (!strcmp(id.type, "email"))
			rc = field_email(r, item, "value", 1, &id.value);
		else
			rc = field_str(r, item, "value", 1, 1, 254, &id.value);
		if (rc)
			return rc;
		/* the shorthand and the list may name the same address */
		if (!(email && !strcmp(id.type, "email") && !strcmp(id.value, email)))
			(*ids)[(*n)++] = id;
	}
	return E_OK;
}

static json_t *render_with_history(struct req *r, const struct customer *c, enum err_code *rc)
{
	struct ticket_filter f = { .customer_id = c->id, .sort = SORT_CREATED_DESC, .limit = 100 };
	ticket_list list = { 0 };
	json_t *o, *a;

	*rc = store_ticket_list(r->app->store, &f, &list, &r->arena, &r->err);
	if (*rc)
		return NULL;
	o = render_customer(c);
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_ticket(&list.items[i]));
	json_object_set_new(o, "tickets", a);
	return o;
}

API_HANDLER(api_customers_get)
{
	struct customer c;
	enum err_code rc = store_customer_get(r->app->store, r->ids[0], &c, &r->arena, &r->err);
	json_t *o;

	if (rc || !(o = render_with_history(r, &c, &rc)))
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "customer", o));
}

API_HANDLER(api_customers_create)
{
	static const char *const known[] = { "name", "email", "identities", NULL };
	const char *name = NULL;
	struct identity *ids;
	struct customer c;
	int n, given;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "name", 1, 1, 200, &name)) ||
	    (rc = read_identities(r, &ids, &n, &given)))
		return rc;
	rc = store_customer_create(r->app->store, r->user.id, name, ids, n, &c, &r->arena, &r->err);
	if (rc)
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "customer", render_customer(&c)));
}

API_HANDLER(api_customers_update)
{
	static const char *const known[] = { "name", "email", "identities", NULL };
	const char *name = NULL;
	struct identity *ids;
	struct customer c;
	int n, given;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "name", 0, 1, 200, &name)) ||
	    (rc = read_identities(r, &ids, &n, &given)))
		return rc;
	rc = store_customer_update(r->app->store, r->user.id, r->ids[0], name, given ? ids : NULL,
				   n, &c, &r->arena, &r->err);
	if (rc)
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "customer", render_customer(&c)));
}

API_HANDLER(api_customers_list)
{
	const char *q = http_query(r, "q"), *cursor = http_query(r, "cursor");
	customer_list list = { 0 };
	long long before = 0;
	json_t *a, *next = json_null();
	int limit, n = 0;
	enum err_code rc;

	if ((rc = query_limit(r, 25, 100, &limit)))
		return rc;
	if (cursor && (sscanf(cursor, "%lld%n", &before, &n) != 1 || cursor[n] || before <= 0))
		return error_set(&r->err, E_BAD_REQUEST, "cursor is not one deskd gave out");
	if (q && strlen(q) > 200)
		return error_set(&r->err, E_BAD_REQUEST, "q is longer than 200 bytes");
	rc = store_customer_list(r->app->store, q, before, limit + 1, &list, &r->arena, &r->err);
	if (rc)
		return rc;
	if (list.n > limit) {
		char buf[24];

		list.n = limit;
		snprintf(buf, sizeof(buf), "%" PRId64, list.items[limit - 1].id);
		next = json_string(buf);
	}
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_customer(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so so}", "customers", a, "next_cursor", next));
}
