#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scenario generator and scorer of bench/scenario (docs/scenarios.md):
# same seed and size give byte-identical output, another seed another
# registry; every malicious label has the events its scenario promises
# (checked by tests/system/scenario_oracle.py, which reads the log without
# fluxaudit's reader); the log is ingested with 0 rejects and the store
# holds exactly the NS and glue changes the oracle counted; the zone
# snapshots are read by `fluxaudit zone diff`; the scorer gives exact
# figures on hand-made findings.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "not run: python3 is missing (tests/run.sh installs it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

gen="$FA_SOURCE_DIR/bench/scenario/generate"
score="$FA_SOURCE_DIR/bench/scenario/score"
tmp=$(mktemp -d)
make_db fa_test_scenario_$$
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT

# Determinism.
python3 "$gen" --domains 2000 --seed 7 --out "$tmp/a" >/dev/null
python3 "$gen" --domains 2000 --seed 7 --out "$tmp/b" >/dev/null
python3 "$gen" --domains 2000 --seed 8 --out "$tmp/c" >/dev/null
same=identical
diff -r "$tmp/a" "$tmp/b" >/dev/null || same=different
expect "same seed and size: byte-identical output" "identical" "$same"
other=identical
cmp -s "$tmp/a/epp.log" "$tmp/c/epp.log" || other=different
expect "another seed: another log" "different" "$other"
expect "output files" "consumer.txt
declarations.csv
enrichment.yaml
epp.log
labels.csv
pfx2as.txt
ptr.txt
summary.json
zones" "$(ls "$tmp/a")"
# The enrichment loads, PTR table included. The generator gives each
# address one name and embeds the address in every consumer name, so
# every name that matched and was not excluded classified its address.
row=$("$FA_BIN" enrich check --config "$tmp/a/enrichment.yaml" --format csv 2>&1 |
	grep '^consumer_ptr,')
ptr_check=$(printf '%s\n' "$row" | awk -F, -v lines="$(grep -vc '^#' "$tmp/a/ptr.txt")" '{
	n = split($0, f, "\""); split(f[2], d, ", ");
	split(d[2], names, " "); split(d[3], m, " "); split(d[4], x, " "); split(d[5], w, " ");
	print (names[1] == lines && $3 == m[1] - x[1] && w[1] == 0 && $3 > 0) ? "consistent" : $0 }')
expect "enrichment with the PTR table" "consistent" "$ptr_check"
expect "daily zone snapshots over 30 days" "31 example.2026110100.zone example.2026120100.zone" \
	"$(ls "$tmp/a/zones" | wc -l) $(ls "$tmp/a/zones" | head -n 1) $(ls "$tmp/a/zones" | tail -n 1)"
expect "bad size refused" "2" "$(python3 "$gen" --domains 10 --out "$tmp/x" 2>/dev/null; echo $?)"

# Every scenario present, labels consistent with the log.
scen=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["scenarios"]
print(" ".join(k for k in sorted(s) if s[k]["label"] == "malicious"))' "$tmp/a/summary.json")
expect "malicious scenarios" "abusive_registrant double_flux fast_flux registrant_takeover registrar_hijack" "$scen"
oracle=$(python3 "$FA_SOURCE_DIR/tests/system/scenario_oracle.py" "$tmp/a") || true
counts=$(printf '%s\n' "$oracle" | tail -n 1)
expect "oracle: every label has its events" "" "$(printf '%s\n' "$oracle" | grep '^FAIL' || true)"

# The oracle notices a label that the log does not bear out: an ordinary
# domain labelled fast flux.
ff=$(grep -m 1 '^fast_flux,malicious,domain,' "$tmp/b/labels.csv" | cut -d, -f4)
od=$(grep -m 1 '^benign_ordinary,benign,domain,' "$tmp/b/labels.csv" | cut -d, -f4)
sed -i "s/^fast_flux,malicious,domain,$ff,domain:$ff|/fast_flux,malicious,domain,$od,domain:$od|/" \
	"$tmp/b/labels.csv"
expect "oracle: a false label is caught" "FAIL: fast_flux $od: not created in the window with NS TTL <= 300
FAIL: fast_flux $od: 0 NS updates, expected 1 (the delegation)" \
	"$(python3 "$FA_SOURCE_DIR/tests/system/scenario_oracle.py" "$tmp/b" | grep '^FAIL' | grep -v ': host ' || true)"

# Ingest: no rejects, the store holds what the oracle counted.
ing=$("$FA_BIN" --db "$conn" db migrate >/dev/null && "$FA_BIN" --db "$conn" ingest epp "$tmp/a/epp.log" 2>&1 | grep '^total:')
rec=$(printf '%s\n' "$counts" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
expect "ingest: 0 rejects" "0 rejected, 0 incomplete" \
	"$(printf '%s\n' "$ing" | grep -o '[0-9]* rejected, [0-9]* incomplete')"
expect "ingest: every record read" "$rec records read" "$(printf '%s\n' "$ing" | grep -o '[0-9]* records read')"
ns=$(q "SELECT count(DISTINCT txn_key) FROM events e WHERE kind IN ('domain.ns_add', 'domain.ns_rem')
	AND NOT EXISTS (SELECT 1 FROM events c WHERE c.txn_key = e.txn_key AND c.kind = 'domain.create')")
gl=$(q "SELECT count(DISTINCT txn_key) FROM events e WHERE kind IN ('host.addr_add', 'host.addr_rem')
	AND NOT EXISTS (SELECT 1 FROM events c WHERE c.txn_key = e.txn_key AND c.kind = 'host.create')")
expect "stored NS and glue changes = the oracle's" \
	"$(printf '%s\n' "$counts" | sed 's/ records=.*//')" "ns_txns=$ns glue_txns=$gl"

# The last zone snapshot shows the delegations and glue that the store
# holds after the ingest (registry-side fixes aside).
q "SELECT name, array_to_string(ns, ' ') FROM domains WHERE NOT deleted" >"$tmp/domains.txt"
q "SELECT name, array_to_string(addrs, ' ') FROM hosts WHERE NOT deleted" >"$tmp/hosts.txt"
zs=$(python3 "$FA_SOURCE_DIR/tests/system/scenario_oracle.py" "$tmp/a" --state "$tmp/domains.txt" \
	"$tmp/hosts.txt" || true)
expect "last zone snapshot = stored state" "mismatches=0 enough=yes" \
	"$(printf '%s\n' "$zs" | tail -n 1 | awk '{ split($1, d, "="); print $3, "enough=" (d[2] > 1900 ? "yes" : "no") }')"

# The zone snapshots are valid master files of the same registry.
zd=$("$FA_BIN" zone diff --origin example --format csv "$tmp/a/zones/example.2026110100.zone" \
	"$tmp/a/zones/example.2026120100.zone" | wc -l)
expect "zone diff of the first and last snapshot reads both" "yes" \
	"$([ "$zd" -gt 100 ] && echo yes || echo "no ($zd lines)")"

# The scorer on hand-made labels and findings.
cat >"$tmp/labels.csv" <<'EOF'
scenario,label,entity_kind,entity,detect_via
fast_flux,malicious,domain,a.example,domain:a.example|host:ns1.a.example
fast_flux,malicious,domain,b.example,domain:b.example|host:ns1.b.example
fast_flux,malicious,domain,c.example,domain:c.example
registrar_hijack,malicious,domain,d.example,domain:d.example|registrar:reg-x
benign_ordinary,benign,domain,e.example,domain:e.example
benign_ordinary,benign,domain,f.example,domain:f.example
benign_ordinary,benign,domain,g.example,domain:g.example
benign_ordinary,benign,domain,h.example,domain:h.example
dns_provider,benign,host,ns1.prov.example,host:ns1.prov.example
EOF
cat >"$tmp/findings.csv" <<'EOF'
id,status,severity,score,entity_kind,entity,rules
1,open,high,70,host,ns1.a.example,glue-churn
2,open,high,49,domain,b.example,ns-churn
3,open,low,30,host,ns1.b.example,many-addrs
4,open,high,50,registrar,reg-x,failed-burst
5,open,high,60,domain,e.example,"ns-churn,low-ns-ttl"
6,open,high,40,host,ns1.prov.example,glue-churn
7,open,high,90,domain,zzz.example,ns-churn
8,closed,high,45,domain,b.example,ns-churn
EOF
expect "score at the default threshold" "label      scenario                   entity         count      hit      rate  target
malicious  fast_flux                  domain             3        1    33.33%  recall >= 95%: FAIL
malicious  registrar_hijack           domain             1        1   100.00%  recall >= 95%: PASS
benign     benign_ordinary            domain             4        1    25.00%  
benign     dns_provider               host               1        0     0.00%  none flagged: PASS

threshold: score >= 50; flagged entities: 4 (2 malicious, 1 benign, 1 unlabelled)
precision: 66.67% (2 of 3 labelled flagged entities are malicious)
benign domains flagged: 1 of 4 = 25.00% (target < 0.1%: FAIL)
providers flagged: 0 (target 0: PASS)
verdict: FAIL" "$(python3 "$score" "$tmp/labels.csv" "$tmp/findings.csv")"
python3 -c 'import csv,json,sys
for r in csv.DictReader(open(sys.argv[1])):
    print(json.dumps({"entity_kind": r["entity_kind"], "entity": r["entity"],
                      "score": int(r["score"])}))' "$tmp/findings.csv" >"$tmp/findings.json"
expect "score of JSON findings at threshold 40" "malicious  fast_flux                  domain             3        2    66.67%  recall >= 95%: FAIL
benign     dns_provider               host               1        1   100.00%  none flagged: FAIL
threshold: score >= 40; flagged entities: 6 (3 malicious, 2 benign, 1 unlabelled)
precision: 60.00% (3 of 5 labelled flagged entities are malicious)
providers flagged: 1 (target 0: FAIL)" \
	"$(python3 "$score" --threshold 40 "$tmp/labels.csv" - <"$tmp/findings.json" |
		grep -E '^(malicious  fast|benign     dns|threshold|precision|providers)')"
head -n 6 "$tmp/labels.csv" >"$tmp/pass.csv"
printf 'id,score,entity_kind,entity\n1,50,domain,a.example\n2,50,domain,b.example\n3,50,domain,c.example\n4,50,domain,d.example\n' \
	>"$tmp/pass-findings.csv"
rc=0
out=$(python3 "$score" --strict "$tmp/pass.csv" "$tmp/pass-findings.csv") || rc=$?
expect "a passing set: exit 0 under --strict" "verdict: PASS 0" "$(printf '%s\n' "$out" | tail -n 1) $rc"
expect "a failing set: exit 1 under --strict" "1" \
	"$(python3 "$score" --strict "$tmp/labels.csv" "$tmp/findings.csv" >/dev/null; echo $?)"
printf 'scenario,label\nx,y\n' >"$tmp/bad.csv"
expect "a bad labels file: exit 2 with the reason" "score: \"$tmp/bad.csv\": not a labels file (header ['scenario', 'label'])
2" \
	"$(python3 "$score" "$tmp/bad.csv" "$tmp/findings.csv" 2>&1; echo $?)"

finish
