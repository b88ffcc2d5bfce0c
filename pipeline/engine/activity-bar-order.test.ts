import { describe, expect, it } from 'vitest';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { decodeEngineSnapshot, encodeEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';
import { tradeAt } from './testing/engine-test-kit.js';

/*
 * Activity bars fill in arrival order, and open/close follow event time inside a bar: an out-of-order trade can
 * move a bar's open time before the previous bar's. The engine still takes each bar once, in arrival order.
 */

const trade = tradeAt;

/** 3-trade bars: A opens at 2,000; B's second trade moves its open to 1,900; D's first trade is at 1,800 */
const TICKS = [
  trade(2_000, 10, 'a1'),
  trade(2_100, 11, 'a2'),
  trade(2_200, 12, 'a3'),
  trade(2_300, 20, 'b1'),
  trade(1_900, 19, 'b2'),
  trade(2_400, 21, 'b3'),
  trade(2_500, 30, 'c1'),
  trade(2_600, 31, 'c2'),
  trade(2_700, 32, 'c3'),
  trade(1_800, 40, 'd1'),
  trade(2_800, 41, 'd2'),
  trade(2_900, 42, 'd3'),
];

const run = (liveUpdates: boolean, restoreEvery = 0) => {
  const config = { bars: { intervals: ['3t'], liveUpdates }, indicators: ['sma(2)'] };
  const indicators: IndicatorValue[] = [];
  const output = {
    bar: () => {},
    indicator: (value: IndicatorValue) => indicators.push(value),
    alert: () => {},
    late: () => {},
  };
  let engine = new MarketEngine(config, output, []);
  for (const [index, tick] of TICKS.entries()) {
    if (restoreEvery > 0 && index % restoreEvery === 0)
      engine = MarketEngine.restore(
        config,
        output,
        decodeEngineSnapshot(encodeEngineSnapshot(engine.snapshot())),
      );
    engine.add(tick);
  }
  engine.flush();
  return indicators.map((value) => [value.openTime, value.outputs.value]);
};

describe('activity bars whose open time moves back', () => {
  // sma(2) over the closes by event time, bar by bar: A 12, B 21 (1,900..2,400), C 32, D 42 (1,800..2,900)
  const expected = [
    [1_900, 16.5],
    [2_500, 26.5],
    [1_800, 37],
  ];

  it.each([true, false])('computes every bar in arrival order (liveUpdates %s)', (liveUpdates) => {
    expect(run(liveUpdates)).toEqual(expected);
  });

  it.each([true, false])('gives the same values restored every trade (liveUpdates %s)', (liveUpdates) => {
    expect(run(liveUpdates, 1)).toEqual(expected);
  });
});
