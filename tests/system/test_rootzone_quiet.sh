#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped policies over the 2018 root-zone series (real churn, no
# abuse): 007 as baseline, 008..050 ingested in order, then evaluated.
# Nothing may reach the review queue (score >= 50), and the zone metrics
# must have seen the churn (so the quiet result is not an empty run).
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/zone_lib.sh"
rootzone_corpus db
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
tmp=$(mktemp -d /tmp/fa-rootzone-quiet-XXXXXX)
make_db fa_rootzone_quiet
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

rootzone_rebuild "$corpus" "$tmp" || expect "series rebuilt" ok failed
bad=0
for v in "${rootzone_versions[@]:1}"; do
	serial=$(rootzone_serial "$tmp/v$v")
	# A serial YYYYMMDDNN is published about every 12 hours: NN says which.
	hour=$(printf '%02d' $((10#${serial:8:2} * 12 % 24)))
	"$FA_BIN" --db "$conn" ingest zone --origin . \
		--time "${serial:0:4}-${serial:4:2}-${serial:6:2}T$hour:00:00Z" \
		"$tmp/v$v" > /dev/null 2>&1 || bad=$((bad + 1))
done
expect "44 versions ingested" 0 "$bad"
expect "the series' changes are stored" 364 "$(q "SELECT count(*) FROM events")"

# With enrichment, so that the flux rules are not silent for want of
# data: the corpus' MaxMind ASN test database and the example allowlist.
mmdb="$FA_CORPUS_DIR/maxmind-mmdb/test-data/GeoLite2-ASN-Test.mmdb"
{
	printf 'asn:\n  mmdb: [%s]\n' "$mmdb"
	cat "$FA_SOURCE_DIR/policies/enrich/enrichment.yaml"
} > "$tmp/enrich.yaml"
"$FA_BIN" enrich check --config "$tmp/enrich.yaml" > /dev/null 2>&1
expect "enrichment for the root zone loads" 0 $?
"$FA_BIN" --db "$conn" evaluate --enrich "$tmp/enrich.yaml" > "$tmp/eval" 2>&1
expect "evaluate with the shipped policies" 0 $?
expect "nothing reaches the queue (score >= 50)" "" \
	"$(q "SELECT entity_kind || ' ' || entity || ' ' || score || ' ' || array_to_string(rules, ',') FROM findings WHERE score >= 50 ORDER BY 1")"
# The quiet result is not an empty run: a probe policy that flags every
# domain whose published NS set or glue changed at all finds the churn.
cat > "$tmp/probe.yaml" <<'YAML'
policy: probe
rules:
  - {id: any-zone-ns, description: d, entity: domain, severity: info, score: 1,
     when: "zone_ns_changes[30d] >= 1"}
  - {id: any-zone-glue, description: d, entity: domain, severity: info, score: 1,
     when: "glue_changes[30d] >= 1"}
YAML
# Expected: the delegations with NS changes (not their first publication)
# or glue changes, counted from the stored events: 33 of the series.
want=$(q "SELECT count(DISTINCT domain) FROM events e
	WHERE (kind IN ('zone.ns_add', 'zone.ns_rem') AND NOT EXISTS (SELECT 1
	  FROM events d WHERE d.txn_key = e.txn_key AND d.domain = e.domain
	  AND d.kind = 'zone.delegation_add'))
	  OR kind IN ('zone.glue_add', 'zone.glue_rem')")
expect "delegations that changed" 33 "$want"
expect "a probe policy sees the zone churn" "findings: $want opened, 0 updated, 0 unchanged (dry run: nothing written)" \
	"$("$FA_BIN" --db "$conn" evaluate --policy "$tmp/probe.yaml" --dry-run | tail -n 1)"
echo "findings under the queue threshold, for the record:"
q "SELECT entity_kind, entity, score, array_to_string(rules, ',') FROM findings ORDER BY score DESC, entity LIMIT 20" | sed 's/^/    /'

finish
