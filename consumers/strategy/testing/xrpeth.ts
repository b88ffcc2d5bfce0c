import { MarketEngine } from '../../../pipeline/engine/market-engine.js';
import { readTradeFileLines } from '../../../pipeline/readers/read-trades.js';
import type { Bar } from '../../../schemas/bar.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import type { TradeTick } from '../../../schemas/tick.js';

/** Real Binance spot XRPETH aggregate trades, 2019-10-11 → 2019-10-13 (12,477 trades; /work/shared/data). */
export const XRPETH_TRADES = new URL(
  '../../../../shared/data/binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv',
  import.meta.url,
).pathname;

/** A 5m close/ema(10) cross with a 2 ATR stop, half the equity per trade, 10 bps fees, 2 bps slippage. */
export const closeEmaStrategy = {
  name: 'close-ema',
  venue: 'binance',
  symbol: 'XRPETH',
  interval: '5m',
  entry: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  exit: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_down',
    value: { kind: 'indicator', spec: 'ema(10)', output: 'value' },
  },
  stopLoss: { atr: 2, atrPeriod: 14 },
  size: { percentEquity: 50 },
  feeBps: 10,
  slippageBps: 2,
};

export type TopicRecord =
  | { readonly topic: 'trades'; readonly value: TradeTick }
  | { readonly topic: 'bars'; readonly value: Bar }
  | { readonly topic: 'indicators'; readonly value: IndicatorValue };

/**
 * What the live pipeline writes for the XRPETH file — raw trades, final 5m bars, final indicator values — per
 * topic in order, computed by MarketEngine with the backtest's settings (first partial bar skipped).
 */
export async function xrpethTopics(indicators: readonly string[]): Promise<TopicRecord[][]> {
  const bars: TopicRecord[] = [];
  const values: TopicRecord[] = [];
  const trades: TopicRecord[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: ['5m'], firstBar: 'skip' }, indicators: [...indicators], liveBarThrottleMs: -1 },
    {
      // the engine reuses its objects: copy what it hands out
      bar: (bar) => {
        if (bar.final) bars.push({ topic: 'bars', value: bar.toBar() });
      },
      indicator: (value) => {
        if (value.final)
          values.push({ topic: 'indicators', value: { ...value, outputs: { ...value.outputs } } });
      },
      alert() {},
      late() {},
    },
  );
  let advancedTo = Number.NEGATIVE_INFINITY;
  for await (const { tick } of readTradeFileLines(XRPETH_TRADES, {
    format: 'binance-aggtrades',
    venue: 'binance',
    symbol: 'XRPETH',
  })) {
    engine.add(tick);
    const ms = Math.floor(tick.timeUs / 1000);
    if (ms - (ms % 1000) > advancedTo) {
      advancedTo = ms - (ms % 1000);
      engine.advanceWatermark(advancedTo);
    }
    trades.push({ topic: 'trades', value: tick });
  }
  engine.flush();
  return [trades, bars, values];
}

/** Per-topic order kept, topics interleaved in chunks chosen by a seeded generator (as a consumer reads them). */
export function interleave<T = TopicRecord>(queues: readonly T[][], seed: number): T[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const heads = queues.map(() => 0);
  const out: T[] = [];
  while (heads.some((head, i) => head < (queues[i]?.length ?? 0))) {
    const i = Math.floor(next() * queues.length);
    const queue = queues[i] ?? [];
    const take = 1 + Math.floor(next() * 300);
    out.push(...queue.slice(heads[i], (heads[i] ?? 0) + take));
    heads[i] = Math.min(queue.length, (heads[i] ?? 0) + take);
  }
  return out;
}
