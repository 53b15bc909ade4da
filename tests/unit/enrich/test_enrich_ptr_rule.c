/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What PTR classification gives the rule metrics that ask
 * fa_enrich_consumer: consumer_addrs, consumer_share and
 * consumer_prefixes of a name server whose addresses are consumer space
 * by a listed block, by PTR names (two in one /24, one in another, one
 * IPv6 address), or neither. Exact values, with and without the PTR
 * table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/fa_time.h"
#include "enrich/fa_enrich.h"
#include "rule/fa_rule.h"

#define SEC INT64_C(1000000)

static const char prefixes[] = "11.0.0.0/16 isp-dsl\n";
static const char ptr[] =
	"31.0.0.5 dyn-31-0-0-5.example.net\n"
	"31.0.0.9 dyn-31-0-0-9.example.net\n"
	"32.0.0.5 pool-32-0-0-5.example.net\n"
	"33.0.0.1 www.example.org\n"
	"11.0.0.1 dyn-11-0-0-1.example.net\n"
	"2001:db8:1:2::7 dyn-2001-db8-1-2-0-0-0-7.example.net\n";

static struct fa_enrich *enrichment(bool with_ptr)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag d = { 0 };

	assert_non_null(e);
	assert_int_equal(fa_enrich_add_prefixes(e, "c", prefixes, strlen(prefixes), &d), FA_OK);
	if (with_ptr) {
		assert_int_equal(fa_enrich_add_ptr_pattern(e, "(^|[.-])(dyn|pool)([.-]|$)", false,
							   "t", &d), FA_OK);
		fa_enrich_set_ptr_embedded(e, true);
		assert_int_equal(fa_enrich_add_ptr(e, "p", ptr, strlen(ptr), &d), FA_OK);
	}
	assert_int_equal(fa_enrich_finish(e, &d), FA_OK);
	assert_int_equal(d.count, 0);
	return e;
}

static const char policy[] =
	"policy: p\n"
	"rules:\n"
	"  - {id: h, description: d, entity: host, severity: low, score: 40,\n"
	"     when: \"glue_changes[1h] >= 1 and (consumer_addrs[1h] > 100 or\n"
	"            consumer_share[1h] > 100 or consumer_prefixes[1h] > 100)\"}\n";

static int64_t metric(struct fa_rule_engine *eng, const char *m)
{
	struct fa_rule_value v;
	assert_int_equal(fa_rule_engine_metric(eng, "host", "ns1.flux.example", m, 3600 * SEC,
					       &v), FA_OK);
	assert_true(v.known);
	return v.v;
}

static void run(bool with_ptr, int64_t addrs, int64_t share, int64_t blocks)
{
	static const char *const values[] = { "11.0.0.1", "31.0.0.5", "31.0.0.9", "32.0.0.5",
					      "33.0.0.1", "2001:db8:1:2::7" };
	struct fa_enrich *en = enrichment(with_ptr);
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	struct fa_rule_diag diag = { 0 };
	int64_t t0;

	assert_non_null(set);
	assert_int_equal(fa_rule_set_add_buffer(set, "t.yaml", policy, strlen(policy), &diag,
						NULL), FA_OK);
	fa_rule_diag_clear(&diag);
	struct fa_rule_engine *eng = fa_rule_engine_new(set);
	assert_non_null(eng);
	fa_rule_engine_set_enrich(eng, en);
	assert_int_equal(fa_time_parse("2026-11-10T00:00:00Z", 20, &t0), FA_OK);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char txn[16];
		snprintf(txn, sizeof(txn), "t%zu", i);
		struct fa_rule_event ev = {
			.id = (int64_t)i + 1, .ts_us = t0 + (int64_t)i * 60 * SEC,
			.kind = "host.addr_add", .registrar = "r", .host = "ns1.flux.example",
			.value = values[i], .txn_key = txn,
		};
		assert_int_equal(fa_rule_engine_feed(eng, &ev, true), FA_OK);
	}
	assert_int_equal(metric(eng, "consumer_addrs"), addrs);
	assert_int_equal(metric(eng, "consumer_share"), share);
	assert_int_equal(metric(eng, "consumer_prefixes"), blocks);
	fa_rule_engine_free(eng);
	fa_rule_set_free(set);
	fa_enrich_free(en);
}

static void test_prefixes_only(void **state)
{
	(void)state;
	/* 11.0.0.1 of 6 addresses: 16%, one /16 */
	run(false, 1, 16, 1);
}

static void test_with_ptr(void **state)
{
	(void)state;
	/* 11.0.0.1 by its /16 (the PTR name does not add a block); 31.0.0.5
	 * and 31.0.0.9 in one /24, 32.0.0.5 in another, the IPv6 address in
	 * its /64; 33.0.0.1 has no access-network name: 5 of 6 (83%) in 4
	 * blocks */
	run(true, 5, 83, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes_only),
		cmocka_unit_test(test_with_ptr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
