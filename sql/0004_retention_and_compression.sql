-- Retention: how long raw market data is kept, in one table every path reads.
--   timescale licence: TimescaleDB's own retention jobs (add_retention_policy) plus compression policies;
--   apache licence:    no job scheduler and no policies, so nexural_apply_retention() calls drop_chunks —
--                      run it from cron, psql or `nexural migrate --apply-retention`;
--   PostgreSQL/PGlite: nexural_apply_retention() deletes the old rows.
-- Retention counts from now(): replaying old files into a store and then applying retention removes them.

CREATE TABLE retention_policies (
  table_name text PRIMARY KEY CHECK (table_name IN ('trade_ticks', 'quotes', 'bars', 'indicator_values', 'alert_events')),
  time_column text NOT NULL CHECK (time_column IN ('time', 'open_time')),
  keep interval NOT NULL CHECK (keep > INTERVAL '0')
);
COMMENT ON TABLE retention_policies IS 'How long each market-data table keeps rows; tables without a row keep everything. Read by nexural_apply_retention() and, on the timescale licence, turned into retention policies at migration time.';
COMMENT ON COLUMN retention_policies.table_name IS 'table the policy applies to';
COMMENT ON COLUMN retention_policies.time_column IS 'the table''s time column (what "older than" is measured on)';
COMMENT ON COLUMN retention_policies.keep IS 'rows older than now() − keep are removed (whole chunks on TimescaleDB, so a few older rows may stay until their chunk is entirely old)';
INSERT INTO retention_policies (table_name, time_column, keep) VALUES
  ('trade_ticks', 'time', INTERVAL '90 days'),
  ('quotes', 'time', INTERVAL '30 days');

-- nexural:requires timescaledb
CREATE FUNCTION nexural_apply_retention()
RETURNS TABLE (relation text, cutoff timestamptz, removed bigint, method text)
LANGUAGE plpgsql AS $$
DECLARE
  policy record;
BEGIN
  FOR policy IN SELECT p.table_name, p.keep FROM retention_policies p ORDER BY p.table_name LOOP
    relation := policy.table_name;
    cutoff := now() - policy.keep;
    SELECT count(*) INTO removed FROM drop_chunks(policy.table_name::regclass, older_than => policy.keep);
    method := 'drop_chunks (chunks)';
    RETURN NEXT;
  END LOOP;
END
$$;

-- nexural:requires no-timescaledb
CREATE FUNCTION nexural_apply_retention()
RETURNS TABLE (relation text, cutoff timestamptz, removed bigint, method text)
LANGUAGE plpgsql AS $$
DECLARE
  policy record;
BEGIN
  FOR policy IN SELECT p.table_name, p.time_column, p.keep FROM retention_policies p ORDER BY p.table_name LOOP
    relation := policy.table_name;
    cutoff := now() - policy.keep;
    EXECUTE format('DELETE FROM %I WHERE %I < $1', policy.table_name, policy.time_column) USING cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    method := 'delete (rows)';
    RETURN NEXT;
  END LOOP;
END
$$;

-- nexural:requires always
COMMENT ON FUNCTION nexural_apply_retention() IS 'Removes market data older than retention_policies allows and returns what it removed per table. Needed on the apache licence and without TimescaleDB; harmless on the timescale licence, where retention jobs do the same.';

-- Compression: ticks and quotes are written once, so they compress after 2 days; bars and indicator values are
-- revised while live and by late ticks within grace, which settles long before 30 days.
-- nexural:requires timescaledb-tsl
SELECT add_retention_policy(table_name::regclass, drop_after => keep) FROM retention_policies;
ALTER TABLE trade_ticks SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol', timescaledb.compress_orderby = 'time DESC, trade_id');
SELECT add_compression_policy('trade_ticks', compress_after => INTERVAL '2 days');
ALTER TABLE quotes SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol', timescaledb.compress_orderby = 'time DESC, update_id');
SELECT add_compression_policy('quotes', compress_after => INTERVAL '2 days');
ALTER TABLE bars SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol, bar_interval', timescaledb.compress_orderby = 'open_time DESC');
SELECT add_compression_policy('bars', compress_after => INTERVAL '30 days');
ALTER TABLE indicator_values SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol, bar_interval, spec', timescaledb.compress_orderby = 'open_time DESC');
SELECT add_compression_policy('indicator_values', compress_after => INTERVAL '30 days');
