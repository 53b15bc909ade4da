/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logs that end inside a record (still being written, or cut): the reader
 * stops before that record without refusing it, reports where it starts,
 * and once the file has grown, reading from that offset yields it whole.
 * Cut points all through an envelope log and a raw RFC 5734 capture are
 * tried: the transactions read before and after the growth must be
 * exactly those of the whole file, with no reject on either side.
 */
#include <unistd.h>

#include "epp_test_util.h"

/* What reading a file from an offset gave. */
struct pass {
	struct tu_buf keys;	/* "offset key registrar\n" per transaction */
	size_t rejects;
	bool tail;
	uint64_t tail_off, tail_len;
	uint64_t end;		/* fa_epp_reader_offset at the end */
};

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void read_pass(const char *path, enum fa_epp_format fmt,
		      size_t max_frame, uint64_t from, struct pass *o)
{
	struct fa_epp_opts opts = {
		.max_frame = max_frame,
		.format = fmt,
		.default_time_us = TU_DEFAULT_TIME,
	};
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;
	char err[512] = "";
	int rc;

	memset(o, 0, sizeof(*o));
	assert_int_equal(fa_epp_reader_open(&r, path, &opts, from, err,
					    sizeof(err)), FA_OK);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	while ((rc = fa_epp_reader_next(r, &t, &rej)) != FA_EOF) {
		char line[256];

		if (rc != FA_OK) {
			fprintf(stderr, "reject at %llu: %s\n",
				(unsigned long long)rej.pos.offset, rej.reason);
			o->rejects++;
			continue;
		}
		snprintf(line, sizeof(line), "%llu %s %s\n",
			 (unsigned long long)t.pos.offset, t.key,
			 t.registrar ? t.registrar : "-");
		tu_buf_str(&o->keys, line);
	}
	o->tail = fa_epp_reader_tail(r, &o->tail_off, &o->tail_len);
	o->end = fa_epp_reader_offset(r);
	/* The end stays the end. */
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_txn_deinit(&t);
	fa_epp_reader_free(r);
}

/* Cut points tried: every fifth byte, and every byte near a record or
 * frame start (marks, n of them) or the end; trying all bytes is slow
 * under the sanitizers and adds nothing. */
static bool tried(size_t cut, size_t len, const size_t *marks, size_t n)
{
	if (cut % 5 == 0 || cut + 3 > len) {
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (cut + 3 > marks[i] && cut < marks[i] + 3) {
			return true;
		}
	}
	return false;
}

/*
 * For many cut points: read the cut file, then the whole file from where
 * the first pass stopped; together they must equal one pass over the whole.
 * is_boundary(cut) says where no incomplete record may be reported (NULL:
 * not checked).
 */
static void every_cut(const struct tu_buf *b, enum fa_epp_format fmt,
		      const size_t *marks, size_t nmarks,
		      bool (*is_boundary)(size_t cut, void *arg), void *arg)
{
	char path[] = "/tmp/fa-tail-XXXXXX";
	int fd = mkstemp(path);
	struct pass whole, first, rest;
	size_t tails = 0;

	assert_true(fd >= 0);
	close(fd);
	write_file(path, b->p, b->len);
	read_pass(path, fmt, 0, 0, &whole);
	fprintf(stderr, "whole input:\n%s", whole.keys.p);
	assert_int_equal(whole.rejects, 0);
	assert_false(whole.tail);
	assert_true(whole.end == b->len);
	assert_true(whole.keys.len > 0);

	for (size_t cut = 0; cut <= b->len; cut++) {
		if (!tried(cut, b->len, marks, nmarks)) {
			continue;
		}
		write_file(path, b->p, cut);
		read_pass(path, fmt, 0, 0, &first);
		write_file(path, b->p, b->len);
		read_pass(path, fmt, 0, first.end, &rest);

		if (first.rejects != 0 || rest.rejects != 0) {
			fail_msg("cut at %zu: %zu + %zu rejects", cut,
				 first.rejects, rest.rejects);
		}
		if (first.tail) {
			tails++;
			/* It starts where reading stopped and runs to the cut. */
			if (first.tail_off != first.end ||
			    first.tail_off + first.tail_len != cut) {
				fail_msg("cut at %zu: tail at %llu, %llu bytes, offset %llu",
					 cut, (unsigned long long)first.tail_off,
					 (unsigned long long)first.tail_len,
					 (unsigned long long)first.end);
			}
		}
		if (is_boundary != NULL && first.tail == is_boundary(cut, arg)) {
			fail_msg("cut at %zu: %s incomplete record reported", cut,
				 first.tail ? "an" : "no");
		}
		struct tu_buf both = { 0 };
		tu_buf_add(&both, first.keys.p, first.keys.len);
		tu_buf_add(&both, rest.keys.p, rest.keys.len);
		if (both.len != whole.keys.len ||
		    memcmp(both.p, whole.keys.p, both.len) != 0) {
			fail_msg("cut at %zu: read\n%s+\n%sinstead of\n%s", cut,
				 first.keys.p ? first.keys.p : "",
				 rest.keys.p ? rest.keys.p : "", whole.keys.p);
		}
		assert_false(rest.tail);
		tu_buf_free(&both);
		tu_buf_free(&first.keys);
		tu_buf_free(&rest.keys);
	}
	assert_true(tails > 0);
	tu_buf_free(&whole.keys);
	unlink(path);
}

/* Envelope: [start, end) of each record without its trailing line feed. */
struct spans {
	size_t start[16], end[16];
	size_t n;
};

static void span(struct spans *s, const struct tu_buf *b, size_t at)
{
	s->start[s->n] = at;
	s->end[s->n] = b->len - 1;	/* tu_env_record adds one line feed */
	s->n++;
}

static bool env_boundary(size_t cut, void *arg)
{
	const struct spans *s = arg;

	for (size_t i = 0; i < s->n; i++) {
		if (cut > s->start[i] && cut < s->end[i]) {
			return false;
		}
	}
	return true;
}

static void test_envelope_every_cut(void **state)
{
	struct tu_buf b = { 0 };
	struct spans s = { .n = 0 };
	const char *hdr = "time=2026-11-02T10:00:00Z clid=reg-alpha addr=192.0.2.1";

	(void)state;
	tu_buf_str(&b, "#fluxaudit-epp-log v1\n");
	span(&s, &b, tu_env_files(&b, hdr, "cmd_login.xml", "rsp_1000.xml"));
	span(&s, &b, tu_env_files(&b, hdr, "cmd_domain_create.xml",
				  "rsp_domain_credata.xml"));
	tu_buf_str(&b, "# a comment between records\n");
	span(&s, &b, tu_env_files(&b, hdr, "cmd_domain_update.xml", NULL));
	span(&s, &b, tu_env_files(&b, hdr, "cmd_host_update.xml",
				  "rsp_1000.xml"));
	span(&s, &b, tu_env_files(&b, hdr, NULL, "rsp_greeting.xml"));
	every_cut(&b, FA_EPP_ENVELOPE, s.start, s.n, env_boundary, &s);
	tu_buf_free(&b);
}

static size_t rsp_frame(struct tu_buf *b, const char *file, const char *sv)
{
	size_t len;
	char *x = tu_rsp(file, sv, &len);
	size_t at = tu_5734_frame(b, x, len);

	free(x);
	return at;
}

/*
 * Raw capture: the login's registrar must survive a resume in the middle
 * of the session (the keys name it), and a command at the end is held
 * back until its response is there.
 */
static void test_rfc5734_every_cut(void **state)
{
	struct tu_buf b = { 0 };
	size_t m[10];

	(void)state;
	m[0] = tu_5734_file(&b, "rsp_greeting.xml");
	m[1] = tu_5734_file(&b, "cmd_login.xml");
	m[2] = rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	m[3] = tu_5734_file(&b, "cmd_domain_update.xml");
	m[4] = rsp_frame(&b, "rsp_1000.xml", "SV-U1");
	m[5] = tu_5734_file(&b, "cmd_domain_delete.xml");	/* lone: no response */
	m[6] = tu_5734_file(&b, "cmd_host_create.xml");
	m[7] = rsp_frame(&b, "rsp_2303.xml", "SV-H2");
	m[8] = tu_5734_file(&b, "cmd_logout.xml");
	m[9] = rsp_frame(&b, "rsp_1500.xml", "SV-O1");
	every_cut(&b, FA_EPP_RFC5734, m, 10, NULL, NULL);
	tu_buf_free(&b);
}

/* The exact report for a few cuts of a raw capture. */
static void test_rfc5734_tail_report(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_txn t;
	struct fa_reject rej;
	uint64_t off, len;

	(void)state;
	tu_5734_file(&b, "cmd_login.xml");
	rsp_frame(&b, "rsp_1000.xml", "SV-L1");
	size_t upd = tu_5734_file(&b, "cmd_domain_update.xml");
	size_t rsp = rsp_frame(&b, "rsp_1000.xml", "SV-U1");
	assert_int_equal(fa_txn_init(&t), FA_OK);

	/* cut inside the response's length prefix: the command waits too */
	struct fa_epp_reader *r = tu_open("t.raw", b.p, rsp + 2, FA_EPP_RFC5734, 0);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "login");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_tail(r, &off, &len));
	assert_true(off == upd && len == rsp + 2 - upd);
	assert_true(fa_epp_reader_offset(r) == upd);
	fa_epp_reader_free(r);

	/* a command whose response is not logged yet */
	r = tu_open("t.raw", b.p, rsp, FA_EPP_RFC5734, 0);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_tail(r, &off, &len));
	assert_true(off == upd && len == rsp - upd);
	fa_epp_reader_free(r);

	/* the whole session: no tail */
	r = tu_open("t.raw", b.p, b.len, FA_EPP_RFC5734, 0);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_string_equal(t.command, "domain:update");
	assert_int_equal(t.result_code, 1000);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_false(fa_epp_reader_tail(r, &off, &len));
	assert_true(fa_epp_reader_offset(r) == b.len);
	fa_epp_reader_free(r);

	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/*
 * Lengths past the end are still a broken header when another header
 * line follows: refused, and reading resumes at that line.
 */
static void test_broken_header_not_a_tail(void **state)
{
	struct tu_buf b = { 0 };
	const char *hdr = "time=2026-11-02T10:00:00Z clid=reg-alpha";
	size_t cl;
	char *c = tu_data("cmd_domain_delete.xml", &cl);
	struct fa_txn t;
	struct fa_reject rej;
	uint64_t off, len;
	char line[256];

	(void)state;
	snprintf(line, sizeof(line), "EPPTX %s cmd=%zu rsp=9999\n", hdr, cl);
	tu_buf_str(&b, line);
	tu_buf_add(&b, c, cl);
	tu_buf_str(&b, "\n");
	size_t good = tu_env_files(&b, hdr, "cmd_host_delete.xml", "rsp_1000.xml");

	struct fa_epp_reader *r = tu_open("b.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EPARSE);
	assert_true(rej.pos.offset == 0);
	tu_assert_mentions(rej.reason, "past the end");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.pos.offset == good);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_false(fa_epp_reader_tail(r, &off, &len));
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	free(c);
	tu_buf_free(&b);
}

/*
 * A record over the size limit that the input ends inside is refused, but
 * not skipped: the offset stays at its start, so that once complete it is
 * skipped exactly and the records after it are read (raw streams have no
 * header line to resynchronize on).
 */
static void oversized_growing(enum fa_epp_format fmt)
{
	struct tu_buf b = { 0 };
	char path[] = "/tmp/fa-tail-XXXXXX";
	int fd = mkstemp(path);
	struct pass first, rest;
	size_t big_at, after;

	assert_true(fd >= 0);
	close(fd);
	if (fmt == FA_EPP_ENVELOPE) {
		const char *hdr = "time=2026-11-02T10:00:00Z clid=reg-alpha";
		tu_env_files(&b, hdr, "cmd_login.xml", "rsp_1000.xml");
		big_at = tu_env_files(&b, hdr, "cmd_domain_create.xml",
				      "rsp_domain_credata.xml");
		after = tu_env_files(&b, hdr, "cmd_host_delete.xml",
				     "rsp_1000.xml");
	} else {
		tu_5734_file(&b, "cmd_login.xml");
		rsp_frame(&b, "rsp_1000.xml", "SV-L1");
		big_at = tu_5734_file(&b, "cmd_domain_create.xml");
		rsp_frame(&b, "rsp_1000.xml", "SV-C1");
		after = tu_5734_file(&b, "cmd_host_delete.xml");
		rsp_frame(&b, "rsp_1000.xml", "SV-D1");
	}
	/* A limit the domain:create frame exceeds and the others do not. */
	size_t limit = 1000;

	write_file(path, b.p, big_at + 200);
	read_pass(path, fmt, limit, 0, &first);
	assert_int_equal(first.rejects, 1);
	assert_false(first.tail);
	assert_true(first.end == big_at);

	write_file(path, b.p, b.len);
	read_pass(path, fmt, limit, first.end, &rest);
	assert_int_equal(rest.rejects, 1);
	assert_false(rest.tail);
	assert_true(rest.end == b.len);
	/* the record after the oversized one is read, from its own start
	 * (in a raw stream the refused command's response comes first, as a
	 * transaction of its own) */
	char want[32];
	snprintf(want, sizeof(want), "\n%zu sv:reg-alpha:", after);
	struct tu_buf lines = { 0 };
	tu_buf_str(&lines, "\n");
	tu_buf_add(&lines, rest.keys.p, rest.keys.len);
	if (strstr(lines.p, want) == NULL) {
		fail_msg("no transaction at %zu in\n%s", after, rest.keys.p);
	}
	tu_buf_free(&lines);

	tu_buf_free(&first.keys);
	tu_buf_free(&rest.keys);
	tu_buf_free(&b);
	unlink(path);
}

static void test_oversized_growing(void **state)
{
	(void)state;
	oversized_growing(FA_EPP_ENVELOPE);
	oversized_growing(FA_EPP_RFC5734);
}

/* A comment line without its line end is left for when the log grows. */
static void test_open_comment(void **state)
{
	struct tu_buf b = { 0 };
	const char *hdr = "time=2026-11-02T10:00:00Z clid=reg-alpha";
	struct fa_txn t;
	struct fa_reject rej;
	uint64_t off, len;

	(void)state;
	tu_env_files(&b, hdr, "cmd_host_delete.xml", "rsp_1000.xml");
	size_t at = b.len;
	tu_buf_str(&b, "# unfinished comm");

	struct fa_epp_reader *r = tu_open("c.log", b.p, b.len, FA_EPP_ENVELOPE, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_false(fa_epp_reader_tail(r, &off, &len));
	assert_true(fa_epp_reader_offset(r) == at);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_every_cut),
		cmocka_unit_test(test_rfc5734_every_cut),
		cmocka_unit_test(test_rfc5734_tail_report),
		cmocka_unit_test(test_broken_header_not_a_tail),
		cmocka_unit_test(test_oversized_growing),
		cmocka_unit_test(test_open_comment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
