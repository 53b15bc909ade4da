/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_event.h
 * @brief Normalized transactions and change events.
 *
 * This is the contract between the input parsers (EPP now, zone files
 * later), the store and the rule engine. A parser turns one logged EPP
 * transaction (command frame plus response frame) into one struct fa_txn
 * holding zero or more struct fa_event, one per normalized change.
 *
 * Ownership: every string in a txn and its events points into the txn's
 * own arena; fa_txn_reset() releases them all. Callers that keep data past
 * the next fa_txn_reset() must copy it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_err.h"

/**
 * Kinds of normalized change. The stored name (fa_event_kind_name) is the
 * stable identifier used in the database, the rule language and JSON
 * output; the enum order is not stable and must never be stored.
 *
 * Field use per kind (see struct fa_event): "domain" is the domain name,
 * "host" the name-server host, "contact" a contact id, "value" the changed
 * item. Unused fields are NULL.
 */
enum fa_event_kind {
	FA_EV_LOGIN,		  /**< session login; registrar = clID */
	FA_EV_LOGOUT,		  /**< session logout */
	FA_EV_COMMAND_FAILED,	  /**< result >= 2000; value = result code,
				       detail = {"command":..,"msg":..};
				       the command's first object is set as
				       domain, host or contact */
	FA_EV_DOMAIN_CREATE,	  /**< domain; contact = registrant;
				       detail = {"created":..,"period":..} */
	FA_EV_DOMAIN_DELETE,	  /**< domain */
	FA_EV_DOMAIN_RENEW,	  /**< domain; value = new expiry if known */
	FA_EV_DOMAIN_NS_ADD,	  /**< domain; host = NS host name */
	FA_EV_DOMAIN_NS_REM,	  /**< domain; host = NS host name */
	FA_EV_DOMAIN_STATUS_ADD,  /**< domain; value = status token */
	FA_EV_DOMAIN_STATUS_REM,  /**< domain; value = status token */
	FA_EV_DOMAIN_REGISTRANT_CHANGE, /**< domain; contact = new registrant */
	FA_EV_DOMAIN_CONTACT_ADD, /**< domain; contact = id; value = type */
	FA_EV_DOMAIN_CONTACT_REM, /**< domain; contact = id; value = type */
	FA_EV_DOMAIN_AUTHINFO_CHANGE, /**< domain; value NULL (never stored) */
	FA_EV_DOMAIN_DS_ADD,	  /**< domain; value = "keytag alg dtype digest" */
	FA_EV_DOMAIN_DS_REM,	  /**< domain; value = same form, or "*" for
				       remove-all */
	FA_EV_DOMAIN_TTL_SET,	  /**< domain; value = "RRTYPE SECONDS",
				       e.g. "NS 3600" (RFC 9803) */
	FA_EV_DOMAIN_TRANSFER_REQUEST, /**< domain; detail has reID/acID */
	FA_EV_DOMAIN_TRANSFER_APPROVE, /**< domain; value = gaining clID */
	FA_EV_DOMAIN_TRANSFER_REJECT,  /**< domain */
	FA_EV_DOMAIN_TRANSFER_CANCEL,  /**< domain */
	FA_EV_DOMAIN_INFO,	  /**< domain state observed in infData;
				       detail = full state object */
	FA_EV_HOST_CREATE,	  /**< host */
	FA_EV_HOST_ADDR_ADD,	  /**< host; value = normalized address; from
				       hostAttr glue also domain */
	FA_EV_HOST_ADDR_REM,	  /**< host; value = normalized address */
	FA_EV_HOST_STATUS_ADD,	  /**< host; value = status token */
	FA_EV_HOST_STATUS_REM,	  /**< host; value = status token */
	FA_EV_HOST_RENAME,	  /**< host = old name; value = new name */
	FA_EV_HOST_DELETE,	  /**< host */
	FA_EV_HOST_INFO,	  /**< host state observed; detail = state */
	FA_EV_CONTACT_CREATE,	  /**< contact; detail = contact data */
	FA_EV_CONTACT_UPDATE,	  /**< contact; detail = changed fields */
	FA_EV_CONTACT_DELETE,	  /**< contact */
	FA_EV__COUNT
};

/** @brief Stable stored name of a kind, e.g. "domain.ns_add". */
const char *fa_event_kind_name(enum fa_event_kind kind);

/**
 * @brief Look up a kind by its stored name.
 * @return the kind, or -1 when the name is not a kind
 */
int fa_event_kind_from_name(const char *name);

/** One normalized change. Strings are borrowed from the owning txn. */
struct fa_event {
	enum fa_event_kind kind;
	const char *domain;  /**< lower-case, no trailing dot, or NULL */
	const char *host;    /**< lower-case, no trailing dot, or NULL */
	const char *contact; /**< contact id as sent, or NULL */
	const char *value;   /**< kind-specific, see enum fa_event_kind */
	const char *detail;  /**< JSON object text, or NULL */
};

/** Where a transaction came from, for evidence and rejects. */
struct fa_source_pos {
	const char *path;    /**< input file as named by the operator */
	uint64_t offset;     /**< byte offset of the record in that file */
};

/** One EPP transaction: a command frame and, when logged, its response. */
struct fa_txn {
	int64_t time_us;	/**< UTC microseconds since the epoch */
	const char *registrar;	/**< EPP clID of the session, or NULL */
	const char *src_addr;	/**< normalized client address, or NULL */
	const char *session;	/**< session id, or NULL */
	const char *cltrid;	/**< client transaction id, or NULL */
	const char *svtrid;	/**< server transaction id, or NULL */
	const char *command;	/**< e.g. "domain:update", "login", "hello";
				     for a lone response, the resData kind
				     such as "domain:infData" */
	const char *object_type; /**< "domain", "host", "contact" or NULL */
	const char **objects;	/**< object names in the command, in order */
	size_t nobjects;
	int result_code;	/**< EPP result code, -1 when no response */
	const char *result_msg;	/**< response msg text, or NULL */
	bool has_command;	/**< a command frame was present */
	bool has_response;	/**< a response frame was present */
	char key[72];		/**< stable identity: "sv:<clID>:<svTRID>";
				     "svh:<hex>" (SHA-256 of "<clID>:<svTRID>")
				     when that would not fit; else
				     "sha256:<hex>" of the canonical content */
	struct fa_source_pos pos;
	struct fa_event *events;
	size_t nevents;

	/* Private: the arena that owns every string above. */
	struct fa_arena *arena;
	size_t events_cap;
	size_t objects_cap;
};

/**
 * @brief Prepare caller-provided storage for a transaction.
 * @return FA_OK or FA_ENOMEM
 */
int fa_txn_init(struct fa_txn *txn) FA_WARN_UNUSED;

/** @brief Forget the contents but keep the memory for reuse. */
void fa_txn_reset(struct fa_txn *txn);

/** @brief Release everything; txn may be NULL. */
void fa_txn_deinit(struct fa_txn *txn);

/**
 * @brief Copy a string of len bytes into the txn's arena (NUL-terminated).
 * @return the copy, or NULL when out of memory
 */
const char *fa_txn_strndup(struct fa_txn *txn, const char *s, size_t len);

/** @brief Same as fa_txn_strndup for a NUL-terminated string; NULL in, NULL out. */
const char *fa_txn_strdup(struct fa_txn *txn, const char *s);

/**
 * @brief Append an event; the strings must already live in the txn arena
 *        (or be static).
 * @return a pointer to the new event (valid until the next append), or NULL
 */
struct fa_event *fa_txn_add_event(struct fa_txn *txn, enum fa_event_kind kind);

/** @brief Append an object name (must live in the arena). */
int fa_txn_add_object(struct fa_txn *txn, const char *name) FA_WARN_UNUSED;

/**
 * @brief Something that could not be used, kept with its reason.
 * Strings are borrowed from whoever produced the reject.
 */
struct fa_reject {
	struct fa_source_pos pos;
	const char *reason;	/**< one-line reason, house wording */
	const char *excerpt;	/**< up to a few hundred bytes of the input */
	size_t excerpt_len;
};
