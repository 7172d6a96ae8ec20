/*
 * store.c - opening the database, migrations, the connection pool and the writer.
 */
#include "store/store_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct migration {
	int version;
	const char *name, *sql;
};
extern const struct migration migrations_sqlite[], migrations_postgres[];

struct write_req {
	store_write_fn fn;
	void *arg;
	struct error *err;
	enum err_code rc;
	int done;
	pthread_cond_t done_cond; /* one per caller: the writer wakes exactly who is done */
	struct write_req *next;
};

#define POOL_MAX 64

struct store {
	char *url;
	enum db_backend backend;

	pthread_mutex_t lock;
	pthread_cond_t pool_cond;
	struct db *idle[POOL_MAX]; /* a stack: idle[0] has waited longest */
	int64_t idle_since[POOL_MAX];
	int n_idle, n_open;

	/* SQLite only: the writer thread and its queue, and the checkpointer */
	struct db *writer, *checkpointer;
	pthread_t writer_thread, checkpoint_thread;
	pthread_cond_t queue_cond, stop_cond;
	struct write_req *queue, **queue_tail;
	int stopping, writer_running;
	int brief; /* store_open_brief: no checkpointer; closing leaves the WAL to the server */

	void (*on_commit)(void *arg);
	void *on_commit_arg;
	int notifying; /* on_commit calls running now */
	pthread_cond_t notified; /* signalled when the last of them returns */
};

enum db_backend store_backend(struct store *st)
{
	return st->backend;
}

enum err_code store_fail(struct db *db, int rc, struct error *err, const char *what)
{
	if (rc == DB_CONSTRAINT)
		return error_set(err, E_CONFLICT, "%s conflicts with an existing record", what);
	log_error("%s: %s", what, db_error(db));
	return error_set(err, E_INTERNAL, "database error");
}

void *list_push(void **items, int *n, int *cap, size_t size, struct arena *a)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		void *p = arena_alloc(a, size * (size_t)ncap);

		if (*n)
			memcpy(p, *items, size * (size_t)*n);
		*items = p;
		*cap = ncap;
	}
	return memset((char *)*items + size * (size_t)(*n)++, 0, size);
}

int row_int(struct db_row *row, void *arg)
{
	*(int64_t *)arg = db_col_int(row, 0);
	return 0;
}

int64_t col_time(struct db_row *row, int col)
{
	return db_col_null(row, col) ? 0 : db_col_int(row, col);
}

const char *col_str(struct db_row *row, int col, struct arena *a)
{
	return db_col_null(row, col) ? NULL : arena_strdup(a, db_col_text(row, col));
}

struct db *store_acquire(struct store *st)
{
	struct db *db = NULL;
	char *err = NULL;

	pthread_mutex_lock(&st->lock);
	while (!st->n_idle && st->n_open >= POOL_MAX)
		pthread_cond_wait(&st->pool_cond, &st->lock);
	if (st->n_idle) {
		db = st->idle[--st->n_idle];
		pthread_mutex_unlock(&st->lock);
		return db;
	}
	st->n_open++;
	pthread_mutex_unlock(&st->lock);

	db = db_open(st->url, 0, &err);
	if (!db) {
		log_error("%s", err);
		free(err);
		pthread_mutex_lock(&st->lock);
		st->n_open--;
		pthread_cond_signal(&st->pool_cond);
		pthread_mutex_unlock(&st->lock);
	}
	return db;
}

void store_release(struct store *st, struct db *db)
{
	if (!db)
		return;
	if (!db_alive(db)) {
		/* the server went away: the next caller gets a fresh connection */
		db_close(db);
		pthread_mutex_lock(&st->lock);
		st->n_open--;
		pthread_cond_signal(&st->pool_cond);
		pthread_mutex_unlock(&st->lock);
		return;
	}
	pthread_mutex_lock(&st->lock);
	st->idle_since[st->n_idle] = time_mono_us();
	st->idle[st->n_idle++] = db;
	pthread_cond_signal(&st->pool_cond);
	pthread_mutex_unlock(&st->lock);
}

/*
 * A burst of clients leaves a connection each, with its cache and mapped pages;
 * those idle for IDLE_CLOSE_US are closed, down to IDLE_KEEP.
 */
#define IDLE_CLOSE_US ((int64_t)10 * 1000000)
#define IDLE_KEEP 1

static void close_idle(struct store *st)
{
	int64_t now = time_mono_us();
	struct db *old = NULL;

	pthread_mutex_lock(&st->lock);
	if (st->n_idle > IDLE_KEEP && now - st->idle_since[0] > IDLE_CLOSE_US) {
		old = st->idle[0];
		st->n_idle--;
		memmove(st->idle, st->idle + 1, sizeof(st->idle[0]) * (size_t)st->n_idle);
		memmove(st->idle_since, st->idle_since + 1, sizeof(st->idle_since[0]) * (size_t)st->n_idle);
		st->n_open--;
	}
	pthread_mutex_unlock(&st->lock);
	if (old) {
		db_close(old);
		malloc_trim(0); /* give the freed caches back to the system, not just to malloc */
	}
}

enum err_code store_read(struct store *st, const char *sql, const struct db_arg *args, int nargs,
			 db_row_fn fn, void *arg, struct error *err)
{
	struct db *db = store_acquire(st);
	enum err_code rc = E_OK;
	int qrc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	qrc = db_query(db, sql, args, nargs, fn, arg);
	if (qrc)
		rc = store_fail(db, qrc, err, "reading");
	store_release(st, db);
	return rc;
}

/*
 * Once it returns, no call of the old function is running or will start: the
 * server clears it before it frees what the function wakes (the job worker),
 * and a call that had read it just before must not run into freed memory.
 */
void store_on_commit(struct store *st, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&st->lock);
	st->on_commit = fn;
	st->on_commit_arg = arg;
	while (st->notifying)
		pthread_cond_wait(&st->notified, &st->lock);
	pthread_mutex_unlock(&st->lock);
}

/* Calls the commit hook, if any, outside the lock (it takes locks of its own). */
static void notify_commit(struct store *st)
{
	void (*fn)(void *arg);
	void *arg;

	pthread_mutex_lock(&st->lock);
	fn = st->on_commit;
	arg = st->on_commit_arg;
	st->notifying += fn != NULL;
	pthread_mutex_unlock(&st->lock);
	if (!fn)
		return;
	fn(arg);
	pthread_mutex_lock(&st->lock);
	if (!--st->notifying)
		pthread_cond_broadcast(&st->notified);
	pthread_mutex_unlock(&st->lock);
}

/* PostgreSQL: a transaction of its own on a pooled connection. */
static enum err_code write_direct(struct store *st, store_write_fn fn, void *arg,
				  struct error *err)
{
	struct db *db = store_acquire(st);
	enum err_code rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	if (db_exec(db, "BEGIN")) {
		rc = store_fail(db, DB_ERR, err, "begin");
		goto out;
	}
	rc = fn(db, arg, err);
	if (rc == E_OK && db_exec(db, "COMMIT"))
		rc = store_fail(db, DB_ERR, err, "commit");
	if (rc != E_OK)
		db_exec(db, "ROLLBACK");
	else
		notify_commit(st);
out:
	store_release(st, db);
	return rc;
}

enum err_code store_write(struct store *st, store_write_fn fn, void *arg, struct error *err)
{
	struct write_req req = { .fn = fn, .arg = arg, .err = err };

	if (st->backend == DB_POSTGRES)
		return write_direct(st, fn, arg, err);
	pthread_cond_init(&req.done_cond, NULL);
	pthread_mutex_lock(&st->lock);
	*st->queue_tail = &req;
	st->queue_tail = &req.next;
	pthread_cond_signal(&st->queue_cond);
	while (!req.done)
		pthread_cond_wait(&req.done_cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
	pthread_cond_destroy(&req.done_cond);
	return req.rc;
}

/*
 * Runs one batch of queued writes in one transaction, each in its own
 * savepoint. A write alone in its batch needs none: its failure rolls the
 * transaction back. That matters to big writes (an import batch): SQLite keeps
 * each page a savepoint may need back in a journal of 1 KB chunks, walked from
 * its start whenever a statement inside ends, so an outer savepoint held over
 * thousands of statements made each slower than the last.
 */
static void run_batch(struct store *st, struct write_req *batch)
{
	struct db *db = st->writer;
	struct write_req *r;
	int ok = db_exec(db, "BEGIN IMMEDIATE") == 0, alone = batch && !batch->next;

	for (r = batch; r; r = r->next) {
		if (!ok) {
			r->rc = error_set(r->err, E_UNAVAILABLE, "database busy");
			continue;
		}
		if (!alone)
			db_exec(db, "SAVEPOINT w");
		r->rc = r->fn(db, r->arg, r->err);
		if (!db_in_tx(db)) {
			/*
			 * SQLite rolled the whole transaction back by itself (disk
			 * full, I/O error): nothing of this batch was kept.
			 */
			log_error("transaction lost: %s", db_error(db));
			for (struct write_req *x = batch; x; x = x->next)
				if (x->rc == E_OK || x == r)
					x->rc = error_set(x->err, E_UNAVAILABLE, "database write failed");
			ok = 0;
			continue;
		}
		if (alone && r->rc != E_OK) {
			db_exec(db, "ROLLBACK");
			ok = 0;
		} else if (!alone) {
			if (r->rc != E_OK)
				db_exec(db, "ROLLBACK TO w");
			db_exec(db, "RELEASE w");
		}
	}
	if (ok && db_exec(db, "COMMIT")) {
		log_error("commit: %s", db_error(db));
		db_exec(db, "ROLLBACK");
		for (r = batch; r; r = r->next)
			if (r->rc == E_OK)
				r->rc = error_set(r->err, E_INTERNAL, "database error");
	}
}

/* Search documents reach FTS5 in bulk: after 2,000 of them, or 200 ms. */
static void flush_search(struct store *st, int64_t *last_flush)
{
	int backlog = store_search_backlog();
	struct write_req req = { .fn = store_search_flush };
	struct error err;

	if (!backlog || (backlog < 2000 && time_mono_us() - *last_flush < 200000))
		return;
	req.err = &err;
	run_batch(st, &req);
	if (req.rc)
		log_error("search index: %s", err.message);
	*last_flush = time_mono_us();
}

static void *writer_main(void *arg)
{
	struct store *st = arg;
	int64_t last_restart = time_mono_us(), last_flush = last_restart;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		struct write_req *batch, *r, *next;

		while (!st->queue && !st->stopping) {
			struct timespec ts;

			if (!store_search_backlog()) {
				pthread_cond_wait(&st->queue_cond, &st->lock);
				continue;
			}
			/* documents wait for FTS5: flush them soon even if no write comes */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&st->queue_cond, &st->lock, &ts) && !st->queue) {
				pthread_mutex_unlock(&st->lock);
				flush_search(st, &last_flush);
				pthread_mutex_lock(&st->lock);
			}
		}
		if (!st->queue && st->stopping)
			break;
		batch = st->queue;
		st->queue = NULL;
		st->queue_tail = &st->queue;
		pthread_mutex_unlock(&st->lock);

		run_batch(st, batch);
		/*
		 * The batch is committed: its callers may answer now, and their
		 * next requests queue while the writer indexes and checkpoints.
		 * Waking them only after that (up to 20 ms) idled every client.
		 */
		pthread_mutex_lock(&st->lock);
		for (r = batch; r; r = next) {
			next = r->next;
			r->done = 1;
			/* r lives on its caller's stack: after this signal it may be gone */
			pthread_cond_signal(&r->done_cond);
		}
		pthread_mutex_unlock(&st->lock);
		notify_commit(st);

		flush_search(st, &last_flush);
		/*
		 * The checkpointer copies the WAL while we write, but under steady
		 * writes it never catches up, and only a RESTART lets the WAL start
		 * over. It costs what was written since the last passive pass.
		 */
		if (time_mono_us() - last_restart > 1000000) {
			db_exec(st->writer, "PRAGMA wal_checkpoint(RESTART)");
			last_restart = time_mono_us();
		}
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/*
 * Moves the WAL into the database from its own connection, so the copy never
 * sits on the commit path; a PASSIVE checkpoint does not block the writer.
 * It also closes reader connections that have been idle for long.
 */
static void *checkpoint_main(void *arg)
{
	struct store *st = arg;

	int64_t last_optimize = time_mono_us();

	pthread_mutex_lock(&st->lock);
	while (!st->stopping) {
		struct timespec ts;

		/* fresh statistics keep the planner on the right index as tables grow */
		if (time_mono_us() - last_optimize > (int64_t)600 * 1000000) {
			pthread_mutex_unlock(&st->lock);
			db_exec(st->checkpointer, "PRAGMA optimize");
			last_optimize = time_mono_us();
			pthread_mutex_lock(&st->lock);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&st->stop_cond, &st->lock, &ts);
		if (st->stopping)
			break;
		pthread_mutex_unlock(&st->lock);
		db_exec(st->checkpointer, "PRAGMA wal_checkpoint(PASSIVE)");
		close_idle(st);
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

static int read_version(struct db_row *row, void *arg)
{
	*(int *)arg = (int)db_col_int(row, 0);
	return 0;
}

static int migrate(struct db *db, char **err)
{
	const struct migration *m =
		db_backend(db) == DB_SQLITE ? migrations_sqlite : migrations_postgres;
	int version = 0;

	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
			" name TEXT NOT NULL, applied_at BIGINT NOT NULL)"))
		goto fail;
	if (db_query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0,
		     read_version, &version))
		goto fail;
	for (; m->sql; m++) {
		struct db_arg args[] = { DB_I(m->version), DB_S(m->name), DB_I(time_now_us()) };

		if (m->version <= version)
			continue;
		if (db_exec(db, "BEGIN") || db_exec(db, m->sql) ||
		    db_query(db, "INSERT INTO schema_migrations VALUES ($1, $2, $3)", args, 3, NULL,
			     NULL) ||
		    db_exec(db, "COMMIT")) {
			/* another process migrating at the same moment wins; we re-check */
			db_exec(db, "ROLLBACK");
			goto fail;
		}
		log_info("applied migration %04d_%s", m->version, m->name);
	}
	return 0;
fail:
	if (asprintf(err, "migration failed: %s", db_error(db)) < 0)
		die("out of memory");
	return -1;
}

static struct store *open_store(const char *url, int brief, char **err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	struct db *db = db_open(url, 1, err);

	if (!db || migrate(db, err)) {
		db_close(db);
		free(st);
		return NULL;
	}
	st->url = xstrdup(url);
	st->backend = db_backend(db);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->pool_cond, NULL);
	pthread_cond_init(&st->queue_cond, NULL);
	pthread_cond_init(&st->stop_cond, NULL);
	pthread_cond_init(&st->notified, NULL);
	st->queue_tail = &st->queue;
	st->brief = brief;
	/*
	 * A brief store's caller tells someone else "stored" the moment it
	 * returns (mailgate's exit 0 lets the MTA delete its copy): its commits
	 * must survive a power cut, not just a crash.
	 */
	if (brief && st->backend == DB_SQLITE)
		db_exec(db, "PRAGMA synchronous=FULL");
	if (st->backend == DB_SQLITE) {
		st->writer = db;
		st->checkpointer = brief ? NULL : db_open(url, 0, err);
		if (!brief && !st->checkpointer)
			die("%s", *err);
		if (pthread_create(&st->writer_thread, NULL, writer_main, st) ||
		    (!brief && pthread_create(&st->checkpoint_thread, NULL, checkpoint_main, st)))
			die("cannot start the writer threads");
		st->writer_running = 1;
	} else {
		st->idle[st->n_idle++] = db;
		st->n_open = 1;
	}
	return st;
}

struct store *store_open(const char *url, char **err)
{
	return open_store(url, 0, err);
}

struct store *store_open_brief(const char *url, char **err)
{
	return open_store(url, 1, err);
}

/*
 * A brief store's WAL above this is checkpointed when it closes: no server may be
 * running, and then each process that opens the database reads the whole WAL.
 */
#define BRIEF_WAL_MAX ((off_t)4 << 20)

/* The size of the SQLite WAL file of `url`, 0 if none. */
static off_t wal_size(const char *url)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof(path), "%s-wal", url + strlen("sqlite:"));
	return stat(path, &sb) ? 0 : sb.st_size;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	if (st->writer_running) {
		pthread_mutex_lock(&st->lock);
		st->stopping = 1;
		pthread_cond_signal(&st->queue_cond);
		pthread_cond_signal(&st->stop_cond);
		pthread_mutex_unlock(&st->lock);
		pthread_join(st->writer_thread, NULL);
		if (!st->brief) {
			pthread_join(st->checkpoint_thread, NULL);
			db_close(st->checkpointer);
			db_exec(st->writer, "PRAGMA wal_checkpoint(TRUNCATE)");
		} else if (wal_size(st->url) > BRIEF_WAL_MAX) {
			/* no server is moving the WAL into the database: do some of it */
			db_exec(st->writer, "PRAGMA wal_checkpoint(PASSIVE)");
		}
		db_close(st->writer);
	}
	while (st->n_idle)
		db_close(st->idle[--st->n_idle]);
	free(st->url);
	free(st);
}

enum err_code store_ping(struct store *st, struct error *err)
{
	struct db *db = store_acquire(st);
	int64_t one = 0;
	int rc;

	if (!db)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	rc = db_query(db, "SELECT 1", NULL, 0, row_int, &one);
	store_release(st, db);
	if (rc || one != 1)
		return error_set(err, E_UNAVAILABLE, "database unavailable");
	return E_OK;
}
