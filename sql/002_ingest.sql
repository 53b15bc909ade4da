-- SPDX-License-Identifier: Apache-2.0
-- Ingest support: where each transaction came from in the EPP session,
-- and the index that lets a host rename find the domains delegated to it.

-- Session and transaction ids are kept for every transaction, also for
-- those that leave no event (lone commands, failed info queries), so an
-- analyst can trace a session or a client's clTRID.
ALTER TABLE txns
	ADD COLUMN session  text,
	ADD COLUMN src_addr text,
	ADD COLUMN cltrid   text,
	ADD COLUMN svtrid   text;

-- "Which domains use this name server" (host renames, bulk NS moves).
CREATE INDEX domains_ns ON domains USING gin (ns);
CREATE INDEX hosts_superordinate ON hosts (superordinate);
