import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { readAll } from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import { openPgDatabase } from '../../pipeline/store/pg-database.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPostgresStore } from '../../pipeline/store/postgres-store.js';
import type { SqlDatabase } from '../../pipeline/store/sql-database.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { type DeadLetter, deadLetterSchema } from '../../schemas/dead-letter.js';
import type { EffectEntry } from '../../schemas/ports/effect-ledger.js';
import type { OutgoingRecord, StreamLog } from '../../schemas/ports/stream-log.js';
import { seededRandom } from '../../schemas/seeded-random.js';
import { type ConsumerInput, isChannelInput } from '../define-consumer.js';
import {
  type ContractChildConfig,
  type ContractLogTarget,
  type ContractStoreTarget,
  type ContractTopics,
  contractTopics,
} from './contract-topics.js';
import { migratedPgliteTemplate } from './pglite-template.js';
import { type RecordedRecord, readRecordedStream } from './recorded-stream.js';

/** A consumer the contract runs: where its definition is and how to read its external effects. */
export interface ContractSubject {
  readonly name: string;
  /** absolute path of the module exporting the definition, and the export's name */
  readonly module: string;
  readonly exportName: string;
  readonly inputs: readonly ConsumerInput[];
  /** the part of the recorded stream it is given (default: every record of its inputs) */
  select?(recorded: readonly RecordedRecord[]): readonly RecordedRecord[];
  /** its config for a run whose scratch folder is `workDir` */
  config(workDir: string, recorded: readonly RecordedRecord[]): unknown;
  /** rows it reads from the store (a user's strategies), written into the migrated store before the first child */
  prepare?(sql: SqlDatabase): Promise<void>;
  /** the effects it made outside the ledger (file lines, rows, records), each as one string */
  externalEffects(workDir: string, run: ContractRunView): Promise<readonly string[]>;
}

/** What a subject may look at after a run: the run's store and topics. */
export interface ContractRunView {
  readonly topics: ContractTopics;
  withSql<T>(work: (sql: SqlDatabase) => Promise<T>): Promise<T>;
  /** every record of a topic of the run, values as text, partition by partition in offset order */
  readTopic(topic: string): Promise<readonly string[]>;
}

export type ContractBackend =
  | { readonly log: 'embedded' }
  | { readonly log: 'kafka'; readonly brokers: readonly string[]; readonly databaseUrl: string };

export interface ContractRun {
  /** ledger entries as `key=result`, sorted */
  readonly effects: readonly string[];
  readonly externalEffects: readonly string[];
  /** dead letters as `topic/partition/offset code consumer`, de-duplicated and sorted */
  readonly deadLetters: readonly string[];
  /** effects whose partition offsets went backwards in ledger order (per-key order broken) */
  readonly outOfOrder: number;
  /** kills that landed before the child had caught up */
  readonly midRunKills: number;
  /** the last child drained on SIGTERM and exited 0 */
  readonly closedCleanly: boolean;
}

/**
 * Every run on the embedded log is paced to last at least this long (wall time, whatever the machine's load):
 * the three kills, each at most KILL_AFTER_MAX_MS after its child is ready, then all land before the child
 * caught up. On Kafka the child runs at full speed (kafkajs heartbeats between fetches, so a paced fetch would
 * outlast the session). The three kills' delays add up to at most 4.95 s; under a loaded CI (Node 24 step,
 * 2026-12-06) timers and child start-up overshot a 6 s pace and one kill landed after the child caught up, so
 * the pace leaves a margin of more than the kills' own time.
 */
const PACED_RUN_MS = 12_000;
const KILL_AFTER_MIN_MS = 150;
const KILL_AFTER_MAX_MS = 1_650;

/** How the child reads: batches of 50 (of 2 for a short input), with a pause per batch summing to PACED_RUN_MS. */
export function childPace(records: number): { readonly maxBatchRecords: number; readonly paceMs: number } {
  const maxBatchRecords = records >= 500 ? 50 : 2;
  const batches = Math.max(1, Math.ceil(records / maxBatchRecords));
  return { maxBatchRecords, paceMs: Math.ceil(PACED_RUN_MS / batches) };
}

const childScript = fileURLToPath(new URL('./contract-child.ts', import.meta.url));
let topicQueue: Promise<unknown> = Promise.resolve();
/** Topic creation, one run at a time (Kafka answers concurrent creations with "does not host" while electing). */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const next = topicQueue.then(work, work);
  topicQueue = next.catch(() => {});
  return next;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The recorded stream as records of the run's topics, with one undecodable record in each input. */
function inputRecords(
  recorded: readonly RecordedRecord[],
  topics: ContractTopics,
  inputs: readonly ConsumerInput[],
) {
  const records: OutgoingRecord[] = [];
  for (const input of inputs) {
    if (isChannelInput(input)) continue;
    const own = recorded.filter((record) => record.input === input);
    own.forEach((record, index) => {
      records.push({
        topic: topics[input],
        key: record.key,
        value: Buffer.from(record.value),
        partition: record.partition,
        timestamp: record.timestamp,
      });
      if (index === Math.floor(own.length / 2)) {
        const poison = '{"poison": "not a record of this topic"}';
        records.push({
          topic: topics[input],
          key: record.key,
          value: Buffer.from(poison),
          partition: record.partition,
        });
      }
    });
  }
  return records;
}

interface ChildHandle {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(line: string, timeoutMs: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

function spawnChild(config: ContractChildConfig): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (process.env.NEXURAL_CONTRACT_TRACE) process.stderr.write(`${Date.now() % 1_000_000} ${line}\n`);
      for (const waiter of waiters.filter((entry) => entry.line === line)) waiter.resolve();
    }
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async waitFor(line, timeoutMs) {
      if (lines.includes(line)) return;
      const seen = new Promise<void>((resolve) => waiters.push({ line, resolve }));
      const outcome = await Promise.race([
        seen.then(() => 'seen' as const),
        exited.then(() => 'exited' as const),
        sleep(timeoutMs).then(() => 'timeout' as const),
      ]);
      if (outcome === 'seen') return;
      throw new Error(`consumer child: no "${line}" (${outcome}); stderr: ${errors.slice(-2000)}`);
    },
  };
}

const kill = async (handle: ChildHandle) => {
  handle.child.kill('SIGKILL');
  await handle.exited;
};

async function withStoreSql<T>(
  store: ContractStoreTarget,
  work: (sql: SqlDatabase) => Promise<T>,
): Promise<T> {
  if (store.kind === 'pglite') {
    const pglite = await PGlite.create({ dataDir: store.dataDir });
    try {
      return await work(pgliteDatabase(pglite));
    } finally {
      await pglite.close();
    }
  }
  const db = await openPgDatabase({ connectionString: store.url, schema: store.schema });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

const readEffects = (store: ContractStoreTarget, consumer: string): Promise<readonly EffectEntry[]> =>
  withStoreSql(store, (sql) => sqlEffectLedgerStore(sql).forConsumer(consumer).list({ limit: 100_000 }));

async function readDeadLetters(log: StreamLog, topic: string): Promise<readonly string[]> {
  const letters = (await readAll(log, topic, 500)).flat();
  const images = letters.map((record) => {
    const letter: DeadLetter = deadLetterSchema.parse(JSON.parse(record.value?.toString('utf8') ?? 'null'));
    const at = letter.source;
    return `${at?.topic}/${at?.partition}/${at?.offset} ${letter.code} ${letter.consumer}`;
  });
  return [...new Set(images)].sort();
}

/** One run: the child consumes the recorded stream, killed `kills` times at random points, then drained. */
export async function runConsumerContract(
  subject: ContractSubject,
  backend: ContractBackend,
  options: { readonly kills: number; readonly seed: number },
): Promise<ContractRun> {
  const random = seededRandom(options.seed);
  const run = randomUUID().slice(0, 8);
  const workDir = await mkdtemp(join(tmpdir(), `nexural-consumer-${subject.name}-`));
  const topics = contractTopics(run);
  const recorded = subject.select?.(readRecordedStream()) ?? readRecordedStream();
  const logTarget: ContractLogTarget =
    backend.log === 'embedded'
      ? { kind: 'embedded', dataDir: join(workDir, 'log') }
      : { kind: 'kafka', brokers: backend.brokers };
  const storeTarget: ContractStoreTarget =
    backend.log === 'embedded'
      ? { kind: 'pglite', dataDir: join(workDir, 'db') }
      : { kind: 'postgres', url: backend.databaseUrl, schema: `nexural_test_consumer_${run}` };
  const openLog = () =>
    logTarget.kind === 'embedded'
      ? createEmbeddedLog({ dataDir: logTarget.dataDir })
      : createKafkaLog({ brokers: logTarget.brokers, clientId: 'nexural-consumer-contract-test' });
  const topicNames = Object.values(topics);
  const groupId = `nexural.consumer.${subject.name}.test-${run}`;
  let log = openLog();
  try {
    await oneAtATime(() =>
      log.admin.createTopics(topicNames.map((name) => ({ name, partitions: 2, compacted: false }))),
    );
    const producer = await log.createProducer();
    const records = inputRecords(recorded, topics, subject.inputs);
    await producer.send(records);
    await producer.close();
    // the embedded log has one owner per folder: hand it to the child
    if (logTarget.kind === 'embedded') await log.close();
    if (storeTarget.kind === 'pglite')
      await cp(await migratedPgliteTemplate(), storeTarget.dataDir, { recursive: true });
    else {
      const store = await openPostgresStore({
        connectionString: storeTarget.url,
        schema: storeTarget.schema,
      });
      await store.migrate();
      await store.close();
    }
    const { prepare } = subject;
    if (prepare) await withStoreSql(storeTarget, (sql) => prepare(sql));
    const config: ContractChildConfig = {
      consumer: {
        module: subject.module,
        exportName: subject.exportName,
        config: subject.config(workDir, recorded),
      },
      log: logTarget,
      store: storeTarget,
      topics,
      groupId,
      // Kafka: full speed, as before (a paced fetch outlasts the session's heartbeats)
      ...(backend.log === 'embedded' ? childPace(records.length) : { maxBatchRecords: 50, paceMs: 0 }),
      // the PGlite template is migrated already, a PostgreSQL schema was migrated above
      migrate: false,
    };
    let midRunKills = 0;
    for (let kill_ = 0; kill_ < options.kills; kill_ += 1) {
      const handle = spawnChild(config);
      await handle.waitFor('ready', 120_000);
      await sleep(KILL_AFTER_MIN_MS + random() * (KILL_AFTER_MAX_MS - KILL_AFTER_MIN_MS));
      if (!handle.lines.includes('caught-up')) midRunKills += 1;
      await kill(handle);
    }
    const last = spawnChild(config);
    await last.waitFor('caught-up', 300_000);
    last.child.kill('SIGTERM');
    await last.waitFor('closed', 60_000);
    const closedCleanly = (await last.exited) === 0;
    if (logTarget.kind === 'embedded') log = openLog();
    const entries = await readEffects(storeTarget, subject.name);
    let outOfOrder = 0;
    const lastOffset = new Map<string, bigint>();
    for (const entry of entries) {
      if (entry.source === null) continue;
      const where = `${entry.source.topic}/${entry.source.partition}`;
      const offset = BigInt(entry.source.offset);
      if ((lastOffset.get(where) ?? -1n) > offset) outOfOrder += 1;
      lastOffset.set(where, offset);
    }
    const deadLetters = (await readDeadLetters(log, topics.deadLetters)).map((line) =>
      line.replace(`test.consumers.${run}.`, ''),
    );
    return {
      effects: entries.map((entry) => `${entry.effectKey}=${JSON.stringify(entry.result)}`).sort(),
      externalEffects: [
        ...(await subject.externalEffects(workDir, {
          topics,
          withSql: (work) => withStoreSql(storeTarget, work),
          readTopic: async (topic) =>
            (await readAll(log, topic, 500)).flat().map((record) => record.value?.toString('utf8') ?? ''),
        })),
      ].sort(),
      deadLetters,
      outOfOrder,
      midRunKills,
      closedCleanly,
    };
  } finally {
    if (logTarget.kind === 'kafka') {
      await log.admin.deleteTopics(topicNames).catch(() => {});
      await log.admin.deleteGroups([groupId]).catch(() => {});
      if (storeTarget.kind === 'postgres') {
        const db = await openPgDatabase({ connectionString: storeTarget.url, schema: storeTarget.schema });
        await db.exec(`DROP SCHEMA "${storeTarget.schema}" CASCADE`).catch(() => {});
        await db.close();
      }
    }
    await log.close();
    // a log segment still being flushed as the folder goes: rm retries on ENOTEMPTY
    await rm(workDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
