#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BIND 9's checkzone zones through libzscanner (via `fluxaudit zone diff`
# of each file against itself): good-* zones parse, bad-* zones that are
# bad for a syntactic reason are refused with a message naming the file,
# the line and the reason, and nothing is printed for a refused file.
#
# Every good-*/bad-* file has one line in tests/data/zone/bind9-table.txt
# (a file without one fails the test), with its category:
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
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
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

table=$FA_SOURCE_DIR/tests/data/zone/bind9-table.txt

declare -A cat want
while IFS='|' read -r c f r; do
	cat[$f]=$c
	want[$f]=$r
done < "$table"

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
echo "bind9 zones: $n files; $(grep -c '^good|' "$table") good parse," \
	"$(grep -c '^syn|' "$table") syntactically bad refused," \
	"$(grep -c '^gap|' "$table") good ones libzscanner cannot read," \
	"$(grep -c '^syngap|' "$table") bad one it accepts," \
	"$(grep -c '^sem|' "$table") semantic"
if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
