/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frames the reader must refuse, each read as a single frame: the reject
 * names the input and offset and its reason mentions the cause. Hostile
 * frames (DTDs, entities, external entities) are refused without expanding
 * or fetching anything.
 */
#include <time.h>

#include "epp_test_util.h"

/* A reject code the contract allows for a refused record. */
static int is_reject(int rc)
{
	return rc == FA_EPARSE || rc == FA_EREFUSED || rc == FA_ELIMIT;
}

static void read_bad(const char *file, struct tu_one *o)
{
	struct fa_txn txn;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame(file, &txn, o);
	fprintf(stderr, "[ reject ] %s: rc %d, reason \"%s\"\n", file, o->rc,
		o->reason);
	if (!is_reject(o->rc)) {
		tu_print_txn(&txn);
		fail_msg("%s was not rejected (rc %d)", file, o->rc);
	}
	assert_string_equal(o->rej_path, file);
	assert_true(o->rej_offset == 0);
	assert_true(o->reason[0] != '\0');
	/* One frame, one reject, then the end. */
	assert_int_equal(o->rc_after, FA_EOF);
	fa_txn_deinit(&txn);
}

static void test_malformed(void **state)
{
	struct tu_one o;

	read_bad("bad_malformed.xml", &o);
	assert_int_equal(o.rc, FA_EPARSE);
	tu_assert_mentions(o.reason, "mismatch", "malformed", "well-formed",
			   "xml");
}

static void test_doctype(void **state)
{
	struct tu_one o;

	read_bad("bad_doctype.xml", &o);
	assert_int_equal(o.rc, FA_EREFUSED);
	tu_assert_mentions(o.reason, "dtd", "doctype");
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_entity(const char *file)
{
	struct tu_one o;
	double t0 = seconds_now();

	read_bad(file, &o);
	assert_int_equal(o.rc, FA_EREFUSED);
	tu_assert_mentions(o.reason, "dtd", "doctype", "entit");
	/* Nothing was expanded into what the reject shows. */
	assert_null(strstr(o.reason, "lollol"));
	assert_null(strstr(o.excerpt, "lollol"));
	assert_true(seconds_now() - t0 < 1.0);
}

static void test_entity_internal(void **state)
{
	check_entity("bad_entity_internal.xml");
}

static void test_entity_external_file(void **state)
{
	check_entity("bad_entity_external_file.xml");
}

static void test_entity_external_url(void **state)
{
	check_entity("bad_entity_external_url.xml");
}

static void test_entity_parameter(void **state)
{
	check_entity("bad_entity_parameter.xml");
}

static void test_unknown_command(void **state)
{
	struct tu_one o;

	read_bad("bad_unknown_command.xml", &o);
	tu_assert_mentions(o.reason, "frobnicate", "unknown", "unrecognized",
			   "unrecognised", "unsupported");
}

static void test_not_epp(void **state)
{
	struct tu_one o;

	read_bad("bad_not_epp.xml", &o);
	tu_assert_mentions(o.reason, "epp", "urn:example:not-epp", "root");
}

static void test_label_too_long(void **state)
{
	struct tu_one o;

	read_bad("bad_label64.xml", &o);
	tu_assert_mentions(o.reason, "label", "63");
}

static void test_name_too_long(void **state)
{
	struct tu_one o;

	read_bad("bad_name254.xml", &o);
	tu_assert_mentions(o.reason, "253", "too long", "length");
}

static void test_name_not_ascii(void **state)
{
	struct tu_one o;

	read_bad("bad_nonascii.xml", &o);
	tu_assert_mentions(o.reason, "ascii", "a-label", "character", "idn",
			   "invalid");
}

static void test_name_empty_label(void **state)
{
	struct tu_one o;

	read_bad("bad_empty_label.xml", &o);
	tu_assert_mentions(o.reason, "label", "empty", "invalid");
}

static void check_addr(const char *file, const char *addr)
{
	struct tu_one o;

	read_bad(file, &o);
	tu_assert_mentions(o.reason, "address", addr);
}

static void test_bad_addresses(void **state)
{
	check_addr("bad_ipv4.xml", "192.0.2.256");
	check_addr("bad_ipv4_short.xml", "192.0.2");
	check_addr("bad_ipv6.xml", "2001:db8::1::2");
	check_addr("bad_ipv6_chars.xml", "2001:db8::g1");
	check_addr("bad_ip_text.xml", "not-an-address");
}

/* A frame over opts.max_frame is refused with FA_ELIMIT. */
static void test_oversized_frame(void **state)
{
	size_t len;
	char *buf = tu_data("cmd_domain_update.xml", &len);
	struct fa_txn txn;
	struct tu_one o;

	assert_true(len > 1024);
	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_read_one("big.xml", buf, len, FA_EPP_FRAME, 1024, &txn, &o);
	assert_int_equal(o.rc, FA_ELIMIT);
	assert_true(o.rej_offset == 0);
	tu_assert_mentions(o.reason, "1024", "limit", "large", "size");
	assert_int_equal(o.rc_after, FA_EOF);

	/* The same frame under a limit it fits in reads fine. */
	tu_read_one("big.xml", buf, len, FA_EPP_FRAME, len, &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	fa_txn_deinit(&txn);
	free(buf);
}

/* Empty and blank input: nothing to read, but nothing fatal either. */
static void test_empty_input(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_read_one("empty", "", 0, FA_EPP_FRAME, 0, &txn, &o);
	assert_true(o.rc == FA_EOF || is_reject(o.rc));
	tu_read_one("empty", "", 0, FA_EPP_ENVELOPE, 0, &txn, &o);
	assert_int_equal(o.rc, FA_EOF);
	tu_read_one("empty", "", 0, FA_EPP_RFC5734, 0, &txn, &o);
	assert_int_equal(o.rc, FA_EOF);
	fa_txn_deinit(&txn);
}

/* A format forced on input of another shape: refused, then the end. */
static void test_wrong_format_forced(void **state)
{
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	/* a frame read as an envelope: no header anywhere */
	tu_read_one("f.log", x, len, FA_EPP_ENVELOPE, 0, &t, &o);
	assert_true(is_reject(o.rc));
	assert_true(o.rej_offset == 0);
	assert_true(o.rc_after == FA_EOF);
	/* "<?xm" read as a big-endian length is far over the limit */
	tu_read_one("f.raw", x, len, FA_EPP_RFC5734, 0, &t, &o);
	assert_true(is_reject(o.rc));
	assert_true(o.rej_offset == 0);
	assert_true(o.rc_after == FA_EOF);
	fa_txn_deinit(&t);
	fa_epp_reader_free(NULL);
	free(x);
}

/* Resuming past the end of a file finds nothing, and that is no error. */
static void test_resume_past_end(void **state)
{
	char path[1024], err[512];
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;

	snprintf(path, sizeof(path), "%s/epp/env_small.log", FA_TEST_DATA);
	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 8096, err,
					    sizeof(err)), FA_OK);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_doctype),
		cmocka_unit_test(test_entity_internal),
		cmocka_unit_test(test_entity_external_file),
		cmocka_unit_test(test_entity_external_url),
		cmocka_unit_test(test_entity_parameter),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_not_epp),
		cmocka_unit_test(test_label_too_long),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_name_not_ascii),
		cmocka_unit_test(test_name_empty_label),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_oversized_frame),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_wrong_format_forced),
		cmocka_unit_test(test_resume_past_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
