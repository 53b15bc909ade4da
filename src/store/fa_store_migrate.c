/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema migrations: ordered NNN_name.sql files, each applied in one
 * transaction together with its fa_migrations row.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/fa_store.h"
#include "store/fa_store_int.h"

/* Schema files are small; anything larger is not one of ours. */
#define MAX_SQL_FILE (16 * 1024 * 1024)
#define MAX_MIGRATIONS 10000

/* Arbitrary but fixed key of the advisory lock that serializes migrate
 * runs ("fa-mig" in ASCII). */
#define MIGRATE_LOCK_KEY "113723580951911"

static const char create_table[] =
	"CREATE TABLE IF NOT EXISTS fa_migrations ("
	" version integer PRIMARY KEY,"
	" name text NOT NULL,"
	" sha256 text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

static int read_file(const char *path, char **out, size_t *len, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "could not open \"%s\": %s", path,
			 strerror(errno));
		return FA_EIO;
	}
	char *buf = NULL;
	size_t n = 0;
	int rc = FA_OK;
	buf = malloc(MAX_SQL_FILE + 1);
	if (buf == NULL) {
		rc = FA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	n = fread(buf, 1, MAX_SQL_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "could not read \"%s\": %s", path,
			 strerror(errno));
		rc = FA_EIO;
		goto out;
	}
	if (n > MAX_SQL_FILE) {
		snprintf(err, errlen, "could not read \"%s\": larger than %d bytes",
			 path, MAX_SQL_FILE);
		rc = FA_ELIMIT;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++) {
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	}
	hex[64] = '\0';
}

/* "NNN_anything.sql" -> NNN; -1 for other names. */
static int file_version(const char *name)
{
	size_t len = strlen(name);
	size_t digits = 0;
	while (isdigit((unsigned char)name[digits])) {
		digits++;
	}
	if (digits == 0 || digits > 6 || name[digits] != '_' || len < 5 ||
	    strcmp(name + len - 4, ".sql") != 0) {
		return -1;
	}
	return atoi(name);
}

static int by_version(const void *a, const void *b)
{
	const struct fa_store_migration *x = a;
	const struct fa_store_migration *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* The migration files of dir, with checksums, sorted by version. */
static int scan_dir(const char *dir, struct fa_store_migration **out,
		    size_t *n, char *err, size_t errlen)
{
	struct fa_store_migration *v = NULL;
	size_t count = 0;
	int rc = FA_OK;
	DIR *d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "could not open directory \"%s\": %s", dir,
			 strerror(errno));
		return FA_EIO;
	}

	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int version = file_version(de->d_name);
		if (version < 0) {
			continue;
		}
		if (strlen(de->d_name) >= sizeof(v->name) || count == MAX_MIGRATIONS) {
			snprintf(err, errlen, "too many or too long migration file names in \"%s\"",
				 dir);
			rc = FA_ELIMIT;
			goto out;
		}
		struct fa_store_migration *nv = realloc(v, (count + 1) * sizeof(*v));
		if (nv == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = FA_ENOMEM;
			goto out;
		}
		v = nv;
		memset(&v[count], 0, sizeof(v[count]));
		v[count].version = version;
		snprintf(v[count].name, sizeof(v[count].name), "%s", de->d_name);
		count++;
	}
	qsort(v, count, sizeof(*v), by_version);

	for (size_t i = 0; i < count; i++) {
		if (i > 0 && v[i].version == v[i - 1].version) {
			snprintf(err, errlen, "migration files \"%s\" and \"%s\" have the same version %d",
				 v[i - 1].name, v[i].name, v[i].version);
			rc = FA_EINVAL;
			goto out;
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, v[i].name);
		char *text = NULL;
		size_t len = 0;
		rc = read_file(path, &text, &len, err, errlen);
		if (rc != FA_OK) {
			goto out;
		}
		sha256_hex(text, len, v[i].sha256);
		free(text);
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	free(v);
	closedir(d);
	return rc;
}

/* Merge the rows of fa_migrations into the file list. */
static int merge_applied(struct fa_store *store, struct fa_store_migration **list,
			 size_t *n, char *err, size_t errlen)
{
	PGresult *res = PQexec(store->conn,
			       "SELECT version, name, sha256, to_char(applied_at, "
			       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM fa_migrations "
			       "ORDER BY version");
	int rc = fa_store_check(res, PGRES_TUPLES_OK, store->conn,
				"could not read \"fa_migrations\"", err, errlen);
	if (rc != FA_OK) {
		return rc;
	}

	for (int r = 0; r < PQntuples(res); r++) {
		int version = atoi(PQgetvalue(res, r, 0));
		struct fa_store_migration *m = NULL;
		for (size_t i = 0; i < *n; i++) {
			if ((*list)[i].version == version) {
				m = &(*list)[i];
			}
		}
		if (m == NULL) {
			struct fa_store_migration *nv =
				realloc(*list, (*n + 1) * sizeof(**list));
			if (nv == NULL) {
				PQclear(res);
				snprintf(err, errlen, "out of memory");
				return FA_ENOMEM;
			}
			*list = nv;
			m = &nv[(*n)++];
			memset(m, 0, sizeof(*m));
			m->version = version;
			m->missing = 1;
			snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(res, r, 1));
		}
		m->applied = 1;
		m->changed = !m->missing && strcmp(m->sha256, PQgetvalue(res, r, 2)) != 0;
		snprintf(m->applied_at, sizeof(m->applied_at), "%s",
			 PQgetvalue(res, r, 3));
	}
	PQclear(res);
	qsort(*list, *n, sizeof(**list), by_version);
	return FA_OK;
}

int fa_store_migration_status(struct fa_store *store, const char *dir,
			      struct fa_store_migration **out, size_t *n,
			      char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	int rc = scan_dir(dir, out, n, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}

	PGresult *res = PQexec(store->conn,
			       "SELECT to_regclass('fa_migrations') IS NOT NULL");
	rc = fa_store_check(res, PGRES_TUPLES_OK, store->conn,
			    "could not look for \"fa_migrations\"", err, errlen);
	if (rc != FA_OK) {
		goto fail;
	}
	bool exists = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (exists) {
		rc = merge_applied(store, out, n, err, errlen);
		if (rc != FA_OK) {
			goto fail;
		}
	}
	return FA_OK;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return rc;
}

static int apply_one(struct fa_store *store, const char *dir,
		     struct fa_store_migration *m, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, m->name);
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, &text, &len, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}

	/* The file may have changed since it was scanned: record what runs. */
	sha256_hex(text, len, m->sha256);
	rc = fa_store_exec(store, "BEGIN", err, errlen);
	if (rc != FA_OK) {
		goto out;
	}

	PGresult *res = PQexec(store->conn, text);
	char what[512];
	snprintf(what, sizeof(what), "could not apply \"%s\"", m->name);
	rc = fa_store_check(res, PGRES_COMMAND_OK, store->conn, what, err, errlen);
	if (rc != FA_OK) {
		goto rollback;
	}
	PQclear(res);

	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *params[3] = { version, m->name, m->sha256 };
	res = PQexecParams(store->conn,
			   "INSERT INTO fa_migrations (version, name, sha256) "
			   "VALUES ($1, $2, $3) RETURNING to_char(applied_at, "
			   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
			   3, NULL, params, NULL, NULL, 0);
	rc = fa_store_check(res, PGRES_TUPLES_OK, store->conn, what, err, errlen);
	if (rc != FA_OK) {
		goto rollback;
	}
	snprintf(m->applied_at, sizeof(m->applied_at), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	rc = fa_store_exec(store, "COMMIT", err, errlen);
	if (rc == FA_OK) {
		m->applied = 1;
	}
	goto out;
rollback:
	PQclear(PQexec(store->conn, "ROLLBACK"));
out:
	free(text);
	return rc;
}

int fa_store_migrate(struct fa_store *store, const char *dir,
		     void (*applied)(const struct fa_store_migration *m,
				     void *arg),
		     void *arg, size_t *napplied, char *err, size_t errlen)
{
	struct fa_store_migration *list = NULL;
	size_t n = 0;
	bool locked = false;
	*napplied = 0;

	PGresult *res = PQexec(store->conn,
			       "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")");
	int rc = fa_store_check(res, PGRES_TUPLES_OK, store->conn,
				"could not lock the migrations", err, errlen);
	if (rc != FA_OK) {
		goto out;
	}
	PQclear(res);
	locked = true;

	rc = fa_store_exec(store, create_table, err, errlen);
	if (rc != FA_OK) {
		goto out;
	}
	rc = fa_store_migration_status(store, dir, &list, &n, err, errlen);
	if (rc != FA_OK) {
		goto out;
	}

	/* Refuse before touching anything when history does not match. */
	for (size_t i = 0; i < n; i++) {
		if (list[i].changed) {
			snprintf(err, errlen, "migration \"%s\" was changed after it was applied (checksum differs from the one recorded)",
				 list[i].name);
			rc = FA_EINVAL;
			goto out;
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (list[i].applied || list[i].missing) {
			continue;
		}
		rc = apply_one(store, dir, &list[i], err, errlen);
		if (rc != FA_OK) {
			goto out;
		}
		(*napplied)++;
		if (applied != NULL) {
			applied(&list[i], arg);
		}
	}
out:
	if (locked) {
		PQclear(PQexec(store->conn,
			       "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	}
	free(list);
	return rc;
}
