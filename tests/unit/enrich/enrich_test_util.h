/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the enrichment tests: comparing a load's messages,
 * finishing a set, a scratch directory of files for the configuration
 * tests, and a configuration that must be refused.
 *
 * Everything here is static inline because each test_*.c file is its own
 * executable and not every test uses every helper.
 */
#pragma once

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "enrich/fa_enrich.h"

/* The scratch directory of the file tests (setup_dir/teardown_dir). */
static char tu_dir[64];

/* The messages are exactly want[0..n); they are cleared afterwards. */
static inline void tu_diag_is(struct fa_enrich_diag *d, const char *const *want, size_t n)
{
	if (d->count != n) {
		for (size_t i = 0; i < d->count; i++) {
			print_message("diag[%zu] = %s\n", i, d->msgs[i]);
		}
	}
	assert_int_equal(d->count, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d->msgs[i], want[i]);
	}
	fa_enrich_diag_clear(d);
}

/* Finish a set that must finish without a message. */
static inline void tu_finish(struct fa_enrich *e)
{
	struct fa_enrich_diag diag = { 0 };
	int rc = fa_enrich_finish(e, &diag);
	if (rc != FA_OK) {
		fail_msg("finish: %s", diag.count ? diag.msgs[0] : fa_strerror(rc));
	}
	assert_int_equal(diag.count, 0);
}

/* Write len bytes of text to NAME in the scratch directory. */
static inline void tu_put(const char *name, const char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tu_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void tu_puts(const char *name, const char *text)
{
	tu_put(name, text, strlen(text));
}

static inline int tu_setup_dir(void **state)
{
	(void)state;
	snprintf(tu_dir, sizeof(tu_dir), "/tmp/fa-enrich-test-XXXXXX");
	return mkdtemp(tu_dir) == NULL ? -1 : 0;
}

/* Remove the scratch directory with whatever the tests wrote into it. */
static inline int tu_teardown_dir(void **state)
{
	DIR *d = opendir(tu_dir);
	struct dirent *de;
	(void)state;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char path[512];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", tu_dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tu_dir) == 0 ? 0 : -1;
}

/* The configuration is refused with exactly these messages. */
static inline void tu_config_fails(const char *yaml, const char *const *want, size_t n)
{
	struct fa_enrich *e = (struct fa_enrich *)1;
	struct fa_enrich_diag diag = { 0 };
	int rc = fa_enrich_load_buffer(&e, "x.yaml", yaml, strlen(yaml), tu_dir, &diag);
	assert_int_equal(rc, FA_EPARSE);
	assert_null(e);
	tu_diag_is(&diag, want, n);
}
