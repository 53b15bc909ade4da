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
	int has_zone;		/* zone_records exists: -1 not asked yet, 0, 1 */
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

/* What seed_rows does with one row; e is the row's entity (see there). */
typedef int (*seed_row_fn)(struct run *r, const PGresult *res, int row, struct fa_rule_ent *e,
			   void *ctx);

/*
 * The steps most seeding reads share: run sql with the names as the
 * text[] parameter $1 and the nmore (at most 2) strings of more as $2 on,
 * then hand each row, in order until one fails, to row(r, res, i, e, ctx).
 * With kind >= 0, e is the entity of that kind that column 0 names, and
 * rows whose entity is not tracked or not seeded are skipped; with
 * kind < 0, e is NULL. what says what was read, for the error message.
 */
static int seed_rows(struct run *r, const char *sql, const char **names, size_t n,
		     const char *const *more, int nmore, const char *what, int kind,
		     seed_row_fn row, void *ctx)
{
	struct fa_rule_sb arr = { 0 };
	const char *params[3] = { NULL };
	int rc = FA_OK;

	array_literal(&arr, names, n);
	if (arr.oom) {
		return FA_ENOMEM;
	}
	params[0] = arr.p;
	for (int k = 0; k < nmore; k++) {
		params[1 + k] = more[k];
	}
	PGresult *res = exec(r, sql, 1 + nmore, params);
	fa_rule_sb_free(&arr);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		return db_fail(r, res, what);
	}

	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		struct fa_rule_ent *e = NULL;
		if (kind >= 0) {
			e = fa_rule_engine_find(r->eng, kind, PQgetvalue(res, i, 0));
			if (e == NULL || !e->seeded) {
				continue;
			}
		}
		rc = row(r, res, i, e, ctx);
	}
	PQclear(res);
	return rc;
}

/* A row of seed_domains: create date, NS TTL, registrant, sponsor. */
static int domain_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *unused,
		      void *ctx)
{
	bool has_created = !PQgetisnull(res, i, 1);
	bool has_ttl = !PQgetisnull(res, i, 2);
	const char *name = PQgetvalue(res, i, 0);
	(void)unused;
	(void)ctx;

	int rc = fa_rule_engine_seed_domain(r->eng, name, has_created,
					    has_created ? get_i64(res, i, 1) : 0, has_ttl,
					    has_ttl ? get_i64(res, i, 2) : 0);
	struct fa_rule_ent *e = fa_rule_engine_find(r->eng, FA_RULE_E_DOMAIN, name);
	const char *registrant = get_str(res, i, 3);
	if (rc == FA_OK && e != NULL && registrant != NULL) {
		e->registrant = strdup(registrant);
		rc = e->registrant == NULL ? FA_ENOMEM : FA_OK;
	}
	/* The sponsor at the chunk start; the chunk's events change it. */
	const char *sponsor = get_str(res, i, 4);
	if (rc == FA_OK && e != NULL && sponsor != NULL) {
		free(e->sponsor);
		e->sponsor = strdup(sponsor);
		rc = e->sponsor == NULL ? FA_ENOMEM : FA_OK;
	}
	return rc;
}

/*
 * The sponsor of a domain just before the chunk (for the high-change
 * discount of the rules firing at its events): the latest create or NS
 * change (its registrar: only the sponsor may make one), transfer (the
 * gaining registrar, when the response named it) or delete (none) before
 * the chunk start, else the domains row's registrar (a name imported from
 * a registry export, without events). Index events_domain.
 */
#define DOMAIN_SPONSOR_BEFORE \
	" LEFT JOIN LATERAL (SELECT CASE WHEN e.kind = 'domain.transfer_approve'" \
	"  THEN e.value WHEN e.kind <> 'domain.delete' THEN e.registrar END AS sponsor," \
	"  true AS found FROM events e WHERE e.domain = d.name" \
	"  AND (e.kind IN ('domain.create', 'domain.delete', 'domain.ns_add', 'domain.ns_rem')" \
	"   OR (e.kind = 'domain.transfer_approve' AND e.value IS NOT NULL))" \
	"  AND e.ts <= $2::timestamptz AND (e.ts, e.id) < ($2::timestamptz, $3::bigint)" \
	"  ORDER BY e.ts DESC, e.id DESC LIMIT 1) s ON true"

/*
 * Domains first seen in this chunk: their create date and NS TTL from the
 * domains table, but only when no stored event at or after the chunk
 * start set them (those events will), so no value comes from the future;
 * and their sponsor at the chunk start (DOMAIN_SPONSOR_BEFORE).
 */
static int seed_domains(struct run *r, const char **names, size_t n, const char *from,
			const char *from_id)
{
	static const char sql[] =
		"WITH later AS (SELECT domain,"
		"  bool_or(kind = 'domain.create') AS created,"
		"  bool_or(kind = 'domain.ttl_set') AS ttl,"
		"  bool_or(kind IN ('domain.create', 'domain.registrant_change')) AS registrant"
		" FROM events WHERE domain = ANY($1::text[]) AND ts >= $2::timestamptz"
		"  AND kind IN ('domain.create', 'domain.ttl_set', 'domain.registrant_change')"
		" GROUP BY domain)"
		" SELECT d.name,"
		" CASE WHEN NOT coalesce(l.created, false)"
		"  THEN (extract(epoch FROM d.created) * 1000000)::bigint END,"
		" CASE WHEN NOT coalesce(l.ttl, false) AND jsonb_typeof(d.ttls->'NS') = 'number'"
		"  THEN (d.ttls->>'NS')::numeric::bigint END,"
		" CASE WHEN NOT coalesce(l.registrant, false) THEN d.registrant END,"
		" CASE WHEN s.found THEN s.sponsor WHEN NOT d.deleted THEN d.registrar END"
		" FROM domains d LEFT JOIN later l ON l.domain = d.name"
		DOMAIN_SPONSOR_BEFORE
		" WHERE d.name = ANY($1::text[])";
	const char *more[2] = { from, from_id };

	int rc = seed_rows(r, sql, names, n, more, 2, "read the state of domains", -1,
			   domain_row, NULL);
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
	const char *sponsor;	/* host: its sponsor at the chunk start, or NULL */
	const char *super;	/* host: its superordinate domain, or NULL */
	bool gone;		/* host: deleted at the chunk start */
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
/*
 * The sets (addresses of hosts, name servers of domains) as they were at
 * the start of the scan: the current rows of q_now ("name, member"),
 * then the later events of q_events ("name, kind, member") undone, newest
 * first. A create ends the undoing: the set did not exist before it.
 * Events whose kind contains add_mark added a member, the others removed
 * one. hs is sorted by name.
 */
static int sets_rebuild(struct run *r, struct hostset *hs, size_t n, const char *q_now,
			const char *q_events, const char *const *params,
			const char *create_kind, const char *add_mark, const char *what)
{
	char why[128];
	int rc = FA_OK;

	snprintf(why, sizeof(why), "read the %s", what);
	PGresult *res = exec(r, q_now, 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		return db_fail(r, res, why);
	}
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		struct hostset *h = bsearch(PQgetvalue(res, i, 0), hs, n, sizeof(*hs),
					    hostset_find);
		if (h != NULL) {
			rc = hostset_add(h, PQgetvalue(res, i, 1));
		}
	}
	PQclear(res);
	if (rc != FA_OK) {
		return rc;
	}

	snprintf(why, sizeof(why), "read the events of the %s", what);
	res = exec(r, q_events, 3, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		return db_fail(r, res, why);
	}
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		struct hostset *h = bsearch(PQgetvalue(res, i, 0), hs, n, sizeof(*hs),
					    hostset_find);
		const char *kind = PQgetvalue(res, i, 1);
		const char *member = get_str(res, i, 2);
		if (h == NULL || h->closed) {
			continue;
		}
		if (strcmp(kind, create_kind) == 0) {
			while (h->n > 0) {
				free(h->addrs[--h->n]);
			}
			h->closed = true;
		} else if (member != NULL && strstr(kind, add_mark) != NULL) {
			hostset_del(h, member);
		} else if (member != NULL) {
			rc = hostset_add(h, member);
		}
	}
	PQclear(res);
	return rc;
}

/*
 * The sponsor of each host just before the chunk, as seed_domains takes
 * a domain's: the latest of its host.create or address change (the
 * registrar: only the sponsor may make one) or host.delete (none, and
 * gone) and of the transfers of its superordinate domain (the gaining
 * registrar: the registry moves subordinate hosts with their domain)
 * before the chunk start, else the hosts row's registrar. A name without
 * a row (renamed since) still has its events. Indexes events_host and
 * events_domain. The names point into *res, which the caller clears.
 */
static int host_sponsors(struct run *r, struct hostset *hs, size_t n,
			 const char *const *params, PGresult **res)
{
	static const char sql[] =
		"SELECT n.name,"
		" CASE WHEN c.kind = 'host.delete' THEN NULL"
		"  WHEN x.ts IS NOT NULL AND (c.ts IS NULL OR (x.ts, x.id) > (c.ts, c.id))"
		"  THEN x.value"
		"  WHEN c.ts IS NOT NULL THEN c.registrar"
		"  WHEN NOT h.deleted THEN h.registrar END,"
		" h.superordinate,"
		" coalesce(c.kind = 'host.delete', h.deleted, false)"
		" FROM unnest($1::text[]) AS n(name) LEFT JOIN hosts h ON h.name = n.name"
		" LEFT JOIN LATERAL (SELECT e.kind, e.registrar, e.ts, e.id FROM events e"
		"  WHERE e.host = n.name"
		"  AND e.kind IN ('host.create', 'host.delete', 'host.addr_add', 'host.addr_rem')"
		"  AND e.ts <= $2::timestamptz AND (e.ts, e.id) < ($2::timestamptz, $3::bigint)"
		"  ORDER BY e.ts DESC, e.id DESC LIMIT 1) c ON true"
		" LEFT JOIN LATERAL (SELECT e.value, e.ts, e.id FROM events e"
		"  WHERE e.domain = h.superordinate AND e.kind = 'domain.transfer_approve'"
		"  AND e.value IS NOT NULL"
		"  AND e.ts <= $2::timestamptz AND (e.ts, e.id) < ($2::timestamptz, $3::bigint)"
		"  ORDER BY e.ts DESC, e.id DESC LIMIT 1) x ON true";

	*res = exec(r, sql, 3, params);
	if (PQresultStatus(*res) != PGRES_TUPLES_OK) {
		int rc = db_fail(r, *res, "read the registrars of hosts");
		*res = NULL;
		return rc;
	}
	for (int i = 0; i < PQntuples(*res); i++) {
		struct hostset *h = bsearch(PQgetvalue(*res, i, 0), hs, n, sizeof(*hs),
					    hostset_find);
		if (h != NULL) {
			h->sponsor = get_str(*res, i, 1);
			h->super = get_str(*res, i, 2);
			h->gone = strcmp(PQgetvalue(*res, i, 3), "t") == 0;
		}
	}
	return FA_OK;
}

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
	rc = sets_rebuild(r, hs, n, q_addrs, q_events, params, "host.create", "addr_add",
			  "addresses of hosts");
	if (rc == FA_OK) {
		rc = host_sponsors(r, hs, n, params, &res);
	}
	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		rc = fa_rule_engine_seed_host_at(r->eng, hs[i].name,
						 (const char *const *)hs[i].addrs, hs[i].n,
						 hs[i].sponsor, hs[i].super, hs[i].gone);
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

/* Whether a rule of the set reads metric `name` of entity kind `kind`. */
static bool set_uses(const struct fa_rule_set *set, int kind, const char *name)
{
	int m = fa_rule_metric_find(kind, name, strlen(name));
	for (size_t i = 0; m >= 0 && i < set->nrules; i++) {
		for (size_t k = 0; k < set->rules[i]->nrefs; k++) {
			if (set->rules[i]->refs[k].metric == m) {
				return true;
			}
		}
	}
	return false;
}

/* Metrics that read the reverse NS index of hosts. */
static bool uses_delegations(const struct fa_rule_set *set)
{
	return set_uses(set, FA_RULE_E_HOST, "domains") ||
	       set_uses(set, FA_RULE_E_HOST, "young_domains");
}

/* Metrics that read the NS sets of domains. */
static bool uses_ns_sets(const struct fa_rule_set *set)
{
	return set_uses(set, FA_RULE_E_DOMAIN, "ns_replacements") ||
	       set_uses(set, FA_RULE_E_DOMAIN, "distinct_ns_hosts") ||
	       set_uses(set, FA_RULE_E_DOMAIN, "distinct_ns_addrs") ||
	       set_uses(set, FA_RULE_E_REGISTRAR, "bulk_redelegation") ||
	       set_uses(set, FA_RULE_E_REGISTRANT, "bulk_redelegation") ||
	       set_uses(set, FA_RULE_E_REGISTRANT, "domains_changed") ||
	       uses_delegations(set);
}

/*
 * The zone a delegation is read from: the name without its first label
 * ("." for a top-level name), so that the lookup uses zone_records' key
 * (zone, owner, rrtype). Delegations deeper below their zone's origin are
 * not found this way.
 */
#define ZONE_OF(col) \
	"(CASE WHEN strpos(" col ", '.') > 0" \
	" THEN substr(" col ", strpos(" col ", '.') + 1) ELSE '.' END)"

/* The zone tables come with the zone migration: ask once per run. */
static int zone_tables(struct run *r, bool *has)
{
	if (r->has_zone < 0) {
		PGresult *res = exec(r, "SELECT to_regclass('zone_records') IS NOT NULL", 0, NULL);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			return db_fail(r, res, "look for the zone tables");
		}
		r->has_zone = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
	}
	*has = r->has_zone == 1;
	return FA_OK;
}

static struct hostset *sets_new(const char **names, size_t n)
{
	struct hostset *hs = calloc(n ? n : 1, sizeof(*hs));
	for (size_t i = 0; hs != NULL && i < n; i++) {
		hs[i].name = names[i]; /* sorted by uniq() */
	}
	return hs;
}

static void sets_free(struct hostset *hs, size_t n)
{
	for (size_t i = 0; hs != NULL && i < n; i++) {
		for (size_t k = 0; k < hs[i].n; k++) {
			free(hs[i].addrs[k]);
		}
		free(hs[i].addrs);
	}
	free(hs);
}

/*
 * The NS sets the domains had just before the chunk: the current sets
 * (domains.ns from EPP, and the zone's NS records when the zone tables
 * exist) with the stored NS events from the chunk start on undone, newest
 * first; passing a domain.create means it had none before.
 */
static int seed_ns_sets(struct run *r, const char **names, size_t n, const char *from,
			const char *from_id)
{
	static const char q_now[] =
		"SELECT d.name, x FROM domains d CROSS JOIN LATERAL unnest(d.ns) x"
		" WHERE d.name = ANY($1::text[]) AND NOT d.deleted";
	static const char q_now_zone[] =
		"SELECT d.name, x FROM domains d CROSS JOIN LATERAL unnest(d.ns) x"
		" WHERE d.name = ANY($1::text[]) AND NOT d.deleted"
		" UNION SELECT z.owner, z.rdata FROM unnest($1::text[]) n(name)"
		" JOIN zone_records z ON z.zone = " ZONE_OF("n.name")
		" AND z.owner = n.name AND z.rrtype = 'NS'";
	static const char q_events[] =
		"SELECT domain, kind, host FROM events WHERE domain = ANY($1::text[])"
		" AND kind IN ('domain.ns_add', 'domain.ns_rem', 'domain.create',"
		"  'zone.ns_add', 'zone.ns_rem')"
		" AND (ts, id) >= ($2::timestamptz, $3::bigint) ORDER BY ts DESC, id DESC";
	struct fa_rule_sb arr = { 0 };
	struct hostset *hs = sets_new(names, n);
	PGresult *res = NULL;
	bool zone = false;
	int rc = zone_tables(r, &zone);

	array_literal(&arr, names, n);
	if (rc == FA_OK && (hs == NULL || arr.oom)) {
		rc = FA_ENOMEM;
	}
	if (rc != FA_OK) {
		goto out;
	}
	const char *params[3] = { arr.p, from, from_id };
	res = NULL;
	rc = sets_rebuild(r, hs, n, zone ? q_now_zone : q_now, q_events, params,
			  "domain.create", "ns_add", "name servers of domains");
	if (rc != FA_OK) {
		goto out;
	}
	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		struct fa_rule_ent *e = fa_rule_engine_find(r->eng, FA_RULE_E_DOMAIN, hs[i].name);
		if (e != NULL && e->seeded && e->nns == 0) {
			rc = fa_rule_domain_seed_ns(e, (const char *const *)hs[i].addrs, hs[i].n);
		}
	}

out:
	PQclear(res);
	sets_free(hs, n);
	fa_rule_sb_free(&arr);
	return rc;
}

/* A row of seed_since: the latest lock removal or contact change. */
static int since_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e,
		     void *ctx)
{
	(void)r;
	(void)ctx;
	if (strcmp(PQgetvalue(res, i, 1), "t") == 0) {
		e->has_lock_rem = true;
		e->lock_rem_us = get_i64(res, i, 2);
		e->lock_rem_ev = get_i64(res, i, 3);
	} else {
		e->has_contact_chg = true;
		e->contact_chg_us = get_i64(res, i, 2);
		e->contact_chg_ev = get_i64(res, i, 3);
	}
	return FA_OK;
}

/*
 * The latest registrant, contact or authInfo change (outside a create)
 * and the latest lock removal before the chunk, for since_contact_change
 * and since_lock_removed.
 */
static int seed_since(struct run *r, const char **names, size_t n, const char *from,
		      const char *from_id)
{
	static const char sql[] =
		"SELECT DISTINCT ON (e.domain, e.kind = 'domain.status_rem')"
		" e.domain, e.kind = 'domain.status_rem',"
		" (extract(epoch FROM e.ts) * 1000000)::bigint, e.id"
		" FROM events e WHERE e.domain = ANY($1::text[])"
		" AND (e.ts, e.id) < ($2::timestamptz, $3::bigint)"
		" AND (e.kind IN ('domain.registrant_change', 'domain.contact_add',"
		"  'domain.contact_rem', 'domain.authinfo_change')"
		"  OR (e.kind = 'domain.status_rem' AND e.value IN ('clientUpdateProhibited',"
		"   'clientTransferProhibited', 'clientDeleteProhibited', 'serverUpdateProhibited',"
		"   'serverTransferProhibited', 'serverDeleteProhibited')))"
		" AND NOT EXISTS (SELECT 1 FROM events c WHERE c.ts = e.ts"
		"  AND c.txn_key = e.txn_key AND c.kind = 'domain.create')"
		" ORDER BY e.domain, 2, e.ts DESC, e.id DESC";
	const char *more[2] = { from, from_id };

	return seed_rows(r, sql, names, n, more, 2, "read the contact and lock changes of domains",
			 FA_RULE_E_DOMAIN, since_row, NULL);
}

/* A row of seed_zone_ttl: the smallest TTL of the zone's NS records. */
static int zone_ttl_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e,
			void *ctx)
{
	(void)r;
	(void)ctx;
	e->has_zone_ttl = true;
	e->zone_ttl_s = get_i64(res, i, 1);
	return FA_OK;
}

/* The zone's NS TTL, when no stored zone event from the chunk on sets it. */
static int seed_zone_ttl(struct run *r, const char **names, size_t n, const char *from)
{
	static const char sql[] =
		"SELECT z.owner, min(z.ttl) FROM unnest($1::text[]) n(name)"
		" JOIN zone_records z ON z.zone = " ZONE_OF("n.name")
		" AND z.owner = n.name AND z.rrtype = 'NS'"
		" WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.domain = z.owner"
		"  AND e.ts >= $2::timestamptz"
		"  AND (e.kind IN ('zone.delegation_add', 'zone.delegation_rem')"
		"   OR (e.kind = 'zone.ttl_change' AND e.detail->>'rrtype' = 'NS')))"
		" GROUP BY z.owner";
	const char *more[1] = { from };
	bool zone;
	int rc = zone_tables(r, &zone);
	if (rc != FA_OK || !zone) {
		return rc;
	}
	return seed_rows(r, sql, names, n, more, 1, "read the zone TTLs of domains",
			 FA_RULE_E_DOMAIN, zone_ttl_row, NULL);
}

/* The young_domains window of seed_host_delegs and where it ends. */
struct deleg_window {
	int64_t keep;		/* its length, 0 when no rule reads it */
	int64_t from_us;	/* the chunk start */
};

/* A row of the current delegations: a host's count, or a young domain. */
static int deleg_now_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *h,
			 void *ctx)
{
	(void)ctx;
	if (PQgetisnull(res, i, 2)) {
		return fa_rule_host_seed_deleg(r->eng, h, get_i64(res, i, 1), NULL, 0);
	}
	return fa_rule_host_seed_deleg(r->eng, h, 0, PQgetvalue(res, i, 2), get_i64(res, i, 3));
}

/* A later NS event, newest first: undo it. */
static int deleg_event_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *h,
			   void *ctx)
{
	const struct deleg_window *w = ctx;

	if (strcmp(PQgetvalue(res, i, 1), "t") == 0) {
		fa_rule_host_unseed_deleg(h, PQgetvalue(res, i, 2));
		return FA_OK;
	}
	bool young = w->keep > 0 && !PQgetisnull(res, i, 3) &&
		     get_i64(res, i, 3) > w->from_us - w->keep;
	return fa_rule_host_seed_deleg(r->eng, h, 1, young ? PQgetvalue(res, i, 2) : NULL,
				       young ? get_i64(res, i, 3) : 0);
}

/*
 * Hosts first seen in this chunk: how many domains were delegated to them
 * just before it, and which of those were created within the longest
 * young_domains window. The current delegations (domains.ns) with the
 * stored EPP NS events from the chunk start on undone, newest first; only
 * the young ones travel as rows.
 */
static int seed_host_delegs(struct run *r, const char **names, size_t n, const char *from,
			    const char *from_id, int64_t from_us)
{
	static const char q_count[] =
		"SELECT x, count(*), NULL, NULL FROM domains d CROSS JOIN LATERAL unnest(d.ns) x"
		" WHERE x = ANY($1::text[]) AND NOT d.deleted GROUP BY x";
	/* The counts and the young domains from one scan of domains: rows
	 * with a domain name are young ones. */
	static const char q_young[] =
		"WITH r AS MATERIALIZED (SELECT x, d.name, d.created"
		" FROM domains d CROSS JOIN LATERAL unnest(d.ns) x"
		" WHERE x = ANY($1::text[]) AND NOT d.deleted)"
		" SELECT x, count(*), NULL, NULL FROM r GROUP BY x"
		" UNION ALL SELECT x, 0, name, (extract(epoch FROM created) * 1000000)::bigint"
		" FROM r WHERE created > $2::timestamptz - $3::bigint * interval '1 microsecond'";
	static const char q_events[] =
		"SELECT e.host, e.kind = 'domain.ns_add', e.domain,"
		" (extract(epoch FROM d.created) * 1000000)::bigint"
		" FROM events e LEFT JOIN domains d ON d.name = e.domain"
		" WHERE e.host = ANY($1::text[]) AND e.kind IN ('domain.ns_add', 'domain.ns_rem')"
		" AND e.domain IS NOT NULL AND (e.ts, e.id) >= ($2::timestamptz, $3::bigint)"
		" ORDER BY e.ts DESC, e.id DESC";
	static const char what[] = "read the delegations of hosts";
	int m = fa_rule_metric_find(FA_RULE_E_HOST, "young_domains", 13);
	struct deleg_window w = {
		.keep = m < 0 ? 0 : fa_rule_engine_retention(r->eng, (size_t)m),
		.from_us = from_us,
	};
	char keepbuf[32];

	snprintf(keepbuf, sizeof(keepbuf), "%lld", (long long)w.keep);
	const char *young_more[2] = { from, keepbuf };
	const char *more[2] = { from, from_id };
	int rc = seed_rows(r, w.keep > 0 ? q_young : q_count, names, n, young_more,
			   w.keep > 0 ? 2 : 0, what, FA_RULE_E_HOST, deleg_now_row, &w);
	if (rc == FA_OK) {
		rc = seed_rows(r, q_events, names, n, more, 2, what, FA_RULE_E_HOST,
			       deleg_event_row, &w);
	}
	return rc;
}

/* How far back the history of a registrar is read when it is first met. */
#define REGISTRAR_HISTORY "90 days"

/* A source network of a registrar and when it was last used. */
static int net_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e, void *ctx)
{
	(void)r;
	(void)ctx;
	return fa_rule_registrar_seed_net(e, PQgetvalue(res, i, 1), get_i64(res, i, 2));
}

/* How many transactions of a registrar fell in one hour of the day. */
static int hour_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e,
		    void *ctx)
{
	int64_t h = get_i64(res, i, 1);
	uint64_t c = (uint64_t)get_i64(res, i, 2);
	(void)r;
	(void)ctx;

	if (h >= 0 && h < 24) {
		e->hours[h] += c;
		e->nhours += c;
	}
	return FA_OK;
}

/*
 * Registrars first seen in this chunk: the source networks and the hours
 * of their transactions in the 90 days before it (new_networks,
 * off_hours), when the set reads those metrics.
 */
static int seed_registrars(struct run *r, const char **names, size_t n, const char *from,
			   const char *from_id)
{
	static const char q_nets[] =
		"SELECT registrar, src_addr, (extract(epoch FROM max(ts)) * 1000000)::bigint"
		" FROM events WHERE registrar = ANY($1::text[]) AND src_addr IS NOT NULL"
		" AND ts >= $2::timestamptz - interval '" REGISTRAR_HISTORY "'"
		" AND (ts, id) < ($2::timestamptz, $3::bigint)"
		" GROUP BY registrar, src_addr ORDER BY 3";
	static const char q_hours[] =
		"SELECT registrar, extract(hour FROM ts AT TIME ZONE 'UTC')::int,"
		" count(DISTINCT txn_key)"
		" FROM events WHERE registrar = ANY($1::text[])"
		" AND ts >= $2::timestamptz - interval '" REGISTRAR_HISTORY "'"
		" AND (ts, id) < ($2::timestamptz, $3::bigint) GROUP BY 1, 2";
	static const char what[] = "read the history of registrars";
	bool nets = set_uses(r->set, FA_RULE_E_REGISTRAR, "new_networks");
	bool hours = set_uses(r->set, FA_RULE_E_REGISTRAR, "off_hours");
	const char *more[2] = { from, from_id };
	int rc = FA_OK;

	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		struct fa_rule_ent *e;
		rc = fa_rule_engine_seed_ent(r->eng, FA_RULE_E_REGISTRAR, names[i], &e);
	}
	if (rc == FA_OK && nets) {
		rc = seed_rows(r, q_nets, names, n, more, 2, what, FA_RULE_E_REGISTRAR, net_row,
			       NULL);
	}
	if (rc == FA_OK && hours) {
		rc = seed_rows(r, q_hours, names, n, more, 2, what, FA_RULE_E_REGISTRAR, hour_row,
			       NULL);
	}
	return rc;
}

/* A row of seed_reuse: another contact with the same email or voice. */
static int reuse_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e,
		     void *ctx)
{
	(void)r;
	(void)ctx;
	return fa_rule_registrant_seed_reuse(e, PQgetvalue(res, i, 1));
}

/*
 * For contact_reuse: the other contacts that shared the registrant's email
 * (case-insensitively) or voice in the contacts table, both rows last
 * changed before the chunk; at most FA_RULE_MAX_REUSE per registrant.
 */
static int seed_reuse(struct run *r, const char **names, size_t n, const char *from)
{
	/* Two joins, one per field, so that each can use its index
	 * (contacts_email, contacts_voice); UNION drops a pair found by both. */
	static const char sql[] =
		"WITH c AS (SELECT id, data FROM contacts WHERE id = ANY($1::text[])"
		"  AND NOT deleted AND updated < $2::timestamptz)"
		" SELECT c.id, o.id FROM c JOIN contacts o"
		"  ON lower(o.data->>'email') = lower(c.data->>'email')"
		" WHERE coalesce(c.data->>'email', '') <> '' AND o.id <> c.id"
		"  AND NOT o.deleted AND o.updated < $2::timestamptz"
		" UNION SELECT c.id, o.id FROM c JOIN contacts o"
		"  ON o.data->>'voice' = c.data->>'voice'"
		" WHERE coalesce(c.data->>'voice', '') <> '' AND o.id <> c.id"
		"  AND NOT o.deleted AND o.updated < $2::timestamptz"
		" ORDER BY 1, 2";
	const char *more[1] = { from };

	return seed_rows(r, sql, names, n, more, 1,
			 "read the contacts sharing data with registrants", FA_RULE_E_REGISTRANT,
			 reuse_row, NULL);
}

/* A row of seed_registrants: the contact data of one registrant. */
static int registrant_row(struct run *r, const PGresult *res, int i, struct fa_rule_ent *e,
			  void *ctx)
{
	(void)ctx;
	return fa_rule_registrant_seed(r->eng, e, get_str(res, i, 1), get_str(res, i, 2),
				       get_str(res, i, 3), get_str(res, i, 4), get_str(res, i, 5),
				       strcmp(PQgetvalue(res, i, 6), "t") == 0);
}

/*
 * Registrants first seen in this chunk: their contact data from the
 * contacts table when it was last changed before the chunk (else a
 * contact event of the scan will tell).
 */
static int seed_registrants(struct run *r, const char **names, size_t n, const char *from)
{
	static const char sql[] =
		"SELECT id, data->>'email', data->>'voice', data->>'name', data->>'cc',"
		" data->>'city', data ? 'city'"
		" FROM contacts WHERE id = ANY($1::text[]) AND NOT deleted"
		" AND updated < $2::timestamptz";
	const char *more[1] = { from };
	int rc = FA_OK;

	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		struct fa_rule_ent *e;
		rc = fa_rule_engine_seed_ent(r->eng, FA_RULE_E_REGISTRANT, names[i], &e);
	}
	bool reuse = set_uses(r->set, FA_RULE_E_REGISTRANT, "contact_reuse");
	if (rc != FA_OK ||
	    (!reuse && !set_uses(r->set, FA_RULE_E_REGISTRANT, "contact_quality_issues"))) {
		return rc;
	}
	rc = seed_rows(r, sql, names, n, more, 1, "read the contact data of registrants",
		       FA_RULE_E_REGISTRANT, registrant_row, NULL);
	return rc == FA_OK && reuse ? seed_reuse(r, names, n, from) : rc;
}

/* Everything the domains of the chunk need besides create date and TTL. */
static int seed_domains_more(struct run *r, const char **names, size_t n, const char *from,
			     const char *from_id)
{
	int rc = FA_OK;
	if (uses_ns_sets(r->set) || fa_rule_engine_domain_providers(r->eng)) {
		rc = seed_ns_sets(r, names, n, from, from_id);
	}
	if (rc == FA_OK && (set_uses(r->set, FA_RULE_E_DOMAIN, "since_contact_change") ||
			    set_uses(r->set, FA_RULE_E_DOMAIN, "since_lock_removed"))) {
		rc = seed_since(r, names, n, from, from_id);
	}
	if (rc == FA_OK && set_uses(r->set, FA_RULE_E_DOMAIN, "min_ttl")) {
		rc = seed_zone_ttl(r, names, n, from);
	}
	return rc;
}

/* Columns of the event cursor. */
enum {
	C_ID, C_TS, C_KIND, C_REGISTRAR, C_DOMAIN, C_HOST, C_VALUE, C_CREATED, C_TXN,
	C_CONTACT, C_SRC, C_RRTYPE, C_TTL, C_EMAIL, C_VOICE, C_NAME, C_CC, C_CITY, C_CFIELDS
};

#define EVENT_COLUMNS \
	" SELECT id, (extract(epoch FROM ts) * 1000000)::bigint, kind, registrar," \
	" domain, host, value," \
	" CASE WHEN kind = 'domain.create' THEN detail->>'created' END, txn_key," \
	" contact, src_addr," \
	" CASE WHEN kind LIKE 'zone.%' THEN detail->>'rrtype' END," \
	" CASE WHEN kind LIKE 'zone.%' AND jsonb_typeof(detail->'ttl') = 'number'" \
	"  THEN (detail->>'ttl')::numeric::bigint END," \
	" c.email, c.voice, c.name, c.cc, c.city, c.fields" \
	" FROM events LEFT JOIN LATERAL (SELECT detail->>'email' AS email," \
	"  detail->>'voice' AS voice, detail->>'name' AS name, detail->>'cc' AS cc," \
	"  detail->>'city' AS city," \
	"  (detail ? 'email')::int + 2 * (detail ? 'voice')::int" \
	"  + 4 * (detail ? 'name')::int + 8 * (detail ? 'cc')::int" \
	"  + 16 * (detail ? 'city')::int AS fields" \
	"  WHERE kind IN ('contact.create', 'contact.update')" \
	"  AND jsonb_typeof(detail) = 'object') c ON true"

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
	ev->contact = get_str(res, i, C_CONTACT);
	ev->src_addr = get_str(res, i, C_SRC);
	ev->rrtype = get_str(res, i, C_RRTYPE);
	if (!PQgetisnull(res, i, C_TTL)) {
		ev->has_ttl = true;
		ev->ttl_s = get_i64(res, i, C_TTL);
	}
	ev->c_email = get_str(res, i, C_EMAIL);
	ev->c_voice = get_str(res, i, C_VOICE);
	ev->c_name = get_str(res, i, C_NAME);
	ev->c_cc = get_str(res, i, C_CC);
	ev->c_city = get_str(res, i, C_CITY);
	ev->cfields = PQgetisnull(res, i, C_CFIELDS) ? 0 : (unsigned)get_i64(res, i, C_CFIELDS);
	const char *created = get_str(res, i, C_CREATED);
	if (created != NULL &&
	    fa_time_parse(created, strlen(created), &ev->created_us) == FA_OK) {
		ev->has_created = true;
	}
}

/* A growable list of names borrowed from the chunk or from trackers. */
struct names {
	const char **v;
	size_t n, cap;
};

static int names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		const char **p = realloc(l->v, cap * sizeof(*p));
		if (p == NULL) {
			return FA_ENOMEM;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = name;
	return FA_OK;
}

static int want(struct run *r, struct names *l, const char *kind, const char *name)
{
	if (name == NULL || !fa_rule_engine_wants_seed(r->eng, kind, name)) {
		return FA_OK;
	}
	return names_add(l, name);
}

/*
 * Hosts whose addresses the domains' distinct_ns_addrs will read: those
 * the chunk adds as name servers and those the new domains hold.
 */
static int ns_hosts(struct run *r, const PGresult *res, const struct names *domains,
		    struct names *hosts)
{
	int rc = FA_OK;
	if (!set_uses(r->set, FA_RULE_E_DOMAIN, "distinct_ns_addrs") &&
	    !uses_delegations(r->set) && !fa_rule_engine_domain_providers(r->eng)) {
		return FA_OK;
	}
	for (int i = 0; i < PQntuples(res) && rc == FA_OK; i++) {
		const char *kind = PQgetvalue(res, i, C_KIND);
		if (strcmp(kind, "domain.ns_add") == 0 || strcmp(kind, "zone.ns_add") == 0) {
			rc = want(r, hosts, "host", get_str(res, i, C_HOST));
		}
	}
	for (size_t i = 0; i < domains->n && rc == FA_OK; i++) {
		const struct fa_rule_ent *e =
			fa_rule_engine_find(r->eng, FA_RULE_E_DOMAIN, domains->v[i]);
		for (size_t k = 0; e != NULL && k < e->nns && rc == FA_OK; k++) {
			if (e->ns[k].held) {
				rc = want(r, hosts, "host", e->ns[k].addr);
			}
		}
	}
	return rc;
}

/* Seed what the chunk's new entities need, then feed its events. */
static int chunk(struct run *r, const PGresult *res, int64_t eval_from_us)
{
	int rows = PQntuples(res);
	struct names domains = { 0 }, hosts = { 0 }, registrars = { 0 }, registrants = { 0 };
	char from[FA_TIME_BUFSZ];
	const char *from_id = rows > 0 ? PQgetvalue(res, 0, C_ID) : "0";
	int rc = FA_OK;

	if (rows > 0) {
		fa_time_format(get_i64(res, 0, C_TS), from, sizeof(from));
	}
	bool glue = set_uses(r->set, FA_RULE_E_DOMAIN, "glue_changes");
	for (int i = 0; i < rows && rc == FA_OK; i++) {
		struct fa_rule_event ev;
		row_event(res, i, &ev);
		rc = want(r, &domains, "domain",
			  fa_rule_entities[FA_RULE_E_DOMAIN].key(r->eng, &ev));
		if (rc == FA_OK && glue && strncmp(ev.kind, "host.addr_", 10) == 0) {
			/* glue_changes of the host's domain (hostAttr glue) */
			rc = want(r, &domains, "domain", ev.domain);
		}
		if (rc == FA_OK) {
			rc = want(r, &hosts, "host",
				  fa_rule_entities[FA_RULE_E_HOST].key(r->eng, &ev));
		}
		if (rc == FA_OK) {
			rc = want(r, &registrars, "registrar",
				  fa_rule_entities[FA_RULE_E_REGISTRAR].key(r->eng, &ev));
		}
	}
	domains.n = uniq(domains.v, domains.n);
	registrars.n = uniq(registrars.v, registrars.n);

	if (rc == FA_OK && domains.n > 0) {
		rc = seed_domains(r, domains.v, domains.n, from, from_id);
		if (rc == FA_OK) {
			rc = seed_domains_more(r, domains.v, domains.n, from, from_id);
		}
	}
	if (rc == FA_OK) {
		rc = ns_hosts(r, res, &domains, &hosts);
	}
	hosts.n = uniq(hosts.v, hosts.n);
	if (rc == FA_OK && hosts.n > 0) {
		rc = seed_hosts(r, hosts.v, hosts.n, from, from_id);
	}
	if (rc == FA_OK && hosts.n > 0 && uses_delegations(r->set)) {
		rc = seed_host_delegs(r, hosts.v, hosts.n, from, from_id,
				      get_i64(res, 0, C_TS));
	}
	if (rc == FA_OK && registrars.n > 0) {
		rc = seed_registrars(r, registrars.v, registrars.n, from, from_id);
	}

	/* Registrants are known through the domains, seeded now. */
	for (int i = 0; i < rows && rc == FA_OK; i++) {
		struct fa_rule_event ev;
		row_event(res, i, &ev);
		rc = want(r, &registrants, "registrant",
			  fa_rule_entities[FA_RULE_E_REGISTRANT].key(r->eng, &ev));
		if (rc == FA_OK && (strcmp(ev.kind, "domain.create") == 0 ||
				    strcmp(ev.kind, "domain.registrant_change") == 0)) {
			rc = want(r, &registrants, "registrant", ev.contact);
		}
	}
	registrants.n = uniq(registrants.v, registrants.n);
	if (rc == FA_OK && registrants.n > 0) {
		rc = seed_registrants(r, registrants.v, registrants.n, from);
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

	free(domains.v);
	free(hosts.v);
	free(registrars.v);
	free(registrants.v);
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
		"DECLARE fa_rule_events NO SCROLL CURSOR FOR" EVENT_COLUMNS
		" WHERE ts >= $1::timestamptz AND ts < $2::timestamptz"
		" ORDER BY ts, id" :
		"DECLARE fa_rule_events NO SCROLL CURSOR FOR" EVENT_COLUMNS
		" WHERE ts >= $1::timestamptz"
		" ORDER BY ts, id";
	const char *params[2] = { warm, until };
	int64_t lookback = fa_rule_set_lookback(r->set);
	const int64_t day = INT64_C(86400000000);
	int64_t prune_gap = (lookback > day ? lookback : day) / 16;
	int64_t pruned_us = 0;
	bool pruned = false;
	int rc = exec_cmd(r, sql, has_until ? 2 : 1, params, "read events");
	while (rc == FA_OK) {
		PGresult *res = PQexec(r->conn, fetch);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			return db_fail(r, res, "read events");
		}
		int rows = PQntuples(res);
		int64_t last_us = rows > 0 ? get_i64(res, rows - 1, C_TS) : 0;
		rc = chunk(r, res, eval_from_us);
		PQclear(res);
		/* Pruning walks every tracker: do it when data time has moved
		 * on by a sixteenth of the longest window (at least a day),
		 * which bounds what is kept to that much more activity. */
		if (rows > 0 && (!pruned || last_us - pruned_us >= prune_gap)) {
			fa_rule_engine_prune(r->eng);
			pruned = true;
			pruned_us = last_us;
		}
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
	struct run r = { .conn = conn, .set = set, .res = res, .err = err, .errlen = errlen,
			 .has_zone = -1 };
	memset(res, 0, sizeof(*res));
	r.eng = fa_rule_engine_new(set);
	if (r.eng == NULL) {
		snprintf(err, errlen, "could not evaluate: out of memory");
		return FA_ENOMEM;
	}
	fa_rule_engine_set_manual_prune(r.eng, true);
	fa_rule_engine_set_enrich(r.eng, opts->enrich);
	int rc = run(&r, opts);
	fa_rule_engine_stats(r.eng, &res->stats);
	fa_rule_engine_free(r.eng);
	return rc;
}
