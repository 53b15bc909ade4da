/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection handling and the small libpq helpers the rest of the store
 * module shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/fa_arena.h"
#include "store/fa_store.h"
#include "store/fa_store_int.h"

/* Keep a libpq message on one line: it ends up in "x: reason" output. */
static void one_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) {
		s[--n] = '\0';
	}
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t') {
			*p = ' ';
		}
	}
}

void fa_store_pqerr(char *err, size_t errlen, PGconn *conn, const char *what)
{
	snprintf(err, errlen, "%s: %s", what,
		 conn != NULL ? PQerrorMessage(conn) : "no connection");
	one_line(err);
}

int fa_store_open(struct fa_store **out, const char *conninfo, char *err,
		  size_t errlen)
{
	*out = NULL;
	struct fa_store *store = calloc(1, sizeof(*store));
	if (store == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}

	store->conn = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (store->conn == NULL || PQstatus(store->conn) != CONNECTION_OK) {
		fa_store_pqerr(err, errlen, store->conn,
			       "could not connect to the database");
		fa_store_close(store);
		return FA_EDB;
	}

	/* Times are written and read in UTC; notices (e.g. "relation already
	 * exists, skipping") are not for the operator. */
	int rc = fa_store_exec(store,
			       "SET TimeZone = 'UTC'; SET client_min_messages = warning",
			       err, errlen);
	if (rc != FA_OK) {
		fa_store_close(store);
		return rc;
	}
	*out = store;
	return FA_OK;
}

PGconn *fa_store_conn(struct fa_store *store)
{
	return store->conn;
}

void fa_store_close(struct fa_store *store)
{
	if (store == NULL) {
		return;
	}
	if (store->conn != NULL) {
		PQfinish(store->conn);
	}
	free(store);
}

int fa_store_check(PGresult *res, ExecStatusType want, PGconn *conn,
		   const char *what, char *err, size_t errlen)
{
	if (res != NULL && PQresultStatus(res) == want) {
		return FA_OK;
	}
	const char *primary = res != NULL ?
		PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res != NULL ?
		PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	if (primary != NULL) {
		/* The server's primary message, and its detail when it has
		 * one: that is where the reason of a constraint error is. */
		snprintf(err, errlen, "%s: %s%s%s", what, primary,
			 detail != NULL ? ": " : "", detail != NULL ? detail : "");
		one_line(err);
	} else if (res != NULL && PQresultErrorMessage(res)[0] != '\0') {
		snprintf(err, errlen, "%s: %s", what, PQresultErrorMessage(res));
		one_line(err);
	} else {
		fa_store_pqerr(err, errlen, conn, what);
	}
	PQclear(res);
	return FA_EDB;
}

int fa_store_exec(struct fa_store *store, const char *sql, char *err,
		  size_t errlen)
{
	PGresult *res = PQexec(store->conn, sql);
	int rc = fa_store_check(res, PGRES_COMMAND_OK, store->conn,
				"database statement failed", err, errlen);
	if (rc == FA_OK) {
		PQclear(res);
	}
	return rc;
}

int fa_store_copy_in(struct fa_store *store, const char *sql,
		     const struct fa_store_buf *data, uint64_t *rows, char *err,
		     size_t errlen)
{
	PGconn *conn = store->conn;
	PGresult *res = PQexec(conn, sql);
	int rc = fa_store_check(res, PGRES_COPY_IN, conn, "could not start COPY",
				err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	PQclear(res);

	size_t off = 0;
	while (off < data->len) {
		size_t n = data->len - off;
		if (n > FA_STORE_COPY_CHUNK) {
			n = FA_STORE_COPY_CHUNK;
		}
		if (PQputCopyData(conn, data->data + off, (int)n) != 1) {
			fa_store_pqerr(err, errlen, conn, "could not send COPY data");
			return FA_EDB;
		}
		off += n;
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		fa_store_pqerr(err, errlen, conn, "could not end COPY");
		return FA_EDB;
	}

	/* Drain every result so the connection is ready for the next one. */
	rc = FA_OK;
	while ((res = PQgetResult(conn)) != NULL) {
		if (rc == FA_OK) {
			rc = fa_store_check(res, PGRES_COMMAND_OK, conn,
					    "COPY failed", err, errlen);
			if (rc == FA_OK) {
				if (rows != NULL) {
					*rows = strtoull(PQcmdTuples(res), NULL, 10);
				}
				PQclear(res);
			}
		} else {
			PQclear(res);
		}
	}
	return rc;
}

int fa_store_checkpoint_get(struct fa_store *store, const char *identity,
			    uint64_t *offset, char *err, size_t errlen)
{
	const char *params[1] = { identity };
	PGresult *res = PQexecParams(store->conn,
				     "SELECT byte_offset FROM input_checkpoints "
				     "WHERE source_identity = $1",
				     1, NULL, params, NULL, NULL, 0);
	int rc = fa_store_check(res, PGRES_TUPLES_OK, store->conn,
				"could not read the input checkpoint", err,
				errlen);
	if (rc != FA_OK) {
		return rc;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return FA_ENOTFOUND;
	}
	*offset = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return FA_OK;
}

/* ---- growable buffer ---- */

int fa_store_buf_reserve(struct fa_store_buf *b, size_t more)
{
	if (b->cap - b->len > more) {
		return FA_OK;
	}
	size_t cap = b->cap ? b->cap : 65536;
	while (cap - b->len <= more) {
		if (cap > SIZE_MAX / 2) {
			return FA_ENOMEM;
		}
		cap *= 2;
	}
	char *d = realloc(b->data, cap);
	if (d == NULL) {
		return FA_ENOMEM;
	}
	b->data = d;
	b->cap = cap;
	return FA_OK;
}

int fa_store_buf_put(struct fa_store_buf *b, const char *s, size_t n)
{
	if (fa_store_buf_reserve(b, n) != FA_OK) {
		return FA_ENOMEM;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return FA_OK;
}

int fa_store_buf_puts(struct fa_store_buf *b, const char *s)
{
	return fa_store_buf_put(b, s, strlen(s));
}

int fa_store_buf_printf(struct fa_store_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || fa_store_buf_reserve(b, (size_t)n + 1) != FA_OK) {
		return FA_ENOMEM;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return FA_OK;
}

void fa_store_buf_free(struct fa_store_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int fa_store_copy_field(struct fa_store_buf *b, const char *s, char sep)
{
	if (s == NULL) {
		if (fa_store_buf_reserve(b, 3) != FA_OK) {
			return FA_ENOMEM;
		}
		memcpy(b->data + b->len, "\\N", 2);
		b->data[b->len + 2] = sep;
		b->len += 3;
		b->data[b->len] = '\0';
		return FA_OK;
	}

	size_t n = strlen(s);
	/* Worst case every byte needs a backslash. */
	if (fa_store_buf_reserve(b, 2 * n + 2) != FA_OK) {
		return FA_ENOMEM;
	}
	char *o = b->data + b->len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (c) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			*o++ = c;
		}
	}
	*o++ = sep;
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return FA_OK;
}

/* ---- text[] literals ---- */

static bool needs_quotes(const char *s)
{
	if (*s == '\0' || strcasecmp(s, "NULL") == 0) {
		return true;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '{' || *p == '}' ||
		    *p == ',' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r' || *p == '\v' || *p == '\f') {
			return true;
		}
	}
	return false;
}

int fa_store_array_write(struct fa_store_buf *b, const char *const *v,
			 size_t n)
{
	if (fa_store_buf_put(b, "{", 1) != FA_OK) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && fa_store_buf_put(b, ",", 1) != FA_OK) {
			return FA_ENOMEM;
		}
		if (!needs_quotes(v[i])) {
			if (fa_store_buf_puts(b, v[i]) != FA_OK) {
				return FA_ENOMEM;
			}
			continue;
		}
		if (fa_store_buf_put(b, "\"", 1) != FA_OK) {
			return FA_ENOMEM;
		}
		for (const char *p = v[i]; *p != '\0'; p++) {
			if ((*p == '"' || *p == '\\') &&
			    fa_store_buf_put(b, "\\", 1) != FA_OK) {
				return FA_ENOMEM;
			}
			if (fa_store_buf_put(b, p, 1) != FA_OK) {
				return FA_ENOMEM;
			}
		}
		if (fa_store_buf_put(b, "\"", 1) != FA_OK) {
			return FA_ENOMEM;
		}
	}
	return fa_store_buf_put(b, "}", 1);
}

int fa_store_array_parse(struct fa_arena *arena, const char *lit,
			 const char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t len = strlen(lit);
	if (len < 2 || lit[0] != '{' || lit[len - 1] != '}') {
		return FA_EPARSE;
	}

	/* An element count bound: at most one per comma, plus one. */
	size_t max = 1;
	for (size_t i = 0; i < len; i++) {
		max += lit[i] == ',';
	}
	const char **v = fa_arena_alloc(arena, max * sizeof(*v));
	char *tmp = fa_arena_alloc(arena, len + 1);
	if (v == NULL || tmp == NULL) {
		return FA_ENOMEM;
	}

	const char *p = lit + 1;
	const char *end = lit + len - 1;
	size_t count = 0;
	while (p < end) {
		char *start = tmp;
		char *o = tmp;
		if (*p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end) {
					p++;
				}
				*o++ = *p++;
			}
			if (p >= end) {
				return FA_EPARSE;
			}
			p++;
		} else {
			while (p < end && *p != ',') {
				*o++ = *p++;
			}
			if (o - start == 4 && strncasecmp(start, "NULL", 4) == 0) {
				return FA_EPARSE;	/* no NULL elements here */
			}
		}
		*o++ = '\0';
		tmp = o;
		if (count == max) {
			return FA_EPARSE;
		}
		v[count++] = start;
		if (p < end) {
			if (*p != ',') {
				return FA_EPARSE;
			}
			p++;
		}
	}
	*out = v;
	*n = count;
	return FA_OK;
}
