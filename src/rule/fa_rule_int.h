/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_rule_int.h
 * @brief Private structures shared by the files of the rule module: the
 *        entity-kind and metric tables, compiled expressions, rules,
 *        per-entity trackers and a small text builder.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_arena.h"
#include "rule/fa_rule.h"

/** Value types of the language. */
enum fa_rule_type {
	FA_RULE_T_BOOL,
	FA_RULE_T_COUNT,
	FA_RULE_T_DURATION,
};

/** Severities in rising order; the names are the stored form. */
enum fa_rule_severity {
	FA_RULE_SEV_INFO,
	FA_RULE_SEV_LOW,
	FA_RULE_SEV_MEDIUM,
	FA_RULE_SEV_HIGH,
	FA_RULE_SEV_CRITICAL,
	FA_RULE_SEV__COUNT
};

/** @brief Stored name of a severity. */
const char *fa_rule_severity_name(int sev);

/** @brief Name of a value type for messages ("count", "duration", ...). */
const char *fa_rule_type_name(int type);

/** Event ids behind a value: the first FA_RULE_EVIDENCE_IDS and a total. */
struct fa_rule_ids {
	int64_t ids[FA_RULE_EVIDENCE_IDS];
	size_t n;
	uint64_t total;
};

/** @brief Remember one more id (kept while there is room, always counted). */
void fa_rule_ids_add(struct fa_rule_ids *ids, int64_t id);

/**
 * Time-ordered (ts, id) pairs of counted events: a growable ring. Queues
 * of per-transaction metrics also keep, per entry, the engine's number of
 * the event's transaction (gtxn) and the queue's own number of it (txn:
 * 0, 1, ... in order of first appearance in the queue), so that the
 * transactions inside a window are ntxn minus the txn of its first entry.
 */
struct fa_rule_evq {
	int64_t *ts;
	int64_t *id;
	uint64_t *gtxn;		/**< per-transaction queues only, else NULL */
	uint64_t *txn;		/**< per-transaction queues only, else NULL */
	size_t head, len, cap;
	uint64_t ntxn;		/**< transactions numbered by this queue */
	uint64_t max_gtxn;	/**< highest gtxn pushed */
};

/**
 * One name an entity holds or held (an address of a host, a name server
 * of a domain) and until when it was held.
 */
struct fa_rule_addr {
	char *addr;
	bool held;
	int64_t removed_us;	/**< when it stopped being held */
	int64_t event_id;	/**< the event that added it, 0 if seeded */
	bool pre;		/**< NS: held when the current transaction began */
};

/**
 * A domain's NS-set change by a registrar or registrant (for
 * bulk_redelegation and domains_changed): the set after it, as the
 * sorted names joined by spaces.
 */
struct fa_rule_move {
	char *domain;
	char *set;
	int64_t ts_us;
	int64_t event_id;
	uint64_t gtxn;
};

/** A young domain delegated to a host (young_domains). */
struct fa_rule_young {
	char *domain;
	int64_t created_us;
	int64_t event_id;	/**< the NS event that delegated it, 0 if seeded */
};

/** Room for a network's text form. */
#define FA_RULE_NET_KEY 64

/** A source network of a registrar and when it was first and last seen. */
struct fa_rule_net {
	char key[FA_RULE_NET_KEY];	/**< "192.0.2.0/24", "2001:db8:1::/48" */
	int64_t first_us;
	int64_t last_us;
	int64_t event_id;	/**< first event from it, 0 if seeded */
};

/** Most source networks remembered per registrar. */
#define FA_RULE_MAX_NETS 1024

/** Tracker of one entity: windows and the state its metrics need. */
struct fa_rule_ent {
	struct fa_rule_ent *next;	/**< hash chain */
	char *name;
	int kind;
	int64_t last_us;
	bool seeded;

	struct fa_rule_evq *q;		/**< one per counter the set uses for the kind */
	size_t nq;

	bool has_created;		/**< domain */
	int64_t created_us;
	int64_t created_ev;
	bool has_ttl;
	int64_t ns_ttl_s;
	int64_t ttl_ev;
	bool has_zone_ttl;		/**< NS TTL published in the zone */
	int64_t zone_ttl_s;
	int64_t zone_ttl_ev;
	struct fa_rule_addr *ns;	/**< NS set, held and recently released */
	size_t nns, cns;
	uint64_t rep_gtxn;		/**< transaction of the replacement test */
	size_t rep_pre, rep_gone, rep_added;
	bool rep_counted;
	uint64_t deleg_gtxn;		/**< zone step that published the delegation */
	bool has_deleg;
	char *registrant;
	/** domain, host: its sponsoring registrar at the current event,
	 *  for the high-change discount: seeded as of the chunk start (the
	 *  latest create, transfer or delete before it, else the table's
	 *  registrar), then changed by the create, transfer and delete
	 *  events of the scan; NULL while deleted or unknown */
	char *sponsor;
	/** host: fa_rule_engine_seq() when sponsor was set (a transfer of
	 *  the superordinate domain fed later moves the host) */
	uint64_t sponsor_seq;
	/** host: its superordinate domain (hosts table), or NULL */
	char *super;
	/** host: deleted (no sponsor; a transfer of its domain does not
	 *  bring it back) until created again */
	bool gone;
	bool has_contact_chg;		/**< latest registrant/contact/authInfo change */
	int64_t contact_chg_us;
	int64_t contact_chg_ev;
	bool has_lock_rem;		/**< latest lock status removed */
	int64_t lock_rem_us;
	int64_t lock_rem_ev;

	struct fa_rule_addr *addrs;	/**< host */
	size_t naddrs, caddrs;
	int64_t ndeleg;			/**< domains delegated to it now */
	struct fa_rule_young *young;	/**< those created within the longest window */
	size_t nyoung, cyoung;

	struct fa_rule_move *moves;	/**< registrar, registrant: in time order */
	size_t nmoves, cmoves;
	struct fa_rule_net *nets;	/**< registrar */
	size_t nnets, cnets;
	uint64_t hours[24];		/**< registrar: transactions per UTC hour */
	uint64_t nhours;
	uint64_t last_gtxn;
	struct fa_rule_evq offq;	/**< registrar: off-hours transactions */

	bool has_cdata;			/**< registrant: its contact data is known */
	char *c_email, *c_voice, *c_name, *c_cc, *c_city;
	bool c_city_known;		/**< data written before the city was
					 *  kept does not say it */
	int64_t cdata_ev;
	char **reuse_ids;		/**< contacts sharing email/voice in the table */
	size_t nreuse;
};

struct fa_rule_engine;

/** What the engine knows of an event's transaction. */
struct fa_rule_txn_info {
	uint64_t no;		/**< engine-wide number (gtxn), rising */
	bool create;		/**< the transaction created a domain */
};

/**
 * Entity-kind table entry. key() says which entity of this kind an event
 * belongs to (NULL: none); observe() updates non-window state and may
 * look at trackers of kinds before its own (they observed the event
 * first).
 */
struct fa_rule_entity_def {
	const char *name;
	const char *(*key)(const struct fa_rule_engine *eng, const struct fa_rule_event *ev);
	int (*observe)(struct fa_rule_engine *eng, struct fa_rule_ent *e,
		       const struct fa_rule_event *ev, const struct fa_rule_txn_info *txn);
	bool seeded;		/**< has state outside the event stream */
};

/**
 * Metric table entry. Counters list the event kinds they count and need
 * no value function; other metrics compute from the entity state.
 */
/**
 * The value of a metric for an entity at now_us over the window (0: none);
 * ids, when not NULL, collects the events behind the value.
 */
typedef int fa_rule_value_fn(const struct fa_rule_engine *eng, const struct fa_rule_ent *e,
			     int64_t now_us, int64_t window_us, struct fa_rule_value *out,
			     struct fa_rule_ids *ids);

struct fa_rule_metric_def {
	int entity;
	const char *name;
	int type;
	bool windowed;
	const char *counts[4];	/**< event kinds counted, NULL-terminated */
	/**
	 * Count distinct transactions (events.txn_key) among the counted
	 * events instead of the events, and leave out the events of a
	 * transaction that created a domain (its initial delegation).
	 */
	bool per_txn;
	fa_rule_value_fn *value;
	/**
	 * Counters: further condition on a listed event, checked after the
	 * entity observed it (NULL: every listed event counts).
	 */
	bool (*match)(const struct fa_rule_ent *e, const struct fa_rule_event *ev,
		      const struct fa_rule_txn_info *txn);
	/** Entity kinds (bit 1 << kind) whose trackers the metric reads. */
	unsigned needs;
	/**
	 * Counters of command.failed: count only results code_lo..code_hi
	 * (0: every result). The code is the event's value.
	 */
	uint16_t code_lo, code_hi;
};

/**
 * @brief For a metric computed from the history of a counter (as
 *        ns_change_surge from ns_changes), that counter, and how much
 *        longer than the window its history must be kept.
 * @return the counter's index, or -1 when m reads no other history
 */
int fa_rule_metric_base(int m, int64_t *extra_us);

/** Entity kinds; their order is the index in fa_rule_entities. */
enum {
	FA_RULE_E_DOMAIN,
	FA_RULE_E_HOST,
	FA_RULE_E_REGISTRAR,
	FA_RULE_E_REGISTRANT,
	FA_RULE_E__COUNT
};

/** The entity-kind table (FA_RULE_E__COUNT entries). */
extern const struct fa_rule_entity_def fa_rule_entities[FA_RULE_E__COUNT];

/** The metric table and its length. */
extern const struct fa_rule_metric_def fa_rule_metrics[];
extern const size_t fa_rule_nmetrics;

/** @brief Index of an entity kind by name, or -1. */
int fa_rule_entity_find(const char *name, size_t len);

/** @brief Index of a metric of an entity kind by name, or -1. */
int fa_rule_metric_find(int entity, const char *name, size_t len);

/** @brief The tracker of an entity, or NULL when the engine has none. */
struct fa_rule_ent *fa_rule_engine_find(const struct fa_rule_engine *eng, int kind,
					const char *name);

/**
 * @brief The history queue of counter metric m in tracker e, or NULL when
 *        the set keeps none.
 */
const struct fa_rule_evq *fa_rule_engine_queue(const struct fa_rule_engine *eng,
					       const struct fa_rule_ent *e, int m);

/** @brief Longest window the set reads metric m with (0: unused). */
int64_t fa_rule_engine_retention(const struct fa_rule_engine *eng, size_t m);

/**
 * @brief Queue one counted event (txn NULL: counted per event), dropping
 *        entries older than retention.
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_evq_push(struct fa_rule_evq *q, int64_t ts, int64_t id, int64_t retention,
		     const struct fa_rule_txn_info *txn) FA_WARN_UNUSED;

/** @brief Free the arrays of a queue. */
void fa_rule_evq_free(struct fa_rule_evq *q);

/** @brief Release everything a tracker holds besides the tracker itself. */
void fa_rule_ent_clear(struct fa_rule_ent *e);

/** @brief Give a domain its NS set before any of its events. */
int fa_rule_domain_seed_ns(struct fa_rule_ent *e, const char *const *ns,
			   size_t n) FA_WARN_UNUSED;

/** @brief Give a registrant its contact data from the contacts table. */
int fa_rule_registrant_seed(struct fa_rule_engine *eng, struct fa_rule_ent *e,
			    const char *email, const char *voice, const char *name,
			    const char *cc, const char *city, bool has_city) FA_WARN_UNUSED;

/** Most contact ids read from the table per registrant for contact_reuse. */
#define FA_RULE_MAX_REUSE 1000

/** @brief Remember another contact that shares the registrant's email or
 *         voice in the contacts table (at most FA_RULE_MAX_REUSE). */
int fa_rule_registrant_seed_reuse(struct fa_rule_ent *e, const char *id) FA_WARN_UNUSED;

/**
 * @brief The tracker to give state from outside the events: a new one for
 *        an entity the engine tracks and has no tracker for.
 * @param[out] out the new tracker, or NULL when there is nothing to seed
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_engine_seed_ent(struct fa_rule_engine *eng, int kind, const char *name,
			    struct fa_rule_ent **out) FA_WARN_UNUSED;

/**
 * @brief Move contact id in the engine's email/voice index from the old
 *        values to the new ones (NULL: none). A no-op unless the set
 *        reads contact_reuse.
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_engine_contact_index(struct fa_rule_engine *eng, const char *id,
				 const char *old_email, const char *old_voice,
				 const char *new_email, const char *new_voice) FA_WARN_UNUSED;

/**
 * @brief The contact ids indexed under this email and under this voice,
 *        concatenated (an id may appear twice).
 * @param[out] ids array to free() (the strings are the index's), NULL when none
 * @return FA_OK or FA_ENOMEM
 */
int fa_rule_engine_contact_list(const struct fa_rule_engine *eng, const char *email,
				const char *voice, const char *const **ids,
				size_t *n) FA_WARN_UNUSED;

/**
 * @brief The number of events fed so far: orders sponsor changes of a
 *        host against the transfers of its superordinate domain.
 */
uint64_t fa_rule_engine_seq(const struct fa_rule_engine *eng);

/**
 * @brief fa_rule_engine_seed_host with the host's superordinate domain
 *        (NULL: none known) and whether it was deleted before the chunk.
 */
int fa_rule_engine_seed_host_at(struct fa_rule_engine *eng, const char *name,
				const char *const *addrs, size_t naddrs, const char *sponsor,
				const char *superordinate, bool gone) FA_WARN_UNUSED;

/**
 * @brief The registrar whose high-change declaration applies to an
 *        entity now: a registrar itself, a domain's sponsor, a host's
 *        sponsor or the gaining registrar of a later transfer of its
 *        superordinate domain; NULL for none.
 */
const char *fa_rule_engine_sponsor(const struct fa_rule_engine *eng,
				   const struct fa_rule_ent *e);

/** @brief Whether the engine keeps trackers of this kind. */
bool fa_rule_engine_tracks(const struct fa_rule_engine *eng, int kind);

/**
 * @brief Add to a host's delegations before any event: count more
 *        domains, and one young domain with its create date when name is
 *        not NULL.
 */
int fa_rule_host_seed_deleg(struct fa_rule_engine *eng, struct fa_rule_ent *h, int64_t count,
			    const char *name, int64_t created_us) FA_WARN_UNUSED;

/** @brief Remove a domain from a host's delegations (reverse walk). */
void fa_rule_host_unseed_deleg(struct fa_rule_ent *h, const char *name);

/** @brief Remember a source network of a registrar seen before the scan. */
int fa_rule_registrar_seed_net(struct fa_rule_ent *e, const char *addr,
			       int64_t seen_us) FA_WARN_UNUSED;

/**
 * @brief Source network of a client address: IPv4 /24, IPv6 /48, as
 *        "192.0.2.0/24"; false when addr is not an address.
 */
bool fa_rule_network(const char *addr, char *out, size_t len);

/**
 * @brief Forget what left the longest window: host addresses and domain
 *        name servers released, moves and queued entries older than it.
 */
void fa_rule_ent_prune(struct fa_rule_ent *e, int64_t horizon_us);

/** @brief Mark an address as held by a host before any of its events. */
int fa_rule_host_seed_addr(struct fa_rule_ent *e, const char *addr) FA_WARN_UNUSED;

/**
 * @brief Count of queued entries with ts > now - window (of their distinct
 *        transactions, for a per-transaction queue), and the entries' ids.
 */
uint64_t fa_rule_evq_count(const struct fa_rule_evq *q, int64_t now_us,
			   int64_t window_us, struct fa_rule_ids *ids);

/** Expression node operators. */
enum fa_rule_op {
	FA_RULE_OP_OR,
	FA_RULE_OP_AND,
	FA_RULE_OP_NOT,
	FA_RULE_OP_LT,
	FA_RULE_OP_LE,
	FA_RULE_OP_GT,
	FA_RULE_OP_GE,
	FA_RULE_OP_EQ,
	FA_RULE_OP_NE,
	FA_RULE_OP_NUM,
	FA_RULE_OP_METRIC,
};

/** Compiled expression node (lives in the set's arena). */
struct fa_rule_node {
	int op;
	int type;
	size_t pos;			/**< byte offset in the condition */
	struct fa_rule_node *l, *r;
	int64_t num;			/**< FA_RULE_OP_NUM */
	size_t ref;			/**< FA_RULE_OP_METRIC: index in refs */
};

/** A distinct (metric, window) a rule reads. */
struct fa_rule_ref {
	int metric;
	int64_t window_us;
	char label[64];			/**< e.g. "ns_changes[24h]" */
	char window[24];		/**< e.g. "24h", "" when none */
};

/** Most distinct metric references in one condition. */
#define FA_RULE_MAX_REFS 16

/** A compiled rule. */
struct fa_rule {
	const char *id;
	const char *description;
	const char *when;
	const char *file;
	int line, column;
	size_t policy;
	int entity;
	int severity;
	int score;
	struct fa_rule_node *expr;
	struct fa_rule_ref refs[FA_RULE_MAX_REFS];
	size_t nrefs;
};

/**
 * @brief Whether domain findings may be lowered for an allowlisted
 *        provider (enrichment set, a policy with allowlist_discount, domain
 *        trackers): the engine then tracks the domains' name servers.
 */
bool fa_rule_engine_domain_providers(const struct fa_rule_engine *eng);

/**
 * @brief Whether a rule reads only name-server churn metrics (NS and glue
 *        changes, NS sets and addresses seen, a host's glue changes and
 *        addresses, a registrar's NS-change surge and bulk moves): the
 *        rules a high-change business model explains, and the only ones
 *        scoring.high_change_discount lowers.
 */
bool fa_rule_churn_only(const struct fa_rule *r);

/** Percentages taken off rule scores for legitimate-use context. */
struct fa_rule_discount {
	/** any rule firing for an entity on an allowlisted provider
	 *  (scoring.allowlist_discount) */
	int allowlist;
	/** a churn rule (fa_rule_churn_only) firing for a registrar declared
	 *  high-change, or for a domain or host it sponsors
	 *  (scoring.high_change_discount) */
	int high_change;
};

/** The loaded set. */
struct fa_rule_set {
	struct fa_arena *arena;
	struct fa_rule_load_opts opts;
	struct fa_rule **rules;
	size_t nrules, crules;
	const char **policies;		/**< names */
	const char **policy_where;	/**< "FILE:L:C" of the definition */
	size_t npolicies, cpolicies, cwhere;
	int64_t lookback_us;
	int64_t *retention_us;		/**< per metric: longest window used */
	/** per policy: the score discounts of its scoring settings */
	struct fa_rule_discount *discount;
	size_t cdiscount;
	/** flux_score weights: addresses, ASNs, name servers (Holz et al.'s
	 *  by default; scoring.flux_score, one setting for the whole set) */
	double flux_w[3];
	const char *flux_where;		/**< "FILE:L:C" where they were set */
};

struct fa_enrich;

/** @brief The enrichment data of the engine, or NULL when none is set. */
const struct fa_enrich *fa_rule_engine_enrich(const struct fa_rule_engine *eng);

/** @brief The set the engine evaluates. */
const struct fa_rule_set *fa_rule_engine_set(const struct fa_rule_engine *eng);

/** Lookups of addresses and tallies kept by the enrichment metrics. */
struct fa_rule_enrich_memo;

/** @brief A new, empty memo, or NULL when out of memory. */
struct fa_rule_enrich_memo *fa_rule_enrich_memo_new(void);

/** @brief Free a memo (NULL is fine). */
void fa_rule_enrich_memo_free(struct fa_rule_enrich_memo *m);

/** @brief Empty the memo when it grew too large; call between events only. */
void fa_rule_enrich_memo_trim(struct fa_rule_enrich_memo *m);

/**
 * @brief The engine's memo (a cache: metrics write it through a const
 *        engine), or NULL when the engine has no enrichment data.
 */
struct fa_rule_enrich_memo *fa_rule_engine_enrich_memo(const struct fa_rule_engine *eng);

/**
 * @brief A number that stays the same while the engine evaluates the
 *        rules of one entity at one event (no state changes meanwhile),
 *        and 0 outside that (nothing may be kept).
 */
uint64_t fa_rule_engine_memo_key(const struct fa_rule_engine *eng);

/*
 * Enrichment metrics (fa_rule_enrich.c). Without enrichment data they
 * are unknown, so a rule that reads them stays silent.
 */
fa_rule_value_fn fa_rule_enrich_distinct_asns;
fa_rule_value_fn fa_rule_enrich_consumer_addrs;
fa_rule_value_fn fa_rule_enrich_consumer_prefixes;
fa_rule_value_fn fa_rule_enrich_consumer_share;
fa_rule_value_fn fa_rule_enrich_flux_score;
fa_rule_value_fn fa_rule_enrich_declared_static;
fa_rule_value_fn fa_rule_enrich_declared_dynamic;

/**
 * @brief The allowlisted provider of an entity, for the score discount: a
 *        host under a listed NS suffix or with an address in a listed ASN;
 *        a domain all of whose current name servers are such hosts.
 * @return the provider's name (borrowed from the enrichment data), or NULL
 */
const char *fa_rule_enrich_provider(const struct fa_rule_engine *eng, int kind,
				    const char *name);

/** Where an expression error is, and why. */
struct fa_rule_expr_err {
	size_t pos;
	char msg[256];
};

/**
 * @brief Compile a condition for a rule of entity kind `entity`.
 * @param[in,out] rule receives expr and refs
 * @param[in] arena where nodes live
 * @return FA_OK, FA_EPARSE (err filled) or FA_ENOMEM
 */
int fa_rule_expr_compile(struct fa_rule *rule, const char *text, size_t len,
			 int64_t max_window_us, struct fa_arena *arena,
			 struct fa_rule_expr_err *err) FA_WARN_UNUSED;

/** Three-valued truth: false, true, unknown. */
enum { FA_RULE_FALSE, FA_RULE_TRUE, FA_RULE_UNKNOWN };

/**
 * @brief Evaluate a compiled condition with the values of its refs.
 * @return FA_RULE_FALSE, FA_RULE_TRUE or FA_RULE_UNKNOWN
 */
int fa_rule_expr_eval(const struct fa_rule_node *n, const struct fa_rule_value *vals);

/** @brief Format a duration in microseconds the short way ("24h", "90s"). */
void fa_rule_duration_format(int64_t us, char *buf, size_t len);

/** Growable text; on allocation failure it sets oom and stops growing. */
struct fa_rule_sb {
	char *p;
	size_t len, cap;
	bool oom;
};

/** @brief Append len bytes. */
void fa_rule_sb_put(struct fa_rule_sb *sb, const char *s, size_t len);

/** @brief Append printf-formatted text. */
void fa_rule_sb_printf(struct fa_rule_sb *sb, const char *fmt, ...) FA_PRINTF(2, 3);

/** @brief Append a quoted JSON string. */
void fa_rule_sb_json(struct fa_rule_sb *sb, const char *s);

/** @brief Release the text. */
void fa_rule_sb_free(struct fa_rule_sb *sb);
