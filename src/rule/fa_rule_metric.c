/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity-kind and metric registry of the rule language. Adding a
 * metric is one entry in fa_rule_metrics (plus, for a metric that is not
 * a plain event counter, a value function and whatever state the entity
 * kind's observe function keeps); adding an entity kind is one entry in
 * fa_rule_entities and one enum value in fa_rule_int.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/fa_json.h"
#include "common/fa_time.h"
#include "rule/fa_rule_int.h"

static const char *const severity_names[FA_RULE_SEV__COUNT] = {
	"info", "low", "medium", "high", "critical",
};

const char *fa_rule_severity_name(int sev)
{
	if (sev < 0 || sev >= FA_RULE_SEV__COUNT) {
		return "unknown";
	}
	return severity_names[sev];
}

const char *fa_rule_type_name(int type)
{
	switch (type) {
	case FA_RULE_T_BOOL:
		return "condition";
	case FA_RULE_T_COUNT:
		return "count";
	case FA_RULE_T_DURATION:
		return "duration";
	default:
		return "value";
	}
}

void fa_rule_ids_add(struct fa_rule_ids *ids, int64_t id)
{
	if (ids == NULL) {
		return;
	}
	if (ids->n < FA_RULE_EVIDENCE_IDS) {
		ids->ids[ids->n++] = id;
	}
	ids->total++;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is(const char *kind, const char *name)
{
	return strcmp(kind, name) == 0;
}

static bool is_ns_event(const char *kind)
{
	return is(kind, "domain.ns_add") || is(kind, "domain.ns_rem") ||
	       is(kind, "zone.ns_add") || is(kind, "zone.ns_rem");
}

/* Replace a kept string by a copy of s (NULL clears it). */
static int set_str(char **dst, const char *s)
{
	char *copy = NULL;
	if (s != NULL && (copy = strdup(s)) == NULL) {
		return FA_ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return FA_OK;
}

/* Which entity an event belongs to, per kind. */

static const char *domain_key(const struct fa_rule_engine *eng, const struct fa_rule_event *ev)
{
	return has_prefix(ev->kind, "domain.") || has_prefix(ev->kind, "zone.") ? ev->domain
										  : NULL;
}

static const char *host_key(const struct fa_rule_engine *eng, const struct fa_rule_event *ev)
{
	if (has_prefix(ev->kind, "host.") || is(ev->kind, "zone.glue_add") ||
	    is(ev->kind, "zone.glue_rem")) {
		return ev->host;
	}
	return NULL;
}

static const char *registrar_key(const struct fa_rule_engine *eng,
				 const struct fa_rule_event *ev)
{
	return ev->registrar;
}

/*
 * The registrant contact of the domain the event concerns, as the domain's
 * tracker knows it (it observed the event first, so a create or registrant
 * change already applies); zone events carry it in their contact column.
 * A contact's own events belong to it as a registrant.
 */
static const char *registrant_key(const struct fa_rule_engine *eng,
				  const struct fa_rule_event *ev)
{
	if (has_prefix(ev->kind, "contact.")) {
		return ev->contact;
	}
	const char *d = domain_key(eng, ev);
	if (d == NULL) {
		return NULL;
	}
	const struct fa_rule_ent *e = fa_rule_engine_find(eng, FA_RULE_E_DOMAIN, d);
	if (e != NULL && e->registrant != NULL) {
		return e->registrant;
	}
	return has_prefix(ev->kind, "zone.") ? ev->contact : NULL;
}

/* "NS 3600" -> 3600; anything else is not an NS TTL. */
static bool parse_ns_ttl(const char *value, int64_t *out)
{
	if (value == NULL || strncmp(value, "NS ", 3) != 0) {
		return false;
	}
	char *end = NULL;
	long long v = strtoll(value + 3, &end, 10);
	if (end == value + 3 || *end != '\0' || v < 0 || v > INT32_MAX) {
		return false;
	}
	*out = v;
	return true;
}

static bool parse_seconds(const char *value, int64_t *out)
{
	if (value == NULL || *value < '0' || *value > '9') {
		return false;
	}
	char *end = NULL;
	long long v = strtoll(value, &end, 10);
	if (*end != '\0' || v > INT32_MAX) {
		return false;
	}
	*out = v;
	return true;
}

/* Held-or-released name lists (host addresses, domain name servers). */

static struct fa_rule_addr *list_find(struct fa_rule_addr *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].addr, name) == 0) {
			return &v[i];
		}
	}
	return NULL;
}

static int list_hold(struct fa_rule_addr **v, size_t *n, size_t *cap, const char *name,
		     int64_t event_id, struct fa_rule_addr **out)
{
	struct fa_rule_addr *a = list_find(*v, *n, name);
	if (a == NULL) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 4;
			struct fa_rule_addr *p = realloc(*v, c * sizeof(*p));
			if (p == NULL) {
				return FA_ENOMEM;
			}
			*v = p;
			*cap = c;
		}
		char *copy = strdup(name);
		if (copy == NULL) {
			return FA_ENOMEM;
		}
		a = &(*v)[(*n)++];
		a->addr = copy;
		a->pre = false;
	}
	a->held = true;
	a->removed_us = 0;
	a->event_id = event_id;
	if (out != NULL) {
		*out = a;
	}
	return FA_OK;
}

static void addr_release(struct fa_rule_addr *a, int64_t ts_us)
{
	if (a != NULL && a->held) {
		a->held = false;
		a->removed_us = ts_us;
	}
}

static void list_prune(struct fa_rule_addr *v, size_t *n, int64_t horizon_us)
{
	size_t j = 0;
	for (size_t i = 0; i < *n; i++) {
		struct fa_rule_addr *a = &v[i];
		if (!a->held && a->removed_us <= horizon_us) {
			free(a->addr);
			continue;
		}
		v[j++] = *a;
	}
	*n = j;
}

/* Domains. */

static bool is_lock(const char *status)
{
	static const char *const locks[] = {
		"clientUpdateProhibited", "clientTransferProhibited", "clientDeleteProhibited",
		"serverUpdateProhibited", "serverTransferProhibited", "serverDeleteProhibited",
	};
	for (size_t i = 0; status != NULL && i < sizeof(locks) / sizeof(locks[0]); i++) {
		if (strcmp(status, locks[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* Longest window young_domains is read with (0: unused). */
static int64_t young_retention(const struct fa_rule_engine *eng)
{
	int m = fa_rule_metric_find(FA_RULE_E_HOST, "young_domains", 13);
	return m < 0 ? 0 : fa_rule_engine_retention(eng, (size_t)m);
}

static int young_add(struct fa_rule_ent *h, const char *domain, int64_t created_us,
		     int64_t event_id)
{
	if (h->nyoung == h->cyoung) {
		size_t cap = h->cyoung ? h->cyoung * 2 : 4;
		struct fa_rule_young *p = realloc(h->young, cap * sizeof(*p));
		if (p == NULL) {
			return FA_ENOMEM;
		}
		h->young = p;
		h->cyoung = cap;
	}
	char *copy = strdup(domain);
	if (copy == NULL) {
		return FA_ENOMEM;
	}
	h->young[h->nyoung++] = (struct fa_rule_young){ copy, created_us, event_id };
	return FA_OK;
}

void fa_rule_host_unseed_deleg(struct fa_rule_ent *h, const char *name)
{
	if (h->ndeleg > 0) {
		h->ndeleg--;
	}
	for (size_t i = 0; i < h->nyoung; i++) {
		if (strcmp(h->young[i].domain, name) == 0) {
			free(h->young[i].domain);
			h->young[i] = h->young[--h->nyoung];
			return;
		}
	}
}

int fa_rule_host_seed_deleg(struct fa_rule_engine *eng, struct fa_rule_ent *h, int64_t count,
			    const char *name, int64_t created_us)
{
	h->ndeleg += count;
	if (name == NULL || young_retention(eng) == 0) {
		return FA_OK;
	}
	return young_add(h, name, created_us, 0);
}

/*
 * The domain's NS set gained or lost a name server: keep the reverse
 * index of the host (domains, young_domains) when the engine tracks it.
 * Only young domains are listed; older ones are only counted.
 */
static int deleg_note(struct fa_rule_engine *eng, const struct fa_rule_ent *d,
		      const char *host, bool add, const struct fa_rule_event *ev)
{
	struct fa_rule_ent *h = fa_rule_engine_find(eng, FA_RULE_E_HOST, host);
	if (h == NULL) {
		return FA_OK;
	}
	if (!add) {
		fa_rule_host_unseed_deleg(h, d->name);
		return FA_OK;
	}
	h->ndeleg++;
	int64_t keep = young_retention(eng);
	if (keep > 0 && d->has_created && d->created_us > ev->ts_us - keep) {
		return young_add(h, d->name, d->created_us, ev->id);
	}
	return FA_OK;
}

/*
 * An NS event of the domain. The first one of a transaction notes which
 * name servers were held before it, so that the transaction's events can
 * tell whether it replaced the whole set (ns_replacements). A name that is
 * already held (or not held) is a second witness of the same change (EPP,
 * then the zone that publishes it) and changes nothing.
 */
static int ns_event(struct fa_rule_engine *eng, struct fa_rule_ent *e,
		    const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn, bool add)
{
	if (ev->host == NULL) {
		return FA_OK;
	}
	if (txn->no != e->rep_gtxn) {
		e->rep_gtxn = txn->no;
		e->rep_pre = e->rep_gone = e->rep_added = 0;
		for (size_t i = 0; i < e->nns; i++) {
			e->ns[i].pre = e->ns[i].held;
			e->rep_pre += e->ns[i].held;
		}
	}
	struct fa_rule_addr *a = list_find(e->ns, e->nns, ev->host);
	if (add) {
		if (a != NULL && a->held) {
			return FA_OK;
		}
		bool was_pre = a != NULL && a->pre;
		int rc = list_hold(&e->ns, &e->nns, &e->cns, ev->host, ev->id, &a);
		if (rc != FA_OK) {
			return rc;
		}
		if (was_pre) {
			e->rep_gone--;
		} else {
			e->rep_added++;
		}
		return deleg_note(eng, e, ev->host, true, ev);
	}
	if (a == NULL || !a->held) {
		return FA_OK;
	}
	addr_release(a, ev->ts_us);
	if (a->pre) {
		e->rep_gone++;
	} else {
		e->rep_added--;
	}
	return deleg_note(eng, e, ev->host, false, ev);
}

/*
 * The sponsor from this event on (NULL: none, after a delete). The seed
 * gave the one of the chunk start; events of the scan change it, so a
 * rule firing before a transfer, delete or re-create keeps the sponsor
 * of its time.
 */
static int sponsor_set(const struct fa_rule_engine *eng, struct fa_rule_ent *e,
		       const char *registrar)
{
	e->sponsor_seq = fa_rule_engine_seq(eng);
	e->gone = registrar == NULL;
	if (registrar == NULL) {
		free(e->sponsor);
		e->sponsor = NULL;
		return FA_OK;
	}
	/* Every NS or address change names the sponsor: most name the
	 * same one again, which needs no new copy. */
	if (e->sponsor != NULL && strcmp(e->sponsor, registrar) == 0) {
		return FA_OK;
	}
	return set_str(&e->sponsor, registrar);
}

static int domain_observe(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			  const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	const char *k = ev->kind;
	int64_t ttl;

	/* Keep the trackers of its name servers while the domain is active:
	 * distinct_ns_addrs reads their addresses. */
	for (size_t i = 0; i < e->nns; i++) {
		struct fa_rule_ent *h;
		if (e->ns[i].held &&
		    (h = fa_rule_engine_find(eng, FA_RULE_E_HOST, e->ns[i].addr)) != NULL) {
			h->last_us = ev->ts_us;
		}
	}

	/* Only the sponsoring client may change a domain's name servers
	 * (RFC 5731): whoever did, sponsors it now, whatever a transfer
	 * the log does not show (one the registry approved on its own). */
	if ((is(k, "domain.ns_add") || is(k, "domain.ns_rem")) && ev->registrar != NULL) {
		int rc = sponsor_set(eng, e, ev->registrar);
		if (rc != FA_OK) {
			return rc;
		}
	}
	if (is(k, "domain.create")) {
		e->has_created = true;
		e->created_us = ev->has_created ? ev->created_us : ev->ts_us;
		e->created_ev = ev->id;
		int rc = sponsor_set(eng, e, ev->registrar);
		if (rc != FA_OK) {
			return rc;
		}
		return ev->contact != NULL ? set_str(&e->registrant, ev->contact) : FA_OK;
	}
	if (is(k, "domain.transfer_approve")) {
		return ev->value != NULL ? sponsor_set(eng, e, ev->value) : FA_OK;
	}
	if (is(k, "domain.delete")) {
		/* A deleted name may be registered again: its age, TTLs,
		 * delegation and sponsor start over with the next create. */
		int rc = sponsor_set(eng, e, NULL);
		if (rc != FA_OK) {
			return rc;
		}
		e->has_created = false;
		e->has_ttl = false;
		e->has_zone_ttl = false;
		for (size_t i = 0; i < e->nns; i++) {
			if (e->ns[i].held) {
				rc = deleg_note(eng, e, e->ns[i].addr, false, ev);
				if (rc != FA_OK) {
					return rc;
				}
			}
			addr_release(&e->ns[i], ev->ts_us);
		}
		return FA_OK;
	}
	if (is(k, "domain.ttl_set")) {
		if (parse_ns_ttl(ev->value, &ttl)) {
			e->has_ttl = true;
			e->ns_ttl_s = ttl;
			e->ttl_ev = ev->id;
		}
		return FA_OK;
	}
	if (is(k, "domain.ns_add") || is(k, "zone.ns_add")) {
		return ns_event(eng, e, ev, txn, true);
	}
	if (is(k, "domain.ns_rem") || is(k, "zone.ns_rem")) {
		return ns_event(eng, e, ev, txn, false);
	}
	if (is(k, "domain.registrant_change") || is(k, "domain.contact_add") ||
	    is(k, "domain.contact_rem") || is(k, "domain.authinfo_change")) {
		if (!txn->create) {
			e->has_contact_chg = true;
			e->contact_chg_us = ev->ts_us;
			e->contact_chg_ev = ev->id;
		}
		if (is(k, "domain.registrant_change") && ev->contact != NULL) {
			return set_str(&e->registrant, ev->contact);
		}
		return FA_OK;
	}
	if (is(k, "domain.status_rem") && is_lock(ev->value)) {
		e->has_lock_rem = true;
		e->lock_rem_us = ev->ts_us;
		e->lock_rem_ev = ev->id;
		return FA_OK;
	}
	if (is(k, "zone.delegation_add")) {
		e->has_deleg = true;
		e->deleg_gtxn = txn->no;
		if (ev->has_ttl) {
			e->has_zone_ttl = true;
			e->zone_ttl_s = ev->ttl_s;
			e->zone_ttl_ev = ev->id;
		}
		return FA_OK;
	}
	if (is(k, "zone.delegation_rem")) {
		e->has_zone_ttl = false;
		return FA_OK;
	}
	if (is(k, "zone.ttl_change") && ev->rrtype != NULL && is(ev->rrtype, "NS") &&
	    parse_seconds(ev->value, &ttl)) {
		e->has_zone_ttl = true;
		e->zone_ttl_s = ttl;
		e->zone_ttl_ev = ev->id;
	}
	return FA_OK;
}

int fa_rule_domain_seed_ns(struct fa_rule_ent *e, const char *const *ns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = list_hold(&e->ns, &e->nns, &e->cns, ns[i], 0, NULL);
		if (rc != FA_OK) {
			return rc;
		}
	}
	return FA_OK;
}

/* Hosts. */

static int host_observe(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	/* EPP has no host transfer command (RFC 5732): a host is its
	 * creator's until it is deleted, or until its superordinate domain
	 * is transferred (fa_rule_engine_sponsor()). */
	if (is(ev->kind, "host.create")) {
		return ev->registrar != NULL ? sponsor_set(eng, e, ev->registrar) : FA_OK;
	}
	/* As for domains: only the sponsor may change a host's addresses. */
	if ((is(ev->kind, "host.addr_add") || is(ev->kind, "host.addr_rem")) &&
	    ev->registrar != NULL) {
		int rc = sponsor_set(eng, e, ev->registrar);
		if (rc != FA_OK) {
			return rc;
		}
	}
	if (is(ev->kind, "host.addr_add") && ev->value != NULL) {
		return list_hold(&e->addrs, &e->naddrs, &e->caddrs, ev->value, ev->id, NULL);
	}
	if (is(ev->kind, "host.addr_rem") && ev->value != NULL) {
		addr_release(list_find(e->addrs, e->naddrs, ev->value), ev->ts_us);
	} else if (is(ev->kind, "host.delete")) {
		for (size_t i = 0; i < e->naddrs; i++) {
			addr_release(&e->addrs[i], ev->ts_us);
		}
		return sponsor_set(eng, e, NULL);
	}
	return FA_OK;
}

int fa_rule_host_seed_addr(struct fa_rule_ent *e, const char *addr)
{
	return list_hold(&e->addrs, &e->naddrs, &e->caddrs, addr, 0, NULL);
}

/* Registrars and registrants: NS-set moves of their domains. */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The held name servers, sorted, joined by spaces; NULL when none. */
static int ns_set_text(const struct fa_rule_ent *d, char **out)
{
	const char **names = malloc((d->nns ? d->nns : 1) * sizeof(*names));
	size_t n = 0, len = 0;
	*out = NULL;
	if (names == NULL) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < d->nns; i++) {
		if (d->ns[i].held) {
			names[n++] = d->ns[i].addr;
			len += strlen(d->ns[i].addr) + 1;
		}
	}
	if (n == 0) {
		free(names);
		return FA_OK;
	}
	qsort(names, n, sizeof(*names), cmp_cstr);
	char *text = malloc(len);
	if (text == NULL) {
		free(names);
		return FA_ENOMEM;
	}
	char *p = text;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		memcpy(p, names[i], l);
		p += l;
		*p++ = i + 1 < n ? ' ' : '\0';
	}
	free(names);
	*out = text;
	return FA_OK;
}

static void move_free(struct fa_rule_move *m)
{
	free(m->domain);
	free(m->set);
}

/*
 * An NS event of a domain of this registrar or registrant, outside a
 * create: the domain's set after it is the move's target. Later events of
 * the same transaction update the move, so it ends with the complete set
 * after the transaction; a transaction that leaves no name server is no
 * move.
 */
static int move_note(struct fa_rule_engine *eng, struct fa_rule_ent *e,
		     const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	if (!is_ns_event(ev->kind) || txn->create || ev->domain == NULL) {
		return FA_OK;
	}
	const struct fa_rule_ent *d = fa_rule_engine_find(eng, FA_RULE_E_DOMAIN, ev->domain);
	if (d == NULL) {
		return FA_OK;
	}
	char *set;
	int rc = ns_set_text(d, &set);
	if (rc != FA_OK) {
		return rc;
	}

	struct fa_rule_move *m = NULL;
	for (size_t i = e->nmoves; i-- > 0;) {
		if (e->moves[i].ts_us != ev->ts_us) {
			break;
		}
		if (e->moves[i].gtxn == txn->no && strcmp(e->moves[i].domain, ev->domain) == 0) {
			m = &e->moves[i];
			break;
		}
	}
	if (m != NULL && set == NULL) {
		move_free(m);
		memmove(m, m + 1, (size_t)(&e->moves[e->nmoves] - (m + 1)) * sizeof(*m));
		e->nmoves--;
		return FA_OK;
	}
	if (m != NULL) {
		free(m->set);
		m->set = set;
		return FA_OK;
	}
	if (set == NULL) {
		return FA_OK;
	}
	if (e->nmoves == e->cmoves) {
		size_t cap = e->cmoves ? e->cmoves * 2 : 8;
		struct fa_rule_move *p = realloc(e->moves, cap * sizeof(*p));
		if (p == NULL) {
			free(set);
			return FA_ENOMEM;
		}
		e->moves = p;
		e->cmoves = cap;
	}
	m = &e->moves[e->nmoves];
	m->domain = strdup(ev->domain);
	if (m->domain == NULL) {
		free(set);
		return FA_ENOMEM;
	}
	m->set = set;
	m->ts_us = ev->ts_us;
	m->event_id = ev->id;
	m->gtxn = txn->no;
	e->nmoves++;
	return FA_OK;
}

static void moves_prune(struct fa_rule_ent *e, int64_t horizon_us)
{
	size_t k = 0;
	while (k < e->nmoves && e->moves[k].ts_us <= horizon_us) {
		move_free(&e->moves[k]);
		k++;
	}
	if (k > 0) {
		memmove(e->moves, e->moves + k, (e->nmoves - k) * sizeof(*e->moves));
		e->nmoves -= k;
	}
}

/* Registrars: source networks and hours of their transactions. */

bool fa_rule_network(const char *addr, char *out, size_t len)
{
	unsigned char b[16];
	char text[INET6_ADDRSTRLEN];
	if (addr == NULL || len < 20) {
		return false;
	}
	if (inet_pton(AF_INET, addr, b) == 1) {
		snprintf(out, len, "%u.%u.%u.0/24", b[0], b[1], b[2]);
		return true;
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		memset(b + 6, 0, 10);
		if (inet_ntop(AF_INET6, b, text, sizeof(text)) == NULL) {
			return false;
		}
		int w = snprintf(out, len, "%s/48", text);
		return w > 0 && (size_t)w < len;
	}
	return false;
}

/* Remember a network; when full, the one seen least recently goes. */
static int net_see(struct fa_rule_ent *e, const char *key, int64_t first_us, int64_t seen_us,
		   int64_t event_id)
{
	for (size_t i = 0; i < e->nnets; i++) {
		if (strcmp(e->nets[i].key, key) == 0) {
			if (seen_us > e->nets[i].last_us) {
				e->nets[i].last_us = seen_us;
			}
			return FA_OK;
		}
	}
	struct fa_rule_net *n;
	if (e->nnets == FA_RULE_MAX_NETS) {
		n = &e->nets[0];
		for (size_t i = 1; i < e->nnets; i++) {
			if (e->nets[i].last_us < n->last_us) {
				n = &e->nets[i];
			}
		}
	} else {
		if (e->nnets == e->cnets) {
			size_t cap = e->cnets ? e->cnets * 2 : 4;
			struct fa_rule_net *p = realloc(e->nets, cap * sizeof(*p));
			if (p == NULL) {
				return FA_ENOMEM;
			}
			e->nets = p;
			e->cnets = cap;
		}
		n = &e->nets[e->nnets++];
	}
	snprintf(n->key, sizeof(n->key), "%s", key);
	n->first_us = first_us;
	n->last_us = seen_us;
	n->event_id = event_id;
	return FA_OK;
}

int fa_rule_registrar_seed_net(struct fa_rule_ent *e, const char *addr, int64_t seen_us)
{
	char key[FA_RULE_NET_KEY];
	if (!fa_rule_network(addr, key, sizeof(key))) {
		return FA_OK;
	}
	return net_see(e, key, INT64_MIN, seen_us, 0);
}

#define OFF_HOURS_MIN 500
#define US_PER_HOUR (INT64_C(3600) * 1000000)

static int hour_of(int64_t ts_us)
{
	int64_t h = (ts_us / US_PER_HOUR) % 24;
	if (ts_us % US_PER_HOUR < 0) {
		h--;
	}
	return (int)(h < 0 ? h + 24 : h);
}

/* The first event of one of the registrar's transactions. */
static int registrar_txn(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			 const struct fa_rule_event *ev)
{
	char key[FA_RULE_NET_KEY];
	if (fa_rule_network(ev->src_addr, key, sizeof(key))) {
		int rc = net_see(e, key, ev->ts_us, ev->ts_us, ev->id);
		if (rc != FA_OK) {
			return rc;
		}
	}

	int h = hour_of(ev->ts_us);
	int m = fa_rule_metric_find(FA_RULE_E_REGISTRAR, "off_hours", 9);
	int64_t retention = m < 0 ? 0 : fa_rule_engine_retention(eng, (size_t)m);
	if (retention > 0 && e->nhours >= OFF_HOURS_MIN && e->hours[h] * 50 < e->nhours) {
		int rc = fa_rule_evq_push(&e->offq, ev->ts_us, ev->id, retention, NULL);
		if (rc != FA_OK) {
			return rc;
		}
	}
	e->hours[h]++;
	e->nhours++;
	return FA_OK;
}

static int registrar_observe(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			     const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	/* Transaction numbers rise in order of first appearance, so a
	 * number above the last one is a new transaction. */
	if (txn->no > e->last_gtxn) {
		e->last_gtxn = txn->no;
		int rc = registrar_txn(eng, e, ev);
		if (rc != FA_OK) {
			return rc;
		}
	}
	return move_note(eng, e, ev, txn);
}

/* Registrants: moves of their domains, their own contact data. */

static int cdata_fields(struct fa_rule_ent *e, const struct fa_rule_event *ev, bool all);

static int cdata_set(struct fa_rule_engine *eng, struct fa_rule_ent *e,
		     const struct fa_rule_event *ev, bool all)
{
	char *old_email = e->c_email, *old_voice = e->c_voice;
	e->c_email = e->c_voice = NULL;
	int rc = set_str(&e->c_email, old_email);
	if (rc == FA_OK) {
		rc = set_str(&e->c_voice, old_voice);
	}
	if (rc == FA_OK) {
		rc = cdata_fields(e, ev, all);
	}
	if (rc == FA_OK) {
		rc = fa_rule_engine_contact_index(eng, e->name, old_email, old_voice, e->c_email,
						  e->c_voice);
	}
	free(old_email);
	free(old_voice);
	return rc;
}

int fa_rule_registrant_seed_reuse(struct fa_rule_ent *e, const char *id)
{
	if (e->nreuse == FA_RULE_MAX_REUSE) {
		return FA_OK;
	}
	char **p = realloc(e->reuse_ids, (e->nreuse + 1) * sizeof(*p));
	if (p == NULL) {
		return FA_ENOMEM;
	}
	e->reuse_ids = p;
	if ((p[e->nreuse] = strdup(id)) == NULL) {
		return FA_ENOMEM;
	}
	e->nreuse++;
	return FA_OK;
}

static int cdata_fields(struct fa_rule_ent *e, const struct fa_rule_event *ev, bool all)
{
	struct {
		unsigned bit;
		char **dst;
		const char *src;
	} f[] = {
		{ FA_RULE_CF_EMAIL, &e->c_email, ev->c_email },
		{ FA_RULE_CF_VOICE, &e->c_voice, ev->c_voice },
		{ FA_RULE_CF_NAME, &e->c_name, ev->c_name },
		{ FA_RULE_CF_CC, &e->c_cc, ev->c_cc },
		{ FA_RULE_CF_CITY, &e->c_city, ev->c_city },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (all || (ev->cfields & f[i].bit) != 0) {
			int rc = set_str(f[i].dst, f[i].src);
			if (rc != FA_OK) {
				return rc;
			}
		}
	}
	/* A create tells every field it knows; an update only what it names. */
	if (all || (ev->cfields & FA_RULE_CF_CITY) != 0) {
		e->c_city_known = (ev->cfields & FA_RULE_CF_CITY) != 0;
	}
	e->cdata_ev = ev->id;
	return FA_OK;
}

static int registrant_observe(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			      const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn)
{
	if (is(ev->kind, "contact.create")) {
		e->has_cdata = true;
		return cdata_set(eng, e, ev, true);
	}
	if (is(ev->kind, "contact.update")) {
		/* Without the data from before, an update tells only part. */
		return e->has_cdata ? cdata_set(eng, e, ev, false) : FA_OK;
	}
	return move_note(eng, e, ev, txn);
}

int fa_rule_registrant_seed(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			    const char *email, const char *voice, const char *name,
			    const char *cc, const char *city, bool has_city)
{
	struct fa_rule_event ev = {
		.c_email = email, .c_voice = voice, .c_name = name, .c_cc = cc,
		.c_city = city, .cfields = has_city ? FA_RULE_CF_CITY : 0,
	};
	e->has_cdata = true;
	return cdata_set(eng, e, &ev, true);
}

void fa_rule_ent_prune(struct fa_rule_ent *e, int64_t horizon_us)
{
	list_prune(e->addrs, &e->naddrs, horizon_us);
	list_prune(e->ns, &e->nns, horizon_us);
	moves_prune(e, horizon_us);
	for (size_t i = 0; i < e->nyoung;) {
		if (e->young[i].created_us <= horizon_us) {
			free(e->young[i].domain);
			e->young[i] = e->young[--e->nyoung];
		} else {
			i++;
		}
	}
}

void fa_rule_ent_clear(struct fa_rule_ent *e)
{
	for (size_t i = 0; i < e->naddrs; i++) {
		free(e->addrs[i].addr);
	}
	free(e->addrs);
	for (size_t i = 0; i < e->nns; i++) {
		free(e->ns[i].addr);
	}
	free(e->ns);
	for (size_t i = 0; i < e->nmoves; i++) {
		move_free(&e->moves[i]);
	}
	free(e->moves);
	free(e->nets);
	for (size_t i = 0; i < e->nyoung; i++) {
		free(e->young[i].domain);
	}
	free(e->young);
	fa_rule_evq_free(&e->offq);
	free(e->registrant);
	free(e->sponsor);
	free(e->super);
	free(e->c_email);
	free(e->c_voice);
	free(e->c_name);
	free(e->c_cc);
	free(e->c_city);
	for (size_t i = 0; i < e->nreuse; i++) {
		free(e->reuse_ids[i]);
	}
	free(e->reuse_ids);
}

const struct fa_rule_entity_def fa_rule_entities[FA_RULE_E__COUNT] = {
	[FA_RULE_E_DOMAIN] = { "domain", domain_key, domain_observe, true },
	[FA_RULE_E_HOST] = { "host", host_key, host_observe, true },
	[FA_RULE_E_REGISTRAR] = { "registrar", registrar_key, registrar_observe, true },
	[FA_RULE_E_REGISTRANT] = { "registrant", registrant_key, registrant_observe, true },
};

/* Metric values computed from state. */

static int age_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		     int64_t now_us, int64_t window_us, struct fa_rule_value *out,
		     struct fa_rule_ids *ids)
{
	if (!e->has_created) {
		out->known = false;
		return FA_OK;
	}
	out->known = true;
	out->v = now_us > e->created_us ? now_us - e->created_us : 0;
	if (e->created_ev != 0) {
		fa_rule_ids_add(ids, e->created_ev);
	}
	return FA_OK;
}

static int ns_ttl_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			struct fa_rule_ids *ids)
{
	if (!e->has_ttl) {
		out->known = false;
		return FA_OK;
	}
	out->known = true;
	out->v = e->ns_ttl_s;
	if (e->ttl_ev != 0) {
		fa_rule_ids_add(ids, e->ttl_ev);
	}
	return FA_OK;
}

static int min_ttl_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			 int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			 struct fa_rule_ids *ids)
{
	bool epp = e->has_ttl, zone = e->has_zone_ttl;
	out->known = epp || zone;
	if (!out->known) {
		return FA_OK;
	}
	bool use_zone = zone && (!epp || e->zone_ttl_s < e->ns_ttl_s);
	out->v = use_zone ? e->zone_ttl_s : e->ns_ttl_s;
	int64_t ev = use_zone ? e->zone_ttl_ev : e->ttl_ev;
	if (ev != 0) {
		fa_rule_ids_add(ids, ev);
	}
	return FA_OK;
}

static int since_value(bool has, int64_t at_us, int64_t ev, int64_t now_us,
		       struct fa_rule_value *out, struct fa_rule_ids *ids)
{
	out->known = has;
	if (has) {
		out->v = now_us > at_us ? now_us - at_us : 0;
		if (ev != 0) {
			fa_rule_ids_add(ids, ev);
		}
	}
	return FA_OK;
}

static int since_contact_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			       int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			       struct fa_rule_ids *ids)
{
	return since_value(e->has_contact_chg, e->contact_chg_us, e->contact_chg_ev, now_us, out,
			   ids);
}

static int since_lock_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			    int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			    struct fa_rule_ids *ids)
{
	return since_value(e->has_lock_rem, e->lock_rem_us, e->lock_rem_ev, now_us, out, ids);
}

/* Held now, or released inside the window (now - W, now]. */
static bool in_window(const struct fa_rule_addr *a, int64_t now_us, int64_t window_us)
{
	return a->held || a->removed_us > now_us - window_us;
}

static int64_t count_list(const struct fa_rule_addr *v, size_t n, int64_t now_us,
			  int64_t window_us, struct fa_rule_ids *ids)
{
	int64_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_window(&v[i], now_us, window_us)) {
			count++;
			if (v[i].event_id != 0) {
				fa_rule_ids_add(ids, v[i].event_id);
			}
		}
	}
	return count;
}

static int distinct_addrs_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
				int64_t now_us, int64_t window_us, struct fa_rule_value *out,
				struct fa_rule_ids *ids)
{
	out->known = true;
	out->v = count_list(e->addrs, e->naddrs, now_us, window_us, ids);
	return FA_OK;
}

static int distinct_ns_hosts_value(const struct fa_rule_engine *eng,
				   const struct fa_rule_ent *e, int64_t now_us,
				   int64_t window_us, struct fa_rule_value *out,
				   struct fa_rule_ids *ids)
{
	out->known = true;
	out->v = count_list(e->ns, e->nns, now_us, window_us, ids);
	return FA_OK;
}

/* By address; of equal ones the earliest adding event first, seeded last. */
static int cmp_addr_ptr(const void *a, const void *b)
{
	const struct fa_rule_addr *x = *(const struct fa_rule_addr *const *)a;
	const struct fa_rule_addr *y = *(const struct fa_rule_addr *const *)b;
	int c = strcmp(x->addr, y->addr);
	if (c != 0) {
		return c;
	}
	uint64_t ix = (uint64_t)x->event_id - 1, iy = (uint64_t)y->event_id - 1;
	return ix < iy ? -1 : ix > iy;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Addresses of the name servers of distinct_ns_hosts, each counted once
 * however many of them held it. The events behind the value are those
 * that added the addresses (the earliest, for one added to several), in
 * id order.
 */

static int distinct_ns_addrs_value(const struct fa_rule_engine *eng,
				   const struct fa_rule_ent *e, int64_t now_us,
				   int64_t window_us, struct fa_rule_value *out,
				   struct fa_rule_ids *ids)
{
	const struct fa_rule_addr **v = NULL;
	size_t n = 0, cap = 0, distinct = 0;

	/* Every address in the window of every name server in it, then
	 * sorted so that an address held by several counts once. */
	for (size_t i = 0; i < e->nns; i++) {
		if (!in_window(&e->ns[i], now_us, window_us)) {
			continue;
		}
		const struct fa_rule_ent *h =
			fa_rule_engine_find(eng, FA_RULE_E_HOST, e->ns[i].addr);
		for (size_t k = 0; h != NULL && k < h->naddrs; k++) {
			if (!in_window(&h->addrs[k], now_us, window_us)) {
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				const struct fa_rule_addr **p = realloc(v, cap * sizeof(*p));
				if (p == NULL) {
					free(v);
					return FA_ENOMEM;
				}
				v = p;
			}
			v[n++] = &h->addrs[k];
		}
	}
	if (n > 1) {
		qsort(v, n, sizeof(*v), cmp_addr_ptr);
	}
	int64_t *evs = malloc((n ? n : 1) * sizeof(*evs));
	size_t nevs = 0;
	if (evs == NULL) {
		free(v);
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i]->addr, v[i - 1]->addr) == 0) {
			continue;
		}
		distinct++;
		if (v[i]->event_id != 0) {
			evs[nevs++] = v[i]->event_id;
		}
	}
	qsort(evs, nevs, sizeof(*evs), cmp_i64);
	for (size_t i = 0; i < nevs; i++) {
		fa_rule_ids_add(ids, evs[i]);
	}
	free(evs);
	free(v);
	out->known = true;
	out->v = (int64_t)distinct;
	return FA_OK;
}

static int domains_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			 int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			 struct fa_rule_ids *ids)
{
	out->known = true;
	out->v = e->ndeleg;
	return FA_OK;
}

/* Delegated domains created in (now - W, now]; the window is the age. */
static int young_domains_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			       int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			       struct fa_rule_ids *ids)
{
	int64_t n = 0;
	for (size_t i = 0; i < e->nyoung; i++) {
		if (e->young[i].created_us > now_us - window_us) {
			n++;
			if (e->young[i].event_id != 0) {
				fa_rule_ids_add(ids, e->young[i].event_id);
			}
		}
	}
	out->known = true;
	out->v = n;
	return FA_OK;
}

static int cmp_move_set(const void *a, const void *b)
{
	const struct fa_rule_move *x = *(const struct fa_rule_move *const *)a;
	const struct fa_rule_move *y = *(const struct fa_rule_move *const *)b;
	int c = strcmp(x->set, y->set);
	return c != 0 ? c : strcmp(x->domain, y->domain);
}

static int cmp_move_domain(const void *a, const void *b)
{
	const struct fa_rule_move *x = *(const struct fa_rule_move *const *)a;
	const struct fa_rule_move *y = *(const struct fa_rule_move *const *)b;
	return strcmp(x->domain, y->domain);
}

/* The moves inside the window (now - W, now], as pointers. */
static int moves_in(const struct fa_rule_ent *e, int64_t now_us, int64_t window_us,
		    const struct fa_rule_move ***out, size_t *n)
{
	*n = 0;
	*out = malloc((e->nmoves ? e->nmoves : 1) * sizeof(**out));
	if (*out == NULL) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < e->nmoves; i++) {
		if (e->moves[i].ts_us > now_us - window_us) {
			(*out)[(*n)++] = &e->moves[i];
		}
	}
	return FA_OK;
}

/*
 * The largest number of distinct domains moved to one same NS set in the
 * window; the events behind it are the first NS event of each of those
 * moves (the first group in set order when several are equally large).
 */
static int bulk_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		      int64_t now_us, int64_t window_us, struct fa_rule_value *out,
		      struct fa_rule_ids *ids)
{
	const struct fa_rule_move **v;
	size_t n;
	int rc = moves_in(e, now_us, window_us, &v, &n);
	if (rc != FA_OK) {
		return rc;
	}
	qsort(v, n, sizeof(*v), cmp_move_set);
	size_t best = 0, best_at = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i, distinct = 0;
		while (j < n && strcmp(v[j]->set, v[i]->set) == 0) {
			distinct += j == i || strcmp(v[j]->domain, v[j - 1]->domain) != 0;
			j++;
		}
		if (distinct > best) {
			best = distinct;
			best_at = i;
		}
		i = j;
	}
	for (size_t i = best_at; best > 0 && i < n && strcmp(v[i]->set, v[best_at]->set) == 0;
	     i++) {
		fa_rule_ids_add(ids, v[i]->event_id);
	}
	free(v);
	out->known = true;
	out->v = (int64_t)best;
	return FA_OK;
}

static int domains_changed_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
				 int64_t now_us, int64_t window_us, struct fa_rule_value *out,
				 struct fa_rule_ids *ids)
{
	const struct fa_rule_move **v;
	size_t n, distinct = 0;
	int rc = moves_in(e, now_us, window_us, &v, &n);
	if (rc != FA_OK) {
		return rc;
	}
	qsort(v, n, sizeof(*v), cmp_move_domain);
	for (size_t i = 0; i < n; i++) {
		distinct += i == 0 || strcmp(v[i]->domain, v[i - 1]->domain) != 0;
		fa_rule_ids_add(ids, v[i]->event_id);
	}
	free(v);
	out->known = true;
	out->v = (int64_t)distinct;
	return FA_OK;
}

static int new_networks_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			      int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			      struct fa_rule_ids *ids)
{
	int64_t n = 0;
	for (size_t i = 0; i < e->nnets; i++) {
		if (e->nets[i].first_us != INT64_MIN &&
		    e->nets[i].first_us > now_us - window_us) {
			n++;
			fa_rule_ids_add(ids, e->nets[i].event_id);
		}
	}
	out->known = true;
	out->v = n;
	return FA_OK;
}

static int off_hours_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			   int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			   struct fa_rule_ids *ids)
{
	out->known = e->nhours >= OFF_HOURS_MIN;
	if (out->known) {
		out->v = (int64_t)fa_rule_evq_count(&e->offq, now_us, window_us, ids);
	}
	return FA_OK;
}

/* local@domain.tld: one @, no blanks, a dot inside the domain part. */
static bool email_ok(const char *s)
{
	if (s == NULL) {
		return false;
	}
	const char *at = strchr(s, '@');
	size_t len = strlen(s);
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || len > 254) {
		return false;
	}
	for (const char *c = s; *c != '\0'; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			return false;
		}
	}
	const char *dom = at + 1;
	const char *dot = strchr(dom, '.');
	return dot != NULL && dot != dom && dom[strlen(dom) - 1] != '.' &&
	       strstr(dom, "..") == NULL;
}

/* RFC 5733 e164: "+", 1-3 digits, ".", 1-14 digits, at most 17 chars. */
static bool voice_ok(const char *s)
{
	if (s == NULL || s[0] != '+' || strlen(s) > 17) {
		return false;
	}
	size_t cc = strspn(s + 1, "0123456789");
	if (cc < 1 || cc > 3 || s[1 + cc] != '.') {
		return false;
	}
	const char *num = s + 2 + cc;
	size_t nd = strspn(num, "0123456789");
	return nd >= 1 && nd <= 14 && num[nd] == '\0';
}

/* Names people type when they do not want to give one: a postal name
 * that is one of these says as little as no name at all. */
static bool placeholder_name(const char *name)
{
	static const char *const fillers[] = {
		"test", "test test", "testing", "asdf", "asdfgh", "qwerty", "xxx",
		"aaa", "abc", "foo", "foo bar", "none", "n/a", "na", "null",
		"john doe", "jane doe", "john smith", "nobody", "noname", "name",
	};
	char buf[32];
	size_t n = 0;

	/* Lower case, outer blanks dropped; a long name is no filler. */
	while (name != NULL && *name == ' ') {
		name++;
	}
	for (; name != NULL && *name != '\0'; name++) {
		if (n == sizeof(buf) - 1) {
			return false;
		}
		char c = *name;
		buf[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	while (n > 0 && buf[n - 1] == ' ') {
		n--;
	}
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(fillers) / sizeof(fillers[0]); i++) {
		if (strcmp(buf, fillers[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* Blanks, controls and the zero-width and formatting characters that
 * show nothing: a name or city of only these is missing. */
static bool blank_cp(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad || cp == 0x1680 ||
	       cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x2064) ||
	       cp == 0x3000 || cp == 0xfeff;
}

/* Whether s shows a character; bytes that are not UTF-8 count as shown. */
static bool visible(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p != NULL && *p != '\0') {
		size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp = len == 1 ? *p : len == 0 ? 0 : *p & (0x7f >> len);
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				return true;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (len == 0 || !blank_cp(cp)) {
			return true;
		}
		p += len;
	}
	return false;
}

/* A city is asked for only where the data says whether it has one. */
static bool postal_ok(const struct fa_rule_ent *e)
{
	const char *name = e->c_name, *cc = e->c_cc;

	if (e->c_city_known && !visible(e->c_city)) {
		return false;
	}
	return visible(name) && !placeholder_name(name) && cc != NULL && strlen(cc) == 2 &&
	       ((cc[0] >= 'A' && cc[0] <= 'Z') || (cc[0] >= 'a' && cc[0] <= 'z')) &&
	       ((cc[1] >= 'A' && cc[1] <= 'Z') || (cc[1] >= 'a' && cc[1] <= 'z'));
}

static int quality_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			 int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			 struct fa_rule_ids *ids)
{
	out->known = e->has_cdata;
	if (!out->known) {
		return FA_OK;
	}
	out->v = !email_ok(e->c_email) + !voice_ok(e->c_voice) + !postal_ok(e);
	if (e->cdata_ev != 0) {
		fa_rule_ids_add(ids, e->cdata_ev);
	}
	return FA_OK;
}

/*
 * Other contacts sharing the registrant's email or voice: those the
 * evaluation knows from contact events (the engine's index holds their
 * latest data), and those the table had when the registrant was first met
 * unless their events have told otherwise since.
 */
static int contact_reuse_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			       int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			       struct fa_rule_ids *ids)
{
	const char *const *found;
	size_t nfound, n = 0;
	out->known = e->has_cdata;
	if (!out->known) {
		return FA_OK;
	}
	int rc = fa_rule_engine_contact_list(eng, e->c_email, e->c_voice, &found, &nfound);
	if (rc != FA_OK) {
		return rc;
	}
	const char **all = malloc((nfound + e->nreuse + 1) * sizeof(*all));
	if (all == NULL) {
		free((void *)found);
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < nfound; i++) {
		all[n++] = found[i];
	}
	for (size_t i = 0; i < e->nreuse; i++) {
		const struct fa_rule_ent *o =
			fa_rule_engine_find(eng, FA_RULE_E_REGISTRANT, e->reuse_ids[i]);
		if (o == NULL || !o->has_cdata) {
			all[n++] = e->reuse_ids[i];
		}
	}
	qsort(all, n, sizeof(*all), cmp_cstr);
	int64_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if ((i == 0 || strcmp(all[i], all[i - 1]) != 0) && strcmp(all[i], e->name) != 0) {
			count++;
		}
	}
	free(all);
	free((void *)found);
	out->v = count;
	return FA_OK;
}

static bool same_text(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/*
 * Other contacts with this registrant's e-mail or voice under another
 * name: one mailbox or one phone behind several people. A privacy proxy
 * repeats its whole identity (same name), so it does not count. Only
 * contacts whose data the evaluation holds are compared.
 */
static int shared_identity_value(const struct fa_rule_engine *eng,
				 const struct fa_rule_ent *e, int64_t now_us,
				 int64_t window_us, struct fa_rule_value *out,
				 struct fa_rule_ids *ids)
{
	const char *const *found;
	size_t nfound;
	int64_t count = 0;

	out->known = e->has_cdata && (e->c_email != NULL || e->c_voice != NULL);
	if (!out->known) {
		return FA_OK;
	}
	int rc = fa_rule_engine_contact_list(eng, e->c_email, e->c_voice, &found, &nfound);
	if (rc != FA_OK) {
		return rc;
	}
	for (size_t i = 0; i < nfound; i++) {
		const struct fa_rule_ent *o =
			fa_rule_engine_find(eng, FA_RULE_E_REGISTRANT, found[i]);
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++) {
			dup = strcmp(found[j], found[i]) == 0;
		}
		if (dup || o == NULL || o == e || !o->has_cdata ||
		    strcmp(found[i], e->name) == 0) {
			continue;
		}
		if ((same_text(o->c_email, e->c_email) ||
		     same_text(o->c_voice, e->c_voice)) &&
		    !same_text(o->c_name, e->c_name)) {
			count++;
		}
	}
	free((void *)found);
	out->v = count;
	return FA_OK;
}

/* The baseline of ns_change_surge: the 28 days before the window. */
#define SURGE_BASE_US (INT64_C(28) * 86400 * 1000000)

/*
 * NS-set changes of a registrar in the window against its own rate in
 * the 28 days before, in percent: 100 is its usual pace, 1000 ten times
 * it. A registrar with no change in those days counts as one, so that a
 * first burst is large but finite.
 */
static int surge_value(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
		       int64_t now_us, int64_t window_us, struct fa_rule_value *out,
		       struct fa_rule_ids *ids)
{
	int m = fa_rule_metric_find(FA_RULE_E_REGISTRAR, "ns_changes", 10);
	const struct fa_rule_evq *q = fa_rule_engine_queue(eng, e, m);
	uint64_t cur = fa_rule_evq_count(q, now_us, window_us, ids);
	uint64_t all = fa_rule_evq_count(q, now_us, window_us + SURGE_BASE_US, NULL);
	uint64_t base = all > cur ? all - cur : 0;

	out->known = window_us > 0;
	if (out->known) {
		out->v = (int64_t)((double)cur * 100.0 * (double)SURGE_BASE_US /
				   ((double)(base > 0 ? base : 1) * (double)window_us));
	}
	return FA_OK;
}

/* Counter conditions. */

static bool match_replacement(const struct fa_rule_ent *e, const struct fa_rule_event *ev,
			      const struct fa_rule_txn_info *txn)
{
	return e->rep_gtxn == txn->no && e->rep_pre > 0 && e->rep_gone == e->rep_pre &&
	       e->rep_added > 0;
}

static bool match_not_delegation(const struct fa_rule_ent *e, const struct fa_rule_event *ev,
				 const struct fa_rule_txn_info *txn)
{
	return !(e->has_deleg && e->deleg_gtxn == txn->no);
}

static bool match_lock(const struct fa_rule_ent *e, const struct fa_rule_event *ev,
		       const struct fa_rule_txn_info *txn)
{
	return is_lock(ev->value);
}

#define NEEDS(k) (1u << (k))

/*
 * A registrar's command.failed events with a result code in lo..hi. The
 * groups say what failed: 2200-2202 authentication and authorization,
 * 2302 "object exists" (drop-catching, create races), 2303 "does not
 * exist" (probing, a stale client), 2304-2306 a status, an association or
 * server policy forbade it. FAILED_CODE names one RFC 5730 code.
 */
#define FAILED_RANGE(name, lo, hi)                                               \
	{ FA_RULE_E_REGISTRAR, name, FA_RULE_T_COUNT, true, { "command.failed", NULL }, \
	  false, NULL, NULL, 0, lo, hi }
#define FAILED_CODE(code) FAILED_RANGE("failed_" #code, code, code)

/*
 * The metric registry. Counters (value == NULL) count the listed event
 * kinds of the entity within the window (those match() accepts), or with
 * per_txn the distinct transactions behind them minus creates: an NS
 * change is one command however many name servers it swaps, and a
 * create's name servers are the initial delegation, not a change. ns_ttl
 * and min_ttl are in seconds but typed as counts so that "ns_ttl < 300"
 * reads as operators write TTLs.
 */
const struct fa_rule_metric_def fa_rule_metrics[] = {
	{ FA_RULE_E_DOMAIN, "ns_changes", FA_RULE_T_COUNT, true,
	  { "domain.ns_add", "domain.ns_rem", NULL }, true, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "age", FA_RULE_T_DURATION, false, { NULL }, false, age_value,
	  NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "ns_ttl", FA_RULE_T_COUNT, false, { NULL }, false, ns_ttl_value,
	  NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "glue_changes", FA_RULE_T_COUNT, true,
	  { "host.addr_add", "host.addr_rem", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "distinct_addrs", FA_RULE_T_COUNT, true, { NULL }, false,
	  distinct_addrs_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRAR, "failed_commands", FA_RULE_T_COUNT, true,
	  { "command.failed", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRAR, "ns_changes", FA_RULE_T_COUNT, true,
	  { "domain.ns_add", "domain.ns_rem", NULL }, true, NULL, NULL, 0, 0, 0 },

	{ FA_RULE_E_DOMAIN, "ns_replacements", FA_RULE_T_COUNT, true,
	  { "domain.ns_add", "domain.ns_rem", "zone.ns_add", "zone.ns_rem" }, true, NULL,
	  match_replacement, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "zone_ns_changes", FA_RULE_T_COUNT, true,
	  { "zone.ns_add", "zone.ns_rem", NULL }, true, NULL, match_not_delegation, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "glue_changes", FA_RULE_T_COUNT, true,
	  { "zone.glue_add", "zone.glue_rem", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "distinct_ns_hosts", FA_RULE_T_COUNT, true, { NULL }, false,
	  distinct_ns_hosts_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "distinct_ns_addrs", FA_RULE_T_COUNT, true, { NULL }, false,
	  distinct_ns_addrs_value, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "min_ttl", FA_RULE_T_COUNT, false, { NULL }, false, min_ttl_value,
	  NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "ds_changes", FA_RULE_T_COUNT, true,
	  { "domain.ds_add", "domain.ds_rem", NULL }, true, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "registrant_changes", FA_RULE_T_COUNT, true,
	  { "domain.registrant_change", NULL }, true, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "contact_changes", FA_RULE_T_COUNT, true,
	  { "domain.contact_add", "domain.contact_rem", NULL }, true, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "authinfo_changes", FA_RULE_T_COUNT, true,
	  { "domain.authinfo_change", NULL }, true, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "locks_removed", FA_RULE_T_COUNT, true,
	  { "domain.status_rem", NULL }, false, NULL, match_lock, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "transfers", FA_RULE_T_COUNT, true,
	  { "domain.transfer_approve", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "transfer_requests", FA_RULE_T_COUNT, true,
	  { "domain.transfer_request", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "since_contact_change", FA_RULE_T_DURATION, false, { NULL }, false,
	  since_contact_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "since_lock_removed", FA_RULE_T_DURATION, false, { NULL }, false,
	  since_lock_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "zone_glue_changes", FA_RULE_T_COUNT, true,
	  { "zone.glue_add", "zone.glue_rem", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "domains", FA_RULE_T_COUNT, false, { NULL }, false, domains_value,
	  NULL, NEEDS(FA_RULE_E_DOMAIN), 0, 0 },
	{ FA_RULE_E_HOST, "young_domains", FA_RULE_T_COUNT, true, { NULL }, false,
	  young_domains_value, NULL, NEEDS(FA_RULE_E_DOMAIN), 0, 0 },
	FAILED_RANGE("failed_auth", 2200, 2202),
	{ FA_RULE_E_REGISTRAR, "ns_change_surge", FA_RULE_T_COUNT, true, { NULL }, false,
	  surge_value, NULL, 0, 0, 0 },
	FAILED_RANGE("failed_not_found", 2303, 2303),
	FAILED_RANGE("failed_exists", 2302, 2302),
	FAILED_RANGE("failed_prohibited", 2304, 2306),
	{ FA_RULE_E_REGISTRAR, "new_networks", FA_RULE_T_COUNT, true, { NULL }, false,
	  new_networks_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRAR, "off_hours", FA_RULE_T_COUNT, true, { NULL }, false,
	  off_hours_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRAR, "bulk_redelegation", FA_RULE_T_COUNT, true, { NULL }, false,
	  bulk_value, NULL, NEEDS(FA_RULE_E_DOMAIN), 0, 0 },
	{ FA_RULE_E_REGISTRANT, "bulk_redelegation", FA_RULE_T_COUNT, true, { NULL }, false,
	  bulk_value, NULL, NEEDS(FA_RULE_E_DOMAIN), 0, 0 },
	{ FA_RULE_E_REGISTRANT, "domains_changed", FA_RULE_T_COUNT, true, { NULL }, false,
	  domains_changed_value, NULL, NEEDS(FA_RULE_E_DOMAIN), 0, 0 },
	{ FA_RULE_E_REGISTRANT, "contact_quality_issues", FA_RULE_T_COUNT, false, { NULL },
	  false, quality_value, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRANT, "contact_reuse", FA_RULE_T_COUNT, false, { NULL }, false,
	  contact_reuse_value, NULL, 0, 0, 0 },

	{ FA_RULE_E_REGISTRANT, "shared_identity", FA_RULE_T_COUNT, false, { NULL }, false,
	  shared_identity_value, NULL, 0, 0, 0 },

	/* Account takeover: what happened to the registrant's contact and to
	 * its domains, counted over all of them. */
	{ FA_RULE_E_REGISTRANT, "contact_updates", FA_RULE_T_COUNT, true,
	  { "contact.update", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRANT, "authinfo_changes", FA_RULE_T_COUNT, true,
	  { "domain.authinfo_change", NULL }, false, NULL, NULL, 0, 0, 0 },
	{ FA_RULE_E_REGISTRANT, "locks_removed", FA_RULE_T_COUNT, true,
	  { "domain.status_rem", NULL }, false, NULL, match_lock, 0, 0, 0 },
	{ FA_RULE_E_REGISTRANT, "transfer_requests", FA_RULE_T_COUNT, true,
	  { "domain.transfer_request", NULL }, false, NULL, NULL, 0, 0, 0 },

	/* Every failure code of RFC 5730 section 3, one counter each. */
	FAILED_CODE(2000), FAILED_CODE(2001), FAILED_CODE(2002), FAILED_CODE(2003),
	FAILED_CODE(2004), FAILED_CODE(2005), FAILED_CODE(2100), FAILED_CODE(2101),
	FAILED_CODE(2102), FAILED_CODE(2103), FAILED_CODE(2104), FAILED_CODE(2105),
	FAILED_CODE(2106), FAILED_CODE(2200), FAILED_CODE(2201), FAILED_CODE(2202),
	FAILED_CODE(2300), FAILED_CODE(2301), FAILED_CODE(2302), FAILED_CODE(2303),
	FAILED_CODE(2304), FAILED_CODE(2305), FAILED_CODE(2306), FAILED_CODE(2307),
	FAILED_CODE(2308), FAILED_CODE(2400), FAILED_CODE(2500), FAILED_CODE(2501),
	FAILED_CODE(2502),

	/* Enrichment (fa_rule_enrich.c): unknown without enrichment data. */
	{ FA_RULE_E_HOST, "distinct_asns", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_distinct_asns, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "consumer_addrs", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_addrs, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "consumer_share", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_share, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "consumer_prefixes", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_prefixes, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "flux_score", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_flux_score, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "declared_static", FA_RULE_T_COUNT, false, { NULL }, false,
	  fa_rule_enrich_declared_static, NULL, 0, 0, 0 },
	{ FA_RULE_E_HOST, "declared_dynamic", FA_RULE_T_COUNT, false, { NULL }, false,
	  fa_rule_enrich_declared_dynamic, NULL, 0, 0, 0 },
	{ FA_RULE_E_DOMAIN, "distinct_asns", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_distinct_asns, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "consumer_addrs", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_addrs, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "consumer_share", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_share, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "consumer_prefixes", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_consumer_prefixes, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "flux_score", FA_RULE_T_COUNT, true, { NULL }, false,
	  fa_rule_enrich_flux_score, NULL, NEEDS(FA_RULE_E_HOST), 0, 0 },
	{ FA_RULE_E_DOMAIN, "declared_static", FA_RULE_T_COUNT, false, { NULL }, false,
	  fa_rule_enrich_declared_static, NULL, 0, 0, 0 },
};

const size_t fa_rule_nmetrics = sizeof(fa_rule_metrics) / sizeof(fa_rule_metrics[0]);

int fa_rule_entity_find(const char *name, size_t len)
{
	for (int i = 0; i < FA_RULE_E__COUNT; i++) {
		if (strlen(fa_rule_entities[i].name) == len &&
		    memcmp(fa_rule_entities[i].name, name, len) == 0) {
			return i;
		}
	}
	return -1;
}

int fa_rule_metric_find(int entity, const char *name, size_t len)
{
	for (size_t i = 0; i < fa_rule_nmetrics; i++) {
		const struct fa_rule_metric_def *m = &fa_rule_metrics[i];
		if (m->entity == entity && strlen(m->name) == len &&
		    memcmp(m->name, name, len) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/*
 * The churn metrics: what a registrar whose customers move name servers
 * all day produces by itself. Consumer space, ASNs, TTLs, ages, contacts,
 * locks, failures and new networks are not among them: no business model
 * explains those.
 */
static const struct {
	int entity;
	const char *name;
} churn[] = {
	{ FA_RULE_E_DOMAIN, "ns_changes" },
	{ FA_RULE_E_DOMAIN, "ns_replacements" },
	{ FA_RULE_E_DOMAIN, "zone_ns_changes" },
	{ FA_RULE_E_DOMAIN, "glue_changes" },
	{ FA_RULE_E_DOMAIN, "distinct_ns_hosts" },
	{ FA_RULE_E_DOMAIN, "distinct_ns_addrs" },
	/* A host's own glue: a hosting operator renumbering or rotating its
	 * name servers writes these as often as a flux network does. What
	 * tells flux apart (where the addresses are: ASNs, consumer space,
	 * flux_score; what is delegated to the host: domains, young_domains)
	 * is left out, so a rule that also reads it keeps its full score. */
	{ FA_RULE_E_HOST, "glue_changes" },
	{ FA_RULE_E_HOST, "zone_glue_changes" },
	{ FA_RULE_E_HOST, "distinct_addrs" },
	{ FA_RULE_E_REGISTRAR, "ns_changes" },
	{ FA_RULE_E_REGISTRAR, "ns_change_surge" },
	{ FA_RULE_E_REGISTRAR, "bulk_redelegation" },
};

static bool is_churn(int m)
{
	const struct fa_rule_metric_def *d = &fa_rule_metrics[m];

	for (size_t i = 0; i < sizeof(churn) / sizeof(churn[0]); i++) {
		if (churn[i].entity == d->entity && strcmp(churn[i].name, d->name) == 0) {
			return true;
		}
	}
	return false;
}

bool fa_rule_churn_only(const struct fa_rule *r)
{
	for (size_t i = 0; i < r->nrefs; i++) {
		if (!is_churn(r->refs[i].metric)) {
			return false;
		}
	}
	return r->nrefs > 0;
}

uint64_t fa_rule_evq_count(const struct fa_rule_evq *q, int64_t now_us,
			   int64_t window_us, struct fa_rule_ids *ids)
{
	if (q == NULL || q->len == 0) {
		return 0;
	}

	/* Entries are in time order: find the first one inside the window. */
	int64_t lo_excl = now_us - window_us;
	size_t lo = 0, hi = q->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->ts[(q->head + mid) % q->cap] > lo_excl) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	if (ids != NULL) {
		for (size_t i = lo; i < q->len && ids->n < FA_RULE_EVIDENCE_IDS; i++) {
			ids->ids[ids->n++] = q->id[(q->head + i) % q->cap];
		}
		ids->total += q->len - lo;
	}
	if (lo == q->len) {
		return 0;
	}
	/* All events of a transaction share its time, so a transaction is
	 * wholly inside the window or wholly out, and those inside are the
	 * ones numbered from the first entry's on. */
	if (q->txn != NULL) {
		return q->ntxn - q->txn[(q->head + lo) % q->cap];
	}
	return q->len - lo;
}

void fa_rule_duration_format(int64_t us, char *buf, size_t len)
{
	static const struct {
		int64_t us;
		char unit;
	} units[] = {
		{ INT64_C(7) * 86400 * 1000000, 'w' },
		{ INT64_C(86400) * 1000000, 'd' },
		{ INT64_C(3600) * 1000000, 'h' },
		{ INT64_C(60) * 1000000, 'm' },
		{ INT64_C(1000000), 's' },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (us != 0 && us % units[i].us == 0) {
			snprintf(buf, len, "%lld%c", (long long)(us / units[i].us),
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%lldus", (long long)us);
}

void fa_rule_sb_put(struct fa_rule_sb *sb, const char *s, size_t len)
{
	if (sb->oom) {
		return;
	}
	if (sb->len + len + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 256;
		while (cap < sb->len + len + 1) {
			cap *= 2;
		}
		char *p = realloc(sb->p, cap);
		if (p == NULL) {
			sb->oom = true;
			return;
		}
		sb->p = p;
		sb->cap = cap;
	}
	memcpy(sb->p + sb->len, s, len);
	sb->len += len;
	sb->p[sb->len] = '\0';
}

void fa_rule_sb_printf(struct fa_rule_sb *sb, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if ((size_t)n < sizeof(tmp)) {
		fa_rule_sb_put(sb, tmp, (size_t)n);
		return;
	}

	char *big = malloc((size_t)n + 1);
	if (big == NULL) {
		sb->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	fa_rule_sb_put(sb, big, (size_t)n);
	free(big);
}

void fa_rule_sb_json(struct fa_rule_sb *sb, const char *s)
{
	if (s == NULL) {
		fa_rule_sb_put(sb, "null", 4);
		return;
	}
	size_t len = strlen(s);
	size_t need = fa_json_escape(NULL, 0, s, len);
	char *tmp = malloc(need + 1);
	if (tmp == NULL) {
		sb->oom = true;
		return;
	}
	fa_json_escape(tmp, need + 1, s, len);
	fa_rule_sb_put(sb, tmp, need);
	free(tmp);
}

void fa_rule_sb_free(struct fa_rule_sb *sb)
{
	free(sb->p);
	memset(sb, 0, sizeof(*sb));
}

int fa_rule_metric_base(int m, int64_t *extra_us)
{
	const struct fa_rule_metric_def *md = &fa_rule_metrics[m];

	if (md->value != surge_value) {
		return -1;
	}
	*extra_us = SURGE_BASE_US;
	return fa_rule_metric_find(FA_RULE_E_REGISTRAR, "ns_changes", 10);
}
