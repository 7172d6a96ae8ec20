/*
 * wismo.c - the WISMO decision and the answer's text (see wismo.h).
 */
#include "orders/wismo.h"

#include "core/template.h"
#include "util/buf.h"

#include <string.h>

static const char *const mode_names[] = { "off", "suggest", "auto" };

int wismo_mode_parse(const char *name, enum wismo_mode *out)
{
	for (int i = 0; name && i < 3; i++)
		if (!strcmp(name, mode_names[i])) {
			*out = (enum wismo_mode)i;
			return 1;
		}
	return 0;
}

const char *wismo_mode_name(enum wismo_mode m)
{
	return mode_names[m];
}

/* States whose news is good to tell without a person: the way to delivery. */
static int plain_news(enum order_state s)
{
	switch (s) {
	case ORDER_ORDERED:
	case ORDER_CONFIRMED:
	case ORDER_PACKED:
	case ORDER_SHIPPED:
	case ORDER_IN_TRANSIT:
	case ORDER_OUT_FOR_DELIVERY:
	case ORDER_DELIVERED:
	case ORDER_DELAYED:
		return 1;
	default:
		return 0;
	}
}

enum wismo_action wismo_decide(enum wismo_mode mode, const struct wismo_ticket *t)
{
	if (mode != WISMO_AUTO || t->automated || t->answered)
		return WISMO_NONE;
	if (t->has_order && (t->wismo || t->asked))
		return plain_news(t->state) ? WISMO_ANSWER : WISMO_NONE;
	if (t->wismo && !t->asked)
		return WISMO_ASK_NUMBER;
	return WISMO_NONE;
}

/* A sentence with one value inside: before, the value, after. */
struct around {
	const char *before, *after;
};

struct catalogue {
	struct around hello;   /* with the name */
	const char *hello_anonymous;
	const char *thanks;
	struct around status;  /* the order's number... */
	const char *status_mid; /* ...then this, then the state's label, then status.after */
	const char *news[ORDER_DELAYED + 1]; /* a sentence per state on the way */
	struct around delivered_on;
	struct around eta, carrier, tracking_number, carrier_link, track;
	const char *closing, *ask, *regards;
	const char *gap; /* between two sentences: a space, none in Japanese */
};

static const struct catalogue catalogues[TRACK_LANG_COUNT] = {
	[TRACK_EN] = {
		.hello = { "Hello ", "," },
		.hello_anonymous = "Hello,",
		.thanks = "Thank you for your message.",
		.status = { "Your order ", "." },
		.status_mid = " is: ",
		.news = {
			[ORDER_ORDERED] = "We have received it and are getting it ready.",
			[ORDER_CONFIRMED] = "Your payment is confirmed and we are preparing it.",
			[ORDER_PACKED] = "It is packed and will be handed to the carrier soon.",
			[ORDER_SHIPPED] = "It has left us and is with the carrier.",
			[ORDER_IN_TRANSIT] = "It is on its way to you.",
			[ORDER_OUT_FOR_DELIVERY] = "It is out for delivery and should reach you today.",
			[ORDER_DELIVERED] = "It was delivered.",
			[ORDER_DELAYED] = "It is taking longer than planned; we are sorry for the wait.",
		},
		.delivered_on = { "It was delivered on ", "." },
		.eta = { "Expected delivery: ", "" },
		.carrier = { "Carrier: ", "" },
		.tracking_number = { "Tracking number: ", "" },
		.carrier_link = { "Carrier tracking: ", "" },
		.track = { "Follow your order at any time: ", "" },
		.closing = "If this does not answer your question, just reply to this email and one "
			   "of our team will help you.",
		.ask = "So that we can look up your order, could you reply with your order number? "
		       "You will find it in your order confirmation email (for example #1042).",
		.regards = "Best regards,",
		.gap = " ",
	},
	[TRACK_KO] = {
		.hello = { "", " 님, 안녕하세요." },
		.hello_anonymous = "안녕하세요.",
		.thanks = "문의해 주셔서 감사합니다.",
		.status = { "주문 ", "'입니다." },
		.status_mid = "의 현재 상태는 '",
		.news = {
			[ORDER_ORDERED] = "주문을 접수했으며 상품을 준비하고 있습니다.",
			[ORDER_CONFIRMED] = "결제가 확인되어 상품을 준비하고 있습니다.",
			[ORDER_PACKED] = "포장이 완료되어 곧 택배사에 전달될 예정입니다.",
			[ORDER_SHIPPED] = "상품이 출고되어 택배사로 전달되었습니다.",
			[ORDER_IN_TRANSIT] = "상품이 고객님께 배송되는 중입니다.",
			[ORDER_OUT_FOR_DELIVERY] = "오늘 배송이 출발하여 곧 도착할 예정입니다.",
			[ORDER_DELIVERED] = "배송이 완료되었습니다.",
			[ORDER_DELAYED] = "배송이 예정보다 늦어지고 있습니다. 기다리게 해 드려 죄송합니다.",
		},
		.delivered_on = { "", "에 배송이 완료되었습니다." },
		.eta = { "도착 예정일: ", "" },
		.carrier = { "택배사: ", "" },
		.tracking_number = { "운송장 번호: ", "" },
		.carrier_link = { "택배사 배송 조회: ", "" },
		.track = { "주문 배송 조회는 여기에서 언제든지 하실 수 있습니다: ", "" },
		.closing = "궁금한 점이 해결되지 않으셨다면 이 메일에 회신해 주세요. 담당자가 "
			   "도와드리겠습니다.",
		.ask = "주문을 확인할 수 있도록 주문번호를 회신해 주시겠어요? 주문 확인 메일에서 "
		       "찾으실 수 있습니다(예: #1042).",
		.regards = "감사합니다.",
		.gap = " ",
	},
	[TRACK_JA] = {
		.hello = { "", " 様" },
		.hello_anonymous = "お客様",
		.thanks = "お問い合わせいただきありがとうございます。",
		.status = { "ご注文 ", "」です。" },
		.status_mid = " の現在の状況は「",
		.news = {
			[ORDER_ORDERED] = "ご注文を承り、商品を準備しております。",
			[ORDER_CONFIRMED] = "お支払いを確認し、商品を準備しております。",
			[ORDER_PACKED] = "梱包が完了し、まもなく配送業者へお渡しします。",
			[ORDER_SHIPPED] = "商品を発送し、配送業者へお渡ししました。",
			[ORDER_IN_TRANSIT] = "商品はお客様のもとへ配送中です。",
			[ORDER_OUT_FOR_DELIVERY] = "本日配達予定です。",
			[ORDER_DELIVERED] = "配達が完了しました。",
			[ORDER_DELAYED] = "配送が予定より遅れております。お待たせして申し訳ございません。",
		},
		.delivered_on = { "", "に配達が完了しました。" },
		.eta = { "お届け予定日：", "" },
		.carrier = { "配送業者：", "" },
		.tracking_number = { "追跡番号：", "" },
		.carrier_link = { "配送業者の追跡ページ：", "" },
		.track = { "ご注文の状況はこちらからいつでもご確認いただけます：", "" },
		.closing = "ご不明な点が解決しない場合は、このメールにご返信ください。担当者がご案内"
			   "いたします。",
		.ask = "ご注文を確認いたしますので、ご注文番号をご返信いただけますでしょうか。ご注文"
		       "確認メールに記載されています（例：#1042）。",
		.regards = "よろしくお願いいたします。",
		.gap = "",
	},
	[TRACK_TR] = {
		.hello = { "Merhaba ", "," },
		.hello_anonymous = "Merhaba,",
		.thanks = "Mesajınız için teşekkür ederiz.",
		.status = { "", "." },
		.status_mid = " numaralı siparişinizin durumu: ",
		.news = {
			[ORDER_ORDERED] = "Siparişinizi aldık ve hazırlıyoruz.",
			[ORDER_CONFIRMED] = "Ödemeniz onaylandı, siparişinizi hazırlıyoruz.",
			[ORDER_PACKED] = "Siparişiniz paketlendi ve yakında kargoya teslim edilecek.",
			[ORDER_SHIPPED] = "Siparişiniz kargoya verildi.",
			[ORDER_IN_TRANSIT] = "Siparişiniz size doğru yolda.",
			[ORDER_OUT_FOR_DELIVERY] = "Siparişiniz dağıtıma çıktı, bugün teslim edilmesi "
						   "bekleniyor.",
			[ORDER_DELIVERED] = "Siparişiniz teslim edildi.",
			[ORDER_DELAYED] = "Teslimat planlanandan uzun sürüyor; beklettiğimiz için özür "
					  "dileriz.",
		},
		.delivered_on = { "Siparişiniz ", " tarihinde teslim edildi." },
		.eta = { "Tahmini teslimat: ", "" },
		.carrier = { "Kargo firması: ", "" },
		.tracking_number = { "Takip numarası: ", "" },
		.carrier_link = { "Kargo takibi: ", "" },
		.track = { "Siparişinizi dilediğiniz zaman buradan takip edebilirsiniz: ", "" },
		.closing = "Sorunuz yanıtlanmadıysa bu e-postayı yanıtlamanız yeterli; ekibimizden "
			   "biri size yardımcı olacaktır.",
		.ask = "Siparişinizi bulabilmemiz için sipariş numaranızı yanıt olarak gönderebilir "
		       "misiniz? Numarayı sipariş onay e-postanızda bulabilirsiniz (örneğin #1042).",
		.regards = "Saygılarımızla,",
		.gap = " ",
	},
};

static void add_around(struct buf *b, struct around s, const char *value, size_t n)
{
	buf_adds(b, s.before);
	buf_add(b, value, n);
	buf_adds(b, s.after);
}

/*
 * How the greeting names the customer: Korean and Japanese address the whole
 * name (with 님, 様); English and Turkish the given name (template.h's rule).
 */
static size_t greeting_name(const char *name, enum track_lang l)
{
	return l == TRACK_KO || l == TRACK_JA ? strlen(name) : template_first_name(name);
}

/* A date without its time: the time is the last word in every language's form. */
static void add_day(struct buf *b, struct around s, int64_t us, enum track_lang l)
{
	char date[64];
	const char *space = strrchr(track_date(date, us, l), ' ');

	add_around(b, s, date, space ? (size_t)(space - date) : strlen(date));
}

static int http_url(const char *u)
{
	return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7));
}

static void add_shipments(struct buf *b, const struct catalogue *c, const struct order *o)
{
	for (int i = 0; i < o->n_shipments; i++) {
		const struct shipment *s = &o->shipments[i];

		if (!s->carrier && !s->tracking_number && !http_url(s->tracking_url))
			continue;
		buf_adds(b, "\n");
		if (s->carrier)
			add_around(b, c->carrier, s->carrier, strlen(s->carrier));
		if (s->carrier && s->tracking_number)
			buf_adds(b, "\n");
		if (s->tracking_number)
			add_around(b, c->tracking_number, s->tracking_number,
				   strlen(s->tracking_number));
		if (http_url(s->tracking_url)) {
			buf_adds(b, "\n");
			add_around(b, c->carrier_link, s->tracking_url, strlen(s->tracking_url));
		}
	}
}

/* The latest ETA of the shipments still on their way (0: none known). */
static int64_t eta(const struct order *o)
{
	int64_t latest = 0;

	for (int i = 0; i < o->n_shipments; i++)
		if (o->shipments[i].state != ORDER_DELIVERED && o->shipments[i].eta > latest)
			latest = o->shipments[i].eta;
	return latest;
}

static int64_t delivered_at(const struct order *o)
{
	int64_t latest = 0;

	for (int i = 0; i < o->n_shipments; i++)
		if (o->shipments[i].delivered_at > latest)
			latest = o->shipments[i].delivered_at;
	return latest;
}

static void add_status(struct buf *b, const struct catalogue *c, const struct order *o,
		       enum track_lang l)
{
	const char *label = track_state_label(o->state, l);

	buf_adds(b, c->status.before);
	buf_adds(b, o->number);
	buf_adds(b, c->status_mid);
	buf_adds(b, label);
	buf_adds(b, c->status.after);
	buf_adds(b, c->gap);
	if (o->state == ORDER_DELIVERED && delivered_at(o))
		add_day(b, c->delivered_on, delivered_at(o), l);
	else if (o->state <= ORDER_DELAYED && c->news[o->state])
		buf_adds(b, c->news[o->state]);
	if (o->state != ORDER_DELIVERED && eta(o)) {
		buf_adds(b, "\n");
		add_day(b, c->eta, eta(o), l);
	}
	add_shipments(b, c, o);
}

char *wismo_answer_text(const struct wismo_answer *a)
{
	const struct catalogue *c = &catalogues[a->lang < TRACK_LANG_COUNT ? a->lang : TRACK_EN];
	struct buf b;

	buf_init(&b, 0);
	if (a->customer_name && *a->customer_name)
		add_around(&b, c->hello, a->customer_name, greeting_name(a->customer_name, a->lang));
	else
		buf_adds(&b, c->hello_anonymous);
	buf_adds(&b, "\n\n");
	buf_adds(&b, c->thanks);
	buf_adds(&b, "\n\n");
	if (a->order) {
		add_status(&b, c, a->order, a->lang);
		if (http_url(a->track_url)) {
			buf_adds(&b, "\n\n");
			add_around(&b, c->track, a->track_url, strlen(a->track_url));
		}
		buf_adds(&b, "\n\n");
		buf_adds(&b, c->closing);
	} else {
		buf_adds(&b, c->ask);
	}
	buf_adds(&b, "\n\n");
	buf_adds(&b, c->regards);
	if (a->store_name && *a->store_name) {
		buf_adds(&b, "\n");
		buf_adds(&b, a->store_name);
	}
	buf_adds(&b, "\n");
	return buf_detach(&b, NULL);
}
