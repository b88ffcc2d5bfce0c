import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../schemas/seeded-random.js';
import { type BarInput, type IndicatorResult, toOutputs } from './indicator.js';
import { createIndicator, indicatorNames } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

// The contract every registered indicator fulfils, at its defaults and at edge parameters (shortest windows).
const edgeSpecs = [
  'sma(2)',
  'wma(2)',
  'ema(2)',
  'dema(2)',
  'tema(2)',
  'rsi(2)',
  'macd(2,3,1)',
  'bbands(2,1)',
  'atr(1)',
  'natr(1)',
  'stoch(1,1,1)',
  'stochrsi(2,1,1)',
  'cci(2)',
  'adx(2)',
  'mfi(2)',
  'roc(1)',
  'willr(2)',
  'vwap(1h)',
  'vwap(1w)',
  'vwap(0)',
  'donchian(1)',
  'keltner(2,0.5,1)',
];
const specs = [...indicatorNames, ...edgeSpecs];

const btc = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 400);
// Real XRP/ETH minutes: tiny prices, and many zero-volume flat bars at the previous close.
const xrp = readRealBars('binance_spot_XRPETH_ohlcv_1m_2019-10-11_2019-10-13.csv', 1200, 300);
const firstBtc = btc[0];
const lastBtc = btc.at(-1);
if (!firstBtc || !lastBtc) throw new Error('no BTC bars read');
// A market that stops: 120 flat zero-volume minutes at the last close, then trading resumes.
const flat: BarInput[] = Array.from({ length: 120 }, (_, i) => ({
  openTime: lastBtc.openTime + (i + 1) * 60_000,
  open: lastBtc.close,
  high: lastBtc.close,
  low: lastBtc.close,
  close: lastBtc.close,
  volume: 0,
}));
const stressSeries = [
  ...btc,
  ...flat,
  ...btc.map((bar, i) => ({ ...bar, openTime: bar.openTime + 86_400_000 + i })),
];

/** Another version of the same forming bar: new close/high/low within a plausible move, more volume. */
function formingVariant(bar: BarInput, next: () => number): BarInput {
  const close = bar.close * (1 + (next() - 0.5) * 0.004);
  return {
    ...bar,
    close,
    high: Math.max(bar.high, close, bar.open),
    low: Math.min(bar.low, close, bar.open),
    volume: bar.volume * next(),
  };
}

const allFinite = (result: IndicatorResult | null) =>
  result === null || Object.values(toOutputs(result)).every((value) => Number.isFinite(value));

describe.each(specs)('%s', (spec) => {
  it('is null until warm, then never null again', () => {
    const indicator = createIndicator(spec);
    const results = stressSeries.map((bar) => indicator.add(bar));
    const firstValue = results.findIndex((result) => result !== null);
    expect(firstValue).toBeGreaterThanOrEqual(0);
    expect(results.slice(0, firstValue).every((result) => result === null)).toBe(true);
    expect(results.slice(firstValue).every((result) => result !== null)).toBe(true);
    expect(indicator.result).toEqual(results.at(-1));
  });

  it('gives after replaces exactly what a fresh instance gives on the final bars', () => {
    const next = seededRandom(42);
    const streamed = createIndicator(spec);
    const fresh = createIndicator(spec);
    for (const bar of stressSeries) {
      let final = next() < 0.5 ? formingVariant(bar, next) : bar;
      streamed.add(final);
      for (let replaces = Math.floor(next() * 4); replaces > 0; replaces--) {
        final = formingVariant(bar, next);
        streamed.replace(final);
      }
      expect(streamed.result).toEqual(fresh.add(final));
    }
  });

  it('treats replace before any add as add', () => {
    const replaced = createIndicator(spec);
    const added = createIndicator(spec);
    expect(replaced.replace(firstBtc)).toEqual(added.add(firstBtc));
    for (const bar of btc.slice(1)) expect(replaced.add(bar)).toEqual(added.add(bar));
  });

  it('never yields NaN or ±Infinity on flat prices, zero volume, zero-range bars and tiny prices', () => {
    for (const series of [stressSeries, xrp, flat]) {
      const indicator = createIndicator(spec);
      for (const bar of series) expect(allFinite(indicator.add(bar))).toBe(true);
    }
  });

  it('returns to a fresh state on reset()', () => {
    const used = createIndicator(spec);
    for (const bar of xrp) used.add(bar);
    used.reset();
    expect(used.result).toBeNull();
    const fresh = createIndicator(spec);
    for (const bar of btc) expect(used.add(bar)).toEqual(fresh.add(bar));
  });

  it('names its outputs as its results do', () => {
    const indicator = createIndicator(spec);
    let result: IndicatorResult | null = null;
    for (const bar of btc) result = indicator.add(bar);
    expect(result).not.toBeNull();
    if (result !== null) expect(Object.keys(toOutputs(result))).toEqual([...indicator.outputs]);
  });
});
