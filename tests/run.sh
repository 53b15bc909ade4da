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

# python3 runs the independent oracles of the real-corpus ingest and root
# zone tests, patch rebuilds the root zone versions from their diffs;
# clang and its runtime build the libFuzzer targets.
fa_install_packages python3 patch clang libclang-rt-14-dev

build="$repo/build-test"
fa_say "building with sanitizers in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFA_SANITIZE=ON \
	-DFA_WERROR=ON -DFA_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || {
	tail -n 60 "$build/build.log" >&2
	fa_die "build failed, full log in $build/build.log"
}

# Fuzz smoke run: every libFuzzer target for a short while on its seeds,
# so that a parser change that crashes on mutated input fails here. Long
# runs are for developers (fuzz/README.md). FA_FUZZ_SECONDS=0 skips it.
fuzz_seconds=${FA_FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
	fbuild="$repo/build-fuzz"
	fa_say "building the fuzz targets with clang in $fbuild"
	CC=clang cmake -S . -B "$fbuild" -DFA_FUZZ=ON -DFA_TESTS=OFF \
		-DFA_BENCH=OFF -DFA_WERROR=ON >/dev/null
	cmake --build "$fbuild" -j"$(nproc)" >"$fbuild/build.log" 2>&1 || {
		tail -n 60 "$fbuild/build.log" >&2
		fa_die "fuzz build failed, full log in $fbuild/build.log"
	}
	rm -rf "$fbuild/seeds"
	mkdir -p "$fbuild/seeds/policy" "$fbuild/work/epp" "$fbuild/work/policy" \
		"$fbuild/work/zone" "$fbuild/work/import"
	fuzz/make_seeds.sh "$fbuild/seeds/epp" >/dev/null
	fuzz/make_zone_seeds.sh "$fbuild/seeds/zone"
	fuzz/make_import_seeds.sh "$fbuild/seeds/import"
	fuzz/make_enrich_seeds.sh "$fbuild/seeds/enrich"
	mkdir -p "$fbuild/work/enrich"
	cp policies/*.yaml tests/data/rule/*.yaml "$fbuild/seeds/policy/"
	for t in epp policy zone import enrich; do
		fa_say "fuzzing $t for ${fuzz_seconds}s"
		(cd "$fbuild/work" && "$fbuild/fuzz/fuzz_$t" -max_total_time="$fuzz_seconds" \
			-max_len=1100000 -print_final_stats=1 "$fbuild/work/$t" \
			"$fbuild/seeds/$t" >"$fbuild/fuzz-$t.log" 2>&1) || {
			tail -n 40 "$fbuild/fuzz-$t.log" >&2
			fa_die "fuzz_$t found a failure, see $fbuild/fuzz-$t.log and $fbuild/work"
		}
		grep -E '^stat::number_of_executed_units' "$fbuild/fuzz-$t.log" >&2 || true
	done
fi

pgdir="$repo/.fluxaudit/test-pg"
stop_pg() {
	"$repo/deploy/pg-private.sh" stop "$pgdir" 2>/dev/null || true
}
trap stop_pg EXIT
# A new cluster every run: what an earlier run (or an older version of the
# schema) left behind must not decide this one.
"$repo/deploy/pg-private.sh" destroy "$pgdir" 2>/dev/null || true
fa_say "starting the private PostgreSQL cluster in $pgdir"
FA_TEST_DB=$("$repo/deploy/pg-private.sh" start "$pgdir")
export FA_TEST_DB

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fa_say "running the tests"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
