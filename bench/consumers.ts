/**
 * Consumer throughput: records/s through a consumer's `handle` with one effect-ledger entry per record — per record
 * (`ledger.perform`: a claim and a `done` write each) and per batch (`ledger.performBatch`: one of each) — beside
 * the raw consume rate of the same records on the same log (a group whose handler only counts). The ratio is
 * the cost of the consumer runtime + ledger. Embedded log + PGlite always; Kafka + TimescaleDB when
 * KAFKA_BROKERS and DATABASE_URL are set (`export $(bash scripts/stack up)`).
 * Run: `npm run bench:consumers -- [records]` (default 20,000). Prints a table; asserts nothing.
 *
 * Records are the final bars of real Binance spot BTCUSDT + ETHUSDT trades (the consumer contract's recorded
 * stream, consumers/testing/fixtures/derived-stream.jsonl), repeated with times shifted a day per copy so each
 * one is a distinct effect. Rates count from the moment the group assigned the partitions (joins left out) to the
 * last record handled.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { startConsumer } from '../consumers/consumer-runtime.js';
import { type AnyConsumerDefinition, defineConsumer } from '../consumers/define-consumer.js';
import { contractDecoders, contractTopics } from '../consumers/testing/contract-topics.js';
import { readRecordedStream } from '../consumers/testing/recorded-stream.js';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import { openPgDatabase } from '../pipeline/store/pg-database.js';
import { pgliteDatabase } from '../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../pipeline/store/pglite-store.js';
import { openPostgresStore } from '../pipeline/store/postgres-store.js';
import { sqlEffectLedgerStore } from '../pipeline/store/sql-effect-ledger.js';
import type { Bar } from '../schemas/bar.js';
import type { EffectLedgerStore } from '../schemas/ports/effect-ledger.js';
import { createRoleHealthRegistry } from '../schemas/ports/role-health.js';
import type { Store } from '../schemas/ports/store.js';
import type { OutgoingRecord, StreamLog } from '../schemas/ports/stream-log.js';
import { printTable } from './bench-table.js';

const total = Number(process.argv[2] ?? 20_000);
const PARTITIONS = 2;
const DAY_MS = 86_400_000;

const barKey = (bar: Bar) => `${bar.venue}:${bar.symbol}:${bar.interval}:${bar.openTime}`;

/** One ledger entry per final bar, each its own claim and `done` write (`ledger.perform`). */
const ledgerPerBar = defineConsumer({
  name: 'bench-ledger-per-bar',
  description: 'one effect-ledger entry per final bar, one perform each (bench)',
  inputs: ['barsFinal'],
  configSchema: z.object({}),
  create({ ledger }) {
    return {
      async handle(batch) {
        for (const record of batch.records)
          await ledger.perform(barKey(record.value), async () => record.value.close, record.source);
      },
      async close() {},
    };
  },
});

/** The same entries, a batch's claimed and recorded together (`ledger.performBatch`). */
const ledgerPerBatch = defineConsumer({
  name: 'bench-ledger-per-batch',
  description: 'one effect-ledger entry per final bar, one performBatch per batch (bench)',
  inputs: ['barsFinal'],
  configSchema: z.object({}),
  create({ ledger }) {
    return {
      async handle(batch) {
        await ledger.performBatch(
          batch.records.map((record) => ({
            effectKey: barKey(record.value),
            effect: async () => record.value.close,
            source: record.source,
          })),
        );
      },
      async close() {},
    };
  },
});

function barRecords(topic: string): OutgoingRecord[] {
  const bars = readRecordedStream().filter((record) => record.input === 'barsFinal');
  return Array.from({ length: total }, (_, i) => {
    const recorded = bars[i % bars.length];
    if (recorded === undefined) throw new Error('the recorded stream holds no final bars');
    const shift = Math.floor(i / bars.length) * DAY_MS;
    const bar = JSON.parse(recorded.value) as Record<string, unknown>;
    for (const [field, value] of Object.entries(bar))
      if (field.endsWith('Time') && typeof value === 'number') bar[field] = value + shift;
    return {
      topic,
      key: recorded.key,
      value: Buffer.from(JSON.stringify(bar)),
      partition: recorded.partition,
    };
  });
}

interface Target {
  readonly name: string;
  readonly log: StreamLog;
  readonly store: Store;
  readonly ledgers: EffectLedgerStore;
  close(): Promise<void>;
}

async function embeddedTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'nexural-bench-consumers-'));
  const log = createEmbeddedLog({ dataDir: join(dir, 'log') });
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  return {
    name: 'embedded + PGlite',
    log,
    store,
    ledgers: sqlEffectLedgerStore(pgliteDatabase(pglite)),
    async close() {
      await log.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function kafkaTarget(brokers: string, databaseUrl: string): Promise<Target> {
  const log = createKafkaLog({ brokers: brokers.split(','), clientId: 'nexural-bench-consumers' });
  const target = {
    connectionString: databaseUrl,
    schema: `nexural_bench_consumers_${randomUUID().slice(0, 8)}`,
  };
  const store = await openPostgresStore(target);
  const db = await openPgDatabase(target);
  return {
    name: 'Kafka + TimescaleDB',
    log,
    store,
    ledgers: sqlEffectLedgerStore(db),
    async close() {
      await db.exec(`DROP SCHEMA "${target.schema}" CASCADE`).catch(() => {});
      await db.close();
      await store.close();
      await log.close();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Raw: a group whose handler only counts; seconds from the assignment to the last record. */
async function rawSeconds(log: StreamLog, topic: string): Promise<number> {
  let seen = 0;
  let first = 0;
  let last = 0;
  const consumer = await log.consume({
    groupId: `bench.raw.${randomUUID().slice(0, 8)}`,
    topics: [topic],
    start: 'earliest',
    onAssigned: () => {
      if (first === 0) first = performance.now();
    },
    handler: async (batch) => {
      seen += batch.records.length;
      last = performance.now();
    },
  });
  while (seen < total) await sleep(2);
  await consumer.close();
  return (last - first) / 1000;
}

/** Through the consumer runtime with one ledger write per record; seconds from `up` (in its group) to the last. */
async function consumerSeconds(
  definition: AnyConsumerDefinition,
  target: Target,
  topics: ReturnType<typeof contractTopics>,
): Promise<number> {
  const { decoders, deadLetters } = contractDecoders(topics);
  const health = createRoleHealthRegistry();
  const running = await startConsumer(
    definition,
    {
      log: target.log,
      decoders,
      deadLetters,
      ledgers: target.ledgers,
      store: target.store,
      fanout: null,
      jobs: null,
      metrics: new Registry(),
      logger: { info: () => {}, warn: () => {}, error: (message) => process.stderr.write(`${message}\n`) },
    },
    { groupId: `bench.consumer.${randomUUID().slice(0, 8)}`, health },
  );
  while (health.roles().get(`consumer ${definition.name}`)?.status !== 'up') await sleep(1);
  const first = performance.now();
  while (running.stats.handled < total) await sleep(1);
  const seconds = (performance.now() - first) / 1000;
  await running.close();
  return seconds;
}

const rows: Record<string, string | number>[] = [];
const targets: (() => Promise<Target>)[] = [embeddedTarget];
const { KAFKA_BROKERS, DATABASE_URL } = process.env;
if (KAFKA_BROKERS && DATABASE_URL) targets.push(() => kafkaTarget(KAFKA_BROKERS, DATABASE_URL));
else process.stderr.write('bench:consumers: KAFKA_BROKERS/DATABASE_URL unset, embedded only\n');

for (const open of targets) {
  const target = await open();
  const topics = contractTopics(`bench${randomUUID().slice(0, 8)}`);
  try {
    await target.store.migrate();
    await target.log.admin.createTopics(
      Object.values(topics).map((name) => ({ name, partitions: PARTITIONS, compacted: false })),
    );
    const producer = await target.log.createProducer();
    await producer.send(barRecords(topics.barsFinal));
    await producer.close();
    const raw = await rawSeconds(target.log, topics.barsFinal);
    const single = await consumerSeconds(ledgerPerBar, target, topics);
    const batched = await consumerSeconds(ledgerPerBatch, target, topics);
    rows.push({
      log: target.name,
      records: total,
      'raw consume rec/s': Math.round(total / raw),
      'perform rec/s': Math.round(total / single),
      'perform ratio': (raw / single).toPrecision(3),
      'performBatch rec/s': Math.round(total / batched),
      'performBatch ratio': (raw / batched).toPrecision(3),
    });
  } finally {
    await target.log.admin.deleteTopics(Object.values(topics)).catch(() => {});
    await target.close();
  }
}
printTable(`consumer throughput (${PARTITIONS} partitions, one ledger entry per record)`, rows);
