import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import type { OutgoingRecord, PartitionOffset, TopicSpec } from '../../../schemas/ports/stream-log.js';
import { describeIssues } from '../../../schemas/validate.js';

export const topicNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, { error: 'topic names are 1–249 of letters, digits, . _ -' })
  .describe('Kafka topic name');

export const topicSpecSchema = z.object({
  name: topicNameSchema,
  partitions: z.number().int().min(1).max(10_000).describe('partition count'),
  compacted: z.boolean().describe('cleanup.policy=compact'),
  retentionMs: z
    .number()
    .int()
    .min(-1)
    .optional()
    .describe('retention.ms for a non-compacted topic; -1 = forever; unset = broker default'),
  retentionBytes: z
    .number()
    .int()
    .min(-1)
    .optional()
    .describe('retention.bytes per partition for a non-compacted topic; -1 = no limit; unset = default'),
});

const offsetSchema = z.string().regex(/^\d+$/, { error: 'offset must be a non-negative decimal string' });

export const partitionOffsetSchema = z.object({
  topic: topicNameSchema,
  partition: z.number().int().nonnegative(),
  offset: offsetSchema,
});

const outgoingRecordSchema = z.object({
  topic: topicNameSchema,
  key: z.string().nullable(),
  value: z.instanceof(Buffer).nullable(),
  partition: z.number().int().nonnegative().optional(),
  timestamp: z.number().int().nonnegative().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

function validated<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new NexuralError('NXR_CONFIG_INVALID', `invalid ${what}: ${describeIssues(result.error)}`);
}

export const validTopicSpecs = (specs: readonly TopicSpec[]): readonly TopicSpec[] =>
  validated(z.array(topicSpecSchema), specs, 'topic spec');

export const validOffsets = (offsets: readonly PartitionOffset[]): readonly PartitionOffset[] =>
  validated(z.array(partitionOffsetSchema), offsets, 'offsets');

/** Checks the shape of records at the producer edge; cheap enough to run on every batch. */
export function validRecords(records: readonly OutgoingRecord[]): readonly OutgoingRecord[] {
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as OutgoingRecord;
    const plausible =
      typeof record.topic === 'string' &&
      (record.key === null || typeof record.key === 'string') &&
      (record.value === null || Buffer.isBuffer(record.value)) &&
      (record.partition === undefined || Number.isInteger(record.partition));
    if (!plausible) {
      validated(outgoingRecordSchema, record, `record ${index}`);
    }
  }
  return records;
}

export const unknownTopic = (topic: string): NexuralError =>
  new NexuralError(
    'NXR_CONFIG_INVALID',
    `topic "${topic}" does not exist; topics are never auto-created: run \`nexural topics --create\``,
    { topic },
  );
