-- SPDX-License-Identifier: Apache-2.0
-- The GIN index on domains.ns (002) made every state write of ingest
-- about a third slower; its one user in the store, the lookup of the
-- domains delegated to a renamed host, is rare and can afford a scan.
DROP INDEX IF EXISTS domains_ns;
