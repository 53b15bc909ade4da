#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job on real input: a log assembled from the real domain and host
# command frames of the shared corpus (each with a success response) is
# ingested into PostgreSQL; the stored transactions, events, domains and
# hosts must be exactly what tests/system/corpus_oracle.py computes from
# the same frames on its own, with no rejects; ingesting the log again, and
# a copy of it under another identity, adds nothing. Then the same log is
# ingested as it grows (cut after every 8 records, ingested after each
# cut, resuming at the checkpoint), and the domains and hosts must match
# the oracle's state at every cut, which also catches a wrong step that a
# later command would hide. Last, the same transactions as raw RFC 5734
# session captures must give the same events and state.
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
dbnames=("fa_corpus_ingest_$$" "fa_corpus_grow_$$" "fa_corpus_raw_$$")

# Our own databases on the FA_TEST_DB server.
conninfo() {
	case "$FA_TEST_DB" in
	postgres://*\?* | postgresql://*\?*) echo "$FA_TEST_DB&dbname=$1" ;;
	postgres://* | postgresql://*) echo "$FA_TEST_DB?dbname=$1" ;;
	*) echo "$FA_TEST_DB dbname=$1" ;;
	esac
}

cleanup() {
	for n in "${dbnames[@]}"; do
		psql "$FA_TEST_DB" -qX -v ON_ERROR_STOP=1 \
			-c "DROP DATABASE IF EXISTS $n" >/dev/null 2>&1 ||
			echo "warning: could not drop database $n" >&2
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

for n in "${dbnames[@]}"; do
	PGOPTIONS="-c client_min_messages=warning" psql "$FA_TEST_DB" -qX \
		-v ON_ERROR_STOP=1 \
		-c "DROP DATABASE IF EXISTS $n" -c "CREATE DATABASE $n" ||
		fail "could not create database $n on the FA_TEST_DB server"
done
db=$(conninfo "${dbnames[0]}")
growdb=$(conninfo "${dbnames[1]}")
rawdb=$(conninfo "${dbnames[2]}")

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
	psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"
}

utc="'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"

# Current state, one JSON object a line, in the oracle's terms (one psql
# run: the growing-log check calls this after every cut).
dump_state() {
	local conn=$1 out=$2
	mkdir -p "$out"
	psql "$conn" -qAtX -v ON_ERROR_STOP=1 \
		-c "\\o $out/domains.jsonl" \
		-c "SELECT json_build_object('name', name, 'deleted', deleted,
			'registrar', registrar, 'registrant', registrant,
			'created', to_char(created AT TIME ZONE 'UTC', $utc),
			'ns', ns, 'statuses', statuses, 'ds', ds)
		    FROM domains ORDER BY name" \
		-c "\\o $out/hosts.jsonl" \
		-c "SELECT json_build_object('name', name, 'deleted', deleted,
			'registrar', registrar, 'superordinate', superordinate,
			'addrs', addrs, 'statuses', statuses)
		    FROM hosts ORDER BY name"
}

# Everything the comparison needs.
dump() {
	local conn=$1 out=$2
	dump_state "$conn" "$out" || return 1
	q "$conn" "SELECT json_build_object('offset', source_offset, 'key', key,
		'time', to_char(ts AT TIME ZONE 'UTC', $utc),
		'registrar', registrar, 'command', command,
		'result_code', result_code)
	   FROM txns WHERE source = '$log' ORDER BY source_offset" \
		>"$out/txns.jsonl" || return 1
	q "$conn" "SELECT count(*) FROM txns WHERE source <> '$log'" \
		>"$out/txns-other" || return 1
	q "$conn" "SELECT json_build_object('offset', source_offset,
		'time', to_char(ts AT TIME ZONE 'UTC', $utc),
		'registrar', registrar, 'kind', kind,
		'domain', domain, 'host', host, 'contact', contact, 'value', value)
	   FROM events ORDER BY source, source_offset, seq" \
		>"$out/events.jsonl" || return 1
	q "$conn" "SELECT json_build_object('offset', source_offset,
		'reason', reason, 'source', source)
	   FROM rejects ORDER BY source_offset" >"$out/rejects.jsonl" || return 1
	q "$conn" "SELECT (SELECT count(*) FROM events) || ' events, ' ||
		(SELECT count(*) FROM txns) || ' txns, ' ||
		(SELECT count(*) FROM rejects) || ' rejects, ' ||
		(SELECT count(*) FROM domains) || ' domains, ' ||
		(SELECT count(*) FROM hosts) || ' hosts'" >"$out/counts" || return 1
	# The store keeps arrays sorted (sql/001_core.sql) so that equal sets
	# compare equal in SQL; the oracle compares sorted lists.
	q "$conn" "SELECT count(*) FROM domains
	   WHERE ns <> ARRAY(SELECT x FROM unnest(ns) x ORDER BY x COLLATE \"C\")
	      OR statuses <> ARRAY(SELECT x FROM unnest(statuses) x ORDER BY x COLLATE \"C\")
	      OR ds <> ARRAY(SELECT x FROM unnest(ds) x ORDER BY x COLLATE \"C\")" \
		>"$out/unsorted" || return 1
}

echo "== comparing the database with the oracle"
dump "$db" "$work/first" || fail "could not read the database"
python3 "$oracle" compare "$work" "$work/first" || status=1
[ "$(cat "$work/first/txns-other")" = 0 ] || {
	echo "MISMATCH: $(cat "$work/first/txns-other") transactions with a source other than $log"
	status=1
}
[ "$(cat "$work/first/unsorted")" = 0 ] || {
	echo "MISMATCH: $(cat "$work/first/unsorted") domains rows hold unsorted ns, statuses or ds arrays"
	status=1
}
echo "stored: $(cat "$work/first/counts")"

# The analyst's view of the same data.
echo "== fluxaudit events --domain/--host NAME"
mkdir -p "$work/cli"
while read -r what name; do
	"$FA_BIN" --db "$db" events --"$what" "$name" --format json \
		>"$work/cli/$what-$name.jsonl" ||
		fail "fluxaudit events --$what $name failed"
done <"$work/cli-queries.txt"
python3 "$oracle" compare-cli "$work" "$work/cli" || status=1

# Once more: the checkpoint says the file is done.
echo "== ingest epp again (same file)"
"$FA_BIN" --db "$db" ingest epp "$log" || fail "the second ingest failed"
dump "$db" "$work/second" || fail "could not read the database"
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
dump "$db" "$work/third" || fail "could not read the database"
for f in txns.jsonl events.jsonl domains.jsonl hosts.jsonl rejects.jsonl counts; do
	if ! cmp -s "$work/first/$f" "$work/third/$f"; then
		echo "MISMATCH: ingesting a copy of the log changed $f:"
		diff "$work/first/$f" "$work/third/$f" | head -n 40
		status=1
	fi
done

# The log as a registry writes it: it grows, and each run of the ingest
# resumes where the previous one stopped. The file is cut at record
# boundaries only.
echo "== ingest epp of the growing log, state compared at every cut"
"$FA_BIN" --db "$growdb" db migrate >/dev/null || fail "db migrate failed"
grow="$work/growing.log"
: >"$grow"
cuts=0
prev=0
while read -r k end nrec; do
	head -c "$end" "$log" | tail -c +"$((prev + 1))" >>"$grow" ||
		fail "could not append to $grow"
	prev=$end
	"$FA_BIN" --db "$growdb" ingest epp "$grow" >"$work/grow-ingest.out" 2>&1 || {
		cat "$work/grow-ingest.out"
		fail "ingest epp of the log cut after $nrec records failed"
	}
	dump_state "$growdb" "$work/grow/$k" || fail "could not read the database"
	cuts=$((cuts + 1))
done <"$work/snapshots.txt"
python3 "$oracle" compare-states "$work" "$work/grow" || status=1
nrej=$(q "$growdb" "SELECT count(*) FROM rejects") || fail "could not read the database"
[ "$nrej" = 0 ] || {
	echo "MISMATCH: the growing log left $nrej rejects:"
	q "$growdb" "SELECT source_offset || ': ' || reason FROM rejects ORDER BY 1"
	status=1
}
nev=$(q "$growdb" "SELECT count(*) FROM events") || fail "could not read the database"
nev1=$(q "$db" "SELECT count(*) FROM events") || fail "could not read the database"
[ "$nev" = "$nev1" ] || {
	echo "MISMATCH: the growing log gave $nev events, the whole log $nev1"
	status=1
}

# The same transactions as raw RFC 5734 captures of two sessions (one per
# registrar, greeting, login, the commands with their responses, logout):
# the same keys, events and state, plus the logins and logouts. Then the
# envelope log on top adds nothing: its transactions are the same ones.
echo "== ingest epp of the same transactions as raw RFC 5734 captures"
"$FA_BIN" --db "$rawdb" db migrate >/dev/null || fail "db migrate failed"
mapfile -t raws <"$work/raw-files.txt"
"$FA_BIN" --db "$rawdb" ingest epp --time 2026-11-02T00:00:00Z "${raws[@]}" ||
	fail "ingest epp of the RFC 5734 captures failed"
dump_state "$rawdb" "$work/raw" || fail "could not read the database"
q "$rawdb" "SELECT json_build_object('key', key, 'registrar', registrar,
	'command', command, 'result_code', result_code) FROM txns ORDER BY key" \
	>"$work/raw/txns.jsonl" || fail "could not read the database"
q "$rawdb" "SELECT json_build_object('registrar', registrar, 'kind', kind,
	'domain', domain, 'host', host, 'contact', contact, 'value', value)
   FROM events ORDER BY source, source_offset, seq" \
	>"$work/raw/events.jsonl" || fail "could not read the database"
q "$rawdb" "SELECT json_build_object('offset', source_offset, 'reason', reason)
   FROM rejects ORDER BY source_offset" >"$work/raw/rejects.jsonl" ||
	fail "could not read the database"
python3 "$oracle" compare-raw "$work" "$work/raw" || status=1
before=$(q "$rawdb" "SELECT count(*) || ' txns, ' || (SELECT count(*) FROM events) || ' events' FROM txns")
"$FA_BIN" --db "$rawdb" ingest epp "$log" || fail "ingest epp of the log after the captures failed"
after=$(q "$rawdb" "SELECT count(*) || ' txns, ' || (SELECT count(*) FROM events) || ' events' FROM txns")
if [ "$before" = "$after" ]; then
	echo "ok: the envelope log after the captures added nothing ($after)"
else
	echo "MISMATCH: the envelope log after the captures changed $before into $after"
	status=1
fi

if [ "$status" -ne 0 ]; then
	echo "FAIL: the stored data differs from what the corpus frames say"
	exit 1
fi
echo "PASS: $(cat "$work/first/counts") exactly as the oracle computed; growing log: $cuts cuts match"
