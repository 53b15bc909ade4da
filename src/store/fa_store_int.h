/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_store_int.h
 * @brief Private helpers of the store module: the handle, a growable text
 *        buffer, COPY text encoding and small libpq wrappers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/fa_err.h"

struct fa_store {
	PGconn *conn;
	bool temp_ready;	/**< the staging tables exist in this session */
};

/** Growable byte buffer; the limit bounds what one batch may stage. */
struct fa_store_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Fixed key of the transaction-level advisory lock that serializes the
 * writers of the state tables (batch ingest, bootstrap import), so that
 * their read-modify-write of state rows never interleaves. */
#define FA_STORE_INGEST_LOCK_KEY "113723580951912"

/* Upper bound of one staged COPY buffer: a batch that grows past it is
 * sent in pieces, so this only limits memory, never correctness. */
#define FA_STORE_COPY_CHUNK (1024 * 1024)

int fa_store_buf_reserve(struct fa_store_buf *b, size_t more) FA_WARN_UNUSED;
int fa_store_buf_put(struct fa_store_buf *b, const char *s,
		     size_t n) FA_WARN_UNUSED;
int fa_store_buf_puts(struct fa_store_buf *b, const char *s) FA_WARN_UNUSED;
int fa_store_buf_printf(struct fa_store_buf *b, const char *fmt, ...)
	FA_PRINTF(2, 3) FA_WARN_UNUSED;
void fa_store_buf_free(struct fa_store_buf *b);

/**
 * @brief Append s as one COPY text-format field (NULL becomes \N),
 *        followed by sep ('\t' or '\n').
 */
int fa_store_copy_field(struct fa_store_buf *b, const char *s,
			char sep) FA_WARN_UNUSED;

/** @brief Append a text[] literal of n strings (quoted as needed). */
int fa_store_array_write(struct fa_store_buf *b, const char *const *v,
			 size_t n) FA_WARN_UNUSED;

/** @brief Format the libpq error of conn (one line) into err. */
void fa_store_pqerr(char *err, size_t errlen, PGconn *conn, const char *what);

/** @brief Run a statement without parameters that returns no rows. */
int fa_store_exec(struct fa_store *store, const char *sql, char *err,
		  size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Run COPY ... FROM STDIN with the given data.
 * @param[out] rows rows copied, or NULL
 */
int fa_store_copy_in(struct fa_store *store, const char *sql,
		     const struct fa_store_buf *data, uint64_t *rows, char *err,
		     size_t errlen) FA_WARN_UNUSED;

/**
 * @brief Check that res has the expected status; otherwise format the
 *        reason into err and clear res.
 * @return FA_OK or FA_EDB
 */
int fa_store_check(PGresult *res, ExecStatusType want, PGconn *conn,
		   const char *what, char *err, size_t errlen) FA_WARN_UNUSED;

/* ---- string-keyed hash map, memory from an arena ---- */

struct fa_arena;

struct fa_store_map {
	struct fa_arena *arena;
	const char **keys;
	void **vals;
	size_t cap;		/**< power of two, 0 when empty */
	size_t len;
};

/** @brief Start an empty map allocating from arena. */
void fa_store_map_init(struct fa_store_map *m, struct fa_arena *arena);

/** @brief The value stored under key, or NULL. */
void *fa_store_map_get(const struct fa_store_map *m, const char *key);

/**
 * @brief Store val under key (the key pointer is kept, not copied).
 * @return FA_OK or FA_ENOMEM
 */
int fa_store_map_put(struct fa_store_map *m, const char *key,
		     void *val) FA_WARN_UNUSED;

/* ---- a small JSON reader for event details ---- */

enum fa_store_jtype {
	FA_STORE_JNULL,
	FA_STORE_JBOOL,
	FA_STORE_JNUM,
	FA_STORE_JSTR,
	FA_STORE_JARR,
	FA_STORE_JOBJ,
};

/** A parsed JSON value; strings are decoded, numbers kept as text. */
struct fa_store_json {
	enum fa_store_jtype type;
	const char *str;	/**< string, number text, "true"/"false" */
	size_t n;		/**< members or items */
	const char **keys;	/**< object member names */
	struct fa_store_json **items;
};

/**
 * @brief Parse JSON text into a tree allocated from arena. Nesting and
 *        size are bounded; trailing garbage is an error.
 * @return the value, or NULL when the text is not valid JSON or memory ran out
 */
struct fa_store_json *fa_store_json_parse(struct fa_arena *arena,
					  const char *text);

/** @brief Member key of an object, or NULL (also when v is no object). */
const struct fa_store_json *fa_store_json_get(const struct fa_store_json *v,
					      const char *key);

/** @brief Write v as compact JSON text. */
int fa_store_json_write(struct fa_store_buf *b,
			const struct fa_store_json *v) FA_WARN_UNUSED;

/* ---- the queued contents of a batch ---- */

#include "model/fa_event.h"

struct fa_store_bevent {
	enum fa_event_kind kind;
	const char *domain;
	const char *host;
	const char *contact;
	const char *value;
	const char *detail;
};

struct fa_store_btxn {
	int64_t time_us;
	const char *registrar;
	const char *src_addr;
	const char *session;
	const char *cltrid;
	const char *svtrid;
	const char *command;
	const char *result_msg;
	int result_code;
	bool has_response;
	bool is_new;		/**< set by the commit: not stored before */
	char key[72];
	const char *source;
	uint64_t offset;
	struct fa_store_bevent *events;
	size_t nevents;
	/* Its COPY lines for txns and events, made when it was queued (in
	 * the reader's thread) as spans of the batch's text buffers. */
	size_t txn_off;
	size_t txn_len;
	size_t ev_off;
	size_t ev_len;
};

/** @brief True when a transaction's result lets it change state. */
static inline bool fa_store_txn_applies(const struct fa_store_btxn *t)
{
	return t->has_response && (t->result_code == 1000 || t->result_code == 1001);
}

/**
 * @brief Apply the state changes of the new, successful transactions of a
 *        batch (in order) to domains, hosts and contacts, inside the open
 *        database transaction: load the affected rows, change them in
 *        memory, write them back with COPY and one upsert per table.
 * @param[in] arena scratch memory, released by the caller
 * @return FA_OK, FA_EDB or FA_ENOMEM
 */
int fa_store_state_apply(struct fa_store *store, struct fa_arena *arena,
			 const struct fa_store_btxn *txns, size_t n,
			 struct fa_store_buf *buf, char *err,
			 size_t errlen) FA_WARN_UNUSED;
