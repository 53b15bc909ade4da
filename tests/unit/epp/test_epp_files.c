/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading from files much larger than any read buffer: thousands of
 * records of varying sizes, so that headers and frames straddle every
 * possible buffer boundary, oversized frames skipped in the middle, and
 * garbage between records. Every offset is checked.
 */
#include <unistd.h>

#include "epp_test_util.h"

#define NREC 2500

static const char *const cmds[] = {
	"cmd_domain_delete.xml", "cmd_domain_update.xml", "cmd_host_create.xml",
	"cmd_domain_create.xml", "cmd_host_update.xml", "cmd_contact_create.xml",
	"cmd_domain_renew.xml",
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const size_t nevents[NCMDS] = { 1, 10, 3, 7, 6, 1, 1 };

static char *write_temp(const struct tu_buf *b, char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	size_t done = 0;
	while (done < b->len) {
		ssize_t n = write(fd, b->p + done, b->len - done);
		assert_true(n > 0);
		done += (size_t)n;
	}
	close(fd);
	return path;
}

static struct fa_epp_reader *open_file(const char *path, size_t max_frame)
{
	struct fa_epp_opts opts = { .max_frame = max_frame,
				    .default_time_us = TU_DEFAULT_TIME };
	struct fa_epp_reader *r = NULL;
	char err[512];

	if (fa_epp_reader_open(&r, path, &opts, 0, err, sizeof(err)) != FA_OK) {
		fail_msg("%s", err);
	}
	return r;
}

static void test_many_envelope_records(void **state)
{
	struct tu_buf b = { 0 };
	char *frames[NCMDS];
	size_t lens[NCMDS], rl;
	char *rsp = tu_rsp("rsp_1000.xml", "SV-MANY", &rl);
	size_t *at = calloc(NREC + 1, sizeof(*at));
	char path[] = "/tmp/fa-epptest-many-XXXXXX";
	char hdr[128];

	assert_non_null(at);
	for (size_t i = 0; i < NCMDS; i++) {
		frames[i] = tu_data(cmds[i], &lens[i]);
	}
	tu_buf_str(&b, "#fluxaudit-epp-log v1\n");
	for (size_t i = 0; i < NREC; i++) {
		size_t k = (i * 7 + i / 3) % NCMDS;
		/* vary the header length too, by a byte at a time */
		snprintf(hdr, sizeof(hdr), "time=2026-11-02T09:15:04.120Z "
			 "clid=reg-%0*zu session=s%zu", (int)(1 + i % 12), i, i);
		at[i] = tu_env_record(&b, hdr, frames[k], lens[k], rsp,
				      i % 5 == 0 ? 0 : rl);
	}
	at[NREC] = b.len;
	write_temp(&b, path);

	struct fa_epp_reader *r = open_file(path, 0);
	struct fa_txn t;
	struct fa_reject rej;
	assert_int_equal(fa_txn_init(&t), FA_OK);
	for (size_t i = 0; i < NREC; i++) {
		size_t k = (i * 7 + i / 3) % NCMDS;
		memset(&rej, 0, sizeof(rej));
		int rc = fa_epp_reader_next(r, &t, &rej);
		if (rc != FA_OK) {
			fail_msg("record %zu at %zu: rc %d at %llu: %s", i, at[i],
				 rc, (unsigned long long)rej.pos.offset,
				 rej.reason ? rej.reason : "");
		}
		if (t.pos.offset != at[i]) {
			fail_msg("record %zu at %llu, expected %zu", i,
				 (unsigned long long)t.pos.offset, at[i]);
		}
		assert_true(fa_epp_reader_offset(r) == at[i + 1]);
		assert_int_equal(t.result_code, i % 5 == 0 ? -1 : 1000);
		assert_int_equal(t.nevents, nevents[k]);
		char want[64];
		snprintf(want, sizeof(want), "s%zu", i);
		assert_string_equal(t.session, want);
	}
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);

	/* resume from the middle of the file, at a record boundary */
	struct fa_epp_opts opts = { .default_time_us = TU_DEFAULT_TIME };
	char err[512];
	r = NULL;
	assert_int_equal(fa_epp_reader_open(&r, path, &opts, at[NREC / 2], err,
					    sizeof(err)), FA_OK);
	size_t n = 0;
	while (fa_epp_reader_next(r, &t, &rej) == FA_OK) {
		assert_true(t.pos.offset == at[NREC / 2 + n]);
		n++;
	}
	assert_int_equal(n, NREC - NREC / 2);
	fa_epp_reader_free(r);

	fa_txn_deinit(&t);
	unlink(path);
	for (size_t i = 0; i < NCMDS; i++) {
		free(frames[i]);
	}
	free(rsp);
	free(at);
	tu_buf_free(&b);
}

static void test_many_stream_frames(void **state)
{
	struct tu_buf b = { 0 };
	char *frames[NCMDS];
	size_t lens[NCMDS], rl;
	char *rsp = tu_rsp("rsp_1000.xml", "SV-RAW", &rl);
	size_t *at = calloc(NREC, sizeof(*at));
	char path[] = "/tmp/fa-epptest-raw-XXXXXX";

	assert_non_null(at);
	for (size_t i = 0; i < NCMDS; i++) {
		frames[i] = tu_data(cmds[i], &lens[i]);
	}
	tu_5734_file(&b, "cmd_login.xml");
	tu_5734_frame(&b, rsp, rl);
	for (size_t i = 0; i < NREC; i++) {
		size_t k = (i * 3 + i / 7) % NCMDS;
		at[i] = tu_5734_frame(&b, frames[k], lens[k]);
		tu_5734_frame(&b, rsp, rl);
	}
	write_temp(&b, path);

	struct fa_epp_reader *r = open_file(path, 0);
	struct fa_txn t;
	struct fa_reject rej;
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_RFC5734);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "login");
	for (size_t i = 0; i < NREC; i++) {
		size_t k = (i * 3 + i / 7) % NCMDS;
		memset(&rej, 0, sizeof(rej));
		int rc = fa_epp_reader_next(r, &t, &rej);
		if (rc != FA_OK) {
			fail_msg("frame %zu at %zu: rc %d: %s", i, at[i], rc,
				 rej.reason ? rej.reason : "");
		}
		assert_true(t.pos.offset == at[i]);
		assert_string_equal(t.registrar, "reg-alpha");
		assert_int_equal(t.result_code, 1000);
		assert_int_equal(t.nevents, nevents[k]);
	}
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_offset(r) == b.len);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	unlink(path);
	for (size_t i = 0; i < NCMDS; i++) {
		free(frames[i]);
	}
	free(rsp);
	free(at);
	tu_buf_free(&b);
}

/* A 3 MB frame in a file with a 64 KiB limit is skipped, not buffered. */
static void test_huge_frame_skipped(void **state)
{
	struct tu_buf b = { 0 }, big = { 0 };
	size_t dl, rl;
	char *del = tu_data("cmd_domain_delete.xml", &dl);
	char *rsp = tu_rsp("rsp_1000.xml", "SV-H", &rl);
	char *cut = strstr(del, "<command>");
	char path[] = "/tmp/fa-epptest-huge-XXXXXX";
	const char *h = "time=2026-11-02T09:15:04Z clid=reg-alpha";

	tu_buf_add(&big, del, (size_t)(cut - del));
	tu_buf_str(&big, "<!-- ");
	while (big.len < 3 * 1024 * 1024) {
		tu_buf_str(&big, "0123456789abcdef0123456789abcdef");
	}
	tu_buf_str(&big, " -->\n");
	tu_buf_str(&big, cut);

	size_t g1 = tu_env_record(&b, h, del, dl, rsp, rl);
	size_t bad = tu_env_record(&b, h, big.p, big.len, rsp, rl);
	size_t g2 = tu_env_record(&b, h, del, dl, rsp, rl);
	size_t bad2 = tu_env_record(&b, h, del, dl, big.p, big.len);
	size_t g3 = tu_env_record(&b, h, del, dl, rsp, rl);
	write_temp(&b, path);

	struct fa_epp_reader *r = open_file(path, 65536);
	struct fa_txn t;
	struct fa_reject rej;
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g1);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_ELIMIT);
	assert_true(rej.pos.offset == bad);
	assert_true(rej.excerpt_len <= 4096);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g2);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_ELIMIT);
	assert_true(rej.pos.offset == bad2);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g3);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);

	/* the same as a raw stream */
	struct tu_buf s = { 0 };
	tu_5734_file(&s, "cmd_login.xml");
	tu_5734_frame(&s, rsp, rl);
	size_t sbad = tu_5734_frame(&s, big.p, big.len);
	tu_5734_frame(&s, rsp, rl);
	size_t sgood = tu_5734_frame(&s, del, dl);
	tu_5734_frame(&s, rsp, rl);
	char path2[] = "/tmp/fa-epptest-huge2-XXXXXX";
	write_temp(&s, path2);
	r = open_file(path2, 65536);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_ELIMIT);
	assert_true(rej.pos.offset == sbad);
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_int_equal(rc, FA_OK);
	if (!t.has_command) {	/* the refused command's own response */
		assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	}
	assert_true(t.pos.offset == sgood);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);

	fa_txn_deinit(&t);
	unlink(path);
	unlink(path2);
	tu_buf_free(&b);
	tu_buf_free(&s);
	tu_buf_free(&big);
	free(del);
	free(rsp);
}

/* Lines that are not headers between records; no final line feed. */
static void test_garbage_between_records(void **state)
{
	struct tu_buf b = { 0 };
	const char *h = "time=2026-11-02T09:15:04Z clid=reg-alpha";
	size_t dl;
	char *del = tu_data("cmd_domain_delete.xml", &dl);

	size_t g1 = tu_env_record(&b, h, del, dl, "", 0);
	size_t junk = b.len;
	tu_buf_str(&b, "this line is not a header\nnor is this one\n");
	size_t g2 = tu_env_record(&b, h, del, dl, "", 0);
	/* a header line far longer than any real one */
	size_t longhdr = b.len;
	tu_buf_str(&b, "EPPTX time=2026-11-02T09:15:04Z clid=");
	for (int i = 0; i < 200000; i++) {
		tu_buf_str(&b, "x");
	}
	tu_buf_str(&b, " cmd=10 rsp=0\n0123456789\n");
	size_t g3 = tu_env_record(&b, h, del, dl, "", 0);
	b.len--;	/* no line feed after the last frame */

	struct fa_epp_reader *r = tu_open("junk.log", b.p, b.len,
					  FA_EPP_ENVELOPE, 0);
	struct fa_txn t;
	struct fa_reject rej;
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g1);
	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EPARSE || rc == FA_EREFUSED);
	assert_true(rej.pos.offset == junk);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g2);
	rc = fa_epp_reader_next(r, &t, &rej);
	assert_true(rc == FA_EPARSE || rc == FA_ELIMIT || rc == FA_EREFUSED);
	assert_true(rej.pos.offset == longhdr);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == g3);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_offset(r) == b.len);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
	free(del);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_envelope_records),
		cmocka_unit_test(test_many_stream_frames),
		cmocka_unit_test(test_huge_frame_skipped),
		cmocka_unit_test(test_garbage_between_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
