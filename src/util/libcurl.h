/*
 * libcurl.h - libcurl, opened when something first sends a request (util/lazy.h).
 *
 * Webhooks, SMTP, IMAP and `mailgate --url` need it; `mailgate --data` and the
 * other short-lived commands never load it. Call libcurl.easy_setopt(...) where the
 * libcurl manual says curl_easy_setopt(...): the members carry the prototypes of
 * <curl/curl.h>. (curl.h's own option type checks are macros named after the
 * functions, so they do not apply to these calls.)
 */
#ifndef UTIL_LIBCURL_H
#define UTIL_LIBCURL_H

#include <curl/curl.h>

/* the libcurl functions deskd calls, without their curl_ prefix */
#define LIBCURL_FUNCTIONS(X)                                                                       \
	X(easy_cleanup)                                                                            \
	X(easy_escape)                                                                             \
	X(easy_getinfo)                                                                            \
	X(easy_init)                                                                               \
	X(easy_perform)                                                                            \
	X(easy_reset)                                                                              \
	X(easy_setopt)                                                                             \
	X(easy_strerror)                                                                           \
	X(free)                                                                                    \
	X(global_init)                                                                             \
	X(slist_append)                                                                            \
	X(slist_free_all)

struct libcurl_functions {
#define LIBCURL_MEMBER(f) __typeof__(curl_##f) *f;
	LIBCURL_FUNCTIONS(LIBCURL_MEMBER)
#undef LIBCURL_MEMBER
};

/** The loaded functions: valid only after libcurl_load returned NULL. */
extern struct libcurl_functions libcurl;

/**
 * Loads libcurl.so.4 and runs curl_global_init the first time (thread-safe). Returns
 * NULL when loaded, or why it cannot be ("webhook and email support needs libcurl4:
 * ..."); the answer never changes.
 */
const char *libcurl_load(void);

#endif
