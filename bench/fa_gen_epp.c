/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa-gen-epp: writes a synthetic but realistic EPP transaction log for the
 * benchmark, and the scripted demo log of examples/ (--example).
 *
 * The generator keeps a model of the registry (registrars, domains, hosts,
 * contacts) so that what it writes is consistent: updates remove name
 * servers the domain has, info responses show the current state, checks
 * answer "in use" exactly for registered names, transfers are approved by
 * the sponsor. Everything is derived from one PRNG seed, so a given
 * (seed, N, format, start) always produces the same bytes.
 *
 * docs/generator.md describes the command mix and its proportions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fa_err.h"
#include "common/fa_time.h"

#define EPP_URI "urn:ietf:params:xml:ns:epp-1.0"
#define DOMAIN_URI "urn:ietf:params:xml:ns:domain-1.0"
#define HOST_URI "urn:ietf:params:xml:ns:host-1.0"
#define CONTACT_URI "urn:ietf:params:xml:ns:contact-1.0"
#define SECDNS_URI "urn:ietf:params:xml:ns:secDNS-1.1"
#define TTL_URI "urn:ietf:params:xml:ns:epp:ttl-1.0"

#define MAX_NS 13
#define MAX_ADDRS 12
#define NAME_MAX_LEN 254

enum format { FMT_ENVELOPE, FMT_RFC5734, FMT_XMLSTREAM };

/* ---------------------------------------------------------------- */
/* Small infrastructure: fatal allocation, growable buffers.        */

static FA_NORETURN void die(const char *fmt, ...) FA_PRINTF(1, 2);

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("fa-gen-epp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL) {
		die("out of memory allocating %zu bytes", n * size);
	}
	return p;
}

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap) {
		return;
	}
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		die("out of memory growing a frame to %zu bytes", cap);
	}
	b->p = p;
	b->cap = cap;
}

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap) FA_PRINTF(2, 0);

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		die("could not format a frame");
	}
	buf_reserve(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

static void buf_printf(struct buf *b, const char *fmt, ...) FA_PRINTF(2, 3);

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* ---------------------------------------------------------------- */
/* An indenting XML writer. Prefixes include their colon ("domain:") */
/* or are empty for a default namespace.                              */

struct xw {
	struct buf *b;
	int depth;
};

static void indent(struct xw *w)
{
	for (int i = 0; i < w->depth; i++) {
		buf_put(w->b, "  ", 2);
	}
}

/* Open <pfx:name attrs>. */
static void xo(struct xw *w, const char *pfx, const char *name, const char *attrs)
{
	indent(w);
	buf_printf(w->b, "<%s%s%s>\n", pfx, name, attrs ? attrs : "");
	w->depth++;
}

static void xc(struct xw *w, const char *pfx, const char *name)
{
	w->depth--;
	indent(w);
	buf_printf(w->b, "</%s%s>\n", pfx, name);
}

static void xe(struct xw *w, const char *pfx, const char *name, const char *attrs)
{
	indent(w);
	buf_printf(w->b, "<%s%s%s/>\n", pfx, name, attrs ? attrs : "");
}

static void xt(struct xw *w, const char *pfx, const char *name, const char *attrs,
	       const char *fmt, ...) FA_PRINTF(5, 6);

/* A leaf element with text; the text is written as given (generated text
 * never holds markup characters unless it is already escaped). */
static void xt(struct xw *w, const char *pfx, const char *name, const char *attrs,
	       const char *fmt, ...)
{
	va_list ap;
	indent(w);
	buf_printf(w->b, "<%s%s%s>", pfx, name, attrs ? attrs : "");
	va_start(ap, fmt);
	buf_vprintf(w->b, fmt, ap);
	va_end(ap);
	buf_printf(w->b, "</%s%s>\n", pfx, name);
}

/* The namespace declaration for an element written with prefix pfx. */
static const char *nsdecl(char *tmp, size_t len, const char *pfx, const char *uri)
{
	size_t plen = strlen(pfx);
	if (plen == 0) {
		snprintf(tmp, len, " xmlns=\"%s\"", uri);
	} else {
		snprintf(tmp, len, " xmlns:%.*s=\"%s\"", (int)(plen - 1), pfx, uri);
	}
	return tmp;
}

/* How one client software spells its frames. */
struct style {
	const char *e; /* EPP envelope elements */
	const char *d; /* domain-1.0 */
	const char *h; /* host-1.0 */
	const char *c; /* contact-1.0 */
	const char *s; /* secDNS-1.1 */
	const char *t; /* epp:ttl-1.0 */
	bool decl;     /* starts with an XML declaration */
};

static const struct style style_usual = {
	"", "domain:", "host:", "contact:", "secDNS:", "ttl:", true
};
static const struct style style_nodecl = {
	"", "domain:", "host:", "contact:", "secDNS:", "ttl:", false
};
static const struct style style_default_ns = { "", "", "", "", "", "", true };
static const struct style style_other_pfx = {
	"", "dom:", "h:", "c:", "sec:", "t:", true
};
static const struct style style_epp_pfx = {
	"epp:", "domain:", "host:", "contact:", "secDNS:", "ttl:", true
};

/* ---------------------------------------------------------------- */
/* The registry model.                                              */

struct addr {
	bool v6;
	uint32_t v4;
	uint16_t g[8];
};

struct ilist {
	int *v;
	int n;
	int cap;
};

static void ilist_push(struct ilist *l, int x)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		int *v = realloc(l->v, (size_t)cap * sizeof(int));
		if (v == NULL) {
			die("out of memory growing a list to %d entries", cap);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
}

struct registrar {
	char clid[32];
	char tag[16];	/* upper-case short name for clTRIDs and ROIDs */
	char addr[48];	/* source address of its sessions */
	int hosts[4];	/* its provider name servers */
	int nhosts;
	int contacts[64];
	int ncontacts;
	int nsessions;
	struct ilist *dl;	/* its domains (lazily pruned) */
	struct ilist *hl;	/* its in-zone hosts */
};

struct domain {
	char name[NAME_MAX_LEN + 1];
	int reg;
	int registrant;
	int admin;
	int tech;
	int ns[MAX_NS];
	int nns;
	int64_t created;
	int exp_year;	/* expiry: created's month/day in this year */
	int nsub;	/* subordinate host objects (block deletion) */
	int next_ns;	/* number for the next in-zone host name */
	int pending_to;	/* registrar with a pending transfer, or -1 */
	int ttl_ns;	/* NS TTL set by the TTL extension, 0 = none */
	bool attr;	/* delegated with hostAttr */
	bool ds;	/* has a DS record */
	bool hold;	/* clientHold */
	bool deleted;
	uint16_t keytag;
};

struct host {
	char name[NAME_MAX_LEN + 1];
	int reg;
	int dom;	/* superordinate domain, -1 when out of zone */
	struct addr addrs[MAX_ADDRS];
	int naddrs;
	int64_t created;
	bool attr;	/* only exists as hostAttr inside a domain */
	bool live;	/* created as an object */
};

struct contact {
	char id[24];
	int reg;
	int64_t created;
};

struct session {
	int reg;
	int no;		/* session number, for ids */
	char id[32];
	int remaining;	/* commands before logout */
	int cmdno;
	bool logged_in;
	const struct style *st;
};

struct gen {
	uint64_t rng;
	uint64_t seed;
	enum format fmt;
	FILE *out;
	int64_t now;	/* microseconds */
	uint64_t svtrid;
	uint64_t written;

	struct registrar *regs;
	int nregs;
	double *regweight; /* cumulative */

	struct domain *doms;
	int ndoms;
	int capdoms;
	int *dhash;	/* open addressing over doms, -1 = empty */
	size_t dhash_mask;

	struct host *hosts;
	int nhosts;
	int caphosts;

	struct contact *contacts;
	int ncontacts;
	int capcontacts;

	int pending[64]; /* domains with a pending transfer */
	int npending;

	int nsessions;
	struct buf cmd;
	struct buf rsp;
};

/* splitmix64: small, fast and good enough for picking test data. */
static uint64_t rnd64(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rnd(struct gen *g, int n)
{
	return (int)(rnd64(g) % (uint64_t)n);
}

static bool chance(struct gen *g, int percent)
{
	return rnd(g, 100) < percent;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	}
	return h;
}

static int dom_find(const struct gen *g, const char *name)
{
	size_t i = name_hash(name) & g->dhash_mask;
	while (g->dhash[i] >= 0) {
		if (strcmp(g->doms[g->dhash[i]].name, name) == 0) {
			return g->dhash[i];
		}
		i = (i + 1) & g->dhash_mask;
	}
	return -1;
}

static int dom_new(struct gen *g, const char *name, int reg)
{
	if (g->ndoms == g->capdoms) {
		die("more than %d domains; raise the model size", g->capdoms);
	}
	int idx = g->ndoms++;
	struct domain *d = &g->doms[idx];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->reg = reg;
	d->pending_to = -1;
	d->next_ns = 1;
	size_t i = name_hash(name) & g->dhash_mask;
	while (g->dhash[i] >= 0) {
		i = (i + 1) & g->dhash_mask;
	}
	g->dhash[i] = idx;
	return idx;
}

static int host_new(struct gen *g, const char *name, int reg, int dom)
{
	if (g->nhosts == g->caphosts) {
		die("more than %d hosts; raise the model size", g->caphosts);
	}
	int idx = g->nhosts++;
	struct host *h = &g->hosts[idx];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->reg = reg;
	h->dom = dom;
	return idx;
}

static int contact_new(struct gen *g, int reg)
{
	if (g->ncontacts == g->capcontacts) {
		die("more than %d contacts; raise the model size", g->capcontacts);
	}
	int idx = g->ncontacts++;
	struct contact *c = &g->contacts[idx];
	snprintf(c->id, sizeof(c->id), "%s-C%05d", g->regs[reg].tag, idx);
	c->reg = reg;
	struct registrar *r = &g->regs[reg];
	int slot = r->ncontacts < 64 ? r->ncontacts++ : rnd(g, 64);
	r->contacts[slot] = idx;
	return idx;
}

/* ---------------------------------------------------------------- */
/* Addresses: stored as numbers, written canonically (RFC 5952) in   */
/* responses and sometimes in other valid spellings in commands.      */

static struct addr v4(uint32_t a)
{
	struct addr x = { .v6 = false, .v4 = a };
	return x;
}

static struct addr v4s(const char *s)
{
	unsigned a, b, c, d;
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
		die("bad built-in IPv4 address \"%s\"", s);
	}
	return v4((a << 24) | (b << 16) | (c << 8) | d);
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	if (a->v6 != b->v6) {
		return false;
	}
	if (!a->v6) {
		return a->v4 == b->v4;
	}
	return memcmp(a->g, b->g, sizeof(a->g)) == 0;
}

/* Canonical text (lower case, longest run of two or more zero groups
 * compressed); spelling 1 writes all eight groups with leading zeros,
 * spelling 2 upper case with compression. */
static void addr_fmt(const struct addr *a, int spelling, char *out, size_t len)
{
	if (!a->v6) {
		snprintf(out, len, "%u.%u.%u.%u", a->v4 >> 24, (a->v4 >> 16) & 255,
			 (a->v4 >> 8) & 255, a->v4 & 255);
		return;
	}
	if (spelling == 1) {
		snprintf(out, len, "%04x:%04x:%04x:%04x:%04x:%04x:%04x:%04x",
			 a->g[0], a->g[1], a->g[2], a->g[3], a->g[4], a->g[5],
			 a->g[6], a->g[7]);
		return;
	}
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a->g[j] == 0) {
			j++;
		}
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	bool upper = spelling == 2;
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			n += (size_t)snprintf(out + n, len - n, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen) {
			n += (size_t)snprintf(out + n, len - n, ":");
		}
		n += (size_t)(upper ? snprintf(out + n, len - n, "%X", a->g[i])
				    : snprintf(out + n, len - n, "%x", a->g[i]));
	}
}

static const uint32_t v4_nets[] = { 0xc0000200, 0xc6336400, 0xcb007100 };

static struct addr rand_v4(struct gen *g)
{
	return v4(v4_nets[rnd(g, 3)] | (uint32_t)(1 + rnd(g, 254)));
}

static struct addr rand_v6(struct gen *g)
{
	struct addr a = { .v6 = true };
	a.g[0] = 0x2001;
	a.g[1] = 0x0db8;
	a.g[2] = (uint16_t)rnd(g, 0x1000);
	a.g[3] = (uint16_t)(chance(g, 70) ? 0 : rnd(g, 0x10000));
	a.g[7] = (uint16_t)(1 + rnd(g, 0x100));
	if (chance(g, 20)) {
		a.g[6] = (uint16_t)rnd(g, 0x10000);
	}
	return a;
}

/* ---------------------------------------------------------------- */
/* Times.                                                           */

static void fmt_time(int64_t us, char *out, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (int)((us / 1000) % 1000)) >= (int)len) {
		die("time %lld does not fit the log format", (long long)us);
	}
}

/* The expiry date of a domain as "YYYY-MM-DD" (curExpDate form) or with
 * a time of day (exDate form). */
static void fmt_expiry(const struct domain *d, bool date_only, char *out, size_t len)
{
	time_t t = (time_t)(d->created / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (tm.tm_mon == 1 && tm.tm_mday == 29) {
		tm.tm_mday = 28;
	}
	if (date_only) {
		snprintf(out, len, "%04d-%02d-%02d", d->exp_year, tm.tm_mon + 1,
			 tm.tm_mday);
	} else {
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.0Z", d->exp_year,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
}

static int year_of(int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* ---------------------------------------------------------------- */
/* Transactions: the command and response frames and their record. */

struct tx {
	struct gen *g;
	struct session *s;
	const struct style *st;
	struct xw c;
	struct xw r;
	char cltrid[48];
	bool login;
};

static const char *result_msg(int code)
{
	switch (code) {
	case 1000: return "Command completed successfully";
	case 1001: return "Command completed successfully; action pending";
	case 1500: return "Command completed successfully; ending session";
	case 2000: return "Unknown command";
	case 2001: return "Command syntax error";
	case 2003: return "Required parameter missing";
	case 2004: return "Parameter value range error";
	case 2005: return "Parameter value syntax error";
	case 2201: return "Authorization error";
	case 2202: return "Invalid authorization information";
	case 2302: return "Object exists";
	case 2303: return "Object does not exist";
	case 2304: return "Object status prohibits operation";
	case 2305: return "Object association prohibits operation";
	case 2306: return "Parameter value policy error";
	case 2308: return "Data management policy violation";
	default: return "Command failed";
	}
}

static void frame_start(struct xw *w, const struct style *st)
{
	char ns[128];
	if (st->decl) {
		buf_printf(w->b, "<?xml version=\"1.0\" encoding=\"UTF-8\" "
				 "standalone=\"no\"?>\n");
	}
	xo(w, st->e, "epp", nsdecl(ns, sizeof(ns), st->e, EPP_URI));
}

static void tx_begin(struct gen *g, struct session *s, struct tx *t)
{
	memset(t, 0, sizeof(*t));
	t->g = g;
	t->s = s;
	t->st = s->st;
	g->cmd.len = 0;
	g->rsp.len = 0;
	t->c.b = &g->cmd;
	t->r.b = &g->rsp;
	s->cmdno++;
	snprintf(t->cltrid, sizeof(t->cltrid), "%s-%d-%04d", g->regs[s->reg].tag, s->no,
		 s->cmdno);
	frame_start(&t->c, t->st);
	xo(&t->c, t->st->e, "command", NULL);
}

static void cmd_end(struct tx *t)
{
	xt(&t->c, t->st->e, "clTRID", NULL, "%s", t->cltrid);
	xc(&t->c, t->st->e, "command");
	xc(&t->c, t->st->e, "epp");
}

/* Open the command verb and the object element, e.g.
 * <create><domain:create xmlns:domain="..."> */
static void obj_open(struct tx *t, const char *verb, const char *verb_attrs,
		     const char *pfx, const char *uri)
{
	char ns[128];
	xo(&t->c, t->st->e, verb, verb_attrs);
	xo(&t->c, pfx, verb, nsdecl(ns, sizeof(ns), pfx, uri));
}

static void obj_close(struct tx *t, const char *verb, const char *pfx)
{
	xc(&t->c, pfx, verb);
	xc(&t->c, t->st->e, verb);
}

static void rsp_begin_ext(struct tx *t, int code, const char *pfx, const char *uri,
			  const char *elem, const char *value, const char *reason)
{
	char a[32];
	char ns[128];
	frame_start(&t->r, &style_usual);
	xo(&t->r, "", "response", NULL);
	snprintf(a, sizeof(a), " code=\"%d\"", code);
	xo(&t->r, "", "result", a);
	xt(&t->r, "", "msg", NULL, "%s", result_msg(code));
	if (elem != NULL) {
		xo(&t->r, "", "extValue", NULL);
		xo(&t->r, "", "value", NULL);
		xt(&t->r, pfx, elem, nsdecl(ns, sizeof(ns), pfx, uri), "%s", value);
		xc(&t->r, "", "value");
		xt(&t->r, "", "reason", NULL, "%s", reason);
		xc(&t->r, "", "extValue");
	}
	xc(&t->r, "", "result");
}

static void rsp_begin(struct tx *t, int code)
{
	rsp_begin_ext(t, code, NULL, NULL, NULL, NULL, NULL);
}

/* Open <resData><pfx:elem xmlns:pfx=...> in the response. */
static void res_open(struct tx *t, const char *pfx, const char *elem, const char *uri)
{
	char ns[128];
	xo(&t->r, "", "resData", NULL);
	xo(&t->r, pfx, elem, nsdecl(ns, sizeof(ns), pfx, uri));
}

static void res_close(struct tx *t, const char *pfx, const char *elem)
{
	xc(&t->r, pfx, elem);
	xc(&t->r, "", "resData");
}

static void write_all(struct gen *g, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, g->out) != n) {
		die("could not write the log: %s", strerror(errno));
	}
}

static void write_len_frame(struct gen *g, const char *p, size_t n)
{
	uint32_t total = (uint32_t)n + 4;
	unsigned char hdr[4] = { (unsigned char)(total >> 24),
				 (unsigned char)(total >> 16),
				 (unsigned char)(total >> 8), (unsigned char)total };
	write_all(g, hdr, 4);
	write_all(g, p, n);
}

/* A frame without its XML declaration, for the single-document form. */
static void write_stream_frame(struct gen *g, const char *p, size_t n)
{
	if (n > 5 && memcmp(p, "<?xml", 5) == 0) {
		const char *end = strstr(p, "?>");
		if (end != NULL) {
			end += 2;
			while (*end == '\n') {
				end++;
			}
			n -= (size_t)(end - p);
			p = end;
		}
	}
	write_all(g, p, n);
}

/* Write one record: the header (envelope) or the frames alone. */
static void emit_raw(struct gen *g, struct session *s, bool login, const char *cmd,
		     size_t cmdlen, const char *rsp, size_t rsplen)
{
	char tm[40];
	switch (g->fmt) {
	case FMT_ENVELOPE:
		fmt_time(g->now, tm, sizeof(tm));
		if (login) {
			/* The server only learns the client id from the frame. */
			fprintf(g->out, "EPPTX time=%s addr=%s session=%s cmd=%zu rsp=%zu\n",
				tm, g->regs[s->reg].addr, s->id, cmdlen, rsplen);
		} else {
			fprintf(g->out,
				"EPPTX time=%s clid=%s addr=%s session=%s cmd=%zu rsp=%zu\n",
				tm, g->regs[s->reg].clid, g->regs[s->reg].addr, s->id,
				cmdlen, rsplen);
		}
		write_all(g, cmd, cmdlen);
		write_all(g, rsp, rsplen);
		write_all(g, "\n", 1);
		break;
	case FMT_RFC5734:
		write_len_frame(g, cmd, cmdlen);
		write_len_frame(g, rsp, rsplen);
		break;
	case FMT_XMLSTREAM:
		write_stream_frame(g, cmd, cmdlen);
		write_stream_frame(g, rsp, rsplen);
		break;
	}
	g->written++;
}

static void tx_end(struct tx *t)
{
	struct gen *g = t->g;
	g->svtrid++;
	xo(&t->r, "", "trID", NULL);
	xt(&t->r, "", "clTRID", NULL, "%s", t->cltrid);
	xt(&t->r, "", "svTRID", NULL, "SV%04" PRIx64 "-%010" PRIu64, g->seed & 0xffff,
	   g->svtrid);
	xc(&t->r, "", "trID");
	xc(&t->r, "", "response");
	xc(&t->r, "", "epp");
	emit_raw(g, t->s, t->login, g->cmd.p, g->cmd.len, g->rsp.p, g->rsp.len);
}

static void write_greeting(struct gen *g)
{
	struct xw w = { .b = &g->rsp, .depth = 0 };
	char tm[40];
	g->rsp.len = 0;
	fmt_time(g->now, tm, sizeof(tm));
	frame_start(&w, &style_usual);
	xo(&w, "", "greeting", NULL);
	xt(&w, "", "svID", NULL, "Example Registry EPP server");
	xt(&w, "", "svDate", NULL, "%s", tm);
	xo(&w, "", "svcMenu", NULL);
	xt(&w, "", "version", NULL, "1.0");
	xt(&w, "", "lang", NULL, "en");
	xt(&w, "", "objURI", NULL, DOMAIN_URI);
	xt(&w, "", "objURI", NULL, HOST_URI);
	xt(&w, "", "objURI", NULL, CONTACT_URI);
	xo(&w, "", "svcExtension", NULL);
	xt(&w, "", "extURI", NULL, SECDNS_URI);
	xt(&w, "", "extURI", NULL, TTL_URI);
	xc(&w, "", "svcExtension");
	xc(&w, "", "svcMenu");
	xo(&w, "", "dcp", NULL);
	xo(&w, "", "access", NULL);
	xe(&w, "", "all", NULL);
	xc(&w, "", "access");
	xo(&w, "", "statement", NULL);
	xo(&w, "", "purpose", NULL);
	xe(&w, "", "admin", NULL);
	xe(&w, "", "prov", NULL);
	xc(&w, "", "purpose");
	xo(&w, "", "recipient", NULL);
	xe(&w, "", "ours", NULL);
	xe(&w, "", "public", NULL);
	xc(&w, "", "recipient");
	xo(&w, "", "retention", NULL);
	xe(&w, "", "stated", NULL);
	xc(&w, "", "retention");
	xc(&w, "", "statement");
	xc(&w, "", "dcp");
	xc(&w, "", "greeting");
	xc(&w, "", "epp");
	write_len_frame(g, g->rsp.p, g->rsp.len);
}

/* ---------------------------------------------------------------- */
/* Operations: each writes one transaction and, when the response   */
/* says success, applies it to the model. fail is 0 for success or  */
/* the EPP result code the server answers with.                     */

static void op_login(struct gen *g, struct session *s)
{
	struct tx t;
	struct registrar *r = &g->regs[s->reg];
	if (g->fmt == FMT_RFC5734) {
		write_greeting(g);
	}
	tx_begin(g, s, &t);
	t.login = true;
	const char *e = t.st->e;
	xo(&t.c, e, "login", NULL);
	xt(&t.c, e, "clID", NULL, "%s", r->clid);
	xt(&t.c, e, "pw", NULL, "%s-%04x!pw", r->tag, (unsigned)(g->seed & 0xffff));
	xo(&t.c, e, "options", NULL);
	xt(&t.c, e, "version", NULL, "1.0");
	xt(&t.c, e, "lang", NULL, "en");
	xc(&t.c, e, "options");
	xo(&t.c, e, "svcs", NULL);
	xt(&t.c, e, "objURI", NULL, DOMAIN_URI);
	xt(&t.c, e, "objURI", NULL, HOST_URI);
	xt(&t.c, e, "objURI", NULL, CONTACT_URI);
	xo(&t.c, e, "svcExtension", NULL);
	xt(&t.c, e, "extURI", NULL, SECDNS_URI);
	xt(&t.c, e, "extURI", NULL, TTL_URI);
	xc(&t.c, e, "svcExtension");
	xc(&t.c, e, "svcs");
	xc(&t.c, e, "login");
	cmd_end(&t);
	rsp_begin(&t, 1000);
	tx_end(&t);
	s->logged_in = true;
	r->nsessions++;
}

static void op_logout(struct gen *g, struct session *s)
{
	struct tx t;
	tx_begin(g, s, &t);
	xe(&t.c, t.st->e, "logout", NULL);
	cmd_end(&t);
	rsp_begin(&t, 1500);
	tx_end(&t);
	s->logged_in = false;
}

static void op_domain_check(struct gen *g, struct session *s, char (*names)[NAME_MAX_LEN + 1],
			    int n)
{
	struct tx t;
	tx_begin(g, s, &t);
	const char *d = t.st->d;
	obj_open(&t, "check", NULL, d, DOMAIN_URI);
	for (int i = 0; i < n; i++) {
		xt(&t.c, d, "name", NULL, "%s", names[i]);
	}
	obj_close(&t, "check", d);
	cmd_end(&t);
	rsp_begin(&t, 1000);
	res_open(&t, "domain:", "chkData", DOMAIN_URI);
	for (int i = 0; i < n; i++) {
		int idx = dom_find(g, names[i]);
		bool avail = idx < 0 || g->doms[idx].deleted;
		xo(&t.r, "domain:", "cd", NULL);
		xt(&t.r, "domain:", "name", avail ? " avail=\"1\"" : " avail=\"0\"", "%s",
		   names[i]);
		if (!avail) {
			xt(&t.r, "domain:", "reason", NULL, "In use");
		}
		xc(&t.r, "domain:", "cd");
	}
	res_close(&t, "domain:", "chkData");
	tx_end(&t);
}

static void write_ds(struct xw *w, const char *s, const struct domain *d)
{
	uint64_t h = name_hash(d->name) ^ d->keytag;
	xo(w, s, "dsData", NULL);
	xt(w, s, "keyTag", NULL, "%u", d->keytag);
	xt(w, s, "alg", NULL, "13");
	xt(w, s, "digestType", NULL, "2");
	xt(w, s, "digest", NULL, "%016" PRIX64 "%016" PRIX64 "%016" PRIX64 "%016" PRIX64,
	   h, h * 31, h * 37, h * 41);
	xc(w, s, "dsData");
}

/* The ns element of a domain: hostObj names, or hostAttr with glue for
 * in-zone hosts. spelling varies the written form of IPv6 addresses. */
static void write_ns(struct gen *g, struct xw *w, const char *d, const int *ns, int nns,
		     bool attr, bool with_addrs, int spelling)
{
	char a[64];
	if (nns == 0) {
		return;
	}
	xo(w, d, "ns", NULL);
	for (int i = 0; i < nns; i++) {
		const struct host *h = &g->hosts[ns[i]];
		if (!attr) {
			xt(w, d, "hostObj", NULL, "%s", h->name);
			continue;
		}
		xo(w, d, "hostAttr", NULL);
		xt(w, d, "hostName", NULL, "%s", h->name);
		for (int j = 0; with_addrs && j < h->naddrs; j++) {
			addr_fmt(&h->addrs[j], spelling, a, sizeof(a));
			xt(w, d, "hostAddr", h->addrs[j].v6 ? " ip=\"v6\"" : " ip=\"v4\"",
			   "%s", a);
		}
		xc(w, d, "hostAttr");
	}
	xc(w, d, "ns");
}

static void domain_pw(const struct domain *d, char *out, size_t len)
{
	snprintf(out, len, "Pw%08" PRIx64, name_hash(d->name) & 0xffffffffu);
}

static void op_domain_info(struct gen *g, struct session *s, const char *name, int di,
			   int fail)
{
	struct tx t;
	char tm[40], pw[32];
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	obj_open(&t, "info", NULL, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", " hosts=\"all\"", "%s", name);
	obj_close(&t, "info", dp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	const struct domain *d = &g->doms[di];
	bool sponsor = d->reg == s->reg;
	rsp_begin(&t, 1000);
	res_open(&t, "domain:", "infData", DOMAIN_URI);
	xt(&t.r, "domain:", "name", NULL, "%s", d->name);
	xt(&t.r, "domain:", "roid", NULL, "D%d-EXAMPLE", di + 1);
	if (!d->hold && d->pending_to < 0) {
		xe(&t.r, "domain:", "status", " s=\"ok\"");
	}
	if (d->hold) {
		xe(&t.r, "domain:", "status", " s=\"clientHold\"");
	}
	if (d->pending_to >= 0) {
		xe(&t.r, "domain:", "status", " s=\"pendingTransfer\"");
	}
	if (sponsor) {
		xt(&t.r, "domain:", "registrant", NULL, "%s", g->contacts[d->registrant].id);
		xt(&t.r, "domain:", "contact", " type=\"admin\"", "%s",
		   g->contacts[d->admin].id);
		xt(&t.r, "domain:", "contact", " type=\"tech\"", "%s",
		   g->contacts[d->tech].id);
	}
	write_ns(g, &t.r, "domain:", d->ns, d->nns, d->attr, true, 0);
	xt(&t.r, "domain:", "clID", NULL, "%s", g->regs[d->reg].clid);
	xt(&t.r, "domain:", "crID", NULL, "%s", g->regs[d->reg].clid);
	fmt_time(d->created, tm, sizeof(tm));
	xt(&t.r, "domain:", "crDate", NULL, "%s", tm);
	fmt_expiry(d, false, tm, sizeof(tm));
	xt(&t.r, "domain:", "exDate", NULL, "%s", tm);
	if (sponsor) {
		domain_pw(d, pw, sizeof(pw));
		xo(&t.r, "domain:", "authInfo", NULL);
		xt(&t.r, "domain:", "pw", NULL, "%s", pw);
		xc(&t.r, "domain:", "authInfo");
	}
	res_close(&t, "domain:", "infData");
	if (d->ds || d->ttl_ns) {
		char ns[128];
		xo(&t.r, "", "extension", NULL);
		if (d->ds) {
			xo(&t.r, "secDNS:", "infData",
			   nsdecl(ns, sizeof(ns), "secDNS:", SECDNS_URI));
			write_ds(&t.r, "secDNS:", d);
			xc(&t.r, "secDNS:", "infData");
		}
		if (d->ttl_ns) {
			xo(&t.r, "ttl:", "infData", nsdecl(ns, sizeof(ns), "ttl:", TTL_URI));
			xt(&t.r, "ttl:", "ttl", " for=\"NS\"", "%d", d->ttl_ns);
			xc(&t.r, "ttl:", "infData");
		}
		xc(&t.r, "", "extension");
	}
	tx_end(&t);
}

/* Create the domain described by nd (not yet in the model). Returns the
 * model index on success, -1 when the server refused it. */
static int op_domain_create(struct gen *g, struct session *s, const struct domain *nd,
			    int period, int fail)
{
	struct tx t;
	char tm[40], pw[32], ns[128];
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	obj_open(&t, "create", NULL, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", NULL, "%s", nd->name);
	xt(&t.c, dp, "period", " unit=\"y\"", "%d", period);
	write_ns(g, &t.c, dp, nd->ns, nd->nns, nd->attr, true, rnd(g, 3));
	xt(&t.c, dp, "registrant", NULL, "%s", g->contacts[nd->registrant].id);
	xt(&t.c, dp, "contact", " type=\"admin\"", "%s", g->contacts[nd->admin].id);
	xt(&t.c, dp, "contact", " type=\"tech\"", "%s", g->contacts[nd->tech].id);
	domain_pw(nd, pw, sizeof(pw));
	xo(&t.c, dp, "authInfo", NULL);
	xt(&t.c, dp, "pw", NULL, "%s", pw);
	xc(&t.c, dp, "authInfo");
	obj_close(&t, "create", dp);
	if (nd->ds || nd->ttl_ns) {
		const char *sp = t.st->s, *tp = t.st->t;
		xo(&t.c, t.st->e, "extension", NULL);
		if (nd->ds) {
			xo(&t.c, sp, "create", nsdecl(ns, sizeof(ns), sp, SECDNS_URI));
			write_ds(&t.c, sp, nd);
			xc(&t.c, sp, "create");
		}
		if (nd->ttl_ns) {
			xo(&t.c, tp, "create", nsdecl(ns, sizeof(ns), tp, TTL_URI));
			xt(&t.c, tp, "ttl", " for=\"NS\"", "%d", nd->ttl_ns);
			xc(&t.c, tp, "create");
		}
		xc(&t.c, t.st->e, "extension");
	}
	cmd_end(&t);
	if (fail) {
		if (fail == 2302) {
			rsp_begin_ext(&t, fail, "domain:", DOMAIN_URI, "name", nd->name,
				      "Domain name is already registered");
		} else {
			rsp_begin(&t, fail);
		}
		tx_end(&t);
		return -1;
	}
	int idx = dom_find(g, nd->name);
	if (idx < 0) {
		idx = dom_new(g, nd->name, s->reg);
	}
	struct domain *d = &g->doms[idx];
	*d = *nd;
	d->reg = s->reg;
	d->created = g->now;
	d->exp_year = year_of(g->now) + period;
	rsp_begin(&t, 1000);
	res_open(&t, "domain:", "creData", DOMAIN_URI);
	xt(&t.r, "domain:", "name", NULL, "%s", d->name);
	fmt_time(d->created, tm, sizeof(tm));
	xt(&t.r, "domain:", "crDate", NULL, "%s", tm);
	fmt_expiry(d, false, tm, sizeof(tm));
	xt(&t.r, "domain:", "exDate", NULL, "%s", tm);
	res_close(&t, "domain:", "creData");
	tx_end(&t);
	return idx;
}

struct upd {
	int add_ns[2];
	int nadd_ns;
	int rem_ns[2];
	int nrem_ns;
	const char *add_status;
	const char *rem_status;
	int chg_registrant;	/* contact index, -1 = unchanged */
	int add_tech;		/* contact index, -1 = none */
	int rem_tech;		/* contact index, -1 = none */
	bool chg_pw;
	bool ds_add;
	bool ds_rem_all;
	int ttl_ns;		/* 0 = unchanged */
};

static void upd_init(struct upd *u)
{
	memset(u, 0, sizeof(*u));
	u->chg_registrant = -1;
	u->add_tech = -1;
	u->rem_tech = -1;
}

static void write_upd_part(struct gen *g, struct tx *t, const struct domain *d,
			   const char *part, const int *ns, int nns, int tech,
			   const char *status)
{
	const char *dp = t->st->d;
	if (nns == 0 && tech < 0 && status == NULL) {
		return;
	}
	xo(&t->c, dp, part, NULL);
	write_ns(g, &t->c, dp, ns, nns, d->attr, part[0] == 'a', rnd(g, 3));
	if (tech >= 0) {
		xt(&t->c, dp, "contact", " type=\"tech\"", "%s", g->contacts[tech].id);
	}
	if (status != NULL) {
		char a[64];
		snprintf(a, sizeof(a), " s=\"%s\"", status);
		if (part[0] == 'a') {
			xt(&t->c, dp, "status", a, "Payment overdue.");
		} else {
			xe(&t->c, dp, "status", a);
		}
	}
	xc(&t->c, dp, part);
}

static void apply_upd(struct gen *g, struct domain *d, const struct upd *u)
{
	for (int i = 0; i < u->nrem_ns; i++) {
		for (int j = 0; j < d->nns; j++) {
			if (d->ns[j] == u->rem_ns[i]) {
				memmove(&d->ns[j], &d->ns[j + 1],
					(size_t)(d->nns - j - 1) * sizeof(int));
				d->nns--;
				break;
			}
		}
	}
	for (int i = 0; i < u->nadd_ns && d->nns < MAX_NS; i++) {
		d->ns[d->nns++] = u->add_ns[i];
	}
	if (u->add_status != NULL) {
		d->hold = true;
	}
	if (u->rem_status != NULL) {
		d->hold = false;
	}
	if (u->chg_registrant >= 0) {
		d->registrant = u->chg_registrant;
	}
	if (u->add_tech >= 0) {
		d->tech = u->add_tech;
	}
	if (u->ds_rem_all) {
		d->ds = false;
	}
	if (u->ds_add) {
		d->ds = true;
		d->keytag = (uint16_t)(d->keytag + 1);
	}
	if (u->ttl_ns) {
		d->ttl_ns = u->ttl_ns;
	}
}

static void op_domain_update(struct gen *g, struct session *s, int di, const struct upd *u,
			     int fail)
{
	struct tx t;
	char ns[128], pw[32];
	struct domain *d = &g->doms[di];
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	obj_open(&t, "update", NULL, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", NULL, "%s", d->name);
	write_upd_part(g, &t, d, "add", u->add_ns, u->nadd_ns, u->add_tech, u->add_status);
	write_upd_part(g, &t, d, "rem", u->rem_ns, u->nrem_ns, u->rem_tech, u->rem_status);
	if (u->chg_registrant >= 0 || u->chg_pw) {
		xo(&t.c, dp, "chg", NULL);
		if (u->chg_registrant >= 0) {
			xt(&t.c, dp, "registrant", NULL, "%s",
			   g->contacts[u->chg_registrant].id);
		}
		if (u->chg_pw) {
			domain_pw(d, pw, sizeof(pw));
			xo(&t.c, dp, "authInfo", NULL);
			xt(&t.c, dp, "pw", NULL, "%sX%d", pw, rnd(g, 1000));
			xc(&t.c, dp, "authInfo");
		}
		xc(&t.c, dp, "chg");
	}
	obj_close(&t, "update", dp);
	if (u->ds_add || u->ds_rem_all || u->ttl_ns) {
		const char *sp = t.st->s, *tp = t.st->t;
		xo(&t.c, t.st->e, "extension", NULL);
		if (u->ds_add || u->ds_rem_all) {
			xo(&t.c, sp, "update", nsdecl(ns, sizeof(ns), sp, SECDNS_URI));
			if (u->ds_rem_all) {
				xo(&t.c, sp, "rem", NULL);
				xt(&t.c, sp, "all", NULL, "true");
				xc(&t.c, sp, "rem");
			}
			if (u->ds_add) {
				struct domain tmp = *d;
				tmp.keytag = (uint16_t)(d->keytag + 1);
				xo(&t.c, sp, "add", NULL);
				write_ds(&t.c, sp, &tmp);
				xc(&t.c, sp, "add");
			}
			xc(&t.c, sp, "update");
		}
		if (u->ttl_ns) {
			xo(&t.c, tp, "update", nsdecl(ns, sizeof(ns), tp, TTL_URI));
			xt(&t.c, tp, "ttl", " for=\"NS\"", "%d", u->ttl_ns);
			xc(&t.c, tp, "update");
		}
		xc(&t.c, t.st->e, "extension");
	}
	cmd_end(&t);
	rsp_begin(&t, fail ? fail : 1000);
	tx_end(&t);
	if (!fail) {
		apply_upd(g, d, u);
	}
}

static void op_domain_renew(struct gen *g, struct session *s, int di, int period, int fail)
{
	struct tx t;
	char tm[40];
	struct domain *d = &g->doms[di];
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	obj_open(&t, "renew", NULL, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", NULL, "%s", d->name);
	fmt_expiry(d, true, tm, sizeof(tm));
	xt(&t.c, dp, "curExpDate", NULL, "%s", tm);
	xt(&t.c, dp, "period", " unit=\"y\"", "%d", period);
	obj_close(&t, "renew", dp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	d->exp_year += period;
	rsp_begin(&t, 1000);
	res_open(&t, "domain:", "renData", DOMAIN_URI);
	xt(&t.r, "domain:", "name", NULL, "%s", d->name);
	fmt_expiry(d, false, tm, sizeof(tm));
	xt(&t.r, "domain:", "exDate", NULL, "%s", tm);
	res_close(&t, "domain:", "renData");
	tx_end(&t);
}

static void pending_add(struct gen *g, int di)
{
	if (g->npending < 64) {
		g->pending[g->npending++] = di;
	} else {
		g->doms[g->pending[0]].pending_to = -1;
		g->pending[0] = di;
	}
}

static void pending_del(struct gen *g, int di)
{
	for (int i = 0; i < g->npending; i++) {
		if (g->pending[i] == di) {
			g->pending[i] = g->pending[--g->npending];
			return;
		}
	}
}

/* A transfer request by the session's registrar, or the sponsor's
 * approval of a pending one (op "approve"). */
static void op_domain_transfer(struct gen *g, struct session *s, int di, const char *op,
			       int fail)
{
	struct tx t;
	char tm[40], pw[32], a[32];
	struct domain *d = &g->doms[di];
	bool request = strcmp(op, "request") == 0;
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	snprintf(a, sizeof(a), " op=\"%s\"", op);
	obj_open(&t, "transfer", a, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", NULL, "%s", d->name);
	if (request) {
		xt(&t.c, dp, "period", " unit=\"y\"", "1");
		domain_pw(d, pw, sizeof(pw));
		xo(&t.c, dp, "authInfo", NULL);
		xt(&t.c, dp, "pw", NULL, "%s", fail == 2202 ? "guess123" : pw);
		xc(&t.c, dp, "authInfo");
	}
	obj_close(&t, "transfer", dp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	int gaining = request ? s->reg : d->pending_to;
	int losing = d->reg;
	rsp_begin(&t, request ? 1001 : 1000);
	res_open(&t, "domain:", "trnData", DOMAIN_URI);
	xt(&t.r, "domain:", "name", NULL, "%s", d->name);
	xt(&t.r, "domain:", "trStatus", NULL, request ? "pending" : "clientApproved");
	xt(&t.r, "domain:", "reID", NULL, "%s", g->regs[gaining].clid);
	fmt_time(g->now, tm, sizeof(tm));
	xt(&t.r, "domain:", "reDate", NULL, "%s", tm);
	xt(&t.r, "domain:", "acID", NULL, "%s", g->regs[losing].clid);
	fmt_time(g->now + (request ? 5LL * 86400 * 1000000 : 0), tm, sizeof(tm));
	xt(&t.r, "domain:", "acDate", NULL, "%s", tm);
	if (!request) {
		d->exp_year++;
	}
	struct domain shown = *d;
	if (request) {
		shown.exp_year++;
	}
	fmt_expiry(&shown, false, tm, sizeof(tm));
	xt(&t.r, "domain:", "exDate", NULL, "%s", tm);
	res_close(&t, "domain:", "trnData");
	tx_end(&t);
	if (request) {
		d->pending_to = s->reg;
		pending_add(g, di);
	} else {
		d->reg = gaining;
		d->pending_to = -1;
		pending_del(g, di);
	}
}

static void op_domain_delete(struct gen *g, struct session *s, int di, int fail)
{
	struct tx t;
	struct domain *d = &g->doms[di];
	tx_begin(g, s, &t);
	const char *dp = t.st->d;
	obj_open(&t, "delete", NULL, dp, DOMAIN_URI);
	xt(&t.c, dp, "name", NULL, "%s", d->name);
	obj_close(&t, "delete", dp);
	cmd_end(&t);
	rsp_begin(&t, fail ? fail : 1000);
	tx_end(&t);
	if (!fail) {
		d->deleted = true;
		if (d->pending_to >= 0) {
			d->pending_to = -1;
			pending_del(g, di);
		}
	}
}

static void write_addrs(struct gen *g, struct xw *w, const char *hp, const struct addr *a,
			int n)
{
	char txt[64];
	for (int i = 0; i < n; i++) {
		addr_fmt(&a[i], rnd(g, 4) == 0 ? 1 + rnd(g, 2) : 0, txt, sizeof(txt));
		xt(w, hp, "addr", a[i].v6 ? " ip=\"v6\"" : " ip=\"v4\"", "%s", txt);
	}
}

static void op_host_create(struct gen *g, struct session *s, int hi, int fail)
{
	struct tx t;
	char tm[40];
	struct host *h = &g->hosts[hi];
	tx_begin(g, s, &t);
	const char *hp = t.st->h;
	obj_open(&t, "create", NULL, hp, HOST_URI);
	xt(&t.c, hp, "name", NULL, "%s", h->name);
	write_addrs(g, &t.c, hp, h->addrs, h->naddrs);
	obj_close(&t, "create", hp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	h->live = true;
	h->created = g->now;
	if (h->dom >= 0) {
		g->doms[h->dom].nsub++;
	}
	rsp_begin(&t, 1000);
	res_open(&t, "host:", "creData", HOST_URI);
	xt(&t.r, "host:", "name", NULL, "%s", h->name);
	fmt_time(g->now, tm, sizeof(tm));
	xt(&t.r, "host:", "crDate", NULL, "%s", tm);
	res_close(&t, "host:", "creData");
	tx_end(&t);
}

static void op_host_update(struct gen *g, struct session *s, int hi, const struct addr *add,
			   int nadd, const struct addr *rem, int nrem, int fail)
{
	struct tx t;
	struct host *h = &g->hosts[hi];
	tx_begin(g, s, &t);
	const char *hp = t.st->h;
	obj_open(&t, "update", NULL, hp, HOST_URI);
	xt(&t.c, hp, "name", NULL, "%s", h->name);
	if (nadd > 0) {
		xo(&t.c, hp, "add", NULL);
		write_addrs(g, &t.c, hp, add, nadd);
		xc(&t.c, hp, "add");
	}
	if (nrem > 0) {
		xo(&t.c, hp, "rem", NULL);
		write_addrs(g, &t.c, hp, rem, nrem);
		xc(&t.c, hp, "rem");
	}
	obj_close(&t, "update", hp);
	cmd_end(&t);
	rsp_begin(&t, fail ? fail : 1000);
	tx_end(&t);
	if (fail) {
		return;
	}
	for (int i = 0; i < nrem; i++) {
		for (int j = 0; j < h->naddrs; j++) {
			if (addr_eq(&h->addrs[j], &rem[i])) {
				h->addrs[j] = h->addrs[--h->naddrs];
				break;
			}
		}
	}
	for (int i = 0; i < nadd && h->naddrs < MAX_ADDRS; i++) {
		h->addrs[h->naddrs++] = add[i];
	}
}

static void op_host_info(struct gen *g, struct session *s, int hi, int fail)
{
	struct tx t;
	char tm[40], a[64];
	const struct host *h = &g->hosts[hi];
	tx_begin(g, s, &t);
	const char *hp = t.st->h;
	obj_open(&t, "info", NULL, hp, HOST_URI);
	xt(&t.c, hp, "name", NULL, "%s", h->name);
	obj_close(&t, "info", hp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	rsp_begin(&t, 1000);
	res_open(&t, "host:", "infData", HOST_URI);
	xt(&t.r, "host:", "name", NULL, "%s", h->name);
	xt(&t.r, "host:", "roid", NULL, "H%d-EXAMPLE", hi + 1);
	xe(&t.r, "host:", "status", " s=\"ok\"");
	for (int i = 0; i < h->naddrs; i++) {
		addr_fmt(&h->addrs[i], 0, a, sizeof(a));
		xt(&t.r, "host:", "addr", h->addrs[i].v6 ? " ip=\"v6\"" : " ip=\"v4\"", "%s",
		   a);
	}
	xt(&t.r, "host:", "clID", NULL, "%s", g->regs[h->reg].clid);
	xt(&t.r, "host:", "crID", NULL, "%s", g->regs[h->reg].clid);
	fmt_time(h->created, tm, sizeof(tm));
	xt(&t.r, "host:", "crDate", NULL, "%s", tm);
	res_close(&t, "host:", "infData");
	tx_end(&t);
}

static const char *const first_names[] = {
	"Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro",
	"Ines", "Jonas", "Kemal", "Lena", "Mateo", "Nadia", "Oskar", "Priya",
};
static const char *const last_names[] = {
	"Keller", "Rossi", "Novak", "Silva", "Tanaka", "Berg", "Okafor", "Dubois",
	"Larsen", "Moreau", "Haddad", "Nguyen", "Fischer", "Costa", "Ivanova", "Walsh",
};
static const char *const cities[] = {
	"Springfield", "Rivertown", "Lakeside", "Hillview", "Old Harbor", "Eastfield",
};

static void op_contact_create(struct gen *g, struct session *s, int ci, int fail)
{
	struct tx t;
	char tm[40];
	const struct contact *c = &g->contacts[ci];
	uint64_t h = name_hash(c->id);
	tx_begin(g, s, &t);
	const char *cp = t.st->c;
	obj_open(&t, "create", NULL, cp, CONTACT_URI);
	xt(&t.c, cp, "id", NULL, "%s", c->id);
	xo(&t.c, cp, "postalInfo", " type=\"int\"");
	xt(&t.c, cp, "name", NULL, "%s %s", first_names[h % 16], last_names[(h >> 4) % 16]);
	if (h & 0x100) {
		xt(&t.c, cp, "org", NULL, "%s &amp; Partners Ltd", last_names[(h >> 8) % 16]);
	}
	xo(&t.c, cp, "addr", NULL);
	xt(&t.c, cp, "street", NULL, "%u Example Street", (unsigned)(h >> 16) % 200 + 1);
	xt(&t.c, cp, "city", NULL, "%s", cities[(h >> 12) % 6]);
	xt(&t.c, cp, "pc", NULL, "%05u", (unsigned)(h >> 24) % 100000);
	xt(&t.c, cp, "cc", NULL, "%s", (h & 0x200) ? "DE" : "US");
	xc(&t.c, cp, "addr");
	xc(&t.c, cp, "postalInfo");
	xt(&t.c, cp, "voice", NULL, "+1.5550%06u", (unsigned)(h >> 32) % 1000000);
	xt(&t.c, cp, "email", NULL, "%s@example.net", c->id);
	xo(&t.c, cp, "authInfo", NULL);
	xt(&t.c, cp, "pw", NULL, "Cp%06" PRIx64, h & 0xffffff);
	xc(&t.c, cp, "authInfo");
	obj_close(&t, "create", cp);
	cmd_end(&t);
	if (fail) {
		rsp_begin(&t, fail);
		tx_end(&t);
		return;
	}
	g->contacts[ci].created = g->now;
	rsp_begin(&t, 1000);
	res_open(&t, "contact:", "creData", CONTACT_URI);
	xt(&t.r, "contact:", "id", NULL, "%s", c->id);
	fmt_time(g->now, tm, sizeof(tm));
	xt(&t.r, "contact:", "crDate", NULL, "%s", tm);
	res_close(&t, "contact:", "creData");
	tx_end(&t);
}

static void op_contact_update(struct gen *g, struct session *s, int ci, int fail)
{
	struct tx t;
	const struct contact *c = &g->contacts[ci];
	tx_begin(g, s, &t);
	const char *cp = t.st->c;
	obj_open(&t, "update", NULL, cp, CONTACT_URI);
	xt(&t.c, cp, "id", NULL, "%s", c->id);
	xo(&t.c, cp, "chg", NULL);
	xt(&t.c, cp, "voice", NULL, "+1.5550%06d", rnd(g, 1000000));
	xt(&t.c, cp, "email", NULL, "%s-%d@example.org", c->id, rnd(g, 100));
	xc(&t.c, cp, "chg");
	obj_close(&t, "update", cp);
	cmd_end(&t);
	rsp_begin(&t, fail ? fail : 1000);
	tx_end(&t);
}

/* ---------------------------------------------------------------- */
/* The random workload.                                             */

static const char *const greek[] = {
	"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
	"iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi",
	"rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
};

static const char *const syllables[] = {
	"ba", "ker", "sun", "ny", "gar", "den", "ri", "ver", "shop", "net",
	"cloud", "my", "go", "top", "web", "star", "lo", "ca", "tech", "art",
	"blue", "fox", "mar", "ket", "data", "home", "city", "green", "pro", "zen",
	"ka", "mi", "to", "ra", "lu", "na", "vi", "so", "el", "an",
};

/* A few real A-labels: IDNs are kept as sent. */
static const char *const idn_labels[] = {
	"xn--bcher-kva", "xn--mller-kva", "xn--caf-dma", "xn--nxasmq6b",
	"xn--80ak6aa92e",
};

static const char *const tlds[] = { "example", "test" };

static void rand_label(struct gen *g, char *out, size_t len)
{
	size_t n = 0;
	int k = 2 + rnd(g, 3);
	out[0] = '\0';
	if (chance(g, 1)) {
		snprintf(out, len, "%s%d", idn_labels[rnd(g, 5)], rnd(g, 10));
		return;
	}
	for (int i = 0; i < k; i++) {
		if (i == k - 1 && k > 2 && chance(g, 15)) {
			n += (size_t)snprintf(out + n, len - n, "-");
		}
		n += (size_t)snprintf(out + n, len - n, "%s", syllables[rnd(g, 40)]);
	}
	if (chance(g, 20)) {
		snprintf(out + n, len - n, "%d", rnd(g, 1000));
	}
}

static void rand_domain_name(struct gen *g, char *out, size_t len)
{
	char label[80];
	rand_label(g, label, sizeof(label));
	snprintf(out, len, "%s.%s", label, tlds[chance(g, 80) ? 0 : 1]);
}

static int pick_reg(struct gen *g)
{
	double x = (double)(rnd64(g) >> 11) / 9007199254740992.0;
	x *= g->regweight[g->nregs - 1];
	for (int i = 0; i < g->nregs; i++) {
		if (x < g->regweight[i]) {
			return i;
		}
	}
	return g->nregs - 1;
}

static int pick_dom_any(struct gen *g)
{
	for (int i = 0; i < 16; i++) {
		int di = rnd(g, g->ndoms);
		if (!g->doms[di].deleted) {
			return di;
		}
	}
	return -1;
}

/* A live domain sponsored by reg; list entries that moved away are
 * dropped on the way. */
static int pick_dom_of(struct gen *g, int reg)
{
	struct ilist *l = g->regs[reg].dl;
	while (l->n > 0) {
		int k = rnd(g, l->n);
		int di = l->v[k];
		if (g->doms[di].reg == reg && !g->doms[di].deleted) {
			return di;
		}
		l->v[k] = l->v[--l->n];
	}
	return -1;
}

static int pick_host_of(struct gen *g, int reg)
{
	struct ilist *l = g->regs[reg].hl;
	while (l->n > 0) {
		int k = rnd(g, l->n);
		int hi = l->v[k];
		const struct host *h = &g->hosts[hi];
		if (h->reg == reg && h->live && !g->doms[h->dom].deleted) {
			return hi;
		}
		l->v[k] = l->v[--l->n];
	}
	return -1;
}

static int pick_contact_of(struct gen *g, int reg)
{
	const struct registrar *r = &g->regs[reg];
	return r->contacts[rnd(g, r->ncontacts)];
}

/* A name server for a new delegation: mostly the registrar's own DNS
 * service, sometimes another provider's, sometimes a customer's in-zone
 * host. */
static int pick_ns(struct gen *g, int reg, const int *have, int nhave)
{
	for (int tries = 0; tries < 8; tries++) {
		int hi;
		int r = rnd(g, 100);
		if (r < 75) {
			const struct registrar *rg = &g->regs[reg];
			hi = rg->hosts[rnd(g, rg->nhosts)];
		} else if (r < 92) {
			const struct registrar *rg = &g->regs[rnd(g, g->nregs)];
			hi = rg->hosts[rnd(g, rg->nhosts)];
		} else {
			hi = pick_host_of(g, reg);
			if (hi < 0) {
				continue;
			}
		}
		bool dup = false;
		for (int i = 0; i < nhave; i++) {
			dup = dup || have[i] == hi;
		}
		if (!dup) {
			return hi;
		}
	}
	return -1;
}

static void rand_glue(struct gen *g, struct host *h)
{
	h->naddrs = 0;
	int n4 = 1 + (chance(g, 25) ? 1 : 0);
	for (int i = 0; i < n4; i++) {
		h->addrs[h->naddrs++] = rand_v4(g);
	}
	if (chance(g, 55)) {
		h->addrs[h->naddrs++] = rand_v6(g);
	}
}

static void ns_name(char *out, size_t len, int k, const char *dom)
{
	if (snprintf(out, len, "ns%d.%s", k, dom) >= (int)len) {
		die("host name under \"%s\" is too long", dom);
	}
}

static int make_inzone_host(struct gen *g, int reg, int di)
{
	char name[NAME_MAX_LEN + 1];
	struct domain *d = &g->doms[di];
	ns_name(name, sizeof(name), d->next_ns++, d->name);
	int hi = host_new(g, name, reg, di);
	rand_glue(g, &g->hosts[hi]);
	return hi;
}

static void rand_check(struct gen *g, struct session *s)
{
	char names[10][NAME_MAX_LEN + 1];
	int n = 1 + rnd(g, 10);
	for (int i = 0; i < n; i++) {
		int di = chance(g, 30) ? pick_dom_any(g) : -1;
		if (di >= 0) {
			snprintf(names[i], sizeof(names[i]), "%s", g->doms[di].name);
		} else {
			rand_domain_name(g, names[i], sizeof(names[i]));
		}
	}
	op_domain_check(g, s, names, n);
}

static void rand_info(struct gen *g, struct session *s)
{
	int di = chance(g, 75) ? pick_dom_of(g, s->reg) : pick_dom_any(g);
	if (di < 0 || chance(g, 5)) {
		char name[NAME_MAX_LEN + 1];
		rand_domain_name(g, name, sizeof(name));
		int found = dom_find(g, name);
		if (found < 0 || g->doms[found].deleted) {
			op_domain_info(g, s, name, -1, 2303);
			return;
		}
		di = found;
	}
	op_domain_info(g, s, g->doms[di].name, di, 0);
}

static void rand_create(struct gen *g, struct session *s)
{
	struct domain nd;
	memset(&nd, 0, sizeof(nd));
	nd.pending_to = -1;
	nd.next_ns = 1;
	nd.reg = s->reg;
	int fail = 0;
	int existing = chance(g, 4) ? pick_dom_any(g) : -1;
	if (existing >= 0) {
		snprintf(nd.name, sizeof(nd.name), "%s", g->doms[existing].name);
		fail = 2302;
	} else {
		for (int i = 0; i < 8; i++) {
			rand_domain_name(g, nd.name, sizeof(nd.name));
			int f = dom_find(g, nd.name);
			if (f < 0 || g->doms[f].deleted) {
				break;
			}
		}
		if (dom_find(g, nd.name) >= 0 && !g->doms[dom_find(g, nd.name)].deleted) {
			fail = 2302;
		}
	}
	nd.registrant = pick_contact_of(g, s->reg);
	nd.admin = pick_contact_of(g, s->reg);
	nd.tech = pick_contact_of(g, s->reg);
	int want = 2 + (chance(g, 30) ? 1 + rnd(g, 2) : 0);
	if (chance(g, 15)) {
		/* hostAttr: in-zone servers with their glue inline, plus
		 * perhaps an out-of-zone one. */
		nd.attr = true;
		for (int i = 0; i < want; i++) {
			char name[NAME_MAX_LEN + 1];
			ns_name(name, sizeof(name), i + 1, nd.name);
			int hi = host_new(g, name, s->reg, -1);
			g->hosts[hi].attr = true;
			rand_glue(g, &g->hosts[hi]);
			nd.ns[nd.nns++] = hi;
		}
		nd.next_ns = want + 1;
	} else {
		for (int i = 0; i < want; i++) {
			int hi = pick_ns(g, s->reg, nd.ns, nd.nns);
			if (hi >= 0) {
				nd.ns[nd.nns++] = hi;
			}
		}
	}
	if (chance(g, 15)) {
		nd.ds = true;
		nd.keytag = (uint16_t)(1 + rnd(g, 65000));
	}
	if (chance(g, 10)) {
		static const int ttls[] = { 3600, 86400, 7200, 1800, 600, 300, 172800 };
		nd.ttl_ns = ttls[rnd(g, 7)];
	}
	if (!fail && chance(g, 2)) {
		fail = 2306;
	}
	int di = op_domain_create(g, s, &nd, chance(g, 80) ? 1 : 1 + rnd(g, 5), fail);
	if (di >= 0) {
		ilist_push(g->regs[s->reg].dl, di);
	}
}

static void rand_update(struct gen *g, struct session *s)
{
	struct upd u;
	int di = pick_dom_of(g, s->reg);
	int fail = 0;
	if (di < 0 || chance(g, 4)) {
		/* Someone else's domain: refused. */
		int other = pick_dom_any(g);
		if (other < 0) {
			return;
		}
		if (g->doms[other].reg != s->reg) {
			fail = 2201;
		}
		di = other;
	}
	struct domain *d = &g->doms[di];
	upd_init(&u);
	int r = rnd(g, 100);
	if (r < 60) {
		/* Name-server change: swap one, or add one, or drop one. */
		int kind = rnd(g, 10);
		if (d->attr) {
			if (d->nns > 1 && kind < 8) {
				u.rem_ns[u.nrem_ns++] = d->ns[rnd(g, d->nns)];
			}
			if (kind != 9 || d->nns < 3) {
				char name[NAME_MAX_LEN + 1];
				ns_name(name, sizeof(name), d->next_ns++, d->name);
				int hi = host_new(g, name, d->reg, -1);
				g->hosts[hi].attr = true;
				rand_glue(g, &g->hosts[hi]);
				u.add_ns[u.nadd_ns++] = hi;
			}
		} else {
			if (d->nns > 2 || (d->nns > 0 && kind < 7)) {
				u.rem_ns[u.nrem_ns++] = d->ns[rnd(g, d->nns)];
			}
			if (kind < 8 || d->nns < 3) {
				int hi = pick_ns(g, d->reg, d->ns, d->nns);
				if (hi >= 0) {
					u.add_ns[u.nadd_ns++] = hi;
				}
			}
		}
		if (chance(g, 5)) {
			static const int ttls[] = { 3600, 86400, 600, 300, 1800 };
			u.ttl_ns = ttls[rnd(g, 5)];
		}
	} else if (r < 72) {
		if (d->hold) {
			u.rem_status = "clientHold";
		} else {
			u.add_status = "clientHold";
		}
	} else if (r < 82) {
		if (d->ds && chance(g, 50)) {
			u.ds_rem_all = true;
		}
		u.ds_add = !u.ds_rem_all || chance(g, 50);
	} else if (r < 90) {
		u.chg_registrant = pick_contact_of(g, s->reg);
	} else if (r < 95) {
		u.rem_tech = d->tech;
		u.add_tech = pick_contact_of(g, s->reg);
		if (u.add_tech == u.rem_tech) {
			u.rem_tech = -1;
		}
	} else {
		u.chg_pw = true;
	}
	if (!fail && d->pending_to >= 0) {
		fail = 2304;
	}
	op_domain_update(g, s, di, &u, fail);
}

static void rand_host_create(struct gen *g, struct session *s)
{
	int di = pick_dom_of(g, s->reg);
	if (di < 0 || g->doms[di].attr) {
		/* An out-of-zone server, which carries no addresses. */
		char name[NAME_MAX_LEN + 1], label[80];
		rand_label(g, label, sizeof(label));
		snprintf(name, sizeof(name), "ns%d.%s.example.net", 1 + rnd(g, 4), label);
		int hi = host_new(g, name, s->reg, -1);
		op_host_create(g, s, hi, 0);
		return;
	}
	if (chance(g, 5) && g->regs[s->reg].hl->n > 0) {
		int hi = pick_host_of(g, s->reg);
		if (hi >= 0) {
			op_host_create(g, s, hi, 2302);
			return;
		}
	}
	int hi = make_inzone_host(g, s->reg, di);
	op_host_create(g, s, hi, 0);
	ilist_push(g->regs[s->reg].hl, hi);
}

static void rand_host_update(struct gen *g, struct session *s)
{
	struct addr add[2], rem[2];
	int nadd = 0, nrem = 0;
	int hi = pick_host_of(g, s->reg);
	if (hi < 0) {
		rand_host_create(g, s);
		return;
	}
	const struct host *h = &g->hosts[hi];
	int r = rnd(g, 10);
	if (r < 6 && h->naddrs > 0) {
		const struct addr *old = &h->addrs[rnd(g, h->naddrs)];
		rem[nrem++] = *old;
		add[nadd++] = old->v6 ? rand_v6(g) : rand_v4(g);
	} else if ((r < 8 || h->naddrs < 2) && h->naddrs < MAX_ADDRS - 2) {
		add[nadd++] = chance(g, 50) ? rand_v6(g) : rand_v4(g);
	} else if (h->naddrs > 1) {
		rem[nrem++] = h->addrs[rnd(g, h->naddrs)];
	} else {
		add[nadd++] = rand_v4(g);
	}
	for (int i = 0; i < nadd; i++) {
		for (int j = 0; j < h->naddrs; j++) {
			if (addr_eq(&add[i], &h->addrs[j])) {
				add[i] = add[i].v6 ? rand_v6(g) : rand_v4(g);
			}
		}
	}
	op_host_update(g, s, hi, add, nadd, rem, nrem, chance(g, 3) ? 2005 : 0);
}

static void rand_host_info(struct gen *g, struct session *s)
{
	int hi = pick_host_of(g, s->reg);
	if (hi < 0) {
		const struct registrar *r = &g->regs[s->reg];
		hi = r->hosts[rnd(g, r->nhosts)];
	}
	op_host_info(g, s, hi, 0);
}

static void rand_renew(struct gen *g, struct session *s)
{
	int di = pick_dom_of(g, s->reg);
	if (di < 0) {
		rand_check(g, s);
		return;
	}
	int fail = g->doms[di].pending_to >= 0 ? 2304 : (chance(g, 3) ? 2306 : 0);
	op_domain_renew(g, s, di, chance(g, 85) ? 1 : 2 + rnd(g, 3), fail);
}

static void rand_transfer_request(struct gen *g, struct session *s)
{
	int di = pick_dom_any(g);
	if (di < 0 || g->doms[di].reg == s->reg) {
		rand_info(g, s);
		return;
	}
	int fail = 0;
	if (g->doms[di].pending_to >= 0) {
		fail = 2306; /* already pending: a policy refusal */
	} else if (chance(g, 12)) {
		fail = 2202;
	}
	op_domain_transfer(g, s, di, "request", fail);
}

static void rand_transfer_approve(struct gen *g, struct session *s)
{
	for (int i = 0; i < g->npending; i++) {
		int di = g->pending[i];
		if (g->doms[di].reg == s->reg && g->doms[di].pending_to >= 0) {
			op_domain_transfer(g, s, di, "approve", 0);
			ilist_push(g->regs[g->doms[di].reg].dl, di);
			return;
		}
	}
	rand_transfer_request(g, s);
}

static void rand_delete(struct gen *g, struct session *s)
{
	int di = pick_dom_of(g, s->reg);
	if (di < 0) {
		rand_check(g, s);
		return;
	}
	int fail = g->doms[di].nsub > 0 ? 2305 : 0;
	op_domain_delete(g, s, di, fail);
}

static void rand_command(struct gen *g, struct session *s)
{
	int r = rnd(g, 1000);
	if (r < 300) {
		rand_check(g, s);
	} else if (r < 460) {
		rand_info(g, s);
	} else if (r < 560) {
		rand_create(g, s);
	} else if (r < 680) {
		rand_update(g, s);
	} else if (r < 740) {
		rand_host_create(g, s);
	} else if (r < 800) {
		rand_host_update(g, s);
	} else if (r < 830) {
		rand_host_info(g, s);
	} else if (r < 870) {
		rand_renew(g, s);
	} else if (r < 900) {
		rand_transfer_request(g, s);
	} else if (r < 920) {
		rand_transfer_approve(g, s);
	} else if (r < 950) {
		int ci = contact_new(g, s->reg);
		op_contact_create(g, s, ci, 0);
	} else if (r < 975) {
		op_contact_update(g, s, pick_contact_of(g, s->reg), chance(g, 4) ? 2201 : 0);
	} else {
		rand_delete(g, s);
	}
}

static const struct style *rand_style(struct gen *g)
{
	int r = rnd(g, 100);
	if (r < 72) {
		return &style_usual;
	} else if (r < 80) {
		return &style_nodecl;
	} else if (r < 88) {
		return &style_default_ns;
	} else if (r < 95) {
		return &style_other_pfx;
	}
	return &style_epp_pfx;
}

static void session_new(struct gen *g, struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->reg = pick_reg(g);
	s->no = ++g->nsessions;
	snprintf(s->id, sizeof(s->id), "s-%06d", s->no);
	s->remaining = chance(g, 10) ? 50 + rnd(g, 200) : 3 + rnd(g, 30);
	s->st = rand_style(g);
}

static void model_init(struct gen *g, int nregs, int capdoms, int caphosts, int capcontacts)
{
	g->nregs = nregs;
	g->regs = xcalloc((size_t)nregs, sizeof(*g->regs));
	g->regweight = xcalloc((size_t)nregs, sizeof(double));
	g->capdoms = capdoms;
	g->doms = xcalloc((size_t)capdoms, sizeof(*g->doms));
	size_t hcap = 1;
	while (hcap < (size_t)capdoms * 2) {
		hcap *= 2;
	}
	g->dhash = xcalloc(hcap, sizeof(int));
	memset(g->dhash, 0xff, hcap * sizeof(int));
	g->dhash_mask = hcap - 1;
	g->caphosts = caphosts;
	g->hosts = xcalloc((size_t)caphosts, sizeof(*g->hosts));
	g->capcontacts = capcontacts;
	g->contacts = xcalloc((size_t)capcontacts, sizeof(*g->contacts));
	for (int i = 0; i < nregs; i++) {
		g->regs[i].dl = xcalloc(1, sizeof(struct ilist));
		g->regs[i].hl = xcalloc(1, sizeof(struct ilist));
	}
}

static void model_free(struct gen *g)
{
	for (int i = 0; i < g->nregs; i++) {
		free(g->regs[i].dl->v);
		free(g->regs[i].hl->v);
		free(g->regs[i].dl);
		free(g->regs[i].hl);
	}
	free(g->regs);
	free(g->regweight);
	free(g->doms);
	free(g->dhash);
	free(g->hosts);
	free(g->contacts);
	free(g->cmd.p);
	free(g->rsp.p);
}

/* The registry as it was before the log starts: registrars with their
 * DNS providers and contacts, and existing delegations. */
static void seed_world(struct gen *g, int ndomains)
{
	double cum = 0;
	for (int i = 0; i < g->nregs; i++) {
		struct registrar *r = &g->regs[i];
		snprintf(r->clid, sizeof(r->clid), "reg-%s", greek[i % 24]);
		for (size_t k = 0; k < sizeof(r->tag) - 1 && greek[i % 24][k]; k++) {
			r->tag[k] = (char)(greek[i % 24][k] - 'a' + 'A');
		}
		if (i % 5 == 4) {
			snprintf(r->addr, sizeof(r->addr), "2001:db8:100::%x", 16 + i);
		} else {
			snprintf(r->addr, sizeof(r->addr), "%u.%u.%u.%d", v4_nets[i % 3] >> 24,
				 (v4_nets[i % 3] >> 16) & 255, (v4_nets[i % 3] >> 8) & 255,
				 10 + i);
		}
		cum += 1.0 / (i + 1);
		g->regweight[i] = cum;
		for (int k = 0; k < 8; k++) {
			contact_new(g, i);
		}
		char dname[NAME_MAX_LEN + 1];
		int nh = 2 + i % 3;
		if (i % 2 == 0) {
			snprintf(dname, sizeof(dname), "%s-dns.example", greek[i % 24]);
			int di = dom_new(g, dname, i);
			struct domain *d = &g->doms[di];
			d->registrant = d->admin = d->tech = g->regs[i].contacts[0];
			d->created = g->now - (int64_t)(3000 + rnd(g, 2000)) * 86400 * 1000000;
			d->exp_year = year_of(g->now) + 1 + rnd(g, 3);
			for (int k = 0; k < nh; k++) {
				int hi = make_inzone_host(g, i, di);
				g->hosts[hi].live = true;
				g->hosts[hi].created = d->created;
				r->hosts[r->nhosts++] = hi;
				d->nsub++;
			}
			for (int k = 0; k < 2; k++) {
				d->ns[d->nns++] = r->hosts[k];
			}
		} else {
			for (int k = 0; k < nh; k++) {
				snprintf(dname, sizeof(dname), "ns%d.%s-hosting.example.net",
					 k + 1, greek[i % 24]);
				int hi = host_new(g, dname, i, -1);
				g->hosts[hi].live = true;
				g->hosts[hi].created = g->now - 4000LL * 86400 * 1000000;
				r->hosts[r->nhosts++] = hi;
			}
		}
	}
	for (int n = 0; n < ndomains; n++) {
		char name[NAME_MAX_LEN + 1];
		rand_domain_name(g, name, sizeof(name));
		if (dom_find(g, name) >= 0) {
			continue;
		}
		int reg = pick_reg(g);
		int di = dom_new(g, name, reg);
		struct domain *d = &g->doms[di];
		d->registrant = pick_contact_of(g, reg);
		d->admin = d->tech = pick_contact_of(g, reg);
		d->created = g->now - (int64_t)(30 + rnd(g, 5000)) * 86400 * 1000000 -
			     (int64_t)rnd(g, 86400) * 1000000;
		d->exp_year = year_of(g->now) + rnd(g, 3);
		int want = 2 + (chance(g, 20) ? 1 : 0);
		for (int k = 0; k < want; k++) {
			int hi = pick_ns(g, reg, d->ns, d->nns);
			if (hi >= 0) {
				d->ns[d->nns++] = hi;
			}
		}
		d->ds = chance(g, 10);
		d->keytag = (uint16_t)(1 + rnd(g, 65000));
		d->ttl_ns = chance(g, 5) ? 3600 : 0;
		ilist_push(g->regs[reg].dl, di);
	}
}

static void run_random(struct gen *g, long ntx)
{
	enum { MAX_ACTIVE = 6 };
	struct session sess[MAX_ACTIVE];
	int active = g->fmt == FMT_RFC5734 ? 1 : MAX_ACTIVE;
	for (int i = 0; i < active; i++) {
		session_new(g, &sess[i]);
	}
	while (g->written < (uint64_t)ntx) {
		struct session *s = &sess[rnd(g, active)];
		g->now += 20000 + (int64_t)rnd(g, 700000);
		if (!s->logged_in) {
			op_login(g, s);
		} else if (s->remaining == 0 || (uint64_t)ntx - g->written == 1) {
			op_logout(g, s);
			session_new(g, s);
		} else {
			s->remaining--;
			rand_command(g, s);
		}
	}
}

/* ---------------------------------------------------------------- */
/* The demo log of examples/ (see examples/README.md and            */
/* /work/briefs/policy-contract.md): a short, fixed script.         */

enum { ALPHA, BETA, GAMMA };

static void ex_at(struct gen *g, const char *when)
{
	if (fa_time_parse(when, strlen(when), &g->now) != FA_OK) {
		die("bad built-in time \"%s\"", when);
	}
}

/* The next command of a session comes a little later. */
static void ex_tick(struct gen *g, int seconds)
{
	g->now += (int64_t)seconds * 1000000 + (int64_t)rnd(g, 900) * 1000;
}

static void ex_session(struct gen *g, struct session *s, int reg, const struct style *st)
{
	memset(s, 0, sizeof(*s));
	s->reg = reg;
	s->no = ++g->nsessions;
	snprintf(s->id, sizeof(s->id), "s-%04d", s->no);
	s->st = st;
	op_login(g, s);
}

static void ex_logout(struct gen *g, struct session *s)
{
	ex_tick(g, 20);
	op_logout(g, s);
}

static int ex_host_idx(struct gen *g, const char *name)
{
	for (int i = 0; i < g->nhosts; i++) {
		if (strcmp(g->hosts[i].name, name) == 0) {
			return i;
		}
	}
	die("built-in host \"%s\" is not in the model", name);
}

static int ex_dom_idx(struct gen *g, const char *name)
{
	int di = dom_find(g, name);
	if (di < 0) {
		die("built-in domain \"%s\" is not in the model", name);
	}
	return di;
}

static int ex_create(struct gen *g, struct session *s, const char *name, const char *ns1,
		     const char *ns2, int ttl, bool ds)
{
	struct domain nd;
	memset(&nd, 0, sizeof(nd));
	snprintf(nd.name, sizeof(nd.name), "%s", name);
	nd.pending_to = -1;
	nd.next_ns = 1;
	const struct registrar *r = &g->regs[s->reg];
	nd.registrant = r->contacts[0];
	nd.admin = r->contacts[0];
	nd.tech = r->contacts[r->ncontacts > 1 ? 1 : 0];
	if (ns1 != NULL) {
		nd.ns[nd.nns++] = ex_host_idx(g, ns1);
		nd.ns[nd.nns++] = ex_host_idx(g, ns2);
	}
	nd.ttl_ns = ttl;
	nd.ds = ds;
	nd.keytag = (uint16_t)(name_hash(name) % 60000 + 1);
	ex_tick(g, 30);
	return op_domain_create(g, s, &nd, 1, 0);
}

/* host:create of an in-zone host with up to two addresses. */
static void ex_host(struct gen *g, struct session *s, const char *name, const char *dom,
		    const char *a1, const char *a2)
{
	int hi = host_new(g, name, s->reg, ex_dom_idx(g, dom));
	struct host *h = &g->hosts[hi];
	h->addrs[h->naddrs++] = v4s(a1);
	if (a2 != NULL) {
		struct addr a = { .v6 = true };
		unsigned x[8] = { 0 };
		/* Only "2001:db8:X::Y" spellings are used in the script. */
		if (sscanf(a2, "2001:db8:%x::%x", &x[2], &x[7]) != 2) {
			die("bad built-in IPv6 address \"%s\"", a2);
		}
		a.g[0] = 0x2001;
		a.g[1] = 0x0db8;
		a.g[2] = (uint16_t)x[2];
		a.g[7] = (uint16_t)x[7];
		h->addrs[h->naddrs++] = a;
	}
	ex_tick(g, 25);
	op_host_create(g, s, hi, 0);
}

static void ex_ns_swap(struct gen *g, struct session *s, const char *dom, const char *rem,
		       const char *add)
{
	struct upd u;
	upd_init(&u);
	if (rem != NULL) {
		u.rem_ns[u.nrem_ns++] = ex_host_idx(g, rem);
	}
	if (add != NULL) {
		u.add_ns[u.nadd_ns++] = ex_host_idx(g, add);
	}
	op_domain_update(g, s, ex_dom_idx(g, dom), &u, 0);
}

static void ex_glue(struct gen *g, struct session *s, const char *host, const char *add1,
		    const char *add2, const char *rem1)
{
	struct addr add[2], rem[1];
	int nadd = 0, nrem = 0;
	add[nadd++] = v4s(add1);
	if (add2 != NULL) {
		add[nadd++] = v4s(add2);
	}
	if (rem1 != NULL) {
		rem[nrem++] = v4s(rem1);
	}
	op_host_update(g, s, ex_host_idx(g, host), add, nadd, rem, nrem, 0);
}

/* A record the auditor must refuse: the command frame as given, and the
 * error response a server sends for it. */
static void ex_bad(struct gen *g, struct session *s, const char *frame, int code)
{
	struct tx t;
	ex_tick(g, 40);
	tx_begin(g, s, &t);
	const char *mark = strstr(frame, "@CLTRID@");
	g->cmd.len = 0;
	buf_put(&g->cmd, frame, (size_t)(mark - frame));
	buf_put(&g->cmd, t.cltrid, strlen(t.cltrid));
	buf_put(&g->cmd, mark + 8, strlen(mark + 8));
	rsp_begin(&t, code);
	tx_end(&t);
}

static const char bad_malformed[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	"<epp xmlns=\"" EPP_URI "\">\n"
	"  <command>\n"
	"    <info>\n"
	"      <domain:info xmlns:domain=\"" DOMAIN_URI "\">\n"
	"        <domain:name>garden.example</domain:info>\n"
	"    </info>\n"
	"    <clTRID>@CLTRID@</clTRID>\n"
	"  </command>\n"
	"</epp>\n";

static const char bad_doctype[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	"<!DOCTYPE epp [\n"
	"  <!ENTITY target \"bakery.example\">\n"
	"]>\n"
	"<epp xmlns=\"" EPP_URI "\">\n"
	"  <command>\n"
	"    <info>\n"
	"      <domain:info xmlns:domain=\"" DOMAIN_URI "\">\n"
	"        <domain:name>&target;</domain:name>\n"
	"      </domain:info>\n"
	"    </info>\n"
	"    <clTRID>@CLTRID@</clTRID>\n"
	"  </command>\n"
	"</epp>\n";

static const char bad_unknown[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	"<epp xmlns=\"" EPP_URI "\">\n"
	"  <command>\n"
	"    <frobnicate>\n"
	"      <domain:frobnicate xmlns:domain=\"" DOMAIN_URI "\">\n"
	"        <domain:name>river.example</domain:name>\n"
	"      </domain:frobnicate>\n"
	"    </frobnicate>\n"
	"    <clTRID>@CLTRID@</clTRID>\n"
	"  </command>\n"
	"</epp>\n";

/* The first label has 64 characters, one more than DNS allows. */
static const char bad_long_label[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	"<epp xmlns=\"" EPP_URI "\">\n"
	"  <command>\n"
	"    <create>\n"
	"      <domain:create xmlns:domain=\"" DOMAIN_URI "\">\n"
	"        <domain:name>"
	"this-label-is-sixty-four-characters-long-one-more-than-dns-allow"
	".example</domain:name>\n"
	"        <domain:period unit=\"y\">1</domain:period>\n"
	"        <domain:ns>\n"
	"          <domain:hostObj>ns1.alpha-dns.example</domain:hostObj>\n"
	"          <domain:hostObj>ns2.alpha-dns.example</domain:hostObj>\n"
	"        </domain:ns>\n"
	"        <domain:registrant>ALPHA-C00000</domain:registrant>\n"
	"        <domain:authInfo>\n"
	"          <domain:pw>Long2Label!</domain:pw>\n"
	"        </domain:authInfo>\n"
	"      </domain:create>\n"
	"    </create>\n"
	"    <clTRID>@CLTRID@</clTRID>\n"
	"  </command>\n"
	"</epp>\n";

static void ex_day2(struct gen *g)
{
	struct session s;
	char names[3][NAME_MAX_LEN + 1] = { "alpha-dns.example", "garden.example",
					    "bakery.example" };

	ex_at(g, "2026-11-02T09:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_usual);
	ex_tick(g, 10);
	op_contact_create(g, &s, contact_new(g, ALPHA), 0);
	ex_tick(g, 15);
	op_contact_create(g, &s, contact_new(g, ALPHA), 0);
	ex_tick(g, 20);
	op_domain_check(g, &s, names, 3);
	ex_create(g, &s, "alpha-dns.example", NULL, NULL, 0, false);
	ex_host(g, &s, "ns1.alpha-dns.example", "alpha-dns.example", "192.0.2.53",
		"2001:db8:a::53");
	ex_host(g, &s, "ns2.alpha-dns.example", "alpha-dns.example", "198.51.100.53",
		"2001:db8:b::53");
	ex_tick(g, 30);
	{
		struct upd u;
		upd_init(&u);
		u.add_ns[u.nadd_ns++] = ex_host_idx(g, "ns1.alpha-dns.example");
		u.add_ns[u.nadd_ns++] = ex_host_idx(g, "ns2.alpha-dns.example");
		op_domain_update(g, &s, ex_dom_idx(g, "alpha-dns.example"), &u, 0);
	}
	static const char *const alpha_doms[] = { "garden.example", "bakery.example",
						  "river.example" };
	for (int i = 0; i < 3; i++) {
		ex_create(g, &s, alpha_doms[i], "ns1.alpha-dns.example",
			  "ns2.alpha-dns.example", 0, false);
	}
	/* An ordinary TTL well above the floor. */
	ex_create(g, &s, "meadow.example", "ns1.alpha-dns.example", "ns2.alpha-dns.example",
		  3600, false);
	ex_tick(g, 40);
	op_domain_info(g, &s, "garden.example", ex_dom_idx(g, "garden.example"), 0);
	/* A customer retrying a name that is already taken. */
	{
		struct domain nd = g->doms[ex_dom_idx(g, "bakery.example")];
		ex_tick(g, 50);
		op_domain_create(g, &s, &nd, 1, 2302);
	}
	ex_logout(g, &s);

	ex_at(g, "2026-11-02T10:30:00.000Z");
	ex_session(g, &s, BETA, &style_other_pfx);
	ex_tick(g, 10);
	op_contact_create(g, &s, contact_new(g, BETA), 0);
	ex_create(g, &s, "beta-dns.example", NULL, NULL, 0, false);
	ex_host(g, &s, "ns1.beta-dns.example", "beta-dns.example", "203.0.113.53", NULL);
	ex_host(g, &s, "ns2.beta-dns.example", "beta-dns.example", "203.0.113.54",
		"2001:db8:be7a::54");
	ex_tick(g, 30);
	{
		struct upd u;
		upd_init(&u);
		u.add_ns[u.nadd_ns++] = ex_host_idx(g, "ns1.beta-dns.example");
		u.add_ns[u.nadd_ns++] = ex_host_idx(g, "ns2.beta-dns.example");
		op_domain_update(g, &s, ex_dom_idx(g, "beta-dns.example"), &u, 0);
	}
	ex_create(g, &s, "fluxy.example", "ns1.beta-dns.example", "ns2.beta-dns.example", 0,
		  false);
	ex_create(g, &s, "harbor.example", "ns1.beta-dns.example", "ns2.beta-dns.example", 0,
		  false);
	ex_create(g, &s, "lantern.example", "ns1.beta-dns.example", "ns2.beta-dns.example",
		  0, true);
	ex_create(g, &s, "orchard.example", "ns1.beta-dns.example", "ns2.beta-dns.example",
		  0, false);
	ex_logout(g, &s);

	ex_at(g, "2026-11-02T14:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_default_ns);
	ex_create(g, &s, "quick.example", "ns1.alpha-dns.example", "ns2.alpha-dns.example",
		  60, false);
	ex_create(g, &s, "pebble.example", "ns1.alpha-dns.example", "ns2.alpha-dns.example",
		  0, false);
	ex_logout(g, &s);
}

static void ex_day3_4(struct gen *g)
{
	struct session s;

	ex_at(g, "2026-11-03T09:00:00.000Z");
	ex_session(g, &s, BETA, &style_usual);
	ex_host(g, &s, "ns1.fluxy.example", "fluxy.example", "192.0.2.101", NULL);
	ex_host(g, &s, "ns2.fluxy.example", "fluxy.example", "198.51.100.77", NULL);
	ex_tick(g, 30);
	op_domain_info(g, &s, "fluxy.example", ex_dom_idx(g, "fluxy.example"), 0);
	ex_tick(g, 45);
	op_domain_renew(g, &s, ex_dom_idx(g, "harbor.example"), 1, 0);
	ex_logout(g, &s);

	ex_at(g, "2026-11-03T11:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_usual);
	ex_tick(g, 20);
	{
		struct upd u;
		upd_init(&u);
		u.ds_add = true;
		op_domain_update(g, &s, ex_dom_idx(g, "bakery.example"), &u, 0);
	}
	ex_tick(g, 30);
	op_contact_update(g, &s, g->regs[ALPHA].contacts[1], 0);
	ex_tick(g, 30);
	ex_ns_swap(g, &s, "garden.example", "ns2.alpha-dns.example", "ns2.beta-dns.example");
	ex_tick(g, 30);
	op_host_info(g, &s, ex_host_idx(g, "ns1.alpha-dns.example"), 0);
	ex_logout(g, &s);

	ex_at(g, "2026-11-03T15:00:00.000Z");
	ex_session(g, &s, BETA, &style_usual);
	ex_tick(g, 20);
	op_domain_transfer(g, &s, ex_dom_idx(g, "river.example"), "request", 0);
	ex_tick(g, 30);
	ex_ns_swap(g, &s, "orchard.example", "ns1.beta-dns.example", "ns1.alpha-dns.example");
	ex_logout(g, &s);

	ex_at(g, "2026-11-03T16:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_usual);
	ex_tick(g, 20);
	op_domain_transfer(g, &s, ex_dom_idx(g, "river.example"), "approve", 0);
	ex_tick(g, 30);
	ex_ns_swap(g, &s, "meadow.example", "ns1.alpha-dns.example", "ns1.beta-dns.example");
	ex_logout(g, &s);

	/* The four bad records, among ordinary ones. */
	ex_at(g, "2026-11-04T08:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_usual);
	ex_bad(g, &s, bad_malformed, 2001);
	ex_tick(g, 30);
	op_domain_info(g, &s, "pebble.example", ex_dom_idx(g, "pebble.example"), 0);
	ex_bad(g, &s, bad_doctype, 2001);
	ex_tick(g, 30);
	{
		char names[2][NAME_MAX_LEN + 1] = { "sunny.example", "pebble.example" };
		op_domain_check(g, &s, names, 2);
	}
	ex_bad(g, &s, bad_unknown, 2000);
	ex_bad(g, &s, bad_long_label, 2005);
	ex_tick(g, 30);
	ex_ns_swap(g, &s, "pebble.example", "ns2.alpha-dns.example", "ns2.beta-dns.example");
	ex_logout(g, &s);
}

static void ex_flux(struct gen *g)
{
	struct session s;
	static const char *const churn[4][2] = {
		{ "ns2.beta-dns.example", "ns1.fluxy.example" },
		{ "ns1.beta-dns.example", "ns2.fluxy.example" },
		{ "ns2.fluxy.example", "ns1.beta-dns.example" },
		{ "ns1.beta-dns.example", "ns2.fluxy.example" },
	};
	/* Twelve glue changes through eleven addresses; 192.0.2.101 was
	 * there since the host's creation. */
	static const char *const glue[6][3] = {
		{ "192.0.2.102", "198.51.100.103", NULL },
		{ "203.0.113.104", "192.0.2.105", NULL },
		{ "198.51.100.106", NULL, "192.0.2.101" },
		{ "203.0.113.107", "192.0.2.108", NULL },
		{ "198.51.100.109", NULL, "192.0.2.102" },
		{ "203.0.113.110", "192.0.2.111", NULL },
	};

	ex_at(g, "2026-11-05T00:58:00.000Z");
	ex_session(g, &s, BETA, &style_usual);
	for (int i = 0; i < 4; i++) {
		ex_tick(g, i == 0 ? 120 : 50 * 60);
		ex_ns_swap(g, &s, "fluxy.example", churn[i][0], churn[i][1]);
	}
	ex_logout(g, &s);

	ex_at(g, "2026-11-05T03:58:00.000Z");
	ex_session(g, &s, BETA, &style_nodecl);
	for (int i = 0; i < 6; i++) {
		ex_tick(g, i == 0 ? 120 : 3600);
		ex_glue(g, &s, "ns1.fluxy.example", glue[i][0], glue[i][1], glue[i][2]);
	}
	ex_logout(g, &s);
}

static void ex_gamma(struct gen *g)
{
	struct session s;
	static const char *const targets[] = {
		"garden.example", "bakery.example", "meadow.example", "quick.example",
		"pebble.example", "harbor.example", "lantern.example", "orchard.example",
		"river.example", "fluxy.example",
	};

	ex_at(g, "2026-11-06T09:59:00.000Z");
	ex_session(g, &s, GAMMA, &style_epp_pfx);
	/* 25 refused attempts to change other registrars' authInfo within
	 * 28 minutes. */
	for (int i = 0; i < 25; i++) {
		struct upd u;
		upd_init(&u);
		u.chg_pw = true;
		g->now += 70LL * 1000000 - (i == 0 ? 10LL * 1000000 : 0);
		op_domain_update(g, &s, ex_dom_idx(g, targets[i % 10]), &u, 2201);
	}
	ex_logout(g, &s);
}

static void ex_day7(struct gen *g)
{
	struct session s;
	struct addr add[1], rem[1];

	ex_at(g, "2026-11-07T09:00:00.000Z");
	ex_session(g, &s, BETA, &style_usual);
	ex_tick(g, 20);
	op_domain_info(g, &s, "fluxy.example", ex_dom_idx(g, "fluxy.example"), 0);
	ex_tick(g, 20);
	op_host_info(g, &s, ex_host_idx(g, "ns1.fluxy.example"), 0);
	ex_tick(g, 20);
	ex_ns_swap(g, &s, "harbor.example", "ns2.beta-dns.example", "ns2.alpha-dns.example");
	ex_logout(g, &s);

	ex_at(g, "2026-11-07T10:00:00.000Z");
	ex_session(g, &s, ALPHA, &style_usual);
	ex_tick(g, 20);
	ex_ns_swap(g, &s, "garden.example", "ns2.beta-dns.example", "ns2.alpha-dns.example");
	ex_tick(g, 20);
	ex_ns_swap(g, &s, "bakery.example", "ns1.alpha-dns.example", "ns1.beta-dns.example");
	ex_tick(g, 20);
	{
		int hi = ex_host_idx(g, "ns2.alpha-dns.example");
		rem[0] = g->hosts[hi].addrs[1];
		add[0] = rem[0];
		add[0].g[7] = 0x5353;
		op_host_update(g, &s, hi, add, 1, rem, 1, 0);
	}
	ex_tick(g, 20);
	op_domain_renew(g, &s, ex_dom_idx(g, "garden.example"), 2, 0);
	ex_logout(g, &s);
}

static void run_example(struct gen *g)
{
	model_init(g, 3, 64, 64, 16);
	static const char *const names[3][3] = {
		{ "reg-alpha", "ALPHA", "192.0.2.10" },
		{ "reg-beta", "BETA", "198.51.100.20" },
		{ "reg-gamma", "GAMMA", "203.0.113.66" },
	};
	for (int i = 0; i < 3; i++) {
		snprintf(g->regs[i].clid, sizeof(g->regs[i].clid), "%s", names[i][0]);
		snprintf(g->regs[i].tag, sizeof(g->regs[i].tag), "%s", names[i][1]);
		snprintf(g->regs[i].addr, sizeof(g->regs[i].addr), "%s", names[i][2]);
	}
	fputs("#fluxaudit-epp-log v1\n"
	      "# Demo log of fluxaudit (examples/README.md); regenerate with\n"
	      "# fa-gen-epp --example > examples/epp-sample.log\n",
	      g->out);
	ex_day2(g);
	ex_day3_4(g);
	ex_flux(g);
	ex_gamma(g);
	ex_day7(g);
}

/* ---------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fa-gen-epp --transactions N [--seed S] [--format FORMAT]\n"
		"                  [--start TIME] [--output FILE]\n"
		"       fa-gen-epp --example [--output FILE]\n"
		"\n"
		"Write a synthetic EPP transaction log to standard output.\n"
		"\n"
		"  -n, --transactions N  number of transactions (records) to write\n"
		"  -s, --seed S          PRNG seed (default 1); same seed, same bytes\n"
		"  -f, --format FORMAT   envelope (default): docs/epp-log-format.md;\n"
		"                        rfc5734: length-prefixed frames, sessions one\n"
		"                        after the other, each after a greeting;\n"
		"                        xmlstream: the envelope's frames without XML\n"
		"                        declarations inside one root element\n"
		"      --start TIME      time of the first transaction (RFC 3339,\n"
		"                        default 2026-11-01T00:00:00Z)\n"
		"  -o, --output FILE     write to FILE instead of standard output\n"
		"      --example         write the demo log of examples/ instead\n"
		"  -h, --help            show this help\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "transactions", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "start", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "example", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g;
	long ntx = -1;
	const char *start = "2026-11-01T00:00:00Z";
	const char *output = NULL;
	bool example = false;
	int c;

	memset(&g, 0, sizeof(g));
	g.seed = 1;
	g.fmt = FMT_ENVELOPE;
	while ((c = getopt_long(argc, argv, "n:s:f:o:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n':
			ntx = strtol(optarg, &end, 10);
			if (*end != '\0' || ntx < 1 || ntx > 100000000) {
				fprintf(stderr, "fa-gen-epp: invalid transaction count \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			g.seed = strtoull(optarg, &end, 10);
			if (*end != '\0') {
				fprintf(stderr, "fa-gen-epp: invalid seed \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'f':
			if (strcmp(optarg, "envelope") == 0) {
				g.fmt = FMT_ENVELOPE;
			} else if (strcmp(optarg, "rfc5734") == 0) {
				g.fmt = FMT_RFC5734;
			} else if (strcmp(optarg, "xmlstream") == 0) {
				g.fmt = FMT_XMLSTREAM;
			} else {
				fprintf(stderr, "fa-gen-epp: unknown format \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'S':
			start = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'E':
			example = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!example && ntx < 0)) {
		usage(stderr);
		return 2;
	}
	if (fa_time_parse(start, strlen(start), &g.now) != FA_OK) {
		fprintf(stderr, "fa-gen-epp: invalid start time \"%s\"\n", start);
		return 2;
	}
	g.out = stdout;
	if (output != NULL) {
		g.out = fopen(output, "wb");
		if (g.out == NULL) {
			fprintf(stderr, "fa-gen-epp: could not open \"%s\": %s\n", output,
				strerror(errno));
			return 1;
		}
	}
	g.rng = g.seed * 0x2545f4914f6cdd1dULL + 17;

	if (example) {
		g.fmt = FMT_ENVELOPE;
		run_example(&g);
	} else {
		int seeded = (int)(ntx / 8 < 100 ? 100 : (ntx / 8 > 50000 ? 50000 : ntx / 8));
		model_init(&g, 24, seeded + (int)(ntx / 5) + 1000,
			   (int)(ntx / 3) + 2000, (int)(ntx / 20) + 1000);
		seed_world(&g, seeded);
		if (g.fmt == FMT_XMLSTREAM) {
			fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<epp-log xmlns=\"urn:fluxaudit:bench:xmlstream\">\n",
			      g.out);
		}
		run_random(&g, ntx);
		if (g.fmt == FMT_XMLSTREAM) {
			fputs("</epp-log>\n", g.out);
		}
	}
	model_free(&g);
	if (fflush(g.out) != 0 || ferror(g.out) || (output != NULL && fclose(g.out) != 0)) {
		fprintf(stderr, "fa-gen-epp: could not write the log: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
