/* SPDX-License-Identifier: Apache-2.0 */
/* fluxaudit events: list stored events, filtered, as table, csv or json. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "common/fa_name.h"
#include "common/fa_time.h"
#include "model/fa_event.h"
#include "store/fa_store.h"
#include "zone/fa_zone.h"

/* Zone changes are stored as "zone." and the zone module's kind name. */
static bool zone_kind(const char *name)
{
	if (strncmp(name, "zone.", 5) != 0) {
		return false;
	}
	for (int k = FA_ZONE_DELEGATION_ADD; k <= FA_ZONE_TTL_CHANGE; k++) {
		if (strcmp(name + 5, fa_zone_kind_name((enum fa_zone_kind)k)) == 0) {
			return true;
		}
	}
	return false;
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] events [OPTIONS]\n"
		"\n"
		"List stored events in time order.\n"
		"\n"
		"  --domain NAME     events of this domain\n"
		"  --registrar CLID  events of this registrar's sessions\n"
		"  --host NAME       events of this name-server host\n"
		"  --kind KIND       one kind (e.g. domain.ns_add) or a family (domain.*)\n"
		"  --since T         from T on (RFC 3339 time, or a duration such as 24h\n"
		"                    meaning that long ago)\n"
		"  --until T         before T (same forms)\n"
		"  --limit N         only the N most recent\n"
		"  --format F        table (default), csv or json (one object a line)\n",
		prog);
}

/* The earliest time PostgreSQL and our RFC 3339 output both handle;
 * a duration reaching further back is a typo, not a filter. */
#define WHEN_MIN_US (INT64_C(-62135596800) * 1000000)   /* 0001-01-01 */

/* An RFC 3339 time, or a duration counted back from now. */
static int parse_when(const char *s, int64_t *out)
{
	int64_t d;
	if (fa_time_parse(s, strlen(s), out) == FA_OK) {
		return FA_OK;
	}
	if (fa_duration_parse(s, &d) == FA_OK && fa_time_now() - d >= WHEN_MIN_US) {
		*out = fa_time_now() - d;
		return FA_OK;
	}
	return FA_EINVAL;
}

/* Names are stored normalized (lower case, no trailing dot), so the
 * filter is normalized the same way; buf must hold FA_NAME_BUFSZ bytes. */
static int name_filter(const struct fa_cli *cli, const char *opt, const char *arg,
		       char *buf, const char **out)
{
	char why[256];
	if (fa_name_normalize(arg, strlen(arg), FA_NAME_UNDERSCORE, buf, FA_NAME_BUFSZ,
			      why, sizeof(why)) != FA_OK) {
		fprintf(stderr, "%s: events: invalid %s \"%s\": %s\n", cli->prog, opt, arg, why);
		return FA_EXIT_USAGE;
	}
	*out = buf;
	return FA_EXIT_OK;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		return FA_EINVAL;
	}
	*out = v;
	return FA_OK;
}

/* The query behind the listing, in the shape fa_cli_list wants. */
static int rows(struct fa_store *store, const void *filter,
		int (*fn)(void *arg, const char *const *vals), void *arg, char *err,
		size_t errlen)
{
	return fa_store_events_each(store, filter, fn, arg, err, errlen);
}

int fa_cmd_events(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "registrar", required_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "kind", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fa_store_event_filter f = { 0 };
	enum fa_out_format fmt = FA_OUT_TABLE;
	char domain[FA_NAME_BUFSZ], host[FA_NAME_BUFSZ];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (name_filter(cli, "--domain", optarg, domain, &f.domain) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'r':
			f.registrar = optarg;
			break;
		case 'H':
			if (name_filter(cli, "--host", optarg, host, &f.host) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 'k': {
			size_t len = strlen(optarg);
			bool family = len > 2 && strcmp(optarg + len - 2, ".*") == 0;
			if (!family && fa_event_kind_from_name(optarg) < 0 &&
			    !zone_kind(optarg)) {
				fprintf(stderr, "%s: events: unknown event kind \"%s\"\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			f.kind = optarg;
			break;
		}
		case 's':
		case 'u':
			if (parse_when(optarg, c == 's' ? &f.since_us : &f.until_us) != FA_OK) {
				fprintf(stderr, "%s: events: invalid time \"%s\": expected RFC 3339 or a duration such as 24h\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_count(optarg, &f.limit) != FA_OK) {
				fprintf(stderr, "%s: events: invalid limit \"%s\"\n", cli->prog,
					optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 'f':
			if (fa_cli_parse_format(cli, "events", optarg, &fmt) != FA_EXIT_OK) {
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
	if (fa_cli_no_operands(cli, "events", argc, argv, optind) != FA_EXIT_OK) {
		return FA_EXIT_USAGE;
	}

	size_t ncols;
	const struct fa_store_col *cols = fa_store_event_cols(&ncols);
	return fa_cli_list(cli, "events", fmt, cols, ncols, rows, &f);
}
