/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names matched on label boundaries: NS suffixes of allowlisted
 * providers and static/dynamic declarations, with the CSV reader of the
 * declarations table.
 *
 * The hash of a name is taken from its last character towards its
 * first, so one right-to-left pass over a host name yields the hash of
 * every suffix that starts at a label, and the longest listed suffix is
 * found with one probe per label and no copying.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_name.h"
#include "enrich/enrich_int.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static uint32_t hash_step(uint32_t h, unsigned char c)
{
	return (h ^ lower(c)) * FNV_PRIME;
}

static uint32_t hash_name(const char *s, size_t n)
{
	uint32_t h = FNV_OFFSET;
	while (n > 0) {
		h = hash_step(h, (unsigned char)s[--n]);
	}
	return h;
}

int fa_enrich_name_norm(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	return fa_name_normalize(in, strlen(in), 0, out, outlen, err, errlen);
}

void fa_enrich_names_free(struct name_tab *t)
{
	free(t->ent);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static bool same(const struct name_ent *ent, const char *s, size_t n)
{
	if (ent->len != n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)ent->name[i] != lower((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static const struct name_ent *probe(const struct name_tab *t, uint32_t h, const char *s,
				    size_t n)
{
	if (t->nslot == 0) {
		return NULL;
	}
	size_t mask = t->nslot - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t v = t->slot[i];
		if (v == 0) {
			return NULL;
		}
		const struct name_ent *ent = &t->ent[v - 1];
		if (ent->hash == h && same(ent, s, n)) {
			return ent;
		}
	}
}

static void place(struct name_tab *t, uint32_t index)
{
	size_t mask = t->nslot - 1;
	size_t i = t->ent[index].hash & mask;
	while (t->slot[i] != 0) {
		i = (i + 1) & mask;
	}
	t->slot[i] = index + 1;
}

/* Keep the load factor at most one half. */
static int rehash(struct name_tab *t)
{
	if (t->n * 2 < t->nslot) {
		return FA_OK;
	}
	size_t nslot = t->nslot == 0 ? 64 : t->nslot * 2;
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (slot == NULL) {
		return FA_ENOMEM;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	for (size_t i = 0; i < t->n; i++) {
		place(t, (uint32_t)i);
	}
	return FA_OK;
}

int fa_enrich_names_add(struct fa_enrich *e, struct name_tab *t, const char *name,
			uint32_t val, uint32_t *existing)
{
	size_t n = strlen(name);
	uint32_t h = hash_name(name, n);
	const struct name_ent *old = probe(t, h, name, n);

	if (old != NULL) {
		*existing = old->val;
		return FA_EINVAL;
	}
	if (t->n >= UINT32_MAX - 1) {
		return FA_ELIMIT;
	}
	if (fa_enrich_grow((void **)&t->ent, &t->cap, t->n + 1, sizeof(*t->ent)) != FA_OK) {
		return FA_ENOMEM;
	}
	const char *copy = fa_arena_strndup(e->arena, name, n);
	if (copy == NULL) {
		return FA_ENOMEM;
	}
	t->ent[t->n] = (struct name_ent){ copy, (uint32_t)n, h, val };
	t->n++;
	if (t->nslot > 0 && t->n * 2 < t->nslot) {
		place(t, (uint32_t)(t->n - 1));
		return FA_OK;
	}
	return rehash(t);
}

const struct name_ent *fa_enrich_names_longest(const struct name_tab *t, const char *name)
{
	size_t n = strlen(name);
	const struct name_ent *best = NULL;
	uint32_t h = FNV_OFFSET;

	if (n > 0 && name[n - 1] == '.') {
		n--;
	}
	if (t->n == 0 || n == 0 || n > FA_NAME_MAX) {
		return NULL;
	}
	for (size_t i = n; i-- > 0;) {
		h = hash_step(h, (unsigned char)name[i]);
		if (i == 0 || name[i - 1] == '.') {
			const struct name_ent *ent = probe(t, h, name + i, n - i);
			if (ent != NULL) {
				best = ent;
			}
		}
	}
	return best;
}

static struct fa_enrich_source *decl_source(struct fa_enrich *e, const char *file)
{
	for (size_t i = e->nsrc; i-- > 0;) {
		if (e->src[i].kind == FA_ENRICH_KIND_DECLARATIONS &&
		    strcmp(e->src[i].path, file) == 0) {
			return &e->src[i];
		}
	}
	size_t idx;
	if (fa_enrich_add_source(e, FA_ENRICH_KIND_DECLARATIONS, file, &idx) != FA_OK) {
		return NULL;
	}
	return &e->src[idx];
}

int fa_enrich_add_declaration(struct fa_enrich *e, const char *name, enum fa_enrich_decl decl,
			      const char *note, const char *source, const char *origin,
			      struct fa_enrich_diag *diag)
{
	char norm[FA_NAME_BUFSZ], why[256];
	uint32_t existing;

	if (e->finished) {
		return FA_EINVAL;
	}
	if (fa_enrich_name_norm(name, norm, sizeof(norm), why, sizeof(why)) != FA_OK) {
		fa_enrich_diag_add(diag, "%s: invalid name \"%.*s\": %s", origin, 260, name, why);
		return FA_EPARSE;
	}
	struct fa_enrich_source *s = decl_source(e, source);
	if (s == NULL || fa_enrich_grow((void **)&e->decls, &e->capdecls, e->ndecls + 1,
					sizeof(*e->decls)) != FA_OK) {
		return FA_ENOMEM;
	}
	int rc = fa_enrich_names_add(e, &e->decl_names, norm, (uint32_t)e->ndecls, &existing);
	if (rc == FA_EINVAL) {
		const struct decl *d = &e->decls[existing];
		if (d->decl == decl) {
			s->shadowed++;
			return FA_OK;
		}
		fa_enrich_diag_add(diag, "%s: \"%s\" is declared %s here but %s at %s", origin,
				   norm, fa_enrich_decl_name(decl), fa_enrich_decl_name(d->decl),
				   d->origin);
		return FA_EPARSE;
	}
	if (rc != FA_OK) {
		return rc;
	}
	struct decl *d = &e->decls[e->ndecls];
	d->decl = decl;
	d->note = fa_arena_strndup(e->arena, note != NULL ? note : "",
				   note != NULL ? strlen(note) : 0);
	d->origin = fa_arena_strndup(e->arena, origin, strlen(origin));
	if (d->note == NULL || d->origin == NULL) {
		return FA_ENOMEM;
	}
	e->ndecls++;
	s->entries++;
	return FA_OK;
}

/*
 * One CSV record on one line (RFC 4180 without line breaks in fields)
 * into at most max NUL-terminated fields of the scratch buffer, which
 * has room for the line. Returns the number of fields, or -1 with why.
 */
static int csv_fields(const char *s, size_t n, char *scratch, char **f, int max, char *why,
		      size_t whylen)
{
	size_t i = 0;
	int nf = 0;
	char *o = scratch;

	for (;;) {
		if (nf == max) {
			snprintf(why, whylen, "more than %d fields", max);
			return -1;
		}
		f[nf++] = o;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i == n) {
					snprintf(why, whylen, "quoted field has no closing quote "
						 "(fields cannot span lines)");
					return -1;
				}
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*o++ = s[i++];
			}
			if (i < n && s[i] != ',') {
				snprintf(why, whylen, "text after the closing quote of field %d",
					 nf);
				return -1;
			}
		} else {
			while (i < n && s[i] != ',') {
				if (s[i] == '"') {
					snprintf(why, whylen, "quote inside unquoted field %d", nf);
					return -1;
				}
				*o++ = s[i++];
			}
		}
		*o++ = '\0';
		if (i == n) {
			return nf;
		}
		i++;	/* the comma */
	}
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t') {
			return false;
		}
	}
	return true;
}

int fa_enrich_add_declarations_csv(struct fa_enrich *e, const char *name, const char *buf,
				   size_t len, struct fa_enrich_diag *diag)
{
	struct lines l = { .buf = buf, .len = len };
	char scratch[FA_ENRICH_MAX_LINE + 8];
	const char *s;
	size_t n, errors = 0;
	bool too_long, nul, header = false;
	int rc = FA_OK;

	if (e->finished) {
		return FA_EINVAL;
	}
	/* An empty table still counts as a source. */
	char origin[1100];
	if (decl_source(e, name) == NULL) {
		return FA_ENOMEM;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		l.pos = 3;	/* a UTF-8 byte order mark, as spreadsheets write */
	}
	while (fa_enrich_next_line(&l, &s, &n, &too_long, &nul)) {
		char *f[3], why[256];
		if (too_long || nul) {
			fa_enrich_diag_line(diag, &errors, "%s:%u: %s", name, l.lineno,
					    too_long ? "line is longer than 1024 bytes"
						     : "line holds a NUL byte");
			continue;
		}
		if (blank(s, n)) {
			continue;
		}
		int nf = csv_fields(s, n, scratch, f, 3, why, sizeof(why));
		if (nf < 0) {
			fa_enrich_diag_line(diag, &errors, "%s:%u: %s", name, l.lineno, why);
			continue;
		}
		if (!header) {
			header = true;
			if (nf != 3 || strcmp(f[0], "name") != 0 ||
			    strcmp(f[1], "declaration") != 0 || strcmp(f[2], "note") != 0) {
				fa_enrich_diag_line(diag, &errors, "%s:%u: expected the header row "
						    "\"name,declaration,note\"", name, l.lineno);
				break;
			}
			continue;
		}
		if (nf != 3) {
			fa_enrich_diag_line(diag, &errors, "%s:%u: expected 3 fields (name, "
					    "declaration, note), found %d", name, l.lineno, nf);
			continue;
		}
		enum fa_enrich_decl d;
		if (strcmp(f[1], "static") == 0) {
			d = FA_ENRICH_DECL_STATIC;
		} else if (strcmp(f[1], "dynamic") == 0) {
			d = FA_ENRICH_DECL_DYNAMIC;
		} else {
			fa_enrich_diag_line(diag, &errors, "%s:%u: declaration \"%s\" is neither "
					    "\"static\" nor \"dynamic\"", name, l.lineno, f[1]);
			continue;
		}
		snprintf(origin, sizeof(origin), "%s:%u", name, l.lineno);
		/* Past the file's share of messages, only count. */
		rc = fa_enrich_add_declaration(e, f[0], d, f[2], name, origin,
					       errors < FA_ENRICH_FILE_MSGS ? diag : NULL);
		if (rc == FA_EPARSE) {
			errors++;
			rc = FA_OK;
		} else if (rc != FA_OK) {
			return rc;
		}
	}
	if (!header && errors == 0) {
		fa_enrich_diag_line(diag, &errors, "%s:1: expected the header row "
				    "\"name,declaration,note\"", name);
	}
	if (errors > 0) {
		fa_enrich_diag_refused(diag, name, errors);
		return FA_EPARSE;
	}
	return FA_OK;
}
