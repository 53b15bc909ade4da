/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SAX2 parsing of EPP frames into a compact element tree. Building our own
 * small tree in an arena is several times cheaper than libxml2's DOM, and
 * SAX lets us stop at the first sign of a DTD before anything is expanded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "epp/epp_int.h"

/* Deeper than any EPP frame; bounds the tree walk and the parent chain. */
#define MAX_DEPTH 64

/* Names in the parser's dictionary before the context is replaced. */
#define DICT_MAX 20000

/* Namespace URIs, the standard ones and the aliases registries use for
 * the same mappings (.ee publishes its own schema URIs). One table, so
 * adding a registry means adding lines here. */
static const struct {
	const char *uri;
	enum epp_ns ns;
} ns_table[] = {
	{ "urn:ietf:params:xml:ns:epp-1.0", NS_EPP },
	{ "urn:ietf:params:xml:ns:domain-1.0", NS_DOMAIN },
	{ "urn:ietf:params:xml:ns:host-1.0", NS_HOST },
	{ "urn:ietf:params:xml:ns:contact-1.0", NS_CONTACT },
	{ "urn:ietf:params:xml:ns:secDNS-1.0", NS_SECDNS10 },
	{ "urn:ietf:params:xml:ns:secDNS-1.1", NS_SECDNS11 },
	{ "urn:ietf:params:xml:ns:epp:ttl-1.0", NS_TTL },
	{ "urn:ietf:params:xml:ns:rgp-1.0", NS_RGP },
	/* .ee (Estonian Internet Foundation), internetee/registry */
	{ "https://epp.tld.ee/schema/epp-ee-1.0.xsd", NS_EPP },
	{ "https://epp.tld.ee/schema/epp-ee-1.0", NS_EPP },
	{ "epp-ee", NS_EPP },
	{ "https://epp.tld.ee/schema/domain-eis-1.0.xsd", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/domain-eis-1.0", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/domain-ee-1.1.xsd", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/domain-ee-1.1", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/domain-ee-1.2.xsd", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/domain-ee-1.2", NS_DOMAIN },
	{ "domain-ee", NS_DOMAIN },
	{ "https://epp.tld.ee/schema/contact-ee-1.1.xsd", NS_CONTACT },
	{ "https://epp.tld.ee/schema/contact-ee-1.1", NS_CONTACT },
	{ "https://epp.tld.ee/schema/contact-eis-1.0.xsd", NS_CONTACT },
	{ "https://epp.tld.ee/schema/contact-eis-1.0", NS_CONTACT },
	{ "contact-ee", NS_CONTACT },
};

struct epp_xml {
	xmlParserCtxtPtr ctxt;
	xmlParserCtxtPtr prev;	/* replaced context, see recycle() */
	xmlSAXHandler sax;

	/* Per-parse state. */
	struct fa_arena *arena;
	struct xnode *root;
	struct xnode *cur;
	unsigned depth;
	char *text;		/* characters of the current leaf */
	size_t textlen, textcap;
	int status;		/* FA_OK or the first failure */
	const char *what;	/* "command frame" etc., for messages */
	int skipped_lines;	/* line feeds dropped before the frame */
	bool err_at_end;	/* the first error came at the end of the input */
	int err_line, err_col;	/* where */
	char msg[256];
	const xmlChar *uri_cache[8];
	enum epp_ns ns_cache[8];
	unsigned ncache;
};

const char *epp_ns_uri(enum epp_ns ns)
{
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++) {
		if (ns_table[i].ns == ns) {
			return ns_table[i].uri;
		}
	}
	return "";
}

static enum epp_ns lookup_ns(struct epp_xml *x, const xmlChar *uri)
{
	if (uri == NULL) {
		return NS_OTHER;
	}

	/* URIs come from the parser's dictionary: equal strings share one
	 * pointer within a parse, so a pointer cache skips the strcmp. */
	for (unsigned i = 0; i < x->ncache; i++) {
		if (x->uri_cache[i] == uri) {
			return x->ns_cache[i];
		}
	}

	enum epp_ns ns = NS_OTHER;
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++) {
		if (strcmp((const char *)uri, ns_table[i].uri) == 0) {
			ns = ns_table[i].ns;
			break;
		}
	}
	if (x->ncache < 8) {
		x->uri_cache[x->ncache] = uri;
		x->ns_cache[x->ncache] = ns;
		x->ncache++;
	}
	return ns;
}

static struct epp_xml *state(void *ctx)
{
	xmlParserCtxtPtr ctxt = ctx;
	return ctxt->_private;
}

static void fail(struct epp_xml *x, int status, const char *msg)
{
	if (x->status == FA_OK) {
		x->status = status;
		snprintf(x->msg, sizeof(x->msg), "%s", msg);
	}
	xmlStopParser(x->ctxt);
}

static const char *copy(struct epp_xml *x, const xmlChar *s, size_t len)
{
	const char *c = fa_arena_strndup(x->arena, (const char *)s, len);
	if (c == NULL) {
		fail(x, FA_ENOMEM, "out of memory");
	}
	return c;
}

static void on_start(void *ctx, const xmlChar *localname,
		     const xmlChar *prefix, const xmlChar *uri,
		     int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted,
		     const xmlChar **attributes)
{
	struct epp_xml *x = state(ctx);
	if (x->status != FA_OK) {
		return;
	}
	if (x->depth >= MAX_DEPTH) {
		fail(x, FA_EPARSE, "elements nested too deeply");
		return;
	}

	struct xnode *n = fa_arena_alloc(x->arena, sizeof(*n));
	if (n == NULL) {
		fail(x, FA_ENOMEM, "out of memory");
		return;
	}
	memset(n, 0, sizeof(*n));
	/* Names stay in the parser's dictionary (see recycle()). */
	n->name = (const char *)localname;
	n->ns = lookup_ns(x, uri);
	if (n->ns != NS_OTHER) {
		n->uri = epp_ns_uri(n->ns);
	} else {
		n->uri = uri ? (const char *)uri : "";
	}
	n->text = "";

	if (nb_attributes > 0) {
		n->attrs = fa_arena_alloc(x->arena,
					  (size_t)nb_attributes * sizeof(*n->attrs));
		if (n->attrs == NULL) {
			fail(x, FA_ENOMEM, "out of memory");
			return;
		}
		for (int i = 0; i < nb_attributes; i++) {
			const xmlChar **a = &attributes[i * 5];
			n->attrs[i].name = (const char *)a[0];
			n->attrs[i].value = copy(x, a[3], (size_t)(a[4] - a[3]));
		}
		n->nattrs = (unsigned)nb_attributes;
	}
	if (x->status != FA_OK) {
		return;
	}

	n->parent = x->cur;
	if (x->cur == NULL) {
		x->root = n;
	} else if (x->cur->last == NULL) {
		x->cur->child = n;
		x->cur->last = n;
	} else {
		x->cur->last->next = n;
		x->cur->last = n;
	}
	x->cur = n;
	x->depth++;

	/* EPP has no mixed content: text before a child element is layout. */
	x->textlen = 0;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct epp_xml *x = state(ctx);
	if (x->status != FA_OK || x->cur == NULL) {
		return;
	}

	struct xnode *n = x->cur;
	if (n->child == NULL && x->textlen > 0) {
		const char *s = x->text;
		size_t len = x->textlen;
		while (len > 0 && is_ws((unsigned char)s[0])) {
			s++;
			len--;
		}
		while (len > 0 && is_ws((unsigned char)s[len - 1])) {
			len--;
		}
		n->text = copy(x, (const xmlChar *)s, len);
		n->textlen = len;
		if (n->text == NULL) {
			return;
		}
	}
	x->textlen = 0;
	x->cur = n->parent;
	x->depth--;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct epp_xml *x = state(ctx);
	if (x->status != FA_OK || x->cur == NULL || len <= 0 ||
	    x->cur->child != NULL) {
		return;
	}

	/* Indentation between elements is most of the text of a pretty-
	 * printed frame; leading white space is trimmed anyway. */
	if (x->textlen == 0) {
		while (len > 0 && is_ws(*ch)) {
			ch++;
			len--;
		}
		if (len == 0) {
			return;
		}
	}

	/* The frame size bounds this buffer: text never exceeds the input. */
	if (x->textlen + (size_t)len > x->textcap) {
		size_t cap = x->textcap ? x->textcap : 256;
		while (cap < x->textlen + (size_t)len) {
			cap *= 2;
		}
		char *t = realloc(x->text, cap);
		if (t == NULL) {
			fail(x, FA_ENOMEM, "out of memory");
			return;
		}
		x->text = t;
		x->textcap = cap;
	}
	memcpy(x->text + x->textlen, ch, (size_t)len);
	x->textlen += (size_t)len;
}

/* Line in the frame as given, for messages. */
static int line_of(struct epp_xml *x)
{
	return xmlSAX2GetLineNumber(x->ctxt) + x->skipped_lines;
}

static void on_internal_subset(void *ctx, const xmlChar *name,
			       const xmlChar *external_id,
			       const xmlChar *system_id)
{
	struct epp_xml *x = state(ctx);
	char m[128];
	snprintf(m, sizeof(m), "DTD not allowed in EPP %s (line %d)", x->what,
		 line_of(x));
	fail(x, FA_EREFUSED, m);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type,
			   const xmlChar *public_id, const xmlChar *system_id,
			   xmlChar *content)
{
	struct epp_xml *x = state(ctx);
	char m[160];
	snprintf(m, sizeof(m), "entity declaration not allowed in EPP %s (line %d)",
		 x->what, line_of(x));
	fail(x, FA_EREFUSED, m);
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	struct epp_xml *x = state(ctx);
	char m[160];
	snprintf(m, sizeof(m),
		 "entity reference \"&%.40s;\" not allowed in EPP %s (line %d)",
		 (const char *)name, x->what, line_of(x));
	fail(x, FA_EREFUSED, m);
	return NULL;
}

static void on_error(void *ctx, xmlErrorPtr e)
{
	struct epp_xml *x = state(ctx);
	if (e == NULL || e->level < XML_ERR_ERROR || x->status != FA_OK) {
		return;
	}

	/* Namespace errors (undeclared prefix, a namespace name that is not
	 * a URI) leave the document well-formed for libxml2, but names that
	 * cannot be resolved cannot be matched: refused like syntax. */

	/* libxml2 messages end with a newline; keep the reason one line. */
	char m[200];
	snprintf(m, sizeof(m), "%s", e->message ? e->message : "unknown error");
	size_t l = strlen(m);
	while (l > 0 && (m[l - 1] == '\n' || m[l - 1] == ' ')) {
		m[--l] = '\0';
	}
	if (l > 0 && m[l - 1] == '.') {
		m[--l] = '\0';
	}
	char full[256];
	snprintf(full, sizeof(full), "line %d, column %d: %s",
		 e->line + x->skipped_lines,
		 e->int2, m);

	/* Where the parser stood: at the end, an element still open means
	 * the frame was cut, whatever libxml2 calls it. */
	xmlParserInputPtr in = x->ctxt->input;
	x->err_at_end = in != NULL && in->cur != NULL && in->end != NULL &&
			in->cur >= in->end;
	x->err_line = e->line + x->skipped_lines;
	x->err_col = e->int2;
	fail(x, FA_EPARSE, full);
}

/* libxml2 reports some errors (input encoding conversion) outside any
 * parser context, through its generic handler, which prints to stderr.
 * The parse fails through on_error all the same; nothing is printed. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static xmlParserCtxtPtr new_ctxt(struct epp_xml *x)
{
	xmlParserCtxtPtr c = xmlCreatePushParserCtxt(&x->sax, NULL, NULL, 0, NULL);
	if (c != NULL) {
		c->_private = x;
	}
	return c;
}

/*
 * Element and attribute names in the tree point into the context's
 * dictionary, which grows with every new name it sees. Hostile input
 * could make it grow without end, so past DICT_MAX names the context is
 * replaced. The previous one is kept until the next replacement because
 * a raw stream holds one tree while it parses the frame after it.
 */
static int recycle(struct epp_xml *x)
{
	if (xmlDictSize(x->ctxt->dict) < DICT_MAX) {
		return FA_OK;
	}
	xmlParserCtxtPtr c = new_ctxt(x);
	if (c == NULL) {
		return FA_ENOMEM;
	}
	if (x->prev != NULL) {
		xmlFreeParserCtxt(x->prev);
	}
	x->prev = x->ctxt;
	x->ctxt = c;
	return FA_OK;
}

int epp_xml_new(struct epp_xml **out)
{
	struct epp_xml *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		return FA_ENOMEM;
	}

	/* Only the callbacks below: no DOM, no DTD handling, no entity
	 * lookups beyond the refusing one. */
	memset(&x->sax, 0, sizeof(x->sax));
	x->sax.initialized = XML_SAX2_MAGIC;
	x->sax.startElementNs = on_start;
	x->sax.endElementNs = on_end;
	x->sax.characters = on_chars;
	x->sax.cdataBlock = on_chars;
	x->sax.internalSubset = on_internal_subset;
	x->sax.entityDecl = on_entity_decl;
	x->sax.getEntity = on_get_entity;
	x->sax.getParameterEntity = on_get_entity;
	x->sax.serror = on_error;

	/* Process-wide, and the only libxml2 user is this module. */
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlThrDefSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, NULL);

	x->ctxt = new_ctxt(x);
	if (x->ctxt == NULL) {
		free(x);
		return FA_ENOMEM;
	}
	*out = x;
	return FA_OK;
}

void epp_xml_free(struct epp_xml *x)
{
	if (x == NULL) {
		return;
	}
	xmlFreeParserCtxt(x->ctxt);
	if (x->prev != NULL) {
		xmlFreeParserCtxt(x->prev);
	}
	free(x->text);
	free(x);
}

int epp_xml_parse(struct epp_xml *x, struct fa_arena *arena, const char *data,
		  size_t len, const char *what, struct xnode **root, char *err,
		  size_t errlen)
{
	x->arena = arena;
	x->root = NULL;
	x->cur = NULL;
	x->depth = 0;
	x->textlen = 0;
	x->status = FA_OK;
	x->msg[0] = '\0';
	x->ncache = 0;
	x->what = what;
	x->err_at_end = false;

	if (len > INT32_MAX) {
		snprintf(err, errlen, "%s too large", what);
		return FA_ELIMIT;
	}

	int rc = recycle(x);
	if (rc != FA_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}

	/* NONET: never fetch; no NOENT/DTDLOAD/DTDATTR: never expand or
	 * load anything. The handlers refuse DTDs before they are read.
	 * One push context is reset per frame: a fresh context per frame
	 * costs more than parsing a typical frame, and measured faster than
	 * xmlCtxtReadMemory on the same context. */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA;
	if (xmlCtxtResetPush(x->ctxt, NULL, 0, NULL, NULL) != 0) {
		snprintf(err, errlen, "could not reset the XML parser");
		return FA_ENOMEM;
	}
	x->ctxt->_private = x;
	xmlCtxtUseOptions(x->ctxt, opts);

	/* A UTF-8 byte order mark and white space before the frame are
	 * what writers leave there; the push parser would take the white
	 * space as text before the document and give up. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	x->skipped_lines = 0;
	while (len > 0 && (*data == ' ' || *data == '\t' || *data == '\r' ||
			   *data == '\n')) {
		x->skipped_lines += *data == '\n';
		data++;
		len--;
	}
	xmlParseChunk(x->ctxt, data, (int)len, 1);

	if (x->status == FA_OK && !x->ctxt->wellFormed) {
		x->status = FA_EPARSE;
		snprintf(x->msg, sizeof(x->msg), "not well-formed XML");
	}
	if (x->status == FA_OK && x->root == NULL) {
		x->status = FA_EPARSE;
		snprintf(x->msg, sizeof(x->msg), "no document element");
	}
	if (x->status == FA_EPARSE && x->err_at_end && x->cur != NULL) {
		snprintf(err, errlen,
			 "incomplete %s: it ends inside <%s> (line %d, column %d)",
			 what, x->cur->name, x->err_line, x->err_col);
		return x->status;
	}
	if (x->status != FA_OK) {
		if (x->status == FA_EREFUSED || x->status == FA_ENOMEM) {
			snprintf(err, errlen, "%s", x->msg);
		} else {
			snprintf(err, errlen, "invalid XML in %s: %s", what, x->msg);
		}
		return x->status;
	}
	*root = x->root;
	return FA_OK;
}

const struct xnode *xchild(const struct xnode *n, enum epp_ns ns,
			   const char *name)
{
	if (n == NULL) {
		return NULL;
	}
	for (const struct xnode *c = n->child; c != NULL; c = c->next) {
		if (c->ns == ns && strcmp(c->name, name) == 0) {
			return c;
		}
	}
	return NULL;
}

const struct xnode *xnext_same(const struct xnode *n)
{
	for (const struct xnode *c = n->next; c != NULL; c = c->next) {
		if (c->ns == n->ns && strcmp(c->name, n->name) == 0) {
			return c;
		}
	}
	return NULL;
}

const char *xattr(const struct xnode *n, const char *name)
{
	for (unsigned i = 0; i < n->nattrs; i++) {
		if (strcmp(n->attrs[i].name, name) == 0) {
			return n->attrs[i].value;
		}
	}
	return NULL;
}

enum epp_frame_kind epp_frame_kind(const struct xnode *root)
{
	if (root == NULL || root->ns != NS_EPP || strcmp(root->name, "epp") != 0) {
		return FRAME_NOT_EPP;
	}
	const struct xnode *c = root->child;
	if (c == NULL || c->ns != NS_EPP) {
		return FRAME_OTHER;
	}
	if (strcmp(c->name, "command") == 0) {
		return FRAME_COMMAND;
	}
	if (strcmp(c->name, "response") == 0) {
		return FRAME_RESPONSE;
	}
	if (strcmp(c->name, "greeting") == 0) {
		return FRAME_GREETING;
	}
	if (strcmp(c->name, "hello") == 0) {
		return FRAME_HELLO;
	}
	return FRAME_OTHER;
}
