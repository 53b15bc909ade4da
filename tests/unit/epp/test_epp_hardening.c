/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile values that a record may carry (the tester's findings): absurd
 * times, registrar ids that are not EPP client ids, glue addresses that
 * are not routable, broken headers. Each is refused with a reason while
 * the good records around it are kept.
 */
#include <time.h>

#include "epp_test_util.h"

#define NS_EPP "urn:ietf:params:xml:ns:epp-1.0"
#define NS_DOM "urn:ietf:params:xml:ns:domain-1.0"
#define NS_HOST "urn:ietf:params:xml:ns:host-1.0"

/* The outcome of each record, one line each: "ok <offset> <registrar>
 * <first object>" or "rej <offset> <reason>". */
static void read_all(const struct tu_buf *in, enum fa_epp_format fmt,
		     struct tu_buf *out)
{
	struct fa_epp_reader *r = tu_open("h.log", in->p, in->len, fmt, 0);
	struct fa_txn t;
	struct fa_reject rej;
	char line[1024];
	int rc;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	while ((rc = fa_epp_reader_next(r, &t, &rej)) != FA_EOF) {
		if (rc == FA_OK) {
			snprintf(line, sizeof(line), "ok %llu %s %s\n",
				 (unsigned long long)t.pos.offset,
				 t.registrar ? t.registrar : "-",
				 t.nobjects > 0 ? t.objects[0] : "-");
		} else {
			assert_non_null(rej.reason);
			assert_null(strchr(rej.reason, '\n'));
			snprintf(line, sizeof(line), "rej %llu %s\n",
				 (unsigned long long)rej.pos.offset, rej.reason);
		}
		tu_buf_str(out, line);
	}
	fa_txn_deinit(&t);
	fa_epp_reader_free(r);
}

static void update_frame(struct tu_buf *b, const char *name)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><command>"
		   "<update><domain:update xmlns:domain=\"" NS_DOM "\"><domain:name>");
	tu_buf_str(b, name);
	tu_buf_str(b, "</domain:name><domain:add><domain:ns><domain:hostObj>"
		   "ns1.example.net</domain:hostObj></domain:ns></domain:add>"
		   "</domain:update></update><clTRID>C</clTRID></command></epp>");
}

static void ok_frame(struct tu_buf *b)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><response>"
		   "<result code=\"1000\"><msg>ok</msg></result></response></epp>");
}

/* An update of domain name with this header; returns its offset. */
static size_t add_update(struct tu_buf *log, const char *hdr, const char *name)
{
	struct tu_buf cmd = { 0 }, rsp = { 0 };

	update_frame(&cmd, name);
	ok_frame(&rsp);
	size_t at = tu_env_record(log, hdr, cmd.p, cmd.len, rsp.p, rsp.len);
	tu_buf_free(&cmd);
	tu_buf_free(&rsp);
	return at;
}

static void assert_text(const struct tu_buf *got, const char *want)
{
	if (got->p == NULL || strcmp(got->p, want) != 0) {
		fail_msg("read\n%sinstead of\n%s", got->p ? got->p : "", want);
	}
}

static void fmt_time(time_t s, char *buf, size_t len)
{
	struct tm tm;

	assert_non_null(gmtime_r(&s, &tm));
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- times ------------------------------------------------------------ */

/* time-1970.log and time-9999.log: the record between good ones is
 * refused, naming its time and the range; the others are kept. */
static void test_time_out_of_range(void **state)
{
	static const char *const bad[] = {
		"1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"1996-12-31T23:59:59Z",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tu_buf log = { 0 }, out = { 0 };
		char hdr[128], want[1024];

		add_update(&log, "time=2026-11-02T09:00:00Z clid=reg-time",
			   "a.example");
		snprintf(hdr, sizeof(hdr), "time=%s clid=reg-time", bad[i]);
		size_t at = add_update(&log, hdr, "old.example");
		size_t at2 = add_update(&log, "time=2026-11-02T09:00:01Z clid=reg-time",
					"b.example");
		read_all(&log, FA_EPP_ENVELOPE, &out);

		snprintf(want, sizeof(want),
			 "ok 0 reg-time a.example\n"
			 "rej %zu invalid record header: time \"%s\" is outside the accepted range 1997-01-01T00:00:00Z to ",
			 at, bad[i]);
		if (out.p == NULL || strncmp(out.p, want, strlen(want)) != 0) {
			fail_msg("read\n%sexpected it to start with\n%s",
				 out.p ? out.p : "", want);
		}
		snprintf(want, sizeof(want),
			 " (one day after the current time)\nok %zu reg-time b.example\n",
			 at2);
		assert_non_null(strstr(out.p, want));
		tu_buf_free(&log);
		tu_buf_free(&out);
	}
}

/* The edges: 1997-01-01 itself and half a day ahead are kept, two days
 * ahead is refused. */
static void test_time_edges(void **state)
{
	struct tu_buf log = { 0 }, out = { 0 };
	char hdr[128], soon[40], later[40], want[1024];
	time_t now = time(NULL);
	(void)state;

	fmt_time(now + 12 * 3600, soon, sizeof(soon));
	fmt_time(now + 2 * 86400, later, sizeof(later));
	add_update(&log, "time=1997-01-01T00:00:00Z clid=reg-time", "a.example");
	snprintf(hdr, sizeof(hdr), "time=%s clid=reg-time", soon);
	size_t at1 = add_update(&log, hdr, "b.example");
	snprintf(hdr, sizeof(hdr), "time=%s clid=reg-time", later);
	size_t at2 = add_update(&log, hdr, "c.example");
	read_all(&log, FA_EPP_ENVELOPE, &out);

	snprintf(want, sizeof(want),
		 "ok 0 reg-time a.example\nok %zu reg-time b.example\n"
		 "rej %zu invalid record header: time \"%s\" is outside",
		 at1, at2, later);
	if (out.p == NULL || strncmp(out.p, want, strlen(want)) != 0) {
		fail_msg("read\n%sexpected it to start with\n%s",
			 out.p ? out.p : "", want);
	}
	tu_buf_free(&log);
	tu_buf_free(&out);
}

/* ---- registrar ids ---------------------------------------------------- */

static void login_frame(struct tu_buf *b, const char *clid)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><command>"
		   "<login><clID>");
	tu_buf_str(b, clid);
	tu_buf_str(b, "</clID><pw>p4ssw0rd</pw><options><version>1.0</version>"
		   "<lang>en</lang></options><svcs><objURI>" NS_DOM "</objURI>"
		   "</svcs></login><clTRID>L</clTRID></command></epp>");
}

/* inject-output.log and friends: a login whose <clID> is no clIDType is
 * refused, naming it with control characters shown as '?'. */
static void test_login_clid(void **state)
{
	static const struct {
		const char *clid, *reason;
	} cases[] = {
		{ "reg-ok", NULL },
		{ "abc", NULL },
		{ "r\xc3\xa9gistrar-\xc3\xa9t\xc3\xa9", NULL },
		{ "abcdefghijklmnop", NULL },
		{ "evil\nreg,&quot;x&quot;\t=1+1",
		  "invalid <clID> \"evil?reg,\"x\"?=1+1\": blank or control character" },
		{ "ab", "invalid <clID> \"ab\": not 3 to 16 characters (RFC 5730 clIDType)" },
		{ "abcdefghijklmnopq",
		  "invalid <clID> \"abcdefghijklmnopq\": not 3 to 16 characters (RFC 5730 clIDType)" },
		{ "reg&quot;x", "invalid <clID> \"reg\"x\": quote, backslash or comma" },
		{ "reg'x", "invalid <clID> \"reg'x\": quote, backslash or comma" },
		{ "reg,x", "invalid <clID> \"reg,x\": quote, backslash or comma" },
		{ "reg x", "invalid <clID> \"reg x\": blank or control character" },
		{ "=cmd|x", "invalid <clID> \"=cmd|x\": starts with '=', '+', '-' or '@'" },
		{ "+reg", "invalid <clID> \"+reg\": starts with '=', '+', '-' or '@'" },
		{ "-reg", "invalid <clID> \"-reg\": starts with '=', '+', '-' or '@'" },
		{ "@reg", "invalid <clID> \"@reg\": starts with '=', '+', '-' or '@'" },
		{ "", "invalid <clID> \"\": not 3 to 16 characters (RFC 5730 clIDType)" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_buf log = { 0 }, cmd = { 0 }, rsp = { 0 }, out = { 0 };
		char want[512];

		login_frame(&cmd, cases[i].clid);
		ok_frame(&rsp);
		tu_env_record(&log, "time=2026-11-02T09:00:00Z", cmd.p, cmd.len,
			      rsp.p, rsp.len);
		read_all(&log, FA_EPP_ENVELOPE, &out);
		if (cases[i].reason == NULL) {
			snprintf(want, sizeof(want), "ok 0 %s -\n", cases[i].clid);
		} else {
			snprintf(want, sizeof(want), "rej 0 %s\n", cases[i].reason);
		}
		assert_text(&out, want);

		/* The same in a raw capture: the session keeps no registrar
		 * from a refused login. */
		struct tu_buf raw = { 0 };
		tu_buf_free(&out);
		tu_5734_frame(&raw, cmd.p, cmd.len);
		tu_5734_frame(&raw, rsp.p, rsp.len);
		size_t upd = raw.len;
		tu_buf_free(&cmd);
		update_frame(&cmd, "a.example");
		tu_5734_frame(&raw, cmd.p, cmd.len);
		tu_5734_frame(&raw, rsp.p, rsp.len);
		read_all(&raw, FA_EPP_RFC5734, &out);
		if (cases[i].reason == NULL) {
			snprintf(want, sizeof(want), "ok 0 %s -\nok %zu %s a.example\n",
				 cases[i].clid, upd, cases[i].clid);
		} else {
			snprintf(want, sizeof(want), "rej 0 %s\nok %zu - a.example\n",
				 cases[i].reason, upd);
		}
		assert_text(&out, want);
		tu_buf_free(&raw);
		tu_buf_free(&log);
		tu_buf_free(&cmd);
		tu_buf_free(&rsp);
		tu_buf_free(&out);
	}
}

/* The envelope's clid= is held to the same rule. */
static void test_header_clid(void **state)
{
	static const struct {
		const char *clid, *reason;
	} cases[] = {
		{ "reg-b", NULL },
		{ "r\tx", "invalid record header: clid \"r?x\": blank or control character" },
		{ "=SUM(A1)", "invalid record header: clid \"=SUM(A1)\": starts with '=', '+', '-' or '@'" },
		{ "a,b,c", "invalid record header: clid \"a,b,c\": quote, backslash or comma" },
		{ "\"reg\"", "invalid record header: clid \"\"reg\"\": quote, backslash or comma" },
		{ "", "invalid record header: clid \"\": not 3 to 16 characters (RFC 5730 clIDType)" },
		{ "r\xff\xfe", "invalid record header: clid \"r??\": not UTF-8" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_buf log = { 0 }, out = { 0 };
		char hdr[128], want[512];

		snprintf(hdr, sizeof(hdr), "time=2026-11-02T09:00:00Z clid=%s",
			 cases[i].clid);
		add_update(&log, hdr, "a.example");
		size_t at = add_update(&log, "time=2026-11-02T09:00:00Z clid=reg-c",
				       "b.example");
		read_all(&log, FA_EPP_ENVELOPE, &out);
		if (cases[i].reason == NULL) {
			snprintf(want, sizeof(want), "ok 0 %s a.example\n"
				 "ok %zu reg-c b.example\n", cases[i].clid, at);
		} else {
			snprintf(want, sizeof(want), "rej 0 %s\n"
				 "ok %zu reg-c b.example\n", cases[i].reason, at);
		}
		assert_text(&out, want);
		tu_buf_free(&log);
		tu_buf_free(&out);
	}
}

/* ---- glue ------------------------------------------------------------- */

static void host_create(struct tu_buf *b, const char *ip, const char *addr)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><command>"
		   "<create><host:create xmlns:host=\"" NS_HOST "\"><host:name>"
		   "ns1.example.net</host:name><host:addr ip=\"");
	tu_buf_str(b, ip);
	tu_buf_str(b, "\">");
	tu_buf_str(b, addr);
	tu_buf_str(b, "</host:addr></host:create></create><clTRID>H</clTRID>"
		   "</command></epp>");
}

/* Glue that no name server can have is refused; the documentation ranges
 * and ordinary unicast addresses are kept (ipv6-odd.log). */
static void test_glue(void **state)
{
	static const struct {
		const char *ip, *addr, *why;
	} cases[] = {
		{ "v4", "192.0.2.1", NULL },
		{ "v4", "198.51.100.255", NULL },
		{ "v4", "203.0.113.0", NULL },
		{ "v4", "8.8.8.8", NULL },
		{ "v4", "126.255.255.255", NULL },
		{ "v4", "128.0.0.1", NULL },
		{ "v4", "223.255.255.255", NULL },
		{ "v4", "255.255.255.254", NULL },
		{ "v6", "2001:db8::1", NULL },
		{ "v6", "2001:db8:ffff::", NULL },
		{ "v6", "::2", NULL },
		{ "v6", "::fffe:c000:201", NULL },
		{ "v6", "fec0::1", NULL },
		{ "v4", "0.0.0.0", "\"this network\" address (0.0.0.0/8)" },
		{ "v4", "0.1.2.3", "\"this network\" address (0.0.0.0/8)" },
		{ "v4", "127.0.0.1", "loopback address (127.0.0.0/8)" },
		{ "v4", "127.255.255.255", "loopback address (127.0.0.0/8)" },
		{ "v4", "255.255.255.255", "broadcast address" },
		{ "v4", "169.254.1.1", "link-local address (169.254.0.0/16)" },
		{ "v4", "224.0.0.1", "multicast address (224.0.0.0/4)" },
		{ "v4", "239.255.255.255", "multicast address (224.0.0.0/4)" },
		{ "v6", "::", "unspecified address (::)" },
		{ "v6", "0:0:0:0:0:0:0:0", "unspecified address (::)" },
		{ "v6", "::1", "loopback address (::1)" },
		{ "v6", "::ffff:192.0.2.1",
		  "IPv4-mapped address given as v6: use ip=\"v4\" and the IPv4 address" },
		{ "v6", "::FFFF:c000:0201",
		  "IPv4-mapped address given as v6: use ip=\"v4\" and the IPv4 address" },
		{ "v6", "fe80::1", "link-local address (fe80::/10)" },
		{ "v6", "febf::1", "link-local address (fe80::/10)" },
		{ "v6", "ff02::1", "multicast address (ff00::/8)" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_buf log = { 0 }, cmd = { 0 }, rsp = { 0 }, out = { 0 };
		char want[512], norm[64];

		host_create(&cmd, cases[i].ip, cases[i].addr);
		ok_frame(&rsp);
		tu_env_record(&log, "time=2026-11-02T09:00:00Z clid=reg-g",
			      cmd.p, cmd.len, rsp.p, rsp.len);
		read_all(&log, FA_EPP_ENVELOPE, &out);
		if (cases[i].why == NULL) {
			snprintf(want, sizeof(want), "ok 0 reg-g ns1.example.net\n");
		} else {
			/* The reason names the address in its normal form. */
			snprintf(norm, sizeof(norm), "%s",
				 strcmp(cases[i].addr, "0:0:0:0:0:0:0:0") == 0 ? "::"
				 : strcmp(cases[i].addr, "::FFFF:c000:0201") == 0
				 ? "::ffff:192.0.2.1" : cases[i].addr);
			snprintf(want, sizeof(want),
				 "rej 0 invalid glue address \"%s\" in <addr>: %s\n",
				 norm, cases[i].why);
		}
		if (out.p == NULL || strcmp(out.p, want) != 0) {
			fail_msg("case %zu (%s): read\n%sinstead of\n%s", i,
				 cases[i].addr, out.p ? out.p : "", want);
		}
		tu_buf_free(&log);
		tu_buf_free(&cmd);
		tu_buf_free(&rsp);
		tu_buf_free(&out);
	}
}

/* ---- reasons and headers ---------------------------------------------- */

/* A cut frame is called incomplete, not by libxml2's "Extra content at the
 * end of the document"; two root elements still get libxml2's words. */
static void test_truncated_frame(void **state)
{
	static const char cut[] =
		"<epp xmlns=\"" NS_EPP "\"><command><update><domain:update "
		"xmlns:domain=\"" NS_DOM "\"><domain:name>";
	static const char two[] =
		"<epp xmlns=\"" NS_EPP "\"><hello/></epp><epp/>";
	struct tu_buf in = { 0 }, out = { 0 }, log = { 0 }, rsp = { 0 };
	char want[512];
	(void)state;

	tu_buf_str(&in, cut);
	read_all(&in, FA_EPP_FRAME, &out);
	snprintf(want, sizeof(want),
		 "rej 0 incomplete frame: it ends inside <name> (line 1, column %zu)\n",
		 strlen(cut) + 1);
	assert_text(&out, want);
	tu_buf_free(&out);

	/* The same command frame in an envelope record, complete response. */
	ok_frame(&rsp);
	tu_env_record(&log, "time=2026-11-02T09:00:00Z clid=reg-a", cut,
		      strlen(cut), rsp.p, rsp.len);
	read_all(&log, FA_EPP_ENVELOPE, &out);
	snprintf(want, sizeof(want),
		 "rej 0 incomplete command frame: it ends inside <name> (line 1, column %zu)\n",
		 strlen(cut) + 1);
	assert_text(&out, want);
	tu_buf_free(&out);

	tu_buf_free(&in);
	tu_buf_str(&in, two);
	read_all(&in, FA_EPP_FRAME, &out);
	snprintf(want, sizeof(want),
		 "rej 0 invalid XML in frame: line 1, column %zu: Extra content at the end of the document\n",
		 strlen(two) - 6 + 1);
	assert_text(&out, want);
	tu_buf_free(&out);
	tu_buf_free(&in);
	tu_buf_free(&log);
	tu_buf_free(&rsp);
}

/* Input quoted in a reason keeps it one line (read_all checks every
 * reason for line feeds). */
static void test_reason_one_line(void **state)
{
	struct tu_buf log = { 0 }, cmd = { 0 }, rsp = { 0 }, out = { 0 };
	(void)state;

	/* A character reference puts a real line feed and tab into the
	 * attribute value, which the reason quotes. */
	host_create(&cmd, "v&#10;6&#9;x", "2001:db8::1");
	ok_frame(&rsp);
	tu_env_record(&log, "time=2026-11-02T09:00:00Z clid=reg-a", cmd.p,
		      cmd.len, rsp.p, rsp.len);
	read_all(&log, FA_EPP_ENVELOPE, &out);
	assert_text(&out, "rej 0 invalid ip attribute \"v 6 x\" on <addr>\n");
	tu_buf_free(&log);
	tu_buf_free(&cmd);
	tu_buf_free(&rsp);
	tu_buf_free(&out);
}

/* header-dups.log: a header that names a field twice is invalid, the
 * record skipped and the next one read. */
static void test_duplicate_header_keys(void **state)
{
	static const struct {
		const char *hdr, *key;
	} cases[] = {
		{ "time=2026-11-02T09:00:00Z time=1999-01-01T00:00:00Z clid=reg-a", "time" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a clid=reg-b", "clid" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a addr=192.0.2.1 addr=192.0.2.2", "addr" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a session=a session=b", "session" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a svtrid=a svtrid=b", "svtrid" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a cmd=6", "cmd" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a rsp=0", "rsp" },
		{ "time=2026-11-02T09:00:00Z clid=reg-a x-mine=1 x-mine=2", NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_buf log = { 0 }, out = { 0 };
		char want[512];

		add_update(&log, cases[i].hdr, "a.example");
		size_t at = add_update(&log, "time=2026-11-02T09:00:00Z clid=reg-c",
				       "b.example");
		read_all(&log, FA_EPP_ENVELOPE, &out);
		if (cases[i].key == NULL) {
			snprintf(want, sizeof(want), "ok 0 reg-a a.example\n"
				 "ok %zu reg-c b.example\n", at);
		} else {
			snprintf(want, sizeof(want),
				 "rej 0 invalid record header: key \"%s\" given twice\n"
				 "ok %zu reg-c b.example\n", cases[i].key, at);
		}
		assert_text(&out, want);
		tu_buf_free(&log);
		tu_buf_free(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_out_of_range),
		cmocka_unit_test(test_time_edges),
		cmocka_unit_test(test_login_clid),
		cmocka_unit_test(test_header_clid),
		cmocka_unit_test(test_glue),
		cmocka_unit_test(test_truncated_frame),
		cmocka_unit_test(test_reason_one_line),
		cmocka_unit_test(test_duplicate_header_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
