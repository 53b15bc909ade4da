/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Current state of domains, hosts and contacts, changed by the events of a
 * batch. The rows a batch touches are loaded with one query per table,
 * changed in memory in event order (so that an add followed by a remove
 * in the same batch ends where the log says), and written back with COPY
 * into a staging table and one upsert per table. The caller holds the
 * ingest advisory lock, so nobody else changes these rows meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"
#include "common/fa_time.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

/* A sorted set of strings without duplicates. */
struct set {
	const char **v;
	size_t n;
	size_t cap;
};

struct dom {
	const char *name;
	bool present;		/* the row exists (stored or made here) */
	bool dirty;
	const struct dom *orig;	/* the stored row as loaded, or NULL */
	const char *registrar;
	const char *registrant;
	bool has_created;
	int64_t created;
	struct set ns;
	struct set statuses;
	struct set ds;
	struct set ttls;	/* "RRTYPE SECONDS", sorted by type */
	bool deleted;
	int64_t updated;
};

struct host {
	const char *name;
	bool present;
	bool in_db;
	bool dirty;
	const struct host *orig;	/* the stored row as loaded, or NULL */
	const char *registrar;
	struct set addrs;
	struct set statuses;
	const char *superordinate;
	bool deleted;
	int64_t updated;
};

struct contact {
	const char *id;
	bool present;
	bool in_db;
	bool dirty;
	const char *registrar;
	struct fa_store_json *data;
	bool deleted;
	int64_t updated;
};

struct state {
	struct fa_store *store;
	struct fa_arena *arena;
	struct fa_store_map domains;
	struct fa_store_map hosts;
	struct fa_store_map contacts;
	char *err;
	size_t errlen;
};

/* ---- sets ---- */

static size_t set_find(const struct set *s, const char *x, bool *found)
{
	size_t lo = 0;
	size_t hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid], x);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = false;
	return lo;
}

static int set_add(struct state *st, struct set *s, const char *x)
{
	bool found;
	size_t at = set_find(s, x, &found);
	if (found) {
		return FA_OK;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		const char **v = fa_arena_alloc(st->arena, cap * sizeof(*v));
		if (v == NULL) {
			return FA_ENOMEM;
		}
		if (s->n > 0) {
			memcpy(v, s->v, s->n * sizeof(*v));
		}
		s->v = v;
		s->cap = cap;
	}
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
	s->v[at] = x;
	s->n++;
	return FA_OK;
}

static void set_del(struct set *s, const char *x)
{
	bool found;
	size_t at = set_find(s, x, &found);
	if (found) {
		memmove(s->v + at, s->v + at + 1, (s->n - at - 1) * sizeof(*s->v));
		s->n--;
	}
}

static void set_clear(struct set *s)
{
	s->n = 0;
}

static int set_copy(struct state *st, struct set *dst, const struct set *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++) {
		if (set_add(st, dst, src->v[i]) != FA_OK) {
			return FA_ENOMEM;
		}
	}
	return FA_OK;
}

static bool set_eq(const struct set *a, const struct set *b)
{
	if (a->n != b->n) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i], b->v[i]) != 0) {
			return false;
		}
	}
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Replace a set by the strings of a JSON array (strings, or objects whose
 * key member names the item). */
static int set_from_json(struct state *st, struct set *s,
			 const struct fa_store_json *arr, const char *key)
{
	set_clear(s);
	for (size_t i = 0; arr != NULL && arr->type == FA_STORE_JARR && i < arr->n; i++) {
		const struct fa_store_json *it = arr->items[i];
		if (it->type == FA_STORE_JOBJ) {
			it = fa_store_json_get(it, key);
		}
		if (it != NULL && it->type == FA_STORE_JSTR &&
		    set_add(st, s, it->str) != FA_OK) {
			return FA_ENOMEM;
		}
	}
	return FA_OK;
}

static int set_from_literal(struct state *st, struct set *s, const char *lit)
{
	const char **v;
	size_t n;
	int rc = fa_store_array_parse(st->arena, lit, &v, &n);
	if (rc != FA_OK) {
		snprintf(st->err, st->errlen, "could not read stored array \"%s\"", lit);
		return rc;
	}
	set_clear(s);
	for (size_t i = 0; i < n; i++) {
		if (set_add(st, s, v[i]) != FA_OK) {
			return FA_ENOMEM;
		}
	}
	return FA_OK;
}

/* The stored TTL object {"NS": 3600, ...} as items "NS 3600". It is parsed
 * here rather than unnested in the query: a sorted subquery per row made
 * loading the domains of a batch several times slower. */
static int set_from_ttls(struct state *st, struct set *s, const char *text)
{
	const struct fa_store_json *o = fa_store_json_parse(st->arena, text);
	set_clear(s);
	if (o == NULL || o->type != FA_STORE_JOBJ) {
		snprintf(st->err, st->errlen, "could not read stored TTLs \"%s\"", text);
		return FA_EPARSE;
	}
	for (size_t i = 0; i < o->n; i++) {
		if (o->items[i]->type != FA_STORE_JNUM &&
		    o->items[i]->type != FA_STORE_JSTR) {
			continue;
		}
		size_t len = strlen(o->keys[i]) + strlen(o->items[i]->str) + 2;
		char *item = fa_arena_alloc(st->arena, len);
		if (item == NULL) {
			return FA_ENOMEM;
		}
		snprintf(item, len, "%s %s", o->keys[i], o->items[i]->str);
		if (set_add(st, s, item) != FA_OK) {
			return FA_ENOMEM;
		}
	}
	return FA_OK;
}

/* A TTL item "RR SECONDS" replaces the one of the same type. */
static int ttl_set(struct state *st, struct set *s, const char *item)
{
	const char *sp = strchr(item, ' ');
	size_t tlen = sp != NULL ? (size_t)(sp - item) : strlen(item);
	for (size_t i = 0; i < s->n; i++) {
		if (strncmp(s->v[i], item, tlen) == 0 && s->v[i][tlen] == ' ') {
			set_del(s, s->v[i]);
			break;
		}
	}
	return sp != NULL ? set_add(st, s, item) : FA_OK;
}

/* ---- lookups ---- */

static const char *dup(struct state *st, const char *s)
{
	return s != NULL ? fa_arena_strndup(st->arena, s, strlen(s)) : NULL;
}

/* The entry of key in map, made zeroed (size bytes) when absent. Every
 * entry type starts with its key (name or id), which points at the copy
 * the map is indexed by. */
static void *get_entry(struct state *st, struct fa_store_map *map, const char *key,
		       size_t size)
{
	void *e = fa_store_map_get(map, key);
	if (e != NULL) {
		return e;
	}
	e = fa_arena_alloc(st->arena, size);
	const char *copy = dup(st, key);
	if (e == NULL || copy == NULL) {
		return NULL;
	}
	memset(e, 0, size);
	memcpy(e, &copy, sizeof(copy));
	if (fa_store_map_put(map, copy, e) != FA_OK) {
		return NULL;
	}
	return e;
}

static struct dom *get_dom(struct state *st, const char *name)
{
	return get_entry(st, &st->domains, name, sizeof(struct dom));
}

static struct host *get_host(struct state *st, const char *name)
{
	return get_entry(st, &st->hosts, name, sizeof(struct host));
}

static struct contact *get_contact(struct state *st, const char *id)
{
	return get_entry(st, &st->contacts, id, sizeof(struct contact));
}

/* The longest present domain that the host name ends with (label-wise),
 * else the name without its first label: a host we meet before its
 * domain is most likely under that parent. */
static const char *superordinate(struct state *st, const char *host)
{
	for (const char *p = host; p != NULL; p = strchr(p, '.')) {
		if (*p == '.') {
			p++;
		}
		struct dom *d = fa_store_map_get(&st->domains, p);
		if (d != NULL && d->present && !d->deleted) {
			return d->name;
		}
	}
	const char *dot = strchr(host, '.');
	return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

/* ---- loading ---- */

static int64_t parse_i64(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* The rows of the given names. The queries join the unnested names to the
 * table so that each name is one index probe (see find_stored()). */
static int query_names(struct state *st, const char *sql,
		       const struct fa_store_map *names, const char *what,
		       PGresult **out)
{
	struct fa_store_buf lit = { 0 };
	const char **v = fa_arena_alloc(st->arena, (names->len + 1) * sizeof(*v));
	if (v == NULL) {
		return FA_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < names->cap; i++) {
		if (names->keys[i] != NULL) {
			v[n++] = names->keys[i];
		}
	}
	if (fa_store_array_write(&lit, v, n) != FA_OK) {
		fa_store_buf_free(&lit);
		return FA_ENOMEM;
	}
	const char *params[1] = { lit.data };
	PGresult *res = PQexecParams(st->store->conn, sql, 1, NULL, params, NULL,
				     NULL, 0);
	fa_store_buf_free(&lit);
	int rc = fa_store_check(res, PGRES_TUPLES_OK, st->store->conn, what,
				st->err, st->errlen);
	if (rc == FA_OK) {
		*out = res;
	}
	return rc;
}

#define DOMAIN_COLS \
	"name, registrar, registrant, " \
	"(extract(epoch FROM created) * 1000000)::bigint, ns, statuses, ds, " \
	"ttls::text, " \
	"deleted, (extract(epoch FROM updated) * 1000000)::bigint"

static int load_domain_rows(struct state *st, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++) {
		struct dom *d = get_dom(st, PQgetvalue(res, r, 0));
		if (d == NULL) {
			return FA_ENOMEM;
		}
		if (d->present) {
			continue;
		}
		d->present = true;
		d->registrar = PQgetisnull(res, r, 1) ? NULL : dup(st, PQgetvalue(res, r, 1));
		d->registrant = PQgetisnull(res, r, 2) ? NULL : dup(st, PQgetvalue(res, r, 2));
		d->has_created = !PQgetisnull(res, r, 3);
		d->created = d->has_created ? parse_i64(PQgetvalue(res, r, 3)) : 0;
		int rc = set_from_literal(st, &d->ns, PQgetvalue(res, r, 4));
		if (rc == FA_OK) {
			rc = set_from_literal(st, &d->statuses, PQgetvalue(res, r, 5));
		}
		if (rc == FA_OK) {
			rc = set_from_literal(st, &d->ds, PQgetvalue(res, r, 6));
		}
		if (rc == FA_OK) {
			rc = set_from_ttls(st, &d->ttls, PQgetvalue(res, r, 7));
		}
		if (rc != FA_OK) {
			return rc;
		}
		d->deleted = PQgetvalue(res, r, 8)[0] == 't';
		d->updated = parse_i64(PQgetvalue(res, r, 9));

		/* Keep what was stored: a row whose state ends unchanged is
		 * not written (and keeps its "updated" time). */
		struct dom *o = fa_arena_alloc(st->arena, sizeof(*o));
		if (o == NULL) {
			return FA_ENOMEM;
		}
		*o = *d;
		if (set_copy(st, &o->ns, &d->ns) != FA_OK ||
		    set_copy(st, &o->statuses, &d->statuses) != FA_OK ||
		    set_copy(st, &o->ds, &d->ds) != FA_OK ||
		    set_copy(st, &o->ttls, &d->ttls) != FA_OK) {
			return FA_ENOMEM;
		}
		d->orig = o;
	}
	return FA_OK;
}

static int load_host_rows(struct state *st, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++) {
		struct host *h = get_host(st, PQgetvalue(res, r, 0));
		if (h == NULL) {
			return FA_ENOMEM;
		}
		h->present = h->in_db = true;
		h->registrar = PQgetisnull(res, r, 1) ? NULL : dup(st, PQgetvalue(res, r, 1));
		int rc = set_from_literal(st, &h->addrs, PQgetvalue(res, r, 2));
		if (rc == FA_OK) {
			rc = set_from_literal(st, &h->statuses, PQgetvalue(res, r, 3));
		}
		if (rc != FA_OK) {
			return rc;
		}
		h->superordinate = PQgetisnull(res, r, 4) ? NULL : dup(st, PQgetvalue(res, r, 4));
		h->deleted = PQgetvalue(res, r, 5)[0] == 't';
		h->updated = parse_i64(PQgetvalue(res, r, 6));

		/* Kept as loaded, as load_domain_rows does for domains. */
		struct host *o = fa_arena_alloc(st->arena, sizeof(*o));
		if (o == NULL) {
			return FA_ENOMEM;
		}
		*o = *h;
		if (set_copy(st, &o->addrs, &h->addrs) != FA_OK ||
		    set_copy(st, &o->statuses, &h->statuses) != FA_OK) {
			return FA_ENOMEM;
		}
		h->orig = o;
	}
	return FA_OK;
}

static int load_contact_rows(struct state *st, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++) {
		struct contact *c = get_contact(st, PQgetvalue(res, r, 0));
		if (c == NULL) {
			return FA_ENOMEM;
		}
		c->present = c->in_db = true;
		c->registrar = PQgetisnull(res, r, 1) ? NULL : dup(st, PQgetvalue(res, r, 1));
		c->data = fa_store_json_parse(st->arena, PQgetvalue(res, r, 2));
		c->deleted = PQgetvalue(res, r, 3)[0] == 't';
		c->updated = parse_i64(PQgetvalue(res, r, 4));
	}
	return FA_OK;
}

/* The rows of the given names (query_names), handed to take_rows. */
static int load_names(struct state *st, const char *sql, const struct fa_store_map *names,
		      const char *what, int (*take_rows)(struct state *st, const PGresult *res))
{
	PGresult *res = NULL;
	int rc = query_names(st, sql, names, what, &res);
	if (rc != FA_OK) {
		return rc;
	}
	rc = take_rows(st, res);
	PQclear(res);
	return rc;
}

static bool dom_changed(const struct dom *d)
{
	const struct dom *o = d->orig;
	return o == NULL || !str_eq(o->registrar, d->registrar) ||
	       !str_eq(o->registrant, d->registrant) ||
	       o->has_created != d->has_created ||
	       (d->has_created && o->created != d->created) ||
	       o->deleted != d->deleted || !set_eq(&o->ns, &d->ns) ||
	       !set_eq(&o->statuses, &d->statuses) || !set_eq(&o->ds, &d->ds) ||
	       !set_eq(&o->ttls, &d->ttls);
}

static bool host_changed(const struct host *h)
{
	const struct host *o = h->orig;
	return o == NULL || !str_eq(o->registrar, h->registrar) ||
	       !str_eq(o->superordinate, h->superordinate) ||
	       o->deleted != h->deleted || !set_eq(&o->addrs, &h->addrs) ||
	       !set_eq(&o->statuses, &h->statuses);
}

#define HOST_COLS "name, registrar, addrs, statuses, superordinate, deleted, " \
	"(extract(epoch FROM updated) * 1000000)::bigint"

/*
 * The hosts subordinate to the domains the batch transfers: a transfer
 * moves them with their domain (see move_subordinates()), and they need
 * not appear in the batch. One probe of hosts_superordinate per domain.
 */
static int load_subordinates(struct state *st, const struct fa_store_btxn *txns, size_t n)
{
	struct fa_store_map moved;
	fa_store_map_init(&moved, st->arena);

	for (size_t i = 0; i < n; i++) {
		const struct fa_store_btxn *t = &txns[i];
		if (!t->is_new || !fa_store_txn_applies(t)) {
			continue;
		}
		for (size_t j = 0; j < t->nevents; j++) {
			const struct fa_store_bevent *e = &t->events[j];
			if (e->kind == FA_EV_DOMAIN_TRANSFER_APPROVE && e->domain != NULL &&
			    fa_store_map_put(&moved, e->domain, (void *)e->domain) != FA_OK) {
				return FA_ENOMEM;
			}
		}
	}
	if (moved.len == 0) {
		return FA_OK;
	}
	return load_names(st, "SELECT " HOST_COLS " FROM hosts"
			  " WHERE superordinate = ANY($1::text[])",
			  &moved, "could not read \"hosts\"", load_host_rows);
}

static int load(struct state *st, const struct fa_store_btxn *txns, size_t n,
		bool *any_rename)
{
	struct fa_store_map dnames, hnames, cnames;
	fa_store_map_init(&dnames, st->arena);
	fa_store_map_init(&hnames, st->arena);
	fa_store_map_init(&cnames, st->arena);
	*any_rename = false;

	for (size_t i = 0; i < n; i++) {
		const struct fa_store_btxn *t = &txns[i];
		if (!t->is_new || !fa_store_txn_applies(t)) {
			continue;
		}
		for (size_t j = 0; j < t->nevents; j++) {
			const struct fa_store_bevent *e = &t->events[j];
			const char *hn[2] = { NULL, NULL };
			if (e->domain != NULL &&
			    fa_store_map_put(&dnames, e->domain, (void *)e->domain) != FA_OK) {
				return FA_ENOMEM;
			}
			if (e->kind >= FA_EV_HOST_CREATE && e->kind <= FA_EV_HOST_INFO) {
				hn[0] = e->host;
				if (e->kind == FA_EV_HOST_RENAME) {
					hn[1] = e->value;
					*any_rename = true;
				}
			}
			if (e->kind >= FA_EV_CONTACT_CREATE && e->kind <= FA_EV_CONTACT_DELETE &&
			    e->contact != NULL &&
			    fa_store_map_put(&cnames, e->contact, (void *)e->contact) != FA_OK) {
				return FA_ENOMEM;
			}
			for (int k = 0; k < 2; k++) {
				if (hn[k] == NULL) {
					continue;
				}
				if (fa_store_map_put(&hnames, hn[k], (void *)hn[k]) != FA_OK) {
					return FA_ENOMEM;
				}
				/* Every suffix may be the superordinate domain. */
				for (const char *p = hn[k]; p != NULL; p = strchr(p + 1, '.')) {
					const char *s = *p == '.' ? p + 1 : p;
					if (*s != '\0' &&
					    fa_store_map_put(&dnames, s, (void *)s) != FA_OK) {
						return FA_ENOMEM;
					}
				}
			}
		}
	}

	int rc = FA_OK;
	if (dnames.len > 0) {
		rc = load_names(st, "SELECT " DOMAIN_COLS
				" FROM unnest($1::text[]) AS k(want) "
				"JOIN domains ON name = want",
				&dnames, "could not read \"domains\"", load_domain_rows);
	}
	if (rc == FA_OK && hnames.len > 0) {
		rc = load_names(st, "SELECT " HOST_COLS " "
				"FROM unnest($1::text[]) AS k(want) "
				"JOIN hosts ON name = want",
				&hnames, "could not read \"hosts\"", load_host_rows);
	}
	if (rc == FA_OK && cnames.len > 0) {
		rc = load_names(st, "SELECT id, registrar, data::text, deleted, "
				"(extract(epoch FROM updated) * 1000000)::bigint "
				"FROM unnest($1::text[]) AS k(want) "
				"JOIN contacts ON id = want",
				&cnames, "could not read \"contacts\"", load_contact_rows);
	}
	if (rc == FA_OK) {
		rc = load_subordinates(st, txns, n);
	}
	if (rc != FA_OK) {
		return rc;
	}

	if (*any_rename) {
		/* Domains delegated to a renamed host follow the new name; they
		 * need not appear in the batch, so fetch them by their NS. */
		struct fa_store_map olds;
		fa_store_map_init(&olds, st->arena);
		for (size_t i = 0; i < n; i++) {
			const struct fa_store_btxn *t = &txns[i];
			if (!t->is_new || !fa_store_txn_applies(t)) {
				continue;
			}
			for (size_t j = 0; j < t->nevents; j++) {
				const struct fa_store_bevent *e = &t->events[j];
				if (e->kind == FA_EV_HOST_RENAME && e->host != NULL &&
				    fa_store_map_put(&olds, e->host, (void *)e->host) != FA_OK) {
					return FA_ENOMEM;
				}
			}
		}
		rc = load_names(st, "SELECT " DOMAIN_COLS " FROM domains WHERE ns && $1::text[]",
				&olds, "could not read \"domains\"", load_domain_rows);
	}
	return rc;
}

/* ---- applying events ---- */

static void touch_dom(struct dom *d, const struct fa_store_btxn *t)
{
	if (!d->present) {
		/* First news of a domain stored nowhere yet: only its sponsor
		 * can change it, so the session's registrar is its registrar. */
		d->present = true;
		d->registrar = t->registrar;
	}
	d->dirty = true;
	d->updated = t->time_us;
}

static void touch_host(struct state *st, struct host *h,
		       const struct fa_store_btxn *t)
{
	if (!h->present) {
		h->present = true;
		h->registrar = t->registrar;
		h->superordinate = superordinate(st, h->name);
	}
	h->dirty = true;
	h->updated = t->time_us;
}

static const struct fa_store_json *member2(const struct fa_store_json *o,
					   const char *a, const char *b)
{
	const struct fa_store_json *v = fa_store_json_get(o, a);
	return v != NULL ? v : fa_store_json_get(o, b);
}

static const char *json_str(const struct fa_store_json *v)
{
	return v != NULL && v->type == FA_STORE_JSTR ? v->str : NULL;
}

static int dom_info(struct state *st, struct dom *d, const char *detail)
{
	const struct fa_store_json *o = fa_store_json_parse(st->arena, detail);
	if (o == NULL || o->type != FA_STORE_JOBJ) {
		return FA_OK;	/* nothing usable: the event itself is stored */
	}
	const char *s = json_str(member2(o, "clID", "registrar"));
	if (s != NULL) {
		d->registrar = s;
	}
	s = json_str(fa_store_json_get(o, "registrant"));
	if (s != NULL) {
		d->registrant = s;
	}
	s = json_str(member2(o, "crDate", "created"));
	int64_t us;
	if (s != NULL && fa_time_parse(s, strlen(s), &us) == FA_OK) {
		d->has_created = true;
		d->created = us;
	}
	const struct fa_store_json *a = fa_store_json_get(o, "ns");
	int rc = FA_OK;
	if (a != NULL) {
		rc = set_from_json(st, &d->ns, a, "name");
	}
	a = member2(o, "statuses", "status");
	if (rc == FA_OK && a != NULL) {
		rc = set_from_json(st, &d->statuses, a, "s");
	}
	a = fa_store_json_get(o, "ds");
	if (rc == FA_OK && a != NULL) {
		rc = set_from_json(st, &d->ds, a, "value");
	}
	a = member2(o, "ttls", "ttl");
	if (rc == FA_OK && a != NULL && a->type == FA_STORE_JOBJ) {
		set_clear(&d->ttls);
		for (size_t i = 0; rc == FA_OK && i < a->n; i++) {
			if (a->items[i]->type != FA_STORE_JNUM) {
				continue;
			}
			size_t len = strlen(a->keys[i]) + strlen(a->items[i]->str) + 2;
			char *item = fa_arena_alloc(st->arena, len);
			if (item == NULL) {
				return FA_ENOMEM;
			}
			snprintf(item, len, "%s %s", a->keys[i], a->items[i]->str);
			rc = ttl_set(st, &d->ttls, item);
		}
	}
	d->deleted = false;
	return rc;
}

static int host_info(struct state *st, struct host *h, const char *detail)
{
	const struct fa_store_json *o = fa_store_json_parse(st->arena, detail);
	if (o == NULL || o->type != FA_STORE_JOBJ) {
		return FA_OK;
	}
	const char *s = json_str(member2(o, "clID", "registrar"));
	if (s != NULL) {
		h->registrar = s;
	}
	const struct fa_store_json *a = member2(o, "addrs", "addr");
	int rc = FA_OK;
	if (a != NULL) {
		rc = set_from_json(st, &h->addrs, a, "addr");
	}
	a = member2(o, "statuses", "status");
	if (rc == FA_OK && a != NULL) {
		rc = set_from_json(st, &h->statuses, a, "s");
	}
	h->deleted = false;
	return rc;
}

/*
 * EPP has no host transfer: the registry moves the hosts subordinate to
 * a domain with the domain (RFC 5731, the <transfer> command), so the
 * gaining registrar sponsors them from now on. load_subordinates() read
 * the stored ones; hosts made in this batch are in the map already.
 */
static void move_subordinates(struct state *st, const struct fa_store_btxn *t,
			      const struct dom *d)
{
	for (size_t i = 0; i < st->hosts.cap; i++) {
		struct host *h = st->hosts.keys[i] != NULL ? st->hosts.vals[i] : NULL;
		if (h == NULL || !h->present || h->deleted || h->superordinate == NULL ||
		    strcmp(h->superordinate, d->name) != 0) {
			continue;
		}
		h->registrar = d->registrar;
		h->dirty = true;
		h->updated = t->time_us;
	}
}

static int apply_domain(struct state *st, const struct fa_store_btxn *t,
			const struct fa_store_bevent *e)
{
	struct dom *d = get_dom(st, e->domain);
	if (d == NULL) {
		return FA_ENOMEM;
	}
	touch_dom(d, t);
	/* Whatever succeeded on it, the domain exists: a row marked deleted
	 * was re-created by the registry without the log showing the create
	 * (a delete below marks it again). */
	d->deleted = false;

	switch (e->kind) {
	case FA_EV_DOMAIN_CREATE: {
		const struct fa_store_json *o = fa_store_json_parse(st->arena, e->detail);
		const char *cr = json_str(member2(o, "created", "crDate"));
		int64_t us = t->time_us;
		if (cr != NULL && fa_time_parse(cr, strlen(cr), &us) != FA_OK) {
			us = t->time_us;
		}
		d->registrar = t->registrar;
		d->registrant = e->contact;
		d->has_created = true;
		d->created = us;
		set_clear(&d->ns);
		set_clear(&d->statuses);
		set_clear(&d->ds);
		set_clear(&d->ttls);
		d->deleted = false;
		return FA_OK;
	}
	case FA_EV_DOMAIN_DELETE:
		d->deleted = true;
		return FA_OK;
	case FA_EV_DOMAIN_NS_ADD:
		return e->host != NULL ? set_add(st, &d->ns, e->host) : FA_OK;
	case FA_EV_DOMAIN_NS_REM:
		if (e->host != NULL) {
			set_del(&d->ns, e->host);
		}
		return FA_OK;
	case FA_EV_DOMAIN_STATUS_ADD:
		return e->value != NULL ? set_add(st, &d->statuses, e->value) : FA_OK;
	case FA_EV_DOMAIN_STATUS_REM:
		if (e->value != NULL) {
			set_del(&d->statuses, e->value);
		}
		return FA_OK;
	case FA_EV_DOMAIN_REGISTRANT_CHANGE:
		/* An empty <registrant/> removes the registrant. */
		d->registrant = e->contact;
		return FA_OK;
	case FA_EV_DOMAIN_DS_ADD:
		return e->value != NULL ? set_add(st, &d->ds, e->value) : FA_OK;
	case FA_EV_DOMAIN_DS_REM:
		if (e->value != NULL && strcmp(e->value, "*") == 0) {
			set_clear(&d->ds);
		} else if (e->value != NULL) {
			set_del(&d->ds, e->value);
		}
		return FA_OK;
	case FA_EV_DOMAIN_TTL_SET:
		return e->value != NULL ? ttl_set(st, &d->ttls, e->value) : FA_OK;
	case FA_EV_DOMAIN_TRANSFER_APPROVE:
		if (e->value != NULL) {
			d->registrar = e->value;
			move_subordinates(st, t, d);
		}
		return FA_OK;
	case FA_EV_DOMAIN_INFO:
		return dom_info(st, d, e->detail);
	default:
		return FA_OK;	/* stored as an event, no state of its own */
	}
}

static int rename_host(struct state *st, const struct fa_store_btxn *t,
		       struct host *h, const char *to)
{
	struct host *nh = get_host(st, to);
	if (nh == NULL) {
		return FA_ENOMEM;
	}
	nh->present = true;
	nh->dirty = true;
	nh->registrar = h->registrar;
	nh->addrs = h->addrs;
	nh->statuses = h->statuses;
	nh->deleted = h->deleted;
	nh->updated = t->time_us;
	nh->superordinate = superordinate(st, nh->name);
	h->present = false;
	memset(&h->addrs, 0, sizeof(h->addrs));
	memset(&h->statuses, 0, sizeof(h->statuses));

	for (size_t i = 0; i < st->domains.cap; i++) {
		struct dom *d = st->domains.keys[i] != NULL ? st->domains.vals[i] : NULL;
		bool found = false;
		if (d == NULL || !d->present) {
			continue;
		}
		set_find(&d->ns, h->name, &found);
		if (found) {
			set_del(&d->ns, h->name);
			if (set_add(st, &d->ns, nh->name) != FA_OK) {
				return FA_ENOMEM;
			}
			d->dirty = true;
			d->updated = t->time_us;
		}
	}
	return FA_OK;
}

static int apply_host(struct state *st, const struct fa_store_btxn *t,
		      const struct fa_store_bevent *e)
{
	struct host *h = get_host(st, e->host);
	if (h == NULL) {
		return FA_ENOMEM;
	}
	touch_host(st, h, t);
	h->deleted = false;	/* re-created unseen, as for domains */

	switch (e->kind) {
	case FA_EV_HOST_CREATE:
		h->registrar = t->registrar;
		set_clear(&h->addrs);
		set_clear(&h->statuses);
		h->deleted = false;
		h->superordinate = superordinate(st, h->name);
		return FA_OK;
	case FA_EV_HOST_ADDR_ADD:
		return e->value != NULL ? set_add(st, &h->addrs, e->value) : FA_OK;
	case FA_EV_HOST_ADDR_REM:
		if (e->value != NULL) {
			set_del(&h->addrs, e->value);
		}
		return FA_OK;
	case FA_EV_HOST_STATUS_ADD:
		return e->value != NULL ? set_add(st, &h->statuses, e->value) : FA_OK;
	case FA_EV_HOST_STATUS_REM:
		if (e->value != NULL) {
			set_del(&h->statuses, e->value);
		}
		return FA_OK;
	case FA_EV_HOST_RENAME:
		if (e->value == NULL || strcmp(e->value, h->name) == 0) {
			return FA_OK;
		}
		return rename_host(st, t, h, e->value);
	case FA_EV_HOST_DELETE:
		h->deleted = true;
		return FA_OK;
	case FA_EV_HOST_INFO:
		return host_info(st, h, e->detail);
	default:
		return FA_OK;
	}
}

/* Top-level members of patch replace those of *data. */
static int merge_json(struct state *st, struct fa_store_json **data,
		      struct fa_store_json *patch)
{
	if (patch == NULL || patch->type != FA_STORE_JOBJ) {
		return FA_OK;
	}
	struct fa_store_json *d = *data;
	if (d == NULL || d->type != FA_STORE_JOBJ) {
		*data = patch;
		return FA_OK;
	}
	size_t cap = d->n + patch->n;
	struct fa_store_json *m = fa_arena_alloc(st->arena, sizeof(*m));
	const char **keys = fa_arena_alloc(st->arena, (cap + 1) * sizeof(*keys));
	struct fa_store_json **items = fa_arena_alloc(st->arena, (cap + 1) * sizeof(*items));
	if (m == NULL || keys == NULL || items == NULL) {
		return FA_ENOMEM;
	}
	memset(m, 0, sizeof(*m));
	m->type = FA_STORE_JOBJ;
	m->keys = keys;
	m->items = items;
	for (size_t i = 0; i < d->n; i++) {
		if (fa_store_json_get(patch, d->keys[i]) == NULL) {
			keys[m->n] = d->keys[i];
			items[m->n++] = d->items[i];
		}
	}
	for (size_t i = 0; i < patch->n; i++) {
		keys[m->n] = patch->keys[i];
		items[m->n++] = patch->items[i];
	}
	*data = m;
	return FA_OK;
}

static int apply_contact(struct state *st, const struct fa_store_btxn *t,
			 const struct fa_store_bevent *e)
{
	struct contact *c = get_contact(st, e->contact);
	if (c == NULL) {
		return FA_ENOMEM;
	}
	if (!c->present) {
		c->present = true;
		c->registrar = t->registrar;
	}
	c->dirty = true;
	c->updated = t->time_us;
	c->deleted = false;	/* re-created unseen, as for domains */

	struct fa_store_json *patch = fa_store_json_parse(st->arena, e->detail);
	switch (e->kind) {
	case FA_EV_CONTACT_CREATE:
		c->registrar = t->registrar;
		c->data = patch != NULL && patch->type == FA_STORE_JOBJ ? patch : NULL;
		c->deleted = false;
		return FA_OK;
	case FA_EV_CONTACT_UPDATE:
		return merge_json(st, &c->data, patch);
	case FA_EV_CONTACT_DELETE:
		c->deleted = true;
		return FA_OK;
	default:
		return FA_OK;
	}
}

static int apply_all(struct state *st, const struct fa_store_btxn *txns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fa_store_btxn *t = &txns[i];
		if (!t->is_new || !fa_store_txn_applies(t)) {
			continue;
		}
		for (size_t j = 0; j < t->nevents; j++) {
			const struct fa_store_bevent *e = &t->events[j];
			int rc = FA_OK;
			if (e->kind >= FA_EV_DOMAIN_CREATE && e->kind <= FA_EV_DOMAIN_INFO &&
			    e->domain != NULL) {
				rc = apply_domain(st, t, e);
			} else if (e->kind >= FA_EV_HOST_CREATE && e->kind <= FA_EV_HOST_INFO &&
				   e->host != NULL) {
				rc = apply_host(st, t, e);
			} else if (e->kind >= FA_EV_CONTACT_CREATE &&
				   e->kind <= FA_EV_CONTACT_DELETE && e->contact != NULL) {
				rc = apply_contact(st, t, e);
			}
			if (rc != FA_OK) {
				return rc;
			}
		}
	}
	return FA_OK;
}

/* ---- writing back ---- */

static int put_time(struct fa_store_buf *b, bool has, int64_t us, char sep)
{
	char tb[FA_TIME_BUFSZ];
	return fa_store_copy_field(b, has ? fa_time_format(us, tb, sizeof(tb)) : NULL, sep);
}

static int put_set(struct fa_store_buf *b, struct fa_store_buf *tmp,
		   const struct set *s)
{
	tmp->len = 0;
	if (fa_store_array_write(tmp, s->v, s->n) != FA_OK) {
		return FA_ENOMEM;
	}
	return fa_store_copy_field(b, tmp->data, '\t');
}

static int put_ttls(struct fa_store_buf *b, struct fa_store_buf *tmp,
		    const struct set *s)
{
	tmp->len = 0;
	int rc = fa_store_buf_puts(tmp, "{");
	for (size_t i = 0; rc == FA_OK && i < s->n; i++) {
		const char *sp = strchr(s->v[i], ' ');
		rc = fa_store_buf_printf(tmp, "%s\"%.*s\":%s", i > 0 ? "," : "",
					 (int)(sp - s->v[i]), s->v[i], sp + 1);
	}
	if (rc == FA_OK) {
		rc = fa_store_buf_puts(tmp, "}");
	}
	return rc == FA_OK ? fa_store_copy_field(b, tmp->data, '\t') : rc;
}

/*
 * Rows stored nowhere yet go to fresh (copied straight into the table),
 * changed stored rows to b (staged, then one UPDATE): an upsert of every
 * row would probe and stage the new ones for nothing.
 */
static int stage_domains(struct state *st, struct fa_store_buf *fresh,
			 struct fa_store_buf *old, struct fa_store_buf *tmp,
			 size_t *nfresh, size_t *nold)
{
	int rc = FA_OK;
	for (size_t i = 0; rc == FA_OK && i < st->domains.cap; i++) {
		const struct dom *d = st->domains.keys[i] != NULL ? st->domains.vals[i] : NULL;
		if (d == NULL || !d->dirty || !d->present || !dom_changed(d)) {
			continue;
		}
		struct fa_store_buf *b = d->orig != NULL ? old : fresh;
		(*(d->orig != NULL ? nold : nfresh))++;
		rc = fa_store_copy_field(b, d->name, '\t');
		rc = rc ? rc : fa_store_copy_field(b, d->registrar, '\t');
		rc = rc ? rc : fa_store_copy_field(b, d->registrant, '\t');
		rc = rc ? rc : put_time(b, d->has_created, d->created, '\t');
		rc = rc ? rc : put_set(b, tmp, &d->ns);
		rc = rc ? rc : put_set(b, tmp, &d->statuses);
		rc = rc ? rc : put_set(b, tmp, &d->ds);
		rc = rc ? rc : put_ttls(b, tmp, &d->ttls);
		rc = rc ? rc : fa_store_copy_field(b, d->deleted ? "t" : "f", '\t');
		rc = rc ? rc : put_time(b, true, d->updated, '\n');
	}
	return rc;
}

static int stage_hosts(struct state *st, struct fa_store_buf *fresh,
		       struct fa_store_buf *old, struct fa_store_buf *tmp,
		       struct fa_store_buf *gone, size_t *nfresh, size_t *nold,
		       size_t *ngone)
{
	int rc = FA_OK;
	for (size_t i = 0; rc == FA_OK && i < st->hosts.cap; i++) {
		const struct host *h = st->hosts.keys[i] != NULL ? st->hosts.vals[i] : NULL;
		if (h == NULL || !h->dirty) {
			continue;
		}
		if (!h->present) {
			if (h->in_db) {
				/* Renamed away: one text[] literal of such names. */
				const char *one[1] = { h->name };
				tmp->len = 0;
				rc = fa_store_array_write(tmp, one, 1);
				if (rc == FA_OK) {
					tmp->data[tmp->len - 1] = '\0';
					rc = fa_store_buf_printf(gone, "%s%s",
								 *ngone ? "," : "{",
								 tmp->data + 1);
				}
				(*ngone)++;
			}
			continue;
		}
		if (!host_changed(h)) {
			continue;
		}
		struct fa_store_buf *b = h->in_db ? old : fresh;
		(*(h->in_db ? nold : nfresh))++;
		rc = fa_store_copy_field(b, h->name, '\t');
		rc = rc ? rc : fa_store_copy_field(b, h->registrar, '\t');
		rc = rc ? rc : put_set(b, tmp, &h->addrs);
		rc = rc ? rc : put_set(b, tmp, &h->statuses);
		rc = rc ? rc : fa_store_copy_field(b, h->superordinate, '\t');
		rc = rc ? rc : fa_store_copy_field(b, h->deleted ? "t" : "f", '\t');
		rc = rc ? rc : put_time(b, true, h->updated, '\n');
	}
	if (rc == FA_OK && *ngone > 0) {
		rc = fa_store_buf_puts(gone, "}");
	}
	return rc;
}

static int stage_contacts(struct state *st, struct fa_store_buf *fresh,
			  struct fa_store_buf *old, struct fa_store_buf *tmp,
			  size_t *nfresh, size_t *nold)
{
	int rc = FA_OK;
	for (size_t i = 0; rc == FA_OK && i < st->contacts.cap; i++) {
		const struct contact *c =
			st->contacts.keys[i] != NULL ? st->contacts.vals[i] : NULL;
		if (c == NULL || !c->dirty || !c->present) {
			continue;
		}
		struct fa_store_buf *b = c->in_db ? old : fresh;
		(*(c->in_db ? nold : nfresh))++;
		tmp->len = 0;
		if (c->data != NULL) {
			rc = fa_store_json_write(tmp, c->data);
		} else {
			rc = fa_store_buf_puts(tmp, "{}");
		}
		rc = rc ? rc : fa_store_copy_field(b, c->id, '\t');
		rc = rc ? rc : fa_store_copy_field(b, c->registrar, '\t');
		rc = rc ? rc : fa_store_copy_field(b, tmp->data, '\t');
		rc = rc ? rc : fa_store_copy_field(b, c->deleted ? "t" : "f", '\t');
		rc = rc ? rc : put_time(b, true, c->updated, '\n');
	}
	return rc;
}

static int run(struct state *st, const char *sql, const char *what)
{
	PGresult *res = PQexec(st->store->conn, sql);
	int rc = fa_store_check(res, PGRES_COMMAND_OK, st->store->conn, what,
				st->err, st->errlen);
	if (rc == FA_OK) {
		PQclear(res);
	}
	return rc;
}

/* COPY the new rows of a table, then the changed stored rows into its
 * staging table and UPDATE from there. */
static int write_table(struct state *st, const char *copy_sql,
		       struct fa_store_buf *fresh, size_t nfresh,
		       const char *stage_sql, const char *update_sql,
		       struct fa_store_buf *old, size_t nold, const char *what)
{
	int rc = FA_OK;
	if (nfresh > 0) {
		rc = fa_store_copy_in(st->store, copy_sql, fresh, NULL, st->err,
				      st->errlen);
	}
	if (rc == FA_OK && nold > 0) {
		rc = fa_store_copy_in(st->store, stage_sql, old, NULL, st->err,
				      st->errlen);
		rc = rc ? rc : run(st, update_sql, what);
	}
	return rc;
}

static int write_back(struct state *st, struct fa_store_buf *b)
{
	struct fa_store_buf tmp = { 0 };
	struct fa_store_buf gone = { 0 };
	struct fa_store_buf old = { 0 };
	size_t nfresh = 0;
	size_t nold = 0;
	size_t ngone = 0;
	int rc;

	b->len = 0;
	rc = stage_domains(st, b, &old, &tmp, &nfresh, &nold);
	rc = rc ? rc : write_table(st,
		"COPY domains (name, registrar, registrant, created, ns, statuses, ds, "
		"ttls, deleted, updated) FROM STDIN", b, nfresh,
		"COPY stage_domains FROM STDIN",
		"UPDATE domains AS d SET registrar = s.registrar, "
		"registrant = s.registrant, created = s.created, ns = s.ns, "
		"statuses = s.statuses, ds = s.ds, ttls = s.ttls, deleted = s.deleted, "
		"updated = s.updated FROM stage_domains AS s WHERE d.name = s.name",
		&old, nold, "could not write \"domains\"");

	b->len = 0;
	old.len = 0;
	nfresh = nold = 0;
	rc = rc ? rc : stage_hosts(st, b, &old, &tmp, &gone, &nfresh, &nold, &ngone);
	if (rc == FA_OK && ngone > 0) {
		const char *params[1] = { gone.data };
		PGresult *res = PQexecParams(st->store->conn,
					     "DELETE FROM hosts WHERE name = ANY($1::text[])",
					     1, NULL, params, NULL, NULL, 0);
		rc = fa_store_check(res, PGRES_COMMAND_OK, st->store->conn,
				    "could not move renamed hosts", st->err, st->errlen);
		if (rc == FA_OK) {
			PQclear(res);
		}
	}
	rc = rc ? rc : write_table(st,
		"COPY hosts (name, registrar, addrs, statuses, superordinate, deleted, "
		"updated) FROM STDIN", b, nfresh,
		"COPY stage_hosts FROM STDIN",
		"UPDATE hosts AS h SET registrar = s.registrar, addrs = s.addrs, "
		"statuses = s.statuses, superordinate = s.superordinate, "
		"deleted = s.deleted, updated = s.updated "
		"FROM stage_hosts AS s WHERE h.name = s.name",
		&old, nold, "could not write \"hosts\"");

	b->len = 0;
	old.len = 0;
	nfresh = nold = 0;
	rc = rc ? rc : stage_contacts(st, b, &old, &tmp, &nfresh, &nold);
	rc = rc ? rc : write_table(st,
		"COPY contacts (id, registrar, data, deleted, updated) FROM STDIN",
		b, nfresh, "COPY stage_contacts FROM STDIN",
		"UPDATE contacts AS c SET registrar = s.registrar, data = s.data, "
		"deleted = s.deleted, updated = s.updated "
		"FROM stage_contacts AS s WHERE c.id = s.id",
		&old, nold, "could not write \"contacts\"");
	if (rc == FA_ENOMEM) {
		snprintf(st->err, st->errlen, "out of memory");
	}
	fa_store_buf_free(&tmp);
	fa_store_buf_free(&gone);
	fa_store_buf_free(&old);
	return rc;
}

int fa_store_state_apply(struct fa_store *store, struct fa_arena *arena,
			 const struct fa_store_btxn *txns, size_t n,
			 struct fa_store_buf *buf, char *err, size_t errlen)
{
	struct state st = {
		.store = store, .arena = arena, .err = err, .errlen = errlen,
	};
	fa_store_map_init(&st.domains, arena);
	fa_store_map_init(&st.hosts, arena);
	fa_store_map_init(&st.contacts, arena);

	bool any_rename;
	int rc = load(&st, txns, n, &any_rename);
	if (rc == FA_OK) {
		rc = apply_all(&st, txns, n);
	}
	if (rc == FA_OK) {
		rc = write_back(&st, buf);
	}
	if (rc == FA_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}
