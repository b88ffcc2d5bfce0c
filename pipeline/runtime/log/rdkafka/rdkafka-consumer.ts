import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  PartitionOffset,
  TopicPartition,
} from '../../../../schemas/ports/stream-log.js';
import type { KafkaConsumerTuning } from '../kafka/kafka-consumer.js';
import { validOffsets } from '../topic-spec.js';
import { withoutKip447 } from '../without-kip447.js';
import type { RdBatchPayload, RdKafka, RdMessage, RdRebalanceCallback } from './rdkafka-binding.js';
import { loadRdkafka } from './rdkafka-binding.js';
import { rdkafkaCall } from './rdkafka-errors.js';

/**
 * Records handed to the handler at most per batch (the compatible API's default is 32: a transaction per
 * 32 records). librdkafka prefetches in its own thread; this only bounds what one handler call gets.
 */
const MAX_BATCH_RECORDS = 4096;
/** how long a paused partition's seek is retried while librdkafka still starts its fetcher */
const SEEK_RETRY_MS = 30_000;

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

function headersOf(headers: RdMessage['headers']): Readonly<Record<string, string>> {
  if (headers === undefined) return noHeaders;
  const entries = Object.entries(headers);
  if (entries.length === 0) return noHeaders;
  const result: Record<string, string> = {};
  for (const [name, value] of entries) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}

const same = (a: TopicPartition, b: TopicPartition) => a.topic === b.topic && a.partition === b.partition;
const keyOf = ({ topic, partition }: TopicPartition) => `${topic}\u0000${partition}`;
const byTopic = (partitions: readonly TopicPartition[]) =>
  partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] }));

/** A librdkafka consumer behind the port: manual commits, eager rebalances, a handler error stops it. */
export async function startRdkafkaConsumer(
  kafka: RdKafka,
  options: ConsumerOptions,
  logTuning: KafkaConsumerTuning,
): Promise<LogConsumer> {
  const tuning =
    options.heartbeatIntervalMs === undefined
      ? logTuning
      : { ...logTuning, heartbeatInterval: options.heartbeatIntervalMs };
  const codes = loadRdkafka().CODES.ERRORS;
  let state: 'running' | 'closing' | 'failed' = 'running';
  let assignment: readonly TopicPartition[] = [];
  let rebalanceWork: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | null = null;
  const paused = new Set<string>();
  /** seeks of paused partitions, made sure of before they resume (see `seekSurely`) */
  const seeksBeforeResume = new Map<string, PartitionOffset>();
  const inFlight = new Set<Promise<void>>();

  const fail = (thrown: unknown) => {
    if (state !== 'running') return;
    state = 'failed';
    setImmediate(() => void stop(thrown instanceof Error ? thrown : new Error(String(thrown))));
  };

  /**
   * Seeks made by `onAssigned`: librdkafka refuses a seek on a partition it does not fetch yet (ERR__STATE),
   * so they become the start offsets of the assignment itself.
   */
  let seeksOnAssign: Map<string, number> | null = null;

  // librdkafka applies the new assignment once this resolves: hooks (and their seeks) come first
  const onRebalance: RdRebalanceCallback = async (event, partitions, apply) => {
    const next = partitions.map(({ topic, partition }) => ({ topic, partition }));
    const assigning = event.code === codes.ERR__ASSIGN_PARTITIONS;
    rebalanceWork = rebalanceWork
      .then(async () => {
        if (assigning) {
          assignment = next;
          seeksOnAssign = new Map();
          try {
            if (next.length > 0) await options.onAssigned?.(next, api);
          } finally {
            const seeks = seeksOnAssign;
            seeksOnAssign = null;
            apply.assign(
              next.map((tp) => {
                const offset = seeks.get(keyOf(tp));
                return offset === undefined ? { ...tp } : { ...tp, offset };
              }),
            );
          }
          return;
        }
        const revoked = assignment;
        assignment = [];
        if (revoked.length > 0 && state === 'running') await options.onRevoked?.(revoked, api);
      })
      .catch(fail);
    await rebalanceWork;
    if (assigning) {
      // pauses are forgotten with the assignment: apply them again once it is in place
      setImmediate(() => pauseInRdkafka(next.filter((tp) => paused.has(keyOf(tp)))));
    }
  };

  const consumer = kafka.consumer({
    kafkaJS: {
      groupId: options.groupId,
      fromBeginning: (options.start ?? 'earliest') === 'earliest',
      autoCommit: false,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      maxBytesPerPartition: tuning.maxBytesPerPartition,
      maxBytes: tuning.maxBytes,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs,
      minBytes: tuning.minBytes,
      sessionTimeout: tuning.sessionTimeout,
      heartbeatInterval: tuning.heartbeatInterval,
    },
    'js.consumer.max.batch.size': MAX_BATCH_RECORDS,
    rebalance_cb: onRebalance,
  });

  /** the compatible API refuses pauses outside an assignment; they are re-applied on the next one */
  const pauseInRdkafka = (partitions: readonly TopicPartition[]) => {
    if (partitions.length === 0 || state !== 'running') return;
    try {
      consumer.pause(byTopic(partitions));
    } catch {}
  };

  /**
   * librdkafka refuses a seek (ERR__STATE) until the partition's fetcher has started, which waits for the
   * group's committed offset: a partition paused on assignment and seeked once restored meets that window,
   * and the compatible API only logs the refusal. So a paused partition's seek is done again here, on the
   * consumer underneath, retried until librdkafka takes it, and only then is the partition resumed.
   */
  const seekSurely = async (position: PartitionOffset) => {
    const deadline = Date.now() + SEEK_RETRY_MS;
    for (;;) {
      const refused = await new Promise<{ code: number; message: string } | undefined>((resolve) =>
        consumer._getInternalClient().seek({ ...position, offset: Number(position.offset) }, 1000, resolve),
      );
      if (refused === undefined) return;
      // revoked meanwhile or closing: its next owner starts from the group's commit
      if (!assignment.some((tp) => same(tp, position)) || state !== 'running') return;
      if (refused.code !== codes.ERR__STATE || Date.now() > deadline) {
        throw new Error(
          `seeking ${position.topic}/${position.partition} to ${position.offset}: ${refused.message}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const stop = (error?: Error): Promise<void> => {
    stopping ??= (async () => {
      await Promise.allSettled(inFlight);
      await consumer.disconnect();
      await rebalanceWork.catch(() => {});
      const revoked = assignment;
      assignment = [];
      if (revoked.length > 0 && error === undefined) await options.onRevoked?.(revoked, api);
      if (error !== undefined) options.onError?.(error);
    })();
    return stopping;
  };

  const api: LogConsumer = {
    groupId: options.groupId,
    assignment: () => assignment,
    // the compatible API hides librdkafka's group metadata, and this log's transactions could not use it
    generation: async () => {
      throw withoutKip447('the librdkafka consumer', 'reading the group generation');
    },
    commit: (offsets) =>
      rdkafkaCall('committing offsets', () => consumer.commitOffsets([...validOffsets(offsets)])),
    pause: (partitions) => {
      for (const tp of partitions) paused.add(keyOf(tp));
      pauseInRdkafka(partitions);
    },
    resume: (partitions) => {
      const seeks: PartitionOffset[] = [];
      for (const tp of partitions) {
        paused.delete(keyOf(tp));
        const seek = seeksBeforeResume.get(keyOf(tp));
        seeksBeforeResume.delete(keyOf(tp));
        if (seek !== undefined) seeks.push(seek);
      }
      const resumeInRdkafka = () => {
        try {
          consumer.resume(byTopic(partitions));
        } catch {}
      };
      if (seeks.length === 0) resumeInRdkafka();
      else
        Promise.all(seeks.map(seekSurely))
          .then(resumeInRdkafka)
          .catch((error: unknown) => (state === 'running' ? fail(error) : undefined));
    },
    seek: (position: PartitionOffset) => {
      const [valid] = validOffsets([position]);
      if (valid === undefined) return;
      if (seeksOnAssign !== null) {
        seeksOnAssign.set(keyOf(valid), Number(valid.offset));
        return;
      }
      // the compatible API's seek keeps its own bookkeeping (position, prefetched records) right
      consumer.seek(valid);
      if (paused.has(keyOf(valid))) seeksBeforeResume.set(keyOf(valid), valid);
    },
    close: () => {
      if (state === 'running') state = 'closing';
      return stop();
    },
  };

  const handleBatch = async ({ batch, resolveOffset, isStale }: RdBatchPayload) => {
    const { topic, partition } = batch;
    const records = batch.messages.map(
      (message): LogRecord => ({
        topic,
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString('utf8'),
        value: message.value,
        timestamp: Number(message.timestamp),
        headers: headersOf(message.headers),
      }),
    );
    try {
      await options.handler(
        { topic, partition, records, highWatermark: batch.highWatermark },
        { heartbeat: async () => {} },
      );
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
      await rdkafkaCall('committing offsets', () => consumer.commitOffsets([{ topic, partition, offset }]));
    }
  };

  const eachBatch = async (payload: RdBatchPayload) => {
    await rebalanceWork;
    const { batch, isRunning, isStale } = payload;
    const owned = assignment.some((tp) => same(tp, batch)) && !paused.has(keyOf(batch));
    if (state !== 'running' || !isRunning() || isStale() || !owned || batch.messages.length === 0) return;
    const handling = handleBatch(payload).catch(fail);
    inFlight.add(handling);
    await handling.finally(() => inFlight.delete(handling));
  };

  await rdkafkaCall(`joining group "${options.groupId}"`, async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics] });
  });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
    eachBatch,
  });
  return api;
}
