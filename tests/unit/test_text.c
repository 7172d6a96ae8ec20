#include "core/text.h"
#include "unit.h"

#include <stdlib.h>

/* The tokens of s, or "(oom)"; kept until the next call. */
static const char *tokens(const char *s)
{
	static char *out;
	size_t len = 0, cap = 0;

	free(out);
	out = NULL;
	if (text_tokens(s, strlen(s), &out, &len, &cap) < 0)
		return "(oom)";
	return out;
}

static int count(const char *s)
{
	char *out = NULL;
	size_t len = 0, cap = 0;
	int n = text_tokens(s, strlen(s), &out, &len, &cap);

	free(out);
	return n;
}

/* The snippet of s for query, or "(null)"; kept until the next call. */
static const char *snippet(const char *s, const char *query, size_t width)
{
	static char *out;

	free(out);
	out = text_snippet(s, strlen(s), query, width);
	return out ? out : "(null)";
}

static void test_english(void)
{
	CHECK_STR(tokens("Hello, World! Order #4521 shipped."),
		  "hello world order 4521 shipped");
	CHECK_STR(tokens("don't e-mail me"), "don t e mail me");
	CHECK_STR(tokens("  \t\r\n  leading and trailing  "), "leading and trailing");
	CHECK(count("one two  three") == 3);
}

static void test_turkish(void)
{
	CHECK_STR(tokens("İSTANBUL istanbul Istanbul ıstanbul"),
		  "istanbul istanbul istanbul istanbul");
	CHECK_STR(tokens("KIRMIZI kırmızı kirmizi Kırmızı"),
		  "kirmizi kirmizi kirmizi kirmizi");
	CHECK_STR(tokens("ĞÜŞÖÇ ğüşöç"), "gusoc gusoc");
	CHECK_STR(tokens("İstanbul'da"), "istanbul da");
	CHECK_STR(tokens("İstanbul’da"), "istanbul da");
	/* lowercasing İ in a Turkish-unaware way gives i and a combining dot */
	CHECK_STR(tokens("i\xCC\x87stanbul"), "istanbul");
}

static void test_latin(void)
{
	CHECK_STR(tokens("Straße STRASSE straẞe"), "strasse strasse strasse");
	CHECK_STR(tokens("Ærøskøbing Œuvre señor Åsa café naïve"),
		  "aeroskobing oeuvre senor asa cafe naive");
	CHECK_STR(tokens("cafe\xCC\x81"), "cafe"); /* decomposed é */
	CHECK_STR(tokens("Łódź Dvořák Şanlıurfa Tiếng Việt"),
		  "lodz dvorak sanliurfa tieng viet");
	CHECK_STR(tokens("ﬁnance"), "finance");
	CHECK_STR(tokens("co\xC2\xADoperate"), "cooperate"); /* soft hyphen */
}

static void test_greek_cyrillic(void)
{
	CHECK_STR(tokens("ΟΔΟΣ οδός Αθήνα"), "οδοσ οδοσ αθηνα");
	CHECK_STR(tokens("МОСКВА Москва ЁЛКА ёлка"), "москва москва елка елка");
	CHECK_STR(tokens("ЇЖАК Ґ"), "їжак ґ");
}

static void test_korean(void)
{
	CHECK_STR(tokens("배송조회"), "배송 송조 조회");
	CHECK_STR(tokens("배송지"), "배송 송지");
	CHECK_STR(tokens("배송 조회 요"), "배송 조회 요");
	CHECK_STR(tokens("배송은 언제 되나요?"), "배송 송은 언제 되나 나요");
	CHECK_STR(tokens("ㅋㅋㅋ"), "ㅋㅋ ㅋㅋ");
	CHECK(count("배송조회") == 3);
}

static void test_japanese(void)
{
	CHECK_STR(tokens("東京で買った"), "東京 京で で買 買っ った");
	CHECK_STR(tokens("iPhone15の配送"), "iphone15 の配 配送");
	CHECK_STR(tokens("コーヒー、人々。"), "コー ーヒ ヒー 人々");
	CHECK_STR(tokens("ジョン・スミス"), "ジョ ョン スミ ミス");
	CHECK_STR(tokens("ｶﾀｶﾅ"), "ｶﾀ ﾀｶ ｶﾅ");
}

static void test_chinese(void)
{
	CHECK_STR(tokens("我爱北京天安门"), "我爱 爱北 北京 京天 天安 安门");
	CHECK_STR(tokens("中文，测试。好"), "中文 测试 好");
	CHECK_STR(tokens("订单123号"), "订单 123 号");
}

static void test_fullwidth(void)
{
	CHECK_STR(tokens("ＡＢＣ１２３"), "abc123");
	CHECK_STR(tokens("ｉＰｈｏｎｅ！ｏｋ"), "iphone ok");
}

static void test_separators(void)
{
	CHECK_STR(tokens("a🙂b👍🏽c"), "a b c");
	CHECK_STR(tokens("foo—bar…baz «qux» 50€ a×b"), "foo bar baz qux 50 a b");
	CHECK_STR(tokens("👨‍👩‍👧 ❤️ ok"), "ok");
	CHECK_STR(tokens("x\xE2\x80\x8By"), "x y"); /* zero-width space */
	CHECK_STR(tokens("!!! ... ???"), "");
}

static void test_invalid_utf8(void)
{
	CHECK_STR(tokens("ab\x80" "cd"), "ab cd");
	CHECK_STR(tokens("\xBF\xBF" "ab"), "ab");
	CHECK_STR(tokens("ab\xE2\x82"), "ab");
	CHECK_STR(tokens("ab\xE2\x82" "cd"), "ab cd");
	CHECK_STR(tokens("a\xC0\xAF" "b"), "a b");
	CHECK_STR(tokens("a\xE0\x80\xAF" "b"), "a b");
	CHECK_STR(tokens("a\xED\xA0\x80" "b"), "a b");
	CHECK_STR(tokens("a\xF5\x80\x80\x80" "b\xFF"), "a b");
	CHECK_STR(tokens("a\xF4\x90\x80\x80" "b"), "a b");
	CHECK_STR(tokens("배\xFF송"), "배 송");
}

static void test_long_tokens(void)
{
	char s[256], want[128];

	memset(s, 'A', 70);
	s[70] = '\0';
	memset(want, 'a', 64);
	want[64] = '\0';
	CHECK_STR(tokens(s), want);

	/* 22 Georgian letters of 3 bytes do not fit: 21 are kept, 63 bytes */
	s[0] = '\0';
	for (int i = 0; i < 30; i++)
		strcat(s, "ა");
	want[0] = '\0';
	for (int i = 0; i < 21; i++)
		strcat(want, "ა");
	CHECK_STR(tokens(s), want);
	CHECK(strlen(tokens(s)) == 63);

	/* the cut is made on the folded form: 70 é fold to 64 e */
	s[0] = '\0';
	for (int i = 0; i < 70; i++)
		strcat(s, "é");
	memset(want, 'e', 64);
	want[64] = '\0';
	CHECK_STR(tokens(s), want);

	/* a word is cut, not split: what follows the cut is dropped */
	memset(s, 'b', 100);
	strcpy(s + 100, " next");
	memset(want, 'b', 64);
	strcpy(want + 64, " next");
	CHECK_STR(tokens(s), want);
}

static void test_empty_and_append(void)
{
	char *out = NULL;
	size_t len = 0, cap = 0;

	CHECK(text_tokens("", 0, &out, &len, &cap) == 0);
	CHECK(out != NULL && len == 0 && out[0] == '\0');
	CHECK(text_tokens(NULL, 0, &out, &len, &cap) == 0);
	CHECK(text_tokens("Title", 5, &out, &len, &cap) == 1);
	CHECK(text_tokens(" -- ", 4, &out, &len, &cap) == 0);
	CHECK(text_tokens("Body text", 9, &out, &len, &cap) == 2);
	CHECK_STR(out, "title body text");
	CHECK(len == strlen(out) && cap > len);
	free(out);

	/* len is honoured: the bytes after it are not read */
	out = NULL;
	len = cap = 0;
	CHECK(text_tokens("abc def", 3, &out, &len, &cap) == 1);
	CHECK_STR(out, "abc");
	free(out);
}

static void test_snippet_english(void)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
			    "sed do eiusmod tempor incididunt ut labore et dolore magna "
			    "aliqua. Ut enim ad minim veniam, quis nostrud exercitation";

	CHECK_STR(snippet(s, "fox", 100),
		  "The quick brown <mark>fox</mark> jumps over the lazy dog");
	CHECK_STR(snippet(s, "THE", 100),
		  "<mark>The</mark> quick brown fox jumps over <mark>the</mark> lazy dog");
	CHECK_STR(snippet(s, "Quick DOG", 100),
		  "The <mark>quick</mark> brown fox jumps over the lazy <mark>dog</mark>");
	CHECK_STR(snippet(lorem, "labore", 40),
		  "…ut <mark>labore</mark> et dolore magna aliqua. Ut…");
	CHECK_STR(snippet(lorem, "exercitation", 30),
		  "…quis nostrud <mark>exercitation</mark>");
	/* the window opens and closes between words when it can */
	CHECK_STR(snippet("aaa bbb ccc bbb", "bbb", 10), "…<mark>bbb</mark> ccc…");
	CHECK_STR(snippet("x bbbbbbbbbbbbbbbbbbbb", "x bbbbbbbbbbbbbbbbbbbb", 10),
		  "<mark>x</mark>…");
	/* a match longer than the window is cut with it */
	CHECK_STR(snippet("Bbbbbbbbbbbbbbbbbbbb x", "bbbbbbbbbbbbbbbbbbbb", 10),
		  "<mark>Bbbbbbbbbb</mark>…");
}

static void test_snippet_no_match(void)
{
	CHECK_STR(snippet("hello world", "zzz", 5), "hello…");
	CHECK_STR(snippet("hello world", "", 50), "hello world");
	CHECK_STR(snippet("hello world", NULL, 50), "hello world");
	CHECK_STR(snippet("hello", "hello", 0), "");
	CHECK_STR(snippet("", "hello", 10), "");
	/* "wor" is not a token of the text: matching is by whole tokens */
	CHECK_STR(snippet("hello world", "wor", 50), "hello world");
}

static void test_snippet_turkish(void)
{
	CHECK_STR(snippet("Otelimiz İstanbul'da, Kadıköy'de.", "istanbul", 80),
		  "Otelimiz <mark>İstanbul</mark>&#39;da, Kadıköy&#39;de.");
	CHECK_STR(snippet("Otelimiz İstanbul'da, Kadıköy'de.", "KADIKOY", 80),
		  "Otelimiz İstanbul&#39;da, <mark>Kadıköy</mark>&#39;de.");
	CHECK_STR(snippet("KIRMIZI kazak", "kırmızı", 80), "<mark>KIRMIZI</mark> kazak");
	CHECK_STR(snippet("Straße", "strasse", 80), "<mark>Straße</mark>");
	CHECK_STR(snippet("cafe\xCC\x81 noir", "café", 80), "<mark>cafe\xCC\x81</mark> noir");
}

static void test_snippet_korean(void)
{
	const char *s = "주문하신 상품의 배송조회는 마이페이지에서 가능합니다";

	CHECK_STR(snippet(s, "배송", 100),
		  "주문하신 상품의 <mark>배송</mark>조회는 마이페이지에서 가능합니다");
	CHECK_STR(snippet(s, "배송조회", 100),
		  "주문하신 상품의 <mark>배송조회</mark>는 마이페이지에서 가능합니다");
	CHECK_STR(snippet(s, "조", 100),
		  "주문하신 상품의 배송<mark>조</mark>회는 마이페이지에서 가능합니다");
	CHECK_STR(snippet("배송지 배송", "배송지", 100),
		  "<mark>배송지</mark> <mark>배송</mark>");
	CHECK_STR(snippet(s, "마이페이지", 12), "…<mark>마이페이지</mark>에서…");
}

static void test_snippet_japanese(void)
{
	const char *s = "東京で買ったiPhone15の配送状況を確認したい";

	CHECK_STR(snippet(s, "配送", 100),
		  "東京で買ったiPhone15の<mark>配送</mark>状況を確認したい");
	CHECK_STR(snippet(s, "IPHONE15", 100),
		  "東京で買った<mark>iPhone15</mark>の配送状況を確認したい");
	CHECK_STR(snippet(s, "確認 東京", 100),
		  "<mark>東京</mark>で買ったiPhone15の配送状況を<mark>確認</mark>したい");
	CHECK_STR(snippet(s, "状況", 8), "…配送<mark>状況</mark>を確認し…");
}

static void test_snippet_chinese(void)
{
	CHECK_STR(snippet("请问我的订单什么时候发货？", "发货", 100),
		  "请问我的订单什么时候<mark>发货</mark>？");
}

static void test_snippet_escaping(void)
{
	CHECK_STR(snippet("<script>alert(\"x\")</script> & 'y'", "alert", 100),
		  "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
	CHECK_STR(snippet("a <b> \"c\"", "b", 100), "a &lt;<mark>b</mark>&gt; &quot;c&quot;");
	CHECK_STR(snippet("line1\nline2\tx", "x", 100), "line1 line2 <mark>x</mark>");
	/* the query is never echoed: only the text is shown */
	CHECK_STR(snippet("hello", "<script>", 100), "hello");
}

static void test_snippet_invalid_utf8(void)
{
	char s[] = "ab\xFF" "cd ef\xE2\x82";
	char *out = text_snippet(s, sizeof(s) - 1, "cd", 100);

	CHECK_STR(out, "ab\xEF\xBF\xBD<mark>cd</mark> ef\xEF\xBF\xBD\xEF\xBF\xBD");
	free(out);

	/* len is honoured, and a NUL inside it shows as a space */
	out = text_snippet("ab\0cd xyz", 5, "cd", 100);
	CHECK_STR(out, "ab <mark>cd</mark>");
	free(out);
}

static void test_utf8_valid(void)
{
	size_t at = 99;

	CHECK(text_utf8_valid("", 0, &at) == 1 && at == 99);
	CHECK(text_utf8_valid("plain", 5, NULL) == 1);
	CHECK(text_utf8_valid("İstanbul 배송 🙂", strlen("İstanbul 배송 🙂"), &at) == 1);
	CHECK(text_utf8_valid("\xED\x9F\xBF", 3, NULL) == 1);     /* U+D7FF */
	CHECK(text_utf8_valid("\xEE\x80\x80", 3, NULL) == 1);     /* U+E000 */
	CHECK(text_utf8_valid("\xF4\x8F\xBF\xBF", 4, NULL) == 1); /* U+10FFFF */
	CHECK(text_utf8_valid("a\0b", 3, NULL) == 1);

	CHECK(text_utf8_valid("ab\x80", 3, &at) == 0 && at == 2);
	CHECK(text_utf8_valid("\xC0\xAF", 2, &at) == 0 && at == 0);
	CHECK(text_utf8_valid("\xC1\xBF", 2, &at) == 0 && at == 0);
	CHECK(text_utf8_valid("xy\xE0\x80\xAF", 5, &at) == 0 && at == 2);
	CHECK(text_utf8_valid("x\xF0\x80\x80\xAF", 5, &at) == 0 && at == 1);
	CHECK(text_utf8_valid("a\xED\xA0\x80", 4, &at) == 0 && at == 1);
	CHECK(text_utf8_valid("\xF4\x90\x80\x80", 4, &at) == 0 && at == 0);
	CHECK(text_utf8_valid("ok\xF5\x80\x80\x80", 6, &at) == 0 && at == 2);
	CHECK(text_utf8_valid("\xFF", 1, &at) == 0 && at == 0);
	CHECK(text_utf8_valid("abc\xE2\x82", 5, &at) == 0 && at == 3);
	CHECK(text_utf8_valid("\xE2\x82" "a", 3, &at) == 0 && at == 0);
	CHECK(text_utf8_valid("배송\xEB", 7, &at) == 0 && at == 6);
	/* len is honoured: a sequence cut by len is invalid */
	CHECK(text_utf8_valid("\xC3\xA9", 1, &at) == 0 && at == 0);
}

static void test_rank(void)
{
	/* more occurrences of the word rank higher; a shorter document beats a longer one */
	CHECK(text_rank("order order refund", "order", 3) > text_rank("order refund gift", "order", 3));
	CHECK(text_rank("order refund", "order", 3) > text_rank("order refund gift wrap box", "order", 3));
	CHECK(text_rank("refund gift", "order", 3) == 0);
	CHECK(text_rank("배송 송조 조회", "배송", 3) > 0);
	CHECK(text_rank("", "order", 0) == 0);
	CHECK(text_token_count("") == 0);
	CHECK(text_token_count("a bb ccc") == 3);
}

UNIT_MAIN(UNIT_TEST(test_rank), UNIT_TEST(test_english), UNIT_TEST(test_turkish), UNIT_TEST(test_latin),
	  UNIT_TEST(test_greek_cyrillic), UNIT_TEST(test_korean),
	  UNIT_TEST(test_japanese), UNIT_TEST(test_chinese), UNIT_TEST(test_fullwidth),
	  UNIT_TEST(test_separators), UNIT_TEST(test_invalid_utf8),
	  UNIT_TEST(test_long_tokens), UNIT_TEST(test_empty_and_append),
	  UNIT_TEST(test_snippet_english), UNIT_TEST(test_snippet_no_match),
	  UNIT_TEST(test_snippet_turkish), UNIT_TEST(test_snippet_korean),
	  UNIT_TEST(test_snippet_japanese), UNIT_TEST(test_snippet_chinese),
	  UNIT_TEST(test_snippet_escaping), UNIT_TEST(test_snippet_invalid_utf8),
	  UNIT_TEST(test_utf8_valid))
