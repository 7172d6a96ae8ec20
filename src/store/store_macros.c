/*
 * store_macros.c - canned replies and saved views.
 */
#include "store/store_internal.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

struct macro_read {
	struct macro *one;
	macro_list *many;
	struct arena *a;
	int found;
};

static int read_macro(struct db_row *row, void *arg)
{
	struct macro_read *r = arg;
	struct macro *m = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	m->id = db_col_int(row, 0);
	m->title = col_str(row, 1, r->a);
	m->body = col_str(row, 2, r->a);
	m->created_at = db_col_int(row, 3);
	m->updated_at = db_col_int(row, 4);
	r->found = 1;
	return 0;
}

#define MACRO_COLS "id, title, body, created_at, updated_at"

enum err_code store_macro_list(struct store *st, macro_list *out, struct arena *a,
			       struct error *err)
{
	struct macro_read r = { .many = out, .a = a };

	return store_read(st, "SELECT " MACRO_COLS " FROM macros WHERE deleted = 0 ORDER BY title, id",
			  NULL, 0, read_macro, &r, err);
}

struct macro_write {
	int64_t id, actor_id;
	const char *title, *body;
	struct macro_read r;
};

static enum err_code macro_create_tx(struct db *db, void *arg, struct error *err)
{
	struct macro_write *w = arg;
	struct db_arg args[] = { DB_S(w->title), DB_S(w->body), DB_ID(w->actor_id),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO macros (title, body, created_by, created_at, updated_at, deleted)"
			  " VALUES ($1, $2, $3, $4, $4, 0) RETURNING " MACRO_COLS,
			  args, 4, read_macro, &w->r);

	return rc ? store_fail(db, rc, err, "creating macro") : E_OK;
}

static enum err_code macro_update_tx(struct db *db, void *arg, struct error *err)
{
	struct macro_write *w = arg;
	struct db_arg args[] = { DB_I(w->id), DB_S(w->title), DB_S(w->body), DB_I(time_now_us()) };
	int rc = db_query(db,
			  "UPDATE macros SET title = COALESCE($2, title), body = COALESCE($3, body),"
			  " updated_at = $4 WHERE id = $1 AND deleted = 0 RETURNING " MACRO_COLS,
			  args, 4, read_macro, &w->r);

	if (rc)
		return store_fail(db, rc, err, "updating macro");
	return w->r.found ? E_OK : error_set(err, E_NOT_FOUND, "no macro %lld", (long long)w->id);
}

static enum err_code macro_delete_tx(struct db *db, void *arg, struct error *err)
{
	struct macro_write *w = arg;
	struct db_arg args[] = { DB_I(w->id) };
	int64_t found = 0;
	int rc = db_query(db, "UPDATE macros SET deleted = 1 WHERE id = $1 AND deleted = 0 RETURNING id",
			  args, 1, row_int, &found);

	if (rc)
		return store_fail(db, rc, err, "deleting macro");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no macro %lld", (long long)w->id);
}

enum err_code store_macro_create(struct store *st, int64_t actor_id, const char *title,
				 const char *body, struct macro *out, struct arena *a,
				 struct error *err)
{
	struct macro_write w = { 0, actor_id, title, body, { .one = out, .a = a } };

	return store_write(st, macro_create_tx, &w, err);
}

enum err_code store_macro_update(struct store *st, int64_t id, const char *title, const char *body,
				 struct macro *out, struct arena *a, struct error *err)
{
	struct macro_write w = { id, 0, title, body, { .one = out, .a = a } };

	return store_write(st, macro_update_tx, &w, err);
}

enum err_code store_macro_delete(struct store *st, int64_t id, struct error *err)
{
	struct macro_write w = { .id = id };

	return store_write(st, macro_delete_tx, &w, err);
}

/* --- saved views --- */

struct view_read {
	struct saved_view *one;
	view_list *many;
	struct arena *a;
};

static int read_view(struct db_row *row, void *arg)
{
	struct view_read *r = arg;
	struct saved_view *v = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	v->id = db_col_int(row, 0);
	v->name = col_str(row, 1, r->a);
	v->filters = col_str(row, 2, r->a);
	v->created_at = db_col_int(row, 3);
	return 0;
}

enum err_code store_view_list(struct store *st, int64_t user_id, view_list *out, struct arena *a,
			      struct error *err)
{
	struct view_read r = { .many = out, .a = a };
	struct db_arg args[] = { DB_I(user_id) };

	return store_read(st,
			  "SELECT id, name, filters, created_at FROM saved_views WHERE user_id = $1"
			  " ORDER BY id",
			  args, 1, read_view, &r, err);
}

struct view_write {
	int64_t id, user_id;
	const char *name, *filters;
	struct view_read r;
};

static enum err_code view_create_tx(struct db *db, void *arg, struct error *err)
{
	struct view_write *w = arg;
	struct db_arg args[] = { DB_I(w->user_id), DB_S(w->name), DB_S(w->filters),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO saved_views (user_id, name, filters, created_at)"
			  " VALUES ($1, $2, $3, $4) RETURNING id, name, filters, created_at",
			  args, 4, read_view, &w->r);

	return rc ? store_fail(db, rc, err, "creating view") : E_OK;
}

/* A view belongs to its agent: deleting someone else's is "no such view". */
static enum err_code view_delete_tx(struct db *db, void *arg, struct error *err)
{
	struct view_write *w = arg;
	struct db_arg args[] = { DB_I(w->id), DB_I(w->user_id) };
	int64_t found = 0;
	int rc = db_query(db, "DELETE FROM saved_views WHERE id = $1 AND user_id = $2 RETURNING id",
			  args, 2, row_int, &found);

	if (rc)
		return store_fail(db, rc, err, "deleting view");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no view %lld", (long long)w->id);
}

enum err_code store_view_create(struct store *st, int64_t user_id, const char *name,
				const char *filters, struct saved_view *out, struct arena *a,
				struct error *err)
{
	struct view_write w = { 0, user_id, name, filters, { .one = out, .a = a } };

	return store_write(st, view_create_tx, &w, err);
}

enum err_code store_view_delete(struct store *st, int64_t user_id, int64_t id, struct error *err)
{
	struct view_write w = { .id = id, .user_id = user_id };

	return store_write(st, view_delete_tx, &w, err);
}

/* --- the event feed for live clients --- */

struct feed_read {
	event_list *out;
	struct arena *a;
};

static int read_feed(struct db_row *row, void *arg)
{
	struct feed_read *r = arg;
	struct event *e = LIST_PUSH(r->out, r->a);

	e->id = db_col_int(row, 0);
	e->ticket_id = db_col_null(row, 1) ? 0 : db_col_int(row, 1);
	e->actor_id = db_col_null(row, 2) ? 0 : db_col_int(row, 2);
	e->type = col_str(row, 3, r->a);
	e->changes = col_str(row, 4, r->a);
	e->created_at = db_col_int(row, 5);
	e->customer_id = db_col_null(row, 6) ? 0 : db_col_int(row, 6);
	return 0;
}

enum err_code store_events_since(struct store *st, int64_t after_id, int limit, event_list *out,
				 struct arena *a, struct error *err)
{
	struct feed_read r = { out, a };
	struct db_arg args[] = { DB_I(after_id), DB_I(limit) };

	if (after_id < 0)
		return store_read(st, "SELECT COALESCE(MAX(id), 0), NULL, NULL, '', '', 0, NULL FROM events",
				  NULL, 0, read_feed, &r, err);
	return store_read(st,
			  "SELECT id, ticket_id, actor_id, type, changes, created_at, customer_id"
			  " FROM events WHERE id > $1 ORDER BY id LIMIT $2",
			  args, 2, read_feed, &r, err);
}
