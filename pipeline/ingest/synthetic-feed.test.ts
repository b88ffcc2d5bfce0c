import { describe, expect, it } from 'vitest';
import { rawTradeSchema } from '../../schemas/tick.js';
import type { RawTradeJson } from './feeds/feed-messages.js';
import { pacedSyntheticTrades, syntheticTrades } from './synthetic-feed.js';

function take(count: number, input: Parameters<typeof syntheticTrades>[0]): RawTradeJson[] {
  const out: RawTradeJson[] = [];
  for (const trade of syntheticTrades(input)) {
    out.push(trade);
    if (out.length === count) break;
  }
  return out;
}

describe('syntheticTrades', () => {
  it('gives the same ticks for the same seed and other ticks for another seed', () => {
    expect(take(500, { seed: 7, symbols: 20 })).toEqual(take(500, { seed: 7, symbols: 20 }));
    expect(take(500, { seed: 8, symbols: 20 })).not.toEqual(take(500, { seed: 7, symbols: 20 }));
  });

  it('spaces event times by 1/rate and counts trade ids per symbol from 1, as valid raw trades', () => {
    const ticks = take(10_000, {
      symbols: ['AAA', 'BBB', 'CCC'],
      ratePerSecond: 4000,
      startTimeMs: Date.UTC(2024, 0, 1),
    });
    expect(ticks.map((tick) => tick.timeUs).slice(0, 3)).toEqual([
      1_704_067_200_000_000, 1_704_067_200_000_250, 1_704_067_200_000_500,
    ]);
    expect(ticks.at(-1)?.timeUs).toBe(1_704_067_200_000_000 + 9_999 * 250);
    for (const symbol of ['AAA', 'BBB', 'CCC']) {
      const ids = ticks.filter((tick) => tick.symbol === symbol).map((tick) => Number(tick.tradeId));
      expect(ids).toEqual(ids.map((_, index) => index + 1));
      expect(ids.length).toBeGreaterThan(3000);
    }
    for (const tick of ticks.slice(0, 100)) expect(rawTradeSchema.safeParse(tick).success).toBe(true);
  });

  it('moves log prices with the volatility of geometric Brownian motion', () => {
    // one symbol at 1 tick/s: each step is Δt = 1 s, so log returns have σ·√(1 s / 1 year)
    const volatility = 0.8;
    const ticks = take(50_001, {
      symbols: 1,
      ratePerSecond: 1,
      volatility,
      priceDecimals: 8,
      startPrice: 1000,
    });
    const returns = ticks
      .slice(1)
      .map((tick, index) => Math.log(Number(tick.price) / Number(ticks[index]?.price)));
    const mean = returns.reduce((sum, value) => sum + value, 0) / returns.length;
    const variance = returns.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (returns.length - 1);
    const expected = volatility * Math.sqrt(1 / (365 * 86_400));
    expect(Math.sqrt(variance) / expected).toBeGreaterThan(0.98);
    expect(Math.sqrt(variance) / expected).toBeLessThan(1.02);
  });
});

describe('pacedSyntheticTrades', () => {
  it('releases ticks at the configured rate on the wall clock', async () => {
    const startedAt = performance.now();
    let count = 0;
    for await (const batch of pacedSyntheticTrades({ ratePerSecond: 2000 }, { limit: 400 }))
      count += batch.length;
    const elapsedMs = performance.now() - startedAt;
    expect(count).toBe(400);
    // 400 ticks at 2,000/s are due over 200 ms
    expect(elapsedMs).toBeGreaterThan(150);
  });
});
