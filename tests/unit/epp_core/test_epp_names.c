/* SPDX-License-Identifier: Apache-2.0 */
/* Name and address normalization shared by the EPP and zone inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/fa_addr.h"
#include "common/fa_name.h"

static void name_ok(const char *in, const char *want)
{
	char out[FA_NAME_BUFSZ];
	char err[256] = "";
	int rc = fa_name_normalize(in, strlen(in), 0, out, sizeof(out), err,
				   sizeof(err));
	if (rc != FA_OK) {
		fail_msg("\"%s\" refused: %s", in, err);
	}
	assert_string_equal(out, want);
}

static void name_bad(const char *in, const char *why)
{
	char out[FA_NAME_BUFSZ];
	char err[256] = "";
	assert_int_equal(fa_name_normalize(in, strlen(in), 0, out, sizeof(out),
					   err, sizeof(err)), FA_EINVAL);
	assert_non_null(strstr(err, why));
}

static void test_names(void **state)
{
	(void)state;
	name_ok("Example.COM.", "example.com");
	name_ok("ns1.example.net", "ns1.example.net");
	name_ok("XN--BCHER-KVA.example", "xn--bcher-kva.example");
	name_ok("a", "a");

	char label63[64];
	memset(label63, 'a', 63);
	label63[63] = '\0';
	char name[300];
	snprintf(name, sizeof(name), "%s.example", label63);
	name_ok(name, name);

	name_bad("", "name is empty");
	name_bad(".", "name is empty");
	name_bad("a..b", "empty label");
	name_bad(".a", "empty label");
	name_bad("-a.example", "hyphen");
	name_bad("a-.example", "hyphen");
	name_bad("a_b.example", "character not allowed");
	name_bad("a b.example", "character not allowed");
	name_bad("b\xc3\xbc" "cher.example", "non-ASCII");
	snprintf(name, sizeof(name), "%sa.example", label63);
	name_bad(name, "label longer than 63 octets");

	/* 4 x 63 + 3 dots = 255 > 253 */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label63, label63, label63,
		 label63);
	name_bad(name, "longer than 253");
}

static void test_underscore_flag(void **state)
{
	(void)state;
	char out[FA_NAME_BUFSZ];
	assert_int_equal(fa_name_normalize("_dmarc.Example", 14, FA_NAME_UNDERSCORE,
					   out, sizeof(out), NULL, 0), FA_OK);
	assert_string_equal(out, "_dmarc.example");
}

static void addr_ok(const char *in, enum fa_addr_family want, const char *exp)
{
	char out[FA_ADDR_BUFSZ];
	char err[256] = "";
	enum fa_addr_family fam = FA_ADDR_ANY;
	int rc = fa_addr_normalize(in, strlen(in), want, out, sizeof(out), &fam,
				   err, sizeof(err));
	if (rc != FA_OK) {
		fail_msg("\"%s\" refused: %s", in, err);
	}
	assert_string_equal(out, exp);
	assert_int_equal(fam, strchr(exp, ':') ? FA_ADDR_V6 : FA_ADDR_V4);
}

static void test_addrs(void **state)
{
	(void)state;
	addr_ok("192.0.2.1", FA_ADDR_V4, "192.0.2.1");
	addr_ok(" 192.0.2.1\n", FA_ADDR_ANY, "192.0.2.1");
	addr_ok("2001:DB8:0:0::1", FA_ADDR_V6, "2001:db8::1");
	addr_ok("1080:0:0:0:8:800:200C:417A", FA_ADDR_V6, "1080::8:800:200c:417a");
	addr_ok("2001:db8:0:0:1:0:0:1", FA_ADDR_ANY, "2001:db8::1:0:0:1");
	addr_ok("0:0:0:0:0:0:0:0", FA_ADDR_ANY, "::");
	addr_ok("::FFFF:192.0.2.1", FA_ADDR_ANY, "::ffff:192.0.2.1");
	addr_ok("fe80:0::", FA_ADDR_ANY, "fe80::");

	char out[FA_ADDR_BUFSZ];
	char err[256];
	assert_int_equal(fa_addr_normalize("192.0.2.1", 9, FA_ADDR_V6, out,
					   sizeof(out), NULL, err, sizeof(err)),
			 FA_EINVAL);
	assert_non_null(strstr(err, "ip=\"v6\""));
	assert_int_equal(fa_addr_normalize("::1", 3, FA_ADDR_V4, out, sizeof(out),
					   NULL, err, sizeof(err)), FA_EINVAL);
	assert_int_equal(fa_addr_normalize("192.0.2.2.invalid", 17, FA_ADDR_ANY,
					   out, sizeof(out), NULL, err,
					   sizeof(err)), FA_EINVAL);
	assert_int_equal(fa_addr_normalize("fe80::1%eth0", 12, FA_ADDR_ANY, out,
					   sizeof(out), NULL, err, sizeof(err)),
			 FA_EINVAL);
	assert_int_equal(fa_addr_normalize("", 0, FA_ADDR_ANY, out, sizeof(out),
					   NULL, err, sizeof(err)), FA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_underscore_flag),
		cmocka_unit_test(test_addrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
