#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit policy check: no database; the shipped policies pass, a broken
# file gives every error with file:line:column, exit status 1.
set -uo pipefail
. "$(dirname "$0")/rule_lib.sh"

data="$FA_SOURCE_DIR/tests/data/rule"
cd "$data" || exit 1

out=$("$FA_BIN" policy check "$FA_SOURCE_DIR/policies" 2>&1)
rc=$?
expect "shipped policies pass" "$FA_SOURCE_DIR/policies/compromise.yaml: ok (9 rules)
$FA_SOURCE_DIR/policies/default.yaml: ok (5 rules)
$FA_SOURCE_DIR/policies/flux.yaml: ok (8 rules)|0" "$out|$rc"

out=$("$FA_BIN" policy check extra.yaml 2>&1)
rc=$?
expect "second test policy passes" "extra.yaml: ok (3 rules)|0" "$out|$rc"

out=$("$FA_BIN" policy check broken.yaml 2>&1)
rc=$?
expect "broken file: exit status" "1" "$rc"
expect "broken file: messages" 'broken.yaml:5:1: unknown key "colour" (expected one of: policy, description, scoring, rules)
broken.yaml:13:9: duplicate rule id "ok-rule" (first defined at broken.yaml:7:9)
broken.yaml:21:13: unknown entity kind "session" (expected one of: domain, host, registrar, registrant)
broken.yaml:28:15: unknown severity "urgent" (expected one of: info, low, medium, high, critical)
broken.yaml:29:12: score "1001" is not a whole number from 0 to 1000
broken.yaml:36:11: metric "glue_changes" needs a window, e.g. "glue_changes[24h]"
broken.yaml:42:53: window "91d" is longer than the maximum of 90d
broken.yaml:48:40: cannot compare a duration with a count (give durations a unit, e.g. 30d)
broken.yaml:56:7: unknown metric "glue_changes" for entity kind "registrar"
broken.yaml:62:46: expected ")" to close "(", found end of condition
broken.yaml:63:5: rule is missing key "when"' "$out"

# The same rule id in two files of one set is an error of the later file.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/a.yaml" <<'YAML'
policy: first
rules:
  - id: one
    description: x
    entity: domain
    severity: low
    score: 1
    when: ns_ttl < 60
YAML
cat >"$tmp/b.yml" <<'YAML'
policy: second
rules:
  - {id: two, description: x, entity: host, severity: low, score: 1, when: "glue_changes[1h] > 2"}
  - id: one
    description: x
    entity: domain
    severity: low
    score: 1
    when: ns_ttl < 60
YAML
printf 'policy: first\nrules: []\n' >"$tmp/c.yaml"
printf 'not: [a policy\n' >"$tmp/d.yaml"
printf 'ignored: [\n' >"$tmp/.hidden.yaml"
printf 'ignored: [\n' >"$tmp/notes.txt"
out=$("$FA_BIN" policy check "$tmp" 2>&1)
rc=$?
expect "directory: sorted, ids and names unique across files" "$tmp/a.yaml: ok (1 rule)
$tmp/b.yml:4:9: duplicate rule id \"one\" (first defined at $tmp/a.yaml:3:9)
$tmp/c.yaml:1:9: policy \"first\" is already defined at $tmp/a.yaml:1:9
$tmp/d.yaml:2:1: could not parse YAML: did not find expected ',' or ']' while parsing a flow sequence|1" "$out|$rc"

out=$("$FA_BIN" policy check "$tmp/missing.yaml" 2>&1)
rc=$?
expect "missing file" "fluxaudit: could not open \"$tmp/missing.yaml\": No such file or directory|1" "$out|$rc"

mkdir "$tmp/empty"
out=$("$FA_BIN" policy check "$tmp/empty" 2>&1)
rc=$?
expect "empty directory" "fluxaudit: no policy file (*.yaml, *.yml) in \"$tmp/empty\"|1" "$out|$rc"

# evaluate refuses a broken set before it connects anywhere.
out=$("$FA_BIN" --db "host=$tmp/no-such-socket-dir" evaluate --policy broken.yaml 2>&1)
rc=$?
expect "evaluate with a broken policy" 'broken.yaml:62:46: expected ")" to close "(", found end of condition
broken.yaml:63:5: rule is missing key "when"
fluxaudit: evaluate: policies not loaded: parse error|1' "$(printf '%s\n' "$out" | tail -n 3)|$rc"

# A FIFO (or anything else that is not a regular file) is refused at once;
# opening it for reading would wait for a writer forever. timeout turns a
# regression into a failure instead of a hang.
mkfifo "$tmp/fifo.yaml"
out=$(timeout 20 "$FA_BIN" policy check "$tmp/fifo.yaml" 2>&1)
rc=$?
expect "policy check: a FIFO" "could not read \"$tmp/fifo.yaml\": not a regular file|1" "$out|$rc"
mkdir "$tmp/withfifo"
printf 'policy: first\nrules: []\n' >"$tmp/withfifo/a.yaml"
mkfifo "$tmp/withfifo/b.yaml"
out=$(timeout 20 "$FA_BIN" policy check "$tmp/withfifo" 2>&1)
rc=$?
expect "policy check: a FIFO in a directory" "$tmp/withfifo/a.yaml: ok (0 rules)
could not read \"$tmp/withfifo/b.yaml\": not a regular file|1" "$out|$rc"
out=$(timeout 20 "$FA_BIN" --db "host=$tmp/no-such-socket-dir" evaluate --policy "$tmp/fifo.yaml" \
	2>&1)
rc=$?
expect "evaluate: a FIFO policy" "could not read \"$tmp/fifo.yaml\": not a regular file
fluxaudit: evaluate: policies not loaded: input/output error|1" "$out|$rc"
out=$(timeout 20 "$FA_BIN" --db "host=$tmp/no-such-socket-dir" evaluate --policy extra.yaml \
	--enrich "$tmp/fifo.yaml" 2>&1)
rc=$?
expect "evaluate: a FIFO enrichment configuration" \
	"fluxaudit: evaluate: could not read \"$tmp/fifo.yaml\": not a regular file|1" "$out|$rc"

# More errors than are kept: every command that loads policies says how
# many were not shown, after the 100 it prints.
{
	echo "policy: many"
	echo "rules:"
	for i in $(seq 1 130); do
		echo "  - {id: r$i, description: x, entity: domain, severity: urgent, score: 1, when: ns_ttl < 60}"
	done
} >"$tmp/many.yaml"
many_tail="$tmp/many.yaml:102:58: unknown severity \"urgent\" (expected one of: info, low, medium, high, critical)
(30 more errors not shown)"
out=$("$FA_BIN" policy check "$tmp/many.yaml" 2>&1)
rc=$?
expect "policy check: 100 errors shown" "100" "$(printf '%s\n' "$out" | grep -c 'unknown severity')"
expect "policy check: the rest counted" "$many_tail|1" "$(printf '%s\n' "$out" | tail -n 2)|$rc"
out=$("$FA_BIN" --db "host=$tmp/no-such-socket-dir" evaluate --policy "$tmp/many.yaml" 2>&1)
rc=$?
expect "evaluate: 100 errors shown" "100" "$(printf '%s\n' "$out" | grep -c 'unknown severity')"
expect "evaluate: the rest counted" "$many_tail
fluxaudit: evaluate: policies not loaded: parse error|1" "$(printf '%s\n' "$out" | tail -n 3)|$rc"
out=$("$FA_BIN" --db "host=$tmp/no-such-socket-dir" backtest --policy "$tmp/many.yaml" \
	--from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z 2>&1)
rc=$?
expect "backtest: 100 errors shown" "100" "$(printf '%s\n' "$out" | grep -c 'unknown severity')"
expect "backtest: the rest counted" "$many_tail" "$(printf '%s\n' "$out" | grep -A1 "many.yaml:102:58:")"
expect "backtest: exit status" "1" "$rc"

finish
