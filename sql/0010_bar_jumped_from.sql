-- A time bar that follows a gap longer than the flat-bar cap (engine.bars.maxFlatBars) carries the open time
-- of the bar before the gap (schemas/bar.ts `jumpedFrom`): readers tell "no trades, no bars on purpose"
-- from "data missing". Nullable, no default: adding it rewrites no rows, on TimescaleDB hypertables
-- (compressed chunks included) and on PGlite alike. NULL = no jump (every row written before this).
ALTER TABLE bars ADD COLUMN jumped_from timestamptz;
COMMENT ON COLUMN bars.jumped_from IS 'time bars after a gap longer than the flat-bar cap: open_time of the bar before the gap (the empty intervals in between got no bar); NULL = no jump';
