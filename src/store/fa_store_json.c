/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded JSON reader for the detail objects that events carry (info
 * state, contact data), and a hash map; both private to the store module.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"
#include "common/fa_json.h"
#include "store/fa_store_int.h"

#define MAX_DEPTH 32
#define MAX_ITEMS 100000

struct parser {
	struct fa_arena *arena;
	const char *p;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') {
		ps->p++;
	}
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= (unsigned)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			v |= (unsigned)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			v |= (unsigned)(c - 'A' + 10);
		} else {
			return -1;
		}
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decode a string at ps->p (on the opening quote). */
static const char *parse_string(struct parser *ps)
{
	const char *s = ps->p + 1;
	const char *e = s;
	while (*e != '"') {
		if (*e == '\0') {
			return NULL;
		}
		if (*e == '\\' && e[1] != '\0') {
			e++;
		}
		e++;
	}
	/* Decoded text is never longer than the escaped text. */
	char *out = fa_arena_alloc(ps->arena, (size_t)(e - s) + 1);
	if (out == NULL) {
		return NULL;
	}
	char *o = out;
	while (s < e) {
		if ((unsigned char)*s < 0x20) {
			return NULL;
		}
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		unsigned cp;
		switch (*s) {
		case '"': case '\\': case '/':
			*o++ = *s;
			break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (e - s < 5 || hex4(s + 1, &cp) != 0) {
				return NULL;
			}
			s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && e - s >= 7 && s[1] == '\\' &&
			    s[2] == 'u') {
				unsigned lo;
				if (hex4(s + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
			}
			if (cp == 0 || (cp >= 0xd800 && cp < 0xe000)) {
				cp = 0xfffd;	/* no NULs or lone surrogates in text */
			}
			o = put_utf8(o, cp);
			break;
		default:
			return NULL;
		}
		s++;
	}
	*o = '\0';
	ps->p = e + 1;
	return out;
}

static struct fa_store_json *parse_value(struct parser *ps);

static struct fa_store_json *parse_container(struct parser *ps,
					     struct fa_store_json *v, char close)
{
	size_t cap = 0;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		if (v->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			if (ncap > MAX_ITEMS) {
				return NULL;
			}
			struct fa_store_json **items =
				fa_arena_alloc(ps->arena, ncap * sizeof(*items));
			const char **keys = fa_arena_alloc(ps->arena, ncap * sizeof(*keys));
			if (items == NULL || keys == NULL) {
				return NULL;
			}
			if (cap > 0) {
				memcpy(items, v->items, cap * sizeof(*items));
				memcpy(keys, v->keys, cap * sizeof(*keys));
			}
			v->items = items;
			v->keys = keys;
			cap = ncap;
		}
		skip_ws(ps);
		v->keys[v->n] = NULL;
		if (close == '}') {
			if (*ps->p != '"') {
				return NULL;
			}
			v->keys[v->n] = parse_string(ps);
			skip_ws(ps);
			if (v->keys[v->n] == NULL || *ps->p != ':') {
				return NULL;
			}
			ps->p++;
		}
		v->items[v->n] = parse_value(ps);
		if (v->items[v->n] == NULL) {
			return NULL;
		}
		v->n++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != close) {
			return NULL;
		}
		ps->p++;
		return v;
	}
}

static struct fa_store_json *parse_value(struct parser *ps)
{
	skip_ws(ps);
	struct fa_store_json *v = fa_arena_alloc(ps->arena, sizeof(*v));
	if (v == NULL) {
		return NULL;
	}
	memset(v, 0, sizeof(*v));

	char c = *ps->p;
	if (c == '{' || c == '[') {
		if (++ps->depth > MAX_DEPTH) {
			return NULL;
		}
		v->type = c == '{' ? FA_STORE_JOBJ : FA_STORE_JARR;
		v = parse_container(ps, v, c == '{' ? '}' : ']');
		ps->depth--;
		return v;
	}
	if (c == '"') {
		v->type = FA_STORE_JSTR;
		v->str = parse_string(ps);
		return v->str != NULL ? v : NULL;
	}
	static const struct {
		const char *word;
		enum fa_store_jtype type;
	} words[] = {
		{ "null", FA_STORE_JNULL },
		{ "true", FA_STORE_JBOOL },
		{ "false", FA_STORE_JBOOL },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);
		if (strncmp(ps->p, words[i].word, n) == 0) {
			v->type = words[i].type;
			v->str = words[i].word;
			ps->p += n;
			return v;
		}
	}
	const char *s = ps->p;
	if (*s == '-') {
		s++;
	}
	const char *digits = s;
	while ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' ||
	       *s == '+' || *s == '-') {
		s++;
	}
	if (s == digits || s - ps->p > 64) {
		return NULL;
	}
	char *num = fa_arena_strndup(ps->arena, ps->p, (size_t)(s - ps->p));
	if (num == NULL) {
		return NULL;
	}
	v->type = FA_STORE_JNUM;
	v->str = num;
	ps->p = s;
	return v;
}

struct fa_store_json *fa_store_json_parse(struct fa_arena *arena,
					  const char *text)
{
	if (text == NULL) {
		return NULL;
	}
	struct parser ps = { .arena = arena, .p = text, .depth = 0 };
	struct fa_store_json *v = parse_value(&ps);
	if (v == NULL) {
		return NULL;
	}
	skip_ws(&ps);
	return *ps.p == '\0' ? v : NULL;
}

const struct fa_store_json *fa_store_json_get(const struct fa_store_json *v,
					      const char *key)
{
	if (v == NULL || v->type != FA_STORE_JOBJ) {
		return NULL;
	}
	/* The last occurrence wins, as in PostgreSQL's jsonb. */
	for (size_t i = v->n; i > 0; i--) {
		if (strcmp(v->keys[i - 1], key) == 0) {
			return v->items[i - 1];
		}
	}
	return NULL;
}

static int write_str(struct fa_store_buf *b, const char *s)
{
	size_t len = strlen(s);
	size_t need = fa_json_escape(NULL, 0, s, len);
	if (fa_store_buf_reserve(b, need + 1) != FA_OK) {
		return FA_ENOMEM;
	}
	fa_json_escape(b->data + b->len, need + 1, s, len);
	b->len += need;
	return FA_OK;
}

int fa_store_json_write(struct fa_store_buf *b, const struct fa_store_json *v)
{
	int rc = FA_OK;
	switch (v->type) {
	case FA_STORE_JNULL:
		return fa_store_buf_puts(b, "null");
	case FA_STORE_JBOOL:
	case FA_STORE_JNUM:
		return fa_store_buf_puts(b, v->str);
	case FA_STORE_JSTR:
		return write_str(b, v->str);
	case FA_STORE_JARR:
	case FA_STORE_JOBJ:
		rc = fa_store_buf_puts(b, v->type == FA_STORE_JARR ? "[" : "{");
		for (size_t i = 0; rc == FA_OK && i < v->n; i++) {
			if (i > 0) {
				rc = fa_store_buf_puts(b, ",");
			}
			if (rc == FA_OK && v->type == FA_STORE_JOBJ) {
				rc = write_str(b, v->keys[i]);
				if (rc == FA_OK) {
					rc = fa_store_buf_puts(b, ":");
				}
			}
			if (rc == FA_OK) {
				rc = fa_store_json_write(b, v->items[i]);
			}
		}
		if (rc == FA_OK) {
			rc = fa_store_buf_puts(b, v->type == FA_STORE_JARR ? "]" : "}");
		}
		return rc;
	}
	return FA_EINVAL;
}

/* ---- hash map ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void fa_store_map_init(struct fa_store_map *m, struct fa_arena *arena)
{
	memset(m, 0, sizeof(*m));
	m->arena = arena;
}

void *fa_store_map_get(const struct fa_store_map *m, const char *key)
{
	if (m->cap == 0) {
		return NULL;
	}
	for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == NULL) {
			return NULL;
		}
		if (strcmp(m->keys[i], key) == 0) {
			return m->vals[i];
		}
	}
}

static void place(const char **keys, void **vals, size_t cap, const char *key,
		  void *val)
{
	size_t i = hash(key) & (cap - 1);
	while (keys[i] != NULL && strcmp(keys[i], key) != 0) {
		i = (i + 1) & (cap - 1);
	}
	keys[i] = key;
	vals[i] = val;
}

int fa_store_map_put(struct fa_store_map *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const char **keys = fa_arena_alloc(m->arena, cap * sizeof(*keys));
		void **vals = fa_arena_alloc(m->arena, cap * sizeof(*vals));
		if (keys == NULL || vals == NULL) {
			return FA_ENOMEM;
		}
		memset(keys, 0, cap * sizeof(*keys));
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i] != NULL) {
				place(keys, vals, cap, m->keys[i], m->vals[i]);
			}
		}
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	if (fa_store_map_get(m, key) == NULL) {
		m->len++;
	}
	place(m->keys, m->vals, m->cap, key, val);
	return FA_OK;
}
