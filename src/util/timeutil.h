/*
 * timeutil.h - deskd keeps time as int64 microseconds since the Unix epoch (UTC).
 */
#ifndef UTIL_TIMEUTIL_H
#define UTIL_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/** Wall-clock now, in microseconds since the epoch. */
int64_t time_now_us(void);

/**
 * Shifts what time_now_us reports by `us` (negative: the past), for the whole
 * process. Only `deskd demo` uses it, to spread its tickets over past weeks.
 */
void time_set_offset(int64_t us);

/** Monotonic clock in microseconds, for durations. */
int64_t time_mono_us(void);

/** Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL) into out. */
void time_format(int64_t us, char out[21]);

/**
 * Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or a date "YYYY-MM-DD" (midnight UTC).
 * Returns 0 and sets *us, or -1 on anything else.
 */
int time_parse(const char *s, int64_t *us);

/**
 * Parses an RFC 3339 time with its offset, as store platforms and deskd's
 * order API write it: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)", for
 * example "2026-11-20T10:15:00-05:00" (t and z may be lower-case). The fraction
 * is kept to the microsecond. Returns 0 and sets *us (UTC), or -1 on anything
 * else, including a day the month does not have.
 */
int time_parse_rfc3339(const char *s, int64_t *us);

#endif
