/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file epp_int.h
 * @brief Private to src/epp: the compact element tree that the SAX parser
 *        builds per frame, and the normalizer that turns trees into a txn.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fa_arena.h"
#include "model/fa_event.h"

/** Namespaces the normalizer knows, after mapping registry aliases. */
enum epp_ns {
	NS_OTHER = 0,
	NS_EPP,
	NS_DOMAIN,
	NS_HOST,
	NS_CONTACT,
	NS_SECDNS10,
	NS_SECDNS11,
	NS_TTL,
	NS_RGP,
	NS__COUNT
};

struct xattr {
	const char *name;	/**< local name (attributes are unqualified) */
	const char *value;
};

/**
 * One element. Text is kept for leaves only, trimmed. Names point into
 * the parser's dictionary: valid until the parse after the next one.
 */
struct xnode {
	const char *name;	/**< local name */
	const char *uri;	/**< namespace URI as written, or "" */
	enum epp_ns ns;
	struct xattr *attrs;
	unsigned nattrs;
	const char *text;	/**< trimmed text, "" when none */
	size_t textlen;
	struct xnode *parent;
	struct xnode *child;	/**< first child element */
	struct xnode *last;	/**< last child element */
	struct xnode *next;	/**< next sibling element */
};

struct epp_xml;

/** @brief Create a parser (one libxml2 context, reused per frame). */
int epp_xml_new(struct epp_xml **out);

/** @brief Free a parser; NULL is fine. */
void epp_xml_free(struct epp_xml *x);

/**
 * @brief Parse one frame into a tree allocated from arena.
 * @param[in] what "command frame", "response frame" or "frame" for messages
 * @param[out] root the document element
 * @param[out] err reason: parser message with line and column
 * @return FA_OK, FA_EPARSE (not well-formed), FA_EREFUSED (DTD/entity),
 *         FA_ENOMEM
 */
int epp_xml_parse(struct epp_xml *x, struct fa_arena *arena, const char *data,
		  size_t len, const char *what, struct xnode **root, char *err,
		  size_t errlen);

/** @brief Canonical URI of a known namespace (for messages). */
const char *epp_ns_uri(enum epp_ns ns);

/** @brief First child with namespace ns and local name; NULL if none. */
const struct xnode *xchild(const struct xnode *n, enum epp_ns ns,
			   const char *name);

/** @brief Next sibling after n with the same namespace and name. */
const struct xnode *xnext_same(const struct xnode *n);

/** @brief Value of an unqualified attribute, or NULL. */
const char *xattr(const struct xnode *n, const char *name);

/**
 * @brief What kind of EPP frame a document element is.
 */
enum epp_frame_kind {
	FRAME_NOT_EPP = 0,
	FRAME_COMMAND,
	FRAME_RESPONSE,
	FRAME_GREETING,
	FRAME_HELLO,
	FRAME_OTHER,	/**< EPP root with an unknown child */
};

/** @brief Classify a parsed frame by its root and first child. */
enum epp_frame_kind epp_frame_kind(const struct xnode *root);

/** Scratch memory of the normalizer, reused across transactions. */
struct epp_norm {
	char *buf;		/**< JSON detail builder */
	size_t len, cap;
	bool oom;
};

/**
 * @brief Fill txn (command, objects, result, events) from the command and
 *        response trees; either may be NULL, not both.
 * @param[in] registrar_in the session's registrar known so far, or NULL
 * @param[out] err reason when the transaction is refused
 * @return FA_OK, FA_EPARSE / FA_EINVAL / FA_EREFUSED (refuse with err),
 *         FA_ENOMEM
 */
int epp_normalize(struct epp_norm *nm, struct fa_txn *txn,
		  const struct xnode *cmd, const struct xnode *rsp, char *err,
		  size_t errlen);

/** @brief The clID of a login command tree, or NULL. */
const char *epp_login_clid(const struct xnode *cmd);

/**
 * @brief Length of the UTF-8 sequence starting at p (at most n bytes).
 *
 * Only the structure is checked (lead and continuation bytes): overlong
 * forms are refused by the XML parser, and header values are only shown.
 *
 * @return 1 to 4, or 0 when the bytes there are not UTF-8
 */
size_t epp_utf8_len(const unsigned char *p, size_t n);

/**
 * @brief Check a registrar id (login <clID>, envelope clid=).
 *
 * RFC 5730 clIDType: a token of 3 to 16 characters. Blanks, control
 * characters, quotes, backslashes and commas are refused too, and so is a
 * first character that spreadsheets take for a formula ('=', '+', '-',
 * '@'): the id is shown in reports and CSV exports.
 *
 * @param s, n the id (not NUL-terminated)
 * @param why receives the reason on failure: "<id shown safely>": why
 * @return FA_OK, or FA_EINVAL with why filled
 */
int epp_clid_check(const char *s, size_t n, char *why, size_t whylen);
