/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_store.h
 * @brief PostgreSQL storage: connection, migrations, idempotent ingest.
 *
 * The connection string is a standard libpq one (keyword/value or URI);
 * an empty or NULL string means "use the PG* environment variables".
 * Every statement is parameterized; no input text is ever spliced into SQL.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/fa_err.h"
#include "model/fa_event.h"

struct fa_store;

/**
 * @brief Connect to the database.
 * @param[out] out the store handle, to close with fa_store_close
 * @param[in] conninfo libpq connection string, or NULL for PG* variables
 * @param[out] err reason when the connection fails
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_open(struct fa_store **out, const char *conninfo, char *err,
		  size_t errlen) FA_WARN_UNUSED;

/** @brief The underlying libpq connection, borrowed from the store. */
PGconn *fa_store_conn(struct fa_store *store);

/** @brief Disconnect and free; NULL is fine. */
void fa_store_close(struct fa_store *store);
