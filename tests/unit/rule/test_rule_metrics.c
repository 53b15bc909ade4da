/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metrics of issue 4 on hand-made event sequences: exact values at
 * each point for the domain counters and durations, the NS set (whole-set
 * replacements, distinct name servers and their addresses, zone steps),
 * TTLs from EPP and the zone, glue of in-zone hosts, registrar networks,
 * hours and bulk moves, and the registrant kind.
 */
#include "rule/fa_rule_int.h"
#include "rule_test_util.h"

#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

static int64_t next_id;

/* Feed an event with the next id; returns the id. */
static int64_t put(struct fa_rule_engine *eng, struct fa_rule_event ev, int64_t at_s)
{
	int64_t id = ++next_id;
	assert_int_equal(tu_feed_at(eng, ev, id, at_s), FA_OK);
	return id;
}

/* A tracked metric's value, which must be known. */
static int64_t val(struct fa_rule_engine *eng, const char *kind, const char *name,
		   const char *m, int64_t window_s)
{
	struct fa_rule_value v = tu_metric(eng, kind, name, m, window_s);
	assert_true(v.known);
	return v.v;
}

static bool known(struct fa_rule_engine *eng, const char *kind, const char *name,
		  const char *m, int64_t window_s)
{
	return tu_metric(eng, kind, name, m, window_s).known;
}

static int setup(void **state)
{
	next_id = 0;
	return tu_setup(state);
}

static const char domain_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - id: a\n"
	"    description: d\n"
	"    entity: domain\n"
	"    severity: low\n"
	"    score: 1\n"
	"    when: ds_changes[1d] > 100 or registrant_changes[1d] > 100 or\n"
	"      contact_changes[1d] > 100 or authinfo_changes[1d] > 100 or\n"
	"      locks_removed[1d] > 100 or transfers[1d] > 100 or\n"
	"      transfer_requests[1d] > 100 or since_contact_change > 1000w or\n"
	"      since_lock_removed > 1000w\n"
	"  - id: b\n"
	"    description: d\n"
	"    entity: domain\n"
	"    severity: low\n"
	"    score: 1\n"
	"    when: ns_changes[24h] >= 1 and since_contact_change < 48h\n";

#define D(kind_, ...) ((struct fa_rule_event){ .kind = kind_, .registrar = "r", \
					       .domain = "a.example", __VA_ARGS__ })

static void test_domain_counters(void **state)
{
	struct fa_rule_set *set = tu_set_from(domain_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *d = "a.example";

	/* A create with contacts, DS and authInfo: initial, not changes. */
	put(eng, D("domain.create", .txn_key = "c1", .contact = "reg-1"), 0);
	put(eng, D("domain.contact_add", .txn_key = "c1", .contact = "adm", .value = "admin"), 0);
	put(eng, D("domain.ds_add", .txn_key = "c1", .value = "1 8 2 AB"), 0);
	assert_int_equal(val(eng, "domain", d, "contact_changes", DAY), 0);
	assert_int_equal(val(eng, "domain", d, "ds_changes", DAY), 0);
	assert_false(known(eng, "domain", d, "since_contact_change", 0));
	assert_false(known(eng, "domain", d, "since_lock_removed", 0));

	/* One update: two DS events, one contact swap = 1 change each. */
	put(eng, D("domain.ds_add", .txn_key = "u1", .value = "2 8 2 CD"), 100);
	put(eng, D("domain.ds_rem", .txn_key = "u1", .value = "1 8 2 AB"), 100);
	int64_t c_rem = put(eng, D("domain.contact_rem", .txn_key = "u1", .contact = "adm",
				   .value = "admin"), 100);
	put(eng, D("domain.contact_add", .txn_key = "u1", .contact = "adm2", .value = "admin"),
	    100);
	assert_int_equal(val(eng, "domain", d, "ds_changes", DAY), 1);
	assert_int_equal(val(eng, "domain", d, "contact_changes", DAY), 1);
	assert_int_equal(val(eng, "domain", d, "since_contact_change", 0), 0);
	assert_true(c_rem > 0);

	/* Statuses: only the six locks count. */
	put(eng, D("domain.status_rem", .txn_key = "u2", .value = "clientHold"), 200);
	assert_int_equal(val(eng, "domain", d, "locks_removed", DAY), 0);
	assert_false(known(eng, "domain", d, "since_lock_removed", 0));
	put(eng, D("domain.status_rem", .txn_key = "u2", .value = "clientTransferProhibited"),
	    200);
	put(eng, D("domain.status_rem", .txn_key = "u2", .value = "serverDeleteProhibited"), 200);
	assert_int_equal(val(eng, "domain", d, "locks_removed", DAY), 2);
	assert_int_equal(val(eng, "domain", d, "since_contact_change", 0), 100 * TU_SEC);
	assert_int_equal(val(eng, "domain", d, "since_lock_removed", 0), 0);

	put(eng, D("domain.authinfo_change", .txn_key = "u3"), 300);
	put(eng, D("domain.registrant_change", .txn_key = "u3", .contact = "reg-2"), 300);
	put(eng, D("domain.transfer_request", .txn_key = "t1"), 400);
	put(eng, D("domain.transfer_request", .txn_key = "t2"), 500);
	put(eng, D("domain.transfer_approve", .txn_key = "t3", .value = "r2"), 600);
	assert_int_equal(val(eng, "domain", d, "authinfo_changes", DAY), 1);
	assert_int_equal(val(eng, "domain", d, "registrant_changes", DAY), 1);
	assert_int_equal(val(eng, "domain", d, "transfer_requests", DAY), 2);
	assert_int_equal(val(eng, "domain", d, "transfers", DAY), 1);
	assert_int_equal(val(eng, "domain", d, "since_contact_change", 0), 300 * TU_SEC);
	assert_int_equal(val(eng, "domain", d, "since_lock_removed", 0), 400 * TU_SEC);

	/* "NS changed soon after a contact change": fires at the NS
	 * change 47h after the authInfo/registrant change, not at 48h. */
	put(eng, D("domain.ns_add", .txn_key = "n1", .host = "ns9.x"), 300 + 47 * HOUR);
	assert_int_equal(val(eng, "domain", d, "since_contact_change", 0), 47 * HOUR * TU_SEC);
	put(eng, D("domain.ns_rem", .txn_key = "n2", .host = "ns9.x"), 300 + 48 * HOUR);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	struct fa_rule_finding f;
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_int_equal(f.nrules, 1);
	assert_string_equal(f.rules[0], "b");
	assert_true(f.last_us == tu_t0 + (300 + 47 * HOUR) * TU_SEC);
	/* The day window (t - 1d, t] at 48h05m holds nothing of the first day. */
	assert_int_equal(val(eng, "domain", d, "ds_changes", DAY), 0);
	assert_int_equal(val(eng, "domain", d, "locks_removed", DAY), 0);
	assert_int_equal(val(eng, "domain", d, "transfers", DAY), 0);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char ns_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - id: a\n"
	"    description: d\n"
	"    entity: domain\n"
	"    severity: low\n"
	"    score: 1\n"
	"    when: ns_replacements[7d] > 100 or zone_ns_changes[7d] > 100 or\n"
	"      glue_changes[7d] > 100 or distinct_ns_hosts[7d] > 100 or\n"
	"      distinct_ns_addrs[7d] > 100 or min_ttl < 0\n";

static void test_ns_set(void **state)
{
	struct fa_rule_set *set = tu_set_from(ns_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *d = "a.example";

	/* Known before the events: NS {ns1.a.example, ns.other}, glue of
	 * ns1.a.example 192.0.2.1. */
	struct fa_rule_ent *e;
	assert_int_equal(fa_rule_engine_seed_ent(eng, FA_RULE_E_DOMAIN, d, &e), FA_OK);
	assert_non_null(e);
	const char *ns0[] = { "ns1.a.example", "ns.other" };
	assert_int_equal(fa_rule_domain_seed_ns(e, ns0, 2), FA_OK);
	const char *addr0[] = { "192.0.2.1" };
	assert_int_equal(fa_rule_engine_seed_host(eng, "ns1.a.example", addr0, 1, NULL), FA_OK);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 7 * DAY), 2);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_addrs", 7 * DAY), 1);
	assert_false(known(eng, "domain", d, "min_ttl", 0));

	/* Adding one and removing one keeps ns.other: no replacement. */
	put(eng, D("domain.ns_add", .txn_key = "u1", .host = "ns2.a.example"), 0);
	put(eng, D("domain.ns_rem", .txn_key = "u1", .host = "ns1.a.example"), 0);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 0);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 7 * DAY), 3);

	/* The whole set replaced: {ns2.a.example, ns.other} -> {ns3.a.example}. */
	put(eng, D("domain.ns_add", .txn_key = "u2", .host = "ns3.a.example"), 3600);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 0);
	put(eng, D("domain.ns_rem", .txn_key = "u2", .host = "ns2.a.example"), 3600);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 0);
	put(eng, D("domain.ns_rem", .txn_key = "u2", .host = "ns.other"), 3600);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 1);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 7 * DAY), 4);

	/* Only adding, or only removing, is no replacement. */
	put(eng, D("domain.ns_add", .txn_key = "u3", .host = "ns4.a.example"), 7200);
	put(eng, D("domain.ns_rem", .txn_key = "u4", .host = "ns4.a.example"), 7300);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 1);

	/* The zone publishes it: the first step is the delegation (not a
	 * change), and the same names again change nothing in the set. */
	put(eng, D("zone.delegation_add", .txn_key = "zone:example.:1", .rrtype = "NS",
		   .has_ttl = true, .ttl_s = 3600), 7400);
	put(eng, D("zone.ns_add", .txn_key = "zone:example.:1", .host = "ns3.a.example",
		   .value = "ns3.a.example", .rrtype = "NS"), 7400);
	assert_int_equal(val(eng, "domain", d, "zone_ns_changes", 7 * DAY), 0);
	assert_int_equal(val(eng, "domain", d, "min_ttl", 0), 3600);
	put(eng, D("zone.ns_add", .txn_key = "zone:example.:2", .host = "ns5.a.example",
		   .value = "ns5.a.example", .rrtype = "NS"), 7500);
	put(eng, D("zone.ns_add", .txn_key = "zone:example.:2", .host = "ns6.a.example",
		   .value = "ns6.a.example", .rrtype = "NS"), 7500);
	assert_int_equal(val(eng, "domain", d, "zone_ns_changes", 7 * DAY), 1);
	put(eng, D("zone.ns_rem", .txn_key = "zone:example.:3", .host = "ns6.a.example",
		   .value = "ns6.a.example", .rrtype = "NS"), 7600);
	assert_int_equal(val(eng, "domain", d, "zone_ns_changes", 7 * DAY), 2);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 7 * DAY), 7);

	/* TTL: EPP 600, zone 3600 then 300: the lowest. */
	int64_t ttl_ev = put(eng, D("domain.ttl_set", .txn_key = "u5", .value = "NS 600"), 7700);
	assert_int_equal(val(eng, "domain", d, "min_ttl", 0), 600);
	put(eng, D("zone.ttl_change", .txn_key = "zone:example.:4", .rrtype = "DS",
		   .value = "60"), 7800);
	assert_int_equal(val(eng, "domain", d, "min_ttl", 0), 600);
	put(eng, D("zone.ttl_change", .txn_key = "zone:example.:5", .rrtype = "NS",
		   .value = "300"), 7900);
	assert_int_equal(val(eng, "domain", d, "min_ttl", 0), 300);
	assert_true(ttl_ev > 0);

	/* Glue: EPP address changes of in-zone hosts (by name, or by the
	 * event's domain) and zone glue of the domain; not other hosts. */
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .registrar = "r",
					  .host = "ns3.a.example", .value = "198.51.100.3",
					  .txn_key = "h1" }), 8000);
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .registrar = "r",
					  .host = "ns3.a.example", .value = "198.51.100.4",
					  .txn_key = "h2" }), 8001);
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .registrar = "r",
					  .host = "ns.other", .value = "203.0.113.9",
					  .txn_key = "h3" }), 8002);
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .registrar = "r",
					  .host = "weird.host", .domain = d,
					  .value = "203.0.113.10", .txn_key = "h4" }), 8003);
	put(eng, D("zone.glue_add", .txn_key = "zone:example.:6", .host = "ns3.a.example",
		   .value = "198.51.100.3", .rrtype = "A"), 8100);
	assert_int_equal(val(eng, "domain", d, "glue_changes", 7 * DAY), 4);

	/* Addresses of the name servers held in the window: ns1 (seeded
	 * 192.0.2.1, released at 0), ns3 (two), ns.other (one); counted once. */
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .registrar = "r",
					  .host = "ns1.a.example", .value = "198.51.100.3",
					  .txn_key = "h5" }), 8200);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_addrs", 7 * DAY), 4);

	/* Eight days on: only what is held now, ns3 and ns5 (the domain's
	 * events keep the trackers of its name servers). */
	put(eng, D("domain.status_add", .txn_key = "u9", .value = "clientHold"), 8 * DAY);
	fa_rule_engine_prune(eng);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 7 * DAY), 2);
	assert_int_equal(val(eng, "domain", d, "distinct_ns_addrs", 7 * DAY), 2);
	assert_int_equal(val(eng, "domain", d, "ns_replacements", 7 * DAY), 0);
	assert_int_equal(val(eng, "domain", d, "glue_changes", 7 * DAY), 0);

	/* A delete ends the delegation and the TTLs. */
	put(eng, D("domain.delete", .txn_key = "x"), 8 * DAY + 1);
	/* Released now: still inside any window. */
	assert_int_equal(val(eng, "domain", d, "distinct_ns_hosts", 1), 2);
	assert_false(known(eng, "domain", d, "min_ttl", 0));

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char zone_host_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: a, description: d, entity: host, severity: low, score: 1,\n"
	"     when: \"zone_glue_changes[1h] >= 2\"}\n";

static void test_zone_glue_host(void **state)
{
	struct fa_rule_set *set = tu_set_from(zone_host_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *h = "ns1.a.example";

	put(eng, D("zone.glue_add", .txn_key = "zone:x:1", .host = h, .value = "192.0.2.1"), 0);
	put(eng, D("zone.glue_rem", .txn_key = "zone:x:2", .host = h, .value = "192.0.2.1"), 60);
	/* EPP address changes are glue_changes, not zone_glue_changes. */
	put(eng, ((struct fa_rule_event){ .kind = "host.addr_add", .host = h,
					  .value = "192.0.2.2", .txn_key = "e1" }), 61);
	assert_int_equal(val(eng, "host", h, "zone_glue_changes", HOUR), 2);
	put(eng, D("zone.glue_add", .txn_key = "zone:x:3", .host = h, .value = "192.0.2.3"),
	    3600);
	assert_int_equal(val(eng, "host", h, "zone_glue_changes", HOUR), 2);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char registrar_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - id: a\n"
	"    description: d\n"
	"    entity: registrar\n"
	"    severity: low\n"
	"    score: 1\n"
	"    when: failed_auth[1h] > 100 or new_networks[1d] > 100 or\n"
	"      off_hours[1d] > 100 or bulk_redelegation[1d] >= 3\n";

#define R(kind_, ...) ((struct fa_rule_event){ .kind = kind_, .registrar = "reg", __VA_ARGS__ })

static void test_registrar(void **state)
{
	struct fa_rule_set *set = tu_set_from(registrar_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	char key[32];

	/* Failed commands by result code. */
	put(eng, R("command.failed", .txn_key = "f1", .value = "2201"), 0);
	put(eng, R("command.failed", .txn_key = "f2", .value = "2303"), 1);
	put(eng, R("command.failed", .txn_key = "f3", .value = "2200"), 2);
	put(eng, R("command.failed", .txn_key = "f4", .value = "2202"), 3);
	put(eng, R("command.failed", .txn_key = "f5", .value = "2203"), 4);
	assert_int_equal(val(eng, "registrar", "reg", "failed_auth", HOUR), 3);

	/* Networks: seeded 192.0.2.0/24; events of one transaction count once. */
	struct fa_rule_ent *e = fa_rule_engine_find(eng, FA_RULE_E_REGISTRAR, "reg");
	assert_non_null(e);
	assert_int_equal(fa_rule_registrar_seed_net(e, "192.0.2.77", tu_t0 - DAY * TU_SEC), FA_OK);
	put(eng, R("login", .txn_key = "l1", .src_addr = "192.0.2.8"), 10);
	assert_int_equal(val(eng, "registrar", "reg", "new_networks", DAY), 0);
	put(eng, R("login", .txn_key = "l2", .src_addr = "198.51.100.8"), 20);
	put(eng, R("login", .txn_key = "l3", .src_addr = "198.51.100.200"), 30);
	put(eng, R("login", .txn_key = "l4", .src_addr = "2001:db8:1:2::1"), 40);
	put(eng, R("login", .txn_key = "l5", .src_addr = "2001:db8:1:ffff::9"), 50);
	assert_int_equal(val(eng, "registrar", "reg", "new_networks", DAY), 2);
	assert_true(fa_rule_network("2001:db8:1:2::1", key, sizeof(key)));
	assert_string_equal(key, "2001:db8:1::/48");
	assert_true(fa_rule_network("198.51.100.200", key, sizeof(key)));
	assert_string_equal(key, "198.51.100.0/24");
	assert_false(fa_rule_network("not-an-address", key, sizeof(key)));
	/* Window (t - 1d, t]: one day after the first sighting, it is old. */
	put(eng, R("login", .txn_key = "l6", .src_addr = "198.51.100.1"), 20 + DAY);
	assert_int_equal(val(eng, "registrar", "reg", "new_networks", DAY), 1);

	/* Hours: unknown before 500 earlier transactions. So far 11. */
	assert_false(known(eng, "registrar", "reg", "off_hours", DAY));
	/* 489 more at 10:00-10:59 on the next days: 500 in all, 2% is 10. */
	for (int i = 0; i < 489; i++) {
		char txn[16];
		snprintf(txn, sizeof(txn), "b%d", i);
		if (i == 488) {
			assert_false(known(eng, "registrar", "reg", "off_hours", DAY));
		}
		put(eng, R("domain.info", .txn_key = txn, .domain = "x.example"),
		    2 * DAY + 10 * HOUR + i);
	}
	assert_int_equal(val(eng, "registrar", "reg", "off_hours", DAY), 0);
	/* Hour 0 has 11 of 500 (2.2%): usual; hour 3 has none: off. Two
	 * events of one transaction are one transaction. */
	put(eng, R("domain.info", .txn_key = "o1", .domain = "x.example"), 3 * DAY + 3 * HOUR);
	put(eng, R("domain.info", .txn_key = "o1", .domain = "y.example"), 3 * DAY + 3 * HOUR);
	put(eng, R("domain.info", .txn_key = "o2", .domain = "x.example"), 3 * DAY + 3 * HOUR + 1);
	put(eng, R("domain.info", .txn_key = "o3", .domain = "x.example"), 4 * DAY);
	assert_int_equal(val(eng, "registrar", "reg", "off_hours", DAY), 2);
	put(eng, R("domain.info", .txn_key = "o4", .domain = "x.example"),
	    4 * DAY + 3 * HOUR + 2);
	assert_int_equal(val(eng, "registrar", "reg", "off_hours", DAY), 1);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* Move domain d of registrar reg and registrant ct to {ns1, ns2}.x from
 * {old}; created first when create is set. */
static void move(struct fa_rule_engine *eng, const char *d, const char *reg, const char *txn,
		 int64_t at, const char *to1, const char *to2)
{
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = reg,
					  .domain = d, .host = to1, .txn_key = txn }), at);
	if (to2 != NULL) {
		put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = reg,
						  .domain = d, .host = to2, .txn_key = txn }), at);
	}
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_rem", .registrar = reg,
					  .domain = d, .host = "old.x", .txn_key = txn }), at);
}

static void create(struct fa_rule_engine *eng, const char *d, const char *reg,
		   const char *registrant, int64_t at)
{
	char txn[64];
	snprintf(txn, sizeof(txn), "c-%s", d);
	put(eng, ((struct fa_rule_event){ .kind = "domain.create", .registrar = reg,
					  .domain = d, .contact = registrant, .txn_key = txn }),
	    at);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = reg,
					  .domain = d, .host = "old.x", .txn_key = txn }), at);
}

static void test_bulk(void **state)
{
	struct fa_rule_set *set = tu_set_from(registrar_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);

	/* Creates are no moves. */
	create(eng, "d1.example", "reg", "ct", 0);
	create(eng, "d2.example", "reg", "ct", 1);
	create(eng, "d3.example", "reg", "ct", 2);
	create(eng, "d4.example", "reg", "ct", 3);
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 0);

	/* d1, d2 to {a, b}; d3 to {a} alone; d1 again to {a, b} counts once. */
	move(eng, "d1.example", "reg", "m1", 100, "a.x", "b.x");
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 1);
	move(eng, "d2.example", "reg", "m2", 101, "b.x", "a.x");
	move(eng, "d3.example", "reg", "m3", 102, "a.x", NULL);
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 2);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_rem", .registrar = "reg",
					  .domain = "d1.example", .host = "a.x",
					  .txn_key = "m4" }), 103);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = "reg",
					  .domain = "d1.example", .host = "a.x",
					  .txn_key = "m5" }), 104);
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 2);
	/* d4 to {a, b} makes 3 and fires; another registrar's move does not count. */
	move(eng, "d4.example", "reg", "m6", 200, "a.x", "b.x");
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 3);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	/* A day after m4 (103), (t - 1d, t] keeps m5 and m6. */
	put(eng, R("login", .txn_key = "l", .src_addr = "192.0.2.1"), 103 + DAY);
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 2);
	fa_rule_engine_prune(eng);
	put(eng, R("login", .txn_key = "l2", .src_addr = "192.0.2.1"), 200 + DAY);
	fa_rule_engine_prune(eng);
	assert_int_equal(val(eng, "registrar", "reg", "bulk_redelegation", DAY), 0);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char registrant_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - id: a\n"
	"    description: d\n"
	"    entity: registrant\n"
	"    severity: low\n"
	"    score: 1\n"
	"    when: bulk_redelegation[1d] >= 2 or domains_changed[1d] > 100 or\n"
	"      contact_quality_issues >= 3\n";

static void test_registrant(void **state)
{
	struct fa_rule_set *set = tu_set_from(registrant_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);

	create(eng, "d1.example", "r1", "ct", 0);
	create(eng, "d2.example", "r2", "ct", 1);
	create(eng, "d3.example", "r1", "other", 2);
	move(eng, "d1.example", "r1", "m1", 10, "a.x", "b.x");
	move(eng, "d3.example", "r1", "m2", 11, "a.x", "b.x");
	assert_int_equal(val(eng, "registrant", "ct", "domains_changed", DAY), 1);
	assert_int_equal(val(eng, "registrant", "ct", "bulk_redelegation", DAY), 1);
	/* Across registrars, the registrant's domains: 2, fires. */
	move(eng, "d2.example", "r2", "m3", 12, "a.x", "b.x");
	assert_int_equal(val(eng, "registrant", "ct", "bulk_redelegation", DAY), 2);
	assert_int_equal(val(eng, "registrant", "other", "bulk_redelegation", DAY), 1);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	/* A registrant change moves d2 to "new"; its later changes are new's. */
	put(eng, ((struct fa_rule_event){ .kind = "domain.registrant_change", .registrar = "r2",
					  .domain = "d2.example", .contact = "new",
					  .txn_key = "rc" }), 20);
	move(eng, "d2.example", "r2", "m4", 30, "c.x", NULL);
	assert_int_equal(val(eng, "registrant", "ct", "domains_changed", DAY), 2);
	assert_int_equal(val(eng, "registrant", "new", "domains_changed", DAY), 1);

	/* Contact data quality: unknown until known. */
	assert_false(known(eng, "registrant", "ct", "contact_quality_issues", 0));
	put(eng, ((struct fa_rule_event){ .kind = "contact.create", .contact = "ct",
					  .txn_key = "k1", .c_email = "x@mail.example",
					  .c_voice = "+1.5555551234", .c_name = "X Y",
					  .c_cc = "US", .cfields = 15 }), 40);
	assert_int_equal(val(eng, "registrant", "ct", "contact_quality_issues", 0), 0);
	/* An update names only what changed. */
	put(eng, ((struct fa_rule_event){ .kind = "contact.update", .contact = "ct",
					  .txn_key = "k2", .c_voice = "555-1234",
					  .cfields = FA_RULE_CF_VOICE }), 41);
	assert_int_equal(val(eng, "registrant", "ct", "contact_quality_issues", 0), 1);
	put(eng, ((struct fa_rule_event){ .kind = "contact.update", .contact = "ct",
					  .txn_key = "k3", .c_email = "x@localhost",
					  .cfields = FA_RULE_CF_EMAIL | FA_RULE_CF_NAME }), 42);
	assert_int_equal(val(eng, "registrant", "ct", "contact_quality_issues", 0), 3);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);

	/* The validators at their edges. */
	struct {
		const char *email, *voice, *name, *cc;
		int64_t issues;
	} cases[] = {
		{ "a@b.c", "+1.1", "n", "de", 0 },
		{ "a@b.c", "+123.12345678901234", "n", "DE", 0 },	/* 19 chars */
		{ "a@b.c", "+123.123456789012", "n", "DE", 0 },	/* 17 chars */
		{ "a@b.c", "+1234.5", "n", "DE", 1 },
		{ "a@b.c", "+1.", "n", "DE", 1 },
		{ "a@b.c", "1.5", "n", "DE", 1 },
		{ "a b@c.d", NULL, "n", "DE", 2 },
		{ "@b.c", "+1.1", "n", "DE", 1 },
		{ "a@.b", "+1.1", "n", "DE", 1 },
		{ "a@b.", "+1.1", "n", "DE", 1 },
		{ "a@b@c.d", "+1.1", "  ", "DE", 2 },
		{ "a@b.c", "+1.1", "n", "DEU", 1 },
		{ NULL, NULL, NULL, NULL, 3 },
	};
	/* 19 characters exceed 17. */
	cases[1].issues = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char id[16];
		snprintf(id, sizeof(id), "q%zu", i);
		put(eng, ((struct fa_rule_event){ .kind = "contact.create", .contact = id,
						  .txn_key = id, .c_email = cases[i].email,
						  .c_voice = cases[i].voice,
						  .c_name = cases[i].name, .c_cc = cases[i].cc,
						  .cfields = 15 }), 50 + (int64_t)i);
		if (val(eng, "registrant", id, "contact_quality_issues", 0) != cases[i].issues) {
			fail_msg("case %zu: want %lld issues", i, (long long)cases[i].issues);
		}
	}

	/* The city: missing or blank is a postal-info issue where the data
	 * has the field; data written before the city was kept (no field)
	 * is not judged on it; an update naming the city makes it known. */
	struct {
		const char *city;
		unsigned fields;
		int64_t issues;
	} cities[] = {
		{ "Berlin", 31, 0 },
		{ NULL, 31, 1 },
		{ " \t", 31, 1 },
		{ NULL, 15, 0 },
		{ "\xc2\xa0", 31, 1 },			/* no-break space */
		{ "\xe2\x80\x8b\xe3\x80\x80", 31, 1 },	/* zero-width, ideographic */
		{ "\xc2\xa0K\xc3\xb6ln", 31, 0 },
		{ "\xe6\x9d\xb1\xe4\xba\xac", 31, 0 },		/* Tokyo in kanji */
	};
	for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++) {
		char id[16];
		snprintf(id, sizeof(id), "city%zu", i);
		put(eng, ((struct fa_rule_event){ .kind = "contact.create", .contact = id,
						  .txn_key = id, .c_email = "a@b.c",
						  .c_voice = "+1.1", .c_name = "n", .c_cc = "DE",
						  .c_city = cities[i].city,
						  .cfields = cities[i].fields }), 70 + (int64_t)i);
		if (val(eng, "registrant", id, "contact_quality_issues", 0) != cities[i].issues) {
			fail_msg("city case %zu: want %lld issues", i, (long long)cities[i].issues);
		}
	}
	put(eng, ((struct fa_rule_event){ .kind = "contact.update", .contact = "city3",
					  .txn_key = "cu", .cfields = FA_RULE_CF_CITY }), 80);
	assert_int_equal(val(eng, "registrant", "city3", "contact_quality_issues", 0), 1);
	put(eng, ((struct fa_rule_event){ .kind = "contact.update", .contact = "city3",
					  .txn_key = "cv", .c_city = "Kiel",
					  .cfields = FA_RULE_CF_CITY }), 81);
	assert_int_equal(val(eng, "registrant", "city3", "contact_quality_issues", 0), 0);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char deleg_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: a, description: d, entity: host, severity: low, score: 1,\n"
	"     when: \"domains > 1000 or young_domains[30d] >= 3\"}\n";

static void test_host_delegations(void **state)
{
	struct fa_rule_set *set = tu_set_from(deleg_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	const char *h = "ns.h.example";
	struct fa_rule_ent *e;

	put(eng, ((struct fa_rule_event){ .kind = "login", .registrar = "r", .txn_key = "l" }), 0);
	/* Known before: 5 domains, one of them created 10 days ago, and
	 * old.example (created 2020) among the others. */
	assert_int_equal(fa_rule_engine_seed_host(eng, h, NULL, 0, NULL), FA_OK);
	e = fa_rule_engine_find(eng, FA_RULE_E_HOST, h);
	assert_non_null(e);
	assert_int_equal(fa_rule_host_seed_deleg(eng, e, 4, NULL, 0), FA_OK);
	assert_int_equal(fa_rule_host_seed_deleg(eng, e, 1, "y0.example",
						 tu_t0 - 10 * DAY * TU_SEC), FA_OK);
	assert_int_equal(fa_rule_engine_seed_ent(eng, FA_RULE_E_DOMAIN, "old.example", &e),
			 FA_OK);
	assert_non_null(e);
	e->has_created = true;
	e->created_us = tu_t0 - 2000 * DAY * TU_SEC;
	assert_int_equal(fa_rule_domain_seed_ns(e, &h, 1), FA_OK);
	assert_int_equal(val(eng, "host", h, "domains", 0), 5);
	assert_int_equal(val(eng, "host", h, "young_domains", 30 * DAY), 1);
	assert_int_equal(val(eng, "host", h, "young_domains", 7 * DAY), 0);

	/* Two new domains on it; the zone's witness of the first adds none. */
	create(eng, "n1.example", "r", "ct", 10);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = "r",
					  .domain = "n1.example", .host = h,
					  .txn_key = "c-n1.example" }),
	    10);
	create(eng, "n2.example", "r", "ct", 20);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_add", .registrar = "r",
					  .domain = "n2.example", .host = h,
					  .txn_key = "c-n2.example" }),
	    20);
	put(eng, ((struct fa_rule_event){ .kind = "zone.ns_add", .domain = "n1.example", .host = h,
					  .value = h, .txn_key = "zone:example:7" }), 30);
	assert_int_equal(val(eng, "host", h, "domains", 0), 7);
	assert_int_equal(val(eng, "host", h, "young_domains", 30 * DAY), 3);
	assert_int_equal(val(eng, "host", h, "young_domains", 7 * DAY), 2);

	/* Removals: a young one, an old one, a deleted domain. */
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_rem", .registrar = "r",
					  .domain = "n1.example", .host = h, .txn_key = "u1" }),
	    100);
	put(eng, ((struct fa_rule_event){ .kind = "domain.ns_rem", .registrar = "r",
					  .domain = "old.example", .host = h, .txn_key = "u2" }),
	    101);
	assert_int_equal(val(eng, "host", h, "domains", 0), 5);
	assert_int_equal(val(eng, "host", h, "young_domains", 30 * DAY), 2);
	put(eng, ((struct fa_rule_event){ .kind = "domain.delete", .registrar = "r",
					  .domain = "n2.example", .txn_key = "x" }), 200);
	assert_int_equal(val(eng, "host", h, "domains", 0), 4);
	assert_int_equal(val(eng, "host", h, "young_domains", 30 * DAY), 1);

	/* 20 days on, y0 is 30 days old: no longer young, still delegated. */
	put(eng, ((struct fa_rule_event){ .kind = "host.status_add", .host = h, .value = "ok",
					  .txn_key = "s" }), 20 * DAY);
	assert_int_equal(val(eng, "host", h, "young_domains", 30 * DAY), 0);
	fa_rule_engine_prune(eng);
	assert_int_equal(val(eng, "host", h, "domains", 0), 4);
	/* Host rules run at the host's own events (NS events are the
	 * domain's): at 20 days nothing is young any more. */
	struct fa_rule_stats st;
	fa_rule_engine_stats(eng, &st);
	assert_int_equal(st.fired, 0);
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

static const char reuse_policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: a, description: d, entity: registrant, severity: low, score: 1,\n"
	"     when: \"contact_reuse >= 2\"}\n";

static void contact(struct fa_rule_engine *eng, const char *kind, const char *id,
		    const char *email, const char *voice, unsigned fields, int64_t at)
{
	put(eng, ((struct fa_rule_event){ .kind = kind, .contact = id, .txn_key = id,
					  .c_email = email, .c_voice = voice, .c_name = "n",
					  .c_cc = "DE", .cfields = fields }), at);
}

static void test_contact_reuse(void **state)
{
	struct fa_rule_set *set = tu_set_from(reuse_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	struct fa_rule_ent *e;

	/* Email compared without case, voice exactly. */
	contact(eng, "contact.create", "c1", "A@x.example", "+1.1", 15, 0);
	contact(eng, "contact.create", "c2", "a@x.example", "+1.2", 15, 1);
	contact(eng, "contact.create", "c3", "b@x.example", "+1.1", 15, 2);
	assert_int_equal(val(eng, "registrant", "c1", "contact_reuse", 0), 2);
	assert_int_equal(val(eng, "registrant", "c2", "contact_reuse", 0), 1);
	assert_int_equal(val(eng, "registrant", "c3", "contact_reuse", 0), 1);
	/* Rules run at the contact's own events: c1's came first (0 then). */
	assert_int_equal(fa_rule_engine_finding_count(eng), 0);
	contact(eng, "contact.update", "c2", "z@x.example", NULL, FA_RULE_CF_EMAIL, 3);
	assert_int_equal(val(eng, "registrant", "c1", "contact_reuse", 0), 1);
	assert_int_equal(val(eng, "registrant", "c2", "contact_reuse", 0), 0);

	/* Known from the table: "old" shares with c9 (not seen since) and
	 * c1 (whose events tell another email). */
	assert_int_equal(fa_rule_engine_seed_ent(eng, FA_RULE_E_REGISTRANT, "old", &e), FA_OK);
	assert_non_null(e);
	assert_int_equal(fa_rule_registrant_seed(eng, e, "q@x.example", NULL, "n", "US", NULL,
						 false), FA_OK);
	assert_int_equal(fa_rule_registrant_seed_reuse(e, "c9"), FA_OK);
	assert_int_equal(fa_rule_registrant_seed_reuse(e, "c1"), FA_OK);
	assert_int_equal(val(eng, "registrant", "old", "contact_reuse", 0), 1);
	contact(eng, "contact.create", "c4", "Q@X.example", NULL, 15, 4);
	assert_int_equal(val(eng, "registrant", "old", "contact_reuse", 0), 2);
	assert_int_equal(val(eng, "registrant", "c4", "contact_reuse", 0), 1);
	contact(eng, "contact.create", "c9", "other@x.example", NULL, 15, 5);
	assert_int_equal(val(eng, "registrant", "old", "contact_reuse", 0), 1);
	/* An update of old itself fires: c4 and, by voice, c1 and c3. */
	contact(eng, "contact.update", "old", NULL, "+1.1", FA_RULE_CF_VOICE, 6);
	assert_int_equal(val(eng, "registrant", "old", "contact_reuse", 0), 3);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);

	/* Unknown without contact data. */
	create(eng, "d.example", "r", "nodata", 7);
	assert_false(known(eng, "registrant", "nodata", "contact_reuse", 0));

	/* A month on the other trackers are gone: c4 (known only from its
	 * event) leaves the index, c1 and c9 count again from the table's
	 * list taken when "old" was first met. */
	contact(eng, "contact.update", "old", NULL, NULL, 0, 30 * DAY);
	fa_rule_engine_prune(eng);
	assert_null(fa_rule_engine_find(eng, FA_RULE_E_REGISTRANT, "c4"));
	assert_int_equal(val(eng, "registrant", "old", "contact_reuse", 0), 2);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_domain_counters, setup),
		cmocka_unit_test_setup(test_ns_set, setup),
		cmocka_unit_test_setup(test_zone_glue_host, setup),
		cmocka_unit_test_setup(test_registrar, setup),
		cmocka_unit_test_setup(test_bulk, setup),
		cmocka_unit_test_setup(test_registrant, setup),
		cmocka_unit_test_setup(test_host_delegations, setup),
		cmocka_unit_test_setup(test_contact_reuse, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
