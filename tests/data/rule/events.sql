-- SPDX-License-Identifier: Apache-2.0
-- Crafted events and state for tests/system/test_rule_evaluate.sh. Rows
-- are inserted in time order so that events.id follows (ts, id) order.
SELECT fa_ensure_event_partitions('2026-11-01', '2026-11-30');

INSERT INTO domains (name, registrar, created, ttls, updated) VALUES
	('fluxy.example', 'reg-beta', '2026-11-01T00:00:00Z', '{}', now()),
	('quick.example', 'reg-alpha', '2026-11-10T09:00:00Z', '{"NS": 60}', now()),
	('old.example', 'reg-alpha', '2020-01-01T00:00:00Z', '{"NS": 120}', now());
INSERT INTO hosts (name, registrar, addrs, updated) VALUES
	('ns1.fluxy.example', 'reg-beta', '{192.0.2.53}', now());

CREATE TEMP TABLE ev (ts timestamptz, kind text, registrar text, domain text,
	host text, value text, detail jsonb);
INSERT INTO ev VALUES
	('2026-11-01T00:00:00Z', 'domain.create', 'reg-beta', 'fluxy.example', NULL, NULL,
	 '{"created": "2026-11-01T00:00:00Z"}'),
	('2026-11-01T00:00:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns1.fluxy.example', NULL, NULL),
	('2026-11-01T00:00:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns2.other.example', NULL, NULL),
	('2026-11-10T09:00:00Z', 'domain.create', 'reg-alpha', 'quick.example', NULL, NULL,
	 '{"created": "2026-11-10T09:00:00Z"}'),
	('2026-11-10T09:00:00Z', 'domain.ns_add', 'reg-alpha', 'quick.example', 'ns1.host.example', NULL, NULL),
	('2026-11-10T09:00:00Z', 'domain.ns_add', 'reg-alpha', 'quick.example', 'ns2.host.example', NULL, NULL),
	('2026-11-10T09:00:00Z', 'domain.ttl_set', 'reg-alpha', 'quick.example', NULL, 'NS 60', NULL),
	('2026-11-10T10:00:00Z', 'domain.ns_rem', 'reg-beta', 'fluxy.example', 'ns2.other.example', NULL, NULL),
	('2026-11-10T10:00:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns3.other.example', NULL, NULL),
	('2026-11-10T10:30:00Z', 'domain.ns_rem', 'reg-beta', 'fluxy.example', 'ns3.other.example', NULL, NULL),
	('2026-11-10T10:30:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns4.other.example', NULL, NULL),
	('2026-11-10T11:00:00Z', 'domain.ns_rem', 'reg-beta', 'fluxy.example', 'ns4.other.example', NULL, NULL),
	('2026-11-10T11:00:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns5.other.example', NULL, NULL),
	('2026-11-10T11:30:00Z', 'domain.ns_rem', 'reg-beta', 'fluxy.example', 'ns5.other.example', NULL, NULL),
	('2026-11-10T11:30:00Z', 'domain.ns_add', 'reg-beta', 'fluxy.example', 'ns6.other.example', NULL, NULL),
	('2026-11-10T12:00:00Z', 'host.addr_rem', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.50', NULL),
	('2026-11-10T12:00:00Z', 'host.addr_add', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.51', NULL),
	('2026-11-10T12:10:00Z', 'host.addr_rem', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.51', NULL),
	('2026-11-10T12:10:00Z', 'host.addr_add', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.52', NULL),
	('2026-11-10T12:20:00Z', 'host.addr_rem', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.52', NULL),
	('2026-11-10T12:20:00Z', 'host.addr_add', 'reg-beta', NULL, 'ns1.fluxy.example', '192.0.2.53', NULL),
	('2026-11-10T13:00:00Z', 'domain.status_add', 'reg-alpha', 'old.example', NULL, 'clientHold', NULL);
-- 55 failed commands of reg-gamma, one every 30 seconds from 14:00.
INSERT INTO ev SELECT '2026-11-10T14:00:00Z'::timestamptz + i * interval '30 seconds',
	'command.failed', 'reg-gamma', NULL, NULL, '2201', '{"command": "domain:update"}'
	FROM generate_series(0, 54) i;

-- One transaction (txn_key) per time, registrar and object, as an EPP
-- command yields them: a create with its name servers, an update that
-- removes one name server and adds another.
INSERT INTO events (ts, txn_key, seq, kind, registrar, domain, host, value, detail,
	source, source_offset)
SELECT ts, 'test:' || dense_rank() OVER (ORDER BY ts, registrar, coalesce(domain, host)),
	row_number() OVER (PARTITION BY ts, registrar, coalesce(domain, host) ORDER BY n) - 1,
	kind, registrar, domain, host, value, detail, 'crafted', n
FROM (SELECT row_number() OVER () AS n, * FROM ev) s ORDER BY n;
