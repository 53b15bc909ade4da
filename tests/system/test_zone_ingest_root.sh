#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fluxaudit ingest zone` over the 2018 root-zone series: version 006 is
# refused (raw UTF-8 owners) and leaves nothing but a reject, 007 is the
# baseline, 008..050 are ingested in order. After every step the events of
# its serial must equal zone_oracle.py's changes between the two versions,
# and the stored model must equal the oracle's model of the version.
set -u

: "${FA_BIN:?FA_BIN must name the fluxaudit binary}"
: "${FA_SOURCE_DIR:?FA_SOURCE_DIR must name the source tree}"
. "$FA_SOURCE_DIR/tests/system/zone_lib.sh"
rootzone_corpus db
. "$FA_SOURCE_DIR/tests/system/rule_lib.sh"
oracle=$FA_SOURCE_DIR/tests/system/zone_oracle.py
tmp=$(mktemp -d /tmp/fa-zone-ingest-root-XXXXXX)
make_db fa_zone_ingest_root
trap 'rm -rf "$tmp"; psql "$FA_TEST_DB" -qAtc "DROP DATABASE IF EXISTS $drop_name" >/dev/null' EXIT
migrate

rootzone_rebuild "$corpus" "$tmp" || expect "series rebuilt" ok failed
expect "versions rebuilt" 45 "${#rootzone_versions[@]}"

ingest() { # VERSION
	local serial
	serial=$(rootzone_serial "$tmp/v$1")
	"$FA_BIN" --db "$conn" ingest zone --origin . \
		--time "${serial:0:4}-${serial:4:2}-${serial:6:2}T${serial:8:2}:00:00Z" \
		"$tmp/v$1"
}

# The events of one serial in the oracle's line format.
events_of() {
	q "SELECT concat_ws(' ', substr(kind, 6),
		CASE WHEN detail->>'rrtype' IN ('A', 'AAAA') THEN host ELSE domain END,
		detail->>'rrtype', coalesce(value, ''), detail->>'ttl',
		coalesce(detail->>'old_ttl', ''))
	   FROM events WHERE txn_key = 'zone:.:$1'" | sed 's/ $/ /' | LC_ALL=C sort
}

model_of_db() {
	q "SELECT owner || ' ' || rrtype || ' ' || rdata FROM zone_records WHERE zone = '.'
	   UNION ALL
	   SELECT owner || ' ' || rrtype || ' ttl=' || min(ttl) FROM zone_records
	   WHERE zone = '.' GROUP BY owner, rrtype" | LC_ALL=C sort
}

# 006: refused whole, with file, line and reason; nothing stored but the
# reject.
ingest 006 > "$tmp/out" 2> "$tmp/err"
expect "006 refused (exit 1)" 1 $?
expect "006 message names file, line, reason" 1 \
	"$(grep -cF "\"$tmp/v006\" line 10925: invalid domain name character" "$tmp/err")"
expect "006 stored nothing" "0|0|0" \
	"$(q "SELECT (SELECT count(*) FROM zone_records), (SELECT count(*) FROM zone_snapshots), (SELECT count(*) FROM events)")"
expect "006 kept as a reject" 1 \
	"$(q "SELECT count(*) FROM rejects WHERE source = '$tmp/v006' AND reason LIKE '%line 10925: invalid domain name character%'")"

# The oracle over 007..050, each file read once: want/model.i and
# want/changes.i for version i of that list.
mkdir "$tmp/want"
series=("${rootzone_versions[@]:1}")
python3 "$oracle" --series . "$tmp/want" "${series[@]/#/$tmp/v}"

# 007: the baseline, no events, the oracle's model.
ingest 007 > "$tmp/out" 2> "$tmp/err" || expect "007 ingested" ok "$(cat "$tmp/err")"
expect "007 baseline line" 1 "$(grep -c '(baseline): 0 events' "$tmp/out")"
model_of_db > "$tmp/got.model"
expect "007 model = oracle ($(wc -l < "$tmp/want/model.0") lines)" "" \
	"$(diff "$tmp/want/model.0" "$tmp/got.model" | head -5)"

total=0
bad_steps=0
for ((i = 1; i < ${#series[@]}; i++)); do
	v=${series[i]}
	serial=$(rootzone_serial "$tmp/v$v")
	if ! ingest "$v" > "$tmp/out" 2> "$tmp/err"; then
		expect "$v ingested" ok "$(cat "$tmp/err")"
		bad_steps=$((bad_steps + 1))
		continue
	fi
	events_of "$serial" > "$tmp/got.$v"
	model_of_db > "$tmp/got.model"
	if ! cmp -s "$tmp/want/changes.$i" "$tmp/got.$v" ||
		! cmp -s "$tmp/want/model.$i" "$tmp/got.model"; then
		echo "FAIL: ${series[i - 1]}-$v: events or model differ from the oracle"
		diff "$tmp/want/changes.$i" "$tmp/got.$v" | head -10
		diff "$tmp/want/model.$i" "$tmp/got.model" | head -10
		bad_steps=$((bad_steps + 1))
	fi
	total=$((total + $(wc -l < "$tmp/got.$v")))
done
expect "43 steps agree with the oracle (events and model)" 0 "$bad_steps"
# The same 364 changes `zone diff` reports over 007..050.
expect "events stored over the series" "364|364" \
	"$(q "SELECT (SELECT count(*) FROM events), (SELECT sum(changes) FROM zone_snapshots)")"
expect "oracle total" 364 "$total"
expect "snapshots recorded" "44|1|43" \
	"$(q "SELECT count(*), count(*) FILTER (WHERE kind = 'baseline'), count(*) FILTER (WHERE kind = 'snapshot') FROM zone_snapshots")"
expect "events carry the serial as their source position" 0 \
	"$(q "SELECT count(*) FROM events e WHERE e.source_offset::text <> split_part(e.txn_key, ':', 3)")"

# Exact expectations. 008 -> 009: .tl's NS set and glue replaced.
expect ".tl replaced in 2018013101" "$(printf '%s\n' \
	'glue_rem a.tl.dyntld.net A 199.19.5.12' \
	'glue_rem a.tl.dyntld.net AAAA 2001:500:92::12' \
	'glue_rem b.tl.dyntld.net A 199.19.6.12' \
	'glue_rem b.tl.dyntld.net AAAA 2001:500:96::12' \
	'ns_add tl ns.cocca.fr' 'ns_add tl ns.coccaregistry.org' \
	'ns_rem tl a.tl.dyntld.net' 'ns_rem tl b.tl.dyntld.net')" \
	"$(q "SELECT concat_ws(' ', substr(kind, 6),
		CASE WHEN kind LIKE 'zone.glue%' THEN host ELSE domain END,
		CASE WHEN kind LIKE 'zone.glue%' THEN detail->>'rrtype' END, value)
	   FROM events WHERE txn_key = 'zone:.:$(rootzone_serial "$tmp/v009")'
	   AND (domain = 'tl' OR host LIKE '%.tl.dyntld.net')" | LC_ALL=C sort)"
# a.tl.dyntld.net is glue of the delegation tl, but it lies below net:
# its events belong to the enclosing delegation, net.
expect "glue events name their enclosing delegation" "net" \
	"$(q "SELECT DISTINCT domain FROM events WHERE host = 'a.tl.dyntld.net' AND kind LIKE 'zone.glue%'")"
# 015 -> 016: .bbc renumbered: per address one removal and one addition.
expect ".bbc renumbering" "4|4|bbc" \
	"$(q "SELECT count(*) FILTER (WHERE kind = 'zone.glue_add'), count(*) FILTER (WHERE kind = 'zone.glue_rem'), string_agg(DISTINCT domain, ',') FROM events WHERE txn_key = 'zone:.:$(rootzone_serial "$tmp/v016")'")"
# Nothing attributed: no EPP state for the root zone.
expect "root-zone events unattributed" "0" \
	"$(q "SELECT count(*) FROM events WHERE registrar IS NOT NULL")"

# Feeding 050 again and an older version: skipped, refused.
ingest 050 > "$tmp/out" 2>&1
expect "050 again: exit 0, nothing to do" "0 1" "$? $(grep -c 'already ingested; nothing to do' "$tmp/out")"
# An older serial never ingested (007's content as serial 2018010100).
sed '1s/2018013000/2018010100/' "$tmp/v007" > "$tmp/older"
"$FA_BIN" --db "$conn" ingest zone --origin . "$tmp/older" > "$tmp/out" 2>&1
expect "an older serial after 050: refused" "1 1" \
	"$? $(grep -c 'serial 2018010100 of zone "." is older than the last ingested serial' "$tmp/out")"
expect "no further snapshot stored" 44 "$(q "SELECT count(*) FROM zone_snapshots")"

# Shuffled records and upper-cased owners: a new serial, no event.
python3 - "$tmp/v050" "$tmp/shuffled" <<'PY'
import random, sys
lines = open(sys.argv[1], encoding="ascii").read().splitlines()
soa = lines[0].split("\t")
fields = soa[-1].split(" ")
fields[2] = str(int(fields[2]) + 1)
soa[-1] = " ".join(fields)
body = lines[1:]
random.Random(2018).shuffle(body)
body = [l.split(None, 1)[0].upper() + "\t" + l.split(None, 1)[1] for l in body]
open(sys.argv[2], "w", encoding="ascii").write("\n".join(["\t".join(soa)] + body) + "\n")
PY
"$FA_BIN" --db "$conn" ingest zone --origin . "$tmp/shuffled" > "$tmp/out" 2>&1
expect "shuffled copy: 0 events" "0 1" "$? $(grep -c '(snapshot): 0 events' "$tmp/out")"

finish
