import { describe, expect, it } from 'vitest';
import { AlertEngine } from './engine.js';
import { firedIds, PointFeed, T0, testRule } from './testing/alert-fixtures.js';

const SECOND = 1_000;
const MINUTE = 60_000;

describe('frequency: once', () => {
  it('fires the first time, then emits stopped/fired_once and never fires again', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once', condition: { operator: 'crossing_up', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    feed.trade(99);
    expect(feed.trade(101)).toMatchObject([
      { kind: 'fired', ruleId: 'r1', previous: 99, current: 101 },
      { kind: 'stopped', ruleId: 'r1', reason: 'fired_once' },
    ]);
    feed.trade(99);
    expect(feed.trade(101)).toEqual([]);
    expect(engine.ruleState('r1')).toMatchObject({ status: 'stopped', stopReason: 'fired_once' });
    expect(engine.wants('BTCUSDT', '1m', 'price')).toBe(false);
  });
});

describe('frequency: once_per_bar', () => {
  it('fires at most once per bar of the rule interval, as soon as the condition holds', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar', condition: { operator: 'greater_than', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(feed.trade(99, T0 + SECOND)).toEqual([]);
    expect(firedIds(feed.trade(101, T0 + 2 * SECOND))).toEqual(['r1']);
    expect(feed.trade(102, T0 + 3 * SECOND)).toEqual([]);
    expect(feed.trade(99, T0 + MINUTE + SECOND)).toEqual([]);
    expect(feed.trade(103, T0 + MINUTE + 2 * SECOND)).toMatchObject([{ kind: 'fired', current: 103 }]);
    expect(feed.trade(104, T0 + MINUTE + 3 * SECOND)).toEqual([]);
  });
});

describe('frequency: once_per_bar_close', () => {
  it('evaluates only final bars, comparing the final value with the previous final value', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar_close', condition: { operator: 'crossing_up', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(feed.bar(99)).toEqual([]);
    expect(feed.bar(101, 99.5)).toEqual([]); // crossed intrabar, closed below: nothing
    const events = feed.bar(98, 100.5);
    expect(events).toMatchObject([
      {
        kind: 'fired',
        previous: 99.5,
        current: 100.5,
        trigger: { kind: 'bar', openTime: T0 + 2 * MINUTE, final: true },
      },
    ]);
  });

  it('fires a state condition once per closing bar that satisfies it', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar_close', condition: { operator: 'greater_than', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(firedIds(feed.bar(101, 102, 103))).toEqual(['r1']);
    expect(firedIds(feed.bar(104, 99))).toEqual([]);
    expect(firedIds(feed.bar(105))).toEqual(['r1']);
  });
});

describe('frequency: every_time', () => {
  it('fires every crossing, several within one bar', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'crossing', value: 100 } })]);
    const feed = new PointFeed(engine);
    expect(firedIds(feed.bar(99, 101, 99, 101))).toEqual(['r1', 'r1', 'r1']);
  });

  it('fires a holding price state on every trade, and not again on the bar-close point', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'greater_than', value: 100 } })]);
    const feed = new PointFeed(engine);
    const events = feed.bar(101, 99, 102, 103);
    expect(events.map((event) => event.kind === 'fired' && event.current)).toEqual([101, 102, 103]);
  });

  it('fires a holding indicator state on every bar update, forming and final', () => {
    const engine = new AlertEngine([
      testRule({
        source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
        condition: { operator: 'greater_than', value: 70 },
      }),
    ]);
    const feed = new PointFeed(engine);
    const series = 'rsi(14).value';
    expect(firedIds(feed.indicator(series, 71, { time: T0 + SECOND }))).toEqual(['r1']);
    expect(firedIds(feed.indicator(series, 72, { time: T0 + 59 * SECOND, final: true }))).toEqual(['r1']);
  });
});

describe('cooldown', () => {
  it('suppresses firings until cooldownMs of event time passed since the last one', () => {
    const engine = new AlertEngine([
      testRule({ cooldownMs: 30 * SECOND, condition: { operator: 'greater_than', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    const fired: number[] = [];
    for (let second = 0; second <= 60; second += 10) {
      if (feed.trade(101, T0 + second * SECOND).length > 0) fired.push(second);
    }
    expect(fired).toEqual([0, 30, 60]);
  });
});

describe('expiry', () => {
  it('fires up to expiresAt, then emits stopped/expired once on the first later point', () => {
    const expiresAt = T0 + MINUTE;
    const engine = new AlertEngine([
      testRule({ expiresAt, condition: { operator: 'greater_than', value: 100 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(firedIds(feed.trade(101, expiresAt))).toEqual(['r1']);
    const events = feed.trade(90, expiresAt + 1);
    expect(events).toMatchObject([{ kind: 'stopped', reason: 'expired', time: expiresAt + 1 }]);
    expect(events[0]?.message).toBe('rule "r1" expired at 2024-08-08T23:56:00.000Z and is now stopped');
    expect(feed.trade(101, expiresAt + 2)).toEqual([]);
    expect(engine.ruleState('r1')?.status).toBe('stopped');
  });

  it('expires rules in rule-id order before evaluating the point', () => {
    const engine = new AlertEngine([
      testRule({ id: 'b', expiresAt: T0, condition: { operator: 'greater_than', value: 1 } }),
      testRule({ id: 'a', expiresAt: T0 + 5, condition: { operator: 'greater_than', value: 1 } }),
      testRule({ id: 'c', condition: { operator: 'greater_than', value: 1 } }),
    ]);
    const feed = new PointFeed(engine);
    const events = feed.trade(2, T0 + 10);
    expect(events.map((event) => `${event.kind}:${event.ruleId}`)).toEqual([
      'stopped:a',
      'stopped:b',
      'fired:c',
    ]);
  });
});

describe('storm guard', () => {
  it('stops a rule on its 16th firing within 3 minutes, instead of sending it', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'greater_than', value: 100 } })]);
    const feed = new PointFeed(engine);
    const fired: AlertEventKinds = [];
    for (let n = 0; n < 20; n++)
      fired.push(...feed.trade(101, T0 + n * 10 * SECOND).map((event) => event.kind));
    expect(fired).toEqual([...Array(15).fill('fired'), 'stopped']);
    const stopped = engine.ruleState('r1');
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: 'storm_guard' });
  });

  it('says why in the stopped event', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'greater_than', value: 100 } })]);
    const feed = new PointFeed(engine);
    const events = Array.from({ length: 16 }, (_, n) => feed.trade(101, T0 + n * SECOND)).flat();
    expect(events.at(-1)).toMatchObject({
      kind: 'stopped',
      reason: 'storm_guard',
      message:
        'rule "r1" was stopped by the storm guard: it would have fired more than 15 times within 3 minutes; change it (e.g. add a cooldown) to resume',
    });
  });

  it('lets 16 firings through when they span 3 minutes or more', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'greater_than', value: 100 } })]);
    const feed = new PointFeed(engine);
    const kinds: AlertEventKinds = [];
    for (let n = 0; n < 16; n++)
      kinds.push(...feed.trade(101, T0 + n * 12 * SECOND).map((event) => event.kind));
    expect(kinds).toEqual(Array(16).fill('fired'));
  });
});

type AlertEventKinds = Array<'fired' | 'stopped'>;
