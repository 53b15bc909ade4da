/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa_event.h: "every string in a txn and its events points into the txn's
 * own arena". A caller (the store) keeps a batch of transactions after the
 * reader that produced them is gone, so nothing in a txn may point into
 * the reader. Kept in its own executable because a failure here is a
 * use-after-free that AddressSanitizer turns into an abort.
 */
#include "epp_test_util.h"

static void check_strings_survive(enum fa_epp_format fmt, const char *name,
				  const char *buf, size_t len)
{
	struct fa_txn t;
	struct fa_reject rej;
	struct fa_epp_reader *r = tu_open(name, buf, len, fmt, 0);

	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	fa_epp_reader_free(r);

	/* reuse what the reader freed, so a dangling pointer shows */
	for (int i = 0; i < 64; i++) {
		char *junk = malloc(16 + (size_t)i);
		assert_non_null(junk);
		memset(junk, 'X', 16 + (size_t)i);
		free(junk);
	}
	assert_non_null(t.pos.path);
	assert_string_equal(t.pos.path, name);
	assert_string_equal(t.command, "domain:delete");
	assert_string_equal(t.objects[0], "gone.example");
	assert_string_equal(t.events[0].domain, "gone.example");
	fa_txn_deinit(&t);
}

static void test_txn_outlives_reader(void **state)
{
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	struct tu_buf env = { 0 };

	check_strings_survive(FA_EPP_FRAME, "frame-name.xml", x, len);
	tu_env_record(&env, "time=2026-11-02T09:15:04Z clid=reg-alpha addr=192.0.2.1 session=s1",
		      x, len, "", 0);
	check_strings_survive(FA_EPP_ENVELOPE, "envelope-name.log", env.p,
			      env.len);
	tu_buf_free(&env);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txn_outlives_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
