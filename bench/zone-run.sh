#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Zone-diff benchmark, one command:
#
#   bench/zone-run.sh [DELEGATIONS]      (default 1000000)
#
# Builds fluxaudit and fa-gen-zone in Release, writes a TLD-like zone with
# DELEGATIONS delegations and a second version with 1% of them changed,
# then measures in the same run:
#   fluxaudit zone diff on the pair     (time, peak RSS, bytes/delegation)
#   kzonecheck on the old file          (Debian: knot-dnssecutils)
#   ldns-compare-zones -a on the pair   (Debian: ldnsutils)
# and checks the targets of issue 3: the diff takes at most half the time
# of kzonecheck, at least 20 times less than ldns-compare-zones, and peak
# memory under 200 bytes per delegation. Exit 1 when a target is missed.
# Missing tools are installed with apt-get (as root) when possible.
set -eu

n=${1:-1000000}
src=$(cd "$(dirname "$0")/.." && pwd)
work=${FA_BENCH_DIR:-/tmp/fa-zone-bench}
build=$work/build
mkdir -p "$work"

need() { # command package
	if ! command -v "$1" > /dev/null; then
		echo "installing $2 for $1"
		apt-get install -y "$2" > "$work/apt.log" 2>&1 ||
			{ echo "could not install $2 (see $work/apt.log)"; exit 1; }
	fi
}
need kzonecheck knot-dnssecutils
need ldns-compare-zones ldnsutils
[ -x /usr/bin/time ] || need /usr/bin/time time

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFA_TESTS=OFF > /dev/null
cmake --build "$build" -j"$(nproc)" --target fluxaudit fa-gen-zone > /dev/null

old=$work/old-$n.zone
new=$work/new-$n.zone
if [ ! -s "$old" ] || [ ! -s "$new" ]; then
	"$build/bench/fa-gen-zone" -n "$n" bench "$old" "$new"
fi
echo "files: $(du -m "$old" | cut -f1) MB and $(du -m "$new" | cut -f1) MB," \
	"$n delegations, $(nproc) CPUs"

measure() { # label command...: prints seconds and peak KB into $work/m
	local label=$1
	shift
	# a warm page cache for everyone: the files were just written or read
	cat "$old" "$new" > /dev/null
	/usr/bin/time -f '%e %M' -o "$work/m" "$@" > "$work/$label.out" 2> "$work/$label.err" ||
		true
	read -r secs kb < <(tail -1 "$work/m")
	printf '%-22s %8.2f s  %8d KB peak\n' "$label" "$secs" "$kb"
	eval "${label//-/_}_s=$secs ${label//-/_}_kb=$kb"
}

measure fluxaudit "$build/fluxaudit" zone diff --origin bench --format csv --stats \
	"$old" "$new"
if ! grep -q '^zone diff:' "$work/fluxaudit.err"; then
	echo "fluxaudit zone diff failed:"
	cat "$work/fluxaudit.err"
	exit 1
fi
changes=$(($(wc -l < "$work/fluxaudit.out") - 1))
measure kzonecheck kzonecheck -o bench. "$old"
measure ldns-compare-zones ldns-compare-zones -a "$old" "$new"

# The baseline: libzscanner reading one file and nothing else.
echo
bpd=$(awk -v kb="$fluxaudit_kb" -v n="$n" 'BEGIN { printf "%.0f", kb * 1024 / n }')
echo "fluxaudit zone diff: $changes changes; $(cat "$work/fluxaudit.err")"
echo "peak memory: $bpd bytes per delegation (whole process)"
awk -v f="$fluxaudit_s" -v k="$kzonecheck_s" -v l="$ldns_compare_zones_s" \
	-v b="$bpd" -v n="$n" 'BEGIN {
	printf "diff / kzonecheck: %.2f (target <= 0.50)\n", f / k
	printf "ldns-compare-zones / diff: %.1f (target >= 20)\n", l / f
	printf "bytes per delegation: %d (target < 200)\n", b
	printf "extrapolated to 160M delegations: %.0f GB peak, %.0f s\n",
		b * 160e6 / 1e9, f * 160e6 / n
	bad = (f / k > 0.5) + (l / f < 20) + (b >= 200)
	print bad == 0 ? "targets: met" : "targets: MISSED"
	exit bad != 0
}'
