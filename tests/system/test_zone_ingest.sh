#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit ingest zone` on small zones of our own (tests/data/zone/ingest):
# a baseline, a snapshot with every kind of change, an IXFR, a journal
# print and a snapshot equal to the model they left; the exact events,
# their attribution from EPP state, the serial rules, and refused inputs
# that store nothing but a reject.
set -u

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "NOT RUN: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
data=$FA_SOURCE_DIR/tests/data/zone/ingest
tmp=$(mktemp -d /tmp/fa-zone-ingest-XXXXXX)
make_db fa_zone_ingest
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

fa() {
	"$FA_BIN" --db "$conn" "$@"
}

# EPP state: alpha.example (reg-alpha, registrant alice01) with its host
# ns1.alpha.example, and beta.example (reg-beta, registrant bob02).
rec() { # clid svtrid command-body
	local epp='<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
	local cmd rsp
	cmd="$epp<command>$3<clTRID>C</clTRID></command></epp>"
	rsp="$epp<response><result code=\"1000\"><msg>ok</msg></result>"
	rsp+="<trID><svTRID>$2</svTRID></trID></response></epp>"
	printf 'EPPTX time=2026-12-01T10:00:00Z clid=%s cmd=%d rsp=%d\n%s%s\n' "$1" \
		"${#cmd}" "${#rsp}" "$cmd" "$rsp"
}
dom='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
hst='xmlns:host="urn:ietf:params:xml:ns:host-1.0"'
create_domain() { # name registrant
	printf '<create><domain:create %s><domain:name>%s</domain:name>' "$dom" "$1"
	printf '<domain:registrant>%s</domain:registrant>' "$2"
	printf '<domain:authInfo><domain:pw>x</domain:pw></domain:authInfo>'
	printf '</domain:create></create>'
}
{
	rec reg-alpha S1 "$(create_domain alpha.example alice01)"
	rec reg-alpha S2 "<create><host:create $hst><host:name>ns1.alpha.example</host:name><host:addr ip=\"v4\">192.0.2.10</host:addr></host:create></create>"
	rec reg-beta S3 "$(create_domain beta.example bob02)"
} > "$tmp/state.log"
fa ingest epp "$tmp/state.log" > /dev/null 2>&1 || expect "EPP state ingested" ok failed

events() { # serial
	q "SELECT concat_ws(' ', substr(kind, 6), coalesce(domain, '-'),
		coalesce(host, '-'), coalesce(value, '-'), detail->>'rrtype',
		detail->>'ttl', coalesce(detail->>'old_ttl', '-'),
		coalesce(registrar, 'unattributed'), coalesce(contact, '-'))
	   FROM events WHERE txn_key = 'zone:example:$1' ORDER BY seq"
}

# Version 1: the baseline.
out=$(fa ingest zone --origin example. --time 2026-12-04T01:00:00Z "$data/v1.zone")
expect "v1 baseline" \
	"$data/v1.zone: zone example serial 2026120401 (baseline): 0 events, 0 attributed, 9 model records" \
	"$out"
expect "v1 model" "alpha.example NS 3600 ns.other.net
alpha.example NS 3600 ns1.alpha.example
beta.example NS 86400 ns.beta-dns.net
delta.example DS 3600 11111 13 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
delta.example NS 3600 ns.delta-dns.net
gamma.example NS 3600 ns1.gamma.example
ns1.alpha.example A 3600 192.0.2.10
ns1.gamma.example A 3600 192.0.2.30
ns1.gamma.example AAAA 3600 2001:db8::30" \
	"$(q "SELECT concat_ws(' ', owner, rrtype, ttl, rdata) FROM zone_records ORDER BY 1")"

# Version 2: one change of every kind; www's address is not glue.
out=$(fa ingest zone --origin example --time 2026-12-04T02:00:00Z "$data/v2.zone")
expect "v2 summary" \
	"$data/v2.zone: zone example serial 2026120402 (snapshot): 9 events, 5 attributed, 9 model records; ns_rem 2, ds_add 1, ttl_change 1, delegation_rem 1, delegation_add 1, ns_add 1, glue_add 1, glue_rem 1" \
	"$out"
expect "v2 events" "ns_rem alpha.example ns.other.net ns.other.net NS 3600 - reg-alpha alice01
ds_add beta.example - 54321 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789 DS 3600 - reg-beta bob02
ttl_change beta.example - 300 NS 300 86400 reg-beta bob02
delegation_rem gamma.example - - NS 3600 - unattributed -
ns_rem gamma.example ns1.gamma.example ns1.gamma.example NS 3600 - unattributed -
delegation_add new.example - - NS 3600 - unattributed -
ns_add new.example ns1.gamma.example ns1.gamma.example NS 3600 - unattributed -
glue_add alpha.example ns1.alpha.example 192.0.2.11 A 3600 - reg-alpha alice01
glue_rem alpha.example ns1.alpha.example 192.0.2.10 A 3600 - reg-alpha alice01" \
	"$(events 2026120402)"
expect "v2 events carry time, serial and source" "9|2026-12-04 02:00:00+00|2026120402|$data/v2.zone|zone.snapshot" \
	"$(q "SELECT count(*), min(e.ts), min(e.source_offset), min(e.source), min(t.command) FROM events e JOIN txns t ON t.key = e.txn_key WHERE e.txn_key = 'zone:example:2026120402'")"
expect "events --kind zone.ns_add" "new.example" \
	"$(fa events --kind zone.ns_add --format csv | tail -n +2 | cut -d, -f5)"

# An increment needs the last ingested serial as its start.
sed 's/2026120402/2026120400/' "$data/v3.ixfr" > "$tmp/gap.ixfr"
fa ingest zone --origin example --ixfr "$tmp/gap.ixfr" > "$tmp/out" 2>&1
expect "IXFR from another serial: refused" "1 1" \
	"$? $(grep -c 'the increment goes from serial 2026120400 to 2026120403, but the last ingested serial of zone "example" is 2026120402' "$tmp/out")"

# Version 3: an IXFR; www is not glue, ns2.alpha becomes glue with the NS
# that names it.
out=$(fa ingest zone --origin example --ixfr --time 2026-12-04T03:00:00Z "$data/v3.ixfr")
expect "v3 summary" \
	"$data/v3.ixfr: zone example serial 2026120403 (ixfr): 4 events, 4 attributed, 11 model records; ns_add 1, glue_add 2, glue_rem 1" \
	"$out"
expect "v3 events" "ns_add alpha.example ns2.alpha.example ns2.alpha.example NS 3600 - reg-alpha alice01
glue_add alpha.example ns1.alpha.example 192.0.2.12 A 3600 - reg-alpha alice01
glue_rem alpha.example ns1.alpha.example 192.0.2.11 A 3600 - reg-alpha alice01
glue_add alpha.example ns2.alpha.example 192.0.2.13 A 3600 - reg-alpha alice01" \
	"$(events 2026120403)"
expect "v3 recorded" "ixfr|2026120402|2026120403" \
	"$(q "SELECT kind, from_serial, serial FROM zone_snapshots ORDER BY id DESC LIMIT 1")"

# Version 4: a journal print; delta loses its DS and its NS TTL drops.
out=$(fa ingest zone --origin example --journal --time 2026-12-04T04:00:00Z "$data/v4.journal")
expect "v4 events" "ds_rem delta.example - 11111 13 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF DS 3600 - unattributed -
ttl_change delta.example - 60 NS 60 3600 unattributed -" \
	"$(events 2026120404)"
fa ingest zone --origin example --ixfr "$data/v3.ixfr" > "$tmp/out" 2>&1
expect "v3 again: nothing to do" "0 1" "$? $(grep -c 'serial 2026120403 was already ingested; nothing to do' "$tmp/out")"

# Version 5: a snapshot of what the increments left: no event at all.
out=$(fa ingest zone --origin example --time 2026-12-04T05:00:00Z "$data/v5.zone")
expect "v5: the model kept by increments equals the snapshot" \
	"$data/v5.zone: zone example serial 2026120405 (snapshot): 0 events, 0 attributed, 10 model records" \
	"$out"

# Refused snapshots: syntax error, $INCLUDE. Nothing stored, a reject kept.
before="$(q "SELECT count(*) FROM events")|$(q "SELECT count(*) FROM zone_snapshots")"
fa ingest zone --origin example "$data/bad.zone" > "$tmp/out" 2>&1
expect "bad zone refused with file, line, reason" "1 1" \
	"$? $(grep -c "\"$data/bad.zone\" line 7: invalid IPv4 address" "$tmp/out")"
fa ingest zone --origin example "$data/include.zone" > "$tmp/out" 2>&1
expect "\$INCLUDE refused" "1 1" "$? $(grep -c 'include' "$tmp/out")"
expect "refused inputs stored nothing" "$before" \
	"$(q "SELECT count(*) FROM events")|$(q "SELECT count(*) FROM zone_snapshots")"
expect "refused inputs kept as rejects" "2" \
	"$(q "SELECT count(*) FROM rejects WHERE source IN ('$data/bad.zone', '$data/include.zone')")"
fa ingest zone --origin example "$data/bad.zone" > /dev/null 2>&1
expect "the same refusal is kept once" "2" \
	"$(q "SELECT count(*) FROM rejects WHERE source LIKE '%.zone'")"

# Increments need a baseline; another zone is independent.
sed 's/example\./other.test./g' "$data/v3.ixfr" > "$tmp/other.ixfr"
fa ingest zone --origin other.test --ixfr "$tmp/other.ixfr" > "$tmp/out" 2>&1
expect "IXFR without a baseline: refused" "1 1" \
	"$? $(grep -c 'zone "other.test" has no ingested snapshot yet' "$tmp/out")"

# Usage errors.
fa ingest zone "$data/v1.zone" > /dev/null 2>&1
expect "--origin required" 2 $?
fa ingest zone --origin example --ixfr --journal "$data/v3.ixfr" > /dev/null 2>&1
expect "--ixfr with --journal" 2 $?

# A FIFO is refused before the zone's transaction and lock are taken (it
# would hold both while waiting for a writer); nothing is stored.
mkfifo "$tmp/fifo.ixfr"
before=$(q "SELECT count(*) FROM zone_snapshots")
timeout 20 "$FA_BIN" --db "$conn" ingest zone --origin example --ixfr "$tmp/fifo.ixfr" \
	> "$tmp/out" 2>&1
expect "FIFO increment: exit status" 1 $?
expect "FIFO increment: message" "fluxaudit: ingest zone: could not read \"$tmp/fifo.ixfr\": not a regular file" \
	"$(cat "$tmp/out")"
expect "FIFO increment: nothing stored" "$before" "$(q "SELECT count(*) FROM zone_snapshots")"

finish
