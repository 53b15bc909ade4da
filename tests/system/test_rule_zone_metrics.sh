#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Metrics fed by zone events as `fluxaudit ingest zone` stores them
# (tests/data/rule/zone: a baseline and three snapshots): zone NS steps,
# whole-set replacement, glue of a domain's hosts and of a host, the NS
# TTL from a TTL change, a new delegation and the baseline's zone_records,
# with exact values and evidence.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"
data="$FA_SOURCE_DIR/tests/data/rule"

make_db fa_test_rule_zone_metrics_$$
migrate
for v in 1 2 3 4; do
	"$FA_BIN" --db "$conn" ingest zone --origin example. --time "2026-12-04T0$v:00:00Z" \
		"$data/zone/v$v.zone" >/dev/null
done
# The events as the zone ingest stored them (the test's premise).
expect "zone events" "1|zone.ns_add|flux.example|ns3.flux.example|ns3.flux.example
2|zone.ns_rem|flux.example|ns1.flux.example|ns1.flux.example
3|zone.ns_rem|flux.example|ns2.flux.example|ns2.flux.example
4|zone.ttl_change|flux.example||300
5|zone.glue_rem|flux.example|ns1.flux.example|192.0.2.1
6|zone.glue_rem|flux.example|ns2.flux.example|192.0.2.2
7|zone.glue_add|flux.example|ns3.flux.example|192.0.2.3
8|zone.ns_add|flux.example|ns4.flux.example|ns4.flux.example
9|zone.glue_add|flux.example|ns3.flux.example|192.0.2.33
10|zone.glue_rem|flux.example|ns3.flux.example|192.0.2.3
11|zone.glue_add|flux.example|ns4.flux.example|192.0.2.4
12|zone.delegation_add|fresh.example||
13|zone.ns_add|fresh.example|ns.fresh-dns.net|ns.fresh-dns.net
14|zone.glue_add|stable.example|ns1.stable.example|192.0.2.51
15|zone.glue_rem|stable.example|ns1.stable.example|192.0.2.50" \
	"$(q "SELECT id, kind, domain, host, value FROM events ORDER BY ts, id")"

out=$("$FA_BIN" --db "$conn" evaluate --policy "$data/zone-metrics.yaml")
expect "summary" "policies: 1 (5 rules)
evaluated from: 2026-12-04T02:00:00Z
events scanned: 15 (rules evaluated at 15)
entities: 8
rules fired: 13
findings: 5 opened, 0 updated, 0 unchanged" "$out"

expect "findings" "domain|flux.example|high|60|{zflux,zglue}|2026-12-04 03:00:00+00|2026-12-04 03:00:00+00
domain|fresh.example|info|1|{fresh}|2026-12-04 04:00:00+00|2026-12-04 04:00:00+00
domain|stable.example|low|5|{stable-ttl}|2026-12-04 04:00:00+00|2026-12-04 04:00:00+00
host|ns1.stable.example|medium|10|{zhost}|2026-12-04 04:00:00+00|2026-12-04 04:00:00+00
host|ns3.flux.example|medium|10|{zhost}|2026-12-04 03:00:00+00|2026-12-04 03:00:00+00" \
	"$(q "SELECT entity_kind, entity, severity, score, rules, first_fired, last_fired
	      FROM findings ORDER BY 1, 2")"

# Per finding, rule and metric: value|window|event_ids|event_count. The
# v2 step {ns1, ns2} -> {ns3} is a replacement after event 3 and one
# zone_ns_changes step (events 1-3), v3 adds ns4 (event 8); the
# delegation step of fresh.example is not a change; stable.example's NS
# TTL of 120 comes from the baseline's zone_records, no event.
expect "evidence" "flux.example|zflux|min_ttl|300||[4]|1
flux.example|zflux|ns_replacements[1d]|1|1d|[3]|1
flux.example|zflux|zone_ns_changes[1d]|2|1d|[1, 2, 3, 8]|4
flux.example|zglue|glue_changes[1d]|6|1d|[5, 6, 7, 9, 10, 11]|6
fresh.example|fresh|distinct_ns_hosts[1d]|1|1d|[13]|1
fresh.example|fresh|min_ttl|600||[12]|1
fresh.example|fresh|zone_ns_changes[1d]|0|1d|[]|0
ns1.stable.example|zhost|zone_glue_changes[1d]|2|1d|[14, 15]|2
ns3.flux.example|zhost|zone_glue_changes[1d]|3|1d|[7, 9, 10]|3
stable.example|stable-ttl|glue_changes[1d]|2|1d|[14, 15]|2
stable.example|stable-ttl|min_ttl|120||[]|0" \
	"$(q "SELECT entity, k, m.key, m.value->>'value', coalesce(m.value->>'window', ''),
	      m.value->>'event_ids', m.value->>'event_count'
	      FROM findings, jsonb_each(evidence) e(k, v), jsonb_each(v->'metrics') m
	      ORDER BY 1, 2, 3")"

finish
