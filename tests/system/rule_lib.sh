# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the rule system tests (sourced, not a test itself).

fails=0
checks=0

# expect NAME EXPECTED ACTUAL: compare exactly, show a diff when not equal.
expect() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /'
		fails=$((fails + 1))
	else
		echo "ok: $1"
	fi
}

finish() {
	echo "$((checks - fails)) passed, $fails failed"
	[ "$fails" -eq 0 ]
}

# Create a private database for this test, named $1; sets $conn.
make_db() {
	local name=$1
	PGOPTIONS="-c client_min_messages=warning" psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $name" >/dev/null
	psql "$FA_TEST_DB" -qAtc "CREATE DATABASE $name" >/dev/null
	case "$FA_TEST_DB" in
	postgres://* | postgresql://*)
		conn=$(printf '%s' "$FA_TEST_DB" |
			sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$name#")
		;;
	*)
		conn="$FA_TEST_DB dbname=$name"
		;;
	esac
	drop_name=$name
	trap 'psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
}

# Apply the migrations with `fluxaudit db migrate`.
migrate() {
	"$FA_BIN" --db "$conn" db migrate >/dev/null
}

q() {
	PGOPTIONS='-c timezone=UTC' psql "$conn" -qXAt -F '|' -c "$1"
}

# db_test NAME: the start of a test that needs a database: not run (exit
# 77) without FA_TEST_DB; a temporary directory $tmp and a migrated
# database NAME ($conn), both removed when the test exits.
db_test() {
	: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
	if [ -z "${FA_TEST_DB:-}" ]; then
		echo "NOT RUN: FA_TEST_DB is not set (tests/run.sh sets it)"
		exit 77
	fi
	tmp=$(mktemp -d "/tmp/$1-XXXXXX")
	make_db "$1"
	trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
	migrate
}

# fa ARGS: fluxaudit on the test's database.
fa() {
	"$FA_BIN" --db "$conn" "$@"
}
