/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_json.h
 * @brief Minimal JSON text writing: string escaping for output and for
 *        the detail objects that events carry into the database.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/**
 * @brief Write s as a quoted JSON string (NULL writes null). Control bytes
 *        and invalid UTF-8 are escaped so that the output always parses.
 */
void fa_json_write_str(FILE *out, const char *s);

/**
 * @brief Write len bytes of s as a quoted JSON string into buf, never past
 *        cap, NUL-terminated when cap > 0.
 * @return the number of bytes the full escape needs without the NUL (like
 *         snprintf), so the caller detects truncation when result >= cap
 */
size_t fa_json_escape(char *buf, size_t cap, const char *s, size_t len);
