/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EPP reader end to end on small hand-written inputs: every test runs
 * the reader over a buffer and compares the JSON lines it produces (the
 * output of `fluxaudit parse epp`) with the exact expected text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "epp/fa_epp.h"

#define E "urn:ietf:params:xml:ns:epp-1.0"
#define D "urn:ietf:params:xml:ns:domain-1.0"
#define H "urn:ietf:params:xml:ns:host-1.0"

/* Run the reader over data; return the JSON lines (malloc'd). */
static char *run(const char *data, size_t len, const struct fa_epp_opts *o,
		 int *nrej)
{
	struct fa_epp_reader *r = NULL;
	assert_int_equal(fa_epp_reader_open_mem(&r, "t", data, len, o), FA_OK);
	struct fa_txn t;
	assert_int_equal(fa_txn_init(&t), FA_OK);

	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	assert_non_null(out);
	*nrej = 0;
	uint64_t last = 0;
	for (;;) {
		struct fa_reject rej;
		int rc = fa_epp_reader_next(r, &t, &rej);
		if (rc == FA_EOF) {
			break;
		}
		assert_true(rc == FA_OK || rc == FA_EPARSE || rc == FA_EREFUSED ||
			    rc == FA_ELIMIT);
		assert_true(fa_epp_reader_offset(r) > last);
		last = fa_epp_reader_offset(r);
		if (rc == FA_OK) {
			fa_epp_txn_write_json(out, &t);
		} else {
			(*nrej)++;
			fa_epp_reject_write_json(out, &rej);
		}
	}
	assert_int_equal(last, len);
	fclose(out);
	fa_txn_deinit(&t);
	fa_epp_reader_free(r);
	return buf;
}

/* An envelope record around a command and a response. */
static char *record(char *p, const char *hdr, const char *cmd, const char *rsp)
{
	return p + sprintf(p, "EPPTX %s cmd=%zu rsp=%zu\n%s%s\n", hdr,
			   strlen(cmd), strlen(rsp), cmd, rsp);
}

static void expect(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	}
}

static const char create_cmd[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<epp xmlns=\"" E "\"><command><create>"
	"<d:create xmlns:d=\"" D "\"><d:name>Example.COM.</d:name>"
	"<d:period unit=\"y\">2</d:period>"
	"<d:ns><d:hostObj>NS1.Example.NET</d:hostObj>"
	"<d:hostAttr><d:hostName>ns2.example.com</d:hostName>"
	"<d:hostAddr ip=\"v4\">192.0.2.7</d:hostAddr>"
	"<d:hostAddr ip=\"v6\">2001:DB8:0:0::53</d:hostAddr></d:hostAttr></d:ns>"
	"<d:registrant>R-1</d:registrant><d:contact type=\"tech\">T-1</d:contact>"
	"<d:authInfo><d:pw>s3cret</d:pw></d:authInfo></d:create></create>"
	"<extension><sec:create xmlns:sec=\"urn:ietf:params:xml:ns:secDNS-1.1\">"
	"<sec:dsData><sec:keyTag>12345</sec:keyTag><sec:alg>13</sec:alg>"
	"<sec:digestType>2</sec:digestType><sec:digest>ab01ff</sec:digest>"
	"</sec:dsData></sec:create>"
	"<ttl:create xmlns:ttl=\"urn:ietf:params:xml:ns:epp:ttl-1.0\">"
	"<ttl:ttl for=\"NS\">3600</ttl:ttl>"
	"<ttl:ttl for=\"custom\" custom=\"dname\">600</ttl:ttl></ttl:create>"
	"</extension><clTRID>c-1</clTRID></command></epp>";

static const char create_rsp[] =
	"<epp xmlns=\"" E "\"><response><result code=\"1000\"><msg>ok</msg>"
	"</result><resData><d:creData xmlns:d=\"" D "\"><d:name>example.com</d:name>"
	"<d:crDate>2026-11-02T09:15:04.0Z</d:crDate></d:creData></resData>"
	"<trID><clTRID>c-1</clTRID><svTRID>SV-1</svTRID></trID></response></epp>";

static void test_envelope_create(void **state)
{
	(void)state;
	char in[8192];
	char *p = in + sprintf(in, "#fluxaudit-epp-log v1\n");
	p = record(p, "time=2026-11-02T09:15:04.120Z clid=reg-a addr=2001:db8:0::1 session=s-1",
		   create_cmd, create_rsp);
	int nrej;
	char *got = run(in, (size_t)(p - in), NULL, &nrej);
	expect(got,
	       "{\"source\":\"t\",\"offset\":22,\"time\":\"2026-11-02T09:15:04.120000Z\","
	       "\"registrar\":\"reg-a\",\"session\":\"s-1\",\"addr\":\"2001:db8::1\","
	       "\"key\":\"sv:reg-a:SV-1\",\"command\":\"domain:create\","
	       "\"objects\":[\"example.com\"],\"result\":1000,\"msg\":\"ok\",\"events\":["
	       "{\"kind\":\"domain.create\",\"domain\":\"example.com\",\"contact\":\"R-1\","
	       "\"detail\":{\"created\":\"2026-11-02T09:15:04.0Z\",\"period\":\"2y\"}},"
	       "{\"kind\":\"domain.ns_add\",\"domain\":\"example.com\",\"host\":\"ns1.example.net\"},"
	       "{\"kind\":\"domain.ns_add\",\"domain\":\"example.com\",\"host\":\"ns2.example.com\"},"
	       "{\"kind\":\"host.addr_add\",\"domain\":\"example.com\",\"host\":\"ns2.example.com\",\"value\":\"192.0.2.7\"},"
	       "{\"kind\":\"host.addr_add\",\"domain\":\"example.com\",\"host\":\"ns2.example.com\",\"value\":\"2001:db8::53\"},"
	       "{\"kind\":\"domain.contact_add\",\"domain\":\"example.com\",\"contact\":\"T-1\",\"value\":\"tech\"},"
	       "{\"kind\":\"domain.ds_add\",\"domain\":\"example.com\",\"value\":\"12345 13 2 AB01FF\"},"
	       "{\"kind\":\"domain.ttl_set\",\"domain\":\"example.com\",\"value\":\"NS 3600\"},"
	       "{\"kind\":\"domain.ttl_set\",\"domain\":\"example.com\",\"value\":\"DNAME 600\"}]}\n");
	assert_int_equal(nrej, 0);
	assert_null(strstr(got, "s3cret"));
	free(got);
}

static void test_result_gating(void **state)
{
	(void)state;
	static const char upd[] =
		"<epp xmlns=\"" E "\"><command><update><h:update xmlns:h=\"" H "\">"
		"<h:name>ns1.example.com</h:name><h:add><h:addr ip=\"v4\">198.51.100.1</h:addr>"
		"</h:add><h:rem><h:addr ip=\"v6\">2001:db8::0:1</h:addr></h:rem>"
		"<h:chg><h:name>NS9.example.com</h:name></h:chg></h:update></update>"
		"</command></epp>";
	static const char fail[] =
		"<epp xmlns=\"" E "\"><response><result code=\"2303\">"
		"<msg>Object does not exist</msg></result></response></epp>";
	char in[8192];
	char *p = record(in, "time=2026-11-02T10:00:00Z clid=reg-b", upd, fail);
	p = record(p, "time=2026-11-02T10:00:01Z clid=reg-b", upd, "");
	int nrej;
	char *got = run(in, (size_t)(p - in), NULL, &nrej);
	assert_int_equal(nrej, 0);

	char *second = strchr(got, '\n') + 1;
	second[-1] = '\0';
	assert_non_null(strstr(got, "\"result\":2303,\"msg\":\"Object does not exist\","
			       "\"events\":[{\"kind\":\"command.failed\",\"host\":\"ns1.example.com\","
			       "\"value\":\"2303\",\"detail\":{\"command\":\"host:update\","
			       "\"msg\":\"Object does not exist\"}}]}"));
	assert_non_null(strstr(got, "\"key\":\"sha256:"));
	assert_non_null(strstr(second, "\"result\":null,\"msg\":null,\"events\":["
				  "{\"kind\":\"host.addr_rem\",\"host\":\"ns1.example.com\",\"value\":\"2001:db8::1\"},"
				  "{\"kind\":\"host.addr_add\",\"host\":\"ns1.example.com\",\"value\":\"198.51.100.1\"},"
				  "{\"kind\":\"host.rename\",\"host\":\"ns1.example.com\",\"value\":\"ns9.example.com\"}]}"));
	free(got);
}

static void test_hostile_and_resync(void **state)
{
	(void)state;
	static const char dtd[] =
		"<!DOCTYPE epp [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
		"<epp xmlns=\"" E "\"><command><check><d:check xmlns:d=\"" D "\">"
		"<d:name>x&b;.com</d:name></d:check></check></command></epp>";
	static const char ent[] =
		"<epp xmlns=\"" E "\"><command><check><d:check xmlns:d=\"" D "\">"
		"<d:name>x&ext;.com</d:name></d:check></check></command></epp>";
	static const char chk[] =
		"<epp xmlns=\"" E "\"><command><check><d:check xmlns:d=\"" D "\">"
		"<d:name>a.com</d:name><d:name>B.com</d:name></d:check></check></command></epp>";
	char in[8192];
	char *p = record(in, "time=2026-11-02T10:00:00Z", dtd, "");
	p += sprintf(p, "this is not a header\nEPPTX-ish\n");
	p = record(p, "time=2026-11-02T10:00:00Z", ent, "");
	char *bad = p;
	p = record(p, "time=2026-11-02T10:00:00Z", chk, "");
	/* A length running past the end: resume at the next header. */
	bad[strlen("EPPTX time=2026-11-02T10:00:00Z cmd=")] = '9';
	p = record(p, "time=2026-11-02T10:00:00Z", chk, "");
	int nrej;
	char *got = run(in, (size_t)(p - in), NULL, &nrej);
	assert_int_equal(nrej, 4);
	assert_non_null(strstr(got, "{\"source\":\"t\",\"offset\":0,\"error\":"
			       "\"DTD not allowed in EPP command frame (line 1)\"}\n"));
	assert_non_null(strstr(got, "\"error\":\"expected a record header line starting with \\\"EPPTX \\\"\"}"));
	assert_non_null(strstr(got, "\"error\":\"entity reference \\\"&ext;\\\" not allowed in EPP command frame (line 1)\"}"));
	assert_non_null(strstr(got, "\"error\":\"record runs past the end of the file"));
	assert_non_null(strstr(got, "\"command\":\"domain:check\",\"objects\":[\"a.com\",\"b.com\"],"
			       "\"result\":null,\"msg\":null,\"events\":[]}\n"));
	assert_null(strstr(got, "aaaa"));
	free(got);
}

static size_t frame(char *p, const char *xml)
{
	uint32_t n = (uint32_t)strlen(xml) + 4;
	p[0] = (char)(n >> 24);
	p[1] = (char)(n >> 16);
	p[2] = (char)(n >> 8);
	p[3] = (char)n;
	memcpy(p + 4, xml, n - 4);
	return n;
}

static void test_rfc5734(void **state)
{
	(void)state;
	char in[8192];
	size_t n = 0;
	n += frame(in + n, "<epp xmlns=\"" E "\"><greeting><svID>s</svID></greeting></epp>");
	size_t login = n;
	n += frame(in + n, "<epp xmlns=\"" E "\"><command><login><clID>Reg-X</clID>"
		   "<pw>pw</pw></login></command></epp>");
	n += frame(in + n, "<epp xmlns=\"" E "\"><response><result code=\"1000\"/>"
		   "<trID><svTRID>T1</svTRID></trID></response></epp>");
	size_t lone = n;
	n += frame(in + n, "<epp xmlns=\"" E "\"><command><delete><d:delete xmlns:d=\"" D "\">"
		   "<d:name>gone.example</d:name></d:delete></delete></command></epp>");
	size_t tr = n;
	n += frame(in + n, "<epp xmlns=\"" E "\"><command><transfer op=\"approve\">"
		   "<d:transfer xmlns:d=\"" D "\"><d:name>moved.example</d:name>"
		   "</d:transfer></transfer></command></epp>");
	n += frame(in + n, "<epp xmlns=\"" E "\"><response><result code=\"1000\"/><resData>"
		   "<d:trnData xmlns:d=\"" D "\"><d:name>moved.example</d:name>"
		   "<d:trStatus>clientApproved</d:trStatus><d:reID>Reg-Y</d:reID>"
		   "<d:acID>Reg-X</d:acID></d:trnData></resData>"
		   "<trID><svTRID>T2</svTRID></trID></response></epp>");
	struct fa_epp_opts o = { .default_time_us = 1000000 };
	int nrej;
	char *got = run(in, n, &o, &nrej);
	assert_int_equal(nrej, 0);
	char want[4096];
	snprintf(want, sizeof(want),
		 "{\"source\":\"t\",\"offset\":%d,\"time\":\"1970-01-01T00:00:01Z\","
		 "\"registrar\":\"Reg-X\",\"session\":null,\"addr\":null,\"key\":\"sv:Reg-X:T1\","
		 "\"command\":\"login\",\"objects\":[],\"result\":1000,\"msg\":null,"
		 "\"events\":[{\"kind\":\"login\"}]}\n",
		 (int)login);
	assert_memory_equal(got, want, strlen(want));
	char *l2 = strchr(got, '\n') + 1;
	snprintf(want, sizeof(want), "{\"source\":\"t\",\"offset\":%zu,", lone);
	assert_memory_equal(l2, want, strlen(want));
	assert_non_null(strstr(l2, "\"registrar\":\"Reg-X\""));
	assert_non_null(strstr(l2, "\"result\":null,\"msg\":null,\"events\":["
			       "{\"kind\":\"domain.delete\",\"domain\":\"gone.example\"}]}\n"));
	char *l3 = strchr(l2, '\n') + 1;
	snprintf(want, sizeof(want), "{\"source\":\"t\",\"offset\":%zu,", tr);
	assert_memory_equal(l3, want, strlen(want));
	assert_non_null(strstr(l3, "\"events\":[{\"kind\":\"domain.transfer_approve\","
			       "\"domain\":\"moved.example\",\"value\":\"Reg-Y\"}]}\n"));
	assert_int_equal(strchr(l3, '\n')[1], '\0');
	free(got);
}

static void test_oversize_and_aliases(void **state)
{
	(void)state;
	static const char ee[] =
		"<epp xmlns=\"https://epp.tld.ee/schema/epp-ee-1.0.xsd\"><command><delete>"
		"<domain:delete xmlns:domain=\"https://epp.tld.ee/schema/domain-eis-1.0.xsd\">"
		"<domain:name>n\xc3\xa4ide.ee</domain:name></domain:delete></delete></command></epp>";
	static const char ee_ok[] =
		"<epp xmlns=\"epp-ee\"><command><delete>"
		"<domain:delete xmlns:domain=\"domain-ee\">"
		"<domain:name>xn--nide-loa.ee</domain:name></domain:delete></delete></command></epp>";
	char big[3000];
	memset(big, ' ', sizeof(big));
	memcpy(big, ee_ok, strlen(ee_ok));
	big[sizeof(big) - 1] = '\0';
	char in[16384];
	char *p = record(in, "time=2026-11-02T10:00:00Z", big, "");
	p = record(p, "time=2026-11-02T10:00:00Z", ee, "");
	p = record(p, "time=2026-11-02T10:00:00Z", ee_ok, "");
	p = record(p, "time=2026-11-02T10:00:00Z",
		   "<epp xmlns=\"" E "\"><command><frobnicate/></command></epp>", "");
	p = record(p, "time=2026-11-02T10:00:00Z",
		   "<epp xmlns=\"urn:example:other\"><command/></epp>", "");
	struct fa_epp_opts o = { .max_frame = 2048 };
	int nrej;
	char *got = run(in, (size_t)(p - in), &o, &nrej);
	assert_int_equal(nrej, 4);
	assert_non_null(strstr(got, "{\"source\":\"t\",\"offset\":0,\"error\":"
			       "\"frame of 2999 bytes exceeds the limit of 2048 bytes\"}\n"));
	assert_non_null(strstr(got, "non-ASCII character (IDNs must be sent as A-labels) in <domain:name>"));
	assert_non_null(strstr(got, "\"command\":\"domain:delete\",\"objects\":[\"xn--nide-loa.ee\"],"
			       "\"result\":null,\"msg\":null,\"events\":[{\"kind\":\"domain.delete\","
			       "\"domain\":\"xn--nide-loa.ee\"}]}\n"));
	assert_non_null(strstr(got, "\"error\":\"unrecognized EPP command " E ":frobnicate\"}\n"));
	assert_non_null(strstr(got, "\"error\":\"not an EPP frame: root element <epp> in "
			       "namespace \\\"urn:example:other\\\"\"}\n"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_create),
		cmocka_unit_test(test_result_gating),
		cmocka_unit_test(test_hostile_and_resync),
		cmocka_unit_test(test_rfc5734),
		cmocka_unit_test(test_oversize_and_aliases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
