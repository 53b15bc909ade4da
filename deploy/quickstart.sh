#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# From a fresh checkout to findings: install the packages (Debian 12, as
# root), build fluxaudit, create and start a private PostgreSQL cluster
# under the checkout (.fluxaudit/pg, unix socket only), apply the
# migrations, ingest the example EPP log, evaluate the shipped policies
# with the example enrichment configuration and print what was found. Safe to run again: nothing is ingested twice.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=lib/common.sh
. deploy/lib/common.sh

log=${1:-examples/epp-sample.log}

fa_install_packages

build="$repo/build"
fa_say "building fluxaudit in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFA_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || {
	tail -n 60 "$build/build.log" >&2
	fa_die "build failed, full log in $build/build.log"
}
fa="$build/fluxaudit"

pgdir="$repo/.fluxaudit/pg"
fa_say "starting the private PostgreSQL cluster in $pgdir"
db=$(deploy/pg-private.sh start "$pgdir")

fa_say "applying migrations"
"$fa" --db "$db" db migrate || {
	cat >&2 <<HINT
hint: the database in $pgdir was made by another version of fluxaudit.
To start over with an empty one: deploy/pg-private.sh destroy $pgdir
HINT
	exit 1
}

fa_say "ingesting $log"
"$fa" --db "$db" ingest epp "$log"

# The example enrichment lists well-known DNS providers (no data files):
# the shipped policies' score discounts then apply as they would in use.
fa_say "evaluating the shipped policies ($repo/policies)"
"$fa" --db "$db" evaluate --policy "$repo/policies" \
	--enrich "$repo/policies/enrich/enrichment.yaml"

fa_say "findings"
"$fa" --db "$db" findings --status open --format table

cat <<MSG

The database keeps running. To look around:
  $fa --db "$db" events --domain fluxy.example
  $fa --db "$db" findings --format json
  psql "$db"
To stop it:   deploy/pg-private.sh stop $pgdir
MSG
