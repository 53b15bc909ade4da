#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A log replaced by another file that shares its first 4 KiB (so its
# identity) but differs where the last ingest stopped must not be resumed
# in the middle of a record: it is read again from the start, which the
# idempotent ingest makes safe, and nothing of it is lost.
#
# replaced-before.log: 10 records. replaced-after.log: the same first 8,
# then 3 other, longer ones; offset 5632 (the end of the first file) falls
# inside the second of those.
set -euo pipefail

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it)"
	exit 77
fi
. "$(dirname "$0")/rule_lib.sh"

data="$FA_SOURCE_DIR/tests/data/store"
work=$(mktemp -d)
log="$work/E.log"

make_db fa_test_replaced_$$
trap 'rm -rf "$work"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

cp "$data/replaced-before.log" "$log"
"$FA_BIN" --db "$conn" ingest epp "$log" >/dev/null 2>&1
expect "first file: 10 transactions" "10" "$(q "SELECT count(*) FROM txns")"

cp "$data/replaced-after.log" "$log"
out=$("$FA_BIN" --db "$conn" ingest epp "$log" 2>&1)
expect "the change is noticed and named" \
	"fluxaudit: \"$log\" has changed since its checkpoint (no record starts at offset 5632), reading it from the start" \
	"$(printf '%s\n' "$out" | grep -F 'has changed')"
expect "summary: the 3 new records stored, the 8 shared ones known" \
	"$log: 11 records read, 3 transactions new, 8 duplicates, 0 read-only not stored, 3 events written, 0 rejected, 0 incomplete at the end" \
	"$(printf '%s\n' "$out" | grep -F "$log: ")"
expect "13 transactions, no reject" "13|0" \
	"$(q "SELECT (SELECT count(*) FROM txns), (SELECT count(*) FROM rejects)")"
expect "the checkpoint is at the end of the new file" "$(stat -c %s "$log")" \
	"$(q "SELECT byte_offset FROM input_checkpoints")"

finish
