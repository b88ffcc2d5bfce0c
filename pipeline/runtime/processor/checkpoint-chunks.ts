import { z } from 'zod';
import type { OutgoingRecord, TopicPartition } from '../../../schemas/ports/stream-log.js';
import {
  checkpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
  type PartitionCheckpoint,
} from './partition-checkpoint.js';

/**
 * Kafka refuses records (and record batches) above `message.max.bytes`, 1 MiB by default, and a partition
 * with many symbols, indicators and rules snapshots to megabytes. So a checkpoint is a manifest under the
 * checkpoint key plus its bytes in chunks under `<key>#<i>`, all in one transaction. Each chunk starts with
 * the checkpoint's offset: compaction may keep chunks of an older, longer checkpoint, which never match.
 */
export const CHECKPOINT_CHUNK_BYTES = 256 * 1024;

const manifestSchema = z.object({
  version: z.literal(1),
  nextOffset: z.string().regex(/^\d+$/),
  chunks: z.number().int().min(1),
  bytes: z.number().int().min(0),
});

const chunkKey = (source: TopicPartition, index: number) => `${checkpointKey(source)}#${index}`;

export function checkpointRecords(
  stateTopic: string,
  checkpoint: PartitionCheckpoint,
  timestamp: number,
  chunkBytes = CHECKPOINT_CHUNK_BYTES,
): OutgoingRecord[] {
  const source = { topic: checkpoint.topic, partition: checkpoint.partition };
  const bytes = encodeCheckpoint(checkpoint);
  const chunks = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  const prefix = Buffer.from(`${checkpoint.nextOffset}\n`, 'utf8');
  const record = (key: string, value: Buffer): OutgoingRecord => ({
    topic: stateTopic,
    key,
    value,
    partition: checkpoint.partition,
    timestamp,
  });
  const manifest = { version: 1, nextOffset: checkpoint.nextOffset, chunks, bytes: bytes.length };
  return [
    ...Array.from({ length: chunks }, (_, index) =>
      record(
        chunkKey(source, index),
        Buffer.concat([prefix, bytes.subarray(index * chunkBytes, (index + 1) * chunkBytes)]),
      ),
    ),
    // the manifest last: a reader that sees it has seen every chunk before it (same partition, in order)
    record(checkpointKey(source), Buffer.from(JSON.stringify(manifest), 'utf8')),
  ];
}

/**
 * The checkpoint of `source` at `nextOffset` from a table of the state topic, or null while its manifest
 * or a chunk of it is not there (yet).
 */
export function readCheckpoint(
  get: (key: string) => Buffer | null | undefined,
  source: TopicPartition,
  nextOffset: string,
): PartitionCheckpoint | null {
  const manifestBytes = get(checkpointKey(source));
  if (!manifestBytes) return null;
  let manifest: z.output<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString('utf8')));
  } catch {
    return null;
  }
  if (manifest.nextOffset !== nextOffset) return null;
  const prefix = `${nextOffset}\n`;
  const parts: Buffer[] = [];
  for (let index = 0; index < manifest.chunks; index++) {
    const chunk = get(chunkKey(source, index));
    if (!chunk || chunk.toString('utf8', 0, prefix.length) !== prefix) return null;
    parts.push(chunk.subarray(prefix.length));
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length !== manifest.bytes) return null;
  return decodeCheckpoint(bytes, `${source.topic}/${source.partition} at ${nextOffset}`);
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
