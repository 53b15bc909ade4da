/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enrichment without the corpus: pfx2as tables, consumer prefix lists,
 * allowlists, declarations and the configuration file, exact values and
 * exact messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "enrich/fa_enrich.h"
#include "enrich_test_util.h"

static struct fa_enrich *fresh(void)
{
	struct fa_enrich *e = fa_enrich_new();
	assert_non_null(e);
	return e;
}

/* The ASN, prefix length and file for an address; 0 when none. */
static uint32_t asn_of(const struct fa_enrich *e, const char *addr, unsigned *plen,
		       const char **file)
{
	struct fa_enrich_addr a;
	struct fa_enrich_asn r;
	char err[256];
	assert_int_equal(fa_enrich_addr_parse(addr, &a), FA_OK);
	assert_int_equal(fa_enrich_asn(e, &a, &r, err, sizeof(err)), FA_OK);
	if (plen != NULL) {
		*plen = r.prefix_len;
	}
	if (file != NULL) {
		*file = r.file;
	}
	assert_int_equal(r.source, r.asn != 0 ? FA_ENRICH_ASN_PFX2AS : FA_ENRICH_ASN_NONE);
	return r.asn;
}

static const char table[] =
	"# routeviews layout\n"
	"0.0.0.0\t0\t1\n"
	"10.0.0.0\t8\t100\n"
	"10.1.0.0\t16\t101_102\n"
	"10.1.2.0\t24\t103,104,105\n"
	"10.1.2.128\t25\t106\r\n"
	"10.200.0.0  16   107   # trailing comment\n"
	"\n"
	"255.255.255.255\t32\t108\n"
	"2001:db8::\t32\t200\n"
	"2001:db8:1::\t48\t201\n"
	"ffff::\t16\t202\n";

static void test_pfx2as_lookup(void **state)
{
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	unsigned plen;
	const char *file;
	(void)state;

	assert_int_equal(fa_enrich_add_pfx2as(e, "t.pfx2as", table, strlen(table), &diag), FA_OK);
	assert_int_equal(diag.count, 0);
	tu_finish(e);

	assert_int_equal(asn_of(e, "9.255.255.255", &plen, &file), 1);
	assert_int_equal(plen, 0);
	assert_string_equal(file, "t.pfx2as");
	assert_int_equal(asn_of(e, "10.0.0.0", &plen, NULL), 100);
	assert_int_equal(plen, 8);
	assert_int_equal(asn_of(e, "10.0.255.255", NULL, NULL), 100);
	assert_int_equal(asn_of(e, "10.1.0.0", &plen, NULL), 101);
	assert_int_equal(plen, 16);
	assert_int_equal(asn_of(e, "10.1.1.255", NULL, NULL), 101);
	assert_int_equal(asn_of(e, "10.1.2.0", &plen, NULL), 103);
	assert_int_equal(plen, 24);
	assert_int_equal(asn_of(e, "10.1.2.127", NULL, NULL), 103);
	assert_int_equal(asn_of(e, "10.1.2.128", &plen, NULL), 106);
	assert_int_equal(plen, 25);
	assert_int_equal(asn_of(e, "10.1.2.255", NULL, NULL), 106);
	assert_int_equal(asn_of(e, "10.1.3.0", &plen, NULL), 101);
	assert_int_equal(plen, 16);
	assert_int_equal(asn_of(e, "10.2.0.0", &plen, NULL), 100);
	assert_int_equal(plen, 8);
	assert_int_equal(asn_of(e, "10.200.7.7", NULL, NULL), 107);
	assert_int_equal(asn_of(e, "11.0.0.0", &plen, NULL), 1);
	assert_int_equal(plen, 0);
	assert_int_equal(asn_of(e, "255.255.255.254", NULL, NULL), 1);
	assert_int_equal(asn_of(e, "255.255.255.255", &plen, NULL), 108);
	assert_int_equal(plen, 32);
	/* IPv4-mapped IPv6 is the IPv4 address */
	assert_int_equal(asn_of(e, "::ffff:10.1.2.200", NULL, NULL), 106);

	assert_int_equal(asn_of(e, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL), 0);
	assert_int_equal(asn_of(e, "2001:db8::", &plen, NULL), 200);
	assert_int_equal(plen, 32);
	assert_int_equal(asn_of(e, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", &plen, NULL), 201);
	assert_int_equal(plen, 48);
	assert_int_equal(asn_of(e, "2001:db8:2::", NULL, NULL), 200);
	assert_int_equal(asn_of(e, "2001:db9::", NULL, NULL), 0);
	assert_int_equal(asn_of(e, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL), 202);
	assert_int_equal(asn_of(e, "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL), 0);

	struct fa_enrich_stats st;
	fa_enrich_stats(e, &st);
	assert_int_equal(st.pfx2as_prefixes, 10);
	/* IPv4 ranges from: 0/0, 10/8, 10.1/16, 10.1.2/24, 10.1.2.128/25,
	 * 10.1/16 again, 10/8 again, 10.200/16, 10/8 again, 0/0 again,
	 * 255.255.255.255/32. IPv6: gap, 2001:db8::/32, 2001:db8:1::/48,
	 * 2001:db8::/32 again, gap, ffff::/16. */
	assert_int_equal(st.pfx2as_ranges4, 11);
	assert_int_equal(st.pfx2as_ranges6, 6);
	/* plus an index of 65537 * 4 bytes per family */
	assert_int_equal(st.pfx2as_bytes, 11 * 12 + 6 * 24 + 2 * 65537 * 4);

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_PFX2AS);
	assert_int_equal(src[0].entries, 10);
	assert_int_equal(src[0].v4, 7);
	assert_int_equal(src[0].v6, 3);
	fa_enrich_free(e);
}

static void test_pfx2as_errors(void **state)
{
	static const char bad[] =
		"1.0.0.0\t24\n"
		"1.0.0.0\t24\t13335\textra\n"
		"1.0.0.1\t24\t13335\n"
		"1.0.0.0\t33\t13335\n"
		"1.0.0.0\t024\t13335\n"
		"1.0.0\t24\t13335\n"
		"2001:db8::\t129\t1\n"
		"1.0.0.0\t24\t0\n"
		"1.0.0.0\t24\t4294967296\n"
		"1.0.0.0\t24\t1_\n"
		"1.0.0.0\t24\tAS1\n"
		"1.0.0.0\t24\t1.5\n"
		"2.0.0.0\t8\t7\n";
	static const char *const want[] = {
		"b.txt:1: expected 3 fields (prefix, length, AS), found 2",
		"b.txt:2: expected 3 fields (prefix, length, AS), found 4",
		"b.txt:3: 1.0.0.1/24 has bits set after the prefix length",
		"b.txt:4: prefix length \"33\" is not a number from 0 to 32",
		"b.txt:5: prefix length \"024\" is not a number from 0 to 32",
		"b.txt:6: \"1.0.0\" is not an IPv4 or IPv6 address",
		"b.txt:7: prefix length \"129\" is not a number from 0 to 128",
		"b.txt:8: AS 0 is reserved (RFC 7607) and cannot originate a prefix",
		"b.txt:9: AS \"4294967296\" is not a number from 1 to 4294967295",
		"b.txt:10: AS \"\" is not a number from 1 to 4294967295",
		"b.txt:11: AS \"AS1\" is not a number from 1 to 4294967295",
		"b.txt:12: AS \"1.5\" is not a number from 1 to 4294967295",
		"b.txt: refused: 12 malformed lines, nothing of this file is used",
	};
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_int_equal(fa_enrich_add_pfx2as(e, "b.txt", bad, strlen(bad), &diag), FA_EPARSE);
	tu_diag_is(&diag, want, sizeof(want) / sizeof(want[0]));
	tu_finish(e);
	/* Line 13 was fine, but the file is refused whole. */
	assert_int_equal(asn_of(e, "2.0.0.1", NULL, NULL), 0);
	fa_enrich_free(e);
}

static void test_pfx2as_limits(void **state)
{
	char *buf = malloc(3000);
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_non_null(buf);
	memset(buf, ' ', 1100);
	memcpy(buf + 1100, "\n1.0.0.0\t8\t1\n3.0.0.0\t8\t3\0\n", 25);
	assert_int_equal(fa_enrich_add_pfx2as(e, "l.txt", buf, 1125, &diag), FA_EPARSE);
	static const char *const want[] = {
		"l.txt:1: line is longer than 1024 bytes",
		"l.txt:3: line holds a NUL byte",
		"l.txt: refused: 2 malformed lines, nothing of this file is used",
	};
	tu_diag_is(&diag, want, 3);
	free(buf);
	fa_enrich_free(e);
}

static void test_pfx2as_duplicates(void **state)
{
	static const char a[] = "1.0.0.0 24 10\n1.0.0.0 24 10\n5.0.0.0 8 50\n";
	static const char b[] = "1.0.0.0 24 20\n1.0.0.128 25 21\n";
	static const char c[] = "7.0.0.0 8 70\n7.0.0.0 8 71\n";
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	const char *file;
	unsigned plen;
	(void)state;

	/* Same prefix twice in one file with the same AS: harmless. In a
	 * later file: the first file wins. */
	assert_int_equal(fa_enrich_add_pfx2as(e, "a", a, strlen(a), &diag), FA_OK);
	assert_int_equal(fa_enrich_add_pfx2as(e, "b", b, strlen(b), &diag), FA_OK);
	tu_finish(e);
	assert_int_equal(asn_of(e, "1.0.0.1", &plen, &file), 10);
	assert_string_equal(file, "a");
	assert_int_equal(asn_of(e, "1.0.0.200", &plen, &file), 21);
	assert_string_equal(file, "b");
	assert_int_equal(plen, 25);
	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 2);
	assert_int_equal(src[0].shadowed, 0);
	assert_int_equal(src[1].shadowed, 1);
	fa_enrich_free(e);

	/* Two ASes for one prefix in one file contradict each other. */
	e = fresh();
	assert_int_equal(fa_enrich_add_pfx2as(e, "c", c, strlen(c), &diag), FA_OK);
	assert_int_equal(fa_enrich_finish(e, &diag), FA_EPARSE);
	static const char *const want[] = {
		"c:2: prefix is already listed on line 1 with another AS",
	};
	tu_diag_is(&diag, want, 1);
	fa_enrich_free(e);
}

static void test_consumer(void **state)
{
	static const char list[] =
		"# consumer blocks\n"
		"192.0.2.0/24 isp-dsl\n"
		"192.0.2.128/25\n"
		"198.51.100.0/24 cable  # comment\n"
		"2001:db8::/32 isp-v6\n";
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	(void)state;

	assert_int_equal(fa_enrich_add_prefixes(e, "c.txt", list, strlen(list), &diag), FA_OK);
	tu_finish(e);
	assert_int_equal(fa_enrich_addr_parse("192.0.2.1", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.label, "isp-dsl");
	assert_string_equal(c.file, "c.txt");
	assert_int_equal(c.prefix_len, 24);
	assert_int_equal(fa_enrich_addr_parse("192.0.2.129", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.label, "");
	assert_int_equal(c.prefix_len, 25);
	assert_int_equal(fa_enrich_addr_parse("198.51.100.255", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.label, "cable");
	assert_int_equal(fa_enrich_addr_parse("198.51.101.0", &a), FA_OK);
	assert_false(fa_enrich_consumer(e, &a, &c));
	assert_false(c.found);
	assert_int_equal(fa_enrich_addr_parse("2001:db8:ffff::1", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.label, "isp-v6");
	assert_int_equal(fa_enrich_addr_parse("2001:db9::", &a), FA_OK);
	assert_false(fa_enrich_consumer(e, &a, &c));
	fa_enrich_free(e);

	static const char bad[] =
		"192.0.2.0\n"
		"192.0.2.0/24 a b\n"
		"192.0.2.1/24\n"
		"192.0.2.0/24 bad/label\n"
		"192.0.2.0/x\n";
	static const char *const want[] = {
		"d.txt:1: \"192.0.2.0\" is not in CIDR form (ADDRESS/LENGTH)",
		"d.txt:2: expected a prefix and an optional label, found more",
		"d.txt:3: 192.0.2.1/24 has bits set after the prefix length",
		"d.txt:4: label \"bad/label\" must have 1 to 63 letters, digits, '-', '_' or '.'",
		"d.txt:5: prefix length \"x\" is not a number from 0 to 32",
		"d.txt: refused: 5 malformed lines, nothing of this file is used",
	};
	e = fresh();
	assert_int_equal(fa_enrich_add_prefixes(e, "d.txt", bad, strlen(bad), &diag), FA_EPARSE);
	tu_diag_is(&diag, want, sizeof(want) / sizeof(want[0]));
	fa_enrich_free(e);
}

static void provider_is(const struct fa_enrich *e, const char *host, uint32_t asn,
			const char *name, enum fa_enrich_match match, const char *suffix)
{
	struct fa_enrich_provider p;
	bool found = fa_enrich_provider(e, host, asn, &p);
	assert_int_equal(found, name != NULL);
	assert_int_equal(p.match, match);
	if (name == NULL) {
		assert_null(p.name);
		return;
	}
	assert_string_equal(p.name, name);
	if (suffix != NULL) {
		assert_string_equal(p.suffix, suffix);
	} else {
		assert_int_equal(p.asn, asn);
	}
}

static void test_allowlist(void **state)
{
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_int_equal(fa_enrich_add_provider_suffix(e, "Amazon Route 53", "awsdns-01.com",
						       "c", "c:1", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Cloudflare", "NS.Cloudflare.com.",
						       "c", "c:2", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Example DNS", "example.net", "c",
						       "c:3", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Example Anycast", "any.example.net",
						       "c", "c:4", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_provider_asn(e, "Akamai", 20940, "c", "c:5", &diag),
			 FA_OK);
	/* repeating an entry for the same provider is harmless */
	assert_int_equal(fa_enrich_add_provider_asn(e, "Akamai", 20940, "c", "c:6", &diag),
			 FA_OK);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Other", "awsdns-01.com", "c", "c:7",
						       &diag), FA_EPARSE);
	assert_int_equal(fa_enrich_add_provider_asn(e, "Other", 20940, "c", "c:8", &diag),
			 FA_EPARSE);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Other", "com", "c", "c:9", &diag),
			 FA_EPARSE);
	assert_int_equal(fa_enrich_add_provider_suffix(e, "Other", "bad..name", "c", "c:10",
						       &diag), FA_EPARSE);
	assert_int_equal(fa_enrich_add_provider_asn(e, "Other", 0, "c", "c:11", &diag),
			 FA_EPARSE);
	assert_int_equal(diag.count, 5);
	assert_string_equal(diag.msgs[0],
			    "c:7: NS suffix \"awsdns-01.com\" is already listed for \"Amazon Route 53\"");
	assert_string_equal(diag.msgs[1],
			    "c:8: AS 20940 is already listed for \"Akamai\" (c:5)");
	assert_string_equal(diag.msgs[2], "c:9: NS suffix \"com\" has one label: it would "
			    "allowlist a whole top-level domain");
	assert_int_equal(strncmp(diag.msgs[3], "c:10: invalid NS suffix \"bad..name\": ", 37), 0);
	assert_string_equal(diag.msgs[4], "c:11: AS 0 is reserved (RFC 7607) and names no network");
	fa_enrich_diag_clear(&diag);
	tu_finish(e);

	provider_is(e, "ns-1.awsdns-01.com", 0, "Amazon Route 53", FA_ENRICH_MATCH_SUFFIX,
		    "awsdns-01.com");
	provider_is(e, "awsdns-01.com", 0, "Amazon Route 53", FA_ENRICH_MATCH_SUFFIX,
		    "awsdns-01.com");
	provider_is(e, "xawsdns-01.com", 0, NULL, FA_ENRICH_MATCH_NONE, NULL);
	provider_is(e, "ns-1.awsdns-01.co", 0, NULL, FA_ENRICH_MATCH_NONE, NULL);
	provider_is(e, "KATE.NS.CLOUDFLARE.COM.", 0, "Cloudflare", FA_ENRICH_MATCH_SUFFIX,
		    "ns.cloudflare.com");
	provider_is(e, "cloudflare.com", 0, NULL, FA_ENRICH_MATCH_NONE, NULL);
	/* the longest suffix wins */
	provider_is(e, "a.any.example.net", 0, "Example Anycast", FA_ENRICH_MATCH_SUFFIX,
		    "any.example.net");
	provider_is(e, "b.example.net", 0, "Example DNS", FA_ENRICH_MATCH_SUFFIX, "example.net");
	provider_is(e, "b.example.net", 20940, "Example DNS", FA_ENRICH_MATCH_SUFFIX,
		    "example.net");
	/* else the ASN */
	provider_is(e, "ns1.unlisted.org", 20940, "Akamai", FA_ENRICH_MATCH_ASN, NULL);
	provider_is(e, NULL, 20940, "Akamai", FA_ENRICH_MATCH_ASN, NULL);
	provider_is(e, NULL, 20941, NULL, FA_ENRICH_MATCH_NONE, NULL);
	provider_is(e, "", 0, NULL, FA_ENRICH_MATCH_NONE, NULL);

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_ALLOWLIST);
	assert_int_equal(src[0].entries, 5);
	assert_int_equal(src[0].shadowed, 1);
	fa_enrich_free(e);
}

static void decl_is(const struct fa_enrich *e, const char *host, enum fa_enrich_decl want,
		    const char *name, const char *note, const char *origin)
{
	struct fa_enrich_declaration d;
	assert_int_equal(fa_enrich_declaration(e, host, &d), want);
	assert_int_equal(d.decl, want);
	if (want == FA_ENRICH_DECL_NONE) {
		assert_null(d.name);
		return;
	}
	assert_string_equal(d.name, name);
	assert_string_equal(d.note, note);
	assert_string_equal(d.origin, origin);
}

static void test_declarations(void **state)
{
	static const char csv[] =
		"\xef\xbb\xbfname,declaration,note\r\n"
		"ns1.example.net,static,\"primary, in-house\"\r\n"
		"example.org,dynamic,\"says \"\"dyn\"\"\"\r\n"
		"\r\n"
		"static.example.org,static,\n"
		"NS1.EXAMPLE.NET.,static,again\n";
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_int_equal(fa_enrich_add_declaration(e, "dyn.example.com", FA_ENRICH_DECL_DYNAMIC,
						   NULL, "conf.yaml", "conf.yaml:3:5", &diag),
			 FA_OK);
	assert_int_equal(fa_enrich_add_declarations_csv(e, "d.csv", csv, strlen(csv), &diag),
			 FA_OK);
	assert_int_equal(diag.count, 0);
	tu_finish(e);

	decl_is(e, "ns1.example.net", FA_ENRICH_DECL_STATIC, "ns1.example.net",
		"primary, in-house", "d.csv:2");
	decl_is(e, "ns2.example.net", FA_ENRICH_DECL_NONE, NULL, NULL, NULL);
	decl_is(e, "example.org", FA_ENRICH_DECL_DYNAMIC, "example.org", "says \"dyn\"",
		"d.csv:3");
	decl_is(e, "ns.a.b.example.org", FA_ENRICH_DECL_DYNAMIC, "example.org",
		"says \"dyn\"", "d.csv:3");
	/* the nearest enclosing declaration wins */
	decl_is(e, "ns.static.example.org", FA_ENRICH_DECL_STATIC, "static.example.org", "",
		"d.csv:5");
	decl_is(e, "xexample.org", FA_ENRICH_DECL_NONE, NULL, NULL, NULL);
	decl_is(e, "Host.Dyn.Example.Com.", FA_ENRICH_DECL_DYNAMIC, "dyn.example.com", "",
		"conf.yaml:3:5");
	decl_is(e, "org", FA_ENRICH_DECL_NONE, NULL, NULL, NULL);

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 2);
	assert_string_equal(src[0].path, "conf.yaml");
	assert_int_equal(src[0].entries, 1);
	assert_string_equal(src[1].path, "d.csv");
	assert_int_equal(src[1].entries, 3);
	assert_int_equal(src[1].shadowed, 1);
	fa_enrich_free(e);
}

static void test_declarations_errors(void **state)
{
	static const char csv[] =
		"name,declaration,note\n"
		"a.example,static\n"
		"b.example,fixed,\n"
		"c..example,static,\n"
		"d.example,static,\"open\n"
		"e.example,static,\"x\"y\n"
		"f\"x.example,static,\n"
		"g.example,static,1,2\n"
		"dyn.example.com,static,\n";
	static const char *const want[] = {
		"e.csv:2: expected 3 fields (name, declaration, note), found 2",
		"e.csv:3: declaration \"fixed\" is neither \"static\" nor \"dynamic\"",
		"e.csv:4: invalid name \"c..example\": ",
		"e.csv:5: quoted field has no closing quote (fields cannot span lines)",
		"e.csv:6: text after the closing quote of field 3",
		"e.csv:7: quote inside unquoted field 1",
		"e.csv:8: more than 3 fields",
		"e.csv:9: \"dyn.example.com\" is declared static here but dynamic at conf.yaml:3:5",
		"e.csv: refused: 8 malformed lines, nothing of this file is used",
	};
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_int_equal(fa_enrich_add_declaration(e, "dyn.example.com", FA_ENRICH_DECL_DYNAMIC,
						   "", "conf.yaml", "conf.yaml:3:5", &diag),
			 FA_OK);
	assert_int_equal(fa_enrich_add_declarations_csv(e, "e.csv", csv, strlen(csv), &diag),
			 FA_EPARSE);
	assert_int_equal(diag.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < diag.count; i++) {
		if (i == 2) {
			assert_int_equal(strncmp(diag.msgs[i], want[i], strlen(want[i])), 0);
			continue;
		}
		assert_string_equal(diag.msgs[i], want[i]);
	}
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);

	static const char *const no_header[] = {
		"h.csv:1: expected the header row \"name,declaration,note\"",
		"h.csv: refused: 1 malformed line, nothing of this file is used",
	};
	e = fresh();
	assert_int_equal(fa_enrich_add_declarations_csv(e, "h.csv", "a.example,static,\n", 19,
							&diag), FA_EPARSE);
	tu_diag_is(&diag, no_header, 2);
	fa_enrich_free(e);
	e = fresh();
	assert_int_equal(fa_enrich_add_declarations_csv(e, "h.csv", "", 0, &diag), FA_EPARSE);
	tu_diag_is(&diag, no_header, 2);
	fa_enrich_free(e);
}

/* A fuzzer input whose metadata passes for libmaxminddb's first look:
 * "languages" holds a string and an array. libmaxminddb 1.7.1 leaks what
 * it allocated for the languages before it refuses the file (the test's
 * leak check would say so); the checker refuses it first. */
/*
 * Three table files of 30 bad lines each: each shows at most its first 20
 * lines, and each its refusal, so one bad file cannot push the others'
 * messages out of the 64 kept.
 */
static void test_tables_many_bad_lines(void **state)
{
	char pfx[2048] = "", csv[2048] = "name,declaration,note\n", ptr[2048] = "";
	/* 10.0.0.0/24 itself is fine: line 1 of p.txt is not an error. */
	static const struct {
		size_t at;
		const char *msg;
	} want[] = {
		{ 0, "p.txt:2: 10.0.0.1/24 has bits set after the prefix length" },
		{ 19, "p.txt:21: 10.0.0.20/24 has bits set after the prefix length" },
		{ 20, "p.txt: refused: 29 malformed lines (the first 20 shown), nothing of this "
		      "file is used" },
		{ 21, "d.csv:2: declaration \"fixed\" is neither \"static\" nor \"dynamic\"" },
		{ 40, "d.csv:21: declaration \"fixed\" is neither \"static\" nor \"dynamic\"" },
		{ 41, "d.csv: refused: 30 malformed lines (the first 20 shown), nothing of this "
		      "file is used" },
		{ 42, "r.txt:1: \"10.0.0\" is not an IPv4 or IPv6 address" },
		{ 46, "r.txt:5: \"10.0.4\" is not an IPv4 or IPv6 address" },
		{ 47, "r.txt: refused: 30 malformed lines (the first 20 shown), nothing of this "
		      "file is used" },
	};
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	for (int i = 0; i < 30; i++) {
		snprintf(pfx + strlen(pfx), sizeof(pfx) - strlen(pfx), "10.0.0.%d\t24\t1\n", i);
		snprintf(csv + strlen(csv), sizeof(csv) - strlen(csv), "h%d.example,fixed,\n", i);
		snprintf(ptr + strlen(ptr), sizeof(ptr) - strlen(ptr), "10.0.%d dyn.example\n", i);
	}
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "dyn", false, "t", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_pfx2as(e, "p.txt", pfx, strlen(pfx), &diag), FA_EPARSE);
	assert_int_equal(fa_enrich_add_declarations_csv(e, "d.csv", csv, strlen(csv), &diag),
			 FA_EPARSE);
	assert_int_equal(fa_enrich_add_ptr(e, "r.txt", ptr, strlen(ptr), &diag), FA_EPARSE);

	/* Lines may take 47 places: r.txt shows 5 of its 20, the other 15
	 * are counted as dropped, and its refusal still comes. */
	assert_int_equal(diag.count, 48);
	assert_int_equal(diag.dropped, 15);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(diag.msgs[want[i].at], want[i].msg);
	}
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);
}

/*
 * Five prefix lists of 25 bad lines each: the line messages stop where
 * they would leave no room for the refusals, and every file is named.
 */
static void test_five_bad_tables(void **state)
{
	char text[2048] = "";
	struct fa_enrich *e = fresh();
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	for (int i = 0; i < 25; i++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "10.0.%d/8 dsl\n", i);
	}
	for (int f = 0; f < 5; f++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d.txt", f);
		assert_int_equal(fa_enrich_add_prefixes(e, name, text, strlen(text), &diag),
				 FA_EPARSE);
	}
	/* 20 + 1 + 20 + 1 + 5 messages fill the 47 places lines may take
	 * (the other 15 lines of c2 and the first 20 of c3 and c4 are
	 * counted as dropped); the refusals of c2, c3 and c4 follow. */
	assert_int_equal(diag.count, 50);
	assert_int_equal(diag.dropped, 15 + 20 + 20);
	for (int f = 0; f < 5; f++) {
		char want[160];
		snprintf(want, sizeof(want), "c%d.txt: refused: 25 malformed lines (the first 20 "
			 "shown), nothing of this file is used", f);
		size_t at = f == 0 ? 20 : f == 1 ? 41 : (size_t)(47 + f - 2);
		assert_string_equal(diag.msgs[at], want);
	}
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);
}

static void test_mmdb_bad_languages(void **state)
{
	char path[1024], err[1200], want[1400], detail[256];
	size_t with_asn = 7;
	(void)state;

	snprintf(path, sizeof(path), "%s/enrich/bad-languages.mmdb", FA_TEST_DATA);
	assert_int_equal(fa_enrich_mmdb_check(path, &with_asn, detail, sizeof(detail), err,
					      sizeof(err)), FA_EPARSE);
	snprintf(want, sizeof(want), "\"%s\" is not a usable MaxMind DB: metadata: languages is "
		 "not an array of strings", path);
	assert_string_equal(err, want);
	assert_int_equal(with_asn, 0);
}

static void test_addr_parse(void **state)
{
	struct fa_enrich_addr a;
	(void)state;
	assert_int_equal(fa_enrich_addr_parse("::ffff:192.0.2.1", &a), FA_OK);
	assert_int_equal(a.family, 4);
	assert_memory_equal(a.b, "\xc0\x00\x02\x01", 4);
	assert_int_equal(fa_enrich_addr_parse("::192.0.2.1", &a), FA_OK);
	assert_int_equal(a.family, 6);
	assert_int_equal(fa_enrich_addr_parse("192.0.2", &a), FA_EINVAL);
	assert_int_equal(fa_enrich_addr_parse("192.0.2.1/32", &a), FA_EINVAL);
	assert_int_equal(fa_enrich_addr_parse("ns1.example", &a), FA_EINVAL);
	assert_int_equal(fa_enrich_addr_parse("", &a), FA_EINVAL);
}

/* ---- the configuration file ---- */

static void test_config(void **state)
{
	char conf[256], path[256];
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	tu_puts("p.txt", "1.0.0.0\t24\t13335\n");
	tu_puts("c.txt", "192.0.2.0/24 isp-dsl\n");
	tu_puts("d.csv", "name,declaration,note\nns9.example.net,static,from csv\n");
	tu_puts("conf.yaml",
	    "# test\n"
	    "asn:\n"
	    "  pfx2as: [p.txt]\n"
	    "  prefer: pfx2as\n"
	    "consumer_prefixes: c.txt\n"
	    "allowlist:\n"
	    "  - {provider: Cloudflare, ns_suffix: ns.cloudflare.com}\n"
	    "  - provider: Amazon Route 53\n"
	    "    ns_suffix: [awsdns-00.com, awsdns-01.net]\n"
	    "  - {provider: Akamai, asn: [20940, 16625]}\n"
	    "declarations:\n"
	    "  file: d.csv\n"
	    "  static: [ns1.example.net]\n"
	    "  dynamic: dyn.example.org\n");
	snprintf(conf, sizeof(conf), "%s/conf.yaml", tu_dir);
	assert_int_equal(fa_enrich_load(&e, conf, &diag), FA_OK);
	assert_int_equal(diag.count, 0);

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 5);
	snprintf(path, sizeof(path), "%s/p.txt", tu_dir);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_PFX2AS);
	assert_string_equal(src[0].path, path);
	assert_int_equal(src[0].entries, 1);
	assert_int_equal(src[1].kind, FA_ENRICH_KIND_PREFIXES);
	assert_int_equal(src[2].kind, FA_ENRICH_KIND_ALLOWLIST);
	assert_string_equal(src[2].path, conf);
	assert_int_equal(src[2].entries, 5);
	assert_int_equal(src[3].kind, FA_ENRICH_KIND_DECLARATIONS);
	assert_string_equal(src[3].path, conf);
	assert_int_equal(src[3].entries, 2);
	assert_int_equal(src[4].kind, FA_ENRICH_KIND_DECLARATIONS);
	assert_int_equal(src[4].entries, 1);

	const char *file;
	assert_int_equal(asn_of(e, "1.0.0.9", NULL, &file), 13335);
	assert_string_equal(file, path);
	provider_is(e, "ns-7.awsdns-01.net", 0, "Amazon Route 53", FA_ENRICH_MATCH_SUFFIX,
		    "awsdns-01.net");
	provider_is(e, NULL, 16625, "Akamai", FA_ENRICH_MATCH_ASN, NULL);
	char origin[300];
	snprintf(origin, sizeof(origin), "%s:13:12", conf);
	decl_is(e, "ns1.example.net", FA_ENRICH_DECL_STATIC, "ns1.example.net", "", origin);
	snprintf(origin, sizeof(origin), "%s:14:12", conf);
	decl_is(e, "a.dyn.example.org", FA_ENRICH_DECL_DYNAMIC, "dyn.example.org", "", origin);
	snprintf(origin, sizeof(origin), "%s/d.csv:2", tu_dir);
	decl_is(e, "ns9.example.net", FA_ENRICH_DECL_STATIC, "ns9.example.net", "from csv",
		origin);
	fa_enrich_free(e);
}

/* Registrars declared high-change: lookup, notes, duplicates, errors. */
static void test_high_change_registrars(void **state)
{
	static const char yaml[] =
		"high_change_registrars:\n"
		"  - {registrar: parkco, note: parks expiring domains}\n"
		"  - {registrar: dnsresell}\n"
		"  - {registrar: parkco, note: said again}\n";
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	struct fa_enrich_registrar r;

	assert_int_equal(fa_enrich_load_buffer(&e, "x.yaml", yaml, strlen(yaml), tu_dir, &diag),
			 FA_OK);
	assert_int_equal(diag.count, 0);
	assert_true(fa_enrich_high_change(e, "parkco", &r));
	assert_string_equal(r.id, "parkco");
	assert_string_equal(r.note, "parks expiring domains");
	assert_string_equal(r.origin, "x.yaml:2:17");
	assert_true(fa_enrich_high_change(e, "dnsresell", &r));
	assert_string_equal(r.note, "");
	/* Ids are compared exactly, as EPP clIDs are. */
	assert_false(fa_enrich_high_change(e, "ParkCo", &r));
	assert_false(fa_enrich_high_change(e, "other", NULL));
	assert_false(fa_enrich_high_change(e, NULL, NULL));

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_REGISTRARS);
	assert_string_equal(src[0].path, "x.yaml");
	assert_int_equal(src[0].entries, 2);
	assert_int_equal(src[0].shadowed, 1);
	fa_enrich_free(e);

	static const char *const w[] = {
		"x.yaml:2:5: high_change_registrars entry has no registrar",
		"x.yaml:3:17: invalid registrar id \"=cmd\": starts with '=', '+', '-' or '@'",
		"x.yaml:4:22: unknown key \"reason\" in a high_change_registrars entry "
		"(expected one of: registrar, note)",
		"x.yaml:5:17: registrar must be a non-empty string",
		"x.yaml: configuration refused (4 errors), nothing of it is used",
	};
	tu_config_fails("high_change_registrars:\n"
		     "  - {note: x}\n"
		     "  - {registrar: \"=cmd\"}\n"
		     "  - {registrar: ab1, reason: x}\n"
		     "  - {registrar: [a, b]}\n", w, 5);

	static const char *const w2[] = {
		"x.yaml:1:25: high_change_registrars must be a list of {registrar, note} "
		"entries",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("high_change_registrars: parkco\n", w2, 2);
}

#define MANY_REGS 50000

/* One declaration through the API; origin "FILE:N". */
static void declare(struct fa_enrich *e, unsigned id, const char *file, unsigned n)
{
	char reg[16], note[32], origin[32];
	snprintf(reg, sizeof(reg), "r%05u", id);
	snprintf(note, sizeof(note), "%s %u", file, n);
	snprintf(origin, sizeof(origin), "%s:%u", file, n);
	assert_int_equal(fa_enrich_add_high_change(e, reg, note, file, origin, NULL), FA_OK);
}

/*
 * 50,000 registrars in scattered order (once quadratic to load), then
 * 10,000 of them again in the same file, then a second file with 5,000
 * repeats and 5,000 new ones: exact counts per source, and every id
 * answers with its first declaration.
 */
static void test_high_change_many(void **state)
{
	struct fa_enrich *e = fresh();
	struct fa_enrich_registrar r;
	char reg[16], want[32];
	unsigned n = 0;
	(void)state;

	/* 7919 is prime, so i * 7919 mod 50000 visits every id once. */
	for (unsigned i = 0; i < MANY_REGS; i++) {
		declare(e, (unsigned)((i * 7919ULL) % MANY_REGS), "a.yaml", ++n);
	}
	for (unsigned i = 0; i < 10000; i++) {
		declare(e, i * 5, "a.yaml", ++n);
	}
	for (unsigned i = 0; i < 5000; i++) {
		declare(e, i * 10 + 1, "b.yaml", ++n);
		declare(e, MANY_REGS + i, "b.yaml", ++n);
	}
	/* Lookups answer only on a finished set. */
	assert_false(fa_enrich_high_change(e, "r00000", NULL));
	tu_finish(e);

	size_t nsrc;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &nsrc);
	assert_int_equal(nsrc, 2);
	assert_string_equal(src[0].path, "a.yaml");
	assert_int_equal(src[0].entries, 50000);
	assert_int_equal(src[0].shadowed, 10000);
	assert_string_equal(src[1].path, "b.yaml");
	assert_int_equal(src[1].entries, 5000);
	assert_int_equal(src[1].shadowed, 5000);

	for (unsigned id = 0; id < MANY_REGS + 5000; id++) {
		snprintf(reg, sizeof(reg), "r%05u", id);
		assert_true(fa_enrich_high_change(e, reg, &r));
		assert_string_equal(r.id, reg);
		if (id < MANY_REGS) {
			/* The position of id in the scattered order: 7919 * 17679
			 * = 1 mod 50000. */
			unsigned at = (unsigned)((id * 17679ULL) % MANY_REGS) + 1;
			snprintf(want, sizeof(want), "a.yaml:%u", at);
		} else {
			snprintf(want, sizeof(want), "b.yaml:%u",
				 60000 + 2 * (id - MANY_REGS) + 2);
		}
		assert_string_equal(r.origin, want);
		*strchr(want, ':') = ' ';
		assert_string_equal(r.note, want);
	}
	assert_false(fa_enrich_high_change(e, "r55000", NULL));
	assert_false(fa_enrich_high_change(e, "r0000", NULL));
	assert_false(fa_enrich_high_change(e, "r000000", NULL));
	assert_false(fa_enrich_high_change(e, "q00000", NULL));
	fa_enrich_free(e);
}

static void test_config_errors(void **state)
{
	char msg[512];
	(void)state;

	static const char *const w1[] = {
		"x.yaml:3:1: unknown key \"extra\" in the enrichment configuration (expected one "
		"of: asn, consumer_prefixes, allowlist, declarations, high_change_registrars, "
		"consumer_ptr)",
		"x.yaml:2:3: unknown key \"mmbd\" in asn (expected one of: mmdb, pfx2as, prefer)",
		"x.yaml: configuration refused (2 errors), nothing of it is used",
	};
	tu_config_fails("asn:\n  mmbd: [a.mmdb]\nextra: 1\n", w1, 3);

	static const char *const w2[] = {
		"x.yaml:1:27: prefer must be \"mmdb\" or \"pfx2as\"",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("asn: {pfx2as: [], prefer: routeviews}\n", w2, 2);

	static const char *const w3[] = {
		"x.yaml:2:5: allowlist entry has no provider",
		"x.yaml:3:5: allowlist entry for \"X\" has neither ns_suffix nor asn",
		"x.yaml:4:33: asn \"AS13335\" is not a number from 1 to 4294967295",
		"x.yaml:5:33: asn \"1\" is not a number from 1 to 4294967295",
		"x.yaml:6:19: unknown key \"ns\" in an allowlist entry (expected one of: "
		"provider, ns_suffix, asn)",
		"x.yaml:6:5: allowlist entry for \"Y\" has neither ns_suffix nor asn",
		"x.yaml: configuration refused (6 errors), nothing of it is used",
	};
	tu_config_fails("allowlist:\n"
		     "  - {ns_suffix: a.example}\n"
		     "  - {provider: X}\n"
		     "  - {provider: Cloudflare, asn: AS13335}\n"
		     "  - {provider: Cloudflare, asn: \"1\"}\n"
		     "  - {provider: Y, ns: a.example}\n", w3, 7);

	snprintf(msg, sizeof(msg), "x.yaml:1:21: could not open \"%s/missing.txt\": No such "
		 "file or directory", tu_dir);
	const char *w4[] = {
		msg, "x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("consumer_prefixes: [missing.txt]\n", w4, 2);

	static const char *const w5[] = {
		"x.yaml:1:1: could not parse YAML: did not find expected node content",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("]\n", w5, 2);

	/* Not UTF-8: libyaml's reader gives a byte offset; reported as the
	 * line and column (in characters) of the byte, not 1:1. */
	static const char *const w5b[] = {
		"x.yaml:3:19: could not parse YAML: invalid leading UTF-8 octet (0xff)",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("high_change_registrars:\n"
		     "  - {registrar: r\xc3\xa9g, note: \xe2\x82\xac}\n"
		     "  - {registrar: \xc3\xa9\xe2\x82\xac\xff}\n", w5b, 2);
	static const char *const w5c[] = {
		"x.yaml:3:4: could not parse YAML: control characters are not allowed (0x1b)",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("\xef\xbb\xbf" "allowlist: []\r\n\r\n# a\x1b[0m\n", w5c, 2);

	static const char *const w6[] = {
		"x.yaml:3:1: the configuration is one YAML document; found a second one",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("allowlist: []\n---\nasn: {}\n", w6, 2);

	static const char *const w7[] = {
		"x.yaml:1:49: YAML aliases are not accepted here",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("declarations: {static: &a [x.example], dynamic: *a}\n", w7, 2);

	static const char *const w8[] = {
		"x.yaml:1:28: key \"static\" is given twice in declarations",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("declarations: {static: [], static: []}\n", w8, 2);

	/* a refused file names the file and line, then the refusal */
	tu_puts("bad.yaml", "1.0.0.0 24 x\n");
	snprintf(msg, sizeof(msg), "%s/bad.yaml:1: AS \"x\" is not a number from 1 to 4294967295",
		 tu_dir);
	char msg2[512];
	snprintf(msg2, sizeof(msg2), "%s/bad.yaml: refused: 1 malformed line, nothing of this "
		 "file is used", tu_dir);
	const char *w9[] = { msg, msg2,
			     "x.yaml: configuration refused (1 error), nothing of it is used" };
	tu_config_fails("asn: {pfx2as: bad.yaml}\n", w9, 3);

	char deep[64] = "a: ";
	for (int i = 0; i < 20; i++) {
		strcat(deep, "[");
	}
	static const char *const w10[] = {
		"x.yaml:1:19: nesting deeper than 16 levels",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails(deep, w10, 2);
}

/* A configuration of n high_change_registrars entries, each refused. */
static char *bad_registrars(unsigned n)
{
	size_t cap = 32 + (size_t)n * 32, len;
	char *yaml = malloc(cap);
	assert_non_null(yaml);
	len = (size_t)snprintf(yaml, cap, "high_change_registrars:\n");
	for (unsigned i = 0; i < n; i++) {
		len += (size_t)snprintf(yaml + len, cap - len, "  - {registrar: \"=r%u\"}\n", i);
	}
	assert_true(len < cap);
	return yaml;
}

/*
 * More errors than the diagnostics hold: the first ones are kept, the
 * rest counted as dropped, and the refusal (with the full count) is still
 * the last message, in the slot kept for it.
 */
static void test_config_many_errors(void **state)
{
	static const struct {
		unsigned errors;
		size_t count, dropped;
	} cases[] = {
		{ 62, 63, 0 }, { 63, 64, 0 }, { 64, 64, 1 }, { 100, 64, 37 },
	};
	char want[128];
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *yaml = bad_registrars(cases[c].errors);
		struct fa_enrich *e = (struct fa_enrich *)1;
		struct fa_enrich_diag diag = { 0 };

		assert_int_equal(fa_enrich_load_buffer(&e, "x.yaml", yaml, strlen(yaml), tu_dir,
						       &diag), FA_EPARSE);
		assert_null(e);
		assert_int_equal(diag.count, cases[c].count);
		assert_int_equal(diag.dropped, cases[c].dropped);
		for (size_t i = 0; i + 1 < diag.count; i++) {
			snprintf(want, sizeof(want), "x.yaml:%zu:17: invalid registrar id "
				 "\"=r%zu\": starts with '=', '+', '-' or '@'", i + 2, i);
			assert_string_equal(diag.msgs[i], want);
		}
		snprintf(want, sizeof(want), "x.yaml: configuration refused (%u errors), "
			 "nothing of it is used", cases[c].errors);
		assert_string_equal(diag.msgs[diag.count - 1], want);
		fa_enrich_diag_clear(&diag);
		free(yaml);
	}
}

static void test_config_empty(void **state)
{
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	size_t n;
	(void)state;
	assert_int_equal(fa_enrich_load_buffer(&e, "x.yaml", "# nothing\n", 10, ".", &diag), FA_OK);
	assert_non_null(e);
	fa_enrich_sources(e, &n);
	assert_int_equal(n, 0);
	assert_int_equal(asn_of(e, "192.0.2.1", NULL, NULL), 0);
	fa_enrich_free(e);
}

/* An empty list configures nothing, as the missing key: accepted where
 * the key is optional, an error where something is required. */
static void test_config_empty_lists(void **state)
{
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	size_t n;
	(void)state;

	const char *ok = "asn: {mmdb: [], pfx2as: []}\n"
			 "consumer_prefixes: []\n"
			 "allowlist: [{provider: X, ns_suffix: [], asn: [13335]}]\n"
			 "declarations: {file: [], static: [], dynamic: []}\n"
			 "high_change_registrars: []\n";
	assert_int_equal(fa_enrich_load_buffer(&e, "x.yaml", ok, strlen(ok), tu_dir, &diag),
			 FA_OK);
	assert_int_equal(diag.count, 0);
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_ALLOWLIST);
	assert_int_equal(src[0].entries, 1);
	fa_enrich_free(e);

	static const char *const w1[] = {
		"x.yaml:2:5: allowlist entry for \"X\" has neither ns_suffix nor asn",
		"x.yaml:3:5: allowlist entry for \"Y\" has neither ns_suffix nor asn",
		"x.yaml: configuration refused (2 errors), nothing of it is used",
	};
	tu_config_fails("allowlist:\n"
			"  - {provider: X, ns_suffix: []}\n"
			"  - {provider: Y, ns_suffix: [], asn: []}\n", w1, 3);
}

/* An error an add call counts without explaining it still gets a message
 * at its position: here the source limit (65535 files in one set). */
static void test_config_error_explained(void **state)
{
	(void)state;
	tu_puts("c.txt", "192.0.2.0/24 x\n");

	size_t len = strlen("consumer_prefixes: [") + 65536 * strlen("c.txt, ") + 2;
	char *yaml = malloc(len + 1);
	assert_non_null(yaml);
	strcpy(yaml, "consumer_prefixes: [");
	char *p = yaml + strlen(yaml);
	for (int i = 0; i < 65536; i++) {
		memcpy(p, i == 0 ? "c.txt" : ", c.txt", i == 0 ? 5 : 7);
		p += i == 0 ? 5 : 7;
	}
	strcpy(p, "]\n");

	/* The 65536th entry starts at column 21 + 65535 * 7. */
	static const char *const want[] = {
		"x.yaml:1:458766: \"c.txt\" not used: size limit exceeded",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails(yaml, want, 2);
	free(yaml);
}

/* The shipped example loads, with the providers it names. */
static void test_shipped_example(void **state)
{
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	size_t n;
	(void)state;
	int rc = fa_enrich_load(&e, FA_SOURCE_DIR "/policies/enrich/enrichment.yaml", &diag);
	if (rc != FA_OK) {
		fail_msg("%s", diag.count > 0 ? diag.msgs[0] : fa_strerror(rc));
	}
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_ALLOWLIST);
	provider_is(e, "kate.ns.cloudflare.com", 0, "Cloudflare", FA_ENRICH_MATCH_SUFFIX,
		    "ns.cloudflare.com");
	provider_is(e, "ns-1536.awsdns-00.co.uk", 0, "Amazon Route 53", FA_ENRICH_MATCH_SUFFIX,
		    "awsdns-00.co.uk");
	provider_is(e, "ns1-01.azure-dns.com", 0, "Microsoft Azure DNS", FA_ENRICH_MATCH_SUFFIX,
		    "azure-dns.com");
	provider_is(e, "ns-cloud-a1.googledomains.com", 0, "Google Cloud DNS",
		    FA_ENRICH_MATCH_SUFFIX, "googledomains.com");
	provider_is(e, "dns1.p01.nsone.net", 0, "NS1", FA_ENRICH_MATCH_SUFFIX, "nsone.net");
	provider_is(e, "pdns1.ultradns.net", 0, "UltraDNS", FA_ENRICH_MATCH_SUFFIX,
		    "ultradns.net");
	provider_is(e, "a1-64.akam.net", 0, "Akamai", FA_ENRICH_MATCH_SUFFIX, "akam.net");
	provider_is(e, "ns01.domaincontrol.com", 0, "GoDaddy", FA_ENRICH_MATCH_SUFFIX,
		    "domaincontrol.com");
	provider_is(e, "ns1.attacker.example", 0, NULL, FA_ENRICH_MATCH_NONE, NULL);
	fa_enrich_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pfx2as_lookup),
		cmocka_unit_test(test_pfx2as_errors),
		cmocka_unit_test(test_pfx2as_limits),
		cmocka_unit_test(test_pfx2as_duplicates),
		cmocka_unit_test(test_consumer),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_declarations_errors),
		cmocka_unit_test(test_tables_many_bad_lines),
		cmocka_unit_test(test_five_bad_tables),
		cmocka_unit_test(test_mmdb_bad_languages),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_high_change_registrars),
		cmocka_unit_test(test_high_change_many),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_many_errors),
		cmocka_unit_test(test_config_empty),
		cmocka_unit_test(test_config_empty_lists),
		cmocka_unit_test(test_config_error_explained),
		cmocka_unit_test(test_shipped_example),
	};
	return cmocka_run_group_tests(tests, tu_setup_dir, tu_teardown_dir);
}
