/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Edge cases of XML and of the log formats that real input produces:
 * character references, CDATA and comments inside text, deep nesting,
 * time zones in headers, info commands with their infData, a second login
 * in one session.
 */
#include "epp_test_util.h"

#define EPP_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command>"
#define EPP_CLOSE "<clTRID>ft-edge</clTRID></command></epp>\n"
#define DOMAIN_NS "xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\""

static void delete_frame(struct tu_buf *b, const char *name_xml)
{
	memset(b, 0, sizeof(*b));
	tu_buf_str(b, EPP_OPEN "<delete><domain:delete " DOMAIN_NS ">"
		   "<domain:name>");
	tu_buf_str(b, name_xml);
	tu_buf_str(b, "</domain:name></domain:delete></delete>" EPP_CLOSE);
}

static void check_delete_name(const char *name_xml, const char *want)
{
	struct tu_buf b;
	struct fa_txn t;
	struct tu_one o;

	delete_frame(&b, name_xml);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("edge.xml", b.p, b.len, FA_EPP_FRAME, 0, &t, &o);
	fprintf(stderr, "[ name ] %s\n", name_xml);
	if (o.rc != FA_OK) {
		fail_msg("\"%s\": rc %d (%s)", name_xml, o.rc, o.reason);
	}
	TU_OBJECTS(&t, want);
	TU_EVENTS(&t, { "domain.delete", want, NULL, NULL, NULL });
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* Character references and predefined entities are not DTD entities. */
static void test_character_references(void **state)
{
	check_delete_name("&#x43;har-ref.example", "char-ref.example");
	check_delete_name("dec&#46;example", "dec.example");
}

static void test_cdata(void **state)
{
	check_delete_name("<![CDATA[Cdata.Example]]>", "cdata.example");
}

/* Text interrupted by a comment or a processing instruction is one text. */
static void test_text_split_by_comment(void **state)
{
	check_delete_name("com<!-- interruption -->ment.example",
			  "comment.example");
	check_delete_name("pro<?pi data?>cess.example", "process.example");
}

/* An absurdly deep document is refused, not a stack overflow. */
static void test_deep_nesting(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_txn t;
	struct tu_one o;

	tu_buf_str(&b, EPP_OPEN "<delete><domain:delete " DOMAIN_NS ">"
		   "<domain:name>deep.example</domain:name>");
	for (int i = 0; i < 100000; i++) {
		tu_buf_str(&b, "<x>");
	}
	for (int i = 0; i < 100000; i++) {
		tu_buf_str(&b, "</x>");
	}
	tu_buf_str(&b, "</domain:delete></delete>" EPP_CLOSE);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("deep.xml", b.p, b.len, FA_EPP_FRAME, 0, &t, &o);
	fprintf(stderr, "deep: rc %d: %s\n", o.rc, o.reason);
	assert_true(o.rc == FA_EPARSE || o.rc == FA_EREFUSED ||
		    o.rc == FA_ELIMIT);
	assert_true(o.rej_offset == 0);
	assert_int_equal(o.rc_after, FA_EOF);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

static size_t env_rec(struct tu_buf *b, const char *hdr, const char *cmdfile,
		      const char *rspfile)
{
	return tu_env_files(b, hdr, cmdfile, rspfile);
}

/* Header times with an offset are converted to UTC; bad times refused. */
static void test_header_times(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_epp_reader *r;
	struct fa_txn t;
	struct fa_reject rej;

	env_rec(&b, "time=2026-11-02T10:15:04.120+01:00 clid=reg-alpha",
		"cmd_domain_delete.xml", NULL);
	size_t bad = env_rec(&b, "time=yesterday clid=reg-alpha",
			     "cmd_domain_delete.xml", NULL);
	size_t good = env_rec(&b, "time=2026-11-02T04:15:04.120-05:00 clid=reg-alpha",
			      "cmd_domain_delete.xml", NULL);

	r = tu_open("times.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.time_us == TU_DEFAULT_TIME);
	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EPARSE || rc == FA_EREFUSED);
	assert_true(rej.pos.offset == bad);
	tu_assert_mentions(rej.reason, "time", "yesterday");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == good);
	assert_true(t.time_us == TU_DEFAULT_TIME);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* A frame of the wrong kind in a slot: response where the command goes. */
static void test_swapped_frames(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_epp_reader *r;
	struct fa_txn t;
	struct fa_reject rej;

	size_t bad = env_rec(&b, "time=2026-11-02T09:15:04Z clid=reg-alpha",
			     "rsp_1000.xml", "cmd_domain_delete.xml");
	size_t good = env_rec(&b, "time=2026-11-02T09:15:04Z clid=reg-alpha",
			      "cmd_domain_delete.xml", "rsp_1000.xml");
	r = tu_open("swap.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EPARSE || rc == FA_EREFUSED);
	assert_true(rej.pos.offset == bad);
	tu_assert_mentions(rej.reason, "command", "response");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == good);
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* info + infData: the observed state; info + failure: command.failed. */
static void test_info_pairs(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_epp_reader *r;
	struct fa_txn t;
	struct fa_reject rej;
	const char *h = "time=2026-11-02T09:15:04Z clid=reg-alpha";

	env_rec(&b, h, "cmd_domain_info.xml", "rsp_domain_infdata.xml");
	env_rec(&b, h, "cmd_domain_info.xml", "rsp_2303.xml");
	r = tu_open("info.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);

	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "domain:info");
	TU_OBJECTS(&t, "info-me.example");
	assert_string_equal(t.key, "sv:reg-alpha:SV-INF-0001");
	TU_EVENTS(&t, { "domain.info", "info-me.example", NULL, NULL, NULL });
	const char *d = t.events[0].detail;
	assert_non_null(d);
	/* the state it carries: NS, status, registrant, sponsor, dates */
	assert_non_null(strstr(d, "ns1.info-dns.example"));
	assert_non_null(strstr(d, "ns2.info-dns.example"));
	assert_non_null(strstr(d, "\"ok\""));
	assert_non_null(strstr(d, "reg-c1"));
	assert_non_null(strstr(d, "reg-beta"));
	assert_non_null(strstr(d, "2025-03-01"));

	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(t.result_code, 2303);
	TU_EVENTS(&t, { "command.failed", "info-me.example", NULL, NULL,
			"2303" });
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/*
 * A capture holding two sessions one after the other (logout, then a new
 * login): the second login's clID is the registrar from then on.
 */
static void test_relogin(void **state)
{
	struct tu_buf b = { 0 };
	size_t ll, rl;
	char *login = tu_data("cmd_login.xml", &ll);
	char *rsp = tu_rsp("rsp_1000.xml", "SV-R", &rl);
	char *second = strstr(login, "reg-alpha");
	struct fa_epp_reader *r;
	struct fa_txn t;
	struct fa_reject rej;

	tu_5734_frame(&b, login, ll);
	tu_5734_frame(&b, rsp, rl);
	tu_5734_file(&b, "cmd_domain_delete.xml");
	tu_5734_frame(&b, rsp, rl);
	tu_5734_file(&b, "cmd_logout.xml");
	tu_5734_file(&b, "rsp_1500.xml");
	memcpy(second, "reg-omega", 9);
	tu_5734_frame(&b, login, ll);
	tu_5734_frame(&b, rsp, rl);
	size_t del = tu_5734_file(&b, "cmd_host_delete.xml");
	tu_5734_frame(&b, rsp, rl);

	r = tu_open("relogin.raw", b.p, b.len, FA_EPP_RFC5734, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "logout");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "login");
	assert_string_equal(t.registrar, "reg-omega");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == del);
	assert_string_equal(t.registrar, "reg-omega");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
	free(login);
	free(rsp);
}

/* Mixed hostObj lists and several <ns> entries in one update. */
static void test_many_ns(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_txn t;
	struct tu_one o;
	char x[128];

	tu_buf_str(&b, EPP_OPEN "<update><domain:update " DOMAIN_NS ">"
		   "<domain:name>many.example</domain:name><domain:add><domain:ns>");
	for (int i = 0; i < 13; i++) {
		snprintf(x, sizeof(x), "<domain:hostObj>ns%d.many-dns.example</domain:hostObj>", i);
		tu_buf_str(&b, x);
	}
	tu_buf_str(&b, "</domain:ns></domain:add></domain:update></update>"
		   EPP_CLOSE);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("many.xml", b.p, b.len, FA_EPP_FRAME, 0, &t, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_int_equal(t.nevents, 13);
	for (int i = 0; i < 13; i++) {
		snprintf(x, sizeof(x), "ns%d.many-dns.example", i);
		const struct tu_ev e = { "domain.ns_add", "many.example", x,
					 NULL, NULL };
		int found = 0;
		for (size_t k = 0; k < t.nevents; k++) {
			found += tu_ev_match(&t.events[k], &e);
		}
		assert_int_equal(found, 1);
	}
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_character_references),
		cmocka_unit_test(test_cdata),
		cmocka_unit_test(test_text_split_by_comment),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_header_times),
		cmocka_unit_test(test_swapped_frames),
		cmocka_unit_test(test_info_pairs),
		cmocka_unit_test(test_relogin),
		cmocka_unit_test(test_many_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
