-- Users and the tables of the later features (API keys, alert rules and deliveries, strategies, newsletter,
-- automation, billing, replays). User-owned rows carry an `owner` column: row-level security (0005) keys on it.
-- Alert rules and alert events name their owner without a foreign key: in embedded mode rules come from files
-- or the compacted rules topic for users that exist nowhere else; rows that only the signed-in API creates
-- (API keys, strategies, billing) reference users.

CREATE TABLE users (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  email text UNIQUE CHECK (email = lower(email)),
  display_name text,
  db_login name UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'Nexural users (the owners of rules, keys, strategies, subscriptions).';
COMMENT ON COLUMN users.id IS 'stable user id, the owner value in every user-owned table';
COMMENT ON COLUMN users.email IS 'sign-in e-mail, lower case';
COMMENT ON COLUMN users.display_name IS 'name shown in the dashboard';
COMMENT ON COLUMN users.db_login IS 'PostgreSQL login role of this user as an analyst (member of nexural_analyst); row-level security shows that login only this user''s rows';
COMMENT ON COLUMN users.created_at IS 'when the user was created';

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key_prefix text NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 16),
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  label text NOT NULL DEFAULT '',
  scopes text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
COMMENT ON TABLE api_keys IS 'API keys. Only a SHA-256 hash is stored, never the key: a key is shown once at creation.';
COMMENT ON COLUMN api_keys.id IS 'key id';
COMMENT ON COLUMN api_keys.owner IS 'user id owning the key';
COMMENT ON COLUMN api_keys.key_prefix IS 'first characters of the key, shown so a user can tell keys apart';
COMMENT ON COLUMN api_keys.key_hash IS 'hex SHA-256 of the full key; a request''s key is hashed and looked up here';
COMMENT ON COLUMN api_keys.label IS 'user-chosen label';
COMMENT ON COLUMN api_keys.scopes IS 'permissions granted to the key, e.g. {read:bars,write:rules}';
COMMENT ON COLUMN api_keys.created_at IS 'when the key was created';
COMMENT ON COLUMN api_keys.last_used_at IS 'last successful use (coarse, updated at most once a minute)';
COMMENT ON COLUMN api_keys.revoked_at IS 'when the key was revoked; null while valid';
CREATE INDEX api_keys_owner ON api_keys (owner);

CREATE TABLE alert_rules (
  id text PRIMARY KEY,
  owner text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  enabled boolean NOT NULL,
  rule jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE alert_rules IS 'Alert rules as users defined them; the full rule (schemas/alert-rule.ts) is in rule, key fields are columns.';
COMMENT ON COLUMN alert_rules.id IS 'rule id (letters, digits, _ -), unique across users';
COMMENT ON COLUMN alert_rules.owner IS 'user id owning the rule';
COMMENT ON COLUMN alert_rules.symbol IS 'symbol the rule watches, or * for every symbol';
COMMENT ON COLUMN alert_rules.bar_interval IS 'bar interval the rule is evaluated on';
COMMENT ON COLUMN alert_rules.enabled IS 'disabled rules are kept but not evaluated';
COMMENT ON COLUMN alert_rules.rule IS 'the whole rule as JSON, defaults applied';
COMMENT ON COLUMN alert_rules.created_at IS 'when the rule was first stored';
COMMENT ON COLUMN alert_rules.updated_at IS 'when the rule was last changed';
CREATE INDEX alert_rules_owner ON alert_rules (owner, id);

CREATE TABLE alert_deliveries (
  event_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('websocket', 'discord', 'email', 'webhook')),
  target text NOT NULL,
  owner text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dropped')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  PRIMARY KEY (event_id, channel, target)
);
COMMENT ON TABLE alert_deliveries IS 'One row per alert event and destination: whether it reached the user, retried idempotently by key.';
COMMENT ON COLUMN alert_deliveries.event_id IS 'alert_events.id of the alert delivered';
COMMENT ON COLUMN alert_deliveries.channel IS 'how: websocket, discord, email or webhook';
COMMENT ON COLUMN alert_deliveries.target IS 'where: channel id, address or URL';
COMMENT ON COLUMN alert_deliveries.owner IS 'user id owning the alert';
COMMENT ON COLUMN alert_deliveries.status IS 'pending, delivered, failed (will retry) or dropped (gave up)';
COMMENT ON COLUMN alert_deliveries.attempts IS 'delivery attempts so far';
COMMENT ON COLUMN alert_deliveries.last_error IS 'error of the last failed attempt';
COMMENT ON COLUMN alert_deliveries.created_at IS 'when the delivery was queued';
COMMENT ON COLUMN alert_deliveries.delivered_at IS 'when the destination accepted it';
CREATE INDEX alert_deliveries_owner ON alert_deliveries (owner, created_at DESC);

CREATE TABLE strategies (
  id text PRIMARY KEY,
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL,
  config jsonb NOT NULL,
  venue text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, owner)
);
COMMENT ON TABLE strategies IS 'Paper-trading strategies a user tracks against live or replayed bars.';
COMMENT ON COLUMN strategies.id IS 'strategy id';
COMMENT ON COLUMN strategies.owner IS 'user id owning the strategy';
COMMENT ON COLUMN strategies.name IS 'user-chosen name';
COMMENT ON COLUMN strategies.kind IS 'strategy type in the strategy registry';
COMMENT ON COLUMN strategies.config IS 'strategy parameters (validated by the strategy''s schema)';
COMMENT ON COLUMN strategies.venue IS 'venue traded';
COMMENT ON COLUMN strategies.symbol IS 'symbol traded';
COMMENT ON COLUMN strategies.bar_interval IS 'bar interval the strategy runs on';
COMMENT ON COLUMN strategies.created_at IS 'when the strategy was created';

CREATE TABLE strategy_trades (
  strategy_id text NOT NULL,
  owner text NOT NULL,
  time timestamptz NOT NULL,
  seq integer NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity float8 NOT NULL CHECK (quantity > 0),
  price float8 NOT NULL CHECK (price > 0),
  fee float8 NOT NULL DEFAULT 0,
  reason text NOT NULL DEFAULT '',
  PRIMARY KEY (strategy_id, time, seq),
  FOREIGN KEY (strategy_id, owner) REFERENCES strategies (id, owner) ON DELETE CASCADE
);
COMMENT ON TABLE strategy_trades IS 'Simulated fills of a strategy; the key makes re-running a strategy over the same bars idempotent.';
COMMENT ON COLUMN strategy_trades.strategy_id IS 'strategies.id';
COMMENT ON COLUMN strategy_trades.owner IS 'user id owning the strategy (kept equal to strategies.owner by the foreign key)';
COMMENT ON COLUMN strategy_trades.time IS 'event time of the fill (close of the bar that triggered it)';
COMMENT ON COLUMN strategy_trades.seq IS 'order of fills at the same time';
COMMENT ON COLUMN strategy_trades.side IS 'buy or sell';
COMMENT ON COLUMN strategy_trades.quantity IS 'filled quantity in base currency';
COMMENT ON COLUMN strategy_trades.price IS 'fill price';
COMMENT ON COLUMN strategy_trades.fee IS 'simulated fee in quote currency';
COMMENT ON COLUMN strategy_trades.reason IS 'why the strategy traded (signal name, stop, take-profit)';

CREATE TABLE strategy_equity (
  strategy_id text NOT NULL,
  owner text NOT NULL,
  time timestamptz NOT NULL,
  equity float8 NOT NULL,
  position float8 NOT NULL,
  PRIMARY KEY (strategy_id, time),
  FOREIGN KEY (strategy_id, owner) REFERENCES strategies (id, owner) ON DELETE CASCADE
);
COMMENT ON TABLE strategy_equity IS 'Equity curve of a strategy, one point per final bar.';
COMMENT ON COLUMN strategy_equity.strategy_id IS 'strategies.id';
COMMENT ON COLUMN strategy_equity.owner IS 'user id owning the strategy';
COMMENT ON COLUMN strategy_equity.time IS 'bar close time of the point';
COMMENT ON COLUMN strategy_equity.equity IS 'cash + position marked at the bar close, quote currency';
COMMENT ON COLUMN strategy_equity.position IS 'position in base currency (negative = short)';

CREATE TABLE newsletter_issues (
  id text PRIMARY KEY,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL CHECK (period_end > period_start),
  subject text NOT NULL,
  body_markdown text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'sent')),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (period_start, period_end)
);
COMMENT ON TABLE newsletter_issues IS 'Market newsletter issues, one per period (the period is unique so a rerun never sends twice).';
COMMENT ON COLUMN newsletter_issues.id IS 'issue id';
COMMENT ON COLUMN newsletter_issues.period_start IS 'start of the period covered';
COMMENT ON COLUMN newsletter_issues.period_end IS 'end of the period covered (exclusive)';
COMMENT ON COLUMN newsletter_issues.subject IS 'e-mail subject';
COMMENT ON COLUMN newsletter_issues.body_markdown IS 'issue body in Markdown';
COMMENT ON COLUMN newsletter_issues.status IS 'draft or sent';
COMMENT ON COLUMN newsletter_issues.created_at IS 'when the issue was generated';
COMMENT ON COLUMN newsletter_issues.sent_at IS 'when it was sent';

CREATE TABLE automation_runs (
  id text PRIMARY KEY,
  automation text NOT NULL,
  owner text,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  input jsonb NOT NULL DEFAULT '{}',
  output jsonb,
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
COMMENT ON TABLE automation_runs IS 'Runs of automations (scheduled or alert-triggered jobs) with their input, output and error.';
COMMENT ON COLUMN automation_runs.id IS 'run id (the job id, so a retried job updates its run)';
COMMENT ON COLUMN automation_runs.automation IS 'automation name';
COMMENT ON COLUMN automation_runs.owner IS 'user id the run acted for; null for system automations';
COMMENT ON COLUMN automation_runs.status IS 'running, succeeded or failed';
COMMENT ON COLUMN automation_runs.input IS 'what triggered the run and its parameters';
COMMENT ON COLUMN automation_runs.output IS 'result of a successful run';
COMMENT ON COLUMN automation_runs.error IS 'error of a failed run';
COMMENT ON COLUMN automation_runs.started_at IS 'when the run started';
COMMENT ON COLUMN automation_runs.finished_at IS 'when the run finished';
CREATE INDEX automation_runs_started ON automation_runs (automation, started_at DESC);

CREATE TABLE stripe_customers (
  customer_id text PRIMARY KEY,
  owner text NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE stripe_customers IS 'Stripe customer of each paying user.';
COMMENT ON COLUMN stripe_customers.customer_id IS 'Stripe customer id (cus_…)';
COMMENT ON COLUMN stripe_customers.owner IS 'user id';
COMMENT ON COLUMN stripe_customers.created_at IS 'when the customer was linked';

CREATE TABLE stripe_subscriptions (
  subscription_id text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES stripe_customers (customer_id) ON DELETE CASCADE,
  status text NOT NULL,
  price_id text NOT NULL,
  current_period_end timestamptz,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE stripe_subscriptions IS 'Stripe subscriptions as last reported by webhooks.';
COMMENT ON COLUMN stripe_subscriptions.subscription_id IS 'Stripe subscription id (sub_…)';
COMMENT ON COLUMN stripe_subscriptions.customer_id IS 'Stripe customer id';
COMMENT ON COLUMN stripe_subscriptions.status IS 'Stripe status: active, trialing, past_due, canceled, …';
COMMENT ON COLUMN stripe_subscriptions.price_id IS 'Stripe price id of the plan';
COMMENT ON COLUMN stripe_subscriptions.current_period_end IS 'end of the paid period';
COMMENT ON COLUMN stripe_subscriptions.cancel_at_period_end IS 'true when the user cancelled and access ends at period end';
COMMENT ON COLUMN stripe_subscriptions.updated_at IS 'when a webhook last changed the row';
CREATE INDEX stripe_subscriptions_customer ON stripe_subscriptions (customer_id);

CREATE TABLE stripe_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  created timestamptz NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
COMMENT ON TABLE stripe_events IS 'Stripe webhook events; the unique event id makes a redelivered webhook a no-op (INSERT … ON CONFLICT DO NOTHING).';
COMMENT ON COLUMN stripe_events.event_id IS 'Stripe event id (evt_…)';
COMMENT ON COLUMN stripe_events.type IS 'event type, e.g. customer.subscription.updated';
COMMENT ON COLUMN stripe_events.created IS 'when Stripe created the event';
COMMENT ON COLUMN stripe_events.payload IS 'the verified event body';
COMMENT ON COLUMN stripe_events.received_at IS 'when the webhook arrived';
COMMENT ON COLUMN stripe_events.processed_at IS 'when its effects were applied; null if not yet';

CREATE TABLE replay_runs (
  namespace text PRIMARY KEY CHECK (namespace ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  requested_by text,
  source jsonb NOT NULL,
  from_time timestamptz,
  to_time timestamptz,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
  records_in bigint NOT NULL DEFAULT 0,
  records_out bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
COMMENT ON TABLE replay_runs IS 'Replays: the pipeline reading history into an isolated namespace (its own derived topics).';
COMMENT ON COLUMN replay_runs.namespace IS 'replay namespace (schemas/topics.ts topicNames(namespace))';
COMMENT ON COLUMN replay_runs.requested_by IS 'user id that started the replay; null for the CLI';
COMMENT ON COLUMN replay_runs.source IS 'what is replayed: files or topics, symbols, options';
COMMENT ON COLUMN replay_runs.from_time IS 'first event time replayed';
COMMENT ON COLUMN replay_runs.to_time IS 'last event time replayed (exclusive)';
COMMENT ON COLUMN replay_runs.status IS 'running, succeeded, failed or cancelled';
COMMENT ON COLUMN replay_runs.records_in IS 'input records read';
COMMENT ON COLUMN replay_runs.records_out IS 'derived records written';
COMMENT ON COLUMN replay_runs.started_at IS 'when the replay started';
COMMENT ON COLUMN replay_runs.finished_at IS 'when it finished';
