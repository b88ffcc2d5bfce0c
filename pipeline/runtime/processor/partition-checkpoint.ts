import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import type { TopicPartition } from '../../../schemas/ports/stream-log.js';
import { describeIssues } from '../../../schemas/validate.js';
import type { DuplicateWindowSnapshot } from '../dlq/duplicate-window.js';

/** The partition's event-time clock: what `advanceWatermark` was last called with. */
export interface PartitionClock {
  /** largest tick event time seen in the partition, ms; null before the first tick */
  readonly maxEventMs: number | null;
  /** last whole second (ms) the engines' watermark was advanced to; null before the first */
  readonly advancedToMs: number | null;
}

/**
 * Everything that decides a partition's future outputs, as of input offset `nextOffset` (the first record
 * NOT yet applied). Written to the compacted state topic; a restarted processor restores it and
 * re-processes silently from `nextOffset` up to the group's committed offset.
 */
export interface PartitionCheckpoint {
  readonly version: 1;
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: string;
  /** MarketEngine snapshot (opaque here), or null when the engine cannot be snapshotted */
  readonly engine: unknown;
  readonly duplicates: DuplicateWindowSnapshot;
  readonly clock: PartitionClock;
  /** ids of the rules the engine holds, so rules deleted while the processor was down are removed */
  readonly ruleIds: readonly string[];
}

/**
 * Written in every transaction: the group's committed offset after it, and where the latest checkpoint
 * is. A new owner waits until it has read the progress record matching the committed offset, so it never
 * restores from a checkpoint older than the latest one (the state topic is read, not seeked).
 */
export interface PartitionProgress {
  readonly version: 1;
  readonly nextOffset: string;
  /** nextOffset of the latest checkpoint, or null when none was written (replay from the log start) */
  readonly checkpointOffset: string | null;
}

const offset = z.string().regex(/^\d+$/);

const checkpointSchema = z.object({
  version: z.literal(1),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  nextOffset: offset,
  engine: z.unknown(),
  duplicates: z.object({
    capacityPerSymbol: z.number().int().positive(),
    symbols: z.record(z.string(), z.array(z.string())),
  }),
  clock: z.object({ maxEventMs: z.number().nullable(), advancedToMs: z.number().nullable() }),
  ruleIds: z.array(z.string()),
});

const progressSchema = z.object({
  version: z.literal(1),
  nextOffset: offset,
  checkpointOffset: offset.nullable(),
});

export const checkpointKey = ({ topic, partition }: TopicPartition): string => `${topic}:${partition}`;
export const progressKey = ({ topic, partition }: TopicPartition): string => `${topic}:${partition}:progress`;

// v8's structured serialisation: typed arrays and -0/NaN survive, and it is several times faster than
// JSON for the large number arrays an engine snapshot holds.
export const encodeCheckpoint = (checkpoint: PartitionCheckpoint): Buffer => serialize(checkpoint);
export const encodeProgress = (progress: PartitionProgress): Buffer =>
  Buffer.from(JSON.stringify(progress), 'utf8');

function decoded<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new NexuralError('NXR_SCHEMA_INVALID', `${what}: ${describeIssues(result.error)}`);
}

export function decodeCheckpoint(bytes: Buffer, where: string): PartitionCheckpoint {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (error) {
    throw new NexuralError('NXR_PARSE_FAILED', `checkpoint ${where} is not v8-serialised: ${String(error)}`);
  }
  return decoded(checkpointSchema, value, `checkpoint ${where}`) as PartitionCheckpoint;
}

export function decodeProgress(bytes: Buffer, where: string): PartitionProgress {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new NexuralError('NXR_PARSE_FAILED', `progress ${where} is not JSON: ${String(error)}`);
  }
  return decoded(progressSchema, value, `progress ${where}`);
}
