/*
 * error.h - what can go wrong on behalf of a client, and one place that names it.
 *
 * Functions on a request path return an enum err_code and fill a struct error;
 * http/ turns it into a status and a JSON body in exactly one place.
 */
#ifndef CORE_ERROR_H
#define CORE_ERROR_H

enum err_code {
	E_OK = 0,
	E_BAD_REQUEST,
	E_INVALID_JSON,
	E_UNAUTHORIZED,
	E_FORBIDDEN,
	E_NOT_FOUND,
	E_METHOD,
	E_CONFLICT,
	E_TOO_LARGE,
	E_MEDIA_TYPE,
	E_INVALID,
	E_TOO_MANY,
	E_INTERNAL,
	E_UNAVAILABLE,
};

struct error {
	enum err_code code;
	long position; /* byte offset of the fault in the input, or -1 */
	char message[300];
};

/** Fills e (when not NULL) and returns code, so callers can `return error_set(...)`. */
enum err_code error_set(struct error *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** The HTTP status for a code. */
int error_http_status(enum err_code code);

/** The stable machine-readable name of a code ("not_found"). */
const char *error_name(enum err_code code);

#endif
