/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrichment configuration file (YAML, read with libyaml): which
 * files to load and the entries written inline, every error with file,
 * line and column. docs/enrichment.md describes the keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/fa_file.h"
#include "common/fa_yaml.h"
#include "enrich/enrich_int.h"

#define MAX_DEPTH 16
#define MAX_PATH 4096
#define MAX_PROVIDER 128
#define MAX_NOTE 512

struct conf {
	struct fa_enrich *e;
	const char *file;
	const char *basedir;
	yaml_document_t *doc;
	struct fa_enrich_diag *diag;
	int errors;
	bool oom;
};

static void err_at(struct conf *cf, const yaml_node_t *n, const char *fmt, ...) FA_PRINTF(3, 4);

static void err_at(struct conf *cf, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fa_enrich_diag_add(cf->diag, "%s:%zu:%zu: %s", cf->file, n->start_mark.line + 1,
			   n->start_mark.column + 1, msg);
	cf->errors++;
}

static const char *scalar(const yaml_node_t *n);

/* Messages given so far, kept or not. */
static size_t said(const struct conf *cf)
{
	return cf->diag != NULL ? cf->diag->count + cf->diag->dropped : 0;
}

/*
 * Count the outcome of an add call made for node n, when said() was
 * before. Every counted error must be printed: one the call did not
 * explain gets a message at n, so a refusal never counts an error nobody
 * sees.
 */
static void outcome(struct conf *cf, const yaml_node_t *n, size_t before, int rc)
{
	if (rc == FA_ENOMEM) {
		cf->oom = true;
	} else if (rc != FA_OK && said(cf) == before) {
		err_at(cf, n, "\"%.*s\" not used: %s", 256, scalar(n), fa_strerror(rc));
	} else if (rc != FA_OK) {
		cf->errors++;
	}
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static yaml_node_t *node(struct conf *cf, int id)
{
	return yaml_document_get_node(cf->doc, id);
}

static bool text(struct conf *cf, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0) {
		err_at(cf, n, "%s must be a non-empty string", what);
		return false;
	}
	if (strlen(scalar(n)) != n->data.scalar.length) {
		err_at(cf, n, "%s holds a NUL byte", what);
		return false;
	}
	return true;
}

/* A key that is missing or holds an empty list: both configure nothing. */
static bool absent(const yaml_node_t *n)
{
	return n == NULL ||
	       (n->type == YAML_SEQUENCE_NODE &&
		n->data.sequence.items.top == n->data.sequence.items.start);
}

/* Call fn for a scalar or for each scalar of a sequence. */
static void each(struct conf *cf, yaml_node_t *n, const char *what,
		 void (*fn)(struct conf *cf, yaml_node_t *item, void *arg), void *arg)
{
	if (n->type == YAML_SCALAR_NODE) {
		if (text(cf, n, what)) {
			fn(cf, n, arg);
		}
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err_at(cf, n, "%s must be a string or a list of strings", what);
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = node(cf, *it);
		if (item != NULL && text(cf, item, what)) {
			fn(cf, item, arg);
		}
	}
}

/*
 * Check a mapping's keys against the allowed ones: scalars, known, once
 * each. found[i] gets the value of keys[i]. Returns false only when map
 * is not a mapping: after a bad key the others are still checked, so one
 * run reports every error.
 */
static bool keys(struct conf *cf, yaml_node_t *map, const char *where,
		 const char *const *names, size_t nnames, yaml_node_t **found)
{
	if (map->type != YAML_MAPPING_NODE) {
		err_at(cf, map, "%s must be a mapping", where);
		return false;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(cf, p->key), *v = node(cf, p->value);
		if (k == NULL || v == NULL) {
			continue;
		}
		if (k->type != YAML_SCALAR_NODE) {
			err_at(cf, k, "keys of %s must be plain names", where);
			continue;
		}
		size_t i;
		for (i = 0; i < nnames; i++) {
			if (strcmp(scalar(k), names[i]) == 0) {
				break;
			}
		}
		if (i == nnames) {
			char list[256] = "";
			for (size_t j = 0; j < nnames; j++) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof(list) - l, "%s%s", j ? ", " : "",
					 names[j]);
			}
			err_at(cf, k, "unknown key \"%.*s\" in %s (expected one of: %s)", 64,
			       scalar(k), where, list);
			continue;
		}
		if (found[i] != NULL) {
			err_at(cf, k, "key \"%s\" is given twice in %s", names[i], where);
			continue;
		}
		found[i] = v;
	}
	return true;
}

static bool resolve(struct conf *cf, yaml_node_t *n, char *out, size_t outlen)
{
	const char *p = scalar(n);
	int len;
	if (p[0] == '/' || cf->basedir == NULL || cf->basedir[0] == '\0' ||
	    strcmp(cf->basedir, ".") == 0) {
		len = snprintf(out, outlen, "%s", p);
	} else {
		len = snprintf(out, outlen, "%s/%s", cf->basedir, p);
	}
	if (len < 0 || (size_t)len >= outlen) {
		err_at(cf, n, "path is longer than %zu bytes", outlen - 1);
		return false;
	}
	return true;
}

enum file_kind { F_MMDB, F_PFX2AS, F_PREFIXES, F_DECL, F_PTR };

static void origin_of(struct conf *cf, const yaml_node_t *n, char *out, size_t outlen);

static void load_file(struct conf *cf, yaml_node_t *n, void *arg)
{
	enum file_kind kind = *(enum file_kind *)arg;
	char path[MAX_PATH], err[1024];
	char *buf = NULL;
	size_t len, before = said(cf);
	int rc;

	if (!resolve(cf, n, path, sizeof(path))) {
		return;
	}
	if (kind == F_MMDB) {
		/* libmaxminddb opens the file itself: say here, at the entry,
		 * when it cannot be read at all. */
		if (fa_file_check_regular(path, err, sizeof(err)) != FA_OK) {
			err_at(cf, n, "%s", err);
			return;
		}
		outcome(cf, n, before, fa_enrich_add_mmdb(cf->e, path, cf->diag));
		return;
	}
	if (kind == F_PTR) {
		/* Read in pieces: a PTR scan can pass the memory it would
		 * take to hold it. */
		origin_of(cf, n, err, sizeof(err));
		outcome(cf, n, before, fa_enrich_add_ptr_file(cf->e, path, err, cf->diag));
		return;
	}
	rc = fa_enrich_read_file(path, FA_ENRICH_MAX_FILE, &buf, &len, err, sizeof(err));
	if (rc != FA_OK) {
		err_at(cf, n, "%s", err);
		if (rc == FA_ENOMEM) {
			cf->oom = true;
		}
		return;
	}
	switch (kind) {
	case F_PFX2AS:
		rc = fa_enrich_add_pfx2as(cf->e, path, buf, len, cf->diag);
		break;
	case F_PREFIXES:
		rc = fa_enrich_add_prefixes(cf->e, path, buf, len, cf->diag);
		break;
	default:
		rc = fa_enrich_add_declarations_csv(cf->e, path, buf, len, cf->diag);
		break;
	}
	free(buf);
	outcome(cf, n, before, rc);
}

static void asn_section(struct conf *cf, yaml_node_t *map)
{
	static const char *const names[] = { "mmdb", "pfx2as", "prefer" };
	yaml_node_t *v[3] = { 0 };
	if (!keys(cf, map, "asn", names, 3, v)) {
		return;
	}
	if (v[2] != NULL) {
		if (v[2]->type == YAML_SCALAR_NODE && strcmp(scalar(v[2]), "mmdb") == 0) {
			fa_enrich_set_prefer(cf->e, FA_ENRICH_PREFER_MMDB);
		} else if (v[2]->type == YAML_SCALAR_NODE && strcmp(scalar(v[2]), "pfx2as") == 0) {
			fa_enrich_set_prefer(cf->e, FA_ENRICH_PREFER_PFX2AS);
		} else {
			err_at(cf, v[2], "prefer must be \"mmdb\" or \"pfx2as\"");
		}
	}
	enum file_kind k = F_MMDB;
	if (v[0] != NULL) {
		each(cf, v[0], "an mmdb file", load_file, &k);
	}
	k = F_PFX2AS;
	if (v[1] != NULL) {
		each(cf, v[1], "a pfx2as file", load_file, &k);
	}
}

struct provider_arg {
	const char *provider;
};

static void origin_of(struct conf *cf, const yaml_node_t *n, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s:%zu:%zu", cf->file, n->start_mark.line + 1,
		 n->start_mark.column + 1);
}

static void add_suffix(struct conf *cf, yaml_node_t *n, void *arg)
{
	char origin[1200];
	size_t before = said(cf);
	origin_of(cf, n, origin, sizeof(origin));
	int rc = fa_enrich_add_provider_suffix(cf->e, ((struct provider_arg *)arg)->provider,
					       scalar(n), cf->file, origin, cf->diag);
	outcome(cf, n, before, rc);
}

static void add_asn(struct conf *cf, yaml_node_t *n, void *arg)
{
	char origin[1200];
	const char *s = scalar(n);
	size_t len = strlen(s);
	uint64_t v = 0;
	int rc;
	bool ok = len > 0 && len <= 10 && s[0] != '0';
	for (size_t i = 0; ok && i < len; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!ok || v > UINT32_MAX || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		err_at(cf, n, "asn \"%.*s\" is not a number from 1 to 4294967295", 32, s);
		return;
	}
	origin_of(cf, n, origin, sizeof(origin));
	size_t before = said(cf);
	rc = fa_enrich_add_provider_asn(cf->e, ((struct provider_arg *)arg)->provider,
					(uint32_t)v, cf->file, origin, cf->diag);
	outcome(cf, n, before, rc);
}

static void allowlist(struct conf *cf, yaml_node_t *seq)
{
	static const char *const names[] = { "provider", "ns_suffix", "asn" };
	if (seq->type != YAML_SEQUENCE_NODE) {
		err_at(cf, seq, "allowlist must be a list of {provider, ns_suffix, asn} entries");
		return;
	}
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *item = node(cf, *it), *v[3] = { 0 };
		if (item == NULL || !keys(cf, item, "an allowlist entry", names, 3, v)) {
			continue;
		}
		if (v[0] == NULL) {
			err_at(cf, item, "allowlist entry has no provider");
			continue;
		}
		if (!text(cf, v[0], "provider")) {
			continue;
		}
		if (v[0]->data.scalar.length > MAX_PROVIDER) {
			err_at(cf, v[0], "provider name is longer than %d bytes", MAX_PROVIDER);
			continue;
		}
		if (absent(v[1]) && absent(v[2])) {
			err_at(cf, item, "allowlist entry for \"%s\" has neither ns_suffix nor asn",
			       scalar(v[0]));
			continue;
		}
		struct provider_arg pa = { scalar(v[0]) };
		if (v[1] != NULL) {
			each(cf, v[1], "ns_suffix", add_suffix, &pa);
		}
		if (v[2] != NULL) {
			each(cf, v[2], "asn", add_asn, &pa);
		}
	}
}

static void add_decl(struct conf *cf, yaml_node_t *n, void *arg)
{
	char origin[1200];
	origin_of(cf, n, origin, sizeof(origin));
	size_t before = said(cf);
	int rc = fa_enrich_add_declaration(cf->e, scalar(n), *(enum fa_enrich_decl *)arg, "",
					   cf->file, origin, cf->diag);
	outcome(cf, n, before, rc);
}

static void declarations(struct conf *cf, yaml_node_t *map)
{
	static const char *const names[] = { "file", "static", "dynamic" };
	yaml_node_t *v[3] = { 0 };
	if (!keys(cf, map, "declarations", names, 3, v)) {
		return;
	}
	enum fa_enrich_decl d = FA_ENRICH_DECL_STATIC;
	if (v[1] != NULL) {
		each(cf, v[1], "a static name", add_decl, &d);
	}
	d = FA_ENRICH_DECL_DYNAMIC;
	if (v[2] != NULL) {
		each(cf, v[2], "a dynamic name", add_decl, &d);
	}
	enum file_kind k = F_DECL;
	if (v[0] != NULL) {
		each(cf, v[0], "a declarations file", load_file, &k);
	}
}

/* high_change_registrars: [{registrar: ID, note: TEXT}, ...] */
static void high_change(struct conf *cf, yaml_node_t *seq)
{
	static const char *const names[] = { "registrar", "note" };
	char origin[1200];

	if (seq->type != YAML_SEQUENCE_NODE) {
		err_at(cf, seq, "high_change_registrars must be a list of {registrar, note} "
		       "entries");
		return;
	}
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *item = node(cf, *it), *v[2] = { 0 };
		if (item == NULL || !keys(cf, item, "a high_change_registrars entry", names, 2,
					  v)) {
			continue;
		}
		if (v[0] == NULL) {
			err_at(cf, item, "high_change_registrars entry has no registrar");
			continue;
		}
		if (!text(cf, v[0], "registrar") || (v[1] != NULL && !text(cf, v[1], "note"))) {
			continue;
		}
		if (v[1] != NULL && v[1]->data.scalar.length > MAX_NOTE) {
			err_at(cf, v[1], "note is longer than %d bytes", MAX_NOTE);
			continue;
		}
		origin_of(cf, v[0], origin, sizeof(origin));
		size_t before = said(cf);
		int rc = fa_enrich_add_high_change(cf->e, scalar(v[0]),
						   v[1] != NULL ? scalar(v[1]) : NULL, cf->file,
						   origin, cf->diag);
		outcome(cf, v[0], before, rc);
	}
}

static void add_pattern(struct conf *cf, yaml_node_t *n, void *arg)
{
	char origin[1200];
	origin_of(cf, n, origin, sizeof(origin));
	size_t before = said(cf);
	int rc = fa_enrich_add_ptr_pattern(cf->e, scalar(n), *(bool *)arg, origin, cf->diag);
	outcome(cf, n, before, rc);
}

/* For each(): the entry's shape is checked, nothing is done with it. */
static void skip_item(struct conf *cf, yaml_node_t *n, void *arg)
{
	(void)cf;
	(void)n;
	(void)arg;
}

static void consumer_ptr(struct conf *cf, yaml_node_t *map)
{
	static const char *const names[] = { "file", "patterns", "exclude",
					     "embedded_address" };
	yaml_node_t *v[4] = { 0 };
	int before = cf->errors;

	if (!keys(cf, map, "consumer_ptr", names, 4, v)) {
		return;
	}
	if (v[3] != NULL) {
		const char *s = v[3]->type == YAML_SCALAR_NODE ? scalar(v[3]) : "";
		if (strcmp(s, "required") == 0) {
			fa_enrich_set_ptr_embedded(cf->e, true);
		} else if (strcmp(s, "ignored") != 0) {
			err_at(cf, v[3], "embedded_address must be \"required\" or \"ignored\"");
		}
	}
	/* Both are required; an empty list is no more than a missing key.
	 * The two messages in the order of their places in the file. */
	yaml_node_t *at_file = v[0] != NULL ? v[0] : map;
	yaml_node_t *at_pat = v[1] != NULL ? v[1] : map;
	bool pat_first = at_pat->start_mark.index < at_file->start_mark.index;
	if (pat_first && absent(v[1])) {
		err_at(cf, at_pat, "consumer_ptr has no patterns");
	}
	if (absent(v[0])) {
		err_at(cf, at_file, "consumer_ptr has no file");
	}
	if (!pat_first && absent(v[1])) {
		err_at(cf, at_pat, "consumer_ptr has no patterns");
	}
	bool exclude = false;
	if (v[1] != NULL) {
		each(cf, v[1], "a pattern", add_pattern, &exclude);
	}
	exclude = true;
	if (v[2] != NULL) {
		each(cf, v[2], "an exclude pattern", add_pattern, &exclude);
	}
	/* Classifying a large table with patterns that are refused anyway
	 * would only waste time; the entries are still checked. */
	enum file_kind k = F_PTR;
	if (v[0] != NULL && cf->errors == before && !cf->oom) {
		each(cf, v[0], "a PTR file", load_file, &k);
	} else if (v[0] != NULL) {
		each(cf, v[0], "a PTR file", skip_item, NULL);
	}
}

static void document(struct conf *cf)
{
	static const char *const names[] = {
		"asn", "consumer_prefixes", "allowlist", "declarations",
		"high_change_registrars", "consumer_ptr",
	};
	yaml_node_t *root = yaml_document_get_root_node(cf->doc), *v[6] = { 0 };

	if (root == NULL) {
		return;		/* an empty file configures nothing */
	}
	if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0) {
		return;
	}
	if (!keys(cf, root, "the enrichment configuration", names, 6, v)) {
		return;
	}
	if (v[0] != NULL) {
		asn_section(cf, v[0]);
	}
	enum file_kind k = F_PREFIXES;
	if (v[1] != NULL) {
		each(cf, v[1], "a consumer prefix file", load_file, &k);
	}
	if (v[2] != NULL) {
		allowlist(cf, v[2]);
	}
	if (v[3] != NULL) {
		declarations(cf, v[3]);
	}
	if (v[4] != NULL) {
		high_change(cf, v[4]);
	}
	if (v[5] != NULL) {
		consumer_ptr(cf, v[5]);
	}
}

/* Refuse deep nesting before libyaml builds the document (its scanner
 * slows down with deeply nested flow collections). */
static bool shallow(struct conf *cf, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0;
	bool ok = true;

	if (!yaml_parser_initialize(&parser)) {
		cf->oom = true;
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (yaml_parser_parse(&parser, &ev)) {
		yaml_event_type_t type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH) {
				fa_enrich_diag_add(cf->diag, "%s:%zu:%zu: nesting deeper than %d "
						   "levels", cf->file, ev.start_mark.line + 1,
						   ev.start_mark.column + 1, MAX_DEPTH);
				cf->errors++;
				ok = false;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (type == YAML_ALIAS_EVENT) {
			/* An alias would load the same file twice. */
			fa_enrich_diag_add(cf->diag, "%s:%zu:%zu: YAML aliases are not accepted "
					   "here", cf->file, ev.start_mark.line + 1,
					   ev.start_mark.column + 1);
			cf->errors++;
			ok = false;
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
static void parse_error(struct conf *cf, const yaml_parser_t *parser, const char *buf,
			size_t len)
{
	char why[256];
	yaml_mark_t m = fa_yaml_error_mark(parser, buf, len);

	fa_yaml_error_text(parser, why, sizeof(why));
	fa_enrich_diag_add(cf->diag, "%s:%zu:%zu: could not parse YAML: %s", cf->file,
			   m.line + 1, m.column + 1, why);
	cf->errors++;
}

int fa_enrich_load_buffer(struct fa_enrich **out, const char *name, const char *buf,
			  size_t len, const char *basedir, struct fa_enrich_diag *diag)
{
	struct conf cf = { .file = name, .basedir = basedir, .diag = diag };
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_parser = false, have_doc = false;
	int rc;

	*out = NULL;
	cf.e = fa_enrich_new();
	if (cf.e == NULL) {
		return FA_ENOMEM;
	}
	if (!shallow(&cf, buf, len)) {
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		cf.oom = true;
		goto out;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		parse_error(&cf, &parser, buf, len);
		goto out;
	}
	have_doc = true;
	cf.doc = &doc;
	document(&cf);
	if (cf.errors == 0 && !cf.oom) {
		yaml_document_t extra;
		if (yaml_parser_load(&parser, &extra)) {
			yaml_node_t *r = yaml_document_get_root_node(&extra);
			if (r != NULL) {
				fa_enrich_diag_add(diag, "%s:%zu:%zu: the configuration is one "
						   "YAML document; found a second one", name,
						   r->start_mark.line + 1,
						   r->start_mark.column + 1);
				cf.errors++;
			}
			yaml_document_delete(&extra);
		} else {
			parse_error(&cf, &parser, buf, len);
		}
	}
	if (cf.errors == 0 && !cf.oom) {
		size_t before = said(&cf);
		rc = fa_enrich_finish(cf.e, diag);
		if (rc == FA_ENOMEM) {
			cf.oom = true;
		} else if (rc != FA_OK) {
			/* As outcome(), for the whole file. */
			if (said(&cf) == before) {
				fa_enrich_diag_add(diag, "%s: %s", name, fa_strerror(rc));
			}
			cf.errors++;
		}
	}
out:
	if (have_doc) {
		yaml_document_delete(&doc);
	}
	if (have_parser) {
		yaml_parser_delete(&parser);
	}
	rc = cf.oom ? FA_ENOMEM : cf.errors > 0 ? FA_EPARSE : FA_OK;
	if (rc != FA_OK) {
		char why[32];
		if (cf.oom) {
			snprintf(why, sizeof(why), "out of memory");
		} else {
			snprintf(why, sizeof(why), "%d error%s", cf.errors,
				 cf.errors == 1 ? "" : "s");
		}
		fa_enrich_diag_last(diag, "%s: configuration refused (%s), nothing of it is used",
				    name, why);
		fa_enrich_free(cf.e);
		return rc;
	}
	*out = cf.e;
	return FA_OK;
}

int fa_enrich_load(struct fa_enrich **out, const char *path, struct fa_enrich_diag *diag)
{
	char err[1024], dir[MAX_PATH];
	char *buf = NULL;
	size_t len;

	*out = NULL;
	int rc = fa_enrich_read_file(path, FA_ENRICH_MAX_CONFIG, &buf, &len, err, sizeof(err));
	if (rc != FA_OK) {
		fa_enrich_diag_add(diag, "%s", err);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == dir) {
		dir[1] = '\0';
	} else {
		*slash = '\0';
	}
	rc = fa_enrich_load_buffer(out, path, buf, len, dir, diag);
	free(buf);
	return rc;
}
