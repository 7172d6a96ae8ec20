/*
 * webhooks.c - subscriptions of URLs to event types (admin only).
 */
#include "api/api.h"
#include "core/auth.h"
#include "core/netguard.h"
#include "core/render.h"
#include "util/buf.h"
#include "util/libcurl.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

static const char *const event_types[] = { "ticket.created",   "ticket.updated",
					   "message.created",  "customer.created",
					   "customer.updated", "order.created",
					   "order.updated",    "*",
					   NULL };

static enum err_code read_events(struct req *r, const char **out)
{
	json_t *list = json_object_get(r->json, "events"), *item;
	struct buf b;
	size_t i;

	if (!list)
		return error_set(&r->err, E_INVALID, "events is required");
	if (!json_is_array(list) || !json_array_size(list))
		return error_set(&r->err, E_INVALID, "events must be a non-empty array");
	buf_init(&b, 4096);
	json_array_foreach(list, i, item) {
		int k;

		for (k = 0; event_types[k]; k++)
			if (json_is_string(item) && !strcmp(json_string_value(item), event_types[k]))
				break;
		if (!event_types[k]) {
			buf_release(&b);
			return error_set(&r->err, E_INVALID, "events[%zu] is not a known event type", i);
		}
		if (b.len)
			buf_adds(&b, ",");
		buf_adds(&b, event_types[k]);
	}
	*out = arena_strdup(&r->arena, b.p);
	buf_release(&b);
	return E_OK;
}

/*
 * The host is read by libcurl's own URL parser, the one that will read it
 * when delivering, so no trick of syntax (userinfo, brackets, numeric forms)
 * can make the two disagree. Its addresses are checked again at each
 * connection (util/libcurl.h, libcurl_guard): a DNS answer that changes
 * after saving cannot get past.
 */
static enum err_code check_url_target(struct req *r, const char *url)
{
	const char *missing;
	char *host = NULL;
	enum err_code rc;
	CURLU *u;

	if (netguard_private_allowed())
		return E_OK;
	if ((missing = libcurl_load()))
		return error_set(&r->err, E_UNAVAILABLE, "%s", missing);
	if (!(u = libcurl.url()))
		die("out of memory");
	if (libcurl.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    /* an international name as libcurl will look it up: ｌｏｃａｌｈｏｓｔ is localhost */
	    libcurl.url_get(u, CURLUPART_HOST, &host, CURLU_PUNYCODE) != CURLUE_OK)
		rc = error_set(&r->err, E_INVALID, "url must be an http:// or https:// URL");
	else
		rc = netguard_check_host(host, "webhook url", &r->err);
	libcurl.free(host);
	libcurl.url_cleanup(u);
	return rc;
}

static enum err_code check_url(struct req *r, const char *url)
{
	if ((strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
	    strpbrk(url, " \t\r\n\"<>\\"))
		return error_set(&r->err, E_INVALID, "url must be an http:// or https:// URL");
	return check_url_target(r, url);
}

API_HANDLER(api_webhooks_create)
{
	static const char *const known[] = { "url", "events", "secret", NULL };
	const char *url = NULL, *events = NULL, *secret = NULL;
	char *generated = NULL;
	struct webhook w;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "url", 1, 8, 2000, &url)) || (rc = check_url(r, url)) ||
	    (rc = read_events(r, &events)) ||
	    (rc = field_str(r, r->json, "secret", 0, 16, 200, &secret)))
		return rc;
	if (!secret)
		secret = generated = auth_random_token("whsec_");
	rc = store_webhook_create(r->app->store, url, events, secret, &w, &r->arena, &r->err);
	free(generated);
	if (rc)
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "webhook", render_webhook(&w, 1)));
}

API_HANDLER(api_webhooks_list)
{
	webhook_list list = { 0 };
	enum err_code rc = store_webhook_list(r->app->store, &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_webhook(&list.items[i], 0));
	return http_reply_json(r, 200, json_pack("{so}", "webhooks", a));
}

API_HANDLER(api_webhooks_get)
{
	struct webhook w;
	enum err_code rc = store_webhook_get(r->app->store, r->ids[0], &w, &r->arena, &r->err);

	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "webhook", render_webhook(&w, 0)));
}

API_HANDLER(api_webhooks_delete)
{
	enum err_code rc = store_webhook_delete(r->app->store, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}

API_HANDLER(api_deliveries_list)
{
	delivery_list list = { 0 };
	enum err_code rc = store_delivery_list(r->app->store, r->ids[0], &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_delivery(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "deliveries", a));
}
