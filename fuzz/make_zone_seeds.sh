#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Write fuzz seeds for fuzz_zone into DIR from tests/data/zone: snapshot
# pairs (mode byte 0x00, old and new separated by a "====" line), the IXFR
# print (0x01) and the journal print (0x02).
set -euo pipefail

out=${1:?usage: make_zone_seeds.sh DIR}
data=$(cd "$(dirname "$0")/../tests/data/zone" && pwd)
mkdir -p "$out"

pair() { # name old new
	{ printf '\x00'; cat "$2"; printf '\n====\n'; cat "$3"; } > "$out/pair-$1"
}
pair kinds "$data/kinds-old.zone" "$data/kinds-new.zone"
pair reordered "$data/base.zone" "$data/reordered.zone"
pair noise "$data/base.zone" "$data/noise.zone"
pair syntax "$data/base.zone" "$data/syntax.zone"
pair include "$data/base.zone" "$data/include.zone"
{ printf '\x01'; cat "$data/ixfr.txt"; } > "$out/ixfr"
{ printf '\x02'; cat "$data/journal.txt"; } > "$out/journal"
