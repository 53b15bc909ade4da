/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation against PostgreSQL: read events in (ts, id) order through a
 * cursor, seed state that is older than the scan from the domains and
 * hosts tables (in batches per fetched chunk), run the engine, and upsert
 * the findings and the checkpoints in the same transaction. All SQL is
 * parameterized; lists travel as one array parameter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_time.h"
#include "rule/fa_rule_int.h"

#define FETCH_DEFAULT 2000
#define UPSERT_ROWS 200
#define UPSERT_COLS 9

/* Any fixed number: evaluations of one database take turns. */
#define EVAL_LOCK_KEY "7310254711"

struct run {
	PGconn *conn;
	const struct fa_rule_set *set;
	struct fa_rule_engine *eng;
	struct fa_rule_eval_result *res;
	char *err;
	size_t errlen;
};

static int db_fail(struct run *r, PGresult *res, const char *what)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(r->conn);
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' ')) {
		len--;
	}
	snprintf(r->err, r->errlen, "could not %s: %.*s", what, (int)len, msg);
	PQclear(res);
	return FA_EDB;
}

static PGresult *exec(struct run *r, const char *sql, int n, const char *const *params)
{
	return PQexecParams(r->conn, sql, n, NULL, params, NULL, NULL, 0);
}

static int exec_cmd(struct run *r, const char *sql, int n, const char *const *params,
		    const char *what)
{
	PGresult *res = exec(r, sql, n, params);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		return db_fail(r, res, what);
	}
	PQclear(res);
	return FA_OK;
}

/* Text of a PostgreSQL array literal of the given strings. */
static void array_literal(struct fa_rule_sb *sb, const char *const *items, size_t n)
{
	fa_rule_sb_put(sb, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			fa_rule_sb_put(sb, ",", 1);
		}
		fa_rule_sb_put(sb, "\"", 1);
		for (const char *c = items[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\') {
				fa_rule_sb_put(sb, "\\", 1);
			}
			fa_rule_sb_put(sb, c, 1);
		}
		fa_rule_sb_put(sb, "\"", 1);
	}
	fa_rule_sb_put(sb, "}", 1);
}

static int64_t get_i64(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static const char *get_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort and drop duplicates in place; returns the new length. */
static size_t uniq(const char **v, size_t n)
{
	if (n == 0) {
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	size_t j = 1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i], v[j - 1]) != 0) {
			v[j++] = v[i];
		}
	}
	return j;
}

/*
 * Domains first seen in this chunk: their create date and NS TTL from the
 * domains table, but only when no stored event at or after the chunk
 * start set them (those events will), so no value comes from the future.
 */
static int seed_domains(struct run *r, const char **names, size_t n, const char *from)
{
	static const char sql[] =
		"WITH later AS (SELECT domain,"
		"  bool_or(kind = 'domain.create') AS created,"
		"  bool_or(kind = 'domain.ttl_set') AS ttl"
		" FROM events WHERE domain = ANY($1::text[]) AND ts >= $2::timestamptz"
		"  AND kind IN ('domain.create', 'domain.ttl_set') GROUP BY domain)"
		" SELECT d.name,"
		" CASE WHEN NOT coalesce(l.created, false)"
		"  THEN (extract(epoch FROM d.created) * 1000000)::bigint END,"
		" CASE WHEN NOT coalesce(l.ttl, false) AND jsonb_typeof(d.ttls->'NS') = 'number'"
		"  THEN (d.ttls->>'NS')::numeric::bigint END"
		" FROM domains d LEFT JOIN later l ON l.domain = d.name"
		" WHERE d.name = ANY($1::text[])";
	struct fa_rule_sb arr = { 0 };
	array_literal(&arr, names, n);
	if (arr.oom) {
		return FA_ENOMEM;
	}
	const char *params[2] = { arr.p, from };
	PGresult *res = exec(r, sql, 2, params);
	fa_rule_sb_free(&arr);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		return db_fail(r, res, "read the state of domains");
	}

	int rc = FA_OK;
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		bool has_created = !PQgetisnull(res, i, 1);
		bool has_ttl = !PQgetisnull(res, i, 2);
		rc = fa_rule_engine_seed_domain(r->eng, PQgetvalue(res, i, 0), has_created,
						has_created ? get_i64(res, i, 1) : 0, has_ttl,
						has_ttl ? get_i64(res, i, 2) : 0);
	}
	PQclear(res);
	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		/* Not in the table: known to be unknown, do not ask again. */
		rc = fa_rule_engine_seed_domain(r->eng, names[i], false, 0, false, 0);
	}
	return rc;
}

/* Addresses of one host during the reverse walk. */
struct hostset {
	const char *name;
	char **addrs;
	size_t n, cap;
	bool closed;	/* its host.create was passed: nothing before */
};

static int hostset_find(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct hostset *)elem)->name);
}

static int hostset_add(struct hostset *h, const char *addr)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->addrs[i], addr) == 0) {
			return FA_OK;
		}
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4;
		char **p = realloc(h->addrs, cap * sizeof(*p));
		if (p == NULL) {
			return FA_ENOMEM;
		}
		h->addrs = p;
		h->cap = cap;
	}
	h->addrs[h->n] = strdup(addr);
	if (h->addrs[h->n] == NULL) {
		return FA_ENOMEM;
	}
	h->n++;
	return FA_OK;
}

static void hostset_del(struct hostset *h, const char *addr)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->addrs[i], addr) == 0) {
			free(h->addrs[i]);
			h->addrs[i] = h->addrs[--h->n];
			return;
		}
	}
}

/*
 * Hosts first seen in this chunk: the addresses they held just before it.
 * The hosts table has the current addresses; undoing the stored address
 * events from the chunk start on, newest first, gives the older set.
 */
static int seed_hosts(struct run *r, const char **names, size_t n, const char *from,
		      const char *from_id)
{
	static const char q_addrs[] =
		"SELECT h.name, a FROM hosts h CROSS JOIN LATERAL unnest(h.addrs) a"
		" WHERE h.name = ANY($1::text[])";
	static const char q_events[] =
		"SELECT host, kind, value FROM events WHERE host = ANY($1::text[])"
		" AND kind IN ('host.addr_add', 'host.addr_rem', 'host.create')"
		" AND (ts, id) >= ($2::timestamptz, $3::bigint) ORDER BY ts DESC, id DESC";
	struct fa_rule_sb arr = { 0 };
	struct hostset *hs = calloc(n, sizeof(*hs));
	PGresult *res = NULL;
	int rc = FA_OK;

	array_literal(&arr, names, n);
	if (hs == NULL || arr.oom) {
		rc = FA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		hs[i].name = names[i]; /* sorted by uniq() */
	}

	const char *params[3] = { arr.p, from, from_id };
	res = exec(r, q_addrs, 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_fail(r, res, "read the addresses of hosts");
		res = NULL;
		goto out;
	}
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		struct hostset *h = bsearch(PQgetvalue(res, i, 0), hs, n, sizeof(*hs),
					    hostset_find);
		if (h != NULL) {
			rc = hostset_add(h, PQgetvalue(res, i, 1));
		}
	}
	PQclear(res);

	res = exec(r, q_events, 3, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = db_fail(r, res, "read the address events of hosts");
		res = NULL;
		goto out;
	}
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		struct hostset *h = bsearch(PQgetvalue(res, i, 0), hs, n, sizeof(*hs),
					    hostset_find);
		const char *kind = PQgetvalue(res, i, 1);
		const char *value = get_str(res, i, 2);
		if (h == NULL || h->closed) {
			continue;
		}
		if (strcmp(kind, "host.create") == 0) {
			while (h->n > 0) {
				free(h->addrs[--h->n]);
			}
			h->closed = true;
		} else if (value != NULL && strcmp(kind, "host.addr_add") == 0) {
			hostset_del(h, value);
		} else if (value != NULL) {
			rc = hostset_add(h, value);
		}
	}

	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		rc = fa_rule_engine_seed_host(r->eng, hs[i].name,
					      (const char *const *)hs[i].addrs, hs[i].n);
	}

out:
	PQclear(res);
	for (size_t i = 0; hs != NULL && i < n; i++) {
		for (size_t k = 0; k < hs[i].n; k++) {
			free(hs[i].addrs[k]);
		}
		free(hs[i].addrs);
	}
	free(hs);
	fa_rule_sb_free(&arr);
	return rc;
}

/* Columns of the event cursor. */
enum { C_ID, C_TS, C_KIND, C_REGISTRAR, C_DOMAIN, C_HOST, C_VALUE, C_CREATED, C_TXN };

static void row_event(const PGresult *res, int i, struct fa_rule_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = get_i64(res, i, C_ID);
	ev->ts_us = get_i64(res, i, C_TS);
	ev->kind = PQgetvalue(res, i, C_KIND);
	ev->registrar = get_str(res, i, C_REGISTRAR);
	ev->domain = get_str(res, i, C_DOMAIN);
	ev->host = get_str(res, i, C_HOST);
	ev->value = get_str(res, i, C_VALUE);
	ev->txn_key = get_str(res, i, C_TXN);
	const char *created = get_str(res, i, C_CREATED);
	if (created != NULL &&
	    fa_time_parse(created, strlen(created), &ev->created_us) == FA_OK) {
		ev->has_created = true;
	}
}

/* Seed what the chunk's new entities need, then feed its events. */
static int chunk(struct run *r, const PGresult *res, int64_t eval_from_us)
{
	int rows = PQntuples(res);
	const char **domains = calloc((size_t)rows + 1, sizeof(*domains));
	const char **hosts = calloc((size_t)rows + 1, sizeof(*hosts));
	size_t nd = 0, nh = 0;
	int rc = FA_OK;
	if (domains == NULL || hosts == NULL) {
		rc = FA_ENOMEM;
		goto out;
	}

	for (int i = 0; i < rows; i++) {
		struct fa_rule_event ev;
		row_event(res, i, &ev);
		const char *d = fa_rule_entities[FA_RULE_E_DOMAIN].key(&ev);
		const char *h = fa_rule_entities[FA_RULE_E_HOST].key(&ev);
		if (d != NULL && fa_rule_engine_wants_seed(r->eng, "domain", d)) {
			domains[nd++] = d;
		}
		if (h != NULL && fa_rule_engine_wants_seed(r->eng, "host", h)) {
			hosts[nh++] = h;
		}
	}
	nd = uniq(domains, nd);
	nh = uniq(hosts, nh);

	if (rows > 0) {
		char from[FA_TIME_BUFSZ];
		fa_time_format(get_i64(res, 0, C_TS), from, sizeof(from));
		const char *from_id = PQgetvalue(res, 0, C_ID);
		if (nd > 0) {
			rc = seed_domains(r, domains, nd, from);
		}
		if (rc == FA_OK && nh > 0) {
			rc = seed_hosts(r, hosts, nh, from, from_id);
		}
	}

	for (int i = 0; i < rows && rc == FA_OK; i++) {
		struct fa_rule_event ev;
		row_event(res, i, &ev);
		rc = fa_rule_engine_feed(r->eng, &ev, ev.ts_us >= eval_from_us);
		if (rc == FA_EINVAL) {
			snprintf(r->err, r->errlen, "event %lld is out of (ts, id) order",
				 (long long)ev.id);
		}
	}

out:
	free(domains);
	free(hosts);
	return rc;
}

static int scan(struct run *r, int64_t warm_us, int64_t eval_from_us, bool has_until,
		int64_t until_us, size_t fetch_rows)
{
	char warm[FA_TIME_BUFSZ], until[FA_TIME_BUFSZ], fetch[64];
	if (warm_us == INT64_MIN) {
		snprintf(warm, sizeof(warm), "-infinity");
	} else {
		fa_time_format(warm_us, warm, sizeof(warm));
	}
	fa_time_format(until_us, until, sizeof(until));
	snprintf(fetch, sizeof(fetch), "FETCH %zu FROM fa_rule_events", fetch_rows);

	const char *sql = has_until ?
		"DECLARE fa_rule_events NO SCROLL CURSOR FOR"
		" SELECT id, (extract(epoch FROM ts) * 1000000)::bigint, kind, registrar,"
		" domain, host, value,"
		" CASE WHEN kind = 'domain.create' THEN detail->>'created' END, txn_key"
		" FROM events WHERE ts >= $1::timestamptz AND ts < $2::timestamptz"
		" ORDER BY ts, id" :
		"DECLARE fa_rule_events NO SCROLL CURSOR FOR"
		" SELECT id, (extract(epoch FROM ts) * 1000000)::bigint, kind, registrar,"
		" domain, host, value,"
		" CASE WHEN kind = 'domain.create' THEN detail->>'created' END, txn_key"
		" FROM events WHERE ts >= $1::timestamptz"
		" ORDER BY ts, id";
	const char *params[2] = { warm, until };
	int rc = exec_cmd(r, sql, has_until ? 2 : 1, params, "read events");
	while (rc == FA_OK) {
		PGresult *res = PQexec(r->conn, fetch);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			return db_fail(r, res, "read events");
		}
		int rows = PQntuples(res);
		rc = chunk(r, res, eval_from_us);
		PQclear(res);
		fa_rule_engine_prune(r->eng);
		if (rows == 0) {
			break;
		}
	}
	if (rc == FA_ENOMEM) {
		snprintf(r->err, r->errlen, "could not evaluate: out of memory");
	}
	if (rc == FA_OK) {
		rc = exec_cmd(r, "CLOSE fa_rule_events", 0, NULL, "read events");
	}
	return rc;
}

/* Upsert findings [first, first + n) in one statement. */
static int upsert(struct run *r, size_t first, size_t n)
{
	static const char head[] =
		"INSERT INTO findings AS f (policy, entity_kind, entity, severity, score,"
		" rules, evidence, first_fired, last_fired) VALUES ";
	static const char tail[] =
		" ON CONFLICT (policy, entity_kind, entity) WHERE status = 'open' DO UPDATE SET"
		" evidence = fa_rule_merge_evidence(f.evidence, EXCLUDED.evidence),"
		" rules = fa_rule_evidence_rules("
		"fa_rule_merge_evidence(f.evidence, EXCLUDED.evidence)),"
		" score = fa_rule_evidence_score("
		"fa_rule_merge_evidence(f.evidence, EXCLUDED.evidence)),"
		" severity = fa_rule_evidence_severity("
		"fa_rule_merge_evidence(f.evidence, EXCLUDED.evidence)),"
		" first_fired = least(f.first_fired, EXCLUDED.first_fired),"
		" last_fired = greatest(f.last_fired, EXCLUDED.last_fired),"
		" updated_at = now()"
		" WHERE f.evidence IS DISTINCT FROM"
		" fa_rule_merge_evidence(f.evidence, EXCLUDED.evidence)"
		" OR f.first_fired > EXCLUDED.first_fired OR f.last_fired < EXCLUDED.last_fired"
		" RETURNING (xmax = 0)";
	struct fa_rule_sb sql = { 0 };
	char **vals = calloc(n * UPSERT_COLS, sizeof(*vals));
	int rc = FA_OK;
	if (vals == NULL) {
		return FA_ENOMEM;
	}

	fa_rule_sb_put(&sql, head, strlen(head));
	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		struct fa_rule_finding f;
		rc = fa_rule_engine_finding(r->eng, first + i, &f);
		if (rc != FA_OK) {
			break;
		}
		struct fa_rule_sb rules = { 0 };
		char score[16], t1[FA_TIME_BUFSZ], t2[FA_TIME_BUFSZ];
		array_literal(&rules, f.rules, f.nrules);
		snprintf(score, sizeof(score), "%d", f.score);
		fa_time_format(f.first_us, t1, sizeof(t1));
		fa_time_format(f.last_us, t2, sizeof(t2));
		char **v = &vals[i * UPSERT_COLS];
		v[0] = strdup(f.policy);
		v[1] = strdup(f.entity_kind);
		v[2] = strdup(f.entity);
		v[3] = strdup(f.severity);
		v[4] = strdup(score);
		v[5] = rules.p;
		v[6] = strdup(f.evidence);
		v[7] = strdup(t1);
		v[8] = strdup(t2);
		for (int k = 0; k < UPSERT_COLS; k++) {
			if (v[k] == NULL) {
				rc = FA_ENOMEM;
			}
		}
		size_t b = i * UPSERT_COLS;
		fa_rule_sb_printf(&sql, "%s($%zu, $%zu, $%zu, $%zu, $%zu::integer, $%zu::text[],"
				  " $%zu::jsonb, $%zu::timestamptz, $%zu::timestamptz)",
				  i ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7,
				  b + 8, b + 9);
	}
	fa_rule_sb_put(&sql, tail, strlen(tail));
	if (sql.oom) {
		rc = FA_ENOMEM;
	}

	if (rc == FA_OK) {
		PGresult *res = exec(r, sql.p, (int)(n * UPSERT_COLS),
				     (const char *const *)vals);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			rc = db_fail(r, res, "write findings");
		} else {
			int rows = PQntuples(res);
			for (int i = 0; i < rows; i++) {
				if (strcmp(PQgetvalue(res, i, 0), "t") == 0) {
					r->res->opened++;
				} else {
					r->res->updated++;
				}
			}
			r->res->unchanged += n - (size_t)rows;
			PQclear(res);
		}
	} else if (rc == FA_ENOMEM) {
		snprintf(r->err, r->errlen, "could not write findings: out of memory");
	}

	for (size_t i = 0; i < n * UPSERT_COLS; i++) {
		free(vals[i]);
	}
	free(vals);
	fa_rule_sb_free(&sql);
	return rc;
}

static int report_findings(struct run *r, const struct fa_rule_eval_opts *opts)
{
	size_t total = fa_rule_engine_finding_count(r->eng);
	for (size_t i = 0; i < total; i++) {
		struct fa_rule_finding f;
		int rc = fa_rule_engine_finding(r->eng, i, &f);
		if (rc == FA_OK) {
			rc = opts->on_finding(opts->on_finding_arg, &f);
		}
		if (rc != FA_OK) {
			if (r->err[0] == '\0') {
				snprintf(r->err, r->errlen, "could not report findings: %s",
					 fa_strerror(rc));
			}
			return rc;
		}
	}
	return FA_OK;
}

static int write_findings(struct run *r)
{
	size_t total = fa_rule_engine_finding_count(r->eng);
	for (size_t i = 0; i < total; i += UPSERT_ROWS) {
		size_t n = total - i < UPSERT_ROWS ? total - i : UPSERT_ROWS;
		int rc = upsert(r, i, n);
		if (rc != FA_OK) {
			return rc;
		}
	}
	return FA_OK;
}

/*
 * Checkpoint mode: the lowest checkpoint among the policies (0 where the
 * policy is new or its rules changed), and from it the first data time
 * to evaluate and the checkpoint to store afterwards.
 */
static int checkpoint_range(struct run *r, int64_t *from_id, bool *any,
			    int64_t *from_us, int64_t *new_id)
{
	size_t np = fa_rule_set_policy_count(r->set);
	*from_id = INT64_MAX;
	for (size_t i = 0; i < np; i++) {
		char fp[65];
		fa_rule_set_fingerprint(r->set, i, fp);
		const char *params[2] = { fa_rule_set_policy_name(r->set, i), fp };
		PGresult *res = exec(r, "SELECT last_event_id FROM rule_checkpoints"
				     " WHERE policy = $1 AND fingerprint = $2", 2, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			return db_fail(r, res, "read the evaluation checkpoint");
		}
		int64_t id = PQntuples(res) == 1 ? get_i64(res, 0, 0) : 0;
		*from_id = id < *from_id ? id : *from_id;
		PQclear(res);
	}
	if (np == 0) {
		*from_id = 0;
	}

	char idbuf[32];
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)*from_id);
	const char *params[1] = { idbuf };
	PGresult *res = exec(r, "SELECT (extract(epoch FROM min(ts)) * 1000000)::bigint, max(id)"
			     " FROM events WHERE id > $1::bigint", 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		return db_fail(r, res, "find events to evaluate");
	}
	*any = !PQgetisnull(res, 0, 0);
	*from_us = *any ? get_i64(res, 0, 0) : 0;
	*new_id = *any ? get_i64(res, 0, 1) : *from_id;
	PQclear(res);
	return FA_OK;
}

static int store_checkpoints(struct run *r, int64_t id)
{
	char idbuf[32];
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	for (size_t i = 0; i < fa_rule_set_policy_count(r->set); i++) {
		char fp[65];
		fa_rule_set_fingerprint(r->set, i, fp);
		const char *params[3] = { fa_rule_set_policy_name(r->set, i), fp, idbuf };
		int rc = exec_cmd(r,
				  "INSERT INTO rule_checkpoints (policy, fingerprint, last_event_id)"
				  " VALUES ($1, $2, $3::bigint) ON CONFLICT (policy) DO UPDATE"
				  " SET fingerprint = EXCLUDED.fingerprint,"
				  " last_event_id = EXCLUDED.last_event_id, updated_at = now()"
				  " WHERE rule_checkpoints.fingerprint"
				  " IS DISTINCT FROM EXCLUDED.fingerprint"
				  " OR rule_checkpoints.last_event_id"
				  " IS DISTINCT FROM EXCLUDED.last_event_id",
				  3, params, "store the evaluation checkpoint");
		if (rc != FA_OK) {
			return rc;
		}
	}
	return FA_OK;
}

static int run(struct run *r, const struct fa_rule_eval_opts *opts)
{
	bool checkpoint_mode = !opts->has_since && !opts->has_until;
	int64_t eval_from = opts->has_since ? opts->since_us : INT64_MIN;
	int64_t new_id = 0;
	int rc;

	/* Wait for other evaluations before the transaction starts: a
	 * REPEATABLE READ snapshot taken while waiting would miss the
	 * findings the other run commits, and its writes would then fail
	 * with a serialization error. The session lock ends with the
	 * connection if the process dies. */
	rc = exec_cmd(r, "SELECT pg_advisory_lock(" EVAL_LOCK_KEY ")", 0, NULL,
		      "wait for other evaluations");
	if (rc != FA_OK) {
		return rc;
	}
	rc = exec_cmd(r, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, "start a transaction");
	if (rc == FA_OK && checkpoint_mode) {
		int64_t from_id;
		bool any;
		rc = checkpoint_range(r, &from_id, &any, &eval_from, &new_id);
		r->res->nothing_new = rc == FA_OK && !any;
	}
	if (rc == FA_OK && !r->res->nothing_new) {
		/* Warm the windows up with the lookback before the first point. */
		int64_t lookback = fa_rule_set_lookback(r->set);
		int64_t warm = eval_from == INT64_MIN ? INT64_MIN : eval_from - lookback;
		size_t fetch = opts->fetch_rows ? opts->fetch_rows : FETCH_DEFAULT;
		r->res->from_us = eval_from;
		rc = scan(r, warm, eval_from, opts->has_until, opts->until_us, fetch);
	}
	bool replay = opts->on_finding != NULL;
	if (rc == FA_OK) {
		rc = replay ? report_findings(r, opts) : write_findings(r);
	}
	if (rc == FA_OK && checkpoint_mode && !replay) {
		rc = store_checkpoints(r, new_id);
		r->res->checkpoint_id = new_id;
	}
	if (rc == FA_OK && (opts->dry_run || replay)) {
		rc = exec_cmd(r, "ROLLBACK", 0, NULL, "roll back the trial evaluation");
	} else if (rc == FA_OK) {
		rc = exec_cmd(r, "COMMIT", 0, NULL, "commit the findings");
	}
	if (rc != FA_OK) {
		PGresult *res = PQexec(r->conn, "ROLLBACK");
		PQclear(res);
	}
	PGresult *res = PQexec(r->conn, "SELECT pg_advisory_unlock(" EVAL_LOCK_KEY ")");
	PQclear(res);
	return rc;
}

int fa_rule_evaluate(PGconn *conn, const struct fa_rule_set *set,
		     const struct fa_rule_eval_opts *opts, struct fa_rule_eval_result *res,
		     char *err, size_t errlen)
{
	struct run r = { .conn = conn, .set = set, .res = res, .err = err, .errlen = errlen };
	memset(res, 0, sizeof(*res));
	r.eng = fa_rule_engine_new(set);
	if (r.eng == NULL) {
		snprintf(err, errlen, "could not evaluate: out of memory");
		return FA_ENOMEM;
	}
	fa_rule_engine_set_manual_prune(r.eng, true);
	int rc = run(&r, opts);
	fa_rule_engine_stats(r.eng, &res->stats);
	fa_rule_engine_free(r.eng);
	return rc;
}
