/* SPDX-License-Identifier: Apache-2.0 */
/* fluxaudit findings: list findings as table, csv or json. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "store/fa_store.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] findings [OPTIONS]\n"
		"       %s [--db CONNINFO] findings show [--format F] ID\n"
		"\n"
		"List findings, highest score first; \"show\" gives one with its\n"
		"evidence: rules, metric values and the events behind them.\n"
		"\n"
		"  --status S         open (default), closed or all\n"
		"  --entity-kind K    only findings about this kind of entity\n"
		"                     (domain, host, registrar, ...)\n"
		"  --min-score N      only findings scoring at least N\n"
		"  --format F         table (default), csv or json (one object a line)\n",
		prog, prog);
}

/* The query behind the listing, in the shape fa_cli_list wants. */
static int rows(struct fa_store *store, const void *filter,
		int (*fn)(void *arg, const char *const *vals), void *arg, char *err,
		size_t errlen)
{
	return fa_store_findings_each(store, filter, fn, arg, err, errlen);
}

int fa_cmd_findings(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "entity-kind", required_argument, NULL, 'k' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fa_store_finding_filter f = { .status = "open", .min_score = -1 };
	enum fa_out_format fmt = FA_OUT_TABLE;
	int c;

	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		/* 0, not 1: glibc re-initializes and permutes operands. */
		optind = 0;
		return fa_cmd_finding_show(cli, argc - 1, argv + 1);
	}

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strcmp(optarg, "all") == 0) {
				f.status = NULL;
			} else if (strcmp(optarg, "open") == 0 || strcmp(optarg, "closed") == 0) {
				f.status = optarg;
			} else {
				fprintf(stderr, "%s: findings: invalid status \"%s\": expected open, closed or all\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 'k':
			f.entity_kind = optarg;
			break;
		case 'm': {
			char *end;
			errno = 0;
			f.min_score = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || f.min_score < 0) {
				fprintf(stderr, "%s: findings: invalid score \"%s\"\n", cli->prog,
					optarg);
				return FA_EXIT_USAGE;
			}
			break;
		}
		case 'f':
			if (fa_cli_parse_format(cli, "findings", optarg, &fmt) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout, cli->prog);
			return FA_EXIT_OK;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (fa_cli_no_operands(cli, "findings", argc, argv, optind) != FA_EXIT_OK) {
		return FA_EXIT_USAGE;
	}

	size_t ncols;
	const struct fa_store_col *cols = fa_store_finding_cols(&ncols);
	return fa_cli_list(cli, "findings", fmt, cols, ncols, rows, &f);
}
