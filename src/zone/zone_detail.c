/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detailed comparison of the delegation records of a few names: the old
 * and the new records of each owner are set against each other and turned
 * into change records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone_int.h"

int zone_recs_push(struct zone_recs *r, const char *owner, const char *val,
		   uint16_t type, uint32_t ttl, uint8_t ver, uint8_t glue,
		   uint64_t seq)
{
	if (r->n == r->cap) {
		size_t cap = r->cap != 0 ? r->cap * 2 : 64;
		struct zone_rec *v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL) {
			return FA_ENOMEM;
		}
		r->bytes += (cap - r->cap) * sizeof(*v);
		r->v = v;
		r->cap = cap;
	}
	struct zone_rec *e = &r->v[r->n];
	e->owner = strdup(owner);
	e->val = strdup(val);
	if (e->owner == NULL || e->val == NULL) {
		free(e->owner);
		free(e->val);
		return FA_ENOMEM;
	}
	r->bytes += strlen(owner) + strlen(val) + 2;
	e->type = type;
	e->ttl = ttl;
	e->ver = ver;
	e->glue = glue;
	e->seq = seq;
	r->n++;
	return FA_OK;
}

void zone_recs_free(struct zone_recs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].owner);
		free(r->v[i].val);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct zone_rec *a = pa, *b = pb;
	int c = strcmp(a->owner, b->owner);
	if (c != 0) {
		return c;
	}
	if (a->type != b->type) {
		return a->type < b->type ? -1 : 1;
	}
	c = strcmp(a->val, b->val);
	if (c != 0) {
		return c;
	}
	if (a->ver != b->ver) {
		return a->ver < b->ver ? -1 : 1;
	}
	return 0;
}

/* The records of one owner: g[0..n) sorted by type, value, version. */
struct group {
	const struct zone_rec *g;
	size_t n;
	bool partial;
	struct fa_zone_change ch;
	fa_zone_change_fn fn;
	void *arg;
};

static bool counts(const struct zone_rec *e, unsigned ver)
{
	if (e->ver != ver) {
		return false;
	}
	/* A/AAAA only matter for hosts that some delegation names. */
	return (e->type != ZT_A && e->type != ZT_AAAA) || e->glue;
}

/* Presence and smallest TTL of the RRset of type t in version ver. */
static bool rrset(const struct group *gr, uint16_t t, unsigned ver,
		  uint32_t *ttl)
{
	bool any = false;
	for (size_t i = 0; i < gr->n; i++) {
		const struct zone_rec *e = &gr->g[i];
		if (e->type == t && counts(e, ver)) {
			if (!any || e->ttl < *ttl) {
				*ttl = e->ttl;
			}
			any = true;
		}
	}
	return any;
}

static int emit(struct group *gr, enum fa_zone_kind kind, const char *value,
		uint16_t t, uint32_t ttl, const char *old_value)
{
	gr->ch.kind = kind;
	gr->ch.value = value;
	gr->ch.rrtype = t == ZT_NS ? "NS" : t == ZT_DS ? "DS" : t == ZT_A ? "A" : "AAAA";
	gr->ch.ttl = ttl;
	gr->ch.old_value = old_value;
	return gr->fn(gr->arg, &gr->ch);
}

/* Values of type t present in version `in` and absent from the other. */
static int set_diff(struct group *gr, uint16_t t, unsigned in,
		    enum fa_zone_kind kind)
{
	size_t i = 0;
	while (i < gr->n) {
		size_t j = i;
		bool here = false, there = false;
		uint32_t ttl = 0;
		while (j < gr->n && gr->g[j].type == gr->g[i].type &&
		       strcmp(gr->g[j].val, gr->g[i].val) == 0) {
			if (counts(&gr->g[j], in)) {
				if (!here || gr->g[j].ttl < ttl) {
					ttl = gr->g[j].ttl;
				}
				here = true;
			}
			there |= counts(&gr->g[j], !in);
			j++;
		}
		if (gr->g[i].type == t && here && !there) {
			int rc = emit(gr, kind, gr->g[i].val, t, ttl, NULL);
			if (rc != FA_OK) {
				return rc;
			}
		}
		i = j;
	}
	return FA_OK;
}

static int diff_owner(struct group *gr)
{
	static const uint16_t types[] = { ZT_NS, ZT_DS, ZT_A, ZT_AAAA };
	uint32_t t0 = 0, t1 = 0;
	bool ns0 = rrset(gr, ZT_NS, 0, &t0), ns1 = rrset(gr, ZT_NS, 1, &t1);
	int rc = FA_OK;

	if (!gr->partial && !ns0 && ns1) {
		rc = emit(gr, FA_ZONE_DELEGATION_ADD, "", ZT_NS, t1, NULL);
	}
	if (rc == FA_OK && !gr->partial && ns0 && !ns1) {
		rc = emit(gr, FA_ZONE_DELEGATION_REM, "", ZT_NS, t0, NULL);
	}
	if (rc == FA_OK) {
		rc = set_diff(gr, ZT_NS, 1, FA_ZONE_NS_ADD);
	}
	if (rc == FA_OK) {
		rc = set_diff(gr, ZT_NS, 0, FA_ZONE_NS_REM);
	}
	for (int k = 0; rc == FA_OK && k < 2; k++) {
		rc = set_diff(gr, k == 0 ? ZT_A : ZT_AAAA, 1, FA_ZONE_GLUE_ADD);
	}
	for (int k = 0; rc == FA_OK && k < 2; k++) {
		rc = set_diff(gr, k == 0 ? ZT_A : ZT_AAAA, 0, FA_ZONE_GLUE_REM);
	}
	if (rc == FA_OK) {
		rc = set_diff(gr, ZT_DS, 1, FA_ZONE_DS_ADD);
	}
	if (rc == FA_OK) {
		rc = set_diff(gr, ZT_DS, 0, FA_ZONE_DS_REM);
	}

	/* A TTL change is one per RRset that exists on both sides. */
	for (size_t k = 0; rc == FA_OK && k < 4; k++) {
		if (rrset(gr, types[k], 0, &t0) && rrset(gr, types[k], 1, &t1) &&
		    t0 != t1) {
			char nv[16], ov[16];
			snprintf(nv, sizeof(nv), "%" PRIu32, t1);
			snprintf(ov, sizeof(ov), "%" PRIu32, t0);
			rc = emit(gr, FA_ZONE_TTL_CHANGE, nv, types[k], t1, ov);
		}
	}
	return rc;
}

int zone_recs_diff(struct zone_recs *r, bool partial, bool has_serial,
		   uint32_t serial, fa_zone_change_fn fn, void *arg)
{
	if (r->n > 1) {
		qsort(r->v, r->n, sizeof(r->v[0]), rec_cmp);
	}
	for (size_t i = 0; i < r->n;) {
		size_t j = i;
		while (j < r->n && strcmp(r->v[j].owner, r->v[i].owner) == 0) {
			j++;
		}
		struct group gr = {
			.g = &r->v[i],
			.n = j - i,
			.partial = partial,
			.fn = fn,
			.arg = arg,
			.ch = { .name = r->v[i].owner, .serial = serial,
				.has_serial = has_serial },
		};
		int rc = diff_owner(&gr);
		if (rc != FA_OK) {
			return rc;
		}
		i = j;
	}
	return FA_OK;
}
