/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit import registry FILE: load the current domains and hosts of a
 * registry from its bootstrap export (docs/bootstrap.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "common/fa_time.h"
#include "import/fa_import.h"
#include "store/fa_store.h"

struct run {
	const char *prog;
	const char *path;
	uint64_t rows;
	uint64_t bad;
	char err[1024];
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] import registry [--as-of TIME] FILE\n"
		"\n"
		"Load the current domains and hosts of the registry from a CSV export\n"
		"(header: %s).\n"
		"Rows that break a rule are stored as rejects and named on stderr; the\n"
		"other rows are imported. A stored row changed after the export time is\n"
		"kept. Importing the same file again changes nothing.\n"
		"\n"
		"  --as-of TIME  when the export was taken (RFC 3339; default: the\n"
		"                file's modification time)\n",
		prog, FA_IMPORT_HEADER);
}

static void on_dup(void *arg, uint64_t line, const char *reason)
{
	const struct run *r = arg;
	fprintf(stderr, "%s:%" PRIu64 ": %s\n", r->path, line, reason);
}

/* Read every row into the import. FA_OK, FA_EIO (the file could not be
 * read to its end), FA_EDB or FA_ENOMEM, with the reason in r->err. */
static int feed(struct run *r, struct fa_import_reader *rd,
		struct fa_store_import *imp)
{
	struct fa_import_row row;
	struct fa_import_reject rej;

	for (;;) {
		int rc = fa_import_reader_next(rd, &row, &rej);
		if (rc == FA_EOF) {
			return FA_OK;
		}
		if (rc == FA_OK) {
			r->rows++;
			rc = fa_store_import_add_row(imp, &row, r->err, sizeof(r->err));
		} else if (rc == FA_EPARSE) {
			r->rows++;
			r->bad++;
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", r->path, rej.line, rej.reason);
			rc = fa_store_import_add_reject(imp, rej.line, rej.offset, rej.reason,
							rej.excerpt, r->err, sizeof(r->err));
		} else {
			snprintf(r->err, sizeof(r->err), "%s", rej.reason);
			return FA_EIO;
		}
		if (rc != FA_OK) {
			return rc;
		}
	}
}

static int run_import(struct run *r, const struct fa_cli *cli, bool has_as_of,
		      int64_t as_of)
{
	struct fa_import_reader *rd = NULL;
	struct fa_store *store = NULL;
	struct fa_store_import *imp = NULL;
	struct fa_store_import_stats st = { 0 };
	int status = FA_EXIT_FAIL;

	/* The header is checked before the database is touched: a file that
	 * is not an export is refused whole. */
	int rc = fa_import_reader_open(&rd, r->path,
				       has_as_of ? as_of : FA_IMPORT_AS_OF_MTIME,
				       r->err, sizeof(r->err));
	if (rc != FA_OK) {
		fprintf(stderr, "%s: import: %s%s\n", cli->prog, r->err,
			rc == FA_EPARSE ? ": nothing imported" : "");
		goto out;
	}
	if (fa_store_open(&store, cli->db, r->err, sizeof(r->err)) != FA_OK) {
		fprintf(stderr, "%s: %s\n", cli->prog, r->err);
		goto out;
	}

	rc = fa_store_import_begin(&imp, store, r->err, sizeof(r->err));
	rc = rc ? rc : feed(r, rd, imp);
	as_of = fa_import_reader_as_of(rd);
	rc = rc ? rc : fa_store_import_commit(imp, r->path, fa_import_reader_identity(rd),
					      as_of, on_dup, r, &st, r->err,
					      sizeof(r->err));
	if (rc != FA_OK) {
		fprintf(stderr, "%s: import: %s: nothing imported\n", cli->prog, r->err);
		goto out;
	}

	char tb[FA_TIME_BUFSZ];
	fprintf(stderr,
		"%s: %" PRIu64 " rows read (as of %s), domains: %" PRIu64 " new, %" PRIu64
		" changed, %" PRIu64 " unchanged; hosts: %" PRIu64 " new, %" PRIu64
		" changed, %" PRIu64 " unchanged; %" PRIu64 " kept (newer); %" PRIu64
		" rejected (%" PRIu64 " duplicates, %" PRIu64 " not stored before)\n",
		r->path, r->rows, fa_time_format(as_of, tb, sizeof(tb)), st.domains_new,
		st.domains_changed, st.domains_same, st.hosts_new, st.hosts_changed,
		st.hosts_same, st.kept_newer, st.rejects, st.duplicates, st.rejects_new);
	status = FA_EXIT_OK;
out:
	fa_store_import_free(imp);
	fa_store_close(store);
	fa_import_reader_free(rd);
	return status;
}

int fa_cmd_import(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r = { .prog = cli->prog };
	bool has_as_of = false;
	int64_t as_of = 0;
	int c;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "registry") != 0) {
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (fa_time_parse(optarg, strlen(optarg), &as_of) != FA_OK) {
				fprintf(stderr,
					"%s: import: invalid time \"%s\": expected RFC 3339\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			has_as_of = true;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return FA_EXIT_OK;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: import registry: no input file\n", cli->prog);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	if (fa_cli_no_operands(cli, "import registry", argc, argv, optind + 1) !=
	    FA_EXIT_OK) {
		return FA_EXIT_USAGE;
	}
	r.path = argv[optind];
	return run_import(&r, cli, has_as_of, as_of);
}
