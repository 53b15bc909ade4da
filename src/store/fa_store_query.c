/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading events and findings for the listing commands. Filters become
 * numbered parameters; rows are streamed in single-row mode so that a
 * large export does not sit in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_time.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

#define MAX_PARAMS 8

static const struct fa_store_col event_cols[] = {
	{ "id", FA_STORE_COL_INT, 1 },
	{ "time", FA_STORE_COL_TIME, 0 },
	{ "kind", FA_STORE_COL_TEXT, 0 },
	{ "registrar", FA_STORE_COL_TEXT, 0 },
	{ "domain", FA_STORE_COL_TEXT, 0 },
	{ "host", FA_STORE_COL_TEXT, 0 },
	{ "contact", FA_STORE_COL_TEXT, 0 },
	{ "value", FA_STORE_COL_TEXT, 0 },
	{ "result", FA_STORE_COL_INT, 0 },
	{ "session", FA_STORE_COL_TEXT, 1 },
	{ "src_addr", FA_STORE_COL_TEXT, 1 },
	{ "detail", FA_STORE_COL_JSON, 1 },
	{ "txn", FA_STORE_COL_TEXT, 1 },
	{ "source", FA_STORE_COL_TEXT, 1 },
	{ "offset", FA_STORE_COL_INT, 1 },
};

static const char event_select[] =
	"id, (extract(epoch FROM ts) * 1000000)::bigint, kind, registrar, "
	"domain, host, contact, value, result_code, session, src_addr, "
	"detail::text, txn_key, source, source_offset";

static const struct fa_store_col finding_cols[] = {
	{ "id", FA_STORE_COL_INT, 0 },
	{ "status", FA_STORE_COL_TEXT, 0 },
	{ "severity", FA_STORE_COL_TEXT, 0 },
	{ "score", FA_STORE_COL_INT, 0 },
	{ "entity_kind", FA_STORE_COL_TEXT, 0 },
	{ "entity", FA_STORE_COL_TEXT, 0 },
	{ "rules", FA_STORE_COL_LIST, 0 },
	{ "first_fired", FA_STORE_COL_TIME, 0 },
	{ "last_fired", FA_STORE_COL_TIME, 0 },
	{ "metrics", FA_STORE_COL_TEXT, 0 },
	{ "policy", FA_STORE_COL_TEXT, 1 },
	{ "updated_at", FA_STORE_COL_TIME, 1 },
	{ "evidence", FA_STORE_COL_JSON, 1 },
};

/* "metrics" sums up the evidence for a reader of the table: every metric
 * value that made a rule fire, e.g. "glue_changes[24h]=12", once (two
 * rules reading the same value); `findings show` tells them apart. */
static const char finding_select[] =
	"id, status, severity, score, entity_kind, entity, rules, "
	"(extract(epoch FROM first_fired) * 1000000)::bigint, "
	"(extract(epoch FROM last_fired) * 1000000)::bigint, "
	"coalesce((SELECT string_agg(DISTINCT m.key || '=' || (m.value->>'value'), ' ' "
	"ORDER BY m.key || '=' || (m.value->>'value'))"
	" FROM jsonb_each(CASE WHEN jsonb_typeof(evidence) = "
	"'object' THEN evidence ELSE '{}' END) e(r, v), jsonb_each(CASE WHEN "
	"jsonb_typeof(v->'metrics') = 'object' THEN v->'metrics' ELSE '{}' END) "
	"m), ''), policy, "
	"(extract(epoch FROM updated_at) * 1000000)::bigint, evidence::text";

const struct fa_store_col *fa_store_event_cols(size_t *n)
{
	*n = sizeof(event_cols) / sizeof(event_cols[0]);
	return event_cols;
}

const struct fa_store_col *fa_store_finding_cols(size_t *n)
{
	*n = sizeof(finding_cols) / sizeof(finding_cols[0]);
	return finding_cols;
}

struct where {
	struct fa_store_buf sql;
	const char *params[MAX_PARAMS];
	char owned[MAX_PARAMS][FA_TIME_BUFSZ];
	int n;
	int rc;
};

/* Add "AND <before>$N<after>" with param as $N. */
static void cond(struct where *w, const char *before, const char *after,
		 const char *param)
{
	if (w->rc != FA_OK || w->n == MAX_PARAMS) {
		w->rc = w->rc != FA_OK ? w->rc : FA_EINVAL;
		return;
	}
	w->params[w->n++] = param;
	w->rc = fa_store_buf_printf(&w->sql, w->n == 1 ? " WHERE " : " AND ");
	if (w->rc == FA_OK) {
		w->rc = fa_store_buf_printf(&w->sql, "%s$%d%s", before, w->n, after);
	}
}

/* A number or time rendered into storage the where clause owns. */
static const char *own(struct where *w, const char *s)
{
	if (w->n >= MAX_PARAMS) {
		return s;
	}
	snprintf(w->owned[w->n], sizeof(w->owned[w->n]), "%s", s);
	return w->owned[w->n];
}

static int stream(struct fa_store *store, const char *sql, struct where *w,
		  size_t ncols, fa_store_row_fn fn, void *arg, char *err,
		  size_t errlen)
{
	PGconn *conn = store->conn;
	if (!PQsendQueryParams(conn, sql, w->n, NULL, w->params, NULL, NULL, 0)) {
		fa_store_pqerr(err, errlen, conn, "could not send the query");
		return FA_EDB;
	}
	PQsetSingleRowMode(conn);

	int rc = FA_OK;
	const char *vals[32];
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (rc == FA_OK && st == PGRES_SINGLE_TUPLE) {
			for (size_t i = 0; i < ncols && i < 32; i++) {
				vals[i] = PQgetisnull(res, 0, (int)i) ? NULL
								     : PQgetvalue(res, 0, (int)i);
			}
			rc = fn(arg, vals);
		} else if (rc == FA_OK && st != PGRES_TUPLES_OK) {
			rc = fa_store_check(res, PGRES_TUPLES_OK, conn, "query failed",
					    err, errlen);
			res = NULL;
		}
		PQclear(res);
	}
	return rc;
}

/* Stream the query the where clause built, then release it. */
static int run(struct fa_store *store, struct where *w, size_t ncols,
	       fa_store_row_fn fn, void *arg, char *err, size_t errlen)
{
	int rc = w->rc;
	if (rc != FA_OK) {
		snprintf(err, errlen, "could not build the query: %s", fa_strerror(rc));
	} else {
		rc = stream(store, w->sql.data, w, ncols, fn, arg, err, errlen);
	}
	fa_store_buf_free(&w->sql);
	return rc;
}

int fa_store_events_each(struct fa_store *store,
			 const struct fa_store_event_filter *f,
			 fa_store_row_fn fn, void *arg, char *err, size_t errlen)
{
	struct where w = { .rc = FA_OK };
	char tb[FA_TIME_BUFSZ];
	char num[32];
	size_t ncols;
	fa_store_event_cols(&ncols);

	w.rc = fa_store_buf_printf(&w.sql, "SELECT %s FROM events", event_select);
	if (f->domain != NULL) {
		cond(&w, "domain = ", "", f->domain);
	}
	if (f->registrar != NULL) {
		cond(&w, "registrar = ", "", f->registrar);
	}
	if (f->host != NULL) {
		cond(&w, "host = ", "", f->host);
	}
	if (f->kind != NULL) {
		size_t len = strlen(f->kind);
		if (len > 2 && strcmp(f->kind + len - 2, ".*") == 0) {
			/* "domain.*": the family, by prefix of the stored name. */
			cond(&w, "starts_with(kind, ", ")", own(&w, ""));
			snprintf(w.owned[w.n - 1], sizeof(w.owned[0]), "%.*s",
				 (int)(len - 1), f->kind);
		} else {
			cond(&w, "kind = ", "", f->kind);
		}
	}
	if (f->since_us != 0) {
		cond(&w, "ts >= ", "", own(&w, fa_time_format(f->since_us, tb, sizeof(tb))));
	}
	if (f->until_us != 0) {
		cond(&w, "ts < ", "", own(&w, fa_time_format(f->until_us, tb, sizeof(tb))));
	}
	if (w.rc == FA_OK && f->limit > 0) {
		/* The most recent N, shown oldest first like the rest. */
		snprintf(num, sizeof(num), "%ld", f->limit);
		struct fa_store_buf outer = { 0 };
		w.rc = fa_store_buf_printf(&w.sql, " ORDER BY ts DESC, id DESC LIMIT %s", num);
		if (w.rc == FA_OK) {
			w.rc = fa_store_buf_printf(&outer, "SELECT * FROM (%s) AS recent "
						   "ORDER BY 2, 1", w.sql.data);
		}
		fa_store_buf_free(&w.sql);
		w.sql = outer;
	} else if (w.rc == FA_OK) {
		w.rc = fa_store_buf_printf(&w.sql, " ORDER BY ts, id");
	}

	return run(store, &w, ncols, fn, arg, err, errlen);
}

int fa_store_findings_each(struct fa_store *store,
			   const struct fa_store_finding_filter *f,
			   fa_store_row_fn fn, void *arg, char *err, size_t errlen)
{
	struct where w = { .rc = FA_OK };
	char num[32];
	size_t ncols;
	fa_store_finding_cols(&ncols);

	w.rc = fa_store_buf_printf(&w.sql, "SELECT %s FROM findings", finding_select);
	if (f->status != NULL) {
		cond(&w, "status = ", "", f->status);
	}
	if (f->entity_kind != NULL) {
		cond(&w, "entity_kind = ", "", f->entity_kind);
	}
	if (f->min_score >= 0) {
		snprintf(num, sizeof(num), "%ld", f->min_score);
		cond(&w, "score >= ", "", own(&w, num));
	}
	if (f->id > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)f->id);
		cond(&w, "id = ", "::bigint", own(&w, num));
	}
	if (w.rc == FA_OK) {
		w.rc = fa_store_buf_printf(&w.sql, " ORDER BY score DESC, last_fired DESC, id");
	}

	return run(store, &w, ncols, fn, arg, err, errlen);
}

/* ---- one finding, for a reviewer ---- */

static const struct fa_store_col finding_rule_cols[] = {
	{ "rule", FA_STORE_COL_TEXT, 0 },
	{ "severity", FA_STORE_COL_TEXT, 0 },
	{ "score", FA_STORE_COL_INT, 0 },
	{ "when", FA_STORE_COL_TEXT, 0 },
	{ "metric", FA_STORE_COL_TEXT, 0 },
	{ "value", FA_STORE_COL_TEXT, 0 },
	{ "event_count", FA_STORE_COL_INT, 0 },
	{ "first_fired", FA_STORE_COL_TEXT, 0 },
	{ "last_fired", FA_STORE_COL_TEXT, 0 },
	{ "discount", FA_STORE_COL_TEXT, 0 },
};

const struct fa_store_col *fa_store_finding_rule_cols(size_t *n)
{
	*n = sizeof(finding_rule_cols) / sizeof(finding_rule_cols[0]);
	return finding_rule_cols;
}

int fa_store_finding_rules_each(struct fa_store *store, int64_t id,
				fa_store_row_fn fn, void *arg, char *err,
				size_t errlen)
{
	static const char sql[] =
		"SELECT r.key, r.value->>'severity', r.value->>'score',"
		" r.value->>'when', m.key, m.value->>'value',"
		" m.value->>'event_count', r.value->>'first_fired',"
		" r.value->>'last_fired',"
		/* Why the score is lower than the rule's (evidence of
		 * src/rule/fa_rule_engine.c). */
		" CASE WHEN r.value ? 'high_change_registrar' THEN"
		"  format('rule score %s, less %s%% for high-change registrar %s%s',"
		"   r.value->>'rule_score', r.value->>'high_change_discount',"
		"   r.value->>'high_change_registrar',"
		"   CASE WHEN coalesce(r.value->>'high_change_note', '') <> ''"
		"    THEN ' (' || (r.value->>'high_change_note') || ')' ELSE '' END)"
		" WHEN r.value ? 'allowlisted' THEN"
		"  format('rule score %s, less %s%% for allowlisted %s',"
		"   r.value->>'rule_score', r.value->>'allowlist_discount',"
		"   r.value->>'allowlisted') END"
		/* A rule whose condition reads no metric (a constant) still
		 * fired and scored: it gets a row without a metric. */
		" FROM findings f CROSS JOIN LATERAL jsonb_each(CASE WHEN"
		"   jsonb_typeof(f.evidence) = 'object' THEN f.evidence ELSE '{}' END) r"
		" LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.value->'metrics') ="
		"   'object' THEN r.value->'metrics' ELSE '{}' END) m ON true"
		" WHERE f.id = $1::bigint ORDER BY r.key, m.key";
	struct where w = { .rc = FA_OK };
	char num[32];
	size_t ncols;

	snprintf(num, sizeof(num), "%lld", (long long)id);
	w.params[w.n++] = num;
	fa_store_finding_rule_cols(&ncols);
	return stream(store, sql, &w, ncols, fn, arg, err, errlen);
}

int fa_store_finding_events_each(struct fa_store *store, int64_t id,
				 fa_store_row_fn fn, void *arg, char *err,
				 size_t errlen)
{
	struct where w = { .rc = FA_OK };
	char num[32];
	size_t ncols;
	int rc;

	snprintf(num, sizeof(num), "%lld", (long long)id);
	w.params[w.n++] = num;
	fa_store_event_cols(&ncols);
	/* Every event id the evidence names, once, in time order. */
	rc = fa_store_buf_printf(
		&w.sql,
		"SELECT %s FROM events WHERE id IN ("
		" SELECT DISTINCT jsonb_array_elements_text(m.value->'event_ids')::bigint"
		" FROM findings f, jsonb_each(CASE WHEN jsonb_typeof(f.evidence) ="
		"   'object' THEN f.evidence ELSE '{}' END) r,"
		" LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.value->'metrics') ="
		"   'object' THEN r.value->'metrics' ELSE '{}' END) m"
		" WHERE f.id = $1::bigint"
		"   AND jsonb_typeof(m.value->'event_ids') = 'array')"
		" ORDER BY ts, id",
		event_select);
	w.rc = rc;
	return run(store, &w, ncols, fn, arg, err, errlen);
}
