/* SPDX-License-Identifier: Apache-2.0 */
/* fluxaudit db migrate | status: create, upgrade and inspect the schema. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "store/fa_store.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] db migrate [--dir DIR]\n"
		"       %s [--db CONNINFO] db status [--dir DIR]\n"
		"\n"
		"migrate  apply the pending sql/NNN_*.sql files in order, each in its\n"
		"         own transaction; files already applied are skipped, and a\n"
		"         changed applied file is an error\n"
		"status   list the migrations, applied (with the time) and pending\n"
		"\n"
		"  --dir DIR  migration directory (default: %s)\n",
		prog, prog, fa_cli_sql_dir());
}

static void print_applied(const struct fa_store_migration *m, void *arg)
{
	printf("applied %s\n", m->name);
	fflush(stdout);	/* in order with an error that may follow */
}

static int do_status(struct fa_store *store, const char *dir, const char *prog)
{
	char err[1024];
	struct fa_store_migration *list = NULL;
	size_t n = 0;
	if (fa_store_migration_status(store, dir, &list, &n, err, sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return FA_EXIT_FAIL;
	}
	size_t pending = 0;
	bool bad = false;
	for (size_t i = 0; i < n; i++) {
		const struct fa_store_migration *m = &list[i];
		const char *state = m->missing ? "applied, file missing"
				    : m->changed ? "applied, file changed since"
				    : m->applied ? "applied"
				    : "pending";
		printf("%-32s %-28s %s\n", m->name, state, m->applied_at);
		pending += !m->applied;
		bad = bad || m->changed;
	}
	printf("%zu applied, %zu pending\n", n - pending, pending);
	free(list);
	return bad ? FA_EXIT_FAIL : FA_EXIT_OK;
}

int fa_cmd_db(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = fa_cli_sql_dir();
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc < 2) {
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	if (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "status") != 0) {
		fprintf(stderr, "%s: db: unrecognized action \"%s\": expected migrate or status\n",
			cli->prog, argv[1]);
		return FA_EXIT_USAGE;
	}
	const char *action = argv[1];
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dir = optarg;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return FA_EXIT_OK;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "%s: db %s: unexpected argument \"%s\"\n", cli->prog,
			action, argv[optind + 1]);
		return FA_EXIT_USAGE;
	}

	struct fa_store *store = NULL;
	if (fa_cli_open_store(cli, &store) != FA_EXIT_OK) {
		return FA_EXIT_FAIL;
	}

	int status = FA_EXIT_OK;
	if (strcmp(action, "status") == 0) {
		status = do_status(store, dir, cli->prog);
	} else {
		size_t napplied = 0;
		char err[1024];
		if (fa_store_migrate(store, dir, print_applied, NULL, &napplied, err,
				     sizeof(err)) != FA_OK) {
			fprintf(stderr, "%s: %s\n", cli->prog, err);
			status = FA_EXIT_FAIL;
		} else if (napplied == 0) {
			printf("database is up to date\n");
		} else {
			printf("%zu migration(s) applied\n", napplied);
		}
	}
	fa_store_close(store);
	return status;
}
