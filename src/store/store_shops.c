/*
 * store_shops.c - the online stores (brands) deskd serves.
 */
#include "store/store_internal.h"
#include "util/timeutil.h"

struct shop_read {
	struct shop *one;
	shop_list *many;
	struct arena *a;
	int found;
};

static int read_shop(struct db_row *row, void *arg)
{
	struct shop_read *r = arg;
	struct shop *s = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	s->id = db_col_int(row, 0);
	s->slug = col_str(row, 1, r->a);
	s->name = col_str(row, 2, r->a);
	s->platform = col_str(row, 3, r->a);
	s->secret_sealed = col_str(row, 4, r->a);
	s->mailbox_id = db_col_null(row, 5) ? 0 : db_col_int(row, 5);
	s->settings = col_str(row, 6, r->a);
	s->created_at = db_col_int(row, 7);
	s->updated_at = db_col_int(row, 8);
	r->found = 1;
	return 0;
}

#define SHOP_COLS                                                                                  \
	"id, slug, name, platform, secret_sealed, mailbox_id, settings, created_at, updated_at"

enum err_code store_shop_list(struct store *st, shop_list *out, struct arena *a, struct error *err)
{
	struct shop_read r = {.many = out, .a = a};

	return store_read(st,
			  "SELECT " SHOP_COLS " FROM stores WHERE deleted = 0 ORDER BY name, id",
			  NULL, 0, read_shop, &r, err);
}

enum err_code store_shop_get(struct store *st, int64_t id, struct shop *out, struct arena *a,
			     struct error *err)
{
	struct shop_read r = {.one = out, .a = a};
	struct db_arg args[] = {DB_I(id)};
	enum err_code rc =
		store_read(st, "SELECT " SHOP_COLS " FROM stores WHERE id = $1 AND deleted = 0",
			   args, 1, read_shop, &r, err);

	if (rc == E_OK && !r.found)
		rc = error_set(err, E_NOT_FOUND, "no store %lld", (long long)id);
	return rc;
}

struct shop_write {
	const struct shop *in;
	struct shop_read r;
};

/* A store's mailbox must be one that is there: the foreign key alone would take a deleted one. */
static enum err_code check_mailbox(struct db *db, int64_t id, struct error *err)
{
	struct db_arg args[] = {DB_I(id)};
	int64_t found = 0;
	int rc;

	if (!id)
		return E_OK;
	rc = db_query(db, "SELECT id FROM mailboxes WHERE id = $1 AND deleted = 0", args, 1,
		      row_int, &found);
	if (rc)
		return store_fail(db, rc, err, "reading mailbox");
	return found ? E_OK : error_set(err, E_INVALID, "no mailbox %lld", (long long)id);
}

/* A new store when in->id is 0, else the new values of store in->id. */
static enum err_code shop_save_tx(struct db *db, void *arg, struct error *err)
{
	struct shop_write *w = arg;
	const struct shop *in = w->in;
	struct db_arg args[] = {in->id ? DB_I(in->id) : DB_S(in->slug),
				DB_S(in->name),
				DB_S(in->platform),
				in->secret_sealed ? DB_S(in->secret_sealed) : DB_NIL,
				DB_ID(in->mailbox_id),
				DB_S(in->settings),
				DB_I(time_now_us())};
	enum err_code rc = check_mailbox(db, in->mailbox_id, err);
	int qrc;

	if (rc)
		return rc;
	qrc = db_query(
		db,
		in->id ? "UPDATE stores SET name = $2, platform = $3, secret_sealed = $4,"
			 " mailbox_id = $5, settings = $6, updated_at = $7"
			 " WHERE id = $1 AND deleted = 0 RETURNING " SHOP_COLS
		       : "INSERT INTO stores (slug, name, platform, secret_sealed, mailbox_id,"
			 " settings, created_at, updated_at)"
			 " VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING " SHOP_COLS,
		args, 7, read_shop, &w->r);
	if (qrc == DB_CONSTRAINT && !in->id)
		return error_set(err, E_CONFLICT, "the slug '%s' is taken", in->slug);
	if (qrc)
		return store_fail(db, qrc, err, in->id ? "updating store" : "creating store");
	return w->r.found ? E_OK : error_set(err, E_NOT_FOUND, "no store %lld", (long long)in->id);
}

static enum err_code shop_delete_tx(struct db *db, void *arg, struct error *err)
{
	const int64_t *id = arg;
	struct db_arg args[] = {DB_I(*id), DB_I(time_now_us())};
	int64_t found = 0;
	int rc = db_query(
		db,
		"UPDATE stores SET deleted = 1, updated_at = $2 WHERE id = $1 AND deleted = 0"
		" RETURNING id",
		args, 2, row_int, &found);

	if (rc)
		return store_fail(db, rc, err, "deleting store");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no store %lld", (long long)*id);
}

enum err_code store_shop_create(struct store *st, const struct shop *in, struct shop *out,
				struct arena *a, struct error *err)
{
	struct shop_write w = {in, {.one = out, .a = a}};

	return store_write(st, shop_save_tx, &w, err);
}

enum err_code store_shop_update(struct store *st, const struct shop *in, struct shop *out,
				struct arena *a, struct error *err)
{
	struct shop_write w = {in, {.one = out, .a = a}};

	return store_write(st, shop_save_tx, &w, err);
}

enum err_code store_shop_delete(struct store *st, int64_t id, struct error *err)
{
	return store_write(st, shop_delete_tx, &id, err);
}

enum err_code store_shop_by_slug(struct store *st, const char *slug, struct shop *out,
				 struct arena *a, struct error *err)
{
	struct shop_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_S(slug) };
	enum err_code rc = store_read(st,
				      "SELECT " SHOP_COLS " FROM stores WHERE slug = $1 AND deleted = 0",
				      args, 1, read_shop, &r, err);

	if (rc == E_OK && !r.found)
		rc = error_set(err, E_NOT_FOUND, "no store '%s'", slug);
	return rc;
}
