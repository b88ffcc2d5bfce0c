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
 *
 * Version 2 stores the engine's rule definitions apart, in a rule set record written only when they change
 * (checkpoint-chunks.ts), and refers to it by id; version 3 refers to a rule set and the changes since it
 * (rule-set-changes.ts); version 1 (still restored) held them in the engine snapshot.
 */
export interface PartitionCheckpoint {
  readonly version: 1 | 2;
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: string;
  /** the engine's state (opaque here) without its rule definitions; in version 1 a full MarketEngine snapshot */
  readonly engine: unknown;
  /** the engine's rule definitions in its order (opaque here); null in version 1 (the engine snapshot holds them) */
  readonly rules: readonly unknown[] | null;
  readonly duplicates: DuplicateWindowSnapshot;
  readonly clock: PartitionClock;
  /** ids of the rules the engine holds, so rules deleted while the processor was down are removed */
  readonly ruleIds: readonly string[];
}

/**
 * A checkpoint as stored: versions 2 and 3 refer to their rule set record by id (null in version 1), version 3
 * also to a rule changes record (null in versions 1 and 2).
 */
export type StoredCheckpoint = Omit<PartitionCheckpoint, 'rules'> & {
  readonly ruleSetId: string | null;
  readonly ruleChangesId: string | null;
};

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

/** `[first, count, …]`: whole ids below 10^15 (canonical numbers), counts ≥ 1. */
const idRuns = z.instanceof(Float64Array).superRefine((runs, context) => {
  if (runs.length % 2 !== 0)
    context.addIssue({ code: 'custom', message: `${runs.length} numbers, not pairs` });
  for (let index = 0; index + 1 < runs.length; index += 2) {
    const first = runs[index] as number;
    const count = runs[index + 1] as number;
    if (
      !Number.isInteger(first) ||
      first < 0 ||
      first + count > 1e15 ||
      !Number.isInteger(count) ||
      count < 1
    ) {
      context.addIssue({ code: 'custom', message: `run ${index / 2}: first ${first}, count ${count}` });
      return;
    }
  }
});

const checkpointFields = {
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  nextOffset: offset,
  engine: z.unknown(),
  duplicates: z.object({
    capacityPerSymbol: z.number().int().positive(),
    // runs since issue 17 (2026-12-06): a processor from before refuses such a checkpoint and rebuilds
    symbols: z.record(z.string(), z.union([z.array(z.string()), idRuns])),
  }),
  clock: z.object({ maxEventMs: z.number().nullable(), advancedToMs: z.number().nullable() }),
  ruleIds: z.array(z.string()),
};

const checkpointSchema = z.discriminatedUnion('version', [
  z.object({ version: z.literal(1), ...checkpointFields }),
  z.object({ version: z.literal(2), ...checkpointFields, ruleSet: z.string().min(1) }),
  z.object({
    version: z.literal(3),
    ...checkpointFields,
    ruleSet: z.string().min(1),
    ruleChanges: z.string().min(1),
  }),
]);

const ruleSetSchema = z.object({ version: z.literal(1), rules: z.array(z.unknown()) });

const progressSchema = z.object({
  version: z.literal(1),
  nextOffset: offset,
  checkpointOffset: offset.nullable(),
});

export const checkpointKey = ({ topic, partition }: TopicPartition): string => `${topic}:${partition}`;
export const ruleSetKey = ({ topic, partition }: TopicPartition): string => `${topic}:${partition}:rules`;
export const progressKey = ({ topic, partition }: TopicPartition): string => `${topic}:${partition}:progress`;

// v8's structured serialisation: typed arrays and -0/NaN survive, and it is several times faster than
// JSON for the large number arrays an engine snapshot holds.
export function encodeCheckpoint(checkpoint: StoredCheckpoint): Buffer {
  const { ruleSetId, ruleChangesId, ...fields } = checkpoint;
  if (ruleSetId === null) return serialize({ ...fields, version: 1 });
  if (ruleChangesId === null) return serialize({ ...fields, version: 2, ruleSet: ruleSetId });
  return serialize({ ...fields, version: 3, ruleSet: ruleSetId, ruleChanges: ruleChangesId });
}

export const encodeRuleSet = (rules: readonly unknown[]): Buffer => serialize({ version: 1, rules });
export const encodeProgress = (progress: PartitionProgress): Buffer =>
  Buffer.from(JSON.stringify(progress), 'utf8');

function decoded<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new NexuralError('NXR_SCHEMA_INVALID', `${what}: ${describeIssues(result.error)}`);
}

export function decodeCheckpoint(bytes: Buffer, where: string): StoredCheckpoint {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (error) {
    throw new NexuralError('NXR_PARSE_FAILED', `checkpoint ${where} is not v8-serialised: ${String(error)}`);
  }
  const stored = decoded(checkpointSchema, value, `checkpoint ${where}`) as z.output<
    typeof checkpointSchema
  > &
    Pick<PartitionCheckpoint, 'duplicates'>;
  if (stored.version === 1) return { ...stored, ruleSetId: null, ruleChangesId: null };
  if (stored.version === 2) {
    const { ruleSet, ...fields } = stored;
    return { ...fields, version: 2, ruleSetId: ruleSet, ruleChangesId: null };
  }
  const { ruleSet, ruleChanges, ...fields } = stored;
  return { ...fields, version: 2, ruleSetId: ruleSet, ruleChangesId: ruleChanges };
}

export function decodeRuleSet(bytes: Buffer, where: string): readonly unknown[] {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (error) {
    throw new NexuralError('NXR_PARSE_FAILED', `rule set ${where} is not v8-serialised: ${String(error)}`);
  }
  return decoded(ruleSetSchema, value, `rule set ${where}`).rules;
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
