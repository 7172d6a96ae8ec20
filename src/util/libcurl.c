/*
 * libcurl.c - the libcurl function table, filled on first use.
 */
#include "util/libcurl.h"
#include "util/lazy.h"

#include <stdio.h>

struct libcurl_functions libcurl;

static const struct lazy_symbol symbols[] = {
#define LIBCURL_SYMBOL(f) {"curl_" #f, (void **)&libcurl.f},
	LIBCURL_FUNCTIONS(LIBCURL_SYMBOL)
#undef LIBCURL_SYMBOL
};

/* curl_global_init is not thread-safe everywhere: here it runs once, before any handle */
static int init(struct lazy_lib *lib)
{
	CURLcode rc = libcurl.global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		snprintf(lib->error, sizeof(lib->error), "cannot initialise libcurl: %s",
			 libcurl.easy_strerror(rc));
	return rc != CURLE_OK;
}

static struct lazy_lib lib = {
	.soname = "libcurl.so.4",
	.feature = "webhook and email support",
	.package = "libcurl4",
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.init = init,
};

const char *libcurl_load(void)
{
	return lazy_load(&lib);
}
