-- SPDX-License-Identifier: Apache-2.0
-- Policy evaluation: how far each policy has evaluated the events, and
-- the merge of a finding's evidence when a later evaluation fires again.

-- One row per policy (rule-set name). The fingerprint is a SHA-256 over
-- the policy's rules: when the rules change, evaluation starts over (the
-- merge below makes that safe). last_event_id is the highest events.id
-- the policy has seen.
CREATE TABLE rule_checkpoints (
	policy         text PRIMARY KEY,
	fingerprint    text NOT NULL,
	last_event_id  bigint NOT NULL,
	updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Evidence is an object keyed by rule id; each value carries the rule's
-- severity and score, first_fired, last_fired, event_id and metrics of
-- the latest firing. Merging keeps, per rule, the later firing (by data
-- time, then event id) with the earlier first_fired, so evaluating the
-- same events again yields the same object.
CREATE OR REPLACE FUNCTION fa_rule_merge_evidence(old jsonb, new jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(k, CASE
		WHEN o IS NULL THEN n
		WHEN n IS NULL THEN o
		ELSE jsonb_set(
			CASE WHEN ((n->>'last_fired')::timestamptz, (n->>'event_id')::bigint)
			          >= ((o->>'last_fired')::timestamptz, (o->>'event_id')::bigint)
			     THEN n ELSE o END,
			'{first_fired}',
			CASE WHEN (o->>'first_fired')::timestamptz <= (n->>'first_fired')::timestamptz
			     THEN o->'first_fired' ELSE n->'first_fired' END)
		END), '{}'::jsonb)
	FROM (SELECT coalesce(a.key, b.key) AS k, a.value AS o, b.value AS n
	      FROM jsonb_each(old) a FULL JOIN jsonb_each(new) b ON a.key = b.key) s
$$;

-- Score of a finding: the sum of the scores of its distinct rules.
CREATE OR REPLACE FUNCTION fa_rule_evidence_score(e jsonb)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(sum((v->>'score')::integer), 0)::integer FROM jsonb_each(e) x(k, v)
$$;

-- Severity of a finding: the highest of its rules.
CREATE OR REPLACE FUNCTION fa_rule_evidence_severity(e jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT v->>'severity' FROM jsonb_each(e) x(k, v)
	ORDER BY array_position(ARRAY['info', 'low', 'medium', 'high', 'critical'],
	                        v->>'severity') DESC NULLS LAST, k
	LIMIT 1
$$;

-- Rule ids of a finding, sorted.
CREATE OR REPLACE FUNCTION fa_rule_evidence_rules(e jsonb)
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(e) k
$$;
