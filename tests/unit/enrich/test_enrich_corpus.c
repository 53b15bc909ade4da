/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MaxMind DB files of the shared corpus (maxmind-mmdb): the ASN and ISP
 * test databases must answer exactly what their JSON sources say for the
 * first and last address of every network listed there; the corrupt
 * files must be refused with the exact reason; every other test database
 * is either checked and opened or refused for a stated reason.
 *
 * Exits 77 (not run) when the corpus is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "enrich/fa_enrich.h"

static char dir[1024];

/* ---- a small JSON reader for the source files ---- */

struct js {
	const char *p, *end;
	bool bad;
};

static void ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) {
		j->p++;
	}
}

static bool eat(struct js *j, char c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static void put_utf8(char **o, unsigned cp)
{
	if (cp < 0x80) {
		*(*o)++ = (char)cp;
	} else if (cp < 0x800) {
		*(*o)++ = (char)(0xc0 | cp >> 6);
		*(*o)++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*(*o)++ = (char)(0xe0 | cp >> 12);
		*(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*(*o)++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*(*o)++ = (char)(0xf0 | cp >> 18);
		*(*o)++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*(*o)++ = (char)(0x80 | (cp & 0x3f));
	}
}

static unsigned hex4(struct js *j)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = j->p < j->end ? *j->p++ : 0;
		int d = c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
		v = v * 16 + (unsigned)d;
	}
	return v;
}

/* A string into out (cap bytes, enough for the corpus' values). */
static bool string(struct js *j, char *out, size_t cap)
{
	char *o = out;
	if (!eat(j, '"')) {
		return false;
	}
	while (j->p < j->end && *j->p != '"') {
		if ((size_t)(o - out) + 5 >= cap) {
			return false;
		}
		char c = *j->p++;
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *j->p++;
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp = hex4(j);
			if (cp >= 0xd800 && cp < 0xdc00 && j->p + 6 <= j->end && j->p[0] == '\\') {
				j->p += 2;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(j) - 0xdc00);
			}
			put_utf8(&o, cp);
			break;
		}
		default: *o++ = c; break;
		}
	}
	*o = '\0';
	return eat(j, '"');
}

static bool skip_value(struct js *j, int depth);

static bool skip_value(struct js *j, int depth)
{
	char tmp[4096];
	ws(j);
	if (j->p >= j->end || depth > 16) {
		return false;
	}
	if (*j->p == '"') {
		return string(j, tmp, sizeof(tmp));
	}
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = *j->p == '{';
		j->p++;
		if (eat(j, close)) {
			return true;
		}
		do {
			if (obj && (!string(j, tmp, sizeof(tmp)) || !eat(j, ':'))) {
				return false;
			}
			if (!skip_value(j, depth + 1)) {
				return false;
			}
		} while (eat(j, ','));
		return eat(j, close);
	}
	while (j->p < j->end && strchr(",}] \n\r\t", *j->p) == NULL) {
		j->p++;
	}
	return true;
}

struct net {
	char cidr[64];
	uint32_t asn;
	char org[256];
};

/* The source file: [ { "CIDR": { "autonomous_system_number": N, ... } } ... ] */
static struct net *read_source(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len < sizeof(buf));

	struct js j = { buf, buf + len, false };
	size_t cap = 4096, count = 0;
	struct net *nets = calloc(cap, sizeof(*nets));
	assert_non_null(nets);
	assert_true(eat(&j, '['));
	do {
		struct net *x = &nets[count];
		assert_true(count < cap);
		assert_true(eat(&j, '{'));
		assert_true(string(&j, x->cidr, sizeof(x->cidr)));
		assert_true(eat(&j, ':'));
		assert_true(eat(&j, '{'));
		do {
			char key[128];
			assert_true(string(&j, key, sizeof(key)));
			assert_true(eat(&j, ':'));
			if (strcmp(key, "autonomous_system_number") == 0) {
				ws(&j);
				x->asn = (uint32_t)strtoul(j.p, (char **)&j.p, 10);
			} else if (strcmp(key, "autonomous_system_organization") == 0) {
				assert_true(string(&j, x->org, sizeof(x->org)));
			} else {
				assert_true(skip_value(&j, 0));
			}
		} while (eat(&j, ','));
		assert_true(eat(&j, '}'));
		assert_true(eat(&j, '}'));
		count++;
	} while (eat(&j, ','));
	assert_true(eat(&j, ']'));
	*n = count;
	return nets;
}

/* ---- address arithmetic on 128-bit values ---- */

struct range {
	unsigned char lo[16], hi[16];
	unsigned bits, len;
	int family;
};

static void to_range(const char *cidr, struct range *r)
{
	char a[64];
	snprintf(a, sizeof(a), "%s", cidr);
	char *slash = strchr(a, '/');
	assert_non_null(slash);
	*slash = '\0';
	struct fa_enrich_addr addr;
	/* Parse without the IPv4-mapped conversion: the tree position. */
	r->family = strchr(a, ':') != NULL ? 6 : 4;
	r->bits = r->family == 6 ? 128 : 32;
	r->len = (unsigned)atoi(slash + 1);
	assert_int_equal(fa_enrich_addr_parse(a, &addr), FA_OK);
	memset(r->lo, 0, 16);
	memcpy(r->lo, addr.b, r->family == 6 ? 16 : 4);
	if (addr.family == 4 && r->family == 6) {
		/* ::ffff:a.b.c.d would have been turned into IPv4 */
		fail_msg("unexpected IPv4-mapped network %s", cidr);
	}
	memcpy(r->hi, r->lo, 16);
	for (unsigned i = r->len; i < r->bits; i++) {
		r->hi[i / 8] |= (unsigned char)(0x80 >> (i % 8));
	}
}

static bool inside(const struct range *r, const unsigned char *a, int family)
{
	unsigned n = family == 6 ? 16 : 4;
	return r->family == family && memcmp(a, r->lo, n) >= 0 && memcmp(a, r->hi, n) <= 0;
}

/* The most specific listed network holding the address. */
static const struct net *expect(const struct net *nets, const struct range *rs, size_t n,
				const unsigned char *a, int family, unsigned *len)
{
	const struct net *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (inside(&rs[i], a, family) && (best == NULL || rs[i].len > *len)) {
			best = &nets[i];
			*len = rs[i].len;
		}
	}
	return best;
}

/* Whether two answers are the same network data. */
static bool same_data(const struct net *a, const struct net *b)
{
	uint32_t x = a != NULL ? a->asn : 0, y = b != NULL ? b->asn : 0;
	return x == y && (x == 0 || strcmp(a->org, b->org) == 0);
}

/*
 * Look up the address q (family qf) whose place in the source's address
 * space is b (family bf), and compare with the JSON. The network the
 * database answers with may be wider than the listed one (the writer
 * merges neighbours with the same data), so its first and last address
 * must carry the same data as well.
 */
static void lookup_one(struct fa_enrich *e, const struct net *nets, const struct range *rs,
		       size_t n, const unsigned char *q, int qf, const unsigned char *b, int bf,
		       const char *what, const char *mmdb, size_t *checked)
{
	struct fa_enrich_addr a = { .family = (uint8_t)qf };
	memcpy(a.b, q, qf == 6 ? 16 : 4);
	struct fa_enrich_asn r;
	char err[512];
	unsigned len = 0;
	const struct net *want = expect(nets, rs, n, b, bf, &len);

	assert_int_equal(fa_enrich_asn(e, &a, &r, err, sizeof(err)), FA_OK);
	if (want == NULL || want->asn == 0) {
		if (r.asn != 0) {
			fail_msg("%s: ASN %u, expected none", what, r.asn);
		}
		assert_int_equal(r.source, FA_ENRICH_ASN_NONE);
		(*checked)++;
		return;
	}
	if (r.asn != want->asn || strcmp(r.org, want->org) != 0) {
		fail_msg("%s (in %s): AS%u \"%s\", expected AS%u \"%s\"", what, want->cidr, r.asn,
			 r.org, want->asn, want->org);
	}
	assert_int_equal(r.source, FA_ENRICH_ASN_MMDB);
	assert_string_equal(r.file, mmdb);

	unsigned shift = bf == 6 && qf == 4 ? 96 : 0;
	unsigned bits = bf == 6 ? 128 : 32, plen = r.prefix_len + shift;
	assert_true(plen <= bits);
	unsigned char lo[16], hi[16];
	memcpy(lo, b, 16);
	memcpy(hi, b, 16);
	for (unsigned i = plen; i < bits; i++) {
		lo[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		hi[i / 8] |= (unsigned char)(0x80 >> (i % 8));
	}
	unsigned l1 = 0, l2 = 0;
	if (!same_data(expect(nets, rs, n, lo, bf, &l1), want) ||
	    !same_data(expect(nets, rs, n, hi, bf, &l2), want)) {
		fail_msg("%s: answered network of length %u holds other data", what,
			 r.prefix_len);
	}
	(*checked)++;
}

static size_t truth(const char *mmdb_name, const char *json_name, size_t *with_asn)
{
	char mmdb[1200], json[1200];
	struct fa_enrich_diag diag = { 0 };
	size_t n, checked = 0;

	snprintf(mmdb, sizeof(mmdb), "%s/test-data/%s", dir, mmdb_name);
	snprintf(json, sizeof(json), "%s/source-data/%s", dir, json_name);
	struct fa_enrich *e = fa_enrich_new();
	assert_non_null(e);
	assert_int_equal(fa_enrich_add_mmdb(e, mmdb, &diag), FA_OK);
	assert_int_equal(fa_enrich_finish(e, &diag), FA_OK);
	assert_int_equal(diag.count, 0);

	struct net *nets = read_source(json, &n);
	struct range *rs = calloc(n, sizeof(*rs));
	assert_non_null(rs);
	for (size_t i = 0; i < n; i++) {
		to_range(nets[i].cidr, &rs[i]);
		if (nets[i].asn != 0) {
			(*with_asn)++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char what[128];
		snprintf(what, sizeof(what), "first address of %s", nets[i].cidr);
		lookup_one(e, nets, rs, n, rs[i].lo, rs[i].family, rs[i].lo, rs[i].family, what,
			   mmdb, &checked);
		snprintf(what, sizeof(what), "last address of %s", nets[i].cidr);
		lookup_one(e, nets, rs, n, rs[i].hi, rs[i].family, rs[i].hi, rs[i].family, what,
			   mmdb, &checked);
		/* Networks under ::/96 are IPv4 space: ask in IPv4 form too. */
		static const unsigned char zero[12];
		if (rs[i].family == 6 && rs[i].len >= 96 && memcmp(rs[i].lo, zero, 12) == 0) {
			snprintf(what, sizeof(what), "first address of %s as IPv4", nets[i].cidr);
			lookup_one(e, nets, rs, n, rs[i].lo + 12, 4, rs[i].lo, 6, what, mmdb,
				   &checked);
			snprintf(what, sizeof(what), "last address of %s as IPv4", nets[i].cidr);
			lookup_one(e, nets, rs, n, rs[i].hi + 12, 4, rs[i].hi, 6, what, mmdb,
				   &checked);
		}
	}
	printf("%s: %zu networks, %zu lookups agree with %s\n", mmdb_name, n, checked, json_name);
	free(rs);
	free(nets);
	fa_enrich_free(e);
	fa_enrich_diag_clear(&diag);
	return checked;
}


static void test_asn_truth(void **state)
{
	size_t with_asn = 0;
	(void)state;
	/* 720 networks (490 IPv4, 230 IPv6): 2 lookups each. */
	assert_int_equal(truth("GeoLite2-ASN-Test.mmdb", "GeoLite2-ASN-Test.json", &with_asn),
			 1440);
	assert_int_equal(with_asn, 720);
}

static void test_isp_truth(void **state)
{
	size_t with_asn = 0;
	(void)state;
	/* 2109 networks, 1879 of them under ::/96 (IPv4 space), asked in
	 * both forms: 2 * 2109 + 2 * 1879 lookups. */
	assert_int_equal(truth("GeoIP2-ISP-Test.mmdb", "GeoIP2-ISP-Test.json", &with_asn),
			 7976);
	assert_int_equal(with_asn, 719);
}

struct verdict {
	const char *file;
	const char *reason;	/* NULL: the file is well-formed */
	size_t with_asn;
};

static void judge(const struct verdict *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[1200], detail[256] = "", err[1024] = "", want[2048];
		size_t with_asn = 99;
		snprintf(path, sizeof(path), "%s/%s", dir, v[i].file);
		int rc = fa_enrich_mmdb_check(path, &with_asn, detail, sizeof(detail), err,
					      sizeof(err));
		if (v[i].reason == NULL) {
			if (rc != FA_OK) {
				fail_msg("%s: refused: %s", v[i].file, err);
			}
			assert_int_equal(with_asn, v[i].with_asn);
			continue;
		}
		snprintf(want, sizeof(want), "\"%s\" is not a usable MaxMind DB: %s", path,
			 v[i].reason);
		if (rc != FA_EPARSE || strcmp(err, want) != 0) {
			fail_msg("%s: rc %d, \"%s\"; expected \"%s\"", v[i].file, rc, err, want);
		}
	}
}

static void test_bad_data(void **state)
{
	static const struct verdict v[] = {
		{ "bad-data/libmaxminddb/libmaxminddb-corrupt-search-tree.mmdb",
		  "record left of node 1 points back at the root node", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-deep-array-nesting.mmdb",
		  "data section: data nested deeper than 32 levels", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-deep-nesting.mmdb",
		  "data section: data nested deeper than 32 levels", 0 },
		/* Well-formed: an empty array or map as the last metadata
		 * value is valid per the specification; it made older
		 * libmaxminddb read past the end of the file. */
		{ "bad-data/libmaxminddb/libmaxminddb-empty-array-last-in-metadata.mmdb", NULL, 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-empty-map-last-in-metadata.mmdb", NULL, 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-metadata-marker-only.mmdb",
		  "metadata: value at offset 0 is past the end of its section", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-offset-integer-overflow.mmdb",
		  "metadata: pointer to offset 943208504 is past the end of its section "
		  "(211 bytes)", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-oversized-array.mmdb",
		  "data section: array at offset 5 claims 1000000 entries, more than the bytes "
		  "left", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-oversized-map.mmdb",
		  "data section: map at offset 4 claims 1000000 entries, more than the bytes "
		  "left", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-separator-record-max-left.mmdb",
		  "record left of node 0 points into the data section separator", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-separator-record-min-left.mmdb",
		  "record left of node 0 points into the data section separator", 0 },
		{ "bad-data/libmaxminddb/libmaxminddb-separator-record-min-right.mmdb",
		  "record right of node 0 points into the data section separator", 0 },
		/* Well-formed: build_epoch is UINT64_MAX, which fluxaudit
		 * never converts to a time (bad-data/README.md says so). */
		{ "bad-data/libmaxminddb/libmaxminddb-uint64-max-epoch.mmdb", NULL, 0 },
		/* The golang files are refused at their truncated or
		 * inconsistent metadata, before the data they were made for. */
		{ "bad-data/maxminddb-golang/cyclic-data-structure.mmdb",
		  "metadata: value at offset 259 runs past the end of its section", 0 },
		{ "bad-data/maxminddb-golang/invalid-bytes-length.mmdb",
		  "metadata: metadata map claims 9 entries, more than the bytes left", 0 },
		{ "bad-data/maxminddb-golang/invalid-data-record-offset.mmdb",
		  "metadata: string at offset 1 is not valid UTF-8", 0 },
		{ "bad-data/maxminddb-golang/invalid-map-key-length.mmdb",
		  "metadata: value at offset 259 runs past the end of its section", 0 },
		{ "bad-data/maxminddb-golang/invalid-string-length.mmdb",
		  "metadata: value at offset 140 runs past the end of its section", 0 },
		{ "bad-data/maxminddb-golang/metadata-is-an-uint128.mmdb",
		  "metadata: value at offset 2 runs past the end of its section", 0 },
		/* languages is an empty byte string (and the map ends early) */
		{ "bad-data/maxminddb-golang/unexpected-bytes.mmdb",
		  "metadata: languages is not an array of strings", 0 },
		{ "bad-data/maxminddb-python/bad-unicode-in-map-key.mmdb",
		  "the 16 bytes after the search tree are not zero (wrong node_count?)", 0 },
	};
	(void)state;
	judge(v, sizeof(v) / sizeof(v[0]));
	printf("bad-data: %zu files judged\n", sizeof(v) / sizeof(v[0]));
}

static void test_test_data(void **state)
{
	static const struct verdict v[] = {
		{ "test-data/GeoIP-Anonymous-Plus-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP-Residential-Proxy-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Anonymous-IP-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-City-Shield-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-City-Test-Broken-Double-Format.mmdb",
		  "data section: double at offset 367 has 5 bytes instead of 8", 0 },
		{ "test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb",
		  "node_count 100000 needs a 700000-byte search tree, but the metadata starts at "
		  "byte 22571", 0 },
		{ "test-data/GeoIP2-City-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Connection-Type-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Country-Shield-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Country-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-DensityIncome-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Domain-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Enterprise-Shield-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Enterprise-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-IP-Risk-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-ISP-Test.mmdb", NULL, 142 },
		{ "test-data/GeoIP2-Precision-Enterprise-Shield-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Precision-Enterprise-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-Static-IP-Score-Test.mmdb", NULL, 0 },
		{ "test-data/GeoIP2-User-Count-Test.mmdb", NULL, 0 },
		{ "test-data/GeoLite2-ASN-Test.mmdb", NULL, 101 },
		{ "test-data/GeoLite2-City-Test.mmdb", NULL, 0 },
		{ "test-data/GeoLite2-Country-Test.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-no-ipv4-search-tree.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-string-value-entries.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-broken-pointers-24.mmdb",
		  "record left of node 36 points past the data section (offset 100052 of 65 "
		  "bytes)", 0 },
		{ "test-data/MaxMind-DB-test-broken-search-tree-24.mmdb",
		  "record right of node 0 points back at the root node", 0 },
		{ "test-data/MaxMind-DB-test-decoder.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv4-24.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv4-28.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv4-32.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv6-24.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv6-28.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-ipv6-32.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-metadata-pointers.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-mixed-24.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-mixed-28.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-mixed-32.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-nested.mmdb", NULL, 0 },
		{ "test-data/MaxMind-DB-test-pointer-decoder.mmdb", NULL, 0 },
	};
	(void)state;
	judge(v, sizeof(v) / sizeof(v[0]));
	printf("test-data: %zu files judged\n", sizeof(v) / sizeof(v[0]));
}

/* A well-formed database without ASN data is not an ASN source. */
static void test_not_asn(void **state)
{
	char path[1200], want[1600];
	struct fa_enrich_diag diag = { 0 };
	(void)state;
	snprintf(path, sizeof(path), "%s/test-data/GeoIP2-City-Test.mmdb", dir);
	struct fa_enrich *e = fa_enrich_new();
	assert_non_null(e);
	assert_int_equal(fa_enrich_add_mmdb(e, path, &diag), FA_EPARSE);
	assert_int_equal(diag.count, 1);
	snprintf(want, sizeof(want), "\"%s\" is not usable for IP to ASN: no record has "
		 "autonomous_system_number (GeoIP2-City, IPv6 tree, 1547 nodes, 63 data "
		 "records, 0 with an ASN)", path);
	assert_string_equal(diag.msgs[0], want);
	fa_enrich_diag_clear(&diag);
	fa_enrich_free(e);
}

static void answer_is(const struct fa_enrich *e, const char *addr, uint32_t asn,
		      enum fa_enrich_asn_source src, const char *org)
{
	struct fa_enrich_addr a;
	struct fa_enrich_asn r;
	char err[256];
	assert_int_equal(fa_enrich_addr_parse(addr, &a), FA_OK);
	assert_int_equal(fa_enrich_asn(e, &a, &r, err, sizeof(err)), FA_OK);
	assert_int_equal(r.asn, asn);
	assert_int_equal(r.source, src);
	assert_string_equal(r.org, org);
}

/* Both kinds of source: the preferred one answers first, the other one
 * answers what the first does not know. */
static void test_prefer(void **state)
{
	static const char table[] = "1.0.0.0 24 64500\n203.0.113.0 24 64501\n";
	char path[1200];
	struct fa_enrich_diag diag = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/test-data/GeoLite2-ASN-Test.mmdb", dir);
	for (int prefer = 0; prefer < 2; prefer++) {
		struct fa_enrich *e = fa_enrich_new();
		assert_non_null(e);
		fa_enrich_set_prefer(e, prefer ? FA_ENRICH_PREFER_PFX2AS : FA_ENRICH_PREFER_MMDB);
		assert_int_equal(fa_enrich_add_pfx2as(e, "t", table, strlen(table), &diag), FA_OK);
		assert_int_equal(fa_enrich_add_mmdb(e, path, &diag), FA_OK);
		assert_int_equal(fa_enrich_finish(e, &diag), FA_OK);
		if (prefer) {
			answer_is(e, "1.0.0.1", 64500, FA_ENRICH_ASN_PFX2AS, "");
		} else {
			answer_is(e, "1.0.0.1", 15169, FA_ENRICH_ASN_MMDB, "Google Inc.");
		}
		answer_is(e, "203.0.113.9", 64501, FA_ENRICH_ASN_PFX2AS, "");
		answer_is(e, "1.128.0.1", 1221, FA_ENRICH_ASN_MMDB, "Telstra Pty Ltd");
		answer_is(e, "192.0.2.1", 0, FA_ENRICH_ASN_NONE, "");
		fa_enrich_free(e);
	}
	assert_int_equal(diag.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asn_truth),
		cmocka_unit_test(test_isp_truth),
		cmocka_unit_test(test_bad_data),
		cmocka_unit_test(test_test_data),
		cmocka_unit_test(test_not_asn),
		cmocka_unit_test(test_prefer),
	};
	const char *env = getenv("FA_CORPUS_DIR");
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/maxmind-mmdb",
		 env != NULL && env[0] != '\0' ? env : FA_CORPUS_DIR);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("corpus not found at %s: MaxMind DB test NOT RUN\n", dir);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
