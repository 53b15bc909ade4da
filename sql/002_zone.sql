-- SPDX-License-Identifier: Apache-2.0
-- Zone input: the delegation model of each zone as last ingested, and the
-- snapshots and increments ingested so far. Zone changes themselves are
-- stored as events (kinds zone.*) like EPP changes.

-- What the registry last published, as fluxaudit read it: NS and DS
-- records strictly below the zone's origin and the glue (A/AAAA of hosts
-- below the origin that a delegation's NS names). Names are in the spelling
-- of the zone module (docs/zone.md). The next snapshot is diffed against
-- this, so the previous file need not be kept.
CREATE TABLE zone_records (
	zone    text COLLATE "C" NOT NULL,   -- origin, "." for the root
	owner   text COLLATE "C" NOT NULL,
	rrtype  text NOT NULL CHECK (rrtype IN ('NS', 'DS', 'A', 'AAAA')),
	rdata   text COLLATE "C" NOT NULL,
	ttl     bigint NOT NULL,
	PRIMARY KEY (zone, owner, rrtype, rdata)
);
CREATE INDEX zone_records_ns_target ON zone_records (zone, rdata)
	WHERE rrtype = 'NS';

-- One row per ingested snapshot or increment; (zone, serial) is how a
-- snapshot is known again, so the same serial is never ingested twice.
CREATE TABLE zone_snapshots (
	id           bigserial PRIMARY KEY,
	zone         text COLLATE "C" NOT NULL,
	serial       bigint NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
	kind         text NOT NULL
	             CHECK (kind IN ('baseline', 'snapshot', 'ixfr', 'journal')),
	from_serial  bigint,
	source       text NOT NULL,
	ts           timestamptz NOT NULL,   -- data time of its events
	records      bigint NOT NULL,        -- model records after it
	changes      bigint NOT NULL,        -- events it stored
	ingested_at  timestamptz NOT NULL DEFAULT now(),
	UNIQUE (zone, serial)
);

-- The proper suffixes of a DNS name, longest first:
-- 'ns1.a.example' gives {a.example, example}.
CREATE FUNCTION fa_name_suffixes(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(array_to_string(l[i:], '.') ORDER BY i), '{}')
	FROM (SELECT string_to_array(name, '.') AS l) AS s,
	     generate_series(2, coalesce(array_length(l, 1), 0)) AS i
$$;
