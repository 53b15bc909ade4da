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
struct fa_arena;

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

/* ---------------------------------------------------------------------
 * Migrations
 * ------------------------------------------------------------------ */

/** One migration file and what the database knows about it. */
struct fa_store_migration {
	int version;		/**< the NNN of NNN_name.sql */
	char name[256];		/**< file name, e.g. "001_core.sql" */
	char sha256[65];	/**< hex SHA-256 of the file ("" if missing) */
	char applied_at[64];	/**< when it was applied, "" when pending */
	int applied;		/**< recorded in fa_migrations */
	int changed;		/**< applied, but the file's checksum differs */
	int missing;		/**< recorded, but the file is gone */
};

/**
 * @brief Compare the migration files of a directory with fa_migrations.
 * @param[in] store connected store
 * @param[in] dir directory holding NNN_*.sql files
 * @param[out] out array of *n entries ordered by version; free() it
 * @param[out] n number of entries
 * @param[out] err reason on failure
 * @return FA_OK, FA_EIO (directory or file unreadable), FA_EINVAL (two
 *         files with one version), FA_EDB or FA_ENOMEM
 */
int fa_store_migration_status(struct fa_store *store, const char *dir,
			      struct fa_store_migration **out, size_t *n,
			      char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Apply the pending migrations of dir in version order.
 *
 * Each file runs in its own transaction together with its fa_migrations
 * row; a session advisory lock serializes concurrent runs. Nothing is
 * applied when an already applied file has changed (err names it).
 * @param[in] store connected store
 * @param[in] dir directory holding NNN_*.sql files
 * @param[in] applied called after each file committed, or NULL
 * @param[in] arg passed to applied
 * @param[out] napplied number of files applied now
 * @param[out] err reason on failure (naming the file)
 * @return FA_OK, FA_EIO, FA_EINVAL (changed checksum, duplicate version),
 *         FA_EDB or FA_ENOMEM
 */
int fa_store_migrate(struct fa_store *store, const char *dir,
		     void (*applied)(const struct fa_store_migration *m,
				     void *arg),
		     void *arg, size_t *napplied, char *err,
		     size_t errlen) FA_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Batched, idempotent ingest
 * ------------------------------------------------------------------ */

/** What one or more committed batches did. */
struct fa_store_stats {
	uint64_t txns_new;	/**< transactions not stored before */
	uint64_t txns_dup;	/**< already stored (or twice in the batch) */
	uint64_t events;	/**< event rows written */
	uint64_t rejects_new;	/**< reject rows written (not stored before) */
	uint64_t txns_readonly;	/**< read-only (check, poll, hello, info
				     without data): not stored at all */
};

struct fa_store_batch;

/**
 * @brief Create an empty batch writing through store.
 * @param[out] out the batch, to free with fa_store_batch_free
 * @param[in] store borrowed; must outlive the batch
 * @return FA_OK or FA_ENOMEM
 */
int fa_store_batch_new(struct fa_store_batch **out,
		       struct fa_store *store) FA_WARN_UNUSED;

/** @brief Release a batch (uncommitted contents are dropped); NULL is fine. */
void fa_store_batch_free(struct fa_store_batch *batch);

/**
 * @brief Queue one transaction; everything it points to is copied.
 * @return FA_OK or FA_ENOMEM
 */
int fa_store_batch_add_txn(struct fa_store_batch *batch,
			   const struct fa_txn *txn) FA_WARN_UNUSED;

/**
 * @brief Queue one reject of the input whose checkpoint identity is given.
 * @return FA_OK or FA_ENOMEM
 */
int fa_store_batch_add_reject(struct fa_store_batch *batch,
			      const struct fa_reject *rej,
			      const char *identity) FA_WARN_UNUSED;

/**
 * @brief Set the checkpoint committed with the batch: input identity, the
 *        name it was read under, and the byte offset reached.
 * @return FA_OK or FA_ENOMEM
 */
int fa_store_batch_set_checkpoint(struct fa_store_batch *batch,
				  const char *identity, const char *source,
				  uint64_t offset) FA_WARN_UNUSED;

/**
 * @brief Choose whether the next commits wait for the write-ahead log to
 *        reach disk (the default). A batch committed without waiting may
 *        be lost if the database server crashes within a second or so,
 *        but never half: its checkpoint is lost with it, so the records
 *        are read again and, ingest being idempotent, nothing is missing.
 *        A durable commit also makes every earlier one durable.
 */
void fa_store_batch_set_durable(struct fa_store_batch *batch, int durable);

/** @brief Number of transactions and rejects queued since the last commit. */
size_t fa_store_batch_count(const struct fa_store_batch *batch);

/**
 * @brief Write the queued batch in one database transaction and empty it.
 *
 * Transactions already stored (same key) are counted as duplicates and
 * leave no trace. Of the new ones, those with result 1000/1001 store their
 * events and change the current state, in order; a failed one (result
 * 2000 and above) stores its command.failed event only; one without a
 * response stores its transaction row only. On failure the database
 * transaction is rolled back and the batch is emptied all the same.
 * @param[in] batch the batch
 * @param[in,out] stats counters to add to, or NULL
 * @param[out] err reason on failure
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_batch_commit(struct fa_store_batch *batch,
			  struct fa_store_stats *stats, char *err,
			  size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Look up the stored checkpoint of an input.
 * @param[out] offset byte offset reached, when found
 * @return FA_OK, FA_ENOTFOUND (no checkpoint) or FA_EDB
 */
int fa_store_checkpoint_get(struct fa_store *store, const char *identity,
			    uint64_t *offset, char *err,
			    size_t errlen) FA_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Reading results
 * ------------------------------------------------------------------ */

/** Filter of fa_store_events_each; NULL / 0 fields do not filter. */
struct fa_store_event_filter {
	const char *domain;
	const char *registrar;
	const char *host;
	const char *kind;	/**< a kind name, or "family.*" */
	int64_t since_us;	/**< inclusive; 0 = unbounded */
	int64_t until_us;	/**< exclusive; 0 = unbounded */
	long limit;		/**< the most recent N; 0 = all */
};

/** Filter of fa_store_findings_each; NULL / negative do not filter. */
struct fa_store_finding_filter {
	const char *status;	/**< "open", "closed" or NULL for all */
	const char *entity_kind;
	long min_score;		/**< -1 = any */
	int64_t id;		/**< one finding; 0 = any */
};

/** Types of result columns, so that writers can render them. */
enum fa_store_coltype {
	FA_STORE_COL_TEXT,
	FA_STORE_COL_INT,
	FA_STORE_COL_TIME,	/**< microseconds since the epoch, as text */
	FA_STORE_COL_JSON,	/**< JSON text */
	FA_STORE_COL_LIST,	/**< PostgreSQL text[] literal */
};

/** How a table shows a column; csv and json show every column in full. */
enum fa_store_colshow {
	FA_STORE_SHOW_CUT = 0,	/**< cut at 40 characters, unless it is the last */
	FA_STORE_SHOW_WIDE = 1,	/**< long free text: shown only in csv/json */
	FA_STORE_SHOW_FULL = 2,	/**< never cut: as wide as its longest value */
};

/** One result column. */
struct fa_store_col {
	const char *name;
	enum fa_store_coltype type;
	enum fa_store_colshow show;
};

/**
 * Row callback: vals[i] is the text of column i, NULL for SQL NULL.
 * Return FA_OK to go on, anything else to stop (returned to the caller).
 */
typedef int (*fa_store_row_fn)(void *arg, const char *const *vals);

/**
 * @brief The columns of the rows fa_store_events_each produces.
 * @param[out] n their count
 * @return a static array
 */
const struct fa_store_col *fa_store_event_cols(size_t *n);

/** @brief The columns of the rows fa_store_findings_each produces. */
const struct fa_store_col *fa_store_finding_cols(size_t *n);

/**
 * @brief Stream stored events in time order to a callback.
 * @return FA_OK, FA_EDB, or what the callback returned
 */
int fa_store_events_each(struct fa_store *store,
			 const struct fa_store_event_filter *filter,
			 fa_store_row_fn fn, void *arg, char *err,
			 size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Stream findings (highest score first) to a callback.
 * @return FA_OK, FA_EDB, or what the callback returned
 */
int fa_store_findings_each(struct fa_store *store,
			   const struct fa_store_finding_filter *filter,
			   fa_store_row_fn fn, void *arg, char *err,
			   size_t errlen) FA_WARN_UNUSED;

/** @brief The columns of fa_store_finding_rules_each's rows. */
const struct fa_store_col *fa_store_finding_rule_cols(size_t *n);

/**
 * @brief Stream the evidence of one finding, a row per rule and metric:
 *        rule, severity, score, condition, metric, value, number of events
 *        behind the value, first and last firing.
 * @return FA_OK (no row when there is no such finding), FA_EDB, or what
 *         the callback returned
 */
int fa_store_finding_rules_each(struct fa_store *store, int64_t id,
				fa_store_row_fn fn, void *arg, char *err,
				size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Stream the events a finding's evidence names (rows as
 *        fa_store_events_each gives them), in time order.
 * @return FA_OK, FA_EDB, or what the callback returned
 */
int fa_store_finding_events_each(struct fa_store *store, int64_t id,
				 fa_store_row_fn fn, void *arg, char *err,
				 size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Parse a one-dimensional PostgreSQL text[] literal such as
 *        {a,"b c"} into strings allocated from arena.
 * @param[out] out array of *n strings (arena-owned)
 * @return FA_OK, FA_EPARSE or FA_ENOMEM
 */
int fa_store_array_parse(struct fa_arena *arena, const char *lit,
			 const char ***out, size_t *n) FA_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Bootstrap import (docs/bootstrap.md)
 * ------------------------------------------------------------------ */

struct fa_import_row;
struct fa_store_import;

/** What an import did. */
struct fa_store_import_stats {
	uint64_t domains_new;		/**< rows inserted into domains */
	uint64_t domains_changed;	/**< stored rows replaced */
	uint64_t domains_same;		/**< stored rows equal to the file's */
	uint64_t hosts_new;
	uint64_t hosts_changed;
	uint64_t hosts_same;
	uint64_t kept_newer;		/**< rows left alone: changed after the
					     export time (domains and hosts) */
	uint64_t duplicates;		/**< rows naming an object again */
	uint64_t rejects;		/**< rows refused, duplicates included */
	uint64_t rejects_new;		/**< of them, not stored before */
};

/**
 * Called for each duplicate row found at commit, in line order, with the
 * reason without the "line N: " prefix.
 */
typedef void (*fa_store_import_dup_fn)(void *arg, uint64_t line,
				       const char *reason);

/**
 * @brief Start an import: open a database transaction holding the ingest
 *        lock, and start streaming rows into a temporary table.
 * @param[out] out the import, to free with fa_store_import_free
 * @param[in] store connected store, borrowed; it must outlive the import
 *            and serve nothing else until then
 * @param[out] err reason on failure
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_import_begin(struct fa_store_import **out, struct fa_store *store,
			  char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Queue one valid row (copied). Memory stays bounded: the queued
 *        text is sent whenever it reaches FA_STORE_COPY_CHUNK bytes.
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_import_add_row(struct fa_store_import *imp,
			    const struct fa_import_row *row, char *err,
			    size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Queue one refused row: its line, byte offset, reason (without
 *        the "line N: " prefix) and excerpt (copied).
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_import_add_reject(struct fa_store_import *imp, uint64_t line,
			       uint64_t offset, const char *reason,
			       const char *excerpt, char *err,
			       size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Finish the import in the same database transaction: refuse the
 *        later rows of names given twice, upsert domains, then hosts (with
 *        their superordinate domain), store the rejects, and commit.
 *
 * A stored row whose updated time is later than as_of is left alone
 * (kept newer); one equal to the file's is not written; any other takes
 * the file's values, deleted = false and updated = as_of. DS and TTLs of
 * stored domains are kept. Rejects are stored under (identity, offset),
 * so importing the same file again stores none twice. On failure
 * everything is rolled back.
 * @param[in] source the file as named by the user
 * @param[in] identity the file's identity (fa_import_reader_identity)
 * @param[in] as_of_us the time the export was taken
 * @param[in] dup called for each duplicate row, or NULL
 * @param[out] stats what was done (on FA_OK)
 * @param[out] err reason on failure
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_import_commit(struct fa_store_import *imp, const char *source,
			   const char *identity, int64_t as_of_us,
			   fa_store_import_dup_fn dup, void *arg,
			   struct fa_store_import_stats *stats, char *err,
			   size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Free an import; one that was not committed is rolled back.
 *        NULL is fine.
 */
void fa_store_import_free(struct fa_store_import *imp);
