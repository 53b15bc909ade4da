/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_file.h
 * @brief Opening the files that must be regular files (configuration,
 *        policies, enrichment tables) without blocking on anything else.
 */
#pragma once

#include <stddef.h>

#include <sys/stat.h>

#include "common/fa_err.h"

/**
 * @brief Open path for reading if it is a regular file.
 *
 * A FIFO would block open() until a writer came, and a device or socket
 * may never end; the file is opened without blocking, its descriptor is
 * checked (so no other file can take its place between check and read),
 * and only then is blocking restored for the reads.
 * @param[in] path the file
 * @param[out] fd the open descriptor (the caller closes it); -1 on error
 * @param[out] st the file's status, may be NULL
 * @param[out] err the reason on error: "could not open \"PATH\": ...",
 *             "could not read \"PATH\": not a regular file"
 * @return FA_OK, FA_EIO
 */
int fa_file_open_regular(const char *path, int *fd, struct stat *st, char *err,
			 size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Check that path is a regular file, for a library that opens it
 *        by name itself (libzscanner).
 *
 * The check cannot cover the library's own open: a file swapped in after
 * it is not seen. It only keeps a FIFO named by mistake from blocking.
 * @param[out] err the reason on error, as fa_file_open_regular's
 * @return FA_OK, FA_EIO
 */
int fa_file_check_regular(const char *path, char *err, size_t errlen) FA_WARN_UNUSED;
