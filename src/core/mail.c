/*
 * mail.c - the pure decisions about an email (see mail.h).
 */
#include "core/mail.h"

#include <string.h>

int64_t mail_subject_ticket_number(const char *subject)
{
	const char *s = subject;

	while (s && (s = strstr(s, "[#")) != NULL) {
		int64_t n = 0;
		int digits = 0;

		/* a run longer than 18 digits is read to its end but not added up (no overflow) */
		for (s += 2; *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 18)
				n = n * 10 + (*s - '0');
		if (*s == ']' && digits > 0 && digits <= 18 && n > 0)
			return n;
	}
	return 0;
}

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
