/*
 * libpq.c - the libpq function table, filled on first use.
 */
#include "store/libpq.h"
#include "util/lazy.h"

struct libpq_functions libpq;

static const struct lazy_symbol symbols[] = {
#define LIBPQ_SYMBOL(f) {"PQ" #f, (void **)&libpq.f},
	LIBPQ_FUNCTIONS(LIBPQ_SYMBOL)
#undef LIBPQ_SYMBOL
};

static struct lazy_lib lib = {
	.soname = "libpq.so.5",
	.feature = "PostgreSQL support",
	.package = "libpq5",
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
};

const char *libpq_load(void)
{
	return lazy_load(&lib);
}
