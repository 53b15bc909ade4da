/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Raw RFC 5734 session captures: 4-byte big-endian total length (which
 * counts those four bytes), then the frame. The login names the registrar;
 * each command pairs with the response after it. Streams are built at run
 * time so every offset is known.
 */
#include "epp_test_util.h"

static size_t rsp_frame(struct tu_buf *b, const char *file, const char *sv)
{
	size_t len;
	char *x = tu_rsp(file, sv, &len);
	size_t at = tu_5734_frame(b, x, len);

	free(x);
	return at;
}

static void next_txn(struct fa_epp_reader *r, struct fa_txn *t, size_t off)
{
	struct fa_reject rej;

	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, t, &rej);
	if (rc != FA_OK) {
		fail_msg("expected a transaction at %zu, got rc %d at %llu: %s",
			 off, rc, (unsigned long long)rej.pos.offset,
			 rej.reason ? rej.reason : "");
	}
	if (t->pos.offset != off) {
		tu_print_txn(t);
		fail_msg("transaction at %llu, expected %zu",
			 (unsigned long long)t->pos.offset, off);
	}
	assert_true(t->time_us == TU_DEFAULT_TIME);
}

static void test_session(void **state)
{
	struct tu_buf b = { 0 };
	size_t greet, login, upd, hcre, del, logout;

	greet = tu_5734_file(&b, "rsp_greeting.xml");
	login = tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	upd = tu_5734_file(&b, "cmd_domain_update_hostattr.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-U1");
	hcre = tu_5734_file(&b, "cmd_host_create.xml");
	rsp_frame(&b, "rsp_2303.xml", "SV-H2");
	/* a command whose response was not captured */
	del = tu_5734_file(&b, "cmd_domain_delete.xml");
	logout = tu_5734_file(&b, "cmd_logout.xml");
	rsp_frame(&b, "rsp_1500.xml", "SV-O1");

	struct fa_epp_reader *r = tu_open("s.raw", b.p, b.len, FA_EPP_AUTO, 0);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_epp_reader_format(r), FA_EPP_RFC5734);
	assert_int_equal(fa_txn_init(&t), FA_OK);

	/*
	 * The greeting carries nothing an auditor needs; the format note lets
	 * the reader either return it as a response-only transaction or pass
	 * over it. Either way the login comes next with its exact offset.
	 */
	memset(&rej, 0, sizeof(rej));
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	if (t.pos.offset == greet) {
		assert_false(t.has_command);
		assert_true(t.has_response);
		assert_string_equal(t.command, "greeting");
		assert_int_equal(t.nevents, 0);
		assert_true(fa_epp_reader_offset(r) == login);
		next_txn(r, &t, login);
	}
	assert_true(t.pos.offset == login);
	assert_true(t.time_us == TU_DEFAULT_TIME);
	assert_string_equal(t.command, "login");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(t.result_code, 1000);
	assert_string_equal(t.svtrid, "SV-L1");
	assert_string_equal(t.key, "sv:reg-alpha:SV-L1");
	assert_string_equal(t.pos.path, "s.raw");
	TU_EVENTS(&t, { "login", NULL, NULL, NULL, NULL });
	assert_true(fa_epp_reader_offset(r) == upd);

	next_txn(r, &t, upd);
	assert_string_equal(t.command, "domain:update");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(t.result_code, 1000);
	assert_string_equal(t.key, "sv:reg-alpha:SV-U1");
	TU_EVENTS(&t,
		  { "domain.ns_add", "attr-upd.example", "ns5.attr-upd.example", NULL, NULL },
		  { "host.addr_add", "attr-upd.example", "ns5.attr-upd.example",
		    NULL, "2001:db8::ff00:42:8329" },
		  { "domain.ns_rem", "attr-upd.example", "ns4.attr-upd.example", NULL, NULL });
	assert_true(fa_epp_reader_offset(r) == hcre);

	next_txn(r, &t, hcre);
	assert_string_equal(t.command, "host:create");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(t.result_code, 2303);
	TU_OBJECTS(&t, "ns1.glue-test.example");
	TU_EVENTS(&t, { "command.failed", NULL, "ns1.glue-test.example", NULL,
			"2303" });
	assert_true(fa_epp_reader_offset(r) == del);

	next_txn(r, &t, del);
	assert_string_equal(t.command, "domain:delete");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(t.result_code, -1);
	assert_false(t.has_response);
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });
	assert_true(fa_epp_reader_offset(r) == logout);

	next_txn(r, &t, logout);
	assert_string_equal(t.command, "logout");
	assert_int_equal(t.result_code, 1500);
	TU_EVENTS(&t, { "logout", NULL, NULL, NULL, NULL });
	assert_true(fa_epp_reader_offset(r) == b.len);

	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* The last frame is cut: an incomplete record, not a reject. */
static void test_truncated(void **state)
{
	struct tu_buf b = { 0 };
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);

	tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	size_t del = tu_5734_file(&b, "cmd_domain_delete.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-D1");
	size_t cut = tu_5734_file(&b, "cmd_host_delete.xml");
	b.len -= 40;	/* lose the end of the last frame */

	struct fa_epp_reader *r = tu_open("t.raw", b.p, b.len, FA_EPP_RFC5734, 0);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	next_txn(r, &t, 0);
	assert_string_equal(t.command, "login");
	next_txn(r, &t, del);
	assert_string_equal(t.command, "domain:delete");
	assert_int_equal(t.result_code, 1000);

	/* Not a reject: the capture may be growing, the reader stops before
	 * the incomplete frame and says where it starts. */
	uint64_t off = 0, tlen = 0;
	assert_int_equal(fa_epp_reader_tail(r, &off, &tlen), false);
	memset(&rej, 0, sizeof(rej));
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_tail(r, &off, &tlen));
	assert_true(off == cut);
	assert_true(tlen == b.len - cut);
	assert_true(fa_epp_reader_offset(r) == cut);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
	free(x);
}

/* An oversized frame is refused and skipped; the session goes on. */
static void test_oversized(void **state)
{
	struct tu_buf b = { 0 }, big = { 0 };
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	char *cut = strstr(x, "<command>");

	tu_buf_add(&big, x, (size_t)(cut - x));
	tu_buf_str(&big, "<!-- ");
	for (int k = 0; k < 600; k++) {
		tu_buf_str(&big, "padding.");
	}
	tu_buf_str(&big, " -->\n");
	tu_buf_str(&big, cut);

	tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	size_t over = tu_5734_frame(&b, big.p, big.len);
	size_t over_rsp = rsp_frame(&b, "rsp_1000.xml", "SV-X1");
	size_t host = tu_5734_file(&b, "cmd_host_delete.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-X2");

	struct fa_epp_reader *r = tu_open("o.raw", b.p, b.len, FA_EPP_RFC5734,
					  4096);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	next_txn(r, &t, 0);
	assert_string_equal(t.command, "login");

	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_int_equal(rc, FA_ELIMIT);
	assert_true(rej.pos.offset == over);
	tu_assert_mentions(rej.reason, "4096", "limit", "large", "size");

	/* The response of the refused command may come back on its own. */
	rc = fa_epp_reader_next(r, &t, &rej);
	assert_int_equal(rc, FA_OK);
	if (t.pos.offset == over_rsp) {
		assert_false(t.has_command);
		assert_int_equal(t.nevents, 0);
		rc = fa_epp_reader_next(r, &t, &rej);
		assert_int_equal(rc, FA_OK);
	}
	assert_true(t.pos.offset == host);
	assert_string_equal(t.command, "host:delete");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(t.result_code, 1000);
	TU_EVENTS(&t, { "host.delete", NULL, "ns9.glue-test.example", NULL,
			NULL });
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
	tu_buf_free(&big);
	free(x);
}

/* A length field below 5 cannot frame anything. */
static void test_bad_length(void **state)
{
	struct tu_buf b = { 0 };
	const unsigned char zero[4] = { 0, 0, 0, 3 };

	tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	size_t bad = b.len;
	tu_buf_add(&b, zero, 4);
	tu_buf_str(&b, "<hello/>");

	struct fa_epp_reader *r = tu_open("l.raw", b.p, b.len, FA_EPP_RFC5734, 0);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	next_txn(r, &t, 0);
	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EPARSE || rc == FA_ELIMIT);
	assert_true(rej.pos.offset == bad);
	tu_assert_mentions(rej.reason, "length");
	/* nothing can be framed after it */
	rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EOF);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* A malformed or hostile frame in a stream does not end the session. */
static void test_bad_frames_in_stream(void **state)
{
	struct tu_buf b = { 0 };

	tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	size_t bomb = tu_5734_file(&b, "bad_entity_internal.xml");
	size_t bomb_rsp = rsp_frame(&b, "rsp_1000.xml", "SV-B1");
	size_t del = tu_5734_file(&b, "cmd_domain_delete.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-B2");

	struct fa_epp_reader *r = tu_open("b.raw", b.p, b.len, FA_EPP_RFC5734, 0);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	next_txn(r, &t, 0);
	memset(&rej, 0, sizeof(rej));
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EREFUSED);
	assert_true(rej.pos.offset == bomb);
	tu_assert_mentions(rej.reason, "dtd", "doctype", "entit");

	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	if (t.pos.offset == bomb_rsp) {
		assert_false(t.has_command);
		assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	}
	assert_true(t.pos.offset == del);
	assert_string_equal(t.registrar, "reg-alpha");
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* The same transaction logged both ways is understood the same way. */
static void test_same_as_envelope(void **state)
{
	const char *cmds[] = { "cmd_domain_update.xml", "cmd_host_update.xml",
			       "cmd_domain_create_hostattr.xml",
			       "cmd_domain_update_ttl.xml" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct tu_buf env = { 0 }, raw = { 0 };
		size_t cl, rl;
		char *c = tu_data(cmds[i], &cl);
		char *rsp = tu_rsp("rsp_1000.xml", "SV-SAME", &rl);
		struct fa_txn a, b;
		struct fa_reject rej;

		tu_env_record(&env, "time=2026-11-02T09:15:04.120Z clid=reg-alpha",
			      c, cl, rsp, rl);
		tu_5734_file(&raw, "cmd_login.xml");
		rsp_frame(&raw, "rsp_1000.xml", "SV-L1");
		tu_5734_frame(&raw, c, cl);
		tu_5734_frame(&raw, rsp, rl);

		assert_int_equal(fa_txn_init(&a), FA_OK);
		assert_int_equal(fa_txn_init(&b), FA_OK);
		struct fa_epp_reader *r1 = tu_open("e", env.p, env.len,
						   FA_EPP_ENVELOPE, 0);
		struct fa_epp_reader *r2 = tu_open("r", raw.p, raw.len,
						   FA_EPP_RFC5734, 0);
		assert_int_equal(fa_epp_reader_next(r1, &a, &rej), FA_OK);
		assert_int_equal(fa_epp_reader_next(r2, &b, &rej), FA_OK);
		assert_string_equal(b.command, "login");
		assert_int_equal(fa_epp_reader_next(r2, &b, &rej), FA_OK);

		fprintf(stderr, "[ same ] %s\n", cmds[i]);
		assert_true(a.nevents > 0);
		tu_assert_txn_same(&a, &b);
		assert_string_equal(a.key, "sv:reg-alpha:SV-SAME");
		assert_string_equal(a.key, b.key);

		fa_epp_reader_free(r1);
		fa_epp_reader_free(r2);
		fa_txn_deinit(&a);
		fa_txn_deinit(&b);
		tu_buf_free(&env);
		tu_buf_free(&raw);
		free(c);
		free(rsp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_bad_frames_in_stream),
		cmocka_unit_test(test_same_as_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
