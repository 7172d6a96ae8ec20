/*
 * store_track.c - what the shopper's tracking page asks of the database: the
 * orders a typed number may name, and the count of lookups per address
 * (in login_attempts, beside the login throttle, under keys of their own).
 */
#include "store/store_internal.h"

#include <stdatomic.h>

struct candidates {
	int max, n;
	int64_t *ids;
	const char **emails;
	struct arena *a;
};

static int read_candidate(struct db_row *row, void *arg)
{
	struct candidates *c = arg;

	if (c->n == c->max)
		return 0;
	c->ids[c->n] = db_col_int(row, 0);
	c->emails[c->n++] = col_str(row, 1, c->a);
	return 0;
}

enum err_code store_track_candidates(struct store *st, int64_t store_id, const char *number,
				     int max, int64_t *ids, const char **emails, int *n,
				     struct arena *a, struct error *err)
{
	struct candidates c = {max, 0, ids, emails, a};
	struct db_arg args[] = {DB_I(store_id), DB_S(number), DB_I(max)};
	struct db *db = store_acquire(st);
	enum err_code ret;
	int rc;

	*n = 0;
	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	/* the orders_number index (store_id, number) answers both spellings */
	rc = db_query(db,
		      "SELECT id, email FROM orders WHERE store_id = $1"
		      " AND (number = $2 OR number = '#' || $2) ORDER BY placed_at DESC, id DESC"
		      " LIMIT $3",
		      args, 3, read_candidate, &c);
	*n = c.n;
	/* the error is the connection's: read it before another thread may take it */
	ret = rc ? store_fail(db, rc, err, "looking up an order") : E_OK;
	store_release(st, db);
	return ret;
}

/* rows of windows long over are deleted at most this often */
#define SWEEP_EVERY_US ((int64_t)60 * 1000000)

struct track_count {
	const char *key;
	int64_t now, window_us;
	struct login_count *out;
};

static atomic_int_fast64_t last_sweep;

static enum err_code count_tx(struct db *db, void *arg, struct error *err)
{
	struct track_count *t = arg;
	struct db_arg args[] = {DB_S(t->key), DB_I(t->now), DB_I(t->now - t->window_us)};
	struct db_arg old[] = {DB_I(t->now - t->window_us)};
	int64_t swept = atomic_load(&last_sweep);
	int rc;

	*t->out = (struct login_count){0};
	rc = db_query(db, SQL_COUNT_ATTEMPT, args, 3, login_read_count, t->out);
	/* only the tracking page's keys: the login throttle's windows are longer */
	if (!rc && t->now - swept >= SWEEP_EVERY_US &&
	    atomic_compare_exchange_strong(&last_sweep, &swept, t->now))
		rc = db_query(db,
			      "DELETE FROM login_attempts WHERE key LIKE 'track:%' AND "
			      "window_start <= $1",
			      old, 1, NULL, NULL);
	return rc ? store_fail(db, rc, err, "counting order lookups") : E_OK;
}

enum err_code store_track_count(struct store *st, const char *key, int64_t now, int64_t window_us,
				struct login_count *out, struct error *err)
{
	struct track_count t = {key, now, window_us, out};

	return store_write(st, count_tx, &t, err);
}
