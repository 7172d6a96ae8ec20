/*
 * libmhd.c - the libmicrohttpd function table, filled when the server starts.
 */
#include "http/libmhd.h"
#include "util/lazy.h"

struct libmhd_functions libmhd;

static const struct lazy_symbol symbols[] = {
#define LIBMHD_SYMBOL(f) {"MHD_" #f, (void **)&libmhd.f},
	LIBMHD_FUNCTIONS(LIBMHD_SYMBOL)
#undef LIBMHD_SYMBOL
};

static struct lazy_lib lib = {
	.soname = "libmicrohttpd.so.12",
	.feature = "the HTTP server",
	.package = "libmicrohttpd12",
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
};

const char *libmhd_load(void)
{
	return lazy_load(&lib);
}
