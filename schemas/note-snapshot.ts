import type { StoreReader } from './ports/store.js';
import type { NoteAnchor, NoteSnapshot } from './research.js';

/** Bars a note keeps by default: enough to redraw the chart and the indicators' recent past. */
export const SNAPSHOT_BARS = 50;

/**
 * The market a note speaks of, as stored now: the last `barCount` bars of the anchor series opening at or
 * before the event time (forming bars at their latest revision), oldest first, and every indicator value on
 * those bars. Saved with the note, so reopening it shows exactly this, whatever the store holds later.
 */
export async function takeSnapshot(
  store: Pick<StoreReader, 'bars' | 'indicatorValues'>,
  anchor: NoteAnchor,
  now: number,
  barCount = SNAPSHOT_BARS,
): Promise<NoteSnapshot> {
  const series = { venue: anchor.venue, symbol: anchor.symbol, interval: anchor.interval };
  const page = await store.bars({
    ...series,
    from: 0,
    to: anchor.eventTime + 1,
    order: 'desc',
    limit: barCount,
  });
  const bars = [...page.items].reverse();
  const first = bars[0];
  const last = bars.at(-1);
  if (!first || !last) return { bars: [], indicators: [], takenAt: now };
  const values = await store.indicatorValues({
    ...series,
    from: first.openTime,
    to: last.openTime + 1,
    limit: 10_000,
  });
  return { bars, indicators: [...values.items], takenAt: now };
}
