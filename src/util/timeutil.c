#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t offset_us;

void time_set_offset(int64_t us)
{
	offset_us = us;
}

int64_t time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + offset_us;
}

int64_t time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_format(int64_t us, char out[21])
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 for a proleptic Gregorian date */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int time_parse(const char *s, int64_t *us)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	size_t len = strlen(s);

	if (len == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return -1;
	} else {
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
		    n != 19)
			return -1;
		s += 19;
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
		}
		if (strcmp(s, "Z") != 0)
			return -1;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	*us = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * (int64_t)1000000;
	return 0;
}

/* The n ASCII digits at s as a number, or -1; stops at the NUL, so it never reads past it. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/*
 * Digit by digit rather than sscanf, whose %2d takes a sign or a leading space
 * ("2026-1-5"), so that only the one spelling of a time is accepted.
 */
int time_parse_rfc3339(const char *s, int64_t *us)
{
	int y = digits(s, 4), mo, d, h, mi, sec, off = 0, oh, om;
	int64_t frac = 0, scale = 100000;

	if (y < 1970 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1 || d > days_in_month(y, mo) ||
	    (s[10] != 'T' && s[10] != 't') || (h = digits(s + 11, 2)) < 0 || h > 23 ||
	    s[13] != ':' || (mi = digits(s + 14, 2)) < 0 || mi > 59 || s[16] != ':' ||
	    (sec = digits(s + 17, 2)) < 0 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if ((oh = digits(s + 1, 2)) < 0 || oh > 23 || s[3] != ':' ||
		    (om = digits(s + 4, 2)) < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
		s += 6;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	*us = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off) *
		      (int64_t)1000000 +
	      frac;
	return 0;
}
