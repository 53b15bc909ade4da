/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit command-line entry point: global options, then dispatch to a
 * subcommand. Only this file and the subcommands decide exit statuses.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/fa_cli.h"
#include "common/fa_log.h"

struct command {
	const char *name;
	int (*run)(const struct fa_cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "db", fa_cmd_db, "db migrate: create or upgrade the database schema" },
	{ "ingest", fa_cmd_ingest, "ingest epp FILE... | ingest zone --origin O FILE: store "
				   "events from EPP logs and zone files" },
	{ "parse", fa_cmd_parse, "parse epp FILE...: show what the auditor reads "
				 "(no database)" },
	{ "policy", fa_cmd_policy, "policy check FILE...: validate rule files "
				   "(no database)" },
	{ "evaluate", fa_cmd_evaluate, "run the policies over stored events and "
				       "write findings" },
	{ "events", fa_cmd_events, "list stored events (--domain, --registrar, "
				   "--host, --since, --until)" },
	{ "findings", fa_cmd_findings, "list findings" },
	{ "backtest", fa_cmd_backtest,
	  "replay stored events through a candidate policy, compare with the current one" },
	{ "zone", fa_cmd_zone, "zone diff: delegation changes between zone files (no database)" },
	{ "import", fa_cmd_import, "import registry FILE: load current domains and hosts "
				   "from a CSV export" },
	{ "enrich", fa_cmd_enrich, "enrich check|lookup: IP to ASN, consumer prefixes, "
				   "allowlists, declarations (no database)" },
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] [--log-level LEVEL] COMMAND [ARGS]\n"
		"\n"
		"Registry-side auditor of name-server and glue changes.\n"
		"\n"
		"Global options:\n"
		"  --db CONNINFO      libpq connection string or URI; without it\n"
		"                     the PG* environment variables are used\n"
		"  --log-level LEVEL  err, warning, notice, info (default), debug\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Commands:\n",
		prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(out, "\nRun '%s COMMAND --help' for the options of a command.\n",
		prog);
}

static const char *dir_or_installed(const char *in_tree, const char *installed)
{
	struct stat st;
	if (stat(in_tree, &st) == 0 && S_ISDIR(st.st_mode)) {
		return in_tree;
	}
	return installed;
}

const char *fa_cli_sql_dir(void)
{
	const char *env = getenv("FLUXAUDIT_SQL_DIR");
	if (env != NULL && *env != '\0') {
		return env;
	}
	return dir_or_installed(FA_SOURCE_DIR "/sql", "/usr/local/share/fluxaudit/sql");
}

const char *fa_cli_policy_dir(void)
{
	const char *env = getenv("FLUXAUDIT_POLICY_DIR");
	if (env != NULL && *env != '\0') {
		return env;
	}
	return dir_or_installed(FA_SOURCE_DIR "/policies",
				"/usr/local/share/fluxaudit/policies");
}

int main(int argc, char **argv)
{
	struct fa_cli cli = { .prog = "fluxaudit", .db = NULL };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	/* '+' stops at the first non-option: the subcommand's own options
	 * are parsed by the subcommand. */
	int c;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		enum fa_log_level level;
		switch (c) {
		case 'd':
			cli.db = optarg;
			break;
		case 'l':
			if (fa_log_level_parse(optarg, &level) != FA_OK) {
				fprintf(stderr, "%s: invalid log level \"%s\"\n",
					cli.prog, optarg);
				return FA_EXIT_USAGE;
			}
			fa_log_set_level(level);
			break;
		case 'h':
			usage(stdout, cli.prog);
			return FA_EXIT_OK;
		case 'V':
			printf("fluxaudit %s\n", FA_VERSION);
			return FA_EXIT_OK;
		default:
			usage(stderr, cli.prog);
			return FA_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr, cli.prog);
		return FA_EXIT_USAGE;
	}

	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 1;
			return commands[i].run(&cli, sub_argc, sub_argv);
		}
	}

	fprintf(stderr, "%s: unrecognized command \"%s\"\n", cli.prog, name);
	usage(stderr, cli.prog);
	return FA_EXIT_USAGE;
}
