/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MaxMind DB files: a full check of what lookups rely on, then
 * libmaxminddb for the lookups themselves.
 *
 * MMDB_open reads only the metadata, and libmaxminddb trusts the search
 * tree and the data records it reaches at lookup time; corrupt files
 * have crashed it or made it loop. So the file is read and checked here
 * first, bounded in time and memory: every record of every node must
 * point at a node other than the root, at "empty" or into the data
 * section; the tree must
 * reach a data record or "empty" within 32 (IPv4) or 128 (IPv6) steps
 * from the root, which also rules out cycles; every data record that a
 * record points at, and everything it points at in turn, must decode
 * with valid types, sizes, UTF-8 and pointers, nested at most
 * FA_ENRICH_MMDB_MAX_DEPTH deep. Each data offset is decoded once
 * (memoized), so the check costs at most that depth times the data size.
 * libmaxminddb then maps the same file, and the mapped bytes are
 * compared with the checked ones, so a file replaced in between is not
 * trusted unchecked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <maxminddb.h>

#include "enrich/enrich_int.h"

#define MARKER "\xab\xcd\xefMaxMind.com"
#define MARKER_LEN 14
#define META_MAX (128 * 1024)
#define META_BUDGET (1 << 16)

struct mmdb_file {
	MMDB_s db;
	const char *path;	/* in the set's arena */
	bool v6_tree;
};

/* A decoded value, shallowly: containers report their size only. */
struct val {
	int type;
	uint64_t u;		/* unsigned integers up to 64 bits */
	const uint8_t *s;	/* strings and bytes */
	size_t len;		/* their length, or a container's size */
	unsigned height;	/* nesting below this value */
};

/* Decoding state of one section (data or metadata). */
struct dec {
	const uint8_t *base;
	size_t size;
	uint8_t *memo;		/* data section: 0 unseen, 1 in progress,
				 * 2 + height when checked; NULL: metadata */
	uint64_t budget;	/* values still allowed to be decoded */
	char *why;
	size_t whylen;
};

static bool fail(struct dec *c, const char *fmt, ...) FA_PRINTF(2, 3);

static bool fail(struct dec *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return false;
}

static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t b = s[i];
		size_t k;
		uint32_t cp;
		if (b < 0x80) {
			i++;
			continue;
		} else if ((b & 0xe0) == 0xc0) {
			k = 1;
			cp = b & 0x1f;
		} else if ((b & 0xf0) == 0xe0) {
			k = 2;
			cp = b & 0x0f;
		} else if ((b & 0xf8) == 0xf0) {
			k = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (n - i <= k) {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			return false;
		}
		i += k + 1;
	}
	return true;
}

static bool get_bytes(struct dec *c, size_t *off, size_t n, uint64_t *v)
{
	if (n > c->size - *off) {
		return fail(c, "value at offset %zu runs past the end of its section", *off);
	}
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		*v = (*v << 8) | c->base[(*off)++];
	}
	return true;
}

static bool value(struct dec *c, size_t *off, unsigned depth, bool deep, struct val *v);

/* Follow a pointer to target; a pointer to a pointer is invalid. */
static bool follow(struct dec *c, size_t target, unsigned depth, bool deep, struct val *v)
{
	if (target >= c->size) {
		return fail(c, "pointer to offset %zu is past the end of its section (%zu bytes)",
			    target, c->size);
	}
	if ((c->base[target] >> 5) == 1) {
		return fail(c, "pointer at offset %zu points at another pointer", target);
	}
	size_t t = target;
	if (c->memo == NULL) {
		return value(c, &t, depth, deep, v);
	}
	uint8_t m = c->memo[target];
	if (m == 1) {
		return fail(c, "pointer to offset %zu makes a cycle", target);
	}
	if (m >= 2) {
		if (depth + (unsigned)(m - 2) > FA_ENRICH_MMDB_MAX_DEPTH) {
			return fail(c, "data nested deeper than %d levels",
				    FA_ENRICH_MMDB_MAX_DEPTH);
		}
		/* Checked already: only its type and scalar value now. */
		if (!value(c, &t, depth, false, v)) {
			return false;
		}
		v->height = (unsigned)(m - 2);
		return true;
	}
	c->memo[target] = 1;
	if (!value(c, &t, depth, true, v)) {
		return false;
	}
	c->memo[target] = (uint8_t)(2 + v->height);
	return true;
}

static bool container(struct dec *c, size_t *off, unsigned depth, struct val *v)
{
	size_t items = v->type == MMDB_DATA_TYPE_MAP ? 2 * v->len : v->len;
	if (items > c->size - *off) {
		return fail(c, "%s at offset %zu claims %zu entries, more than the bytes left",
			    v->type == MMDB_DATA_TYPE_MAP ? "map" : "array", *off, v->len);
	}
	if (depth >= FA_ENRICH_MMDB_MAX_DEPTH) {
		return fail(c, "data nested deeper than %d levels", FA_ENRICH_MMDB_MAX_DEPTH);
	}
	unsigned h = 0;
	for (size_t i = 0; i < items; i++) {
		struct val child;
		size_t at = *off;
		if (!value(c, off, depth + 1, true, &child)) {
			return false;
		}
		bool key = v->type == MMDB_DATA_TYPE_MAP && i % 2 == 0;
		if (key && child.type != MMDB_DATA_TYPE_UTF8_STRING) {
			return fail(c, "map key at offset %zu is not a UTF-8 string", at);
		}
		if (child.height > h) {
			h = child.height;
		}
	}
	v->height = h + 1;
	return true;
}

/*
 * Decode the value at *off and move *off past it. deep: check what a
 * container holds (otherwise only its header: the caller knows it was
 * checked).
 */
static bool value(struct dec *c, size_t *off, unsigned depth, bool deep, struct val *v)
{
	size_t at = *off;
	uint64_t x = 0;

	memset(v, 0, sizeof(*v));
	if (c->budget == 0) {
		return fail(c, "data structures too large to check");
	}
	c->budget--;
	if (at >= c->size) {
		return fail(c, "value at offset %zu is past the end of its section", at);
	}
	uint8_t ctrl = c->base[(*off)++];
	int type = ctrl >> 5;

	if (type == MMDB_DATA_TYPE_POINTER) {
		unsigned ss = (ctrl >> 3) & 3;
		static const uint64_t add[4] = { 0, 2048, 526336, 0 };
		if (!get_bytes(c, off, ss + 1, &x)) {
			return false;
		}
		if (ss < 3) {
			x |= (uint64_t)(ctrl & 7) << (8 * (ss + 1));
		}
		return follow(c, (size_t)(x + add[ss]), depth, deep, v);
	}
	if (type == MMDB_DATA_TYPE_EXTENDED) {
		if (!get_bytes(c, off, 1, &x)) {
			return false;
		}
		type = (int)(7 + x);
		if (type < MMDB_DATA_TYPE_INT32 || type > MMDB_DATA_TYPE_FLOAT ||
		    type == MMDB_DATA_TYPE_CONTAINER || type == MMDB_DATA_TYPE_END_MARKER) {
			return fail(c, "value at offset %zu has invalid type %d", at, type);
		}
	}
	v->type = type;

	size_t size = ctrl & 0x1f;
	if (size >= 29) {
		static const size_t extra[3] = { 29, 285, 65821 };
		if (!get_bytes(c, off, size - 28, &x)) {
			return false;
		}
		size = extra[size - 29] + (size_t)x;
	}

	switch (type) {
	case MMDB_DATA_TYPE_UTF8_STRING:
	case MMDB_DATA_TYPE_BYTES:
		if (size > c->size - *off) {
			return fail(c, "%s at offset %zu is longer than its section",
				    type == MMDB_DATA_TYPE_BYTES ? "byte string" : "string", at);
		}
		if (type == MMDB_DATA_TYPE_UTF8_STRING && !utf8_ok(c->base + *off, size)) {
			return fail(c, "string at offset %zu is not valid UTF-8", at);
		}
		v->s = c->base + *off;
		v->len = size;
		*off += size;
		return true;
	case MMDB_DATA_TYPE_DOUBLE:
	case MMDB_DATA_TYPE_FLOAT:
		if (size != (type == MMDB_DATA_TYPE_DOUBLE ? 8u : 4u)) {
			return fail(c, "%s at offset %zu has %zu bytes instead of %d",
				    type == MMDB_DATA_TYPE_DOUBLE ? "double" : "float", at, size,
				    type == MMDB_DATA_TYPE_DOUBLE ? 8 : 4);
		}
		return get_bytes(c, off, size, &x);
	case MMDB_DATA_TYPE_UINT16:
	case MMDB_DATA_TYPE_UINT32:
	case MMDB_DATA_TYPE_INT32:
	case MMDB_DATA_TYPE_UINT64:
	case MMDB_DATA_TYPE_UINT128: {
		size_t max = type == MMDB_DATA_TYPE_UINT16 ? 2 :
			     type == MMDB_DATA_TYPE_UINT64 ? 8 :
			     type == MMDB_DATA_TYPE_UINT128 ? 16 : 4;
		if (size > max) {
			return fail(c,
				    "integer at offset %zu has %zu bytes, more than its type's %zu",
				    at, size, max);
		}
		if (size > 8) {
			uint64_t hi;
			if (!get_bytes(c, off, size - 8, &hi)) {
				return false;
			}
			size = 8;
		}
		if (!get_bytes(c, off, size, &x)) {
			return false;
		}
		v->u = x;
		return true;
	}
	case MMDB_DATA_TYPE_BOOLEAN:
		if (size > 1) {
			return fail(c, "boolean at offset %zu has value %zu", at, size);
		}
		v->u = size;
		return true;
	case MMDB_DATA_TYPE_MAP:
	case MMDB_DATA_TYPE_ARRAY:
		v->len = size;
		if (!deep) {
			return true;
		}
		return container(c, off, depth, v);
	default:
		return fail(c, "value at offset %zu has invalid type %d", at, type);
	}
}

/* The metadata: a map whose values the tree layout depends on. */
struct meta {
	uint64_t node_count, record_size, ip_version, major;
	bool have_nodes, have_record, have_ip, have_major;
	char type[64];
};

static bool is_uint(const struct val *v)
{
	return v->type == MMDB_DATA_TYPE_UINT16 || v->type == MMDB_DATA_TYPE_UINT32 ||
	       v->type == MMDB_DATA_TYPE_UINT64;
}

static bool key_is(const struct val *k, const char *name)
{
	return k->len == strlen(name) && memcmp(k->s, name, k->len) == 0;
}

/* Whether the value at off is a container of the given type whose items
 * (a map's values) are all strings, directly or through pointers. A
 * container reached through a pointer is not looked into (the writers
 * in the corpus do not do that). */
static bool strings_in(struct dec *c, size_t off, int type)
{
	struct val v;

	if (off >= c->size || c->base[off] >> 5 == MMDB_DATA_TYPE_POINTER) {
		return true;
	}
	if (!value(c, &off, 1, false, &v) || v.type != type) {
		return false;
	}
	size_t n = type == MMDB_DATA_TYPE_MAP ? 2 * v.len : v.len;
	for (size_t i = 0; i < n; i++) {
		struct val item;
		if (!value(c, &off, 2, true, &item) ||
		    ((type != MMDB_DATA_TYPE_MAP || i % 2 == 1) &&
		     item.type != MMDB_DATA_TYPE_UTF8_STRING)) {
			return false;
		}
	}
	return true;
}

static bool metadata(struct dec *c, struct meta *m)
{
	size_t off = 0;
	struct val root;

	if (!value(c, &off, 0, false, &root)) {
		return false;
	}
	if (root.type != MMDB_DATA_TYPE_MAP) {
		return fail(c, "metadata is not a map");
	}
	if (2 * root.len > c->size - off) {
		return fail(c, "metadata map claims %zu entries, more than the bytes left",
			    root.len);
	}
	/* libmaxminddb 1.7.1 leaks what it allocated for languages or a
	 * description when it then finds the metadata invalid (an item that
	 * is not a string, a key that comes twice): refuse those first. */
	static const char *const known[] = { "node_count", "record_size", "ip_version",
					     "binary_format_major_version",
					     "binary_format_minor_version", "build_epoch",
					     "database_type", "languages", "description" };
	unsigned seen = 0;
	for (size_t i = 0; i < root.len; i++) {
		struct val k, v;
		if (!value(c, &off, 1, true, &k)) {
			return false;
		}
		if (k.type != MMDB_DATA_TYPE_UTF8_STRING) {
			return fail(c, "metadata key is not a string");
		}
		for (unsigned j = 0; j < sizeof(known) / sizeof(known[0]); j++) {
			if (!key_is(&k, known[j])) {
				continue;
			}
			if (seen & (1u << j)) {
				return fail(c, "key \"%s\" is given twice", known[j]);
			}
			seen |= 1u << j;
		}
		size_t vo = off;
		if (!value(c, &off, 1, true, &v)) {
			return false;
		}
		if (key_is(&k, "languages") && !strings_in(c, vo, MMDB_DATA_TYPE_ARRAY)) {
			return fail(c, "languages is not an array of strings");
		}
		if (key_is(&k, "description") && !strings_in(c, vo, MMDB_DATA_TYPE_MAP)) {
			return fail(c, "description is not a map of strings");
		}
		if (key_is(&k, "node_count") && is_uint(&v)) {
			m->node_count = v.u;
			m->have_nodes = true;
		} else if (key_is(&k, "record_size") && is_uint(&v)) {
			m->record_size = v.u;
			m->have_record = true;
		} else if (key_is(&k, "ip_version") && is_uint(&v)) {
			m->ip_version = v.u;
			m->have_ip = true;
		} else if (key_is(&k, "binary_format_major_version") && is_uint(&v)) {
			m->major = v.u;
			m->have_major = true;
		} else if (key_is(&k, "database_type") &&
			   v.type == MMDB_DATA_TYPE_UTF8_STRING) {
			snprintf(m->type, sizeof(m->type), "%.*s",
				 (int)(v.len > 63 ? 63 : v.len), (const char *)v.s);
		}
	}
	if (!m->have_nodes || !m->have_record || !m->have_ip || !m->have_major) {
		return fail(c, "metadata lacks %s or has it with the wrong type",
			    !m->have_nodes ? "node_count" : !m->have_record ? "record_size" :
			    !m->have_ip ? "ip_version" : "binary_format_major_version");
	}
	if (m->major != 2) {
		return fail(c, "binary format major version is %llu, not 2",
			    (unsigned long long)m->major);
	}
	if (m->record_size != 24 && m->record_size != 28 && m->record_size != 32) {
		return fail(c, "record size is %llu bits, not 24, 28 or 32",
			    (unsigned long long)m->record_size);
	}
	if (m->ip_version != 4 && m->ip_version != 6) {
		return fail(c, "ip_version is %llu, not 4 or 6", (unsigned long long)m->ip_version);
	}
	if (m->node_count == 0 || m->node_count > UINT32_MAX) {
		return fail(c, "node_count %llu is out of range",
			    (unsigned long long)m->node_count);
	}
	return true;
}

/* Everything learnt while checking a file. */
struct check {
	const uint8_t *buf;
	size_t len;
	struct meta m;
	size_t tree_bytes, data_off, data_size;
	uint8_t *node_memo;	/* 0 unseen, 1 in progress, 2 + height */
	uint8_t *data_memo;
	uint32_t *roots;	/* distinct data offsets the tree points at */
	size_t nroots, caproots;
	char *why;
	size_t whylen;
};

static uint32_t record(const struct check *k, uint32_t node, int right)
{
	const uint8_t *p = k->buf + (size_t)node * (k->m.record_size / 4);
	switch (k->m.record_size) {
	case 24:
		p += right ? 3 : 0;
		return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	case 28:
		if (right) {
			return (uint32_t)(p[3] & 0x0f) << 24 | (uint32_t)p[4] << 16 |
			       (uint32_t)p[5] << 8 | p[6];
		}
		return (uint32_t)(p[3] & 0xf0) << 20 | (uint32_t)p[0] << 16 |
		       (uint32_t)p[1] << 8 | p[2];
	default:
		p += right ? 4 : 0;
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
}

static bool tree_fail(struct check *k, const char *fmt, ...) FA_PRINTF(2, 3);

static bool tree_fail(struct check *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->why, k->whylen, fmt, ap);
	va_end(ap);
	return false;
}

/* Every record in range; data offsets collected once each. */
static bool records(struct check *k)
{
	uint64_t nodes = k->m.node_count;
	for (uint32_t n = 0; n < nodes; n++) {
		for (int side = 0; side < 2; side++) {
			uint64_t r = record(k, n, side);
			if (r == 0) {
				/* Nothing may lead back to the root. */
				return tree_fail(k, "record %s of node %u points back at the root "
						 "node", side ? "right" : "left", n);
			}
			if (r <= nodes) {
				continue;
			}
			if (r < nodes + 16) {
				return tree_fail(k, "record %s of node %u points into the data "
						 "section separator", side ? "right" : "left", n);
			}
			uint64_t off = r - nodes - 16;
			if (off >= k->data_size) {
				return tree_fail(k, "record %s of node %u points past the data "
						 "section (offset %llu of %zu bytes)",
						 side ? "right" : "left", n,
						 (unsigned long long)off, k->data_size);
			}
			if (k->data_memo[off] != 0) {
				continue;
			}
			k->data_memo[off] = 1;
			if (fa_enrich_grow((void **)&k->roots, &k->caproots, k->nroots + 1,
					   sizeof(*k->roots)) != FA_OK) {
				return tree_fail(k, "out of memory");
			}
			k->roots[k->nroots++] = (uint32_t)off;
		}
	}
	return true;
}

/* Height of the tree below node: steps to the farthest leaf. */
static bool height(struct check *k, uint32_t node, unsigned depth, unsigned limit,
		   unsigned *h)
{
	uint8_t m = k->node_memo[node];
	if (m == 1) {
		return tree_fail(k, "search tree has a cycle through node %u", node);
	}
	if (m >= 2) {
		*h = (unsigned)(m - 2);
		return true;
	}
	if (depth >= limit) {
		return tree_fail(k, "search tree is deeper than %u bits at node %u", limit, node);
	}
	k->node_memo[node] = 1;
	unsigned best = 0;
	for (int side = 0; side < 2; side++) {
		uint32_t r = record(k, node, side);
		unsigned sub = 0;
		if (r < k->m.node_count && !height(k, r, depth + 1, limit, &sub)) {
			return false;
		}
		if (sub > best) {
			best = sub;
		}
	}
	*h = best + 1;
	if (depth + *h > limit) {
		return tree_fail(k, "search tree is deeper than %u bits below node %u", limit,
				 node);
	}
	k->node_memo[node] = (uint8_t)(2 + *h);
	return true;
}

static const uint8_t *find_marker(const uint8_t *buf, size_t len)
{
	if (len < MARKER_LEN) {
		return NULL;
	}
	size_t stop = len > META_MAX ? len - META_MAX : 0;
	for (size_t i = len - MARKER_LEN + 1; i-- > stop;) {
		if (buf[i] == 0xab && memcmp(buf + i, MARKER, MARKER_LEN) == 0) {
			return buf + i;
		}
	}
	return NULL;
}

static bool check_file(struct check *k)
{
	const uint8_t *marker = find_marker(k->buf, k->len);
	if (marker == NULL) {
		return tree_fail(k, "no metadata marker in the last %d KiB", META_MAX / 1024);
	}
	size_t meta_off = (size_t)(marker - k->buf) + MARKER_LEN;
	struct dec md = { k->buf + meta_off, k->len - meta_off, NULL, META_BUDGET, k->why,
			  k->whylen };
	if (!metadata(&md, &k->m)) {
		char tmp[256];
		snprintf(tmp, sizeof(tmp), "%s", k->why);
		return tree_fail(k, "metadata: %s", tmp);
	}

	uint64_t tree = k->m.node_count * (k->m.record_size / 4);
	size_t marker_off = (size_t)(marker - k->buf);
	if (tree + 16 > marker_off) {
		return tree_fail(k, "node_count %llu needs a %llu-byte search tree, but the "
				 "metadata starts at byte %zu",
				 (unsigned long long)k->m.node_count, (unsigned long long)tree,
				 marker_off);
	}
	k->tree_bytes = (size_t)tree;
	k->data_off = (size_t)tree + 16;
	k->data_size = marker_off - k->data_off;
	for (size_t i = 0; i < 16; i++) {
		if (k->buf[tree + i] != 0) {
			return tree_fail(k, "the 16 bytes after the search tree are not zero "
					 "(wrong node_count?)");
		}
	}

	k->node_memo = calloc((size_t)k->m.node_count, 1);
	k->data_memo = calloc(k->data_size + 1, 1);
	if (k->node_memo == NULL || k->data_memo == NULL) {
		return tree_fail(k, "out of memory");
	}
	if (!records(k)) {
		return false;
	}
	unsigned h;
	if (!height(k, 0, 0, k->m.ip_version == 6 ? 128 : 32, &h)) {
		return false;
	}

	/* The roots were marked 1 to collect them once; decode them now. */
	struct dec dd = { k->buf + k->data_off, k->data_size, k->data_memo,
			  ((uint64_t)k->data_size + 1) * (FA_ENRICH_MMDB_MAX_DEPTH + 2),
			  k->why, k->whylen };
	for (size_t i = 0; i < k->nroots; i++) {
		k->data_memo[k->roots[i]] = 0;
	}
	for (size_t i = 0; i < k->nroots; i++) {
		struct val v;
		if (k->data_memo[k->roots[i]] != 0) {
			continue;	/* reached through a pointer already */
		}
		if (!follow(&dd, k->roots[i], 0, true, &v)) {
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s", k->why);
			return tree_fail(k, "data section: %s", tmp);
		}
	}
	return true;
}

static void check_free(struct check *k)
{
	free(k->node_memo);
	free(k->data_memo);
	free(k->roots);
}

/* Count the records with an ASN; a value of the wrong type refuses. */
static bool count_asn(const MMDB_s *db, const struct check *k, size_t *with_asn, char *why,
		      size_t whylen)
{
	static const char *const asn_path[] = { "autonomous_system_number", NULL };
	static const char *const org_path[] = { "autonomous_system_organization", NULL };

	*with_asn = 0;
	for (size_t i = 0; i < k->nroots; i++) {
		MMDB_entry_s ent = { db, k->roots[i] };
		MMDB_entry_data_s d;
		int rc = MMDB_aget_value(&ent, &d, asn_path);
		if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
			continue;	/* not a map: not an ASN record */
		}
		if (rc != MMDB_SUCCESS) {
			snprintf(why, whylen, "data record at offset %u: %s", k->roots[i],
				 MMDB_strerror(rc));
			return false;
		}
		if (!d.has_data) {
			continue;
		}
		if (d.type != MMDB_DATA_TYPE_UINT16 && d.type != MMDB_DATA_TYPE_UINT32 &&
		    !(d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)) {
			snprintf(why, whylen, "data record at offset %u: autonomous_system_number "
				 "is not an unsigned 32-bit integer", k->roots[i]);
			return false;
		}
		rc = MMDB_aget_value(&ent, &d, org_path);
		if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
			d.has_data = false;	/* libmaxminddb's "no such key" */
		} else if (rc != MMDB_SUCCESS) {
			snprintf(why, whylen, "data record at offset %u: %s", k->roots[i],
				 MMDB_strerror(rc));
			return false;
		}
		if (d.has_data && d.type != MMDB_DATA_TYPE_UTF8_STRING) {
			snprintf(why, whylen, "data record at offset %u: "
				 "autonomous_system_organization is not a string", k->roots[i]);
			return false;
		}
		(*with_asn)++;
	}
	return true;
}

/*
 * Check path, open it with libmaxminddb and count its ASN records.
 * On success *db is open (the caller closes it).
 */
static int open_checked(const char *path, MMDB_s *db, size_t *with_asn, char *detail,
			size_t detlen, char *err, size_t errlen)
{
	struct check k = { 0 };
	char why[512] = "";
	char *buf = NULL;
	size_t len;
	bool opened = false;
	int rc = fa_enrich_read_file(path, FA_ENRICH_MAX_FILE, &buf, &len, err, errlen);

	if (rc != FA_OK) {
		return rc;
	}
	k.buf = (const uint8_t *)buf;
	k.len = len;
	k.why = why;
	k.whylen = sizeof(why);
	if (!check_file(&k)) {
		rc = strcmp(why, "out of memory") == 0 ? FA_ENOMEM : FA_EPARSE;
		goto out;
	}
	int mrc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (mrc != MMDB_SUCCESS) {
		snprintf(why, sizeof(why), "libmaxminddb: %s", MMDB_strerror(mrc));
		rc = FA_EPARSE;
		goto out;
	}
	opened = true;
	if (db->file_size < 0 || (size_t)db->file_size != len ||
	    memcmp(db->file_content, buf, len) != 0) {
		snprintf(why, sizeof(why), "file changed while it was opened");
		rc = FA_EPARSE;
		goto out;
	}
	if (!count_asn(db, &k, with_asn, why, sizeof(why))) {
		rc = FA_EPARSE;
		goto out;
	}
	if (detail != NULL) {
		snprintf(detail, detlen, "%s, IPv%d tree, %llu node%s, %zu data record%s, "
			 "%zu with an ASN", k.m.type[0] != '\0' ? k.m.type : "(no type)",
			 (int)k.m.ip_version, (unsigned long long)k.m.node_count,
			 k.m.node_count == 1 ? "" : "s", k.nroots, k.nroots == 1 ? "" : "s",
			 *with_asn);
	}
out:
	if (rc == FA_EPARSE) {
		snprintf(err, errlen, "\"%s\" is not a usable MaxMind DB: %s", path, why);
	} else if (rc == FA_ENOMEM) {
		snprintf(err, errlen, "could not check \"%s\": out of memory", path);
	}
	if (rc != FA_OK && opened) {
		MMDB_close(db);
	}
	check_free(&k);
	free(buf);
	return rc;
}

int fa_enrich_mmdb_check(const char *path, size_t *with_asn, char *detail, size_t detlen,
			 char *err, size_t errlen)
{
	MMDB_s db;
	size_t n = 0;
	int rc = open_checked(path, &db, &n, detail, detlen, err, errlen);
	if (rc == FA_OK) {
		MMDB_close(&db);
	}
	if (with_asn != NULL) {
		*with_asn = n;
	}
	return rc;
}

int fa_enrich_add_mmdb(struct fa_enrich *e, const char *path, struct fa_enrich_diag *diag)
{
	char err[1024], detail[160];
	size_t with_asn = 0, idx;
	struct mmdb_file *m = NULL;
	int rc;

	if (e->finished) {
		return FA_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return FA_ENOMEM;
	}
	rc = open_checked(path, &m->db, &with_asn, detail, sizeof(detail), err, sizeof(err));
	if (rc != FA_OK) {
		fa_enrich_diag_add(diag, "%s", err);
		free(m);
		return rc;
	}
	if (with_asn == 0) {
		fa_enrich_diag_add(diag, "\"%s\" is not usable for IP to ASN: no record has "
				   "autonomous_system_number (%s)", path, detail);
		MMDB_close(&m->db);
		free(m);
		return FA_EPARSE;
	}
	m->v6_tree = m->db.metadata.ip_version == 6;
	if (fa_enrich_add_source(e, FA_ENRICH_KIND_MMDB, path, &idx) != FA_OK ||
	    fa_enrich_grow((void **)&e->mmdb, &e->capmmdb, e->nmmdb + 1,
			   sizeof(*e->mmdb)) != FA_OK) {
		MMDB_close(&m->db);
		free(m);
		return FA_ENOMEM;
	}
	m->path = e->src[idx].path;
	e->src[idx].entries = with_asn;
	snprintf(e->src[idx].detail, sizeof(e->src[idx].detail), "%s", detail);
	e->mmdb[e->nmmdb++] = m;
	return FA_OK;
}

void fa_enrich_mmdb_close(struct mmdb_file *m)
{
	if (m == NULL) {
		return;
	}
	MMDB_close(&m->db);
	free(m);
}

/* Cut s to fit a buffer of cap bytes at a UTF-8 character boundary. */
static void copy_utf8(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int fa_enrich_mmdb_lookup(const struct mmdb_file *m, const struct fa_enrich_addr *a,
			  struct fa_enrich_asn *out, char *err, size_t errlen)
{
	static const char *const asn_path[] = { "autonomous_system_number", NULL };
	static const char *const org_path[] = { "autonomous_system_organization", NULL };
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	int mrc;

	if (a->family == 6 && !m->v6_tree) {
		return FA_OK;	/* an IPv4-only file knows no IPv6 address */
	}
	if (a->family == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, a->b, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, a->b, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&m->db, sa, &mrc);
	if (mrc != MMDB_SUCCESS) {
		snprintf(err, errlen, "lookup in \"%s\" failed: %s", m->path, MMDB_strerror(mrc));
		return FA_EPARSE;
	}
	if (!res.found_entry) {
		return FA_OK;
	}
	MMDB_entry_data_s d;
	mrc = MMDB_aget_value(&res.entry, &d, asn_path);
	if (mrc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
		return FA_OK;	/* no such key, or a record that is not a map */
	}
	if (mrc != MMDB_SUCCESS) {
		snprintf(err, errlen, "lookup in \"%s\" failed: %s", m->path, MMDB_strerror(mrc));
		return FA_EPARSE;
	}
	if (!d.has_data) {
		return FA_OK;
	}
	uint32_t asn = d.type == MMDB_DATA_TYPE_UINT16 ? d.uint16 :
		       d.type == MMDB_DATA_TYPE_UINT32 ? d.uint32 : (uint32_t)d.uint64;
	if (asn == 0) {
		return FA_OK;
	}
	out->asn = asn;
	out->source = FA_ENRICH_ASN_MMDB;
	out->file = m->path;
	/* libmaxminddb counts an IPv4 address's network in the IPv6 tree; a
	 * network above the IPv4 subtree (::/64, say) holds all of IPv4. */
	unsigned nm = res.netmask;
	if (a->family == 4 && m->v6_tree) {
		nm = nm >= 96 ? nm - 96 : 0;
	}
	out->prefix_len = nm;
	out->org[0] = '\0';
	mrc = MMDB_aget_value(&res.entry, &d, org_path);
	if (mrc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
		return FA_OK;
	}
	if (mrc != MMDB_SUCCESS) {
		snprintf(err, errlen, "lookup in \"%s\" failed: %s", m->path, MMDB_strerror(mrc));
		return FA_EPARSE;
	}
	if (d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
		copy_utf8(out->org, sizeof(out->org), d.utf8_string, d.data_size);
	}
	return FA_OK;
}
