/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy loader and the condition compiler: exact messages with line
 * and column for every kind of error, operator precedence, three-valued
 * logic, durations and windows.
 */
#include "rule/fa_rule_int.h"
#include "rule_test_util.h"

/* A valid rule around a condition, entity and the rest fixed. Line 8 of
 * the document holds "    when: <cond>", so the condition starts at
 * column 11. */
static char *doc_with(char *buf, size_t len, const char *entity, const char *when)
{
	snprintf(buf, len,
		 "policy: t\n"
		 "rules:\n"
		 "  - id: r1\n"
		 "    description: d\n"
		 "    entity: %s\n"
		 "    severity: low\n"
		 "    score: 1\n"
		 "    when: %s\n",
		 entity, when);
	return buf;
}

/* Load text; return the messages joined by newlines ("" when it loads). */
static char *load_msgs(const char *text, int *rc_out, struct fa_rule_set **set_out)
{
	static char out[8192];
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	struct fa_rule_diag diag = { 0 };
	assert_non_null(set);
	int rc = fa_rule_set_add_buffer(set, "p.yaml", text, strlen(text), &diag, NULL);
	out[0] = '\0';
	for (size_t i = 0; i < diag.count; i++) {
		strncat(out, diag.msgs[i], sizeof(out) - strlen(out) - 2);
		if (i + 1 < diag.count) {
			strcat(out, "\n");
		}
	}
	fa_rule_diag_clear(&diag);
	if (rc_out != NULL) {
		*rc_out = rc;
	}
	if (set_out != NULL) {
		*set_out = set;
	} else {
		fa_rule_set_free(set);
	}
	return out;
}

static void expect_cond_error(const char *entity, const char *when, const char *msg)
{
	char buf[2048];
	int rc;
	const char *got = load_msgs(doc_with(buf, sizeof(buf), entity, when), &rc, NULL);
	assert_int_equal(rc, FA_EPARSE);
	assert_string_equal(got, msg);
}

static void test_condition_errors(void **state)
{
	expect_cond_error("domain", "ns_changes >= 6",
			  "p.yaml:8:11: metric \"ns_changes\" needs a window, e.g. \"ns_changes[24h]\"");
	expect_cond_error("domain", "age[1d] < 30d", "p.yaml:8:15: metric \"age\" takes no window");
	expect_cond_error("host", "glue_changes[91d] >= 6",
			  "p.yaml:8:24: window \"91d\" is longer than the maximum of 90d");
	expect_cond_error("host", "glue_changes[0h] >= 6",
			  "p.yaml:8:24: window must be longer than zero");
	expect_cond_error("host", "glue_changes[24] >= 6",
			  "p.yaml:8:24: window \"24\" has no unit (use s, m, h, d or w, e.g. 24h)");
	expect_cond_error("host", "glue_changes[1y] >= 6",
			  "p.yaml:8:25: invalid duration \"1y\" (use a number followed by s, m, h, d or w)");
	expect_cond_error("host", "glue_changes[] >= 6",
			  "p.yaml:8:24: expected a duration such as 24h inside \"[ ]\", found \"]\"");
	expect_cond_error("host", "glue_changes[1h >= 6",
			  "p.yaml:8:27: expected \"]\", found \">=\"");
	expect_cond_error("domain", "age < 30",
			  "p.yaml:8:15: cannot compare a duration with a count (give durations a unit, e.g. 30d)");
	expect_cond_error("domain", "ns_changes[1h] > 2h",
			  "p.yaml:8:26: cannot compare a count with a duration");
	expect_cond_error("domain", "ns_ttl < 300 and 5",
			  "p.yaml:8:28: operand of \"and\" must be a comparison, found a count");
	expect_cond_error("domain", "not ns_ttl",
			  "p.yaml:8:15: operand of \"not\" must be a comparison, found a count");
	expect_cond_error("domain", "ns_ttl", "p.yaml:8:11: condition must be a comparison, found a count");
	expect_cond_error("domain", "1 < ns_ttl < 300",
			  "p.yaml:8:22: comparisons cannot be chained; combine them with \"and\"");
	expect_cond_error("domain", "(ns_ttl < 1) < 2",
			  "p.yaml:8:24: \"<\" compares values, not conditions");
	expect_cond_error("domain", "ns_ttl < 300 and",
			  "p.yaml:8:27: expected a metric, a number or \"(\", found end of condition");
	expect_cond_error("domain", "(ns_ttl < 300",
			  "p.yaml:8:24: expected \")\" to close \"(\", found end of condition");
	expect_cond_error("domain", "ns_ttl < 300 ns_ttl",
			  "p.yaml:8:24: expected \"and\", \"or\" or end of condition, found \"ns_ttl\"");
	expect_cond_error("domain", "ns_ttl < 300 && age < 1d",
			  "p.yaml:8:24: unexpected character \"&\"");
	expect_cond_error("domain", "ns_ttl < 1234567890123456",
			  "p.yaml:8:20: number \"1234567890123456\" is too large");
	expect_cond_error("domain", "flux_index > 3",
			  "p.yaml:8:11: unknown metric \"flux_index\" for entity kind \"domain\"");
	expect_cond_error("domain", "registrar.failed_commands[1h] > 3",
			  "p.yaml:8:11: metric \"registrar.failed_commands\" is not a metric of entity kind \"domain\"");
	expect_cond_error("domain", "zone.ns_changes[1h] > 3",
			  "p.yaml:8:11: unknown entity kind \"zone\" in \"zone.ns_changes\"");
	expect_cond_error("domain", "\"\"", "p.yaml:8:12: condition is empty");
	expect_cond_error("domain", "ns_ttl < 300 and age > 1d and",
			  "p.yaml:8:40: expected a metric, a number or \"(\", found end of condition");
}

/* Columns inside quoted and multi-line conditions point into the source. */
static void test_condition_positions(void **state)
{
	expect_cond_error("domain", "\"ns_ttl < 300 and foo > 1\"",
			  "p.yaml:8:29: unknown metric \"foo\" for entity kind \"domain\"");
	expect_cond_error("domain", "'ns_ttl < 300 and ''x'' > 1'",
			  "p.yaml:8:29: unexpected character \"'\"");
	expect_cond_error("domain", ">\n      ns_ttl < 300 and\n      foo > 1",
			  "p.yaml:10:7: unknown metric \"foo\" for entity kind \"domain\"");
	expect_cond_error("domain", "|\n      ns_ttl < 300\n        or foo > 1",
			  "p.yaml:10:12: unknown metric \"foo\" for entity kind \"domain\"");
}

static void test_nesting_limit(void **state)
{
	char when[400];
	size_t n = 0;
	for (int i = 0; i < 70; i++) {
		when[n++] = '(';
	}
	strcpy(when + n, "ns_ttl < 1");
	expect_cond_error("domain", when, "p.yaml:8:75: condition nests deeper than 64 levels");
}

static void expect_doc_error(const char *text, const char *msg)
{
	int rc;
	const char *got = load_msgs(text, &rc, NULL);
	assert_int_equal(rc, FA_EPARSE);
	assert_string_equal(got, msg);
}

static void test_document_errors(void **state)
{
	expect_doc_error("", "p.yaml:1:1: file holds no YAML document");
	expect_doc_error("- a\n- b\n",
			 "p.yaml:1:1: a policy file must be a mapping with the keys \"policy\" and \"rules\"");
	expect_doc_error("policy: [x\n",
			 "p.yaml:2:1: could not parse YAML: did not find expected ',' or ']' while parsing a flow sequence");
	expect_doc_error("rules: []\n",
			 "p.yaml:1:1: missing key \"policy\" (the name of the rule set)");
	expect_doc_error("policy: p\n", "p.yaml:1:1: missing key \"rules\"");
	expect_doc_error("policy: p\nrules: x\n", "p.yaml:2:8: \"rules\" must be a list of rules");
	expect_doc_error("policy: p\npolicy: q\nrules: []\n",
			 "p.yaml:2:1: duplicate key \"policy\" (first at line 1)");
	expect_doc_error("policy: p\nrulez: []\nrules: []\n",
			 "p.yaml:2:1: unknown key \"rulez\" (expected one of: policy, description, scoring, rules)");
	expect_doc_error("policy: Default\nrules: []\n",
			 "p.yaml:1:9: invalid policy name \"Default\" (use 1 to 64 lower-case letters, digits, \"-\" or \"_\", starting with a letter or digit)");
	expect_doc_error("policy: p\nrules:\n  - x\n",
			 "p.yaml:3:5: each rule must be a mapping of id, description, entity, severity, score and when");
	expect_doc_error("policy: p\nrules: []\n---\npolicy: q\n",
			 "p.yaml:4:1: a policy file holds one YAML document; found a second one");

	/* Deep flow nesting is refused before libyaml builds the document
	 * (its scanner is quadratic in the nesting). */
	char deep[4096] = "policy: p\nrules: ";
	memset(deep + strlen(deep), '[', 3000);
	expect_doc_error(deep, "p.yaml:2:39: nesting deeper than 32 levels");
}

/*
 * Input that is not UTF-8 (or has a control character) fails in libyaml's
 * reader, which gives a byte offset, not a mark: the line and column of
 * the character that did not decode are reported, not 1:1.
 */
static void test_reader_errors(void **state)
{
	(void)state;

	expect_doc_error("policy: p\nrules:\n  - id: \xff\n",
			 "p.yaml:3:9: could not parse YAML: invalid leading UTF-8 octet (0xff)");
	/* Columns count characters: the euro sign is one. */
	expect_doc_error("policy: p\ndescription: \xc3\xa9t\xc3\xa9\nrules: [\xe2\x82\xac\xff]\n",
			 "p.yaml:3:10: could not parse YAML: invalid leading UTF-8 octet (0xff)");
	/* CR LF is one line break; the cut sequence's lead byte is column 4. */
	expect_doc_error("policy: p\r\nrules: []\r\nx: \xc3(\r\n",
			 "p.yaml:3:4: could not parse YAML: invalid trailing UTF-8 octet (0x28)");
	/* A byte order mark is not a column; lone CR breaks a line too. */
	expect_doc_error("\xef\xbb\xbfpolicy: p\rrules: []\n#\x01\n",
			 "p.yaml:3:2: could not parse YAML: control characters are not allowed "
			 "(0x01)");

	/* UTF-16 (little-endian, with its byte order mark): "a: 1\nb: x" then
	 * a lone low surrogate. */
	static const char u16[] = "\xff\xfe" "a\0:\0 \0" "1\0\n\0" "b\0:\0 \0x\0" "\0\xdc";
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	struct fa_rule_diag diag = { 0 };
	assert_non_null(set);
	assert_int_equal(fa_rule_set_add_buffer(set, "p.yaml", u16, sizeof(u16) - 1, &diag,
						NULL), FA_EPARSE);
	assert_int_equal(diag.count, 1);
	assert_string_equal(diag.msgs[0], "p.yaml:2:5: could not parse YAML: unexpected low "
			    "surrogate area (0xdc00)");
	fa_rule_diag_clear(&diag);
	fa_rule_set_free(set);
}

static const char rule_head[] = "policy: p\nrules:\n  - id: a\n    description: d\n";

static void test_rule_errors(void **state)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s    entity: domain\n    severity: low\n    score: 1\n", rule_head);
	expect_doc_error(buf, "p.yaml:3:5: rule is missing key \"when\"");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: low\n    score: 1\n    when: ns_ttl < 1\n"
		 "    when: ns_ttl < 2\n", rule_head);
	expect_doc_error(buf, "p.yaml:9:5: duplicate key \"when\" in rule (first at line 8)");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: low\n    score: 1\n    when: ns_ttl < 1\n"
		 "    enabled: true\n", rule_head);
	expect_doc_error(buf, "p.yaml:9:5: unknown key \"enabled\" in rule (expected one of: id, description, entity, severity, score, when)");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: low\n    score: [1]\n    when: ns_ttl < 1\n",
		 rule_head);
	expect_doc_error(buf, "p.yaml:7:12: \"score\" must be a single value, not a list");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: low\n    score: -1\n    when: ns_ttl < 1\n",
		 rule_head);
	expect_doc_error(buf, "p.yaml:7:12: score \"-1\" is not a whole number from 0 to 1000");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: low\n    score: 12.5\n    when: ns_ttl < 1\n",
		 rule_head);
	expect_doc_error(buf, "p.yaml:7:12: score \"12.5\" is not a whole number from 0 to 1000");

	snprintf(buf, sizeof(buf),
		 "%s    entity: domain\n    severity: High\n    score: 1\n    when: ns_ttl < 1\n",
		 rule_head);
	expect_doc_error(buf, "p.yaml:6:15: unknown severity \"High\" (expected one of: info, low, medium, high, critical)");

	snprintf(buf, sizeof(buf),
		 "%s    entity: session\n    severity: low\n    score: 1\n    when: ns_ttl < 1\n",
		 rule_head);
	expect_doc_error(buf, "p.yaml:5:13: unknown entity kind \"session\" (expected one of: domain, host, registrar, registrant)");

	expect_doc_error("policy: p\nrules:\n  - id: -a\n    description: d\n    entity: domain\n"
			 "    severity: low\n    score: 1\n    when: ns_ttl < 1\n",
			 "p.yaml:3:9: invalid rule id \"-a\" (use 1 to 64 lower-case letters, digits, \"-\" or \"_\", starting with a letter or digit)");

	expect_doc_error("policy: p\nrules:\n"
			 "  - {id: a, description: d, entity: domain, severity: low, score: 1, when: ns_ttl < 1}\n"
			 "  - {id: a, description: d, entity: domain, severity: low, score: 1, when: ns_ttl < 1}\n",
			 "p.yaml:4:10: duplicate rule id \"a\" (first defined at p.yaml:3:10)");
}

/* Every error of a document is reported, not just the first. */
static void test_all_errors_reported(void **state)
{
	expect_doc_error("policy: p\nrules:\n"
			 "  - {id: a, description: d, entity: domain, severity: bad, score: 1, when: ns_ttl < 1}\n"
			 "  - {id: b, description: d, entity: host, severity: low, score: 1, when: age < 1d}\n",
			 "p.yaml:3:55: unknown severity \"bad\" (expected one of: info, low, medium, high, critical)\n"
			 "p.yaml:4:74: unknown metric \"age\" for entity kind \"host\"");
}

static struct fa_rule_set *load_ok(const char *entity, const char *when)
{
	char buf[2048];
	int rc;
	struct fa_rule_set *set = NULL;
	const char *msgs = load_msgs(doc_with(buf, sizeof(buf), entity, when), &rc, &set);
	assert_string_equal(msgs, "");
	assert_int_equal(rc, FA_OK);
	assert_int_equal(fa_rule_set_size(set), 1);
	return set;
}

static int eval3(const char *entity, const char *when, const struct fa_rule_value *vals)
{
	struct fa_rule_set *set = load_ok(entity, when);
	int r = fa_rule_expr_eval(set->rules[0]->expr, vals);
	fa_rule_set_free(set);
	return r;
}

#define K(x) { .known = true, .v = (x) }
#define U { .known = false, .v = 0 }

static void test_precedence(void **state)
{
	/* refs: 0 = ns_changes[1h], 1 = ns_changes[2h], 2 = ns_changes[3h] */
	const char *or_and = "ns_changes[1h] >= 1 or ns_changes[2h] >= 1 and ns_changes[3h] >= 1";
	struct fa_rule_value t_f_f[] = { K(1), K(0), K(0) };
	assert_int_equal(eval3("domain", or_and, t_f_f), FA_RULE_TRUE);

	const char *grouped = "(ns_changes[1h] >= 1 or ns_changes[2h] >= 1) and ns_changes[3h] >= 1";
	assert_int_equal(eval3("domain", grouped, t_f_f), FA_RULE_FALSE);

	/* not binds tighter than and */
	const char *not_and = "not ns_changes[1h] >= 1 and ns_changes[2h] >= 1";
	struct fa_rule_value t_f[] = { K(1), K(0) };
	assert_int_equal(eval3("domain", not_and, t_f), FA_RULE_FALSE);
	assert_int_equal(eval3("domain", "not (ns_changes[1h] >= 1 and ns_changes[2h] >= 1)", t_f),
			 FA_RULE_TRUE);
	assert_int_equal(eval3("domain", "not not ns_changes[1h] >= 1", t_f), FA_RULE_TRUE);

	/* and/or are left-associative and the same metric twice is one ref */
	struct fa_rule_set *set = load_ok("domain", "ns_changes[24h] > 1 and ns_changes[1d] < 9");
	assert_int_equal(set->rules[0]->nrefs, 1);
	assert_string_equal(set->rules[0]->refs[0].label, "ns_changes[24h]");
	fa_rule_set_free(set);

	/* comparison operators */
	struct fa_rule_value five[] = { K(5) };
	assert_int_equal(eval3("domain", "ns_changes[1h] < 5", five), FA_RULE_FALSE);
	assert_int_equal(eval3("domain", "ns_changes[1h] <= 5", five), FA_RULE_TRUE);
	assert_int_equal(eval3("domain", "ns_changes[1h] > 4", five), FA_RULE_TRUE);
	assert_int_equal(eval3("domain", "ns_changes[1h] >= 6", five), FA_RULE_FALSE);
	assert_int_equal(eval3("domain", "ns_changes[1h] == 5", five), FA_RULE_TRUE);
	assert_int_equal(eval3("domain", "ns_changes[1h] != 5", five), FA_RULE_FALSE);
	assert_int_equal(eval3("domain", "4 < ns_changes[1h]", five), FA_RULE_TRUE);
}

static void test_unknown_values(void **state)
{
	struct fa_rule_value u[] = { U, K(1) };
	struct fa_rule_value u0[] = { U, K(0) };
	assert_int_equal(eval3("domain", "ns_ttl < 300 and ns_changes[1h] >= 1", u), FA_RULE_UNKNOWN);
	assert_int_equal(eval3("domain", "ns_ttl < 300 and ns_changes[1h] >= 1", u0), FA_RULE_FALSE);
	assert_int_equal(eval3("domain", "ns_ttl < 300 or ns_changes[1h] >= 1", u), FA_RULE_TRUE);
	assert_int_equal(eval3("domain", "ns_ttl < 300 or ns_changes[1h] >= 1", u0), FA_RULE_UNKNOWN);
	struct fa_rule_value only_u[] = { U };
	assert_int_equal(eval3("domain", "not ns_ttl < 300", only_u), FA_RULE_UNKNOWN);
	assert_int_equal(eval3("domain", "ns_ttl >= 300", only_u), FA_RULE_UNKNOWN);
}

static void test_durations(void **state)
{
	static const struct {
		const char *when;
		int64_t us;
	} cases[] = {
		{ "age < 90s", 90 * TU_SEC },
		{ "age < 15m", 15 * 60 * TU_SEC },
		{ "age < 24h", 24 * 3600 * TU_SEC },
		{ "age < 30d", INT64_C(30) * 86400 * TU_SEC },
		{ "age < 2w", INT64_C(14) * 86400 * TU_SEC },
		{ "age < 0s", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fa_rule_set *set = load_ok("domain", cases[i].when);
		const struct fa_rule_node *n = set->rules[0]->expr;
		assert_int_equal(n->op, FA_RULE_OP_LT);
		assert_int_equal(n->r->op, FA_RULE_OP_NUM);
		assert_int_equal(n->r->type, FA_RULE_T_DURATION);
		assert_true(n->r->num == cases[i].us);
		fa_rule_set_free(set);
	}

	/* windows: the longest one of the set is its lookback */
	struct fa_rule_set *set = load_ok("host", "glue_changes[90d] > 1 or distinct_addrs[36h] > 2");
	assert_true(fa_rule_set_lookback(set) == INT64_C(90) * 86400 * TU_SEC);
	assert_string_equal(set->rules[0]->refs[1].label, "distinct_addrs[36h]");
	assert_true(set->rules[0]->refs[1].window_us == INT64_C(36) * 3600 * TU_SEC);
	fa_rule_set_free(set);

	/* a configured maximum */
	struct fa_rule_load_opts opts = { .max_window_us = 7 * 86400 * TU_SEC };
	struct fa_rule_set *small = fa_rule_set_new(&opts);
	struct fa_rule_diag diag = { 0 };
	char buf[1024];
	doc_with(buf, sizeof(buf), "host", "glue_changes[8d] > 1");
	assert_int_equal(fa_rule_set_add_buffer(small, "p.yaml", buf, strlen(buf), &diag, NULL),
			 FA_EPARSE);
	assert_int_equal(diag.count, 1);
	assert_string_equal(diag.msgs[0],
			    "p.yaml:8:24: window \"8d\" is longer than the maximum of 1w");
	fa_rule_diag_clear(&diag);
	fa_rule_set_free(small);
}

/* The shipped policy loads, and its fingerprint is stable and changes
 * with the rules. */
static void test_shipped_policy(void **state)
{
	const char *paths[] = { FA_SOURCE_DIR "/policies" };
	struct fa_rule_set *set = NULL;
	struct fa_rule_diag diag = { 0 };
	assert_int_equal(fa_rule_set_load(&set, paths, 1, NULL, &diag), FA_OK);
	assert_int_equal(diag.count, 0);
	/* compromise.yaml, default.yaml, flux.yaml, in byte order. */
	assert_int_equal(fa_rule_set_size(set), 22);
	assert_int_equal(fa_rule_set_policy_count(set), 3);
	assert_string_equal(fa_rule_set_policy_name(set, 0), "compromise");
	assert_string_equal(fa_rule_set_policy_name(set, 1), "default");
	assert_string_equal(fa_rule_set_policy_name(set, 2), "flux");
	assert_true(fa_rule_set_lookback(set) == INT64_C(30) * 86400 * TU_SEC);

	char fp1[65], fp2[65];
	fa_rule_set_fingerprint(set, 1, fp1);
	assert_int_equal(strlen(fp1), 64);
	fa_rule_set_free(set);

	char buf[1024];
	struct fa_rule_set *a = fa_rule_set_new(NULL), *b = fa_rule_set_new(NULL);
	doc_with(buf, sizeof(buf), "domain", "ns_ttl < 300");
	assert_int_equal(fa_rule_set_add_buffer(a, "a", buf, strlen(buf), &diag, NULL), FA_OK);
	doc_with(buf, sizeof(buf), "domain", "ns_ttl < 301");
	assert_int_equal(fa_rule_set_add_buffer(b, "b", buf, strlen(buf), &diag, NULL), FA_OK);
	fa_rule_set_fingerprint(a, 0, fp1);
	fa_rule_set_fingerprint(b, 0, fp2);
	assert_string_not_equal(fp1, fp2);
	fa_rule_set_free(a);
	fa_rule_set_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_condition_errors),
		cmocka_unit_test(test_condition_positions),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_document_errors),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_unknown_values),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_shipped_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
