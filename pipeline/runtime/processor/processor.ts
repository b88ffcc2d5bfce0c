import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import { NexuralError } from '../../../schemas/errors.js';
import type { AlertFanout } from '../../../schemas/ports/alert-fanout.js';
import { noRoleHealth, type RoleHealthReporter } from '../../../schemas/ports/role-health.js';
import type {
  GroupGeneration,
  LogConsumer,
  LogProducer,
  LogRecord,
  StreamLog,
  TopicPartition,
} from '../../../schemas/ports/stream-log.js';
import { deadLetterRecords } from '../dlq/dead-letter-router.js';
import { AlertRulesTable } from './alert-rules-table.js';
import { checkTopics } from './check-topics.js';
import type { DerivedSerdes } from './encode-outputs.js';
import { type EngineCheckpoints, marketEngineCheckpoints } from './engine-checkpoints.js';
import { OwnedPartition, type PartitionContext } from './owned-partition.js';
import { PartitionCommitter } from './partition-committer.js';
import { PartitionRebuilds } from './partition-rebuilds.js';
import { type ProcessorConfigInput, parseProcessorConfig } from './processor-config.js';
import { newProcessorStats, type ProcessorStats } from './processor-stats.js';
import { type RestoredPartition, restorePartition } from './restore-partition.js';
import { SharedTransactions } from './shared-transactions.js';
import { openTableReader, type TableReader } from './table-reader.js';

/**
 * With alerts fanned out at once nothing waits for a commit: committing each partition at most 4 times a
 * second instead of back to back cut bench:kafka's at-once p50 at 10k ticks/s from 0.6–2.6 s to ~5 ms
 * (6 partitions; the transactions had been taking the CPU from the ticks).
 */
const AT_ONCE_COMMIT_INTERVAL_MS = 250;

/**
 * A shared-transactions processor's heartbeat: kafkajs learns its generation at the first heartbeat after a
 * join (≥ the interval after its group starts), and its partitions go live only then. At the default 1 s
 * they went live 1.4 s after start instead of 0.2 s; four heartbeats a second cost next to nothing.
 */
const SHARED_HEARTBEAT_MS = 250;

/**
 * The broker's limit on a shared round's transaction (Kafka Streams' exactly-once v2 default): a processor
 * killed mid-round holds its partitions' outputs back from read-committed readers until the broker aborts
 * the round, this long after it began plus up to the broker's abort check interval (10 s by default) — unless
 * a restart with the same instance id takes the transactional id over first. A live processor whose round
 * ran past it rebuilds that round's partitions (the adapter tells a timeout from a takeover). Per-partition
 * producers keep the log's default: a new owner takes their ids over at once.
 */
export const SHARED_TRANSACTION_TIMEOUT_MS = 10_000;

/** The transactions a processor runs: its config's `auto` resolved against the stream log. */
export type TransactionMode = 'per-partition' | 'shared';

/** `auto`: shared where the log fences offsets by group generation (KIP-447), per-partition where it cannot. */
export function transactionMode(setting: 'auto' | TransactionMode, log: StreamLog): TransactionMode {
  if (setting !== 'auto') return setting;
  return log.fencesByGeneration ? 'shared' : 'per-partition';
}

/** The topics a processor reads; the derived topics it writes are named by their serdes. */
export interface ProcessorTopics {
  /** raw trades, plain JSON, keyed venue:symbol */
  readonly trades: string;
  /** compacted, key = rule id, tombstone = deleted */
  readonly alertRules: string;
  /** compacted, checkpoints and progress per input partition */
  readonly processorState: string;
}

export interface ProcessorDeps {
  readonly log: StreamLog;
  readonly topics: ProcessorTopics;
  readonly serdes: DerivedSerdes;
  /** where alerts go live after their transaction committed; null = Kafka only */
  readonly fanout: AlertFanout | null;
  readonly config: ProcessorConfigInput;
  /** how engines are saved and rebuilt; default: MarketEngine snapshots */
  readonly checkpoints?: EngineCheckpoints;
  /** wall clock: checkpoint timing, when rule changes take effect (ruleChangeIntervalMs) and the optional idle finalisation */
  readonly now?: () => number;
  /** where the processor reports its health (role `processor`): waiting while a partition is rebuilt */
  readonly health?: RoleHealthReporter;
  /** backoff of partition rebuilds after a failed commit (default first 250 ms, at most 10 s) */
  readonly rebuildDelayMs?: { readonly first: number; readonly max: number };
  /**
   * the processor stopped on an error it cannot ride out (its consumer left the group); call close().
   * An unreachable broker is not one: failed commits rebuild their partition and carry on.
   */
  readonly onError?: (error: Error) => void;
  readonly onWarning?: (message: string) => void;
}

export interface Processor {
  readonly stats: Readonly<ProcessorStats>;
  /** the transactions it runs (config `auto` resolved) */
  readonly transactions: TransactionMode;
  /** Reads the alert rules, joins the group and processes until close(). */
  start(): Promise<void>;
  /** Stops intake, lets the in-flight batch commit, publishes what it committed, leaves the group. */
  close(): Promise<void>;
}

/**
 * The stream processor: raw trades → MarketEngine per input partition → bars, indicators, alerts and dead
 * letters, consume-transform-produce in Kafka transactions (or the embedded log's), with the partition's
 * state checkpointed in the same transactions so a new owner resumes without replaying history.
 * See README.md beside this file for why its outputs equal an uninterrupted run's.
 */
export function createProcessor(deps: ProcessorDeps): Processor {
  const config = parseProcessorConfig(deps.config);
  const { log, topics, serdes, fanout } = deps;
  const checkpoints = deps.checkpoints ?? marketEngineCheckpoints;
  const now = deps.now ?? Date.now;
  const stats = newProcessorStats();
  const owned = new Map<number, OwnedPartition>();
  const rules = new AlertRulesTable(config.engine);
  const prefix = config.transactionalIdPrefix ?? config.groupId;
  const mode = transactionMode(config.transactions, log);
  /** shared transactions: the rounds, and the generation each owned partition was assigned in */
  let shared: SharedTransactions | null = null;
  const generations = new Map<number, Promise<GroupGeneration>>();
  let tables: TableReader | null = null;
  let consumer: LogConsumer | null = null;
  let sideProducer: LogProducer | null = null;
  let chain: Promise<void> = Promise.resolve();
  let idleTimer: NodeJS.Timeout | null = null;
  let state: 'new' | 'running' | 'closing' | 'closed' | 'failed' = 'new';
  const warn = (message: string) => deps.onWarning?.(message);
  const health = deps.health ?? noRoleHealth;
  const reportRunning = (rebuilding: ReadonlyMap<number, string>) => {
    if (state !== 'running') return;
    if (rebuilding.size === 0) return health.report('processor', { status: 'up' });
    health.report('processor', {
      status: 'waiting',
      reason: [...rebuilding.values()].join('; '),
      since: Date.now(),
    });
  };

  /** Fan-out and rule dead letters, in order, off the batch path. */
  const later = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => warn(`background work failed: ${String(error)}`));
  };

  /**
   * A batch's alerts are handed to the fan-out all at once: Redis runs one connection's commands in the
   * order sent, so the order holds while the round trips overlap (a burst of 1,000 alerts reached a
   * subscriber in ~50 ms instead of 200–600 ms one round trip after another). Batches stay in order.
   */
  const publish = (alerts: readonly AlertEvent[]) => {
    if (fanout === null) return;
    later(async () => {
      const outcomes = await Promise.allSettled(alerts.map((event) => fanout.publish(event)));
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') {
          if (outcome.value !== null) stats.published++;
          return;
        }
        // the alert is committed in Kafka either way; the fan-out is the fast path, not the record
        stats.fanoutFailures++;
        warn(`alert ${alerts[index]?.id} not published to the fan-out: ${String(outcome.reason)}`);
      });
    });
  };

  const fail = (error: Error) => {
    if (state === 'closing' || state === 'closed' || state === 'failed') return;
    state = 'failed';
    rebuilds.stop();
    health.report('processor', { status: 'down', reason: error.message, since: Date.now() });
    deps.onError?.(error);
  };

  const context: PartitionContext = {
    groupId: config.groupId,
    stateTopic: topics.processorState,
    serdes,
    config,
    stats,
    now,
    rules: () => rules.current,
    publish,
    commitFailed: (source, error) => commitFailed(source, error),
    publishAfterCommit: config.alertsToFanout === 'after-commit',
    commitIntervalMs:
      config.commitIntervalMs ?? (config.alertsToFanout === 'after-commit' ? 0 : AT_ONCE_COMMIT_INTERVAL_MS),
  };

  const onTableRecord = (record: LogRecord) => {
    if (record.topic !== topics.alertRules) return;
    const { change, deadLetter } = rules.apply(record);
    if (change !== null) for (const partition of owned.values()) partition.ruleChanged(change);
    if (deadLetter !== null) {
      stats.deadLetters++;
      later(async () => {
        await sideProducer?.send(await deadLetterRecords([deadLetter], serdes.deadLetters));
      });
    }
  };

  const drop = async (partition: number) => {
    const part = owned.get(partition);
    if (part === undefined) return;
    owned.delete(partition);
    stats.partitions = owned.size;
    await part.close();
  };

  /** Sets up an assigned partition as of the group's committed offset and seeks the consumer there. */
  const open = async (source: TopicPartition, assigned: LogConsumer): Promise<OwnedPartition> => {
    if (tables === null) throw new Error('processor: assignment before start()');
    const rounds = shared;
    if (rounds === null) return openOwnTransactions(source, assigned, tables);
    const generation = generations.get(source.partition);
    if (generation === undefined) throw new Error(`processor: partition ${source.partition} not assigned`);
    const [restored, assignedIn] = await Promise.all([restore(source, tables, true), generation]);
    seekTo(assigned, source, restored);
    return new OwnedPartition(
      context,
      restored.task,
      (checkpointOffset) => rounds.join(source, checkpointOffset, assignedIn),
      restored.resume,
    );
  };

  const openOwnTransactions = async (source: TopicPartition, assigned: LogConsumer, reader: TableReader) => {
    const transactionalId = `${prefix}.${source.topic}.${source.partition}`;
    // creating the producer fences the previous owner and aborts its open transaction (or lets the broker
    // finish one whose commit was under way): only then are the group's committed offsets and the state
    // topic final for this partition
    const producer = await log.createTransactionalProducer(transactionalId, { onWarning: warn });
    try {
      const restored = await restore(source, reader, false);
      seekTo(assigned, source, restored);
      return new OwnedPartition(
        context,
        restored.task,
        (checkpointOffset) => new PartitionCommitter(context, source, producer, checkpointOffset),
        restored.resume,
      );
    } catch (error) {
      await producer.close().catch(() => {});
      throw error;
    }
  };

  /** per partition, what its latest restore was based on (named when a rebuild after a failed commit is done) */
  const restoredFrom = new Map<number, string>();
  const restore = async (source: TopicPartition, reader: TableReader, stableOffsets: boolean) => {
    const restored = await restoreFrom(source, reader, stableOffsets);
    restoredFrom.set(source.partition, restored.basis);
    return restored;
  };
  const restoreFrom = (source: TopicPartition, reader: TableReader, stableOffsets: boolean) =>
    restorePartition({
      log,
      tables: reader,
      source,
      groupId: config.groupId,
      stableOffsets,
      stateTopic: topics.processorState,
      stateWaitMs: config.stateWaitMs,
      rules: rules.current,
      task: {
        source,
        engine: config.engine,
        checkpoints,
        duplicatesPerSymbol: config.duplicatesPerSymbol,
        maxFutureSkewMs: config.maxFutureSkewMs ?? undefined,
      },
      warn,
    });

  const seekTo = (assigned: LogConsumer, source: TopicPartition, restored: RestoredPartition) => {
    if (restored.seekTo === null) return;
    assigned.seek({ topic: source.topic, partition: source.partition, offset: restored.seekTo });
  };

  const install = (source: TopicPartition, part: OwnedPartition) => {
    const previous = owned.get(source.partition);
    owned.set(source.partition, part);
    stats.partitions = owned.size;
    if (previous !== undefined) void previous.close().catch(() => {});
  };

  let active: LogConsumer | null = null;
  const afterFailedCommit = new Set<number>();
  const samePartition = (a: TopicPartition) => (b: TopicPartition) =>
    a.topic === b.topic && a.partition === b.partition;
  const rebuilds = new PartitionRebuilds({
    firstDelayMs: deps.rebuildDelayMs?.first ?? 250,
    maxDelayMs: deps.rebuildDelayMs?.max ?? 10_000,
    warn,
    onChange: reportRunning,
    attempt: async (source, isCurrent) => {
      const consumerNow = active;
      // revoked meanwhile: the next owner (maybe this processor again) sets it up from the commit
      if (consumerNow === null || !consumerNow.assignment().some(samePartition(source))) return;
      let part: OwnedPartition;
      try {
        part = await open(source, consumerNow);
      } catch (error) {
        // closing: the consumer went (shared transactions: with it the generation this waited for)
        if (!isCurrent() || state !== 'running') return;
        throw error;
      }
      const committedFirst = isCurrent() && state === 'running' && (await part.commitRulesFirst());
      if (!isCurrent() || state !== 'running' || part.fenced) {
        if (part.fenced) warn(`${source.topic}/${source.partition}: taken over by another processor`);
        await part.close();
        return;
      }
      if (!committedFirst) {
        await part.close();
        throw part.commitFailure ?? new Error('the rule set was not committed');
      }
      install(source, part);
      consumerNow.resume([source]);
      if (afterFailedCommit.delete(source.partition)) {
        const basis = restoredFrom.get(source.partition) ?? 'unknown';
        warn(
          `${source.topic}/${source.partition}: rebuilt from the last commit (${basis}); processing again`,
        );
      }
    },
  });

  /**
   * Whether the failed transaction took effect is unknown: drop the partition's task, pause its intake and
   * set it up again from what the log committed (the path a restart takes, re-processing silently what
   * was committed after the checkpoint), retrying until the broker answers.
   */
  const commitFailed = (source: TopicPartition, error: Error) => {
    const part = owned.get(source.partition);
    if (state !== 'running' || part === undefined || part.commitFailure === null) return;
    owned.delete(source.partition);
    stats.partitions = owned.size;
    stats.rebuilds++;
    afterFailedCommit.add(source.partition);
    active?.pause([source]);
    void part.close().catch(() => {});
    warn(`${source.topic}/${source.partition}: ${error.message}; rebuilding it from the last commit`);
    rebuilds.start(
      source,
      `rebuilding partition ${source.partition} after a failed commit (${error.message})`,
    );
  };

  const openSharedTransactions = async (): Promise<SharedTransactions> => {
    if (!log.fencesByGeneration) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        "processor transactions 'shared' need a stream log that fences offsets by group generation (KIP-447): the embedded log, or Kafka with the platformatic client; this one does not (use 'auto' or 'per-partition')",
      );
    }
    const transactionalId = `${prefix}.${config.instanceId ?? randomUUID()}`;
    const producer = await log.createTransactionalProducer(transactionalId, {
      transactionTimeoutMs: SHARED_TRANSACTION_TIMEOUT_MS,
      onWarning: warn,
    });
    return new SharedTransactions(context, producer, fail, warn);
  };

  return {
    stats,
    transactions: mode,
    async start() {
      if (state !== 'new') throw new Error(`processor: start() when ${state}`);
      state = 'running';
      health.report('processor', { status: 'starting' });
      await checkTopics(log, topics, serdes);
      sideProducer = await log.createProducer();
      if (mode === 'shared') shared = await openSharedTransactions();
      tables = await openTableReader({
        log,
        topics: [topics.alertRules, topics.processorState],
        groupPrefix: config.groupId,
        onRecord: onTableRecord,
        onError: fail,
      });
      if (!(await tables.readToEnd(topics.alertRules, config.rulesWaitMs))) {
        warn(`alert rules not read to the end within ${config.rulesWaitMs} ms; starting with what was read`);
      }
      consumer = await log.consume({
        groupId: config.groupId,
        topics: [topics.trades],
        commit: 'manual',
        start: 'earliest',
        // the task reads a batch's columns (BatchInput): no record object per record where the log has them
        inPlace: true,
        // shared transactions: the first heartbeat after a join brings the generation the partitions wait for
        ...(shared === null ? {} : { heartbeatIntervalMs: SHARED_HEARTBEAT_MS }),
        handler: async (batch) => {
          const part = owned.get(batch.partition);
          if (part === undefined) return;
          await part.handle(batch);
          if (part.fenced) {
            warn(`partition ${batch.partition} was taken over by another processor; dropping it`);
            await drop(batch.partition);
          }
          let lag = 0;
          for (const other of owned.values()) lag += other.lag;
          stats.lag = lag;
        },
        onAssigned: (partitions, assigned) => {
          active = assigned;
          if (shared !== null) {
            // the generation of this assignment, not of a later one: offsets of these partitions commit as of it
            const generation = assigned.generation();
            generation.catch(() => {});
            for (const { partition } of partitions) generations.set(partition, generation);
          }
          // restoring may wait on the state topic longer than the session timeout: it runs off the
          // rebalance (which holds up heartbeats) with the partition paused, retried while the broker is away
          assigned.pause(partitions);
          for (const source of partitions) {
            rebuilds.start(source, `waiting for partition ${source.partition} restore`, true);
          }
        },
        onRevoked: async (partitions) => {
          for (const { partition } of partitions) {
            rebuilds.cancel(partition);
            generations.delete(partition);
          }
          await Promise.all(partitions.map(({ partition }) => drop(partition)));
        },
        onError: fail,
      });
      reportRunning(rebuilds.reasons);
      const idleMs = config.wallClockIdleMs;
      if (idleMs !== null) {
        idleTimer = setInterval(
          () => {
            for (const part of owned.values()) part.idle(idleMs).catch(fail);
          },
          Math.max(100, Math.floor(idleMs / 2)),
        );
        idleTimer.unref();
      }
    },
    async close() {
      if (state === 'closed' || state === 'closing') return;
      state = 'closing';
      rebuilds.stop();
      health.report('processor', { status: 'down', reason: 'closing', since: Date.now() });
      if (idleTimer !== null) clearInterval(idleTimer);
      // stop intake and commit what was processed while still in the group, then leave it
      consumer?.pause(consumer.assignment());
      // a long catch-up (a jump in event time across many symbols) is redone by the next owner, not awaited
      for (const part of owned.values()) part.abandon();
      await Promise.all([...owned.values()].map((part) => part.settle()));
      await consumer?.close();
      await Promise.all([...owned.keys()].map(drop));
      await shared?.close();
      await tables?.close();
      await chain;
      await sideProducer?.close();
      state = 'closed';
    },
  };
}
