/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "common/fa_time.h"

#define US_PER_SEC INT64_C(1000000)

/* Days since 1970-01-01 of a proleptic Gregorian date; avoids timegm(),
 * which is not in C11 or POSIX and depends on the environment. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, size_t len, size_t pos, size_t n, int *out)
{
	if (pos + n > len) {
		return false;
	}
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[pos + i];
		if (c < '0' || c > '9') {
			return false;
		}
		v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static int parse_offset(const char *s, size_t len, size_t p, int64_t *off_us)
{
	if (p == len) {
		/* No zone: take it as UTC, the only sane default for logs. */
		*off_us = 0;
		return FA_OK;
	}
	if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == len) {
		*off_us = 0;
		return FA_OK;
	}
	if (s[p] != '+' && s[p] != '-') {
		return FA_EINVAL;
	}

	int oh, om;
	if (!digits(s, len, p + 1, 2, &oh) || p + 3 >= len || s[p + 3] != ':' ||
	    !digits(s, len, p + 4, 2, &om) || p + 6 != len || oh > 23 || om > 59) {
		return FA_EINVAL;
	}
	int64_t off = ((int64_t)oh * 3600 + om * 60) * US_PER_SEC;
	*off_us = s[p] == '-' ? -off : off;
	return FA_OK;
}

int fa_time_parse(const char *s, size_t len, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' ||
	    !digits(s, len, 5, 2, &mo) || s[7] != '-' || !digits(s, len, 8, 2, &d)) {
		return FA_EINVAL;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
		return FA_EINVAL;
	}

	size_t p = 10;
	int64_t frac_us = 0;
	if (p < len) {
		if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') {
			return FA_EINVAL;
		}
		if (!digits(s, len, p + 1, 2, &h) || p + 3 >= len || s[p + 3] != ':' ||
		    !digits(s, len, p + 4, 2, &mi) || p + 6 >= len || s[p + 6] != ':' ||
		    !digits(s, len, p + 7, 2, &sec)) {
			return FA_EINVAL;
		}
		/* Leap seconds (60) fold onto the next second. */
		if (h > 23 || mi > 59 || sec > 60) {
			return FA_EINVAL;
		}
		p += 9;
		if (p < len && s[p] == '.') {
			p++;
			int64_t scale = 100000;
			size_t start = p;
			while (p < len && s[p] >= '0' && s[p] <= '9') {
				frac_us += (s[p] - '0') * scale;
				scale /= 10;
				p++;
			}
			if (p == start) {
				return FA_EINVAL;
			}
		}
	}

	int64_t off_us;
	if (parse_offset(s, len, p, &off_us) != FA_OK) {
		return FA_EINVAL;
	}

	int64_t days = days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + (int64_t)h * 3600 + mi * 60 + sec;
	*out = secs * US_PER_SEC + frac_us - off_us;
	return FA_OK;
}

int fa_duration_parse(const char *s, int64_t *out)
{
	char *end = NULL;
	if (s == NULL || *s < '0' || *s > '9') {
		return FA_EINVAL;
	}
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 0 || n > 100000000LL) {
		return FA_EINVAL;
	}

	int64_t unit;
	if (strcmp(end, "s") == 0) {
		unit = 1;
	} else if (strcmp(end, "m") == 0) {
		unit = 60;
	} else if (strcmp(end, "h") == 0) {
		unit = 3600;
	} else if (strcmp(end, "d") == 0) {
		unit = 86400;
	} else if (strcmp(end, "w") == 0) {
		unit = 7 * 86400;
	} else {
		return FA_EINVAL;
	}
	*out = (int64_t)n * unit * US_PER_SEC;
	return FA_OK;
}

char *fa_time_format(int64_t us, char *buf, size_t len)
{
	int64_t secs = us / US_PER_SEC;
	int64_t frac = us % US_PER_SEC;
	if (frac < 0) {
		frac += US_PER_SEC;
		secs -= 1;
	}

	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);

	if (frac == 0) {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	} else {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, (long long)frac);
	}
	return buf;
}

int64_t fa_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}
