/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_log.h
 * @brief Logging by severity and source (epp, zone, rules, store, cli).
 *
 * Lines go to stderr as "fluxaudit[source] level: message". Messages follow
 * the house wording: lower-case start, no final period, the object named in
 * quotes, the reason always given.
 */
#pragma once

#include <stdbool.h>

#include "common/fa_err.h"

enum fa_log_level {
	FA_LOG_ERR = 3,
	FA_LOG_WARNING = 4,
	FA_LOG_NOTICE = 5,
	FA_LOG_INFO = 6,
	FA_LOG_DEBUG = 7,
};

/** @brief Set the most verbose level that is still printed (default INFO). */
void fa_log_set_level(enum fa_log_level level);

/** @brief Parse "err", "warning", "notice", "info" or "debug". */
int fa_log_level_parse(const char *name, enum fa_log_level *out) FA_WARN_UNUSED;

/** @brief True when a message of this level would be printed. */
bool fa_log_enabled(enum fa_log_level level);

/**
 * @brief Print one log line.
 * @param[in] level severity
 * @param[in] source subsystem name, e.g. "epp"
 * @param[in] fmt printf format
 */
void fa_log(enum fa_log_level level, const char *source, const char *fmt, ...)
	FA_PRINTF(3, 4);
