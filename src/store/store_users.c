/*
 * store_users.c - agents, API tokens and sessions.
 */
#include "store/store_internal.h"
#include "util/timeutil.h"

#include <stdlib.h>

#define USER_COLS "id, email, name, role, active, created_at, updated_at"

struct user_read {
	struct user *one;
	user_list *many;
	const char **extra; /* column 7 when the query has one: a hash, a CSRF token, a time */
	struct arena *a;
	int found;
};

static int read_user(struct db_row *row, void *arg)
{
	struct user_read *r = arg;
	struct user *u = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	u->id = db_col_int(row, 0);
	u->email = col_str(row, 1, r->a);
	u->name = col_str(row, 2, r->a);
	u->role = col_str(row, 3, r->a);
	u->active = (int)db_col_int(row, 4);
	u->created_at = db_col_int(row, 5);
	u->updated_at = db_col_int(row, 6);
	if (r->extra)
		*r->extra = col_str(row, 7, r->a);
	r->found = 1;
	return 0;
}

struct user_create {
	const char *email, *name, *role, *hash;
	struct user_read r;
};

static enum err_code user_create_tx(struct db *db, void *arg, struct error *err)
{
	struct user_create *c = arg;
	int64_t now = time_now_us();
	struct db_arg args[] = { DB_S(c->email), DB_S(c->name), DB_S(c->role), DB_S(c->hash),
				 DB_I(now) };
	int rc = db_query(db,
			  "INSERT INTO users (email, name, role, password_hash, active, created_at,"
			  " updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING " USER_COLS,
			  args, 5, read_user, &c->r);

	if (rc == DB_CONSTRAINT)
		return error_set(err, E_CONFLICT, "a user with email '%s' exists", c->email);
	return rc ? store_fail(db, rc, err, "creating user") : E_OK;
}

enum err_code store_user_create(struct store *st, const char *email, const char *name,
				const char *role, const char *password_hash, struct user *out,
				struct arena *a, struct error *err)
{
	struct user_create c = { email, name, role, password_hash, { .one = out, .a = a } };

	return store_write(st, user_create_tx, &c, err);
}

enum err_code store_user_get(struct store *st, int64_t id, struct user *out, struct arena *a,
			     struct error *err)
{
	struct user_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_I(id) };
	enum err_code rc =
		store_read(st, "SELECT " USER_COLS " FROM users WHERE id = $1", args, 1, read_user, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_NOT_FOUND, "no user %lld", (long long)id);
	return rc;
}

enum err_code store_user_by_email(struct store *st, const char *email, struct user *out,
				  const char **password_hash, struct arena *a, struct error *err)
{
	struct user_read r = { .one = out, .a = a, .extra = password_hash };
	struct db_arg args[] = { DB_S(email) };
	enum err_code rc = store_read(st, "SELECT " USER_COLS ", password_hash FROM users"
				      " WHERE email = $1",
				      args, 1, read_user, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_NOT_FOUND, "no user '%s'", email);
	return rc;
}

enum err_code store_user_list(struct store *st, user_list *out, struct arena *a,
			      struct error *err)
{
	struct user_read r = { .many = out, .a = a };

	return store_read(st, "SELECT " USER_COLS " FROM users ORDER BY id", NULL, 0, read_user, &r, err);
}

struct user_update {
	int64_t id;
	const char *name, *role, *hash;
	int active;
	struct user_read r;
};

static enum err_code user_update_tx(struct db *db, void *arg, struct error *err)
{
	struct user_update *u = arg;
	struct db_arg args[] = { DB_I(u->id), DB_S(u->name), DB_S(u->role),
				 u->active < 0 ? DB_NIL : DB_I(u->active), DB_S(u->hash),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role),"
			  " active = COALESCE($4, active), password_hash = COALESCE($5, password_hash),"
			  " updated_at = $6 WHERE id = $1 RETURNING " USER_COLS,
			  args, 6, read_user, &u->r);

	if (rc)
		return store_fail(db, rc, err, "updating user");
	if (!u->r.found)
		return error_set(err, E_NOT_FOUND, "no user %lld", (long long)u->id);
	if (u->active == 0 || u->hash) {
		/* a deactivated agent's sessions end now, and so do they on a new password */
		struct db_arg del[] = { DB_I(u->id) };

		rc = db_query(db, "DELETE FROM sessions WHERE user_id = $1", del, 1, NULL, NULL);
		if (rc)
			return store_fail(db, rc, err, "ending sessions");
	}
	return E_OK;
}

enum err_code store_user_update(struct store *st, int64_t id, const char *name, const char *role,
				int active, const char *password_hash, struct user *out,
				struct arena *a, struct error *err)
{
	struct user_update u = { id, name, role, password_hash, active, { .one = out, .a = a } };

	return store_write(st, user_update_tx, &u, err);
}

/* --- tokens --- */

#define TOKEN_USE_RESOLUTION_US ((int64_t)60 * 1000000)
#define TOKEN_COLS "id, user_id, name, created_at, last_used_at"

struct token_read {
	struct token_info *one;
	token_list *many;
	struct arena *a;
	int found;
};

static int read_token(struct db_row *row, void *arg)
{
	struct token_read *r = arg;
	struct token_info *t = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	t->id = db_col_int(row, 0);
	t->user_id = db_col_int(row, 1);
	t->name = col_str(row, 2, r->a);
	t->created_at = db_col_int(row, 3);
	t->last_used_at = db_col_null(row, 4) ? 0 : db_col_int(row, 4);
	r->found = 1;
	return 0;
}

struct token_create {
	int64_t user_id;
	const char *name, *hash;
	struct token_read r;
};

static enum err_code token_create_tx(struct db *db, void *arg, struct error *err)
{
	struct token_create *c = arg;
	struct db_arg args[] = { DB_I(c->user_id), DB_S(c->name), DB_S(c->hash),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked)"
			  " VALUES ($1, $2, $3, $4, 0) RETURNING " TOKEN_COLS,
			  args, 4, read_token, &c->r);

	if (rc == DB_CONSTRAINT)
		return error_set(err, E_INVALID, "no user %lld", (long long)c->user_id);
	return rc ? store_fail(db, rc, err, "creating token") : E_OK;
}

enum err_code store_token_create(struct store *st, int64_t user_id, const char *name,
				 const char *token_hash, struct token_info *out, struct arena *a,
				 struct error *err)
{
	struct token_create c = { user_id, name, token_hash, { .one = out, .a = a } };

	return store_write(st, token_create_tx, &c, err);
}

enum err_code store_token_list(struct store *st, token_list *out, struct arena *a,
			       struct error *err)
{
	struct token_read r = { .many = out, .a = a };

	return store_read(st, "SELECT " TOKEN_COLS " FROM api_tokens WHERE revoked = 0 ORDER BY id",
			  NULL, 0, read_token, &r, err);
}

static enum err_code token_revoke_tx(struct db *db, void *arg, struct error *err)
{
	int64_t id = *(int64_t *)arg, found = 0;
	struct db_arg args[] = { DB_I(id) };
	int rc = db_query(db,
			  "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND revoked = 0"
			  " RETURNING id",
			  args, 1, row_int, &found);

	if (rc)
		return store_fail(db, rc, err, "revoking token");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no token %lld", (long long)id);
}

enum err_code store_token_revoke(struct store *st, int64_t id, struct error *err)
{
	return store_write(st, token_revoke_tx, &id, err);
}

static enum err_code token_used_tx(struct db *db, void *arg, struct error *err)
{
	struct db_arg args[] = { DB_S((const char *)arg), DB_I(time_now_us()) };
	int rc = db_query(db, "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1", args,
			  2, NULL, NULL);

	return rc ? store_fail(db, rc, err, "noting token use") : E_OK;
}

enum err_code store_token_user(struct store *st, const char *token_hash, struct user *out,
			       struct arena *a, struct error *err)
{
	const char *last_used = NULL;
	struct user_read r = { .one = out, .a = a, .extra = &last_used };
	struct db_arg args[] = { DB_S(token_hash) };
	enum err_code rc = store_read(st, "SELECT u.id, u.email, u.name, u.role, u.active, u.created_at,"
				      " u.updated_at, CAST(COALESCE(t.last_used_at, 0) AS TEXT)"
				      " FROM api_tokens t JOIN users u ON u.id = t.user_id"
				      " WHERE t.token_hash = $1 AND t.revoked = 0 AND u.active = 1",
				      args, 1, read_user, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_UNAUTHORIZED, "invalid token");
	/* a write per request would cost more than it tells: once a minute is enough */
	if (rc == E_OK && time_now_us() - strtoll(last_used, NULL, 10) > TOKEN_USE_RESOLUTION_US)
		store_write(st, token_used_tx, (void *)token_hash, NULL);
	return rc;
}

/* --- sessions --- */

struct session_create {
	int64_t user_id, expires_at;
	const char *hash, *csrf;
};

static enum err_code session_create_tx(struct db *db, void *arg, struct error *err)
{
	struct session_create *c = arg;
	int64_t now = time_now_us();
	struct db_arg args[] = { DB_I(c->user_id), DB_S(c->hash), DB_S(c->csrf), DB_I(now),
				 DB_I(c->expires_at) };
	struct db_arg old[] = { DB_I(now) };
	int rc = db_query(db,
			  "INSERT INTO sessions (user_id, session_hash, csrf_token, created_at,"
			  " expires_at) VALUES ($1, $2, $3, $4, $5)",
			  args, 5, NULL, NULL);

	if (!rc)
		rc = db_query(db, "DELETE FROM sessions WHERE expires_at < $1", old, 1, NULL, NULL);
	return rc ? store_fail(db, rc, err, "creating session") : E_OK;
}

enum err_code store_session_create(struct store *st, int64_t user_id, const char *session_hash,
				   const char *csrf, int64_t expires_at, struct error *err)
{
	struct session_create c = { user_id, expires_at, session_hash, csrf };

	return store_write(st, session_create_tx, &c, err);
}

enum err_code store_session_user(struct store *st, const char *session_hash, struct user *out,
				 const char **csrf, struct arena *a, struct error *err)
{
	struct user_read r = { .one = out, .a = a, .extra = csrf };
	struct db_arg args[] = { DB_S(session_hash), DB_I(time_now_us()) };
	enum err_code rc = store_read(st, "SELECT u.id, u.email, u.name, u.role, u.active, u.created_at,"
				      " u.updated_at, s.csrf_token FROM sessions s"
				      " JOIN users u ON u.id = s.user_id"
				      " WHERE s.session_hash = $1 AND s.expires_at > $2"
				      " AND u.active = 1",
				      args, 2, read_user, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_UNAUTHORIZED, "session expired or invalid");
	return rc;
}

static enum err_code session_delete_tx(struct db *db, void *arg, struct error *err)
{
	struct db_arg args[] = { DB_S((const char *)arg) };
	int rc = db_query(db, "DELETE FROM sessions WHERE session_hash = $1", args, 1, NULL, NULL);

	return rc ? store_fail(db, rc, err, "ending session") : E_OK;
}

enum err_code store_session_delete(struct store *st, const char *session_hash, struct error *err)
{
	return store_write(st, session_delete_tx, (void *)session_hash, err);
}
