/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/fa_name.h"

static void seterr(char *err, size_t errlen, const char *in, size_t len,
		   const char *why)
{
	if (err == NULL || errlen == 0) {
		return;
	}

	/* Quote at most a screenful of the name; it may be hostile. */
	int shown = len > 80 ? 80 : (int)len;
	char safe[81];
	for (int i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)in[i];
		safe[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
	}
	safe[shown] = '\0';
	snprintf(err, errlen, "invalid name \"%s%s\": %s", safe,
		 len > 80 ? "..." : "", why);
}

static bool ldh(unsigned char c, unsigned flags)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
		return true;
	}
	return c == '_' && (flags & FA_NAME_UNDERSCORE);
}

int fa_name_normalize(const char *in, size_t len, unsigned flags, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	size_t n = len;
	if (n > 0 && in[n - 1] == '.') {
		n--;
	}
	if (n == 0) {
		seterr(err, errlen, in, len, "name is empty");
		return FA_EINVAL;
	}
	if (n > FA_NAME_MAX || n + 1 > outlen) {
		seterr(err, errlen, in, len, "name longer than 253 octets");
		return FA_EINVAL;
	}

	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || in[i] == '.') {
			if (i == label) {
				seterr(err, errlen, in, len, "empty label");
				return FA_EINVAL;
			}
			if (i - label > FA_NAME_MAX_LABEL) {
				seterr(err, errlen, in, len,
				       "label longer than 63 octets");
				return FA_EINVAL;
			}
			if (out[label] == '-' || out[i - 1] == '-') {
				seterr(err, errlen, in, len,
				       "label starts or ends with a hyphen");
				return FA_EINVAL;
			}
			if (i < n) {
				out[i] = '.';
			}
			label = i + 1;
			continue;
		}

		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80) {
			seterr(err, errlen, in, len,
			       "non-ASCII character (IDNs must be sent as A-labels)");
			return FA_EINVAL;
		}
		if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
		}
		if (!ldh(c, flags)) {
			seterr(err, errlen, in, len,
			       "character not allowed in a host name (letters, digits and hyphens only)");
			return FA_EINVAL;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return FA_OK;
}
