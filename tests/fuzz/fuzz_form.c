/*
 * fuzz_form.c - libFuzzer target for http/form.c.
 *
 * Any bytes as a form body: either an error, or fields that are valid UTF-8
 * without NUL, as long as they say, and no more than FORM_FIELDS_MAX; and a
 * body re-encoded from those fields decodes to the same fields.
 */
#include "core/text.h"
#include "fuzz.h"
#include "http/form.h"
#include "util/buf.h"

#include <stdint.h>
#include <string.h>

static void encode(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			buf_adds(b, "+");
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			buf_add(b, s + i, 1);
		else
			buf_addf(b, "%%%02X", c);
	}
}

static void check_fields(const struct form_field *f, int n, size_t body_len)
{
	REQUIRE(n >= 0 && n <= FORM_FIELDS_MAX);
	for (int i = 0; i < n; i++) {
		REQUIRE(strlen(f[i].name) == f[i].name_len);
		REQUIRE(strlen(f[i].value) == f[i].value_len);
		REQUIRE(f[i].name_len + f[i].value_len <= body_len);
		REQUIRE(text_utf8_valid(f[i].name, f[i].name_len, NULL));
		REQUIRE(text_utf8_valid(f[i].value, f[i].value_len, NULL));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct error err;
	struct form_field *f, *g;
	int n, m;
	struct buf b;

	arena_init(&a);
	if (form_parse((const char *)data, size, &f, &n, &a, &err) == E_OK) {
		check_fields(f, n, size);
		buf_init(&b, 0);
		for (int i = 0; i < n; i++) {
			if (i)
				buf_adds(&b, "&");
			encode(&b, f[i].name, f[i].name_len);
			buf_adds(&b, "=");
			encode(&b, f[i].value, f[i].value_len);
		}
		REQUIRE(form_parse(b.p ? b.p : "", b.len, &g, &m, &a, &err) == E_OK);
		REQUIRE(m == n);
		for (int i = 0; i < n; i++)
			REQUIRE(!strcmp(f[i].name, g[i].name) && !strcmp(f[i].value, g[i].value));
		buf_release(&b);
	}
	arena_release(&a);
	return 0;
}
