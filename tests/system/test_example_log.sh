#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The example log that deploy/quickstart.sh ingests: it is exactly what
# its generator writes, and ingesting it gives exactly the transactions,
# events, rejects and state that examples/README.md describes.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

log="$FA_SOURCE_DIR/examples/epp-sample.log"
gen="$(dirname "$FA_BIN")/bench/fa-gen-epp"

# The committed file must be reproducible from the generator's scenario.
if [ -x "$gen" ]; then
	expect "fa-gen-epp --example reproduces the committed log" "same" \
		"$(cmp -s <("$gen" --example) "$log" && echo same || echo differs)"
else
	expect "the generator was built beside fluxaudit" "$gen" "missing"
fi

make_db fa_test_example_$$
migrate

out=$("$FA_BIN" --db "$conn" ingest epp "$log" 2>&1)
expect "ingest summary" \
	"$log: 111 records read, 105 transactions new, 0 duplicates, 2 read-only not stored, 181 events written, 4 rejected, 0 incomplete at the end" \
	"$(printf '%s\n' "$out" | grep -F "$log: 111")"

expect "rejects, with offset and reason" \
	"61335|invalid XML in command frame: line 6, column 50: Opening and ending tag mismatch: name line 6 and info
63746|DTD not allowed in EPP command frame (line 2)
65714|unrecognized EPP command urn:ietf:params:xml:ns:epp-1.0:frobnicate
66471|invalid name \"this-label-is-sixty-four-characters-long-one-more-than-dns-allow.example\": label longer than 63 octets in <domain:name>" \
	"$(q "SELECT source_offset, reason FROM rejects ORDER BY source_offset")"

expect "events by kind" "command.failed|26
contact.create|3
contact.update|1
domain.contact_add|24
domain.create|12
domain.ds_add|2
domain.info|4
domain.ns_add|35
domain.ns_rem|11
domain.renew|2
domain.transfer_approve|1
domain.transfer_request|1
domain.ttl_set|2
host.addr_add|20
host.addr_rem|3
host.create|6
host.info|2
login|13
logout|13" "$(q "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")"

expect "the failed burst is reg-gamma's, all 2201" "reg-gamma|2201|25" \
	"$(q "SELECT registrar, value, count(*) FROM events WHERE kind = 'command.failed'
	      AND registrar = 'reg-gamma' GROUP BY 1, 2")"

expect "state after transfer, TTL and NS rotation" \
	"fluxy.example|reg-beta|ns1.fluxy.example,ns2.fluxy.example|{}
quick.example|reg-alpha|ns1.alpha-dns.example,ns2.alpha-dns.example|{\"NS\": 60}
river.example|reg-beta|ns1.alpha-dns.example,ns2.alpha-dns.example|{}" \
	"$(q "SELECT name, registrar, array_to_string(ns, ','), ttls::text FROM domains
	      WHERE name IN ('fluxy.example', 'quick.example', 'river.example') ORDER BY name")"

expect "12 live domains" "12" "$(q "SELECT count(*) FROM domains WHERE NOT deleted")"

# 192.0.2.101 at creation, then ten more (last octets 102 to 111, spread
# over the three documentation /24s) added and the first two removed:
# the nine with last octets 103 to 111 remain.
expect "glue of the flux host" "103,104,105,106,107,108,109,110,111" \
	"$(q "SELECT string_agg(split_part(a, '.', 4), ',' ORDER BY split_part(a, '.', 4))
	      FROM hosts, unnest(addrs) a WHERE name = 'ns1.fluxy.example'")"

# Filters are normalized like stored names: case and a trailing dot do
# not matter. fluxy.example: 2 NS at creation, then 4 swaps adding one.
expect "events --domain is normalized" "6" \
	"$("$FA_BIN" --db "$conn" events --domain FLUXY.Example. --kind domain.ns_add \
		--format json | wc -l)"
set +e
"$FA_BIN" --db "$conn" events --since 99999999h >/dev/null 2>&1
expect "a duration reaching before year 1 is a usage error" "2" "$?"
"$FA_BIN" --db "$conn" events --host 'ns1 example' >/dev/null 2>&1
expect "an invalid host filter is a usage error" "2" "$?"
set -e

out=$("$FA_BIN" --db "$conn" ingest epp --from-start "$log" 2>&1)
expect "ingesting again adds nothing" \
	"$log: 111 records read, 0 transactions new, 105 duplicates, 2 read-only not stored, 0 events written, 4 rejected, 0 incomplete at the end" \
	"$(printf '%s\n' "$out" | grep -F "$log: 111")"
expect "still 105 transactions, 181 events and 4 rejects" "105|181|4" \
	"$(q "SELECT (SELECT count(*) FROM txns), (SELECT count(*) FROM events),
	      (SELECT count(*) FROM rejects)")"

finish
