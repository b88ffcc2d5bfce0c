import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { demoRules } from '../runtime/wiring/demo-producer.js';
import { AlertEngine } from './engine.js';
import { firedIds, PointFeed, T0, testRule } from './testing/alert-fixtures.js';

const SECOND = 1_000;

describe('frequency: once_per_minute', () => {
  it('fires as soon as the condition holds, then at most once per minute of event time per symbol', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_minute', condition: { operator: 'greater_than', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    const fired: number[] = [];
    for (let second = 0; second <= 150; second += 10) {
      if (firedIds(feed.trade(101, T0 + 30 * SECOND + second * SECOND)).length > 0) fired.push(second);
    }
    // 0 s, then 60 s and 120 s later: not at the start of the next 1m bar (once_per_bar would fire at 30 s).
    expect(fired).toEqual([0, 60, 120]);
  });

  it('keeps the longer of its minute and the rule cooldown', () => {
    const engine = new AlertEngine([
      testRule({
        frequency: 'once_per_minute',
        cooldownMs: 90 * SECOND,
        condition: { operator: 'greater_than', value: 100 },
      }),
    ]);
    const feed = new PointFeed(engine);
    const fired: number[] = [];
    for (let second = 0; second <= 180; second += 30) {
      if (feed.trade(101, T0 + second * SECOND).length > 0) fired.push(second);
    }
    expect(fired).toEqual([0, 90, 180]);
  });
});

describe('rules over a list of symbols', () => {
  const watchlist = testRule({
    symbol: undefined,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    frequency: 'once_per_bar',
    condition: { operator: 'greater_than', value: 100 },
  });

  it('fires for each listed symbol on its own, and never for another symbol', () => {
    const engine = new AlertEngine([watchlist]);
    const btc = new PointFeed(engine, { symbol: 'BTCUSDT' });
    const eth = new PointFeed(engine, { symbol: 'ETHUSDT' });
    const sol = new PointFeed(engine, { symbol: 'SOLUSDT' });
    expect(btc.trade(101, T0 + SECOND)).toMatchObject([{ kind: 'fired', symbol: 'BTCUSDT' }]);
    expect(eth.trade(101, T0 + 2 * SECOND)).toMatchObject([{ kind: 'fired', symbol: 'ETHUSDT' }]);
    expect(btc.trade(102, T0 + 3 * SECOND)).toEqual([]); // once per bar, per symbol
    expect(sol.trade(101, T0 + 4 * SECOND)).toEqual([]);
    expect(engine.wants('ETHUSDT', '1m', 'price')).toBe(true);
    expect(engine.wants('SOLUSDT', '1m', 'price')).toBe(false);
    expect(engine.subscriptions().map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('leaves every listed symbol when removed, and survives a snapshot', () => {
    const engine = new AlertEngine([watchlist]);
    new PointFeed(engine, { symbol: 'ETHUSDT' }).trade(101, T0 + SECOND);
    const restored = new AlertEngine();
    restored.restore(engine.snapshot());
    expect(restored.snapshot()).toEqual(engine.snapshot());
    // ETHUSDT already fired in this bar; BTCUSDT has not.
    expect(firedIds(new PointFeed(restored, { symbol: 'ETHUSDT' }).trade(101, T0 + 2 * SECOND))).toEqual([]);
    expect(firedIds(new PointFeed(restored, { symbol: 'BTCUSDT' }).trade(101, T0 + 3 * SECOND))).toEqual([
      'r1',
    ]);
    expect(restored.removeRule('r1')).toBe(true);
    expect(restored.subscriptions()).toEqual([]);
  });

  it('refuses a rule naming both symbol and symbols, neither, or a symbol twice', () => {
    const base = testRule({ condition: { operator: 'greater_than', value: 1 } });
    expect(() => new AlertEngine([{ ...base, symbols: ['ETHUSDT'] }])).toThrowError(
      'name either symbol (one, or *) or symbols (a list), not both',
    );
    expect(() => new AlertEngine([{ ...base, symbol: undefined }])).toThrowError('name either symbol');
    expect(alertRuleSchema.safeParse({ ...base, symbol: undefined, symbols: ['A', 'A'] }).success).toBe(
      false,
    );
  });
});

describe('the demo rules', () => {
  it('print a percent move once: "fell 0.2% within 3 bars", no stray %', () => {
    const tick = {
      kind: 'trade',
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      tradeId: '1',
      timeUs: T0 * 1000,
      price: 100,
      size: 1,
      aggressor: 'buy',
    } as const;
    const drop = demoRules([tick]).find((rule) => rule.condition.operator === 'moving_down_percent');
    const engine = new AlertEngine(drop ? [{ ...drop, frequency: 'every_time' }] : []);
    const feed = new PointFeed(engine);
    feed.bar(100);
    const [event] = feed.trade(99.5);
    expect(event?.message).toBe('BTCUSDT fell 0.2% within 3 bars: now 99.5');
  });
});
