/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_err.h
 * @brief The one error enumeration of fluxaudit.
 *
 * Every fallible function below main() returns FA_OK (0) on success or one
 * of the negative codes here, and leaves the detailed, human-readable
 * reason in a message buffer owned by the caller where one is passed.
 */
#pragma once

enum fa_err {
	FA_OK = 0,
	FA_EOF = -1,		/**< end of input, not an error in itself */
	FA_ENOMEM = -2,		/**< out of memory */
	FA_EINVAL = -3,		/**< invalid argument or value */
	FA_EIO = -4,		/**< read or write failed (errno in message) */
	FA_EPARSE = -5,		/**< input could not be parsed */
	FA_ELIMIT = -6,		/**< a configured size or count limit was hit */
	FA_EDB = -7,		/**< database error */
	FA_ENOTFOUND = -8,	/**< a named object does not exist */
	FA_EUNSUPPORTED = -9,	/**< recognised but not supported */
	FA_EREFUSED = -10,	/**< refused on purpose (DTD, entity, policy) */
};

#if defined(__GNUC__)
#define FA_WARN_UNUSED __attribute__((warn_unused_result))
#define FA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FA_NORETURN __attribute__((noreturn))
#else
#define FA_WARN_UNUSED
#define FA_PRINTF(f, a)
#define FA_NORETURN
#endif

/**
 * @brief Short English description of an error code.
 * @param[in] err a value of enum fa_err
 * @return a static string, never NULL
 */
const char *fa_strerror(int err);
