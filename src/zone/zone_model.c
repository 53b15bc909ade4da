/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over a snapshot for the store: its SOA serial, and the records
 * of its delegation model as text, for a zone's first (baseline) ingest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone/zone_int.h"

/* fa_zone_serial stops the scan with this once the SOA is found. */
#define FOUND_SOA 1000

struct serial_scan {
	uint32_t serial;
	bool found;
};

static int on_soa(void *arg, const struct fa_zone_rr *rr)
{
	struct serial_scan *ss = arg;

	if (rr->type != ZT_SOA || !rr->apex) {
		return FA_OK;
	}
	ss->found = zone_soa_serial(rr, &ss->serial);
	return FOUND_SOA;
}

int fa_zone_serial(const char *path, const struct fa_zone_opts *opts,
		   uint32_t *serial, char *err, size_t errlen)
{
	struct serial_scan ss = { 0 };
	int rc = fa_zone_scan(path, opts, on_soa, &ss, err, errlen);

	if (rc != FOUND_SOA && rc != FA_OK) {
		return rc;
	}
	if (!ss.found) {
		snprintf(err, errlen, "\"%s\": no SOA record at the zone's origin",
			 path);
		return FA_EPARSE;
	}
	*serial = ss.serial;
	return FA_OK;
}

struct model_scan {
	fa_zone_record_fn fn;
	void *arg;
	const char *path;
	char *val;
	uint32_t serial;
	bool has_serial;
	char *err;
	size_t errlen;
};

static const char *type_name(uint16_t type)
{
	switch (type) {
	case ZT_NS:
		return "NS";
	case ZT_DS:
		return "DS";
	case ZT_A:
		return "A";
	default:
		return "AAAA";
	}
}

static int on_model(void *arg, const struct fa_zone_rr *rr)
{
	struct model_scan *ms = arg;
	char owner[ZONE_NAMESZ];

	if (rr->type == ZT_SOA && rr->apex && !ms->has_serial) {
		ms->has_serial = zone_soa_serial(rr, &ms->serial);
		return FA_OK;
	}
	if (!rr->below || !zone_model_type(rr->type)) {
		return FA_OK;
	}
	if (zone_rr_value(rr, ms->val, ZONE_VALSZ) != FA_OK) {
		snprintf(ms->err, ms->errlen, "\"%s\" line %llu: malformed rdata",
			 ms->path, (unsigned long long)rr->line);
		return FA_EPARSE;
	}
	fa_zone_name_text(rr->owner_wire, owner, sizeof(owner));
	struct fa_zone_record rec = {
		.owner = owner,
		.rrtype = type_name(rr->type),
		.value = ms->val,
		.ttl = rr->ttl,
		.ns_target_below = rr->type == ZT_NS && rr->target_below,
	};
	return ms->fn(ms->arg, &rec);
}

int fa_zone_model_scan(const char *path, const struct fa_zone_opts *opts,
		       fa_zone_record_fn fn, void *arg, uint32_t *serial,
		       char *err, size_t errlen)
{
	struct model_scan ms = { .fn = fn, .arg = arg, .path = path,
				 .err = err, .errlen = errlen };
	int rc;

	ms.val = malloc(ZONE_VALSZ);
	if (ms.val == NULL) {
		return FA_ENOMEM;
	}
	rc = fa_zone_scan(path, opts, on_model, &ms, err, errlen);
	free(ms.val);
	if (rc == FA_OK && !ms.has_serial) {
		snprintf(err, errlen, "\"%s\": no SOA record at the zone's origin",
			 path);
		rc = FA_EPARSE;
	}
	if (rc == FA_OK && serial != NULL) {
		*serial = ms.serial;
	}
	return rc;
}
