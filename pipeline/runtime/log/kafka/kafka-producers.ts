import {
  CompressionTypes,
  type Kafka,
  type Message,
  type Producer,
  type ProducerConfig,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import type {
  LogProducer,
  LogTransaction,
  OutgoingRecord,
  PartitionOffset,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../../../../schemas/ports/stream-log.js';
import { partitionForKey } from '../murmur2.js';
import { validOffsets, validRecords } from '../topic-spec.js';
import { withoutKip447 } from '../without-kip447.js';
import { kafkaCall } from './kafka-errors.js';

/** the broker's limit on a transaction's life unless the caller asks for another (Kafka's client default: 60 s) */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;

/** Kafka's default partitioner, stated explicitly (silences kafkajs's v2 warning; we pick partitions ourselves). */
const explicitPartitioner: ProducerConfig['createPartitioner'] =
  () =>
  ({ message }) =>
    message.partition ?? 0;

/**
 * Idempotent with acks=all: retries cannot duplicate or reorder. One request in flight per broker is what
 * kafkajs needs to keep idempotent sequence numbers valid; throughput comes from batching whole arrays of
 * records into one request instead. No compression: on one machine the CPU is scarcer than the network.
 */
const producerConfig: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: explicitPartitioner,
};

/**
 * Records per produce request. kafkajs groups a request's messages by partition with an array spread per
 * message (quadratic in records per partition): 10,000-record sends run at half the rate of 1,000-record
 * ones (bench/kafka-raw.ts), so bigger sends are cut into sequential requests of this size.
 */
const REQUEST_RECORDS = 1000;
/**
 * Records of one topic per produce request in a transaction (the processor's commits, off its batch path).
 * There the grouping runs on the event loop that handles ticks: ~4 ms a 1,000-record topic in one request,
 * in one piece, against ~1.3 ms for four of 250, and it was ~24% of the processor's allocation (the most of
 * any one function) at 10k ticks/s once it lagged and its transactions grew — more scavenges, each a stall.
 * The grouping is per topic, so a request carries up to this many records of every topic it writes: each
 * request is a round trip, and its first one adds every partition to the transaction at once.
 */
const TRANSACTION_TOPIC_RECORDS = 250;

export function* chunks<T>(items: readonly T[], size = REQUEST_RECORDS): Generator<readonly T[]> {
  for (let from = 0; from < items.length; from += size) yield items.slice(from, from + size);
}

/** A transaction's records as produce requests: at most `perTopic` records of each topic in one, in order. */
export function* perTopicRequests(
  topicMessages: readonly TopicMessages[],
  perTopic = TRANSACTION_TOPIC_RECORDS,
): Generator<TopicMessages[]> {
  const longest = Math.max(0, ...topicMessages.map(({ messages }) => messages.length));
  for (let from = 0; from < longest; from += perTopic) {
    yield topicMessages
      .filter(({ messages }) => messages.length > from)
      .map(({ topic, messages }) => ({ topic, messages: messages.slice(from, from + perTopic) }));
  }
}

export interface Placed {
  readonly topicMessages: TopicMessages[];
  /** per input record: topic, partition and its index among that partition's records in this request */
  readonly slots: readonly { readonly topic: string; readonly partition: number; readonly index: number }[];
}

/** Chooses partitions (murmur2 like the Java client) and groups records per topic, order kept. */
export async function place(
  records: readonly OutgoingRecord[],
  partitionCount: (topic: string) => Promise<number>,
): Promise<Placed> {
  const byTopic = new Map<string, Message[]>();
  const perPartition = new Map<string, number>();
  const slots: Placed['slots'][number][] = [];
  let roundRobin = 0;
  const counts = new Map<string, number>();
  for (const topic of new Set(validRecords(records).map((record) => record.topic))) {
    counts.set(topic, await partitionCount(topic));
  }
  for (const record of records) {
    const count = counts.get(record.topic) ?? 1;
    const partition =
      record.partition ?? (record.key === null ? roundRobin++ % count : partitionForKey(record.key, count));
    const message: Message = {
      key: record.key,
      value: record.value,
      partition,
      ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
      ...(record.headers === undefined ? {} : { headers: { ...record.headers } }),
    };
    let messages = byTopic.get(record.topic);
    if (messages === undefined) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    messages.push(message);
    const slot = `${record.topic}\u0000${partition}`;
    const index = perPartition.get(slot) ?? 0;
    perPartition.set(slot, index + 1);
    slots.push({ topic: record.topic, partition, index });
  }
  return { topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), slots };
}

export function positionsOf(
  placed: Placed,
  metadata: readonly Pick<RecordMetadata, 'topicName' | 'partition' | 'baseOffset'>[],
): PartitionOffset[] {
  const base = new Map(
    metadata.map((entry) => [`${entry.topicName}\u0000${entry.partition}`, entry.baseOffset]),
  );
  return placed.slots.map(({ topic, partition, index }) => ({
    topic,
    partition,
    offset: String(BigInt(base.get(`${topic}\u0000${partition}`) ?? '0') + BigInt(index)),
  }));
}

export async function createKafkaProducer(
  kafka: Kafka,
  partitionCount: (topic: string) => Promise<number>,
): Promise<LogProducer> {
  const producer = kafka.producer(producerConfig);
  await kafkaCall('connecting a Kafka producer', () => producer.connect());
  return {
    async send(records) {
      const positions: PartitionOffset[] = [];
      for (const chunk of chunks(records)) {
        const placed = await place(chunk, partitionCount);
        const metadata = await kafkaCall('producing', () =>
          producer.sendBatch({
            topicMessages: placed.topicMessages,
            acks: -1,
            compression: CompressionTypes.None,
          }),
        );
        positions.push(...positionsOf(placed, metadata));
      }
      return positions;
    },
    close: () => producer.disconnect(),
  };
}

function wrapTransaction(
  transaction: Awaited<ReturnType<Producer['transaction']>>,
  partitionCount: (topic: string) => Promise<number>,
): LogTransaction {
  return {
    async send(records) {
      const { topicMessages: all } = await place(records, partitionCount);
      for (const topicMessages of perTopicRequests(all)) {
        await kafkaCall('producing in a transaction', () =>
          transaction.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None }),
        );
      }
    },
    async sendOffsets(groupId, offsets, generation) {
      if (generation !== undefined) {
        throw withoutKip447('kafkajs (TxnOffsetCommit v0-2)', 'sending offsets with a group generation');
      }
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { topic, partition, offset } of validOffsets(offsets)) {
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
      }
      const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
      await kafkaCall('committing offsets in a transaction', () =>
        transaction.sendOffsets({ consumerGroupId: groupId, topics }),
      );
    },
    commit: () => kafkaCall('committing a transaction', () => transaction.commit()),
    abort: () => kafkaCall('aborting a transaction', () => transaction.abort()),
  };
}

export async function createKafkaTransactionalProducer(
  kafka: Kafka,
  transactionalId: string,
  partitionCount: (topic: string) => Promise<number>,
  options: TransactionalProducerOptions = {},
): Promise<TransactionalProducer> {
  // A transaction that begins while the broker still completes the previous one gets CONCURRENT_TRANSACTIONS;
  // kafkajs's default first retry waits 300 ms, which alone made p90 commit latency ~330 ms (10–40 ms with 10).
  const producer = kafka.producer({
    ...producerConfig,
    transactionalId,
    transactionTimeout: options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
    retry: { initialRetryTime: 10, retries: 8 },
  });
  await kafkaCall('connecting a transactional producer', () => producer.connect());
  // kafkajs registers the transactional id lazily; an empty transaction registers it now, which fences
  // (aborts and locks out) any older producer with this id, as the port promises at creation
  await kafkaCall('registering the transactional id', async () => (await producer.transaction()).abort());
  return {
    transactionalId,
    async transaction() {
      const transaction = await kafkaCall('beginning a transaction', () => producer.transaction());
      return wrapTransaction(transaction, partitionCount);
    },
    close: () => producer.disconnect(),
  };
}
