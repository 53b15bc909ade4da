/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading EPP logs: format detection, the envelope, raw RFC 5734 session
 * captures and single frames. The file is streamed through one buffer
 * whose size is bounded by the frame limit, so memory stays flat however
 * large the log is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/fa_addr.h"
#include "common/fa_time.h"
#include "epp/epp_int.h"
#include "epp/fa_epp.h"

#define HEADER_MAX 4096		/* longest envelope header line */
#define IDENT_BYTES 4096	/* bytes hashed for the input's identity */
#define SCAN_CHUNK 65536	/* read size while resynchronizing */
#define CLID_MAX 64		/* longest clID kept for a session */
#define EXCERPT_MAX 200
#define TIME_MIN_US (852076800LL * 1000000)	/* 1997-01-01T00:00:00Z */
#define TIME_AHEAD_S 86400	/* clock skew allowed into the future */

/* One parsed frame kept between calls (raw streams pair frames). */
struct slot {
	struct fa_arena *arena;
	struct xnode *root;
	char *raw;		/* copy of the frame for the key hash */
	size_t len;
	uint64_t offset;	/* of the frame's length prefix */
	uint64_t end;		/* just past it */
	int rc;			/* FA_OK or why it was refused */
	char reason[320];
	bool full;
	bool last;		/* refused while incomplete: stop after it */
};

struct fa_epp_reader {
	char *path;
	int fd;			/* -1 when reading memory */
	bool eof;
	char *buf;		/* file mode: owned; memory mode: borrowed */
	size_t cap, lo, hi;	/* valid bytes are buf[lo, hi) */
	size_t limit;		/* largest buffer we allow */
	uint64_t base;		/* file offset of buf[0] */
	uint64_t size;		/* file size at open, UINT64_MAX unknown */
	uint64_t done;		/* offset past the last record */
	bool tail;		/* stopped before an incomplete last record */
	bool stop;		/* stopped at an oversized, incomplete record */
	uint64_t replay_to;	/* raw streams: resuming, read up to here */
	uint64_t tail_off, tail_len;
	size_t max_frame;
	enum fa_epp_format fmt;
	int64_t default_time;
	char identity[72];

	struct epp_xml *xml;
	struct epp_norm norm;
	struct slot cmd, next;	/* raw streams: current and look-ahead */
	char clid[CLID_MAX + 1]; /* raw streams: registrar of the session */

	char reason[512];	/* reject strings live here until next call */
	char excerpt[EXCERPT_MAX];
	char err[320];
};

/* ---- buffered input --------------------------------------------------- */

static uint64_t cur_off(const struct fa_epp_reader *r)
{
	return r->base + r->lo;
}

static size_t avail(const struct fa_epp_reader *r)
{
	return r->hi - r->lo;
}

/* Make at least n bytes available unless the input ends first. */
static int need(struct fa_epp_reader *r, size_t n)
{
	if (avail(r) >= n || r->eof) {
		return FA_OK;
	}
	if (n > r->limit) {
		n = r->limit;
	}
	if (r->cap - r->lo < n && r->buf != NULL) {
		memmove(r->buf, r->buf + r->lo, avail(r));
		r->base += r->lo;
		r->hi -= r->lo;
		r->lo = 0;
	}
	if (r->cap < n) {
		size_t cap = r->cap ? r->cap : 65536;
		while (cap < n) {
			cap *= 2;
		}
		if (cap > r->limit) {
			cap = r->limit;
		}
		char *b = realloc(r->buf, cap);
		if (b == NULL) {
			return FA_ENOMEM;
		}
		r->buf = b;
		r->cap = cap;
	}
	while (avail(r) < n) {
		ssize_t got = read(r->fd, r->buf + r->hi, r->cap - r->hi);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			snprintf(r->err, sizeof(r->err), "could not read \"%s\": %s",
				 r->path, strerror(errno));
			return FA_EIO;
		}
		if (got == 0) {
			r->eof = true;
			break;
		}
		r->hi += (size_t)got;
	}
	return FA_OK;
}

/* Drop n bytes; they need not be in the buffer. */
static int skip(struct fa_epp_reader *r, uint64_t n)
{
	while (n > 0) {
		if (avail(r) == 0) {
			int rc = need(r, SCAN_CHUNK);
			if (rc != FA_OK) {
				return rc;
			}
			if (avail(r) == 0) {
				return FA_OK;
			}
		}
		size_t take = avail(r) < n ? avail(r) : (size_t)n;
		r->lo += take;
		n -= take;
	}
	return FA_OK;
}

/* Bytes left in the input from the cursor, when known. */
static uint64_t remaining(const struct fa_epp_reader *r)
{
	if (r->size == UINT64_MAX) {
		return UINT64_MAX;
	}
	uint64_t off = cur_off(r);
	return off >= r->size ? avail(r) : r->size - off;
}

/* Move to the next line that starts with "EPPTX ", or to the end. */
static int resync(struct fa_epp_reader *r)
{
	static const char pat[] = "\nEPPTX ";
	const size_t plen = sizeof(pat) - 1;
	for (;;) {
		int rc = need(r, avail(r) + SCAN_CHUNK < r->limit
				 ? avail(r) + SCAN_CHUNK : r->limit);
		if (rc != FA_OK) {
			return rc;
		}
		const char *p = r->buf + r->lo;
		const char *end = r->buf + r->hi;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL || (size_t)(end - nl) < plen) {
				break;
			}
			if (memcmp(nl, pat, plen) == 0) {
				r->lo = (size_t)(nl - r->buf) + 1;
				return FA_OK;
			}
			p = nl + 1;
		}
		if (r->eof) {
			r->lo = r->hi;
			return FA_OK;
		}
		/* Keep a pattern's length minus one: a match may straddle. */
		if (avail(r) > plen) {
			r->lo = r->hi - (plen - 1);
		}
	}
}

/* Is there a line starting with "EPPTX " in buf[from, hi)? from is a
 * buffer index just before such a line could start (a line feed). */
static bool header_in_buf(const struct fa_epp_reader *r, size_t from)
{
	static const char pat[] = "\nEPPTX ";
	const size_t plen = sizeof(pat) - 1;
	const char *p = r->buf + from;
	const char *end = r->buf + r->hi;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || (size_t)(end - nl) < plen) {
			return false;
		}
		if (memcmp(nl, pat, plen) == 0) {
			return true;
		}
		p = nl + 1;
	}
	return false;
}

/* The same over the file from offset from to its end, without touching
 * the buffer: for the rare record that claims more than the buffer holds. */
static int header_in_file(struct fa_epp_reader *r, uint64_t from, bool *found)
{
	static const char pat[] = "\nEPPTX ";
	const size_t plen = sizeof(pat) - 1;
	char chunk[SCAN_CHUNK];
	size_t keep = 0;

	*found = false;
	for (;;) {
		ssize_t got = pread(r->fd, chunk + keep, sizeof(chunk) - keep,
				    (off_t)from);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			snprintf(r->err, sizeof(r->err), "could not read \"%s\": %s",
				 r->path, strerror(errno));
			return FA_EIO;
		}
		if (got == 0) {
			return FA_OK;
		}
		from += (uint64_t)got;
		size_t n = keep + (size_t)got;
		for (size_t i = 0; i + plen <= n; i++) {
			if (chunk[i] == '\n' && memcmp(chunk + i, pat, plen) == 0) {
				*found = true;
				return FA_OK;
			}
		}
		/* Keep a pattern's length minus one: a match may straddle. */
		keep = n < plen - 1 ? n : plen - 1;
		memmove(chunk, chunk + n - keep, keep);
	}
}

/*
 * The input ends inside the record that starts at offset start: a log
 * still being written, or cut. Stop before it and say so; the checkpoint
 * stays at its start, so it is read whole once the rest is there.
 */
static int stop_at_tail(struct fa_epp_reader *r, uint64_t start, uint64_t len)
{
	r->tail = true;
	r->tail_off = start;
	r->tail_len = len;
	r->done = start;
	return FA_EOF;
}

/* ---- rejects ---------------------------------------------------------- */

/* The local name (after any prefix) of the element name starting at p
 * (after '<' or '</'); its length in *n. */
static const char *local_name(const char *p, const char *end, size_t *n)
{
	const char *name = p;
	while (p < end && *p != '>' && *p != ' ' && *p != '\t' && *p != '\n' &&
	       *p != '\r' && *p != '/') {
		if (*p == ':') {
			name = p + 1;
		}
		p++;
	}
	*n = (size_t)(p - name);
	return name;
}

/* True for a password element, with any prefix: <pw>, <domain:pw>,
 * <newPW>, <epp:newPW>. */
static bool secret_name(const char *name, size_t n)
{
	return (n == 2 && memcmp(name, "pw", 2) == 0) ||
	       (n == 5 && memcmp(name, "newPW", 5) == 0);
}

/* The '>' that ends the start tag at p, skipping quoted attribute values,
 * or NULL when the excerpt ends first. */
static char *tag_end(char *p, char *end)
{
	char quote = 0;
	for (; p < end; p++) {
		if (quote != 0) {
			quote = *p == quote ? 0 : quote;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return NULL;
}

/* The end tag of the element with this local name at or after p ("</",
 * any prefix), or end when the excerpt was cut before it. */
static char *end_tag(char *p, char *end, const char *name, size_t n)
{
	for (; p + 1 < end; p++) {
		if (p[0] != '<' || p[1] != '/') {
			continue;
		}
		size_t ln;
		const char *l = local_name(p + 2, end, &ln);
		if (ln == n && memcmp(l, name, n) == 0) {
			return p;
		}
	}
	return end;
}

/*
 * Rejects are stored and shown to analysts, so the login password and
 * authInfo secrets of a refused frame are overwritten with '*' in the
 * excerpt: everything from the end of a password element's start tag to
 * its end tag (or the end of the excerpt), whatever it holds: CDATA,
 * comments and markup would otherwise leave parts of the secret readable.
 */
static void mask_secrets(char *x, size_t n)
{
	char *end = x + n;
	for (char *p = x; p < end; p++) {
		size_t ln;
		const char *name = p + 1 < end && *p == '<'
				   ? local_name(p + 1, end, &ln) : NULL;
		if (name == NULL || !secret_name(name, ln)) {
			continue;
		}
		char *gt = tag_end(p, end);
		if (gt == NULL) {
			return;
		}
		if (gt[-1] == '/') {
			p = gt;		/* <pw/>: empty */
			continue;
		}
		char *close = end_tag(gt + 1, end, name, ln);
		memset(gt + 1, '*', (size_t)(close - gt - 1));
		p = close - 1;
	}
}

static void set_excerpt(struct fa_epp_reader *r, struct fa_reject *rej,
			const char *p, size_t len)
{
	size_t n = len < EXCERPT_MAX ? len : EXCERPT_MAX;
	memcpy(r->excerpt, p, n);
	mask_secrets(r->excerpt, n);
	rej->excerpt = r->excerpt;
	rej->excerpt_len = n;
}

static int reject(struct fa_epp_reader *r, struct fa_reject *rej,
		  uint64_t offset, int rc, const char *reason)
{
	if (reason != r->reason) {
		snprintf(r->reason, sizeof(r->reason), "%s", reason);
	}
	rej->pos.path = r->path;
	rej->pos.offset = offset;
	rej->reason = r->reason;
	if (rej->excerpt == NULL) {
		rej->excerpt_len = 0;
	}
	r->done = cur_off(r);
	return rc;
}

/* ---- keys ------------------------------------------------------------- */

static void trim(const char **p, size_t *len)
{
	while (*len > 0 && strchr(" \t\r\n", (*p)[0]) != NULL) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && strchr(" \t\r\n", (*p)[*len - 1]) != NULL) {
		(*len)--;
	}
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int sha256_parts(const char *const *parts, const size_t *lens, size_t n,
			char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();
	if (md_ctx == NULL) {
		return FA_ENOMEM;
	}
	int ok = EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++) {
		/* A NUL after each part keeps field boundaries unambiguous. */
		ok = EVP_DigestUpdate(md_ctx, parts[i], lens[i]) &&
		     EVP_DigestUpdate(md_ctx, "", 1);
	}
	ok = ok && EVP_DigestFinal_ex(md_ctx, md, &mdlen);
	EVP_MD_CTX_free(md_ctx);
	if (!ok) {
		return FA_ENOMEM;
	}
	hex(md, mdlen, out);
	return FA_OK;
}

/*
 * "sv:<clID>:<svTRID>" when the server named the transaction; when that is
 * longer than the key field, "svh:" and the SHA-256 of "<clID>:<svTRID>".
 * Otherwise "sha256:" of the canonical content (docs/epp-log-format.md).
 */
static int make_key(struct fa_txn *t, const char *cmd, size_t clen,
		    const char *rsp, size_t rlen)
{
	const char *clid = t->registrar ? t->registrar : "";
	if (t->svtrid != NULL && *t->svtrid != '\0') {
		size_t lc = strlen(clid), ls = strlen(t->svtrid);
		if (3 + lc + 1 + ls < sizeof(t->key)) {
			memcpy(t->key, "sv:", 3);
			memcpy(t->key + 3, clid, lc);
			t->key[3 + lc] = ':';
			memcpy(t->key + 4 + lc, t->svtrid, ls + 1);
			return FA_OK;
		}
		const char *parts[] = { clid, t->svtrid };
		size_t lens[] = { strlen(clid), strlen(t->svtrid) };
		char h[65];
		int rc = sha256_parts(parts, lens, 2, h);
		snprintf(t->key, sizeof(t->key), "svh:%s", h);
		return rc;
	}

	char tbuf[24];
	snprintf(tbuf, sizeof(tbuf), "%lld", (long long)t->time_us);
	trim(&cmd, &clen);
	trim(&rsp, &rlen);
	const char *sess = t->session ? t->session : "";
	const char *parts[] = { "fluxaudit-txn-v1", tbuf, clid, sess, cmd, rsp };
	size_t lens[] = { 16, strlen(tbuf), strlen(clid), strlen(sess), clen, rlen };
	char h[65];
	int rc = sha256_parts(parts, lens, 6, h);
	snprintf(t->key, sizeof(t->key), "sha256:%s", h);
	return rc;
}

/* ---- frames to transactions ------------------------------------------ */

static int parse_frame(struct fa_epp_reader *r, struct fa_arena *a,
		       const char *p, size_t len, const char *what,
		       struct xnode **root)
{
	return epp_xml_parse(r->xml, a, p, len, what, root, r->reason,
			     sizeof(r->reason));
}

/* Normalize and key a transaction; on refusal fill r->reason. */
static int finish_txn(struct fa_epp_reader *r, struct fa_txn *t,
		      const struct xnode *cmd, const struct xnode *rsp,
		      const char *craw, size_t clen, const char *rraw,
		      size_t rlen)
{
	int rc = epp_normalize(&r->norm, t, cmd, rsp, r->reason,
			       sizeof(r->reason));
	if (rc != FA_OK) {
		return rc;
	}
	if (t->registrar == NULL && cmd != NULL) {
		const char *clid = epp_login_clid(cmd);
		if (clid != NULL) {
			t->registrar = fa_txn_strdup(t, clid);
		}
	}
	rc = make_key(t, craw ? craw : "", clen, rraw ? rraw : "", rlen);
	if (rc != FA_OK) {
		snprintf(r->reason, sizeof(r->reason), "out of memory");
	}
	return rc;
}

/* ---- the envelope ----------------------------------------------------- */

struct header {
	const char *time, *clid, *addr, *session, *svtrid;
	size_t time_len, clid_len, addr_len, session_len, svtrid_len;
	uint64_t cmd, rsp;
	bool has_cmd, has_rsp;
};

static bool parse_len(const char *v, size_t n, uint64_t *out)
{
	if (n == 0 || n > 15) {
		return false;
	}
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			return false;
		}
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static int parse_header(const char *line, size_t len, struct header *h,
			char *why, size_t whylen)
{
	static const char *const keys[] = { "time", "clid", "addr", "session",
					    "svtrid", "cmd", "rsp" };
	unsigned seen = 0;

	memset(h, 0, sizeof(*h));
	size_t i = 6; /* "EPPTX " */
	while (i < len) {
		while (i < len && line[i] == ' ') {
			i++;
		}
		size_t start = i;
		while (i < len && line[i] != ' ') {
			i++;
		}
		if (i == start) {
			break;
		}
		const char *kv = line + start;
		size_t kvlen = i - start;
		const char *eq = memchr(kv, '=', kvlen);
		if (eq == NULL) {
			snprintf(why, whylen,
				 "invalid record header: \"%.*s\" is not key=value",
				 (int)(kvlen > 40 ? 40 : kvlen), kv);
			return FA_EPARSE;
		}
		size_t klen = (size_t)(eq - kv);
		const char *v = eq + 1;
		size_t vlen = kvlen - klen - 1;

		/* Two values for one field: which one is meant is a guess. */
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (klen != strlen(keys[k]) || memcmp(kv, keys[k], klen) != 0) {
				continue;
			}
			if (seen & 1u << k) {
				snprintf(why, whylen,
					 "invalid record header: key \"%s\" given twice",
					 keys[k]);
				return FA_EPARSE;
			}
			seen |= 1u << k;
		}
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(kv, k, klen) == 0)
		if (KEY("time")) {
			h->time = v;
			h->time_len = vlen;
		} else if (KEY("clid")) {
			h->clid = v;
			h->clid_len = vlen;
		} else if (KEY("addr")) {
			h->addr = v;
			h->addr_len = vlen;
		} else if (KEY("session")) {
			h->session = v;
			h->session_len = vlen;
		} else if (KEY("svtrid")) {
			h->svtrid = v;
			h->svtrid_len = vlen;
		} else if (KEY("cmd") || KEY("rsp")) {
			bool c = KEY("cmd");
			if (!parse_len(v, vlen, c ? &h->cmd : &h->rsp)) {
				snprintf(why, whylen,
					 "invalid record header: %s length \"%.*s\" is not a number",
					 c ? "cmd" : "rsp",
					 (int)(vlen > 20 ? 20 : vlen), v);
				return FA_EPARSE;
			}
			if (c) {
				h->has_cmd = true;
			} else {
				h->has_rsp = true;
			}
		}
#undef KEY
	}
	if (!h->has_cmd || !h->has_rsp) {
		snprintf(why, whylen, "invalid record header: missing %s",
			 !h->has_cmd ? "cmd=" : "rsp=");
		return FA_EPARSE;
	}
	if (h->time == NULL) {
		snprintf(why, whylen, "invalid record header: missing time=");
		return FA_EPARSE;
	}
	return FA_OK;
}

/*
 * A time from before EPP existed or from the future is a broken or forged
 * clock: refused, since one such record would make the store lay out
 * partitions for every month in between.
 */
static int time_in_range(struct fa_epp_reader *r, const struct header *h,
			 int64_t us)
{
	int64_t hi = ((int64_t)time(NULL) + TIME_AHEAD_S) * 1000000;
	if (us >= TIME_MIN_US && us <= hi) {
		return FA_OK;
	}
	char lo_s[FA_TIME_BUFSZ], hi_s[FA_TIME_BUFSZ];
	fa_time_format(TIME_MIN_US, lo_s, sizeof(lo_s));
	fa_time_format(hi, hi_s, sizeof(hi_s));
	snprintf(r->reason, sizeof(r->reason),
		 "invalid record header: time \"%.*s\" is outside the accepted range %s to %s (one day after the current time)",
		 (int)(h->time_len > 40 ? 40 : h->time_len), h->time, lo_s, hi_s);
	return FA_EPARSE;
}

/* Header fields that describe the transaction, not the framing. */
static int header_fields(struct fa_epp_reader *r, const struct header *h,
			 struct fa_txn *t)
{
	int rc;

	if (fa_time_parse(h->time, h->time_len, &t->time_us) != FA_OK) {
		snprintf(r->reason, sizeof(r->reason),
			 "invalid record header: time \"%.*s\" is not RFC 3339",
			 (int)(h->time_len > 40 ? 40 : h->time_len), h->time);
		return FA_EPARSE;
	}
	rc = time_in_range(r, h, t->time_us);
	if (rc != FA_OK) {
		return rc;
	}
	if (h->addr != NULL) {
		char a[FA_ADDR_BUFSZ];
		char why[160];
		if (fa_addr_normalize(h->addr, h->addr_len, FA_ADDR_ANY, a,
				      sizeof(a), NULL, why, sizeof(why)) != FA_OK) {
			snprintf(r->reason, sizeof(r->reason),
				 "invalid record header: %s", why);
			return FA_EPARSE;
		}
		t->src_addr = fa_txn_strdup(t, a);
	}
	if (h->clid != NULL) {
		char why[160];
		if (epp_clid_check(h->clid, h->clid_len, why, sizeof(why)) != FA_OK) {
			snprintf(r->reason, sizeof(r->reason),
				 "invalid record header: clid %s", why);
			return FA_EPARSE;
		}
		t->registrar = fa_txn_strndup(t, h->clid, h->clid_len);
	}
	if (h->session != NULL && h->session_len > 0) {
		t->session = fa_txn_strndup(t, h->session, h->session_len);
	}
	return FA_OK;
}

/*
 * Skip comment lines, blank lines and a stray CR between records. A comment
 * line that the input ends in without a line end is left in place (*open
 * set): the log may be growing, and the rest of the line must not be taken
 * for a record when it comes.
 */
static int skip_filler(struct fa_epp_reader *r, bool *open)
{
	*open = false;
	for (;;) {
		int rc = need(r, 1);
		if (rc != FA_OK || avail(r) == 0) {
			return rc;
		}
		char c = r->buf[r->lo];
		if (c == '\n' || c == '\r') {
			r->lo++;
			continue;
		}
		if (c != '#') {
			return FA_OK;
		}
		for (;;) {
			char *nl = memchr(r->buf + r->lo, '\n', avail(r));
			if (nl != NULL) {
				r->lo = (size_t)(nl - r->buf) + 1;
				break;
			}
			if (r->eof) {
				*open = true;
				return FA_OK;
			}
			if (avail(r) + SCAN_CHUNK > r->limit) {
				r->lo = r->hi;	/* an endless comment: drop it */
			}
			rc = need(r, avail(r) + SCAN_CHUNK);
			if (rc != FA_OK) {
				return rc;
			}
		}
	}
}

/* Could p[0, n) be the beginning of a header line? */
static bool header_prefix(const char *p, size_t n)
{
	return memcmp(p, "EPPTX ", n < 6 ? n : 6) == 0;
}

static void oversized_reason(struct fa_epp_reader *r, const struct header *h)
{
	snprintf(r->reason, sizeof(r->reason),
		 "frame of %llu bytes exceeds the limit of %zu bytes",
		 (unsigned long long)(h->cmd > h->rsp ? h->cmd : h->rsp),
		 r->max_frame);
}

/*
 * A record over the size limit that the input ends inside: refused, but
 * the position stays at its start and reading stops, so that a growing
 * log skips it exactly once it is complete.
 */
static int refuse_oversized(struct fa_epp_reader *r, struct fa_reject *rej,
			    uint64_t start, const struct header *h)
{
	oversized_reason(r, h);
	r->stop = true;
	return reject(r, rej, start, FA_ELIMIT, r->reason);
}

/*
 * Is there a header line in the input after the header line at the cursor
 * (whose line feed is at cursor + nl_at), up to the end, left bytes from
 * the cursor? The buffer holds it all unless left exceeds its limit.
 */
static int header_after(struct fa_epp_reader *r, size_t nl_at, uint64_t left,
			bool *found)
{
	if (left > r->limit && r->fd >= 0) {
		return header_in_file(r, cur_off(r) + nl_at, found);
	}
	int rc = need(r, (size_t)left);
	if (rc != FA_OK) {
		return rc;
	}
	*found = header_in_buf(r, r->lo + nl_at);
	return FA_OK;
}

static int next_envelope(struct fa_epp_reader *r, struct fa_txn *t,
			 struct fa_reject *rej)
{
	if (r->tail || r->stop) {
		return FA_EOF;
	}
	bool open_comment;
	int rc = skip_filler(r, &open_comment);
	if (rc != FA_OK) {
		return rc;
	}
	r->done = cur_off(r);
	if (open_comment) {
		return FA_EOF;
	}
	rc = need(r, HEADER_MAX);
	if (rc != FA_OK) {
		return rc;
	}
	if (avail(r) == 0) {
		return FA_EOF;
	}

	uint64_t start = cur_off(r);
	const char *p = r->buf + r->lo;
	size_t scan = avail(r) < HEADER_MAX ? avail(r) : HEADER_MAX;
	const char *nl = memchr(p, '\n', scan);
	set_excerpt(r, rej, p, nl ? (size_t)(nl - p) : scan);

	/* The input ends inside a header line: nothing can follow it. */
	if (nl == NULL && r->eof && avail(r) < HEADER_MAX &&
	    header_prefix(p, avail(r))) {
		return stop_at_tail(r, start, avail(r));
	}

	if (scan < 6 || memcmp(p, "EPPTX ", 6) != 0) {
		rc = resync(r);
		return rc ? rc : reject(r, rej, start, FA_EPARSE,
					"expected a record header line starting with \"EPPTX \"");
	}
	if (nl == NULL) {
		r->lo++;
		rc = resync(r);
		return rc ? rc : reject(r, rej, start, FA_EPARSE,
					"invalid record header: no line end within 4096 bytes");
	}

	size_t hlen = (size_t)(nl - p) + 1;
	size_t llen = hlen - 1;
	if (llen > 0 && p[llen - 1] == '\r') {
		llen--;
	}
	struct header h;
	if (parse_header(p, llen, &h, r->reason, sizeof(r->reason)) != FA_OK) {
		r->lo += hlen - 1;
		rc = resync(r);
		return rc ? rc : reject(r, rej, start, FA_EPARSE, r->reason);
	}

	/*
	 * Lengths that run past the end: with a header line after them, the
	 * header is broken (the frames cannot be trusted, resume at that
	 * line); without one, this is the last record and the input ends
	 * inside it (a log being written, or cut).
	 */
	uint64_t body = h.cmd + h.rsp;
	uint64_t left = remaining(r);
	bool later = true;
	if (h.cmd <= UINT32_MAX && h.rsp <= UINT32_MAX && left != UINT64_MAX &&
	    hlen + body > left) {
		rc = header_after(r, hlen - 1, left, &later);
		if (rc != FA_OK) {
			return rc;
		}
		if (!later && (h.cmd > r->max_frame || h.rsp > r->max_frame)) {
			return refuse_oversized(r, rej, start, &h);
		}
		if (!later) {
			return stop_at_tail(r, start, left);
		}
	}
	if (h.cmd > UINT32_MAX || h.rsp > UINT32_MAX ||
	    (left != UINT64_MAX && hlen + body > left)) {
		r->lo += hlen - 1;
		rc = resync(r);
		return rc ? rc : reject(r, rej, start, FA_EPARSE,
					"record runs past the end of the file (cmd/rsp lengths too large)");
	}
	if (h.cmd > r->max_frame || h.rsp > r->max_frame) {
		oversized_reason(r, &h);
		rc = skip(r, hlen + body);
		return rc ? rc : reject(r, rej, start, FA_ELIMIT, r->reason);
	}

	rc = need(r, hlen + (size_t)body + 2);
	if (rc != FA_OK) {
		return rc;
	}
	if (avail(r) < hlen + body) {
		/* The file shrank, or its size was unknown (a pipe): all that
		 * is left of the input is in the buffer. */
		if (!header_in_buf(r, r->lo + hlen - 1)) {
			return stop_at_tail(r, start, avail(r));
		}
		r->lo += hlen - 1;
		rc = resync(r);
		return rc ? rc : reject(r, rej, start, FA_EPARSE,
					"record runs past the end of the file");
	}

	/* need() may have moved the buffer under the header's fields. */
	p = r->buf + r->lo;
	if (parse_header(p, llen, &h, r->reason, sizeof(r->reason)) != FA_OK) {
		snprintf(r->err, sizeof(r->err),
			 "could not read \"%s\": record at offset %llu changed while read",
			 r->path, (unsigned long long)start);
		return FA_EIO;	/* the same bytes parsed above: cannot be */
	}
	const char *craw = p + hlen;
	const char *rraw = craw + h.cmd;
	size_t reclen = hlen + (size_t)body;
	if (avail(r) > reclen && p[reclen] == '\n') {
		reclen++;
	} else if (avail(r) > reclen + 1 && p[reclen] == '\r' &&
		   p[reclen + 1] == '\n') {
		reclen += 2;
	}

	/* Rejects from here on skip exactly this record. */
	fa_txn_reset(t);
	t->pos.path = fa_txn_strdup(t, r->path);
	t->pos.offset = start;
	fa_arena_reset(r->cmd.arena);
	struct xnode *croot = NULL, *rroot = NULL;
	rc = header_fields(r, &h, t);
	if (rc == FA_OK && h.cmd > 0) {
		rc = parse_frame(r, r->cmd.arena, craw, h.cmd, "command frame",
				 &croot);
	}
	if (rc == FA_OK && h.rsp > 0) {
		rc = parse_frame(r, r->cmd.arena, rraw, h.rsp, "response frame",
				 &rroot);
	}
	if (rc == FA_OK && croot == NULL && rroot == NULL) {
		snprintf(r->reason, sizeof(r->reason),
			 "record without frames (cmd=0 rsp=0)");
		rc = FA_EPARSE;
	}
	if (rc == FA_OK) {
		rc = finish_txn(r, t, croot, rroot, craw, h.cmd, rraw, h.rsp);
	}
	if (rc == FA_OK && h.svtrid != NULL && h.svtrid_len > 0) {
		t->svtrid = fa_txn_strndup(t, h.svtrid, h.svtrid_len);
		rc = make_key(t, craw, h.cmd, rraw, h.rsp);
	}
	r->lo += reclen;
	if (rc == FA_ENOMEM || rc == FA_EIO) {
		return rc;
	}
	if (rc != FA_OK) {
		set_excerpt(r, rej, h.cmd ? craw : rraw, h.cmd ? h.cmd : h.rsp);
		return reject(r, rej, start, rc == FA_ELIMIT ? FA_ELIMIT
			      : rc == FA_EREFUSED ? FA_EREFUSED : FA_EPARSE,
			      r->reason);
	}
	r->done = cur_off(r);
	return FA_OK;
}

/* ---- raw RFC 5734 streams --------------------------------------------- */

static uint32_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	       (uint32_t)u[2] << 8 | (uint32_t)u[3];
}

/* Read and parse the next frame into s; FA_EOF at the end. */
static int read_raw(struct fa_epp_reader *r, struct slot *s)
{
	int rc = need(r, 4);
	if (rc != FA_OK) {
		return rc;
	}
	if (avail(r) == 0) {
		return FA_EOF;
	}

	memset(s->reason, 0, 1);
	s->rc = FA_OK;
	s->root = NULL;
	s->raw = NULL;
	s->len = 0;
	s->full = true;
	s->last = false;
	s->offset = cur_off(r);
	fa_arena_reset(s->arena);

	if (avail(r) < 4) {
		/* The input ends inside the length prefix. */
		s->full = false;
		return stop_at_tail(r, s->offset, avail(r));
	}
	uint32_t total = be32(r->buf + r->lo);
	if (total < 5) {
		/* Without a usable length nothing after it can be framed. */
		r->lo = r->hi;
		rc = skip(r, UINT64_MAX);
		s->end = cur_off(r);
		s->rc = FA_EPARSE;
		snprintf(s->reason, sizeof(s->reason),
			 "invalid frame length %u (RFC 5734 counts the 4 length bytes); rest of the stream skipped",
			 total);
		return rc;
	}
	size_t flen = total - 4;
	uint64_t left = remaining(r);
	if (flen > r->max_frame && left != UINT64_MAX && total > left) {
		/* Refused, but not skipped while incomplete: a growing
		 * capture stays framed. */
		s->end = s->offset;
		s->last = true;
		s->rc = FA_ELIMIT;
		snprintf(s->reason, sizeof(s->reason),
			 "frame of %zu bytes exceeds the limit of %zu bytes",
			 flen, r->max_frame);
		return FA_OK;
	}
	if (flen > r->max_frame) {
		rc = skip(r, total);
		s->end = cur_off(r);
		s->rc = FA_ELIMIT;
		snprintf(s->reason, sizeof(s->reason),
			 "frame of %zu bytes exceeds the limit of %zu bytes",
			 flen, r->max_frame);
		return rc;
	}
	rc = need(r, total);
	if (rc != FA_OK) {
		return rc;
	}
	if (avail(r) < total) {
		/* The input ends inside the frame. */
		s->full = false;
		return stop_at_tail(r, s->offset, avail(r));
	}

	const char *p = r->buf + r->lo + 4;
	s->raw = fa_arena_strndup(s->arena, p, flen);
	if (s->raw == NULL) {
		return FA_ENOMEM;
	}
	s->len = flen;
	r->lo += total;
	s->end = cur_off(r);
	s->rc = epp_xml_parse(r->xml, s->arena, s->raw, flen, "frame", &s->root,
			      s->reason, sizeof(s->reason));
	if (s->rc == FA_ENOMEM) {
		return FA_ENOMEM;
	}
	return FA_OK;
}

static void swap_slots(struct fa_epp_reader *r)
{
	struct slot tmp = r->cmd;
	r->cmd = r->next;
	r->next = tmp;
}

static int slot_reject(struct fa_epp_reader *r, struct slot *s,
		       struct fa_reject *rej)
{
	set_excerpt(r, rej, s->raw ? s->raw : "", s->raw ? s->len : 0);
	snprintf(r->reason, sizeof(r->reason), "%s", s->reason);
	int rc = s->rc == FA_ELIMIT || s->rc == FA_EREFUSED ? s->rc : FA_EPARSE;
	s->full = false;
	rej->pos.path = r->path;
	rej->pos.offset = s->offset;
	rej->reason = r->reason;
	r->done = s->end;
	r->stop = s->last;
	return rc;
}

static int next_raw(struct fa_epp_reader *r, struct fa_txn *t,
		    struct fa_reject *rej)
{
	if (r->tail || r->stop) {
		return FA_EOF;
	}
	for (;;) {
		if (r->replay_to > 0 && r->done >= r->replay_to) {
			return FA_EOF;	/* the checkpoint: replay ends here */
		}
		if (!r->cmd.full) {
			if (r->next.full) {
				swap_slots(r);
			} else {
				int rc = read_raw(r, &r->cmd);
				if (rc != FA_OK) {
					return rc;
				}
			}
		}
		struct slot *c = &r->cmd;
		if (c->rc != FA_OK) {
			return slot_reject(r, c, rej);
		}
		enum epp_frame_kind k = epp_frame_kind(c->root);
		if (k == FRAME_GREETING) {
			c->full = false;
			r->done = c->end;
			continue;
		}

		/* A command pairs with the response that follows it. */
		struct slot *resp = NULL;
		if (k == FRAME_COMMAND || k == FRAME_HELLO) {
			int rc = read_raw(r, &r->next);
			if (rc == FA_EOF) {
				/* Its response is not (all) there: the capture
				 * may be growing. Hold the command back rather
				 * than split it from its response. */
				uint64_t end = r->tail ? r->tail_off + r->tail_len
						       : c->end;
				c->full = false;
				return stop_at_tail(r, c->offset, end - c->offset);
			}
			if (rc != FA_OK) {
				return rc;
			}
			if (r->next.rc == FA_OK) {
				enum epp_frame_kind nk = epp_frame_kind(r->next.root);
				if (nk == FRAME_RESPONSE ||
				    (nk == FRAME_GREETING && k == FRAME_HELLO)) {
					resp = &r->next;
				}
			}
		}

		fa_txn_reset(t);
		t->pos.path = fa_txn_strdup(t, r->path);
		t->pos.offset = c->offset;
		t->time_us = r->default_time;
		/* A login names its own registrar, even a second one. */
		const char *login = k == FRAME_COMMAND ? epp_login_clid(c->root)
						       : NULL;
		if (login != NULL) {
			t->registrar = fa_txn_strdup(t, login);
		} else if (r->clid[0] != '\0') {
			t->registrar = fa_txn_strdup(t, r->clid);
		}
		const struct xnode *croot = k == FRAME_RESPONSE ? NULL : c->root;
		const struct xnode *rroot = k == FRAME_RESPONSE ? c->root
					    : resp ? resp->root : NULL;
		int rc = finish_txn(r, t, croot, rroot, croot ? c->raw : NULL,
				    croot ? c->len : 0,
				    k == FRAME_RESPONSE ? c->raw : resp ? resp->raw : NULL,
				    k == FRAME_RESPONSE ? c->len : resp ? resp->len : 0);
		uint64_t end = resp ? resp->end : c->end;
		c->full = false;
		if (resp != NULL) {
			resp->full = false;
		}
		if (rc == FA_ENOMEM) {
			return rc;
		}
		if (rc != FA_OK) {
			set_excerpt(r, rej, c->raw, c->len);
			rej->pos.path = r->path;
			rej->pos.offset = c->offset;
			rej->reason = r->reason;
			r->done = end;
			return rc == FA_EREFUSED ? rc : FA_EPARSE;
		}

		/* The session's registrar: from a login that did not fail. */
		const char *clid = croot ? epp_login_clid(croot) : NULL;
		if (clid != NULL && (t->result_code < 2000)) {
			snprintf(r->clid, sizeof(r->clid), "%s", clid);
		}
		r->done = end;
		return FA_OK;
	}
}

/*
 * Resuming a raw stream at a checkpoint: the frames before it are read
 * again (nothing is returned) so that the session's registrar, named by
 * its login, and a command waiting for its response are known.
 */
static int replay_raw(struct fa_epp_reader *r, uint64_t to)
{
	struct fa_txn t;
	struct fa_reject rej;
	int rc = fa_txn_init(&t);
	r->replay_to = to;
	while (rc == FA_OK && r->done < to) {
		memset(&rej, 0, sizeof(rej));
		rc = next_raw(r, &t, &rej);
		if (rc == FA_EPARSE || rc == FA_EREFUSED || rc == FA_ELIMIT) {
			rc = FA_OK;
		}
	}
	fa_txn_deinit(&t);
	r->replay_to = 0;
	return rc == FA_EOF ? FA_OK : rc;
}

/* ---- single frames ---------------------------------------------------- */

static int next_frame(struct fa_epp_reader *r, struct fa_txn *t,
		      struct fa_reject *rej)
{
	if (r->done > 0 || (avail(r) == 0 && r->eof)) {
		return FA_EOF;
	}
	int rc = need(r, r->max_frame + 1);
	if (rc != FA_OK) {
		return rc;
	}
	if (avail(r) == 0) {
		return FA_EOF;
	}
	if (avail(r) > r->max_frame) {
		snprintf(r->reason, sizeof(r->reason),
			 "frame exceeds the limit of %zu bytes", r->max_frame);
		set_excerpt(r, rej, r->buf + r->lo, avail(r));
		rc = skip(r, UINT64_MAX);
		return rc ? rc : reject(r, rej, 0, FA_ELIMIT, r->reason);
	}

	const char *p = r->buf + r->lo;
	size_t len = avail(r);
	fa_txn_reset(t);
	t->pos.path = fa_txn_strdup(t, r->path);
	t->pos.offset = 0;
	t->time_us = r->default_time;
	fa_arena_reset(r->cmd.arena);
	struct xnode *root = NULL;
	rc = parse_frame(r, r->cmd.arena, p, len, "frame", &root);
	if (rc == FA_OK) {
		bool is_rsp = epp_frame_kind(root) == FRAME_RESPONSE ||
			      epp_frame_kind(root) == FRAME_GREETING;
		rc = finish_txn(r, t, is_rsp ? NULL : root, is_rsp ? root : NULL,
				is_rsp ? NULL : p, is_rsp ? 0 : len,
				is_rsp ? p : NULL, is_rsp ? len : 0);
	}
	if (rc != FA_OK) {
		set_excerpt(r, rej, p, len);
	}
	r->lo = r->hi;
	if (rc == FA_ENOMEM) {
		return rc;
	}
	if (rc != FA_OK) {
		return reject(r, rej, 0, rc == FA_EREFUSED || rc == FA_ELIMIT
			      ? rc : FA_EPARSE, r->reason);
	}
	r->done = cur_off(r);
	return FA_OK;
}

/* ---- open, detect, close --------------------------------------------- */

static enum fa_epp_format detect(const char *p, size_t n)
{
	if (n >= 5) {
		uint32_t total = be32(p);
		if (total >= 5 && total <= INT32_MAX && p[4] == '<') {
			return FA_EPP_RFC5734;
		}
	}
	size_t i = 0;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		i = 3;
	}
	while (i < n && strchr(" \t\r\n", p[i]) != NULL) {
		i++;
	}
	if (i < n && p[i] == '<') {
		return FA_EPP_FRAME;
	}
	return FA_EPP_ENVELOPE;
}

static int common_init(struct fa_epp_reader *r, const char *name,
		       const struct fa_epp_opts *opts)
{
	r->path = strdup(name);
	r->max_frame = opts && opts->max_frame ? opts->max_frame
					       : FA_EPP_MAX_FRAME_DEFAULT;
	r->fmt = opts ? opts->format : FA_EPP_AUTO;
	r->default_time = opts ? opts->default_time_us : 0;
	/* Two frames and a header: a whole envelope record fits. */
	r->limit = 2 * r->max_frame + HEADER_MAX + SCAN_CHUNK;
	r->cmd.arena = fa_arena_new();
	r->next.arena = fa_arena_new();
	if (r->path == NULL || r->cmd.arena == NULL || r->next.arena == NULL) {
		return FA_ENOMEM;
	}
	return epp_xml_new(&r->xml);
}

static int finish_open(struct fa_epp_reader *r, uint64_t start_offset)
{
	int rc = need(r, IDENT_BYTES);
	if (rc != FA_OK) {
		return rc;
	}
	size_t n = avail(r) < IDENT_BYTES ? avail(r) : IDENT_BYTES;
	const char *parts[] = { r->buf + r->lo };
	size_t lens[] = { n };

	/* The identity hashes the bytes alone (no separator). */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(parts[0], lens[0], md, &mdlen, EVP_sha256(), NULL) != 1) {
		return FA_ENOMEM;
	}
	memcpy(r->identity, "sha256:", 7);
	hex(md, mdlen, r->identity + 7);

	if (r->fmt == FA_EPP_AUTO) {
		r->fmt = detect(r->buf + r->lo, avail(r));
	}
	if (start_offset > 0 && r->fmt == FA_EPP_RFC5734) {
		return replay_raw(r, start_offset);
	}
	if (start_offset > 0) {
		rc = skip(r, start_offset);
		r->done = cur_off(r);
	}
	return rc;
}

int fa_epp_reader_open(struct fa_epp_reader **out, const char *path,
		       const struct fa_epp_opts *opts, uint64_t start_offset,
		       char *err, size_t errlen)
{
	struct fa_epp_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	r->fd = -1;
	int rc = common_init(r, path, opts);
	if (rc != FA_OK) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", path,
			 strerror(errno));
		rc = FA_EIO;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "could not read \"%s\": Is a directory",
			 path);
		rc = FA_EIO;
		goto fail;
	}
	r->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX;
	if (r->default_time == 0) {
		r->default_time = (int64_t)st.st_mtim.tv_sec * 1000000 +
				  st.st_mtim.tv_nsec / 1000;
	}

	rc = finish_open(r, start_offset);
	if (rc != FA_OK) {
		snprintf(err, errlen, "%s", rc == FA_EIO ? r->err : "out of memory");
		goto fail;
	}
	*out = r;
	return FA_OK;

fail:
	fa_epp_reader_free(r);
	return rc;
}

int fa_epp_reader_open_mem(struct fa_epp_reader **out, const char *name,
			   const void *data, size_t len,
			   const struct fa_epp_opts *opts)
{
	struct fa_epp_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return FA_ENOMEM;
	}
	r->fd = -1;
	int rc = common_init(r, name ? name : "(memory)", opts);
	if (rc != FA_OK) {
		goto fail;
	}

	/* The borrowed buffer is never written: need() has nothing to read
	 * (eof) and so never moves or grows it. */
	r->buf = (char *)data;
	r->cap = len;
	r->hi = len;
	r->eof = true;
	r->size = len;
	rc = finish_open(r, 0);
	if (rc != FA_OK) {
		goto fail;
	}
	*out = r;
	return FA_OK;

fail:
	fa_epp_reader_free(r);
	return rc;
}

/*
 * Reasons quote input (names, header values, libxml2's messages) and are
 * printed one per line and stored as text: line ends and other control
 * characters become blanks, bytes that are not UTF-8 become '?'.
 */
static void clean_reason(char *s)
{
	unsigned char *u = (unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t l = epp_utf8_len(u + i, n - i);
		if (l == 0) {
			u[i] = '?';
			l = 1;
		} else if (l == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			u[i] = ' ';
		}
		i += l;
	}
}

int fa_epp_reader_next(struct fa_epp_reader *r, struct fa_txn *txn,
		       struct fa_reject *rej)
{
	memset(rej, 0, sizeof(*rej));
	int rc;
	switch (r->fmt) {
	case FA_EPP_RFC5734:
		rc = next_raw(r, txn, rej);
		break;
	case FA_EPP_FRAME:
		rc = next_frame(r, txn, rej);
		break;
	default:
		rc = next_envelope(r, txn, rej);
		break;
	}
	if (rc == FA_EIO) {
		rej->pos.path = r->path;
		rej->pos.offset = cur_off(r);
		snprintf(r->reason, sizeof(r->reason), "%s", r->err);
		rej->reason = r->reason;
	} else if (rc == FA_ENOMEM) {
		rej->pos.path = r->path;
		rej->pos.offset = cur_off(r);
		rej->reason = "out of memory";
	}
	if (rc != FA_OK && rc != FA_EOF && rej->reason == r->reason) {
		clean_reason(r->reason);
	}
	return rc;
}

uint64_t fa_epp_reader_offset(const struct fa_epp_reader *r)
{
	return r->done;
}

bool fa_epp_reader_tail(const struct fa_epp_reader *r, uint64_t *offset,
			uint64_t *len)
{
	if (r->tail) {
		*offset = r->tail_off;
		*len = r->tail_len;
	}
	return r->tail;
}

const char *fa_epp_reader_identity(const struct fa_epp_reader *r)
{
	return r->identity;
}

enum fa_epp_format fa_epp_reader_format(const struct fa_epp_reader *r)
{
	return r->fmt;
}

void fa_epp_reader_free(struct fa_epp_reader *r)
{
	if (r == NULL) {
		return;
	}
	if (r->fd >= 0) {
		close(r->fd);
		free(r->buf);
	}
	epp_xml_free(r->xml);
	free(r->norm.buf);
	fa_arena_free(r->cmd.arena);
	fa_arena_free(r->next.arena);
	free(r->path);
	free(r);
}
