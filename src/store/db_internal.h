/*
 * db_internal.h - what the two drivers share with db.c.
 */
#ifndef STORE_DB_INTERNAL_H
#define STORE_DB_INTERNAL_H

#include "store/db.h"

struct db_ops {
	void (*close)(struct db *db);
	int (*query)(struct db *db, const char *sql, const struct db_arg *args, int nargs,
		     db_row_fn fn, void *arg);
	int (*exec)(struct db *db, const char *sql);
	int (*col_count)(struct db_row *row);
	int (*col_null)(struct db_row *row, int col);
	int64_t (*col_int)(struct db_row *row, int col);
	const char *(*col_text)(struct db_row *row, int col);
	const unsigned char *(*col_blob)(struct db_row *row, int col, size_t *len);
	int (*alive)(struct db *db);
	int (*in_tx)(struct db *db);
};

struct db {
	const struct db_ops *ops;
	enum db_backend backend;
	char error[512];
};

struct db_row {
	struct db *db;
	void *impl;
	int index; /* for PostgreSQL: the row number */
	void *scratch; /* for PostgreSQL: the last unescaped bytea, freed after the callback */
};

struct db *db_sqlite_open(const char *path, int for_writing, char **err);
struct db *db_pg_open(const char *url, char **err);

/** A small cache of prepared statements keyed by their text. */
struct stmt_cache_entry {
	char *sql;
	size_t len;
	void *stmt;
	struct stmt_cache_entry *next;
};

#define STMT_CACHE_BUCKETS 128
/* statements kept per connection; past this the idle ones are dropped */
#define STMT_CACHE_MAX 256

struct stmt_cache {
	struct stmt_cache_entry *buckets[STMT_CACHE_BUCKETS];
	int count;
};

void *stmt_cache_get(struct stmt_cache *c, const char *sql);
void stmt_cache_put(struct stmt_cache *c, const char *sql, void *stmt);
/** Calls fn on each cached statement and forgets those for which it returns 1 (it freed them). */
void stmt_cache_drop(struct stmt_cache *c, int (*fn)(void *stmt, void *arg), void *arg);

#endif
