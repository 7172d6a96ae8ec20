#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
	int status;
	const char *name;
} codes[] = {
	[E_OK] = { 200, "ok" },
	[E_BAD_REQUEST] = { 400, "bad_request" },
	[E_INVALID_JSON] = { 400, "invalid_json" },
	[E_UNAUTHORIZED] = { 401, "unauthorized" },
	[E_FORBIDDEN] = { 403, "forbidden" },
	[E_NOT_FOUND] = { 404, "not_found" },
	[E_METHOD] = { 405, "method_not_allowed" },
	[E_CONFLICT] = { 409, "conflict" },
	[E_TOO_LARGE] = { 413, "payload_too_large" },
	[E_MEDIA_TYPE] = { 415, "unsupported_media_type" },
	[E_INVALID] = { 422, "validation_failed" },
	[E_TOO_MANY] = { 429, "too_many_requests" },
	[E_INTERNAL] = { 500, "internal" },
	[E_UNAVAILABLE] = { 503, "unavailable" },
};

enum err_code error_set(struct error *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	e->position = -1;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return code;
}

int error_http_status(enum err_code code)
{
	return codes[code].status;
}

const char *error_name(enum err_code code)
{
	return codes[code].name;
}
