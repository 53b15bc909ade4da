# SPDX-License-Identifier: Apache-2.0
# Shared by the root-zone tests: rebuild every archived version of the 2018
# root-zone series from snapshot 006 and the diffs, in order.
#
# rootzone_corpus [db]: sets corpus to the series in the shared corpus, or
# says why the test does not run and exits 77 (also without FA_TEST_DB
# when "db" is given).
rootzone_corpus() {
	if [ "${1:-}" = db ] && [ -z "${FA_TEST_DB:-}" ]; then
		echo "NOT RUN: FA_TEST_DB is not set (tests/run.sh sets it)"
		exit 77
	fi
	corpus=${FA_CORPUS_DIR:-}/rootzone-2018
	if [ -z "${FA_CORPUS_DIR:-}" ] || [ ! -d "$corpus/snapshots" ]; then
		echo "NOT RUN: root-zone corpus not found (FA_CORPUS_DIR=${FA_CORPUS_DIR:-unset})"
		exit 77
	fi
}
#
# rootzone_rebuild CORPUS DIR: writes DIR/vNNN for each version and sets
# the array rootzone_versions (006 007 ... 050); prints what failed and
# returns 1 when a diff does not apply or a rebuilt version differs from an
# archived snapshot.
rootzone_rebuild() {
	local corpus=$1 dir=$2 d from to s idx bad=0
	cp "$corpus/snapshots/root.zone.006.2018013000" "$dir/v006"
	rootzone_versions=(006)
	for d in $(ls "$corpus/diffs" | sort); do
		from=${d:0:3}
		to=${d:4:3}
		cp "$dir/v$from" "$dir/v$to"
		if ! patch -s "$dir/v$to" < "$corpus/diffs/$d"; then
			echo "FAIL: patch $d did not apply" >&2
			bad=1
		fi
		rootzone_versions+=("$to")
	done
	for s in "$corpus"/snapshots/root.zone.*; do
		idx=$(basename "$s" | cut -d. -f3)
		if ! cmp -s "$s" "$dir/v$idx"; then
			echo "FAIL: rebuilt version $idx differs from the snapshot" >&2
			bad=1
		fi
	done
	return $bad
}

# The SOA serial of a version (first line of the AXFR dump).
rootzone_serial() {
	awk '$4 == "SOA" { print $7; exit }' "$1"
}
