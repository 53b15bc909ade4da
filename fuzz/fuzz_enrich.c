/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the enrichment parsers. The first byte picks one:
 * 0 pfx2as table, 1 consumer prefix list, 2 declarations CSV, 3 the YAML
 * configuration (its file references resolve under a directory that does
 * not exist), 4 the MaxMind DB check (the input is written to a file in
 * the working directory, as the check reads files), 5 a PTR table, read
 * from memory and, written to a file, by the file reader too, which must
 * come to the same result (bit 0 of data[0] / 6: names must embed their
 * address; bit 1: the table's first line is the include pattern). Every
 * refusal must say why, and a refused table or configuration must say so
 * plainly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enrich/fa_enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_refuse_plainly(const struct fa_enrich_diag *diag, const char *word)
{
	if (diag->count == 0) {
		abort();
	}
	if (diag->dropped == 0 && strstr(diag->msgs[diag->count - 1], word) == NULL) {
		abort();
	}
}

static void tables(int which, const char *buf, size_t len)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag diag;
	int rc;

	if (e == NULL) {
		return;
	}
	memset(&diag, 0, sizeof(diag));
	if (which == 0) {
		rc = fa_enrich_add_pfx2as(e, "fuzz.pfx2as", buf, len, &diag);
	} else if (which == 1) {
		rc = fa_enrich_add_prefixes(e, "fuzz.txt", buf, len, &diag);
	} else {
		rc = fa_enrich_add_declarations_csv(e, "fuzz.csv", buf, len, &diag);
	}
	if (rc == FA_EPARSE) {
		must_refuse_plainly(&diag, "refused");
	} else if (rc == FA_OK) {
		rc = fa_enrich_finish(e, &diag);
		if (rc == FA_EPARSE && diag.count == 0) {
			abort();
		}
	}
	if (rc == FA_OK) {
		/* Lookups in what was built must work. */
		struct fa_enrich_addr a;
		struct fa_enrich_asn r;
		struct fa_enrich_consumer c;
		struct fa_enrich_declaration d;
		char err[256];
		static const char *const addrs[] = { "0.0.0.0", "10.1.2.3", "255.255.255.255",
						     "::", "2001:db8::1",
						     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			if (fa_enrich_addr_parse(addrs[i], &a) != FA_OK ||
			    fa_enrich_asn(e, &a, &r, err, sizeof(err)) != FA_OK) {
				abort();
			}
			fa_enrich_consumer(e, &a, &c);
		}
		fa_enrich_declaration(e, "ns1.example.net", &d);
	}
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);
}

static void config(const char *buf, size_t len)
{
	struct fa_enrich *e = NULL;
	struct fa_enrich_diag diag;
	memset(&diag, 0, sizeof(diag));
	int rc = fa_enrich_load_buffer(&e, "fuzz.yaml", buf, len, "/nonexistent-fuzz-dir", &diag);
	if (rc == FA_EPARSE) {
		if (e != NULL) {
			abort();
		}
		/* The refusal has a slot of its own: last even when messages
		 * were dropped. */
		if (diag.count == 0 ||
		    strstr(diag.msgs[diag.count - 1], "configuration refused") == NULL) {
			abort();
		}
	} else if (rc == FA_OK) {
		struct fa_enrich_provider p;
		if (e == NULL) {
			abort();
		}
		fa_enrich_provider(e, "ns.example.com", 13335, &p);
	}
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);
}

static void mmdb(const uint8_t *buf, size_t len)
{
	char path[64], err[1024], detail[256];
	size_t with_asn;
	snprintf(path, sizeof(path), "fuzz-enrich-%ld.mmdb", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		return;
	}
	size_t n = fwrite(buf, 1, len, f);
	if (fclose(f) != 0 || n != len) {
		remove(path);
		return;
	}
	int rc = fa_enrich_mmdb_check(path, &with_asn, detail, sizeof(detail), err, sizeof(err));
	if (rc == FA_EPARSE && strstr(err, "is not a usable MaxMind DB: ") == NULL) {
		abort();
	}
	remove(path);
}

/* A set with the PTR patterns: the given one, or generic tokens. */
static struct fa_enrich *ptr_set(const char *pattern, bool embedded)
{
	struct fa_enrich *e = fa_enrich_new();
	struct fa_enrich_diag diag;
	int rc;

	if (e == NULL) {
		return NULL;
	}
	memset(&diag, 0, sizeof(diag));
	rc = fa_enrich_add_ptr_pattern(e, pattern != NULL ? pattern :
				       "(^|[.-])(dyn|dhcp|pool|dsl|cable|ppp|cust)([0-9]*)([.-]|$)",
				       false, "fuzz", &diag);
	if (rc == FA_OK) {
		rc = fa_enrich_add_ptr_pattern(e, "(^|[.-])(mail|mx|ns[0-9]*)([.-]|$)", true,
					       "fuzz", &diag);
	}
	if (rc == FA_EPARSE && diag.count == 0) {
		abort();
	}
	fa_enrich_diag_clear(&diag);
	if (rc != FA_OK) {
		fa_enrich_free(e);
		return NULL;
	}
	fa_enrich_set_ptr_embedded(e, embedded);
	return e;
}

static void ptr_lookups(const struct fa_enrich *e)
{
	static const char *const addrs[] = { "0.0.0.0", "10.1.2.3", "192.0.2.1", "::",
					     "2001:db8::1" };
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct fa_enrich_addr a;
		struct fa_enrich_consumer c;
		if (fa_enrich_addr_parse(addrs[i], &a) != FA_OK) {
			abort();
		}
		if (fa_enrich_consumer(e, &a, &c) &&
		    (c.by != FA_ENRICH_BY_PTR || c.ptr == NULL || c.pattern == NULL ||
		     c.line == 0 || strlen(c.ptr) > 253)) {
			abort();
		}
	}
}

static void ptr_table(unsigned flags, const char *buf, size_t len)
{
	char pattern[FA_ENRICH_PTR_MAX_PATTERN + 1], path[64];
	const char *pat = NULL;
	struct fa_enrich_diag dm, df;

	if (flags & 2) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - buf) : len;
		if (n == 0 || n > FA_ENRICH_PTR_MAX_PATTERN || memchr(buf, '\0', n) != NULL) {
			return;
		}
		memcpy(pattern, buf, n);
		pattern[n] = '\0';
		pat = pattern;
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	struct fa_enrich *m = ptr_set(pat, flags & 1);
	struct fa_enrich *f = ptr_set(pat, flags & 1);
	if (m == NULL || f == NULL) {
		fa_enrich_free(m);
		fa_enrich_free(f);
		return;
	}
	memset(&dm, 0, sizeof(dm));
	memset(&df, 0, sizeof(df));
	int rm = fa_enrich_add_ptr(m, "fuzz.ptr", buf, len, &dm);
	snprintf(path, sizeof(path), "fuzz-enrich-%ld.ptr", (long)getpid());
	FILE *out = fopen(path, "wb");
	int rf = FA_EIO;
	if (out != NULL) {
		size_t n = fwrite(buf, 1, len, out);
		if (fclose(out) == 0 && n == len) {
			rf = fa_enrich_add_ptr_file(f, path, NULL, &df);
		}
		remove(path);
	}
	if (rm == FA_EPARSE) {
		must_refuse_plainly(&dm, "refused");
	}
	if (rm == FA_OK) {
		if (fa_enrich_finish(m, &dm) != FA_OK) {
			abort();
		}
		ptr_lookups(m);
	}
	/* The file reader sees the same lines as the buffer reader. */
	if (rf != FA_EIO && rf != FA_ENOMEM && rm != FA_ENOMEM) {
		if (rf != rm ||
		    (rm == FA_EPARSE && df.count + df.dropped != dm.count + dm.dropped)) {
			abort();
		}
		if (rf == FA_OK) {
			size_t nm, nf;
			const struct fa_enrich_source *sm, *sf;
			if (fa_enrich_finish(f, &df) != FA_OK) {
				abort();
			}
			sm = fa_enrich_sources(m, &nm);
			sf = fa_enrich_sources(f, &nf);
			if (nm != 1 || nf != 1 || sm[0].entries != sf[0].entries ||
			    strcmp(sm[0].detail, sf[0].detail) != 0) {
				abort();
			}
		}
	}
	fa_enrich_diag_clear(&dm);
	fa_enrich_diag_clear(&df);
	fa_enrich_free(m);
	fa_enrich_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) {
		return 0;
	}
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	switch (data[0] % 6) {
	case 5:
		ptr_table(data[0] / 6, buf, len);
		break;
	case 3:
		config(buf, len);
		break;
	case 4:
		mmdb(data + 1, len);
		break;
	default:
		tables(data[0] % 6, buf, len);
		break;
	}
	return 0;
}
