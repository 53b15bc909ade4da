/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_out.h
 * @brief Output of listing commands as an aligned table, CSV (RFC 4180)
 *        or JSON lines, from rows of text values.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "common/fa_err.h"
#include "store/fa_store.h"

enum fa_out_format {
	FA_OUT_TABLE,
	FA_OUT_CSV,
	FA_OUT_JSON,
};

/**
 * @brief Parse "table", "csv" or "json".
 * @return FA_OK or FA_EINVAL
 */
int fa_out_format_parse(const char *name, enum fa_out_format *out) FA_WARN_UNUSED;

struct fa_out;

/**
 * @brief Start writing rows of the given columns to f.
 *
 * Tables hold back their first rows to size the columns (at most a fixed
 * number; later rows are truncated to those widths), show only the
 * columns that are not "wide", and cut long cells with an ellipsis
 * (except in the last column and in columns shown in full).
 * @param[in] cols borrowed; must outlive the writer
 * @return the writer, or NULL when out of memory
 */
struct fa_out *fa_out_new(FILE *f, enum fa_out_format fmt,
			  const struct fa_store_col *cols, size_t ncols);

/**
 * @brief Write one row; a fa_store_row_fn, arg being the writer.
 * @param[in] vals ncols values, NULL for SQL NULL
 * @return FA_OK, FA_ENOMEM or FA_EIO
 */
int fa_out_row(void *arg, const char *const *vals);

/**
 * @brief Write what is held back and check the stream.
 * @param[out] nrows rows written, or NULL
 * @return FA_OK, FA_ENOMEM or FA_EIO
 */
int fa_out_finish(struct fa_out *o, size_t *nrows) FA_WARN_UNUSED;

/** @brief Release the writer; NULL is fine. */
void fa_out_free(struct fa_out *o);
