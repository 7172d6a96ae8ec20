/*
 * test_db.c - db.h reads the same values from both drivers.
 *
 * PostgreSQL returns statements with bytea columns in binary format (db_pg.c),
 * where integers are big-endian of their own width and bytes come unescaped;
 * every other statement in text. The same statements run on SQLite (a file in
 * a temporary folder) and, when DESKD_TEST_PGHOST names a cluster's socket
 * folder (tests/pg.sh), on PostgreSQL, and must read alike.
 *
 * libpq never shrinks its buffers, so a PostgreSQL connection that moved a
 * value of several MiB asks to be replaced (db_alive 0) once its transaction
 * is over; SQLite's never does.
 */
#include "store/db.h"
#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOB_SIZE (1 << 20)

static unsigned char blob[BLOB_SIZE];

struct row_values {
	int rows;
	size_t blob_len;
	int blob_same, null_blob, null_is_null;
	int64_t i2, i4, i8, flag, numeric;
	char text[64], varchar[64];
};

static int read_all(struct db_row *row, void *arg)
{
	struct row_values *v = arg;
	const unsigned char *b = db_col_blob(row, 0, &v->blob_len);

	v->rows++;
	v->blob_same = v->blob_len == BLOB_SIZE && !memcmp(b, blob, BLOB_SIZE);
	v->i2 = db_col_int(row, 1);
	v->i4 = db_col_int(row, 2);
	v->i8 = db_col_int(row, 3);
	snprintf(v->text, sizeof(v->text), "%s", db_col_text(row, 4));
	snprintf(v->varchar, sizeof(v->varchar), "%s", db_col_text(row, 5));
	v->flag = db_col_int(row, 6);
	v->null_is_null = db_col_null(row, 7);
	db_col_blob(row, 7, &v->blob_len);
	v->null_blob = v->blob_len == 0;
	db_col_blob(row, 0, &v->blob_len); /* the first column again, after another */
	return 0;
}

static int read_numeric(struct db_row *row, void *arg)
{
	struct row_values *v = arg;
	size_t n;
	const unsigned char *b = db_col_blob(row, 0, &n);

	v->rows++;
	v->blob_same = n == 4 && !memcmp(b, "a\0b\xff", 4);
	v->numeric = db_col_int(row, 1);
	v->i8 = db_col_int(row, 2);
	return 0;
}

static void check_driver(struct db *db)
{
	static const char name[] = "Ünïcode 배송 name";
	struct db_arg args[] = { DB_B(blob, BLOB_SIZE), DB_I(-((int64_t)1 << 40) - 3), DB_T(name) };
	struct row_values v = { 0 };
	int rc;

	for (int i = 0; i < BLOB_SIZE; i++)
		blob[i] = (unsigned char)(i * 7 + i / 256);
	/* every type the binary reader decodes, negatives to catch sign extension */
	rc = db_query(db,
		      "SELECT $1, CAST(-5 AS smallint), CAST(-70000 AS integer),"
		      " CAST($2 AS bigint), CAST($3 AS text), CAST($3 AS varchar(40)), 1 = 1,"
		      " CAST(NULL AS bytea)",
		      args, 3, read_all, &v);
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "%s\n", db_error(db));
	CHECK(v.rows == 1);
	CHECK(v.blob_same);
	CHECK(v.blob_len == BLOB_SIZE);
	CHECK(v.i2 == -5);
	CHECK(v.i4 == -70000);
	CHECK(v.i8 == -((int64_t)1 << 40) - 3);
	CHECK_STR(v.text, name);
	CHECK_STR(v.varchar, name);
	CHECK(v.flag == 1);
	CHECK(v.null_is_null);
	CHECK(v.null_blob);

	/* a type the binary reader does not know keeps the statement in text format */
	struct db_arg nargs[] = { DB_B("a\0b\xff", 4), DB_I(INT64_MAX) };
	memset(&v, 0, sizeof(v));
	rc = db_query(db, "SELECT $1, CAST(7 AS numeric), CAST($2 AS bigint)", nargs, 2,
		      read_numeric, &v);
	CHECK(rc == 0);
	CHECK(v.rows == 1);
	CHECK(v.blob_same);
	CHECK(v.numeric == 7);
	CHECK(v.i8 == INT64_MAX);
}

static int count_rows(struct db_row *row, void *arg)
{
	(void)row;
	++*(int *)arg;
	return 0;
}

static void check_replaced_after_big_values(struct db *db, int replaced)
{
	size_t big = (size_t)5 << 20;
	char *p = calloc(1, big);
	struct db_arg args[] = { DB_B(p, big) };
	struct db_arg small[] = { DB_B(p, 1000) };
	int rows = 0;

	CHECK(db_alive(db));
	CHECK(db_query(db, "SELECT $1", small, 1, count_rows, &rows) == 0);
	CHECK(db_alive(db));
	/* in a transaction it stays: the pool releases it after the commit */
	CHECK(db_exec(db, "BEGIN") == 0);
	CHECK(db_query(db, "SELECT length($1)", args, 1, count_rows, &rows) == 0);
	CHECK(db_alive(db));
	CHECK(db_exec(db, "COMMIT") == 0);
	CHECK(db_alive(db) == !replaced);
	CHECK(rows == 2);
	free(p);
}

static void test_sqlite(void)
{
	char dir[] = "/tmp/deskd-test-db.XXXXXX", path[128], *err = NULL;
	struct db *db;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "sqlite:%s/t.db", dir);
	db = db_open(path, 1, &err);
	CHECK(db != NULL);
	if (db) {
		check_driver(db);
		check_replaced_after_big_values(db, 0);
		db_close(db);
	}
	free(err);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	unlink(path);
	rmdir(dir);
}

static void test_postgres(void)
{
	const char *host = getenv("DESKD_TEST_PGHOST");
	char url[512], *err = NULL;
	struct db *db;

	if (!host || !*host) {
		printf("skip test_postgres: DESKD_TEST_PGHOST is not set\n");
		return;
	}
	snprintf(url, sizeof(url), "postgresql:///postgres?host=%s&user=postgres", host);
	db = db_open(url, 1, &err);
	CHECK(db != NULL);
	if (!db) {
		fprintf(stderr, "%s\n", err);
	} else {
		check_driver(db);
		check_driver(db); /* the statements again, from the connection's cache */
		db_close(db);
	}
	/* a value sent, then one received, each makes the connection one to replace */
	for (int i = 0; i < 2; i++) {
		db = db_open(url, 1, &err);
		CHECK(db != NULL);
		if (!db)
			break;
		if (i == 0) {
			check_replaced_after_big_values(db, 1);
		} else {
			struct db_arg n[] = { DB_I(5 << 20) };
			int rows = 0;

			CHECK(db_query(db, "SELECT repeat('x', CAST($1 AS integer))", n, 1, count_rows,
				       &rows) == 0);
			CHECK(rows == 1 && !db_alive(db));
		}
		db_close(db);
	}
	free(err);
}

UNIT_MAIN(UNIT_TEST(test_sqlite), UNIT_TEST(test_postgres))
