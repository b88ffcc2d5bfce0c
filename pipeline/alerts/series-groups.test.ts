import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { AlertEngine } from './engine.js';
import type { AlertFrame } from './series-frames.js';
import { firedIds, T0, testRule } from './testing/alert-fixtures.js';

const SMA = { kind: 'indicator', spec: 'sma(20)', output: 'value' } as const;
const pairRule = (
  id: string,
  operator: 'crossing' | 'crossing_up' | 'crossing_down' | 'greater_than' | 'less_than',
) => testRule({ id, condition: { operator, value: SMA } });

/** Drives the frames of BTCUSDT 1m the way the MarketEngine does: cells first, then one evaluation. */
class FrameFeed {
  #frame: AlertFrame | null = null;
  #version = -1;
  #trade = 0;

  constructor(readonly engine: AlertEngine) {}

  /** A forming-bar update (a trade) with these series values; NaN = not warm. */
  update(values: Record<string, number>, time = T0 + 1_000 * ++this.#trade): readonly AlertEvent[] {
    return this.#evaluate(values, time, false);
  }

  /** The bar of `openTime` becoming final with these values. */
  close(values: Record<string, number>, openTime: number): readonly AlertEvent[] {
    return this.#evaluate(values, openTime + 59_999, true, openTime);
  }

  #evaluate(values: Record<string, number>, time: number, final: boolean, openTime = time - (time % 60_000)) {
    if (this.#version !== this.engine.subscriptionVersion) {
      this.#frame = this.engine.frameOf('binance', 'BTCUSDT', '1m');
      this.#version = this.engine.subscriptionVersion;
    }
    const frame = this.#frame;
    if (!frame) return [];
    for (const [series, value] of Object.entries(values)) {
      const cell = frame.cellOf(series);
      if (cell) cell.value = value;
    }
    const price = values.price ?? 0;
    const bar = {
      openTime,
      final,
      revision: 0,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: 1,
    };
    const tick = final ? null : { tradeId: String(this.#trade), timeUs: time * 1000, price };
    // a bar's sequence: its open time serves here (one bar per minute)
    return this.engine.evaluateFrame(frame, { bar, tick, sourcePosition: null, time, barSeq: openTime });
  }
}

describe('series-threshold rules: one comparison per group', () => {
  it('compares 10,000 rules on one pair once per update, visiting only the rules whose operator holds', () => {
    const rules: AlertRuleInput[] = [];
    for (let i = 0; i < 5_000; i++)
      rules.push(pairRule(`up-${i}`, 'crossing_up'), pairRule(`down-${i}`, 'crossing_down'));
    const engine = new AlertEngine([...rules, pairRule('above', 'greater_than')]);
    expect(engine.frameOf('binance', 'BTCUSDT', '1m')?.members).toHaveLength(1);
    expect(engine.wants('BTCUSDT', '1m', 'sma(20).value')).toBe(true);
    expect(engine.subscriptions()).toEqual([
      { symbol: 'BTCUSDT', interval: '1m', series: 'price' },
      { symbol: 'BTCUSDT', interval: '1m', series: 'sma(20).value' },
    ]);
    const feed = new FrameFeed(engine);
    feed.update({ price: 99, 'sma(20).value': 100 });
    const quiet = { ...engine.stats };
    expect(feed.update({ price: 99.5, 'sma(20).value': 100 })).toEqual([]);
    expect(engine.stats.groupsCompared - quiet.groupsCompared).toBe(1);
    expect(engine.stats.rulesVisited - quiet.rulesVisited).toBe(0);
    const crossed = feed.update({ price: 101, 'sma(20).value': 100.2 });
    expect(engine.stats.groupsCompared - quiet.groupsCompared).toBe(2);
    expect(engine.stats.rulesVisited - quiet.rulesVisited).toBe(5_001);
    expect(crossed).toHaveLength(5_001);
    expect(crossed[0]).toMatchObject({
      ruleId: 'above',
      previous: 99.5,
      current: 101,
      thresholds: { value: 100.2 },
    });
  });
});

describe('series-threshold semantics (TradingView ta.crossover)', () => {
  it('crosses up from equal (a <= b before), not onto equal; equal is neither above nor below', () => {
    const engine = new AlertEngine([
      pairRule('up', 'crossing_up'),
      pairRule('down', 'crossing_down'),
      pairRule('any', 'crossing'),
      pairRule('gt', 'greater_than'),
      pairRule('lt', 'less_than'),
    ]);
    const feed = new FrameFeed(engine);
    expect(firedIds(feed.update({ price: 99, 'sma(20).value': 100 }))).toEqual(['lt']);
    expect(firedIds(feed.update({ price: 100, 'sma(20).value': 100 }))).toEqual([]);
    expect(firedIds(feed.update({ price: 100.5, 'sma(20).value': 100 }))).toEqual(['any', 'gt', 'up']);
    expect(firedIds(feed.update({ price: 100, 'sma(20).value': 100.5 }))).toEqual(['any', 'down', 'lt']);
  });

  it('never fires from a series that is not warm, nor crosses from its first warm value', () => {
    const engine = new AlertEngine([pairRule('up', 'crossing_up'), pairRule('gt', 'greater_than')]);
    const feed = new FrameFeed(engine);
    expect(feed.update({ price: 99, 'sma(20).value': Number.NaN })).toEqual([]);
    expect(firedIds(feed.update({ price: 101, 'sma(20).value': 100 }))).toEqual(['gt']);
    expect(firedIds(feed.update({ price: 99, 'sma(20).value': 100 }))).toEqual([]);
    expect(firedIds(feed.update({ price: 101, 'sma(20).value': 100 }))).toEqual(['gt', 'up']);
  });

  it('compares final values with the previous final values on bar close, ignoring forming ones', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar_close', condition: { operator: 'crossing_up', value: SMA } }),
    ]);
    const feed = new FrameFeed(engine);
    feed.close({ price: 99, 'sma(20).value': 100 }, T0);
    expect(feed.update({ price: 102, 'sma(20).value': 100 }, T0 + 60_500)).toEqual([]);
    expect(firedIds(feed.close({ price: 101, 'sma(20).value': 100 }, T0 + 60_000))).toEqual(['r1']);
    expect(feed.close({ price: 101, 'sma(20).value': 100 }, T0 + 60_000)).toEqual([]); // a revision: once per bar
  });

  it('prints the series values in {{threshold}}, {{lower}} and {{upper}}, a numeric edge as written', () => {
    const engine = new AlertEngine([
      testRule({
        message: '{{value}} left {{threshold}}: {{lower}} / {{upper}}',
        condition: {
          operator: 'exiting_channel',
          lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
          upper: 62_000,
        },
      }),
    ]);
    const feed = new FrameFeed(engine);
    feed.update({ price: 61_500, 'bbands(20,2).lower': 61_000 });
    const [event] = feed.update({ price: 60_900, 'bbands(20,2).lower': 61_000.5 });
    expect(event).toMatchObject({
      message: '60900 left 61000.5..62000: 61000.5 / 62000',
      thresholds: { lower: 61_000.5, upper: 62_000 },
    });
  });

  it('fires each channel operator on a series channel as it is defined (inside, outside, entering, exiting)', () => {
    const operators = ['entering_channel', 'exiting_channel', 'inside_channel', 'outside_channel'] as const;
    const engine = new AlertEngine(
      operators.map((operator) =>
        testRule({
          id: operator,
          condition: {
            operator,
            lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
            upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
          },
        }),
      ),
    );
    const feed = new FrameFeed(engine);
    const edges = { 'bbands(20,2).lower': 100, 'bbands(20,2).upper': 200 };
    expect(firedIds(feed.update({ price: 50, ...edges }))).toEqual(['outside_channel']);
    expect(firedIds(feed.update({ price: 150, ...edges }))).toEqual(['entering_channel', 'inside_channel']);
    expect(firedIds(feed.update({ price: 200, ...edges }))).toEqual(['inside_channel']);
    expect(firedIds(feed.update({ price: 201, ...edges }))).toEqual(['exiting_channel', 'outside_channel']);
    expect(firedIds(feed.update({ price: 250, ...edges }))).toEqual(['outside_channel']);
  });
});
