/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conformance over the shared corpus of real EPP frames (nomulus and the
 * .ee registry). For every well-formed, non-template EPP frame the command
 * (or response kind) and the object names are worked out independently
 * here with libxml2's DOM and XPath, and compared with what the reader
 * returns for the same file read as a single frame. Frames that carry an
 * invalid name or address must be refused, as must non-EPP documents and
 * anything with a DTD; hostile frames are refused without expansion.
 *
 * Exits 77 (not run) when the corpus is absent.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <arpa/inet.h>
#include <ctype.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "epp_test_util.h"

/* Every EPP namespace URI the corpus uses, standard and .ee aliases. */
static const char *const epp_uris[] = {
	"urn:ietf:params:xml:ns:epp-1.0",
	"https://epp.tld.ee/schema/epp-ee-1.0.xsd",
	"epp-ee",
	NULL,
};

struct objns {
	const char *uri;
	const char *type;
};

/* Object mappings: RFC 5731-5733 and the .ee registry's own URIs. */
static const struct objns obj_uris[] = {
	{ "urn:ietf:params:xml:ns:domain-1.0", "domain" },
	{ "https://epp.tld.ee/schema/domain-eis-1.0.xsd", "domain" },
	{ "domain-ee", "domain" },
	{ "urn:ietf:params:xml:ns:host-1.0", "host" },
	{ "urn:ietf:params:xml:ns:contact-1.0", "contact" },
	{ "https://epp.tld.ee/schema/contact-ee-1.1.xsd", "contact" },
	{ "contact-ee", "contact" },
	{ NULL, NULL },
};

static const char *const cmd_verbs[] = {
	"check", "create", "delete", "info", "renew", "transfer", "update",
	NULL,
};

struct expect {
	int reject;		/* 1: the reader must refuse the frame */
	int may_reject;		/* refusing is as right as reading it */
	const char *why;	/* why it must be refused */
	char command[64];
	const char *type;
	char *objects[64];
	size_t nobjects;
	int result_code;
	char registrar[128];
	/* NS, glue and status changes the command asks for, as
	 * "kind|host|value" strings; checked only when have_changes */
	int have_changes;
	char *changes[512];
	size_t nchanges;
};

struct stats {
	size_t files, xml, checked, matched, rejects_expected;
	size_t skip_template, skip_not_wellformed, skip_not_epp, skip_other;
	size_t hostile, hostile_ok;
	size_t by_kind_cmd, by_kind_rsp, by_kind_greeting, by_kind_hello;
	size_t mismatches;
	size_t changes_checked, changes_total;
	size_t not_epp_checked, not_epp_refused;
	size_t not_epp_by_root[16];
	char not_epp_roots[16][160];
	size_t n_not_epp_roots;
};

static struct stats st;
static const char *corpus_dir;
static char **paths;
static size_t npaths, cappaths;

static int is_in(const char *s, const char *const *set)
{
	for (size_t i = 0; s != NULL && set[i] != NULL; i++) {
		if (strcmp(s, set[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

static const char *obj_type(const xmlChar *uri)
{
	for (size_t i = 0; uri != NULL && obj_uris[i].uri != NULL; i++) {
		if (strcmp((const char *)uri, obj_uris[i].uri) == 0) {
			return obj_uris[i].type;
		}
	}
	return NULL;
}

static int collect(const char *path, const struct stat *sb, int flag,
		   struct FTW *ftw)
{
	size_t n = strlen(path);

	if (flag != FTW_F) {
		return 0;
	}
	st.files++;
	if (n < 4 || strcmp(path + n - 4, ".xml") != 0) {
		return 0;
	}
	if (npaths == cappaths) {
		cappaths = cappaths ? cappaths * 2 : 1024;
		paths = realloc(paths, cappaths * sizeof(*paths));
		assert_non_null(paths);
	}
	paths[npaths++] = strdup(path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A %PLACEHOLDER% token (letters, digits, _ and -) marks a template. */
/* Namespace errors seen while parsing the current file. */
static int ns_errors;

static void on_xml_error(void *data, xmlErrorPtr err)
{
	/* errors only: a relative namespace URI (.ee's "epp-ee") is a
	 * warning and the frame is fine */
	if (err != NULL && err->domain == XML_FROM_NAMESPACE &&
	    err->level >= XML_ERR_ERROR) {
		ns_errors++;
	}
}

static int is_template(const char *s)
{
	for (const char *p = strchr(s, '%'); p != NULL; p = strchr(p + 1, '%')) {
		const char *q = p + 1;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == '-') {
			q++;
		}
		if (*q == '%' && q > p + 1) {
			return 1;
		}
	}
	return 0;
}

/* Trimmed text of a node, malloc'd. */
static char *node_text(xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	size_t len;
	char *out;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1])) {
		len--;
	}
	out = strndup(s, len);
	xmlFree(c);
	return out;
}

/*
 * Name rules: at most 253 octets without the trailing dot, labels of 1..63
 * octets made of ASCII letters, digits and hyphens, no hyphen at either
 * end of a label (RFC 1123 host names, which RFC 5731/5732 require; IDNs
 * travel as A-labels, so non-ASCII is invalid).
 */
static int name_valid(const char *s)
{
	size_t len = strlen(s);
	size_t label = 0;

	if (len > 0 && s[len - 1] == '.') {
		len--;
	}
	if (len == 0 || len > 253) {
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return 0;
			}
			label = 0;
			continue;
		}
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) && c < 0x80) && c != '-') {
			return 0;
		}
		if (label == 0 && c == '-') {
			return 0;
		}
		if (++label > 63) {
			return 0;
		}
	}
	return 1;
}

static char *name_norm(const char *s)
{
	char *o = strdup(s);
	size_t len = strlen(o);

	if (len > 0 && o[len - 1] == '.') {
		o[--len] = '\0';
	}
	for (size_t i = 0; i < len; i++) {
		o[i] = (char)tolower((unsigned char)o[i]);
	}
	return o;
}

static xmlXPathObjectPtr xp(xmlXPathContextPtr ctx, const char *expr,
			    xmlNodePtr at)
{
	ctx->node = at;
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	if (o == NULL) {
		fail_msg("XPath \"%s\" did not evaluate", expr);
	}
	return o;
}

static size_t nodes(xmlXPathObjectPtr o)
{
	return o->nodesetval ? (size_t)o->nodesetval->nodeNr : 0;
}

static xmlNodePtr node_at(xmlXPathObjectPtr o, size_t i)
{
	return o->nodesetval->nodeTab[i];
}

/*
 * Every name and address under the domain and host mappings must be
 * valid, or the whole frame is refused.
 */
static void check_names_and_addrs(xmlXPathContextPtr ctx, xmlNodePtr root,
				  struct expect *e)
{
	static const char *const name_xp =
		"//d1:name | //d2:name | //d3:name | //h:name"
		" | //d1:hostObj | //d2:hostObj | //d3:hostObj"
		" | //d1:hostName | //d2:hostName | //d3:hostName";
	static const char *const addr_xp =
		"//d1:hostAddr | //d2:hostAddr | //d3:hostAddr | //h:addr";
	xmlXPathObjectPtr o = xp(ctx, name_xp, root);

	for (size_t i = 0; i < nodes(o) && !e->reject; i++) {
		char *t = node_text(node_at(o, i));
		if (!name_valid(t)) {
			e->reject = 1;
			e->why = "invalid name";
		}
		free(t);
	}
	xmlXPathFreeObject(o);

	o = xp(ctx, addr_xp, root);
	for (size_t i = 0; i < nodes(o) && !e->reject; i++) {
		xmlNodePtr n = node_at(o, i);
		xmlChar *ip = xmlGetProp(n, (const xmlChar *)"ip");
		int v6 = ip != NULL && strcmp((const char *)ip, "v6") == 0;
		unsigned char buf[16];
		char *t = node_text(n);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, t, buf) != 1) {
			e->reject = 1;
			e->why = "invalid address";
		}
		free(t);
		xmlFree(ip);
	}
	xmlXPathFreeObject(o);
}

static void add_object(struct expect *e, const char *type, xmlNodePtr n)
{
	char *t = node_text(n);

	assert_true(e->nobjects < 64);
	if (strcmp(type, "contact") == 0) {
		e->objects[e->nobjects++] = t;
		return;
	}
	e->objects[e->nobjects++] = name_norm(t);
	free(t);
}

/* Object names of an object element: name (or id) children, or cd/... */
static void collect_objects(xmlXPathContextPtr ctx, xmlNodePtr obj,
			    const char *type, struct expect *e)
{
	const char *key = strcmp(type, "contact") == 0 ? "id" : "name";
	char expr[256];

	snprintf(expr, sizeof(expr),
		 "*[local-name()='%s' and namespace-uri()=namespace-uri(..)]"
		 " | *[local-name()='cd' and namespace-uri()=namespace-uri(..)]"
		 "/*[local-name()='%s' and namespace-uri()=namespace-uri(..)]",
		 key, key);
	xmlXPathObjectPtr o = xp(ctx, expr, obj);
	for (size_t i = 0; i < nodes(o); i++) {
		add_object(e, type, node_at(o, i));
	}
	xmlXPathFreeObject(o);
}

static void add_change(struct expect *e, const char *kind, const char *host,
		       const char *value)
{
	size_t n = strlen(kind) + strlen(host) + strlen(value) + 3;
	char *c = malloc(n);

	assert_non_null(c);
	snprintf(c, n, "%s|%s|%s", kind, host, value);
	assert_true(e->nchanges < 512);
	e->changes[e->nchanges++] = c;
}

/* The address in its one spelling (inet_ntop prints RFC 5952 form). */
static char *addr_norm(xmlNodePtr n)
{
	xmlChar *ip = xmlGetProp(n, (const xmlChar *)"ip");
	int af = ip != NULL && strcmp((const char *)ip, "v6") == 0 ? AF_INET6
								      : AF_INET;
	unsigned char bin[16];
	char out[64] = "";
	char *t = node_text(n);

	if (inet_pton(af, t, bin) == 1) {
		inet_ntop(af, bin, out, sizeof(out));
	}
	xmlFree(ip);
	free(t);
	return strdup(out);
}

/* NS entries (hostObj, or hostAttr's hostName and its addresses) under
 * the node set of <ns> elements that expr selects. */
static void ns_changes(xmlXPathContextPtr ctx, xmlNodePtr obj,
		       const char *expr, const char *kind, int glue,
		       struct expect *e)
{
	xmlXPathObjectPtr o = xp(ctx, expr, obj);

	for (size_t i = 0; i < nodes(o); i++) {
		xmlNodePtr ent = node_at(o, i);
		xmlXPathObjectPtr hn;
		if (strcmp((const char *)ent->name, "hostObj") == 0) {
			char *t = node_text(ent), *h = name_norm(t);
			add_change(e, kind, h, "");
			free(t);
			free(h);
			continue;
		}
		hn = xp(ctx, "o:hostName", ent);
		if (nodes(hn) != 1) {
			xmlXPathFreeObject(hn);
			continue;
		}
		char *t = node_text(node_at(hn, 0)), *h = name_norm(t);
		xmlXPathFreeObject(hn);
		add_change(e, kind, h, "");
		if (glue) {
			xmlXPathObjectPtr a = xp(ctx, "o:hostAddr", ent);
			for (size_t k = 0; k < nodes(a); k++) {
				char *v = addr_norm(node_at(a, k));
				add_change(e, "host.addr_add", h, v);
				free(v);
			}
			xmlXPathFreeObject(a);
		}
		free(t);
		free(h);
	}
	xmlXPathFreeObject(o);
}

static void simple_changes(xmlXPathContextPtr ctx, xmlNodePtr obj,
			   const char *expr, const char *kind,
			   const char *host, int is_addr, struct expect *e)
{
	xmlXPathObjectPtr o = xp(ctx, expr, obj);

	for (size_t i = 0; i < nodes(o); i++) {
		xmlNodePtr n = node_at(o, i);
		char *v;
		if (is_addr) {
			v = addr_norm(n);
		} else {
			xmlChar *c = xmlNodeGetContent(n);
			v = strdup(c ? (const char *)c : "");
			xmlFree(c);
		}
		add_change(e, kind, host, v);
		free(v);
	}
	xmlXPathFreeObject(o);
}

/*
 * What a lone command asks to change in NS sets, glue and statuses, read
 * straight from the frame; the reader must report exactly these.
 */
static void expect_changes(xmlXPathContextPtr ctx, xmlNodePtr obj,
			   const char *type, const char *verb,
			   struct expect *e)
{
	const char *host = e->nobjects > 0 ? e->objects[0] : "";

	assert_int_equal(xmlXPathRegisterNs(ctx, (const xmlChar *)"o",
					    obj->ns->href), 0);
	if (strcmp(type, "domain") == 0 && strcmp(verb, "create") == 0) {
		e->have_changes = 1;
		ns_changes(ctx, obj, "o:ns/o:hostObj | o:ns/o:hostAttr",
			   "domain.ns_add", 1, e);
	} else if (strcmp(type, "domain") == 0 && strcmp(verb, "update") == 0) {
		e->have_changes = 1;
		ns_changes(ctx, obj, "o:add/o:ns/o:hostObj | o:add/o:ns/o:hostAttr",
			   "domain.ns_add", 1, e);
		ns_changes(ctx, obj, "o:rem/o:ns/o:hostObj | o:rem/o:ns/o:hostAttr",
			   "domain.ns_rem", 0, e);
		simple_changes(ctx, obj, "o:add/o:status/@s",
			       "domain.status_add", "", 0, e);
		simple_changes(ctx, obj, "o:rem/o:status/@s",
			       "domain.status_rem", "", 0, e);
	} else if (strcmp(type, "host") == 0 && strcmp(verb, "create") == 0) {
		e->have_changes = 1;
		simple_changes(ctx, obj, "o:addr", "host.addr_add", host, 1, e);
	} else if (strcmp(type, "host") == 0 && strcmp(verb, "update") == 0) {
		e->have_changes = 1;
		simple_changes(ctx, obj, "o:add/o:addr", "host.addr_add", host,
			       1, e);
		simple_changes(ctx, obj, "o:rem/o:addr", "host.addr_rem", host,
			       1, e);
		simple_changes(ctx, obj, "o:add/o:status/@s", "host.status_add",
			       host, 0, e);
		simple_changes(ctx, obj, "o:rem/o:status/@s", "host.status_rem",
			       host, 0, e);
	}
}

static void expect_command(xmlXPathContextPtr ctx, xmlNodePtr cmd,
			   struct expect *e)
{
	xmlXPathObjectPtr o = xp(ctx, "*[namespace-uri()=namespace-uri(..)"
				 " and local-name()!='extension'"
				 " and local-name()!='clTRID']", cmd);

	st.by_kind_cmd++;
	e->result_code = -1;
	if (nodes(o) != 1) {
		e->reject = 1;
		e->why = "no command element";
		xmlXPathFreeObject(o);
		return;
	}
	xmlNodePtr verb = node_at(o, 0);
	const char *v = (const char *)verb->name;
	xmlXPathFreeObject(o);

	if (strcmp(v, "login") == 0 || strcmp(v, "logout") == 0 ||
	    strcmp(v, "poll") == 0) {
		snprintf(e->command, sizeof(e->command), "%s", v);
		if (strcmp(v, "login") == 0) {
			o = xp(ctx, "*[local-name()='clID']", verb);
			if (nodes(o) == 1) {
				char *t = node_text(node_at(o, 0));
				snprintf(e->registrar, sizeof(e->registrar),
					 "%s", t);
				free(t);
			}
			xmlXPathFreeObject(o);
		}
		return;
	}
	if (!is_in(v, cmd_verbs)) {
		e->reject = 1;
		e->why = "unknown command";
		return;
	}
	o = xp(ctx, "*", verb);
	const char *type = nodes(o) == 1 ? obj_type(node_at(o, 0)->ns ?
						    node_at(o, 0)->ns->href :
						    NULL) : NULL;
	if (type == NULL) {
		e->reject = 1;
		e->why = "unknown object";
		xmlXPathFreeObject(o);
		return;
	}
	snprintf(e->command, sizeof(e->command), "%s:%s", type, v);
	e->type = type;
	collect_objects(ctx, node_at(o, 0), type, e);
	expect_changes(ctx, node_at(o, 0), type, v, e);
	xmlXPathFreeObject(o);

	/* Only a contact create may leave the id to the server (.ee). */
	if (e->nobjects == 0 &&
	    !(strcmp(type, "contact") == 0 && strcmp(v, "create") == 0)) {
		e->reject = 1;
		e->why = "command names no object";
	}
	if (strcmp(v, "transfer") == 0) {
		static const char *const ops[] = { "request", "approve",
						    "reject", "cancel",
						    "query", NULL };
		xmlChar *op = xmlGetProp(verb, (const xmlChar *)"op");
		if (!is_in((const char *)op, ops)) {
			e->reject = 1;
			e->why = "invalid transfer op";
		}
		xmlFree(op);
	}
}

static void expect_response(xmlXPathContextPtr ctx, xmlNodePtr rsp,
			    struct expect *e)
{
	xmlXPathObjectPtr o = xp(ctx, "*[local-name()='result']/@code", rsp);

	st.by_kind_rsp++;
	if (nodes(o) >= 1) {
		xmlChar *c = xmlNodeGetContent(node_at(o, 0));
		e->result_code = atoi((const char *)c);
		xmlFree(c);
	}
	xmlXPathFreeObject(o);

	o = xp(ctx, "*[local-name()='resData' and namespace-uri()="
	       "namespace-uri(..)]/*", rsp);
	if (nodes(o) == 0) {
		snprintf(e->command, sizeof(e->command), "response");
		xmlXPathFreeObject(o);
		return;
	}
	xmlNodePtr data = node_at(o, 0);
	const char *type = obj_type(data->ns ? data->ns->href : NULL);
	if (type == NULL) {
		e->reject = 1;
		e->why = "unknown resData";
		xmlXPathFreeObject(o);
		return;
	}
	snprintf(e->command, sizeof(e->command), "%s:%s", type,
		 (const char *)data->name);
	e->type = type;
	collect_objects(ctx, data, type, e);
	xmlXPathFreeObject(o);
}

static void register_ns(xmlXPathContextPtr ctx)
{
	static const char *const pairs[][2] = {
		{ "d1", "urn:ietf:params:xml:ns:domain-1.0" },
		{ "d2", "https://epp.tld.ee/schema/domain-eis-1.0.xsd" },
		{ "d3", "domain-ee" },
		{ "h", "urn:ietf:params:xml:ns:host-1.0" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(xmlXPathRegisterNs(ctx,
						    (const xmlChar *)pairs[i][0],
						    (const xmlChar *)pairs[i][1]),
				 0);
	}
}

/*
 * Work out what the frame is; returns 1 when it is to be checked, 0 for a
 * non-EPP document (the reader must refuse it), -1 for an EPP document
 * that is not one frame (schema-invalid test data, neither checked nor
 * counted as refused).
 */
static int expect_frame(const char *path, xmlDocPtr doc, struct expect *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const char *uri = root && root->ns ? (const char *)root->ns->href : "";

	if (root == NULL || strcmp((const char *)root->name, "epp") != 0 ||
	    !is_in(uri, epp_uris)) {
		char name[160];
		snprintf(name, sizeof(name), "{%s}%s", uri,
			 root ? (const char *)root->name : "");
		size_t i;
		for (i = 0; i < st.n_not_epp_roots; i++) {
			if (strcmp(st.not_epp_roots[i], name) == 0) {
				break;
			}
		}
		if (i == st.n_not_epp_roots && i < 16) {
			snprintf(st.not_epp_roots[i], sizeof(st.not_epp_roots[i]),
				 "%s", name);
			st.n_not_epp_roots++;
		}
		if (i < 16) {
			st.not_epp_by_root[i]++;
		}
		st.skip_not_epp++;
		return 0;
	}

	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	assert_non_null(ctx);
	assert_int_equal(xmlXPathRegisterNs(ctx, (const xmlChar *)"epp",
					    (const xmlChar *)uri), 0);
	register_ns(ctx);

	xmlXPathObjectPtr o = xp(ctx, "/epp:epp/*", root);
	if (nodes(o) != 1) {
		st.skip_other++;
		fprintf(stderr, "skip (not one child under epp): %s\n", path);
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(ctx);
		return -1;
	}
	xmlNodePtr top = node_at(o, 0);
	xmlXPathFreeObject(o);
	const char *k = (const char *)top->name;
	int top_epp = top->ns != NULL &&
		      strcmp((const char *)top->ns->href, uri) == 0;

	e->result_code = -1;
	if (top_epp && strcmp(k, "command") == 0) {
		expect_command(ctx, top, e);
	} else if (top_epp && strcmp(k, "response") == 0) {
		expect_response(ctx, top, e);
	} else if (top_epp && strcmp(k, "greeting") == 0) {
		st.by_kind_greeting++;
		snprintf(e->command, sizeof(e->command), "greeting");
	} else if (top_epp && strcmp(k, "hello") == 0) {
		st.by_kind_hello++;
		snprintf(e->command, sizeof(e->command), "hello");
	} else {
		e->reject = 1;
		e->why = "unknown frame kind";
	}
	if (!e->reject) {
		check_names_and_addrs(ctx, root, e);
	}
	xmlXPathFreeContext(ctx);
	return 1;
}

static int is_reject(int rc)
{
	return rc == FA_EPARSE || rc == FA_EREFUSED || rc == FA_ELIMIT;
}

static int read_with_reader(const char *path, struct fa_txn *txn,
			    char *reason, size_t rlen, double *secs)
{
	struct fa_epp_opts opts = { .format = FA_EPP_FRAME,
				    .default_time_us = TU_DEFAULT_TIME };
	struct fa_epp_reader *r = NULL;
	struct fa_reject rej;
	char err[512];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fa_epp_reader_open(&r, path, &opts, 0, err, sizeof(err)) != FA_OK) {
		fail_msg("could not open \"%s\": %s", path, err);
	}
	memset(&rej, 0, sizeof(rej));
	reason[0] = '\0';
	int rc = fa_epp_reader_next(r, txn, &rej);
	if (is_reject(rc)) {
		snprintf(reason, rlen, "%s", rej.reason ? rej.reason : "");
	}
	if (rc == FA_OK || is_reject(rc)) {
		int rc2 = fa_epp_reader_next(r, txn, &rej);
		if (rc2 != FA_EOF) {
			fail_msg("\"%s\": second read gave %d, not end of input",
				 path, rc2);
		}
	}
	fa_epp_reader_free(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

static void mismatch(const char *path, const char *what,
		     const struct fa_txn *t)
{
	st.mismatches++;
	fprintf(stderr, "MISMATCH %s: %s\n", path, what);
	if (t != NULL) {
		tu_print_txn(t);
	}
}

static int cmp_str(const void *a, const void *b);

static int is_change_kind(enum fa_event_kind k)
{
	return k == FA_EV_DOMAIN_NS_ADD || k == FA_EV_DOMAIN_NS_REM ||
	       k == FA_EV_DOMAIN_STATUS_ADD || k == FA_EV_DOMAIN_STATUS_REM ||
	       k == FA_EV_HOST_ADDR_ADD || k == FA_EV_HOST_ADDR_REM ||
	       k == FA_EV_HOST_STATUS_ADD || k == FA_EV_HOST_STATUS_REM;
}

/* The reader's NS/glue/status events, as the same sorted strings. */
static int compare_changes(const char *path, struct expect *e,
			   const struct fa_txn *t)
{
	char *got[512];
	size_t n = 0;
	int same = 1;

	for (size_t i = 0; i < t->nevents && n < 512; i++) {
		const struct fa_event *ev = &t->events[i];
		if (!is_change_kind(ev->kind)) {
			continue;
		}
		const char *host = ev->host ? ev->host : "";
		const char *val = ev->value ? ev->value : "";
		size_t len = strlen(host) + strlen(val) + 40;
		got[n] = malloc(len);
		assert_non_null(got[n]);
		snprintf(got[n], len, "%s|%s|%s", fa_event_kind_name(ev->kind),
			 host, val);
		n++;
	}
	qsort(got, n, sizeof(*got), cmp_str);
	qsort(e->changes, e->nchanges, sizeof(*e->changes), cmp_str);
	if (n != e->nchanges) {
		same = 0;
	}
	for (size_t i = 0; same && i < n; i++) {
		same = strcmp(got[i], e->changes[i]) == 0;
	}
	if (!same) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%zu NS/glue/status events, expected %zu",
			 n, e->nchanges);
		for (size_t i = 0; i < e->nchanges; i++) {
			fprintf(stderr, "  expected %s\n", e->changes[i]);
		}
		mismatch(path, msg, t);
	}
	st.changes_checked++;
	st.changes_total += n;
	for (size_t i = 0; i < n; i++) {
		free(got[i]);
	}
	return same;
}

static int compare(const char *path, struct expect *e,
		   const struct fa_txn *t)
{
	char msg[512];

	if (!tu_streq(t->command, e->command)) {
		snprintf(msg, sizeof(msg), "command \"%s\", expected \"%s\"",
			 t->command ? t->command : "(null)", e->command);
		mismatch(path, msg, t);
		return 0;
	}
	if (!tu_streq(t->object_type, e->type)) {
		snprintf(msg, sizeof(msg), "object type %s, expected %s",
			 t->object_type ? t->object_type : "(null)",
			 e->type ? e->type : "(null)");
		mismatch(path, msg, t);
		return 0;
	}
	if (t->nobjects != e->nobjects) {
		snprintf(msg, sizeof(msg), "%zu objects, expected %zu",
			 t->nobjects, e->nobjects);
		mismatch(path, msg, t);
		return 0;
	}
	for (size_t i = 0; i < e->nobjects; i++) {
		if (strcmp(t->objects[i], e->objects[i]) != 0) {
			snprintf(msg, sizeof(msg), "object %zu \"%s\", expected \"%s\"",
				 i, t->objects[i], e->objects[i]);
			mismatch(path, msg, t);
			return 0;
		}
	}
	if (t->result_code != e->result_code) {
		snprintf(msg, sizeof(msg), "result %d, expected %d",
			 t->result_code, e->result_code);
		mismatch(path, msg, t);
		return 0;
	}
	if (e->registrar[0] != '\0' && !tu_streq(t->registrar, e->registrar)) {
		snprintf(msg, sizeof(msg), "registrar %s, expected %s",
			 t->registrar ? t->registrar : "(null)", e->registrar);
		mismatch(path, msg, t);
		return 0;
	}
	if (e->have_changes && !compare_changes(path, e, t)) {
		return 0;
	}
	return 1;
}

static int is_hostile(const char *path)
{
	static const char *const names[] = {
		"/flows/host_create_billion_laughs.xml",
		"/flows/host_create_local_xxe.xml",
		"/flows/host_create_remote_xxe.xml",
	};

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(names[i]), m = strlen(path);
		if (m >= n && strcmp(path + m - n, names[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

static void check_hostile(const char *path, struct fa_txn *txn)
{
	char reason[1024];
	double secs;
	const char *const words[] = { "dtd", "doctype", "entit", NULL };

	st.hostile++;
	fa_txn_reset(txn);
	int rc = read_with_reader(path, txn, reason, sizeof(reason), &secs);
	fprintf(stderr, "hostile %s: rc %d in %.3fs: %s\n", path, rc, secs,
		reason);
	if (rc != FA_EREFUSED) {
		mismatch(path, "hostile frame not refused", rc == FA_OK ? txn :
			 NULL);
		return;
	}
	if (!tu_mentions(reason, words)) {
		mismatch(path, "reason does not mention DTD or entity", NULL);
		return;
	}
	/* nothing was expanded: no "lol" reached the txn, and it was quick */
	for (size_t i = 0; i < txn->nobjects; i++) {
		if (strstr(txn->objects[i], "lol") != NULL ||
		    strstr(txn->objects[i], "root:") != NULL) {
			mismatch(path, "entity text reached the transaction",
				 txn);
			return;
		}
	}
	if (strstr(reason, "lollol") != NULL || secs > 1.0) {
		mismatch(path, "entity expanded", NULL);
		return;
	}
	st.hostile_ok++;
}

static void check_file(const char *path, struct fa_txn *txn)
{
	size_t len;
	char *text = tu_slurp(path, &len);
	struct expect e;
	char reason[1024];
	double secs;

	st.xml++;
	memset(&e, 0, sizeof(e));
	if (is_hostile(path)) {
		check_hostile(path, txn);
		goto out;
	}
	if (is_template(text)) {
		st.skip_template++;
		goto out;
	}
	/* no entity substitution, no DTD loading, no network */
	ns_errors = 0;
	xmlSetStructuredErrorFunc(NULL, on_xml_error);
	xmlDocPtr doc = xmlReadMemory(text, (int)len, path, NULL,
				      XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		st.skip_not_wellformed++;
		fprintf(stderr, "skip (not well-formed): %s\n", path);
		goto out;
	}
	int use = expect_frame(path, doc, &e);
	xmlFreeDoc(doc);
	if (use < 0) {
		goto out;
	}
	if (use == 0) {
		/* not EPP: the reader must refuse it too */
		fa_txn_reset(txn);
		int rc0 = read_with_reader(path, txn, reason, sizeof(reason),
					   &secs);
		st.not_epp_checked++;
		if (is_reject(rc0)) {
			st.not_epp_refused++;
		} else {
			mismatch(path, "non-EPP document accepted", txn);
		}
		goto out;
	}
	if (ns_errors > 0 && !e.reject) {
		/*
		 * Well-formed XML whose xmlns value is not a URI (nomulus'
		 * syntax_error.xml). Namespaces in XML says it must be one;
		 * a reader may refuse the frame or compare the name as it is.
		 */
		e.may_reject = 1;
	}

	st.checked++;
	fa_txn_reset(txn);
	int rc = read_with_reader(path, txn, reason, sizeof(reason), &secs);
	if (e.reject) {
		st.rejects_expected++;
		if (is_reject(rc)) {
			st.matched++;
		} else {
			char msg[256];
			snprintf(msg, sizeof(msg), "accepted, expected a reject (%s)",
				 e.why);
			mismatch(path, msg, rc == FA_OK ? txn : NULL);
		}
		goto out;
	}
	if (e.may_reject && is_reject(rc)) {
		st.matched++;
		goto out;
	}
	if (rc != FA_OK) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "rejected (rc %d): %s; expected %s",
			 rc, reason, e.command);
		mismatch(path, msg, NULL);
		goto out;
	}
	if (compare(path, &e, txn)) {
		st.matched++;
	}
out:
	for (size_t i = 0; i < e.nobjects; i++) {
		free(e.objects[i]);
	}
	for (size_t i = 0; i < e.nchanges; i++) {
		free(e.changes[i]);
	}
	free(text);
}

static void test_corpus(void **state)
{
	static const char *const dirs[] = {
		"nomulus",
		"internetee-registry-ee/frames_from_epp_examples_md",
		"internetee-registry-ee/app/views/epp/sample_requests",
	};
	struct fa_txn txn;

	for (size_t i = 0; i < 3; i++) {
		char dir[1024];
		snprintf(dir, sizeof(dir), "%s/%s", corpus_dir, dirs[i]);
		assert_int_equal(nftw(dir, collect, 16, FTW_PHYS), 0);
	}
	qsort(paths, npaths, sizeof(*paths), cmp_str);

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	for (size_t i = 0; i < npaths; i++) {
		check_file(paths[i], &txn);
		free(paths[i]);
	}
	free(paths);
	fa_txn_deinit(&txn);

	printf("corpus: %zu files, %zu XML\n", st.files, st.xml);
	printf("skipped: %zu templates, %zu not well-formed, %zu non-EPP roots,"
	       " %zu other\n", st.skip_template, st.skip_not_wellformed,
	       st.skip_not_epp, st.skip_other);
	for (size_t i = 0; i < st.n_not_epp_roots; i++) {
		printf("  non-EPP root %s: %zu\n", st.not_epp_roots[i],
		       st.not_epp_by_root[i]);
	}
	printf("checked: %zu frames (%zu commands, %zu responses, %zu greetings,"
	       " %zu hellos), of which %zu must be refused\n", st.checked,
	       st.by_kind_cmd, st.by_kind_rsp, st.by_kind_greeting,
	       st.by_kind_hello, st.rejects_expected);
	printf("NS/glue/status events compared in %zu command frames: %zu events\n",
	       st.changes_checked, st.changes_total);
	printf("matched: %zu of %zu; mismatches: %zu\n", st.matched,
	       st.checked, st.mismatches);
	printf("non-EPP documents refused by the reader: %zu of %zu\n",
	       st.not_epp_refused, st.not_epp_checked);
	printf("hostile: %zu of %zu refused without expansion\n", st.hostile_ok,
	       st.hostile);

	/* a walk that found nearly nothing is a failure, not a pass */
	assert_true(st.checked >= 1000);
	assert_int_equal(st.hostile, 3);
	assert_int_equal(st.hostile_ok, 3);
	assert_int_equal(st.mismatches, 0);
	assert_int_equal(st.matched, st.checked);
}

int main(void)
{
	struct stat sb;
	char dir[1024];
	const char *env = getenv("FA_CORPUS_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	/* The environment (set by ctest) wins over the build-time default. */
	corpus_dir = env != NULL && env[0] != '\0' ? env : FA_CORPUS_DIR;
	snprintf(dir, sizeof(dir), "%s/nomulus", corpus_dir);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		printf("corpus not found at %s: conformance test NOT RUN\n",
		       corpus_dir);
		return 77;
	}
	xmlInitParser();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
