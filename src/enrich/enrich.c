/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrichment set: construction, the lookups the rule engine calls,
 * and the helpers the other files of the module share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fa_file.h"
#include "enrich/enrich_int.h"

void fa_enrich_diag_clear(struct fa_enrich_diag *diag)
{
	if (diag == NULL) {
		return;
	}
	for (size_t i = 0; i < diag->count; i++) {
		free(diag->msgs[i]);
	}
	memset(diag, 0, sizeof(*diag));
}

static void diag_put(struct fa_enrich_diag *diag, size_t room, const char *fmt, va_list ap)
	FA_PRINTF(3, 0);

static void diag_put(struct fa_enrich_diag *diag, size_t room, const char *fmt, va_list ap)
{
	if (diag == NULL) {
		return;
	}
	if (diag->count >= room) {
		diag->dropped++;
		return;
	}
	char tmp[1024];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	char *copy = strdup(tmp);
	if (copy == NULL) {
		diag->dropped++;
		return;
	}
	diag->msgs[diag->count++] = copy;
}

void fa_enrich_diag_add(struct fa_enrich_diag *diag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* The last slot is kept for the line that says the load failed. */
	diag_put(diag, FA_ENRICH_MAX_DIAG - 1, fmt, ap);
	va_end(ap);
}

void fa_enrich_diag_last(struct fa_enrich_diag *diag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_put(diag, FA_ENRICH_MAX_DIAG, fmt, ap);
	va_end(ap);
}

void fa_enrich_diag_line(struct fa_enrich_diag *diag, size_t *errors, const char *fmt, ...)
{
	va_list ap;

	if (++*errors > FA_ENRICH_FILE_MSGS) {
		return;
	}
	va_start(ap, fmt);
	diag_put(diag, FA_ENRICH_MAX_DIAG - 1 - FA_ENRICH_REFUSAL_SLOTS, fmt, ap);
	va_end(ap);
}

void fa_enrich_diag_refused(struct fa_enrich_diag *diag, const char *name, size_t errors)
{
	char shown[64] = "";

	if (errors > FA_ENRICH_FILE_MSGS) {
		snprintf(shown, sizeof(shown), " (the first %d shown)", FA_ENRICH_FILE_MSGS);
	}
	fa_enrich_diag_add(diag, "%s: refused: %zu malformed line%s%s, nothing of this file "
			   "is used", name, errors, errors == 1 ? "" : "s", shown);
}

int fa_enrich_grow(void **p, size_t *cap, size_t want, size_t size)
{
	if (want <= *cap) {
		return FA_OK;
	}
	size_t ncap = *cap < 16 ? 16 : *cap;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2 / size) {
			return FA_ENOMEM;
		}
		ncap *= 2;
	}
	void *np = realloc(*p, ncap * size);
	if (np == NULL) {
		return FA_ENOMEM;
	}
	*p = np;
	*cap = ncap;
	return FA_OK;
}

int fa_enrich_add_source(struct fa_enrich *e, enum fa_enrich_kind kind,
			 const char *path, size_t *index)
{
	/* Prefix ranges keep their source in 16 bits. */
	if (e->nsrc >= UINT16_MAX) {
		return FA_ELIMIT;
	}
	if (fa_enrich_grow((void **)&e->src, &e->capsrc, e->nsrc + 1,
			   sizeof(*e->src)) != FA_OK) {
		return FA_ENOMEM;
	}
	struct fa_enrich_source *s = &e->src[e->nsrc];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->path = fa_arena_strndup(e->arena, path, strlen(path));
	if (s->path == NULL) {
		return FA_ENOMEM;
	}
	*index = e->nsrc++;
	return FA_OK;
}

int fa_enrich_read_file(const char *path, long max, char **buf, size_t *len,
			char *err, size_t errlen)
{
	struct stat st;
	char *b = NULL;
	int fd;
	FILE *f;

	*buf = NULL;
	*len = 0;
	int rc = fa_file_open_regular(path, &fd, &st, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		close(fd);
		return FA_EIO;
	}
	if (st.st_size > max) {
		snprintf(err, errlen, "could not read \"%s\": file is larger than %ld bytes",
			 path, max);
		rc = FA_ELIMIT;
		goto out;
	}
	/* One byte more than the size: a file that grew meanwhile is seen. */
	size_t want = (size_t)st.st_size + 1;
	b = malloc(want);
	if (b == NULL) {
		rc = FA_ENOMEM;
		goto out;
	}
	size_t got = fread(b, 1, want, f);
	if (ferror(f)) {
		snprintf(err, errlen, "could not read \"%s\": %s", path, strerror(errno));
		rc = FA_EIO;
		goto out;
	}
	if (got != (size_t)st.st_size) {
		snprintf(err, errlen, "could not read \"%s\": file changed while read", path);
		rc = FA_EIO;
		goto out;
	}
	*buf = b;
	*len = got;
	b = NULL;
out:
	free(b);
	fclose(f);
	return rc;
}

int fa_enrich_addr_parse(const char *text, struct fa_enrich_addr *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (strchr(text, ':') == NULL) {
		if (inet_pton(AF_INET, text, out->b) != 1) {
			return FA_EINVAL;
		}
		out->family = 4;
		return FA_OK;
	}
	if (inet_pton(AF_INET6, text, out->b) != 1) {
		return FA_EINVAL;
	}
	out->family = 6;
	if (memcmp(out->b, mapped, sizeof(mapped)) == 0) {
		memmove(out->b, out->b + 12, 4);
		memset(out->b + 4, 0, 12);
		out->family = 4;
	}
	return FA_OK;
}

struct fa_enrich *fa_enrich_new(void)
{
	struct fa_enrich *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return NULL;
	}
	e->arena = fa_arena_new();
	if (e->arena == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void fa_enrich_free(struct fa_enrich *e)
{
	if (e == NULL) {
		return;
	}
	for (size_t i = 0; i < e->nmmdb; i++) {
		fa_enrich_mmdb_close(e->mmdb[i]);
	}
	free(e->mmdb);
	fa_enrich_pfx_free(&e->pfx2as);
	fa_enrich_pfx_free(&e->consumer);
	fa_enrich_names_free(&e->suffixes);
	fa_enrich_names_free(&e->decl_names);
	fa_enrich_ptr_free(&e->ptr);
	free(e->labels);
	free(e->providers);
	free(e->asns);
	free(e->decls);
	free(e->regs);
	free(e->src);
	fa_arena_free(e->arena);
	free(e);
}

void fa_enrich_set_prefer(struct fa_enrich *e, enum fa_enrich_prefer prefer)
{
	e->prefer = prefer;
}

static int provider_index(struct fa_enrich *e, const char *provider, uint32_t *index)
{
	for (size_t i = 0; i < e->nproviders; i++) {
		if (strcmp(e->providers[i], provider) == 0) {
			*index = (uint32_t)i;
			return FA_OK;
		}
	}
	if (fa_enrich_grow((void **)&e->providers, &e->capproviders, e->nproviders + 1,
			   sizeof(*e->providers)) != FA_OK) {
		return FA_ENOMEM;
	}
	const char *copy = fa_arena_strndup(e->arena, provider, strlen(provider));
	if (copy == NULL) {
		return FA_ENOMEM;
	}
	e->providers[e->nproviders] = copy;
	*index = (uint32_t)e->nproviders++;
	return FA_OK;
}

static int allow_source(struct fa_enrich *e, const char *file, struct fa_enrich_source **s)
{
	if (e->allow_src == 0) {
		size_t idx;
		int rc = fa_enrich_add_source(e, FA_ENRICH_KIND_ALLOWLIST, file, &idx);
		if (rc != FA_OK) {
			return rc;
		}
		e->allow_src = idx + 1;
	}
	*s = &e->src[e->allow_src - 1];
	return FA_OK;
}

int fa_enrich_add_provider_suffix(struct fa_enrich *e, const char *provider,
				  const char *suffix, const char *source, const char *origin,
				  struct fa_enrich_diag *diag)
{
	char norm[FA_ENRICH_MAX_LINE], why[256];
	struct fa_enrich_source *s;
	uint32_t pidx, existing;

	if (e->finished) {
		return FA_EINVAL;
	}
	if (fa_enrich_name_norm(suffix, norm, sizeof(norm), why, sizeof(why)) != FA_OK) {
		fa_enrich_diag_add(diag, "%s: invalid NS suffix \"%s\": %s", origin, suffix, why);
		return FA_EPARSE;
	}
	if (strchr(norm, '.') == NULL) {
		fa_enrich_diag_add(diag, "%s: NS suffix \"%s\" has one label: it would allowlist "
				   "a whole top-level domain", origin, norm);
		return FA_EPARSE;
	}
	if (provider_index(e, provider, &pidx) != FA_OK ||
	    allow_source(e, source, &s) != FA_OK) {
		return FA_ENOMEM;
	}
	int rc = fa_enrich_names_add(e, &e->suffixes, norm, pidx, &existing);
	if (rc == FA_EINVAL) {
		if (existing == pidx) {
			s->shadowed++;
			return FA_OK;
		}
		fa_enrich_diag_add(diag, "%s: NS suffix \"%s\" is already listed for \"%s\"",
				   origin, norm, e->providers[existing]);
		return FA_EPARSE;
	}
	if (rc == FA_OK) {
		s->entries++;
	}
	return rc;
}

int fa_enrich_add_provider_asn(struct fa_enrich *e, const char *provider, uint32_t asn,
			       const char *source, const char *origin,
			       struct fa_enrich_diag *diag)
{
	struct fa_enrich_source *s;
	uint32_t pidx;

	if (e->finished) {
		return FA_EINVAL;
	}
	if (asn == 0) {
		fa_enrich_diag_add(diag, "%s: AS 0 is reserved (RFC 7607) and names no network",
				   origin);
		return FA_EPARSE;
	}
	if (provider_index(e, provider, &pidx) != FA_OK ||
	    allow_source(e, source, &s) != FA_OK) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < e->nasns; i++) {
		if (e->asns[i].asn != asn) {
			continue;
		}
		if (e->asns[i].provider == pidx) {
			s->shadowed++;
			return FA_OK;
		}
		fa_enrich_diag_add(diag, "%s: AS %u is already listed for \"%s\" (%s)", origin,
				   asn, e->providers[e->asns[i].provider], e->asns[i].origin);
		return FA_EPARSE;
	}
	if (fa_enrich_grow((void **)&e->asns, &e->capasns, e->nasns + 1,
			   sizeof(*e->asns)) != FA_OK) {
		return FA_ENOMEM;
	}
	const char *o = fa_arena_strndup(e->arena, origin, strlen(origin));
	if (o == NULL) {
		return FA_ENOMEM;
	}
	e->asns[e->nasns++] = (struct asn_ent){ asn, pidx, o };
	s->entries++;
	return FA_OK;
}

static int cmp_asn(const void *a, const void *b)
{
	uint32_t x = ((const struct asn_ent *)a)->asn;
	uint32_t y = ((const struct asn_ent *)b)->asn;
	return x < y ? -1 : x > y;
}

int fa_enrich_finish(struct fa_enrich *e, struct fa_enrich_diag *diag)
{
	int rc;

	if (e->finished) {
		return FA_EINVAL;
	}
	rc = fa_enrich_pfx_build(e, &e->pfx2as, diag);
	if (rc == FA_OK) {
		rc = fa_enrich_pfx_build(e, &e->consumer, diag);
	}
	if (rc == FA_OK) {
		rc = fa_enrich_ptr_build(e, &e->ptr);
	}
	if (rc != FA_OK) {
		return rc;
	}
	if (e->nasns > 1) {
		qsort(e->asns, e->nasns, sizeof(*e->asns), cmp_asn);
	}
	fa_enrich_regs_build(e);
	e->finished = true;
	return FA_OK;
}

const struct fa_enrich_source *fa_enrich_sources(const struct fa_enrich *e, size_t *n)
{
	*n = e->nsrc;
	return e->src;
}

void fa_enrich_stats(const struct fa_enrich *e, struct fa_enrich_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pfx2as_ranges4 = e->pfx2as.f4.n;
	st->pfx2as_ranges6 = e->pfx2as.f6.n;
	st->pfx2as_bytes = e->pfx2as.bytes;
	for (size_t i = 0; i < e->nsrc; i++) {
		if (e->src[i].kind == FA_ENRICH_KIND_PFX2AS) {
			st->pfx2as_prefixes += e->src[i].entries;
		}
	}
	st->consumer_ranges4 = e->consumer.f4.n;
	st->consumer_ranges6 = e->consumer.f6.n;
	st->consumer_bytes = e->consumer.bytes;
	for (size_t i = 0; i < e->ptr.n; i++) {
		if (e->ptr.ent[i].family == 6) {
			st->ptr_addrs6++;
		} else {
			st->ptr_addrs4++;
		}
	}
	st->ptr_bytes = e->ptr.n * sizeof(*e->ptr.ent) + e->ptr.npool;
}

static bool pfx2as(const struct fa_enrich *e, const struct fa_enrich_addr *a,
		   struct fa_enrich_asn *out)
{
	uint32_t val;
	unsigned plen;
	uint16_t src;
	if (!fa_enrich_pfx_find(&e->pfx2as, a, &val, &plen, &src)) {
		return false;
	}
	out->asn = val;
	out->source = FA_ENRICH_ASN_PFX2AS;
	out->file = e->src[src].path;
	out->prefix_len = plen;
	out->org[0] = '\0';
	return true;
}

static int mmdb(const struct fa_enrich *e, const struct fa_enrich_addr *a,
		struct fa_enrich_asn *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < e->nmmdb; i++) {
		int rc = fa_enrich_mmdb_lookup(e->mmdb[i], a, out, err, errlen);
		if (rc != FA_OK || out->asn != 0) {
			return rc;
		}
	}
	return FA_OK;
}

int fa_enrich_asn(const struct fa_enrich *e, const struct fa_enrich_addr *a,
		  struct fa_enrich_asn *out, char *err, size_t errlen)
{
	int rc = FA_OK;

	memset(out, 0, offsetof(struct fa_enrich_asn, org) + 1);
	if (e->prefer == FA_ENRICH_PREFER_PFX2AS && pfx2as(e, a, out)) {
		return FA_OK;
	}
	rc = mmdb(e, a, out, err, errlen);
	if (rc != FA_OK || out->asn != 0) {
		return rc;
	}
	memset(out, 0, offsetof(struct fa_enrich_asn, org) + 1);
	if (e->prefer == FA_ENRICH_PREFER_MMDB) {
		pfx2as(e, a, out);
	}
	return FA_OK;
}

bool fa_enrich_consumer(const struct fa_enrich *e, const struct fa_enrich_addr *a,
			struct fa_enrich_consumer *out)
{
	uint32_t val;
	unsigned plen;
	uint16_t src;

	memset(out, 0, sizeof(*out));
	if (fa_enrich_pfx_find(&e->consumer, a, &val, &plen, &src)) {
		out->found = true;
		out->by = FA_ENRICH_BY_PREFIX;
		out->label = val == 0 ? "" : e->labels[val - 1];
		out->file = e->src[src].path;
		out->prefix_len = plen;
		return true;
	}
	const struct ptr_ent *p = fa_enrich_ptr_find(&e->ptr, a);
	if (p == NULL) {
		return false;
	}
	out->found = true;
	out->by = FA_ENRICH_BY_PTR;
	out->label = "";
	out->file = e->src[p->src].path;
	out->prefix_len = a->family == 6 ? 64 : 24;
	out->ptr = e->ptr.pool + p->name;
	out->pattern = e->ptr.pat[p->pat].text;
	out->line = p->line;
	return true;
}

const char *fa_enrich_consumer_by_name(enum fa_enrich_consumer_by by)
{
	switch (by) {
	case FA_ENRICH_BY_PREFIX:
		return "prefix";
	case FA_ENRICH_BY_PTR:
		return "ptr";
	default:
		return "none";
	}
}

bool fa_enrich_provider(const struct fa_enrich *e, const char *host, uint32_t asn,
			struct fa_enrich_provider *out)
{
	memset(out, 0, sizeof(*out));
	if (host != NULL) {
		const struct name_ent *n = fa_enrich_names_longest(&e->suffixes, host);
		if (n != NULL) {
			out->match = FA_ENRICH_MATCH_SUFFIX;
			out->name = e->providers[n->val];
			out->suffix = n->name;
			return true;
		}
	}
	if (asn == 0 || e->nasns == 0) {
		return false;
	}
	size_t lo = 0, hi = e->nasns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->asns[mid].asn < asn) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo < e->nasns && e->asns[lo].asn == asn) {
		out->match = FA_ENRICH_MATCH_ASN;
		out->name = e->providers[e->asns[lo].provider];
		out->asn = asn;
		return true;
	}
	return false;
}

enum fa_enrich_decl fa_enrich_declaration(const struct fa_enrich *e, const char *host,
					  struct fa_enrich_declaration *out)
{
	memset(out, 0, sizeof(*out));
	const struct name_ent *n = fa_enrich_names_longest(&e->decl_names, host);
	if (n == NULL) {
		return FA_ENRICH_DECL_NONE;
	}
	const struct decl *d = &e->decls[n->val];
	out->decl = d->decl;
	out->name = n->name;
	out->note = d->note;
	out->origin = d->origin;
	return d->decl;
}

const char *fa_enrich_decl_name(enum fa_enrich_decl decl)
{
	switch (decl) {
	case FA_ENRICH_DECL_STATIC:
		return "static";
	case FA_ENRICH_DECL_DYNAMIC:
		return "dynamic";
	default:
		return "none";
	}
}

const char *fa_enrich_asn_source_name(enum fa_enrich_asn_source src)
{
	switch (src) {
	case FA_ENRICH_ASN_MMDB:
		return "mmdb";
	case FA_ENRICH_ASN_PFX2AS:
		return "pfx2as";
	default:
		return "none";
	}
}

bool fa_enrich_next_line(struct lines *l, const char **s, size_t *n, bool *too_long,
			 bool *nul)
{
	if (l->pos >= l->len) {
		return false;
	}
	const char *start = l->buf + l->pos;
	size_t rest = l->len - l->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t len = nl != NULL ? (size_t)(nl - start) : rest;

	l->pos += len + (nl != NULL);
	l->lineno++;
	if (len > 0 && start[len - 1] == '\r') {
		len--;
	}
	*s = start;
	*n = len;
	*too_long = len > FA_ENRICH_MAX_LINE;
	*nul = memchr(start, '\0', len) != NULL;
	return true;
}
