#include "store/db_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_uint_fast64_t query_count, query_us;

struct db *db_open(const char *url, int for_writing, char **err)
{
	if (!strncmp(url, "sqlite:", 7))
		return db_sqlite_open(url + 7, for_writing, err);
	if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
		return db_pg_open(url, err);
	*err = xstrdup("database URL must start with sqlite:, postgres:// or postgresql://");
	return NULL;
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum db_backend db_backend(const struct db *db)
{
	return db->backend;
}

int db_query(struct db *db, const char *sql, const struct db_arg *args, int nargs, db_row_fn fn,
	     void *arg)
{
	int64_t start = time_mono_us();
	int rc = db->ops->query(db, sql, args, nargs, fn, arg);

	atomic_fetch_add(&query_count, 1);
	atomic_fetch_add(&query_us, (uint64_t)(time_mono_us() - start));
	return rc;
}

int db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

const char *db_error(struct db *db)
{
	return db->error;
}

int db_alive(struct db *db)
{
	return db->ops->alive ? db->ops->alive(db) : 1;
}

int db_in_tx(struct db *db)
{
	return db->ops->in_tx(db);
}

int db_col_count(struct db_row *row)
{
	return row->db->ops->col_count(row);
}

int db_col_null(struct db_row *row, int col)
{
	return row->db->ops->col_null(row, col);
}

int64_t db_col_int(struct db_row *row, int col)
{
	return row->db->ops->col_int(row, col);
}

const char *db_col_text(struct db_row *row, int col)
{
	return row->db->ops->col_text(row, col);
}

const unsigned char *db_col_blob(struct db_row *row, int col, size_t *len)
{
	return row->db->ops->col_blob(row, col, len);
}

void db_timing(uint64_t *count, uint64_t *total_us)
{
	*count = atomic_load(&query_count);
	*total_us = atomic_load(&query_us);
}

/*
 * Statements are long (an upsert is 700 bytes) and looked up on every query:
 * the hash reads the length and 48 bytes, not the whole text, and a lookup
 * compares lengths before bytes.
 */
static unsigned hash(const char *s, size_t len)
{
	unsigned h = 5381 + (unsigned)len;
	size_t spots[] = { 0, len / 2, len > 16 ? len - 16 : 0 };

	for (int k = 0; k < 3; k++)
		for (size_t i = spots[k]; i < len && i < spots[k] + 16; i++)
			h = h * 33 + (unsigned char)s[i];
	return h % STMT_CACHE_BUCKETS;
}

void *stmt_cache_get(struct stmt_cache *c, const char *sql)
{
	size_t len = strlen(sql);
	struct stmt_cache_entry *e;

	for (e = c->buckets[hash(sql, len)]; e; e = e->next)
		if (e->len == len && !memcmp(e->sql, sql, len))
			return e->stmt;
	return NULL;
}

void stmt_cache_put(struct stmt_cache *c, const char *sql, void *stmt)
{
	struct stmt_cache_entry *e = xmalloc(sizeof(*e));
	size_t len = strlen(sql);
	unsigned h = hash(sql, len);

	e->sql = xstrdup(sql);
	e->len = len;
	e->stmt = stmt;
	e->next = c->buckets[h];
	c->buckets[h] = e;
	c->count++;
}

void stmt_cache_drop(struct stmt_cache *c, int (*fn)(void *stmt, void *arg), void *arg)
{
	for (int i = 0; i < STMT_CACHE_BUCKETS; i++) {
		struct stmt_cache_entry **link = &c->buckets[i];

		while (*link) {
			struct stmt_cache_entry *e = *link;

			if (!fn(e->stmt, arg)) {
				link = &e->next;
				continue;
			}
			*link = e->next;
			free(e->sql);
			free(e);
			c->count--;
		}
	}
}
