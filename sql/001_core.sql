-- SPDX-License-Identifier: Apache-2.0
-- fluxaudit core schema: current state, append-only events, findings,
-- rejects and input checkpoints. Applied by `fluxaudit db migrate` inside a
-- transaction and recorded in fa_migrations.
--
-- Identifiers (transaction keys, DNS names, EPP client and contact ids)
-- use the "C" collation: names are lower-case ASCII (A-labels) and keys
-- are ASCII, so byte order is the right order, and a linguistic collation
-- would send every index comparison through strcoll() for nothing.

CREATE TABLE registrars (
	clid        text COLLATE "C" PRIMARY KEY,
	first_seen  timestamptz NOT NULL,
	last_seen   timestamptz NOT NULL
);

-- Current state of each domain as the auditor knows it. Arrays are kept
-- sorted so that equal sets compare equal.
CREATE TABLE domains (
	name        text COLLATE "C" PRIMARY KEY,
	registrar   text,
	registrant  text,
	created     timestamptz,
	ns          text[] NOT NULL DEFAULT '{}',
	statuses    text[] NOT NULL DEFAULT '{}',
	ds          text[] NOT NULL DEFAULT '{}',
	ttls        jsonb NOT NULL DEFAULT '{}',   -- {"NS": 3600, "DS": 86400}
	deleted     boolean NOT NULL DEFAULT false,
	updated     timestamptz NOT NULL
);
CREATE INDEX domains_registrar ON domains (registrar);
CREATE INDEX domains_registrant ON domains (registrant);

CREATE TABLE hosts (
	name          text COLLATE "C" PRIMARY KEY,
	registrar     text,
	addrs         text[] NOT NULL DEFAULT '{}', -- normalized text form
	statuses      text[] NOT NULL DEFAULT '{}',
	superordinate text,                         -- in-zone parent domain
	deleted       boolean NOT NULL DEFAULT false,
	updated       timestamptz NOT NULL
);
CREATE INDEX hosts_superordinate ON hosts (superordinate);

CREATE TABLE contacts (
	id          text COLLATE "C" PRIMARY KEY,
	registrar   text,
	data        jsonb NOT NULL DEFAULT '{}',
	deleted     boolean NOT NULL DEFAULT false,
	updated     timestamptz NOT NULL
);

-- One row per ingested transaction; its key is the stable identity that
-- makes ingest idempotent (server transaction id, else content SHA-256).
-- Session and transaction ids are kept so an analyst can trace a session
-- or a client's clTRID. It is looked up by key only: questions about time
-- go to events.
CREATE TABLE txns (
	key            text COLLATE "C" PRIMARY KEY,
	ts             timestamptz NOT NULL,
	registrar      text,
	command        text,
	result_code    integer,
	source         text NOT NULL,
	source_offset  bigint NOT NULL,
	session        text,
	src_addr       text,
	cltrid         text,
	svtrid         text
);

CREATE SEQUENCE events_id_seq;

-- Append-only, one row per normalized change, partitioned by month. The
-- partitions are created on demand by fa_ensure_event_partitions().
CREATE TABLE events (
	id             bigint NOT NULL DEFAULT nextval('events_id_seq'),
	ts             timestamptz NOT NULL,
	txn_key        text COLLATE "C" NOT NULL,
	seq            integer NOT NULL,
	kind           text NOT NULL,
	registrar      text COLLATE "C",
	domain         text COLLATE "C",
	host           text COLLATE "C",
	contact        text,
	value          text,
	detail         jsonb,
	result_code    integer,
	session        text,
	src_addr       text,
	source         text NOT NULL,
	source_offset  bigint NOT NULL,
	PRIMARY KEY (ts, txn_key, seq)
) PARTITION BY RANGE (ts);
CREATE INDEX events_domain ON events (domain, ts);
CREATE INDEX events_host ON events (host, ts);
CREATE INDEX events_registrar ON events (registrar, ts);
CREATE INDEX events_id ON events (id);

CREATE FUNCTION fa_ensure_event_partitions(lo timestamptz, hi timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	m timestamptz := date_trunc('month', lo AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	name text;
BEGIN
	WHILE m <= hi LOOP
		name := 'events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM');
		IF to_regclass(name) IS NULL THEN
			EXECUTE format('CREATE TABLE %I PARTITION OF events '
				'FOR VALUES FROM (%L) TO (%L)', name, m,
				m + interval '1 month');
		END IF;
		m := m + interval '1 month';
	END LOOP;
END $$;

-- What the policy concluded about one entity. One open finding per
-- (policy set, entity kind, entity); later evaluations update it.
CREATE TABLE findings (
	id           bigserial PRIMARY KEY,
	policy       text NOT NULL,           -- name of the rule set
	entity_kind  text NOT NULL,           -- domain, host, registrar, ...
	entity       text NOT NULL,
	status       text NOT NULL DEFAULT 'open'
	             CHECK (status IN ('open', 'closed')),
	severity     text NOT NULL,
	score        integer NOT NULL,
	rules        text[] NOT NULL,         -- ids of the rules that fired
	evidence     jsonb NOT NULL,          -- per rule: metrics, event ids
	first_fired  timestamptz NOT NULL,    -- data time of the first firing
	last_fired   timestamptz NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX findings_one_open
	ON findings (policy, entity_kind, entity) WHERE status = 'open';

-- Input that could not be used, with where it was and why.
CREATE TABLE rejects (
	id             bigserial PRIMARY KEY,
	source         text NOT NULL,
	source_identity text NOT NULL,
	source_offset  bigint NOT NULL,
	reason         text NOT NULL,
	excerpt        text,
	created_at     timestamptz NOT NULL DEFAULT now(),
	UNIQUE (source_identity, source_offset)
);

-- How far each input has been consumed, committed with its events.
CREATE TABLE input_checkpoints (
	source_identity text PRIMARY KEY,
	source          text NOT NULL,
	byte_offset     bigint NOT NULL,
	updated_at      timestamptz NOT NULL DEFAULT now()
);
