import { intervalOf } from '../../schemas/interval.js';
import { MAX_EVENT_TIME_MS } from '../../schemas/market.js';
import type { StoredFill, StrategyStore } from '../../schemas/ports/strategies.js';
import type { Strategy } from '../../schemas/strategy.js';
import { type StrategyMetrics, strategyMetrics } from './metrics.js';
import type { RoundTrip } from './strategy-book.js';

/** Round trips of stored fills: each exit closes the oldest open entry of its symbol and side. */
export function roundTripsOf(fills: readonly StoredFill[]): RoundTrip[] {
  const open = new Map<string, StoredFill[]>();
  const trips: RoundTrip[] = [];
  for (const fill of fills) {
    const key = `${fill.symbol}:${fill.positionSide}`;
    const queue = open.get(key) ?? [];
    open.set(key, queue);
    if (fill.reason === 'entry') {
      queue.push(fill);
      continue;
    }
    const entry = queue.shift();
    if (!entry) continue;
    trips.push({
      symbol: fill.symbol,
      side: fill.positionSide,
      size: entry.quantity,
      entryTime: entry.time,
      exitTime: fill.time,
      entryPrice: entry.price,
      exitPrice: fill.price,
      fees: entry.fee + fill.fee,
      pnl: fill.pnl ?? 0,
      exitReason: fill.reason as RoundTrip['exitReason'],
    });
  }
  return trips;
}

/**
 * The metrics of a stored strategy's whole run (the API's /strategies/:id/metrics and the analyst's tool), with
 * the event time they are as of: the newest equity point (or fill), null before the first.
 */
export async function storedStrategyMetrics(
  store: StrategyStore,
  owner: string,
  id: string,
  strategy: Strategy,
): Promise<{ metrics: StrategyMetrics; asOf: number | null; fills: number; equityPoints: number }> {
  const all = { from: 0, to: MAX_EVENT_TIME_MS, limit: 1_000_000 };
  const [fills, equity] = await Promise.all([store.fills(owner, id, all), store.equity(owner, id, all)]);
  const interval = intervalOf(strategy.interval);
  const barMs = interval.kind === 'time' ? interval.ms : null;
  const first = Math.min(
    (equity[0]?.time ?? Number.POSITIVE_INFINITY) - (barMs ?? 0),
    fills[0]?.time ?? Number.POSITIVE_INFINITY,
  );
  const metrics = strategyMetrics({
    startingEquity: strategy.startingEquity,
    equity,
    trades: roundTripsOf(fills),
    barMs,
    startTime: Number.isFinite(first) ? first : 0,
  });
  const newest = Math.max(
    equity.at(-1)?.time ?? Number.NEGATIVE_INFINITY,
    fills.at(-1)?.time ?? Number.NEGATIVE_INFINITY,
  );
  return {
    metrics,
    asOf: Number.isFinite(newest) ? newest : null,
    fills: fills.length,
    equityPoints: equity.length,
  };
}
