#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Write fuzz seeds for fuzz_import into DIR: the sample export of
# tests/data/import, the same with CRLF line ends and without the last line
# end, the bare header, a wrong header, and rows at the bounds.
set -euo pipefail

out=${1:?usage: make_import_seeds.sh DIR}
data=$(cd "$(dirname "$0")/../tests/data/import" && pwd)
mkdir -p "$out"
header='type,name,registrar,registrant,created,ns,statuses,addrs'

cp "$data/sample.csv" "$out/sample"
sed 's/$/\r/' "$data/sample.csv" >"$out/crlf"
printf '%s' "$(cat "$data/sample.csv")" >"$out/no-last-lf"
printf '%s\n' "$header" >"$out/header"
printf 'type,name\ndomain,x.ee\n' >"$out/wrong-header"
{
	printf '%s\n' "$header"
	printf 'domain,max.ee,reg-a,,2020-01-01,'
	for i in $(seq 1 13); do printf 'ns%d.max.ee ' "$i"; done
	printf ',ok,\nhost,ns1.max.ee,reg-a,,,,ok,'
	for i in $(seq 1 16); do printf '192.0.2.%d ' "$i"; done
	printf '\n"host","ns2.max.ee","reg-a","","","","ok","2001:db8::1"\n'
} >"$out/bounds"
