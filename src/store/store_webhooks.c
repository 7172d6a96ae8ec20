/*
 * store_webhooks.c - events, webhooks, their deliveries and the jobs that send them.
 */
#include "core/render.h"
#include "store/store_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

static int subscribed(const char *events, const char *type)
{
	size_t n = strlen(type);

	for (const char *p = events; *p;) {
		size_t len = strcspn(p, ",");

		if ((len == 1 && *p == '*') || (len == n && !strncmp(p, type, n)))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

struct hook_match {
	const char *type;
	int64_t ids[64];
	int n;
};

static int match_hook(struct db_row *row, void *arg)
{
	struct hook_match *m = arg;

	if (m->n < 64 && subscribed(db_col_text(row, 1), m->type))
		m->ids[m->n++] = db_col_int(row, 0);
	return 0;
}

static enum err_code queue_delivery(struct db *db, int64_t webhook_id, int64_t event_id,
				    const char *type, const char *payload, int64_t now,
				    struct error *err)
{
	struct db_arg d_args[] = { DB_I(webhook_id), DB_I(event_id), DB_S(type), DB_S(payload),
				   DB_I(now) };
	int64_t delivery_id = 0;
	int rc = db_query(db,
			  "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload,"
			  " status, attempts, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5)"
			  " RETURNING id",
			  d_args, 5, row_int, &delivery_id);

	if (!rc) {
		struct db_arg j_args[] = { DB_I(delivery_id), DB_I(now) };

		rc = db_query(db,
			      "INSERT INTO jobs (kind, ref_id, state, run_at, attempts, created_at)"
			      " VALUES ('webhook', $1, 'pending', $2, 0, $2)",
			      j_args, 2, NULL, NULL);
	}
	return rc ? store_fail(db, rc, err, "queueing delivery") : E_OK;
}

static enum err_code record_event(struct db *db, int64_t ticket_id, int64_t customer_id,
				  int64_t order_id, int64_t actor_id, const char *type,
				  json_t *changes, json_t *(*data_fn)(void *arg), void *arg,
				  struct error *err)
{
	int64_t now = time_now_us(), event_id = 0;
	char *changes_text = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS);
	struct hook_match m = { .type = type };
	struct db_arg args[] = { DB_ID(ticket_id), DB_ID(customer_id), DB_ID(actor_id),
				 DB_S(type), DB_S(changes_text), DB_I(now), DB_ID(order_id) };
	enum err_code rc = E_OK;
	int qrc = db_query(db,
			   "INSERT INTO events (ticket_id, customer_id, actor_id, type, changes,"
			   " created_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
			   args, 7, row_int, &event_id);

	if (!qrc)
		qrc = db_query(db, "SELECT id, events FROM webhooks WHERE active = 1", NULL, 0,
			       match_hook, &m);
	if (qrc)
		rc = store_fail(db, qrc, err, "recording event");
	if (rc == E_OK && m.n) {
		json_t *payload = json_pack("{sI ss so so}", "id", (json_int_t)event_id, "type", type,
					    "created_at", render_time(now), "data", data_fn(arg));
		char *text = json_dumps(payload, JSON_COMPACT);

		for (int i = 0; rc == E_OK && i < m.n; i++)
			rc = queue_delivery(db, m.ids[i], event_id, type, text, now, err);
		free(text);
		json_decref(payload);
	}
	free(changes_text);
	json_decref(changes);
	return rc;
}

enum err_code store_record_event_lazy(struct db *db, int64_t ticket_id, int64_t customer_id,
				      int64_t actor_id, const char *type, json_t *changes,
				      json_t *(*data_fn)(void *arg), void *arg, struct error *err)
{
	return record_event(db, ticket_id, customer_id, 0, actor_id, type, changes, data_fn, arg,
			    err);
}

enum err_code store_record_order_event(struct db *db, int64_t order_id, int64_t customer_id,
				       int64_t actor_id, const char *type, json_t *changes,
				       json_t *(*data_fn)(void *arg), void *arg, struct error *err)
{
	return record_event(db, 0, customer_id, order_id, actor_id, type, changes, data_fn, arg,
			    err);
}

static json_t *data_given(void *data)
{
	return json_incref(data);
}

enum err_code store_record_event(struct db *db, int64_t ticket_id, int64_t customer_id,
				 int64_t actor_id, const char *type, json_t *changes, json_t *data,
				 struct error *err)
{
	enum err_code rc = store_record_event_lazy(db, ticket_id, customer_id, actor_id, type,
						   changes, data_given, data, err);

	json_decref(data);
	return rc;
}

#define WEBHOOK_COLS "id, url, events, secret, active, created_at"

struct webhook_read {
	struct webhook *one;
	webhook_list *many;
	struct arena *a;
	int found;
};

static int read_webhook(struct db_row *row, void *arg)
{
	struct webhook_read *r = arg;
	struct webhook *w = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	w->id = db_col_int(row, 0);
	w->url = col_str(row, 1, r->a);
	w->events = col_str(row, 2, r->a);
	w->secret = col_str(row, 3, r->a);
	w->active = (int)db_col_int(row, 4);
	w->created_at = db_col_int(row, 5);
	r->found = 1;
	return 0;
}

struct webhook_create {
	const char *url, *events, *secret;
	struct webhook_read r;
};

static enum err_code webhook_create_tx(struct db *db, void *arg, struct error *err)
{
	struct webhook_create *c = arg;
	struct db_arg args[] = { DB_S(c->url), DB_S(c->events), DB_S(c->secret),
				 DB_I(time_now_us()) };
	int rc = db_query(db,
			  "INSERT INTO webhooks (url, events, secret, active, created_at)"
			  " VALUES ($1, $2, $3, 1, $4) RETURNING " WEBHOOK_COLS,
			  args, 4, read_webhook, &c->r);

	return rc ? store_fail(db, rc, err, "creating webhook") : E_OK;
}

enum err_code store_webhook_create(struct store *st, const char *url, const char *events,
				   const char *secret, struct webhook *out, struct arena *a,
				   struct error *err)
{
	struct webhook_create c = { url, events, secret, { .one = out, .a = a } };

	return store_write(st, webhook_create_tx, &c, err);
}

enum err_code store_webhook_get(struct store *st, int64_t id, struct webhook *out,
				struct arena *a, struct error *err)
{
	struct webhook_read r = { .one = out, .a = a };
	struct db_arg args[] = { DB_I(id) };
	enum err_code rc = store_read(st,
				     "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = $1 AND active = 1",
				     args, 1, read_webhook, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_NOT_FOUND, "no webhook %lld", (long long)id);
	return rc;
}

enum err_code store_webhook_list(struct store *st, webhook_list *out, struct arena *a,
				 struct error *err)
{
	struct webhook_read r = { .many = out, .a = a };

	return store_read(st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE active = 1 ORDER BY id",
			 NULL, 0, read_webhook, &r, err);
}

/* Deleting keeps the row (deliveries refer to it) but stops every pending delivery. */
static enum err_code webhook_delete_tx(struct db *db, void *arg, struct error *err)
{
	int64_t id = *(int64_t *)arg, found = 0;
	struct db_arg args[] = { DB_I(id) };
	int rc = db_query(db, "UPDATE webhooks SET active = 0 WHERE id = $1 AND active = 1 RETURNING id",
			  args, 1, row_int, &found);

	if (!rc && found)
		rc = db_query(db,
			      "UPDATE webhook_deliveries SET status = 'failed',"
			      " last_error = 'webhook deleted' WHERE webhook_id = $1 AND status = 'pending'",
			      args, 1, NULL, NULL);
	if (rc)
		return store_fail(db, rc, err, "deleting webhook");
	return found ? E_OK : error_set(err, E_NOT_FOUND, "no webhook %lld", (long long)id);
}

enum err_code store_webhook_delete(struct store *st, int64_t id, struct error *err)
{
	return store_write(st, webhook_delete_tx, &id, err);
}

#define DELIVERY_COLS                                                                  \
	"id, webhook_id, event_id, event_type, status, last_error, payload, attempts," \
	" response_status, created_at, delivered_at"

struct delivery_read {
	struct delivery *one;
	delivery_list *many;
	struct arena *a;
	int found;
};

static int read_delivery(struct db_row *row, void *arg)
{
	struct delivery_read *r = arg;
	struct delivery *d = r->many ? LIST_PUSH(r->many, r->a) : r->one;

	d->id = db_col_int(row, 0);
	d->webhook_id = db_col_int(row, 1);
	d->event_id = db_col_int(row, 2);
	d->event_type = col_str(row, 3, r->a);
	d->status = col_str(row, 4, r->a);
	d->last_error = col_str(row, 5, r->a);
	d->payload = col_str(row, 6, r->a);
	d->attempts = (int)db_col_int(row, 7);
	d->response_status = db_col_null(row, 8) ? 0 : (int)db_col_int(row, 8);
	d->created_at = db_col_int(row, 9);
	d->delivered_at = db_col_null(row, 10) ? 0 : db_col_int(row, 10);
	r->found = 1;
	return 0;
}

enum err_code store_delivery_list(struct store *st, int64_t webhook_id, delivery_list *out,
				  struct arena *a, struct error *err)
{
	struct delivery_read r = { .many = out, .a = a };
	struct db_arg args[] = { DB_I(webhook_id) };
	struct webhook w;
	enum err_code rc = store_webhook_get(st, webhook_id, &w, a, err);

	if (rc)
		return rc;
	return store_read(st,
			 "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE webhook_id = $1"
			 " ORDER BY id DESC LIMIT 100",
			 args, 1, read_delivery, &r, err);
}

enum err_code store_delivery_load(struct store *st, int64_t id, struct delivery *d,
				  struct webhook *w, struct arena *a, struct error *err)
{
	struct delivery_read r = { .one = d, .a = a };
	struct webhook_read wr = { .one = w, .a = a };
	struct db_arg args[] = { DB_I(id) };
	enum err_code rc = store_read(st,
				     "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE id = $1",
				     args, 1, read_delivery, &r, err);

	if (rc == E_OK && !r.found)
		return error_set(err, E_NOT_FOUND, "no delivery %lld", (long long)id);
	if (rc == E_OK) {
		struct db_arg wargs[] = { DB_I(d->webhook_id) };

		rc = store_read(st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = $1", wargs, 1,
			       read_webhook, &wr, err);
	}
	return rc;
}

struct job_claim {
	const char *kind;
	int64_t now, lease_until;
	struct job *out;
	int max, *n;
	struct arena *a;
};

static int read_job(struct db_row *row, void *arg)
{
	struct job_claim *c = arg;
	struct job *j;

	if (*c->n >= c->max)
		return 0;
	j = &c->out[(*c->n)++];
	j->id = db_col_int(row, 0);
	j->kind = col_str(row, 1, c->a);
	j->ref_id = db_col_int(row, 2);
	j->attempts = (int)db_col_int(row, 3) - 1; /* before this one */
	return 0;
}

/*
 * A claimed job is 'running' until its lease ends; if this process dies
 * meanwhile, the job becomes due again then. The attempt is counted when it
 * is claimed, so a job that kills the process is not tried for ever. On PostgreSQL several nodes may
 * claim at once, and SKIP LOCKED keeps them from taking the same rows.
 */
static enum err_code jobs_claim_tx(struct db *db, void *arg, struct error *err)
{
	struct job_claim *c = arg;
	struct db_arg args[] = { DB_I(c->lease_until), DB_I(c->now), DB_I(c->max), DB_S(c->kind) };
	const char *sql =
		db_backend(db) == DB_POSTGRES
			? "UPDATE jobs SET state = 'running', run_at = $1, attempts = attempts + 1"
			  " WHERE id IN (SELECT id FROM jobs WHERE state IN ('pending', 'running')"
			  " AND run_at <= $2 AND kind = $4"
			  " ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
			  " RETURNING id, kind, ref_id, attempts"
			: "UPDATE jobs SET state = 'running', run_at = $1, attempts = attempts + 1"
			  " WHERE id IN (SELECT id FROM jobs WHERE state IN ('pending', 'running')"
			  " AND run_at <= $2 AND kind = $4"
			  " ORDER BY run_at LIMIT $3) RETURNING id, kind, ref_id, attempts";
	int rc = db_query(db, sql, args, 4, read_job, c);

	return rc ? store_fail(db, rc, err, "claiming jobs") : E_OK;
}

enum err_code store_jobs_claim(struct store *st, const char *kind, int64_t now, int64_t lease_until,
			       struct job *out, int max, int *n, struct arena *a, struct error *err)
{
	struct job_claim c = { kind, now, lease_until, out, max, n, a };

	*n = 0;
	return store_write(st, jobs_claim_tx, &c, err);
}

struct delivery_result {
	int64_t job_id, delivery_id, retry_at;
	int ok, response_status;
	const char *error;
};

static enum err_code delivery_result_tx(struct db *db, void *arg, struct error *err)
{
	struct delivery_result *r = arg;
	int64_t now = time_now_us();
	const char *status = r->ok ? "delivered" : r->retry_at ? "pending" : "failed";
	struct db_arg d_args[] = { DB_I(r->delivery_id), DB_S(status),
				   r->response_status ? DB_I(r->response_status) : DB_NIL,
				   DB_S(r->error), r->ok ? DB_I(now) : DB_NIL };
	struct db_arg j_args[] = { DB_I(r->job_id), DB_I(r->retry_at) };
	int rc = db_query(db,
			  "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1,"
			  " response_status = $3, last_error = $4, delivered_at = $5 WHERE id = $1"
			  " AND status = 'pending'",
			  d_args, 5, NULL, NULL);

	if (!rc && r->retry_at && !r->ok)
		rc = db_query(db,
			      "UPDATE jobs SET state = 'pending', run_at = $2 WHERE id = $1",
			      j_args, 2, NULL, NULL);
	else if (!rc)
		rc = db_query(db, "DELETE FROM jobs WHERE id = $1", j_args, 1, NULL, NULL);
	return rc ? store_fail(db, rc, err, "recording delivery") : E_OK;
}

enum err_code store_delivery_result(struct store *st, int64_t job_id, int64_t delivery_id,
				    int ok, int response_status, const char *error,
				    int64_t retry_at, struct error *err)
{
	struct delivery_result r = { job_id, delivery_id, retry_at, ok, response_status, error };

	return store_write(st, delivery_result_tx, &r, err);
}

enum err_code store_jobs_pending(struct store *st, const char *kind, int64_t due_before,
				 int64_t *count, struct error *err)
{
	struct db_arg args[] = { DB_I(due_before), DB_S(kind) };

	*count = 0;
	if (!kind)
		return store_read(st,
				  "SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')"
				  " AND run_at <= $1",
				  args, 1, row_int, count, err);
	return store_read(st,
			  "SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')"
			  " AND run_at <= $1 AND kind = $2",
			  args, 2, row_int, count, err);
}
