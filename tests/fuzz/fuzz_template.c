/*
 * fuzz_template.c - libFuzzer target for core/template.c.
 *
 * The input is "F M template\0value\0value\0value\0value": byte F picks the
 * flags, byte M a maximum output size for the truncation check, and the
 * values are those of four fixed names. Properties:
 * - text mode gives what a naive renderer written here gives, with the same
 *   count of unknown names;
 * - HTML mode gives the same with each value escaped here, and so no '<',
 *   '>' or '"' in the output that the template itself did not have;
 * - a maximum cuts the unlimited output to a prefix of it, never inside a
 *   character when the template and the values are valid UTF-8, and says it
 *   cut.
 */
#include "core/template.h"
#include "core/text.h"
#include "fuzz.h"

#include <stdint.h>
#include <string.h>

#define N_VARS 4

static const char *const names[N_VARS] = {"a", "order.number", "x-y_z", "ab"};

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static void add_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_add(b, s, 1);
		}
	}
}

/*
 * The reference: at each byte, either a whole placeholder starts there or the
 * byte is copied. `values` NULL renders every value empty.
 */
static int reference(struct buf *b, const char *t, const char *const *values, unsigned flags)
{
	int unknown = 0;
	size_t i = 0;

	while (t[i]) {
		size_t j = i + 2, start, end;
		int k = -1;

		if (t[i] != '{' || t[i + 1] != '{') {
			buf_add(b, t + i++, 1);
			continue;
		}
		while (t[j] == ' ' || t[j] == '\t')
			j++;
		start = j;
		while (is_name_char(t[j]))
			j++;
		end = j;
		while (t[j] == ' ' || t[j] == '\t')
			j++;
		if (end == start || t[j] != '}' || t[j + 1] != '}') {
			buf_add(b, t + i++, 1);
			continue;
		}
		for (int v = 0; v < N_VARS && k < 0; v++)
			if (strlen(names[v]) == end - start &&
			    !memcmp(names[v], t + start, end - start))
				k = v;
		if (k < 0) {
			unknown++;
			if (flags & TEMPLATE_KEEP_UNKNOWN)
				buf_add(b, t + i, j + 2 - i);
		} else if (values && (flags & TEMPLATE_HTML)) {
			add_escaped(b, values[k]);
		} else if (values) {
			buf_adds(b, values[k]);
		}
		i = j + 2;
	}
	return unknown;
}

static size_t count(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

static int all_valid(char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!text_utf8_valid(parts[i], strlen(parts[i]), NULL))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *parts[1 + N_VARS];
	const char *values[N_VARS];
	struct template_var vars[N_VARS];
	struct template_report rep;
	struct buf got, want, bare, small;
	unsigned flags;
	size_t max, np = 0;

	if (size < 2)
		return 0;
	flags = data[0] & (TEMPLATE_HTML | TEMPLATE_KEEP_UNKNOWN);
	max = data[1] + 1;
	copy = malloc(size - 2 + 1);
	REQUIRE(copy);
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = '\0';
	/* split at NULs: the template, then the values */
	parts[np++] = copy;
	for (char *p = copy; p < copy + size - 2 && np < 1 + N_VARS; p++)
		if (!*p)
			parts[np++] = p + 1;
	for (int i = 0; i < N_VARS; i++) {
		values[i] = (size_t)i + 1 < np ? parts[i + 1] : "";
		vars[i] = (struct template_var){names[i], values[i]};
	}

	buf_init(&got, 0);
	buf_init(&want, 0);
	buf_init(&bare, 0);
	REQUIRE(template_render(&got, parts[0], vars, N_VARS, flags, &rep) == 0);
	REQUIRE(!rep.truncated);
	REQUIRE(reference(&want, parts[0], values, flags) == rep.unknown);
	REQUIRE((rep.unknown == 0) == (rep.first_unknown == NULL));
	REQUIRE(got.len == want.len && !memcmp(got.p ? got.p : "", want.p ? want.p : "", got.len));

	if (flags & TEMPLATE_HTML) {
		/* whatever the values, the markup is the template's own */
		reference(&bare, parts[0], NULL, flags);
		for (const char *c = "<>\""; *c; c++)
			REQUIRE(count(got.p, got.len, *c) == count(bare.p, bare.len, *c));
	}

	buf_init(&small, max);
	template_render(&small, parts[0], vars, N_VARS, flags, &rep);
	REQUIRE(small.len <= max && small.len <= got.len);
	REQUIRE(rep.truncated == (small.len < got.len));
	REQUIRE(!small.len || !memcmp(small.p, got.p, small.len));
	/* a value of half a character may join the template's next byte: valid pieces only */
	if (rep.truncated && all_valid(parts, np))
		REQUIRE(((unsigned char)got.p[small.len] & 0xc0) != 0x80);

	buf_release(&small);
	buf_release(&bare);
	buf_release(&want);
	buf_release(&got);
	free(copy);
	return 0;
}
