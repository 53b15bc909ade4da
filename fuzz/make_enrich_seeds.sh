#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Write fuzz seeds for fuzz_enrich into DIR: the tables of
# tests/data/enrich behind their parser byte (0x00 pfx2as, 0x01 consumer
# prefixes, 0x02 declarations CSV), the shipped example configuration
# (0x03), and, when the shared corpus is there, the small MaxMind DB test
# files (0x04).
set -euo pipefail

out=${1:?usage: make_enrich_seeds.sh DIR [CORPUS_DIR]}
repo=$(cd "$(dirname "$0")/.." && pwd)
data=$repo/tests/data/enrich
corpus=${2:-$repo/../shared/corpus}/maxmind-mmdb
mkdir -p "$out"

seed() { # byte name file
	{ printf "\\x$1"; cat "$3"; } > "$out/$2"
}
seed 00 pfx2as-small "$data/small.pfx2as"
seed 00 pfx2as-bad "$data/bad.pfx2as"
seed 01 consumer "$data/consumer.txt"
seed 02 declarations "$data/declarations.csv"
seed 03 config-example "$repo/policies/enrich/enrichment.yaml"
printf '\x03high_change_registrars:\n  - {registrar: reg-parkco, note: parks domains}\n  - {registrar: reg-dns}\n' \
	> "$out/config-registrars"
if [ -d "$corpus" ]; then
	for f in "$corpus"/test-data/MaxMind-DB-test-*.mmdb "$corpus"/test-data/GeoLite2-ASN-Test.mmdb \
		"$corpus"/bad-data/*/*.mmdb; do
		seed 04 "mmdb-$(basename "$f")" "$f"
	done
fi
