/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_rule.h
 * @brief Policy rules: loading and validating YAML rule files, the metric
 *        registry, the in-memory evaluation engine and the PostgreSQL
 *        driver that turns stored events into findings.
 *
 * The language is described in docs/rules.md. In short, a policy file
 * names a rule set ("policy") and lists rules; each rule applies to one
 * entity kind (domain, host, registrar, registrant) and fires when its condition
 * ("when") over that entity's metrics is true at one of its events.
 *
 * Layers, each usable alone:
 *  - fa_rule_set_*: load and validate, no database (policy check);
 *  - fa_rule_engine_*: feed events in (time, id) order, keep sliding
 *    windows per entity, collect firings into findings (unit-testable);
 *  - fa_rule_evaluate(): read events from PostgreSQL, run the engine,
 *    upsert findings and the evaluation checkpoint in one transaction.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/fa_err.h"

/** Longest window a rule may use unless the loader is told otherwise. */
#define FA_RULE_MAX_WINDOW_DEFAULT (INT64_C(90) * 86400 * 1000000)

/** Largest policy file the loader reads. */
#define FA_RULE_MAX_FILE (1024 * 1024)

/** Most error messages kept by one struct fa_rule_diag. */
#define FA_RULE_MAX_DIAG 100

/** Most event ids kept as evidence per metric value. */
#define FA_RULE_EVIDENCE_IDS 50

/** Error messages of a load, each "FILE:LINE:COLUMN: reason". */
struct fa_rule_diag {
	char *msgs[FA_RULE_MAX_DIAG]; /**< owned; the first count are set */
	size_t count;		      /**< messages kept */
	size_t dropped;		      /**< messages beyond the bound */
};

/** @brief Free the messages and zero the structure; diag may be NULL. */
void fa_rule_diag_clear(struct fa_rule_diag *diag);

/** Loader settings; a zeroed structure means the defaults. */
struct fa_rule_load_opts {
	int64_t max_window_us; /**< 0: FA_RULE_MAX_WINDOW_DEFAULT */
};

struct fa_rule_set;

/**
 * @brief Create an empty rule set.
 * @param[in] opts loader settings, NULL for the defaults (copied)
 * @return the set (free with fa_rule_set_free), or NULL when out of memory
 */
struct fa_rule_set *fa_rule_set_new(const struct fa_rule_load_opts *opts);

/** @brief Free a set and all its rules; NULL is fine. */
void fa_rule_set_free(struct fa_rule_set *set);

/** Score discounts a set uses (fa_rule_set_discounts). */
#define FA_RULE_DISCOUNT_ALLOWLIST 1u	/**< scoring.allowlist_discount */
#define FA_RULE_DISCOUNT_HIGH_CHANGE 2u	/**< scoring.high_change_discount */

/**
 * @brief Which discounts by enrichment data the policies of the set use
 *        (above 0): FA_RULE_DISCOUNT_* bits, 0 for none.
 */
unsigned fa_rule_set_discounts(const struct fa_rule_set *set);

/**
 * @brief Parse one policy document and add its rules to the set.
 *
 * All or nothing per document: when any error is found, every error of
 * the document is appended to diag and no rule of it is added. Rule ids
 * must be unique across the whole set, policy names too.
 *
 * @param[in,out] set the set to extend
 * @param[in] name file name used in messages (copied)
 * @param[in] buf document text, need not be NUL-terminated
 * @param[in] len its length
 * @param[out] diag receives the error messages
 * @param[out] nrules rules added (may be NULL)
 * @return FA_OK, FA_EPARSE (errors in diag) or FA_ENOMEM
 */
int fa_rule_set_add_buffer(struct fa_rule_set *set, const char *name,
			   const char *buf, size_t len, struct fa_rule_diag *diag,
			   size_t *nrules) FA_WARN_UNUSED;

/**
 * @brief Read a policy file and add it as fa_rule_set_add_buffer does.
 * @return FA_OK, FA_EPARSE, FA_EIO, FA_ELIMIT (file larger than
 *         FA_RULE_MAX_FILE) or FA_ENOMEM; the reason is in diag
 */
int fa_rule_set_add_file(struct fa_rule_set *set, const char *path,
			 struct fa_rule_diag *diag, size_t *nrules) FA_WARN_UNUSED;

/**
 * @brief Expand a path: a directory gives its *.yaml and *.yml files
 *        (not hidden ones), sorted by name; a file gives itself.
 * @param[out] files array of paths, to free with fa_rule_paths_free
 * @param[out] n its length
 * @param[out] err reason on failure
 * @return FA_OK, FA_EIO or FA_ENOMEM
 */
int fa_rule_expand_path(const char *path, char ***files, size_t *n, char *err,
			size_t errlen) FA_WARN_UNUSED;

/** @brief Free what fa_rule_expand_path returned. */
void fa_rule_paths_free(char **files, size_t n);

/**
 * @brief Load every file named by paths (files or directories) into a
 *        new set.
 * @param[out] out the set on success, NULL on failure
 * @return FA_OK, or the first failure with all messages in diag; a path
 *         list that yields no file at all is FA_ENOTFOUND
 */
int fa_rule_set_load(struct fa_rule_set **out, const char *const *paths,
		     size_t npaths, const struct fa_rule_load_opts *opts,
		     struct fa_rule_diag *diag) FA_WARN_UNUSED;

/** @brief Number of rules in the set. */
size_t fa_rule_set_size(const struct fa_rule_set *set);

/** @brief Number of policies (rule-set names) in the set. */
size_t fa_rule_set_policy_count(const struct fa_rule_set *set);

/** @brief Name of policy i (borrowed from the set). */
const char *fa_rule_set_policy_name(const struct fa_rule_set *set, size_t i);

/**
 * @brief SHA-256 (hex) over the canonical form of policy i's rules, so
 *        that a changed policy is re-evaluated from the start.
 * @param[out] hex at least 65 bytes
 */
void fa_rule_set_fingerprint(const struct fa_rule_set *set, size_t i, char *hex);

/** @brief Longest window used by any rule, in microseconds (0: none). */
int64_t fa_rule_set_lookback(const struct fa_rule_set *set);

/** A metric value: durations are microseconds, counts plain. */
struct fa_rule_value {
	bool known;
	int64_t v;
};

/** One event as the engine needs it; strings are borrowed for the call. */
struct fa_rule_event {
	int64_t id;		/**< events.id */
	int64_t ts_us;		/**< data time, UTC microseconds */
	const char *kind;	/**< stored kind name, e.g. "domain.ns_add" */
	const char *txn_key;	/**< events.txn_key; NULL: a transaction of its own */
	const char *registrar;	/**< or NULL */
	const char *domain;	/**< or NULL */
	const char *host;	/**< or NULL */
	const char *value;	/**< or NULL */
	bool has_created;	/**< domain.create: created_us is set */
	int64_t created_us;	/**< create date from the event detail */
	const char *contact;	/**< events.contact, or NULL */
	const char *src_addr;	/**< events.src_addr (client address), or NULL */
	const char *rrtype;	/**< zone.*: detail->>'rrtype', or NULL */
	bool has_ttl;		/**< zone.*: detail->>'ttl' was a number */
	int64_t ttl_s;		/**< that TTL in seconds */
	/**
	 * contact.create/update: the detail fields the rules read (NULL
	 * when absent or null); cfields says which keys the detail had
	 * (FA_RULE_CF_*), since an update names only the changed ones.
	 */
	const char *c_email, *c_voice, *c_name, *c_cc, *c_city;
	unsigned cfields;
};

/** Keys present in a contact event's detail (struct fa_rule_event.cfields). */
enum {
	FA_RULE_CF_EMAIL = 1,
	FA_RULE_CF_VOICE = 2,
	FA_RULE_CF_NAME = 4,
	FA_RULE_CF_CC = 8,
	FA_RULE_CF_CITY = 16,
};

/** Counters of one engine run. */
struct fa_rule_stats {
	uint64_t events;	/**< events fed */
	uint64_t evaluated;	/**< events at which rules were evaluated */
	uint64_t entities;	/**< entity trackers created */
	uint64_t fired;		/**< rule firings (rule x evaluation point) */
	uint64_t peak_tracked;	/**< most entity trackers held at once */
};

/** A finding as the engine accumulated it; all borrowed from the engine. */
struct fa_rule_finding {
	const char *policy;
	const char *entity_kind;
	const char *entity;
	const char *severity;	/**< highest severity of the rules */
	int score;		/**< sum of the distinct rules' scores */
	const char **rules;	/**< rule ids, sorted */
	size_t nrules;
	const char *evidence;	/**< JSON object text, keys = rule ids */
	int64_t first_us;	/**< earliest firing */
	int64_t last_us;	/**< latest firing */
};

struct fa_rule_engine;

/**
 * @brief Create an engine for a set; the set must outlive the engine.
 * @return the engine, or NULL when out of memory
 */
struct fa_rule_engine *fa_rule_engine_new(const struct fa_rule_set *set);

/** @brief Free the engine; NULL is fine. */
void fa_rule_engine_free(struct fa_rule_engine *eng);

/**
 * @brief Feed the next event (events must come in (ts, id) order).
 * @param[in] ev the event; its strings are copied where kept
 * @param[in] evaluate false to only update the windows (warm-up)
 * @return FA_OK, FA_EINVAL (out of order) or FA_ENOMEM
 */
int fa_rule_engine_feed(struct fa_rule_engine *eng, const struct fa_rule_event *ev,
			bool evaluate) FA_WARN_UNUSED;

/**
 * @brief Drop trackers of entities idle for longer than the longest
 *        window (at least a day) and host addresses released before it.
 *        The engine does this by itself every 4096 events unless told
 *        otherwise by fa_rule_engine_set_manual_prune.
 */
void fa_rule_engine_prune(struct fa_rule_engine *eng);

struct fa_enrich;

/**
 * @brief Give the engine enrichment data (IP to ASN, consumer prefixes,
 *        allowlists, declarations) for the metrics that need it and for
 *        the allowlist discount; without it those metrics are unknown.
 * @param[in] enrich borrowed: must outlive the engine; NULL for none
 */
void fa_rule_engine_set_enrich(struct fa_rule_engine *eng,
			       const struct fa_enrich *enrich);

/**
 * @brief Leave pruning to the caller, who then calls fa_rule_engine_prune
 *        between batches (so that state seeded for a batch is not dropped
 *        inside it).
 */
void fa_rule_engine_set_manual_prune(struct fa_rule_engine *eng, bool manual);

/**
 * @brief Whether entities of this kind need state from outside the event
 *        stream (fa_rule_engine_seed_*) and the engine lacks it for name.
 */
bool fa_rule_engine_wants_seed(const struct fa_rule_engine *eng,
			       const char *entity_kind, const char *name);

/**
 * @brief Give a domain's known state before its next event: create date
 *        and NS TTL from the domains table. Ignored when already tracked.
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_engine_seed_domain(struct fa_rule_engine *eng, const char *name,
			       bool has_created, int64_t created_us, bool has_ttl,
			       int64_t ns_ttl_s) FA_WARN_UNUSED;

/**
 * @brief Give the addresses a host holds before its next event, and its
 *        sponsoring registrar at that point (NULL: none or unknown; its
 *        later host.create and host.delete events change it). Ignored
 *        when already tracked.
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_engine_seed_host(struct fa_rule_engine *eng, const char *name,
			     const char *const *addrs, size_t naddrs,
			     const char *sponsor) FA_WARN_UNUSED;

/**
 * @brief Value of a metric of one entity at the time of the last event fed.
 * @param[in] metric name without entity prefix, e.g. "ns_changes"
 * @param[in] window_us window for windowed metrics, else 0
 * @return FA_OK, FA_ENOTFOUND (unknown metric, or a windowed metric the
 *         set does not track that far) ; an untracked entity gives
 *         FA_OK with the value a fresh entity has
 */
int fa_rule_engine_metric(struct fa_rule_engine *eng, const char *entity_kind,
			  const char *name, const char *metric, int64_t window_us,
			  struct fa_rule_value *out) FA_WARN_UNUSED;

/** @brief Counters so far. */
void fa_rule_engine_stats(const struct fa_rule_engine *eng, struct fa_rule_stats *out);

/** @brief Number of findings accumulated so far. */
size_t fa_rule_engine_finding_count(const struct fa_rule_engine *eng);

/**
 * @brief Finding i (in the order entities first fired), built on demand.
 * @param[out] out valid until the next call on the engine
 * @return FA_OK, FA_ENOTFOUND or FA_ENOMEM
 */
int fa_rule_engine_finding(struct fa_rule_engine *eng, size_t i,
			   struct fa_rule_finding *out) FA_WARN_UNUSED;

/** Range and mode of an evaluation against the database. */
struct fa_rule_eval_opts {
	bool has_since;		/**< evaluate at events with ts >= since */
	int64_t since_us;
	bool has_until;		/**< and ts < until */
	int64_t until_us;
	size_t fetch_rows;	/**< cursor batch, 0: default */
	bool dry_run;		/**< do everything, then roll back (backtest) */
	/**
	 * Replay: when set, each finding of the run goes to this callback
	 * (its strings valid for the call) and nothing is written, neither
	 * findings nor checkpoints. A non-FA_OK return stops the report and
	 * is returned.
	 */
	int (*on_finding)(void *arg, const struct fa_rule_finding *f);
	void *on_finding_arg;
	/** enrichment data for the engine (borrowed), or NULL */
	const struct fa_enrich *enrich;
};

/** What an evaluation did. */
struct fa_rule_eval_result {
	struct fa_rule_stats stats;
	uint64_t opened;	/**< findings inserted */
	uint64_t updated;	/**< open findings changed */
	uint64_t unchanged;	/**< open findings the run confirmed */
	bool nothing_new;	/**< checkpoint mode found no new events */
	int64_t from_us;	/**< evaluated from (ts); INT64_MIN: from the first event */
	int64_t checkpoint_id;	/**< checkpoint after the run */
};

/**
 * @brief Evaluate the set over stored events and write findings.
 *
 * Without since/until, evaluates the events not yet evaluated by each
 * policy of the set (checkpoint table rule_checkpoints, keyed by policy
 * name and fingerprint) plus the lookback of the longest window, and
 * moves the checkpoints; with since/until, evaluates that range and
 * leaves the checkpoints alone. Findings, and checkpoints, commit in one
 * transaction. Running it again over the same events changes nothing.
 *
 * @param[in] conn an open connection, not inside a transaction
 * @return FA_OK, FA_EDB or FA_ENOMEM (reason in err)
 */
int fa_rule_evaluate(PGconn *conn, const struct fa_rule_set *set,
		     const struct fa_rule_eval_opts *opts,
		     struct fa_rule_eval_result *res, char *err,
		     size_t errlen) FA_WARN_UNUSED;
