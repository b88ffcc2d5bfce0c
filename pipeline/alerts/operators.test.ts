import { describe, expect, it } from 'vitest';
import type { AlertCondition } from '../../schemas/alert-rule.js';
import { AlertEngine } from './engine.js';
import { firedIds, PointFeed, T0, testRule } from './testing/alert-fixtures.js';

/** Feeds one trade per price, 20 s apart (so the storm guard never trips), and returns the indexes that fired. */
function firingsOn(condition: AlertCondition, prices: readonly number[]): number[] {
  const engine = new AlertEngine([testRule({ condition })]);
  const feed = new PointFeed(engine);
  const fired: number[] = [];
  prices.forEach((price, index) => {
    if (feed.trade(price, T0 + index * 20_000).some((event) => event.kind === 'fired')) fired.push(index);
  });
  return fired;
}

describe('crossing_up', () => {
  it('fires when the value reaches the threshold from below, not on the first value', () => {
    expect(firingsOn({ operator: 'crossing_up', value: 100 }, [100, 99, 100, 101, 99, 101, 101])).toEqual([
      2, 5,
    ]);
  });

  it('does not fire when the value leaves the threshold it sits on or moves down', () => {
    expect(firingsOn({ operator: 'crossing_up', value: 100 }, [100, 101, 100, 99, 98])).toEqual([]);
  });

  it('fires on a gap from far below to far above', () => {
    expect(firingsOn({ operator: 'crossing_up', value: 100 }, [50, 150])).toEqual([1]);
  });
});

describe('crossing_down', () => {
  it('fires when the value reaches the threshold from above', () => {
    expect(firingsOn({ operator: 'crossing_down', value: 100 }, [100, 101, 100, 99, 101, 99])).toEqual([
      2, 5,
    ]);
  });

  it('does not fire on upward moves', () => {
    expect(firingsOn({ operator: 'crossing_down', value: 100 }, [98, 99, 100, 101, 150])).toEqual([]);
  });
});

describe('crossing', () => {
  it('fires in both directions, once per arrival at the threshold', () => {
    expect(firingsOn({ operator: 'crossing', value: 100 }, [99, 101, 101, 99, 100, 100, 101])).toEqual([
      1, 3, 4,
    ]);
  });

  it('fires once when the value touches the threshold and turns back', () => {
    expect(firingsOn({ operator: 'crossing', value: 100 }, [99, 100, 99, 100, 101])).toEqual([1, 3]);
  });
});

describe('a gap over several thresholds', () => {
  it('fires every threshold crossed, in rule-id order', () => {
    const engine = new AlertEngine([
      testRule({ id: 'up-110', condition: { operator: 'crossing_up', value: 110 } }),
      testRule({ id: 'up-100', condition: { operator: 'crossing_up', value: 100 } }),
      testRule({ id: 'up-105', condition: { operator: 'crossing_up', value: 105 } }),
      testRule({ id: 'down-102', condition: { operator: 'crossing_down', value: 102 } }),
      testRule({ id: 'any-120', condition: { operator: 'crossing', value: 120 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(feed.trade(99)).toEqual([]);
    expect(firedIds(feed.trade(111))).toEqual(['up-100', 'up-105', 'up-110']);
    expect(firedIds(feed.trade(98))).toEqual(['down-102']);
    expect(firedIds(feed.trade(125))).toEqual(['any-120', 'up-100', 'up-105', 'up-110']);
  });
});

describe('entering_channel', () => {
  const channel = { operator: 'entering_channel', lower: 100, upper: 110 } as const;

  it('fires when the value comes inside from either side, edges included', () => {
    expect(firingsOn(channel, [95, 100, 105, 111, 109, 90, 110])).toEqual([1, 4, 6]);
  });

  it('does not fire on the first value, nor on a jump across the whole channel', () => {
    expect(firingsOn(channel, [105, 120, 90, 130])).toEqual([]);
  });
});

describe('exiting_channel', () => {
  const channel = { operator: 'exiting_channel', lower: 100, upper: 110 } as const;

  it('fires when the value leaves the channel through either edge', () => {
    expect(firingsOn(channel, [95, 100, 105, 111, 109, 90, 120, 100])).toEqual([3, 5]);
  });

  it('does not fire while the value stays on an edge or outside', () => {
    expect(firingsOn(channel, [100, 110, 100, 90, 80, 120])).toEqual([3]);
  });
});

describe('state operators', () => {
  it('greater_than holds strictly above the threshold, already on the first value', () => {
    expect(firingsOn({ operator: 'greater_than', value: 100 }, [101, 100, 99, 102, 100.5])).toEqual([
      0, 3, 4,
    ]);
  });

  it('less_than holds strictly below the threshold', () => {
    expect(firingsOn({ operator: 'less_than', value: 100 }, [100, 99, 101, 98])).toEqual([1, 3]);
  });

  it('inside_channel holds on the edges and between them', () => {
    expect(
      firingsOn({ operator: 'inside_channel', lower: 100, upper: 110 }, [99, 100, 105, 110, 111]),
    ).toEqual([1, 2, 3]);
  });

  it('outside_channel holds strictly beyond either edge', () => {
    expect(
      firingsOn({ operator: 'outside_channel', lower: 100, upper: 110 }, [99, 100, 105, 110, 111]),
    ).toEqual([0, 4]);
  });
});

describe('moving operators', () => {
  it('moving_up compares with the lowest close of the N bars before the current one', () => {
    const engine = new AlertEngine([
      testRule({ frequency: 'once_per_bar', condition: { operator: 'moving_up', amount: 5, bars: 2 } }),
    ]);
    const feed = new PointFeed(engine);
    expect(feed.bar(100)).toEqual([]); // no close before it: nothing to compare with
    expect(feed.bar(104.9, 102)).toEqual([]); // 104.9 − 100 < 5
    expect(feed.bar(98)).toEqual([]);
    // closes 102, 98 in the window: 102.9 − 98 < 5, then 103 − 98 = 5 fires, reporting 98 as previous
    const events = feed.bar(102.9, 103);
    expect(events).toMatchObject([{ kind: 'fired', previous: 98, current: 103 }]);
  });

  it('moving_up ignores closes older than N bars', () => {
    const engine = new AlertEngine([testRule({ condition: { operator: 'moving_up', amount: 5, bars: 2 } })]);
    const feed = new PointFeed(engine);
    feed.bar(90);
    feed.bar(100);
    feed.bar(100);
    expect(feed.bar(101, 104.99)).toEqual([]); // 90 is three bars back
  });

  it('moving_down compares with the highest close of the window, warming up with fewer closes', () => {
    const engine = new AlertEngine([
      testRule({ condition: { operator: 'moving_down', amount: 5, bars: 3 } }),
    ]);
    const feed = new PointFeed(engine);
    feed.bar(100);
    expect(firedIds(feed.bar(95.5, 95))).toEqual(['r1']); // one close so far: 100 − 95 = 5
    expect(feed.bar(96)).toEqual([]); // window 100, 95: 100 − 96 = 4
  });

  it('moving_up_percent and moving_down_percent measure against |reference|', () => {
    const engine = new AlertEngine([
      testRule({ id: 'up', condition: { operator: 'moving_up_percent', percent: 3.125, bars: 2 } }),
      testRule({ id: 'down', condition: { operator: 'moving_down_percent', percent: 3.125, bars: 2 } }),
      testRule({ id: 'up-more', condition: { operator: 'moving_up_percent', percent: 3.2, bars: 2 } }),
    ]);
    const feed = new PointFeed(engine);
    feed.bar(64);
    feed.bar(65);
    // 2 / 64 = 3.125 % exactly (binary fractions, no rounding)
    expect(feed.bar(66)).toMatchObject([{ kind: 'fired', ruleId: 'up', previous: 64 }]);
    // window 65, 66: (66 − 63.9375) / 66 = 3.125 %
    expect(feed.bar(64.5, 63.9375)).toMatchObject([{ kind: 'fired', ruleId: 'down', previous: 66 }]);
  });

  it('percent moves of a negative indicator use the magnitude of the reference, and never divide by 0', () => {
    const engine = new AlertEngine([
      testRule({
        source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'hist' },
        condition: { operator: 'moving_up_percent', percent: 3.125, bars: 1 },
      }),
    ]);
    const feed = new PointFeed(engine);
    const series = 'macd(12,26,9).hist';
    feed.indicator(series, -64, { final: true, time: T0 });
    expect(firedIds(feed.indicator(series, -62, { time: T0 + 60_000 }))).toEqual(['r1']);
    feed.indicator(series, 0, { final: true, time: T0 + 60_001 });
    expect(feed.indicator(series, 50, { time: T0 + 120_000 })).toEqual([]);
  });
});

describe('indicator series', () => {
  it('crossing_up on rsi(14).value fires on the bar update that crosses, with the values before and after', () => {
    const engine = new AlertEngine([
      testRule({
        source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
        condition: { operator: 'crossing_up', value: 70 },
      }),
    ]);
    const feed = new PointFeed(engine);
    expect(feed.indicator('rsi(14).value', 65.5)).toEqual([]);
    expect(feed.indicator('rsi(14).value', 71.25)).toMatchObject([
      { kind: 'fired', previous: 65.5, current: 71.25, source: { kind: 'indicator', spec: 'rsi(14)' } },
    ]);
  });
});
