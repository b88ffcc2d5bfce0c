import type { AlertRuleInput } from '../../../schemas/alert-rule.js';
import type { LogProducer, OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { symbolKey } from '../../../schemas/topics.js';
import { demoFeed } from '../../ingest/demo-feed.js';

const DAY_MS = 86_400_000;

/** The raw-topic JSON of a tick (the documented format any client may publish). */
export const rawTradeJson = (tick: TradeTick): Buffer =>
  Buffer.from(
    JSON.stringify({
      venue: tick.venue,
      symbol: tick.symbol,
      tradeId: tick.tradeId,
      timeUs: tick.timeUs,
      price: tick.price,
      size: tick.size,
      side: tick.aggressor,
    }),
    'utf8',
  );

/**
 * Whole days to add to the sample's event times so they fall one to two days before `now`: bars keep
 * their alignment, and brokers that expire records by timestamp (Kafka's retention) keep the outputs.
 */
export function recentDaysShiftMs(firstTimeUs: number, now: number): number {
  const days = Math.floor((now - firstTimeUs / 1000) / DAY_MS) - 1;
  return Math.max(0, days) * DAY_MS;
}

export interface DemoProducerOptions {
  readonly producer: LogProducer;
  readonly topic: string;
  readonly trades: readonly TradeTick[];
  /** 1 = recorded pace, Infinity = as fast as possible */
  readonly speed: number;
  /** stop after this many ticks (default: loop until aborted) */
  readonly maxTicks?: number;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

const waitUnlessAborted = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Feeds the bundled real trades into the raw trades topic as any producer would: plain JSON keyed
 * venue:symbol, looped with shifted times and ids, in batches (by count, or every 20 ms when paced).
 * Resolves with the number of ticks sent once stopped.
 */
export async function produceDemoTrades(options: DemoProducerOptions): Promise<number> {
  const first = options.trades[0];
  if (first === undefined) return 0;
  const now = options.now ?? Date.now;
  const shiftUs = recentDaysShiftMs(first.timeUs, now()) * 1000;
  const maxTicks = options.maxTicks ?? Number.POSITIVE_INFINITY;
  let batch: OutgoingRecord[] = [];
  let flushedAt = performance.now();
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    flushedAt = performance.now();
    await options.producer.send(records);
    sent += records.length;
  };
  // the signal is checked here rather than handed to demoFeed, whose paced sleeps add an abort listener each
  const feed = demoFeed(options.trades, { speed: options.speed, loop: true });
  for await (const tick of feed) {
    if (options.signal.aborted) break;
    const shifted = { ...tick, timeUs: tick.timeUs + shiftUs };
    // sped-up loops reach the present after a while: from then on at the wall clock's pace, since the
    // processor dead-letters trades ahead of it (NXR_FUTURE_TICK)
    const aheadMs = shifted.timeUs / 1000 - now();
    if (aheadMs > 0) {
      await flush();
      await waitUnlessAborted(aheadMs, options.signal);
      if (options.signal.aborted) break;
    }
    batch.push({
      topic: options.topic,
      key: symbolKey(tick.venue, tick.symbol),
      value: rawTradeJson(shifted),
    });
    if (sent + batch.length >= maxTicks) break;
    if (batch.length >= 5_000 || performance.now() - flushedAt >= 20) await flush();
  }
  await flush();
  return sent;
}

/** A few rules around the sample's opening prices, so `nexural run --demo` shows alerts within minutes. */
export function demoRules(trades: readonly TradeTick[]): AlertRuleInput[] {
  const opening = new Map<string, TradeTick>();
  for (const tick of trades) if (!opening.has(tick.symbol)) opening.set(tick.symbol, tick);
  return [...opening.values()].flatMap((tick) => [
    {
      id: `demo-${tick.symbol}-level`,
      owner: 'demo',
      symbol: tick.symbol,
      interval: '1m',
      source: { kind: 'price' as const },
      condition: { operator: 'crossing' as const, value: Math.round(tick.price * 0.998 * 100) / 100 },
      frequency: 'once_per_bar' as const,
      message: '{{symbol}} crossed {{threshold}} at {{value}} ({{time}})',
    },
    {
      id: `demo-${tick.symbol}-drop`,
      owner: 'demo',
      symbol: tick.symbol,
      interval: '1m',
      source: { kind: 'price' as const },
      condition: { operator: 'moving_down_percent' as const, percent: 0.2, bars: 3 },
      frequency: 'once_per_bar' as const,
      // {{threshold}} of a percent move already reads "0.2% within 3 bars".
      message: '{{symbol}} fell {{threshold}}: now {{value}}',
    },
    {
      id: `demo-${tick.symbol}-sma5`,
      owner: 'demo',
      symbol: tick.symbol,
      interval: '1m',
      source: { kind: 'price' as const },
      condition: {
        operator: 'crossing' as const,
        value: { kind: 'indicator' as const, spec: 'sma(5)', output: 'value' },
      },
      frequency: 'once_per_bar' as const,
      message: '{{symbol}} {{value}} crossed its 1m SMA(5) {{threshold}}',
    },
  ]);
}
