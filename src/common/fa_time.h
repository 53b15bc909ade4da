/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_time.h
 * @brief UTC timestamps as int64 microseconds since the epoch, and the
 *        RFC 3339 text form used in logs, the database and JSON output.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

/** Buffer size that fa_time_format always fits in. */
#define FA_TIME_BUFSZ 40

/**
 * @brief Parse an RFC 3339 timestamp ("2026-12-04T10:00:00Z",
 *        "2026-12-04T10:00:00.123+01:00", also "2026-12-04 10:00:00Z" and a
 *        bare date "2026-12-04" meaning midnight UTC).
 * @param[in] s text, need not be NUL-terminated
 * @param[in] len its length
 * @param[out] out microseconds since the epoch, UTC
 * @return FA_OK or FA_EINVAL
 */
int fa_time_parse(const char *s, size_t len, int64_t *out) FA_WARN_UNUSED;

/**
 * @brief Parse a duration such as "90s", "15m", "24h", "7d", "2w".
 * @param[out] out microseconds
 * @return FA_OK or FA_EINVAL
 */
int fa_duration_parse(const char *s, int64_t *out) FA_WARN_UNUSED;

/** @brief Format as "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" into buf (FA_TIME_BUFSZ). */
char *fa_time_format(int64_t us, char *buf, size_t len);

/** @brief The current time in microseconds since the epoch. */
int64_t fa_time_now(void);
