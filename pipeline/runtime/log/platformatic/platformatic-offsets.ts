import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { NexuralError } from '../../../../schemas/errors.js';
import type { TopicPartition } from '../../../../schemas/ports/stream-log.js';
import { answered, fromPlatformaticError } from './platformatic-errors.js';

/** how long a stable read waits for open transactions holding the group's offsets */
const STABLE_WAIT_MS = 30_000;
const FIRST_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 250;

export interface StableOffsetReader {
  read(
    groupId: string,
    topic: string,
  ): Promise<readonly (TopicPartition & { readonly offset: string | null })[]>;
  close(): Promise<void>;
}

/**
 * Committed offsets read with require_stable (OffsetFetch v7+, KIP-447): while a transaction holding offsets
 * of the group for a partition is open, the coordinator answers UNSTABLE_OFFSET_COMMIT, and the read is
 * asked again after a short backoff until it ends (or 30 s pass). The kafkajs admin cannot ask this.
 */
export function createStableOffsetReader(options: {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitionCount: (topic: string) => Promise<number>;
}): StableOffsetReader {
  let admin: Admin | null = null;
  const client = () => {
    // the client's own retries would wait a second between UNSTABLE_OFFSET_COMMIT answers: ours are shorter
    admin ??= new Admin({
      clientId: options.clientId,
      bootstrapBrokers: [...options.brokers],
      retries: 1,
      retryDelay: FIRST_BACKOFF_MS,
    });
    return admin;
  };

  return {
    async read(groupId, topic) {
      const count = await options.partitionCount(topic);
      const partitionIndexes = Array.from({ length: count }, (_, partition) => partition);
      const deadline = Date.now() + STABLE_WAIT_MS;
      for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
        try {
          const groups = await client().listConsumerGroupOffsets({
            groups: [{ groupId, topics: [{ name: topic, partitionIndexes }] }],
            requireStable: true,
          });
          const partitions = groups
            .find((group) => group.groupId === groupId)
            ?.topics.find((found) => found.name === topic)?.partitions;
          const committed = new Map(
            (partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset] as const),
          );
          return partitionIndexes.map((partition) => {
            const offset = committed.get(partition);
            return {
              topic,
              partition,
              offset: offset === undefined || offset < 0n ? null : String(offset),
            };
          });
        } catch (error) {
          if (!answered(error, 'UNSTABLE_OFFSET_COMMIT')) {
            throw fromPlatformaticError(error, `reading stable offsets of group "${groupId}"`);
          }
          if (Date.now() + backoff > deadline) {
            throw new NexuralError(
              'NXR_TIMEOUT',
              `offsets of group "${groupId}" on "${topic}" stayed unstable for ${STABLE_WAIT_MS / 1000} s: a transaction holding them is still open`,
              { groupId, topic },
              { cause: error },
            );
          }
          await sleep(backoff);
        }
      }
    },
    async close() {
      const open = admin;
      admin = null;
      await open?.close();
    },
  };
}
