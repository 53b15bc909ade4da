#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A record with an absurd time (1970, 9999: the tester's time-1970.log and
# time-9999.log) is refused by the reader with its reason; the ingest
# succeeds and stores the good records around it.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

tmp=$(mktemp -d /tmp/fa-epp-time-XXXXXX)
make_db fa_test_epp_time_$$
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

rec() { # name svtrid time
	local cmd rsp
	local epp='<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
	local dom='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
	cmd="$epp<command><update><domain:update $dom><domain:name>$1</domain:name>"
	cmd+='<domain:add><domain:ns><domain:hostObj>ns1.example.net</domain:hostObj>'
	cmd+='</domain:ns></domain:add></domain:update></update><clTRID>C</clTRID>'
	cmd+='</command></epp>'
	rsp="$epp<response><result code=\"1000\"><msg>ok</msg></result>"
	rsp+="<trID><svTRID>$2</svTRID></trID></response></epp>"
	printf 'EPPTX time=%s clid=reg-time cmd=%d rsp=%d\n%s%s\n' "$3" "${#cmd}" \
		"${#rsp}" "$cmd" "$rsp"
}

for bad in 1970-01-01T00:00:00Z 9999-12-31T23:59:59Z; do
	log=$tmp/time-${bad%%-*}.log
	{
		rec a-${bad%%-*}.example A${bad%%-*} 2026-11-02T09:00:00Z
		rec old-${bad%%-*}.example O${bad%%-*} "$bad"
		rec b-${bad%%-*}.example B${bad%%-*} 2026-11-02T09:00:01Z
	} > "$log"
	set +e
	out=$("$FA_BIN" --db "$conn" ingest epp "$log" 2>&1)
	rc=$?
	set -e
	expect "$bad: ingest succeeds" 0 "$rc"
	expect "$bad: summary" \
		"$log: 3 records read, 2 transactions new, 0 duplicates, 0 read-only not stored, 2 events written, 1 rejected, 0 incomplete at the end" \
		"$(printf '%s\n' "$out" | grep -F "$log: 3")"
	expect "$bad: the reject names the time and the range" \
		"invalid record header: time \"$bad\" is outside the accepted range 1997-01-01T00:00:00Z to" \
		"$(q "SELECT substring(reason from '^.* to') FROM rejects WHERE source LIKE '%${bad%%-*}.log'")"
	expect "$bad: the good records are stored" \
		"a-${bad%%-*}.example|2026-11-02 09:00:00+00
b-${bad%%-*}.example|2026-11-02 09:00:01+00" \
		"$(q "SELECT domain, ts FROM events WHERE domain LIKE '%-${bad%%-*}.example' ORDER BY domain")"
done

finish
