#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit ingest zone` on BIND 9's checkzone zones: every file that the
# table (tests/data/zone/bind9-table.txt, see test_zone_bind9.sh) says is
# refused is refused by ingest too, with the file, line and reason, and
# leaves nothing in the database but its reject. One zone that parses is
# then ingested as the baseline, to show the database was usable all along.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
if [ -z "${FA_TEST_DB:-}" ]; then
	echo "NOT RUN: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
dir=${FA_CORPUS_DIR:-}/bind9-zones/bin/tests/system/checkzone/zones
if [ -z "${FA_CORPUS_DIR:-}" ] || [ ! -d "$dir" ]; then
	echo "NOT RUN: bind9 checkzone zones not found (FA_CORPUS_DIR=${FA_CORPUS_DIR:-unset})"
	exit 77
fi
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
tmp=$(mktemp -d /tmp/fa-zone-bind9-ingest-XXXXXX)
make_db fa_zone_bind9_ingest
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

refused=0
bad=0
while IFS='|' read -r c f r; do
	[ "$r" != ok ] || continue
	path=$dir/$f
	"$FA_BIN" --db "$conn" ingest zone --origin example "$path" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	refused=$((refused + 1))
	if [ "$rc" -ne 1 ] || [ -s "$tmp/out" ] || ! grep -qF "\"$path\" $r" "$tmp/err"; then
		echo "FAIL: $f: exit $rc, output '$(cat "$tmp/out")', message '$(cat "$tmp/err")'"
		bad=$((bad + 1))
	fi
done < "$FA_SOURCE_DIR/tests/data/zone/bind9-table.txt"
expect "every refused file refused by ingest ($refused files)" 0 "$bad"
expect "refusals in the table" 72 "$refused"
expect "nothing stored from them" "0|0|0|0" \
	"$(q "SELECT (SELECT count(*) FROM zone_records), (SELECT count(*) FROM zone_snapshots), (SELECT count(*) FROM events), (SELECT count(*) FROM txns)")"
expect "each kept as a reject naming its line" "$refused|$refused" \
	"$(q "SELECT count(*), count(*) FILTER (WHERE reason ~ '\" line [0-9]+: ') FROM rejects")"

out=$("$FA_BIN" --db "$conn" ingest zone --origin example "$dir/good-occulted-ns-by-ns.db" 2>&1)
expect "a good zone is the baseline afterwards" 1 "$(grep -c '(baseline): 0 events' <<< "$out")"

finish
