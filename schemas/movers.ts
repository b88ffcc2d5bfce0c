import type { Bar } from './bar.js';

/** How one series moved over a window: the newsletter's top movers and volume leaders, the analyst's market_movers. */
export interface Mover {
  readonly venue: string;
  readonly symbol: string;
  readonly open: number;
  readonly close: number;
  /** percent change from the first bar's open to the last bar's close */
  readonly changePct: number;
  /** sum of quote volume over the window */
  readonly quoteVolume: number;
}

/** Movement of one series over the window; null when it has no bar there. */
export function moverOf(bars: readonly Bar[]): Mover | null {
  const first = bars[0];
  const last = bars.at(-1);
  if (!first || !last) return null;
  return {
    venue: first.venue,
    symbol: first.symbol,
    open: first.open,
    close: last.close,
    changePct: ((last.close - first.open) / first.open) * 100,
    quoteVolume: bars.reduce((sum, bar) => sum + bar.quoteVolume, 0),
  };
}
