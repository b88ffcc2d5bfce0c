-- Market data: what the sinks write from the derived topics. Every primary key is the record's natural key,
-- so a replayed record lands on its own row (idempotent writes). Times are timestamptz (µs precision, which
-- is exactly the precision of our tick times); prices and sizes are float8 because the records carry IEEE
-- doubles, so float8 stores them without loss and keeps COPY/upserts fast.
--
-- Sections: lines after `-- nexural:requires <capability>` run only where the capability is present
-- (timescaledb, timescaledb-tsl, timescaledb-apache, no-timescaledb); `-- nexural:requires always` ends a section.

CREATE TABLE symbols (
  venue text NOT NULL,
  symbol text NOT NULL,
  PRIMARY KEY (venue, symbol)
);
COMMENT ON TABLE symbols IS 'Every instrument the sinks have written bars or ticks for (the API''s symbol list).';
COMMENT ON COLUMN symbols.venue IS 'venue (exchange) id, lowercase, e.g. binance, binance-um';
COMMENT ON COLUMN symbols.symbol IS 'instrument symbol as the venue names it, e.g. BTCUSDT';

CREATE TABLE trade_ticks (
  venue text NOT NULL,
  symbol text NOT NULL,
  time timestamptz NOT NULL,
  trade_id text NOT NULL,
  price float8 NOT NULL CHECK (price > 0),
  size float8 NOT NULL CHECK (size >= 0),
  aggressor text NOT NULL CHECK (aggressor IN ('buy', 'sell', 'unknown')),
  -- time before trade_id: the same unique key also serves "ticks of a symbol in a time range".
  PRIMARY KEY (venue, symbol, time, trade_id)
);
COMMENT ON TABLE trade_ticks IS 'Trades (raw ticks), one row per venue trade; replays of a trade are ignored (key venue+symbol+time+trade_id).';
COMMENT ON COLUMN trade_ticks.venue IS 'venue (exchange) id';
COMMENT ON COLUMN trade_ticks.symbol IS 'instrument symbol';
COMMENT ON COLUMN trade_ticks.time IS 'exchange event time of the trade (µs precision)';
COMMENT ON COLUMN trade_ticks.trade_id IS 'venue trade id';
COMMENT ON COLUMN trade_ticks.price IS 'trade price in quote currency';
COMMENT ON COLUMN trade_ticks.size IS 'traded quantity in base currency';
COMMENT ON COLUMN trade_ticks.aggressor IS 'taker side: buy = buyer lifted the offer, sell = seller hit the bid, unknown';

CREATE TABLE quotes (
  venue text NOT NULL,
  symbol text NOT NULL,
  time timestamptz NOT NULL,
  update_id text NOT NULL DEFAULT '',
  bid_price float8 NOT NULL CHECK (bid_price > 0),
  bid_size float8 NOT NULL CHECK (bid_size >= 0),
  ask_price float8 NOT NULL CHECK (ask_price > 0),
  ask_size float8 NOT NULL CHECK (ask_size >= 0),
  PRIMARY KEY (venue, symbol, time, update_id)
);
COMMENT ON TABLE quotes IS 'Best bid/offer updates (top of book); replays are ignored (key venue+symbol+time+update_id).';
COMMENT ON COLUMN quotes.venue IS 'venue (exchange) id';
COMMENT ON COLUMN quotes.symbol IS 'instrument symbol';
COMMENT ON COLUMN quotes.time IS 'exchange event time of the quote (µs precision)';
COMMENT ON COLUMN quotes.update_id IS 'venue update/sequence id; empty string when the venue sends none';
COMMENT ON COLUMN quotes.bid_price IS 'best bid price';
COMMENT ON COLUMN quotes.bid_size IS 'quantity at the best bid';
COMMENT ON COLUMN quotes.ask_price IS 'best ask price';
COMMENT ON COLUMN quotes.ask_size IS 'quantity at the best ask';

-- One table for every interval: intervals are open-ended (3m, 100t, 10v, 1000000q), so per-interval tables
-- would need DDL at run time; the key (venue, symbol, bar_interval, open_time) makes "latest bar" one
-- backward index probe and "a day of 1m bars" one index range, whatever the interval.
CREATE TABLE bars (
  venue text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  open_time timestamptz NOT NULL,
  close_time timestamptz NOT NULL,
  open float8 NOT NULL,
  high float8 NOT NULL,
  low float8 NOT NULL,
  close float8 NOT NULL,
  volume float8 NOT NULL,
  quote_volume float8 NOT NULL,
  trades bigint NOT NULL,
  taker_buy_volume float8 NOT NULL,
  final boolean NOT NULL,
  revision integer NOT NULL CHECK (revision >= 0),
  PRIMARY KEY (venue, symbol, bar_interval, open_time)
);
COMMENT ON TABLE bars IS 'OHLCV bars of every interval, one row per bar: the newest revision wins (a live bar is overwritten by later revisions and by its final version, never by an older one).';
COMMENT ON COLUMN bars.venue IS 'venue (exchange) id';
COMMENT ON COLUMN bars.symbol IS 'instrument symbol';
COMMENT ON COLUMN bars.bar_interval IS 'interval label: 1s…1d time bars (UTC-aligned), Nt trade-count, Nv volume, Nq quote-value bars';
COMMENT ON COLUMN bars.open_time IS 'start of the bar (inclusive)';
COMMENT ON COLUMN bars.close_time IS 'end of the bar, inclusive as Binance writes it (open_time + interval − 1 ms for time bars)';
COMMENT ON COLUMN bars.open IS 'price of the first trade';
COMMENT ON COLUMN bars.high IS 'highest trade price';
COMMENT ON COLUMN bars.low IS 'lowest trade price';
COMMENT ON COLUMN bars.close IS 'price of the last trade';
COMMENT ON COLUMN bars.volume IS 'sum of trade sizes (base currency)';
COMMENT ON COLUMN bars.quote_volume IS 'sum of price × size (quote currency)';
COMMENT ON COLUMN bars.trades IS 'number of trades; 0 for a flat bar over an empty interval';
COMMENT ON COLUMN bars.taker_buy_volume IS 'base volume of trades whose taker bought';
COMMENT ON COLUMN bars.final IS 'true once the bar can no longer change (watermark passed its close)';
COMMENT ON COLUMN bars.revision IS '0 for the first emission of the bar, +1 for each update';

CREATE TABLE indicator_values (
  venue text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  spec text NOT NULL,
  open_time timestamptz NOT NULL,
  outputs jsonb NOT NULL,
  final boolean NOT NULL,
  PRIMARY KEY (venue, symbol, bar_interval, spec, open_time)
);
COMMENT ON TABLE indicator_values IS 'Indicator readings, one row per bar and indicator spec; a value on a final bar is never overwritten by one on a forming bar. Read an output as (outputs->>''value'')::float8.';
COMMENT ON COLUMN indicator_values.venue IS 'venue (exchange) id';
COMMENT ON COLUMN indicator_values.symbol IS 'instrument symbol';
COMMENT ON COLUMN indicator_values.bar_interval IS 'interval of the bars the indicator ran on';
COMMENT ON COLUMN indicator_values.spec IS 'indicator spec in registry syntax, e.g. rsi(14), macd(12,26,9)';
COMMENT ON COLUMN indicator_values.open_time IS 'open time of the bar the value was computed on';
COMMENT ON COLUMN indicator_values.outputs IS 'named outputs as a JSON object of numbers, e.g. {"value": 61.2} or {"macd": …, "signal": …, "hist": …}';
COMMENT ON COLUMN indicator_values.final IS 'true when computed on a final bar; false for the forming bar';

CREATE TABLE alert_events (
  id text NOT NULL,
  time timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('fired', 'stopped')),
  rule_id text NOT NULL,
  owner text NOT NULL,
  venue text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  message text NOT NULL,
  provenance jsonb NOT NULL,
  PRIMARY KEY (id, time)
);
COMMENT ON TABLE alert_events IS 'Alerts: a rule fired or was stopped. Key columns for queries, the explanation (why it fired) in provenance. Replays are ignored (deterministic id).';
COMMENT ON COLUMN alert_events.id IS 'deterministic event id (rule id + trigger): the same input always yields the same id';
COMMENT ON COLUMN alert_events.time IS 'event time of the trigger';
COMMENT ON COLUMN alert_events.kind IS 'fired = the condition held; stopped = the rule stopped (storm guard, fired once, expired)';
COMMENT ON COLUMN alert_events.rule_id IS 'id of the rule (alert_rules.id)';
COMMENT ON COLUMN alert_events.owner IS 'user id owning the rule';
COMMENT ON COLUMN alert_events.venue IS 'venue (exchange) id';
COMMENT ON COLUMN alert_events.symbol IS 'instrument symbol';
COMMENT ON COLUMN alert_events.bar_interval IS 'bar interval the rule is evaluated on';
COMMENT ON COLUMN alert_events.message IS 'rendered message (fired) or explanation (stopped)';
COMMENT ON COLUMN alert_events.provenance IS 'fired: {source, condition, previous, current, trigger, sourcePosition}; stopped: {reason}';
CREATE INDEX alert_events_owner_time ON alert_events (owner, time DESC);
CREATE INDEX alert_events_symbol_time ON alert_events (venue, symbol, time DESC);

-- Chunk intervals: ticks and quotes are the dense tables (millions of rows a day), 6 h keeps a chunk and its
-- key index in memory while it is written; bars and indicator values (≈1,440 rows per symbol a day for 1m)
-- fit a week per chunk; alert events are sparse. The primary keys replace the default time index.
-- nexural:requires timescaledb
SELECT create_hypertable('trade_ticks', by_range('time', INTERVAL '6 hours'), create_default_indexes => false);
SELECT create_hypertable('quotes', by_range('time', INTERVAL '6 hours'), create_default_indexes => false);
SELECT create_hypertable('bars', by_range('open_time', INTERVAL '7 days'), create_default_indexes => false);
SELECT create_hypertable('indicator_values', by_range('open_time', INTERVAL '7 days'), create_default_indexes => false);
SELECT create_hypertable('alert_events', by_range('time', INTERVAL '30 days'), create_default_indexes => false);
