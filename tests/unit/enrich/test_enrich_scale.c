/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pfx2as table of the size of a full routeviews table (1,032,192 IPv4
 * and 250,000 IPv6 prefixes, deeply nested), loaded from text: exact
 * range counts and memory, and 2,500,000 lookups checked against the
 * answer the generator knows. Prints load time, lookup cost and bytes per
 * prefix (the figures in docs/enrichment.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "enrich/fa_enrich.h"

#define BLOCKS4 16384	/* /16s at 0.0.0.0 .. 63.255.0.0 */
#define KIDS4 60	/* /24s in each, at third octets 0, 4, .. 236 */
#define GRAND4 2	/* /25s at the start of the first two /24s */
#define BLOCKS6 2000	/* /32s 2a00:0::/32 .. 2a00:7cf::/32 */
#define KIDS6 124	/* /48s in each, at even third groups 0 .. 246 */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *generate(size_t *len)
{
	size_t cap = 64u << 20, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (unsigned b = 0; b < BLOCKS4; b++) {
		n += (size_t)snprintf(buf + n, cap - n, "%u.%u.0.0\t16\t%u\n", b >> 8, b & 255,
				      100000 + b);
		for (unsigned c = 0; c < KIDS4; c++) {
			n += (size_t)snprintf(buf + n, cap - n, "%u.%u.%u.0\t24\t%u_%u\n", b >> 8,
					      b & 255, 4 * c, 200000 + b * 64 + c, 7);
			if (c < GRAND4) {
				n += (size_t)snprintf(buf + n, cap - n, "%u.%u.%u.0\t25\t%u,9\n",
						      b >> 8, b & 255, 4 * c,
						      300000 + b * 2 + c);
			}
		}
	}
	for (unsigned k = 0; k < BLOCKS6; k++) {
		n += (size_t)snprintf(buf + n, cap - n, "2a00:%x::\t32\t%u\n", k, 400000 + k);
		for (unsigned j = 0; j < KIDS6; j++) {
			n += (size_t)snprintf(buf + n, cap - n, "2a00:%x:%x::\t48\t%u\n", k, 2 * j,
					      500000 + k * 128 + j);
		}
	}
	assert_true(n < cap);
	*len = n;
	return buf;
}

static uint32_t want4(uint32_t a, unsigned *plen)
{
	uint32_t b = a >> 16, t = (a >> 8) & 255;
	if (b >= BLOCKS4) {
		return 0;
	}
	if (t % 4 == 0 && t / 4 < KIDS4) {
		if (t / 4 < GRAND4 && (a & 255) < 128) {
			*plen = 25;
			return 300000 + b * 2 + t / 4;
		}
		*plen = 24;
		return 200000 + b * 64 + t / 4;
	}
	*plen = 16;
	return 100000 + b;
}

static uint32_t want6(const uint8_t *x, unsigned *plen)
{
	unsigned g0 = (unsigned)x[0] << 8 | x[1], g1 = (unsigned)x[2] << 8 | x[3];
	unsigned g2 = (unsigned)x[4] << 8 | x[5];
	if (g0 != 0x2a00 || g1 >= BLOCKS6) {
		return 0;
	}
	if (g2 % 2 == 0 && g2 / 2 < KIDS6) {
		*plen = 48;
		return 500000 + g1 * 128 + g2 / 2;
	}
	*plen = 32;
	return 400000 + g1;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_full_table(void **state)
{
	struct fa_enrich_diag diag = { 0 };
	struct fa_enrich_stats st;
	size_t len;
	char err[256];
	(void)state;

	char *text = generate(&len);
	struct fa_enrich *e = fa_enrich_new();
	assert_non_null(e);
	double t0 = now();
	assert_int_equal(fa_enrich_add_pfx2as(e, "full.pfx2as", text, len, &diag), FA_OK);
	assert_int_equal(fa_enrich_finish(e, &diag), FA_OK);
	double t1 = now();
	free(text);

	fa_enrich_stats(e, &st);
	size_t prefixes = BLOCKS4 * (1 + KIDS4 + GRAND4) + BLOCKS6 * (1 + KIDS6);
	assert_int_equal(st.pfx2as_prefixes, prefixes);
	/* Per /16: 3 ranges for each /24 with a /25, 2 for the others; then
	 * the gap above 63.255.255.255. IPv6: the gap below 2a00::, 2 per
	 * /48, the gap above. */
	assert_int_equal(st.pfx2as_ranges4, BLOCKS4 * (3 * GRAND4 + 2 * (KIDS4 - GRAND4)) + 1);
	assert_int_equal(st.pfx2as_ranges6, 1 + BLOCKS6 * 2 * KIDS6 + 1);
	assert_int_equal(st.pfx2as_bytes,
			 st.pfx2as_ranges4 * 12 + st.pfx2as_ranges6 * 24 + 2 * 65537 * 4);

	size_t checked = 0;
	double t2 = now();
	for (int i = 0; i < 2000000; i++) {
		struct fa_enrich_addr a = { .family = 4 };
		struct fa_enrich_asn r;
		/* three quarters inside the table, the rest anywhere */
		uint32_t v = (uint32_t)next();
		if (i % 4 != 0) {
			v &= 0x3fffffff;
		}
		a.b[0] = (uint8_t)(v >> 24);
		a.b[1] = (uint8_t)(v >> 16);
		a.b[2] = (uint8_t)(v >> 8);
		a.b[3] = (uint8_t)v;
		assert_int_equal(fa_enrich_asn(e, &a, &r, err, sizeof(err)), FA_OK);
		unsigned plen = 0;
		uint32_t w = want4(v, &plen);
		if (r.asn != w || (w != 0 && r.prefix_len != plen)) {
			fail_msg("%u.%u.%u.%u: AS%u/%u, expected AS%u/%u", a.b[0], a.b[1], a.b[2],
				 a.b[3], r.asn, r.prefix_len, w, plen);
		}
		checked++;
	}
	double t25 = now();
	for (int i = 0; i < 500000; i++) {
		struct fa_enrich_addr a = { .family = 6 };
		struct fa_enrich_asn r;
		uint64_t hi = next(), lo = next();
		if (i % 4 != 0) {
			hi = (0x2a00ull << 48) | ((hi >> 16) % (BLOCKS6 + 1)) << 32 |
			     (hi & 0xffffffffull);
		}
		for (int k = 0; k < 8; k++) {
			a.b[k] = (uint8_t)(hi >> (56 - 8 * k));
			a.b[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
		}
		assert_int_equal(fa_enrich_asn(e, &a, &r, err, sizeof(err)), FA_OK);
		unsigned plen = 0;
		uint32_t w = want6(a.b, &plen);
		if (r.asn != w || (w != 0 && r.prefix_len != plen)) {
			fail_msg("IPv6 lookup %d: AS%u/%u, expected AS%u/%u", i, r.asn,
				 r.prefix_len, w, plen);
		}
		checked++;
	}
	double t3 = now();
	printf("full table: %zu prefixes (%d IPv4, %d IPv6) loaded in %.2f s; %zu + %zu ranges, "
	       "%zu bytes (%.1f bytes per prefix); %zu lookups checked, %.0f ns each (IPv4), "
	       "%.0f ns (IPv6), random addresses, with the checking\n",
	       prefixes, BLOCKS4 * (1 + KIDS4 + GRAND4), BLOCKS6 * (1 + KIDS6), t1 - t0,
	       st.pfx2as_ranges4, st.pfx2as_ranges6, st.pfx2as_bytes,
	       (double)st.pfx2as_bytes / (double)prefixes, checked,
	       (t25 - t2) * 1e9 / 2000000.0, (t3 - t25) * 1e9 / 500000.0);
	fa_enrich_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
