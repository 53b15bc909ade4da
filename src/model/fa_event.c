/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"
#include "model/fa_event.h"

static const char *const kind_names[FA_EV__COUNT] = {
	[FA_EV_LOGIN] = "login",
	[FA_EV_LOGOUT] = "logout",
	[FA_EV_COMMAND_FAILED] = "command.failed",
	[FA_EV_DOMAIN_CREATE] = "domain.create",
	[FA_EV_DOMAIN_DELETE] = "domain.delete",
	[FA_EV_DOMAIN_RENEW] = "domain.renew",
	[FA_EV_DOMAIN_NS_ADD] = "domain.ns_add",
	[FA_EV_DOMAIN_NS_REM] = "domain.ns_rem",
	[FA_EV_DOMAIN_STATUS_ADD] = "domain.status_add",
	[FA_EV_DOMAIN_STATUS_REM] = "domain.status_rem",
	[FA_EV_DOMAIN_REGISTRANT_CHANGE] = "domain.registrant_change",
	[FA_EV_DOMAIN_CONTACT_ADD] = "domain.contact_add",
	[FA_EV_DOMAIN_CONTACT_REM] = "domain.contact_rem",
	[FA_EV_DOMAIN_AUTHINFO_CHANGE] = "domain.authinfo_change",
	[FA_EV_DOMAIN_DS_ADD] = "domain.ds_add",
	[FA_EV_DOMAIN_DS_REM] = "domain.ds_rem",
	[FA_EV_DOMAIN_TTL_SET] = "domain.ttl_set",
	[FA_EV_DOMAIN_TRANSFER_REQUEST] = "domain.transfer_request",
	[FA_EV_DOMAIN_TRANSFER_APPROVE] = "domain.transfer_approve",
	[FA_EV_DOMAIN_TRANSFER_REJECT] = "domain.transfer_reject",
	[FA_EV_DOMAIN_TRANSFER_CANCEL] = "domain.transfer_cancel",
	[FA_EV_DOMAIN_INFO] = "domain.info",
	[FA_EV_HOST_CREATE] = "host.create",
	[FA_EV_HOST_ADDR_ADD] = "host.addr_add",
	[FA_EV_HOST_ADDR_REM] = "host.addr_rem",
	[FA_EV_HOST_STATUS_ADD] = "host.status_add",
	[FA_EV_HOST_STATUS_REM] = "host.status_rem",
	[FA_EV_HOST_RENAME] = "host.rename",
	[FA_EV_HOST_DELETE] = "host.delete",
	[FA_EV_HOST_INFO] = "host.info",
	[FA_EV_CONTACT_CREATE] = "contact.create",
	[FA_EV_CONTACT_UPDATE] = "contact.update",
	[FA_EV_CONTACT_DELETE] = "contact.delete",
};

const char *fa_event_kind_name(enum fa_event_kind kind)
{
	if ((int)kind < 0 || kind >= FA_EV__COUNT || kind_names[kind] == NULL) {
		return "unknown";
	}
	return kind_names[kind];
}

int fa_event_kind_from_name(const char *name)
{
	for (int i = 0; i < FA_EV__COUNT; i++) {
		if (kind_names[i] != NULL && strcmp(kind_names[i], name) == 0) {
			return i;
		}
	}
	return -1;
}

int fa_txn_init(struct fa_txn *txn)
{
	memset(txn, 0, sizeof(*txn));
	txn->arena = fa_arena_new();
	if (txn->arena == NULL) {
		return FA_ENOMEM;
	}
	txn->result_code = -1;
	return FA_OK;
}

void fa_txn_reset(struct fa_txn *txn)
{
	struct fa_arena *arena = txn->arena;
	struct fa_event *events = txn->events;
	size_t events_cap = txn->events_cap;
	const char **objects = txn->objects;
	size_t objects_cap = txn->objects_cap;

	fa_arena_reset(arena);
	memset(txn, 0, sizeof(*txn));
	txn->arena = arena;
	txn->events = events;
	txn->events_cap = events_cap;
	txn->objects = objects;
	txn->objects_cap = objects_cap;
	txn->result_code = -1;
}

void fa_txn_deinit(struct fa_txn *txn)
{
	if (txn == NULL) {
		return;
	}
	fa_arena_free(txn->arena);
	free(txn->events);
	free(txn->objects);
	memset(txn, 0, sizeof(*txn));
}

const char *fa_txn_strndup(struct fa_txn *txn, const char *s, size_t len)
{
	return fa_arena_strndup(txn->arena, s, len);
}

const char *fa_txn_strdup(struct fa_txn *txn, const char *s)
{
	if (s == NULL) {
		return NULL;
	}
	return fa_arena_strndup(txn->arena, s, strlen(s));
}

struct fa_event *fa_txn_add_event(struct fa_txn *txn, enum fa_event_kind kind)
{
	if (txn->nevents == txn->events_cap) {
		size_t cap = txn->events_cap ? txn->events_cap * 2 : 8;
		struct fa_event *ev = realloc(txn->events, cap * sizeof(*ev));
		if (ev == NULL) {
			return NULL;
		}
		txn->events = ev;
		txn->events_cap = cap;
	}

	struct fa_event *ev = &txn->events[txn->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	return ev;
}

int fa_txn_add_object(struct fa_txn *txn, const char *name)
{
	if (txn->nobjects == txn->objects_cap) {
		size_t cap = txn->objects_cap ? txn->objects_cap * 2 : 4;
		const char **o = realloc(txn->objects, cap * sizeof(*o));
		if (o == NULL) {
			return FA_ENOMEM;
		}
		txn->objects = o;
		txn->objects_cap = cap;
	}
	txn->objects[txn->nobjects++] = name;
	return FA_OK;
}
