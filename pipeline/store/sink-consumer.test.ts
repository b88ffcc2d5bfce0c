import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEventSchema } from '../../schemas/alert-event.js';
import { type Bar, barSchema } from '../../schemas/bar.js';
import type { NexuralError } from '../../schemas/errors.js';
import { indicatorValueSchema } from '../../schemas/indicator-value.js';
import type { Store, StoreWriteResult, StoreWriter } from '../../schemas/ports/store.js';
import type { LogRecord, StreamLog } from '../../schemas/ports/stream-log.js';
import { symbolKey, topicNames } from '../../schemas/topics.js';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { until } from '../runtime/log/testing/stream-log-test-kit.js';
import { createJsonSerde } from '../runtime/serdes/record-serde.js';
import { binanceKlines } from './market-data-fixtures.js';
import { openPgliteStore } from './pglite-store.js';
import { type SinkSource, startSinkConsumer } from './sink-consumer.js';
import { SinkWriter } from './sink-writer.js';

const topics = topicNames('sinktest');
const serdes = {
  bars: createJsonSerde(topics.bars, barSchema),
  indicators: createJsonSerde(topics.indicators, indicatorValueSchema),
  alerts: createJsonSerde(topics.alerts, alertEventSchema),
};
const sources: SinkSource[] = [
  { kind: 'bars', serde: serdes.bars },
  { kind: 'indicatorValues', serde: serdes.indicators },
  { kind: 'alertEvents', serde: serdes.alerts },
];
const key = symbolKey('binance-um', 'BTCUSDT');

// Every Binance kline as the bar engine emits it: a forming revision (open price only), then the final bar.
const klines = binanceKlines();
const finals: Bar[] = klines.map((bar) => ({ ...bar, revision: 1 }));
const forming = (bar: Bar): Bar => ({
  ...bar,
  high: bar.open,
  low: bar.open,
  close: bar.open,
  volume: 0,
  quoteVolume: 0,
  trades: 1,
  takerBuyVolume: 0,
  final: false,
  revision: 0,
});

async function publishBars(log: StreamLog): Promise<void> {
  const producer = await log.createProducer();
  const records = await Promise.all(
    klines
      .flatMap((bar, index) => [forming(bar), finals[index] as Bar])
      .map(async (bar) => ({
        topic: topics.bars,
        key,
        value: await serdes.bars.serialize(bar),
      })),
  );
  await producer.send(records);
  await producer.close();
}

/** Waits until the group committed the end of every partition of the bars topic. */
async function caughtUp(log: StreamLog, groupId: string): Promise<void> {
  const ends = new Map(
    (await log.admin.partitionRanges(topics.bars)).map((range) => [range.partition, range.high]),
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const committed = await log.admin.committedOffsets(groupId, topics.bars);
    if (committed.every((position) => (position.offset ?? '0') === ends.get(position.partition))) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not commit the end of ${topics.bars}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startSinkConsumer', () => {
  let log: StreamLog;
  let store: Store;
  const written: StoreWriteResult[] = [];
  const counting: StoreWriter = {
    write: async (batch) => {
      const result = await store.write(batch);
      written.push(result);
      return result;
    },
  };

  beforeAll(async () => {
    store = await openPgliteStore();
    await store.migrate();
    log = createEmbeddedLog({ maxBatchRecords: 25 });
    await log.admin.createTopics(
      [topics.bars, topics.indicators, topics.alerts].map((name) => ({
        name,
        partitions: 3,
        compacted: false,
      })),
    );
    await publishBars(log);
  }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine
  afterAll(async () => {
    await log.close();
    await store.close();
  });

  it('writes the derived topics into the store, the final bar over its forming revision', async () => {
    const writer = new SinkWriter(counting, { flushIntervalMs: 5 });
    const consumer = await startSinkConsumer({ log, groupId: 'sink-a', sources, writer });
    await caughtUp(log, 'sink-a');
    await consumer.close();
    const stored = await store.bars({
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      interval: '1m',
      from: 0,
      to: 2 ** 42,
    });
    expect(stored.items).toEqual(finals);
  });

  it('replays the whole history without changing a row', async () => {
    written.length = 0;
    const writer = new SinkWriter(counting, { flushIntervalMs: 5 });
    const consumer = await startSinkConsumer({ log, groupId: 'sink-replay', sources, writer });
    await caughtUp(log, 'sink-replay');
    await consumer.close();
    expect(written.reduce((sum, result) => sum + result.bars, 0)).toBe(0);
    expect(written.length).toBeGreaterThan(0);
  });

  it('commits offsets only after the rows are durable', async () => {
    let commit: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let writes = 0;
    const gated: StoreWriter = {
      write: async (batch) => {
        writes += 1;
        await gate;
        return store.write(batch);
      },
    };
    const consumer = await startSinkConsumer({
      log,
      groupId: 'sink-gated',
      sources,
      writer: new SinkWriter(gated, { flushIntervalMs: 1 }),
    });
    await until(() => writes > 0, 'the sink to start a write', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = await log.admin.committedOffsets('sink-gated', topics.bars);
    expect(before.every((position) => position.offset === null)).toBe(true);
    commit();
    await caughtUp(log, 'sink-gated');
    await consumer.close();
  });

  it('hands records the serde refuses to the dead-letter callback and writes the rest', async () => {
    const producer = await log.createProducer();
    const bar = { ...klines[0], interval: '5m', openTime: Date.UTC(2024, 7, 9) } as Bar;
    await producer.send([
      { topic: topics.bars, key, value: Buffer.from('{"not":"a bar"}') },
      { topic: topics.bars, key, value: await serdes.bars.serialize(bar) },
    ]);
    await producer.close();
    const refused: { record: LogRecord; error: NexuralError }[] = [];
    const consumer = await startSinkConsumer({
      log,
      groupId: 'sink-a',
      sources,
      writer: new SinkWriter(store, { flushIntervalMs: 1 }),
      deadLetter: async (record, error) => {
        refused.push({ record, error });
      },
    });
    await caughtUp(log, 'sink-a');
    await consumer.close();
    expect(refused.map(({ record, error }) => [record.value?.toString(), error.code])).toEqual([
      ['{"not":"a bar"}', 'NXR_SCHEMA_INVALID'],
    ]);
    expect(await store.latestBar({ venue: 'binance-um', symbol: 'BTCUSDT', interval: '5m' })).toEqual(bar);
  });
});
