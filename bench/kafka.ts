/**
 * npm run bench:kafka — the stream processor through the real broker, printed (never asserted):
 *  1. sustained ticks/s, producer → Kafka → processor → derived topics (Schema Registry serdes, Redis
 *     fan-out), with the consumer lag, and the processor alone on a backlog;
 *  2. the raw kafkajs produce+consume ceiling for the same record count and size (bench/kafka-raw.ts),
 *     and the ratio;
 *  3. tick → alert latency (tick handed to the producer → alert received on Redis pub/sub) at paced rates,
 *     and the same through the embedded log and the in-process fan-out.
 * The Kafka rows' producer (throughput and latency) runs in a child process of its own by default
 * (`--producer child`, bench/kafka-producer.ts), so this process holds only the processor (its CPU s, GC ms
 * and peak RSS); `--producer inline` sends from this process as before; `child-kafkajs` sends the latency
 * rows' ticks from the child with the raw kafkajs producer (a paced send in requests of up to 10,000 records
 * instead of the adapter's 1,000: fewer round trips); a list runs each, row by row. Send and arrival times are both
 * epochMs (performance.timeOrigin + performance.now(), the machine's clock); the embedded rows always send
 * inline (their log is here).
 *
 *   npm run bench:kafka -- [--ticks 200000] [--partitions 6] [--concurrency 1] [--rates 10000,50000]
 *                          [--seconds 10] [--skip-raw] [--only throughput|latency]
 *                          [--modes after-commit,at-once,embedded]  (latency rows to run)
 *                          [--snapshot-every-ms N]  (the processor's checkpoint interval in the latency rows)
 *                          [--commit-interval-ms N]  (the processor's commitIntervalMs in the latency rows)
 *                          [--transactions auto,per-partition,shared]  (the processor's transactions; with several, each Kafka
 *                          row runs once per setting, alternately; default: the processor's own, auto; the
 *                          transactions column gives the mode each row ran in)
 *                          [--ticks-from live|start]  (latency rows: ticks start once every partition is installed
 *                          (restored, its rule set committed), or as soon as processor.start() resolves; the
 *                          "ticks from" column gives the time from start() to the first tick)
 *                          [--producer child|inline|child-kafkajs|…,…]  (the Kafka rows' producer)
 *                          [--timeline]  (per-second p50/max latency, checkpoint commit times)
 *                          [--stalls]  (event-loop stalls > 10 ms by cause, from a CPU profile: loop-stalls.ts;
 *                          in the throughput rows too, from the processor's start to its last commit)
 *                          [--allocations]  (what the processor's process allocates, freed garbage included:
 *                          allocations.ts; in the throughput rows too, as --stalls)
 *                          [--rows forming-live,forming-backlog,final-live,final-backlog]  (throughput rows to run)
 *                          [--burst N]  (every probe tick fires N rules at once: N alerts, each one's latency)
 *                          [--rule-edits N]  (N edits a second of another owner's rules while the probes run:
 *                          each one a rule set every partition commits)
 *                          [--clients kafkajs,librdkafka,platformatic]  (the processor's Kafka client, NEXURAL_KAFKA_CLIENT;
 *                          default platformatic, as the processor's; each row runs once per client,
 *                          alternately; the bench's producer stays kafkajs)
 *                          [--requests]  (the processor's kafkajs requests by API while the ticks are sent,
 *                          lag probes included: kafka-requests.ts)
 *                          [--fetches 1/250,16384/5]  (the processor consumer's minBytes/maxWaitTimeInMs; each Kafka
 *                          latency row runs once per pair, alternately; default: the adapter's own)
 *                          [--subscriber inline|child]  (the Kafka latency rows' Redis subscriber: in this process, on the
 *                          processor's event loop, or in a child process of its own, as deployed; the embedded rows'
 *                          in-process fan-out always inline)
 *                          [--trade-ids venue|suffixed]  (venue: each symbol's trade ids count up by one, as
 *                          Binance's; suffixed: ids that are not numbers, the bench's ids before 2026-12-06)
 * With the stack up (`bash scripts/stack up`); KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL default to it.
 * Records: bench/kafka-ticks.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompressionTypes, Kafka, logLevel, type Message } from 'kafkajs';
import { partitionForKey } from '../pipeline/runtime/log/murmur2.js';
import type { ProcessorConfigInput } from '../pipeline/runtime/processor/processor-config.js';
import { buildPipeline, type Pipeline, type PipelineEnv } from '../pipeline/runtime/wiring/build-pipeline.js';
import type { AlertRuleInput } from '../schemas/alert-rule.js';
import { DEFAULT_KAFKA_CLIENT } from '../schemas/env.js';
import type { LogProducer } from '../schemas/ports/stream-log.js';
import { alertChannels, type TopicNames, topicNames } from '../schemas/topics.js';
import { describeAllocations, profileAllocations } from './allocations.js';
import { measureProcess, printTable } from './bench-table.js';
import { countKafkaRequests } from './kafka-requests.js';
import {
  type ChildPacedResult,
  epochMs,
  explicitPartitionProducer,
  forkProducer,
  forkSubscriber,
  type PacedResult,
  type Probe,
  RAW_RECORDS_PER_SEND,
  RECORD_BYTES,
  rawTrade,
  SYMBOLS,
  sendPaced,
  TRADE_IDS_ENV,
} from './kafka-ticks.js';
import { describeStalls, profileStalls, type StallReport } from './loop-stalls.js';
import { describeStages, watchFanoutStages } from './probe-stages.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '1' },
    rates: { type: 'string', default: '10000,50000' },
    seconds: { type: 'string', default: '10' },
    'skip-raw': { type: 'boolean', default: false },
    only: { type: 'string', default: 'all' },
    modes: { type: 'string', default: 'after-commit,at-once,embedded' },
    'snapshot-every-ms': { type: 'string' },
    'commit-interval-ms': { type: 'string' },
    'ticks-from': { type: 'string', default: 'live' },
    timeline: { type: 'boolean', default: false },
    stalls: { type: 'boolean', default: false },
    allocations: { type: 'boolean', default: false },
    producer: { type: 'string', default: 'child' },
    burst: { type: 'string', default: '1' },
    'rule-edits': { type: 'string', default: '0' },
    clients: { type: 'string', default: DEFAULT_KAFKA_CLIENT },
    requests: { type: 'boolean', default: false },
    'trade-ids': { type: 'string', default: 'venue' },
    fetches: { type: 'string', default: 'default' },
    subscriber: { type: 'string', default: 'inline' },
    transactions: { type: 'string', default: 'default' },
    rows: { type: 'string', default: 'forming-live,forming-backlog,final-live,final-backlog' },
  },
});
if (values['trade-ids'] !== 'venue' && values['trade-ids'] !== 'suffixed') {
  throw new Error(
    `--trade-ids ${values['trade-ids']}: venue (each symbol's ids count up by one) or suffixed`,
  );
}
process.env[TRADE_IDS_ENV] = values['trade-ids'];
const total = Number(values.ticks);
const partitions = Number(values.partitions);
const concurrency = Number(values.concurrency);
const rates = values.rates.split(',').map(Number);
const burst = Number(values.burst);
if (!Number.isInteger(burst) || burst < 1) throw new Error(`--burst ${values.burst}: a whole number ≥ 1`);
const ruleEdits = Number(values['rule-edits']);
if (!Number.isFinite(ruleEdits) || ruleEdits < 0 || ruleEdits > 1000) {
  throw new Error(`--rule-edits ${values['rule-edits']}: edits a second, 0 to 1,000`);
}
const seconds = Number(values.seconds);
if (values.subscriber !== 'inline' && values.subscriber !== 'child') {
  throw new Error(
    `--subscriber ${values.subscriber}: inline (the bench's process) or child (a process of its own)`,
  );
}
const WARM_UP_MS = 2000;
const ticksFrom = values['ticks-from'];
if (ticksFrom !== 'live' && ticksFrom !== 'start') {
  throw new Error(
    `--ticks-from ${ticksFrom}: live (every partition installed) or start (processor.start() resolved)`,
  );
}
const PRODUCER_MODES = ['inline', 'child', 'child-kafkajs'] as const;
type ProducerMode = (typeof PRODUCER_MODES)[number];
const producerModes = values.producer.split(',') as ProducerMode[];
if (producerModes.some((mode) => !PRODUCER_MODES.includes(mode))) {
  throw new Error(`--producer: a list of ${PRODUCER_MODES.join(', ')}, not ${values.producer}`);
}
const CLIENTS = ['kafkajs', 'librdkafka', 'platformatic'] as const;
type Client = (typeof CLIENTS)[number];
const clients = values.clients.split(',') as Client[];
if (clients.some((client) => !CLIENTS.includes(client))) {
  throw new Error(`--clients: a list of ${CLIENTS.join(', ')}, not ${values.clients}`);
}
/** the processor consumer's fetch settings per row: 'default' (the adapter's), or minBytes/maxWaitTimeInMs */
type FetchSetting = 'default' | { readonly minBytes: number; readonly maxWaitTimeInMs: number };
const fetchSettings: FetchSetting[] = values.fetches.split(',').map((setting) => {
  if (setting === 'default') return 'default';
  const [minBytes, maxWaitTimeInMs] = setting.split('/').map(Number);
  if (!Number.isInteger(minBytes) || !Number.isInteger(maxWaitTimeInMs) || (minBytes ?? 0) < 1) {
    throw new Error(`--fetches ${setting}: default or minBytes/maxWaitTimeInMs, e.g. 16384/5`);
  }
  return { minBytes: minBytes ?? 1, maxWaitTimeInMs: maxWaitTimeInMs ?? 0 };
});
/** the processor's transactions per row: 'default' (its config's default, auto), auto, per-partition or shared */
type TransactionsSetting = 'default' | 'auto' | 'per-partition' | 'shared';
const transactionSettings = values.transactions.split(',').map((setting) => {
  if (setting !== 'default' && setting !== 'auto' && setting !== 'per-partition' && setting !== 'shared') {
    throw new Error(`--transactions ${setting}: a list of default, auto, per-partition, shared`);
  }
  return setting;
}) as TransactionsSetting[];
const transactionsConfig = (setting: TransactionsSetting): Partial<ProcessorConfigInput> =>
  setting === 'default' ? {} : { transactions: setting };
const fetchLabel = (setting: FetchSetting) =>
  setting === 'default' ? 'default' : `${setting.minBytes}/${setting.maxWaitTimeInMs}`;
const kafkaEnv: PipelineEnv = {
  KAFKA_BROKERS: (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(','),
  KAFKA_CLIENT_ID: 'nexural-bench',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:38081/apis/ccompat/v7',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NEXURAL_DATA_DIR: '.data',
};
// A folder of its own per run: the embedded rows' topics stayed in ./.data/log, and every later run opened
// them all again (1.4 GiB after ten runs, the embedded rows' CPU s growing run after run).
const embeddedDataDir = mkdtempSync(join(tmpdir(), 'nexural-bench-kafka-'));
process.on('exit', () => rmSync(embeddedDataDir, { recursive: true, force: true }));
const embeddedEnv: PipelineEnv = {
  KAFKA_BROKERS: undefined,
  KAFKA_CLIENT_ID: 'nexural-bench',
  SCHEMA_REGISTRY_URL: undefined,
  REDIS_URL: undefined,
  NEXURAL_DATA_DIR: embeddedDataDir,
};
const ENGINE = {
  bars: { intervals: ['1m', '5m', '1h'], firstBar: 'keep' as const },
  indicators: ['sma(20)', 'ema(50)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'],
  liveBarThrottleMs: 1000,
};
/** The same bars and indicators, without forming-bar updates: what it costs to publish them. */
const FINAL_ONLY = { ...ENGINE, liveBarThrottleMs: -1 };

function benchTopics(run: string): TopicNames {
  const names = topicNames(`bench-${run}`);
  return {
    ...names,
    trades: `bench.${run}.trades.raw`,
    quotes: `bench.${run}.quotes.raw`,
    alertRules: `bench.${run}.rules`,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(
  env: PipelineEnv,
  run: string,
  config: Partial<ProcessorConfigInput> = {},
  fetch: FetchSetting = 'default',
) {
  const topics = benchTopics(run);
  const pipeline = await buildPipeline({
    env,
    topics,
    processor: { groupId: `bench.${run}`, engine: ENGINE, ...config },
    kafkaConsumer: {
      partitionsConsumedConcurrently: concurrency,
      ...(fetch === 'default' ? {} : fetch),
    },
    onError: (error) => {
      console.error(`processor failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  });
  await pipeline.createTopics(partitions);
  return { pipeline, topics, groupId: `bench.${run}` };
}

async function lagOf(pipeline: Pipeline, groupId: string, topic: string): Promise<number> {
  const [ranges, committed] = await Promise.all([
    pipeline.log.admin.partitionRanges(topic),
    pipeline.log.admin.committedOffsets(groupId, topic),
  ]);
  return ranges.reduce((sum, { partition, low, high }) => {
    const at = committed.find((entry) => entry.partition === partition)?.offset ?? low;
    return sum + Math.max(0, Number(high) - Number(at));
  }, 0);
}

/** Waits until the group committed the end of every partition of the (non-transactional) raw topic. */
async function drained(pipeline: Pipeline, groupId: string, topic: string, onLag: (lag: number) => void) {
  for (;;) {
    // kafkajs's offset lookup sometimes fails on a fresh topic (metadata not there yet): ask again
    const lag = await lagOf(pipeline, groupId, topic).catch(() => Number.NaN);
    if (!Number.isNaN(lag)) onLag(lag);
    if (lag === 0) return;
    await sleep(100);
  }
}

async function cleanup(pipeline: Pipeline, topics: TopicNames, groupId: string) {
  await pipeline.close();
  if (pipeline.log.kind !== 'kafka') return;
  const { createKafkaLog } = await import('../pipeline/runtime/log/kafka-log.js');
  const log = createKafkaLog({ brokers: kafkaEnv.KAFKA_BROKERS ?? [] });
  await log.admin.deleteGroups([groupId]).catch(() => {});
  await log.admin.deleteTopics([...new Set(Object.values(topics))]);
  await log.close();
}

/** The run's keys on the shared Redis: its owner's alert stream and the seen-keys of its probe rules' events. */
async function forgetRunAlerts(redisUrl: string | undefined, run: string, owner: string) {
  if (redisUrl === undefined) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  try {
    const keys = [alertChannels.ownerStream(owner)];
    const seenKeys = redis.scanStream({ match: alertChannels.seen(`probe-${run}-*`), count: 1000 });
    for await (const found of seenKeys) keys.push(...(found as string[]));
    for (let from = 0; from < keys.length; from += 500) await redis.unlink(...keys.slice(from, from + 500));
  } finally {
    redis.disconnect();
  }
}

/**
 * Producer and processor side by side: ticks/s from the first send to the processor's last commit. The
 * producer is kafka-raw's end-to-end one (kafkajs, idempotent, acks=all, RAW_RECORDS_PER_SEND a send: the
 * ceiling compares like with like), here (inline) or in the producer child (its ticks built there before the clock starts).
 */
async function throughput(
  mode: 'live' | 'backlog',
  engine: typeof ENGINE,
  producerMode: ProducerMode,
  client: Client,
  transactions: TransactionsSetting,
) {
  const run = randomUUID().slice(0, 8);
  const env = { ...kafkaEnv, NEXURAL_KAFKA_CLIENT: client };
  const { pipeline, topics, groupId } = await open(env, run, {
    engine,
    ...transactionsConfig(transactions),
  });
  const send = producerMode === 'inline' ? await inlineBulk(topics.trades) : await childBulk(topics.trades);
  let maxLag = 0;
  const onLag = (lag: number) => {
    maxLag = Math.max(maxLag, lag);
  };
  let producerCpuS: number | undefined;
  if (mode === 'backlog') producerCpuS = (await send.go())?.cpuS;
  const profiling = values.stalls ? await profileStalls() : undefined;
  const allocations = values.allocations ? await profileAllocations() : undefined;
  await pipeline.processor.start();
  const start = performance.now();
  if (mode === 'live') producerCpuS = (await send.go())?.cpuS;
  const producedIn = (performance.now() - start) / 1000;
  await drained(pipeline, groupId, topics.trades, onLag);
  const elapsed = (performance.now() - start) / 1000;
  const stalls = await profiling?.stop();
  if (stalls)
    console.log(
      `${engine === FINAL_ONLY ? 'final bars only' : 'forming bars'}, ${mode}, ${client}:\n${describeStalls(stalls, performance.timeOrigin + start)}`,
    );
  const allocated = await allocations?.stop();
  if (allocated) console.log(describeAllocations(allocated, pipeline.processor.stats.records));
  const stats = { ...pipeline.processor.stats };
  const ranIn = pipeline.processor.transactions;
  await send.close();
  await cleanup(pipeline, topics, groupId);
  return { elapsed, producedIn, maxLag, stats, producerCpuS, transactions: ranIn };
}

async function inlineBulk(topic: string) {
  const kafka = new Kafka({
    clientId: 'bench-kafka',
    brokers: kafkaEnv.KAFKA_BROKERS ?? [],
    logLevel: logLevel.NOTHING,
  });
  const producer = explicitPartitionProducer(kafka);
  await producer.connect();
  const messages: Message[] = Array.from({ length: total }, (_, i) => {
    const key = `binance-um:${SYMBOLS[i % SYMBOLS.length]}`;
    return { key, value: rawTrade(i), partition: partitionForKey(key, partitions) };
  });
  return {
    go: async (): Promise<ChildPacedResult | undefined> => {
      for (let from = 0; from < total; from += RAW_RECORDS_PER_SEND) {
        const batch = messages.slice(from, from + RAW_RECORDS_PER_SEND);
        await producer.send({ topic, messages: batch, acks: -1, compression: CompressionTypes.None });
      }
      return undefined;
    },
    close: () => producer.disconnect(),
  };
}

async function childBulk(topic: string) {
  const child = await forkProducer(
    {
      brokers: kafkaEnv.KAFKA_BROKERS ?? [],
      topic,
      rate: 0,
      seconds: 0,
      probes: [],
      client: 'kafkajs',
      partitions,
      bulk: total,
    },
    () => {},
  );
  return { go: (): Promise<ChildPacedResult | undefined> => child.go(), close: async () => {} };
}

/** kafka-raw's ceiling for the same count, size and partitions: records/s by phase. */
function rawCeiling(): Map<string, number> {
  const script = fileURLToPath(new URL('./kafka-raw.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, String(total), String(partitions)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    env: { ...process.env, KAFKA_BROKERS: kafkaEnv.KAFKA_BROKERS?.join(',') },
  });
  const rows = new Map<string, number>();
  for (const line of result.stdout.split('\n')) {
    const match = /^(raw [a-z ]+?) \(.*?\)\s+([\d.]+)\s+([\d,]+)\s/.exec(line);
    if (match?.[1] && match[3]) rows.set(match[1], Number(match[3].replaceAll(',', '')));
  }
  if (rows.size === 0) process.stderr.write(result.stdout + result.stderr);
  return rows;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * --rule-edits: another owner edits its rules (one of 20, its threshold) `ruleEdits` times a second, so every
 * partition commits rule sets while the probes run; the probes' own rules stay as they were.
 */
function editRules(producer: LogProducer, topic: string, run: string): { stop(): Promise<number> } {
  if (ruleEdits === 0) return { stop: async () => 0 };
  let edits = 0;
  const sends: Promise<unknown>[] = [];
  const timer = setInterval(() => {
    const rule: AlertRuleInput = {
      id: `edited-${run}-${edits % 20}`,
      owner: `editor-${run}`,
      symbol: SYMBOLS[edits % SYMBOLS.length] ?? 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 1_000_000 + edits },
      frequency: 'once',
    };
    edits++;
    sends.push(producer.send([{ topic, key: rule.id, value: Buffer.from(JSON.stringify(rule)) }]));
  }, 1000 / ruleEdits);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(sends);
      return edits;
    },
  };
}

/**
 * Paced ticks at `rate`/s for `seconds`, 100 probes a second among them, over 10 probe symbols whose price
 * climbs by 1 per probe: probe n of a symbol fires exactly its rule `greater_than n − 1` (once), so every
 * probe is one alert (`--burst N`: N alerts, from N rules with the same threshold) and the engine's state
 * stays small. Latency = alert delivered to a fan-out subscriber − probe handed to the producer (in this
 * process, or in the producer child: epochMs in both), for every alert.
 */
async function latency(
  env: PipelineEnv,
  rate: number,
  alertsToFanout: 'after-commit' | 'at-once',
  producerMode: ProducerMode,
  fetch: FetchSetting,
  transactions: TransactionsSetting,
) {
  const run = randomUUID().slice(0, 8);
  const owner = `bench-${run}`;
  const probes = Math.ceil(seconds * 100);
  const probeSymbols = Array.from({ length: 10 }, (_, k) => `PROBE${k}`);
  const { pipeline, topics, groupId } = await open(
    env,
    run,
    {
      alertsToFanout,
      ...(values['snapshot-every-ms'] ? { snapshotEveryMs: Number(values['snapshot-every-ms']) } : {}),
      ...(values['commit-interval-ms'] ? { commitIntervalMs: Number(values['commit-interval-ms']) } : {}),
      ...transactionsConfig(transactions),
    },
    fetch,
  );
  const producer = await pipeline.log.createProducer();
  const probeRules: AlertRuleInput[] = Array.from({ length: probes }, (_, n) => ({
    id: `probe-${run}-${n}`,
    owner,
    symbol: probeSymbols[n % 10] ?? 'PROBE0',
    interval: '1m',
    source: { kind: 'price' },
    condition: { operator: 'greater_than', value: Math.floor(n / 10) },
    frequency: 'once',
  }));
  /** the rules a probe tick fires: its own and, with --burst, copies of it */
  const probeOf = new Map<string, string>();
  const rules = probeRules.flatMap((rule) =>
    Array.from({ length: burst }, (_, k) => {
      const id = k === 0 ? rule.id : `${rule.id}-b${k}`;
      probeOf.set(id, rule.id);
      return { ...rule, id };
    }),
  );
  await producer.send(
    rules.map((rule) => ({
      topic: topics.alertRules,
      key: rule.id,
      value: Buffer.from(JSON.stringify(rule)),
    })),
  );
  const probeSpecs: Probe[] = probeRules.map((rule) => ({ ruleId: rule.id, symbol: String(rule.symbol) }));
  /** epochMs each probe was handed to the producer, and its alert's first arrival here */
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const onProbesSent = (ruleIds: readonly string[], at: number) => {
    for (const id of ruleIds) sentAt.set(id, at);
  };
  const checkpointsAt: number[] = [];
  const stages = watchFanoutStages(pipeline.fanout, owner);
  const subscription =
    values.subscriber === 'child' && env.REDIS_URL !== undefined
      ? await forkSubscriber(env.REDIS_URL, owner, (ruleId, at) => {
          if (!arrivedAt.has(ruleId)) arrivedAt.set(ruleId, at);
        })
      : await pipeline.fanout.subscribe({ kind: 'owner', owner }, ({ event }) => {
          if (event.kind === 'fired' && !arrivedAt.has(event.ruleId)) arrivedAt.set(event.ruleId, epochMs());
        });
  const child =
    producerMode !== 'inline'
      ? await forkProducer(
          {
            brokers: env.KAFKA_BROKERS ?? [],
            topic: topics.trades,
            rate,
            seconds,
            probes: probeSpecs,
            client: producerMode === 'child' ? 'adapter' : 'kafkajs',
            // the ingest side on the processor's client, as one NEXURAL_KAFKA_CLIENT would deploy both
            adapterClient: env.NEXURAL_KAFKA_CLIENT ?? DEFAULT_KAFKA_CLIENT,
            partitions,
          },
          onProbesSent,
        )
      : undefined;
  const profiling = values.stalls ? await profileStalls() : undefined;
  const allocations = values.allocations ? await profileAllocations() : undefined;
  const starting = performance.now();
  await pipeline.processor.start();
  // start() resolves once the consumer is subscribed; the group's join, each partition's restore and its rule
  // set's first commit follow. A tick sent meanwhile waits for them: that is the processor's start-up, printed
  // as its own column, not a tick's way to its alert (`--ticks-from start` sends at once, as before)
  if (ticksFrom === 'live') {
    const liveBy = performance.now() + 60_000;
    while (pipeline.processor.stats.partitions < partitions) {
      if (performance.now() > liveBy) {
        throw new Error(
          `the processor installed ${pipeline.processor.stats.partitions} of ${partitions} partitions in 60 s`,
        );
      }
      await sleep(5);
    }
  }
  const liveAfterMs = performance.now() - starting;
  const brokerPorts = (env.KAFKA_BROKERS ?? []).map((broker) => Number(broker.split(':').at(-1)));
  const requests = values.requests ? countKafkaRequests(brokerPorts) : undefined;
  const transactionsBefore = pipeline.processor.stats.transactions;
  let lagProbes = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let maxLag = 0;
  let checkpointsSeen = pipeline.processor.stats.checkpoints;
  const checkpointTimer = setInterval(() => {
    const now = pipeline.processor.stats.checkpoints;
    for (; checkpointsSeen < now; checkpointsSeen++) checkpointsAt.push(epochMs());
  }, 10);
  const lagTimer = setInterval(() => {
    lagProbes++;
    void lagOf(pipeline, groupId, topics.trades).then(
      (lag) => {
        maxLag = Math.max(maxLag, lag);
      },
      () => {},
    );
  }, 250);
  const editing = editRules(producer, topics.alertRules, run);
  const paced: PacedResult | ChildPacedResult = child
    ? await child.go()
    : await sendPaced({ producer, topic: topics.trades, rate, seconds, probes: probeSpecs, onProbesSent });
  const edits = await editing.stop();
  const { sent, startedAt: start } = paced;
  requests?.stop();
  const requestCounts = requests?.counts();
  const pacedTransactions = pipeline.processor.stats.transactions - transactionsBefore;
  if (requestCounts) {
    const perTxn = (count: number) => (count / Math.max(1, pacedTransactions)).toFixed(2);
    const listed = [...requestCounts].sort(([, a], [, b]) => b.count - a.count);
    const all = listed.reduce((sum, [, { count }]) => sum + count, 0);
    console.log(
      `kafkajs requests while paced (${pacedTransactions} transactions, ${lagProbes} lag probes; count (per transaction), KiB, ms in socket.write): ${all} (${perTxn(all)}); ${listed
        .map(
          ([name, { count, bytes, writeMs }]) =>
            `${name} ${count} (${perTxn(count)}), ${Math.round(bytes / 1024)} KiB, ${Math.round(writeMs)} ms`,
        )
        .join('; ')}`,
    );
  }
  const probe = paced.probesSent;
  const achieved = (sent * 1000) / (paced.endedAt - start);
  const expected = probe * burst;
  const arrived = () => [...arrivedAt.keys()].filter((id) => sentAt.has(probeOf.get(id) ?? '')).length;
  const deadline = performance.now() + 30_000;
  while (arrived() < expected && performance.now() < deadline) await sleep(20);
  const latencies: number[] = [];
  /** probes sent after the first WARM_UP_MS (going live, first transactions, JIT) */
  const warmLatencies: number[] = [];
  /** --timeline: when each probe was sent (ms after start) and its latency */
  const timeline: { at: number; ms: number }[] = [];
  for (const [id, arrival] of arrivedAt) {
    const sent = sentAt.get(probeOf.get(id) ?? '');
    if (sent === undefined) continue;
    latencies.push(arrival - sent);
    if (sent - start >= WARM_UP_MS) warmLatencies.push(arrival - sent);
    timeline.push({ at: sent - start, ms: arrival - sent });
  }
  clearInterval(lagTimer);
  clearInterval(checkpointTimer);
  loopDelay.disable();
  const stalls: StallReport | undefined = await profiling?.stop();
  if (stalls) console.log(describeStalls(stalls, start));
  const allocated = await allocations?.stop();
  if (allocated) console.log(describeAllocations(allocated, pipeline.processor.stats.records));
  console.log(describeStages(stages, { sentAt, arrivedAt, probeOf, warmFrom: start + WARM_UP_MS }));
  if (values.timeline) {
    // the wall clock of second 0, to line the timeline up with other logs (the broker's GC log, say)
    console.log(`timeline second 0 = ${new Date(start).toISOString()}`);
    const slowest = [...timeline].sort((a, b) => b.ms - a.ms).slice(0, 30);
    const at = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `slowest probes (sent at s: ms): ${slowest.map((p) => `${at(p.at)}: ${p.ms.toFixed(0)}`).join(', ')}`,
    );
    const bySecond = new Map<number, number[]>();
    for (const p of timeline) {
      const second = Math.floor(p.at / 1000);
      bySecond.set(second, [...(bySecond.get(second) ?? []), p.ms]);
    }
    const perSecond = [...bySecond]
      .sort(([a], [b]) => a - b)
      .map(([second, ms]) => {
        const sorted = ms.sort((a, b) => a - b);
        return `${second}: ${quantile(sorted, 0.5).toFixed(0)}/${(sorted.at(-1) ?? 0).toFixed(0)}`;
      });
    console.log(`per second sent (s: p50/max ms): ${perSecond.join(', ')}`);
    console.log(`checkpoints committed at s: ${checkpointsAt.map((t) => at(t - start)).join(', ')}`);
  }
  const stats = { ...pipeline.processor.stats };
  const ranIn = pipeline.processor.transactions;
  await ('stop' in subscription ? subscription.stop() : subscription.close());
  await cleanup(pipeline, topics, groupId);
  await forgetRunAlerts(env.REDIS_URL, run, owner);
  const sorted = [...latencies].sort((a, b) => a - b);
  const warm = [...warmLatencies].sort((a, b) => a - b);
  return {
    transactions: ranIn,
    warmP99: quantile(warm, 0.99),
    liveAfterMs,
    achieved,
    producerCpuS: child ? (paced as ChildPacedResult).cpuS : undefined,
    clockCheckMs: child?.clockCheckMs,
    alerts: `${latencies.length}/${expected}`,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    maxLag,
    edits,
    stats,
    stalls,
    loopP99: loopDelay.percentile(99) / 1e6,
    loopMax: loopDelay.max / 1e6,
  };
}

/** This process's share of a row: the processor, and the producer (inline) and the log (embedded) if here. */
const processColumns = (figures: { cpuS: number; gcMs: number; peakRssMiB: number }) => ({
  'CPU s': figures.cpuS.toFixed(1),
  'GC ms': Math.round(figures.gcMs),
  'peak RSS MiB': Math.round(figures.peakRssMiB),
});

console.log(
  `bench:kafka — ${total.toLocaleString('en')} ticks × ${RECORD_BYTES} B, ${partitions} partitions, ${concurrency} partition(s) handled at once, ${kafkaEnv.KAFKA_BROKERS?.join(',')}`,
);
console.log(
  `engine: ${ENGINE.bars.intervals.join(' ')} bars, ${ENGINE.indicators.join(' ')} on each, 8 symbols`,
);
console.log(
  `node ${process.version} ${process.execArgv.join(' ')} NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ''}`,
);
if (values.only !== 'latency') {
  const runs = [
    { label: 'forming bars ≤ 1/s', engine: ENGINE },
    { label: 'final bars only', engine: FINAL_ONLY },
  ]
    .flatMap(({ label, engine }) => [
      { label, mode: 'live' as const, engine },
      { label, mode: 'backlog' as const, engine },
    ])
    .filter(({ engine, mode }) =>
      values.rows.split(',').includes(`${engine === FINAL_ONLY ? 'final' : 'forming'}-${mode}`),
    );
  const results = [];
  // child and child-kafkajs alike: the throughput rows' producer is kafkajs either way
  const throughputProducers = [
    ...new Set(producerModes.map((mode) => (mode === 'inline' ? 'inline' : 'child'))),
  ] as ProducerMode[];
  for (const run of runs) {
    for (const producerMode of throughputProducers) {
      for (const [client, transactions] of clients.flatMap((client) =>
        transactionSettings.map((t) => [client, t] as const),
      )) {
        const { result, ...usage } = await measureProcess(() =>
          throughput(run.mode, run.engine, producerMode, client, transactions),
        );
        results.push({ ...run, producerMode, client, transactions, result, usage });
      }
    }
  }
  const raw = values['skip-raw'] ? new Map<string, number>() : rawCeiling();
  const rate = (elapsed: number) => Math.round(total / elapsed);
  printTable(
    'throughput through Kafka (Schema Registry serdes, Redis fan-out)',
    results.map(({ label, mode, producerMode, client, result, usage }) => {
      // live: producer and processor side by side, against raw produce → consume; backlog: against raw consume
      const ceiling = raw.get(mode === 'live' ? 'raw end to end' : 'raw consume');
      const { stats } = result;
      return {
        engine: label,
        client,
        // the mode the row ran in (`auto` resolved)
        transactions: result.transactions,
        run: mode === 'live' ? 'producer → processor' : 'processor on a backlog',
        producer: producerMode,
        'ticks/s': rate(result.elapsed),
        'raw kafkajs/s': ceiling ?? '-',
        ratio: ceiling ? (rate(result.elapsed) / ceiling).toFixed(2) : '-',
        'max lag': result.maxLag,
        'records out/tick': ((stats.bars + stats.finalBars + stats.indicators) / total).toFixed(2),
        txns: stats.transactions,
        'engine s': (stats.processMs / 1000).toFixed(1),
        'encode s': (stats.encodeMs / 1000).toFixed(1),
        ...processColumns(usage),
        'producer CPU s': result.producerCpuS?.toFixed(1) ?? '(in CPU s)',
      };
    }),
  );
  const live = results[0]?.result;
  console.log(
    `(raw kafkajs: the "end to end" and "consume" rows of bench/kafka-raw.ts for the same records; the producer alone took ${live?.producedIn.toFixed(1)} s of the first live run)`,
  );
}

if (values.only !== 'throughput') {
  const latencyRows: Record<string, string | number>[] = [];
  const modes = values.modes.split(',');
  for (const [name, env, mode] of [
    ['Kafka + Redis', kafkaEnv, 'after-commit'],
    ['Kafka + Redis', kafkaEnv, 'at-once'],
    ['embedded log + in-process', embeddedEnv, 'after-commit'],
  ] as const) {
    if (!modes.includes(env === embeddedEnv ? 'embedded' : mode)) continue;
    // the embedded log lives in this process: its producer cannot leave it
    const producers = env === embeddedEnv ? (['inline'] as const) : producerModes;
    const rowClients = env === embeddedEnv ? (['-'] as const) : clients;
    const rowFetches: FetchSetting[] = env === embeddedEnv ? ['default'] : fetchSettings;
    const rowTransactions: TransactionsSetting[] = env === embeddedEnv ? ['default'] : transactionSettings;
    for (const target of rates) {
      for (const producerMode of producers) {
        for (const [client, fetch, transactions] of rowClients.flatMap((client) =>
          rowFetches.flatMap((f) => rowTransactions.map((t) => [client, f, t] as const)),
        )) {
          const rowEnv = client === '-' ? env : { ...env, NEXURAL_KAFKA_CLIENT: client };
          const { result, ...usage } = await measureProcess(() =>
            latency(rowEnv, target, mode, producerMode, fetch, transactions),
          );
          if (result.clockCheckMs !== undefined) {
            console.log(
              `(${mode} ${target}: the producer child's ready message arrived ${result.clockCheckMs.toFixed(2)} ms after it was sent, by the two processes' epochMs)`,
            );
          }
          latencyRows.push({
            adapters: name,
            client,
            ...(fetchSettings.length > 1 || fetchSettings[0] !== 'default'
              ? { 'minBytes/maxWait': env === embeddedEnv ? '-' : fetchLabel(fetch) }
              : {}),
            transactions: result.transactions,
            'alerts to fan-out': mode,
            'target ticks/s': target,
            producer: producerMode,
            'ticks from': `${ticksFrom} ${Math.round(result.liveAfterMs)} ms`,
            'achieved ticks/s': Math.round(result.achieved),
            'producer CPU s': result.producerCpuS?.toFixed(1) ?? '(in CPU s)',
            alerts: result.alerts,
            'p50 ms': result.p50.toFixed(2),
            'p99 ms': result.p99.toFixed(2),
            'p99.9 ms': result.p999.toFixed(2),
            [`p99 after ${WARM_UP_MS / 1000} s`]: result.warmP99.toFixed(2),
            'max lag': result.maxLag,
            'records/txn': Math.round(result.stats.records / Math.max(1, result.stats.transactions)),
            'ms/txn': (result.stats.commitMs / Math.max(1, result.stats.transactions)).toFixed(1),
            ...(ruleEdits > 0 ? { 'rule edits': result.edits } : {}),
            'rule txns': result.stats.ruleCommits,
            'loop delay p99/max ms': `${result.loopP99.toFixed(0)}/${result.loopMax.toFixed(0)}`,
            ...(result.stalls
              ? {
                  'stalls > 10 ms': result.stalls.stalls.length,
                  'stall ms': Math.round(result.stalls.stalls.reduce((sum, stall) => sum + stall.ms, 0)),
                }
              : {}),
            checkpoints: result.stats.checkpoints,
            'rule sets': result.stats.ruleSets ?? '-',
            'KiB/ckpt': (result.stats.checkpointBytes / 1024 / Math.max(1, result.stats.checkpoints)).toFixed(
              0,
            ),
            'ms/ckpt (loop)': (result.stats.checkpointMs / Math.max(1, result.stats.checkpoints)).toFixed(1),
            'ms/ckpt txn': (result.stats.checkpointCommitMs / Math.max(1, result.stats.checkpoints)).toFixed(
              1,
            ),
            ...processColumns(usage),
          });
        }
      }
    }
  }
  printTable(
    `tick → alert latency (${seconds} s per rate, 100 probe ticks/s × ${burst} alert(s) each)`,
    latencyRows,
  );
}
process.exit(0);
