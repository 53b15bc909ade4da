/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evaluation engine on synthetic event sequences: exact metric values
 * at each point, window edges (an event exactly one window old is out),
 * state metrics, NS changes counted per transaction without creates,
 * seeding, firing, merging into findings, bounded memory.
 */
#include "rule_test_util.h"

static int feed(struct fa_rule_engine *eng, int64_t id, int64_t at_s, const char *kind,
		const char *registrar, const char *domain, const char *host, const char *value)
{
	struct fa_rule_event ev = {
		.kind = kind, .registrar = registrar, .domain = domain, .host = host,
		.value = value,
	};
	return tu_feed_at(eng, ev, id, at_s);
}

/* Like feed, for an event of the EPP transaction txn. */
static int feed_txn(struct fa_rule_engine *eng, int64_t id, int64_t at_s, const char *kind,
		    const char *domain, const char *host, const char *txn)
{
	struct fa_rule_event ev = {
		.kind = kind, .txn_key = txn, .registrar = "r", .domain = domain, .host = host,
	};
	return tu_feed_at(eng, ev, id, at_s);
}

/* A tracked metric's value; unknown is allowed only when known is given. */
static int64_t metric(struct fa_rule_engine *eng, const char *kind, const char *name,
		      const char *m, int64_t window_s, bool *known)
{
	struct fa_rule_value v = tu_metric(eng, kind, name, m, window_s);
	if (known != NULL) {
		*known = v.known;
	} else {
		assert_true(v.known);
	}
	return v.v;
}

static const char ns_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: churn, description: d, entity: domain, severity: high, score: 40,\n"
	"     when: \"ns_changes[1h] >= 3\"}\n";

static void test_counter_window_edges(void **state)
{
	struct fa_rule_set *set = tu_set_from(ns_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *d = "a.example";

	assert_int_equal(feed(eng, 1, 0, "domain.ns_add", "r", d, "ns1.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 1);
	assert_int_equal(feed(eng, 2, 1800, "domain.ns_rem", "r", d, "ns1.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 2);
	/* Not counted: other kinds, other domains. */
	assert_int_equal(feed(eng, 3, 1800, "domain.status_add", "r", d, NULL, "x"), FA_OK);
	assert_int_equal(feed(eng, 4, 1800, "domain.ns_add", "r", "b.example", "ns1.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 2);
	assert_int_equal(metric(eng, "domain", "b.example", "ns_changes", 3600, NULL), 1);
	/* One second before the first event leaves the window: still 3. */
	assert_int_equal(feed(eng, 5, 3599, "domain.ns_add", "r", d, "ns2.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 3);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	/* Exactly one hour after the first event: (t-1h, t] excludes it. */
	assert_int_equal(feed(eng, 6, 3600, "domain.ns_rem", "r", d, "ns2.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 3);
	/* Same time, next id: counted at once. */
	assert_int_equal(feed(eng, 7, 3600, "domain.ns_add", "r", d, "ns3.x", NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 4);
	/* A later event of another kind sees the window move on:
	 * (3599, 7199] holds events 6 and 7. */
	assert_int_equal(feed(eng, 8, 7199, "domain.status_rem", "r", d, NULL, "x"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 3600, NULL), 2);
	/* Untracked entity: a fresh one; untracked window: not found. */
	assert_int_equal(metric(eng, "domain", "zzz.example", "ns_changes", 3600, NULL), 0);
	struct fa_rule_value v;
	assert_int_equal(fa_rule_engine_metric(eng, "domain", d, "ns_changes", 7200 * TU_SEC, &v),
			 FA_ENOTFOUND);
	assert_int_equal(fa_rule_engine_metric(eng, "domain", d, "nope", 0, &v), FA_ENOTFOUND);

	/* Fired at events 5, 6, 7 (not at 8: 2 < 3); evidence is event 7's. */
	struct fa_rule_stats st;
	fa_rule_engine_stats(eng, &st);
	assert_int_equal(st.events, 8);
	assert_int_equal(st.fired, 3);
	assert_int_equal(st.entities, 2); /* a.example, b.example */
	struct fa_rule_finding f;
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_string_equal(f.policy, "p");
	assert_string_equal(f.entity_kind, "domain");
	assert_string_equal(f.entity, d);
	assert_string_equal(f.severity, "high");
	assert_int_equal(f.score, 40);
	assert_int_equal(f.nrules, 1);
	assert_string_equal(f.rules[0], "churn");
	assert_true(f.first_us == tu_t0 + 3599 * TU_SEC);
	assert_true(f.last_us == tu_t0 + 3600 * TU_SEC);
	assert_string_equal(f.evidence,
			    "{\"churn\":{\"severity\":\"high\",\"score\":40,"
			    "\"when\":\"ns_changes[1h] >= 3\","
			    "\"first_fired\":\"2026-11-10T00:59:59Z\","
			    "\"last_fired\":\"2026-11-10T01:00:00Z\",\"event_id\":7,"
			    "\"metrics\":{\"ns_changes[1h]\":{\"value\":4,\"window\":\"1h\","
			    "\"event_ids\":[2,5,6,7],\"event_count\":4}}}}");
	assert_int_equal(fa_rule_engine_finding(eng, 1, &f), FA_ENOTFOUND);

	/* Out of (ts, id) order is refused. */
	assert_int_equal(feed(eng, 8, 7199, "domain.ns_add", "r", d, "n", NULL), FA_EINVAL);
	assert_int_equal(feed(eng, 9, 7198, "domain.ns_add", "r", d, "n", NULL), FA_EINVAL);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char host_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: addrs, description: d, entity: host, severity: low, score: 10,\n"
	"     when: \"distinct_addrs[1h] >= 3\"}\n"
	"  - {id: glue, description: d, entity: host, severity: medium, score: 15,\n"
	"     when: \"glue_changes[1h] >= 4\"}\n";

static void test_distinct_addrs(void **state)
{
	struct fa_rule_set *set = tu_set_from(host_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *h = "ns1.a.example";

	assert_int_equal(feed(eng, 1, 0, "host.create", "r", NULL, h, NULL), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 0);
	assert_int_equal(feed(eng, 2, 0, "host.addr_add", "r", NULL, h, "192.0.2.1"), FA_OK);
	assert_int_equal(feed(eng, 3, 60, "host.addr_add", "r", NULL, h, "2001:db8::1"), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 2);
	assert_int_equal(feed(eng, 4, 120, "host.addr_rem", "r", NULL, h, "192.0.2.1"), FA_OK);
	/* Released inside the window: still counted. */
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 2);
	assert_int_equal(metric(eng, "host", h, "glue_changes", 3600, NULL), 3);
	/* 192.0.2.1 was released at 120; at 3719 it is 3599 s ago: in. */
	assert_int_equal(feed(eng, 5, 3719, "host.addr_add", "r", NULL, h, "192.0.2.3"), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 3);
	assert_int_equal(metric(eng, "host", h, "glue_changes", 3600, NULL), 2);
	/* At 3720 it was released exactly one window ago: out. */
	assert_int_equal(feed(eng, 6, 3720, "host.status_add", "r", NULL, h, "ok"), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 2);
	/* Re-adding a released address holds it again, not twice. */
	assert_int_equal(feed(eng, 7, 3800, "host.addr_add", "r", NULL, h, "192.0.2.1"), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 3);
	/* host.delete releases everything; it still counts within the window. */
	assert_int_equal(feed(eng, 8, 3900, "host.delete", "r", NULL, h, NULL), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 3);
	assert_int_equal(feed(eng, 9, 7500, "host.create", "r", NULL, h, NULL), FA_OK);
	assert_int_equal(metric(eng, "host", h, "distinct_addrs", 3600, NULL), 0);

	/* Seeded state: addresses held before the first event, no event id. */
	const char *held[] = { "198.51.100.1", "198.51.100.2" };
	assert_true(fa_rule_engine_wants_seed(eng, "host", "ns2.a.example"));
	assert_false(fa_rule_engine_wants_seed(eng, "host", h));
	assert_false(fa_rule_engine_wants_seed(eng, "registrar", "r"));
	assert_int_equal(fa_rule_engine_seed_host(eng, "ns2.a.example", held, 2, NULL), FA_OK);
	assert_false(fa_rule_engine_wants_seed(eng, "host", "ns2.a.example"));
	assert_int_equal(feed(eng, 10, 7600, "host.addr_add", "r", NULL, "ns2.a.example",
			      "198.51.100.3"), FA_OK);
	assert_int_equal(metric(eng, "host", "ns2.a.example", "distinct_addrs", 3600, NULL), 3);

	/* Two findings: ns1 (addrs fired at 5 and 7, with 3 addresses) and
	 * ns2 (addrs at 10). */
	assert_int_equal(fa_rule_engine_finding_count(eng), 2);
	struct fa_rule_finding f;
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_string_equal(f.entity, h);
	assert_string_equal(f.evidence,
			    "{\"addrs\":{\"severity\":\"low\",\"score\":10,"
			    "\"when\":\"distinct_addrs[1h] >= 3\","
			    "\"first_fired\":\"2026-11-10T01:01:59Z\","
			    "\"last_fired\":\"2026-11-10T01:05:00Z\",\"event_id\":8,"
			    "\"metrics\":{\"distinct_addrs[1h]\":{\"value\":3,\"window\":\"1h\","
			    "\"event_ids\":[7,3,5],\"event_count\":3}}}}");
	assert_int_equal(fa_rule_engine_finding(eng, 1, &f), FA_OK);
	assert_string_equal(f.entity, "ns2.a.example");
	assert_string_equal(f.evidence,
			    "{\"addrs\":{\"severity\":\"low\",\"score\":10,"
			    "\"when\":\"distinct_addrs[1h] >= 3\","
			    "\"first_fired\":\"2026-11-10T02:06:40Z\","
			    "\"last_fired\":\"2026-11-10T02:06:40Z\",\"event_id\":10,"
			    "\"metrics\":{\"distinct_addrs[1h]\":{\"value\":3,\"window\":\"1h\","
			    "\"event_ids\":[10],\"event_count\":1}}}}");

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char domain_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: young-low-ttl, description: d, entity: domain, severity: medium, score: 20,\n"
	"     when: \"age < 1d and ns_ttl < 300\"}\n"
	"  - {id: not-old, description: d, entity: domain, severity: critical, score: 5,\n"
	"     when: \"not age >= 2h\"}\n";

static void test_age_and_ttl(void **state)
{
	struct fa_rule_set *set = tu_set_from(domain_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *d = "q.example";
	bool known;

	/* Nothing known before the create: neither rule fires. */
	assert_int_equal(feed(eng, 1, 0, "domain.info", "r", d, NULL, NULL), FA_OK);
	metric(eng, "domain", d, "age", 0, &known);
	assert_false(known);
	metric(eng, "domain", d, "ns_ttl", 0, &known);
	assert_false(known);
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);

	/* The create date comes from the event detail when it has one. */
	struct fa_rule_event ev = {
		.id = 2, .ts_us = tu_t0 + 600 * TU_SEC, .kind = "domain.create", .registrar = "r",
		.domain = d, .has_created = true, .created_us = tu_t0 + 60 * TU_SEC,
	};
	assert_int_equal(fa_rule_engine_feed(eng, &ev, true), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "age", 0, NULL), 540 * TU_SEC);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1); /* not-old */

	assert_int_equal(feed(eng, 3, 700, "domain.ttl_set", "r", d, NULL, "DS 30"), FA_OK);
	metric(eng, "domain", d, "ns_ttl", 0, &known);
	assert_false(known);
	assert_int_equal(feed(eng, 4, 800, "domain.ttl_set", "r", d, NULL, "NS 60"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_ttl", 0, NULL), 60);
	assert_int_equal(metric(eng, "domain", d, "age", 0, NULL), 740 * TU_SEC);
	assert_int_equal(feed(eng, 5, 7260, "domain.renew", "r", d, NULL, NULL), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "age", 0, NULL), 7200 * TU_SEC);

	/* Delete: age and TTL unknown again. */
	assert_int_equal(feed(eng, 6, 7300, "domain.delete", "r", d, NULL, NULL), FA_OK);
	metric(eng, "domain", d, "age", 0, &known);
	assert_false(known);

	/* Seeded from the domains table. */
	assert_int_equal(fa_rule_engine_seed_domain(eng, "s.example", true, tu_t0 - 3600 * TU_SEC,
						    true, 120), FA_OK);
	assert_int_equal(feed(eng, 7, 7400, "domain.status_add", "r", "s.example", NULL, "x"),
			 FA_OK);
	assert_int_equal(metric(eng, "domain", "s.example", "age", 0, NULL), 11000 * TU_SEC);
	assert_int_equal(metric(eng, "domain", "s.example", "ns_ttl", 0, NULL), 120);

	/* q.example: not-old fired at 2 and 4 (age < 2h; ttl event 3 too),
	 * young-low-ttl at 4 and 5; merged: score 25, severity critical. */
	struct fa_rule_finding f;
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_string_equal(f.entity, d);
	assert_int_equal(f.score, 25);
	assert_string_equal(f.severity, "critical");
	assert_int_equal(f.nrules, 2);
	assert_string_equal(f.rules[0], "not-old");
	assert_string_equal(f.rules[1], "young-low-ttl");
	assert_true(f.first_us == tu_t0 + 600 * TU_SEC);
	assert_true(f.last_us == tu_t0 + 7260 * TU_SEC);
	assert_string_equal(f.evidence,
			    "{\"not-old\":{\"severity\":\"critical\",\"score\":5,"
			    "\"when\":\"not age >= 2h\","
			    "\"first_fired\":\"2026-11-10T00:10:00Z\","
			    "\"last_fired\":\"2026-11-10T00:13:20Z\",\"event_id\":4,"
			    "\"metrics\":{\"age\":{\"value\":740,\"unit\":\"s\","
			    "\"event_ids\":[2],\"event_count\":1}}},"
			    "\"young-low-ttl\":{\"severity\":\"medium\",\"score\":20,"
			    "\"when\":\"age < 1d and ns_ttl < 300\","
			    "\"first_fired\":\"2026-11-10T00:13:20Z\","
			    "\"last_fired\":\"2026-11-10T02:01:00Z\",\"event_id\":5,"
			    "\"metrics\":{\"age\":{\"value\":7200,\"unit\":\"s\","
			    "\"event_ids\":[2],\"event_count\":1},"
			    "\"ns_ttl\":{\"value\":60,\"event_ids\":[4],\"event_count\":1}}}}");

	/* s.example: young-low-ttl (age 11000 s < 1d, ttl 120). */
	assert_int_equal(fa_rule_engine_finding_count(eng), 2);
	assert_int_equal(fa_rule_engine_finding(eng, 1, &f), FA_OK);
	assert_string_equal(f.entity, "s.example");
	assert_string_equal(f.rules[0], "young-low-ttl");

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char registrar_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: burst, description: d, entity: registrar, severity: high, score: 50,\n"
	"     when: \"failed_commands[1h] >= 20 or ns_changes[10m] > 2\"}\n";

static void test_registrar(void **state)
{
	struct fa_rule_set *set = tu_set_from(registrar_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	int64_t id = 1;

	for (int i = 0; i < 19; i++) {
		assert_int_equal(feed(eng, id++, i * 120, "command.failed", "g", NULL, NULL, "2201"),
				 FA_OK);
	}
	assert_int_equal(metric(eng, "registrar", "g", "failed_commands", 3600, NULL), 19);
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);
	/* Events of the registrar's domains count for it too. */
	assert_int_equal(feed(eng, id++, 2200, "domain.ns_add", "g", "x.example", "n", NULL), FA_OK);
	assert_int_equal(feed(eng, id++, 2300, "domain.ns_rem", "g", "x.example", "n", NULL), FA_OK);
	assert_int_equal(metric(eng, "registrar", "g", "ns_changes", 600, NULL), 2);
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);
	/* At 2400 s: 19 failures in (-1200, 2400] plus this one = 20. */
	assert_int_equal(feed(eng, id++, 2400, "command.failed", "g", NULL, NULL, "2201"), FA_OK);
	assert_int_equal(metric(eng, "registrar", "g", "failed_commands", 3600, NULL), 20);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	/* At 3601 s the first failure (0 s) has left the hour: 19. */
	assert_int_equal(feed(eng, id++, 3601, "login", "g", NULL, NULL, NULL), FA_OK);
	assert_int_equal(metric(eng, "registrar", "g", "failed_commands", 3600, NULL), 19);

	struct fa_rule_stats st;
	fa_rule_engine_stats(eng, &st);
	assert_int_equal(st.fired, 1);
	assert_int_equal(st.entities, 1); /* domain rules absent: no domain trackers */
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char txn_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: churn, description: d, entity: domain, severity: high, score: 40,\n"
	"     when: \"ns_changes[24h] >= 3\"}\n"
	"  - {id: reg, description: d, entity: registrar, severity: low, score: 10,\n"
	"     when: \"ns_changes[1h] >= 3\"}\n";

/*
 * ns_changes counts NS-set changes: distinct transactions with an NS
 * addition or removal, the domain's create not included.
 */
static void test_ns_changes_per_txn(void **state)
{
	struct fa_rule_set *set = tu_set_from(txn_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *d = "m.example", *o = "n.example";

	/* The create's name servers are the initial delegation: 0. */
	assert_int_equal(feed_txn(eng, 1, 0, "domain.create", d, NULL, "c1"), FA_OK);
	assert_int_equal(feed_txn(eng, 2, 0, "domain.ns_add", d, "ns1.a.example", "c1"), FA_OK);
	assert_int_equal(feed_txn(eng, 3, 0, "domain.ns_add", d, "ns2.a.example", "c1"), FA_OK);
	assert_int_equal(feed_txn(eng, 4, 0, "domain.contact_add", d, NULL, "c1"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 0);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 0);

	/* A move to four name servers (remove 2, add 4) is one change. */
	assert_int_equal(feed_txn(eng, 5, 600, "domain.ns_rem", d, "ns1.a.example", "u1"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 1);
	assert_int_equal(feed_txn(eng, 6, 600, "domain.ns_rem", d, "ns2.a.example", "u1"), FA_OK);
	assert_int_equal(feed_txn(eng, 7, 600, "domain.ns_add", d, "r53-1.example", "u1"), FA_OK);
	assert_int_equal(feed_txn(eng, 8, 600, "domain.ns_add", d, "r53-2.example", "u1"), FA_OK);
	assert_int_equal(feed_txn(eng, 9, 600, "domain.ns_add", d, "r53-3.example", "u1"), FA_OK);
	assert_int_equal(feed_txn(eng, 10, 600, "domain.ns_add", d, "r53-4.example", "u1"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 1);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 1);

	/* Another transaction at the same time, and u1's events interleaved
	 * with it (concurrent ingests): u1 is still one change. */
	assert_int_equal(feed_txn(eng, 11, 600, "domain.ns_rem", o, "ns1.a.example", "u2"), FA_OK);
	assert_int_equal(feed_txn(eng, 12, 600, "domain.ns_add", o, "ns1.b.example", "u2"), FA_OK);
	assert_int_equal(feed_txn(eng, 13, 600, "domain.ns_add", d, "r53-5.example", "u1"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 1);
	assert_int_equal(metric(eng, "domain", o, "ns_changes", 86400, NULL), 1);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 2);
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);

	/* Three updates of d: 3, the domain rule fires; the registrar's
	 * hour holds u1, u2, u3 and then u4 too. */
	assert_int_equal(feed_txn(eng, 14, 1200, "domain.ns_rem", d, "r53-5.example", "u3"),
			 FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 2);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 3);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1); /* reg */
	assert_int_equal(feed_txn(eng, 15, 3000, "domain.ns_add", d, "ns.b.example", "u4"), FA_OK);
	assert_int_equal(feed_txn(eng, 16, 3000, "domain.ns_rem", d, "r53-4.example", "u4"),
			 FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 3);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 4);
	assert_int_equal(fa_rule_engine_finding_count(eng), 2);

	/* Window edges: exactly one hour after u1 and u2 they are out. */
	assert_int_equal(feed_txn(eng, 17, 4200, "domain.status_add", d, NULL, "u5"), FA_OK);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 2);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 3);
	/* A day after u1: u1 out, u6 in (both its events), still 3. */
	assert_int_equal(feed_txn(eng, 18, 87000, "domain.ns_add", d, "ns.c.example", "u6"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 3);
	assert_int_equal(feed_txn(eng, 19, 87000, "domain.ns_rem", d, "ns.b.example", "u6"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 3);
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 1);
	/* One second before u3 (1200) leaves the day: in; at the second: out. */
	assert_int_equal(feed_txn(eng, 20, 87599, "domain.info", d, NULL, "i1"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 3);
	assert_int_equal(feed_txn(eng, 21, 87600, "domain.info", d, NULL, "i2"), FA_OK);
	assert_int_equal(metric(eng, "domain", d, "ns_changes", 86400, NULL), 2);

	/* reg fired at 14, 15, 16; churn at 15 to 20. The evidence lists the
	 * NS events behind the changes: 5 events of 3 transactions. */
	struct fa_rule_stats st;
	fa_rule_engine_stats(eng, &st);
	assert_int_equal(st.fired, 9);
	struct fa_rule_finding f;
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_string_equal(f.entity, "r");
	assert_string_equal(f.evidence,
			    "{\"reg\":{\"severity\":\"low\",\"score\":10,"
			    "\"when\":\"ns_changes[1h] >= 3\","
			    "\"first_fired\":\"2026-11-10T00:20:00Z\","
			    "\"last_fired\":\"2026-11-10T00:50:00Z\",\"event_id\":16,"
			    "\"metrics\":{\"ns_changes[1h]\":{\"value\":4,\"window\":\"1h\","
			    "\"event_ids\":[5,6,7,8,9,10,11,12,13,14,15,16],"
			    "\"event_count\":12}}}}");
	assert_int_equal(fa_rule_engine_finding(eng, 1, &f), FA_OK);
	assert_string_equal(f.entity, d);
	assert_string_equal(f.evidence,
			    "{\"churn\":{\"severity\":\"high\",\"score\":40,"
			    "\"when\":\"ns_changes[24h] >= 3\","
			    "\"first_fired\":\"2026-11-10T00:50:00Z\","
			    "\"last_fired\":\"2026-11-11T00:19:59Z\",\"event_id\":20,"
			    "\"metrics\":{\"ns_changes[24h]\":{\"value\":3,\"window\":\"24h\","
			    "\"event_ids\":[14,15,16,18,19],\"event_count\":5}}}}");
	assert_int_equal(fa_rule_engine_finding(eng, 2, &f), FA_ENOTFOUND);

	/* Many transactions at one time (a bulk tool): each counts once. */
	char key[32];
	for (int64_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "bulk%lld", (long long)i);
		assert_int_equal(feed_txn(eng, 100 + 2 * i, 90000, "domain.ns_add", o, "x", key),
				 FA_OK);
		assert_int_equal(feed_txn(eng, 101 + 2 * i, 90000, "domain.ns_rem", o, "y", key),
				 FA_OK);
	}
	assert_int_equal(metric(eng, "domain", o, "ns_changes", 86400, NULL), 5000);
	/* The registrar's hour (86400, 90000] also holds u6. */
	assert_int_equal(metric(eng, "registrar", "r", "ns_changes", 3600, NULL), 5001);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* Trackers of idle entities are dropped: memory follows the window. */
static void test_bounded_memory(void **state)
{
	struct fa_rule_set *set = tu_set_from(ns_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	char name[64];

	/* 100,000 domains, one a minute; the horizon is one day (the
	 * longest window, but at least a day), pruned every 4096 events. */
	for (int64_t i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "d%lld.example", (long long)i);
		assert_int_equal(feed(eng, i + 1, i * 60, "domain.ns_add", "r", name, "n", NULL),
				 FA_OK);
	}
	struct fa_rule_stats st;
	fa_rule_engine_stats(eng, &st);
	assert_int_equal(st.entities, 100000);
	assert_true(st.peak_tracked <= 1441 + 4096);

	/* One domain changing every second for a day: the window stays exact. */
	for (int64_t i = 0; i < 86400; i++) {
		assert_int_equal(feed(eng, 200000 + i, 6000000 + i, "domain.ns_add", "r",
				      "busy.example", "n", NULL), FA_OK);
	}
	assert_int_equal(metric(eng, "domain", "busy.example", "ns_changes", 3600, NULL), 3600);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_counter_window_edges, tu_setup),
		cmocka_unit_test_setup(test_distinct_addrs, tu_setup),
		cmocka_unit_test_setup(test_age_and_ttl, tu_setup),
		cmocka_unit_test_setup(test_registrar, tu_setup),
		cmocka_unit_test_setup(test_ns_changes_per_txn, tu_setup),
		cmocka_unit_test_setup(test_bounded_memory, tu_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
