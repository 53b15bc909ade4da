#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped policies over the demo log (examples/README.md): exactly the
# four findings it is built to trip, with their metric values, and
# nothing more on a second evaluation or a second ingest.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

make_db fa_test_rule_demo_$$
migrate
"$FA_BIN" --db "$conn" ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" >/dev/null 2>&1

out=$("$FA_BIN" --db "$conn" evaluate --policy "$FA_SOURCE_DIR/policies")
expect "summary" "findings: 5 opened, 0 updated, 0 unchanged" "$(printf '%s\n' "$out" | tail -n 1)"

# quick.example, created with an NS TTL of 60 s, is also a young domain
# with a low TTL for the flux policy (20 points, under the queue).
expect "findings" "default|domain|fluxy.example|open|high|40|{ns-churn}
default|domain|quick.example|open|medium|20|{low-ns-ttl}
flux|domain|quick.example|open|low|20|{young-low-ttl}
default|host|ns1.fluxy.example|open|high|70|{glue-churn,many-addrs}
default|registrar|reg-gamma|open|high|50|{failed-burst}" \
	"$(q "SELECT policy, entity_kind, entity, status, severity, score, rules FROM findings ORDER BY entity_kind, entity, policy")"

expect "metric values" "fluxy.example|ns-churn|ns_changes[24h]|4|8
ns1.fluxy.example|glue-churn|glue_changes[24h]|12|12
ns1.fluxy.example|many-addrs|distinct_addrs[7d]|11|11
quick.example|low-ns-ttl|ns_ttl|60|1
quick.example|young-low-ttl|age|0|1
quick.example|young-low-ttl|min_ttl|60|1
reg-gamma|failed-burst|failed_auth[1h]|25|25" \
	"$(q "SELECT entity, r, m.key, m.value->>'value', m.value->>'event_count'
	      FROM findings, jsonb_each(evidence) e(r, v), jsonb_each(v->'metrics') m
	      ORDER BY entity, r, m.key")"

# The 4 updates of fluxy.example, one NS removed and one added each: the
# rule fires from the third on, and its evidence lists their 8 events.
expect "ns-churn evidence" \
	"2026-11-05T02:40:01.770000Z|2026-11-05T03:30:02.531000Z|124|[117, 118, 119, 120, 121, 122, 123, 124]" \
	"$(q "SELECT e->>'first_fired', e->>'last_fired', e->>'event_id',
	             e->'metrics'->'ns_changes[24h]'->>'event_ids'
	      FROM findings, LATERAL (SELECT evidence->'ns-churn' AS e) x
	      WHERE entity = 'fluxy.example'")"
expect "those are fluxy.example's NS events after its create" "117|124|8" \
	"$(q "SELECT min(id), max(id), count(*) FROM events WHERE domain = 'fluxy.example'
	      AND kind IN ('domain.ns_add', 'domain.ns_rem') AND ts > '2026-11-03'")"

dump_q="SELECT id, rules, score, severity, evidence::text, first_fired, last_fired, updated_at FROM findings ORDER BY id"
before=$(q "$dump_q")
out=$("$FA_BIN" --db "$conn" evaluate --policy "$FA_SOURCE_DIR/policies")
expect "second evaluation: nothing new" "findings: 0 opened, 0 updated, 0 unchanged" \
	"$(printf '%s\n' "$out" | tail -n 1)"
"$FA_BIN" --db "$conn" ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" >/dev/null 2>&1
out=$("$FA_BIN" --db "$conn" evaluate --policy "$FA_SOURCE_DIR/policies" --since 2026-11-01T00:00:00Z)
expect "after a second ingest, the whole range again" "findings: 0 opened, 0 updated, 5 unchanged" \
	"$(printf '%s\n' "$out" | tail -n 1)"
expect "no row changed" "$before" "$(q "$dump_q")"

# No ordinary domain comes near the threshold: with 2 NS changes in a day
# only fluxy.example fires (the others have at most 1; creates do not
# count). A dry run, so the database stays as it was.
probe=$(mktemp -d)
trap 'rm -rf "$probe"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' \
	EXIT
printf '%s\n' 'policy: probe' 'rules:' '  - id: two-ns-changes' '    description: d' \
	'    entity: domain' '    severity: info' '    score: 0' '    when: ns_changes[24h] >= 2' \
	>"$probe/probe.yaml"
out=$("$FA_BIN" --db "$conn" evaluate --policy "$probe" --dry-run)
expect "only fluxy.example has 2 NS changes in a day" \
	"findings: 1 opened, 0 updated, 0 unchanged (dry run: nothing written)" \
	"$(printf '%s\n' "$out" | tail -n 1)"
printf '%s\n' 'policy: probe' 'rules:' '  - id: one-ns-change' '    description: d' \
	'    entity: domain' '    severity: info' '    score: 0' '    when: ns_changes[24h] >= 1' \
	>"$probe/probe.yaml"
out=$("$FA_BIN" --db "$conn" evaluate --policy "$probe" --dry-run)
expect "9 domains change their NS set at all (not lantern, quick, river)" \
	"findings: 9 opened, 0 updated, 0 unchanged (dry run: nothing written)" \
	"$(printf '%s\n' "$out" | tail -n 1)"

finish
