import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { isNexuralError } from '../../schemas/errors.js';
import { type AlertEngineSnapshot, alertEngineSnapshotSchema } from './alert-snapshot.js';
import { AlertEngine } from './engine.js';
import { PRICE_SERIES, type SeriesPoint } from './series-point.js';
import { ALL_FREQUENCIES, BTC_PRICE_CONDITIONS } from './testing/alert-fixtures.js';

// Binance USDⓈ-M BTCUSDT trades, 2024-08-08 23:54:16 → 23:59:59, prices 61,590.3 … 61,839.9
// (see ../shared/data/README.md).
const trades = readFileSync(
  new URL(
    '../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
  'utf8',
)
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [id, price, , time] = line.split(',');
    return { id: String(id), price: Number(price), time: Number(time) };
  });

const INTERVALS = [
  { label: '5s', ms: 5_000 },
  { label: '1m', ms: 60_000 },
] as const;

/**
 * The points the composition sends for these trades on two venues (the spot venue sees every third trade):
 * per trade a price point with its forming bar; per bar close a final price point and an sma(3) point.
 */
function pointsOf(): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const venue of ['binance-um', 'binance'] as const) {
    const venueTrades = venue === 'binance' ? trades.filter((_, i) => i % 3 === 0) : trades;
    for (const { label, ms } of INTERVALS) {
      const closes: number[] = [];
      let bar: {
        openTime: number;
        open: number;
        high: number;
        low: number;
        close: number;
        count: number;
      } | null = null;
      const point = (
        series: string,
        value: number,
        time: number,
        final: boolean,
        trigger: SeriesPoint['trigger'],
      ) => {
        if (!bar) throw new Error('no bar');
        const { openTime, open, high, low, close, count } = bar;
        const pointBar = { openTime, final, revision: count, open, high, low, close, volume: count };
        const sourcePosition = null;
        return {
          venue,
          symbol: 'BTCUSDT',
          interval: label,
          series,
          value,
          bar: pointBar,
          trigger,
          time,
          sourcePosition,
        };
      };
      const closeBar = (time: number) => {
        if (!bar) return;
        const trigger = { kind: 'bar', openTime: bar.openTime, final: true, revision: bar.count } as const;
        points.push(point(PRICE_SERIES, bar.close, time, true, trigger));
        closes.push(bar.close);
        const window = closes.slice(-3);
        if (window.length === 3) {
          points.push(point('sma(3).value', window.reduce((a, b) => a + b) / 3, time, true, trigger));
        }
      };
      for (const trade of venueTrades) {
        const openTime = trade.time - (trade.time % ms);
        if (bar && bar.openTime !== openTime) closeBar(trade.time);
        if (!bar || bar.openTime !== openTime) {
          bar = {
            openTime,
            open: trade.price,
            high: trade.price,
            low: trade.price,
            close: trade.price,
            count: 0,
          };
        }
        bar.high = Math.max(bar.high, trade.price);
        bar.low = Math.min(bar.low, trade.price);
        bar.close = trade.price;
        bar.count++;
        const timeUs = trade.time * 1000;
        const tick = { kind: 'tick', tradeId: trade.id, timeUs, price: trade.price } as const;
        points.push(point(PRICE_SERIES, trade.price, trade.time, false, tick));
      }
      closeBar(bar ? bar.openTime + ms : 0);
    }
  }
  // One stream in event-time order, as one partition interleaves its symbols and venues.
  return points.sort((a, b) => a.time - b.time);
}

const conditions = BTC_PRICE_CONDITIONS;
const frequencies = ALL_FREQUENCIES;
const expiresAt = (trades[10_000]?.time ?? 0) + 123;

/** Every operator at every frequency, on price and sma(3), for BTCUSDT and `*`, some with cooldown/expiry. */
const rules: AlertRuleInput[] = conditions.flatMap((condition, c) =>
  frequencies.map((frequency, f) => ({
    id: `${condition.operator}-${frequency}`,
    owner: 'snapshot-test',
    symbol: (c + f) % 3 === 0 ? '*' : 'BTCUSDT',
    interval: INTERVALS[(c + f) % 2]?.label ?? '5s',
    source: (c + f) % 4 === 1 ? { kind: 'indicator', spec: 'sma(3)' } : { kind: 'price' },
    condition,
    frequency,
    cooldownMs: f === 3 && c % 2 === 0 ? 20_000 : 0,
    expiresAt: c === 3 ? expiresAt : null,
    enabled: c !== 7 || f !== 0,
  })),
);

const points = pointsOf();
const MIDWAY = Math.floor(points.length / 2);
const roundTrip = (snapshot: AlertEngineSnapshot): AlertEngineSnapshot =>
  alertEngineSnapshotSchema.parse(deserialize(serialize(snapshot)));
/** Series states sorted by key: the order of the engine's groups reflects rule history, not state. */
const inKeyOrder = (snapshot: AlertEngineSnapshot): AlertEngineSnapshot => {
  const key = (s: AlertEngineSnapshot['series'][number]) =>
    `${s.series} ${s.interval} ${s.symbol} ${s.venue}`;
  return { ...snapshot, series: [...snapshot.series].sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
};
const run = (engine: AlertEngine, from: number, to: number): AlertEvent[] =>
  points.slice(from, to).flatMap((point) => engine.evaluate(point));

describe('alert engine snapshot', () => {
  const whole = run(new AlertEngine(rules), 0, points.length);

  it('the fixture fires every operator at every frequency and stops rules for every reason', () => {
    const fired = new Set(whole.flatMap((event) => (event.kind === 'fired' ? [event.ruleId] : [])));
    const operators = new Set([...fired].map((id) => id.replace(/-.*/, '')));
    const frequenciesFired = new Set([...fired].map((id) => id.replace(/.*-/, '')));
    expect(operators).toEqual(new Set(conditions.map((condition) => condition.operator)));
    expect(frequenciesFired).toEqual(new Set(frequencies));
    const reasons = new Set(whole.flatMap((event) => (event.kind === 'stopped' ? [event.reason] : [])));
    expect(reasons).toEqual(new Set(['fired_once', 'storm_guard', 'expired']));
  });

  it('restored at any point, the engine continues with exactly the events of an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: points.length }), (split) => {
        const first = new AlertEngine(rules);
        const before = run(first, 0, split);
        const restored = new AlertEngine();
        restored.restore(roundTrip(first.snapshot()));
        const after = run(restored, split, points.length);
        expect(JSON.stringify([...before, ...after])).toBe(JSON.stringify(whole));
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it('a snapshot of the restored engine equals the snapshot it was restored from', () => {
    const engine = new AlertEngine(rules);
    run(engine, 0, MIDWAY);
    const snapshot = roundTrip(engine.snapshot());
    expect(snapshot.series.length).toBeGreaterThan(4);
    expect(snapshot.series.some((series) => series.closes.capacity > 64)).toBe(true);
    expect(snapshot.rules.some((rule) => rule.instances.length > 1)).toBe(true);
    const restored = new AlertEngine();
    restored.restore(snapshot);
    expect(inKeyOrder(roundTrip(restored.snapshot()))).toEqual(inKeyOrder(snapshot));
  });

  it('keeps firing state across an identical upsert after the restore', () => {
    const engine = new AlertEngine(rules);
    run(engine, 0, MIDWAY);
    const restored = new AlertEngine();
    restored.restore(roundTrip(engine.snapshot()));
    for (const rule of rules) restored.upsertRule(rule);
    expect(JSON.stringify(run(restored, MIDWAY, points.length))).toBe(
      JSON.stringify(run(engine, MIDWAY, points.length)),
    );
  });

  it('rejects a snapshot with a malformed storm-guard ring, naming the path', () => {
    const engine = new AlertEngine(rules);
    run(engine, 0, MIDWAY);
    const snapshot = engine.snapshot();
    const index = snapshot.rules.findIndex((rule) => rule.firingTimes !== null);
    const bad = {
      ...snapshot,
      rules: snapshot.rules.map((rule, i) =>
        i === index ? { ...rule, firingTimes: new Float64Array(3) } : rule,
      ),
    };
    const result = alertEngineSnapshotSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['rules', index, 'firingTimes']);
  });

  it('rejects a series state that no active rule watches', () => {
    const engine = new AlertEngine(rules);
    run(engine, 0, MIDWAY);
    const snapshot = engine.snapshot();
    const restored = new AlertEngine();
    try {
      restored.restore({ ...snapshot, rules: [] });
      expect.unreachable('restored states without rules');
    } catch (error) {
      expect(isNexuralError(error) && error.code).toBe('NXR_SCHEMA_INVALID');
      expect(String(error)).toMatch(
        /^NexuralError: alert snapshot: a state for binance(-um)?:BTCUSDT on \S+ (5s|1m), which no active rule watches$/,
      );
    }
  });
});
