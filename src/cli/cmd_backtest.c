/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit backtest --policy DIR --from T --to T: replay stored events
 * through a candidate policy and through the current one, write nothing,
 * and report per entity what the candidate would flag differently.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "common/fa_time.h"
#include "enrich/fa_enrich.h"
#include "rule/fa_rule.h"
#include "store/fa_store.h"

#define MAX_POLICY_PATHS 64

/* One entity flagged by one side, its findings of all policies merged. */
struct flag {
	char *kind;
	char *entity;
	long score;		/* sum over the side's policies */
	char *rules;		/* comma-separated, policies in set order */
	int64_t first_us;
};

struct side {
	const char *name;	/* "current" or "candidate", for messages */
	const char *paths[MAX_POLICY_PATHS];
	size_t npaths;
	struct fa_rule_set *set;
	struct flag *v;
	size_t n, cap;
};

struct args {
	struct side cur, cand;
	int64_t from_us, to_us;
	bool has_from, has_to;
	long min_score;
	bool all;
	enum fa_out_format fmt;
	const char *enrich_path;
	struct fa_enrich *enrich;
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] backtest --policy FILE|DIR... --from TIME\n"
		"       --to TIME [--current FILE|DIR]... [--min-score N] [--all]\n"
		"       [--enrich CONFIG]\n"
		"       [--format table|csv|json]\n"
		"\n"
		"Replay the stored events of [FROM, TO) through a candidate policy and\n"
		"through the current one, without writing anything, and list the\n"
		"entities whose flagging differs: new (only the candidate flags it),\n"
		"gone (only the current one does), changed (both, with other rules or\n"
		"another score). With --all, unchanged ones too.\n"
		"\n"
		"  --policy FILE|DIR   the candidate policy files\n"
		"  --current FILE|DIR  the current ones (default: %s)\n"
		"  --from TIME         first event time evaluated (RFC 3339, 1970 or\n"
		"                      later); windows are warmed up with the events\n"
		"                      before it\n"
		"  --to TIME           end of the range (exclusive)\n"
		"  --min-score N       count a flag only when its score is at least N\n"
		"                      (e.g. the queue threshold; default 0)\n"
		"  --all               list unchanged entities too\n"
		"  --enrich CONFIG     enrichment configuration for both replays\n"
		"  --format FMT        table (default), csv or json\n",
		prog, fa_cli_policy_dir());
}

static int usage_error(const struct fa_cli *cli, const char *why, const char *arg)
{
	fprintf(stderr, "%s: backtest: %s%s%s%s\n", cli->prog, why,
		arg != NULL ? " \"" : "", arg != NULL ? arg : "",
		arg != NULL ? "\"" : "");
	usage(stderr, cli->prog);
	return FA_EXIT_USAGE;
}

static int add_path(const struct fa_cli *cli, struct side *s, const char *p)
{
	if (s->npaths == MAX_POLICY_PATHS) {
		return usage_error(cli, "too many policy paths", NULL);
	}
	s->paths[s->npaths++] = p;
	return FA_EXIT_OK;
}

static int parse_args(const struct fa_cli *cli, int argc, char **argv,
		      struct args *a)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "current", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "all", no_argument, NULL, 'a' },
		{ "enrich", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = FA_EXIT_OK;
	char *end, why[128];

	while (rc == FA_EXIT_OK &&
	       (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			rc = add_path(cli, &a->cand, optarg);
			break;
		case 'c':
			rc = add_path(cli, &a->cur, optarg);
			break;
		case 'f':
		case 't':
			if (fa_cli_parse_time(optarg, c == 'f' ? &a->from_us : &a->to_us, why,
					      sizeof(why)) != FA_OK) {
				char msg[512];
				snprintf(msg, sizeof(msg), "invalid %s \"%.256s\": %s",
					 c == 'f' ? "--from" : "--to", optarg, why);
				return usage_error(cli, msg, NULL);
			}
			*(c == 'f' ? &a->has_from : &a->has_to) = true;
			break;
		case 'm':
			a->min_score = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || a->min_score < 0 ||
			    a->min_score > 1000000) {
				return usage_error(cli, "invalid --min-score", optarg);
			}
			break;
		case 'a':
			a->all = true;
			break;
		case 'e':
			a->enrich_path = optarg;
			break;
		case 'o':
			rc = fa_cli_parse_format(cli, "backtest", optarg, &a->fmt);
			break;
		case 'h':
			usage(stdout, cli->prog);
			return -1;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (rc != FA_EXIT_OK) {
		return rc;
	}
	if (a->cand.npaths == 0) {
		return usage_error(cli, "--policy is required", NULL);
	}
	if (!a->has_from || !a->has_to) {
		return usage_error(cli, "--from and --to are required", NULL);
	}
	if (a->from_us >= a->to_us) {
		return usage_error(cli, "--from must be before --to", NULL);
	}
	if (a->cur.npaths == 0) {
		a->cur.paths[a->cur.npaths++] = fa_cli_policy_dir();
	}
	return fa_cli_no_operands(cli, "backtest", argc, argv, optind);
}

static int load_side(const struct fa_cli *cli, struct side *s)
{
	struct fa_rule_diag diag = { 0 };
	int rc = fa_rule_set_load(&s->set, s->paths, s->npaths, NULL, &diag);

	fa_cli_print_rule_diag(&diag);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: backtest: the %s policies were not loaded: %s\n",
			cli->prog, s->name,
			rc == FA_ENOTFOUND ? "no policy file found" : fa_strerror(rc));
	}
	return rc;
}

static struct flag *flag_find(struct side *s, const char *kind,
			      const char *entity)
{
	/* Findings of one entity from several policies come one after the
	 * other only by chance: look them up (few policies, few flags). */
	for (size_t i = s->n; i > 0; i--) {
		struct flag *f = &s->v[i - 1];
		if (strcmp(f->kind, kind) == 0 && strcmp(f->entity, entity) == 0) {
			return f;
		}
	}
	return NULL;
}

static char *join_rules(const char *old, const struct fa_rule_finding *f)
{
	size_t len = old != NULL ? strlen(old) + 1 : 0;
	for (size_t i = 0; i < f->nrules; i++) {
		len += strlen(f->rules[i]) + 1;
	}
	char *s = malloc(len + 1), *p = s;
	if (s == NULL) {
		return NULL;
	}
	*p = '\0';
	if (old != NULL && old[0] != '\0') {
		p += sprintf(p, "%s", old);
	}
	for (size_t i = 0; i < f->nrules; i++) {
		p += sprintf(p, "%s%s", p == s ? "" : ",", f->rules[i]);
	}
	return s;
}

static int on_finding(void *arg, const struct fa_rule_finding *f)
{
	struct side *s = arg;
	struct flag *fl = flag_find(s, f->entity_kind, f->entity);

	if (fl == NULL) {
		if (s->n == s->cap) {
			size_t cap = s->cap != 0 ? s->cap * 2 : 256;
			struct flag *v = realloc(s->v, cap * sizeof(*v));
			if (v == NULL) {
				return FA_ENOMEM;
			}
			s->v = v;
			s->cap = cap;
		}
		fl = &s->v[s->n];
		memset(fl, 0, sizeof(*fl));
		fl->kind = strdup(f->entity_kind);
		fl->entity = strdup(f->entity);
		fl->first_us = f->first_us;
		s->n++;
		if (fl->kind == NULL || fl->entity == NULL) {
			return FA_ENOMEM;
		}
	}
	char *rules = join_rules(fl->rules, f);
	if (rules == NULL) {
		return FA_ENOMEM;
	}
	free(fl->rules);
	fl->rules = rules;
	fl->score += f->score;
	if (f->first_us < fl->first_us) {
		fl->first_us = f->first_us;
	}
	return FA_OK;
}

static int flag_cmp(const void *pa, const void *pb)
{
	const struct flag *a = pa, *b = pb;
	int c = strcmp(a->kind, b->kind);
	return c != 0 ? c : strcmp(a->entity, b->entity);
}

static int replay(const struct fa_cli *cli, struct fa_store *store,
		  const struct args *a, struct side *s)
{
	struct fa_rule_eval_opts opts = {
		.has_since = true, .since_us = a->from_us,
		.has_until = true, .until_us = a->to_us,
		.on_finding = on_finding, .on_finding_arg = s,
		.enrich = a->enrich,
	};
	struct fa_rule_eval_result res;
	char err[1024] = "";
	int rc = fa_rule_evaluate(fa_store_conn(store), s->set, &opts, &res, err,
				  sizeof(err));

	if (rc != FA_OK) {
		fprintf(stderr, "%s: backtest: %s policies: %s\n", cli->prog, s->name,
			err[0] != '\0' ? err : fa_strerror(rc));
		return rc;
	}
	/* Flags under the threshold do not count: drop them. */
	size_t j = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].score >= a->min_score) {
			s->v[j++] = s->v[i];
		} else {
			free(s->v[i].kind);
			free(s->v[i].entity);
			free(s->v[i].rules);
		}
	}
	s->n = j;
	if (s->n > 1) {
		qsort(s->v, s->n, sizeof(s->v[0]), flag_cmp);
	}
	fprintf(stderr, "%s policies: %" PRIu64 " events, %zu entities flagged\n",
		s->name, res.stats.events, s->n);
	return FA_OK;
}

static const struct fa_store_col cols[] = {
	{ "status", FA_STORE_COL_TEXT, 0 },
	{ "entity_kind", FA_STORE_COL_TEXT, 0 },
	{ "entity", FA_STORE_COL_TEXT, 0 },
	{ "current_score", FA_STORE_COL_INT, 0 },
	{ "candidate_score", FA_STORE_COL_INT, 0 },
	{ "current_rules", FA_STORE_COL_TEXT, 0 },
	{ "candidate_rules", FA_STORE_COL_TEXT, 0 },
	{ "first_fired", FA_STORE_COL_TEXT, 0 },
};

enum { ST_NEW, ST_GONE, ST_CHANGED, ST_UNCHANGED, ST__COUNT };
static const char *const status_names[ST__COUNT] = {
	"new", "gone", "changed", "unchanged",
};

static int emit(struct fa_out *out, int st, const struct flag *cur,
		const struct flag *cand)
{
	char cs[24], ns[24], first[FA_TIME_BUFSZ];
	const struct flag *any = cand != NULL ? cand : cur;

	snprintf(cs, sizeof(cs), "%ld", cur != NULL ? cur->score : 0);
	snprintf(ns, sizeof(ns), "%ld", cand != NULL ? cand->score : 0);
	fa_time_format(any->first_us, first, sizeof(first));
	const char *vals[] = {
		status_names[st], any->kind, any->entity,
		cur != NULL ? cs : NULL, cand != NULL ? ns : NULL,
		cur != NULL ? cur->rules : NULL, cand != NULL ? cand->rules : NULL,
		first,
	};
	return fa_out_row(out, vals);
}

/* Walk both sorted lists at once. */
static int compare(const struct args *a, struct fa_out *out,
		   size_t counts[ST__COUNT])
{
	const struct side *cur = &a->cur, *cand = &a->cand;
	size_t i = 0, j = 0;
	int rc = FA_OK;

	while (rc == FA_OK && (i < cur->n || j < cand->n)) {
		int c = i == cur->n ? 1 : j == cand->n ? -1
				  : flag_cmp(&cur->v[i], &cand->v[j]);
		int st;
		if (c < 0) {
			st = ST_GONE;
			rc = emit(out, st, &cur->v[i++], NULL);
		} else if (c > 0) {
			st = ST_NEW;
			rc = emit(out, st, NULL, &cand->v[j++]);
		} else {
			const struct flag *x = &cur->v[i++], *y = &cand->v[j++];
			st = x->score == y->score && strcmp(x->rules, y->rules) == 0
				     ? ST_UNCHANGED : ST_CHANGED;
			if (st != ST_UNCHANGED || a->all) {
				rc = emit(out, st, x, y);
			}
		}
		counts[st]++;
	}
	return rc;
}

static void side_free(struct side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].kind);
		free(s->v[i].entity);
		free(s->v[i].rules);
	}
	free(s->v);
	fa_rule_set_free(s->set);
}

static int run(const struct fa_cli *cli, struct args *a)
{
	struct fa_store *store = NULL;
	size_t counts[ST__COUNT] = { 0 };
	struct fa_out *out = NULL;
	int rc = FA_EXIT_FAIL;

	if (load_side(cli, &a->cur) != FA_OK || load_side(cli, &a->cand) != FA_OK ||
	    (a->enrich_path != NULL &&
	     fa_cli_load_enrich(cli, "backtest", a->enrich_path, &a->enrich) !=
		     FA_EXIT_OK) ||
	    fa_cli_open_store(cli, &store) != FA_EXIT_OK) {
		goto done;
	}
	unsigned discounts = fa_rule_set_discounts(a->cur.set) |
			     fa_rule_set_discounts(a->cand.set);
	fa_cli_note_discounts(cli, "backtest", discounts, a->enrich != NULL);
	if (replay(cli, store, a, &a->cur) != FA_OK ||
	    replay(cli, store, a, &a->cand) != FA_OK) {
		goto done;
	}
	out = fa_out_new(stdout, a->fmt, cols, sizeof(cols) / sizeof(cols[0]));
	if (out == NULL || compare(a, out, counts) != FA_OK ||
	    fa_out_finish(out, NULL) != FA_OK) {
		fprintf(stderr, "%s: backtest: could not write the comparison\n",
			cli->prog);
		goto done;
	}
	fprintf(stderr, "new %zu, gone %zu, changed %zu, unchanged %zu\n",
		counts[ST_NEW], counts[ST_GONE], counts[ST_CHANGED],
		counts[ST_UNCHANGED]);
	rc = FA_EXIT_OK;
done:
	fa_out_free(out);
	fa_store_close(store);
	return rc;
}

int fa_cmd_backtest(const struct fa_cli *cli, int argc, char **argv)
{
	struct args a = { .fmt = FA_OUT_TABLE };
	int rc;

	a.cur.name = "current";
	a.cand.name = "candidate";
	rc = parse_args(cli, argc, argv, &a);
	if (rc == FA_EXIT_OK) {
		rc = run(cli, &a);
	} else if (rc < 0) {
		rc = FA_EXIT_OK;
	}
	side_free(&a.cur);
	side_free(&a.cand);
	fa_enrich_free(a.enrich);
	return rc;
}
