#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Measure `fluxaudit import registry` on a generated registry export of N
# rows (bench/gen-bootstrap.sh; default 1,000,000): a first import into an
# empty database, the same file again (nothing changes), and an export
# where every row changed (new registrar, later export time). Prints wall
# time, rows per second and peak memory of each. Not a test.
#
# Needs a Release build's prerequisites, PostgreSQL 15 server binaries and
# GNU time (/usr/bin/time). Leaves its files in $FA_BENCH_OUT (default
# bench/out); the private cluster it starts is stopped at the end.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${FA_BENCH_OUT:-$repo/bench/out}
rows=${FA_IMPORT_ROWS:-1000000}
[ -x /usr/bin/time ] || { echo "import-run.sh: /usr/bin/time (GNU time) is missing" >&2; exit 1; }
mkdir -p "$out"

cmake -S "$repo" -B "$out/build-import" -DCMAKE_BUILD_TYPE=Release -DFA_TESTS=OFF \
	-DFA_BENCH=OFF >/dev/null
cmake --build "$out/build-import" -j"$(nproc)" --target fluxaudit >/dev/null
bin=$out/build-import/fluxaudit

pg=$out/pg-import
"$repo/deploy/pg-private.sh" destroy "$pg" >/dev/null 2>&1 || true
db=$("$repo/deploy/pg-private.sh" start "$pg")
trap '"$repo/deploy/pg-private.sh" stop "$pg" >/dev/null 2>&1 || true' EXIT
"$bin" --db "$db" db migrate >/dev/null

"$repo/bench/gen-bootstrap.sh" "$rows" >"$out/export.csv"
sed -E 's/,reg-([0-9]+),/,reg-x\1,/' "$out/export.csv" >"$out/export-changed.csv"
echo "rows: $rows ($(stat -c %s "$out/export.csv") bytes), load: $(cut -d' ' -f1-3 /proc/loadavg)"

run() {	# run LABEL AS-OF FILE
	/usr/bin/time -f '%e %M' -o "$out/import.m" "$bin" --db "$db" import registry \
		--as-of "$2" "$3" 2>"$out/import-$1.err"
	read -r secs kb <"$out/import.m"
	printf '%-8s %7s s %8s rows/s %7s KB peak  %s\n' "$1" "$secs" \
		"$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')" "$kb" \
		"$(tail -n 1 "$out/import-$1.err")"
}
run first 2026-12-01T00:00:00Z "$out/export.csv"
run again 2026-12-01T00:00:00Z "$out/export.csv"
run changed 2026-12-02T00:00:00Z "$out/export-changed.csv"
