#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Writes the EPP logs (envelope format, docs/epp-log-format.md) that the
# store system tests ingest. The logs are committed; run this again only
# when changing them, then update the expected values in
# tests/system/test_store_*.sh.
#
#   story.log  a domain's life: hosts, create, updates, TTL, failed and
#              lone commands, transfer, rename, info, delete (> 4096 bytes,
#              so that an appended copy keeps its checkpoint identity)
#   more.log   three later transactions, appended to story.log in the
#              overlap and resume tests
#   bad.log    good records around a malformed frame and a broken header
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")"

EPP='<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
D='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
H='xmlns:host="urn:ietf:params:xml:ns:host-1.0"'
C='xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"'
T='xmlns:ttl="urn:ietf:params:xml:ns:epp:ttl-1.0"'

n=0
cmd() {	# cmd INNER [EXTENSION]
	n=$((n + 1))
	local ext=""
	if [ -n "${2:-}" ]; then
		ext="<extension>$2</extension>"
	fi
	printf '%s<command>%s%s<clTRID>cl-%03d</clTRID></command></epp>\n' "$EPP" "$1" "$ext" "$n"
}
rsp() {	# rsp CODE MSG SVTRID [RESDATA]
	local rd=""
	if [ -n "${4:-}" ]; then
		rd="<resData>$4</resData>"
	fi
	printf '%s<response><result code="%s"><msg>%s</msg></result>%s<trID><clTRID>cl-%03d</clTRID><svTRID>%s</svTRID></trID></response></epp>\n' \
		"$EPP" "$1" "$2" "$rd" "$n" "$3"
}
rec() {	# rec TIME CLID COMMAND RESPONSE
	printf 'EPPTX time=%s clid=%s addr=192.0.2.10 session=s-%s cmd=%d rsp=%d\n%s%s' \
		"$1" "$2" "$2" "${#3}" "${#4}" "$3" "$4"
}
ok="Command completed successfully"

story() {
	echo '#fluxaudit-epp-log v1'
	c=$(cmd '<login><clID>reg-a</clID><pw>secret-1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><objURI>urn:ietf:params:xml:ns:host-1.0</objURI></svcs></login>')
	rec 2026-11-02T09:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-001)"

	c=$(cmd "<create><host:create $H><host:name>ns1.shop.ee</host:name><host:addr ip=\"v4\">192.0.2.53</host:addr><host:addr ip=\"v6\">2001:DB8:0:0::53</host:addr></host:create></create>")
	rec 2026-11-02T09:01:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-002)"

	c=$(cmd "<create><contact:create $C><contact:id>c-100</contact:id><contact:postalInfo type=\"int\"><contact:name>Alice Example</contact:name><contact:addr><contact:city>Tallinn</contact:city><contact:cc>EE</contact:cc></contact:addr></contact:postalInfo><contact:email>alice@example.net</contact:email><contact:authInfo><contact:pw>x</contact:pw></contact:authInfo></contact:create></create>")
	rec 2026-11-02T09:01:30Z reg-a "$c" "$(rsp 1000 "$ok" SV-003)"

	c=$(cmd "<create><domain:create $D><domain:name>Shop.EE.</domain:name><domain:period unit=\"y\">1</domain:period><domain:ns><domain:hostObj>ns1.shop.ee</domain:hostObj><domain:hostObj>NS2.Other.NET.</domain:hostObj></domain:ns><domain:registrant>c-100</domain:registrant><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>")
	rec 2026-11-02T09:02:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-004 "<domain:creData $D><domain:name>shop.ee</domain:name><domain:crDate>2026-11-02T09:02:00.0Z</domain:crDate><domain:exDate>2027-11-02T09:02:00.0Z</domain:exDate></domain:creData>")"

	c=$(cmd "<update><domain:update $D><domain:name>shop.ee</domain:name><domain:add><domain:ns><domain:hostObj>ns3.other.net</domain:hostObj></domain:ns><domain:status s=\"clientTransferProhibited\"/></domain:add><domain:rem><domain:ns><domain:hostObj>ns2.other.net</domain:hostObj></domain:ns></domain:rem></domain:update></update>" "<ttl:update $T><ttl:ttl for=\"NS\">300</ttl:ttl></ttl:update>")
	rec 2026-11-03T10:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-005)"

	c=$(cmd "<update><host:update $H><host:name>ns1.shop.ee</host:name><host:add><host:addr ip=\"v4\">198.51.100.7</host:addr></host:add><host:rem><host:addr ip=\"v4\">192.0.2.53</host:addr></host:rem></host:update></update>")
	rec 2026-11-03T10:05:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-006)"

	# Failed: must leave only a command.failed event, no NS change.
	c=$(cmd "<update><domain:update $D><domain:name>shop.ee</domain:name><domain:add><domain:ns><domain:hostObj>evil.example</domain:hostObj></domain:ns></domain:add></domain:update></update>")
	rec 2026-11-03T10:06:00Z reg-a "$c" "$(rsp 2201 "Authorization error" SV-007)"

	# Lone command (response not logged): a txn row, nothing else.
	c=$(cmd "<update><domain:update $D><domain:name>shop.ee</domain:name><domain:rem><domain:status s=\"clientTransferProhibited\"/></domain:rem></domain:update></update>")
	n2=${#c}
	printf 'EPPTX time=2026-11-03T10:07:00Z clid=reg-a addr=192.0.2.10 session=s-reg-a cmd=%d rsp=0\n%s' "$n2" "$c"

	c=$(cmd "<create><domain:create $D><domain:name>other.ee</domain:name><domain:ns><domain:hostObj>ns1.shop.ee</domain:hostObj></domain:ns><domain:registrant>c-100</domain:registrant><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>")
	rec 2026-11-04T08:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-009 "<domain:creData $D><domain:name>other.ee</domain:name><domain:crDate>2026-11-04T08:00:00.0Z</domain:crDate></domain:creData>")"

	c=$(cmd "<transfer op=\"approve\"><domain:transfer $D><domain:name>shop.ee</domain:name></domain:transfer></transfer>")
	rec 2026-11-05T12:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-010 "<domain:trnData $D><domain:name>shop.ee</domain:name><domain:trStatus>clientApproved</domain:trStatus><domain:reID>reg-b</domain:reID><domain:reDate>2026-11-01T12:00:00.0Z</domain:reDate><domain:acID>reg-a</domain:acID><domain:acDate>2026-11-06T12:00:00.0Z</domain:acDate></domain:trnData>")"

	c=$(cmd "<update><host:update $H><host:name>ns1.shop.ee</host:name><host:chg><host:name>ns0.shop.ee</host:name></host:chg></host:update></update>")
	rec 2026-11-05T12:30:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-011)"

	c=$(cmd "<info><domain:info $D><domain:name hosts=\"all\">other.ee</domain:name></domain:info></info>")
	rec 2026-11-06T07:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-012 "<domain:infData $D><domain:name>other.ee</domain:name><domain:roid>D-2</domain:roid><domain:status s=\"ok\"/><domain:registrant>c-100</domain:registrant><domain:ns><domain:hostObj>ns0.shop.ee</domain:hostObj><domain:hostObj>ns5.other.net</domain:hostObj></domain:ns><domain:clID>reg-a</domain:clID><domain:crDate>2026-11-04T08:00:00.0Z</domain:crDate></domain:infData>")"

	c=$(cmd "<check><domain:check $D><domain:name>free.ee</domain:name></domain:check></check>")
	rec 2026-11-06T07:01:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-013 "<domain:chkData $D><domain:cd><domain:name avail=\"1\">free.ee</domain:name></domain:cd></domain:chkData>")"
}

more() {
	n=100
	c=$(cmd "<delete><domain:delete $D><domain:name>other.ee</domain:name></domain:delete></delete>")
	rec 2026-11-07T09:00:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-101)"

	c=$(cmd "<update><domain:update $D><domain:name>shop.ee</domain:name><domain:add><domain:ns><domain:hostObj>ns4.other.net</domain:hostObj></domain:ns></domain:add></domain:update></update>")
	rec 2026-11-07T09:05:00Z reg-b "$c" "$(rsp 1000 "$ok" SV-102)"

	c=$(cmd "<update><host:update $H><host:name>ns0.shop.ee</host:name><host:add><host:addr ip=\"v6\">2001:db8:0:1:0:0:0:7</host:addr></host:add></host:update></update>")
	rec 2026-11-07T09:06:00Z reg-a "$c" "$(rsp 1000 "$ok" SV-103)"
}

bad() {
	n=200
	c=$(cmd "<create><host:create $H><host:name>ns1.good.ee</host:name><host:addr ip=\"v4\">203.0.113.1</host:addr></host:create></create>")
	rec 2026-11-08T10:00:00Z reg-c "$c" "$(rsp 1000 "$ok" SV-201)"

	# Malformed XML in the command frame.
	c=$(cmd "<create><host:create $H><host:name>ns2.good.ee</host:name></host:crate></create>")
	rec 2026-11-08T10:01:00Z reg-c "$c" "$(rsp 1000 "$ok" SV-202)"

	c=$(cmd "<create><host:create $H><host:name>ns3.good.ee</host:name><host:addr ip=\"v4\">203.0.113.3</host:addr></host:create></create>")
	rec 2026-11-08T10:02:00Z reg-c "$c" "$(rsp 1000 "$ok" SV-203)"

	# A header with an invalid time: the record is skipped up to the next
	# header line.
	printf 'EPPTX time=yesterday clid=reg-c cmd=10 rsp=0\n0123456789'

	c=$(cmd "<create><host:create $H><host:name>ns4.good.ee</host:name><host:addr ip=\"v4\">203.0.113.4</host:addr></host:create></create>")
	rec 2026-11-08T10:04:00Z reg-c "$c" "$(rsp 1000 "$ok" SV-205)"
}

story >story.log
more >more.log
bad >bad.log
