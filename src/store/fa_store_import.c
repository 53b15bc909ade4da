/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bootstrap import: the rows of a registry export are streamed with one
 * COPY into a temporary table (memory stays bounded whatever the file's
 * size), then a few set-based statements find the duplicates, upsert
 * domains and hosts and store the rejects, all in one database
 * transaction under the ingest lock.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_name.h"
#include "common/fa_time.h"
#include "import/fa_import.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

/* Kinds of staged rows: domain, host, malformed row, duplicate. */
#define K_DOMAIN "d"
#define K_HOST "h"
#define K_BAD "r"
#define K_DUP "u"

struct fa_store_import {
	struct fa_store *store;
	struct fa_store_buf buf;	/* COPY text not sent yet */
	struct fa_store_buf tmp;
	bool in_txn;
	bool in_copy;
};

static const char setup_sql[] =
	"BEGIN; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; "
	"SELECT pg_advisory_xact_lock(" FA_STORE_INGEST_LOCK_KEY "); "
	"CREATE TEMP TABLE import_rows ("
	" kind text NOT NULL, line bigint NOT NULL, off bigint NOT NULL,"
	" name text COLLATE \"C\", registrar text, registrant text,"
	" created timestamptz, ns text[], statuses text[], addrs text[],"
	" cands text[], reason text, excerpt text) ON COMMIT DROP";

/* The state of a staged domain s equals the stored row d. */
#define DOMAIN_SAME \
	"(NOT d.deleted AND d.registrar IS NOT DISTINCT FROM s.registrar AND " \
	"d.registrant IS NOT DISTINCT FROM s.registrant AND " \
	"d.created IS NOT DISTINCT FROM s.created AND d.ns = s.ns AND " \
	"d.statuses = s.statuses)"

#define HOST_SAME \
	"(NOT d.deleted AND d.registrar IS NOT DISTINCT FROM s.registrar AND " \
	"d.addrs = s.addrs AND d.statuses = s.statuses AND " \
	"d.superordinate IS NOT DISTINCT FROM s.superordinate)"

static int command(struct fa_store_import *imp, const char *sql, int nparams,
		   const char *const *params, const char *what, uint64_t *rows,
		   char *err, size_t errlen)
{
	PGconn *conn = imp->store->conn;
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_COMMAND_OK, conn, what, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	if (rows != NULL) {
		*rows = strtoull(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return FA_OK;
}

/* A query of one row of counters. */
static int counts(struct fa_store_import *imp, const char *sql, int nparams,
		  const char *const *params, uint64_t *out, int nout,
		  const char *what, char *err, size_t errlen)
{
	PGconn *conn = imp->store->conn;
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_TUPLES_OK, conn, what, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	for (int i = 0; i < nout; i++) {
		out[i] = PQntuples(res) == 1 ? strtoull(PQgetvalue(res, 0, i), NULL, 10) : 0;
	}
	PQclear(res);
	return FA_OK;
}

int fa_store_import_begin(struct fa_store_import **out, struct fa_store *store,
			  char *err, size_t errlen)
{
	*out = NULL;
	struct fa_store_import *imp = calloc(1, sizeof(*imp));
	if (imp == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	imp->store = store;

	/* The staged rows of a large file (about 330 MB for a million rows)
	 * spilled from the default 8 MB of temporary buffers to disk; more
	 * made a million-row import a quarter faster. It is a limit, taken
	 * only as used, and only settable before the session's first
	 * temporary table: when that is past, the default stays. */
	PGconn *conn = store->conn;
	PQclear(PQexec(conn, "SET temp_buffers = '256MB'"));

	PGresult *res = PQexec(conn, setup_sql);
	imp->in_txn = true;
	int rc = fa_store_check(res, PGRES_COMMAND_OK, conn,
				"could not prepare the import", err, errlen);
	if (rc != FA_OK) {
		fa_store_import_free(imp);
		return rc;
	}
	PQclear(res);

	res = PQexec(conn, "COPY import_rows FROM STDIN");
	rc = fa_store_check(res, PGRES_COPY_IN, conn, "could not start COPY", err,
			    errlen);
	if (rc != FA_OK) {
		fa_store_import_free(imp);
		return rc;
	}
	PQclear(res);
	imp->in_copy = true;
	*out = imp;
	return FA_OK;
}

static int flush(struct fa_store_import *imp, bool all, char *err, size_t errlen)
{
	if (imp->buf.len == 0 || (!all && imp->buf.len < FA_STORE_COPY_CHUNK)) {
		return FA_OK;
	}
	if (PQputCopyData(imp->store->conn, imp->buf.data, (int)imp->buf.len) != 1) {
		fa_store_pqerr(err, errlen, imp->store->conn, "could not send COPY data");
		return FA_EDB;
	}
	imp->buf.len = 0;
	return FA_OK;
}

static int put_list(struct fa_store_import *imp, const char *const *v, size_t n)
{
	imp->tmp.len = 0;
	int rc = fa_store_array_write(&imp->tmp, v, n);
	return rc ? rc : fa_store_copy_field(&imp->buf, imp->tmp.data, '\t');
}

static int put_num(struct fa_store_buf *b, uint64_t v)
{
	char num[32];
	snprintf(num, sizeof(num), "%" PRIu64, v);
	return fa_store_copy_field(b, num, '\t');
}

int fa_store_import_add_row(struct fa_store_import *imp,
			    const struct fa_import_row *row, char *err,
			    size_t errlen)
{
	struct fa_store_buf *b = &imp->buf;
	bool dom = row->type == FA_IMPORT_DOMAIN;
	char tb[FA_TIME_BUFSZ];
	const char *cands[FA_NAME_MAX / 2 + 1];
	size_t ncands = dom ? 0 : fa_import_suffixes(row->name, cands,
						      sizeof(cands) / sizeof(cands[0]));

	int rc = fa_store_copy_field(b, dom ? K_DOMAIN : K_HOST, '\t');
	rc = rc ? rc : put_num(b, row->line);
	rc = rc ? rc : put_num(b, row->offset);
	rc = rc ? rc : fa_store_copy_field(b, row->name, '\t');
	rc = rc ? rc : fa_store_copy_field(b, row->registrar, '\t');
	rc = rc ? rc : fa_store_copy_field(b, row->registrant, '\t');
	rc = rc ? rc : fa_store_copy_field(b, dom ? fa_time_format(row->created_us, tb,
								   sizeof(tb)) : NULL, '\t');
	rc = rc ? rc : put_list(imp, row->ns, row->nns);
	rc = rc ? rc : put_list(imp, row->statuses, row->nstatuses);
	rc = rc ? rc : put_list(imp, row->addrs, row->naddrs);
	rc = rc ? rc : (dom ? fa_store_copy_field(b, NULL, '\t')
			    : put_list(imp, cands, ncands));
	rc = rc ? rc : fa_store_copy_field(b, NULL, '\t');
	/* Kept for the reject should a later row name the object again. */
	rc = rc ? rc : fa_store_copy_field(b, row->excerpt, '\n');
	if (rc != FA_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return flush(imp, false, err, errlen);
}

int fa_store_import_add_reject(struct fa_store_import *imp, uint64_t line,
			       uint64_t offset, const char *reason,
			       const char *excerpt, char *err, size_t errlen)
{
	struct fa_store_buf *b = &imp->buf;
	int rc = fa_store_copy_field(b, K_BAD, '\t');
	rc = rc ? rc : put_num(b, line);
	rc = rc ? rc : put_num(b, offset);
	for (int i = 0; rc == FA_OK && i < 8; i++) {
		rc = fa_store_copy_field(b, NULL, '\t');
	}
	rc = rc ? rc : fa_store_copy_field(b, reason, '\t');
	rc = rc ? rc : fa_store_copy_field(b, excerpt, '\n');
	if (rc != FA_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return flush(imp, false, err, errlen);
}

static int end_copy(struct fa_store_import *imp, char *err, size_t errlen)
{
	PGconn *conn = imp->store->conn;
	int rc = flush(imp, true, err, errlen);
	imp->in_copy = false;
	if (rc != FA_OK) {
		return rc;
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		fa_store_pqerr(err, errlen, conn, "could not end COPY");
		return FA_EDB;
	}
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		if (rc == FA_OK) {
			rc = fa_store_check(res, PGRES_COMMAND_OK, conn,
					    "could not stage the import", err, errlen);
			if (rc == FA_OK) {
				PQclear(res);
			}
		} else {
			PQclear(res);
		}
	}
	return rc;
}

/* The later rows of a name given twice (per type) become rejects, and
 * the caller hears of each, in line order. */
static int duplicates(struct fa_store_import *imp, fa_store_import_dup_fn dup,
		      void *arg, struct fa_store_import_stats *st, char *err,
		      size_t errlen)
{
	int rc = command(imp,
		"UPDATE import_rows AS r SET kind = '" K_DUP "', "
		"reason = 'duplicate of line ' || f.first "
		"FROM (SELECT line, min(line) OVER (PARTITION BY kind, name) AS first "
		"      FROM import_rows WHERE (kind, name) IN ("
		"       SELECT kind, name FROM import_rows "
		"       WHERE kind IN ('" K_DOMAIN "', '" K_HOST "') "
		"       GROUP BY kind, name HAVING count(*) > 1)) AS f "
		"WHERE r.line = f.line AND f.line <> f.first",
		0, NULL, "could not find duplicate rows", &st->duplicates, err, errlen);
	if (rc != FA_OK || st->duplicates == 0 || dup == NULL) {
		return rc;
	}

	/* Streamed, one row at a time when libpq can (a file given twice
	 * over has as many duplicates as rows); whole otherwise. */
	PGconn *conn = imp->store->conn;
	if (PQsendQuery(conn, "SELECT line, reason FROM import_rows "
			"WHERE kind = '" K_DUP "' ORDER BY line") != 1) {
		fa_store_pqerr(err, errlen, conn, "could not read duplicate rows");
		return FA_EDB;
	}
	(void)PQsetSingleRowMode(conn);
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType s = PQresultStatus(res);
		if (rc == FA_OK && (s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK)) {
			for (int i = 0; i < PQntuples(res); i++) {
				dup(arg, strtoull(PQgetvalue(res, i, 0), NULL, 10),
				    PQgetvalue(res, i, 1));
			}
		} else if (rc == FA_OK) {
			rc = fa_store_check(res, PGRES_TUPLES_OK, conn,
					    "could not read duplicate rows", err, errlen);
			continue;	/* cleared by the check */
		}
		PQclear(res);
	}
	return rc;
}

static int domains(struct fa_store_import *imp, const char *asof,
		   struct fa_store_import_stats *st, char *err, size_t errlen)
{
	const char *params[1] = { asof };
	uint64_t c[4];
	int rc = counts(imp,
		"SELECT count(*), count(*) FILTER (WHERE d.name IS NULL), "
		"count(*) FILTER (WHERE d.updated > $1), "
		"count(*) FILTER (WHERE d.updated <= $1 AND " DOMAIN_SAME ") "
		"FROM import_rows AS s LEFT JOIN domains AS d ON d.name = s.name "
		"WHERE s.kind = '" K_DOMAIN "'",
		1, params, c, 4, "could not compare with \"domains\"", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	st->domains_new = c[1];
	st->kept_newer += c[2];
	st->domains_same = c[3];
	st->domains_changed = c[0] - c[1] - c[2] - c[3];

	/* Changed rows, then new ones: an upsert (INSERT ... ON CONFLICT)
	 * cost twice as much, a speculative insertion per row. Nobody else
	 * adds rows meanwhile: the ingest lock is held. New rows go in name
	 * order, which keeps the index insertions local. */
	rc = command(imp,
		"UPDATE domains AS d SET registrar = s.registrar, "
		"registrant = s.registrant, created = s.created, ns = s.ns, "
		"statuses = s.statuses, deleted = false, updated = $1 "
		"FROM import_rows AS s WHERE s.kind = '" K_DOMAIN "' AND d.name = s.name "
		"AND d.updated <= $1 AND NOT " DOMAIN_SAME,
		1, params, "could not write \"domains\"", NULL, err, errlen);
	return rc ? rc : command(imp,
		"INSERT INTO domains (name, registrar, registrant, created, ns, "
		"statuses, updated) "
		"SELECT name, registrar, registrant, created, ns, statuses, $1 "
		"FROM import_rows AS s WHERE s.kind = '" K_DOMAIN "' AND NOT EXISTS "
		"(SELECT 1 FROM domains AS d WHERE d.name = s.name) ORDER BY name",
		1, params, "could not write \"domains\"", NULL, err, errlen);
}

/* Hosts after domains: the superordinate domain of a host is the longest
 * of its candidate names (itself, then its parents) that is a domain not
 * deleted, in the file or stored before. */
static int hosts(struct fa_store_import *imp, const char *asof,
		 struct fa_store_import_stats *st, char *err, size_t errlen)
{
	const char *params[1] = { asof };
	int rc = command(imp,
		"CREATE TEMP TABLE import_hosts ON COMMIT DROP AS "
		"SELECT s.name, s.registrar, s.addrs, s.statuses, "
		"p.name AS superordinate "
		"FROM import_rows AS s LEFT JOIN ("
		" SELECT DISTINCT ON (h.line) h.line, d.name "
		" FROM import_rows AS h "
		" CROSS JOIN LATERAL unnest(h.cands) WITH ORDINALITY AS c(n, i) "
		" JOIN domains AS d ON d.name = c.n "
		" WHERE h.kind = '" K_HOST "' AND NOT d.deleted "
		" ORDER BY h.line, c.i) AS p ON p.line = s.line "
		"WHERE s.kind = '" K_HOST "'",
		0, NULL, "could not find superordinate domains", NULL, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}

	uint64_t c[4];
	rc = counts(imp,
		"SELECT count(*), count(*) FILTER (WHERE d.name IS NULL), "
		"count(*) FILTER (WHERE d.updated > $1), "
		"count(*) FILTER (WHERE d.updated <= $1 AND " HOST_SAME ") "
		"FROM import_hosts AS s LEFT JOIN hosts AS d ON d.name = s.name",
		1, params, c, 4, "could not compare with \"hosts\"", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	st->hosts_new = c[1];
	st->kept_newer += c[2];
	st->hosts_same = c[3];
	st->hosts_changed = c[0] - c[1] - c[2] - c[3];

	rc = command(imp,
		"UPDATE hosts AS d SET registrar = s.registrar, addrs = s.addrs, "
		"statuses = s.statuses, superordinate = s.superordinate, "
		"deleted = false, updated = $1 "
		"FROM import_hosts AS s WHERE d.name = s.name "
		"AND d.updated <= $1 AND NOT " HOST_SAME,
		1, params, "could not write \"hosts\"", NULL, err, errlen);
	return rc ? rc : command(imp,
		"INSERT INTO hosts (name, registrar, addrs, statuses, superordinate, "
		"updated) "
		"SELECT name, registrar, addrs, statuses, superordinate, $1 "
		"FROM import_hosts AS s WHERE NOT EXISTS "
		"(SELECT 1 FROM hosts AS d WHERE d.name = s.name) ORDER BY name",
		1, params, "could not write \"hosts\"", NULL, err, errlen);
}

static int rejects(struct fa_store_import *imp, const char *source,
		   const char *identity, struct fa_store_import_stats *st, char *err,
		   size_t errlen)
{
	const char *params[2] = { source, identity };
	uint64_t n;
	int rc = counts(imp, "SELECT count(*) FROM import_rows WHERE kind IN ('"
			K_BAD "', '" K_DUP "')", 0, NULL, &n, 1,
			"could not count rejects", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	st->rejects = n;
	return command(imp,
		"INSERT INTO rejects (source, source_identity, source_offset, reason, "
		"excerpt) "
		"SELECT $1, $2, off, 'line ' || line || ': ' || reason, excerpt "
		"FROM import_rows WHERE kind IN ('" K_BAD "', '" K_DUP "') ORDER BY line "
		"ON CONFLICT (source_identity, source_offset) DO NOTHING",
		2, params, "could not write \"rejects\"", &st->rejects_new, err, errlen);
}

int fa_store_import_commit(struct fa_store_import *imp, const char *source,
			   const char *identity, int64_t as_of_us,
			   fa_store_import_dup_fn dup, void *arg,
			   struct fa_store_import_stats *stats, char *err,
			   size_t errlen)
{
	struct fa_store_import_stats st = { 0 };
	char asof[FA_TIME_BUFSZ];
	fa_time_format(as_of_us, asof, sizeof(asof));

	int rc = end_copy(imp, err, errlen);
	/* Planned with its real size: the joins below hash the staged rows
	 * instead of probing the index once per row. */
	rc = rc ? rc : command(imp, "ANALYZE import_rows", 0, NULL,
			       "could not analyze the staged rows", NULL, err, errlen);
	rc = rc ? rc : duplicates(imp, dup, arg, &st, err, errlen);
	rc = rc ? rc : domains(imp, asof, &st, err, errlen);
	rc = rc ? rc : hosts(imp, asof, &st, err, errlen);
	rc = rc ? rc : rejects(imp, source, identity, &st, err, errlen);
	rc = rc ? rc : command(imp, "COMMIT", 0, NULL, "could not commit the import",
			       NULL, err, errlen);
	if (rc == FA_OK) {
		imp->in_txn = false;
		*stats = st;
	}
	return rc;
}

void fa_store_import_free(struct fa_store_import *imp)
{
	if (imp == NULL) {
		return;
	}
	PGconn *conn = imp->store->conn;
	if (imp->in_copy) {
		PQputCopyEnd(conn, "import abandoned");
		PGresult *res;
		while ((res = PQgetResult(conn)) != NULL) {
			PQclear(res);
		}
	}
	if (imp->in_txn) {
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	fa_store_buf_free(&imp->buf);
	fa_store_buf_free(&imp->tmp);
	free(imp);
}
