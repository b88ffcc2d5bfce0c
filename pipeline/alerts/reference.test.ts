import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { AlertEngine } from './engine.js';
import { type ConstantCondition, conditionHolds } from './operators.js';
import { PointFeed, T0, testRule } from './testing/alert-fixtures.js';

/** Thresholds and prices on one small grid, so touches and equal values happen often. */
const level = fc.integer({ min: 0, max: 12 });
const bars = fc.integer({ min: 1, max: 4 });
const amount = fc.integer({ min: 1, max: 6 });
const channel = fc
  .tuple(level, level)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ lower: Math.min(a, b), upper: Math.max(a, b) }));

const conditionArbitrary: fc.Arbitrary<ConstantCondition> = fc.oneof(
  fc.record({ operator: fc.constantFrom('crossing', 'crossing_up', 'crossing_down'), value: level }),
  fc.record({ operator: fc.constantFrom('greater_than', 'less_than'), value: level }),
  channel.chain((edges) =>
    fc
      .constantFrom('entering_channel', 'exiting_channel', 'inside_channel', 'outside_channel')
      .map((operator) => ({ operator, ...edges })),
  ),
  fc.record({ operator: fc.constantFrom('moving_up', 'moving_down'), amount, bars }),
  fc.record({
    operator: fc.constantFrom('moving_up_percent', 'moving_down_percent'),
    percent: amount.map((n) => n * 10),
    bars,
  }),
) as fc.Arbitrary<ConstantCondition>;

/** One trade per 1m bar, so every trade is a bar close too and the windows are the previous prices. */
function runEngine(rules: readonly AlertRuleInput[], prices: readonly number[]): AlertEvent[] {
  const engine = new AlertEngine(rules);
  const feed = new PointFeed(engine);
  const events = prices.flatMap((price, index) => feed.trade(price, T0 + index * 60_000));
  return [...events, ...feed.close()];
}

/** What should fire, rule by rule and point by point, straight from the operator definitions. */
function reference(rules: readonly AlertRuleInput[], prices: readonly number[]): string[] {
  const expected: string[] = [];
  prices.forEach((price, index) => {
    const previous = index === 0 ? null : (prices[index - 1] as number);
    for (const rule of rules) {
      const n = 'bars' in rule.condition ? rule.condition.bars : 1;
      const window = prices.slice(Math.max(0, index - n), index);
      const extremes = window.length === 0 ? null : { min: Math.min(...window), max: Math.max(...window) };
      // The rules come from conditionArbitrary: numeric thresholds only.
      if (conditionHolds(rule.condition as ConstantCondition, previous, price, extremes))
        expected.push(`${rule.id}@${index}`);
    }
  });
  return expected.sort();
}

describe('the index against the operator definitions', () => {
  it('fires exactly the rules a rule-by-rule evaluation fires, for random rules and prices', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(conditionArbitrary, fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.array(level, { minLength: 1, maxLength: 40 }),
        (conditions, prices) => {
          const rules = conditions.map(([condition, atClose], index) =>
            testRule({
              id: `r${String(index).padStart(2, '0')}`,
              condition,
              frequency: atClose ? 'once_per_bar_close' : 'every_time',
            }),
          );
          // 60 s apart: at most 3 firings of a rule in 3 minutes, far from the storm guard
          const fired = runEngine(rules, prices).map((event) => {
            expect(event.kind).toBe('fired');
            return `${event.ruleId}@${Math.round((event.time - T0) / 60_000)}`;
          });
          expect(fired.slice().sort()).toEqual(reference(rules, prices));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same events in the same order on a second run', () => {
    const rules = [0, 3, 6, 9].map((value, index) =>
      testRule({ id: `r${index}`, condition: { operator: 'crossing', value } }),
    );
    const prices = [5, 0, 9, 3, 3, 12, 6, 1];
    expect(runEngine(rules, prices)).toEqual(runEngine(rules, prices));
  });
});

// Binance USDⓈ-M BTCUSDT trades, 2024-08-08 23:54:16 → 23:59:59 (see ../shared/data/README.md)
const tradesFile = new URL(
  '../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
  import.meta.url,
);

describe('on real Binance trades', () => {
  it('once-per-bar crossings at $25 levels fire on the first crossing trade of each minute', () => {
    const trades = readFileSync(tradesFile, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [id, price, , time] = line.split(',');
        return { id: String(id), price: Number(price), time: Number(time) };
      });
    const levels = Array.from({ length: 10 }, (_, index) => 61_600 + index * 25);
    const rules = levels.map((value) =>
      testRule({ id: `x${value}`, frequency: 'once_per_bar', condition: { operator: 'crossing', value } }),
    );
    const engine = new AlertEngine(rules);
    const feed = new PointFeed(engine, { venue: 'binance-um' });
    const fired: string[] = [];
    for (const trade of trades) {
      const point = feed.point('price', trade.price, {
        kind: 'tick',
        tradeId: trade.id,
        timeUs: trade.time * 1000,
        price: trade.price,
      });
      const openTime = trade.time - (trade.time % 60_000);
      const events = engine.evaluate({ ...point, time: trade.time, bar: { ...point.bar, openTime } });
      for (const event of events)
        if (event.kind === 'fired')
          fired.push(`${event.ruleId}:${event.trigger.kind === 'tick' && event.trigger.tradeId}`);
    }

    const expected: string[] = [];
    for (const value of levels) {
      let firedInMinute = -1;
      trades.forEach((trade, index) => {
        const previous = trades[index - 1]?.price;
        const minute = Math.floor(trade.time / 60_000);
        if (previous === undefined || minute === firedInMinute) return;
        const crossed =
          (previous < value && value <= trade.price) || (previous > value && value >= trade.price);
        if (crossed) {
          expected.push(`x${value}:${trade.id}`);
          firedInMinute = minute;
        }
      });
    }
    expect(fired.length).toBeGreaterThan(10);
    expect(fired.sort()).toEqual(expected.sort());
  });
});
