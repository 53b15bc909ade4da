/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consumer space by PTR names: classification of hand-made tables
 * (patterns, exclusions, the embedded-address requirement, several names
 * per address, IPv6), malformed lines and refused patterns with their
 * exact messages, precedence of listed prefixes, the configuration key
 * and the file reader, with exact values.
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

/* The generic tokens of the brief's example, plus hsd (cable). */
#define TOKENS "(^|[.-])(dyn|dynamic|dhcp|pool|dsl|adsl|cable|ppp|dialup|broadband|cust|" \
	"customer|res|cpe|hsd)([0-9]*)([.-]|$)"
#define MAILISH "(^|[.-])(mail|mx|smtp|ns[0-9]*)([.-]|$)"

/* A set with the given patterns (exclude may be NULL). */
static struct fa_enrich *with_patterns(const char *include, const char *exclude, bool embedded)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag diag = { 0 };
	assert_non_null(e);
	assert_int_equal(fa_enrich_add_ptr_pattern(e, include, false, "t", &diag), FA_OK);
	if (exclude != NULL) {
		assert_int_equal(fa_enrich_add_ptr_pattern(e, exclude, true, "t", &diag), FA_OK);
	}
	fa_enrich_set_ptr_embedded(e, embedded);
	assert_int_equal(diag.count, 0);
	return e;
}

static void add_ok(struct fa_enrich *e, const char *name, const char *text)
{
	struct fa_enrich_diag diag = { 0 };
	int rc = fa_enrich_add_ptr(e, name, text, strlen(text), &diag);
	if (rc != FA_OK) {
		fail_msg("add %s: %s", name, diag.count ? diag.msgs[0] : fa_strerror(rc));
	}
	assert_int_equal(diag.count, 0);
}

/* Classified by PTR with this name, table line and prefix length. */
static void ptr_is(const struct fa_enrich *e, const char *addr, const char *name,
		   unsigned line, unsigned plen)
{
	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	assert_int_equal(fa_enrich_addr_parse(addr, &a), FA_OK);
	if (!fa_enrich_consumer(e, &a, &c)) {
		fail_msg("%s: not classified (want %s)", addr, name);
	}
	assert_int_equal(c.by, FA_ENRICH_BY_PTR);
	assert_string_equal(c.ptr, name);
	assert_int_equal(c.line, line);
	assert_int_equal(c.prefix_len, plen);
	assert_string_equal(c.label, "");
}

static void not_consumer(const struct fa_enrich *e, const char *addr)
{
	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	assert_int_equal(fa_enrich_addr_parse(addr, &a), FA_OK);
	if (fa_enrich_consumer(e, &a, &c)) {
		fail_msg("%s: classified by %s (line %u)", addr, c.ptr ? c.ptr : c.label, c.line);
	}
	assert_int_equal(c.by, FA_ENRICH_BY_NONE);
	assert_null(c.ptr);
}

static void test_patterns(void **state)
{
	static const char table[] =
		"# address name\n"
		"192.0.2.1 dyn-1.example.net\n"			/* 2 */
		"192.0.2.2\tDHCP.Example.NET.\n"		/* 3: case, dot */
		"192.0.2.3 pool17.example.net\n"		/* 4 */
		"192.0.2.4 x.adsl.example.net\n"		/* 5 */
		"192.0.2.5 cable\n"				/* 6 */
		"192.0.2.6 ppp-host.example.net  # comment\n"	/* 7 */
		"192.0.2.7 www.example.net\n"			/* 8 */
		"192.0.2.8 dynamo.example.net\n"		/* 9: not a token */
		"192.0.2.9 xdsl.example.net\n"			/* 10 */
		"192.0.2.10 mail.dyn.example.net\n"		/* 11: excluded */
		"192.0.2.11 ns2.pool.example.net\n"		/* 12: excluded */
		"192.0.2.12 mailer.dyn.example.net\n"		/* 13 */
		"\n"
		"192.0.2.13 res_1.example.net\r\n"		/* 15 */
		"::ffff:192.0.2.14 cust9.example.net\n";	/* 16: mapped */
	struct fa_enrich *e = with_patterns(TOKENS, MAILISH, false);
	(void)state;

	add_ok(e, "p.txt", table);
	tu_finish(e);
	ptr_is(e, "192.0.2.1", "dyn-1.example.net", 2, 24);
	ptr_is(e, "192.0.2.2", "dhcp.example.net", 3, 24);
	ptr_is(e, "192.0.2.3", "pool17.example.net", 4, 24);
	ptr_is(e, "192.0.2.4", "x.adsl.example.net", 5, 24);
	ptr_is(e, "192.0.2.5", "cable", 6, 24);
	ptr_is(e, "192.0.2.6", "ppp-host.example.net", 7, 24);
	not_consumer(e, "192.0.2.7");
	not_consumer(e, "192.0.2.8");
	not_consumer(e, "192.0.2.9");
	not_consumer(e, "192.0.2.10");
	not_consumer(e, "192.0.2.11");
	ptr_is(e, "192.0.2.12", "mailer.dyn.example.net", 13, 24);
	not_consumer(e, "192.0.2.13");	/* "res_1": '_' is not a separator */
	ptr_is(e, "192.0.2.14", "cust9.example.net", 16, 24);
	not_consumer(e, "192.0.2.15");

	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	assert_int_equal(fa_enrich_addr_parse("192.0.2.1", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.pattern, TOKENS);
	assert_string_equal(c.file, "p.txt");
	assert_string_equal(fa_enrich_consumer_by_name(c.by), "ptr");

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(src[0].kind, FA_ENRICH_KIND_PTR);
	/* 14 names (a comment, a blank line); 10 match a token, of which
	 * mail.dyn and ns2.pool are excluded */
	assert_int_equal(src[0].entries, 8);
	assert_int_equal(src[0].v4, 8);
	assert_int_equal(src[0].v6, 0);
	assert_string_equal(src[0].detail, "16 lines, 14 names, 10 matched, 2 excluded");

	/* 8 entries of 28 bytes and their names with the NULs */
	struct fa_enrich_stats st;
	fa_enrich_stats(e, &st);
	assert_int_equal(st.ptr_addrs4, 8);
	assert_int_equal(st.ptr_addrs6, 0);
	size_t names = strlen("dyn-1.example.net") + strlen("dhcp.example.net") +
		       strlen("pool17.example.net") + strlen("x.adsl.example.net") +
		       strlen("cable") + strlen("ppp-host.example.net") +
		       strlen("mailer.dyn.example.net") + strlen("cust9.example.net") + 8;
	assert_int_equal(st.ptr_bytes, 8 * 28 + names);
	fa_enrich_free(e);
}

static void test_embedded(void **state)
{
	static const char table[] =
		"198.51.100.7 dyn-198-51-100-7.example.net\n"		/* 1: in order */
		"198.51.100.8 8.100.51.198.dyn.example.net\n"		/* 2: reversed */
		"198.51.100.9 dyn-198_051_100_009.example.net\n"	/* 3: padded, '_' */
		"198.51.100.10 dyn-c63364a.example.net\n"		/* 4: 7 hex digits */
		"198.51.100.11 dyn-xC633640B.example.net\n"		/* 5: hex, no boundary */
		"198.51.100.12 dyn-198-51-100-13.example.net\n"		/* 6: another host */
		"198.51.100.14 dyn-198-51-100-140.example.net\n"	/* 7: digit after */
		"198.51.100.15 dyn-1198-51-100-15.example.net\n"	/* 8: digit before */
		"198.51.100.16 dyn.example.net\n"			/* 9: none */
		"198.51.100.17 dyn-198.51-100_17.example.net\n"		/* 10: mixed */
		"198.51.100.18 dyn-198-51-100.example.net\n"		/* 11: three octets */
		"198.51.100.19 dyn-19-100-51-198-1.example.net\n"	/* 12: reversed */
		"198.51.100.20 dyn-c6336415.example.net\n"		/* 13: hex of .21 */
		"2001:db8::5 dyn-2001-db8-0-0-0-0-0-5.example.net\n"	/* 14: groups */
		"2001:db8::6 dyn.20010db8000000000000000000000006.example.net\n" /* 15: nibbles */
		"2001:db8::7 dyn-2001-0db8-0000-0000-0000-0000-0000-0007.example.net\n" /* 16 */
		"2001:db8::8 dyn-2001-db8--8.example.net\n"		/* 17: "::" not read */
		"2001:db8::9 dyn-2001-db8-0-0-0-0-0-a.example.net\n"	/* 18: another host */
		"2001:db8::a dyn-2001-db8-0-0-0-0-0-a0.example.net\n"	/* 19: hex after */
		"2001:db8:0:1::b dyn.example.net\n";			/* 20: none */
	struct fa_enrich *e = with_patterns(TOKENS, NULL, true);
	(void)state;

	add_ok(e, "e.txt", table);
	tu_finish(e);
	ptr_is(e, "198.51.100.7", "dyn-198-51-100-7.example.net", 1, 24);
	ptr_is(e, "198.51.100.8", "8.100.51.198.dyn.example.net", 2, 24);
	ptr_is(e, "198.51.100.9", "dyn-198_051_100_009.example.net", 3, 24);
	not_consumer(e, "198.51.100.10");
	ptr_is(e, "198.51.100.11", "dyn-xc633640b.example.net", 5, 24);
	not_consumer(e, "198.51.100.12");
	not_consumer(e, "198.51.100.13");
	not_consumer(e, "198.51.100.14");
	not_consumer(e, "198.51.100.15");
	not_consumer(e, "198.51.100.16");
	ptr_is(e, "198.51.100.17", "dyn-198.51-100_17.example.net", 10, 24);
	not_consumer(e, "198.51.100.18");
	ptr_is(e, "198.51.100.19", "dyn-19-100-51-198-1.example.net", 12, 24);
	not_consumer(e, "198.51.100.20");
	ptr_is(e, "2001:db8::5", "dyn-2001-db8-0-0-0-0-0-5.example.net", 14, 64);
	ptr_is(e, "2001:db8::6", "dyn.20010db8000000000000000000000006.example.net", 15, 64);
	ptr_is(e, "2001:db8::7", "dyn-2001-0db8-0000-0000-0000-0000-0000-0007.example.net", 16,
	       64);
	not_consumer(e, "2001:db8::8");
	not_consumer(e, "2001:db8::9");
	not_consumer(e, "2001:db8::a");
	not_consumer(e, "2001:db8:0:1::b");

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(src[0].entries, 9);
	assert_int_equal(src[0].v4, 6);
	assert_int_equal(src[0].v6, 3);
	assert_string_equal(src[0].detail,
			    "20 lines, 20 names, 20 matched, 0 excluded, 11 without their address");
	fa_enrich_free(e);

	/* One of each count is singular (the line counts the comment too). */
	e = with_patterns(TOKENS, NULL, true);
	add_ok(e, "one.txt", "# one\n198.51.100.7 dyn-198-51-100-8.example.net\n");
	tu_finish(e);
	not_consumer(e, "198.51.100.7");
	src = fa_enrich_sources(e, &n);
	assert_string_equal(src[0].detail,
			    "2 lines, 1 name, 1 matched, 0 excluded, 1 without its address");
	fa_enrich_free(e);
	e = with_patterns(TOKENS, NULL, true);
	add_ok(e, "one.txt", "198.51.100.7 dyn-198-51-100-7.example.net\n");
	tu_finish(e);
	src = fa_enrich_sources(e, &n);
	assert_string_equal(src[0].detail,
			    "1 line, 1 name, 1 matched, 0 excluded, 0 without their address");
	fa_enrich_free(e);

	/* The same table without the requirement: every name counts. */
	e = with_patterns(TOKENS, NULL, false);
	add_ok(e, "e.txt", table);
	tu_finish(e);
	ptr_is(e, "198.51.100.12", "dyn-198-51-100-13.example.net", 6, 24);
	ptr_is(e, "2001:db8:0:1::b", "dyn.example.net", 20, 64);
	src = fa_enrich_sources(e, &n);
	assert_int_equal(src[0].entries, 20);
	assert_string_equal(src[0].detail, "20 lines, 20 names, 20 matched, 0 excluded");
	fa_enrich_free(e);
}

static void test_several_names(void **state)
{
	static const char one[] =
		"203.0.113.5 www.example.com\n"		/* 1: no match */
		"203.0.113.5 dsl-5.example.com\n"	/* 2: the first that matches */
		"203.0.113.5 pool-5.example.com\n"	/* 3 */
		"203.0.113.6 mail.dsl.example.com\n"	/* 4: excluded */
		"203.0.113.6 dsl-6.example.com\n"	/* 5 */
		"203.0.113.7 dsl-7.example.com\n";	/* 6 */
	static const char two[] =
		"203.0.113.7 pool-7.example.com\n"	/* shadowed by one:6 */
		"203.0.113.7 dyn-7.example.com\n"	/* the same address again */
		"203.0.113.8 pool-8.example.com\n"
		"203.0.113.5 www.example.com\n";	/* no match, not shadowed */
	struct fa_enrich *e = with_patterns(TOKENS, MAILISH, false);
	(void)state;

	add_ok(e, "one.txt", one);
	add_ok(e, "two.txt", two);
	tu_finish(e);
	ptr_is(e, "203.0.113.5", "dsl-5.example.com", 2, 24);
	ptr_is(e, "203.0.113.6", "dsl-6.example.com", 5, 24);
	ptr_is(e, "203.0.113.7", "dsl-7.example.com", 6, 24);
	ptr_is(e, "203.0.113.8", "pool-8.example.com", 3, 24);

	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	assert_int_equal(fa_enrich_addr_parse("203.0.113.8", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_string_equal(c.file, "two.txt");

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 2);
	assert_int_equal(src[0].entries, 3);
	assert_int_equal(src[0].shadowed, 0);
	assert_int_equal(src[1].entries, 1);
	assert_int_equal(src[1].shadowed, 1);
	assert_string_equal(src[1].detail, "4 lines, 4 names, 3 matched, 0 excluded");

	/* 4 entries of 28 bytes; names with their NULs */
	struct fa_enrich_stats st;
	fa_enrich_stats(e, &st);
	assert_int_equal(st.ptr_addrs4, 4);
	assert_int_equal(st.ptr_bytes,
			 4 * 28 + (strlen("dsl-5.example.com") + 1) +
				 (strlen("pool-5.example.com") + 1) +
				 (strlen("dsl-6.example.com") + 1) +
				 (strlen("dsl-7.example.com") + 1) +
				 (strlen("pool-7.example.com") + 1) +
				 (strlen("dyn-7.example.com") + 1) +
				 (strlen("pool-8.example.com") + 1));
	fa_enrich_free(e);
}

static void test_precedence(void **state)
{
	static const char prefixes[] = "192.0.2.0/25 isp-dsl\n";
	static const char table[] =
		"192.0.2.1 dyn-1.example.net\n"
		"192.0.2.200 dyn-200.example.net\n";
	struct fa_enrich *e = with_patterns(TOKENS, NULL, false);
	struct fa_enrich_diag diag = { 0 };
	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	(void)state;

	add_ok(e, "p.txt", table);
	assert_int_equal(fa_enrich_add_prefixes(e, "c.txt", prefixes, strlen(prefixes), &diag),
			 FA_OK);
	tu_finish(e);
	assert_int_equal(fa_enrich_addr_parse("192.0.2.1", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_int_equal(c.by, FA_ENRICH_BY_PREFIX);
	assert_string_equal(c.label, "isp-dsl");
	assert_string_equal(c.file, "c.txt");
	assert_int_equal(c.prefix_len, 25);
	assert_null(c.ptr);
	assert_null(c.pattern);
	assert_int_equal(c.line, 0);
	assert_string_equal(fa_enrich_consumer_by_name(c.by), "prefix");
	ptr_is(e, "192.0.2.200", "dyn-200.example.net", 2, 24);
	not_consumer(e, "192.0.2.201");
	fa_enrich_free(e);
}

static void test_bad_lines(void **state)
{
	char table[2200];
	char big[1100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(table, sizeof(table),
		 "192.0.2.1 dyn-1.example.net\n"
		 "192.0.2.2\n"
		 "192.0.2.3 dyn.example.net extra\n"
		 "192.0.2.300 dyn.example.net\n"
		 "192.0.2.5/32 dyn.example.net\n"
		 "192.0.2.6 dyn..example.net\n"
		 "192.0.2.7 dyn.exa*mple.net\n"
		 "192.0.2.8 dyn.%s.net\n"
		 "192.0.2.9 %s\n"
		 "fe80::1%%eth0 dyn.example.net\n",
		 "0123456789012345678901234567890123456789012345678901234567890123",
		 big);
	static const char *const want[] = {
		"b.txt:2: expected an address and a name, found one field",
		"b.txt:3: expected an address and a name, found more fields",
		"b.txt:4: \"192.0.2.300\" is not an IPv4 or IPv6 address",
		"b.txt:5: \"192.0.2.5/32\" is not an IPv4 or IPv6 address",
		"b.txt:6: name \"dyn..example.net\" has an empty label",
		"b.txt:7: name has a character other than letters, digits, '-', '_' and '.' "
		"(byte 0x2a at 8)",
		"b.txt:8: name "
		"\"dyn.012345678901234567890123456789012345678901234567890123456789...\" "
		"has a label longer than 63 bytes",
		"b.txt:9: line is longer than 1024 bytes",
		"b.txt:10: \"fe80::1%eth0\" is not an IPv4 or IPv6 address",
		"b.txt: refused: 9 malformed lines, nothing of this file is used",
	};
	struct fa_enrich *e = with_patterns(TOKENS, NULL, false);
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_int_equal(fa_enrich_add_ptr(e, "b.txt", table, strlen(table), &diag), FA_EPARSE);
	tu_diag_is(&diag, want, sizeof(want) / sizeof(want[0]));
	fa_enrich_free(e);

	/* A refused file keeps nothing, even its good line. */
	e = with_patterns(TOKENS, NULL, false);
	static const char one_bad[] = "192.0.2.1 dyn-1.example.net\n192.0.2.2 dyn.\x01.net\n";
	static const char good[] = "192.0.2.9 dyn-9.example.net\n";
	static const char *const want2[] = {
		"c.txt:2: name has a character other than letters, digits, '-', '_' and '.' "
		"(byte 0x01 at 5)",
		"c.txt: refused: 1 malformed line, nothing of this file is used",
	};
	assert_int_equal(fa_enrich_add_ptr(e, "c.txt", one_bad, strlen(one_bad), &diag),
			 FA_EPARSE);
	tu_diag_is(&diag, want2, 2);
	add_ok(e, "g.txt", good);
	tu_finish(e);
	not_consumer(e, "192.0.2.1");
	ptr_is(e, "192.0.2.9", "dyn-9.example.net", 1, 24);
	struct fa_enrich_stats st;
	fa_enrich_stats(e, &st);
	assert_int_equal(st.ptr_bytes, 28 + strlen("dyn-9.example.net") + 1);
	fa_enrich_free(e);

	/* a name of 253 bytes is accepted, 254 is not; a NUL byte */
	char name[260], line[300];
	memset(name, 'a', sizeof(name));
	for (int i = 63; i < 253; i += 64) {
		name[i] = '.';
	}
	memcpy(name, "dyn.", 4);
	name[253] = '\0';
	e = with_patterns(TOKENS, NULL, false);
	snprintf(line, sizeof(line), "192.0.2.1 %s.\n", name);
	add_ok(e, "n.txt", line);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(line, sizeof(line), "192.0.2.2 %s\n", name);
	static const char *const want3[] = {
		"m.txt:1: name is longer than 253 bytes",
		"m.txt: refused: 1 malformed line, nothing of this file is used",
	};
	assert_int_equal(fa_enrich_add_ptr(e, "m.txt", line, strlen(line), &diag), FA_EPARSE);
	tu_diag_is(&diag, want3, 2);
	static const char nul[] = "192.0.2.3 dyn\0x.net\n";
	static const char *const want4[] = {
		"z.txt:1: line holds a NUL byte",
		"z.txt: refused: 1 malformed line, nothing of this file is used",
	};
	assert_int_equal(fa_enrich_add_ptr(e, "z.txt", nul, sizeof(nul) - 1, &diag), FA_EPARSE);
	tu_diag_is(&diag, want4, 2);
	tu_finish(e);
	name[253] = '\0';
	ptr_is(e, "192.0.2.1", name, 1, 24);
	fa_enrich_free(e);
}

static void pattern_fails(const char *pattern, const char *want)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag diag = { 0 };
	assert_non_null(e);
	assert_int_equal(fa_enrich_add_ptr_pattern(e, pattern, false, "x.yaml:4:7", &diag),
			 FA_EPARSE);
	tu_diag_is(&diag, &want, 1);
	fa_enrich_free(e);
}

static void test_bad_patterns(void **state)
{
	char long_pat[FA_ENRICH_PTR_MAX_PATTERN + 200];
	(void)state;

	pattern_fails("(dyn", "x.yaml:4:7: invalid pattern \"(dyn\": Unmatched ( or \\(");
	pattern_fails("[dyn",
		      "x.yaml:4:7: invalid pattern \"[dyn\": Unmatched [, [^, [:, [., or [=");
	pattern_fails("*dyn", "x.yaml:4:7: invalid pattern \"*dyn\": Invalid preceding regular "
		      "expression");
	pattern_fails("(dyn)\\1", "x.yaml:4:7: invalid pattern \"(dyn)\\1\": back-references "
		      "(\\1) are not accepted");
	pattern_fails("((a{16}){16}){17}", "x.yaml:4:7: invalid pattern \"((a{16}){16}){17}\": "
		      "it would compile to 4641 elements, more than 1024 (repetitions multiply "
		      "what they repeat)");
	pattern_fails("(a{4}){255,}", "x.yaml:4:7: invalid pattern \"(a{4}){255,}\": it would "
		      "compile to 1280 elements, more than 1024 (repetitions multiply what they "
		      "repeat)");
	/* what the fuzzer found: "1++++..." doubled with every '+' (gigabytes),
	 * "(^)++++++a" took minutes to compile */
	pattern_fails("(dyn|1++++++++++++++++++++++++++++++", "x.yaml:4:7: invalid pattern "
		      "\"(dyn|1++++++++++++++++++++++++++++++\": a repetition right after another "
		      "is not accepted (POSIX leaves it undefined)");
	pattern_fails("(^)+a", "x.yaml:4:7: invalid pattern \"(^)+a\": a repetition of an "
		      "expression that can match the empty string is not accepted");
	pattern_fails("x(a?|b)*", "x.yaml:4:7: invalid pattern \"x(a?|b)*\": a repetition of an "
		      "expression that can match the empty string is not accepted");
	pattern_fails("((a|b*)c?){2}", "x.yaml:4:7: invalid pattern \"((a|b*)c?){2}\": a "
		      "repetition of an expression that can match the empty string is not "
		      "accepted");
	pattern_fails("(\\<){2}", "x.yaml:4:7: invalid pattern \"(\\<){2}\": a repetition "
		      "of an expression that can match the empty string is not accepted");
	pattern_fails("a{2}{3}", "x.yaml:4:7: invalid pattern \"a{2}{3}\": a repetition right "
		      "after another is not accepted (POSIX leaves it undefined)");
	pattern_fails("x{,300}", "x.yaml:4:7: invalid pattern \"x{,300}\": repetition count 300 "
		      "is above 255");
	pattern_fails("a{1,256}", "x.yaml:4:7: invalid pattern \"a{1,256}\": repetition count "
		      "256 is above 255");
	pattern_fails("", "x.yaml:4:7: a pattern must have 1 to 256 bytes, this one has 0");
	memset(long_pat, 'a', FA_ENRICH_PTR_MAX_PATTERN + 1);
	long_pat[FA_ENRICH_PTR_MAX_PATTERN + 1] = '\0';
	pattern_fails(long_pat, "x.yaml:4:7: a pattern must have 1 to 256 bytes, this one has 257");

	/* accepted: intervals side by side and stacked while small, in
	 * brackets; 4096 elements exactly */
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag diag = { 0 };
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "^[0-9]{1,3}-[0-9]{1,3}(x{2})+$", false,
						   "o", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "[{(\\1]{2}", false, "o", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "a{255}", true, "o", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "(a{2}){3}b{2}(c?d)+(e*f){0,3}", true, "o",
						   &diag), FA_OK);
	/* (3 + 1) * 256 = 1024: "{255,}" makes 256 copies */
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "(a{3}){255,}", true, "o", &diag), FA_OK);
	for (int i = 5; i < FA_ENRICH_PTR_MAX_PATTERNS; i++) {
		assert_int_equal(fa_enrich_add_ptr_pattern(e, "dyn", false, "o", &diag), FA_OK);
	}
	static const char *const w[] = { "o: more than 64 patterns" };
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "dyn", false, "o", &diag), FA_EPARSE);
	tu_diag_is(&diag, w, 1);
	/* patterns are fixed once a table was read */
	add_ok(e, "t.txt", "192.0.2.1 12-7xxxx\n");
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "x", false, "o", &diag), FA_EINVAL);
	tu_finish(e);
	ptr_is(e, "192.0.2.1", "12-7xxxx", 1, 24);
	fa_enrich_free(e);

	/* a table before any include pattern: refused with a message, not
	 * only a code */
	e = fa_enrich_new();
	assert_int_equal(fa_enrich_add_ptr_pattern(e, "mail", true, "o", &diag), FA_OK);
	assert_int_equal(fa_enrich_add_ptr(e, "t.txt", "", 0, &diag), FA_EINVAL);
	static const char *const w2[] = { "t.txt: PTR table given before any pattern" };
	tu_diag_is(&diag, w2, 1);
	fa_enrich_free(e);
}

/* ---- files and the configuration ---- */

/*
 * The file reader against the in-memory one: 40,000 lines (about 1.3
 * MB, so lines cross the 64 KiB pieces), a long line in the middle, CRLF
 * ends and a last line without its end.
 */
static void test_file_reader(void **state)
{
	size_t cap = 4 * 1024 * 1024, len = 0;
	char *text = malloc(cap);
	char path[256];
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	assert_non_null(text);
	for (unsigned i = 0; i < 40000; i++) {
		unsigned a = i >> 8 & 0xff, b = i & 0xff;
		const char *kind = i % 3 == 0 ? "dyn" : i % 3 == 1 ? "static" : "pool";
		len += (size_t)snprintf(text + len, cap - len, "10.%u.%u.1 %s-10-%u-%u-1.example%s",
					a, b, kind, a, b, i % 7 == 0 ? ".\r\n" : "\n");
	}
	len--;	/* the last line has no end */
	tu_put("big.txt", text, len);
	snprintf(path, sizeof(path), "%s/big.txt", tu_dir);

	struct fa_enrich *f = with_patterns(TOKENS, NULL, true);
	struct fa_enrich *m = with_patterns(TOKENS, NULL, true);
	assert_int_equal(fa_enrich_add_ptr_file(f, path, NULL, &diag), FA_OK);
	assert_int_equal(diag.count, 0);
	add_ok(m, "mem", text);
	tu_finish(f);
	tu_finish(m);
	size_t n;
	const struct fa_enrich_source *sf = fa_enrich_sources(f, &n);
	const struct fa_enrich_source *sm = fa_enrich_sources(m, &n);
	/* i % 3 != 1: 26,667 of 40,000 */
	assert_int_equal(sf[0].entries, 26667);
	assert_int_equal(sm[0].entries, 26667);
	assert_string_equal(sf[0].detail, "40000 lines, 40000 names, 26667 matched, 0 excluded, "
			    "0 without their address");
	assert_string_equal(sf[0].detail, sm[0].detail);
	/* line i + 1 has 10.(i / 256).(i % 256).1 */
	ptr_is(f, "10.0.0.1", "dyn-10-0-0-1.example", 1, 24);
	ptr_is(f, "10.0.14.1", "pool-10-0-14-1.example", 15, 24);	/* ".\r\n" */
	not_consumer(f, "10.156.61.1");		/* 39,997 % 3 == 1: static */
	ptr_is(f, "10.156.62.1", "pool-10-156-62-1.example", 39999, 24);
	ptr_is(m, "10.156.63.1", "dyn-10-156-63-1.example", 40000, 24);
	ptr_is(f, "10.156.63.1", "dyn-10-156-63-1.example", 40000, 24);
	not_consumer(f, "10.156.64.1");
	fa_enrich_free(f);
	fa_enrich_free(m);

	/* a line of 70,000 bytes across two pieces, then good lines */
	len = (size_t)snprintf(text, cap, "10.0.0.1 dyn-a.example\n10.0.0.2 ");
	memset(text + len, 'b', 70000);
	len += 70000;
	len += (size_t)snprintf(text + len, cap - len, "\n10.0.0.3 dyn-c.example\n");
	tu_put("big.txt", text, len);
	f = with_patterns(TOKENS, NULL, false);
	char w1[600], w2[600];
	snprintf(w1, sizeof(w1), "%s:2: line is longer than 1024 bytes", path);
	snprintf(w2, sizeof(w2), "%s: refused: 1 malformed line, nothing of this file is used",
		 path);
	const char *const want[] = { w1, w2 };
	assert_int_equal(fa_enrich_add_ptr_file(f, path, NULL, &diag), FA_EPARSE);
	tu_diag_is(&diag, want, 2);
	fa_enrich_free(f);

	/* exactly 1024 bytes before "\r\n" is fine, 1025 is not */
	len = (size_t)snprintf(text, cap, "10.0.0.1 ");
	memset(text + len, ' ', 1024 - 11 - len);
	len = 1024 - 11;
	len += (size_t)snprintf(text + len, cap - len, "dyn.example\r\n");
	assert_int_equal(len, 1026);
	len += (size_t)snprintf(text + len, cap - len, "10.0.0.2 ");
	memset(text + len, ' ', 1026 + 1025 - 11 - len);
	len = 1026 + 1025 - 11;
	len += (size_t)snprintf(text + len, cap - len, "dyn.example\n");
	assert_int_equal(len, 1026 + 1026);
	tu_put("big.txt", text, len);
	f = with_patterns(TOKENS, NULL, false);
	snprintf(w1, sizeof(w1), "%s:2: line is longer than 1024 bytes", path);
	assert_int_equal(fa_enrich_add_ptr_file(f, path, NULL, &diag), FA_EPARSE);
	tu_diag_is(&diag, want, 2);
	fa_enrich_free(f);

	/* missing file */
	f = with_patterns(TOKENS, NULL, false);
	snprintf(path, sizeof(path), "%s/none.txt", tu_dir);
	snprintf(w1, sizeof(w1), "c.yaml:3:9: could not open \"%s\": No such file or directory",
		 path);
	assert_int_equal(fa_enrich_add_ptr_file(f, path, "c.yaml:3:9", &diag), FA_EIO);
	tu_diag_is(&diag, want, 1);
	fa_enrich_free(f);
	free(text);
}

static void test_config(void **state)
{
	char conf[256], path[256], cpath[256];
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	static const char table[] =
		"# scan of 2026-12-01\n"
		"192.0.2.7 dyn-192-0-2-7.example.net\n"
		"192.0.2.8 mail-192-0-2-8.dyn.example.net\n"
		"192.0.2.9 dsl-192-0-2-10.example.net\n"
		"192.0.2.200 dsl-192-0-2-200.example.net\n";
	static const char prefixes[] = "192.0.2.128/25 isp-dsl\n";
	tu_put("ptr.txt", table, sizeof(table) - 1);
	tu_put("c.txt", prefixes, sizeof(prefixes) - 1);
	static const char yaml[] =
		"consumer_prefixes: c.txt\n"
		"consumer_ptr:\n"
		"  file: ptr.txt\n"
		"  patterns:\n"
		"    - '" TOKENS "'\n"
		"  exclude: ['" MAILISH "']\n"
		"  embedded_address: required\n";
	tu_put("conf.yaml", yaml, sizeof(yaml) - 1);
	snprintf(conf, sizeof(conf), "%s/conf.yaml", tu_dir);
	assert_int_equal(fa_enrich_load(&e, conf, &diag), FA_OK);
	assert_int_equal(diag.count, 0);

	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/ptr.txt", tu_dir);
	snprintf(cpath, sizeof(cpath), "%s/c.txt", tu_dir);
	assert_int_equal(src[1].kind, FA_ENRICH_KIND_PTR);
	assert_string_equal(src[1].path, path);
	assert_int_equal(src[1].entries, 2);
	assert_string_equal(src[1].detail, "5 lines, 4 names, 4 matched, 1 excluded, "
			    "1 without its address");
	ptr_is(e, "192.0.2.7", "dyn-192-0-2-7.example.net", 2, 24);
	not_consumer(e, "192.0.2.8");
	not_consumer(e, "192.0.2.9");

	struct fa_enrich_addr a;
	struct fa_enrich_consumer c;
	assert_int_equal(fa_enrich_addr_parse("192.0.2.200", &a), FA_OK);
	assert_true(fa_enrich_consumer(e, &a, &c));
	assert_int_equal(c.by, FA_ENRICH_BY_PREFIX);
	assert_string_equal(c.file, cpath);
	fa_enrich_free(e);
}

static void test_config_errors(void **state)
{
	char msg[512];
	(void)state;

	static const char *const w1[] = {
		"x.yaml:2:3: unknown key \"pattern\" in consumer_ptr (expected one of: file, "
		"patterns, exclude, embedded_address)",
		"x.yaml:3:21: embedded_address must be \"required\" or \"ignored\"",
		"x.yaml:2:3: consumer_ptr has no file",
		"x.yaml:2:3: consumer_ptr has no patterns",
		"x.yaml: configuration refused (4 errors), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  pattern: [dyn]\n  embedded_address: yes\n", w1, 5);

	static const char *const w2[] = {
		"x.yaml:4:7: invalid pattern \"(dyn\": Unmatched ( or \\(",
		"x.yaml:6:7: invalid pattern \"a{300}\": repetition count 300 is above 255",
		"x.yaml:7:7: an exclude pattern must be a non-empty string",
		"x.yaml: configuration refused (3 errors), nothing of it is used",
	};
	/* the file is not read when a pattern is refused: no message about it */
	tu_config_fails("consumer_ptr:\n"
		     "  file: missing.txt\n"
		     "  patterns:\n"
		     "    - (dyn\n"
		     "  exclude:\n"
		     "    - a{300}\n"
		     "    - ''\n", w2, 4);

	snprintf(msg, sizeof(msg), "x.yaml:2:9: could not open \"%s/missing.txt\": No such file "
		 "or directory", tu_dir);
	const char *const w3[] = {
		msg,
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  file: missing.txt\n  patterns: dyn\n", w3, 2);

	/* An empty list is a missing key, reported at the list; the file is
	 * not read without patterns. */
	static const char *const w5[] = {
		"x.yaml:2:9: consumer_ptr has no file",
		"x.yaml:3:13: consumer_ptr has no patterns",
		"x.yaml: configuration refused (2 errors), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  file: []\n  patterns: []\n", w5, 3);
	/* The messages follow the places in the file. */
	static const char *const w5b[] = {
		"x.yaml:2:13: consumer_ptr has no patterns",
		"x.yaml:3:9: consumer_ptr has no file",
		"x.yaml: configuration refused (2 errors), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  patterns: []\n  file: []\n", w5b, 3);
	/* A file entry that is no file name is reported also when the
	 * patterns are refused (the file is then not read). */
	static const char *const w5c[] = {
		"x.yaml:1:53: a pattern must be a non-empty string",
		"x.yaml:1:23: a PTR file must be a non-empty string",
		"x.yaml: configuration refused (2 errors), nothing of it is used",
	};
	tu_config_fails("consumer_ptr: {file: [\"\", ptr.txt], patterns: [dyn, \"\"]}\n", w5c, 3);
	static const char *const w6[] = {
		"x.yaml:3:13: consumer_ptr has no patterns",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  file: ptr.txt\n  patterns: []\n", w6, 2);
	static const char *const w7[] = {
		"x.yaml:2:9: consumer_ptr has no file",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  file: []\n  patterns: [dyn]\n  exclude: []\n", w7, 2);

	static const char *const w4[] = {
		"x.yaml:2:3: consumer_ptr must be a mapping",
		"x.yaml: configuration refused (1 error), nothing of it is used",
	};
	tu_config_fails("consumer_ptr:\n  - ptr.txt\n", w4, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_several_names),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_file_reader),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_errors),
	};
	return cmocka_run_group_tests(tests, tu_setup_dir, tu_teardown_dir);
}
