/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batched, idempotent ingest. A batch is written in one database
 * transaction under an advisory lock that serializes ingesters: one query
 * tells which of the batch's keys are stored already, the new transactions
 * are copied straight into txns, and only the events and state changes of
 * new ones are written (events with COPY), together with registrars,
 * rejects and the input checkpoint. Read-only transactions (checks, polls,
 * hellos, infos without data) leave no row at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"
#include "common/fa_json.h"
#include "common/fa_time.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

/* Bound of the excerpt kept with a reject. */
#define MAX_EXCERPT 512

struct breject {
	const char *source;
	const char *identity;
	const char *reason;
	const char *excerpt;
	uint64_t offset;
};

struct fa_store_batch {
	struct fa_store *store;
	struct fa_arena *arena;	/* everything queued; reset per commit */
	struct fa_store_btxn *txns;
	size_t ntxns;
	size_t txns_cap;
	struct breject *rejects;
	size_t nrejects;
	size_t rejects_cap;
	const char *ck_identity;
	const char *ck_source;
	uint64_t ck_offset;
	bool lazy;		/* commit without waiting for the WAL flush */
	struct fa_store_buf buf;
	/* COPY data of the queued transactions and of their events, made
	 * as they are added so that the committing thread only sends it. */
	struct fa_store_buf txn_text;
	struct fa_store_buf ev_text;
};

/*
 * Events go in COPY's binary format: the server then takes times and
 * numbers as they are instead of parsing their text, which is a good part
 * of what a row costs it. A row is its field count, then each field as
 * its length (-1 for NULL) and bytes in network order.
 */
static const char copy_bin_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
#define PG_EPOCH_US INT64_C(946684800000000)

static int bin_u(struct fa_store_buf *o, uint64_t v, size_t n)
{
	char be[8];
	for (size_t i = 0; i < n; i++) {
		be[i] = (char)(v >> (8 * (n - 1 - i)));
	}
	return fa_store_buf_put(o, be, n);
}

static int bin_int(struct fa_store_buf *o, int64_t v, size_t n)
{
	int rc = bin_u(o, n, 4);
	return rc ? rc : bin_u(o, (uint64_t)v, n);
}

/* A text field, or a jsonb one (version byte 1, then the text). */
static int bin_text(struct fa_store_buf *o, const char *s, bool jsonb)
{
	if (s == NULL) {
		return bin_u(o, UINT32_MAX, 4);
	}
	size_t n = strlen(s);
	if (n > INT32_MAX - 1) {
		return FA_ELIMIT;
	}
	int rc = bin_u(o, n + (jsonb ? 1 : 0), 4);
	if (rc == FA_OK && jsonb) {
		rc = fa_store_buf_put(o, "\1", 1);
	}
	return rc ? rc : fa_store_buf_put(o, s, n);
}

static bool read_only(const struct fa_store_btxn *t);
static int put_txn(struct fa_store_buf *o, const struct fa_store_btxn *t);
static int put_events(struct fa_store_batch *b, struct fa_store_buf *o,
		      const struct fa_store_btxn *t);

static const char stage_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS stage_domains ("
	" name text, registrar text, registrant text, created timestamptz,"
	" ns text[], statuses text[], ds text[], ttls jsonb, deleted boolean,"
	" updated timestamptz) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS stage_hosts ("
	" name text, registrar text, addrs text[], statuses text[],"
	" superordinate text, deleted boolean, updated timestamptz)"
	" ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS stage_contacts ("
	" id text, registrar text, data jsonb, deleted boolean,"
	" updated timestamptz) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS stage_registrars ("
	" clid text, first_seen timestamptz, last_seen timestamptz)"
	" ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS stage_rejects ("
	" source text, source_identity text, source_offset bigint,"
	" reason text, excerpt text) ON COMMIT DELETE ROWS";

int fa_store_batch_new(struct fa_store_batch **out, struct fa_store *store)
{
	struct fa_store_batch *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return FA_ENOMEM;
	}
	b->store = store;
	b->arena = fa_arena_new();
	if (b->arena == NULL) {
		free(b);
		return FA_ENOMEM;
	}
	*out = b;
	return FA_OK;
}

void fa_store_batch_free(struct fa_store_batch *b)
{
	if (b == NULL) {
		return;
	}
	fa_arena_free(b->arena);
	free(b->txns);
	free(b->rejects);
	fa_store_buf_free(&b->buf);
	fa_store_buf_free(&b->txn_text);
	fa_store_buf_free(&b->ev_text);
	free(b);
}

void fa_store_batch_set_durable(struct fa_store_batch *b, int durable)
{
	b->lazy = !durable;
}

size_t fa_store_batch_count(const struct fa_store_batch *b)
{
	return b->ntxns + b->nrejects;
}

static const char *dup(struct fa_store_batch *b, const char *s, bool *oom)
{
	if (s == NULL) {
		return NULL;
	}
	const char *d = fa_arena_strndup(b->arena, s, strlen(s));
	if (d == NULL) {
		*oom = true;
	}
	return d;
}

int fa_store_batch_add_txn(struct fa_store_batch *b, const struct fa_txn *txn)
{
	if (b->ntxns == b->txns_cap) {
		size_t cap = b->txns_cap ? b->txns_cap * 2 : 256;
		struct fa_store_btxn *v = realloc(b->txns, cap * sizeof(*v));
		if (v == NULL) {
			return FA_ENOMEM;
		}
		b->txns = v;
		b->txns_cap = cap;
	}

	bool oom = false;
	struct fa_store_btxn *t = &b->txns[b->ntxns];
	memset(t, 0, sizeof(*t));
	t->time_us = txn->time_us;
	t->registrar = dup(b, txn->registrar, &oom);
	t->src_addr = dup(b, txn->src_addr, &oom);
	t->session = dup(b, txn->session, &oom);
	t->cltrid = dup(b, txn->cltrid, &oom);
	t->svtrid = dup(b, txn->svtrid, &oom);
	t->command = dup(b, txn->command, &oom);
	t->result_msg = dup(b, txn->result_msg, &oom);
	t->result_code = txn->result_code;
	t->has_response = txn->has_response;
	memcpy(t->key, txn->key, sizeof(t->key));
	t->key[sizeof(t->key) - 1] = '\0';
	t->source = dup(b, txn->pos.path, &oom);
	t->offset = txn->pos.offset;
	if (txn->nevents > 0) {
		t->events = fa_arena_alloc(b->arena, txn->nevents * sizeof(*t->events));
		if (t->events == NULL) {
			return FA_ENOMEM;
		}
	}
	for (size_t i = 0; i < txn->nevents; i++) {
		const struct fa_event *e = &txn->events[i];
		struct fa_store_bevent *o = &t->events[i];
		o->kind = e->kind;
		o->domain = dup(b, e->domain, &oom);
		o->host = dup(b, e->host, &oom);
		o->contact = dup(b, e->contact, &oom);
		o->value = dup(b, e->value, &oom);
		o->detail = dup(b, e->detail, &oom);
	}
	t->nevents = txn->nevents;
	if (oom) {
		return FA_ENOMEM;
	}

	if (b->ev_text.len == 0 &&
	    fa_store_buf_put(&b->ev_text, copy_bin_header, sizeof(copy_bin_header)) != FA_OK) {
		return FA_ENOMEM;
	}
	if (b->txn_text.len == 0 &&
	    fa_store_buf_put(&b->txn_text, copy_bin_header, sizeof(copy_bin_header)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->txn_off = b->txn_text.len;
	t->ev_off = b->ev_text.len;
	if (!read_only(t) && (put_txn(&b->txn_text, t) != FA_OK ||
			      put_events(b, &b->ev_text, t) != FA_OK)) {
		b->txn_text.len = t->txn_off;
		b->ev_text.len = t->ev_off;
		return FA_ENOMEM;
	}
	t->txn_len = b->txn_text.len - t->txn_off;
	t->ev_len = b->ev_text.len - t->ev_off;
	b->ntxns++;
	return FA_OK;
}

int fa_store_batch_add_reject(struct fa_store_batch *b,
			      const struct fa_reject *rej, const char *identity)
{
	if (b->nrejects == b->rejects_cap) {
		size_t cap = b->rejects_cap ? b->rejects_cap * 2 : 16;
		struct breject *v = realloc(b->rejects, cap * sizeof(*v));
		if (v == NULL) {
			return FA_ENOMEM;
		}
		b->rejects = v;
		b->rejects_cap = cap;
	}

	bool oom = false;
	struct breject *r = &b->rejects[b->nrejects];
	r->source = dup(b, rej->pos.path != NULL ? rej->pos.path : "", &oom);
	r->identity = dup(b, identity, &oom);
	r->reason = dup(b, rej->reason != NULL ? rej->reason : "unknown reason", &oom);
	r->offset = rej->pos.offset;
	r->excerpt = NULL;
	if (rej->excerpt != NULL && rej->excerpt_len > 0) {
		/* Keep a bounded, printable excerpt (text column: no NULs). */
		size_t n = rej->excerpt_len < MAX_EXCERPT ? rej->excerpt_len : MAX_EXCERPT;
		char *x = fa_arena_alloc(b->arena, n + 1);
		if (x == NULL) {
			return FA_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)rej->excerpt[i];
			x[i] = (c < 0x20 && c != '\n' && c != '\t') || c >= 0x80 ? '?' : (char)c;
		}
		x[n] = '\0';
		r->excerpt = x;
	}
	if (oom) {
		return FA_ENOMEM;
	}
	b->nrejects++;
	return FA_OK;
}

int fa_store_batch_set_checkpoint(struct fa_store_batch *b,
				  const char *identity, const char *source,
				  uint64_t offset)
{
	bool oom = false;
	b->ck_identity = dup(b, identity, &oom);
	b->ck_source = dup(b, source, &oom);
	b->ck_offset = offset;
	return oom ? FA_ENOMEM : FA_OK;
}

static void batch_reset(struct fa_store_batch *b)
{
	b->ntxns = 0;
	b->nrejects = 0;
	b->ck_identity = NULL;
	b->ck_source = NULL;
	b->ck_offset = 0;
	fa_arena_reset(b->arena);
	/* A huge batch should not pin its buffer for the whole run. */
	struct fa_store_buf *bufs[3] = { &b->buf, &b->txn_text, &b->ev_text };
	for (size_t i = 0; i < 3; i++) {
		if (bufs[i]->cap > 64 * FA_STORE_COPY_CHUNK) {
			fa_store_buf_free(bufs[i]);
		}
		bufs[i]->len = 0;
	}
}

/* ---- the commit, step by step ---- */

struct commit {
	struct fa_store_batch *b;
	struct fa_store_stats st;
	struct fa_store_map keys;	/* key -> txn, first occurrence */
	char *err;
	size_t errlen;
};

static int q_tuples(struct commit *c, const char *sql, int nparams,
		    const char *const *params, const char *what, PGresult **out)
{
	PGconn *conn = c->b->store->conn;
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_TUPLES_OK, conn, what, c->err, c->errlen);
	if (rc == FA_OK) {
		if (out != NULL) {
			*out = res;
		} else {
			PQclear(res);
		}
	}
	return rc;
}

static int q_command(struct commit *c, const char *sql, int nparams,
		     const char *const *params, const char *what, uint64_t *rows)
{
	PGconn *conn = c->b->store->conn;
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_COMMAND_OK, conn, what, c->err, c->errlen);
	if (rc == FA_OK) {
		if (rows != NULL) {
			*rows = strtoull(PQcmdTuples(res), NULL, 10);
		}
		PQclear(res);
	}
	return rc;
}

static int begin(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	/*
	 * The lookups of a batch join thousands of names to a table that
	 * grows during the ingest and has no statistics yet: the planner
	 * would hash or merge the whole table for each batch, which makes
	 * the ingest quadratic. One index probe per name is the right plan
	 * at any size. JIT compiling these short statements only adds time.
	 */
	int rc = fa_store_exec(b->store,
			       "BEGIN; SET LOCAL enable_hashjoin = off; "
			       "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off",
			       c->err, c->errlen);
	if (rc != FA_OK) {
		return rc;
	}
	if (b->lazy) {
		rc = fa_store_exec(b->store, "SET LOCAL synchronous_commit = off",
				   c->err, c->errlen);
		if (rc != FA_OK) {
			return rc;
		}
	}
	if (!b->store->temp_ready) {
		rc = fa_store_exec(b->store, stage_sql, c->err, c->errlen);
		if (rc != FA_OK) {
			return rc;
		}
	}

	int64_t lo = INT64_MAX;
	int64_t hi = INT64_MIN;
	for (size_t i = 0; i < b->ntxns; i++) {
		lo = b->txns[i].time_us < lo ? b->txns[i].time_us : lo;
		hi = b->txns[i].time_us > hi ? b->txns[i].time_us : hi;
	}
	if (b->ntxns == 0) {
		return q_tuples(c, "SELECT pg_advisory_xact_lock(" FA_STORE_INGEST_LOCK_KEY ")",
				0, NULL, "could not lock for ingest", NULL);
	}
	char tlo[FA_TIME_BUFSZ];
	char thi[FA_TIME_BUFSZ];
	const char *params[2] = {
		fa_time_format(lo, tlo, sizeof(tlo)),
		fa_time_format(hi, thi, sizeof(thi)),
	};
	return q_tuples(c, "SELECT pg_advisory_xact_lock(" FA_STORE_INGEST_LOCK_KEY "), "
			"fa_ensure_event_partitions($1, $2)",
			2, params, "could not prepare the event partitions", NULL);
}

/*
 * Nothing to keep: a query (check, poll, hello, or an info whose response
 * carried no object data) that succeeded or was not answered yields no
 * event and changes nothing. Storing each one would make txns the largest
 * table (checks are most of a registry's EPP traffic) for no audit value.
 * A failed one is kept: its command.failed event counts for the rules.
 */
static bool read_only(const struct fa_store_btxn *t)
{
	if (t->nevents > 0 || t->command == NULL ||
	    (t->has_response && t->result_code >= 2000)) {
		return false;
	}
	const char *verb = strchr(t->command, ':');
	verb = verb != NULL ? verb + 1 : t->command;
	return strcmp(verb, "check") == 0 || strcmp(verb, "info") == 0 ||
	       strcmp(t->command, "poll") == 0 || strcmp(t->command, "hello") == 0;
}

/*
 * Which keys of the batch are stored already: one round trip. A join with
 * the unnested keys probes the primary key once per key; "key = ANY(...)"
 * with thousands of keys is planned as a scan of the whole table, which
 * grows with every batch.
 */
static int find_stored(struct commit *c, const char **keys, size_t n,
		       struct fa_store_map *stored)
{
	struct fa_store_buf lit = { 0 };
	if (fa_store_array_write(&lit, keys, n) != FA_OK) {
		fa_store_buf_free(&lit);
		snprintf(c->err, c->errlen, "out of memory");
		return FA_ENOMEM;
	}
	const char *params[1] = { lit.data };
	PGresult *res = NULL;
	int rc = q_tuples(c, "SELECT key FROM unnest($1::text[]) AS k(want) "
			  "JOIN txns ON key = want", 1,
			  params, "could not read \"txns\"", &res);
	fa_store_buf_free(&lit);
	for (int r = 0; rc == FA_OK && r < PQntuples(res); r++) {
		struct fa_store_btxn *t = fa_store_map_get(&c->keys, PQgetvalue(res, r, 0));
		if (t != NULL) {
			rc = fa_store_map_put(stored, t->key, t);
		}
	}
	PQclear(res);
	if (rc == FA_ENOMEM) {
		snprintf(c->err, c->errlen, "out of memory");
	}
	return rc;
}

static int put_txn(struct fa_store_buf *o, const struct fa_store_btxn *t)
{
	int rc = bin_u(o, 11, 2);
	rc = rc ? rc : bin_text(o, t->key, false);
	rc = rc ? rc : bin_int(o, t->time_us - PG_EPOCH_US, 8);
	rc = rc ? rc : bin_text(o, t->registrar, false);
	rc = rc ? rc : bin_text(o, t->command, false);
	if (t->has_response) {
		rc = rc ? rc : bin_int(o, t->result_code, 4);
	} else {
		rc = rc ? rc : bin_u(o, UINT32_MAX, 4);
	}
	rc = rc ? rc : bin_text(o, t->source, false);
	rc = rc ? rc : bin_int(o, (int64_t)t->offset, 8);
	rc = rc ? rc : bin_text(o, t->session, false);
	rc = rc ? rc : bin_text(o, t->src_addr, false);
	rc = rc ? rc : bin_text(o, t->cltrid, false);
	rc = rc ? rc : bin_text(o, t->svtrid, false);
	return rc;
}

/*
 * Learn which transactions are new and copy them into txns. The ingest
 * lock (taken in begin()) keeps any other ingester from adding a key
 * between the lookup and the COPY.
 */
static int insert_txns(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	struct fa_store_buf *o = &b->buf;
	struct fa_store_map stored;
	const char **keys = NULL;
	size_t nkeys = 0;
	int rc = FA_OK;

	fa_store_map_init(&stored, b->arena);
	if (b->ntxns > 0) {
		keys = fa_arena_alloc(b->arena, b->ntxns * sizeof(*keys));
		if (keys == NULL) {
			snprintf(c->err, c->errlen, "out of memory");
			return FA_ENOMEM;
		}
	}
	for (size_t i = 0; rc == FA_OK && i < b->ntxns; i++) {
		struct fa_store_btxn *t = &b->txns[i];
		t->is_new = false;
		if (read_only(t)) {
			c->st.txns_readonly++;
		} else if (fa_store_map_get(&c->keys, t->key) != NULL) {
			c->st.txns_dup++;	/* twice in the batch */
		} else {
			rc = fa_store_map_put(&c->keys, t->key, t);
			keys[nkeys++] = t->key;
		}
	}
	if (rc != FA_OK) {
		snprintf(c->err, c->errlen, "out of memory");
		return rc;
	}
	if (nkeys == 0) {
		return FA_OK;
	}
	rc = find_stored(c, keys, nkeys, &stored);
	if (rc != FA_OK) {
		return rc;
	}

	/* Usually every queued row goes: then the data is sent as made. */
	struct fa_store_buf *send = &b->txn_text;
	o->len = 0;
	if (stored.len > 0 || c->st.txns_dup > 0) {
		send = o;
		rc = fa_store_buf_put(o, copy_bin_header, sizeof(copy_bin_header));
	}
	for (size_t i = 0; rc == FA_OK && i < nkeys; i++) {
		struct fa_store_btxn *t = fa_store_map_get(&c->keys, keys[i]);
		if (fa_store_map_get(&stored, keys[i]) != NULL) {
			c->st.txns_dup++;
			continue;
		}
		t->is_new = true;
		c->st.txns_new++;
		if (send == o) {
			rc = fa_store_buf_put(o, b->txn_text.data + t->txn_off, t->txn_len);
		}
	}
	if (rc == FA_OK && c->st.txns_new == 0) {
		return FA_OK;
	}
	rc = rc ? rc : bin_u(send, UINT16_MAX, 2);	/* the end: field count -1 */
	if (rc != FA_OK) {
		snprintf(c->err, c->errlen, "out of memory");
		return rc;
	}
	return fa_store_copy_in(b->store,
				"COPY txns (key, ts, registrar, command, result_code, source, "
				"source_offset, session, src_addr, cltrid, svtrid) FROM STDIN "
				"(FORMAT binary)",
				send, NULL, c->err, c->errlen);
}

static int put_event(struct fa_store_buf *o, const struct fa_store_btxn *t,
		     size_t seq, const struct fa_store_bevent *e)
{
	int rc = bin_u(o, 15, 2);
	rc = rc ? rc : bin_int(o, t->time_us - PG_EPOCH_US, 8);
	rc = rc ? rc : bin_text(o, t->key, false);
	rc = rc ? rc : bin_int(o, (int64_t)seq, 4);
	rc = rc ? rc : bin_text(o, fa_event_kind_name(e->kind), false);
	rc = rc ? rc : bin_text(o, t->registrar, false);
	rc = rc ? rc : bin_text(o, e->domain, false);
	rc = rc ? rc : bin_text(o, e->host, false);
	rc = rc ? rc : bin_text(o, e->contact, false);
	rc = rc ? rc : bin_text(o, e->value, false);
	rc = rc ? rc : bin_text(o, e->detail, true);
	if (t->has_response) {
		rc = rc ? rc : bin_int(o, t->result_code, 4);
	} else {
		rc = rc ? rc : bin_u(o, UINT32_MAX, 4);
	}
	rc = rc ? rc : bin_text(o, t->session, false);
	rc = rc ? rc : bin_text(o, t->src_addr, false);
	rc = rc ? rc : bin_text(o, t->source, false);
	rc = rc ? rc : bin_int(o, (int64_t)t->offset, 8);
	return rc;
}

/* The event a failed command leaves when the reader did not make one. */
static int failed_event(struct fa_store_batch *b, const struct fa_store_btxn *t,
			struct fa_store_bevent *e, char *value, size_t vlen)
{
	struct fa_store_buf d = { 0 };
	char cmd[256];
	char msg[1024];
	const char *m = t->result_msg != NULL ? t->result_msg : "";
	fa_json_escape(cmd, sizeof(cmd), t->command != NULL ? t->command : "",
		       t->command != NULL ? strlen(t->command) : 0);
	fa_json_escape(msg, sizeof(msg), m, strlen(m));
	snprintf(value, vlen, "%d", t->result_code);
	memset(e, 0, sizeof(*e));
	e->kind = FA_EV_COMMAND_FAILED;
	e->value = value;
	if (fa_store_buf_printf(&d, "{\"command\":%s,\"msg\":%s}", cmd, msg) != FA_OK) {
		return FA_ENOMEM;
	}
	e->detail = fa_arena_strndup(b->arena, d.data, d.len);
	fa_store_buf_free(&d);
	return e->detail != NULL ? FA_OK : FA_ENOMEM;
}

/* The event rows of one transaction: those of a success, or the failure
 * of a failed command (made here when the reader made none). */
static int put_events(struct fa_store_batch *b, struct fa_store_buf *o,
		      const struct fa_store_btxn *t)
{
	int rc = FA_OK;
	if (!t->has_response || t->result_code < 1000) {
		return FA_OK;
	}
	if (t->result_code < 2000) {
		for (size_t j = 0; rc == FA_OK && j < t->nevents; j++) {
			rc = put_event(o, t, j, &t->events[j]);
		}
		return rc;
	}
	bool any = false;
	for (size_t j = 0; rc == FA_OK && j < t->nevents; j++) {
		if (t->events[j].kind == FA_EV_COMMAND_FAILED) {
			rc = put_event(o, t, j, &t->events[j]);
			any = true;
		}
	}
	if (rc == FA_OK && !any) {
		struct fa_store_bevent e;
		char value[16];
		rc = failed_event(b, t, &e, value, sizeof(value));
		rc = rc ? rc : put_event(o, t, 0, &e);
	}
	return rc;
}

static int copy_events(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	struct fa_store_buf *o = &b->buf;
	int rc = FA_OK;
	uint64_t rows = 0;

	/* Usually every queued row goes: then the data is sent as made. */
	struct fa_store_buf *send = &b->ev_text;
	bool any = false;
	o->len = 0;
	for (size_t i = 0; i < b->ntxns; i++) {
		if (b->txns[i].ev_len > 0) {
			any = any || b->txns[i].is_new;
			send = b->txns[i].is_new ? send : o;
		}
	}
	if (!any) {
		return FA_OK;
	}
	if (send == o) {
		rc = fa_store_buf_put(o, copy_bin_header, sizeof(copy_bin_header));
	}
	for (size_t i = 0; send == o && rc == FA_OK && i < b->ntxns; i++) {
		const struct fa_store_btxn *t = &b->txns[i];
		if (t->is_new && t->ev_len > 0) {
			rc = fa_store_buf_put(o, b->ev_text.data + t->ev_off, t->ev_len);
		}
	}
	rc = rc ? rc : bin_u(send, UINT16_MAX, 2);	/* the end: field count -1 */
	if (rc != FA_OK) {
		snprintf(c->err, c->errlen, "out of memory");
		return rc;
	}
	rc = fa_store_copy_in(b->store,
			      "COPY events (ts, txn_key, seq, kind, registrar, domain, "
			      "host, contact, value, detail, result_code, session, "
			      "src_addr, source, source_offset) FROM STDIN (FORMAT binary)",
			      send, &rows, c->err, c->errlen);
	c->st.events += rows;
	return rc;
}

static int upsert_registrars(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	struct fa_store_map seen;
	fa_store_map_init(&seen, b->arena);
	struct span {
		int64_t lo;
		int64_t hi;
	};

	for (size_t i = 0; i < b->ntxns; i++) {
		const struct fa_store_btxn *t = &b->txns[i];
		if (!t->is_new || t->registrar == NULL) {
			continue;
		}
		struct span *s = fa_store_map_get(&seen, t->registrar);
		if (s == NULL) {
			s = fa_arena_alloc(b->arena, sizeof(*s));
			if (s == NULL || fa_store_map_put(&seen, t->registrar, s) != FA_OK) {
				snprintf(c->err, c->errlen, "out of memory");
				return FA_ENOMEM;
			}
			s->lo = s->hi = t->time_us;
		}
		s->lo = t->time_us < s->lo ? t->time_us : s->lo;
		s->hi = t->time_us > s->hi ? t->time_us : s->hi;
	}
	if (seen.len == 0) {
		return FA_OK;
	}

	struct fa_store_buf *o = &b->buf;
	int rc = FA_OK;
	char t1[FA_TIME_BUFSZ];
	char t2[FA_TIME_BUFSZ];
	o->len = 0;
	for (size_t i = 0; rc == FA_OK && i < seen.cap; i++) {
		if (seen.keys[i] == NULL) {
			continue;
		}
		const struct span *s = seen.vals[i];
		rc = fa_store_copy_field(o, seen.keys[i], '\t');
		rc = rc ? rc : fa_store_copy_field(o, fa_time_format(s->lo, t1, sizeof(t1)), '\t');
		rc = rc ? rc : fa_store_copy_field(o, fa_time_format(s->hi, t2, sizeof(t2)), '\n');
	}
	if (rc != FA_OK) {
		snprintf(c->err, c->errlen, "out of memory");
		return rc;
	}
	rc = fa_store_copy_in(b->store, "COPY stage_registrars FROM STDIN", o, NULL,
			      c->err, c->errlen);
	return rc ? rc : q_command(c,
		"INSERT INTO registrars (clid, first_seen, last_seen) "
		"SELECT clid, first_seen, last_seen FROM stage_registrars "
		"ON CONFLICT (clid) DO UPDATE SET "
		"first_seen = LEAST(registrars.first_seen, EXCLUDED.first_seen), "
		"last_seen = GREATEST(registrars.last_seen, EXCLUDED.last_seen)",
		0, NULL, "could not write \"registrars\"", NULL);
}

static int insert_rejects(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	if (b->nrejects == 0) {
		return FA_OK;
	}
	struct fa_store_buf *o = &b->buf;
	int rc = FA_OK;
	char off[32];
	o->len = 0;
	for (size_t i = 0; rc == FA_OK && i < b->nrejects; i++) {
		const struct breject *r = &b->rejects[i];
		snprintf(off, sizeof(off), "%llu", (unsigned long long)r->offset);
		rc = fa_store_copy_field(o, r->source, '\t');
		rc = rc ? rc : fa_store_copy_field(o, r->identity, '\t');
		rc = rc ? rc : fa_store_copy_field(o, off, '\t');
		rc = rc ? rc : fa_store_copy_field(o, r->reason, '\t');
		rc = rc ? rc : fa_store_copy_field(o, r->excerpt, '\n');
	}
	if (rc != FA_OK) {
		snprintf(c->err, c->errlen, "out of memory");
		return rc;
	}
	rc = fa_store_copy_in(b->store, "COPY stage_rejects FROM STDIN", o, NULL,
			      c->err, c->errlen);
	return rc ? rc : q_command(c,
		"INSERT INTO rejects (source, source_identity, source_offset, reason, "
		"excerpt) SELECT source, source_identity, source_offset, reason, excerpt "
		"FROM stage_rejects ON CONFLICT (source_identity, source_offset) "
		"DO NOTHING",
		0, NULL, "could not write \"rejects\"", &c->st.rejects_new);
}

static int save_checkpoint(struct commit *c)
{
	struct fa_store_batch *b = c->b;
	if (b->ck_identity == NULL) {
		return FA_OK;
	}
	char off[32];
	snprintf(off, sizeof(off), "%llu", (unsigned long long)b->ck_offset);
	const char *params[3] = { b->ck_identity, b->ck_source, off };
	return q_command(c,
		"INSERT INTO input_checkpoints (source_identity, source, byte_offset) "
		"VALUES ($1, $2, $3) ON CONFLICT (source_identity) DO UPDATE SET "
		"source = EXCLUDED.source, byte_offset = EXCLUDED.byte_offset, "
		"updated_at = now()",
		3, params, "could not write the input checkpoint", NULL);
}

int fa_store_batch_commit(struct fa_store_batch *b, struct fa_store_stats *stats,
			  char *err, size_t errlen)
{
	if (b->ntxns == 0 && b->nrejects == 0 && b->ck_identity == NULL) {
		return FA_OK;
	}

	struct commit c = { .b = b, .err = err, .errlen = errlen };
	fa_store_map_init(&c.keys, b->arena);

	int rc = begin(&c);
	if (rc == FA_OK) {
		b->store->temp_ready = true;
		rc = insert_txns(&c);
	}
	if (rc == FA_OK) {
		rc = copy_events(&c);
	}
	if (rc == FA_OK && c.st.txns_new > 0) {
		rc = fa_store_state_apply(b->store, b->arena, b->txns, b->ntxns, &b->buf,
					  err, errlen);
	}
	if (rc == FA_OK) {
		rc = upsert_registrars(&c);
	}
	if (rc == FA_OK) {
		rc = insert_rejects(&c);
	}
	if (rc == FA_OK) {
		rc = save_checkpoint(&c);
	}
	if (rc == FA_OK) {
		rc = fa_store_exec(b->store, "COMMIT", err, errlen);
	}
	if (rc != FA_OK) {
		PQclear(PQexec(b->store->conn, "ROLLBACK"));
		/* Temp tables made in a rolled-back transaction are gone. */
		b->store->temp_ready = false;
	} else if (stats != NULL) {
		stats->txns_new += c.st.txns_new;
		stats->txns_dup += c.st.txns_dup;
		stats->txns_readonly += c.st.txns_readonly;
		stats->events += c.st.events;
		stats->rejects_new += c.st.rejects_new;
	}
	batch_reset(b);
	return rc;
}
