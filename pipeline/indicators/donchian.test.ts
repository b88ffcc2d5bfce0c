import { DonchianChannels } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import type { BarInput } from './indicator.js';
import { createIndicator } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

const bar = (high: number, low: number): BarInput => ({
  openTime: 0,
  open: low,
  high,
  low,
  close: low,
  volume: 1,
});

describe('donchian', () => {
  it('is the highest high, lowest low and their mean over the last 3 bars (hand-computed)', () => {
    const donchian = createIndicator('donchian(3)');
    const highs = [10, 12, 11, 9, 8, 13];
    const lows = [7, 9, 8, 6, 5, 10];
    const results = highs.map((high, i) => donchian.add(bar(high, lows[i] ?? 0)));
    expect(results).toEqual([
      null,
      null,
      { upper: 12, middle: 9.5, lower: 7 },
      { upper: 12, middle: 9, lower: 6 },
      { upper: 11, middle: 8, lower: 5 },
      { upper: 13, middle: 9, lower: 5 },
    ]);
  });

  it('defaults to donchian(20)', () => {
    const donchian = createIndicator('donchian');
    const results = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 20).map((b) =>
      donchian.add(b),
    );
    expect(results.findIndex((result) => result !== null)).toBe(19);
  });

  it('equals trading-signals DonchianChannels on real FTX minutes from its first value on', () => {
    const bars = readRealBars('nautilus/ftx_BTC-PERP_1m_20211231-20220201.csv', 0, 500);
    const ours = createIndicator('donchian(20)');
    const theirs = new DonchianChannels(20);
    for (const b of bars) expect(ours.add(b)).toEqual(theirs.add(b));
  });
});
