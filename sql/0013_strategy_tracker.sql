-- The strategy tracker (consumers/strategy): strategies are rule strategies (schemas/strategy.ts) kept in
-- strategies.config; the live consumer writes each paper fill to strategy_trades (one row per fill, seq = the
-- fill's number in its strategy, so a redelivered fill is the same row) and one equity point per final bar to
-- strategy_equity, and keeps what it needs to go on after a restart in strategy_state.
ALTER TABLE strategies ADD COLUMN enabled boolean NOT NULL DEFAULT true;
ALTER TABLE strategies ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN strategies.enabled IS 'false = the live consumer leaves the strategy alone (kept with its history)';
COMMENT ON COLUMN strategies.updated_at IS 'when the strategy was last changed';

ALTER TABLE strategy_trades ADD COLUMN symbol text NOT NULL DEFAULT '';
ALTER TABLE strategy_trades ADD COLUMN position_side text NOT NULL DEFAULT 'long'
  CHECK (position_side IN ('long', 'short'));
ALTER TABLE strategy_trades ADD COLUMN pnl float8;
COMMENT ON COLUMN strategy_trades.symbol IS 'symbol filled';
COMMENT ON COLUMN strategy_trades.position_side IS 'side of the position the fill opens or closes';
COMMENT ON COLUMN strategy_trades.pnl IS 'exit fills: the round trip''s PnL net of both fees; null for entries';

ALTER TABLE strategy_equity ALTER COLUMN position SET DEFAULT 0;

CREATE TABLE strategy_state (
  strategy_id text PRIMARY KEY,
  owner text NOT NULL,
  state text NOT NULL,
  offsets jsonb NOT NULL DEFAULT '{}',
  positions jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (strategy_id, owner) REFERENCES strategies (id, owner) ON DELETE CASCADE
);
COMMENT ON TABLE strategy_state IS 'Where the live strategy consumer stopped: its book and held records (JSON), and the last input offset it took in per topic/partition.';
COMMENT ON COLUMN strategy_state.strategy_id IS 'strategies.id';
COMMENT ON COLUMN strategy_state.owner IS 'user id owning the strategy';
COMMENT ON COLUMN strategy_state.state IS 'consumers/strategy/strategy-feed.ts FeedState as JSON (open positions included)';
COMMENT ON COLUMN strategy_state.offsets IS '"topic/partition" → last offset taken in; a redelivered record at or before it is skipped';
COMMENT ON COLUMN strategy_state.positions IS 'open positions when the state was saved: [{symbol, side, size, entryTime, entryPrice, entryFee}]';
COMMENT ON COLUMN strategy_state.updated_at IS 'when the state was saved';

GRANT SELECT ON strategy_state TO nexural_analyst, nexural_app_user;
ALTER TABLE strategy_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_own_rows ON strategy_state FOR SELECT TO nexural_analyst
  USING (owner = nexural_login_user_id(current_user));
CREATE POLICY app_user_own_rows ON strategy_state FOR SELECT TO nexural_app_user
  USING (owner = current_setting('nexural.user_id', true));
COMMENT ON POLICY analyst_own_rows ON strategy_state IS 'an analyst login (users.db_login) sees only rows it owns';
COMMENT ON POLICY app_user_own_rows ON strategy_state IS 'a request reads only rows owned by nexural.user_id';

-- Fills and equity points grow with every final bar of every strategy: hypertables by time (30-day chunks;
-- a strategy writes at most one equity point per bar). Both primary keys hold the time column.
-- nexural:requires timescaledb
SELECT create_hypertable('strategy_trades', by_range('time', INTERVAL '30 days'), create_default_indexes => false, migrate_data => true);
SELECT create_hypertable('strategy_equity', by_range('time', INTERVAL '30 days'), create_default_indexes => false, migrate_data => true);
