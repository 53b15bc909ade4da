/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_json.h"

/* Length of a valid UTF-8 sequence starting at s, or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
	} else {
		return 0;
	}
	if (n > left) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

static void put(char *buf, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (*pos < cap) {
		size_t room = cap - *pos;
		memcpy(buf + *pos, s, n < room ? n : room);
	}
	*pos += n;
}

size_t fa_json_escape(char *buf, size_t cap, const char *s, size_t len)
{
	size_t pos = 0;
	put(buf, cap, &pos, "\"", 1);
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = u[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(buf, cap, &pos, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(buf, cap, &pos, esc, 6);
			i++;
		} else if (c < 0x80) {
			put(buf, cap, &pos, (const char *)&u[i], 1);
			i++;
		} else {
			size_t n = utf8_len(&u[i], len - i);
			if (n == 0) {
				/* Not UTF-8: keep the byte visible, losslessly
				 * enough for an operator, as U+FFFD. */
				put(buf, cap, &pos, "\\ufffd", 6);
				i++;
			} else {
				put(buf, cap, &pos, (const char *)&u[i], n);
				i += n;
			}
		}
	}
	put(buf, cap, &pos, "\"", 1);
	if (cap > 0) {
		buf[pos < cap ? pos : cap - 1] = '\0';
	}
	return pos;
}

void fa_json_write_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}

	char small[512];
	size_t len = strlen(s);
	size_t need = fa_json_escape(small, sizeof(small), s, len);
	if (need < sizeof(small)) {
		fwrite(small, 1, need, out);
		return;
	}

	/* Long strings: escape again into a buffer of the right size. */
	char *big = malloc(need + 1);
	if (big == NULL) {
		fputs("null", out);
		return;
	}
	fa_json_escape(big, need + 1, s, len);
	fwrite(big, 1, need, out);
	free(big);
}
