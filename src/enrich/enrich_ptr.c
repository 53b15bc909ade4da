/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consumer space by reverse-DNS names: PTR tables ("ADDRESS NAME" a
 * line) supplied by the operator, classified while they are read.
 *
 * A PTR scan of an ISP's space has tens of millions of lines, and nearly
 * all of them say nothing useful to the rule engine, so nothing of a
 * line is kept unless its name classifies the address: files are read
 * in 64 KiB pieces, and only the addresses that matched (28 bytes each)
 * and their names (in one pool) stay. Lookups are a binary search over
 * the sorted entries.
 *
 * Patterns are POSIX extended regular expressions from the operator's
 * configuration, compiled with the C library. What makes glibc's engine
 * slow or hungry is refused before regcomp sees it (pattern_safe):
 * back-references, whose matching cost can grow exponentially with the
 * name; patterns that would compile to too many elements; repetitions of
 * repetitions and of expressions that can match the empty string (the
 * fuzzer found "1+++..." taking gigabytes and "(^)++++++a" stalling).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fa_file.h"
#include "common/fa_name.h"
#include "enrich/enrich_int.h"

#define CHUNK (64 * 1024)
#define MAX_ADDR_TEXT 64

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (is_digit(c)) {
		return c - '0';
	}
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ---- patterns ---- */

/* Skip a bracket expression starting at p[i] == '['; returns the index
 * after its closing ']', or the index of the NUL when it has none. */
static size_t skip_bracket(const char *p, size_t i)
{
	i++;
	if (p[i] == '^') {
		i++;
	}
	if (p[i] == ']') {
		i++;
	}
	while (p[i] != '\0' && p[i] != ']') {
		if (p[i] == '[' && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
			char kind = p[i + 1];
			size_t j = i + 2;
			while (p[j] != '\0' && !(p[j] == kind && p[j + 1] == ']')) {
				j++;
			}
			if (p[j] == '\0') {
				return j;
			}
			i = j + 2;
			continue;
		}
		i++;
	}
	return p[i] == ']' ? i + 1 : i;
}

/* "{m}", "{m,}", "{m,n}" or glibc's "{,n}" at p[i]: the index after it,
 * the largest count written and whether it has no upper bound; 0 when
 * it is not an interval (regcomp judges). */
static size_t interval(const char *p, size_t i, unsigned long *max, bool *unbounded)
{
	size_t j = i + 1;
	unsigned long v = 0;
	bool comma = false;

	*max = 0;
	*unbounded = false;
	while (is_digit(p[j])) {
		v = v > 100000 ? v : v * 10 + (unsigned long)(p[j] - '0');
		j++;
	}
	*max = v;
	if (p[j] == ',') {
		comma = true;
		j++;
		unsigned long w = 0;
		while (is_digit(p[j])) {
			w = w > 100000 ? w : w * 10 + (unsigned long)(p[j] - '0');
			j++;
		}
		*max = w > v ? w : v;
		*unbounded = p[j - 1] == ',';
	}
	return (j > i + 1 || comma) && p[j] == '}' ? j + 1 : 0;
}

/*
 * What a pattern costs glibc. Its size once compiled: "x+" becomes
 * "xx*" and "x{m,n}" n copies of x, so repetitions multiply what they
 * repeat ("1++++" doubles four times). And two shapes whose compiling
 * time explodes although they are small: a repetition right after a
 * repetition ("a+*", undefined in POSIX anyway), and a repetition of
 * something that can match the empty string ("(^)+", "(a?)+", "(a|)*"),
 * whose epsilon closures glibc computes in time exponential in the
 * nesting ("(^)+++++a" ran over a minute without finishing). Sizes
 * saturate at CAP.
 */
#define CAP (1UL << 30)

struct est {
	const char *p;
	size_t i;
	unsigned depth;
	char *why;
	size_t whylen;
	bool bad;
};

/* Size of a parsed piece and whether it can match the empty string. */
struct part {
	unsigned long size;
	bool empty;
};

static unsigned long add_cap(unsigned long a, unsigned long b)
{
	return a + b > CAP ? CAP : a + b;
}

static unsigned long mul_cap(unsigned long a, unsigned long b)
{
	return b != 0 && a > CAP / b ? CAP : a * b;
}

static void refuse(struct est *c, const char *why)
{
	if (!c->bad) {
		snprintf(c->why, c->whylen, "%s", why);
		c->bad = true;
	}
}

static struct part est_alt(struct est *c);

static struct part est_atom(struct est *c)
{
	const char *p = c->p;
	char ch = p[c->i];

	if (ch == '(') {
		c->i++;
		c->depth++;
		struct part in = est_alt(c);
		c->depth--;
		if (p[c->i] == ')') {
			c->i++;
		}
		return (struct part){ add_cap(in.size, 1), in.empty };
	}
	if (ch == '[') {
		c->i = skip_bracket(p, c->i);
		return (struct part){ 1, false };
	}
	if (ch == '\\') {
		char e = p[c->i + 1];
		if (e >= '1' && e <= '9') {
			char why[64];
			snprintf(why, sizeof(why), "back-references (\\%c) are not accepted", e);
			refuse(c, why);
		}
		c->i += e != '\0' ? 2 : 1;
		/* glibc's word and buffer anchors match no character */
		bool anchor = e == 'b' || e == 'B' || e == '<' || e == '>' || e == '`' ||
			      e == '\'';
		return (struct part){ 1, anchor };
	}
	c->i++;
	return (struct part){ 1, ch == '^' || ch == '$' };
}

static struct part est_piece(struct est *c)
{
	const char *p = c->p;
	struct part w = est_atom(c);
	bool repeated = false;

	while (!c->bad) {
		char op = p[c->i];
		unsigned long max = 0, factor = 1;
		bool unbounded = false, may_skip = false;
		size_t end = c->i + 1;
		if (op == '{') {
			end = interval(p, c->i, &max, &unbounded);
			if (end == 0) {
				break;	/* not an interval: the next atom */
			}
			if (max > FA_ENRICH_PTR_MAX_REPEAT) {
				char why[64];
				snprintf(why, sizeof(why), "repetition count %lu is above %d", max,
					 FA_ENRICH_PTR_MAX_REPEAT);
				refuse(c, why);
			}
			factor = (max == 0 ? 1 : max) + (unbounded ? 1 : 0);
			may_skip = p[c->i + 1] == ',' || p[c->i + 1] == '0';
		} else if (op == '*' || op == '?') {
			may_skip = true;
		} else if (op == '+') {
			factor = 2;
		} else {
			break;
		}
		if (repeated) {
			refuse(c, "a repetition right after another is not accepted "
				  "(POSIX leaves it undefined)");
		} else if (w.empty) {
			refuse(c, "a repetition of an expression that can match the "
				  "empty string is not accepted");
		}
		w.size = mul_cap(w.size, factor);
		w.empty = w.empty || may_skip;
		repeated = true;
		c->i = end;
	}
	return w;
}

static struct part est_alt(struct est *c)
{
	const char *p = c->p;
	struct part all = { 0, false }, branch = { 0, true };

	while (!c->bad && p[c->i] != '\0') {
		if (p[c->i] == ')' && c->depth > 0) {
			break;
		}
		if (p[c->i] == '|') {
			c->i++;
			all.size = add_cap(all.size, add_cap(branch.size, 1));
			all.empty = all.empty || branch.empty;
			branch = (struct part){ 0, true };
			continue;
		}
		struct part w = est_piece(c);
		branch.size = add_cap(branch.size, w.size);
		branch.empty = branch.empty && w.empty;
	}
	all.size = add_cap(all.size, branch.size);
	all.empty = all.empty || branch.empty;
	return all;
}

/* Refuse what would make compiling or matching costly. */
static bool pattern_safe(const char *p, char *why, size_t whylen)
{
	struct est c = { .p = p, .why = why, .whylen = whylen };
	struct part w = est_alt(&c);

	if (c.bad) {
		return false;
	}
	if (w.size > FA_ENRICH_PTR_MAX_SIZE) {
		snprintf(why, whylen, "it would compile to %s%lu elements, more than %d "
			 "(repetitions multiply what they repeat)", w.size == CAP ? "over " : "",
			 w.size, FA_ENRICH_PTR_MAX_SIZE);
		return false;
	}
	return true;
}

int fa_enrich_add_ptr_pattern(struct fa_enrich *e, const char *pattern, bool exclude,
			      const char *origin, struct fa_enrich_diag *diag)
{
	struct ptr_tab *t = &e->ptr;
	char why[256];
	size_t len = strlen(pattern);

	if (e->finished || t->started) {
		return FA_EINVAL;
	}
	if (len == 0 || len > FA_ENRICH_PTR_MAX_PATTERN) {
		fa_enrich_diag_add(diag, "%s: a pattern must have 1 to %d bytes, this one has %zu",
				   origin, FA_ENRICH_PTR_MAX_PATTERN, len);
		return FA_EPARSE;
	}
	if (t->npat == FA_ENRICH_PTR_MAX_PATTERNS) {
		fa_enrich_diag_add(diag, "%s: more than %d patterns", origin,
				   FA_ENRICH_PTR_MAX_PATTERNS);
		return FA_EPARSE;
	}
	if (!pattern_safe(pattern, why, sizeof(why))) {
		fa_enrich_diag_add(diag, "%s: invalid pattern \"%s\": %s", origin, pattern, why);
		return FA_EPARSE;
	}
	regex_t *re = malloc(sizeof(*re));
	if (re == NULL) {
		return FA_ENOMEM;
	}
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, re, why, sizeof(why));
		free(re);
		if (rc == REG_ESPACE) {
			return FA_ENOMEM;
		}
		fa_enrich_diag_add(diag, "%s: invalid pattern \"%s\": %s", origin, pattern, why);
		return FA_EPARSE;
	}
	const char *text = fa_arena_strndup(e->arena, pattern, len);
	if (text == NULL) {
		regfree(re);
		free(re);
		return FA_ENOMEM;
	}
	t->pat[t->npat++] = (struct ptr_pat){ text, re, exclude };
	if (!exclude) {
		t->ninclude++;
	}
	return FA_OK;
}

void fa_enrich_set_ptr_embedded(struct fa_enrich *e, bool required)
{
	e->ptr.embedded = required;
}

void fa_enrich_ptr_free(struct ptr_tab *t)
{
	for (size_t i = 0; i < t->npat; i++) {
		regfree(t->pat[i].re);
		free(t->pat[i].re);
	}
	free(t->ent);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

/* ---- does a name embed its address? ---- */

/* The decimal octets o[0..3] at s[i]: 1 to 3 digits each (zero padding
 * allowed), one of '-', '.', '_' between them, no digit around. */
static bool octets_at(const char *s, size_t n, size_t i, const uint8_t *o)
{
	if (i > 0 && is_digit(s[i - 1])) {
		return false;
	}
	for (int k = 0; k < 4; k++) {
		unsigned v = 0;
		size_t d = 0;
		while (i < n && is_digit(s[i]) && d < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || v != o[k]) {
			return false;
		}
		if (k < 3) {
			if (i >= n || (s[i] != '-' && s[i] != '.' && s[i] != '_')) {
				return false;
			}
			i++;
		}
	}
	return i == n || !is_digit(s[i]);
}

/* The eight groups g[0..7] at s[i]: 1 to 4 hex digits each, separated
 * as octets are, no hex digit around. */
static bool groups_at(const char *s, size_t n, size_t i, const uint16_t *g)
{
	if (i > 0 && hexval(s[i - 1]) >= 0) {
		return false;
	}
	for (int k = 0; k < 8; k++) {
		unsigned v = 0;
		size_t d = 0;
		while (i < n && hexval(s[i]) >= 0 && d < 4) {
			v = v * 16 + (unsigned)hexval(s[i]);
			i++;
			d++;
		}
		if (d == 0 || v != g[k]) {
			return false;
		}
		if (k < 7) {
			if (i >= n || (s[i] != '-' && s[i] != '.' && s[i] != '_')) {
				return false;
			}
			i++;
		}
	}
	return i == n || hexval(s[i]) < 0;
}

/* hex (lower case, nd digits) anywhere in s, without regard to case. */
static bool hex_in(const char *s, size_t n, const char *hex, size_t nd)
{
	for (size_t i = 0; i + nd <= n; i++) {
		size_t k = 0;
		while (k < nd && lower(s[i + k]) == hex[k]) {
			k++;
		}
		if (k == nd) {
			return true;
		}
	}
	return false;
}

/*
 * IPv4: the four octets in order or reversed, or the 8 hex digits of
 * the address. IPv6: the eight groups in order, or its 32 hex digits.
 */
static bool embeds(const char *s, size_t n, const struct fa_enrich_addr *a)
{
	static const char digits[] = "0123456789abcdef";
	char hex[33];
	size_t nb = a->family == 6 ? 16 : 4;

	for (size_t i = 0; i < nb; i++) {
		hex[2 * i] = digits[a->b[i] >> 4];
		hex[2 * i + 1] = digits[a->b[i] & 15];
	}
	if (hex_in(s, n, hex, 2 * nb)) {
		return true;
	}
	if (a->family == 6) {
		uint16_t g[8];
		for (int k = 0; k < 8; k++) {
			g[k] = (uint16_t)(a->b[2 * k] << 8 | a->b[2 * k + 1]);
		}
		for (size_t i = 0; i < n; i++) {
			if (groups_at(s, n, i, g)) {
				return true;
			}
		}
		return false;
	}
	const uint8_t rev[4] = { a->b[3], a->b[2], a->b[1], a->b[0] };
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i]) && (octets_at(s, n, i, a->b) || octets_at(s, n, i, rev))) {
			return true;
		}
	}
	return false;
}

/* ---- lines ---- */

struct ptr_load {
	struct fa_enrich *e;
	const char *name;	/* the file, for messages */
	uint16_t src;
	uint32_t lineno;
	size_t first, first_pool;	/* where this file's entries start */
	size_t errors, lines, names, matched, excluded, noaddr;
	struct fa_enrich_diag *diag;
};

/* A DNS name in text form: labels of 1 to 63 letters, digits, '-' or
 * '_', at most 253 bytes without the trailing dot (255 in wire form).
 * out gets it in lower case. */
static bool ptr_name(const char *s, size_t n, char *out, char *why, size_t whylen)
{
	if (n > 1 && s[n - 1] == '.') {
		n--;
	}
	if (n > FA_NAME_MAX) {
		snprintf(why, whylen, "name is longer than %d bytes", FA_NAME_MAX);
		return false;
	}
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == label) {
				snprintf(why, whylen, "name \"%.*s\" has an empty label",
					 (int)n, s);
				return false;
			}
			if (i - label > FA_NAME_MAX_LABEL) {
				snprintf(why, whylen, "name \"%.*s...\" has a label longer than "
					 "%d bytes", 64, s, FA_NAME_MAX_LABEL);
				return false;
			}
			out[i] = '.';
			label = i + 1;
			continue;
		}
		char c = lower(s[i]);
		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_')) {
			snprintf(why, whylen, "name has a character other than letters, digits, "
				 "'-', '_' and '.' (byte 0x%02x at %zu)", (unsigned char)s[i],
				 i + 1);
			return false;
		}
		out[i] = c;
	}
	out[n] = '\0';
	return true;
}

/* The first include pattern the name matches, -1 when none does or an
 * exclude pattern does; -2 when the C library ran out of memory. */
static int classify(struct ptr_load *pl, const char *name, size_t n,
		    const struct fa_enrich_addr *a)
{
	const struct ptr_tab *t = &pl->e->ptr;
	int hit = -1;

	for (size_t i = 0; i < t->npat && hit < 0; i++) {
		if (t->pat[i].exclude) {
			continue;
		}
		int rc = regexec(t->pat[i].re, name, 0, NULL, 0);
		if (rc == 0) {
			hit = (int)i;
		} else if (rc != REG_NOMATCH) {
			return -2;
		}
	}
	if (hit < 0) {
		return -1;
	}
	pl->matched++;
	for (size_t i = 0; i < t->npat; i++) {
		if (!t->pat[i].exclude) {
			continue;
		}
		int rc = regexec(t->pat[i].re, name, 0, NULL, 0);
		if (rc == 0) {
			pl->excluded++;
			return -1;
		}
		if (rc != REG_NOMATCH) {
			return -2;
		}
	}
	if (t->embedded && !embeds(name, n, a)) {
		pl->noaddr++;
		return -1;
	}
	return hit;
}

static int keep(struct ptr_load *pl, const char *name, size_t n,
		const struct fa_enrich_addr *a, int pat)
{
	struct ptr_tab *t = &pl->e->ptr;

	if (t->npool + n + 1 > UINT32_MAX) {
		fa_enrich_diag_add(pl->diag, "%s:%u: the names of the classified addresses "
				   "take more than 4 GiB", pl->name, pl->lineno);
		return FA_ELIMIT;
	}
	if (fa_enrich_grow((void **)&t->pool, &t->cappool, t->npool + n + 1, 1) != FA_OK ||
	    fa_enrich_grow((void **)&t->ent, &t->cap, t->n + 1, sizeof(*t->ent)) != FA_OK) {
		return FA_ENOMEM;
	}
	struct ptr_ent *en = &t->ent[t->n++];
	en->name = (uint32_t)t->npool;
	en->line = pl->lineno;
	en->src = pl->src;
	en->pat = (uint8_t)pat;
	en->family = a->family;
	memcpy(en->b, a->b, sizeof(en->b));
	memcpy(t->pool + t->npool, name, n + 1);
	t->npool += n + 1;
	return FA_OK;
}

static void bad(struct ptr_load *pl, const char *why)
{
	fa_enrich_diag_line(pl->diag, &pl->errors, "%s:%u: %s", pl->name, pl->lineno, why);
}

/* One line without its end; FA_OK also for a malformed line (counted). */
static int line(struct ptr_load *pl, const char *s, size_t n, bool too_long, bool nul)
{
	const char *f[3];
	size_t fl[3];
	char why[256], text[MAX_ADDR_TEXT], name[FA_NAME_BUFSZ];
	struct fa_enrich_addr a;

	pl->lineno++;
	pl->lines++;
	if (too_long || nul) {
		snprintf(why, sizeof(why), "%s", too_long ? "line is longer than 1024 bytes"
							  : "line holds a NUL byte");
		bad(pl, why);
		return FA_OK;
	}
	size_t nf = fa_enrich_fields(s, n, f, fl, 2);
	if (nf == 0) {
		return FA_OK;
	}
	if (nf != 2) {
		snprintf(why, sizeof(why), "expected an address and a name, found %s",
			 nf > 2 ? "more fields" : "one field");
		bad(pl, why);
		return FA_OK;
	}
	if (fl[0] >= sizeof(text)) {
		snprintf(why, sizeof(why), "\"%.*s...\" is not an IPv4 or IPv6 address", 40, f[0]);
		bad(pl, why);
		return FA_OK;
	}
	memcpy(text, f[0], fl[0]);
	text[fl[0]] = '\0';
	if (fa_enrich_addr_parse(text, &a) != FA_OK) {
		snprintf(why, sizeof(why), "\"%s\" is not an IPv4 or IPv6 address", text);
		bad(pl, why);
		return FA_OK;
	}
	if (!ptr_name(f[1], fl[1], name, why, sizeof(why))) {
		bad(pl, why);
		return FA_OK;
	}
	pl->names++;
	/* A file that is refused keeps nothing: classifying it is waste. */
	if (pl->errors > 0) {
		return FA_OK;
	}
	size_t len = strlen(name);
	int pat = classify(pl, name, len, &a);
	if (pat == -2) {
		return FA_ENOMEM;
	}
	return pat < 0 ? FA_OK : keep(pl, name, len, &a, pat);
}

static int begin(struct fa_enrich *e, const char *name, struct ptr_load *pl,
		 struct fa_enrich_diag *diag)
{
	size_t idx;

	if (e->finished) {
		return FA_EINVAL;
	}
	if (e->ptr.ninclude == 0) {
		fa_enrich_diag_add(diag, "%s: PTR table given before any pattern", name);
		return FA_EINVAL;
	}
	int rc = fa_enrich_add_source(e, FA_ENRICH_KIND_PTR, name, &idx);
	if (rc != FA_OK) {
		return rc;
	}
	e->ptr.started = true;
	memset(pl, 0, sizeof(*pl));
	pl->e = e;
	pl->name = e->src[idx].path;
	pl->src = (uint16_t)idx;
	pl->diag = diag;
	pl->first = e->ptr.n;
	pl->first_pool = e->ptr.npool;
	return FA_OK;
}

/* Roll back a refused file, or describe an accepted one. */
static int end(struct ptr_load *pl, int rc)
{
	struct fa_enrich *e = pl->e;

	if (rc == FA_OK && pl->errors > 0) {
		fa_enrich_diag_refused(pl->diag, pl->name, pl->errors);
		rc = FA_EPARSE;
	}
	if (rc != FA_OK) {
		e->ptr.n = pl->first;
		e->ptr.npool = pl->first_pool;
		return rc;
	}
	struct fa_enrich_source *s = &e->src[pl->src];
	int n = snprintf(s->detail, sizeof(s->detail), "%zu line%s, %zu name%s, %zu matched, "
			 "%zu excluded", pl->lines, pl->lines == 1 ? "" : "s", pl->names,
			 pl->names == 1 ? "" : "s", pl->matched, pl->excluded);
	if (e->ptr.embedded && n > 0 && (size_t)n < sizeof(s->detail)) {
		snprintf(s->detail + n, sizeof(s->detail) - (size_t)n, ", %zu without %s address",
			 pl->noaddr, pl->noaddr == 1 ? "its" : "their");
	}
	return FA_OK;
}

int fa_enrich_add_ptr(struct fa_enrich *e, const char *name, const char *buf, size_t len,
		      struct fa_enrich_diag *diag)
{
	struct lines l = { .buf = buf, .len = len };
	struct ptr_load pl;
	const char *s;
	size_t n;
	bool too_long, nul;

	int rc = begin(e, name, &pl, diag);
	if (rc != FA_OK) {
		return rc;
	}
	while (rc == FA_OK && fa_enrich_next_line(&l, &s, &n, &too_long, &nul)) {
		rc = line(&pl, s, n, too_long, nul);
	}
	return end(&pl, rc);
}

/* A line of a piece read from a file: strip "\r" as fa_enrich_next_line
 * does. */
static int piece_line(struct ptr_load *pl, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r') {
		n--;
	}
	return line(pl, s, n, n > FA_ENRICH_MAX_LINE, memchr(s, '\0', n) != NULL);
}

/* Feed the file's lines; a line too long to hold is reported once and
 * skipped to its end. */
static int stream(struct ptr_load *pl, int fd, char *buf, char *err, size_t errlen)
{
	size_t have = 0, total = 0;
	bool skipping = false;
	int rc = FA_OK;

	for (;;) {
		ssize_t r = read(fd, buf + have, CHUNK - have);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			snprintf(err, errlen, "could not read \"%s\": %s", pl->name,
				 strerror(errno));
			return FA_EIO;
		}
		total += (size_t)r;
		if (total > (size_t)FA_ENRICH_MAX_FILE) {
			snprintf(err, errlen, "could not read \"%s\": file is larger than %ld "
				 "bytes", pl->name, FA_ENRICH_MAX_FILE);
			return FA_ELIMIT;
		}
		have += (size_t)r;
		size_t start = 0;
		const char *nl;
		while (rc == FA_OK && (nl = memchr(buf + start, '\n', have - start)) != NULL) {
			size_t n = (size_t)(nl - (buf + start));
			if (!skipping) {
				rc = piece_line(pl, buf + start, n);
			}
			skipping = false;
			start += n + 1;
		}
		if (rc != FA_OK) {
			return rc;
		}
		size_t rest = have - start;
		if (r == 0) {
			return rest > 0 && !skipping ? piece_line(pl, buf + start, rest) : FA_OK;
		}
		if (!skipping && rest > FA_ENRICH_MAX_LINE + 1) {
			rc = line(pl, buf + start, rest, true, false);
			skipping = true;
		}
		if (skipping) {
			rest = 0;
		}
		memmove(buf, buf + start, rest);
		have = rest;
		if (rc != FA_OK) {
			return rc;
		}
	}
}

int fa_enrich_add_ptr_file(struct fa_enrich *e, const char *path, const char *origin,
			   struct fa_enrich_diag *diag)
{
	struct ptr_load pl;
	struct stat st;
	char err[1024] = "";
	char *buf = NULL;
	int fd = -1;

	int rc = begin(e, path, &pl, diag);
	if (rc != FA_OK) {
		return rc;
	}
	rc = fa_file_open_regular(path, &fd, &st, err, sizeof(err));
	if (rc != FA_OK) {
		goto out;
	}
	if (st.st_size > FA_ENRICH_MAX_FILE) {
		snprintf(err, sizeof(err), "could not read \"%s\": file is larger than %ld bytes",
			 path, FA_ENRICH_MAX_FILE);
		rc = FA_ELIMIT;
		goto out;
	}
	buf = malloc(CHUNK);
	if (buf == NULL) {
		rc = FA_ENOMEM;
		goto out;
	}
	rc = stream(&pl, fd, buf, err, sizeof(err));
out:
	if (err[0] != '\0') {
		fa_enrich_diag_add(diag, "%s%s%s", origin != NULL ? origin : "",
				   origin != NULL ? ": " : "", err);
	}
	free(buf);
	if (fd >= 0) {
		close(fd);
	}
	return end(&pl, rc);
}

/* ---- the built table ---- */

static int cmp_addr(uint8_t fx, const uint8_t *bx, uint8_t fy, const uint8_t *by)
{
	if (fx != fy) {
		return fx < fy ? -1 : 1;
	}
	return memcmp(bx, by, 16);
}

static int cmp_ent(const void *a, const void *b)
{
	const struct ptr_ent *x = a, *y = b;
	int c = cmp_addr(x->family, x->b, y->family, y->b);
	if (c != 0) {
		return c;
	}
	if (x->src != y->src) {
		return x->src < y->src ? -1 : 1;
	}
	return x->line < y->line ? -1 : x->line > y->line;
}

int fa_enrich_ptr_build(struct fa_enrich *e, struct ptr_tab *t)
{
	size_t out = 0;
	uint16_t last_src = 0;

	if (t->n > 1) {
		qsort(t->ent, t->n, sizeof(*t->ent), cmp_ent);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct ptr_ent *p = &t->ent[i];
		if (out > 0) {
			const struct ptr_ent *q = &t->ent[out - 1];
			if (cmp_addr(q->family, q->b, p->family, p->b) == 0) {
				/* Another name of the same address: a later file
				 * that also classified it is shadowed (once). */
				if (p->src != last_src) {
					e->src[p->src].shadowed++;
				}
				last_src = p->src;
				continue;
			}
		}
		last_src = p->src;
		t->ent[out++] = *p;
		struct fa_enrich_source *s = &e->src[p->src];
		s->entries++;
		if (p->family == 6) {
			s->v6++;
		} else {
			s->v4++;
		}
	}
	t->n = out;
	/* Give back what growth by doubling left unused. */
	if (out > 0 && out < t->cap) {
		struct ptr_ent *shrunk = realloc(t->ent, out * sizeof(*t->ent));
		if (shrunk != NULL) {
			t->ent = shrunk;
			t->cap = out;
		}
	}
	if (t->npool > 0 && t->npool < t->cappool) {
		char *shrunk = realloc(t->pool, t->npool);
		if (shrunk != NULL) {
			t->pool = shrunk;
			t->cappool = t->npool;
		}
	}
	return FA_OK;
}

const struct ptr_ent *fa_enrich_ptr_find(const struct ptr_tab *t,
					 const struct fa_enrich_addr *a)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_addr(t->ent[mid].family, t->ent[mid].b, a->family, a->b);
		if (c == 0) {
			return &t->ent[mid];
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}
