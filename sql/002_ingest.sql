-- SPDX-License-Identifier: Apache-2.0
-- Ingest support: where each transaction came from in the EPP session.

-- Session and transaction ids are kept for every transaction, also for
-- those that leave no event (lone commands, failed info queries), so an
-- analyst can trace a session or a client's clTRID.
ALTER TABLE txns
	ADD COLUMN session  text,
	ADD COLUMN src_addr text,
	ADD COLUMN cltrid   text,
	ADD COLUMN svtrid   text;

-- No GIN index on domains.ns: it made every state write of ingest about
-- a third slower, and its one user in the store (a host rename, rare)
-- can afford a scan of domains.
CREATE INDEX hosts_superordinate ON hosts (superordinate);
