/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <string.h>

#include "common/fa_glue.h"

static const char *check_v4(const unsigned char *b)
{
	if (b[0] == 0) {
		return "\"this network\" address (0.0.0.0/8)";
	}
	if (b[0] == 127) {
		return "loopback address (127.0.0.0/8)";
	}
	if (b[0] == 169 && b[1] == 254) {
		return "link-local address (169.254.0.0/16)";
	}
	if (b[0] >= 224 && b[0] <= 239) {
		return "multicast address (224.0.0.0/4)";
	}
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) {
		return "broadcast address";
	}
	return NULL;
}

static const char *check_v6(const unsigned char *b)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char zero[16] = { 0 };

	if (memcmp(b, zero, 16) == 0) {
		return "unspecified address (::)";
	}
	if (memcmp(b, zero, 15) == 0 && b[15] == 1) {
		return "loopback address (::1)";
	}
	if (memcmp(b, mapped, 12) == 0) {
		return "IPv4-mapped address given as v6: use ip=\"v4\" and the IPv4 address";
	}
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
		return "link-local address (fe80::/10)";
	}
	if (b[0] == 0xff) {
		return "multicast address (ff00::/8)";
	}
	return NULL;
}

const char *fa_glue_check(const char *addr, enum fa_addr_family family)
{
	unsigned char b[16];

	if (family == FA_ADDR_V4) {
		if (inet_pton(AF_INET, addr, b) != 1) {
			return "unreadable address";
		}
		return check_v4(b);
	}
	if (inet_pton(AF_INET6, addr, b) != 1) {
		return "unreadable address";
	}
	return check_v6(b);
}
