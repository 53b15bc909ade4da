#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit evaluate against PostgreSQL: crafted events, exact findings,
# evidence values, idempotence (again in checkpoint mode and over an
# explicit range) and an incremental run after one more event.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

make_db fa_test_rule_eval_$$
migrate
q "$(cat "$FA_SOURCE_DIR/tests/data/rule/events.sql")" >/dev/null

pol=$(mktemp -d)
trap 'rm -rf "$pol"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
cp "$FA_SOURCE_DIR/policies/default.yaml" "$FA_SOURCE_DIR/tests/data/rule/extra.yaml" "$pol/"

out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol")
expect "first run summary" "policies: 2 (8 rules)
evaluated from: 2026-11-01T00:00:00Z
events scanned: 77 (rules evaluated at 77)
entities: 7
rules fired: 58
findings: 7 opened, 0 updated, 0 unchanged" "$out"

findings_q="SELECT policy, entity_kind, entity, status, severity, score, rules, first_fired, last_fired FROM findings ORDER BY policy, entity_kind, entity"
expect "findings after the first run" "default|domain|fluxy.example|open|high|40|{ns-churn}|2026-11-10 11:00:00+00|2026-11-10 11:30:00+00
default|domain|old.example|open|medium|20|{low-ns-ttl}|2026-11-10 13:00:00+00|2026-11-10 13:00:00+00
default|domain|quick.example|open|medium|20|{low-ns-ttl}|2026-11-10 09:00:00+00|2026-11-10 09:00:00+00
default|host|ns1.fluxy.example|open|high|40|{glue-churn}|2026-11-10 12:20:00+00|2026-11-10 12:20:00+00
default|registrar|reg-gamma|open|high|50|{failed-burst}|2026-11-10 14:09:30+00|2026-11-10 14:27:00+00
test-extra|domain|fluxy.example|open|critical|30|{ns-any,young-churn}|2026-11-10 10:00:00+00|2026-11-10 11:30:00+00
test-extra|host|ns1.fluxy.example|open|low|10|{four-addrs}|2026-11-10 12:20:00+00|2026-11-10 12:20:00+00" "$(q "$findings_q")"

ev() { # policy entity rule metric -> value|window|event_ids|event_count
	q "SELECT m->>'value', coalesce(m->>'window', ''), m->>'event_ids', m->>'event_count'
	   FROM findings, LATERAL (SELECT evidence->'$3'->'metrics'->'$4' AS m) x
	   WHERE policy = '$1' AND entity = '$2'"
}
# fluxy.example: 4 updates (10:00 to 11:30), each removing one NS and
# adding one: 4 changes, 8 events; its create's name servers (events 2
# and 3) are not changes, nor are quick.example's (5 and 6), so ns-any
# stays silent for quick.example and fires for fluxy.example only from
# 10:00 on.
expect "ns-churn evidence" "4|24h|[8, 9, 10, 11, 12, 13, 14, 15]|8" \
	"$(ev default fluxy.example ns-churn 'ns_changes[24h]')"
expect "ns-churn firing point" "2026-11-10T11:30:00Z|15|high|40" \
	"$(q "SELECT e->>'last_fired', e->>'event_id', e->>'severity', e->>'score' FROM findings, LATERAL (SELECT evidence->'ns-churn' AS e) x WHERE policy = 'default' AND entity = 'fluxy.example'")"
expect "young-churn window edge (10:30 excluded at 11:30)" "2|1h|[12, 13, 14, 15]|4" \
	"$(ev test-extra fluxy.example young-churn 'ns_changes[1h]')"
expect "young-churn age" "819000|s|[1]|1" \
	"$(q "SELECT m->>'value', m->>'unit', m->>'event_ids', m->>'event_count' FROM findings, LATERAL (SELECT evidence->'young-churn'->'metrics'->'age' AS m) x WHERE policy = 'test-extra' AND entity = 'fluxy.example'")"
expect "glue-churn evidence" "6|24h|[16, 17, 18, 19, 20, 21]|6" \
	"$(ev default ns1.fluxy.example glue-churn 'glue_changes[24h]')"
expect "distinct addresses include the one held before the events" "4|7d|[17, 19, 21]|3" \
	"$(ev test-extra ns1.fluxy.example four-addrs 'distinct_addrs[7d]')"
expect "low-ns-ttl from the TTL event" "60||[7]|1" "$(ev default quick.example low-ns-ttl ns_ttl)"
expect "low-ns-ttl from the domains table" "120||[]|0" "$(ev default old.example low-ns-ttl ns_ttl)"
expect "failed-burst keeps 50 ids and the count" \
	"55|1h|$(seq -s ', ' 23 72 | sed 's/^/[/; s/$/]/')|55" \
	"$(ev default reg-gamma failed-burst 'failed_auth[1h]')"
expect "checkpoints" "default|77
test-extra|77" "$(q "SELECT policy, last_event_id FROM rule_checkpoints ORDER BY policy")"

dump_q="SELECT id, policy, entity_kind, entity, status, severity, score, rules, evidence::text, first_fired, last_fired, created_at, updated_at FROM findings ORDER BY id"
before=$(q "$dump_q")

out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol")
expect "second run finds nothing new" "policies: 2 (8 rules)
no events to evaluate since the last evaluation
events scanned: 0 (rules evaluated at 0)
entities: 0
rules fired: 0
findings: 0 opened, 0 updated, 0 unchanged" "$out"
expect "second run changes no row" "$before" "$(q "$dump_q")"

out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --since 2026-11-01T00:00:00Z \
	--until 2026-12-01T00:00:00Z)
expect "explicit range again" "findings: 0 opened, 0 updated, 7 unchanged" \
	"$(printf '%s\n' "$out" | tail -n 1)"
expect "explicit range changes no row" "$before" "$(q "$dump_q")"
# Events 1-15; fired: ns-any 8 (fluxy 8-15), ns-churn 4 (12-15: third
# and fourth change), young-churn 6 (10-15: two changes in the hour from
# 10:30 on), low-ns-ttl 1.
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --until 2026-11-10T12:00:00Z)
expect "open-ended range before 12:00" "policies: 2 (8 rules)
evaluated from: the first event
events scanned: 15 (rules evaluated at 15)
entities: 4
rules fired: 19
findings: 0 opened, 0 updated, 3 unchanged" "$out"
expect "explicit range leaves the checkpoints" "default|77
test-extra|77" "$(q "SELECT policy, last_event_id FROM rule_checkpoints ORDER BY policy")"

# One more NS change of fluxy.example at 12:00. The scan starts 7 days
# (the longest window) before it, so the 3 events of 11-01 are not read;
# rules run from 12:00 on (63 events). ns-churn now counts 5 changes
# (9 events), ns-any too; young-churn's hour (11:00, 12:00] holds 2
# changes (11:30 and 12:00), so it fires again, 11:00 left out.
q "INSERT INTO events (ts, txn_key, seq, kind, registrar, domain, host, source, source_offset)
   VALUES ('2026-11-10T12:00:00Z', 'test:late', 0, 'domain.ns_rem', 'reg-beta',
   'fluxy.example', 'ns6.other.example', 'crafted', 999)" >/dev/null
before=$(q "$dump_q")
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --dry-run)
expect "dry run reports" "findings: 0 opened, 2 updated, 4 unchanged (dry run: nothing written)" \
	"$(printf '%s\n' "$out" | tail -n 1)"
expect "dry run writes nothing" "$before" "$(q "$dump_q")"
expect "dry run leaves the checkpoints" "default|77
test-extra|77" "$(q "SELECT policy, last_event_id FROM rule_checkpoints ORDER BY policy")"

out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol")
expect "incremental run" "policies: 2 (8 rules)
evaluated from: 2026-11-10T12:00:00Z
events scanned: 75 (rules evaluated at 63)
entities: 7
rules fired: 42
findings: 0 opened, 2 updated, 4 unchanged" "$out"
expect "ns-churn updated" "5|24h|[8, 9, 10, 11, 12, 13, 14, 15, 78]|9" \
	"$(ev default fluxy.example ns-churn 'ns_changes[24h]')"
expect "young-churn updated" "2|1h|[14, 15, 78]|3" \
	"$(ev test-extra fluxy.example young-churn 'ns_changes[1h]')"
expect "findings after the incremental run" "default|domain|fluxy.example|open|high|40|{ns-churn}|2026-11-10 11:00:00+00|2026-11-10 12:00:00+00
test-extra|domain|fluxy.example|open|critical|30|{ns-any,young-churn}|2026-11-10 10:00:00+00|2026-11-10 12:00:00+00" \
	"$(q "$findings_q" | grep '|fluxy.example|')"
expect "still one open finding per entity" "7" "$(q "SELECT count(*) FROM findings")"
expect "checkpoints moved" "default|78
test-extra|78" "$(q "SELECT policy, last_event_id FROM rule_checkpoints ORDER BY policy")"

# Times before 1970 are usage errors (they reached the database as times
# it refuses); year 9999 is fine, year 10000 is not an RFC 3339 time.
before=$(q "$dump_q")
for t in --since=0001-01-01T00:00:00Z --until=1969-12-31T23:59:59Z \
	--since=1970-01-01T00:59:59+01:00; do
	rc=0
	"$FA_BIN" --db "$conn" evaluate --policy "$pol" "${t%%=*}" "${t#*=}" \
		> "$pol/out" 2> "$pol/err" || rc=$?
	expect "$t: exit status" 2 "$rc"
	expect "$t: message" "fluxaudit: evaluate: invalid ${t%%=*} \"${t#*=}\": times before 1970-01-01T00:00:00Z are not accepted" \
		"$(cat "$pol/err")"
	expect "$t: no output" "" "$(cat "$pol/out")"
done
rc=0
"$FA_BIN" --db "$conn" evaluate --policy "$pol" --since 10000-01-01T00:00:00Z \
	> /dev/null 2> "$pol/err" || rc=$?
expect "year 10000: exit status" 2 "$rc"
expect "year 10000: message" "fluxaudit: evaluate: invalid --since \"10000-01-01T00:00:00Z\": expected an RFC 3339 time such as 2026-11-03T10:00:00Z" \
	"$(cat "$pol/err")"
rc=0
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --dry-run --since 1970-01-01T00:00:00Z \
	--until 9999-12-31T23:59:59Z 2>&1) || rc=$?
expect "1970 to 9999: exit status" 0 "$rc"
expect "1970 to 9999: every event" "events scanned: 78 (rules evaluated at 78)" \
	"$(printf '%s\n' "$out" | grep '^events scanned')"
rc=0
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --dry-run \
	--since 9999-12-31T23:59:59Z 2>&1) || rc=$?
expect "since 9999: exit status" 0 "$rc"
expect "since 9999: no event" "events scanned: 0 (rules evaluated at 0)" \
	"$(printf '%s\n' "$out" | grep '^events scanned')"
expect "refused times change no row" "$before" "$(q "$dump_q")"

finish
