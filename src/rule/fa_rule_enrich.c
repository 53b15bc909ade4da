/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics that need enrichment data (src/enrich): the ASNs and consumer
 * blocks behind a host's or a domain's name-server addresses, the
 * Holz-style flux score, static/dynamic declarations, and the allowlisted
 * provider that lowers a finding's score.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/fa_enrich.h"
#include "rule/fa_rule_int.h"

/* A consumer/dynamic block an address fell in: its network and length. */
struct block {
	uint8_t family;
	uint8_t len;
	uint8_t net[16];
};

/*
 * What the enrichment data says of one address text, looked up once per
 * engine: the lookups (parse, longest-prefix ASN and consumer block) cost
 * far more than finding the text again, and every evaluation of a flux
 * rule walks the same addresses. One entry per distinct text, so within
 * one tally an entry stands for its text: mark says which tally last
 * counted it.
 */
struct maddr {
	struct maddr *next;	/* hash chain */
	uint64_t mark;
	bool parsed;		/* the text is an address */
	bool consumer;		/* in a consumer/dynamic block */
	uint32_t asn;		/* 0: no source knows it */
	struct block block;	/* the consumer block, when consumer */
	char addr[];
};

/* The sums of one tally, kept for the other rules of one evaluation. */
struct mtally {
	const struct fa_rule_ent *e;
	int64_t window_us;
	uint64_t key;		/* fa_rule_engine_memo_key() it was made at */
	int64_t addrs, consumer, hosts;
	size_t nasns, nblocks;
	struct fa_rule_ids ids;		/* events that added the addresses */
	struct fa_rule_ids cids;	/* those of the consumer addresses */
};

/* The rules of one entity read few windows of these metrics. */
#define MEMO_TALLIES 4
#define MEMO_BUCKETS 4096
/* Beyond this many addresses the memo starts over at the next prune. */
#define MEMO_MAX_ADDRS (1u << 20)

struct fa_rule_enrich_memo {
	struct maddr **buckets;
	size_t nbuckets, n;
	uint64_t stamp;		/* number of the current tally */
	struct mtally tallies[MEMO_TALLIES];
	size_t next_tally;
};

/* What the addresses of one entity in one window amount to. */
struct tally {
	uint32_t *asns;		/* distinct, unsorted */
	size_t nasns, casns;
	int64_t addrs;		/* distinct addresses */
	int64_t consumer;	/* of them in consumer/dynamic blocks */
	int64_t hosts;		/* name servers looked at */
	struct block *blocks;	/* distinct consumer blocks */
	size_t nblocks, cblocks;
};

static bool in_window(const struct fa_rule_addr *a, int64_t now_us, int64_t window_us)
{
	return a->held || a->removed_us > now_us - window_us;
}

static int push(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n < *cap) {
		return FA_OK;
	}
	size_t c = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, c * size);
	if (p == NULL) {
		return FA_ENOMEM;
	}
	*v = p;
	*cap = c;
	return FA_OK;
}

static int add_asn(struct tally *t, uint32_t asn)
{
	for (size_t i = 0; i < t->nasns; i++) {
		if (t->asns[i] == asn) {
			return FA_OK;
		}
	}
	if (push((void **)&t->asns, &t->nasns, &t->casns, sizeof(*t->asns)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->asns[t->nasns++] = asn;
	return FA_OK;
}

/* The network of a block: the address with the bits past len cleared. */
static void block_of(const struct fa_enrich_addr *a, unsigned len, struct block *b)
{
	memset(b, 0, sizeof(*b));
	b->family = a->family;
	b->len = (uint8_t)len;
	for (unsigned i = 0; i < 16 && i * 8 < len; i++) {
		unsigned keep = len - i * 8 >= 8 ? 8 : len - i * 8;
		b->net[i] = (uint8_t)(a->b[i] & (0xff00 >> keep));
	}
}

static int add_block(struct tally *t, const struct block *b)
{
	for (size_t i = 0; i < t->nblocks; i++) {
		if (memcmp(&t->blocks[i], b, sizeof(*b)) == 0) {
			return FA_OK;
		}
	}
	if (push((void **)&t->blocks, &t->nblocks, &t->cblocks,
		 sizeof(*t->blocks)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->blocks[t->nblocks++] = *b;
	return FA_OK;
}

struct fa_rule_enrich_memo *fa_rule_enrich_memo_new(void)
{
	struct fa_rule_enrich_memo *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return NULL;
	}
	m->nbuckets = MEMO_BUCKETS;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (m->buckets == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

static void memo_clear(struct fa_rule_enrich_memo *m)
{
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct maddr *a = m->buckets[b];
		while (a != NULL) {
			struct maddr *next = a->next;
			free(a);
			a = next;
		}
		m->buckets[b] = NULL;
	}
	m->n = 0;
	memset(m->tallies, 0, sizeof(m->tallies));
}

void fa_rule_enrich_memo_free(struct fa_rule_enrich_memo *m)
{
	if (m == NULL) {
		return;
	}
	memo_clear(m);
	free(m->buckets);
	free(m);
}

void fa_rule_enrich_memo_trim(struct fa_rule_enrich_memo *m)
{
	if (m != NULL && m->n > MEMO_MAX_ADDRS) {
		memo_clear(m);
	}
}

static uint64_t text_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void memo_rehash(struct fa_rule_enrich_memo *m)
{
	size_t n = m->nbuckets * 2;
	struct maddr **b = calloc(n, sizeof(*b));
	if (b == NULL) {
		return; /* longer chains, still correct */
	}
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct maddr *a = m->buckets[i];
		while (a != NULL) {
			struct maddr *next = a->next;
			size_t h = text_hash(a->addr) % n;
			a->next = b[h];
			b[h] = a;
			a = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

/* The lookups of a new address text. */
static int maddr_fill(const struct fa_enrich *en, struct maddr *a)
{
	struct fa_enrich_addr bin;
	struct fa_enrich_asn asn;
	struct fa_enrich_consumer cons;
	char err[256];

	/* Stored addresses were normalized on the way in; one that does not
	 * parse has nothing to say about networks. */
	if (fa_enrich_addr_parse(a->addr, &bin) != FA_OK) {
		return FA_OK;
	}
	int rc = fa_enrich_asn(en, &bin, &asn, err, sizeof(err));
	if (rc != FA_OK) {
		return rc;
	}
	a->parsed = true;
	a->asn = asn.asn;
	if (fa_enrich_consumer(en, &bin, &cons)) {
		a->consumer = true;
		block_of(&bin, cons.prefix_len, &a->block);
	}
	return FA_OK;
}

/* The memo entry of an address text, made on first sight. */
static int maddr_get(struct fa_rule_enrich_memo *m, const struct fa_enrich *en,
		     const char *addr, struct maddr **out)
{
	size_t h = text_hash(addr) % m->nbuckets;
	struct maddr *a = m->buckets[h];
	while (a != NULL && strcmp(a->addr, addr) != 0) {
		a = a->next;
	}
	if (a != NULL) {
		*out = a;
		return FA_OK;
	}
	size_t len = strlen(addr);
	a = calloc(1, sizeof(*a) + len + 1);
	if (a == NULL) {
		return FA_ENOMEM;
	}
	memcpy(a->addr, addr, len + 1);
	int rc = maddr_fill(en, a);
	if (rc != FA_OK) {
		free(a);
		return rc;
	}
	a->next = m->buckets[h];
	m->buckets[h] = a;
	if (++m->n > m->nbuckets) {
		memo_rehash(m);
	}
	*out = a;
	return FA_OK;
}

/* One address, counted once per entity however many hosts held it. The
 * consumer counts name only the events of consumer addresses as their
 * evidence: a reviewer must not be shown a hosting address as one. */
static int add_addr(const struct fa_rule_engine *eng, struct tally *t,
		    const struct fa_rule_addr *a, struct fa_rule_ids *ids,
		    struct fa_rule_ids *cids)
{
	struct fa_rule_enrich_memo *m = fa_rule_engine_enrich_memo(eng);
	struct maddr *ma;
	int rc = maddr_get(m, fa_rule_engine_enrich(eng), a->addr, &ma);

	if (rc != FA_OK || ma->mark == m->stamp) {
		return rc;
	}
	ma->mark = m->stamp;
	t->addrs++;
	if (a->event_id != 0) {
		fa_rule_ids_add(ids, a->event_id);
	}
	if (!ma->parsed) {
		return FA_OK;
	}
	if (ma->asn != 0 && add_asn(t, ma->asn) != FA_OK) {
		return FA_ENOMEM;
	}
	if (ma->consumer) {
		t->consumer++;
		if (a->event_id != 0) {
			fa_rule_ids_add(cids, a->event_id);
		}
		return add_block(t, &ma->block);
	}
	return FA_OK;
}

static int add_host(const struct fa_rule_engine *eng, struct tally *t,
		    const struct fa_rule_ent *h, int64_t now_us, int64_t window_us,
		    struct fa_rule_ids *ids, struct fa_rule_ids *cids)
{
	int rc = FA_OK;

	t->hosts++;
	for (size_t k = 0; h != NULL && k < h->naddrs && rc == FA_OK; k++) {
		if (in_window(&h->addrs[k], now_us, window_us)) {
			rc = add_addr(eng, t, &h->addrs[k], ids, cids);
		}
	}
	return rc;
}

/*
 * The addresses behind an entity in the window: a host's own; for a
 * domain those of every name server it had in the window, as
 * distinct_ns_addrs counts them.
 */
static int tally(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		 int64_t now_us, int64_t window_us, struct tally *t,
		 struct fa_rule_ids *ids, struct fa_rule_ids *cids)
{
	int rc = FA_OK;

	memset(t, 0, sizeof(*t));
	fa_rule_engine_enrich_memo(eng)->stamp++;
	if (e->kind == FA_RULE_E_HOST) {
		return add_host(eng, t, e, now_us, window_us, ids, cids);
	}
	for (size_t i = 0; i < e->nns && rc == FA_OK; i++) {
		if (!in_window(&e->ns[i], now_us, window_us)) {
			continue;
		}
		const struct fa_rule_ent *h =
			fa_rule_engine_find(eng, FA_RULE_E_HOST, e->ns[i].addr);
		rc = add_host(eng, t, h, now_us, window_us, ids, cids);
	}
	return rc;
}

static void tally_free(struct tally *t)
{
	free(t->asns);
	free(t->blocks);
}

/* Add the ids a kept tally collected, as if they were added one by one. */
static void ids_merge(struct fa_rule_ids *ids, const struct fa_rule_ids *from)
{
	if (ids == NULL) {
		return;
	}
	for (size_t i = 0; i < from->n; i++) {
		fa_rule_ids_add(ids, from->ids[i]);
	}
	ids->total += from->total - from->n;
}

/*
 * The sums of the tally of e in the window: kept from another metric of
 * the same evaluation (the entity's state cannot change in between), or
 * made now and kept.
 */
static int tally_sums(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		      int64_t now_us, int64_t window_us, const struct mtally **out)
{
	struct fa_rule_enrich_memo *m = fa_rule_engine_enrich_memo(eng);
	uint64_t key = fa_rule_engine_memo_key(eng);
	struct mtally *k;
	struct tally t;

	for (size_t i = 0; key != 0 && i < MEMO_TALLIES; i++) {
		k = &m->tallies[i];
		if (k->key == key && k->e == e && k->window_us == window_us) {
			*out = k;
			return FA_OK;
		}
	}
	k = &m->tallies[m->next_tally];
	m->next_tally = (m->next_tally + 1) % MEMO_TALLIES;
	memset(k, 0, sizeof(*k));
	int rc = tally(eng, e, now_us, window_us, &t, &k->ids, &k->cids);
	if (rc == FA_OK) {
		k->e = e;
		k->window_us = window_us;
		k->key = key;
		k->addrs = t.addrs;
		k->consumer = t.consumer;
		k->hosts = t.hosts;
		k->nasns = t.nasns;
		k->nblocks = t.nblocks;
		*out = k;
	}
	tally_free(&t);
	return rc;
}

/* Run fn's arithmetic over the tally; unknown without enrichment data.
 * The evidence: the events of all addresses, or of the consumer ones. */
static int with_tally(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		      int64_t now_us, int64_t window_us, struct fa_rule_value *out,
		      struct fa_rule_ids *ids, bool consumer_ids,
		      bool (*fn)(const struct fa_rule_engine *eng,
				 const struct mtally *t, int64_t *v))
{
	const struct mtally *t;
	int rc;

	out->known = false;
	if (fa_rule_engine_enrich(eng) == NULL) {
		return FA_OK;
	}
	if (fa_rule_engine_enrich_memo(eng) == NULL) {
		return FA_ENOMEM;
	}
	rc = tally_sums(eng, e, now_us, window_us, &t);
	if (rc == FA_OK) {
		ids_merge(ids, consumer_ids ? &t->cids : &t->ids);
		out->known = fn(eng, t, &out->v);
	}
	return rc;
}

static bool asns_of(const struct fa_rule_engine *eng, const struct mtally *t, int64_t *v)
{
	*v = (int64_t)t->nasns;
	return true;
}

static bool consumer_of(const struct fa_rule_engine *eng, const struct mtally *t,
			int64_t *v)
{
	*v = t->consumer;
	return true;
}

static bool blocks_of(const struct fa_rule_engine *eng, const struct mtally *t,
		      int64_t *v)
{
	*v = (int64_t)t->nblocks;
	return true;
}

/* A share needs addresses to be a share of. */
static bool share_of(const struct fa_rule_engine *eng, const struct mtally *t,
		     int64_t *v)
{
	if (t->addrs == 0) {
		return false;
	}
	*v = t->consumer * 100 / t->addrs;
	return true;
}

static bool flux_of(const struct fa_rule_engine *eng, const struct mtally *t,
		    int64_t *v)
{
	const double *w = fa_rule_engine_set(eng)->flux_w;
	*v = (int64_t)floor(w[0] * (double)t->addrs + w[1] * (double)t->nasns +
			    w[2] * (double)t->hosts);
	return true;
}

int fa_rule_enrich_distinct_asns(const struct fa_rule_engine *eng,
				 const struct fa_rule_ent *e, int64_t now_us,
				 int64_t window_us, struct fa_rule_value *out,
				 struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, false, asns_of);
}

int fa_rule_enrich_consumer_addrs(const struct fa_rule_engine *eng,
				  const struct fa_rule_ent *e, int64_t now_us,
				  int64_t window_us, struct fa_rule_value *out,
				  struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, true, consumer_of);
}

int fa_rule_enrich_consumer_prefixes(const struct fa_rule_engine *eng,
				     const struct fa_rule_ent *e, int64_t now_us,
				     int64_t window_us, struct fa_rule_value *out,
				     struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, true, blocks_of);
}

int fa_rule_enrich_consumer_share(const struct fa_rule_engine *eng,
				  const struct fa_rule_ent *e, int64_t now_us,
				  int64_t window_us, struct fa_rule_value *out,
				  struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, false, share_of);
}

int fa_rule_enrich_flux_score(const struct fa_rule_engine *eng,
			      const struct fa_rule_ent *e, int64_t now_us,
			      int64_t window_us, struct fa_rule_value *out,
			      struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, false, flux_of);
}

static int declared(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		    enum fa_enrich_decl want, struct fa_rule_value *out)
{
	const struct fa_enrich *en = fa_rule_engine_enrich(eng);
	struct fa_enrich_declaration d;

	out->known = en != NULL;
	if (en != NULL) {
		out->v = fa_enrich_declaration(en, e->name, &d) == want;
	}
	return FA_OK;
}

int fa_rule_enrich_declared_static(const struct fa_rule_engine *eng,
				   const struct fa_rule_ent *e, int64_t now_us,
				   int64_t window_us, struct fa_rule_value *out,
				   struct fa_rule_ids *ids)
{
	return declared(eng, e, FA_ENRICH_DECL_STATIC, out);
}

int fa_rule_enrich_declared_dynamic(const struct fa_rule_engine *eng,
				    const struct fa_rule_ent *e, int64_t now_us,
				    int64_t window_us, struct fa_rule_value *out,
				    struct fa_rule_ids *ids)
{
	return declared(eng, e, FA_ENRICH_DECL_DYNAMIC, out);
}

/* A host's provider: by its name, else by the ASN of an address it holds. */
static const char *host_provider(const struct fa_rule_engine *eng, const char *name)
{
	const struct fa_enrich *en = fa_rule_engine_enrich(eng);
	const struct fa_rule_ent *h = fa_rule_engine_find(eng, FA_RULE_E_HOST, name);
	struct fa_enrich_provider p;
	struct fa_enrich_addr bin;
	struct fa_enrich_asn asn;
	char err[256];

	if (fa_enrich_provider(en, name, 0, &p)) {
		return p.name;
	}
	for (size_t k = 0; h != NULL && k < h->naddrs; k++) {
		if (!h->addrs[k].held ||
		    fa_enrich_addr_parse(h->addrs[k].addr, &bin) != FA_OK ||
		    fa_enrich_asn(en, &bin, &asn, err, sizeof(err)) != FA_OK) {
			continue;
		}
		if (asn.asn != 0 && fa_enrich_provider(en, NULL, asn.asn, &p)) {
			return p.name;
		}
	}
	return NULL;
}

const char *fa_rule_enrich_provider(const struct fa_rule_engine *eng, int kind,
				    const char *name)
{
	const struct fa_rule_ent *d;
	const char *provider = NULL;

	if (fa_rule_engine_enrich(eng) == NULL) {
		return NULL;
	}
	if (kind == FA_RULE_E_HOST) {
		return host_provider(eng, name);
	}
	if (kind != FA_RULE_E_DOMAIN ||
	    (d = fa_rule_engine_find(eng, FA_RULE_E_DOMAIN, name)) == NULL) {
		return NULL;
	}
	/* A domain is on a provider when every name server it has is. */
	for (size_t i = 0; i < d->nns; i++) {
		if (!d->ns[i].held) {
			continue;
		}
		const char *p = host_provider(eng, d->ns[i].addr);
		if (p == NULL) {
			return NULL;
		}
		provider = provider == NULL ? p : provider;
	}
	return provider;
}
