import { describe, expect, it } from 'vitest';
import { demoFeed, loadDemoTrades } from './demo-feed.js';

describe('demo feed', () => {
  it('merges the bundled real trades of both symbols by event time', async () => {
    const trades = await loadDemoTrades();
    expect(trades).toHaveLength(19_904 + 14_515);
    expect(new Set(trades.map((tick) => tick.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    expect(trades.every((tick, i) => i === 0 || (trades[i - 1]?.timeUs ?? 0) <= tick.timeUs)).toBe(true);
  });

  it('loops with event time moving forward and trade ids continuing past the largest', async () => {
    const trades = await loadDemoTrades();
    const first = trades[0];
    const last = trades[trades.length - 1];
    if (!first || !last) throw new Error('no demo trades');
    const seen = [];
    for await (const tick of demoFeed(trades, { speed: Number.POSITIVE_INFINITY, loop: true })) {
      seen.push(tick);
      if (seen.length === trades.length + 1) break;
    }
    const looped = seen[trades.length];
    expect(looped?.timeUs).toBe(first.timeUs + (last.timeUs - first.timeUs) + 1_000_000);
    const largestId = trades.reduce(
      (max, tick) => (BigInt(tick.tradeId) > max ? BigInt(tick.tradeId) : max),
      0n,
    );
    expect(BigInt(looped?.tradeId ?? 0)).toBe(BigInt(first.tradeId) + largestId + 1n);
    expect(looped?.price).toBe(first.price);
  });
});
