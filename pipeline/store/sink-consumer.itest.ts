import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type Bar, barSchema } from '../../schemas/bar.js';
import { symbolKey } from '../../schemas/topics.js';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier, uniqueName } from '../../test/unique.js';
import { createKafkaLog } from '../runtime/log/kafka-log.js';
import { createJsonSerde } from '../runtime/serdes/record-serde.js';
import { binanceKlines } from './market-data-fixtures.js';
import { openPostgresStore } from './postgres-store.js';
import { startSinkConsumer } from './sink-consumer.js';
import { SinkWriter } from './sink-writer.js';

describe('sink consumer on Kafka and TimescaleDB', () => {
  it('loads a bars topic into the bars hypertable and commits the offsets after the rows are durable', async () => {
    const env = stackEnv();
    const log = createKafkaLog({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'nexural-sink-itest' });
    const topic = uniqueName('bars');
    const groupId = uniqueName('sink');
    const schema = uniqueIdentifier('sink');
    const store = await openPostgresStore({ connectionString: env.DATABASE_URL, schema });
    try {
      await store.migrate();
      await log.admin.createTopics([{ name: topic, partitions: 3, compacted: false }]);
      const serde = createJsonSerde(topic, barSchema);
      const klines = binanceKlines();
      // A forming revision of each Binance kline, then the kline itself as the final revision.
      const updates: Bar[] = klines.flatMap((bar) => [
        { ...bar, close: bar.open, high: bar.open, low: bar.open, final: false, revision: 0 },
        { ...bar, revision: 1 },
      ]);
      const producer = await log.createProducer();
      await producer.send(
        await Promise.all(
          updates.map(async (bar) => ({
            topic,
            key: symbolKey(bar.venue, bar.symbol),
            value: await serde.serialize(bar),
          })),
        ),
      );
      await producer.close();

      const writer = new SinkWriter(store, { flushIntervalMs: 10 });
      const consumer = await startSinkConsumer({ log, groupId, sources: [{ kind: 'bars', serde }], writer });
      const ends = await log.admin.partitionRanges(topic);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const committed = await log.admin.committedOffsets(groupId, topic);
        const done = ends.every(
          (range) => (committed.find((c) => c.partition === range.partition)?.offset ?? '0') === range.high,
        );
        if (done) break;
        if (Date.now() > deadline) throw new Error(`group ${groupId} did not reach the end of ${topic}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await consumer.close();
      const stored = await store.bars({
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        interval: '1m',
        from: 0,
        to: 2 ** 42,
      });
      expect(stored.items).toEqual(klines.map((bar) => ({ ...bar, revision: 1 })));
    } finally {
      await store.close();
      await log.admin.deleteGroups([groupId]).catch(() => undefined);
      await log.admin.deleteTopics([topic]);
      await log.close();
      const client = new pg.Client({ connectionString: env.DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
