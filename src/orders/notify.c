/*
 * notify.c - the default texts of order notifications in en, ko, ja, tr, their
 * values, quiet hours and the dedup key.
 *
 * The texts are plain text: an HTML email renders the same template in
 * TEMPLATE_HTML mode. They avoid grammar that depends on a value (Turkish
 * suffixes after an order number, Korean particles after a store's name), so
 * any number or name reads correctly.
 */
#include "orders/notify.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* --- the default texts, in the shape of their table --- */

/* clang-format off */
#define EN_HI "Hi {{customer.first_name}},\n\n"
#define EN_END \
	"\n\nThank you for shopping with {{store.name}}.\n\n" \
	"You are receiving this email about your order. To stop order updates by email: " \
	"{{unsubscribe_url}}\n"
#define KO_HI "{{customer.first_name}}님, 안녕하세요.\n\n"
#define KO_END \
	"\n\n이용해 주셔서 감사합니다.\n{{store.name}} 드림\n\n" \
	"주문 알림 메일을 더 이상 받지 않으시려면 수신 거부해 주세요: {{unsubscribe_url}}\n"
#define JA_HI \
	"{{customer.first_name}} 様\n\n" \
	"{{store.name}}をご利用いただき、誠にありがとうございます。\n"
#define JA_END \
	"\n\n{{store.name}}\n\n" \
	"ご注文に関するメールの配信停止はこちら: {{unsubscribe_url}}\n"
#define TR_HI "Merhaba {{customer.first_name}},\n\n"
#define TR_END \
	"\n\nBizi tercih ettiğiniz için teşekkür ederiz.\n{{store.name}}\n\n" \
	"Sipariş bildirim e-postalarını artık almak istemiyorsanız aboneliğinizi buradan " \
	"iptal edebilirsiniz: {{unsubscribe_url}}\n"

static const struct notify_template defaults[ORDER_STATE_COUNT][TRACK_LANG_COUNT] = {
	[ORDER_SHIPPED] = {
		[TRACK_EN] = {
			"Your order {{order.number}} is on its way",
			EN_HI "Good news: your order {{order.number}} has shipped.\n\n"
			"Carrier: {{shipment.carrier}}\n"
			"Tracking number: {{shipment.tracking_number}}\n"
			"Estimated delivery: {{order.eta}}\n\n"
			"Track your package: {{order.tracking_url}}" EN_END,
			"{{store.name}}: your order {{order.number}} has shipped. Track it: "
			"{{order.tracking_url}}",
		},
		[TRACK_KO] = {
			"주문하신 상품이 발송되었습니다 (주문번호 {{order.number}})",
			KO_HI "주문하신 상품이 발송되었습니다.\n\n"
			"주문번호: {{order.number}}\n"
			"택배사: {{shipment.carrier}}\n"
			"운송장 번호: {{shipment.tracking_number}}\n"
			"도착 예정: {{order.eta}}\n\n"
			"배송 조회: {{order.tracking_url}}" KO_END,
			"[{{store.name}}] 주문하신 상품이 발송되었습니다. 주문번호 {{order.number}}, "
			"배송 조회: {{order.tracking_url}}",
		},
		[TRACK_JA] = {
			"【{{store.name}}】ご注文の商品を発送しました（注文番号 {{order.number}}）",
			JA_HI "ご注文の商品を発送いたしました。\n\n"
			"注文番号: {{order.number}}\n"
			"配送業者: {{shipment.carrier}}\n"
			"お問い合わせ番号: {{shipment.tracking_number}}\n"
			"お届け予定: {{order.eta}}\n\n"
			"配送状況の確認: {{order.tracking_url}}\n\n"
			"商品の到着まで、今しばらくお待ちください。" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）の商品を発送しました。配送状況: "
			"{{order.tracking_url}}",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişiniz kargoya verildi",
			TR_HI "Güzel haber: {{order.number}} numaralı siparişiniz kargoya verildi.\n\n"
			"Kargo firması: {{shipment.carrier}}\n"
			"Takip numarası: {{shipment.tracking_number}}\n"
			"Tahmini teslimat: {{order.eta}}\n\n"
			"Kargonuzu takip edin: {{order.tracking_url}}" TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişiniz kargoya verildi. Takip: "
			"{{order.tracking_url}}",
		},
	},
	[ORDER_OUT_FOR_DELIVERY] = {
		[TRACK_EN] = {
			"Your order {{order.number}} is out for delivery",
			EN_HI "Your order {{order.number}} is out for delivery and should arrive "
			"today.\n\n"
			"Carrier: {{shipment.carrier}}\n"
			"Tracking number: {{shipment.tracking_number}}\n\n"
			"Follow it here: {{order.tracking_url}}" EN_END,
			"{{store.name}}: your order {{order.number}} is out for delivery and should "
			"arrive today. {{order.tracking_url}}",
		},
		[TRACK_KO] = {
			"오늘 상품이 도착할 예정입니다 (주문번호 {{order.number}})",
			KO_HI "주문하신 상품이 배송 출발하여 오늘 도착할 예정입니다.\n\n"
			"주문번호: {{order.number}}\n"
			"택배사: {{shipment.carrier}}\n"
			"운송장 번호: {{shipment.tracking_number}}\n\n"
			"배송 조회: {{order.tracking_url}}" KO_END,
			"[{{store.name}}] 주문번호 {{order.number}} 상품이 배송 출발했습니다. 오늘 "
			"도착 예정입니다. {{order.tracking_url}}",
		},
		[TRACK_JA] = {
			"【{{store.name}}】本日お届け予定です（注文番号 {{order.number}}）",
			JA_HI "ご注文の商品は配達中で、本日お届けの予定です。\n\n"
			"注文番号: {{order.number}}\n"
			"配送業者: {{shipment.carrier}}\n"
			"お問い合わせ番号: {{shipment.tracking_number}}\n\n"
			"配送状況の確認: {{order.tracking_url}}" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）の商品は本日お届け予定です。"
			"{{order.tracking_url}}",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişiniz dağıtıma çıktı",
			TR_HI "{{order.number}} numaralı siparişiniz dağıtıma çıktı ve bugün size "
			"ulaşması bekleniyor.\n\n"
			"Kargo firması: {{shipment.carrier}}\n"
			"Takip numarası: {{shipment.tracking_number}}\n\n"
			"Kargonuzu takip edin: {{order.tracking_url}}" TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişiniz dağıtıma çıktı, bugün "
			"teslim edilmesi bekleniyor. {{order.tracking_url}}",
		},
	},
	[ORDER_DELIVERED] = {
		[TRACK_EN] = {
			"Your order {{order.number}} has been delivered",
			EN_HI "Your order {{order.number}} has been delivered. We hope you enjoy "
			"it!\n\n"
			"If anything is missing or not right, just reply to this email and we will "
			"help.\n\n"
			"Order details: {{order.tracking_url}}" EN_END,
			"{{store.name}}: your order {{order.number}} has been delivered. Enjoy!",
		},
		[TRACK_KO] = {
			"상품 배송이 완료되었습니다 (주문번호 {{order.number}})",
			KO_HI "주문하신 상품의 배송이 완료되었습니다. 마음에 드셨으면 좋겠습니다.\n\n"
			"주문번호: {{order.number}}\n"
			"주문 내역: {{order.tracking_url}}\n\n"
			"상품을 받지 못하셨거나 문제가 있으면 이 메일에 회신해 주세요." KO_END,
			"[{{store.name}}] 주문번호 {{order.number}} 상품의 배송이 완료되었습니다. "
			"이용해 주셔서 감사합니다.",
		},
		[TRACK_JA] = {
			"【{{store.name}}】商品のお届けが完了しました（注文番号 {{order.number}}）",
			JA_HI "ご注文の商品のお届けが完了しました。\n\n"
			"注文番号: {{order.number}}\n"
			"ご注文内容: {{order.tracking_url}}\n\n"
			"商品に不備がある場合や、お受け取りになっていない場合は、このメールにご返信"
			"ください。" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）の商品のお届けが完了しました。"
			"ありがとうございました。",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişiniz teslim edildi",
			TR_HI "{{order.number}} numaralı siparişiniz teslim edildi. Güle güle "
			"kullanmanızı dileriz!\n\n"
			"Eksik ya da hatalı bir ürün varsa bu e-postayı yanıtlamanız yeterli; hemen "
			"yardımcı olalım.\n\n"
			"Sipariş ayrıntıları: {{order.tracking_url}}" TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişiniz teslim edildi. Güle "
			"güle kullanın!",
		},
	},
	[ORDER_DELAYED] = {
		[TRACK_EN] = {
			"Your order {{order.number}} is delayed",
			EN_HI "We are sorry: your order {{order.number}} is taking longer than "
			"expected to reach you.\n\n"
			"Carrier: {{shipment.carrier}}\n"
			"New estimated delivery: {{order.eta}}\n\n"
			"Follow it here: {{order.tracking_url}}\n\n"
			"We will let you know as soon as it is out for delivery." EN_END,
			"{{store.name}}: sorry, your order {{order.number}} is delayed. Follow it "
			"here: {{order.tracking_url}}",
		},
		[TRACK_KO] = {
			"배송이 지연되고 있습니다 (주문번호 {{order.number}})",
			KO_HI "주문하신 상품의 배송이 예상보다 늦어지고 있습니다. 불편을 드려 "
			"죄송합니다.\n\n"
			"주문번호: {{order.number}}\n"
			"택배사: {{shipment.carrier}}\n"
			"변경된 도착 예정: {{order.eta}}\n\n"
			"배송 조회: {{order.tracking_url}}\n\n"
			"배송이 출발하면 다시 알려 드리겠습니다." KO_END,
			"[{{store.name}}] 주문번호 {{order.number}} 상품의 배송이 지연되고 있습니다. "
			"불편을 드려 죄송합니다. {{order.tracking_url}}",
		},
		[TRACK_JA] = {
			"【{{store.name}}】お届けが遅れております（注文番号 {{order.number}}）",
			JA_HI "ご注文の商品のお届けが、予定より遅れております。ご迷惑をおかけし、"
			"誠に申し訳ございません。\n\n"
			"注文番号: {{order.number}}\n"
			"配送業者: {{shipment.carrier}}\n"
			"新しいお届け予定: {{order.eta}}\n\n"
			"配送状況の確認: {{order.tracking_url}}\n\n"
			"配達が始まりましたら、改めてお知らせいたします。" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）のお届けが遅れております。"
			"申し訳ございません。{{order.tracking_url}}",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişinizin teslimatı gecikiyor",
			TR_HI "{{order.number}} numaralı siparişinizin teslimatı beklenenden uzun "
			"sürüyor. Gecikme için özür dileriz.\n\n"
			"Kargo firması: {{shipment.carrier}}\n"
			"Yeni tahmini teslimat: {{order.eta}}\n\n"
			"Kargonuzu takip edin: {{order.tracking_url}}\n\n"
			"Siparişiniz dağıtıma çıktığında size yeniden haber vereceğiz." TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişinizin teslimatı gecikiyor, "
			"özür dileriz. Takip: {{order.tracking_url}}",
		},
	},
	[ORDER_EXCEPTION] = {
		[TRACK_EN] = {
			"A problem with the delivery of your order {{order.number}}",
			EN_HI "The carrier reported a problem delivering your order "
			"{{order.number}}. Current status: {{order.status}}.\n\n"
			"Carrier: {{shipment.carrier}}\n"
			"Tracking number: {{shipment.tracking_number}}\n\n"
			"Latest details: {{order.tracking_url}}\n\n"
			"We are looking into it. If you have any questions, just reply to this "
			"email." EN_END,
			"{{store.name}}: there is a problem with the delivery of your order "
			"{{order.number}}. Details: {{order.tracking_url}}",
		},
		[TRACK_KO] = {
			"배송 중 문제가 발생했습니다 (주문번호 {{order.number}})",
			KO_HI "주문하신 상품을 배송하는 중에 문제가 발생했습니다. 현재 상태: "
			"{{order.status}}\n\n"
			"주문번호: {{order.number}}\n"
			"택배사: {{shipment.carrier}}\n"
			"운송장 번호: {{shipment.tracking_number}}\n\n"
			"자세히 보기: {{order.tracking_url}}\n\n"
			"저희가 확인하고 있습니다. 궁금한 점이 있으시면 이 메일에 회신해 주세요."
			KO_END,
			"[{{store.name}}] 주문번호 {{order.number}} 상품 배송 중 문제가 발생했습니다. "
			"자세히 보기: {{order.tracking_url}}",
		},
		[TRACK_JA] = {
			"【{{store.name}}】配送中に問題が発生しました（注文番号 {{order.number}}）",
			JA_HI "ご注文の商品の配送中に問題が発生しました。現在の状況: "
			"{{order.status}}\n\n"
			"注文番号: {{order.number}}\n"
			"配送業者: {{shipment.carrier}}\n"
			"お問い合わせ番号: {{shipment.tracking_number}}\n\n"
			"詳しくはこちら: {{order.tracking_url}}\n\n"
			"ただいま確認を進めております。ご不明な点がございましたら、このメールに"
			"ご返信ください。" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）の配送中に問題が発生しました。"
			"詳細: {{order.tracking_url}}",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişinizin teslimatında bir sorun oluştu",
			TR_HI "{{order.number}} numaralı siparişinizin teslimatı sırasında bir sorun "
			"oluştu. Güncel durum: {{order.status}}\n\n"
			"Kargo firması: {{shipment.carrier}}\n"
			"Takip numarası: {{shipment.tracking_number}}\n\n"
			"Ayrıntılar: {{order.tracking_url}}\n\n"
			"Konuyla ilgileniyoruz. Sorularınız için bu e-postayı yanıtlayabilirsiniz."
			TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişinizin teslimatında bir "
			"sorun oluştu. Ayrıntılar: {{order.tracking_url}}",
		},
	},
	[ORDER_CANCELLED] = {
		[TRACK_EN] = {
			"Your order {{order.number}} has been cancelled",
			EN_HI "Your order {{order.number}} has been cancelled. If you were charged, "
			"the amount will be refunded to your original payment method.\n\n"
			"If you did not ask for this, or have any questions, just reply to this "
			"email." EN_END,
			"{{store.name}}: your order {{order.number}} has been cancelled. Any payment "
			"will be refunded.",
		},
		[TRACK_KO] = {
			"주문이 취소되었습니다 (주문번호 {{order.number}})",
			KO_HI "주문번호 {{order.number}}의 주문이 취소되었습니다. 결제하신 금액은 "
			"원래 결제 수단으로 환불됩니다.\n\n"
			"직접 취소하지 않으셨거나 궁금한 점이 있으시면 이 메일에 회신해 주세요."
			KO_END,
			"[{{store.name}}] 주문번호 {{order.number}}의 주문이 취소되었습니다. 결제 "
			"금액은 원래 결제 수단으로 환불됩니다.",
		},
		[TRACK_JA] = {
			"【{{store.name}}】ご注文はキャンセルとなりました（注文番号 {{order.number}}）",
			JA_HI "ご注文（注文番号 {{order.number}}）はキャンセルとなりました。"
			"お支払い済みの金額は、ご利用のお支払い方法に返金いたします。\n\n"
			"お心当たりのない場合やご不明な点がございましたら、このメールにご返信ください。"
			JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）はキャンセルとなりました。"
			"お支払い済みの金額は返金いたします。",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişiniz iptal edildi",
			TR_HI "{{order.number}} numaralı siparişiniz iptal edildi. Ödeme yaptıysanız "
			"tutar, ödeme yönteminize iade edilecektir.\n\n"
			"Bu iptali siz talep etmediyseniz ya da bir sorunuz varsa bu e-postayı "
			"yanıtlamanız yeterli." TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişiniz iptal edildi. "
			"Ödediğiniz tutar iade edilecektir.",
		},
	},
	[ORDER_REFUNDED] = {
		[TRACK_EN] = {
			"Your refund for order {{order.number}}",
			EN_HI "We have issued a refund for your order {{order.number}}. Depending "
			"on your bank or payment provider, it can take a few business days to "
			"appear on your statement.\n\n"
			"Order details: {{order.tracking_url}}" EN_END,
			"{{store.name}}: we have refunded your order {{order.number}}. It can take a "
			"few business days to appear on your statement.",
		},
		[TRACK_KO] = {
			"환불이 처리되었습니다 (주문번호 {{order.number}})",
			KO_HI "주문번호 {{order.number}}에 대한 환불이 처리되었습니다. 카드사나 결제 "
			"수단에 따라 실제 반영까지 영업일 기준 며칠이 걸릴 수 있습니다.\n\n"
			"주문 내역: {{order.tracking_url}}" KO_END,
			"[{{store.name}}] 주문번호 {{order.number}}의 환불이 처리되었습니다. 결제 "
			"수단에 따라 반영까지 며칠 걸릴 수 있습니다.",
		},
		[TRACK_JA] = {
			"【{{store.name}}】返金手続きが完了しました（注文番号 {{order.number}}）",
			JA_HI "ご注文（注文番号 {{order.number}}）の返金手続きが完了しました。"
			"カード会社やお支払い方法によっては、反映までに数営業日かかる場合が"
			"ございます。\n\n"
			"ご注文内容: {{order.tracking_url}}" JA_END,
			"【{{store.name}}】ご注文（{{order.number}}）の返金手続きが完了しました。"
			"反映まで数営業日かかる場合があります。",
		},
		[TRACK_TR] = {
			"{{order.number}} numaralı siparişinizin ücret iadesi yapıldı",
			TR_HI "{{order.number}} numaralı siparişinizin ücret iadesi yapıldı. "
			"Bankanıza veya ödeme yönteminize bağlı olarak tutarın hesabınıza yansıması "
			"birkaç iş günü sürebilir.\n\n"
			"Sipariş ayrıntıları: {{order.tracking_url}}" TR_END,
			"{{store.name}}: {{order.number}} numaralı siparişinizin ücret iadesi "
			"yapıldı. Hesabınıza yansıması birkaç iş günü sürebilir.",
		},
	},
};
/* clang-format on */

const char *notify_channel_name(enum notify_channel c)
{
	return c == NOTIFY_SMS ? "sms" : "email";
}

static const char *set(const char *s)
{
	return s && *s ? s : NULL;
}

int notify_template_pick(enum order_state s, const char *lang, const struct notify_template *store,
			 struct notify_template *out, enum track_lang *used)
{
	enum track_lang l = TRACK_EN;
	const struct notify_template *d;

	if ((unsigned)s >= ORDER_STATE_COUNT || !order_state_notifies(s))
		return -1;
	if (lang)
		track_lang_parse(lang, &l);
	d = &defaults[s][l];
	if (!d->subject || !d->body || !d->sms)
		BUG("no default notification for %s in %s", order_state_name(s),
		    track_lang_code(l));
	out->subject = store && set(store->subject) ? store->subject : d->subject;
	out->body = store && set(store->body) ? store->body : d->body;
	out->sms = store && set(store->sms) ? store->sms : d->sms;
	if (used)
		*used = l;
	return 0;
}

/* --- values --- */

#define MINUTE_US ((int64_t)60 * 1000000)
#define DAY_MIN	  (24 * 60)

/* An offset from UTC in minutes, or 0 for one no place has (beyond 14 hours, unknown). */
static int real_offset(int minutes)
{
	return minutes >= -14 * 60 && minutes <= 14 * 60 ? minutes : 0;
}

/* The shipment whose carrier and tracking the message names; NULL: none. */
static const struct shipment *shipment_of(const struct notify_facts *f)
{
	const struct order *o = f->order;

	if (f->shipment)
		return f->shipment;
	for (int i = 0; o && i < o->n_shipments; i++)
		if (o->shipments[i].tracking_number && *o->shipments[i].tracking_number)
			return &o->shipments[i];
	return o && o->n_shipments ? &o->shipments[0] : NULL;
}

size_t notify_values(const struct notify_facts *f, enum track_lang l,
		     struct template_var vars[NOTIFY_VARS], struct arena *a)
{
	const struct order *o = f->order;
	const struct shipment *sh = shipment_of(f);
	const char *name = o && o->customer_name ? o->customer_name : "";
	const char *url = f->tracking_url ? f->tracking_url : sh ? sh->tracking_url : NULL;
	char *eta = NULL, *total = NULL;

	if (sh && sh->eta) {
		eta = arena_alloc(a, 64);
		track_date(eta, sh->eta + real_offset(f->utc_offset_min) * MINUTE_US, l);
	}
	if (o && o->currency) {
		total = arena_alloc(a, 64);
		track_money(total, 64, o->total_minor, o->currency, l);
	}
	struct template_var v[NOTIFY_VARS] = {
		{"customer.first_name", arena_strndup(a, name, template_first_name(name))},
		{"order.number", o ? o->number : NULL},
		{"order.status", track_state_label(f->state, l)},
		{"order.tracking_url", url},
		{"order.eta", eta},
		{"order.total", total},
		{"shipment.carrier", sh ? sh->carrier : NULL},
		{"shipment.tracking_number", sh ? sh->tracking_number : NULL},
		{"store.name", f->store_name},
		{"unsubscribe_url", f->unsubscribe_url},
	};
	memcpy(vars, v, sizeof(v));
	return NOTIFY_VARS;
}

/* --- quiet hours --- */

/* a % m, in [0, m) for negative a too */
static int64_t floor_mod(int64_t a, int64_t m)
{
	int64_t r = a % m;

	return r < 0 ? r + m : r;
}

static int in_window(int minute, const struct notify_quiet *q)
{
	if (q->start < q->end)
		return minute >= q->start && minute < q->end;
	return minute >= q->start || minute < q->end;
}

int64_t notify_send_at(int64_t now, const struct notify_quiet *q, int customer_offset_min,
		       int store_offset_min)
{
	int offset = real_offset(customer_offset_min != NOTIFY_OFFSET_UNKNOWN ? customer_offset_min
									      : store_offset_min);
	int64_t local, into_minute;
	int minute;

	if (!q || q->start == q->end || q->start < 0 || q->start >= DAY_MIN || q->end < 0 ||
	    q->end >= DAY_MIN)
		return now;
	local = now + (int64_t)offset * MINUTE_US;
	into_minute = floor_mod(local, MINUTE_US);
	minute = (int)floor_mod((local - into_minute) / MINUTE_US, DAY_MIN);
	if (!in_window(minute, q))
		return now;
	return now - into_minute + floor_mod(q->end - minute, DAY_MIN) * MINUTE_US;
}

/* --- the dedup key --- */

char *notify_dedup_key(char out[NOTIFY_KEY_MAX], int64_t order_id, int64_t shipment_id,
		       enum order_state s, enum notify_channel c)
{
	if (shipment_id)
		snprintf(out, NOTIFY_KEY_MAX, "shipment:%" PRId64 ":%s:%s", shipment_id,
			 order_state_name(s), notify_channel_name(c));
	else
		snprintf(out, NOTIFY_KEY_MAX, "order:%" PRId64 ":%s:%s", order_id,
			 order_state_name(s), notify_channel_name(c));
	return out;
}
