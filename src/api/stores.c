/*
 * stores.c - the online stores (brands) deskd serves (admin only).
 *
 * A store's own columns are what deskd looks it up by (slug, platform, secret,
 * mailbox); what it shows shoppers and allows them is its settings object,
 * checked here field by field and stored as one JSON text.
 */
#include "api/api.h"
#include "core/render.h"
#include "mail/ingest.h"

#include <stdlib.h>
#include <string.h>

static const char *const platforms[] = {"shopify", "woocommerce", "custom", NULL};
static const char *const languages[] = {"en", "ko", "ja", "tr", NULL};
static const char *const wismo_modes[] = {"off", "suggest", "auto", NULL};
static const char *const store_fields[] = {"slug",
					   "name",
					   "platform",
					   "secret",
					   "mailbox_id",
					   "default_language",
					   "logo_url",
					   "accent_color",
					   "return_window_days",
					   "cancel_window_hours",
					   "widget_origins",
					   "wismo",
					   NULL};

enum err_code api_query_store(struct req *r, int64_t *store_id)
{
	const char *slug = http_query(r, "store");
	struct shop shop;
	enum err_code rc;

	if (!slug)
		return E_OK;
	if ((rc = store_shop_by_slug(r->app->store, slug, &shop, &r->arena, &r->err)))
		return rc == E_NOT_FOUND ? error_set(&r->err, E_BAD_REQUEST, "no store '%s'", slug)
					 : rc;
	*store_id = shop.id;
	return E_OK;
}

static json_t *render_store(const struct shop *s)
{
	json_t *settings = json_loads(s->settings, 0, NULL), *out;

	out = json_pack("{sI ss ss ss sb so so so}", "id", (json_int_t)s->id, "slug", s->slug,
			"name", s->name, "platform", s->platform, "secret_set",
			s->secret_sealed != NULL, "mailbox_id",
			s->mailbox_id ? json_integer(s->mailbox_id) : json_null(), "created_at",
			render_time(s->created_at), "updated_at", render_time(s->updated_at));
	if (json_is_object(settings))
		json_object_update_missing(out, settings);
	if (!json_object_get(out, "wismo")) /* a store made before WISMO answers */
		json_object_set_new(out, "wismo", json_string("suggest"));
	json_decref(settings);
	return out;
}

static int slug_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] != '-' && s[n - 1] != '-';
}

/* An http(s) URL without spaces or quotes; what it points at is the shopper's browser's to load. */
static int url_ok(const char *s)
{
	return (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) &&
	       !strpbrk(s, " \t\r\n\"'<>\\");
}

/* scheme://host[:port], nothing after: what a browser sends as Origin */
static int origin_ok(const char *s)
{
	const char *host = !strncmp(s, "https://", 8)  ? s + 8
			   : !strncmp(s, "http://", 7) ? s + 7
						       : NULL;
	size_t n = host ? strlen(host) : 0;

	return n && strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789-.:[]") == n &&
	       host[0] != ':';
}

static enum err_code read_int(struct req *r, json_t *s, const char *name, int max)
{
	json_t *v = json_object_get(r->json, name);

	if (!v)
		return E_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return error_set(&r->err, E_INVALID, "%s must be a whole number from 0 to %d", name,
				 max);
	json_object_set(s, name, v);
	return E_OK;
}

static enum err_code read_origins(struct req *r, json_t *s)
{
	json_t *v = json_object_get(r->json, "widget_origins"), *o;
	size_t i;

	if (!v)
		return E_OK;
	if (!json_is_array(v) || json_array_size(v) > 20)
		return error_set(&r->err, E_INVALID, "widget_origins must be a list of up to 20");
	json_array_foreach(v, i,
			   o) if (!json_is_string(o) || json_string_length(o) > 200 ||
				  !origin_ok(json_string_value(
					  o))) return error_set(&r->err, E_INVALID,
								"widget_origins[%zu] must be an "
								"origin like https://shop.example",
								i);
	json_object_set(s, "widget_origins", v);
	return E_OK;
}

/* The settings text from the body over the old settings (NULL: a new store, with defaults). */
static enum err_code read_settings(struct req *r, const char *old_text, const char **out)
{
	json_t *s = old_text ? json_loads(old_text, 0, NULL) : NULL;
	const char *lang = NULL, *logo = NULL, *color = NULL, *wismo = NULL;
	enum err_code rc;
	char *text;

	if (!json_is_object(s)) {
		json_decref(s);
		s = json_pack("{ss sn sn si si s[]}", "default_language", "en", "logo_url",
			      "accent_color", "return_window_days", 30, "cancel_window_hours", 12,
			      "widget_origins");
	}
	if (!(rc = field_enum(r, r->json, "default_language", languages, &lang)) &&
	    !(rc = field_enum(r, r->json, "wismo", wismo_modes, &wismo)) &&
	    !(rc = field_str(r, r->json, "logo_url", 0, 8, 500, &logo)) &&
	    !(rc = field_str(r, r->json, "accent_color", 0, 7, 7, &color)) &&
	    !(rc = read_int(r, s, "return_window_days", 365)) &&
	    !(rc = read_int(r, s, "cancel_window_hours", 720)) && !(rc = read_origins(r, s))) {
		/* shoppers' pages load images over https only (their CSP says img-src https:) */
		if (logo && (!url_ok(logo) || strncmp(logo, "https://", 8)))
			rc = error_set(&r->err, E_INVALID, "logo_url must be an https:// URL");
		else if (color &&
			 (color[0] != '#' || strspn(color + 1, "0123456789abcdefABCDEF") != 6))
			rc = error_set(&r->err, E_INVALID, "accent_color must be like #1a2b3c");
	}
	if (!rc) {
		if (lang)
			json_object_set_new(s, "default_language", json_string(lang));
		/* stores made before WISMO answers suggest them */
		if (wismo || !json_object_get(s, "wismo"))
			json_object_set_new(s, "wismo", json_string(wismo ? wismo : "suggest"));
		/* null clears them */
		if (logo || json_is_null(json_object_get(r->json, "logo_url")))
			json_object_set_new(s, "logo_url", logo ? json_string(logo) : json_null());
		if (color || json_is_null(json_object_get(r->json, "accent_color")))
			json_object_set_new(s, "accent_color",
					    color ? json_string(color) : json_null());
		text = json_dumps(s, JSON_COMPACT);
		*out = arena_strdup(&r->arena, text);
		free(text);
	}
	json_decref(s);
	return rc;
}

/* Name, platform, secret and mailbox from the body into `s`; a new secret is sealed. */
static enum err_code read_store(struct req *r, struct shop *s)
{
	json_t *secret = json_object_get(r->json, "secret");
	const char *plain = NULL;
	int mailbox_null = 0;
	enum err_code rc;

	if ((rc = field_str(r, r->json, "name", !s->id, 1, 200, &s->name)) ||
	    (rc = field_enum(r, r->json, "platform", platforms, &s->platform)) ||
	    (rc = field_str(r, r->json, "secret", 0, 8, 256, &plain)) ||
	    (rc = field_id(r, r->json, "mailbox_id", &s->mailbox_id, &mailbox_null)) ||
	    (rc = read_settings(r, s->id ? s->settings : NULL, &s->settings)))
		return rc;
	if (mailbox_null)
		s->mailbox_id = 0;
	if (json_is_null(secret))
		s->secret_sealed = NULL;
	if (plain) {
		char *sealed = mail_seal(plain);

		if (!sealed)
			return error_set(&r->err, E_INTERNAL, "no key to seal secrets with");
		s->secret_sealed = arena_strdup(&r->arena, sealed);
		free(sealed);
	}
	return E_OK;
}

API_HANDLER(api_stores_list)
{
	shop_list list = {0};
	enum err_code rc = store_shop_list(r->app->store, &list, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(a, render_store(&list.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "stores", a));
}

API_HANDLER(api_stores_get)
{
	struct shop s;
	enum err_code rc = store_shop_get(r->app->store, r->ids[0], &s, &r->arena, &r->err);

	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "store", render_store(&s)));
}

API_HANDLER(api_stores_create)
{
	struct shop in = {.platform = "custom"}, s;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, store_fields)) ||
	    (rc = field_str(r, r->json, "slug", 1, 1, 64, &in.slug)))
		return rc;
	if (!slug_ok(in.slug))
		return error_set(&r->err, E_INVALID,
				 "slug must be lower-case letters, digits and inner hyphens");
	if ((rc = read_store(r, &in)) ||
	    (rc = store_shop_create(r->app->store, &in, &s, &r->arena, &r->err)))
		return rc;
	return http_reply_json(r, 201, json_pack("{so}", "store", render_store(&s)));
}

API_HANDLER(api_stores_update)
{
	struct shop s;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, store_fields)))
		return rc;
	if (json_object_get(r->json, "slug"))
		return error_set(&r->err, E_INVALID,
				 "slug cannot change: tracking links and webhooks name it");
	if ((rc = store_shop_get(r->app->store, r->ids[0], &s, &r->arena, &r->err)) ||
	    (rc = read_store(r, &s)) ||
	    (rc = store_shop_update(r->app->store, &s, &s, &r->arena, &r->err)))
		return rc;
	return http_reply_json(r, 200, json_pack("{so}", "store", render_store(&s)));
}

API_HANDLER(api_stores_delete)
{
	enum err_code rc = store_shop_delete(r->app->store, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}
