import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { AlertRuleInput } from '../../../../schemas/alert-rule.js';
import type { OutgoingRecord, StreamLog } from '../../../../schemas/ports/stream-log.js';
import { seededRandom } from '../../../../schemas/seeded-random.js';
import type { EngineConfigInput } from '../../../engine/engine-config.js';
import { createKafkaLog } from '../../log/kafka-log.js';
import { spawnRoleChild } from '../../testing/role-child.js';
import {
  caughtUp,
  derivedOf,
  type RawTrade,
  rawRecord,
  readAll,
  readRawTrades,
  recordImage,
  SPOT_TRADES_FILES,
  shifted,
  type TestTopics,
  testTopics,
  topicSpecs,
  UM_TRADES_FILE,
} from './processor-test-kit.js';

/** What each crash-test processor computes: forming bars (throttled), indicators and rules, on 3 intervals. */
export const crashEngine: EngineConfigInput = {
  bars: { intervals: ['1s', '1m', '5m'] },
  indicators: ['rsi(14)', 'sma(20)', 'macd(12,26,9)'],
  liveBarThrottleMs: 250,
};

export const crashRules: AlertRuleInput[] = [
  {
    id: 'crash-rsi-1s',
    owner: 'crash',
    symbol: '*',
    interval: '1s',
    source: { kind: 'indicator', spec: 'rsi(14)' },
    condition: { operator: 'crossing_up', value: 70 },
    frequency: 'once_per_bar_close',
    cooldownMs: 60_000,
  },
  {
    id: 'crash-drop-1m',
    owner: 'crash',
    symbol: '*',
    interval: '1m',
    source: { kind: 'price' },
    condition: { operator: 'moving_down_percent', percent: 0.1, bars: 2 },
    frequency: 'once_per_bar',
  },
];

export interface CrashChildConfig {
  readonly brokers: readonly string[];
  readonly topics: TestTopics;
  readonly groupId: string;
  readonly snapshotEveryRecords: number;
  /** the processor's alertsToFanout (default after-commit): at-once adds rule commits and a commit interval */
  readonly alertsToFanout?: 'after-commit' | 'at-once';
  /** serve GET /health and /ready on 127.0.0.1:<port> (the fault suite polls it over HTTP) */
  readonly healthPort?: number;
  /** the consumer session (default 6 s, the broker's minimum) */
  readonly sessionTimeoutMs?: number;
  /** the child's Kafka client (NEXURAL_KAFKA_CLIENT; default platformatic); the harness reads through kafkajs */
  readonly client?: 'kafkajs' | 'librdkafka' | 'platformatic';
  /** the processor's transactions (default auto: shared on the platformatic client, per-partition on the others) */
  readonly transactions?: 'auto' | 'per-partition' | 'shared';
  /** shared transactions: the processor's instance id (its transactional id's suffix) */
  readonly instanceId?: string;
}

export interface CrashOptions {
  readonly brokers: readonly string[];
  /** copies of the three real trade series, each shifted 12 minutes later (55,732 trades per round) */
  readonly rounds: number;
  readonly kills: number;
  readonly partitions: number;
  readonly seed: number;
  readonly snapshotEveryRecords: number;
  readonly alertsToFanout?: 'after-commit' | 'at-once';
  /** the processor children's Kafka client (both runs) */
  readonly client?: 'kafkajs' | 'librdkafka' | 'platformatic';
  /** the processor children's transactions (both runs) */
  readonly transactions?: 'auto' | 'per-partition' | 'shared';
  readonly say: (line: string) => void;
}

export interface KillPoint {
  readonly phase: 'mid-stream' | 'while restarting';
  /** input records the group had committed when the child was killed */
  readonly committed: number;
  /** ms from spawning the child to killing it */
  readonly afterMs: number;
  /** the child still had input to process when it was killed */
  readonly midRun: boolean;
}

export interface CrashReport {
  readonly seed: number;
  readonly ticks: number;
  readonly badRecords: number;
  readonly kills: readonly KillPoint[];
  /** derived records per topic role in the clean run */
  readonly records: Readonly<Record<string, number>>;
  /** per topic role: same records, same order, per partition */
  readonly equal: Readonly<Record<string, boolean>>;
  /** records that appear more than once in a partition of the crashed run */
  readonly duplicates: number;
  readonly cleanSeconds: number;
  readonly crashedSeconds: number;
}

const ROLES = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;
const childPath = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** The real trades of three symbols per round (merged by time), with a bad record every 997th. */
export function crashInput(topic: string, rounds: number): { records: OutgoingRecord[]; ticks: number } {
  const series = [
    readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT'),
    ...SPOT_TRADES_FILES.map(({ symbol, file }) => readRawTrades(file, 'binance', symbol)),
  ];
  const baseDays = Math.floor((Date.now() - Date.UTC(2024, 7, 8)) / 86_400_000) - 2;
  const records: OutgoingRecord[] = [];
  let ticks = 0;
  let previous: OutgoingRecord | null = null;
  for (let round = 0; round < rounds; round++) {
    const trades: RawTrade[] = series
      .flatMap((trades) => shifted(trades, baseDays, BigInt(round) * 10_000_000_000n))
      .map((trade) => ({ ...trade, time: trade.time + round * 12 * 60_000 }))
      .sort((a, b) => a.time - b.time);
    for (const trade of trades) {
      const record = rawRecord(topic, trade);
      records.push(record);
      ticks++;
      if (records.length % 997 === 0) {
        const kind = records.length % 3;
        const key = record.key;
        if (kind === 0) records.push({ topic, key, value: Buffer.from('{"venue":"binance",') });
        else if (kind === 1)
          records.push({ ...record, value: Buffer.from(JSON.stringify({ ...trade, price: '-1' })) });
        else if (previous) records.push(previous);
      }
      previous = record;
    }
  }
  return { records, ticks };
}

export const spawnCrashChild = (config: CrashChildConfig, say: (line: string) => void) =>
  spawnRoleChild(childPath, config, say);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function committedTotal(log: StreamLog, groupId: string, topic: string): Promise<number> {
  const committed = await log.admin.committedOffsets(groupId, topic).catch(() => []);
  return committed.reduce((sum, entry) => sum + Number(entry.offset ?? 0), 0);
}

/** Runs a child to the end of the input, then stops it with SIGTERM. */
export async function runToEnd(
  log: StreamLog,
  config: CrashChildConfig,
  topic: string,
  say: (l: string) => void,
) {
  const child = spawnCrashChild(config, say);
  await child.ready;
  await caughtUp(log, config.groupId, topic, 600_000);
  const code = await child.stop();
  if (code !== 0) throw new Error(`the last processor exited with ${code}`);
}

/**
 * Creates the input and derived topics of a crash/fault run (`clean`: the undisturbed run's derived topics),
 * then writes the crash rules and `rounds` of the real trades (crashInput) to the raw topic.
 */
export async function seedCrashTopics(
  log: StreamLog,
  topics: TestTopics,
  clean: TestTopics,
  partitions: number,
  rounds: number,
): Promise<{ records: OutgoingRecord[]; ticks: number }> {
  const specs = [...topicSpecs(topics, partitions), ...topicSpecs(clean, partitions)];
  await log.admin.createTopics([...new Map(specs.map((spec) => [spec.name, spec])).values()]);
  const producer = await log.createProducer();
  await producer.send(
    crashRules.map((rule) => ({
      topic: topics.alertRules,
      key: rule.id,
      value: Buffer.from(JSON.stringify(rule)),
    })),
  );
  const input = crashInput(topics.trades, rounds);
  for (let from = 0; from < input.records.length; from += 10_000) {
    await producer.send(input.records.slice(from, from + 10_000));
  }
  await producer.close();
  return input;
}

/** The derived topics of a disturbed run against the undisturbed run's: per role, per partition, in order. */
export async function compareDerived(
  log: StreamLog,
  clean: TestTopics,
  topics: TestTopics,
  say: (line: string) => void,
  /** how long a read waits for nothing new (readAll): the embedded log needs far less than a broker */
  quietMs = 1500,
): Promise<{ records: Record<string, number>; equal: Record<string, boolean>; duplicates: number }> {
  const records: Record<string, number> = {};
  const equal: Record<string, boolean> = {};
  let duplicates = 0;
  for (const role of ROLES) {
    const expected = (await readAll(log, clean[role], quietMs)).map((partition) =>
      partition.map(recordImage),
    );
    const actual = (await readAll(log, topics[role], quietMs)).map((partition) => partition.map(recordImage));
    records[role] = expected.flat().length;
    equal[role] = isDeepStrictEqual(actual, expected);
    for (const partition of actual) duplicates += partition.length - new Set(partition).size;
    say(`${role}: ${records[role]} records, ${equal[role] ? 'equal' : 'DIFFERENT'}`);
  }
  return { records, equal, duplicates };
}

/**
 * The crash test: a clean run of the processor over the input, then a run whose processor process is
 * killed with SIGKILL `kills` times at random points (mid-stream by committed progress, or while a
 * restarted child joins, restores and catches up silently) and restarted each time. Compares the derived
 * topics.
 */
export async function runCrashTest(options: CrashOptions): Promise<CrashReport> {
  const { say } = options;
  const rng = seededRandom(options.seed);
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-crash-harness' });
  const topics = testTopics(`crash${options.seed}`);
  const clean = derivedOf(topics, 'clean');
  const groups = { clean: `${topics.trades}.clean`, crashed: `${topics.trades}.crashed` };
  const base = {
    brokers: options.brokers,
    snapshotEveryRecords: options.snapshotEveryRecords,
    alertsToFanout: options.alertsToFanout,
    client: options.client,
    transactions: options.transactions,
  };
  try {
    const input = await seedCrashTopics(log, topics, clean, options.partitions, options.rounds);
    const total = input.records.length;
    say(
      `input: ${input.ticks} ticks + ${total - input.ticks} bad records in ${options.partitions} partitions`,
    );

    let started = Date.now();
    await runToEnd(
      log,
      { ...base, topics: clean, groupId: groups.clean, instanceId: 'clean' },
      topics.trades,
      say,
    );
    const cleanSeconds = (Date.now() - started) / 1000;
    say(`clean run: ${cleanSeconds.toFixed(1)} s`);

    started = Date.now();
    // stratified: one random point in each of `kills` equal slices of the stream
    const targets = Array.from(
      { length: options.kills },
      (_, i) => 0.05 + ((i + rng()) * 0.85) / options.kills,
    );
    const kills: KillPoint[] = [];
    // one child at a time: each restart takes its predecessor's transactional id over, as a redeployed
    // instance would
    const crashed = { ...base, topics, groupId: groups.crashed, instanceId: 'crashed' };
    for (const [index, fraction] of targets.entries()) {
      const child = spawnCrashChild(crashed, say);
      const spawnedAt = Date.now();
      const phase = index % 3 === 2 ? 'while restarting' : 'mid-stream';
      if (phase === 'while restarting') {
        // joining waits out the killed member's session (6 s), then restores and catches up silently
        await sleep(500 + rng() * 6_500);
      } else {
        await child.ready;
        // a target already passed (a slow restart) moves past where this child started
        const from = await committedTotal(log, groups.crashed, topics.trades);
        const target = Math.max(fraction * total, from + rng() * 0.3 * (total - from));
        while ((await committedTotal(log, groups.crashed, topics.trades)) < target) await sleep(20);
        await sleep(rng() * 150);
      }
      await child.kill();
      const committed = await committedTotal(log, groups.crashed, topics.trades);
      kills.push({ phase, committed, afterMs: Date.now() - spawnedAt, midRun: committed < total });
      say(
        `kill ${index + 1}/${options.kills} (${phase}) after ${Date.now() - spawnedAt} ms: ${committed} committed`,
      );
    }
    await runToEnd(log, crashed, topics.trades, say);
    const crashedSeconds = (Date.now() - started) / 1000;
    say(`crashed run: ${crashedSeconds.toFixed(1)} s`);

    const { records, equal, duplicates } = await compareDerived(log, clean, topics, say);
    return {
      seed: options.seed,
      ticks: input.ticks,
      badRecords: total - input.ticks,
      kills,
      records,
      equal,
      duplicates,
      cleanSeconds,
      crashedSeconds,
    };
  } finally {
    await log.admin.deleteGroups(Object.values(groups)).catch(() => {});
    await log.admin
      .deleteTopics([...new Set([...Object.values(topics), ...Object.values(clean)])])
      .catch(() => {});
    await log.close();
  }
}
