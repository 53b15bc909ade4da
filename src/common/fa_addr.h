/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_addr.h
 * @brief IP address normalization: one text form per address, so that
 *        "2001:DB8:0:0::1" and "2001:db8::1" are the same address in events,
 *        the database and zone data.
 *
 * The normalized form is what inet_ntop() prints: dotted quad for IPv4,
 * RFC 5952 for IPv6 (lower case, longest zero run compressed).
 */
#pragma once

#include <stddef.h>

#include "common/fa_err.h"

/** Buffer size that a normalized address always fits in. */
#define FA_ADDR_BUFSZ 46

/** Which address family is wanted. */
enum fa_addr_family {
	FA_ADDR_ANY = 0, /**< either; the result tells which */
	FA_ADDR_V4 = 4,
	FA_ADDR_V6 = 6,
};

/**
 * @brief Normalize an IPv4 or IPv6 address.
 * @param[in] in the address text, need not be NUL-terminated; surrounding
 *            white space is ignored; no prefix length, no zone index
 * @param[in] len its length
 * @param[in] want FA_ADDR_V4 or FA_ADDR_V6 to require a family (EPP's
 *            ip="v4|v6" attribute), FA_ADDR_ANY to accept both
 * @param[out] out FA_ADDR_BUFSZ bytes for the normalized text
 * @param[in] outlen size of out
 * @param[out] family FA_ADDR_V4 or FA_ADDR_V6 on success (may be NULL)
 * @param[out] err reason on failure (may be NULL)
 * @param[in] errlen size of err
 * @return FA_OK, or FA_EINVAL when it is not an address of the wanted
 *         family (err filled)
 */
int fa_addr_normalize(const char *in, size_t len, enum fa_addr_family want,
		      char *out, size_t outlen, enum fa_addr_family *family,
		      char *err, size_t errlen) FA_WARN_UNUSED;
