/*
 * users.c - agents and admins (admin only).
 */
#include "api/api.h"
#include "core/auth.h"
#include "core/render.h"

#include <stdlib.h>
#include <string.h>

static const char *const roles[] = { "admin", "agent", NULL };

/* Lists every user, each rendered by `render` under `key`. */
static enum err_code reply_users(struct req *r, const char *key,
				 json_t *(*render)(const struct user *u))
{
	user_list users = { 0 };
	enum err_code rc = store_user_list(r->app->store, &users, &r->arena, &r->err);
	json_t *a;

	if (rc)
		return rc;
	a = json_array();
	for (int i = 0; i < users.n; i++)
		json_array_append_new(a, render(&users.items[i]));
	return http_reply_json(r, 200, json_pack("{so}", key, a));
}

API_HANDLER(api_users_list)
{
	return reply_users(r, "users", render_user);
}

static enum err_code hash_password(struct req *r, const char *password, char **hash)
{
	*hash = NULL;
	if (!password)
		return E_OK;
	*hash = auth_password_hash(password);
	return *hash ? E_OK : error_set(&r->err, E_INTERNAL, "cannot hash the password");
}

API_HANDLER(api_users_create)
{
	static const char *const known[] = { "email", "name", "role", "password", NULL };
	const char *email = NULL, *name = NULL, *role = NULL, *password = NULL;
	struct user u;
	char *hash;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_email(r, r->json, "email", 1, &email)) ||
	    (rc = field_str(r, r->json, "name", 1, 1, 200, &name)) ||
	    (rc = field_str(r, r->json, "role", 1, 1, 16, &role)) ||
	    (rc = field_enum(r, r->json, "role", roles, &role)) ||
	    (rc = field_str(r, r->json, "password", 1, 8, 1024, &password)) ||
	    (rc = hash_password(r, password, &hash)))
		return rc;
	rc = store_user_create(r->app->store, email, name, role, hash, &u, &r->arena, &r->err);
	free(hash);
	return rc ? rc : http_reply_json(r, 201, json_pack("{so}", "user", render_user(&u)));
}

API_HANDLER(api_users_update)
{
	static const char *const known[] = { "name", "role", "active", "password", NULL };
	const char *name = NULL, *role = NULL, *password = NULL;
	json_t *active = json_object_get(r->json, "active");
	struct user u;
	char *hash;
	enum err_code rc;

	if ((rc = fields_known(r, r->json, known)) ||
	    (rc = field_str(r, r->json, "name", 0, 1, 200, &name)) ||
	    (rc = field_enum(r, r->json, "role", roles, &role)) ||
	    (rc = field_str(r, r->json, "password", 0, 8, 1024, &password)))
		return rc;
	if (active && !json_is_boolean(active))
		return error_set(&r->err, E_INVALID, "active must be true or false");
	if (r->ids[0] == r->user.id && ((active && !json_is_true(active)) ||
					(role && strcmp(role, "admin"))))
		return error_set(&r->err, E_INVALID, "you cannot deactivate or demote yourself");
	if ((rc = hash_password(r, password, &hash)))
		return rc;
	rc = store_user_update(r->app->store, r->ids[0], name, role,
			       active ? json_is_true(active) : -1, hash, &u, &r->arena, &r->err);
	free(hash);
	return rc ? rc : http_reply_json(r, 200, json_pack("{so}", "user", render_user(&u)));
}

/* Every agent may see who its colleagues are (to assign, to name authors); not their emails. */
static json_t *render_colleague(const struct user *u)
{
	return json_pack("{sI ss ss sb}", "id", (json_int_t)u->id, "name", u->name, "role",
			 u->role, "active", u->active);
}

API_HANDLER(api_agents_list)
{
	return reply_users(r, "agents", render_colleague);
}
