import { NexuralError } from '../../../schemas/errors.js';
import type {
  ConsumerOptions,
  LogConsumer,
  LogProducer,
  OutgoingRecord,
  PartitionOffset,
  StreamLog,
  StreamLogAdmin,
  TopicSpec,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import { ChangeSignal } from './embedded/change-signal.js';
import { ConsumerGroup } from './embedded/consumer-group.js';
import { EmbeddedConsumer } from './embedded/embedded-consumer.js';
import { EmbeddedTransactionalProducer, type TransactionHost } from './embedded/embedded-transactions.js';
import { type AppendInput, PartitionLog } from './embedded/partition-log.js';
import { partitionForKey } from './murmur2.js';
import { unknownTopic, validRecords, validTopicSpecs } from './topic-spec.js';

export interface EmbeddedLogOptions {
  /** most records handed to one handler call (Kafka bounds batches by bytes instead) */
  readonly maxBatchRecords?: number;
  /** clock for record timestamps */
  readonly now?: () => number;
}

interface Topic {
  readonly spec: TopicSpec;
  readonly partitions: readonly PartitionLog[];
}

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The in-process stream log: the same partitioning (murmur2), offsets, consumer groups, read-committed
 * transactions and compaction as Kafka, in memory. It exists for the one-command default and for tests;
 * everything is lost when the process exits.
 */
export function createEmbeddedLog(options: EmbeddedLogOptions = {}): StreamLog {
  const now = options.now ?? Date.now;
  const maxBatchRecords = options.maxBatchRecords ?? 5000;
  const topics = new Map<string, Topic>();
  const groups = new Map<string, ConsumerGroup>();
  const signal = new ChangeSignal();
  const consumers = new Set<EmbeddedConsumer>();
  const transactional = new Map<string, EmbeddedTransactionalProducer>();
  let roundRobin = 0;

  const topicOf = (name: string): Topic => {
    const topic = topics.get(name);
    if (topic === undefined) throw unknownTopic(name);
    return topic;
  };

  const partitionLog = (name: string, partition: number): PartitionLog => {
    const log = topicOf(name).partitions[partition];
    if (log === undefined) {
      throw new NexuralError('NXR_CONFIG_INVALID', `topic "${name}" has no partition ${partition}`);
    }
    return log;
  };

  const groupOf = (groupId: string): ConsumerGroup => {
    let group = groups.get(groupId);
    if (group === undefined) {
      group = new ConsumerGroup(groupId, (name) => topics.get(name)?.partitions.length ?? 0);
      groups.set(groupId, group);
    }
    return group;
  };

  const placeRecord = (record: OutgoingRecord): { log: PartitionLog; input: AppendInput } => {
    const topic = topicOf(record.topic);
    const count = topic.partitions.length;
    const partition =
      record.partition ??
      (record.key === null ? (roundRobin++ & 0x7fffffff) % count : partitionForKey(record.key, count));
    const input = {
      key: record.key,
      value: record.value,
      timestamp: record.timestamp ?? now(),
      headers: record.headers ?? noHeaders,
    };
    return { log: partitionLog(record.topic, partition), input };
  };

  const host: TransactionHost = {
    placeRecord,
    commitGroupOffsets: (groupId, offsets) => groupOf(groupId).commit(offsets),
    changed: () => signal.notify(),
  };

  const admin: StreamLogAdmin = {
    async createTopics(specs) {
      const created: string[] = [];
      for (const spec of validTopicSpecs(specs)) {
        if (topics.has(spec.name)) continue;
        const partitions = Array.from(
          { length: spec.partitions },
          (_, partition) => new PartitionLog(spec.name, partition, spec.compacted),
        );
        topics.set(spec.name, { spec: { ...spec }, partitions });
        created.push(spec.name);
      }
      return created;
    },
    async listTopics() {
      return [...topics.values()].map(({ spec }) => spec);
    },
    async deleteTopics(names) {
      for (const name of names) topics.delete(name);
    },
    async deleteGroups(groupIds) {
      for (const groupId of groupIds) {
        const group = groups.get(groupId);
        if (group !== undefined && !group.isEmpty) {
          throw new NexuralError(
            'NXR_CONFIG_INVALID',
            `group "${groupId}" still has members; close them first`,
          );
        }
        groups.delete(groupId);
      }
    },
    async partitionRanges(name) {
      return topicOf(name).partitions.map((log) => ({
        partition: log.partition,
        low: String(log.low),
        high: String(log.lastStable),
      }));
    },
    async offsetsForTimes(name, timestamp) {
      return topicOf(name).partitions.map((log) => ({
        topic: name,
        partition: log.partition,
        offset: String(log.offsetForTime(timestamp)),
      }));
    },
    async committedOffsets(groupId, name) {
      const group = groups.get(groupId);
      return topicOf(name).partitions.map(({ partition }) => {
        const offset = group?.committedOffset(name, partition);
        return { topic: name, partition, offset: offset === undefined ? null : String(offset) };
      });
    },
  };

  return {
    kind: 'embedded',
    admin,
    async createProducer(): Promise<LogProducer> {
      return {
        async send(records) {
          const positions: PartitionOffset[] = [];
          for (const record of validRecords(records)) {
            const { log, input } = placeRecord(record);
            const offset = log.append(input, null);
            positions.push({ topic: log.topic, partition: log.partition, offset: String(offset) });
          }
          signal.notify();
          return positions;
        },
        // nothing buffered: every send is appended before it resolves
        async close() {},
      };
    },
    async createTransactionalProducer(transactionalId): Promise<TransactionalProducer> {
      transactional.get(transactionalId)?.fence();
      const producer = new EmbeddedTransactionalProducer(transactionalId, host, (closed) => {
        if (transactional.get(transactionalId) === closed) transactional.delete(transactionalId);
      });
      transactional.set(transactionalId, producer);
      return producer;
    },
    async consume(consumerOptions: ConsumerOptions): Promise<LogConsumer> {
      for (const topic of consumerOptions.topics) topicOf(topic);
      const consumer = new EmbeddedConsumer(consumerOptions, {
        group: groupOf(consumerOptions.groupId),
        signal,
        partitionLog,
        maxBatchRecords,
        onClosed: (closed) => consumers.delete(closed),
      });
      consumers.add(consumer);
      await consumer.start();
      return consumer;
    },
    async close() {
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      for (const producer of transactional.values()) await producer.close();
    },
  };
}
