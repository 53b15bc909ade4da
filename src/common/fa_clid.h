/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_clid.h
 * @brief The check of EPP client and contact identifiers (RFC 5730
 *        clIDType), shared by the EPP reader and the bootstrap import.
 */
#pragma once

#include <stddef.h>

#include "common/fa_err.h"

/**
 * @brief Check a registrar id (login <clID>, envelope clid=) or a contact
 *        id (both are RFC 5730 clIDType).
 *
 * A token of 3 to 16 UTF-8 characters (RFC 3629: overlong forms and
 * surrogates are not UTF-8). Blanks, control characters,
 * quotes, backslashes and commas are refused too, and so is a first
 * character that spreadsheets take for a formula ('=', '+', '-', '@'):
 * the id is shown in reports and CSV exports.
 * @param[in] s the id, need not be NUL-terminated
 * @param[in] n its length in bytes
 * @param[out] why the reason on failure: "<id shown safely>": why. The id
 *             is shown up to 23 bytes, cut at a character boundary and
 *             followed by "..." when cut; control characters and bytes
 *             that are not UTF-8 are shown as '?', so why is valid UTF-8
 * @param[in] whylen size of why
 * @return FA_OK, or FA_EINVAL with why filled
 */
int fa_clid_check(const char *s, size_t n, char *why,
		  size_t whylen) FA_WARN_UNUSED;
