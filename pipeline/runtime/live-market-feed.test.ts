import { afterEach, describe, expect, it } from 'vitest';
import { type Bar, barSchema } from '../../schemas/bar.js';
import { indicatorValueSchema } from '../../schemas/indicator-value.js';
import type { LiveMarketUpdate } from '../../schemas/ports/live-market.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';
import { binanceKlines } from '../store/market-data-fixtures.js';
import { openLiveMarketFeed } from './live-market-feed.js';
import { createEmbeddedLog } from './log/embedded-log.js';
import { until } from './log/testing/stream-log-test-kit.js';
import { createJsonSerde } from './serdes/record-serde.js';

const topics = topicNames();
const barSerde = createJsonSerde(topics.bars, barSchema);
const indicatorSerde = createJsonSerde(topics.indicators, indicatorValueSchema);
const series = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' } as const;
// Binance's official 1m klines 2024-08-08 23:40 → 2024-08-09 00:09 (../shared/data/README.md).
const klines = binanceKlines();

async function produceBars(log: StreamLog, bars: readonly Bar[]): Promise<void> {
  const producer = await log.createProducer();
  await producer.send(
    await Promise.all(
      bars.map(async (bar) => ({
        topic: topics.bars,
        key: `${bar.venue}:${bar.symbol}`,
        value: await barSerde.serialize(bar),
      })),
    ),
  );
  await producer.close();
}

describe('openLiveMarketFeed', () => {
  let log: StreamLog;
  afterEach(async () => {
    await log.close();
  });

  it('delivers only records written after it started, to the subscribers of their series', async () => {
    log = createEmbeddedLog();
    await log.admin.createTopics([
      { name: topics.bars, partitions: 3, compacted: false },
      { name: topics.indicators, partitions: 3, compacted: false },
    ]);
    await produceBars(log, klines.slice(0, 10));
    const feed = await openLiveMarketFeed({ log, bars: barSerde, indicators: indicatorSerde });
    const seen: LiveMarketUpdate[] = [];
    const other: LiveMarketUpdate[] = [];
    feed.subscribe(series, (update) => seen.push(update));
    feed.subscribe({ ...series, interval: '5m' }, (update) => other.push(update));
    await produceBars(log, klines.slice(10));
    await until(() => seen.length === 20, '20 live bars', 3_000);
    expect(seen.map((update) => (update.kind === 'bar' ? update.bar.openTime : null))).toEqual(
      klines.slice(10).map((bar) => bar.openTime),
    );
    expect(other).toEqual([]);
    expect(feed.latestBar(series)).toEqual(klines.at(-1));
    expect(feed.ready()).toBe(true);
    await feed.close();
    expect(feed.ready()).toBe(false);
  });

  it('keeps the newest revision as the latest bar even when an older one arrives later', async () => {
    log = createEmbeddedLog();
    await log.admin.createTopics([
      { name: topics.bars, partitions: 1, compacted: false },
      { name: topics.indicators, partitions: 1, compacted: false },
    ]);
    const feed = await openLiveMarketFeed({ log, bars: barSerde, indicators: indicatorSerde });
    const last = klines.at(-1);
    if (!last) throw new Error('no kline');
    const forming: Bar = { ...last, final: false, revision: 3 };
    await produceBars(log, [forming, { ...forming, revision: 1 }]);
    await until(() => feed.latestBar(series) !== null, 'a live bar', 3_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(feed.latestBar(series)).toEqual(forming);
    await feed.close();
  });
});
