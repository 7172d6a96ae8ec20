/*
 * store_orders.c - a store's orders, their items, shipments and scans.
 *
 * A write loads what is stored, asks orders/order.h what the new facts make of
 * each shipment and of the order, writes the result and the events of what
 * changed in the same transaction (docs/ARCHITECTURE.md, "Orders and WISMO").
 */
#include "store/store_internal.h"
#include "util/timeutil.h"

#include <string.h>

#define ORDER_COLS                                                                                 \
	"id, store_id, external_id, number, customer_id, email, phone, customer_external_id,"      \
	" customer_name, currency, total_minor, refunded_minor, financial_status,"                 \
	" fulfillment_status, state, placed_at, platform_updated_at, cancelled_at,"                \
	" created_at, updated_at"
#define SHIPMENT_COLS                                                                              \
	"id, order_id, external_id, carrier, tracking_number, tracking_url, platform_status,"      \
	" state, eta, shipped_at, delivered_at, created_at, updated_at"

static enum order_state col_state(struct db_row *row, int col)
{
	enum order_state s = ORDER_ORDERED;

	order_state_parse(db_col_text(row, col), &s);
	return s;
}

struct order_read {
	struct order *one;
	order_list *many;
	struct arena *a;
	int found;
};

static int read_order(struct db_row *row, void *arg)
{
	struct order_read *r = arg;
	struct order *o = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	memset(o, 0, sizeof(*o));
	o->id = db_col_int(row, 0);
	o->store_id = db_col_int(row, 1);
	o->external_id = col_str(row, 2, r->a);
	o->number = col_str(row, 3, r->a);
	o->customer_id = col_time(row, 4);
	o->email = col_str(row, 5, r->a);
	o->phone = col_str(row, 6, r->a);
	o->customer_external_id = col_str(row, 7, r->a);
	o->customer_name = col_str(row, 8, r->a);
	o->currency = col_str(row, 9, r->a);
	o->total_minor = db_col_int(row, 10);
	o->refunded_minor = db_col_int(row, 11);
	o->financial_status = col_str(row, 12, r->a);
	o->fulfillment_status = col_str(row, 13, r->a);
	o->state = col_state(row, 14);
	o->placed_at = db_col_int(row, 15);
	o->updated_at = db_col_int(row, 16);
	o->cancelled_at = col_time(row, 17);
	o->recorded_at = db_col_int(row, 18);
	o->changed_at = db_col_int(row, 19);
	r->found = 1;
	return 0;
}

struct parts_read {
	struct order *o;
	struct arena *a;
	int cap;
};

static int read_item(struct db_row *row, void *arg)
{
	struct parts_read *r = arg;
	struct order_item *it;

	it = list_push((void **)&r->o->items, &r->o->n_items, &r->cap, sizeof(*it), r->a);
	it->external_id = col_str(row, 0, r->a);
	it->sku = col_str(row, 1, r->a);
	it->name = col_str(row, 2, r->a);
	it->variant = col_str(row, 3, r->a);
	it->quantity = db_col_int(row, 4);
	it->price_minor = db_col_int(row, 5);
	return 0;
}

static int read_shipment(struct db_row *row, void *arg)
{
	struct parts_read *r = arg;
	struct shipment *s;

	s = list_push((void **)&r->o->shipments, &r->o->n_shipments, &r->cap, sizeof(*s), r->a);
	s->id = db_col_int(row, 0);
	s->order_id = db_col_int(row, 1);
	s->external_id = col_str(row, 2, r->a);
	s->carrier = col_str(row, 3, r->a);
	s->tracking_number = col_str(row, 4, r->a);
	s->tracking_url = col_str(row, 5, r->a);
	s->platform_status = col_str(row, 6, r->a);
	s->state = col_state(row, 7);
	s->eta = col_time(row, 8);
	s->shipped_at = col_time(row, 9);
	s->delivered_at = col_time(row, 10);
	s->created_at = db_col_int(row, 11);
	s->updated_at = db_col_int(row, 12);
	return 0;
}

struct scans_read {
	struct shipment *s;
	struct arena *a;
	int cap;
};

static int read_scan(struct db_row *row, void *arg)
{
	struct scans_read *r = arg;
	struct shipment_scan *sc;

	sc = list_push((void **)&r->s->scans, &r->s->n_scans, &r->cap, sizeof(*sc), r->a);
	sc->status = col_str(row, 0, r->a);
	sc->location = col_str(row, 1, r->a);
	sc->description = col_str(row, 2, r->a);
	sc->at = db_col_int(row, 3);
	return 0;
}

/* The order's items, shipments and each shipment's scans, into o. */
static int load_parts(struct db *db, struct order *o, struct arena *a)
{
	struct db_arg args[] = {DB_I(o->id)};
	struct parts_read items = {o, a, 0}, ships = {o, a, 0};
	int rc;

	o->n_items = o->n_shipments = 0;
	rc = db_query(
		db,
		"SELECT external_id, sku, name, variant, quantity, price_minor FROM order_items"
		" WHERE order_id = $1 ORDER BY position",
		args, 1, read_item, &items);
	if (!rc)
		rc = db_query(db,
			      "SELECT " SHIPMENT_COLS
			      " FROM shipments WHERE order_id = $1 ORDER BY id",
			      args, 1, read_shipment, &ships);
	for (int i = 0; !rc && i < o->n_shipments; i++) {
		struct db_arg sargs[] = {DB_I(o->shipments[i].id)};
		struct scans_read scans = {&o->shipments[i], a, 0};

		rc = db_query(db,
			      "SELECT status, location, description, at FROM shipment_scans"
			      " WHERE shipment_id = $1 ORDER BY at, id",
			      sargs, 1, read_scan, &scans);
	}
	return rc;
}

enum err_code order_load(struct db *db, const char *where, const struct db_arg *args, int nargs,
			 struct order *out, int *found, struct arena *a, struct error *err)
{
	struct order_read r = {.one = out, .a = a};
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " ORDER_COLS " FROM orders WHERE %s", where);
	rc = db_query(db, sql, args, nargs, read_order, &r);
	if (!rc && r.found)
		rc = load_parts(db, out, a);
	*found = r.found;
	return rc ? store_fail(db, rc, err, "reading order") : E_OK;
}

enum err_code store_order_get(struct store *st, int64_t id, struct order *out, struct arena *a,
			      struct error *err)
{
	struct db *db = store_acquire(st);
	struct db_arg args[] = {DB_I(id)};
	enum err_code rc;
	int found = 0;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = order_load(db, "id = $1", args, 1, out, &found, a, err);
	store_release(st, db);
	if (rc == E_OK && !found)
		rc = error_set(err, E_NOT_FOUND, "no order %lld", (long long)id);
	return rc;
}

enum err_code store_order_list(struct store *st, const struct order_filter *f, order_list *out,
			       struct arena *a, struct error *err)
{
	struct db *db;
	struct order_read r = {.many = out, .a = a};
	struct db_arg args[] = {DB_I(f->customer_id), DB_I(f->store_id),
				f->number ? DB_S(f->number) : DB_NIL, DB_I(f->limit)};
	enum err_code ret;
	int rc;

	if (!(db = store_acquire(st)))
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	/* newest first; each filter is off when its argument is 0 or null */
	rc = db_query(db,
		      "SELECT " ORDER_COLS " FROM orders WHERE ($1 = 0 OR customer_id = $1)"
		      " AND ($2 = 0 OR store_id = $2) AND (CAST($3 AS TEXT) IS NULL OR number = $3"
		      " OR number = '#' || $3) ORDER BY placed_at DESC, id DESC LIMIT $4",
		      args, 4, read_order, &r);
	for (int i = 0; !rc && i < out->n; i++)
		rc = load_parts(db, &out->items[i], a);
	/* the error is the connection's: read it before another thread may take it */
	ret = rc ? store_fail(db, rc, err, "listing orders") : E_OK;
	store_release(st, db);
	return ret;
}

/* --- writing --- */

struct order_put {
	int64_t store_id, actor_id;
	const char *delivery_id; /* the platform's id of this delivery; NULL: none */
	const struct payload *p;
	struct order *out;
	enum order_outcome *outcome;
	struct arena *a;
};

/* The customer an order belongs to: by email (created when new), else by phone. */
static enum err_code order_customer(struct db *db, const struct order *o, int64_t *id,
				    struct arena *a, struct error *err)
{
	if (o->email && *o->email)
		return customer_for_email(db, o->email, o->customer_name, id, a, err);
	if (o->phone && *o->phone) {
		struct db_arg args[] = {DB_S(o->phone)};
		int rc = db_query(
			db,
			"SELECT customer_id FROM identities WHERE type = 'phone' AND value = $1",
			args, 1, row_int, id);

		if (rc)
			return store_fail(db, rc, err, "finding customer");
	}
	return E_OK;
}

static const struct shipment *find_shipment(const struct order *o, const char *external_id)
{
	for (int i = 0; o && i < o->n_shipments; i++)
		if (!strcmp(o->shipments[i].external_id, external_id))
			return &o->shipments[i];
	return NULL;
}

/*
 * The shipments after `in`: each one it names, moved on from where it was by
 * its platform word and then by its scans (those of p whose shipment is
 * in[i]) in time order. A whole order (`keep` 0) has only the shipments it
 * names; a single fulfillment (`keep` 1) leaves the others as they were.
 * Scans stored before stay either way: they are history.
 */
static void merge_shipments(const struct order *old, const struct shipment *in, int n_in, int keep,
			    const struct payload *p, struct order *next, struct arena *a)
{
	int n_old = keep && old ? old->n_shipments : 0, n = n_old;
	struct shipment *all = arena_alloc(a, sizeof(*all) * (size_t)(n_old + n_in + 1));

	for (int i = 0; i < n_old; i++)
		all[i] = old->shipments[i];
	for (int i = 0; i < n_in; i++) {
		const struct shipment *was = find_shipment(old, in[i].external_id);
		const struct shipment *kept = find_shipment(&(struct order){.shipments = all,
									  .n_shipments = n},
							    in[i].external_id);
		struct shipment *s = kept ? (struct shipment *)kept : &all[n++];
		enum order_state state = was ? was->state : ORDER_ORDERED;

		*s = in[i];
		s->id = was ? was->id : 0;
		s->created_at = was ? was->created_at : 0;
		state = order_shipment_state(state, in[i].platform_status);
		for (int j = 0; j < p->n_scans; j++)
			if (p->scan_shipments && p->scan_shipments[j] == i)
				state = order_shipment_state(state, p->scans[j].status);
		s->state = state;
		if (state == ORDER_DELIVERED && !s->delivered_at && was)
			s->delivered_at = was->delivered_at;
	}
	next->shipments = all;
	next->n_shipments = n;
}

/* Stores scan sc of shipment `shipment_id` unless it is there; *taken (when asked) says it was new. */
static int insert_scan(struct db *db, int64_t shipment_id, const struct shipment_scan *sc,
		       int64_t *taken)
{
	struct db_arg args[] = {DB_I(shipment_id), DB_S(sc->status),
				sc->location ? DB_S(sc->location) : DB_NIL,
				sc->description ? DB_S(sc->description) : DB_NIL, DB_I(sc->at)};

	return db_query(db,
			"INSERT INTO shipment_scans (shipment_id, status, location, description, at)"
			" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shipment_id, at, status)"
			" DO NOTHING RETURNING shipment_id",
			args, 5, taken ? row_int : NULL, taken);
}

/* An order new here (`fresh`) has no items, shipments or scans to delete. */
static enum err_code write_shipments(struct db *db, int64_t order_id, int fresh, struct order *next,
				     const struct payload *p, int64_t now, struct error *err)
{
	int rc = 0;

	for (int i = 0; !rc && i < next->n_shipments; i++) {
		struct shipment *s = &next->shipments[i];
		struct db_arg args[] = {DB_I(order_id),
					DB_S(s->external_id),
					s->carrier ? DB_S(s->carrier) : DB_NIL,
					s->tracking_number ? DB_S(s->tracking_number) : DB_NIL,
					s->tracking_url ? DB_S(s->tracking_url) : DB_NIL,
					s->platform_status ? DB_S(s->platform_status) : DB_NIL,
					DB_S(order_state_name(s->state)),
					DB_ID(s->eta),
					DB_ID(s->shipped_at),
					DB_ID(s->delivered_at),
					DB_I(now)};

		rc = db_query(
			db,
			"INSERT INTO shipments (order_id, external_id, carrier, tracking_number,"
			" tracking_url, platform_status, state, eta, shipped_at, delivered_at,"
			" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			" $11, $11) ON CONFLICT (order_id, external_id) DO UPDATE SET"
			" carrier = excluded.carrier, tracking_number = excluded.tracking_number,"
			" tracking_url = excluded.tracking_url,"
			" platform_status = excluded.platform_status, state = excluded.state,"
			" eta = excluded.eta, shipped_at = excluded.shipped_at,"
			" delivered_at = excluded.delivered_at, updated_at = excluded.updated_at"
			" RETURNING id",
			args, 11, row_int, &s->id);
	}
	/* every shipment the order still has was written just now: the others are gone */
	if (!rc && !fresh) {
		struct db_arg args[] = {DB_I(order_id), DB_I(now)};

		rc = db_query(
			db,
			"DELETE FROM shipment_scans WHERE shipment_id IN (SELECT id FROM shipments"
			" WHERE order_id = $1 AND updated_at <> $2)",
			args, 2, NULL, NULL);
		if (!rc)
			rc = db_query(
				db,
				"DELETE FROM shipments WHERE order_id = $1 AND updated_at <> $2",
				args, 2, NULL, NULL);
	}
	for (int j = 0; !rc && j < p->n_scans; j++) {
		const struct shipment_scan *sc = &p->scans[j];
		int which = p->scan_shipments ? p->scan_shipments[j] : -1;
		const struct shipment *s =
			which >= 0 && which < p->order.n_shipments
				? find_shipment(next, p->order.shipments[which].external_id)
				: NULL;

		if (s)
			rc = insert_scan(db, s->id, sc, NULL);
	}
	return rc ? store_fail(db, rc, err, "writing shipments") : E_OK;
}

static enum err_code write_items(struct db *db, int64_t order_id, int fresh,
				 const struct order *o, struct error *err)
{
	struct db_arg del[] = {DB_I(order_id)};
	int rc = fresh ? 0
		       : db_query(db, "DELETE FROM order_items WHERE order_id = $1", del, 1, NULL,
				  NULL);

	for (int i = 0; !rc && i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];
		struct db_arg args[] = {DB_I(order_id),
					DB_I(i),
					it->external_id ? DB_S(it->external_id) : DB_NIL,
					it->sku ? DB_S(it->sku) : DB_NIL,
					it->name ? DB_S(it->name) : DB_NIL,
					it->variant ? DB_S(it->variant) : DB_NIL,
					DB_I(it->quantity),
					DB_I(it->price_minor)};

		rc = db_query(
			db,
			"INSERT INTO order_items (order_id, position, external_id, sku, name,"
			" variant, quantity, price_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			args, 8, NULL, NULL);
	}
	return rc ? store_fail(db, rc, err, "writing order items") : E_OK;
}

static void change_str(json_t *changes, const char *name, const char *was, const char *now)
{
	if ((was || now) && (!was || !now || strcmp(was, now)))
		json_object_set_new(changes, name,
				    json_pack("[oo]", was ? json_string(was) : json_null(),
					      now ? json_string(now) : json_null()));
}

/* What changed between the stored order and the next one, as events record it. */
static json_t *order_changes(const struct order *old, const struct order *next)
{
	json_t *c = json_object();

	change_str(c, "state", order_state_name(old->state), order_state_name(next->state));
	change_str(c, "financial_status", old->financial_status, next->financial_status);
	change_str(c, "fulfillment_status", old->fulfillment_status, next->fulfillment_status);
	if (old->refunded_minor != next->refunded_minor)
		json_object_set_new(c, "refunded_minor",
				    json_pack("[II]", (json_int_t)old->refunded_minor,
					      (json_int_t)next->refunded_minor));
	if (!old->cancelled_at != !next->cancelled_at)
		json_object_set_new(
			c, "cancelled",
			json_pack("[bb]", old->cancelled_at != 0, next->cancelled_at != 0));
	for (int i = 0; i < next->n_shipments; i++) {
		const struct shipment *s = &next->shipments[i];
		const struct shipment *was = find_shipment(old, s->external_id);

		if (!was || was->state != s->state) {
			json_t *list = json_object_get(c, "shipments");

			if (!list) {
				list = json_array();
				json_object_set_new(c, "shipments", list);
			}
			json_array_append_new(
				list,
				json_pack("{ss s[os]}", "external_id", s->external_id, "state",
					  was ? json_string(order_state_name(was->state))
					      : json_null(),
					  order_state_name(s->state)));
		}
	}
	return c;
}

static json_t *order_event_data(void *arg)
{
	const struct order *o = arg;

	return json_pack("{s{sI sI ss ss ss}}", "order", "id", (json_int_t)o->id, "store_id",
			 (json_int_t)o->store_id, "external_id", o->external_id, "number",
			 o->number, "state", order_state_name(o->state));
}

/* The order as written, into w->out; an import (w->out NULL) does not need it. */
static enum err_code reload(struct db *db, struct order_put *w, int64_t id, struct error *err)
{
	int found;

	if (!w->out)
		return E_OK;
	return order_load(db, "id = $1", (struct db_arg[]){DB_I(id)}, 1, w->out, &found, w->a,
			  err);
}

/* Writes `next` (its state decided here), its items and shipments, and the event of what changed. */
static enum err_code save_order(struct db *db, struct order_put *w, const struct order *old,
				struct order *next, struct error *err)
{
	int64_t now = time_now_us();
	json_t *changes;
	enum err_code rc;
	int qrc;

	next->state = order_decide_state(next);
	next->changed_at = now;
	if (old && !w->p->n_scans && order_same(old, next)) {
		/* the same facts again: nothing to write, no event */
		*w->outcome = ORDER_UNCHANGED;
		return reload(db, w, next->id, err);
	}
	struct db_arg args[] = {DB_I(w->store_id),
				DB_S(next->external_id),
				DB_S(next->number),
				DB_ID(next->customer_id),
				next->email ? DB_S(next->email) : DB_NIL,
				next->phone ? DB_S(next->phone) : DB_NIL,
				next->customer_external_id ? DB_S(next->customer_external_id) : DB_NIL,
				next->customer_name ? DB_S(next->customer_name) : DB_NIL,
				DB_S(next->currency),
				DB_I(next->total_minor),
				DB_I(next->refunded_minor),
				next->financial_status ? DB_S(next->financial_status) : DB_NIL,
				next->fulfillment_status ? DB_S(next->fulfillment_status) : DB_NIL,
				DB_S(order_state_name(next->state)),
				DB_I(next->placed_at),
				DB_I(next->updated_at),
				DB_ID(next->cancelled_at),
				DB_I(now)};
	qrc = db_query(
		db,
		"INSERT INTO orders (store_id, external_id, number, customer_id, email, phone,"
		" customer_external_id, customer_name, currency, total_minor, refunded_minor,"
		" financial_status, fulfillment_status, state, placed_at, platform_updated_at,"
		" cancelled_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
		" $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)"
		" ON CONFLICT (store_id, external_id) DO UPDATE SET number = excluded.number,"
		" customer_id = excluded.customer_id, email = excluded.email,"
		" phone = excluded.phone, customer_external_id = excluded.customer_external_id,"
		" customer_name = excluded.customer_name, currency = excluded.currency,"
		" total_minor = excluded.total_minor, refunded_minor = excluded.refunded_minor,"
		" financial_status = excluded.financial_status,"
		" fulfillment_status = excluded.fulfillment_status, state = excluded.state,"
		" placed_at = excluded.placed_at, platform_updated_at = excluded.platform_updated_at,"
		" cancelled_at = excluded.cancelled_at, updated_at = excluded.updated_at"
		" RETURNING id",
		args, 18, row_int, &next->id);
	if (qrc)
		return store_fail(db, qrc, err, "writing order");
	if ((rc = write_items(db, next->id, !old, next, err)) ||
	    (rc = write_shipments(db, next->id, !old, next, w->p, now, err)))
		return rc;
	*w->outcome = old ? ORDER_UPDATED : ORDER_CREATED;
	changes = old ? order_changes(old, next) : json_object();
	if (old && !json_object_size(changes)) {
		json_decref(changes);
		*w->outcome = ORDER_UNCHANGED;
	} else if ((rc = store_record_order_event(db, next->id, next->customer_id, w->actor_id,
						  old ? "order.updated" : "order.created", changes,
						  order_event_data, next, err))) {
		return rc;
	}
	return reload(db, w, next->id, err);
}

/*
 * The order of store key[0] with external id key[1], locked for this write.
 * PostgreSQL: one write per order at a time, also while the row is not there
 * yet (FOR UPDATE would lock nothing, and two first deliveries would both
 * insert, the later one overwriting without the staleness check).
 */
static enum err_code order_lock_load(struct db *db, const struct db_arg key[2], struct order *out,
				     int *found, struct arena *a, struct error *err)
{
	int qrc;

	if (db_backend(db) == DB_POSTGRES &&
	    (qrc = db_query(db, "SELECT pg_advisory_xact_lock(hashtextextended($2, $1))", key, 2,
			    NULL, NULL)))
		return store_fail(db, qrc, err, "locking order");
	return order_load(db, "store_id = $1 AND external_id = $2", key, 2, out, found, a, err);
}

/* A whole order: created, or brought up to date unless the stored one is newer. */
static enum err_code put_whole(struct db *db, struct order_put *w, struct order *old, int found,
			       struct error *err)
{
	const struct payload *p = w->p;
	struct order next = p->order;
	int64_t now = time_now_us(), customer_id = 0;
	enum err_code rc;

	/* an older fact than the one stored changes nothing (webhooks come out of order) */
	if (found && next.updated_at && old->updated_at > next.updated_at) {
		if (w->out)
			*w->out = *old;
		*w->outcome = ORDER_STALE;
		return E_OK;
	}
	if ((rc = order_customer(db, &next, &customer_id, w->a, err)))
		return rc;
	next.id = found ? old->id : 0;
	next.store_id = w->store_id;
	next.customer_id = customer_id ? customer_id : found ? old->customer_id : 0;
	next.state = found ? old->state : ORDER_ORDERED;
	next.placed_at = next.placed_at ? next.placed_at : found ? old->placed_at : now;
	next.updated_at = next.updated_at ? next.updated_at : now;
	next.recorded_at = found ? old->recorded_at : now;
	merge_shipments(found ? old : NULL, p->order.shipments, p->order.n_shipments, 0, p, &next,
			w->a);
	return save_order(db, w, found ? old : NULL, &next, err);
}

static enum err_code order_put_tx(struct db *db, void *arg, struct error *err)
{
	struct order_put *w = arg;
	const struct payload *p = w->p;
	const char *external_id = p->kind == PAYLOAD_FULFILLMENT || p->kind == PAYLOAD_REFUND
					  ? p->order_external_id
					  : p->order.external_id;
	struct db_arg key[] = {DB_I(w->store_id), DB_S(external_id ? external_id : "")};
	struct order old, next;
	enum err_code rc;
	int found = 0, qrc;

	*w->outcome = ORDER_IGNORED;
	if (w->delivery_id) {
		struct db_arg args[] = {DB_I(w->store_id), DB_S(w->delivery_id), DB_I(time_now_us())};
		int64_t taken = 0;

		qrc = db_query(db,
			       "INSERT INTO webhook_receipts (store_id, delivery_id, received_at)"
			       " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING store_id",
			       args, 3, row_int, &taken);
		if (qrc)
			return store_fail(db, qrc, err, "recording the delivery");
		if (!taken) {
			*w->outcome = ORDER_DUPLICATE;
			return E_OK;
		}
	}
	if (p->kind == PAYLOAD_CUSTOMER) {
		int64_t id = 0;

		if (!p->customer.email || !*p->customer.email)
			return E_OK;
		*w->outcome = ORDER_UNCHANGED;
		return customer_for_email(db, p->customer.email, p->customer.name, &id, w->a, err);
	}
	if (p->kind == PAYLOAD_IGNORED || !external_id)
		return E_OK;
	if ((rc = order_lock_load(db, key, &old, &found, w->a, err)))
		return rc;
	if (p->kind == PAYLOAD_ORDER)
		return put_whole(db, w, &old, found, err);
	if (!found) {
		*w->outcome = ORDER_UNKNOWN;
		return E_OK;
	}
	next = old;
	if (p->kind == PAYLOAD_FULFILLMENT)
		merge_shipments(&old, &p->shipment, 1, 1, p, &next, w->a);
	else if (p->kind == PAYLOAD_REFUND && p->order.currency &&
		 strcmp(p->order.currency, old.currency))
		return error_set(err, E_INVALID, "a refund in %s on order %s, which is in %s",
				 p->order.currency, old.number, old.currency);
	else if (p->kind == PAYLOAD_REFUND && p->updated_at && p->updated_at <= old.updated_at) {
		/* the order as stored is newer: its refunds already count this one */
		*w->out = old;
		*w->outcome = ORDER_STALE;
		return E_OK;
	} else if (p->kind == PAYLOAD_REFUND) {
		next.refunded_minor += p->refund_minor;
		if (p->updated_at)
			next.updated_at = p->updated_at;
	}
	else if (p->kind == PAYLOAD_ORDER_GONE && !next.cancelled_at)
		next.cancelled_at = time_now_us(); /* deleted on the platform: it will not ship */
	return save_order(db, w, &old, &next, err);
}

enum err_code store_order_put(struct store *st, int64_t store_id, int64_t actor_id,
			      const char *delivery_id, const struct payload *p, struct order *out,
			      enum order_outcome *outcome, struct arena *a, struct error *err)
{
	struct order_put w = {store_id, actor_id, delivery_id, p, out, outcome, a};

	memset(out, 0, sizeof(*out));
	return store_write(st, order_put_tx, &w, err);
}

struct scan_put {
	int64_t shipment_id, actor_id, eta;
	const struct shipment_scan *scan;
	struct order *out;
	int *duplicate;
	struct arena *a;
};

struct order_key {
	int64_t store_id;
	const char *external_id;
	struct arena *a;
};

static int read_order_key(struct db_row *row, void *arg)
{
	struct order_key *k = arg;

	k->store_id = db_col_int(row, 0);
	k->external_id = col_str(row, 1, k->a);
	return 0;
}

/* The latest time among the scans stored for s; 0 when there is none. */
static int64_t latest_scan(const struct shipment *s)
{
	int64_t t = 0;

	for (int i = 0; i < s->n_scans; i++)
		if (s->scans[i].at > t)
			t = s->scans[i].at;
	return t;
}

static enum err_code scan_put_tx(struct db *db, void *arg, struct error *err)
{
	struct scan_put *w = arg;
	const struct shipment_scan *sc = w->scan;
	struct db_arg id[] = {DB_I(w->shipment_id)};
	struct order_key k = {0, NULL, w->a};
	struct order old, next;
	struct shipment *s = NULL;
	struct payload none = {0};
	enum order_outcome outcome;
	struct order_put put = {0, w->actor_id, NULL, &none, w->out, &outcome, w->a};
	int64_t taken = 0, latest;
	enum err_code rc;
	int found = 0, qrc;

	qrc = db_query(db,
		       "SELECT o.store_id, o.external_id FROM shipments s"
		       " JOIN orders o ON o.id = s.order_id WHERE s.id = $1",
		       id, 1, read_order_key, &k);
	if (qrc)
		return store_fail(db, qrc, err, "finding shipment");
	if (!k.external_id)
		return error_set(err, E_NOT_FOUND, "no shipment %lld", (long long)w->shipment_id);
	if ((rc = order_lock_load(db, (struct db_arg[]){DB_I(k.store_id), DB_S(k.external_id)},
				  &old, &found, w->a, err)))
		return rc;
	for (int i = 0; i < old.n_shipments; i++)
		if (old.shipments[i].id == w->shipment_id)
			s = &old.shipments[i];
	if (!found || !s) /* its order was rewritten without it before the lock was ours */
		return error_set(err, E_NOT_FOUND, "no shipment %lld", (long long)w->shipment_id);
	if ((qrc = insert_scan(db, w->shipment_id, sc, &taken)))
		return store_fail(db, qrc, err, "writing scan");
	*w->duplicate = !taken;
	latest = latest_scan(s);
	if (!taken || (latest && sc->at < latest)) {
		/* the same scan again, or one older than what the carrier said since: history only */
		return order_load(db, "id = $1", (struct db_arg[]){DB_I(old.id)}, 1, w->out, &found,
				  w->a, err);
	}
	next = old;
	next.shipments = arena_alloc(w->a, sizeof(*next.shipments) * (size_t)old.n_shipments);
	memcpy(next.shipments, old.shipments, sizeof(*next.shipments) * (size_t)old.n_shipments);
	s = &next.shipments[s - old.shipments];
	s->state = order_shipment_state(s->state, sc->status);
	if (w->eta)
		s->eta = w->eta;
	if (s->state == ORDER_DELIVERED && !s->delivered_at)
		s->delivered_at = sc->at;
	put.store_id = old.store_id;
	return save_order(db, &put, &old, &next, err);
}

enum err_code store_shipment_scan(struct store *st, int64_t shipment_id, int64_t actor_id,
				  const struct shipment_scan *scan, int64_t eta, struct order *out,
				  int *duplicate, struct arena *a, struct error *err)
{
	struct scan_put w = {shipment_id, actor_id, eta, scan, out, duplicate, a};

	memset(out, 0, sizeof(*out));
	*duplicate = 0;
	return store_write(st, scan_put_tx, &w, err);
}

struct import_put {
	int64_t store_id, actor_id;
	struct order_import *orders;
	int n;
	struct arena *a;
};

static enum err_code import_tx(struct db *db, void *arg, struct error *err)
{
	struct import_put *w = arg;

	for (int i = 0; i < w->n; i++) {
		struct order_import *o = &w->orders[i];
		struct order_put put = {w->store_id, w->actor_id, NULL, o->p, NULL, &o->outcome, w->a};

		if (db_exec(db, "SAVEPOINT o"))
			return store_fail(db, DB_ERR, err, "importing orders");
		o->rc = order_put_tx(db, &put, &o->err);
		if (!db_in_tx(db)) /* the database dropped the transaction: nothing of it is kept */
			return error_set(err, E_UNAVAILABLE, "database write failed: %s",
					 o->err.message);
		if (o->rc != E_OK)
			db_exec(db, "ROLLBACK TO SAVEPOINT o");
		db_exec(db, "RELEASE SAVEPOINT o");
	}
	return E_OK;
}

enum err_code store_order_import(struct store *st, int64_t store_id, int64_t actor_id,
				 struct order_import *orders, int n, struct arena *a,
				 struct error *err)
{
	struct import_put w = {store_id, actor_id, orders, n, a};

	return store_write(st, import_tx, &w, err);
}
