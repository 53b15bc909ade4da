/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rule metrics that need enrichment data, with exact values: distinct
 * ASNs, consumer addresses and their share, the Holz-style flux score
 * (default and configured weights), declarations; the allowlist discount
 * of a finding's score; and all of them unknown without enrichment. Also
 * the registrant metrics of the shipped compromise policy: the takeover
 * counters and shared_identity.
 */
#include "enrich/fa_enrich.h"
#include "rule/fa_rule_int.h"
#include "rule_test_util.h"

static const char pfx2as[] =
	"11.0.0.0\t16\t64500\n"
	"12.0.0.0\t16\t64501\n"
	"13.0.0.0\t16\t64502\n"
	"21.0.0.0\t16\t65002\n";
static const char consumer[] = "11.0.0.0/16 isp-dsl\n12.0.0.0/16 isp-cable\n";

static struct fa_enrich *enrichment(void)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag d = { 0 };

	assert_non_null(e);
	assert_int_equal(fa_enrich_add_pfx2as(e, "p", pfx2as, strlen(pfx2as), &d), FA_OK);
	assert_int_equal(fa_enrich_add_prefixes(e, "c", consumer, strlen(consumer), &d),
			 FA_OK);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "CDN", "cdn.example", "a",
						       "a:1", &d), FA_OK);
	assert_int_equal(fa_enrich_add_provider_asn(e, "Anycast", 65002, "a", "a:2", &d),
			 FA_OK);
	assert_int_equal(fa_enrich_add_declaration(e, "ns1.static.example",
						   FA_ENRICH_DECL_STATIC, "", "a", "a:3",
						   &d), FA_OK);
	assert_int_equal(fa_enrich_add_high_change(e, "parkco", "parks expiring domains", "a",
						   "a:4", &d), FA_OK);
	assert_int_equal(fa_enrich_finish(e, &d), FA_OK);
	fa_enrich_diag_clear(&d);
	return e;
}

/* Every enrichment metric read by some rule, so the engine tracks them. */
static const char policy_fmt[] =
	"policy: p\n"
	"%s"
	"rules:\n"
	"  - {id: h-asns, description: d, entity: host, severity: low, score: 40,\n"
	"     when: \"glue_changes[1h] >= 1 and (distinct_asns[1h] > 100 or\n"
	"            consumer_addrs[1h] > 100 or consumer_share[1h] > 100 or\n"
	"            consumer_prefixes[1h] > 100 or\n"
	"            flux_score[1h] > 100000 or declared_static > 1 or\n"
	"            declared_dynamic > 1 or glue_changes[1h] >= 1)\"}\n"
	"  - {id: d-flux, description: d, entity: domain, severity: low, score: 30,\n"
	"     when: \"ns_changes[1h] >= 1 and (distinct_asns[1h] > 100 or\n"
	"            consumer_addrs[1h] > 100 or consumer_share[1h] > 100 or\n"
	"            consumer_prefixes[1h] > 100 or\n"
	"            flux_score[1h] > 100000 or declared_static > 1 or\n"
	"            ns_changes[1h] >= 1)\"}\n";

static struct fa_rule_set *set_with(const char *scoring)
{
	char text[2048];

	snprintf(text, sizeof(text), policy_fmt, scoring);
	return tu_set_from(text);
}

static void feed(struct fa_rule_engine *eng, int64_t id, int64_t at_s, const char *kind,
		 const char *domain, const char *host, const char *value, const char *txn)
{
	struct fa_rule_event ev = {
		.kind = kind, .registrar = "r", .domain = domain, .host = host, .value = value,
		.txn_key = txn,
	};
	assert_int_equal(tu_feed_at(eng, ev, id, at_s), FA_OK);
}

/*
 * ns1.flux.example goes through 11.0.0.1 (AS64500, consumer), 12.0.0.1
 * (AS64501, consumer), 13.0.0.1 (AS64502), 11.0.0.2 (AS64500, consumer)
 * and drops 11.0.0.1; flux.example is delegated to it and to
 * a.cdn.example (21.0.0.1, AS65002); cdn-only.example to a.cdn.example
 * only; b.any.example sits in the allowlisted AS65002.
 */
static void story(struct fa_rule_engine *eng)
{
	feed(eng, 1, -20, "host.addr_add", NULL, "a.cdn.example", "21.0.0.1", "t1");
	feed(eng, 2, -10, "domain.ns_add", "flux.example", "ns1.flux.example", NULL, "t2");
	feed(eng, 3, -10, "domain.ns_add", "flux.example", "a.cdn.example", NULL, "t2");
	feed(eng, 4, -5, "domain.ns_add", "cdn-only.example", "a.cdn.example", NULL, "t3");
	feed(eng, 5, 0, "host.addr_add", NULL, "ns1.flux.example", "11.0.0.1", "t4");
	feed(eng, 6, 60, "host.addr_add", NULL, "ns1.flux.example", "12.0.0.1", "t5");
	feed(eng, 7, 120, "host.addr_add", NULL, "ns1.flux.example", "13.0.0.1", "t6");
	feed(eng, 8, 180, "host.addr_add", NULL, "ns1.flux.example", "11.0.0.2", "t7");
	feed(eng, 9, 200, "host.addr_add", NULL, "b.any.example", "21.0.0.9", "t8");
	feed(eng, 10, 210, "host.addr_add", NULL, "ns1.static.example", "13.0.0.7", "t9");
	feed(eng, 11, 240, "host.addr_rem", NULL, "ns1.flux.example", "11.0.0.1", "t10");
}

static int64_t metric(struct fa_rule_engine *eng, const char *kind, const char *name,
		      const char *m, int64_t window_s, bool *known)
{
	struct fa_rule_value v = tu_metric(eng, kind, name, m, window_s);
	*known = v.known;
	return v.known ? v.v : -1;
}

static void test_metrics(void **state)
{
	struct fa_enrich *en = enrichment();
	struct fa_rule_set *set = set_with("");
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	bool k;

	fa_rule_engine_set_enrich(eng, en);
	story(eng);
	/* The host: 4 addresses in the hour (the dropped one still counts),
	 * 3 ASNs, 3 of them consumer: 75%; 1.32 * 4 + 18.54 * 3 = 60.9. */
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "distinct_asns", 3600, &k), 3);
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "consumer_addrs", 3600, &k),
			 3);
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "consumer_share", 3600, &k),
			 75);
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "flux_score", 3600, &k), 60);
	/* 11.0.0.1 and 11.0.0.2 share the block 11.0.0.0/16: 2 blocks. */
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "consumer_prefixes", 3600,
				&k), 2);
	assert_int_equal(metric(eng, "domain", "flux.example", "consumer_prefixes", 3600, &k),
			 2);
	assert_int_equal(metric(eng, "host", "a.cdn.example", "consumer_prefixes", 3600, &k),
			 0);
	/* Ten seconds: the three held and 11.0.0.1, released at 240, inside
	 * (230, 240]: still 3 ASNs. */
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "distinct_asns", 10, &k), 3);
	/* The domain: its two name servers' 5 addresses in 4 ASNs, 3 of
	 * them consumer (60%); 1.32 * 5 + 18.54 * 4 = 80.76. */
	assert_int_equal(metric(eng, "domain", "flux.example", "distinct_asns", 3600, &k), 4);
	assert_int_equal(metric(eng, "domain", "flux.example", "consumer_addrs", 3600, &k), 3);
	assert_int_equal(metric(eng, "domain", "flux.example", "consumer_share", 3600, &k), 60);
	assert_int_equal(metric(eng, "domain", "flux.example", "flux_score", 3600, &k), 80);
	/* A host with no address has no share. */
	metric(eng, "host", "ns9.none.example", "consumer_share", 3600, &k);
	assert_false(k);
	/* Declarations: the host's own. */
	assert_int_equal(metric(eng, "host", "ns1.static.example", "declared_static", 0, &k),
			 1);
	assert_int_equal(metric(eng, "host", "ns1.static.example", "declared_dynamic", 0, &k),
			 0);
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "declared_static", 0, &k), 0);
	assert_true(k);

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

/*
 * The evidence of the consumer counts is the events of the consumer
 * addresses (ids 5, 6 and 8), not of 13.0.0.1 (id 7, hosting space),
 * which the ASN count and the share do name.
 */
static void test_consumer_evidence(void **state)
{
	static const char text[] =
		"policy: p\n"
		"rules:\n"
		"  - {id: c, description: d, entity: host, severity: low, score: 10,\n"
		"     when: \"consumer_addrs[1h] >= 3 and consumer_prefixes[1h] >= 2 and\n"
		"            distinct_asns[1h] >= 3 and consumer_share[1h] >= 75\"}\n";
	static const char *const want[] = {
		"\"consumer_addrs[1h]\":{\"value\":3,\"window\":\"1h\",\"event_ids\":[5,6,8],"
		"\"event_count\":3}",
		"\"consumer_prefixes[1h]\":{\"value\":2,\"window\":\"1h\",\"event_ids\":[5,6,8],"
		"\"event_count\":3}",
		"\"distinct_asns[1h]\":{\"value\":3,\"window\":\"1h\",\"event_ids\":[5,6,7,8],"
		"\"event_count\":4}",
		"\"consumer_share[1h]\":{\"value\":75,\"window\":\"1h\",\"event_ids\":[5,6,7,8],"
		"\"event_count\":4}",
	};
	struct fa_enrich *en = enrichment();
	struct fa_rule_finding f;
	(void)state;

	struct fa_rule_set *set = tu_load("t.yaml", text);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);
	story(eng);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	assert_int_equal(fa_rule_engine_finding(eng, 0, &f), FA_OK);
	assert_string_equal(f.entity, "ns1.flux.example");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (strstr(f.evidence, want[i]) == NULL) {
			fail_msg("not in the evidence: %s\nevidence: %s", want[i], f.evidence);
		}
	}
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

static void test_weights(void **state)
{
	struct fa_enrich *en = enrichment();
	struct fa_rule_set *set = set_with(
		"scoring:\n  flux_score: {addresses: 2, asns: 10, name_servers: 1.5}\n");
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	bool k;

	fa_rule_engine_set_enrich(eng, en);
	story(eng);
	/* 2 * 4 + 10 * 3 + 1.5 * 1 = 39.5; the domain 2 * 5 + 10 * 4 + 1.5 * 2 = 53. */
	assert_int_equal(metric(eng, "host", "ns1.flux.example", "flux_score", 3600, &k), 39);
	assert_int_equal(metric(eng, "domain", "flux.example", "flux_score", 3600, &k), 53);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

static void test_unknown_without_enrichment(void **state)
{
	static const char *const m[] = {
		"distinct_asns", "consumer_addrs", "consumer_share", "flux_score",
	};
	struct fa_rule_set *set = set_with("");
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	bool k = true;

	story(eng);
	for (size_t i = 0; i < 4; i++) {
		metric(eng, "host", "ns1.flux.example", m[i], 3600, &k);
		assert_false(k);
		metric(eng, "domain", "flux.example", m[i], 3600, &k);
		assert_false(k);
	}
	metric(eng, "host", "ns1.static.example", "declared_static", 0, &k);
	assert_false(k);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* Scores per entity after the run, "kind entity score [provider]". */
static void findings(struct fa_rule_engine *eng, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < fa_rule_engine_finding_count(eng); i++) {
		struct fa_rule_finding f;
		assert_int_equal(fa_rule_engine_finding(eng, i, &f), FA_OK);
		const char *p = strstr(f.evidence, "\"allowlisted\":\"");
		char prov[32] = "";
		if (p != NULL) {
			sscanf(p + 15, "%31[^\"]", prov);
		}
		o += (size_t)snprintf(out + o, len - o, "%s %s %d%s%s\n", f.entity_kind,
				      f.entity, f.score, prov[0] ? " " : "", prov);
	}
}

static void test_allowlist_discount(void **state)
{
	struct fa_enrich *en = enrichment();
	struct fa_rule_set *set = set_with("scoring:\n  allowlist_discount: 50\n");
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	char got[1024];

	fa_rule_engine_set_enrich(eng, en);
	story(eng);
	findings(eng, got, sizeof(got));
	/* a.cdn.example by its suffix, b.any.example by its ASN: half the
	 * score; cdn-only.example has only CDN name servers; flux.example has
	 * one that is not, so it keeps its score. */
	static const char lowered[] =
		"host a.cdn.example 20 CDN\n"
		"domain flux.example 30\n"
		"domain cdn-only.example 15 CDN\n"
		"host ns1.flux.example 40\n"
		"host b.any.example 20 Anycast\n"
		"host ns1.static.example 40\n";
	assert_string_equal(got, lowered);

	/* A month later the trackers are pruned; the provider was taken
	 * when the rules fired, so the scores stay lowered. */
	feed(eng, 12, 40 * 86400, "host.addr_add", NULL, "ns9.other.example", "13.0.0.9",
	     "t11");
	fa_rule_engine_prune(eng);
	assert_null(fa_rule_engine_find(eng, FA_RULE_E_HOST, "a.cdn.example"));
	assert_null(fa_rule_engine_find(eng, FA_RULE_E_DOMAIN, "cdn-only.example"));
	findings(eng, got, sizeof(got));
	assert_int_equal(strncmp(got, lowered, strlen(lowered)), 0);
	assert_string_equal(got + strlen(lowered), "host ns9.other.example 40\n");
	fa_rule_engine_free(eng);

	/* The same without enrichment: nothing is lowered. */
	eng = fa_rule_engine_new(set);
	story(eng);
	findings(eng, got, sizeof(got));
	assert_string_equal(got,
			    "host a.cdn.example 40\n"
			    "domain flux.example 30\n"
			    "domain cdn-only.example 30\n"
			    "host ns1.flux.example 40\n"
			    "host b.any.example 40\n"
			    "host ns1.static.example 40\n");
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

/* Churn rules, and rules that read more than churn, for the
 * high-change discount. */
static const char hc_policy[] =
	"policy: hc\n"
	"scoring: {allowlist_discount: 20, high_change_discount: 50}\n"
	"rules:\n"
	"  - {id: r-churn, description: d, entity: registrar, severity: low, score: 40,\n"
	"     when: \"ns_changes[1h] >= 1 and ns_change_surge[1h] >= 0\"}\n"
	"  - {id: r-more, description: d, entity: registrar, severity: low, score: 30,\n"
	"     when: \"ns_changes[1h] >= 1 and failed_commands[1h] >= 0\"}\n"
	"  - {id: d-churn, description: d, entity: domain, severity: low, score: 20,\n"
	"     when: \"ns_changes[1h] >= 1\"}\n"
	"  - {id: d-more, description: d, entity: domain, severity: low, score: 10,\n"
	"     when: \"ns_changes[1h] >= 1 and transfers[1h] >= 0\"}\n";

static void feed_by(struct fa_rule_engine *eng, int64_t id, const char *registrar,
		    const char *kind, const char *domain, const char *host, const char *value)
{
	char txn[16];
	snprintf(txn, sizeof(txn), "t%lld", (long long)id);
	struct fa_rule_event ev = {
		.kind = kind, .registrar = registrar, .domain = domain, .host = host,
		.value = value, .txn_key = txn,
	};
	/* One event a second: its id is also its time. */
	assert_int_equal(tu_feed_at(eng, ev, id, id), FA_OK);
}

/* The finding of one entity: its score, and its evidence in ev. */
static int finding_of(struct fa_rule_engine *eng, const char *kind, const char *entity,
		      char *ev, size_t evlen)
{
	for (size_t i = 0; i < fa_rule_engine_finding_count(eng); i++) {
		struct fa_rule_finding f;
		assert_int_equal(fa_rule_engine_finding(eng, i, &f), FA_OK);
		if (strcmp(f.entity_kind, kind) == 0 && strcmp(f.entity, entity) == 0) {
			snprintf(ev, evlen, "%s", f.evidence);
			return f.score;
		}
	}
	return -1;
}

/*
 * parkco is declared high-change: its own churn rule and the churn rule
 * of a domain it sponsors get half their score; rules that read more
 * than churn keep theirs; a domain transferred away is not its any more;
 * on an allowlisted provider the larger discount wins per rule.
 */
static void test_high_change_discount(void **state)
{
	struct fa_enrich *en = enrichment();
	char ev[4096];

	struct fa_rule_set *set = tu_load("hc.yaml", hc_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);
	feed_by(eng, 1, "parkco", "domain.create", "a.example", NULL, NULL);
	feed_by(eng, 2, "plain", "domain.create", "b.example", NULL, NULL);
	feed_by(eng, 3, "parkco", "domain.create", "c.example", NULL, NULL);
	feed_by(eng, 4, "parkco", "domain.transfer_approve", "c.example", NULL, "plain");
	feed_by(eng, 5, "parkco", "domain.create", "d.example", NULL, NULL);
	feed_by(eng, 6, "parkco", "domain.ns_add", "a.example", "ns.park.example", NULL);
	feed_by(eng, 7, "plain", "domain.ns_add", "b.example", "ns.park.example", NULL);
	feed_by(eng, 8, "plain", "domain.ns_add", "c.example", "ns.park.example", NULL);
	feed_by(eng, 9, "parkco", "domain.ns_add", "d.example", "a.cdn.example", NULL);

	assert_int_equal(finding_of(eng, "registrar", "parkco", ev, sizeof(ev)), 20 + 30);
	assert_non_null(strstr(ev, "\"r-churn\":{\"severity\":\"low\",\"score\":20,"
				   "\"rule_score\":40,\"high_change_registrar\":\"parkco\","
				   "\"high_change_note\":\"parks expiring domains\","
				   "\"high_change_discount\":50,\"when\":"));
	assert_non_null(strstr(ev, "\"r-more\":{\"severity\":\"low\",\"score\":30,\"when\":"));
	assert_int_equal(finding_of(eng, "registrar", "plain", ev, sizeof(ev)), 40 + 30);
	assert_int_equal(finding_of(eng, "domain", "a.example", ev, sizeof(ev)), 10 + 10);
	assert_int_equal(finding_of(eng, "domain", "b.example", ev, sizeof(ev)), 20 + 10);
	assert_int_equal(finding_of(eng, "domain", "c.example", ev, sizeof(ev)), 20 + 10);
	assert_int_equal(finding_of(eng, "domain", "d.example", ev, sizeof(ev)), 10 + 8);
	assert_non_null(strstr(ev, "\"d-churn\":{\"severity\":\"low\",\"score\":10,"
				   "\"rule_score\":20,\"high_change_registrar\":\"parkco\""));
	assert_non_null(strstr(ev, "\"d-more\":{\"severity\":\"low\",\"score\":8,"
				   "\"rule_score\":10,\"allowlisted\":\"CDN\","
				   "\"allowlist_discount\":20,\"when\":"));
	fa_rule_engine_free(eng);

	/* Without enrichment data nothing is declared: full scores. */
	eng = fa_rule_engine_new(set);
	feed_by(eng, 1, "parkco", "domain.create", "a.example", NULL, NULL);
	feed_by(eng, 6, "parkco", "domain.ns_add", "a.example", "ns.park.example", NULL);
	assert_int_equal(finding_of(eng, "registrar", "parkco", ev, sizeof(ev)), 40 + 30);
	assert_int_equal(finding_of(eng, "domain", "a.example", ev, sizeof(ev)), 20 + 10);
	assert_null(strstr(ev, "high_change"));
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

/* Host rules: two that read only glue churn, and one per flux or
 * delegation metric, each with glue churn besides. */
static const char hc_host_policy[] =
	"policy: hch\n"
	"scoring: {high_change_discount: 50}\n"
	"rules:\n"
	"  - {id: h-glue, description: d, entity: host, severity: low, score: 40,\n"
	"     when: \"glue_changes[1h] >= 2\"}\n"
	"  - {id: h-addrs, description: d, entity: host, severity: low, score: 20,\n"
	"     when: \"distinct_addrs[1h] >= 2 and zone_glue_changes[1h] >= 0\"}\n"
	"  - {id: h-asns, description: d, entity: host, severity: low, score: 30,\n"
	"     when: \"glue_changes[1h] >= 2 and distinct_asns[1h] >= 2\"}\n"
	"  - {id: h-consumer, description: d, entity: host, severity: low, score: 16,\n"
	"     when: \"glue_changes[1h] >= 2 and consumer_share[1h] >= 100\"}\n"
	"  - {id: h-flux, description: d, entity: host, severity: low, score: 12,\n"
	"     when: \"glue_changes[1h] >= 2 and flux_score[1h] >= 0\"}\n"
	"  - {id: h-young, description: d, entity: host, severity: low, score: 8,\n"
	"     when: \"glue_changes[1h] >= 2 and young_domains[1h] >= 0\"}\n"
	"  - {id: h-domains, description: d, entity: host, severity: low, score: 6,\n"
	"     when: \"glue_changes[1h] >= 2 and domains >= 0\"}\n";

/* A host created by `creator` (none: NULL) that then gets two consumer
 * addresses in two ASNs (11.0.0.1 AS64500, 12.0.0.1 AS64501) from the
 * event ids after first_id. */
static void host_story(struct fa_rule_engine *eng, int64_t first_id, const char *creator,
		       const char *host)
{
	const char *by = creator != NULL ? creator : "parkco";

	if (creator != NULL) {
		feed_by(eng, first_id, creator, "host.create", NULL, host, NULL);
	}
	feed_by(eng, first_id + 1, by, "host.addr_add", NULL, host, "11.0.0.1");
	feed_by(eng, first_id + 2, by, "host.addr_add", NULL, host, "12.0.0.1");
}

/*
 * The hosts parkco sponsors get their glue churn rules halved: the
 * sponsor is the one seeded (as of the chunk start) until a host.create,
 * host.delete or an address change (only the sponsor may make one)
 * changes it. Rules
 * that also read ASNs, consumer space, the flux score or the domains
 * delegated to the host keep their score.
 */
static void test_high_change_hosts(void **state)
{
	static const char *const churn_only[] = { "h-glue", "h-addrs" };
	struct fa_enrich *en = enrichment();
	char ev[8192];

	struct fa_rule_set *set = tu_load("hch.yaml", hc_host_policy);
	assert_int_equal(set->nrules, 7);
	for (size_t i = 0; i < set->nrules; i++) {
		bool churn = strcmp(set->rules[i]->id, churn_only[0]) == 0 ||
			     strcmp(set->rules[i]->id, churn_only[1]) == 0;
		assert_int_equal(fa_rule_churn_only(set->rules[i]), churn);
	}

	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);
	assert_int_equal(fa_rule_engine_seed_host(eng, "ns1.seeded-park.example", NULL, 0,
						  "parkco"), FA_OK);
	assert_int_equal(fa_rule_engine_seed_host(eng, "ns1.seeded-plain.example", NULL, 0,
						  "plain"), FA_OK);
	host_story(eng, 10, "parkco", "ns1.park.example");
	host_story(eng, 20, "plain", "ns1.plain.example");
	host_story(eng, 30, NULL, "ns1.nocreate.example");
	host_story(eng, 40, "plain", "ns1.seeded-park.example");
	host_story(eng, 50, "parkco", "ns1.seeded-plain.example");
	feed_by(eng, 60, "parkco", "host.create", NULL, "ns1.again.example", NULL);
	feed_by(eng, 61, "parkco", "host.delete", NULL, "ns1.again.example", NULL);
	host_story(eng, 62, "plain", "ns1.again.example");

	/* 20 + 10 halved, then 30 + 16 + 12 + 8 + 6 in full. */
	assert_int_equal(finding_of(eng, "host", "ns1.park.example", ev, sizeof(ev)),
			 20 + 10 + 30 + 16 + 12 + 8 + 6);
	assert_non_null(strstr(ev, "\"h-glue\":{\"severity\":\"low\",\"score\":20,"
				   "\"rule_score\":40,\"high_change_registrar\":\"parkco\","
				   "\"high_change_note\":\"parks expiring domains\","
				   "\"high_change_discount\":50,\"when\":"));
	assert_non_null(strstr(ev, "\"h-addrs\":{\"severity\":\"low\",\"score\":10,"
				   "\"rule_score\":20,\"high_change_registrar\":\"parkco\","
				   "\"high_change_note\":\"parks expiring domains\","
				   "\"high_change_discount\":50,\"when\":"));
	assert_non_null(strstr(ev, "\"h-asns\":{\"severity\":\"low\",\"score\":30,\"when\":"));
	assert_non_null(strstr(ev, "\"h-consumer\":{\"severity\":\"low\",\"score\":16,"
				   "\"when\":"));
	assert_non_null(strstr(ev, "\"h-flux\":{\"severity\":\"low\",\"score\":12,\"when\":"));
	assert_non_null(strstr(ev, "\"h-young\":{\"severity\":\"low\",\"score\":8,\"when\":"));
	assert_non_null(strstr(ev, "\"h-domains\":{\"severity\":\"low\",\"score\":6,"
				   "\"when\":"));

	/* Another registrar's host, a seeded parkco host that plain created
	 * again after the seed, and a host parkco deleted and plain created
	 * again. */
	assert_int_equal(finding_of(eng, "host", "ns1.plain.example", ev, sizeof(ev)), 132);
	assert_null(strstr(ev, "high_change"));
	/* No create in the log and no seed: parkco's address changes say
	 * that parkco sponsors the host. */
	assert_int_equal(finding_of(eng, "host", "ns1.nocreate.example", ev, sizeof(ev)), 102);
	assert_non_null(strstr(ev, "\"high_change_registrar\":\"parkco\""));
	assert_int_equal(finding_of(eng, "host", "ns1.seeded-park.example", ev, sizeof(ev)),
			 132);
	assert_null(strstr(ev, "high_change"));
	assert_int_equal(finding_of(eng, "host", "ns1.again.example", ev, sizeof(ev)), 132);

	/* The seed's plain gives way to the later host.create by parkco. */
	assert_int_equal(finding_of(eng, "host", "ns1.seeded-plain.example", ev, sizeof(ev)),
			 102);
	assert_non_null(strstr(ev, "\"h-glue\":{\"severity\":\"low\",\"score\":20,"
				   "\"rule_score\":40,\"high_change_registrar\":\"parkco\""));
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

/* One glue churn rule and one NS churn rule, for the sponsor in time. */
static const char hc_time_policy[] =
	"policy: hct\n"
	"scoring: {high_change_discount: 50}\n"
	"rules:\n"
	"  - {id: h-glue, description: d, entity: host, severity: low, score: 40,\n"
	"     when: \"glue_changes[1h] >= 2\"}\n"
	"  - {id: d-churn, description: d, entity: domain, severity: low, score: 20,\n"
	"     when: \"ns_changes[1h] >= 1\"}\n";

/* Two address changes of a host by `by` from event id `id` on. */
static void glue_churn(struct fa_rule_engine *eng, int64_t id, const char *by, const char *host)
{
	feed_by(eng, id, by, "host.addr_add", NULL, host, "11.0.0.1");
	feed_by(eng, id + 1, by, "host.addr_add", NULL, host, "12.0.0.1");
}

/*
 * The sponsor of each firing is the one at its time: a delete takes it
 * away and a create by another registrar later does not reach back; a
 * subordinate host follows the transfers of its superordinate domain fed
 * after its seed or create, not the ones before (the seed counts those).
 */
/*
 * Only the sponsor may change a name's name servers or addresses: the
 * registrar that made a change sponsors the name from then on, also when
 * the log does not show the transfer (one the registry approved itself).
 */
static void test_high_change_changes_name_sponsor(void **state)
{
	struct fa_enrich *en = enrichment();
	char ev[4096];
	(void)state;

	struct fa_rule_set *set = tu_load("hcs.yaml", hc_time_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);

	/* parkco's domain, then plain's NS change: plain's, in full. */
	feed_by(eng, 1, "parkco", "domain.create", "a.example", NULL, NULL);
	feed_by(eng, 2, "plain", "domain.ns_add", "a.example", "ns.x.example", NULL);
	/* plain's domain, then parkco's NS change: halved. */
	feed_by(eng, 3, "plain", "domain.create", "b.example", NULL, NULL);
	feed_by(eng, 4, "parkco", "domain.ns_add", "b.example", "ns.x.example", NULL);
	/* The same for hosts. */
	feed_by(eng, 5, "parkco", "host.create", NULL, "ns1.c.example", NULL);
	glue_churn(eng, 6, "plain", "ns1.c.example");
	feed_by(eng, 8, "plain", "host.create", NULL, "ns1.d.example", NULL);
	glue_churn(eng, 9, "parkco", "ns1.d.example");

	assert_int_equal(finding_of(eng, "domain", "a.example", ev, sizeof(ev)), 20);
	assert_null(strstr(ev, "high_change"));
	assert_int_equal(finding_of(eng, "domain", "b.example", ev, sizeof(ev)), 10);
	assert_non_null(strstr(ev, "\"high_change_registrar\":\"parkco\""));
	assert_int_equal(finding_of(eng, "host", "ns1.c.example", ev, sizeof(ev)), 40);
	assert_null(strstr(ev, "high_change"));
	assert_int_equal(finding_of(eng, "host", "ns1.d.example", ev, sizeof(ev)), 20);
	assert_non_null(strstr(ev, "\"high_change_registrar\":\"parkco\""));
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

static void test_high_change_in_time(void **state)
{
	struct fa_enrich *en = enrichment();
	char ev[4096];

	struct fa_rule_set *set = tu_load("hct.yaml", hc_time_policy);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);

	/* Seeded as of the chunk start. */
	assert_int_equal(fa_rule_engine_seed_host_at(eng, "ns1.sub.example", NULL, 0, "parkco",
						     "sub.example", false), FA_OK);
	assert_int_equal(fa_rule_engine_seed_host_at(eng, "ns1.up.example", NULL, 0, "plain",
						     "up.example", false), FA_OK);
	assert_int_equal(fa_rule_engine_seed_host_at(eng, "ns1.gone.example", NULL, 0, NULL,
						     "up.example", true), FA_OK);
	assert_int_equal(fa_rule_engine_seed_host_at(eng, "ns2.late.example", NULL, 0, NULL,
						     "late.example", false), FA_OK);

	/* a.example: plain's churn (deleted and registered by parkco later). */
	feed_by(eng, 1, "plain", "domain.create", "a.example", NULL, NULL);
	feed_by(eng, 2, "plain", "domain.ns_add", "a.example", "ns.x.example", NULL);

	/* The transfers move the subordinate hosts, whatever the seed said. */
	feed_by(eng, 10, "parkco", "domain.transfer_approve", "sub.example", NULL, "plain");
	feed_by(eng, 11, "plain", "domain.transfer_approve", "up.example", NULL, "parkco");
	glue_churn(eng, 12, "plain", "ns1.sub.example");
	glue_churn(eng, 14, "parkco", "ns1.up.example");
	/* A host seeded as deleted: its domain's transfer does not give it a
	 * sponsor, but address changes (by parkco here) name theirs. */
	glue_churn(eng, 16, "parkco", "ns1.gone.example");

	/* Seeded after the transfer of late.example (the seed counts it), and
	 * a host (seeded before) created after it: neither is moved again. */
	feed_by(eng, 20, "plain", "domain.transfer_approve", "late.example", NULL, "parkco");
	assert_int_equal(fa_rule_engine_seed_host_at(eng, "ns1.late.example", NULL, 0, "plain",
						     "late.example", false), FA_OK);
	glue_churn(eng, 21, "plain", "ns1.late.example");
	feed_by(eng, 23, "plain", "host.create", NULL, "ns2.late.example", NULL);
	glue_churn(eng, 24, "plain", "ns2.late.example");

	/* A host of parkco's churns; it is deleted and plain creates it
	 * again later (below). */
	feed_by(eng, 30, "parkco", "host.create", NULL, "ns1.back.example", NULL);
	glue_churn(eng, 31, "parkco", "ns1.back.example");

	assert_int_equal(finding_of(eng, "domain", "a.example", ev, sizeof(ev)), 20);
	assert_null(strstr(ev, "high_change"));
	assert_int_equal(finding_of(eng, "host", "ns1.sub.example", ev, sizeof(ev)), 40);
	assert_null(strstr(ev, "high_change"));
	assert_int_equal(finding_of(eng, "host", "ns1.up.example", ev, sizeof(ev)), 20);
	assert_non_null(strstr(ev, "\"h-glue\":{\"severity\":\"low\",\"score\":20,"
				   "\"rule_score\":40,\"high_change_registrar\":\"parkco\""));
	assert_int_equal(finding_of(eng, "host", "ns1.gone.example", ev, sizeof(ev)), 20);
	assert_int_equal(finding_of(eng, "host", "ns1.late.example", ev, sizeof(ev)), 40);
	assert_int_equal(finding_of(eng, "host", "ns2.late.example", ev, sizeof(ev)), 40);
	assert_int_equal(finding_of(eng, "host", "ns1.back.example", ev, sizeof(ev)), 20);

	/* Hours later (out of the windows): the delete and the new create
	 * do not reach back to the firings before them; plain's churn on
	 * its new host counts in full (the finding keeps the latest
	 * firing's sponsor). */
	feed_by(eng, 10000, "plain", "domain.delete", "a.example", NULL, NULL);
	feed_by(eng, 10001, "parkco", "domain.create", "a.example", NULL, NULL);
	assert_int_equal(finding_of(eng, "domain", "a.example", ev, sizeof(ev)), 20);
	assert_null(strstr(ev, "high_change"));
	feed_by(eng, 20000, "parkco", "host.delete", NULL, "ns1.back.example", NULL);
	feed_by(eng, 20001, "plain", "host.create", NULL, "ns1.back.example", NULL);
	assert_int_equal(finding_of(eng, "host", "ns1.back.example", ev, sizeof(ev)), 20);
	glue_churn(eng, 20002, "plain", "ns1.back.example");
	assert_int_equal(finding_of(eng, "host", "ns1.back.example", ev, sizeof(ev)), 40);
	assert_null(strstr(ev, "high_change"));

	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

/*
 * A domain whose name servers sit in an allowlisted AS is lowered even
 * when no rule reads host metrics: its name servers' trackers are kept
 * for the discount alone.
 */
static void test_allowlist_by_asn_only_domain_rules(void **state)
{
	static const char text[] =
		"policy: d\n"
		"scoring: {allowlist_discount: 50}\n"
		"rules:\n"
		"  - {id: d, description: d, entity: domain, severity: low, score: 40,\n"
		"     when: \"ns_changes[1h] >= 1\"}\n";
	struct fa_enrich *en = enrichment();
	char got[256];

	struct fa_rule_set *set = tu_load("d.yaml", text);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	fa_rule_engine_set_enrich(eng, en);
	feed(eng, 1, 0, "host.addr_add", NULL, "ns1.any.example", "21.0.0.5", "t1");
	feed(eng, 2, 10, "domain.ns_add", "any.example", "ns1.any.example", NULL, "t2");
	feed(eng, 3, 20, "domain.ns_add", "mixed.example", "ns1.any.example", NULL, "t3");
	feed(eng, 4, 20, "domain.ns_add", "mixed.example", "ns1.other.example", NULL, "t3");
	findings(eng, got, sizeof(got));
	assert_string_equal(got, "domain any.example 20 Anycast\n"
				 "domain mixed.example 40\n");
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

static void test_scoring_errors(void **state)
{
	static const struct {
		const char *scoring, *msg;
	} bad[] = {
		{ "scoring:\n  allowlist_discount: 150\n",
		  "t.yaml:3:23: allowlist_discount is not a whole percentage from 0 to 100" },
		{ "scoring:\n  flux_score: {addresses: x}\n",
		  "t.yaml:3:27: flux_score weight \"x\" is not a number from 0 to 10000" },
		{ "scoring:\n  flux: 1\n",
		  "t.yaml:3:3: unknown key \"flux\" of scoring (expected one of: "
		  "allowlist_discount, flux_score, high_change_discount)" },
		{ "scoring:\n  high_change_discount: 50.5\n",
		  "t.yaml:3:25: high_change_discount is not a whole percentage from 0 to 100" },
		{ "scoring:\n  high_change_discount: 0x32\n",
		  "t.yaml:3:25: high_change_discount is not a whole percentage from 0 to 100" },
		{ "scoring:\n  allowlist_discount: 1e2\n",
		  "t.yaml:3:23: allowlist_discount is not a whole percentage from 0 to 100" },
		{ "scoring:\n  flux_score: {asns: -1}\n",
		  "t.yaml:3:22: flux_score weight \"-1\" is not a number from 0 to 10000" },
		{ "scoring:\n  flux_score: {asns: 1.2.3}\n",
		  "t.yaml:3:22: flux_score weight \"1.2.3\" is not a number from 0 to 10000" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[2048];
		struct fa_rule_set *set = fa_rule_set_new(NULL);
		struct fa_rule_diag diag = { 0 };
		snprintf(text, sizeof(text), policy_fmt, bad[i].scoring);
		assert_int_equal(fa_rule_set_add_buffer(set, "t.yaml", text, strlen(text),
							&diag, NULL), FA_EPARSE);
		assert_true(diag.count >= 1);
		assert_string_equal(diag.msgs[0], bad[i].msg);
		fa_rule_diag_clear(&diag);
		fa_rule_set_free(set);
	}
}

/* The takeover counters of a registrant: its contact's updates and what
 * happened to its domains, whichever domain it was. */
static void test_registrant_counters(void **state)
{
	static const char text[] =
		"policy: t\n"
		"rules:\n"
		"  - {id: takeover, description: d, entity: registrant, severity: high,\n"
		"     score: 70, when: \"contact_updates[1h] >= 1 and\n"
		"       authinfo_changes[1h] >= 2 and (locks_removed[1h] >= 1 or\n"
		"       transfer_requests[1h] >= 1)\"}\n";
	bool k;

	struct fa_rule_set *set = tu_load("t.yaml", text);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	struct fa_rule_event ev[] = {
		{ .id = 1, .ts_us = tu_t0, .kind = "domain.create", .domain = "d1.example",
		  .contact = "reg1", .txn_key = "c1" },
		{ .id = 2, .ts_us = tu_t0, .kind = "domain.create", .domain = "d2.example",
		  .contact = "reg1", .txn_key = "c2" },
		{ .id = 3, .ts_us = tu_t0 + 60 * TU_SEC, .kind = "contact.update",
		  .contact = "reg1", .txn_key = "u1" },
		{ .id = 4, .ts_us = tu_t0 + 120 * TU_SEC, .kind = "domain.authinfo_change",
		  .domain = "d1.example", .txn_key = "u2" },
		{ .id = 5, .ts_us = tu_t0 + 120 * TU_SEC, .kind = "domain.status_rem",
		  .domain = "d1.example", .value = "clientUpdateProhibited",
		  .txn_key = "u2" },
		{ .id = 6, .ts_us = tu_t0 + 130 * TU_SEC, .kind = "domain.status_rem",
		  .domain = "d1.example", .value = "ok", .txn_key = "u3" },
		{ .id = 7, .ts_us = tu_t0 + 140 * TU_SEC, .kind = "domain.authinfo_change",
		  .domain = "d2.example", .txn_key = "u4" },
		{ .id = 8, .ts_us = tu_t0 + 150 * TU_SEC, .kind = "domain.transfer_request",
		  .domain = "d2.example", .txn_key = "u5" },
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		assert_int_equal(fa_rule_engine_feed(eng, &ev[i], true), FA_OK);
	}
	assert_int_equal(metric(eng, "registrant", "reg1", "contact_updates", 3600, &k), 1);
	assert_int_equal(metric(eng, "registrant", "reg1", "authinfo_changes", 3600, &k), 2);
	/* "ok" is no lock. */
	assert_int_equal(metric(eng, "registrant", "reg1", "locks_removed", 3600, &k), 1);
	assert_int_equal(metric(eng, "registrant", "reg1", "transfer_requests", 3600, &k),
			 1);
	/* 100 s: the contact update (at 60 s, 150 - 100 = 50 < 60) is in. */
	assert_int_equal(metric(eng, "registrant", "reg1", "contact_updates", 100, &k), 1);
	assert_int_equal(metric(eng, "registrant", "reg1", "contact_updates", 90, &k), 0);
	assert_int_equal(fa_rule_engine_finding_count(eng), 1);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* One mailbox or phone under several names; placeholder names. */
static void test_shared_identity(void **state)
{
	static const char text[] =
		"policy: s\n"
		"rules:\n"
		"  - {id: shared, description: d, entity: registrant, severity: high,\n"
		"     score: 50, when: \"shared_identity >= 3 or contact_quality_issues > 3\"}\n";
	static const struct {
		const char *id, *name, *email, *voice;
	} c[] = {
		{ "c1", "Ann Lee", "box@mail.example", "+1.5550100" },
		{ "c2", "Bo Kim", "box@mail.example", "+1.5550100" },
		{ "c3", "ANN LEE", "BOX@mail.example", "+1.5550100" },  /* same name */
		{ "c4", "Cy Roe", "box@mail.example", "+1.5550199" },   /* own phone */
		{ "c5", "Di Fox", "box@mail.example", "+1.5550100" },
		{ "c6", " John Doe ", "jd@mail.example", "+1.5550111" }, /* filler */
	};
	bool k;

	struct fa_rule_set *set = tu_load("t.yaml", text);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fa_rule_event ev = {
			.id = (int64_t)i + 1, .ts_us = tu_t0 + (int64_t)i * TU_SEC,
			.kind = "contact.create", .contact = c[i].id, .c_name = c[i].name,
			.c_email = c[i].email, .c_voice = c[i].voice, .c_cc = "US",
			.cfields = FA_RULE_CF_EMAIL | FA_RULE_CF_VOICE | FA_RULE_CF_NAME |
				   FA_RULE_CF_CC,
		};
		assert_int_equal(fa_rule_engine_feed(eng, &ev, true), FA_OK);
	}
	/* c1: c2, c4 (the e-mail) and c5; c3 is the same name in other
	 * case; c3 likewise; c4 shares the e-mail with all four (c1 and c3
	 * both count: the names differ from Cy Roe's); c6 shares nothing. */
	assert_int_equal(metric(eng, "registrant", "c1", "shared_identity", 0, &k), 3);
	assert_int_equal(metric(eng, "registrant", "c2", "shared_identity", 0, &k), 4);
	assert_int_equal(metric(eng, "registrant", "c3", "shared_identity", 0, &k), 3);
	assert_int_equal(metric(eng, "registrant", "c4", "shared_identity", 0, &k), 4);
	assert_int_equal(metric(eng, "registrant", "c5", "shared_identity", 0, &k), 4);
	assert_int_equal(metric(eng, "registrant", "c6", "shared_identity", 0, &k), 0);
	/* A placeholder name counts as no postal name: one issue. */
	assert_int_equal(metric(eng, "registrant", "c6", "contact_quality_issues", 0, &k), 1);
	assert_int_equal(metric(eng, "registrant", "c1", "contact_quality_issues", 0, &k), 0);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* Failed commands by result code. */
static void test_failed_by_code(void **state)
{
	static const char *const codes[] = {
		"2303", "2303", "2302", "2304", "2305", "2306", "2201", "2400",
		"2502", "2201", "22010", "220", "abcd",
	};
	struct fa_rule_diag diag = { 0 };
	bool k;

	static const char ok[] =
		"policy: f\n"
		"rules:\n"
		"  - {id: f, description: d, entity: registrar, severity: low, score: 1,\n"
		"     when: \"failed_not_found[1h] >= 100 or failed_exists[1h] >= 100 or\n"
		"       failed_prohibited[1h] >= 100 or failed_auth[1h] >= 100 or\n"
		"       failed_2303[1h] >= 100 or failed_2201[1h] >= 100 or\n"
		"       failed_2400[1h] >= 100 or failed_2502[1h] >= 100 or\n"
		"       failed_2000[1h] >= 100 or failed_commands[1h] >= 100\"}\n";
	struct fa_rule_set *set = tu_load("t.yaml", ok);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct fa_rule_event ev = {
			.id = (int64_t)i + 1, .ts_us = tu_t0 + (int64_t)i * TU_SEC,
			.kind = "command.failed", .registrar = "r", .value = codes[i],
		};
		assert_int_equal(fa_rule_engine_feed(eng, &ev, true), FA_OK);
	}
	/* One counter per RFC 5730 code besides the groups; values that are
	 * not a four-digit code count only in failed_commands. */
	static const struct {
		const char *metric;
		int64_t want;
	} want[] = {
		{ "failed_not_found", 2 }, { "failed_exists", 1 }, { "failed_prohibited", 3 },
		{ "failed_auth", 2 }, { "failed_2303", 2 }, { "failed_2201", 2 },
		{ "failed_2400", 1 }, { "failed_2502", 1 }, { "failed_2000", 0 },
		{ "failed_commands", 13 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (metric(eng, "registrar", "r", want[i].metric, 3600, &k) != want[i].want) {
			fail_msg("%s: want %lld", want[i].metric, (long long)want[i].want);
		}
	}
	fa_rule_engine_free(eng);

	/* A code RFC 5730 does not define has no counter. */
	static const char bad[] =
		"policy: f2\n"
		"rules:\n"
		"  - {id: f2, description: d, entity: registrar, severity: low, score: 1,\n"
		"     when: \"failed_2999[1h] >= 1\"}\n";
	struct fa_rule_set *set2 = fa_rule_set_new(NULL);
	assert_int_equal(fa_rule_set_add_buffer(set2, "b.yaml", bad, strlen(bad), &diag, NULL),
			 FA_EPARSE);
	assert_int_equal(diag.count, 1);
	assert_non_null(strstr(diag.msgs[0], "failed_2999"));
	fa_rule_diag_clear(&diag);
	fa_rule_set_free(set2);
	fa_rule_set_free(set);
}

/* Every RFC 5730 failure code has its own counter: code i of the list
 * fails (i % 3) + 1 times, and each counter sees exactly its own. */
static void test_failed_every_code(void **state)
{
	static const int codes[] = {
		2000, 2001, 2002, 2003, 2004, 2005, 2100, 2101, 2102, 2103,
		2104, 2105, 2106, 2200, 2201, 2202, 2300, 2301, 2302, 2303,
		2304, 2305, 2306, 2307, 2308, 2400, 2500, 2501, 2502,
	};
	const size_t n = sizeof(codes) / sizeof(codes[0]);
	char text[4096], value[8];
	size_t len = 0;
	int64_t id = 0;
	bool k;

	/* At most 16 metrics per condition: one rule per 10 codes. */
	len += (size_t)snprintf(text + len, sizeof(text) - len, "policy: all\nrules:\n");
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 0) {
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"%s  - {id: r%zu, description: d, "
						"entity: registrar, severity: low, score: 1,"
						"\n     when: \"", i ? "\"}\n" : "", i);
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%sfailed_%d[1h] > 99",
					i % 10 ? " or " : "", codes[i]);
	}
	snprintf(text + len, sizeof(text) - len, "\"}\n");

	struct fa_rule_set *set = tu_load("all.yaml", text);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	for (size_t i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "%d", codes[i]);
		for (size_t j = 0; j <= i % 3; j++) {
			struct fa_rule_event ev = {
				.id = ++id, .ts_us = tu_t0 + id * TU_SEC, .kind = "command.failed",
				.registrar = "r", .value = value,
			};
			assert_int_equal(fa_rule_engine_feed(eng, &ev, true), FA_OK);
		}
	}
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "failed_%d", codes[i]);
		if (metric(eng, "registrar", "r", name, 3600, &k) != (int64_t)(i % 3) + 1) {
			fail_msg("%s: want %zu", name, i % 3 + 1);
		}
	}
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

/* A registrar's NS changes against its own rate of the 28 days before. */
static void test_ns_change_surge(void **state)
{
	static const char text[] =
		"policy: g\n"
		"rules:\n"
		"  - {id: g, description: d, entity: registrar, severity: low, score: 1,\n"
		"     when: \"ns_change_surge[1h] >= 1000000 or\n"
		"       ns_change_surge[1d] >= 1000000\"}\n";
	int64_t id = 1;
	char dom[32], txn[32];
	bool k;

	struct fa_rule_set *set = tu_load("t.yaml", text);
	/* The history is kept 28 days longer than the longest window. */
	assert_true(fa_rule_set_lookback(set) == INT64_C(29) * 86400 * TU_SEC);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	/* One change a day on days -27..-14 (14 in the baseline), then 6 in
	 * the last hour; each change removes and adds a name server. */
	for (int i = 0; i < 20; i++) {
		int64_t at = i < 14 ? (int64_t)(i - 27) * 86400 : (int64_t)(i - 14) * 60;
		snprintf(dom, sizeof(dom), "d%d.example", i);
		snprintf(txn, sizeof(txn), "t%d", i);
		struct fa_rule_event rem = {
			.id = id++, .ts_us = tu_t0 + at * TU_SEC, .kind = "domain.ns_rem",
			.registrar = "r", .domain = dom, .host = "ns1.old.net", .txn_key = txn,
		};
		struct fa_rule_event add = rem;
		add.id = id++;
		add.kind = "domain.ns_add";
		add.host = "ns1.new.net";
		assert_int_equal(fa_rule_engine_feed(eng, &rem, true), FA_OK);
		assert_int_equal(fa_rule_engine_feed(eng, &add, true), FA_OK);
	}
	/* 6 in the hour against 14 in 28 days: 6 * 100 * 672 / 14 = 28800;
	 * over a day: 6 * 100 * 28 / 14 = 1200. */
	assert_int_equal(metric(eng, "registrar", "r", "ns_change_surge", 3600, &k), 28800);
	assert_int_equal(metric(eng, "registrar", "r", "ns_change_surge", 86400, &k), 1200);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_consumer_evidence),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_unknown_without_enrichment),
		cmocka_unit_test(test_allowlist_discount),
		cmocka_unit_test(test_high_change_discount),
		cmocka_unit_test(test_high_change_hosts),
		cmocka_unit_test(test_high_change_in_time),
		cmocka_unit_test(test_high_change_changes_name_sponsor),
		cmocka_unit_test(test_allowlist_by_asn_only_domain_rules),
		cmocka_unit_test(test_scoring_errors),
		cmocka_unit_test(test_registrant_counters),
		cmocka_unit_test(test_shared_identity),
		cmocka_unit_test(test_failed_by_code),
		cmocka_unit_test(test_failed_every_code),
		cmocka_unit_test(test_ns_change_surge),
	};
	return cmocka_run_group_tests(tests, tu_setup, NULL);
}
