/*
 * test_import.c - orders/import.c: header names (deskd's and Shopify's export,
 * any case), one order over several rows, shipments once each, times in both
 * forms, faults named with their line and column, and a broken row failing
 * the order it may belong to.
 */
#include "orders/import.h"
#include "orders/payload.h"
#include "unit.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

struct gather {
	struct import_columns cols;
	int have_header;
	enum err_code header_rc;
	struct import_order cur;
	struct buf out;
};

/* Each order as "L<line> <external_id> <document>" or "L<line>! <fault>". */
static void close_order(struct gather *g)
{
	struct import_order *o = &g->cur;
	char *doc;

	if (!o->line)
		return;
	import_finish(o);
	if (o->err.code != E_OK) {
		buf_addf(&g->out, "L%ld! %s\n", o->err_line, o->err.message);
	} else {
		doc = json_dumps(o->doc, JSON_SORT_KEYS | JSON_COMPACT);
		buf_addf(&g->out, "L%ld %s %s\n", o->line, o->external_id, doc);
		free(doc);
	}
	import_release(o);
}

static int on_record(void *ctx, const struct csv_record *rec)
{
	struct gather *g = ctx;
	struct error err;

	if (!g->have_header) {
		g->header_rc = import_header(rec, &g->cols, &err);
		if (g->header_rc)
			buf_addf(&g->out, "header! %s\n", err.message);
		g->have_header = 1;
		return g->header_rc ? 1 : 0;
	}
	if (!import_continues(&g->cur, &g->cols, rec))
		close_order(g);
	if (rec->code == E_OK || g->cur.line)
		import_add(&g->cur, &g->cols, rec);
	return 0;
}

static char *gather(const char *csv)
{
	struct gather g = {0};
	struct csv_reader r;

	buf_init(&g.out, 0);
	csv_init(&r, on_record, &g);
	if (!csv_feed(&r, csv, strlen(csv)) && !csv_finish(&r))
		close_order(&g);
	csv_release(&r);
	import_release(&g.cur);
	buf_adds(&g.out, "");
	return buf_detach(&g.out, NULL);
}

static void expect(const char *csv, const char *want)
{
	char *got = gather(csv);

	CHECK_STR(got, want);
	free(got);
}

static void test_times(void)
{
	char t[40];

	CHECK(!import_time("2026-11-05 14:03:22 +0900", t));
	CHECK_STR(t, "2026-11-05T14:03:22+09:00");
	CHECK(!import_time("2026-11-05 14:03 -05:30", t));
	CHECK_STR(t, "2026-11-05T14:03:00-05:30");
	CHECK(!import_time("2026-11-05 14:03:22 UTC", t));
	CHECK_STR(t, "2026-11-05T14:03:22+00:00");
	CHECK(!import_time("2026-11-05T14:03:22Z", t));
	CHECK_STR(t, "2026-11-05T14:03:22Z");
	CHECK(import_time("2026-11-05 14:03:22", t)); /* no zone: which day is it? */
	CHECK(import_time("2026-11-05", t));
	CHECK(import_time("05/11/2026 14:03 +0900", t));
	CHECK(import_time("2026-11-05 14:03:22 +09", t));
	CHECK(import_time("2026-11-05 14:03:22 +0900 extra", t));
	CHECK(import_time("", t));
}

static void test_own_columns(void)
{
	expect("number,email,currency,total,placed_at,item_sku,item_name,item_quantity,item_price,"
	       "tracking_number,carrier\r\n"
	       "#1,a@example.jp,JPY,8800,2026-11-05 14:03:22 +0900,CUP,湯呑み,1,8800,T1,ヤマト\r\n"
	       "#1,,,,,FURO,風呂敷,2,3300,T1,\r\n"
	       ",,,,,KIM,김치,1,100,T2,CJ\r\n"
	       "#2,b@example.kr,KRW,100,2026-11-06T10:00:00+09:00,,,,,,\r\n",
	       "L2 #1 {\"currency\":\"JPY\",\"email\":\"a@example.jp\",\"items\":["
	       "{\"name\":\"湯呑み\",\"price\":\"8800\",\"quantity\":1,\"sku\":\"CUP\"},"
	       "{\"name\":\"風呂敷\",\"price\":\"3300\",\"quantity\":2,\"sku\":\"FURO\"},"
	       "{\"name\":\"김치\",\"price\":\"100\",\"quantity\":1,\"sku\":\"KIM\"}],"
	       "\"number\":\"#1\",\"placed_at\":\"2026-11-05T14:03:22+09:00\","
	       "\"shipments\":[{\"carrier\":\"ヤマト\",\"external_id\":\"T1\","
	       "\"tracking_number\":\"T1\"},{\"carrier\":\"CJ\",\"external_id\":\"T2\","
	       "\"tracking_number\":\"T2\"}],\"total\":\"8800\","
	       "\"updated_at\":\"2026-11-05T14:03:22+09:00\"}\n"
	       "L5 #2 {\"currency\":\"KRW\",\"email\":\"b@example.kr\",\"number\":\"#2\","
	       "\"placed_at\":\"2026-11-06T10:00:00+09:00\",\"total\":\"100\","
	       "\"updated_at\":\"2026-11-06T10:00:00+09:00\"}\n");
}

static void test_shopify_names(void)
{
	/* any case, blanks around, unknown columns ignored, Id the external id */
	expect(" NAME ,Accepts Marketing,id,Lineitem SKU,lineitem quantity,Billing Name\n"
	       "#1042,no,450789469,Ç-1,3,İlkay Öztürk\n",
	       "L2 450789469 {\"customer\":{\"name\":\"İlkay Öztürk\"},\"items\":["
	       "{\"quantity\":3,\"sku\":\"Ç-1\"}],\"number\":\"#1042\"}\n");
	/* the same number but another id is another order */
	expect("number,external_id\n#1,a\n#1,b\n", "L2 a {\"number\":\"#1\"}\nL3 b {\"number\":\"#1\"}\n");
}

static void test_header_faults(void)
{
	expect("email,total\na@example.com,1\n",
	       "header! the header has no number column (\"number\", or \"Name\" as Shopify exports"
	       " it)\n");
	expect("number,Number\n1,1\n", "header! the header names number twice (columns 1 and 2)\n");
	expect("Name,\"Email\nx\n", "header! the header: line 1, field 2: the quote opened on line 1"
				    " is not closed\n");
}

static void test_row_faults(void)
{
	expect("number,item_quantity\n#1,x\n#2,-1\n#3,99999999999999999999\n#4,2\n",
	       "L2! item_quantity: \"x\" is not a whole number\n"
	       "L3! item_quantity: \"-1\" is not a whole number\n"
	       "L4! item_quantity: \"99999999999999999999\" is not a whole number\n"
	       "L5 #4 {\"items\":[{\"quantity\":2}],\"number\":\"#4\"}\n");
	expect("number,placed_at,delivered_at,tracking_number,carrier\n#1,yesterday,,,\n"
	       "#2,,2026-11-05,T2,\n#3,,,,DHL\n",
	       "L2! placed_at: \"yesterday\" is not a time (2026-11-05T14:03:22+09:00 or"
	       " 2026-11-05 14:03:22 +0900)\n"
	       "L3! delivered_at: \"2026-11-05\" is not a time (2026-11-05T14:03:22+09:00 or"
	       " 2026-11-05 14:03:22 +0900)\n"
	       "L4! shipment_id: a shipment needs a shipment_id or a tracking_number\n");
	expect("number,total\n,1\n#2,1,extra\n#3,1,\n",
	       "L2! number: is empty\n"
	       "L3! column 3: the row has more cells than the header's 2\n"
	       "L4 #3 {\"number\":\"#3\",\"total\":\"1\"}\n");
	/* a fault on a later row fails the whole order, named at that row */
	expect("number,item_quantity\n#1,1\n#1,x\n#2,1\n",
	       "L3! item_quantity: \"x\" is not a whole number\n"
	       "L4 #2 {\"items\":[{\"quantity\":1}],\"number\":\"#2\"}\n");
	/* a broken row fails the order before it, then the next order reads */
	expect("number,total\n#1,1\n#1,\"2\"x\n#2,1\n",
	       "L3! the broken row on line 3 may be one of its rows\n"
	       "L4 #2 {\"number\":\"#2\",\"total\":\"1\"}\n");
}

/* What the importer builds is what payload_order_object takes: a document the API would take. */
static void test_documents_check(void)
{
	const char *csv = "number,currency,total,placed_at,item_name,item_quantity,item_price\n"
			  "#7,TRY,250.00,2026-11-05 14:03:22 +0300,Çay,2,125.00\n";
	struct gather g = {0};
	struct csv_reader r;
	struct payload p;
	struct arena a;
	struct error err;

	buf_init(&g.out, 0);
	csv_init(&r, on_record, &g);
	csv_feed(&r, csv, strlen(csv));
	csv_finish(&r);
	csv_release(&r);
	CHECK(g.cur.line == 2);
	import_finish(&g.cur);
	arena_init(&a);
	CHECK(payload_order_object(g.cur.external_id, g.cur.doc, &p, &a, &err) == E_OK);
	CHECK_STR(p.order.number, "#7");
	CHECK(p.order.total_minor == 25000);
	CHECK(p.order.n_items == 1 && p.order.items[0].quantity == 2 &&
	      p.order.items[0].price_minor == 12500);
	CHECK(p.order.placed_at == p.order.updated_at && p.order.placed_at > 0);
	arena_release(&a);
	import_release(&g.cur);
	buf_release(&g.out);
}

UNIT_MAIN(UNIT_TEST(test_times), UNIT_TEST(test_own_columns), UNIT_TEST(test_shopify_names),
	  UNIT_TEST(test_header_faults), UNIT_TEST(test_row_faults),
	  UNIT_TEST(test_documents_check))
