/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Envelope records larger than the reader's first buffer (64 KiB): reading
 * them grows and compacts the buffer, and the header fields must still be
 * those of the header line, never bytes of the frame that later took their
 * place. The logs are read from files (memory inputs never move).
 */
#include <unistd.h>

#include "epp_test_util.h"

#define NS_EPP "urn:ietf:params:xml:ns:epp-1.0"
#define NS_DOM "urn:ietf:params:xml:ns:domain-1.0"

/* What a transaction read back says about its header. */
struct seen {
	char time[40];
	char registrar[40];
	char addr[64];
	char key[160];
	char object[64];
};

static void update_frame(struct tu_buf *b, const char *name)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><command>"
		   "<update><domain:update xmlns:domain=\"" NS_DOM "\"><domain:name>");
	tu_buf_str(b, name);
	tu_buf_str(b, "</domain:name><domain:add><domain:ns><domain:hostObj>"
		   "ns1.example.net</domain:hostObj></domain:ns></domain:add>"
		   "</domain:update></update><clTRID>C</clTRID></command></epp>");
}

static void ok_frame(struct tu_buf *b, const char *svtrid)
{
	tu_buf_str(b, "<?xml version=\"1.0\"?><epp xmlns=\"" NS_EPP "\"><response>"
		   "<result code=\"1000\"><msg>ok</msg></result><trID><svTRID>");
	tu_buf_str(b, svtrid);
	tu_buf_str(b, "</svTRID></trID></response></epp>");
}

static void add_record(struct tu_buf *log, const char *hdr, const char *cmd,
		       size_t cmdlen, const char *svtrid)
{
	struct tu_buf rsp = { 0 };

	ok_frame(&rsp, svtrid);
	tu_env_record(log, hdr, cmd, cmdlen, rsp.p, rsp.len);
	tu_buf_free(&rsp);
}

static void add_small(struct tu_buf *log, const char *hdr, const char *name,
		      const char *svtrid)
{
	struct tu_buf cmd = { 0 };

	update_frame(&cmd, name);
	add_record(log, hdr, cmd.p, cmd.len, svtrid);
	tu_buf_free(&cmd);
}

static void read_file(const struct tu_buf *log, struct seen *out, size_t max)
{
	char path[] = "/tmp/fa-bigrec-XXXXXX";
	int fd = mkstemp(path);
	struct fa_epp_opts opts = { .format = FA_EPP_ENVELOPE,
				    .default_time_us = TU_DEFAULT_TIME };
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;
	char err[512] = "";
	size_t n = 0;
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, log->p, log->len), (ssize_t)log->len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(fa_epp_reader_open(&r, path, &opts, 0, err, sizeof(err)),
			 FA_OK);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	while ((rc = fa_epp_reader_next(r, &t, &rej)) != FA_EOF) {
		if (rc != FA_OK) {
			fail_msg("reject at %llu: %s",
				 (unsigned long long)rej.pos.offset, rej.reason);
		}
		assert_true(n < max);
		fa_time_format(t.time_us, out[n].time, sizeof(out[n].time));
		snprintf(out[n].registrar, sizeof(out[n].registrar), "%s",
			 t.registrar ? t.registrar : "-");
		snprintf(out[n].addr, sizeof(out[n].addr), "%s",
			 t.src_addr ? t.src_addr : "-");
		snprintf(out[n].key, sizeof(out[n].key), "%s", t.key);
		snprintf(out[n].object, sizeof(out[n].object), "%s",
			 t.nobjects > 0 ? t.objects[0] : "-");
		n++;
	}
	assert_int_equal(n, max);
	assert_false(fa_epp_reader_tail(r, &(uint64_t){ 0 }, &(uint64_t){ 0 }));
	assert_int_equal(fa_epp_reader_offset(r), log->len);
	fa_txn_deinit(&t);
	fa_epp_reader_free(r);
	unlink(path);
}

static void assert_seen(const struct seen *s, const char *time,
			const char *registrar, const char *addr,
			const char *key, const char *object)
{
	assert_string_equal(s->time, time);
	assert_string_equal(s->registrar, registrar);
	assert_string_equal(s->addr, addr);
	assert_string_equal(s->key, key);
	assert_string_equal(s->object, object);
}

/*
 * A small record, one whose command frame is cmdlen bytes (padded with a
 * comment full of other header values), and a small one again.
 */
static void big_record(size_t cmdlen)
{
	static const char forged[] =
		" time=1999-12-31T23:59:59Z clid=EVIL addr=10.66.6.6 ";
	struct tu_buf log = { 0 }, cmd = { 0 };
	struct seen s[3];

	add_small(&log, "time=2026-11-02T09:00:00Z clid=reg-a addr=192.0.2.1",
		  "first.example", "SV1");
	update_frame(&cmd, "big.example");
	tu_buf_str(&cmd, "<!--");
	while (cmd.len + sizeof(forged) - 1 + 3 <= cmdlen) {
		tu_buf_str(&cmd, forged);
	}
	while (cmd.len + 3 < cmdlen) {
		tu_buf_str(&cmd, " ");
	}
	tu_buf_str(&cmd, "-->");
	assert_int_equal(cmd.len, cmdlen);
	add_record(&log, "time=2026-11-02T10:00:00Z clid=reg-b addr=198.51.100.7 "
		   "session=s-2", cmd.p, cmd.len, "SV2");
	add_small(&log, "time=2026-11-02T11:00:00Z clid=reg-c addr=2001:db8::5",
		  "last.example", "SV3");

	read_file(&log, s, 3);
	assert_seen(&s[0], "2026-11-02T09:00:00Z", "reg-a", "192.0.2.1",
		    "sv:reg-a:SV1", "first.example");
	assert_seen(&s[1], "2026-11-02T10:00:00Z", "reg-b", "198.51.100.7",
		    "sv:reg-b:SV2", "big.example");
	assert_seen(&s[2], "2026-11-02T11:00:00Z", "reg-c", "2001:db8::5",
		    "sv:reg-c:SV3", "last.example");
	tu_buf_free(&cmd);
	tu_buf_free(&log);
}

static void test_record_70k(void **state)
{
	(void)state;
	big_record(70 * 1000);
}

static void test_record_200k(void **state)
{
	(void)state;
	big_record(200 * 1000);
}

/* The frame limit (1 MiB by default) minus a little. */
static void test_record_near_limit(void **state)
{
	(void)state;
	big_record(FA_EPP_MAX_FRAME_DEFAULT - 100);
}

/*
 * The tester's forgery (header-spoof-uaf.log): the big frame holds other
 * header values exactly where the second header's values were before the
 * buffer was compacted, so a stale pointer would read them.
 */
static void test_header_spoof(void **state)
{
	static const char hdr[] = "time=2026-11-02T09:00:00Z clid=reg-t addr=192.0.2.1";
	struct tu_buf log = { 0 }, cmd = { 0 }, rsp = { 0 };
	struct seen s[2];
	char line[256];
	(void)state;

	add_small(&log, hdr, "first.example", "SP1");
	size_t first = log.len;
	update_frame(&cmd, "spoofed.example");
	size_t base = cmd.len;
	size_t pad = 70000;
	ok_frame(&rsp, "SP2");
	snprintf(line, sizeof(line), "EPPTX %s cmd=%zu rsp=%zu\n", hdr,
		 base + pad, rsp.len);
	size_t hlen = strlen(line);

	char *trailer = malloc(pad);
	assert_non_null(trailer);
	memset(trailer, ' ', pad);
	memcpy(trailer, "<!--", 4);
	memcpy(trailer + pad - 3, "-->", 3);
	const struct {
		const char *key, *value;
	} put[] = {
		{ "time=", "1999-12-31T23:59:59Z" },
		{ "clid=", "EVIL!" },
		{ "addr=", "10.66.6.6" },
	};
	for (size_t i = 0; i < 3; i++) {
		size_t at = (size_t)(strstr(line, put[i].key) - line) +
			    strlen(put[i].key);
		size_t k = first + at - hlen - base;
		assert_true(k > 4 && k + strlen(put[i].value) < pad - 3);
		memcpy(trailer + k, put[i].value, strlen(put[i].value));
	}
	tu_buf_add(&cmd, trailer, pad);
	free(trailer);
	tu_buf_str(&log, line);
	tu_buf_add(&log, cmd.p, cmd.len);
	tu_buf_add(&log, rsp.p, rsp.len);
	tu_buf_str(&log, "\n");

	read_file(&log, s, 2);
	assert_seen(&s[0], "2026-11-02T09:00:00Z", "reg-t", "192.0.2.1",
		    "sv:reg-t:SP1", "first.example");
	assert_seen(&s[1], "2026-11-02T09:00:00Z", "reg-t", "192.0.2.1",
		    "sv:reg-t:SP2", "spoofed.example");
	tu_buf_free(&cmd);
	tu_buf_free(&rsp);
	tu_buf_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_70k),
		cmocka_unit_test(test_record_200k),
		cmocka_unit_test(test_record_near_limit),
		cmocka_unit_test(test_header_spoof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
