import type { Bar } from '../../schemas/bar.js';
import type { IdeaScore } from '../../schemas/research.js';

export type ScoredIdea = Extract<IdeaScore, { status: 'scored' }>;

/**
 * The score of a long or short idea entered at the close of `anchor` and held for the bars of `horizon` (the N
 * bars after it, oldest first): return at the last bar's close, and the largest move for and against the idea
 * within the horizon (highs and lows), as fractions of the entry price. Excursions are ≥ 0: an idea that never
 * moved its way has an MFE of 0.
 */
export function scoreIdea(direction: 'long' | 'short', anchor: Bar, horizon: readonly Bar[]): ScoredIdea {
  const last = horizon.at(-1);
  if (!last) throw new RangeError('an idea is scored over at least one bar');
  const entry = anchor.close;
  const high = Math.max(...horizon.map((bar) => bar.high));
  const low = Math.min(...horizon.map((bar) => bar.low));
  const up = Math.max(0, high - entry) / entry;
  const down = Math.max(0, entry - low) / entry;
  const move = (last.close - entry) / entry;
  return {
    status: 'scored',
    entryTime: anchor.openTime,
    entryPrice: entry,
    exitTime: last.openTime,
    exitPrice: last.close,
    return: direction === 'long' ? move : -move,
    mfe: direction === 'long' ? up : down,
    mae: direction === 'long' ? down : up,
    bars: horizon.length,
  };
}
