#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job on real input: a log assembled from the real domain and host
# command frames of the shared corpus (each with a success response) is
# ingested into PostgreSQL; the stored transactions, events, domains and
# hosts must be exactly what tests/system/corpus_oracle.py computes from
# the same frames on its own, with no rejects; ingesting the log again, and
# a copy of it under another identity, adds nothing.
#
# Environment (set by ctest and tests/run.sh): FA_BIN, FA_SOURCE_DIR,
# FA_CORPUS_DIR, FA_TEST_DB. Exits 77 (not run) without the corpus or the
# database.
set -uo pipefail

not_run() {
	echo "NOT RUN: $*"
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ -n "${FA_TEST_DB:-}" ] ||
	not_run "FA_TEST_DB is not set (tests/run.sh starts a private PostgreSQL and sets it)"
[ -n "${FA_CORPUS_DIR:-}" ] ||
	not_run "FA_CORPUS_DIR is not set"
for d in nomulus internetee-registry-ee; do
	[ -d "$FA_CORPUS_DIR/$d" ] ||
		not_run "the shared corpus is not at \"$FA_CORPUS_DIR\" (no $d/)"
done
[ -x "${FA_BIN:-}" ] || fail "FA_BIN \"${FA_BIN:-}\" is not an executable"
[ -n "${FA_SOURCE_DIR:-}" ] || fail "FA_SOURCE_DIR is not set"
command -v python3 >/dev/null || fail "python3 is missing (tests/run.sh installs it)"
command -v psql >/dev/null || fail "psql is missing"

oracle="$FA_SOURCE_DIR/tests/system/corpus_oracle.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/fa-corpus-ingest.XXXXXX") ||
	fail "could not create a work directory"
dbname="fa_corpus_ingest_$$"

# The same server as FA_TEST_DB, our own database on it.
case "$FA_TEST_DB" in
postgres://* | postgresql://*)
	case "$FA_TEST_DB" in
	*\?*) db="$FA_TEST_DB&dbname=$dbname" ;;
	*) db="$FA_TEST_DB?dbname=$dbname" ;;
	esac
	;;
*) db="$FA_TEST_DB dbname=$dbname" ;;
esac

cleanup() {
	psql "$FA_TEST_DB" -qX -v ON_ERROR_STOP=1 \
		-c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1 ||
		echo "warning: could not drop database $dbname" >&2
	rm -rf "$work"
}
trap cleanup EXIT

psql "$FA_TEST_DB" -qX -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname" ||
	fail "could not create database $dbname on the FA_TEST_DB server"

echo "== assembling the log from the corpus (every left-out file is listed)"
python3 "$oracle" assemble "$FA_CORPUS_DIR" "$work" ||
	fail "the oracle could not assemble the log"
log="$work/corpus.log"

status=0

# The reader alone first (no database), so that a difference below can be
# told to be the reader's or the store's.
echo "== parse epp (no database)"
"$FA_BIN" parse epp "$log" >"$work/parse.jsonl" || fail "parse epp failed"
python3 "$oracle" compare-parse "$work" "$work/parse.jsonl" || status=1

echo "== db migrate"
"$FA_BIN" --db "$db" db migrate || fail "db migrate failed"

echo "== ingest epp $log"
"$FA_BIN" --db "$db" ingest epp "$log" || fail "ingest epp failed"

q() {
	psql "$db" -qAtX -v ON_ERROR_STOP=1 -c "$1"
}

# Dump what is stored, one JSON object a line, in the oracle's terms.
dump() {
	local out=$1
	mkdir -p "$out"
	q "SELECT json_build_object('offset', source_offset, 'key', key,
		'time', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
		'registrar', registrar, 'command', command,
		'result_code', result_code)
	   FROM txns WHERE source = '$log' ORDER BY source_offset" \
		>"$out/txns.jsonl" || return 1
	q "SELECT count(*) FROM txns WHERE source <> '$log'" >"$out/txns-other" ||
		return 1
	q "SELECT json_build_object('offset', source_offset, 'kind', kind,
		'domain', domain, 'host', host, 'contact', contact, 'value', value)
	   FROM events ORDER BY source, source_offset, seq" \
		>"$out/events.jsonl" || return 1
	q "SELECT json_build_object('name', name, 'deleted', deleted,
		'registrar', registrar, 'registrant', registrant,
		'created', to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
		'ns', ns, 'statuses', statuses, 'ds', ds)
	   FROM domains ORDER BY name" >"$out/domains.jsonl" || return 1
	q "SELECT json_build_object('name', name, 'deleted', deleted,
		'registrar', registrar, 'addrs', addrs, 'statuses', statuses)
	   FROM hosts ORDER BY name" >"$out/hosts.jsonl" || return 1
	q "SELECT json_build_object('offset', source_offset, 'reason', reason,
		'source', source)
	   FROM rejects ORDER BY source_offset" >"$out/rejects.jsonl" || return 1
	q "SELECT (SELECT count(*) FROM events) || ' events, ' ||
		(SELECT count(*) FROM txns) || ' txns, ' ||
		(SELECT count(*) FROM rejects) || ' rejects, ' ||
		(SELECT count(*) FROM domains) || ' domains, ' ||
		(SELECT count(*) FROM hosts) || ' hosts'" >"$out/counts" || return 1
	# Arrays are kept sorted by the store (sql/001_core.sql); the oracle
	# sorts in code point order, so compare in that order too.
	q "SELECT count(*) FROM domains WHERE ns <> ARRAY(SELECT x FROM unnest(ns) x ORDER BY x COLLATE \"C\")
	       OR statuses <> ARRAY(SELECT x FROM unnest(statuses) x ORDER BY x COLLATE \"C\")" \
		>"$out/unsorted" || return 1
}

echo "== comparing the database with the oracle"
dump "$work/first" || fail "could not read the database"
python3 "$oracle" compare "$work" "$work/first" || status=1
[ "$(cat "$work/first/txns-other")" = 0 ] || {
	echo "MISMATCH: $(cat "$work/first/txns-other") transactions with a source other than $log"
	status=1
}
[ "$(cat "$work/first/unsorted")" = 0 ] || {
	echo "MISMATCH: $(cat "$work/first/unsorted") domains rows hold unsorted ns or statuses arrays"
	status=1
}
echo "stored: $(cat "$work/first/counts")"

# Once more: the checkpoint says the file is done.
echo "== ingest epp again (same file)"
"$FA_BIN" --db "$db" ingest epp "$log" || fail "the second ingest failed"
dump "$work/second" || fail "could not read the database"
for f in txns.jsonl events.jsonl domains.jsonl hosts.jsonl rejects.jsonl counts; do
	if ! cmp -s "$work/first/$f" "$work/second/$f"; then
		echo "MISMATCH: the second ingest of the same log changed $f:"
		diff "$work/first/$f" "$work/second/$f" | head -n 40
		status=1
	fi
done

# A copy with a different first 4096 bytes is a new input identity, so the
# reader goes through every record again: only the transaction keys keep
# it from adding anything.
echo "== ingest epp of a copy under another identity"
copy="$work/corpus-copy.log"
{
	printf '# a copy of corpus.log with another identity\n'
	cat "$log"
} >"$copy"
"$FA_BIN" --db "$db" ingest epp "$copy" || fail "the ingest of the copy failed"
dump "$work/third" || fail "could not read the database"
for f in events.jsonl domains.jsonl hosts.jsonl rejects.jsonl counts; do
	if ! cmp -s "$work/first/$f" "$work/third/$f"; then
		echo "MISMATCH: ingesting a copy of the log changed $f:"
		diff "$work/first/$f" "$work/third/$f" | head -n 40
		status=1
	fi
done

if [ "$status" -ne 0 ]; then
	echo "FAIL: the stored data differs from what the corpus frames say"
	exit 1
fi
echo "PASS: $(cat "$work/first/counts") exactly as the oracle computed"
