/*
 * parse.c - RFC 5322 messages to struct mail_message, with GMime 3.
 *
 * GMime finds the MIME structure, undoes transfer encodings and parses
 * addresses, dates, ids and RFC 2231 parameters. Charsets are decided here
 * rather than by GMime because deskd's promise is that no message shows as
 * garbage: GMime trusts a label that lies, and it cannot know the charset of
 * the body when it meets raw 8-bit bytes in a header. So header fields are
 * read raw, encoded words (RFC 2047) are decoded here, and every run of bytes
 * goes through decode(), which picks the charset and always yields UTF-8.
 *
 * Intermediate text is built in malloc'd `struct buf`s bounded by
 * parse.cap and copied into the caller's arena once final.
 */
#include "mail/parse.h"

#include "core/text.h"
#include "util/buf.h"
#include "util/log.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Multiparts nested deeper than this are not looked into: real mail nests a
 * handful of levels, and a bound keeps recursion on a hostile message
 * shallow. (Attached messages are kept whole, never walked.)
 */
#define MAX_DEPTH 32

/* The longest encoded word looked for; RFC 2047 allows 75, broken mailers write more. */
#define MAX_ENCODED_WORD 4096

struct parse {
	struct arena *a;
	GMimeParserOptions *opts;
	const char *const *fallbacks;
	char hint[48]; /* the charset of the body, tried for raw 8-bit headers */
	size_t cap;    /* the most bytes any decoded string may take */
	struct mail_attachment *att;
	int n_att, cap_att;
	int bounce;		/* seen a multipart/report delivery-status */
	int receipt;		/* seen a multipart/report disposition-notification */
	const char *bounced_id; /* the first Message-ID of an attached message or header block */
	const char *bounced_attempt; /* the X-Deskd-Attempt of that same message or block */
	int too_large;		/* a decoded string hit cap */
};

/* The body text found so far: plain and HTML parts are kept apart. */
struct body {
	struct buf plain, html;
	const char *plain_charset, *html_charset;
	int has_plain, has_html; /* a part of that kind was taken, even an empty one */
};

/* ---- small helpers ---- */

static int is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static void buf_truncate(struct buf *b, size_t len)
{
	if (b->p && len <= b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

/* Copies the buffer into the arena and releases it. */
static char *buf_to_arena(struct arena *a, struct buf *b)
{
	char *s = arena_strndup(a, b->p ? b->p : "", b->len);

	buf_release(b);
	return s;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* Trims ASCII white space from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_space((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static void buf_rtrim(struct buf *b)
{
	size_t n = b->len;

	while (n && is_space((unsigned char)b->p[n - 1]))
		n--;
	buf_truncate(b, n);
}

/* ---- UTF-8 ---- */

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		k = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		k = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		k = 4;
	else
		return 0;
	return k <= n && text_utf8_valid((const char *)s, k, NULL) ? k : 0;
}

enum clean_mode {
	CLEAN_TEXT, /* keep tabs and line breaks, lines end in "\n" */
	CLEAN_LINE, /* one line: tabs and line breaks become spaces */
};

/*
 * Appends s to out as clean UTF-8: invalid bytes become U+FFFD; NUL and other
 * control characters (C0 but tab and line breaks, DEL, C1) and byte order
 * marks are dropped. Whatever came before, what leaves here is safe to
 * store, index and show.
 */
static void utf8_clean(struct buf *out, const char *s, size_t n, enum clean_mode mode)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, k;

	while (i < n) {
		unsigned char c = u[i];
		const char *rep = "";

		k = 1;
		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			k = utf8_seq(u + i, n - i);
			if (!k)
				k = 1, rep = REPLACEMENT;
			else if (!(k == 2 && c == 0xC2 && u[i + 1] < 0xA0) &&
				 !(k == 3 && c == 0xEF && u[i + 1] == 0xBB && u[i + 2] == 0xBF)) {
				i += k;
				continue;
			}
		} else if (c == '\t' || c == '\n') {
			if (mode == CLEAN_TEXT) {
				i++;
				continue;
			}
			rep = " ";
		} else if (c == '\r') {
			if (i + 1 < n && u[i + 1] == '\n')
				rep = "";
			else
				rep = mode == CLEAN_TEXT ? "\n" : " ";
		}
		buf_add(out, s + start, i - start);
		buf_adds(out, rep);
		i += k;
		start = i;
	}
	buf_add(out, s + start, n - start);
}

/* What a run of bytes looks like, to guess its charset. */
struct shape {
	int has_8bit, has_esc;	   /* has_esc: ISO-2022 escapes (ESC $ or ESC () */
	int utf8;		   /* valid UTF-8 */
	size_t multibyte, invalid; /* UTF-8 sequences of 2+ bytes, and bytes that start none */
};

static void shape_of(const char *s, size_t n, struct shape *sh)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	memset(sh, 0, sizeof(*sh));
	while (i < n) {
		if (u[i] < 0x80) {
			if (u[i] == 0x1B && i + 1 < n && (u[i + 1] == '$' || u[i + 1] == '('))
				sh->has_esc = 1;
			i++;
			continue;
		}
		sh->has_8bit = 1;
		k = utf8_seq(u + i, n - i);
		if (k) {
			sh->multibyte++;
			i += k;
		} else {
			sh->invalid++;
			i++;
		}
	}
	sh->utf8 = sh->invalid == 0;
}

/* ---- charsets ---- */

enum cs_kind {
	CS_UNKNOWN, /* no label, or one that is no charset */
	CS_ASCII,
	CS_UTF8,
	CS_SINGLE,   /* one byte per character, every byte decodes: a lie is invisible */
	CS_MULTI,    /* ASCII-compatible multi-byte: GBK, Shift_JIS, EUC-*, Big5 */
	CS_STATEFUL, /* 7-bit escapes or wide units: ISO-2022-*, UTF-7, UTF-16 */
};

struct charset {
	enum cs_kind kind;
	const char *iconv[4]; /* tried strictly in order; the last one also leniently */
	char name[48];	      /* the label, lower-case, for charset_used */
	char own[48];	      /* an iconv name made from the label */
};

/*
 * Labels mail uses, mapped to the iconv converters that read them best: the
 * Microsoft supersets that mail clients really send (CP932 for Shift_JIS,
 * CP949 for EUC-KR, GB18030 for GB2312/GBK, windows-1252 for ISO-8859-1)
 * first, the strict standard after.
 */
static const struct {
	const char *alias;
	enum cs_kind kind;
	const char *iconv[4];
} charset_aliases[] = {
	{"us-ascii", CS_ASCII, {NULL}},
	{"ascii", CS_ASCII, {NULL}},
	{"ansi-x3.4-1968", CS_ASCII, {NULL}},
	{"iso646-us", CS_ASCII, {NULL}},
	{"us", CS_ASCII, {NULL}},
	{"utf-8", CS_UTF8, {NULL}},
	{"utf8", CS_UTF8, {NULL}},
	{"unicode-1-1-utf-8", CS_UTF8, {NULL}},
	{"iso-8859-1", CS_SINGLE, {"WINDOWS-1252", "ISO-8859-1"}},
	{"latin1", CS_SINGLE, {"WINDOWS-1252", "ISO-8859-1"}},
	{"l1", CS_SINGLE, {"WINDOWS-1252", "ISO-8859-1"}},
	{"iso-ir-100", CS_SINGLE, {"WINDOWS-1252", "ISO-8859-1"}},
	{"cp819", CS_SINGLE, {"WINDOWS-1252", "ISO-8859-1"}},
	{"iso-8859-9", CS_SINGLE, {"WINDOWS-1254", "ISO-8859-9"}},
	{"latin5", CS_SINGLE, {"WINDOWS-1254", "ISO-8859-9"}},
	{"latin2", CS_SINGLE, {"ISO-8859-2"}},
	{"iso-8859-11", CS_SINGLE, {"WINDOWS-874", "ISO-8859-11"}},
	{"tis-620", CS_SINGLE, {"WINDOWS-874", "TIS-620"}},
	{"windows-874", CS_SINGLE, {"WINDOWS-874"}},
	{"koi8-r", CS_SINGLE, {"KOI8-R"}},
	{"koi8-u", CS_SINGLE, {"KOI8-U"}},
	{"koi8-ru", CS_SINGLE, {"KOI8-RU"}},
	{"cp866", CS_SINGLE, {"CP866"}},
	{"ibm866", CS_SINGLE, {"CP866"}},
	{"cp437", CS_SINGLE, {"CP437"}},
	{"cp850", CS_SINGLE, {"CP850"}},
	{"macintosh", CS_SINGLE, {"MACINTOSH"}},
	{"x-mac-roman", CS_SINGLE, {"MACINTOSH"}},
	{"shift-jis", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"sjis", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"x-sjis", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"ms-kanji", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"csshiftjis", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"windows-31j", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"cp932", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"ms932", CS_MULTI, {"CP932", "SHIFT_JISX0213"}},
	{"euc-jp", CS_MULTI, {"EUC-JP-MS", "EUC-JISX0213"}},
	{"x-euc-jp", CS_MULTI, {"EUC-JP-MS", "EUC-JISX0213"}},
	{"eucjp", CS_MULTI, {"EUC-JP-MS", "EUC-JISX0213"}},
	{"iso-2022-jp", CS_STATEFUL, {"ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-JP-3"}},
	{"csiso2022jp", CS_STATEFUL, {"ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-JP-3"}},
	{"iso-2022-jp-2", CS_STATEFUL, {"ISO-2022-JP-2", "ISO-2022-JP-3"}},
	{"iso-2022-jp-3", CS_STATEFUL, {"ISO-2022-JP-3"}},
	{"iso-2022-kr", CS_STATEFUL, {"ISO-2022-KR"}},
	{"euc-kr", CS_MULTI, {"CP949"}},
	{"ks-c-5601-1987", CS_MULTI, {"CP949"}},
	{"ks-c-5601", CS_MULTI, {"CP949"}},
	{"ksc5601", CS_MULTI, {"CP949"}},
	{"korean", CS_MULTI, {"CP949"}},
	{"csksc56011987", CS_MULTI, {"CP949"}},
	{"cp949", CS_MULTI, {"CP949"}},
	{"uhc", CS_MULTI, {"CP949"}},
	{"windows-949", CS_MULTI, {"CP949"}},
	{"x-windows-949", CS_MULTI, {"CP949"}},
	{"gb2312", CS_MULTI, {"GB18030"}},
	{"gbk", CS_MULTI, {"GB18030"}},
	{"x-gbk", CS_MULTI, {"GB18030"}},
	{"gb18030", CS_MULTI, {"GB18030"}},
	{"cp936", CS_MULTI, {"GB18030"}},
	{"windows-936", CS_MULTI, {"GB18030"}},
	{"euc-cn", CS_MULTI, {"GB18030"}},
	{"x-euc-cn", CS_MULTI, {"GB18030"}},
	{"csgb2312", CS_MULTI, {"GB18030"}},
	{"gb-2312-80", CS_MULTI, {"GB18030"}},
	{"chinese", CS_MULTI, {"GB18030"}},
	{"big5", CS_MULTI, {"BIG5", "BIG5-HKSCS"}},
	{"x-big5", CS_MULTI, {"BIG5", "BIG5-HKSCS"}},
	{"cn-big5", CS_MULTI, {"BIG5", "BIG5-HKSCS"}},
	{"csbig5", CS_MULTI, {"BIG5", "BIG5-HKSCS"}},
	{"big5-hkscs", CS_MULTI, {"BIG5-HKSCS"}},
	{"cp950", CS_MULTI, {"BIG5", "BIG5-HKSCS"}},
	{"utf-7", CS_STATEFUL, {"UTF-7"}},
	{"unicode-1-1-utf-7", CS_STATEFUL, {"UTF-7"}},
	{"utf-16", CS_STATEFUL, {"UTF-16"}},
	{"utf-16le", CS_STATEFUL, {"UTF-16LE"}},
	{"utf-16be", CS_STATEFUL, {"UTF-16BE"}},
	{"utf-32", CS_STATEFUL, {"UTF-32"}},
	{"utf-32le", CS_STATEFUL, {"UTF-32LE"}},
	{"utf-32be", CS_STATEFUL, {"UTF-32BE"}},
	{"ucs-2", CS_STATEFUL, {"UCS-2"}},
};

/* Reads the number after `prefix` in s, or returns -1. */
static int label_number(const char *s, const char *prefix)
{
	size_t k = strlen(prefix);
	int n = 0;

	if (strncmp(s, prefix, k) != 0 || !s[k] || strlen(s + k) > 2)
		return -1;
	for (s += k; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/* Fills cs for the charset label (NULL when there is none). */
static void charset_lookup(const char *label, struct charset *cs)
{
	char norm[48];
	size_t n = 0, i;
	int num;

	memset(cs, 0, sizeof(*cs));
	if (!label)
		return;
	while (is_space((unsigned char)*label) || *label == '"' || *label == '\'')
		label++;
	for (; *label && *label != '"' && *label != '\'' && !is_space((unsigned char)*label);
	     label++) {
		char c = *label;

		/* an unusual byte means no charset, and keeps junk away from iconv_open */
		if (n + 1 >= sizeof(norm) || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					       (c >= '0' && c <= '9') || strchr("-_.:+()", c)))
			return;
		cs->name[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		norm[n] = cs->name[n] == '_' ? '-' : cs->name[n];
		n++;
	}
	norm[n] = cs->name[n] = '\0';
	if (!n)
		return;
	for (i = 0; i < sizeof(charset_aliases) / sizeof(charset_aliases[0]); i++) {
		if (strcmp(norm, charset_aliases[i].alias) == 0) {
			cs->kind = charset_aliases[i].kind;
			memcpy(cs->iconv, charset_aliases[i].iconv, sizeof(cs->iconv));
			return;
		}
	}
	cs->iconv[0] = cs->own;
	if ((num = label_number(norm, "iso-8859-")) >= 1 ||
	    (num = label_number(norm, "iso8859-")) >= 1) {
		cs->kind = CS_SINGLE;
		snprintf(cs->own, sizeof(cs->own), "ISO-8859-%d", num);
	} else if ((num = label_number(norm, "windows-125")) >= 0 ||
		   (num = label_number(norm, "cp125")) >= 0 ||
		   (num = label_number(norm, "x-cp125")) >= 0) {
		cs->kind = CS_SINGLE;
		snprintf(cs->own, sizeof(cs->own), "WINDOWS-125%d", num);
	} else {
		/* an unknown label is still tried first: a wrong guess costs less than none */
		cs->kind = CS_MULTI;
		memcpy(cs->own, norm, n + 1);
	}
}

/*
 * Converts n bytes from the iconv charset `from` to UTF-8 at the end of out
 * and returns how many places did not convert. Strict: stops at the first,
 * leaving out as it was. Lenient: writes U+FFFD for each and goes on.
 * Returns -1, out untouched, when iconv does not know the charset.
 */
static long convert(const char *from, const char *s, size_t n, int strict, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char chunk[4096], *in = (char *)s, *o;
	size_t inleft = n, oleft, start = out->len;
	long bad = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (inleft > 0) {
		size_t r;
		int e;

		o = chunk;
		oleft = sizeof(chunk);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		e = errno;
		buf_add(out, chunk, (size_t)(o - chunk));
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		bad++;
		if (strict)
			break;
		buf_add(out, REPLACEMENT, 3);
		if (e == EINVAL)
			break; /* a character cut off at the end */
		in++;
		inleft--;
	}
	if (strict && bad) {
		buf_truncate(out, start);
	} else {
		o = chunk;
		oleft = sizeof(chunk);
		iconv(cd, NULL, NULL, &o, &oleft);
		buf_add(out, chunk, (size_t)(o - chunk));
	}
	iconv_close(cd);
	return bad;
}

/* Tries the converters of cs strictly, in order; returns 1 when one read all of s. */
static int convert_strict(const struct charset *cs, const char *s, size_t n, struct buf *out)
{
	for (int i = 0; i < 4 && cs->iconv[i]; i++)
		if (convert(cs->iconv[i], s, n, 1, out) == 0)
			return 1;
	return 0;
}

static long convert_lenient(const struct charset *cs, const char *s, size_t n, struct buf *out)
{
	int i = 0;

	while (i + 1 < 4 && cs->iconv[i + 1])
		i++;
	return cs->iconv[i] ? convert(cs->iconv[i], s, n, 0, out) : -1;
}

static const struct charset iso2022jp = {
	CS_STATEFUL, {"ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-JP-3"}, "iso-2022-jp", ""};
static const struct charset windows1252 = {CS_SINGLE, {"WINDOWS-1252"}, "windows-1252", ""};

/*
 * Japanese mailers label 8-bit Shift_JIS and EUC-JP "iso-2022-jp". EUC-JP is
 * tried first: its bytes also read as Shift_JIS (half-width katakana), while
 * Shift_JIS text is almost never valid EUC-JP.
 */
static const struct charset eucjp = {CS_MULTI, {"EUC-JP-MS"}, "euc-jp", ""};
static const struct charset sjis = {CS_MULTI, {"CP932"}, "shift_jis", ""};

/*
 * Reads the n bytes at s as text in some charset, writes them to `tmp` as
 * UTF-8 and returns the charset's name. The label is believed when it
 * decodes the bytes, except that valid UTF-8 under a single-byte label, or
 * under a multi-byte one with at least four non-ASCII characters, is taken
 * for what it is: real text in those charsets is almost never valid UTF-8 by
 * chance, while UTF-8 sent as "iso-8859-1" is the most common lie in mail.
 * After the label: UTF-8, the hint, EUC-JP and Shift_JIS for 8-bit
 * "iso-2022-jp", the label again leniently if it fails in
 * one place (a character cut off) or under one in fifty, the fallbacks,
 * UTF-8 leniently if most of the text is UTF-8, and windows-1252, which
 * reads any byte.
 */
static const char *pick_charset(struct parse *p, const char *s, size_t n, const char *label,
				const char *hint, struct buf *tmp)
{
	struct charset cs, other;
	struct shape sh;
	long bad;

	charset_lookup(label, &cs);
	shape_of(s, n, &sh);
	if (cs.kind == CS_STATEFUL && convert_strict(&cs, s, n, tmp))
		return arena_strdup(p->a, cs.name);
	if (!sh.has_8bit) {
		if (sh.has_esc && convert_strict(&iso2022jp, s, n, tmp))
			return "iso-2022-jp";
		if (cs.kind != CS_STATEFUL) {
			buf_add(tmp, s, n);
			return cs.kind != CS_UNKNOWN ? arena_strdup(p->a, cs.name) : "us-ascii";
		}
	}
	if (sh.utf8 && (cs.kind == CS_UTF8 || cs.kind == CS_ASCII || cs.kind == CS_SINGLE ||
			((cs.kind == CS_MULTI || cs.kind == CS_STATEFUL) && sh.multibyte >= 4))) {
		buf_add(tmp, s, n);
		return "utf-8";
	}
	if ((cs.kind == CS_SINGLE || cs.kind == CS_MULTI) && convert_strict(&cs, s, n, tmp))
		return arena_strdup(p->a, cs.name);
	if (sh.utf8) {
		buf_add(tmp, s, n);
		return "utf-8";
	}
	charset_lookup(hint, &other);
	if (other.kind >= CS_SINGLE && convert_strict(&other, s, n, tmp))
		return arena_strdup(p->a, other.name);
	if (cs.kind == CS_STATEFUL && strncmp(cs.iconv[0], "ISO-2022-JP", 11) == 0) {
		if (convert_strict(&eucjp, s, n, tmp))
			return "euc-jp";
		if (convert_strict(&sjis, s, n, tmp))
			return "shift_jis";
	}
	if (cs.kind >= CS_SINGLE) {
		size_t start = tmp->len;

		bad = convert_lenient(&cs, s, n, tmp);
		if (bad >= 0 && (size_t)bad <= 1 + n / 50)
			return arena_strdup(p->a, cs.name);
		buf_truncate(tmp, start);
	}
	for (const char *const *f = p->fallbacks; f && *f; f++) {
		charset_lookup(*f, &other);
		if (other.kind >= CS_SINGLE && convert_strict(&other, s, n, tmp))
			return arena_strdup(p->a, other.name);
	}
	if (sh.multibyte > 0 && sh.invalid <= sh.multibyte) {
		buf_add(tmp, s, n); /* utf8_clean turns the stray bytes into U+FFFD */
		return "utf-8";
	}
	convert_lenient(&windows1252, s, n, tmp);
	return "windows-1252";
}

/*
 * Appends the n bytes at s to out as clean UTF-8 (see pick_charset and
 * utf8_clean) and returns the name of the charset they were read as; the
 * name lives in the arena or is static.
 */
static const char *decode(struct parse *p, const char *s, size_t n, const char *label,
			  const char *hint, enum clean_mode mode, struct buf *out)
{
	struct buf tmp;
	const char *name;

	buf_init(&tmp, p->cap);
	name = pick_charset(p, s, n, label, hint, &tmp);
	if (tmp.err)
		p->too_large = 1;
	utf8_clean(out, tmp.p ? tmp.p : "", tmp.len, mode);
	if (out->err)
		p->too_large = 1;
	buf_release(&tmp);
	return name;
}

/* ---- header fields: unfolding and RFC 2047 encoded words ---- */

/* Appends the field value with its folding line breaks removed (RFC 5322 3.2.2). */
static void unfold(const char *s, size_t n, struct buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		buf_add(out, s + start, i - start);
		start = i + 1;
	}
	buf_add(out, s + start, n - start);
}

struct encoded_word {
	char charset[48];
	char enc;	  /* 'b' or 'q' */
	const char *text; /* the encoded text */
	size_t len;
	const char *end; /* just after "?=" */
};

/*
 * Where the next "?=" and the next white space are, remembered between the
 * encoded words tried on one field: without it, a field of many "=?" and no
 * "?=" would be scanned again from each, quadratic in its length.
 */
struct word_scan {
	const char *end;
	const char *close_from, *close; /* the first "?=" at or after close_from (end if none) */
	const char *space_from, *space; /* the first white space at or after space_from */
};

static const char *find_close(const char *t, const char *end)
{
	const char *r = end - t >= 2 ? memmem(t, (size_t)(end - t), "?=", 2) : NULL;

	return r ? r : end;
}

static const char *find_space(const char *t, const char *end)
{
	while (t < end && !is_space((unsigned char)*t))
		t++;
	return t;
}

/* The first place at or after t that `find` finds, reusing *from and *at when they cover t. */
static const char *scan_next(const char *t, const char *end, const char **from, const char **at,
			     const char *(*find)(const char *, const char *))
{
	const char *r;

	if (*at && t >= *from && t <= *at)
		return *at;
	if (*at && t < *from) {
		/* a little behind the last search: only the gap is new */
		r = find(t, *from + 1 < end ? *from + 1 : end);
		if (r < *from)
			return r;
		return *at;
	}
	*from = t;
	*at = find(t, end);
	return *at;
}

/* Parses "=?charset[*lang]?B|Q?text?=" at s; returns 0 when s starts no encoded word. */
static int encoded_word(const char *s, struct word_scan *scan, struct encoded_word *w)
{
	const char *end = scan->end, *p = s + 2, *cs = p, *close, *space;
	size_t n;

	while (p < end && *p != '?' && !is_space((unsigned char)*p) && p - cs < 47)
		p++;
	if (p + 3 >= end || *p != '?' || p == cs || p[2] != '?')
		return 0;
	w->enc = (char)(p[1] | 0x20);
	if (w->enc != 'b' && w->enc != 'q')
		return 0;
	n = (size_t)(p - cs);
	memcpy(w->charset, cs, n);
	w->charset[n] = '\0';
	w->charset[strcspn(w->charset, "*")] = '\0'; /* RFC 2231 language suffix */
	w->text = p + 3;
	close = scan_next(w->text, end, &scan->close_from, &scan->close, find_close);
	space = scan_next(w->text, end, &scan->space_from, &scan->space, find_space);
	if (close >= end || close > space || close - w->text > MAX_ENCODED_WORD)
		return 0;
	w->len = (size_t)(close - w->text);
	w->end = close + 2;
	return 1;
}

static void word_scan_init(struct word_scan *scan, const char *end)
{
	memset(scan, 0, sizeof(*scan));
	scan->end = end;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void decode_q(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int hi, lo;

		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < n &&
			   (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
			   (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		buf_add(out, &c, 1);
	}
}

/* Base64 that skips what is not base64 and keeps whatever whole bytes it got. */
static void decode_b(const char *s, size_t n, struct buf *out)
{
	unsigned long bits = 0;
	int nbits = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int c = (unsigned char)s[i], v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+' || c == '-')
			v = 62;
		else if (c == '/' || c == '_')
			v = 63;
		else
			continue;
		bits = (bits << 6 | (unsigned long)v) & 0xFFFFFF;
		nbits += 6;
		if (nbits >= 8) {
			char byte = (char)(bits >> (nbits - 8));

			nbits -= 8;
			buf_add(out, &byte, 1);
		}
	}
}

/* Whether [s, s + n) is only white space. */
static int all_wsp(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_wsp((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Encoded words whose bytes are waiting to be decoded together. */
struct pending {
	struct buf bytes;
	char charset[48];
};

static void flush_pending(struct parse *p, struct pending *pend, struct buf *out)
{
	if (pend->charset[0])
		decode(p, pend->bytes.p ? pend->bytes.p : "", pend->bytes.len, pend->charset,
		       p->hint, CLEAN_LINE, out);
	buf_truncate(&pend->bytes, 0);
	pend->charset[0] = '\0';
}

/*
 * Appends the unfolded field value s to out as one line of UTF-8, with its
 * encoded words decoded. Adjacent encoded words in one charset are decoded
 * as one run of bytes, because mailers split a multi-byte character across
 * two words; the white space between encoded words goes, as RFC 2047 says.
 * Encoded words glued to other text are decoded too (RFC 2047 forbids them;
 * mailers write them). Raw 8-bit text is read as decode() reads unlabelled
 * text.
 */
static void decode_words(struct parse *p, const char *s, size_t n, struct buf *out)
{
	const char *end = s + n, *lit = s, *q = s;
	struct encoded_word w;
	struct word_scan scan;
	struct pending pend;
	int after_word = 0;

	word_scan_init(&scan, end);
	buf_init(&pend.bytes, p->cap);
	pend.charset[0] = '\0';
	while ((q = memmem(q, (size_t)(end - q), "=?", 2)) != NULL) {
		if (!encoded_word(q, &scan, &w)) {
			q += 2;
			continue;
		}
		if (!(after_word && all_wsp(lit, (size_t)(q - lit)))) {
			flush_pending(p, &pend, out);
			decode(p, lit, (size_t)(q - lit), NULL, p->hint, CLEAN_LINE, out);
		}
		if (pend.charset[0] && strcasecmp(pend.charset, w.charset) != 0)
			flush_pending(p, &pend, out);
		memcpy(pend.charset, w.charset, sizeof(w.charset));
		if (w.enc == 'b')
			decode_b(w.text, w.len, &pend.bytes);
		else
			decode_q(w.text, w.len, &pend.bytes);
		after_word = 1;
		lit = q = w.end;
	}
	flush_pending(p, &pend, out);
	decode(p, lit, (size_t)(end - lit), NULL, p->hint, CLEAN_LINE, out);
	buf_release(&pend.bytes);
}

/* The first header field called name, or NULL. */
static GMimeHeader *find_header(GMimeHeaderList *hl, const char *name)
{
	int n = g_mime_header_list_get_count(hl);

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (strcasecmp(g_mime_header_get_name(h), name) == 0)
			return h;
	}
	return NULL;
}

/* The unfolded raw value of the header field h, trimmed, in out; 0 when there is none. */
static int raw_value(GMimeHeader *h, struct buf *out)
{
	const char *v = h ? g_mime_header_get_raw_value(h) : NULL;

	if (!v)
		return 0;
	unfold(v, strlen(v), out);
	if (out->p) {
		const char *s = out->p;
		size_t n = out->len;

		trim(&s, &n);
		memmove(out->p, s, n);
		buf_truncate(out, n);
	}
	return 1;
}

static int raw_header(GMimeHeaderList *hl, const char *name, struct buf *out)
{
	return raw_value(find_header(hl, name), out);
}

/* The decoded value of an unstructured field (Subject), trimmed, in the arena; NULL when absent. */
static const char *header_text(struct parse *p, GMimeHeaderList *hl, const char *name)
{
	struct buf raw, out;
	const char *s;
	size_t n;
	char *r;

	buf_init(&raw, p->cap);
	if (!raw_header(hl, name, &raw)) {
		buf_release(&raw);
		return NULL;
	}
	buf_init(&out, p->cap);
	decode_words(p, raw.p ? raw.p : "", raw.len, &out);
	s = out.p ? out.p : "";
	n = out.len;
	trim(&s, &n);
	r = arena_strndup(p->a, s, n);
	buf_release(&raw);
	buf_release(&out);
	return r;
}

/*
 * The value of a structured field (addresses, ids, parameters) as UTF-8 for
 * GMime to parse: raw 8-bit bytes are decoded before parsing, so a
 * Shift_JIS byte that happens to be a quote or a comma is not read as one.
 * The caller frees it; NULL when absent.
 */
static char *value_utf8(struct parse *p, GMimeHeader *h)
{
	struct buf raw, out;

	buf_init(&raw, p->cap);
	if (!raw_value(h, &raw)) {
		buf_release(&raw);
		return NULL;
	}
	buf_init(&out, p->cap);
	decode(p, raw.p ? raw.p : "", raw.len, NULL, p->hint, CLEAN_LINE, &out);
	buf_release(&raw);
	return buf_detach(&out, NULL);
}

static char *header_utf8(struct parse *p, GMimeHeaderList *hl, const char *name)
{
	return value_utf8(p, find_header(hl, name));
}

/* s (from GMime) as clean, trimmed UTF-8 in the arena; NULL when empty. */
static char *clean_line(struct parse *p, const char *s)
{
	struct buf b;
	const char *t;
	size_t n;
	char *r = NULL;

	if (!s)
		return NULL;
	buf_init(&b, p->cap);
	utf8_clean(&b, s, strlen(s), CLEAN_LINE);
	t = b.p ? b.p : "";
	n = b.len;
	trim(&t, &n);
	if (n)
		r = arena_strndup(p->a, t, n);
	buf_release(&b);
	return r;
}

/* ---- lines ---- */

/* The length of the line at s[i], trailing white space cut; *next is where the next starts. */
static size_t line_at(const char *s, size_t n, size_t i, size_t *next)
{
	const char *nl = memchr(s + i, '\n', n - i);
	size_t e = nl ? (size_t)(nl - s) : n, len;

	*next = nl ? e + 1 : n;
	len = e - i;
	while (len && is_space((unsigned char)s[i + len - 1]))
		len--;
	return len;
}

/*
 * Copies text into the arena with trailing white space cut from each line,
 * blank lines at both ends dropped and runs of blank lines made one.
 */
static char *tidy(struct arena *a, const char *s, size_t n)
{
	struct buf b;
	size_t i = 0, next, len;
	int blank = 0;

	buf_init(&b, n + 1);
	while (i < n) {
		len = line_at(s, n, i, &next);
		if (!len) {
			blank = b.len > 0;
		} else {
			if (b.len)
				buf_add(&b, "\n\n", blank ? 2 : 1);
			buf_add(&b, s + i, len);
			blank = 0;
		}
		i = next;
	}
	return buf_to_arena(a, &b);
}

/* ---- HTML to text ---- */

static const struct {
	const char *name;
	unsigned short cp;
} entities[] = {
	{"amp", '&'},	    {"lt", '<'},	{"gt", '>'},	    {"quot", '"'},
	{"apos", '\''},	    {"nbsp", 0xA0},	{"iexcl", 0xA1},    {"cent", 0xA2},
	{"pound", 0xA3},    {"curren", 0xA4},	{"yen", 0xA5},	    {"brvbar", 0xA6},
	{"sect", 0xA7},	    {"uml", 0xA8},	{"copy", 0xA9},	    {"ordf", 0xAA},
	{"laquo", 0xAB},    {"not", 0xAC},	{"shy", 0xAD},	    {"reg", 0xAE},
	{"macr", 0xAF},	    {"deg", 0xB0},	{"plusmn", 0xB1},   {"sup2", 0xB2},
	{"sup3", 0xB3},	    {"acute", 0xB4},	{"micro", 0xB5},    {"para", 0xB6},
	{"middot", 0xB7},   {"cedil", 0xB8},	{"sup1", 0xB9},	    {"ordm", 0xBA},
	{"raquo", 0xBB},    {"frac14", 0xBC},	{"frac12", 0xBD},   {"frac34", 0xBE},
	{"iquest", 0xBF},   {"Agrave", 0xC0},	{"Aacute", 0xC1},   {"Acirc", 0xC2},
	{"Atilde", 0xC3},   {"Auml", 0xC4},	{"Aring", 0xC5},    {"AElig", 0xC6},
	{"Ccedil", 0xC7},   {"Egrave", 0xC8},	{"Eacute", 0xC9},   {"Ecirc", 0xCA},
	{"Euml", 0xCB},	    {"Igrave", 0xCC},	{"Iacute", 0xCD},   {"Icirc", 0xCE},
	{"Iuml", 0xCF},	    {"ETH", 0xD0},	{"Ntilde", 0xD1},   {"Ograve", 0xD2},
	{"Oacute", 0xD3},   {"Ocirc", 0xD4},	{"Otilde", 0xD5},   {"Ouml", 0xD6},
	{"times", 0xD7},    {"Oslash", 0xD8},	{"Ugrave", 0xD9},   {"Uacute", 0xDA},
	{"Ucirc", 0xDB},    {"Uuml", 0xDC},	{"Yacute", 0xDD},   {"THORN", 0xDE},
	{"szlig", 0xDF},    {"agrave", 0xE0},	{"aacute", 0xE1},   {"acirc", 0xE2},
	{"atilde", 0xE3},   {"auml", 0xE4},	{"aring", 0xE5},    {"aelig", 0xE6},
	{"ccedil", 0xE7},   {"egrave", 0xE8},	{"eacute", 0xE9},   {"ecirc", 0xEA},
	{"euml", 0xEB},	    {"igrave", 0xEC},	{"iacute", 0xED},   {"icirc", 0xEE},
	{"iuml", 0xEF},	    {"eth", 0xF0},	{"ntilde", 0xF1},   {"ograve", 0xF2},
	{"oacute", 0xF3},   {"ocirc", 0xF4},	{"otilde", 0xF5},   {"ouml", 0xF6},
	{"divide", 0xF7},   {"oslash", 0xF8},	{"ugrave", 0xF9},   {"uacute", 0xFA},
	{"ucirc", 0xFB},    {"uuml", 0xFC},	{"yacute", 0xFD},   {"thorn", 0xFE},
	{"yuml", 0xFF},	    {"OElig", 0x152},	{"oelig", 0x153},   {"Scaron", 0x160},
	{"scaron", 0x161},  {"Yuml", 0x178},	{"fnof", 0x192},    {"circ", 0x2C6},
	{"tilde", 0x2DC},   {"ensp", 0x2002},	{"emsp", 0x2003},   {"thinsp", 0x2009},
	{"zwnj", 0x200C},   {"zwj", 0x200D},	{"lrm", 0x200E},    {"rlm", 0x200F},
	{"ndash", 0x2013},  {"mdash", 0x2014},	{"lsquo", 0x2018},  {"rsquo", 0x2019},
	{"sbquo", 0x201A},  {"ldquo", 0x201C},	{"rdquo", 0x201D},  {"bdquo", 0x201E},
	{"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026},
	{"permil", 0x2030}, {"prime", 0x2032},	{"lsaquo", 0x2039}, {"rsaquo", 0x203A},
	{"euro", 0x20AC},   {"trade", 0x2122},	{"larr", 0x2190},   {"uarr", 0x2191},
	{"rarr", 0x2192},   {"darr", 0x2193},	{"harr", 0x2194},   {"minus", 0x2212},
	{"check", 0x2713},  {"hearts", 0x2665}, {"star", 0x2606},   {"starf", 0x2605},
};

/* What HTML's numeric references 128 to 159 mean: windows-1252, as browsers read them. */
static const unsigned short c1_as_1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/*
 * Reads the character reference at s ("&amp;", "&#233;", "&#xE9;") and
 * returns its length, with the code point in *cp; 0 when s starts none.
 */
static size_t entity(const char *s, size_t n, unsigned long *cp)
{
	size_t i = 1, start;
	unsigned long v = 0;

	if (n > 2 && s[1] == '#') {
		int hex = n > 3 && (s[2] | 0x20) == 'x';

		i = start = hex ? 3 : 2;
		for (; i < n && i - start < 8; i++) {
			int d = hex ? hex_value((unsigned char)s[i])
				    : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

			if (d < 0)
				break;
			v = v * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (i == start)
			return 0;
		if (v >= 0x80 && v < 0xA0)
			v = c1_as_1252[v - 0x80];
		else if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = 0xFFFD;
		*cp = v;
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	while (i < n && i < 12 &&
	       ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z' ? 1 : (s[i] >= '0' && s[i] <= '9')))
		i++;
	if (i == 1 || i >= n || s[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		if (strlen(entities[k].name) == i - 1 &&
		    memcmp(entities[k].name, s + 1, i - 1) == 0) {
			*cp = entities[k].cp;
			return i + 1;
		}
	}
	return 0;
}

struct html_out {
	struct buf b;
	int newlines; /* line breaks owed before the next text */
	int space;    /* a space owed before the next text */
	int bullet;   /* "- " owed at the start of the next line */
	int quote;    /* <blockquote> depth */
	int pre;      /* inside <pre>: keep white space */
	int hidden;   /* inside <head>: show nothing */
};

static void html_break(struct html_out *h, int n)
{
	if (h->newlines < n)
		h->newlines = n;
}

/* Writes text that is not white space, after the breaks and space it is owed. */
static void html_emit(struct html_out *h, const char *s, size_t n)
{
	if (h->hidden || !n)
		return;
	if (h->b.len == 0) {
		h->newlines = h->space = 0;
	} else if (h->newlines) {
		buf_add(&h->b, "\n\n", h->newlines > 1 ? 2 : 1);
		h->newlines = h->space = 0;
	}
	if (h->b.len == 0 || h->b.p[h->b.len - 1] == '\n') {
		for (int i = 0; i < h->quote; i++)
			buf_add(&h->b, "> ", 2);
		if (h->bullet)
			buf_add(&h->b, "- ", 2);
		h->bullet = h->space = 0;
	} else if (h->space) {
		buf_add(&h->b, " ", 1);
		h->space = 0;
	}
	buf_add(&h->b, s, n);
}

static void html_space(struct html_out *h, char c)
{
	if (!h->pre)
		h->space = 1;
	else if (c == '\n')
		h->newlines++;
	else if (c != '\r')
		html_emit(h, " ", 1);
}

/* Skips past the end tag `</name ...>` that closes a raw-text element; returns the new position. */
static size_t skip_element(const char *s, size_t n, size_t i, const char *name)
{
	size_t k = strlen(name);

	for (; i + 2 + k <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, k) == 0) {
			const char *gt = memchr(s + i, '>', n - i);

			return gt ? (size_t)(gt - s) + 1 : n;
		}
	return n;
}

static int tag_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const block_tags[] = {
	"div",	 "tr",	    "table",   "ul",	     "ol",     "dl",	   "dt",
	"dd",	 "hr",	    "section", "article",    "header", "footer",   "nav",
	"aside", "address", "figure",  "figcaption", "form",   "fieldset", "center",
	"main",	 "caption", "body",    "html",	     "title",  NULL,
};
static const char *const paragraph_tags[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", NULL};
static const char *const hidden_tags[] = {"script",   "style", "title", "template",
					  "noscript", "xml",   NULL};

/* Acts on the tag called name (lower-case, `end` for a closing tag). */
static void html_tag(struct html_out *h, const char *name, int end)
{
	if (strcmp(name, "br") == 0) {
		h->newlines++;
	} else if (strcmp(name, "head") == 0) {
		h->hidden = !end;
	} else if (strcmp(name, "li") == 0) {
		html_break(h, 1);
		h->bullet = !end;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		h->space = 1;
	} else if (strcmp(name, "blockquote") == 0) {
		html_break(h, 1);
		if (!end)
			h->quote++;
		else if (h->quote > 0)
			h->quote--;
	} else if (strcmp(name, "pre") == 0) {
		html_break(h, 1);
		h->pre = !end;
	} else if (tag_is(name, paragraph_tags)) {
		html_break(h, 2);
	} else if (tag_is(name, block_tags)) {
		html_break(h, 1);
		if (strcmp(name, "body") == 0)
			h->hidden = 0;
	}
}

/* Reads the tag, comment or declaration at s[i] == '<'; returns the position after it. */
static size_t html_markup(struct html_out *h, const char *s, size_t n, size_t i)
{
	char name[16];
	size_t k = 0, j = i + 1;
	int end = 0;
	char quote = 0;

	if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
		const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);

		return e ? (size_t)(e - s) + 3 : n;
	}
	if (j < n && s[j] == '/')
		end = 1, j++;
	if (j >= n || !((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')) {
		if (j < n && (s[j] == '!' || s[j] == '?')) {
			const char *gt = memchr(s + j, '>', n - j);

			return gt ? (size_t)(gt - s) + 1 : n;
		}
		html_emit(h, "<", 1); /* a lone "<" is text */
		return i + 1;
	}
	for (; j < n && (((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') ||
			 (s[j] >= '0' && s[j] <= '9') || s[j] == ':' || s[j] == '-');
	     j++)
		if (k + 1 < sizeof(name))
			name[k++] = (char)(s[j] | 0x20);
	name[k] = '\0';
	for (; j < n && (quote || s[j] != '>'); j++) {
		if (quote && s[j] == quote)
			quote = 0;
		else if (!quote && (s[j] == '"' || s[j] == '\''))
			quote = s[j];
	}
	if (j >= n)
		return n; /* a tag cut off at the end shows nothing */
	if (!end && s[j - 1] != '/' && tag_is(name, hidden_tags))
		return skip_element(s, n, j + 1, name);
	html_tag(h, name, end);
	return j + 1;
}

char *mail_html_to_text(const char *s, size_t n, struct arena *a)
{
	struct html_out h;
	size_t i = 0;
	char *r;

	memset(&h, 0, sizeof(h));
	buf_init(&h.b, 4 * n + 64);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;
		size_t k;
		char u[4];

		if (c == '<') {
			i = html_markup(&h, s, n, i);
		} else if (c == '&' && (k = entity(s + i, n - i, &cp)) > 0) {
			if (cp == 0xA0 || cp == '\t' || cp == '\n' || cp == '\r' || cp == ' ')
				html_space(&h, cp == 0xA0 ? ' ' : (char)cp);
			else if (cp >= 0x20)
				html_emit(&h, u, text_utf8_put(u, (uint32_t)cp));
			i += k;
		} else if (is_space(c) ||
			   (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)) {
			html_space(&h, (char)c);
			i += c == 0xC2 ? 2 : 1;
		} else {
			size_t j = i + 1;

			while (j < n && s[j] != '<' && s[j] != '&' &&
			       !is_space((unsigned char)s[j]) &&
			       !((unsigned char)s[j] == 0xC2 && j + 1 < n &&
				 (unsigned char)s[j + 1] == 0xA0))
				j++;
			html_emit(&h, s + i, j - i);
			i = j;
		}
	}
	r = tidy(a, h.b.p ? h.b.p : "", h.b.len);
	buf_release(&h.b);
	return r;
}

/* ---- format=flowed (RFC 3676) ---- */

/*
 * Appends text/plain; format=flowed text with its soft line breaks joined:
 * a line ending in a space goes on in the next line of the same quote depth.
 * Quoted lines come out as "> text" (">> text" deeper).
 */
static void unflow(const char *s, size_t n, int delsp, struct buf *out)
{
	size_t i = 0, e, pos;
	int depth, prev = -1, joining = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len;
		int soft;

		e = nl ? (size_t)(nl - s) : n;
		for (pos = i; pos < e && s[pos] == '>'; pos++)
			;
		depth = (int)(pos - i);
		if (pos < e && s[pos] == ' ')
			pos++; /* space-stuffing */
		len = e - pos;
		soft = len > 0 && s[e - 1] == ' ' && !(len == 3 && memcmp(s + pos, "-- ", 3) == 0);
		if (joining && depth != prev)
			buf_add(out, "\n", 1);
		if (!joining || depth != prev) {
			for (int d = 0; d < depth; d++)
				buf_add(out, ">", 1);
			if (depth)
				buf_add(out, " ", 1);
		}
		buf_add(out, s + pos, soft && delsp ? len - 1 : len);
		if (!soft)
			buf_add(out, "\n", 1);
		joining = soft;
		prev = depth;
		i = nl ? e + 1 : n;
	}
	if (joining)
		buf_add(out, "\n", 1);
}

/* ---- quoted history and signatures ---- */

struct vline {
	const char *s;
	size_t n; /* without trailing white space */
};

/* Lines ending like these introduce a quote: "On <date>, <name> wrote:". */
static const char *const attribution_marks[] = {
	"wrote:",      "writes:",      "wrote：",     "schrieb:",      "a écrit :",
	"a écrit:",    "escribió:",    "scrisse:",    "escreveu:",     "napisał(a):",
	"napisał:",    "napsal(a):",   "napsal:",     "geschreven:",   "skrev:",
	"kirjoitti:",  "написал:",     "написал(а):", "のメッセージ:", "のメッセージ：",
	"書きました:", "書きました：", "작성:",	      "작성：",	       "yazdı:",
	"写道:",       "写道：",       "寫道:",	      "寫道：",	       NULL,
};

/* "-----Original Message-----" and its translations, lower-case. */
static const char *const separators[] = {
	"original message",
	"original-nachricht",
	"ursprüngliche nachricht",
	"message d'origine",
	"mensaje original",
	"messaggio originale",
	"mensagem original",
	"oorspronkelijk bericht",
	"元のメッセージ",
	"원본 메시지",
	"özgün ileti",
	"orijinal mesaj",
	"orijinal ileti",
	"原始邮件",
	"原始郵件",
	"исходное сообщение",
	"оригинальное сообщение",
	"wiadomość oryginalna",
	"původní zpráva",
	NULL,
};

/* Outlook's quote header: a From line, then within four lines a Sent or Date line. */
static const char *const from_labels[] = {
	"from:", "差出人:", "差出人：", "보낸 사람:", "kimden:",  "von:",    "de :", "de:",
	"od:",	 "från:",   "От:",	"发件人:",    "发件人：", "寄件者:", NULL,
};
static const char *const sent_labels[] = {
	"sent:",       "date:",	      "送信日時:", "送信日時：", "日付:",    "보낸 날짜:",
	"날짜:",       "gönderildi:", "tarih:",	   "gesendet:",	 "datum:",   "envoyé :",
	"envoyé:",     "date :",      "enviado:",  "fecha:",	 "wysłano:", "odesláno:",
	"Отправлено:", "发送时间:",   "日期:",	   NULL,
};

/* A forward is content the sender wants read, not history: these lines keep what follows. */
static const char *const forward_marks[] = {
	"forward", "weitergeleitet", "transféré", "reenviado", "inoltrato",
	"転送",	   "전달",	     "iletilen",  "转发",      NULL,
};

static int ends_with_any(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (ends_with(s, n, *list))
			return 1;
	return 0;
}

static int starts_with_any(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (starts_with(s, n, *list))
			return 1;
	return 0;
}

static int contains_any(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		for (size_t k = strlen(*list), i = 0; i + k <= n; i++)
			if (strncasecmp(s + i, *list, k) == 0)
				return 1;
	return 0;
}

static int has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

/*
 * The lines of a text, read in place one at a time: a text of twenty million
 * empty lines must not cost an array of twenty million entries.
 */
struct lines {
	const char *s;
	size_t n;
};

/* The line at pos, left- and right-trimmed; *next is where the next one starts. */
static struct vline line(const struct lines *t, size_t pos, size_t *next)
{
	struct vline l;

	l.s = t->s + pos;
	l.n = line_at(t->s, t->n, pos, next);
	while (l.n && is_wsp((unsigned char)*l.s))
		l.s++, l.n--;
	return l;
}

static int is_quoted(const struct vline *l)
{
	return l->n > 0 && l->s[0] == '>';
}

/* The first non-blank line at or after pos, and its position in *at (t->n when none). */
static struct vline next_text(const struct lines *t, size_t pos, size_t *at)
{
	struct vline l = {"", 0};
	size_t next;

	for (; pos < t->n; pos = next) {
		l = line(t, pos, &next);
		if (l.n)
			break;
	}
	*at = pos;
	return l;
}

static int ends_in_colon(const struct vline *l)
{
	return ends_with(l->s, l->n, ":") || ends_with(l->s, l->n, "\xEF\xBC\x9A");
}

/*
 * How many lines (0, 1 or 2) of an attribution start at pos; *after is
 * where the first line after them starts. A line ending in "wrote:" and its
 * kin counts when it has a date or an address in it or quoted lines follow;
 * any line ending in ":" with an address counts when quoted lines follow
 * (Gmail's "2026年11月1日(日) 10:00 山田 <a@b>:"). Gmail wraps long ones in
 * plain text; the first half has the date and does not end a sentence.
 */
static int attribution(const struct lines *t, size_t pos, size_t *after)
{
	size_t next, next2, j;
	struct vline l = line(t, pos, &next), u, q;
	int quoted_next, dated = has_digit(l.s, l.n);

	if (!l.n || is_quoted(&l) || !(ends_in_colon(&l) || (dated && next < t->n)))
		return 0; /* every attribution ends in a colon, or is cut before one with a date */
	if (dated && next < t->n && !ends_with(l.s, l.n, ".") && !ends_with(l.s, l.n, "!") &&
	    !ends_with(l.s, l.n, "?") && !ends_with_any(l.s, l.n, attribution_marks)) {
		u = line(t, next, &next2);
		if (u.n && u.n < 80 && !has_digit(u.s, u.n) &&
		    ends_with_any(u.s, u.n, attribution_marks)) {
			*after = next2;
			return 2;
		}
	}
	if (!ends_in_colon(&l))
		return 0;
	q = next_text(t, next, &j);
	quoted_next = is_quoted(&q);
	*after = next;
	if (ends_with_any(l.s, l.n, attribution_marks) &&
	    (dated || memchr(l.s, '@', l.n) || quoted_next))
		return 1;
	return memchr(l.s, '@', l.n) && quoted_next;
}

static int is_separator(const struct vline *l)
{
	struct vline t = *l;
	char *inner, *lower;
	int found = 0;

	if (t.n < 6 || t.s[0] != '-' || t.s[1] != '-' || t.s[t.n - 1] != '-' || t.s[t.n - 2] != '-')
		return 0;
	while (t.n && (*t.s == '-' || *t.s == ' '))
		t.s++, t.n--;
	while (t.n && (t.s[t.n - 1] == '-' || t.s[t.n - 1] == ' '))
		t.n--;
	inner = xmalloc(t.n + 1);
	memcpy(inner, t.s, t.n);
	inner[t.n] = '\0';
	lower = text_lower(inner);
	if (!lower)
		die("out of memory");
	for (const char *const *s = separators; *s && !found; s++)
		found = strcmp(lower, *s) == 0;
	free(lower);
	free(inner);
	return found;
}

/* Whether an Outlook-style header block starts at pos; `prev` is the non-blank line before it. */
static int outlook_header(const struct lines *t, size_t pos, const struct vline *prev)
{
	size_t next;
	struct vline l = line(t, pos, &next);

	if (!starts_with_any(l.s, l.n, from_labels) ||
	    (prev && contains_any(prev->s, prev->n, forward_marks)))
		return 0;
	for (int k = 0; k < 4 && next < t->n; k++) {
		struct vline u = line(t, next, &next);

		if (starts_with_any(u.s, u.n, sent_labels))
			return 1;
	}
	return 0;
}

char *mail_visible_text(const char *text, struct arena *a)
{
	struct lines t = {text, strlen(text)};
	struct vline l, prev = {"", 0};
	size_t pos = 0, next, after, prev_out = 0;
	struct buf b;
	char *r;
	int k, have_prev = 0;

	buf_init(&b, t.n + 1);
	for (; pos < t.n; pos = next) {
		l = line(&t, pos, &next);
		if (l.s == t.s + pos && l.n == 2 && memcmp(l.s, "--", 2) == 0)
			break; /* "-- " with its space trimmed: the signature */
		if (is_separator(&l))
			break;
		if (outlook_header(&t, pos, have_prev ? &prev : NULL)) {
			/* Outlook draws a line of underscores above the block */
			if (have_prev && prev.n >= 10 && prev.s[0] == '_')
				buf_truncate(&b, prev_out);
			break;
		}
		if ((k = attribution(&t, pos, &after)) > 0) {
			struct vline q = next_text(&t, after, &after);

			if (!is_quoted(&q))
				break; /* what follows is the quote itself, unmarked */
			/* a quote in "> " lines: drop the attribution, keep an answer below it */
			next = after;
			continue;
		}
		if (is_quoted(&l))
			continue;
		if (!l.n) {
			buf_add(&b, "\n", 1); /* tidy() makes runs of them one */
			continue;
		}
		prev = l;
		have_prev = 1;
		prev_out = b.len;
		buf_add(&b, t.s + pos, (size_t)(l.s + l.n - (t.s + pos)));
		buf_add(&b, "\n", 1);
	}
	r = tidy(a, b.p ? b.p : "", b.len);
	buf_release(&b);
	return *r ? r : arena_strdup(a, text);
}

/* ---- the MIME tree ---- */

static void body_init(struct body *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->plain, cap);
	buf_init(&b->html, cap);
}

static void body_release(struct body *b)
{
	buf_release(&b->plain);
	buf_release(&b->html);
}

static int blank(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!is_space((unsigned char)b->p[i]))
			return 0;
	return 1;
}

/* The bytes of a GByteArray, never NULL (an empty array may have no data). */
static const char *bytes_of(const GByteArray *ba)
{
	return ba->data ? (const char *)ba->data : "";
}

/* The content of a leaf part with its transfer encoding undone; free it with g_byte_array_free. */
static GByteArray *part_content(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GByteArray *ba = g_byte_array_new();
	GMimeStream *s = g_mime_stream_mem_new_with_byte_array(ba);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	if (w)
		g_mime_data_wrapper_write_to_stream(w, s);
	g_object_unref(s);
	return ba;
}

/* The charset an HTML document declares in a <meta> near its start, in out; NULL if none. */
static const char *meta_charset(const char *s, size_t n, char out[48])
{
	const char *p = NULL, *end = s + (n < 4096 ? n : 4096);
	size_t k = 0;

	for (const char *q = s; !p && q + 7 <= end; q++)
		if (strncasecmp(q, "charset", 7) == 0)
			p = q + 7;
	if (!p)
		return NULL;
	while (p < end && (is_space((unsigned char)*p) || *p == '=' || *p == '"' || *p == '\''))
		p++;
	while (p < end && k + 1 < 48 && *p != '"' && *p != '\'' && *p != ';' && *p != '>' &&
	       *p != '/' && !is_space((unsigned char)*p))
		out[k++] = *p++;
	out[k] = '\0';
	/* the bytes in hand are ASCII-compatible, whatever the document says */
	if (!k || strncasecmp(out, "utf-16", 6) == 0 || strncasecmp(out, "utf-32", 6) == 0)
		return NULL;
	return out;
}

/* A parameter value as a file name: decoded, clean, without directories; NULL when empty. */
static const char *keep_filename(struct parse *p, const char *v)
{
	struct buf b;
	const char *slash, *r;

	if (!v)
		return NULL;
	buf_init(&b, p->cap);
	/* Outlook and Gmail write RFC 2047 words where RFC 2231 belongs */
	if (strstr(v, "=?"))
		decode_words(p, v, strlen(v), &b);
	else
		buf_adds(&b, v);
	v = b.p ? b.p : "";
	if ((slash = strrchr(v, '/')) != NULL)
		v = slash + 1;
	if ((slash = strrchr(v, '\\')) != NULL)
		v = slash + 1;
	r = clean_line(p, v);
	buf_release(&b);
	return r;
}

/*
 * The decoded file name of a part: Content-Disposition's filename, else
 * Content-Type's name (RFC 2231 continuations and charset'lang'value
 * included). The fields are read raw so that raw 8-bit names go through
 * decode() with the body's charset as hint.
 */
static const char *part_filename(struct parse *p, GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	const char *name = NULL;
	char *v;

	if ((v = header_utf8(p, hl, "Content-Disposition")) != NULL) {
		GMimeContentDisposition *d = g_mime_content_disposition_parse(p->opts, v);

		if (d) {
			name = keep_filename(
				p, g_mime_content_disposition_get_parameter(d, "filename"));
			g_object_unref(d);
		}
		free(v);
	}
	if (!name && (v = header_utf8(p, hl, "Content-Type")) != NULL) {
		GMimeContentType *ct = g_mime_content_type_parse(p->opts, v);

		if (ct) {
			name = keep_filename(p, g_mime_content_type_get_parameter(ct, "name"));
			g_object_unref(ct);
		}
		free(v);
	}
	return name;
}

static const char *lower_ascii(char *s)
{
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return s;
}

/* A Message-ID as found in a field value: GMime's reading, else the value without <> and spaces. */
static const char *message_id(struct parse *p, const char *v)
{
	char *id = v ? g_mime_utils_decode_message_id(v) : NULL;
	const char *r;
	size_t n;

	if (id && *id) {
		r = clean_line(p, id);
		g_free(id);
		return r;
	}
	g_free(id);
	if (!v)
		return NULL;
	while (*v == '<' || is_space((unsigned char)*v))
		v++;
	n = strcspn(v, "> \t\r\n");
	return n ? clean_line(p, arena_strndup(p->a, v, n)) : NULL;
}

/* The Message-ID field among raw header lines (text/rfc822-headers), or NULL. */
static const char *message_id_in_lines(struct parse *p, const char *s, size_t n)
{
	size_t i = 0, next, len;

	while (i < n) {
		len = line_at(s, n, i, &next);
		while (len && (is_wsp((unsigned char)s[i]) || s[i] == '>'))
			i++, len--;
		if (starts_with(s + i, len, "message-id:")) {
			char *v = arena_strndup(p->a, s + i + 11, len - 11);

			/* a folded id goes on in the next line */
			if (!strchr(v, '@') && next < n && is_wsp((unsigned char)s[next])) {
				size_t after, nlen = line_at(s, n, next, &after);

				v = arena_strndup(p->a, s + next, nlen);
			}
			return message_id(p, v);
		}
		i = next;
	}
	return NULL;
}

/* The X-Deskd-Attempt field among returned header lines (deskd's own, see mail/smtp.c). */
static const char *attempt_in_lines(struct parse *p, const char *s, size_t n)
{
	size_t i = 0, next, len;

	while (i < n) {
		len = line_at(s, n, i, &next);
		while (len && (is_wsp((unsigned char)s[i]) || s[i] == '>'))
			i++, len--;
		if (starts_with(s + i, len, "x-deskd-attempt:")) {
			const char *v = s + i + 16;

			len -= 16;
			trim(&v, &len);
			return arena_strndup(p->a, v, len < 32 ? len : 32);
		}
		i = next;
	}
	return NULL;
}

static struct mail_attachment *new_attachment(struct parse *p)
{
	if (p->n_att == p->cap_att) {
		int cap = p->cap_att ? 2 * p->cap_att : 4;
		struct mail_attachment *att = arena_alloc(p->a, (size_t)cap * sizeof(*att));

		if (p->n_att)
			memcpy(att, p->att, (size_t)p->n_att * sizeof(*att));
		p->att = att;
		p->cap_att = cap;
	}
	return &p->att[p->n_att++];
}

static void add_attachment(struct parse *p, GMimeObject *obj, const char *filename,
			   const void *data, size_t len)
{
	struct mail_attachment *at = new_attachment(p);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL,
	     *clean = clean_line(p, type);
	unsigned char hash[crypto_hash_sha256_BYTES];
	unsigned char *copy = arena_alloc(p->a, len ? len : 1);

	g_free(type);
	at->filename = filename;
	at->content_type = clean ? lower_ascii(clean) : "application/octet-stream";
	at->content_id = message_id(p, g_mime_object_get_content_id(obj));
	if (len)
		memcpy(copy, data, len);
	at->data = copy;
	at->size = len;
	crypto_hash_sha256(hash, copy, len);
	sodium_bin2hex(at->sha256, sizeof(at->sha256), hash, sizeof(hash));
	at->is_inline = 0; /* set by mark_shown once the HTML body is known */
}

/* The length of the blank lines that start [s, s + n). */
static size_t blank_lines(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && is_space((unsigned char)s[k]))
		k++;
	while (k && s[k - 1] != '\n')
		k--;
	return k;
}

/* Appends a text/plain or text/html body part, decoded, to the body. */
static void add_body_text(struct parse *p, GMimePart *part, int html, struct body *b)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GByteArray *ba = part_content(part);
	const char *label = g_mime_object_get_content_type_parameter(obj, "charset");
	const char *format = g_mime_object_get_content_type_parameter(obj, "format");
	const char *delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
	struct buf *dst = html ? &b->html : &b->plain, tmp, flowed;
	const char *used;
	char meta[48];
	size_t skip;

	if (html && !label)
		label = meta_charset(bytes_of(ba), ba->len, meta);
	buf_init(&tmp, p->cap);
	used = decode(p, bytes_of(ba), ba->len, label, NULL, CLEAN_TEXT, &tmp);
	g_byte_array_free(ba, TRUE);
	if (!html && format && strcasecmp(format, "flowed") == 0) {
		buf_init(&flowed, p->cap);
		unflow(tmp.p ? tmp.p : "", tmp.len, delsp && strcasecmp(delsp, "yes") == 0,
		       &flowed);
		buf_release(&tmp);
		tmp = flowed;
	}
	if (dst->len) {
		if (!html)
			buf_rtrim(dst);
		buf_add(dst, html ? "\n" : "\n\n", html ? 1 : 2);
	}
	/* text split around a file goes on after one blank line, however it starts */
	skip = dst->len && !html ? blank_lines(tmp.p, tmp.len) : 0;
	buf_add(dst, tmp.p ? tmp.p + skip : "", tmp.len - skip);
	if (tmp.err || dst->err)
		p->too_large = 1;
	buf_release(&tmp);
	if (html && !b->html_charset)
		b->html_charset = used;
	if (!html && !b->plain_charset)
		b->plain_charset = used;
	*(html ? &b->has_html : &b->has_plain) = 1;
}

static void walk(struct parse *p, GMimeObject *obj, struct body *b, int depth);

/*
 * Text parts are the body unless they are meant as files, as Python's
 * get_body() decides: "attachment" says so, and so does a file name on a
 * part after the first body part of its kind. The first one is the body even
 * with a file name: mailers (Apple Mail among them) name inline text parts.
 */
static int is_body_text(GMimeObject *obj, const char *filename, const struct body *b, int *html)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *disp = g_mime_object_get_disposition(obj);

	if (!ct || (disp && strcasecmp(disp, "attachment") == 0))
		return 0;
	*html = g_mime_content_type_is_type(ct, "text", "html");
	if (!*html && !g_mime_content_type_is_type(ct, "text", "plain"))
		return 0;
	return !filename || !(*html ? b->has_html : b->has_plain);
}

static void walk_part(struct parse *p, GMimePart *part, struct body *b)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *filename = part_filename(p, obj);
	GByteArray *ba;
	int html;

	if (ct && (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
		   g_mime_content_type_is_type(ct, "message", "global-delivery-status")))
		p->bounce = 1;
	if (is_body_text(obj, filename, b, &html)) {
		add_body_text(p, part, html, b);
		return;
	}
	ba = part_content(part);
	add_attachment(p, obj, filename, bytes_of(ba), ba->len);
	if (!p->bounced_id && ct &&
	    (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
	     g_mime_content_type_is_type(ct, "message", "rfc822-headers"))) {
		p->bounced_id = message_id_in_lines(p, bytes_of(ba), ba->len);
		p->bounced_attempt = attempt_in_lines(p, bytes_of(ba), ba->len);
	}
	g_byte_array_free(ba, TRUE);
}

/* An attached message (message/rfc822) is an attachment of its own bytes; its body is not ours. */
static void walk_message(struct parse *p, GMimeMessagePart *mp)
{
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	GByteArray *ba;
	GMimeStream *s;

	if (!m)
		return;
	ba = g_byte_array_new();
	s = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s);
	g_object_unref(s);
	add_attachment(p, GMIME_OBJECT(mp), part_filename(p, GMIME_OBJECT(mp)), bytes_of(ba),
		       ba->len);
	g_byte_array_free(ba, TRUE);
	if (!p->bounced_id) {
		const char *attempt = g_mime_object_get_header(GMIME_OBJECT(m), "X-Deskd-Attempt");

		p->bounced_id = message_id(p, g_mime_message_get_message_id(m));
		p->bounced_attempt = attempt ? arena_printf(p->a, "%.32s", attempt) : NULL;
	}
}

/* The longest cid: URL looked up; a Content-ID is one header line. */
#define MAX_CID 998

/*
 * Percent-decodes the cid: URL [s, s + n) (RFC 2392) into out, as the web
 * app's decodeURIComponent does; a malformed escape leaves it as it is.
 */
static void cid_decode(const char *s, size_t n, char out[MAX_CID + 1])
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && (i + 2 >= n || (hi = hex_value(s[i + 1])) < 0 ||
				    (lo = hex_value(s[i + 2])) < 0)) {
			memcpy(out, s, n);
			o = n;
			break;
		}
		if (s[i] == '%') {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/*
 * Marks inline the parts that the HTML body shows: those whose Content-ID a
 * cid: URL in it names. They are kept for the HTML, not listed as files; an
 * inline part the HTML does not show (an image in a plain-text email) is a
 * file like any other. One pass over the HTML, a hash lookup per URL.
 */
static void mark_shown(struct parse *p, const char *html, size_t n)
{
	GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
	char ref[MAX_CID + 1];
	size_t i = 0, k;
	gpointer key;

	for (int j = 0; j < p->n_att; j++)
		if (p->att[j].content_id)
			g_hash_table_insert(ids, (gpointer)p->att[j].content_id, NULL);
	while (g_hash_table_size(ids) && i + 4 < n) {
		if (strncasecmp(html + i, "cid:", 4) != 0) {
			i++;
			continue;
		}
		i += 4;
		for (k = 0; i + k < n && !strchr("\"'>) \t\r\n\f", html[i + k]); k++)
			;
		if (k && k <= MAX_CID) {
			cid_decode(html + i, k, ref);
			if (g_hash_table_lookup_extended(ids, ref, &key, NULL))
				g_hash_table_insert(ids, key, GINT_TO_POINTER(1));
		}
		i += k;
	}
	for (int j = 0; j < p->n_att; j++)
		p->att[j].is_inline =
			p->att[j].content_id &&
			g_hash_table_lookup(ids, p->att[j].content_id) == GINT_TO_POINTER(1);
	g_hash_table_destroy(ids);
}

/* Copies one alternative's text in, at most one plain and one HTML. */
static void take_alternative(struct body *from, struct body *b, int *have_plain, int *have_html)
{
	b->has_plain |= from->has_plain;
	b->has_html |= from->has_html;
	if (!*have_plain && !blank(&from->plain)) {
		if (b->plain.len)
			buf_add(&b->plain, "\n\n", 2);
		buf_add(&b->plain, from->plain.p, from->plain.len);
		if (!b->plain_charset)
			b->plain_charset = from->plain_charset;
		*have_plain = 1;
	}
	if (!*have_html && from->html.len) {
		if (b->html.len)
			buf_add(&b->html, "\n", 1);
		buf_add(&b->html, from->html.p, from->html.len);
		if (!b->html_charset)
			b->html_charset = from->html_charset;
		*have_html = 1;
	}
}

static void walk_multipart(struct parse *p, GMimeMultipart *mp, struct body *b, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
	int n = g_mime_multipart_get_count(mp), have_plain = 0, have_html = 0;
	int alternative = ct && g_mime_content_type_is_type(ct, "multipart", "alternative");
	const char *report = ct ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;

	if (report && strcasecmp(report, "delivery-status") == 0)
		p->bounce = 1;
	if (report && strcasecmp(report, "disposition-notification") == 0)
		p->receipt = 1;
	if (n == 0) {
		/* no boundary, or one that never comes: GMime keeps the text as the prologue */
		const char *text = g_mime_multipart_get_prologue(mp);

		if (text) {
			struct buf tmp;

			buf_init(&tmp, p->cap);
			b->plain_charset =
				decode(p, text, strlen(text), NULL, NULL, CLEAN_TEXT, &tmp);
			buf_add(&b->plain, tmp.p ? tmp.p : "", tmp.len);
			buf_release(&tmp);
		}
		return;
	}
	for (int i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(mp, i);
		struct body alt;

		if (!alternative) {
			walk(p, child, b, depth + 1);
			continue;
		}
		body_init(&alt, p->cap);
		walk(p, child, &alt, depth + 1);
		take_alternative(&alt, b, &have_plain, &have_html);
		body_release(&alt);
	}
}

static void walk(struct parse *p, GMimeObject *obj, struct body *b, int depth)
{
	if (!obj || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj))
		walk_multipart(p, GMIME_MULTIPART(obj), b, depth);
	else if (GMIME_IS_MESSAGE_PART(obj))
		walk_message(p, GMIME_MESSAGE_PART(obj));
	else if (GMIME_IS_PART(obj))
		walk_part(p, GMIME_PART(obj), b);
}

/* Takes the first labelled non-UTF-8 text charset as the hint for raw 8-bit header fields. */
static void find_hint(struct parse *p, GMimeObject *obj, int depth)
{
	GMimeContentType *ct;
	struct charset cs;

	if (p->hint[0] || !obj || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		for (int i = 0; i < n; i++)
			find_hint(p, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
		return;
	}
	ct = g_mime_object_get_content_type(obj);
	if (!GMIME_IS_PART(obj) || !ct || !g_mime_content_type_is_type(ct, "text", "*"))
		return;
	charset_lookup(g_mime_content_type_get_parameter(ct, "charset"), &cs);
	if (cs.kind >= CS_SINGLE)
		memcpy(p->hint, cs.name, sizeof(p->hint));
}

/* ---- header fields ---- */

struct addresses {
	struct mail_address *v;
	int n, cap;
};

static void add_mailbox(struct parse *p, InternetAddress *ia, struct addresses *list)
{
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	struct mail_address m = {clean_line(p, internet_address_get_name(ia)), clean_line(p, addr)};

	if (!m.name && !m.email)
		return;
	if (m.email) {
		char *lower = text_lower(m.email);

		if (!lower)
			die("out of memory");
		m.email = arena_strdup(p->a, lower);
		free(lower);
	}
	if (list->n == list->cap) {
		int cap = list->cap ? 2 * list->cap : 4;
		struct mail_address *v = arena_alloc(p->a, (size_t)cap * sizeof(*v));

		if (list->n)
			memcpy(v, list->v, (size_t)list->n * sizeof(*v));
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = m;
}

static void add_address_list(struct parse *p, InternetAddressList *l, struct addresses *list,
			     int depth)
{
	int n = internet_address_list_length(l);

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia) && depth < 4)
			add_address_list(
				p, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				list, depth + 1);
		else if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			add_mailbox(p, ia, list);
	}
}

/* Appends s to out with the characters that would end a quoted string (or a comment) escaped. */
static void add_escaped(struct buf *out, const char *s, size_t n, const char *special)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] && strchr(special, s[i]))
			buf_add(out, "\\", 1);
		buf_add(out, s + i, 1);
	}
}

/*
 * Rewrites the encoded words of an address field as the quoted text they
 * stand for, so that GMime's address parser sees decoded names: the same
 * decoding as subjects get, with its repair of wrong charset labels, and a
 * decoded comma or quote cannot break the list apart.
 */
static char *decode_phrases(struct parse *p, const char *s)
{
	size_t n = strlen(s), i = 0;
	int quoted = 0, comment = 0, angle = 0;
	struct encoded_word w;
	struct word_scan scan;
	struct buf out, text;

	word_scan_init(&scan, s + n);
	buf_init(&out, p->cap);
	while (i < n) {
		char c = s[i];

		if (c == '\\' && (quoted || comment) && i + 1 < n) {
			buf_add(&out, s + i, 2);
			i += 2;
			continue;
		}
		if (!angle && c == '=' && i + 1 < n && s[i + 1] == '?' &&
		    encoded_word(s + i, &scan, &w)) {
			const char *end = w.end, *q = end;

			/* the run of encoded words separated by white space only */
			while (q < s + n && is_wsp((unsigned char)*q))
				q++;
			while (q + 1 < s + n && q[0] == '=' && q[1] == '?' &&
			       encoded_word(q, &scan, &w)) {
				end = q = w.end;
				while (q < s + n && is_wsp((unsigned char)*q))
					q++;
			}
			buf_init(&text, p->cap);
			decode_words(p, s + i, (size_t)(end - (s + i)), &text);
			if (!quoted && !comment)
				buf_add(&out, "\"", 1);
			add_escaped(&out, text.p ? text.p : "", text.len,
				    comment ? "()\\" : "\"\\");
			if (!quoted && !comment)
				buf_add(&out, "\"", 1);
			buf_release(&text);
			i = (size_t)(end - s);
			continue;
		}
		if (c == '"' && !comment && !angle)
			quoted = !quoted;
		else if (!quoted && c == '(')
			comment++;
		else if (!quoted && c == ')' && comment)
			comment--;
		else if (!quoted && !comment && c == '<')
			angle = 1;
		else if (!quoted && !comment && c == '>')
			angle = 0;
		buf_add(&out, &c, 1);
		i++;
	}
	return buf_detach(&out, NULL);
}

/* Every mailbox of every field called name. */
static void read_addresses(struct parse *p, GMimeHeaderList *hl, const char *name,
			   struct addresses *list)
{
	int n = g_mime_header_list_get_count(hl);

	memset(list, 0, sizeof(*list));
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		InternetAddressList *l;
		char *v, *raw;

		if (strcasecmp(g_mime_header_get_name(h), name) != 0 || !(raw = value_utf8(p, h)))
			continue;
		v = decode_phrases(p, raw);
		if ((l = internet_address_list_parse(p->opts, v)) != NULL) {
			add_address_list(p, l, list, 0);
			g_object_unref(l);
		}
		free(v);
		free(raw);
	}
}

static struct mail_address first_address(struct parse *p, GMimeHeaderList *hl, const char *name)
{
	struct addresses list;
	struct mail_address none = {NULL, NULL};

	read_addresses(p, hl, name, &list);
	return list.n ? list.v[0] : none;
}

static void read_ids(struct parse *p, GMimeHeaderList *hl, struct mail_message *out)
{
	GMimeReferences *refs;
	char *v;
	int n;

	if ((v = header_utf8(p, hl, "Message-ID")) != NULL) {
		out->message_id = message_id(p, v);
		free(v);
	}
	if ((v = header_utf8(p, hl, "In-Reply-To")) != NULL) {
		/* "<id> (Jane's message of ...)" and lists of ids occur: the first is the parent */
		refs = g_mime_references_parse(p->opts, v);
		if (refs && g_mime_references_length(refs) > 0)
			out->in_reply_to = message_id(p, g_mime_references_get_message_id(refs, 0));
		else
			out->in_reply_to = message_id(p, v);
		if (refs)
			g_mime_references_free(refs);
		free(v);
	}
	if ((v = header_utf8(p, hl, "References")) != NULL) {
		refs = g_mime_references_parse(p->opts, v);
		n = refs ? g_mime_references_length(refs) : 0;
		out->references = arena_alloc(p->a, (size_t)(n ? n : 1) * sizeof(char *));
		for (int i = 0; i < n; i++) {
			const char *id = message_id(p, g_mime_references_get_message_id(refs, i));

			if (id)
				out->references[out->n_references++] = id;
		}
		if (refs)
			g_mime_references_free(refs);
		free(v);
	}
}

static int64_t read_date(struct parse *p, GMimeHeaderList *hl)
{
	char *v = header_utf8(p, hl, "Date");
	GDateTime *dt = v ? g_mime_utils_header_decode_date(v) : NULL;
	int64_t us = 0;

	if (dt) {
		us = (int64_t)g_date_time_to_unix(dt) * 1000000 + g_date_time_get_microsecond(dt);
		g_date_time_unref(dt);
	}
	free(v);
	return us > 0 ? us : 0;
}

/* The first word of the field, lower-case, in out; 0 when the field is absent. */
static int field_word(GMimeHeaderList *hl, const char *name, char out[32])
{
	GMimeHeader *h = find_header(hl, name);
	const char *v = h ? g_mime_header_get_raw_value(h) : NULL;
	size_t k = 0;

	out[0] = '\0';
	if (!h)
		return 0;
	while (v && is_space((unsigned char)*v))
		v++;
	while (v && *v && k + 1 < 32 && !is_space((unsigned char)*v) && *v != ';' && *v != ',')
		out[k++] = (char)(*v >= 'A' && *v <= 'Z' ? *v++ + 32 : *v++);
	out[k] = '\0';
	return 1;
}

static int word_in(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* Whether the message says a program sent it; see mail_message.auto_submitted. */
static int auto_submitted(struct parse *p, GMimeHeaderList *hl)
{
	static const char *const no[] = {"no", "false", "0", "off", NULL};
	static const char *const precedence[] = {"bulk", "junk", "list", "auto_reply", NULL};
	static const char *const flags[] = {"X-Autoreply", "X-Autorespond", "X-Autogenerated",
					    NULL};
	char w[32];
	char *v;
	int found = 0;

	if (field_word(hl, "Auto-Submitted", w) && !word_in(w, no))
		return 1;
	if (field_word(hl, "Precedence", w) &&
	    (word_in(w, precedence) || find_header(hl, "List-Id")))
		return 1;
	for (const char *const *f = flags; *f; f++)
		if (field_word(hl, *f, w) && !word_in(w, no))
			return 1;
	if ((v = header_utf8(p, hl, "X-Auto-Response-Suppress")) != NULL) {
		static const char *const outlook[] = {"all", "oof", "autoreply", NULL};

		found = contains_any(v, strlen(v), outlook);
		free(v);
	}
	return found || p->receipt || p->bounce;
}

static int is_daemon(const char *email)
{
	static const char *const daemons[] = {"mailer-daemon", "postmaster", NULL};
	size_t n;

	if (!email)
		return 0;
	n = strcspn(email, "@");
	for (const char *const *d = daemons; *d; d++)
		if (n == strlen(*d) && strncasecmp(email, *d, n) == 0)
			return 1;
	return 0;
}

/* ---- putting it together ---- */

/* Cuts trailing white space from every line, in place: invisible, it only hinders search. */
static void rtrim_lines(struct buf *b)
{
	size_t i = 0, o = 0, next, len;

	while (i < b->len) {
		len = line_at(b->p, b->len, i, &next);
		if (len == 2 && next - i >= 3 && memcmp(b->p + i, "-- ", 3) == 0)
			len = 3; /* the signature delimiter keeps its space */
		memmove(b->p + o, b->p + i, len);
		o += len;
		if (next > i + len && b->p[next - 1] == '\n')
			b->p[o++] = '\n';
		i = next;
	}
	buf_truncate(b, o);
}

static void finish_body(struct parse *p, struct body *b, struct mail_message *out)
{
	rtrim_lines(&b->plain);
	buf_rtrim(&b->plain);
	if (b->html.len)
		out->html = arena_strndup(p->a, b->html.p, b->html.len);
	if (blank(&b->plain) && b->html.len) {
		out->text = mail_html_to_text(b->html.p, b->html.len, p->a);
		out->charset_used = b->html_charset;
	} else {
		out->text = arena_strndup(p->a, b->plain.p ? b->plain.p : "", b->plain.len);
		out->charset_used = b->plain_charset;
	}
	out->visible_text = mail_visible_text(out->text, p->a);
}

static void read_message(struct parse *p, GMimeMessage *msg, struct mail_message *out)
{
	GMimeObject *root = g_mime_message_get_mime_part(msg);
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	struct addresses list;
	struct body b;

	find_hint(p, root, 0);
	body_init(&b, p->cap);
	walk(p, root, &b, 0);
	mark_shown(p, b.html.p ? b.html.p : "", b.html.len);
	finish_body(p, &b, out);
	if (b.plain.err || b.html.err)
		p->too_large = 1;
	body_release(&b);

	out->subject = header_text(p, hl, "Subject");
	if (!out->subject)
		out->subject = "";
	out->from = first_address(p, hl, "From");
	out->reply_to = first_address(p, hl, "Reply-To");
	read_addresses(p, hl, "To", &list);
	out->to = list.v, out->n_to = list.n;
	read_addresses(p, hl, "Cc", &list);
	out->cc = list.v, out->n_cc = list.n;
	read_ids(p, hl, out);
	out->date_us = read_date(p, hl);

	out->attachments = p->att;
	out->n_attachments = p->n_att;
	out->bounce = p->bounce || is_daemon(out->from.email);
	if (out->bounce) {
		out->bounced_message_id =
			p->bounced_id ? p->bounced_id
				      : message_id_in_lines(p, out->text, strlen(out->text));
		out->bounced_attempt = p->bounced_id ? p->bounced_attempt
						     : attempt_in_lines(p, out->text, strlen(out->text));
	}
	p->bounce = out->bounce;
	out->auto_submitted = auto_submitted(p, hl);
}

static GMimeParserOptions *parser_options(const char *const *fallbacks)
{
	GMimeParserOptions *o = g_mime_parser_options_new();
	const char *list[20];
	int n = 0;

	/* GMime reads raw 8-bit parameter values with these; header fields are decoded here */
	list[n++] = "utf-8";
	for (; fallbacks && *fallbacks && n < 18; fallbacks++)
		list[n++] = *fallbacks;
	list[n++] = "windows-1252";
	list[n] = NULL;
	g_mime_parser_options_set_fallback_charsets(o, list);
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
	return o;
}

/* Header fields that only a message has; one of them is what makes input a message. */
static const char *const message_fields[] = {
	"from",
	"sender",
	"reply-to",
	"to",
	"cc",
	"bcc",
	"subject",
	"date",
	"message-id",
	"in-reply-to",
	"references",
	"received",
	"return-path",
	"mime-version",
	"content-type",
	"delivered-to",
	"x-original-to",
	"dkim-signature",
	"arc-seal",
	"authentication-results",
	"list-id",
	"auto-submitted",
	NULL,
};

/*
 * Where the header block starts (after an mbox "From " line), or -1 when
 * the input does not begin with header fields naming at least one message
 * field. *bad is where the fields stop: the empty line, the end, or the
 * first line that is not a field.
 */
static long header_block(const char *s, size_t n, size_t *bad)
{
	size_t i = 0, start, next, len, k, c;
	int fields = 0, known = 0;

	*bad = 0;
	if (n >= 5 && memcmp(s, "From ", 5) == 0) {
		const char *nl = memchr(s, '\n', n);

		i = nl ? (size_t)(nl - s) + 1 : n;
	}
	start = i;
	for (; i < n; i = next) {
		const char *nl = memchr(s + i, '\n', n - i);

		next = nl ? (size_t)(nl - s) + 1 : n;
		len = (nl ? (size_t)(nl - s) : n) - i;
		if (len && s[i + len - 1] == '\r')
			len--;
		if (!len)
			break;
		if (is_wsp((unsigned char)s[i]) && fields)
			continue; /* a folded line */
		for (k = 0; k < len && s[i + k] > ' ' && s[i + k] < 127 && s[i + k] != ':'; k++)
			;
		for (c = k; c < len && is_wsp((unsigned char)s[i + c]); c++)
			;
		if (!k || c >= len || s[i + c] != ':')
			break;
		fields++;
		for (const char *const *f = message_fields; *f && !known; f++)
			known = k == strlen(*f) && strncasecmp(s + i, *f, k) == 0;
	}
	*bad = i;
	return known ? (long)start : -1;
}

/*
 * The message from `start` on, as GMime should read it. A header block that
 * runs straight into the body (no empty line before the first line that is
 * neither a field nor a continuation) gets its empty line at `end`: GMime
 * would drop those lines as broken fields, Python's email makes them the
 * start of the body, and so do people reading it.
 */
static GMimeStream *message_stream(const char *s, size_t n, size_t start, size_t end)
{
	GByteArray *ba = g_byte_array_sized_new((guint)(n - start + 2));
	int crlf = end >= 2 && s[end - 2] == '\r';

	if (end < n && s[end] != '\n' && s[end] != '\r') {
		g_byte_array_append(ba, (const guint8 *)s + start, (guint)(end - start));
		g_byte_array_append(ba, (const guint8 *)(crlf ? "\r\n" : "\n"), crlf ? 2 : 1);
		start = end;
	}
	g_byte_array_append(ba, (const guint8 *)s + start, (guint)(n - start));
	return g_mime_stream_mem_new_with_byte_array(ba);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
	g_mime_init();
	if (sodium_init() < 0)
		die("libsodium cannot start");
}

void mail_init(void)
{
	pthread_once(&init_once, init);
}

enum err_code mail_parse(const char *data, size_t len, size_t max_size,
			 const char *const *fallback_charsets, struct mail_message *out,
			 struct arena *a, struct error *err)
{
	struct parse p;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	enum err_code rc = E_OK;
	size_t bad;
	long start;

	memset(out, 0, sizeof(*out));
	if (!max_size)
		max_size = MAIL_MAX_SIZE_DEFAULT;
	if (len > max_size)
		return error_set(err, E_TOO_LARGE,
				 "message of %zu bytes is over the limit of %zu bytes", len,
				 max_size);
	if (!data || (start = header_block(data, len, &bad)) < 0) {
		rc = error_set(err, E_INVALID, "not an email message: no header block");
		if (err && data)
			err->position = (long)bad;
		return rc;
	}
	mail_init();
	memset(&p, 0, sizeof(p));
	p.a = a;
	p.fallbacks = fallback_charsets;
	p.cap = 4 * len + 65536;
	p.opts = parser_options(fallback_charsets);
	stream = message_stream(data, len, (size_t)start, bad);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, p.opts);
	if (!msg) {
		rc = error_set(err, E_INVALID, "not an email message: no header block");
	} else {
		read_message(&p, msg, out);
		if (p.too_large)
			rc = error_set(err, E_TOO_LARGE, "message too large once decoded");
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(p.opts);
	if (rc != E_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
