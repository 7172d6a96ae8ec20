/*
 * text.c - search tokens, snippets and UTF-8 checks; see text.h.
 *
 * One sorted table, folds[], says what each non-ASCII code point is: a separator,
 * an ignorable mark, a CJK character, or a letter and its folded form. Code points
 * the table does not list are letters of other alphabets and are kept as they
 * are: Arabic, Hebrew or Thai text stays searchable, just without folding.
 */
#include "core/text.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <pthread.h>
#include <wchar.h>
#include <wctype.h>

#define ELLIPSIS "\u2026"
#define REPLACEMENT "\uFFFD"
#define QUERY_MAX 64

enum cls { C_SEP, C_IGNORE, C_WORD, C_CJK };

enum fold_kind { F_SEP, F_IGNORE, F_CJK, F_TO, F_ADD, F_PAIRS };

struct fold {
	uint32_t lo, hi;
	unsigned char kind;
	unsigned char add;  /* F_ADD: lowercase is cp + add */
	const char *to;     /* F_TO: the folded form of every cp in the range */
};

#define SEPS(lo, hi) { lo, hi, F_SEP, 0, NULL }
#define IGNORED(lo, hi) { lo, hi, F_IGNORE, 0, NULL }
#define CJKS(lo, hi) { lo, hi, F_CJK, 0, NULL }
#define TO(lo, hi, s) { lo, hi, F_TO, 0, s }
#define ADD(lo, hi, n) { lo, hi, F_ADD, n, NULL }
/* Upper and lower case alternate, the uppercase letter first. */
#define PAIRS(lo, hi) { lo, hi, F_PAIRS, 0, NULL }

/*
 * Sorted by code point, no overlaps. Greek accented letters and final sigma fold
 * to their plain lowercase forms because Greek queries are usually typed without
 * accents; Ё folds to Е for the same reason in Russian.
 */
static const struct fold folds[] = {
	/* Latin-1 Supplement */
	SEPS(0x80, 0xA9), TO(0xAA, 0xAA, "a"), SEPS(0xAB, 0xAC),
	IGNORED(0xAD, 0xAD), /* soft hyphen, found inside words */
	SEPS(0xAE, 0xB4), TO(0xB5, 0xB5, "\u03BC"), SEPS(0xB6, 0xB9),
	TO(0xBA, 0xBA, "o"), SEPS(0xBB, 0xBF),
	TO(0xC0, 0xC5, "a"), TO(0xC6, 0xC6, "ae"), TO(0xC7, 0xC7, "c"),
	TO(0xC8, 0xCB, "e"), TO(0xCC, 0xCF, "i"), TO(0xD0, 0xD0, "d"),
	TO(0xD1, 0xD1, "n"), TO(0xD2, 0xD6, "o"), SEPS(0xD7, 0xD7),
	TO(0xD8, 0xD8, "o"), TO(0xD9, 0xDC, "u"), TO(0xDD, 0xDD, "y"),
	TO(0xDE, 0xDE, "th"), TO(0xDF, 0xDF, "ss"),
	TO(0xE0, 0xE5, "a"), TO(0xE6, 0xE6, "ae"), TO(0xE7, 0xE7, "c"),
	TO(0xE8, 0xEB, "e"), TO(0xEC, 0xEF, "i"), TO(0xF0, 0xF0, "d"),
	TO(0xF1, 0xF1, "n"), TO(0xF2, 0xF6, "o"), SEPS(0xF7, 0xF7),
	TO(0xF8, 0xF8, "o"), TO(0xF9, 0xFC, "u"), TO(0xFD, 0xFD, "y"),
	TO(0xFE, 0xFE, "th"), TO(0xFF, 0xFF, "y"),
	/* Latin Extended-A; 0x130 İ and 0x131 ı join the i's */
	TO(0x100, 0x105, "a"), TO(0x106, 0x10D, "c"), TO(0x10E, 0x111, "d"),
	TO(0x112, 0x11B, "e"), TO(0x11C, 0x123, "g"), TO(0x124, 0x127, "h"),
	TO(0x128, 0x131, "i"), TO(0x132, 0x133, "ij"), TO(0x134, 0x135, "j"),
	TO(0x136, 0x138, "k"), TO(0x139, 0x142, "l"), TO(0x143, 0x14B, "n"),
	TO(0x14C, 0x151, "o"), TO(0x152, 0x153, "oe"), TO(0x154, 0x159, "r"),
	TO(0x15A, 0x161, "s"), TO(0x162, 0x167, "t"), TO(0x168, 0x173, "u"),
	TO(0x174, 0x175, "w"), TO(0x176, 0x178, "y"), TO(0x179, 0x17E, "z"),
	TO(0x17F, 0x17F, "s"),
	/* Latin Extended-B; letters without a Latin base are kept */
	TO(0x180, 0x183, "b"), TO(0x186, 0x186, "o"), TO(0x187, 0x188, "c"),
	TO(0x189, 0x18C, "d"), TO(0x18E, 0x190, "e"), TO(0x191, 0x192, "f"),
	TO(0x193, 0x193, "g"), TO(0x196, 0x197, "i"), TO(0x198, 0x199, "k"),
	TO(0x19A, 0x19A, "l"), TO(0x19C, 0x19C, "m"), TO(0x19D, 0x19E, "n"),
	TO(0x19F, 0x1A1, "o"), TO(0x1A4, 0x1A5, "p"), TO(0x1A6, 0x1A6, "r"),
	TO(0x1AB, 0x1AE, "t"), TO(0x1AF, 0x1B1, "u"), TO(0x1B2, 0x1B2, "v"),
	TO(0x1B3, 0x1B4, "y"), TO(0x1B5, 0x1B6, "z"), TO(0x1C4, 0x1C6, "dz"),
	TO(0x1C7, 0x1C9, "lj"), TO(0x1CA, 0x1CC, "nj"), TO(0x1CD, 0x1CE, "a"),
	TO(0x1CF, 0x1D0, "i"), TO(0x1D1, 0x1D2, "o"), TO(0x1D3, 0x1DC, "u"),
	TO(0x1DD, 0x1DD, "e"), TO(0x1DE, 0x1E1, "a"), TO(0x1E2, 0x1E3, "ae"),
	TO(0x1E4, 0x1E7, "g"), TO(0x1E8, 0x1E9, "k"), TO(0x1EA, 0x1ED, "o"),
	TO(0x1F0, 0x1F0, "j"), TO(0x1F1, 0x1F3, "dz"), TO(0x1F4, 0x1F5, "g"),
	TO(0x1F8, 0x1F9, "n"), TO(0x1FA, 0x1FB, "a"), TO(0x1FC, 0x1FD, "ae"),
	TO(0x1FE, 0x1FF, "o"), TO(0x200, 0x203, "a"), TO(0x204, 0x207, "e"),
	TO(0x208, 0x20B, "i"), TO(0x20C, 0x20F, "o"), TO(0x210, 0x213, "r"),
	TO(0x214, 0x217, "u"), TO(0x218, 0x219, "s"), TO(0x21A, 0x21B, "t"),
	TO(0x21E, 0x21F, "h"), TO(0x220, 0x220, "n"), TO(0x221, 0x221, "d"),
	TO(0x224, 0x225, "z"), TO(0x226, 0x227, "a"), TO(0x228, 0x229, "e"),
	TO(0x22A, 0x231, "o"), TO(0x232, 0x233, "y"), TO(0x234, 0x234, "l"),
	TO(0x235, 0x235, "n"), TO(0x236, 0x236, "t"), TO(0x237, 0x237, "j"),
	TO(0x23A, 0x23A, "a"), TO(0x23B, 0x23C, "c"), TO(0x23D, 0x23D, "l"),
	TO(0x23E, 0x23E, "t"), TO(0x23F, 0x23F, "s"), TO(0x240, 0x240, "z"),
	TO(0x243, 0x243, "b"), TO(0x244, 0x244, "u"), TO(0x245, 0x245, "v"),
	TO(0x246, 0x247, "e"), TO(0x248, 0x249, "j"), TO(0x24A, 0x24B, "q"),
	TO(0x24C, 0x24D, "r"), TO(0x24E, 0x24F, "y"),
	TO(0x259, 0x259, "e"), /* Azerbaijani schwa, like 0x18F */
	SEPS(0x2B0, 0x2FF),    /* modifier letters, among them ʼ and ʻ apostrophes */
	IGNORED(0x300, 0x36F), /* combining diacritics: decomposed é is é */
	/* Greek */
	PAIRS(0x370, 0x373), SEPS(0x374, 0x375), PAIRS(0x376, 0x377),
	SEPS(0x37E, 0x37E), SEPS(0x384, 0x385), TO(0x386, 0x386, "\u03B1"),
	SEPS(0x387, 0x387), TO(0x388, 0x388, "\u03B5"), TO(0x389, 0x389, "\u03B7"),
	TO(0x38A, 0x38A, "\u03B9"), TO(0x38C, 0x38C, "\u03BF"),
	TO(0x38E, 0x38E, "\u03C5"), TO(0x38F, 0x38F, "\u03C9"),
	TO(0x390, 0x390, "\u03B9"), ADD(0x391, 0x3A1, 0x20), ADD(0x3A3, 0x3A9, 0x20),
	TO(0x3AA, 0x3AA, "\u03B9"), TO(0x3AB, 0x3AB, "\u03C5"),
	TO(0x3AC, 0x3AC, "\u03B1"), TO(0x3AD, 0x3AD, "\u03B5"),
	TO(0x3AE, 0x3AE, "\u03B7"), TO(0x3AF, 0x3AF, "\u03B9"),
	TO(0x3B0, 0x3B0, "\u03C5"), TO(0x3C2, 0x3C2, "\u03C3"),
	TO(0x3CA, 0x3CA, "\u03B9"), TO(0x3CB, 0x3CB, "\u03C5"),
	TO(0x3CC, 0x3CC, "\u03BF"), TO(0x3CD, 0x3CD, "\u03C5"),
	TO(0x3CE, 0x3CE, "\u03C9"), TO(0x3CF, 0x3CF, "\u03D7"),
	PAIRS(0x3D8, 0x3EF), SEPS(0x3F6, 0x3F6),
	/* Cyrillic */
	TO(0x400, 0x401, "\u0435"), ADD(0x402, 0x40F, 0x50), ADD(0x410, 0x42F, 0x20),
	TO(0x450, 0x451, "\u0435"), PAIRS(0x460, 0x481), SEPS(0x482, 0x482),
	IGNORED(0x483, 0x489), PAIRS(0x48A, 0x4BF), TO(0x4C0, 0x4C0, "\u04CF"),
	PAIRS(0x4C1, 0x4CE), PAIRS(0x4D0, 0x52F),
	/* the commonest punctuation of Armenian, Hebrew, Arabic and Devanagari */
	SEPS(0x55A, 0x55F), SEPS(0x589, 0x58A), SEPS(0x5BE, 0x5BE),
	SEPS(0x5C0, 0x5C0), SEPS(0x5C3, 0x5C3), SEPS(0x5F3, 0x5F4),
	SEPS(0x600, 0x60F), SEPS(0x61B, 0x61F), SEPS(0x66A, 0x66D),
	SEPS(0x6D4, 0x6D4), SEPS(0x964, 0x965),
	CJKS(0x1100, 0x11FF), /* Hangul Jamo */
	SEPS(0x1680, 0x1680), IGNORED(0x1AB0, 0x1AFF), IGNORED(0x1DC0, 0x1DFF),
	/* Latin Extended Additional, Vietnamese from 0x1EA0 */
	TO(0x1E00, 0x1E01, "a"), TO(0x1E02, 0x1E07, "b"), TO(0x1E08, 0x1E09, "c"),
	TO(0x1E0A, 0x1E13, "d"), TO(0x1E14, 0x1E1D, "e"), TO(0x1E1E, 0x1E1F, "f"),
	TO(0x1E20, 0x1E21, "g"), TO(0x1E22, 0x1E2B, "h"), TO(0x1E2C, 0x1E2F, "i"),
	TO(0x1E30, 0x1E35, "k"), TO(0x1E36, 0x1E3D, "l"), TO(0x1E3E, 0x1E43, "m"),
	TO(0x1E44, 0x1E4B, "n"), TO(0x1E4C, 0x1E53, "o"), TO(0x1E54, 0x1E57, "p"),
	TO(0x1E58, 0x1E5F, "r"), TO(0x1E60, 0x1E69, "s"), TO(0x1E6A, 0x1E71, "t"),
	TO(0x1E72, 0x1E7B, "u"), TO(0x1E7C, 0x1E7F, "v"), TO(0x1E80, 0x1E89, "w"),
	TO(0x1E8A, 0x1E8D, "x"), TO(0x1E8E, 0x1E8F, "y"), TO(0x1E90, 0x1E95, "z"),
	TO(0x1E96, 0x1E96, "h"), TO(0x1E97, 0x1E97, "t"), TO(0x1E98, 0x1E98, "w"),
	TO(0x1E99, 0x1E99, "y"), TO(0x1E9A, 0x1E9A, "a"), TO(0x1E9B, 0x1E9B, "s"),
	TO(0x1E9E, 0x1E9E, "ss"), TO(0x1EA0, 0x1EB7, "a"), TO(0x1EB8, 0x1EC7, "e"),
	TO(0x1EC8, 0x1ECB, "i"), TO(0x1ECC, 0x1EE3, "o"), TO(0x1EE4, 0x1EF1, "u"),
	TO(0x1EF2, 0x1EF9, "y"),
	/* punctuation, symbols, arrows, dingbats, CJK punctuation */
	SEPS(0x2000, 0x20CF), IGNORED(0x20D0, 0x20FF), SEPS(0x2100, 0x2BFF),
	SEPS(0x2E00, 0x2FFF), SEPS(0x3000, 0x3004),
	CJKS(0x3005, 0x3007), /* 々 repeats the kanji before it, as in 人々 */
	SEPS(0x3008, 0x303F), CJKS(0x3040, 0x309F),
	SEPS(0x30A0, 0x30A0), CJKS(0x30A1, 0x30FA),
	SEPS(0x30FB, 0x30FB), /* ・ separates the words of foreign names */
	CJKS(0x30FC, 0x30FF), CJKS(0x3130, 0x318F), SEPS(0x3190, 0x319F),
	SEPS(0x31C0, 0x31EF), CJKS(0x31F0, 0x31FF), SEPS(0x3200, 0x33FF),
	CJKS(0x3400, 0x4DBF), SEPS(0x4DC0, 0x4DFF), CJKS(0x4E00, 0x9FFF),
	CJKS(0xA960, 0xA97F), CJKS(0xAC00, 0xD7FF), SEPS(0xE000, 0xF8FF),
	CJKS(0xF900, 0xFAFF),
	/* ligatures, common in text pasted from PDFs */
	TO(0xFB00, 0xFB00, "ff"), TO(0xFB01, 0xFB01, "fi"), TO(0xFB02, 0xFB02, "fl"),
	TO(0xFB03, 0xFB03, "ffi"), TO(0xFB04, 0xFB04, "ffl"), TO(0xFB05, 0xFB06, "st"),
	IGNORED(0xFE00, 0xFE0F), SEPS(0xFE10, 0xFE1F), IGNORED(0xFE20, 0xFE2F),
	SEPS(0xFE30, 0xFE6F), SEPS(0xFEFF, 0xFEFF),
	SEPS(0xFF00, 0xFF65), /* FF01-FF5E never get here: they fold to ASCII */
	CJKS(0xFF66, 0xFFDF), SEPS(0xFFE0, 0xFFFF),
	SEPS(0x1F000, 0x1FBFF), /* emoji and other pictographs */
	CJKS(0x20000, 0x3FFFF), SEPS(0xE0000, 0xE007F), IGNORED(0xE0100, 0xE01EF),
	SEPS(0xF0000, 0x10FFFF),
};

/* One decoded code point (or one invalid byte) and what it means for search. */
struct unit {
	size_t end; /* the offset just past it */
	enum cls cls;
	size_t n;   /* bytes in fold */
	char fold[8];
};

/* A token with where it came from, so snippets can mark the original text. */
struct tok {
	size_t start, mid, end; /* source offsets; mid starts a bigram's second char */
	size_t len, split;      /* bytes in text, and in its first CJK char */
	int cjk;
	char text[TEXT_TOKEN_MAX + 1];
};

struct scanner {
	const unsigned char *s;
	size_t len, pos;
	int in_run, run_paired; /* inside a CJK run; it gave a bigram already */
	size_t prev_at;         /* the previous CJK char of the run */
	struct unit prev;
};

/* A growable output with a sticky out-of-memory flag. */
struct out {
	char *p;
	size_t len, cap;
	int oom;
};

struct span {
	size_t start, end;
};

struct marks {
	struct span *v;
	size_t n, cap;
	int oom;
};

struct query {
	size_t n;
	struct tok t[QUERY_MAX];
};

/*
 * Returns the length of the valid UTF-8 sequence at s (len > 0) and its code
 * point, or 0 when s does not start one. Narrowing the second byte's range
 * rejects overlongs (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0) {
		n = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		n = 3;
		v = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else {
		n = 4;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return n;
}

size_t text_utf8_put(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static size_t utf8_len(unsigned char lead)
{
	return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

static const struct fold *fold_find(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(folds) / sizeof(folds[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < folds[mid].lo)
			hi = mid;
		else if (cp > folds[mid].hi)
			lo = mid + 1;
		else
			return &folds[mid];
	}
	return NULL;
}

static void classify_ascii(uint32_t cp, struct unit *u)
{
	int upper = cp >= 'A' && cp <= 'Z';

	if (!upper && !(cp >= 'a' && cp <= 'z') && !(cp >= '0' && cp <= '9')) {
		u->cls = C_SEP;
		return;
	}
	u->cls = C_WORD;
	u->fold[0] = (char)(upper ? cp + ('a' - 'A') : cp);
	u->n = 1;
}

static void classify(uint32_t cp, struct unit *u)
{
	const struct fold *f;

	u->n = 0;
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		cp -= 0xFEE0; /* fullwidth ASCII */
	if (cp < 0x80) {
		classify_ascii(cp, u);
		return;
	}
	u->cls = C_WORD;
	f = fold_find(cp);
	if (!f) {
		u->n = text_utf8_put(u->fold, cp);
		return;
	}
	switch (f->kind) {
	case F_SEP:
		u->cls = C_SEP;
		break;
	case F_IGNORE:
		u->cls = C_IGNORE;
		break;
	case F_CJK:
		u->cls = C_CJK;
		u->n = text_utf8_put(u->fold, cp);
		break;
	case F_TO:
		u->n = strlen(f->to);
		memcpy(u->fold, f->to, u->n);
		break;
	case F_ADD:
		u->n = text_utf8_put(u->fold, cp + f->add);
		break;
	case F_PAIRS:
		u->n = text_utf8_put(u->fold, cp + !((cp - f->lo) & 1));
		break;
	}
}

/* Reads the unit at pos < len; an invalid byte is a separator of its own. */
static void unit_at(const unsigned char *s, size_t len, size_t pos, struct unit *u)
{
	uint32_t cp;
	size_t n = utf8_decode(s + pos, len - pos, &cp);

	if (!n) {
		u->end = pos + 1;
		u->cls = C_SEP;
		u->n = 0;
		return;
	}
	u->end = pos + n;
	classify(cp, u);
}

static size_t step(const unsigned char *s, size_t len, size_t pos)
{
	uint32_t cp;
	size_t n = utf8_decode(s + pos, len - pos, &cp);

	return pos + (n ? n : 1);
}

static void scanner_init(struct scanner *sc, const char *s, size_t len)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = (const unsigned char *)s;
	sc->len = len;
}

/* Appends u's folded characters while they fit; returns 0 once the token is full. */
static int tok_append(struct tok *t, const struct unit *u)
{
	size_t i, n;

	for (i = 0; i < u->n; i += n) {
		n = utf8_len((unsigned char)u->fold[i]);
		if (t->len + n > TEXT_TOKEN_MAX)
			return 0;
		memcpy(t->text + t->len, u->fold + i, n);
		t->len += n;
	}
	return 1;
}

static void read_word(struct scanner *sc, struct tok *t)
{
	struct unit u;
	int room = 1;

	t->start = sc->pos;
	t->len = 0;
	t->cjk = 0;
	while (sc->pos < sc->len) {
		unit_at(sc->s, sc->len, sc->pos, &u);
		if (u.cls != C_WORD && u.cls != C_IGNORE)
			break;
		if (room)
			room = tok_append(t, &u);
		sc->pos = t->end = u.end;
	}
	t->mid = t->end;
	t->split = t->len;
	t->text[t->len] = '\0';
}

/* Makes the run's previous character a token, joined by u (at pos) if not NULL. */
static void cjk_token(struct scanner *sc, const struct unit *u, size_t pos, struct tok *t)
{
	t->cjk = 1;
	t->start = sc->prev_at;
	t->mid = t->end = sc->prev.end;
	memcpy(t->text, sc->prev.fold, sc->prev.n);
	t->split = t->len = sc->prev.n;
	if (u) {
		t->mid = pos;
		t->end = u->end;
		memcpy(t->text + t->len, u->fold, u->n);
		t->len += u->n;
	}
	t->text[t->len] = '\0';
}

/* Ends a CJK run; returns 1 when its only character becomes a token. */
static int end_run(struct scanner *sc, struct tok *t)
{
	int lone = sc->in_run && !sc->run_paired;

	if (lone)
		cjk_token(sc, NULL, 0, t);
	sc->in_run = sc->run_paired = 0;
	return lone;
}

/* Adds u to the current CJK run; returns 1 when it completes a bigram in t. */
static int run_add(struct scanner *sc, const struct unit *u, struct tok *t)
{
	int pair = sc->in_run;

	if (pair)
		cjk_token(sc, u, sc->pos, t);
	sc->in_run = 1;
	sc->run_paired |= pair;
	sc->prev = *u;
	sc->prev_at = sc->pos;
	sc->pos = u->end;
	return pair;
}

/* Reads the next token into t; returns 0 at the end of the text. */
static int scan_next(struct scanner *sc, struct tok *t)
{
	struct unit u;

	while (sc->pos < sc->len) {
		unit_at(sc->s, sc->len, sc->pos, &u);
		if (u.cls == C_CJK) {
			if (run_add(sc, &u, t))
				return 1;
		} else if (u.cls == C_IGNORE) {
			sc->pos = u.end;
		} else if (end_run(sc, t)) {
			return 1; /* u is read again on the next call */
		} else if (u.cls == C_WORD) {
			read_word(sc, t);
			return 1;
		} else {
			sc->pos = u.end;
		}
	}
	return end_run(sc, t);
}

static void out_add(struct out *o, const void *p, size_t n)
{
	size_t cap;
	char *q;

	if (o->oom)
		return;
	/* Bounds that keep the doubling below from overflowing. */
	if (o->len > SIZE_MAX / 4 || n > SIZE_MAX / 4) {
		o->oom = 1;
		return;
	}
	if (o->len + n + 1 > o->cap) {
		cap = o->cap > 32 ? o->cap : 32;
		while (cap < o->len + n + 1)
			cap *= 2;
		q = realloc(o->p, cap);
		if (!q) {
			o->oom = 1;
			return;
		}
		o->p = q;
		o->cap = cap;
	}
	if (n)
		memcpy(o->p + o->len, p, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_adds(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

int text_tokens(const char *s, size_t len, char **out, size_t *outlen, size_t *cap)
{
	struct out o = { *out, *outlen, *cap, 0 };
	struct scanner sc;
	struct tok t;
	size_t n = 0;

	out_add(&o, "", 0);
	scanner_init(&sc, s, len);
	while (!o.oom && scan_next(&sc, &t)) {
		if (o.len > 0 && o.p[o.len - 1] != ' ')
			out_add(&o, " ", 1);
		out_add(&o, t.text, t.len);
		n++;
	}
	*out = o.p;
	*cap = o.cap;
	if (o.oom) {
		if (o.p && o.cap > *outlen)
			o.p[*outlen] = '\0';
		return -1;
	}
	*outlen = o.len;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int text_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		n = utf8_decode(u + i, len - i, &cp);
		if (!n) {
			if (bad_at)
				*bad_at = i;
			return 0;
		}
	}
	return 1;
}

static void query_init(struct query *q, const char *query)
{
	struct scanner sc;

	q->n = 0;
	if (!query)
		return;
	scanner_init(&sc, query, strlen(query));
	while (q->n < QUERY_MAX && scan_next(&sc, &q->t[q->n]))
		q->n++;
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * Fills sp with the stretches of t that match the query, in order, and returns
 * how many. A CJK query character also matches inside a text bigram, as the
 * text has no token for it on its own.
 */
static size_t tok_matches(const struct tok *t, const struct query *q, struct span sp[2])
{
	int whole = 0, first = 0, second = 0;
	size_t i, n = 0;

	for (i = 0; i < q->n; i++) {
		const struct tok *k = &q->t[i];

		if (k->cjk != t->cjk)
			continue;
		if (same(k->text, k->len, t->text, t->len) && k->split == t->split)
			whole = 1;
		if (t->cjk && k->split == k->len) {
			first |= same(k->text, k->len, t->text, t->split);
			second |= same(k->text, k->len, t->text + t->split, t->len - t->split);
		}
	}
	if (whole) {
		sp[n++] = (struct span){ t->start, t->end };
		return n;
	}
	if (first)
		sp[n++] = (struct span){ t->start, t->mid };
	if (second)
		sp[n++] = (struct span){ t->mid, t->end };
	return n;
}

static int first_match(const char *s, size_t len, const struct query *q, size_t *at)
{
	struct scanner sc;
	struct tok t;
	struct span sp[2];

	if (!q->n)
		return 0;
	scanner_init(&sc, s, len);
	while (scan_next(&sc, &t)) {
		if (tok_matches(&t, q, sp)) {
			*at = sp[0].start;
			return 1;
		}
	}
	return 0;
}

static size_t count_chars(const unsigned char *s, size_t len, size_t from, size_t to)
{
	size_t n = 0;

	for (; from < to; from = step(s, len, from))
		n++;
	return n;
}

static size_t skip_chars(const unsigned char *s, size_t len, size_t pos, size_t n)
{
	for (; n > 0 && pos < len; n--)
		pos = step(s, len, pos);
	return pos;
}

/*
 * Returns the offset of the chars-th character, moved forward to the start of
 * a word when one starts before limit, so that the snippet does not open in the
 * middle of a word. CJK text without spaces is cut anywhere.
 */
static size_t word_start(const unsigned char *s, size_t len, size_t chars, size_t limit)
{
	struct unit u;
	size_t pos = 0, p;
	int sep = 1;

	for (; chars > 0 && pos < len; chars--) {
		unit_at(s, len, pos, &u);
		sep = u.cls == C_SEP;
		pos = u.end;
	}
	for (p = pos; p < limit; p = u.end) {
		unit_at(s, len, p, &u);
		if (u.cls == C_SEP)
			sep = 1;
		else if (sep)
			return p;
	}
	return sep ? limit : pos;
}

/*
 * The window opens a quarter of its width before the match at `at`, or earlier
 * when the text ends before the window would be full.
 */
static size_t window_start(const unsigned char *s, size_t len, size_t at, size_t width)
{
	size_t before = count_chars(s, len, 0, at);
	size_t total = before + count_chars(s, len, at, len);
	size_t lead = width / 4, first;

	if (total <= width)
		return 0;
	first = before > lead ? before - lead : 0;
	if (total - first < width)
		first = total - width;
	return word_start(s, len, first, at);
}

/*
 * Moves the window's end back to the end of a word rather than cut one, when
 * that keeps the first match (which starts at `keep`) inside.
 */
static size_t word_end(const unsigned char *s, size_t len, size_t from, size_t to,
		       size_t keep)
{
	struct unit u;
	size_t p, brk = 0;
	int in_word = 0;

	if (to >= len)
		return to;
	for (p = from; p < to; p = u.end) {
		unit_at(s, len, p, &u);
		if (u.cls == C_SEP && in_word)
			brk = p;
		in_word = u.cls != C_SEP;
	}
	unit_at(s, len, to, &u);
	if (!in_word || u.cls == C_SEP || brk <= keep)
		return to;
	return brk;
}

static void marks_add(struct marks *m, struct span sp)
{
	struct span *v;

	if (m->n > 0 && sp.start <= m->v[m->n - 1].end) {
		if (sp.end > m->v[m->n - 1].end)
			m->v[m->n - 1].end = sp.end;
		return;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		v = m->oom ? NULL : realloc(m->v, cap * sizeof(*v));
		if (!v) {
			m->oom = 1;
			return;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = sp;
}

/* Collects the matches that start in [from, to), cut at to, merged when they touch. */
static void find_marks(const char *s, size_t len, const struct query *q, size_t from,
		       size_t to, struct marks *m)
{
	struct scanner sc;
	struct tok t;
	struct span sp[2];
	size_t i, n;

	scanner_init(&sc, s, len);
	while (q->n && scan_next(&sc, &t) && t.start < to) {
		n = tok_matches(&t, q, sp);
		for (i = 0; i < n; i++) {
			if (sp[i].start < from || sp[i].start >= to)
				continue;
			if (sp[i].end > to)
				sp[i].end = to;
			marks_add(m, sp[i]);
		}
	}
}

static const char *html_entity(uint32_t cp)
{
	switch (cp) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

static size_t put_html(struct out *o, const unsigned char *s, size_t len, size_t pos)
{
	uint32_t cp;
	size_t n = utf8_decode(s + pos, len - pos, &cp);

	if (!n)
		out_adds(o, REPLACEMENT);
	else if (html_entity(cp))
		out_adds(o, html_entity(cp));
	else if (cp < 0x20 || cp == 0x7F)
		out_add(o, " ", 1); /* a snippet is one line, and a NUL would end it early */
	else
		out_add(o, s + pos, n);
	return pos + (n ? n : 1);
}

static void render(struct out *o, const unsigned char *s, size_t len, size_t from,
		   size_t to, const struct marks *m)
{
	size_t pos = from, k = 0;
	int open = 0;

	if (from > 0)
		out_adds(o, ELLIPSIS);
	while (pos < to) {
		if (open && pos >= m->v[k].end) {
			out_adds(o, "</mark>");
			open = 0;
			k++;
		}
		if (!open && k < m->n && pos >= m->v[k].start) {
			out_adds(o, "<mark>");
			open = 1;
		}
		pos = put_html(o, s, len, pos);
	}
	if (open)
		out_adds(o, "</mark>");
	if (to < len)
		out_adds(o, ELLIPSIS);
}

char *text_snippet(const char *s, size_t len, const char *query, size_t width)
{
	const unsigned char *u = (const unsigned char *)s;
	struct marks m = { NULL, 0, 0, 0 };
	struct out o = { NULL, 0, 0, 0 };
	struct query *q = malloc(sizeof(*q));
	size_t at = 0, from, to;

	if (!q)
		return NULL;
	query_init(q, query);
	out_add(&o, "", 0);
	if (width > 0) {
		first_match(s, len, q, &at);
		from = window_start(u, len, at, width);
		to = word_end(u, len, from, skip_chars(u, len, from, width), at);
		find_marks(s, len, q, from, to, &m);
		render(&o, u, len, from, to, &m);
	}
	free(q);
	free(m.v);
	if (o.oom || m.oom) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

/*
 * Case mapping comes from the C library's C.UTF-8 locale, which covers all of
 * Unicode; it is switched on for this thread only while we convert.
 */
static locale_t utf8;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void open_utf8(void)
{
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

char *text_lower(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 2 + 1), *o = out;
	mbstate_t in_state, out_state;
	locale_t old;

	if (!out)
		return NULL;
	/* once for the process: threads racing to create it would leak one */
	pthread_once(&utf8_once, open_utf8);
	old = utf8 ? uselocale(utf8) : (locale_t)0;
	memset(&in_state, 0, sizeof(in_state));
	memset(&out_state, 0, sizeof(out_state));
	while (*s) {
		wchar_t wc;
		size_t k = utf8 ? mbrtowc(&wc, s, n, &in_state) : (size_t)-1;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			/* not UTF-8 (callers validate first): keep the byte */
			*o++ = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
			s++;
			n--;
			memset(&in_state, 0, sizeof(in_state));
			continue;
		}
		o += wcrtomb(o, (wchar_t)towlower((wint_t)wc), &out_state);
		s += k;
		n -= k;
	}
	*o = '\0';
	if (utf8)
		uselocale(old);
	return out;
}

int text_token_count(const char *tokens)
{
	int n = *tokens != '\0';

	for (const char *p = tokens; *p; p++)
		n += *p == ' ';
	return n;
}

/*
 * BM25's term-frequency and length parts (k1 1.2, b 0.75, the window's mean
 * length). IDF is left out: every candidate holds every query token (they are
 * ANDed), so IDF would only weigh the query's terms against each other, and
 * computing it means counting every match of a common word, the unbounded
 * cost this design avoids.
 */
double text_rank(const char *doc, const char *query, double mean_len)
{
	double score = 0, len = text_token_count(doc);

	if (mean_len <= 0)
		mean_len = 1;
	for (const char *q = query; *q;) {
		size_t qn = strcspn(q, " ");
		double tf = 0;

		for (const char *p = doc; qn && *p;) {
			size_t n = strcspn(p, " ");

			tf += n == qn && !memcmp(p, q, n);
			p += n + (p[n] == ' ');
		}
		score += tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / mean_len));
		q += qn + (q[qn] == ' ');
	}
	return score;
}

