import type { BarField } from '../../schemas/alert-rule.js';
import type { AlertEngine } from '../alerts/engine.js';
import { BAR_SERIES_PREFIX, PRICE_SERIES } from '../alerts/series-point.js';

export interface WantedSeries {
  readonly price: boolean;
  /** bar fields rules watch (`bar.close` …), in field-name order */
  readonly bars: readonly { readonly field: BarField; readonly series: string }[];
  readonly indicators: readonly { readonly spec: string; readonly output: string; readonly series: string }[];
}

const NOTHING: WantedSeries = { price: false, bars: [], indicators: [] };
const isBarSeries = (series: string): boolean => series.startsWith(BAR_SERIES_PREFIX);
const BAR_FIELDS: readonly BarField[] = ['open', 'high', 'low', 'close', 'volume'];

/** `rsi(14).value` → spec `rsi(14)`, output `value` (output names hold no dot; specs may, inside parentheses). */
const splitSeries = (series: string) => {
  const dot = series.lastIndexOf('.');
  return { spec: series.slice(0, dot), output: series.slice(dot + 1), series };
};

/**
 * What the alert rules watch, per (interval, symbol), rebuilt once per change of the rule set rather than
 * once per series, so a rule change costs O(rules) and not O(rules × series).
 */
export class SubscriptionLookup {
  private version = -1;
  private readonly byInterval = new Map<
    string,
    { wildcard: Set<string>; bySymbol: Map<string, Set<string>> }
  >();
  private readonly cache = new Map<string, WantedSeries>();

  update(alerts: AlertEngine): void {
    if (alerts.subscriptionVersion === this.version) return;
    this.version = alerts.subscriptionVersion;
    this.byInterval.clear();
    this.cache.clear();
    for (const { symbol, interval, series } of alerts.subscriptions()) {
      let entry = this.byInterval.get(interval);
      if (!entry) {
        entry = { wildcard: new Set(), bySymbol: new Map() };
        this.byInterval.set(interval, entry);
      }
      if (symbol === '*') {
        entry.wildcard.add(series);
      } else {
        const set = entry.bySymbol.get(symbol) ?? new Set<string>();
        set.add(series);
        entry.bySymbol.set(symbol, set);
      }
    }
  }

  wanted(symbol: string, interval: string): WantedSeries {
    const entry = this.byInterval.get(interval);
    if (!entry) return NOTHING;
    const own = entry.bySymbol.get(symbol);
    if (!own && entry.wildcard.size === 0) return NOTHING;
    const cacheKey = own ? `${interval}\u0000${symbol}` : `${interval}\u0000*`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const all = new Set([...entry.wildcard, ...(own ?? [])]);
    const wanted: WantedSeries = {
      price: all.has(PRICE_SERIES),
      bars: BAR_FIELDS.filter((field) => all.has(`${BAR_SERIES_PREFIX}${field}`))
        .sort()
        .map((field) => ({ field, series: `${BAR_SERIES_PREFIX}${field}` })),
      indicators: [...all]
        .filter((series) => series !== PRICE_SERIES && !isBarSeries(series))
        .sort()
        .map(splitSeries),
    };
    this.cache.set(cacheKey, wanted);
    return wanted;
  }
}
