/*
 * test_wismo.c - orders/wismo.c: when `auto` answers (once, never a machine,
 * the number asked for once, orders in trouble left to a person), and the
 * answer's text in English, Korean, Japanese and Turkish, exactly.
 */
#include "orders/wismo.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void test_modes(void)
{
	enum wismo_mode m = WISMO_OFF;

	CHECK(wismo_mode_parse("auto", &m) && m == WISMO_AUTO);
	CHECK(wismo_mode_parse("suggest", &m) && m == WISMO_SUGGEST);
	CHECK(wismo_mode_parse("off", &m) && m == WISMO_OFF);
	m = WISMO_SUGGEST;
	CHECK(!wismo_mode_parse("AUTO", &m) && m == WISMO_SUGGEST);
	CHECK(!wismo_mode_parse("", &m) && !wismo_mode_parse(NULL, &m));
	CHECK_STR(wismo_mode_name(WISMO_AUTO), "auto");
}

static void test_decide(void)
{
	const struct {
		enum wismo_mode mode;
		struct wismo_ticket t;
		enum wismo_action want;
	} cases[] = {
		/* a question about a known order on its way: answered */
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_IN_TRANSIT }, WISMO_ANSWER },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_DELIVERED }, WISMO_ANSWER },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_DELAYED }, WISMO_ANSWER },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_ORDERED }, WISMO_ANSWER },
		/* other modes never act */
		{ WISMO_SUGGEST, { .wismo = 1, .has_order = 1, .state = ORDER_IN_TRANSIT }, WISMO_NONE },
		{ WISMO_OFF, { .wismo = 1, .has_order = 1, .state = ORDER_IN_TRANSIT }, WISMO_NONE },
		{ WISMO_SUGGEST, { .wismo = 1 }, WISMO_NONE },
		/* not a question about an order's whereabouts */
		{ WISMO_AUTO, { .has_order = 1, .state = ORDER_IN_TRANSIT }, WISMO_NONE },
		{ WISMO_AUTO, { 0 }, WISMO_NONE },
		/* orders a person must explain */
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_EXCEPTION }, WISMO_NONE },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_CANCELLED }, WISMO_NONE },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_REFUNDED }, WISMO_NONE },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_RETURN_REQUESTED }, WISMO_NONE },
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .state = ORDER_RETURNED }, WISMO_NONE },
		/* machines are never answered */
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .automated = 1 }, WISMO_NONE },
		{ WISMO_AUTO, { .wismo = 1, .automated = 1 }, WISMO_NONE },
		/* once per ticket: the customer writing again wants a person */
		{ WISMO_AUTO, { .wismo = 1, .has_order = 1, .answered = 1 }, WISMO_NONE },
		/* no order known: ask once, and answer the reply that names one */
		{ WISMO_AUTO, { .wismo = 1 }, WISMO_ASK_NUMBER },
		{ WISMO_AUTO, { .wismo = 1, .asked = 1 }, WISMO_NONE },
		{ WISMO_AUTO, { .asked = 1 }, WISMO_NONE },
		{ WISMO_AUTO, { .asked = 1, .has_order = 1, .state = ORDER_SHIPPED }, WISMO_ANSWER },
		{ WISMO_AUTO, { .asked = 1, .has_order = 1, .state = ORDER_EXCEPTION }, WISMO_NONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum wismo_action got = wismo_decide(cases[i].mode, &cases[i].t);

		if (got != cases[i].want)
			fprintf(stderr, "case %zu: got %d, want %d\n", i, got, cases[i].want);
		CHECK(got == cases[i].want);
	}
}

/* 2026-12-07 09:30 UTC and 2026-12-04 16:00 UTC, in microseconds */
#define DEC7 ((int64_t)1796635800 * 1000000)
#define DEC4 ((int64_t)1796400000 * 1000000)

static struct shipment yamato = {
	.carrier = "Yamato",
	.tracking_number = "4567-8901-2345",
	.tracking_url = "https://track.example/4567",
	.state = ORDER_IN_TRANSIT,
	.eta = DEC7,
};

static struct order in_transit = {
	.number = "#1042",
	.state = ORDER_IN_TRANSIT,
	.shipments = &yamato,
	.n_shipments = 1,
};

static void check_answer(enum track_lang l, const char *name, const struct order *o,
			 const char *url, const char *want)
{
	char *got = wismo_answer_text(&(struct wismo_answer){
		.lang = l, .customer_name = name, .store_name = "Seoul Sneakers", .order = o,
		.track_url = url });

	CHECK_STR(got, want);
	free(got);
}

static void test_answer_en(void)
{
	check_answer(TRACK_EN, "Jane Doe", &in_transit, "https://desk.example/track/s/TOKEN",
		     "Hello Jane,\n\n"
		     "Thank you for your message.\n\n"
		     "Your order #1042 is: In transit. It is on its way to you.\n"
		     "Expected delivery: Dec 7, 2026\n"
		     "Carrier: Yamato\n"
		     "Tracking number: 4567-8901-2345\n"
		     "Carrier tracking: https://track.example/4567\n\n"
		     "Follow your order at any time: https://desk.example/track/s/TOKEN\n\n"
		     "If this does not answer your question, just reply to this email and one of "
		     "our team will help you.\n\n"
		     "Best regards,\nSeoul Sneakers\n");
}

static void test_answer_ko_ja_tr(void)
{
	check_answer(TRACK_KO, "김민지", &in_transit, NULL,
		     "김민지 님, 안녕하세요.\n\n"
		     "문의해 주셔서 감사합니다.\n\n"
		     "주문 #1042의 현재 상태는 '배송 중'입니다. 상품이 고객님께 배송되는 중입니다.\n"
		     "도착 예정일: 2026년 12월 7일\n"
		     "택배사: Yamato\n"
		     "운송장 번호: 4567-8901-2345\n"
		     "택배사 배송 조회: https://track.example/4567\n\n"
		     "궁금한 점이 해결되지 않으셨다면 이 메일에 회신해 주세요. 담당자가 "
		     "도와드리겠습니다.\n\n"
		     "감사합니다.\nSeoul Sneakers\n");

	struct shipment delivered = { .carrier = "佐川急便", .state = ORDER_DELIVERED,
				      .delivered_at = DEC4, .eta = DEC7 };
	struct order done = { .number = "#2001", .state = ORDER_DELIVERED,
			      .shipments = &delivered, .n_shipments = 1 };

	check_answer(TRACK_JA, "山田 花子", &done, NULL,
		     "山田 花子 様\n\n"
		     "お問い合わせいただきありがとうございます。\n\n"
		     "ご注文 #2001 の現在の状況は「配達完了」です。2026年12月4日に配達が完了しました。\n"
		     "配送業者：佐川急便\n\n"
		     "ご不明な点が解決しない場合は、このメールにご返信ください。担当者がご案内"
		     "いたします。\n\n"
		     "よろしくお願いいたします。\nSeoul Sneakers\n");

	struct order delayed = { .number = "#77", .state = ORDER_DELAYED };

	check_answer(TRACK_TR, "Ayşe Yılmaz", &delayed, "http://127.0.0.1:8080/track/s/T",
		     "Merhaba Ayşe,\n\n"
		     "Mesajınız için teşekkür ederiz.\n\n"
		     "#77 numaralı siparişinizin durumu: Gecikmeli. Teslimat planlanandan uzun "
		     "sürüyor; beklettiğimiz için özür dileriz.\n\n"
		     "Siparişinizi dilediğiniz zaman buradan takip edebilirsiniz: "
		     "http://127.0.0.1:8080/track/s/T\n\n"
		     "Sorunuz yanıtlanmadıysa bu e-postayı yanıtlamanız yeterli; ekibimizden biri "
		     "size yardımcı olacaktır.\n\n"
		     "Saygılarımızla,\nSeoul Sneakers\n");
}

static void test_ask_and_edges(void)
{
	char *got = wismo_answer_text(&(struct wismo_answer){ .lang = TRACK_EN });

	CHECK_STR(got, "Hello,\n\nThank you for your message.\n\n"
		       "So that we can look up your order, could you reply with your order "
		       "number? You will find it in your order confirmation email (for example "
		       "#1042).\n\nBest regards,\n");
	free(got);
	/* a CJK name in an English answer is used whole; a link that is not http(s) is left out */
	struct shipment odd = { .tracking_number = "X1", .tracking_url = "javascript:alert(1)",
				.state = ORDER_SHIPPED };
	struct order o = { .number = "1", .state = ORDER_SHIPPED, .shipments = &odd,
			   .n_shipments = 1 };

	got = wismo_answer_text(&(struct wismo_answer){ .lang = TRACK_EN, .customer_name = "李 小龍",
							.order = &o, .track_url = "ftp://x" });
	CHECK(!strncmp(got, "Hello 李 小龍,\n", strlen("Hello 李 小龍,\n")));
	CHECK(strstr(got, "\nTracking number: X1\n"));
	CHECK(!strstr(got, "javascript") && !strstr(got, "ftp://"));
	free(got);
	/* the Japanese question */
	got = wismo_answer_text(&(struct wismo_answer){ .lang = TRACK_JA, .customer_name = "" });
	CHECK(!strncmp(got, "お客様\n\n", strlen("お客様\n\n")));
	CHECK(strstr(got, "ご注文番号をご返信いただけますでしょうか"));
	free(got);
}

UNIT_MAIN(UNIT_TEST(test_modes), UNIT_TEST(test_decide), UNIT_TEST(test_answer_en),
	  UNIT_TEST(test_answer_ko_ja_tr), UNIT_TEST(test_ask_and_edges))
