/*
 * tokens.c - API tokens for integrations (admin only). The token is shown once.
 */
#include "api/api.h"
#include "core/auth.h"
#include "core/render.h"

#include <stdlib.h>
#include <string.h>

API_HANDLER(api_tokens_list)
{
	token_list tokens = { 0 };
	enum err_code rc = store_token_list(r->app->store, &tokens, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < tokens.n; i++)
		json_array_append_new(a, render_token(&tokens.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", "tokens", a));
}

API_HANDLER(api_tokens_create)
{
	static const char *const known[] = { "name", "user_id", NULL };
	const char *name = NULL;
	int64_t user_id = r->user.id;
	struct token_info t;
	struct user owner;
	char *token, *hash;
	json_t *o;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "name", 1, 1, 200, &name)) ||
	    (rc = field_id(r, r->json, "user_id", &user_id, NULL)))
		return rc;
	if ((rc = store_user_get(r->app->store, user_id, &owner, &r->arena, &r->err)))
		return rc == E_NOT_FOUND ? error_set(&r->err, E_INVALID, "no user %lld",
						     (long long)user_id)
					 : rc;
	token = auth_random_token("dsk_");
	hash = auth_digest(token);
	rc = store_token_create(r->app->store, user_id, name, hash, &t, &r->arena, &r->err);
	if (rc == E_OK) {
		o = render_token(&t);
		json_object_set_new(o, "token", json_string(token));
		rc = http_reply_json(r, 201, o);
	}
	free(token);
	free(hash);
	return rc;
}

API_HANDLER(api_tokens_delete)
{
	enum err_code rc = store_token_revoke(r->app->store, r->ids[0], &r->err);

	return rc ? rc : http_reply_empty(r, 204);
}
