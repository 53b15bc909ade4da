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

/* What the addresses of one entity in one window amount to. */
struct tally {
	uint32_t *asns;		/* distinct, unsorted */
	size_t nasns, casns;
	int64_t addrs;		/* distinct addresses */
	int64_t consumer;	/* of them in consumer/dynamic blocks */
	int64_t hosts;		/* name servers looked at */
	struct block *blocks;	/* distinct consumer blocks */
	size_t nblocks, cblocks;
	const struct fa_rule_addr **seen;
	size_t nseen, cseen;
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

static int add_block(struct tally *t, const struct fa_enrich_addr *a, unsigned len)
{
	struct block b = { .family = a->family, .len = (uint8_t)len };

	/* The network: the address with the bits past the length cleared. */
	for (unsigned i = 0; i < 16 && i * 8 < len; i++) {
		unsigned keep = len - i * 8 >= 8 ? 8 : len - i * 8;
		b.net[i] = (uint8_t)(a->b[i] & (0xff00 >> keep));
	}
	for (size_t i = 0; i < t->nblocks; i++) {
		if (memcmp(&t->blocks[i], &b, sizeof(b)) == 0) {
			return FA_OK;
		}
	}
	if (push((void **)&t->blocks, &t->nblocks, &t->cblocks,
		 sizeof(*t->blocks)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->blocks[t->nblocks++] = b;
	return FA_OK;
}

/* One address, counted once per entity however many hosts held it. */
static int add_addr(const struct fa_enrich *en, struct tally *t,
		    const struct fa_rule_addr *a, struct fa_rule_ids *ids)
{
	struct fa_enrich_addr bin;
	struct fa_enrich_asn asn;
	struct fa_enrich_consumer cons;
	char err[256];

	for (size_t i = 0; i < t->nseen; i++) {
		if (strcmp(t->seen[i]->addr, a->addr) == 0) {
			return FA_OK;
		}
	}
	if (push((void **)&t->seen, &t->nseen, &t->cseen, sizeof(*t->seen)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->seen[t->nseen++] = a;
	t->addrs++;
	if (a->event_id != 0) {
		fa_rule_ids_add(ids, a->event_id);
	}
	/* Stored addresses were normalized on the way in; one that does not
	 * parse has nothing to say about networks. */
	if (fa_enrich_addr_parse(a->addr, &bin) != FA_OK) {
		return FA_OK;
	}
	int rc = fa_enrich_asn(en, &bin, &asn, err, sizeof(err));
	if (rc != FA_OK) {
		return rc;
	}
	if (asn.asn != 0 && add_asn(t, asn.asn) != FA_OK) {
		return FA_ENOMEM;
	}
	if (fa_enrich_consumer(en, &bin, &cons)) {
		t->consumer++;
		return add_block(t, &bin, cons.prefix_len);
	}
	return FA_OK;
}

static int add_host(const struct fa_enrich *en, struct tally *t,
		    const struct fa_rule_ent *h, int64_t now_us, int64_t window_us,
		    struct fa_rule_ids *ids)
{
	int rc = FA_OK;

	t->hosts++;
	for (size_t k = 0; h != NULL && k < h->naddrs && rc == FA_OK; k++) {
		if (in_window(&h->addrs[k], now_us, window_us)) {
			rc = add_addr(en, t, &h->addrs[k], ids);
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
		 struct fa_rule_ids *ids)
{
	const struct fa_enrich *en = fa_rule_engine_enrich(eng);
	int rc = FA_OK;

	memset(t, 0, sizeof(*t));
	if (e->kind == FA_RULE_E_HOST) {
		return add_host(en, t, e, now_us, window_us, ids);
	}
	for (size_t i = 0; i < e->nns && rc == FA_OK; i++) {
		if (!in_window(&e->ns[i], now_us, window_us)) {
			continue;
		}
		const struct fa_rule_ent *h =
			fa_rule_engine_find(eng, FA_RULE_E_HOST, e->ns[i].addr);
		rc = add_host(en, t, h, now_us, window_us, ids);
	}
	return rc;
}

static void tally_free(struct tally *t)
{
	free(t->asns);
	free(t->seen);
	free(t->blocks);
}

/* Run fn's arithmetic over the tally; unknown without enrichment data. */
static int with_tally(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		      int64_t now_us, int64_t window_us, struct fa_rule_value *out,
		      struct fa_rule_ids *ids,
		      bool (*fn)(const struct fa_rule_engine *eng,
				 const struct tally *t, int64_t *v))
{
	struct tally t;
	int rc;

	out->known = false;
	if (fa_rule_engine_enrich(eng) == NULL) {
		return FA_OK;
	}
	rc = tally(eng, e, now_us, window_us, &t, ids);
	if (rc == FA_OK) {
		out->known = fn(eng, &t, &out->v);
	}
	tally_free(&t);
	return rc;
}

static bool asns_of(const struct fa_rule_engine *eng, const struct tally *t, int64_t *v)
{
	*v = (int64_t)t->nasns;
	return true;
}

static bool consumer_of(const struct fa_rule_engine *eng, const struct tally *t,
			int64_t *v)
{
	*v = t->consumer;
	return true;
}

static bool blocks_of(const struct fa_rule_engine *eng, const struct tally *t,
		      int64_t *v)
{
	*v = (int64_t)t->nblocks;
	return true;
}

/* A share needs addresses to be a share of. */
static bool share_of(const struct fa_rule_engine *eng, const struct tally *t,
		     int64_t *v)
{
	if (t->addrs == 0) {
		return false;
	}
	*v = t->consumer * 100 / t->addrs;
	return true;
}

static bool flux_of(const struct fa_rule_engine *eng, const struct tally *t,
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
	return with_tally(eng, e, now_us, window_us, out, ids, asns_of);
}

int fa_rule_enrich_consumer_addrs(const struct fa_rule_engine *eng,
				  const struct fa_rule_ent *e, int64_t now_us,
				  int64_t window_us, struct fa_rule_value *out,
				  struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, consumer_of);
}

int fa_rule_enrich_consumer_prefixes(const struct fa_rule_engine *eng,
				     const struct fa_rule_ent *e, int64_t now_us,
				     int64_t window_us, struct fa_rule_value *out,
				     struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, blocks_of);
}

int fa_rule_enrich_consumer_share(const struct fa_rule_engine *eng,
				  const struct fa_rule_ent *e, int64_t now_us,
				  int64_t window_us, struct fa_rule_value *out,
				  struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, share_of);
}

int fa_rule_enrich_flux_score(const struct fa_rule_engine *eng,
			      const struct fa_rule_ent *e, int64_t now_us,
			      int64_t window_us, struct fa_rule_value *out,
			      struct fa_rule_ids *ids)
{
	return with_tally(eng, e, now_us, window_us, out, ids, flux_of);
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
