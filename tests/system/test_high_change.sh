#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Registrars with a declared high-change business model: with
# scoring.high_change_discount, the churn rules of the domains and hosts
# they sponsor (and their own) add less; other rules keep their score;
# the sponsor is the one in the domains or hosts table; the evidence says
# why.
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

# The sponsor is the domains table's (a transfer there, as a registry
# export would bring): harbor.example is reg-alpha's now.
q "UPDATE domains SET registrar = 'reg-alpha' WHERE name = 'harbor.example'" > /dev/null
expect "sponsor from the table" "10,domain,harbor.example,any-move
5,domain,orchard.example,any-move" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'harbor|orchard')"

# A host's sponsor is its hosts row's too, whatever its host.create said:
# ns1.fluxy.example (created by reg-beta) is reg-alpha's now and counts in
# full, ns1.alpha-dns.example (created by reg-alpha) is reg-beta's and its
# any-glue is halved.
q "UPDATE hosts SET registrar = 'reg-alpha' WHERE name = 'ns1.fluxy.example';
   UPDATE hosts SET registrar = 'reg-beta' WHERE name = 'ns1.alpha-dns.example'" > /dev/null
expect "host sponsor from the table" "11,host,ns1.alpha-dns.example,\"any-glue
16,host,ns1.fluxy.example,\"any-glue
70,host,ns1.fluxy.example,\"glue-churn" \
	"$(evaluate --enrich "$tmp/hc.yaml" | grep -E 'host,ns1\.(alpha-dns|fluxy)')"

finish
