/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_import.h
 * @brief Reader of the bootstrap CSV (docs/bootstrap.md): the current
 *        domains and hosts of a registry, one validated row at a time.
 *
 * The file is RFC 4180 CSV with the header
 * "type,name,registrar,registrant,created,ns,statuses,addrs". Each row is
 * checked with the rules the EPP reader applies (names, addresses and the
 * glue rule, client ids, RFC 5731/5732 status tokens); a row that breaks
 * one is returned as a reject with its line, byte offset and reason, and
 * reading goes on with the next line. No database is involved here.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

/** Longest line (row) in bytes, without its line end. */
#define FA_IMPORT_MAX_LINE 65536
/** Columns of every row. */
#define FA_IMPORT_FIELDS 8
/** Most name servers of one domain. */
#define FA_IMPORT_MAX_NS 13
/** Most addresses of one host. */
#define FA_IMPORT_MAX_ADDRS 16
/** Most status tokens in one row (before duplicates are dropped). */
#define FA_IMPORT_MAX_STATUSES 32
/** Longest excerpt of a rejected row kept with the reject, in bytes. */
#define FA_IMPORT_MAX_EXCERPT 512

/** The header line, as documented. */
#define FA_IMPORT_HEADER "type,name,registrar,registrant,created,ns,statuses,addrs"

/** as_of_us of fa_import_reader_open: the file's modification time. */
#define FA_IMPORT_AS_OF_MTIME INT64_MIN

/** What a row describes. */
enum fa_import_type {
	FA_IMPORT_DOMAIN = 1,
	FA_IMPORT_HOST = 2,
};

/**
 * One valid row. Strings are normalized (names lower case without the
 * trailing dot, addresses as inet_ntop() prints them); lists are sorted
 * byte-wise without duplicates. Everything is owned by the reader and
 * valid until its next call.
 */
struct fa_import_row {
	enum fa_import_type type;
	uint64_t line;		/**< 1-based line number (the header is 1) */
	uint64_t offset;	/**< byte offset of the line in the file */
	const char *name;
	const char *registrar;
	const char *registrant;	/**< domain only; NULL when empty */
	int64_t created_us;	/**< domain only: creation time */
	const char *ns[FA_IMPORT_MAX_NS];
	size_t nns;
	const char *statuses[FA_IMPORT_MAX_STATUSES];
	size_t nstatuses;
	const char *addrs[FA_IMPORT_MAX_ADDRS];
	size_t naddrs;
	const char *excerpt;	/**< the line as read, bounded, printable */
};

/** A row that was refused. Strings are owned by the reader. */
struct fa_import_reject {
	uint64_t line;
	uint64_t offset;
	const char *reason;	/**< one line, without the "line N: " prefix */
	const char *excerpt;	/**< the line as read, bounded, printable */
};

struct fa_import_reader;

/**
 * @brief Open a bootstrap file and check its header.
 * @param[out] out the reader, to free with fa_import_reader_free
 * @param[in] path the file
 * @param[in] as_of_us the time the export was taken (a creation date after
 *            it makes a row invalid), or FA_IMPORT_AS_OF_MTIME for the
 *            file's modification time
 * @param[out] err reason on failure, naming the file
 * @return FA_OK, FA_EIO (cannot open or read), FA_EPARSE (the file is
 *         empty or its first line is not the header: nothing may be
 *         imported from it) or FA_ENOMEM
 */
int fa_import_reader_open(struct fa_import_reader **out, const char *path,
			  int64_t as_of_us, char *err,
			  size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Like fa_import_reader_open, over bytes in memory (for tests and
 *        fuzzing). The data is borrowed and must outlive the reader.
 */
int fa_import_reader_open_mem(struct fa_import_reader **out, const char *data,
			      size_t len, int64_t as_of_us, char *err,
			      size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Read the next row. Empty lines are skipped.
 * @param[in] r the reader
 * @param[out] row filled on FA_OK
 * @param[out] rej filled on FA_EPARSE, and its reason on FA_EIO
 * @return FA_OK (a valid row), FA_EPARSE (a refused row; reading may go
 *         on), FA_EOF (end of file) or FA_EIO (the file could not be read
 *         on; stop)
 */
int fa_import_reader_next(struct fa_import_reader *r, struct fa_import_row *row,
			  struct fa_import_reject *rej) FA_WARN_UNUSED;

/**
 * @brief The identity of the file: "import:sha256:" and the hex SHA-256 of
 *        everything read, so complete once fa_import_reader_next returned
 *        FA_EOF. Owned by the reader.
 */
const char *fa_import_reader_identity(struct fa_import_reader *r);

/**
 * @brief The export time the reader checks creation dates against (as
 *        given, or the file's modification time), microseconds since the
 *        epoch.
 */
int64_t fa_import_reader_as_of(const struct fa_import_reader *r);

/** @brief Bytes read so far. */
uint64_t fa_import_reader_offset(const struct fa_import_reader *r);

/** @brief Close and free; NULL is fine. */
void fa_import_reader_free(struct fa_import_reader *r);

/**
 * @brief The superordinate candidates of a host name: the name itself and
 *        each of its parent names, longest first ("a.b.ee", "b.ee", "ee").
 * @param[in] name a normalized host name
 * @param[out] out up to max pointers into name
 * @return the number of candidates written
 */
size_t fa_import_suffixes(const char *name, const char **out, size_t max);
