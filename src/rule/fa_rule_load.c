/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading policy files with libyaml: structure checks, per-rule checks,
 * and expression compilation, every error with file, line and column.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "common/fa_file.h"
#include "common/fa_yaml.h"
#include "rule/fa_rule_int.h"

#define MAX_NAME 64
#define MAX_DESCRIPTION 4096
#define MAX_WHEN 4096
#define MAX_RULES 10000
#define MAX_DEPTH 32

/* State of loading one document. */
struct load {
	struct fa_rule_set *set;
	const char *file;	/* in the set's arena */
	const char *buf;
	size_t len;
	struct fa_rule_diag *diag;
	int errors;
	bool oom;
};

void fa_rule_diag_clear(struct fa_rule_diag *diag)
{
	if (diag == NULL) {
		return;
	}
	for (size_t i = 0; i < diag->count; i++) {
		free(diag->msgs[i]);
	}
	memset(diag, 0, sizeof(*diag));
}

static void diag_add(struct fa_rule_diag *diag, const char *fmt, ...) FA_PRINTF(2, 3);

static void diag_add(struct fa_rule_diag *diag, const char *fmt, ...)
{
	if (diag->count == FA_RULE_MAX_DIAG) {
		diag->dropped++;
		return;
	}
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	char *copy = strdup(tmp);
	if (copy == NULL) {
		diag->dropped++;
		return;
	}
	diag->msgs[diag->count++] = copy;
}

/* Report at a libyaml mark (0-based line and column). */
static void err_at(struct load *ld, yaml_mark_t mark, const char *fmt, ...) FA_PRINTF(3, 4);

static void err_at(struct load *ld, yaml_mark_t mark, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(ld->diag, "%s:%zu:%zu: %s", ld->file, mark.line + 1, mark.column + 1, msg);
	ld->errors++;
}

/* libyaml counts marks in characters; find the byte of character index. */
static size_t byte_of_char(const char *buf, size_t len, size_t index)
{
	size_t chars = 0;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			if (chars == index) {
				return i;
			}
			chars++;
		}
	}
	return len;
}

/*
 * Where byte `off` of a scalar's value sits in the source. The value is
 * a subsequence of the source text between the scalar's marks (quotes,
 * escapes, folding and indentation only add source bytes), so a greedy
 * walk finds it, and counting lines and characters from the start mark
 * gives the position.
 */
static yaml_mark_t mark_in_scalar(const struct load *ld, const yaml_node_t *n, size_t off)
{
	yaml_mark_t m = n->start_mark;
	size_t j = byte_of_char(ld->buf, ld->len, n->start_mark.index);
	size_t end = byte_of_char(ld->buf, ld->len, n->end_mark.index);
	const char *val = (const char *)n->data.scalar.value;
	size_t vlen = n->data.scalar.length;
	size_t start = j;

	if (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		j++;
	}
	for (size_t i = 0; i < off && i < vlen; i++) {
		while (j < end && ld->buf[j] != val[i]) {
			j++;
		}
		if (j < end) {
			j++;
		}
	}
	while (off < vlen && j < end && ld->buf[j] != val[off]) {
		j++;
	}

	for (size_t k = start; k < j && k < ld->len; k++) {
		unsigned char c = (unsigned char)ld->buf[k];
		if (c == '\n') {
			m.line++;
			m.column = 0;
		} else if ((c & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > MAX_NAME) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '-' || c == '_'));
		if (!ok) {
			return false;
		}
	}
	return true;
}

static char *arena_str(struct load *ld, const char *s, size_t len)
{
	char *p = fa_arena_strndup(ld->set->arena, s, len);
	if (p == NULL) {
		ld->oom = true;
	}
	return p;
}

/*
 * Check a mapping's keys against the allowed list: each key a scalar,
 * known, and given once. Fills found[i] with the value node of key i.
 */
static void mapping_keys(struct load *ld, yaml_document_t *doc, yaml_node_t *map,
			 const char *const *keys, size_t nkeys, yaml_node_t **found,
			 const char *where, const char *expected)
{
	yaml_node_t *key_nodes[16] = { 0 };
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(doc, pair->value);
		if (k == NULL || v == NULL) {
			continue;
		}
		if (k->type != YAML_SCALAR_NODE) {
			err_at(ld, k->start_mark, "keys%s must be plain names", where);
			continue;
		}
		size_t i;
		for (i = 0; i < nkeys; i++) {
			if (strcmp(scalar(k), keys[i]) == 0) {
				break;
			}
		}
		if (i == nkeys) {
			err_at(ld, k->start_mark, "unknown key \"%s\"%s (expected one of: %s)",
			       scalar(k), where, expected);
			continue;
		}
		if (found[i] != NULL) {
			err_at(ld, k->start_mark, "duplicate key \"%s\"%s (first at line %zu)",
			       scalar(k), where, key_nodes[i]->start_mark.line + 1);
			continue;
		}
		found[i] = v;
		key_nodes[i] = k;
	}
}

static bool need_scalar(struct load *ld, yaml_node_t *v, const char *key)
{
	if (v->type == YAML_SCALAR_NODE) {
		return true;
	}
	err_at(ld, v->start_mark, "\"%s\" must be a single value, not a %s", key,
	       v->type == YAML_MAPPING_NODE ? "mapping" : "list");
	return false;
}

enum { K_ID, K_DESCRIPTION, K_ENTITY, K_SEVERITY, K_SCORE, K_WHEN, K__COUNT };

static const char *const rule_keys[K__COUNT] = {
	"id", "description", "entity", "severity", "score", "when",
};

/* Ids seen so far in this document, valid or not yet committed. */
struct seen {
	yaml_node_t **ids;
	size_t n;
};

static bool check_unique_id(struct load *ld, yaml_node_t *v, struct seen *seen)
{
	const struct fa_rule_set *set = ld->set;
	const char *id = scalar(v);
	for (size_t i = 0; i < set->nrules; i++) {
		const struct fa_rule *r = set->rules[i];
		if (strcmp(r->id, id) == 0) {
			err_at(ld, v->start_mark, "duplicate rule id \"%s\" (first defined at %s:%d:%d)",
			       id, r->file, r->line, r->column);
			return false;
		}
	}
	for (size_t i = 0; i < seen->n; i++) {
		if (strcmp(scalar(seen->ids[i]), id) == 0) {
			err_at(ld, v->start_mark, "duplicate rule id \"%s\" (first defined at %s:%zu:%zu)",
			       id, ld->file, seen->ids[i]->start_mark.line + 1,
			       seen->ids[i]->start_mark.column + 1);
			return false;
		}
	}
	seen->ids[seen->n++] = v;
	return true;
}

static void rule_when(struct load *ld, struct fa_rule *r, yaml_node_t *v)
{
	size_t len = v->data.scalar.length;
	if (len > MAX_WHEN) {
		err_at(ld, v->start_mark, "condition is longer than %d bytes", MAX_WHEN);
		return;
	}
	r->when = arena_str(ld, scalar(v), len);
	if (r->when == NULL) {
		return;
	}

	struct fa_rule_expr_err xerr;
	int rc = fa_rule_expr_compile(r, r->when, len, ld->set->opts.max_window_us,
				      ld->set->arena, &xerr);
	if (rc == FA_ENOMEM) {
		ld->oom = true;
	} else if (rc != FA_OK) {
		err_at(ld, mark_in_scalar(ld, v, xerr.pos), "%s", xerr.msg);
	}
}

/* Parse one rule mapping; NULL when it has errors. */
static struct fa_rule *rule(struct load *ld, yaml_document_t *doc, yaml_node_t *map,
			    size_t policy, struct seen *seen)
{
	if (map->type != YAML_MAPPING_NODE) {
		err_at(ld, map->start_mark, "each rule must be a mapping of id, description, "
		       "entity, severity, score and when");
		return NULL;
	}

	int before = ld->errors;
	yaml_node_t *v[K__COUNT] = { 0 };
	mapping_keys(ld, doc, map, rule_keys, K__COUNT, v, " in rule",
		     "id, description, entity, severity, score, when");
	for (int k = 0; k < K__COUNT; k++) {
		if (v[k] == NULL) {
			err_at(ld, map->start_mark, "rule is missing key \"%s\"", rule_keys[k]);
		} else if (!need_scalar(ld, v[k], rule_keys[k])) {
			v[k] = NULL;
		}
	}

	struct fa_rule *r = fa_arena_alloc(ld->set->arena, sizeof(*r));
	if (r == NULL) {
		ld->oom = true;
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->policy = policy;
	r->file = ld->file;
	r->line = (int)map->start_mark.line + 1;
	r->column = (int)map->start_mark.column + 1;
	r->entity = -1;

	if (v[K_ID] != NULL) {
		if (!valid_name(scalar(v[K_ID]), v[K_ID]->data.scalar.length)) {
			err_at(ld, v[K_ID]->start_mark,
			       "invalid rule id \"%.64s\" (use 1 to %d lower-case letters, digits, \"-\" or \"_\", starting with a letter or digit)",
			       scalar(v[K_ID]), MAX_NAME);
		} else if (check_unique_id(ld, v[K_ID], seen)) {
			r->id = arena_str(ld, scalar(v[K_ID]), v[K_ID]->data.scalar.length);
			r->line = (int)v[K_ID]->start_mark.line + 1;
			r->column = (int)v[K_ID]->start_mark.column + 1;
		}
	}
	if (v[K_DESCRIPTION] != NULL) {
		size_t len = v[K_DESCRIPTION]->data.scalar.length;
		if (len == 0 || len > MAX_DESCRIPTION) {
			err_at(ld, v[K_DESCRIPTION]->start_mark,
			       "description must have 1 to %d bytes", MAX_DESCRIPTION);
		} else {
			r->description = arena_str(ld, scalar(v[K_DESCRIPTION]), len);
		}
	}
	if (v[K_ENTITY] != NULL) {
		const char *s = scalar(v[K_ENTITY]);
		r->entity = fa_rule_entity_find(s, strlen(s));
		if (r->entity < 0) {
			err_at(ld, v[K_ENTITY]->start_mark,
			       "unknown entity kind \"%.64s\" (expected one of: domain, host, registrar, registrant)",
			       s);
		}
	}
	if (v[K_SEVERITY] != NULL) {
		const char *s = scalar(v[K_SEVERITY]);
		r->severity = -1;
		for (int i = 0; i < FA_RULE_SEV__COUNT; i++) {
			if (strcmp(s, fa_rule_severity_name(i)) == 0) {
				r->severity = i;
			}
		}
		if (r->severity < 0) {
			err_at(ld, v[K_SEVERITY]->start_mark,
			       "unknown severity \"%.64s\" (expected one of: info, low, medium, high, critical)",
			       s);
		}
	}
	if (v[K_SCORE] != NULL) {
		const char *s = scalar(v[K_SCORE]);
		char *end = NULL;
		long n = strtol(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || n < 0 || n > 1000) {
			err_at(ld, v[K_SCORE]->start_mark,
			       "score \"%.64s\" is not a whole number from 0 to 1000", s);
		} else {
			r->score = (int)n;
		}
	}
	if (v[K_WHEN] != NULL && r->entity >= 0) {
		rule_when(ld, r, v[K_WHEN]);
	}
	return ld->errors == before && !ld->oom ? r : NULL;
}

enum { P_POLICY, P_DESCRIPTION, P_SCORING, P_RULES, P__COUNT };

static const char *const policy_keys[P__COUNT] = {
	"policy", "description", "scoring", "rules",
};

/* The scoring settings of one document, applied when it is committed. */
struct scoring {
	struct fa_rule_discount discount;
	bool has_flux;
	double flux_w[3];
	char where[512];
};

enum { S_DISCOUNT, S_FLUX, S_HIGH_CHANGE, S__COUNT };
static const char *const scoring_keys[S__COUNT] = {
	"allowlist_discount", "flux_score", "high_change_discount",
};
static const char *const flux_keys[3] = { "addresses", "asns", "name_servers" };

/* A plain decimal (digits, at most one point): no sign, exponent, hex
 * or infinity, which strtod alone would take. */
static bool number(const char *s, double lo, double hi, double *out)
{
	size_t digits = 0, points = 0;
	char *end = NULL;

	for (const char *c = s; *c != '\0'; c++) {
		if (*c >= '0' && *c <= '9') {
			digits++;
		} else if (*c == '.' && points++ == 0) {
			continue;
		} else {
			return false;
		}
	}
	if (digits == 0 || digits > 15) {
		return false;
	}
	*out = strtod(s, &end);
	return *end == '\0' && *out >= lo && *out <= hi;
}

static void flux_weights(struct load *ld, yaml_document_t *doc, yaml_node_t *m,
			 struct scoring *sc)
{
	yaml_node_t *w[3] = { 0 };

	if (m->type != YAML_MAPPING_NODE) {
		err_at(ld, m->start_mark, "\"flux_score\" must be a mapping of weights");
		return;
	}
	mapping_keys(ld, doc, m, flux_keys, 3, w, " of flux_score",
		     "addresses, asns, name_servers");
	sc->has_flux = true;
	snprintf(sc->where, sizeof(sc->where), "%s:%zu:%zu", ld->file,
		 m->start_mark.line + 1, m->start_mark.column + 1);
	for (int i = 0; i < 3; i++) {
		sc->flux_w[i] = 0;
		if (w[i] != NULL && (!need_scalar(ld, w[i], flux_keys[i]) ||
				     !number(scalar(w[i]), 0, 10000, &sc->flux_w[i]))) {
			err_at(ld, w[i]->start_mark,
			       "flux_score weight \"%.64s\" is not a number from 0 to 10000",
			       w[i]->type == YAML_SCALAR_NODE ? scalar(w[i]) : "");
		}
	}
}

/* A whole percentage from 0 to 100 into *out. */
static void percent(struct load *ld, yaml_node_t *n, const char *key, int *out)
{
	double d;

	if (!need_scalar(ld, n, key) || !number(scalar(n), 0, 100, &d) || d != (int)d) {
		err_at(ld, n->start_mark, "%s is not a whole percentage from 0 to 100", key);
		return;
	}
	*out = (int)d;
}

/* scoring: {allowlist_discount: PERCENT, high_change_discount: PERCENT,
 *           flux_score: {addresses: W, ...}} */
static void scoring(struct load *ld, yaml_document_t *doc, yaml_node_t *m,
		    struct scoring *sc)
{
	yaml_node_t *v[S__COUNT] = { 0 };

	if (m->type != YAML_MAPPING_NODE) {
		err_at(ld, m->start_mark, "\"scoring\" must be a mapping");
		return;
	}
	mapping_keys(ld, doc, m, scoring_keys, S__COUNT, v, " of scoring",
		     "allowlist_discount, flux_score, high_change_discount");
	if (v[S_DISCOUNT] != NULL) {
		percent(ld, v[S_DISCOUNT], "allowlist_discount", &sc->discount.allowlist);
	}
	if (v[S_HIGH_CHANGE] != NULL) {
		percent(ld, v[S_HIGH_CHANGE], "high_change_discount",
			&sc->discount.high_change);
	}
	if (v[S_FLUX] != NULL) {
		flux_weights(ld, doc, v[S_FLUX], sc);
	}
}

/* One flux_score setting per set: the metric is shared by its policies. */
static bool flux_conflict(struct load *ld, const struct scoring *sc)
{
	const struct fa_rule_set *set = ld->set;

	if (!sc->has_flux || set->flux_where == NULL) {
		return false;
	}
	return memcmp(sc->flux_w, set->flux_w, sizeof(sc->flux_w)) != 0;
}

/* Validate the policy name; returns its index in the set, or -1. */
static long policy_name(struct load *ld, yaml_node_t *v)
{
	struct fa_rule_set *set = ld->set;
	const char *name = scalar(v);
	if (!valid_name(name, v->data.scalar.length)) {
		err_at(ld, v->start_mark,
		       "invalid policy name \"%.64s\" (use 1 to %d lower-case letters, digits, \"-\" or \"_\", starting with a letter or digit)",
		       name, MAX_NAME);
		return -1;
	}
	for (size_t i = 0; i < set->npolicies; i++) {
		if (strcmp(set->policies[i], name) == 0) {
			err_at(ld, v->start_mark, "policy \"%s\" is already defined at %s", name,
			       set->policy_where[i]);
			return -1;
		}
	}
	return (long)set->npolicies;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap) {
		return FA_OK;
	}
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need) {
		n *= 2;
	}
	void *q = realloc(*p, n * size);
	if (q == NULL) {
		return FA_ENOMEM;
	}
	*p = q;
	*cap = n;
	return FA_OK;
}

/*
 * Remember that metric m is read over window w. A metric computed from
 * another one's history (fa_rule_metric_base) needs that history over
 * the window plus its baseline period.
 */
static void keep(struct fa_rule_set *set, int m, int64_t w)
{
	int64_t extra = 0;
	int b = fa_rule_metric_base(m, &extra);

	if (b >= 0) {
		keep(set, b, w + extra);
	}
	if (w > set->retention_us[m]) {
		set->retention_us[m] = w;
	}
	if (w > set->lookback_us) {
		set->lookback_us = w;
	}
}

/* Add the policy name, scoring and rules of a clean document to the set. */
static int commit(struct load *ld, yaml_node_t *name, const struct scoring *sc,
		  struct fa_rule **rules, size_t n)
{
	struct fa_rule_set *set = ld->set;
	if (grow((void **)&set->policies, &set->cpolicies, set->npolicies + 1,
		 sizeof(*set->policies)) != FA_OK ||
	    grow((void **)&set->discount, &set->cdiscount, set->npolicies + 1,
		 sizeof(*set->discount)) != FA_OK) {
		return FA_ENOMEM;
	}
	set->discount[set->npolicies] = sc->discount;
	if (sc->has_flux) {
		memcpy(set->flux_w, sc->flux_w, sizeof(set->flux_w));
		set->flux_where = arena_str(ld, sc->where, strlen(sc->where));
		if (set->flux_where == NULL) {
			return FA_ENOMEM;
		}
	}
	if (grow((void **)&set->policy_where, &set->cwhere, set->npolicies + 1,
		 sizeof(*set->policy_where)) != FA_OK ||
	    grow((void **)&set->rules, &set->crules, set->nrules + n,
		 sizeof(*set->rules)) != FA_OK) {
		return FA_ENOMEM;
	}
	char where[512];
	snprintf(where, sizeof(where), "%s:%zu:%zu", ld->file, name->start_mark.line + 1,
		 name->start_mark.column + 1);
	const char *pname = arena_str(ld, scalar(name), name->data.scalar.length);
	const char *pwhere = arena_str(ld, where, strlen(where));
	if (pname == NULL || pwhere == NULL) {
		return FA_ENOMEM;
	}
	set->policies[set->npolicies] = pname;
	set->policy_where[set->npolicies] = pwhere;
	set->npolicies++;

	for (size_t i = 0; i < n; i++) {
		struct fa_rule *r = rules[i];
		set->rules[set->nrules++] = r;
		for (size_t k = 0; k < r->nrefs; k++) {
			keep(set, r->refs[k].metric, r->refs[k].window_us);
		}
	}
	return FA_OK;
}

static void document(struct load *ld, yaml_document_t *doc, size_t *nrules)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_mark_t zero = { 0, 0, 0 };
	if (root == NULL) {
		err_at(ld, zero, "file holds no YAML document");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err_at(ld, root->start_mark,
		       "a policy file must be a mapping with the keys \"policy\" and \"rules\"");
		return;
	}

	yaml_node_t *v[P__COUNT] = { 0 };
	mapping_keys(ld, doc, root, policy_keys, P__COUNT, v, "",
		     "policy, description, scoring, rules");
	long policy = -1;
	if (v[P_POLICY] == NULL) {
		err_at(ld, root->start_mark, "missing key \"policy\" (the name of the rule set)");
	} else if (need_scalar(ld, v[P_POLICY], "policy")) {
		policy = policy_name(ld, v[P_POLICY]);
	}
	if (v[P_DESCRIPTION] != NULL) {
		(void)need_scalar(ld, v[P_DESCRIPTION], "description");
	}
	struct scoring sc = { 0 };
	if (v[P_SCORING] != NULL) {
		scoring(ld, doc, v[P_SCORING], &sc);
		if (flux_conflict(ld, &sc)) {
			err_at(ld, v[P_SCORING]->start_mark,
			       "flux_score weights differ from those set at %s (one setting "
			       "for all loaded policies)", ld->set->flux_where);
		}
	}
	if (v[P_RULES] == NULL) {
		err_at(ld, root->start_mark, "missing key \"rules\"");
		return;
	}
	yaml_node_t *rules = v[P_RULES];
	if (rules->type != YAML_SEQUENCE_NODE) {
		err_at(ld, rules->start_mark, "\"rules\" must be a list of rules");
		return;
	}

	size_t count = (size_t)(rules->data.sequence.items.top - rules->data.sequence.items.start);
	if (count > MAX_RULES) {
		err_at(ld, rules->start_mark, "more than %d rules", MAX_RULES);
		return;
	}
	struct fa_rule **pending = calloc(count ? count : 1, sizeof(*pending));
	struct seen seen = { calloc(count ? count : 1, sizeof(yaml_node_t *)), 0 };
	if (pending == NULL || seen.ids == NULL) {
		free(pending);
		free(seen.ids);
		ld->oom = true;
		return;
	}
	size_t n = 0;
	for (yaml_node_item_t *it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(doc, *it);
		if (item == NULL) {
			continue;
		}
		struct fa_rule *r = rule(ld, doc, item, policy < 0 ? 0 : (size_t)policy,
					 &seen);
		if (r != NULL) {
			pending[n++] = r;
		}
	}
	if (ld->errors == 0 && !ld->oom) {
		if (commit(ld, v[P_POLICY], &sc, pending, n) != FA_OK) {
			ld->oom = true;
		} else {
			*nrules = n;
		}
	}
	free(pending);
	free(seen.ids);
}

struct fa_rule_set *fa_rule_set_new(const struct fa_rule_load_opts *opts)
{
	struct fa_rule_set *set = calloc(1, sizeof(*set));
	if (set == NULL) {
		return NULL;
	}
	set->arena = fa_arena_new();
	set->retention_us = calloc(fa_rule_nmetrics, sizeof(*set->retention_us));
	if (set->arena == NULL || set->retention_us == NULL) {
		fa_rule_set_free(set);
		return NULL;
	}
	if (opts != NULL) {
		set->opts = *opts;
	}
	if (set->opts.max_window_us <= 0) {
		set->opts.max_window_us = FA_RULE_MAX_WINDOW_DEFAULT;
	}
	/* Holz, Gorecki, Rieck, Freiling (NDSS 2008): addresses and ASNs
	 * weighted, the number of name servers not. */
	set->flux_w[0] = 1.32;
	set->flux_w[1] = 18.54;
	set->flux_w[2] = 0;
	return set;
}

unsigned fa_rule_set_discounts(const struct fa_rule_set *set)
{
	unsigned bits = 0;

	for (size_t i = 0; i < set->npolicies; i++) {
		if (set->discount[i].allowlist > 0) {
			bits |= FA_RULE_DISCOUNT_ALLOWLIST;
		}
		if (set->discount[i].high_change > 0) {
			bits |= FA_RULE_DISCOUNT_HIGH_CHANGE;
		}
	}
	return bits;
}

void fa_rule_set_free(struct fa_rule_set *set)
{
	if (set == NULL) {
		return;
	}
	fa_arena_free(set->arena);
	free(set->rules);
	free(set->policies);
	free(set->discount);
	free(set->policy_where);
	free(set->retention_us);
	free(set);
}

/*
 * libyaml's scanner slows down quadratically with the nesting of flow
 * collections, so a first pass over the events refuses anything nested
 * deeper than a policy can need before the document is built. Returns
 * false when the document must not be loaded (the error is reported).
 */
static bool shallow(struct load *ld)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0;
	bool ok = true;

	if (!yaml_parser_initialize(&parser)) {
		ld->oom = true;
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)ld->buf, ld->len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			/* The loader reports syntax errors with more context. */
			break;
		}
		yaml_event_type_t type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH) {
				err_at(ld, ev.start_mark, "nesting deeper than %d levels", MAX_DEPTH);
				ok = false;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (!ok || type == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&parser);
	return ok;
}

/* A libyaml error, where it happened (reader errors come as a byte
 * offset, see fa_yaml_error_mark). */
static void parse_error(struct load *ld, const yaml_parser_t *parser, bool context)
{
	char why[256];
	const char *ctx = context ? parser->context : NULL;

	fa_yaml_error_text(parser, why, sizeof(why));
	err_at(ld, fa_yaml_error_mark(parser, ld->buf, ld->len), "could not parse YAML: %s%s%s",
	       why, ctx != NULL ? " " : "", ctx != NULL ? ctx : "");
}

int fa_rule_set_add_buffer(struct fa_rule_set *set, const char *name, const char *buf,
			   size_t len, struct fa_rule_diag *diag, size_t *nrules)
{
	struct load ld = { .set = set, .buf = buf, .len = len, .diag = diag };
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_doc = false;
	size_t added = 0;
	int rc = FA_OK;

	if (nrules != NULL) {
		*nrules = 0;
	}
	ld.file = fa_arena_strndup(set->arena, name, strlen(name));
	if (ld.file == NULL || !yaml_parser_initialize(&parser)) {
		return FA_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

	if (!shallow(&ld)) {
		goto out;
	}
	if (!yaml_parser_load(&parser, &doc)) {
		parse_error(&ld, &parser, true);
		goto out;
	}
	have_doc = true;
	document(&ld, &doc, &added);

	if (ld.errors == 0 && !ld.oom) {
		yaml_document_t extra;
		if (!yaml_parser_load(&parser, &extra)) {
			parse_error(&ld, &parser, false);
		} else {
			if (yaml_document_get_root_node(&extra) != NULL) {
				yaml_node_t *root = yaml_document_get_root_node(&extra);
				err_at(&ld, root->start_mark,
				       "a policy file holds one YAML document; found a second one");
			}
			yaml_document_delete(&extra);
		}
	}

out:
	if (have_doc) {
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (ld.oom) {
		rc = FA_ENOMEM;
	} else if (ld.errors > 0) {
		rc = FA_EPARSE;
	} else if (nrules != NULL) {
		*nrules = added;
	}
	return rc;
}

int fa_rule_set_add_file(struct fa_rule_set *set, const char *path,
			 struct fa_rule_diag *diag, size_t *nrules)
{
	char *buf = NULL;
	char err[1024];
	int fd;
	FILE *f;

	int rc = fa_file_open_regular(path, &fd, NULL, err, sizeof(err));
	if (rc != FA_OK) {
		diag_add(diag, "%s", err);
		return rc;
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		diag_add(diag, "could not open \"%s\": %s", path, strerror(errno));
		close(fd);
		return FA_EIO;
	}

	buf = malloc(FA_RULE_MAX_FILE + 1);
	if (buf == NULL) {
		rc = FA_ENOMEM;
		goto out;
	}
	size_t len = fread(buf, 1, FA_RULE_MAX_FILE + 1, f);
	if (ferror(f)) {
		diag_add(diag, "could not read \"%s\": %s", path, strerror(errno));
		rc = FA_EIO;
		goto out;
	}
	if (len > FA_RULE_MAX_FILE) {
		diag_add(diag, "could not read \"%s\": file is larger than %d bytes", path,
			 FA_RULE_MAX_FILE);
		rc = FA_ELIMIT;
		goto out;
	}
	rc = fa_rule_set_add_buffer(set, path, buf, len, diag, nrules);

out:
	free(buf);
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yaml_name(const char *name)
{
	size_t len = strlen(name);
	if (name[0] == '.') {
		return false;
	}
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

void fa_rule_paths_free(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i]);
	}
	free(files);
}

int fa_rule_expand_path(const char *path, char ***files, size_t *n, char *err,
			size_t errlen)
{
	struct stat st;
	char **list = NULL;
	size_t count = 0, cap = 0;
	DIR *dir = NULL;
	int rc = FA_OK;

	*files = NULL;
	*n = 0;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		return FA_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		list = malloc(sizeof(*list));
		if (list == NULL || (list[0] = strdup(path)) == NULL) {
			free(list);
			return FA_ENOMEM;
		}
		*files = list;
		*n = 1;
		return FA_OK;
	}

	dir = opendir(path);
	if (dir == NULL) {
		snprintf(err, errlen, "could not open directory \"%s\": %s", path,
			 strerror(errno));
		return FA_EIO;
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (!yaml_name(de->d_name)) {
			continue;
		}
		if (grow((void **)&list, &cap, count + 1, sizeof(*list)) != FA_OK) {
			rc = FA_ENOMEM;
			goto out;
		}
		size_t len = strlen(path) + strlen(de->d_name) + 2;
		list[count] = malloc(len);
		if (list[count] == NULL) {
			rc = FA_ENOMEM;
			goto out;
		}
		size_t plen = strlen(path);
		bool slash = plen > 0 && path[plen - 1] == '/';
		snprintf(list[count], len, "%s%s%s", path, slash ? "" : "/", de->d_name);
		count++;
	}
	if (count > 1) {
		qsort(list, count, sizeof(*list), cmp_str);
	}

out:
	closedir(dir);
	if (rc != FA_OK) {
		fa_rule_paths_free(list, count);
		return rc;
	}
	*files = list;
	*n = count;
	return FA_OK;
}

int fa_rule_set_load(struct fa_rule_set **out, const char *const *paths, size_t npaths,
		     const struct fa_rule_load_opts *opts, struct fa_rule_diag *diag)
{
	int rc = FA_OK;
	size_t nfiles_total = 0;
	struct fa_rule_set *set = fa_rule_set_new(opts);
	*out = NULL;
	if (set == NULL) {
		return FA_ENOMEM;
	}

	for (size_t i = 0; i < npaths; i++) {
		char **files = NULL;
		size_t nfiles = 0;
		char err[512];
		int r = fa_rule_expand_path(paths[i], &files, &nfiles, err, sizeof(err));
		if (r != FA_OK) {
			if (r == FA_EIO) {
				diag_add(diag, "%s", err);
			}
			rc = rc == FA_OK ? r : rc;
			continue;
		}
		if (nfiles == 0) {
			diag_add(diag, "no policy file (*.yaml, *.yml) in \"%s\"", paths[i]);
		}
		nfiles_total += nfiles;
		for (size_t k = 0; k < nfiles; k++) {
			r = fa_rule_set_add_file(set, files[k], diag, NULL);
			if (r != FA_OK && rc == FA_OK) {
				rc = r;
			}
		}
		fa_rule_paths_free(files, nfiles);
	}
	if (rc == FA_OK && nfiles_total == 0) {
		rc = FA_ENOTFOUND;
	}
	if (rc != FA_OK) {
		fa_rule_set_free(set);
		return rc;
	}
	*out = set;
	return FA_OK;
}

size_t fa_rule_set_size(const struct fa_rule_set *set)
{
	return set->nrules;
}

size_t fa_rule_set_policy_count(const struct fa_rule_set *set)
{
	return set->npolicies;
}

const char *fa_rule_set_policy_name(const struct fa_rule_set *set, size_t i)
{
	return i < set->npolicies ? set->policies[i] : NULL;
}

int64_t fa_rule_set_lookback(const struct fa_rule_set *set)
{
	return set->lookback_us;
}

void fa_rule_set_fingerprint(const struct fa_rule_set *set, size_t i, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	hex[0] = '\0';
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return;
	}

	/* Canonical form: what changes a verdict, NUL-separated; the
	 * description and file position do not. */
	EVP_DigestUpdate(ctx, set->policies[i], strlen(set->policies[i]) + 1);
	for (size_t k = 0; k < set->nrules; k++) {
		const struct fa_rule *r = set->rules[k];
		if (r->policy != i) {
			continue;
		}
		char num[32];
		snprintf(num, sizeof(num), "%d/%d", r->severity, r->score);
		EVP_DigestUpdate(ctx, r->id, strlen(r->id) + 1);
		EVP_DigestUpdate(ctx, fa_rule_entities[r->entity].name,
				 strlen(fa_rule_entities[r->entity].name) + 1);
		EVP_DigestUpdate(ctx, num, strlen(num) + 1);
		EVP_DigestUpdate(ctx, r->when, strlen(r->when) + 1);
	}
	/* Scoring, only when set: fingerprints of policies written before it
	 * existed stay as they were. */
	const struct fa_rule_discount *dc = &set->discount[i];
	if (dc->allowlist != 0 || set->flux_where != NULL) {
		char sc[128];
		snprintf(sc, sizeof(sc), "scoring %d %.4f %.4f %.4f", dc->allowlist,
			 set->flux_w[0], set->flux_w[1], set->flux_w[2]);
		EVP_DigestUpdate(ctx, sc, strlen(sc) + 1);
	}
	if (dc->high_change != 0) {
		char sc[64];
		snprintf(sc, sizeof(sc), "high_change %d", dc->high_change);
		EVP_DigestUpdate(ctx, sc, strlen(sc) + 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (unsigned int k = 0; k < mdlen; k++) {
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	}
}
