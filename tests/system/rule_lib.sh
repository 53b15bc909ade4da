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
