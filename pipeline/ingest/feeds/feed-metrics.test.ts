import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FeedMetrics } from './feed-metrics.js';

describe('FeedMetrics', () => {
  it('reports the age of the last message per feed and symbol when scraped', async () => {
    let now = 1_000_000;
    const registry = new Registry();
    const metrics = FeedMetrics.for(registry, () => now);
    metrics.messageSeen('binance', 'BTCUSDT', 1_000_000);
    metrics.messageSeen('coinbase', 'BTC-USD', 997_500);
    now = 1_004_000;
    const text = await registry.metrics();
    expect(text).toContain('nexural_feed_last_message_age_seconds{feed="binance",symbol="BTCUSDT"} 4');
    expect(text).toContain('nexural_feed_last_message_age_seconds{feed="coinbase",symbol="BTC-USD"} 6.5');
    expect(text).toContain('nexural_feed_messages_total{feed="binance",symbol="BTCUSDT"} 1');
  });

  it('is one set per registry, shared by the feeds registered on it', () => {
    const registry = new Registry();
    expect(FeedMetrics.for(registry)).toBe(FeedMetrics.for(registry));
    expect(FeedMetrics.for(new Registry())).not.toBe(FeedMetrics.for(registry));
  });
});
