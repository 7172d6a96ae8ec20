/*
 * store_tickets.c - tickets, their messages and their events.
 */
#include "core/render.h"
#include "core/ticket.h"
#include "orders/classify.h"
#include "store/store_internal.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICKET_COLS                                                                        \
	"t.id, t.subject, t.status, t.priority, t.channel, t.customer_id, t.assignee_id," \
	" t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.mailbox_id,"   \
	" t.linked_ticket_id, t.cc, t.order_id"

struct ticket_read {
	struct ticket *one;
	ticket_list *many;
	struct arena *a;
	int found;
};

static int read_ticket(struct db_row *row, void *arg)
{
	struct ticket_read *r = arg;
	struct ticket *t = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	t->id = db_col_int(row, 0);
	t->subject = col_str(row, 1, r->a);
	t->status = col_str(row, 2, r->a);
	t->priority = col_str(row, 3, r->a);
	t->channel = col_str(row, 4, r->a);
	t->customer_id = db_col_int(row, 5);
	t->assignee_id = col_time(row, 6);
	t->created_at = db_col_int(row, 7);
	t->updated_at = db_col_int(row, 8);
	t->first_response_at = col_time(row, 9);
	t->solved_at = col_time(row, 10);
	t->mailbox_id = col_time(row, 11);
	t->linked_ticket_id = col_time(row, 12);
	t->cc = col_str(row, 13, r->a);
	t->order_id = col_time(row, 14);
	r->found = 1;
	return 0;
}

struct tag_read {
	struct ticket *t;
	int cap;
	struct arena *a;
};

static int read_tag(struct db_row *row, void *arg)
{
	struct tag_read *r = arg;
	const char **tag = list_push((void **)&r->t->tags, &r->t->n_tags, &r->cap,
				     sizeof(*r->t->tags), r->a);

	*tag = col_str(row, 0, r->a);
	return 0;
}

static int load_tags(struct db *db, struct ticket *t, struct arena *a)
{
	struct tag_read r = { t, 0, a };
	struct db_arg args[] = { DB_I(t->id) };

	t->tags = NULL;
	t->n_tags = 0;
	return db_query(db, "SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag", args,
			1, read_tag, &r);
}

enum err_code ticket_load(struct db *db, int64_t id, struct ticket *out, struct arena *a,
			  struct error *err)
{
	struct ticket_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_I(id) };
	int rc = db_query(db, "SELECT " TICKET_COLS " FROM tickets t WHERE t.id = $1", args, 1,
			  read_ticket, &r);

	if (!rc && r.found)
		rc = load_tags(db, out, a);
	if (rc)
		return store_fail(db, rc, err, "reading ticket");
	return r.found ? E_OK : error_set(err, E_NOT_FOUND, "no ticket %lld", (long long)id);
}

/*
 * Changes to one ticket read it first and write what follows from it, so two
 * of them must not interleave. SQLite has one writer; PostgreSQL locks the row.
 */
static enum err_code ticket_lock(struct db *db, int64_t id, struct error *err)
{
	struct db_arg args[] = { DB_I(id) };
	int rc;

	if (db_backend(db) != DB_POSTGRES)
		return E_OK;
	rc = db_query(db, "SELECT id FROM tickets WHERE id = $1 FOR UPDATE", args, 1, NULL, NULL);
	return rc ? store_fail(db, rc, err, "locking ticket") : E_OK;
}

enum err_code store_ticket_get(struct store *st, int64_t id, struct ticket *out, struct arena *a,
			       struct error *err)
{
	struct db *db = store_acquire(st);
	enum err_code rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = ticket_load(db, id, out, a, err);
	store_release(st, db);
	return rc;
}

static int add_tag(struct db *db, int64_t id, const char *tag)
{
	struct db_arg args[] = { DB_I(id), DB_S(tag) };

	/* the ticket's view fields come along (migration 0005): no second write */
	return db_query(db,
			"INSERT INTO ticket_tags (ticket_id, tag, status, updated_at, assignee_id,"
			" channel) SELECT id, $2, status, updated_at, assignee_id, channel"
			" FROM tickets WHERE id = $1 ON CONFLICT DO NOTHING",
			args, 2, NULL, NULL);
}

static enum err_code set_tags(struct db *db, int64_t id, const char **tags, int n,
			      struct error *err)
{
	struct db_arg del[] = { DB_I(id) };
	int rc = db_query(db, "DELETE FROM ticket_tags WHERE ticket_id = $1", del, 1, NULL, NULL);

	for (int i = 0; !rc && i < n; i++)
		rc = add_tag(db, id, tags[i]);
	return rc ? store_fail(db, rc, err, "setting tags") : E_OK;
}

static enum err_code check_assignee(struct db *db, int64_t id, struct error *err)
{
	struct db_arg args[] = { DB_I(id) };
	int64_t active = -1;
	int rc = db_query(db, "SELECT active FROM users WHERE id = $1", args, 1, row_int, &active);

	if (rc)
		return store_fail(db, rc, err, "reading assignee");
	if (active < 0)
		return error_set(err, E_INVALID, "no agent %lld to assign", (long long)id);
	if (!active)
		return error_set(err, E_INVALID, "agent %lld is deactivated", (long long)id);
	return E_OK;
}

/* An agent links a ticket to one of its own customer's orders, never another's. */
static enum err_code check_order(struct db *db, int64_t order_id, int64_t customer_id,
				 struct error *err)
{
	struct db_arg args[] = { DB_I(order_id) };
	int64_t owner = -1;
	int rc = db_query(db, "SELECT COALESCE(customer_id, 0) FROM orders WHERE id = $1", args, 1,
			  row_int, &owner);

	if (rc)
		return store_fail(db, rc, err, "reading order");
	if (owner < 0)
		return error_set(err, E_INVALID, "no order %lld", (long long)order_id);
	if (owner != customer_id)
		return error_set(err, E_INVALID, "order %lld is not this ticket's customer's",
				 (long long)order_id);
	return E_OK;
}

static enum err_code find_or_create_customer(struct db *db, const struct ticket_new *tn,
					     int64_t *customer_id, struct arena *a,
					     struct error *err)
{
	struct db_arg args[] = { DB_S(tn->customer_email) };
	struct identity email = { "email", tn->customer_email };
	struct customer c;
	const char *name = tn->customer_name;
	enum err_code rc;
	int qrc;

	*customer_id = 0;
	qrc = db_query(db, "SELECT customer_id FROM identities WHERE type = 'email' AND value = $1",
		       args, 1, row_int, customer_id);
	if (qrc)
		return store_fail(db, qrc, err, "finding customer");
	if (*customer_id)
		return E_OK;
	if (!name || !*name)
		name = arena_strndup(a, tn->customer_email, strcspn(tn->customer_email, "@"));
	/*
	 * On PostgreSQL another transaction may create the same customer between
	 * our lookup and our insert: then the address is taken, and theirs is ours.
	 */
	if (db_exec(db, "SAVEPOINT customer"))
		return store_fail(db, DB_ERR, err, "creating customer");
	rc = customer_insert(db, tn->actor_id, name, &email, 1, &c, a, err);
	if (rc == E_CONFLICT) {
		db_exec(db, "ROLLBACK TO SAVEPOINT customer");
		qrc = db_query(db,
			       "SELECT customer_id FROM identities WHERE type = 'email' AND value = $1",
			       args, 1, row_int, customer_id);
		rc = qrc ? store_fail(db, qrc, err, "finding customer")
			 : *customer_id ? E_OK : error_set(err, E_CONFLICT, "customer conflict");
	} else {
		*customer_id = c.id;
	}
	db_exec(db, "RELEASE SAVEPOINT customer");
	return rc;
}

enum err_code customer_for_email(struct db *db, const char *email, const char *name, int64_t *id,
				 struct arena *a, struct error *err)
{
	struct ticket_new tn = { .customer_email = email, .customer_name = name };

	return find_or_create_customer(db, &tn, id, a, err);
}

struct ticket_create {
	const struct ticket_new *tn;
	struct ticket *out;
	const char **replay;
	int *replay_status;
	struct arena *a;
};

static int read_replay(struct db_row *row, void *arg)
{
	struct ticket_create *c = arg;

	*c->replay_status = (int)db_col_int(row, 0);
	*c->replay = col_str(row, 1, c->a);
	return 0;
}

static enum err_code remember_response(struct db *db, const struct ticket_create *c,
				       struct error *err)
{
	json_t *body = json_pack("{so}", "ticket", render_ticket(c->out));
	char *text = json_dumps(body, JSON_COMPACT);
	struct db_arg args[] = { DB_I(c->tn->actor_id), DB_S(c->tn->idempotency_key),
				 DB_S(text), DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO idempotency_keys (user_id, key, status, body, created_at)"
			  " VALUES ($1, $2, 201, $3, $4)",
			  args, 4, NULL, NULL);

	json_decref(body);
	free(text);
	if (rc == DB_CONSTRAINT)
		return error_set(err, E_CONFLICT, "a request with this Idempotency-Key is in progress");
	return rc ? store_fail(db, rc, err, "saving idempotency key") : E_OK;
}

static int ticket_has_tag(const char **tags, int n, const char *tag)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(tags[i], tag))
			return 1;
	return 0;
}

static int read_ticket_order(struct db_row *row, void *arg)
{
	struct ticket *t = arg;

	t->customer_id = db_col_int(row, 0);
	t->order_id = col_time(row, 1);
	return 0;
}

/*
 * What an inbound message says about its ticket and customer, decided by
 * orders/classify.h and written in the same transaction: the language the
 * author writes in becomes their preference, a "where is my order?" message
 * tags the ticket `wismo`, and the first order number that names one of the
 * ticket's customer's orders links the ticket to it (never another
 * customer's order).
 */
static enum err_code note_inbound(struct db *db, int64_t ticket_id, int64_t author_id,
				  const char *subject, const char *body, int *wismo,
				  struct error *err)
{
	struct classify_result r;
	struct ticket t = {0};
	/* the classifier reads 16 KB at most */
	char text[16384];
	int n = snprintf(text, sizeof(text), "%s\n%s", subject ? subject : "", body ? body : "");
	int rc = 0;

	classify_message(text, n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1,
			 &r);
	*wismo = r.wismo;
	if (r.lang && author_id) {
		struct db_arg args[] = {DB_I(author_id), DB_S(r.lang)};

		rc = db_query(db,
			      "UPDATE customers SET language = $2 WHERE id = $1"
			      " AND (language IS NULL OR language <> $2)",
			      args, 2, NULL, NULL);
	}
	if (!rc && r.wismo)
		rc = add_tag(db, ticket_id, "wismo");
	if (!rc && r.n_numbers) {
		struct db_arg args[] = {DB_I(ticket_id)};

		rc = db_query(db, "SELECT customer_id, order_id FROM tickets WHERE id = $1", args, 1,
			      read_ticket_order, &t);
	}
	for (int i = 0; !rc && !t.order_id && t.customer_id && i < r.n_numbers; i++) {
		struct db_arg args[] = {DB_I(t.customer_id), DB_S(r.numbers[i])};

		rc = db_query(db,
			      "SELECT id FROM orders WHERE customer_id = $1"
			      " AND (number = $2 OR number = '#' || $2) ORDER BY placed_at DESC LIMIT 1",
			      args, 2, row_int, &t.order_id);
		if (!rc && t.order_id) {
			struct db_arg set[] = {DB_I(ticket_id), DB_I(t.order_id)};

			rc = db_query(db, "UPDATE tickets SET order_id = $2 WHERE id = $1", set, 2,
				      NULL, NULL);
		}
	}
	return rc ? store_fail(db, rc, err, "noting what the message says") : E_OK;
}

enum err_code ticket_insert(struct db *db, const struct ticket_new *tn, struct ticket *out,
			    int64_t *message_id, int *wismo, struct arena *a, struct error *err)
{
	int64_t now = time_now_us(), customer_id, id = 0;
	enum err_code rc;
	int qrc;

	if (tn->assignee_id && (rc = check_assignee(db, tn->assignee_id, err)))
		return rc;
	if ((rc = find_or_create_customer(db, tn, &customer_id, a, err)))
		return rc;
	struct db_arg t_args[] = { DB_S(tn->subject), DB_S(tn->status), DB_S(tn->priority),
				   DB_S(tn->channel), DB_I(customer_id), DB_ID(tn->assignee_id),
				   DB_I(now) };
	qrc = db_query(db,
		       "INSERT INTO tickets (subject, status, priority, channel, customer_id,"
		       " assignee_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
		       " RETURNING id",
		       t_args, 7, row_int, &id);
	if (qrc)
		return store_fail(db, qrc, err, "creating ticket");
	*message_id = 0;
	struct db_arg m_args[] = { DB_I(id), DB_I(customer_id), DB_S(tn->body), DB_S(tn->html),
				   DB_I(now) };
	qrc = db_query(db,
		       "INSERT INTO messages (ticket_id, kind, direction, author_type, author_id,"
		       " body, html, created_at) VALUES ($1, 'reply', 'inbound', 'customer', $2, $3,"
		       " $4, $5) RETURNING id",
		       m_args, 5, row_int, message_id);
	if (qrc)
		return store_fail(db, qrc, err, "creating message");
	if ((rc = set_tags(db, id, tn->tags, tn->n_tags, err)) ||
	    (rc = store_index(db, "ticket", id, tn->subject, err)) ||
	    (rc = store_index(db, "message", *message_id, tn->body, err)))
		return rc;
	/* a bounce is the mail system talking, not the customer */
	*wismo = 0;
	if (!ticket_has_tag(tn->tags, tn->n_tags, "bounce") &&
	    (rc = note_inbound(db, id, customer_id, tn->subject, tn->body, wismo, err)))
		return rc;
	if ((rc = ticket_load(db, id, out, a, err)))
		return rc;
	return store_record_event(db, id, 0, tn->actor_id, "ticket.created", json_object(),
				  json_pack("{so}", "ticket", render_ticket(out)), err);
}

static enum err_code ticket_create_tx(struct db *db, void *arg, struct error *err)
{
	struct ticket_create *c = arg;
	const struct ticket_new *tn = c->tn;
	int64_t message_id;
	enum err_code rc;
	int qrc, wismo;

	if (tn->idempotency_key) {
		struct db_arg args[] = { DB_I(tn->actor_id), DB_S(tn->idempotency_key) };

		qrc = db_query(db,
			       "SELECT status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
			       args, 2, read_replay, c);
		if (qrc)
			return store_fail(db, qrc, err, "reading idempotency key");
		if (*c->replay)
			return E_OK;
	}
	rc = ticket_insert(db, tn, c->out, &message_id, &wismo, c->a, err);
	/* the answer, when deskd gives one, is part of what the request did */
	if (rc == E_OK && !ticket_has_tag(tn->tags, tn->n_tags, "bounce") &&
	    (rc = wismo_after_inbound(db, c->out->id, wismo, 0, c->a, err)) == E_OK)
		rc = ticket_load(db, c->out->id, c->out, c->a, err);
	if (rc == E_OK && tn->idempotency_key)
		rc = remember_response(db, c, err);
	return rc;
}

enum err_code store_ticket_create(struct store *st, const struct ticket_new *tn, struct ticket *out,
				  const char **replay, int *replay_status, struct arena *a,
				  struct error *err)
{
	struct ticket_create c = { tn, out, replay, replay_status, a };

	*replay = NULL;
	return store_write(st, ticket_create_tx, &c, err);
}

/* --- changes --- */

struct ticket_update {
	int64_t id;
	const struct ticket_change *c;
	struct ticket *out;
	struct arena *a;
};

/* Stores the new Cc list, unless it has the same addresses as the old one. */
static enum err_code set_cc(struct db *db, int64_t id, const char *old, const char **cc, int n,
			    struct error *err)
{
	json_t *list = json_array();
	char *text;
	int qrc = 0;

	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_string(cc[i]));
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	if (!text) {
		qrc = -1;
	} else if (!ticket_cc_same(old, text)) {
		struct db_arg args[] = { DB_I(id), n ? DB_S(text) : DB_NIL };

		qrc = db_query(db, "UPDATE tickets SET cc = $2 WHERE id = $1", args, 2, NULL, NULL);
	}
	free(text);
	return qrc ? store_fail(db, qrc, err, "setting the ticket's Cc") : E_OK;
}

static enum err_code ticket_update_tx(struct db *db, void *arg, struct error *err)
{
	struct ticket_update *u = arg;
	const struct ticket_change *c = u->c;
	struct ticket before, t;
	enum err_code rc;
	int qrc;

	if ((rc = ticket_lock(db, u->id, err)) || (rc = ticket_load(db, u->id, &before, u->a, err)))
		return rc;
	if ((rc = ticket_check_open(&before, "cannot change", err)))
		return rc;
	t = before;
	ticket_apply_change(&t, c, time_now_us());
	if (t.assignee_id && t.assignee_id != before.assignee_id &&
	    (rc = check_assignee(db, t.assignee_id, err)))
		return rc;
	if (t.order_id && t.order_id != before.order_id &&
	    (rc = check_order(db, t.order_id, t.customer_id, err)))
		return rc;
	struct db_arg args[] = { DB_I(u->id),	      DB_S(t.subject),	   DB_S(t.status),
				 DB_S(t.priority),    DB_ID(t.assignee_id), DB_I(t.updated_at),
				 DB_ID(t.solved_at), DB_ID(t.order_id) };
	qrc = db_query(db,
		       "UPDATE tickets SET subject = $2, status = $3, priority = $4, assignee_id = $5,"
		       " updated_at = $6, solved_at = $7, order_id = $8 WHERE id = $1",
		       args, 8, NULL, NULL);
	if (qrc)
		return store_fail(db, qrc, err, "updating ticket");
	if (c->set_tags && (rc = set_tags(db, u->id, c->tags, c->n_tags, err)))
		return rc;
	if (c->set_cc && (rc = set_cc(db, u->id, before.cc, c->cc, c->n_cc, err)))
		return rc;
	if (c->subject && (rc = store_index(db, "ticket", u->id, t.subject, err)))
		return rc;
	if ((rc = ticket_load(db, u->id, u->out, u->a, err)))
		return rc;
	return store_record_event(db, u->id, 0, c->actor_id, "ticket.updated",
				  ticket_changes(&before, u->out, c),
				  json_pack("{so}", "ticket", render_ticket(u->out)), err);
}

enum err_code store_ticket_update(struct store *st, int64_t id, const struct ticket_change *c,
				  struct ticket *out, struct arena *a, struct error *err)
{
	struct ticket_update u = { id, c, out, a };

	return store_write(st, ticket_update_tx, &u, err);
}

/* --- listing --- */

/*
 * Creation order is id order (a ticket's id and created_at are both taken when
 * it is inserted), and every index ends in the id: sorting by created_at as
 * such would need an index per filter, or a sort of every match.
 */
static const char *const sort_cols[] = {
	[SORT_UPDATED_DESC] = "t.updated_at", [SORT_UPDATED_ASC] = "t.updated_at",
	[SORT_CREATED_DESC] = "t.id",	      [SORT_CREATED_ASC] = "t.id",
	[SORT_ID_DESC] = "t.id",	      [SORT_ID_ASC] = "t.id",
};

static int sort_desc(enum ticket_sort s)
{
	return s == SORT_UPDATED_DESC || s == SORT_CREATED_DESC || s == SORT_ID_DESC;
}

/*
 * The SQL is assembled from constant fragments only; every value is bound.
 * Each distinct shape is prepared once per connection (the driver caches by text).
 */
static void add_cond(struct buf *sql, struct db_arg *args, int *n, const char *fmt,
		     struct db_arg value)
{
	buf_adds(sql, " AND ");
	args[*n] = value;
	(*n)++;
	buf_addf(sql, fmt, *n);
}

/* every status, for a tag view of any status: one branch each (see below) */
static const char *const all_statuses[] = { "new", "open", "pending", "on-hold", "solved", "closed" };

/*
 * Each status has its own (status, updated_at, id) index range, and SQLite can
 * walk only one range in order. A list of several statuses (the inbox's
 * "new,open") is therefore one ordered, limited branch per status, merged:
 * its cost is the page size per status, not the number of matching tickets.
 *
 * A tag view walks the tag's rows instead: ticket_tags carries each ticket's
 * status, updated_at, assignee and channel (kept by triggers, migration 0005),
 * so (tag, status, sort key) is one ordered range whose index also answers the
 * assignee and channel filters, and a tag of any status is a branch per
 * status. Driving from the tickets would sort every ticket of the tag.
 */
enum err_code store_ticket_list(struct store *st, const struct ticket_filter *f, ticket_list *out,
				struct arena *a, struct error *err)
{
	struct ticket_read r = { .many = out, .a = a };
	struct db_arg args[64];
	int by_id = f->sort != SORT_UPDATED_DESC && f->sort != SORT_UPDATED_ASC;
	const char *key = f->tag ? (by_id ? "g.ticket_id" : "g.updated_at") : sort_cols[f->sort];
	const char *id_col = f->tag ? "g.ticket_id" : "t.id";
	const char *status_col = f->tag ? "g.status" : "t.status";
	const char *dir = sort_desc(f->sort) ? "DESC" : "ASC";
	const char *cmp = sort_desc(f->sort) ? "<" : ">";
	const char *const *statuses = f->statuses;
	int n_statuses = f->n_statuses;
	struct db *db;
	struct buf conds, sql;
	enum err_code rc = E_OK;
	int n = 0, qrc, first_status, limit_param, tag_param = 0;

	if (f->tag && !n_statuses) {
		statuses = all_statuses;
		n_statuses = 6;
	}
	buf_init(&conds, 0);
	if (f->tag) {
		args[n++] = DB_S(f->tag);
		tag_param = n;
	}
	if (f->unassigned)
		buf_adds(&conds, f->tag ? " AND g.assignee_id IS NULL" : " AND t.assignee_id IS NULL");
	if (f->assignee_id)
		add_cond(&conds, args, &n, f->tag ? "g.assignee_id = $%d" : "t.assignee_id = $%d",
			 DB_I(f->assignee_id));
	if (f->channel)
		add_cond(&conds, args, &n, f->tag ? "g.channel = $%d" : "t.channel = $%d",
			 DB_S(f->channel));
	if (f->customer_id)
		add_cond(&conds, args, &n, "t.customer_id = $%d", DB_I(f->customer_id));
	if (f->updated_since)
		add_cond(&conds, args, &n, f->tag ? "g.updated_at >= $%d" : "t.updated_at >= $%d",
			 DB_I(f->updated_since));
	if (f->has_cursor) {
		args[n++] = DB_I(f->cursor_key);
		args[n++] = DB_I(f->cursor_id);
		buf_addf(&conds, " AND (%s %s $%d OR (%s = $%d AND %s %s $%d))", key, cmp, n - 1,
			 key, n - 1, id_col, cmp, n);
	}
	args[n++] = DB_I(f->limit);
	limit_param = n;
	first_status = n;
	for (int i = 0; i < n_statuses && i < 6; i++)
		args[n++] = DB_S(statuses[i]);

	buf_init(&sql, 0);
	for (int i = 0; i < (n_statuses > 1 ? n_statuses : 1) && i < 6; i++) {
		if (n_statuses > 1)
			buf_addf(&sql, "%sSELECT * FROM (", i ? " UNION ALL " : "");
		if (f->tag)
			buf_addf(&sql, "SELECT " TICKET_COLS " FROM ticket_tags g CROSS JOIN tickets t"
				       " WHERE g.tag = $%d AND t.id = g.ticket_id",
				 tag_param);
		else
			buf_adds(&sql, "SELECT " TICKET_COLS " FROM tickets t WHERE 1 = 1");
		if (n_statuses)
			buf_addf(&sql, " AND %s = $%d", status_col, first_status + i + 1);
		buf_addf(&sql, "%s ORDER BY %s %s, %s %s LIMIT $%d", conds.p ? conds.p : "", key,
			 dir, id_col, dir, limit_param);
		if (n_statuses > 1)
			buf_addf(&sql, ") b%d", i);
	}
	if (n_statuses > 1)
		buf_addf(&sql, " ORDER BY %s %s, id %s LIMIT $%d", by_id ? "id" : "updated_at", dir,
			 dir, limit_param);

	db = store_acquire(st);
	if (!db) {
		rc = error_set(err, E_UNAVAILABLE, "database unavailable");
		goto out;
	}
	qrc = db_query(db, sql.p, args, n, read_ticket, &r);
	for (int i = 0; !qrc && i < out->n; i++)
		qrc = load_tags(db, &out->items[i], a);
	if (qrc)
		rc = store_fail(db, qrc, err, "listing tickets");
	store_release(st, db);
out:
	buf_release(&conds);
	buf_release(&sql);
	return rc;
}

/* --- messages --- */

#define MESSAGE_COLS                                                                   \
	"id, ticket_id, kind, direction, author_type, author_id, body, html, created_at," \
	" mail_id, mail_status, mail_error, raw_sha256"

struct message_read {
	struct message *one;
	message_list *many;
	struct arena *a;
};

static int read_message(struct db_row *row, void *arg)
{
	struct message_read *r = arg;
	struct message *m = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	m->id = db_col_int(row, 0);
	m->ticket_id = db_col_int(row, 1);
	m->kind = col_str(row, 2, r->a);
	m->direction = col_str(row, 3, r->a);
	m->author_type = col_str(row, 4, r->a);
	m->author_id = col_time(row, 5);
	m->body = col_str(row, 6, r->a);
	m->html = col_str(row, 7, r->a);
	m->created_at = db_col_int(row, 8);
	m->mail_id = col_str(row, 9, r->a);
	m->mail_status = col_str(row, 10, r->a);
	m->mail_error = col_str(row, 11, r->a);
	m->has_raw = !db_col_null(row, 12);
	m->attachments = NULL;
	m->n_attachments = 0;
	return 0;
}

struct message_created {
	const struct message *message;
	const struct ticket *ticket;
};

/* A message.created payload: the message (its HTML sanitised) and its ticket. */
static json_t *message_created_data(void *arg)
{
	const struct message_created *c = arg;

	return json_pack("{so so}", "message", render_message(c->message), "ticket",
			 render_ticket(c->ticket));
}

enum err_code message_insert(struct db *db, const struct message_new *mn, struct message *out,
			     struct arena *a, struct error *err)
{
	struct ticket t, after;
	int64_t now = time_now_us();
	json_t *changes, *status_change;
	enum err_code rc;
	int qrc;

	if ((rc = ticket_lock(db, mn->ticket_id, err)) ||
	    (rc = ticket_load(db, mn->ticket_id, &t, a, err)))
		return rc;
	if ((rc = ticket_check_open(&t, NULL, err)))
		return rc;
	struct db_arg m_args[] = { DB_I(mn->ticket_id), DB_S(mn->kind), DB_S(mn->direction),
				   DB_S(mn->author_type), DB_ID(mn->author_id ? mn->author_id : mn->actor_id),
				   DB_S(mn->body),
				   DB_S(mn->html), DB_I(now) };
	qrc = db_query(db,
		       "INSERT INTO messages (ticket_id, kind, direction, author_type, author_id,"
		       " body, html, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		       " RETURNING " MESSAGE_COLS,
		       m_args, 8, read_message, &(struct message_read){ .one = out, .a = a });
	if (qrc)
		return store_fail(db, qrc, err, "creating message");
	if ((rc = attachments_link(db, out, mn->actor_id, mn->attachment_ids,
				   mn->n_attachment_ids, a, err)))
		return rc;
	if (!strcmp(mn->kind, "reply") && !strcmp(mn->direction, "outbound") &&
	    (rc = mail_queue_reply(db, &t, out, a, err)))
		return rc;
	after = t;
	ticket_apply_message(&after, mn, now);
	struct db_arg t_args[] = { DB_I(t.id), DB_S(after.status), DB_I(after.updated_at),
				   DB_ID(after.first_response_at), DB_ID(after.solved_at) };
	qrc = db_query(db,
		       "UPDATE tickets SET status = $2, updated_at = $3, first_response_at = $4,"
		       " solved_at = $5 WHERE id = $1",
		       t_args, 5, NULL, NULL);
	if (qrc)
		return store_fail(db, qrc, err, "updating ticket");
	out->wismo = 0;
	if (!strcmp(mn->direction, "inbound") && !strcmp(mn->author_type, "customer") &&
	    !mn->bounce &&
	    (rc = note_inbound(db, t.id, mn->author_id, NULL, mn->body, &out->wismo, err)))
		return rc;
	if ((rc = store_index(db, "message", out->id, mn->body, err)) ||
	    (rc = ticket_load(db, t.id, &after, a, err)))
		return rc;
	changes = json_pack("{sI}", "message_id", (json_int_t)out->id);
	status_change = ticket_changes(&t, &after, NULL);
	json_object_update(changes, status_change);
	json_decref(status_change);
	return store_record_event_lazy(db, t.id, 0, mn->actor_id, "message.created", changes,
				       message_created_data, &(struct message_created){ out, &after },
				       err);
}

struct message_create {
	const struct message_new *mn;
	struct message *out;
	struct arena *a;
};

static enum err_code message_create_tx(struct db *db, void *arg, struct error *err)
{
	struct message_create *c = arg;
	const struct message_new *mn = c->mn;
	enum err_code rc = message_insert(db, mn, c->out, c->a, err);

	if (rc == E_OK && !strcmp(mn->direction, "inbound") &&
	    !strcmp(mn->author_type, "customer") && !mn->bounce)
		rc = wismo_after_inbound(db, mn->ticket_id, c->out->wismo, mn->automated, c->a,
					 err);
	return rc;
}

enum err_code store_message_create(struct store *st, const struct message_new *mn,
				   struct message *out, struct arena *a, struct error *err)
{
	struct message_create c = { mn, out, a };

	return store_write(st, message_create_tx, &c, err);
}

/* Reads the rows of a ticket's child table, 404 when the ticket does not exist. */
static enum err_code read_children(struct store *st, int64_t ticket_id, const char *sql,
				   db_row_fn fn, void *arg, struct error *err)
{
	struct db *db = store_acquire(st);
	struct db_arg args[] = { DB_I(ticket_id) };
	int64_t exists = 0;
	enum err_code rc = E_OK;
	int qrc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	qrc = db_query(db, "SELECT 1 FROM tickets WHERE id = $1", args, 1, row_int, &exists);
	if (!qrc && exists)
		qrc = db_query(db, sql, args, 1, fn, arg);
	if (qrc)
		rc = store_fail(db, qrc, err, "reading ticket");
	else if (!exists)
		rc = error_set(err, E_NOT_FOUND, "no ticket %lld", (long long)ticket_id);
	store_release(st, db);
	return rc;
}

enum err_code store_message_list(struct store *st, int64_t ticket_id, message_list *out,
				 struct arena *a, struct error *err)
{
	struct message_read r = { .many = out, .a = a };
	enum err_code rc;
	struct db *db;
	int qrc;

	rc = read_children(st, ticket_id,
			   "SELECT " MESSAGE_COLS " FROM messages WHERE ticket_id = $1 ORDER BY id",
			   read_message, &r, err);
	if (rc || !out->n)
		return rc;
	if (!(db = store_acquire(st)))
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	if ((qrc = messages_load_attachments(db, ticket_id, out, a)))
		rc = store_fail(db, qrc, err, "reading attachments");
	store_release(st, db);
	return rc;
}

struct message_resend {
	int64_t id, actor_id;
	struct message *out;
	struct arena *a;
};

static enum err_code message_resend_tx(struct db *db, void *arg, struct error *err)
{
	struct message_resend *r = arg;
	struct message_read mr = { .one = r->out, .a = r->a };
	message_list one = { .items = r->out, .n = 1 };
	struct db_arg args[] = { DB_I(r->id) };
	int64_t requeued = 0;
	struct ticket t;
	enum err_code rc;
	int qrc;

	r->out->id = 0;
	qrc = db_query(db, "SELECT " MESSAGE_COLS " FROM messages WHERE id = $1", args, 1,
		       read_message, &mr);
	if (qrc)
		return store_fail(db, qrc, err, "reading message");
	if (!r->out->id)
		return error_set(err, E_NOT_FOUND, "no message %lld", (long long)r->id);
	if ((rc = ticket_lock(db, r->out->ticket_id, err)) ||
	    (rc = ticket_load(db, r->out->ticket_id, &t, r->a, err)))
		return rc;
	if ((rc = ticket_check_open(&t, NULL, err)))
		return rc;
	/* under the ticket's lock; the worker may have recorded a result since */
	qrc = db_query(db,
		       "UPDATE messages SET mail_status = 'queued', mail_error = NULL,"
		       " mail_attempt = mail_attempt + 1 WHERE id = $1"
		       " AND mail_status IN ('failed', 'bounced') RETURNING mail_attempt",
		       args, 1, row_int, &requeued);
	if (qrc)
		return store_fail(db, qrc, err, "queueing email");
	if (!requeued)
		return error_set(err, E_CONFLICT,
				 "the email of message %lld did not fail or bounce: nothing to resend",
				 (long long)r->id);
	/*
	 * One job per email: a bounce may have come while an attempt was still
	 * queued, and its job must not send the email a second time.
	 */
	qrc = db_query(db, "DELETE FROM jobs WHERE kind = 'email' AND ref_id = $1", args, 1, NULL,
		       NULL);
	if (qrc)
		return store_fail(db, qrc, err, "queueing email");
	if ((rc = mail_queue_job(db, r->id, err)))
		return rc;
	r->out->mail_status = "queued";
	r->out->mail_error = NULL;
	if ((qrc = messages_load_attachments(db, t.id, &one, r->a)))
		return store_fail(db, qrc, err, "reading attachments");
	/* the new attempt's number goes out in X-Deskd-Attempt (mail/smtp.c) */
	return store_record_event(db, t.id, 0, r->actor_id, "mail.resent",
				  json_pack("{sI sI}", "message_id", (json_int_t)r->id, "attempt",
					    (json_int_t)requeued),
				  json_pack("{sI sI}", "ticket_id", (json_int_t)t.id, "message_id",
					    (json_int_t)r->id),
				  err);
}

enum err_code store_message_resend(struct store *st, int64_t message_id, int64_t actor_id,
				   struct message *out, struct arena *a, struct error *err)
{
	struct message_resend r = { message_id, actor_id, out, a };

	return store_write(st, message_resend_tx, &r, err);
}

struct event_read {
	event_list *many;
	struct arena *a;
};

static int read_event(struct db_row *row, void *arg)
{
	struct event_read *r = arg;
	struct event *e = LIST_PUSH(r->many, r->a);

	e->id = db_col_int(row, 0);
	e->ticket_id = col_time(row, 1);
	e->actor_id = col_time(row, 2);
	e->type = col_str(row, 3, r->a);
	e->changes = col_str(row, 4, r->a);
	e->created_at = db_col_int(row, 5);
	e->customer_id = col_time(row, 6);
	return 0;
}

enum err_code store_event_list(struct store *st, int64_t ticket_id, event_list *out,
			       struct arena *a, struct error *err)
{
	struct event_read r = { out, a };

	return read_children(st, ticket_id,
			     "SELECT id, ticket_id, actor_id, type, changes, created_at, customer_id"
			     " FROM events WHERE ticket_id = $1 ORDER BY id",
			     read_event, &r, err);
}

enum err_code store_order_event_list(struct store *st, int64_t order_id, event_list *out,
				     struct arena *a, struct error *err)
{
	struct event_read r = { out, a };
	struct db_arg args[] = { DB_I(order_id) };

	return store_read(st,
			  "SELECT id, ticket_id, actor_id, type, changes, created_at, customer_id"
			  " FROM events WHERE order_id = $1 ORDER BY id",
			  args, 1, read_event, &r, err);
}
