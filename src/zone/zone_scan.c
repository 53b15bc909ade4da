/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading master files with libzscanner, one record at a time, so that
 * $INCLUDE is under our control and the first error stops everything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libzscanner/scanner.h>

#include "common/fa_addr.h"
#include "common/fa_file.h"
#include "common/fa_name.h"
#include "zone/zone_int.h"

/* Nested $INCLUDE files beyond this depth are refused (loops). */
#define MAX_INCLUDE_DEPTH 8

/* Parsed input pages are given back to the kernel every this many bytes:
 * libzscanner maps the whole file, and the pages read would otherwise
 * stay resident and make memory proportional to the file. */
#define DROP_EVERY (16u << 20)

struct scan {
	const struct fa_zone_opts *opts;
	uint8_t origin[256];
	fa_zone_rr_fn fn;
	void *arg;
	const char *name;	/* the top file's name in messages */
	const zs_scanner_t *top;
	/* the last owner and where it lies: records of one owner usually
	 * follow each other */
	uint8_t last[256];
	size_t last_len;
	bool last_below, last_apex;
	char *err;
	size_t errlen;
};

static bool is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '*';
}

void fa_zone_name_text(const uint8_t *wire, char *out, size_t outlen)
{
	char raw[ZONE_NAMESZ];
	size_t o = 0;

	/* Presentation form, lower case, escaped where not plain. */
	for (const uint8_t *p = wire; *p != 0 && *p <= 63; p += *p + 1) {
		if (o > 0) {
			raw[o++] = '.';
		}
		for (unsigned i = 1; i <= *p; i++) {
			unsigned char c = p[i];
			if (c >= 'A' && c <= 'Z') {
				c = (unsigned char)(c - 'A' + 'a');
			}
			if (is_plain(c)) {
				raw[o++] = (char)c;
			} else if (c > 0x20 && c < 0x7f) {
				raw[o++] = '\\';
				raw[o++] = (char)c;
			} else {
				o += (size_t)snprintf(raw + o, 5, "\\%03u", c);
			}
		}
	}
	raw[o] = '\0';

	/* The shared spelling where it applies, so that zone names join
	 * EPP names; names it refuses keep the escaped form. */
	if (fa_name_normalize(raw, o, FA_NAME_UNDERSCORE, out, outlen, NULL,
			      0) != FA_OK) {
		snprintf(out, outlen, "%s", raw);
	}
}

static size_t wire_len(const uint8_t *n)
{
	const uint8_t *p = n;
	while (*p != 0) {
		p += *p + 1;
	}
	return (size_t)(p - n) + 1;
}

static bool wire_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (uint8_t)(x + 32);
		}
		if (y >= 'A' && y <= 'Z') {
			y = (uint8_t)(y + 32);
		}
		if (x != y) {
			return false;
		}
	}
	return true;
}

bool zone_wire_below(const uint8_t *n, const uint8_t *o, bool *apex)
{
	size_t nl = wire_len(n), ol = wire_len(o);

	*apex = false;
	if (nl < ol) {
		return false;
	}
	/* Walk label boundaries: the suffix must start at one. */
	const uint8_t *p = n;
	while ((size_t)(p - n) < nl - ol) {
		p += *p + 1;
	}
	if ((size_t)(p - n) != nl - ol || !wire_eq(p, o, ol)) {
		return false;
	}
	*apex = (nl == ol);
	return !*apex;
}

bool zone_model_type(uint16_t type)
{
	return type == ZT_NS || type == ZT_DS || type == ZT_A || type == ZT_AAAA;
}

bool zone_soa_serial(const struct fa_zone_rr *rr, uint32_t *serial)
{
	size_t off = 0;

	for (int i = 0; i < 2; i++) {
		while (off < rr->rdlen && rr->rdata[off] != 0) {
			off += rr->rdata[off] + 1u;
		}
		off++;
	}
	if (off + 4 > rr->rdlen) {
		return false;
	}
	const uint8_t *p = rr->rdata + off;
	*serial = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		  (uint32_t)p[2] << 8 | p[3];
	return true;
}

int zone_rr_value(const struct fa_zone_rr *rr, char *out, size_t outlen)
{
	char tmp[INET6_ADDRSTRLEN];

	switch (rr->type) {
	case ZT_NS:
		if (rr->rdlen < 1 || wire_len(rr->rdata) > rr->rdlen) {
			return FA_EPARSE;
		}
		fa_zone_name_text(rr->rdata, out, outlen);
		return FA_OK;
	case ZT_A:
	case ZT_AAAA:
		if (rr->rdlen != (rr->type == ZT_A ? 4u : 16u) ||
		    inet_ntop(rr->type == ZT_A ? AF_INET : AF_INET6, rr->rdata,
			      tmp, sizeof(tmp)) == NULL) {
			return FA_EPARSE;
		}
		return fa_addr_normalize(tmp, strlen(tmp), FA_ADDR_ANY, out, outlen,
					 NULL, NULL, 0) == FA_OK ? FA_OK : FA_EPARSE;
	case ZT_DS: {
		if (rr->rdlen < 4 || outlen < 2 * rr->rdlen + 24) {
			return FA_EPARSE;
		}
		const uint8_t *d = rr->rdata;
		int o = snprintf(out, outlen, "%u %u %u ", (unsigned)d[0] << 8 | d[1],
				 d[2], d[3]);
		static const char hex[] = "0123456789ABCDEF";
		for (uint32_t i = 4; i < rr->rdlen; i++) {
			out[o++] = hex[d[i] >> 4];
			out[o++] = hex[d[i] & 15];
		}
		out[o] = '\0';
		return FA_OK;
	}
	default:
		return FA_EINVAL;
	}
}

static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t zone_hash(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);

	/* Eight octets a step (names and rdata are short, and this runs
	 * for every record twice), then a final avalanche. */
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ fmix(w ^ 0x2545f4914f6cdd1dULL)) * 0x9e3779b97f4a7c15ULL;
		b += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, b, len);
	h = (h ^ fmix(w ^ (uint64_t)len << 56)) * 0x9e3779b97f4a7c15ULL;
	return fmix(h);
}

uint64_t zone_wire_key(const uint8_t *wire, uint64_t seed)
{
	uint8_t low[256];
	size_t n = 0;

	while (n < sizeof(low) && wire[n] != 0) {
		size_t l = wire[n];
		low[n++] = (uint8_t)l;
		for (size_t i = 0; i < l && n < sizeof(low); i++, n++) {
			uint8_t c = wire[n];
			low[n] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
		}
	}
	return zone_hash(low, n, seed);
}

static void drop_parsed(zs_scanner_t *s, const char **dropped)
{
	const char *start = s->input.start, *cur = s->input.current;

	/* Only inside the file mapping, and only well behind the parser. */
	if (!s->input.mmaped || start == NULL || cur < start ||
	    cur > s->input.end) {
		return;
	}
	if (*dropped < start || *dropped > cur) {
		*dropped = start;
	}
	if ((size_t)(cur - *dropped) < DROP_EVERY) {
		return;
	}
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)*dropped + pg - 1) & ~(pg - 1);
	uintptr_t to = ((uintptr_t)cur - (1u << 20)) & ~(pg - 1);
	if (to > from) {
		(void)madvise((void *)from, to - from, MADV_DONTNEED);
		*dropped = (const char *)to;
	}
}

static int scan_one(struct scan *sc, zs_scanner_t *s, int depth);

static const char *fname(const struct scan *sc, const zs_scanner_t *s)
{
	if (s == sc->top || s->file.name == NULL) {
		return sc->name;
	}
	return s->file.name;
}

static int do_include(struct scan *sc, zs_scanner_t *s, int depth)
{
	if (!sc->opts->allow_include) {
		snprintf(sc->err, sc->errlen,
			 "\"%s\" line %llu: $INCLUDE \"%s\" refused (not allowed "
			 "for this zone)", fname(sc, s),
			 (unsigned long long)s->line_counter, s->include_filename);
		return FA_EREFUSED;
	}
	if (depth >= MAX_INCLUDE_DEPTH) {
		snprintf(sc->err, sc->errlen,
			 "\"%s\" line %llu: $INCLUDE nested deeper than %d",
			 fname(sc, s),
			 (unsigned long long)s->line_counter, MAX_INCLUDE_DEPTH);
		return FA_ELIMIT;
	}

	/* libzscanner leaves the origin of the included file in buffer as
	 * text (escaped, absolute), ready for zs_init. */
	char origin[ZONE_NAMESZ];
	snprintf(origin, sizeof(origin), "%.*s", (int)strnlen((char *)s->buffer,
			sizeof(origin) - 1), (char *)s->buffer);
	if (origin[0] == '\0') {
		snprintf(sc->err, sc->errlen, "\"%s\" line %llu: $INCLUDE without origin",
			 fname(sc, s), (unsigned long long)s->line_counter);
		return FA_EPARSE;
	}

	zs_scanner_t *sub = malloc(sizeof(*sub));
	if (sub == NULL) {
		return FA_ENOMEM;
	}
	int rc;
	if (zs_init(sub, origin, s->default_class, s->default_ttl) != 0) {
		rc = FA_EINVAL;
		snprintf(sc->err, sc->errlen, "included origin \"%s\": %s", origin,
			 zs_strerror(sub->error.code));
		free(sub);
		return rc;
	}
	/* A FIFO would block libzscanner's open() for good. */
	char why[1024];
	if (fa_file_check_regular(s->include_filename, why, sizeof(why)) != FA_OK) {
		snprintf(sc->err, sc->errlen, "\"%s\" line %llu: %s", fname(sc, s),
			 (unsigned long long)s->line_counter, why);
		rc = FA_EIO;
		goto out;
	}
	if (zs_set_input_file(sub, s->include_filename) != 0) {
		snprintf(sc->err, sc->errlen,
			 "\"%s\" line %llu: could not open included \"%s\": %s",
			 fname(sc, s),
			 (unsigned long long)s->line_counter, s->include_filename,
			 zs_strerror(sub->error.code));
		rc = FA_EIO;
		goto out;
	}
	rc = scan_one(sc, sub, depth + 1);
out:
	zs_deinit(sub);
	free(sub);
	return rc;
}

static int deliver(struct scan *sc, zs_scanner_t *s)
{
	struct fa_zone_rr rr = {
		.owner_wire = s->r_owner,
		.type = s->r_type,
		.ttl = s->r_ttl,
		.rdata = s->r_data,
		.rdlen = s->r_data_length,
		.line = s->line_counter,
	};
	size_t olen = s->r_owner_length;
	if (olen != sc->last_len || olen > sizeof(sc->last) ||
	    memcmp(s->r_owner, sc->last, olen) != 0) {
		sc->last_below = zone_wire_below(s->r_owner, sc->origin,
						 &sc->last_apex);
		sc->last_len = olen <= sizeof(sc->last) ? olen : 0;
		memcpy(sc->last, s->r_owner, sc->last_len);
	}
	rr.below = sc->last_below;
	rr.apex = sc->last_apex;
	if (rr.type == ZT_NS) {
		bool apex;
		rr.target_below = zone_wire_below(s->r_data, sc->origin, &apex);
	}
	return sc->fn(sc->arg, &rr);
}

static int scan_one(struct scan *sc, zs_scanner_t *s, int depth)
{
	const char *dropped = NULL;

	for (;;) {
		if (zs_parse_record(s) != 0 || s->state == ZS_STATE_ERROR) {
			snprintf(sc->err, sc->errlen, "\"%s\" line %llu: %s",
				 fname(sc, s),
				 (unsigned long long)s->line_counter,
				 zs_strerror(s->error.code));
			return FA_EPARSE;
		}
		int rc = FA_OK;
		switch (s->state) {
		case ZS_STATE_DATA:
			rc = deliver(sc, s);
			break;
		case ZS_STATE_INCLUDE:
			rc = do_include(sc, s, depth);
			break;
		case ZS_STATE_EOF:
		case ZS_STATE_STOP:
			return FA_OK;
		default:
			break;
		}
		if (rc != FA_OK) {
			return rc;
		}
		drop_parsed(s, &dropped);
	}
}

static int origin_text(const char *in, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	size_t len = strlen(in);

	if (len == 0 || len + 2 > outlen) {
		snprintf(err, errlen, "invalid origin \"%s\"", in);
		return FA_EINVAL;
	}
	memcpy(out, in, len + 1);
	if (out[len - 1] != '.') {
		out[len] = '.';
		out[len + 1] = '\0';
	}
	return FA_OK;
}

static int scan_common(const char *name, const char *text, size_t len,
		       const struct fa_zone_opts *opts, fa_zone_rr_fn fn, void *arg,
		       char *err, size_t errlen)
{
	char origin[ZONE_NAMESZ];
	struct scan sc = { .opts = opts, .fn = fn, .arg = arg, .name = name,
			   .err = err,
			   .errlen = errlen };
	int rc = origin_text(opts->origin, origin, sizeof(origin), err, errlen);
	if (rc != FA_OK) {
		return rc;
	}

	zs_scanner_t *s = malloc(sizeof(*s));
	if (s == NULL) {
		return FA_ENOMEM;
	}
	if (zs_init(s, origin, 1, 3600) != 0) {
		snprintf(err, errlen, "invalid origin \"%s\": %s", opts->origin,
			 zs_strerror(s->error.code));
		free(s);
		return FA_EINVAL;
	}
	/* The scanner's own origin in wire form: the apex test needs it. */
	memcpy(sc.origin, s->zone_origin,
	       s->zone_origin_length < sizeof(sc.origin) ? s->zone_origin_length
							 : sizeof(sc.origin));

	/* A FIFO would block libzscanner's open() for good. */
	if (text == NULL && fa_file_check_regular(name, err, errlen) != FA_OK) {
		rc = FA_EIO;
		goto out;
	}
	int set = text != NULL ? zs_set_input_string(s, text, len)
			       : zs_set_input_file(s, name);
	if (set != 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", name,
			 errno != 0 ? strerror(errno) : zs_strerror(s->error.code));
		rc = FA_EIO;
		goto out;
	}
	sc.top = s;
	rc = scan_one(&sc, s, 0);
out:
	zs_deinit(s);
	free(s);
	return rc;
}

int fa_zone_scan(const char *path, const struct fa_zone_opts *opts,
		 fa_zone_rr_fn fn, void *arg, char *err, size_t errlen)
{
	errno = 0;
	return scan_common(path, NULL, 0, opts, fn, arg, err, errlen);
}

int fa_zone_scan_mem(const char *name, const char *text, size_t len,
		     const struct fa_zone_opts *opts, fa_zone_rr_fn fn, void *arg,
		     char *err, size_t errlen)
{
	errno = 0;
	return scan_common(name, text, len, opts, fn, arg, err, errlen);
}

const char *fa_zone_kind_name(enum fa_zone_kind kind)
{
	static const char *const names[] = {
		"delegation_add", "delegation_rem", "ns_add", "ns_rem",
		"glue_add", "glue_rem", "ds_add", "ds_rem", "ttl_change",
	};
	if ((unsigned)kind < sizeof(names) / sizeof(names[0])) {
		return names[kind];
	}
	return "unknown";
}
