/*
 * form.c - decoding application/x-www-form-urlencoded bodies.
 */
#include "http/form.h"
#include "core/text.h"

#include <string.h>

int form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes p[0..len) into a new string in the arena; *at is where p starts in
 * the body, for messages. A decoded NUL would cut the value short where C
 * reads it, so it is refused like invalid UTF-8.
 */
static enum err_code decode(const char *p, size_t len, size_t at, const char **out, size_t *out_len,
			    struct arena *a, struct error *err)
{
	char *s = arena_alloc(a, len + 1);
	size_t n = 0, bad;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (p[i] == '+') {
			s[n++] = ' ';
		} else if (p[i] != '%') {
			s[n++] = p[i];
		} else if (i + 2 < len && (hi = form_hex(p[i + 1])) >= 0 && (lo = form_hex(p[i + 2])) >= 0) {
			s[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			return error_set(err, E_BAD_REQUEST,
					 "a bad %%-escape at byte %zu of the form", at + i);
		}
	}
	s[n] = '\0';
	if (memchr(s, '\0', n))
		return error_set(err, E_BAD_REQUEST, "a NUL byte in the form near byte %zu", at);
	if (!text_utf8_valid(s, n, &bad))
		return error_set(err, E_BAD_REQUEST, "invalid UTF-8 in the form near byte %zu", at);
	*out = s;
	*out_len = n;
	return E_OK;
}

enum err_code form_parse(const char *p, size_t len, struct form_field **out, int *n,
			 struct arena *a, struct error *err)
{
	struct form_field *f = arena_alloc(a, sizeof(*f) * FORM_FIELDS_MAX);
	size_t start = 0;
	enum err_code rc;

	*out = f;
	*n = 0;
	while (start < len) {
		const char *pair = p + start, *amp = memchr(pair, '&', len - start), *eq;
		size_t plen = amp ? (size_t)(amp - pair) : len - start, nlen;

		if (plen) {
			if (*n == FORM_FIELDS_MAX)
				return error_set(err, E_BAD_REQUEST, "more than %d form fields",
						 FORM_FIELDS_MAX);
			eq = memchr(pair, '=', plen);
			nlen = eq ? (size_t)(eq - pair) : plen;
			if ((rc = decode(pair, nlen, start, &f[*n].name, &f[*n].name_len, a, err)))
				return rc;
			rc = eq ? decode(eq + 1, plen - nlen - 1, start + nlen + 1, &f[*n].value,
					 &f[*n].value_len, a, err)
				: decode("", 0, start, &f[*n].value, &f[*n].value_len, a, err);
			if (rc)
				return rc;
			(*n)++;
		}
		start += plen + 1;
	}
	return E_OK;
}

const char *form_get(const struct form_field *f, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return f[i].value;
	return NULL;
}
