/*
 * arena.h - allocation that lives as long as one request.
 *
 * Everything taken from an arena is freed at once by arena_release.
 */
#ifndef UTIL_ARENA_H
#define UTIL_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);

/** Returns `n` zeroed bytes aligned for any type; dies on out-of-memory. */
void *arena_alloc(struct arena *a, size_t n);

/** Copies `n` bytes of s plus a terminating NUL into the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

/** Formats into the arena, as printf does. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
