/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private parts of the enrichment module shared by its files.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_arena.h"
#include "enrich/fa_enrich.h"

typedef unsigned __int128 u128;

/* One prefix while a table is being built. */
struct pfx_in {
	u128 start;
	uint32_t val;		/* ASN, or label index + 1 (0: no label) */
	uint32_t line;
	uint16_t src;		/* index into the set's sources */
	uint8_t len;
	uint8_t v6;
};

/* A flattened table of one family: ranges that tile the address space
 * from 0, each running to the next start. plen 0xff marks a gap. */
struct pfx_val {
	uint32_t val;
	uint16_t src;
	uint8_t plen;
	uint8_t unused;
};

struct pfx_fam {
	size_t n;
	uint32_t *start4;	/* IPv4 tables */
	u128 *start6;		/* IPv6 tables */
	struct pfx_val *v;	/* what each range holds: one cache line */
	uint32_t *index;	/* 65537 entries: index[h] is the first range
				 * whose start has h as its top 16 bits (or
				 * more), so a lookup searches one bucket */
};

struct pfx_tab {
	struct pfx_in *in;	/* while building */
	size_t nin, capin;
	struct pfx_fam f4, f6;
	size_t bytes;
};

#define PFX_GAP 0xff

/* Names matched on label boundaries (allowlist suffixes, declarations). */
struct name_ent {
	const char *name;	/* normalized, in the arena */
	uint32_t len;
	uint32_t hash;
	uint32_t val;		/* provider or declaration index */
};

struct name_tab {
	struct name_ent *ent;
	size_t n, cap;
	uint32_t *slot;		/* open addressing, index + 1; 0 empty */
	size_t nslot;
};

struct decl {
	enum fa_enrich_decl decl;
	const char *note;
	const char *origin;
};

struct asn_ent {
	uint32_t asn;
	uint32_t provider;
	const char *origin;
};

struct mmdb_file;

/* A high-change registrar declaration. Appended as declared; sorted by id
 * and cut to the first declaration of each id at finish. */
struct reg_ent {
	struct fa_enrich_registrar r;
	size_t seq;		/* declaration order, to keep the first */
	uint16_t src;		/* index into the set's sources */
};

/* A PTR name pattern, compiled. */
struct ptr_pat {
	const char *text;	/* as written, in the arena */
	void *re;		/* regex_t, malloc'ed */
	bool exclude;
};

/* An address classified by one of its PTR names. 28 bytes. */
struct ptr_ent {
	uint32_t name;		/* offset of the name in the pool */
	uint32_t line;
	uint16_t src;
	uint8_t pat;		/* index into the patterns */
	uint8_t family;		/* 4 or 6 */
	uint8_t b[16];
};

struct ptr_tab {
	struct ptr_pat pat[FA_ENRICH_PTR_MAX_PATTERNS];
	size_t npat, ninclude;
	bool embedded;		/* names must embed their address */
	bool started;		/* a table was added: patterns are fixed */
	struct ptr_ent *ent;	/* sorted by address after finish */
	size_t n, cap;
	char *pool;		/* the names, NUL-terminated */
	size_t npool, cappool;
};

struct fa_enrich {
	struct fa_arena *arena;
	bool finished;
	enum fa_enrich_prefer prefer;

	struct fa_enrich_source *src;
	size_t nsrc, capsrc;

	struct pfx_tab pfx2as, consumer;
	const char **labels;	/* consumer labels, interned */
	size_t nlabels, caplabels;

	struct mmdb_file **mmdb;
	size_t nmmdb, capmmdb;

	const char **providers;
	size_t nproviders, capproviders;
	struct name_tab suffixes;
	struct asn_ent *asns;
	size_t nasns, capasns;
	size_t allow_src;	/* source index of the allowlist + 1, 0 none */

	struct name_tab decl_names;
	struct decl *decls;
	size_t ndecls, capdecls;

	struct reg_ent *regs;	/* high-change registrars */
	size_t nregs, capregs;
	struct ptr_tab ptr;
};

/** @brief Keep a message (formatted; dropped and counted once all but
 *         the last slot are taken: that one is for fa_enrich_diag_last). */
void fa_enrich_diag_add(struct fa_enrich_diag *diag, const char *fmt, ...) FA_PRINTF(2, 3);

/** Messages about single lines kept per table file; the rest are counted
 *  in the file's refusal, so one bad file cannot crowd out the others. */
#define FA_ENRICH_FILE_MSGS 20

/** Slots that line messages leave to the files' refusals, so that every
 *  refused file of a configuration is named. */
#define FA_ENRICH_REFUSAL_SLOTS 16

/**
 * @brief Count a malformed line of a table file in *errors and keep its
 *        message while the file has had at most FA_ENRICH_FILE_MSGS.
 */
void fa_enrich_diag_line(struct fa_enrich_diag *diag, size_t *errors, const char *fmt, ...)
	FA_PRINTF(3, 4);

/**
 * @brief The refusal of a table file with errors malformed lines, saying
 *        how many of them were shown.
 */
void fa_enrich_diag_refused(struct fa_enrich_diag *diag, const char *name, size_t errors);

/** @brief Keep the closing message of a load; it may take the last slot. */
void fa_enrich_diag_last(struct fa_enrich_diag *diag, const char *fmt, ...) FA_PRINTF(2, 3);

/**
 * @brief Grow *p (an array of *cap elements of size bytes) to hold want.
 * @return FA_OK, or FA_ENOMEM with *p unchanged
 */
int fa_enrich_grow(void **p, size_t *cap, size_t want, size_t size);

/**
 * @brief Append a source (path copied into the arena).
 * @param[out] index its index in e->src (pointers into e->src move when
 *             it grows: keep indexes, not pointers, across calls)
 * @return FA_OK, FA_ENOMEM, or FA_ELIMIT past 65535 sources
 */
int fa_enrich_add_source(struct fa_enrich *e, enum fa_enrich_kind kind,
			 const char *path, size_t *index);

/**
 * @brief Read a whole regular file of at most max bytes.
 * @param[out] buf malloc'ed contents (caller frees), NULL on failure
 * @return FA_OK, FA_EIO or FA_ELIMIT (err names the file and the
 *         reason), FA_ENOMEM
 */
int fa_enrich_read_file(const char *path, long max, char **buf, size_t *len,
			char *err, size_t errlen);

/**
 * @brief Split a line of a text table on blanks, up to a field that
 *        starts with '#' (a comment).
 * @param[out] f, fl the fields' starts and lengths (pointers into s)
 * @return the number of fields, max + 1 when there are more than max
 */
size_t fa_enrich_fields(const char *s, size_t n, const char **f, size_t *fl, size_t max);

/** @brief Release a prefix table's memory (the struct is zeroed). */
void fa_enrich_pfx_free(struct pfx_tab *t);

/**
 * @brief Sort, de-duplicate and flatten the prefixes added to t.
 * @return FA_OK, FA_EPARSE (a prefix with two values in one file; diag
 *         filled), FA_ENOMEM
 */
int fa_enrich_pfx_build(struct fa_enrich *e, struct pfx_tab *t,
			struct fa_enrich_diag *diag);

/**
 * @brief Longest-prefix match in a built table.
 * @return true with the prefix's value, length and source index
 */
bool fa_enrich_pfx_find(const struct pfx_tab *t, const struct fa_enrich_addr *a,
			uint32_t *val, unsigned *plen, uint16_t *src);

/** @brief Release a name table's memory (names live in the arena). */
void fa_enrich_names_free(struct name_tab *t);

/**
 * @brief Add a normalized name with a value.
 * @param[out] existing the value already stored when the name is there
 * @return FA_OK, FA_EINVAL when the name is there already, FA_ENOMEM,
 *         FA_ELIMIT
 */
int fa_enrich_names_add(struct fa_enrich *e, struct name_tab *t, const char *name,
			uint32_t val, uint32_t *existing);

/**
 * @brief The longest name of t that is name itself or a suffix of it on a
 *        label boundary (case and one trailing dot ignored).
 * @return the entry (borrowed), or NULL
 */
const struct name_ent *fa_enrich_names_longest(const struct name_tab *t, const char *name);

/** @brief fa_name_normalize of a NUL-terminated name. */
int fa_enrich_name_norm(const char *in, char *out, size_t outlen, char *err, size_t errlen);

/** @brief Release the PTR patterns and table. */
void fa_enrich_ptr_free(struct ptr_tab *t);

/**
 * @brief Sort the classified addresses, keep the first entry of each
 *        (configuration order, then line) and count them per source.
 * @return FA_OK or FA_ENOMEM
 */
int fa_enrich_ptr_build(struct fa_enrich *e, struct ptr_tab *t);

/** @brief The entry of an address in a built PTR table, or NULL. */
const struct ptr_ent *fa_enrich_ptr_find(const struct ptr_tab *t,
					 const struct fa_enrich_addr *a);

/**
 * @brief Sort the high-change registrars by id and keep the first
 *        declaration of each; count kept ones as entries and later ones as
 *        shadowed on their sources.
 */
void fa_enrich_regs_build(struct fa_enrich *e);

/** @brief Unmap and free a MaxMind DB file; NULL is fine. */
void fa_enrich_mmdb_close(struct mmdb_file *m);

/**
 * @brief Look an address up in one checked MaxMind DB file.
 * @param[out] out filled when the file knows an ASN (out->asn != 0),
 *             untouched otherwise
 * @return FA_OK, or FA_EPARSE when libmaxminddb reports an error (err
 *         names the file and libmaxminddb's reason)
 */
int fa_enrich_mmdb_lookup(const struct mmdb_file *m, const struct fa_enrich_addr *a,
			  struct fa_enrich_asn *out, char *err, size_t errlen);

/* Lines of a text held in memory. */
struct lines {
	const char *buf;
	size_t len, pos;
	uint32_t lineno;
};

/* enrich.c: the next line without its end ("\n" or "\r\n"). Returns
 * false at the end; *too_long when the line passes FA_ENRICH_MAX_LINE
 * (the line is skipped to its end), *nul when it holds a NUL byte. */
bool fa_enrich_next_line(struct lines *l, const char **s, size_t *n, bool *too_long,
			 bool *nul);
