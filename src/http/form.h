/*
 * form.h - an HTML form's body (application/x-www-form-urlencoded) decoded into
 * names and values. Pure: no connection, no allocation outside the arena.
 */
#ifndef HTTP_FORM_H
#define HTTP_FORM_H

#include "core/error.h"
#include "util/arena.h"

#include <stddef.h>

/* the most fields a form body may have; a shopper's forms have three */
#define FORM_FIELDS_MAX 32

struct form_field {
	const char *name, *value; /* decoded, valid UTF-8, NUL-terminated, no NUL inside */
	size_t name_len, value_len;
};

/**
 * Decodes `len` bytes of a form body: "name=value" pairs separated by "&",
 * "+" as a space, "%XY" as the byte XY. Each name and value must decode to
 * valid UTF-8 without NUL bytes; a "%" not followed by two hex digits, or more
 * than FORM_FIELDS_MAX fields, is E_BAD_REQUEST naming the place. Empty pairs
 * ("a=1&&b=2") are skipped; a pair without "=" has the empty value. The
 * fields, in order, live in `a`.
 */
enum err_code form_parse(const char *p, size_t len, struct form_field **out, int *n,
			 struct arena *a, struct error *err);

/** The value of a hex digit, or -1 (shared with the path decoding of http/server.c). */
int form_hex(char c);

/** The value of the first field named `name`, or NULL. */
const char *form_get(const struct form_field *f, int n, const char *name);

#endif
