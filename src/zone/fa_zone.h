/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_zone.h
 * @brief Zone snapshots (RFC 1035 master files, read with Knot DNS's
 *        libzscanner) and the delegation changes between two of them, or
 *        carried by an IXFR or a BIND journal print.
 *
 * The delegation model of a zone with origin O: the NS RRsets at names
 * below O (not O's own), the DS RRsets at names below O, and the glue: the
 * A/AAAA RRsets of host names below O that are the target of a delegation
 * NS record. Owner names and NS targets compare in the fa_name_normalize
 * spelling (lower case, no trailing dot; '_' allowed); names that it
 * refuses (wildcards, escaped octets) are kept in lower-cased presentation
 * form. Everything else (SOA, RRSIG, NSEC, NSEC3, DNSKEY, other types,
 * record order) is not part of the model.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

/** Kinds of change records. */
enum fa_zone_kind {
	FA_ZONE_DELEGATION_ADD,
	FA_ZONE_DELEGATION_REM,
	FA_ZONE_NS_ADD,
	FA_ZONE_NS_REM,
	FA_ZONE_GLUE_ADD,
	FA_ZONE_GLUE_REM,
	FA_ZONE_DS_ADD,
	FA_ZONE_DS_REM,
	FA_ZONE_TTL_CHANGE,
};

/** One delegation change. All strings are borrowed for the callback only. */
struct fa_zone_change {
	enum fa_zone_kind kind;
	/** the delegated domain, or the host for glue (normalized) */
	const char *name;
	/** NS target, address, DS rdata ("keytag alg digesttype HEX"), the
	 *  new TTL for ttl_change, "" for delegation_add/rem */
	const char *value;
	/** "NS", "DS", "A" or "AAAA": the RRset concerned */
	const char *rrtype;
	/** the old TTL for ttl_change, NULL otherwise */
	const char *old_value;
	/** TTL of the added record, of the removed record for *_rem */
	uint32_t ttl;
	/** SOA serial of the new side, when known (has_serial) */
	uint32_t serial;
	bool has_serial;
};

/**
 * Change callback: return FA_OK to go on, anything else stops the diff and
 * is returned by it.
 */
typedef int (*fa_zone_change_fn)(void *arg, const struct fa_zone_change *ch);

/** Options of reading a zone. */
struct fa_zone_opts {
	/** the zone's origin, with or without the trailing dot ("." = root) */
	const char *origin;
	/** follow $INCLUDE; when false a $INCLUDE refuses the file */
	bool allow_include;
};

/** Buffer size for fa_zone_name_text: 255 wire octets, 4 text octets each. */
#define FA_ZONE_NAMESZ 1024

/** One record as the scanner delivers it. */
struct fa_zone_rr {
	const uint8_t *owner_wire; /**< absolute owner in wire form */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;	  /**< wire-form rdata */
	uint32_t rdlen;
	bool apex;		  /**< owner is the origin */
	bool below;		  /**< owner is strictly below the origin */
	bool target_below;	  /**< NS: the target is strictly below it */
	uint64_t line;		  /**< line of the record in its file */
};

/**
 * @brief Text of an absolute wire-form name in the spelling of the model:
 *        fa_name_normalize's where it accepts the name, else lower-cased
 *        presentation form with escapes; "" for the root.
 * @param[out] out FA_ZONE_NAMESZ bytes
 */
void fa_zone_name_text(const uint8_t *wire, char *out, size_t outlen);

/** Record callback of fa_zone_scan; non-FA_OK stops the scan. */
typedef int (*fa_zone_rr_fn)(void *arg, const struct fa_zone_rr *rr);

/**
 * @brief Read a master file and hand every record to fn.
 *
 * Stops at the first syntax error: a file with any error must not be used
 * at all, so callers keep nothing from a scan that failed.
 * @param[in] path the zone file
 * @param[in] opts origin and $INCLUDE policy
 * @param[in] fn called for every record (owners outside the origin too)
 * @param[out] err on failure: the file, the line and libzscanner's reason
 * @return FA_OK; FA_EIO unreadable; FA_EPARSE syntax error; FA_EREFUSED
 *         $INCLUDE not allowed; FA_EINVAL bad origin; fn's code
 */
int fa_zone_scan(const char *path, const struct fa_zone_opts *opts,
		 fa_zone_rr_fn fn, void *arg, char *err, size_t errlen)
	FA_WARN_UNUSED;

/**
 * @brief Like fa_zone_scan over text in memory (IXFR pieces, fuzzing).
 * @param[in] name the name used in messages
 * @param[in] text the master-file text, need not be NUL-terminated
 */
int fa_zone_scan_mem(const char *name, const char *text, size_t len,
		     const struct fa_zone_opts *opts, fa_zone_rr_fn fn, void *arg,
		     char *err, size_t errlen) FA_WARN_UNUSED;

/** Statistics of a diff, for the benchmark and the documentation. */
struct fa_zone_diff_stats {
	size_t names;		/**< names in the fingerprint table */
	size_t table_bytes;	/**< bytes of the fingerprint table */
	size_t changed;		/**< names whose fingerprint differed */
	size_t detail_bytes;	/**< bytes held for the re-read detail */
	uint32_t old_serial;
	uint32_t new_serial;
};

/**
 * @brief Diff two snapshots of one zone and call fn for each change,
 *        ordered by name, then by kind.
 *
 * Both files are read once to build per-name fingerprints, then once more
 * for the names whose fingerprints differ; memory is proportional to the
 * number of names in the delegation model, not to the text. Nothing is
 * reported unless both files parse completely.
 * @param[out] stats may be NULL
 * @param[out] err names the file, the line and the reason on failure
 * @return FA_OK, an fa_zone_scan error, FA_ENOMEM, or fn's code
 */
int fa_zone_diff_files(const char *old_path, const char *new_path,
		       const struct fa_zone_opts *opts, fa_zone_change_fn fn,
		       void *arg, struct fa_zone_diff_stats *stats, char *err,
		       size_t errlen) FA_WARN_UNUSED;

/** SOA serials an incremental input goes from and to. */
struct fa_zone_serials {
	uint32_t from;		/**< the serial the first step applies to */
	uint32_t to;		/**< the serial after the last step */
	bool has_from;
	bool has_to;
};

/** Formats of incremental inputs. */
enum fa_zone_incr_format {
	FA_ZONE_IXFR,	 /**< `dig ixfr=N` output: SOA-framed del/add lists */
	FA_ZONE_JOURNAL, /**< `named-journalprint`: "add RR" / "del RR" lines */
};

/**
 * @brief Read an IXFR print or a journal print and call fn for the net
 *        delegation changes, ordered by name, then by kind.
 *
 * An incremental input does not say what else the zone holds, so a name
 * gaining or losing NS records gives ns_add/ns_rem but never
 * delegation_add/rem, and A/AAAA records of any host below the origin are
 * taken as glue.
 * @param[out] serials the first and last SOA serial seen (may be NULL)
 * @param[out] err names the file, the line and the reason on failure
 * @return FA_OK, FA_EIO, FA_EPARSE (syntax, or SOA framing broken),
 *         FA_ENOMEM, or fn's code
 */
int fa_zone_incr_file(const char *path, enum fa_zone_incr_format fmt,
		      const struct fa_zone_opts *opts, fa_zone_change_fn fn,
		      void *arg, struct fa_zone_serials *serials, char *err,
		      size_t errlen) FA_WARN_UNUSED;

/** As fa_zone_incr_file, over text in memory; name is used in messages. */
int fa_zone_incr_mem(const char *name, const char *text, size_t len,
		     enum fa_zone_incr_format fmt, const struct fa_zone_opts *opts,
		     fa_zone_change_fn fn, void *arg,
		     struct fa_zone_serials *serials, char *err, size_t errlen)
	FA_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Single-snapshot reading, for the store
 * ------------------------------------------------------------------ */

/**
 * @brief The SOA serial of a master file: the file is read up to the
 *        origin's SOA record (usually its first).
 * @param[out] serial the serial
 * @param[out] err names the file, the line and the reason on failure
 * @return FA_OK, an fa_zone_scan error, or FA_EPARSE when there is no SOA
 *         at the origin
 */
int fa_zone_serial(const char *path, const struct fa_zone_opts *opts,
		   uint32_t *serial, char *err, size_t errlen) FA_WARN_UNUSED;

/** One record of the delegation model; strings borrowed for the call. */
struct fa_zone_record {
	const char *owner;	/**< model spelling (see the file comment) */
	const char *rrtype;	/**< "NS", "DS", "A" or "AAAA" */
	const char *value;	/**< as in struct fa_zone_change */
	uint32_t ttl;
	/** NS: the target is strictly below the origin (its A/AAAA are glue) */
	bool ns_target_below;
};

/** Record callback of fa_zone_model_scan; non-FA_OK stops the scan. */
typedef int (*fa_zone_record_fn)(void *arg, const struct fa_zone_record *rec);

/**
 * @brief Read a whole master file and hand fn every NS and DS record
 *        strictly below the origin and every A/AAAA record strictly
 *        below it. Whether an A/AAAA record is glue depends on NS records
 *        that may come later in the file, so the caller decides that
 *        (glue: its owner is the value of some NS record handed over).
 *
 * The caller must discard what fn received when this fails: a file with
 * an error is not used at all.
 * @param[out] serial the SOA serial (may be NULL)
 * @return FA_OK, an fa_zone_scan error, FA_EPARSE (no SOA, malformed
 *         rdata), FA_ENOMEM, or fn's code
 */
int fa_zone_model_scan(const char *path, const struct fa_zone_opts *opts,
		       fa_zone_record_fn fn, void *arg, uint32_t *serial,
		       char *err, size_t errlen) FA_WARN_UNUSED;

/** @brief Name of a change kind ("delegation_add", ...); never NULL. */
const char *fa_zone_kind_name(enum fa_zone_kind kind);
