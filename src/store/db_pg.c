/*
 * db_pg.c - the PostgreSQL driver of db.h (libpq, named prepared statements).
 *
 * Results come in text format, except for statements that return bytea: those
 * come in binary, so a 25 MiB file arrives as 25 MiB rather than 50 MiB of hex
 * that must then be unescaped into a third copy. Binary is chosen only when every
 * column of the statement is of a type the row reader decodes (below); any
 * other statement stays in text, where every type reads as before.
 *
 * libpq grows its input and output buffers to the largest message a
 * connection moved and never shrinks them: a pooled connection that once read
 * or wrote a 25 MiB file would hold 32 MiB for good. A connection that moved
 * more than BIG_MESSAGE bytes in one statement says it is not to be reused
 * (p_alive), and the pool opens a fresh one.
 */
#include "store/db_internal.h"
#include "store/libpq.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOLOID 16
#define BYTEAOID 17
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define TEXTOID 25
#define VARCHAROID 1043

/* a prepared statement: its name and the result format it asks for */
#define BIG_MESSAGE ((size_t)4 << 20)

struct pg_stmt {
	char name[24];
	int binary;
};

struct db_pg {
	struct db base;
	PGconn *conn;
	struct stmt_cache cache;
	int next_stmt;
	int grown; /* moved a message over BIG_MESSAGE: libpq's buffers are that big now */
};

static int fail(struct db_pg *p, PGresult *res)
{
	const char *state = res ? libpq.resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? libpq.resultErrorMessage(res) : libpq.errorMessage(p->conn);

	snprintf(p->base.error, sizeof(p->base.error), "postgres: %s", msg);
	/* class 23 is integrity constraint violation */
	return state && !strncmp(state, "23", 2) ? DB_CONSTRAINT : DB_ERR;
}

static int free_stmt(void *stmt, void *arg)
{
	(void)arg;
	free(stmt);
	return 1;
}

static void p_close(struct db *db)
{
	struct db_pg *p = (struct db_pg *)db;

	stmt_cache_drop(&p->cache, free_stmt, NULL);
	libpq.finish(p->conn);
	free(p);
}

/* Binary only pays for bytea columns, and only types the row reader decodes may come so. */
static int wants_binary(const PGresult *desc)
{
	int bytea = 0;

	for (int c = 0; c < libpq.nfields(desc); c++) {
		switch (libpq.ftype(desc, c)) {
		case BYTEAOID:
			bytea = 1;
			break;
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case TEXTOID:
		case VARCHAROID:
			break;
		default:
			return 0;
		}
	}
	return bytea;
}

static const struct pg_stmt *prepare(struct db_pg *p, const char *sql, const struct db_arg *args,
				     int nargs)
{
	struct pg_stmt *stmt = stmt_cache_get(&p->cache, sql);
	unsigned int types[64];
	PGresult *res;

	if (stmt)
		return stmt;
	if (nargs > 64)
		BUG("too many parameters");
	/* the inbox list has many shapes: keep the cache bounded (results are already read) */
	if (p->cache.count >= STMT_CACHE_MAX) {
		res = libpq.exec(p->conn, "DEALLOCATE ALL");
		if (libpq.resultStatus(res) == PGRES_COMMAND_OK)
			stmt_cache_drop(&p->cache, free_stmt, NULL);
		libpq.clear(res);
	}
	for (int i = 0; i < nargs; i++)
		types[i] = args[i].type == DB_INT    ? INT8OID
			   : args[i].type == DB_TEXT ? TEXTOID
			   : args[i].type == DB_BLOB ? BYTEAOID
						     : 0;
	stmt = xcalloc(1, sizeof(*stmt));
	snprintf(stmt->name, sizeof(stmt->name), "s%d", p->next_stmt++);
	res = libpq.prepare(p->conn, stmt->name, sql, nargs, types);
	if (libpq.resultStatus(res) == PGRES_COMMAND_OK) {
		libpq.clear(res);
		res = libpq.describePrepared(p->conn, stmt->name);
	}
	if (libpq.resultStatus(res) != PGRES_COMMAND_OK) {
		fail(p, res);
		libpq.clear(res);
		free(stmt);
		return NULL;
	}
	stmt->binary = wants_binary(res);
	libpq.clear(res);
	stmt_cache_put(&p->cache, sql, stmt);
	return stmt;
}

static int p_query(struct db *db, const char *sql, const struct db_arg *args, int nargs,
		   db_row_fn fn, void *arg)
{
	struct db_pg *p = (struct db_pg *)db;
	char nums[64][24];
	const char *values[64];
	int lengths[64], formats[64];
	const struct pg_stmt *stmt = prepare(p, sql, args, nargs);
	struct db_row row = { .db = db };
	PGresult *res;
	size_t sent = 0;
	int ret = 0;

	if (!stmt)
		return fail(p, NULL) == DB_CONSTRAINT ? DB_CONSTRAINT : DB_ERR;
	for (int i = 0; i < nargs; i++) {
		lengths[i] = 0;
		formats[i] = args[i].type == DB_BLOB; /* bytes go as they are, not escaped */
		if (args[i].type == DB_BLOB) {
			values[i] = args[i].s;
			lengths[i] = (int)args[i].n;
			sent += args[i].n;
		} else if (args[i].type == DB_INT) {
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64, args[i].i);
			values[i] = nums[i];
		} else {
			values[i] = args[i].type == DB_TEXT ? args[i].s : NULL;
		}
	}
	res = libpq.execPrepared(p->conn, stmt->name, nargs, values, lengths, formats,
				 stmt->binary);
	if (sent > BIG_MESSAGE || libpq.resultMemorySize(res) > BIG_MESSAGE)
		p->grown = 1;
	switch (libpq.resultStatus(res)) {
	case PGRES_TUPLES_OK:
		row.impl = res;
		for (int r = 0; fn && r < libpq.ntuples(res); r++) {
			row.index = r;
			ret = fn(&row, arg);
			libpq.freemem(row.scratch);
			row.scratch = NULL;
			if (ret)
				break;
		}
		break;
	case PGRES_COMMAND_OK:
		break;
	default:
		ret = fail(p, res);
	}
	libpq.clear(res);
	return ret;
}

static int p_exec(struct db *db, const char *sql)
{
	struct db_pg *p = (struct db_pg *)db;
	PGresult *res = libpq.exec(p->conn, sql);
	int ret = 0;

	if (libpq.resultStatus(res) != PGRES_COMMAND_OK &&
	    libpq.resultStatus(res) != PGRES_TUPLES_OK)
		ret = fail(p, res);
	libpq.clear(res);
	return ret;
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int p_col_count(struct db_row *row)
{
	return libpq.nfields(row->impl);
}

static int p_col_null(struct db_row *row, int col)
{
	return libpq.getisnull(row->impl, row->index, col);
}

/* A binary integer is big-endian, of its type's width. */
static int64_t binary_int(const unsigned char *v, int len)
{
	uint64_t u = 0;

	for (int i = 0; i < len; i++)
		u = u << 8 | v[i];
	if (len > 0 && len < 8 && (v[0] & 0x80)) /* sign-extend int2 and int4 */
		u |= ~(uint64_t)0 << (8 * len);
	return (int64_t)u;
}

static int64_t p_col_int(struct db_row *row, int col)
{
	const char *v = libpq.getvalue(row->impl, row->index, col);

	if (libpq.fformat(row->impl, col) != 1)
		return strtoll(v, NULL, 10);
	if (libpq.ftype(row->impl, col) == TEXTOID || libpq.ftype(row->impl, col) == VARCHAROID)
		return strtoll(v, NULL, 10); /* text is its own bytes in either format */
	if (libpq.getisnull(row->impl, row->index, col))
		return 0;
	return binary_int((const unsigned char *)v, libpq.getlength(row->impl, row->index, col));
}

/* Text reads the same in both formats: libpq ends a binary value with a NUL too. */
static const char *p_col_text(struct db_row *row, int col)
{
	return libpq.getvalue(row->impl, row->index, col);
}

static const unsigned char *p_col_blob(struct db_row *row, int col, size_t *len)
{
	const char *v = libpq.getvalue(row->impl, row->index, col);

	if (libpq.fformat(row->impl, col) == 1) {
		*len = (size_t)libpq.getlength(row->impl, row->index, col);
		return (const unsigned char *)v;
	}
	libpq.freemem(row->scratch);
	row->scratch = libpq.unescapeBytea((const unsigned char *)v, len);
	if (!row->scratch)
		die("out of memory");
	return row->scratch;
}

/* Outside a transaction, a connection with grown buffers is replaced like a broken one. */
static int p_alive(struct db *db)
{
	struct db_pg *p = (struct db_pg *)db;

	if (p->grown && libpq.transactionStatus(p->conn) == PQTRANS_IDLE)
		return 0;
	return libpq.status(p->conn) == CONNECTION_OK;
}

static int p_in_tx(struct db *db)
{
	return libpq.transactionStatus(((struct db_pg *)db)->conn) != PQTRANS_IDLE;
}

static const struct db_ops pg_ops = {
	p_close, p_query, p_exec, p_col_count, p_col_null, p_col_int, p_col_text, p_col_blob, p_alive, p_in_tx,
};

struct db *db_pg_open(const char *url, char **err)
{
	const char *missing = libpq_load();
	struct db_pg *p;

	if (missing) {
		*err = xstrdup(missing);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->base.ops = &pg_ops;
	p->base.backend = DB_POSTGRES;
	p->conn = libpq.connectdb(url);
	if (libpq.status(p->conn) != CONNECTION_OK) {
		if (asprintf(err, "cannot connect to postgres: %s", libpq.errorMessage(p->conn)) < 0)
			die("out of memory");
		libpq.finish(p->conn);
		free(p);
		return NULL;
	}
	/* notices (for example "relation already exists, skipping") are not errors */
	libpq.setNoticeProcessor(p->conn, ignore_notice, NULL);
	p_exec(&p->base, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	return &p->base;
}
