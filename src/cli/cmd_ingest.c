/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit ingest epp FILE...: read EPP logs and store their transactions,
 * events, state changes, rejects and checkpoints in batches.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/fa_cli.h"
#include "common/fa_time.h"
#include "epp/fa_epp.h"
#include "store/fa_store.h"

#define DEFAULT_BATCH 10000
#define MAX_BATCH 1000000

struct counts {
	uint64_t records;
	uint64_t rejected;
	uint64_t incomplete;	/* files ending inside a record, not read yet */
	struct fa_store_stats st;
};

/*
 * Reading and parsing (this thread) overlap with writing (a committer
 * thread): two batches take turns, one filling while the other commits.
 * The database connection is used by one thread at a time: the reader
 * touches it only between files, when the committer is idle.
 */
struct committer {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fa_store_batch *pending;	/* handed over, not yet committed */
	bool busy;
	bool quit;
	struct fa_store_stats *stats;	/* counters of the current file */
	int rc;				/* first failure, FA_OK until then */
	char err[1024];
};

struct ingest {
	const char *prog;
	struct fa_store *store;
	struct fa_store_batch *batch;	/* the one being filled */
	struct fa_store_batch *spare;	/* the other one */
	struct committer cm;
	struct fa_epp_opts opts;
	size_t batch_size;
	bool from_start;
	struct counts total;
	char err[1024];
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--db CONNINFO] ingest epp [OPTIONS] FILE...\n"
		"\n"
		"Store the transactions of EPP logs (envelope format, raw RFC 5734\n"
		"streams or single frames): events, current state, rejects and a\n"
		"checkpoint per file. Feeding the same or overlapping logs again adds\n"
		"nothing; a file seen before resumes where it stopped.\n"
		"\n"
		"  --batch N          transactions per database transaction (default %d)\n"
		"  --max-frame BYTES  largest frame accepted (default %d)\n"
		"  --format F         auto (default), envelope, rfc5734 or frame\n"
		"  --time T           time of records that carry none (RFC 3339;\n"
		"                     default: the file's modification time)\n"
		"  --from-start       ignore the checkpoints, read files from the start\n",
		prog, DEFAULT_BATCH, FA_EPP_MAX_FRAME_DEFAULT);
}

static void print_counts(const char *what, const struct counts *c)
{
	fprintf(stderr,
		"%s: %" PRIu64 " records read, %" PRIu64 " transactions new, %" PRIu64
		" duplicates, %" PRIu64 " read-only not stored, %" PRIu64
		" events written, %" PRIu64 " rejected, %" PRIu64 " incomplete at the end\n",
		what, c->records, c->st.txns_new, c->st.txns_dup, c->st.txns_readonly,
		c->st.events, c->rejected, c->incomplete);
}

static void *committer_main(void *arg)
{
	struct committer *cm = arg;
	pthread_mutex_lock(&cm->mu);
	for (;;) {
		while (cm->pending == NULL && !cm->quit) {
			pthread_cond_wait(&cm->cv, &cm->mu);
		}
		if (cm->pending == NULL) {
			break;
		}
		struct fa_store_batch *b = cm->pending;
		cm->busy = true;
		pthread_mutex_unlock(&cm->mu);

		struct fa_store_stats st = { 0 };
		char err[1024];
		int rc = FA_OK;
		if (cm->rc == FA_OK) {
			rc = fa_store_batch_commit(b, &st, err, sizeof(err));
		}

		pthread_mutex_lock(&cm->mu);
		if (rc != FA_OK && cm->rc == FA_OK) {
			cm->rc = rc;
			snprintf(cm->err, sizeof(cm->err), "%s", err);
		}
		cm->stats->txns_new += st.txns_new;
		cm->stats->txns_dup += st.txns_dup;
		cm->stats->txns_readonly += st.txns_readonly;
		cm->stats->events += st.events;
		cm->stats->rejects_new += st.rejects_new;
		cm->pending = NULL;
		cm->busy = false;
		pthread_cond_broadcast(&cm->cv);
	}
	pthread_mutex_unlock(&cm->mu);
	return NULL;
}

/* Wait until the committer has written everything handed to it.
 * Returns its first failure, if any. */
static int drain(struct committer *cm)
{
	pthread_mutex_lock(&cm->mu);
	while (cm->pending != NULL || cm->busy) {
		pthread_cond_wait(&cm->cv, &cm->mu);
	}
	int rc = cm->rc;
	pthread_mutex_unlock(&cm->mu);
	return rc;
}

/* Batches in the middle of a file commit without waiting for the disk
 * (a crash loses them together with their checkpoint, so they are read
 * again); the last one of each file waits, and with it all before it. */
static int commit(struct ingest *in, struct fa_epp_reader *r, const char *path,
		  bool last)
{
	fa_store_batch_set_durable(in->batch, last);
	if (fa_store_batch_set_checkpoint(in->batch, fa_epp_reader_identity(r),
					  path, fa_epp_reader_offset(r)) != FA_OK) {
		snprintf(in->err, sizeof(in->err), "out of memory");
		return FA_ENOMEM;
	}

	/* The previous batch must be in before this one: the state rows of
	 * one are the starting point of the next. */
	int rc = drain(&in->cm);
	if (rc != FA_OK) {
		snprintf(in->err, sizeof(in->err), "%s", in->cm.err);
		return rc;
	}
	pthread_mutex_lock(&in->cm.mu);
	in->cm.pending = in->batch;
	pthread_cond_broadcast(&in->cm.cv);
	pthread_mutex_unlock(&in->cm.mu);

	struct fa_store_batch *b = in->batch;
	in->batch = in->spare;
	in->spare = b;
	return FA_OK;
}

/* Whether an envelope record (or a comment line) starts at offset, or
 * the file ends there. Raw RFC 5734 captures are replayed from their
 * start on resume, which checks their framing on the way. */
static bool record_starts_at(const char *path, enum fa_epp_format fmt,
			     uint64_t offset, uint64_t size)
{
	if (fmt != FA_EPP_ENVELOPE || offset == size) {
		return true;
	}

	char head[6];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Unreadable now: the reader will report it. */
		return true;
	}
	ssize_t n = pread(fd, head, sizeof(head), (off_t)offset);
	close(fd);
	if (n >= 1 && (head[0] == '#' || head[0] == '\n' || head[0] == '\r')) {
		return true;
	}
	return n == (ssize_t)sizeof(head) && memcmp(head, "EPPTX ", sizeof(head)) == 0;
}

/* Open path at its checkpoint unless told to start over. */
static int open_reader(struct ingest *in, const char *path,
		       struct fa_epp_reader **out)
{
	struct fa_epp_reader *r = NULL;
	int rc = fa_epp_reader_open(&r, path, &in->opts, 0, in->err, sizeof(in->err));
	if (rc != FA_OK || in->from_start) {
		*out = r;
		return rc;
	}

	uint64_t offset = 0;
	rc = fa_store_checkpoint_get(in->store, fa_epp_reader_identity(r), &offset,
				     in->err, sizeof(in->err));
	if (rc == FA_ENOTFOUND || (rc == FA_OK && offset == 0)) {
		*out = r;
		return FA_OK;
	}
	if (rc != FA_OK) {
		fa_epp_reader_free(r);
		return rc;
	}

	struct stat sb;
	if (stat(path, &sb) == 0 && (uint64_t)sb.st_size < offset) {
		/* Same beginning, but shorter than what was read: a rewritten
		 * file. Reading it again is safe, ingest is idempotent. */
		fprintf(stderr, "%s: \"%s\" is shorter than its checkpoint (%" PRIu64
			" bytes), reading it from the start\n", in->prog, path, offset);
		*out = r;
		return FA_OK;
	}
	if (!record_starts_at(path, fa_epp_reader_format(r), offset, (uint64_t)sb.st_size)) {
		/* Same first 4 KiB but other bytes where the last run stopped:
		 * the file was replaced. Resuming would start inside a record
		 * and lose it; reading again from the start loses nothing. */
		fprintf(stderr, "%s: \"%s\" has changed since its checkpoint (no record "
			"starts at offset %" PRIu64 "), reading it from the start\n",
			in->prog, path, offset);
		*out = r;
		return FA_OK;
	}
	fa_epp_reader_free(r);
	r = NULL;
	fprintf(stderr, "%s: resuming at offset %" PRIu64 "\n", path, offset);
	rc = fa_epp_reader_open(&r, path, &in->opts, offset, in->err, sizeof(in->err));
	*out = r;
	return rc;
}

/* A log that ends inside a record is still being written (or was cut):
 * the checkpoint stays before that record, and the user hears of it. */
static void note_tail(struct ingest *in, const struct fa_epp_reader *r,
		      const char *path, struct counts *fc)
{
	uint64_t off, len;
	if (!fa_epp_reader_tail(r, &off, &len)) {
		return;
	}
	fc->incomplete++;
	fprintf(stderr, "%s: incomplete record at end of \"%s\" at offset %" PRIu64
		" (%" PRIu64 " bytes) was not read; it will be read when the file grows\n",
		in->prog, path, off, len);
}

/* FA_OK, or FA_EIO when the file could not be read to its end, or FA_EDB
 * when the database failed (stop everything). */
static int ingest_file(struct ingest *in, const char *path)
{
	struct counts fc = { 0 };
	struct fa_epp_reader *r = NULL;
	struct fa_txn txn;
	bool txn_ready = false;
	int status = FA_OK;

	/* Counters of this file; the committer adds to them. */
	in->cm.stats = &fc.st;
	int rc = open_reader(in, path, &r);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: %s\n", in->prog, in->err);
		return rc == FA_EDB ? FA_EDB : FA_EIO;
	}
	if (fa_txn_init(&txn) != FA_OK) {
		fprintf(stderr, "%s: out of memory\n", in->prog);
		status = FA_ENOMEM;
		goto out;
	}
	txn_ready = true;

	for (;;) {
		struct fa_reject rej;
		memset(&rej, 0, sizeof(rej));
		rc = fa_epp_reader_next(r, &txn, &rej);
		if (rc == FA_EOF) {
			note_tail(in, r, path, &fc);
			break;
		}
		if (rc == FA_OK) {
			fc.records++;
			rc = fa_store_batch_add_txn(in->batch, &txn);
		} else if (rc == FA_EPARSE || rc == FA_EREFUSED || rc == FA_ELIMIT) {
			fc.records++;
			fc.rejected++;
			fprintf(stderr, "%s: offset %" PRIu64 ": %s\n", path, rej.pos.offset,
				rej.reason != NULL ? rej.reason : fa_strerror(rc));
			rc = fa_store_batch_add_reject(in->batch, &rej,
						       fa_epp_reader_identity(r));
		} else {
			/* The reader gave up (I/O, memory): keep what was read. */
			fprintf(stderr, "%s: could not read \"%s\" to its end: %s\n",
				in->prog, path, rej.reason != NULL ? rej.reason : fa_strerror(rc));
			status = FA_EIO;
			break;
		}
		if (rc != FA_OK) {
			fprintf(stderr, "%s: out of memory\n", in->prog);
			status = FA_ENOMEM;
			goto out;
		}
		if (fa_store_batch_count(in->batch) >= in->batch_size) {
			rc = commit(in, r, path, false);
			if (rc != FA_OK) {
				fprintf(stderr, "%s: %s\n", in->prog, in->err);
				status = FA_EDB;
				goto out;
			}
		}
	}
	rc = commit(in, r, path, true);
	if (rc == FA_OK) {
		rc = drain(&in->cm);
		snprintf(in->err, sizeof(in->err), "%s", in->cm.err);
	}
	if (rc != FA_OK) {
		fprintf(stderr, "%s: %s\n", in->prog, in->err);
		status = FA_EDB;
	}
out:
	/* Whatever was handed over is written (or failed) before counting. */
	if (drain(&in->cm) != FA_OK && status == FA_OK) {
		fprintf(stderr, "%s: %s\n", in->prog, in->cm.err);
		status = FA_EDB;
	}
	print_counts(path, &fc);
	in->total.records += fc.records;
	in->total.rejected += fc.rejected;
	in->total.incomplete += fc.incomplete;
	in->total.st.txns_new += fc.st.txns_new;
	in->total.st.txns_dup += fc.st.txns_dup;
	in->total.st.txns_readonly += fc.st.txns_readonly;
	in->total.st.events += fc.st.events;
	in->total.st.rejects_new += fc.st.rejects_new;
	if (txn_ready) {
		fa_txn_deinit(&txn);
	}
	fa_epp_reader_free(r);
	return status;
}

static int parse_size(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max || s[0] == '-') {
		return FA_EINVAL;
	}
	*out = v;
	return FA_OK;
}

int fa_cmd_ingest(const struct fa_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "max-frame", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ "from-start", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ingest in = {
		.prog = cli->prog,
		.batch_size = DEFAULT_BATCH,
	};
	uint64_t v;
	int c;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout, cli->prog);
		return FA_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "zone") == 0) {
		/* 0, not 1: glibc re-initializes and permutes operands. */
		optind = 0;
		return fa_cmd_ingest_zone(cli, argc - 1, argv + 1);
	}
	if (argc < 2 || strcmp(argv[1], "epp") != 0) {
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_size(optarg, MAX_BATCH, &v) != FA_OK) {
				fprintf(stderr, "%s: ingest: invalid batch size \"%s\": expected 1 to %d\n",
					cli->prog, optarg, MAX_BATCH);
				return FA_EXIT_USAGE;
			}
			in.batch_size = (size_t)v;
			break;
		case 'm':
			if (parse_size(optarg, (uint64_t)1 << 30, &v) != FA_OK) {
				fprintf(stderr, "%s: ingest: invalid frame size \"%s\": expected 1 to 1073741824 bytes\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			in.opts.max_frame = (size_t)v;
			break;
		case 'f':
			if (strcmp(optarg, "auto") == 0) {
				in.opts.format = FA_EPP_AUTO;
			} else if (strcmp(optarg, "envelope") == 0) {
				in.opts.format = FA_EPP_ENVELOPE;
			} else if (strcmp(optarg, "rfc5734") == 0) {
				in.opts.format = FA_EPP_RFC5734;
			} else if (strcmp(optarg, "frame") == 0) {
				in.opts.format = FA_EPP_FRAME;
			} else {
				fprintf(stderr, "%s: ingest: invalid format \"%s\": expected auto, envelope, rfc5734 or frame\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 't':
			if (fa_time_parse(optarg, strlen(optarg),
					  &in.opts.default_time_us) != FA_OK) {
				fprintf(stderr, "%s: ingest: invalid time \"%s\": expected RFC 3339\n",
					cli->prog, optarg);
				return FA_EXIT_USAGE;
			}
			break;
		case 's':
			in.from_start = true;
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
		fprintf(stderr, "%s: ingest epp: no input files\n", cli->prog);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}

	if (fa_store_open(&in.store, cli->db, in.err, sizeof(in.err)) != FA_OK) {
		fprintf(stderr, "%s: %s\n", cli->prog, in.err);
		return FA_EXIT_FAIL;
	}
	int status = FA_EXIT_OK;
	bool started = false;
	if (fa_store_batch_new(&in.batch, in.store) != FA_OK ||
	    fa_store_batch_new(&in.spare, in.store) != FA_OK) {
		fprintf(stderr, "%s: out of memory\n", cli->prog);
		status = FA_EXIT_FAIL;
		goto out;
	}
	struct fa_store_stats scratch = { 0 };
	pthread_mutex_init(&in.cm.mu, NULL);
	pthread_cond_init(&in.cm.cv, NULL);
	in.cm.stats = &scratch;
	if (pthread_create(&in.cm.tid, NULL, committer_main, &in.cm) != 0) {
		fprintf(stderr, "%s: could not start the committer thread\n", cli->prog);
		status = FA_EXIT_FAIL;
		goto out;
	}
	started = true;

	for (int i = optind; i < argc; i++) {
		int rc = ingest_file(&in, argv[i]);
		if (rc != FA_OK) {
			status = FA_EXIT_FAIL;
		}
		if (rc == FA_EDB || rc == FA_ENOMEM) {
			break;	/* the database or memory is gone: stop here */
		}
	}
	print_counts("total", &in.total);
out:
	if (started) {
		pthread_mutex_lock(&in.cm.mu);
		in.cm.quit = true;
		pthread_cond_broadcast(&in.cm.cv);
		pthread_mutex_unlock(&in.cm.mu);
		pthread_join(in.cm.tid, NULL);
	}
	fa_store_batch_free(in.batch);
	fa_store_batch_free(in.spare);
	fa_store_close(in.store);
	return status;
}
