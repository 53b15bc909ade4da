/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit evaluate [--policy FILE|DIR]... [--since T] [--until T]: run
 * the policies over stored events and write findings.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "common/fa_time.h"
#include "enrich/fa_enrich.h"
#include "rule/fa_rule.h"
#include "store/fa_store.h"

#define MAX_POLICY_PATHS 64

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] evaluate [--policy FILE|DIR]... [--since TIME]\n"
		"       [--until TIME] [--dry-run] [--enrich CONFIG]\n"
		"\n"
		"Run the policies over the stored events and write findings: one open\n"
		"finding per policy and entity, updated while it stays open.\n"
		"\n"
		"  --policy FILE|DIR  policy files (a directory: its *.yaml, *.yml);\n"
		"                     default: %s\n"
		"  --since TIME       evaluate at events at or after TIME (RFC 3339,\n"
		"                     1970 or later)\n"
		"  --until TIME       and before TIME\n"
		"  --dry-run          evaluate and report, but write nothing\n"
		"  --enrich CONFIG    enrichment configuration (ASNs, consumer prefixes\n"
		"                     and PTR names, allowlists, declarations, high-change\n"
		"                     registrars; docs/enrichment.md);\n"
		"                     without it the metrics that need it are unknown\n"
		"\n"
		"Without --since and --until, evaluates the events that the policies\n"
		"have not evaluated yet (plus the lookback of the longest window) and\n"
		"remembers how far it got; with them, the range, without remembering.\n",
		prog, fa_cli_policy_dir());
}

static int parse_time(const struct fa_cli *cli, const char *opt, const char *s, int64_t *out)
{
	char why[128];
	if (fa_cli_parse_time(s, out, why, sizeof(why)) != FA_OK) {
		fprintf(stderr, "%s: evaluate: invalid %s \"%s\": %s\n", cli->prog, opt, s, why);
		return FA_EXIT_USAGE;
	}
	return FA_EXIT_OK;
}

static struct fa_rule_set *load(const struct fa_cli *cli, const char *const *paths,
				size_t n)
{
	struct fa_rule_set *set = NULL;
	struct fa_rule_diag diag = { 0 };
	int rc = fa_rule_set_load(&set, paths, n, NULL, &diag);
	fa_cli_print_rule_diag(&diag);
	if (rc == FA_ENOTFOUND) {
		fprintf(stderr, "%s: evaluate: no policy file found\n", cli->prog);
	} else if (rc != FA_OK) {
		fprintf(stderr, "%s: evaluate: policies not loaded: %s\n", cli->prog,
			fa_strerror(rc));
	}
	return set;
}

static void summary(const struct fa_rule_set *set, const struct fa_rule_eval_result *res,
		    bool dry_run)
{
	char t[FA_TIME_BUFSZ];
	printf("policies: %zu (%zu rules)\n", fa_rule_set_policy_count(set),
	       fa_rule_set_size(set));
	if (res->nothing_new) {
		printf("no events to evaluate since the last evaluation\n");
	} else if (res->from_us == INT64_MIN) {
		printf("evaluated from: the first event\n");
	} else {
		printf("evaluated from: %s\n", fa_time_format(res->from_us, t, sizeof(t)));
	}
	printf("events scanned: %llu (rules evaluated at %llu)\n",
	       (unsigned long long)res->stats.events,
	       (unsigned long long)res->stats.evaluated);
	printf("entities: %llu\n", (unsigned long long)res->stats.entities);
	printf("rules fired: %llu\n", (unsigned long long)res->stats.fired);
	printf("findings: %llu opened, %llu updated, %llu unchanged%s\n",
	       (unsigned long long)res->opened, (unsigned long long)res->updated,
	       (unsigned long long)res->unchanged,
	       dry_run ? " (dry run: nothing written)" : "");
}

int fa_cmd_evaluate(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "enrich", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths[MAX_POLICY_PATHS];
	size_t npaths = 0;
	struct fa_rule_eval_opts eo = { 0 };
	const char *enrich_path = NULL;
	struct fa_enrich *enrich = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (npaths == MAX_POLICY_PATHS) {
				fprintf(stderr, "%s: evaluate: more than %d --policy options\n",
					cli->prog, MAX_POLICY_PATHS);
				return FA_EXIT_USAGE;
			}
			paths[npaths++] = optarg;
			break;
		case 's':
			eo.has_since = true;
			if (parse_time(cli, "--since", optarg, &eo.since_us) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'u':
			eo.has_until = true;
			if (parse_time(cli, "--until", optarg, &eo.until_us) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'n':
			eo.dry_run = true;
			break;
		case 'e':
			enrich_path = optarg;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return FA_EXIT_OK;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (fa_cli_no_operands(cli, "evaluate", argc, argv, optind) != FA_EXIT_OK) {
		return FA_EXIT_USAGE;
	}
	if (eo.has_since && eo.has_until && eo.until_us <= eo.since_us) {
		fprintf(stderr, "%s: evaluate: --until must be later than --since\n", cli->prog);
		return FA_EXIT_USAGE;
	}
	if (npaths == 0) {
		paths[npaths++] = fa_cli_policy_dir();
	}

	struct fa_rule_set *set = load(cli, paths, npaths);
	if (set == NULL) {
		return FA_EXIT_FAIL;
	}
	if (enrich_path != NULL &&
	    fa_cli_load_enrich(cli, "evaluate", enrich_path, &enrich) != FA_EXIT_OK) {
		fa_rule_set_free(set);
		return FA_EXIT_FAIL;
	}
	eo.enrich = enrich;
	fa_cli_note_discounts(cli, "evaluate", fa_rule_set_discounts(set), enrich != NULL);

	int status = FA_EXIT_OK;
	struct fa_store *store = NULL;
	char err[1024];
	if (fa_cli_open_store(cli, &store) != FA_EXIT_OK) {
		status = FA_EXIT_FAIL;
		goto out;
	}

	struct fa_rule_eval_result res;
	if (fa_rule_evaluate(fa_store_conn(store), set, &eo, &res, err, sizeof(err)) != FA_OK) {
		fprintf(stderr, "%s: evaluate: %s\n", cli->prog, err);
		status = FA_EXIT_FAIL;
		goto out;
	}
	summary(set, &res, eo.dry_run);

out:
	fa_store_close(store);
	fa_rule_set_free(set);
	fa_enrich_free(enrich);
	return status;
}
