/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/fa_clid.h"

/* Most bytes of the id shown in a reason. */
#define SHOWN_MAX 23

/* Length of the UTF-8 sequence at p, 0 when it is not one. Overlong
 * forms, surrogates and code points past U+10FFFF are not (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	/* The lead bytes whose second byte narrows the range. */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f)) {
		return 0;
	}
	return len;
}

/*
 * The id as shown in a one-line reason: at most SHOWN_MAX bytes, cut at a
 * character boundary so that the message stays UTF-8, with control
 * characters (C0, DEL, C1) and bytes that are not UTF-8 shown as '?'.
 * Returns how many bytes of the id are shown.
 */
static size_t show(const unsigned char *u, size_t n, char out[SHOWN_MAX + 1])
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t l = utf8_len(u + i, n - i);
		if (o + (l > 0 ? l : 1) > SHOWN_MAX) {
			break;
		}
		bool control = (l == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
			       (l == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0);
		if (l == 0 || control) {
			out[o++] = '?';
			i += l > 0 ? l : 1;
			continue;
		}
		memcpy(out + o, u + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return i;
}

int fa_clid_check(const char *s, size_t n, char *why, size_t whylen)
{
	const unsigned char *u = (const unsigned char *)s;
	char shown[SHOWN_MAX + 1];
	size_t sn = show(u, n, shown);
	const char *bad = NULL;
	size_t chars = 0;

	for (size_t i = 0; i < n && bad == NULL;) {
		size_t l = utf8_len(u + i, n - i);
		if (l == 0) {
			bad = "not UTF-8";
		} else if (l == 1 && (u[i] <= 0x20 || u[i] == 0x7f)) {
			bad = "blank or control character";
		} else if (l == 1 && strchr("\"'`\\,", s[i]) != NULL) {
			bad = "quote, backslash or comma";
		}
		i += l ? l : 1;
		chars++;
	}
	if (bad == NULL && n > 0 && strchr("=+-@", s[0]) != NULL) {
		bad = "starts with '=', '+', '-' or '@'";
	}
	if (bad == NULL && (chars < 3 || chars > 16)) {
		bad = "not 3 to 16 characters (RFC 5730 clIDType)";
	}
	if (bad == NULL) {
		return FA_OK;
	}
	snprintf(why, whylen, "\"%s%s\": %s", shown, n > sn ? "..." : "", bad);
	return FA_EINVAL;
}
