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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
int fa_cmd_ingest_zone(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_parse(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_policy(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_evaluate(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_events(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_findings(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_finding_show(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_zone(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_backtest(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_import(const struct fa_cli *cli, int argc, char **argv);
int fa_cmd_enrich(const struct fa_cli *cli, int argc, char **argv);

struct fa_store;
struct fa_store_col;
enum fa_out_format;

/**
 * @brief Connect to the database named by --db (else PG* variables),
 *        printing libpq's reason when it fails.
 * @param[out] store the connection, to close with fa_store_close
 * @return FA_EXIT_OK or FA_EXIT_FAIL
 */
int fa_cli_open_store(const struct fa_cli *cli, struct fa_store **store);

/**
 * @brief Parse a --format value, printing the usage error when invalid.
 * @return FA_EXIT_OK or FA_EXIT_USAGE
 */
int fa_cli_parse_format(const struct fa_cli *cli, const char *cmd,
			const char *arg, enum fa_out_format *fmt);

/**
 * @brief Parse the time given to a range option (--since, --from, ...):
 *        RFC 3339 as fa_time_parse reads it, not before
 *        1970-01-01T00:00:00Z (an earlier bound reached the database as a
 *        time it refuses, and no event is that old).
 * @param[out] out microseconds since the epoch
 * @param[out] why the reason when refused, to follow "invalid OPT \"VALUE\": "
 * @return FA_OK, or FA_EINVAL with why filled
 */
int fa_cli_parse_time(const char *arg, int64_t *out, char *why, size_t whylen);

/**
 * @brief Refuse positional arguments left after the options.
 * @return FA_EXIT_OK, or FA_EXIT_USAGE after printing which one
 */
int fa_cli_no_operands(const struct fa_cli *cli, const char *cmd, int argc,
		       char **argv, int optind_now);

/** Streams rows of a listing into fn (fa_store_events_each and the like). */
typedef int (*fa_cli_rows_fn)(struct fa_store *store, const void *filter,
			      int (*fn)(void *arg, const char *const *vals),
			      void *arg, char *err, size_t errlen);

/**
 * @brief Run a listing: connect, stream the rows through the chosen
 *        output format, and report any failure naming the command.
 * @param[in] rows the query, called with filter (borrowed)
 * @return the exit status
 */
int fa_cli_list(const struct fa_cli *cli, const char *cmd, enum fa_out_format fmt,
		const struct fa_store_col *cols, size_t ncols, fa_cli_rows_fn rows,
		const void *filter);

struct fa_enrich;

/**
 * @brief Load an enrichment configuration, printing every error as
 *        "PROG: CMD: FILE:LINE: reason".
 * @param[out] e the set, to free with fa_enrich_free
 * @return FA_EXIT_OK or FA_EXIT_FAIL
 */
int fa_cli_load_enrich(const struct fa_cli *cli, const char *cmd,
		       const char *config, struct fa_enrich **e);

struct fa_rule_set;

/**
 * @brief Say on stderr that the policies' score discounts cannot apply
 *        when no enrichment configuration was given (they need its
 *        allowlist and high-change registrars); nothing when they can or
 *        there are none.
 * @param[in] discounts FA_RULE_DISCOUNT_* bits (fa_rule_set_discounts)
 */
void fa_cli_note_discounts(const struct fa_cli *cli, const char *cmd, unsigned discounts,
			   bool enrich);

struct fa_rule_diag;

/**
 * @brief Print a policy load's messages on stderr, one a line, then how
 *        many more there were beyond the kept ones; the diag is cleared.
 */
void fa_cli_print_rule_diag(struct fa_rule_diag *diag);

/** @brief Directory of the shipped SQL migrations (build tree or install). */
const char *fa_cli_sql_dir(void);

/** @brief Directory of the shipped policies. */
const char *fa_cli_policy_dir(void);
