#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Zone-ingest benchmark, one command:
#
#   bench/zone-ingest-run.sh [DELEGATIONS]      (default 1000000)
#
# Builds fluxaudit and fa-gen-zone in Release, writes the same pair of
# zone versions as bench/zone-run.sh (1% of the delegations changed),
# starts a private PostgreSQL cluster under the work directory, and
# measures `fluxaudit ingest zone` on the first version (the baseline:
# every model record stored) and then on the second (diffed against the
# stored model, the changes stored as events): time, peak memory of the
# fluxaudit process, events, and the size of the zone model in the
# database. There is no outside baseline to compare with; the figures go
# into the README next to those of `zone diff`.
set -eu

n=${1:-1000000}
src=$(cd "$(dirname "$0")/.." && pwd)
work=${FA_BENCH_DIR:-/tmp/fa-zone-ingest-bench}
build=$work/build
mkdir -p "$work"
[ -x /usr/bin/time ] || apt-get install -y time > "$work/apt.log" 2>&1

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFA_TESTS=OFF > /dev/null
cmake --build "$build" -j"$(nproc)" --target fluxaudit fa-gen-zone > /dev/null

old=$work/old-$n.zone
new=$work/new-$n.zone
if [ ! -s "$old" ] || [ ! -s "$new" ]; then
	"$build/bench/fa-gen-zone" -n "$n" bench "$old" "$new"
fi

pg=$work/pg
"$src/deploy/pg-private.sh" destroy "$pg" > /dev/null 2>&1 || true
db=$("$src/deploy/pg-private.sh" start "$pg" | tail -1)
trap '"$src/deploy/pg-private.sh" stop "$pg" > /dev/null 2>&1 || true' EXIT
"$build/fluxaudit" --db "$db" db migrate > /dev/null
echo "files: $(du -m "$old" | cut -f1) MB and $(du -m "$new" | cut -f1) MB," \
	"$n delegations, $(nproc) CPUs"

measure() { # label file
	cat "$2" > /dev/null
	/usr/bin/time -f '%e %M' -o "$work/m" "$build/fluxaudit" --db "$db" \
		ingest zone --origin bench --time 2026-12-04T00:00:00Z "$2" \
		> "$work/$1.out" 2> "$work/$1.err" || {
		cat "$work/$1.err"
		exit 1
	}
	read -r secs kb < <(tail -1 "$work/m")
	printf '%-9s %8.2f s  %8d KB peak  (%d bytes/delegation)  %s\n' "$1" \
		"$secs" "$kb" $((kb * 1024 / n)) "$(cut -d: -f3- "$work/$1.out")"
}

measure baseline "$old"
measure snapshot "$new"
psql "$db" -qAt -c "SELECT 'zone model: ' || count(*) || ' records, ' ||
	pg_size_pretty(pg_total_relation_size('zone_records')) ||
	' with its indexes; events: ' || (SELECT count(*) FROM events)
	FROM zone_records"
