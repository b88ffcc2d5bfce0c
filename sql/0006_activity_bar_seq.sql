-- Activity bars (100t, 10v, 1000000q) of one series can open in the same millisecond (a burst of trades with
-- one timestamp fills several 100t bars): `seq` tells them apart and joins the key, so each is its own row
-- instead of the later one overwriting the earlier. 0 for time bars, for the first activity bar opening in a
-- millisecond, and for every row written before this migration; 1, 2, … for the next ones (schemas/bar.ts).
-- Indicator values carry the seq of the bar they were computed on.
ALTER TABLE bars ADD COLUMN seq integer NOT NULL DEFAULT 0 CHECK (seq >= 0);
COMMENT ON COLUMN bars.seq IS 'activity bars: 0, or 1, 2, … for further bars of the series opening in the same ms as the one before; 0 for time bars';
ALTER TABLE bars DROP CONSTRAINT bars_pkey;
ALTER TABLE bars ADD PRIMARY KEY (venue, symbol, bar_interval, open_time, seq);

ALTER TABLE indicator_values ADD COLUMN seq integer NOT NULL DEFAULT 0 CHECK (seq >= 0);
COMMENT ON COLUMN indicator_values.seq IS 'seq of the bar the value was computed on (see bars.seq)';
ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_pkey;
ALTER TABLE indicator_values ADD PRIMARY KEY (venue, symbol, bar_interval, spec, open_time, seq);
