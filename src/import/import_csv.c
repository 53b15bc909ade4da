/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bootstrap CSV reader: lines, RFC 4180 fields, and the checks of each
 * column. A line is a row: no value of this format may contain a line
 * break, so a quoted field that reaches the end of its line is an
 * unterminated quote, and a broken row never swallows the rows after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/fa_addr.h"
#include "common/fa_clid.h"
#include "common/fa_glue.h"
#include "common/fa_name.h"
#include "common/fa_time.h"
#include "import/fa_import.h"

/* Bytes read from the file at a time. */
#define CHUNK (256 * 1024)

/* Room for one line, its terminator and one more chunk. */
#define BUFSZ (FA_IMPORT_MAX_LINE + 2 + CHUNK)

/* No domain was registered before 1985: an earlier creation date is a
 * placeholder or a broken export, not a date. */
#define MIN_CREATED_US INT64_C(473385600000000)

#define REASON_MAX 400

/* The columns, in the order of the header. */
static const char *const fnames[FA_IMPORT_FIELDS] = {
	"type", "name", "registrar", "registrant", "created", "ns", "statuses",
	"addrs",
};

/* RFC 5731 section 2.3. */
static const char *const domain_statuses[] = {
	"clientDeleteProhibited", "clientHold", "clientRenewProhibited",
	"clientTransferProhibited", "clientUpdateProhibited", "inactive", "ok",
	"pendingCreate", "pendingDelete", "pendingRenew", "pendingTransfer",
	"pendingUpdate", "serverDeleteProhibited", "serverHold",
	"serverRenewProhibited", "serverTransferProhibited",
	"serverUpdateProhibited", NULL,
};

/* RFC 5732 section 2.3. */
static const char *const host_statuses[] = {
	"clientDeleteProhibited", "clientUpdateProhibited", "linked", "ok",
	"pendingCreate", "pendingDelete", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverUpdateProhibited", NULL,
};

struct field {
	const char *s;
	size_t n;
};

struct fa_import_reader {
	int fd;			/* -1 for data in memory */
	const char *mem;
	size_t memlen;
	size_t mempos;
	int64_t as_of_us;
	char *path;

	char *buf;		/* [start, end) not yet consumed */
	size_t start;
	size_t end;
	bool eof;
	uint64_t offset;	/* file offset of buf[start] */
	uint64_t line;		/* number of the last line returned */

	EVP_MD_CTX *md;
	char identity[80];

	/* Storage of the current row. */
	char *cells;		/* field values, unquoted */
	struct field fields[FA_IMPORT_FIELDS];
	size_t nfields;
	char name[FA_NAME_BUFSZ];
	char registrar[FA_IMPORT_MAX_LINE / 4];
	char registrant[FA_IMPORT_MAX_LINE / 4];
	char ns[FA_IMPORT_MAX_NS][FA_NAME_BUFSZ];
	char addrs[FA_IMPORT_MAX_ADDRS][FA_ADDR_BUFSZ];
	char excerpt[FA_IMPORT_MAX_EXCERPT + 4];
	char reason[REASON_MAX];
};

/* ---- input ---- */

static int fill(struct fa_import_reader *r, char *err, size_t errlen)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	size_t room = BUFSZ - r->end;
	if (room > CHUNK) {
		room = CHUNK;
	}
	ssize_t n;
	if (r->fd < 0) {
		n = (ssize_t)(r->memlen - r->mempos < room ? r->memlen - r->mempos : room);
		memcpy(r->buf + r->end, r->mem + r->mempos, (size_t)n);
		r->mempos += (size_t)n;
	} else {
		do {
			n = read(r->fd, r->buf + r->end, room);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			snprintf(err, errlen, "could not read \"%s\": %s", r->path,
				 strerror(errno));
			return FA_EIO;
		}
	}
	if (n == 0) {
		r->eof = true;
		return FA_OK;
	}
	if (EVP_DigestUpdate(r->md, r->buf + r->end, (size_t)n) != 1) {
		snprintf(err, errlen, "could not hash \"%s\"", r->path);
		return FA_EIO;
	}
	r->end += (size_t)n;
	return FA_OK;
}

/*
 * The next line: *s and *n without its LF (and the CR of a CRLF), *at its
 * file offset, *toolong when it was longer than the limit (then only its
 * first FA_IMPORT_MAX_LINE bytes are given). FA_EOF when nothing is left.
 */
static int next_line(struct fa_import_reader *r, const char **s, size_t *n,
		     uint64_t *at, bool *toolong, char *err, size_t errlen)
{
	*toolong = false;
	for (;;) {
		char *lf = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t have = r->end - r->start;
		if (lf != NULL || r->eof || have > FA_IMPORT_MAX_LINE) {
			size_t len = lf != NULL ? (size_t)(lf - (r->buf + r->start)) : have;
			if (len == 0 && lf == NULL) {
				return FA_EOF;
			}
			*at = r->offset;
			*s = r->buf + r->start;
			if (len > FA_IMPORT_MAX_LINE) {
				/* Keep its beginning for the excerpt, skip the
				 * rest up to its line end. */
				*toolong = true;
				*n = FA_IMPORT_MAX_LINE;
				break;
			}
			size_t used = len + (lf != NULL ? 1 : 0);
			r->start += used;
			r->offset += used;
			*n = len > 0 && (*s)[len - 1] == '\r' ? len - 1 : len;
			r->line++;
			return FA_OK;
		}
		int rc = fill(r, err, errlen);
		if (rc != FA_OK) {
			return rc;
		}
	}

	/* Too long: the excerpt is copied before the buffer moves. */
	size_t keep = *n < FA_IMPORT_MAX_EXCERPT ? *n : FA_IMPORT_MAX_EXCERPT;
	memcpy(r->cells, *s, keep);
	*s = r->cells;
	*n = keep;
	r->line++;
	for (;;) {
		char *lf = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t used = lf != NULL ? (size_t)(lf - (r->buf + r->start)) + 1
					 : r->end - r->start;
		r->start += used;
		r->offset += used;
		if (lf != NULL || r->eof) {
			return FA_OK;
		}
		int rc = fill(r, err, errlen);
		if (rc != FA_OK) {
			return rc;
		}
	}
}

/* ---- fields ---- */

/* Split a line into RFC 4180 fields (unquoted into r->cells). Returns
 * NULL, or why the line is no CSV row. Fields past the expected count are
 * counted, not kept. */
static const char *split(struct fa_import_reader *r, const char *s, size_t n)
{
	char *o = r->cells;
	size_t i = 0;

	r->nfields = 0;
	for (;;) {
		char *begin = o;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n) {
					return "unterminated quoted field";
				}
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*o++ = s[i++];
			}
			if (i < n && s[i] != ',') {
				return "character after the closing quote of a field";
			}
		} else {
			while (i < n && s[i] != ',') {
				if (s[i] == '"') {
					return "quote inside an unquoted field";
				}
				*o++ = s[i++];
			}
		}
		if (r->nfields < FA_IMPORT_FIELDS) {
			r->fields[r->nfields].s = begin;
			r->fields[r->nfields].n = (size_t)(o - begin);
		}
		r->nfields++;
		if (i >= n) {
			return NULL;
		}
		i++;	/* the comma */
	}
}

/* A value shown inside a reason: printable ASCII, at most 64 bytes. */
static void shown(char *out, size_t outlen, const char *s, size_t n)
{
	size_t k = 0;
	size_t max = n < 64 ? n : 64;
	for (size_t i = 0; i < max && k + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		out[k++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
	}
	if (n > max && k + 4 < outlen) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

static void excerpt(struct fa_import_reader *r, const char *s, size_t n)
{
	size_t max = n < FA_IMPORT_MAX_EXCERPT ? n : FA_IMPORT_MAX_EXCERPT;
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		r->excerpt[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	r->excerpt[max] = '\0';
}

static int bad(struct fa_import_reader *r, const char *fmt, ...) FA_PRINTF(2, 3);

static int bad(struct fa_import_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);

	/* The reason quotes input (through the shared checks too): it goes
	 * to a terminal and into a text column, so it is kept to printable
	 * ASCII; bytes that are not UTF-8 would make the database refuse it. */
	for (char *p = r->reason; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			*p = '?';
		}
	}
	return FA_EPARSE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort and drop duplicates; returns the new count. */
static size_t sort_unique(const char **v, size_t n)
{
	if (n == 0) {
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i], v[k - 1]) != 0) {
			v[k++] = v[i];
		}
	}
	return k;
}

/* The next space-separated token of f at *pos, or 0 at the end. */
static size_t token(const struct field *f, size_t *pos, const char **tok)
{
	size_t i = *pos;
	while (i < f->n && f->s[i] == ' ') {
		i++;
	}
	size_t b = i;
	while (i < f->n && f->s[i] != ' ') {
		i++;
	}
	*pos = i;
	*tok = f->s + b;
	return i - b;
}

enum col { C_TYPE, C_NAME, C_REGISTRAR, C_REGISTRANT, C_CREATED, C_NS,
	   C_STATUSES, C_ADDRS };

static int clid(struct fa_import_reader *r, enum col c, char *out, size_t outlen)
{
	const struct field *f = &r->fields[c];
	char why[160];
	if (fa_clid_check(f->s, f->n, why, sizeof(why)) != FA_OK) {
		return bad(r, "invalid %s %s", fnames[c], why);
	}
	if (f->n >= outlen) {
		return bad(r, "invalid %s: too long", fnames[c]);
	}
	memcpy(out, f->s, f->n);
	out[f->n] = '\0';
	return FA_OK;
}

static int statuses(struct fa_import_reader *r, struct fa_import_row *row)
{
	const char *const *known = row->type == FA_IMPORT_DOMAIN ? domain_statuses
								 : host_statuses;
	const struct field *f = &r->fields[C_STATUSES];
	size_t pos = 0;
	const char *tok;
	size_t n;
	char sv[80];

	row->nstatuses = 0;
	while ((n = token(f, &pos, &tok)) > 0) {
		const char *hit = NULL;
		for (size_t i = 0; known[i] != NULL && hit == NULL; i++) {
			if (strlen(known[i]) == n && memcmp(known[i], tok, n) == 0) {
				hit = known[i];
			}
		}
		if (hit == NULL) {
			shown(sv, sizeof(sv), tok, n);
			return bad(r, "invalid %s status \"%s\": not a status of RFC %s",
				   row->type == FA_IMPORT_DOMAIN ? "domain" : "host", sv,
				   row->type == FA_IMPORT_DOMAIN ? "5731" : "5732");
		}
		if (row->nstatuses == FA_IMPORT_MAX_STATUSES) {
			return bad(r, "too many statuses (more than %d)",
				   FA_IMPORT_MAX_STATUSES);
		}
		row->statuses[row->nstatuses++] = hit;
	}
	row->nstatuses = sort_unique(row->statuses, row->nstatuses);
	return FA_OK;
}

static int name_servers(struct fa_import_reader *r, struct fa_import_row *row)
{
	const struct field *f = &r->fields[C_NS];
	size_t pos = 0;
	size_t count = 0;
	const char *tok;
	size_t n;
	char why[200];

	row->nns = 0;
	while ((n = token(f, &pos, &tok)) > 0) {
		count++;
		if (count > FA_IMPORT_MAX_NS) {
			continue;	/* counted for the message below */
		}
		if (fa_name_normalize(tok, n, 0, r->ns[row->nns], FA_NAME_BUFSZ, why,
				      sizeof(why)) != FA_OK) {
			return bad(r, "%s in \"ns\"", why);
		}
		row->ns[row->nns] = r->ns[row->nns];
		row->nns++;
	}
	if (count > FA_IMPORT_MAX_NS) {
		return bad(r, "too many name servers (%zu, at most %d)", count,
			   FA_IMPORT_MAX_NS);
	}
	row->nns = sort_unique(row->ns, row->nns);
	return FA_OK;
}

static int addresses(struct fa_import_reader *r, struct fa_import_row *row)
{
	const struct field *f = &r->fields[C_ADDRS];
	size_t pos = 0;
	size_t count = 0;
	const char *tok;
	size_t n;
	char why[200];

	row->naddrs = 0;
	while ((n = token(f, &pos, &tok)) > 0) {
		count++;
		if (count > FA_IMPORT_MAX_ADDRS) {
			continue;
		}
		char *a = r->addrs[row->naddrs];
		enum fa_addr_family fam;
		if (fa_addr_normalize(tok, n, FA_ADDR_ANY, a, FA_ADDR_BUFSZ, &fam, why,
				      sizeof(why)) != FA_OK) {
			return bad(r, "%s in \"addrs\"", why);
		}
		const char *no = fa_glue_check(a, fam);
		if (no != NULL) {
			return bad(r, "invalid glue address \"%s\" in \"addrs\": %s", a, no);
		}
		row->addrs[row->naddrs++] = a;
	}
	if (count > FA_IMPORT_MAX_ADDRS) {
		return bad(r, "too many addresses (%zu, at most %d)", count,
			   FA_IMPORT_MAX_ADDRS);
	}
	row->naddrs = sort_unique(row->addrs, row->naddrs);
	return FA_OK;
}

static int created(struct fa_import_reader *r, struct fa_import_row *row)
{
	const struct field *f = &r->fields[C_CREATED];
	char sv[80];
	char tb[FA_TIME_BUFSZ];

	shown(sv, sizeof(sv), f->s, f->n);
	if (f->n == 0) {
		return bad(r, "missing created date");
	}
	if (fa_time_parse(f->s, f->n, &row->created_us) != FA_OK) {
		return bad(r, "invalid created date \"%s\": expected RFC 3339", sv);
	}
	if (row->created_us < MIN_CREATED_US) {
		return bad(r, "invalid created date \"%s\": before 1985", sv);
	}
	if (row->created_us > r->as_of_us) {
		return bad(r, "invalid created date \"%s\": after the export time %s", sv,
			   fa_time_format(r->as_of_us, tb, sizeof(tb)));
	}
	return FA_OK;
}

/* Columns that do not apply to the row's type must be empty. */
static int empty(struct fa_import_reader *r, const enum col *cols, size_t n,
		 const char *type)
{
	for (size_t i = 0; i < n; i++) {
		if (r->fields[cols[i]].n > 0) {
			return bad(r, "field \"%s\" must be empty for a %s", fnames[cols[i]],
				   type);
		}
	}
	return FA_OK;
}

static int validate(struct fa_import_reader *r, struct fa_import_row *row)
{
	const struct field *f = r->fields;
	char sv[80];
	char why[200];
	int rc;

	if (r->nfields != FA_IMPORT_FIELDS) {
		return bad(r, "expected %d fields, found %zu", FA_IMPORT_FIELDS, r->nfields);
	}
	if (f[C_TYPE].n == 6 && memcmp(f[C_TYPE].s, "domain", 6) == 0) {
		row->type = FA_IMPORT_DOMAIN;
	} else if (f[C_TYPE].n == 4 && memcmp(f[C_TYPE].s, "host", 4) == 0) {
		row->type = FA_IMPORT_HOST;
	} else {
		shown(sv, sizeof(sv), f[C_TYPE].s, f[C_TYPE].n);
		return bad(r, "invalid type \"%s\": expected domain or host", sv);
	}
	if (fa_name_normalize(f[C_NAME].s, f[C_NAME].n, 0, r->name, sizeof(r->name),
			      why, sizeof(why)) != FA_OK) {
		return bad(r, "%s in \"name\"", why);
	}
	row->name = r->name;
	if (f[C_REGISTRAR].n == 0) {
		return bad(r, "missing registrar");
	}
	rc = clid(r, C_REGISTRAR, r->registrar, sizeof(r->registrar));
	if (rc != FA_OK) {
		return rc;
	}
	row->registrar = r->registrar;
	row->registrant = NULL;
	row->created_us = 0;
	row->nns = 0;
	row->naddrs = 0;

	if (row->type == FA_IMPORT_DOMAIN) {
		static const enum col not_domain[] = { C_ADDRS };
		rc = empty(r, not_domain, 1, "domain");
		if (rc == FA_OK && f[C_REGISTRANT].n > 0) {
			rc = clid(r, C_REGISTRANT, r->registrant, sizeof(r->registrant));
			row->registrant = r->registrant;
		}
		rc = rc ? rc : created(r, row);
		rc = rc ? rc : name_servers(r, row);
	} else {
		static const enum col not_host[] = { C_REGISTRANT, C_CREATED, C_NS };
		rc = empty(r, not_host, 3, "host");
		rc = rc ? rc : addresses(r, row);
	}
	return rc ? rc : statuses(r, row);
}

/* ---- the reader ---- */

static int check_header(struct fa_import_reader *r, char *err, size_t errlen)
{
	const char *s;
	size_t n;
	uint64_t at;
	bool toolong;
	int rc = next_line(r, &s, &n, &at, &toolong, err, errlen);
	if (rc == FA_EOF) {
		snprintf(err, errlen, "\"%s\" is empty: expected the header \"%s\"",
			 r->path, FA_IMPORT_HEADER);
		return FA_EPARSE;
	}
	if (rc != FA_OK) {
		return rc;
	}
	bool ok = !toolong && split(r, s, n) == NULL && r->nfields == FA_IMPORT_FIELDS;
	for (size_t i = 0; ok && i < FA_IMPORT_FIELDS; i++) {
		ok = r->fields[i].n == strlen(fnames[i]) &&
		     memcmp(r->fields[i].s, fnames[i], r->fields[i].n) == 0;
	}
	if (!ok) {
		char sv[80];
		shown(sv, sizeof(sv), s, n);
		snprintf(err, errlen, "\"%s\": line 1 is not the header \"%s\": found \"%s\"",
			 r->path, FA_IMPORT_HEADER, sv);
		return FA_EPARSE;
	}
	return FA_OK;
}

static int start(struct fa_import_reader *r, int64_t as_of_us, char *err,
		 size_t errlen)
{
	r->as_of_us = as_of_us;
	r->buf = malloc(BUFSZ);
	r->cells = malloc(FA_IMPORT_MAX_LINE + 1);
	r->md = EVP_MD_CTX_new();
	if (r->buf == NULL || r->cells == NULL || r->md == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	if (EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "could not start SHA-256");
		return FA_EIO;
	}
	return check_header(r, err, errlen);
}

int fa_import_reader_open(struct fa_import_reader **out, const char *path,
			  int64_t as_of_us, char *err, size_t errlen)
{
	*out = NULL;
	struct fa_import_reader *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = strdup(path)) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		fa_import_reader_free(r);
		return FA_EIO;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "could not read \"%s\": Is a directory", path);
		fa_import_reader_free(r);
		return FA_EIO;
	}
	if (as_of_us == FA_IMPORT_AS_OF_MTIME) {
		as_of_us = (int64_t)sb.st_mtim.tv_sec * 1000000 + sb.st_mtim.tv_nsec / 1000;
	}
	int rc = start(r, as_of_us, err, errlen);
	if (rc != FA_OK) {
		fa_import_reader_free(r);
		return rc;
	}
	*out = r;
	return FA_OK;
}

int fa_import_reader_open_mem(struct fa_import_reader **out, const char *data,
			      size_t len, int64_t as_of_us, char *err,
			      size_t errlen)
{
	*out = NULL;
	struct fa_import_reader *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = strdup("(memory)")) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	r->fd = -1;
	r->mem = data;
	r->memlen = len;
	int rc = start(r, as_of_us == FA_IMPORT_AS_OF_MTIME ? 0 : as_of_us, err, errlen);
	if (rc != FA_OK) {
		fa_import_reader_free(r);
		return rc;
	}
	*out = r;
	return FA_OK;
}

int fa_import_reader_next(struct fa_import_reader *r, struct fa_import_row *row,
			  struct fa_import_reject *rej)
{
	const char *s;
	size_t n;
	uint64_t at;
	bool toolong;
	int rc;

	do {
		rc = next_line(r, &s, &n, &at, &toolong, r->reason, sizeof(r->reason));
	} while (rc == FA_OK && n == 0 && !toolong);
	if (rc == FA_EOF) {
		return FA_EOF;
	}
	if (rc != FA_OK) {
		memset(rej, 0, sizeof(*rej));
		rej->reason = r->reason;
		return FA_EIO;
	}

	excerpt(r, s, n);
	if (toolong) {
		rc = bad(r, "line longer than %d bytes", FA_IMPORT_MAX_LINE);
	} else {
		const char *why = split(r, s, n);
		rc = why != NULL ? bad(r, "%s", why) : validate(r, row);
	}
	if (rc != FA_OK) {
		rej->line = r->line;
		rej->offset = at;
		rej->reason = r->reason;
		rej->excerpt = r->excerpt;
		return FA_EPARSE;
	}
	row->line = r->line;
	row->offset = at;
	row->excerpt = r->excerpt;
	return FA_OK;
}

const char *fa_import_reader_identity(struct fa_import_reader *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* Finished on a copy, so that reading may go on. */
	r->identity[0] = '\0';
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	if (copy != NULL && EVP_MD_CTX_copy_ex(copy, r->md) == 1 &&
	    EVP_DigestFinal_ex(copy, md, &mdlen) == 1) {
		size_t k = (size_t)snprintf(r->identity, sizeof(r->identity), "import:sha256:");
		for (unsigned int i = 0; i < mdlen && k + 2 < sizeof(r->identity); i++) {
			k += (size_t)snprintf(r->identity + k, sizeof(r->identity) - k, "%02x",
					      md[i]);
		}
	}
	EVP_MD_CTX_free(copy);
	return r->identity;
}

int64_t fa_import_reader_as_of(const struct fa_import_reader *r)
{
	return r->as_of_us;
}

uint64_t fa_import_reader_offset(const struct fa_import_reader *r)
{
	return r->offset;
}

void fa_import_reader_free(struct fa_import_reader *r)
{
	if (r == NULL) {
		return;
	}
	if (r->fd >= 0) {
		close(r->fd);
	}
	EVP_MD_CTX_free(r->md);
	free(r->buf);
	free(r->cells);
	free(r->path);
	free(r);
}

size_t fa_import_suffixes(const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (const char *p = name; p != NULL && *p != '\0' && n < max;) {
		out[n++] = p;
		p = strchr(p, '.');
		if (p != NULL) {
			p++;
		}
	}
	return n;
}
