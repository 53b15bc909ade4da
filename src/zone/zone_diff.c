/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diff of two zone snapshots in memory proportional to the number of
 * names of the delegation model, not to the text.
 *
 * Pass 1 reads both files into one open-addressing table keyed by a
 * 64-bit hash of the owner name, holding per version the sum of the hashes
 * of its NS, DS, A and AAAA records (value and TTL): a sum does not
 * depend on record order. Bit 0 of a version's fingerprint says whether
 * the name is the target of a delegation NS record in that version (the
 * sums only add multiples of 4, so the low bits stay free). Pass 2 reads
 * both files again and keeps in detail only the records of names whose
 * fingerprints differ, which are then compared exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone_int.h"

#define NAME_SEED 0x6a09e667f3bcc908ULL
#define REC_SEED 0xbb67ae8584caa73bULL
#define TARGET_BIT 1ULL

struct slot {
	uint64_t key;	/* 0 = empty */
	uint64_t fp[2];
};

struct table {
	struct slot *s;
	size_t cap;	/* power of two */
	size_t n;
};

struct ctx {
	struct table t;
	unsigned ver;
	bool pass2;
	uint64_t *changed;	/* sorted keys whose fingerprints differ */
	size_t nchanged;
	struct zone_recs recs;
	char *val;		/* ZONE_VALSZ scratch */
	bool has_serial[2];
	uint32_t serial[2];
	const char *path;
	char *err;
	size_t errlen;
};

static uint64_t name_key(const char *name)
{
	uint64_t k = zone_hash(name, strlen(name), NAME_SEED);
	return k != 0 ? k : 1;
}

static int table_grow(struct table *t)
{
	size_t cap = t->cap != 0 ? t->cap * 2 : 1u << 14;
	struct slot *s = calloc(cap, sizeof(*s));
	if (s == NULL) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->s[i].key == 0) {
			continue;
		}
		size_t j = t->s[i].key & (cap - 1);
		while (s[j].key != 0) {
			j = (j + 1) & (cap - 1);
		}
		s[j] = t->s[i];
	}
	free(t->s);
	t->s = s;
	t->cap = cap;
	return FA_OK;
}

/* The slot of key, created when add is set; NULL when absent or no memory. */
static struct slot *table_at(struct table *t, uint64_t key, bool add)
{
	if (add && (t->n + 1) * 10 > t->cap * 7 && table_grow(t) != FA_OK) {
		return NULL;
	}
	if (t->cap == 0) {
		return NULL;
	}
	size_t j = key & (t->cap - 1);
	while (t->s[j].key != 0) {
		if (t->s[j].key == key) {
			return &t->s[j];
		}
		j = (j + 1) & (t->cap - 1);
	}
	if (!add) {
		return NULL;
	}
	t->s[j].key = key;
	t->n++;
	return &t->s[j];
}

static bool is_changed(const struct ctx *c, uint64_t key)
{
	size_t lo = 0, hi = c->nchanged;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->changed[mid] == key) {
			return true;
		}
		if (c->changed[mid] < key) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return false;
}

static int nomem(struct ctx *c)
{
	snprintf(c->err, c->errlen, "out of memory reading \"%s\"", c->path);
	return FA_ENOMEM;
}

static int pass1(struct ctx *c, const struct fa_zone_rr *rr, uint64_t key)
{
	struct slot *sl = table_at(&c->t, key, true);
	if (sl == NULL) {
		return nomem(c);
	}
	uint64_t h = zone_hash(c->val, strlen(c->val),
			       REC_SEED ^ ((uint64_t)rr->type << 32 | rr->ttl));
	sl->fp[c->ver] += h & ~3ULL;

	/* A name that a delegation points to: its addresses are glue. */
	if (rr->type == ZT_NS && rr->target_below) {
		sl = table_at(&c->t, name_key(c->val), true);
		if (sl == NULL) {
			return nomem(c);
		}
		sl->fp[c->ver] |= TARGET_BIT;
	}
	return FA_OK;
}

static int on_rr(void *arg, const struct fa_zone_rr *rr)
{
	struct ctx *c = arg;

	if (rr->type == ZT_SOA && rr->apex && !c->has_serial[c->ver]) {
		c->has_serial[c->ver] = zone_soa_serial(rr, &c->serial[c->ver]);
		return FA_OK;
	}
	if (!rr->below || !zone_model_type(rr->type)) {
		return FA_OK;
	}
	if (zone_rr_value(rr, c->val, ZONE_VALSZ) != FA_OK) {
		snprintf(c->err, c->errlen, "\"%s\": malformed rdata of \"%s\"",
			 c->path, rr->owner);
		return FA_EPARSE;
	}
	uint64_t key = name_key(rr->owner);

	if (c->pass2) {
		if (!is_changed(c, key)) {
			return FA_OK;
		}
		uint8_t glue = 0;
		if (rr->type == ZT_A || rr->type == ZT_AAAA) {
			struct slot *sl = table_at(&c->t, key, false);
			glue = sl != NULL && (sl->fp[c->ver] & TARGET_BIT);
		}
		if (zone_recs_push(&c->recs, rr->owner, c->val, rr->type, rr->ttl,
				   (uint8_t)c->ver, glue, 0) != FA_OK) {
			return nomem(c);
		}
		return FA_OK;
	}
	return pass1(c, rr, key);
}

static int scan(struct ctx *c, const char *path, unsigned ver,
		const struct fa_zone_opts *opts)
{
	c->ver = ver;
	c->path = path;
	return fa_zone_scan(path, opts, on_rr, c, c->err, c->errlen);
}

static int key_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

static int collect_changed(struct ctx *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->t.cap; i++) {
		n += c->t.s[i].key != 0 && c->t.s[i].fp[0] != c->t.s[i].fp[1];
	}
	c->changed = malloc((n != 0 ? n : 1) * sizeof(*c->changed));
	if (c->changed == NULL) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < c->t.cap; i++) {
		if (c->t.s[i].key != 0 && c->t.s[i].fp[0] != c->t.s[i].fp[1]) {
			c->changed[c->nchanged++] = c->t.s[i].key;
		}
	}
	qsort(c->changed, c->nchanged, sizeof(*c->changed), key_cmp);
	return FA_OK;
}

int fa_zone_diff_files(const char *old_path, const char *new_path,
		       const struct fa_zone_opts *opts, fa_zone_change_fn fn,
		       void *arg, struct fa_zone_diff_stats *stats, char *err,
		       size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	int rc;

	c.val = malloc(ZONE_VALSZ);
	if (c.val == NULL) {
		return FA_ENOMEM;
	}
	rc = scan(&c, old_path, 0, opts);
	if (rc == FA_OK) {
		rc = scan(&c, new_path, 1, opts);
	}
	if (rc == FA_OK) {
		rc = collect_changed(&c);
	}
	if (rc != FA_OK) {
		goto out;
	}

	c.pass2 = true;
	if (c.nchanged > 0) {
		rc = scan(&c, old_path, 0, opts);
		if (rc == FA_OK) {
			rc = scan(&c, new_path, 1, opts);
		}
		if (rc != FA_OK) {
			goto out;
		}
	}
	if (stats != NULL) {
		stats->names = c.t.n;
		stats->table_bytes = c.t.cap * sizeof(struct slot);
		stats->changed = c.nchanged;
		stats->detail_bytes = c.recs.bytes + c.nchanged * sizeof(uint64_t);
		stats->old_serial = c.serial[0];
		stats->new_serial = c.serial[1];
	}
	rc = zone_recs_diff(&c.recs, false, c.has_serial[1], c.serial[1], fn, arg);
out:
	zone_recs_free(&c.recs);
	free(c.changed);
	free(c.t.s);
	free(c.val);
	return rc;
}
