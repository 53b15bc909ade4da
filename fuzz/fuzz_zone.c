/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the zone reader and diff. The first input byte
 * chooses the input kind (low two bits): 0 two snapshots separated by a
 * line "====" (old, then new), 1 an IXFR print, 2 a journal print. Besides
 * crashes and sanitizer reports, the target aborts when a change record
 * breaks its contract (unknown kind, missing name or value, old value
 * without a TTL change), when a snapshot diffed against itself shows a
 * change, or when old->new and new->old differ in their number of changes.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zone/fa_zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok) {
		abort();
	}
}

static int count(void *arg, const struct fa_zone_change *ch)
{
	check((unsigned)ch->kind <= FA_ZONE_TTL_CHANGE);
	check(ch->name != NULL && ch->value != NULL && ch->rrtype != NULL);
	check((ch->old_value != NULL) == (ch->kind == FA_ZONE_TTL_CHANGE));
	check((ch->value[0] == '\0') == (ch->kind == FA_ZONE_DELEGATION_ADD ||
					 ch->kind == FA_ZONE_DELEGATION_REM));
	(*(size_t *)arg)++;
	return FA_OK;
}

/* A file the scanner can open by name (it maps files itself). */
static int memfile(const uint8_t *p, size_t n, char *path, size_t len)
{
	snprintf(path, len, "/tmp/fuzz-zone-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0) {
		return -1;
	}
	if (n > 0 && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void snapshots(const uint8_t *p, size_t n)
{
	static const char sep[] = "\n====\n";
	const uint8_t *cut = memmem(p, n, sep, sizeof(sep) - 1);
	size_t oldlen = cut != NULL ? (size_t)(cut - p) : n;
	const uint8_t *np = cut != NULL ? cut + sizeof(sep) - 1 : p;
	size_t newlen = cut != NULL ? n - oldlen - (sizeof(sep) - 1) : n;
	struct fa_zone_opts opts = { .origin = "example." };
	char a[64], b[64], err[1024];
	int fa = memfile(p, oldlen, a, sizeof(a));
	int fb = memfile(np, newlen, b, sizeof(b));

	if (fa >= 0 && fb >= 0) {
		size_t self = 0, fwd = 0, back = 0;
		int rc = fa_zone_diff_files(a, a, &opts, count, &self, NULL, err,
					    sizeof(err));
		check(rc != FA_OK || self == 0);
		int r1 = fa_zone_diff_files(a, b, &opts, count, &fwd, NULL, err,
					    sizeof(err));
		int r2 = fa_zone_diff_files(b, a, &opts, count, &back, NULL, err,
					    sizeof(err));
		check(r1 != FA_OK || r2 != FA_OK || fwd == back);
		/* a refused file yields nothing at all */
		check(r1 == FA_OK || fwd == 0);
	}
	if (fa >= 0) {
		close(fa);
		unlink(a);
	}
	if (fb >= 0) {
		close(fb);
		unlink(b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	unsigned mode = data[0] & 3;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	struct fa_zone_opts opts = { .origin = "example" };
	char err[1024];
	size_t changes = 0;

	if (mode == 0 || mode == 3) {
		snapshots(p, n);
		return 0;
	}
	int rc = fa_zone_incr_mem("fuzz", (const char *)p, n,
				  mode == 1 ? FA_ZONE_IXFR : FA_ZONE_JOURNAL, &opts,
				  count, &changes, NULL, err, sizeof(err));
	/* changes come only after the whole input was read */
	check(rc == FA_OK || changes == 0);
	return 0;
}
