-- Hourly and daily rollups of the 1m bars, under the same names and columns on every path:
--   TimescaleDB (timescale licence): continuous aggregates, refreshed by policies, real-time for the recent tail;
--   TimescaleDB (apache licence):    plain views over time_bucket (continuous aggregates are licensed);
--   PostgreSQL / PGlite:             plain views over date_bin (time_bucket is TimescaleDB's).
-- All three include forming 1m bars, so the newest hour/day is partial until its last minute is final.

-- nexural:requires timescaledb-tsl
CREATE MATERIALIZED VIEW bars_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT venue, symbol, time_bucket(INTERVAL '1 hour', open_time) AS open_time,
  first(open, open_time) AS open, max(high) AS high, min(low) AS low, last(close, open_time) AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, time_bucket(INTERVAL '1 hour', open_time)
WITH NO DATA;
SELECT add_continuous_aggregate_policy('bars_1h', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '10 minutes');

CREATE MATERIALIZED VIEW bars_1d WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT venue, symbol, time_bucket(INTERVAL '1 day', open_time) AS open_time,
  first(open, open_time) AS open, max(high) AS high, min(low) AS low, last(close, open_time) AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, time_bucket(INTERVAL '1 day', open_time)
WITH NO DATA;
SELECT add_continuous_aggregate_policy('bars_1d', start_offset => INTERVAL '10 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour');

-- nexural:requires timescaledb-apache
CREATE VIEW bars_1h AS
SELECT venue, symbol, time_bucket(INTERVAL '1 hour', open_time) AS open_time,
  first(open, open_time) AS open, max(high) AS high, min(low) AS low, last(close, open_time) AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, time_bucket(INTERVAL '1 hour', open_time);

CREATE VIEW bars_1d AS
SELECT venue, symbol, time_bucket(INTERVAL '1 day', open_time) AS open_time,
  first(open, open_time) AS open, max(high) AS high, min(low) AS low, last(close, open_time) AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, time_bucket(INTERVAL '1 day', open_time);

-- nexural:requires no-timescaledb
CREATE VIEW bars_1h AS
SELECT venue, symbol, date_bin(INTERVAL '1 hour', open_time, TIMESTAMPTZ 'epoch') AS open_time,
  (array_agg(open ORDER BY open_time))[1] AS open, max(high) AS high, min(low) AS low,
  (array_agg(close ORDER BY open_time DESC))[1] AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, date_bin(INTERVAL '1 hour', open_time, TIMESTAMPTZ 'epoch');

CREATE VIEW bars_1d AS
SELECT venue, symbol, date_bin(INTERVAL '1 day', open_time, TIMESTAMPTZ 'epoch') AS open_time,
  (array_agg(open ORDER BY open_time))[1] AS open, max(high) AS high, min(low) AS low,
  (array_agg(close ORDER BY open_time DESC))[1] AS close,
  sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
  sum(taker_buy_volume) AS taker_buy_volume, count(*) AS minutes
FROM bars WHERE bar_interval = '1m'
GROUP BY venue, symbol, date_bin(INTERVAL '1 day', open_time, TIMESTAMPTZ 'epoch');

-- nexural:requires always
COMMENT ON VIEW bars_1h IS 'Hourly OHLCV rolled up from 1m bars (UTC hours); the newest hour is partial until its last minute is final.';
COMMENT ON COLUMN bars_1h.venue IS 'venue (exchange) id';
COMMENT ON COLUMN bars_1h.symbol IS 'instrument symbol';
COMMENT ON COLUMN bars_1h.open_time IS 'start of the hour';
COMMENT ON COLUMN bars_1h.open IS 'open of the first 1m bar in the hour';
COMMENT ON COLUMN bars_1h.high IS 'highest 1m high';
COMMENT ON COLUMN bars_1h.low IS 'lowest 1m low';
COMMENT ON COLUMN bars_1h.close IS 'close of the last 1m bar in the hour';
COMMENT ON COLUMN bars_1h.volume IS 'sum of base volume';
COMMENT ON COLUMN bars_1h.quote_volume IS 'sum of quote volume';
COMMENT ON COLUMN bars_1h.trades IS 'sum of trade counts';
COMMENT ON COLUMN bars_1h.taker_buy_volume IS 'sum of taker-buy base volume';
COMMENT ON COLUMN bars_1h.minutes IS 'number of 1m bars present (60 for a complete hour)';
COMMENT ON VIEW bars_1d IS 'Daily OHLCV rolled up from 1m bars (UTC days); the newest day is partial until its last minute is final.';
COMMENT ON COLUMN bars_1d.venue IS 'venue (exchange) id';
COMMENT ON COLUMN bars_1d.symbol IS 'instrument symbol';
COMMENT ON COLUMN bars_1d.open_time IS 'start of the UTC day';
COMMENT ON COLUMN bars_1d.open IS 'open of the first 1m bar in the day';
COMMENT ON COLUMN bars_1d.high IS 'highest 1m high';
COMMENT ON COLUMN bars_1d.low IS 'lowest 1m low';
COMMENT ON COLUMN bars_1d.close IS 'close of the last 1m bar in the day';
COMMENT ON COLUMN bars_1d.volume IS 'sum of base volume';
COMMENT ON COLUMN bars_1d.quote_volume IS 'sum of quote volume';
COMMENT ON COLUMN bars_1d.trades IS 'sum of trade counts';
COMMENT ON COLUMN bars_1d.taker_buy_volume IS 'sum of taker-buy base volume';
COMMENT ON COLUMN bars_1d.minutes IS 'number of 1m bars present (1440 for a complete day)';
