-- SPDX-License-Identifier: Apache-2.0
-- Indexes for the state that evaluation reads when it first meets an
-- entity (src/rule/fa_rule_db.c).

-- Other contacts with the same email (case-insensitively) or voice as a
-- registrant (contact_reuse, one join per field); deleted contacts never
-- match. Without them each fetched chunk of events joins the registrants
-- against the whole contacts table.
CREATE INDEX contacts_email ON contacts (lower(data->>'email'))
	WHERE NOT deleted;
CREATE INDEX contacts_voice ON contacts ((data->>'voice'))
	WHERE NOT deleted;
