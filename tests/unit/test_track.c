/*
 * test_track.c - orders/track.c: the shopper's language, money and dates in
 * each language, the pages' escaping and size, and the order token.
 */
#include "orders/track.h"
#include "unit.h"

#include <stdlib.h>

#define SEC ((int64_t)1000000)
/* 2026-11-28 14:02:00 UTC */
#define NOV28		((int64_t)1795874520 * SEC)
#define HOSTILE		"<script>alert(1)</script>\"'&"
#define HOSTILE_ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"

static const struct track_store store = {"tokyo-crafts", "東京クラフト",
					 "https://cdn.example.jp/logo.png", "#aa3300"};

static void test_language_pick(void)
{
	CHECK(track_lang_pick("ko", "ja", "tr") == TRACK_KO);
	CHECK(track_lang_pick("KO-kr", NULL, NULL) == TRACK_KO);
	CHECK(track_lang_pick("fr", "ja-JP,ja;q=0.9", "tr") == TRACK_JA);
	CHECK(track_lang_pick(NULL, "fr-FR, tr;q=0.5, ko-KR;q=0.8, en;q=0.1", "ja") == TRACK_KO);
	CHECK(track_lang_pick(NULL, "de;q=1, tr;q=0.5, ja;q=0.5", "en") == TRACK_TR);
	CHECK(track_lang_pick(NULL, "ko;q=0, de", "ja") == TRACK_JA); /* q=0 refuses */
	CHECK(track_lang_pick(NULL, "en-US;q=0.001", "ja") == TRACK_EN);
	CHECK(track_lang_pick(NULL, "english, kor", "tr") == TRACK_TR); /* not tags of ours */
	CHECK(track_lang_pick(NULL, NULL, NULL) == TRACK_EN);
	CHECK(track_lang_pick("", ",,;q=,", "xx") == TRACK_EN);
}

static void test_money(void)
{
	char m[64];

	CHECK_STR(track_money(m, sizeof(m), 15400, "JPY", TRACK_JA), "¥15,400");
	CHECK_STR(track_money(m, sizeof(m), 64000, "KRW", TRACK_KO), "₩64,000");
	CHECK_STR(track_money(m, sizeof(m), 6412, "USD", TRACK_EN), "$64.12");
	CHECK_STR(track_money(m, sizeof(m), 134980, "TRY", TRACK_TR), "1.349,80 ₺");
	CHECK_STR(track_money(m, sizeof(m), 134980, "TRY", TRACK_EN), "₺1,349.80");
	CHECK_STR(track_money(m, sizeof(m), 15400, "JPY", TRACK_TR), "15.400 ¥");
	CHECK_STR(track_money(m, sizeof(m), 1250, "CHF", TRACK_EN), "CHF 12.50");
	CHECK_STR(track_money(m, sizeof(m), 1250, "CHF", TRACK_TR), "12,50 CHF");
	CHECK_STR(track_money(m, sizeof(m), 5, "EUR", TRACK_KO), "€0.05");
	CHECK_STR(track_money(m, sizeof(m), 1234567, "KWD", TRACK_EN), "KWD 1,234.567");
	CHECK_STR(track_money(m, sizeof(m), 100000000, "KRW", TRACK_KO), "₩100,000,000");
	CHECK_STR(track_money(m, sizeof(m), -500, "USD", TRACK_EN), "-$5.00");
	CHECK_STR(track_money(m, sizeof(m), 999, "xx", TRACK_EN), "9.99");
}

static void test_dates(void)
{
	char d[64];

	CHECK_STR(track_date(d, NOV28, TRACK_EN), "Nov 28, 2026 14:02");
	CHECK_STR(track_date(d, NOV28, TRACK_KO), "2026년 11월 28일 14:02");
	CHECK_STR(track_date(d, NOV28, TRACK_JA), "2026年11月28日 14:02");
	CHECK_STR(track_date(d, NOV28, TRACK_TR), "28 Kasım 2026 14:02");
	CHECK_STR(track_date(d, NOV28 - 300 * 86400 * SEC, TRACK_TR), "1 Şubat 2026 14:02");
	CHECK_STR(track_date(d, 0, TRACK_EN), "Jan 1, 1970 00:00");
}

static void test_labels(void)
{
	CHECK_STR(track_state_label(ORDER_IN_TRANSIT, TRACK_EN), "In transit");
	CHECK_STR(track_state_label(ORDER_IN_TRANSIT, TRACK_KO), "배송 중");
	CHECK_STR(track_state_label(ORDER_IN_TRANSIT, TRACK_JA), "輸送中");
	CHECK_STR(track_state_label(ORDER_IN_TRANSIT, TRACK_TR), "Yolda");
	CHECK_STR(track_state_label(ORDER_CANCELLED, TRACK_TR), "İptal edildi");
	for (int l = 0; l < TRACK_LANG_COUNT; l++)
		for (int s = 0; s < ORDER_STATE_COUNT; s++) {
			const char *a = track_state_label((enum order_state)s, (enum track_lang)l);

			CHECK(a && *a);
			for (int t = 0; t < s; t++)
				CHECK(strcmp(a, track_state_label((enum order_state)t,
								  (enum track_lang)l)));
		}
}

static void test_normalize(void)
{
	char out[64];

	CHECK_STR(track_normalize(out, sizeof(out), "  #A-1042 ", 1), "A-1042");
	CHECK_STR(track_normalize(out, sizeof(out), "＃１０４２", 1), "1042");
	CHECK_STR(track_normalize(out, sizeof(out),
				  "\xe3\x80\x80"
				  "1042\xe3\x80\x80",
				  1),
		  "1042");
	CHECK_STR(track_normalize(out, sizeof(out), " Aoi.SATO@Example.JP", 0),
		  "aoi.sato@example.jp");
	CHECK_STR(track_normalize(out, sizeof(out), "#x@y", 0), "#x@y"); /* only numbers lose "#" */
	CHECK_STR(track_normalize(out, sizeof(out), "İ@x", 0), "İ@x");
	CHECK_STR(track_normalize(out, 4, "123456", 1), "123");
}

static void test_token(void)
{
	int64_t s = 0, o = 0;
	char *t = track_token_make("k1", 3, 17, 2000000000), *bad;

	CHECK(track_token_check("k1", t, 1999999999, &s, &o) && s == 3 && o == 17);
	CHECK(!track_token_check("k1", t, 2000000000, &s, &o)); /* expired */
	CHECK(!track_token_check("k2", t, 1, &s, &o));		/* another key */
	bad = strdup(t);
	bad[strlen(bad) - 1] ^= 1;
	CHECK(!track_token_check("k1", bad, 1, &s, &o));
	free(bad);
	if (asprintf(&bad, "3-18-2000000000-%s", strrchr(t, '-') + 1) > 0) {
		CHECK(!track_token_check("k1", bad, 1, &s, &o)); /* another order, same signature */
		free(bad);
	}
	CHECK(!track_token_check("k1", "", 1, &s, &o));
	CHECK(!track_token_check("k1", "0-17-2000000000-00000000000000000000000000000000", 1, &s,
				 &o));
	CHECK(!track_token_check("k1", "99999999999999999999-1-2-x", 1, &s, &o));
	free(t);
}

static struct order sample(void)
{
	static struct order_item items[] = {
		{.name = "九谷焼 湯呑み", .variant = "ペア", .quantity = 1, .price_minor = 8800},
		{.name = HOSTILE "item", .variant = HOSTILE "variant", .quantity = 2},
	};
	static struct shipment_scan scans[] = {
		{"picked_up", "石川県 金沢センター", "荷物を受け付けました", NOV28 - 86400 * SEC},
		{"in_transit", HOSTILE "place", HOSTILE "said", NOV28},
	};
	static struct shipment ships[] = {
		{.carrier = HOSTILE "carrier",
		 .tracking_number = "TN-1",
		 .tracking_url = "javascript:alert(1)",
		 .state = ORDER_IN_TRANSIT,
		 .scans = scans,
		 .n_scans = 2,
		 .eta = NOV28 + 86400 * SEC},
		{.carrier = "ヤマト運輸",
		 .tracking_number = "4567",
		 .tracking_url = "https://t.example/?a=1&b=2",
		 .state = ORDER_SHIPPED},
		{.carrier = "Quote Post",
		 .tracking_url = "https://q.example/\"onmouseover=x",
		 .state = ORDER_SHIPPED},
	};
	return (struct order){.number = HOSTILE "#1042",
			      .currency = "JPY",
			      .total_minor = 15400,
			      .placed_at = NOV28,
			      .state = ORDER_IN_TRANSIT,
			      .items = items,
			      .n_items = 2,
			      .shipments = ships,
			      .n_shipments = 3};
}

static void test_order_page(void)
{
	static const char *const want[TRACK_LANG_COUNT][3] = {
		{"In transit", "Nov 28, 2026 14:02", "¥15,400"},
		{"배송 중", "2026년 11월 28일 14:02", "¥15,400"},
		{"輸送中", "2026年11月28日 14:02", "¥15,400"},
		{"Yolda", "28 Kasım 2026 14:02", "15.400 ¥"},
	};
	struct order o = sample();
	struct track_store hostile = {"s", HOSTILE "shop", "javascript:x", "red;}body{x"};

	for (int l = 0; l < TRACK_LANG_COUNT; l++) {
		size_t len;
		char *p = track_order_page(&store, (enum track_lang)l, &o, "1-2-3-abc", &len);

		CHECK(strlen(p) == len);
		for (int i = 0; i < 3; i++)
			CHECK(strstr(p, want[l][i]));
		CHECK(!strstr(p, "<script"));
		CHECK(strstr(p, HOSTILE_ESCAPED "item"));
		CHECK(strstr(p, HOSTILE_ESCAPED "variant"));
		CHECK(strstr(p, HOSTILE_ESCAPED "place"));
		CHECK(strstr(p, HOSTILE_ESCAPED "said"));
		CHECK(strstr(p, HOSTILE_ESCAPED "carrier"));
		CHECK(strstr(p, HOSTILE_ESCAPED "#1042"));
		CHECK(!strstr(p, "javascript:"));
		CHECK(strstr(p, "href=\"https://t.example/?a=1&amp;b=2\""));
		CHECK(!strstr(p, "q.example")); /* a URL with a quote is not linked */
		CHECK(strstr(p, "href=\"/track/tokyo-crafts/1-2-3-abc?lang=ko\""));
		CHECK(strstr(p, "--a:#aa3300"));
		/* newest scan first */
		CHECK(strstr(p, HOSTILE_ESCAPED "said") < strstr(p, "荷物を受け付けました"));
		free(p);
	}
	for (int l = 0; l < TRACK_LANG_COUNT; l++) {
		size_t len;
		char *p =
			track_form_page(&hostile, (enum track_lang)l, TRACK_NOTICE_NO_MATCH, &len);

		CHECK(strstr(p, HOSTILE_ESCAPED "shop"));
		CHECK(!strstr(p, "<script") && !strstr(p, "javascript:") && !strstr(p, "red;"));
		CHECK(!strstr(p, "<img"));
		CHECK(strstr(p, "--a:#2b59c3"));
		free(p);
	}
}

/* A huge order (long hostile names, many scans) still makes a whole page under the limit. */
static void test_size_limit(void)
{
	static struct order_item items[300];
	static struct shipment_scan scans[400];
	static struct shipment ships[30];
	char name[1200];
	struct order o = sample();
	size_t len;
	char *p;

	memset(name, '<', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < 300; i++)
		items[i] = (struct order_item){.name = name, .variant = name, .quantity = i};
	for (int i = 0; i < 400; i++)
		scans[i] = (struct shipment_scan){"in_transit", name, name, NOV28 + i * SEC};
	for (int i = 0; i < 30; i++)
		ships[i] = (struct shipment){.carrier = name,
					     .tracking_number = name,
					     .state = ORDER_IN_TRANSIT,
					     .scans = scans,
					     .n_scans = 400};
	o.items = items, o.n_items = 300, o.shipments = ships, o.n_shipments = 30;
	for (int l = 0; l < TRACK_LANG_COUNT; l++) {
		struct track_store s = {"s", name, NULL, NULL};

		p = track_order_page(&s, (enum track_lang)l, &o, "1-2-3-abc", &len);
		CHECK(len < TRACK_PAGE_MAX);
		CHECK(len > 30000);
		CHECK(len >= 15 && !strcmp(p + len - 15, "</body></html>\n"));
		free(p);
	}
	/* the "more" line says how many were left out */
	p = track_order_page(&store, TRACK_EN, &o, "t", &len);
	CHECK(strstr(p, " more</li>"));
	free(p);
}

static void test_not_found(void)
{
	size_t a, b;
	char *p = track_not_found_page(NULL, TRACK_JA, &a),
	     *q = track_not_found_page(&store, TRACK_TR, &b);

	CHECK(strstr(p, "ページが見つかりません") && !strstr(p, "<nav>"));
	CHECK(strstr(q, "Sayfa bulunamadı") && strstr(q, "href=\"/track/tokyo-crafts?lang=tr\""));
	free(p);
	free(q);
}

UNIT_MAIN(UNIT_TEST(test_language_pick), UNIT_TEST(test_money), UNIT_TEST(test_dates),
	  UNIT_TEST(test_labels), UNIT_TEST(test_normalize), UNIT_TEST(test_token),
	  UNIT_TEST(test_order_page), UNIT_TEST(test_size_limit), UNIT_TEST(test_not_found))
