#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BIND 9's checkzone zones through libzscanner (via `fluxaudit zone diff`
# of each file against itself): good-* zones parse, bad-* zones that are
# bad for a syntactic reason are refused with a message naming the file,
# the line and the reason, and nothing is printed for a refused file.
#
# Every good-*/bad-* file has one line in the table below (a file without
# one fails the test), with its category:
#   good    parses
#   gap     a good zone that libzscanner 3.2.6 (Debian 12) cannot read: a
#           limitation of the parser, reported, not worked around; it is
#           refused with the message given, and the day a newer library
#           reads it this test fails so that the line is moved to "good"
#   syn     bad for a syntactic reason: refused at the line, for the reason
#   syngap  bad for a syntactic reason that libzscanner 3.2.6 accepts
#           (NSEC3 next-owner with base32 padding): reported as a gap
#   sem     bad for a semantic reason, which a master-file parser does not
#           judge and the delegation model does not need:
#             bad-cname-and-*   CNAME beside other data at one owner (the
#                               rule is about the set of records at a name;
#                               some are refused anyway because 3.2.6 does
#                               not know the other type or reads its rdata
#                               differently - the reason is then given)
#             bad-_dns-svcb2-6  RFC 9461 rules for _dns SVCB parameters
#             bad-cdnskey, bad-cds  CDNSKEY/CDS not matching the DNSKEY set
#             bad-ds, bad-ds-2  DS at the apex / at a name that is no
#                               delegation (the DS is well formed)
#             bad-rpz-prefix    an RPZ address-prefix owner that only
#                               means something to RPZ
#             bad-svcb-servername  '_' in an SVCB target: a host-name rule
#           for these the table says what libzscanner does ("ok" or the
#           refusal), and that is checked too.
# Needs no database.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
dir=${FA_CORPUS_DIR:-}/bind9-zones/bin/tests/system/checkzone/zones
if [ -z "${FA_CORPUS_DIR:-}" ] || [ ! -d "$dir" ]; then
	echo "NOT RUN: bind9 checkzone zones not found (FA_CORPUS_DIR=${FA_CORPUS_DIR:-unset})"
	exit 77
fi
tmp=$(mktemp -d /tmp/fa-zone-bind9-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

cat > "$tmp/table" <<'TABLE'
good|good-cdnskey.db|ok
good|good-cds-unsigned.db|ok
good|good-cds.db|ok
gap|good-dns-sd-reverse.db|line 8: invalid record data
good|good-gc-msdcs.db|ok
gap|good-generate-modifier.db|line 6: invalid directive
gap|good-nsap.db|line 7: unsupported record type
gap|good-nsec3-nopadhash.db|line 7: invalid Base32hex character
good|good-occulted-ns-by-dname.db|ok
good|good-occulted-ns-by-ns.db|ok
good|good-rpz-prefix.db|ok
good|good-spf-exception.db|ok
gap|good-svcb.db|line 16: invalid parameter
syn|bad-_dns-svcb1.db|line 7: invalid parameter
sem|bad-_dns-svcb2.db|ok
sem|bad-_dns-svcb3.db|ok
sem|bad-_dns-svcb4.db|ok
sem|bad-_dns-svcb5.db|ok
sem|bad-_dns-svcb6.db|ok
syn|bad-badclass.raw|line 1: owner is invalid
syn|bad-caa-rr.db|line 1: invalid directive
sem|bad-cdnskey.db|ok
sem|bad-cds.db|ok
sem|bad-cname-and-a.db|ok
sem|bad-cname-and-a6.db|line 4: unsupported record type
sem|bad-cname-and-aaaa.db|ok
sem|bad-cname-and-afsdb.db|ok
sem|bad-cname-and-amtrelay.db|line 5: unsupported record type
sem|bad-cname-and-apl.db|ok
sem|bad-cname-and-atma.db|line 5: unsupported record type
sem|bad-cname-and-avc.db|line 5: unsupported record type
sem|bad-cname-and-brid.db|line 5: invalid number
sem|bad-cname-and-caa.db|ok
sem|bad-cname-and-cdnskey.db|line 5: invalid Base64 character
sem|bad-cname-and-cds.db|ok
sem|bad-cname-and-cert.db|line 6: invalid Base64 character
sem|bad-cname-and-csync.db|ok
sem|bad-cname-and-dhcid.db|line 5: invalid Base64 character
sem|bad-cname-and-dlv.db|line 5: unsupported record type
sem|bad-cname-and-dname.db|ok
sem|bad-cname-and-doa.db|line 5: unsupported record type
sem|bad-cname-and-dsync.db|line 5: unsupported record type
sem|bad-cname-and-eid.db|line 5: unsupported record type
sem|bad-cname-and-eui48.db|ok
sem|bad-cname-and-eui64.db|ok
sem|bad-cname-and-gpos.db|line 5: invalid number
sem|bad-cname-and-hhit.db|line 5: unsupported record type
sem|bad-cname-and-hinfo.db|ok
sem|bad-cname-and-hip.db|line 5: unsupported record type
sem|bad-cname-and-https.db|ok
sem|bad-cname-and-ipseckey.db|ok
sem|bad-cname-and-isdn.db|line 5: unsupported record type
sem|bad-cname-and-key.db|line 5: invalid Base64 character
sem|bad-cname-and-kx.db|ok
sem|bad-cname-and-l32.db|ok
sem|bad-cname-and-l64.db|ok
sem|bad-cname-and-loc.db|ok
sem|bad-cname-and-lp.db|ok
sem|bad-cname-and-md.db|line 5: unsupported record type
sem|bad-cname-and-mg.db|line 5: unsupported record type
sem|bad-cname-and-minfo.db|ok
sem|bad-cname-and-mx.db|ok
sem|bad-cname-and-naptr.db|ok
sem|bad-cname-and-nid.db|ok
sem|bad-cname-and-nimloc.db|line 5: unsupported record type
sem|bad-cname-and-ninfo.db|line 5: unsupported record type
sem|bad-cname-and-ns-soa.db|ok
sem|bad-cname-and-nsap-ptr.db|line 5: unsupported record type
sem|bad-cname-and-nsap.db|line 5: unsupported record type
sem|bad-cname-and-openpgpkey.db|line 5: invalid Base64 character
sem|bad-cname-and-ptr.db|ok
sem|bad-cname-and-px.db|line 5: unsupported record type
sem|bad-cname-and-resinfo.db|line 5: unsupported record type
sem|bad-cname-and-rkey.db|line 5: unsupported record type
sem|bad-cname-and-rp.db|ok
sem|bad-cname-and-rt.db|ok
sem|bad-cname-and-sink.db|line 5: unsupported record type
sem|bad-cname-and-smimea.db|ok
sem|bad-cname-and-spf.db|ok
sem|bad-cname-and-srv.db|ok
sem|bad-cname-and-sshfp.db|ok
sem|bad-cname-and-svcb.db|ok
sem|bad-cname-and-ta.db|line 5: unsupported record type
sem|bad-cname-and-talink.db|line 5: unsupported record type
sem|bad-cname-and-tlsa.db|ok
sem|bad-cname-and-txt.db|ok
sem|bad-cname-and-type54.db|ok
sem|bad-cname-and-type69.db|ok
sem|bad-cname-and-uri.db|ok
sem|bad-cname-and-wallet.db|line 5: invalid number
sem|bad-cname-and-wks.db|line 5: invalid number
sem|bad-cname-and-x25.db|line 5: invalid number
sem|bad-cname-and-zonemd.db|ok
syn|bad-dhcid.db|line 1: invalid record data
syn|bad-dns-sd-reverse.db|line 8: invalid record data
sem|bad-ds-2.db|ok
sem|bad-ds.db|ok
syn|bad-eid.db|line 1: unsupported record type
syn|bad-eui48-no-leading-zero.db|line 5: invalid hexadecimal character
syn|bad-eui48-three-digits.db|line 5: missing dash character
syn|bad-eui48-too-short.db|line 5: invalid EUI length
syn|bad-eui48-trailing-garbage.db|line 5: missing dash character
syn|bad-eui64-no-leading-zero.db|line 5: invalid hexadecimal character
syn|bad-eui64-three-digits.db|line 5: missing dash character
syn|bad-eui64-too-short.db|line 5: invalid EUI length
syn|bad-eui64-trailing-garbage.db|line 5: missing dash character
syn|bad-generate-garbage.db|line 6: invalid directive
syn|bad-generate-missing-brace.db|line 6: invalid directive
syn|bad-generate-range.db|line 7: invalid directive
syn|bad-generate-tkey.db|line 6: invalid directive
syn|bad-include-directory.db|line 1: $INCLUDE
syn|bad-nsap-empty.db|line 7: unsupported record type
syn|bad-nsap-odd-nibble.db|line 7: unsupported record type
syn|bad-nsec3-length.db|line 6: invalid Base32hex character
syngap|bad-nsec3-padded.db|ok
syn|bad-nsec3owner-padded.db|line 7: invalid domain name character
sem|bad-rpz-prefix.db|ok
syn|bad-svcb-alpn1.db|line 6: empty comma-separated list item
syn|bad-svcb-alpn2.db|line 6: empty comma-separated list item
syn|bad-svcb-alpn3.db|line 6: empty comma-separated list item
syn|bad-svcb-alpn4.db|line 6: empty comma-separated list item
syn|bad-svcb-alpn5.db|line 6: empty comma-separated list item
syn|bad-svcb-alpn6.db|line 6: empty comma-separated list item
syn|bad-svcb-mandatory.db|line 6: missing mandatory parameter
sem|bad-svcb-servername.db|ok
syn|bad-svcb.db|line 6: invalid parameter
syn|bad-tkey.db|line 6: unsupported record type
syn|bad-tsig.db.j2|line 1: owner is invalid
syn|bad-unspec.db|line 5: unable to process text form for this type
TABLE

declare -A cat want
while IFS='|' read -r c f r; do
	cat[$f]=$c
	want[$f]=$r
done < "$tmp/table"

n=0
for path in "$dir"/good-* "$dir"/bad-*; do
	f=$(basename "$path")
	n=$((n + 1))
	if [ -z "${cat[$f]:-}" ]; then
		fail "$f: not in the table"
		continue
	fi
	"$FA_BIN" zone diff --origin example "$path" "$path" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	case "${cat[$f]}:${want[$f]}" in
	good:ok | sem:ok | syngap:ok)
		[ "$rc" -eq 0 ] || fail "$f: refused ($(cat "$tmp/err")), expected to parse"
		# a file against itself: the header and no change
		[ "$(wc -l < "$tmp/out")" -eq 2 ] || fail "$f: changes against itself"
		;;
	*)
		[ "${want[$f]}" != ok ] || fail "$f: category ${cat[$f]} cannot be ok"
		[ "$rc" -eq 1 ] || fail "$f: exit $rc, expected 1 (refused)"
		[ ! -s "$tmp/out" ] || fail "$f: refused, yet output was printed"
		grep -qF "\"$path\" ${want[$f]}" "$tmp/err" ||
			fail "$f: message '$(cat "$tmp/err")' lacks '\"$path\" ${want[$f]}'"
		;;
	esac
done
[ "$n" -eq 129 ] || fail "$n good-*/bad-* files, expected 129"
echo "bind9 zones: $n files; $(grep -c '^good|' "$tmp/table") good parse," \
	"$(grep -c '^syn|' "$tmp/table") syntactically bad refused," \
	"$(grep -c '^gap|' "$tmp/table") good ones libzscanner cannot read," \
	"$(grep -c '^syngap|' "$tmp/table") bad one it accepts," \
	"$(grep -c '^sem|' "$tmp/table") semantic"
if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
