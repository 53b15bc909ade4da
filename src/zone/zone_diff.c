/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diff of two zone snapshots in memory proportional to the number of
 * names of the delegation model, not to the text.
 *
 * Pass 1 reads each file into its own open-addressing table keyed by a
 * 64-bit hash of the owner name (wire form, letters folded), holding the
 * sum of the hashes of the name's NS, DS, A and AAAA records (wire rdata,
 * NS targets folded, type and TTL): a sum does not depend on record order.
 * Bit 0 says whether the name is the target of a delegation NS record
 * (the sums only add multiples of 4, so the low bits stay free). Names
 * whose fingerprints differ between the tables are marked (bit 1) and read
 * again, in pass 2; only their records are kept as text and compared
 * exactly.
 * The two files are read by two threads, each with its own table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone_int.h"

#define NAME_SEED 0x6a09e667f3bcc908ULL
#define REC_SEED 0xbb67ae8584caa73bULL
#define TARGET_BIT 1ULL
#define CHANGED_BIT 2ULL	/* set between the passes: re-read this name */

struct slot {
	uint64_t key;	/* 0 = empty */
	uint64_t fp;
};

struct table {
	struct slot *s;
	size_t cap;	/* power of two */
	size_t n;
};

/* The reading of one file (one version) in one thread. */
struct side {
	const char *path;
	const struct fa_zone_opts *opts;
	unsigned ver;
	bool pass2;
	struct table t;
	/* the last owner's key: records of one owner usually follow */
	uint8_t last[256];
	size_t last_len;
	uint64_t last_key;
	struct slot *last_slot;	/* its slot, valid while the table's size */
	size_t last_cap;	/* stays last_cap */
	struct zone_recs recs;
	char *val;
	bool has_serial;
	uint32_t serial;
	int rc;
	char err[1024];
};

static uint64_t name_key(const uint8_t *wire)
{
	uint64_t k = zone_wire_key(wire, NAME_SEED);
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

static int nomem(struct side *sd)
{
	snprintf(sd->err, sizeof(sd->err), "out of memory reading \"%s\"",
		 sd->path);
	return FA_ENOMEM;
}

/* The owner's slot, looked up once per run of records of one owner. */
static struct slot *owner_slot(struct side *sd, uint64_t key, bool add)
{
	/* the size first: a grown table has freed the old slots */
	if (sd->last_slot != NULL && sd->last_cap == sd->t.cap &&
	    sd->last_slot->key == key) {
		return sd->last_slot;
	}
	sd->last_slot = table_at(&sd->t, key, add);
	sd->last_cap = sd->t.cap;
	return sd->last_slot;
}

static int pass1(struct side *sd, const struct fa_zone_rr *rr, uint64_t key)
{
	struct slot *sl = owner_slot(sd, key, true);
	if (sl == NULL) {
		return nomem(sd);
	}
	uint64_t seed = REC_SEED ^ ((uint64_t)rr->type << 32 | rr->ttl);
	uint64_t h = rr->type == ZT_NS ? zone_wire_key(rr->rdata, seed)
				       : zone_hash(rr->rdata, rr->rdlen, seed);
	sl->fp += h & ~3ULL;

	/* A name that a delegation points to: its addresses are glue. */
	if (rr->type == ZT_NS && rr->target_below) {
		sl = table_at(&sd->t, name_key(rr->rdata), true);
		if (sl == NULL) {
			return nomem(sd);
		}
		sl->fp |= TARGET_BIT;
	}
	return FA_OK;
}

static int pass2(struct side *sd, const struct fa_zone_rr *rr, uint64_t key)
{
	char owner[ZONE_NAMESZ];
	uint8_t glue = 0;

	struct slot *sl = owner_slot(sd, key, false);
	if (sl == NULL || !(sl->fp & CHANGED_BIT)) {
		return FA_OK;
	}
	if (zone_rr_value(rr, sd->val, ZONE_VALSZ) != FA_OK) {
		fa_zone_name_text(rr->owner_wire, owner, sizeof(owner));
		snprintf(sd->err, sizeof(sd->err),
			 "\"%s\" line %llu: malformed rdata of \"%.200s\"", sd->path,
			 (unsigned long long)rr->line, owner);
		return FA_EPARSE;
	}
	if (rr->type == ZT_A || rr->type == ZT_AAAA) {
		glue = (sl->fp & TARGET_BIT) != 0;
	}
	fa_zone_name_text(rr->owner_wire, owner, sizeof(owner));
	if (zone_recs_push(&sd->recs, owner, sd->val, rr->type, rr->ttl,
			   (uint8_t)sd->ver, glue, 0) != FA_OK) {
		return nomem(sd);
	}
	return FA_OK;
}

static int on_rr(void *arg, const struct fa_zone_rr *rr)
{
	struct side *sd = arg;

	if (rr->type == ZT_SOA && rr->apex && !sd->has_serial) {
		sd->has_serial = zone_soa_serial(rr, &sd->serial);
		return FA_OK;
	}
	if (!rr->below || !zone_model_type(rr->type)) {
		return FA_OK;
	}
	size_t len = 0;
	while (rr->owner_wire[len] != 0) {
		len += rr->owner_wire[len] + 1u;
	}
	len++;
	if (len != sd->last_len || memcmp(rr->owner_wire, sd->last, len) != 0) {
		sd->last_key = name_key(rr->owner_wire);
		sd->last_len = len <= sizeof(sd->last) ? len : 0;
		memcpy(sd->last, rr->owner_wire, sd->last_len);
	}
	uint64_t key = sd->last_key;
	return sd->pass2 ? pass2(sd, rr, key) : pass1(sd, rr, key);
}

static void *read_side(void *arg)
{
	struct side *sd = arg;
	sd->rc = fa_zone_scan(sd->path, sd->opts, on_rr, sd, sd->err,
			      sizeof(sd->err));
	return NULL;
}

/* Both files at once, one thread each; the first failure (old side
 * first) is the one reported. */
static int read_both(struct side sd[2], char *err, size_t errlen)
{
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, read_side, &sd[1]) == 0;

	read_side(&sd[0]);
	if (threaded) {
		pthread_join(th, NULL);
	} else {
		read_side(&sd[1]);
	}
	for (int v = 0; v < 2; v++) {
		if (sd[v].rc != FA_OK) {
			snprintf(err, errlen, "%s", sd[v].err);
			return sd[v].rc;
		}
	}
	return FA_OK;
}

/* Mark the names whose fingerprints differ, in both tables, for pass 2. */
static size_t mark_changed(struct side sd[2])
{
	size_t n = 0;

	for (int a = 0; a < 2; a++) {
		struct table *t = &sd[a].t;
		for (size_t i = 0; i < t->cap; i++) {
			struct slot *sl = &t->s[i];
			if (sl->key == 0 || (sl->fp & CHANGED_BIT)) {
				continue;
			}
			struct slot *o = table_at(&sd[!a].t, sl->key, false);
			if (o != NULL && (o->fp & ~CHANGED_BIT) == sl->fp) {
				continue;
			}
			sl->fp |= CHANGED_BIT;
			if (o != NULL) {
				o->fp |= CHANGED_BIT;
			}
			n++;
		}
	}
	return n;
}

int fa_zone_diff_files(const char *old_path, const char *new_path,
		       const struct fa_zone_opts *opts, fa_zone_change_fn fn,
		       void *arg, struct fa_zone_diff_stats *stats, char *err,
		       size_t errlen)
{
	struct side sd[2] = {
		{ .path = old_path, .opts = opts, .ver = 0 },
		{ .path = new_path, .opts = opts, .ver = 1 },
	};
	size_t nchanged = 0;
	int rc;

	sd[0].val = malloc(ZONE_VALSZ);
	sd[1].val = malloc(ZONE_VALSZ);
	if (sd[0].val == NULL || sd[1].val == NULL) {
		rc = FA_ENOMEM;
		goto out;
	}
	rc = read_both(sd, err, errlen);
	if (rc != FA_OK) {
		goto out;
	}
	nchanged = mark_changed(sd);
	for (int v = 0; v < 2; v++) {
		sd[v].pass2 = true;
		sd[v].last_len = 0;
		sd[v].last_slot = NULL;
	}
	if (nchanged > 0) {
		rc = read_both(sd, err, errlen);
		if (rc != FA_OK) {
			goto out;
		}
	}
	if (stats != NULL) {
		stats->names = sd[0].t.n + sd[1].t.n;
		stats->table_bytes = (sd[0].t.cap + sd[1].t.cap) * sizeof(struct slot);
		stats->changed = nchanged;
		stats->detail_bytes = sd[0].recs.bytes + sd[1].recs.bytes;
		stats->old_serial = sd[0].serial;
		stats->new_serial = sd[1].serial;
	}

	/* One list: the comparison sorts by owner and version anyway. */
	struct zone_recs *all = &sd[0].recs;
	for (size_t i = 0; i < sd[1].recs.n; i++) {
		const struct zone_rec *e = &sd[1].recs.v[i];
		rc = zone_recs_push(all, e->owner, e->val, e->type, e->ttl, e->ver,
				    e->glue, 0);
		if (rc != FA_OK) {
			goto out;
		}
	}
	zone_recs_free(&sd[1].recs);
	rc = zone_recs_diff(all, false, sd[1].has_serial, sd[1].serial, fn, arg);
out:
	for (int v = 0; v < 2; v++) {
		zone_recs_free(&sd[v].recs);
		free(sd[v].t.s);
		free(sd[v].val);
	}
	return rc;
}
