#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Write fuzz seeds for fuzz_epp into DIR: every frame of tests/data/epp as
# a single frame (format byte 0x03, and 0x07 with the small frame limit)
# and as auto-detected input (0x00), envelope logs (0x01) pairing the
# command frames with responses, and RFC 5734 streams (0x02) of a session.
set -euo pipefail

out=${1:?usage: make_seeds.sh DIR}
data=$(cd "$(dirname "$0")/../tests/data/epp" && pwd)
mkdir -p "$out"

be32() { # the 4-byte big-endian total length of a frame of $1 bytes
	local n=$(($1 + 4))
	printf "\\x$(printf %02x $((n >> 24 & 255)))\\x$(printf %02x $((n >> 16 & 255)))"
	printf "\\x$(printf %02x $((n >> 8 & 255)))\\x$(printf %02x $((n & 255)))"
}

for f in "$data"/*.xml; do
	b=$(basename "$f" .xml)
	for fmt in 00 03 07; do
		{ printf "\\x$fmt"; cat "$f"; } > "$out/frame-$fmt-$b"
	done
done

rsps=(rsp_1000.xml rsp_1001.xml rsp_2303.xml rsp_domain_infdata.xml)
i=0
for f in "$data"/cmd_*.xml "$data"/bad_*.xml; do
	b=$(basename "$f" .xml)
	r=$data/${rsps[$((i % ${#rsps[@]}))]}
	i=$((i + 1))
	{
		printf '\x01#fluxaudit-epp-log v1\n'
		printf 'EPPTX time=2026-11-02T09:15:04.120Z clid=reg-alpha addr=192.0.2.10 session=s1 cmd=%d rsp=%d\n' \
			"$(stat -c %s "$f")" "$(stat -c %s "$r")"
		cat "$f" "$r"
		printf '\nEPPTX time=2026-11-02T09:15:05Z cmd=%d rsp=0\n' "$(stat -c %s "$f")"
		cat "$f"
	} > "$out/env-$b"
	{
		printf '\x02'
		for g in rsp_greeting.xml cmd_login.xml rsp_1000.xml "$b.xml" \
			 "$(basename "$r")" cmd_logout.xml rsp_1500.xml; do
			be32 "$(stat -c %s "$data/$g")"
			cat "$data/$g"
		done
	} > "$out/raw-$b"
done

# Read from a file (format byte 0x09): a record of 70 KB between small
# ones, so that the reader's buffer grows and moves under a record.
f=$data/cmd_domain_update.xml
pad=70000
{
	printf '\x09'
	printf 'EPPTX time=2026-11-02T09:15:04Z clid=reg-alpha cmd=%d rsp=0\n' "$(stat -c %s "$f")"
	cat "$f"
	printf 'EPPTX time=2026-11-02T09:15:05Z clid=reg-beta addr=192.0.2.7 cmd=%d rsp=0\n' \
		$(($(stat -c %s "$f") + pad))
	cat "$f"
	printf '%*s' "$pad" ''
	printf 'EPPTX time=2026-11-02T09:15:06Z clid=reg-gamma cmd=%d rsp=0\n' "$(stat -c %s "$f")"
	cat "$f"
} > "$out/file-big-record"

echo "$(ls "$out" | wc -l) seeds in $out"
