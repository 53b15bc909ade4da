/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batch writer against a real PostgreSQL (FA_TEST_DB): transactions
 * are filled by hand, committed, and the rows checked exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fa_arena.h"
#include "common/fa_time.h"
#include "model/fa_event.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

static char conninfo[1024];
static char dbname[64];
static struct fa_store *store;

/* The admin connection string with dbname replaced (later keys win). */
static void test_conninfo(const char *base, const char *db, char *out, size_t len)
{
	snprintf(out, len, "%s dbname=%s", base, db);
}

static void quiet(void *arg, const char *msg)
{
}

static void admin(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("FA_TEST_DB"));
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet, NULL);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	}
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

static int setup(void **state)
{
	char sql[256];
	char err[1024];
	snprintf(dbname, sizeof(dbname), "fa_unit_store_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
	admin(sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	admin(sql);
	test_conninfo(getenv("FA_TEST_DB"), dbname, conninfo, sizeof(conninfo));
	if (fa_store_open(&store, conninfo, err, sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	size_t n = 0;
	if (fa_store_migrate(store, FA_SOURCE_DIR "/sql", NULL, NULL, &n, err,
			     sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char sql[256];
	fa_store_close(store);
	store = NULL;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
	admin(sql);
	return 0;
}

/* One value of a one-row query. */
static char *q1(const char *sql)
{
	static char buf[4096];
	PGresult *r = PQexec(fa_store_conn(store), sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(fa_store_conn(store)));
	}
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	snprintf(buf, sizeof(buf), "%s", PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

static void txn_begin(struct fa_txn *t, const char *key, const char *when,
		      const char *clid, const char *command, int code)
{
	assert_int_equal(fa_txn_init(t), FA_OK);
	assert_int_equal(fa_time_parse(when, strlen(when), &t->time_us), FA_OK);
	t->registrar = clid;
	t->command = command;
	t->result_code = code;
	t->has_command = true;
	t->has_response = code >= 0;
	t->session = "s-1";
	t->src_addr = "192.0.2.10";
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->pos.path = "unit.log";
	t->pos.offset = 100;
}

static void ev(struct fa_txn *t, enum fa_event_kind kind, const char *domain,
	       const char *host, const char *contact, const char *value,
	       const char *detail)
{
	struct fa_event *e = fa_txn_add_event(t, kind);
	assert_non_null(e);
	e->domain = domain;
	e->host = host;
	e->contact = contact;
	e->value = value;
	e->detail = detail;
}

static void add(struct fa_store_batch *b, struct fa_txn *t)
{
	assert_int_equal(fa_store_batch_add_txn(b, t), FA_OK);
	fa_txn_deinit(t);
}

static void commit(struct fa_store_batch *b, struct fa_store_stats *st)
{
	char err[1024] = "";
	memset(st, 0, sizeof(*st));
	int rc = fa_store_batch_commit(b, st, err, sizeof(err));
	if (rc != FA_OK) {
		fprintf(stderr, "commit: %s\n", err);
	}
	assert_int_equal(rc, FA_OK);
}

/* The log of the first test: create, delegate, change, transfer, rename. */
static void fill_story(struct fa_store_batch *b)
{
	struct fa_txn t;

	txn_begin(&t, "sv:reg-a:1", "2026-11-02T09:00:00Z", "reg-a", "host:create", 1000);
	ev(&t, FA_EV_HOST_CREATE, NULL, "ns1.example.ee", NULL, NULL, NULL);
	ev(&t, FA_EV_HOST_ADDR_ADD, NULL, "ns1.example.ee", NULL, "192.0.2.1", NULL);
	ev(&t, FA_EV_HOST_ADDR_ADD, NULL, "ns1.example.ee", NULL, "2001:db8::1", NULL);
	add(b, &t);

	txn_begin(&t, "sv:reg-a:2", "2026-11-02T09:01:00Z", "reg-a", "domain:create", 1000);
	ev(&t, FA_EV_DOMAIN_CREATE, "example.ee", NULL, "alice", NULL,
	   "{\"created\":\"2026-11-02T09:01:00.5Z\",\"period\":\"1y\"}");
	ev(&t, FA_EV_DOMAIN_NS_ADD, "example.ee", "ns2.other.net", NULL, NULL, NULL);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "example.ee", "ns1.example.ee", NULL, NULL, NULL);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "example.ee", "ns1.example.ee", NULL, NULL, NULL);
	add(b, &t);

	txn_begin(&t, "sv:reg-a:3", "2026-11-03T10:00:00Z", "reg-a", "domain:update", 1000);
	ev(&t, FA_EV_DOMAIN_NS_REM, "example.ee", "ns2.other.net", NULL, NULL, NULL);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "example.ee", "a.flux.test", NULL, NULL, NULL);
	ev(&t, FA_EV_DOMAIN_STATUS_ADD, "example.ee", NULL, NULL, "clientHold", NULL);
	ev(&t, FA_EV_DOMAIN_STATUS_ADD, "example.ee", NULL, NULL, "clientUpdateProhibited", NULL);
	ev(&t, FA_EV_DOMAIN_STATUS_REM, "example.ee", NULL, NULL, "clientHold", NULL);
	ev(&t, FA_EV_DOMAIN_TTL_SET, "example.ee", NULL, NULL, "NS 300", NULL);
	ev(&t, FA_EV_DOMAIN_TTL_SET, "example.ee", NULL, NULL, "NS 60", NULL);
	ev(&t, FA_EV_DOMAIN_DS_ADD, "example.ee", NULL, NULL, "12345 13 2 abcd", NULL);
	ev(&t, FA_EV_DOMAIN_DS_ADD, "example.ee", NULL, NULL, "54321 13 2 ef01", NULL);
	ev(&t, FA_EV_DOMAIN_DS_REM, "example.ee", NULL, NULL, "12345 13 2 abcd", NULL);
	ev(&t, FA_EV_DOMAIN_REGISTRANT_CHANGE, "example.ee", NULL, "bob", NULL, NULL);
	add(b, &t);

	txn_begin(&t, "sv:reg-a:4", "2026-12-01T08:00:00Z", "reg-a",
		  "domain:transfer", 1000);
	ev(&t, FA_EV_DOMAIN_TRANSFER_APPROVE, "example.ee", NULL, NULL, "reg-b", NULL);
	add(b, &t);

	txn_begin(&t, "sv:reg-a:5", "2026-12-01T09:00:00Z", "reg-a", "host:update", 1000);
	ev(&t, FA_EV_HOST_RENAME, NULL, "ns1.example.ee", NULL, "ns9.example.ee", NULL);
	ev(&t, FA_EV_HOST_ADDR_REM, NULL, "ns9.example.ee", NULL, "192.0.2.1", NULL);
	add(b, &t);
}

static void test_state(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	fill_story(b);
	commit(b, &st);
	assert_int_equal(st.txns_new, 5);
	assert_int_equal(st.txns_dup, 0);
	assert_int_equal(st.events, 21);

	assert_string_equal(q1("SELECT ns::text FROM domains WHERE name = 'example.ee'"),
			    "{a.flux.test,ns9.example.ee}");
	assert_string_equal(q1("SELECT statuses::text FROM domains WHERE name = 'example.ee'"),
			    "{clientUpdateProhibited}");
	assert_string_equal(q1("SELECT ds::text FROM domains WHERE name = 'example.ee'"),
			    "{\"54321 13 2 ef01\"}");
	assert_string_equal(q1("SELECT ttls::text FROM domains WHERE name = 'example.ee'"),
			    "{\"NS\": 60}");
	assert_string_equal(q1("SELECT registrar || ' ' || registrant || ' ' || "
			       "to_char(created, 'YYYY-MM-DD HH24:MI:SS.MS') || ' ' || deleted "
			       "FROM domains WHERE name = 'example.ee'"),
			    "reg-b bob 2026-11-02 09:01:00.500 false");
	assert_string_equal(q1("SELECT count(*) FROM hosts WHERE name = 'ns1.example.ee'"), "0");
	assert_string_equal(q1("SELECT addrs::text || ' ' || superordinate FROM hosts "
			       "WHERE name = 'ns9.example.ee'"),
			    "{2001:db8::1} example.ee");
	assert_string_equal(q1("SELECT string_agg(kind || '|' || coalesce(domain, '') || '|' || "
			       "coalesce(host, '') || '|' || coalesce(value, ''), ';' "
			       "ORDER BY ts, seq) FROM events WHERE txn_key = 'sv:reg-a:5'"),
			    "host.rename||ns1.example.ee|ns9.example.ee;"
			    "host.addr_rem||ns9.example.ee|192.0.2.1");
	assert_string_equal(q1("SELECT count(*) FROM pg_class WHERE relname IN "
			       "('events_2026_11', 'events_2026_12')"), "2");
	assert_string_equal(q1("SELECT first_seen || ' ' || last_seen FROM registrars "
			       "WHERE clid = 'reg-a'"),
			    "2026-11-02 09:00:00+00 2026-12-01 09:00:00+00");

	/* The same log again adds nothing and changes nothing. */
	fill_story(b);
	commit(b, &st);
	assert_int_equal(st.txns_new, 0);
	assert_int_equal(st.txns_dup, 5);
	assert_int_equal(st.events, 0);
	assert_string_equal(q1("SELECT count(*) FROM events"), "21");
	assert_string_equal(q1("SELECT ns::text FROM domains WHERE name = 'example.ee'"),
			    "{a.flux.test,ns9.example.ee}");
	fa_store_batch_free(b);
}

static void test_failed_and_lone(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	struct fa_txn t;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	txn_begin(&t, "sv:reg-c:1", "2026-11-05T00:00:00Z", "reg-c", "domain:create", 1000);
	ev(&t, FA_EV_DOMAIN_CREATE, "quiet.ee", NULL, "carol", NULL, NULL);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "quiet.ee", "ns.quiet.ee", NULL, NULL, NULL);
	add(b, &t);

	/* Failed: the reader's change events must not be stored or applied. */
	txn_begin(&t, "sv:reg-c:2", "2026-11-05T00:01:00Z", "reg-c", "domain:update", 2201);
	t.result_msg = "Authorization error";
	ev(&t, FA_EV_DOMAIN_NS_ADD, "quiet.ee", "evil.test", NULL, NULL, NULL);
	add(b, &t);

	/* Lone command: txn row only. Its key repeats in the batch too. */
	txn_begin(&t, "sha256:lone", "2026-11-05T00:02:00Z", "reg-c", "domain:update", -1);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "quiet.ee", "lone.test", NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sha256:lone", "2026-11-05T00:02:00Z", "reg-c", "domain:update", -1);
	add(b, &t);

	commit(b, &st);
	assert_int_equal(st.txns_new, 3);
	assert_int_equal(st.txns_dup, 1);
	assert_int_equal(st.events, 3);
	assert_string_equal(q1("SELECT ns::text FROM domains WHERE name = 'quiet.ee'"),
			    "{ns.quiet.ee}");
	assert_string_equal(q1("SELECT kind || ' ' || value || ' ' || detail::text FROM events "
			       "WHERE txn_key = 'sv:reg-c:2'"),
			    "command.failed 2201 {\"msg\": \"Authorization error\", "
			    "\"command\": \"domain:update\"}");
	assert_string_equal(q1("SELECT count(*) FROM events WHERE txn_key = 'sha256:lone'"), "0");
	assert_string_equal(q1("SELECT coalesce(result_code::text, 'none') FROM txns "
			       "WHERE key = 'sha256:lone'"), "none");
	fa_store_batch_free(b);
}

/* <domain:chg><domain:registrant/></domain:chg>: the registrant goes. */
static void test_registrant_cleared(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	struct fa_txn t;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	txn_begin(&t, "sv:reg-r:1", "2026-11-06T00:00:00Z", "reg-r", "domain:create", 1000);
	ev(&t, FA_EV_DOMAIN_CREATE, "owned.ee", NULL, "dave", NULL, NULL);
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT registrant FROM domains WHERE name = 'owned.ee'"),
			    "dave");

	txn_begin(&t, "sv:reg-r:2", "2026-11-06T01:00:00Z", "reg-r", "domain:update", 1000);
	ev(&t, FA_EV_DOMAIN_REGISTRANT_CHANGE, "owned.ee", NULL, NULL, NULL, NULL);
	add(b, &t);
	commit(b, &st);
	assert_int_equal(st.events, 1);
	assert_string_equal(q1("SELECT coalesce(registrant, 'none') || ' ' || "
			       "to_char(updated, 'HH24:MI') FROM domains WHERE name = 'owned.ee'"),
			    "none 01:00");

	/* Within one batch too: set, then cleared. */
	txn_begin(&t, "sv:reg-r:3", "2026-11-06T02:00:00Z", "reg-r", "domain:update", 1000);
	ev(&t, FA_EV_DOMAIN_REGISTRANT_CHANGE, "owned.ee", NULL, "erin", NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-r:4", "2026-11-06T02:01:00Z", "reg-r", "domain:update", 1000);
	ev(&t, FA_EV_DOMAIN_REGISTRANT_CHANGE, "owned.ee", NULL, NULL, NULL, NULL);
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT coalesce(registrant, 'none') FROM domains "
			       "WHERE name = 'owned.ee'"), "none");
	fa_store_batch_free(b);
}

/*
 * A success on a domain, host or contact stored as deleted: the registry
 * re-created it without the log showing the create. The row is revived and
 * the change applied on top of what was stored.
 */
static void test_revived(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	struct fa_txn t;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	txn_begin(&t, "sv:reg-v:1", "2026-11-07T00:00:00Z", "reg-v", "domain:create", 1000);
	ev(&t, FA_EV_DOMAIN_CREATE, "phoenix.ee", NULL, "fay", NULL, NULL);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "phoenix.ee", "ns1.phoenix.ee", NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:2", "2026-11-07T00:01:00Z", "reg-v", "host:create", 1000);
	ev(&t, FA_EV_HOST_CREATE, NULL, "ns1.phoenix.ee", NULL, NULL, NULL);
	ev(&t, FA_EV_HOST_ADDR_ADD, NULL, "ns1.phoenix.ee", NULL, "192.0.2.7", NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:3", "2026-11-07T00:02:00Z", "reg-v", "contact:create", 1000);
	ev(&t, FA_EV_CONTACT_CREATE, NULL, NULL, "fay", NULL, "{\"name\":\"Fay\"}");
	add(b, &t);
	txn_begin(&t, "sv:reg-v:4", "2026-11-07T01:00:00Z", "reg-v", "domain:delete", 1000);
	ev(&t, FA_EV_DOMAIN_DELETE, "phoenix.ee", NULL, NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:5", "2026-11-07T01:01:00Z", "reg-v", "host:delete", 1000);
	ev(&t, FA_EV_HOST_DELETE, NULL, "ns1.phoenix.ee", NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:6", "2026-11-07T01:02:00Z", "reg-v", "contact:delete", 1000);
	ev(&t, FA_EV_CONTACT_DELETE, NULL, NULL, "fay", NULL, NULL);
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT string_agg(deleted::text, ' ') FROM (SELECT deleted "
			       "FROM domains WHERE name = 'phoenix.ee' UNION ALL SELECT deleted "
			       "FROM hosts WHERE name = 'ns1.phoenix.ee' UNION ALL SELECT deleted "
			       "FROM contacts WHERE id = 'fay') x"),
			    "true true true");

	/* Updates that succeed: each row comes back with the change applied
	 * to what was stored. The failed one changes nothing. */
	txn_begin(&t, "sv:reg-v:7", "2026-11-08T00:00:00Z", "reg-v", "domain:update", 1000);
	ev(&t, FA_EV_DOMAIN_NS_ADD, "phoenix.ee", "ns2.other.net", NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:8", "2026-11-08T00:01:00Z", "reg-v", "host:update", 1000);
	ev(&t, FA_EV_HOST_ADDR_ADD, NULL, "ns1.phoenix.ee", NULL, "198.51.100.7", NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:9", "2026-11-08T00:02:00Z", "reg-v", "contact:update", 1000);
	ev(&t, FA_EV_CONTACT_UPDATE, NULL, NULL, "fay", NULL, "{\"email\":\"f@example.net\"}");
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT deleted || ' ' || registrant || ' ' || ns::text || ' ' || "
			       "to_char(updated, 'MM-DD HH24:MI') FROM domains "
			       "WHERE name = 'phoenix.ee'"),
			    "false fay {ns1.phoenix.ee,ns2.other.net} 11-08 00:00");
	assert_string_equal(q1("SELECT deleted || ' ' || addrs::text FROM hosts "
			       "WHERE name = 'ns1.phoenix.ee'"),
			    "false {192.0.2.7,198.51.100.7}");
	assert_string_equal(q1("SELECT deleted || ' ' || (data->>'name') || ' ' || "
			       "(data->>'email') FROM contacts WHERE id = 'fay'"),
			    "false Fay f@example.net");

	/* A change with no state of its own (renew) revives the domain too;
	 * a failed command does not. */
	txn_begin(&t, "sv:reg-v:10", "2026-11-09T00:00:00Z", "reg-v", "domain:delete", 1000);
	ev(&t, FA_EV_DOMAIN_DELETE, "phoenix.ee", NULL, NULL, NULL, NULL);
	add(b, &t);
	txn_begin(&t, "sv:reg-v:11", "2026-11-09T00:01:00Z", "reg-v", "domain:update", 2303);
	ev(&t, FA_EV_COMMAND_FAILED, "phoenix.ee", NULL, NULL, "2303", NULL);
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT deleted::text FROM domains WHERE name = 'phoenix.ee'"),
			    "true");
	txn_begin(&t, "sv:reg-v:12", "2026-11-09T00:02:00Z", "reg-v", "domain:renew", 1000);
	ev(&t, FA_EV_DOMAIN_RENEW, "phoenix.ee", NULL, NULL, NULL, NULL);
	add(b, &t);
	commit(b, &st);
	assert_string_equal(q1("SELECT deleted || ' ' || ns::text FROM domains "
			       "WHERE name = 'phoenix.ee'"),
			    "false {ns1.phoenix.ee,ns2.other.net}");
	fa_store_batch_free(b);
}

/* Queries that yield no event and change nothing leave no row at all. */
static void test_read_only(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	struct fa_txn t;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	txn_begin(&t, "sv:reg-q:1", "2026-11-10T00:00:00Z", "reg-q", "domain:check", 1000);
	add(b, &t);
	txn_begin(&t, "sv:reg-q:2", "2026-11-10T00:00:01Z", "reg-q", "host:check", 1000);
	add(b, &t);
	txn_begin(&t, "sv:reg-q:3", "2026-11-10T00:00:02Z", "reg-q", "contact:info", 1000);
	add(b, &t);
	txn_begin(&t, "sv:reg-q:4", "2026-11-10T00:00:03Z", "reg-q", "poll", 1301);
	add(b, &t);
	txn_begin(&t, "sha256:hello", "2026-11-10T00:00:04Z", "reg-q", "hello", 1000);
	add(b, &t);
	txn_begin(&t, "sha256:lonecheck", "2026-11-10T00:00:05Z", "reg-q", "domain:check", -1);
	add(b, &t);
	/* an info whose response carried data is stored (its event) */
	txn_begin(&t, "sv:reg-q:7", "2026-11-10T00:00:06Z", "reg-q", "domain:info", 1000);
	ev(&t, FA_EV_DOMAIN_INFO, "seen.ee", NULL, NULL, NULL, "{\"clID\":\"reg-q\"}");
	add(b, &t);
	/* a failed check is stored: its command.failed counts for rules */
	txn_begin(&t, "sv:reg-q:8", "2026-11-10T00:00:07Z", "reg-q", "domain:check", 2306);
	add(b, &t);
	/* a query-looking command with events is no query */
	txn_begin(&t, "sv:reg-q:9", "2026-11-10T00:00:08Z", "reg-q", "domain:update", 1000);
	add(b, &t);
	txn_begin(&t, "sv:reg-q:9", "2026-11-10T00:00:08Z", "reg-q", "domain:update", 1000);
	add(b, &t);
	commit(b, &st);
	assert_int_equal(st.txns_readonly, 6);
	assert_int_equal(st.txns_new, 3);
	assert_int_equal(st.txns_dup, 1);
	assert_int_equal(st.events, 2);
	assert_string_equal(q1("SELECT string_agg(key || ' ' || command, ',' ORDER BY key) "
			       "FROM txns WHERE registrar = 'reg-q'"),
			    "sv:reg-q:7 domain:info,sv:reg-q:8 domain:check,"
			    "sv:reg-q:9 domain:update");
	assert_string_equal(q1("SELECT to_char(first_seen, 'HH24:MI:SS') FROM registrars "
			       "WHERE clid = 'reg-q'"), "00:00:06");
	fa_store_batch_free(b);
}

static void test_rejects_and_checkpoint(void **state)
{
	struct fa_store_batch *b = NULL;
	struct fa_store_stats st;
	char err[256];
	uint64_t off = 0;
	assert_int_equal(fa_store_batch_new(&b, store), FA_OK);

	struct fa_reject rej = {
		.pos = { .path = "bad.log", .offset = 4711 },
		.reason = "malformed XML in the command frame",
		.excerpt = "<epp\x01>", .excerpt_len = 6,
	};
	assert_int_equal(fa_store_checkpoint_get(store, "sha256:ffff", &off, err, sizeof(err)),
			 FA_ENOTFOUND);
	assert_int_equal(fa_store_batch_add_reject(b, &rej, "sha256:ffff"), FA_OK);
	assert_int_equal(fa_store_batch_set_checkpoint(b, "sha256:ffff", "bad.log", 9000), FA_OK);
	commit(b, &st);
	assert_int_equal(st.rejects_new, 1);
	assert_string_equal(q1("SELECT source || '|' || source_offset || '|' || reason || '|' || "
			       "excerpt FROM rejects"),
			    "bad.log|4711|malformed XML in the command frame|<epp?>");
	assert_int_equal(fa_store_checkpoint_get(store, "sha256:ffff", &off, err, sizeof(err)),
			 FA_OK);
	assert_int_equal(off, 9000);

	assert_int_equal(fa_store_batch_add_reject(b, &rej, "sha256:ffff"), FA_OK);
	commit(b, &st);
	assert_int_equal(st.rejects_new, 0);
	assert_string_equal(q1("SELECT count(*) FROM rejects"), "1");
	fa_store_batch_free(b);
}

static void test_migrate_again(void **state)
{
	char err[1024];
	size_t n = 99;
	assert_int_equal(fa_store_migrate(store, FA_SOURCE_DIR "/sql", NULL, NULL, &n, err,
					  sizeof(err)), FA_OK);
	assert_int_equal(n, 0);
	/* A changed checksum of an applied file is refused, naming it. */
	PQclear(PQexec(fa_store_conn(store),
		       "UPDATE fa_migrations SET sha256 = 'x' WHERE version = 1"));
	assert_int_equal(fa_store_migrate(store, FA_SOURCE_DIR "/sql", NULL, NULL, &n, err,
					  sizeof(err)), FA_EINVAL);
	assert_non_null(strstr(err, "\"001_core.sql\""));
}

static void test_arrays(void **state)
{
	struct fa_arena *a = fa_arena_new();
	struct fa_store_buf b = { 0 };
	const char *in[] = { "plain", "with space", "q\"uote", "back\\slash", "", "NULL", "a,b" };
	assert_int_equal(fa_store_array_write(&b, in, 7), FA_OK);
	assert_string_equal(b.data, "{plain,\"with space\",\"q\\\"uote\",\"back\\\\slash\","
				    "\"\",\"NULL\",\"a,b\"}");
	const char **out;
	size_t n;
	assert_int_equal(fa_store_array_parse(a, b.data, &out, &n), FA_OK);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i], in[i]);
	}
	assert_int_equal(fa_store_array_parse(a, "{}", &out, &n), FA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(fa_store_array_parse(a, "{\"open", &out, &n), FA_EPARSE);
	assert_int_equal(fa_store_array_parse(a, "nope", &out, &n), FA_EPARSE);

	b.len = 0;
	assert_int_equal(fa_store_copy_field(&b, "a\tb\\c\nd", '\t'), FA_OK);
	assert_int_equal(fa_store_copy_field(&b, NULL, '\n'), FA_OK);
	assert_string_equal(b.data, "a\\tb\\\\c\\nd\t\\N\n");
	fa_store_buf_free(&b);
	fa_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_arrays),
	};
	const struct CMUnitTest db[] = {
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_failed_and_lone),
		cmocka_unit_test(test_registrant_cleared),
		cmocka_unit_test(test_revived),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_rejects_and_checkpoint),
		cmocka_unit_test(test_migrate_again),
	};
	int failed = cmocka_run_group_tests(pure, NULL, NULL);
	if (getenv("FA_TEST_DB") == NULL || getenv("FA_TEST_DB")[0] == '\0') {
		printf("not run: the database tests need FA_TEST_DB (a libpq connection string)\n");
		return failed ? 1 : 77;
	}
	return failed | cmocka_run_group_tests(db, setup, teardown);
}
