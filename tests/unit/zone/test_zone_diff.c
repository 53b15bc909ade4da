/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Zone snapshots, IXFR and journal prints against small zones written for
 * the purpose (tests/data/zone): every change kind, and everything that
 * must not be a change.
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

#include "zone/fa_zone.h"

#define DATA FA_TEST_DATA "/zone/"

struct out {
	char text[65536];
	size_t len;
	int calls;
};

/* One line per change: kind name rrtype value ttl [old] @serial */
static int collect(void *arg, const struct fa_zone_change *ch)
{
	struct out *o = arg;
	o->calls++;
	o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len,
				   "%s %s %s %s %u%s%s @%u\n",
				   fa_zone_kind_name(ch->kind), ch->name, ch->rrtype,
				   ch->value[0] != '\0' ? ch->value : "-",
				   (unsigned)ch->ttl, ch->old_value ? " old=" : "",
				   ch->old_value ? ch->old_value : "",
				   ch->has_serial ? (unsigned)ch->serial : 0);
	assert_true(o->len < sizeof(o->text));
	return FA_OK;
}

static int diff(const char *a, const char *b, bool allow_include, struct out *o,
		char *err, size_t errlen)
{
	struct fa_zone_opts opts = { .origin = "example", .allow_include =
								allow_include };
	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	return fa_zone_diff_files(a, b, &opts, collect, o, NULL, err, errlen);
}

static void test_every_kind(void **state)
{
	struct out o;
	char err[512];

	assert_int_equal(diff(DATA "kinds-old.zone", DATA "kinds-new.zone", false,
			      &o, err, sizeof(err)), FA_OK);
	assert_string_equal(o.text,
		"ns_rem alpha.example NS ns.other.net 3600 @2\n"
		"ns_add beta.example NS ns2.beta-dns.net 3600 @2\n"
		"ds_add beta.example DS 54321 13 2 ABCDEF0123456789ABCDEF0123456789"
		"ABCDEF0123456789ABCDEF0123456789 3600 @2\n"
		"ds_rem beta.example DS 12345 8 2 0123456789ABCDEF0123456789ABCDEF"
		"0123456789ABCDEF0123456789ABCDEF 3600 @2\n"
		"ttl_change beta.example NS 300 300 old=86400 @2\n"
		"ns_add gamma.example NS host.nic.example 3600 @2\n"
		"ns_rem gamma.example NS ns.gamma.net 3600 @2\n"
		"delegation_rem gone.example NS - 3600 @2\n"
		"ns_rem gone.example NS ns.gone.net 3600 @2\n"
		/* the address did not change, the host became a name server */
		"glue_add host.nic.example A 192.0.2.99 3600 @2\n"
		"delegation_add new.example NS - 3600 @2\n"
		"ns_add new.example NS ns1.new.example 3600 @2\n"
		"glue_add ns1.alpha.example A 192.0.2.11 3600 @2\n"
		"glue_rem ns1.alpha.example A 192.0.2.10 3600 @2\n"
		"ttl_change ns1.alpha.example AAAA 7200 7200 old=3600 @2\n"
		"glue_add ns1.new.example A 198.51.100.1 3600 @2\n");

	/* and back again: every addition is a removal the other way */
	assert_int_equal(diff(DATA "kinds-new.zone", DATA "kinds-old.zone", false,
			      &o, err, sizeof(err)), FA_OK);
	assert_non_null(strstr(o.text, "delegation_add gone.example NS - 3600 @1\n"));
	assert_non_null(strstr(o.text, "delegation_rem new.example NS - 3600 @1\n"));
	assert_non_null(strstr(o.text, "glue_rem host.nic.example A 192.0.2.99 "
				       "3600 @1\n"));
	assert_int_equal(o.calls, 16);
}

/* Re-ordered records, other letter cases, relative and absolute names,
 * $ORIGIN switches, IPv6 spellings, DS hex case and spacing, a new serial. */
static void test_same_content(void **state)
{
	struct out o;
	char err[512];

	assert_int_equal(diff(DATA "base.zone", DATA "reordered.zone", false, &o,
			      err, sizeof(err)), FA_OK);
	assert_int_equal(o.calls, 0);
	assert_int_equal(diff(DATA "reordered.zone", DATA "base.zone", false, &o,
			      err, sizeof(err)), FA_OK);
	assert_int_equal(o.calls, 0);
}

/* SOA serial and minimum, DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM. */
static void test_dnssec_noise(void **state)
{
	struct out o;
	char err[512];

	assert_int_equal(diff(DATA "base.zone", DATA "noise.zone", false, &o, err,
			      sizeof(err)), FA_OK);
	assert_int_equal(o.calls, 0);
}

static void test_include(void **state)
{
	struct out o;
	char err[512];

	assert_int_equal(diff(DATA "base.zone", DATA "include.zone", false, &o,
			      err, sizeof(err)), FA_EREFUSED);
	assert_int_equal(o.calls, 0);
	assert_non_null(strstr(err, "\"" DATA "include.zone\" line 5: $INCLUDE"));
	assert_non_null(strstr(err, "delegations.inc"));
	assert_non_null(strstr(err, "refused"));

	/* allowed: the included delegation is there, the rest went away */
	assert_int_equal(diff(DATA "base.zone", DATA "include.zone", true, &o, err,
			      sizeof(err)), FA_OK);
	assert_non_null(strstr(o.text, "delegation_add inc.example NS - 3600 @1\n"
				       "ns_add inc.example NS ns.inc.net 3600 @1\n"));
	assert_non_null(strstr(o.text, "delegation_rem beta.example NS - 86400 @1\n"));
}

static void test_syntax_error(void **state)
{
	struct out o;
	char err[512];

	/* a file with an error is refused whole, old or new side */
	assert_int_equal(diff(DATA "base.zone", DATA "syntax.zone", false, &o,
			      err, sizeof(err)), FA_EPARSE);
	assert_int_equal(o.calls, 0);
	assert_string_equal(err, "\"" DATA "syntax.zone\" line 6: invalid IPv4 "
				 "address");
	assert_int_equal(diff(DATA "syntax.zone", DATA "base.zone", false, &o,
			      err, sizeof(err)), FA_EPARSE);
	assert_int_equal(o.calls, 0);

	assert_int_equal(diff(DATA "base.zone", DATA "absent.zone", false, &o,
			      err, sizeof(err)), FA_EIO);
	assert_non_null(strstr(err, "absent.zone"));
}

static const char incr_expected[] =
	"ns_rem alpha.example NS ns.other.net 3600 @2026120403\n"
	"ns_add beta.example NS ns2.beta-dns.net 300 @2026120403\n"
	"ds_add beta.example DS 54321 13 2 ABCDEF0123456789ABCDEF0123456789"
	"ABCDEF0123456789ABCDEF0123456789 3600 @2026120403\n"
	"ttl_change beta.example NS 300 300 old=86400 @2026120403\n"
	"glue_add ns1.alpha.example A 192.0.2.11 3600 @2026120403\n"
	"glue_add ns1.alpha.example AAAA 2001:db8::11 3600 @2026120403\n"
	"glue_rem ns1.alpha.example A 192.0.2.10 3600 @2026120403\n";

static void test_ixfr(void **state)
{
	struct fa_zone_opts opts = { .origin = "example." };
	struct out o = { 0 };
	struct fa_zone_serials sr = { 0 };
	char err[512] = "";

	assert_int_equal(fa_zone_incr_file(DATA "ixfr.txt", FA_ZONE_IXFR, &opts,
					   collect, &o, &sr, err, sizeof(err)), FA_OK);
	assert_string_equal(o.text, incr_expected);
	assert_true(sr.has_from && sr.has_to);
	assert_int_equal(sr.from, 2026120401);
	assert_int_equal(sr.to, 2026120403);
}

static void test_journal(void **state)
{
	struct fa_zone_opts opts = { .origin = "example" };
	struct out o = { 0 };
	struct fa_zone_serials sr = { 0 };
	char err[512] = "";

	assert_int_equal(fa_zone_incr_file(DATA "journal.txt", FA_ZONE_JOURNAL,
					   &opts, collect, &o, &sr, err, sizeof(err)),
			 FA_OK);
	assert_string_equal(o.text, incr_expected);
	assert_true(sr.has_from && sr.has_to);
	assert_int_equal(sr.from, 2026120401);
	assert_int_equal(sr.to, 2026120403);
}

static void test_incr_malformed(void **state)
{
	struct fa_zone_opts opts = { .origin = "example" };
	struct out o = { 0 };
	char err[512] = "";
	static const char axfr[] =
		"example. 60 IN SOA a. b. 5 1 1 1 1\n"
		"x.example. 60 IN NS ns.x.net.\n"
		"example. 60 IN SOA a. b. 5 1 1 1 1\n";
	static const char cut[] =
		"example. 60 IN SOA a. b. 5 1 1 1 1\n"
		"example. 60 IN SOA a. b. 4 1 1 1 1\n"
		"x.example. 60 IN NS ns.x.net.\n";
	static const char journal[] =
		"add x.example. 60 IN NS ns.x.net.\n"
		"mod x.example. 60 IN NS ns.y.net.\n";
	static const char journal_syntax[] =
		"add x.example. 60 IN NS ns.x.net.\n"
		"del y.example. 60 IN A 1.2.3\n";

	assert_int_equal(fa_zone_incr_mem("axfr.txt", axfr, strlen(axfr),
					  FA_ZONE_IXFR, &opts, collect, &o, NULL, err,
					  sizeof(err)), FA_EPARSE);
	assert_string_equal(err, "\"axfr.txt\" line 2: not an incremental "
				 "transfer (full zone, AXFR style)");
	assert_int_equal(fa_zone_incr_mem("cut.txt", cut, strlen(cut),
					  FA_ZONE_IXFR, &opts, collect, &o, NULL, err,
					  sizeof(err)), FA_EPARSE);
	assert_string_equal(err, "\"cut.txt\": incomplete IXFR (no closing SOA "
				 "with serial 5)");
	assert_int_equal(fa_zone_incr_mem("j.txt", journal, strlen(journal),
					  FA_ZONE_JOURNAL, &opts, collect, &o, NULL, err,
					  sizeof(err)), FA_EPARSE);
	assert_string_equal(err, "\"j.txt\" line 2: journal line is neither "
				 "\"add\" nor \"del\"");
	assert_int_equal(fa_zone_incr_mem("j.txt", journal_syntax,
					  strlen(journal_syntax), FA_ZONE_JOURNAL,
					  &opts, collect, &o, NULL, err, sizeof(err)),
			 FA_EPARSE);
	assert_string_equal(err, "\"j.txt\" line 2: invalid IPv4 address");
	assert_int_equal(o.calls, 0);
}

/* An add and a later del of the same record is no change at all. */
static void test_journal_cancels(void **state)
{
	struct fa_zone_opts opts = { .origin = "example" };
	struct out o = { 0 };
	char err[512] = "";
	static const char j[] =
		"; comment\n"
		"add x.example. 60 IN NS ns.x.net.\n"
		"\n"
		"del X.example. 60 IN NS NS.x.net.\n"
		"del y.example. 60 IN NS ns.y.net.\n"
		"add y.example. 60 IN NS ns.y.net.\n";

	assert_int_equal(fa_zone_incr_mem("j.txt", j, strlen(j), FA_ZONE_JOURNAL,
					  &opts, collect, &o, NULL, err, sizeof(err)),
			 FA_OK);
	assert_int_equal(o.calls, 0);
}

/* Big enough for the fingerprint tables to grow several times: 40000
 * delegations, every 1000th changed in a known way, records of the new
 * file written in reverse order. */
static void test_large(void **state)
{
	char a[] = "/tmp/fa-zone-large-a-XXXXXX", b[] = "/tmp/fa-zone-large-b-XXXXXX";
	int fa = mkstemp(a), fb = mkstemp(b);
	assert_true(fa >= 0 && fb >= 0);
	FILE *fo = fdopen(fa, "w"), *fn = fdopen(fb, "w");
	assert_non_null(fo);
	assert_non_null(fn);

	const char *head = "$ORIGIN example.\n$TTL 3600\n"
			   "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\n";
	fputs(head, fo);
	fputs(head, fn);
	for (int i = 0; i < 40000; i++) {
		fprintf(fo, "d%d NS ns1.d%d\nd%d NS ns.host%d.net.\n"
			    "ns1.d%d A 10.%d.%d.1\n", i, i, i, i % 97, i, i / 256,
			i % 256);
	}
	for (int i = 39999; i >= 0; i--) {
		int renumber = i % 1000 == 0, gone = i % 1000 == 500;
		if (gone) {
			continue;
		}
		fprintf(fn, "ns1.d%d A 10.%d.%d.%d\nD%d NS NS.host%d.NET.\n"
			    "d%d NS ns1.D%d\n", i, i / 256, i % 256,
			renumber ? 2 : 1, i, i % 97, i, i);
	}
	fprintf(fn, "added NS ns.added.net.\n");
	assert_int_equal(fclose(fo), 0);
	assert_int_equal(fclose(fn), 0);

	struct out o;
	char err[512];
	struct fa_zone_opts opts = { .origin = "example" };
	struct fa_zone_diff_stats st;
	memset(&o, 0, sizeof(o));
	assert_int_equal(fa_zone_diff_files(a, b, &opts, collect, &o, &st, err,
					    sizeof(err)), FA_OK);
	/* 40 renumbered (2 each), 40 removed (delegation_rem, 2 ns_rem,
	 * 1 glue_rem each), 1 added (delegation_add, ns_add) */
	assert_int_equal(o.calls, 40 * 2 + 40 * 4 + 2);
	assert_non_null(strstr(o.text, "glue_add ns1.d1000.example A 10.3.232.2 "
				       "3600 @1\n"
				       "glue_rem ns1.d1000.example A 10.3.232.1 "
				       "3600 @1\n"));
	assert_non_null(strstr(o.text, "delegation_rem d500.example NS - 3600 @1\n"
				       "ns_rem d500.example NS ns.host15.net 3600 @1\n"
				       "ns_rem d500.example NS ns1.d500.example 3600 @1\n"));
	assert_non_null(strstr(o.text, "glue_rem ns1.d500.example A 10.1.244.1"));
	assert_true(st.table_bytes >= 2 * 65536 * 16);
	unlink(a);
	unlink(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_same_content),
		cmocka_unit_test(test_dnssec_noise),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_ixfr),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_incr_malformed),
		cmocka_unit_test(test_journal_cancels),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
