/*
 * test_classify.c - orders/classify.c: WISMO or not, order numbers, language.
 *
 * The examples here were written with the rules, before the labelled set was
 * seen. test_labelled_set measures the classifier on tests/data/wismo/, which
 * was written apart from the rules (by someone who had not seen them), prints
 * precision and recall per language and fails under 0.95 precision or 0.90
 * recall in any language. Run from the repository root.
 */
#include "orders/classify.h"
#include "unit.h"

#include <stdlib.h>

#define SET "tests/data/wismo/"

static void check_wismo(const char *lang, int want, const char *text)
{
	struct classify_result r;

	classify_message(text, strlen(text), &r);
	if (r.wismo != want || !r.lang || strcmp(r.lang, lang))
		fprintf(stderr, "  want %s %s, got %s %s (%.1f): %s\n", want ? "wismo" : "other",
			lang, r.wismo ? "wismo" : "other", r.lang ? r.lang : "NULL", r.score, text);
	CHECK(r.wismo == want);
	CHECK_STR(r.lang, lang);
	CHECK(r.wismo == (r.score >= 1.0));
}

/* The phrasings of the issue, other ways to ask, and near-misses sharing their words. */
static void test_examples(void)
{
	static const struct {
		const char *lang;
		int wismo;
		const char *text;
	} cases[] = {
		{"en", 1, "Where is my order?"},
		{"en", 1, "Where's my package? I ordered it two weeks ago."},
		{"en", 1, "My order #1042 hasn't arrived yet"},
		{"en", 1, "Tracking not updated for 5 days"},
		{"en", 1, "When will it ship?"},
		{"en", 1, "When will my order arrive?"},
		{"en", 1, "I still haven't received my parcel, order 1042."},
		{"en", 1, "Has my order shipped yet?"},
		{"en", 1, "Any update on my order?"},
		{"en", 1, "The tracking says delivered but I never got it."},
		{"en", 1, "My package is stuck in customs"},
		{"en", 1, "Can you send me the tracking number please?"},
		{"en", 1, "It has been three weeks and nothing has arrived."},
		{"en", 0, "My order arrived damaged, the box was crushed."},
		{"en", 0, "I received the wrong item, I ordered a blue one."},
		{"en", 0, "I want to return my order and get a refund."},
		{"en", 0, "Where is my refund?"},
		{"en", 0, "Please cancel my order 1042"},
		{"en", 0, "I need to change the shipping address on my order"},
		{"en", 0, "When will the black hoodie be back in stock?"},
		{"en", 0, "Do you ship to Canada? How long does shipping take?"},
		{"en", 0, "Thanks, my package arrived today!"},
		{"en", 0, "If I order today, when will it arrive?"},
		{"en", 0, "How much is shipping to the UK?"},
		{"en", 0, "I received my order, but one item is missing from the box."},
		{"en", 1, "Has it arrived? I don't see it."},
		{"ko", 1, "배송 언제 되나요?"},
		{"ko", 1, "아직 안 왔어요"},
		{"ko", 1, "주문번호 1042 배송 조회가 안 돼요"},
		{"ko", 1, "택배 어디쯤 오고 있나요?"},
		{"ko", 1, "주문한 지 일주일이 지났는데 아직도 못 받았어요"},
		{"ko", 1, "배송 완료라고 뜨는데 물건이 없어요"},
		{"ko", 0, "상품이 파손되어 왔어요. 교환 부탁드립니다"},
		{"ko", 0, "환불 언제 되나요?"},
		{"ko", 0, "배송지 주소 변경하고 싶어요"},
		{"ko", 0, "재입고 언제 되나요?"},
		{"ko", 0, "지금 주문하면 언제 도착하나요?"},
		{"ko", 0, "잘 받았습니다 감사합니다"},
		{"ja", 1, "届いていません"},
		{"ja", 1, "いつ届きますか"},
		{"ja", 1, "注文番号：1042の商品がまだ届いていません。"},
		{"ja", 1, "追跡番号で確認しても更新されません"},
		{"ja", 1, "荷物は今どこにありますか？"},
		{"ja", 1, "いつ発送されますか？"},
		{"ja", 0, "商品が破損していました。交換をお願いします。"},
		{"ja", 0, "返金はいつになりますか"},
		{"ja", 0, "在庫はいつ入荷しますか"},
		{"ja", 0, "送料はいくらですか"},
		{"ja", 0, "商品が届きました。ありがとうございました。"},
		{"ja", 0, "お届け先の住所を変更したいです"},
		{"tr", 1, "kargom nerede"},
		{"tr", 1, "siparişim gelmedi"},
		{"tr", 1, "siparisim nerede"},
		{"tr", 1, "Siparişim ne zaman gelir?"},
		{"tr", 1, "Kargo takip numarası güncellenmiyor"},
		{"tr", 1, "SİPARİŞİM HALA ULAŞMADI"},
		{"tr", 1, "Sipariş no 1042 ne durumda?"},
		{"tr", 0, "Ürün kırık geldi, iade etmek istiyorum"},
		{"tr", 0, "Siparişimi iptal etmek istiyorum"},
		{"tr", 0, "Para iadem ne zaman yapılacak?"},
		{"tr", 0, "Bu ürün stoklara ne zaman gelir?"},
		{"tr", 0, "Kargo ücreti ne kadar?"},
		{"tr", 0, "Siparişim geldi, teşekkürler"},
		{"tr", 0, "Adresimi değiştirmek istiyorum"},
		{"en", 1, "Hi, I placed an order last week and still nothing. Can you check?"},
		{"en", 1, "Order 1042 - no tracking info yet, has it even shipped?"},
		{"en", 1, "My parcel was supposed to arrive on Monday, it's now Thursday."},
		{"en", 1, "The courier says it was delivered but it's not here."},
		{"en", 1, "Is my order on its way?"},
		{"en", 1, "Can I get an ETA on order #2231?"},
		{"en", 1, "It's been 10 days, where is it?"},
		{"en", 1, "Hello, I haven't received any shipping confirmation for my order."},
		{"en", 1, "Tracking has said \"label created\" for a week."},
		{"en", 1, "My package was returned to sender, why?"},
		{"en", 1, "Could you tell me when my order will be dispatched?"},
		{"en", 1,
		 "I ordered a gift for my mom's birthday on Friday, will it arrive in time?"},
		{"en", 1, "Please help, my order never came"},
		{"en", 0, "Where do I send the item back?"},
		{"en", 0, "Thank you, everything arrived in perfect condition."},
		{"en", 0, "The package arrived but the mug inside was broken."},
		{"en", 0, "I got the wrong size, can I exchange it?"},
		{"en", 0, "Can I still cancel my order? It hasn't shipped yet."},
		{"en", 0, "I haven't received my refund yet."},
		{"en", 0, "What's your return policy?"},
		{"en", 0, "Is this jacket available in medium?"},
		{"en", 0, "Do you offer express shipping?"},
		{"en", 0, "I'd like to update the delivery address for order 1042."},
		{"en", 0, "Hi, just wanted to say thanks, the shoes fit perfectly."},
		{"en", 0, "Can I add an item to my order?"},
		{"en", 0, "My discount code didn't work at checkout."},
		{"en", 0, "I didn't receive a reply to my last email."},
		{"ko", 1, "배송이 너무 늦어요. 언제 받을 수 있나요?"},
		{"ko", 1, "송장번호 좀 알려주세요"},
		{"ko", 1, "주문한 물건이 아직 발송이 안 됐나요?"},
		{"ko", 1, "택배가 일주일째 같은 곳에 멈춰 있어요"},
		{"ko", 1, "배송 조회하면 계속 배송 준비중으로 나와요"},
		{"ko", 1, "언제 발송되나요?"},
		{"ko", 0, "상품 잘 받았어요. 감사합니다!"},
		{"ko", 0, "사이즈가 안 맞아서 반품하고 싶어요"},
		{"ko", 0, "다른 상품이 왔어요"},
		{"ko", 0, "주문 취소해주세요"},
		{"ko", 0, "배송비 얼마예요?"},
		{"ko", 0, "제주도도 배송 되나요?"},
		{"ja", 1, "まだ商品が届かないのですが、どうなっていますか？"},
		{"ja", 1, "注文してから2週間経ちますが、まだ届きません。"},
		{"ja", 1, "配達完了になっていますが、受け取っていません。"},
		{"ja", 1, "発送はいつ頃になりますか？"},
		{"ja", 1, "荷物の追跡ができません"},
		{"ja", 0, "注文した商品と違うものが届きました"},
		{"ja", 0, "サイズ交換をお願いしたいです"},
		{"ja", 0, "キャンセルしたいです"},
		{"ja", 0, "無事に届きました、ありがとうございます"},
		{"ja", 0, "この商品はいつ再入荷しますか？"},
		{"ja", 0, "海外への発送は可能ですか？"},
		{"tr", 1, "Kargom hala gelmedi, ne zaman gelecek?"},
		{"tr", 1, "Siparişimi 1 hafta önce verdim hala kargoya verilmedi"},
		{"tr", 1, "Takip numarası çalışmıyor"},
		{"tr", 1, "Kargo teslim edildi görünüyor ama elime ulaşmadı"},
		{"tr", 1, "Siparis numaram 1042, kargoya verildi mi?"},
		{"tr", 1, "Ürünüm ne zaman kargoya verilecek?"},
		{"tr", 0, "Ürün hasarlı geldi"},
		{"tr", 0, "Yanlış ürün gönderilmiş"},
		{"tr", 0, "İade kargosunu nasıl gönderebilirim?"},
		{"tr", 0, "Teşekkürler, ürün sorunsuz ulaştı"},
		{"tr", 0, "Yurtdışına gönderim yapıyor musunuz?"},
		{"tr", 0, "Bedenimi değiştirmek istiyorum"},
		/* written after the first measurement on the labelled set, to check that
		 * the changes it led to hold for phrasings it does not have */
		{"en", 1, "Hey, any idea when my stuff will show up? Ordered on the 3rd."},
		{"en", 1, "Order 5521 still says processing after 9 days. What's going on?"},
		{"en", 1, "Is there a problem with my delivery? Nothing has moved since Tuesday."},
		{"en", 1,
		 "The courier website says \"exception\" for my parcel, what does that mean for "
		 "delivery?"},
		{"en", 1, "Can you confirm my order has actually been sent out?"},
		{"en", 1, "Still no sign of my package, it was due last Friday"},
		{"en", 1, "I paid for next day delivery and it's been 4 days."},
		{"en", 1, "my order hasnt come yet!!"},
		{"en", 1, "How much longer do I have to wait for order #3344?"},
		{"en", 1,
		 "Has anything happened with my order? I haven't heard from you since I paid."},
		{"en", 0, "My parcel came today but the lid of the jar was cracked."},
		{"en", 0, "Can you resend the confirmation email for order 3344?"},
		{"en", 0, "I'd like to return the shoes, they're too small."},
		{"en", 0, "What's the status of my refund for order 1042?"},
		{"en", 0, "Hi, is the red dress going to be restocked in size 8?"},
		{"en", 0, "Do you deliver on Saturdays?"},
		{"en", 0, "Got my order yesterday, love it, thanks so much!"},
		{"en", 0, "Please change the delivery address to 12 Park Lane before it ships."},
		{"en", 0, "I was charged twice for order 1042."},
		{"en", 0, "How do I track a return I sent back to you?"},
		{"ko", 1, "주문한 지 열흘 됐는데 아직 배송 시작도 안 했네요"},
		{"ko", 1, "택배사에 물어보니 물건을 못 받았다고 하네요. 확인 부탁드려요"},
		{"ko", 1, "오늘 도착 예정이라고 했는데 아직도 안 와요"},
		{"ko", 1, "송장번호 조회하면 정보가 없다고 나와요"},
		{"ko", 1, "언제쯤 받아볼 수 있을까요? 주문번호 2031입니다"},
		{"ko", 0, "받은 상품 색상이 사진이랑 달라요"},
		{"ko", 0, "배송비 환불은 언제 되나요?"},
		{"ko", 0, "주문 취소하고 다시 주문하고 싶어요"},
		{"ko", 0, "택배 잘 받았습니다. 포장이 꼼꼼하네요"},
		{"ko", 0, "이 상품 언제 다시 들어와요?"},
		{"ja", 1, "先週注文した商品がまだ発送されていないようです。確認お願いします。"},
		{"ja", 1, "配送状況を確認したいのですが、追跡番号を教えていただけますか。"},
		{"ja", 1, "お届け予定日を過ぎても荷物が届きません。"},
		{"ja", 1, "いつになったら届くのでしょうか。もう二週間です。"},
		{"ja", 1, "注文番号1234の件、発送はまだでしょうか？"},
		{"ja", 0, "届いた商品が壊れていました。"},
		{"ja", 0, "返品の送料はどちらが負担しますか？"},
		{"ja", 0, "注文をキャンセルしたいです。"},
		{"ja", 0, "商品を無事受け取りました。ありがとうございました。"},
		{"ja", 0, "この商品は何日で届きますか？購入を検討しています。"},
		{"tr", 1, "Siparişimi 10 gün önce verdim hâlâ elime ulaşmadı."},
		{"tr", 1, "Kargo firması paketi teslim ettiğini söylüyor ama bana gelmedi."},
		{"tr", 1, "Siparişim ne aşamada acaba? Numara 4455"},
		{"tr", 1, "Kargom 5 gündür aynı şubede bekliyor, neden ilerlemiyor?"},
		{"tr", 1, "Ne zaman kargoya verilecek siparişim? Çok acil lazım."},
		{"tr", 0, "Gelen ürünün rengi farklı, değiştirmek istiyorum."},
		{"tr", 0, "İade ettiğim ürünün parası ne zaman yatacak?"},
		{"tr", 0, "Kargo ücreti ne kadar, ücretsiz kargo var mı?"},
		{"tr", 0, "Ürün elime ulaştı, çok teşekkür ederim."},
		{"tr", 0, "Siparişimi iptal edebilir miyim?"},
		{"en", 1,
		 "Subject: Order #8812\n\nHello, I was wondering if there's any news about my "
		 "order. Kind regards, Sam"},
		{"en", 1,
		 "I received an email saying my order shipped but the tracking link shows "
		 "nothing."},
		{"en", 1,
		 "Hi team, it's been over two weeks now and I still don't have my order. Please "
		 "advise."},
		{"en", 1, "My package has been \"out for delivery\" for three days."},
		{"en", 1, "Can someone tell me where my order is? I've emailed twice."},
		{"en", 1, "When can I expect my order 7781 to arrive?"},
		{"en", 1, "Just checking in on order 4420, has it gone out yet?"},
		{"en", 1, "The delivery date has passed and I don't have anything."},
		{"en", 0, "My order arrived but it's the wrong colour."},
		{"en", 0,
		 "I'd like a refund for order 4420, it arrived late and I no longer need it."},
		{"en", 0, "Hi, can I pay with PayPal?"},
		{"en", 0, "Where can I find your size guide?"},
		{"en", 0, "Do you have this in stock?"},
		{"en", 0, "Thank you for the quick delivery!"},
		{"en", 0, "Please cancel order 7781, I ordered by mistake."},
		{"ko", 1, "주문한 상품이 아직 출고 전이라고 나오는데 언제 출고되나요?"},
		{"ko", 1, "배송이 왜 이렇게 오래 걸리나요?"},
		{"ko", 1, "택배 기사님이 배달했다고 하는데 물건이 없어요"},
		{"ko", 1, "3일 전에 발송됐다고 문자 왔는데 조회가 안 돼요"},
		{"ko", 0, "반품 접수했는데 언제 회수하러 오시나요?"},
		{"ko", 0, "상품이 불량이에요 교환해주세요"},
		{"ko", 0, "배송 잘 받았어요 감사해요"},
		{"ko", 0, "지금 주문하면 내일 받을 수 있나요?"},
		{"ja", 1, "注文した商品の配送状況を教えてください。"},
		{"ja", 1, "発送のご連絡をいただいてから一週間経ちますが、まだ届いておりません。"},
		{"ja", 1, "荷物が届かないのですが、どうなっていますか"},
		{"ja", 1, "追跡番号を入力しても何も表示されません"},
		{"ja", 0, "商品の色が写真と違います。"},
		{"ja", 0, "領収書を発行してもらえますか？"},
		{"ja", 0, "送料無料になる金額はいくらですか？"},
		{"ja", 0, "とても早く届きました。ありがとうございます。"},
		{"tr", 1, "Merhaba, siparişim ne zaman elime ulaşır?"},
		{"tr", 1, "Kargom nerede kaldı? 1 haftadır bekliyorum."},
		{"tr", 1, "Kargo takip sayfasında hiçbir bilgi görünmüyor."},
		{"tr", 1, "Siparişimin durumu hakkında bilgi alabilir miyim?"},
		{"tr", 0, "Ürünü iade etmek istiyorum, nasıl yapabilirim?"},
		{"tr", 0, "Ürün çok güzel, teşekkürler!"},
		{"tr", 0, "Bu ürünün başka rengi var mı?"},
		{"tr", 0, "Kapıda ödeme seçeneği var mı?"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_wismo(cases[i].lang, cases[i].wismo, cases[i].text);
}

/* Turkish capitals (İ, I), ASCII Turkish, full-width letters and marks. */
static void test_folding(void)
{
	check_wismo("tr", 1, "SİPARİŞİM NEREDE");
	check_wismo("tr", 1, "SIPARISIM NEREDE");
	check_wismo("tr", 1, "Sıparışım nerede?");
	check_wismo("tr", 1, "KARGOM HÂLÂ GELMEDİ");
	check_wismo("en", 1, "ＷＨＥＲＥ ＩＳ ＭＹ ＯＲＤＥＲ？");
	check_wismo("en", 1, "My order hasn’t arrived");
	check_wismo("ja", 1, "いつ届きますか？");
	check_wismo("ko", 1, "배송언제되나요");
	check_wismo("ko", 1, "아직\n안 왔어요");
	check_wismo("en", 1, "Where is my\norder? (the line was wrapped)");
}

/* A quoted earlier message is not the question of this one. */
static void test_quoted_lines(void)
{
	check_wismo("en", 0,
		    "Thanks, that's all I needed.\n\n> Where is my order?\n> It hasn't arrived.");
	check_wismo("en", 1, "It still hasn't arrived.\n\n> We shipped your order on Monday.");
}

static int numbers(const char *text, char out[][CLASSIFY_NUMBER_MAX], int max)
{
	return classify_order_numbers(text, strlen(text), out, max);
}

/* Exactly these numbers ("" separated by spaces), in this order. */
static void check_numbers(const char *text, const char *want)
{
	char got[CLASSIFY_MAX_NUMBERS][CLASSIFY_NUMBER_MAX], joined[256] = "";
	int n = numbers(text, got, CLASSIFY_MAX_NUMBERS), i;
	struct classify_result r;

	for (i = 0; i < n; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, got[i]);
	}
	if (strcmp(joined, want))
		fprintf(stderr, "  numbers of '%s': got '%s', want '%s'\n", text, joined, want);
	CHECK_STR(joined, want);
	classify_message(text, strlen(text), &r);
	CHECK(r.n_numbers == n);
	for (i = 0; i < n && i < r.n_numbers; i++)
		CHECK_STR(r.numbers[i], got[i]);
}

static void test_order_numbers(void)
{
	check_numbers("#1042", "1042");
	check_numbers("Where is #1042?", "1042");
	check_numbers("Order #1042 hasn't arrived", "1042");
	check_numbers("order 1042", "1042");
	check_numbers("Order No. 1042", "1042");
	check_numbers("order number: 1042", "1042");
	check_numbers("my order number is 1042.", "1042");
	check_numbers("Order ID 98765", "98765");
	check_numbers("주문번호 1042", "1042");
	check_numbers("주문번호는 1042입니다", "1042");
	check_numbers("주문 1042 배송 언제 되나요", "1042");
	check_numbers("1042번 주문 아직 안 왔어요", "1042");
	check_numbers("注文番号：1042", "1042");
	check_numbers("注文番号：１０４２", "1042");
	check_numbers("ご注文番号は1042です", "1042");
	check_numbers("注文No.1042", "1042");
	check_numbers("＃１０４２", "1042");
	check_numbers("sipariş no 1042", "1042");
	check_numbers("SİPARİŞ NO 1042", "1042");
	check_numbers("Sipariş numaram: 1042", "1042");
	check_numbers("siparis 1042 nerede", "1042");
	check_numbers("1042 numaralı siparişim gelmedi", "1042");
	check_numbers("Sipariş 1042'nin durumu nedir?", "1042");
	check_numbers("orders 1042 and 1043", "1042 1043");
	check_numbers("#1042, #1043 and #1044", "1042 1043 1044");
	check_numbers("siparişlerim 1042 ve 1043", "1042 1043");
	check_numbers("Order #1042: where is order 1042?", "1042");
	check_numbers("#1001 #1002 #1003 #1004 #1005", "1001 1002 1003 1004");
	check_numbers("#104 and #123456789012", "104 123456789012");

	/* bare numbers, and numbers next to an order word that are something else */
	check_numbers("1042", "");
	check_numbers("I ordered 1042 stickers", "");
	check_numbers("#12", "");
	check_numbers("#1234567890123", "");
	check_numbers("order 1234567890123456", "");
	check_numbers("Call me at 555-123-4567 about my order", "");
	check_numbers("order, phone 010-1234-5678", "");
	check_numbers("order +90 532 123 45 67", "");
	check_numbers("order (555) 123-4567", "");
	check_numbers("order $1042", "");
	check_numbers("order total 1,042円", "");
	check_numbers("order 1,042", "");
	check_numbers("sipariş 1042 TL", "");
	check_numbers("注文 1042円", "");
	check_numbers("주문 10420원", "");
	check_numbers("order 1042.50", "");
	check_numbers("order 2026-12-01", "");
	check_numbers("order of 12/01/2026", "");
	check_numbers("注文 2026年12月1日", "");
	check_numbers("주문 2026년 12월", "");
	check_numbers("tracking number 1Z999AA10123456784", "");
	check_numbers("tracking 123456789012", "");
	check_numbers("&#1042;", "");
	check_numbers("$1042", "");
	check_numbers("1042 TL", "");
}

/* max cuts the list from the front; 0 writes nothing. */
static void test_order_numbers_max(void)
{
	const char *text = "orders #2001, #2002 and #2003";
	char all[CLASSIFY_MAX_NUMBERS][CLASSIFY_NUMBER_MAX], one[1][CLASSIFY_NUMBER_MAX] = {"x"};

	CHECK(numbers(text, all, CLASSIFY_MAX_NUMBERS) == 3);
	CHECK(numbers(text, one, 0) == 0);
	CHECK_STR(one[0], "x");
	CHECK(numbers(text, one, 1) == 1);
	CHECK_STR(one[0], all[0]);
	CHECK_STR(one[0], "2001");
	CHECK(classify_order_numbers(text, strlen(text), NULL, 4) == 0);
}

static void check_lang(const char *text, const char *want)
{
	const char *got = classify_language(text, strlen(text));

	if (want ? !got || strcmp(got, want) : got != NULL) {
		fprintf(stderr, "  language of '%s': got %s, want %s\n", text, got ? got : "NULL",
			want ? want : "NULL");
		CHECK(0);
	}
}

static void test_language(void)
{
	check_lang("Where is my order?", "en");
	check_lang("help", "en");
	check_lang("Wo ist meine Bestellung?", "en"); /* Latin and not Turkish */
	check_lang("Hi, where is my order? Thanks, Ayşe Yılmaz", "en");
	check_lang("배송 언제 되나요?", "ko");
	check_lang("배송", "ko");
	check_lang("CJ대한통운 tracking 조회가 안 돼요", "ko");
	check_lang("いつ届きますか", "ja");
	check_lang("注文番号", "ja"); /* Han only, but a Japanese word */
	check_lang("荷物未着", "ja");
	check_lang("Amazonで注文した", "ja");
	check_lang("siparisim nerede", "tr");
	check_lang("Siparişim gelmedi", "tr");
	check_lang("merhaba", "tr");
	check_lang("Merhaba, order 1042 nerede?", "tr");
	check_lang("Kargo takip numarasi calismiyor", "tr");
	/* too little to tell: fewer than 4 letters, a CJK character counting as 2 */
	check_lang("", NULL);
	check_lang("ok", NULL);
	check_lang("yes", NULL);
	check_lang("네", NULL);
	check_lang("#1042 ???", NULL);
	check_lang("😀😀😀😀", NULL);
	check_lang("我的订单在哪里", NULL); /* Chinese */
	check_lang("Где мой заказ?", NULL);
}

/* Invalid UTF-8 is skipped like a space, nothing is read past len, empty input is nothing. */
static void test_hostile(void)
{
	static const char *const bad[] = {
		"\xff\xfe\xfd",
		"\xc3",
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\xc0\xaf\xc0\xaf",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\x80\x80\x80\x80",
		"order #10\xff"
		"42",
		"\xe4\xb8\xad\xe6",
	};
	struct classify_result r;
	char exact[10];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		classify_message(bad[i], strlen(bad[i]), &r);
		CHECK(!r.wismo && r.score == 0 && r.n_numbers == 0);
		CHECK(r.lang == NULL || !strcmp(r.lang, "en"));
	}
	classify_message("Where is my \xff\xfe order?", 22, &r);
	CHECK(r.wismo);
	CHECK_STR(r.lang, "en");
	classify_message("order 10\xc3", 9, &r); /* a truncated sequence at the end */
	CHECK(r.n_numbers == 0);

	/* exactly sized, no NUL: nothing past len is read (ASan watches) */
	char *heap = malloc(10);
	memcpy(heap, "order 1042", 10);
	classify_message(heap, 10, &r);
	CHECK(r.n_numbers == 1);
	CHECK_STR(r.numbers[0], "1042");
	free(heap);
	memcpy(exact, "order 1042", 10);
	classify_message(exact, 9, &r); /* "order 104" */
	CHECK(r.n_numbers == 1);
	CHECK_STR(r.numbers[0], "104");

	classify_message("", 0, &r);
	CHECK(!r.wismo && r.score == 0 && !r.lang && r.n_numbers == 0);
	classify_message(NULL, 0, &r);
	CHECK(!r.wismo && r.score == 0 && !r.lang && r.n_numbers == 0);
	CHECK(classify_language(NULL, 0) == NULL);
	CHECK(classify_order_numbers(NULL, 0, r.numbers, CLASSIFY_MAX_NUMBERS) == 0);
}

/* A long message: the question at the start counts, and nothing breaks. */
static void test_long_text(void)
{
	size_t n = 200000, i;
	char *text = malloc(n);
	struct classify_result r;
	const char *head = "Where is my order #1042? ";

	memcpy(text, head, strlen(head));
	for (i = strlen(head); i < n; i++)
		text[i] = "abc def. "[i % 9];
	classify_message(text, n, &r);
	CHECK(r.wismo);
	CHECK_STR(r.lang, "en");
	CHECK(r.n_numbers == 1);

	/* a number cut where reading stops is not returned cut short */
	for (i = 0; i < n; i++)
		text[i] = "#1042 "[i % 6];
	classify_message(text, n, &r);
	CHECK(r.n_numbers == 1);
	CHECK_STR(r.numbers[0], "1042");
	free(text);
}

struct tally {
	int tp, fp, fn, tn, lang_ok, lines;
};

/* Reads SET LANG.tsv ("wismo|other<TAB>text" lines) and counts the outcomes. */
static int measure(const char *set, const char *lang, struct tally *t)
{
	char path[128], line[8192];
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s%s.tsv", set, lang);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		char *tab = strchr(line, '\t');
		struct classify_result r;
		int want;

		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (!tab || ((tab - line != 5 || strncmp(line, "wismo", 5)) &&
			     (tab - line != 5 || strncmp(line, "other", 5)))) {
			fprintf(stderr, "%s: bad line '%s'\n", path, line);
			fclose(f);
			return 0;
		}
		want = line[0] == 'w';
		classify_message(tab + 1, strlen(tab + 1), &r);
		t->lines++;
		t->lang_ok += r.lang && !strcmp(r.lang, lang);
		if (want && r.wismo)
			t->tp++;
		else if (want)
			t->fn++;
		else if (r.wismo)
			t->fp++;
		else
			t->tn++;
		if (getenv("CLASSIFY_VERBOSE") && want != r.wismo)
			fprintf(stderr, "  %s %s (%.1f): %s\n", lang, want ? "missed" : "false",
				r.score, tab + 1);
	}
	fclose(f);
	return 1;
}

static double ratio(int a, int b)
{
	return b ? (double)a / b : 1.0;
}

/*
 * Precision and recall on a labelled set, per language and overall; with
 * `gate`, a language under 0.95 precision, 0.90 recall or 0.95 language
 * detection fails.
 */
static void measure_set(const char *set, int gate)
{
	static const char *const langs[] = {"en", "ko", "ja", "tr"};
	struct tally t, all = {0};
	size_t i;

	printf("%s\n%-8s %6s %6s %6s %9s %7s %9s\n", set, "set", "lines", "wismo", "other",
	       "precision", "recall", "language");
	for (i = 0; i < 4; i++) {
		double p, r, l;

		if (!measure(set, langs[i], &t)) {
			CHECK(0);
			continue;
		}
		p = ratio(t.tp, t.tp + t.fp);
		r = ratio(t.tp, t.tp + t.fn);
		l = ratio(t.lang_ok, t.lines);
		printf("%-8s %6d %6d %6d %9.3f %7.3f %9.3f\n", langs[i], t.lines, t.tp + t.fn,
		       t.fp + t.tn, p, r, l);
		CHECK(t.tp + t.fn >= 20 &&
		      t.fp + t.tn >= 20); /* a set too small measures nothing */
		if (gate) {
			CHECK(p >= 0.95);
			CHECK(r >= 0.90);
			CHECK(l >= 0.95);
		}
		all.tp += t.tp, all.fp += t.fp, all.fn += t.fn, all.tn += t.tn;
		all.lang_ok += t.lang_ok, all.lines += t.lines;
	}
	printf("%-8s %6d %6d %6d %9.3f %7.3f %9.3f\n", "all", all.lines, all.tp + all.fn,
	       all.fp + all.tn, ratio(all.tp, all.tp + all.fp), ratio(all.tp, all.tp + all.fn),
	       ratio(all.lang_ok, all.lines));
}

static void test_labelled_set(void)
{
	measure_set(SET, 1);
	/*
	 * Written later, blind to the rules and to the first set, and never used
	 * to tune them: it says how the rules do on text they were not fitted to.
	 * Printed, not gated, so that it stays unseen (docs/TESTING.md has its figures).
	 */
	measure_set("tests/data/wismo-heldout/", 0);
}

UNIT_MAIN(UNIT_TEST(test_examples), UNIT_TEST(test_folding), UNIT_TEST(test_quoted_lines),
	  UNIT_TEST(test_order_numbers), UNIT_TEST(test_order_numbers_max),
	  UNIT_TEST(test_language), UNIT_TEST(test_hostile), UNIT_TEST(test_long_text),
	  UNIT_TEST(test_labelled_set))
