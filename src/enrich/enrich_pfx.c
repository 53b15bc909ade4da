/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prefix tables: routeviews pfx2as tables and consumer/dynamic prefix
 * lists, parsed line by line and flattened into sorted ranges for
 * longest-prefix match by binary search.
 *
 * Prefixes of a family are either nested or disjoint, so after sorting
 * them by start and then length, one sweep with a stack of the enclosing
 * prefixes cuts the address space into ranges that each belong to exactly
 * one most specific prefix (or to none: a gap). N prefixes give at most
 * 2N + 1 ranges; a range costs 12 bytes (IPv4) or 24 bytes (IPv6). An
 * index by the top 16 bits of the address (256 KiB per family) narrows
 * the binary search to one bucket, which keeps lookups to a few cache
 * misses in a table of millions of ranges.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/enrich_int.h"

#define MAX_FIELDS 4
#define INDEX_SIZE 65537
#define MAX_LABELS 4096
#define MAX_LABEL 63

static u128 bytes_to_u128(const uint8_t *b, int nbytes)
{
	u128 v = 0;
	for (int i = 0; i < nbytes; i++) {
		v = (v << 8) | b[i];
	}
	return v;
}

static u128 host_mask(unsigned len, unsigned bits)
{
	if (len >= bits) {
		return 0;
	}
	unsigned host = bits - len;
	return host == 128 ? ~(u128)0 : (((u128)1 << host) - 1);
}

size_t fa_enrich_fields(const char *s, size_t n, const char **f, size_t *fl, size_t max)
{
	size_t nf = 0, i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		}
		if (i == n || s[i] == '#') {
			break;
		}
		size_t b = i;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			i++;
		}
		if (nf == max) {
			return max + 1;
		}
		f[nf] = s + b;
		fl[nf] = i - b;
		nf++;
	}
	return nf;
}

/* A decimal number without sign or leading zeros, at most max. */
static bool number(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0')) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* Parse an address into a start value; *v6 tells the family. */
static bool address(const char *s, size_t n, u128 *start, bool *v6)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	uint8_t b[16];
	if (n == 0 || n >= sizeof(tmp)) {
		return false;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*v6 = memchr(s, ':', n) != NULL;
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, tmp, b) != 1) {
		return false;
	}
	*start = bytes_to_u128(b, *v6 ? 16 : 4);
	return true;
}

/* Check a prefix; on failure why says what is wrong. */
static bool prefix(const char *a, size_t an, const char *l, size_t ln, struct pfx_in *p,
		   char *why, size_t whylen)
{
	bool v6;
	uint64_t len;
	if (!address(a, an, &p->start, &v6)) {
		snprintf(why, whylen, "\"%.*s\" is not an IPv4 or IPv6 address", (int)an, a);
		return false;
	}
	unsigned bits = v6 ? 128 : 32;
	if (!number(l, ln, bits, &len)) {
		snprintf(why, whylen, "prefix length \"%.*s\" is not a number from 0 to %u",
			 (int)ln, l, bits);
		return false;
	}
	if ((p->start & host_mask((unsigned)len, bits)) != 0) {
		snprintf(why, whylen, "%.*s/%u has bits set after the prefix length", (int)an,
			 a, (unsigned)len);
		return false;
	}
	p->len = (uint8_t)len;
	p->v6 = v6;
	return true;
}

/* The origin AS of "A", "A_B" (multi-origin) or "A,B" (AS set): the
 * first; every part must be an AS number. */
static bool origin_as(const char *s, size_t n, uint32_t *as, char *why, size_t whylen)
{
	size_t i = 0;
	bool first = true;
	while (i <= n) {
		size_t b = i;
		while (i < n && s[i] != '_' && s[i] != ',') {
			i++;
		}
		uint64_t v;
		if (!number(s + b, i - b, UINT32_MAX, &v)) {
			snprintf(why, whylen, "AS \"%.*s\" is not a number from 1 to 4294967295",
				 (int)(i - b), s + b);
			return false;
		}
		if (v == 0) {
			snprintf(why, whylen, "AS 0 is reserved (RFC 7607) and cannot originate "
				 "a prefix");
			return false;
		}
		if (first) {
			*as = (uint32_t)v;
			first = false;
		}
		i++;
	}
	return true;
}

static int push(struct pfx_tab *t, const struct pfx_in *p)
{
	if (fa_enrich_grow((void **)&t->in, &t->capin, t->nin + 1, sizeof(*t->in)) != FA_OK) {
		return FA_ENOMEM;
	}
	t->in[t->nin++] = *p;
	return FA_OK;
}

static int label_index(struct fa_enrich *e, const char *s, size_t n, uint32_t *val)
{
	for (size_t i = 0; i < e->nlabels; i++) {
		if (strlen(e->labels[i]) == n && memcmp(e->labels[i], s, n) == 0) {
			*val = (uint32_t)i + 1;
			return FA_OK;
		}
	}
	if (e->nlabels >= MAX_LABELS) {
		return FA_ELIMIT;
	}
	if (fa_enrich_grow((void **)&e->labels, &e->caplabels, e->nlabels + 1,
			   sizeof(*e->labels)) != FA_OK) {
		return FA_ENOMEM;
	}
	const char *copy = fa_arena_strndup(e->arena, s, n);
	if (copy == NULL) {
		return FA_ENOMEM;
	}
	e->labels[e->nlabels++] = copy;
	*val = (uint32_t)e->nlabels;
	return FA_OK;
}

static bool valid_label(const char *s, size_t n)
{
	if (n == 0 || n > MAX_LABEL) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.')) {
			return false;
		}
	}
	return true;
}

/*
 * One line into p. Returns FA_OK (p filled, or *skip for blank and
 * comment lines), FA_EPARSE with why, or FA_ENOMEM / FA_ELIMIT.
 */
static int parse_line(struct fa_enrich *e, bool consumer, const char *s, size_t n,
		      struct pfx_in *p, bool *skip, char *why, size_t whylen)
{
	const char *f[MAX_FIELDS + 1];
	size_t fl[MAX_FIELDS + 1];

	*skip = false;
	size_t nf = fa_enrich_fields(s, n, f, fl, MAX_FIELDS);
	if (nf == 0) {
		*skip = true;
		return FA_OK;
	}
	if (!consumer) {
		if (nf != 3) {
			snprintf(why, whylen, "expected 3 fields (prefix, length, AS), found %s%zu",
				 nf > MAX_FIELDS ? "more than " : "",
				 nf > MAX_FIELDS ? nf - 1 : nf);
			return FA_EPARSE;
		}
		if (!prefix(f[0], fl[0], f[1], fl[1], p, why, whylen) ||
		    !origin_as(f[2], fl[2], &p->val, why, whylen)) {
			return FA_EPARSE;
		}
		return FA_OK;
	}

	if (nf > 2) {
		snprintf(why, whylen, "expected a prefix and an optional label, found more");
		return FA_EPARSE;
	}
	const char *slash = memchr(f[0], '/', fl[0]);
	if (slash == NULL) {
		snprintf(why, whylen, "\"%.*s\" is not in CIDR form (ADDRESS/LENGTH)",
			 (int)fl[0], f[0]);
		return FA_EPARSE;
	}
	size_t an = (size_t)(slash - f[0]);
	if (!prefix(f[0], an, slash + 1, fl[0] - an - 1, p, why, whylen)) {
		return FA_EPARSE;
	}
	p->val = 0;
	if (nf == 2) {
		if (!valid_label(f[1], fl[1])) {
			snprintf(why, whylen, "label \"%.*s\" must have 1 to %d letters, digits, "
				 "'-', '_' or '.'", (int)(fl[1] > 80 ? 80 : fl[1]), f[1],
				 MAX_LABEL);
			return FA_EPARSE;
		}
		int rc = label_index(e, f[1], fl[1], &p->val);
		if (rc == FA_ELIMIT) {
			snprintf(why, whylen, "more than %d distinct labels", MAX_LABELS);
			return FA_EPARSE;
		}
		if (rc != FA_OK) {
			return rc;
		}
	}
	return FA_OK;
}

static int add_table(struct fa_enrich *e, bool consumer, const char *name, const char *buf,
		     size_t len, struct fa_enrich_diag *diag)
{
	struct pfx_tab *t = consumer ? &e->consumer : &e->pfx2as;
	struct lines l = { .buf = buf, .len = len };
	const char *s;
	size_t n, idx, errors = 0;
	bool too_long, nul;
	int rc;

	if (e->finished) {
		return FA_EINVAL;
	}
	rc = fa_enrich_add_source(e, consumer ? FA_ENRICH_KIND_PREFIXES : FA_ENRICH_KIND_PFX2AS,
				  name, &idx);
	if (rc != FA_OK) {
		return rc;
	}
	struct fa_enrich_source *src = &e->src[idx];
	size_t first = t->nin;
	while (fa_enrich_next_line(&l, &s, &n, &too_long, &nul)) {
		char why[256];
		struct pfx_in p = { .line = l.lineno, .src = (uint16_t)idx };
		bool skip;
		if (too_long || nul) {
			fa_enrich_diag_line(diag, &errors, "%s:%u: %s", name, l.lineno,
					    too_long ? "line is longer than 1024 bytes"
						     : "line holds a NUL byte");
			continue;
		}
		rc = parse_line(e, consumer, s, n, &p, &skip, why, sizeof(why));
		if (rc == FA_EPARSE) {
			fa_enrich_diag_line(diag, &errors, "%s:%u: %s", name, l.lineno, why);
			continue;
		}
		if (rc != FA_OK) {
			return rc;
		}
		if (skip) {
			continue;
		}
		if (push(t, &p) != FA_OK) {
			return FA_ENOMEM;
		}
		if (p.v6) {
			src->v6++;
		} else {
			src->v4++;
		}
		src->entries++;
	}
	if (errors > 0) {
		t->nin = first;
		fa_enrich_diag_refused(diag, name, errors);
		return FA_EPARSE;
	}
	return FA_OK;
}

int fa_enrich_add_pfx2as(struct fa_enrich *e, const char *name, const char *buf, size_t len,
			 struct fa_enrich_diag *diag)
{
	return add_table(e, false, name, buf, len, diag);
}

int fa_enrich_add_prefixes(struct fa_enrich *e, const char *name, const char *buf,
			   size_t len, struct fa_enrich_diag *diag)
{
	return add_table(e, true, name, buf, len, diag);
}

static int cmp_in(const void *a, const void *b)
{
	const struct pfx_in *x = a, *y = b;
	if (x->v6 != y->v6) {
		return x->v6 < y->v6 ? -1 : 1;
	}
	if (x->start != y->start) {
		return x->start < y->start ? -1 : 1;
	}
	if (x->len != y->len) {
		return x->len < y->len ? -1 : 1;
	}
	if (x->src != y->src) {
		return x->src < y->src ? -1 : 1;
	}
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Output of the sweep for one family. */
struct sweep {
	struct pfx_fam *f;
	size_t cap;
	bool v6;
	bool oom;
};

static void emit(struct sweep *sw, u128 start, const struct pfx_in *p)
{
	struct pfx_fam *f = sw->f;
	if (sw->oom) {
		return;
	}
	if (f->n == sw->cap) {
		sw->oom = true;
		return;
	}
	if (sw->v6) {
		f->start6[f->n] = start;
	} else {
		f->start4[f->n] = (uint32_t)start;
	}
	f->v[f->n].val = p != NULL ? p->val : 0;
	f->v[f->n].plen = p != NULL ? p->len : PFX_GAP;
	f->v[f->n].src = p != NULL ? p->src : 0;
	f->v[f->n].unused = 0;
	f->n++;
}

static int alloc_fam(struct pfx_fam *f, size_t cap, bool v6)
{
	memset(f, 0, sizeof(*f));
	if (v6) {
		f->start6 = malloc(cap * sizeof(*f->start6));
	} else {
		f->start4 = malloc(cap * sizeof(*f->start4));
	}
	f->v = malloc(cap * sizeof(*f->v));
	if ((v6 ? (void *)f->start6 : (void *)f->start4) == NULL || f->v == NULL) {
		return FA_ENOMEM;
	}
	return FA_OK;
}

static void free_fam(struct pfx_fam *f)
{
	free(f->index);
	free(f->start4);
	free(f->start6);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Flatten the sorted, de-duplicated prefixes in[0..n) of one family. */
static int flatten(struct pfx_fam *f, const struct pfx_in *in, size_t n, bool v6)
{
	unsigned bits = v6 ? 128 : 32;
	struct sweep sw = { .f = f, .cap = 2 * n + 1, .v6 = v6 };
	/* Nested prefixes differ in length: at most bits + 1 are open. */
	const struct pfx_in *stack[130];
	size_t sp = 0;
	u128 cursor = 0;
	bool full = false;	/* the cursor went past the last address */

	if (n == 0) {
		return FA_OK;
	}
	if (alloc_fam(f, sw.cap, v6) != FA_OK) {
		free_fam(f);
		return FA_ENOMEM;
	}
	for (size_t i = 0; i <= n; i++) {
		const struct pfx_in *p = i < n ? &in[i] : NULL;
		/* Close the enclosing prefixes that end before p. */
		while (sp > 0) {
			const struct pfx_in *top = stack[sp - 1];
			u128 end = top->start | host_mask(top->len, bits);
			if (p != NULL && end >= p->start) {
				break;
			}
			if (!full && cursor <= end) {
				emit(&sw, cursor, top);
				full = end == (v6 ? ~(u128)0 : (u128)UINT32_MAX);
				cursor = end + 1;
			}
			sp--;
		}
		if (p == NULL) {
			break;
		}
		if (!full && cursor < p->start) {
			emit(&sw, cursor, sp > 0 ? stack[sp - 1] : NULL);
		}
		stack[sp++] = p;
		cursor = p->start;
		full = false;
	}
	if (!full) {
		emit(&sw, cursor, NULL);
	}
	if (sw.oom) {
		/* 2N + 1 ranges always suffice; running out is a bug. */
		free_fam(f);
		return FA_ENOMEM;
	}

	f->index = malloc(INDEX_SIZE * sizeof(*f->index));
	if (f->index == NULL) {
		free_fam(f);
		return FA_ENOMEM;
	}
	size_t i = 0;
	for (uint32_t h = 0; h < INDEX_SIZE; h++) {
		while (i < f->n && (v6 ? (uint32_t)(f->start6[i] >> 112)
				       : f->start4[i] >> 16) < h) {
			i++;
		}
		f->index[h] = (uint32_t)i;
	}
	return FA_OK;
}

int fa_enrich_pfx_build(struct fa_enrich *e, struct pfx_tab *t, struct fa_enrich_diag *diag)
{
	size_t out = 0, n4 = 0;
	int errors = 0;

	if (t->nin > 1) {
		qsort(t->in, t->nin, sizeof(*t->in), cmp_in);
	}
	/* Exact duplicates: the first source wins; within one file a
	 * different value is a contradiction. */
	for (size_t i = 0; i < t->nin; i++) {
		struct pfx_in *p = &t->in[i];
		if (out > 0) {
			struct pfx_in *q = &t->in[out - 1];
			if (q->v6 == p->v6 && q->start == p->start && q->len == p->len) {
				if (q->src == p->src && q->val != p->val) {
					fa_enrich_diag_add(diag, "%s:%u: prefix is already listed "
							   "on line %u with another %s",
							   e->src[p->src].path, p->line, q->line,
							   e->src[p->src].kind ==
								   FA_ENRICH_KIND_PFX2AS
								   ? "AS" : "label");
					errors++;
				} else if (q->src != p->src) {
					e->src[p->src].shadowed++;
				}
				continue;
			}
		}
		t->in[out++] = *p;
		if (!p->v6) {
			n4++;
		}
	}
	t->nin = out;
	if (errors > 0) {
		return FA_EPARSE;
	}

	int rc = flatten(&t->f4, t->in, n4, false);
	if (rc == FA_OK && out > n4) {
		rc = flatten(&t->f6, t->in + n4, out - n4, true);
	}
	free(t->in);
	t->in = NULL;
	t->nin = t->capin = 0;
	t->bytes = t->f4.n * (sizeof(uint32_t) + sizeof(struct pfx_val)) +
		   t->f6.n * (sizeof(u128) + sizeof(struct pfx_val)) +
		   (t->f4.index != NULL ? INDEX_SIZE * sizeof(uint32_t) : 0) +
		   (t->f6.index != NULL ? INDEX_SIZE * sizeof(uint32_t) : 0);
	return rc;
}

void fa_enrich_pfx_free(struct pfx_tab *t)
{
	free(t->in);
	free_fam(&t->f4);
	free_fam(&t->f6);
	memset(t, 0, sizeof(*t));
}

bool fa_enrich_pfx_find(const struct pfx_tab *t, const struct fa_enrich_addr *a,
			uint32_t *val, unsigned *plen, uint16_t *src)
{
	const struct pfx_fam *f = a->family == 6 ? &t->f6 : &t->f4;

	if (f->n == 0) {
		return false;
	}
	/* The first range starting after the address, searched in the
	 * address's bucket; the one before it holds the address (range 0
	 * starts at 0, so there is one). */
	unsigned h = (unsigned)a->b[0] << 8 | a->b[1];
	size_t lo = f->index[h], hi = f->index[h + 1];
	if (a->family == 6) {
		u128 k = bytes_to_u128(a->b, 16);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (f->start6[mid] <= k) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
	} else {
		uint32_t k = (uint32_t)bytes_to_u128(a->b, 4);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (f->start4[mid] <= k) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
	}
	if (lo == 0 || f->v[lo - 1].plen == PFX_GAP) {
		return false;
	}
	*val = f->v[lo - 1].val;
	*plen = f->v[lo - 1].plen;
	*src = f->v[lo - 1].src;
	return true;
}
