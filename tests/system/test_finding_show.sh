#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit findings show ID`: a finding of the example log with its
# rules, metric values and exactly the events behind them.
set -u

: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
db_test fa_finding_show
fa ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" > /dev/null 2>&1 &&
	fa evaluate > /dev/null 2>&1 || expect "example log ingested and evaluated" ok failed
id_of() {
	q "SELECT id FROM findings WHERE entity = '$1'"
}

# The host of the fast-flux demo: two rules; the events are the twelve
# address changes of glue_changes[24h] and the earlier add of the first of
# the eleven addresses of distinct_addrs[7d].
summary() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
f = d["finding"]
print(f["entity_kind"], f["entity"], f["score"], ",".join(f["rules"]))
for r in d["rules"]:
    print(r["rule"], r["metric"], r["value"], r["event_count"])
print(len(d["events"]), "events:", " ".join(
    e["kind"].split(".")[1] + "=" + e["value"] for e in d["events"]))'
}
expect "ns1.fluxy.example as JSON" "host ns1.fluxy.example 70 glue-churn,many-addrs
glue-churn glue_changes[24h] 12 12
many-addrs distinct_addrs[7d] 11 11
13 events: addr_add=192.0.2.101 addr_add=192.0.2.102 addr_add=198.51.100.103 addr_add=203.0.113.104 addr_add=192.0.2.105 addr_rem=192.0.2.101 addr_add=198.51.100.106 addr_add=203.0.113.107 addr_add=192.0.2.108 addr_rem=192.0.2.102 addr_add=198.51.100.109 addr_add=203.0.113.110 addr_add=192.0.2.111" \
	"$(fa findings show --format json "$(id_of ns1.fluxy.example)" | summary)"

# The NS-churn domain as CSV: the ns_add/ns_rem events of its four
# counted updates (one of each per update), in time order.
fa findings show --format csv "$(id_of fluxy.example)" | tr -d '\r' > "$tmp/csv"
expect "fluxy.example events as CSV" "8
4 domain.ns_add
4 domain.ns_rem
sorted" \
	"$(tail -n +2 "$tmp/csv" | wc -l
	   tail -n +2 "$tmp/csv" | cut -d, -f3 | sort | uniq -c | sed 's/^ *//'
	   tail -n +2 "$tmp/csv" | cut -d, -f2 | sort -c && echo sorted)"

# The report: the three parts, the 25 failed commands of reg-gamma.
fa findings show "$(id_of reg-gamma)" > "$tmp/report"
expect "report exit status" 0 $?
expect "report parts" "rules that fired, with the metric values:
events behind them:" "$(grep ':$' "$tmp/report")"
expect "report lists the failed commands" 25 "$(grep -c ' command.failed ' "$tmp/report")"
expect "report names the rule and value" 1 \
	"$(grep -c '^failed-burst  *high  *50  *failed_auth\[1h\] >= 20  *failed_auth\[1h\]  *25  *25 ' "$tmp/report")"

# A rule whose condition reads no metric scores too: it has its row, with
# no metric, beside the rule that has one.
mkdir "$tmp/probe"
cat > "$tmp/probe/probe.yaml" <<'YAML'
policy: probe
rules:
  - {id: every-registrar, description: constant, entity: registrar, severity: info,
     score: 7, when: "1 == 1"}
  - {id: auth-failures, description: failures, entity: registrar, severity: low,
     score: 5, when: "failed_auth[1h] >= 20"}
YAML
fa evaluate --policy "$tmp/probe" > /dev/null 2>&1
pid=$(q "SELECT id FROM findings WHERE entity = 'reg-gamma' AND policy = 'probe'")
expect "a metric-less rule in JSON" "registrar reg-gamma 12 auth-failures,every-registrar
auth-failures failed_auth[1h] 25 25
every-registrar None None None" \
	"$(fa findings show --format json "$pid" | summary | head -n 3)"
expect "a metric-less rule in the report" 1 \
	"$(fa findings show "$pid" | grep -c '^every-registrar  *info  *7  *1 == 1  *20')"

# No such finding; not a number.
fa findings show 999999 > "$tmp/out" 2>&1
expect "unknown id: exit 1, message, no report" "1 1 1" \
	"$? $(grep -c 'no finding with id 999999' "$tmp/out") $(wc -l < "$tmp/out")"
fa findings show x12 > /dev/null 2>&1
expect "invalid id: usage error" 2 $?

finish
