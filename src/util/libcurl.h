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
	X(slist_free_all)                                                                          \
	X(url)                                                                                     \
	X(url_cleanup)                                                                             \
	X(url_get)                                                                                 \
	X(url_set)

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

/* What libcurl_guard refused on one handle; refused[0] is '\0' while nothing was. */
struct libcurl_guard {
	/* "refused to connect to a private address (10.0.0.1, private network)" */
	char refused[160];
};

/**
 * Makes every connection `curl` (a CURL *) opens pass core/netguard.h: each
 * address libcurl is about to connect to, whichever name, redirect or DNS
 * answer it came from, is classified first, and one that is not public is
 * refused (unless netguard_private_allowed) with the reason kept in `g`; the
 * transfer then fails as if nothing answered there. Proxies are switched off,
 * http_proxy and ALL_PROXY of the environment included: through a proxy the
 * address checked would be the proxy's, not the target's. Redirects are not
 * followed. Clears g->refused; `g` must outlive the handle's transfers.
 * Call it again after curl_easy_reset.
 */
void libcurl_guard(void *curl, struct libcurl_guard *g);

#endif
