/*
 * test_csv.c - orders/csv.c: every RFC 4180 shape, the same records however
 * the input is cut into chunks, Korean, Japanese and Turkish text, and broken
 * records reported with their line and field while the next ones still read.
 */
#include "orders/csv.h"
#include "unit.h"
#include "util/buf.h"

#include <stdlib.h>

/* Each record as one line of text: "L<line>:a|b|c" or "L<line>!<field>:<message>". */
static int collect(void *ctx, const struct csv_record *rec)
{
	struct buf *b = ctx;

	if (rec->code != E_OK) {
		buf_addf(b, "L%ld!%d:%s\n", rec->line, rec->field, rec->err.message);
		return 0;
	}
	buf_addf(b, "L%ld:", rec->line);
	for (int i = 0; i < rec->n_fields; i++) {
		if (i)
			buf_adds(b, "|");
		buf_add(b, rec->fields[i], rec->lens[i]);
	}
	buf_adds(b, "\n");
	return 0;
}

/* Reads s in chunks of `chunk` bytes (0: all at once); the caller frees. */
static char *read_csv(const char *s, size_t n, size_t chunk)
{
	struct csv_reader r;
	struct buf b;

	buf_init(&b, 0);
	csv_init(&r, collect, &b);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n; i += chunk)
		csv_feed(&r, s + i, n - i < chunk ? n - i : chunk);
	csv_finish(&r);
	csv_release(&r);
	buf_adds(&b, "");
	return buf_detach(&b, NULL);
}

static void expect_n(const char *in, size_t n, const char *want)
{
	char *all = read_csv(in, n, 0), *one = read_csv(in, n, 1);

	CHECK_STR(all, want);
	CHECK_STR(one, want);
	/* cut in two at every byte */
	for (size_t cut = 1; cut < n; cut++) {
		struct csv_reader r;
		struct buf b;

		buf_init(&b, 0);
		csv_init(&r, collect, &b);
		csv_feed(&r, in, cut);
		csv_feed(&r, in + cut, n - cut);
		csv_finish(&r);
		csv_release(&r);
		buf_adds(&b, "");
		CHECK_STR(b.p, want);
		buf_release(&b);
	}
	free(all);
	free(one);
}

static void expect(const char *in, const char *want)
{
	expect_n(in, strlen(in), want);
}

static void test_shapes(void)
{
	expect("a,b,c\n1,2,3\n", "L1:a|b|c\nL2:1|2|3\n");
	expect("a,b\r\n1,2\r\n", "L1:a|b\nL2:1|2\n");
	expect("a,b\r1,2", "L1:a|b\nL2:1|2\n");
	expect("a,b\n1,2", "L1:a|b\nL2:1|2\n");
	expect("\xEF\xBB\xBFid,total\n7,12.50\n", "L1:id|total\nL2:7|12.50\n");
	expect("\"a,b\",\"say \"\"hi\"\"\",\"\"\n", "L1:a,b|say \"hi\"|\n");
	expect("\"two\nlines\",x\r\nnext,y\n", "L1:two\nlines|x\nL3:next|y\n");
	expect("\"crlf\r\ninside\",x\r\nnext\r\n", "L1:crlf\r\ninside|x\nL3:next\n");
	expect(",,\n", "L1:||\n");
	expect("a\n\n\r\n b \n", "L1:a\nL4: b \n");
	expect("", "");
	expect("\xEF\xBB\xBF", "");
	expect("\"\"", "L1:\n");
	expect("\xEF\xBBx\n", "L1!1:line 1, field 1: invalid UTF-8\n");
}

static void test_languages(void)
{
	expect("number,name,city\n1042,김민지,서울특별시\n1043,山田太郎,\"東京都, 渋谷区\"\n"
	       "1044,Çağla Işık,İstanbul\n",
	       "L1:number|name|city\nL2:1042|김민지|서울특별시\nL3:1043|山田太郎|東京都, 渋谷区\n"
	       "L4:1044|Çağla Işık|İstanbul\n");
}

static void test_errors_resync(void)
{
	expect("a,b\"c,d\nok,1\n",
	       "L1!2:line 1, field 2: a quote inside an unquoted field\nL2:ok|1\n");
	expect("\"a\"x,b\nok\n", "L1!1:line 1, field 1: text after the closing quote\nL2:ok\n");
	expect("ok\nx,\xC3\x28,y\nfine\n", "L1:ok\nL2!2:line 2, field 2: invalid UTF-8\nL3:fine\n");
	expect("ok\n\"multi\nline\",\xFF\nfine\n",
	       "L1:ok\nL2!2:line 2, field 2: invalid UTF-8\nL4:fine\n");
	expect("ok\n\"open\nnever closed",
	       "L1:ok\nL2!1:line 2, field 1: the quote opened on line 2 is not closed\n");
	expect_n("a\0b,c\nd\n", 8, "L1!1:line 1, field 1: a NUL byte\nL2:d\n");
}

static void test_limits(void)
{
	struct buf in;
	char *got;

	buf_init(&in, 0);
	buf_adds(&in, "first\n");
	for (int i = 0; i < CSV_FIELD_MAX + 1; i++)
		buf_adds(&in, "x");
	buf_adds(&in, ",\"quoted\nstill\"\nlast\n");
	got = read_csv(in.p, in.len, 4096);
	CHECK_STR(got,
		  "L1:first\nL2!1:line 2, field 1: the field is longer than 64 KiB\nL4:last\n");
	free(got);
	in.len = 0;
	for (int i = 0; i < CSV_FIELD_MAX; i++)
		buf_adds(&in, "y");
	got = read_csv(in.p, in.len, 0);
	CHECK(got && strlen(got) == CSV_FIELD_MAX + 4);
	free(got);

	in.len = 0;
	for (int i = 0; i < CSV_FIELDS_MAX; i++)
		buf_adds(&in, "f,");
	buf_adds(&in, "f\nnext\n");
	got = read_csv(in.p, in.len, 0);
	CHECK_STR(got, "L1!257:line 1, field 257: more than 256 fields\nL2:next\n");
	free(got);

	in.len = 0;
	for (int f = 0; f < 20; f++) {
		for (int i = 0; i < 60000; i++)
			buf_adds(&in, "z");
		buf_adds(&in, ",");
	}
	buf_adds(&in, "\nnext\n");
	got = read_csv(in.p, in.len, 777);
	CHECK(got &&
	      strstr(got, "L1!18:line 1, field 18: the record is longer than 1 MiB\nL2:next\n"));
	free(got);
	buf_release(&in);
}

static void test_sample_file(void)
{
	FILE *f = fopen("tests/data/csv/orders.csv", "rb");
	char data[4096];
	size_t n;

	if (!f) {
		fprintf(stderr,
			"cannot open tests/data/csv/orders.csv (run from the repository root)\n");
		exit(1);
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	expect_n(data, n,
		 "L1:external_id|number|email|name|total|currency|note\n"
		 "L2:1001|#1042|minji@example.kr|김민지|45,000|KRW|문 앞에 놓아 "
		 "주세요\r\n감사합니다\n"
		 "L4:1002|#1043|taro@example.jp|山田太郎|3200|JPY|\"至急\" でお願いします\n"
		 "L5:1003|#1044|cagla@example.com.tr|Çağla Işık|1.250,00|TRY|\n"
		 "L7!4:line 7, field 4: a quote inside an unquoted field\n"
		 "L8:1005|#1046|ok@example.com|Ok|9.99|EUR|last line without a line end\n");
}

static int stop_after_one(void *ctx, const struct csv_record *rec)
{
	(void)rec;
	++*(int *)ctx;
	return 7;
}

static void test_stop(void)
{
	struct csv_reader r;
	int n = 0;

	csv_init(&r, stop_after_one, &n);
	CHECK(csv_feed(&r, "a\nb\nc\n", 6) == 7);
	CHECK(n == 1);
	csv_release(&r);
}

UNIT_MAIN(UNIT_TEST(test_shapes), UNIT_TEST(test_languages), UNIT_TEST(test_errors_resync),
	  UNIT_TEST(test_limits), UNIT_TEST(test_sample_file), UNIT_TEST(test_stop))
