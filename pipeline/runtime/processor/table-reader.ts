import { randomUUID } from 'node:crypto';
import { NexuralError } from '../../../schemas/errors.js';
import type { LogConsumer, LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';

export interface TableReaderOptions {
  readonly log: StreamLog;
  /** compacted topics read from their start and followed: the latest value per key wins */
  readonly topics: readonly string[];
  /** prefix of the reader's own consumer group (unique per reader; it never commits) */
  readonly groupPrefix: string;
  /** each record as read, in offset order per partition, after the table is updated */
  readonly onRecord?: (record: LogRecord) => void;
  readonly onError?: (error: Error) => void;
}

export interface TableReader {
  /** latest value of `key` (null = tombstone, undefined = never seen) */
  get(topic: string, key: string): Buffer | null | undefined;
  /** live keys of a topic with their latest values */
  entries(topic: string): ReadonlyMap<string, Buffer>;
  /** Resolves once `condition` holds (checked after every batch); rejects with NXR_TIMEOUT naming `what`. */
  waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void>;
  /**
   * Resolves once every partition of `topic` was read up to its end as of this call, or `timeoutMs` passed
   * (an end made of transaction markers is never reached by records, so the wait is bounded); returns
   * whether the end was reached.
   */
  readToEnd(topic: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Follows compacted topics (alert rules, processor state) as tables, with an unassigned consumer of its
 * own: a group nobody else joins, so it reads every partition. Nothing is committed; a restart reads the
 * topics again from their start (compaction keeps that short).
 */
export async function openTableReader(options: TableReaderOptions): Promise<TableReader> {
  const tables = new Map<string, Map<string, Buffer>>(options.topics.map((topic) => [topic, new Map()]));
  const tombstones = new Map<string, Set<string>>(options.topics.map((topic) => [topic, new Set()]));
  /** next offset to read per topic/partition, from the records seen */
  const positions = new Map<string, bigint>();
  const waiters = new Set<() => void>();
  const groupId = `${options.groupPrefix}.tables.${randomUUID()}`;

  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const consumer: LogConsumer = await options.log.consume({
    groupId,
    topics: options.topics,
    start: 'earliest',
    commit: 'manual',
    handler: async (batch) => {
      const table = tables.get(batch.topic);
      const deleted = tombstones.get(batch.topic);
      for (const record of batch.records) {
        if (record.key !== null && table && deleted) {
          if (record.value === null) {
            table.delete(record.key);
            deleted.add(record.key);
          } else {
            table.set(record.key, record.value);
            deleted.delete(record.key);
          }
        }
        options.onRecord?.(record);
      }
      const last = batch.records.at(-1);
      if (last) positions.set(`${batch.topic}:${batch.partition}`, BigInt(last.offset) + 1n);
      notify();
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });

  const waitFor = (condition: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      // a condition that throws (a corrupt record) rejects the wait, never the reader
      const holds = () => {
        try {
          return condition();
        } catch (error) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(error);
          return false;
        }
      };
      const check = () => {
        if (!holds()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new NexuralError('NXR_TIMEOUT', `waited ${timeoutMs} ms for ${what}`, { what }));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    get(topic, key) {
      const value = tables.get(topic)?.get(key);
      if (value !== undefined) return value;
      return tombstones.get(topic)?.has(key) ? null : undefined;
    },
    entries: (topic) => tables.get(topic) ?? new Map(),
    waitFor,
    async readToEnd(topic, timeoutMs) {
      const ends = await options.log.admin.partitionRanges(topic);
      const reached = () =>
        ends.every(
          ({ partition, low, high }) =>
            BigInt(high) <= BigInt(low) ||
            (positions.get(`${topic}:${partition}`) ?? BigInt(low)) >= BigInt(high),
        );
      try {
        await waitFor(reached, `the end of "${topic}"`, timeoutMs);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      waiters.clear();
      await consumer.close();
      await options.log.admin.deleteGroups([groupId]).catch(() => {});
    },
  };
}
