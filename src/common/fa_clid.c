/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "common/fa_clid.h"

/* Length of the UTF-8 sequence at p, 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return len;
}

int fa_clid_check(const char *s, size_t n, char *why, size_t whylen)
{
	const unsigned char *u = (const unsigned char *)s;
	char shown[24];
	size_t sn = n < sizeof(shown) - 1 ? n : sizeof(shown) - 1;
	const char *bad = NULL;
	size_t chars = 0;

	/* The id goes into a one-line reason: control bytes shown as '?'. */
	for (size_t i = 0; i < sn; i++) {
		shown[i] = u[i] < 0x20 || u[i] == 0x7f ? '?' : s[i];
	}
	shown[sn] = '\0';

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
