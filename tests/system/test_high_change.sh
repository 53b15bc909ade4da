#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Registrars with a declared high-change business model: with
# scoring.high_change_discount, the churn rules of the domains and hosts
# they sponsor (and their own) add less; other rules keep their score;
# the sponsor is the one at the time of the firing (events, else the
# domains or hosts table); the evidence says why.
set -u

: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
db_test fa_high_change
fa ingest epp "$FA_SOURCE_DIR/examples/epp-sample.log" > /dev/null 2>&1 ||
	expect "example log ingested" ok failed

# The shipped default policy (it sets the discount), and a rule that fires on
# any NS change, so that domains of both registrars are flagged.
mkdir "$tmp/pol"
cp "$FA_SOURCE_DIR/policies/default.yaml" "$tmp/pol/default.yaml"
expect "the shipped default sets the discount" "  high_change_discount: 50" \
	"$(grep '^  high_change_discount:' "$tmp/pol/default.yaml")"
cat > "$tmp/pol/moves.yaml" <<'YAML'
policy: moves
scoring:
  high_change_discount: 50
rules:
  - id: any-move
    description: any NS change
    entity: domain
    severity: low
    score: 10
    when: ns_changes[30d] >= 1
YAML
# Hosts: a glue churn rule, and one that also reads the domains delegated
# to the host (not churn: no business model explains that).
cat > "$tmp/pol/hosts.yaml" <<'YAML'
policy: hosts
scoring:
  high_change_discount: 50
rules:
  - id: any-glue
    description: any glue change
    entity: host
    severity: low
    score: 10
    when: glue_changes[30d] >= 1
  - id: glue-deleg
    description: a glue change of a host that has delegations
    entity: host
    severity: low
    score: 6
    when: glue_changes[30d] >= 1 and domains >= 1
YAML
cat > "$tmp/hc.yaml" <<'YAML'
high_change_registrars:
  - {registrar: reg-beta, note: DNS hosting reseller}
YAML

evaluate() {
	q "DELETE FROM findings; DELETE FROM rule_checkpoints" > /dev/null
	fa evaluate --policy "$tmp/pol" "$@" > /dev/null 2>&1 || expect "evaluate runs" ok failed
	fa findings --status all --format csv | tr -d '\r' | tail -n +2 |
		cut -d, -f4-7 | sort -t, -k2,2 -k3,3 -k4
}

# reg-beta sponsors fluxy, harbor, orchard and beta-dns, and the hosts
# ns1/ns2.fluxy and ns1/ns2.beta-dns: their churn rules add half
# (ns1.fluxy's glue-churn 20 and many-addrs 15, any-glue 5). low-ns-ttl
# (reg-alpha's quick.example) is not churn, failed-burst (a registrar's
# failed logins) neither, nor glue-deleg, which reads the host's
# delegations too: it fires at glue changes made after a domain was
# delegated to the host (ns1.fluxy's, ns1/ns2.alpha-dns') and keeps 6.
expect "declared reg-beta" "10,domain,alpha-dns.example,any-move
10,domain,bakery.example,any-move
5,domain,beta-dns.example,any-move
5,domain,fluxy.example,any-move
20,domain,fluxy.example,ns-churn
10,domain,garden.example,any-move
5,domain,harbor.example,any-move
10,domain,meadow.example,any-move
5,domain,orchard.example,any-move
10,domain,pebble.example,any-move
20,domain,quick.example,low-ns-ttl
16,host,ns1.alpha-dns.example,\"any-glue
5,host,ns1.beta-dns.example,any-glue
11,host,ns1.fluxy.example,\"any-glue
35,host,ns1.fluxy.example,\"glue-churn
16,host,ns2.alpha-dns.example,\"any-glue
5,host,ns2.beta-dns.example,any-glue
5,host,ns2.fluxy.example,any-glue
50,registrar,reg-gamma,failed-burst" "$(evaluate --enrich "$tmp/hc.yaml")"

id=$(q "SELECT id FROM findings WHERE entity = 'fluxy.example' AND 'ns-churn' = ANY(rules)")
expect "evidence names the registrar" '20|40|reg-beta|DNS hosting reseller|50' \
	"$(q "SELECT e->>'score', e->>'rule_score', e->>'high_change_registrar',
		e->>'high_change_note', e->>'high_change_discount'
		FROM (SELECT evidence->'ns-churn' AS e FROM findings WHERE id = $id) f")"

show_rules() {
	fa findings show --format json "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["rules"]:
    print(r["rule"], r["score"], r["discount"])'
}
expect "findings show says why" \
	"ns-churn 20 rule score 40, less 50% for high-change registrar reg-beta (DNS hosting reseller)" \
	"$(show_rules "$id")"

# A host's: its hosts row names reg-beta.
id=$(q "SELECT id FROM findings WHERE entity = 'ns1.fluxy.example' AND 'any-glue' = ANY(rules)")
expect "host evidence names the registrar" '5|10|reg-beta|DNS hosting reseller|50|6|f|f' \
	"$(q "SELECT e->>'score', e->>'rule_score', e->>'high_change_registrar',
		e->>'high_change_note', e->>'high_change_discount', d->>'score',
		d ? 'rule_score', d ? 'high_change_registrar'
		FROM (SELECT evidence->'any-glue' AS e, evidence->'glue-deleg' AS d
		      FROM findings WHERE id = $id) f")"
id=$(q "SELECT id FROM findings WHERE entity = 'ns1.fluxy.example' AND 'glue-churn' = ANY(rules)")
expect "findings show says why for a host" \
	"glue-churn 20 rule score 40, less 50% for high-change registrar reg-beta (DNS hosting reseller)
many-addrs 15 rule score 30, less 50% for high-change registrar reg-beta (DNS hosting reseller)" \
	"$(show_rules "$id")"

# Without the enrichment configuration nothing is declared, and evaluate
# says so.
fa evaluate --policy "$tmp/pol" --dry-run > /dev/null 2> "$tmp/err"
expect "note without --enrich" "fluxaudit: evaluate: note: the policies lower scores for allowlisted providers and high-change registrars, but no --enrich configuration names any: every rule counts in full" \
	"$(grep note "$tmp/err")"
fa evaluate --policy "$tmp/pol" --dry-run --enrich "$tmp/hc.yaml" > /dev/null 2> "$tmp/err"
expect "no note with --enrich" "" "$(grep note "$tmp/err")"

# The note names only the discounts the policies use.
note_of() { # ALLOWLIST HIGH_CHANGE
	mkdir -p "$tmp/one"
	printf 'policy: one\nscoring: {allowlist_discount: %s, high_change_discount: %s}\n%s\n' \
		"$1" "$2" 'rules: [{id: r, description: x, entity: domain, severity: low, score: 1, when: "ns_changes[1h] >= 1"}]' \
		> "$tmp/one/one.yaml"
	fa evaluate --policy "$tmp/one" --dry-run 2>&1 > /dev/null | grep note
}
expect "note: allowlist only" "fluxaudit: evaluate: note: the policies lower scores for allowlisted providers, but no --enrich configuration names any: every rule counts in full" \
	"$(note_of 50 0)"
expect "note: high-change only" "fluxaudit: evaluate: note: the policies lower scores for high-change registrars, but no --enrich configuration names any: every rule counts in full" \
	"$(note_of 0 30)"
expect "no note without discounts" "" "$(note_of 0 0)"

expect "no enrichment, full scores" "10,domain,beta-dns.example,any-move
40,domain,fluxy.example,ns-churn
10,host,ns1.beta-dns.example,any-glue
70,host,ns1.fluxy.example,\"glue-churn
10,host,ns2.beta-dns.example,any-glue" \
	"$(evaluate | grep -E 'beta-dns|ns-churn|glue-churn')"

# Only the sponsor may change a name's name servers or addresses, so those
# changes name the sponsor, whatever the rows say: with the create events
# removed (as if the names had come with an import) and rows naming other
# registrars, the scores stay those of the registrars that made the
# changes (harbor.example and ns1.fluxy.example: reg-beta's, halved).
q "DELETE FROM events WHERE kind IN ('domain.create', 'host.create')
     AND (domain = 'harbor.example' OR host IN ('ns1.fluxy.example', 'ns1.alpha-dns.example'));
   UPDATE domains SET registrar = 'reg-alpha' WHERE name = 'harbor.example';
   UPDATE hosts SET registrar = 'reg-alpha' WHERE name = 'ns1.fluxy.example';
   UPDATE hosts SET registrar = 'reg-beta' WHERE name = 'ns1.alpha-dns.example'" > /dev/null
expect "the changes name the sponsor, not the rows" "5,domain,harbor.example,any-move
5,domain,orchard.example,any-move" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'harbor|orchard')"
expect "host changes name the sponsor, not the rows" "16,host,ns1.alpha-dns.example,\"any-glue
11,host,ns1.fluxy.example,\"any-glue
35,host,ns1.fluxy.example,\"glue-churn" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'host,ns1\.(alpha-dns|fluxy)')"

# The rows count where no event names the sponsor: zone-fed churn of an
# imported name. imported.example has a row (reg-beta's) and only zone
# NS events (no registrar); its zone churn rule is halved, and counts in
# full once the row names another registrar.
q "INSERT INTO domains (name, registrar, updated) VALUES
     ('imported.example', 'reg-beta', '2026-11-01T00:00:00Z');
   INSERT INTO events (ts, txn_key, seq, kind, domain, host, source, source_offset) VALUES
     ('2026-11-05T10:00:00Z', 'zone:s1', 1, 'zone.ns_add', 'imported.example', 'ns9.other.net', 'z', 1),
     ('2026-11-05T22:00:00Z', 'zone:s2', 1, 'zone.ns_rem', 'imported.example', 'ns9.other.net', 'z', 2)" \
	> /dev/null
cat > "$tmp/pol/zone.yaml" <<'YAML'
policy: zone
scoring:
  high_change_discount: 50
rules:
  - {id: zone-move, description: zone NS change, entity: domain, severity: low, score: 10,
     when: "zone_ns_changes[30d] >= 1"}
YAML
expect "zone churn of an imported name: the row's sponsor" "5,domain,imported.example,zone-move" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'imported')"
q "UPDATE domains SET registrar = 'reg-alpha' WHERE name = 'imported.example'" > /dev/null
expect "zone churn of an imported name of another registrar" "10,domain,imported.example,zone-move" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'imported')"
rm -f "$tmp/pol/zone.yaml"

# The sponsor at the time of each firing, not the one of the rows after
# the last ingest: a log of its own in a new database.
psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS fa_high_change" > /dev/null
make_db fa_high_change_time
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate
rm -f "$tmp/pol/"*
cat > "$tmp/pol/time.yaml" <<'YAML'
policy: time
scoring:
  high_change_discount: 50
rules:
  - {id: glue, description: glue churn, entity: host, severity: low, score: 40,
     when: "glue_changes[24h] >= 3"}
  - {id: churn, description: NS churn, entity: domain, severity: low, score: 40,
     when: "ns_changes[24h] >= 3"}
YAML
printf 'high_change_registrars:\n  - {registrar: reg-hc, note: parks domains}\n' > "$tmp/hc.yaml"

# An EPP envelope log from lines "TIME CLID OP NAME [ARG]" (OP: create
# DOMAIN, update DOMAIN NEW-NS, delete DOMAIN, approve DOMAIN GAINING,
# hcreate HOST, hupdate HOST NEW-ADDR, hdelete HOST). An update replaces
# the domain's single name server or the host's single address.
epp_log() {
	local xd='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
	local xh='xmlns:host="urn:ietf:params:xml:ns:host-1.0"'
	local head='<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
	local n=0 t clid op name arg body rd c r
	declare -A cur
	echo '#fluxaudit-epp-log v1'
	while read -r t clid op name arg; do
		n=$((n + 1))
		rd=""
		case $op in
		create)
			cur[$name]=ns1.a.net
			body="<create><domain:create $xd><domain:name>$name</domain:name><domain:ns><domain:hostObj>ns1.a.net</domain:hostObj></domain:ns><domain:registrant>c1</domain:registrant><domain:authInfo><domain:pw>x1Y2z3!!</domain:pw></domain:authInfo></domain:create></create>" ;;
		update)
			body="<update><domain:update $xd><domain:name>$name</domain:name><domain:add><domain:ns><domain:hostObj>$arg</domain:hostObj></domain:ns></domain:add><domain:rem><domain:ns><domain:hostObj>${cur[$name]}</domain:hostObj></domain:ns></domain:rem></domain:update></update>"
			cur[$name]=$arg ;;
		delete)
			body="<delete><domain:delete $xd><domain:name>$name</domain:name></domain:delete></delete>" ;;
		approve)
			body="<transfer op=\"approve\"><domain:transfer $xd><domain:name>$name</domain:name></domain:transfer></transfer>"
			rd="<resData><domain:trnData $xd><domain:name>$name</domain:name><domain:trStatus>clientApproved</domain:trStatus><domain:reID>$arg</domain:reID><domain:reDate>$t</domain:reDate><domain:acID>$clid</domain:acID><domain:acDate>$t</domain:acDate></domain:trnData></resData>" ;;
		hcreate)
			cur[$name]=10.9.0.1
			body="<create><host:create $xh><host:name>$name</host:name><host:addr ip=\"v4\">10.9.0.1</host:addr></host:create></create>" ;;
		hupdate)
			body="<update><host:update $xh><host:name>$name</host:name><host:add><host:addr ip=\"v4\">$arg</host:addr></host:add><host:rem><host:addr ip=\"v4\">${cur[$name]}</host:addr></host:rem></host:update></update>"
			cur[$name]=$arg ;;
		hdelete)
			body="<delete><host:delete $xh><host:name>$name</host:name></host:delete></delete>" ;;
		esac
		c="$head<command>$body<clTRID>T-$n</clTRID></command></epp>"
		r="$head<response><result code=\"1000\"><msg>ok</msg></result>$rd<trID><clTRID>T-$n</clTRID><svTRID>SV-$n</svTRID></trID></response></epp>"
		printf 'EPPTX time=%s clid=%s addr=192.0.2.10 session=s-%s cmd=%d rsp=%d\n%s%s' \
			"$t" "$clid" "$clid" "${#c}" "${#r}" "$c" "$r"
	done
}

# sub.example and its host ns1.sub.example: reg-hc's, then transferred to
# reg-n, whose glue churn counts in full (the host moved with its domain),
# and back to reg-hc after the churn;
# up.example and ns1.up.example the other way round: reg-hc's churn is
# halved. ns1.h2.net: reg-n's churn, the host deleted, re-created by
# reg-hc later: the churn was reg-n's. d.example the same for a domain.
# ns1.h3.net and d3.example: deleted by reg-n, re-created by reg-hc
# before the churn: reg-hc's.
epp_log > "$tmp/time.log" <<'LOG'
2026-11-01T00:00:00Z reg-hc create sub.example
2026-11-01T00:01:00Z reg-hc hcreate ns1.sub.example
2026-11-01T00:02:00Z reg-n create up.example
2026-11-01T00:03:00Z reg-n hcreate ns1.up.example
2026-11-01T00:04:00Z reg-n hcreate ns1.h2.net
2026-11-01T00:05:00Z reg-n create d.example
2026-11-01T00:06:00Z reg-n hcreate ns1.h3.net
2026-11-01T00:07:00Z reg-n create d3.example
2026-11-02T00:00:00Z reg-hc approve sub.example reg-n
2026-11-02T00:01:00Z reg-n approve up.example reg-hc
2026-11-05T00:00:00Z reg-n hdelete ns1.h3.net
2026-11-05T00:01:00Z reg-n delete d3.example
2026-11-06T00:00:00Z reg-hc hcreate ns1.h3.net
2026-11-06T00:01:00Z reg-hc create d3.example
2026-11-10T00:00:00Z reg-n hupdate ns1.sub.example 10.1.0.2
2026-11-10T00:01:00Z reg-n hupdate ns1.sub.example 10.1.0.3
2026-11-10T00:02:00Z reg-n hupdate ns1.sub.example 10.1.0.4
2026-11-10T00:03:00Z reg-hc hupdate ns1.up.example 10.2.0.2
2026-11-10T00:04:00Z reg-hc hupdate ns1.up.example 10.2.0.3
2026-11-10T00:05:00Z reg-hc hupdate ns1.up.example 10.2.0.4
2026-11-10T00:06:00Z reg-n hupdate ns1.h2.net 10.3.0.2
2026-11-10T00:07:00Z reg-n hupdate ns1.h2.net 10.3.0.3
2026-11-10T00:08:00Z reg-n hupdate ns1.h2.net 10.3.0.4
2026-11-10T00:09:00Z reg-n update d.example ns2.a.net
2026-11-10T00:10:00Z reg-n update d.example ns3.a.net
2026-11-10T00:11:00Z reg-n update d.example ns4.a.net
2026-11-10T00:12:00Z reg-hc hupdate ns1.h3.net 10.4.0.2
2026-11-10T00:13:00Z reg-hc hupdate ns1.h3.net 10.4.0.3
2026-11-10T00:14:00Z reg-hc hupdate ns1.h3.net 10.4.0.4
2026-11-10T00:15:00Z reg-hc update d3.example ns2.a.net
2026-11-10T00:16:00Z reg-hc update d3.example ns3.a.net
2026-11-10T00:17:00Z reg-hc update d3.example ns4.a.net
2026-11-12T00:00:00Z reg-n hdelete ns1.h2.net
2026-11-12T00:01:00Z reg-n delete d.example
2026-11-15T00:00:00Z reg-n approve sub.example reg-hc
2026-11-20T00:00:00Z reg-hc hcreate ns1.h2.net
2026-11-20T00:01:00Z reg-hc create d.example
LOG
fa ingest epp "$tmp/time.log" > /dev/null 2>&1 || expect "time.log ingested" ok failed
expect "rows after the last ingest: transfers moved the subordinate hosts" \
"d.example|reg-hc
d3.example|reg-hc
sub.example|reg-hc
up.example|reg-hc
ns1.h2.net|reg-hc
ns1.h3.net|reg-hc
ns1.sub.example|reg-hc
ns1.up.example|reg-hc" \
	"$(q "SELECT name, registrar FROM domains ORDER BY name")
$(q "SELECT name, registrar FROM hosts ORDER BY name")"

time_scores="40,domain,d.example,churn
20,domain,d3.example,churn
40,host,ns1.h2.net,glue
20,host,ns1.h3.net,glue
40,host,ns1.sub.example,glue
20,host,ns1.up.example,glue"
# Everything in the scan: the events tell the sponsor.
expect "sponsor at the time of the firing, scanned from the start" "$time_scores" \
	"$(evaluate --enrich "$tmp/hc.yaml")"
# From November 9 (the 24h lookback before the 10th): the sponsor as of
# then comes from the create, transfer and delete events before it.
expect "sponsor at the time of the firing, seeded before the scan" "$time_scores" \
	"$(evaluate --enrich "$tmp/hc.yaml" --since 2026-11-10T00:00:00Z)"
id=$(q "SELECT id FROM findings WHERE entity = 'ns1.up.example'")
expect "the moved host names its registrar" \
	"glue 20 rule score 40, less 50% for high-change registrar reg-hc (parks domains)" \
	"$(show_rules "$id")"

finish
