import { afterEach, describe, expect, it } from 'vitest';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { barSchema } from '../../schemas/bar.js';
import { indicatorValueSchema } from '../../schemas/indicator-value.js';
import type { LiveMarketUpdate } from '../../schemas/ports/live-market.js';
import { kafkaBrokers } from '../../test/stack-env.js';
import { binanceKlines } from '../store/market-data-fixtures.js';
import { openLiveMarketFeed } from './live-market-feed.js';
import { createKafkaLog } from './log/kafka-log.js';
import { TestResources, until } from './log/testing/stream-log-test-kit.js';
import { createRulePublisher } from './rule-publisher.js';
import { createJsonSerde } from './serdes/record-serde.js';

// Binance's official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09 (../shared/data/README.md).
const klines = binanceKlines();
const series = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' } as const;

describe('API adapters on Kafka', () => {
  let resources: TestResources;
  afterEach(async () => {
    await resources.cleanup();
  }, 60_000);

  it('the live feed joins at the end of the bar topic and delivers what is written after', async () => {
    resources = new TestResources(createKafkaLog({ brokers: kafkaBrokers(), clientId: 'nexural-api-itest' }));
    const bars = createJsonSerde(await resources.topic(3, false, 'bars'), barSchema);
    const indicators = createJsonSerde(await resources.topic(3, false, 'indicators'), indicatorValueSchema);
    const producer = await resources.log.createProducer();
    const send = async (items: typeof klines) =>
      producer.send(
        await Promise.all(
          items.map(async (bar) => ({
            topic: bars.topic,
            key: 'binance-um:BTCUSDT',
            value: await bars.serialize(bar),
          })),
        ),
      );
    await send(klines.slice(0, 5));
    const feed = await openLiveMarketFeed({
      log: resources.log,
      bars,
      indicators,
      groupPrefix: resources.name('live'),
    });
    const seen: LiveMarketUpdate[] = [];
    feed.subscribe(series, (update) => seen.push(update));
    // Kafka assigns the group's partitions asynchronously: keep writing until the feed hears something.
    await until(() => feed.ready(), 'the feed', 10_000);
    let sent = 5;
    while (seen.length === 0 && sent < klines.length) {
      await send(klines.slice(sent, sent + 1));
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await until(
      () => feed.latestBar(series)?.openTime === klines[sent - 1]?.openTime,
      'the newest bar',
      15_000,
    );
    expect(
      seen.every((update) => update.kind === 'bar' && update.bar.openTime >= (klines[5]?.openTime ?? 0)),
    ).toBe(true);
    await producer.close();
    await feed.close();
  }, 60_000);

  it('rule changes land on the compacted topic keyed by rule id, deletes as tombstones', async () => {
    resources = new TestResources(createKafkaLog({ brokers: kafkaBrokers(), clientId: 'nexural-api-itest' }));
    const topic = await resources.topic(3, true, 'rules');
    const rule = alertRuleSchema.parse({
      id: 'itest-rule',
      owner: 'alice',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 62_000 },
    });
    const publisher = createRulePublisher({ log: resources.log, topic });
    await publisher.publish({ kind: 'upsert', rule });
    await publisher.publish({ kind: 'remove', id: rule.id });
    await publisher.close();
    const reader = await resources.collect({
      groupId: resources.group(),
      topics: [topic],
      start: 'earliest',
    });
    await until(() => reader.records.length === 2, 'both rule records', 20_000);
    expect(
      reader.records.map((record) => [
        record.key,
        record.value === null ? null : JSON.parse(record.value.toString()),
      ]),
    ).toEqual([
      [rule.id, rule],
      [rule.id, null],
    ]);
  }, 60_000);
});
