/*
 * log.h - logging and the two ways a process dies.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdnoreturn.h>

/** Prints "deskd: <message>" to stderr. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Prints "deskd: error: <message>" to stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Ends the process with a message: bad configuration or out of memory, never a request path. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** A broken invariant: prints file and line, then aborts. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
noreturn void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** malloc/calloc/strdup that die on out-of-memory. */
void *xmalloc(unsigned long n);
void *xcalloc(unsigned long n, unsigned long size);
char *xstrdup(const char *s);

#endif
