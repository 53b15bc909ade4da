/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON lines of `fluxaudit parse epp`: one object a line, exact field
 * values, a lone command without a result, and escaping of whatever a
 * frame carries (quotes, backslashes, control characters).
 */
#include "epp_test_util.h"

static char *txn_json(const struct fa_txn *t)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	fa_epp_txn_write_json(f, t);
	fclose(f);
	return s;
}

static void assert_one_line(const char *s)
{
	size_t n = strlen(s);

	assert_true(n > 2);
	assert_int_equal(s[0], '{');
	assert_int_equal(s[n - 1], '\n');
	assert_int_equal(s[n - 2], '}');
	assert_null(memchr(s, '\n', n - 1));
	for (size_t i = 0; i < n - 1; i++) {
		assert_true((unsigned char)s[i] >= 0x20);
	}
}

#define assert_has(s, frag)                                                 \
	do {                                                                 \
		if (strstr((s), (frag)) == NULL) {                           \
			fail_msg("%s\ndoes not contain %s", (s), (frag));    \
		}                                                            \
	} while (0)

static void test_lone_command(void **state)
{
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_frame("cmd_domain_delete.xml", &t, &o);
	assert_int_equal(o.rc, FA_OK);
	char *s = txn_json(&t);
	assert_one_line(s);
	assert_has(s, "\"source\":\"cmd_domain_delete.xml\"");
	assert_has(s, "\"offset\":0");
	assert_has(s, "\"time\":\"2026-11-02T09:15:04.12");
	assert_has(s, "\"registrar\":null");
	assert_has(s, "\"command\":\"domain:delete\"");
	assert_has(s, "\"objects\":[\"gone.example\"]");
	assert_has(s, "\"result\":null");
	assert_has(s, "\"events\":[{\"kind\":\"domain.delete\",\"domain\":\"gone.example\"}]");
	free(s);
	fa_txn_deinit(&t);
}

static void test_pair_and_escaping(void **state)
{
	struct tu_buf b = { 0 };
	size_t cl, rl;
	char *c = tu_data("cmd_contact_delete.xml", &cl);
	char *r = tu_rsp("rsp_1000.xml", "SV-J\"1", &rl);
	char *id = strstr(c, "ct-7781");
	struct tu_buf cmd = { 0 };
	struct fa_txn t;
	struct tu_one o;

	/* contact id with a quote, a backslash and a tab (as references) */
	tu_buf_add(&cmd, c, (size_t)(id - c));
	tu_buf_str(&cmd, "q&quot;b\\s&#9;t");
	tu_buf_str(&cmd, id + 7);
	tu_env_record(&b, "time=2026-11-02T09:15:04Z clid=reg-alpha session=s-9",
		      cmd.p, cmd.len, r, rl);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("j.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
	if (o.rc != FA_OK) {
		fail_msg("rc %d: %s", o.rc, o.reason);
	}
	assert_string_equal(t.objects[0], "q\"b\\s\tt");
	char *s = txn_json(&t);
	assert_one_line(s);
	assert_has(s, "\"registrar\":\"reg-alpha\"");
	assert_has(s, "\"session\":\"s-9\"");
	assert_has(s, "\"result\":1000");
	assert_has(s, "\"msg\":\"Command completed successfully\"");
	/* a tab may be written \t or \u0009; both are JSON */
	if (strstr(s, "\"objects\":[\"q\\\"b\\\\s\\tt\"]") == NULL) {
		assert_has(s, "\"objects\":[\"q\\\"b\\\\s\\u0009t\"]");
	}
	assert_has(s, "\"kind\":\"contact.delete\"");
	assert_has(s, "\"key\":\"sv:reg-alpha:SV-J\\\"1\"");
	free(s);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
	tu_buf_free(&cmd);
	free(c);
	free(r);
}

static void test_reject_json(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_epp_reader *r;
	struct fa_txn t;
	struct fa_reject rej;
	char *s = NULL;
	size_t n = 0;

	tu_env_files(&b, "time=2026-11-02T09:15:04Z", "cmd_domain_delete.xml",
		     NULL);
	size_t bad = tu_env_files(&b, "time=2026-11-02T09:15:04Z",
				  "bad_malformed.xml", NULL);
	r = tu_open("rej.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EPARSE);
	FILE *f = open_memstream(&s, &n);
	assert_non_null(f);
	fa_epp_reject_write_json(f, &rej);
	fclose(f);
	assert_one_line(s);
	char want[64];
	snprintf(want, sizeof(want), "\"offset\":%zu", bad);
	assert_has(s, "\"source\":\"rej.log\"");
	assert_has(s, want);
	tu_assert_mentions(s, "mismatch", "malformed", "xml");
	free(s);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/*
 * Passwords (login <pw>, authInfo of domains, contacts and transfers) are
 * never part of anything the reader returns, nor of the JSON it writes.
 */
static void test_no_secrets(void **state)
{
	static const char *const files[] = {
		"cmd_login.xml", "cmd_domain_create.xml",
		"cmd_domain_create_hostattr.xml", "cmd_domain_update.xml",
		"cmd_domain_transfer_request.xml", "cmd_contact_create.xml",
	};
	static const char *const secrets[] = {
		"s3cret-pw-1", "create-pw-9", "new-pw-42", "xfer-pw-5",
		"ct-pw-1",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tu_buf b = { 0 };
		struct fa_txn t;
		struct tu_one o;

		tu_env_files(&b, "time=2026-11-02T09:15:04Z clid=reg-alpha",
			     files[i], "rsp_1000.xml");
		assert_int_equal(fa_txn_init(&t), FA_OK);
		tu_read_one("s.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
		assert_int_equal(o.rc, FA_OK);
		assert_true(t.nevents > 0);
		char *js = txn_json(&t);
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++) {
			if (strstr(js, secrets[k]) != NULL) {
				fail_msg("%s: password \"%s\" in %s", files[i],
					 secrets[k], js);
			}
		}
		free(js);
		fa_txn_deinit(&t);
		tu_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lone_command),
		cmocka_unit_test(test_pair_and_escaping),
		cmocka_unit_test(test_reject_json),
		cmocka_unit_test(test_no_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
