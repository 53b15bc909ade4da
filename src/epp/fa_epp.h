/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_epp.h
 * @brief Reading EPP transaction logs into normalized transactions.
 *
 * Three input shapes are accepted, detected from the first bytes:
 *  - the fluxaudit log envelope (docs/epp-log-format.md);
 *  - raw RFC 5734 streams: 4-byte big-endian total length, then the XML
 *    frame; the login frame names the registrar and each command pairs
 *    with the response that follows it;
 *  - a single EPP frame, one XML document per file.
 *
 * The reader never fetches anything from the network, never loads a DTD
 * and never expands entities: a frame carrying a DOCTYPE is refused.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/fa_err.h"
#include "model/fa_event.h"

#define FA_EPP_MAX_FRAME_DEFAULT (1024 * 1024)

enum fa_epp_format {
	FA_EPP_AUTO = 0,
	FA_EPP_ENVELOPE,
	FA_EPP_RFC5734,
	FA_EPP_FRAME,
};

struct fa_epp_opts {
	size_t max_frame;	 /**< largest frame accepted; 0 = default */
	enum fa_epp_format format; /**< FA_EPP_AUTO to detect */
	int64_t default_time_us; /**< time for records without one (raw
				      streams, single frames); 0 = the file's
				      modification time */
};

struct fa_epp_reader;

/**
 * @brief Open a file for reading transactions.
 * @param[out] out the reader, to free with fa_epp_reader_free
 * @param[in] path file name, kept (copied) for positions and rejects
 * @param[in] opts options, NULL for defaults
 * @param[in] start_offset byte offset to resume from (a checkpoint), 0 for
 *            the start; must be a record boundary that the reader gave
 * @param[out] err message naming the file and reason when it fails
 * @return FA_OK, FA_EIO (file unreadable), FA_ENOMEM
 */
int fa_epp_reader_open(struct fa_epp_reader **out, const char *path,
		       const struct fa_epp_opts *opts, uint64_t start_offset,
		       char *err, size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Read from memory instead of a file (tests, fuzzing). The buffer is
 *        borrowed and must outlive the reader. name is used in positions.
 */
int fa_epp_reader_open_mem(struct fa_epp_reader **out, const char *name,
			   const void *data, size_t len,
			   const struct fa_epp_opts *opts) FA_WARN_UNUSED;

/**
 * @brief Read the next transaction.
 * @param[in] r reader
 * @param[in,out] txn reset and filled on FA_OK (caller owns it; init it once
 *                with fa_txn_init)
 * @param[out] rej filled when a record is refused; its strings stay valid
 *             until the next call
 * @return FA_OK (txn filled), FA_EOF (no more input), FA_EPARSE,
 *         FA_EREFUSED or FA_ELIMIT (rej filled; reading can go on with the
 *         next record), FA_EIO or FA_ENOMEM (fatal; stop reading)
 */
int fa_epp_reader_next(struct fa_epp_reader *r, struct fa_txn *txn,
		       struct fa_reject *rej) FA_WARN_UNUSED;

/** @brief Byte offset just past the last record returned or rejected. */
uint64_t fa_epp_reader_offset(const struct fa_epp_reader *r);

/**
 * @brief Whether the input ends inside a record that the reader stopped
 *        before: an envelope record or raw frame whose lengths run past
 *        the end with nothing after it, a header line without its line
 *        end, or a raw command still waiting for its response. Such a
 *        tail is no reject: fa_epp_reader_next returns FA_EOF and
 *        fa_epp_reader_offset stays at the tail's start, so that a log
 *        that is still being written is read whole once it has grown.
 * @param[in] r reader, after fa_epp_reader_next returned FA_EOF
 * @param[out] offset where the incomplete record starts (set when true)
 * @param[out] len its bytes present so far (set when true)
 * @return true when the input ends in such a record, else false
 */
bool fa_epp_reader_tail(const struct fa_epp_reader *r, uint64_t *offset,
			uint64_t *len);

/**
 * @brief Identity of the input for checkpoints: "sha256:" and the hex
 *        SHA-256 of its first 4096 bytes (so an appended log keeps its
 *        identity). Borrowed from the reader.
 */
const char *fa_epp_reader_identity(const struct fa_epp_reader *r);

/** @brief The format that was detected or forced. */
enum fa_epp_format fa_epp_reader_format(const struct fa_epp_reader *r);

/** @brief Close the file and release the reader; NULL is fine. */
void fa_epp_reader_free(struct fa_epp_reader *r);

/**
 * @brief Write one transaction as a single-line JSON object followed by a
 *        newline (the format of `fluxaudit parse epp`, see docs/).
 */
void fa_epp_txn_write_json(FILE *out, const struct fa_txn *txn);

/** @brief Write one reject as a single-line JSON object and a newline. */
void fa_epp_reject_write_json(FILE *out, const struct fa_reject *rej);
