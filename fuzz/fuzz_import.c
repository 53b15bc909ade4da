/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the bootstrap CSV reader and row checks (no
 * database). Besides crashes and sanitizer reports, the target aborts when
 * a row breaks the reader's contract: a name that does not normalize to
 * itself, a list over its bound or not strictly sorted, line numbers that
 * do not grow, an offset outside the input, an excerpt over its bound or
 * not printable, or a file identity that is not the SHA-256 of the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/fa_name.h"
#include "import/fa_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok) {
		abort();
	}
}

static void check_list(const char *const *v, size_t n, size_t max)
{
	check(n <= max);
	for (size_t i = 0; i < n; i++) {
		check(v[i] != NULL && v[i][0] != '\0');
		check(i == 0 || strcmp(v[i - 1], v[i]) < 0);
	}
}

static void check_text(const char *s, size_t max)
{
	check(s != NULL && strlen(s) <= max);
	for (const char *p = s; *p != '\0'; p++) {
		check(*p >= 0x20 && *p < 0x7f);
	}
}

static void check_name(const char *name)
{
	char again[FA_NAME_BUFSZ];
	check(fa_name_normalize(name, strlen(name), 0, again, sizeof(again), NULL, 0) == FA_OK);
	check(strcmp(name, again) == 0);
}

static void check_row(const struct fa_import_row *row, size_t size)
{
	check(row->type == FA_IMPORT_DOMAIN || row->type == FA_IMPORT_HOST);
	check(row->offset < size);
	check_name(row->name);
	check(row->registrar != NULL && strlen(row->registrar) >= 3);
	check_list(row->ns, row->nns, FA_IMPORT_MAX_NS);
	check_list(row->statuses, row->nstatuses, FA_IMPORT_MAX_STATUSES);
	check_list(row->addrs, row->naddrs, FA_IMPORT_MAX_ADDRS);
	for (size_t i = 0; i < row->nns; i++) {
		check_name(row->ns[i]);
	}
	if (row->type == FA_IMPORT_HOST) {
		check(row->registrant == NULL && row->nns == 0);
	} else {
		check(row->naddrs == 0);
	}
	check_text(row->excerpt, FA_IMPORT_MAX_EXCERPT);
}

static void check_identity(struct fa_import_reader *r, const uint8_t *data,
			   size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char want[80];
	check(EVP_Digest(data, size, md, &mdlen, EVP_sha256(), NULL) == 1);
	int k = snprintf(want, sizeof(want), "import:sha256:");
	for (unsigned int i = 0; i < mdlen; i++) {
		k += snprintf(want + k, sizeof(want) - (size_t)k, "%02x", md[i]);
	}
	check(strcmp(fa_import_reader_identity(r), want) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fa_import_reader *r = NULL;
	char err[512];
	/* 2026-12-01: creation dates after it are refused. */
	int rc = fa_import_reader_open_mem(&r, (const char *)data, size,
					   INT64_C(1796083200000000), err, sizeof(err));
	if (rc != FA_OK) {
		check(rc == FA_EPARSE && r == NULL);
		return 0;
	}

	uint64_t last = 1;
	for (;;) {
		struct fa_import_row row;
		struct fa_import_reject rej;
		rc = fa_import_reader_next(r, &row, &rej);
		if (rc == FA_EOF) {
			break;
		}
		check(rc == FA_OK || rc == FA_EPARSE);
		uint64_t line = rc == FA_OK ? row.line : rej.line;
		check(line > last);
		last = line;
		if (rc == FA_OK) {
			check_row(&row, size);
		} else {
			check(rej.offset < size);
			check_text(rej.reason, 400);
			check_text(rej.excerpt, FA_IMPORT_MAX_EXCERPT);
		}
	}
	check(fa_import_reader_offset(r) == size);
	check_identity(r, data, size);
	fa_import_reader_free(r);
	return 0;
}
