/*
 * bounce.c - which send attempt a delivery report is about (see bounce.h).
 */
#include "mail/bounce.h"

#include <string.h>

int64_t mail_bounce_attempt(const char *field)
{
	int64_t n = 0;

	if (!field || !*field || strlen(field) > 18)
		return 0;
	for (const char *p = field; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

int mail_bounce_is_earlier(int64_t attempt, int64_t latest)
{
	return attempt > 0 && attempt < latest;
}
