import type { Batch, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  PartitionOffset,
  RecordBatch,
  TopicPartition,
} from '../../../../schemas/ports/stream-log.js';
import { GenerationWatch } from '../generation-watch.js';
import { validOffsets } from '../topic-spec.js';
import { KafkaColumns, KeyStrings } from './kafka-columns.js';
import { kafkaCall } from './kafka-errors.js';

export interface KafkaConsumerTuning {
  /** bytes fetched per partition per request: bigger batches, fewer round trips (kafkajs default 1 MiB) */
  readonly maxBytesPerPartition: number;
  /** bytes per fetch response across partitions (kafkajs default 10 MiB) */
  readonly maxBytes: number;
  /** how long the broker holds a fetch below `minBytes`; bounds how fast an idle consumer notices close() */
  readonly maxWaitTimeInMs: number;
  /**
   * bytes a fetch waits for (up to `maxWaitTimeInMs`): above 1, a caught-up consumer fetches less often, with
   * more records each, and a record waits up to `maxWaitTimeInMs` longer
   */
  readonly minBytes: number;
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  /**
   * Partitions handled at once. Only worth raising when the handler waits on I/O; a handler sharing one
   * transactional producer must keep 1 (one transaction at a time).
   */
  readonly partitionsConsumedConcurrently: number;
}

export const defaultConsumerTuning: KafkaConsumerTuning = {
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 32 * 1024 * 1024,
  maxWaitTimeInMs: 250,
  minBytes: 1,
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  partitionsConsumedConcurrently: 1,
};

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

const hasNames = (headers: IHeaders): boolean => {
  for (const _ in headers) return true;
  return false;
};

function headersOf(headers: IHeaders | undefined): Readonly<Record<string, string>> {
  // most records have none: no entries array per record for them
  if (headers === undefined || !hasNames(headers)) return noHeaders;
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}

function toRecord(batch: Batch, message: KafkaMessage): LogRecord {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    timestamp: Number(message.timestamp),
    headers: headersOf(message.headers),
  };
}

/** Kafka's answers to a member whose generation is over: it must rejoin, nothing is wrong with the data. */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);
/** kafkajs wraps protocol errors (a retrier's KafkaJSNonRetriableError keeps the original as `cause`) */
const isRebalanceError = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if ('type' in current && REBALANCE_ERRORS.has(String(current.type))) return true;
    current = current.cause;
  }
  return false;
};

/** pause between a crash of kafkajs on a generation that is over and joining the group again */
const REJOIN_DELAY_MS = 500;

const same = (a: TopicPartition, b: TopicPartition) => a.topic === b.topic && a.partition === b.partition;

/** A kafkajs consumer behind the port: manual commits, rebalance hooks, a handler error stops it. */
export async function startKafkaConsumer(
  kafka: Kafka,
  options: ConsumerOptions,
  logTuning: KafkaConsumerTuning,
): Promise<LogConsumer> {
  const tuning =
    options.heartbeatIntervalMs === undefined
      ? logTuning
      : { ...logTuning, heartbeatInterval: options.heartbeatIntervalMs };
  let state: 'running' | 'closing' | 'failed' = 'running';
  let assignment: readonly TopicPartition[] = [];
  let rebalanceWork: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | null = null;
  // kafkajs may hand over a batch fetched just before pause(); it is skipped unresolved and refetched later
  const paused = new Set<string>();
  const keyOf = ({ topic, partition }: TopicPartition) => `${topic}\u0000${partition}`;
  // kafkajs keeps the generation to itself: GROUP_JOIN names the member, the next HEARTBEAT event its generation
  const generations = new GenerationWatch();
  let joinedMember: string | null = null;
  let lastGenerationId: number | null = null;
  let runnerHeartbeat: (() => Promise<void>) | null = null;
  let nudging: NodeJS.Timeout | null = null;
  const stopNudging = () => {
    if (nudging !== null) clearInterval(nudging);
    nudging = null;
  };
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    maxBytesPerPartition: tuning.maxBytesPerPartition,
    maxBytes: tuning.maxBytes,
    maxWaitTimeInMs: tuning.maxWaitTimeInMs,
    minBytes: tuning.minBytes,
    sessionTimeout: tuning.sessionTimeout,
    heartbeatInterval: tuning.heartbeatInterval,
    // kafkajs restarts after broker trouble on its own; after a handler failure it must stay down
    retry: { restartOnFailure: async () => state === 'running' },
  });

  const stop = (error?: Error): Promise<void> => {
    stopping ??= (async () => {
      // kafkajs ignores commits once it is stopping: let the batch in flight finish and commit first
      await Promise.allSettled(inFlight);
      stopNudging();
      generations.closed(options.groupId);
      await consumer.disconnect();
      await rebalanceWork.catch(() => {});
      const revoked = assignment;
      assignment = [];
      if (revoked.length > 0 && error === undefined) await options.onRevoked?.(revoked, api);
      if (error !== undefined) options.onError?.(error);
    })();
    return stopping;
  };

  /** kafkajs forgets pauses when it restarts (a new group object) and refuses them meanwhile: GROUP_JOIN re-applies */
  const pauseInKafkajs = (partitions: readonly TopicPartition[]) => {
    if (partitions.length === 0) return;
    try {
      consumer.pause(partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
    } catch {}
  };

  const fail = (thrown: unknown) => {
    if (state !== 'running') return;
    state = 'failed';
    // stop outside the batch callback: kafkajs waits for the running batch before it leaves the group
    setImmediate(() => void stop(thrown instanceof Error ? thrown : new Error(String(thrown))));
  };

  const api: LogConsumer = {
    groupId: options.groupId,
    assignment: () => assignment,
    commit: (offsets) =>
      kafkaCall('committing offsets', () => consumer.commitOffsets([...validOffsets(offsets)])),
    pause: (partitions) => {
      for (const tp of partitions) paused.add(keyOf(tp));
      pauseInKafkajs(partitions);
    },
    resume: (partitions) => {
      for (const tp of partitions) paused.delete(keyOf(tp));
      // kafkajs throws while it restarts after broker trouble; its new group starts unpaused anyway
      try {
        consumer.resume(partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
      } catch {}
    },
    seek: (position: PartitionOffset) => {
      const [valid] = validOffsets([position]);
      if (valid !== undefined) consumer.seek(valid);
    },
    generation: () => generations.current(),
    close: () => {
      if (state === 'running') state = 'closing';
      return stop();
    },
  };

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    generations.rebalancing();
    joinedMember = payload.memberId;
    // kafkajs heartbeats between batches only: a handler (or onAssigned) awaiting generation() would wait for
    // the session to time out, so the runner's own heartbeat is asked for while the generation is pending
    stopNudging();
    nudging = setInterval(() => void runnerHeartbeat?.().catch(() => {}), tuning.heartbeatInterval / 2);
    nudging.unref();
    const next = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    pauseInKafkajs(next.filter((tp) => paused.has(keyOf(tp))));
    rebalanceWork = rebalanceWork
      .then(async () => {
        const revoked = assignment;
        assignment = next;
        if (revoked.length > 0) await options.onRevoked?.(revoked, api);
        if (next.length > 0) await options.onAssigned?.(next, api);
      })
      .catch(fail);
  });
  consumer.on(consumer.events.HEARTBEAT, ({ payload }) => {
    // a heartbeat sent before the join completed carries the generation before it
    if (payload.memberId !== joinedMember || payload.groupGenerationId === lastGenerationId) return;
    joinedMember = null;
    lastGenerationId = payload.groupGenerationId;
    stopNudging();
    generations.joined({
      groupId: options.groupId,
      generationId: payload.groupGenerationId,
      memberId: payload.memberId,
    });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || state !== 'running') return;
    // kafkajs gives up (restart: false) when a commit or sync meets a generation that is over, though a
    // fresh join is all it takes; the next GROUP_JOIN revokes and assigns as after any rebalance
    if (isRebalanceError(payload.error)) {
      setTimeout(() => {
        if (state === 'running') join().catch(fail);
      }, REJOIN_DELAY_MS);
      return;
    }
    fail(payload.error);
  });

  // per partition: a processor's partition repeats its own few hundred `venue:symbol` keys at most
  const keyStrings = new Map<string, KeyStrings>();
  const keysOf = (batch: Batch): KeyStrings => {
    const name = `${batch.topic}\u0000${batch.partition}`;
    let keys = keyStrings.get(name);
    if (keys === undefined) {
      keys = new KeyStrings();
      keyStrings.set(name, keys);
    }
    return keys;
  };
  /** the batch for the handler: its records made on first use where it reads the columns (`inPlace`) */
  const recordBatch = (batch: Batch): RecordBatch => {
    const base = { topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark };
    if (options.inPlace !== true) {
      return { ...base, records: batch.messages.map((message) => toRecord(batch, message)) };
    }
    let records: readonly LogRecord[] | null = null;
    return {
      ...base,
      columns: new KafkaColumns(batch.messages, keysOf(batch)),
      get records() {
        records ??= batch.messages.map((message) => toRecord(batch, message));
        return records;
      },
    };
  };

  const inFlight = new Set<Promise<void>>();
  const eachBatch = async (payload: EachBatchPayload) => {
    runnerHeartbeat = payload.heartbeat;
    await rebalanceWork;
    const { batch, isRunning, isStale } = payload;
    const owned = assignment.some((tp) => same(tp, batch)) && !paused.has(keyOf(batch));
    if (state !== 'running' || !isRunning() || isStale() || !owned || batch.messages.length === 0) return;
    const handling = handleBatch(payload);
    inFlight.add(handling);
    await handling.finally(() => inFlight.delete(handling));
  };

  const handleBatch = async ({ batch, resolveOffset, isStale, heartbeat }: EachBatchPayload) => {
    try {
      await options.handler(recordBatch(batch), { heartbeat });
    } catch (error) {
      fail(error);
      return;
    }
    // a seek during the handler wins over the position after this batch
    if (isStale()) return;
    const last = batch.lastOffset();
    resolveOffset(last);
    if ((options.commit ?? 'after-batch') === 'after-batch') {
      const offset = String(BigInt(last) + 1n);
      try {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
      } catch (error) {
        // the group moved on (this member was evicted or a rebalance began): the batch is re-delivered to
        // the partition's next owner, which at-least-once handlers absorb; stopping here would strand it
        if (!isRebalanceError(error)) throw error;
      }
    }
  };

  const join = () =>
    kafkaCall(`joining group "${options.groupId}"`, async () => {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...options.topics],
        fromBeginning: (options.start ?? 'earliest') === 'earliest',
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
        eachBatch,
      });
    });
  await join();
  // run() returns once the first join is done; its assignment hook is still running
  await rebalanceWork;
  return api;
}
