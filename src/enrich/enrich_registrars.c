/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registrars declared to have a high-change business model (a DNS
 * hosting reseller whose customers move name servers daily, a registrar
 * that parks expiring domains on its own name servers). The rule engine
 * lowers the scores of name-server churn rules for them; nothing here
 * hides an event.
 */
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"
#include "common/fa_clid.h"
#include "enrich/enrich_int.h"

/* The source entry of the configuration file the declarations come from. */
static size_t registrar_source(struct fa_enrich *e, const char *file, int *rc)
{
	for (size_t i = e->nsrc; i-- > 0;) {
		if (e->src[i].kind == FA_ENRICH_KIND_REGISTRARS &&
		    strcmp(e->src[i].path, file) == 0) {
			return i;
		}
	}
	size_t idx = 0;
	*rc = fa_enrich_add_source(e, FA_ENRICH_KIND_REGISTRARS, file, &idx);
	return idx;
}

int fa_enrich_add_high_change(struct fa_enrich *e, const char *registrar, const char *note,
			      const char *source, const char *origin,
			      struct fa_enrich_diag *diag)
{
	char why[256];
	int rc = FA_OK;

	if (e->finished) {
		return FA_EINVAL;
	}
	if (fa_clid_check(registrar, strlen(registrar), why, sizeof(why)) != FA_OK) {
		fa_enrich_diag_add(diag, "%s: invalid registrar id %s", origin, why);
		return FA_EPARSE;
	}
	size_t s = registrar_source(e, source, &rc);
	if (rc != FA_OK) {
		return rc;
	}

	/* Duplicates are found at finish, by sorting: a search here on every
	 * add made loading quadratic (40,000 entries took most of a minute). */
	if (fa_enrich_grow((void **)&e->regs, &e->capregs, e->nregs + 1,
			   sizeof(*e->regs)) != FA_OK) {
		return FA_ENOMEM;
	}
	struct reg_ent *r = &e->regs[e->nregs];
	note = note != NULL ? note : "";
	r->r.id = fa_arena_strndup(e->arena, registrar, strlen(registrar));
	r->r.note = fa_arena_strndup(e->arena, note, strlen(note));
	r->r.origin = fa_arena_strndup(e->arena, origin, strlen(origin));
	if (r->r.id == NULL || r->r.note == NULL || r->r.origin == NULL) {
		return FA_ENOMEM;
	}
	r->seq = e->nregs;
	r->src = (uint16_t)s;
	e->nregs++;
	return FA_OK;
}

/* By id, then in declaration order, so the first declaration of an id
 * comes first among its duplicates. */
static int cmp_reg(const void *a, const void *b)
{
	const struct reg_ent *x = a, *y = b;
	int c = strcmp(x->r.id, y->r.id);

	if (c != 0) {
		return c;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void fa_enrich_regs_build(struct fa_enrich *e)
{
	size_t kept = 0;

	if (e->nregs > 1) {
		qsort(e->regs, e->nregs, sizeof(*e->regs), cmp_reg);
	}

	/* Declared twice: the first declaration (and its note) stands, the
	 * later ones are counted as shadowed in their source. */
	for (size_t i = 0; i < e->nregs; i++) {
		if (kept > 0 && strcmp(e->regs[kept - 1].r.id, e->regs[i].r.id) == 0) {
			e->src[e->regs[i].src].shadowed++;
			continue;
		}
		e->src[e->regs[i].src].entries++;
		e->regs[kept++] = e->regs[i];
	}
	e->nregs = kept;
}

static int cmp_key(const void *key, const void *ent)
{
	return strcmp(key, ((const struct reg_ent *)ent)->r.id);
}

bool fa_enrich_high_change(const struct fa_enrich *e, const char *registrar,
			   struct fa_enrich_registrar *out)
{
	const struct reg_ent *r = NULL;

	/* Only a finished set is sorted. */
	if (registrar != NULL && e->finished) {
		r = bsearch(registrar, e->regs, e->nregs, sizeof(*e->regs), cmp_key);
	}
	if (r != NULL && out != NULL) {
		*out = r->r;
	}
	return r != NULL;
}
