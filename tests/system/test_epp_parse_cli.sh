#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit parse epp` on the EPP test data: one JSON object a line per
# transaction or refused record, refusals do not make it fail, an
# unreadable file does. Needs no database.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
data=$FA_SOURCE_DIR/tests/data/epp
tmp=$(mktemp -d /tmp/fa-epp-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect_count() { # what file pattern count
	local n
	n=$(grep -c -- "$3" "$2")
	[ "$n" -eq "$4" ] || fail "$1: $n lines match '$3', expected $4"
}

# An envelope log with a malformed record in the middle.
"$FA_BIN" parse epp "$data/env_small.log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "env_small.log: exit $rc, expected 0"
expect_count env_small "$tmp/out" '^{"source":' 7
expect_count env_small "$tmp/out" '"offset":4337,"error":' 1
expect_count env_small "$tmp/out" '"command":"login".*"result":1000' 1
expect_count env_small "$tmp/out" '"command":"domain:update".*"result":1000' 1
expect_count env_small "$tmp/out" '"kind":"domain.ns_add","domain":"example-upd.test","host":"ns3.new-dns.example"' 1
expect_count env_small "$tmp/out" '"command":"host:create".*"result":2303.*"kind":"command.failed"' 1
expect_count env_small "$tmp/out" '"command":"domain:delete".*"result":null' 1
expect_count env_small "$tmp/out" '"kind":"domain.ttl_set","domain":"flux-test.example","value":"NS 300"' 1
expect_count env_small "$tmp/out" '"command":"logout"' 1
grep -q 'offset 4337' "$tmp/err" || fail "env_small.log: the reject is not on stderr"
[ "$(wc -l < "$tmp/out")" -eq 7 ] || fail "env_small.log: not one object a line"

# A single frame with the time given on the command line.
"$FA_BIN" parse epp --time 2026-11-02T09:15:04Z "$data/cmd_host_create.xml" \
	> "$tmp/out" 2> "$tmp/err" || fail "cmd_host_create.xml: exit $?"
expect_count frame "$tmp/out" '"time":"2026-11-02T09:15:04Z"' 1
expect_count frame "$tmp/out" '"result":null' 1
expect_count frame "$tmp/out" '"kind":"host.addr_add","host":"ns1.glue-test.example","value":"2001:db8::7"' 1

# A raw RFC 5734 session: login, then a domain update and its response.
frame() { # file: 4-byte big-endian total length, then the file
	local n=$(($(stat -c %s "$1") + 4))
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) \
		$((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
	cat "$1"
}
{
	frame "$data/cmd_login.xml"
	frame "$data/rsp_1000.xml"
	frame "$data/cmd_domain_update_ttl.xml"
	frame "$data/rsp_1001.xml"
} > "$tmp/session.raw"
"$FA_BIN" parse epp --time 2026-11-02T09:15:04Z "$tmp/session.raw" \
	> "$tmp/out" 2> "$tmp/err" || fail "session.raw: exit $?"
expect_count raw "$tmp/out" '"registrar":"reg-alpha"' 2
expect_count raw "$tmp/out" '"result":1001.*"value":"NS 60"' 1

# Hostile frames are refused without reading what the entity names.
for f in bad_entity_external_file bad_entity_internal bad_doctype; do
	"$FA_BIN" parse epp "$data/$f.xml" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$f: exit $rc, expected 0 (a refusal is not a failure)"
	expect_count "$f" "$tmp/out" '"error":"[^"]*\(DTD\|DOCTYPE\|entit\)' 1
	if [ -s /etc/hostname ] && grep -qF "$(cat /etc/hostname)" "$tmp/out"; then
		fail "$f: the external entity was read"
	fi
done

# "-" is the standard input, from a pipe and from a file alike.
cat "$data/env_small.log" | "$FA_BIN" parse epp - > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "stdin pipe: exit $rc, expected 0"
expect_count stdin-pipe "$tmp/out" '^{"source":"/dev/stdin",' 7
expect_count stdin-pipe "$tmp/out" '"offset":4337,"error":' 1
expect_count stdin-pipe "$tmp/err" '^/dev/stdin: 7 records read, 6 transactions' 1
"$FA_BIN" parse epp - < "$data/env_small.log" > "$tmp/out2" 2> "$tmp/err"
cmp -s "$tmp/out" "$tmp/out2" || fail "stdin file: output differs from the pipe's"

# libxml2 writes nothing itself: an EBCDIC frame (conversion fails) is a
# reject, and stderr holds only our lines.
printf '<?xml version="1.0" encoding="EBCDIC-US"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>' \
	> "$tmp/ebcdic.xml"
"$FA_BIN" parse epp "$tmp/ebcdic.xml" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "ebcdic.xml: exit $rc, expected 0"
expect_count ebcdic "$tmp/out" '"error":"invalid XML in frame: ' 1
[ "$(grep -vc "^$tmp/ebcdic.xml: " "$tmp/err")" -eq 0 ] ||
	fail "ebcdic.xml: foreign lines on stderr: $(cat "$tmp/err")"

# An unreadable file is a failure, named with its reason.
"$FA_BIN" parse epp "$tmp/does-not-exist.log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -ne 0 ] || fail "missing file: exit 0"
grep -q 'does-not-exist.log' "$tmp/err" || fail "missing file: not named on stderr"

if [ "$failures" -gt 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "parse epp: all checks passed"
