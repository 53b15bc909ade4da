#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit backtest`: the example log replayed through the shipped
# policies and through a candidate with other thresholds gives exactly the
# expected new/gone/unchanged entities, and writes nothing.
set -u

: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
db_test fa_backtest
fa ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" > /dev/null 2>&1 ||
	expect "example log ingested" ok failed

# The candidate: ns-churn needs 5 changes (fluxy.example has 4), glue-churn
# only 2 (the ordinary glue set-up of three more hosts reaches it).
mkdir "$tmp/cand"
sed -e 's/ns_changes\[24h\] >= 3/ns_changes[24h] >= 5/' \
	-e 's/glue_changes\[24h\] >= 6/glue_changes[24h] >= 2/' \
	"$FA_SOURCE_DIR/policies/default.yaml" > "$tmp/cand/default.yaml"
# Compared with the shipped default policy alone, so that the other
# shipped files do not add to either side.
range=(--from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z
	--current "$FA_SOURCE_DIR/policies/default.yaml")

fa backtest --policy "$tmp/cand" "${range[@]}" --all --format csv > "$tmp/all.csv" 2> "$tmp/err"
expect "backtest exit status" 0 $?
expect "every entity, compared" "status,entity_kind,entity,current_score,candidate_score,current_rules,candidate_rules,first_fired
gone,domain,fluxy.example,40,,ns-churn,,2026-11-05T02:40:01.770000Z
unchanged,domain,quick.example,20,20,low-ns-ttl,low-ns-ttl,2026-11-02T14:00:30.127000Z
new,host,ns1.alpha-dns.example,,40,,glue-churn,2026-11-02T09:01:42.466000Z
unchanged,host,ns1.fluxy.example,70,70,\"glue-churn,many-addrs\",\"glue-churn,many-addrs\",2026-11-05T04:00:00.779000Z
new,host,ns2.alpha-dns.example,,40,,glue-churn,2026-11-02T09:02:08.246000Z
new,host,ns2.beta-dns.example,,40,,glue-churn,2026-11-02T10:31:31.571000Z
unchanged,registrar,reg-gamma,50,50,failed-burst,failed-burst,2026-11-06T10:22:10Z" \
	"$(tr -d '\r' < "$tmp/all.csv")"
expect "summary on stderr" "fluxaudit: backtest: note: the policies lower scores for allowlisted providers and high-change registrars, but no --enrich configuration names any: every rule counts in full
current policies: 181 events, 4 entities flagged
candidate policies: 181 events, 6 entities flagged
new 3, gone 1, changed 0, unchanged 3" "$(cat "$tmp/err")"
expect "nothing written" "0|0" \
	"$(q "SELECT (SELECT count(*) FROM findings), (SELECT count(*) FROM rule_checkpoints)")"

# A threshold drops the weaker flags.
# At 45, fluxy.example (40) is under the bar for both policies and the
# new hosts (40) too: only unchanged flags are left.
expect "min-score 45" "unchanged host ns1.fluxy.example
unchanged registrar reg-gamma
none" \
	"$(fa backtest --policy "$tmp/cand" "${range[@]}" --min-score 45 --all --format json 2>/dev/null |
		python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for r in rows:
    print(r["status"], r["entity_kind"], r["entity"])
print("none" if all(r["status"] != "new" for r in rows) else "new rows")')"

# A window that sees only the first days: fluxy.example (Nov 5) is out.
expect "range limits the replay" "new,host,ns1.alpha-dns.example
new,host,ns2.alpha-dns.example
new,host,ns2.beta-dns.example" \
	"$(fa backtest --policy "$tmp/cand" --from 2026-11-01T00:00:00Z --to 2026-11-03T00:00:00Z \
		--current "$FA_SOURCE_DIR/policies/default.yaml" --format csv 2>/dev/null | tr -d '\r' | tail -n +2 | cut -d, -f1-3)"

# Changed: the same entity flagged with another score.
mkdir "$tmp/score"
sed -e 's/score: 20/score: 25/' "$FA_SOURCE_DIR/policies/default.yaml" > "$tmp/score/default.yaml"
expect "changed score" "changed,domain,quick.example,20,25" \
	"$(fa backtest --policy "$tmp/score" "${range[@]}" --format csv 2>/dev/null | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"

# A broken candidate is refused with the file, line and column.
printf 'policy: broken\nrules:\n  - id: x\n    when: ns_changes[24h] >=\n' > "$tmp/broken.yaml"
fa backtest --policy "$tmp/broken.yaml" "${range[@]}" > "$tmp/out" 2>&1
rc=$?
expect "broken candidate: exit 1" 1 "$rc"
expect "broken candidate: located messages" yes \
	"$(grep -q "^$tmp/broken.yaml:[0-9]*:[0-9]*: " "$tmp/out" && echo yes)"

# Usage errors.
fa backtest --policy "$tmp/cand" --from 2026-11-01T00:00:00Z > /dev/null 2>&1
expect "--to missing" 2 $?
fa backtest "${range[@]}" > /dev/null 2>&1
expect "--policy missing" 2 $?
fa backtest --policy "$tmp/cand" --from 2026-12-01T00:00:00Z --to 2026-11-01T00:00:00Z > /dev/null 2>&1
expect "--from after --to" 2 $?

# Times before 1970 are usage errors naming the option and the value
# (they reached the database as times it refuses); year 9999 is fine,
# year 10000 is not an RFC 3339 time.
for t in --from=0001-01-01T00:00:00Z --to=1969-12-31T23:59:59Z; do
	if [ "${t%%=*}" = --from ]; then
		args=(--from "${t#*=}" --to 2026-12-01T00:00:00Z)
	else
		args=(--from 2026-11-01T00:00:00Z --to "${t#*=}")
	fi
	fa backtest --policy "$tmp/cand" "${args[@]}" > "$tmp/out" 2> "$tmp/err"
	expect "$t: exit status" 2 $?
	expect "$t: message" "fluxaudit: backtest: invalid ${t%%=*} \"${t#*=}\": times before 1970-01-01T00:00:00Z are not accepted" \
		"$(head -n 1 "$tmp/err")"
	expect "$t: then the usage" "usage: fluxaudit [--db CONNINFO] backtest --policy FILE|DIR... --from TIME" \
		"$(sed -n 2p "$tmp/err")"
	expect "$t: no output" "" "$(cat "$tmp/out")"
done
fa backtest --policy "$tmp/cand" --from 2026-11-01T00:00:00Z --to 10000-01-01T00:00:00Z \
	> /dev/null 2> "$tmp/err"
expect "year 10000: exit status" 2 $?
expect "year 10000: message" "fluxaudit: backtest: invalid --to \"10000-01-01T00:00:00Z\": expected an RFC 3339 time such as 2026-11-03T10:00:00Z" \
	"$(head -n 1 "$tmp/err")"
expect "1970 to 9999: the same entities as the month" "new 3, gone 1, changed 0, unchanged 3" \
	"$(fa backtest --policy "$tmp/cand" --from 1970-01-01T00:00:00Z --to 9999-12-31T23:59:59Z \
		--current "$FA_SOURCE_DIR/policies/default.yaml" 2>&1 >/dev/null | tail -n 1)"

finish
