#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Write a bootstrap CSV (docs/bootstrap.md) of N rows to stdout: 70% domains
# under .ee with 2-3 name servers, 30% hosts with 1-2 addresses; one host
# in ten is in-zone (below a domain of the file), the others are below
# 5000 provider domains that are not in the file.
#
# Usage: bench/gen-bootstrap.sh N > FILE
set -euo pipefail
n=${1:?usage: gen-bootstrap.sh N}
awk -v n="$n" 'BEGIN {
	print "type,name,registrar,registrant,created,ns,statuses,addrs"
	nd = int(n * 0.7); nh = n - nd; nin = int(nh / 10)
	for (i = 0; i < nd; i++) {
		ns = "ns1.prov" (i % 5000) ".net ns2.prov" ((i * 7) % 5000) ".net"
		if (i < nin) { ns = "ns1.d" i ".ee " ns }
		st = (i % 3 == 0) ? "clientTransferProhibited clientDeleteProhibited" : "ok"
		printf "domain,d%d.ee,reg-%02d,c-%d,%04d-%02d-%02dT10:00:00Z,%s,%s,\n", \
			i, i % 24, i, 1995 + i % 30, 1 + i % 12, 1 + i % 28, ns, st
	}
	for (j = 0; j < nh; j++) {
		if (j < nin) { name = "ns1.d" j ".ee" } else { name = "ns" j ".prov" (j % 5000) ".net" }
		a = sprintf("198.%d.%d.%d", 18 + int(j / 65536) % 2, int(j / 256) % 256, j % 256)
		if (j % 2 == 0) { a = a sprintf(" 2001:db8:%x::%x", int(j / 65536), j % 65536 + 1) }
		printf "host,%s,reg-%02d,,,,ok,%s\n", name, j % 24, a
	}
}'
