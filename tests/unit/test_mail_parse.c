/*
 * test_mail_parse.c - mail/parse.c against the corpus in tests/data/mail/.
 *
 * Every .eml file there is parsed and its decoded subject, sender, text and
 * attachments are compared with what a person reading the message sees;
 * test_corpus_covered fails when a file has no expectations here. The 20 MB
 * attachment and the 50,000-line body are built at run time. Run from the
 * repository root.
 */
#include "mail/parse.h"

#include "core/text.h"
#include "unit.h"

#include <dirent.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#define CORPUS "tests/data/mail/"

static struct arena arena;
static struct mail_message msg;
static struct error err;

/* The corpus files parsed so far, for test_corpus_covered. */
static char covered[128][64];
static int n_covered;

static int utf8(const char *s)
{
	return !s || text_utf8_valid(s, strlen(s), NULL);
}

static void check_address(const struct mail_address *m)
{
	CHECK(utf8(m->name) && utf8(m->email));
	CHECK(!m->email || !strpbrk(m->email, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
}

/* What must hold for any message: valid UTF-8 everywhere, attachments that add up. */
static void check_invariants(const struct mail_message *m)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[65];

	CHECK(m->subject && m->text && m->visible_text);
	CHECK(utf8(m->subject) && utf8(m->text) && utf8(m->visible_text) && utf8(m->html));
	CHECK(utf8(m->message_id) && utf8(m->in_reply_to) && utf8(m->bounced_message_id));
	check_address(&m->from);
	check_address(&m->reply_to);
	for (int i = 0; i < m->n_to; i++)
		check_address(&m->to[i]);
	for (int i = 0; i < m->n_cc; i++)
		check_address(&m->cc[i]);
	for (int i = 0; i < m->n_references; i++)
		CHECK(m->references[i] && utf8(m->references[i]));
	for (int i = 0; i < m->n_attachments; i++) {
		const struct mail_attachment *at = &m->attachments[i];

		CHECK(utf8(at->filename) && utf8(at->content_id));
		CHECK(at->content_type && utf8(at->content_type) && strchr(at->content_type, '/'));
		CHECK(at->data != NULL || at->size == 0);
		crypto_hash_sha256(hash, at->data, at->size);
		sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
		CHECK_STR(at->sha256, hex);
	}
}

/* Parses bytes into msg (the arena is reset first); the bytes are freed before anyone looks at msg.
 */
static enum err_code parse_bytes(char *data, size_t len, size_t max, const char *const *fallbacks)
{
	enum err_code rc;

	arena_release(&arena);
	arena_init(&arena);
	rc = mail_parse(data, len, max, fallbacks, &msg, &arena, &err);
	free(data); /* nothing in msg may point into the input */
	if (rc == E_OK)
		check_invariants(&msg);
	return rc;
}

static enum err_code parse_string(const char *s, const char *const *fallbacks)
{
	size_t n = strlen(s);
	char *copy = malloc(n + 1);

	memcpy(copy, s, n + 1);
	return parse_bytes(copy, n, 0, fallbacks);
}

/* Parses n bytes that may hold NULs. */
static enum err_code parse_mem(const char *s, size_t n)
{
	return parse_bytes(memcpy(malloc(n), s, n), n, 0, NULL);
}

/* Parses a corpus file into msg; returns 0 (and fails the test) when it cannot. */
static int parse_file(const char *name, const char *const *fallbacks)
{
	char path[256];
	FILE *f;
	char *data;
	long n;
	int i;

	for (i = 0; i < n_covered && strcmp(covered[i], name) != 0; i++)
		;
	if (i == n_covered && n_covered < 128)
		snprintf(covered[n_covered++], sizeof(covered[0]), "%s", name);
	snprintf(path, sizeof(path), CORPUS "%s", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
		CHECK(f != NULL);
		return 0;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	CHECK(fread(data, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	if (parse_bytes(data, (size_t)n, 0, fallbacks) != E_OK) {
		fprintf(stderr, "%s: %s\n", name, err.message);
		CHECK(0);
		return 0;
	}
	return 1;
}

static void check_from(const char *name, const char *email)
{
	if (name)
		CHECK_STR(msg.from.name, name);
	else
		CHECK(msg.from.name == NULL);
	CHECK_STR(msg.from.email, email);
}

/* ---- every charset: subject, sender and body in the language it serves ---- */

static const struct {
	const char *file, *charset, *from_name, *from_email, *subject, *text;
} charset_cases[] = {
	{"charset-big5.eml", "big5", "陳大文", "customer34@example.com", "訂單查詢",
	 "您好，\n\n我的訂單還沒有收到，請幫忙查詢。謝謝！"},
	{"charset-euc-jp.eml", "euc-jp", "Customer", "customer29@example.com", "配送の問い合わせ",
	 "配送状況を教えてください。よろしくお願いいたします。"},
	{"charset-euc-kr.eml", "euc-kr", "김철수", "customer30@example.com", "배송 문의",
	 "안녕하세요.\n\n주문한 상품이 아직 도착하지 않았습니다. 배송조회 부탁드립니다.\n\n김철수 "
	 "드림"},
	{"charset-gb18030.eml", "gb18030", "Customer", "customer33@example.com", "感谢您的帮助",
	 "非常感谢您的帮助 😀\n\n𠀀"},
	{"charset-gb2312.eml", "gb2312", "王小明", "customer31@example.com", "订单查询",
	 "您好：\n\n我的订单还没有到，请帮我查一下。谢谢！"},
	{"charset-gbk.eml", "gbk", "Customer", "customer32@example.com", "退款申請",
	 "您好，\n\n我們的訂單已經取消了，請盡快退款。朱镕基"},
	{"charset-iso-2022-jp.eml", "iso-2022-jp", "佐藤 花子", "customer27@example.com",
	 "注文について",
	 "山田様\n\n注文した商品がまだ届きません。確認をお願いします。\n\n佐藤 花子"},
	/* labelled ISO-2022-JP, sent as 8-bit Shift_JIS: what charset_used reports is what was read
	 */
	{"charset-iso-2022-jp-mislabelled.eml", "shift_jis", "Customer", "mislabel@example.jp",
	 "到着日について", "お世話になっております。\n商品の到着日を教えてください。"},
	{"charset-iso-8859-1.eml", "iso-8859-1", "François Lefèvre", "customer3@example.com",
	 "Commande reçue ?",
	 "Bonjour,\n\noù est mon colis ? Je l'ai commandé il y a déjà trois semaines.\n\n"
	 "Cordialement,\nFrançois"},
	{"charset-iso-8859-10.eml", "iso-8859-10", "Customer", "customer12@example.com",
	 "Pöntunin mín", "Góðan daginn,\n\nég hef ekki fengið pöntunina mína."},
	{"charset-iso-8859-11.eml", "iso-8859-11", "Customer", "customer13@example.com",
	 "คำสั่งซื้อของฉัน", "สวัสดีครับ\n\nสินค้ายังไม่มาถึง ขอบคุณครับ"},
	{"charset-iso-8859-13.eml", "iso-8859-13", "Customer", "customer14@example.com",
	 "Užsakymas neatvyko", "Laba diena,\n\nmano užsakymas dar neatvyko, prašau padėti."},
	{"charset-iso-8859-14.eml", "iso-8859-14", "Customer", "customer15@example.com",
	 "Ble mae fy archeb?", "Bore da,\n\nble mae fy archeb? Diolch yn fawr, Siôn a Ŵyn."},
	{"charset-iso-8859-15.eml", "iso-8859-15", "Customer", "customer16@example.com",
	 "Remboursement de 49,90 €",
	 "Bonjour,\n\nle remboursement de 49,90 € n'est pas arrivé. J'ai le cœur brisé."},
	{"charset-iso-8859-2.eml", "iso-8859-2", "Łukasz Żółć", "customer4@example.com",
	 "Zamówienie nie dotarło",
	 "Dzień dobry,\n\nmoje zamówienie nr 123 nie dotarło. Proszę o zwrot pieniędzy.\n\n"
	 "Z poważaniem,\nŁukasz Żółć"},
	{"charset-iso-8859-3.eml", "iso-8859-3", "Customer", "customer5@example.com",
	 "Ĉu vi ricevis mian mendon?",
	 "Saluton,\n\nĉu vi jam sendis mian pakaĵon? Ĝis nun mi ricevis nenion.\n\nĜis revido"},
	{"charset-iso-8859-4.eml", "iso-8859-4", "Customer", "customer6@example.com",
	 "Pasūtījums nav saņemts",
	 "Labdien,\n\nmans pasūtījums vēl nav saņemts. Lūdzu, pārbaudiet."},
	{"charset-iso-8859-5.eml", "iso-8859-5", "Customer", "customer7@example.com",
	 "Где мой заказ?",
	 "Здравствуйте!\n\nМой заказ до сих пор не пришёл. Помогите, пожалуйста."},
	{"charset-iso-8859-6.eml", "iso-8859-6", "Customer", "customer8@example.com", "أين طلبي؟",
	 "مرحبا،\n\nلم يصل طلبي بعد. أرجو المساعدة."},
	{"charset-iso-8859-7.eml", "iso-8859-7", "Γιώργος Παπαδόπουλος", "customer9@example.com",
	 "Η παραγγελία μου", "Καλησπέρα,\n\nη παραγγελία μου δεν έφτασε ακόμα. Ευχαριστώ."},
	{"charset-iso-8859-8.eml", "iso-8859-8", "Customer", "customer10@example.com",
	 "איפה ההזמנה שלי?", "שלום,\n\nההזמנה שלי עדיין לא הגיעה. תודה."},
	{"charset-iso-8859-9.eml", "iso-8859-9", "Şükrü Işık", "customer11@example.com",
	 "Siparişim gelmedi",
	 "Merhaba,\n\nsiparişim hâlâ gelmedi, lütfen yardım edin. İade istiyorum.\n\nŞükrü Işık"},
	{"charset-koi8-r.eml", "koi8-r", "Иван Петров", "customer26@example.com", "Заказ не пришёл",
	 "Добрый день!\n\nМой заказ не пришёл. Прошу вернуть деньги.\n\nС уважением,\nИван Петров"},
	{"charset-shift_jis.eml", "shift_jis", "鈴木 一郎", "customer28@example.com", "返品の依頼",
	 "商品が壊れていました。交換してください。\n注文番号：１２３４５"},
	{"charset-us-ascii.eml", "us-ascii", "Customer", "customer1@example.com",
	 "Where is my order?",
	 "Hello,\n\nmy order #4521 has not arrived yet. Could you check?\n\nThanks,\nJohn"},
	{"charset-utf-8.eml", "utf-8", "Jürgen Weiß", "customer2@example.com",
	 "Grüße aus München – Bestellung 4711",
	 "Hallo,\n\nmeine Bestellung ist noch nicht angekommen. Können Sie nachsehen?\n\n"
	 "Viele Grüße\nJürgen Weiß"},
	{"charset-windows-1250.eml", "windows-1250", "Jiří Dvořák", "customer17@example.com",
	 "Objednávka nedorazila",
	 "Dobrý den,\n\nobjednávka nedorazila, prosím o vrácení peněz.\n\nS pozdravem\nJiří "
	 "Dvořák"},
	{"charset-windows-1251.eml", "windows-1251", "Customer", "customer18@example.com",
	 "Къде е поръчката ми?", "Здравейте,\n\nпоръчката ми още не е пристигнала. Благодаря!"},
	{"charset-windows-1252.eml", "windows-1252", "Customer", "customer19@example.com",
	 "Bestellung für 49,99 € – „dringend“",
	 "Guten Tag,\n\ndie Bestellung für 49,99 € ist nicht angekommen – bitte „schnell“ prüfen."},
	{"charset-windows-1253.eml", "windows-1253", "Customer", "customer20@example.com",
	 "Άκυρη παραγγελία", "Γεια σας,\n\nΆλλαξα γνώμη, ακυρώστε την παραγγελία."},
	{"charset-windows-1254.eml", "windows-1254", "Gül Çağlar", "customer21@example.com",
	 "Kargom nerede?",
	 "Merhaba,\n\nÖdeme yaptım ama ürün gelmedi. “Acil” dönüş bekliyorum.\n\nGül Çağlar"},
	{"charset-windows-1255.eml", "windows-1255", "Customer", "customer22@example.com", "החזרה",
	 "שלום,\n\nאני רוצה להחזיר את המוצר."},
	{"charset-windows-1256.eml", "windows-1256", "Customer", "customer23@example.com",
	 "استرجاع المبلغ", "مرحبا،\n\nأريد استرجاع المبلغ من فضلك."},
	{"charset-windows-1257.eml", "windows-1257", "Customer", "customer24@example.com",
	 "Kur ir mans pasūtījums?", "Labdien,\n\nkur ir mans pasūtījums? Paldies."},
	{"charset-windows-1258.eml", "windows-1258", "Customer", "customer-vn@example.com",
	 "Đơn hàng chưa đến", "Xin chào,\n\nđơn hàng của tôi chưa đến. Cảm ơn."},
};

static void test_charsets(void)
{
	for (size_t i = 0; i < sizeof(charset_cases) / sizeof(charset_cases[0]); i++) {
		char id[128];

		if (!parse_file(charset_cases[i].file, NULL))
			continue;
		CHECK_STR(msg.subject, charset_cases[i].subject);
		check_from(charset_cases[i].from_name, charset_cases[i].from_email);
		CHECK_STR(msg.text, charset_cases[i].text);
		CHECK_STR(msg.visible_text, charset_cases[i].text);
		CHECK_STR(msg.charset_used, charset_cases[i].charset);
		snprintf(id, sizeof(id), "%.*s@mail.example.com",
			 (int)(strlen(charset_cases[i].file) - 4), charset_cases[i].file);
		CHECK_STR(msg.message_id, id);
		CHECK(msg.n_to == 1 && msg.n_attachments == 0 && msg.html == NULL);
		CHECK(!msg.auto_submitted && !msg.bounce);
		CHECK(msg.date_us > 0);
	}
}

/* ---- RFC 2047 encoded words ---- */

static void test_encoded_words_b_and_q(void)
{
	if (!parse_file("ew-b-and-q.eml", NULL))
		return;
	CHECK_STR(msg.subject, "¿Dónde está mi pedido?");
	check_from("José García", "jose.garcia@example.com");
	CHECK(msg.n_to == 2 && msg.n_cc == 1);
	if (msg.n_to == 2 && msg.n_cc == 1) {
		CHECK_STR(msg.to[0].name, "サポート");
		CHECK_STR(msg.to[0].email, "support@shop.example");
		CHECK_STR(msg.to[1].name, "Billing");
		CHECK_STR(msg.to[1].email, "billing@shop.example");
		CHECK_STR(msg.cc[0].name, "Renée");
		CHECK_STR(msg.cc[0].email, "renee@example.org");
	}
	CHECK(msg.date_us == INT64_C(1793628900) * 1000000);
	CHECK_STR(msg.text, "Hola, ¿dónde está mi pedido?");
	CHECK(msg.n_attachments == 0);
}

static void test_encoded_words_split(void)
{
	if (!parse_file("ew-split.eml", NULL))
		return;
	/* 注 is cut after its first byte between two B words, 木 between two Shift_JIS Q words */
	CHECK_STR(msg.subject, "注文番号 12345");
	check_from("鈴木 一郎", "split@example.com");
	CHECK_STR(msg.text, "Subject split across encoded words.");
	CHECK(msg.n_attachments == 0);
}

static void test_encoded_words_mixed(void)
{
	if (!parse_file("ew-mixed.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Re: Bestellung Nr. 42 für Sie und Order #1✔  ok");
	check_from("Müller, Hans", "hans@example.de");
	CHECK_STR(msg.text, "Plain text mixed with encoded words in the subject.");
	CHECK(msg.n_attachments == 0);
}

static void test_encoded_words_wrong_charset(void)
{
	if (!parse_file("ew-wrong-charset.eml", NULL))
		return;
	/* UTF-8 labelled iso-8859-1 and us-ascii, and a charset nobody knows */
	CHECK_STR(msg.subject, "Grüße日本café");
	check_from("Jürgen", "juergen@example.de");
	CHECK_STR(msg.text, "Encoded words whose charset label is wrong.");
	CHECK(msg.n_attachments == 0);
}

/* ---- RFC 2231 and other file names ---- */

static void test_rfc2231_filenames(void)
{
	static const struct {
		const char *filename, *type, *data;
	} want[] = {
		{"請求書.pdf", "application/pdf", "%PDF-1.4\n"}, /* UTF-8'' */
		{"請求書.pdf", "application/pdf",
		 "%PDF-1.5\n"},				 /* ISO-2022-JP in two continuations */
		{"領収書.txt", "text/plain", "receipt"}, /* RFC 2047 inside name="" */
		{"résumé.txt", "text/plain", "resume"},	 /* iso-8859-1'fr' */
		/* directories dropped */
		{"photo.jpg", "application/octet-stream", "\xFF\xD8\xFF\xE0\x00\x10"},
	};

	if (!parse_file("rfc2231-filenames.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Invoices attached");
	check_from("Customer", "files@example.com");
	CHECK_STR(msg.text, "Please find the files attached.");
	CHECK(msg.n_attachments == 5);
	for (int i = 0; i < 5 && i < msg.n_attachments; i++) {
		size_t n = i == 4 ? 6 : strlen(want[i].data);

		CHECK_STR(msg.attachments[i].filename, want[i].filename);
		CHECK_STR(msg.attachments[i].content_type, want[i].type);
		CHECK(msg.attachments[i].size == n &&
		      memcmp(msg.attachments[i].data, want[i].data, n) == 0);
		CHECK(!msg.attachments[i].is_inline && msg.attachments[i].content_id == NULL);
	}
}

/* ---- structure ---- */

static void test_nested_multipart(void)
{
	if (!parse_file("nested-multipart.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Broken lamp (photo inside)");
	check_from("Jane Shopper", "jane@example.com");
	/* the text/plain alternative, not the HTML one; "=20" made a blank line */
	CHECK_STR(msg.text, "The lamp arrived broken – see the photo.\n\nJane");
	CHECK(msg.html && strstr(msg.html, "<img src=\"cid:photo1@example.com\">"));
	CHECK_STR(msg.charset_used, "utf-8");
	CHECK(msg.n_attachments == 2);
	if (msg.n_attachments != 2)
		return;
	CHECK(msg.attachments[0].filename == NULL);
	CHECK_STR(msg.attachments[0].content_type, "image/png");
	CHECK_STR(msg.attachments[0].content_id, "photo1@example.com");
	CHECK(msg.attachments[0].is_inline);
	CHECK(msg.attachments[0].size == 70);
	CHECK_STR(msg.attachments[0].sha256,
		  "c414cd0e204de974f73753c7e28d7638e7b3691bb8b1a2bab6b25bb7fed7ce77");
	CHECK_STR(msg.attachments[1].filename, "receipt.pdf");
	CHECK_STR(msg.attachments[1].content_type, "application/pdf");
	CHECK(!msg.attachments[1].is_inline && msg.attachments[1].size == 19);
	CHECK_STR(msg.attachments[1].sha256,
		  "840a4b1dbee66ca1c2ec78e8c95ceab3d17b77b49e88cde8f9db420216b9382e");
}

static void test_message_rfc822(void)
{
	const struct mail_attachment *at;

	if (!parse_file("message-rfc822.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Fwd: your shipping confirmation");
	check_from("Jane", "jane@example.com");
	CHECK_STR(msg.text, "See the attached confirmation, it says delivered but nothing came.");
	CHECK(msg.n_attachments == 1);
	if (msg.n_attachments != 1)
		return;
	at = &msg.attachments[0];
	CHECK_STR(at->filename, "confirmation.eml");
	CHECK_STR(at->content_type, "message/rfc822");
	CHECK(memmem(at->data, at->size, "Message-ID: <ship-123@shop.example>", 35) != NULL);
	CHECK(memmem(at->data, at->size, "Your order 123 has shipped.", 27) != NULL);
	CHECK(!msg.bounce && msg.bounced_message_id == NULL && !msg.auto_submitted);
}

/* Apple Mail names its inline text parts: the first is the body, as Python's get_body() reads it */
static void test_inline_text_with_filename(void)
{
	if (!parse_file("inline-text-with-filename.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Colis abîmé");
	check_from("Claire Martin", "claire@example.fr");
	CHECK_STR(msg.text, "Bonjour,\n\nle colis est arrivé abîmé, voici la photo.");
	CHECK_STR(msg.charset_used, "utf-8");
	CHECK(msg.html == NULL);
	/* the body is not listed again; a named text part after it is a file */
	CHECK(msg.n_attachments == 2);
	if (msg.n_attachments != 2)
		return;
	CHECK_STR(msg.attachments[0].filename, "IMG_0042.jpg");
	CHECK_STR(msg.attachments[0].content_type, "image/jpeg");
	CHECK_STR(msg.attachments[0].content_id, "8E2F8C4B-0042@example.fr");
	/* inline, but no HTML shows it: a file the agent must see */
	CHECK(!msg.attachments[0].is_inline && msg.attachments[0].size == 22);
	CHECK_STR(msg.attachments[1].filename, "commande.txt");
	CHECK_STR(msg.attachments[1].content_type, "text/plain");
	CHECK(!msg.attachments[1].is_inline && msg.attachments[1].size == 22 &&
	      memcmp(msg.attachments[1].data, "Commande 7731, 2 x bol", 22) == 0);
}

/* Unnamed text parts around an inline file are one body, with one blank line between */
static void test_inline_text_split(void)
{
	if (!parse_file("inline-text-split.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Facture manquante");
	CHECK_STR(msg.text, "Hello, here is the invoice you sent me:\n\n"
			    "It shows the wrong address. Can you fix it?\n\nClaire");
	CHECK(msg.n_attachments == 1);
	if (msg.n_attachments != 1)
		return;
	CHECK_STR(msg.attachments[0].filename, "invoice-7731.pdf");
	CHECK_STR(msg.attachments[0].content_type, "application/pdf");
	CHECK(!msg.attachments[0].is_inline && msg.attachments[0].size == 18);
}

static void test_body_choice(void)
{
	/* one inline text part with a name is the body, not a file */
	CHECK(parse_string("Subject: x\nContent-Type: text/plain; name=notes.txt\n"
			   "Content-Disposition: inline; filename=notes.txt\n\nhello",
			   NULL) == E_OK);
	CHECK_STR(msg.text, "hello");
	CHECK(msg.n_attachments == 0);
	/* a name and no disposition: the body too */
	CHECK(parse_string("Subject: x\nContent-Type: text/plain; name=notes.txt\n\nhello", NULL) ==
	      E_OK);
	CHECK_STR(msg.text, "hello");
	CHECK(msg.n_attachments == 0);
	/* "attachment" is a file even when it is the only text */
	CHECK(parse_string("Subject: x\nContent-Type: text/plain\n"
			   "Content-Disposition: attachment\n\nhello",
			   NULL) == E_OK);
	CHECK_STR(msg.text, "");
	CHECK(msg.n_attachments == 1 && msg.attachments[0].filename == NULL);
	/* a named HTML part after the HTML body is a file, and a named text after the text */
	CHECK(parse_string("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
			   "--b\nContent-Type: text/html\n\n<p>one</p>\n"
			   "--b\nContent-Type: text/html; name=page.html\n\n<p>two</p>\n"
			   "--b\nContent-Type: text/plain; name=a.txt\n\nplain\n"
			   "--b\nContent-Type: text/plain; name=b.txt\n\nfile\n--b--\n",
			   NULL) == E_OK);
	CHECK_STR(msg.text, "plain");
	CHECK_STR(msg.html, "<p>one</p>");
	CHECK(msg.n_attachments == 2);
	if (msg.n_attachments == 2) {
		CHECK_STR(msg.attachments[0].filename, "page.html");
		CHECK_STR(msg.attachments[1].filename, "b.txt");
	}
}

/* Parts the HTML shows by cid: are inline; every other part is a file to list */
static void test_inline_cid_images(void)
{
	static const struct {
		const char *filename, *type, *cid;
		int is_inline;
		size_t size;
	} want[] = {
		{NULL, "image/png", "logo@mail.example.kr", 1, 73}, /* cid:logo%40mail... */
		{"photo.jpg", "image/jpeg", "photo.1@mail.example.kr", 1, 22}, /* CID: */
		{NULL, "image/gif", "unused@mail.example.kr", 0, 43}, /* inline, not shown */
		{"order.pdf", "application/pdf", NULL, 0, 16},
	};

	if (!parse_file("inline-cid-images.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Wrong colour");
	check_from("정하늘", "haneul@example.kr");
	CHECK(msg.n_cc == 1 && strcmp(msg.cc[0].email, "orders@shop.example") == 0);
	CHECK_STR(msg.text, "The mug came in red, I ordered blue. Photo below.\n\n[logo]");
	CHECK(msg.html && strstr(msg.html, "<img src=\"cid:logo%40mail.example.kr\""));
	CHECK(msg.n_attachments == 4);
	for (int i = 0; i < 4 && i < msg.n_attachments; i++) {
		const struct mail_attachment *at = &msg.attachments[i];

		if (want[i].filename)
			CHECK_STR(at->filename, want[i].filename);
		else
			CHECK(at->filename == NULL);
		CHECK_STR(at->content_type, want[i].type);
		if (want[i].cid)
			CHECK_STR(at->content_id, want[i].cid);
		else
			CHECK(at->content_id == NULL);
		CHECK(at->is_inline == want[i].is_inline && at->size == want[i].size);
	}
}

/* What counts as a cid: URL naming a part, on hostile HTML */
static void test_cid_references(void)
{
	static const struct {
		const char *html;
		int shown;
	} cases[] = {
		{"<img src=cid:a@b>", 1},
		{"<img src='CiD:a%40b'>", 1},
		{"url(cid:a@b)", 1},
		{"<img src=\"cid:a@b.extra\">", 0},
		{"<img src=\"cid:a@\">", 0},
		{"<img src=\"cid:%zz\">", 0}, /* a malformed escape stays as it is */
		{"<img src=\"a@b\">", 0},     /* not a cid: URL */
		{"cid:", 0},		      /* at the end, empty */
		{"<p>cid:a@b</p>", 0}, /* as the web app reads it, the URL runs to '>': "a@b</p" */
		{"<img src=\"cid:a%4", 0}, /* cut off */
	};
	char buf[4096], id[1201];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf),
			 "Subject: x\nContent-Type: multipart/related; boundary=b\n\n"
			 "--b\nContent-Type: text/html\n\n%s\n"
			 "--b\nContent-Type: image/png\nContent-ID: <a@b>\n\npng\n--b--\n",
			 cases[i].html);
		CHECK(parse_string(buf, NULL) == E_OK);
		CHECK(msg.n_attachments == 1);
		if (msg.n_attachments == 1 && msg.attachments[0].is_inline != cases[i].shown)
			fprintf(stderr, "cid case %zu: '%s'\n", i, cases[i].html);
		CHECK(msg.n_attachments == 1 && msg.attachments[0].is_inline == cases[i].shown);
	}
	/* a URL longer than any Content-ID line is not looked up */
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(buf, sizeof(buf),
		 "Subject: x\nContent-Type: multipart/related; boundary=b\n\n"
		 "--b\nContent-Type: text/html\n\n<img src=cid:%s>\n"
		 "--b\nContent-Type: image/png\nContent-ID: <%s>\n\npng\n--b--\n",
		 id, id);
	CHECK(parse_string(buf, NULL) == E_OK);
	CHECK(msg.n_attachments == 1 && !msg.attachments[0].is_inline);
	id[900] = '\0';
	snprintf(buf, sizeof(buf),
		 "Subject: x\nContent-Type: multipart/related; boundary=b\n\n"
		 "--b\nContent-Type: text/html\n\n<img src=cid:%s>\n"
		 "--b\nContent-Type: image/png\nContent-ID: <%s>\n\npng\n--b--\n",
		 id, id);
	CHECK(parse_string(buf, NULL) == E_OK);
	CHECK(msg.n_attachments == 1 && msg.attachments[0].is_inline);
	/* a Content-ID and no HTML: nothing shows it */
	CHECK(parse_string("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
			   "--b\nContent-Type: text/plain\n\nsee cid:a@b\n"
			   "--b\nContent-Type: image/png\nContent-ID: <a@b>\n\npng\n--b--\n",
			   NULL) == E_OK);
	CHECK(msg.n_attachments == 1 && !msg.attachments[0].is_inline);
}

/* An HTML of a million cid: URLs and parts sharing one Content-ID: each part marked, once */
static void test_cid_many(void)
{
	const char *head = "Subject: x\nContent-Type: multipart/related; boundary=b\n\n"
			   "--b\nContent-Type: text/html\n\n";
	const char *tail = "\n--b\nContent-Type: image/png\nContent-ID: <a@b>\n\none\n"
			   "--b\nContent-Type: image/png\nContent-ID: <a@b>\n\ntwo\n"
			   "--b\nContent-Type: image/png\nContent-ID: <c@d>\n\nthree\n--b--\n";
	size_t n = 1000000, hl = strlen(head), tl = strlen(tail), len = hl + 6 * n + 9 + tl;
	char *data = malloc(len + 1), *o = data;

	memcpy(o, head, hl), o += hl;
	for (size_t i = 0; i < n; i++)
		memcpy(o, "cid:x ", 6), o += 6;
	memcpy(o, "cid:a%40b", 9), o += 9;
	memcpy(o, tail, tl + 1);
	CHECK(parse_bytes(data, len, 0, NULL) == E_OK);
	CHECK(msg.n_attachments == 3);
	if (msg.n_attachments == 3)
		CHECK(msg.attachments[0].is_inline && msg.attachments[1].is_inline &&
		      !msg.attachments[2].is_inline);
}

/* A header block that runs into the body: the body starts at the first line that is no field */
static void test_no_blank_line(void)
{
	if (!parse_file("no-blank-line.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Where is my order?");
	check_from("Bob Lee", "bob@example.com");
	CHECK_STR(msg.message_id, "no-blank-line@mail.example.com");
	CHECK(msg.date_us == INT64_C(1796116320000000));
	CHECK_STR(msg.text, "Hello,\nmy order 5521 has not arrived yet.\n\nThanks, Bob");
	CHECK(msg.n_attachments == 0);

	/* LF, with a folded field before the body */
	CHECK(parse_string("From: a@example.com\nSubject: late\n order\nDear support, my order is "
			   "late.\nThanks",
			   NULL) == E_OK);
	CHECK_STR(msg.subject, "late order");
	CHECK_STR(msg.text, "Dear support, my order is late.\nThanks");
	/* the first line of the body may look like anything but a field */
	CHECK(parse_string("Subject: x\r\n-----\r\nhi", NULL) == E_OK);
	CHECK_STR(msg.text, "-----\nhi");
	CHECK(parse_string("Subject: x\n\xC3\xA9t\xC3\xA9: yes\n", NULL) == E_OK);
	CHECK_STR(msg.text, "été: yes");
	/* MIME fields before the body still count */
	CHECK(parse_string("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\nK\xF6ln\n",
			   NULL) == E_OK);
	CHECK_STR(msg.text, "Köln");
	/* a blank line where it belongs changes nothing */
	CHECK(parse_string("Subject: x\n\nBody: not a field\n", NULL) == E_OK);
	CHECK_STR(msg.text, "Body: not a field");
	CHECK(parse_string("Subject: x\r\n\r\nhi", NULL) == E_OK);
	CHECK_STR(msg.text, "hi");
}

static void test_html_only(void)
{
	if (!parse_file("html-only.eml", NULL))
		return;
	CHECK_STR(msg.subject, "HTML only");
	check_from("Newsletter Fan", "fan@example.com");
	CHECK_STR(msg.text, "Hello team,\n"
			    "\n"
			    "My order #4521 arrived damaged.\n"
			    "Details:\n"
			    "\n"
			    "- Item: Café mug & saucer\n"
			    "- Price: €12 <incl. VAT>\n"
			    "Qty 2\n"
			    "Total €24\n"
			    "Thanks!\n"
			    "Ann");
	CHECK(msg.html && strncmp(msg.html, "<!DOCTYPE html>\n<html><head><title>", 35) == 0);
	CHECK(msg.html && strstr(msg.html, "<script type=\"text/javascript\">"));
	CHECK_STR(msg.charset_used, "utf-8");
	CHECK(msg.n_attachments == 0);
}

static void test_html_meta_charset(void)
{
	if (!parse_file("html-only-meta-charset.eml", NULL))
		return;
	CHECK_STR(msg.subject, "注文のキャンセル");
	check_from("Customer", "meta@example.jp");
	/* no charset parameter: the <meta> says Shift_JIS; <blockquote> is quoted history */
	CHECK_STR(msg.text, "注文をキャンセルしたいです。\n> ご注文ありがとうございます。");
	CHECK_STR(msg.visible_text, "注文をキャンセルしたいです。");
	CHECK(msg.html && strstr(msg.html, "<div>注文をキャンセルしたいです。</div>"));
	CHECK_STR(msg.charset_used, "shift_jis");
	CHECK(msg.n_attachments == 0);
}

static void test_broken_base64(void)
{
	static const unsigned char bytes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

	if (!parse_file("broken-base64.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Broken base64");
	check_from("Customer", "b64@example.com");
	/* "!!" and "*" skipped, the rest decoded */
	CHECK_STR(msg.text, "Hello, my order is missing. Please help");
	CHECK(msg.n_attachments == 1);
	if (msg.n_attachments == 1) {
		CHECK_STR(msg.attachments[0].filename, "data.bin");
		CHECK(msg.attachments[0].size == 10 &&
		      memcmp(msg.attachments[0].data, bytes, 10) == 0);
	}
}

static void test_missing_content_type(void)
{
	if (!parse_file("no-content-type-utf8.eml", NULL))
		return;
	CHECK_STR(msg.subject, "No Content-Type");
	check_from("Customer", "nocte@example.com");
	CHECK_STR(msg.text, "Привет! Ça va? 日本語もOK.");
	CHECK_STR(msg.charset_used, "utf-8");
	CHECK(msg.n_attachments == 0);

	if (!parse_file("multipart-no-boundary.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Multipart without a boundary");
	check_from("Customer", "noboundary@example.com");
	CHECK_STR(msg.text, "The mailer said multipart but sent plain text.");
	CHECK(msg.n_attachments == 0);
}

static void test_lying_charset(void)
{
	if (!parse_file("lying-charset.eml", NULL))
		return;
	CHECK_STR(msg.subject, "Grüße aus Köln");
	check_from("Customer", "lying@example.com");
	CHECK_STR(msg.text, "Grüße aus Köln — danke für die schnelle Lieferung!");
	CHECK_STR(msg.charset_used, "utf-8");
	CHECK(msg.n_attachments == 0);
}

static void test_unlabelled_8bit(void)
{
	static const char *const sjis[] = {"shift_jis", NULL};

	if (parse_file("unlabelled-latin1.eml", NULL)) {
		CHECK_STR(msg.subject, "No charset");
		check_from("Customer", "latin1@example.com");
		CHECK_STR(msg.text, "Très déçu, la commande n’est jamais arrivée.");
		CHECK_STR(msg.charset_used, "windows-1252");
		CHECK(msg.n_attachments == 0);
	}
	/* labelled us-ascii, really Shift_JIS: only the mailbox's fallback can know */
	if (parse_file("unlabelled-sjis.eml", NULL)) {
		CHECK_STR(msg.subject, "unlabelled");
		check_from("Customer", "sjis@example.jp");
		CHECK_STR(msg.charset_used, "windows-1252");
		CHECK(strstr(msg.text, "至急") == NULL);
	}
	if (parse_file("unlabelled-sjis.eml", sjis)) {
		CHECK_STR(msg.text, "至急ご連絡ください。");
		CHECK_STR(msg.charset_used, "shift_jis");
		CHECK(msg.n_attachments == 0);
	}
}

/* ---- raw 8-bit header fields ---- */

static void test_8bit_headers(void)
{
	static const char *const fallbacks[] = {"euc-jp", "shift_jis", NULL};

	if (parse_file("header-8bit-utf8.eml", NULL)) {
		CHECK_STR(msg.subject, "Problème de livraison – colis abîmé");
		check_from("Élodie Dupré", "elodie@example.fr");
		CHECK_STR(msg.text, "Le colis est arrivé abîmé.");
		CHECK(msg.n_attachments == 0);
	}
	/* raw Shift_JIS in Subject and From, read with the body's charset */
	if (parse_file("header-8bit-sjis.eml", NULL)) {
		CHECK_STR(msg.subject, "至急：注文番号１２３");
		check_from("田中 太郎", "tanaka@example.jp");
		CHECK_STR(msg.text, "至急確認してください。");
		CHECK_STR(msg.charset_used, "shift_jis");
		CHECK(msg.n_attachments == 0);
	}
	/* raw Shift_JIS with an ASCII body: the fallbacks decide, in order */
	if (parse_file("header-8bit-sjis-fallback.eml", NULL))
		CHECK(strcmp(msg.subject, "返金について") != 0);
	if (parse_file("header-8bit-sjis-fallback.eml", fallbacks)) {
		CHECK_STR(msg.subject, "返金について");
		check_from("Tanaka", "tanaka2@example.jp");
		CHECK_STR(msg.text, "Refund please.");
		CHECK(msg.n_attachments == 0);
	}
	/* old Japanese mailers send ISO-2022-JP unencoded: 7-bit, but not ASCII */
	if (parse_file("header-raw-iso-2022-jp.eml", NULL)) {
		CHECK_STR(msg.subject, "在庫の確認");
		check_from("Sato", "sato@example.jp");
		CHECK_STR(msg.text, "在庫はありますか？");
		CHECK_STR(msg.charset_used, "iso-2022-jp");
		CHECK(msg.n_attachments == 0);
	}
}

/* ---- ids ---- */

static void test_ids(void)
{
	if (parse_file("no-message-id.eml", NULL)) {
		CHECK(msg.message_id == NULL && msg.in_reply_to == NULL && msg.n_references == 0);
		CHECK_STR(msg.subject, "No Message-ID here");
		check_from("Customer", "nomsgid@example.com");
		CHECK_STR(msg.text, "This message has no Message-ID header.");
		CHECK(msg.n_attachments == 0);
	}
	if (parse_file("mbox-from-line.eml", NULL)) {
		CHECK_STR(msg.message_id, "mbox@mail.example.com");
		CHECK_STR(msg.subject, "Delivered by a pipe with an mbox From line");
		check_from("Customer", "customer@example.com");
		CHECK_STR(msg.text, "Body after an mbox From line.");
		CHECK(msg.n_attachments == 0);
	}
}

/* ---- bounces and auto-replies ---- */

static void test_bounces(void)
{
	if (parse_file("bounce-postfix.eml", NULL)) {
		CHECK(msg.bounce && msg.auto_submitted);
		CHECK_STR(msg.bounced_message_id, "deskd.1042.7@shop.example");
		CHECK_STR(msg.subject, "Undelivered Mail Returned to Sender");
		check_from("Mail Delivery System", "mailer-daemon@mx.shop.example");
		CHECK_STR(msg.text,
			  "This is the mail system at host mx.shop.example.\n\n"
			  "I'm sorry to have to inform you that your message could not\n"
			  "be delivered to one or more recipients.\n\n"
			  "<nobody@example.net>: host mx.example.net said: 550 5.1.1 User unknown");
		CHECK(msg.date_us == INT64_C(1794045600) * 1000000);
		CHECK(msg.n_attachments == 2);
		if (msg.n_attachments == 2) {
			CHECK_STR(msg.attachments[0].content_type, "message/delivery-status");
			CHECK_STR(msg.attachments[1].content_type, "message/rfc822");
		}
	}
	/* text/rfc822-headers, with the Message-ID folded onto the next line */
	if (parse_file("bounce-headers-only.eml", NULL)) {
		CHECK(msg.bounce && msg.auto_submitted);
		CHECK_STR(msg.bounced_message_id, "deskd.77.2@shop.example");
		CHECK_STR(msg.subject, "Delivery Status Notification (Failure)");
		check_from(NULL, "postmaster@example.net");
		CHECK_STR(
			msg.text,
			"Delivery to the following recipient failed permanently: gone@example.net");
		CHECK(msg.n_attachments == 2);
	}
	/* no multipart/report: a MAILER-DAEMON sender quoting the original in its text */
	if (parse_file("bounce-plain.eml", NULL)) {
		CHECK(msg.bounce && msg.auto_submitted);
		CHECK_STR(msg.bounced_message_id, "deskd.555.1@shop.example");
		CHECK_STR(msg.subject, "failure notice");
		check_from("MAILER-DAEMON", "mailer-daemon@old.example.org");
		CHECK(strncmp(msg.text, "Hi. This is the qmail-send program at old.example.org.\n",
			      55) == 0);
		CHECK(msg.n_attachments == 0);
	}
}

static void test_auto_replies(void)
{
	static const struct {
		const char *file, *subject, *from_name, *from_email, *text;
		int auto_submitted;
	} cases[] = {
		{"auto-replied.eml", "Automatic reply: Your order", "Out Of Office",
		 "ooo@example.com", "I am out of the office until Monday.", 1},
		{"precedence-bulk.eml", "50% off everything", "Deals", "deals@marketing.example",
		 "Huge sale this weekend.", 1},
		{"x-autoreply.eml", "We received your request", "Ticket System",
		 "help@vendor.example", "Thank you, we received your request.", 1},
		{"auto-submitted-no.eml", "A person wrote this", "Customer", "human@example.com",
		 "Not an automatic message.", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!parse_file(cases[i].file, NULL))
			continue;
		CHECK(msg.auto_submitted == cases[i].auto_submitted);
		CHECK(!msg.bounce && msg.bounced_message_id == NULL);
		CHECK_STR(msg.subject, cases[i].subject);
		check_from(cases[i].from_name, cases[i].from_email);
		CHECK_STR(msg.text, cases[i].text);
		CHECK(msg.n_attachments == 0);
	}
	if (parse_file("auto-replied.eml", NULL))
		CHECK_STR(msg.in_reply_to, "deskd.9.1@shop.example");
}

/* ---- quoted history and signatures ---- */

static void test_replies(void)
{
	static const struct {
		const char *file, *subject, *from_name, *from_email, *visible;
	} cases[] = {
		{"reply-english.eml", "Re: [#1042] Where is my order?", "Jane Customer",
		 "jane@example.com", "Thanks, it arrived today!"},
		{"reply-outlook.eml", "RE: [#2001] Invoice", "Bob Buyer", "bob@example.com",
		 "Please send the invoice again, the PDF was empty.\n\nRegards,\nBob"},
		{"reply-outlook-underscore.eml", "RE: Return label", "Carol", "carol@example.com",
		 "Got it, thank you."},
		{"reply-japanese.eml", "Re: [#3003] 配送について", "山田 太郎", "yamada@example.jp",
		 "ご連絡ありがとうございます。\n明日の午前中に受け取ります。"},
		{"reply-korean.eml", "Re: 배송 문의", "김철수", "kim@example.kr",
		 "감사합니다. 잘 받았습니다."},
		{"reply-turkish.eml", "Ynt: Sipariş durumu", "Ali Yılmaz", "ali@example.com.tr",
		 "Teşekkürler, kargo bugün geldi."},
		{"reply-bottom-posted.eml", "Re: Two questions", "Dave", "dave@example.com",
		 "Size M, please.\n\nBlue."},
		{"signature.eml", "Size exchange", "Erin", "erin@example.com",
		 "Can I exchange the shoes for size 42?"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!parse_file(cases[i].file, NULL))
			continue;
		CHECK_STR(msg.subject, cases[i].subject);
		check_from(cases[i].from_name, cases[i].from_email);
		CHECK_STR(msg.visible_text, cases[i].visible);
		CHECK(strncmp(msg.text, cases[i].visible, strlen(cases[i].visible)) == 0 ||
		      strcmp(cases[i].file, "reply-bottom-posted.eml") == 0);
		CHECK(strlen(msg.text) > strlen(msg.visible_text));
		CHECK(msg.n_attachments == 0 && !msg.auto_submitted);
	}
}

static void test_reply_text_kept(void)
{
	if (parse_file("reply-english.eml", NULL)) {
		CHECK_STR(msg.text,
			  "Thanks, it arrived today!\n\n"
			  "On Sun, Nov 1, 2026 at 10:00 AM Support Team <\n"
			  "support@shop.example> wrote:\n\n"
			  "> Hello Jane,\n>\n> your order has shipped.\n>\n> > Where is my order?");
		CHECK_STR(msg.in_reply_to, "deskd.1042.3@shop.example");
		CHECK(msg.n_references == 2);
		if (msg.n_references == 2) {
			CHECK_STR(msg.references[0], "CAJ-first@mail.gmail.com");
			CHECK_STR(msg.references[1], "deskd.1042.3@shop.example");
		}
		CHECK(mail_subject_ticket_number(msg.subject) == 1042);
	}
	if (parse_file("reply-japanese.eml", NULL))
		CHECK_STR(msg.text, "ご連絡ありがとうございます。\n明日の午前中に受け取ります。\n\n"
				    "2026年11月1日 10:00 山田 <a@b> のメッセージ:\n> 山田様\n> "
				    "商品を発送しました。");
	if (parse_file("reply-korean.eml", NULL))
		CHECK_STR(msg.text, "감사합니다. 잘 받았습니다.\n\n"
				    "2026년 11월 1일 (일) 오전 10:00, 고객지원 "
				    "<support@shop.example>님이 작성:\n"
				    "> 안녕하세요, 김철수 고객님.\n> 상품이 발송되었습니다.");
	if (parse_file("reply-turkish.eml", NULL))
		CHECK_STR(msg.text, "Teşekkürler, kargo bugün geldi.\n\n"
				    "1 Kas 2026 Paz, 10:00 tarihinde Destek Ekibi "
				    "<support@shop.example> şunu yazdı:\n"
				    "> Merhaba Ali Bey,\n> siparişiniz kargoya verildi.");
	if (parse_file("reply-outlook.eml", NULL)) /* CRLF line ends */
		CHECK_STR(
			msg.text,
			"Please send the invoice again, the PDF was empty.\n\nRegards,\nBob\n\n"
			"-----Original Message-----\nFrom: Support <support@shop.example>\n"
			"Sent: Sunday, November 1, 2026 9:00 AM\nTo: Bob Buyer <bob@example.com>\n"
			"Subject: [#2001] Invoice\n\nHere is your invoice.");
	if (parse_file("reply-outlook-underscore.eml", NULL))
		CHECK(strstr(msg.text, "________________________________\nFrom: Support") != NULL);
	if (parse_file("reply-bottom-posted.eml", NULL))
		CHECK_STR(msg.text,
			  "On 01/11/2026 09:00, Support wrote:\n> Which size do you need?\n\n"
			  "Size M, please.\n\n> And which colour?\n\nBlue.");
	if (parse_file("signature.eml", NULL))
		CHECK_STR(msg.text, "Can I exchange the shoes for size 42?\n\n-- \nErin Example\n"
				    "Example GmbH | +49 30 1234567");
}

static void test_format_flowed(void)
{
	if (parse_file("format-flowed.eml", NULL)) {
		CHECK_STR(msg.subject, "Flowed text");
		check_from("Frank", "frank@example.com");
		CHECK_STR(msg.text,
			  "This is a long paragraph that the mail client wrapped at seventy-two "
			  "characters with soft line breaks.\n"
			  "From here on the line was space-stuffed.\n\n"
			  ">> Quoted text that was also wrapped by the client.\n\n-- \nFrank");
		CHECK_STR(msg.visible_text,
			  "This is a long paragraph that the mail client wrapped at seventy-two "
			  "characters with soft line breaks.\n"
			  "From here on the line was space-stuffed.");
		CHECK(msg.n_attachments == 0);
	}
	/* delsp=yes: the space before a soft break is not text (Japanese has none between words) */
	if (parse_file("format-flowed-delsp.eml", NULL)) {
		CHECK_STR(msg.subject, "Flowed text with delsp");
		check_from("Grace", "grace@example.jp");
		CHECK_STR(msg.text,
			  "日本語の長い段落は空白なしで折り返されます。\nTwo words: joined.");
		CHECK(msg.n_attachments == 0);
	}
}

/* ---- sizes: built at run time, too big to keep in the repository ---- */

static void test_large_attachment(void)
{
	size_t size = (size_t)20 << 20, cap = size / 3 * 4 + size / 57 * 2 + 4096, n;
	unsigned char *bytes = malloc(size), hash[crypto_hash_sha256_BYTES];
	char *data = malloc(cap), *b64 = malloc(size / 3 * 4 + 8), want[65];
	const char *head =
		"From: Big <big@example.com>\r\nTo: support@shop.example\r\n"
		"Subject: 20 MB video\r\nMessage-ID: <big@example.com>\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\n"
		"Content-Type: text/plain\r\n\r\nThe unboxing video.\r\n--big\r\n"
		"Content-Type: video/mp4; name=\"unboxing.mp4\"\r\nContent-Transfer-Encoding: "
		"base64\r\n\r\n";

	for (size_t i = 0; i < size; i++)
		bytes[i] = (unsigned char)(i * 7 + i / 251);
	crypto_hash_sha256(hash, bytes, size);
	sodium_bin2hex(want, sizeof(want), hash, sizeof(hash));
	sodium_bin2base64(b64, size / 3 * 4 + 8, bytes, size, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(head);
	memcpy(data, head, n);
	for (size_t i = 0, len = strlen(b64); i < len;
	     i += 76) { /* 76-character lines, as mailers write */
		size_t k = len - i < 76 ? len - i : 76;

		memcpy(data + n, b64 + i, k);
		memcpy(data + n + k, "\r\n", 2);
		n += k + 2;
	}
	memcpy(data + n, "--big--\r\n", 9);
	n += 9;
	free(b64);
	free(bytes);
	CHECK(n > MAIL_MAX_SIZE_DEFAULT); /* base64 makes 20 MB 27 MB: over the default limit */
	CHECK(mail_parse(data, n, 0, NULL, &msg, &arena, &err) == E_TOO_LARGE);
	CHECK(parse_bytes(data, n, (size_t)32 << 20, NULL) == E_OK);
	CHECK_STR(msg.subject, "20 MB video");
	check_from("Big", "big@example.com");
	CHECK_STR(msg.text, "The unboxing video.");
	CHECK(msg.n_attachments == 1);
	if (msg.n_attachments == 1) {
		CHECK_STR(msg.attachments[0].filename, "unboxing.mp4");
		CHECK_STR(msg.attachments[0].content_type, "video/mp4");
		CHECK(msg.attachments[0].size == size);
		CHECK_STR(msg.attachments[0].sha256, want);
	}
}

static void test_long_body(void)
{
	size_t cap = 128 + 50000 * 24, n, lines = 0;
	char *data = malloc(cap), *last;

	n = (size_t)snprintf(data, cap,
			     "From: Long <long@example.com>\nSubject: Long\n"
			     "Content-Type: text/plain; charset=utf-8\n\n");
	for (int i = 1; i <= 50000; i++)
		n += (size_t)snprintf(data + n, cap - n, "Zeile %d: Größe\n", i);
	if (parse_bytes(data, n, 0, NULL) != E_OK) {
		CHECK(0);
		return;
	}
	for (const char *p = msg.text; *p; p++)
		lines += *p == '\n';
	CHECK(lines == 49999); /* the last line ends the text */
	CHECK(strncmp(msg.text, "Zeile 1: Größe\nZeile 2: Größe\n", 32) == 0);
	last = strrchr(msg.text, '\n');
	CHECK(last && strcmp(last, "\nZeile 50000: Größe") == 0);
	CHECK_STR(msg.visible_text, msg.text);
	CHECK_STR(msg.subject, "Long");
	check_from("Long", "long@example.com");
	CHECK(msg.n_attachments == 0);
}

static void test_too_large(void)
{
	size_t big = MAIL_MAX_SIZE_DEFAULT + 1;
	char *junk = calloc(1, big);

	/* refused before anything is read: the bytes are not even a message */
	CHECK(mail_parse(junk, big, 0, NULL, &msg, &arena, &err) == E_TOO_LARGE);
	CHECK(err.code == E_TOO_LARGE && strstr(err.message, "limit"));
	CHECK(mail_parse(junk, 101, 100, NULL, &msg, &arena, &err) == E_TOO_LARGE);
	free(junk);
	CHECK(parse_string("From: a@example.com\n\nshort", NULL) == E_OK);
	CHECK(mail_parse("From: a@example.com\n\nshort", 26, 26, NULL, &msg, &arena, &err) == E_OK);
	CHECK(mail_parse("From: a@example.com\n\nshort", 26, 25, NULL, &msg, &arena, &err) ==
	      E_TOO_LARGE);
}

static void test_not_a_message(void)
{
	static const char *const inputs[] = {
		"",
		"hello world\n",
		"Dear support, my order is late.\n\nThanks",
		"\n\nFrom: a@example.com\n",
		"{\"subject\": \"json\"}",
		"X-Custom: only headers nobody knows\n\nbody\n",
		"From a@example.com Fri Nov  6 07:00:00 2026\n",
		": no name\n",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK(parse_string(inputs[i], NULL) == E_INVALID);
		CHECK(err.code == E_INVALID && strstr(err.message, "no header block"));
	}
	CHECK(mail_parse(NULL, 0, 0, NULL, &msg, &arena, &err) == E_INVALID);
	CHECK(parse_mem("\x00\x01\xFF\n", 4) == E_INVALID);
	/* the smallest message: a header field and nothing else */
	CHECK(parse_string("Subject: hi", NULL) == E_OK);
	CHECK_STR(msg.subject, "hi");
	CHECK_STR(msg.text, "");
	CHECK(msg.from.email == NULL && msg.message_id == NULL && msg.charset_used != NULL);
}

/* ---- bytes nothing should let through ---- */

static void test_repairs(void)
{
	/* UTF-8 with one stray byte: the byte becomes U+FFFD, the rest stays */
	CHECK(parse_string("Subject: x\nContent-Type: text/plain; charset=utf-8\n\n"
			   "Grüße, schöne Grüße \xFF aus Köln",
			   NULL) == E_OK);
	CHECK_STR(msg.text, "Grüße, schöne Grüße \xEF\xBF\xBD aus Köln");
	/* "utf-8" that is Latin-1 through and through */
	CHECK(parse_string(
		      "Subject: x\nContent-Type: text/plain; charset=utf-8\n\nK\xF6ln \xE9t\xE9",
		      NULL) == E_OK);
	CHECK_STR(msg.text, "Köln été");
	CHECK_STR(msg.charset_used, "windows-1252");
	/* NUL and other control bytes go; tabs and line breaks stay */
	CHECK(parse_mem("Subject: a\x01"
			"b\tc\nContent-Type: text/plain\n\nx\0y\x07z\r\n\tw",
			50) == E_OK);
	CHECK_STR(msg.subject, "ab c");
	CHECK_STR(msg.text, "xyz\n\tw");
	/* a Shift_JIS multi-byte character cut off at the end */
	CHECK(parse_string(
		      "Subject: x\nContent-Type: text/plain; charset=shift_jis\n\n\x93\xfa\x96",
		      NULL) == E_OK);
	CHECK_STR(msg.text, "日\xEF\xBF\xBD");
	/* UTF-16 is not ASCII even when it looks like it */
	CHECK(parse_mem("Subject: x\nContent-Type: text/plain; charset=utf-16le\n\nh\0i\0", 59) ==
	      E_OK);
	CHECK_STR(msg.charset_used, "utf-16le");
	CHECK_STR(msg.text, "hi");
	/* an encoded word with an unterminated Q escape and B text with junk */
	CHECK(parse_string("Subject: =?utf-8?q?a=?= =?utf-8?b?w6k*?= =?utf-8?q?=4?= end\n\nx",
			   NULL) == E_OK);
	CHECK_STR(msg.subject, "a=é=4 end");
	/* Message-IDs without angle brackets, and a malformed Date */
	CHECK(parse_string("Message-ID: bare@id.example\nIn-Reply-To: <p@x> (John's "
			   "message)\nDate: yesterday\n\n",
			   NULL) == E_OK);
	CHECK_STR(msg.message_id, "bare@id.example");
	CHECK_STR(msg.in_reply_to, "p@x");
	CHECK(msg.date_us == 0);
	/* groups are flattened, addresses lower-cased, duplicate To fields joined */
	CHECK(parse_string("From: Ops <OPS@Example.COM>\nTo: Team: a@x.example, \"B, Jr.\" "
			   "<B@X.example>;\n"
			   "To: c@x.example\nCc: undisclosed-recipients:;\nReply-To: Help "
			   "<help@x.example>\n\n",
			   NULL) == E_OK);
	CHECK(msg.n_to == 3 && msg.n_cc == 0);
	if (msg.n_to == 3) {
		CHECK_STR(msg.to[1].name, "B, Jr.");
		CHECK_STR(msg.to[1].email, "b@x.example");
		CHECK_STR(msg.to[2].email, "c@x.example");
	}
	check_from("Ops", "ops@example.com");
	CHECK_STR(msg.reply_to.name, "Help");
	CHECK_STR(msg.reply_to.email, "help@x.example");
}

static void test_auto_submitted_headers(void)
{
	static const struct {
		const char *headers;
		int auto_submitted;
	} cases[] = {
		{"Auto-Submitted: auto-generated", 1},
		{"Auto-Submitted: No", 0},
		{"Precedence: junk", 1},
		{"Precedence: list", 1},
		{"Precedence: first-class", 0},
		{"List-Id: <news.shop.example>", 0},
		{"List-Id: <news.shop.example>\nPrecedence: first-class", 1},
		{"X-Autorespond: Vacation", 1},
		{"X-Auto-Response-Suppress: DR, OOF, AutoReply", 1},
		{"X-Auto-Response-Suppress: DR", 0},
		{"Content-Type: multipart/report; report-type=disposition-notification; boundary=z",
		 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char m[256];

		snprintf(m, sizeof(m), "From: someone@example.com\n%s\n\n--z\n\nbody\n--z--\n",
			 cases[i].headers);
		CHECK(parse_string(m, NULL) == E_OK);
		if (msg.auto_submitted != cases[i].auto_submitted)
			fprintf(stderr, "auto_submitted wrong for: %s\n", cases[i].headers);
		CHECK(msg.auto_submitted == cases[i].auto_submitted);
		CHECK(!msg.bounce);
	}
}

/* ---- the pure helpers ---- */

static void test_ticket_number(void)
{
	CHECK(mail_subject_ticket_number("Re: [#1042] Where is my order?") == 1042);
	CHECK(mail_subject_ticket_number("[#7]") == 7);
	CHECK(mail_subject_ticket_number("Fwd: [#abc] [#77] and [#88]") == 77);
	CHECK(mail_subject_ticket_number("[#123456789012345678]") == INT64_C(123456789012345678));
	CHECK(mail_subject_ticket_number("[#1234567890123456789]") == 0);
	/* found by fuzz_mail: nineteen nines overflowed on the way to being refused */
	CHECK(mail_subject_ticket_number("[#9999999999999999999]") == 0);
	CHECK(mail_subject_ticket_number("[#99999999999999999999999] [#5]") == 5);
	CHECK(mail_subject_ticket_number("no tag #1042 [1042] [# 1042] [#1042") == 0);
	CHECK(mail_subject_ticket_number("[#0] [#]") == 0);
	CHECK(mail_subject_ticket_number("") == 0);
	CHECK(mail_subject_ticket_number(NULL) == 0);
}

static void test_html_to_text(void)
{
	static const struct {
		const char *html, *text;
	} cases[] = {
		{"<p>a</p><p>b</p>", "a\n\nb"},
		{"a<br>b<br/><br />c", "a\nb\n\nc"},
		{"<div>one</div><div><br></div><div>two</div>", "one\n\ntwo"},
		{"<pre>  x  y\n  z</pre>after", "  x  y\n  z\nafter"},
		{"<blockquote>q1<blockquote>q2</blockquote></blockquote>me", "> q1\n> > q2\nme"},
		{"<ol><li>first<li>second</ol>", "- first\n- second"},
		{"&#0;&#xD800;&#150;&#x1F600;&bogus;&amp", "\xEF\xBF\xBD\xEF\xBF\xBD–😀&bogus;&amp"},
		{"a < b && c > d", "a < b && c > d"},
		{"<script>never</script>shown<style>p{}</style>", "shown"},
		{"<script>cut off", ""},
		{"x<!-- cut off", "x"},
		{"<a href=\"x>y\">link</a> <img alt=\"pic\">", "link"},
		{"<title>T</title><body>text</body>", "text"},
		{"<head><meta charset=utf-8>head text</head>body", "body"},
		{"   lots   of\n\n\t space   ", "lots of space"},
		{"<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>",
		 "a b\n1 2"},
		{"<b", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_STR(mail_html_to_text(cases[i].html, strlen(cases[i].html), &arena),
			  cases[i].text);
	}
}

static void test_visible_text(void)
{
	static const struct {
		const char *text, *visible;
	} cases[] = {
		{"Yes.\n\nOn Mon, 2 Nov 2026, Shop wrote:\n> Really?", "Yes."},
		/* an attribution without a quote below it: everything below is history */
		{"Yes.\n\nOn Mon, 2 Nov 2026 Shop <s@shop.example> wrote:\n\nHello", "Yes."},
		{"Danke!\n\nAm 01.11.2026 um 10:00 schrieb Shop <s@shop.example>:\n> Hallo",
		 "Danke!"},
		{"Merci\n\nLe 1 nov. 2026 à 10:00, Shop <s@shop.example> a écrit :\n> Bonjour",
		 "Merci"},
		{"好的\n\n2026年11月1日(日) 10:00 Shop <s@shop.example>:\n> 你好", "好的"},
		{"了解\n\n-----元のメッセージ-----\n差出人: Shop", "了解"},
		{"확인\n\n-----원본 메시지-----\n보낸 사람: Shop", "확인"},
		{"Tamam\n\n-----Özgün İleti-----\nKimden: Shop", "Tamam"},
		{"ok\n\n差出人: Shop <s@shop.example>\n送信日時: 2026年11月1日 10:00\n件名: 注文",
		 "ok"},
		/* a forward is what the sender wants read */
		{"FYI\n\n---------- Forwarded message ---------\nFrom: Shop <s@shop.example>\n"
		 "Date: Sun, Nov 1\n\nOrder",
		 "FYI\n\n---------- Forwarded message ---------\nFrom: Shop <s@shop.example>\n"
		 "Date: Sun, Nov 1\n\nOrder"},
		/* only history: nothing would be left, so everything is shown */
		{"> quoted only\n> more", "> quoted only\n> more"},
		{"-- \nJust a signature", "-- \nJust a signature"},
		/* words that only look like an attribution */
		{"I wrote:\nmy name on the box.", "I wrote:\nmy name on the box."},
		{"a\n\n\n\nb   \n", "a\n\nb"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(mail_visible_text(cases[i].text, &arena), cases[i].visible);
}

/* HTML-only replies: Gmail's blockquote and Outlook's header block are history too. */
static void test_html_replies(void)
{
	CHECK(parse_string(
		      "From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n"
		      "<div dir=\"ltr\">Thanks!<div>See you.</div></div><br><div "
		      "class=\"gmail_quote\">"
		      "<div dir=\"ltr\" class=\"gmail_attr\">On Sun, Nov 1, 2026 at 10:00 AM Shop "
		      "&lt;"
		      "<a href=\"mailto:s@shop.example\">s@shop.example</a>&gt; wrote:<br></div>"
		      "<blockquote class=\"gmail_quote\"><div dir=\"ltr\">Hello<br>"
		      "Your order shipped.</div></blockquote></div>",
		      NULL) == E_OK);
	CHECK_STR(msg.text, "Thanks!\nSee you.\n\n"
			    "On Sun, Nov 1, 2026 at 10:00 AM Shop <s@shop.example> wrote:\n"
			    "> Hello\n> Your order shipped.");
	CHECK_STR(msg.visible_text, "Thanks!\nSee you.");
	CHECK(parse_string("From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n"
			   "<html><body><p class=MsoNormal>Fine, thanks.<o:p></o:p></p><p "
			   "class=MsoNormal>"
			   "<o:p>&nbsp;</o:p></p><div style=\"border:none\"><p class=MsoNormal>"
			   "<b>From:</b> Shop &lt;s@shop.example&gt;<br>"
			   "<b>Sent:</b> Sunday, November 1, 2026 10:00 AM<br>"
			   "<b>To:</b> Bob<br><b>Subject:</b> Order</p></div><p>Hello "
			   "Bob</p></body></html>",
			   NULL) == E_OK);
	CHECK_STR(msg.visible_text, "Fine, thanks.");
	CHECK(strstr(msg.text, "\nSent: Sunday, November 1, 2026 10:00 AM\nTo: Bob\n") != NULL);
}

/* ---- threads ---- */

static void *parse_many(void *arg)
{
	static const char m[] = "From: =?UTF-8?B?6rmA7LKg7IiY?= <kim@example.kr>\nSubject: "
				"=?euc-kr?B?uei82yC5rsDH?=\n"
				"Content-Type: text/plain; charset=euc-kr\n\n\xbe\xc8\xb3\xe7\n";
	int *ok = arg;

	*ok = 1;
	for (int i = 0; i < 50; i++) {
		struct arena a;
		struct mail_message out;

		arena_init(&a);
		if (mail_parse(m, sizeof(m) - 1, 0, NULL, &out, &a, NULL) != E_OK ||
		    strcmp(out.subject, "배송 문의") != 0 || strcmp(out.text, "안녕") != 0 ||
		    strcmp(out.from.name, "김철수") != 0)
			*ok = 0;
		arena_release(&a);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int ok[4];

	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, parse_many, &ok[i]) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(ok[i]);
	}
}

/* Every file in the corpus has expectations above. */
static void test_corpus_covered(void)
{
	DIR *d = opendir(CORPUS);
	struct dirent *e;
	int files = 0;

	CHECK(d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		int found = 0;

		if (n < 4 || strcmp(e->d_name + n - 4, ".eml") != 0)
			continue;
		files++;
		for (int i = 0; i < n_covered && !found; i++)
			found = strcmp(covered[i], e->d_name) == 0;
		if (!found)
			fprintf(stderr, "%s has no expectations in test_mail_parse.c\n", e->d_name);
		CHECK(found);
	}
	if (d)
		closedir(d);
	CHECK(files >= 70);
	arena_release(&arena);
}

UNIT_MAIN(UNIT_TEST(test_charsets), UNIT_TEST(test_encoded_words_b_and_q),
	  UNIT_TEST(test_encoded_words_split), UNIT_TEST(test_encoded_words_mixed),
	  UNIT_TEST(test_encoded_words_wrong_charset), UNIT_TEST(test_rfc2231_filenames),
	  UNIT_TEST(test_nested_multipart), UNIT_TEST(test_message_rfc822),
	  UNIT_TEST(test_inline_text_with_filename), UNIT_TEST(test_inline_text_split),
	  UNIT_TEST(test_body_choice), UNIT_TEST(test_inline_cid_images),
	  UNIT_TEST(test_cid_references), UNIT_TEST(test_cid_many), UNIT_TEST(test_no_blank_line),
	  UNIT_TEST(test_html_only), UNIT_TEST(test_html_meta_charset),
	  UNIT_TEST(test_broken_base64), UNIT_TEST(test_missing_content_type),
	  UNIT_TEST(test_lying_charset), UNIT_TEST(test_unlabelled_8bit),
	  UNIT_TEST(test_8bit_headers), UNIT_TEST(test_ids), UNIT_TEST(test_bounces),
	  UNIT_TEST(test_auto_replies), UNIT_TEST(test_replies), UNIT_TEST(test_reply_text_kept),
	  UNIT_TEST(test_format_flowed), UNIT_TEST(test_large_attachment),
	  UNIT_TEST(test_long_body), UNIT_TEST(test_too_large), UNIT_TEST(test_not_a_message),
	  UNIT_TEST(test_repairs), UNIT_TEST(test_auto_submitted_headers),
	  UNIT_TEST(test_ticket_number), UNIT_TEST(test_html_to_text), UNIT_TEST(test_visible_text),
	  UNIT_TEST(test_html_replies), UNIT_TEST(test_threads), UNIT_TEST(test_corpus_covered))
