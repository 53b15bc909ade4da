/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bootstrap CSV reader without a database: RFC 4180 quoting, line
 * ends, the bounds (line length, name servers, addresses), the header,
 * line numbers and offsets, the file identity, and the shared checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/fa_glue.h"
#include "common/fa_time.h"
#include "import/fa_import.h"

#define HEADER FA_IMPORT_HEADER "\n"

/* 2026-12-01T00:00:00Z */
#define AS_OF INT64_C(1796083200000000)

struct out {
	char text[8192];
	size_t len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && o->len + (size_t)n < sizeof(o->text));
	o->len += (size_t)n;
}

static void put_list(struct out *o, const char *const *v, size_t n)
{
	put(o, " [");
	for (size_t i = 0; i < n; i++) {
		put(o, "%s%s", i > 0 ? " " : "", v[i]);
	}
	put(o, "]");
}

/* Every row of data, one line each: "L@OFF name registrar registrant
 * created [ns] [statuses] [addrs]" or "L@OFF ! reason". */
static void run(const char *data, size_t len, struct out *o)
{
	struct fa_import_reader *r = NULL;
	char err[512];
	o->len = 0;
	o->text[0] = '\0';
	assert_int_equal(fa_import_reader_open_mem(&r, data, len, AS_OF, err, sizeof(err)),
			 FA_OK);
	for (;;) {
		struct fa_import_row row;
		struct fa_import_reject rej;
		int rc = fa_import_reader_next(r, &row, &rej);
		if (rc == FA_EOF) {
			break;
		}
		if (rc == FA_EPARSE) {
			put(o, "%llu@%llu ! %s\n", (unsigned long long)rej.line,
			    (unsigned long long)rej.offset, rej.reason);
			continue;
		}
		assert_int_equal(rc, FA_OK);
		char tb[FA_TIME_BUFSZ];
		put(o, "%llu@%llu %s %s %s %s", (unsigned long long)row.line,
		    (unsigned long long)row.offset, row.name, row.registrar,
		    row.registrant ? row.registrant : "-",
		    row.type == FA_IMPORT_DOMAIN ? fa_time_format(row.created_us, tb,
								  sizeof(tb)) : "-");
		put_list(o, row.ns, row.nns);
		put_list(o, row.statuses, row.nstatuses);
		put_list(o, row.addrs, row.naddrs);
		put(o, "\n");
	}
	assert_int_equal(fa_import_reader_offset(r), len);
	fa_import_reader_free(r);
}

static void test_quoting_and_line_ends(void **state)
{
	(void)state;
	static const char csv[] =
		"\"type\",name,registrar,registrant,created,ns,statuses,\"addrs\"\r\n"
		"\"domain\",\"A.ee.\",\"reg-a\",\"\",\"2020-01-02T05:04:05+02:00\","
		"\"ns2.b.ee  ns1.b.ee ns2.b.ee\",\"ok\",\"\"\r\n"
		"\r\n"
		"\n"
		"host,ns1.b.ee,reg-a,,,,,\n"
		"domain,\"a\"\"b.ee\",reg-a,,2020-01-01,,ok,\n"
		"domain,\"ab.ee\"x,reg-a,,2020-01-01,,ok,\n"
		"domain,a\"b.ee,reg-a,,2020-01-01,,ok,\n"
		"domain,c.ee,reg-a,,2020-01-01,,\"ok,inactive\",\n"
		"domain,d.ee,reg-a,,2020-01-01,,\"ok\n"
		"host,ns2.b.ee,reg-a,,,,ok,192.0.2.1";
	struct out o;
	run(csv, sizeof(csv) - 1, &o);
	assert_string_equal(o.text,
		"2@62 a.ee reg-a - 2020-01-02T03:04:05Z [ns1.b.ee ns2.b.ee] [ok] []\n"
		"5@160 ns1.b.ee reg-a - - [] [] []\n"
		"6@185 ! invalid name \"a?b.ee\": character not allowed in a host name "
		"(letters, digits and hyphens only) in \"name\"\n"
		"7@225 ! character after the closing quote of a field\n"
		"8@264 ! quote inside an unquoted field\n"
		"9@301 ! invalid domain status \"ok,inactive\": not a status of RFC 5731\n"
		"10@347 ! unterminated quoted field\n"
		"11@382 ns2.b.ee reg-a - - [] [ok] [192.0.2.1]\n");
}

static void test_line_bound(void **state)
{
	(void)state;
	/* A valid row of exactly the limit (the name server field is blanks
	 * only), the same one byte longer, then a short row. */
	static const char row[] = "domain,a.ee,reg-a,,2020-01-01,,ok,";
	size_t len = strlen(HEADER) + 2 * (FA_IMPORT_MAX_LINE + 2) + 64;
	char *csv = malloc(len);
	assert_non_null(csv);
	size_t n = 0;
	for (int extra = 0; extra <= 1; extra++) {
		if (n == 0) {
			memcpy(csv, HEADER, strlen(HEADER));
			n = strlen(HEADER);
		}
		size_t pad = FA_IMPORT_MAX_LINE + (size_t)extra - (sizeof(row) - 1);
		memcpy(csv + n, row, 30);	/* up to the ns field */
		n += 30;
		memset(csv + n, ' ', pad);
		n += pad;
		memcpy(csv + n, row + 30, sizeof(row) - 1 - 30);
		n += sizeof(row) - 1 - 30;
		csv[n++] = '\n';
	}
	memcpy(csv + n, "domain,b.ee,reg-a,,2020-01-01,,ok,\n", 35);
	n += 35;

	struct out o;
	run(csv, n, &o);
	char want[512];
	snprintf(want, sizeof(want),
		 "2@57 a.ee reg-a - 2020-01-01T00:00:00Z [] [ok] []\n"
		 "3@%d ! line longer than 65536 bytes\n"
		 "4@%d b.ee reg-a - 2020-01-01T00:00:00Z [] [ok] []\n",
		 57 + FA_IMPORT_MAX_LINE + 1, 57 + 2 * FA_IMPORT_MAX_LINE + 3);
	assert_string_equal(o.text, want);
	free(csv);
}

static void test_list_bounds(void **state)
{
	(void)state;
	char csv[4096];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "%s", HEADER);
	for (int k = 13; k <= 14; k++) {
		n += (size_t)snprintf(csv + n, sizeof(csv) - n,
				      "domain,n%d.ee,reg-a,,2020-01-01,", k);
		for (int i = 1; i <= k; i++) {
			n += (size_t)snprintf(csv + n, sizeof(csv) - n, "ns%d.x.ee ", i);
		}
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, ",,\n");
	}
	for (int k = 16; k <= 17; k++) {
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "host,h%d.x.ee,reg-a,,,,,", k);
		for (int i = k; i >= 1; i--) {
			n += (size_t)snprintf(csv + n, sizeof(csv) - n, "198.51.100.%d ", i);
		}
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "\n");
	}
	struct out o;
	run(csv, n, &o);
	const char *l2 = strchr(o.text, '\n') + 1;
	const char *l3 = strchr(l2, '\n') + 1;
	const char *l4 = strchr(l3, '\n') + 1;
	static const char first[] = "2@57 n13.ee reg-a - 2020-01-01T00:00:00Z [ns1.x.ee ns10.x.ee "
				    "ns11.x.ee ns12.x.ee ns13.x.ee ns2.x.ee ns3.x.ee ns4.x.ee "
				    "ns5.x.ee ns6.x.ee ns7.x.ee ns8.x.ee ns9.x.ee] [] []\n";
	assert_memory_equal(o.text, first, sizeof(first) - 1);
	assert_memory_equal(l2, "3@", 2);
	assert_non_null(strstr(l2, " ! too many name servers (14, at most 13)\n"));
	assert_memory_equal(l3, "4@", 2);
	assert_non_null(strstr(l3, " h16.x.ee reg-a - - [] [] [198.51.100.1 198.51.100.10 "));
	assert_non_null(strstr(l4, " ! too many addresses (17, at most 16)\n"));
}

static void test_dates_and_glue(void **state)
{
	(void)state;
	static const char csv[] = HEADER
		"domain,a.ee,reg-a,,1984-12-31T23:59:59Z,,ok,\n"
		"domain,b.ee,reg-a,,1985-01-01,,ok,\n"
		"domain,c.ee,reg-a,,2026-12-01T00:00:00Z,,ok,\n"
		"domain,d.ee,reg-a,,2026-12-01T00:00:00.000001Z,,ok,\n"
		"host,h.a.ee,reg-a,,,,ok,10.0.0.1 fd00::1\n"
		"host,i.a.ee,reg-a,,,,ok,::ffff:192.0.2.1\n"
		"host,j.a.ee,reg-a,,,,ok,224.0.0.1\n";
	struct out o;
	run(csv, sizeof(csv) - 1, &o);
	assert_string_equal(o.text,
		"2@57 ! invalid created date \"1984-12-31T23:59:59Z\": before 1985\n"
		"3@102 b.ee reg-a - 1985-01-01T00:00:00Z [] [ok] []\n"
		"4@137 c.ee reg-a - 2026-12-01T00:00:00Z [] [ok] []\n"
		"5@182 ! invalid created date \"2026-12-01T00:00:00.000001Z\": after the export "
		"time 2026-12-01T00:00:00Z\n"
		"6@234 h.a.ee reg-a - - [] [ok] [10.0.0.1 fd00::1]\n"
		"7@275 ! invalid glue address \"::ffff:192.0.2.1\" in \"addrs\": "
		"IPv4-mapped address given as v6: use ip=\"v4\" and the IPv4 address\n"
		"8@316 ! invalid glue address \"224.0.0.1\" in \"addrs\": multicast address "
		"(224.0.0.0/4)\n");
}

static void test_header(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"\xef\xbb\xbf" FA_IMPORT_HEADER "\n",
		"type,name,registrar,registrant,created,ns,statuses,addrs,extra\n",
		"Type,name,registrar,registrant,created,ns,statuses,addrs\n",
		"domain,a.ee,reg-a,,2020-01-01,,ok,\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fa_import_reader *r = NULL;
		char err[512];
		assert_int_equal(fa_import_reader_open_mem(&r, bad[i], strlen(bad[i]), AS_OF,
							   err, sizeof(err)),
				 FA_EPARSE);
		assert_null(r);
	}
	struct fa_import_reader *r = NULL;
	char err[512];
	assert_int_equal(fa_import_reader_open_mem(&r, "type,name\n", 10, AS_OF, err,
						   sizeof(err)), FA_EPARSE);
	assert_string_equal(err, "\"(memory)\": line 1 is not the header \"" FA_IMPORT_HEADER
			    "\": found \"type,name\"");
}

static void test_identity(void **state)
{
	(void)state;
	static const char csv[] = HEADER "host,ns1.x.ee,reg-a,,,,ok,192.0.2.1\n";
	struct fa_import_reader *r = NULL;
	struct fa_import_row row;
	struct fa_import_reject rej;
	char err[512];
	assert_int_equal(fa_import_reader_open_mem(&r, csv, sizeof(csv) - 1, AS_OF, err,
						   sizeof(err)), FA_OK);
	assert_int_equal(fa_import_reader_next(r, &row, &rej), FA_OK);
	assert_int_equal(fa_import_reader_next(r, &row, &rej), FA_EOF);
	assert_string_equal(fa_import_reader_identity(r), "import:sha256:"
		"86e95bf393c24909316c2daffe3cea301ebf411d4c6d07a30eb32258cd95ea1d");
	assert_true(fa_import_reader_as_of(r) == AS_OF);
	fa_import_reader_free(r);
}

static void test_suffixes(void **state)
{
	(void)state;
	const char *v[4];
	assert_int_equal(fa_import_suffixes("ns1.a.b.ee", v, 4), 4);
	assert_string_equal(v[0], "ns1.a.b.ee");
	assert_string_equal(v[1], "a.b.ee");
	assert_string_equal(v[2], "b.ee");
	assert_string_equal(v[3], "ee");
	assert_int_equal(fa_import_suffixes("ns1.a.b.ee", v, 2), 2);
	assert_int_equal(fa_import_suffixes("ee", v, 4), 1);
	assert_null(fa_glue_check("10.0.0.1", FA_ADDR_V4));
	assert_string_equal(fa_glue_check("::1", FA_ADDR_V6), "loopback address (::1)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting_and_line_ends),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_list_bounds),
		cmocka_unit_test(test_dates_and_glue),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_suffixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
