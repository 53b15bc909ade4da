/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_name.h
 * @brief Domain and host name normalization shared by the EPP and zone
 *        inputs: one spelling per name so that events and zone data join.
 *
 * A normalized name is lower-case ASCII without the trailing dot, made of
 * labels of 1 to 63 octets, at most 253 octets in all, each label made of
 * letters, digits and hyphens (LDH) that neither starts nor ends with a
 * hyphen. IDN A-labels ("xn--...") are kept as they are; U-labels
 * (non-ASCII) are refused, since registries provision A-labels.
 */
#pragma once

#include <stddef.h>

#include "common/fa_err.h"

/** Longest normalized name (253) plus the NUL. */
#define FA_NAME_BUFSZ 254

/** Longest label of a domain name, in octets (RFC 1035 section 2.3.4). */
#define FA_NAME_MAX_LABEL 63

/** Longest name in its text form without the trailing dot. */
#define FA_NAME_MAX 253

/**
 * Flags of fa_name_normalize.
 */
enum fa_name_flags {
	/** accept '_' in labels: DNS owner names such as "_dmarc" (zone
	 *  data); never for EPP domain or host names */
	FA_NAME_UNDERSCORE = 1,
};

/**
 * @brief Normalize a domain or host name.
 * @param[in] in the name as written, need not be NUL-terminated; one
 *            trailing dot is accepted and dropped
 * @param[in] len its length in bytes
 * @param[in] flags a set of enum fa_name_flags
 * @param[out] out FA_NAME_BUFSZ bytes (or more) for the normalized name
 * @param[in] outlen size of out
 * @param[out] err reason when the name is refused, naming the rule and
 *             the label at fault (may be NULL)
 * @param[in] errlen size of err
 * @return FA_OK, or FA_EINVAL when the name breaks a rule (err filled)
 */
int fa_name_normalize(const char *in, size_t len, unsigned flags, char *out,
		      size_t outlen, char *err, size_t errlen) FA_WARN_UNUSED;
