import type { Bar } from '../bar.js';
import type { IndicatorValue } from '../indicator-value.js';
import type { SeriesKey } from './store.js';

/** One update of a series as the pipeline emitted it (bars: every revision; indicators: every value). */
export type LiveMarketUpdate =
  | { readonly kind: 'bar'; readonly bar: Bar }
  | { readonly kind: 'indicator'; readonly value: IndicatorValue };

export interface LiveMarketSubscription {
  close(): void;
}

/**
 * Live bars and indicator values per series, read from the derived topics as they are written. Delivery
 * starts at subscription time (no history: read the store for that) and is best-effort per subscriber: the
 * listener is called synchronously and must not block; a subscriber that cannot keep up is its own problem,
 * never the pipeline's (the feed reads in its own consumer group).
 */
export interface LiveMarketFeed {
  subscribe(series: SeriesKey, listener: (update: LiveMarketUpdate) => void): LiveMarketSubscription;
  /** The newest bar seen live for the series (forming or final), or null if none arrived since start. */
  latestBar(series: SeriesKey): Bar | null;
  /** true once the feed is attached to the log (for /ready) */
  ready(): boolean;
  close(): Promise<void>;
}
