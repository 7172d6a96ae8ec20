/*
 * orders.c - a store's orders: written by the store's own systems through deskd's
 * order document (admin tokens), read by agents beside their tickets.
 */
#include "api/api.h"
#include "core/render.h"
#include "orders/payload.h"

#include <stdlib.h>
#include <string.h>

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *opt_time(int64_t t)
{
	return t ? render_time(t) : json_null();
}

static json_t *render_shipment(const struct shipment *s)
{
	json_t *scans = json_array();

	for (int i = 0; i < s->n_scans; i++) {
		const struct shipment_scan *sc = &s->scans[i];

		json_array_append_new(scans, json_pack("{ss so so so}", "status", sc->status, "at",
						       render_time(sc->at), "location",
						       opt_str(sc->location), "description",
						       opt_str(sc->description)));
	}
	return json_pack("{sI ss so so so so ss so so so so so}", "id", (json_int_t)s->id,
			 "external_id", s->external_id, "carrier", opt_str(s->carrier),
			 "tracking_number", opt_str(s->tracking_number), "tracking_url",
			 opt_str(s->tracking_url), "platform_status", opt_str(s->platform_status),
			 "state", order_state_name(s->state), "eta", opt_time(s->eta), "shipped_at",
			 opt_time(s->shipped_at), "delivered_at", opt_time(s->delivered_at),
			 "updated_at", render_time(s->updated_at), "scans", scans);
}

static json_t *render_order(const struct order *o)
{
	json_t *items = json_array(), *shipments = json_array(), *out;

	for (int i = 0; i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];

		json_array_append_new(items,
				      json_pack("{so so so sI sI}", "sku", opt_str(it->sku), "name",
						opt_str(it->name), "variant", opt_str(it->variant),
						"quantity", (json_int_t)it->quantity, "price_minor",
						(json_int_t)it->price_minor));
	}
	for (int i = 0; i < o->n_shipments; i++)
		json_array_append_new(shipments, render_shipment(&o->shipments[i]));
	out = json_pack(
		"{sI sI ss ss so so so ss sI sI so so ss so so so}", "id", (json_int_t)o->id,
		"store_id", (json_int_t)o->store_id, "external_id", o->external_id, "number",
		o->number, "customer_id",
		o->customer_id ? json_integer(o->customer_id) : json_null(), "email",
		opt_str(o->email), "phone", opt_str(o->phone), "currency", o->currency,
		"total_minor", (json_int_t)o->total_minor, "refunded_minor",
		(json_int_t)o->refunded_minor, "financial_status", opt_str(o->financial_status),
		"fulfillment_status", opt_str(o->fulfillment_status), "state",
		order_state_name(o->state), "placed_at", render_time(o->placed_at), "cancelled_at",
		opt_time(o->cancelled_at), "platform_updated_at", render_time(o->updated_at));
	json_object_set_new(out, "customer_name", opt_str(o->customer_name));
	json_object_set_new(out, "created_at", render_time(o->recorded_at));
	json_object_set_new(out, "updated_at", render_time(o->changed_at));
	json_object_set_new(out, "items", items);
	json_object_set_new(out, "shipments", shipments);
	return out;
}

API_HANDLER(api_orders_put)
{
	struct shop shop;
	struct payload p;
	enum order_outcome outcome;
	struct order o;
	enum err_code rc;
	char *text;

	if ((rc = store_shop_by_slug(r->app->store, r->keys[0], &shop, &r->arena, &r->err)))
		return rc;
	/* the HTTP layer has checked the body's type, UTF-8 and JSON; the reader checks the order
	 */
	text = json_dumps(r->json, JSON_COMPACT);
	if (!text)
		return error_set(&r->err, E_INTERNAL, "out of memory");
	rc = payload_order_document(r->keys[1], text, strlen(text), &p, &r->arena, &r->err);
	free(text);
	if (rc == E_INVALID_JSON || rc == E_INVALID)
		r->err.code = rc = E_INVALID;
	if (rc || (rc = store_order_put(r->app->store, shop.id, r->user.id, NULL, &p, &o, &outcome,
					&r->arena, &r->err)))
		return rc;
	return http_reply_json(r, outcome == ORDER_CREATED ? 201 : 200,
			       json_pack("{so}", "order", render_order(&o)));
}

API_HANDLER(api_shipment_events_create)
{
	struct shipment_scan scan;
	struct order o;
	enum err_code rc;
	int64_t eta;
	int duplicate;
	char *text;

	/* as for the order document: the HTTP layer has checked the body's type, UTF-8 and JSON */
	text = json_dumps(r->json, JSON_COMPACT);
	if (!text)
		return error_set(&r->err, E_INTERNAL, "out of memory");
	rc = payload_scan(text, strlen(text), &scan, &eta, &r->arena, &r->err);
	free(text);
	if (rc == E_INVALID_JSON || rc == E_INVALID)
		r->err.code = rc = E_INVALID;
	if (rc || (rc = store_shipment_scan(r->app->store, r->ids[0], r->user.id, &scan, eta, &o,
					    &duplicate, &r->arena, &r->err)))
		return rc;
	return http_reply_json(r, duplicate ? 200 : 201,
			       json_pack("{so sb}", "order", render_order(&o), "duplicate",
					 duplicate));
}

API_HANDLER(api_orders_list)
{
	const char *customer = http_query(r, "customer_id");
	const char *q = http_query(r, "q");
	struct order_filter f = {.number = q && *q ? q : NULL};
	order_list list = {0};
	enum err_code rc;
	json_t *a;

	if (customer && parse_id(customer, &f.customer_id))
		return error_set(&r->err, E_BAD_REQUEST, "customer_id must be an id");
	if (f.number && *f.number == '#')
		f.number++;
	if ((rc = api_query_store(r, &f.store_id)) || (rc = query_limit(r, 50, 200, &f.limit)) ||
	    (rc = store_order_list(r->app->store, &f, &list, &r->arena, &r->err)))
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_order(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "orders", a));
}

API_HANDLER(api_orders_get)
{
	struct order o;
	enum err_code rc = store_order_get(r->app->store, r->ids[0], &o, &r->arena, &r->err);

	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "order", render_order(&o)));
}

API_HANDLER(api_orders_events)
{
	struct order o;
	event_list list = {0};
	enum err_code rc;
	json_t *a;

	if ((rc = store_order_get(r->app->store, r->ids[0], &o, &r->arena, &r->err)) ||
	    (rc = store_order_event_list(r->app->store, o.id, &list, &r->arena, &r->err)))
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_event(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "events", a));
}
