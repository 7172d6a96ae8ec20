/*
 * test_notify.c - orders/notify.c: every notifying state has its three texts
 * in every language and they use only known placeholders; the store's
 * override and the English fallback; the values; quiet hours across offsets
 * and midnight; the dedup key.
 */
#include "orders/notify.h"
#include "unit.h"

#include <string.h>

#define SEC ((int64_t)1000000)
#define MIN (60 * SEC)
/* 2026-12-05 00:00:00 UTC */
#define DEC5	 ((int64_t)1796428800 * SEC)
#define AT(h, m) (DEC5 + ((int64_t)(h)*60 + (m)) * MIN)
#define UNKNOWN	 NOTIFY_OFFSET_UNKNOWN

static const char *const langs[] = {"en", "ko", "ja", "tr"};

static struct shipment shipment = {
	.id = 7,
	.order_id = 42,
	.carrier = "ヤマト運輸",
	.tracking_number = "4912-3456-7890",
	.tracking_url = "https://carrier.example/t/4912",
	.state = ORDER_SHIPPED,
	.eta = AT(3 * 24 + 3, 0), /* Dec 8, 03:00 UTC: noon in Tokyo */
};

static struct order order = {
	.id = 42,
	.number = "#1042",
	.customer_name = "Ayşe Yılmaz",
	.currency = "TRY",
	.total_minor = 134980,
	.state = ORDER_SHIPPED,
	.shipments = &shipment,
	.n_shipments = 1,
};

static int notifying(enum order_state s)
{
	return s == ORDER_SHIPPED || s == ORDER_OUT_FOR_DELIVERY || s == ORDER_DELIVERED ||
	       s == ORDER_DELAYED || s == ORDER_EXCEPTION || s == ORDER_REFUNDED ||
	       s == ORDER_CANCELLED;
}

/* The render of tpl with vars; fails the test on any unknown placeholder or leftover brace. */
static const char *render_clean(const char *tpl, const struct template_var *vars, struct arena *a)
{
	struct template_report rep;
	const char *out = template_render_str(a, tpl, vars, NOTIFY_VARS, 0, &rep);

	if (rep.unknown)
		fprintf(stderr, "unknown placeholder %.*s in: %s\n", (int)rep.first_unknown_len,
			rep.first_unknown, tpl);
	CHECK(rep.unknown == 0);
	CHECK(!strstr(out, "{{") && !strstr(out, "}}"));
	return out;
}

static void test_every_state_and_language(void)
{
	struct arena a;

	arena_init(&a);
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
			struct notify_template t;
			struct template_var vars[NOTIFY_VARS];
			struct notify_facts f = {&order,
						 &shipment,
						 (enum order_state)s,
						 "Kedi Dükkanı",
						 "https://desk.example/track/x",
						 "https://desk.example/u/1",
						 180};
			enum track_lang used = TRACK_LANG_COUNT;
			int rc = notify_template_pick((enum order_state)s, langs[i], NULL, &t,
						      &used);

			CHECK(rc == (notifying((enum order_state)s) ? 0 : -1));
			CHECK(notifying((enum order_state)s) ==
			      order_state_notifies((enum order_state)s));
			if (rc)
				continue;
			CHECK(used == (enum track_lang)i);
			CHECK(t.subject && *t.subject && t.body && *t.body && t.sms && *t.sms);
			/* a subject is one line; an SMS is short (70 UCS-2 units or so: bytes here)
			 */
			CHECK(!strchr(t.subject, '\n'));
			CHECK(!strchr(t.sms, '\n') && strlen(t.sms) < 240);
			/* the body names the order and says how to stop */
			CHECK(strstr(t.body, "{{order.number}}") &&
			      strstr(t.body, "{{unsubscribe_url}}"));
			CHECK(strstr(t.body, "{{customer.first_name}}"));
			notify_values(&f, used, vars, &a);
			render_clean(t.subject, vars, &a);
			CHECK(strstr(render_clean(t.body, vars, &a), "#1042"));
			render_clean(t.sms, vars, &a);
		}
	}
	arena_release(&a);
}

static void test_languages_differ(void)
{
	struct notify_template en, other;

	notify_template_pick(ORDER_DELIVERED, "en", NULL, &en, NULL);
	for (size_t i = 1; i < sizeof(langs) / sizeof(langs[0]); i++) {
		notify_template_pick(ORDER_DELIVERED, langs[i], NULL, &other, NULL);
		CHECK(strcmp(en.subject, other.subject) && strcmp(en.body, other.body) &&
		      strcmp(en.sms, other.sms));
	}
}

static void test_pick_fallback_and_override(void)
{
	struct notify_template t, en;
	struct notify_template store = {"{{store.name}}: shipped!", "", NULL};
	enum track_lang used;

	notify_template_pick(ORDER_SHIPPED, "en", NULL, &en, NULL);
	CHECK(notify_template_pick(ORDER_SHIPPED, "fr", NULL, &t, &used) == 0);
	CHECK(used == TRACK_EN && t.subject == en.subject && t.body == en.body);
	CHECK(notify_template_pick(ORDER_SHIPPED, NULL, NULL, &t, &used) == 0 && used == TRACK_EN);
	CHECK(notify_template_pick(ORDER_SHIPPED, "", NULL, &t, &used) == 0 && used == TRACK_EN);
	CHECK(notify_template_pick(ORDER_SHIPPED, "ko-KR", NULL, &t, &used) == 0 &&
	      used == TRACK_KO);
	CHECK(strstr(t.subject, "발송"));
	CHECK(notify_template_pick(ORDER_SHIPPED, "TR", NULL, &t, &used) == 0 && used == TRACK_TR);

	/* the store's subject wins; its empty body and missing SMS fall back */
	CHECK(notify_template_pick(ORDER_SHIPPED, "ja", &store, &t, &used) == 0);
	CHECK_STR(t.subject, "{{store.name}}: shipped!");
	CHECK(strstr(t.body, "発送") && strstr(t.sms, "発送"));

	/* a state nobody hears about */
	t.subject = "untouched";
	CHECK(notify_template_pick(ORDER_IN_TRANSIT, "en", &store, &t, &used) == -1);
	CHECK(notify_template_pick(ORDER_PACKED, "ko", NULL, &t, NULL) == -1);
	CHECK(notify_template_pick(ORDER_STATE_COUNT, "ko", NULL, &t, NULL) == -1);
	CHECK_STR(t.subject, "untouched");
}

/* The value of `name` in vars. */
static const char *value(const struct template_var *vars, const char *name)
{
	for (int i = 0; i < NOTIFY_VARS; i++)
		if (!strcmp(vars[i].name, name))
			return vars[i].value ? vars[i].value : "";
	return "(missing)";
}

static void test_values(void)
{
	struct template_var vars[NOTIFY_VARS];
	struct notify_facts f = {&order, NULL, ORDER_SHIPPED, "東京クラフト", NULL, NULL, 9 * 60};
	struct order bare = {.number = "1043", .customer_name = "山田 太郎"};
	struct arena a;

	arena_init(&a);
	CHECK(notify_values(&f, TRACK_JA, vars, &a) == NOTIFY_VARS);
	CHECK_STR(value(vars, "customer.first_name"), "Ayşe");
	CHECK_STR(value(vars, "order.number"), "#1042");
	CHECK_STR(value(vars, "order.status"), track_state_label(ORDER_SHIPPED, TRACK_JA));
	/* no tracking page given: the carrier's link */
	CHECK_STR(value(vars, "order.tracking_url"), "https://carrier.example/t/4912");
	CHECK_STR(value(vars, "order.eta"), "2026年12月8日 12:00"); /* Tokyo time */
	CHECK_STR(value(vars, "order.total"), "₺1,349.80");
	CHECK_STR(value(vars, "shipment.carrier"), "ヤマト運輸");
	CHECK_STR(value(vars, "shipment.tracking_number"), "4912-3456-7890");
	CHECK_STR(value(vars, "store.name"), "東京クラフト");
	CHECK_STR(value(vars, "unsubscribe_url"), "");

	f.tracking_url = "https://desk.example/track/tok";
	f.utc_offset_min = 3 * 60;
	notify_values(&f, TRACK_TR, vars, &a);
	CHECK_STR(value(vars, "order.tracking_url"), "https://desk.example/track/tok");
	CHECK_STR(value(vars, "order.eta"), "8 Aralık 2026 06:00");
	CHECK_STR(value(vars, "order.total"), "1.349,80 ₺");
	CHECK_STR(value(vars, "order.status"), track_state_label(ORDER_SHIPPED, TRACK_TR));
	/* an offset nobody has (passed through unknown) is UTC, not a date in another age */
	f.utc_offset_min = NOTIFY_OFFSET_UNKNOWN;
	notify_values(&f, TRACK_EN, vars, &a);
	CHECK_STR(value(vars, "order.eta"), "Dec 8, 2026 03:00");

	/* an order without shipments, currency or link: empty values, never NULL names */
	f = (struct notify_facts){&bare, NULL, ORDER_CANCELLED, "Shop", NULL, NULL, 0};
	notify_values(&f, TRACK_KO, vars, &a);
	CHECK_STR(value(vars, "customer.first_name"), "山田 太郎");
	CHECK_STR(value(vars, "order.eta"), "");
	CHECK_STR(value(vars, "shipment.carrier"), "");
	CHECK_STR(value(vars, "order.tracking_url"), "");
	CHECK_STR(value(vars, "order.total"), "");
	for (int i = 0; i < NOTIFY_VARS; i++)
		CHECK(vars[i].name != NULL);
	arena_release(&a);
}

static void test_quiet_hours(void)
{
	static const struct notify_quiet night = {22 * 60, 8 * 60}; /* wraps midnight */
	static const struct notify_quiet lunch = {12 * 60, 13 * 60 + 30};
	static const struct notify_quiet none = {9 * 60, 9 * 60};
	static const struct notify_quiet bad = {-5, 25 * 60};
	static const struct {
		int64_t now;
		const struct notify_quiet *q;
		int customer, store;
		int64_t want;
	} cases[] = {
		/* no window */
		{AT(3, 0), NULL, 0, 0, AT(3, 0)},
		{AT(3, 0), &none, 0, 0, AT(3, 0)},
		{AT(3, 0), &bad, 0, 0, AT(3, 0)},
		/* a window that does not wrap, in UTC: boundaries */
		{AT(11, 59), &lunch, 0, 0, AT(11, 59)},
		{AT(12, 0), &lunch, 0, 0, AT(13, 30)},
		{AT(12, 0) + 30 * SEC, &lunch, 0, 0, AT(13, 30)},
		{AT(13, 29) + 59 * SEC, &lunch, 0, 0, AT(13, 30)},
		{AT(13, 30), &lunch, 0, 0, AT(13, 30)},
		{AT(13, 31), &lunch, 0, 0, AT(13, 31)},
		/* wrapping midnight, UTC */
		{AT(21, 59), &night, 0, 0, AT(21, 59)},
		{AT(22, 0), &night, 0, 0, AT(24 + 8, 0)},
		{AT(23, 59), &night, 0, 0, AT(24 + 8, 0)},
		{AT(0, 0), &night, 0, 0, AT(8, 0)},
		{AT(7, 59) + 59 * SEC, &night, 0, 0, AT(8, 0)},
		{AT(8, 0), &night, 0, 0, AT(8, 0)},
		/* Seoul and Tokyo, +9h: 14:00 UTC is 23:00 there, quiet until 08:00 = 23:00 UTC */
		{AT(14, 0), &night, 9 * 60, 0, AT(23, 0)},
		{AT(12, 59), &night, 9 * 60, 0, AT(12, 59)}, /* 21:59 local */
		{AT(13, 0), &night, 9 * 60, 0, AT(23, 0)},   /* 22:00 local */
		{AT(22, 59), &night, 9 * 60, 0, AT(23, 0)},  /* 07:59 local */
		{AT(23, 0), &night, 9 * 60, 0, AT(23, 0)},   /* 08:00 local */
		{AT(3, 0), &night, 9 * 60, 0, AT(3, 0)},     /* noon local */
		/* Istanbul, +3h: 20:30 UTC is 23:30, quiet until 05:00 UTC */
		{AT(20, 30), &night, 3 * 60, 0, AT(24 + 5, 0)},
		{AT(18, 59), &night, 3 * 60, 0, AT(18, 59)},
		{AT(4, 0), &night, 3 * 60, 0, AT(5, 0)},
		/* the customer's offset unknown: the store's (Istanbul) */
		{AT(20, 30), &night, UNKNOWN, 3 * 60, AT(24 + 5, 0)},
		{AT(20, 30), &night, 0, 3 * 60, AT(20, 30)}, /* a known 0 is UTC */
		/* negative offsets: New York -5h, 03:00 UTC is 22:00 the day before */
		{AT(3, 0), &night, -5 * 60, 0, AT(13, 0)},
		{AT(2, 59), &night, -5 * 60, 0, AT(2, 59)},
		{AT(12, 59), &night, -5 * 60, 0, AT(13, 0)},
		{AT(17, 0), &lunch, -5 * 60, 0, AT(18, 30)},
		/* Newfoundland -3:30 and India +5:30: half hours */
		{AT(1, 30), &night, -3 * 60 - 30, 0, AT(11, 30)},
		{AT(16, 30), &night, 5 * 60 + 30, 0, AT(24 + 2, 30)},
		/* before 1970 (negative microseconds) still counts minutes right */
		{-2 * 3600 * SEC, &night, 0, 0, 8 * 3600 * SEC},
		/* an impossible offset counts as UTC */
		{AT(23, 0), &night, 100 * 60, UNKNOWN, AT(24 + 8, 0)},
		{AT(23, 0), &night, UNKNOWN, UNKNOWN, AT(24 + 8, 0)},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got =
			notify_send_at(cases[i].now, cases[i].q, cases[i].customer, cases[i].store);

		if (got != cases[i].want)
			fprintf(stderr, "case %zu: got %lld, want %lld (%+lld min)\n", i,
				(long long)got, (long long)cases[i].want,
				(long long)((got - cases[i].want) / MIN));
		CHECK(got == cases[i].want);
	}
}

static void test_dedup_key(void)
{
	static const enum order_state states[] = {
		ORDER_SHIPPED,	 ORDER_OUT_FOR_DELIVERY, ORDER_DELIVERED, ORDER_DELAYED,
		ORDER_EXCEPTION, ORDER_REFUNDED,	 ORDER_CANCELLED};
	char keys[2 * 2 * 7 * 2][NOTIFY_KEY_MAX], k[NOTIFY_KEY_MAX];
	int n = 0;

	CHECK_STR(notify_dedup_key(k, 42, 7, ORDER_DELIVERED, NOTIFY_SMS),
		  "shipment:7:delivered:sms");
	CHECK_STR(notify_dedup_key(k, 42, 0, ORDER_REFUNDED, NOTIFY_EMAIL),
		  "order:42:refunded:email");
	/* stable: the same facts give the same key */
	CHECK_STR(notify_dedup_key(k, 42, 7, ORDER_DELIVERED, NOTIFY_SMS),
		  "shipment:7:delivered:sms");
	/* the largest ids fit */
	CHECK_STR(notify_dedup_key(k, INT64_MAX, INT64_MIN, ORDER_OUT_FOR_DELIVERY, NOTIFY_EMAIL),
		  "shipment:-9223372036854775808:out_for_delivery:email");

	for (int64_t order_id = 1; order_id <= 2; order_id++)
		for (int64_t ship = 0; ship <= 1; ship++)
			for (size_t s = 0; s < 7; s++)
				for (int c = 0; c < 2; c++)
					notify_dedup_key(keys[n++], order_id,
							 ship ? order_id + 10 : 0, states[s],
							 (enum notify_channel)c);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			CHECK(strcmp(keys[i], keys[j]) != 0);
}

UNIT_MAIN(UNIT_TEST(test_every_state_and_language), UNIT_TEST(test_languages_differ),
	  UNIT_TEST(test_pick_fallback_and_override), UNIT_TEST(test_values),
	  UNIT_TEST(test_quiet_hours), UNIT_TEST(test_dedup_key))
