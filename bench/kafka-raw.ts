/**
 * The raw kafkajs ceiling on this machine: produce, consume and produce→consume (end to end) of N records
 * of 200 bytes through the real broker, with the settings the Kafka adapter uses (idempotent, acks=all,
 * no compression, 1,000 records per request, 4 MiB per partition per fetch). Then the same through the stream-log adapter, to show
 * what the port costs. The processor bench compares itself with the first rows.
 * Run: `npx tsx bench/kafka-raw.ts [records] [partitions]` (default 200,000 and 6) with the stack up
 * (`bash scripts/stack up`; KAFKA_BROKERS defaults to 127.0.0.1:39092). Prints a table; asserts nothing.
 *
 * Values are real Binance trades (../shared/data/binance_um_BTCUSDT_trades_…csv) in the raw JSON format,
 * padded to 200 bytes, keyed by venue:symbol over 8 symbols so every partition gets traffic.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel, type Message } from 'kafkajs';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import { partitionForKey } from '../pipeline/runtime/log/murmur2.js';
import { explicitPartitionProducer, RAW_RECORDS_PER_SEND } from './kafka-ticks.js';

const total = Number(process.argv[2] ?? 200_000);
const partitions = Number(process.argv[3] ?? 6);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');
const RECORD_BYTES = 200;

const csv = new URL(
  '../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
  import.meta.url,
);
const trades = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT', 'DOGEUSDT', 'ADAUSDT', 'AVAXUSDT'];

const records: { key: string; value: Buffer }[] = Array.from({ length: total }, (_, i) => {
  const [tradeId, price, qty, time, , buyerMaker] = (trades[i % trades.length] ?? '').split(',');
  const symbol = symbols[i % symbols.length] ?? 'BTCUSDT';
  const json = JSON.stringify({
    venue: 'binance-um',
    symbol,
    tradeId: `${tradeId}-${i}`,
    time: Number(time),
    price,
    size: qty,
    side: buyerMaker === 'false' ? 'buy' : 'sell',
  });
  const padded = `${json.slice(0, -1)},"pad":"${'.'.repeat(Math.max(0, RECORD_BYTES - json.length - 10))}"}`;
  return { key: `binance-um:${symbol}`, value: Buffer.from(padded) };
});

const kafka = new Kafka({ clientId: 'bench-kafka-raw', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const topics: string[] = [];
const freshTopic = async () => {
  const topic = `bench.kafka-raw.${randomUUID().slice(0, 8)}`;
  topics.push(topic);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  return topic;
};

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

async function produceRaw(topic: string, batchSize: number): Promise<number> {
  const producer = explicitPartitionProducer(kafka);
  await producer.connect();
  const start = process.hrtime.bigint();
  for (let from = 0; from < total; from += batchSize) {
    const messages: Message[] = records
      .slice(from, from + batchSize)
      .map(({ key, value }) => ({ key, value, partition: partitionForKey(key, partitions) }));
    await producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
  }
  const elapsed = seconds(start);
  await producer.disconnect();
  return elapsed;
}

/** Consumes until `total` records arrived; returns seconds from `started()` (default: from joining). */
async function consumeRaw(
  topic: string,
  started?: () => bigint,
): Promise<{ done: Promise<number>; stop: () => Promise<void> }> {
  const consumer = kafka.consumer({
    groupId: `bench-${randomUUID()}`,
    maxBytesPerPartition: 4 << 20,
    maxBytes: 32 << 20,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let finish: (value: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const joinStart = process.hrtime.bigint();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= total) finish(seconds(started?.() ?? joinStart));
    },
  });
  return { done, stop: () => consumer.disconnect() };
}

async function adapterRows(): Promise<[string, number][]> {
  const log = createKafkaLog({ brokers });
  const topic = await freshTopic();
  const producer = await log.createProducer();
  let start = process.hrtime.bigint();
  for (let from = 0; from < total; from += 10_000) {
    await producer.send(records.slice(from, from + 10_000).map(({ key, value }) => ({ topic, key, value })));
  }
  const produced = seconds(start);
  let seen = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  start = process.hrtime.bigint();
  await log.consume({
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    commit: 'manual',
    handler: async (batch) => {
      seen += batch.records.length;
      if (seen >= total) finish();
    },
  });
  await done;
  const consumed = seconds(start);
  await log.close();
  return [
    ['adapter produce (LogProducer.send, 10k per call)', produced],
    ['adapter consume (LogConsumer, manual commit)', consumed],
  ];
}

const rows: [string, number][] = [];
rows.push([
  'raw produce, 10k per send (kafkajs grouping cost)',
  await produceRaw(await freshTopic(), 10_000),
]);
const produceTopic = await freshTopic();
rows.push([
  'raw produce (idempotent, acks=all, 1k per send)',
  await produceRaw(produceTopic, RAW_RECORDS_PER_SEND),
]);
const reader = await consumeRaw(produceTopic);
rows.push(['raw consume (join + read all, eachBatch no-op)', await reader.done]);
await reader.stop();

const e2eTopic = await freshTopic();
let e2eStart = process.hrtime.bigint();
const live = await consumeRaw(e2eTopic, () => e2eStart);
e2eStart = process.hrtime.bigint();
await produceRaw(e2eTopic, RAW_RECORDS_PER_SEND);
rows.push(['raw end to end (produce → consume, concurrently)', await live.done]);
await live.stop();
rows.push(...(await adapterRows()));

await admin.deleteTopics({ topics });
await admin.disconnect();

const mb = (total * RECORD_BYTES) / 1e6;
console.log(
  `\nraw Kafka ceiling: ${total.toLocaleString('en')} records × ${RECORD_BYTES} B, ${partitions} partitions, ${brokers.join(',')}\n`,
);
console.log(`${'phase'.padEnd(52)}${'seconds'.padStart(9)}${'records/s'.padStart(12)}${'MB/s'.padStart(8)}`);
for (const [name, elapsed] of rows) {
  const rate = Math.round(total / elapsed).toLocaleString('en');
  console.log(
    `${name.padEnd(52)}${elapsed.toFixed(2).padStart(9)}${rate.padStart(12)}${(mb / elapsed).toFixed(1).padStart(8)}`,
  );
}
