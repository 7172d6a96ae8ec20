/*
 * db.h - one query interface over SQLite and PostgreSQL.
 *
 * Statements use $1..$N parameters, are prepared once per connection (cached by
 * their text) and always bound. Rows are read through a callback while the
 * statement is live; copy what you keep.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stddef.h>
#include <stdint.h>

enum db_backend { DB_SQLITE, DB_POSTGRES };

enum db_type { DB_NULL, DB_INT, DB_TEXT, DB_BLOB };

struct db_arg {
	enum db_type type;
	int64_t i;
	const char *s; /* NUL-terminated; for DB_BLOB, n bytes */
	size_t n;
};

#define DB_I(v) ((struct db_arg){ .type = DB_INT, .i = (v) })
#define DB_S(v) ((struct db_arg){ .type = (v) ? DB_TEXT : DB_NULL, .s = (v) })
#define DB_B(p, len) ((struct db_arg){ .type = DB_BLOB, .s = (const char *)(p), .n = (len) })
/* text that is never NULL (a char array) */
#define DB_T(v) ((struct db_arg){ .type = DB_TEXT, .s = (v) })
#define DB_NIL ((struct db_arg){ .type = DB_NULL })
/* an id where 0 means "none" */
#define DB_ID(v) ((v) ? DB_I(v) : DB_NIL)

struct db;
struct db_row;

/** Called once per result row; a non-zero return stops the query and is returned by db_query. */
typedef int (*db_row_fn)(struct db_row *row, void *arg);

/**
 * Opens a connection. `url` is "sqlite:PATH" or a libpq URI ("postgres://...",
 * "postgresql://..."). On failure returns NULL and a malloc'd message in *err.
 */
struct db *db_open(const char *url, int for_writing, char **err);
void db_close(struct db *db);
enum db_backend db_backend(const struct db *db);

/**
 * Runs `sql` with `nargs` bound arguments, calling `fn` (may be NULL) per row.
 * Returns 0, the callback's non-zero value, or DB_ERR / DB_CONSTRAINT; the
 * message of the last error is db_error(db).
 */
int db_query(struct db *db, const char *sql, const struct db_arg *args, int nargs, db_row_fn fn,
	     void *arg);

/** Runs a statement list without parameters or results (migrations, BEGIN). */
int db_exec(struct db *db, const char *sql);

const char *db_error(struct db *db);

/** 1 while a transaction is open on the connection. */
int db_in_tx(struct db *db);

/**
 * 0 when the connection must be replaced: it is broken for good (the server
 * went away), or, between transactions, it moved a value of several MiB and
 * holds buffers that large (libpq never shrinks them).
 */
int db_alive(struct db *db);

#define DB_ERR (-1)
#define DB_CONSTRAINT (-2) /* a unique or foreign key constraint was violated */

int db_col_count(struct db_row *row);
int db_col_null(struct db_row *row, int col);
int64_t db_col_int(struct db_row *row, int col);
/** Borrowed until the callback returns; "" for NULL. */
const char *db_col_text(struct db_row *row, int col);

/** The bytes of a BLOB (bytea) column and their count; borrowed until the callback returns
 * or the next db_col_blob call. */
const unsigned char *db_col_blob(struct db_row *row, int col, size_t *len);

/** Total time spent in db_query across the process, for metrics. */
void db_timing(uint64_t *count, uint64_t *total_us);

#endif
