#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit zone diff` over the 2018 root-zone series: every archived
# version 006..050 is rebuilt with patch from snapshot 006, consecutive
# versions are diffed, and the changes must equal, line for line, those
# that zone_oracle.py (an independent Python model) computes. Then a few
# changes seen in the data are checked by hand. Needs no database.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/zone_lib.sh"
rootzone_corpus
for tool in patch python3; do
	if ! command -v $tool > /dev/null; then
		echo "NOT RUN: $tool is not installed"
		exit 77
	fi
done
oracle=$FA_SOURCE_DIR/tests/system/zone_oracle.py
tmp=$(mktemp -d /tmp/fa-zone-root-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# fluxaudit's CSV in the oracle's line format, sorted.
to_lines() {
	python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print("\n".join(sorted(" ".join([r["kind"], r["name"], r["rrtype"], r["value"],
	r["ttl"], r["old_value"]]) for r in rows)))' | sed '/^$/d'
}

# Rebuild every version from 006 and the diffs, in order.
rootzone_rebuild "$corpus" "$tmp" || fail "the series could not be rebuilt"
versions=("${rootzone_versions[@]}")
[ "${#versions[@]}" -eq 45 ] || fail "${#versions[@]} versions rebuilt, expected 45"

# Version 006 spells IDN owners as raw UTF-8 (later versions use A-labels):
# not a master file libzscanner accepts, so it is refused whole, naming
# the first such line.
"$FA_BIN" zone diff --origin . "$tmp/v006" "$tmp/v007" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "006: exit $rc, expected 1 (refused)"
[ ! -s "$tmp/out" ] || fail "006: refused, yet changes were printed"
grep -qF "\"$tmp/v006\" line 10925: invalid domain name character" "$tmp/err" ||
	fail "006: message does not name file, line and reason: $(cat "$tmp/err")"

# Every consecutive pair from 007 on against the oracle (one run over the
# series: want/changes.i is version i-1 to i of 007..050).
mkdir "$tmp/want"
series=("${versions[@]:1}")
python3 "$oracle" --series . "$tmp/want" "${series[@]/#/$tmp/v}"
total=0
changed_pairs=0
for ((i = 1; i < ${#series[@]}; i++)); do
	a=${series[i - 1]}
	b=${series[i]}
	if ! "$FA_BIN" zone diff --origin . --format csv "$tmp/v$a" "$tmp/v$b" \
		> "$tmp/out.csv" 2> "$tmp/err"; then
		fail "$a-$b: zone diff failed: $(cat "$tmp/err")"
		continue
	fi
	to_lines < "$tmp/out.csv" > "$tmp/got.$a-$b"
	if ! cmp -s "$tmp/got.$a-$b" "$tmp/want/changes.$i"; then
		fail "$a-$b: changes differ from the oracle:"
		diff "$tmp/want/changes.$i" "$tmp/got.$a-$b" | head -20 >&2
	fi
	n=$(wc -l < "$tmp/got.$a-$b")
	total=$((total + n))
	[ "$n" -gt 0 ] && changed_pairs=$((changed_pairs + 1))
done
echo "root zone: $total changes in $changed_pairs of $((${#versions[@]} - 2)) version pairs"

# The oracle must not agree by being empty: the series has real churn.
[ "$total" -eq 364 ] || fail "$total changes in all, expected 364"

# 007 -> 008 only bumps the SOA serial.
[ ! -s "$tmp/got.007-008" ] || fail "007-008 (serial only) gave changes"
# 031 -> 032: 64 KB of diff, NSEC chain and DNSKEY churn; only .au's DS went.
[ "$(wc -l < "$tmp/got.031-032")" -eq 2 ] || fail "031-032: expected 2 changes"

# Re-ordering and letter case: version 020 shuffled, owners upper-cased.
python3 - "$tmp/v020" "$tmp/shuffled" <<'PY'
import random, sys
lines = open(sys.argv[1], encoding="ascii").read().splitlines()
body = lines[1:]
random.Random(20180204).shuffle(body)
body = [l.split(None, 1)[0].upper() + "\t" + l.split(None, 1)[1] for l in body]
open(sys.argv[2], "w", encoding="ascii").write("\n".join([lines[0]] + body) + "\n")
PY
"$FA_BIN" zone diff --origin . --format csv "$tmp/v020" "$tmp/shuffled" > "$tmp/out" ||
	fail "shuffled 020: zone diff failed"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "shuffled 020: changes reported: $(head -3 "$tmp/out")"

expect() { # pair line
	grep -qxF -- "$2" "$tmp/got.$1" || fail "$1: missing change '$2'"
}

# 008 -> 009: .tl (and seven other CoCCA TLDs) moved from dyntld.net to
# CoCCA's servers: the whole NS set and all its glue replaced.
[ "$(grep -c -e ' tl NS ' -e '\.tl\.dyntld\.net ' "$tmp/got.008-009")" -eq 8 ] ||
	fail "008-009: .tl should give exactly 8 changes"
for line in \
	"ns_rem tl NS a.tl.dyntld.net 172800 " \
	"ns_rem tl NS b.tl.dyntld.net 172800 " \
	"ns_add tl NS ns.cocca.fr 172800 " \
	"ns_add tl NS ns.coccaregistry.org 172800 " \
	"glue_rem a.tl.dyntld.net A 199.19.5.12 172800 " \
	"glue_rem a.tl.dyntld.net AAAA 2001:500:92::12 172800 " \
	"glue_rem b.tl.dyntld.net A 199.19.6.12 172800 " \
	"glue_rem b.tl.dyntld.net AAAA 2001:500:96::12 172800 "; do
	expect 008-009 "$line"
done

# 015 -> 016: .bbc's two name servers renumbered, v4 and v6: each address
# is one removal and one addition, and nothing else changed.
printf '%s\n' \
	"glue_add dns1.nic.bbc A 213.248.219.4 172800 " \
	"glue_add dns1.nic.bbc AAAA 2a01:618:403::4 172800 " \
	"glue_add dns2.nic.bbc A 103.49.83.4 172800 " \
	"glue_add dns2.nic.bbc AAAA 2401:fd80:403::4 172800 " \
	"glue_rem dns1.nic.bbc A 213.248.217.4 172800 " \
	"glue_rem dns1.nic.bbc AAAA 2a01:618:401::4 172800 " \
	"glue_rem dns2.nic.bbc A 103.49.81.4 172800 " \
	"glue_rem dns2.nic.bbc AAAA 2401:fd80:401::4 172800 " > "$tmp/want.bbc"
cmp -s "$tmp/want.bbc" "$tmp/got.015-016" || fail "015-016: not exactly the .bbc renumbering"

# 013 -> 014: .nu and .se gained in-zone name servers with v4 and v6 glue.
expect 013-014 "ns_add nu NS y.ns.nu 172800 "
expect 013-014 "glue_add y.ns.nu AAAA 2620:10a:80aa::150 172800 "
expect 013-014 "glue_add z.ns.se A 185.159.198.150 172800 "

# 049 -> 050: .museum's DS appeared.
expect 049-050 "ds_add museum DS 53111 8 2 07270B11106E18C99EA85FC48A92C6D9DC519AC9F818D419B359B4A6DA7D1AEE 86400 "

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
