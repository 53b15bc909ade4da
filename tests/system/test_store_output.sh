#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fluxaudit events / findings: filters and the three output formats.
set -uo pipefail
name=output
. "$FA_SOURCE_DIR/tests/data/store/lib.sh"

fa db migrate >/dev/null || exit 1
cd "$work"
cp "$data/story.log" "$data/more.log" .
cat story.log more.log >all.log
fa ingest epp all.log >/dev/null 2>&1 || exit 1

expect "events --domain, table" \
"time                  kind           registrar  domain    host         contact  value  result
--------------------  -------------  ---------  --------  -----------  -------  -----  ------
2026-11-04T08:00:00Z  domain.create  reg-a      other.ee               c-100           1000
2026-11-04T08:00:00Z  domain.ns_add  reg-a      other.ee  ns1.shop.ee                  1000
2026-11-06T07:00:00Z  domain.info    reg-a      other.ee                               1000
2026-11-07T09:00:00Z  domain.delete  reg-a      other.ee                               1000" \
	"$(fa events --domain other.ee)"

out=$(fa events --domain other.ee --kind domain.create --format csv | sed 's/^[0-9]*,/ID,/')
expect "events csv: header, quoted JSON detail, CRLF line ends" \
'id,time,kind,registrar,domain,host,contact,value,result,session,src_addr,detail,txn,source,offset
ID,2026-11-04T08:00:00Z,domain.create,reg-a,other.ee,,c-100,,1000,s-reg-a,192.0.2.10,"{""period"": null, ""created"": ""2026-11-04T08:00:00.0Z""}",sv:reg-a:SV-009,all.log,6334' \
	"$(echo "$out" | tr -d '\r')"
expect "csv lines end in CRLF" "2" "$(echo "$out" | grep -c $'\r$')"

expect "events json: --kind family, --since/--until, --registrar" \
'{"time":"2026-11-05T12:30:00Z","kind":"host.rename","registrar":"reg-a","domain":null,"host":"ns1.shop.ee","contact":null,"value":"ns0.shop.ee","result":1000,"session":"s-reg-a","src_addr":"192.0.2.10","detail":null,"txn":"sv:reg-a:SV-011","source":"all.log","offset":8313}' \
	"$(fa events --kind 'host.*' --registrar reg-a --since 2026-11-05 --until 2026-11-07T09:06:00Z --format json | sed 's/^{"id":[0-9]*,/{/')"

expect "events --host and --limit keep the most recent, oldest first" \
"host.addr_add 198.51.100.7
domain.ns_add other.ee
host.rename ns0.shop.ee" \
	"$(fa events --host ns1.shop.ee --limit 3 --format csv | tr -d '\r' | tail -n +2 |
	   awk -F, '{ print $3, ($5 != "" ? $5 : $8) }')"
expect "--limit counts rows" "4" "$(fa events --host ns1.shop.ee --limit 3 --format csv | wc -l)"
expect "events --registrar reg-b" "domain.ns_add|shop.ee|ns4.other.net" \
	"$(fa events --registrar reg-b --format json | sed 's/.*"kind":"\([^"]*\)".*"domain":"\([^"]*\)","host":"\([^"]*\)".*/\1|\2|\3/')"

fa events --kind no.such >/dev/null 2>&1; rc=$?
expect "unknown kind is a usage error" "2" "$rc"
fa events --since yesterday-ish >/dev/null 2>&1; rc=$?
expect "invalid time is a usage error" "2" "$rc"
fa events --format xml >/dev/null 2>&1; rc=$?
expect "invalid format is a usage error" "2" "$rc"

q "INSERT INTO findings (policy, entity_kind, entity, severity, score, rules, evidence,
	first_fired, last_fired, updated_at) VALUES
   ('default', 'domain', 'shop.ee', 'high', 80, '{ns-churn,low-ttl}',
    '{\"ns-churn\": {\"metrics\": {\"ns_changes[24h]\": {\"value\": 6}}},
      \"low-ttl\": {\"metrics\": {\"ns_ttl\": {\"value\": 60}}}}', '2026-11-03T10:00:00Z', '2026-11-07T09:05:00Z',
    '2026-11-08T00:00:00Z'),
   ('default', 'host', 'ns0.shop.ee', 'medium', 40, '{glue-churn}', '{}',
    '2026-11-03T10:05:00Z', '2026-11-07T09:06:00Z', '2026-11-08T00:00:00Z'),
   ('default', 'host', 'a-very-long-host-name-that-does-not-fit.example.net', 'low', 5,
    '{glue-churn}', '{}', '2026-11-03T10:05:00Z', '2026-11-07T09:06:00Z',
    '2026-11-08T00:00:00Z')" >/dev/null
q "INSERT INTO findings (policy, entity_kind, entity, status, severity, score, rules,
	evidence, first_fired, last_fired, updated_at) VALUES
   ('default', 'registrar', 'reg-a, \"the\" one', 'closed', 'low', 10, '{\"failed burst\"}',
    '{}', '2026-11-03T10:06:00Z', '2026-11-03T10:06:00Z', '2026-11-08T00:00:00Z')" >/dev/null

expect "findings table: open only, by score, long cells cut" \
"id  status  severity  score  entity_kind  entity                                    rules             first_fired           last_fired            metrics
--  ------  --------  -----  -----------  ----------------------------------------  ----------------  --------------------  --------------------  ---------------------------
1   open    high      80     domain       shop.ee                                   ns-churn,low-ttl  2026-11-03T10:00:00Z  2026-11-07T09:05:00Z  ns_changes[24h]=6 ns_ttl=60
2   open    medium    40     host         ns0.shop.ee                               glue-churn        2026-11-03T10:05:00Z  2026-11-07T09:06:00Z
3   open    low       5      host         a-very-long-host-name-that-does-not-f...  glue-churn        2026-11-03T10:05:00Z  2026-11-07T09:06:00Z" \
	"$(fa findings)"

expect "findings csv, all statuses, RFC 4180 quoting" \
'id,status,severity,score,entity_kind,entity,rules,first_fired,last_fired,metrics,policy,updated_at,evidence
1,open,high,80,domain,shop.ee,"ns-churn,low-ttl",2026-11-03T10:00:00Z,2026-11-07T09:05:00Z,ns_changes[24h]=6 ns_ttl=60,default,2026-11-08T00:00:00Z,"{""low-ttl"": {""metrics"": {""ns_ttl"": {""value"": 60}}}, ""ns-churn"": {""metrics"": {""ns_changes[24h]"": {""value"": 6}}}}"
2,open,medium,40,host,ns0.shop.ee,glue-churn,2026-11-03T10:05:00Z,2026-11-07T09:06:00Z,,default,2026-11-08T00:00:00Z,{}
4,closed,low,10,registrar,"reg-a, ""the"" one",failed burst,2026-11-03T10:06:00Z,2026-11-03T10:06:00Z,,default,2026-11-08T00:00:00Z,{}
3,open,low,5,host,a-very-long-host-name-that-does-not-fit.example.net,glue-churn,2026-11-03T10:05:00Z,2026-11-07T09:06:00Z,,default,2026-11-08T00:00:00Z,{}' \
	"$(fa findings --status all --format csv | tr -d '\r')"

expect "findings json, --entity-kind and --min-score" \
'{"id":2,"status":"open","severity":"medium","score":40,"entity_kind":"host","entity":"ns0.shop.ee","rules":["glue-churn"],"first_fired":"2026-11-03T10:05:00Z","last_fired":"2026-11-07T09:06:00Z","metrics":"","policy":"default","updated_at":"2026-11-08T00:00:00Z","evidence":{}}' \
	"$(fa findings --entity-kind host --min-score 10 --format json)"
expect "findings --status closed" "4" \
	"$(fa findings --status closed --format json | sed 's/^{"id":\([0-9]*\),.*/\1/')"
fa findings --status maybe >/dev/null 2>&1; rc=$?
expect "invalid status is a usage error" "2" "$rc"
expect "no findings: table header only" "2" "$(fa findings --entity-kind session | wc -l)"
finish
