/*
 * store_customers.c - customers and their identities.
 */
#include "core/render.h"
#include "core/text.h"
#include "store/store_internal.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

/*
 * SQLite: documents wait in search_pending and reach FTS5 in bulk (see
 * store_search_flush); an FTS5 insert per commit costs more than the rest of
 * a ticket. PostgreSQL updates the row's tsvector and its token text (which
 * search ranks) at once.
 */
static const char *const index_sql[2][3] = {
	{ "INSERT INTO search_pending (kind, doc_id, tokens) VALUES (0, $1, $2)",
	  "INSERT INTO search_pending (kind, doc_id, tokens) VALUES (1, $1, $2)",
	  "INSERT INTO search_pending (kind, doc_id, tokens) VALUES (2, $1, $2)" },
	{ "UPDATE tickets SET search = to_tsvector('simple', $2), search_tokens = $2 WHERE id = $1",
	  "UPDATE messages SET search = to_tsvector('simple', $2), search_tokens = $2 WHERE id = $1",
	  "UPDATE customers SET search = to_tsvector('simple', $2), search_tokens = $2"
	  " WHERE id = $1" },
};

enum err_code store_index(struct db *db, const char *kind, int64_t id, const char *text,
			  struct error *err)
{
	int k = !strcmp(kind, "ticket") ? 0 : !strcmp(kind, "message") ? 1 : 2;
	int pg = db_backend(db) == DB_POSTGRES;
	char *tokens = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (text_tokens(text, strlen(text), &tokens, &len, &cap) < 0)
		die("out of memory");
	struct db_arg args[] = { DB_I(id), DB_S(tokens ? tokens : "") };
	rc = db_query(db, index_sql[pg][k], args, 2, NULL, NULL);
	free(tokens);
	if (!rc && !pg)
		store_search_queued();
	return rc ? store_fail(db, rc, err, "indexing") : E_OK;
}

struct customer_read {
	struct customer *one;
	customer_list *many;
	struct arena *a;
	int found;
};

static int read_customer(struct db_row *row, void *arg)
{
	struct customer_read *r = arg;
	struct customer *c = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	c->id = db_col_int(row, 0);
	c->name = col_str(row, 1, r->a);
	c->created_at = db_col_int(row, 2);
	c->updated_at = db_col_int(row, 3);
	c->language = col_str(row, 4, r->a);
	r->found = 1;
	return 0;
}

struct identity_read {
	struct customer *c;
	int cap;
	struct arena *a;
};

static int read_identity(struct db_row *row, void *arg)
{
	struct identity_read *r = arg;
	struct identity *id;

	id = list_push((void **)&r->c->identities, &r->c->n_identities, &r->cap,
		       sizeof(*r->c->identities), r->a);
	id->type = col_str(row, 0, r->a);
	id->value = col_str(row, 1, r->a);
	return 0;
}

static int load_identities(struct db *db, struct customer *c, struct arena *a)
{
	struct identity_read r = { c, 0, a };
	struct db_arg args[] = { DB_I(c->id) };

	c->identities = NULL;
	c->n_identities = 0;
	return db_query(db,
			"SELECT type, value FROM identities WHERE customer_id = $1"
			" ORDER BY CASE type WHEN 'email' THEN 0 ELSE 1 END, id",
			args, 1, read_identity, &r);
}

enum err_code customer_load(struct db *db, int64_t id, struct customer *out, struct arena *a,
			    struct error *err)
{
	struct customer_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_I(id) };
	int rc = db_query(db,
			  "SELECT id, name, created_at, updated_at, language FROM customers"
			  " WHERE id = $1",
			  args, 1, read_customer, &r);

	if (!rc && r.found)
		rc = load_identities(db, out, a);
	if (rc)
		return store_fail(db, rc, err, "reading customer");
	return r.found ? E_OK : error_set(err, E_NOT_FOUND, "no customer %lld", (long long)id);
}

enum err_code store_customer_get(struct store *st, int64_t id, struct customer *out,
				 struct arena *a, struct error *err)
{
	struct db *db = store_acquire(st);
	enum err_code rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = customer_load(db, id, out, a, err);
	store_release(st, db);
	return rc;
}

/* The text a customer is found by: name and every identity. */
static enum err_code index_customer(struct db *db, const struct customer *c, struct error *err)
{
	struct buf b;
	enum err_code rc;

	buf_init(&b, 0);
	buf_adds(&b, c->name);
	for (int i = 0; i < c->n_identities; i++) {
		buf_adds(&b, " ");
		buf_adds(&b, c->identities[i].value);
	}
	rc = store_index(db, "customer", c->id, b.p ? b.p : "", err);
	buf_release(&b);
	return rc;
}

static enum err_code add_identities(struct db *db, int64_t customer_id, const struct identity *ids,
				    int n, struct error *err)
{
	for (int i = 0; i < n; i++) {
		struct db_arg args[] = { DB_I(customer_id), DB_S(ids[i].type), DB_S(ids[i].value) };
		int rc = db_query(db,
				  "INSERT INTO identities (customer_id, type, value) VALUES ($1, $2, $3)",
				  args, 3, NULL, NULL);

		if (rc == DB_CONSTRAINT)
			return error_set(err, E_CONFLICT, "%s '%s' belongs to another customer",
					 ids[i].type, ids[i].value);
		if (rc)
			return store_fail(db, rc, err, "adding identity");
	}
	return E_OK;
}

enum err_code customer_insert(struct db *db, int64_t actor_id, const char *name,
			      const struct identity *ids, int n_ids, struct customer *out,
			      struct arena *a, struct error *err)
{
	int64_t now = time_now_us(), id = 0;
	struct db_arg args[] = { DB_S(name), DB_I(now) };
	enum err_code rc;
	int qrc = db_query(db,
			   "INSERT INTO customers (name, created_at, updated_at) VALUES ($1, $2, $2)"
			   " RETURNING id",
			   args, 2, row_int, &id);

	if (qrc)
		return store_fail(db, qrc, err, "creating customer");
	if ((rc = add_identities(db, id, ids, n_ids, err)) ||
	    (rc = customer_load(db, id, out, a, err)) || (rc = index_customer(db, out, err)))
		return rc;
	return store_record_event(db, 0, id, actor_id, "customer.created", json_object(),
				  json_pack("{so}", "customer", render_customer(out)), err);
}

struct customer_write {
	int64_t actor_id, id;
	const char *name;
	const struct identity *ids;
	int n_ids;
	struct customer *out;
	struct arena *a;
};

static enum err_code customer_create_tx(struct db *db, void *arg, struct error *err)
{
	struct customer_write *w = arg;

	return customer_insert(db, w->actor_id, w->name, w->ids, w->n_ids, w->out, w->a, err);
}

enum err_code store_customer_create(struct store *st, int64_t actor_id, const char *name,
				    const struct identity *ids, int n_ids, struct customer *out,
				    struct arena *a, struct error *err)
{
	struct customer_write w = { actor_id, 0, name, ids, n_ids, out, a };

	return store_write(st, customer_create_tx, &w, err);
}

static enum err_code customer_update_tx(struct db *db, void *arg, struct error *err)
{
	struct customer_write *w = arg;
	struct customer before;
	json_t *changes;
	enum err_code rc;
	int qrc;

	if ((rc = customer_load(db, w->id, &before, w->a, err)))
		return rc;
	struct db_arg args[] = { DB_I(w->id), DB_S(w->name), DB_I(time_now_us()) };
	qrc = db_query(db,
		       "UPDATE customers SET name = COALESCE($2, name), updated_at = $3 WHERE id = $1",
		       args, 3, NULL, NULL);
	if (!qrc && w->ids) {
		struct db_arg del[] = { DB_I(w->id) };

		qrc = db_query(db, "DELETE FROM identities WHERE customer_id = $1", del, 1, NULL,
			       NULL);
		if (!qrc && (rc = add_identities(db, w->id, w->ids, w->n_ids, err)))
			return rc;
	}
	if (qrc)
		return store_fail(db, qrc, err, "updating customer");
	if ((rc = customer_load(db, w->id, w->out, w->a, err)) ||
	    (rc = index_customer(db, w->out, err)))
		return rc;
	changes = json_object();
	if (w->name && strcmp(w->name, before.name))
		json_object_set_new(changes, "name", json_pack("[ss]", before.name, w->name));
	if (w->ids) {
		json_t *old = render_customer(&before), *now = render_customer(w->out);

		json_object_set_new(changes, "identities",
				    json_pack("[OO]", json_object_get(old, "identities"),
					      json_object_get(now, "identities")));
		json_decref(old);
		json_decref(now);
	}
	return store_record_event(db, 0, w->id, w->actor_id, "customer.updated", changes,
				  json_pack("{so}", "customer", render_customer(w->out)), err);
}

enum err_code store_customer_update(struct store *st, int64_t actor_id, int64_t id,
				    const char *name, const struct identity *ids, int n_ids,
				    struct customer *out, struct arena *a, struct error *err)
{
	struct customer_write w = { actor_id, id, name, ids, n_ids, out, a };

	return store_write(st, customer_update_tx, &w, err);
}

/* "%q%" with the LIKE wildcards in q taken literally (malloc'd). */
static char *like_pattern(const char *q)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "%");
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			buf_adds(&b, "\\");
		buf_add(&b, q, 1);
	}
	buf_adds(&b, "%");
	return buf_detach(&b, NULL);
}

enum err_code store_customer_list(struct store *st, const char *q, int64_t before_id, int limit,
				  customer_list *out, struct arena *a, struct error *err)
{
	struct customer_read r = { .many = out, .a = a };
	struct db *db = store_acquire(st);
	char *like = NULL;
	enum err_code rc = E_OK;
	int qrc = 0;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	if (q && *q)
		like = like_pattern(q);
	struct db_arg args[] = { DB_I(before_id ? before_id : INT64_MAX), DB_S(like),
				 DB_I(limit) };
	qrc = db_query(db,
		       "SELECT c.id, c.name, c.created_at, c.updated_at, c.language FROM customers c"
		       " WHERE c.id < $1 AND (CAST($2 AS TEXT) IS NULL"
		       " OR lower(c.name) LIKE lower($2) ESCAPE '\\'"
		       " OR EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = c.id"
		       " AND lower(i.value) LIKE lower($2) ESCAPE '\\'))"
		       " ORDER BY c.id DESC LIMIT $3",
		       args, 3, read_customer, &r);
	for (int i = 0; !qrc && i < out->n; i++)
		qrc = load_identities(db, &out->items[i], a);
	if (qrc)
		rc = store_fail(db, qrc, err, "listing customers");
	store_release(st, db);
	free(like);
	return rc;
}
