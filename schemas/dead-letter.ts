import { z } from 'zod';
import { errorCodes } from './errors.js';

const errorCodeSchema = z.enum(
  Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]],
);

export const sourcePositionSchema = z
  .object({
    topic: z.string().min(1).describe('topic (or file) the record came from'),
    partition: z.number().int().nonnegative().describe('partition (0 for files)'),
    offset: z
      .string()
      .regex(/^\d+$/)
      .describe('offset in the partition (line number for files), as a decimal string'),
  })
  .readonly()
  .describe('where a record was read');

export type SourcePosition = z.infer<typeof sourcePositionSchema>;

/** A record Nexural refused, with why; written to the dead-letter topic, never retried forever. */
export const deadLetterSchema = z
  .object({
    code: errorCodeSchema.describe('stable NXR_* error code'),
    reason: z.string().min(1).describe('human-readable reason, naming the bad field and value'),
    path: z
      .array(z.union([z.string(), z.number()]))
      .optional()
      .describe('path of the bad field, if one'),
    payload: z.string().describe('the original record as received (UTF-8; base64 if it was not text)'),
    payloadEncoding: z.enum(['utf8', 'base64']).describe('how payload is encoded'),
    key: z.string().nullable().describe('the original record key'),
    source: sourcePositionSchema.nullable().describe('where the record was read, if it came from a log'),
    failedAt: z.number().int().describe('wall-clock ms when it was refused'),
    consumer: z
      .string()
      .optional()
      .describe('the consumer that refused it (absent when the processor refused it)'),
  })
  .readonly()
  .describe('a dead-letter record');

export type DeadLetter = z.infer<typeof deadLetterSchema>;
