/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa-gen-zone: write a TLD-like zone and a second version of it with a
 * share of the delegations changed, for bench/zone-run.sh.
 *
 * usage: fa-gen-zone [-n DELEGATIONS] [-p PERMILLE] [-s SEED] ORIGIN OLD NEW
 *
 * Each delegation has 2-4 NS records (relative names for in-zone hosts,
 * absolute ones at a pool of hosting providers otherwise); about 10% have
 * in-zone glue (A, and AAAA for half of those), about 5% a DS. In NEW,
 * PERMILLE per mille (default 10 = 1%) of the delegations changed: NS
 * replaced, glue renumbered, DS rolled, TTL changed, delegation removed, or
 * a new delegation added next to it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed, fast enough for 10^6 */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Per-delegation parameters, drawn from a hash of its number so that both
 * versions agree on everything that did not change. */
struct deleg {
	char name[32];
	unsigned nns;
	unsigned provider;
	int glue, v6, ds;
	unsigned ttl;
	unsigned addr;
	uint16_t keytag;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	x ^= x >> 33;
	return x;
}

static void make(uint64_t seed, uint64_t i, struct deleg *d)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t h = mix(seed ^ (i * 0x9e3779b97f4a7c15ULL));
	unsigned len = 5 + (unsigned)(h % 10);
	uint64_t g = mix(h);

	for (unsigned k = 0; k < len; k++) {
		d->name[k] = alpha[g % 36];
		g = mix(g + k);
	}
	/* the number keeps names unique */
	snprintf(d->name + len, sizeof(d->name) - len, "-%" PRIu64, i);
	d->nns = 2 + (unsigned)(h >> 8 & 0xffff) % 3;
	d->provider = (unsigned)(h >> 24 & 0xffff) % 5000;
	d->glue = (h >> 40 & 0xff) < 26;
	d->v6 = d->glue && (h >> 48 & 1);
	d->ds = (h >> 50 & 0xff) < 13;
	d->ttl = 86400;
	d->addr = (unsigned)(h >> 32);
	d->keytag = (uint16_t)(h >> 16);
}

static void put(FILE *f, const struct deleg *d)
{
	for (unsigned k = 0; k < d->nns; k++) {
		if (d->glue) {
			fprintf(f, "%s\t%u\tNS\tns%u.%s\n", k == 0 ? d->name : "",
				d->ttl, k + 1, d->name);
		} else {
			fprintf(f, "%s\t%u\tNS\tns%u.provider%u.net.\n",
				k == 0 ? d->name : "", d->ttl, k + 1,
				(d->provider + k) % 5000);
		}
	}
	if (d->ds) {
		fprintf(f, "\t3600\tDS\t%u 13 2 ", d->keytag);
		uint64_t x = mix(d->keytag);
		for (int k = 0; k < 4; k++) {
			fprintf(f, "%016" PRIX64, x);
			x = mix(x);
		}
		fputc('\n', f);
	}
	if (d->glue) {
		for (unsigned k = 0; k < d->nns; k++) {
			unsigned a = d->addr + k;
			fprintf(f, "ns%u.%s\t%u\tA\t%u.%u.%u.%u\n", k + 1, d->name,
				d->ttl, 10 + (a >> 24) % 200, a >> 16 & 255,
				a >> 8 & 255, a & 255);
			if (d->v6) {
				fprintf(f, "\t%u\tAAAA\t2001:db8:%x:%x::%x\n", d->ttl,
					a >> 16, a & 0xffff, k + 1);
			}
		}
	}
}

/* One of six changes, in turn. */
static int change(struct deleg *d, uint64_t i, unsigned *kind)
{
	switch ((*kind)++ % 6) {
	case 0:
		d->provider = (d->provider + 17) % 5000;
		d->glue = 0;
		d->v6 = 0;
		return 1;
	case 1:
		if (d->glue) {
			d->addr += 1000;
		} else {
			d->nns = d->nns == 4 ? 2 : d->nns + 1;
		}
		return 1;
	case 2:
		d->ds = !d->ds;
		d->keytag ^= 0x5a5a;
		return 1;
	case 3:
		d->ttl = 3600;
		return 1;
	case 4:
		return 0;	/* removed */
	default:
		return 2;	/* kept, and a new one added after it */
	}
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000, permille = 10;
	uint64_t seed = 20261204;
	int c;

	while ((c = getopt(argc, argv, "n:p:s:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			permille = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3 || n == 0 || permille > 1000) {
usage:
		fprintf(stderr, "usage: fa-gen-zone [-n DELEGATIONS] [-p PERMILLE] "
				"[-s SEED] ORIGIN OLD NEW\n");
		return 2;
	}
	const char *origin = argv[optind];
	FILE *fo = fopen(argv[optind + 1], "w");
	FILE *fn = fopen(argv[optind + 2], "w");
	if (fo == NULL || fn == NULL) {
		perror("fa-gen-zone: could not create the output");
		return 1;
	}
	static char bo[1 << 20], bn[1 << 20];
	setvbuf(fo, bo, _IOFBF, sizeof(bo));
	setvbuf(fn, bn, _IOFBF, sizeof(bn));

	for (int v = 0; v < 2; v++) {
		FILE *f = v == 0 ? fo : fn;
		fprintf(f, "$ORIGIN %s.\n$TTL 86400\n"
			   "@\tSOA\tns1.nic hostmaster.nic %d 1800 900 604800 3600\n"
			   "@\tNS\tns1.nic\n@\tNS\tns2.nic\n"
			   "ns1.nic\tA\t192.0.2.1\nns2.nic\tA\t192.0.2.2\n",
			origin, 2026120400 + v);
	}
	rng_state = seed | 1;
	unsigned kind = 0;
	unsigned long changed = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct deleg d;
		make(seed, i, &d);
		put(fo, &d);
		int keep = 1;
		if (rnd() % 1000 < permille) {
			keep = change(&d, i, &kind);
			changed++;
		}
		if (keep > 0) {
			put(fn, &d);
		}
		if (keep == 2) {
			make(seed ^ 0xadd, i, &d);
			put(fn, &d);
		}
	}
	if (fclose(fo) != 0 || fclose(fn) != 0) {
		perror("fa-gen-zone: could not write the output");
		return 1;
	}
	fprintf(stderr, "fa-gen-zone: %lu delegations, %lu changed\n", n, changed);
	return 0;
}
