/*
 * store_login.c - login attempts counted in the database, so that every node
 * on one PostgreSQL, and a restarted one, sees the same counts.
 *
 * A count is one row per key: one upsert counts an attempt and returns the
 * count in the same statement, so two nodes counting at once cannot both read
 * the old count. On SQLite the writes go through store_write like any other;
 * group commit lets parallel logins share a commit.
 */
#include "store/store_internal.h"

#include <stdatomic.h>

/* rows of windows long over are deleted at most this often, by whoever counts */
#define SWEEP_EVERY_US ((int64_t)60 * 1000000)

struct login_take {
	const char *const *keys;
	int n;
	int64_t now, window_us;
	struct login_count *out;
};

int login_read_count(struct db_row *row, void *arg)
{
	struct login_count *c = arg;

	c->attempts = db_col_int(row, 0);
	c->window_start = db_col_int(row, 1);
	return 0;
}

static atomic_int_fast64_t last_sweep;

static enum err_code count_tx(struct db *db, void *arg, struct error *err)
{
	struct login_take *t = arg;
	struct db_arg old[] = {DB_I(t->now - t->window_us)};
	int64_t swept = atomic_load(&last_sweep);
	int rc = 0;

	for (int i = 0; i < t->n && !rc; i++) {
		struct db_arg args[] = {DB_S(t->keys[i]), DB_I(t->now),
					DB_I(t->now - t->window_us)};

		t->out[i] = (struct login_count){0};
		rc = db_query(db, SQL_COUNT_ATTEMPT, args, 3, login_read_count, &t->out[i]);
	}
	if (!rc && t->now - swept >= SWEEP_EVERY_US &&
	    atomic_compare_exchange_strong(&last_sweep, &swept, t->now))
		rc = db_query(db, "DELETE FROM login_attempts WHERE window_start <= $1", old, 1,
			      NULL, NULL);
	return rc ? store_fail(db, rc, err, "counting login attempts") : E_OK;
}

enum err_code store_login_count(struct store *st, const char *const *keys, int n, int64_t now,
				int64_t window_us, struct login_count *out, struct error *err)
{
	struct login_take t = {keys, n, now, window_us, out};

	return store_write(st, count_tx, &t, err);
}

struct login_forget {
	const char *const *back;
	int n_back;
	const char *clear;
};

static enum err_code forget_tx(struct db *db, void *arg, struct error *err)
{
	struct login_forget *f = arg;
	struct db_arg clear[] = {DB_S(f->clear)};
	int rc = 0;

	for (int i = 0; i < f->n_back && !rc; i++) {
		struct db_arg args[] = {DB_S(f->back[i])};

		rc = db_query(db,
			      "UPDATE login_attempts SET attempts = attempts - 1"
			      " WHERE key = $1 AND attempts > 0",
			      args, 1, NULL, NULL);
	}
	if (!rc && f->clear)
		rc = db_query(db, "DELETE FROM login_attempts WHERE key = $1", clear, 1, NULL,
			      NULL);
	return rc ? store_fail(db, rc, err, "forgetting login attempts") : E_OK;
}

enum err_code store_login_forget(struct store *st, const char *const *back, int n_back,
				 const char *clear, struct error *err)
{
	struct login_forget f = {back, n_back, clear};

	return store_write(st, forget_tx, &f, err);
}
