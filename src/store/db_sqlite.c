/*
 * db_sqlite.c - the SQLite driver of db.h.
 */
#include "store/db_internal.h"
#include "util/log.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct db_sqlite {
	struct db base;
	sqlite3 *h;
	struct stmt_cache cache;
};

static int fail(struct db_sqlite *s, int rc)
{
	snprintf(s->base.error, sizeof(s->base.error), "sqlite: %s", sqlite3_errmsg(s->h));
	return (rc & 0xff) == SQLITE_CONSTRAINT ? DB_CONSTRAINT : DB_ERR;
}

static int finalize(void *stmt, void *arg)
{
	(void)arg;
	sqlite3_finalize(stmt);
	return 1;
}

/* A statement a caller is still stepping (a query inside a row callback) stays. */
static int finalize_idle(void *stmt, void *arg)
{
	return sqlite3_stmt_busy(stmt) ? 0 : finalize(stmt, arg);
}

static void s_close(struct db *db)
{
	struct db_sqlite *s = (struct db_sqlite *)db;

	stmt_cache_drop(&s->cache, finalize, NULL);
	sqlite3_close(s->h);
	free(s);
}

/*
 * One statement text serves both backends: SQLite reads "$N" as a named
 * parameter whose index is its order of first appearance, so map each
 * parameter back to its number. Anything else is a bug in the statement.
 */
static int param_number(sqlite3_stmt *st, int index, int nargs)
{
	const char *name = sqlite3_bind_parameter_name(st, index);
	char *end;
	long n = name && name[0] == '$' ? strtol(name + 1, &end, 10) : 0;

	if (n < 1 || n > nargs || *end)
		BUG("parameter %d of '%s' is %s (%d arguments)", index, sqlite3_sql(st),
		    name ? name : "?", nargs);
	return (int)n - 1;
}

static sqlite3_stmt *prepare(struct db_sqlite *s, const char *sql)
{
	sqlite3_stmt *st = stmt_cache_get(&s->cache, sql);

	if (st)
		return st;
	if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	/* the inbox list has many shapes: keep the cache bounded */
	if (s->cache.count >= STMT_CACHE_MAX)
		stmt_cache_drop(&s->cache, finalize_idle, NULL);
	stmt_cache_put(&s->cache, sql, st);
	return st;
}

static int s_query(struct db *db, const char *sql, const struct db_arg *args, int nargs,
		   db_row_fn fn, void *arg)
{
	struct db_sqlite *s = (struct db_sqlite *)db;
	struct db_row row = { .db = db };
	sqlite3_stmt *st = prepare(s, sql);
	int rc, ret = 0;

	if (!st)
		return fail(s, sqlite3_errcode(s->h));
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const struct db_arg *a = &args[param_number(st, i, nargs)];

		if (a->type == DB_INT)
			sqlite3_bind_int64(st, i, a->i);
		else if (a->type == DB_TEXT)
			sqlite3_bind_text(st, i, a->s, -1, SQLITE_STATIC);
		else if (a->type == DB_BLOB)
			sqlite3_bind_blob64(st, i, a->n ? a->s : "", a->n, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i);
	}
	row.impl = st;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn && (ret = fn(&row, arg)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = fail(s, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

static int s_exec(struct db *db, const char *sql)
{
	struct db_sqlite *s = (struct db_sqlite *)db;
	int rc = sqlite3_exec(s->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(s, rc);
}

static int s_col_count(struct db_row *row)
{
	return sqlite3_column_count(row->impl);
}

static int s_col_null(struct db_row *row, int col)
{
	return sqlite3_column_type(row->impl, col) == SQLITE_NULL;
}

static int64_t s_col_int(struct db_row *row, int col)
{
	return sqlite3_column_int64(row->impl, col);
}

static const char *s_col_text(struct db_row *row, int col)
{
	const unsigned char *t = sqlite3_column_text(row->impl, col);

	return t ? (const char *)t : "";
}

static const unsigned char *s_col_blob(struct db_row *row, int col, size_t *len)
{
	const unsigned char *p = sqlite3_column_blob(row->impl, col);

	*len = (size_t)sqlite3_column_bytes(row->impl, col);
	return p ? p : (const unsigned char *)"";
}

static int s_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(((struct db_sqlite *)db)->h);
}

static const struct db_ops sqlite_ops = {
	s_close, s_query, s_exec, s_col_count, s_col_null, s_col_int, s_col_text, s_col_blob, NULL, s_in_tx,
};

/*
 * Waits for a lock another process holds (`deskd mailgate` beside the server),
 * for up to about 10 s. SQLite's own busy timeout sleeps up to 100 ms at a time,
 * long after a commit of a millisecond has let the lock go; short naps take it
 * back as soon as it is free.
 */
static int wait_for_lock(void *arg, int attempts)
{
	(void)arg;
	if (attempts >= 5000)
		return 0;
	usleep(attempts < 100 ? 500 : 2000);
	return 1;
}

struct db *db_sqlite_open(const char *path, int for_writing, char **err)
{
	struct db_sqlite *s = xcalloc(1, sizeof(*s));
	/*
	 * WAL lets readers run beside the one writer; synchronous=NORMAL in WAL
	 * mode can lose the last commits on power loss but never corrupts, and a
	 * process crash loses nothing. The writer checkpoints itself when idle,
	 * so automatic checkpoints stay off the commit path.
	 */
	const char *setup = for_writing ? "PRAGMA journal_mode=WAL;"
					  "PRAGMA synchronous=NORMAL;"
					  "PRAGMA foreign_keys=ON;"
					  "PRAGMA wal_autocheckpoint=0;"
					  "PRAGMA journal_size_limit=67108864;"
					  "PRAGMA cache_size=-16000;"
					/*
					 * each write runs in a savepoint of the writer's
					 * batch, whose journal of the pages it changes
					 * spilled into a temporary file past 64 KB: two
					 * pwrites per page, on every create
					 */
					  "PRAGMA temp_store=MEMORY;"
					/*
					 * readers are many (one per busy connection): a
					 * small cache each, and mmap shares the OS page cache
					 */
					: "PRAGMA foreign_keys=ON;"
					  "PRAGMA cache_size=-2000;"
					  "PRAGMA mmap_size=268435456;";
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	s->base.ops = &sqlite_ops;
	s->base.backend = DB_SQLITE;
	if (sqlite3_open_v2(path, &s->h, flags, NULL) != SQLITE_OK) {
		if (asprintf(err, "cannot open sqlite database '%s': %s", path,
			     s->h ? sqlite3_errmsg(s->h) : "out of memory") < 0)
			die("out of memory");
		sqlite3_close(s->h);
		free(s);
		return NULL;
	}
	sqlite3_busy_handler(s->h, wait_for_lock, NULL);
	/* checkpoints are the store's business (store.c), not every closing connection's */
	sqlite3_db_config(s->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (sqlite3_exec(s->h, setup, NULL, NULL, NULL) != SQLITE_OK) {
		if (asprintf(err, "cannot set up sqlite database '%s': %s", path,
			     sqlite3_errmsg(s->h)) < 0)
			die("out of memory");
		sqlite3_close(s->h);
		free(s);
		return NULL;
	}
	return &s->base;
}
