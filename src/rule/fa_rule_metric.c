/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity-kind and metric registry of the rule language. Adding a
 * metric is one entry in fa_rule_metrics (plus, for a metric that is not
 * a plain event counter, a value function and whatever state the entity
 * kind's observe function keeps); adding an entity kind is one entry in
 * fa_rule_entities and one enum value in fa_rule_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Which entity an event belongs to, per kind. */

static const char *domain_key(const struct fa_rule_event *ev)
{
	return has_prefix(ev->kind, "domain.") ? ev->domain : NULL;
}

static const char *host_key(const struct fa_rule_event *ev)
{
	return has_prefix(ev->kind, "host.") ? ev->host : NULL;
}

static const char *registrar_key(const struct fa_rule_event *ev)
{
	return ev->registrar;
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

static int domain_observe(struct fa_rule_ent *e, const struct fa_rule_event *ev)
{
	if (strcmp(ev->kind, "domain.create") == 0) {
		e->has_created = true;
		e->created_us = ev->has_created ? ev->created_us : ev->ts_us;
		e->created_ev = ev->id;
	} else if (strcmp(ev->kind, "domain.delete") == 0) {
		/* A deleted name may be registered again: its age and TTL
		 * start over with the next create. */
		e->has_created = false;
		e->has_ttl = false;
	} else if (strcmp(ev->kind, "domain.ttl_set") == 0) {
		int64_t ttl;
		if (parse_ns_ttl(ev->value, &ttl)) {
			e->has_ttl = true;
			e->ns_ttl_s = ttl;
			e->ttl_ev = ev->id;
		}
	}
	return FA_OK;
}

static struct fa_rule_addr *addr_find(struct fa_rule_ent *e, const char *addr)
{
	for (size_t i = 0; i < e->naddrs; i++) {
		if (strcmp(e->addrs[i].addr, addr) == 0) {
			return &e->addrs[i];
		}
	}
	return NULL;
}

static int addr_hold(struct fa_rule_ent *e, const char *addr, int64_t event_id)
{
	struct fa_rule_addr *a = addr_find(e, addr);
	if (a == NULL) {
		if (e->naddrs == e->caddrs) {
			size_t cap = e->caddrs ? e->caddrs * 2 : 4;
			struct fa_rule_addr *p = realloc(e->addrs, cap * sizeof(*p));
			if (p == NULL) {
				return FA_ENOMEM;
			}
			e->addrs = p;
			e->caddrs = cap;
		}
		char *copy = strdup(addr);
		if (copy == NULL) {
			return FA_ENOMEM;
		}
		a = &e->addrs[e->naddrs++];
		a->addr = copy;
	}
	a->held = true;
	a->removed_us = 0;
	a->event_id = event_id;
	return FA_OK;
}

static void addr_release(struct fa_rule_ent *e, struct fa_rule_addr *a, int64_t ts_us)
{
	if (a != NULL && a->held) {
		a->held = false;
		a->removed_us = ts_us;
	}
}

static int host_observe(struct fa_rule_ent *e, const struct fa_rule_event *ev)
{
	if (strcmp(ev->kind, "host.addr_add") == 0 && ev->value != NULL) {
		return addr_hold(e, ev->value, ev->id);
	}
	if (strcmp(ev->kind, "host.addr_rem") == 0 && ev->value != NULL) {
		addr_release(e, addr_find(e, ev->value), ev->ts_us);
	} else if (strcmp(ev->kind, "host.delete") == 0) {
		for (size_t i = 0; i < e->naddrs; i++) {
			addr_release(e, &e->addrs[i], ev->ts_us);
		}
	}
	return FA_OK;
}

int fa_rule_host_seed_addr(struct fa_rule_ent *e, const char *addr)
{
	return addr_hold(e, addr, 0);
}

void fa_rule_host_prune(struct fa_rule_ent *e, int64_t horizon_us)
{
	size_t j = 0;
	for (size_t i = 0; i < e->naddrs; i++) {
		struct fa_rule_addr *a = &e->addrs[i];
		if (!a->held && a->removed_us <= horizon_us) {
			free(a->addr);
			continue;
		}
		e->addrs[j++] = *a;
	}
	e->naddrs = j;
}

const struct fa_rule_entity_def fa_rule_entities[FA_RULE_E__COUNT] = {
	[FA_RULE_E_DOMAIN] = { "domain", domain_key, domain_observe, true },
	[FA_RULE_E_HOST] = { "host", host_key, host_observe, true },
	[FA_RULE_E_REGISTRAR] = { "registrar", registrar_key, NULL, false },
};

/* Metric values computed from state. */

static int age_value(const struct fa_rule_ent *e, int64_t now_us, int64_t window_us,
		     struct fa_rule_value *out, struct fa_rule_ids *ids)
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

static int ns_ttl_value(const struct fa_rule_ent *e, int64_t now_us, int64_t window_us,
			struct fa_rule_value *out, struct fa_rule_ids *ids)
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

/* Held now, or released inside the window (now - W, now]. */
static int distinct_addrs_value(const struct fa_rule_ent *e, int64_t now_us,
				int64_t window_us, struct fa_rule_value *out,
				struct fa_rule_ids *ids)
{
	int64_t n = 0;
	for (size_t i = 0; i < e->naddrs; i++) {
		const struct fa_rule_addr *a = &e->addrs[i];
		if (a->held || a->removed_us > now_us - window_us) {
			n++;
			if (a->event_id != 0) {
				fa_rule_ids_add(ids, a->event_id);
			}
		}
	}
	out->known = true;
	out->v = n;
	return FA_OK;
}

/*
 * The metric registry. Counters (value == NULL) count the listed event
 * kinds of the entity within the window, or with per_txn the distinct
 * transactions behind them minus creates: an NS change is one command
 * however many name servers it swaps, and a create's name servers are the
 * initial delegation, not a change. ns_ttl is in seconds but typed as a
 * count so that "ns_ttl < 300" reads as operators write TTLs.
 */
const struct fa_rule_metric_def fa_rule_metrics[] = {
	{ FA_RULE_E_DOMAIN, "ns_changes", FA_RULE_T_COUNT, true,
	  { "domain.ns_add", "domain.ns_rem", NULL }, true, NULL },
	{ FA_RULE_E_DOMAIN, "age", FA_RULE_T_DURATION, false, { NULL }, false, age_value },
	{ FA_RULE_E_DOMAIN, "ns_ttl", FA_RULE_T_COUNT, false, { NULL }, false, ns_ttl_value },
	{ FA_RULE_E_HOST, "glue_changes", FA_RULE_T_COUNT, true,
	  { "host.addr_add", "host.addr_rem", NULL }, false, NULL },
	{ FA_RULE_E_HOST, "distinct_addrs", FA_RULE_T_COUNT, true, { NULL }, false,
	  distinct_addrs_value },
	{ FA_RULE_E_REGISTRAR, "failed_commands", FA_RULE_T_COUNT, true,
	  { "command.failed", NULL }, false, NULL },
	{ FA_RULE_E_REGISTRAR, "ns_changes", FA_RULE_T_COUNT, true,
	  { "domain.ns_add", "domain.ns_rem", NULL }, true, NULL },
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
