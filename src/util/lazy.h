/*
 * lazy.h - shared libraries opened on first use (dlopen) instead of at process start.
 *
 * Every library the binary links is loaded and relocated by every process, even one
 * that never calls it: `deskd mailgate`, run once per email, spent half its CPU time
 * loading libpq and libcurl (and the TLS and Kerberos libraries they pull in) without
 * using either. A module that needs a library on some paths only lists the functions
 * it calls in a table (store/libpq.h, util/libcurl.h) and loads it on those paths.
 */
#ifndef UTIL_LAZY_H
#define UTIL_LAZY_H

#include <stddef.h>

/* One function to resolve: its name in the library, and the table member to set. */
struct lazy_symbol {
	const char *name;
	void **slot;
};

struct lazy_lib {
	const char *soname;  /* what dlopen loads: "libpq.so.5" */
	const char *feature; /* what needs it, for the message: "PostgreSQL support" */
	const char *package; /* the Debian package that provides it: "libpq5" */
	const struct lazy_symbol *symbols;
	size_t n_symbols;
	/* optional: runs once the symbols are set; returns nonzero with `error` filled */
	int (*init)(struct lazy_lib *lib);
	int tried;	 /* set by lazy_load */
	char error[512]; /* why it could not be loaded; empty when it was */
};

/**
 * The first time: opens lib->soname, sets every slot of lib->symbols and runs
 * lib->init. Returns NULL when the library is ready, or the reason it is not
 * ("PostgreSQL support needs libpq5: <dlerror>"), the same on every call.
 * Thread-safe; the library stays loaded until the process ends.
 */
const char *lazy_load(struct lazy_lib *lib);

#endif
