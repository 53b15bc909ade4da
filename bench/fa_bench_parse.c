/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fa-bench-parse: reads EPP log files with the EPP reader, normalizing
 * every transaction, and prints how fast that went and how much memory it
 * took. No database: this is the parse-and-normalize part of the ingest
 * alone, the figure that bench/run.sh compares with xmllint --stream.
 *
 * Output: one "key=value" line per figure, so that scripts can read it:
 *   transactions, events, rejects, bytes, seconds, transactions_per_s,
 *   peak_rss_kib
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/fa_err.h"
#include "epp/fa_epp.h"
#include "model/fa_event.h"

struct totals {
	uint64_t txns;
	uint64_t events;
	uint64_t rejects;
	uint64_t bytes;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read one file to its end. Returns FA_OK, or the fatal error after
 * printing why. */
static int read_file(const char *path, struct fa_txn *txn, struct totals *t, bool verbose)
{
	struct fa_epp_reader *r = NULL;
	struct fa_reject rej;
	char err[512];
	int rc = fa_epp_reader_open(&r, path, NULL, 0, err, sizeof(err));
	if (rc != FA_OK) {
		fprintf(stderr, "fa-bench-parse: %s\n", err);
		return rc;
	}
	for (;;) {
		rc = fa_epp_reader_next(r, txn, &rej);
		if (rc == FA_OK) {
			t->txns++;
			t->events += txn->nevents;
		} else if (rc == FA_EOF) {
			rc = FA_OK;
			break;
		} else if (rc == FA_EPARSE || rc == FA_EREFUSED || rc == FA_ELIMIT) {
			t->rejects++;
			if (verbose) {
				fprintf(stderr, "fa-bench-parse: \"%s\" at byte %llu: %s\n",
					path, (unsigned long long)rej.pos.offset, rej.reason);
			}
		} else {
			fprintf(stderr, "fa-bench-parse: could not read \"%s\": %s\n", path,
				fa_strerror(rc));
			break;
		}
	}
	t->bytes += fa_epp_reader_offset(r);
	fa_epp_reader_free(r);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: fa-bench-parse [-v] FILE...\n"
		     "\n"
		     "Read EPP logs with the fluxaudit EPP reader (no database) and print\n"
		     "transactions, events, rejects, seconds, transactions/s and peak RSS.\n"
		     "  -v  print each reject on standard error\n");
}

int main(int argc, char **argv)
{
	struct totals t = { 0 };
	struct fa_txn txn;
	bool verbose = false;
	int c;

	while ((c = getopt(argc, argv, "vh")) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (fa_txn_init(&txn) != FA_OK) {
		fprintf(stderr, "fa-bench-parse: out of memory\n");
		return 1;
	}

	double start = now_s();
	int rc = FA_OK;
	for (int i = optind; i < argc && rc == FA_OK; i++) {
		rc = read_file(argv[i], &txn, &t, verbose);
	}
	double secs = now_s() - start;
	fa_txn_deinit(&txn);
	if (rc != FA_OK) {
		return 1;
	}

	struct rusage ru;
	long peak = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
	printf("transactions=%llu\n", (unsigned long long)t.txns);
	printf("events=%llu\n", (unsigned long long)t.events);
	printf("rejects=%llu\n", (unsigned long long)t.rejects);
	printf("bytes=%llu\n", (unsigned long long)t.bytes);
	printf("seconds=%.3f\n", secs);
	printf("transactions_per_s=%.0f\n", secs > 0 ? (double)t.txns / secs : 0.0);
	printf("peak_rss_kib=%ld\n", peak);
	return 0;
}
