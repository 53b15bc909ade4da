/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
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
	if (inet_ntop(af, bin, out, (socklen_t)outlen) == NULL) {
		seterr(err, errlen, text, "output buffer too small");
		return FA_EINVAL;
	}
	if (family != NULL) {
		*family = got;
	}
	return FA_OK;
}
