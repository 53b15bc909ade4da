#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The fluxaudit benchmark, in one command (see bench/README.md):
#
#   bench/run.sh
#
# Builds Release into bench/out/build, generates EPP logs of 50,000 and
# 200,000 transactions, and measures in the same run, for each size:
#   (a) xmllint --stream --noout on the single-document form of the log
#   (b) fa-bench-parse: the EPP reader parsing and normalizing the log
#   (c) fluxaudit ingest epp into a private PostgreSQL (after db migrate)
#   (d) psql \copy FROM of the events (c) produced, into a plain table
# and prints a comparison with the targets of issue 2.
#
# Environment: FA_BENCH_SIZES (default "50000 200000"), FA_BENCH_SEED
# (default 1), FA_BENCH_REPEAT (default 3: rounds in which (a) to (d) take
# turns; each figure is its fastest round), FA_BENCH_OUT (default
# bench/out). Exit status 0 when every
# measurement could be made (whether or not the targets are met), 1 when
# one could not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${FA_BENCH_OUT:-$here/out}
sizes=${FA_BENCH_SIZES:-"50000 200000"}
seed=${FA_BENCH_SEED:-1}
repeat=${FA_BENCH_REPEAT:-3}
build="$out/build"
pgdir="$out/pg"
results="$out/results.txt"
missing=0
pg_started=0

mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/build"
pgdir="$out/pg"
results="$out/results.txt"

say() { printf '%s\n' "$*" >&2; }

# The last non-empty line of some files (what a failed tool said last).
last_line() { cat "$@" 2>/dev/null | grep . | tail -n 1; }

cleanup() {
	if [ "$pg_started" -eq 1 ]; then
		"$root/deploy/pg-private.sh" stop "$pgdir" || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tools: xmllint (libxml2-utils) and GNU time (time) are installed when
# missing and we may; psql and the server come with postgresql.
need_pkgs=()
command -v xmllint >/dev/null 2>&1 || need_pkgs+=(libxml2-utils)
[ -x /usr/bin/time ] || need_pkgs+=(time)
command -v psql >/dev/null 2>&1 || need_pkgs+=(postgresql)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "bench: installing ${need_pkgs[*]}"
		apt-get install -y -q "${need_pkgs[@]}" >/dev/null ||
			{
				apt-get update -q >/dev/null &&
					apt-get install -y -q "${need_pkgs[@]}" >/dev/null
			}
	else
		say "bench: missing ${need_pkgs[*]}; install them (as root: apt-get install ${need_pkgs[*]})"
		exit 1
	fi
fi

say "bench: building Release in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFA_TESTS=OFF \
	-DFA_SANITIZE=OFF >"$out/build.log" 2>&1 &&
	cmake --build "$build" -j2 >>"$out/build.log" 2>&1 ||
	{ say "bench: the build failed, see $out/build.log"; exit 1; }
# The server's own psql, not the Debian wrapper script, so that (d) does
# not time a Perl start-up; notices (DROP ... IF EXISTS) are noise here.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
psql() { "${pgbin:-/usr/bin}/psql" "$@"; }
export PGOPTIONS="-c client_min_messages=warning"
gen="$build/bench/fa-gen-epp"
parse="$build/bench/fa-bench-parse"
fluxaudit="$build/fluxaudit"

# Seconds since the epoch with nanoseconds, and arithmetic on them.
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

# run_timed NAME CMD...: runs CMD under GNU time; sets secs and peak_kib.
run_timed() {
	local name=$1
	shift
	local t0 t1
	t0=$(now)
	if ! /usr/bin/time -f '%M' -o "$out/$name.mem" "$@" >"$out/$name.out" 2>"$out/$name.err"; then
		t1=$(now)
		say "bench: $name failed after $(calc "$t1 - $t0" 2) s, see $out/$name.err"
		return 1
	fi
	t1=$(now)
	secs=$(calc "$t1 - $t0" 3)
	peak_kib=$(tail -n 1 "$out/$name.mem")
}

conninfo=""
start_pg() {
	if [ "$pg_started" -eq 1 ]; then
		return 0
	fi
	conninfo=$("$root/deploy/pg-private.sh" start "$pgdir") || return 1
	pg_started=1
}

# keep KEY: remember the fastest time (secs) and the largest peak
# (peak_kib) of measurement KEY over the rounds. The fastest run is the one
# least disturbed by other load on the machine.
declare -A BEST_S BEST_KIB
keep() {
	if [ -z "${BEST_S[$1]:-}" ] || awk "BEGIN { exit !($secs < ${BEST_S[$1]}) }"; then
		BEST_S[$1]=$secs
	fi
	if [ "$peak_kib" -gt "${BEST_KIB[$1]:-0}" ]; then
		BEST_KIB[$1]=$peak_kib
	fi
}

# A new, migrated database for one ingest run (not timed).
fresh_db() {
	psql "$conninfo" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db" >"$out/createdb-$n.out" 2>&1 &&
		"$fluxaudit" --db "$dbci" db migrate >"$out/migrate-$n.out" 2>&1
}

# (d)'s input: the events (c) wrote, exported once, and in a database of
# its own (the ingest database is recreated each round) an unpartitioned
# table with the same columns, defaults, primary key and indexes as
# events (the ingest maintains all of them, so the copy must too).
prepare_copy() {
	psql "$dbci" -qX -v ON_ERROR_STOP=1 \
		-c "\\copy (SELECT * FROM events ORDER BY ts, txn_key, seq) TO '$copyfile'" \
		>/dev/null &&
		psql "$conninfo" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS ${db}_copy" \
			-c "CREATE DATABASE ${db}_copy" >/dev/null &&
		"$fluxaudit" --db "$copyci" db migrate >/dev/null &&
		psql "$copyci" -qX -v ON_ERROR_STOP=1 \
			-c "CREATE TABLE bench_events_copy (LIKE events INCLUDING DEFAULTS
			    INCLUDING CONSTRAINTS INCLUDING INDEXES)" >/dev/null
}

# An empty copy table and no dirty buffers before each COPY run.
empty_copy() {
	psql "$copyci" -qX -v ON_ERROR_STOP=1 -c "TRUNCATE bench_events_copy" \
		-c "CHECKPOINT" >/dev/null
}

declare -A A_TPS B_TPS B_KIB C_TPS C_KIB D_EPS D_TPS EVENTS

for n in $sizes; do
	log="$out/epp-$n.log"
	xml="$out/epp-$n.xml"
	copyfile="$out/events-$n.copy"
	db="bench_$n"
	say "bench: N=$n: generating logs (seed $seed)"
	"$gen" --transactions "$n" --seed "$seed" --format envelope --output "$log"
	"$gen" --transactions "$n" --seed "$seed" --format xmlstream --output "$xml"

	can_a=1
	can_b=1
	can_c=1
	can_d=0
	if [ ! -x "$parse" ]; then
		say "bench: N=$n: (b) not run: fa-bench-parse was not built (no EPP reader)"
		can_b=0
	fi
	if ! start_pg; then
		say "bench: N=$n: (c), (d) not run: could not start PostgreSQL in $pgdir"
		can_c=0
	fi
	dbci=${conninfo/dbname=fluxaudit/dbname=$db}
	copyci=${conninfo/dbname=fluxaudit/dbname=${db}_copy}

	# The four measurements take turns, round after round, so that
	# they see the same conditions; each keeps its fastest round.
	for ((round = 1; round <= repeat; round++)); do
		say "bench: N=$n: round $round of $repeat"
		if [ "$can_a" -eq 1 ]; then
			if run_timed "xmllint-$n" xmllint --stream --noout "$xml"; then
				keep "a$n"
			else
				can_a=0
			fi
		fi
		if [ "$can_b" -eq 1 ]; then
			if run_timed "parse-$n" "$parse" "$log"; then
				keep "b$n"
			else
				can_b=0
			fi
		fi
		if [ "$can_c" -eq 1 ]; then
			if fresh_db && run_timed "ingest-$n" "$fluxaudit" --db "$dbci" ingest epp "$log"
			then
				keep "c$n"
			else
				say "bench: N=$n: (c), (d) not run: $(last_line "$out/migrate-$n.out" \
					"$out/ingest-$n.err")"
				can_c=0
			fi
		fi
		if [ "$can_c" -eq 1 ] && [ "$round" -eq 1 ]; then
			EVENTS[$n]=$(psql "$dbci" -AtqX -c "SELECT count(*) FROM events")
			say "bench: N=$n: the ingest said: $(last_line "$out/ingest-$n.out" \
				"$out/ingest-$n.err")"
			if prepare_copy; then
				can_d=1
			else
				say "bench: N=$n: (d) not run: could not prepare the COPY table"
			fi
		fi
		if [ "$can_d" -eq 1 ]; then
			if empty_copy && run_timed "copy-$n" "${pgbin:-/usr/bin}/psql" "$copyci" -qX \
				-v ON_ERROR_STOP=1 -c "\\copy bench_events_copy FROM '$copyfile'"; then
				keep "d$n"
			else
				can_d=0
			fi
		fi
	done
	rm -f "$copyfile"

	# Rates from the fastest rounds; wall time of the whole process each.
	if [ -n "${BEST_S[a$n]:-}" ]; then
		A_TPS[$n]=$(calc "$n / ${BEST_S[a$n]}")
		say "bench: N=$n: (a) xmllint --stream ${BEST_S[a$n]} s, ${A_TPS[$n]} tx/s"
	else
		missing=1
	fi
	if [ -n "${BEST_S[b$n]:-}" ]; then
		B_TPS[$n]=$(calc "$n / ${BEST_S[b$n]}")
		B_KIB[$n]=${BEST_KIB[b$n]}
		say "bench: N=$n: (b) fa-bench-parse ${BEST_S[b$n]} s, ${B_TPS[$n]} tx/s," \
			"$(sed -n 's/^events=//p' "$out/parse-$n.out") events," \
			"$(sed -n 's/^rejects=//p' "$out/parse-$n.out") rejects, peak ${B_KIB[$n]} KiB"
	else
		missing=1
	fi
	if [ -n "${BEST_S[c$n]:-}" ]; then
		C_TPS[$n]=$(calc "$n / ${BEST_S[c$n]}")
		C_KIB[$n]=${BEST_KIB[c$n]}
		say "bench: N=$n: (c) ingest ${BEST_S[c$n]} s, ${C_TPS[$n]} tx/s," \
			"${EVENTS[$n]} events, peak ${C_KIB[$n]} KiB"
	else
		missing=1
	fi
	if [ -n "${BEST_S[d$n]:-}" ]; then
		D_EPS[$n]=$(calc "${EVENTS[$n]} / ${BEST_S[d$n]}")
		D_TPS[$n]=$(calc "$n / ${BEST_S[d$n]}")
		say "bench: N=$n: (d) psql \\copy ${BEST_S[d$n]} s, ${D_EPS[$n]} events/s" \
			"= ${D_TPS[$n]} tx/s"
	else
		missing=1
	fi
done

# The comparison with the targets.
val() { local v=${1:-}; [ -n "$v" ] && printf '%s' "$v" || printf 'n/a'; }
mib() { local v=${1:-}; [ -n "$v" ] && calc "$v / 1024" 1 || printf 'n/a'; }
verdict() { # verdict CONDITION-AWK-EXPR (empty operands: not measured)
	if [[ "$1" == *n/a* ]] || [[ "$1" == *"()"* ]]; then printf 'NOT MEASURED'; return; fi
	if awk "BEGIN { exit !($1) }"; then printf 'met'; else printf 'MISSED'; fi
}

{
	printf '\nfluxaudit benchmark, %s, seed %s, %s CPUs, %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" \
		"$seed" "$(nproc)" "$(uname -m)"
	printf '\n%-8s %14s %14s %10s %14s %10s %14s %14s %10s\n' "N" "(a) xmllint" \
		"(b) parse" "(b) peak" "(c) ingest" "(c) peak" "(d) \\copy" "(d) \\copy" "events"
	printf '%-8s %14s %14s %10s %14s %10s %14s %14s %10s\n' "" "tx/s" "tx/s" "MiB" "tx/s" \
		"MiB" "events/s" "tx/s equiv" ""
	for n in $sizes; do
		printf '%-8s %14s %14s %10s %14s %10s %14s %14s %10s\n' "$n" "$(val "${A_TPS[$n]:-}")" \
			"$(val "${B_TPS[$n]:-}")" "$(mib "${B_KIB[$n]:-}")" "$(val "${C_TPS[$n]:-}")" \
			"$(mib "${C_KIB[$n]:-}")" "$(val "${D_EPS[$n]:-}")" "$(val "${D_TPS[$n]:-}")" \
			"$(val "${EVENTS[$n]:-}")"
	done
	printf '\nTargets:\n'
	for n in $sizes; do
		a=$(val "${A_TPS[$n]:-}"); b=$(val "${B_TPS[$n]:-}")
		c=$(val "${C_TPS[$n]:-}"); d=$(val "${D_TPS[$n]:-}")
		printf '  N=%-7s (b) >= (a):        %10s >= %-10s %s\n' "$n" "$b" "$a" \
			"$(verdict "$b >= $a")"
		half=n/a
		[ "$d" != n/a ] && half=$(calc "$d * 0.5")
		printf '  N=%-7s (c) >= 0.5 x (d):  %10s >= %-10s %s\n' "$n" "$c" "$half" \
			"$(verdict "$c >= $half")"
	done
	# Flat memory: the peak at the largest N within 25% (and 8 MiB) of the
	# peak at the smallest.
	set -- $sizes
	lo=$1
	hi=${!#}
	for tool in b c; do
		if [ "$tool" = b ]; then
			l=${B_KIB[$lo]:-}
			h=${B_KIB[$hi]:-}
		else
			l=${C_KIB[$lo]:-}
			h=${C_KIB[$hi]:-}
		fi
		l=$(val "$l"); h=$(val "$h")
		printf '  (%s) peak memory flat:   %s KiB at N=%s, %s KiB at N=%s  %s\n' "$tool" "$l" "$lo" \
			"$h" "$hi" "$(verdict "$h <= $l * 1.25 + 8192")"
	done
} | tee "$results"

exit "$missing"
