/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the rule tests: the time base of the synthetic event
 * sequences, loading a policy that must load, feeding an event at a time
 * relative to that base, and reading a metric.
 *
 * Everything here is static inline because each test_*.c file is its own
 * executable and not every test uses every helper.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/fa_time.h"
#include "rule/fa_rule.h"

/* One second in the engine's unit, microseconds. */
#define TU_SEC INT64_C(1000000)

/* 2026-11-10T00:00:00Z, set by tu_setup; event times count from it. */
static int64_t tu_t0;

/* Group setup: sets tu_t0. */
static inline int tu_setup(void **state)
{
	(void)state;
	assert_int_equal(fa_time_parse("2026-11-10T00:00:00Z", 20, &tu_t0), FA_OK);
	return 0;
}

/*
 * A new set holding the policy text under the file name `name`; the load
 * must succeed (its first message is printed when it does not). The caller
 * frees the set.
 */
static inline struct fa_rule_set *tu_load(const char *name, const char *text)
{
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	struct fa_rule_diag diag = { 0 };
	assert_non_null(set);
	int rc = fa_rule_set_add_buffer(set, name, text, strlen(text), &diag, NULL);
	if (rc != FA_OK && diag.count > 0) {
		fprintf(stderr, "%s\n", diag.msgs[0]);
	}
	assert_int_equal(rc, FA_OK);
	fa_rule_diag_clear(&diag);
	return set;
}

/* The same under the file name "t.yaml". */
static inline struct fa_rule_set *tu_set_from(const char *text)
{
	return tu_load("t.yaml", text);
}

/* Feed ev as event `id` at tu_t0 + at_s seconds; returns what the engine returned. */
static inline int tu_feed_at(struct fa_rule_engine *eng, struct fa_rule_event ev, int64_t id,
			     int64_t at_s)
{
	ev.id = id;
	ev.ts_us = tu_t0 + at_s * TU_SEC;
	return fa_rule_engine_feed(eng, &ev, true);
}

/* The value of metric m of an entity over a window of window_s seconds
 * (0 for metrics without a window); the metric must be tracked. */
static inline struct fa_rule_value tu_metric(struct fa_rule_engine *eng, const char *kind,
					     const char *name, const char *m, int64_t window_s)
{
	struct fa_rule_value v;
	assert_int_equal(fa_rule_engine_metric(eng, kind, name, m, window_s * TU_SEC, &v), FA_OK);
	return v;
}
