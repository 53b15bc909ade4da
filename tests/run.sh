#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Build fluxaudit with AddressSanitizer and UndefinedBehaviorSanitizer,
# start a private PostgreSQL cluster, run every test with ctest, and stop
# the cluster again (also when a test or the build fails).
#
# Usage: tests/run.sh [ctest arguments...]     (as root on Debian 12, it
# installs the packages it needs first)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=../deploy/lib/common.sh
. deploy/lib/common.sh

# python3 runs the independent oracle of the real-corpus ingest test.
fa_install_packages python3

build="$repo/build-test"
fa_say "building with sanitizers in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFA_SANITIZE=ON \
	-DFA_WERROR=ON -DFA_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || {
	tail -n 60 "$build/build.log" >&2
	fa_die "build failed, full log in $build/build.log"
}

pgdir="$repo/.fluxaudit/test-pg"
stop_pg() {
	"$repo/deploy/pg-private.sh" stop "$pgdir" || true
}
trap stop_pg EXIT
fa_say "starting the private PostgreSQL cluster in $pgdir"
FA_TEST_DB=$("$repo/deploy/pg-private.sh" start "$pgdir")
export FA_TEST_DB

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fa_say "running the tests"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
