/*
 * classify.c - WISMO, order numbers and language of a message, by rules (see
 * classify.h).
 *
 * Everything works on one folded copy of the text, made on the stack: ASCII
 * and full-width letters lower-cased, Latin diacritics stripped (Turkish İ, I
 * and ı all become "i", ş "s", ğ "g"), so "SİPARİŞİM", "Siparişim" and
 * "siparisim" are one word; full-width digits and punctuation become ASCII;
 * apostrophes inside words dropped ("hasn't" is "hasnt"); runs of white space
 * one space, and none at all between two Hangul, kana or Han characters, so
 * "배송 언제" and "배송언제" read alike; currency signs "$". Invalid UTF-8
 * separates like a space. Quoted lines ("> ...") are left out: they are the
 * desk's own earlier answer or the customer's earlier message. Only the first
 * FOLD_MAX bytes of folded text are looked at; the question of a message is
 * at its start, and what comes after is mostly quoted history.
 *
 * WISMO is a score from rule tables, one per language. A rule is a pattern
 * (syntax at struct rule) with a weight in tenths: strong cues (10: "where is
 * my order", "hasn't arrived", "배송 언제", "届いていません", "kargom
 * nerede"), medium ones (7: "tracking number", "still waiting") that need a
 * second cue or a question, weak ones (4), and near-misses that take evidence
 * away (-10 to -15: the parcel came and is damaged or wrong, a return, refund
 * or cancellation, an address change, stock, shipping questions before
 * buying, "it arrived, thanks"). A message that asks for something other than
 * the parcel's whereabouts needs more than one strong cue to stay WISMO, since
 * an automatic status answer would not help it.
 */
#include "orders/classify.h"

#include "util/log.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define FOLD_MAX 16384

/* Below this many letters, a Hangul, kana or Han character counting as two, no language. */
#define LANG_MIN_LETTERS 4

struct folded {
	size_t n;
	int hangul, kana, han, latin;
	int tr_strong; /* words with ğ, ı, İ or ş */
	int tr_weak;   /* other words with ç, ö or ü */
	int cut;       /* the text went on past FOLD_MAX */
	char s[FOLD_MAX];
};

/* ---- folding ---- */

struct fold_state {
	struct folded *f;
	int spaces, newlines; /* white space not yet written */
	int last_cjk;	      /* the last character written is Hangul, kana or Han */
	int line_start;	      /* nothing but white space since the last line break */
	int quoted;	      /* inside a "> " line */
	int word_tr;	      /* the current word: 2 has ğ ı İ ş, 1 has ç ö ü */
};

/* Latin-1 Supplement U+00C0..U+00FF and Latin Extended-A U+0100..U+017F without marks. */
static const char latin1_base[] =
	"aaaaaaaceeeeiiiidnooooo ouuuuytsaaaaaaaceeeeiiiidnooooo ouuuuyty";
static const char latin_ext_a_base[] =
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
	"lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decodes the UTF-8 sequence at s[i] (i < len); returns its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
	unsigned c = s[i];
	size_t k, j;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		k = 2, v = c & 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		k = 3, v = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len - i < k)
		return 0;
	for (j = 1; j < k; j++) {
		if ((s[i + j] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i + j] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return k;
}

enum script { S_OTHER, S_HANGUL, S_KANA, S_HAN };

static enum script cjk_script(uint32_t cp)
{
	if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
	    (cp >= 0x3131 && cp <= 0x318E) || (cp >= 0xA960 && cp <= 0xA97F) ||
	    (cp >= 0xD7B0 && cp <= 0xD7FF))
		return S_HANGUL;
	if ((cp >= 0x3041 && cp <= 0x309F) || (cp >= 0x30A0 && cp <= 0x30FF && cp != 0x30FB) ||
	    (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0xFF66 && cp <= 0xFF9F))
		return S_KANA;
	if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x3005 && cp <= 0x3007) ||
	    (cp >= 0x20000 && cp <= 0x2FFFF))
		return S_HAN;
	return S_OTHER;
}

static void end_word(struct fold_state *st)
{
	if (st->word_tr == 2)
		st->f->tr_strong++;
	else if (st->word_tr == 1)
		st->f->tr_weak++;
	st->word_tr = 0;
}

/* Writes the pending white space before a character (cjk: whether it is CJK). */
static void flush_space(struct fold_state *st, int cjk)
{
	struct folded *f = st->f;

	if (f->n && st->newlines >= 2)
		f->s[f->n++] = '\n'; /* a paragraph ends a clause; a wrapped line does not */
	else if (f->n && (st->spaces || st->newlines) && !(cjk && st->last_cjk))
		f->s[f->n++] = ' ';
	st->spaces = st->newlines = 0;
}

static void put_byte(struct fold_state *st, char c)
{
	flush_space(st, 0);
	st->f->s[st->f->n++] = c;
	st->last_cjk = 0;
	st->line_start = 0;
	if (!is_alnum(c))
		end_word(st);
}

static void put_space(struct fold_state *st)
{
	end_word(st);
	st->spaces = 1;
}

static void put_newline(struct fold_state *st)
{
	end_word(st);
	st->newlines++;
	st->line_start = 1;
	st->quoted = 0;
}

static void put_apostrophe(struct fold_state *st)
{
	struct folded *f = st->f;
	char prev = f->n ? f->s[f->n - 1] : 0;

	/* "hasn't" is one word, "1042'nin" keeps the number apart */
	if (!st->spaces && !st->newlines && prev >= 'a' && prev <= 'z')
		return;
	put_byte(st, '\'');
}

static void put_ascii(struct fold_state *st, uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (c == '\n')
		put_newline(st);
	else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c < 0x20 ||
		 c == 0x7F)
		put_space(st);
	else if (c == '\'' || c == '`')
		put_apostrophe(st);
	else if (c == '>' && st->line_start)
		st->quoted = 1;
	else {
		if (c >= 'a' && c <= 'z')
			st->f->latin++;
		put_byte(st, (char)c);
	}
}

static void put_latin(struct fold_state *st, uint32_t cp, char base)
{
	if (cp == 0x11E || cp == 0x11F || cp == 0x130 || cp == 0x131 || cp == 0x15E || cp == 0x15F)
		st->word_tr = 2;
	else if ((cp == 0xC7 || cp == 0xE7 || cp == 0xD6 || cp == 0xF6 || cp == 0xDC ||
		  cp == 0xFC) &&
		 !st->word_tr)
		st->word_tr = 1;
	st->f->latin++;
	put_byte(st, base);
}

static void put_raw(struct fold_state *st, const unsigned char *p, size_t k, int cjk)
{
	struct folded *f = st->f;

	flush_space(st, cjk);
	if (!cjk)
		end_word(st);
	memcpy(f->s + f->n, p, k);
	f->n += k;
	st->last_cjk = cjk;
	st->line_start = 0;
}

/* What a non-ASCII character folds to: an ASCII byte, or 0 to keep it, or -1 to drop it. */
static int fold_punct(uint32_t cp)
{
	switch (cp) {
	case 0x3001:
	case 0xFF64:
		return ',';
	case 0x3002:
	case 0xFF61:
		return '.';
	case 0x2018:
	case 0x2019:
	case 0x02BC:
	case 0x00B4:
	case 0x2032:
		return '\'';
	case 0x201C:
	case 0x201D:
	case 0x300C:
	case 0x300D:
	case 0x300E:
	case 0x300F:
	case 0x3010:
	case 0x3011:
	case 0x3008:
	case 0x3009:
	case 0x300A:
	case 0x300B:
	case 0x00AB:
	case 0x00BB:
		return '"';
	case 0x2116:
	case 0xFE5F:
		return '#';
	case 0x00A2:
	case 0x00A3:
	case 0x00A5:
	case 0x20A9:
	case 0x20AC:
	case 0x20BA:
	case 0x20BD:
	case 0x20B9:
	case 0xFFE0:
	case 0xFFE1:
	case 0xFFE5:
	case 0xFFE6:
		return '$';
	case 0x00AD:
	case 0x200B:
	case 0x200C:
	case 0x200D:
	case 0x2060:
	case 0xFEFF:
		return -1;
	case 0x00D7:
	case 0x00F7:
	case 0x30FB:
		return ' ';
	}
	if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x301C || cp == 0xFF5E)
		return '-';
	if (cp == 0x3000 || cp == 0xA0 || cp == 0x85 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
	    (cp >= 0x80 && cp < 0xA0))
		return ' ';
	if (cp == 0x2028 || cp == 0x2029)
		return '\n';
	if (cp >= 0xFE00 && cp <= 0xFE0F)
		return -1;
	/* arrows, symbols, enclosed characters, emoji, private use: separators */
	if ((cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x3200 && cp <= 0x33FF) ||
	    (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
	    (cp >= 0x2016 && cp <= 0x206F))
		return ' ';
	return 0;
}

static void fold_char(struct fold_state *st, uint32_t cp, const unsigned char *raw, size_t k)
{
	enum script sc;
	int c;

	if (cp >= 0xFF01 && cp <= 0xFF5D)
		cp -= 0xFEE0; /* full-width ASCII */
	if (cp == '\n' || cp == 0x2028 || cp == 0x2029) {
		put_newline(st);
		return;
	}
	if (st->quoted)
		return;
	if (cp < 0x80) {
		put_ascii(st, cp);
		return;
	}
	c = fold_punct(cp);
	if (c < 0)
		return;
	if (c) {
		put_ascii(st, (uint32_t)c);
		return;
	}
	if (cp >= 0xC0 && cp <= 0xFF && latin1_base[cp - 0xC0] != ' ') {
		put_latin(st, cp, latin1_base[cp - 0xC0]);
		return;
	}
	if (cp >= 0x100 && cp <= 0x17F) {
		put_latin(st, cp, latin_ext_a_base[cp - 0x100]);
		return;
	}
	sc = cjk_script(cp);
	if (sc == S_HANGUL)
		st->f->hangul++;
	else if (sc == S_KANA)
		st->f->kana++;
	else if (sc == S_HAN)
		st->f->han++;
	else if ((cp >= 0x180 && cp <= 0x24F) || (cp >= 0x1E00 && cp <= 0x1EFF))
		st->f->latin++;
	put_raw(st, raw, k, sc != S_OTHER);
}

static void fold(const char *text, size_t len, struct folded *f)
{
	const unsigned char *s = (const unsigned char *)text;
	struct fold_state st = {.f = f, .line_start = 1};
	size_t i = 0, k;
	uint32_t cp;

	memset(f, 0, offsetof(struct folded, s));
	if (!s)
		len = 0;
	/* each character writes at most 5 bytes (a space and 4 bytes) */
	while (i < len && f->n + 6 < FOLD_MAX) {
		k = utf8_decode(s, len, i, &cp);
		if (!k) {
			if (!st.quoted)
				put_space(&st);
			i++;
			continue;
		}
		fold_char(&st, cp, s + i, k);
		i += k;
	}
	f->cut = i < len;
	end_word(&st);
	f->s[f->n] = '\0';
}

/* ---- language ---- */

static int in_sorted(const char *const *list, size_t n, const char *w, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(list[mid], w, len);

		if (c == 0 && list[mid][len])
			c = 1;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Sorted (LC_ALL=C); folded, so without apostrophes. */
static const char *const en_words[] = {
	"a",	   "about",  "after",	 "again", "all",      "already", "am",	   "an",     "and",
	"any",	   "are",    "arrived",	 "as",	  "at",	      "be",	 "been",   "but",    "can",
	"cant",	   "could",  "did",	 "didnt", "do",	      "does",	 "dont",   "for",    "from",
	"get",	   "got",    "had",	 "has",	  "hasnt",    "have",	 "havent", "hello",  "hi",
	"how",	   "i",	     "im",	 "is",	  "isnt",     "it",	 "its",	   "ive",    "just",
	"me",	   "my",     "not",	 "now",	  "of",	      "on",	 "or",	   "order",  "our",
	"package", "please", "received", "since", "so",	      "still",	 "thank",  "thanks", "that",
	"the",	   "there",  "this",	 "to",	  "tracking", "up",	 "was",	   "we",     "week",
	"weeks",   "were",   "what",	 "when",  "where",    "which",	 "why",	   "will",   "with",
	"would",   "yet",    "you",	 "your",
};

static const char *const tr_words[] = {
	"acaba",    "ama",	   "ancak",   "bana",  "ben",	  "beni",  "benim", "bir",
	"biz",	    "bu",	   "bugun",   "cok",   "daha",	  "de",	   "degil", "diye",
	"dun",	    "gibi",	   "gun",     "hafta", "hala",	  "halen", "hangi", "hanim",
	"henuz",    "hic",	   "icin",    "ile",   "iyi",	  "kac",   "kadar", "lutfen",
	"merhaba",  "mi",	   "misiniz", "mu",    "musunuz", "nasil", "ne",    "neden",
	"nerde",    "nerede",	   "niye",    "once",  "selam",	  "sizin", "sonra", "su",
	"tesekkur", "tesekkurler", "var",     "ve",    "veya",	  "ya",	   "yarin", "yok",
	"zaman",
};

static const char *const tr_prefixes[] = {"siparis",  "kargo",	"urun",	 "teslim", "gonder",
					  "gelme",    "geldi",	"takip", "iade",   "iptal",
					  "tesekkur", "numara", "paket", "adres",  "bekl",
					  "rica",     "lutf",	"gecik", "ulas",   "merhab"};

static const char *const tr_suffixes[] = {"iyor",    "iyorum",	"iyoruz", "medi",  "madi",
					  "misiniz", "musunuz", "siniz",  "sunuz", "imiz",
					  "lerim",   "larim",	"dim",	  "dum"};

static int turkish_word(const char *w, size_t len)
{
	size_t i, k;

	if (in_sorted(tr_words, sizeof(tr_words) / sizeof(tr_words[0]), w, len))
		return 1;
	if (len < 5)
		return 0;
	for (i = 0; i < sizeof(tr_prefixes) / sizeof(tr_prefixes[0]); i++) {
		k = strlen(tr_prefixes[i]);
		if (len >= k && !memcmp(w, tr_prefixes[i], k))
			return 1;
	}
	for (i = 0; i < sizeof(tr_suffixes) / sizeof(tr_suffixes[0]); i++) {
		k = strlen(tr_suffixes[i]);
		if (len > k + 1 && !memcmp(w + len - k, tr_suffixes[i], k))
			return 1;
	}
	return 0;
}

/* English or Turkish, from function words, Turkish letters and Turkish word shapes. */
static const char *latin_language(const struct folded *f)
{
	int en = 0, tr2 = 2 * f->tr_strong + f->tr_weak; /* in halves */
	size_t i = 0, b;

	while (i < f->n) {
		if (!(f->s[i] >= 'a' && f->s[i] <= 'z')) {
			i++;
			continue;
		}
		for (b = i; i < f->n && is_alnum(f->s[i]); i++)
			;
		if (in_sorted(en_words, sizeof(en_words) / sizeof(en_words[0]), f->s + b, i - b))
			en++;
		else if (turkish_word(f->s + b, i - b))
			tr2 += 2;
	}
	return tr2 > 2 * en ? "tr" : "en";
}

/* Han without kana is Japanese only with characters Chinese writes otherwise. */
static int japanese_han(const struct folded *f)
{
	static const char *const marks[] = {"発", "届", "様",	"込",  "払",
					    "円", "済", "注文", "荷物"};
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (memmem(f->s, f->n, marks[i], strlen(marks[i])))
			return 1;
	return 0;
}

static const char *language(const struct folded *f)
{
	int cjk = f->hangul + f->kana + f->han;

	if (f->latin + 2 * cjk < LANG_MIN_LETTERS)
		return NULL;
	if (cjk && 2 * cjk >= f->latin) {
		if (f->hangul > f->kana + f->han)
			return "ko";
		if (f->kana || japanese_han(f))
			return "ja";
		return f->hangul ? "ko" : NULL;
	}
	return latin_language(f);
}

const char *classify_language(const char *text, size_t len)
{
	struct folded f;

	fold(text, len, &f);
	return language(&f);
}

/* ---- pattern matching ---- */

/*
 * A rule's pattern is a list of tokens separated by single spaces, matched in
 * order, each one after the other within one clause (a clause ends at . ! ?
 * or a paragraph break):
 *   a|b|c   one of the literals; "_" in a literal is a space; a literal that
 *           starts or ends with a letter or digit matches whole words only,
 *           unless it ends with "*" (a prefix: "arriv*"). Hangul, kana and
 *           Han literals match anywhere.
 *   ?a|b    optionally one of them
 *   !a|b    not followed by any of them (consumes nothing)
 *   ~ ~~ ~~~  up to 2, 4 or 8 words in between (a CJK character is half a word)
 *   %d      (as a literal) a number
 * The first token is always literals. Between tokens, spaces and light
 * punctuation (, ; : - " ' ( ) /) are skipped.
 */
enum { R_AFFIRM = 1, R_Q = 2, G_WHEN = 4, G_WHERE = 8, G_SINCE = 16 };
#define GROUPS (G_WHEN | G_WHERE | G_SINCE)

struct rule {
	const char *pat;
	short w;	     /* tenths; a WISMO needs 10 in all */
	unsigned char flags; /* R_AFFIRM: not after a negation or "says", not before a
				question mark; R_Q: a question or a request, 3 once; G_*:
				rules that read one question two ways ("배송 언제" is
				both "배송 ~ 언제" and "언제 ~ 배송"), counted once */
};

struct text {
	const char *s;
	size_t n;
	const uint64_t *grams; /* gram_build */
};

static int is_break(char c)
{
	return c == '.' || c == '!' || c == '?' || c == '\n';
}

static int is_sep(char c)
{
	return c == ' ' || c == ',' || c == ';' || c == ':' || c == '-' || c == '"' || c == '\'' ||
	       c == '(' || c == ')' || c == '/' || c == '[' || c == ']';
}

static size_t skip_sep(const struct text *t, size_t p)
{
	while (p < t->n && is_sep(t->s[p]))
		p++;
	return p;
}

/*
 * The position after the next word or character, or 0 when the clause ends
 * first; *cost is 2 for a word, 1 for a CJK character (about half a word) or
 * a punctuation mark.
 */
static size_t skip_unit(const struct text *t, size_t p, int *cost)
{
	p = skip_sep(t, p);
	*cost = 1;
	if (p >= t->n || is_break(t->s[p]))
		return 0;
	if (is_alnum(t->s[p])) {
		while (p < t->n && is_alnum(t->s[p]))
			p++;
		*cost = 2;
		return p;
	}
	if ((unsigned char)t->s[p] >= 0x80) {
		p++;
		while (p < t->n && ((unsigned char)t->s[p] & 0xC0) == 0x80)
			p++;
		return p;
	}
	return p + 1;
}

#define GRAM_BITS 8192

/* A 13-bit hash of the first len (1 to 3) bytes at p. */
static unsigned gram_hash(const char *p, size_t len)
{
	uint32_t h = (uint32_t)len;
	size_t i;

	for (i = 0; i < len; i++)
		h = h * 31 + (unsigned char)p[i];
	return (h * 2654435761u) >> 19;
}

/* Which 1-, 2- and 3-byte strings occur in s: a literal whose start is not there is not either. */
static void gram_build(const char *s, size_t n, uint64_t *grams)
{
	size_t i, k;

	memset(grams, 0, GRAM_BITS / 8);
	for (i = 0; i < n; i++)
		for (k = 1; k <= 3 && i + k <= n; k++) {
			unsigned h = gram_hash(s + i, k);

			grams[h >> 6] |= (uint64_t)1 << (h & 63);
		}
}

/* Where the literal lit (len bytes, maybe ending in '*') matches at q, or 0. */
static size_t lit_at(const struct text *t, size_t q, const char *lit, size_t len)
{
	int star = len > 1 && lit[len - 1] == '*';
	size_t ll = len - star, i, k = q;

	if (len == 2 && lit[0] == '%' && lit[1] == 'd') {
		if (q > 0 && is_alnum(t->s[q - 1]))
			return 0;
		while (k < t->n && is_digit(t->s[k]))
			k++;
		return k > q && !(k < t->n && is_alnum(t->s[k])) ? k : 0;
	}
	if (is_alnum(lit[0]) && q > 0 && is_alnum(t->s[q - 1]))
		return 0;
	for (i = 0; i < ll; i++, k++)
		if (k >= t->n || t->s[k] != (lit[i] == '_' ? ' ' : lit[i]))
			return 0;
	if (star)
		while (k < t->n && is_alnum(t->s[k]))
			k++;
	else if (is_alnum(lit[ll - 1]) && k < t->n && is_alnum(t->s[k]))
		return 0;
	return k;
}

static size_t alt_len(const char *a, const char *end)
{
	const char *bar = memchr(a, '|', (size_t)(end - a));

	return (size_t)((bar ? bar : end) - a);
}

static int seq(const struct text *t, const char *pat, size_t at, size_t *end);

/* Whether one of the literals in [tok, tok_end) matches at (after separators) and the rest follows.
 */
static int alts_then(const struct text *t, const char *tok, const char *tok_end, const char *rest,
		     size_t at, size_t *end)
{
	size_t q = skip_sep(t, at), r, al;
	const char *a;

	for (a = tok; a < tok_end; a += al + 1) {
		al = alt_len(a, tok_end);
		r = lit_at(t, q, a, al);
		if (r && seq(t, rest, r, end))
			return 1;
	}
	return 0;
}

static int seq(const struct text *t, const char *pat, size_t at, size_t *end)
{
	const char *tok, *tok_end, *rest;
	size_t p, al, q;
	int budget, cost;

	while (*pat == ' ')
		pat++;
	if (!*pat) {
		*end = at;
		return 1;
	}
	tok = pat;
	tok_end = tok + strcspn(tok, " ");
	rest = tok_end;
	if (*tok == '~') {
		budget = tok_end - tok == 1 ? 4 : tok_end - tok == 2 ? 8 : 16;
		for (p = at; p;) {
			if (seq(t, rest, p, end))
				return 1;
			p = skip_unit(t, p, &cost);
			budget -= cost;
			if (budget < 0)
				break;
		}
		return 0;
	}
	if (*tok == '?')
		return seq(t, rest, at, end) || alts_then(t, tok + 1, tok_end, rest, at, end);
	if (*tok == '!') {
		q = skip_sep(t, at);
		for (tok++; tok < tok_end; tok += al + 1) {
			al = alt_len(tok, tok_end);
			if (lit_at(t, q, tok, al))
				return 0;
		}
		return seq(t, rest, at, end);
	}
	return alts_then(t, tok, tok_end, rest, at, end);
}

static int ends_with(const char *s, size_t e, const char *w, size_t *len)
{
	size_t wl = strlen(w);

	if (e < wl || memcmp(s + e - wl, w, wl))
		return 0;
	*len = wl;
	return 1;
}

/* Words that make an "it arrived" or "received my order" not a statement that it came. */
static const char *const affirm_blockers[] = {
	"not",	  "never",   "no",	  "hasnt",	"havent",     "hadnt",	  "didnt",
	"dont",	  "doesnt",  "isnt",	  "wasnt",	"werent",     "arent",	  "wont",
	"cant",	  "cannot",  "yet",	  "has",	"have",	      "did",	  "does",
	"do",	  "was",     "were",	  "says",	"said",	      "saying",	  "shows",
	"showed", "showing", "marked",	  "supposedly", "apparently", "claims",	  "supposed",
	"should", "would",   "expected",  "meant",	"tracking",   "status",	  "if",
	"when",	  "whether", "문자",	  "알림",	"카톡",	      "메시지",	  "연락",
	"mesaj*", "sms",     "bildirim*", "mail*",	"eposta*",    "e-posta*",
};

/* Where the three words (six CJK characters) before p start, within p's clause. */
static size_t words_before(const struct text *t, size_t p)
{
	int budget = 6;

	while (p > 0 && budget > 0) {
		size_t q = p;

		while (q > 0 && is_sep(t->s[q - 1]))
			q--;
		if (q == 0 || is_break(t->s[q - 1]))
			return q;
		if (is_alnum(t->s[q - 1])) {
			while (q > 0 && is_alnum(t->s[q - 1]))
				q--;
			budget -= 2;
		} else {
			while (q > 0 && ((unsigned char)t->s[q - 1] & 0xC0) == 0x80)
				q--;
			q -= q > 0;
			budget -= 1;
		}
		p = q;
	}
	return p;
}

static int affirm_blocked(const struct text *t, size_t start, size_t end)
{
	size_t from = words_before(t, start), i, k, q;
	const char *hit;

	/* Korean negates right before the verb ("안 왔어요", "못 받았어요"); "하나만
	 * 왔어요" is "only one came" */
	if (ends_with(t->s, start, "안", &k) || ends_with(t->s, start, "못", &k) ||
	    ends_with(t->s, start, "만", &k))
		return 1;
	for (i = 0; i < sizeof(affirm_blockers) / sizeof(affirm_blockers[0]); i++) {
		const char *w = affirm_blockers[i];
		size_t wl = strlen(w), p = from, lit = wl - (w[wl - 1] == '*');

		while (p < start && (hit = memmem(t->s + p, start - p, w, lit))) {
			k = (size_t)(hit - t->s);
			if (!is_alnum(w[0]) || lit_at(t, k, w, wl))
				return 1;
			p = k + 1;
		}
	}
	q = end;
	while (q < t->n && t->s[q] == ' ')
		q++;
	if (q < t->n && t->s[q] == '?')
		return 1;
	if (lit_at(t, q, "mi", 2) || lit_at(t, q, "mu", 2) || lit_at(t, q, "misin*", 6) ||
	    lit_at(t, q, "miyim", 5) || lit_at(t, q, "か", strlen("か")))
		return 1;
	return 0;
}

/*
 * A literal of a rule's first token, ready to be looked for: the rules are
 * strings for the people who write them, and cutting them up for each message
 * took most of the time. The index is built once, on first use.
 */
struct anchor {
	const char *lit;
	unsigned char len; /* the literal with its '*' */
	unsigned char seg; /* its start, up to a '_' or '*', that find looks for */
	unsigned short gram;
};

struct rule_index {
	const struct rule *rule;
	const char *rest;	     /* the tokens after the first */
	unsigned short first, count; /* its anchors */
};

/* The first place at or after from where the n bytes at w occur (for short texts memchr beats
 * memmem). */
static const char *find(const struct text *t, size_t from, const char *w, size_t n)
{
	const char *p = t->s + from, *end = t->s + t->n;

	while ((size_t)(end - p) >= n && (p = memchr(p, w[0], (size_t)(end - p) - n + 1))) {
		size_t i = 1;

		while (i < n && p[i] == w[i]) /* a few bytes: a loop is cheaper than a call */
			i++;
		if (i == n)
			return p;
		p++;
	}
	return NULL;
}

/* Whether rule ri matches somewhere in t. */
static int rule_matches(const struct text *t, const struct rule_index *ri,
			const struct anchor *anchors)
{
	size_t i, from, k, q, end;
	const char *hit;

	for (i = ri->first; i < (size_t)ri->first + ri->count; i++) {
		const struct anchor *a = &anchors[i];

		if (!((t->grams[a->gram >> 6] >> (a->gram & 63)) & 1))
			continue;
		for (from = 0; (hit = find(t, from, a->lit, a->seg)); from = k + 1) {
			k = (size_t)(hit - t->s);
			q = lit_at(t, k, a->lit, a->len);
			if (!q || !seq(t, ri->rest, q, &end))
				continue;
			if ((ri->rule->flags & R_AFFIRM) && affirm_blocked(t, k, end))
				continue;
			return 1;
		}
	}
	return 0;
}

/* ---- the rules ---- */

#define EN_OBJ                                                                                     \
	"order|orders|package|packages|parcel|parcels|shipment|shipments|delivery|item|items|"     \
	"stuff|purchase|purchases|product|products|goods|box|it|they|them|things"
#define EN_NEG "not|never|hasnt|havent|hadnt|didnt|isnt|wasnt|arent|werent|aint"
#define EN_ARRIVE                                                                                  \
	"arrive|arrived|arriving|receive|received|receiving|come|came|coming|deliver|delivered|"   \
	"delivering|ship|shipped|dispatched|dispatch|here|show|shown|showed|turned|gotten|got|"    \
	"get|reached|reach|sent|mailed|posted|left|made|landed|recieved|recieve|recived|arived|"   \
	"arrvied|delievered|delivred|recevied"
#define EN_WHEN                                                                                    \
	"arrive|arriving|arrives|ship|shipped|shipping|ships|deliver|delivered|delivering|"        \
	"dispatch|dispatched|receive|received|expect|coming|come|here|sent|send|reach|reaching|"   \
	"mailed|posted|due|out|show|turn|land|get"
#define EN_THING                                                                                   \
	"item|items|size|sizes|colour|color|product|products|order|one|thing|things|model|book|"   \
	"style|variant|shoes|shirt|flavour|flavor|quantity|version|article|parcel|package"
#define EN_PARTS                                                                                   \
	"item|items|part|parts|piece|pieces|accessory|accessories|one|two|three|some|half|"        \
	"charger|cable|manual|screws|product|products|lid|battery|batteries"

static const struct rule rules_en[] = {
	/* where is it */
	{"where|whre|wher|whr|wehre ~~ is|are|s ~ " EN_OBJ, 10, G_WHERE},
	{"wheres|whereis|wher ~ " EN_OBJ, 10, G_WHERE},
	/* asked inside a sentence: "tell me where my order is" */
	{"where ~ my|the|our|your|this " EN_OBJ " ~ is|are|went|ended", 10, G_WHERE},
	{"where it|they is|are|went|ended", 10, G_WHERE},
	/* it has not come */
	{EN_NEG " ?yet|been|even|ever|actually|still|really|all ?been|yet " EN_ARRIVE, 10, 0},
	{"yet to ?be " EN_ARRIVE, 10, 0},
	{"still_no|still_not|still_havent|still_hasnt|still_didnt ~ " EN_OBJ, 10, 0},
	{"nothing ?has|have|yet ?yet arrived|came|come|received|shown|showed|delivered|here", 10,
	 0},
	{"received|got|gotten nothing", 10, 0},
	{"still_nothing|nothing_yet|still_no_sign|nothing_so_far|no_sign_of", 10, 0},
	{"waiting|waited ~ for|on ~~ " EN_OBJ, 10, 0},
	{"still|been|keep|am|im|still_am waiting", 7, 0},
	/* tracking */
	{"tracking|track|tracker ~~ " EN_NEG
	 "|doesnt|dont|wont|cant|cannot|no|stopped ?been|even|yet "
	 "updat*|moved|moving|chang*|work*|show*|load*|progress*|budged|mov*",
	 10, 0},
	{"tracking|track|tracker ~~ stuck|frozen|unchanged|same|static|nothing|blank|empty|invalid|"
	 "error|says|said|saying|shows|showing|stopped",
	 7, 0},
	{"no ?new "
	 "tracking|updates|update|movement|news|information|info|sign|trace|word|scans|scan",
	 7, 0},
	{"tracking number|numbers|no|info|information|link|code|details|page|status|id|update|"
	 "updates|url|#",
	 7, 0},
	{"not|hasnt|isnt|stopped|havent ?been updat*|moved|moving|budged", 7, 0},
	{"nothing ?has|have ?been moved|changed|happened|updated|moving|changing", 7, 0},
	{"problem|issue|wrong ~ with ~ my|the|this delivery|order|package|parcel|shipment", 7, 0},
	{"has|have anything|something happened|changed", 7, 0},
	{"havent|not|no ?heard|word ?anything|back from", 7, 0},
	{"stuck ~ in|at|on ~~ transit|customs|warehouse|facility|depot|hub|sorting|post|office|"
	 "center|centre|same|label|pre-shipment|processing|pending|status|country|airport|origin|"
	 "destination",
	 10, 0},
	{"in_transit|out_for_delivery|processing|pending ~~ for|since|days|weeks|forever", 7, 0},
	/* a status the shopper quotes */
	{"says|shows|showing|still_on|still_at|still_in|stuck_on|status_is|status_of ~~ "
	 "exception|processing|"
	 "pending|preparing|unfulfilled|awaiting|pre-shipment|label|not_shipped|on_hold",
	 7, 0},
	{"still ?says|shows|showing|reads|at|in|on ~ "
	 "processing|pending|preparing|unfulfilled|the_same|"
	 "in_transit|awaiting|exception",
	 7, 0},
	{"after|for|over %d|two|three|four|five|six|seven|ten|several|many days|weeks", 4, 0},
	{"courier|carrier|ups|fedex|usps|dhl|royal_mail|post_office|postman|mailman|driver", 4, 0},
	{"label_created|pre-shipment|preshipment|awaiting_pickup|pending_pickup|"
	 "awaiting_collection|information_received",
	 7, 0},
	/* when will it come */
	{"when ~ will|would|can|could|do|does|did|is|are|should|shall|might|am ~~~ " EN_WHEN, 10,
	 G_WHEN},
	{"when ~ will|can|do|does|should|would|could|am|shall ~ i|we ~ get|getting|see ~~ " EN_OBJ,
	 10, G_WHEN},
	{"what_day|what_date|what_time|which_day ~~ " EN_WHEN, 10, G_WHEN},
	{"how_long ~~ until|till|til|before|for|to ~~~ " EN_WHEN, 7, G_WHEN},
	{"how_much_longer|how_many_more", 10, 0},
	{"eta|etd", 7, 0},
	{"eta|etd ?on|for|of ~ " EN_OBJ, 10, 0},
	{"estimated|expected|approximate|anticipated ~ delivery|arrival|shipping|ship|dispatch", 7,
	 0},
	{"delivery|arrival|ship|shipping|dispatch date|estimate|window", 7, 0},
	/* has it shipped */
	{"has|have|did "
	 "it|you|they|my|the|our|your|this|order|package|parcel|items|item|anything "
	 "~~ "
	 "ship|shipped|dispatched|dispatch|sent|send|mailed|posted|left|arrived|arrive|"
	 "delivered|"
	 "deliver|come|leave",
	 10, 0},
	{"is|are it|my|the|our|this|order|package|parcel ~~ on its|the|their way", 10, 0},
	{"on its|the|their way", 4, 0},
	{"will|would|could "
	 "it|they|my_order|my_package|my_parcel|the_order|the_package|the_parcel "
	 "~ "
	 "arrive|arriving|get_here|be_here|be_delivered|come|ship|be_shipped|reach",
	 7, 0},
	{"in_transit|out_for_delivery", 4, 0},
	{"shipped|dispatched|sent|delivered yet", 7, 0},
	/* status */
	{"order|delivery|shipping|shipment|package|parcel|tracking status", 10, 0},
	{"status ?of|on|for ~~ " EN_OBJ, 10, 0},
	{"update|updates|news|info|information|word on|about|regarding|re|for|of ~ " EN_OBJ, 10, 0},
	{"any ?new|more update|updates|news|info|information|word", 7, 0},
	{"check|checking|chasing|chase|follow|following|inquire|inquiring|enquire|"
	 "enquiring|asking "
	 "~~ on|about|up ~~ " EN_OBJ,
	 10, 0},
	{"locate|track|trace ?my|the|our " EN_OBJ, 7, 0},
	{"cant|cannot|couldnt|dont|didnt|never|havent|not "
	 "find|found|locate|see|seen|have|located "
	 "~ it|them|anything|package|parcel|box|order|my|the",
	 7, 0},
	/* late, lost */
	{EN_OBJ " ~~ late|delayed|overdue|lost|missing|stuck|held|delay|behind", 10, 0},
	{"delayed|late|overdue|lost|delay|delays", 4, 0},
	{"lost ?in ?the transit|mail|post", 10, 0},
	{"taking|taken ?so|too|really|very|this long|forever|ages", 10, 0},
	{"should|would ?have ?been ?be "
	 "arrived|delivered|here|received|shipped|come|dispatched|sent",
	 10, 0},
	{"supposed|meant|due|expected|scheduled|promised|guaranteed to ?be|have ?been "
	 "arrive|arrived|delivered|here|come|ship|shipped|arriving",
	 10, 0},
	{"past|passed|missed|beyond|exceeded ?the "
	 "estimated|expected|delivery|due|promised|arrival|"
	 "eta|guaranteed",
	 10, 0},
	/* delivered, but not here */
	{"says|shows|showing|marked|status|states|listed|claims|said ~~ delivered", 7, 0},
	{"delivered|left|dropped|arrived|went|sent|shipped|gone ~~ wrong|another|different|"
	 "neighbour|neighbor|neighbours|neighbors|someone|somebody",
	 10, 0},
	{"return|returned|returning ?to ?the sender|shipper|origin", 20, 0},
	{"sent|sending|going|shipped back ?to ?the sender|shipper|origin", 20, 0},
	/* time since the order */
	{"been ~~ week|weeks|days|month|months|ages|forever|while", 7, G_SINCE},
	{"been ?now|over|almost|nearly|more_than|about "
	 "%d|two|three|four|five|six|seven|eight|nine|"
	 "ten|eleven|twelve|several|many|a_few",
	 7, G_SINCE},
	{"business_days|working_days", 4, 0},
	{"next_day|express|expedited|overnight|priority|tracked ~ delivery|shipping|postage", 4, 0},
	{"confirm|check|verify|know|tell ~~~ "
	 "shipped|sent|dispatched|posted|mailed|arrived|delivered|"
	 "been_sent|been_shipped|on_its_way",
	 7, 0},
	{"whats_going_on|what_is_going_on|whats_happening|what_happened|what_does_that_mean|any_"
	 "idea",
	 3, R_Q},
	/* a refund as the alternative to the parcel: "I want it or my money back" */
	{"or|otherwise|else ~ my|a|full|the money|refund", 15, 0},
	{"ordered|placed|paid|bought|purchased ~~ "
	 "ago|week|weeks|days|month|last|since|already",
	 4, 0},
	/* questions and requests */
	{"?", 3, R_Q},
	{"please|pls|plz|help|wondering|advise|let_me_know|kindly|can_you|could_you", 3, R_Q},

	/* near-misses: the parcel came, and something is wrong with what came */
	{"damage|damaged|damages|broken|broke|crack|cracked|defect|defective|faulty|"
	 "scratched|"
	 "scratch|scratches|dent|dented|torn|ripped|leaking|leaked|leak|smashed|crushed|"
	 "shattered|"
	 "stained|moldy|mouldy|expired|spoiled|rotten|melted|unusable",
	 -15, 0},
	{"wrong|incorrect|different ?a|an|the " EN_THING, -15, 0},
	{"not_what_i|not_what_we ordered|order|asked", -15, 0},
	{"instead_of", -10, 0},
	{EN_PARTS " ?are|were|is|was missing", -15, 0},
	{"missing "
	 "from|in|a|an|one|two|the|some|parts|part|pieces|piece|items|item|accessories",
	 -15, 0},
	{"not|wasnt|werent|isnt included|inside", -15, 0},
	{"only ~ received|got|came|arrived|contained|had", -7, 0},
	{"come|came|comes with|without", -10, 0},
	/* returns, refunds, cancellations, changes */
	{"return|returns|returning|returned|returnable !to", -15, 0},
	{"return|returns|returning|returned to ?the|a|your "
	 "store|shop|warehouse|you|seller|retailer|"
	 "merchant|us",
	 -15, 0},
	{"exchange|exchanged|exchanging|refund|refunds|refunded|refunding|reimburse|"
	 "reimbursed|"
	 "reimbursement|chargeback|cancel|cancelled|canceled|cancelling|canceling|"
	 "cancellation|"
	 "replace|replaced|replacing|swap",
	 -15, 0},
	{"money|credit back", -15, 0},
	{"send|sent|ship|mail|post|bring|take "
	 "?it|them|this|these|the|item|items|everything back",
	 -15, 0},
	{"change|changing|switch|switching|upgrade|upgrading|correct|correcting|edit|editing|"
	 "modify|modifying|fix|amend|alter "
	 "~~ "
	 "address|addres|adress|delivery|shipping|order|size|colour|color|item",
	 -15, 0},
	{"update|updating ?my|the|our ?shipping|delivery address", -15, 0},
	{"new|different|old|incorrect|correct ?shipping|delivery address", -10, 0},
	{"entered|typed|put|gave|used|selected|wrote ~~ wrong|old|incorrect "
	 "?shipping|delivery "
	 "address",
	 -15, 0},
	{"i_moved|moved_house|moving_house", -4, 0},
	/* holding or adding to an order before it ships */
	{"dont|do_not ship|send|dispatch|post|mail", -15, 0},
	{"hold|pause|postpone|stop ~ it|my|the|order|shipment|shipping|delivery|dispatch", -15, 0},
	{"add|adding ~~ to my|the|this|an order", -12, 0},
	{"add|adding an|another|one|more|something item|items|product|thing", -12, 0},
	/* stock */
	{"stock|restock|restocked|restocking|availability|available|unavailable|sold_out", -10, 0},
	/* before buying */
	{"do|does you|they|u ship|deliver|offer|send", -12, 0},
	{"ship|shipping|deliver|delivery internationally|overseas|abroad|worldwide", -12, 0},
	{"international_shipping|international_delivery", -10, 0},
	{"shipping|delivery|postage|postal "
	 "cost|costs|fee|fees|rate|rates|charge|charges|price|"
	 "prices|options|option|policy|policies|methods|method|zones",
	 -12, 0},
	{"cost|costs|price ?of|to|for shipping|ship|delivery|postage", -12, 0},
	{"how_much ~~ shipping|delivery|postage|ship", -12, 0},
	{"free shipping|delivery|postage", -10, 0},
	{"if|before|once|when ?i|we order|buy|purchase|place|ordering|buying|checkout|pay", -12, 0},
	{"planning|plan|thinking|want|wanting|like|going|intend|hoping|considering "
	 "?to|of|about "
	 "order|ordering|buy|buying|purchase|purchasing",
	 -12, 0},
	{"can|could|may i|we order|buy|purchase|preorder", -10, 0},
	{"place|placing|make|making an|a order", -12, 0},
	{"usually|normally|typically|generally|average ~~ "
	 "take|takes|ship|shipping|deliver|delivery|"
	 "arrive",
	 -10, 0},
	{"how_long ~~ does|do ~~ take", -7, 0},
	/* it came */
	{"it|order|package|parcel|items|item|everything|they|shipment|box|stuff "
	 "?has|have|just|"
	 "finally|already ?just|finally arrived|came|turned|showed|landed",
	 -12, R_AFFIRM},
	{"received|got|gotten|collected it|them|everything", -12, R_AFFIRM},
	{"its_here|it_is_here|its_arrived|theyre_here|they_are_here|it_came|got_here|its_"
	 "come",
	 -12, R_AFFIRM},
	{"received|got|gotten|collected ?my|the|our|your|this|all|both "
	 "order|orders|package|"
	 "packages|parcel|parcels|items|item|shipment|stuff|box|delivery|goods|purchase|"
	 "product",
	 -12, R_AFFIRM},
	{"arrived|came|delivered "
	 "today|yesterday|safely|safe|fine|quickly|early|promptly|intact|"
	 "perfectly|ok|okay|well",
	 -12, R_AFFIRM},
	{"thank|thanks|thx ?you|so|a ?lot|much ?for ?the|my|fast|quick|speedy|prompt "
	 "delivery|shipping|shipment|order|package|parcel",
	 -10, 0},
	{"love|loved|loving|enjoying it|them", -7, 0},
	/* about something else than the parcel */
	{"received|receive|got|get|gotten|sent|send|emailed ?a|an|any|the|my|your|no reply|"
	 "response|answer|refund|invoice|receipt|code|password|callback|call|discount|"
	 "coupon|"
	 "voucher|money|credit|label|survey|newsletter",
	 -10, 0},
	{"invoice|receipt|discount|coupon|promo|voucher|password|login|unsubscribe|"
	 "newsletter|"
	 "review|warranty|sizing|size_chart|subscription|points|gift_card|giftcard",
	 -10, 0},
};

#define KO_OBJ	"주문|택배|배송|물건|상품|제품|소포|물품|박스|구매|주문품"
#define KO_SHIP "배송|발송|출고|도착|택배|배달"

static const struct rule rules_ko[] = {
	{KO_OBJ " ~~~ 어디 !서|에서|로가면", 10, G_WHERE},
	{"어디쯤|어디까지|어디에있|어디있|어딨|어디로갔|어디갔", 10, G_WHERE},
	{"언제 ~~ "
	 "와|오|올|온|도착|받|배송|발송|출고|보내|출발|들어|배달|수령|ship*|deliver*|arriv*",
	 10, G_WHEN},
	{"배송|발송|출고|도착|택배|배달|수령|주문|출발|보내|오는|받는|받을|받아볼 ~~ 언제", 10,
	 G_WHEN},
	{"안왔|안와|안오|안옴|안온|못받|안받|받지못|받지않|받지를못|도착하지않|도착하지못|도착안|"
	 "도착이안|안도착|오지않|오질않|안들어|발송이안|발송안됐|발송안되|발송도안|출고가안|출고안|"
	 "출고도안|배송이안왔|배송이안됐|배송안됐|배송안왔|배송도안|안보내|소식이없|소식없|"
	 "감감무소식|미도착|미배송|미발송|미출고|미수령|받은적없|받은적이없|도착을안|수령못|"
	 "수령을못|수령하지못",
	 10, 0},
	{"아직|아직도|여태|여태껏|지금까지", 4, 0},
	{"조회|추적|송장|운송장|배송정보|업데이트|트래킹 ~~ 안되|안돼|안됨|안됩|안나|안떠|안뜨|없|"
	 "그대로|변동|멈춰|멈췄|멈춤|안바뀌|안움직|오류|안올라|안변|이상해|멈춘",
	 10, 0},
	{"송장번호|운송장번호|송장|운송장|트래킹|추적번호|배송조회", 7, 0},
	{"상품준비중|배송준비중|준비중|배송준비|배달준비|출고준비|집하|간선|배달중|배송사고|"
	 "배송오류|배달사고|"
	 "택배사고",
	 7, 0},
	{"조회해|조회하|조회를|조회가|조회했|조회되|조회시", 7, 0},
	{"나머지 ~~~ 언제|발송|배송|오|와|안왔|안와|못받|출고", 10, 0},
	{"제물건|제주문|제택배|제상품|내물건|내택배|내주문|주문한|주문건|시킨|구매한 ~~~ "
	 "어떻게되|어떻게된|"
	 "어떻게돼|어디 !서|에서",
	 10, G_WHERE},
	{"출고되나|발송되나|출고될까|발송될까|출고되는지|발송되는지|출고됐는지|발송됐는지|"
	 "출고되었는지|"
	 "발송되었는지|배송되는지|배송됐는지",
	 7, 0},
	{KO_OBJ " ~~~ 멈춰|멈췄|멈춤|그대로|변동이없|변동없|안움직|움직이지", 10, 0},
	{"며칠째|몇일째|일째|주째|며칠이지|일주일이지|주일이", 4, 0},
	{"변동이없|변동없|업데이트가안|업데이트안|멈춰있|그대로|계속", 4, 0},
	{"배송상태|배송현황|주문상태|주문현황|배송상황|진행상황|처리상황|배송진행|진행상태|"
	 "출고상태|"
	 "발송상태|발송여부|출고여부|배송여부|처리현황|배송정보",
	 10, 0},
	{"발송됐|발송되었|발송이됐|발송이되었|발송했|발송하셨|발송된|출고됐|출고되었|출고된|출고했|"
	 "배송됐|배송되었|배송중인|배송시작|출발했|출발한|보내셨|보냈나|보내주셨|발송처리",
	 7, 0},
	{"지연|늦어|늦게|늦네|늦는|늦었|늦어지|늦어져|오래걸|너무오래|왜이렇게|왜안|한참", 4, 0},
	{KO_SHIP " ~~ 지연|늦어|늦게|늦네|늦는|늦었|오래", 10, 0},
	{"얼마나더|얼마나걸|언제쯤|언제까지|몇일더|며칠더|며칠이나|몇일이나", 7, G_WHEN},
	{"기다리고있|기다리는중|기다렸|기다리고|계속기다|기다려도|기다리다|기다리는데|기다린지", 7,
	 0},
	{"주문한지|주문했는데|결제했는데|구매했는데|시켰는데|주문하고|결제하고|주문후|결제후|"
	 "주문했어요|주문했습니다|결제한지|구매한지|시킨지",
	 4, 0},
	{"배송완료|배달완료|도착완료|완료로|완료라고|완료되었다고|완료됐다고|완료처리", 7, 0},
	{KO_OBJ " ~~ 분실|없어졌|사라졌|도난|없어요|없네요|없습니다|없더라|안보여|안보이|못찾", 10,
	 0},
	{"분실|잃어버|도난|없어졌|사라졌|문앞에없", 4, 0},
	{"반송처리|반송됐|반송되었|반송되|반송중", 10, 0},
	{"?|나요|까요|가요|는지|인지|을지|을까|죠|주세요|주실|부탁|궁금|알려|확인|문의|어떻게", 3,
	 R_Q},

	{"파손|깨져|깨졌|깨진|부서|찢어|찢겨|찌그러|불량|고장|하자|흠집|스크래치|오염|얼룩|누수|"
	 "터져|터졌|변질|상했|작동이안|작동안|안켜|망가",
	 -15, 0},
	{"잘못왔|잘못배송|오배송|잘못보내|잘못발송|다른상품|다른제품|다른물건|다른색|다른사이즈|"
	 "다른게|다른걸|엉뚱한|주문한거랑|주문한것과|주문한것이랑|주문한거와|사이즈가안|사이즈가작|"
	 "사이즈가커|누락|빠져있|빠졌|하나가없|하나없|한개가없|한개없|덜왔|부족|구성품",
	 -15, 0},
	{"교환|반품|환불|취소|환급|돌려받|반납|회수", -15, 0},
	{"주소변경|주소를변경|주소수정|주소를수정|배송지변경|배송지를변경|배송지수정|배송지를수정|"
	 "주소를바꾸|주소바꾸|배송지바꾸|배송지를바꾸|주소가잘못|주소를잘못|주소잘못|잘못입력|"
	 "주소가틀|주소틀|이사",
	 -15, 0},
	{"재고|품절|재입고|입고|매진|구매가능|주문가능|판매|리오더|재판매", -10, 0},
	{"빠른배송|배송이빨|빨리받|빨리왔|빨리도착|배송빨|빠르게받|빨리보내주", -12, 0},
	{"다시들어|다시입고|다시판매|다시나와|다시나오", -12, 0},
	{"추가주문|상품추가|추가하고|추가할|추가해|추가로주문|합배송|같이보내", -12, 0},
	{"주문하면|구매하면|결제하면|주문할경우|주문하려|구매하려|주문하고싶|구매하고싶|사고싶|"
	 "주문전|구매전|배송비|무료배송|해외배송|배송가능|보통|평균|일반적으로|주문하기전|"
	 "구매하기전|주문할까|살까|구매할까|주문할려|오늘주문|지금주문",
	 -12, 0},
	{"잘받|잘왔|잘도착|무사히|받았습니다|받았어요|받았네요|도착했어요|도착했습니다|도착했네요|"
	 "왔어요|왔습니다|왔네요|수령했",
	 -12, R_AFFIRM},
	{"영수증|세금계산서|현금영수증|쿠폰|할인|적립금|포인트|비밀번호|회원|로그인|리뷰|후기", -10,
	 0},
};

#define JA_OBJ	"注文|荷物|商品|品物|小包|パッケージ|お届け物|届け物|配送物|購入|発送物|オーダー"
#define JA_SHIP "配送|発送|到着|お届け|配達|出荷|荷物|注文|商品"

static const struct rule rules_ja[] = {
	{"届いていない|届いてない|届いていません|届いておりません|届いてません|届かない|届きません|"
	 "届かず|届いていな|まだ届|届いておら|届いてなく|未着|未到着|受け取っていない|"
	 "受け取っていません|受け取れていない|受け取れていません|受け取ってない|受け取れず|"
	 "受け取っておりません|受領していません|着いていない|着いていません|着いてない|着かない|"
	 "到着していない|到着していません|到着しない|到着しません|到着してない|到着しておりません|"
	 "発送されていない|発送されていません|発送されてない|発送されない|まだ発送|"
	 "出荷されていない|出荷されていません|出荷されない|まだ出荷|配達されていない|"
	 "配達されていません|配達されない|まだ配達|届く気配|音沙汰",
	 10, 0},
	{"いつ !も ~~~ 届|到着|着|発送|出荷|配達|配送|お届け|受け取|送|もらえ|手元|来|入手", 10,
	 G_WHEN},
	{"届く|届き|届け|到着|発送|出荷|お届け|配達|着く|受け取れる|受け取り ~~ いつ !も", 10,
	 G_WHEN},
	{JA_OBJ " ~~~ どこ !で", 10, G_WHERE},
	{"今どこ|どこにある|どこにあり|どこまで|どこに行|どこへ|行方", 10, G_WHERE},
	{"追跡|お問い合わせ番号|問い合わせ番号|伝票番号|追跡番号|トラッキング|配送状況|配達状況|"
	 "ステータス|追跡情報 ~~ 更新|反映|動|変わ|進ま|表示され|確認でき|出てこ|出ません|止ま|"
	 "ない|ありません|できない|できません|わから|分から|エラー|見つから|該当",
	 10, 0},
	{"追跡|お問い合わせ番号|問い合わせ番号|伝票番号|追跡番号|トラッキング|送り状", 7, 0},
	{"更新されない|更新されていない|更新されません|更新されておりません|更新がない|"
	 "更新がありません|反映されない|反映されていない|反映されません|動きがない|"
	 "動きがありません|"
	 "動いていない|動いていません|止まって|止まった|進まない|進んでいない|変わらない|"
	 "変わりません|変わっていない|そのまま",
	 7, 0},
	{"配送状況|配達状況|発送状況|出荷状況|注文状況|注文状態|配送状態|配送ステータス|"
	 "注文ステータス|発送状態|出荷状態|配送の状況|注文の状況|発送の状況|配送の状態|注文の状態|"
	 "状況を教え|状況を確認|状況を知り|どうなって|どうなりました",
	 10, 0},
	{"発送されましたか|出荷されましたか|発送済みでしょうか|発送されていますか|"
	 "出荷されていますか|"
	 "発送はまだ|出荷はまだ|発送して頂けますか|発送していただけますか|発送していただけましたか|"
	 "発送されたでしょうか|発送されたのでしょうか|発送してもらえ|発送いただけ|もう発送|"
	 "既に発送|"
	 "すでに発送|発送予定|出荷予定|発送日|出荷日",
	 7, 0},
	{"遅れ|遅延|遅い|遅すぎ|遅く|かかりすぎ|時間がかか", 4, 0},
	{JA_SHIP " ~~ 遅れ|遅延|遅い|遅すぎ|遅く", 10, 0},
	{"予定日を過ぎ|予定日が過ぎ|予定日過ぎ|予定を過ぎ|届くはず|着くはず|到着するはず|"
	 "届いているはず|過ぎても",
	 10, 0},
	{"到着予定|お届け予定|配達予定|予定日|届く予定|着く予定", 4, 0},
	{"待っています|待っている|待ってい|待ち続け|待っても|待っており|待てど|待たされ", 7, 0},
	{"まだ|未だ|いまだ", 4, 0},
	{"まだですか|まだでしょうか|まだなんでしょうか|まだかな|まだなの", 10, 0},
	{"経っ|経ち|経過", 7, 0},
	{"間に合いますか|間に合う|間に合わ|までに届|までに着|までに受け取", 7, 0},
	{"再配達|再配送", 7, 0},
	{"何の連絡もない|連絡がない|連絡もない|連絡がありません|連絡もありません|音沙汰", 7, 0},
	{"発送日|出荷日|到着日|お届け日|配達日|発送予定日|到着予定日|お届け予定日 ~~~ "
	 "教え|分か|知り|いつ|確認",
	 10, 0},
	{"発送されてますか|出荷されてますか|発送されてる|発送済みですか|発送してますか|"
	 "発送されているか|"
	 "発送されたか|発送されていますでしょうか",
	 7, 0},
	{"経ちますが|経っても|経ちましたが|経過して|経過しました|たちますが|経つのに|"
	 "経っていますが|になりますが|になるのに|になるが",
	 7, 0},
	{"注文したのに|注文しましたが|注文した商品|注文から|購入したのに|購入しましたが|"
	 "注文したのですが|注文しているのですが|注文した荷物|注文したもの",
	 4, 0},
	{"配達完了|配達済み|配達済|お届け済み|お届け完了|完了となって|完了になって|投函済み|"
	 "投函完了",
	 7, 0},
	{"紛失|行方不明|なくなった|見当たらない|見当たりません|どこにもない|見つからない|"
	 "見つかりません",
	 7, 0},
	{"返送され|差し戻|持ち戻り", 10, 0},
	{"?|ですか|ますか|でしょうか|ませんか|のか|かな|教えて|確認して|確認をお願い|お知らせ|"
	 "知りたい|ください|下さい|お願い|いただけ|頂け",
	 3, R_Q},

	{"破損|壊れ|割れ|傷|キズ|汚れ|汚損|不良|初期不良|故障|凹み|へこみ|潰れ|つぶれ|破れ|欠け|"
	 "漏れ|作動しない|不具合|使えない|動作しない|ダメージ|剥がれ|カビ",
	 -15, 0},
	{"違う商品|別の商品|異なる商品|間違った商品|間違ったもの|間違って届|間違って送|間違って入|"
	 "商品が間違|色が間違|サイズが間違|誤った|注文したものと違|注文と違|"
	 "サイズが違|色が違|サイズ違|色違|入っていない|入ってない|入っていません|入っておりません|"
	 "足りない|不足|欠品|数が違|個数が違|同梱されていな|付属品|違うもの|別のもの|別物",
	 -15, 0},
	{"返品|交換|返金|キャンセル|取り消し|取消|払い戻し|取りやめ|解約", -15, 0},
	{"住所変更|住所を変更|住所の変更|住所を修正|住所の修正|届け先を変更|届け先の変更|"
	 "届け先変更|"
	 "配送先を変更|配送先の変更|配送先変更|お届け先の変更|お届け先を変更|住所が間違|住所を間違|"
	 "住所を訂正|住所を変え|日時の変更|日時変更|日時を変更|時間指定の変更",
	 -15, 0},
	{"在庫|入荷|再入荷|品切れ|売り切れ|完売|再販|販売予定|発売", -10, 0},
	{"引っ越し|転居", -4, 0},
	{"追加|同梱して|一緒に送", -12, 0},
	{"箱|中|中身|同梱|袋|セット ~~ 入っていな|入ってな|入っていません|入っておりません", -15,
	 0},
	{"注文したら|注文すると|注文した場合|注文すれば|購入したら|購入すると|購入した場合|"
	 "購入すれば|"
	 "今注文|今日注文|本日注文|注文前|購入前|購入を検討|注文を検討|検討中|送料|配送料|海外発送|"
	 "海外配送|発送可能|配送可能|お届け可能|通常|一般的に|注文を考え|購入を考え|購入予定|"
	 "注文予定|"
	 "買いたい|購入したい|注文したい",
	 -12, 0},
	{"届きました|受け取りました|到着しました|受け取れました|届いております|届いています|無事|"
	 "受領しました|拝受",
	 -12, R_AFFIRM},
	{"領収書|請求書|クーポン|ポイント|パスワード|ログイン|会員|レビュー|割引|明細", -10, 0},
};

#define TR_OBJ "siparis*|kargo*|paket*|urun*|gonderi*|koli*|teslimat*"

static const struct rule rules_tr[] = {
	{TR_OBJ " ~~ nerede|nerde|nerdee|neredee|nerededir|ne_durumda|ne_asamada|hangi_asamada|"
		"ne_oldu|nereye|nerdesin|neredesin",
	 10, G_WHERE},
	{"nerede_kaldi|nerde_kaldi|ne_durumda|ne_asamada|hangi_asamada|nerededir|nerdedir", 10,
	 G_WHERE},
	{"nerede|nerde|nerdee|neredee", 7, G_WHERE},
	{"gelmedi*|gelmemis*|gelmiyor*|gelmeyen|gelmeyecek*|ulasmadi*|ulasmamis*|ulasmiyor*|"
	 "teslim_edilmedi*|teslim_edilmemis*|teslim_alamadim|teslim_almadim|elime_gecmedi|"
	 "elime_ulasmadi|elime_gelmedi|gonderilmedi*|gonderilmemis*|yollanmadi*|yollanmamis*|"
	 "kargolanmadi*|kargolanmamis*|kargoya_verilmedi*|kargoya_verilmemis*|kargoya_vermediniz|"
	 "gondermediniz|gondermedi*|yollamadiniz|yola_cikmadi*|dagitima_cikmadi*|depodan_cikmadi*|"
	 "alamadim|almadim|hala_yok|henuz_yok|gelmez|getirmedi*|birakmadi*|teslim_etmedi*",
	 10, 0},
	{"cikmadi*|cikmamis*", 7, 0},
	{"ne_zaman ~~ gel*|ulas*|teslim*|kargo*|gonder*|cik*|elime|alabil*|yola|verilecek|verilir|"
	 "yolla*|dagitim*|getir*",
	 10, G_WHEN},
	{TR_OBJ " ~~ ne_zaman", 10, G_WHEN},
	{"takip ~~ guncellenmedi*|guncellenmiyor*|guncel_degil|degismedi*|degismiyor*|hareket*|"
	 "calismiyor|gorunmuyor|yok|olmuyor|acilmiyor|cikmiyor|sorgulanamiyor|bulunamadi|hata*|"
	 "gozukmuyor|bos|ilerlemiyor",
	 10, 0},
	{"takip_numara*|takip_no|takip_kodu|kargo_takip*|gonderi_takip*|takip_linki|takip_bilgisi*|"
	 "barkod*",
	 7, 0},
	{"guncellenmedi*|guncellenmiyor*|hareket_gormedi|hareket_yok|hareketsiz|ayni_yerde|"
	 "ilerlemiyor|degismedi*|degismiyor|hareketlenme*",
	 7, 0},
	{"siparis*|kargo*|gonderi* ~ durum*", 10, 0},
	{"durumu_nedir|durum_nedir|durumu_hakkinda|durum_hakkinda|durumunu_ogren*|bilgi_alabilir*|"
	 "bilgi_verir*|bilgilendir*",
	 7, 0},
	{"kargolandi|gonderildi|cikti|gonderdiniz|yolladiniz|yollandi|verildi|hazirlandi|ulasti|"
	 "geldi|edildi mi|mu|misiniz|mi?",
	 10, 0},
	{"kargolandimi|gonderildimi|verildimi|ciktimi|geldimi|ulastimi", 10, 0},
	{"gecikme*|gecikti*|gecikiyor*|gecikmis*|gec_kaldi*|cok_gec|gecikmeli|uzun_surdu|cok_uzun|"
	 "cok_bekle*",
	 7, 0},
	{TR_OBJ " ~~ gecik*|gec", 10, 0},
	{"hala|halen|henuz", 4, 0},
	{"beri", 4, 0},
	{"dagitima_cikti|dagitimda|dagitima_cikmis|dagitim_surecinde", 7, 0},
	{"gelen_giden_yok|ses_seda_yok|ses_yok|haber_yok|bilgi_yok|donus_yok|haber_alamadim|bilgi_"
	 "gelmedi",
	 7, 0},
	{"ulasir|ulasacak*|elime_ulas*|elime_gec*|teslim_edilecek*|gelecek_mi|gelir_mi", 7, 0},
	{"teslim_edilecek|gelecek|ulasacak|gelir|ulasir|kargolanacak|gonderilecek|cikacak "
	 "mi|mu|misiniz",
	 10, 0},
	{"verilip|gonderilip|kargolanip|yollanip|cikip ~ verilmedig*|gonderilmedig*|kargolanmadig*|"
	 "yollanmadig*|cikmadig*",
	 10, 0},
	{"kargoya_verildigini|gonderildigini|kargolandigini|ne_zaman_gelecegini|ne_zaman_"
	 "gonderilecegini|"
	 "nerede_oldugunu",
	 10, 0},
	{"bekliyorum|bekledim|bekliyoruz|beklemekteyim|bekletiyor*|bekletildim|beklemedeyim|"
	 "bekletil*|beklemekten|beklerken",
	 7, 0},
	{"gundur|gunudur|haftadir|haftalardir|gunlerdir|aydir|suredir|gun_oldu|hafta_oldu|ay_oldu|"
	 "gun_gecti|hafta_gecti|gectigi_halde|gecmesine_ragmen|gun_olmasina",
	 7, 0},
	{"siparis* ~~ verdim|vermistim|ettim|verdik|vermistik", 4, 0},
	{"siparis_verdim|siparis_vermistim|siparis_ettim|satin_aldim|odeme_yaptim|siparis_verdigim|"
	 "siparis_olusturdum|siparisimi_verdim",
	 4, 0},
	{"kac_gunde|kac_gun", 4, 0},
	{"teslim_edildi|teslim_edilmis ~~ ama|fakat|ancak|gorunuyor|yaziyor|diyor|gozukuyor|"
	 "gosteriyor",
	 7, 0},
	{TR_OBJ " ~~ kaybol*|kayip*|bulunamiyor|yok", 10, 0},
	{"kaybol*|kayip|bulamiyorum", 4, 0},
	{"gondericiye|saticiya ?geri iade|edil*|donmus|dondu|gonderil*|gitmis|gitti|donuyor", 20,
	 0},
	{"?|mi|mu|misiniz|musunuz|miyim|muyum|midir|mudur|miydi|acaba|lutfen|rica*|ogrenmek|"
	 "ogrenebilir*|bilgi|yardimci",
	 3, R_Q},

	{"hasar*|kirik*|kirilmis*|kirildi*|bozuk*|defolu|defo*|ariza*|yirtik*|yirtil*|ezik*|"
	 "ezilmis*|cizik*|cizilmis*|leke*|sizinti*|akmis|patlak|patlamis|kullanilamaz|islemiyor|"
	 "parcalanmis",
	 -15, 0},
	{"yanlis|farkli ?bir urun*|beden*|renk*|model*|boyut*|esya*|gelmis|geldi|gonderil*|"
	 "gonderdiniz|gonderilmis",
	 -15, 0},
	{"eksik*|icinden_cikmadi|bir_tanesi_yok|biri_yok|parca_eksik", -15, 0},
	{"iade*|degisim*|degistir*|geri_gonder*|geri_yolla*|iptal*|param|parami|paramin|ucret_iade*"
	 "|"
	 "geri_odeme|ucretimi",
	 -15, 0},
	{"adres* ~~ degis*|guncelle*|duzelt*|yanlis|hatali|eksik", -15, 0},
	{"yeni_adres*|adres_degisikligi|tasindim", -10, 0},
	{"stok*|tukendi|tukenmis|tukenecek|tekrar_gelir_mi|tekrar_gelecek|yeniden_gelecek|satista|"
	 "satisa",
	 -10, 0},
	/* changing the order before it ships */
	{"verilmediyse|gonderilmediyse|kargolanmadiysa|cikmadiysa|verilmeden|gonderilmeden|"
	 "kargolanmadan|"
	 "cikmadan",
	 -15, 0},
	{"ekle*", -12, 0},
	{"siparis_versem|siparis_verirsem|siparis_verdigimde|alirsam|alsam|satin_alirsam|satin_"
	 "alsam|"
	 "simdi_siparis|bugun_siparis|siparis_vermeden|siparis_vermek_ist*|siparis_verebilir*|"
	 "almak_ist*|kargo_ucret*|kargo_bedel*|ucretsiz_kargo|kargo_ucretsiz|yurt_disi*|yurtdisi*|"
	 "gonderim_yapiyor*|kargo_suresi|teslim_suresi|teslimat_suresi|genelde|genellikle|normalde|"
	 "ortalama",
	 -12, 0},
	{"geldi|ulasti|teslim_aldim|elime_ulasti|elime_gecti|sorunsuz|teslim_alindi|elime_geldi",
	 -12, R_AFFIRM},
	{"fatura*|kupon*|indirim*|sifre*|uyelik*|puan*|yorum*|degerlendirme*", -10, 0},
};

#define ANCHORS_MAX 4096
#define RULES_MAX   512

enum { T_EN, T_TR, T_KO, T_JA, N_TABLES };

static const struct {
	const struct rule *rules;
	size_t n;
} tables[N_TABLES] = {
	[T_EN] = {rules_en, sizeof(rules_en) / sizeof(rules_en[0])},
	[T_TR] = {rules_tr, sizeof(rules_tr) / sizeof(rules_tr[0])},
	[T_KO] = {rules_ko, sizeof(rules_ko) / sizeof(rules_ko[0])},
	[T_JA] = {rules_ja, sizeof(rules_ja) / sizeof(rules_ja[0])},
};

static struct anchor anchors[ANCHORS_MAX];
static struct rule_index rule_index[RULES_MAX];
static size_t table_first[N_TABLES + 1]; /* the rule_index entries of each table */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void index_rule(const struct rule *r, struct rule_index *ri, size_t *n_anchors)
{
	const char *tok_end = r->pat + strcspn(r->pat, " "), *a;
	size_t al;

	ri->rule = r;
	ri->rest = tok_end;
	ri->first = (unsigned short)*n_anchors;
	for (a = r->pat; a < tok_end; a += al + 1) {
		struct anchor *an;

		al = alt_len(a, tok_end);
		if (*n_anchors == ANCHORS_MAX)
			BUG("classify: more than %d first literals", ANCHORS_MAX);
		an = &anchors[(*n_anchors)++];
		an->lit = a;
		an->len = (unsigned char)al;
		an->seg = (unsigned char)strcspn(a, "_*| ");
		if (an->seg > al)
			an->seg = (unsigned char)al;
		if (!an->seg || al > 255)
			BUG("classify: bad first literal in '%s'", r->pat);
		an->gram = (unsigned short)gram_hash(a, an->seg < 3 ? an->seg : 3);
	}
	ri->count = (unsigned short)(*n_anchors - ri->first);
}

static void build_index(void)
{
	size_t t, i, n_rules = 0, n_anchors = 0;

	for (t = 0; t < N_TABLES; t++) {
		table_first[t] = n_rules;
		for (i = 0; i < tables[t].n; i++) {
			if (n_rules == RULES_MAX)
				BUG("classify: more than %d rules", RULES_MAX);
			index_rule(&tables[t].rules[i], &rule_index[n_rules++], &n_anchors);
		}
	}
	table_first[N_TABLES] = n_rules;
}

struct evidence {
	int pos, neg, q;
	int group_best[GROUPS + 1]; /* the weight a group has given, by its flag */
};

static void apply_rules(const struct text *t, int table, struct evidence *ev)
{
	size_t i;
	int g, w;

	for (i = table_first[table]; i < table_first[table + 1]; i++) {
		const struct rule *r = rule_index[i].rule;

		if (!rule_matches(t, &rule_index[i], anchors))
			continue;
		g = r->flags & GROUPS;
		w = r->w;
		if (r->flags & R_Q) {
			ev->q = 1;
		} else if (w < 0) {
			ev->neg += w;
		} else if (g) {
			if (w > ev->group_best[g]) {
				ev->pos += w - ev->group_best[g];
				ev->group_best[g] = w;
			}
		} else {
			ev->pos += w;
		}
	}
}

/* The WISMO score in tenths. */
static int wismo_score(const struct folded *f)
{
	uint64_t grams[GRAM_BITS / 64];
	struct text t = {f->s, f->n, grams};
	struct evidence ev = {0};
	int total;

	pthread_once(&index_once, build_index);
	gram_build(f->s, f->n, grams);
	if (f->latin) {
		apply_rules(&t, T_EN, &ev);
		apply_rules(&t, T_TR, &ev);
	}
	if (f->hangul)
		apply_rules(&t, T_KO, &ev);
	if (f->kana || f->han)
		apply_rules(&t, T_JA, &ev);
	total = ev.pos + (ev.pos && ev.q ? 3 : 0) + ev.neg;
	return total > 0 ? total : 0;
}

/* ---- order numbers ---- */

static int word_is(const char *w, size_t len, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && !memcmp(w, list[i], len))
			return 1;
	return 0;
}

#define WORD_IS(w, len, list) word_is(w, len, list, sizeof(list) / sizeof(list[0]))

static const char *const order_fillers[] = {
	"no",	     "nr",	    "nu",	 "num",	  "number", "numbers", "id",
	"is",	     "ref",	    "reference", "code",  "numara", "numaram", "numarasi",
	"numaramiz", "numarasidir", "kodu",	 "kodum", "nosu",
};
static const char *const cjk_fillers[] = {"番号", "번호", "は", "が", "の", "는", "은", "이", "가"};

static int is_order_word(const char *w, size_t len)
{
	return (len == 5 && !memcmp(w, "order", 5)) || (len == 6 && !memcmp(w, "orders", 6)) ||
	       (len >= 7 && !memcmp(w, "siparis", 7));
}

/* Whether an order word comes before position a, over fillers like "no", "番号", ":" or "#". */
static int order_word_before(const char *s, size_t a)
{
	size_t e = a, b, wl;
	int hops;

	for (hops = 0; hops < 5; hops++) {
		while (e > 0 && memchr(" :#-.=(\"[,'", s[e - 1], 11))
			e--;
		if (e == 0)
			return 0;
		if (is_alnum(s[e - 1])) {
			for (b = e; b > 0 && is_alnum(s[b - 1]); b--)
				;
			if (is_order_word(s + b, e - b))
				return 1;
			if (!WORD_IS(s + b, e - b, order_fillers))
				return 0;
			e = b;
			continue;
		}
		if (ends_with(s, e, "注文", &wl) || ends_with(s, e, "주문", &wl))
			return 1;
		for (b = 0; b < sizeof(cjk_fillers) / sizeof(cjk_fillers[0]); b++)
			if (ends_with(s, e, cjk_fillers[b], &wl))
				break;
		if (b == sizeof(cjk_fillers) / sizeof(cjk_fillers[0]))
			return 0;
		e -= wl;
	}
	return 0;
}

/* "1042번 주문", "1042 numaralı sipariş", "1042 nolu siparişim": the order word after. */
static int order_word_after(const char *s, size_t n, size_t b)
{
	size_t p = b, e;

	if (p < n && s[p] == ' ')
		p++;
	if (n - p >= 3 && !memcmp(s + p, "번", 3)) {
		p += 3;
		if (p < n && s[p] == ' ')
			p++;
		return n - p >= 6 && !memcmp(s + p, "주문", 6);
	}
	for (e = p; e < n && is_alnum(s[e]); e++)
		;
	if (!((e - p == 8 && !memcmp(s + p, "numarali", 8)) ||
	      (e - p == 4 && !memcmp(s + p, "nolu", 4))))
		return 0;
	if (e < n && s[e] == ' ')
		e++;
	return n - e >= 7 && !memcmp(s + e, "siparis", 7);
}

static const char *const unit_words[] = {
	"tl",	   "try",  "lira",   "liras", "usd",  "eur", "euro",   "euros", "dollar",
	"dollars", "yen",  "won",    "krw",   "jpy",  "gbp", "pounds", "pcs",	"items",
	"adet",	   "kg",   "gr",     "ml",    "days", "day", "weeks",  "hours", "gun",
	"hafta",   "saat", "dakika", "km",    "cm",   "mm",
};
static const char *const cjk_units[] = {
	"円", "원", "엔", "달러", "개", "個", "点", "年", "月", "日", "時",   "分",	"년",  "월",
	"일", "시", "분", "週",	  "件", "枚", "本", "名", "명", "元", "ドル", "ウォン", "リラ"};

/* Whether the digits at [a, b) are part of a price, date, phone number or measure. */
static int not_an_order_number(const char *s, size_t n, size_t a, size_t b)
{
	size_t p = b, e, i;

	if (a > 0 && ((s[a - 1] >= 'a' && s[a - 1] <= 'z') || s[a - 1] == '+' || s[a - 1] == '$'))
		return 1;
	if (a > 1 && s[a - 1] == ' ' && (s[a - 2] == '$' || is_digit(s[a - 2])))
		return 1;
	if (a > 1 && memchr("-./,:", s[a - 1], 5) && is_digit(s[a - 2]))
		return 1;
	if (b < n && s[b] >= 'a' && s[b] <= 'z')
		return 1;
	if (b + 1 < n && memchr("-./,: ", s[b], 6) && is_digit(s[b + 1]))
		return 1;
	if (b + 2 < n && s[b] == ')' && s[b + 1] == ' ' && is_digit(s[b + 2]))
		return 1;
	if (a > 0 && s[a - 1] == '(' && b < n && s[b] == ')')
		return 1;
	if (p < n && s[p] == ' ')
		p++;
	if (p < n && (s[p] == '$' || s[p] == '%'))
		return 1;
	for (e = p; e < n && is_alnum(s[e]); e++)
		;
	if (e > p && WORD_IS(s + p, e - p, unit_words))
		return 1;
	for (i = 0; i < sizeof(cjk_units) / sizeof(cjk_units[0]); i++) {
		size_t ul = strlen(cjk_units[i]);

		if (n - b >= ul && !memcmp(s + b, cjk_units[i], ul))
			return 1;
		if (p > b && n - p >= ul && !memcmp(s + p, cjk_units[i], ul))
			return 1;
	}
	return 0;
}

/* "#1042" or "# 1042", not an HTML character reference ("&#1042;"). */
static int hash_before(const char *s, size_t a)
{
	size_t h = a;

	if (h > 0 && s[h - 1] == ' ')
		h--;
	return h > 0 && s[h - 1] == '#' && !(h > 1 && s[h - 2] == '&');
}

/* Whether [from, a) only joins two numbers of a list: "1042, 1043", "#1042 and #1043". */
static int list_between(const char *s, size_t from, size_t a)
{
	static const char *const joins[] = {"and", "or", "ve", "veya", "ile",
					    "및",  "와", "과", "と"};
	size_t p = from, i, jl;
	int words = 0;

	while (p < a) {
		if (memchr(" ,#&", s[p], 4)) {
			p++;
			continue;
		}
		for (i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
			jl = strlen(joins[i]);
			if (a - p >= jl && !memcmp(s + p, joins[i], jl) &&
			    (p + jl == a || !is_alnum(s[p + jl])))
				break;
		}
		if (i == sizeof(joins) / sizeof(joins[0]) || ++words > 1)
			return 0;
		p += jl;
	}
	return 1;
}

static int order_numbers(const struct folded *f, char numbers[][CLASSIFY_NUMBER_MAX], int max)
{
	const char *s = f->s;
	size_t n = f->n, i = 0, a, b, chain = (size_t)-1;
	int count = 0, j;

	while (i < n && count < max) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		for (a = i; i < n && is_digit(s[i]); i++)
			;
		b = i;
		if (b - a < CLASSIFY_DIGITS_MIN || b - a > CLASSIFY_DIGITS_MAX)
			continue;
		if (b == n && f->cut) /* the number may go on after the part that was read */
			continue;
		if (not_an_order_number(s, n, a, b))
			continue;
		if (!hash_before(s, a) && !order_word_before(s, a) && !order_word_after(s, n, b) &&
		    !(chain != (size_t)-1 && list_between(s, chain, a)))
			continue;
		chain = b;
		for (j = 0; j < count; j++)
			if (strlen(numbers[j]) == b - a && !memcmp(numbers[j], s + a, b - a))
				break;
		if (j < count)
			continue;
		memcpy(numbers[count], s + a, b - a);
		numbers[count][b - a] = '\0';
		count++;
	}
	return count;
}

int classify_order_numbers(const char *text, size_t len, char numbers[][CLASSIFY_NUMBER_MAX],
			   int max)
{
	struct folded f;

	if (max <= 0 || !numbers)
		return 0;
	fold(text, len, &f);
	return order_numbers(&f, numbers, max);
}

void classify_message(const char *text, size_t len, struct classify_result *out)
{
	struct folded f;

	memset(out, 0, sizeof(*out));
	fold(text, len, &f);
	out->lang = language(&f);
	out->score = wismo_score(&f) / 10.0;
	out->wismo = out->score >= 1.0;
	out->n_numbers = order_numbers(&f, out->numbers, CLASSIFY_MAX_NUMBERS);
}
