#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit db migrate / status: apply in order, idempotent, checksums,
# a failing file leaves nothing behind, unreachable database.
set -uo pipefail
name=migrate
. "$FA_SOURCE_DIR/tests/data/store/lib.sh"

# The shipped files, in version order (other modules add their own).
files=$(cd "$FA_SOURCE_DIR/sql" && ls [0-9]*_*.sql | sort -n)
nfiles=$(echo "$files" | wc -l)
out=$(fa db migrate 2>&1)
expect "first migrate applies every file in order" \
"$(echo "$files" | sed 's/^/applied /')
$nfiles migration(s) applied" "$out"

out=$(fa db migrate 2>&1); rc=$?
expect "second migrate is a no-op" "database is up to date rc=0" "$out rc=$rc"

expect "recorded checksums are the files' SHA-256" \
"$(for f in $files; do echo "$((10#${f%%_*}))|$f|$(sha256sum "$FA_SOURCE_DIR/sql/$f" | cut -c1-64)"; done)" \
	"$(q 'SELECT version, name, sha256 FROM fa_migrations ORDER BY version')"

# A directory with one more good file and one that fails half-way.
mig="$work/sql"
mkdir "$mig"
cp "$FA_SOURCE_DIR"/sql/*.sql "$mig/"
echo 'CREATE TABLE test_extra (a int);' >"$mig/900_extra.sql"
printf 'CREATE TABLE test_half (a int);\nSELECT no_such_function();\n' >"$mig/901_bad.sql"

out=$(fa db status --dir "$mig" | sed 's/ *[0-9T:Z-]*$//; s/  */ /g')
expect "status lists applied and pending" \
"$(echo "$files" | sed 's/$/ applied/')
900_extra.sql pending
901_bad.sql pending
$nfiles applied, 2 pending" "$out"

out=$(fa db migrate --dir "$mig" 2>&1); rc=$?
expect "a failing file stops migrate with exit 1 after the good one" \
	"applied 900_extra.sql|rc=1" "$(echo "$out" | head -n 1)|rc=$rc"
case "$out" in
*'fluxaudit: could not apply "901_bad.sql": function no_such_function() does not exist') echo "ok: the error names the file and the reason" ;;
*) echo "FAIL: unexpected error: $out"; failures=$((failures + 1)) ;;
esac
expect "the failed file left no table and no row" "f|900" \
	"$(q "SELECT to_regclass('test_half') IS NOT NULL, (SELECT max(version) FROM fa_migrations)")"

# An applied file that changed is refused before anything else runs.
rm "$mig/901_bad.sql"
echo '-- edited later' >>"$mig/001_core.sql"
echo 'CREATE TABLE test_never (a int);' >"$mig/902_never.sql"
out=$(fa db migrate --dir "$mig" 2>&1); rc=$?
expect "a changed applied file is an error naming it" \
	'fluxaudit: migration "001_core.sql" was changed after it was applied (checksum differs from the one recorded) rc=1' \
	"$out rc=$rc"
expect "nothing was applied after the refusal" "f" \
	"$(q "SELECT to_regclass('test_never') IS NOT NULL")"

# Two concurrent runs on a fresh database: the advisory lock serializes
# them, each file is applied once.
db2="${db}_b"
psql_admin -c "CREATE DATABASE $db2"
DB2=$(conn_for "$db2")
"$FA_BIN" --db "$DB2" db migrate >"$work/m1" 2>&1 &
"$FA_BIN" --db "$DB2" db migrate >"$work/m2" 2>&1 &
wait
expect "concurrent migrate applies each file once" "$nfiles" \
	"$(psql "$DB2" -X -A -t -c 'SELECT count(*) FROM fa_migrations')"
expect "both concurrent runs succeed" \
	"$( (echo "$files" | sed 's/^/applied /'; echo "$nfiles migration(s) applied"; echo "database is up to date") | sort)" \
	"$(cat "$work/m1" "$work/m2" | sort)"
psql_admin -c "DROP DATABASE $db2" >/dev/null

out=$("$FA_BIN" --db "host=$work/no-such-dir dbname=x" db migrate 2>&1); rc=$?
case "$out" in
"fluxaudit: could not connect to the database: connection to server on socket \"$work/no-such-dir/.s.PGSQL."*) echo "ok: unreachable database names the libpq reason" ;;
*) echo "FAIL: unexpected message: $out"; failures=$((failures + 1)) ;;
esac
expect "unreachable database exits 1" "1" "$rc"

"$FA_BIN" db frobnicate >/dev/null 2>&1; rc=$?
expect "unknown db action is a usage error" "2" "$rc"
finish
