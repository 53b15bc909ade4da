/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_cli.h
 * @brief Subcommands of the fluxaudit command-line tool.
 *
 * Each subcommand gets the global options and its own argv (argv[0] is the
 * subcommand's name) and returns the process exit status:
 * FA_EXIT_OK, FA_EXIT_FAIL when it could not do its job (database
 * unreachable, file unreadable, invalid policy), FA_EXIT_USAGE for a
 * command-line mistake.
 */
#pragma once

enum {
	FA_EXIT_OK = 0,
	FA_EXIT_FAIL = 1,
	FA_EXIT_USAGE = 2,
};

struct fa_cli {
	const char *prog;	/**< program name for messages */
	const char *db;		/**< --db connection string, or NULL for PG* */
};

int fa_cmd_db(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_ingest(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_parse(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_policy(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_evaluate(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_events(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_findings(const struct fa_cli *cli, int argc, char **argv);

/** @brief Directory of the shipped SQL migrations (build tree or install). */
const char *fa_cli_sql_dir(void);

/** @brief Directory of the shipped policies. */
const char *fa_cli_policy_dir(void);
