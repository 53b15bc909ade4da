/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit zone diff: the delegation changes between two snapshots of a
 * zone, or carried by an IXFR or journal print, without a database.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "zone/fa_zone.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s zone diff --origin ORIGIN [OPTIONS] OLD NEW\n"
		"       %s zone diff --origin ORIGIN [OPTIONS] --ixfr FILE\n"
		"       %s zone diff --origin ORIGIN [OPTIONS] --journal FILE\n"
		"\n"
		"Print the delegation changes (NS, DS, glue, their TTLs) between two\n"
		"master files of a zone, or in an IXFR as dig prints it, or in a\n"
		"BIND journal print (named-journalprint). No database.\n"
		"\n"
		"Options:\n"
		"  --origin ORIGIN  the zone's origin (\".\" for the root)\n"
		"  --allow-include  follow $INCLUDE (refused otherwise)\n"
		"  --format FMT     table (default), csv or json\n"
		"  --stats          print table size and changed names to stderr\n"
		"  -h, --help       show this help\n",
		prog, prog, prog);
}

static const struct fa_store_col cols[] = {
	{ "kind", FA_STORE_COL_TEXT, 0 },
	{ "name", FA_STORE_COL_TEXT, 0 },
	{ "rrtype", FA_STORE_COL_TEXT, 0 },
	{ "value", FA_STORE_COL_TEXT, 0 },
	{ "ttl", FA_STORE_COL_INT, 0 },
	{ "old_value", FA_STORE_COL_TEXT, 0 },
	{ "serial", FA_STORE_COL_INT, 0 },
};

static int print_change(void *arg, const struct fa_zone_change *ch)
{
	char ttl[16], serial[16];
	snprintf(ttl, sizeof(ttl), "%" PRIu32, ch->ttl);
	snprintf(serial, sizeof(serial), "%" PRIu32, ch->serial);
	const char *vals[] = {
		fa_zone_kind_name(ch->kind), ch->name, ch->rrtype, ch->value, ttl,
		ch->old_value, ch->has_serial ? serial : NULL,
	};
	return fa_out_row(arg, vals);
}

struct args {
	struct fa_zone_opts zo;
	const char *ixfr, *journal;
	enum fa_out_format fmt;
	int stats;
};

static int parse_args(const struct fa_cli *cli, int argc, char **argv,
		      struct args *a)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "allow-include", no_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "ixfr", required_argument, NULL, 'x' },
		{ "journal", required_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->zo.origin = optarg;
			break;
		case 'i':
			a->zo.allow_include = true;
			break;
		case 'f':
			if (fa_cli_parse_format(cli, "zone diff", optarg, &a->fmt) !=
			    FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'x':
			a->ixfr = optarg;
			break;
		case 'j':
			a->journal = optarg;
			break;
		case 's':
			a->stats = 1;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return -1;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	int want = a->ixfr != NULL || a->journal != NULL ? 0 : 2;
	const char *why = NULL;
	if (a->zo.origin == NULL) {
		why = "--origin is required";
	} else if (a->ixfr != NULL && a->journal != NULL) {
		why = "--ixfr and --journal exclude each other";
	} else if (argc - optind != want) {
		why = want == 2 ? "two files are needed: OLD NEW"
				: "no file operands go with --ixfr or --journal";
	}
	if (why != NULL) {
		fprintf(stderr, "%s: zone diff: %s\n", cli->prog, why);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	return FA_EXIT_OK;
}

static int zone_diff(const struct fa_cli *cli, int argc, char **argv)
{
	struct args a = { .fmt = FA_OUT_TABLE };
	struct fa_zone_diff_stats st = { 0 };
	char err[1024] = "";
	int rc = parse_args(cli, argc, argv, &a);

	if (rc != FA_EXIT_OK) {
		return rc < 0 ? FA_EXIT_OK : rc;
	}
	struct fa_out *out = fa_out_new(stdout, a.fmt, cols,
					sizeof(cols) / sizeof(cols[0]));
	if (out == NULL) {
		fprintf(stderr, "%s: zone diff: out of memory\n", cli->prog);
		return FA_EXIT_FAIL;
	}
	if (a.ixfr != NULL || a.journal != NULL) {
		rc = fa_zone_incr_file(a.ixfr != NULL ? a.ixfr : a.journal,
				       a.ixfr != NULL ? FA_ZONE_IXFR : FA_ZONE_JOURNAL,
				       &a.zo, print_change, out, NULL, err,
				       sizeof(err));
	} else {
		rc = fa_zone_diff_files(argv[optind], argv[optind + 1], &a.zo,
					print_change, out, &st, err, sizeof(err));
	}
	size_t rows = 0;
	if (rc == FA_OK) {
		rc = fa_out_finish(out, &rows);
		if (rc != FA_OK) {
			snprintf(err, sizeof(err), "could not write the output: %s",
				 fa_strerror(rc));
		}
	}
	fa_out_free(out);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: zone diff: %s\n", cli->prog,
			err[0] != '\0' ? err : fa_strerror(rc));
		return FA_EXIT_FAIL;
	}
	if (a.stats) {
		fprintf(stderr,
			"zone diff: %zu names, table %zu bytes, %zu changed names, "
			"detail %zu bytes, %zu changes, serial %" PRIu32 " -> %" PRIu32
			"\n",
			st.names, st.table_bytes, st.changed, st.detail_bytes, rows,
			st.old_serial, st.new_serial);
	}
	return FA_EXIT_OK;
}

int fa_cmd_zone(const struct fa_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout, cli->prog);
		return argc < 2 ? FA_EXIT_USAGE : FA_EXIT_OK;
	}
	if (strcmp(argv[1], "diff") != 0) {
		fprintf(stderr, "%s: zone: unrecognized subcommand \"%s\"\n",
			cli->prog, argv[1]);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	/* 0, not 1: glibc then re-initializes and permutes operands, so
	 * options may follow the file names. */
	optind = 0;
	return zone_diff(cli, argc - 1, argv + 1);
}
