/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evaluation engine: per-entity sliding windows fed with events in
 * (time, id) order, rule evaluation at each event of an entity, and the
 * accumulation of firings into one finding per (policy, entity kind,
 * entity). No database here; fa_rule_db.c drives it.
 *
 * Memory: a tracker lives while its entity had an event within the
 * longest window of the set (at least a day); window queues drop entries
 * that left their metric's longest window, hosts forget addresses
 * released before it. So memory follows the activity inside the window,
 * not the length of the history. Findings stay until the run ends.
 */
#include <stdlib.h>
#include <string.h>

#include "common/fa_time.h"
#include "enrich/fa_enrich.h"
#include "rule/fa_rule_int.h"

#define PRUNE_EVERY 4096
#define MIN_HORIZON_US (INT64_C(86400) * 1000000)
#define TXN_BUCKETS 64

/*
 * A transaction seen at the current data time. All events of a
 * transaction carry its time, so the engine numbers transactions by
 * txn_key among the events of one time and forgets them when time moves
 * on; the numbers (gtxn) rise in order of first appearance.
 */
struct txn {
	struct txn *next;	/* hash chain */
	uint64_t no;
	bool create;		/* it created a domain */
	char key[];
};


/* Evidence of one rule for one finding: its latest firing. */
struct fired {
	const struct fa_rule *rule;
	int64_t first_us, last_us;
	int64_t event_id;
	struct fa_rule_value *vals;
	struct fa_rule_ids *ids;
};

struct acc {
	struct acc *next;	/* hash chain */
	size_t policy;
	int kind;
	char *entity;
	struct fired **fired;
	size_t nfired;
	/* Legitimate-use context at the latest firing, while the tracker
	 * is there to tell it: the allowlisted provider, the registrar. */
	char *provider;
	char *sponsor;
};

/*
 * The latest transfer seen of a domain, for the hosts subordinate to it:
 * the registry moves them with the domain (RFC 5731, <transfer>).
 */
struct xfer {
	struct xfer *next;	/* hash chain */
	char *registrar;	/* the gaining one */
	uint64_t seq;		/* fa_rule_engine_seq() of the transfer */
	char domain[];
};

#define XFER_BUCKETS 1024

/* The contacts that share one email ("e" + lower case) or voice ("v"). */
struct cref {
	struct cref *next;
	char *key;
	char **ids;
	size_t n, cap;
};

#define CIDX_BUCKETS 4096

struct fa_rule_engine {
	const struct fa_rule_set *set;
	const struct fa_rule **by_kind[FA_RULE_E__COUNT];
	size_t nby_kind[FA_RULE_E__COUNT];
	bool seeds[FA_RULE_E__COUNT];
	bool track[FA_RULE_E__COUNT];	/* rules of the kind, or metrics reading it */
	int *slot;			/* per metric: its queue in a tracker's q, or -1 */
	size_t nslots[FA_RULE_E__COUNT];
	int glue_metric;		/* domain glue_changes if the set reads it, else -1 */
	int64_t horizon_us;

	struct fa_rule_ent **buckets;
	size_t nbuckets, nents;

	struct acc **abuckets;
	size_t nabuckets;
	struct acc **accs;	/* in order of first firing */
	size_t naccs, caccs;

	int64_t now_us, last_id;
	bool started;

	bool per_txn;		/* the set counts some metric per transaction */
	struct txn **txns;	/* TXN_BUCKETS or more, of time txn_us */
	size_t ntxn_buckets, ntxns;
	int64_t txn_us;
	uint64_t next_txn;
	bool manual_prune;
	struct fa_rule_stats stats;

	/* Transfers by domain, kept when host rules may be lowered for a
	 * high-change sponsor (xfers_on). */
	bool xfers_on;
	struct xfer **xfers;
	size_t nxbuckets, nxfers;

	/* Contacts by email and voice (contact_reuse): key -> contact ids. */
	bool cindex_on;
	struct cref **cidx;
	size_t ncidx;

	const struct fa_enrich *enrich;	/* borrowed, or NULL */
	struct fa_rule_enrich_memo *memo;	/* with enrich */
	uint64_t memo_key;		/* inside evaluate(), else 0 */
	uint64_t evaluations;		/* evaluate() calls so far */
	bool *costly;			/* per metric: computed only when needed */

	/* Scratch for fa_rule_engine_finding. */
	struct fa_rule_sb sb;
	const char **rule_ids;
	size_t crule_ids;
};

static uint64_t hash(int kind, const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603) ^ (uint64_t)kind;
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/*
 * Metrics whose value walks a window's content (sorting the moves, adding
 * up the addresses behind the name servers): evaluate() asks them only
 * when the cheaper values of the rule leave its condition open.
 */
static bool is_costly(const char *metric)
{
	static const char *const names[] = {
		"bulk_redelegation", "domains_changed", "distinct_ns_addrs",
		"distinct_asns", "consumer_addrs", "consumer_prefixes",
		"consumer_share", "flux_score", "contact_reuse", "shared_identity",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(metric, names[i]) == 0) {
			return true;
		}
	}
	return false;
}

struct fa_rule_engine *fa_rule_engine_new(const struct fa_rule_set *set)
{
	struct fa_rule_engine *eng = calloc(1, sizeof(*eng));
	if (eng == NULL) {
		return NULL;
	}
	eng->set = set;
	eng->horizon_us = set->lookback_us > MIN_HORIZON_US ? set->lookback_us : MIN_HORIZON_US;
	eng->nbuckets = 1024;
	eng->nabuckets = 256;
	eng->buckets = calloc(eng->nbuckets, sizeof(*eng->buckets));
	eng->abuckets = calloc(eng->nabuckets, sizeof(*eng->abuckets));
	if (eng->buckets == NULL || eng->abuckets == NULL) {
		goto fail;
	}
	for (int k = 0; k < FA_RULE_E__COUNT; k++) {
		eng->by_kind[k] = calloc(set->nrules ? set->nrules : 1, sizeof(void *));
		if (eng->by_kind[k] == NULL) {
			goto fail;
		}
	}
	for (size_t i = 0; i < set->nrules; i++) {
		const struct fa_rule *r = set->rules[i];
		eng->by_kind[r->entity][eng->nby_kind[r->entity]++] = r;
		eng->track[r->entity] = true;
		for (size_t k = 0; k < r->nrefs; k++) {
			unsigned needs = fa_rule_metrics[r->refs[k].metric].needs;
			for (int n = 0; n < FA_RULE_E__COUNT; n++) {
				eng->track[n] |= (needs & (1u << n)) != 0;
			}
		}
	}
	/* A registrant is known through the domain's tracker. */
	eng->track[FA_RULE_E_DOMAIN] |= eng->track[FA_RULE_E_REGISTRANT];
	for (int k = 0; k < FA_RULE_E__COUNT; k++) {
		eng->seeds[k] = eng->track[k] && fa_rule_entities[k].seeded;
	}
	for (size_t p = 0; p < set->npolicies; p++) {
		eng->xfers_on |= eng->nby_kind[FA_RULE_E_HOST] > 0 &&
				 set->discount[p].high_change > 0;
	}
	/* Trackers carry queues only for the counters the set reads. */
	eng->slot = malloc(fa_rule_nmetrics * sizeof(*eng->slot));
	if (eng->slot == NULL) {
		goto fail;
	}
	for (size_t m = 0; m < fa_rule_nmetrics; m++) {
		const struct fa_rule_metric_def *md = &fa_rule_metrics[m];
		eng->slot[m] = -1;
		if (md->value == NULL && set->retention_us[m] > 0) {
			eng->slot[m] = (int)eng->nslots[md->entity]++;
		}
	}
	/* The contact index serves contact_reuse and shared_identity. */
	int reuse = fa_rule_metric_find(FA_RULE_E_REGISTRANT, "contact_reuse", 13);
	int shared = fa_rule_metric_find(FA_RULE_E_REGISTRANT, "shared_identity", 15);
	for (size_t i = 0; i < set->nrules; i++) {
		for (size_t k = 0; k < set->rules[i]->nrefs; k++) {
			int m = set->rules[i]->refs[k].metric;
			eng->cindex_on |= (reuse >= 0 && m == reuse) ||
					  (shared >= 0 && m == shared);
		}
	}
	if (eng->cindex_on) {
		eng->ncidx = CIDX_BUCKETS;
		eng->cidx = calloc(eng->ncidx, sizeof(*eng->cidx));
		if (eng->cidx == NULL) {
			goto fail;
		}
	}
	eng->glue_metric = fa_rule_metric_find(FA_RULE_E_DOMAIN, "glue_changes", 12);
	if (eng->glue_metric >= 0 && set->retention_us[eng->glue_metric] == 0) {
		eng->glue_metric = -1;
	}
	eng->costly = calloc(fa_rule_nmetrics, sizeof(*eng->costly));
	if (eng->costly == NULL) {
		goto fail;
	}
	for (size_t m = 0; m < fa_rule_nmetrics; m++) {
		eng->costly[m] = is_costly(fa_rule_metrics[m].name);
	}
	/* Transactions are numbered for every event: NS moves and the
	 * registrar's transactions need them besides per-transaction
	 * counters. */
	eng->per_txn = true;
	eng->next_txn = 1;
	if (eng->per_txn) {
		eng->ntxn_buckets = TXN_BUCKETS;
		eng->txns = calloc(eng->ntxn_buckets, sizeof(*eng->txns));
		if (eng->txns == NULL) {
			goto fail;
		}
	}
	return eng;

fail:
	fa_rule_engine_free(eng);
	return NULL;
}

void fa_rule_evq_free(struct fa_rule_evq *q)
{
	free(q->ts);
	free(q->id);
	free(q->gtxn);
	free(q->txn);
	memset(q, 0, sizeof(*q));
}

static void cref_del(struct fa_rule_engine *eng, char tag, const char *value, const char *id);

static void ent_free(struct fa_rule_engine *eng, struct fa_rule_ent *e)
{
	if (e->kind == FA_RULE_E_REGISTRANT && e->has_cdata && eng->cindex_on) {
		cref_del(eng, 'e', e->c_email, e->name);
		cref_del(eng, 'v', e->c_voice, e->name);
	}
	for (size_t i = 0; i < e->nq; i++) {
		fa_rule_evq_free(&e->q[i]);
	}
	free(e->q);
	fa_rule_ent_clear(e);
	free(e->name);
	free(e);
}

static void cref_free(struct cref *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ids[i]);
	}
	free(c->ids);
	free(c->key);
	free(c);
}

static void acc_free(struct acc *a)
{
	for (size_t i = 0; i < a->nfired; i++) {
		free(a->fired[i]->vals);
		free(a->fired[i]->ids);
		free(a->fired[i]);
	}
	free(a->fired);
	free(a->entity);
	free(a->provider);
	free(a->sponsor);
	free(a);
}

static void txns_clear(struct fa_rule_engine *eng)
{
	for (size_t b = 0; b < eng->ntxn_buckets; b++) {
		struct txn *t = eng->txns[b];
		while (t != NULL) {
			struct txn *next = t->next;
			free(t);
			t = next;
		}
		eng->txns[b] = NULL;
	}
	eng->ntxns = 0;
}

void fa_rule_engine_free(struct fa_rule_engine *eng)
{
	if (eng == NULL) {
		return;
	}
	if (eng->txns != NULL) {
		txns_clear(eng);
		free(eng->txns);
	}
	for (size_t b = 0; eng->buckets != NULL && b < eng->nbuckets; b++) {
		struct fa_rule_ent *e = eng->buckets[b];
		while (e != NULL) {
			struct fa_rule_ent *next = e->next;
			ent_free(eng, e);
			e = next;
		}
	}
	for (size_t b = 0; eng->cidx != NULL && b < eng->ncidx; b++) {
		struct cref *c = eng->cidx[b];
		while (c != NULL) {
			struct cref *next = c->next;
			cref_free(c);
			c = next;
		}
	}
	free(eng->cidx);
	for (size_t b = 0; eng->xfers != NULL && b < eng->nxbuckets; b++) {
		struct xfer *x = eng->xfers[b];
		while (x != NULL) {
			struct xfer *next = x->next;
			free(x->registrar);
			free(x);
			x = next;
		}
	}
	free(eng->xfers);
	for (size_t i = 0; i < eng->naccs; i++) {
		acc_free(eng->accs[i]);
	}
	for (int k = 0; k < FA_RULE_E__COUNT; k++) {
		free(eng->by_kind[k]);
	}
	free(eng->slot);
	free(eng->costly);
	fa_rule_enrich_memo_free(eng->memo);
	free(eng->buckets);
	free(eng->abuckets);
	free(eng->accs);
	fa_rule_sb_free(&eng->sb);
	free(eng->rule_ids);
	free(eng);
}

static struct fa_rule_ent *ent_find(const struct fa_rule_engine *eng, int kind,
				    const char *name)
{
	struct fa_rule_ent *e = eng->buckets[hash(kind, name) % eng->nbuckets];
	for (; e != NULL; e = e->next) {
		if (e->kind == kind && strcmp(e->name, name) == 0) {
			return e;
		}
	}
	return NULL;
}

static void rehash(struct fa_rule_engine *eng)
{
	size_t n = eng->nbuckets * 2;
	struct fa_rule_ent **b = calloc(n, sizeof(*b));
	if (b == NULL) {
		return; /* longer chains, still correct */
	}
	for (size_t i = 0; i < eng->nbuckets; i++) {
		struct fa_rule_ent *e = eng->buckets[i];
		while (e != NULL) {
			struct fa_rule_ent *next = e->next;
			size_t h = hash(e->kind, e->name) % n;
			e->next = b[h];
			b[h] = e;
			e = next;
		}
	}
	free(eng->buckets);
	eng->buckets = b;
	eng->nbuckets = n;
}

static struct fa_rule_ent *ent_get(struct fa_rule_engine *eng, int kind, const char *name)
{
	struct fa_rule_ent *e = ent_find(eng, kind, name);
	if (e != NULL) {
		return e;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return NULL;
	}
	e->name = strdup(name);
	e->nq = eng->nslots[kind];
	e->q = e->nq > 0 ? calloc(e->nq, sizeof(*e->q)) : NULL;
	if (e->name == NULL || (e->nq > 0 && e->q == NULL)) {
		ent_free(eng, e);
		return NULL;
	}
	e->kind = kind;
	e->last_us = eng->now_us;
	if (eng->nents >= eng->nbuckets) {
		rehash(eng);
	}
	size_t h = hash(kind, name) % eng->nbuckets;
	e->next = eng->buckets[h];
	eng->buckets[h] = e;
	eng->nents++;
	eng->stats.entities++;
	if (eng->nents > eng->stats.peak_tracked) {
		eng->stats.peak_tracked = eng->nents;
	}
	return e;
}

static int evq_grow(struct fa_rule_evq *q, bool per_txn)
{
	size_t cap = q->cap ? q->cap * 2 : 8;
	int64_t *nts = malloc(cap * sizeof(*nts));
	int64_t *nid = malloc(cap * sizeof(*nid));
	uint64_t *ng = per_txn ? malloc(cap * sizeof(*ng)) : NULL;
	uint64_t *nt = per_txn ? malloc(cap * sizeof(*nt)) : NULL;
	if (nts == NULL || nid == NULL || (per_txn && (ng == NULL || nt == NULL))) {
		free(nts);
		free(nid);
		free(ng);
		free(nt);
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < q->len; i++) {
		size_t k = (q->head + i) % q->cap;
		nts[i] = q->ts[k];
		nid[i] = q->id[k];
		if (per_txn) {
			ng[i] = q->gtxn[k];
			nt[i] = q->txn[k];
		}
	}
	free(q->ts);
	free(q->id);
	free(q->gtxn);
	free(q->txn);
	q->ts = nts;
	q->id = nid;
	q->gtxn = ng;
	q->txn = nt;
	q->head = 0;
	q->cap = cap;
	return FA_OK;
}

/*
 * The queue's number for the transaction gtxn at time ts. One command's
 * events come one after the other, so the last entry is the usual match;
 * a number above every one queued is new; otherwise (transactions
 * interleaved by concurrent ingests) look through the entries of time ts.
 */
static uint64_t evq_txn(struct fa_rule_evq *q, int64_t ts, uint64_t gtxn)
{
	if (q->len > 0 && gtxn <= q->max_gtxn) {
		for (size_t i = q->len; i-- > 0;) {
			size_t k = (q->head + i) % q->cap;
			if (q->ts[k] != ts) {
				break;
			}
			if (q->gtxn[k] == gtxn) {
				return q->txn[k];
			}
		}
	}
	if (gtxn > q->max_gtxn) {
		q->max_gtxn = gtxn;
	}
	return q->ntxn++;
}

/* Queue one counted event; txn is NULL for a metric counted by events. */
int fa_rule_evq_push(struct fa_rule_evq *q, int64_t ts, int64_t id, int64_t retention,
		     const struct fa_rule_txn_info *txn)
{
	while (q->len > 0 && q->ts[q->head] <= ts - retention) {
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	if (q->len == q->cap) {
		int rc = evq_grow(q, txn != NULL);
		if (rc != FA_OK) {
			return rc;
		}
	}
	size_t tail = (q->head + q->len) % q->cap;
	if (txn != NULL) {
		uint64_t no = evq_txn(q, ts, txn->no);
		q->gtxn[tail] = txn->no;
		q->txn[tail] = no;
	}
	q->ts[tail] = ts;
	q->id[tail] = id;
	q->len++;
	return FA_OK;
}

const struct fa_rule_evq *fa_rule_engine_queue(const struct fa_rule_engine *eng,
					       const struct fa_rule_ent *e, int m)
{
	int slot = m >= 0 ? eng->slot[m] : -1;
	return e != NULL && e->q != NULL && slot >= 0 ? &e->q[slot] : NULL;
}

static int metric_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			int m, int64_t window_us, struct fa_rule_value *out,
			struct fa_rule_ids *ids)
{
	const struct fa_rule_metric_def *def = &fa_rule_metrics[m];
	if (def->value != NULL) {
		return def->value(eng, e, eng->now_us, window_us, out, ids);
	}
	out->known = true;
	int slot = eng->slot[m];
	out->v = (int64_t)fa_rule_evq_count(e != NULL && e->q != NULL && slot >= 0 ? &e->q[slot]
									       : NULL,
					    eng->now_us, window_us, ids);
	return FA_OK;
}

static struct acc *acc_get(struct fa_rule_engine *eng, size_t policy, int kind,
			   const char *entity)
{
	size_t h = (hash(kind, entity) ^ policy) % eng->nabuckets;
	for (struct acc *a = eng->abuckets[h]; a != NULL; a = a->next) {
		if (a->policy == policy && a->kind == kind && strcmp(a->entity, entity) == 0) {
			return a;
		}
	}
	if (eng->naccs == eng->caccs) {
		size_t cap = eng->caccs ? eng->caccs * 2 : 64;
		struct acc **p = realloc(eng->accs, cap * sizeof(*p));
		if (p == NULL) {
			return NULL;
		}
		eng->accs = p;
		eng->caccs = cap;
	}
	struct acc *a = calloc(1, sizeof(*a));
	if (a == NULL || (a->entity = strdup(entity)) == NULL) {
		free(a);
		return NULL;
	}
	a->policy = policy;
	a->kind = kind;
	a->next = eng->abuckets[h];
	eng->abuckets[h] = a;
	eng->accs[eng->naccs++] = a;
	return a;
}

static struct fired *fired_get(struct acc *a, const struct fa_rule *r, int64_t now_us)
{
	for (size_t i = 0; i < a->nfired; i++) {
		if (a->fired[i]->rule == r) {
			return a->fired[i];
		}
	}
	struct fired **p = realloc(a->fired, (a->nfired + 1) * sizeof(*p));
	if (p == NULL) {
		return NULL;
	}
	a->fired = p;
	struct fired *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return NULL;
	}
	f->vals = calloc(r->nrefs ? r->nrefs : 1, sizeof(*f->vals));
	f->ids = calloc(r->nrefs ? r->nrefs : 1, sizeof(*f->ids));
	if (f->vals == NULL || f->ids == NULL) {
		free(f->vals);
		free(f->ids);
		free(f);
		return NULL;
	}
	f->rule = r;
	f->first_us = now_us;
	a->fired[a->nfired++] = f;
	return f;
}

/* *dst becomes a copy of s (NULL stays NULL); unchanged when equal. */
static int keep_str(char **dst, const char *s)
{
	if (s == NULL || *dst == NULL || strcmp(*dst, s) != 0) {
		char *c = s != NULL ? strdup(s) : NULL;
		if (s != NULL && c == NULL) {
			return FA_ENOMEM;
		}
		free(*dst);
		*dst = c;
	}
	return FA_OK;
}

/*
 * What lowers the finding's score, as it is when the rule fires: the
 * tracker may be pruned before the run ends. A domain's or host's
 * registrar is its sponsor; a registrar finding's is the registrar itself.
 */
static int acc_context(const struct fa_rule_engine *eng, struct acc *a,
		       const struct fa_rule_ent *e)
{
	const struct fa_rule_discount *dc = &eng->set->discount[a->policy];
	int rc = FA_OK;

	if (eng->enrich == NULL) {
		return FA_OK;
	}
	if (dc->allowlist > 0) {
		rc = keep_str(&a->provider, fa_rule_enrich_provider(eng, e->kind, e->name));
	}
	if (rc == FA_OK && dc->high_change > 0) {
		rc = keep_str(&a->sponsor, fa_rule_engine_sponsor(eng, e));
	}
	return rc;
}

static struct xfer *xfer_find(const struct fa_rule_engine *eng, const char *domain)
{
	if (eng->xfers == NULL) {
		return NULL;
	}
	struct xfer *x = eng->xfers[hash(FA_RULE_E_DOMAIN, domain) % eng->nxbuckets];
	while (x != NULL && strcmp(x->domain, domain) != 0) {
		x = x->next;
	}
	return x;
}

static void xfer_rehash(struct fa_rule_engine *eng)
{
	size_t nb = eng->nxbuckets * 2;
	struct xfer **b = calloc(nb, sizeof(*b));
	if (b == NULL) {
		return;	/* longer chains, still correct */
	}
	for (size_t i = 0; i < eng->nxbuckets; i++) {
		struct xfer *x = eng->xfers[i];
		while (x != NULL) {
			struct xfer *next = x->next;
			size_t h = hash(FA_RULE_E_DOMAIN, x->domain) % nb;
			x->next = b[h];
			b[h] = x;
			x = next;
		}
	}
	free(eng->xfers);
	eng->xfers = b;
	eng->nxbuckets = nb;
}

/* Remember a domain.transfer_approve for the hosts under the domain. */
static int xfer_note(struct fa_rule_engine *eng, const struct fa_rule_event *ev)
{
	if (!eng->xfers_on || ev->domain == NULL || ev->value == NULL ||
	    strcmp(ev->kind, "domain.transfer_approve") != 0) {
		return FA_OK;
	}
	if (eng->xfers == NULL) {
		eng->xfers = calloc(XFER_BUCKETS, sizeof(*eng->xfers));
		if (eng->xfers == NULL) {
			return FA_ENOMEM;
		}
		eng->nxbuckets = XFER_BUCKETS;
	}
	struct xfer *x = xfer_find(eng, ev->domain);
	if (x == NULL) {
		size_t len = strlen(ev->domain) + 1;
		x = calloc(1, sizeof(*x) + len);
		if (x == NULL) {
			return FA_ENOMEM;
		}
		memcpy(x->domain, ev->domain, len);
		size_t h = hash(FA_RULE_E_DOMAIN, x->domain) % eng->nxbuckets;
		x->next = eng->xfers[h];
		eng->xfers[h] = x;
		if (++eng->nxfers > eng->nxbuckets * 2) {
			xfer_rehash(eng);
		}
	}
	x->seq = fa_rule_engine_seq(eng);
	return keep_str(&x->registrar, ev->value);
}

uint64_t fa_rule_engine_seq(const struct fa_rule_engine *eng)
{
	return eng->stats.events;
}

/*
 * A subordinate host follows its domain's transfers. The engine looks
 * the transfer up here, when a rule fires, rather than moving the host
 * trackers at the transfer: it has no index from a domain to its hosts
 * (the host rules may even run without domain trackers), and one probe
 * per firing is cheaper than a walk over every host per transfer. A
 * transfer fed after the host's own sponsor change (create, or the seed
 * as of the chunk start, which already counts earlier transfers) wins;
 * a deleted host has none.
 */
const char *fa_rule_engine_sponsor(const struct fa_rule_engine *eng,
				   const struct fa_rule_ent *e)
{
	if (e->kind == FA_RULE_E_REGISTRAR) {
		return e->name;
	}
	if (e->kind == FA_RULE_E_DOMAIN) {
		return e->sponsor;
	}
	if (e->kind != FA_RULE_E_HOST || e->gone) {
		return NULL;
	}
	const struct xfer *x = e->super != NULL ? xfer_find(eng, e->super) : NULL;
	if (x != NULL && x->seq > e->sponsor_seq) {
		return x->registrar;
	}
	return e->sponsor;
}

/* The rule fired at this event: keep its values and the events behind them. */
static int record(struct fa_rule_engine *eng, const struct fa_rule *r,
		  const struct fa_rule_ent *e, int64_t event_id)
{
	struct acc *a = acc_get(eng, r->policy, e->kind, e->name);
	struct fired *f = a != NULL ? fired_get(a, r, eng->now_us) : NULL;
	if (f == NULL) {
		return FA_ENOMEM;
	}
	f->last_us = eng->now_us;
	f->event_id = event_id;
	for (size_t i = 0; i < r->nrefs; i++) {
		memset(&f->ids[i], 0, sizeof(f->ids[i]));
		int rc = metric_value(eng, e, r->refs[i].metric, r->refs[i].window_us,
				      &f->vals[i], &f->ids[i]);
		if (rc != FA_OK) {
			return rc;
		}
	}
	eng->stats.fired++;
	return acc_context(eng, a, e);
}

/*
 * Whether rule r holds for e now. The costly metrics are left unknown at
 * first: the three-valued logic is monotonic (a condition that is true or
 * false with some values unknown stays so whatever they are), so they are
 * computed only when the other values leave the condition open.
 */
static int holds(struct fa_rule_engine *eng, const struct fa_rule *r,
		 const struct fa_rule_ent *e, int *truth)
{
	struct fa_rule_value vals[FA_RULE_MAX_REFS] = { { 0 } };
	bool deferred = false;
	int rc;

	for (size_t i = 0; i < r->nrefs; i++) {
		int m = r->refs[i].metric;
		if (eng->costly[m]) {
			vals[i].known = false;
			vals[i].v = 0;
			deferred = true;
			continue;
		}
		rc = metric_value(eng, e, m, r->refs[i].window_us, &vals[i], NULL);
		if (rc != FA_OK) {
			return rc;
		}
	}
	*truth = fa_rule_expr_eval(r->expr, vals);
	if (*truth != FA_RULE_UNKNOWN || !deferred) {
		return FA_OK;
	}

	for (size_t i = 0; i < r->nrefs; i++) {
		int m = r->refs[i].metric;
		if (!eng->costly[m]) {
			continue;
		}
		rc = metric_value(eng, e, m, r->refs[i].window_us, &vals[i], NULL);
		if (rc != FA_OK) {
			return rc;
		}
	}
	*truth = fa_rule_expr_eval(r->expr, vals);
	return FA_OK;
}

static int evaluate(struct fa_rule_engine *eng, const struct fa_rule_ent *e, int64_t event_id)
{
	int rc = FA_OK;

	/* Nothing changes the trackers until this returns: metrics may keep
	 * what they computed for the other rules under this key. */
	eng->memo_key = ++eng->evaluations;
	for (size_t k = 0; k < eng->nby_kind[e->kind] && rc == FA_OK; k++) {
		const struct fa_rule *r = eng->by_kind[e->kind][k];
		int truth;
		rc = holds(eng, r, e, &truth);
		if (rc == FA_OK && truth == FA_RULE_TRUE) {
			rc = record(eng, r, e, event_id);
		}
	}
	eng->memo_key = 0;
	return rc;
}

/* A result code (four digits, as the EPP normalizer stores it) in lo..hi. */
static bool code_in(const char *value, unsigned lo, unsigned hi)
{
	unsigned code = 0;

	for (size_t i = 0; i < 4; i++) {
		if (value == NULL || value[i] < '0' || value[i] > '9') {
			return false;
		}
		code = code * 10 + (unsigned)(value[i] - '0');
	}
	return value[4] == '\0' && code >= lo && code <= hi;
}

static int observe(struct fa_rule_engine *eng, struct fa_rule_ent *e,
		   const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	const struct fa_rule_entity_def *def = &fa_rule_entities[e->kind];
	e->last_us = ev->ts_us;
	if (def->observe != NULL) {
		int rc = def->observe(eng, e, ev, txn);
		if (rc != FA_OK) {
			return rc;
		}
	}
	for (size_t m = 0; m < fa_rule_nmetrics; m++) {
		const struct fa_rule_metric_def *md = &fa_rule_metrics[m];
		int64_t retention = eng->set->retention_us[m];
		if (md->entity != e->kind || md->value != NULL || retention == 0) {
			continue;
		}
		for (size_t k = 0; k < 4 && md->counts[k] != NULL; k++) {
			if (strcmp(md->counts[k], ev->kind) != 0) {
				continue;
			}
			if ((md->per_txn && txn->create) ||
			    (md->code_lo != 0 && !code_in(ev->value, md->code_lo, md->code_hi)) ||
			    (md->match != NULL && !md->match(e, ev, txn))) {
				break;
			}
			int rc = fa_rule_evq_push(&e->q[eng->slot[m]], ev->ts_us, ev->id, retention,
						  md->per_txn ? txn : NULL);
			if (rc != FA_OK) {
				return rc;
			}
			break;
		}
	}
	return FA_OK;
}

/*
 * An EPP address change of a host counts in glue_changes of the domain
 * the host is in: the event's domain column (hostAttr glue) or else the
 * longest tracked domain that the host name ends with (the evaluation
 * seeds the domain of the column first). The event stays
 * the host's: the domain's rules see it at the domain's next event.
 */
static int route_glue(struct fa_rule_engine *eng, const struct fa_rule_event *ev)
{
	if (eng->glue_metric < 0 || ev->host == NULL ||
	    (strcmp(ev->kind, "host.addr_add") != 0 && strcmp(ev->kind, "host.addr_rem") != 0)) {
		return FA_OK;
	}
	struct fa_rule_ent *d = NULL;
	if (ev->domain != NULL) {
		d = ent_find(eng, FA_RULE_E_DOMAIN, ev->domain);
	}
	for (const char *s = strchr(ev->host, '.'); d == NULL && s != NULL;
	     s = strchr(s + 1, '.')) {
		d = ent_find(eng, FA_RULE_E_DOMAIN, s + 1);
	}
	if (d == NULL) {
		return FA_OK;
	}
	return fa_rule_evq_push(&d->q[eng->slot[eng->glue_metric]], ev->ts_us, ev->id,
				eng->set->retention_us[eng->glue_metric], NULL);
}

void fa_rule_engine_set_manual_prune(struct fa_rule_engine *eng, bool manual)
{
	eng->manual_prune = manual;
}

void fa_rule_engine_set_enrich(struct fa_rule_engine *eng,
			       const struct fa_enrich *enrich)
{
	eng->enrich = enrich;
	if (enrich != NULL && eng->memo == NULL) {
		/* Without it the enrichment metrics report out of memory. */
		eng->memo = fa_rule_enrich_memo_new();
	}

	/* A domain is on a provider when its name servers are, by name or
	 * by the ASN of their addresses: the discount needs their trackers
	 * whether or not a metric reads them. */
	if (fa_rule_engine_domain_providers(eng)) {
		eng->track[FA_RULE_E_HOST] = true;
		eng->seeds[FA_RULE_E_HOST] = fa_rule_entities[FA_RULE_E_HOST].seeded;
	}
}

bool fa_rule_engine_domain_providers(const struct fa_rule_engine *eng)
{
	if (eng->enrich == NULL || !eng->track[FA_RULE_E_DOMAIN]) {
		return false;
	}
	for (size_t i = 0; i < eng->set->npolicies; i++) {
		if (eng->set->discount[i].allowlist > 0) {
			return true;
		}
	}
	return false;
}

struct fa_rule_enrich_memo *fa_rule_engine_enrich_memo(const struct fa_rule_engine *eng)
{
	return eng->memo;
}

uint64_t fa_rule_engine_memo_key(const struct fa_rule_engine *eng)
{
	return eng->memo_key;
}

const struct fa_enrich *fa_rule_engine_enrich(const struct fa_rule_engine *eng)
{
	return eng->enrich;
}

const struct fa_rule_set *fa_rule_engine_set(const struct fa_rule_engine *eng)
{
	return eng->set;
}

void fa_rule_engine_prune(struct fa_rule_engine *eng)
{
	int64_t horizon = eng->now_us - eng->horizon_us;
	fa_rule_enrich_memo_trim(eng->memo);
	for (size_t b = 0; b < eng->nbuckets; b++) {
		struct fa_rule_ent **pp = &eng->buckets[b];
		while (*pp != NULL) {
			struct fa_rule_ent *e = *pp;
			if (e->last_us <= horizon) {
				*pp = e->next;
				ent_free(eng, e);
				eng->nents--;
				continue;
			}
			fa_rule_ent_prune(e, horizon);
			pp = &e->next;
		}
	}
}

static void txns_rehash(struct fa_rule_engine *eng, size_t n)
{
	struct txn **b = calloc(n, sizeof(*b));
	if (b == NULL) {
		return; /* longer chains, still correct */
	}
	for (size_t i = 0; i < eng->ntxn_buckets; i++) {
		struct txn *t = eng->txns[i];
		while (t != NULL) {
			struct txn *next = t->next;
			size_t h = hash(0, t->key) % n;
			t->next = b[h];
			b[h] = t;
			t = next;
		}
	}
	free(eng->txns);
	eng->txns = b;
	eng->ntxn_buckets = n;
}

/*
 * Number the event's transaction and note whether it created a domain.
 * A domain:create's create event comes before its name servers (seq
 * order), so they find the transaction marked.
 */
static int txn_note(struct fa_rule_engine *eng, const struct fa_rule_event *ev,
		    struct fa_rule_txn_info *out)
{
	bool is_create = strcmp(ev->kind, "domain.create") == 0;
	memset(out, 0, sizeof(*out));
	if (!eng->per_txn) {
		return FA_OK;
	}
	if (ev->txn_key == NULL) {
		out->no = eng->next_txn++;
		return FA_OK;
	}
	if (ev->ts_us != eng->txn_us) {
		txns_clear(eng);
		if (eng->ntxn_buckets > TXN_BUCKETS) {
			txns_rehash(eng, TXN_BUCKETS);
		}
		eng->txn_us = ev->ts_us;
	}

	size_t h = hash(0, ev->txn_key) % eng->ntxn_buckets;
	struct txn *t = eng->txns[h];
	while (t != NULL && strcmp(t->key, ev->txn_key) != 0) {
		t = t->next;
	}
	if (t == NULL) {
		size_t len = strlen(ev->txn_key);
		t = malloc(sizeof(*t) + len + 1);
		if (t == NULL) {
			return FA_ENOMEM;
		}
		memcpy(t->key, ev->txn_key, len + 1);
		t->no = eng->next_txn++;
		t->create = false;
		t->next = eng->txns[h];
		eng->txns[h] = t;
		if (++eng->ntxns > eng->ntxn_buckets) {
			txns_rehash(eng, eng->ntxn_buckets * 2);
		}
	}
	if (is_create) {
		t->create = true;
	}
	out->no = t->no;
	out->create = t->create;
	return FA_OK;
}

int fa_rule_engine_feed(struct fa_rule_engine *eng, const struct fa_rule_event *ev,
			bool evaluate_now)
{
	if (ev->kind == NULL) {
		return FA_EINVAL;
	}
	if (eng->started && (ev->ts_us < eng->now_us ||
			     (ev->ts_us == eng->now_us && ev->id <= eng->last_id))) {
		return FA_EINVAL;
	}
	eng->started = true;
	eng->now_us = ev->ts_us;
	eng->last_id = ev->id;
	eng->stats.events++;
	if (evaluate_now) {
		eng->stats.evaluated++;
	}
	struct fa_rule_txn_info txn;
	int trc = txn_note(eng, ev, &txn);
	if (trc != FA_OK) {
		return trc;
	}

	for (int k = 0; k < FA_RULE_E__COUNT; k++) {
		if (!eng->track[k]) {
			continue;
		}
		const char *name = fa_rule_entities[k].key(eng, ev);
		if (name == NULL) {
			continue;
		}
		struct fa_rule_ent *e = ent_get(eng, k, name);
		if (e == NULL) {
			return FA_ENOMEM;
		}
		int rc = observe(eng, e, ev, &txn);
		if (rc == FA_OK && evaluate_now && eng->nby_kind[k] > 0) {
			rc = evaluate(eng, e, ev->id);
		}
		if (rc != FA_OK) {
			return rc;
		}
	}
	int grc = route_glue(eng, ev);
	if (grc == FA_OK) {
		grc = xfer_note(eng, ev);
	}
	if (grc != FA_OK) {
		return grc;
	}

	if (!eng->manual_prune && eng->stats.events % PRUNE_EVERY == 0) {
		fa_rule_engine_prune(eng);
	}
	return FA_OK;
}

bool fa_rule_engine_wants_seed(const struct fa_rule_engine *eng, const char *entity_kind,
			       const char *name)
{
	int k = fa_rule_entity_find(entity_kind, strlen(entity_kind));
	if (k < 0 || !eng->seeds[k]) {
		return false;
	}
	return ent_find(eng, k, name) == NULL;
}

int fa_rule_engine_seed_domain(struct fa_rule_engine *eng, const char *name,
			       bool has_created, int64_t created_us, bool has_ttl,
			       int64_t ns_ttl_s)
{
	if (!eng->track[FA_RULE_E_DOMAIN] || ent_find(eng, FA_RULE_E_DOMAIN, name)) {
		return FA_OK;
	}
	struct fa_rule_ent *e = ent_get(eng, FA_RULE_E_DOMAIN, name);
	if (e == NULL) {
		return FA_ENOMEM;
	}
	e->seeded = true;
	e->has_created = has_created;
	e->created_us = created_us;
	e->has_ttl = has_ttl;
	e->ns_ttl_s = ns_ttl_s;
	return FA_OK;
}

int fa_rule_engine_seed_host(struct fa_rule_engine *eng, const char *name,
			     const char *const *addrs, size_t naddrs, const char *sponsor)
{
	return fa_rule_engine_seed_host_at(eng, name, addrs, naddrs, sponsor, NULL, false);
}

int fa_rule_engine_seed_host_at(struct fa_rule_engine *eng, const char *name,
				const char *const *addrs, size_t naddrs, const char *sponsor,
				const char *superordinate, bool gone)
{
	if (!eng->track[FA_RULE_E_HOST] || ent_find(eng, FA_RULE_E_HOST, name)) {
		return FA_OK;
	}
	struct fa_rule_ent *e = ent_get(eng, FA_RULE_E_HOST, name);
	if (e == NULL) {
		return FA_ENOMEM;
	}
	e->seeded = true;
	for (size_t i = 0; i < naddrs; i++) {
		int rc = fa_rule_host_seed_addr(e, addrs[i]);
		if (rc != FA_OK) {
			return rc;
		}
	}
	/* As of now, before the chunk's events: they may change it. */
	e->sponsor_seq = fa_rule_engine_seq(eng);
	e->gone = gone;
	if (sponsor != NULL && (e->sponsor = strdup(sponsor)) == NULL) {
		return FA_ENOMEM;
	}
	if (superordinate != NULL && (e->super = strdup(superordinate)) == NULL) {
		return FA_ENOMEM;
	}
	return FA_OK;
}

/* "e" + lower-cased email, or "v" + voice; NULL for no value. */
static char *ckey(char tag, const char *value)
{
	if (value == NULL || *value == '\0') {
		return NULL;
	}
	size_t len = strlen(value);
	char *k = malloc(len + 2);
	if (k == NULL) {
		return NULL;
	}
	k[0] = tag;
	for (size_t i = 0; i <= len; i++) {
		char c = value[i];
		k[i + 1] = tag == 'e' && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	return k;
}

static struct cref *cref_find(const struct fa_rule_engine *eng, const char *key)
{
	struct cref *c = eng->cidx[hash(0, key) % eng->ncidx];
	while (c != NULL && strcmp(c->key, key) != 0) {
		c = c->next;
	}
	return c;
}

static void cref_del(struct fa_rule_engine *eng, char tag, const char *value, const char *id)
{
	char *key = ckey(tag, value);
	struct cref *c = key != NULL ? cref_find(eng, key) : NULL;
	for (size_t i = 0; c != NULL && i < c->n; i++) {
		if (strcmp(c->ids[i], id) == 0) {
			free(c->ids[i]);
			c->ids[i] = c->ids[--c->n];
			break;
		}
	}
	free(key);
}

static int cref_add(struct fa_rule_engine *eng, char tag, const char *value, const char *id)
{
	if (value == NULL || *value == '\0') {
		return FA_OK;
	}
	char *key = ckey(tag, value);
	if (key == NULL) {
		return FA_ENOMEM;
	}
	struct cref *c = cref_find(eng, key);
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			free(key);
			return FA_ENOMEM;
		}
		size_t h = hash(0, key) % eng->ncidx;
		c->key = key;
		c->next = eng->cidx[h];
		eng->cidx[h] = c;
	} else {
		free(key);
	}
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->ids[i], id) == 0) {
			return FA_OK;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 2;
		char **p = realloc(c->ids, cap * sizeof(*p));
		if (p == NULL) {
			return FA_ENOMEM;
		}
		c->ids = p;
		c->cap = cap;
	}
	if ((c->ids[c->n] = strdup(id)) == NULL) {
		return FA_ENOMEM;
	}
	c->n++;
	return FA_OK;
}

int fa_rule_engine_contact_index(struct fa_rule_engine *eng, const char *id,
				 const char *old_email, const char *old_voice,
				 const char *new_email, const char *new_voice)
{
	if (!eng->cindex_on) {
		return FA_OK;
	}
	cref_del(eng, 'e', old_email, id);
	cref_del(eng, 'v', old_voice, id);
	int rc = cref_add(eng, 'e', new_email, id);
	return rc == FA_OK ? cref_add(eng, 'v', new_voice, id) : rc;
}

int fa_rule_engine_contact_list(const struct fa_rule_engine *eng, const char *email,
				const char *voice, const char *const **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	for (int k = 0; eng->cindex_on && k < 2; k++) {
		char *key = ckey(k == 0 ? 'e' : 'v', k == 0 ? email : voice);
		const struct cref *c = key != NULL ? cref_find(eng, key) : NULL;
		free(key);
		if (c == NULL || c->n == 0) {
			continue;
		}
		const char **p = realloc((void *)*ids, (*n + c->n) * sizeof(*p));
		if (p == NULL) {
			free((void *)*ids);
			*ids = NULL;
			*n = 0;
			return FA_ENOMEM;
		}
		memcpy(p + *n, c->ids, c->n * sizeof(*p));
		*ids = p;
		*n += c->n;
	}
	return FA_OK;
}

struct fa_rule_ent *fa_rule_engine_find(const struct fa_rule_engine *eng, int kind,
					const char *name)
{
	return ent_find(eng, kind, name);
}

int64_t fa_rule_engine_retention(const struct fa_rule_engine *eng, size_t m)
{
	return m < fa_rule_nmetrics ? eng->set->retention_us[m] : 0;
}

bool fa_rule_engine_tracks(const struct fa_rule_engine *eng, int kind)
{
	return kind >= 0 && kind < FA_RULE_E__COUNT && eng->track[kind];
}

int fa_rule_engine_seed_ent(struct fa_rule_engine *eng, int kind, const char *name,
			    struct fa_rule_ent **out)
{
	*out = NULL;
	if (!fa_rule_engine_tracks(eng, kind) || ent_find(eng, kind, name) != NULL) {
		return FA_OK;
	}
	struct fa_rule_ent *e = ent_get(eng, kind, name);
	if (e == NULL) {
		return FA_ENOMEM;
	}
	e->seeded = true;
	*out = e;
	return FA_OK;
}

int fa_rule_engine_metric(struct fa_rule_engine *eng, const char *entity_kind,
			  const char *name, const char *metric, int64_t window_us,
			  struct fa_rule_value *out)
{
	int k = fa_rule_entity_find(entity_kind, strlen(entity_kind));
	int m = k < 0 ? -1 : fa_rule_metric_find(k, metric, strlen(metric));
	if (m < 0) {
		return FA_ENOTFOUND;
	}
	const struct fa_rule_metric_def *def = &fa_rule_metrics[m];
	if (def->windowed != (window_us > 0) ||
	    (def->value == NULL && window_us > eng->set->retention_us[m])) {
		return FA_ENOTFOUND;
	}

	struct fa_rule_ent fresh;
	memset(&fresh, 0, sizeof(fresh));
	fresh.kind = k;
	const struct fa_rule_ent *e = ent_find(eng, k, name);
	if (e == NULL) {
		e = &fresh;
	}
	if (def->value == NULL && e->q == NULL) {
		out->known = true;
		out->v = 0;
		return FA_OK;
	}
	return metric_value(eng, e, m, window_us, out, NULL);
}

void fa_rule_engine_stats(const struct fa_rule_engine *eng, struct fa_rule_stats *out)
{
	*out = eng->stats;
}

size_t fa_rule_engine_finding_count(const struct fa_rule_engine *eng)
{
	return eng->naccs;
}

static int cmp_fired(const void *a, const void *b)
{
	const struct fired *fa = *(struct fired *const *)a;
	const struct fired *fb = *(struct fired *const *)b;
	return strcmp(fa->rule->id, fb->rule->id);
}

static void evidence_value(struct fa_rule_sb *sb, const struct fa_rule_ref *ref,
			   const struct fa_rule_value *v, const struct fa_rule_ids *ids)
{
	int type = fa_rule_metrics[ref->metric].type;
	fa_rule_sb_json(sb, ref->label);
	fa_rule_sb_put(sb, ":{\"value\":", 10);
	if (!v->known) {
		fa_rule_sb_put(sb, "null", 4);
	} else if (type == FA_RULE_T_DURATION) {
		fa_rule_sb_printf(sb, "%lld,\"unit\":\"s\"", (long long)(v->v / 1000000));
	} else {
		fa_rule_sb_printf(sb, "%lld", (long long)v->v);
	}
	if (ref->window[0] != '\0') {
		fa_rule_sb_printf(sb, ",\"window\":\"%s\"", ref->window);
	}
	fa_rule_sb_put(sb, ",\"event_ids\":[", 14);
	for (size_t i = 0; i < ids->n; i++) {
		fa_rule_sb_printf(sb, "%s%lld", i ? "," : "", (long long)ids->ids[i]);
	}
	fa_rule_sb_printf(sb, "],\"event_count\":%llu}", (unsigned long long)ids->total);
}

/* The legitimate-use context of one finding's entity. */
struct context {
	const struct fa_rule_discount *dc;
	const char *provider;	/* allowlisted provider, or NULL */
	const char *registrar;	/* the high-change registrar, or NULL */
	const char *note;	/* its declaration's note */
};

/* The discount a firing gets: the larger of those its context allows.
 * *hc says whether it is the high-change one. */
static int discount_of(const struct fa_rule *r, const struct context *c, bool *hc)
{
	int d = c->provider != NULL ? c->dc->allowlist : 0;

	*hc = false;
	if (c->registrar != NULL && c->dc->high_change > d && fa_rule_churn_only(r)) {
		d = c->dc->high_change;
		*hc = true;
	}
	return d;
}

/* The score a firing adds: the rule's, less its discount. */
static int rule_score(const struct fa_rule *r, const struct context *c)
{
	bool hc;
	return r->score * (100 - discount_of(r, c, &hc)) / 100;
}

static void evidence_context(struct fa_rule_sb *sb, const struct fa_rule *r,
			     const struct context *c)
{
	bool hc;
	int d = discount_of(r, c, &hc);

	if (d == 0) {
		return;
	}
	fa_rule_sb_printf(sb, "\"rule_score\":%d,", r->score);
	if (hc) {
		fa_rule_sb_put(sb, "\"high_change_registrar\":", 24);
		fa_rule_sb_json(sb, c->registrar);
		fa_rule_sb_put(sb, ",\"high_change_note\":", 20);
		fa_rule_sb_json(sb, c->note);
		fa_rule_sb_printf(sb, ",\"high_change_discount\":%d,", d);
		return;
	}
	fa_rule_sb_put(sb, "\"allowlisted\":", 14);
	fa_rule_sb_json(sb, c->provider);
	fa_rule_sb_printf(sb, ",\"allowlist_discount\":%d,", d);
}

static void evidence_rule(struct fa_rule_sb *sb, const struct fired *f,
			  const struct context *c)
{
	const struct fa_rule *r = f->rule;
	char first[FA_TIME_BUFSZ], last[FA_TIME_BUFSZ];
	fa_time_format(f->first_us, first, sizeof(first));
	fa_time_format(f->last_us, last, sizeof(last));

	fa_rule_sb_json(sb, r->id);
	fa_rule_sb_printf(sb, ":{\"severity\":\"%s\",\"score\":%d,",
			  fa_rule_severity_name(r->severity), rule_score(r, c));
	evidence_context(sb, r, c);
	fa_rule_sb_put(sb, "\"when\":", 7);
	fa_rule_sb_json(sb, r->when);
	fa_rule_sb_printf(sb, ",\"first_fired\":\"%s\",\"last_fired\":\"%s\",\"event_id\":%lld,"
			  "\"metrics\":{", first, last, (long long)f->event_id);
	for (size_t i = 0; i < r->nrefs; i++) {
		if (i > 0) {
			fa_rule_sb_put(sb, ",", 1);
		}
		evidence_value(sb, &r->refs[i], &f->vals[i], &f->ids[i]);
	}
	fa_rule_sb_put(sb, "}}", 2);
}

/* Allowlisted providers and high-change registrars lower scores; the
 * events stay as they are. */
static void context_of(const struct fa_rule_engine *eng, const struct acc *a,
		       struct context *c)
{
	struct fa_enrich_registrar reg;

	memset(c, 0, sizeof(*c));
	c->dc = &eng->set->discount[a->policy];
	c->provider = a->provider;
	if (eng->enrich != NULL && fa_enrich_high_change(eng->enrich, a->sponsor, &reg)) {
		c->registrar = reg.id;
		c->note = reg.note;
	}
}

int fa_rule_engine_finding(struct fa_rule_engine *eng, size_t i, struct fa_rule_finding *out)
{
	if (i >= eng->naccs) {
		return FA_ENOTFOUND;
	}
	struct acc *a = eng->accs[i];
	qsort(a->fired, a->nfired, sizeof(*a->fired), cmp_fired);
	if (a->nfired > eng->crule_ids) {
		const char **p = realloc(eng->rule_ids, a->nfired * sizeof(*p));
		if (p == NULL) {
			return FA_ENOMEM;
		}
		eng->rule_ids = p;
		eng->crule_ids = a->nfired;
	}

	struct context ctx;
	context_of(eng, a, &ctx);

	memset(out, 0, sizeof(*out));
	eng->sb.len = 0;
	fa_rule_sb_put(&eng->sb, "{", 1);
	int sev = 0;
	for (size_t k = 0; k < a->nfired; k++) {
		const struct fired *f = a->fired[k];
		eng->rule_ids[k] = f->rule->id;
		out->score += rule_score(f->rule, &ctx);
		sev = f->rule->severity > sev ? f->rule->severity : sev;
		if (k == 0 || f->first_us < out->first_us) {
			out->first_us = f->first_us;
		}
		if (k == 0 || f->last_us > out->last_us) {
			out->last_us = f->last_us;
		}
		if (k > 0) {
			fa_rule_sb_put(&eng->sb, ",", 1);
		}
		evidence_rule(&eng->sb, f, &ctx);
	}
	fa_rule_sb_put(&eng->sb, "}", 1);
	if (eng->sb.oom) {
		return FA_ENOMEM;
	}

	out->policy = eng->set->policies[a->policy];
	out->entity_kind = fa_rule_entities[a->kind].name;
	out->entity = a->entity;
	out->severity = fa_rule_severity_name(sev);
	out->rules = eng->rule_ids;
	out->nrules = a->nfired;
	out->evidence = eng->sb.p;
	return FA_OK;
}
