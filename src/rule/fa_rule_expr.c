/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conditions of rules: a recursive-descent parser with type checking, and
 * a three-valued evaluator. Grammar (docs/rules.md):
 *
 *   cond    = or
 *   or      = and { "or" and }
 *   and     = not { "and" not }
 *   not     = "not" not | cmp
 *   cmp     = primary [ CMPOP primary ]
 *   primary = "(" or ")" | metric | number
 *   metric  = [ entity "." ] name [ "[" duration "]" ]
 *   number  = digits [ unit ]        unit = s | m | h | d | w
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rule/fa_rule_int.h"

#define MAX_DEPTH 64
#define MAX_DIGITS 15
#define US_PER_SEC INT64_C(1000000)

enum tok {
	T_END,
	T_IDENT,
	T_NUM,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_CMP,
	T_BAD,
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;		/* scan position */
	enum tok tok;		/* current token */
	size_t tpos, tlen;	/* its place */
	int cmp;		/* FA_RULE_OP_* for T_CMP */
	int depth;
	struct fa_rule *rule;
	int64_t max_window_us;
	struct fa_arena *arena;
	struct fa_rule_expr_err *err;
	bool oom;
};

static int fail(struct parser *p, size_t pos, const char *fmt, ...) FA_PRINTF(3, 4);

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	p->err->pos = pos;
	return FA_EPARSE;
}

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static void next(struct parser *p)
{
	while (p->pos < p->len && isspace((unsigned char)p->s[p->pos])) {
		p->pos++;
	}
	p->tpos = p->pos;
	if (p->pos >= p->len) {
		p->tok = T_END;
		p->tlen = 0;
		return;
	}

	char c = p->s[p->pos];
	char c2 = p->pos + 1 < p->len ? p->s[p->pos + 1] : '\0';
	size_t n = 1;
	p->tok = T_BAD;
	if (ident_start(c)) {
		while (p->pos + n < p->len && ident_char(p->s[p->pos + n])) {
			n++;
		}
		p->tok = T_IDENT;
	} else if (c >= '0' && c <= '9') {
		while (p->pos + n < p->len &&
		       isalnum((unsigned char)p->s[p->pos + n])) {
			n++;
		}
		p->tok = T_NUM;
	} else if (c == '(') {
		p->tok = T_LPAREN;
	} else if (c == ')') {
		p->tok = T_RPAREN;
	} else if (c == '[') {
		p->tok = T_LBRACK;
	} else if (c == ']') {
		p->tok = T_RBRACK;
	} else if (c == '<' || c == '>') {
		p->tok = T_CMP;
		if (c2 == '=') {
			n = 2;
			p->cmp = c == '<' ? FA_RULE_OP_LE : FA_RULE_OP_GE;
		} else {
			p->cmp = c == '<' ? FA_RULE_OP_LT : FA_RULE_OP_GT;
		}
	} else if ((c == '=' || c == '!') && c2 == '=') {
		p->tok = T_CMP;
		p->cmp = c == '=' ? FA_RULE_OP_EQ : FA_RULE_OP_NE;
		n = 2;
	} else if ((unsigned char)c >= 0x80) {
		/* Name the whole UTF-8 sequence rather than one byte of it. */
		while (p->pos + n < p->len &&
		       ((unsigned char)p->s[p->pos + n] & 0xc0) == 0x80) {
			n++;
		}
	}
	p->tlen = n;
	p->pos += n;
}

static bool is_word(const struct parser *p, const char *w)
{
	return p->tok == T_IDENT && strlen(w) == p->tlen &&
	       memcmp(p->s + p->tpos, w, p->tlen) == 0;
}

/* The current token for messages: "\"text\"" or "end of condition". */
static const char *found(const struct parser *p, char *buf, size_t len)
{
	if (p->tok == T_END) {
		return "end of condition";
	}
	snprintf(buf, len, "\"%.*s\"", (int)(p->tlen > 40 ? 40 : p->tlen),
		 p->s + p->tpos);
	return buf;
}

static struct fa_rule_node *node(struct parser *p, int op, int type, size_t pos)
{
	struct fa_rule_node *n = fa_arena_alloc(p->arena, sizeof(*n));
	if (n == NULL) {
		p->oom = true;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->type = type;
	n->pos = pos;
	return n;
}

/* digits [unit]: a count, or a duration in microseconds. */
static int number(struct parser *p, const char *s, size_t len, size_t pos,
		  int64_t *val, int *type)
{
	size_t nd = 0;
	while (nd < len && s[nd] >= '0' && s[nd] <= '9') {
		nd++;
	}
	if (nd > MAX_DIGITS) {
		return fail(p, pos, "number \"%.*s\" is too large", (int)len, s);
	}
	int64_t v = 0;
	for (size_t i = 0; i < nd; i++) {
		v = v * 10 + (s[i] - '0');
	}
	if (nd == len) {
		*val = v;
		*type = FA_RULE_T_COUNT;
		return FA_OK;
	}

	int64_t unit = 0;
	if (len - nd == 1) {
		switch (s[nd]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			break;
		}
	}
	if (unit == 0) {
		return fail(p, pos + nd,
			    "invalid duration \"%.*s\" (use a number followed by s, m, h, d or w)",
			    (int)len, s);
	}
	if (v > INT64_MAX / (unit * US_PER_SEC)) {
		return fail(p, pos, "duration \"%.*s\" is too large", (int)len, s);
	}
	*val = v * unit * US_PER_SEC;
	*type = FA_RULE_T_DURATION;
	return FA_OK;
}

/* Labels keep the window as the rule spells it, so evidence reads like
 * the condition; the same window spelt two ways is one reference. */
static int add_ref(struct parser *p, int metric, int64_t window_us, const char *wtext,
		   size_t wlen, size_t pos, size_t *out)
{
	struct fa_rule *r = p->rule;
	for (size_t i = 0; i < r->nrefs; i++) {
		if (r->refs[i].metric == metric && r->refs[i].window_us == window_us) {
			*out = i;
			return FA_OK;
		}
	}
	if (r->nrefs == FA_RULE_MAX_REFS) {
		return fail(p, pos, "condition reads more than %d distinct metrics",
			    FA_RULE_MAX_REFS);
	}

	struct fa_rule_ref *ref = &r->refs[r->nrefs];
	ref->metric = metric;
	ref->window_us = window_us;
	if (wlen >= sizeof(ref->window)) {
		wlen = sizeof(ref->window) - 1;
	}
	memcpy(ref->window, wtext, wlen);
	ref->window[wlen] = '\0';
	if (window_us > 0) {
		snprintf(ref->label, sizeof(ref->label), "%s[%.*s]",
			 fa_rule_metrics[metric].name, (int)wlen, wtext);
	} else {
		snprintf(ref->label, sizeof(ref->label), "%s",
			 fa_rule_metrics[metric].name);
	}
	*out = r->nrefs++;
	return FA_OK;
}

/* Optional "[duration]" after a metric name. */
static int window(struct parser *p, int64_t *window_us, size_t *wpos, size_t *wlen)
{
	char buf[64];
	*window_us = 0;
	*wlen = 0;
	if (p->tok != T_LBRACK) {
		return FA_OK;
	}
	next(p);
	*wpos = p->tpos;
	if (p->tok != T_NUM) {
		return fail(p, p->tpos,
			    "expected a duration such as 24h inside \"[ ]\", found %s",
			    found(p, buf, sizeof(buf)));
	}

	int64_t v;
	int type;
	int rc = number(p, p->s + p->tpos, p->tlen, p->tpos, &v, &type);
	if (rc != FA_OK) {
		return rc;
	}
	if (type != FA_RULE_T_DURATION) {
		return fail(p, p->tpos,
			    "window \"%.*s\" has no unit (use s, m, h, d or w, e.g. 24h)",
			    (int)p->tlen, p->s + p->tpos);
	}
	if (v == 0) {
		return fail(p, p->tpos, "window must be longer than zero");
	}
	if (v > p->max_window_us) {
		char max[24];
		fa_rule_duration_format(p->max_window_us, max, sizeof(max));
		return fail(p, p->tpos, "window \"%.*s\" is longer than the maximum of %s",
			    (int)p->tlen, p->s + p->tpos, max);
	}
	*window_us = v;
	*wlen = p->tlen;
	next(p);
	if (p->tok != T_RBRACK) {
		return fail(p, p->tpos, "expected \"]\", found %s",
			    found(p, buf, sizeof(buf)));
	}
	next(p);
	return FA_OK;
}

static int metric(struct parser *p, struct fa_rule_node **out)
{
	size_t pos = p->tpos;
	const char *name = p->s + p->tpos;
	size_t len = p->tlen;
	int entity = p->rule->entity;

	/* An entity prefix must name the rule's own kind for now; other
	 * kinds are reserved for conditions across related entities. */
	const char *dot = memchr(name, '.', len);
	if (dot != NULL) {
		size_t elen = (size_t)(dot - name);
		int e = fa_rule_entity_find(name, elen);
		if (e < 0) {
			return fail(p, pos, "unknown entity kind \"%.*s\" in \"%.*s\"",
				    (int)elen, name, (int)len, name);
		}
		if (e != entity) {
			return fail(p, pos,
				    "metric \"%.*s\" is not a metric of entity kind \"%s\"",
				    (int)len, name, fa_rule_entities[entity].name);
		}
		len -= elen + 1;
		name = dot + 1;
	}

	int m = fa_rule_metric_find(entity, name, len);
	if (m < 0) {
		return fail(p, pos, "unknown metric \"%.*s\" for entity kind \"%s\"",
			    (int)len, name, fa_rule_entities[entity].name);
	}
	next(p);

	int64_t window_us = 0;
	size_t wpos = pos, wlen = 0;
	int rc = window(p, &window_us, &wpos, &wlen);
	if (rc != FA_OK) {
		return rc;
	}
	const struct fa_rule_metric_def *def = &fa_rule_metrics[m];
	if (def->windowed && window_us == 0) {
		return fail(p, pos, "metric \"%.*s\" needs a window, e.g. \"%.*s[24h]\"",
			    (int)len, name, (int)len, name);
	}
	if (!def->windowed && window_us != 0) {
		return fail(p, wpos, "metric \"%.*s\" takes no window", (int)len, name);
	}

	struct fa_rule_node *n = node(p, FA_RULE_OP_METRIC, def->type, pos);
	if (n == NULL) {
		return FA_ENOMEM;
	}
	rc = add_ref(p, m, window_us, p->s + wpos, wlen, pos, &n->ref);
	*out = n;
	return rc;
}

static int parse_or(struct parser *p, struct fa_rule_node **out);

static int primary(struct parser *p, struct fa_rule_node **out)
{
	char buf[64];
	if (p->tok == T_LPAREN) {
		size_t open = p->tpos;
		if (++p->depth > MAX_DEPTH) {
			return fail(p, open, "condition nests deeper than %d levels",
				    MAX_DEPTH);
		}
		next(p);
		int rc = parse_or(p, out);
		if (rc != FA_OK) {
			return rc;
		}
		if (p->tok != T_RPAREN) {
			return fail(p, p->tpos, "expected \")\" to close \"(\", found %s",
				    found(p, buf, sizeof(buf)));
		}
		p->depth--;
		next(p);
		return FA_OK;
	}
	if (p->tok == T_NUM) {
		int64_t v;
		int type;
		int rc = number(p, p->s + p->tpos, p->tlen, p->tpos, &v, &type);
		if (rc != FA_OK) {
			return rc;
		}
		struct fa_rule_node *n = node(p, FA_RULE_OP_NUM, type, p->tpos);
		if (n == NULL) {
			return FA_ENOMEM;
		}
		n->num = v;
		*out = n;
		next(p);
		return FA_OK;
	}
	if (p->tok == T_IDENT && !is_word(p, "and") && !is_word(p, "or") &&
	    !is_word(p, "not")) {
		return metric(p, out);
	}
	if (p->tok == T_BAD) {
		return fail(p, p->tpos, "unexpected character %s", found(p, buf, sizeof(buf)));
	}
	return fail(p, p->tpos, "expected a metric, a number or \"(\", found %s",
		    found(p, buf, sizeof(buf)));
}

static int cmp(struct parser *p, struct fa_rule_node **out)
{
	struct fa_rule_node *l = NULL, *r = NULL;
	int rc = primary(p, &l);
	if (rc != FA_OK) {
		return rc;
	}
	if (p->tok != T_CMP) {
		*out = l;
		return FA_OK;
	}

	int op = p->cmp;
	size_t opos = p->tpos;
	size_t olen = p->tlen;
	next(p);
	rc = primary(p, &r);
	if (rc != FA_OK) {
		return rc;
	}
	if (l->type == FA_RULE_T_BOOL || r->type == FA_RULE_T_BOOL) {
		return fail(p, opos, "\"%.*s\" compares values, not conditions",
			    (int)olen, p->s + opos);
	}
	if (l->type != r->type) {
		bool hint = (l->type == FA_RULE_T_DURATION && r->op == FA_RULE_OP_NUM) ||
			    (r->type == FA_RULE_T_DURATION && l->op == FA_RULE_OP_NUM);
		return fail(p, opos, "cannot compare a %s with a %s%s",
			    fa_rule_type_name(l->type), fa_rule_type_name(r->type),
			    hint ? " (give durations a unit, e.g. 30d)" : "");
	}
	if (p->tok == T_CMP) {
		return fail(p, p->tpos,
			    "comparisons cannot be chained; combine them with \"and\"");
	}

	struct fa_rule_node *n = node(p, op, FA_RULE_T_BOOL, opos);
	if (n == NULL) {
		return FA_ENOMEM;
	}
	n->l = l;
	n->r = r;
	*out = n;
	return FA_OK;
}

static int need_bool(struct parser *p, const struct fa_rule_node *n, const char *op)
{
	if (n->type == FA_RULE_T_BOOL) {
		return FA_OK;
	}
	return fail(p, n->pos, "operand of \"%s\" must be a comparison, found a %s",
		    op, fa_rule_type_name(n->type));
}

static int parse_not(struct parser *p, struct fa_rule_node **out)
{
	if (!is_word(p, "not")) {
		return cmp(p, out);
	}
	size_t pos = p->tpos;
	if (++p->depth > MAX_DEPTH) {
		return fail(p, pos, "condition nests deeper than %d levels", MAX_DEPTH);
	}
	next(p);
	struct fa_rule_node *operand = NULL;
	int rc = parse_not(p, &operand);
	if (rc != FA_OK) {
		return rc;
	}
	p->depth--;
	rc = need_bool(p, operand, "not");
	if (rc != FA_OK) {
		return rc;
	}
	struct fa_rule_node *n = node(p, FA_RULE_OP_NOT, FA_RULE_T_BOOL, pos);
	if (n == NULL) {
		return FA_ENOMEM;
	}
	n->l = operand;
	*out = n;
	return FA_OK;
}

typedef int (*level_fn)(struct parser *p, struct fa_rule_node **out);

/* One left-associative level: sub { word sub }. */
static int binary(struct parser *p, struct fa_rule_node **out, const char *word,
		  int op, level_fn sub)
{
	struct fa_rule_node *l = NULL;
	int rc = sub(p, &l);
	if (rc != FA_OK) {
		return rc;
	}
	while (is_word(p, word)) {
		size_t pos = p->tpos;
		struct fa_rule_node *r = NULL;
		next(p);
		rc = sub(p, &r);
		if (rc != FA_OK) {
			return rc;
		}
		rc = need_bool(p, l, word);
		if (rc == FA_OK) {
			rc = need_bool(p, r, word);
		}
		if (rc != FA_OK) {
			return rc;
		}
		struct fa_rule_node *n = node(p, op, FA_RULE_T_BOOL, pos);
		if (n == NULL) {
			return FA_ENOMEM;
		}
		n->l = l;
		n->r = r;
		l = n;
	}
	*out = l;
	return FA_OK;
}

static int parse_and(struct parser *p, struct fa_rule_node **out)
{
	return binary(p, out, "and", FA_RULE_OP_AND, parse_not);
}

static int parse_or(struct parser *p, struct fa_rule_node **out)
{
	return binary(p, out, "or", FA_RULE_OP_OR, parse_and);
}

int fa_rule_expr_compile(struct fa_rule *rule, const char *text, size_t len,
			 int64_t max_window_us, struct fa_arena *arena,
			 struct fa_rule_expr_err *err)
{
	struct parser p = {
		.s = text, .len = len, .rule = rule, .arena = arena,
		.max_window_us = max_window_us, .err = err,
	};
	char buf[64];
	rule->nrefs = 0;
	rule->expr = NULL;

	next(&p);
	if (p.tok == T_END) {
		return fail(&p, 0, "condition is empty");
	}
	struct fa_rule_node *root = NULL;
	int rc = parse_or(&p, &root);
	if (p.oom) {
		return FA_ENOMEM;
	}
	if (rc != FA_OK) {
		return rc;
	}
	if (p.tok == T_BAD) {
		return fail(&p, p.tpos, "unexpected character %s", found(&p, buf, sizeof(buf)));
	}
	if (p.tok != T_END) {
		return fail(&p, p.tpos, "expected \"and\", \"or\" or end of condition, found %s",
			    found(&p, buf, sizeof(buf)));
	}
	if (root->type != FA_RULE_T_BOOL) {
		return fail(&p, root->pos, "condition must be a comparison, found a %s",
			    fa_rule_type_name(root->type));
	}
	rule->expr = root;
	return FA_OK;
}

static int compare(int op, int64_t a, int64_t b)
{
	bool r;
	switch (op) {
	case FA_RULE_OP_LT:
		r = a < b;
		break;
	case FA_RULE_OP_LE:
		r = a <= b;
		break;
	case FA_RULE_OP_GT:
		r = a > b;
		break;
	case FA_RULE_OP_GE:
		r = a >= b;
		break;
	case FA_RULE_OP_EQ:
		r = a == b;
		break;
	default:
		r = a != b;
		break;
	}
	return r ? FA_RULE_TRUE : FA_RULE_FALSE;
}

static struct fa_rule_value operand(const struct fa_rule_node *n,
				    const struct fa_rule_value *vals)
{
	if (n->op == FA_RULE_OP_NUM) {
		return (struct fa_rule_value){ .known = true, .v = n->num };
	}
	return vals[n->ref];
}

int fa_rule_expr_eval(const struct fa_rule_node *n, const struct fa_rule_value *vals)
{
	int a, b;
	switch (n->op) {
	case FA_RULE_OP_NOT:
		a = fa_rule_expr_eval(n->l, vals);
		if (a == FA_RULE_UNKNOWN) {
			return a;
		}
		return a == FA_RULE_TRUE ? FA_RULE_FALSE : FA_RULE_TRUE;
	case FA_RULE_OP_AND:
		a = fa_rule_expr_eval(n->l, vals);
		if (a == FA_RULE_FALSE) {
			return a;
		}
		b = fa_rule_expr_eval(n->r, vals);
		if (b == FA_RULE_FALSE) {
			return b;
		}
		return a == FA_RULE_TRUE && b == FA_RULE_TRUE ? FA_RULE_TRUE : FA_RULE_UNKNOWN;
	case FA_RULE_OP_OR:
		a = fa_rule_expr_eval(n->l, vals);
		if (a == FA_RULE_TRUE) {
			return a;
		}
		b = fa_rule_expr_eval(n->r, vals);
		if (b == FA_RULE_TRUE) {
			return b;
		}
		return a == FA_RULE_FALSE && b == FA_RULE_FALSE ? FA_RULE_FALSE : FA_RULE_UNKNOWN;
	default: {
		struct fa_rule_value l = operand(n->l, vals);
		struct fa_rule_value r = operand(n->r, vals);
		if (!l.known || !r.known) {
			return FA_RULE_UNKNOWN;
		}
		return compare(n->op, l.v, r.v);
	}
	}
}
