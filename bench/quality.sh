#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Detection quality of the shipped policies, in one command (issue 4):
#
#   bench/quality.sh
#
# Builds Release into bench/out/build, generates a labelled registry of
# FA_QUALITY_DOMAINS domains (default 100000) over 30 days with
# bench/scenario/generate into bench/out/scenario, starts a private
# PostgreSQL in bench/out/pg-quality, ingests the EPP log and the daily
# zone snapshots in order, runs `fluxaudit evaluate` with the shipped
# policies (and the scenario's enrichment when evaluate has --enrich),
# then scores the findings with bench/scenario/score and prints recall,
# false-positive rate and precision per scenario, the providers flagged,
# PASS/FAIL against the targets, and time and peak memory of ingest and
# evaluate. See docs/scenarios.md.
#
# Environment: FA_QUALITY_DOMAINS (default 100000), FA_QUALITY_SEED
# (default 1), FA_QUALITY_THRESHOLD (default 50: the queue threshold),
# FA_QUALITY_POLICY (default: the shipped policies/), FA_BENCH_OUT
# (default bench/out). Exit status 0 when every step ran (whether or not
# the targets are met: the score says), 1 when one failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${FA_BENCH_OUT:-$here/out}
ndom=${FA_QUALITY_DOMAINS:-100000}
seed=${FA_QUALITY_SEED:-1}
threshold=${FA_QUALITY_THRESHOLD:-50}
policy=${FA_QUALITY_POLICY:-$root/policies}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/build"
pgdir="$out/pg-quality"
scen="$out/scenario"
results="$out/quality.txt"
pg_started=0

say() { printf '%s\n' "$*" >&2; }
die() { say "quality: $*"; exit 1; }

cleanup() {
	if [ "$pg_started" -eq 1 ]; then
		"$root/deploy/pg-private.sh" stop "$pgdir" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v python3 >/dev/null 2>&1 || die "python3 is missing (apt-get install python3)"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"
command -v psql >/dev/null 2>&1 || die "psql is missing (apt-get install postgresql)"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

# timed NAME CMD...: runs CMD under GNU time; sets secs and peak_mib.
timed() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	if ! /usr/bin/time -f '%M' -o "$out/q-$name.mem" "$@" >"$out/q-$name.out" \
		2>"$out/q-$name.err"; then
		say "quality: $name failed, see $out/q-$name.err:"
		tail -n 5 "$out/q-$name.err" >&2
		exit 1
	fi
	t1=$(now)
	secs=$(calc "$t1 - $t0" 1)
	peak_mib=$(calc "$(tail -n 1 "$out/q-$name.mem") / 1024" 1)
}

say "quality: building Release in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFA_TESTS=OFF \
	-DFA_SANITIZE=OFF >"$out/build.log" 2>&1 &&
	cmake --build "$build" -j2 >>"$out/build.log" 2>&1 ||
	die "the build failed, see $out/build.log"
fa="$build/fluxaudit"

say "quality: generating $ndom domains (seed $seed) in $scen"
rm -rf "$scen"
timed generate python3 "$here/scenario/generate" --domains "$ndom" --seed "$seed" \
	--out "$scen"
gen_s=$secs
gen_mib=$peak_mib
say "quality: $(cat "$out/q-generate.out") ($gen_s s)"

conninfo=$("$root/deploy/pg-private.sh" start "$pgdir") || die "could not start PostgreSQL in $pgdir"
pg_started=1
db=quality
dbci=${conninfo/dbname=fluxaudit/dbname=$db}
PGOPTIONS="-c client_min_messages=warning" psql "$conninfo" -qX -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null ||
	die "could not create database $db"
"$fa" --db "$dbci" db migrate >/dev/null || die "db migrate failed"

say "quality: ingesting the EPP log"
timed ingest-epp "$fa" --db "$dbci" ingest epp "$scen/epp.log"
ing_s=$secs
ing_mib=$peak_mib
ing_line=$(cat "$out/q-ingest-epp.out" "$out/q-ingest-epp.err" | grep '^total:' || true)
say "quality: $ing_line"
rejects=$(printf '%s\n' "$ing_line" | sed -n 's/.* \([0-9]*\) rejected.*/\1/p')
[ "${rejects:-x}" = 0 ] || die "the generated log had rejects: $ing_line"

zone_note="zone snapshots ingested"
zone_s=n/a
zone_mib=n/a
if "$fa" ingest zone --help 2>&1 | grep -q -- '--origin'; then
	zones=("$scen"/zones/*.zone)   # a glob expands sorted: serial order
	say "quality: ingesting ${#zones[@]} zone snapshots in order"
	t0=$(now)
	zpeak=0
	origin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["origin"])' \
		"$scen/summary.json")
	for z in "${zones[@]}"; do
		timed ingest-zone "$fa" --db "$dbci" ingest zone --origin "$origin" "$z"
		zpeak=$(calc "($peak_mib > $zpeak) ? $peak_mib : $zpeak" 1)
	done
	zone_s=$(calc "$(now) - $t0" 1)
	zone_mib=$zpeak
else
	zone_note="NOT ingested: this build has no 'fluxaudit ingest zone --origin' yet"
	say "quality: notice: zone snapshots skipped: $zone_note"
fi

enrich_args=()
enrich_note="without enrichment (evaluate has no --enrich yet)"
if "$fa" evaluate --help 2>&1 | grep -q -- '--enrich'; then
	enrich_args=(--enrich "$scen/enrichment.yaml")
	enrich_note="with --enrich $scen/enrichment.yaml"
fi
say "quality: evaluating the policies in $policy $enrich_note"
timed evaluate "$fa" --db "$dbci" evaluate --policy "$policy" "${enrich_args[@]}"
ev_s=$secs
ev_mib=$peak_mib

"$fa" --db "$dbci" findings --status all --format csv >"$out/q-findings.csv" ||
	die "findings --format csv failed"

{
	printf 'fluxaudit detection quality, %s, %s domains, seed %s, %s CPUs\n' \
		"$(date -u +%Y-%m-%dT%H:%MZ)" "$ndom" "$seed" "$(nproc)"
	printf 'policy %s, %s; %s\n' "$policy" "$enrich_note" "$zone_note"
	printf 'generate:    %8s s  peak %8s MiB  (%s transactions, %s MiB log)\n' "$gen_s" \
		"$gen_mib" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transactions"])' \
		"$scen/summary.json")" "$(calc "$(stat -c %s "$scen/epp.log") / 1048576" 0)"
	printf 'ingest epp:  %8s s  peak %8s MiB\n' "$ing_s" "$ing_mib"
	printf 'ingest zone: %8s s  peak %8s MiB\n' "$zone_s" "$zone_mib"
	printf 'evaluate:    %8s s  peak %8s MiB  (%s)\n' "$ev_s" "$ev_mib" \
		"$(cat "$out/q-evaluate.out" "$out/q-evaluate.err" | grep '^findings:' || true)"
	printf '\n'
	python3 "$here/scenario/score" --threshold "$threshold" "$scen/labels.csv" \
		"$out/q-findings.csv"
} | tee "$results"
