/*
 * hooks.c - what store platforms send: Shopify's and WooCommerce's webhooks.
 *
 * The platform is the caller, so there is no token: the signature over the raw
 * body, made with the store's secret, is the authentication, checked in
 * constant time before a byte of the body is parsed. A delivery is answered
 * 200 only once what it says is committed, so one the platform sees
 * acknowledged is stored once, and its retries (same delivery id) change
 * nothing.
 */
#include "api/api.h"
#include "core/auth.h"
#include "mail/ingest.h"
#include "orders/payload.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef enum err_code (*payload_reader)(const char *topic, const char *body, size_t len,
					struct payload *out, struct arena *a, struct error *err);

struct platform {
	const char *name;			  /* as stores.platform says it */
	const char *signature, *topic, *delivery; /* its headers */
	payload_reader read;
	atomic_uint_fast64_t ignored, duplicates; /* for /metrics */
};

static struct platform shopify = {.name = "shopify",
				  .signature = "X-Shopify-Hmac-Sha256",
				  .topic = "X-Shopify-Topic",
				  .delivery = "X-Shopify-Webhook-Id",
				  .read = payload_shopify};
static struct platform woocommerce = {.name = "woocommerce",
				      .signature = "X-WC-Webhook-Signature",
				      .topic = "X-WC-Webhook-Topic",
				      .delivery = "X-WC-Webhook-Delivery-ID",
				      .read = payload_woocommerce};

static const char *const outcomes[] = {
	[ORDER_CREATED] = "created",	 [ORDER_UPDATED] = "updated",
	[ORDER_UNCHANGED] = "unchanged", [ORDER_STALE] = "stale",
	[ORDER_DUPLICATE] = "duplicate", [ORDER_UNKNOWN] = "unknown_order",
	[ORDER_IGNORED] = "ignored",
};

static int woo_ping(struct req *r)
{
	size_t n = r->body.len;

	if (n <= 11 || n > 40 || strncmp(r->body.p, "webhook_id=", 11))
		return 0;
	for (size_t i = 11; i < n; i++)
		if (r->body.p[i] < '0' || r->body.p[i] > '9')
			return 0;
	return 1;
}

/* Platforms send a UUID or a number; anything else is not theirs. */
static int delivery_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* The store's secret, unsealed; E_UNAUTHORIZED when the signature is not its own. */
static enum err_code check_signature(struct req *r, const struct platform *pf,
				     const struct shop *shop)
{
	const char *sig = http_request_header(r, pf->signature);
	char *secret;
	int ok;

	if (!sig)
		return error_set(&r->err, E_UNAUTHORIZED, "%s is missing", pf->signature);
	if (!shop->secret_sealed)
		return error_set(&r->err, E_UNAUTHORIZED, "store '%s' has no webhook secret",
				 shop->slug);
	if (!(secret = mail_unseal(shop->secret_sealed)))
		return error_set(&r->err, E_INTERNAL, "cannot unseal the webhook secret");
	ok = auth_hmac_base64_ok(secret, r->body.p ? r->body.p : "", r->body.len, sig);
	sodium_memzero(secret, strlen(secret));
	free(secret);
	return ok ? E_OK : error_set(&r->err, E_UNAUTHORIZED, "the signature does not match");
}

static enum err_code take(struct req *r, struct platform *pf)
{
	const char *topic = http_request_header(r, pf->topic);
	const char *delivery = http_request_header(r, pf->delivery);
	enum order_outcome outcome;
	struct payload p;
	struct shop shop;
	struct order o;
	enum err_code rc;

	if ((rc = store_shop_by_slug(r->app->store, r->keys[0], &shop, &r->arena, &r->err)))
		return rc;
	if (strcmp(shop.platform, pf->name))
		return error_set(&r->err, E_NOT_FOUND, "store '%s' does not take %s webhooks",
				 shop.slug, pf->name);
	/*
	 * WooCommerce checks a new webhook with a form post "webhook_id=N" that
	 * names no topic and carries no signature; it stores nothing, so it is
	 * answered before the signature is asked for.
	 */
	if (!topic && pf == &woocommerce && woo_ping(r))
		return http_reply_json(r, 200, json_pack("{ss}", "outcome", "ping"));
	if ((rc = check_signature(r, pf, &shop)))
		return rc;
	if (!topic)
		return error_set(&r->err, E_BAD_REQUEST, "%s is missing", pf->topic);
	if ((rc = pf->read(topic, r->body.p ? r->body.p : "", r->body.len, &p, &r->arena, &r->err)))
		return rc;
	if (p.kind == PAYLOAD_IGNORED) {
		atomic_fetch_add(&pf->ignored, 1);
		return http_reply_json(r, 200, json_pack("{ss}", "outcome", "ignored"));
	}
	if (delivery && !delivery_id_ok(delivery))
		return error_set(&r->err, E_BAD_REQUEST, "%s must be 1 to 255 printable ASCII bytes",
				 pf->delivery);
	if ((rc = store_order_put(r->app->store, shop.id, 0, delivery, &p, &o, &outcome, &r->arena,
				  &r->err)))
		return rc;
	if (outcome == ORDER_DUPLICATE)
		atomic_fetch_add(&pf->duplicates, 1);
	return http_reply_json(r, 200,
			       json_pack("{ss so}", "outcome", outcomes[outcome], "order_id",
					 o.id ? json_integer(o.id) : json_null()));
}

API_HANDLER(api_hooks_shopify)
{
	return take(r, &shopify);
}

API_HANDLER(api_hooks_woocommerce)
{
	return take(r, &woocommerce);
}

void api_hooks_metrics(struct buf *b)
{
	const struct platform *all[] = {&shopify, &woocommerce};

	buf_adds(b, "# HELP deskd_store_webhooks_ignored_total Store webhooks of topics deskd "
		    "does not use.\n# TYPE deskd_store_webhooks_ignored_total counter\n");
	for (int i = 0; i < 2; i++)
		buf_addf(b, "deskd_store_webhooks_ignored_total{platform=\"%s\"} %llu\n",
			 all[i]->name, (unsigned long long)atomic_load(&all[i]->ignored));
	buf_adds(b, "# HELP deskd_store_webhooks_duplicate_total Store webhooks delivered again "
		    "(same delivery id): answered, nothing changed.\n"
		    "# TYPE deskd_store_webhooks_duplicate_total counter\n");
	for (int i = 0; i < 2; i++)
		buf_addf(b, "deskd_store_webhooks_duplicate_total{platform=\"%s\"} %llu\n",
			 all[i]->name, (unsigned long long)atomic_load(&all[i]->duplicates));
}
