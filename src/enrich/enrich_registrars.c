/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registrars declared to have a high-change business model (a DNS
 * hosting reseller whose customers move name servers daily, a registrar
 * that parks expiring domains on its own name servers). The rule engine
 * lowers the scores of name-server churn rules for them; nothing here
 * hides an event.
 */
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

static const struct fa_enrich_registrar *find(const struct fa_enrich *e, const char *id)
{
	for (size_t i = 0; i < e->nregs; i++) {
		if (strcmp(e->regs[i].id, id) == 0) {
			return &e->regs[i];
		}
	}
	return NULL;
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

	/* Declared twice: the first declaration (and its note) stands. */
	if (find(e, registrar) != NULL) {
		e->src[s].shadowed++;
		return FA_OK;
	}
	if (fa_enrich_grow((void **)&e->regs, &e->capregs, e->nregs + 1,
			   sizeof(*e->regs)) != FA_OK) {
		return FA_ENOMEM;
	}
	struct fa_enrich_registrar *r = &e->regs[e->nregs];
	note = note != NULL ? note : "";
	r->id = fa_arena_strndup(e->arena, registrar, strlen(registrar));
	r->note = fa_arena_strndup(e->arena, note, strlen(note));
	r->origin = fa_arena_strndup(e->arena, origin, strlen(origin));
	if (r->id == NULL || r->note == NULL || r->origin == NULL) {
		return FA_ENOMEM;
	}
	e->nregs++;
	e->src[s].entries++;
	return FA_OK;
}

bool fa_enrich_high_change(const struct fa_enrich *e, const char *registrar,
			   struct fa_enrich_registrar *out)
{
	const struct fa_enrich_registrar *r = registrar != NULL ? find(e, registrar) : NULL;

	if (r != NULL && out != NULL) {
		*out = *r;
	}
	return r != NULL;
}
