import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import type { OutgoingRecord, TopicPartition } from '../../../schemas/ports/stream-log.js';
import {
  checkpointKey,
  decodeCheckpoint,
  decodeRuleSet,
  encodeCheckpoint,
  encodeRuleSet,
  type PartitionCheckpoint,
  ruleSetKey,
} from './partition-checkpoint.js';
import {
  applyRuleChanges,
  decodeRuleChanges,
  diffRules,
  encodeRuleChanges,
  ruleChangesKey,
} from './rule-set-changes.js';

/**
 * Kafka refuses records (and record batches) above `message.max.bytes`, 1 MiB by default, and a partition
 * with many symbols, indicators and rules snapshots to megabytes. So a checkpoint is a manifest under the
 * checkpoint key plus its bytes in chunks under `<key>#<i>`, all in one transaction. Each chunk starts with
 * the checkpoint's offset: compaction may keep chunks of an older, longer checkpoint, which never match.
 *
 * The engine's rule definitions (version-2 checkpoints) are a rule set record of their own, chunked the
 * same way under `<key>:rules`, with its id (a hash of its bytes) in place of the offset. It is written in
 * the transaction of the first checkpoint that holds it, before that checkpoint; later checkpoints with the
 * same rules only refer to it. So the state topic's latest rule set is always the latest checkpoint's.
 * After a rule change, a checkpoint refers to that rule set (its base) and to the changes since it, written
 * the same way under `<key>:rule-changes` (rule-set-changes.ts), as long as the changes are at most a
 * quarter of the base's bytes; beyond that, or when they cannot say the engine's order, a new base.
 */
export const CHECKPOINT_CHUNK_BYTES = 256 * 1024;

const manifestSchema = z.object({
  version: z.literal(1),
  /** a checkpoint's: its offset */
  nextOffset: z.string().regex(/^\d+$/).optional(),
  /** a rule set's: its id */
  ruleSet: z.string().min(1).optional(),
  /** a rule changes record's: its id */
  ruleChanges: z.string().min(1).optional(),
  chunks: z.number().int().min(1),
  bytes: z.number().int().min(0),
});

type Manifest = z.output<typeof manifestSchema>;

/**
 * A rule set in the state topic: the definitions it stands for (compared by reference), the id of its base
 * record and of the changes applied to it (null: the base alone), and the base itself.
 */
export interface WrittenRuleSet {
  readonly rules: readonly unknown[];
  readonly id: string;
  readonly changesId: string | null;
  readonly base: { readonly rules: readonly unknown[]; readonly bytes: number };
}

/** Rule changes are written while at most this share of their base's bytes; then a new base. */
const MAX_CHANGES_SHARE = 0.25;

export interface CheckpointRecords {
  readonly records: OutgoingRecord[];
  /** the checkpoint's rule set as the state topic holds it once these records commit (null: version 1) */
  readonly ruleSet: WrittenRuleSet | null;
  /** whether `records` write the rule set (it differs from `written`) */
  readonly writesRuleSet: boolean;
}

const sameRules = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((rule, index) => rule === b[index]);

/**
 * The rule set encoded last, by its rule objects. A processor's partitions hold the same (frozen, shared)
 * rule objects, so going live and a rule change encode and hash the same rule set once, not once per
 * partition (263 KiB for 1,000 rules, 6 partitions).
 */
let lastEncoded: { readonly rules: readonly unknown[]; readonly bytes: Buffer; readonly id: string } | null =
  null;

const idOfBytes = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 32);

function encodedRuleSet(rules: readonly unknown[]): { bytes: Buffer; id: string } {
  if (lastEncoded !== null && sameRules(lastEncoded.rules, rules)) return lastEncoded;
  const bytes = encodeRuleSet(rules);
  lastEncoded = { rules, bytes, id: idOfBytes(bytes) };
  return lastEncoded;
}

/** The changes encoded last, by their base and rule objects (shared by the partitions, as above). */
let lastChanges: {
  readonly base: readonly unknown[];
  readonly rules: readonly unknown[];
  readonly encoded: { readonly bytes: Buffer; readonly id: string } | null;
} | null = null;

/** `rules` as changes to `written`'s base, or null when a new base is due (too many, or no order). */
function encodedChanges(
  written: WrittenRuleSet,
  rules: readonly unknown[],
): { readonly bytes: Buffer; readonly id: string } | null {
  const { base } = written;
  if (lastChanges !== null && lastChanges.base === base.rules && sameRules(lastChanges.rules, rules)) {
    return lastChanges.encoded;
  }
  const diff = diffRules(base.rules, rules);
  let encoded: { bytes: Buffer; id: string } | null = null;
  if (diff !== null) {
    const bytes = encodeRuleChanges({ base: written.id, ...diff });
    if (bytes.length <= base.bytes * MAX_CHANGES_SHARE) encoded = { bytes, id: idOfBytes(bytes) };
  }
  lastChanges = { base: base.rules, rules, encoded };
  return encoded;
}

/**
 * The records of `checkpoint`, preceded by its rule set's unless that is `written` (the rule set the state
 * topic already holds for the partition, as far as its writer knows).
 */
export function checkpointRecords(
  stateTopic: string,
  checkpoint: PartitionCheckpoint,
  timestamp: number,
  written: WrittenRuleSet | null = null,
  chunkBytes = CHECKPOINT_CHUNK_BYTES,
): CheckpointRecords {
  const source = { topic: checkpoint.topic, partition: checkpoint.partition };
  const record = (key: string, value: Buffer): OutgoingRecord => ({
    topic: stateTopic,
    key,
    value,
    partition: checkpoint.partition,
    timestamp,
  });
  const records: OutgoingRecord[] = [];
  let ruleSet: WrittenRuleSet | null = null;
  let writesRuleSet = false;
  if (checkpoint.rules !== null) {
    if (written !== null && sameRules(written.rules, checkpoint.rules)) ruleSet = written;
    else {
      const changes = written === null ? null : encodedChanges(written, checkpoint.rules);
      if (written !== null && changes !== null) {
        const tagged = { ruleChanges: changes.id };
        records.push(
          ...chunked(record, ruleChangesKey(source), changes.id, tagged, changes.bytes, chunkBytes),
        );
        ruleSet = { rules: checkpoint.rules, id: written.id, changesId: changes.id, base: written.base };
      } else {
        const { bytes, id } = encodedRuleSet(checkpoint.rules);
        records.push(...chunked(record, ruleSetKey(source), id, { ruleSet: id }, bytes, chunkBytes));
        const base = { rules: checkpoint.rules, bytes: bytes.length };
        ruleSet = { rules: checkpoint.rules, id, changesId: null, base };
      }
      writesRuleSet = true;
    }
  }
  const { rules: _apart, ...fields } = checkpoint;
  const bytes = encodeCheckpoint({
    ...fields,
    ruleSetId: ruleSet?.id ?? null,
    ruleChangesId: ruleSet?.changesId ?? null,
  });
  const { nextOffset } = checkpoint;
  records.push(...chunked(record, checkpointKey(source), nextOffset, { nextOffset }, bytes, chunkBytes));
  return { records, ruleSet, writesRuleSet };
}

/** `bytes` in chunks under `<key>#<i>`, each prefixed with `tag`, then the manifest under `key`. */
function chunked(
  record: (key: string, value: Buffer) => OutgoingRecord,
  key: string,
  tag: string,
  names: Pick<Manifest, 'nextOffset' | 'ruleSet' | 'ruleChanges'>,
  bytes: Buffer,
  chunkBytes: number,
): OutgoingRecord[] {
  const chunks = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  const prefix = Buffer.from(`${tag}\n`, 'utf8');
  const manifest: Manifest = { version: 1, ...names, chunks, bytes: bytes.length };
  return [
    ...Array.from({ length: chunks }, (_, index) =>
      record(
        `${key}#${index}`,
        Buffer.concat([prefix, bytes.subarray(index * chunkBytes, (index + 1) * chunkBytes)]),
      ),
    ),
    // the manifest last: a reader that sees it has seen every chunk before it (same partition, in order)
    record(key, Buffer.from(JSON.stringify(manifest), 'utf8')),
  ];
}

/** The bytes under `key` tagged `tag`, or null while its manifest or a chunk of it is not there (yet). */
function readChunked(
  get: (key: string) => Buffer | null | undefined,
  key: string,
  tag: string,
  tagOf: (manifest: Manifest) => string | undefined,
): Buffer | null {
  const manifestBytes = get(key);
  if (!manifestBytes) return null;
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString('utf8')));
  } catch {
    return null;
  }
  if (tagOf(manifest) !== tag) return null;
  const prefix = `${tag}\n`;
  const parts: Buffer[] = [];
  for (let index = 0; index < manifest.chunks; index++) {
    const chunk = get(`${key}#${index}`);
    if (!chunk || chunk.toString('utf8', 0, prefix.length) !== prefix) return null;
    parts.push(chunk.subarray(prefix.length));
  }
  const bytes = Buffer.concat(parts);
  return bytes.length === manifest.bytes ? bytes : null;
}

/**
 * The checkpoint of `source` at `nextOffset` from a table of the state topic, with its rule set, or null
 * while its manifest, its rule set or a chunk of either is not there (yet).
 */
export function readCheckpoint(
  get: (key: string) => Buffer | null | undefined,
  source: TopicPartition,
  nextOffset: string,
): PartitionCheckpoint | null {
  const bytes = readChunked(get, checkpointKey(source), nextOffset, (manifest) => manifest.nextOffset);
  if (bytes === null) return null;
  const where = `${source.topic}/${source.partition} at ${nextOffset}`;
  const { ruleSetId, ruleChangesId, ...stored } = decodeCheckpoint(bytes, where);
  if (ruleSetId === null) return { ...stored, rules: null };
  const ruleBytes = readChunked(get, ruleSetKey(source), ruleSetId, (manifest) => manifest.ruleSet);
  if (ruleBytes === null) return null;
  const base = decodeRuleSet(ruleBytes, `${ruleSetId} of ${where}`);
  if (ruleChangesId === null) return { ...stored, rules: base };
  const changesBytes = readChunked(
    get,
    ruleChangesKey(source),
    ruleChangesId,
    (manifest) => manifest.ruleChanges,
  );
  if (changesBytes === null) return null;
  const changes = decodeRuleChanges(changesBytes, `${ruleChangesId} of ${where}`);
  if (changes.base !== ruleSetId) {
    throw new NexuralError(
      'NXR_SCHEMA_INVALID',
      `rule changes ${ruleChangesId} of ${where} apply to rule set ${changes.base}, not ${ruleSetId}`,
    );
  }
  return { ...stored, rules: applyRuleChanges(base, changes) };
}

/** Splits records into sends of at most `maxBytes` of values each (Kafka bounds a record batch's size). */
export function inSends(records: readonly OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const sends: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let size = 0;
  for (const record of records) {
    const bytes = (record.value?.length ?? 0) + (record.key?.length ?? 0) + 64;
    if (current.length > 0 && size + bytes > maxBytes) {
      sends.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
