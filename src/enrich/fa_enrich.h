/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_enrich.h
 * @brief Enrichment of addresses and name-server hosts for the rule
 *        engine: IP to ASN (MaxMind DB files and routeviews pfx2as
 *        tables), consumer/dynamic prefix lists and PTR names, DNS-provider
 *        and CDN allowlists, static/dynamic declarations of hosts and
 *        domains.
 *
 * An enrichment set is built once from a YAML configuration file (or
 * piece by piece with the fa_enrich_add_* calls and fa_enrich_finish),
 * all or nothing: any error refuses the whole set, and the caller keeps
 * whatever set it had before. After a failed fa_enrich_add_* or
 * fa_enrich_finish the only valid call is fa_enrich_free (the set may
 * hold part of the refused input). Lookups are valid only on a finished
 * set, which is read-only, so any number of threads may look up in it at
 * once. Lookups allocate nothing; an
 * address lookup costs a binary search over the flattened prefix ranges
 * (at most 22 steps for a full routeviews table) and a walk of at most
 * 128 search-tree nodes per MaxMind DB file; a host lookup costs one pass
 * over the name plus a hash probe per label.
 *
 * docs/enrichment.md describes the configuration and the file formats.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

/** Most diagnostics kept by one load; more are only counted. */
#define FA_ENRICH_MAX_DIAG 64

/** Longest line of a pfx2as, prefix-list or declarations file, in bytes. */
#define FA_ENRICH_MAX_LINE 1024

/** Largest enrichment input file (text table or MaxMind DB), in bytes. */
#define FA_ENRICH_MAX_FILE (1024L * 1024 * 1024)

/** Largest configuration file, in bytes. */
#define FA_ENRICH_MAX_CONFIG (1024 * 1024)

/** Longest organization name returned (longer ones are cut at a
 *  character boundary), plus the NUL. */
#define FA_ENRICH_ORG_BUFSZ 256

/** Most PTR name patterns of a set, include and exclude patterns together. */
#define FA_ENRICH_PTR_MAX_PATTERNS 64

/** Longest PTR name pattern, in bytes. */
#define FA_ENRICH_PTR_MAX_PATTERN 256

/** Largest count of a repetition interval ("{m,n}") in a PTR pattern. */
#define FA_ENRICH_PTR_MAX_REPEAT 255

/** Most elements a PTR pattern may compile to: characters, bracket
 *  expressions and groups, each repetition ("+", "{m,n}") multiplying
 *  what it repeats by the copies it makes. */
#define FA_ENRICH_PTR_MAX_SIZE 1024

/** Deepest nesting of maps, arrays and pointers accepted in a MaxMind DB
 *  data record (ASN records have 1 level, City records 4). */
#define FA_ENRICH_MMDB_MAX_DEPTH 32

/** Diagnostics of a load: "FILE:LINE[:COLUMN]: reason" messages. */
struct fa_enrich_diag {
	char *msgs[FA_ENRICH_MAX_DIAG];	/**< owned; free with _clear */
	size_t count;			/**< messages kept */
	size_t dropped;			/**< messages counted but not kept */
};

/**
 * @brief Free the messages and zero the counters.
 * @param[in,out] diag may be NULL
 */
void fa_enrich_diag_clear(struct fa_enrich_diag *diag);

/** An IP address in binary form, as lookups take it. */
struct fa_enrich_addr {
	uint8_t family;		/**< 4 or 6 */
	uint8_t b[16];		/**< network byte order; IPv4 in b[0..3] */
};

/**
 * @brief Parse an IPv4 or IPv6 address (no prefix length). An
 *        IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4
 *        address, since it names the same host.
 * @param[in] text NUL-terminated address text
 * @param[out] out the address
 * @return FA_OK, or FA_EINVAL when text is not an address
 */
int fa_enrich_addr_parse(const char *text, struct fa_enrich_addr *out) FA_WARN_UNUSED;

/** Which wins when both kinds of ASN source know an address. */
enum fa_enrich_prefer {
	FA_ENRICH_PREFER_MMDB = 0,	/**< MaxMind DB first (default) */
	FA_ENRICH_PREFER_PFX2AS,	/**< pfx2as tables first */
};

/** Where an ASN came from. */
enum fa_enrich_asn_source {
	FA_ENRICH_ASN_NONE = 0,
	FA_ENRICH_ASN_MMDB,
	FA_ENRICH_ASN_PFX2AS,
};

/** Result of an ASN lookup. */
struct fa_enrich_asn {
	uint32_t asn;			/**< 0 when no source knows the address */
	enum fa_enrich_asn_source source;
	const char *file;		/**< the answering file (borrowed from
					 *  the set), NULL when none */
	unsigned prefix_len;		/**< length of the matched network, in
					 *  bits of the address's family */
	char org[FA_ENRICH_ORG_BUFSZ];	/**< organization ("" when unknown;
					 *  only MaxMind DB files have it) */
};

/** Why an address counts as consumer space. */
enum fa_enrich_consumer_by {
	FA_ENRICH_BY_NONE = 0,
	FA_ENRICH_BY_PREFIX,	/**< it lies in a listed block */
	FA_ENRICH_BY_PTR,	/**< one of its PTR names matches a pattern */
};

/** Result of a consumer/dynamic lookup. */
struct fa_enrich_consumer {
	bool found;		/**< the address is consumer space */
	const char *label;	/**< the block's label, "" when it has none
				 *  (always "" for BY_PTR) */
	const char *file;	/**< the list that names the block, or the PTR
				 *  table that names the address */
	unsigned prefix_len;	/**< length of the most specific block; for
				 *  BY_PTR 24 (IPv4) or 64 (IPv6), an
				 *  approximation of one customer's allocation */
	enum fa_enrich_consumer_by by;	/**< which source answered */
	const char *ptr;	/**< BY_PTR: the PTR name that matched (lower
				 *  case, no trailing dot); NULL otherwise */
	const char *pattern;	/**< BY_PTR: the pattern it matched */
	unsigned line;		/**< BY_PTR: its line in file; 0 otherwise */
};

/** How a provider matched. */
enum fa_enrich_match {
	FA_ENRICH_MATCH_NONE = 0,
	FA_ENRICH_MATCH_SUFFIX,	/**< the host is under an NS suffix */
	FA_ENRICH_MATCH_ASN,	/**< the address's ASN is listed */
};

/** Result of an allowlist lookup. */
struct fa_enrich_provider {
	enum fa_enrich_match match;
	const char *name;	/**< provider name, NULL when none */
	const char *suffix;	/**< the matching NS suffix (MATCH_SUFFIX) */
	uint32_t asn;		/**< the matching ASN (MATCH_ASN) */
};

/** A static/dynamic declaration. */
enum fa_enrich_decl {
	FA_ENRICH_DECL_NONE = 0,
	FA_ENRICH_DECL_STATIC,
	FA_ENRICH_DECL_DYNAMIC,
};

/** Result of a declaration lookup. */
struct fa_enrich_declaration {
	enum fa_enrich_decl decl;
	const char *name;	/**< the declared name: the host itself or
				 *  the nearest enclosing domain */
	const char *note;	/**< the note ("" when none) */
	const char *origin;	/**< "FILE:LINE" of the declaration */
};

/** A registrar declared to have a high-change business model. */
struct fa_enrich_registrar {
	const char *id;		/**< the registrar's EPP client id */
	const char *note;	/**< why ("" when not said) */
	const char *origin;	/**< "FILE:LINE:COLUMN" of the declaration */
};

/** Kinds of configured source, for fa_enrich_sources. */
enum fa_enrich_kind {
	FA_ENRICH_KIND_MMDB,
	FA_ENRICH_KIND_PFX2AS,
	FA_ENRICH_KIND_PREFIXES,
	FA_ENRICH_KIND_ALLOWLIST,
	FA_ENRICH_KIND_DECLARATIONS,
	FA_ENRICH_KIND_REGISTRARS,	/**< high-change registrars */
	FA_ENRICH_KIND_PTR,		/**< a PTR table (consumer_ptr) */
};

/** What one configured source contributed. */
struct fa_enrich_source {
	enum fa_enrich_kind kind;
	const char *path;	/**< the file, or the configuration file for
				 *  entries written in it */
	size_t entries;		/**< prefixes, networks with an ASN,
				 *  suffixes + ASNs, declarations, or
				 *  addresses classified by PTR */
	size_t v4, v6;		/**< prefixes (or PTR-classified addresses)
				 *  per family */
	size_t shadowed;	/**< prefixes or names also given by an
				 *  earlier source, which wins */
	char detail[160];	/**< e.g. the MaxMind DB type and size */
};

/** Memory held by the prefix tables, for documentation and `check`. */
struct fa_enrich_stats {
	size_t pfx2as_ranges4, pfx2as_ranges6;	/**< flattened ranges */
	size_t pfx2as_bytes;			/**< bytes of those ranges */
	size_t pfx2as_prefixes;			/**< prefixes loaded */
	size_t consumer_ranges4, consumer_ranges6;
	size_t consumer_bytes;
	size_t ptr_addrs4, ptr_addrs6;		/**< PTR-classified addresses */
	size_t ptr_bytes;			/**< their entries and names */
};

struct fa_enrich;

/**
 * @brief Load an enrichment set from a YAML configuration file. Paths in
 *        it are relative to the file's directory.
 * @param[out] out the set (free with fa_enrich_free), NULL on failure
 * @param[in] path the configuration file
 * @param[out] diag every error as "FILE:LINE[:COLUMN]: reason", plus a
 *             last line saying what was refused; caller clears it
 * @return FA_OK; FA_EPARSE when any input is malformed, FA_EIO when a
 *         file cannot be read, FA_ELIMIT when one is too large,
 *         FA_ENOMEM; on failure nothing is kept
 */
int fa_enrich_load(struct fa_enrich **out, const char *path,
		   struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Load from a configuration held in memory (tests, fuzzing).
 * @param[in] name the file name used in messages
 * @param[in] buf,len the YAML text
 * @param[in] basedir directory that relative paths start from
 * @return as fa_enrich_load
 */
int fa_enrich_load_buffer(struct fa_enrich **out, const char *name,
			  const char *buf, size_t len, const char *basedir,
			  struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief An empty set to fill with the fa_enrich_add_* calls.
 * @return the set, or NULL when out of memory
 */
struct fa_enrich *fa_enrich_new(void);

/** @brief Release a set; NULL is fine. */
void fa_enrich_free(struct fa_enrich *e);

/**
 * @brief Set which kind of ASN source wins (before fa_enrich_finish).
 */
void fa_enrich_set_prefer(struct fa_enrich *e, enum fa_enrich_prefer prefer);

/**
 * @brief Add a pfx2as table held in memory: lines of
 *        "PREFIX LENGTH AS" (tabs or spaces), IPv4 and IPv6 mixed; AS is
 *        a number, a multi-origin "A_B" or an AS set "A,B", of which the
 *        first AS is kept. '#' comments and blank lines are skipped.
 * @param[in] name file name for messages and results (copied)
 * @param[in] buf,len the text (need not be NUL-terminated)
 * @param[out] diag errors as "NAME:LINE: reason"
 * @return FA_OK, or FA_EPARSE when any line is malformed (every bad line
 *         is reported, then "NAME: refused: N malformed lines, nothing of
 *         this file is used"), FA_ENOMEM, FA_EINVAL after
 *         fa_enrich_finish
 */
int fa_enrich_add_pfx2as(struct fa_enrich *e, const char *name, const char *buf,
			 size_t len, struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Add a consumer/dynamic prefix list held in memory: lines of
 *        "CIDR [LABEL]", '#' comments and blank lines allowed.
 * @return as fa_enrich_add_pfx2as
 */
int fa_enrich_add_prefixes(struct fa_enrich *e, const char *name, const char *buf,
			   size_t len, struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Add a declarations table held in memory: CSV (RFC 4180, one
 *        record a line) with the header "name,declaration,note" and
 *        declaration "static" or "dynamic".
 * @return as fa_enrich_add_pfx2as; a name declared twice with different
 *         declarations is an error naming both places
 */
int fa_enrich_add_declarations_csv(struct fa_enrich *e, const char *name,
				   const char *buf, size_t len,
				   struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Declare one host or domain.
 * @param[in] name the host or domain (normalized here)
 * @param[in] note free text kept with it ("" or NULL for none; copied)
 * @param[in] source the file it comes from, counted as one source
 *            (copied)
 * @param[in] origin "FILE:LINE[:COLUMN]" shown in results and messages
 *            (copied)
 * @return FA_OK, FA_EPARSE (bad name, conflict; diag filled), FA_ENOMEM
 */
int fa_enrich_add_declaration(struct fa_enrich *e, const char *name,
			      enum fa_enrich_decl decl, const char *note,
			      const char *source, const char *origin,
			      struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Allowlist an NS host suffix for a provider. The suffix matches
 *        itself and every name under it, on label boundaries, and needs
 *        at least two labels.
 * @param[in] source the file the entry is written in (the allowlist
 *            counts as one source, named after the first file)
 * @param[in] origin "FILE:LINE[:COLUMN]" for messages (copied)
 * @return FA_OK, FA_EPARSE (bad suffix, or listed for another provider;
 *         diag filled), FA_ENOMEM
 */
int fa_enrich_add_provider_suffix(struct fa_enrich *e, const char *provider,
				  const char *suffix, const char *source,
				  const char *origin,
				  struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Allowlist an ASN (1 to 4294967295) for a provider.
 * @return as fa_enrich_add_provider_suffix
 */
int fa_enrich_add_provider_asn(struct fa_enrich *e, const char *provider,
			       uint32_t asn, const char *source, const char *origin,
			       struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Add a PTR name pattern (POSIX extended regular expression,
 *        matched without regard to case against the whole name, which
 *        is lower case without the trailing dot). Patterns must be added
 *        before the first PTR table. Back-references, interval counts
 *        above FA_ENRICH_PTR_MAX_REPEAT, patterns that would compile to
 *        more than FA_ENRICH_PTR_MAX_SIZE elements, a repetition right
 *        after another and a repetition of an expression that can match
 *        the empty string are refused (they make matching or compiling
 *        costly).
 * @param[in] pattern NUL-terminated (copied)
 * @param[in] exclude true for a pattern whose match vetoes a name
 * @param[in] origin "FILE:LINE[:COLUMN]" for messages (copied)
 * @return FA_OK; FA_EPARSE (too long, too many, refused construct, or
 *         regcomp's reason; diag filled); FA_ENOMEM; FA_EINVAL after a
 *         PTR table was added or after fa_enrich_finish
 */
int fa_enrich_add_ptr_pattern(struct fa_enrich *e, const char *pattern, bool exclude,
			      const char *origin, struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Whether a PTR name must embed its own address to classify it
 *        (false by default). Set it before the first PTR table.
 */
void fa_enrich_set_ptr_embedded(struct fa_enrich *e, bool required);

/**
 * @brief Add a PTR table held in memory: lines of "ADDRESS NAME", '#'
 *        comments and blank lines allowed. Each name is classified now;
 *        only addresses with a name that matches a pattern, matches no
 *        exclude pattern and (when required) embeds the address are
 *        kept.
 * @param[in] name file name for messages and results (copied)
 * @return as fa_enrich_add_pfx2as; FA_EINVAL when no include pattern
 *         was added
 */
int fa_enrich_add_ptr(struct fa_enrich *e, const char *name, const char *buf, size_t len,
		      struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Add a PTR table file, read in pieces (the file is never held in
 *        memory whole), at most FA_ENRICH_MAX_FILE bytes.
 * @param[in] path the file (named in messages and results)
 * @param[in] origin "FILE:LINE:COLUMN" of the configuration entry that
 *            names the file, put before messages about reading it; NULL
 *            for none
 * @return as fa_enrich_add_ptr; FA_EIO or FA_ELIMIT when the file cannot
 *         be read or is too large (diag names it and the reason)
 */
int fa_enrich_add_ptr_file(struct fa_enrich *e, const char *path, const char *origin,
			   struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Open a MaxMind DB file after checking all of it that lookups
 *        rely on: the metadata, every search-tree record, and every data
 *        record the tree reaches (types, lengths, pointers, UTF-8,
 *        nesting at most FA_ENRICH_MMDB_MAX_DEPTH). A file none of whose
 *        records carries autonomous_system_number is refused too.
 * @param[in] path the file (kept open, as a memory map, until _free)
 * @return FA_OK; FA_EPARSE for a corrupt or unsuitable file ("PATH: is
 *         not a usable MaxMind DB: reason"), FA_EIO, FA_ELIMIT, FA_ENOMEM
 */
int fa_enrich_add_mmdb(struct fa_enrich *e, const char *path,
		       struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Check a MaxMind DB file the way fa_enrich_add_mmdb does, without
 *        requiring ASN data, and describe it (tests, `enrich check`).
 * @param[out] detail description ("database_type, IPv6 tree, N nodes, M
 *             data records, K with an ASN")
 * @param[out] err the reason when refused
 * @return FA_OK, FA_EPARSE, FA_EIO, FA_ELIMIT or FA_ENOMEM
 */
int fa_enrich_mmdb_check(const char *path, size_t *with_asn, char *detail,
			 size_t detlen, char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Build the lookup tables; the set is read-only afterwards.
 * @return FA_OK, or FA_EPARSE (conflicting duplicate prefix in one
 *         file; diag filled), FA_ENOMEM
 */
int fa_enrich_finish(struct fa_enrich *e, struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief The sources of a finished set, in configuration order.
 * @param[out] n their number
 * @return borrowed array, valid until fa_enrich_free
 */
const struct fa_enrich_source *fa_enrich_sources(const struct fa_enrich *e, size_t *n);

/** @brief Sizes of the prefix tables of a finished set. */
void fa_enrich_stats(const struct fa_enrich *e, struct fa_enrich_stats *st);

/**
 * @brief The ASN of an address. With FA_ENRICH_PREFER_MMDB the MaxMind
 *        DB files are asked in order and the first record with an ASN
 *        wins, else the longest matching pfx2as prefix; with
 *        FA_ENRICH_PREFER_PFX2AS the other way round.
 * @param[out] out the answer (asn 0 when unknown)
 * @param[out] err the reason on failure
 * @return FA_OK (also when no source knows the address), or FA_EPARSE
 *         when a MaxMind DB lookup fails (a corrupt file: never reported
 *         as "no ASN")
 */
int fa_enrich_asn(const struct fa_enrich *e, const struct fa_enrich_addr *a,
		  struct fa_enrich_asn *out, char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Whether an address is consumer/dynamic space: it lies in a
 *        listed block (the most specific one answers), else a PTR table
 *        classified it (the first table and line that did). Listed
 *        blocks win over PTR names.
 * @return out->found
 */
bool fa_enrich_consumer(const struct fa_enrich *e, const struct fa_enrich_addr *a,
			struct fa_enrich_consumer *out);

/**
 * @brief The allowlisted provider of a name-server host, else of an ASN.
 *        The longest matching NS suffix wins.
 * @param[in] host host name (case and one trailing dot ignored), or NULL
 * @param[in] asn the ASN of one of its addresses, or 0
 * @return true when a provider matched
 */
bool fa_enrich_provider(const struct fa_enrich *e, const char *host, uint32_t asn,
			struct fa_enrich_provider *out);

/**
 * @brief The declaration of a host: its own, else that of the nearest
 *        enclosing domain that has one.
 * @param[in] host host name (case and one trailing dot ignored)
 * @return out->decl (FA_ENRICH_DECL_NONE when nothing is declared)
 */
enum fa_enrich_decl fa_enrich_declaration(const struct fa_enrich *e, const char *host,
					  struct fa_enrich_declaration *out);

/**
 * @brief Declare a registrar's business model high-change (its customers'
 *        name servers legitimately change often). A second declaration of
 *        the same registrar is counted as shadowed; the first stands.
 *        Duplicates are found by fa_enrich_finish (by sorting), so the
 *        counts of the source are set only once the set is finished.
 * @param[in] registrar EPP client id (RFC 5730 clIDType)
 * @param[in] note why, shown in evidence (NULL: none); copied
 * @param[in] source the configuration file, origin "FILE:LINE:COLUMN"
 * @return FA_OK, FA_EPARSE (invalid id, reason in diag), FA_ENOMEM, or
 *         FA_EINVAL once the set is finished
 */
int fa_enrich_add_high_change(struct fa_enrich *e, const char *registrar, const char *note,
			      const char *source, const char *origin,
			      struct fa_enrich_diag *diag) FA_WARN_UNUSED;

/**
 * @brief Whether a registrar is declared high-change (a binary search).
 * @param[in] registrar EPP client id, compared exactly; NULL: no
 * @param[out] out the declaration (strings borrowed from the set), or NULL
 * @return true when declared
 */
bool fa_enrich_high_change(const struct fa_enrich *e, const char *registrar,
			   struct fa_enrich_registrar *out);

/** @brief "prefix", "ptr" or "none". */
const char *fa_enrich_consumer_by_name(enum fa_enrich_consumer_by by);

/** @brief "static", "dynamic" or "none". */
const char *fa_enrich_decl_name(enum fa_enrich_decl decl);

/** @brief "mmdb", "pfx2as" or "none". */
const char *fa_enrich_asn_source_name(enum fa_enrich_asn_source src);
