/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/fa_addr.h"

static void seterr(char *err, size_t errlen, const char *s, const char *why)
{
	if (err != NULL && errlen > 0) {
		snprintf(err, errlen, "invalid address \"%s\": %s", s, why);
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decimal of v (0-255) at p; returns the end. */
static char *put_u8(char *p, unsigned v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
	}
	if (v >= 10) {
		*p++ = (char)('0' + v / 10 % 10);
	}
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_v4(char *p, const unsigned char *b)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			*p++ = '.';
		}
		p = put_u8(p, b[i]);
	}
	return p;
}

/*
 * The text inet_ntop() of glibc prints (RFC 5952: lower-case hex without
 * leading zeros, the longest run of two or more zero words as "::", the
 * first such run on a tie; IPv4-mapped and IPv4-compatible addresses end
 * in dotted quad), written out here because glibc's goes through sprintf
 * and showed in profiles of large logs.
 */
static void format_v6(const unsigned char *b, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	}

	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		if (w[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && w[j] == 0) {
			j++;
		}
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	if (bestlen < 2) {
		best = -1;
	}

	char *p = out;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best) {
				*p++ = ':';
			}
			continue;
		}
		if (i > 0) {
			*p++ = ':';
		}
		if (i == 6 && best == 0 &&
		    (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
			p = put_v4(p, b + 12);
			break;
		}
		bool lead = true;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (w[i] >> s) & 15;
			if (d == 0 && lead && s > 0) {
				continue;
			}
			lead = false;
			*p++ = hex[d];
		}
	}
	if (best >= 0 && best + bestlen == 8) {
		*p++ = ':';
	}
	*p = '\0';
}

int fa_addr_normalize(const char *in, size_t len, enum fa_addr_family want,
		      char *out, size_t outlen, enum fa_addr_family *family,
		      char *err, size_t errlen)
{
	while (len > 0 && is_space(in[0])) {
		in++;
		len--;
	}
	while (len > 0 && is_space(in[len - 1])) {
		len--;
	}

	/* Longest valid text is an IPv6 address with an embedded IPv4 one. */
	char text[FA_ADDR_BUFSZ];
	if (len >= sizeof(text)) {
		seterr(err, errlen, "(too long)", "not an IP address");
		return FA_EINVAL;
	}
	memcpy(text, in, len);
	text[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c >= 0x7f || c == '"') {
			text[i] = '?';
		}
	}

	unsigned char bin[16];
	enum fa_addr_family got;
	int af;
	if (inet_pton(AF_INET, text, bin) == 1) {
		got = FA_ADDR_V4;
		af = AF_INET;
	} else if (inet_pton(AF_INET6, text, bin) == 1) {
		got = FA_ADDR_V6;
		af = AF_INET6;
	} else {
		seterr(err, errlen, text, "not an IPv4 or IPv6 address");
		return FA_EINVAL;
	}

	if (want != FA_ADDR_ANY && want != got) {
		seterr(err, errlen, text, want == FA_ADDR_V4
		       ? "marked as IPv4 (ip=\"v4\") but is an IPv6 address"
		       : "marked as IPv6 (ip=\"v6\") but is an IPv4 address");
		return FA_EINVAL;
	}
	char buf[FA_ADDR_BUFSZ];
	if (af == AF_INET) {
		*put_v4(buf, bin) = '\0';
	} else {
		format_v6(bin, buf);
	}
	size_t n = strlen(buf);
	if (n + 1 > outlen) {
		seterr(err, errlen, text, "output buffer too small");
		return FA_EINVAL;
	}
	memcpy(out, buf, n + 1);
	if (family != NULL) {
		*family = got;
	}
	return FA_OK;
}
