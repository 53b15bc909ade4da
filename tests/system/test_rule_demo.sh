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
expect "summary" "findings: 4 opened, 0 updated, 0 unchanged" "$(printf '%s\n' "$out" | tail -n 1)"

expect "findings" "default|domain|fluxy.example|open|high|40|{ns-churn}
default|domain|quick.example|open|medium|20|{low-ns-ttl}
default|host|ns1.fluxy.example|open|high|70|{glue-churn,many-addrs}
default|registrar|reg-gamma|open|high|50|{failed-burst}" \
	"$(q "SELECT policy, entity_kind, entity, status, severity, score, rules FROM findings ORDER BY entity_kind, entity")"

expect "metric values" "fluxy.example|ns-churn|ns_changes[24h]|8|8
ns1.fluxy.example|glue-churn|glue_changes[24h]|12|12
ns1.fluxy.example|many-addrs|distinct_addrs[7d]|11|11
quick.example|low-ns-ttl|ns_ttl|60|1
reg-gamma|failed-burst|failed_commands[1h]|25|25" \
	"$(q "SELECT entity, r, m.key, m.value->>'value', m.value->>'event_count'
	      FROM findings, jsonb_each(evidence) e(r, v), jsonb_each(v->'metrics') m
	      ORDER BY entity, r, m.key")"

dump_q="SELECT id, rules, score, severity, evidence::text, first_fired, last_fired, updated_at FROM findings ORDER BY id"
before=$(q "$dump_q")
out=$("$FA_BIN" --db "$conn" evaluate --policy "$FA_SOURCE_DIR/policies")
expect "second evaluation: nothing new" "findings: 0 opened, 0 updated, 0 unchanged" \
	"$(printf '%s\n' "$out" | tail -n 1)"
"$FA_BIN" --db "$conn" ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" >/dev/null 2>&1
out=$("$FA_BIN" --db "$conn" evaluate --policy "$FA_SOURCE_DIR/policies" --since 2026-11-01T00:00:00Z)
expect "after a second ingest, the whole range again" "findings: 0 opened, 0 updated, 4 unchanged" \
	"$(printf '%s\n' "$out" | tail -n 1)"
expect "no row changed" "$before" "$(q "$dump_q")"

finish
