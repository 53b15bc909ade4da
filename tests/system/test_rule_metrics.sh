#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The issue 4 metrics against PostgreSQL: state that evaluation takes from
# the tables (NS sets with later events undone, the latest contact change,
# zone NS TTLs, host addresses, registrar networks and hours, registrant
# contact data) gives the same findings whether the scan starts before the
# history or after it; exact evidence values.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

make_db fa_test_rule_metrics_$$
migrate
q "$(cat "$FA_SOURCE_DIR/tests/data/rule/metrics.sql")" >/dev/null
pol="$FA_SOURCE_DIR/tests/data/rule/metrics.yaml"

# From the first event: the registrar's October history is fed, the NS
# sets come from domains.ns with every NS event undone.
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol")
expect "full run summary" "policies: 1 (9 rules)
evaluated from: 2026-10-05T10:00:00Z
events scanned: 612 (rules evaluated at 612)
entities: 9
rules fired: 651
findings: 4 opened, 0 updated, 0 unchanged" "$out"

findings_q="SELECT entity_kind, entity, severity, score, rules, first_fired, last_fired FROM findings ORDER BY entity_kind, entity"
expect "findings" "domain|d-a.example|high|65|{low-ttl,many-ns-addrs,repl-after-contact}|2026-11-01 08:00:00+00|2026-11-10 11:00:00+00
host|ns3.new.example|low|5|{young-hosting}|2026-11-10 10:30:00+00|2026-11-10 10:30:00+00
registrant|ct-bad|low|10|{quality,reuse}|2026-11-01 08:00:00+00|2026-11-10 11:00:00+00
registrar|reg-x|high|65|{bulk,new-net,off-hours}|2026-10-05 10:00:00+00|2026-11-10 11:00:00+00" \
	"$(q "$findings_q")"

ev() { # entity rule metric -> value|unit|window|event_ids|event_count
	q "SELECT m->>'value', coalesce(m->>'unit', ''), coalesce(m->>'window', ''),
	   m->>'event_ids', m->>'event_count'
	   FROM findings, LATERAL (SELECT evidence->'$2'->'metrics'->'$3' AS m) x
	   WHERE entity = '$1'"
}
check_evidence() {
	# d-a.example: {ns1.old, ns2.old} -> {ns3.new} at 10:00 (event 606
	# completes it); the authInfo change of 11-01 08:00 is 9d3h before
	# 11:00; ns3.new had 2 addresses before 10:30 and a third since.
	expect "$1: ns_replacements" "1||1d|[606]|1" \
		"$(ev d-a.example repl-after-contact 'ns_replacements[1d]')"
	expect "$1: since_contact_change" "788400|s||[601]|1" \
		"$(ev d-a.example repl-after-contact since_contact_change)"
	expect "$1: distinct_ns_addrs" "3||1d|[611]|1" \
		"$(ev d-a.example many-ns-addrs 'distinct_ns_addrs[1d]')"
	expect "$1: min_ttl from the zone records" "300|||[]|0" \
		"$(ev d-a.example low-ttl min_ttl)"
	expect "$1: bulk_redelegation" "3||1d|[604, 607, 609]|3" \
		"$(ev reg-x bulk 'bulk_redelegation[1d]')"
	expect "$1: new_networks" "1||1d|[602]|1" "$(ev reg-x new-net 'new_networks[1d]')"
	# 600 earlier transactions at 10:xx and one at 08:00: 03:00, 03:05
	# and 11:00 are unusual hours, 10:00 and 10:30 are not.
	expect "$1: off_hours" "3||1d|[602, 603, 612]|3" "$(ev reg-x off-hours 'off_hours[1d]')"
	# ct-bad: an implausible e-mail and a blank city.
	expect "$1: contact_quality_issues" "2|||[]|0" \
		"$(ev ct-bad quality contact_quality_issues)"
	# ct-twin has the same voice in the contacts table, ct-other not.
	expect "$1: contact_reuse" "1|||[]|0" "$(ev ct-bad reuse contact_reuse)"
	# ns3.new.example: delegated by none before 10:00, by all three
	# since 10:02; d-c.example (created 11-05) is the young one.
	expect "$1: domains" "3|||[]|0" "$(ev ns3.new.example young-hosting domains)"
	expect "$1: young_domains" "1||7d|[609]|1" \
		"$(ev ns3.new.example young-hosting 'young_domains[7d]')"
	expect "$1: last firings" "ct-bad|612
d-a.example|612
ns3.new.example|611
reg-x|612" "$(q "SELECT entity, max((e.value->>'event_id')::bigint) FROM findings,
	   jsonb_each(evidence) e GROUP BY entity ORDER BY entity")"
}
check_evidence "full run"

dump_q="SELECT id, entity_kind, entity, severity, score, rules, evidence::text, first_fired, last_fired, updated_at FROM findings ORDER BY id"
before=$(q "$dump_q")

# From 11-10 on: the windows start a day before, so the registrar's
# history, the authInfo change, the NS sets before the updates, the
# addresses of ns3.new.example and the contact data come from the tables.
out=$("$FA_BIN" --db "$conn" evaluate --policy "$pol" --since 2026-11-10T00:00:00Z)
expect "seeded run summary" "policies: 1 (9 rules)
evaluated from: 2026-11-10T00:00:00Z
events scanned: 11 (rules evaluated at 11)
entities: 8
rules fired: 48
findings: 0 opened, 0 updated, 4 unchanged" "$out"
expect "seeded run changes no row" "$before" "$(q "$dump_q")"
check_evidence "seeded run"

finish
