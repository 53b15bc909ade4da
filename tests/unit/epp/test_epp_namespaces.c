/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Elements are matched by namespace URI, never by prefix: the same frame
 * written with the usual prefixes, with default namespaces (no prefix) and
 * with odd prefixes (also on the EPP envelope elements) must be understood
 * identically, down to every event and its detail.
 */
#include "epp_test_util.h"

static void read_file_txn(const char *file, struct fa_txn *txn)
{
	struct tu_one o;

	tu_frame(file, txn, &o);
	if (o.rc != FA_OK) {
		fail_msg("%s: rc %d (%s)", file, o.rc, o.reason);
	}
	assert_int_equal(o.rc_after, FA_EOF);
}

static void check_variants(const char *base)
{
	char plain[128], noprefix[128], odd[128];
	struct fa_txn a, b, c;

	snprintf(plain, sizeof(plain), "cmd_%s.xml", base);
	snprintf(noprefix, sizeof(noprefix), "ns_noprefix_%s.xml", base);
	snprintf(odd, sizeof(odd), "ns_oddprefix_%s.xml", base);
	assert_int_equal(fa_txn_init(&a), FA_OK);
	assert_int_equal(fa_txn_init(&b), FA_OK);
	assert_int_equal(fa_txn_init(&c), FA_OK);
	read_file_txn(plain, &a);
	read_file_txn(noprefix, &b);
	read_file_txn(odd, &c);

	/* Guard against three identical misreadings. */
	assert_true(a.nevents > 0);
	assert_int_equal(a.nobjects, 1);

	fprintf(stderr, "[ variant ] %s vs %s\n", plain, noprefix);
	tu_assert_txn_same(&a, &b);
	fprintf(stderr, "[ variant ] %s vs %s\n", plain, odd);
	tu_assert_txn_same(&a, &c);

	fa_txn_deinit(&a);
	fa_txn_deinit(&b);
	fa_txn_deinit(&c);
}

static void test_domain_create(void **state)
{
	check_variants("domain_create");
}

static void test_domain_create_hostattr(void **state)
{
	check_variants("domain_create_hostattr");
}

static void test_domain_update(void **state)
{
	check_variants("domain_update");
}

static void test_host_update(void **state)
{
	check_variants("host_update");
}

/* A "domain:" prefix bound to some other URI is not the domain mapping. */
static void test_prefix_is_not_namespace(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("bad_wrong_namespace.xml", &txn, &o);
	assert_true(o.rc == FA_EPARSE || o.rc == FA_EREFUSED);
	assert_true(o.rej_offset == 0);
	tu_assert_mentions(o.reason, "urn:example:not-domain-1.0", "namespace",
			   "unknown", "unrecognized", "unrecognised",
			   "unsupported");
	assert_int_equal(o.rc_after, FA_EOF);
	fa_txn_deinit(&txn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_create),
		cmocka_unit_test(test_domain_create_hostattr),
		cmocka_unit_test(test_domain_update),
		cmocka_unit_test(test_host_update),
		cmocka_unit_test(test_prefix_is_not_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
