/*
 * track.c - the shopper's tracking pages: message catalogue, HTML, money and
 * dates per language, and the order token.
 *
 * The pages are small on purpose (a phone on a slow line) and carry no script:
 * the progress bar is a list styled by CSS. Long lists stop at a byte budget
 * and say how many were left out, so no order makes a page pass
 * TRACK_PAGE_MAX.
 */
#include "orders/track.h"
#include "core/auth.h"
#include "orders/payload.h"
#include "util/buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* --- the message catalogue --- */

struct catalogue {
	const char *code, *name; /* "ko", "한국어" */
	const char *title, *intro, *number, *email, *submit, *no_match, *too_many;
	const char *not_found_title, *not_found_text, *lookup;
	const char *order, *placed, *status, *eta, *shipments, *tracking_number, *track_link;
	const char *history, *items, *quantity, *total, *utc_note, *more_pre, *more_post;
	const char *months[12];
	const char *states[ORDER_STATE_COUNT];
	const char *trouble_title, *trouble_text;
};

static const struct catalogue catalogues[TRACK_LANG_COUNT] = {
	[TRACK_EN] =
		{
			"en",
			"English",
			"Track your order",
			"Enter your order number and the email address you used to place the "
			"order.",
			"Order number",
			"Email address",
			"Track order",
			"We could not find an order with that number and email address. Please "
			"check both and try again.",
			"Too many lookups from your connection. Please wait a minute and try "
			"again.",
			"Page not found",
			"This link is not valid or has expired.",
			"Look up an order",
			"Order",
			"Placed",
			"Status",
			"Estimated delivery",
			"Shipments",
			"Tracking number",
			"Track with the carrier",
			"Tracking history",
			"Items",
			"Qty",
			"Total",
			"Times are shown in UTC.",
			"and ",
			" more",
			{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
			 "Nov", "Dec"},
			{"Ordered", "Confirmed", "Packed", "Shipped", "In transit",
			 "Out for delivery", "Delivered", "Delayed", "Delivery problem",
			 "Cancelled", "Refunded", "Return requested", "Returned"},
			"Something went wrong",
			"We could not handle that request. Please go back and try again.",
		},
	[TRACK_KO] =
		{
			"ko",
			"한국어",
			"주문 배송 조회",
			"주문 번호와 주문하실 때 사용한 이메일 주소를 입력해 주세요.",
			"주문 번호",
			"이메일 주소",
			"조회하기",
			"입력하신 주문 번호와 이메일 주소에 해당하는 주문을 찾을 수 없습니다. 다시 "
			"확인해 주세요.",
			"조회 요청이 너무 많습니다. 1분 후에 다시 시도해 주세요.",
			"페이지를 찾을 수 없습니다",
			"링크가 올바르지 않거나 만료되었습니다.",
			"주문 조회하기",
			"주문",
			"주문일",
			"상태",
			"도착 예정일",
			"배송",
			"송장 번호",
			"택배사에서 조회하기",
			"배송 기록",
			"주문 상품",
			"수량",
			"합계",
			"시간은 UTC 기준입니다.",
			"외 ",
			"건",
			{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
			{"주문 접수", "결제 완료", "상품 준비 완료", "발송 완료", "배송 중",
			 "배달 출발", "배달 완료", "배송 지연", "배송 문제 발생", "주문 취소",
			 "환불 완료", "반품 요청됨", "반품 완료"},
			"문제가 발생했습니다",
			"요청을 처리하지 못했습니다. 이전 페이지로 돌아가 다시 시도해 주세요.",
		},
	[TRACK_JA] =
		{
			"ja",
			"日本語",
			"ご注文の配送状況",
			"ご注文番号と、ご注文時のメールアドレスを入力してください。",
			"ご注文番号",
			"メールアドレス",
			"確認する",
			"ご注文番号とメールアドレスに一致するご注文が見つかりませんでした。もう一度"
			"ご確認ください。",
			"確認の回数が多すぎます。1分ほど待ってから、もう一度お試しください。",
			"ページが見つかりません",
			"このリンクは無効か、有効期限が切れています。",
			"ご注文を確認する",
			"ご注文",
			"注文日",
			"状況",
			"お届け予定",
			"配送",
			"お問い合わせ番号",
			"配送業者のサイトで確認",
			"配送履歴",
			"ご注文商品",
			"数量",
			"合計",
			"時刻は協定世界時（UTC）で表示しています。",
			"ほか",
			"件",
			{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
			{"ご注文受付", "お支払い確認済み", "発送準備完了", "発送済み", "輸送中",
			 "配達中", "配達完了", "配送遅延", "配送トラブル", "キャンセル済み",
			 "返金済み", "返品受付中", "返品完了"},
			"問題が発生しました",
			"リクエストを処理できませんでした。前のページに戻って、もう一度お試しくださ"
			"い。",
		},
	[TRACK_TR] =
		{
			"tr",
			"Türkçe",
			"Siparişinizi takip edin",
			"Sipariş numaranızı ve siparişi verirken kullandığınız e-posta adresini "
			"girin.",
			"Sipariş numarası",
			"E-posta adresi",
			"Sorgula",
			"Bu sipariş numarası ve e-posta adresiyle eşleşen bir sipariş bulamadık. "
			"Lütfen ikisini de kontrol edip tekrar deneyin.",
			"Bağlantınızdan çok fazla sorgu yapıldı. Lütfen bir dakika bekleyip tekrar "
			"deneyin.",
			"Sayfa bulunamadı",
			"Bu bağlantı geçersiz veya süresi dolmuş.",
			"Sipariş sorgula",
			"Sipariş",
			"Sipariş tarihi",
			"Durum",
			"Tahmini teslimat",
			"Gönderiler",
			"Takip numarası",
			"Kargo firmasının sitesinde takip et",
			"Kargo hareketleri",
			"Ürünler",
			"Adet",
			"Toplam",
			"Saatler UTC olarak gösterilir.",
			"ve ",
			" tane daha",
			{"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
			 "Eylül", "Ekim", "Kasım", "Aralık"},
			{"Sipariş alındı", "Ödeme onaylandı", "Hazırlandı", "Kargoya verildi",
			 "Yolda", "Dağıtıma çıktı", "Teslim edildi", "Gecikmeli", "Teslimat sorunu",
			 "İptal edildi", "Ücret iade edildi", "İade talebi alındı",
			 "İade tamamlandı"},
			"Bir sorun oluştu",
			"İsteğinizi işleyemedik. Lütfen geri dönüp tekrar deneyin.",
		},
};

static const struct catalogue *cat(enum track_lang l)
{
	return &catalogues[(unsigned)l < TRACK_LANG_COUNT ? l : TRACK_EN];
}

const char *track_lang_code(enum track_lang l)
{
	return cat(l)->code;
}

const char *track_state_label(enum order_state s, enum track_lang l)
{
	return cat(l)->states[(unsigned)s < ORDER_STATE_COUNT ? s : ORDER_ORDERED];
}

/* --- languages --- */

/* The language of the primary subtag of p[0..n) ("ko" of "ko-KR"). */
static int lang_of(const char *p, size_t n, enum track_lang *out)
{
	size_t primary = 0;

	while (primary < n && p[primary] != '-' && p[primary] != '_')
		primary++;
	if (primary != 2)
		return 0;
	for (int i = 0; i < TRACK_LANG_COUNT; i++)
		if (!strncasecmp(p, catalogues[i].code, 2)) {
			*out = (enum track_lang)i;
			return 1;
		}
	return 0;
}

int track_lang_parse(const char *code, enum track_lang *out)
{
	return code && lang_of(code, strlen(code), out);
}

/* The q of one Accept-Language member's parameters (";q=0.8"), in thousandths. */
static int quality(const char *p, size_t n)
{
	const char *q = NULL;
	int v = 0, digits = 0;

	for (size_t i = 0; i + 1 < n; i++)
		if ((p[i] == 'q' || p[i] == 'Q') && p[i + 1] == '=' &&
		    (i == 0 || p[i - 1] == ';' || p[i - 1] == ' '))
			q = p + i + 2;
	if (!q)
		return 1000;
	if (*q == '1')
		return 1000;
	if (*q != '0')
		return 0;
	for (q += q[1] == '.' ? 2 : 1; q < p + n && *q >= '0' && *q <= '9' && digits < 3; q++)
		v = v * 10 + (*q - '0'), digits++;
	while (digits++ < 3)
		v *= 10;
	return v;
}

enum track_lang track_lang_pick(const char *asked, const char *accept_language,
				const char *fallback)
{
	enum track_lang l = TRACK_EN, best = TRACK_EN;
	int best_q = 0;

	if (track_lang_parse(asked, &l))
		return l;
	for (const char *p = accept_language; p && *p;) {
		size_t n = strcspn(p, ","), tag;

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		tag = strcspn(p, ";, \t");
		if (tag > n)
			tag = n;
		if (lang_of(p, tag, &l)) {
			int q = quality(p + tag, n - tag);

			if (q > best_q)
				best = l, best_q = q;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (best_q)
		return best;
	if (track_lang_parse(fallback, &l))
		return l;
	return TRACK_EN;
}

/* --- money and dates --- */

static const struct {
	const char *code, *sign;
} signs[] = {
	{"USD", "$"}, {"JPY", "¥"}, {"KRW", "₩"}, {"TRY", "₺"}, {"EUR", "€"}, {"GBP", "£"},
};

/* n with groups of three digits separated by `sep` */
static void add_grouped(struct buf *b, uint64_t n, const char *sep)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_adds(b, sep);
		buf_add(b, digits + i, 1);
	}
}

char *track_money(char *out, size_t size, int64_t minor, const char *currency, enum track_lang l)
{
	int exp = payload_currency_exponent(currency);
	const char *sign = NULL;
	uint64_t n = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor, scale = 1;
	int tr = l == TRACK_TR;
	struct buf b;

	if (exp < 0)
		exp = 2, currency = "";
	for (int i = 0; i < exp; i++)
		scale *= 10;
	for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++)
		if (!strcmp(signs[i].code, currency))
			sign = signs[i].sign;
	buf_init(&b, 0);
	if (minor < 0)
		buf_adds(&b, "-");
	if (!tr && sign)
		buf_adds(&b, sign);
	else if (!tr && *currency)
		buf_addf(&b, "%s ", currency);
	add_grouped(&b, n / scale, tr ? "." : ",");
	if (exp)
		buf_addf(&b, "%s%0*" PRIu64, tr ? "," : ".", exp, n % scale);
	if (tr && (sign || *currency))
		buf_addf(&b, " %s", sign ? sign : currency);
	snprintf(out, size, "%s", b.p ? b.p : "");
	buf_release(&b);
	return out;
}

char *track_date(char out[64], int64_t us, enum track_lang l)
{
	time_t t = (time_t)(us / 1000000 - (us % 1000000 < 0));
	struct tm tm;
	const char *month;

	gmtime_r(&t, &tm);
	month = cat(l)->months[tm.tm_mon];
	switch (l) {
	case TRACK_KO:
		snprintf(out, 64, "%d년 %s월 %d일 %02d:%02d", tm.tm_year + 1900, month, tm.tm_mday,
			 tm.tm_hour, tm.tm_min);
		break;
	case TRACK_JA:
		snprintf(out, 64, "%d年%s月%d日 %02d:%02d", tm.tm_year + 1900, month, tm.tm_mday,
			 tm.tm_hour, tm.tm_min);
		break;
	case TRACK_TR:
		snprintf(out, 64, "%d %s %d %02d:%02d", tm.tm_mday, month, tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
		break;
	default:
		snprintf(out, 64, "%s %d, %d %02d:%02d", month, tm.tm_mday, tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min);
	}
	return out;
}

/* --- what a shopper typed --- */

char *track_normalize(char *out, size_t size, const char *in, int is_number)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;

	for (; *p && n + 1 < size; p++) {
		unsigned char c = *p;

		/* U+FF01..U+FF5E, full-width ASCII: EF BC 81..BF, EF BD 80..9E */
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80 &&
		    p[2] <= 0xBF) {
			unsigned cp = 0xFF00 + (unsigned)(p[1] & 1) * 0x40 + (p[2] - 0x80);

			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				c = (unsigned char)(cp - 0xFEE0);
				p += 2;
			}
		} else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
			c = ' ';
			p += 2;
		}
		if (!is_number && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
	n = strspn(out, " \t");
	if (is_number && out[n] == '#')
		n++;
	memmove(out, out + n, strlen(out + n) + 1);
	return out;
}

/* --- the token --- */

#define SIG_HEX 32 /* 128 bits of the HMAC */

static char *signature(const char *key, int64_t store_id, int64_t order_id, int64_t expires)
{
	char msg[96], *mac;
	int n = snprintf(msg, sizeof(msg), "deskd-track-1:%" PRId64 "-%" PRId64 "-%" PRId64,
			 store_id, order_id, expires);

	mac = auth_hmac_hex(key, msg, (size_t)n);
	mac[SIG_HEX] = '\0';
	return mac;
}

char *track_token_make(const char *key, int64_t store_id, int64_t order_id, int64_t expires)
{
	char *sig = signature(key, store_id, order_id, expires), *out;

	if (asprintf(&out, "%" PRId64 "-%" PRId64 "-%" PRId64 "-%s", store_id, order_id, expires,
		     sig) < 0)
		out = NULL;
	free(sig);
	return out;
}

/* A positive decimal number ending at '-'; advances *p past the '-'. */
static int read_part(const char **p, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9') {
		if (digits++ == 18)
			return 0;
		v = v * 10 + (*(*p)++ - '0');
	}
	if (!digits || v <= 0 || **p != '-')
		return 0;
	(*p)++;
	*out = v;
	return 1;
}

int track_token_check(const char *key, const char *token, int64_t now, int64_t *store_id,
		      int64_t *order_id)
{
	const char *p = token;
	int64_t s, o, e;
	char *sig;
	int ok;

	if (!read_part(&p, &s) || !read_part(&p, &o) || !read_part(&p, &e) || strlen(p) != SIG_HEX)
		return 0;
	sig = signature(key, s, o, e);
	ok = auth_equal(sig, p) && now < e;
	free(sig);
	if (ok)
		*store_id = s, *order_id = o;
	return ok;
}

/* --- HTML --- */

/* the most bytes of one value a page shows: a name longer than this is cut */
#define VALUE_MAX 200
/* where the lists stop: the rest of the page needs less than what is left */
#define SCANS_BUDGET 24000
#define ITEMS_BUDGET 44000

static const char style[] =
	"*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\","
	"sans-serif;color:#1d1d1f;background:#f5f5f7}header{background:var(--a);color:#fff;"
	"padding:16px;display:flex;align-items:center;gap:12px}header img{max-height:40px;"
	"max-width:120px}h1{font-size:1.25rem;margin:0}main{max-width:40rem;margin:0 auto;"
	"padding:16px}section{background:#fff;border-radius:12px;padding:16px;margin:0 0 16px}"
	"h2{font-size:1.1rem;margin:0 0 8px}label{display:block;margin:0 0 12px;font-weight:600}"
	"input{display:block;width:100%;font:inherit;padding:10px;margin-top:4px;border:1px solid"
	" #aaa;border-radius:8px}button,.btn{display:inline-block;font:inherit;padding:10px 16px;"
	"border:0;border-radius:8px;background:var(--a);color:#fff;text-decoration:none}"
	".note{padding:12px;border-radius:8px;background:#fff4e5;margin:0 0 12px}"
	".state{font-size:1.2rem;font-weight:700}.alert{color:#b3261e}.closed{color:#555}"
	"ol.steps{list-style:none;display:flex;padding:0;margin:12px 0;gap:2px}ol.steps li{flex:1;"
	"height:8px;background:#ddd;border-radius:4px;font-size:0}ol.steps li.done{background:"
	"var(--a)}dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0}dt{color:"
	"#555}dd{margin:0}ul{padding-left:20px;margin:8px 0}.scans li{margin-bottom:6px}"
	".muted{color:#666;font-size:.875rem}nav{text-align:center;padding:8px 16px 24px}"
	"nav a{margin:0 6px;color:#333}";

/* How many bytes of s a page shows: at most VALUE_MAX, cut between characters. */
static size_t clipped(const char *s)
{
	size_t n = strlen(s);

	if (n <= VALUE_MAX)
		return n;
	n = VALUE_MAX;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static void text(struct buf *b, const char *s)
{
	if (s)
		buf_add_html(b, s, clipped(s));
}

/* "#rrggbb", and nothing else, may go into the style sheet */
static int color_ok(const char *c)
{
	return c && strlen(c) == 7 && c[0] == '#' && strspn(c + 1, "0123456789abcdefABCDEF") == 6;
}

/* An http(s) URL the page may link to: no space, quote or angle bracket in it. */
static int url_ok(const char *u)
{
	if (!u || strlen(u) > 2000)
		return 0;
	if (strncasecmp(u, "https://", 8) && strncasecmp(u, "http://", 7))
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'<>\\`", *p))
			return 0;
	return 1;
}

static void page_start(struct buf *b, const struct track_store *s, enum track_lang l,
		       const char *title)
{
	buf_init(b, 0);
	buf_addf(b,
		 "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		 "<meta name=\"robots\" content=\"noindex\"><title>",
		 cat(l)->code);
	buf_add_html(b, title, strlen(title));
	if (s && s->name) {
		buf_adds(b, " - ");
		text(b, s->name);
	}
	buf_addf(b, "</title><style>:root{--a:%s}%s</style></head><body><header>",
		 s && color_ok(s->accent_color) ? s->accent_color : "#2b59c3", style);
	if (s && s->logo_url && *s->logo_url && url_ok(s->logo_url) &&
	    strlen(s->logo_url) <= VALUE_MAX * 2) {
		buf_adds(b, "<img src=\"");
		buf_add_html(b, s->logo_url, strlen(s->logo_url));
		buf_adds(b, "\" alt=\"\">");
	}
	buf_adds(b, "<h1>");
	if (s && s->name)
		text(b, s->name);
	else
		buf_add_html(b, title, strlen(title));
	buf_adds(b, "</h1></header><main>");
}

/* The language links, to `path` (already safe for an attribute) with ?lang=. */
static char *page_end(struct buf *b, enum track_lang l, const char *path, size_t *len)
{
	buf_adds(b, "</main>");
	if (path) {
		buf_adds(b, "<nav>");
		for (int i = 0; i < TRACK_LANG_COUNT; i++) {
			buf_adds(b, "<a href=\"");
			buf_add_html(b, path, strlen(path));
			buf_addf(b, "?lang=%s\" hreflang=\"%s\" lang=\"%s\"%s>%s</a>",
				 catalogues[i].code, catalogues[i].code, catalogues[i].code,
				 i == (int)l ? " aria-current=\"true\"" : "", catalogues[i].name);
		}
		buf_adds(b, "</nav>");
	}
	buf_adds(b, "</body></html>\n");
	return buf_detach(b, len);
}

static char *store_path(const struct track_store *s, const char *token)
{
	char *p;

	if (asprintf(&p, "/track/%s%s%s", s->slug, token ? "/" : "", token ? token : "") < 0)
		return NULL;
	return p;
}

char *track_form_page(const struct track_store *s, enum track_lang l, enum track_notice notice,
		      size_t *len)
{
	const struct catalogue *c = cat(l);
	char *path = store_path(s, NULL), *out;
	struct buf b;

	page_start(&b, s, l, c->title);
	buf_addf(&b, "<section><h2>%s</h2>", c->title);
	if (notice == TRACK_NOTICE_NO_MATCH)
		buf_addf(&b, "<p class=\"note\" role=\"alert\">%s</p>", c->no_match);
	else if (notice == TRACK_NOTICE_TOO_MANY)
		buf_addf(&b, "<p class=\"note\" role=\"alert\">%s</p>", c->too_many);
	buf_addf(&b, "<p>%s</p><form method=\"post\" action=\"", c->intro);
	buf_add_html(&b, path, strlen(path));
	buf_addf(&b,
		 "\"><input type=\"hidden\" name=\"lang\" value=\"%s\"><label>%s<input "
		 "name=\"number\""
		 " required maxlength=\"64\" autocomplete=\"off\"></label><label>%s<input"
		 " type=\"email\" name=\"email\" required maxlength=\"254\" autocomplete=\"email\">"
		 "</label><button type=\"submit\">%s</button></form></section>",
		 c->code, c->number, c->email, c->submit);
	out = page_end(&b, l, path, len);
	free(path);
	return out;
}

char *track_not_found_page(const struct track_store *s, enum track_lang l, size_t *len)
{
	const struct catalogue *c = cat(l);
	char *path = s ? store_path(s, NULL) : NULL, *out;
	struct buf b;

	page_start(&b, s, l, c->not_found_title);
	buf_addf(&b, "<section><h2>%s</h2><p>%s</p>", c->not_found_title, c->not_found_text);
	if (path) {
		buf_adds(&b, "<p><a class=\"btn\" href=\"");
		buf_add_html(&b, path, strlen(path));
		buf_addf(&b, "?lang=%s\">%s</a></p>", c->code, c->lookup);
	}
	buf_adds(&b, "</section>");
	out = page_end(&b, l, path, len);
	free(path);
	return out;
}

char *track_trouble_page(enum track_lang l, size_t *len)
{
	const struct catalogue *c = cat(l);
	struct buf b;

	page_start(&b, NULL, l, c->trouble_title);
	buf_addf(&b, "<section><h2>%s</h2><p>%s</p></section>", c->trouble_title, c->trouble_text);
	return page_end(&b, l, NULL, len);
}

/* where a state stands on the way to delivered; -1: off the way */
static int step_of(enum order_state s)
{
	return s <= ORDER_DELIVERED ? (int)s : -1;
}

/* How far along the way an order in a delayed or exception state got: its furthest parcel. */
static int furthest_step(const struct order *o)
{
	int best = step_of(ORDER_SHIPPED);

	for (int i = 0; i < o->n_shipments; i++)
		if (step_of(o->shipments[i].state) > best)
			best = step_of(o->shipments[i].state);
	return best;
}

static void add_state(struct buf *b, const struct order *o, enum track_lang l)
{
	int step = step_of(o->state);
	const char *kind = "";

	if (o->state == ORDER_DELAYED || o->state == ORDER_EXCEPTION) {
		kind = " alert";
		step = furthest_step(o);
	} else if (step < 0) {
		kind = " closed";
	}
	buf_addf(b, "<p class=\"state%s\" data-state=\"%s\">%s</p>", kind,
		 order_state_name(o->state), track_state_label(o->state, l));
	if (step < 0)
		return;
	buf_adds(b, "<ol class=\"steps\">");
	for (int i = 0; i <= step_of(ORDER_DELIVERED); i++)
		buf_addf(b, "<li%s>%s</li>", i <= step ? " class=\"done\"" : "",
			 track_state_label((enum order_state)i, l));
	buf_adds(b, "</ol>");
}

static void add_more(struct buf *b, const struct catalogue *c, int n)
{
	buf_addf(b, "<li class=\"muted\">%s%d%s</li>", c->more_pre, n, c->more_post);
}

static void add_shipment(struct buf *b, const struct shipment *s, enum track_lang l)
{
	const struct catalogue *c = cat(l);
	char when[64];

	buf_adds(b, "<section><h2>");
	text(b, s->carrier ? s->carrier : c->shipments);
	buf_addf(b, "</h2><p class=\"state\" data-state=\"%s\">%s</p><dl>",
		 order_state_name(s->state), track_state_label(s->state, l));
	if (s->tracking_number) {
		buf_addf(b, "<dt>%s</dt><dd>", c->tracking_number);
		text(b, s->tracking_number);
		buf_adds(b, "</dd>");
	}
	if (s->eta && s->state != ORDER_DELIVERED)
		buf_addf(b, "<dt>%s</dt><dd>%s</dd>", c->eta, track_date(when, s->eta, l));
	buf_adds(b, "</dl>");
	if (url_ok(s->tracking_url)) {
		buf_adds(b, "<p><a class=\"btn\" rel=\"noopener noreferrer\" href=\"");
		buf_add_html(b, s->tracking_url, strlen(s->tracking_url));
		buf_addf(b, "\">%s</a></p>", c->track_link);
	}
	if (s->n_scans) {
		buf_addf(b, "<h2>%s</h2><ul class=\"scans\">", c->history);
		for (int i = s->n_scans - 1; i >= 0; i--) {
			const struct shipment_scan *sc = &s->scans[i];

			if (b->len > SCANS_BUDGET) {
				add_more(b, c, i + 1);
				break;
			}
			buf_addf(b, "<li><time>%s</time><br>", track_date(when, sc->at, l));
			text(b, sc->description ? sc->description : sc->status);
			if (sc->location) {
				buf_adds(b, " <span class=\"muted\">");
				text(b, sc->location);
				buf_adds(b, "</span>");
			}
			buf_adds(b, "</li>");
		}
		buf_adds(b, "</ul>");
	}
	buf_adds(b, "</section>");
}

static void add_items(struct buf *b, const struct order *o, enum track_lang l)
{
	const struct catalogue *c = cat(l);
	char money[64];

	buf_addf(b, "<section><h2>%s</h2><ul class=\"items\">", c->items);
	for (int i = 0; i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];

		if (b->len > ITEMS_BUDGET) {
			add_more(b, c, o->n_items - i);
			break;
		}
		buf_adds(b, "<li>");
		text(b, it->name ? it->name : it->sku);
		if (it->variant) {
			buf_adds(b, " <span class=\"muted\">");
			text(b, it->variant);
			buf_adds(b, "</span>");
		}
		buf_addf(b, " &times; %" PRId64 "</li>", it->quantity);
	}
	buf_addf(b, "</ul><p><strong>%s: %s</strong></p></section>", c->total,
		 track_money(money, sizeof(money), o->total_minor, o->currency, l));
}

/* The ETA of the order: the latest of its parcels still on their way. */
static int64_t order_eta(const struct order *o)
{
	int64_t eta = 0;

	for (int i = 0; i < o->n_shipments; i++)
		if (o->shipments[i].state != ORDER_DELIVERED && o->shipments[i].eta > eta)
			eta = o->shipments[i].eta;
	return eta;
}

char *track_order_page(const struct track_store *s, enum track_lang l, const struct order *o,
		       const char *token, size_t *len)
{
	const struct catalogue *c = cat(l);
	char *path = store_path(s, token), *out, when[64];
	int64_t eta = order_eta(o);
	struct buf b;
	int shown = 0;

	page_start(&b, s, l, c->title);
	buf_addf(&b, "<section><h2>%s ", c->order);
	text(&b, o->number);
	buf_adds(&b, "</h2>");
	add_state(&b, o, l);
	buf_addf(&b, "<dl><dt>%s</dt><dd>%s</dd>", c->placed, track_date(when, o->placed_at, l));
	if (eta && step_of(o->state) >= 0 && o->state != ORDER_DELIVERED)
		buf_addf(&b, "<dt>%s</dt><dd>%s</dd>", c->eta, track_date(when, eta, l));
	buf_adds(&b, "</dl></section>");
	for (; shown < o->n_shipments && b.len <= SCANS_BUDGET; shown++)
		add_shipment(&b, &o->shipments[shown], l);
	if (shown < o->n_shipments)
		buf_addf(&b, "<p class=\"muted\">%s%d%s</p>", c->more_pre, o->n_shipments - shown,
			 c->more_post);
	add_items(&b, o, l);
	buf_addf(&b, "<p class=\"muted\">%s</p>", c->utc_note);
	out = page_end(&b, l, path, len);
	free(path);
	return out;
}
