/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the EPP reader tests: loading frames from tests/data/epp,
 * building envelope logs and RFC 5734 streams in memory (so that every
 * expected byte offset is known exactly), and comparing transactions.
 *
 * Everything here is static inline because each test_*.c file is its own
 * executable and not every test uses every helper.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "common/fa_time.h"
#include "epp/fa_epp.h"
#include "model/fa_event.h"

/* 2026-11-02T09:15:04.120Z, the time given to records that carry none. */
#define TU_DEFAULT_TIME 1793610904120000LL

static inline char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n = 0;

	if (f == NULL) {
		fail_msg("could not open \"%s\"", path);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fail_msg("could not size \"%s\"", path);
	}
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fail_msg("could not read \"%s\"", path);
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A file from tests/data/epp; free() the result. */
static inline char *tu_data(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/epp/%s", FA_TEST_DATA, name);
	return tu_slurp(path, len);
}

static inline int tu_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

/* Case-insensitive: does s contain any of the NULL-terminated words? */
static inline int tu_mentions(const char *s, const char *const *words)
{
	if (s == NULL) {
		return 0;
	}
	for (size_t i = 0; words[i] != NULL; i++) {
		size_t wl = strlen(words[i]);
		for (const char *p = s; *p != '\0'; p++) {
			if (strncasecmp(p, words[i], wl) == 0) {
				return 1;
			}
		}
	}
	return 0;
}

#define tu_assert_mentions(s, ...)                                           \
	do {                                                                  \
		const char *const tu_w_[] = { __VA_ARGS__, NULL };            \
		const char *tu_s_ = (s);                                      \
		if (!tu_mentions(tu_s_, tu_w_)) {                             \
			fail_msg("reason \"%s\" mentions none of %s",         \
				 tu_s_ ? tu_s_ : "(null)", #__VA_ARGS__);     \
		}                                                             \
	} while (0)

/* Expected event: kind name and the four string fields, NULL = unset. */
struct tu_ev {
	const char *kind;
	const char *domain;
	const char *host;
	const char *contact;
	const char *value;
};

static inline void tu_print_txn(const struct fa_txn *t)
{
	fprintf(stderr, "txn: command=%s type=%s result=%d registrar=%s "
		"objects=%zu events=%zu\n", t->command ? t->command : "(null)",
		t->object_type ? t->object_type : "(null)", t->result_code,
		t->registrar ? t->registrar : "(null)", t->nobjects,
		t->nevents);
	for (size_t i = 0; i < t->nobjects; i++) {
		fprintf(stderr, "  object %s\n", t->objects[i]);
	}
	for (size_t i = 0; i < t->nevents; i++) {
		const struct fa_event *e = &t->events[i];
		fprintf(stderr, "  event %s domain=%s host=%s contact=%s value=%s\n",
			fa_event_kind_name(e->kind),
			e->domain ? e->domain : "(null)",
			e->host ? e->host : "(null)",
			e->contact ? e->contact : "(null)",
			e->value ? e->value : "(null)");
	}
}

static inline int tu_ev_match(const struct fa_event *e, const struct tu_ev *x)
{
	return strcmp(fa_event_kind_name(e->kind), x->kind) == 0 &&
	       tu_streq(e->domain, x->domain) && tu_streq(e->host, x->host) &&
	       tu_streq(e->contact, x->contact) && tu_streq(e->value, x->value);
}

/*
 * The txn holds exactly these events, each once, in any order: the
 * contract does not fix the order in which a command's changes are listed.
 */
static inline void tu_assert_events(const struct fa_txn *t,
				    const struct tu_ev *want, size_t n)
{
	unsigned char used[256] = { 0 };

	assert_true(t->nevents < sizeof(used));
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < t->nevents; j++) {
			if (!used[j] && tu_ev_match(&t->events[j], &want[i])) {
				break;
			}
		}
		if (j == t->nevents) {
			tu_print_txn(t);
			fail_msg("missing event %s domain=%s host=%s contact=%s value=%s",
				 want[i].kind, want[i].domain ? want[i].domain : "-",
				 want[i].host ? want[i].host : "-",
				 want[i].contact ? want[i].contact : "-",
				 want[i].value ? want[i].value : "-");
		}
		used[j] = 1;
	}
	if (t->nevents != n) {
		tu_print_txn(t);
		fail_msg("expected %zu events, got %zu", n, t->nevents);
	}
}

#define TU_EVENTS(t, ...)                                                    \
	do {                                                                  \
		const struct tu_ev tu_e_[] = { __VA_ARGS__ };                 \
		tu_assert_events((t), tu_e_, sizeof(tu_e_) / sizeof(tu_e_[0])); \
	} while (0)

static inline void tu_assert_objects(const struct fa_txn *t,
				     const char *const *want, size_t n)
{
	if (t->nobjects != n) {
		tu_print_txn(t);
		fail_msg("expected %zu objects, got %zu", n, t->nobjects);
	}
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(t->objects[i], want[i]);
	}
}

#define TU_OBJECTS(t, ...)                                                   \
	do {                                                                  \
		const char *const tu_o_[] = { __VA_ARGS__ };                  \
		tu_assert_objects((t), tu_o_, sizeof(tu_o_) / sizeof(tu_o_[0])); \
	} while (0)

/* Exact field-by-field equality of what two readings understood. */
static inline void tu_assert_txn_same(const struct fa_txn *a,
				      const struct fa_txn *b)
{
	if (!tu_streq(a->command, b->command) ||
	    !tu_streq(a->object_type, b->object_type) ||
	    a->nobjects != b->nobjects || a->nevents != b->nevents ||
	    a->result_code != b->result_code ||
	    !tu_streq(a->registrar, b->registrar)) {
		tu_print_txn(a);
		tu_print_txn(b);
		fail_msg("transactions differ");
	}
	assert_true(tu_streq(a->result_msg, b->result_msg));
	assert_true(tu_streq(a->cltrid, b->cltrid));
	assert_true(tu_streq(a->svtrid, b->svtrid));
	assert_int_equal(a->has_command, b->has_command);
	assert_int_equal(a->has_response, b->has_response);
	assert_true(a->time_us == b->time_us);
	for (size_t i = 0; i < a->nobjects; i++) {
		assert_string_equal(a->objects[i], b->objects[i]);
	}
	for (size_t i = 0; i < a->nevents; i++) {
		const struct fa_event *x = &a->events[i], *y = &b->events[i];
		if (x->kind != y->kind || !tu_streq(x->domain, y->domain) ||
		    !tu_streq(x->host, y->host) ||
		    !tu_streq(x->contact, y->contact) ||
		    !tu_streq(x->value, y->value) ||
		    !tu_streq(x->detail, y->detail)) {
			tu_print_txn(a);
			tu_print_txn(b);
			fail_msg("event %zu differs", i);
		}
	}
}

/* Outcome of reading one input that should hold a single record. */
struct tu_one {
	int rc;			/* first fa_epp_reader_next */
	int rc_after;		/* the call after it */
	char reason[1024];	/* copy of the reject reason, if any */
	char excerpt[1024];	/* copy of the reject excerpt, if any */
	uint64_t rej_offset;
	char rej_path[256];
	uint64_t end_offset;	/* fa_epp_reader_offset after the record */
	char txn_path[256];	/* txn->pos.path, read while the reader lives */
};

static inline struct fa_epp_reader *tu_open(const char *name, const void *buf,
					    size_t len,
					    enum fa_epp_format fmt,
					    size_t max_frame)
{
	struct fa_epp_opts opts = {
		.max_frame = max_frame,
		.format = fmt,
		.default_time_us = TU_DEFAULT_TIME,
	};
	struct fa_epp_reader *r = NULL;

	assert_int_equal(fa_epp_reader_open_mem(&r, name, buf, len, &opts),
			 FA_OK);
	assert_non_null(r);
	return r;
}

static inline void tu_copy_reject(struct tu_one *o, const struct fa_reject *rej)
{
	snprintf(o->reason, sizeof(o->reason), "%s",
		 rej->reason ? rej->reason : "");
	size_t n = rej->excerpt_len < sizeof(o->excerpt) - 1 ?
		   rej->excerpt_len : sizeof(o->excerpt) - 1;
	if (rej->excerpt != NULL) {
		memcpy(o->excerpt, rej->excerpt, n);
	}
	o->excerpt[rej->excerpt != NULL ? n : 0] = '\0';
	o->rej_offset = rej->pos.offset;
	snprintf(o->rej_path, sizeof(o->rej_path), "%s",
		 rej->pos.path ? rej->pos.path : "");
}

/* Read a buffer that holds one record (forced format). */
static inline void tu_read_one(const char *name, const void *buf, size_t len,
			       enum fa_epp_format fmt, size_t max_frame,
			       struct fa_txn *txn, struct tu_one *o)
{
	struct fa_epp_reader *r = tu_open(name, buf, len, fmt, max_frame);
	struct fa_reject rej;

	memset(o, 0, sizeof(*o));
	memset(&rej, 0, sizeof(rej));
	o->rc = fa_epp_reader_next(r, txn, &rej);
	if (o->rc != FA_OK && o->rc != FA_EOF) {
		tu_copy_reject(o, &rej);
	}
	o->end_offset = fa_epp_reader_offset(r);
	if (o->rc == FA_OK) {
		snprintf(o->txn_path, sizeof(o->txn_path), "%s",
			 txn->pos.path ? txn->pos.path : "(null)");
	}
	memset(&rej, 0, sizeof(rej));
	struct fa_txn spare;
	assert_int_equal(fa_txn_init(&spare), FA_OK);
	o->rc_after = fa_epp_reader_next(r, &spare, &rej);
	fa_txn_deinit(&spare);
	fa_epp_reader_free(r);
}

/* Read tests/data/epp/<file> as a single frame. */
static inline void tu_frame(const char *file, struct fa_txn *txn,
			    struct tu_one *o)
{
	size_t len;
	char *buf = tu_data(file, &len);

	tu_read_one(file, buf, len, FA_EPP_FRAME, 0, txn, o);
	free(buf);
}

/* Growable byte buffer for building inputs. */
struct tu_buf {
	char *p;
	size_t len;
	size_t cap;
};

static inline void tu_buf_add(struct tu_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1) {
			cap *= 2;
		}
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (len > 0) {
		memcpy(b->p + b->len, data, len);
	}
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void tu_buf_str(struct tu_buf *b, const char *s)
{
	tu_buf_add(b, s, strlen(s));
}

static inline void tu_buf_free(struct tu_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * Append one envelope record: "EPPTX <hdr> cmd=N rsp=M\n", both frames and
 * the optional trailing line feed. Returns the record's offset.
 */
static inline size_t tu_env_record(struct tu_buf *b, const char *hdr,
				   const char *cmd, size_t cmdlen,
				   const char *rsp, size_t rsplen)
{
	size_t at = b->len;
	char line[1024];

	snprintf(line, sizeof(line), "EPPTX %s cmd=%zu rsp=%zu\n", hdr,
		 cmdlen, rsplen);
	tu_buf_str(b, line);
	tu_buf_add(b, cmd, cmdlen);
	tu_buf_add(b, rsp, rsplen);
	tu_buf_str(b, "\n");
	return at;
}

/* Same with frames from tests/data/epp (NULL = absent). */
static inline size_t tu_env_files(struct tu_buf *b, const char *hdr,
				  const char *cmdfile, const char *rspfile)
{
	size_t cl = 0, rl = 0;
	char *c = cmdfile ? tu_data(cmdfile, &cl) : NULL;
	char *r = rspfile ? tu_data(rspfile, &rl) : NULL;
	size_t at = tu_env_record(b, hdr, c ? c : "", cl, r ? r : "", rl);

	free(c);
	free(r);
	return at;
}

/* Append one RFC 5734 data unit; returns its offset. */
static inline size_t tu_5734_frame(struct tu_buf *b, const void *xml,
				   size_t len)
{
	size_t at = b->len;
	uint32_t total = (uint32_t)len + 4;
	unsigned char hdr[4] = {
		(unsigned char)(total >> 24), (unsigned char)(total >> 16),
		(unsigned char)(total >> 8), (unsigned char)total,
	};

	tu_buf_add(b, hdr, 4);
	tu_buf_add(b, xml, len);
	return at;
}

static inline size_t tu_5734_file(struct tu_buf *b, const char *file)
{
	size_t len;
	char *x = tu_data(file, &len);
	size_t at = tu_5734_frame(b, x, len);

	free(x);
	return at;
}

static inline int64_t tu_time(const char *s)
{
	int64_t us = 0;

	assert_int_equal(fa_time_parse(s, strlen(s), &us), FA_OK);
	return us;
}

/*
 * A response frame from tests/data/epp with its svTRID replaced (NULL
 * removes the svTRID element). free() the result.
 */
static inline char *tu_rsp(const char *file, const char *svtrid, size_t *len)
{
	size_t n;
	char *x = tu_data(file, &n);
	char *open = strstr(x, "<svTRID>");
	char *close = open ? strstr(open, "</svTRID>") : NULL;
	struct tu_buf b = { 0 };

	assert_non_null(close);
	if (svtrid == NULL) {
		/* drop the whole line holding the element */
		char *ls = open;
		while (ls > x && ls[-1] != '\n') {
			ls--;
		}
		char *le = strchr(close, '\n');
		tu_buf_add(&b, x, (size_t)(ls - x));
		tu_buf_str(&b, le ? le + 1 : "");
	} else {
		tu_buf_add(&b, x, (size_t)(open - x) + 8);
		tu_buf_str(&b, svtrid);
		tu_buf_str(&b, close);
	}
	free(x);
	*len = b.len;
	return b.p;
}
