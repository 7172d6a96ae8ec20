/*
 * libmhd.h - libmicrohttpd, opened when `deskd serve` starts (util/lazy.h).
 *
 * Only the server needs it; `deskd mailgate`, run once per email, and the other
 * commands never load it (nor the TLS libraries it brings). Call
 * libmhd.start_daemon(...) where the manual says MHD_start_daemon(...).
 */
#ifndef HTTP_LIBMHD_H
#define HTTP_LIBMHD_H

#include <microhttpd.h>

/* the libmicrohttpd functions deskd calls, without their MHD_ prefix */
#define LIBMHD_FUNCTIONS(X)               \
	X(add_response_header)            \
	X(create_response_from_buffer)    \
	X(create_response_from_callback)  \
	X(destroy_response)               \
	X(get_connection_info)            \
	X(get_response_header)            \
	X(lookup_connection_value)        \
	X(queue_response)                 \
	X(quiesce_daemon)                 \
	X(start_daemon)                   \
	X(stop_daemon)

struct libmhd_functions {
#define LIBMHD_MEMBER(f) __typeof__(MHD_##f) *f;
	LIBMHD_FUNCTIONS(LIBMHD_MEMBER)
#undef LIBMHD_MEMBER
};

/** The loaded functions: valid only after libmhd_load returned NULL. */
extern struct libmhd_functions libmhd;

/** Loads libmicrohttpd.so.12 the first time; NULL when loaded, else why not. */
const char *libmhd_load(void);

#endif
