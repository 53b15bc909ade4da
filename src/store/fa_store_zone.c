/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Zone ingest: stage what the zone module reports in a temporary table,
 * then turn it into events, model updates and a snapshot row with a few
 * set-based statements, all in one database transaction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_time.h"
#include "store/fa_store_int.h"
#include "store/fa_store_zone.h"

struct fa_store_zone {
	struct fa_store *store;
	char *zone;
	struct fa_store_buf buf;	/* staged rows not yet sent */
	uint64_t seq;			/* rows staged so far */
	bool open;			/* the database transaction is open */
};

static const char stage_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS fa_zone_stage ("
	" seq bigint NOT NULL, kind text COLLATE \"C\" NOT NULL,"
	" name text COLLATE \"C\" NOT NULL, rrtype text NOT NULL,"
	" value text COLLATE \"C\" NOT NULL, old_value text, ttl bigint NOT NULL);"
	"TRUNCATE fa_zone_stage";

/* Indexes for the lookups of the commit statements, built once the rows
 * are in (cheaper than keeping them up during COPY), and memory for the
 * sorts and hashes of a large baseline. */
static const char stage_index_sql[] =
	"CREATE INDEX IF NOT EXISTS fa_zone_stage_name ON fa_zone_stage (name);"
	"CREATE INDEX IF NOT EXISTS fa_zone_stage_value ON fa_zone_stage (value);"
	"ANALYZE fa_zone_stage;"
	"SET LOCAL work_mem = '256MB'";

bool fa_store_zone_serial_newer(uint32_t a, uint32_t b)
{
	/* RFC 1982 section 3.2, with SERIAL_BITS = 32. */
	return (a < b && b - a > UINT32_C(0x80000000)) ||
	       (a > b && a - b < UINT32_C(0x80000000));
}

static int query(struct fa_store_zone *zi, const char *sql, int n,
		 const char *const *params, ExecStatusType want,
		 PGresult **out, const char *what, char *err, size_t errlen)
{
	PGconn *conn = zi->store->conn;
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, want, conn, what, err, errlen);

	if (rc != FA_OK) {
		return rc;
	}
	if (out != NULL) {
		*out = res;
	} else {
		PQclear(res);
	}
	return FA_OK;
}

static int read_last(struct fa_store_zone *zi, struct fa_store_zone_last *last,
		     char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT serial, (SELECT count(*) FROM zone_records WHERE zone = $1)"
		" FROM zone_snapshots WHERE zone = $1 ORDER BY id DESC LIMIT 1";
	const char *p[] = { zi->zone };
	PGresult *res;
	int rc = query(zi, sql, 1, p, PGRES_TUPLES_OK, &res,
		       "could not read the zone's last snapshot", err, errlen);

	if (rc != FA_OK) {
		return rc;
	}
	memset(last, 0, sizeof(*last));
	if (PQntuples(res) == 1) {
		last->found = true;
		last->serial = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		last->records = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return FA_OK;
}

int fa_store_zone_begin(struct fa_store_zone **out, struct fa_store *store,
			const char *zone, struct fa_store_zone_last *last,
			char *err, size_t errlen)
{
	struct fa_store_zone *zi = calloc(1, sizeof(*zi));
	const char *p[] = { zone };
	int rc = FA_ENOMEM;

	*out = NULL;
	if (zi == NULL || (zi->zone = strdup(zone)) == NULL) {
		goto fail;
	}
	zi->store = store;
	rc = fa_store_exec(store, "BEGIN", err, errlen);
	if (rc != FA_OK) {
		goto fail;
	}
	zi->open = true;

	/* One ingest per zone at a time: each diffs against the model the
	 * previous one left. */
	rc = query(zi, "SELECT pg_advisory_xact_lock("
		       "hashtextextended('fluxaudit zone ' || $1, 0))",
		   1, p, PGRES_TUPLES_OK, NULL, "could not lock the zone", err,
		   errlen);
	if (rc == FA_OK) {
		rc = fa_store_exec(store, stage_sql, err, errlen);
	}
	if (rc == FA_OK) {
		rc = read_last(zi, last, err, errlen);
	}
	if (rc != FA_OK) {
		goto fail;
	}
	*out = zi;
	return FA_OK;
fail:
	fa_store_zone_abort(zi);
	return rc;
}

int fa_store_zone_has_serial(struct fa_store_zone *zi, uint32_t serial,
			     bool *seen, char *err, size_t errlen)
{
	char s[16];
	const char *p[] = { zi->zone, s };
	PGresult *res;

	snprintf(s, sizeof(s), "%" PRIu32, serial);
	int rc = query(zi, "SELECT 1 FROM zone_snapshots"
			   " WHERE zone = $1 AND serial = $2",
		       2, p, PGRES_TUPLES_OK, &res,
		       "could not look up the zone serial", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	*seen = PQntuples(res) > 0;
	PQclear(res);
	return FA_OK;
}

/* Absolute presentation name: the stored spelling has no final dot and
 * the root is "". */
static int put_name(FILE *f, const char *name)
{
	return fprintf(f, "%s.", name[0] == '.' && name[1] == '\0' ? "" : name);
}

static int export_row(FILE *f, PGresult *res)
{
	const char *owner = PQgetvalue(res, 0, 0);
	const char *type = PQgetvalue(res, 0, 1);
	const char *ttl = PQgetvalue(res, 0, 2);
	const char *rdata = PQgetvalue(res, 0, 3);

	if (put_name(f, owner) < 0 || fprintf(f, " %s IN %s ", ttl, type) < 0) {
		return FA_EIO;
	}
	if (strcmp(type, "NS") == 0) {
		if (put_name(f, rdata) < 0) {
			return FA_EIO;
		}
	} else if (fputs(rdata, f) < 0) {
		return FA_EIO;
	}
	return fputc('\n', f) < 0 ? FA_EIO : FA_OK;
}

static int export_rows(struct fa_store_zone *zi, FILE *f, uint64_t *n,
		       char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT owner, rrtype, ttl, rdata FROM zone_records WHERE zone = $1";
	PGconn *conn = zi->store->conn;
	const char *p[] = { zi->zone };
	PGresult *res;
	int rc = FA_OK;

	/* Row by row: the model of a large zone does not fit in memory. */
	if (!PQsendQueryParams(conn, sql, 1, NULL, p, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(conn)) {
		fa_store_pqerr(err, errlen, conn, "could not read the zone model");
		return FA_EDB;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (rc == FA_OK && st == PGRES_SINGLE_TUPLE) {
			rc = export_row(f, res);
			if (rc != FA_OK) {
				snprintf(err, errlen, "could not write the zone model: %s",
					 strerror(errno));
			}
			(*n)++;
		} else if (rc == FA_OK && st != PGRES_TUPLES_OK) {
			rc = fa_store_check(res, PGRES_TUPLES_OK, conn,
					    "could not read the zone model", err,
					    errlen);
			continue;	/* fa_store_check cleared res */
		}
		PQclear(res);
	}
	return rc;
}

int fa_store_zone_export(struct fa_store_zone *zi, const char *path,
			 uint32_t serial, uint64_t *nrecords, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "w");
	int rc;

	*nrecords = 0;
	if (f == NULL) {
		snprintf(err, errlen, "could not create \"%s\": %s", path,
			 strerror(errno));
		return FA_EIO;
	}
	/* The SOA only carries the serial; its other fields are not used. */
	if (put_name(f, zi->zone) < 0 ||
	    fprintf(f, " 0 IN SOA . . %" PRIu32 " 0 0 0 0\n", serial) < 0) {
		rc = FA_EIO;
		snprintf(err, errlen, "could not write \"%s\": %s", path,
			 strerror(errno));
		fclose(f);
		return rc;
	}
	rc = export_rows(zi, f, nrecords, err, errlen);
	if (fclose(f) != 0 && rc == FA_OK) {
		snprintf(err, errlen, "could not write \"%s\": %s", path,
			 strerror(errno));
		rc = FA_EIO;
	}
	return rc;
}

static int flush(struct fa_store_zone *zi, char *err, size_t errlen)
{
	int rc;

	if (zi->buf.len == 0) {
		return FA_OK;
	}
	rc = fa_store_copy_in(zi->store, "COPY fa_zone_stage FROM STDIN",
			      &zi->buf, NULL, err, errlen);
	zi->buf.len = 0;
	return rc;
}

static int stage(struct fa_store_zone *zi, const char *kind, const char *name,
		 const char *rrtype, const char *value, const char *old_value,
		 uint32_t ttl, char *err, size_t errlen)
{
	struct fa_store_buf *b = &zi->buf;
	int rc = fa_store_buf_printf(b, "%" PRIu64 "\t", zi->seq++);

	if (rc == FA_OK) {
		rc = fa_store_copy_field(b, kind, '\t');
	}
	if (rc == FA_OK) {
		rc = fa_store_copy_field(b, name, '\t');
	}
	if (rc == FA_OK) {
		rc = fa_store_copy_field(b, rrtype, '\t');
	}
	if (rc == FA_OK) {
		rc = fa_store_copy_field(b, value, '\t');
	}
	if (rc == FA_OK) {
		rc = fa_store_copy_field(b, old_value, '\t');
	}
	if (rc == FA_OK) {
		rc = fa_store_buf_printf(b, "%" PRIu32 "\n", ttl);
	}
	if (rc != FA_OK) {
		snprintf(err, errlen, "out of memory staging zone records");
		return rc;
	}
	return b->len >= FA_STORE_COPY_CHUNK ? flush(zi, err, errlen) : FA_OK;
}

int fa_store_zone_add_record(struct fa_store_zone *zi, const char *owner,
			     const char *rrtype, const char *value,
			     uint32_t ttl, char *err, size_t errlen)
{
	return stage(zi, "record", owner, rrtype, value, NULL, ttl, err, errlen);
}

int fa_store_zone_add_change(struct fa_store_zone *zi, const char *kind,
			     const char *name, const char *rrtype,
			     const char *value, const char *old_value,
			     uint32_t ttl, char *err, size_t errlen)
{
	return stage(zi, kind, name, rrtype, value, old_value, ttl, err, errlen);
}

/*
 * Increments report every A/AAAA below the origin: keep those of hosts
 * that a delegation names, before or after this step.
 */
static const char filter_glue_sql[] =
	"DELETE FROM fa_zone_stage c WHERE c.rrtype IN ('A', 'AAAA')"
	" AND NOT EXISTS (SELECT 1 FROM zone_records z WHERE z.zone = $1"
	"   AND z.rrtype = 'NS' AND z.rdata = c.name)"
	" AND NOT EXISTS (SELECT 1 FROM fa_zone_stage n"
	"   WHERE n.kind = 'ns_add' AND n.value = c.name)";

/*
 * Events. A glue (or glue TTL) change belongs to the host and to the
 * nearest enclosing delegation, known from the model, from this step's
 * new delegations, or from the registry state. Registrar and registrant
 * come from the state that EPP or the bootstrap import gave; unknown ones
 * stay NULL (unattributed).
 */
static const char events_sql[] =
	"WITH ins AS ("
	" INSERT INTO events (ts, txn_key, seq, kind, registrar, domain, host,"
	"   contact, value, detail, source, source_offset)"
	" SELECT $2::timestamptz, $3, row_number() OVER (ORDER BY c.seq),"
	"   'zone.' || c.kind, coalesce(h.registrar, d.registrar), x.dom, x.host,"
	"   d.registrant, nullif(c.value, ''),"
	"   jsonb_strip_nulls(jsonb_build_object('zone', $1::text,"
	"     'serial', $4::bigint, 'rrtype', c.rrtype, 'ttl', c.ttl,"
	"     'old_ttl', c.old_value::bigint)),"
	"   $5, $4::bigint"
	" FROM fa_zone_stage c"
	" CROSS JOIN LATERAL (SELECT c.rrtype IN ('A', 'AAAA') AS is_host) k"
	" LEFT JOIN LATERAL ("
	"   SELECT u.s FROM unnest(fa_name_suffixes(c.name))"
	"     WITH ORDINALITY AS u(s, o)"
	"   WHERE EXISTS (SELECT 1 FROM zone_records z WHERE z.zone = $1"
	"       AND z.owner = u.s AND z.rrtype = 'NS')"
	"     OR EXISTS (SELECT 1 FROM fa_zone_stage n"
	"       WHERE n.kind = 'ns_add' AND n.name = u.s)"
	"     OR EXISTS (SELECT 1 FROM domains dd WHERE dd.name = u.s)"
	"   ORDER BY u.o LIMIT 1) enc ON k.is_host"
	" CROSS JOIN LATERAL (SELECT"
	"   CASE WHEN k.is_host THEN enc.s ELSE c.name END AS dom,"
	"   CASE WHEN k.is_host THEN c.name"
	"     WHEN c.kind IN ('ns_add', 'ns_rem') THEN c.value END AS host) x"
	" LEFT JOIN domains d ON d.name = x.dom"
	" LEFT JOIN hosts h ON k.is_host AND h.name = c.name"
	" WHERE c.kind <> 'record'"
	" RETURNING kind, seq, registrar)"
	" SELECT (SELECT count(*) FROM ins), (SELECT count(registrar) FROM ins),"
	"  (SELECT string_agg(k || ' ' || n, ', ' ORDER BY s)"
	"   FROM (SELECT substr(kind, 6) AS k, count(*) AS n, min(seq) AS s"
	"         FROM ins GROUP BY kind) g)";

/* The model after the step. Removed records go, added ones come (an
 * RRset's TTL is its smallest), changed TTLs apply to the whole RRset, and
 * addresses of hosts no delegation names any more are dropped. */
static const char *const apply_sql[] = {
	"DELETE FROM zone_records z USING fa_zone_stage c"
	" WHERE z.zone = $1 AND c.kind IN ('ns_rem', 'glue_rem', 'ds_rem')"
	" AND z.owner = c.name AND z.rrtype = c.rrtype AND z.rdata = c.value",

	"INSERT INTO zone_records (zone, owner, rrtype, rdata, ttl)"
	" SELECT DISTINCT ON (c.name, c.rrtype, c.value)"
	"   $1, c.name, c.rrtype, c.value, c.ttl"
	" FROM fa_zone_stage c WHERE c.kind IN ('ns_add', 'glue_add', 'ds_add')"
	" ORDER BY c.name, c.rrtype, c.value, c.ttl"
	" ON CONFLICT (zone, owner, rrtype, rdata) DO UPDATE SET ttl = EXCLUDED.ttl",

	"UPDATE zone_records z SET ttl = c.value::bigint FROM fa_zone_stage c"
	" WHERE c.kind = 'ttl_change' AND z.zone = $1 AND z.owner = c.name"
	" AND z.rrtype = c.rrtype",

	"DELETE FROM zone_records z WHERE z.zone = $1"
	" AND z.rrtype IN ('A', 'AAAA')"
	" AND z.owner IN (SELECT c.value FROM fa_zone_stage c"
	"   WHERE c.kind = 'ns_rem')"
	" AND NOT EXISTS (SELECT 1 FROM zone_records n WHERE n.zone = $1"
	"   AND n.rrtype = 'NS' AND n.rdata = z.owner)",
};

/* A baseline: the staged records are the whole model; A/AAAA records
 * are glue only when an NS record names their owner. The glue test is a
 * join of its own: inside an OR it would be a subplan per row, which the
 * planner cannot hash for a large zone. */
static const char baseline_sql[] =
	"INSERT INTO zone_records (zone, owner, rrtype, rdata, ttl)"
	" SELECT DISTINCT ON (m.name, m.rrtype, m.value)"
	"   $1, m.name, m.rrtype, m.value, m.ttl"
	" FROM (SELECT c.name, c.rrtype, c.value, c.ttl FROM fa_zone_stage c"
	"   WHERE c.rrtype IN ('NS', 'DS')"
	"   UNION ALL"
	"   SELECT c.name, c.rrtype, c.value, c.ttl FROM fa_zone_stage c"
	"   WHERE c.rrtype IN ('A', 'AAAA') AND EXISTS (SELECT 1 FROM"
	"     fa_zone_stage n WHERE n.rrtype = 'NS' AND n.value = c.name)) m"
	" ORDER BY m.name, m.rrtype, m.value, m.ttl";

static const char snapshot_sql[] =
	"INSERT INTO zone_snapshots (zone, serial, kind, from_serial, source, ts,"
	"   records, changes)"
	" SELECT $1, $2::bigint, $3, $4::bigint, $5, $6::timestamptz,"
	"   (SELECT count(*) FROM zone_records WHERE zone = $1), $7::bigint";

static int store_events(struct fa_store_zone *zi,
			const struct fa_store_zone_meta *meta, const char *ts,
			const char *serial, struct fa_store_zone_result *res,
			char *err, size_t errlen)
{
	char key[600];
	PGresult *r;
	int rc;

	snprintf(key, sizeof(key), "zone:%s:%s", zi->zone, serial);
	const char *p[] = { zi->zone, ts, key, serial, meta->source };
	const char *tp[] = { key, ts, meta->kind, meta->source, serial };

	rc = query(zi, "SELECT fa_ensure_event_partitions($1, $1)", 1, &ts,
		   PGRES_TUPLES_OK, NULL, "could not create event partitions",
		   err, errlen);
	if (rc == FA_OK) {
		rc = query(zi, "INSERT INTO txns (key, ts, command, source,"
			       " source_offset)"
			       " VALUES ($1, $2, 'zone.' || $3, $4, $5)",
			   5, tp, PGRES_COMMAND_OK, NULL,
			   "could not store the zone transaction", err, errlen);
	}
	if (rc == FA_OK) {
		rc = query(zi, events_sql, 5, p, PGRES_TUPLES_OK, &r,
			   "could not store the zone events", err, errlen);
	}
	if (rc != FA_OK) {
		return rc;
	}
	res->events = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	res->attributed = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	snprintf(res->kinds, sizeof(res->kinds), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	return FA_OK;
}

static int apply_model(struct fa_store_zone *zi, bool baseline, char *err,
		       size_t errlen)
{
	const char *p[] = { zi->zone };
	int rc;

	if (baseline) {
		return query(zi, baseline_sql, 1, p, PGRES_COMMAND_OK, NULL,
			     "could not store the zone model", err, errlen);
	}
	for (size_t i = 0; i < sizeof(apply_sql) / sizeof(apply_sql[0]); i++) {
		rc = query(zi, apply_sql[i], 1, p, PGRES_COMMAND_OK, NULL,
			   "could not update the zone model", err, errlen);
		if (rc != FA_OK) {
			return rc;
		}
	}
	return FA_OK;
}

static int record_snapshot(struct fa_store_zone *zi,
			   const struct fa_store_zone_meta *meta,
			   const char *ts, const char *serial,
			   struct fa_store_zone_result *res, char *err,
			   size_t errlen)
{
	char from[16], changes[24];
	PGresult *r;

	snprintf(from, sizeof(from), "%" PRIu32, meta->from_serial);
	snprintf(changes, sizeof(changes), "%" PRIu64, res->events);
	const char *p[] = { zi->zone, serial, meta->kind,
			    meta->has_from ? from : NULL, meta->source, ts,
			    changes };
	int rc = query(zi, snapshot_sql, 7, p, PGRES_COMMAND_OK, NULL,
		       "could not record the zone snapshot", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	const char *zp[] = { zi->zone };
	rc = query(zi, "SELECT records FROM zone_snapshots WHERE zone = $1"
		       " ORDER BY id DESC LIMIT 1",
		   1, zp, PGRES_TUPLES_OK, &r, "could not count the zone model",
		   err, errlen);
	if (rc == FA_OK) {
		res->records = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	return rc;
}

int fa_store_zone_commit(struct fa_store_zone *zi,
			 const struct fa_store_zone_meta *meta,
			 struct fa_store_zone_result *res, char *err,
			 size_t errlen)
{
	struct fa_store_zone_result local = { 0 };
	bool baseline = strcmp(meta->kind, "baseline") == 0;
	char ts[FA_TIME_BUFSZ], serial[16];
	const char *p[] = { zi->zone };
	int rc;

	if (res == NULL) {
		res = &local;
	}
	memset(res, 0, sizeof(*res));
	fa_time_format(meta->time_us, ts, sizeof(ts));
	snprintf(serial, sizeof(serial), "%" PRIu32, meta->serial);

	rc = flush(zi, err, errlen);
	if (rc == FA_OK) {
		rc = fa_store_exec(zi->store, stage_index_sql, err, errlen);
	}
	if (rc == FA_OK && meta->filter_glue) {
		rc = query(zi, filter_glue_sql, 1, p, PGRES_COMMAND_OK, NULL,
			   "could not select the glue records", err, errlen);
	}
	if (rc == FA_OK && !baseline) {
		rc = store_events(zi, meta, ts, serial, res, err, errlen);
	}
	if (rc == FA_OK) {
		rc = apply_model(zi, baseline, err, errlen);
	}
	if (rc == FA_OK) {
		rc = record_snapshot(zi, meta, ts, serial, res, err, errlen);
	}
	if (rc == FA_OK) {
		rc = fa_store_exec(zi->store, "TRUNCATE fa_zone_stage; COMMIT", err,
				   errlen);
		zi->open = rc != FA_OK;
	}
	fa_store_zone_abort(zi);
	return rc;
}

void fa_store_zone_abort(struct fa_store_zone *zi)
{
	char err[256];

	if (zi == NULL) {
		return;
	}
	if (zi->open) {
		/* A failed ROLLBACK leaves nothing to undo: the server drops
		 * the transaction anyway when the connection goes. */
		if (fa_store_exec(zi->store, "ROLLBACK", err, sizeof(err)) !=
		    FA_OK) {
			zi->open = false;
		}
	}
	fa_store_buf_free(&zi->buf);
	free(zi->zone);
	free(zi);
}

int fa_store_zone_reject(struct fa_store *store, const char *source,
			 const char *identity, const char *reason, char *err,
			 size_t errlen)
{
	const char *p[] = { source, identity, reason };
	PGresult *res = PQexecParams(
		store->conn,
		"INSERT INTO rejects (source, source_identity, source_offset, reason)"
		" VALUES ($1, $2, 0, $3)"
		" ON CONFLICT (source_identity, source_offset) DO NOTHING",
		3, NULL, p, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_COMMAND_OK, store->conn,
				"could not store the reject", err, errlen);
	if (rc == FA_OK) {
		PQclear(res);
	}
	return rc;
}
