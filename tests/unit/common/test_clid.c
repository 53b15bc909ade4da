/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa_clid_check: the id shown in the reason is cut at a character
 * boundary and never holds a byte that is not UTF-8, so the reason can go
 * into a log line or an error message as it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/fa_clid.h"

/* Strict UTF-8 (RFC 3629), written out here so the test does not lean on
 * the code it checks. */
static bool valid_utf8(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p != 0) {
		uint32_t cp;
		size_t len;
		if (p[0] < 0x80) {
			p++;
			continue;
		} else if ((p[0] & 0xe0) == 0xc0) {
			cp = p[0] & 0x1f;
			len = 2;
		} else if ((p[0] & 0xf0) == 0xe0) {
			cp = p[0] & 0x0f;
			len = 3;
		} else if ((p[0] & 0xf8) == 0xf0) {
			cp = p[0] & 0x07;
			len = 4;
		} else {
			return false;
		}
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				return false;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			return false;
		}
		p += len;
	}
	return true;
}

static void refused_as(const char *id, const char *want)
{
	char why[256];
	assert_int_equal(fa_clid_check(id, strlen(id), why, sizeof(why)), FA_EINVAL);
	assert_string_equal(why, want);
	assert_true(valid_utf8(why));
}

/* Long ids of multi-byte characters: as many whole characters as fit in
 * 23 bytes, then "...". */
static void test_cut_at_character(void **state)
{
	(void)state;

	/* 17 x U+00E9 (2 bytes): 11 fit (22 bytes); a byte cut split the 12th. */
	refused_as("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		   "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9...\": not 3 to 16 characters (RFC 5730 clIDType)");
	/* 17 x U+20AC (3 bytes): 7 fit (21 bytes). */
	refused_as("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		   "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		   "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		   "\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		   "\xe2\x82\xac...\": not 3 to 16 characters (RFC 5730 clIDType)");
	/* 17 x U+1D11E (4 bytes): 5 fit (20 bytes). */
	refused_as("\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
		   "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
		   "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
		   "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
		   "\xf0\x9d\x84\x9e",
		   "\"\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
		   "\xf0\x9d\x84\x9e...\": not 3 to 16 characters (RFC 5730 clIDType)");
	/* "a" then 16 x U+00E9: 1 + 11 x 2 = 23 bytes, exactly the room. */
	refused_as("a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		   "\"a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9...\": not 3 to 16 characters (RFC 5730 clIDType)");
	/* 23 ASCII bytes are shown whole, 24 are cut after 23. */
	refused_as("ab cdefghijklmnopqrstuvw",
		   "\"ab cdefghijklmnopqrstuv...\": blank or control character");
	refused_as("ab cdefghijklmnopqrstuv",
		   "\"ab cdefghijklmnopqrstuv\": blank or control character");
	/* A valid id of 16 two-byte characters (32 bytes) is accepted. */
	char why[64] = "";
	const char *ok = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	assert_int_equal(fa_clid_check(ok, strlen(ok), why, sizeof(why)), FA_OK);
}

/* Bytes that are not UTF-8 (stray, overlong, surrogate, past U+10FFFF)
 * and control characters are shown as '?'. */
static void test_not_utf8_shown_safely(void **state)
{
	(void)state;

	refused_as("ab\xff" "cd", "\"ab?cd\": not UTF-8");
	refused_as("ab\xc0\xaf" "cd", "\"ab??cd\": not UTF-8");
	refused_as("ab\xe0\x80\xaf" "cd", "\"ab???cd\": not UTF-8");
	refused_as("ab\xed\xa0\x80" "cd", "\"ab???cd\": not UTF-8");
	refused_as("ab\xf4\x90\x80\x80" "cd", "\"ab????cd\": not UTF-8");
	/* A multi-byte character cut off by the end of the id. */
	refused_as("abc\xe2\x82", "\"abc??\": not UTF-8");
	refused_as("ab\tc\x7f", "\"ab?c?\": blank or control character");
	/* U+0085 (NEL) is a C1 control: not shown as a line break. */
	refused_as("ab c\xc2\x85", "\"ab c?\": blank or control character");
	/* A long id of stray bytes: 23 '?' then "...". */
	refused_as("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
		   "\xff\xff\xff\xff\xff\xff\xff",
		   "\"???????????????????????...\": not UTF-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_at_character),
		cmocka_unit_test(test_not_utf8_shown_safely),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
