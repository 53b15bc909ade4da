#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit import registry: every column, every kind of malformed row,
# the exact state and reject rows afterwards, a second import changing
# nothing, the --as-of guard against a row an EPP ingest changed later, a
# refused header, exit statuses.
set -uo pipefail
name=import
. "$FA_SOURCE_DIR/tests/data/store/lib.sh"

fa db migrate >/dev/null || exit 1
cd "$work"

# Byte offset of line $2 of file $1, counted independently of the reader.
off() {
	head -n "$(($2 - 1))" "$1" | wc -c
}

# ---- what was stored before the import: a first export, then EPP ----

cat >base.csv <<'EOF'
type,name,registrar,registrant,created,ns,statuses,addrs
domain,old.ee,reg-c,c-9,2019-01-01,ns1.old.ee,ok,
domain,epp.ee,reg-a,c-1,2018-01-01,ns1.example.net,ok,
domain,changed.ee,reg-a,c-1,2018-01-01,ns1.example.net,ok,
EOF
out=$(fa import registry --as-of 2026-11-01T00:00:00Z base.csv 2>&1); rc=$?
expect "first import of base.csv" \
"base.csv: 3 rows read (as of 2026-11-01T00:00:00Z), domains: 3 new, 0 changed, 0 unchanged; hosts: 0 new, 0 changed, 0 unchanged; 0 kept (newer); 0 rejected (0 duplicates, 0 not stored before)
rc=0" "$out
rc=$rc"

# EPP adds a name server to epp.ee on 2026-11-20, after the main export.
cmd='<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><update><domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>epp.ee</domain:name><domain:add><domain:ns><domain:hostObj>ns9.example.net</domain:hostObj></domain:ns></domain:add></domain:update></update><clTRID>cl-1</clTRID></command></epp>'
rsp='<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>Command completed successfully</msg></result><trID><clTRID>cl-1</clTRID><svTRID>SV-1</svTRID></trID></response></epp>'
printf 'EPPTX time=2026-11-20T12:00:00Z clid=reg-a session=s-1 cmd=%d rsp=%d\n%s%s\n' \
	"${#cmd}" "${#rsp}" "$cmd" "$rsp" >later.log
out=$(fa ingest epp later.log 2>&1 | tail -n 1)
expect "EPP ingest of the later change" \
	"total: 1 records read, 1 transactions new, 0 duplicates, 0 read-only not stored, 1 events written, 0 rejected, 0 incomplete at the end" \
	"$out"

# ---- the export: one row per line, the line numbers are in the reasons ----

many="ns1.a.ee ns2.a.ee ns3.a.ee ns4.a.ee ns5.a.ee ns6.a.ee ns7.a.ee ns8.a.ee ns9.a.ee ns10.a.ee ns11.a.ee ns12.a.ee ns13.a.ee ns14.a.ee"
{
	printf 'type,name,registrar,registrant,created,ns,statuses,addrs\n'
	# 2: every domain column; names normalized, NS sorted without duplicates
	printf 'domain,Shop.EE.,reg-a,c-100,2020-01-02T03:04:05Z,NS2.other.net ns1.shop.ee ns1.shop.ee,clientTransferProhibited clientDeleteProhibited,\n'
	# 3: quoted fields, doubled quotes absent, empty registrant, bare date
	printf '"domain","quoted.ee","reg-b","","2021-05-05","ns1.shop.ee","ok",""\n'
	# 4: CRLF line end, a time with an offset
	printf 'domain,crlf.ee,reg-b,c-7,2022-02-02T01:00:00+02:00,ns1.example.net,ok,\r\n'
	# 5: in-zone host: superordinate shop.ee from this file
	printf 'host,ns1.shop.ee,reg-a,,,,linked ok,2001:DB8:0:0::53 192.0.2.53\n'
	# 6: superordinate old.ee, stored before and not in this file
	printf 'host,ns1.old.ee,reg-c,,,,ok,198.51.100.9\n'
	# 7: out-of-zone host: no superordinate; no statuses
	printf 'host,ns1.example.net,reg-a,,,,,203.0.113.1\n'
	# 8: an empty line is skipped
	printf '\n'
	printf 'domain,bad_name.ee,reg-a,,2020-01-01,,ok,\n'			# 9
	printf 'host,ns2.shop.ee,reg-a,,,,ok,300.1.1.1\n'			# 10
	printf 'host,ns3.shop.ee,reg-a,,,,ok,192.0.2.3 127.0.0.1\n'		# 11
	printf 'host,ns4.shop.ee,reg-a,,,,ok,fe80::1\n'				# 12
	printf 'domain,baddate.ee,reg-a,,2020-13-01,,ok,\n'			# 13
	printf 'domain,future.ee,reg-a,,2026-11-16T00:00:00Z,,ok,\n'		# 14
	printf 'domain,badstatus.ee,reg-a,,2020-01-01,,ok linked,\n'		# 15
	printf 'domain,manyns.ee,reg-a,,2020-01-01,%s,ok,\n' "$many"		# 16
	printf 'domain,short.ee,reg-a,,2020-01-01,ok\n'				# 17
	printf 'domain,"unterminated.ee,reg-a,,2020-01-01,,ok,\n'		# 18
	printf 'host,ns5.shop.ee,reg-a,,2020-01-01,,ok,192.0.2.5\n'		# 19
	printf 'domain,addrs.ee,reg-a,,2020-01-01,,ok,192.0.2.9\n'		# 20
	printf 'domain,shop.ee,reg-z,,2020-01-01,,ok,\n'			# 21
	printf 'domain,badreg.ee,r,,2020-01-01,,ok,\n'				# 22
	printf 'domain,nodate.ee,reg-a,,,,ok,\n'				# 23
	printf 'domain,"x"".ee",reg-a,,2020-01-01,,ok,\n'			# 24
	printf 'type,name,registrar,registrant,created,ns,statuses,addrs\n'	# 25
	# 26: a host named like a domain is no duplicate of it
	printf 'host,shop.ee,reg-a,,,,ok,192.0.2.77\n'
	# 27: changed since base.csv; 28: changed by EPP after the export
	printf 'domain,changed.ee,reg-b,c-2,2018-01-01,ns1.example.net,ok,\n'
	printf 'domain,epp.ee,reg-b,c-1,2018-01-01,ns1.example.net,ok,\n'
	# 29: equal to what is stored
	printf 'domain,old.ee,reg-c,c-9,2019-01-01,ns1.old.ee,ok,\n'
	printf 'host,NS1.shop.ee,reg-a,,,,ok,192.0.2.1\n'			# 30
	# 31: a line over the limit, then a good last row without line end
	printf 'domain,long.ee,reg-a,,2020-01-01,,ok,'
	head -c 70000 /dev/zero | tr '\0' 'x'
	printf '\n'
	printf 'domain,last.ee,reg-a,,2020-01-01,,ok,'				# 32
} >registry.csv

out=$(fa import registry --as-of 2026-11-15T00:00:00Z registry.csv 2>&1); rc=$?
expect "import: each refused row named on stderr, the summary, exit 0" \
"registry.csv:9: invalid name \"bad_name.ee\": character not allowed in a host name (letters, digits and hyphens only) in \"name\"
registry.csv:10: invalid address \"300.1.1.1\": not an IPv4 or IPv6 address in \"addrs\"
registry.csv:11: invalid glue address \"127.0.0.1\" in \"addrs\": loopback address (127.0.0.0/8)
registry.csv:12: invalid glue address \"fe80::1\" in \"addrs\": link-local address (fe80::/10)
registry.csv:13: invalid created date \"2020-13-01\": expected RFC 3339
registry.csv:14: invalid created date \"2026-11-16T00:00:00Z\": after the export time 2026-11-15T00:00:00Z
registry.csv:15: invalid domain status \"linked\": not a status of RFC 5731
registry.csv:16: too many name servers (14, at most 13)
registry.csv:17: expected 8 fields, found 6
registry.csv:18: unterminated quoted field
registry.csv:19: field \"created\" must be empty for a host
registry.csv:20: field \"addrs\" must be empty for a domain
registry.csv:22: invalid registrar \"r\": not 3 to 16 characters (RFC 5730 clIDType)
registry.csv:23: missing created date
registry.csv:24: invalid name \"x?.ee\": character not allowed in a host name (letters, digits and hyphens only) in \"name\"
registry.csv:25: invalid type \"type\": expected domain or host
registry.csv:31: line longer than 65536 bytes
registry.csv:21: duplicate of line 2
registry.csv:30: duplicate of line 5
registry.csv: 30 rows read (as of 2026-11-15T00:00:00Z), domains: 4 new, 1 changed, 1 unchanged; hosts: 4 new, 0 changed, 0 unchanged; 1 kept (newer); 19 rejected (2 duplicates, 19 not stored before)
rc=0" "$out
rc=$rc"

t="to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
domains() {
	q "SELECT name, registrar, registrant, $(printf "$t" created), ns, statuses, ds,
	   deleted, $(printf "$t" updated) FROM domains ORDER BY name"
}
hosts() {
	q "SELECT name, registrar, addrs, statuses, superordinate, deleted,
	   $(printf "$t" updated) FROM hosts ORDER BY name"
}
expect "domains: new, changed, unchanged (old updated time), kept newer (EPP's NS)" \
"changed.ee|reg-b|c-2|2018-01-01 00:00:00|{ns1.example.net}|{ok}|{}|f|2026-11-15 00:00:00
crlf.ee|reg-b|c-7|2022-02-01 23:00:00|{ns1.example.net}|{ok}|{}|f|2026-11-15 00:00:00
epp.ee|reg-a|c-1|2018-01-01 00:00:00|{ns1.example.net,ns9.example.net}|{ok}|{}|f|2026-11-20 12:00:00
last.ee|reg-a||2020-01-01 00:00:00|{}|{ok}|{}|f|2026-11-15 00:00:00
old.ee|reg-c|c-9|2019-01-01 00:00:00|{ns1.old.ee}|{ok}|{}|f|2026-11-01 00:00:00
quoted.ee|reg-b||2021-05-05 00:00:00|{ns1.shop.ee}|{ok}|{}|f|2026-11-15 00:00:00
shop.ee|reg-a|c-100|2020-01-02 03:04:05|{ns1.shop.ee,ns2.other.net}|{clientDeleteProhibited,clientTransferProhibited}|{}|f|2026-11-15 00:00:00" \
	"$(domains)"
expect "hosts: sorted addresses, superordinate from the file, from the table, none" \
"ns1.example.net|reg-a|{203.0.113.1}|{}||f|2026-11-15 00:00:00
ns1.old.ee|reg-c|{198.51.100.9}|{ok}|old.ee|f|2026-11-15 00:00:00
ns1.shop.ee|reg-a|{192.0.2.53,2001:db8::53}|{linked,ok}|shop.ee|f|2026-11-15 00:00:00
shop.ee|reg-a|{192.0.2.77}|{ok}|shop.ee|f|2026-11-15 00:00:00" \
	"$(hosts)"

id="import:sha256:$(sha256sum registry.csv | cut -d' ' -f1)"
f=registry.csv
long="domain,long.ee,reg-a,,2020-01-01,,ok,$(head -c 475 /dev/zero | tr '\0' 'x')"
expect "reject rows: file, identity, offset, reason with its line, excerpt" \
"registry.csv|$id|$(off $f 9)|line 9: invalid name \"bad_name.ee\": character not allowed in a host name (letters, digits and hyphens only) in \"name\"|domain,bad_name.ee,reg-a,,2020-01-01,,ok,
registry.csv|$id|$(off $f 10)|line 10: invalid address \"300.1.1.1\": not an IPv4 or IPv6 address in \"addrs\"|host,ns2.shop.ee,reg-a,,,,ok,300.1.1.1
registry.csv|$id|$(off $f 11)|line 11: invalid glue address \"127.0.0.1\" in \"addrs\": loopback address (127.0.0.0/8)|host,ns3.shop.ee,reg-a,,,,ok,192.0.2.3 127.0.0.1
registry.csv|$id|$(off $f 12)|line 12: invalid glue address \"fe80::1\" in \"addrs\": link-local address (fe80::/10)|host,ns4.shop.ee,reg-a,,,,ok,fe80::1
registry.csv|$id|$(off $f 13)|line 13: invalid created date \"2020-13-01\": expected RFC 3339|domain,baddate.ee,reg-a,,2020-13-01,,ok,
registry.csv|$id|$(off $f 14)|line 14: invalid created date \"2026-11-16T00:00:00Z\": after the export time 2026-11-15T00:00:00Z|domain,future.ee,reg-a,,2026-11-16T00:00:00Z,,ok,
registry.csv|$id|$(off $f 15)|line 15: invalid domain status \"linked\": not a status of RFC 5731|domain,badstatus.ee,reg-a,,2020-01-01,,ok linked,
registry.csv|$id|$(off $f 16)|line 16: too many name servers (14, at most 13)|domain,manyns.ee,reg-a,,2020-01-01,$many,ok,
registry.csv|$id|$(off $f 17)|line 17: expected 8 fields, found 6|domain,short.ee,reg-a,,2020-01-01,ok
registry.csv|$id|$(off $f 18)|line 18: unterminated quoted field|domain,\"unterminated.ee,reg-a,,2020-01-01,,ok,
registry.csv|$id|$(off $f 19)|line 19: field \"created\" must be empty for a host|host,ns5.shop.ee,reg-a,,2020-01-01,,ok,192.0.2.5
registry.csv|$id|$(off $f 20)|line 20: field \"addrs\" must be empty for a domain|domain,addrs.ee,reg-a,,2020-01-01,,ok,192.0.2.9
registry.csv|$id|$(off $f 21)|line 21: duplicate of line 2|domain,shop.ee,reg-z,,2020-01-01,,ok,
registry.csv|$id|$(off $f 22)|line 22: invalid registrar \"r\": not 3 to 16 characters (RFC 5730 clIDType)|domain,badreg.ee,r,,2020-01-01,,ok,
registry.csv|$id|$(off $f 23)|line 23: missing created date|domain,nodate.ee,reg-a,,,,ok,
registry.csv|$id|$(off $f 24)|line 24: invalid name \"x?.ee\": character not allowed in a host name (letters, digits and hyphens only) in \"name\"|domain,\"x\"\".ee\",reg-a,,2020-01-01,,ok,
registry.csv|$id|$(off $f 25)|line 25: invalid type \"type\": expected domain or host|type,name,registrar,registrant,created,ns,statuses,addrs
registry.csv|$id|$(off $f 30)|line 30: duplicate of line 5|host,NS1.shop.ee,reg-a,,,,ok,192.0.2.1
registry.csv|$id|$(off $f 31)|line 31: line longer than 65536 bytes|$long" \
	"$(q "SELECT source, source_identity, source_offset, reason, excerpt FROM rejects
	      ORDER BY source_offset")"

# ---- the same file again: nothing changes, no reject is stored twice ----

snapshot() {
	domains
	hosts
	q "SELECT id, source_offset, created_at FROM rejects ORDER BY id"
}
before=$(snapshot)
out=$(fa import registry --as-of 2026-11-15T00:00:00Z registry.csv 2>&1 | tail -n 1)
expect "second import of the same file: all unchanged, no new reject" \
"registry.csv: 30 rows read (as of 2026-11-15T00:00:00Z), domains: 0 new, 0 changed, 6 unchanged; hosts: 0 new, 0 changed, 4 unchanged; 1 kept (newer); 19 rejected (2 duplicates, 0 not stored before)" \
	"$out"
expect "database unchanged by the second import" "$before" "$(snapshot)"

# Without --as-of the export time is the file's modification time.
touch -d 2026-11-10T00:00:00Z base.csv
out=$(fa import registry base.csv 2>&1)
expect "default export time: the modification time; two stored rows are newer" \
"base.csv: 3 rows read (as of 2026-11-10T00:00:00Z), domains: 0 new, 0 changed, 1 unchanged; hosts: 0 new, 0 changed, 0 unchanged; 2 kept (newer); 0 rejected (0 duplicates, 0 not stored before)" \
	"$out"

# A later export of the EPP-changed domain replaces it; DS and TTLs stay.
q "UPDATE domains SET ds = '{12345 8 2 ab}', ttls = '{\"NS\": 300}' WHERE name = 'epp.ee'" >/dev/null
printf 'type,name,registrar,registrant,created,ns,statuses,addrs\ndomain,EPP.ee,reg-b,,2018-01-01,,serverHold,\n' >later.csv
out=$(fa import registry --as-of 2026-11-21T00:00:00Z later.csv 2>&1)
expect "a later export replaces the EPP change" \
"later.csv: 1 rows read (as of 2026-11-21T00:00:00Z), domains: 0 new, 1 changed, 0 unchanged; hosts: 0 new, 0 changed, 0 unchanged; 0 kept (newer); 0 rejected (0 duplicates, 0 not stored before)" \
	"$out"
expect "replaced row keeps DS and TTLs, is not deleted" \
	"epp.ee|reg-b||2018-01-01 00:00:00|{}|{serverHold}|{\"12345 8 2 ab\"}|f|2026-11-21 00:00:00|{\"NS\": 300}" \
	"$(q "SELECT name, registrar, registrant, $(printf "$t" created), ns, statuses, ds,
	      deleted, $(printf "$t" updated), ttls FROM domains WHERE name = 'epp.ee'")"

# Bytes that are not UTF-8, a NUL, and a registrar id in UTF-8 (a valid
# clIDType): reasons and excerpts stay printable ASCII.
printf 'type,name,registrar,registrant,created,ns,statuses,addrs\ndomain,b\377d.ee,reg-a,,2020-01-01,,ok,\ndomain,nul.ee,re\000g,,2020-01-01,,ok,\ndomain,utf.ee,r\303\251g-a,,2020-01-01,,ok,\n' >bytes.csv
out=$(fa import registry --as-of 2026-11-21T00:00:00Z bytes.csv 2>&1); rc=$?
expect "hostile bytes are shown as ?" \
"bytes.csv:2: invalid name \"b?d.ee\": non-ASCII character (IDNs must be sent as A-labels) in \"name\"
bytes.csv:3: invalid registrar \"re?g\": blank or control character
bytes.csv: 3 rows read (as of 2026-11-21T00:00:00Z), domains: 1 new, 0 changed, 0 unchanged; hosts: 0 new, 0 changed, 0 unchanged; 0 kept (newer); 2 rejected (0 duplicates, 2 not stored before)
rc=0" "$out
rc=$rc"
expect "their rejects, and the UTF-8 registrar stored as it is" \
"line 2: invalid name \"b?d.ee\": non-ASCII character (IDNs must be sent as A-labels) in \"name\"|domain,b?d.ee,reg-a,,2020-01-01,,ok,
line 3: invalid registrar \"re?g\": blank or control character|domain,nul.ee,re?g,,2020-01-01,,ok,
utf.ee|rég-a" \
	"$(q "SELECT reason, excerpt FROM rejects WHERE source = 'bytes.csv' ORDER BY source_offset")
$(q "SELECT name, registrar FROM domains WHERE name = 'utf.ee'")"

# ---- refused files, usage errors, database failure ----

before=$(snapshot)
printf 'type,name,registrar,registrant,created,ns,statuses\ndomain,x.ee,reg-a,,2020-01-01,,ok\n' >noaddrs.csv
out=$(fa import registry noaddrs.csv 2>&1); rc=$?
expect "a header that is not the documented one refuses the file" \
"fluxaudit: import: \"noaddrs.csv\": line 1 is not the header \"type,name,registrar,registrant,created,ns,statuses,addrs\": found \"type,name,registrar,registrant,created,ns,statuses\": nothing imported
rc=1" "$out
rc=$rc"
: >empty.csv
out=$(fa import registry empty.csv 2>&1); rc=$?
expect "an empty file is refused" \
"fluxaudit: import: \"empty.csv\" is empty: expected the header \"type,name,registrar,registrant,created,ns,statuses,addrs\": nothing imported
rc=1" "$out
rc=$rc"
out=$(fa import registry missing.csv 2>&1); rc=$?
expect "a missing file" \
"fluxaudit: import: could not open \"missing.csv\": No such file or directory
rc=1" "$out
rc=$rc"
expect "refused files leave the database as it was" "$before" "$(snapshot)"

fa import registry >/dev/null 2>&1; r1=$?
fa import registry a.csv b.csv >/dev/null 2>&1; r2=$?
fa import registry --as-of yesterday registry.csv >/dev/null 2>&1; r3=$?
fa import zone registry.csv >/dev/null 2>&1; r4=$?
expect "usage errors exit 2" "2 2 2 2" "$r1 $r2 $r3 $r4"
"$FA_BIN" --db "$(conn_for "fa_no_such_db_$$")" import registry registry.csv >/dev/null 2>&1; rc=$?
expect "a database that cannot be reached exits 1" "1" "$rc"
bare="fa_import_bare_$$"
psql_admin -c "CREATE DATABASE $bare"
printf 'type,name,registrar,registrant,created,ns,statuses,addrs\ndomain,a.ee,reg-a,,2020-01-01,,ok,\n' >one.csv
out=$("$FA_BIN" --db "$(conn_for "$bare")" import registry one.csv 2>&1); rc=$?
psql_admin -c "DROP DATABASE $bare"
expect "a database without the schema: the statement's reason, exit 1" \
"fluxaudit: import: could not compare with \"domains\": relation \"domains\" does not exist: nothing imported
rc=1" "$out
rc=$rc"

finish
