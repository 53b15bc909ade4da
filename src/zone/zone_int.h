/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the zone module shared by the snapshot diff and the
 * incremental inputs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone/fa_zone.h"

/* RR types of the delegation model (and SOA for serials). */
enum {
	ZT_A = 1,
	ZT_NS = 2,
	ZT_SOA = 6,
	ZT_AAAA = 28,
	ZT_DS = 43,
};

#define ZONE_NAMESZ FA_ZONE_NAMESZ

/* A value: DS digests may be up to 65531 octets, two hex digits each. */
#define ZONE_VALSZ (2 * 65536 + 32)

/* Hash of a wire-form name with ASCII letters folded: equal exactly when
 * the normalized texts are equal. */
uint64_t zone_wire_key(const uint8_t *wire, uint64_t seed);

/* Whether wire name n is below (strictly) or at origin o. */
bool zone_wire_below(const uint8_t *n, const uint8_t *o, bool *apex);

/* Whether the record is part of the delegation model: NS, DS, A or AAAA
 * strictly below the origin. */
bool zone_model_type(uint16_t type);

/* Normalized value of an NS, DS, A or AAAA record into out (ZONE_VALSZ).
 * Returns FA_OK or FA_EPARSE when the rdata is malformed. */
int zone_rr_value(const struct fa_zone_rr *rr, char *out, size_t outlen);

/* 64-bit hash of bytes, seeded. */
uint64_t zone_hash(const void *p, size_t len, uint64_t seed);

/* SOA serial from SOA rdata, or false when the rdata is too short. */
bool zone_soa_serial(const struct fa_zone_rr *rr, uint32_t *serial);

/* A record of the delegation model held in detail. */
struct zone_rec {
	char *owner;
	char *val;
	uint32_t ttl;
	uint16_t type;
	uint8_t ver;	/* 0 old, 1 new */
	uint8_t glue;	/* A/AAAA: the host is an in-bailiwick NS target */
	uint64_t seq;	/* input order, for incremental folding */
};

struct zone_recs {
	struct zone_rec *v;
	size_t n, cap;
	size_t bytes;	/* heap held, for the statistics */
};

int zone_recs_push(struct zone_recs *r, const char *owner, const char *val,
		   uint16_t type, uint32_t ttl, uint8_t ver, uint8_t glue,
		   uint64_t seq);
void zone_recs_free(struct zone_recs *r);

/* Sort r by owner, type, value, version and report the changes of every
 * owner through fn. partial: incremental input (no delegation_add/rem). */
int zone_recs_diff(struct zone_recs *r, bool partial, bool has_serial,
		   uint32_t serial, fa_zone_change_fn fn, void *arg);
