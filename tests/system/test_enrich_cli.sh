#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit enrich check|lookup` on the small tables of tests/data/enrich
# and the MaxMind DB test files of the shared corpus: outputs, exit
# statuses 0 / 1 / 2 and their messages. Needs no database. Without the
# corpus the MaxMind DB parts do not run and, the rest passing, the test
# exits 77 (not run) saying so.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
corpus=${FA_CORPUS_DIR:-$FA_SOURCE_DIR/../shared/corpus}/maxmind-mmdb
have_corpus=1
[ -d "$corpus" ] || have_corpus=0
data=$FA_SOURCE_DIR/tests/data/enrich
tmp=$(mktemp -d /tmp/fa-enrich-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

run() { # expected-status args...
	local want=$1
	shift
	# timeout: a command that waits forever fails instead of hanging
	timeout 60 "$FA_BIN" enrich "$@" > "$tmp/raw" 2> "$tmp/err"
	local rc=$?
	tr -d '\r' < "$tmp/raw" > "$tmp/out"
	[ "$rc" -eq "$want" ] || fail "enrich $*: exit $rc, expected $want ($(head -2 "$tmp/err"))"
}

expect_out() { # name expected-text
	printf '%s\n' "$2" > "$tmp/want"
	diff -u "$tmp/want" "$tmp/out" > "$tmp/diff" || fail "$1: output differs: $(cat "$tmp/diff")"
}

expect_err() { # name expected-text
	printf '%s\n' "$2" > "$tmp/want"
	diff -u "$tmp/want" "$tmp/err" > "$tmp/diff" || fail "$1: messages differ: $(cat "$tmp/diff")"
}

cp "$data"/small.pfx2as "$data"/consumer.txt "$data"/declarations.csv "$data"/bad.pfx2as \
	"$data"/ptr.txt "$tmp/"
if [ "$have_corpus" = 1 ]; then
cat > "$tmp/enrich.yaml" <<YAML
asn:
  mmdb: [$corpus/test-data/GeoLite2-ASN-Test.mmdb]
  pfx2as: small.pfx2as
consumer_prefixes: [consumer.txt]
allowlist:
  - {provider: Cloudflare, ns_suffix: ns.cloudflare.com, asn: 13335}
  - {provider: Example CDN, asn: [64510]}
declarations:
  file: declarations.csv
  static: [ns2.example.net]
YAML

# check: one row per source
run 0 check --config "$tmp/enrich.yaml" --format csv
expect_out "check csv" "source,path,entries,ipv4,ipv6,shadowed,detail
mmdb,$corpus/test-data/GeoLite2-ASN-Test.mmdb,101,,,0,\"GeoLite2-ASN, IPv6 tree, 1341 nodes, 101 data records, 101 with an ASN\"
pfx2as,$tmp/small.pfx2as,5,4,1,0,
consumer_prefixes,$tmp/consumer.txt,3,2,1,0,
allowlist,$tmp/enrich.yaml,3,,,0,
declarations,$tmp/enrich.yaml,1,,,0,
declarations,$tmp/declarations.csv,2,,,0,"
[ ! -s "$tmp/err" ] || fail "check: unexpected messages: $(cat "$tmp/err")"

run 0 check --config "$tmp/enrich.yaml" --stats
# 8 * 12 + 3 * 24 bytes of ranges, 2 * 65537 * 4 of index; consumer: gap,
# /22, /24, /22 again, gap
grep -qxF 'enrich check: pfx2as 5 prefixes, 8 IPv4 + 3 IPv6 ranges, 524464 bytes; consumer prefixes 5 IPv4 + 3 IPv6 ranges, 524428 bytes; PTR 0 IPv4 + 0 IPv6 addresses, 0 bytes' "$tmp/err" ||
	fail "check --stats: $(cat "$tmp/err")"

# lookup: addresses and hosts
run 0 lookup --config "$tmp/enrich.yaml" --format csv 1.0.0.1 203.0.113.7 198.51.100.9 \
	198.51.101.200 2001:db8:4000::1 192.0.2.1 1.128.0.1 kate.ns.cloudflare.com \
	NS1.Example.NET www.example.org. ns2.example.net
expect_out "lookup csv" "query,asn,org,asn_source,network,asn_file,consumer,provider,provider_match,declaration,declared_name,declared_at
1.0.0.1,15169,Google Inc.,mmdb,1.0.0.0/24,$corpus/test-data/GeoLite2-ASN-Test.mmdb,,,,,,
203.0.113.7,64501,,pfx2as,203.0.113.0/24,$tmp/small.pfx2as,,,,,,
198.51.100.9,64511,,pfx2as,198.51.100.0/24,$tmp/small.pfx2as,198.51.100.0/22 isp-dsl,,,,,
198.51.101.200,64510,,pfx2as,198.51.100.0/22,$tmp/small.pfx2as,198.51.101.0/24 isp-dynamic,Example CDN,asn 64510,,,
2001:db8:4000::1,64520,,pfx2as,2001:db8::/32,$tmp/small.pfx2as,2001:db8:4000::/34,,,,,
192.0.2.1,,,none,,,,,,,,
1.128.0.1,1221,Telstra Pty Ltd,mmdb,1.128.0.0/11,$corpus/test-data/GeoLite2-ASN-Test.mmdb,,,,,,
kate.ns.cloudflare.com,,,,,,,Cloudflare,suffix ns.cloudflare.com,none,,
NS1.Example.NET,,,,,,,,,static,ns1.example.net,$tmp/declarations.csv:2
www.example.org.,,,,,,,,,dynamic,example.org,$tmp/declarations.csv:3
ns2.example.net,,,,,,,,,static,ns2.example.net,$tmp/enrich.yaml:10:12"

run 0 lookup --config "$tmp/enrich.yaml" --format json 1.0.0.1
expect_out "lookup json" "{\"query\":\"1.0.0.1\",\"asn\":15169,\"org\":\"Google Inc.\",\"asn_source\":\"mmdb\",\"network\":\"1.0.0.0/24\",\"asn_file\":\"$corpus/test-data/GeoLite2-ASN-Test.mmdb\",\"consumer\":null,\"provider\":null,\"provider_match\":null,\"declaration\":null,\"declared_name\":null,\"declared_at\":null}"

# prefer pfx2as: the table answers first
sed 's/^  pfx2as: small.pfx2as$/  pfx2as: small.pfx2as\n  prefer: pfx2as/' "$tmp/enrich.yaml" > "$tmp/prefer.yaml"
run 0 lookup --config "$tmp/prefer.yaml" --format csv 1.0.0.1
grep -qxF "1.0.0.1,64500,,pfx2as,1.0.0.0/24,$tmp/small.pfx2as,,,,,," "$tmp/out" ||
	fail "prefer pfx2as: $(cat "$tmp/out")"
fi

# consumer space by PTR names: listed blocks first, then the PTR table
cat > "$tmp/ptr.yaml" <<'YAML'
consumer_prefixes: [consumer.txt]
consumer_ptr:
  file: ptr.txt
  patterns:
    - '(^|[.-])(dyn|dynamic|dhcp|pool|dsl|cpe)([0-9]*)([.-]|$)'
  exclude: ['(^|[.-])(mail|mx|smtp)([.-]|$)']
  embedded_address: required
YAML
pat='(^|[.-])(dyn|dynamic|dhcp|pool|dsl|cpe)([0-9]*)([.-]|$)'
run 0 check --config "$tmp/ptr.yaml" --format csv --stats
expect_out "check ptr" "source,path,entries,ipv4,ipv6,shadowed,detail
consumer_prefixes,$tmp/consumer.txt,3,2,1,0,
consumer_ptr,$tmp/ptr.txt,4,3,1,0,\"8 lines, 7 names, 6 matched, 1 excluded, 1 without its address\""
# 4 entries of 28 bytes, and names of 32, 28, 30 and 41 bytes with their NULs
# (198.51.101.20 is kept though its listed block answers for it)
grep -qxF 'enrich check: pfx2as 0 prefixes, 0 IPv4 + 0 IPv6 ranges, 0 bytes; consumer prefixes 5 IPv4 + 3 IPv6 ranges, 524428 bytes; PTR 3 IPv4 + 1 IPv6 addresses, 247 bytes' "$tmp/err" ||
	fail "check ptr --stats: $(cat "$tmp/err")"

run 0 lookup --config "$tmp/ptr.yaml" --format csv 203.0.113.7 203.0.113.8 203.0.113.9 \
	203.0.113.10 198.51.101.20 2001:db8:ff::5 2001:db8:ff::6
expect_out "lookup ptr" "query,asn,org,asn_source,network,asn_file,consumer,provider,provider_match,declaration,declared_name,declared_at
203.0.113.7,,,none,,,203.0.113.0/24 PTR dyn-203-0-113-7.pool.example.net matches '$pat' ($tmp/ptr.txt:2),,,,,
203.0.113.8,,,none,,,,,,,,
203.0.113.9,,,none,,,,,,,,
203.0.113.10,,,none,,,203.0.113.0/24 PTR cpe-10.113.0.203.example.com matches '$pat' ($tmp/ptr.txt:6),,,,,
198.51.101.20,,,none,,,198.51.101.0/24 isp-dynamic,,,,,
2001:db8:ff::5,,,none,,,2001:db8:ff::/64 PTR dynamic-2001-db8-ff-0-0-0-0-5.example.net matches '$pat' ($tmp/ptr.txt:8),,,,,
2001:db8:ff::6,,,none,,,,,,,,"

# the table cuts no answer: the PTR name, pattern and FILE:LINE are all
# shown (relative paths, run from the directory, keep the widths fixed)
cd "$tmp" || exit 1
run 0 lookup --config ptr.yaml 203.0.113.7 203.0.113.8 198.51.101.20 2001:db8:ff::5
cd - > /dev/null || exit 1
expect_out "lookup ptr table" "query           asn  org  asn_source  network  consumer                                                                                                                                      provider  provider_match  declaration  declared_name
--------------  ---  ---  ----------  -------  --------------------------------------------------------------------------------------------------------------------------------------------  --------  --------------  -----------  -------------
203.0.113.7               none                 203.0.113.0/24 PTR dyn-203-0-113-7.pool.example.net matches '$pat' (ptr.txt:2)
203.0.113.8               none
198.51.101.20             none                 198.51.101.0/24 isp-dynamic
2001:db8:ff::5            none                 2001:db8:ff::/64 PTR dynamic-2001-db8-ff-0-0-0-0-5.example.net matches '$pat' (ptr.txt:8)"

# a row after the 1000 that size the columns is not cut either
cd "$tmp" || exit 1
# shellcheck disable=SC2046
run 0 lookup --config ptr.yaml $(for i in $(seq 1000); do echo 192.0.2.1; done) 203.0.113.7
cd - > /dev/null || exit 1
[ "$(tail -n 1 "$tmp/out")" = "203.0.113.7            none                 203.0.113.0/24 PTR dyn-203-0-113-7.pool.example.net matches '$pat' (ptr.txt:2)" ] ||
	fail "lookup table after the sizing rows: $(tail -n 1 "$tmp/out")"
[ "$(wc -l < "$tmp/out")" -eq 1003 ] || fail "lookup table after the sizing rows: $(wc -l < "$tmp/out") lines"

# counts in the PTR detail are singular for one
printf '192.0.2.1 dyn-192-0-2-1.example.net\n192.0.2.3 dyn-9-9-9-9.example.net\n' > "$tmp/one.txt"
printf 'consumer_ptr:\n  file: one.txt\n  patterns: [dyn]\n  embedded_address: required\n' \
	> "$tmp/one.yaml"
cd "$tmp" || exit 1
run 0 check --config one.yaml
cd - > /dev/null || exit 1
expect_out "check ptr table, one of each" "source        path     entries  ipv4  ipv6  shadowed  detail
------------  -------  -------  ----  ----  --------  --------------------------------------------------------------
consumer_ptr  one.txt  1        1     0     0         2 lines, 2 names, 2 matched, 0 excluded, 1 without its address"
printf '192.0.2.1 dyn-192-0-2-1.example.net\n' > "$tmp/one.txt"
cd "$tmp" || exit 1
run 0 check --config one.yaml --format csv
cd - > /dev/null || exit 1
expect_out "check ptr, one line" "source,path,entries,ipv4,ipv6,shadowed,detail
consumer_ptr,one.txt,1,1,0,0,\"1 line, 1 name, 1 matched, 0 excluded, 0 without their address\""

# a refused pattern and a malformed PTR line
printf '192.0.2.1 dyn-1.example.net extra\n' > "$tmp/bad-ptr.txt"
cat > "$tmp/bad-ptr.yaml" <<'YAML'
consumer_ptr:
  file: bad-ptr.txt
  patterns: ['(dyn']
YAML
run 1 check --config "$tmp/bad-ptr.yaml"
expect_err "refused pattern" "fluxaudit: enrich check: $tmp/bad-ptr.yaml:3:14: invalid pattern \"(dyn\": Unmatched ( or \\(
fluxaudit: enrich check: $tmp/bad-ptr.yaml: configuration refused (1 error), nothing of it is used"
sed -i 's/(dyn/dyn/' "$tmp/bad-ptr.yaml"
run 1 check --config "$tmp/bad-ptr.yaml"
expect_err "refused PTR table" "fluxaudit: enrich check: $tmp/bad-ptr.txt:1: expected an address and a name, found more fields
fluxaudit: enrich check: $tmp/bad-ptr.txt: refused: 1 malformed line, nothing of this file is used
fluxaudit: enrich check: $tmp/bad-ptr.yaml: configuration refused (1 error), nothing of it is used"

# the commented consumer_ptr example of the shipped configuration, used
# as it stands on the same table
sed -n '/^# consumer_ptr:$/,/^#   embedded_address: required$/p' \
	"$FA_SOURCE_DIR/policies/enrich/enrichment.yaml" |
	sed -e 's/^# \{0,1\}//' -e "s|ptr-scan.txt|$tmp/ptr.txt|" > "$tmp/shipped-ptr.yaml"
grep -q '^  embedded_address: required$' "$tmp/shipped-ptr.yaml" ||
	fail "shipped consumer_ptr example not found: $(cat "$tmp/shipped-ptr.yaml")"
run 0 check --config "$tmp/shipped-ptr.yaml" --format csv
expect_out "shipped ptr example" "source,path,entries,ipv4,ipv6,shadowed,detail
consumer_ptr,$tmp/ptr.txt,4,3,1,0,\"8 lines, 7 names, 6 matched, 1 excluded, 1 without its address\""

if [ "$have_corpus" = 1 ]; then
# refused inputs: every message, then the refusal; exit 1
cat > "$tmp/bad.yaml" <<YAML
asn:
  mmdb: [$corpus/bad-data/libmaxminddb/libmaxminddb-oversized-map.mmdb]
  pfx2as: [bad.pfx2as]
allowlist:
  - {provider: X, ns_suffix: com}
colour: blue
YAML
run 1 check --config "$tmp/bad.yaml"
expect_err "refused" "fluxaudit: enrich check: $tmp/bad.yaml:6:1: unknown key \"colour\" in the enrichment configuration (expected one of: asn, consumer_prefixes, allowlist, declarations, high_change_registrars, consumer_ptr)
fluxaudit: enrich check: \"$corpus/bad-data/libmaxminddb/libmaxminddb-oversized-map.mmdb\" is not a usable MaxMind DB: data section: map at offset 4 claims 1000000 entries, more than the bytes left
fluxaudit: enrich check: $tmp/bad.pfx2as:2: 1.0.0.1/24 has bits set after the prefix length
fluxaudit: enrich check: $tmp/bad.pfx2as: refused: 1 malformed line, nothing of this file is used
fluxaudit: enrich check: $tmp/bad.yaml:5:30: NS suffix \"com\" has one label: it would allowlist a whole top-level domain
fluxaudit: enrich check: $tmp/bad.yaml: configuration refused (4 errors), nothing of it is used"
[ ! -s "$tmp/out" ] || fail "refused: output on stdout: $(cat "$tmp/out")"

# more errors than are kept: the first 63, the count of the rest, and the
# refusal with the full count as the last line
{
	echo "high_change_registrars:"
	for i in $(seq 0 99); do echo "  - {registrar: \"=r$i\"}"; done
} > "$tmp/many.yaml"
run 1 check --config "$tmp/many.yaml"
{
	for i in $(seq 0 62); do
		echo "fluxaudit: enrich check: $tmp/many.yaml:$((i + 2)):17: invalid registrar id \"=r$i\": starts with '=', '+', '-' or '@'"
	done
	echo "fluxaudit: enrich check: (37 more messages not shown)"
	echo "fluxaudit: enrich check: $tmp/many.yaml: configuration refused (100 errors), nothing of it is used"
} > "$tmp/many.want"
expect_err "many errors" "$(cat "$tmp/many.want")"

# a FIFO as the configuration or as any table it names is refused at once
# (opening it would wait for a writer), whatever reads it
mkfifo "$tmp/fifo"
run 1 check --config "$tmp/fifo"
expect_err "FIFO configuration" "fluxaudit: enrich check: could not read \"$tmp/fifo\": not a regular file"
cat > "$tmp/fifo.yaml" <<'YAML'
asn:
  mmdb: [fifo]
  pfx2as: [fifo]
consumer_prefixes: [fifo]
declarations:
  file: [fifo]
consumer_ptr:
  file: [fifo]
  patterns: [dyn]
YAML
run 1 lookup --config "$tmp/fifo.yaml" 1.0.0.1
nrf="could not read \"$tmp/fifo\": not a regular file"
# (a MaxMind DB's messages name the file without a position, as before)
expect_err "FIFO tables" "fluxaudit: enrich lookup: $tmp/fifo.yaml:2:10: $nrf
fluxaudit: enrich lookup: $tmp/fifo.yaml:3:12: $nrf
fluxaudit: enrich lookup: $tmp/fifo.yaml:4:21: $nrf
fluxaudit: enrich lookup: $tmp/fifo.yaml:6:10: $nrf
fluxaudit: enrich lookup: $tmp/fifo.yaml:8:10: $nrf
fluxaudit: enrich lookup: $tmp/fifo.yaml: configuration refused (5 errors), nothing of it is used"
# a MaxMind DB that is not there is named at its entry
printf 'asn:\n  mmdb: [nothere.mmdb]\n' > "$tmp/nomm.yaml"
run 1 check --config "$tmp/nomm.yaml"
expect_err "missing MaxMind DB" "fluxaudit: enrich check: $tmp/nomm.yaml:2:10: could not open \"$tmp/nothere.mmdb\": No such file or directory
fluxaudit: enrich check: $tmp/nomm.yaml: configuration refused (1 error), nothing of it is used"

run 1 lookup --config "$tmp/missing.yaml" 1.0.0.1
expect_err "missing" "fluxaudit: enrich lookup: could not open \"$tmp/missing.yaml\": No such file or directory"

# usage errors: exit 2
run 2 check
grep -qF 'enrich check: --config is required' "$tmp/err" || fail "no --config: $(head -1 "$tmp/err")"
run 2 lookup --config "$tmp/enrich.yaml"
grep -qF 'give at least one address or host name' "$tmp/err" || fail "no operand: $(head -1 "$tmp/err")"
run 2 lookup --config "$tmp/enrich.yaml" 1.0.0.1 'bad..name'
grep -qF '"bad..name" is neither an IP address nor a host name' "$tmp/err" ||
	fail "bad operand: $(head -1 "$tmp/err")"
run 2 check --config "$tmp/enrich.yaml" extra
grep -qF 'unexpected argument "extra"' "$tmp/err" || fail "check operand: $(head -1 "$tmp/err")"
run 2 frobnicate
grep -qF 'unrecognized subcommand "frobnicate"' "$tmp/err" || fail "subcommand: $(head -1 "$tmp/err")"
run 2 check --config "$tmp/enrich.yaml" --format xml
fi
run 0 --help

# the shipped example loads: 271 NS suffixes and 2 ASNs
run 0 check --config "$FA_SOURCE_DIR/policies/enrich/enrichment.yaml" --format csv
expect_out "shipped example" "source,path,entries,ipv4,ipv6,shadowed,detail
allowlist,$FA_SOURCE_DIR/policies/enrich/enrichment.yaml,273,,,0,"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
if [ "$have_corpus" = 0 ]; then
	echo "corpus not found at $corpus: the MaxMind DB parts of the enrich CLI test NOT RUN" \
		"(the other checks passed)"
	exit 77
fi
echo "enrich CLI: all checks passed"
