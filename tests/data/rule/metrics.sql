-- SPDX-License-Identifier: Apache-2.0
-- Crafted state and events for tests/system/test_rule_metrics.sh: the
-- issue 4 metrics whose state comes from the tables when evaluation
-- starts after it (NS sets, contact changes, zone TTLs, host addresses,
-- registrar networks and hours, registrant contact data). Rows are
-- inserted in time order so that events.id follows (ts, id) order.
SELECT fa_ensure_event_partitions('2026-10-01', '2026-11-30');

-- The state now, after the events below.
INSERT INTO domains (name, registrar, registrant, created, ns, updated) VALUES
	('d-a.example', 'reg-x', 'ct-bad', '2026-01-01T00:00:00Z', '{ns3.new.example}', now()),
	('d-b.example', 'reg-x', 'ct-bad', '2026-01-01T00:00:00Z', '{ns3.new.example}', now()),
	('d-c.example', 'reg-x', 'ct-bad', '2026-11-05T00:00:00Z', '{ns3.new.example}', now());
INSERT INTO hosts (name, registrar, addrs, updated) VALUES
	('ns3.new.example', 'reg-x', '{203.0.113.1,203.0.113.2,203.0.113.3}', now());
INSERT INTO contacts (id, registrar, data, updated) VALUES
	('ct-bad', 'reg-x', '{"name": "X Y", "city": " ", "cc": "US", "email": "nope",
	  "voice": "+1.5555551234"}', '2026-09-01T00:00:00Z'),
	('ct-twin', 'reg-y', '{"name": "Z", "cc": "DE", "email": "z@mail.example",
	  "voice": "+1.5555551234"}', '2026-09-02T00:00:00Z'),
	('ct-other', 'reg-y', '{"name": "O", "cc": "DE", "email": "o@mail.example",
	  "voice": "+1.5555550000"}', '2026-09-02T00:00:00Z');

-- The zone tables come with the zone migration; the columns used here.
CREATE TABLE IF NOT EXISTS zone_records (zone text COLLATE "C" NOT NULL,
	owner text COLLATE "C" NOT NULL, rrtype text NOT NULL,
	rdata text COLLATE "C" NOT NULL, ttl bigint NOT NULL,
	PRIMARY KEY (zone, owner, rrtype, rdata));
INSERT INTO zone_records VALUES ('example', 'd-a.example', 'NS', 'ns3.new.example', 300);

-- Events 1-600: 600 transactions of reg-x from 192.0.2.10, all at 10:xx.
INSERT INTO events (ts, txn_key, seq, kind, registrar, domain, src_addr, source,
	source_offset)
SELECT '2026-10-05T10:00:00Z'::timestamptz + i * interval '5 seconds', 'old:' || i, 0,
	'domain.info', 'reg-x', 'other.example', '192.0.2.10', 'crafted', i
	FROM generate_series(0, 599) i;

-- Events 601-612.
INSERT INTO events (ts, txn_key, seq, kind, registrar, domain, host, contact, value,
	src_addr, source, source_offset) VALUES
	('2026-11-01T08:00:00Z', 'a1', 0, 'domain.authinfo_change', 'reg-x', 'd-a.example',
	 NULL, NULL, NULL, '192.0.2.10', 'crafted', 601),
	('2026-11-10T03:00:00Z', 'l1', 0, 'login', 'reg-x', NULL, NULL, NULL, NULL,
	 '198.51.100.7', 'crafted', 602),
	('2026-11-10T03:05:00Z', 'l2', 0, 'login', 'reg-x', NULL, NULL, NULL, NULL,
	 '192.0.2.99', 'crafted', 603),
	('2026-11-10T10:00:00Z', 'u1', 0, 'domain.ns_add', 'reg-x', 'd-a.example',
	 'ns3.new.example', NULL, NULL, '198.51.100.7', 'crafted', 604),
	('2026-11-10T10:00:00Z', 'u1', 1, 'domain.ns_rem', 'reg-x', 'd-a.example',
	 'ns1.old.example', NULL, NULL, '198.51.100.7', 'crafted', 605),
	('2026-11-10T10:00:00Z', 'u1', 2, 'domain.ns_rem', 'reg-x', 'd-a.example',
	 'ns2.old.example', NULL, NULL, '198.51.100.7', 'crafted', 606),
	('2026-11-10T10:01:00Z', 'u2', 0, 'domain.ns_add', 'reg-x', 'd-b.example',
	 'ns3.new.example', NULL, NULL, '198.51.100.7', 'crafted', 607),
	('2026-11-10T10:01:00Z', 'u2', 1, 'domain.ns_rem', 'reg-x', 'd-b.example',
	 'ns1.old.example', NULL, NULL, '198.51.100.7', 'crafted', 608),
	('2026-11-10T10:02:00Z', 'u3', 0, 'domain.ns_add', 'reg-x', 'd-c.example',
	 'ns3.new.example', NULL, NULL, '198.51.100.7', 'crafted', 609),
	('2026-11-10T10:02:00Z', 'u3', 1, 'domain.ns_rem', 'reg-x', 'd-c.example',
	 'ns1.old.example', NULL, NULL, '198.51.100.7', 'crafted', 610),
	('2026-11-10T10:30:00Z', 'h1', 0, 'host.addr_add', 'reg-x', NULL, 'ns3.new.example',
	 NULL, '203.0.113.3', '198.51.100.7', 'crafted', 611),
	('2026-11-10T11:00:00Z', 's1', 0, 'domain.status_rem', 'reg-x', 'd-a.example', NULL,
	 NULL, 'clientUpdateProhibited', '198.51.100.7', 'crafted', 612);
