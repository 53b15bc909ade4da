/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the subcommands share: connecting with the operator's connection
 * string, the --format option, and running a listing to the end with one
 * wording for its errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "enrich/fa_enrich.h"
#include "cli/fa_out.h"
#include "common/fa_time.h"
#include "rule/fa_rule.h"
#include "store/fa_store.h"

int fa_cli_open_store(const struct fa_cli *cli, struct fa_store **store)
{
	char err[1024];
	if (fa_store_open(store, cli->db, err, sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s: %s\n", cli->prog, err);
		return FA_EXIT_FAIL;
	}
	return FA_EXIT_OK;
}

int fa_cli_parse_format(const struct fa_cli *cli, const char *cmd,
			const char *arg, enum fa_out_format *fmt)
{
	if (fa_out_format_parse(arg, fmt) != FA_OK) {
		fprintf(stderr, "%s: %s: invalid format \"%s\": expected table, csv or json\n",
			cli->prog, cmd, arg);
		return FA_EXIT_USAGE;
	}
	return FA_EXIT_OK;
}

int fa_cli_parse_time(const char *arg, int64_t *out, char *why, size_t whylen)
{
	if (fa_time_parse(arg, strlen(arg), out) != FA_OK) {
		snprintf(why, whylen, "expected an RFC 3339 time such as 2026-11-03T10:00:00Z");
		return FA_EINVAL;
	}
	if (*out < 0) {
		snprintf(why, whylen, "times before 1970-01-01T00:00:00Z are not accepted");
		return FA_EINVAL;
	}
	return FA_OK;
}

int fa_cli_no_operands(const struct fa_cli *cli, const char *cmd, int argc,
		       char **argv, int optind_now)
{
	if (optind_now < argc) {
		fprintf(stderr, "%s: %s: unexpected argument \"%s\"\n", cli->prog, cmd,
			argv[optind_now]);
		return FA_EXIT_USAGE;
	}
	return FA_EXIT_OK;
}

int fa_cli_list(const struct fa_cli *cli, const char *cmd, enum fa_out_format fmt,
		const struct fa_store_col *cols, size_t ncols, fa_cli_rows_fn rows,
		const void *filter)
{
	struct fa_store *store = NULL;
	if (fa_cli_open_store(cli, &store) != FA_EXIT_OK) {
		return FA_EXIT_FAIL;
	}

	char err[1024];
	int status = FA_EXIT_OK;
	struct fa_out *out = fa_out_new(stdout, fmt, cols, ncols);
	if (out == NULL) {
		fprintf(stderr, "%s: %s: out of memory\n", cli->prog, cmd);
		status = FA_EXIT_FAIL;
		goto out;
	}

	/* A database error comes with its own message in err; any other
	 * failure was the output's (a closed pipe, a full disk). */
	int rc = rows(store, filter, fa_out_row, out, err, sizeof(err));
	if (rc == FA_OK) {
		rc = fa_out_finish(out, NULL);
	}
	if (rc != FA_OK && rc != FA_EDB) {
		snprintf(err, sizeof(err), "could not write the output: %s",
			 fa_strerror(rc));
	}
	if (rc != FA_OK) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, cmd, err);
		status = FA_EXIT_FAIL;
	}
out:
	fa_out_free(out);
	fa_store_close(store);
	return status;
}

void fa_cli_note_discounts(const struct fa_cli *cli, const char *cmd, unsigned discounts,
			   bool enrich)
{
	static const char *const what[] = {
		[FA_RULE_DISCOUNT_ALLOWLIST] = "allowlisted providers",
		[FA_RULE_DISCOUNT_HIGH_CHANGE] = "high-change registrars",
		[FA_RULE_DISCOUNT_ALLOWLIST | FA_RULE_DISCOUNT_HIGH_CHANGE] =
			"allowlisted providers and high-change registrars",
	};
	unsigned bits = discounts & (FA_RULE_DISCOUNT_ALLOWLIST | FA_RULE_DISCOUNT_HIGH_CHANGE);

	if (!enrich && bits != 0) {
		fprintf(stderr, "%s: %s: note: the policies lower scores for %s, but no "
			"--enrich configuration names any: every rule counts in full\n",
			cli->prog, cmd, what[bits]);
	}
}

void fa_cli_print_rule_diag(struct fa_rule_diag *diag)
{
	/* Keep "ok" lines on stdout and errors in file order when both go
	 * to one place. */
	fflush(stdout);
	for (size_t i = 0; i < diag->count; i++) {
		fprintf(stderr, "%s\n", diag->msgs[i]);
	}
	if (diag->dropped > 0) {
		fprintf(stderr, "(%zu more errors not shown)\n", diag->dropped);
	}
	fa_rule_diag_clear(diag);
}

int fa_cli_load_enrich(const struct fa_cli *cli, const char *cmd,
		       const char *config, struct fa_enrich **e)
{
	struct fa_enrich_diag diag = { 0 };
	int rc = fa_enrich_load(e, config, &diag);

	/* When messages were dropped the last one kept is the refusal, which
	 * the loader keeps a slot for: it stays the last line. */
	size_t before = diag.dropped > 0 && diag.count > 0 ? diag.count - 1 : diag.count;
	for (size_t i = 0; i < before; i++) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, cmd, diag.msgs[i]);
	}
	if (diag.dropped > 0) {
		fprintf(stderr, "%s: %s: (%zu more messages not shown)\n", cli->prog, cmd,
			diag.dropped);
	}
	for (size_t i = before; i < diag.count; i++) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, cmd, diag.msgs[i]);
	}
	fa_enrich_diag_clear(&diag);
	return rc == FA_OK ? FA_EXIT_OK : FA_EXIT_FAIL;
}
