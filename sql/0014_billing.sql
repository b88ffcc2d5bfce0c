-- Billing: the Stripe subscription rows of sql/0003 learn their plan and when Stripe reported them (so an
-- older webhook delivered late never overwrites a newer state), and every change of a user's effective plan
-- is kept, so the entitlements of any user at any past time can be rebuilt.
-- Users that existed before billing are grandfathered on the `pro` plan (they had every feature before); a
-- later subscription or its end replaces that grant like any other change.

ALTER TABLE stripe_subscriptions ADD COLUMN lookup_key text;
ALTER TABLE stripe_subscriptions ADD COLUMN observed_at timestamptz NOT NULL DEFAULT 'epoch';
COMMENT ON COLUMN stripe_subscriptions.lookup_key IS 'lookup key of the price (maps the price to a Nexural plan, schemas/plans.ts)';
COMMENT ON COLUMN stripe_subscriptions.observed_at IS 'when Stripe reported this state; an older report is ignored (out-of-order webhooks)';

CREATE TABLE billing_plan_changes (
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL,
  plan text NOT NULL,
  source text NOT NULL CHECK (source IN ('subscription', 'grant', 'fallback')),
  status text,
  subscription_id text,
  reason text NOT NULL DEFAULT '',
  PRIMARY KEY (owner, seq)
);
COMMENT ON TABLE billing_plan_changes IS 'Each change of a user''s effective plan; the plan at time T is the latest row with at <= T (also published on the billing topic).';
COMMENT ON COLUMN billing_plan_changes.owner IS 'user id';
COMMENT ON COLUMN billing_plan_changes.seq IS 'order of changes (ties in at)';
COMMENT ON COLUMN billing_plan_changes.at IS 'when the change took effect';
COMMENT ON COLUMN billing_plan_changes.plan IS 'plan id (schemas/plans.ts) whose entitlements apply from at';
COMMENT ON COLUMN billing_plan_changes.source IS 'subscription (Stripe), grant (operator) or fallback (nothing applies)';
COMMENT ON COLUMN billing_plan_changes.status IS 'Stripe status of the subscription behind the change; null for grants and fallback';
COMMENT ON COLUMN billing_plan_changes.subscription_id IS 'Stripe subscription id behind the change, if any';
COMMENT ON COLUMN billing_plan_changes.reason IS 'what caused it, e.g. the Stripe event id and type';
CREATE INDEX billing_plan_changes_at ON billing_plan_changes (owner, at DESC, seq DESC);

INSERT INTO billing_plan_changes (owner, at, plan, source, reason)
SELECT id, now(), 'pro', 'grant', 'grandfathered: user existed before billing (sql/0014)' FROM users;

GRANT SELECT ON billing_plan_changes TO nexural_analyst, nexural_app_user;
ALTER TABLE billing_plan_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_own_rows ON billing_plan_changes FOR SELECT TO nexural_analyst
  USING (owner = nexural_login_user_id(current_user));
CREATE POLICY app_user_own_rows ON billing_plan_changes FOR SELECT TO nexural_app_user
  USING (owner = current_setting('nexural.user_id', true));
COMMENT ON POLICY analyst_own_rows ON billing_plan_changes IS 'an analyst login sees only its own plan history';
COMMENT ON POLICY app_user_own_rows ON billing_plan_changes IS 'a request reads only the plan history of nexural.user_id';
