/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Incremental inputs: an IXFR as `dig ixfr=N` prints it, and BIND's
 * journal print. Both become a list of record deletions and additions in
 * input order; a record deleted and added again (or the reverse) cancels,
 * and what remains is compared like the detail of two snapshots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone_int.h"

/* Journal and IXFR prints are read whole; a bound keeps hostile ones
 * from taking the machine's memory. */
#define MAX_INCR_BYTES (256u << 20)

enum ixfr_state {
	IX_START,	/* expecting the first (new) SOA */
	IX_FIRST,	/* after it: expecting an old SOA */
	IX_DEL,		/* deletions of a sequence */
	IX_ADD,		/* additions of a sequence */
	IX_END,		/* after the closing SOA */
};

struct incr {
	enum fa_zone_incr_format fmt;
	enum ixfr_state st;
	uint32_t final_serial, seq_serial;
	bool has_serial;
	struct fa_zone_serials serials;	/* first old and last new SOA */
	const char *name;
	const char *ops;	/* journal: per line, 'a', 'd' or 0 */
	size_t nlines;
	uint64_t line;		/* of the current record, for messages */
	struct zone_recs recs;
	uint64_t seq;
	char *val;
	char *err;
	size_t errlen;
};

static int bad(struct incr *in, const char *why)
{
	snprintf(in->err, in->errlen, "\"%s\" line %llu: %s", in->name,
		 (unsigned long long)in->line, why);
	return FA_EPARSE;
}

/* The IXFR framing: which list the current record belongs to (0 deleted,
 * 1 added), or -1 for a framing SOA. */
static int ixfr_step(struct incr *in, const struct fa_zone_rr *rr, int *ver)
{
	uint32_t serial = 0;
	bool soa = rr->type == ZT_SOA && rr->apex;

	if (soa && !zone_soa_serial(rr, &serial)) {
		return bad(in, "malformed SOA");
	}
	*ver = -1;
	switch (in->st) {
	case IX_START:
		if (!soa) {
			return bad(in, "an IXFR starts with the SOA of the zone");
		}
		in->final_serial = serial;
		in->has_serial = true;
		in->st = IX_FIRST;
		return FA_OK;
	case IX_FIRST:
		if (!soa) {
			return bad(in, "not an incremental transfer (full zone, "
				       "AXFR style)");
		}
		in->serials.from = serial;
		in->serials.has_from = true;
		in->st = IX_DEL;
		return FA_OK;
	case IX_DEL:
		if (soa) {
			in->seq_serial = serial;
			in->st = IX_ADD;
			return FA_OK;
		}
		*ver = 0;
		return FA_OK;
	case IX_ADD:
		if (soa) {
			in->st = serial == in->final_serial &&
					 in->seq_serial == in->final_serial
				 ? IX_END : IX_DEL;
			return FA_OK;
		}
		*ver = 1;
		return FA_OK;
	case IX_END:
	default:
		return bad(in, "record after the closing SOA of the IXFR");
	}
}

static int on_rr(void *arg, const struct fa_zone_rr *rr)
{
	struct incr *in = arg;
	int ver;
	int rc;

	in->line = rr->line;
	if (in->fmt == FA_ZONE_IXFR) {
		rc = ixfr_step(in, rr, &ver);
		if (rc != FA_OK) {
			return rc;
		}
	} else {
		char op = in->line < in->nlines ? in->ops[in->line] : 0;
		ver = op == 'a' ? 1 : 0;
		if (rr->type == ZT_SOA && rr->apex && op == 'a') {
			in->has_serial = zone_soa_serial(rr, &in->final_serial);
		}
		if (rr->type == ZT_SOA && rr->apex && op == 'd' &&
		    !in->serials.has_from) {
			in->serials.has_from =
				zone_soa_serial(rr, &in->serials.from);
		}
	}
	if (ver < 0 || !rr->below || !zone_model_type(rr->type)) {
		return FA_OK;
	}
	if (zone_rr_value(rr, in->val, ZONE_VALSZ) != FA_OK) {
		return bad(in, "malformed rdata");
	}
	char owner[ZONE_NAMESZ];
	fa_zone_name_text(rr->owner_wire, owner, sizeof(owner));
	if (zone_recs_push(&in->recs, owner, in->val, rr->type, rr->ttl,
			   (uint8_t)ver, 1, in->seq++) != FA_OK) {
		return FA_ENOMEM;
	}
	return FA_OK;
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct zone_rec *a = pa, *b = pb;
	int c = strcmp(a->owner, b->owner);
	if (c == 0 && a->type != b->type) {
		c = a->type < b->type ? -1 : 1;
	}
	if (c == 0) {
		c = strcmp(a->val, b->val);
	}
	if (c == 0 && a->ttl != b->ttl) {
		c = a->ttl < b->ttl ? -1 : 1;
	}
	if (c == 0 && a->seq != b->seq) {
		c = a->seq < b->seq ? -1 : 1;
	}
	return c;
}

/* Fold deletions and additions of the same record in input order: only
 * the net effect stays, as one old (deleted) or new (added) record. */
static void fold(struct zone_recs *r)
{
	size_t out = 0;

	if (r->n > 1) {
		qsort(r->v, r->n, sizeof(r->v[0]), rec_cmp);
	}
	for (size_t i = 0; i < r->n;) {
		size_t j = i;
		long net = 0;
		while (j < r->n && strcmp(r->v[j].owner, r->v[i].owner) == 0 &&
		       r->v[j].type == r->v[i].type && r->v[j].ttl == r->v[i].ttl &&
		       strcmp(r->v[j].val, r->v[i].val) == 0) {
			/* Present after an add, absent after a del. */
			net = r->v[j].ver == 1 ? 1 : -1;
			j++;
		}
		bool first_del = r->v[i].ver == 0;
		/* Net change against the state before the input: a record
		 * first deleted existed before; first added did not. */
		bool before = first_del, after = net > 0;
		struct zone_rec keep = r->v[i];
		for (size_t k = i + 1; k < j; k++) {
			free(r->v[k].owner);
			free(r->v[k].val);
		}
		if (before == after) {
			free(keep.owner);
			free(keep.val);
		} else {
			keep.ver = after ? 1 : 0;
			r->v[out++] = keep;
		}
		i = j;
	}
	r->n = out;
}

static int run(struct incr *in, const char *text, size_t len,
	       const struct fa_zone_opts *opts, fa_zone_change_fn fn, void *arg)
{
	int rc = fa_zone_scan_mem(in->name, text, len, opts, on_rr, in, in->err,
				  in->errlen);
	if (rc == FA_OK && in->fmt == FA_ZONE_IXFR && in->st != IX_END) {
		snprintf(in->err, in->errlen,
			 "\"%s\": incomplete IXFR (no closing SOA with serial %u)",
			 in->name, (unsigned)in->final_serial);
		rc = FA_EPARSE;
	}
	if (rc == FA_OK) {
		in->serials.to = in->final_serial;
		in->serials.has_to = in->has_serial;
		fold(&in->recs);
		rc = zone_recs_diff(&in->recs, true, in->has_serial,
				    in->final_serial, fn, arg);
	}
	return rc;
}

/* Journal lines "add RR" / "del RR": the operation is noted per line and
 * blanked out, so that the rest is a master file the scanner reads. */
static int journal_prepare(struct incr *in, char *text, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++) {
		lines += text[i] == '\n';
	}
	char *ops = calloc(lines + 2, 1);
	if (ops == NULL) {
		return FA_ENOMEM;
	}
	in->ops = ops;
	in->nlines = lines + 2;

	size_t line = 1;
	for (size_t i = 0; i < len; line++) {
		size_t e = i;
		while (e < len && text[e] != '\n') {
			e++;
		}
		size_t n = e - i;
		in->line = line;
		if (n >= 4 && (memcmp(text + i, "add ", 4) == 0 ||
			       memcmp(text + i, "del ", 4) == 0)) {
			ops[line] = text[i];
			/* The owner follows without blank: a blank-started
			 * line would mean "previous owner". */
			memmove(text + i, text + i + 4, n - 4);
			memset(text + i + n - 4, ' ', 4);
		} else {
			size_t k = i;
			while (k < e && (text[k] == ' ' || text[k] == '\t' ||
					 text[k] == '\r')) {
				k++;
			}
			if (k < e && text[k] != ';') {
				return bad(in, "journal line is neither \"add\" nor "
					       "\"del\"");
			}
		}
		i = e + 1;
	}
	return FA_OK;
}

int fa_zone_incr_mem(const char *name, const char *text, size_t len,
		     enum fa_zone_incr_format fmt, const struct fa_zone_opts *opts,
		     fa_zone_change_fn fn, void *arg,
		     struct fa_zone_serials *serials, char *err, size_t errlen)
{
	struct incr in = { .fmt = fmt, .name = name, .err = err, .errlen = errlen };
	char *copy = NULL;
	int rc;

	in.val = malloc(ZONE_VALSZ);
	if (in.val == NULL) {
		return FA_ENOMEM;
	}
	if (fmt == FA_ZONE_JOURNAL) {
		copy = malloc(len + 1);
		if (copy == NULL) {
			rc = FA_ENOMEM;
			goto out;
		}
		memcpy(copy, text, len);
		copy[len] = '\0';
		rc = journal_prepare(&in, copy, len);
		if (rc != FA_OK) {
			goto out;
		}
		text = copy;
	}
	rc = run(&in, text, len, opts, fn, arg);
	if (serials != NULL) {
		*serials = in.serials;
	}
out:
	zone_recs_free(&in.recs);
	free((char *)in.ops);
	free(copy);
	free(in.val);
	return rc;
}

int fa_zone_incr_file(const char *path, enum fa_zone_incr_format fmt,
		      const struct fa_zone_opts *opts, fa_zone_change_fn fn,
		      void *arg, struct fa_zone_serials *serials, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = FA_OK;

	if (f == NULL) {
		snprintf(err, errlen, "could not open \"%s\": %s", path,
			 strerror(errno));
		return FA_EIO;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_INCR_BYTES) {
				snprintf(err, errlen, "\"%s\" is larger than %u bytes",
					 path, MAX_INCR_BYTES);
				rc = FA_ELIMIT;
				goto out;
			}
			cap = cap != 0 ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				rc = FA_ENOMEM;
				goto out;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			break;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "could not read \"%s\": %s", path,
			 strerror(errno));
		rc = FA_EIO;
		goto out;
	}
	rc = fa_zone_incr_mem(path, buf, len, fmt, opts, fn, arg, serials, err,
			      errlen);
out:
	fclose(f);
	free(buf);
	return rc;
}
