import { VWAP } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import type { BarInput } from './indicator.js';
import { createIndicator } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

const at = (iso: string, high: number, low: number, close: number, volume: number): BarInput => ({
  openTime: Date.parse(iso),
  open: close,
  high,
  low,
  close,
  volume,
});

// Hand-computed from the definition: VWAP = Σ(tp × v) / Σv, tp = (h + l + c) / 3, sums restarted each session.
// 2023-03-05 is a Sunday, 2023-03-06 a Monday.
const sundayLate = at('2023-03-05T23:58:00Z', 12, 9, 9, 2); // tp 10
const sundayLast = at('2023-03-05T23:59:00Z', 14, 11, 11, 3); // tp 12
const mondayFirst = at('2023-03-06T00:00:00Z', 21, 18, 21, 1); // tp 20
const mondayLater = at('2023-03-06T01:30:00Z', 32, 29, 29, 1); // tp 30
const tuesday = at('2023-03-07T00:00:00Z', 41, 39, 40, 2); // tp 40
const series = [sundayLate, sundayLast, mondayFirst, mondayLater, tuesday];
const run = (spec: string) => {
  const vwap = createIndicator(spec);
  return series.map((bar) => vwap.add(bar));
};

describe('vwap', () => {
  it('restarts each UTC day by default: 10, 56/5, then 20, 25, then 40', () => {
    expect(run('vwap')).toEqual([10, 56 / 5, 20, 25, 40]);
  });

  it('names its default anchor 1d', () => {
    expect(createIndicator('vwap').outputs).toEqual(['value']);
    expect(run('vwap(1d)')).toEqual(run('vwap'));
  });

  it('restarts each UTC hour with vwap(1h): 01:30 opens a session of its own', () => {
    expect(run('vwap(1h)')).toEqual([10, 56 / 5, 20, 30, 40]);
  });

  it('restarts on Monday 00:00 UTC with vwap(1w), then carries on through Tuesday', () => {
    expect(run('vwap(1w)')).toEqual([10, 56 / 5, 20, 25, (20 + 30 + 80) / 4]);
  });

  it('never restarts with vwap(0)', () => {
    expect(run('vwap(0)')).toEqual([10, 56 / 5, 76 / 6, 106 / 7, 186 / 9]);
  });

  it('is the typical price while its session has no volume yet', () => {
    const vwap = createIndicator('vwap');
    expect(vwap.add(at('2023-03-06T00:00:00Z', 21, 18, 21, 0))).toBe(20);
    expect(vwap.add(at('2023-03-06T00:01:00Z', 32, 29, 29, 0))).toBe(30);
    expect(vwap.add(at('2023-03-06T00:02:00Z', 41, 39, 40, 2))).toBe(40);
  });

  it('equals trading-signals VWAP (cumulative, hlc3) with vwap(0) on real Binance.US minutes', () => {
    const bars = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 600);
    const ours = createIndicator('vwap(0)');
    const theirs = new VWAP();
    let compared = 0;
    for (const bar of bars) {
      const value = ours.add(bar);
      const reference = theirs.add(bar);
      if (reference === null) continue; // trading-signals skips zero-volume bars
      compared++;
      expect(value).toBe(reference);
    }
    expect(compared).toBeGreaterThan(500);
  });
});
