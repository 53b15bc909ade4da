# SPDX-License-Identifier: Apache-2.0
# Shared by tests/system/test_store_*.sh: a private database per test,
# dropped again on exit. Source it after setting "name".

if [ -z "${FA_TEST_DB:-}" ]; then
	echo "not run: FA_TEST_DB is not set (tests/run.sh sets it to a private PostgreSQL)"
	exit 77
fi
if [ -z "${FA_BIN:-}" ] || [ ! -x "$FA_BIN" ]; then
	echo "FA_BIN does not name the fluxaudit binary" >&2
	exit 1
fi
export LC_ALL=C
data="$FA_SOURCE_DIR/tests/data/store"
db="fa_${name}_$$"
work=$(mktemp -d)

# A connection string for database $1 on the FA_TEST_DB server.
conn_for() {
	case "$FA_TEST_DB" in
	postgres://* | postgresql://*)
		local base=${FA_TEST_DB%%\?*} query=""
		if [ "$base" != "$FA_TEST_DB" ]; then
			query="?${FA_TEST_DB#*\?}"
		fi
		local hostpart=${base#*://}
		hostpart=${hostpart%%/*}
		echo "${base%%://*}://$hostpart/$1$query"
		;;
	*)
		echo "$FA_TEST_DB dbname=$1"
		;;
	esac
}

DB=$(conn_for "$db")
psql_admin() {
	psql "$FA_TEST_DB" -X -q -v ON_ERROR_STOP=1 "$@"
}
q() {	# q SQL: the result, unaligned, one row a line, | between columns
	psql "$DB" -X -A -t -v ON_ERROR_STOP=1 -c "$1"
}
fa() {
	"$FA_BIN" --db "$DB" "$@"
}

cleanup() {
	psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
psql_admin -c "CREATE DATABASE $db"

failures=0
# expect WHAT EXPECTED ACTUAL
expect() {
	if [ "$2" == "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "--- expected"
		printf '%s\n' "$2"
		echo "--- actual"
		printf '%s\n' "$3"
		failures=$((failures + 1))
	fi
}
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
