/*
 * buf.h - a growable byte buffer with a maximum size and a sticky error.
 *
 * Append as often as needed and check `err` once at the end: once an append
 * would pass `max`, the buffer stops growing and every later append is a no-op.
 * The content is always NUL-terminated.
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap, max;
	int err; /* set when an append would exceed max */
};

/** Sets up an empty buffer that may grow to `max` bytes (0 means 64 MiB). */
void buf_init(struct buf *b, size_t max);

/** Frees the content; the buffer can be used again after buf_init. */
void buf_release(struct buf *b);

void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Appends `n` bytes of s with & < > " ' escaped for HTML text and attributes. */
void buf_add_html(struct buf *b, const char *s, size_t n);

/** Gives the content to the caller (free it) and leaves the buffer empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
