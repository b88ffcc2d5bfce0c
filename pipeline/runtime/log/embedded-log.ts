import { setTimeout as sleep } from 'node:timers/promises';
import { NexuralError } from '../../../schemas/errors.js';
import type {
  ConsumerOptions,
  LogConsumer,
  LogProducer,
  OutgoingRecord,
  PartitionOffset,
  StreamLog,
  StreamLogAdmin,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import { lockDataDir } from './embedded/data-dir-lock.js';
import { EmbeddedConsumer } from './embedded/embedded-consumer.js';
import {
  EmbeddedTransactionalProducer,
  type OffsetHolder,
  type TransactionHost,
} from './embedded/embedded-transactions.js';
import { LogDirectory } from './embedded/log-directory.js';
import { LogState } from './embedded/log-state.js';
import type { AppendInput, PartitionLog } from './embedded/partition-log.js';
import { partitionForKey } from './murmur2.js';
import { validRecords, validTopicSpecs } from './topic-spec.js';

export interface EmbeddedLogOptions {
  /** most records handed to one handler call (Kafka bounds batches by bytes instead) */
  readonly maxBatchRecords?: number;
  /** clock for record timestamps */
  readonly now?: () => number;
  /**
   * Directory (NEXURAL_DATA_DIR/log) where topics, records, commits and transactions are stored and reloaded
   * from at start, so `nexural run` in embedded mode survives a restart. Unset: in memory only.
   */
  readonly dataDir?: string;
  /** retention.bytes per partition of a topic that sets none (default 256 MiB; -1 = no limit) */
  readonly retentionBytes?: number;
  /** retention.ms (by write time) of a topic that sets none (default -1: no age limit) */
  readonly retentionMs?: number;
  /** bytes of recent records each partition keeps in memory when persisted; older reads go to disk (1 MiB) */
  readonly cacheBytesPerPartition?: number;
  /** size at which a partition's active segment file rolls over (16 MiB) */
  readonly segmentBytes?: number;
}

export const DEFAULT_RETENTION_BYTES = 256 * 1024 * 1024;
/** how long a stable read of committed offsets waits for the transactions holding them */
const STABLE_WAIT_MS = 30_000;

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The in-process stream log: the same partitioning (murmur2), offsets, consumer groups, read-committed
 * transactions, compaction and size/age retention as Kafka. With a data directory (the default of
 * `streamLogFromEnv`) partitions are segment files on disk and memory holds only a bounded cache of recent
 * records per partition; without one it is all in memory (tests). One process owns a data directory at a time.
 */
export function createEmbeddedLog(options: EmbeddedLogOptions = {}): StreamLog {
  const now = options.now ?? Date.now;
  const maxBatchRecords = options.maxBatchRecords ?? 5000;
  const lock = options.dataDir === undefined ? null : lockDataDir(options.dataDir);
  const directory =
    options.dataDir === undefined ? null : new LogDirectory(options.dataDir, options.segmentBytes, now);
  const state = new LogState(directory, {
    retentionBytes: options.retentionBytes ?? DEFAULT_RETENTION_BYTES,
    retentionMs: options.retentionMs ?? -1,
    cacheBytes: options.cacheBytesPerPartition ?? 1024 * 1024,
    now,
  });
  const consumers = new Set<EmbeddedConsumer>();
  const transactional = new Map<string, EmbeddedTransactionalProducer>();
  const holdingOffsets = new Set<OffsetHolder>();
  let roundRobin = 0;

  const placeRecord = (record: OutgoingRecord): { log: PartitionLog; input: AppendInput } => {
    const count = state.topicOf(record.topic).partitions.length;
    const partition =
      record.partition ??
      (record.key === null ? (roundRobin++ & 0x7fffffff) % count : partitionForKey(record.key, count));
    const input = {
      key: record.key,
      value: record.value,
      timestamp: record.timestamp ?? now(),
      headers: record.headers ?? noHeaders,
    };
    return { log: state.partitionLog(record.topic, partition), input };
  };

  const host: TransactionHost = {
    placeRecord,
    nextTransactionId: () => state.nextTransactionId(),
    decide: (id, committed, offsets) => state.decide(id, committed, offsets),
    commitGroupOffsets: (groupId, offsets) => state.groupOf(groupId).apply(offsets),
    holdingOffsets,
    groupAccepts: ({ groupId, generationId, memberId }) =>
      state.groups.get(groupId)?.accepts(generationId, memberId) ?? false,
    changed: () => state.changed(),
  };

  /** As Kafka's require_stable: waits while an open transaction holds offsets of the group for the topic. */
  const untilNoneHolds = async (groupId: string, topic: string) => {
    const deadline = Date.now() + STABLE_WAIT_MS;
    const held = () => [...holdingOffsets].some((holder) => holder.holdsOffsets(groupId, topic));
    while (held()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new NexuralError(
          'NXR_TIMEOUT',
          `offsets of group "${groupId}" on "${topic}" stayed unstable for ${STABLE_WAIT_MS / 1000} s: a transaction holding them is still open`,
          { groupId, topic },
        );
      }
      await Promise.race([state.signal.wait(), sleep(Math.min(left, 100))]);
    }
  };

  const admin: StreamLogAdmin = {
    async createTopics(specs) {
      return validTopicSpecs(specs).flatMap((spec) => (state.addTopic(spec) ? [spec.name] : []));
    },
    async listTopics() {
      return [...state.topics.values()].map(({ spec }) => spec);
    },
    async deleteTopics(names) {
      for (const name of names) state.deleteTopic(name);
    },
    async deleteGroups(groupIds) {
      for (const groupId of groupIds) {
        const group = state.groups.get(groupId);
        if (group !== undefined && !group.isEmpty) {
          throw new NexuralError(
            'NXR_CONFIG_INVALID',
            `group "${groupId}" still has members; close them first`,
          );
        }
        state.groups.delete(groupId);
      }
    },
    async partitionRanges(name) {
      return state.topicOf(name).partitions.map((log) => ({
        partition: log.partition,
        low: String(log.low),
        high: String(log.lastStable),
      }));
    },
    async offsetsForTimes(name, timestamp) {
      return state.topicOf(name).partitions.map((log) => ({
        topic: name,
        partition: log.partition,
        offset: String(log.offsetForTime(timestamp)),
      }));
    },
    async committedOffsets(groupId, name, read) {
      if (read?.stable === true) await untilNoneHolds(groupId, name);
      const group = state.groups.get(groupId);
      return state.topicOf(name).partitions.map(({ partition }) => {
        const offset = group?.committedOffset(name, partition);
        return { topic: name, partition, offset: offset === undefined ? null : String(offset) };
      });
    },
  };

  return {
    kind: 'embedded',
    fencesByGeneration: true,
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
          state.changed();
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
      for (const topic of consumerOptions.topics) state.topicOf(topic);
      const consumer = new EmbeddedConsumer(consumerOptions, {
        group: state.groupOf(consumerOptions.groupId),
        signal: state.signal,
        partitionLog: (topic, partition) => state.partitionLog(topic, partition),
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
      state.close();
      lock?.release();
    },
  };
}
