/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit policy check FILE|DIR...: validate policy files without a
 * database. Every file is loaded into one set, in order, so that rule ids
 * and policy names must be unique across all of them, as evaluate needs.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "rule/fa_rule.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s policy check FILE|DIR...\n"
		"\n"
		"Validate policy files (a directory means its *.yaml and *.yml files)\n"
		"without touching the database. Prints \"FILE: ok (N rules)\" or the\n"
		"errors as FILE:LINE:COLUMN: reason; exits 1 on any error.\n",
		prog);
}

static int check(const struct fa_cli *cli, char **paths, int npaths)
{
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	struct fa_rule_diag diag = { 0 };
	int status = FA_EXIT_OK;
	if (set == NULL) {
		fprintf(stderr, "%s: out of memory\n", cli->prog);
		return FA_EXIT_FAIL;
	}

	for (int i = 0; i < npaths; i++) {
		char **files = NULL;
		size_t nfiles = 0;
		char err[512];
		if (fa_rule_expand_path(paths[i], &files, &nfiles, err, sizeof(err)) != FA_OK) {
			fprintf(stderr, "%s: %s\n", cli->prog, err);
			status = FA_EXIT_FAIL;
			continue;
		}
		if (nfiles == 0) {
			fprintf(stderr, "%s: no policy file (*.yaml, *.yml) in \"%s\"\n",
				cli->prog, paths[i]);
			status = FA_EXIT_FAIL;
		}
		for (size_t k = 0; k < nfiles; k++) {
			size_t n = 0;
			int rc = fa_rule_set_add_file(set, files[k], &diag, &n);
			if (rc == FA_OK) {
				printf("%s: ok (%zu rule%s)\n", files[k], n, n == 1 ? "" : "s");
			} else {
				fa_cli_print_rule_diag(&diag);
				status = FA_EXIT_FAIL;
			}
		}
		fa_rule_paths_free(files, nfiles);
	}
	fa_rule_set_free(set);
	return status;
}

int fa_cmd_policy(const struct fa_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc < 3) {
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	return check(cli, argv + 2, argc - 2);
}
