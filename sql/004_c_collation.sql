-- SPDX-License-Identifier: Apache-2.0
-- Identifiers (transaction keys, DNS names, EPP client and contact ids)
-- are compared byte by byte: names are lower-case ASCII (A-labels), keys
-- are ASCII. With the database's linguistic collation every index
-- comparison went through strcoll(), which made the unique check on
-- txns.key alone cost almost as much as writing an event.
ALTER TABLE txns ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE domains ALTER COLUMN name TYPE text COLLATE "C";
ALTER TABLE hosts ALTER COLUMN name TYPE text COLLATE "C";
ALTER TABLE contacts ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE registrars ALTER COLUMN clid TYPE text COLLATE "C";
ALTER TABLE events ALTER COLUMN txn_key TYPE text COLLATE "C";
ALTER TABLE events ALTER COLUMN domain TYPE text COLLATE "C";
ALTER TABLE events ALTER COLUMN host TYPE text COLLATE "C";
ALTER TABLE events ALTER COLUMN registrar TYPE text COLLATE "C";

-- txns is looked up by key only (time-based questions go to events); its
-- time index was a quarter of the cost of recording a transaction.
DROP INDEX IF EXISTS txns_ts;
