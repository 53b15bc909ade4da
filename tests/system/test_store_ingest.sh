#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit ingest epp: exact events and state from a small log, the same
# log again, an overlapping log, bad records in the middle, failed and
# lone commands, checkpoint resume, exit statuses.
set -uo pipefail
name=ingest
. "$FA_SOURCE_DIR/tests/data/store/lib.sh"

fa db migrate >/dev/null || exit 1
cp "$data/story.log" "$data/more.log" "$data/bad.log" "$work/"
cd "$work"

out=$(fa ingest epp story.log 2>&1); rc=$?
expect "first ingest of story.log" \
"story.log: 13 records read, 12 transactions new, 0 duplicates, 1 read-only not stored, 20 events written, 0 rejected, 0 incomplete at the end
total: 13 records read, 12 transactions new, 0 duplicates, 1 read-only not stored, 20 events written, 0 rejected, 0 incomplete at the end
rc=0" "$out
rc=$rc"

expect "event rows: kind, registrar, domain, host, contact, value, result" \
"2026-11-02 09:00:00|login|reg-a||||1000
2026-11-02 09:01:00|host.create|reg-a||ns1.shop.ee||1000
2026-11-02 09:01:00|host.addr_add|reg-a||ns1.shop.ee|192.0.2.53|1000
2026-11-02 09:01:00|host.addr_add|reg-a||ns1.shop.ee|2001:db8::53|1000
2026-11-02 09:01:30|contact.create|reg-a||||1000
2026-11-02 09:02:00|domain.create|reg-a|shop.ee|||1000
2026-11-02 09:02:00|domain.ns_add|reg-a|shop.ee|ns1.shop.ee||1000
2026-11-02 09:02:00|domain.ns_add|reg-a|shop.ee|ns2.other.net||1000
2026-11-03 10:00:00|domain.ns_rem|reg-a|shop.ee|ns2.other.net||1000
2026-11-03 10:00:00|domain.ns_add|reg-a|shop.ee|ns3.other.net||1000
2026-11-03 10:00:00|domain.status_add|reg-a|shop.ee||clientTransferProhibited|1000
2026-11-03 10:00:00|domain.ttl_set|reg-a|shop.ee||NS 300|1000
2026-11-03 10:05:00|host.addr_rem|reg-a||ns1.shop.ee|192.0.2.53|1000
2026-11-03 10:05:00|host.addr_add|reg-a||ns1.shop.ee|198.51.100.7|1000
2026-11-03 10:06:00|command.failed|reg-a|shop.ee||2201|2201
2026-11-04 08:00:00|domain.create|reg-a|other.ee|||1000
2026-11-04 08:00:00|domain.ns_add|reg-a|other.ee|ns1.shop.ee||1000
2026-11-05 12:00:00|domain.transfer_approve|reg-a|shop.ee||reg-b|1000
2026-11-05 12:30:00|host.rename|reg-a||ns1.shop.ee|ns0.shop.ee|1000
2026-11-06 07:00:00|domain.info|reg-a|other.ee|||1000" \
	"$(q "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), kind, registrar,
	      domain, host, value, result_code FROM events ORDER BY ts, txn_key, seq")"

expect "events carry their source position and session" \
	"story.log|2351|s-reg-a|192.0.2.10|sv:reg-a:SV-004|c-100" \
	"$(q "SELECT source, source_offset, session, src_addr, txn_key, contact FROM events
	      WHERE kind = 'domain.create' AND domain = 'shop.ee'")"

expect "domain state: registrar after transfer, NS after rename, statuses, TTL" \
"other.ee|reg-a|c-100|2026-11-04 08:00:00|{ns0.shop.ee,ns5.other.net}|{ok}|{}|f
shop.ee|reg-b|c-100|2026-11-02 09:02:00|{ns0.shop.ee,ns3.other.net}|{clientTransferProhibited}|{\"NS\": 300}|f" \
	"$(q "SELECT name, registrar, registrant, to_char(created AT TIME ZONE 'UTC',
	      'YYYY-MM-DD HH24:MI:SS'), ns, statuses, ttls, deleted FROM domains ORDER BY name")"

# ns1.shop.ee is subordinate to shop.ee: the transfer to reg-b moved it
# too (RFC 5731), before the rename.
expect "host state: renamed row, addresses, superordinate domain, moved by the transfer" \
	"ns0.shop.ee|reg-b|{198.51.100.7,2001:db8::53}|shop.ee|f" \
	"$(q "SELECT name, registrar, addrs, superordinate, deleted FROM hosts ORDER BY name")"

expect "contact and registrar rows" \
"c-100|reg-a|Alice Example|EE
reg-a|2026-11-02 09:00:00|2026-11-06 07:00:00" \
	"$(q "SELECT id, registrar, data->>'name', data->>'cc' FROM contacts")
$(q "SELECT clid, to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
     to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM registrars")"

# The failed command (2201) tried to add evil.example; the lone command
# (no response logged) tried to remove clientTransferProhibited.
expect "failed and lone commands: txn rows kept, no state change, no change events" \
"domain:update|2201|1
domain:update||0" \
	"$(q "SELECT t.command, t.result_code, (SELECT count(*) FROM events e WHERE e.txn_key = t.key)
	      FROM txns t WHERE t.ts BETWEEN '2026-11-03 10:06:00Z' AND '2026-11-03 10:07:00Z'
	      ORDER BY t.ts")"
# The domain:check at the end (07:01) is read-only: no row anywhere, not
# even the registrar's last_seen above.
expect "read-only transaction not stored" "0|0" \
	"$(q "SELECT (SELECT count(*) FROM txns WHERE command = 'domain:check'),
	      (SELECT count(*) FROM txns WHERE ts >= '2026-11-06 07:01:00Z')")"
expect "failed event detail" '{"msg": "Authorization error", "command": "domain:update"}' \
	"$(q "SELECT detail FROM events WHERE kind = 'command.failed'")"

expect "checkpoint at the end of story.log" \
	"story.log|$(stat -c %s story.log)" \
	"$(q "SELECT source, byte_offset FROM input_checkpoints")"

snapshot() {
	q "SELECT count(*) FROM events"
	q "SELECT count(*) FROM txns"
	q "SELECT name, registrar, ns, statuses, ttls, deleted, updated FROM domains ORDER BY name"
	q "SELECT name, addrs, superordinate, updated FROM hosts ORDER BY name"
}
before=$(snapshot)

out=$(fa ingest epp story.log 2>&1)
expect "second ingest resumes at the checkpoint and reads nothing" \
"story.log: resuming at offset 10826
story.log: 0 records read, 0 transactions new, 0 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end
total: 0 records read, 0 transactions new, 0 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end" "$out"

out=$(fa ingest epp --from-start --batch 5 story.log 2>&1)
expect "the same log from the start adds nothing (idempotent without checkpoints)" \
"story.log: 13 records read, 0 transactions new, 12 duplicates, 1 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end
total: 13 records read, 0 transactions new, 12 duplicates, 1 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end" "$out"
expect "database unchanged after ingesting the same log twice" "$before" "$(snapshot)"

# Overlap: a different file (other name, other first bytes) holding all of
# story.log and then more.log.
{ echo '# overlap copy'; cat story.log more.log; } >overlap.log
out=$(fa ingest epp --batch 4 overlap.log 2>&1)
expect "an overlapping log adds only its new transactions" \
"overlap.log: 16 records read, 3 transactions new, 12 duplicates, 1 read-only not stored, 3 events written, 0 rejected, 0 incomplete at the end
total: 16 records read, 3 transactions new, 12 duplicates, 1 read-only not stored, 3 events written, 0 rejected, 0 incomplete at the end" "$out"
expect "state after the overlap: delete, NS added by the new registrar, v6 glue" \
"other.ee|t|{ns0.shop.ee,ns5.other.net}
shop.ee|f|{ns0.shop.ee,ns3.other.net,ns4.other.net}
ns0.shop.ee|{198.51.100.7,2001:db8:0:1::7,2001:db8::53}" \
	"$(q "SELECT name, deleted, ns FROM domains ORDER BY name")
$(q "SELECT name, addrs FROM hosts ORDER BY name")"
expect "registrar first/last seen" \
"reg-a|2026-11-02 09:00:00|2026-11-07 09:06:00
reg-b|2026-11-07 09:05:00|2026-11-07 09:05:00" \
	"$(q "SELECT clid, to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
	      to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM registrars ORDER BY 1")"

# Resume: a log that grows keeps its identity (same first 4096 bytes).
cp story.log grow.log
fa ingest epp --from-start grow.log >/dev/null 2>&1
cat more.log >>grow.log
out=$(fa ingest epp grow.log 2>&1)
expect "a grown log resumes at its checkpoint" \
"grow.log: resuming at offset 10826
grow.log: 3 records read, 0 transactions new, 3 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end
total: 3 records read, 0 transactions new, 3 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end" "$out"
expect "checkpoint moved to the new end" "grow.log|$(stat -c %s grow.log)" \
	"$(q "SELECT source, byte_offset FROM input_checkpoints WHERE source = 'grow.log'")"

out=$(fa ingest epp bad.log 2>&1); rc=$?
expect "bad records are reported, the good ones around them kept, exit 0" \
'bad.log: offset 656: invalid XML in command frame: line 1, column 221: Opening and ending tag mismatch: create line 1 and crate
bad.log: offset 1925: invalid record header: time "yesterday" is not RFC 3339
bad.log: 5 records read, 3 transactions new, 0 duplicates, 0 read-only not stored, 6 events written, 2 rejected, 0 incomplete at the end
total: 5 records read, 3 transactions new, 0 duplicates, 0 read-only not stored, 6 events written, 2 rejected, 0 incomplete at the end
rc=0' "$out
rc=$rc"
expect "hosts of the good records in bad.log" \
"ns1.good.ee|{203.0.113.1}
ns3.good.ee|{203.0.113.3}
ns4.good.ee|{203.0.113.4}" "$(q "SELECT name, addrs FROM hosts WHERE name LIKE '%good.ee' ORDER BY name")"
expect "rejects stored with source, offset and reason" \
'bad.log|656|invalid XML in command frame: line 1, column 221: Opening and ending tag mismatch: create line 1 and crate
bad.log|1925|invalid record header: time "yesterday" is not RFC 3339' \
	"$(q "SELECT source, source_offset, reason FROM rejects ORDER BY source_offset")"
fa ingest epp --from-start bad.log >/dev/null 2>&1
expect "rejects are not stored twice" "2" "$(q "SELECT count(*) FROM rejects")"

out=$(fa ingest epp no-such.log story.log 2>&1); rc=$?
expect "an unreadable file is reported, the others still read, exit 1" \
'fluxaudit: could not open "no-such.log": No such file or directory|rc=1' \
	"$(echo "$out" | head -n 1)|rc=$rc"
# story.log shares its first 4096 bytes (its identity) with grow.log,
# whose checkpoint lies beyond the end of story.log: read from the start.
expect "the readable file was still read" \
"fluxaudit: \"story.log\" is shorter than its checkpoint (12851 bytes), reading it from the start
story.log: 13 records read, 0 transactions new, 12 duplicates, 1 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end" \
	"$(echo "$out" | sed -n '2,3p')"

# A transfer moves the stored hosts subordinate to the domain, also when
# they are not in the transfer's batch (--batch 1): not a host of another
# domain, nor a deleted one. A fresh database, so that story.log's rows
# do not mix in.
xdb="${db}_x"
psql_admin -c "DROP DATABASE IF EXISTS $xdb" >/dev/null 2>&1
psql_admin -c "CREATE DATABASE $xdb"
trap 'cleanup; psql_admin -c "DROP DATABASE IF EXISTS $xdb" >/dev/null 2>&1' EXIT
EPP='<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
XD='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
XH='xmlns:host="urn:ietf:params:xml:ns:host-1.0"'
xn=0
xrec() {	# xrec TIME CLID COMMAND-INNER [RESDATA]
	xn=$((xn + 1))
	local rd="" c r
	[ -n "${4:-}" ] && rd="<resData>$4</resData>"
	c=$(printf '%s<command>%s<clTRID>x-%d</clTRID></command></epp>' "$EPP" "$3" "$xn")
	r=$(printf '%s<response><result code="1000"><msg>ok</msg></result>%s<trID><clTRID>x-%d</clTRID><svTRID>XS-%d</svTRID></trID></response></epp>' \
		"$EPP" "$rd" "$xn" "$xn")
	printf 'EPPTX time=%s clid=%s addr=192.0.2.10 session=s-%s cmd=%d rsp=%d\n%s%s' \
		"$1" "$2" "$2" "${#c}" "${#r}" "$c" "$r"
}
xdom() { echo "<create><domain:create $XD><domain:name>$1</domain:name><domain:registrant>c-1</domain:registrant><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>"; }
xhost() { echo "<create><host:create $XH><host:name>$1</host:name><host:addr ip=\"v4\">192.0.2.$2</host:addr></host:create></create>"; }
{
	echo '#fluxaudit-epp-log v1'
	xrec 2026-11-01T00:00:00Z reg-a "$(xdom sub.ee)"
	xrec 2026-11-01T00:00:00Z reg-a "$(xdom near.ee)"
	xrec 2026-11-01T00:01:00Z reg-a "$(xhost ns1.sub.ee 1)"
	xrec 2026-11-01T00:02:00Z reg-a "$(xhost ns2.sub.ee 2)"
	xrec 2026-11-01T00:03:00Z reg-a "$(xhost ns1.near.ee 3)"
	xrec 2026-11-01T00:04:00Z reg-a "<delete><host:delete $XH><host:name>ns2.sub.ee</host:name></host:delete></delete>"
	xrec 2026-11-02T00:00:00Z reg-a "<transfer op=\"approve\"><domain:transfer $XD><domain:name>sub.ee</domain:name></domain:transfer></transfer>" \
		"<domain:trnData $XD><domain:name>sub.ee</domain:name><domain:trStatus>clientApproved</domain:trStatus><domain:reID>reg-b</domain:reID><domain:reDate>2026-11-01T12:00:00Z</domain:reDate><domain:acID>reg-a</domain:acID><domain:acDate>2026-11-02T00:00:00Z</domain:acDate></domain:trnData>"
} >xfer.log
main_db=$DB
DB=$(conn_for "$xdb")
fa db migrate >/dev/null || expect "migrate the transfer database" ok failed
fa ingest epp --batch 1 xfer.log >/dev/null 2>&1 ||
	expect "ingest xfer.log" ok failed
expect "a transfer moves the subordinate hosts, not a deleted one nor another domain's" \
"sub.ee|reg-b
ns1.near.ee|reg-a|near.ee|f|2026-11-01 00:03:00
ns1.sub.ee|reg-b|sub.ee|f|2026-11-02 00:00:00
ns2.sub.ee|reg-a|sub.ee|t|2026-11-01 00:04:00" \
	"$(q "SELECT name, registrar FROM domains WHERE name = 'sub.ee'")
$(q "SELECT name, registrar, superordinate, deleted,
	to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM hosts ORDER BY name")"
DB=$main_db

"$FA_BIN" --db "host=$work/none dbname=x" ingest epp story.log >/dev/null 2>&1; rc=$?
expect "unreachable database exits 1" "1" "$rc"
fa ingest epp >/dev/null 2>&1; rc=$?
expect "no files is a usage error" "2" "$rc"
fa ingest epp --batch 0 story.log >/dev/null 2>&1; rc=$?
expect "batch 0 is a usage error" "2" "$rc"
finish
