import { describe, expect, it } from 'vitest';
import { alertEventSchema } from '../../schemas/alert-event.js';
import { NexuralError } from '../../schemas/errors.js';
import { AlertEngine } from './engine.js';
import { firedIds, PointFeed, T0, testRule } from './testing/alert-fixtures.js';

const crossingUp100 = testRule({
  frequency: 'once_per_bar',
  condition: { operator: 'crossing_up', value: 100 },
});

describe('wildcard rules', () => {
  it('watch every symbol, with once-per-bar kept per symbol, and report the symbol that fired', () => {
    const engine = new AlertEngine([{ ...crossingUp100, symbol: '*' }]);
    const btc = new PointFeed(engine, { symbol: 'BTCUSDT' });
    const eth = new PointFeed(engine, { symbol: 'ETHUSDT' });
    btc.trade(99, T0 + 1);
    eth.trade(99, T0 + 2);
    expect(btc.trade(101, T0 + 3)).toMatchObject([{ kind: 'fired', symbol: 'BTCUSDT' }]);
    expect(eth.trade(101, T0 + 4)).toMatchObject([{ kind: 'fired', symbol: 'ETHUSDT' }]);
    btc.trade(99, T0 + 5);
    expect(btc.trade(101, T0 + 6)).toEqual([]);
    expect(engine.wants('SOLUSDT', '1m', 'price')).toBe(true);
  });

  it('fire alongside symbol rules, in rule-id order', () => {
    const engine = new AlertEngine([
      { ...crossingUp100, id: 'b-any', symbol: '*' },
      { ...crossingUp100, id: 'a-btc' },
      { ...crossingUp100, id: 'c-eth', symbol: 'ETHUSDT' },
    ]);
    const btc = new PointFeed(engine);
    btc.trade(99);
    expect(firedIds(btc.trade(101))).toEqual(['a-btc', 'b-any']);
  });
});

describe('series identity', () => {
  it('a symbol rule matches that symbol on every venue, each venue with its own previous value', () => {
    const engine = new AlertEngine([crossingUp100]);
    const spot = new PointFeed(engine, { venue: 'binance' });
    const futures = new PointFeed(engine, { venue: 'binance-um' });
    spot.trade(99, T0 + 1);
    expect(futures.trade(101, T0 + 2)).toEqual([]); // first futures value: nothing to cross from
    expect(spot.trade(101, T0 + 3)).toMatchObject([{ kind: 'fired', venue: 'binance' }]);
    expect(new PointFeed(engine, { symbol: 'ETHUSDT' }).trade(150)).toEqual([]);
  });
});

describe('live rule changes', () => {
  it('an identical upsert keeps the rule state (already fired in this bar)', () => {
    const engine = new AlertEngine([crossingUp100]);
    const feed = new PointFeed(engine);
    feed.trade(99, T0 + 1);
    expect(firedIds(feed.trade(101, T0 + 2))).toEqual(['r1']);
    engine.upsertRule({ ...crossingUp100 });
    feed.trade(99, T0 + 3);
    expect(feed.trade(101, T0 + 4)).toEqual([]);
  });

  it('changing one rule leaves the state of the others and the series previous value intact', () => {
    const engine = new AlertEngine([crossingUp100, { ...crossingUp100, id: 'r2' }]);
    const feed = new PointFeed(engine);
    feed.trade(99, T0 + 1);
    expect(firedIds(feed.trade(101, T0 + 2))).toEqual(['r1', 'r2']);
    feed.trade(99, T0 + 3);
    engine.upsertRule({ ...crossingUp100, id: 'r2', condition: { operator: 'crossing_up', value: 100.5 } });
    // r1 already fired in this bar; r2 changed, starts afresh, and crosses from the kept previous value 99
    expect(feed.trade(101, T0 + 4)).toMatchObject([{ ruleId: 'r2', previous: 99 }]);
  });

  it('a removed rule stops firing and is no longer wanted', () => {
    const engine = new AlertEngine([crossingUp100]);
    const version = engine.subscriptionVersion;
    expect(engine.removeRule('r1')).toBe(true);
    expect(engine.removeRule('r1')).toBe(false);
    expect(engine.wants('BTCUSDT', '1m', 'price')).toBe(false);
    expect(engine.subscriptionVersion).toBeGreaterThan(version);
    const feed = new PointFeed(engine);
    feed.trade(99);
    expect(feed.trade(101)).toEqual([]);
  });

  it('a rule added again does not cross from a value seen before it was removed', () => {
    const engine = new AlertEngine([crossingUp100]);
    const feed = new PointFeed(engine);
    feed.trade(99);
    engine.removeRule('r1');
    engine.upsertRule(crossingUp100);
    expect(feed.trade(101)).toEqual([]);
  });

  it('a disabled rule is kept but neither evaluated nor wanted; enabling it activates it', () => {
    const engine = new AlertEngine([{ ...crossingUp100, enabled: false }]);
    expect(engine.ruleState('r1')?.status).toBe('disabled');
    expect(engine.subscriptions()).toEqual([]);
    engine.upsertRule(crossingUp100);
    expect(engine.subscriptions()).toEqual([{ symbol: 'BTCUSDT', interval: '1m', series: 'price' }]);
  });

  it('a stopped rule stays stopped on an identical upsert and restarts when changed', () => {
    const once = { ...crossingUp100, frequency: 'once' } as const;
    const engine = new AlertEngine([once]);
    const feed = new PointFeed(engine);
    feed.trade(99);
    feed.trade(101);
    engine.upsertRule(once);
    expect(engine.ruleState('r1')?.status).toBe('stopped');
    engine.upsertRule({ ...once, cooldownMs: 1 });
    expect(engine.ruleState('r1')?.status).toBe('active');
  });
});

describe('subscriptions', () => {
  it('lists what the composition must compute, symbol or *, sorted', () => {
    const engine = new AlertEngine([
      testRule({
        id: 'a',
        symbol: '*',
        source: { kind: 'indicator', spec: 'rsi(14)' },
        condition: { operator: 'greater_than', value: 70 },
      }),
      testRule({ id: 'b', interval: '5m', condition: { operator: 'less_than', value: 60_000 } }),
      testRule({
        id: 'c',
        symbol: 'ETHUSDT',
        source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
        condition: { operator: 'crossing', value: 0 },
      }),
    ]);
    expect(engine.subscriptions()).toEqual([
      { symbol: 'ETHUSDT', interval: '1m', series: 'macd(12,26,9).signal' },
      { symbol: 'BTCUSDT', interval: '5m', series: 'price' },
      { symbol: '*', interval: '1m', series: 'rsi(14).value' },
    ]);
    expect(engine.wants('XRPETH', '1m', 'rsi(14).value')).toBe(true);
    expect(engine.wants('XRPETH', '1m', 'macd(12,26,9).signal')).toBe(false);
  });
});

describe('provenance', () => {
  it('a fired event carries rule, trigger, source position, values before and after, and a deterministic id', () => {
    const engine = new AlertEngine([crossingUp100]);
    const feed = new PointFeed(engine);
    feed.trade(99.5, T0 + 1_000);
    const point = {
      ...feed.point('price', 100.25, {
        kind: 'tick',
        tradeId: '5266583999',
        timeUs: (T0 + 2_000) * 1000,
        price: 100.25,
      }),
      time: T0 + 2_000,
      sourcePosition: { topic: 'nexural.trades.raw', partition: 3, offset: '1234' },
    };
    const [event] = engine.evaluate(point);
    expect(event).toEqual({
      kind: 'fired',
      id: 'r1:binance:BTCUSDT:1723161302000:t5266583999',
      ruleId: 'r1',
      owner: 'u1',
      venue: 'binance',
      symbol: 'BTCUSDT',
      interval: '1m',
      time: T0 + 2_000,
      message: 'BTCUSDT crossing up 100 on 1m: 100.25',
      source: { kind: 'price' },
      condition: { operator: 'crossing_up', value: 100 },
      previous: 99.5,
      current: 100.25,
      trigger: { kind: 'tick', tradeId: '5266583999', timeUs: (T0 + 2_000) * 1000, price: 100.25 },
      sourcePosition: { topic: 'nexural.trades.raw', partition: 3, offset: '1234' },
    });
    expect(alertEventSchema.parse(event)).toEqual(event);
  });

  it('bar-triggered ids name the bar open time, revision and finality', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar_close', condition: { operator: 'greater_than', value: 1 } }),
    ]);
    const feed = new PointFeed(engine);
    const [event] = feed.bar(2, 3);
    expect(event?.id).toBe(`r1:binance:BTCUSDT:${T0 + 10}:b${T0}r1f`);
  });
});

describe('validation', () => {
  it('refuses a bad rule with NXR_RULE_INVALID naming the path', () => {
    const engine = new AlertEngine();
    const bad = testRule({ condition: { operator: 'inside_channel', lower: 5, upper: 1 } });
    expect(() => engine.upsertRule(bad)).toThrowError(
      'invalid alert rule "r1": condition.lower: channel lower edge must be below its upper edge',
    );
    const error = thrownBy(() => engine.upsertRule({ ...bad, interval: '7x' }));
    expect(error).toBeInstanceOf(NexuralError);
    expect(error).toMatchObject({ code: 'NXR_RULE_INVALID', details: { path: ['interval'] } });
    expect(engine.ruleCount).toBe(0);
  });

  it('refuses a non-finite point value with NXR_BAD_VALUE', () => {
    const engine = new AlertEngine([crossingUp100]);
    const feed = new PointFeed(engine);
    expect(() => feed.trade(Number.NaN)).toThrowError(/series point value must be finite, got NaN/);
  });
});

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
