/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_store_zone.h
 * @brief Zone input in PostgreSQL: the delegation model last ingested per
 *        zone (zone_records), the snapshots and increments ingested
 *        (zone_snapshots), and the changes between them stored as events
 *        of kinds zone.* (sql/002_zone.sql, docs/zone.md).
 *
 * One ingest is one database transaction that holds a per-zone advisory
 * lock from fa_store_zone_begin to fa_store_zone_commit or
 * fa_store_zone_abort: concurrent ingests of one zone wait for each
 * other, and nothing of a failed ingest remains.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

struct fa_store;
struct fa_store_zone;

/** What the database knows of a zone when an ingest starts. */
struct fa_store_zone_last {
	bool found;		/**< some snapshot was ingested before */
	uint32_t serial;	/**< the serial reached by the latest one */
	uint64_t records;	/**< model records held for the zone */
};

/**
 * @brief Start the ingest of one snapshot or increment of a zone.
 * @param[out] out the ingest, ended by commit or abort (which free it)
 * @param[in] store borrowed; used by nothing else until the ingest ends
 * @param[in] zone the origin in stored spelling ("." for the root)
 * @param[out] last the latest ingested state of the zone
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_zone_begin(struct fa_store_zone **out, struct fa_store *store,
			const char *zone, struct fa_store_zone_last *last,
			char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Whether a serial of the zone was ingested already.
 * @return FA_OK or FA_EDB
 */
int fa_store_zone_has_serial(struct fa_store_zone *zi, uint32_t serial,
			     bool *seen, char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Write the stored model of the zone as a master file (absolute
 *        names, an SOA with the given serial first) that the zone module
 *        reads back into the same model, so that a new snapshot can be
 *        diffed against it with fa_zone_diff_files.
 * @param[out] nrecords records written (without the SOA)
 * @return FA_OK, FA_EIO (path) or FA_EDB
 */
int fa_store_zone_export(struct fa_store_zone *zi, const char *path,
			 uint32_t serial, uint64_t *nrecords, char *err,
			 size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Stage one record of a baseline snapshot (fa_zone_model_scan's
 *        records; A/AAAA records whose owner no NS names are dropped at
 *        commit).
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_zone_add_record(struct fa_store_zone *zi, const char *owner,
			     const char *rrtype, const char *value,
			     uint32_t ttl, char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Stage one change (as struct fa_zone_change gives it: kind name
 *        such as "ns_add", name, rrtype, value, old value or NULL, TTL).
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_zone_add_change(struct fa_store_zone *zi, const char *kind,
			     const char *name, const char *rrtype,
			     const char *value, const char *old_value,
			     uint32_t ttl, char *err, size_t errlen) FA_WARN_UNUSED;

/** How a staged ingest is recorded. */
struct fa_store_zone_meta {
	uint32_t serial;	/**< the serial reached */
	bool has_from;		/**< increments: the serial they start at */
	uint32_t from_serial;
	const char *kind;	/**< "baseline", "snapshot", "ixfr", "journal" */
	const char *source;	/**< the input file as named by the operator */
	int64_t time_us;	/**< data time of the events */
	/** increments: every A/AAAA below the origin is reported, so keep
	 *  only those of hosts that a delegation names */
	bool filter_glue;
};

/** What a committed ingest stored. */
struct fa_store_zone_result {
	uint64_t events;	/**< zone.* events stored */
	uint64_t attributed;	/**< of them, with a registrar */
	uint64_t records;	/**< model records of the zone afterwards */
	/** events per kind in order of first appearance, e.g.
	 *  "ns_add 1, glue_add 2" ("" when none) */
	char kinds[256];
};

/**
 * @brief Store the staged records or changes: events (kinds zone.*,
 *        attributed to the registrar and registrant of the domains and
 *        hosts state when known), the new model, the transaction row
 *        ("zone:<zone>:<serial>") and the zone_snapshots row; commit and
 *        free the ingest.
 * @param[in] zi the ingest (freed, also on failure)
 * @param[out] res counts, may be NULL
 * @return FA_OK, FA_EDB or FA_ENOMEM (then nothing is stored)
 */
int fa_store_zone_commit(struct fa_store_zone *zi,
			 const struct fa_store_zone_meta *meta,
			 struct fa_store_zone_result *res, char *err,
			 size_t errlen) FA_WARN_UNUSED;

/** @brief Roll the ingest back and free it; NULL is fine. */
void fa_store_zone_abort(struct fa_store_zone *zi);

/**
 * @brief Keep a refused zone input as a reject (its own transaction;
 *        call it after fa_store_zone_abort). Stored once per identity.
 * @return FA_OK or FA_EDB
 */
int fa_store_zone_reject(struct fa_store *store, const char *source,
			 const char *identity, const char *reason, char *err,
			 size_t errlen) FA_WARN_UNUSED;

/**
 * @brief RFC 1982 serial comparison: whether a is newer than b.
 */
bool fa_store_zone_serial_newer(uint32_t a, uint32_t b);
