/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit ingest zone: store a zone snapshot (diffed against the model
 * of the last one ingested) or an increment (IXFR or journal print) as
 * zone.* events, and keep the model for the next one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/fa_cli.h"
#include "common/fa_file.h"
#include "common/fa_name.h"
#include "common/fa_time.h"
#include "store/fa_store.h"
#include "store/fa_store_zone.h"
#include "zone/fa_zone.h"

struct args {
	struct fa_zone_opts zo;
	char zone[FA_ZONE_NAMESZ];	/* the origin as stored */
	const char *file;
	enum fa_zone_incr_format fmt;
	bool incr;
	bool has_time;
	int64_t time_us;
};

struct run {
	const struct fa_cli *cli;
	struct args *a;
	struct fa_store *store;
	struct fa_store_zone *zi;
	char err[2048];
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] ingest zone --origin ORIGIN [OPTIONS] FILE\n"
		"       %s [--db CONNINFO] ingest zone --origin ORIGIN --ixfr|--journal FILE\n"
		"\n"
		"Store the delegation changes of a zone. The first snapshot of a zone is\n"
		"its baseline (no events); each later one is diffed against the last one\n"
		"ingested, and the changes become zone.* events attributed to the\n"
		"registrar and registrant the state knows. A serial already ingested is\n"
		"skipped; an older one is refused. An IXFR print or a BIND journal print\n"
		"must start at the last ingested serial.\n"
		"\n"
		"  --origin ORIGIN  the zone's origin (\".\" for the root)\n"
		"  --ixfr           FILE is an IXFR as `dig ixfr=SERIAL` prints it\n"
		"  --journal        FILE is a `named-journalprint` print\n"
		"  --time T         data time of the events (RFC 3339; default: the\n"
		"                   file's modification time)\n"
		"  --allow-include  follow $INCLUDE (refused otherwise)\n",
		prog, prog);
}

static int usage_error(const struct fa_cli *cli, const char *why)
{
	fprintf(stderr, "%s: ingest zone: %s\n", cli->prog, why);
	usage(stderr, cli->prog);
	return FA_EXIT_USAGE;
}

static int store_origin(const char *origin, char *out, size_t outlen)
{
	size_t len = strlen(origin);

	if (strcmp(origin, ".") == 0) {
		snprintf(out, outlen, ".");
		return FA_OK;
	}
	if (len > 0 && origin[len - 1] == '.') {
		len--;
	}
	return fa_name_normalize(origin, len, FA_NAME_UNDERSCORE, out, outlen,
				 NULL, 0);
}

static int parse_args(const struct fa_cli *cli, int argc, char **argv,
		      struct args *a)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "ixfr", no_argument, NULL, 'x' },
		{ "journal", no_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "allow-include", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->zo.origin = optarg;
			break;
		case 'x':
		case 'j':
			if (a->incr) {
				return usage_error(cli, "--ixfr and --journal exclude "
							"each other");
			}
			a->incr = true;
			a->fmt = c == 'x' ? FA_ZONE_IXFR : FA_ZONE_JOURNAL;
			break;
		case 't':
			if (fa_time_parse(optarg, strlen(optarg), &a->time_us) !=
			    FA_OK) {
				return usage_error(cli, "--time expects an RFC 3339 "
							"time");
			}
			a->has_time = true;
			break;
		case 'i':
			a->zo.allow_include = true;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return -1;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (a->zo.origin == NULL) {
		return usage_error(cli, "--origin is required");
	}
	if (store_origin(a->zo.origin, a->zone, sizeof(a->zone)) != FA_OK) {
		return usage_error(cli, "--origin is not a valid domain name");
	}
	if (argc - optind != 1) {
		return usage_error(cli, "exactly one FILE is needed");
	}
	a->file = argv[optind];
	return FA_EXIT_OK;
}

/*
 * The input must be a regular file, checked before the zone's transaction
 * and lock are taken: a FIFO would keep both while it waits for a writer.
 * Its time is the file's unless --time gave one.
 */
static int check_input(struct run *r)
{
	struct stat st;
	int fd;
	int rc = fa_file_open_regular(r->a->file, &fd, &st, r->err, sizeof(r->err));

	if (rc != FA_OK) {
		return rc;
	}
	close(fd);
	if (!r->a->has_time) {
		r->a->time_us = (int64_t)st.st_mtim.tv_sec * 1000000 +
				st.st_mtim.tv_nsec / 1000;
	}
	return FA_OK;
}

static int on_record(void *arg, const struct fa_zone_record *rec)
{
	struct run *r = arg;

	return fa_store_zone_add_record(r->zi, rec->owner, rec->rrtype,
					rec->value, rec->ttl, r->err,
					sizeof(r->err));
}

static int on_change(void *arg, const struct fa_zone_change *ch)
{
	struct run *r = arg;

	return fa_store_zone_add_change(r->zi, fa_zone_kind_name(ch->kind),
					ch->name, ch->rrtype, ch->value,
					ch->old_value, ch->ttl, r->err,
					sizeof(r->err));
}

/* Diff the new file against the stored model, written out as a master
 * file so that both sides go through the same reader. */
static int diff_against_model(struct run *r, uint32_t last_serial)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	uint64_t n;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/fluxaudit-zone-XXXXXX",
		 dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(r->err, sizeof(r->err),
			 "could not create a temporary file in \"%s\": %s",
			 dir != NULL ? dir : "/tmp", strerror(errno));
		return FA_EIO;
	}
	close(fd);
	rc = fa_store_zone_export(r->zi, path, last_serial, &n, r->err,
				  sizeof(r->err));
	if (rc == FA_OK) {
		rc = fa_zone_diff_files(path, r->a->file, &r->a->zo, on_change, r,
					NULL, r->err, sizeof(r->err));
	}
	unlink(path);
	return rc;
}

/* Which serial a snapshot has, and whether it may be ingested now. */
static int check_snapshot(struct run *r, const struct fa_store_zone_last *last,
			  uint32_t serial, bool *skip)
{
	bool seen = false;
	int rc = fa_store_zone_has_serial(r->zi, serial, &seen, r->err,
					  sizeof(r->err));

	*skip = false;
	if (rc != FA_OK) {
		return rc;
	}
	if (seen) {
		*skip = true;
		return FA_OK;
	}
	if (last->found && !fa_store_zone_serial_newer(serial, last->serial)) {
		snprintf(r->err, sizeof(r->err),
			 "\"%s\": serial %" PRIu32 " of zone \"%s\" is older than "
			 "the last ingested serial %" PRIu32 " (RFC 1982); feed "
			 "snapshots in order",
			 r->a->file, serial, r->a->zone, last->serial);
		return FA_EINVAL;
	}
	return FA_OK;
}

static int check_incr(struct run *r, const struct fa_store_zone_last *last,
		      const struct fa_zone_serials *sr, bool *skip)
{
	*skip = false;
	if (!last->found) {
		snprintf(r->err, sizeof(r->err),
			 "\"%s\": zone \"%s\" has no ingested snapshot yet; an "
			 "increment needs a baseline snapshot first",
			 r->a->file, r->a->zone);
		return FA_EINVAL;
	}
	if (!sr->has_from || !sr->has_to) {
		snprintf(r->err, sizeof(r->err),
			 "\"%s\": no SOA serials in the increment", r->a->file);
		return FA_EPARSE;
	}
	bool seen = false;
	int rc = fa_store_zone_has_serial(r->zi, sr->to, &seen, r->err,
					  sizeof(r->err));
	if (rc != FA_OK || seen) {
		*skip = seen;
		return rc;
	}
	if (sr->from != last->serial) {
		snprintf(r->err, sizeof(r->err),
			 "\"%s\": the increment goes from serial %" PRIu32
			 " to %" PRIu32 ", but the last ingested serial of zone "
			 "\"%s\" is %" PRIu32,
			 r->a->file, sr->from, sr->to, r->a->zone, last->serial);
		return FA_EINVAL;
	}
	return FA_OK;
}

static void print_summary(const struct run *r,
			  const struct fa_store_zone_meta *meta,
			  const struct fa_store_zone_result *res)
{
	printf("%s: zone %s serial %" PRIu32 " (%s): %" PRIu64 " events, "
	       "%" PRIu64 " attributed, %" PRIu64 " model records",
	       r->a->file, r->a->zone, meta->serial, meta->kind, res->events,
	       res->attributed, res->records);
	if (res->kinds[0] != '\0') {
		printf("; %s", res->kinds);
	}
	putchar('\n');
}

/* Read the input into the open ingest. *skip: nothing to do. */
static int stage_input(struct run *r, const struct fa_store_zone_last *last,
		       struct fa_store_zone_meta *meta, bool *skip)
{
	struct args *a = r->a;
	struct fa_zone_serials sr = { 0 };
	uint32_t serial = 0;
	int rc;

	if (a->incr) {
		meta->kind = a->fmt == FA_ZONE_IXFR ? "ixfr" : "journal";
		meta->filter_glue = true;
		rc = fa_zone_incr_file(a->file, a->fmt, &a->zo, on_change, r, &sr,
				       r->err, sizeof(r->err));
		if (rc == FA_OK) {
			rc = check_incr(r, last, &sr, skip);
		}
		meta->serial = sr.to;
		meta->from_serial = sr.from;
		meta->has_from = true;
		return rc;
	}
	rc = fa_zone_serial(a->file, &a->zo, &serial, r->err, sizeof(r->err));
	if (rc == FA_OK) {
		rc = check_snapshot(r, last, serial, skip);
	}
	if (rc != FA_OK || *skip) {
		meta->serial = serial;
		return rc;
	}
	meta->serial = serial;
	if (!last->found) {
		meta->kind = "baseline";
		return fa_zone_model_scan(a->file, &a->zo, on_record, r, NULL,
					  r->err, sizeof(r->err));
	}
	meta->kind = "snapshot";
	meta->has_from = true;
	meta->from_serial = last->serial;
	return diff_against_model(r, last->serial);
}

/* A refused input is kept as a reject, so that the desk sees it later. */
static void keep_reject(struct run *r)
{
	char identity[FA_ZONE_NAMESZ + 4200], err[512];

	snprintf(identity, sizeof(identity), "zone:%s:%s:%" PRId64, r->a->zone,
		 r->a->file, r->a->time_us);
	if (fa_store_zone_reject(r->store, r->a->file, identity, r->err, err,
				 sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s: ingest zone: %s\n", r->cli->prog, err);
	}
}

static int ingest(struct run *r)
{
	struct fa_store_zone_last last;
	struct fa_store_zone_meta meta = { .source = r->a->file };
	struct fa_store_zone_result res = { 0 };
	bool skip = false;
	int rc = check_input(r);

	if (rc == FA_OK) {
		rc = fa_store_zone_begin(&r->zi, r->store, r->a->zone, &last,
					 r->err, sizeof(r->err));
	}
	if (rc == FA_OK) {
		rc = stage_input(r, &last, &meta, &skip);
	}
	if (rc != FA_OK || skip) {
		fa_store_zone_abort(r->zi);
		r->zi = NULL;
		if (skip) {
			printf("%s: zone %s serial %" PRIu32 " was already ingested; "
			       "nothing to do\n",
			       r->a->file, r->a->zone, meta.serial);
		} else if (rc == FA_EPARSE || rc == FA_EREFUSED) {
			keep_reject(r);
		}
		return rc;
	}
	meta.time_us = r->a->time_us;
	rc = fa_store_zone_commit(r->zi, &meta, &res, r->err, sizeof(r->err));
	r->zi = NULL;
	if (rc == FA_OK) {
		print_summary(r, &meta, &res);
	}
	return rc;
}

int fa_cmd_ingest_zone(const struct fa_cli *cli, int argc, char **argv)
{
	struct args a = { 0 };
	struct run r = { .cli = cli, .a = &a };
	int rc = parse_args(cli, argc, argv, &a);

	if (rc != FA_EXIT_OK) {
		return rc < 0 ? FA_EXIT_OK : rc;
	}
	if (fa_cli_open_store(cli, &r.store) != FA_EXIT_OK) {
		return FA_EXIT_FAIL;
	}
	rc = ingest(&r);
	fa_store_close(r.store);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: ingest zone: %s\n", cli->prog,
			r.err[0] != '\0' ? r.err : fa_strerror(rc));
		return FA_EXIT_FAIL;
	}
	return FA_EXIT_OK;
}
