/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From element trees to normalized transactions (see model/fa_event.h for
 * what each event kind carries). A command changes state only when its
 * response says so: 1xxx results yield the change events, 2xxx results
 * one command.failed event, and a command whose response was not logged
 * yields the requested changes with result -1 for the store to judge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_addr.h"
#include "common/fa_clid.h"
#include "common/fa_glue.h"
#include "common/fa_json.h"
#include "common/fa_name.h"
#include "epp/epp_int.h"

enum obj {
	OBJ_NONE = 0,
	OBJ_DOMAIN,
	OBJ_HOST,
	OBJ_CONTACT,
};

struct nctx {
	struct epp_norm *nm;
	struct fa_txn *txn;
	char *err;
	size_t errlen;
	int rc;
	const struct xnode *cmd;	/* <command> or NULL */
	const struct xnode *verb;	/* <create>, <update>, ... */
	const struct xnode *obj;	/* <domain:create>, ... */
	const struct xnode *ext;	/* command <extension> */
	const struct xnode *res;	/* <response> */
	const struct xnode *resdata;	/* first child of <resData> */
	const struct xnode *rspext;	/* response <extension> */
	enum obj otype;
	const char *domain;		/* the command's first domain name */
};

static const char *const obj_names[] = { NULL, "domain", "host", "contact" };

/* ---- small helpers ---------------------------------------------------- */

static int refuse(struct nctx *nc, int rc, const char *fmt, ...)
	FA_PRINTF(3, 4);

static int refuse(struct nctx *nc, int rc, const char *fmt, ...)
{
	if (nc->rc == FA_OK) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(nc->err, nc->errlen, fmt, ap);
		va_end(ap);
		nc->rc = rc;
	}
	return nc->rc;
}

static int oom(struct nctx *nc)
{
	return refuse(nc, FA_ENOMEM, "out of memory");
}

static const char *dup(struct nctx *nc, const char *s, size_t len)
{
	const char *c = fa_txn_strndup(nc->txn, s, len);
	if (c == NULL) {
		oom(nc);
	}
	return c;
}

/* Decimal text of v at p; returns the end (hot path: no printf). */
static char *put_ulong(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0) {
		*p++ = tmp[--n];
	}
	return p;
}

/* "a:b" in the txn arena (hot path: no printf). */
static const char *join(struct nctx *nc, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = fa_arena_alloc(nc->txn->arena, la + lb + 2);
	if (p == NULL) {
		oom(nc);
		return NULL;
	}
	memcpy(p, a, la);
	p[la] = ':';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

static const char *text_of(const struct xnode *parent, enum epp_ns ns,
			   const char *name)
{
	const struct xnode *n = xchild(parent, ns, name);
	return n ? n->text : NULL;
}

static const char *dup_text(struct nctx *nc, const struct xnode *n)
{
	return n ? dup(nc, n->text, n->textlen) : NULL;
}

/* A normalized domain or host name, copied into the txn. */
static const char *norm_name(struct nctx *nc, const struct xnode *n,
			     const char *what)
{
	if (n == NULL) {
		return NULL;
	}
	char buf[FA_NAME_BUFSZ];
	char why[200];
	if (fa_name_normalize(n->text, n->textlen, 0, buf, sizeof(buf), why,
			      sizeof(why)) != FA_OK) {
		refuse(nc, FA_EINVAL, "%s in <%s>", why, what);
		return NULL;
	}
	return dup(nc, buf, strlen(buf));
}

static const char *norm_addr(struct nctx *nc, const struct xnode *n)
{
	const char *ip = xattr(n, "ip");
	enum fa_addr_family want = FA_ADDR_V4;
	if (ip != NULL && strcmp(ip, "v6") == 0) {
		want = FA_ADDR_V6;
	} else if (ip != NULL && strcmp(ip, "v4") != 0) {
		refuse(nc, FA_EINVAL, "invalid ip attribute \"%s\" on <%s>",
		       ip, n->name);
		return NULL;
	}

	/* RFC 5731/5732 make ip="v4" the default when it is absent. */
	char buf[FA_ADDR_BUFSZ];
	char why[200];
	if (fa_addr_normalize(n->text, n->textlen, want, buf, sizeof(buf),
			      NULL, why, sizeof(why)) != FA_OK) {
		refuse(nc, FA_EINVAL, "%s in <%s>", why, n->name);
		return NULL;
	}
	const char *bad = fa_glue_check(buf, want);
	if (bad != NULL) {
		refuse(nc, FA_EINVAL, "invalid glue address \"%s\" in <%s>: %s",
		       buf, n->name, bad);
		return NULL;
	}
	return dup(nc, buf, strlen(buf));
}

static struct fa_event *ev(struct nctx *nc, enum fa_event_kind kind)
{
	if (nc->rc != FA_OK) {
		return NULL;
	}
	struct fa_event *e = fa_txn_add_event(nc->txn, kind);
	if (e == NULL) {
		oom(nc);
	}
	return e;
}

/* ---- JSON detail builder --------------------------------------------- */

static void jb_reset(struct epp_norm *nm)
{
	nm->len = 0;
	nm->oom = false;
}

static void jb_put(struct epp_norm *nm, const char *s, size_t n)
{
	if (nm->oom) {
		return;
	}
	if (nm->len + n + 1 > nm->cap) {
		size_t cap = nm->cap ? nm->cap : 1024;
		while (cap < nm->len + n + 1) {
			cap *= 2;
		}
		char *b = realloc(nm->buf, cap);
		if (b == NULL) {
			nm->oom = true;
			return;
		}
		nm->buf = b;
		nm->cap = cap;
	}
	memcpy(nm->buf + nm->len, s, n);
	nm->len += n;
	nm->buf[nm->len] = '\0';
}

static void jb_raw(struct epp_norm *nm, const char *s)
{
	jb_put(nm, s, strlen(s));
}

/* A comma unless we are right after an opening bracket or a colon. */
static void jb_sep(struct epp_norm *nm)
{
	if (nm->len > 0) {
		char c = nm->buf[nm->len - 1];
		if (c != '{' && c != '[' && c != ':') {
			jb_put(nm, ",", 1);
		}
	}
}

static void jb_str(struct epp_norm *nm, const char *s)
{
	jb_sep(nm);
	if (s == NULL) {
		jb_raw(nm, "null");
		return;
	}
	char small[256];
	size_t len = strlen(s);
	size_t need = fa_json_escape(small, sizeof(small), s, len);
	if (need < sizeof(small)) {
		jb_put(nm, small, need);
		return;
	}
	char *big = malloc(need + 1);
	if (big == NULL) {
		nm->oom = true;
		return;
	}
	fa_json_escape(big, need + 1, s, len);
	jb_put(nm, big, need);
	free(big);
}

static void jb_key(struct epp_norm *nm, const char *k)
{
	jb_str(nm, k);
	jb_put(nm, ":", 1);
}

static void jb_kv(struct epp_norm *nm, const char *k, const char *v)
{
	jb_key(nm, k);
	jb_str(nm, v);
}

static void jb_open(struct epp_norm *nm, const char *bracket)
{
	jb_sep(nm);
	jb_raw(nm, bracket);
}

static const char *jb_done(struct nctx *nc)
{
	if (nc->nm->oom) {
		oom(nc);
		return NULL;
	}
	return dup(nc, nc->nm->buf, nc->nm->len);
}

/* ---- shared pieces ---------------------------------------------------- */

/* Period as "1y" / "12m", or NULL. */
static const char *period_of(struct nctx *nc, const struct xnode *obj,
			     enum epp_ns ns)
{
	const struct xnode *p = xchild(obj, ns, "period");
	if (p == NULL || p->textlen == 0) {
		return NULL;
	}
	const char *unit = xattr(p, "unit");
	char buf[32];
	snprintf(buf, sizeof(buf), "%.20s%.2s", p->text, unit ? unit : "y");
	return dup(nc, buf, strlen(buf));
}

/* One NS entry of <domain:ns>: hostObj, or hostAttr with inline glue. */
static int ns_entry(struct nctx *nc, const struct xnode *e,
		    enum fa_event_kind kind, bool glue)
{
	const struct xnode *hn = e;
	if (strcmp(e->name, "hostAttr") == 0) {
		hn = xchild(e, NS_DOMAIN, "hostName");
		if (hn == NULL) {
			return refuse(nc, FA_EINVAL,
				      "<hostAttr> without <hostName>");
		}
	} else if (strcmp(e->name, "hostObj") != 0) {
		return FA_OK;
	}

	const char *host = norm_name(nc, hn, "domain:ns");
	struct fa_event *x = ev(nc, kind);
	if (x == NULL) {
		return nc->rc;
	}
	x->domain = nc->domain;
	x->host = host;
	if (!glue || hn == e) {
		return nc->rc;
	}

	for (const struct xnode *a = e->child; a != NULL; a = a->next) {
		if (a->ns != NS_DOMAIN || strcmp(a->name, "hostAddr") != 0) {
			continue;
		}
		const char *addr = norm_addr(nc, a);
		struct fa_event *g = ev(nc, FA_EV_HOST_ADDR_ADD);
		if (g == NULL) {
			return nc->rc;
		}
		g->domain = nc->domain;
		g->host = host;
		g->value = addr;
	}
	return nc->rc;
}

static int ns_list(struct nctx *nc, const struct xnode *parent,
		   enum fa_event_kind kind, bool glue)
{
	const struct xnode *ns = xchild(parent, NS_DOMAIN, "ns");
	if (ns == NULL) {
		return FA_OK;
	}
	for (const struct xnode *e = ns->child; e != NULL && nc->rc == FA_OK;
	     e = e->next) {
		if (e->ns == NS_DOMAIN) {
			ns_entry(nc, e, kind, glue);
		}
	}
	return nc->rc;
}

static int contacts(struct nctx *nc, const struct xnode *parent,
		    enum fa_event_kind kind)
{
	for (const struct xnode *c = xchild(parent, NS_DOMAIN, "contact");
	     c != NULL && nc->rc == FA_OK; c = xnext_same(c)) {
		struct fa_event *x = ev(nc, kind);
		if (x == NULL) {
			break;
		}
		x->domain = nc->domain;
		x->contact = dup_text(nc, c);
		const char *type = xattr(c, "type");
		x->value = type ? dup(nc, type, strlen(type)) : NULL;
	}
	return nc->rc;
}

static int statuses(struct nctx *nc, const struct xnode *parent,
		    enum epp_ns ns, enum fa_event_kind kind, const char *domain,
		    const char *host)
{
	for (const struct xnode *s = xchild(parent, ns, "status");
	     s != NULL && nc->rc == FA_OK; s = xnext_same(s)) {
		const char *tok = xattr(s, "s");
		if (tok == NULL || *tok == '\0') {
			return refuse(nc, FA_EINVAL,
				      "<status> without an s attribute");
		}
		struct fa_event *x = ev(nc, kind);
		if (x == NULL) {
			break;
		}
		x->domain = domain;
		x->host = host;
		x->value = dup(nc, tok, strlen(tok));
	}
	return nc->rc;
}

/* ---- DNSSEC (RFC 5910 and its predecessor RFC 4310) ------------------ */

static bool uint_text(const char *s, unsigned long max, unsigned long *out)
{
	if (s == NULL || *s == '\0' || strlen(s) > 10) {
		return false;
	}
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* "keytag alg digesttype DIGEST" with the digest in upper-case hex. */
static const char *ds_value(struct nctx *nc, const struct xnode *ds,
			    enum epp_ns ns)
{
	unsigned long tag, alg, dt;
	if (!uint_text(text_of(ds, ns, "keyTag"), 65535, &tag) ||
	    !uint_text(text_of(ds, ns, "alg"), 255, &alg) ||
	    !uint_text(text_of(ds, ns, "digestType"), 255, &dt)) {
		refuse(nc, FA_EINVAL,
		       "invalid DS record in <%s:dsData>: keyTag, alg or digestType missing or out of range",
		       ns == NS_SECDNS10 ? "secDNS-1.0" : "secDNS-1.1");
		return NULL;
	}
	const char *dg = text_of(ds, ns, "digest");
	if (dg == NULL) {
		dg = "";
	}

	size_t dlen = strlen(dg);
	char *buf = fa_arena_alloc(nc->txn->arena, dlen + 40);
	if (buf == NULL) {
		oom(nc);
		return NULL;
	}
	char *e = put_ulong(buf, tag);
	*e++ = ' ';
	e = put_ulong(e, alg);
	*e++ = ' ';
	e = put_ulong(e, dt);
	*e++ = ' ';
	int n = (int)(e - buf);
	size_t hex = 0;
	for (size_t i = 0; i < dlen; i++) {
		char c = dg[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue;
		}
		if (c >= 'a' && c <= 'f') {
			c = (char)(c - 'a' + 'A');
		}
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
			refuse(nc, FA_EINVAL,
			       "invalid DS record: digest is not hexadecimal");
			return NULL;
		}
		buf[n + (int)hex++] = c;
	}
	if (hex == 0 || hex % 2 != 0) {
		refuse(nc, FA_EINVAL,
		       "invalid DS record: digest is empty or of odd length");
		return NULL;
	}
	buf[n + (int)hex] = '\0';
	return buf;
}

static int ds_list(struct nctx *nc, const struct xnode *parent, enum epp_ns ns,
		   enum fa_event_kind kind)
{
	for (const struct xnode *d = xchild(parent, ns, "dsData");
	     d != NULL && nc->rc == FA_OK; d = xnext_same(d)) {
		const char *v = ds_value(nc, d, ns);
		struct fa_event *x = ev(nc, kind);
		if (x == NULL) {
			break;
		}
		x->domain = nc->domain;
		x->value = v;
	}
	return nc->rc;
}

static const struct xnode *ext_elem(const struct xnode *ext, enum epp_ns ns,
				    const char *name)
{
	return ext ? xchild(ext, ns, name) : NULL;
}

static int secdns_create(struct nctx *nc)
{
	const struct xnode *c = ext_elem(nc->ext, NS_SECDNS11, "create");
	if (c != NULL) {
		return ds_list(nc, c, NS_SECDNS11, FA_EV_DOMAIN_DS_ADD);
	}
	c = ext_elem(nc->ext, NS_SECDNS10, "create");
	if (c != NULL) {
		return ds_list(nc, c, NS_SECDNS10, FA_EV_DOMAIN_DS_ADD);
	}
	return FA_OK;
}

static int ds_rem_all(struct nctx *nc)
{
	struct fa_event *x = ev(nc, FA_EV_DOMAIN_DS_REM);
	if (x != NULL) {
		x->domain = nc->domain;
		x->value = "*";
	}
	return nc->rc;
}

static int secdns_update(struct nctx *nc)
{
	const struct xnode *u = ext_elem(nc->ext, NS_SECDNS11, "update");
	if (u != NULL) {
		const struct xnode *rem = xchild(u, NS_SECDNS11, "rem");
		if (rem != NULL) {
			const char *all = text_of(rem, NS_SECDNS11, "all");
			if (all != NULL && (strcmp(all, "true") == 0 ||
					    strcmp(all, "1") == 0)) {
				ds_rem_all(nc);
			} else {
				ds_list(nc, rem, NS_SECDNS11, FA_EV_DOMAIN_DS_REM);
			}
		}
		const struct xnode *add = xchild(u, NS_SECDNS11, "add");
		if (add != NULL) {
			ds_list(nc, add, NS_SECDNS11, FA_EV_DOMAIN_DS_ADD);
		}
		return nc->rc;
	}

	u = ext_elem(nc->ext, NS_SECDNS10, "update");
	if (u == NULL) {
		return FA_OK;
	}

	/* RFC 4310: rem names key tags only; chg replaces the whole set. */
	const struct xnode *rem = xchild(u, NS_SECDNS10, "rem");
	for (const struct xnode *k = rem ? xchild(rem, NS_SECDNS10, "keyTag") : NULL;
	     k != NULL && nc->rc == FA_OK; k = xnext_same(k)) {
		unsigned long tag;
		if (!uint_text(k->text, 65535, &tag)) {
			return refuse(nc, FA_EINVAL,
				      "invalid DS key tag \"%s\" in <secDNS:rem>", k->text);
		}
		char buf[32];
		snprintf(buf, sizeof(buf), "%lu * * *", tag);
		struct fa_event *x = ev(nc, FA_EV_DOMAIN_DS_REM);
		if (x != NULL) {
			x->domain = nc->domain;
			x->value = dup(nc, buf, strlen(buf));
		}
	}
	const struct xnode *chg = xchild(u, NS_SECDNS10, "chg");
	if (chg != NULL) {
		ds_rem_all(nc);
		ds_list(nc, chg, NS_SECDNS10, FA_EV_DOMAIN_DS_ADD);
	}
	const struct xnode *add = xchild(u, NS_SECDNS10, "add");
	if (add != NULL) {
		ds_list(nc, add, NS_SECDNS10, FA_EV_DOMAIN_DS_ADD);
	}
	return nc->rc;
}

/* ---- TTL extension (RFC 9803) ---------------------------------------- */

/* "NS 3600"; for="custom" names its type in the custom attribute. */
static const char *ttl_value(struct nctx *nc, const struct xnode *t)
{
	const char *rr = xattr(t, "for");
	if (rr != NULL && strcmp(rr, "custom") == 0) {
		rr = xattr(t, "custom");
	}
	if (rr == NULL || *rr == '\0' || strlen(rr) > 16) {
		refuse(nc, FA_EINVAL,
		       "<ttl:ttl> without a valid for (or custom) attribute");
		return NULL;
	}
	for (const char *p = rr; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-')) {
			refuse(nc, FA_EINVAL,
			       "invalid record type \"%s\" in <ttl:ttl>", rr);
			return NULL;
		}
	}
	unsigned long secs;
	if (!uint_text(t->text, 2147483647UL, &secs)) {
		refuse(nc, FA_EINVAL, "invalid TTL \"%s\" for %s in <ttl:ttl>",
		       t->text, rr);
		return NULL;
	}

	char buf[48];
	size_t rl = strlen(rr);
	for (size_t i = 0; i < rl; i++) {
		char c = rr[i];
		buf[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	buf[rl] = ' ';
	char *e = put_ulong(buf + rl + 1, secs);
	return dup(nc, buf, (size_t)(e - buf));
}

static int ttl_ext(struct nctx *nc, const char *which)
{
	const struct xnode *t = ext_elem(nc->ext, NS_TTL, which);
	for (const struct xnode *e = t ? xchild(t, NS_TTL, "ttl") : NULL;
	     e != NULL && nc->rc == FA_OK; e = xnext_same(e)) {
		/* An empty <ttl:ttl> in an update asks for the server's
		 * default: the value is unknown here, so no event. */
		if (e->textlen == 0) {
			continue;
		}
		const char *v = ttl_value(nc, e);
		struct fa_event *x = ev(nc, FA_EV_DOMAIN_TTL_SET);
		if (x != NULL) {
			x->domain = nc->domain;
			x->value = v;
		}
	}
	return nc->rc;
}

/* ---- domain commands -------------------------------------------------- */

static const char *resdata_text(struct nctx *nc, const char *type,
				const char *field)
{
	if (nc->resdata == NULL || nc->resdata->ns != NS_DOMAIN ||
	    strcmp(nc->resdata->name, type) != 0) {
		return NULL;
	}
	return dup_text(nc, xchild(nc->resdata, NS_DOMAIN, field));
}

static int domain_create(struct nctx *nc)
{
	const struct xnode *o = nc->obj;
	const char *registrant = dup_text(nc, xchild(o, NS_DOMAIN, "registrant"));
	const char *created = resdata_text(nc, "creData", "crDate");
	const char *period = period_of(nc, o, NS_DOMAIN);

	jb_reset(nc->nm);
	jb_raw(nc->nm, "{");
	jb_kv(nc->nm, "created", created);
	jb_kv(nc->nm, "period", period);
	jb_raw(nc->nm, "}");
	struct fa_event *x = ev(nc, FA_EV_DOMAIN_CREATE);
	if (x == NULL) {
		return nc->rc;
	}
	x->domain = nc->domain;
	x->contact = registrant;
	x->detail = jb_done(nc);

	ns_list(nc, o, FA_EV_DOMAIN_NS_ADD, true);
	contacts(nc, o, FA_EV_DOMAIN_CONTACT_ADD);
	statuses(nc, o, NS_DOMAIN, FA_EV_DOMAIN_STATUS_ADD, nc->domain, NULL);
	secdns_create(nc);
	ttl_ext(nc, "create");
	return nc->rc;
}

static int domain_update(struct nctx *nc)
{
	const struct xnode *o = nc->obj;
	const struct xnode *add = xchild(o, NS_DOMAIN, "add");
	const struct xnode *rem = xchild(o, NS_DOMAIN, "rem");
	const struct xnode *chg = xchild(o, NS_DOMAIN, "chg");

	if (rem != NULL) {
		ns_list(nc, rem, FA_EV_DOMAIN_NS_REM, false);
		contacts(nc, rem, FA_EV_DOMAIN_CONTACT_REM);
		statuses(nc, rem, NS_DOMAIN, FA_EV_DOMAIN_STATUS_REM,
			 nc->domain, NULL);
	}
	if (add != NULL) {
		ns_list(nc, add, FA_EV_DOMAIN_NS_ADD, true);
		contacts(nc, add, FA_EV_DOMAIN_CONTACT_ADD);
		statuses(nc, add, NS_DOMAIN, FA_EV_DOMAIN_STATUS_ADD,
			 nc->domain, NULL);
	}
	if (chg != NULL) {
		const struct xnode *r = xchild(chg, NS_DOMAIN, "registrant");
		if (r != NULL) {
			struct fa_event *x = ev(nc, FA_EV_DOMAIN_REGISTRANT_CHANGE);
			if (x != NULL) {
				x->domain = nc->domain;
				x->contact = r->textlen ? dup_text(nc, r) : NULL;
			}
		}
		if (xchild(chg, NS_DOMAIN, "authInfo") != NULL) {
			struct fa_event *x = ev(nc, FA_EV_DOMAIN_AUTHINFO_CHANGE);
			if (x != NULL) {
				x->domain = nc->domain;
			}
		}
	}
	secdns_update(nc);
	ttl_ext(nc, "update");
	return nc->rc;
}

static int domain_transfer(struct nctx *nc)
{
	const char *op = xattr(nc->verb, "op");
	if (op == NULL) {
		return refuse(nc, FA_EINVAL,
			      "<transfer> without an op attribute");
	}
	const char *reid = resdata_text(nc, "trnData", "reID");

	struct fa_event *x = NULL;
	if (strcmp(op, "request") == 0) {
		jb_reset(nc->nm);
		jb_raw(nc->nm, "{");
		jb_kv(nc->nm, "reID", reid);
		jb_kv(nc->nm, "acID", resdata_text(nc, "trnData", "acID"));
		jb_kv(nc->nm, "trStatus", resdata_text(nc, "trnData", "trStatus"));
		jb_raw(nc->nm, "}");
		x = ev(nc, FA_EV_DOMAIN_TRANSFER_REQUEST);
		if (x != NULL) {
			x->detail = jb_done(nc);
		}
	} else if (strcmp(op, "approve") == 0) {
		x = ev(nc, FA_EV_DOMAIN_TRANSFER_APPROVE);
		if (x != NULL) {
			x->value = reid;
		}
	} else if (strcmp(op, "reject") == 0) {
		x = ev(nc, FA_EV_DOMAIN_TRANSFER_REJECT);
	} else if (strcmp(op, "cancel") == 0) {
		x = ev(nc, FA_EV_DOMAIN_TRANSFER_CANCEL);
	} else if (strcmp(op, "query") != 0) {
		return refuse(nc, FA_EINVAL,
			      "invalid transfer op \"%s\"", op);
	}
	if (x != NULL) {
		x->domain = nc->domain;
	}
	return nc->rc;
}

static int domain_events(struct nctx *nc, const char *verb)
{
	if (strcmp(verb, "create") == 0) {
		return domain_create(nc);
	}
	if (strcmp(verb, "update") == 0) {
		return domain_update(nc);
	}
	if (strcmp(verb, "transfer") == 0) {
		return domain_transfer(nc);
	}
	if (strcmp(verb, "delete") == 0) {
		struct fa_event *x = ev(nc, FA_EV_DOMAIN_DELETE);
		if (x != NULL) {
			x->domain = nc->domain;
		}
	} else if (strcmp(verb, "renew") == 0) {
		struct fa_event *x = ev(nc, FA_EV_DOMAIN_RENEW);
		if (x != NULL) {
			x->domain = nc->domain;
			x->value = resdata_text(nc, "renData", "exDate");
		}
	}
	return nc->rc;
}

/* ---- host commands ---------------------------------------------------- */

static int host_addrs(struct nctx *nc, const struct xnode *parent,
		      enum fa_event_kind kind, const char *host)
{
	for (const struct xnode *a = xchild(parent, NS_HOST, "addr");
	     a != NULL && nc->rc == FA_OK; a = xnext_same(a)) {
		const char *addr = norm_addr(nc, a);
		struct fa_event *x = ev(nc, kind);
		if (x != NULL) {
			x->host = host;
			x->value = addr;
		}
	}
	return nc->rc;
}

static int host_events(struct nctx *nc, const char *verb, const char *host)
{
	const struct xnode *o = nc->obj;
	if (strcmp(verb, "create") == 0) {
		struct fa_event *x = ev(nc, FA_EV_HOST_CREATE);
		if (x != NULL) {
			x->host = host;
		}
		host_addrs(nc, o, FA_EV_HOST_ADDR_ADD, host);
		statuses(nc, o, NS_HOST, FA_EV_HOST_STATUS_ADD, NULL, host);
	} else if (strcmp(verb, "update") == 0) {
		const struct xnode *add = xchild(o, NS_HOST, "add");
		const struct xnode *rem = xchild(o, NS_HOST, "rem");
		const struct xnode *chg = xchild(o, NS_HOST, "chg");
		if (rem != NULL) {
			host_addrs(nc, rem, FA_EV_HOST_ADDR_REM, host);
			statuses(nc, rem, NS_HOST, FA_EV_HOST_STATUS_REM, NULL,
				 host);
		}
		if (add != NULL) {
			host_addrs(nc, add, FA_EV_HOST_ADDR_ADD, host);
			statuses(nc, add, NS_HOST, FA_EV_HOST_STATUS_ADD, NULL,
				 host);
		}
		const struct xnode *nn = chg ? xchild(chg, NS_HOST, "name") : NULL;
		if (nn != NULL) {
			const char *newname = norm_name(nc, nn, "host:chg");
			struct fa_event *x = ev(nc, FA_EV_HOST_RENAME);
			if (x != NULL) {
				x->host = host;
				x->value = newname;
			}
		}
	} else if (strcmp(verb, "delete") == 0) {
		struct fa_event *x = ev(nc, FA_EV_HOST_DELETE);
		if (x != NULL) {
			x->host = host;
		}
	}
	return nc->rc;
}

/* ---- contact commands ------------------------------------------------- */

/* name/org/city/cc of the first postalInfo, email and voice; never the
 * street or authInfo. The city is kept for the postal-info quality check. */
static void contact_detail(struct nctx *nc, const struct xnode *o, bool all)
{
	struct epp_norm *nm = nc->nm;
	const struct xnode *pi = xchild(o, NS_CONTACT, "postalInfo");
	const struct xnode *addr = pi ? xchild(pi, NS_CONTACT, "addr") : NULL;

	jb_reset(nm);
	jb_raw(nm, "{");
	static const char *const pfields[] = { "name", "org" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = text_of(pi, NS_CONTACT, pfields[i]);
		if (v != NULL || all) {
			jb_kv(nm, pfields[i], v);
		}
	}
	static const char *const afields[] = { "city", "cc" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = text_of(addr, NS_CONTACT, afields[i]);
		if (v != NULL || all) {
			jb_kv(nm, afields[i], v);
		}
	}
	static const char *const fields[] = { "email", "voice" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = text_of(o, NS_CONTACT, fields[i]);
		if (v != NULL || all) {
			jb_kv(nm, fields[i], v);
		}
	}
	jb_raw(nm, "}");
}

static int contact_events(struct nctx *nc, const char *verb, const char *id)
{
	struct fa_event *x = NULL;
	if (strcmp(verb, "create") == 0) {
		contact_detail(nc, nc->obj, true);
		x = ev(nc, FA_EV_CONTACT_CREATE);
		if (x != NULL) {
			x->detail = jb_done(nc);
		}
	} else if (strcmp(verb, "update") == 0) {
		const struct xnode *chg = xchild(nc->obj, NS_CONTACT, "chg");
		if (chg != NULL) {
			contact_detail(nc, chg, false);
		} else {
			jb_reset(nc->nm);
			jb_raw(nc->nm, "{}");
		}
		x = ev(nc, FA_EV_CONTACT_UPDATE);
		if (x != NULL) {
			x->detail = jb_done(nc);
		}
	} else if (strcmp(verb, "delete") == 0) {
		x = ev(nc, FA_EV_CONTACT_DELETE);
	}
	if (x != NULL) {
		x->contact = id;
	}
	return nc->rc;
}

/* ---- info responses --------------------------------------------------- */

static void jb_status_list(struct epp_norm *nm, const struct xnode *o,
			   enum epp_ns ns)
{
	jb_key(nm, "statuses");
	jb_raw(nm, "[");
	for (const struct xnode *s = xchild(o, ns, "status"); s != NULL;
	     s = xnext_same(s)) {
		jb_str(nm, xattr(s, "s"));
	}
	jb_raw(nm, "]");
}

/* RFC 9803 <ttl:infData> of an info response: the TTLs the registry
 * publishes for the domain, as "ttls":{"NS":3600,...}. */
static int info_ttls(struct nctx *nc)
{
	const struct xnode *t = ext_elem(nc->rspext, NS_TTL, "infData");
	struct epp_norm *nm = nc->nm;
	char type[24];

	if (t == NULL) {
		return FA_OK;
	}
	jb_key(nm, "ttls");
	jb_raw(nm, "{");
	for (const struct xnode *e = xchild(t, NS_TTL, "ttl"); e != NULL;
	     e = xnext_same(e)) {
		/* Empty: the server default, whose value is not given. */
		if (e->textlen == 0) {
			continue;
		}
		const char *v = ttl_value(nc, e);
		const char *sp = v != NULL ? strchr(v, ' ') : NULL;
		if (sp == NULL) {
			return nc->rc;
		}
		snprintf(type, sizeof(type), "%.*s", (int)(sp - v), v);
		jb_key(nm, type);
		jb_raw(nm, sp + 1);
	}
	jb_raw(nm, "}");
	return FA_OK;
}

static int domain_info(struct nctx *nc)
{
	const struct xnode *o = nc->resdata;
	struct epp_norm *nm = nc->nm;
	const char *name = norm_name(nc, xchild(o, NS_DOMAIN, "name"),
				     "domain:name");
	if (name == NULL) {
		return nc->rc ? nc->rc : refuse(nc, FA_EINVAL,
			"<domain:infData> without <domain:name>");
	}

	/* Names in the detail are normalized like everywhere else, so the
	 * store can compare them with event fields. */
	char hbuf[FA_NAME_BUFSZ];
	char why[200];
	const struct xnode *ns = xchild(o, NS_DOMAIN, "ns");

	jb_reset(nm);
	jb_raw(nm, "{");
	jb_kv(nm, "registrar", text_of(o, NS_DOMAIN, "clID"));
	jb_kv(nm, "registrant", text_of(o, NS_DOMAIN, "registrant"));
	jb_key(nm, "ns");
	jb_raw(nm, "[");
	bool attrs = false;
	for (const struct xnode *e = ns ? ns->child : NULL; e != NULL; e = e->next) {
		const struct xnode *hn = e;
		if (e->ns == NS_DOMAIN && strcmp(e->name, "hostAttr") == 0) {
			hn = xchild(e, NS_DOMAIN, "hostName");
			attrs = true;
		} else if (e->ns != NS_DOMAIN || strcmp(e->name, "hostObj") != 0) {
			continue;
		}
		if (hn == NULL || fa_name_normalize(hn->text, hn->textlen, 0, hbuf,
						    sizeof(hbuf), why,
						    sizeof(why)) != FA_OK) {
			return refuse(nc, FA_EINVAL, "%s in <%s>",
				      hn ? why : "<hostAttr> without <hostName>",
				      "domain:infData");
		}
		jb_str(nm, hbuf);
	}
	jb_raw(nm, "]");
	jb_status_list(nm, o, NS_DOMAIN);
	jb_kv(nm, "created", text_of(o, NS_DOMAIN, "crDate"));
	jb_key(nm, "contacts");
	jb_raw(nm, "[");
	for (const struct xnode *c = xchild(o, NS_DOMAIN, "contact"); c != NULL;
	     c = xnext_same(c)) {
		jb_open(nm, "{");
		jb_kv(nm, "type", xattr(c, "type"));
		jb_kv(nm, "id", c->text);
		jb_raw(nm, "}");
	}
	jb_raw(nm, "]");
	jb_key(nm, "hostaddrs");
	jb_raw(nm, "{");
	for (const struct xnode *e = attrs ? ns->child : NULL; e != NULL;
	     e = e->next) {
		const struct xnode *hn = xchild(e, NS_DOMAIN, "hostName");
		if (hn == NULL || xchild(e, NS_DOMAIN, "hostAddr") == NULL) {
			continue;
		}
		if (fa_name_normalize(hn->text, hn->textlen, 0, hbuf, sizeof(hbuf),
				      NULL, 0) != FA_OK) {
			continue;
		}
		jb_key(nm, hbuf);
		jb_raw(nm, "[");
		for (const struct xnode *a = xchild(e, NS_DOMAIN, "hostAddr");
		     a != NULL; a = xnext_same(a)) {
			jb_str(nm, norm_addr(nc, a));
			if (nc->rc != FA_OK) {
				return nc->rc;
			}
		}
		jb_raw(nm, "]");
	}
	jb_raw(nm, "}");
	if (info_ttls(nc) != FA_OK) {
		return nc->rc;
	}
	jb_raw(nm, "}");

	struct fa_event *x = ev(nc, FA_EV_DOMAIN_INFO);
	if (x != NULL) {
		x->domain = name;
		x->detail = jb_done(nc);
	}
	return nc->rc;
}

static int host_info(struct nctx *nc)
{
	const struct xnode *o = nc->resdata;
	struct epp_norm *nm = nc->nm;
	const char *name = norm_name(nc, xchild(o, NS_HOST, "name"), "host:name");
	if (name == NULL) {
		return nc->rc ? nc->rc : refuse(nc, FA_EINVAL,
			"<host:infData> without <host:name>");
	}

	jb_reset(nm);
	jb_raw(nm, "{");
	jb_kv(nm, "registrar", text_of(o, NS_HOST, "clID"));
	jb_key(nm, "addrs");
	jb_raw(nm, "[");
	for (const struct xnode *a = xchild(o, NS_HOST, "addr"); a != NULL;
	     a = xnext_same(a)) {
		jb_str(nm, norm_addr(nc, a));
		if (nc->rc != FA_OK) {
			return nc->rc;
		}
	}
	jb_raw(nm, "]");
	jb_status_list(nm, o, NS_HOST);
	jb_raw(nm, "}");

	struct fa_event *x = ev(nc, FA_EV_HOST_INFO);
	if (x != NULL) {
		x->host = name;
		x->detail = jb_done(nc);
	}
	return nc->rc;
}

static int info_events(struct nctx *nc)
{
	const struct xnode *r = nc->resdata;
	if (r == NULL || strcmp(r->name, "infData") != 0) {
		return FA_OK;
	}
	if (r->ns == NS_DOMAIN) {
		return domain_info(nc);
	}
	if (r->ns == NS_HOST) {
		return host_info(nc);
	}
	return FA_OK;
}

/* ---- command recognition --------------------------------------------- */

static const char *const verbs[] = {
	"check", "create", "delete", "info", "login", "logout", "poll",
	"renew", "transfer", "update",
};

static bool known_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(name, verbs[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int unrecognized(struct nctx *nc, const struct xnode *n)
{
	return refuse(nc, FA_EUNSUPPORTED, "unrecognized EPP command %s:%s",
		      n->uri, n->name);
}

/* Find verb, object and extension of <command>; set command and type. */
static int read_command(struct nctx *nc, const struct xnode *root)
{
	nc->cmd = xchild(root, NS_EPP, "command");
	for (const struct xnode *c = nc->cmd->child; c != NULL; c = c->next) {
		if (c->ns == NS_EPP && (strcmp(c->name, "extension") == 0 ||
					strcmp(c->name, "clTRID") == 0)) {
			continue;
		}
		if (c->ns != NS_EPP || !known_verb(c->name)) {
			return unrecognized(nc, c);
		}
		nc->verb = c;
		break;
	}
	if (nc->verb == NULL) {
		return refuse(nc, FA_EINVAL, "<command> without a command element");
	}
	nc->ext = xchild(nc->cmd, NS_EPP, "extension");
	nc->txn->cltrid = dup_text(nc, xchild(nc->cmd, NS_EPP, "clTRID"));

	const char *v = nc->verb->name;
	if (strcmp(v, "login") == 0 || strcmp(v, "logout") == 0 ||
	    strcmp(v, "poll") == 0) {
		nc->txn->command = v;	/* static: verbs[] */
		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
			if (strcmp(v, verbs[i]) == 0) {
				nc->txn->command = verbs[i];
			}
		}
		return nc->rc;
	}

	nc->obj = nc->verb->child;
	if (nc->obj == NULL) {
		return refuse(nc, FA_EINVAL, "<%s> without an object element", v);
	}
	switch (nc->obj->ns) {
	case NS_DOMAIN:
		nc->otype = OBJ_DOMAIN;
		break;
	case NS_HOST:
		nc->otype = OBJ_HOST;
		break;
	case NS_CONTACT:
		nc->otype = OBJ_CONTACT;
		break;
	default:
		return unrecognized(nc, nc->obj);
	}

	nc->txn->command = join(nc, obj_names[nc->otype], v);
	nc->txn->object_type = obj_names[nc->otype];
	return nc->rc;
}

/* Object names of the command, normalized, in order. */
static int read_objects(struct nctx *nc)
{
	enum epp_ns ns = nc->obj->ns;
	const char *field = nc->otype == OBJ_CONTACT ? "id" : "name";
	static const char *const whats[] = {
		NULL, "domain:name", "host:name", "contact:id",
	};
	const char *what = whats[nc->otype];

	for (const struct xnode *n = xchild(nc->obj, ns, field);
	     n != NULL && nc->rc == FA_OK; n = xnext_same(n)) {
		const char *s = nc->otype == OBJ_CONTACT ? dup_text(nc, n)
							 : norm_name(nc, n, what);
		if (s == NULL) {
			break;
		}
		if (fa_txn_add_object(nc->txn, s) != FA_OK) {
			return oom(nc);
		}
	}
	/* Some registries (.ee) assign contact ids themselves: a contact
	 * create without an id is theirs, the id comes back in creData. */
	if (nc->rc == FA_OK && nc->txn->nobjects == 0 &&
	    nc->otype == OBJ_CONTACT && strcmp(nc->verb->name, "create") == 0) {
		return FA_OK;
	}
	if (nc->rc == FA_OK && nc->txn->nobjects == 0) {
		return refuse(nc, FA_EINVAL, "<%s> without <%s>", nc->txn->command,
			      what);
	}
	return nc->rc;
}

static int read_response(struct nctx *nc, const struct xnode *root)
{
	struct fa_txn *t = nc->txn;
	nc->res = xchild(root, NS_EPP, "response");
	const struct xnode *result = xchild(nc->res, NS_EPP, "result");
	const char *code = result ? xattr(result, "code") : NULL;
	unsigned long c;
	if (code == NULL || strlen(code) != 4 || !uint_text(code, 2999, &c) ||
	    c < 1000) {
		return refuse(nc, FA_EINVAL,
			      "response without a valid result code (\"%s\")", code ? code : "");
	}
	t->result_code = (int)c;
	t->result_msg = dup_text(nc, xchild(result, NS_EPP, "msg"));

	const struct xnode *tr = xchild(nc->res, NS_EPP, "trID");
	if (tr != NULL) {
		const struct xnode *sv = xchild(tr, NS_EPP, "svTRID");
		if (sv != NULL && sv->textlen > 0) {
			t->svtrid = dup_text(nc, sv);
		}
		if (t->cltrid == NULL) {
			t->cltrid = dup_text(nc, xchild(tr, NS_EPP, "clTRID"));
		}
	}
	const struct xnode *rd = xchild(nc->res, NS_EPP, "resData");
	nc->resdata = rd ? rd->child : NULL;
	nc->rspext = xchild(nc->res, NS_EPP, "extension");
	return nc->rc;
}

/* Add one object name from a response element (name or id). */
static int add_object(struct nctx *nc, const struct xnode *n)
{
	const char *s = nc->otype == OBJ_CONTACT ? dup_text(nc, n)
		: norm_name(nc, n, nc->otype == OBJ_DOMAIN ? "domain:name"
							   : "host:name");
	if (s != NULL && fa_txn_add_object(nc->txn, s) != FA_OK) {
		return oom(nc);
	}
	return nc->rc;
}

/*
 * Objects of a response without its command: the names a chkData lists,
 * or the one name (id for contacts) of infData, creData, trnData etc.
 */
static int resdata_objects(struct nctx *nc)
{
	const struct xnode *r = nc->resdata;
	enum epp_ns ns = r->ns;
	nc->otype = ns == NS_DOMAIN ? OBJ_DOMAIN : ns == NS_HOST ? OBJ_HOST
		  : OBJ_CONTACT;
	const char *field = nc->otype == OBJ_CONTACT ? "id" : "name";

	if (strcmp(r->name, "chkData") == 0) {
		for (const struct xnode *cd = xchild(r, ns, "cd");
		     cd != NULL && nc->rc == FA_OK; cd = xnext_same(cd)) {
			const struct xnode *n = xchild(cd, ns, field);
			if (n != NULL) {
				add_object(nc, n);
			}
		}
		return nc->rc;
	}
	const struct xnode *n = xchild(r, ns, field);
	if (n != NULL) {
		add_object(nc, n);
	}
	return nc->rc;
}

static int failed_event(struct nctx *nc)
{
	struct fa_txn *t = nc->txn;
	char code[16];
	*put_ulong(code, (unsigned long)t->result_code) = '\0';

	jb_reset(nc->nm);
	jb_raw(nc->nm, "{");
	jb_kv(nc->nm, "command", t->command);
	jb_kv(nc->nm, "msg", t->result_msg);
	jb_raw(nc->nm, "}");
	struct fa_event *x = ev(nc, FA_EV_COMMAND_FAILED);
	if (x == NULL) {
		return nc->rc;
	}
	x->value = dup(nc, code, strlen(code));
	x->detail = jb_done(nc);

	/* The object gives per-domain and per-host rules their subject. */
	const char *first = t->nobjects ? t->objects[0] : NULL;
	if (nc->otype == OBJ_DOMAIN) {
		x->domain = first;
	} else if (nc->otype == OBJ_HOST) {
		x->host = first;
	} else if (nc->otype == OBJ_CONTACT) {
		x->contact = first;
	}
	return nc->rc;
}

static int command_events(struct nctx *nc)
{
	const char *v = nc->verb->name;
	if (strcmp(v, "login") == 0) {
		struct fa_event *x = ev(nc, FA_EV_LOGIN);
		(void)x;
		return nc->rc;
	}
	if (strcmp(v, "logout") == 0) {
		struct fa_event *x = ev(nc, FA_EV_LOGOUT);
		(void)x;
		return nc->rc;
	}
	if (strcmp(v, "check") == 0 || strcmp(v, "info") == 0 ||
	    strcmp(v, "poll") == 0) {
		return nc->rc;
	}
	const char *first = nc->txn->nobjects ? nc->txn->objects[0] : NULL;
	if (first == NULL && nc->resdata != NULL && nc->resdata->ns == NS_CONTACT &&
	    strcmp(nc->resdata->name, "creData") == 0) {
		first = dup_text(nc, xchild(nc->resdata, NS_CONTACT, "id"));
		if (first != NULL && fa_txn_add_object(nc->txn, first) != FA_OK) {
			return oom(nc);
		}
	}
	switch (nc->otype) {
	case OBJ_DOMAIN:
		return domain_events(nc, v);
	case OBJ_HOST:
		return host_events(nc, v, first);
	case OBJ_CONTACT:
		return contact_events(nc, v, first);
	default:
		return nc->rc;
	}
}

size_t epp_utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return len;
}

int epp_clid_check(const char *s, size_t n, char *why, size_t whylen)
{
	return fa_clid_check(s, n, why, whylen);
}

const char *epp_login_clid(const struct xnode *cmd)
{
	const struct xnode *c = xchild(cmd, NS_EPP, "command");
	const struct xnode *l = c ? xchild(c, NS_EPP, "login") : NULL;
	const struct xnode *id = l ? xchild(l, NS_EPP, "clID") : NULL;
	return id && id->textlen ? id->text : NULL;
}

/* A login's <clID> becomes the session's registrar: it must be one. */
static int check_login(struct nctx *nc, const struct xnode *cmd)
{
	const struct xnode *c = xchild(cmd, NS_EPP, "command");
	const struct xnode *l = c ? xchild(c, NS_EPP, "login") : NULL;
	const struct xnode *id = l ? xchild(l, NS_EPP, "clID") : NULL;
	char why[160];

	if (id == NULL) {
		return FA_OK;
	}
	if (epp_clid_check(id->text ? id->text : "", id->textlen, why,
			   sizeof(why)) != FA_OK) {
		return refuse(nc, FA_EINVAL, "invalid <clID> %s", why);
	}
	return FA_OK;
}

static int frame_root(struct nctx *nc, const struct xnode *root, bool want_cmd)
{
	enum epp_frame_kind k = epp_frame_kind(root);
	if (k == FRAME_NOT_EPP) {
		return refuse(nc, FA_EINVAL,
			      "not an EPP frame: root element <%s> in namespace \"%s\"",
			      root->name, root->uri);
	}
	if (k == FRAME_OTHER) {
		return root->child ? unrecognized(nc, root->child)
				   : refuse(nc, FA_EINVAL,
					    "empty <epp> element");
	}
	if (want_cmd && k != FRAME_COMMAND && k != FRAME_HELLO) {
		return refuse(nc, FA_EINVAL,
			      "expected a command frame, found <%s>", root->child->name);
	}
	if (!want_cmd && k != FRAME_RESPONSE && k != FRAME_GREETING) {
		return refuse(nc, FA_EINVAL,
			      "expected a response frame, found <%s>", root->child->name);
	}
	return FA_OK;
}

int epp_normalize(struct epp_norm *nm, struct fa_txn *txn,
		  const struct xnode *cmd, const struct xnode *rsp, char *err,
		  size_t errlen)
{
	struct nctx nc = { .nm = nm, .txn = txn, .err = err, .errlen = errlen };

	if (cmd != NULL && frame_root(&nc, cmd, true) != FA_OK) {
		return nc.rc;
	}
	if (rsp != NULL && frame_root(&nc, rsp, false) != FA_OK) {
		return nc.rc;
	}
	txn->has_command = cmd != NULL;
	txn->has_response = rsp != NULL;
	bool greeting = rsp && epp_frame_kind(rsp) == FRAME_GREETING;

	if (cmd != NULL && epp_frame_kind(cmd) == FRAME_HELLO) {
		txn->command = "hello";
		cmd = NULL;
	} else if (cmd != NULL) {
		if (read_command(&nc, cmd) != FA_OK) {
			return nc.rc;
		}
		if (nc.otype != OBJ_NONE && read_objects(&nc) != FA_OK) {
			return nc.rc;
		}
		if (nc.otype == OBJ_DOMAIN) {
			nc.domain = txn->objects[0];
		}
		if (check_login(&nc, cmd) != FA_OK) {
			return nc.rc;
		}
	}

	if (greeting) {
		if (txn->command == NULL) {
			txn->command = "greeting";
		}
		return FA_OK;
	}
	if (rsp != NULL && read_response(&nc, rsp) != FA_OK) {
		return nc.rc;
	}
	if (txn->command == NULL) {
		/* A lone response: name it by what it carries. */
		if (nc.resdata != NULL) {
			const char *o = nc.resdata->ns == NS_DOMAIN ? "domain"
				: nc.resdata->ns == NS_HOST ? "host"
				: nc.resdata->ns == NS_CONTACT ? "contact" : NULL;
			txn->command = o ? join(&nc, o, nc.resdata->name) : "response";
			txn->object_type = o;
			if (o != NULL && resdata_objects(&nc) != FA_OK) {
				return nc.rc;
			}
		} else {
			txn->command = "response";
		}
	}

	if (rsp != NULL && txn->result_code >= 2000) {
		return failed_event(&nc);
	}
	if (cmd != NULL && nc.verb != NULL) {
		command_events(&nc);
	}
	if (rsp != NULL && nc.rc == FA_OK) {
		info_events(&nc);
	}
	return nc.rc;
}
