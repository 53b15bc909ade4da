/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the EPP reader. The first input byte chooses the
 * format (low two bits: auto, envelope, RFC 5734, single frame) and, with
 * bit 2, a small frame limit so that the size checks are reached; with
 * bit 3 the input is read from a file (a memfd), so that the reader's
 * buffer is grown and compacted as for real logs, which memory inputs
 * never are; the rest is the input. Besides crashes and sanitizer reports, the target aborts
 * when the reader breaks its contract: a transaction without a command,
 * an event of an unknown kind, a name or address not in normalized form,
 * an offset outside the input or going backwards, or reading that does not
 * end.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "epp/fa_epp.h"
#include "model/fa_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

static void check(int ok)
{
	if (!ok) {
		abort();
	}
}

/* Lower-case LDH labels of 1..63, at most 253 octets, no final dot. */
static void check_name(const char *s)
{
	size_t len = strlen(s), label = 0;

	check(len > 0 && len <= 253);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			check(label > 0 && label <= 63);
			label = 0;
			continue;
		}
		check((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-');
		label++;
	}
}

/* An address value is its own normalized spelling. */
static void check_addr(const char *s)
{
	unsigned char bin[16];
	char again[64];

	if (inet_pton(AF_INET, s, bin) == 1) {
		check(inet_ntop(AF_INET, bin, again, sizeof(again)) != NULL);
		check(strcmp(again, s) == 0);
		return;
	}
	check(inet_pton(AF_INET6, s, bin) == 1);
	check(inet_ntop(AF_INET6, bin, again, sizeof(again)) != NULL);
	/* inet_ntop writes some IPv4-embedded forms dotted; RFC 5952 asks
	 * that only of ::ffff:0:0/96 */
	if (strchr(again, '.') == NULL || strchr(s, '.') != NULL) {
		check(strcmp(again, s) == 0);
	}
}

static void check_txn(const struct fa_txn *t, size_t len)
{
	check(t->command != NULL);
	check(t->pos.path != NULL);
	check(t->pos.offset <= len);
	check(t->has_command || t->has_response);
	check(t->result_code == -1 ||
	      (t->result_code >= 1000 && t->result_code <= 2999));
	check(memchr(t->key, '\0', sizeof(t->key)) != NULL);
	/* "svh:" is the hashed form of an sv: key too long for the field */
	check(strncmp(t->key, "sv:", 3) == 0 ||
	      strncmp(t->key, "svh:", 4) == 0 ||
	      strncmp(t->key, "sha256:", 7) == 0);
	for (size_t i = 0; i < t->nobjects; i++) {
		check(t->objects[i] != NULL);
		(void)strlen(t->objects[i]);
	}
	for (size_t i = 0; i < t->nevents; i++) {
		const struct fa_event *e = &t->events[i];
		check((int)e->kind >= 0 && e->kind < FA_EV__COUNT);
		if (e->domain != NULL) {
			check_name(e->domain);
		}
		if (e->host != NULL) {
			check_name(e->host);
		}
		if (e->kind == FA_EV_HOST_ADDR_ADD ||
		    e->kind == FA_EV_HOST_ADDR_REM) {
			check(e->value != NULL);
			check_addr(e->value);
		}
		if (e->kind == FA_EV_HOST_RENAME) {
			check(e->value != NULL);
			check_name(e->value);
		}
		const char *s[] = { e->domain, e->host, e->contact, e->value,
				    e->detail };
		for (size_t k = 0; k < 5; k++) {
			if (s[k] != NULL) {
				(void)strlen(s[k]);
			}
		}
	}
	fa_epp_txn_write_json(sink, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fa_epp_format fmts[4] = {
		FA_EPP_AUTO, FA_EPP_ENVELOPE, FA_EPP_RFC5734, FA_EPP_FRAME,
	};
	struct fa_epp_reader *r = NULL;
	struct fa_txn txn;
	struct fa_reject rej;

	if (size < 1) {
		return 0;
	}
	if (sink == NULL) {
		sink = fopen("/dev/null", "w");
		check(sink != NULL);
	}
	struct fa_epp_opts opts = {
		.format = fmts[data[0] & 3],
		.max_frame = (data[0] & 4) ? 512 : 0,
		.default_time_us = 1793610904120000LL,
	};
	const uint8_t *in = data + 1;
	size_t len = size - 1;

	int fd = -1;
	if (data[0] & 8) {
		char path[64], err[512];
		fd = memfd_create("fuzz", MFD_CLOEXEC);
		check(fd >= 0);
		check(write(fd, in, len) == (ssize_t)len);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (fa_epp_reader_open(&r, path, &opts, 0, err, sizeof(err)) != FA_OK) {
			close(fd);
			return 0;
		}
	} else if (fa_epp_reader_open_mem(&r, "fuzz", in, len, &opts) != FA_OK) {
		return 0;
	}
	if (fa_txn_init(&txn) != FA_OK) {
		fa_epp_reader_free(r);
		if (fd >= 0) {
			close(fd);
		}
		return 0;
	}
	check(fa_epp_reader_identity(r) != NULL);

	uint64_t last = fa_epp_reader_offset(r);
	/* every call consumes at least one byte or ends the input */
	for (size_t i = 0; i <= len + 2; i++) {
		memset(&rej, 0, sizeof(rej));
		int rc = fa_epp_reader_next(r, &txn, &rej);
		uint64_t off = fa_epp_reader_offset(r);
		check(off <= len && off >= last);
		if (rc == FA_EOF || rc == FA_EIO || rc == FA_ENOMEM) {
			goto out;
		}
		if (rc == FA_OK) {
			check_txn(&txn, len);
		} else {
			check(rc == FA_EPARSE || rc == FA_EREFUSED ||
			      rc == FA_ELIMIT);
			check(rej.reason != NULL && rej.reason[0] != '\0');
			check(strchr(rej.reason, '\n') == NULL);
			check(rej.pos.offset <= len);
			check(rej.excerpt_len == 0 || rej.excerpt != NULL);
			fa_epp_reject_write_json(sink, &rej);
		}
		last = off;
	}
	/* more records than bytes: the reader does not make progress */
	abort();
out:
	fa_txn_deinit(&txn);
	fa_epp_reader_free(r);
	if (fd >= 0) {
		close(fd);
	}
	return 0;
}
