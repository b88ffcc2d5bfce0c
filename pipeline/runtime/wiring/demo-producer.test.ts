import { describe, expect, it } from 'vitest';
import type { LogProducer, OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import { loadDemoTrades } from '../../ingest/demo-feed.js';
import { produceDemoTrades } from './demo-producer.js';

describe('produceDemoTrades', () => {
  it('never sends a trade stamped after the wall clock: a sped-up loop waits for the present', async () => {
    const trades = await loadDemoTrades();
    const first = trades[0];
    if (first === undefined) throw new Error('no demo trades');
    // a clock starting 10 s after the sample's first trade: no whole-day shift, so the sample runs into "now" at once
    const start = first.timeUs / 1000 + 10_000;
    const startedAt = performance.now();
    const now = () => start + (performance.now() - startedAt);
    const sent: OutgoingRecord[] = [];
    const producer: LogProducer = {
      send: async (records) => {
        sent.push(...records);
        return [];
      },
      close: async () => {},
    };
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    await produceDemoTrades({
      producer,
      topic: 'nexural.trades.raw',
      trades,
      speed: Number.POSITIVE_INFINITY,
      signal: stop.signal,
      now,
    });
    const end = now();
    const times = sent.map((record) => JSON.parse(String(record.value)).timeUs / 1000);
    expect(times.length).toBeGreaterThan(0);
    expect(Math.max(...times)).toBeLessThanOrEqual(end);
    expect(times.length).toBeLessThan(trades.length);
  });
});
