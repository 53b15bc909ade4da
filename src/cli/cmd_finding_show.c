/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit findings show ID: one finding with everything a reviewer needs
 * to decide on it: the entity, the rules that fired with their metric
 * values, and the stored events behind those values.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "store/fa_store.h"

/* Which listing, which columns. */
struct part {
	const char *name;	/* key of the part in JSON */
	const struct fa_store_col *cols;
	size_t ncols;
	int (*rows)(struct fa_store *store, int64_t id, fa_store_row_fn fn,
		    void *arg, char *err, size_t errlen);
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] findings show [--format F] ID\n"
		"\n"
		"Show one finding: the entity, its score and status, every rule that\n"
		"fired with the metric values that made it fire, and the stored events\n"
		"behind those values, oldest first.\n"
		"\n"
		"  --format F  table (default: a report), csv (the events) or json (one\n"
		"              object: finding, rules, events)\n",
		prog);
}

static int one_finding(struct fa_store *store, int64_t id, fa_store_row_fn fn,
		       void *arg, char *err, size_t errlen)
{
	struct fa_store_finding_filter f = { .min_score = -1, .id = id };
	return fa_store_findings_each(store, &f, fn, arg, err, errlen);
}

/* Write a part through fa_out into f; *nrows its rows. */
static int write_part(struct fa_store *store, int64_t id, const struct part *p,
		      enum fa_out_format fmt, FILE *f, size_t *nrows, char *err,
		      size_t errlen)
{
	struct fa_out *out = fa_out_new(f, fmt, p->cols, p->ncols);
	int rc;

	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	rc = p->rows(store, id, fa_out_row, out, err, errlen);
	if (rc == FA_OK) {
		rc = fa_out_finish(out, nrows);
	}
	if (rc != FA_OK && rc != FA_EDB) {
		snprintf(err, errlen, "could not write the output: %s",
			 fa_strerror(rc));
	}
	fa_out_free(out);
	return rc;
}

/* JSON: the parts' one-object-a-line output joined into one object. */
static int write_json(struct fa_store *store, int64_t id,
		      const struct part *parts, size_t nparts, size_t *found,
		      char *err, size_t errlen)
{
	int rc = FA_OK;

	for (size_t i = 0; i < nparts && rc == FA_OK; i++) {
		char *buf = NULL;
		size_t len = 0, n = 0;
		FILE *mem = open_memstream(&buf, &len);
		if (mem == NULL) {
			snprintf(err, errlen, "out of memory");
			return FA_ENOMEM;
		}
		rc = write_part(store, id, &parts[i], FA_OUT_JSON, mem, &n, err,
				errlen);
		fclose(mem);
		if (i == 0) {
			*found = n;
		}
		if (rc == FA_OK && *found > 0) {
			/* Lines become array items; the finding is one object. */
			for (char *p = buf; len > 0 && p < buf + len - 1; p++) {
				if (*p == '\n') {
					*p = ',';
				}
			}
			if (len > 0 && buf[len - 1] == '\n') {
				buf[--len] = '\0';
			}
			printf(i == 0 ? "{\"%s\":%s" : ",\"%s\":[%s]", parts[i].name,
			       buf);
		}
		free(buf);
	}
	if (rc == FA_OK && *found > 0) {
		printf("}\n");
	}
	return rc;
}

static int write_report(struct fa_store *store, int64_t id,
			const struct part *parts, size_t nparts, size_t *found,
			char *err, size_t errlen)
{
	static const char *const titles[] = {
		"finding", "rules that fired, with the metric values",
		"events behind them",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc;

	if (mem == NULL) {
		snprintf(err, errlen, "out of memory");
		return FA_ENOMEM;
	}
	/* The finding first, kept back: no report at all when it is absent. */
	rc = write_part(store, id, &parts[0], FA_OUT_TABLE, mem, found, err,
			errlen);
	fclose(mem);
	if (rc == FA_OK && *found > 0) {
		fputs(buf, stdout);
	}
	free(buf);
	for (size_t i = 1; i < nparts && rc == FA_OK && *found > 0; i++) {
		printf("\n%s:\n", titles[i]);
		rc = write_part(store, id, &parts[i], FA_OUT_TABLE, stdout, NULL,
				err, errlen);
	}
	return rc;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		return FA_EINVAL;
	}
	*id = v;
	return FA_OK;
}

int fa_cmd_finding_show(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum fa_out_format fmt = FA_OUT_TABLE;
	struct part parts[3] = {
		{ "finding", NULL, 0, one_finding },
		{ "rules", NULL, 0, fa_store_finding_rules_each },
		{ "events", NULL, 0, fa_store_finding_events_each },
	};
	struct fa_store *store = NULL;
	char err[1024] = "";
	size_t found = 0;
	int64_t id;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f') {
			if (fa_cli_parse_format(cli, "findings show", optarg, &fmt) !=
			    FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
		} else if (c == 'h') {
			usage(stdout, cli->prog);
			return FA_EXIT_OK;
		} else {
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || parse_id(argv[optind], &id) != FA_OK) {
		fprintf(stderr, "%s: findings show: one finding id (a positive "
				"number) is needed\n", cli->prog);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	parts[0].cols = fa_store_finding_cols(&parts[0].ncols);
	parts[1].cols = fa_store_finding_rule_cols(&parts[1].ncols);
	parts[2].cols = fa_store_event_cols(&parts[2].ncols);

	if (fa_cli_open_store(cli, &store) != FA_EXIT_OK) {
		return FA_EXIT_FAIL;
	}
	if (fmt == FA_OUT_JSON) {
		rc = write_json(store, id, parts, 3, &found, err, sizeof(err));
	} else if (fmt == FA_OUT_CSV) {
		rc = write_part(store, id, &parts[2], FA_OUT_CSV, stdout, &found,
				err, sizeof(err));
		found = 1;	/* checked below with the finding itself */
		size_t n = 0;
		FILE *null = rc == FA_OK ? fopen("/dev/null", "w") : NULL;
		if (null != NULL) {
			rc = write_part(store, id, &parts[0], FA_OUT_CSV, null, &n,
					err, sizeof(err));
			fclose(null);
			found = n;
		}
	} else {
		rc = write_report(store, id, parts, 3, &found, err, sizeof(err));
	}
	fa_store_close(store);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: findings show: %s\n", cli->prog, err);
		return FA_EXIT_FAIL;
	}
	if (found == 0) {
		fprintf(stderr, "%s: findings show: no finding with id %lld\n",
			cli->prog, (long long)id);
		return FA_EXIT_FAIL;
	}
	return FA_EXIT_OK;
}
