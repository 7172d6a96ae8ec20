/*
 * fuzz_text.c - libFuzzer target for core/text.c.
 *
 * The input is "query\0text"; without a NUL, its first bytes are the query and
 * all of it is the text. The last byte picks the snippet width.
 */
#include "core/text.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The length of the longest valid UTF-8 prefix, written apart from text.c. */
static size_t valid_prefix(const uint8_t *s, size_t n)
{
	size_t i = 0, k, j;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			k = 2, cp = s[i] & 0x1F, min = 0x80;
		} else if ((s[i] & 0xF0) == 0xE0) {
			k = 3, cp = s[i] & 0x0F, min = 0x800;
		} else if ((s[i] & 0xF8) == 0xF0) {
			k = 4, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i < k)
			return i;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += k;
	}
	return n;
}

static void check_valid(const uint8_t *s, size_t n)
{
	size_t at = (size_t)-1, want = valid_prefix(s, n);
	int ok = text_utf8_valid((const char *)s, n, &at);

	REQUIRE(ok == (want == n));
	REQUIRE(ok ? at == (size_t)-1 : at == want);
	REQUIRE(text_utf8_valid((const char *)s, want, NULL));
}

/* Checks the shape of a token list and returns how many tokens it has. */
static int check_tokens(const char *out, size_t len)
{
	size_t i, tok = 0;
	int n = 0;

	REQUIRE(strlen(out) == len);
	REQUIRE(text_utf8_valid(out, len, NULL));
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == ' ') {
			REQUIRE(tok > 0); /* no leading space, no runs of spaces */
			tok = 0;
			continue;
		}
		REQUIRE(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
		if (tok++ == 0)
			n++;
		REQUIRE(tok <= TEXT_TOKEN_MAX);
	}
	REQUIRE(len == 0 || out[len - 1] != ' ');
	return n;
}

static char *tokens(const char *s, size_t n, int *count)
{
	char *out = NULL;
	size_t len = 0, cap = 0;

	*count = text_tokens(s, n, &out, &len, &cap);
	REQUIRE(*count >= 0 && out != NULL);
	REQUIRE(check_tokens(out, len) == *count);
	return out;
}

/* Whether the space-separated list has the token word of wlen bytes. */
static int has_token(const char *list, const char *word, size_t wlen)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == wlen && memcmp(p, word, n) == 0)
			return 1;
		p += n + (p[n] == ' ');
	}
	return 0;
}

/* Whether the query shares a token with the text, among its first 64. */
static int shares_token(const char *qtoks, const char *ttoks)
{
	const char *p = qtoks;
	int i;

	for (i = 0; *p && i < 64; i++) {
		size_t n = strcspn(p, " ");

		if (has_token(ttoks, p, n))
			return 1;
		p += n + (p[n] == ' ');
	}
	return 0;
}

/* Checks the HTML: only <mark> tags, properly paired, entities, no controls. */
static void check_snippet(const char *html, size_t width)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	const char *p = html;
	size_t chars = 0, i;
	int open = 0;

	REQUIRE(text_utf8_valid(html, strlen(html), NULL));
	while (*p) {
		unsigned char c = (unsigned char)*p;

		if (!strncmp(p, "<mark>", 6)) {
			REQUIRE(!open);
			open = 1;
			p += 6;
			continue;
		}
		if (!strncmp(p, "</mark>", 7)) {
			REQUIRE(open);
			open = 0;
			p += 7;
			continue;
		}
		REQUIRE(c >= 0x20 && c != 0x7F && c != '<' && c != '>' && c != '"' && c != '\'');
		if (c == '&') {
			for (i = 0; i < 5; i++)
				if (!strncmp(p, entities[i], strlen(entities[i])))
					break;
			REQUIRE(i < 5);
			p += strlen(entities[i]);
		} else {
			p++;
			while ((unsigned char)*p >= 0x80 && (unsigned char)*p < 0xC0)
				p++;
		}
		chars++;
	}
	REQUIRE(!open);
	REQUIRE(chars <= width + 2); /* two ellipses at most */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t qlen = nul ? (size_t)(nul - data) : (size < 8 ? size : 8);
	const char *text = (const char *)(nul ? nul + 1 : data);
	size_t tlen = nul ? size - qlen - 1 : size;
	size_t width = size ? data[size - 1] % 160 : 0;
	char *query = malloc(qlen + 1), *toks, *again, *qtoks, *html;
	int n, m, q;

	REQUIRE(query);
	memcpy(query, data, qlen);
	query[qlen] = '\0';

	check_valid(data, size);
	check_valid((const uint8_t *)text, tlen);

	toks = tokens(text, tlen, &n);
	again = tokens(toks, strlen(toks), &m); /* folding twice changes nothing */
	REQUIRE(m == n && strcmp(again, toks) == 0);
	qtoks = tokens(query, qlen, &q);

	html = text_snippet(text, tlen, query, width);
	REQUIRE(html);
	check_snippet(html, width);
	if (width > 0 && shares_token(qtoks, toks))
		REQUIRE(strstr(html, "<mark>"));
	if (width == 0)
		REQUIRE(html[0] == '\0');

	free(html);
	free(qtoks);
	free(again);
	free(toks);
	free(query);
	return 0;
}
