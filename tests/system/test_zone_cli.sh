#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit zone diff` on the small zones of tests/data/zone: formats,
# IXFR and journal inputs, exit statuses 0 / 1 / 2 and their messages.
# Needs no database.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
data=$FA_SOURCE_DIR/tests/data/zone
tmp=$(mktemp -d /tmp/fa-zone-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

run() { # expected-status args...
	local want=$1
	shift
	# timeout: a diff that waits forever fails instead of hanging
	timeout 60 "$FA_BIN" zone diff "$@" > "$tmp/raw" 2> "$tmp/err"
	local rc=$?
	# CSV lines end in CR LF (RFC 4180)
	tr -d '\r' < "$tmp/raw" > "$tmp/out"
	[ "$rc" -eq "$want" ] || fail "zone diff $*: exit $rc, expected $want ($(head -2 "$tmp/err"))"
}

# JSON: one object a line, with kind, name, value, rrtype, ttl, old_value.
run 0 --origin example --format json "$data/kinds-old.zone" "$data/kinds-new.zone"
[ "$(wc -l < "$tmp/out")" -eq 16 ] || fail "json: $(wc -l < "$tmp/out") lines, expected 16"
grep -qxF '{"kind":"delegation_add","name":"new.example","rrtype":"NS","value":"","ttl":3600,"old_value":null,"serial":2}' "$tmp/out" ||
	fail "json: delegation_add line missing"
grep -qxF '{"kind":"ttl_change","name":"beta.example","rrtype":"NS","value":"300","ttl":300,"old_value":"86400","serial":2}' "$tmp/out" ||
	fail "json: ttl_change line missing"
grep -qxF '{"kind":"glue_rem","name":"ns1.alpha.example","rrtype":"A","value":"192.0.2.10","ttl":3600,"old_value":null,"serial":2}' "$tmp/out" ||
	fail "json: glue_rem line missing"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert {"kind", "name", "value"} <= set(o), line
' "$tmp/out" || fail "json: a line is not an object with kind, name, value"

# CSV and table: a header and the same 16 changes; options after operands.
run 0 "$data/kinds-old.zone" "$data/kinds-new.zone" --origin example. --format csv
[ "$(head -1 "$tmp/out")" = "kind,name,rrtype,value,ttl,old_value,serial" ] ||
	fail "csv: header is '$(head -1 "$tmp/out")'"
[ "$(wc -l < "$tmp/out")" -eq 17 ] || fail "csv: expected 17 lines"
run 0 --origin example "$data/kinds-old.zone" "$data/kinds-new.zone"
[ "$(wc -l < "$tmp/out")" -eq 18 ] || fail "table: expected 18 lines"

# Same content written differently: nothing.
run 0 --origin example --format csv "$data/base.zone" "$data/reordered.zone"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "reordered: changes reported"
run 0 --origin example --format csv "$data/base.zone" "$data/noise.zone"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "noise: changes reported"

# IXFR and journal prints give the same 7 changes.
run 0 --origin example --format csv --ixfr "$data/ixfr.txt"
cp "$tmp/out" "$tmp/ixfr"
[ "$(wc -l < "$tmp/ixfr")" -eq 8 ] || fail "ixfr: expected 7 changes"
grep -qxF 'glue_add,ns1.alpha.example,AAAA,2001:db8::11,3600,,2026120403' "$tmp/ixfr" ||
	fail "ixfr: AAAA glue_add missing"
run 0 --origin example --format csv --journal "$data/journal.txt"
cmp -s "$tmp/ixfr" "$tmp/out" || fail "journal: differs from the IXFR"

# Refusals: exit 1, the file, the line and the reason, nothing printed.
run 1 --origin example "$data/base.zone" "$data/syntax.zone"
grep -qxF "fluxaudit: zone diff: \"$data/syntax.zone\" line 6: invalid IPv4 address" "$tmp/err" ||
	fail "syntax: message is '$(cat "$tmp/err")'"
[ ! -s "$tmp/out" ] || fail "syntax: output printed"
run 1 --origin example "$data/base.zone" "$data/include.zone"
grep -qF "\"$data/include.zone\" line 5: \$INCLUDE \"$data/delegations.inc\" refused" "$tmp/err" ||
	fail "include: message is '$(cat "$tmp/err")'"
run 0 --origin example --allow-include --format csv "$data/base.zone" "$data/include.zone"
grep -qxF 'ns_add,inc.example,NS,ns.inc.net,3600,,1' "$tmp/out" ||
	fail "allowed include: ns_add missing"
run 1 --origin example "$data/base.zone" "$tmp/absent.zone"
grep -qF "could not open \"$tmp/absent.zone\"" "$tmp/err" || fail "absent: message is '$(cat "$tmp/err")'"
# a FIFO as a zone, or included, is refused at once (libzscanner's open
# would wait for a writer)
mkfifo "$tmp/fifo.zone"
run 1 --origin example "$data/base.zone" "$tmp/fifo.zone"
[ "$(cat "$tmp/err")" = "fluxaudit: zone diff: could not read \"$tmp/fifo.zone\": not a regular file" ] ||
	fail "FIFO zone: message is '$(cat "$tmp/err")'"
printf '$ORIGIN example.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n$INCLUDE fifo.zone\n' \
	> "$tmp/inc.zone"
run 1 --allow-include --origin example "$data/base.zone" "$tmp/inc.zone"
[ "$(cat "$tmp/err")" = "fluxaudit: zone diff: \"$tmp/inc.zone\" line 4: could not read \"$tmp/fifo.zone\": not a regular file" ] ||
	fail "FIFO included: message is '$(cat "$tmp/err")'"
run 1 --origin example --ixfr "$data/journal.txt"
grep -qF "\"$data/journal.txt\" line 1:" "$tmp/err" || fail "journal as ixfr: message is '$(cat "$tmp/err")'"

# Usage mistakes: exit 2.
run 2 "$data/base.zone" "$data/noise.zone"
grep -qF -- "--origin is required" "$tmp/err" || fail "no origin: message"
run 2 --origin example "$data/base.zone"
run 2 --origin example --ixfr "$data/ixfr.txt" "$data/base.zone"
run 2 --origin example --ixfr "$data/ixfr.txt" --journal "$data/journal.txt"
run 2 --origin example --format xml "$data/base.zone" "$data/noise.zone"
"$FA_BIN" zone frobnicate > /dev/null 2>&1
[ $? -eq 2 ] || fail "unknown zone subcommand: not exit 2"
"$FA_BIN" zone diff --help > "$tmp/out" 2>&1
[ $? -eq 0 ] && grep -q -- '--journal FILE' "$tmp/out" || fail "zone diff --help"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
