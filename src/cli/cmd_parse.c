/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit parse epp: show what the auditor makes of EPP logs, raw
 * RFC 5734 streams or single frames, without a database.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "common/fa_time.h"
#include "epp/fa_epp.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s parse epp [OPTIONS] FILE...\n"
		"\n"
		"Print one JSON object per transaction (or refused record) of each\n"
		"EPP log, raw RFC 5734 stream or single EPP frame; refused records\n"
		"and a summary per file also go to stderr. A FILE of \"-\" is the\n"
		"standard input (named /dev/stdin in the output).\n"
		"\n"
		"Options:\n"
		"  --format FMT       auto (default), envelope, rfc5734 or frame\n"
		"  --max-frame BYTES  largest frame accepted (default %d)\n"
		"  --time RFC3339     time of transactions whose input has none\n"
		"                     (raw streams, frames; default: file mtime)\n"
		"  -h, --help         show this help\n",
		prog, FA_EPP_MAX_FRAME_DEFAULT);
}

static int parse_format(const char *s, enum fa_epp_format *out)
{
	static const struct {
		const char *name;
		enum fa_epp_format fmt;
	} names[] = {
		{ "auto", FA_EPP_AUTO },
		{ "envelope", FA_EPP_ENVELOPE },
		{ "rfc5734", FA_EPP_RFC5734 },
		{ "frame", FA_EPP_FRAME },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].fmt;
			return FA_OK;
		}
	}
	return FA_EINVAL;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 ||
	    v > (1ULL << 30) || s[0] == '-') {
		return FA_EINVAL;
	}
	*out = (size_t)v;
	return FA_OK;
}

/* Read one file; FA_OK unless it could not be read at all. */
static int parse_file(const char *prog, const char *path,
		      const struct fa_epp_opts *opts)
{
	char err[512];
	struct fa_epp_reader *r = NULL;
	struct fa_txn txn;
	if (fa_txn_init(&txn) != FA_OK) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return FA_ENOMEM;
	}
	/* The reader streams from a descriptor, a pipe as well as a file. */
	if (strcmp(path, "-") == 0) {
		path = "/dev/stdin";
	}
	int rc = fa_epp_reader_open(&r, path, opts, 0, err, sizeof(err));
	if (rc != FA_OK) {
		fprintf(stderr, "%s: %s\n", prog, err);
		fa_txn_deinit(&txn);
		return rc;
	}

	uint64_t records = 0, txns = 0, events = 0, rejected = 0;
	uint64_t incomplete = 0, tail_off, tail_len;
	for (;;) {
		struct fa_reject rej;
		rc = fa_epp_reader_next(r, &txn, &rej);
		if (rc == FA_EOF) {
			rc = FA_OK;
			if (fa_epp_reader_tail(r, &tail_off, &tail_len)) {
				incomplete = 1;
				fprintf(stderr, "%s: incomplete record at end of \"%s\" at offset %"
					PRIu64 " (%" PRIu64 " bytes) was not read; it will be read when the file grows\n",
					prog, path, tail_off, tail_len);
			}
			break;
		}
		if (rc == FA_EIO || rc == FA_ENOMEM) {
			fprintf(stderr, "%s: %s: offset %" PRIu64 ": %s\n", prog,
				path, rej.pos.offset, rej.reason);
			break;
		}
		records++;
		if (rc == FA_OK) {
			txns++;
			events += txn.nevents;
			fa_epp_txn_write_json(stdout, &txn);
			continue;
		}
		rejected++;
		fa_epp_reject_write_json(stdout, &rej);
		fprintf(stderr, "%s: offset %" PRIu64 ": %s\n", path,
			rej.pos.offset, rej.reason);
	}

	fprintf(stderr,
		"%s: %" PRIu64 " records read, %" PRIu64 " transactions, %" PRIu64
		" events, %" PRIu64 " rejected, %" PRIu64 " incomplete at the end\n",
		path, records, txns, events, rejected, incomplete);
	fa_epp_reader_free(r);
	fa_txn_deinit(&txn);
	return rc;
}

int fa_cmd_parse(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "max-frame", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fa_epp_opts opts = { .max_frame = 0, .format = FA_EPP_AUTO };

	/* "parse epp ...": the input kind comes first. */
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "epp") != 0) {
		fprintf(stderr, "%s: parse: expected the input kind \"epp\"\n",
			cli->prog);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	argc--;
	argv++;

	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &opts.format) != FA_OK) {
				fprintf(stderr, "%s: invalid format \"%s\": expected auto, envelope, rfc5734 or frame\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 'm':
			if (parse_size(optarg, &opts.max_frame) != FA_OK) {
				fprintf(stderr, "%s: invalid frame size \"%s\": expected a number of bytes from 1 to 1073741824\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 't':
			if (fa_time_parse(optarg, strlen(optarg),
					  &opts.default_time_us) != FA_OK) {
				fprintf(stderr, "%s: invalid time \"%s\": expected RFC 3339\n",
					cli->prog, optarg);
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
	if (optind >= argc) {
		fprintf(stderr, "%s: parse epp: no input files\n", cli->prog);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}

	int status = FA_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (parse_file(cli->prog, argv[i], &opts) != FA_OK) {
			status = FA_EXIT_FAIL;
		}
	}
	fflush(stdout);
	return status;
}
