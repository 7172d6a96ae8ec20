/*
 * fields.c - reading and checking the members of a JSON request body.
 */
#include "api/api.h"
#include "core/text.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *const ticket_statuses[] = { "new", "open", "pending", "on-hold", "solved", "closed", NULL };
const char *const ticket_priorities[] = { "low", "normal", "high", "urgent", NULL };
const char *const ticket_channels[] = { "email", "chat", "web", "api", "phone", NULL };

/* Code points, not bytes: limits are about what a person typed. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

enum err_code field_str(struct req *r, json_t *o, const char *name, int required, size_t min,
			size_t max, const char **out)
{
	json_t *v = json_object_get(o, name);
	size_t n;

	if (!v || (json_is_null(v) && !required)) {
		if (required)
			return error_set(&r->err, E_INVALID, "%s is required", name);
		return E_OK;
	}
	if (!json_is_string(v))
		return error_set(&r->err, E_INVALID, "%s must be a string", name);
	n = utf8_chars(json_string_value(v));
	if (n < min || n > max)
		return error_set(&r->err, E_INVALID, "%s must be %zu to %zu characters long", name,
				 min, max);
	*out = json_string_value(v);
	return E_OK;
}

enum err_code field_enum(struct req *r, json_t *o, const char *name, const char *const *allowed,
			 const char **out)
{
	const char *v = NULL;
	enum err_code rc = field_str(r, o, name, 0, 1, 64, &v);

	if (rc || !v)
		return rc;
	for (int i = 0; allowed[i]; i++) {
		if (!strcmp(allowed[i], v)) {
			*out = allowed[i];
			return E_OK;
		}
	}
	return error_set(&r->err, E_INVALID, "%s '%s' is not one of the allowed values", name, v);
}

enum err_code field_id(struct req *r, json_t *o, const char *name, int64_t *out, int *is_null)
{
	json_t *v = json_object_get(o, name);

	if (!v)
		return E_OK;
	if (json_is_null(v) && is_null) {
		*is_null = 1;
		*out = 0;
		return E_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return error_set(&r->err, E_INVALID, "%s must be a positive integer", name);
	*out = json_integer_value(v);
	return E_OK;
}

static int valid_tag(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return 0;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || *s == ',' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum err_code field_tags(struct req *r, json_t *o, const char *name, const char ***tags, int *n,
			 int *present)
{
	json_t *v = json_object_get(o, name), *item;
	size_t i;
	int k = 0;

	*n = 0;
	*present = v != NULL;
	if (!v)
		return E_OK;
	if (!json_is_array(v))
		return error_set(&r->err, E_INVALID, "%s must be an array of strings", name);
	if (json_array_size(v) > 50)
		return error_set(&r->err, E_INVALID, "at most 50 %s", name);
	*tags = arena_alloc(&r->arena, sizeof(**tags) * (json_array_size(v) + 1));
	json_array_foreach(v, i, item) {
		char *t;

		if (!json_is_string(item) || !valid_tag(json_string_value(item)))
			return error_set(&r->err, E_INVALID,
					 "each of %s must be 1 to 64 bytes without spaces or commas",
					 name);
		t = text_lower(json_string_value(item));
		if (!t)
			return error_set(&r->err, E_INTERNAL, "out of memory");
		(*tags)[k++] = arena_strdup(&r->arena, t);
		free(t);
	}
	qsort(*tags, (size_t)k, sizeof(**tags), cmp_str);
	for (int j = 0; j < k; j++)
		if (!*n || strcmp((*tags)[*n - 1], (*tags)[j]))
			(*tags)[(*n)++] = (*tags)[j];
	return E_OK;
}

/* An address with one @ and something on each side, lower-cased. */
static enum err_code email_check(struct req *r, const char *name, const char *v, const char **out)
{
	const char *at;
	char *lower;

	at = strchr(v, '@');
	if (!at || at == v || !at[1] || strchr(at + 1, '@') || strpbrk(v, " <>,;\""))
		return error_set(&r->err, E_INVALID, "%s '%s' is not an email address", name, v);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_set(&r->err, E_INVALID,
					 "%s must not hold control characters", name);
	lower = arena_strdup(&r->arena, v);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*out = lower;
	return E_OK;
}

enum err_code field_email(struct req *r, json_t *o, const char *name, int required,
			  const char **out)
{
	const char *v = NULL;
	enum err_code rc = field_str(r, o, name, required, 3, 254, &v);

	return rc || !v ? rc : email_check(r, name, v, out);
}

enum err_code field_emails(struct req *r, json_t *o, const char *name, size_t max,
			   const char ***out, int *n, int *present)
{
	json_t *v = json_object_get(o, name), *item;
	size_t i;

	*n = 0;
	*present = v != NULL;
	if (!v)
		return E_OK;
	if (!json_is_array(v))
		return error_set(&r->err, E_INVALID, "%s must be an array of email addresses", name);
	if (json_array_size(v) > max)
		return error_set(&r->err, E_INVALID, "at most %zu addresses in %s", max, name);
	*out = arena_alloc(&r->arena, sizeof(**out) * (json_array_size(v) + 1));
	json_array_foreach(v, i, item) {
		const char *e;
		enum err_code rc;
		int seen = 0;

		if (!json_is_string(item) || strlen(json_string_value(item)) > 254)
			return error_set(&r->err, E_INVALID, "each of %s must be an email address",
					 name);
		if ((rc = email_check(r, name, json_string_value(item), &e)))
			return rc;
		for (int k = 0; k < *n && !seen; k++)
			seen = !strcmp((*out)[k], e);
		if (!seen)
			(*out)[(*n)++] = e;
	}
	return E_OK;
}

enum err_code fields_known(struct req *r, json_t *o, const char *const *names)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		int known = 0;

		for (int i = 0; names[i] && !known; i++)
			known = !strcmp(names[i], key);
		if (!known)
			return error_set(&r->err, E_INVALID, "unknown field '%s'", key);
	}
	return E_OK;
}

enum err_code query_limit(struct req *r, int def, int max, int *out)
{
	const char *s = http_query(r, "limit");
	char *end;
	long v;

	*out = def;
	if (!s)
		return E_OK;
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max)
		return error_set(&r->err, E_BAD_REQUEST, "limit must be 1 to %d", max);
	*out = (int)v;
	return E_OK;
}

int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0 || v == LLONG_MAX)
		return -1;
	*out = v;
	return 0;
}
